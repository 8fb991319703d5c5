#!/usr/bin/env bash
# Our kernel boots as an SEV-ES guest on the model, with 1 and 2 CPUs,
# and reports SEV-ES active (issue #5; today with the in-tree SEV code,
# the baseline our series replaces).
. "$(dirname "$0")/../lib.sh"

online=([1]='^cpus online: 0[^-]*$' [2]='^cpus online: 0-1')
for smp in 1 2; do
	# shellcheck disable=SC2016 # expanded by the guest shell
	boot KERNEL=ours MODE=sev-es SMP=$smp TIMEOUT=300 \
		CMD='dmesg | grep "Memory Encryption Features active"; echo "cpus online: $(cat /sys/devices/system/cpu/online)"'
	expect_rc 0
	expect_console "$MARKER"
	expect_console 'Memory Encryption Features active: AMD SEV SEV-ES'
	expect_console "${online[$smp]}"
done
