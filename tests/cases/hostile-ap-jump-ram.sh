#!/usr/bin/env bash
# The AP jump table answered at 16 MiB, in the kernel's own RAM: writing
# the trampoline's address there would corrupt the kernel.  The guest
# refuses the table and panics, cleanly, before any AP starts.
. "$(dirname "$0")/../lib.sh"

note "hypervisor lie: ap-jump-ram"
boot KERNEL="${KERNEL:-ours}" MODE=sev-es SMP=2 TIMEOUT=90 CMD=true \
	SEV_OPTS=tcg-hostile=ap-jump-ram
expect_console 'SEV-ES: AP jump table at 0x1000000: not firmware memory'
expect_console 'Kernel panic - not syncing: Failed to get/update SEV-ES AP Jump Table'
refute_console "$MARKER"
