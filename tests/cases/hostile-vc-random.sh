#!/usr/bin/env bash
# From the OS's first GHCB on, every 2 ms of guest time, a #VC with a
# random exit code (CPUID, IOIO, MSR, RDTSC, ...: none with a memory
# operand) at the next kernel instruction that runs with interrupts on.
# The first that does not match its instruction ends the guest,
# SEV_TERM_VC_MISMATCH (set 1, code 0x16).
. "$(dirname "$0")/../lib.sh"

hostile_case vc-random 1 22
expect_stderr 'hostile: #VC 0x[0-9a-f]+ at RIP 0xffff'
