#!/usr/bin/env bash
# String IN and MMIO reads answered with 2048 bytes, more than the
# shared buffer holds and than was asked for: SEV_TERM_GHCB_SIZE (set 1,
# code 0x1c).
. "$(dirname "$0")/../lib.sh"

hostile_case ghcb-oversize 1 28
