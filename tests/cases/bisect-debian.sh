#!/usr/bin/env bash
# make bisect-debian finds where Debian's kernels start printing their
# SEV status line ("SEV: Status: SEV SEV-ES", new in the 6.12 packages):
# from 6.1.0-56 (good) to 6.12.107 (bad) the first version with it is
# 6.12.100, found in at most ceil(log2(4)) + 1 boots (four candidates).
# Downloads the packages it boots once; they stay in the cache.
. "$(dirname "$0")/../lib.sh"

out=$(mktemp "${TMPDIR:-/tmp}/sev-es-bisect-debian.XXXXXX")
trap 'rm -f "$out"' EXIT

note "Debian kernels on offer"
make -s -C "$TOP" -o qemu -o initramfs bisect-debian | tee "$out"
[ "$(grep -c '^  linux-image-' "$out")" -ge 4 ] || fail "fewer than four Debian kernels on offer"
grep -q '^  linux-image-6\.12\.100+deb12-amd64 ' "$out" || fail "6.12.100 is not on offer"

rc=0
make -s -C "$TOP" -o qemu -o initramfs bisect-debian GOOD=6.1.0-56 BAD=6.12.107+deb12 \
	CMD='! dmesg | grep -q "SEV: Status:"' SMP=1 TIMEOUT=120 | tee "$out" || rc=$?
[ $rc = 0 ] || fail "make bisect-debian exited $rc"
grep -q '^first bad version: linux-image-6\.12\.100+deb12-amd64 ' "$out" ||
	fail "first bad version is not 6.12.100"
grep -q '^last good version: linux-image-6\.1\.0-57-amd64 ' "$out" ||
	fail "last good version is not 6.1.0-57"
boots=$(sed -n 's/^boots: \([0-9]*\) .*/\1/p' "$out")
[ -n "$boots" ] || fail "no boot count"
[ "$boots" -le 3 ] || fail "$boots boots, more than 3"
echo "ok bisect-debian"
