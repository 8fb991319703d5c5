#!/usr/bin/env bash
# Bisect a kernel regression on the model: "git bisect run" with
# scripts/bisect-step.sh (build with our guest config, boot, judge).
#
# Settings (environment, as passed by "make bisect"):
#   GOOD=rev BAD=rev   the range, as revisions of TREE
#   TREE=dir           a Linux git tree (default: the assembled work tree)
#   MODE CMD TIMEOUT SMP APPEND SEV_OPTS   as for scripts/boot.sh
#                      (CMD defaults to "true": reaching userland is good)
#
# TREE itself is never touched: the bisection checks out revisions in a
# clone sharing its objects ($CACHE/bisect/NAME/src) and builds in
# $BUILD/bisect-NAME, both kept for the next run so that steps stay
# incremental.  Prints every step, the first bad commit and how the guest
# died on it (termination request, panic line, timeout).
. "$(dirname "$0")/lib.sh"

TREE=${TREE:-$TREES/linux}

# One name per bisected tree, for its clone, build and results.
tree_name() {
	printf '%s-%s\n' "$(basename "$TREE")" \
		"$(realpath "$TREE" | sha1sum | cut -c1-8)"
}

# rev REV: the commit REV names in TREE.
rev() {
	git -C "$TREE" rev-parse -q --verify "$1^{commit}" ||
		die "'$1' is not a commit of $TREE"
}

# A clone of TREE sharing its objects, in a clean state at BAD.
prepare_clone() {
	local src=$1 bad=$2

	if [ -e "$src/.git" ]; then
		git -C "$src" bisect reset >/dev/null 2>&1 || true
		if git -C "$src" checkout -q -f --detach "$bad" 2>/dev/null; then
			git -C "$src" clean -q -f -d -x
			return 0
		fi
		log "$src is stale, cloning again"
		rm -rf "$src"
	fi
	log "cloning $TREE into $src (objects shared)"
	mkdir -p "${src%/*}"
	git clone -q --shared --no-checkout "$TREE" "$src"
	git -C "$src" checkout -q --detach "$bad"
}

# The first bad commit's verdict; boot it once more if no step did (it
# was BAD itself, which bisect never needs to run).
verdict_of() {
	local rev=$1 results=$2

	if [ ! -f "$results/$rev.verdict" ]; then
		git -C "$SRC" checkout -q --detach "$rev"
		(cd "$SRC" && "$TOP/scripts/bisect-step.sh") || true
	fi
	cat "$results/$rev.verdict" 2>/dev/null || echo "no verdict (the commit does not build)"
}

main() {
	local name good bad results first boots what lock rc=0

	if [ -z "${GOOD:-}" ] || [ -z "${BAD:-}" ]; then
		die "usage: make bisect GOOD=rev BAD=rev [TREE=dir] [CMD=...]"
	fi
	git -C "$TREE" rev-parse -q --git-dir >/dev/null 2>&1 || die "TREE=$TREE is not a git tree"
	[ -x "$QEMU" ] || die "no QEMU at $QEMU (make qemu)"
	[ -f "$CACHE/initramfs/ours.cpio.gz" ] || die "no initramfs (make initramfs)"
	good=$(rev "$GOOD")
	bad=$(rev "$BAD")
	name=$(tree_name)
	SRC=$CACHE/bisect/$name/src
	# One bisection per tree at a time: they share the clone and results.
	mkdir -p "$CACHE/bisect"
	exec {lock}>>"$CACHE/bisect/$name.lock"
	if ! flock -n "$lock"; then
		log "waiting for another bisection of $TREE to end"
		flock "$lock"
	fi
	results=$CACHE/bisect/$name/results
	export BISECT_OUT=$BUILD/bisect-$name BISECT_RESULTS=$results
	export MODE=${MODE:-sev-es} CMD=${CMD:-true}
	prepare_clone "$SRC" "$bad"
	rm -rf "$results" && mkdir -p "$results"

	log "bisecting $(git -C "$TREE" rev-list --count "$good..$bad") commits of $TREE: MODE=$MODE CMD='$CMD'"
	git -C "$SRC" bisect start "$bad" "$good" >/dev/null
	# Progress: the steps' one-line records, as they come.
	set +e
	(cd "$SRC" && git bisect run "$TOP/scripts/bisect-step.sh") 2>&1 |
		tee "$results/bisect.log" | grep --line-buffered -E '^[0-9a-f]{40} (good|bad |skip) '
	rc=${PIPESTATUS[0]}
	set -e
	if [ "$rc" != 0 ] || ! first=$(sed -n 's/ is the first bad commit$//p' "$results/bisect.log" | grep -E '^[0-9a-f]{40}$'); then
		tail -n 30 "$results/bisect.log" >&2
		git -C "$SRC" bisect reset >/dev/null 2>&1 || true
		die "bisect did not find a first bad commit (log: $results/bisect.log)"
	fi
	git -C "$SRC" bisect log >"$results/bisect-replay"
	git -C "$SRC" bisect reset >/dev/null 2>&1
	what=$(verdict_of "$first" "$results")
	boots=$(grep -cE '^[0-9a-f]{40} (good|bad) ' "$results/steps" || true)
	if grep -q "^$first good " "$results/steps"; then
		echo "no regression: BAD ($first) is good with CMD='$CMD' ($boots boots)"
		return 1
	fi

	echo "first bad commit: $(git -C "$TREE" log -1 --format='%H %s' "$first")"
	echo "how it fails: $what"
	echo "boots: $boots for $(git -C "$TREE" rev-list --count "$good..$bad") commits"
	echo "logs: $results"
}

main "$@"
