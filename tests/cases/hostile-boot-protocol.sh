#!/usr/bin/env bash
# The decompressor's 32-bit entry against the model's hostile hypervisor,
# lying from reset (tcg-hostile-reset=on; tests/linuxboot asks the
# hypervisor nothing): sev-es-32.S must end each boot with the reason its
# own checks name.  Through OVMF the lies start after the firmware, when
# this code has long been skipped.  cbit-wrong is not here: startup_32's
# check cannot survive a reserved-bit C-bit (Documentation/guest.md).
. "$(dirname "$0")/../lib.sh"

# lie -> "set code" of the termination request.  The first MSR-protocol
# request of startup_32 is verify_cpu's CPUID, so garbage is met there.
declare -A want=(
	[cbit-0]='1 18' [cbit-63]='1 18' [cbit-beyond]='1 18' [cbit-info]='1 19'
	[snp]='0 2' [version]='0 1' [cpuid-code]='1 17' [cpuid-reg]='1 17'
	[garbage]='1 17'
)
kernel=${BZIMAGE:-$BUILD/linux-ours/arch/x86/boot/bzImage}
work=$(mktemp -d "${TMPDIR:-/tmp}/sev-es-hostile32.XXXXXX")
trap 'rm -rf "$work"' EXIT
bad=0
for lie in cbit-0 cbit-63 cbit-beyond cbit-info snp version cpuid-code cpuid-reg garbage; do
	mkdir -p "$work/$lie"
	linuxboot_boot "$kernel" "$work/$lie" "tcg-hostile=$lie,tcg-hostile-reset=on"
	read -r set code <<<"${want[$lie]}"
	seen=$(grep -ao 'guest termination request: reason set [0-9]*, reason code [0-9]*' \
		"$work/$lie/console.log" || echo "no termination request")
	if grep -aq 'Linux version' "$work/$lie/console.log"; then
		seen="$seen (and the kernel started)"
	fi
	printf '%-12s | %s\n' "$lie" "$seen"
	[ "$seen" = "guest termination request: reason set $set, reason code $code" ] ||
		{ echo "    expected: reason set $set, reason code $code"; bad=$((bad + 1)); }
done
[ $bad = 0 ] || fail "$bad lies not refused as expected"
