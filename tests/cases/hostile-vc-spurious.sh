#!/usr/bin/env bash
# After user mode's first #VC, one kernel #VC with the exit code of
# another instruction (RDTSC, or CPUID for RDTSC): the guest finds it
# does not match the instruction, SEV_TERM_VC_MISMATCH (set 1, code 0x16).
. "$(dirname "$0")/../lib.sh"

hostile_case vc-spurious 1 22
