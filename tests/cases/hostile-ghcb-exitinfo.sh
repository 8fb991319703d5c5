#!/usr/bin/env bash
# GHCB CPUID answered with sw_exit_info_1 3, a result the GHCB spec does
# not define: SEV_TERM_GHCB_RESPONSE (set 1, code 0x17).
. "$(dirname "$0")/../lib.sh"

hostile_case ghcb-exitinfo 1 23
