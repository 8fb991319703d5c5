#!/usr/bin/env bash
# An NMI at every #VC of the kernel proper, so that it arrives on the #VC
# entry path, before the handler left the IST stack: the NMI's own #VCs
# must not reuse the interrupted #VC's frame.  NMIs stay blocked until
# NMI_COMPLETE, so each NMI is told only after the last one completed;
# the early IDT ignores an NMI without completing it, and the kernel
# unblocks that one once its IDT handles NMIs.  The guest boots, keeps
# getting (unknown) NMIs, and runs user space without an oops.
. "$(dirname "$0")/../lib.sh"

hostile_boot nmi-every-vc CMD='cpuid 0 0 4; echo "after: ok"'
expect_rc 0
expect_console '^after: ok'
expect_console 'NMI received for unknown reason'
refute_console 'WARNING:|BUG:|Oops|Kernel panic'
