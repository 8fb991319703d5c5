#!/usr/bin/env bash
# Boot a kernel once per hostile-hypervisor lie of the model
# (sev-guest tcg-hostile=NAME) and print what the guest did:
#   tests/hostile.sh [KERNEL] [LIE...]      (KERNEL: ours, debian, PATH)
#   tests/hostile.sh --compare [LIE...]     ours and debian side by side
# A guest that checks what it is told ends each case with a termination
# request (reason set/code) or a clean panic; "userland" means it went
# on, with what it printed about the lie where that matters; "timeout"
# that it hung.
. "$(dirname "$0")/lib.sh"

LIES=(cbit-0 cbit-63 cbit-beyond cbit-wrong cbit-info cbit-alias snp version
	sev-info-change cpuid-code cpuid-reg cpuid-rdrand cpuid-no-sev-es msr-stale
	garbage term-resume ghcb-exitinfo ghcb-inject ghcb-inject-vc ghcb-valid
	ghcb-oversize ioio-dir ghcb-toctou ap-jump-ram ap-never-wake vc-spurious
	vc-random vc-regmov vc-db-kernel nmi-every-vc replay)

# What a lie needs beyond one vCPU and "true": vCPUs, a command, and the
# console lines (extended regexp) worth quoting when the guest goes on.
declare -A SMP_OF=([ap-jump-ram]=2 [ap-never-wake]=2)
# shellcheck disable=SC2016 # expanded by the guest shell
ONLINE='echo "cpus online: $(cat /sys/devices/system/cpu/online)"'
CPU1=/sys/devices/system/cpu/cpu1/online
CYCLE="echo 0 >$CPU1; echo 1 >$CPU1; $ONLINE"
# shellcheck disable=SC2016 # expanded by the guest shell
NMIS='cpuid 0 0 4; echo "nmis: $(dmesg | grep -c "NMI received for unknown reason")"'
declare -A CMD_OF=([ap-jump-ram]=$ONLINE [ap-never-wake]=$CYCLE
	[replay]='vmgexit 16' [vc-db-kernel]='cpuid 0 0 1' [nmi-every-vc]=$NMIS)
# A quiet console: printing each NMI's message would take more NMIs.
declare -A APPEND_OF=([nmi-every-vc]=loglevel=0)
declare -A NOTE_OF=([ap-jump-ram]='AP jump table|^cpus online'
	[ap-never-wake]='failed.*to wakeup CPU#1|^cpus online' [replay]='^vmgexit: '
	[nmi-every-vc]='^nmis: ' [vc-db-kernel]='WARNING')

# hostile_outcome LIE LOG ERR RC: one line on how the boot ended: as
# boot_outcome says, but an oops first, and for a guest that went on,
# the console lines about the lie and the requests the model replayed.
hostile_outcome() {
	local lie=$1 log=$2 err=$3 rc=$4 line notes='' n
	if grep -aq 'guest termination request' "$err"; then
		grep -aq 'termination request .* ignored' "$err" && notes='asked again after being ignored; '
		echo "$notes$(boot_outcome "$log" "$err" "$rc")"
	elif line=$(grep -a -m1 -E 'BUG:|Oops|general protection fault' "$log"); then
		echo "oops: ${line#*] }"
	elif ! grep -aEq "$MARKER" "$log" || grep -aq 'Kernel panic - not syncing' "$log" ||
	     grep -aq 'shutdown (triple fault)' "$err"; then
		boot_outcome "$log" "$err" "$rc"
	else
		if [ -n "${NOTE_OF[$lie]:-}" ]; then
			notes=$(grep -aE "${NOTE_OF[$lie]}" "$log" | sed 's/^\[[ 0-9.]*\] //' |
				sort | uniq -c | sed 's/^ *1 //; s/^ *\([0-9]*\) /\1x /' | head -3 | paste -sd';')
		fi
		n=$(grep -ac 'which the guest did not make' "$err" || true)
		[ "$n" -gt 0 ] && notes="${notes:+$notes; }$n requests replayed"
		echo "userland${notes:+: $notes}"
	fi
}

# hostile_run KERNEL LIE DIR: one boot; prints its outcome.
hostile_run() {
	local kernel=$1 lie=$2 dir=$3 rc=0
	KERNEL=$kernel MODE=sev-es SMP=${SMP_OF[$lie]:-1} TIMEOUT=${TIMEOUT:-90} \
		CMD=${CMD_OF[$lie]:-true} APPEND=${APPEND_OF[$lie]:-} \
		SEV_OPTS="tcg-hostile=$lie" LOG="$dir/$lie.log" \
		"$TOP/scripts/boot.sh" >/dev/null 2>"$dir/$lie.err" || rc=$?
	hostile_outcome "$lie" "$dir/$lie.log" "$dir/$lie.err" "$rc"
}

main() {
	local kernel=${1:-ours} lie
	shift || true
	[ $# -gt 0 ] && LIES=("$@")
	work=$(mktemp -d "${TMPDIR:-/tmp}/sev-es-hostile.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	mkdir -p "$work/ours" "$work/debian"
	if [ "$kernel" = --compare ]; then
		printf '| %-15s | %-50s | %s |\n' lie ours 'Debian 6.1'
		printf '|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..17})" "$(printf -- '-%.0s' {1..52})" ------------
		for lie in "${LIES[@]}"; do
			printf '| %-15s | %-50s | %s |\n' "$lie" \
				"$(hostile_run ours "$lie" "$work/ours")" \
				"$(hostile_run debian "$lie" "$work/debian")"
		done
		return
	fi
	printf '%-15s | %s\n' lie "what the guest ($kernel) did"
	for lie in "${LIES[@]}"; do
		printf '%-15s | %s\n' "$lie" "$(hostile_run "$kernel" "$lie" "$work/ours")"
	done
}

main "$@"
