#!/usr/bin/env bash
# Our kernel boots to userland under plain TCG with 2 CPUs.
. "$(dirname "$0")/../lib.sh"

# shellcheck disable=SC2016 # expanded by the guest shell
boot KERNEL=ours MODE=plain SMP=2 TIMEOUT=240 CMD='echo "cpus online: $(cat /sys/devices/system/cpu/online)"'
expect_rc 0
expect_console "$MARKER"
expect_console '^cpus online: 0-1'
