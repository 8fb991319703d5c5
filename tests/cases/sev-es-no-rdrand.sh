#!/usr/bin/env bash
# A vCPU without RDRAND.  The hypervisor answers CPUID, so it can hide
# RDRAND, and the C-bit checks would then write a value it can predict.
# The guest must refuse to run, GHCB_TERM_NO_RDRAND (set 1, code 0x1f):
# through OVMF (the EFI stub's sev_enable()) and through the 32-bit boot
# protocol (startup_32's C-bit check, before any other).
. "$(dirname "$0")/../lib.sh"

cpu=${CPU:-max,la57=off},rdrand=off
want='guest termination request: reason set 1, reason code 31'
re='guest termination request: reason set [0-9]*, reason code [0-9]*'
work=$(mktemp -d "${TMPDIR:-/tmp}/sev-es-no-rdrand.XXXXXX")
trap 'rm -rf "$work"' EXIT

boot KERNEL=ours MODE=sev-es SMP=1 TIMEOUT="${TIMEOUT:-90}" CMD=true CPU="$cpu" \
	2>"$work/qemu.err"
sed 's/^/--- qemu: /' "$work/qemu.err"
efi=$(grep -ao "$re" "$work/qemu.err" || echo "no termination request")
refute_console "$MARKER"

kernel=${BZIMAGE:-$BUILD/linux-ours/arch/x86/boot/bzImage}
TCG_CPU=$cpu linuxboot_boot "$kernel" "$work"
boot32=$(grep -ao "$re" "$work/console.log" || echo "no termination request")

note "EFI stub: $efi"
note "32-bit boot protocol: $boot32"
[ "$efi" = "$want" ] || fail "EFI stub: $efi, expected: $want"
[ "$boot32" = "$want" ] || fail "32-bit boot protocol: $boot32, expected: $want"
