#!/usr/bin/env bash
# Our kernel through the 32-bit boot protocol on the SEV-ES model, with
# tests/linuxboot as firmware: OVMF only ever enters through the EFI
# stub, so this is what runs the decompressor's own SEV-ES code.  It must
# get from startup_32 (get_sev_encryption_bit, the 32-bit #VC handler,
# the C-bit check) through startup_64 (stage 1 #VC, sev_enable) and the
# stage 2 GHCB handler (port IO of earlyprintk, CPUID) into the kernel.
#
# Without firmware nobody enables the MTRRs, so the kernel later stops
# at its PAT check; this test is about the way in.
. "$(dirname "$0")/../lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/sev-es-bootproto.XXXXXX")
trap 'rm -rf "$work"' EXIT
kernel=${BZIMAGE:-$BUILD/linux-ours/arch/x86/boot/bzImage}
linuxboot_boot "$kernel" "$work"
BOOT_LOG=$work/console.log trace=$work/trace
head -n 5 "$BOOT_LOG"

# The decompressor's exits: everything before the kernel's own (third)
# SEV information request.
decomp=$(awk '/request 0x2 /{ if (++n == 3) exit } { print }' "$trace")
ioio=$(grep -c 'VMGEXIT exit code 0x7b ' <<<"$decomp" || true)
cpuid=$(grep -c 'VMGEXIT exit code 0x72 ' <<<"$decomp" || true)
negotiations=$(grep -c 'request 0x2 ' "$trace" || true)
note "decompressor: $ioio IOIO and $cpuid CPUID exits through its GHCB; $negotiations negotiations in all"

grep -q 'termination request' "$trace" && fail "the guest asked to be terminated: $(grep 'termination' "$trace")"
[ "$negotiations" -ge 3 ] || fail "not every stage negotiated (startup_32, startup_64, kernel)"
[ "$ioio" -gt 0 ] || fail "stage 2 #VC handled no port IO through the GHCB"
[ "$cpuid" -gt 0 ] || fail "stage 2 #VC handled no CPUID through the GHCB"
expect_console '^\[ *0\.0+\] Linux version '
expect_console 'RAMDISK: \[mem 0x10000000-'
expect_console 'Kernel command line: console=ttyS0 earlyprintk'
