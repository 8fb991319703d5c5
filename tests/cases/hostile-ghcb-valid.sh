#!/usr/bin/env bash
# GHCB CPUID answered without RBX marked valid: an answer missing an
# output, SEV_TERM_GHCB_VALID (set 1, code 0x1b).
. "$(dirname "$0")/../lib.sh"

hostile_case ghcb-valid 1 27
