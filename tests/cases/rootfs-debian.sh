#!/usr/bin/env bash
# Debian's own kernel and initrd boot the Debian 12 root filesystem
# (scripts/rootfs.sh) as an SEV-ES guest with two vCPUs: root logs in on
# the serial console, systemd reaches "running" with no failed unit, the
# kernel reports SEV-ES active, and 64 MiB sent from the host through a
# port forward (QEMU user network, virtio-net through SWIOTLB) arrive
# with the host's sha256; user-space CPUID works through #VC from a
# 64-bit and from a static 32-bit program.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/session.sh"

"$TOP/scripts/rootfs.sh" >/dev/null
SESSION_KEEP=$CACHE/test-logs/$(basename "$0" .sh).console
trap 'session_stop >/dev/null 2>&1 || true' EXIT
session_start KERNEL=debian MODE=sev-es SMP=2 TIMEOUT=1500
rootfs_checks
user_cpuid_checks
session_stop || fail "the guest did not power off cleanly (boot.sh status $?)"
