#!/usr/bin/env bash
# An NMI at every #VC of the kernel proper, so that it arrives on the #VC
# entry path, before the handler left the IST stack: the NMI's own #VCs
# must not reuse the interrupted #VC's frame.  The model gives none to
# the #VCs of an NMI handler (that would be an NMI storm, which no guest
# survives).  The early IDT ignores an NMI without completing it; the
# kernel unblocks that one once its IDT handles NMIs, so the NMIs keep
# coming for the whole boot: dmesg counts them ("unknown reason"; the
# console is quiet, or printing the messages would take #VCs, and NMIs,
# of its own).  The guest runs user space without an oops.
. "$(dirname "$0")/../lib.sh"

# shellcheck disable=SC2016 # expanded by the guest shell
hostile_boot nmi-every-vc APPEND=loglevel=0 CMD='cpuid 0 0 4
echo "nmis: $(dmesg | grep -c "NMI received for unknown reason")"
echo "after: ok"'
expect_rc 0
expect_console '^after: ok'
expect_console '^nmis: [1-9][0-9]+[[:space:]]*$'
refute_console 'WARNING:|BUG:|Oops|Kernel panic'
