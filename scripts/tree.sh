#!/usr/bin/env bash
# Assemble a git work tree from pristine Debian source + our overlay +
# our patch series, or regenerate overlay and series from such a tree.
#
#   tree.sh assemble linux|qemu      (FORCE=1 discards unexported work)
#   tree.sh regen linux|qemu [DIR]   (writes into DIR, default the repo)
#
# Work tree history: "pristine" (tag), one overlay commit with every new
# file, then one commit per patch.  Rule used by regen: a file that is new
# relative to pristine and lies under an overlay dir belongs to the overlay;
# every other change belongs to a patch.
. "$(dirname "$0")/lib.sh"

export GIT_AUTHOR_DATE='2000-01-01T00:00:00Z' GIT_COMMITTER_DATE='2000-01-01T00:00:00Z'

# Per-tree layout: repo root of its overlay, overlay dirs, patch dir.
setup() {
	NAME=$1
	WT=$TREES/$NAME
	case $NAME in
	linux)
		OVL_ROOT=$TOP; OVL_DIRS=("${LINUX_OVERLAY_DIRS[@]}")
		PATCHES_REL=patches/linux ;;
	qemu)
		OVL_ROOT=$TOP/$QEMU_OVERLAY_DIR; OVL_DIRS=(.)
		PATCHES_REL=$QEMU_OVERLAY_DIR/patches ;;
	*) die "unknown tree '$NAME' (linux or qemu)" ;;
	esac
}

g() { git -C "$WT" "${GIT_ID[@]}" "$@"; }

# Pristine source into $WT as the first commit, tagged "pristine".
create_pristine() {
	local tarball

	log "creating pristine $NAME tree in $WT"
	rm -rf "$WT" && mkdir -p "$WT"
	case $NAME in
	linux)
		tarball=$(only_file "kernel tarball" \
			"$UNPACK/$LINUX_SRC_PKG"/usr/src/linux-source-*.tar.xz)
		tar -xf "$tarball" -C "$WT" --strip-components=1 ;;
	qemu)
		tar -C "$UNPACK/qemu-source" --exclude=./.pc -cf - . |
			tar -C "$WT" -xf - ;;
	esac
	g init -q -b series
	g add -A -f
	g commit -q -m "Pristine Debian $NAME source"
	g tag pristine
}

# New files of the overlay, as tree-relative paths.
overlay_files() {
	local d
	for d in "${OVL_DIRS[@]}"; do
		[ -d "$OVL_ROOT/$d" ] || continue
		(cd "$OVL_ROOT" && find "$d" -type f ! -path './patches/*' \
			! -path 'patches/*') | sed 's|^\./||'
	done | sort
}

# Fingerprint of what assemble reads from the repo: overlay and series.
inputs_hash() {
	{
		overlay_files | while IFS= read -r f; do
			printf '%s\n' "$f"; cat "$OVL_ROOT/$f"
		done
		cat "$TOP/$PATCHES_REL"/*.patch 2>/dev/null || true
		cat "$TOP/Documentation/series/$NAME-overlay.txt" 2>/dev/null || true
	} | sha256sum | cut -d' ' -f1
}

# The overlay commit's message: Documentation/series/NAME-overlay.txt, or
# a plain one.
overlay_message() {
	local f=$TOP/Documentation/series/$NAME-overlay.txt

	if [ -f "$f" ]; then
		echo "$f"
	else
		echo "Add the sev-es overlay (new files)" >"$WT/.git/sev-es-overlay-msg"
		echo "$WT/.git/sev-es-overlay-msg"
	fi
}

assemble() {
	local p files hash stamp=$WT/.git/sev-es-inputs

	hash=$(inputs_hash)
	if [ -d "$WT/.git" ] && [ "${FORCE:-0}" != 1 ] &&
	   [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ]; then
		log "$NAME tree up to date ($WT)"
		return 0
	fi
	if [ ! -d "$WT/.git" ]; then
		create_pristine
	elif [ "${FORCE:-0}" != 1 ]; then
		[ -z "$(g status --porcelain)" ] ||
			die "$WT has uncommitted changes: commit and 'make regen', or FORCE=1"
		[ "$(g rev-parse HEAD)" = "$(g rev-parse -q --verify assembled || true)" ] ||
			die "$WT has commits not exported: 'make regen', or FORCE=1"
	fi
	g checkout -q -f -B series pristine
	g clean -q -f -d -x

	mapfile -t files < <(overlay_files)
	if [ ${#files[@]} -gt 0 ]; then
		(cd "$OVL_ROOT" && tar -cf - "${files[@]}") | tar -C "$WT" -xf -
	fi
	g add -A -f
	g commit -q --allow-empty -F "$(overlay_message)"
	for p in "$TOP/$PATCHES_REL"/*.patch; do
		[ -e "$p" ] || continue
		g am -q --committer-date-is-author-date "$p" ||
			die "patch ${p##*/} does not apply (fix it in $WT, 'git am --continue', 'make regen')"
	done
	g tag -f assembled >/dev/null
	echo "$hash" >"$stamp"
	log "$NAME tree assembled at $WT ($(g rev-list --count pristine..HEAD) commits on pristine)"
}

