#!/usr/bin/env bash
# Our kernel as an SEV-ES guest of real hardware (MODE=kvm-sev-es: KVM on
# an AMD EPYC host with SEV-ES in kvm_amd), the same command line as on
# the model: it reaches userland, reports SEV-ES active and brings both
# CPUs online.  Skipped on hosts without SEV-ES.
. "$(dirname "$0")/../lib.sh"

require_mode kvm-sev-es
# shellcheck disable=SC2016 # expanded by the guest shell
boot KERNEL=ours MODE=kvm-sev-es SMP=2 TIMEOUT=300 \
	CMD='dmesg | grep "Memory Encryption Features active"; echo "cpus online: $(cat /sys/devices/system/cpu/online)"'
expect_rc 0
expect_console "$MARKER"
expect_console 'Memory Encryption Features active: AMD SEV SEV-ES'
expect_console '^cpus online: 0-1\s*$'
