#!/usr/bin/env bash
# Assemble a git work tree from pristine Debian source + our overlay +
# our patch series, or regenerate overlay and series from such a tree.
#
#   tree.sh assemble linux|qemu      (FORCE=1 discards unexported work)
#   tree.sh regen linux|qemu [DIR]   (writes into DIR, default the repo)
#
# Work tree history: "pristine" (tag), then one commit per patch, each with
# the new files it adds.  The repo holds every new file at its last
# content under the overlay dirs, each patch as a diff of the files that
# existed before it, and PATCHES/new-files naming the patch that adds each
# new file; assemble rebuilds every commit from these, and regen writes
# them from the tree.  Every commit has the series' one identity and date.
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

# The overlay's files, as tree-relative paths: every file the series adds.
overlay_files() {
	local d
	for d in "${OVL_DIRS[@]}"; do
		[ -d "$OVL_ROOT/$d" ] || continue
		(cd "$OVL_ROOT" && find "$d" -type f ! -path './patches/*' \
			! -path 'patches/*') | sed 's|^\./||'
	done | sort
}

# Which patch adds which overlay file: "NNNN path" lines, NNNN the
# patch's number.
MANIFEST=new-files

# Fingerprint of what assemble reads from the repo: overlay and series.
inputs_hash() {
	{
		overlay_files | while IFS= read -r f; do
			printf '%s\n' "$f"; cat "$OVL_ROOT/$f"
		done
		cat "$TOP/$PATCHES_REL"/*.patch 2>/dev/null || true
		cat "$TOP/$PATCHES_REL/$MANIFEST" 2>/dev/null || true
	} | sha256sum | cut -d' ' -f1
}

# Tree-relative paths of the overlay files patch number $1 adds.
added_by() {
	[ -f "$TOP/$PATCHES_REL/$MANIFEST" ] || return 0
	awk -v n="$1" '$1 == n { print $2 }' "$TOP/$PATCHES_REL/$MANIFEST"
}

# The content each overlay file has in the commit that adds it, into
# $1/N/path for patch N.  The repo holds every file's last content; walking
# the series backwards, each patch's hunks on overlay files are reverted.
added_contents() {
	local snap=$1 stage=$1/stage n p f files=() inc
	local patches=()

	for p in "$TOP/$PATCHES_REL"/*.patch; do
		[ -e "$p" ] && patches+=("$p")
	done
	mapfile -t files < <(overlay_files)
	mkdir -p "$stage"
	if [ ${#files[@]} -gt 0 ]; then
		(cd "$OVL_ROOT" && tar -cf - "${files[@]}") | tar -C "$stage" -xf -
	fi
	for ((n = ${#patches[@]}; n >= 1; n--)); do
		p=${patches[n - 1]}
		while IFS= read -r f; do
			[ -f "$stage/$f" ] ||
				die "${p##*/} adds $f, which the overlay lacks or an earlier patch adds too"
			mkdir -p "$snap/$n/$(dirname "$f")"
			mv "$stage/$f" "$snap/$n/$f"
		done < <(added_by "$(printf %04d "$n")")
		inc=()
		grep -q '^diff --git ' "$p" || continue
		while IFS= read -r f; do
			[ -f "$stage/$f" ] && inc+=("--include=$f")
		done < <(git apply --numstat "$p" | cut -f3)
		[ ${#inc[@]} -gt 0 ] || continue
		(cd "$stage" && git apply -R "${inc[@]}" "$p") ||
			die "${p##*/} does not revert on the overlay: overlay and series disagree"
	done
	f=$(cd "$stage" && find . -type f | sed -n 's|^\./||p' | sed -n 1p)
	[ -z "$f" ] || die "no patch adds overlay file $f ($PATCHES_REL/$MANIFEST)"
	rm -rf "$stage"
}

# Commit patch file $1, number $2: its message and diff, plus the overlay
# files it adds, from the snapshot in $3.
commit_patch() {
	local p=$1 n=$2 snap=$3 tmp f

	tmp=$(mktemp -d)
	git mailinfo "$tmp/msg" "$tmp/diff" <"$p" >"$tmp/info"
	if grep -q '^diff --git ' "$tmp/diff"; then
		g apply --index "$tmp/diff" ||
			die "patch ${p##*/} does not apply (fix it in $WT, 'make regen')"
	fi
	if [ -d "$snap/$n" ]; then
		(cd "$snap/$n" && tar -cf - .) | tar -C "$WT" -xf -
		while IFS= read -r f; do
			g add -f -- "$f"
		done < <(cd "$snap/$n" && find . -type f | sed 's|^\./||')
	fi
	{ sed -n 's/^Subject: //p' "$tmp/info"; echo; cat "$tmp/msg"; } |
		g commit -q --allow-empty -F -
	rm -rf "$tmp"
}

assemble() {
	local p n=0 snap hash stamp=$WT/.git/sev-es-inputs

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
	snap=$(mktemp -d)
	added_contents "$snap"
	g checkout -q -f -B series pristine
	g clean -q -f -d -x
	for p in "$TOP/$PATCHES_REL"/*.patch; do
		[ -e "$p" ] || continue
		n=$((n + 1))
		commit_patch "$p" "$n" "$snap"
	done
	rm -rf "$snap"
	g tag -f assembled >/dev/null
	echo "$hash" >"$stamp"
	log "$NAME tree assembled at $WT ($n commits on pristine)"
}

# Tree-relative paths that commit $1 adds under the overlay dirs.
added_in() {
	g diff-tree -r --no-commit-id --name-only --no-renames --diff-filter=A \
		"$1" -- "${OVL_DIRS[@]}"
}

# Patch file number $2 for commit $1, into directory $3: the commit's
# message and its diff minus the overlay files it adds, which the overlay
# holds at their last content.
export_patch() {
	local c=$1 n=$2 dir=$3 name f excl=()

	name=$(g format-patch --zero-commit --no-signature -N \
		--start-number "$n" -o "$dir" "$c^..$c")
	while IFS= read -r f; do
		excl+=(":(exclude)$f")
	done < <(added_in "$c")
	if [ ${#excl[@]} -gt 0 ]; then
		if [ -n "$(g diff-tree -r --no-commit-id --name-only "$c" -- . "${excl[@]}")" ]; then
			g format-patch --stdout --zero-commit --no-signature -N \
				"$c^..$c" -- . "${excl[@]}" >"$name"
		else
			# Only new files: the message, and no diff.
			{
				g show -s --format=email "$c" |
					sed '1s/^From [0-9a-f]* /From 0000000000000000000000000000000000000000 /'
				printf -- '---\n'
			} >"$name"
		fi
	fi
	# One identity and date for the whole series, whoever made the commit.
	sed -i -e "2s/^From: .*/From: $SERIES_FROM/" -e "3s/^Date: .*/Date: $SERIES_DATE/" "$name"
}

regen() {
	local out=${1:-$TOP} c f n=0 files

	[ -d "$WT/.git" ] || die "no $NAME tree: 'make assemble' first"
	[ -z "$(g status --porcelain)" ] || die "$WT has uncommitted changes"
	[ -z "$(g rev-list --merges pristine..HEAD)" ] ||
		die "$WT has merges: the series must be one line of commits"
	mapfile -t files < <(g diff --name-only --no-renames --diff-filter=A \
		pristine HEAD -- "${OVL_DIRS[@]}")

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

	# Series: one patch per commit, and which patch adds which file.
	SERIES_FROM=$(g var GIT_AUTHOR_IDENT | sed 's/ [0-9]* [-+][0-9]*$//')
	SERIES_DATE=$(LC_ALL=C date -u -d "$GIT_AUTHOR_DATE" '+%a, %-d %b %Y %H:%M:%S +0000')
	rm -rf "${out:?}/$PATCHES_REL" && mkdir -p "$out/$PATCHES_REL"
	while IFS= read -r c; do
		n=$((n + 1))
		export_patch "$c" "$n" "$out/$PATCHES_REL" >/dev/null
		while IFS= read -r f; do
			g cat-file -e "HEAD:$f" 2>/dev/null ||
				die "'$(g log -1 --format=%s "$c")' adds $f, a later commit removes it: drop it from the series"
			printf '%04d %s\n' "$n" "$f"
		done < <(added_in "$c")
	done < <(g rev-list --reverse pristine..HEAD) >"$out/$PATCHES_REL/$MANIFEST"
	log "$NAME: ${#files[@]} overlay files, $n patches -> $out"
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
