#!/usr/bin/env bash
# Our kernel's CPUID cache, counted by the model (SMP=2): once the first
# run of a dynamically linked glibc program (Debian's /bin/true) filled
# it, ten more runs make no CPUID VMGEXIT at all, nor do 1000 user-space
# CPUIDs of a listed leaf (0x80000008); 100 of a leaf that names the CPU
# (0x8000001E) make 100, each its own exit.  A cached leaf 1 still gives
# each CPU its own APIC ID, and OSXSAVE as CR4 has it.
. "$(dirname "$0")/../lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/sev-es-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$TOP/scripts/initramfs.sh" glibc "$CACHE/initramfs/ours.cpio.gz" "$work/glibc.cpio" >/dev/null

# shellcheck disable=SC2016 # expanded by the guest shell
cmd='/lib/true || exit 3
echo CHECK-EXEC-BEGIN
i=0; while [ $i -lt 10 ]; do /lib/true || exit 3; i=$((i + 1)); done
echo CHECK-EXEC-END
echo CHECK-LISTED-BEGIN
cpuid 0x80000008 0 1000
echo CHECK-LISTED-END
echo CHECK-PERCPU-BEGIN
cpuid 0x8000001e 0 100
echo CHECK-PERCPU-END
taskset -c 0 cpuid 1; taskset -c 1 cpuid 1'

boot KERNEL="$BUILD/linux-ours/arch/x86/boot/bzImage" INITRD="$work/glibc.cpio" \
	MODE=sev-es SMP=2 TIMEOUT=180 APPEND=quiet CMD="$cmd" \
	QEMU_ARGS="$VMGEXIT_TRACE_ARGS $work/trace"
expect_rc 0
expect_console "$MARKER"
vmgexit_segments "$work/trace" >"$work/segments"

# cpuid_exits NAME: CPUID VMGEXITs between the lines CHECK-NAME-BEGIN and
# CHECK-NAME-END (a segment ends with its line: the END line's is in).
cpuid_exits() {
	awk -v name="$1" '
		in_it { c += $2 }
		$NF == "CHECK-" name "-END" { in_it = 0; done = 1 }
		$NF == "CHECK-" name "-BEGIN" { in_it = 1 }
		END { if (done) print c + 0 }' "$work/segments"
}

exec=$(cpuid_exits EXEC) listed=$(cpuid_exits LISTED) percpu=$(cpuid_exits PERCPU)
note "CPUID VMGEXITs: 10 execs $exec, 1000 of 0x80000008 $listed, 100 of 0x8000001e $percpu"
[ "$exec" = 0 ] || fail "10 runs of a glibc program made ${exec:-?} CPUID VMGEXITs, not 0"
[ "$listed" = 0 ] || fail "1000 CPUIDs of a listed leaf made ${listed:-?} VMGEXITs, not 0"
[ "${percpu:-0}" -ge 100 ] || fail "100 CPUIDs of 0x8000001e made ${percpu:-?} VMGEXITs: cached?"

# Leaf 1: EBX[31:24] the CPU's initial APIC ID, ECX[27] OSXSAVE set.
ids=$(grep -ao '^cpuid 0x00000001\.0: eax=0x[0-9a-f]* ebx=0x[0-9a-f]\{2\}' "$BOOT_LOG" |
	sed 's/.*ebx=0x//' | tr '\n' ' ')
[ "$ids" = "00 01 " ] || fail "leaf 1 APIC IDs on CPUs 0 and 1: $ids"
grep -ao '^cpuid 0x00000001\.0: .* ecx=0x[0-9a-f]*' "$BOOT_LOG" | sed 's/.*ecx=0x//' |
	while read -r ecx; do
		(( (0x$ecx >> 27) & 1 )) || fail "leaf 1 ECX $ecx without OSXSAVE"
	done
refute_console 'Kernel panic|BUG:|WARNING:|Oops'
