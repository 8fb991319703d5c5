#!/usr/bin/env bash
# User space executes VMGEXIT right after each system call that made the
# kernel exit (a console write).  This hypervisor leaves each request's
# valid bits set in its answer (KVM clears them) and acts on whatever
# request a VMGEXIT finds, reporting each from user mode: a request the
# guest did not make.  A GHCB invalidated on release leaves nothing to
# replay; without that, 32 replayed port OUTs.
. "$(dirname "$0")/../lib.sh"

hostile_boot replay CMD='vmgexit 16'
expect_rc 0
expect_console '^vmgexit: 16 done'
grep -a 'the guest did not make' "$BOOT_ERR" && fail "the hypervisor replayed kernel requests"
true
