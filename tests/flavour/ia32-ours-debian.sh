#!/usr/bin/env bash
# 32-bit emulation in an SEV-ES guest: off by default, since a hypervisor
# can inject the events the 32-bit entry points take (CVE-2024-25744);
# ia32_emulation=on brings it back.  Our series on Debian's config
# (IA32_EMULATION=y) runs a static 32-bit program that asks CPUID (a #VC
# in compatibility mode) as a plain guest; as an SEV-ES guest it is
# refused with the kernel's message, and runs once ia32_emulation=on.
. "$(dirname "$0")/../lib.sh"

[ -f "$BUILD/linux-debian/arch/x86/boot/bzImage" ] ||
	fail "no debian flavour kernel (make kernel FLAVOUR=debian)"
cmd='cpuid32; echo "cpuid32: exit $?"; dmesg | grep "32-bit program refused"'

boot KERNEL=ours-debian MODE=plain SMP=1 TIMEOUT=300 CMD="$cmd"
expect_console '^cpuid32 0x8000001f: '
expect_console '^cpuid32: exit 0'
note "plain: $(grep -a '^cpuid32 0x' "$BOOT_LOG" | tr -d '\r')"

boot KERNEL=ours-debian MODE=sev-es SMP=1 TIMEOUT=300 CMD="$cmd"
expect_console '32-bit program refused: 32-bit emulation is off \(ia32_emulation=on turns it on\)'
refute_console '^cpuid32 0x8000001f: |^cpuid32: exit 0'
note "sev-es: $(grep -a '32-bit program refused' "$BOOT_LOG" | head -1 | tr -d '\r')"

boot KERNEL=ours-debian MODE=sev-es SMP=1 TIMEOUT=300 APPEND=ia32_emulation=on CMD="$cmd"
expect_console '^cpuid32 0x8000001f: eax=0x0000000a ebx=0x00000073'
expect_console '^cpuid32: exit 0'
note "sev-es, ia32_emulation=on: $(grep -a '^cpuid32 0x' "$BOOT_LOG" | tr -d '\r')"
