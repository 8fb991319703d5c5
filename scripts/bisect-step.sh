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
	KERNEL_TREE=$PWD KERNEL_OUT=$OUT flock "$BUILD_LOCK" \
		nice "$TOP/scripts/build-kernel.sh" ours
}

main() {
	local rev start build_s boot_s kimage rc=0 what

	rev=$(git rev-parse HEAD)
	mkdir -p "$RESULTS"
	start=$SECONDS
	if ! kimage=$(build 2>"$RESULTS/$rev.build"); then
		tail -n 5 "$RESULTS/$rev.build" >&2
		record "$rev" skip "does not build with our config" $((SECONDS - start)) 0
		exit 125
	fi
	build_s=$((SECONDS - start))
	start=$SECONDS
	KERNEL=$kimage MODE=$MODE CMD=$CMD TIMEOUT=$TIMEOUT \
		LOG="$RESULTS/$rev.console" "$TOP/scripts/boot.sh" \
		>/dev/null 2>"$RESULTS/$rev.qemu" || rc=$?
	boot_s=$((SECONDS - start))
	# boot.sh or its helpers could not start the guest at all.
	if grep -qE '^[a-z-]+\.sh: error: ' "$RESULTS/$rev.qemu"; then
		cat "$RESULTS/$rev.qemu" >&2
		exit 128
	fi
	what=$(boot_outcome "$RESULTS/$rev.console" "$RESULTS/$rev.qemu" "$rc")
	echo "$what" >"$RESULTS/$rev.verdict"
	if [ "$rc" = 0 ]; then
		record "$rev" good "$what" "$build_s" "$boot_s"
		exit 0
	fi
	record "$rev" bad "$what" "$build_s" "$boot_s"
	exit 1
}

main "$@"
