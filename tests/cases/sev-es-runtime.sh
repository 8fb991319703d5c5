#!/usr/bin/env bash
# Our kernel's SEV-ES runtime under load, SMP=4 on the model:
# every AP offline and online again, 200 rounds (AP reset hold, INIT-SIPI);
# 100 NMI backtraces while every CPU runs a user-space CPUID loop (#VC,
# NMI inside #VC, NMI_COMPLETE; leaf 0x8000001E, which the CPUID cache
# never holds, so each is a VMGEXIT on the GHCB the NMI's #VCs must save
# and restore), then one more that every CPU answers;
# 64 MiB copied from one virtio-blk disk to another and read back
# (SWIOTLB in shared memory), checked against the host's sha256 of the
# data and of the disk afterwards; user-space CPUID and RDTSCP; kernel
# port IO through /dev/port (the RTC's status D).
. "$(dirname "$0")/../lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/sev-es-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
head -c 64M /dev/urandom >"$work/src.img"
truncate -s 64M "$work/dst.img"
want=$(sha256sum <"$work/src.img" | cut -d' ' -f1)

# shellcheck disable=SC2016 # expanded by the guest shell
cmd='dmesg | grep "Memory Encryption Features active"
aps="1 2 3" i=0
while [ $i -lt 200 ]; do
	for c in $aps; do echo 0 >/sys/devices/system/cpu/cpu$c/online || { echo "offline cpu$c failed in round $i"; exit 3; }; done
	for c in $aps; do echo 1 >/sys/devices/system/cpu/cpu$c/online || { echo "online cpu$c failed in round $i"; exit 3; }; done
	i=$((i + 1))
done
echo "hotplug rounds: $i, online: $(cat /sys/devices/system/cpu/online)"
dmesg -n 1
pids=
for c in 0 1 2 3; do taskset -c $c cpuid 0x8000001e 0 1000000000 >/dev/null & pids="$pids $!"; done
i=0
while [ $i -lt 100 ]; do echo l >/proc/sysrq-trigger; i=$((i + 1)); done
dmesg -c >/dev/null
echo l >/proc/sysrq-trigger
kill $pids; wait
echo "sysrq-l rounds: $i, then backtraces from cpus: $(dmesg | grep -o "NMI backtrace for cpu [0-9]*" | sed "s/.* //" | sort -u | tr "\n" " ")"
dmesg -n 7
dd if=/dev/vda of=/dev/vdb bs=1M count=64 2>/dev/null && sync
echo 3 >/proc/sys/vm/drop_caches
echo "readback sha256: $(dd if=/dev/vdb bs=1M count=64 2>/dev/null | sha256sum)"
cpuid 0x8000001f
for c in 0 1 2 3; do taskset -c $c rdtscp 100000; done
printf "\015" | dd of=/dev/port bs=1 seek=112 count=1 2>/dev/null
echo "rtc status d: $(dd if=/dev/port bs=1 skip=113 count=1 2>/dev/null | od -An -tx1)"'

boot KERNEL=ours MODE=sev-es SMP=4 TIMEOUT=300 CMD="$cmd" \
	QEMU_ARGS="$(virtio_disk d0 "$work/src.img") $(virtio_disk d1 "$work/dst.img")"
expect_rc 0
expect_console "$MARKER"
expect_console 'Memory Encryption Features active: AMD SEV SEV-ES'
expect_console '^hotplug rounds: 200, online: 0-3'
expect_console '^sysrq-l rounds: 100, then backtraces from cpus: 0 1 2 3\s*$'
expect_console "^readback sha256: $want"
got=$(sha256sum <"$work/dst.img" | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "the disk holds $got after the guest wrote $want"
# 0x8000001F: SEV, SEV-ES; C-bit 51, one reduced physical address bit.
expect_console '^cpuid 0x8000001f.0: eax=0x0000000a ebx=0x00000073 '
for c in 0 1 2 3; do expect_console "^rdtscp: cpu $c node 0, backwards 0 of 100000"; done
# Status D: bit 7, valid RAM and time.
expect_console '^rtc status d:  80'
refute_console 'Kernel panic|BUG:|WARNING:|Oops'
