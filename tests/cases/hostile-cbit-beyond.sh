#!/usr/bin/env bash
# C-bit position 56, beyond the physical-address field: refused as no
# possible C-bit, SEV_TERM_CBIT_RANGE (set 1, code 0x12).
. "$(dirname "$0")/../lib.sh"

hostile_case cbit-beyond 1 18
