#!/usr/bin/env bash
# CPUID without RDRAND, which the C-bit checks need for a value the
# hypervisor cannot predict: SEV_TERM_NO_RDRAND (set 1, code 0x1f), no
# fallback to the TSC.
. "$(dirname "$0")/../lib.sh"

hostile_case cpuid-rdrand 1 31
