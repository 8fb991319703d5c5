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
# Debian's OVMF_CODE_4M.fd has a 32-bit SEC/PEI (its AsmVmgExit is an int3
# stub), so it cannot start an SEV-ES guest; OVMF_CODE.fd is all X64.  All
# modes use the same firmware so that their boot times compare.
OVMF_DIR=$UNPACK/ovmf/usr/share/OVMF
OVMF_CODE=$OVMF_DIR/OVMF_CODE.fd
OVMF_VARS=$OVMF_DIR/OVMF_VARS.fd
# The SEV-ES guest, as on an EPYC host (C-bit 51).
SEV_GUEST=sev-guest,id=sev0,policy=0x5,cbitpos=51,reduced-phys-bits=1
# The TCG CPU, as the EPYC parts with SEV-ES but no SNP (Rome, Milan): no
# 5-level paging.  With LA57, Linux 6.1's #VC handler (in-tree, and so
# Debian's kernel) forwards a bogus #PF when an interrupt's MMIO hits the
# window in identify_cpu() where the feature bits are cleared and
# lookup_address() walks four levels (Documentation/model.md).  CPU=max
# brings LA57 back.
TCG_CPU=${CPU:-max,la57=off}

# Debian packages we take unmodified (downloaded, never installed).
LINUX_SRC_PKG=linux-source-6.1
QEMU_SRC_PKG=qemu

# Overlay roots: repo dirs copied verbatim into each work tree.
LINUX_OVERLAY_DIRS=(arch)
QEMU_OVERLAY_DIR=qemu			# minus qemu/patches

# Who the work trees' commits and the exported series are from.
GIT_ID=(-c user.name='SEV-ES guest series' -c user.email='sev-es@localhost')

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

# pflash_args CODE VARS: OVMF's code and variable store as pflash.
pflash_args() {
	printf '%s\n' -drive "if=pflash,format=raw,unit=0,readonly=on,file=$1" \
		-drive "if=pflash,format=raw,unit=1,file=$2"
}

# firmware_args DIR: OVMF as pflash, with a fresh variable store in DIR.
firmware_args() {
	cp "$OVMF_VARS" "$1/vars.fd"
	pflash_args "$OVMF_CODE" "$1/vars.fd"
}

# mode_missing MODE: why MODE cannot run on this host, or nothing.
mode_missing() {
	case $1 in
	kvm-sev-es)
		if [ ! -w /dev/kvm ]; then
			echo "MODE=kvm-sev-es needs /dev/kvm (an AMD EPYC host with KVM)"
		elif ! grep -qsx '[Y1]' /sys/module/kvm_amd/parameters/sev_es; then
			echo "MODE=kvm-sev-es: kvm_amd reports no SEV-ES support on this host"
		fi ;;
	esac
}

# mode_args MODE: set MACHINE, ACCEL (with the CPU) and SEV for it; the
# sev-guest object takes SEV_OPTS.
mode_args() {
	local sev_object=$SEV_GUEST${SEV_OPTS:+,$SEV_OPTS} missing

	missing=$(mode_missing "$1")
	[ -z "$missing" ] || die "$missing"
	case $1 in
	plain)
		# A plain guest would reboot; an SEV-ES one cannot (QEMU
		# stops it: "cpus are not resettable"), so only plain needs
		# -no-reboot.
		MACHINE=q35; ACCEL=(-accel tcg -cpu "$TCG_CPU"); SEV=(-no-reboot) ;;
	sev-es)
		"$QEMU" -trace help 2>/dev/null | grep -q '^sev_es_' ||
			die "MODE=sev-es needs the SEV-ES model in our QEMU ($QEMU lacks it: make qemu)"
		MACHINE=q35,confidential-guest-support=sev0
		ACCEL=(-accel tcg -cpu "$TCG_CPU"); SEV=(-object "$sev_object") ;;
	kvm-sev-es)
		MACHINE=q35,confidential-guest-support=sev0
		ACCEL=(-accel kvm -cpu host); SEV=(-object "$sev_object") ;;
	*) die "unknown MODE '$1' (plain, sev-es, kvm-sev-es)" ;;
	esac
}

# As root apt drops to _apt, which cannot write into $HOME: stay root.
apt_get() {
	if [ "$(id -u)" = 0 ]; then
		apt-get -o APT::Sandbox::User=root "$@"
	else
		apt-get "$@"
	fi
}

