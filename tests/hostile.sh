#!/usr/bin/env bash
# The hostile-hypervisor catalogue, tests/hostile.cfg: boot a kernel once
# per lie of the model (sev-guest tcg-hostile=NAME).
#   tests/hostile.sh [KERNEL] [LIE...]      (KERNEL: ours, debian, PATH)
#   tests/hostile.sh --compare [LIE...]     ours and debian side by side
#   tests/hostile.sh --check LIE            the test of LIE (tests/run.sh
#                                           runs it as hostile-LIE)
#   tests/hostile.sh --doc                  the table of Documentation/guest.md
#   tests/hostile.sh --text                 the lies and what ours does, as
#                                           plain text (the series' cover letter)
# The first two print what the guest did: a guest that checks what it is
# told ends each case with a termination request (reason set/code) or a
# clean panic; "userland" means it went on, with what it printed about
# the lie where that matters; "timeout" that it hung.
. "$(dirname "$0")/lib.sh"

# boot_args LIE KERNEL: the boot.sh settings of LIE, one a line.
boot_args() {
	local lie=$1 append
	printf '%s\n' "KERNEL=$2" MODE=sev-es "SMP=$(cfg_get "$lie" smp)" \
		"TIMEOUT=${TIMEOUT:-$(cfg_get "$lie" timeout)}" "CMD=$(cfg_get "$lie" cmd)" \
		"SEV_OPTS=tcg-hostile=$lie"
	append=$(cfg_get "$lie" append)
	[ -z "$append" ] || printf '%s\n' "APPEND=$append"
}

# hostile_check LIE: boot our kernel (or $KERNEL) against LIE and assert
# what the manifest says the guest must do.
hostile_check() {
	local lie=$1 outcome set code args=() re

	cfg_has "$lie" || fail "no lie '$lie' in $HOSTILE_CFG"
	outcome=$(cfg_get "$lie" outcome)
	read -r set code <<<"$(cfg_get "$lie" reason)"
	mapfile -t args < <(boot_args "$lie" "${KERNEL:-$(cfg_get "$lie" kernel)}")
	note "hypervisor lie: $lie; expected: $outcome${set:+, $(reason_hex "$set" "$code")}"
	boot_keep_err "${args[@]}"
	case $outcome in
	terminate)
		expect_reason "$set" "$code" "$(cfg_get "$lie" text)" ;;
	terminate-later)
		expect_console "$MARKER"
		expect_reason_any_time "$set" "$code" "$(cfg_get "$lie" text)" ;;
	userland)
		expect_rc 0 ;;
	stops)
		refute_console "$MARKER" ;;
	terminate-or-userland)
		if termination_seen "$BOOT_ERR" >/dev/null; then
			expect_reason "$set" "$code" "$(cfg_get "$lie" text)"
			note "the guest refused the answer"
		else
			expect_rc 0
			expect_console "$MARKER"
			note "the guest took the honest answer and went on"
		fi ;;
	esac
	while IFS= read -r re; do expect_console "$re"; done < <(cfg_list "$lie" console)
	while IFS= read -r re; do refute_console "$re"; done < <(cfg_list "$lie" no-console)
	while IFS= read -r re; do expect_stderr "$re"; done < <(cfg_list "$lie" stderr)
	while IFS= read -r re; do refute_stderr "$re"; done < <(cfg_list "$lie" no-stderr)
	return 0
}

