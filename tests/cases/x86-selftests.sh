#!/usr/bin/env bash
# The kernel's own x86 selftests (64-bit, scripts/selftests.sh) as a
# fidelity test of the model: the same kernel runs them as a plain guest
# and as an SEV-ES guest, where every CPUID, port IO and MSR access goes
# through the #VC handler and user space meets #VC too.  Each test must
# end the same way, with as many failed subtests, in both modes.  A test
# that fails in both (a feature the kernel or TCG lacks) is listed and
# tolerated.  Our kernel and Debian's both run them (and our series on
# Debian's config, when built): a test that differs on all points at the
# model, one that differs on one kernel at its #VC handling.  The consoles are kept as test-logs/x86-selftests.*.console.
. "$(dirname "$0")/../lib.sh"

# Per-test limit in the guest and limit for each boot (seconds); all of
# them take about 15 s.
TEST_TIMEOUT=${TEST_TIMEOUT:-60}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-300}
# Left out: syscall_numbering runs its syscall ranges under ptrace, which
# takes far longer than the rest together under TCG.
SKIP=${SELFTESTS_SKIP-syscall_numbering}

LOGS=$CACHE/test-logs
mkdir -p "$LOGS"
work=$(mktemp -d "${TMPDIR:-/tmp}/sev-es-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Run every /selftests/NAME with a timeout, its output straight on the
# console (line-buffered, as the tests expect), between the lines
# "selftest NAME: start" and "selftest NAME: exit N".
# shellcheck disable=SC2016 # expanded by the guest shell
guest_cmd='cd /tmp
for t in /selftests/*; do
	case " '"$SKIP"' " in *" ${t##*/} "*) continue ;; esac
	echo "selftest ${t##*/}: start"
	timeout '"$TEST_TIMEOUT"' "$t" </dev/null 2>&1
	echo "selftest ${t##*/}: exit $?"
done'

# selftests_initrd BASE NAME: BASE plus the selftests in /selftests.
selftests_initrd() {
	"$TOP/scripts/initramfs.sh" add "$1" "$bin" /selftests "$work/$2.initrd"
}

# run_selftests LABEL KERNEL INITRD MODE [APPEND]: boot, keep the console
# as work/LABEL.log and "NAME EXIT" lines as work/LABEL.results.
run_selftests() {
	local label=$1 kernel=$2 initrd=$3 mode=$4 append=${5:-} start=$SECONDS

	boot KERNEL="$kernel" INITRD="$initrd" MODE="$mode" SMP=2 TIMEOUT="$BOOT_TIMEOUT" \
		APPEND="$append" CMD="$guest_cmd"
	note "$label: $((SECONDS - start))s"
	mv "$BOOT_LOG" "$work/$label.log"
	BOOT_LOG=$work/$label.log
	cp "$BOOT_LOG" "$LOGS/x86-selftests.$label.console"
	expect_rc 0
	refute_console 'Kernel panic|BUG:|Oops'
	grep -aoE 'selftest [a-z0-9_]+: exit [0-9]+' "$BOOT_LOG" |
		sed -E 's/^selftest ([a-z0-9_]+): exit ([0-9]+)/\1 \2/' >"$work/$label.results"
	[ "$(wc -l <"$work/$label.results")" = "$(wc -l <"$work/list")" ] ||
		fail "$label: $(wc -l <"$work/$label.results") results for $(wc -l <"$work/list") selftests"
}

# run_kernel NAME KERNEL INITRD [APPEND]: run the selftests on KERNEL in
# both modes, INITRD plus the selftests as initramfs, APPEND on the
# command line.
run_kernel() {
	local initrd
	initrd=$(selftests_initrd "$3" "$1")
	run_selftests "$1-plain" "$2" "$initrd" plain "${4:-}"
	run_selftests "$1-sev-es" "$2" "$initrd" sev-es "${4:-}"
}

