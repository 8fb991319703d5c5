#!/usr/bin/env bash
# Install the host tools the build needs and make Debian source
# packages reachable (a deb-src entry for the mirror already in use).
. "$(dirname "$0")/lib.sh"

PKGS=(
	build-essential bc bison flex libelf-dev libssl-dev cpio xz-utils
	ccache git dpkg-dev python3 shellcheck
	ninja-build meson pkg-config libglib2.0-dev libpixman-1-dev
	libfdt-dev zlib1g-dev socat libslirp-dev
	debootstrap e2fsprogs dwarves
	lava-common lava-dispatcher
)
SRC_LIST=/etc/apt/sources.list.d/sev-es-deb-src.sources

have_deb_src() {
	grep -rqsE '^(Types:.*deb-src|deb-src )' \
		/etc/apt/sources.list /etc/apt/sources.list.d/
}

# Mirror every Debian "deb" entry as "deb-src": deb822 stanzas and
# one-line entries alike, keeping URIs, suites, components and keys.
write_deb_src() {
	local f out=""

	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		out+=$(awk 'BEGIN { RS = ""; ORS = "\n\n" }
			/URIs:[^\n]*debian/ && /Types:[^\n]*deb/ {
				sub(/Types:[^\n]*/, "Types: deb-src"); print }' "$f")
		out+=$'\n'
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -e "$f" ] || continue
		out+=$(awk '$1 == "deb" && /debian/ {
			$1 = "deb-src"; sub(/^deb-src/, "URIs:"); print }' "$f" |
			awk '{ printf "Types: deb-src\nURIs: %s\nSuites: %s\nComponents:", $2, $3
				for (i = 4; i <= NF; i++) printf " %s", $i
				printf "\n\n" }')
	done
	[ -n "${out//[$'\n ']/}" ] || die "no Debian mirror found in apt sources"
	log "adding deb-src entries in $SRC_LIST"
	printf '%s\n' "$out" | as_root tee "$SRC_LIST" >/dev/null
}

missing_pkgs() {
	local p
	for p in "${PKGS[@]}"; do
		dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null |
			grep -q 'install ok installed' || printf '%s\n' "$p"
	done
}

main() {
	local missing updated=0

	if ! have_deb_src; then
		write_deb_src
		as_root apt-get update
		updated=1
	fi
	mapfile -t missing < <(missing_pkgs)
	if [ ${#missing[@]} -gt 0 ]; then
		[ $updated = 1 ] || as_root apt-get update
		log "installing ${missing[*]}"
		as_root env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y --no-install-recommends "${missing[@]}"
	fi
}

main "$@"
