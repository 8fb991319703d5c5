#!/usr/bin/env bash
# C-bit position 47 where the model encrypts with 51: plausible, so only
# the memory probe can catch it, SEV_TERM_CBIT_PROBE (set 1, code 0x14).
. "$(dirname "$0")/../lib.sh"

hostile_case cbit-wrong 1 20
