#!/usr/bin/env bash
# A data breakpoint on MOV SS's own operand: the CPU holds the #DB over
# the MOV SS shadow, so it arrives after the next instruction.  QEMU
# 7.2's TCG delivered it right after the MOV SS.  Under SEV-ES the
# hypervisor cannot set DR7 (no DebugSwap in KVM 6.1): no #DB at all.
. "$(dirname "$0")/../lib.sh"

boot KERNEL=ours MODE=plain SMP=1 TIMEOUT=120 CMD=movss
expect_rc 0
expect_console '^movss: #DB after the instruction that follows MOV SS'
refute_console 'Oops|BUG:'

boot KERNEL=ours MODE=sev-es SMP=1 TIMEOUT=120 CMD=movss
expect_rc 0
expect_console '^movss: no #DB \(the watchpoint never fired\)'
refute_console 'Oops|BUG:'
