#!/usr/bin/env bash
# A guest kernel panic is a failure, reported within the timeout.
. "$(dirname "$0")/../lib.sh"

boot KERNEL=ours MODE=plain SMP=2 TIMEOUT=240 CMD='echo c > /proc/sysrq-trigger'
expect_console "$MARKER"
expect_console 'Kernel panic'
refute_console '^SEV-ES-GUEST: exit status'
expect_rc 125
