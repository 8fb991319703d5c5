#!/usr/bin/env bash
# A port IN answered as if it were an OUT: RAX, the data, not marked valid
# in the GHCB's bitmap.  The guest must not take RAX as the value read:
# SEV_TERM_GHCB_VALID (set 1, code 0x1b).
. "$(dirname "$0")/../lib.sh"

hostile_case ioio-dir 1 27
