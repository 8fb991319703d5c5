#!/usr/bin/env bash
# Linux 6.1 maps device memory encrypted in one place in an SEV guest: an
# mmap() of /dev/mem (phys_mem_access_prot() maps everything but
# persistent memory encrypted, E820-reserved ranges and MMIO outside the
# E820 map alike).  MMIO through such a mapping cannot be emulated, and
# the in-tree code refuses it to user space; it must not end the guest
# when the kernel touches the mapping for the process either (a system
# call's copy, string IO emulated for it).  tests/guest/src/mmio.c.
. "$(dirname "$0")/../lib.sh"

cmd='mmio devmem-read; mmio devmem-pipe
timeout -s KILL 20 mmio devmem-ins || echo "mmio: devmem-ins: status $?"'

boot KERNEL=ours MODE=sev-es SMP=1 MEM=3G TIMEOUT=180 CMD="$cmd"
expect_rc 0
expect_console '^mmio: devmem-read: Bus error'
expect_console '^mmio: devmem-pipe: pipe: Bad address'
expect_console '^mmio: devmem-ins: Bus error'
refute_console 'Kernel panic|BUG:|WARNING:|Oops'
