#!/usr/bin/env bash
# sw_exit_info_2 of every string IN and MMIO read answer flips between
# 2048 and the honest value at each instruction boundary after the
# VMGEXIT's block, as a hypervisor rewriting the page while the guest
# reads it.  Which value a read sees depends on where in the code it is,
# so a guest that reads the field once and checks what it read either
# goes on (it saw the honest value) or refuses the answer,
# SEV_TERM_GHCB_SIZE (set 1, code 0x1c); anything else (an oops, another
# reason, a hang) fails.
. "$(dirname "$0")/../lib.sh"

hostile_boot ghcb-toctou CMD=true TIMEOUT=90
expect_stderr 'hostile hypervisor from now on: sw_exit_info_2'
refute_console 'BUG:|Oops|general protection|Kernel panic'
seen=$(grep -ao 'guest termination request: reason set [0-9]*, reason code [0-9]*' "$BOOT_ERR" || true)
if [ -n "$seen" ]; then
	[ "$seen" = "guest termination request: reason set 1, reason code 28" ] ||
		fail "$seen, expected reason set 1, reason code 28"
	note "the guest read 2048 and refused it"
else
	expect_rc 0
	expect_console "$MARKER"
	note "the guest read the honest value and went on"
fi
