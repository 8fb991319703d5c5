#!/usr/bin/env bash
# A #VC for an intercepted #DB (exit 0x41) in kernel mode, with interrupts
# on, after user space ran: the kernel's #DB path handles it (a #DB with
# no cause is ignored); the user #DB path would run on kernel registers.
# The guest goes on, without a warning.
. "$(dirname "$0")/../lib.sh"

hostile_boot vc-db-kernel CMD='cpuid 0 0 1; echo "after: ok"'
expect_stderr 'hostile: #VC\(#DB\) at RIP 0xffff'
expect_rc 0
expect_console '^after: ok'
refute_console 'WARNING:|BUG:|Oops|Kernel panic'
