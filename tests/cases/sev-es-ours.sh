#!/usr/bin/env bash
# Our kernel, with our early SEV-ES code, boots as an SEV-ES guest on the
# model: it reaches userland, reports SEV-ES active and brings all CPUs
# online.  SMPS='1 2 4' picks the vCPU counts (default: 1 and 2).
. "$(dirname "$0")/../lib.sh"

online=([1]='^cpus online: 0\s*$' [2]='^cpus online: 0-1\s*$' [4]='^cpus online: 0-3\s*$')
for smp in ${SMPS:-1 2}; do
	# shellcheck disable=SC2016 # expanded by the guest shell
	boot KERNEL=ours MODE=sev-es SMP="$smp" TIMEOUT=300 \
		CMD='dmesg | grep "Memory Encryption Features active"; echo "cpus online: $(cat /sys/devices/system/cpu/online)"'
	expect_rc 0
	expect_console "$MARKER"
	expect_console 'Memory Encryption Features active: AMD SEV SEV-ES'
	expect_console "${online[$smp]}"
done
