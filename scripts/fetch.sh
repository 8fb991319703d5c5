#!/usr/bin/env bash
# Download the Debian packages we build on into the cache and unpack them:
# kernel and QEMU sources, OVMF, Debian's kernel image, busybox-static.
. "$(dirname "$0")/lib.sh"

# The real package behind a metapackage (linux-image-amd64 -> -6.1.0-N-).
resolve_meta() {
	apt-cache depends "$1" | awk '/Depends: linux-image-/ { print $2; exit }'
}

fetch_qemu_source() {
	local dir=$UNPACK/qemu-source dsc

	[ -e "$dir/.done" ] && return 0
	mkdir -p "$DL/qemu" "$UNPACK" && rm -rf "$dir"
	(cd "$DL/qemu" && apt_get source --download-only "$QEMU_SRC_PKG" >/dev/null)
	dsc=$(only_file "qemu .dsc" "$DL"/qemu/qemu_7.2*.dsc)
	log "extracting $dsc (with Debian's patches)"
	dpkg-source --no-check -x "$dsc" "$dir" >/dev/null
	touch "$dir/.done"
}

main() {
	local img

	fetch_deb "$LINUX_SRC_PKG"
	fetch_qemu_source
	fetch_deb ovmf
	fetch_deb busybox-static
	# Option ROMs for our QEMU (the +dfsg source ships no binaries).
	fetch_deb qemu-system-data qemu-data
	fetch_deb seabios qemu-data
	img=$(resolve_meta linux-image-amd64)
	[ -n "$img" ] || die "cannot resolve linux-image-amd64"
	fetch_deb "$img"
	ln -sfn "$img" "$UNPACK/linux-image"
}

main "$@"
