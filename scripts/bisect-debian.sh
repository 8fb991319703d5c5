#!/usr/bin/env bash
# Bisect Debian's binary kernels on the model: no build, one boot per
# step of a binary search over the linux-image-6.1.0-N-amd64 and
# linux-image-6.12.N+deb12-amd64 packages the machine's apt sources offer.
#
#   bisect-debian.sh                 list the versions on offer
#   GOOD=v BAD=v bisect-debian.sh    bisect between them
#
# v is a package version (6.1.172-1), a kernel release (6.1.0-48,
# 6.12.118+deb12) or a package name.  MODE CMD TIMEOUT SMP APPEND
# SEV_OPTS as for scripts/boot.sh (CMD defaults to "true").  Each version
# is downloaded (apt-get download, never installed), unpacked into the
# cache and booted with its own virtio modules in our busybox initramfs,
# as KERNEL=debian boots the current one.  GOOD is taken as good and BAD
# as bad, as git bisect does.
. "$(dirname "$0")/lib.sh"

PACKAGES='linux-image-6\.1\.0-[0-9]+-amd64|linux-image-6\.12\.[0-9]+\+deb12-amd64'
MODE=${MODE:-sev-es}
CMD=${CMD:-true}
TIMEOUT=${TIMEOUT:-180}
RESULTS=$CACHE/bisect-debian

# "PACKAGE VERSION" for every kernel on offer, oldest first (of a
# package in several suites, the newest).
versions() {
	local pkgs=()
	mapfile -t pkgs < <(apt-cache pkgnames linux-image- | grep -E "^($PACKAGES)\$")
	[ ${#pkgs[@]} -gt 0 ] || return 0
	apt-cache madison "${pkgs[@]}" |
		awk -F' *[|] *' '$3 ~ / Packages$/ && !seen[$1]++ { sub(/^ */, "", $1); print $1, $2 }' |
		sort -V -k2,2
}

# index V: the position of version V in LIST.
index() {
	local i pkg version
	for i in "${!LIST[@]}"; do
		read -r pkg version <<<"${LIST[i]}"
		if [ "$1" = "$version" ] || [ "$1" = "$pkg" ] || [ "linux-image-$1-amd64" = "$pkg" ]; then
			echo "$i"
			return 0
		fi
	done
	die "no Debian kernel '$1' on offer (make bisect-debian lists them)"
}

# step PACKAGE: download, unpack and boot it; 0 good, 1 bad, 125 skip.
step() {
	local pkg=$1 img kimage start rc=0 what

	start=$SECONDS
	if ! fetch_deb "$pkg" 2>"$RESULTS/$pkg.fetch" ||
	   ! img=$("$TOP/scripts/initramfs.sh" debian "$UNPACK/$pkg" 2>>"$RESULTS/$pkg.fetch") ||
	   ! kimage=$(only_file "vmlinuz" "$UNPACK/$pkg"/boot/vmlinuz-* 2>>"$RESULTS/$pkg.fetch"); then
		tail -n 3 "$RESULTS/$pkg.fetch" >&2
		record "$pkg" skip "cannot fetch or unpack" $((SECONDS - start)) 0
		return 125
	fi
	local fetch_s=$((SECONDS - start))
	start=$SECONDS
	KERNEL=$kimage INITRD=$img MODE=$MODE CMD=$CMD TIMEOUT=$TIMEOUT \
		LOG="$RESULTS/$pkg.console" "$TOP/scripts/boot.sh" \
		>/dev/null 2>"$RESULTS/$pkg.qemu" || rc=$?
	grep -qE '^[a-z-]+\.sh: error: ' "$RESULTS/$pkg.qemu" &&
		die "cannot boot $pkg: $(grep -E '^[a-z-]+\.sh: error: ' "$RESULTS/$pkg.qemu")"
	what=$(boot_outcome "$RESULTS/$pkg.console" "$RESULTS/$pkg.qemu" "$rc")
	echo "$what" >"$RESULTS/$pkg.verdict"
	if [ "$rc" = 0 ]; then
		record "$pkg" good "$what" "$fetch_s" $((SECONDS - start))
		return 0
	fi
	record "$pkg" bad "$what" "$fetch_s" $((SECONDS - start))
	return 1
}

# record PACKAGE VERDICT WHAT FETCH_S BOOT_S
record() {
	printf '%-34s %-16s %-4s fetch %3ss boot %4ss  %s\n' "$1" "$(version_of "$1")" \
		"$2" "$4" "$5" "$3" | tee -a "$RESULTS/steps"
}

version_of() {
	local e
	for e in "${LIST[@]}"; do
		[ "${e%% *}" = "$1" ] && { echo "${e#* }"; return; }
	done
}

main() {
	local good bad range=() skipped=() l h m rc first boots what

	mapfile -t LIST < <(versions)
	[ ${#LIST[@]} -gt 0 ] || die "apt offers no linux-image-6.1/6.12 package (apt-get update?)"
	if [ -z "${GOOD:-}" ] || [ -z "${BAD:-}" ]; then
		echo "Debian kernels on offer (${#LIST[@]}), oldest first:"
		printf '  %s\n' "${LIST[@]}"
		echo "make bisect-debian GOOD=version BAD=version"
		return 0
	fi
	good=$(index "$GOOD")
	bad=$(index "$BAD")
	[ "$good" -lt "$bad" ] || die "GOOD ($GOOD) must be older than BAD ($BAD)"
	for ((m = good; m <= bad; m++)); do range+=("${LIST[m]%% *}"); done
	mkdir -p "$RESULTS" && rm -f "$RESULTS"/*
	log "bisecting ${#range[@]} Debian kernels, ${range[0]} (good) to ${range[-1]} (bad): MODE=$MODE CMD='$CMD'"

	l=0 h=$((${#range[@]} - 1))
	while [ $((h - l)) -gt 1 ]; do
		m=$(((l + h) / 2))
		rc=0
		step "${range[m]}" || rc=$?
		case $rc in
		0) l=$m ;;
		1) h=$m ;;
		*)
			skipped+=("${range[m]}")
			range=("${range[@]:0:m}" "${range[@]:m+1}")
			h=$((h - 1)) ;;
		esac
	done
	first=${range[h]}
	# BAD is taken as bad; boot it now if no step did, for how it fails.
	if [ ! -f "$RESULTS/$first.verdict" ] && step "$first"; then
		echo "no regression: $first ($(version_of "$first")) is good with CMD='$CMD'"
		return 1
	fi
	what=$(cat "$RESULTS/$first.verdict" 2>/dev/null || echo "no verdict")
	boots=$(grep -cE ' (good|bad) +fetch' "$RESULTS/steps" || true)
	echo "last good version: ${range[l]} $(version_of "${range[l]}")"
	echo "first bad version: $first $(version_of "$first")"
	[ ${#skipped[@]} = 0 ] || echo "skipped: ${skipped[*]}"
	echo "how it fails: $what"
	echo "boots: $boots for $((bad - good + 1)) versions"
	echo "logs: $RESULTS"
}

main "$@"
