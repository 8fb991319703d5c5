#!/usr/bin/env bash
# Boot a kernel once per hostile-hypervisor lie of the model
# (sev-guest tcg-hostile=NAME) and print what the guest did:
#   tests/hostile.sh [KERNEL] [LIE...]      (KERNEL: ours, debian, PATH)
# A guest that checks what it is told ends each case with a termination
# request (reason set/code) or a clean panic; "userland" means the lie
# went unnoticed, "timeout" that the guest hung.
. "$(dirname "$0")/lib.sh"

LIES=(cbit-0 cbit-63 cbit-beyond cbit-wrong cbit-info snp version cpuid-code cpuid-reg garbage
	ghcb-exitinfo ghcb-inject ghcb-valid ghcb-oversize vc-spurious)

# outcome LOG ERR RC: one line on how the boot ended.
outcome() {
	local log=$1 err=$2 rc=$3 line
	if line=$(grep -ao 'guest termination request: reason set [0-9]*, reason code [0-9]*' "$err"); then
		echo "termination request: ${line#*request: }"
	elif line=$(grep -a -m1 'Kernel panic - not syncing' "$log"); then
		echo "panic: ${line#*not syncing: }"
	elif grep -aq 'shutdown (triple fault)' "$err"; then
		echo "triple fault"
	elif grep -aEq "$MARKER" "$log"; then
		echo "userland (the lie went unnoticed)"
	elif [ "$rc" = 124 ]; then
		echo "timeout, no verdict"
	else
		echo "stopped (boot.sh status $rc)"
	fi
}

main() {
	local kernel=${1:-ours} lie rc
	shift || true
	[ $# -gt 0 ] && LIES=("$@")
	work=$(mktemp -d "${TMPDIR:-/tmp}/sev-es-hostile.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	printf '%-13s | %s\n' lie "what the guest ($kernel) did"
	for lie in "${LIES[@]}"; do
		rc=0
		KERNEL=$kernel MODE=sev-es SMP=1 TIMEOUT=${TIMEOUT:-60} CMD=true \
			SEV_OPTS="tcg-hostile=$lie" LOG="$work/$lie.log" \
			"$TOP/scripts/boot.sh" >/dev/null 2>"$work/$lie.err" || rc=$?
		printf '%-13s | %s\n' "$lie" "$(outcome "$work/$lie.log" "$work/$lie.err" "$rc")"
	done
}

main "$@"
