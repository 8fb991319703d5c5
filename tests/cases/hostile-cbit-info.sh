#!/usr/bin/env bash
# SEV information says C-bit 47, CPUID says 51: the hypervisor's two
# answers disagree, SEV_TERM_CBIT_MISMATCH (set 1, code 0x13).
. "$(dirname "$0")/../lib.sh"

hostile_case cbit-info 1 19