# Tree-relative paths added since pristine that belong to the overlay.
new_overlay_files() {
	local d dirs=()
	for d in "${OVL_DIRS[@]}"; do dirs+=("$d"); done
	g diff --name-only --no-renames --diff-filter=A pristine HEAD -- "${dirs[@]}"
}

regen() {
	local out=${1:-$TOP} first f excl=() files

	[ -d "$WT/.git" ] || die "no $NAME tree: 'make assemble' first"
	[ -z "$(g status --porcelain)" ] || die "$WT has uncommitted changes"
	first=$(g rev-list --reverse --first-parent pristine..HEAD | sed -n 1p)
	[ -n "$first" ] || die "$WT has no overlay commit"
	mapfile -t files < <(new_overlay_files)
	for f in "${files[@]}"; do excl+=(":(exclude)$f"); done
	[ -z "$(g diff --name-only pristine "$first" -- . "${excl[@]}")" ] ||
		die "the overlay commit changes pristine files: move that into a patch"

	# Overlay: replace what the repo holds under the overlay dirs.
	for f in "${OVL_DIRS[@]}"; do
		if [ "$f" = . ]; then
			find "$out/${OVL_ROOT#"$TOP"/}" -mindepth 1 -maxdepth 1 \
				! -name patches -exec rm -rf {} + 2>/dev/null || true
		else
			rm -rf "${out:?}/$f"
		fi
	done
	local dest=$out/${OVL_ROOT#"$TOP"}
	mkdir -p "$dest"
	if [ ${#files[@]} -gt 0 ]; then
		g archive HEAD -- "${files[@]}" | tar -C "$dest" -xf -
	fi

	# Series: every later commit, minus the overlay's files.
	rm -rf "${out:?}/$PATCHES_REL" && mkdir -p "$out/$PATCHES_REL"
	g format-patch -q --zero-commit --no-signature -N \
		-o "$out/$PATCHES_REL" "$first..HEAD" -- . "${excl[@]}"
	log "$NAME: ${#files[@]} overlay files, $(find "$out/$PATCHES_REL" -name '*.patch' | wc -l) patches -> $out"
	# The repo now describes this tree: a later assemble has nothing to do.
	if [ "$out" = "$TOP" ]; then
		g tag -f assembled >/dev/null
		inputs_hash >"$WT/.git/sev-es-inputs"
	fi
}

main() {
	[ $# -ge 2 ] || die "usage: $0 assemble|regen linux|qemu [DIR]"
	local cmd=$1; setup "$2"; shift 2
	case $cmd in
	assemble) assemble ;;
	regen) regen "$@" ;;
	*) die "unknown command '$cmd'" ;;
	esac
}

main "$@"
