#!/usr/bin/env bash
# Boot time to the userland marker, MODE=sev-es over MODE=plain, same
# kernel and firmware, run back to back; then the SEV-ES boot's #VC and
# VMGEXIT counts per exit code (the model's tcg-stats).
#
#   bench/boot-ratio.sh [KERNEL]     (default: debian)
. "$(dirname "$0")/../scripts/lib.sh"

KERNEL=${1:-debian}

# to_marker MODE LOG [VAR=value...]: seconds from launch to the marker.
to_marker() {
	local mode=$1 log=$2 start now pid
	shift 2
	: >"$log"
	start=$(date +%s.%N)
	env "$@" KERNEL="$KERNEL" MODE="$mode" SMP=1 TIMEOUT=600 CMD=true \
		LOG="$log" "$TOP/scripts/boot.sh" >/dev/null 2>"$log.err" &
	pid=$!
	wait_line "$log" "$MARKER" "$pid" || die "$mode boot ended without the marker"
	now=$(date +%s.%N)
	wait "$pid" || die "$mode boot failed"
	echo "$now - $start" | bc -l
}

main() {
	local plain sev
	dir=$(mktemp -d "${TMPDIR:-/tmp}/sev-es-bench.XXXXXX")
	trap 'rm -rf "$dir"' EXIT
	plain=$(to_marker plain "$dir/plain.log")
	sev=$(to_marker sev-es "$dir/sev.log" SEV_OPTS=tcg-stats=on)
	printf 'boot to userland (%s kernel, SMP=1): plain %.1f s, sev-es %.1f s, ratio %.2f\n' \
		"$KERNEL" "$plain" "$sev" "$(echo "$sev / $plain" | bc -l)"
	echo "exits during the sev-es boot (model counters):"
	grep -a '^sev-es: \(#VC\|VMGEXIT\) exit code' "$dir/sev.log.err" | sed 's/^/  /'
}

main "$@"
