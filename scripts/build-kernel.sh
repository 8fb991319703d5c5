#!/usr/bin/env bash
# Build a guest bzImage out of tree, with ccache.
#
#   build-kernel.sh [FLAVOUR]
#     ours   the assembled work tree (pristine + overlay + series)
#     nosev  the same tree, CONFIG_AMD_MEM_ENCRYPT off
#     intree the pristine Debian tree (tag pristine), the in-tree SEV code
#            our series replaces; same config, for comparisons
#     debian the work tree on Debian's own config (the unpacked
#            linux-image's /boot/config-*), modules trimmed by
#            localmodconfig to configs/debian-modules.lsmod, then
#            configs/debian.config; bzImage and modules
#
# KERNEL_TREE and KERNEL_OUT build another kernel git tree into another
# directory (scripts/bisect-step.sh).  Prints the bzImage path on stdout.
. "$(dirname "$0")/lib.sh"

flavour=${1:-ours}
src=${KERNEL_TREE:-$TREES/linux}
out=${KERNEL_OUT:-$BUILD/linux-$flavour}
fragments=("$TOP/configs/guest.config")
base=tinyconfig
targets=(bzImage)

[ -e "$src/.git" ] || die "no kernel tree: run 'scripts/tree.sh assemble linux'"

# A plain copy of the work tree's pristine commit, refreshed when it moves.
pristine_tree() {
	local dir=$TREES/linux-pristine rev
	rev=$(git -C "$src" rev-parse pristine)
	if [ "$(cat "$dir/.pristine-rev" 2>/dev/null)" != "$rev" ]; then
		log "extracting the pristine kernel tree into $dir"
		rm -rf "$dir"
		mkdir -p "$dir"
		git -C "$src" archive pristine | tar -x -C "$dir"
		echo "$rev" >"$dir/.pristine-rev"
	fi
	echo "$dir"
}

case $flavour in
ours) ;;
nosev) fragments+=("$TOP/configs/nosev.config") ;;
intree) src=$(pristine_tree); fragments+=("$TOP/configs/intree.config") ;;
debian) base=debian; fragments=("$TOP/configs/debian.config"); targets=(bzImage modules) ;;
*) die "unknown kernel flavour '$flavour'" ;;
esac

kmake() {
	make -C "$src" O="$out" CC="ccache gcc" HOSTCC="ccache gcc" \
		-j"$(jobs_n)" "$@"
}

# The fragments' settings, the last one of each symbol winning.
effective_settings() {
	cat "${fragments[@]}" | awk '
		/^CONFIG_[A-Za-z0-9_]+=/ { sym = $0; sub(/=.*/, "", sym) }
		/^# CONFIG_[A-Za-z0-9_]+ is not set$/ { sym = $2 }
		sym != "" { last[sym] = $0; if (!(sym in seen)) { seen[sym] = 1; order[n++] = sym } }
		{ sym = "" }
		END { for (i = 0; i < n; i++) print last[order[i]] }'
}

# With KCONFIG_MISSING_OK=1 (a step of the series, which may predate
# an option our fragments set), true when no Kconfig of the tree defines $1.
defined_nowhere() {
	[ "${KCONFIG_MISSING_OK:-0}" = 1 ] &&
		! grep -rqx --include='Kconfig*' "config ${1#CONFIG_}" "$src"
}

# Every option the fragments set must survive olddefconfig unchanged; a
# later fragment overrides an earlier one, as in merge_config.sh.
check_config() {
	local line sym missing=0

	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) sym=${line%%=*}; grep -qxF "$line" "$out/.config" ;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }; sym=${sym%% *}
			! grep -q "^$sym=" "$out/.config" ;;
		*) continue ;;
		esac || defined_nowhere "$sym" ||
			{ echo "  not in .config: $line" >&2; missing=1; }
	done < <(effective_settings)
	[ $missing = 0 ] || die "kernel config fragment not applied (see above)"
}

# Debian's config, with every module no q35 guest loads turned off.
debian_base() {
	local cfg=$1
	cp "$(only_file "Debian kernel config" "$UNPACK"/linux-image/boot/config-*)" "$cfg/.config"
	# Symbols Debian's config leaves out (signing keys) take their defaults.
	{ yes '' || true; } | make -C "$src" O="$cfg" HOSTCC="ccache gcc" -s \
		LSMOD="$TOP/configs/debian-modules.lsmod" localmodconfig >/dev/null 2>&1 ||
		die "localmodconfig failed"
}

# Generate the config in a scratch build dir and install it only when it
# changed, so an unchanged config leaves the build untouched.
configure() {
	local cfg=$out.config

	mkdir -p "$out" "$cfg"
	if [ "$base" = debian ]; then
		debian_base "$cfg"
	else
		make -C "$src" O="$cfg" HOSTCC="ccache gcc" -s tinyconfig >/dev/null
	fi
	(cd "$cfg" && "$src/scripts/kconfig/merge_config.sh" -m -O "$cfg" \
		"$cfg/.config" "${fragments[@]}" >/dev/null 2>&1)
	make -C "$src" O="$cfg" HOSTCC="ccache gcc" -s olddefconfig >/dev/null 2>&1
	cmp -s "$cfg/.config" "$out/.config" || cp "$cfg/.config" "$out/.config"
	check_config
}

log "configuring kernel ($flavour) in $out"
configure
log "building ${targets[*]} ($flavour)"
kmake -s "${targets[@]}" >&2
echo "$out/arch/x86/boot/bzImage"
