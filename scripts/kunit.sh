#!/usr/bin/env bash
# Run our KUnit suites inside a guest through the kernel tree's kunit.py,
# on the kernel scripts/build-kernel.sh built (kunit.py exec: no rebuild).
#
#   kunit.sh [GLOB [KUNIT.PY ARGS...]]  (default 'sev_es*';
#                                        MODE=sev-es|plain|kvm-sev-es)
#
# The fuzzers of sev_es_fuzz run FUZZ_CASES cases each (seed FUZZ_SEED, or
# their own default); their figures are printed at the end.
#
# Exit status is kunit.py's: non-zero when a test failed or the guest died.
. "$(dirname "$0")/lib.sh"

MODE=${MODE:-sev-es}
TIMEOUT=${TIMEOUT:-300}
FUZZ_CASES=${FUZZ_CASES:-100000}

# What each fuzzer printed: seed, cases, seconds, cases/s, failures
# (kunit.py shows the log of failed tests only).
fuzz_figures() {
	grep -a '# fuzz_[a-z]*: \(seed\|done\) ' "$BUILD/linux-ours/test.log" |
		sed 's/^.*# //' || true
}

main() {
	local glob=${1:-sev_es*} fw=() params=() fuzz=() rc=0

	[ $# = 0 ] || shift
	fuzz=(--kernel_args="sev_es_fuzz.cases=$FUZZ_CASES")
	[ -z "${FUZZ_SEED:-}" ] || fuzz+=(--kernel_args="sev_es_fuzz.seed=$FUZZ_SEED")

	[ -f "$BUILD/linux-ours/arch/x86/boot/bzImage" ] || die "no kernel: make kernel"
	mode_args "$MODE"
	# Global: the EXIT trap runs after main's locals are gone.
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/sev-es-kunit.XXXXXX")
	trap 'rm -rf "$WORK"' EXIT
	# kunit.py runs qemu-system-x86_64 from PATH: ours, except on KVM.
	[ "$MODE" = kvm-sev-es ] || ln -s "$QEMU" "$WORK/qemu-system-x86_64"
	mapfile -t fw < <(firmware_args "$WORK")
	params=(-machine "$MACHINE" "${ACCEL[@]}" "${SEV[@]}" -L "$QEMU_DATA"
		-smp 1 -vga none -nic none "${fw[@]}")

	SEV_ES_KUNIT_QEMU_PARAMS=$(printf '%s\n' "${params[@]}") \
	PATH="$WORK:$PATH" \
		python3 "$TREES/linux/tools/testing/kunit/kunit.py" exec \
			--build_dir="$BUILD/linux-ours" \
			--kunitconfig="$TOP/kunit/sev-es.kunitconfig" \
			--qemu_config="$TOP/kunit/sev_es_qemu.py" \
			--timeout="$TIMEOUT" "${fuzz[@]}" "$@" "$glob" || rc=$?
	fuzz_figures
	return $rc
}

main "$@"
