#!/usr/bin/env bash
# GHCB CPUID answered with a #VC for the guest to raise (sw_exit_info_1 1,
# vector 29): only #GP and #UD may be injected that way,
# SEV_TERM_GHCB_INJECT (set 1, code 0x1a).
. "$(dirname "$0")/../lib.sh"

hostile_case ghcb-inject-vc 1 26
