#!/usr/bin/env bash
# Build the kernel tree's x86 selftests, 64-bit and static, for the guest's
# busybox initramfs, and print the path of each binary on stdout.
#
#   selftests.sh          build (make: only what changed) and list them
#
# The binaries are built in $BUILD/x86-selftests/obj by the selftests'
# own Makefile, never inside the tree, and copied stripped to
# $BUILD/x86-selftests/bin (NAME_64 becomes NAME).  No 32-bit C library
# here (no multilib): the 32-bit tests are left out, and ldt_gdt and
# ptrace_syscall, which the Makefile builds only next to a 32-bit build,
# are built 64-bit on their own.
. "$(dirname "$0")/lib.sh"

SRC=$TREES/linux/tools/testing/selftests/x86
SELFTESTS_DIR=$BUILD/x86-selftests
OBJ=$SELFTESTS_DIR/obj
BIN=$SELFTESTS_DIR/bin
ONLY_64=(fsgsbase sysret_rip syscall_numbering corrupt_xstate_header amx
	ldt_gdt ptrace_syscall)

build() {
	mkdir -p "$OBJ" "$BIN"
	# The headers are the C library's (linux-libc-dev, the same 6.1 UAPI):
	# the tree has no installed headers in usr/include.
	nice make -s -C "$SRC" -j"$(jobs_n)" OUTPUT="$OBJ" CC="gcc -static" \
		CAN_BUILD_I386=0 TARGETS_C_64BIT_ONLY="${ONLY_64[*]}" all_64 >&2 ||
		die "cannot build the x86 selftests in $SRC"
}

install_stripped() {
	local obj bin
	for obj in "$OBJ"/*_64; do
		bin=$BIN/$(basename "${obj%_64}")
		[ "$bin" -nt "$obj" ] || strip -o "$bin" "$obj"
		echo "$bin"
	done
}

main() {
	[ $# = 0 ] || die "usage: $0"
	[ -f "$SRC/Makefile" ] || die "no x86 selftests in $SRC (make assemble)"
	build
	install_stripped
}

main "$@"
