#!/usr/bin/env bash
# A failing CMD is reported as a failure carrying the guest's status.
. "$(dirname "$0")/../lib.sh"

boot KERNEL=ours MODE=plain SMP=1 TIMEOUT=240 CMD='false'
expect_console "$MARKER"
expect_console '^SEV-ES-GUEST: exit status 1'
expect_rc 1

boot KERNEL=ours MODE=plain SMP=1 TIMEOUT=240 CMD='exit 7'
expect_rc 7
