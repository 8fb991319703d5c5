#!/usr/bin/env bash
# The model's series (pristine..HEAD of the QEMU work tree) as a
# maintainer takes it: the patch list with the lines each changes, and
# every commit built in order, in a clone that shares the tree's objects
# and one build directory of its own ($BUILD/qemu-steps), so that each
# step recompiles only what it changes.  QEMU's checkpatch runs in
# make check (tests/cases/qemu-checkpatch.sh).
#
#   qemu-series.sh           list and build every step
#   STEPS=none               list only
#
# Exit status 0 only when every step builds.
. "$(dirname "$0")/lib.sh"

WT=$TREES/qemu
STEPS=${STEPS:-build}
STEPS_SRC=$CACHE/series/qemu-steps-src
STEPS_LOG=$CACHE/series/qemu-steps.log

# One commit of the series, checked out in STEPS_SRC, built.
build_step() {
	local n=$1 subj=$3 start=$SECONDS

	if QEMU_TREE=$STEPS_SRC QEMU_OUT=$BUILD/qemu-steps nice "$TOP/scripts/build-qemu.sh" \
		>/dev/null 2>"$STEPS_LOG"; then
		printf 'step %2d: built (%ds) %s\n' "$n" $((SECONDS - start)) "$subj"
	else
		printf 'step %2d: does not build: %s\n' "$n" "$subj"
		tail -n 5 "$STEPS_LOG"
		return 1
	fi
}

main() {
	[ -d "$WT/.git" ] || die "no QEMU tree: make assemble"
	list_patches "$WT"
	case $STEPS in
	none) ;;
	build) for_each_step "$WT" "$STEPS_SRC" "qemu steps (build)" build_step ;;
	*) die "STEPS is build or none, not '$STEPS'" ;;
	esac
}

main "$@"
