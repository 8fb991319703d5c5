#!/usr/bin/env bash
# CPUID 0x8000001f without the SEV-ES bit, while SEV_STATUS says SEV-ES
# is active: SEV_TERM_CPUID_NO_SEV (set 1, code 0x19).
. "$(dirname "$0")/../lib.sh"

hostile_case cpuid-no-sev-es 1 25
