#!/usr/bin/env bash
# MSR-protocol CPUID answered with GHCBInfo 0x007: a malformed response,
# SEV_TERM_CPUID_RESPONSE (set 1, code 0x11).
. "$(dirname "$0")/../lib.sh"

hostile_case cpuid-code 1 17
