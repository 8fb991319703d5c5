# shellcheck shell=bash
# Helpers for tests/cases: boot a guest, assert on what it printed.
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
. "$TOP/tests/manifest.sh"

fail() { echo "FAIL: $*" >&2; exit 1; }
# skip REASON: the test cannot run here; tests/run.sh reports it skipped
# (exit status 77, as automake's test drivers take it).
skip() { echo "SKIP: $*"; exit 77; }
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

# require_mode MODE: skip the test where MODE cannot run (kvm-sev-es
# without SEV-ES in kvm_amd).
require_mode() {
	local missing
	missing=$(mode_missing "$1")
	[ -z "$missing" ] || skip "$missing"
}

# refute_stderr ERE: QEMU's stderr (BOOT_ERR) had no line matching it.
refute_stderr() {
	! grep -aEq -- "$1" "$BOOT_ERR" || fail "QEMU printed /$1/"
}

# expect_reason SET CODE [TEXT]: after boot_keep_err, the model logged
# the guest's termination request with that reason set and code (in hex
# or decimal), named it (as TEXT, when given) and printed its state
# once; the guest never reached userland.
expect_reason() {
	refute_console "$MARKER"
	expect_reason_any_time "$@"
}

# expect_reason_any_time SET CODE [TEXT]: expect_reason, whether or not
# userland ran first.
expect_reason_any_time() {
	local want seen text=${3:-}

	want=$(printf '0x%x 0x%x' "$(($1))" "$(($2))")
	seen=$(termination_seen "$BOOT_ERR") ||
		fail "no termination request (boot.sh status $BOOT_RC)"
	# shellcheck disable=SC2086 # "SET CODE", two words
	[ "$seen" = "$want" ] || fail "$(reason_hex $seen), expected: $(reason_hex $want)"
	# The model names the reason and says, once, what it saw.
	if [ -n "$text" ]; then
		grep -aFxq "qemu-system-x86_64: sev-es: termination reason: $text" "$BOOT_ERR" ||
			fail "the model did not decode the reason as '$text'"
	else
		grep -aEq '^qemu-system-x86_64: sev-es: termination reason: [^?]' "$BOOT_ERR" ||
			fail "the model did not decode the reason"
	fi
	[ "$(grep -ac "the guest ended; the model's state:" "$BOOT_ERR")" = 1 ] ||
		fail "the model did not print its state once"
}

# expect_termination SET CODE VAR=value...: boot with those settings, then
# expect_reason SET CODE.  QEMU's stderr is kept in BOOT_ERR.
expect_termination() {
	local set=$1 code=$2

	shift 2
	boot_keep_err "$@"
	expect_reason "$set" "$code"
}

# linuxboot_boot KERNEL DIR [SEV_OPTS]: start bzImage KERNEL through the
# 32-bit boot protocol, tests/linuxboot as firmware, on the SEV-ES model
# (one vCPU, 1 GiB).  Console and QEMU's messages go to DIR/console.log,
# the model's trace to DIR/trace.  Returns once the kernel printed its
# command line, or QEMU ended, or after 120 s.
linuxboot_boot() {
	local kernel=$1 dir=$2 initrd=$CACHE/initramfs/ours.cpio.gz pid
	local SEV_OPTS=${3:-}

	mkdir -p "$BUILD/linuxboot"
	make -s -C "$TOP/tests/linuxboot" O="$BUILD/linuxboot" >/dev/null
	"$TOP/tests/linuxboot/bootparams.py" "$kernel" "$dir" 0x40000000 0x10000000 \
		"$(stat -c %s "$initrd")" "console=ttyS0 earlyprintk=serial,ttyS0,115200 panic=-1"
	qemu_cmdline sev-es 1 1G
	timeout -k 5 120 "${QEMU_CMD[@]}" -nic none \
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

# kexec_initrd BZIMAGE BASE OUT: initramfs BASE plus the kernel as
# /boot/bzImage and kexec (Debian's kexec-tools, static) in /bin.
kexec_initrd() {
	local dir
	dir=$(mktemp -d "${TMPDIR:-/tmp}/sev-es-kexec.XXXXXX")
	mkdir -p "$dir/boot" "$dir/bin"
	cp "$1" "$dir/boot/bzImage"
	cp "$("$TOP/scripts/kexec-tools.sh")" "$dir/bin/kexec"
	"$TOP/scripts/initramfs.sh" add "$2" "$dir/boot" /boot "$dir/boot.cpio.gz" >/dev/null
	"$TOP/scripts/initramfs.sh" add "$dir/boot.cpio.gz" "$dir/bin" /bin "$3" >/dev/null
	rm -rf "$dir"
}
