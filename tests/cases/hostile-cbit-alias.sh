#!/usr/bin/env bash
# An adaptive hypervisor: C-bit 39, an address bit; a plain page appears
# at each GPA with it, and the page without it is scribbled on, as at the
# nested page fault of the probe's write.  The write reads back and the
# shared view changes without showing it; only the page-table walk
# through the test page, private whatever the C-bit, finds the PTE
# missing: SEV_TERM_CBIT_PROBE (set 1, code 0x14).
. "$(dirname "$0")/../lib.sh"

hostile_case cbit-alias 1 20
