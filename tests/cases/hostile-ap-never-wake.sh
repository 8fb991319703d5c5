#!/usr/bin/env bash
# Once the OS runs, SIPIs to a vCPU in AP reset hold are dropped: CPU 1,
# taken offline, parks in the hold and never comes back.  Bringing it
# online fails after the kernel's timeout, with its message, and the
# guest goes on with one CPU.
. "$(dirname "$0")/../lib.sh"

cpu1=/sys/devices/system/cpu/cpu1/online
hostile_boot ap-never-wake SMP=2 CMD="echo 0 >$cpu1; echo \"offline: \$?\"
echo 1 >$cpu1; echo \"online: \$?\"
echo \"cpus online: \$(cat /sys/devices/system/cpu/online)\""
expect_rc 0
expect_console '^offline: 0'
expect_console 'do_boot_cpu failed\(-1\) to wakeup CPU#1'
expect_console '^online: 1'
expect_console '^cpus online: 0[[:space:]]*$'
refute_console 'WARNING:|BUG:|Oops|Kernel panic'
