#!/usr/bin/env bash
# A kernel built without CONFIG_AMD_MEM_ENCRYPT cannot run as an SEV-ES
# guest: its first CPUID after ExitBootServices raises #VC with no handler,
# the vCPU shuts down, and the model reports it.  It must die
# that way, not hang and not reach userland.
. "$(dirname "$0")/../lib.sh"

kernel=$BUILD/linux-nosev/arch/x86/boot/bzImage
[ -f "$kernel" ] || fail "no $kernel (make kernel)"
grep -q '^# CONFIG_AMD_MEM_ENCRYPT is not set' "$BUILD/linux-nosev/.config" ||
	fail "linux-nosev has CONFIG_AMD_MEM_ENCRYPT"

err=$(mktemp "${TMPDIR:-/tmp}/sev-es-stderr.XXXXXX")
trap 'rm -f "$err"' EXIT
boot KERNEL="$kernel" MODE=sev-es SMP=1 TIMEOUT=240 CMD=true 2>"$err"
sed 's/^/stderr: /' "$err"
expect_rc 125
refute_console "$MARKER"
grep -q '^qemu-system-x86_64: sev-es: vCPU 0: shutdown (triple fault); an SEV-ES guest cannot be reset, stopping$' "$err" ||
	fail "the model did not report the shutdown"
