#!/usr/bin/env bash
# Boot a guest kernel under OVMF on our QEMU, serial console on stdout.
#
# Settings (environment, as passed by "make boot"):
#   KERNEL=ours|debian|PATH   MODE=plain|sev-es|kvm-sev-es   SMP=N  MEM=size
#   CPU=model     the TCG vCPU (default max,la57=off; scripts/lib.sh)
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
STATUS_RE='^SEV-ES-GUEST: exit status [0-9]+'

kernel_and_initrd() {
	case $KERNEL in
	ours)
		KIMAGE=$BUILD/linux-ours/arch/x86/boot/bzImage
		INITRD=$CACHE/initramfs/ours.cpio.gz ;;
	debian)
		KIMAGE=$(only_file "Debian vmlinuz" "$UNPACK"/linux-image/boot/vmlinuz-*)
		INITRD=$CACHE/initramfs/debian.cpio.gz ;;
	*)
		KIMAGE=$KERNEL
		INITRD=$CACHE/initramfs/ours.cpio.gz ;;
	esac
	[ -f "$KIMAGE" ] || die "no kernel image $KIMAGE (build it: make kernel)"
	[ -f "$INITRD" ] || die "no initramfs $INITRD (make initramfs)"
}

run_qemu() {
	local run=$1 log=$2 extra=() fw=()
	# shellcheck disable=SC2206 # QEMU_ARGS is word-split on purpose
	extra=($QEMU_ARGS)
	mapfile -t fw < <(firmware_args "$run")
	set +e
	timeout --foreground -k 10 "$TIMEOUT" "$QEMU" \
		-machine "$MACHINE" "${ACCEL[@]}" "${SEV[@]}" \
		-L "$QEMU_DATA" -smp "$SMP" -m "$MEM" -nographic -vga none -nic none \
		"${fw[@]}" \
		-kernel "$KIMAGE" -initrd "$INITRD" \
		-append "console=ttyS0 panic=-1 $APPEND" \
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

	kernel_and_initrd
	mode_args "$MODE"
	[ -x "$QEMU" ] || die "no QEMU at $QEMU (make qemu)"
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
