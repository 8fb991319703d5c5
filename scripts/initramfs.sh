#!/usr/bin/env bash
# Build the busybox initramfs for a guest kernel.
#
#   initramfs.sh ours|debian     base image (debian adds virtio modules)
#   initramfs.sh debian DIR      the same for another Debian kernel image,
#                                unpacked in DIR (debian-NAME.cpio.gz)
#   initramfs.sh cmd BASE CMD DIR   BASE + /cmd holding CMD, made in DIR
#   initramfs.sh add BASE SRC DEST OUT   BASE + the files of directory SRC
#                                in directory DEST, made as file OUT
#   initramfs.sh glibc BASE OUT  BASE + this Debian host's /bin/true, a
#                                dynamically linked glibc program, as
#                                /lib/true, with its loader and libraries
#
# Archives are made with the kernel tree's usr/gen_init_cpio, so device
# nodes need no root.  Prints the resulting path on stdout.
. "$(dirname "$0")/lib.sh"

GEN=$BUILD/gen_init_cpio
OUT=$CACHE/initramfs
BUSYBOX=$UNPACK/busybox-static/bin/busybox
DEBIAN_MODULES=(virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev
	virtio_pci virtio_blk virtio_console)

gen_init_cpio() {
	local src=$TREES/linux/usr/gen_init_cpio.c
	[ -f "$src" ] || die "no kernel tree for gen_init_cpio"
	if [ ! -x "$GEN" ] || [ "$src" -nt "$GEN" ]; then
		mkdir -p "${GEN%/*}"
		gcc -O2 -o "$GEN" "$src"
	fi
}

# Spec lines for gen_init_cpio: the common busybox userland.
base_spec() {
	local applet
	cat <<-SPEC
	dir /dev 0755 0 0
	nod /dev/console 0600 0 0 c 5 1
	dir /proc 0755 0 0
	dir /sys 0755 0 0
	dir /tmp 1777 0 0
	dir /bin 0755 0 0
	dir /sbin 0755 0 0
	file /bin/busybox $BUSYBOX 0755 0 0
	file /init $TOP/tests/guest/init 0755 0 0
	SPEC
	for applet in $("$BUSYBOX" --list); do
		[ "$applet" = busybox ] || echo "slink /bin/$applet busybox 0777 0 0"
	done
	for f in "$TOP"/tests/guest/bin/* "$GUEST_BIN"/*; do
		[ -f "$f" ] && echo "file /bin/${f##*/} $f 0755 0 0"
	done
	true
}

debian_spec() {
	local image=$1 mods mod path order=$WORK/modules.order
	mods=$(only_file "module dir" "$image"/lib/modules/*)
	mkdir -p "$WORK/modules"
	: >"$order"
	echo "dir /lib 0755 0 0"
	echo "dir /lib/modules 0755 0 0"
	for mod in "${DEBIAN_MODULES[@]}"; do
		path=$(find "$mods" -name "$mod.ko" -o -name "$mod.ko.xz" | sed -n 1p)
		case $path in
		"")
			grep -qs "/$mod.ko\$" "$mods/modules.builtin" ||
				die "module $mod not in $mods"
			continue ;;
		*.xz)
			xz -dc "$path" >"$WORK/modules/$mod.ko"
			path=$WORK/modules/$mod.ko ;;
		esac
		echo "$mod" >>"$order"
		echo "file /lib/modules/$mod.ko $path 0644 0 0"
	done
	echo "file /lib/modules/order $order 0644 0 0"
}

# build_base ours|debian [DIR]: OUT/NAME.cpio.gz, NAME the flavour, or
# debian-BASENAME for the Debian kernel image unpacked in DIR.
build_base() {
	local flavour=$1 image=${2:-$UNPACK/linux-image} name=$1 img

	[ $# = 1 ] || name=debian-${image##*/}
	img=$OUT/$name.cpio.gz
	WORK=$OUT/$name.d
	mkdir -p "$OUT" && rm -rf "$WORK" && mkdir -p "$WORK"
	{
		base_spec
		[ "$flavour" = debian ] && debian_spec "$image"
		true
	} >"$OUT/$name.spec"
	"$GEN" "$OUT/$name.spec" | gzip -1 >"$img.tmp"
	mv "$img.tmp" "$img"
	echo "$img"
}

# append BASE SPEC OUT: BASE followed by a second archive made from SPEC;
# the kernel unpacks both.
append() {
	local base=$1 spec=$2 out=$3
	cat "$base" >"$out"
	# The kernel finds an uncompressed archive only at a 4-byte boundary.
	truncate -s %4 "$out"
	"$GEN" "$spec" >>"$out"
	echo "$out"
}

# BASE followed by a second archive holding /cmd.
build_cmd() {
	local base=$1 cmd=$2 dir=$3
	printf '%s\n' "$cmd" >"$dir/cmd"
	echo "file /cmd $dir/cmd 0644 0 0" >"$dir/spec"
	append "$base" "$dir/spec" "$dir/initrd"
}

# BASE followed by a second archive holding SRC's files in DEST.
build_add() {
	local base=$1 src=$2 dest=$3 out=$4 f
	{
		echo "dir $dest 0755 0 0"
		for f in "$src"/*; do
			[ -f "$f" ] && echo "file $dest/${f##*/} $f 0755 0 0"
		done
		true
	} >"$out.spec"
	append "$base" "$out.spec" "$out"
}

# BASE + /lib/true, libc in /lib (the loader's default path), the loader
# where the program names it.
build_glibc() {
	local base=$1 out=$2 prog=/bin/true dir interp lib
	dir=$(mktemp -d "${TMPDIR:-/tmp}/sev-es-glibc.XXXXXX")
	mkdir -p "$dir/lib" "$dir/lib64"
	cp -L "$prog" "$dir/lib/true"
	interp=$(readelf -l "$prog" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	[ "$interp" = /lib64/ld-linux-x86-64.so.2 ] || die "$prog: unexpected interpreter '$interp'"
	cp -L "$interp" "$dir/lib64/"
	for lib in $(ldd "$prog" | awk '$3 ~ /^\// { print $3 }'); do
		cp -L "$lib" "$dir/lib/"
	done
	build_add "$base" "$dir/lib" /lib "$dir/lib.cpio" >/dev/null
	build_add "$dir/lib.cpio" "$dir/lib64" /lib64 "$out"
	rm -rf "$dir"
}

main() {
	gen_init_cpio
	case ${1:-} in
	ours) guest_programs; build_base ours ;;
	debian) guest_programs; build_base "$@" ;;
	cmd) [ $# = 4 ] || die "usage: $0 cmd BASE CMD DIR"; build_cmd "$2" "$3" "$4" ;;
	add) [ $# = 5 ] || die "usage: $0 add BASE SRC DEST OUT"; build_add "$2" "$3" "$4" "$5" ;;
	glibc) [ $# = 3 ] || die "usage: $0 glibc BASE OUT"; build_glibc "$2" "$3" ;;
	*) die "usage: $0 ours | debian [DIR] | cmd BASE CMD DIR | add BASE SRC DEST OUT | glibc BASE OUT" ;;
	esac
}

main "$@"
