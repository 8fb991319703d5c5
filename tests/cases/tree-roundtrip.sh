#!/usr/bin/env bash
# assemble -> edit -> regen -> assemble -> regen reproduces the same tree
# and the same overlay + series; and the real trees regenerate to what the
# repo holds.
. "$(dirname "$0")/../lib.sh"

tree=$TOP/scripts/tree.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A miniature "linux-source" and a repo with one overlay file.
fake_sources() {
	local src=$tmp/src/linux-source-6.1 tarball_dir
	mkdir -p "$src/dir" "$src/arch/x86"
	echo one >"$src/a.c"; echo two >"$src/dir/b.c"; echo old >"$src/arch/x86/old.c"
	tarball_dir=$tmp/cache/unpack/linux-source-6.1/usr/src
	mkdir -p "$tarball_dir"
	tar -C "$tmp/src" -cJf "$tarball_dir/linux-source-6.1.tar.xz" linux-source-6.1
	mkdir -p "$tmp/repo/arch/x86" "$tmp/repo/patches/linux"
	echo new >"$tmp/repo/arch/x86/new.c"
}

# Three commits: edit a pristine file; add a file and edit another; delete one.
edit_tree() {
	local wt=$1
	git() { command git -C "$wt" -c user.name=t -c user.email=t@t "$@"; }
	echo edited >"$wt/a.c"; git commit -qam "Edit a"
	mkdir -p "$wt/arch/x86/kernel"; echo late >"$wt/arch/x86/kernel/late.c"
	echo changed >"$wt/dir/b.c"; git add -A; git commit -qm "Second"
	git rm -q arch/x86/old.c; git commit -qm "Remove old"
	unset -f git
}

# Runs in a subshell: it points the scripts at a throw-away cache.
synthetic() (
	local wt=$tmp/cache/trees/linux t1 t2
	fake_sources
	export SEV_ES_CACHE=$tmp/cache
	SEV_ES_TOP=$tmp/repo "$tree" assemble linux
	edit_tree "$wt"
	t1=$(git -C "$wt" rev-parse 'HEAD^{tree}')
	SEV_ES_TOP=$tmp/repo "$tree" regen linux

	[ -f "$tmp/repo/arch/x86/kernel/late.c" ] || fail "new file not in the overlay"
	[ "$(find "$tmp/repo/patches/linux" -name '*.patch' | wc -l)" = 3 ] ||
		fail "expected 3 patches: $(ls "$tmp/repo/patches/linux")"
	! grep -q late.c "$tmp/repo/patches/linux"/*.patch || fail "overlay file leaked into a patch"

	cp -a "$tmp/repo" "$tmp/repo2"
	FORCE=1 SEV_ES_TOP=$tmp/repo2 "$tree" assemble linux
	t2=$(git -C "$wt" rev-parse 'HEAD^{tree}')
	[ "$t1" = "$t2" ] || fail "re-assembled tree differs from the edited one"
	SEV_ES_TOP=$tmp/repo2 "$tree" regen linux "$tmp/repo3"
	diff -r "$tmp/repo2" "$tmp/repo3" || fail "second regen differs"
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
