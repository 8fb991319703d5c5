#!/usr/bin/env bash
# GHCB CPUID answered "raise an NMI": a hypervisor may only ask for #GP
# or #UD, SEV_TERM_GHCB_INJECT (set 1, code 0x1a).
. "$(dirname "$0")/../lib.sh"

hostile_case ghcb-inject 1 26
