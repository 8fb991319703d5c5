#!/usr/bin/env bash
# The model is in QEMU's style: QEMU's own scripts/checkpatch.pl finds
# nothing in any patch of the series as mailed (exported from the work
# tree, new files included) or in any C file of the overlay.
. "$(dirname "$0")/../lib.sh"

tree=$TREES/qemu
[ -x "$tree/scripts/checkpatch.pl" ] || fail "no QEMU tree (make assemble)"
checkpatch() { (cd "$tree" && ./scripts/checkpatch.pl --no-summary -q "$@"); }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
git -C "$tree" "${GIT_ID[@]}" format-patch -q --no-signature -o "$out" pristine..HEAD

bad=0 n=0
for p in "$out"/*.patch; do
	n=$((n + 1))
	checkpatch "$p" || { note "findings in ${p##*/}"; bad=$((bad + 1)); }
done
while IFS= read -r f; do
	n=$((n + 1))
	checkpatch -f "$TOP/qemu/$f" || { note "findings in qemu/$f"; bad=$((bad + 1)); }
done < <(cd "$TOP/qemu" && find . -path ./patches -prune -o -name '*.[ch]' -print | sed 's|^\./||' | sort)
note "QEMU checkpatch: $bad of $n files with findings"
[ "$bad" = 0 ] || fail "QEMU checkpatch found problems"
