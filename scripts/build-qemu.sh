#!/usr/bin/env bash
# Build our QEMU (assembled tree: Debian's 7.2 + qemu/ overlay + series):
# x86_64-softmmu only, TCG, no GUI, with the TCG plugin API.
#
#   build-qemu.sh          $BUILD/qemu, with user-mode networking (libslirp)
#   build-qemu.sh asan     $BUILD/qemu-asan, with AddressSanitizer and
#                          UBSan, for the model's fuzzer (no network)
#
# QEMU_TREE and QEMU_OUT choose another source tree and build directory
# (scripts/qemu-series.sh builds each step of the series that way).
#
# Prints the qemu-system-x86_64 path on stdout.
. "$(dirname "$0")/lib.sh"

flavour=${1:-}
src=${QEMU_TREE:-$TREES/qemu}
out=${QEMU_OUT:-$BUILD/qemu${flavour:+-$flavour}}
# User-mode networking for the guests we boot; the fuzzer needs none.
slirp=--enable-slirp
[ "$flavour" != asan ] || slirp=--disable-slirp
CONFIGURE=(
	--target-list=x86_64-softmmu --disable-docs --disable-werror
	--disable-gtk --disable-sdl --disable-vnc --disable-opengl
	--disable-xen "$slirp" --disable-user --disable-tools
	--disable-guest-agent --enable-plugins --enable-trace-backends=log
	--disable-install-blobs --disable-blobs
)
case $flavour in
'') ;;
asan) CONFIGURE+=(--enable-sanitizers) ;;
*) die "unknown QEMU flavour '$flavour' (asan)" ;;
esac

[ -d "$src/.git" ] || die "no QEMU tree: run 'scripts/tree.sh assemble qemu'"

# Reconfigure only when the options change; meson tracks the rest.
stamp=$out/.sev-es-configure
if [ ! -f "$out/build.ninja" ] || [ "$(cat "$stamp" 2>/dev/null)" != "${CONFIGURE[*]}" ]; then
	log "configuring QEMU${flavour:+ ($flavour)} in $out"
	rm -rf "$out" && mkdir -p "$out"
	(cd "$out" && "$src/configure" "${CONFIGURE[@]}" >configure.log 2>&1) ||
		die "QEMU configure failed, see $out/configure.log"
	echo "${CONFIGURE[*]}" >"$stamp"
fi
log "building qemu-system-x86_64${flavour:+ ($flavour)}"
ninja -C "$out" qemu-system-x86_64 >"$out/build.log" 2>&1 ||
	{ tail -n 30 "$out/build.log" >&2; die "QEMU build failed, see $out/build.log"; }
echo "$out/qemu-system-x86_64"
