#!/usr/bin/env bash
# A Debian 12 root filesystem for the guests: debootstrap (minbase plus
# systemd, udev, kmod, dbus, Debian's kernel and its initrd) from the mirror
# apt already uses, made into an ext4 image without loop mounts.
#
#   rootfs.sh [image]        build what is missing; print the image path
#   rootfs.sh modules [BUILD]
#                            install the modules of the kernel built in
#                            BUILD (make O=BUILD; default: the debian
#                            flavour's) and make its initrd
#   rootfs.sh boot-files [RELEASE]
#                            print the kernel and initrd paths for RELEASE
#                            (default: Debian's kernel)
#
# The root account has no password; root logs in on ttyS0.  The test
# programs of tests/guest are in /usr/local/bin.  The network
# (virtio-net, QEMU user mode) comes up by DHCP through systemd-networkd.
# The image is used read-only (boot.sh attaches it with snapshot=on).
. "$(dirname "$0")/lib.sh"

SUITE=bookworm
DIR=$CACHE/rootfs/debian		# the debootstrap'd tree
IMAGE=$CACHE/rootfs/debian.ext4
IMAGE_SIZE=3G
HOSTNAME_GUEST=sev-es-guest
# What a systemd boot, a root login on the serial console and the transfer
# test need beyond minbase, and the dependencies of Debian's kernel: that
# is the very .deb fetch.sh downloaded (often from the security suite,
# which debootstrap does not read), installed with dpkg afterwards.
PACKAGES=(systemd-sysv udev kmod dbus login passwd procps iproute2
	netcat-openbsd initramfs-tools linux-base)

debian_kernel_pkg() {
	local pkg
	pkg=$(readlink "$UNPACK/linux-image" 2>/dev/null) ||
		die "no Debian kernel package unpacked (make fetch)"
	printf '%s\n' "$pkg"
}

# chroot_run CMD...: run CMD in the finished tree with /proc mounted for
# the duration (no loop devices, nothing else of the host).
chroot_run() {
	local rc=0
	mount -t proc proc "$DIR/proc"
	chroot "$DIR" "$@" || rc=$?
	umount "$DIR/proc"
	return "$rc"
}

configure_tree() {
	local t=$1

	echo "$HOSTNAME_GUEST" >"$t/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n' "$HOSTNAME_GUEST" >"$t/etc/hosts"
	printf '/dev/vda\t/\text4\terrors=remount-ro\t0\t1\n' >"$t/etc/fstab"
	# Root logs in without a password.
	chroot "$t" passwd -d root >/dev/null
	mkdir -p "$t/etc/systemd/network"
	cat >"$t/etc/systemd/network/20-wired.network" <<-EOF
	[Match]
	Name=en*

	[Network]
	DHCP=ipv4
	EOF
	chroot "$t" systemctl enable systemd-networkd.service >/dev/null 2>&1
	# Every module a q35 guest's devices need, in the initrd too.
	echo 'MODULES=most' >"$t/etc/initramfs-tools/conf.d/sev-es"
}

build_tree() {
	local mirror kpkg deb
	[ -d "$DIR" ] && return 0
	mirror=$(debian_mirror "$SUITE")
	kpkg=$(debian_kernel_pkg)
	log "debootstrap $SUITE from $mirror into $DIR (minbase + ${PACKAGES[*]} $kpkg)"
	rm -rf "$DIR.tmp"
	mkdir -p "${DIR%/*}"
	deb=$(only_file "$kpkg .deb" "$DL/debs/${kpkg}"_*.deb)
	debootstrap --variant=minbase --include="$(IFS=,; echo "${PACKAGES[*]}")" \
		"$SUITE" "$DIR.tmp" "$mirror" >"$DIR.log" 2>&1 ||
		{ tail -n 20 "$DIR.log" >&2; die "debootstrap failed, see $DIR.log"; }
	configure_tree "$DIR.tmp"
	cp "$deb" "$DIR.tmp/tmp/"
	chroot "$DIR.tmp" dpkg -i "/tmp/${deb##*/}" >>"$DIR.log" 2>&1 ||
		{ tail -n 20 "$DIR.log" >&2; die "installing $kpkg failed, see $DIR.log"; }
	rm -f "$DIR.tmp/tmp/${deb##*/}"
	ls "$DIR.tmp"/boot/initrd.img-* >/dev/null 2>&1 ||
		die "debootstrap made no initrd for $kpkg (see $DIR.log)"
	rm -rf "$DIR.tmp/var/cache/apt/archives"/*.deb
	touch "$DIR.tmp/.stamp"
	mv "$DIR.tmp" "$DIR"
}

# The static test programs (tests/guest) in /usr/local/bin.
install_guest_programs() {
	local bin
	guest_programs
	for bin in "$GUEST_BIN"/*; do
		cmp -s "$bin" "$DIR/usr/local/bin/${bin##*/}" && continue
		install -m 0755 "$bin" "$DIR/usr/local/bin/"
		touch "$DIR/.stamp"
	done
}

# The ext4 image, remade when the tree changed (mkfs.ext4 -d: no mounts).
build_image() {
	if [ ! -f "$IMAGE" ] || [ "$DIR/.stamp" -nt "$IMAGE" ]; then
		log "making $IMAGE from $DIR"
		rm -f "$IMAGE.tmp"
		mkfs.ext4 -q -F -L debian-root -d "$DIR" "$IMAGE.tmp" "$IMAGE_SIZE" \
			>"$IMAGE.log" 2>&1 || die "mkfs.ext4 -d failed, see $IMAGE.log"
		mv "$IMAGE.tmp" "$IMAGE"
	fi
	echo "$IMAGE"
}

# Install a kernel build's modules into the tree and make its initrd
# with the tree's own initramfs-tools.
install_modules() {
	local build=$1 src=$TREES/linux release
	release=$(cat "$build/include/config/kernel.release") ||
		die "no kernel build in $build"
	if [ -f "$DIR/boot/initrd.img-$release" ] &&
		[ ! "$build/arch/x86/boot/bzImage" -nt "$DIR/boot/initrd.img-$release" ]; then
		return 0
	fi
	log "installing the modules of $release into $DIR"
	rm -rf "$DIR/lib/modules/$release"
	make -s -C "$src" O="$build" INSTALL_MOD_PATH="$DIR" INSTALL_MOD_STRIP=1 \
		DEPMOD=/sbin/depmod modules_install >&2
	cp "$build/.config" "$DIR/boot/config-$release"
	log "making the initrd of $release"
	chroot_run mkinitramfs -o "/boot/initrd.img-$release" "$release" >&2
	touch "$DIR/.stamp"
}

boot_files() {
	local release=${1:-}
	if [ -z "$release" ]; then
		release=$(debian_kernel_pkg); release=${release#linux-image-}
	fi
	[ -f "$DIR/boot/initrd.img-$release" ] ||
		die "no initrd for $release in $DIR (scripts/rootfs.sh modules)"
	printf '%s\n' "$DIR/boot/vmlinuz-$release" "$DIR/boot/initrd.img-$release"
}

main() {
	[ "$(id -u)" = 0 ] || die "debootstrap and chroot need root"
	case ${1:-image} in
	image) build_tree; install_guest_programs; build_image ;;
	modules) build_tree; install_guest_programs; install_modules "${2:-$BUILD/linux-debian}"; build_image ;;
	boot-files) boot_files "${2:-}" ;;
	*) die "usage: $0 [image] | modules [BUILD] | boot-files [RELEASE]" ;;
	esac
}

main "$@"