# apt-get download into $DL/debs once; dpkg -x into $UNPACK/<name>
# (or into $UNPACK/DIR, shared with other packages).
fetch_deb() {
	local pkg=$1 dir=$UNPACK/${2:-$1} deb stamp

	stamp=$dir/.done-$pkg
	[ -e "$stamp" ] && return 0
	mkdir -p "$DL/debs" "$dir"
	(cd "$DL/debs" && apt_get download "$pkg" >/dev/null)
	deb=$(only_file "$pkg .deb" "$DL/debs/${pkg}"_*.deb)
	log "unpacking $deb"
	dpkg -x "$deb" "$dir"
	touch "$stamp"
}

# guest_args SMP MEM: after mode_args, the QEMU arguments of every guest
# but firmware, devices, kernel and initrd (ci/lava).
guest_args() {
	printf '%s\n' -machine "$MACHINE" "${ACCEL[@]}" "${SEV[@]}" \
		-L "$QEMU_DATA" -smp "$1" -m "$2" -nographic -vga none
}

# qemu_cmdline MODE SMP MEM: QEMU_CMD, the command line every guest starts
# from: $QEMU, machine, accelerator and vCPU, the sev-guest object (with
# SEV_OPTS), vCPUs, memory, no display; the caller adds firmware, devices
# and what to boot.  scripts/boot.sh, tests/lib.sh (tests/linuxboot as
# firmware) and tests/sevtest's harnesses all start QEMU this way.
qemu_cmdline() {
	local args=()

	mode_args "$1"
	mapfile -t args < <(guest_args "$2" "$3")
	QEMU_CMD=("$QEMU" "${args[@]}")
}

# The kernel command line every guest starts with.
GUEST_CMDLINE='console=ttyS0 panic=-1'

jobs_n() { nproc 2>/dev/null || echo 2; }

# The static test programs of tests/guest: src/*.c (64-bit, libc) and
# src32/*.S (32-bit, no libc), built into GUEST_BIN when changed.
GUEST_BIN=$BUILD/guest-bin
guest_programs() {
	local src bin
	mkdir -p "$GUEST_BIN"
	for src in "$TOP"/tests/guest/src/*.c "$TOP"/tests/guest/src32/*.S; do
		bin=$GUEST_BIN/$(basename "${src%.*}")
		[ ! -x "$bin" ] || [ "$src" -nt "$bin" ] || continue
		case $src in
		*.c) gcc -static -O2 -Wall -Werror -o "$bin" "$src" ;;
		*.S) gcc -m32 -nostdlib -static -o "$bin" "$src" ;;
		esac || die "cannot build $src"
	done
}

# The line tests/guest/init prints once the guest's userland runs.
MARKER='^SEV-ES-GUEST: userland reached'

# The model's line for the request that ended the guest.
TERMINATION_RE='guest termination request: reason set (0x)?[0-9a-f]+, reason code (0x)?[0-9a-f]+'

# termination_seen FILE: "SET CODE" (numbers, in hex) of each termination
# request the model logged in FILE, one a line; fails when there is none.
termination_seen() {
	local line set code lines=()
	mapfile -t lines < <(grep -aEo "$TERMINATION_RE" "$1")
	[ ${#lines[@]} -gt 0 ] || return 1
	for line in "${lines[@]}"; do
		set=${line#*reason set } set=${set%%,*} code=${line##* }
		printf '0x%x 0x%x\n' "$((set))" "$((code))"
	done
}

# QEMU arguments that trace, into the file that follows, every VMGEXIT
# (GHCB and MSR protocol) and every byte written to the serial port, in
# the order they happen (with one vCPU; bench/vmgexits.sh).
VMGEXIT_TRACE_ARGS="-trace serial_write -trace sev_es_vmgexit -trace sev_es_msr_protocol -D"

# vmgexit_segments TRACE [ERE]: a boot's trace (VMGEXIT_TRACE_ARGS) cut
# into segments, one line each: the VMGEXITs since the previous segment,
# the CPUID ones (GHCB exit 0x72, MSR protocol request 4) among them, the
# ones whose trace line matches ERE, and what ends the segment: a console
# line, or "<SEV information>" for an MSR protocol SEV information request
# (the first VMGEXIT of each boot stage).
vmgexit_segments() {
	awk -v ere="${2:-^$}" '
	function hex(s,   i, v) {
		v = 0
		for (i = 3; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
		return v
	}
	function segment(what) { print n, c, m, what; n = c = m = 0 }
	BEGIN { n = c = m = 0 }
	/serial_write write addr 0x00 val / {
		v = hex($NF)
		if (v == 10) { segment(line); line = "" }
		else if (v != 13) line = line sprintf("%c", v)
		next
	}
	!/^sev_es_(vmgexit|msr_protocol) / { next }
	{ n++ }
	$0 ~ ere { m++ }
	/exit code 0x72 / || /MSR protocol request 0x4 / { c++ }
	/MSR protocol request 0x2 / { segment("<SEV information>") }
	END { segment("<end>") }' "$1"
}

# boot_outcome LOG ERR RC: one line on how a boot.sh run ended, from its
# console LOG, QEMU's stderr ERR and boot.sh's status RC.
boot_outcome() {
	local log=$1 err=$2 rc=$3 line set code
	if read -r set code < <(termination_seen "$err"); then
		echo "termination request: reason set $set, reason code $code"
	elif line=$(grep -a -m1 'Kernel panic - not syncing' "$log"); then
		echo "panic: ${line#*not syncing: }"
	elif grep -aq 'shutdown (triple fault)' "$err"; then
		echo "triple fault"
	elif grep -aEq "$MARKER" "$log"; then
		echo "userland reached, boot.sh status $rc"
	elif [ "$rc" = 124 ]; then
		echo "timeout, no verdict"
	else
		echo "stopped (boot.sh status $rc)"
	fi
}

# wait_line LOG ERE PID: poll LOG until a line matches ERE; fail if PID
# (the boot writing LOG) ends first.
wait_line() {
	local log=$1 ere=$2 pid=$3
	until grep -aEq -- "$ere" "$log" 2>/dev/null; do
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
}

# The Debian mirror apt already uses for the release's main suite (deb822
# .sources or one-line .list entries), e.g. http://deb.debian.org/debian.
debian_mirror() {
	local suite=$1 f uri=""

	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		uri=$(awk -v suite="$suite" 'BEGIN { RS = "" }
			/(^|\n)Types:[^\n]*deb([ \n]|$)/ && $0 ~ "\nSuites:[^\n]*[ ]" suite "([ \n]|$)" {
				if (match($0, /URIs:[ ]*[^ \n]+/)) {
					u = substr($0, RSTART, RLENGTH); sub(/URIs:[ ]*/, "", u)
					print u; exit
				}
			}' "$f")
		[ -z "$uri" ] || break
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		{ [ -z "$uri" ] && [ -e "$f" ]; } || continue
		uri=$(sed 's/\[[^]]*\]//' "$f" |
			awk -v suite="$suite" '$1 == "deb" && $3 == suite { print $2; exit }')
	done
	[ -n "$uri" ] || die "no apt source for Debian '$suite' in /etc/apt"
	printf '%s\n' "$uri"
}

