#!/usr/bin/env bash
# Device memory on either side of a copy the SEV-ES kernel makes for user
# space (tests/guest/src/mmio.c): its #VC handler emulates a MOVS or a
# string IO instruction one element at a time, and must reach user memory
# as user memory and never with a string instruction of its own (which
# would take a #VC of its own on the device).  The vCPU is one without
# ERMS, like EPYC Rome: the kernel's user copies then use REP MOVS at
# any length.
. "$(dirname "$0")/../lib.sh"

# shellcheck disable=SC2016 # expanded by the guest shell
cmd='mmio devmem-write; mmio pipe-from
timeout -s KILL 20 mmio outs || echo "mmio: outs: status $?"
mmio pipe-to; mmio ins'

boot KERNEL=ours MODE=sev-es SMP=1 MEM=3G TIMEOUT=180 CPU=max,la57=off,erms=off CMD="$cmd"
expect_rc 0
expect_console '^mmio: devmem-write: clb 0x11'
expect_console '^mmio: pipe-from: read 0x22'
expect_console '^mmio: outs: cmos 0x44'
expect_console '^mmio: pipe-to: clb 0x33'
expect_console '^mmio: ins: clb 0x55'
refute_console 'Kernel panic|BUG:|WARNING:|Oops'
