#!/usr/bin/env bash
# assemble -> edit -> regen -> assemble -> regen reproduces the same tree
# and the same overlay + series; and the real trees regenerate to what the
# repo holds.
. "$(dirname "$0")/../lib.sh"

tree=$TOP/scripts/tree.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A miniature "linux-source", and a repo with no overlay or series yet.
fake_sources() {
	local src=$tmp/src/linux-source-6.1 tarball_dir
	mkdir -p "$src/dir" "$src/arch/x86"
	echo one >"$src/a.c"; echo two >"$src/dir/b.c"; echo old >"$src/arch/x86/old.c"
	tarball_dir=$tmp/cache/unpack/linux-source-6.1/usr/src
	mkdir -p "$tarball_dir"
	tar -C "$tmp/src" -cJf "$tarball_dir/linux-source-6.1.tar.xz" linux-source-6.1
	mkdir -p "$tmp/repo/arch" "$tmp/repo/patches/linux"
}

# Four commits: edit a pristine file; add a file and edit another; change
# the added file and delete a pristine one; only add a file.
edit_tree() {
	local wt=$1
	git() { command git -C "$wt" -c user.name=t -c user.email=t@t "$@"; }
	echo edited >"$wt/a.c"; git commit -qam "Edit a"
	mkdir -p "$wt/arch/x86/kernel"; printf 'late\n1\n' >"$wt/arch/x86/kernel/late.c"
	echo changed >"$wt/dir/b.c"; git add -A; git commit -qm "Second"
	printf 'late\n2\n' >"$wt/arch/x86/kernel/late.c"
	git rm -q arch/x86/old.c; git commit -qam "Third"
	echo new >"$wt/arch/x86/new.c"; git add -A; git commit -qm "Only new"
	unset -f git
}

# The tree of every commit on pristine, one per line.
trees() {
	git -C "$1" log --reverse --format=%T pristine..HEAD
}

# Runs in a subshell: it points the scripts at a throw-away cache.
synthetic() (
	local wt=$tmp/cache/trees/linux t1 t2 p
	fake_sources
	export SEV_ES_CACHE=$tmp/cache
	SEV_ES_TOP=$tmp/repo "$tree" assemble linux
	edit_tree "$wt"
	t1=$(trees "$wt")
	SEV_ES_TOP=$tmp/repo "$tree" regen linux

	p=$tmp/repo/patches/linux
	[ "$(cat "$tmp/repo/arch/x86/kernel/late.c")" = "$(printf 'late\n2')" ] ||
		fail "the overlay does not hold late.c's last content"
	[ "$(find "$p" -name '*.patch' | wc -l)" = 4 ] ||
		fail "expected 4 patches: $(ls "$p")"
	[ "$(cat "$p/new-files")" = "$(printf '0002 arch/x86/kernel/late.c\n0004 arch/x86/new.c')" ] ||
		fail "new-files: $(cat "$p/new-files")"
	! grep -q late.c "$p"/0002-*.patch || fail "an added file leaked into its patch"
	grep -q '^+2$' "$p"/0003-*.patch || fail "a change to an added file is missing from its patch"

	cp -a "$tmp/repo" "$tmp/repo2"
	FORCE=1 SEV_ES_TOP=$tmp/repo2 "$tree" assemble linux
	t2=$(trees "$wt")
	[ "$t1" = "$t2" ] || fail "re-assembled commits differ from the edited ones"
	SEV_ES_TOP=$tmp/repo2 "$tree" regen linux "$tmp/repo3"
	diff -r "$tmp/repo2" "$tmp/repo3" || fail "second regen differs"

	# A file some patch adds and a later one removes has no place.
	git -C "$wt" -c user.name=t -c user.email=t@t rm -q arch/x86/new.c
	git -C "$wt" -c user.name=t -c user.email=t@t commit -qm "Drop new"
	! SEV_ES_TOP=$tmp/repo2 "$tree" regen linux "$tmp/repo4" 2>/dev/null ||
		fail "regen took a series that removes a file it added"
	# An overlay file no patch adds is refused.
	echo stray >"$tmp/repo2/arch/x86/stray.c"
	! FORCE=1 SEV_ES_TOP=$tmp/repo2 "$tree" assemble linux 2>/dev/null ||
		fail "assemble took an overlay file that no patch adds"
	note "synthetic round trip OK"
)

# diff -r where a missing directory counts as an empty one.
same_dir() {
	local a=$1 b=$2
	mkdir -p "$tmp/empty"
	[ -d "$a" ] || a=$tmp/empty
	[ -d "$b" ] || b=$tmp/empty
	diff -r "$a" "$b"
}

# The real work trees, when they hold exactly what the repo describes.
real() {
	local name=$1 wt=$CACHE/trees/$1 out=$tmp/real-$1 d
	git -C "$wt" diff --quiet assembled 2>/dev/null ||
		fail "$name tree missing or not as assembled; run 'make assemble'"
	"$tree" regen "$name" "$out"
	if [ "$name" = linux ]; then
		for d in "${LINUX_OVERLAY_DIRS[@]}" patches/linux; do
			same_dir "$TOP/$d" "$out/$d" || fail "linux: $d differs after regen"
		done
	else
		same_dir "$TOP/$QEMU_OVERLAY_DIR" "$out/$QEMU_OVERLAY_DIR" ||
			fail "qemu: overlay or series differs after regen"
	fi
	note "real $name tree regenerates to the repo"
}

synthetic
real linux
real qemu
