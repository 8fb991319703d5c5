#!/usr/bin/env bash
# CPUID from 16-bit user code (a 16-bit code segment in the LDT): the #VC
# handler must not decode it as 32-bit code, nor take the LDT's sleeping
# lock for the segment's base; the task gets SIGBUS.  Without SEV-ES the
# same program runs the CPUID and then its UD2 (SIGILL): the control.
. "$(dirname "$0")/../lib.sh"

boot KERNEL=ours MODE=plain SMP=1 TIMEOUT=120 CMD=seg16
expect_rc 0
expect_console '^seg16: SIGILL'

boot KERNEL=ours MODE=sev-es SMP=1 TIMEOUT=120 CMD=seg16
expect_rc 0
expect_console '^seg16: SIGBUS'
refute_console 'WARNING:|BUG:|Oops|Kernel panic'
