#!/usr/bin/env bash
# User space executes VMGEXIT right after each system call that made the
# kernel exit (a console write): the hypervisor acts on whatever request
# it finds in the GHCB, as KVM does, and the model reports each one, a
# request the guest did not make.  A GHCB invalidated on release leaves
# nothing to replay.
. "$(dirname "$0")/../lib.sh"

hostile_boot replay CMD='vmgexit 16'
expect_rc 0
expect_console '^vmgexit: 16 done'
grep -a 'the guest did not make' "$BOOT_ERR" && fail "the hypervisor replayed kernel requests"
true
