#!/usr/bin/env bash
# Debian's unmodified OVMF and kernel boot as an SEV-ES guest on the
# model: SEV-ES is reported active, CPU1 goes offline and online
# through AP reset hold and INIT-SIPI, NMI backtraces (NMI_COMPLETE) keep
# the guest alive, virtio-blk DMA through SWIOTLB returns the host's bytes,
# and user-space CPUID returns the model's leaf 0x8000001F.
. "$(dirname "$0")/../lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/sev-es-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
head -c 4M /dev/urandom >"$work/disk.img"
want=$(sha256sum <"$work/disk.img" | cut -d' ' -f1)

# shellcheck disable=SC2016 # expanded by the guest shell
cmd='dmesg | grep "Memory Encryption Features active"
cpu=/sys/devices/system/cpu/cpu1/online
i=0
while [ $i -lt 20 ]; do
	echo 0 >$cpu && echo 1 >$cpu || { echo "hotplug failed at $i"; exit 3; }
	i=$((i + 1))
done
echo "hotplug cycles: $i, online: $(cat /sys/devices/system/cpu/online)"
i=0
while [ $i -lt 20 ]; do
	echo l >/proc/sysrq-trigger
	i=$((i + 1))
done
echo "sysrq-l rounds: $i, cpus online: $(cat /sys/devices/system/cpu/online)"
echo "disk sha256: $(dd if=/dev/vda bs=1M count=4 2>/dev/null | sha256sum)"
cpuid 0x8000001f'

boot KERNEL=debian MODE=sev-es SMP=2 TIMEOUT=600 CMD="$cmd" \
	QEMU_ARGS="$(virtio_disk d0 "$work/disk.img")"
expect_rc 0
expect_console "$MARKER"
expect_console 'Memory Encryption Features active: AMD SEV SEV-ES'
expect_console '^hotplug cycles: 20, online: 0-1'
expect_console 'NMI backtrace for cpu 1'
expect_console '^sysrq-l rounds: 20, cpus online: 0-1'
expect_console "^disk sha256: $want"
# 0x8000001F: EAX bit 1 SEV, bit 3 SEV-ES; EBX[5:0] C-bit 51,
# EBX[11:6] one reduced physical address bit (boot.sh's sev-guest object).
expect_console '^cpuid 0x8000001f.0: eax=0x0000000a ebx=0x00000073 '
refute_console 'Kernel panic|BUG:|WARNING:'
