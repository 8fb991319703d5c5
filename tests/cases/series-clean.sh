#!/usr/bin/env bash
# The guest series exports (make series) and is clean: checkpatch --strict
# finds nothing in any patch, and the C files it adds build without
# warnings at W=1.  make series also builds and boots every commit of the
# series; here the last one stands for them, for time.
. "$(dirname "$0")/../lib.sh"

out=$(mktemp -d "${TMPDIR:-/tmp}/sev-es-series.XXXXXX")
trap 'rm -rf "$out"' EXIT
STEPS=none "$TOP/scripts/series.sh" "$out" || fail "series.sh reports findings (above)"
[ -f "$out/0000-cover-letter.patch" ] || fail "no cover letter"
! grep -q '\*\*\* \(SUBJECT\|BLURB\) HERE' "$out/0000-cover-letter.patch" ||
	fail "cover letter left unfilled"
