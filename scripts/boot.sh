#!/usr/bin/env bash
# Boot a guest kernel under OVMF on our QEMU, serial console on stdout.
#
# Settings (environment, as passed by "make boot"):
#   KERNEL=ours|ours-debian|debian|PATH
#   MODE=plain|sev-es|kvm-sev-es   SMP=N  MEM=size
#   ROOTFS=debian the Debian 12 root filesystem (scripts/rootfs.sh) on
#                 virtio-blk, booted with the kernel's own initrd, instead
#                 of the busybox initramfs; root logs in on the console
#   NET=none|user virtio-net on QEMU's user-mode network (default: user
#                 with ROOTFS, else none)
#   HOSTFWD=...   a port forward for NET=user, e.g. tcp:127.0.0.1:2222-:22
#   CPU=model     the TCG vCPU (default max,la57=off; scripts/lib.sh)
#   INITRD=path   with KERNEL=PATH, the initramfs (default: ours; CMD
#                 is appended to it)
#   CMD='...'     run in the guest, exit with its status (else a shell)
#   TIMEOUT=s     wall-clock limit; the guest is killed and we fail
#   APPEND='...'  extra kernel command line
#   QEMU_ARGS     extra QEMU arguments (word-split)
#   SEV_OPTS      extra sev-guest properties (e.g. tcg-stats=on, the model's)
#   LOG=path      keep the console log there
#
# Exit status: CMD's status inside the guest; 124 on timeout; 125 when the
# guest stopped without reporting one (panic, triple fault, QEMU error).
. "$(dirname "$0")/lib.sh"

KERNEL=${KERNEL:-ours}
MODE=${MODE:-sev-es}
SMP=${SMP:-2}
MEM=${MEM:-1G}
TIMEOUT=${TIMEOUT:-300}
CMD=${CMD:-}
APPEND=${APPEND:-}
QEMU_ARGS=${QEMU_ARGS:-}
ROOTFS=${ROOTFS:-}
NET=${NET:-${ROOTFS:+user}}
NET=${NET:-none}
HOSTFWD=${HOSTFWD:-}
STATUS_RE='^SEV-ES-GUEST: exit status [0-9]+'

# The kernel and initrd for ROOTFS=debian: the tree's own, made by
# initramfs-tools for that kernel release.
rootfs_kernel_and_initrd() {
	local files=() release=

	[ "$ROOTFS" = debian ] || die "unknown ROOTFS '$ROOTFS' (debian)"
	[ -z "$CMD" ] || die "CMD needs the busybox initramfs; with ROOTFS, log in on the console"
	case $KERNEL in
	debian) ;;
	ours-debian) release=$(cat "$BUILD/linux-debian/include/config/kernel.release") ||
		die "no debian flavour build (make kernel FLAVOUR=debian)" ;;
	*) die "ROOTFS=debian boots KERNEL=debian or ours-debian (modules and initrd in the image)" ;;
	esac
	mapfile -t files < <("$TOP/scripts/rootfs.sh" boot-files "$release")
	[ ${#files[@]} = 2 ] || die "no boot files for KERNEL=$KERNEL in the root filesystem"
	[ "$KERNEL" = debian ] && KIMAGE=${files[0]}
	INITRD=${files[1]}
	ROOT_IMAGE=$CACHE/rootfs/debian.ext4
	[ -f "$ROOT_IMAGE" ] || die "no root filesystem image $ROOT_IMAGE (make rootfs)"
	APPEND="root=/dev/vda ro $APPEND"
}

kernel_and_initrd() {
	case $KERNEL in
	ours)
		KIMAGE=$BUILD/linux-ours/arch/x86/boot/bzImage
		INITRD=$CACHE/initramfs/ours.cpio.gz ;;
	ours-debian)
		KIMAGE=$BUILD/linux-debian/arch/x86/boot/bzImage
		INITRD=$CACHE/initramfs/ours.cpio.gz ;;
	debian)
		KIMAGE=$(only_file "Debian vmlinuz" "$UNPACK"/linux-image/boot/vmlinuz-*)
		INITRD=$CACHE/initramfs/debian.cpio.gz ;;
	*)
		KIMAGE=$KERNEL
		INITRD=${INITRD:-$CACHE/initramfs/ours.cpio.gz} ;;
	esac
	[ -z "$ROOTFS" ] || rootfs_kernel_and_initrd
	[ -f "$KIMAGE" ] || die "no kernel image $KIMAGE (build it: make kernel)"
	[ -f "$INITRD" ] || die "no initramfs $INITRD (make initramfs)"
}

