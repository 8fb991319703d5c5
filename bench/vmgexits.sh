#!/usr/bin/env bash
# VMGEXITs (GHCB and MSR protocol) an SEV-ES guest makes, in all and for
# CPUID: from the kernel's first one (the EFI stub's SEV information
# request, the boot's second after OVMF's) to the userland marker, and
# per exec of a dynamically linked glibc program (this Debian host's
# /bin/true, with its loader and libc); for the unmodified 6.1 SEV code
# (intree, our config) and ours, and their ratio.
#
#   bench/vmgexits.sh [FLAVOUR...]   kernel flavours (default: intree ours)
#
# One boot per flavour: SMP=1, our KUnit suites off, a quiet console.
# The model traces each VMGEXIT and each serial byte in one log, in order
# (VMGEXIT_TRACE_ARGS), so the counts are cut at console lines.  The PIT
# reads of the kernel's TSC calibration (ports 0x42 and 0x61) poll for a
# while of host time, so the total to userland varies from run to run by
# thousands; it is also given without them.  With SKIP_BUILD set, the
# builds in $BUILD/linux-FLAVOUR are taken as they are.
. "$(dirname "$0")/../scripts/lib.sh"

EXECS=${EXECS:-200}

# The guest command: EXECS runs of the program between two lines, after
# one run that is not counted.
exec_loop() {
	cat <<-EOF
	/lib/true || exit 3
	echo BENCH-EXEC-BEGIN
	i=0; while [ \$i -lt $EXECS ]; do /lib/true || exit 3; i=\$((i + 1)); done
	echo BENCH-EXEC-END
	EOF
}

# The TSC calibration's PIT reads (IN from ports 0x42 and 0x61).
PIT_POLL='exit code 0x7b info1 0x(42|61)[0-9a-f]{3}[13579bdf] '

# counts TRACE: "kernel kernel_cpuid kernel_pit loop loop_cpuid".
counts() {
	vmgexit_segments "$1" "$PIT_POLL" | awk '
		$4 == "<SEV" && ++info == 2 { phase = 1; next }
		phase == 1 { k += $1; kc += $2; kp += $3 }
		phase == 1 && / SEV-ES-GUEST: userland reached/ { phase = 2 }
		phase == 3 { l += $1; lc += $2 }
		/ BENCH-EXEC-BEGIN$/ { phase = 3 }
		/ BENCH-EXEC-END$/ { phase = 4 }
		END {
			if (phase != 4) exit 1
			print k, kc, kp, l, lc
		}'
}

# measure FLAVOUR: the counts of one boot.
measure() {
	local kernel=$BUILD/linux-$1/arch/x86/boot/bzImage log=$dir/$1.log
	KERNEL=$kernel INITRD=$dir/glibc.cpio MODE=sev-es SMP=1 TIMEOUT=900 \
		APPEND="quiet kunit.filter_glob=none" CMD="$(exec_loop)" \
		QEMU_ARGS="$VMGEXIT_TRACE_ARGS $log.trace" \
		LOG="$log" "$TOP/scripts/boot.sh" >/dev/null 2>"$log.err" ||
		die "$1 kernel: boot failed: $(tail -n 3 "$log" "$log.err")"
	counts "$log.trace" || die "$1 kernel: the trace lacks a console line"
}

# row LABEL KEY: one line of main's table v, with the ratio of the last
# flavour to the first.
row() {
	local f first=${flavours[0]} last=${flavours[-1]}
	printf '  %-26s' "$1"
	for f in "${flavours[@]}"; do printf ' %10.1f' "${v[$f.$2]}"; done
	[ ${#flavours[@]} -lt 2 ] || printf '  %10.2f' "$(echo "${v[$last.$2]} / ${v[$first.$2]}" | bc -l)"
	echo
}

main() {
	local f kern kcpuid pit loop lcpuid flavours=("$@")
	declare -A v
	[ ${#flavours[@]} -gt 0 ] || flavours=(intree ours)
	dir=$(mktemp -d "${TMPDIR:-/tmp}/sev-es-bench.XXXXXX")
	[ -n "${KEEP:-}" ] || trap 'rm -rf "$dir"' EXIT
	"$TOP/scripts/initramfs.sh" glibc "$CACHE/initramfs/ours.cpio.gz" "$dir/glibc.cpio" >/dev/null
	for f in "${flavours[@]}"; do
		[ -n "${SKIP_BUILD:-}" ] || "$TOP/scripts/build-kernel.sh" "$f" >/dev/null
		read -r kern kcpuid pit loop lcpuid < <(measure "$f")
		v[$f.kern]=$kern v[$f.nopit]=$((kern - pit)) v[$f.kcpuid]=$kcpuid
		v[$f.exec]=$(echo "$loop / $EXECS" | bc -l)
		v[$f.ecpuid]=$(echo "$lcpuid / $EXECS" | bc -l)
	done
	printf 'VMGEXITs (SMP=1, quiet, model trace; per exec: %d runs of /bin/true, glibc)\n' "$EXECS"
	printf '  %-26s' ''
	printf ' %10s' "${flavours[@]}"
	[ ${#flavours[@]} -lt 2 ] || printf '  %s/%s' "${flavours[-1]}" "${flavours[0]}"
	echo
	row "kernel to userland" kern
	row "  without PIT polling" nopit
	row "  CPUID" kcpuid
	row "per exec" exec
	row "  CPUID" ecpuid
}

main "$@"
