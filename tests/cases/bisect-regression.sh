#!/usr/bin/env bash
# "make bisect" finds a regression injected on top of the series: eight
# commits on the assembled tree, the fifth breaking the C-bit probe (a
# working C-bit judged "another page"), the others touching a file outside
# the build.  The first bad commit must be the fifth, the guest's death a
# termination request, and the boots at most ceil(log2(8)) + 1.
#
# The commits live in a bare clone sharing the work tree's objects
# ($CACHE/bisect-test/linux.git), never in the work tree; their dates are
# fixed, so a rerun on the same series bisects the same commits and every
# build step is incremental.
. "$(dirname "$0")/../lib.sh"

REPO=$CACHE/bisect-test/linux.git
CBIT=arch/x86/kernel/sev/cbit.c
N=8
BREAK=5

export GIT_AUTHOR_DATE='2000-01-01T00:00:00Z' GIT_COMMITTER_DATE='2000-01-01T00:00:00Z'
g() { git -C "$REPO" "${GIT_ID[@]}" "$@"; }

# commit PARENT PATH MESSAGE: PARENT with PATH's content from stdin.
commit() {
	local parent=$1 path=$2 msg=$3 blob tree index

	index=$(mktemp "${TMPDIR:-/tmp}/sev-es-index.XXXXXX")
	blob=$(g hash-object -w --stdin)
	GIT_INDEX_FILE=$index g read-tree "$parent"
	GIT_INDEX_FILE=$index g update-index --add --cacheinfo "100644,$blob,$path"
	tree=$(GIT_INDEX_FILE=$index g write-tree)
	rm -f "$index"
	g commit-tree "$tree" -p "$parent" -m "$msg"
}

# The range: prints the base, then each new commit.
make_range() {
	local base=$1 head=$1 i

	echo "$base"
	for i in $(seq 1 $N); do
		if [ "$i" = $BREAK ]; then
			g show "$head:$CBIT" | grep -q 'return SEV_CBIT_ENCRYPTS;' ||
				fail "$CBIT no longer has the line this test breaks"
			head=$(g show "$head:$CBIT" |
				sed 's/return SEV_CBIT_ENCRYPTS;/return SEV_CBIT_OTHER_PAGE;/' |
				commit "$head" "$CBIT" "x86/sev: Judge a working C-bit as another page")
		else
			head=$(echo "bisect test step $i" |
				commit "$head" bisect-test.txt "bisect-test: step $i")
		fi
		echo "$head"
	done
}

base=$(git -C "$TREES/linux" rev-parse -q --verify 'assembled^{commit}' ||
	git -C "$TREES/linux" rev-parse HEAD)
if [ ! -d "$REPO" ]; then
	mkdir -p "${REPO%/*}"
	git clone -q --bare --shared "$TREES/linux" "$REPO"
fi
mapfile -t range < <(make_range "$base")
[ ${#range[@]} = $((N + 1)) ] || fail "could not make the commit range"
g update-ref refs/heads/regression "${range[N]}"
note "range ${range[0]}..${range[N]}; first bad: ${range[BREAK]}"

out=$(mktemp "${TMPDIR:-/tmp}/sev-es-bisect.XXXXXX")
rc=0
make -s -C "$TOP" -o qemu -o initramfs bisect TREE="$REPO" \
	GOOD="${range[0]}" BAD=regression CMD=true SMP=1 TIMEOUT=60 |
	tee "$out" || rc=$?
[ $rc = 0 ] || fail "make bisect exited $rc"
grep -q "^first bad commit: ${range[BREAK]} " "$out" ||
	fail "first bad commit is not ${range[BREAK]}"
grep -q '^how it fails: termination request: reason set' "$out" ||
	fail "the first bad commit's failure is not a termination request"
boots=$(sed -n 's/^boots: \([0-9]*\) .*/\1/p' "$out")
max=$(awk -v n=$N 'BEGIN { l = log(n) / log(2); c = int(l); if (c < l) c++; print c + 1 }')
[ -n "$boots" ] || fail "no boot count"
[ "$boots" -le "$max" ] || fail "$boots boots, more than $max"
note "found in $boots boots (at most $max)"
rm -f "$out"
echo "ok bisect-regression"
