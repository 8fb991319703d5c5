#!/usr/bin/env bash
# User-space port IO on our kernel under SEV-ES: the #VC handler emulates
# it, so it must apply the checks the CPU would have (CVE-2023-46813):
# no I/O permission is #GP, and a string IO whose buffer is kernel memory
# faults like any user access to it, in both directions.  Afterwards the
# kernel still works (the function whose address was used still runs).
. "$(dirname "$0")/../lib.sh"

# shellcheck disable=SC2016 # expanded by the guest shell
cmd='echo 0 >/proc/sys/kernel/kptr_restrict
addr=$(grep " __x64_sys_getpid$" /proc/kallsyms | cut -d" " -f1)
echo "target: $addr"
ioport ok; ioport perm; ioport ins "$addr"; ioport outs "$addr"
echo "getpid still works: $(sh -c "echo \$\$" >/dev/null && echo yes)"'

boot KERNEL=ours MODE=sev-es SMP=1 TIMEOUT=120 CMD="$cmd"
expect_rc 0
expect_console "$MARKER"
expect_console '^target: ffffffff[0-9a-f]{8}'
addr=$(grep -ao "target: [0-9a-f]*" "$BOOT_LOG" | head -1 | sed "s/target: //")
# Status D reads 0x80 (valid RAM and time).
expect_console '^ioport: ok: rtc status d 0x80'
expect_console '^ioport: perm: SIGSEGV'
expect_console "^ioport: ins: SIGSEGV at 0x$addr"
expect_console "^ioport: outs: SIGSEGV at 0x$addr"
expect_console '^getpid still works: yes'
refute_console 'Kernel panic|BUG:|WARNING:|Oops|no fault'
