#!/usr/bin/env bash
# SEV information that changes after its first answer (C-bit 47 from the
# second request on, CPUID still 51): the stage that asks again finds
# the two answers disagree, SEV_TERM_CBIT_MISMATCH (set 1, code 0x13).
. "$(dirname "$0")/../lib.sh"

hostile_case sev-info-change 1 19
