# shellcheck shell=bash
# Helpers for tests/cases: boot a guest, assert on what it printed.
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "--- $*"; }

# boot VAR=value... : run scripts/boot.sh with those settings.
# Sets BOOT_RC and BOOT_LOG (the guest console).
boot() {
	BOOT_LOG=$(mktemp "${TMPDIR:-/tmp}/sev-es-console.XXXXXX")
	BOOT_RC=0
	note "boot $*"
	env "$@" LOG="$BOOT_LOG" "$TOP/scripts/boot.sh" || BOOT_RC=$?
	note "boot.sh exit status $BOOT_RC"
}

# virtio_disk ID FILE: QEMU arguments for a raw virtio-blk disk, modern
# and behind the platform IOMMU, as an SEV guest's devices must be.
virtio_disk() {
	echo "-drive if=none,id=$1,format=raw,file=$2 -device virtio-blk-pci,drive=$1,disable-legacy=on,iommu_platform=on"
}

# monitor SOCKET COMMAND...: run HMP commands on a monitor socket.
monitor() {
	local sock=$1; shift
	printf '%s\n' "$@" | timeout 10 socat -t 2 - "UNIX-CONNECT:$sock" | tr -d '\r'
}

expect_rc() {
	[ "$BOOT_RC" = "$1" ] || fail "boot.sh exited $BOOT_RC, expected $1"
}

# expect_console ERE: the console printed a line matching it.
expect_console() {
	grep -aEq -- "$1" "$BOOT_LOG" || fail "console never printed /$1/"
}

# refute_console ERE: the console printed no line matching it.
refute_console() {
	! grep -aEq -- "$1" "$BOOT_LOG" || fail "console printed /$1/"
}

# boot_keep_err VAR=value...: boot, QEMU's stderr kept in BOOT_ERR and
# shown in the test's log.
boot_keep_err() {
	BOOT_ERR=$(mktemp "${TMPDIR:-/tmp}/sev-es-err.XXXXXX")
	boot "$@" 2>"$BOOT_ERR"
	sed 's/^/--- qemu: /' "$BOOT_ERR"
}

# expect_stderr ERE: QEMU's stderr (BOOT_ERR) had a line matching it.
expect_stderr() {
	grep -aEq -- "$1" "$BOOT_ERR" || fail "QEMU never printed /$1/"
}

# expect_termination SET CODE VAR=value...: boot with those settings; the
# model must log the guest's termination request with that reason set and
# code, and the guest must not reach userland.  QEMU's stderr is kept in
# BOOT_ERR.
expect_termination() {
	local set=$1 code=$2 want seen

	shift 2
	want="guest termination request: reason set $set, reason code $code"
	boot_keep_err "$@"
	seen=$(grep -ao 'guest termination request: reason set [0-9]*, reason code [0-9]*' "$BOOT_ERR" || true)
	refute_console "$MARKER"
	[ -n "$seen" ] || fail "no termination request (boot.sh status $BOOT_RC)"
	[ "$seen" = "$want" ] || fail "$seen, expected: $want"
	# The model names the reason and says, once, what it saw.
	grep -aEq '^qemu-system-x86_64: sev-es: termination reason: [^?]' "$BOOT_ERR" ||
		fail "the model did not decode the reason"
	[ "$(grep -ac "the guest ended; the model's state:" "$BOOT_ERR")" = 1 ] ||
		fail "the model did not print its state once"
}

# hostile_case LIE SET CODE: boot our kernel (or $KERNEL) against the
# model's hostile hypervisor telling LIE; the model must log the guest's
# termination request with that reason set and code, within the timeout.
hostile_case() {
	local lie=$1 set=$2 code=$3

	note "hypervisor lie: $lie; expected: reason set $set, reason code $code"
	expect_termination "$set" "$code" KERNEL="${KERNEL:-ours}" MODE=sev-es SMP=1 \
		TIMEOUT="${TIMEOUT:-90}" CMD=true SEV_OPTS="tcg-hostile=$lie"
}

# hostile_boot LIE VAR=value...: boot our kernel (or $KERNEL) against the
# lie, one vCPU unless told, for lies the guest lives through; QEMU's
# stderr is kept in BOOT_ERR.
hostile_boot() {
	local lie=$1

	shift
	note "hypervisor lie: $lie"
	boot_keep_err KERNEL="${KERNEL:-ours}" MODE=sev-es SMP=1 TIMEOUT="${TIMEOUT:-120}" \
		SEV_OPTS="tcg-hostile=$lie" "$@"
}

# linuxboot_boot KERNEL DIR [SEV_OPTS]: start bzImage KERNEL through the
# 32-bit boot protocol, tests/linuxboot as firmware, on the SEV-ES model
# (one vCPU, 1 GiB).  Console and QEMU's messages go to DIR/console.log,
# the model's trace to DIR/trace.  Returns once the kernel printed its
# command line, or QEMU ended, or after 120 s.
linuxboot_boot() {
	local kernel=$1 dir=$2 opts=${3:-} initrd=$CACHE/initramfs/ours.cpio.gz pid

	mkdir -p "$BUILD/linuxboot"
	make -s -C "$TOP/tests/linuxboot" O="$BUILD/linuxboot" >/dev/null
	"$TOP/tests/linuxboot/bootparams.py" "$kernel" "$dir" 0x40000000 0x10000000 \
		"$(stat -c %s "$initrd")" "console=ttyS0 earlyprintk=serial,ttyS0,115200 panic=-1"
	timeout -k 5 120 "$QEMU" -machine q35,confidential-guest-support=sev0 \
		-accel tcg -cpu "$TCG_CPU" -object "$SEV_GUEST${opts:+,$opts}" -m 1G -smp 1 \
		-nographic -vga none -nic none -L "$QEMU_DATA" \
		-bios "$BUILD/linuxboot/linuxboot.bin" \
		-device loader,file="$dir/kernel.bin",addr=0x100000,force-raw=on \
		-device loader,file="$dir/params.bin",addr=0x7000,force-raw=on \
		-device loader,file="$initrd",addr=0x10000000,force-raw=on \
		-trace sev_es_vmgexit -trace sev_es_msr_protocol -trace sev_es_terminate \
		-D "$dir/trace" >"$dir/console.log" 2>&1 </dev/null &
	pid=$!
	# The kernel prints its command line well after the decompressor is done.
	wait_line "$dir/console.log" 'Kernel command line: ' "$pid" && sleep 1
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
