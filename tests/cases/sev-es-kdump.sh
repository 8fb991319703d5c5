#!/usr/bin/env bash
# kdump of an SEV-ES guest: our kernel, with crashkernel=, loads itself
# as the crash kernel and crashes (sysrq-c); the capture kernel boots on
# the crashing CPU alone and reads the old kernel's memory through
# /proc/vmcore, an ELF64 core whose contents are the old kernel's
# plaintext (its panic message).
. "$(dirname "$0")/../lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/sev-es-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
bz=$BUILD/linux-ours/arch/x86/boot/bzImage
kexec_initrd "$bz" "$CACHE/initramfs/ours.cpio.gz" "$work/kexec.cpio.gz"

boot KERNEL="$bz" INITRD="$work/kexec.cpio.gz" MODE=sev-es SMP=2 TIMEOUT=300 \
	APPEND=crashkernel=128M CMD="$(cat "$TOP/tests/guest/kexec/kdump.sh")"
expect_rc 0
expect_console '^kdump: crash kernel loaded: 1'
expect_console 'Kernel panic - not syncing: sysrq triggered crash'
expect_console '^kdump: capture kernel: /proc/vmcore [1-9][0-9]* bytes, ELF ident 7f454c4602'
expect_console "^kdump: the old kernel's panic message is in /proc/vmcore"
refute_console 'still alive after sysrq-c'
note "$(grep -a '^kdump:' "$BOOT_LOG" | tr -d '\r' | paste -sd ';')"
