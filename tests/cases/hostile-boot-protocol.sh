#!/usr/bin/env bash
# The decompressor's 32-bit entry against the model's hostile hypervisor,
# lying from reset (tcg-hostile-reset=on; tests/linuxboot asks the
# hypervisor nothing): sev-es-32.S must end each boot with the reason its
# own checks name.  Through OVMF the lies start after the firmware, when
# this code has long been skipped.  The lies and their reasons are those
# of tests/hostile.cfg with a boot32 reason.
. "$(dirname "$0")/../lib.sh"

cfg_load
kernel=${BZIMAGE:-$BUILD/linux-ours/arch/x86/boot/bzImage}
work=$(mktemp -d "${TMPDIR:-/tmp}/sev-es-hostile32.XXXXXX")
trap 'rm -rf "$work"' EXIT
bad=0 n=0
for lie in "${CFG_LIES[@]}"; do
	read -r set code <<<"$(cfg_get "$lie" boot32)"
	[ -n "$set" ] || continue
	n=$((n + 1))
	mkdir -p "$work/$lie"
	linuxboot_boot "$kernel" "$work/$lie" "tcg-hostile=$lie,tcg-hostile-reset=on"
	if seen=$(termination_seen "$work/$lie/console.log"); then
		# shellcheck disable=SC2086 # "SET CODE", two words
		seen=$(reason_hex $seen)
	else
		seen="no termination request"
	fi
	if grep -aq 'Linux version' "$work/$lie/console.log"; then
		seen="$seen (and the kernel started)"
	fi
	printf '%-12s | %s\n' "$lie" "$seen"
	[ "$seen" = "$(reason_hex "$set" "$code")" ] ||
		{ echo "    expected: $(reason_hex "$set" "$code")"; bad=$((bad + 1)); }
done
[ $n -gt 0 ] || fail "no lie in $HOSTILE_CFG has a boot32 reason"
[ $bad = 0 ] || fail "$bad of $n lies not refused as expected"
