#!/usr/bin/env bash
# Our kernel boots as an SEV-ES guest on the model and reports SEV-ES
# active (issue #5; today with the in-tree SEV code, the baseline our
# series replaces).  SMP=2 joins once a rare early-boot panic is
# understood (one in about six boots: an IRQ's EOI write faults on the
# APIC fixmap at 0.006 s); see Documentation/model.md.  SMPS='1 2'
# runs both.
. "$(dirname "$0")/../lib.sh"

online=([1]='^cpus online: 0[^-]*$' [2]='^cpus online: 0-1')
for smp in ${SMPS:-1}; do
	# shellcheck disable=SC2016 # expanded by the guest shell
	boot KERNEL=ours MODE=sev-es SMP="$smp" TIMEOUT=300 \
		CMD='dmesg | grep "Memory Encryption Features active"; echo "cpus online: $(cat /sys/devices/system/cpu/online)"'
	expect_rc 0
	expect_console "$MARKER"
	expect_console 'Memory Encryption Features active: AMD SEV SEV-ES'
	expect_console "${online[$smp]}"
done