# list_patches TREE: the series of a work tree (pristine..HEAD), a line a
# commit: number, lines added and removed, subject.
list_patches() {
	local wt=$1 c n=0 stat

	while IFS= read -r c; do
		n=$((n + 1))
		stat=$(git -C "$wt" diff --numstat "$c^" "$c" |
			awk '{ a += $1; d += $2 } END { printf "+%d -%d", a, d }')
		printf '%2d. %-13s %s\n' "$n" "$stat" "$(git -C "$wt" log -1 --format=%s "$c")"
	done < <(git -C "$wt" rev-list --reverse pristine..HEAD)
}

# for_each_step TREE CLONE LABEL FN: every commit of a work tree's series
# (pristine..HEAD), in order, checked out clean in CLONE, a clone that
# shares the tree's objects (made once, brought up to the tree's HEAD):
# FN N COMMIT SUBJECT runs in CLONE's state, prints its line and fails
# for a bad step.  Ends with "LABEL: good of all good"; fails if any is
# bad.
for_each_step() {
	local wt=$1 clone=$2 label=$3 fn=$4 c n=0 bad=0

	if [ ! -e "$clone/.git" ]; then
		mkdir -p "${clone%/*}"
		git clone -q --shared --no-checkout "$wt" "$clone"
	fi
	git -C "$clone" fetch -q "$wt" HEAD
	while IFS= read -r c; do
		n=$((n + 1))
		git -C "$clone" checkout -q -f --detach "$c"
		git -C "$clone" clean -q -f -d -x
		"$fn" "$n" "$c" "$(git -C "$wt" log -1 --format=%s "$c")" || bad=$((bad + 1))
	done < <(git -C "$wt" rev-list --reverse pristine..HEAD)
	echo "$label: $((n - bad)) of $n good"
	[ $bad = 0 ]
}