# Devices for ROOTFS and NET: modern virtio behind the platform IOMMU, as
# an SEV guest's devices must be (DMA through SWIOTLB).
device_args() {
	local virtio=disable-legacy=on,iommu_platform=on
	if [ -n "$ROOTFS" ]; then
		# snapshot=on: the guest's writes go to a temporary overlay.
		printf '%s\n' -drive "if=none,id=root,format=raw,file=$ROOT_IMAGE,snapshot=on" \
			-device "virtio-blk-pci,drive=root,$virtio"
	fi
	case $NET in
	none) printf '%s\n' -nic none ;;
	# No option ROM: the kernel comes with -kernel, not from the network.
	user) printf '%s\n' -netdev "user,id=net0${HOSTFWD:+,hostfwd=$HOSTFWD}" \
			-device "virtio-net-pci,netdev=net0,romfile=,$virtio" ;;
	esac
}

run_qemu() {
	local run=$1 log=$2 extra=() fw=() dev=()
	# shellcheck disable=SC2206 # QEMU_ARGS is word-split on purpose
	extra=($QEMU_ARGS)
	mapfile -t dev < <(device_args)
	mapfile -t fw < <(firmware_args "$run")
	set +e
	timeout --foreground -k 10 "$TIMEOUT" "${QEMU_CMD[@]}" \
		"${fw[@]}" "${dev[@]}" \
		-kernel "$KIMAGE" -initrd "$INITRD" \
		-append "$GUEST_CMDLINE $APPEND" \
		"${extra[@]}" <"$STDIN" | tee "$log"
	QEMU_RC=${PIPESTATUS[0]}
	set -e
}

# Turn what the console showed into our exit status.
verdict() {
	local log=$1 status

	status=$(grep -aEo "$STATUS_RE" "$log" | tail -n 1 | awk '{ print $NF }')
	if [ -n "$status" ]; then
		return "$status"
	elif [ "$QEMU_RC" = 124 ] || [ "$QEMU_RC" = 137 ]; then
		echo "boot.sh: timeout: guest killed after ${TIMEOUT}s" >&2
		return 124
	elif [ -z "$CMD" ] && [ "$QEMU_RC" = 0 ]; then
		return 0
	elif grep -aq 'Kernel panic' "$log"; then
		echo "boot.sh: guest kernel panicked" >&2
	else
		echo "boot.sh: guest stopped without reporting a status (QEMU exit $QEMU_RC)" >&2
	fi
	return 125
}

main() {
	local log rc=0

	case $NET in none|user) ;; *) die "unknown NET '$NET' (none, user)" ;; esac
	kernel_and_initrd
	[ -x "$QEMU" ] || die "no QEMU at $QEMU (make qemu)"
	qemu_cmdline "$MODE" "$SMP" "$MEM"
	RUN=$(mktemp -d "${TMPDIR:-/tmp}/sev-es-boot.XXXXXX")
	trap 'rm -rf "$RUN"' EXIT
	local run=$RUN
	log=${LOG:-$run/console.log}
	STDIN=/dev/stdin
	if [ -n "$CMD" ]; then
		INITRD=$("$TOP/scripts/initramfs.sh" cmd "$INITRD" "$CMD" "$run")
		STDIN=/dev/null
	fi
	run_qemu "$run" "$log"
	verdict "$log" || rc=$?
	return "$rc"
}

main "$@"
