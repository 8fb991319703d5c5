#!/usr/bin/env bash
# Export the guest series (pristine..HEAD of the linux work tree) with git
# format-patch and a cover letter, and check it as a maintainer would:
# checkpatch --strict on every patch, a W=1 build of every C file the
# series adds or changes, and every commit of the series built with our
# guest config and booted as an SEV-ES guest to user space.
#
#   series.sh [OUTDIR]      (default ~/.cache/sev-es/series/linux)
#   STEPS=boot (default)    build and boot every commit
#   STEPS=build             build every commit
#   STEPS=none              the last commit only (the W=1 build)
#
# Exit status 0 only when every check is clean.
. "$(dirname "$0")/lib.sh"

WT=$TREES/linux
COVER=$TOP/Documentation/series/linux-cover.txt
STEPS=${STEPS:-boot}
STEPS_SRC=$CACHE/series/steps-src
STEPS_RESULTS=$CACHE/series/steps

export_series() {
	local out=$1

	rm -rf "$out" && mkdir -p "$out"
	git -C "$WT" "${GIT_ID[@]}" format-patch -q --cover-letter --signoff \
		--no-signature -o "$out" pristine..HEAD
	fill_cover "$out"/0000-cover-letter.patch
}

# Subject and blurb of the cover letter from Documentation/series, with
# the hostile catalogue where the blurb says @HOSTILE_TABLE@.
fill_cover() {
	local cover=$1 subject

	subject=$(sed -n 1p "$COVER")
	sed -i "s|\*\*\* SUBJECT HERE \*\*\*|$subject|" "$cover"
	sed -i -e "/\*\*\* BLURB HERE \*\*\*/{r /dev/stdin" -e 'd}' "$cover" \
		< <(sed 1,2d "$COVER")
	# The hostile catalogue, tests/hostile.cfg, as plain text.
	sed -i -e "/^@HOSTILE_TABLE@\$/{r /dev/stdin" -e 'd}' "$cover" \
		< <("$TOP/tests/hostile.sh" --text)
}

# checkpatch --strict on each patch; prints its findings, counts problems.
# FILE_PATH_CHANGES ("does MAINTAINERS need updating?") is answered by the
# series' own MAINTAINERS patch, which names the directory of every file
# the series adds.
check_patches() {
	local out=$1 p res bad=0

	for p in "$out"/0*.patch; do
		[ "${p##*/}" = 0000-cover-letter.patch ] && continue
		res=$(cd "$WT" && ./scripts/checkpatch.pl --strict --quiet \
			--ignore SPDX_LICENSE_TAG,FILE_PATH_CHANGES "$p" 2>/dev/null) || true
		if [ -n "$res" ]; then
			printf '%s\n%s\n' "${p##*/}:" "$res"
			bad=$((bad + 1))
		fi
	done
	echo "checkpatch --strict: $bad of $(find "$out" -name '0*.patch' ! -name '0000-*' | wc -l) patches with findings"
	[ $bad = 0 ]
}

# W=1 build of every compiled C file the series adds or modifies (tools
# and files only #included elsewhere excluded).  Warnings in files the
# series adds are ours and fail the check; others are upstream's, listed.
check_w1() {
	local objs=() added=() f log ours

	while IFS= read -r f; do
		grep -qw "$(basename "${f%.c}").o" "$WT/$(dirname "$f")/Makefile" &&
			objs+=("${f%.c}.o")
	done < <(git -C "$WT" diff --name-only --diff-filter=AM pristine HEAD -- '*.c' ':!tools')
	mapfile -t added < <(git -C "$WT" diff --name-only --diff-filter=A pristine HEAD)
	log=$(mktemp)
	# Objects only: W=1 changes their command line, so the next normal
	# build recompiles just these.
	make -C "$WT" O="$BUILD/linux-ours" CC="ccache gcc" HOSTCC="ccache gcc" \
		-j"$(jobs_n)" W=1 "${objs[@]}" >"$log" 2>&1 || { cat "$log"; rm -f "$log"; return 1; }
	ours=$(grep 'warning:' "$log" | grep -F "${added[@]/#/-e}" || true)
	[ -z "$ours" ] || printf '%s\n' "$ours"
	grep 'warning:' "$log" | grep -vF "${added[@]/#/-e}" | sed 's/^/upstream: /' || true
	rm -f "$log"
	echo "W=1: ${#objs[@]} objects, $(printf '%s' "$ours" | grep -c . || true) warnings in the series' own files"
	[ -z "$ours" ]
}

# One commit of the series, checked out in STEPS_SRC, built (and booted)
# with scripts/bisect-step.sh: a commit that does not build, or whose
# guest does not reach user space, fails.
check_step() {
	local n=$1 c=$2 subj=$3 rc=0

	if [ "$STEPS" = build ]; then
		KERNEL_TREE=$STEPS_SRC KERNEL_OUT=$BUILD/series-steps KCONFIG_MISSING_OK=1 \
			nice "$TOP/scripts/build-kernel.sh" ours >/dev/null 2>"$STEPS_RESULTS/$c.build" || rc=125
	else
		(cd "$STEPS_SRC" && BISECT_OUT=$BUILD/series-steps BISECT_RESULTS=$STEPS_RESULTS \
			KCONFIG_MISSING_OK=1 MODE=sev-es "$TOP/scripts/bisect-step.sh") 2>/dev/null || rc=$?
	fi
	case $rc in
	0) printf 'step %2d: ok    %s\n' "$n" "$subj" ;;
	125) printf 'step %2d: does not build: %s\n' "$n" "$subj"
		tail -n 5 "$STEPS_RESULTS/$c.build" ;;
	*) printf 'step %2d: %s: %s\n' "$n" "$(cat "$STEPS_RESULTS/$c.verdict" 2>/dev/null || echo "step failed ($rc)")" \
		"$subj" ;;
	esac
	[ $rc = 0 ]
}

# Every commit of the series, in order, in a clone that shares the tree's
# objects.
check_steps() {
	rm -rf "$STEPS_RESULTS" && mkdir -p "$STEPS_RESULTS"
	for_each_step "$WT" "$STEPS_SRC" "steps ($STEPS)" check_step
}

main() {
	local out=${1:-$CACHE/series/linux} rc=0

	[ -d "$WT/.git" ] || die "no linux tree: make assemble"
	export_series "$out"
	list_patches "$WT"
	echo "series: $out"
	check_patches "$out" || rc=1
	check_w1 || rc=1
	case $STEPS in
	none) ;;
	build | boot) check_steps || rc=1 ;;
	*) die "STEPS is boot, build or none, not '$STEPS'" ;;
	esac
	return $rc
}

main "$@"
