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

check_steps() {
	local src=$CACHE/series/qemu-steps-src log=$CACHE/series/qemu-steps.log
	local c n=0 bad=0 start subj

	steps_clone "$WT" "$src"
	while IFS= read -r c; do
		n=$((n + 1))
		subj=$(git -C "$WT" log -1 --format=%s "$c")
		git -C "$src" checkout -q -f --detach "$c"
		start=$SECONDS
		if QEMU_TREE=$src QEMU_OUT=$BUILD/qemu-steps nice "$TOP/scripts/build-qemu.sh" \
			>/dev/null 2>"$log"; then
			printf 'step %2d: built (%ds) %s\n' "$n" $((SECONDS - start)) "$subj"
		else
			bad=$((bad + 1))
			printf 'step %2d: does not build: %s\n' "$n" "$subj"
			tail -n 5 "$log"
		fi
	done < <(git -C "$WT" rev-list --reverse pristine..HEAD)
	echo "qemu steps (build): $((n - bad)) of $n good"
	[ $bad = 0 ]
}

main() {
	[ -d "$WT/.git" ] || die "no QEMU tree: make assemble"
	list_patches "$WT"
	case $STEPS in
	none) ;;
	build) check_steps ;;
	*) die "STEPS is build or none, not '$STEPS'" ;;
	esac
}

main "$@"
