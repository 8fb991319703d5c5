#!/usr/bin/env bash
# Export the guest series (pristine..HEAD of the linux work tree) with git
# format-patch and a cover letter, and check it as a maintainer would:
# checkpatch --strict on every patch and a W=1 build of every C file the
# series adds or changes.
#
#   series.sh [OUTDIR]      (default ~/.cache/sev-es/series/linux)
#
# Exit status 0 only when both checks are clean.
. "$(dirname "$0")/lib.sh"

WT=$TREES/linux
COVER=$TOP/Documentation/series/linux-cover.txt
AUTHOR=(-c user.name='SEV-ES guest series' -c user.email='sev-es@localhost')

export_series() {
	local out=$1

	rm -rf "$out" && mkdir -p "$out"
	git -C "$WT" "${AUTHOR[@]}" format-patch -q --cover-letter --signoff \
		--no-signature -o "$out" pristine..HEAD
	fill_cover "$out"/0000-cover-letter.patch
}

# Subject and blurb of the cover letter from Documentation/series.
fill_cover() {
	local cover=$1 subject

	subject=$(sed -n 1p "$COVER")
	sed -i "s|\*\*\* SUBJECT HERE \*\*\*|$subject|" "$cover"
	sed -i -e "/\*\*\* BLURB HERE \*\*\*/{r /dev/stdin" -e 'd}' "$cover" \
		< <(sed 1,2d "$COVER")
}

# checkpatch --strict on each patch; prints its findings, counts problems.
check_patches() {
	local out=$1 p res bad=0

	for p in "$out"/0*.patch; do
		[ "${p##*/}" = 0000-cover-letter.patch ] && continue
		res=$(cd "$WT" && ./scripts/checkpatch.pl --strict --quiet \
			--ignore SPDX_LICENSE_TAG "$p" 2>/dev/null) || true
		if [ -n "$res" ]; then
			printf '%s\n%s\n' "${p##*/}:" "$res"
			bad=$((bad + 1))
		fi
	done
	echo "checkpatch --strict: $bad of $(find "$out" -name '0*.patch' ! -name '0000-*' | wc -l) patches with findings"
	[ $bad = 0 ]
}

# W=1 build of every C file the series adds or modifies (tools excluded).
check_w1() {
	local objs=() f log warnings

	while IFS= read -r f; do
		objs+=("${f%.c}.o")
	done < <(git -C "$WT" diff --name-only --diff-filter=AM pristine HEAD -- 'arch/*.c' 'mm/*.c' 'kernel/*.c' 'drivers/*.c')
	log=$(mktemp)
	make -C "$WT" O="$BUILD/linux-ours" CC="ccache gcc" HOSTCC="ccache gcc" \
		-j"$(jobs_n)" W=1 "${objs[@]}" >"$log" 2>&1 || { cat "$log"; rm -f "$log"; return 1; }
	warnings=$(grep -c 'warning:' "$log" || true)
	grep 'warning:' "$log" || true
	rm -f "$log"
	echo "W=1: ${#objs[@]} objects, $warnings warnings"
	[ "$warnings" = 0 ]
}

main() {
	local out=${1:-$CACHE/series/linux} rc=0

	[ -d "$WT/.git" ] || die "no linux tree: make assemble"
	export_series "$out"
	git -C "$WT" log --reverse --format='%s' pristine..HEAD | nl -w2 -s'. '
	echo "series: $out"
	check_patches "$out" || rc=1
	check_w1 || rc=1
	return $rc
}

main "$@"
