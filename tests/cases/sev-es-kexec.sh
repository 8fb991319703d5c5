#!/usr/bin/env bash
# kexec of an SEV-ES guest.  The hypervisor cannot set an SEV-ES vCPU's
# registers, so the next kernel can only start APs that left this one
# for the parking code in the AP jump table's page (park.c); they wait
# there in an MSR protocol AP reset hold.  Our kernel kexecs into itself
# five times with four CPUs, and each kernel has all four online; then
# with CPUs 2 and 3 offline before each kexec; then under KVM 6.1's
# GHCB protocol 1, without the MSR protocol's hold, where kexec is
# refused with the reason; and with a hypervisor that never runs an AP
# again once it leaves long mode (ap-no-park), where the boot CPU asks
# for termination.  (Debian's 6.1 loses every AP at the first kexec:
# "do_boot_cpu failed(-1) to wakeup CPU#1".)
. "$(dirname "$0")/../lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/sev-es-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
bz=$BUILD/linux-ours/arch/x86/boot/bzImage
kexec_initrd "$bz" "$CACHE/initramfs/ours.cpio.gz" "$work/kexec.cpio.gz"
rounds=$(cat "$TOP/tests/guest/kexec/rounds.sh")

boot KERNEL="$bz" INITRD="$work/kexec.cpio.gz" MODE=sev-es SMP=4 TIMEOUT=600 \
	CMD="KEXEC_ROUNDS=5 KEXEC_OFFLINE=
$rounds"
expect_rc 0
for n in 0 1 2 3 4 5; do
	expect_console "^kexec round $n: cpus online: 0-3[[:space:]]*$"
done
expect_console 'SEV-ES: APs park at 0x[0-9a-f]+: kexec can start them'
refute_console 'Oops|BUG:|WARNING:|Kernel panic|failed.*to wakeup'
note "$(grep -ac 'kexec_core: Starting new kernel' "$BOOT_LOG") kexecs: $(grep -a '^kexec round' "$BOOT_LOG" | tr -d '\r' | paste -sd ';')"

boot KERNEL="$bz" INITRD="$work/kexec.cpio.gz" MODE=sev-es SMP=4 TIMEOUT=300 \
	CMD="KEXEC_ROUNDS=2 KEXEC_OFFLINE='2 3'
$rounds"
expect_rc 0
for n in 0 1; do
	expect_console "^kexec round $n: offline before kexec: cpus online: 0-1[[:space:]]*$"
done
for n in 0 1 2; do
	expect_console "^kexec round $n: cpus online: 0-3[[:space:]]*$"
done
refute_console 'Oops|BUG:|WARNING:|Kernel panic|failed.*to wakeup'
note "with CPUs 2-3 offline: $(grep -a '^kexec round' "$BOOT_LOG" | tr -d '\r' | paste -sd ';')"

boot KERNEL="$bz" INITRD="$work/kexec.cpio.gz" MODE=sev-es SMP=2 TIMEOUT=120 \
	SEV_OPTS=tcg-kvm=6.1 CMD="KEXEC_ROUNDS=1 KEXEC_OFFLINE=
$rounds"
expect_rc 1
expect_console 'kexec: the next kernel could not start the APs: GHCB protocol 1 has no AP reset hold in the MSR protocol'
refute_console 'kexec_core: Starting new kernel'
note "KVM 6.1: $(grep -a 'could not start the APs' "$BOOT_LOG" | tr -d '\r')"

# A hypervisor that never runs an AP again once it leaves long mode: the
# boot CPU waits for it to park, then asks for termination.
boot_keep_err KERNEL="$bz" INITRD="$work/kexec.cpio.gz" MODE=sev-es SMP=2 TIMEOUT=120 \
	SEV_OPTS=tcg-hostile=ap-no-park CMD="KEXEC_ROUNDS=1 KEXEC_OFFLINE=
$rounds"
expect_console 'kexec: CPU 1 did not park'
expect_reason_any_time 0x1 0x21 'an AP did not park for kexec'
note "an AP that never parks: $(grep -a 'did not park' "$BOOT_LOG" | tr -d '\r')"
