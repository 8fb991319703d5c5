#!/usr/bin/env bash
# Guest instructions a #VC round trip adds, counted with QEMU's TCG
# instruction-counting plugin (tests/plugin/libinsn.so, inline): for
# user-space CPUID (tests/guest/src/cpuid.c), user-space port OUT and a
# kernel MMIO read (tests/guest/src/vcloop.c), each done N times in one
# boot, less a boot that does none, over N; the same under MODE=plain is
# subtracted, so what is left is the SEV-ES part.  Firmware and boot are
# in every count, so N is large; timer interrupts in a loop count too.
#
#   bench/vc-cost.sh [FLAVOUR...]   kernel flavours (default: intree ours)
#
# KINDS (default "cpuid cpuid-percpu out mmio") picks the rows; cpuid-percpu is a
# user-space CPUID of leaf 0x8000001E, which names the CPU: no kernel
# caches it, so every one is a VMGEXIT (ours answers leaf 0, the cpuid
# row, from its CPUID cache, with no VMGEXIT).
#
# intree is the unmodified 6.1 tree, ours the series, on the same config
# (scripts/build-kernel.sh); the last column is ours / intree.  With
# SKIP_BUILD set, the flavours' builds in $BUILD/linux-FLAVOUR are taken
# as they are (any build directory's name works).
. "$(dirname "$0")/../scripts/lib.sh"

N=${N:-200000}
read -r -a KINDS <<<"${KINDS:-cpuid cpuid-percpu out mmio}"
PLUGIN=$BUILD/qemu/tests/plugin/libinsn.so
# The PCIe device whose extended config space vcloop mmio reads.
DEVICE="-device pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x10"

# loop KIND COUNT: the guest command doing COUNT operations of KIND.
loop() {
	case $1 in
	cpuid) echo "cpuid 0 0 $2" ;;
	cpuid-percpu) echo "cpuid 0x8000001e 0 $2" ;;
	*) echo "vcloop $1 $2" ;;
	esac
}

# insns FLAVOUR MODE KIND COUNT: guest instructions of one boot.
insns() {
	local kernel=$BUILD/linux-$1/arch/x86/boot/bzImage log=$dir/$1-$2-$3.log
	KERNEL=$kernel MODE=$2 SMP=1 TIMEOUT=900 CMD="$(loop "$3" "$4")" \
		QEMU_ARGS="$DEVICE -plugin $PLUGIN,inline=on -d plugin -D $log.plugin" \
		LOG="$log" "$TOP/scripts/boot.sh" >/dev/null 2>"$log.err" ||
		die "$1 kernel, $2, $(loop "$3" "$4"): boot failed: $(tail -n 3 "$log" "$log.err")"
	sed -n 's/^insns: //p' "$log.plugin"
}

# per_op FLAVOUR MODE KIND BASE: instructions one operation takes.
per_op() {
	echo $(( ($(insns "$1" "$2" "$3" "$N") - $4) / N ))
}

main() {
	local f kind base_sev base_plain flavours=("$@")
	declare -A cost
	[ ${#flavours[@]} -gt 0 ] || flavours=(intree ours)
	dir=$(mktemp -d "${TMPDIR:-/tmp}/sev-es-bench.XXXXXX")
	trap 'rm -rf "$dir"' EXIT
	ninja -C "$BUILD/qemu" tests/plugin/libinsn.so >/dev/null
	for f in "${flavours[@]}"; do
		[ -n "${SKIP_BUILD:-}" ] || "$TOP/scripts/build-kernel.sh" "$f" >/dev/null
		base_sev=$(insns "$f" sev-es none 0)
		base_plain=$(insns "$f" plain none 0)
		for kind in "${KINDS[@]}"; do
			cost[$f.$kind]=$(( $(per_op "$f" sev-es "$kind" "$base_sev") -
				$(per_op "$f" plain "$kind" "$base_plain") ))
		done
	done
	printf 'guest instructions a #VC round trip adds (N=%d, SMP=1, TCG insn plugin)\n' "$N"
	printf '  %-12s' kind
	printf ' %10s' "${flavours[@]}"
	[ ${#flavours[@]} = 2 ] && printf '  %s/%s' "${flavours[1]}" "${flavours[0]}"
	echo
	for kind in "${KINDS[@]}"; do
		printf '  %-12s' "$kind"
		for f in "${flavours[@]}"; do printf ' %10d' "${cost[$f.$kind]}"; done
		[ ${#flavours[@]} = 2 ] && printf '  %10.2f' \
			"$(echo "${cost[${flavours[1]}.$kind]} / ${cost[${flavours[0]}.$kind]}" | bc -l)"
		echo
	done
}

main "$@"
