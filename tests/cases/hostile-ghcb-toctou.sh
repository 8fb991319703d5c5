#!/usr/bin/env bash
# sw_exit_info_2 of every string IN and MMIO read answer flips between
# the honest value and 2048 at each instruction after the VMGEXIT, as a
# hypervisor rewriting the page while the guest reads it.  The guest
# reads each field once and checks what it read: the value it saw was
# 2048, SEV_TERM_GHCB_SIZE (set 1, code 0x1c); no oops, no use of a
# value it did not check.
. "$(dirname "$0")/../lib.sh"

hostile_case ghcb-toctou 1 28
refute_console 'BUG:|Oops|general protection'
