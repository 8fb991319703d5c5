#!/usr/bin/env bash
# A #VC for MMIO (NPF) at a kernel register-to-register MOV: emulating it
# would take a register's value for the MMIO address and hand the
# destination register a value of the hypervisor's choosing.  Only a
# memory operand is MMIO: SEV_TERM_VC_MISMATCH (set 1, code 0x16).
. "$(dirname "$0")/../lib.sh"

hostile_case vc-regmov 1 22
expect_stderr 'hostile: #VC\(NPF\) at the register MOV at RIP 0xffff'
