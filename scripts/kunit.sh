#!/usr/bin/env bash
# Run our KUnit suites inside a guest through the kernel tree's kunit.py,
# on the kernel scripts/build-kernel.sh built (kunit.py exec: no rebuild).
#
#   kunit.sh [GLOB]     (default 'sev_es*'; MODE=sev-es|plain|kvm-sev-es)
#
# Exit status is kunit.py's: non-zero when a test failed or the guest died.
. "$(dirname "$0")/lib.sh"

MODE=${MODE:-sev-es}
TIMEOUT=${TIMEOUT:-300}

main() {
	local glob=${1:-sev_es*} fw=() params=()

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
			--timeout="$TIMEOUT" "$glob"
}

main "$@"
