#!/usr/bin/env bash
# C-bit position 63, the NX bit: refused as no possible C-bit,
# SEV_TERM_CBIT_RANGE (set 1, code 0x12).
. "$(dirname "$0")/../lib.sh"

hostile_case cbit-63 1 18
