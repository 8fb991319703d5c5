# shellcheck shell=bash disable=SC2034 # variables are for the sourcing scripts
# Shared helpers for scripts/: paths, logging, small utilities.
# Source it; it sets strict mode for the caller.

set -euo pipefail

TOP=${SEV_ES_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
CACHE=${SEV_ES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sev-es}
DL=$CACHE/dl			# downloaded .deb and source packages
UNPACK=$CACHE/unpack		# dpkg -x of the downloaded .debs
TREES=$CACHE/trees		# assembled git work trees (linux, qemu)
BUILD=$CACHE/build		# out-of-tree build directories
export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache}
QEMU=${QEMU:-$BUILD/qemu/qemu-system-x86_64}	# our build, with the model
QEMU_DATA=$UNPACK/qemu-data/usr/share/qemu	# Debian's option ROMs

# Debian packages we take unmodified (downloaded, never installed).
LINUX_SRC_PKG=linux-source-6.1
QEMU_SRC_PKG=qemu

# Overlay roots: repo dirs copied verbatim into each work tree.
LINUX_OVERLAY_DIRS=(arch include)
QEMU_OVERLAY_DIR=qemu			# minus qemu/patches

log() { printf '==> %s\n' "$*" >&2; }
die() { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit 1; }

# Run as root, via sudo when needed.
as_root() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	else
		sudo "$@"
	fi
}

# The one file of a glob, or die.
only_file() {
	local what=$1; shift
	if [ $# -ne 1 ] || [ ! -e "$1" ]; then
		die "expected one $what, found: $*"
	fi
	printf '%s\n' "$1"
}

jobs_n() { nproc 2>/dev/null || echo 2; }

# The line tests/guest/init prints once the guest's userland runs.
MARKER='^SEV-ES-GUEST: userland reached'

# wait_line LOG ERE PID: poll LOG until a line matches ERE; fail if PID
# (the boot writing LOG) ends first.
wait_line() {
	local log=$1 ere=$2 pid=$3
	until grep -aEq -- "$ere" "$log" 2>/dev/null; do
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
}
