#!/usr/bin/env bash
# MSR-protocol CPUID answers with the right code and register but the
# value of the previous request for that register: the first the guest
# relies on is leaf 1 ECX, which then lacks RDRAND, SEV_TERM_NO_RDRAND
# (set 1, code 0x1f).
. "$(dirname "$0")/../lib.sh"

hostile_case msr-stale 1 31