# hostile_outcome LIE LOG ERR RC: one line on how the boot ended: as
# boot_outcome says, but an oops first, and for a guest that went on,
# the console lines about the lie and the requests the model replayed.
hostile_outcome() {
	local lie=$1 log=$2 err=$3 rc=$4 line notes='' n re
	if termination_seen "$err" >/dev/null; then
		grep -aq 'termination request .* ignored' "$err" && notes='asked again after being ignored; '
		echo "$notes$(boot_outcome "$log" "$err" "$rc")"
	elif line=$(grep -a -m1 -E 'BUG:|Oops|general protection fault' "$log"); then
		echo "oops: ${line#*] }"
	elif ! grep -aEq "$MARKER" "$log" || grep -aq 'Kernel panic - not syncing' "$log" ||
	     grep -aq 'shutdown (triple fault)' "$err"; then
		boot_outcome "$log" "$err" "$rc"
	else
		re=$(cfg_get "$lie" note)
		if [ -n "$re" ]; then
			notes=$(grep -aE "$re" "$log" | sed 's/^\[[ 0-9.]*\] //' |
				sort | uniq -c | sed 's/^ *1 //; s/^ *\([0-9]*\) /\1x /' | head -3 | paste -sd';')
		fi
		n=$(grep -ac 'still valid in the GHCB from an earlier exit' "$err" || true)
		[ "$n" -gt 0 ] && notes="${notes:+$notes; }$n requests replayed"
		echo "userland${notes:+: $notes}"
	fi
}

# hostile_run KERNEL LIE DIR: one boot; prints its outcome.
hostile_run() {
	local kernel=$1 lie=$2 dir=$3 rc=0 args=()
	mapfile -t args < <(boot_args "$lie" "$kernel")
	env "${args[@]}" LOG="$dir/$lie.log" \
		"$TOP/scripts/boot.sh" >/dev/null 2>"$dir/$lie.err" || rc=$?
	hostile_outcome "$lie" "$dir/$lie.log" "$dir/$lie.err" "$rc"
}

# doc_table: the table of Documentation/guest.md, from the manifest.
doc_table() {
	local lie set code ours
	echo '| lie | ours | Debian 6.1 |'
	echo '|---|---|---|'
	for lie in "${CFG_LIES[@]}"; do
		read -r set code <<<"$(cfg_get "$lie" reason)"
		ours=$(cfg_get "$lie" ours)
		[ "$(cfg_get "$lie" outcome)" != terminate ] ||
			ours="r $set / $code ($(cfg_get "$lie" text))${ours:+, $ours}"
		# shellcheck disable=SC2016 # Markdown's backquotes
		printf '| `%s` | %s | %s |\n' "$lie" "$ours" "$(cfg_get "$lie" debian)"
	done
}

# text_table: what our kernel does against each lie, as plain text.
text_table() {
	local lie set code what
	printf '  %-16s %s\n' lie 'what the guest does'
	for lie in "${CFG_LIES[@]}"; do
		read -r set code <<<"$(cfg_get "$lie" reason)"
		what=$(cfg_get "$lie" ours)
		[ "$(cfg_get "$lie" outcome)" != terminate ] ||
			what="set $set, code $code: $(cfg_get "$lie" text)${what:+; $what}"
		printf '  %-16s %s\n' "$lie" "${what//\`/}"
	done
}

main() {
	local kernel=${1:-ours} lie lies=()

	cfg_load
	case $kernel in
	--check) hostile_check "${2:?--check LIE}"; return ;;
	--doc) doc_table; return ;;
	--text) text_table; return ;;
	esac
	shift || true
	lies=("${CFG_LIES[@]}")
	[ $# -gt 0 ] && lies=("$@")
	for lie in "${lies[@]}"; do
		cfg_has "$lie" || die "no lie '$lie' in $HOSTILE_CFG"
	done
	work=$(mktemp -d "${TMPDIR:-/tmp}/sev-es-hostile.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	mkdir -p "$work/ours" "$work/debian"
	if [ "$kernel" = --compare ]; then
		printf '| %-15s | %-50s | %s |\n' lie ours 'Debian 6.1'
		printf '|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..17})" "$(printf -- '-%.0s' {1..52})" ------------
		for lie in "${lies[@]}"; do
			printf '| %-15s | %-50s | %s |\n' "$lie" \
				"$(hostile_run ours "$lie" "$work/ours")" \
				"$(hostile_run debian "$lie" "$work/debian")"
		done
		return
	fi
	printf '%-15s | %s\n' lie "what the guest ($kernel) did"
	for lie in "${lies[@]}"; do
		printf '%-15s | %s\n' "$lie" "$(hostile_run "$kernel" "$lie" "$work/ours")"
	done
}

main "$@"
