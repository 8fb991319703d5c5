#!/usr/bin/env bash
# A far return and an IRET in user mode pop the user stack with user
# privilege.  QEMU 7.2's TCG popped with supervisor privilege: with SMAP
# on, the guest kernel got a supervisor #PF at a user RIP and oopsed.
. "$(dirname "$0")/../lib.sh"

boot KERNEL=ours MODE=plain SMP=1 TIMEOUT=120 CMD=farret
expect_rc 0
expect_console '^farret: lretq ok'
expect_console '^farret: iretq ok'
refute_console 'Oops|BUG:|supervisor read access in user mode'
