#!/usr/bin/env bash
# kexec for the test initramfs: Debian's kexec-tools, built static from
# its source package without Xen, zlib or lzma (the packaged binary links
# libxenctrl).  Prints the path of the binary.
. "$(dirname "$0")/lib.sh"

SRC=$UNPACK/kexec-tools-source
OUT=$BUILD/kexec-tools

main() {
	local dsc

	if [ ! -e "$SRC/.done" ]; then
		mkdir -p "$DL/kexec-tools" "$UNPACK" && rm -rf "$SRC"
		(cd "$DL/kexec-tools" && apt_get source --download-only kexec-tools >/dev/null)
		dsc=$(only_file "kexec-tools .dsc" "$DL"/kexec-tools/kexec-tools_*.dsc)
		log "extracting $dsc (with Debian's patches)"
		dpkg-source --no-check -x "$dsc" "$SRC" >/dev/null
		touch "$SRC/.done"
	fi
	if [ ! -x "$OUT/build/build/sbin/kexec" ]; then
		log "building kexec (static)"
		rm -rf "$OUT" && mkdir -p "$OUT" && cp -a "$SRC" "$OUT/build"
		(cd "$OUT/build" &&
			./configure -q --without-xen --without-zlib --without-lzma LDFLAGS=-static &&
			make -s -j"$(nproc)") >"$OUT/build.log" 2>&1 ||
			die "kexec-tools build failed, see $OUT/build.log"
	fi
	echo "$OUT/build/build/sbin/kexec"
}

main "$@"
