#!/usr/bin/env bash
# Our series on Debian's config (make kernel FLAVOUR=debian) boots the
# Debian 12 root filesystem with its own modules and initrd as an SEV-ES
# guest with two vCPUs, as rootfs-debian checks Debian's kernel; and
# user-space CPUID works through #VC from a 64-bit and from a static
# 32-bit program.  make check-debian runs it: the flavour's cold build
# does not fit make check (Documentation/debian-flavour.md).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/session.sh"

[ -f "$BUILD/linux-debian/arch/x86/boot/bzImage" ] ||
	fail "no debian flavour kernel (make kernel FLAVOUR=debian)"
"$TOP/scripts/rootfs.sh" modules >/dev/null
SESSION_KEEP=$CACHE/test-logs/$(basename "$0" .sh).console
trap 'session_stop >/dev/null 2>&1 || true' EXIT
# 32-bit emulation is off in SEV guests unless asked for (ia32-ours-debian).
session_start KERNEL=ours-debian MODE=sev-es SMP=2 TIMEOUT=1500 APPEND=ia32_emulation=on
rootfs_checks
user_cpuid_checks
session_stop || fail "the guest did not power off cleanly (boot.sh status $?)"