# test_output LABEL NAME: what NAME printed in run LABEL.
test_output() {
	tr -d '\r' <"$work/$1.log" |
		sed -n "/selftest $2: start/,/selftest $2: exit/p" | sed '1d;$d'
}

# Differences with a known cause, "KERNEL NAME PLAIN SEV-ES": that pair
# of exit statuses is expected, any other still fails.
#
# iopl on Debian's kernel: 6.1's vc_ioio_check() wants an I/O bitmap for
# user-space port IO, and iopl(3) sets none (IOPL is emulated), so its
# "outb to 0x80" after iopl(3) gets #GP under SEV-ES.
KNOWN_DIFFERENCES=('debian iopl 0 1')

known_difference() {
	local pair
	for pair in "${KNOWN_DIFFERENCES[@]}"; do
		[ "$pair" = "$*" ] && return 0
	done
	return 1
}

# fails NAME LABEL: the number of [FAIL] lines NAME printed in run LABEL.
fails() {
	test_output "$2" "$1" | grep -c '\[FAIL\]' || true
}

# compare KERNEL: print the table of KERNEL-plain against KERNEL-sev-es;
# fail on any test that ends differently, or that reports a different
# number of failed subtests, unless known.
compare() {
	local kernel=$1 plain=$1-plain sev=$1-sev-es name a b fa fb why bad=()

	note "$(printf '%-26s %5s %5s' "$kernel" plain sev-es)"
	while read -r name a; do
		b=$(awk -v n="$name" '$1 == n { print $2 }' "$work/$sev.results")
		fa=$(fails "$name" "$plain") fb=$(fails "$name" "$sev") why=
		if [ "$a" != "$b" ] && known_difference "$kernel" "$name" "$a" "$b"; then
			why='differs as known'
		elif [ "$a" != "$b" ] || { [ "$a" != 124 ] && [ "$a" != 143 ] && [ "$fa" != "$fb" ]; }; then
			why="DIFFERS ([FAIL] lines: $fa, $fb)"
			bad+=("$name")
		elif [ "$a" != 0 ]; then
			why='fails in both'
		fi
		note "$(printf '%-26s %5s %5s  %s' "$name" "$a" "$b" "$why")"
	done <"$work/$plain.results"
	for name in "${bad[@]}"; do
		note "$name: output under $plain (-) and under $sev (+):"
		diff <(test_output "$plain" "$name") <(test_output "$sev" "$name") |
			sed 's/^/    /' || true
	done
	[ ${#bad[@]} = 0 ] || note "FAIL: $plain and $sev differ: ${bad[*]}"
	[ ${#bad[@]} = 0 ]
}

mapfile -t bins < <("$TOP/scripts/selftests.sh")
printf '%s\n' "${bins[@]##*/}" | grep -vxF -e "${SKIP// /$'\n'}" >"$work/list" || true
bin=${bins[0]%/*}

kernels=(ours debian)
run_kernel ours "$BUILD/linux-ours/arch/x86/boot/bzImage" "$CACHE/initramfs/ours.cpio.gz"
run_kernel debian "$(only_file "Debian vmlinuz" "$UNPACK"/linux-image/boot/vmlinuz-*)" \
	"$CACHE/initramfs/debian.cpio.gz"
# The series on Debian's config, when built (make kernel FLAVOUR=debian):
# with IA32 emulation and modify_ldt, the tests that need them run on our
# #VC handling too.  Its SEV-ES guests turn 32-bit emulation off unless
# asked (flavour/ia32-ours-debian): here it is asked, in both modes.
if [ -f "$BUILD/linux-debian/arch/x86/boot/bzImage" ]; then
	kernels+=(ours-debian)
	run_kernel ours-debian "$BUILD/linux-debian/arch/x86/boot/bzImage" \
		"$CACHE/initramfs/ours.cpio.gz" ia32_emulation=on
else
	note "no debian flavour of our kernel: ours-debian not run"
fi
rc=0
for k in "${kernels[@]}"; do
	compare "$k" || rc=1
done
[ $rc = 0 ] || fail "plain and SEV-ES runs differ"
