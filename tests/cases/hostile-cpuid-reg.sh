#!/usr/bin/env bash
# MSR-protocol CPUID answered for the wrong register: a malformed
# response, SEV_TERM_CPUID_RESPONSE (set 1, code 0x11).
. "$(dirname "$0")/../lib.sh"

hostile_case cpuid-reg 1 17
