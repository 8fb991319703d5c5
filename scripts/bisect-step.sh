#!/usr/bin/env bash
# One step of "git bisect run": build the checked-out kernel tree with our
# guest config and boot it on the model.  Run from the tree being bisected
# (scripts/bisect.sh sets it up).
#
# Settings (environment):
#   BISECT_OUT      build directory (default $BUILD/bisect-step)
#   BISECT_RESULTS  where each commit's console, QEMU stderr and verdict go
#   MODE CMD TIMEOUT SMP APPEND SEV_OPTS   as for scripts/boot.sh
#   BUILD_LOCK      lock file serialising kernel builds on the machine
#   LAVA=1          boot as a LAVA job (ci/lava: the bisect-step job, run
#                   with lava-run) instead of with boot.sh
#
# Exit status, as git bisect run reads it: 0 good (CMD succeeded), 1 bad
# (CMD failed, panic, termination request, triple fault, timeout), 125 skip
# (the revision does not build or lacks a needed Kconfig option), 128 when
# the step itself cannot run (bisect stops).
. "$(dirname "$0")/lib.sh"

OUT=${BISECT_OUT:-$BUILD/bisect-step}
RESULTS=${BISECT_RESULTS:-$OUT.results}
BUILD_LOCK=${BUILD_LOCK:-/tmp/linux.lock}
MODE=${MODE:-sev-es}
CMD=${CMD:-true}
TIMEOUT=${TIMEOUT:-120}

# record REV VERDICT WHAT BUILD_S BOOT_S: one line per step in $RESULTS/steps.
record() {
	printf '%s %-4s build %4ss boot %4ss  %s\n' "$1" "$2" "$4" "$5" "$3" |
		tee -a "$RESULTS/steps" >&2
}

# build: bzImage of the tree in the current directory; fails for a
# revision that does not build or whose config lacks our options.
build() {
	KERNEL_TREE=$PWD KERNEL_OUT=$OUT nice "$TOP/scripts/build-kernel.sh" ours
}

# boot_local REV KIMAGE: boot.sh on this machine; sets RC.
boot_local() {
	KERNEL=$2 MODE=$MODE CMD=$CMD TIMEOUT=$TIMEOUT \
		LOG="$RESULTS/$1.console" "$TOP/scripts/boot.sh" \
		>/dev/null 2>"$RESULTS/$1.qemu" || RC=$?
	# boot.sh or its helpers could not start the guest at all.
	if grep -qE '^[a-z-]+\.sh: error: ' "$RESULTS/$1.qemu"; then
		cat "$RESULTS/$1.qemu" >&2
		exit 128
	fi
}

# boot_lava REV KIMAGE: the revision's bisect-step LAVA job, run with
# lava-run; sets RC as boot.sh would: 0 when its test passed, 1 when it
# failed, 124 when LAVA timed out, 125 when the guest died (termination
# request, panic, triple fault).  Anything else is LAVA's trouble.
boot_lava() {
	local dir=$RESULTS/$1.lava

	BISECT_KERNEL=$2 BISECT_REV=$1 "$TOP/ci/lava/generate.sh" "$dir" >/dev/null ||
		exit 128
	"$TOP/ci/lava/run.sh" "$dir/jobs/bisect-step.yaml" "$dir/run" >"$dir/summary" 2>&1 || true
	# QEMU's messages and the console, as LAVA logged them.
	/usr/bin/python3 -c '
import json, sys
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("lvl") in ("target", "feedback") and isinstance(e.get("msg"), str):
        print(e["msg"])' "$dir/run/lava.log" >"$RESULTS/$1.console" 2>/dev/null || true
	cp "$RESULTS/$1.console" "$RESULTS/$1.qemu"
	if grep -q '^results: bisect-step: 1 pass' "$dir/summary"; then
		RC=0
	elif grep -q '^results: bisect-step: 1 fail' "$dir/summary"; then
		RC=1
	elif [ "$(boot_outcome "$RESULTS/$1.console" "$RESULTS/$1.qemu" 125)" != "stopped (boot.sh status 125)" ]; then
		RC=125
	elif grep -q 'timed out after' "$dir/run/lava.log"; then
		RC=124
	else
		cat "$dir/summary" >&2
		exit 128
	fi
}

main() {
	local rev start build_s boot_s kimage what lock

	rev=$(git rev-parse HEAD)
	mkdir -p "$RESULTS"
	# One kernel build on the machine at a time; the wait is not the build's.
	exec {lock}>>"$BUILD_LOCK"
	start=$SECONDS
	flock "$lock"
	[ $((SECONDS - start)) -lt 5 ] || log "waited $((SECONDS - start))s for $BUILD_LOCK"
	start=$SECONDS
	if ! kimage=$(build 2>"$RESULTS/$rev.build"); then
		tail -n 5 "$RESULTS/$rev.build" >&2
		record "$rev" skip "does not build with our config" $((SECONDS - start)) 0
		exit 125
	fi
	build_s=$((SECONDS - start))
	exec {lock}>&-
	start=$SECONDS
	RC=0
	if [ -n "${LAVA:-}" ]; then
		boot_lava "$rev" "$kimage"
	else
		boot_local "$rev" "$kimage"
	fi
	boot_s=$((SECONDS - start))
	what=$(boot_outcome "$RESULTS/$rev.console" "$RESULTS/$rev.qemu" "$RC")
	echo "$what" >"$RESULTS/$rev.verdict"
	if [ "$RC" = 0 ]; then
		record "$rev" good "$what" "$build_s" "$boot_s"
		exit 0
	fi
	record "$rev" bad "$what" "$build_s" "$boot_s"
	exit 1
}

main "$@"
