#!/usr/bin/env bash
# The Debian root filesystem, MODE=sev-es over MODE=plain, same kernel,
# same run, two vCPUs: wall time from launch to the serial "login:" and
# to "systemctl is-system-running" answering, virtio-net throughput host
# -> guest (64 MiB through the port forward; SWIOTLB bounces it under
# SEV-ES) and virtio-blk sequential read (dd, O_DIRECT, 256 MiB).
#
#   bench/rootfs.sh [KERNEL...]     (default: debian, and ours-debian if built)
. "$(dirname "$0")/../scripts/lib.sh"
. "$TOP/tests/session.sh"

fail() { die "$*"; }
note() { :; }

# seconds since the session started
since_start() { echo "$(date +%s.%N) - $SESSION_START" | bc -l; }

# measure KERNEL MODE: one boot; sets LOGIN RUNNING NET_MBS DISK_MBS.
measure() {
	local kernel=$1 mode=$2 blob line start secs

	session_start KERNEL="$kernel" MODE="$mode" SMP=2 TIMEOUT=1500
	session_prompt ' login: ' 600 >/dev/null || die "$kernel/$mode: no login prompt"
	LOGIN=$(since_start)
	session_login 60 || die "$kernel/$mode: root login failed"
	# shellcheck disable=SC2016 # expanded by the guest shell
	line=$(session_run 'echo "STATE $(timeout 600 systemctl is-system-running --wait)"' '^STATE ' 630) ||
		die "$kernel/$mode: no system state"
	RUNNING=$(since_start)
	[ "$line" = "STATE running" ] || echo "  ($kernel/$mode: ${line#STATE })" >&2
	blob=$SESSION_DIR/blob
	head -c 64M /dev/zero >"$blob"
	start=$(date +%s.%N)
	line=$(session_receive "$blob" 600 'wc -c') || die "$kernel/$mode: transfer failed"
	secs=$(echo "$(date +%s.%N) - $start" | bc -l)
	[ "$line" = $((64 << 20)) ] || die "$kernel/$mode: the guest received $line bytes"
	NET_MBS=$(echo "64 / $secs" | bc -l)
	line=$(session_run 'dd if=/dev/vda of=/dev/null bs=1M count=256 iflag=direct 2>&1 |
sed -n "s/.* copied, \([0-9.,]*\) s.*/DD \1/p" | tr , .' '^DD ' 600) ||
		die "$kernel/$mode: dd failed"
	DISK_MBS=$(echo "256 / ${line#DD }" | bc -l)
	session_stop >/dev/null || true
}

bench_kernel() {
	local kernel=$1 p_login p_run p_net p_disk
	measure "$kernel" plain
	p_login=$LOGIN p_run=$RUNNING p_net=$NET_MBS p_disk=$DISK_MBS
	measure "$kernel" sev-es
	printf '%s kernel, Debian rootfs, SMP=2        plain   sev-es   ratio\n' "$kernel"
	printf '  boot to login:                 %7.1f s %6.1f s %6.2f\n' \
		"$p_login" "$LOGIN" "$(echo "$LOGIN / $p_login" | bc -l)"
	printf '  boot to is-system-running      %7.1f s %6.1f s %6.2f\n' \
		"$p_run" "$RUNNING" "$(echo "$RUNNING / $p_run" | bc -l)"
	printf '  virtio-net host->guest 64 MiB  %5.1f MiB/s %4.1f MiB/s %5.2f\n' \
		"$p_net" "$NET_MBS" "$(echo "$NET_MBS / $p_net" | bc -l)"
	printf '  virtio-blk seq. read 256 MiB   %5.1f MiB/s %4.1f MiB/s %5.2f\n' \
		"$p_disk" "$DISK_MBS" "$(echo "$DISK_MBS / $p_disk" | bc -l)"
}

main() {
	local kernels=("$@") k
	if [ ${#kernels[@]} = 0 ]; then
		kernels=(debian)
		[ ! -f "$BUILD/linux-debian/arch/x86/boot/bzImage" ] || kernels+=(ours-debian)
	fi
	"$TOP/scripts/rootfs.sh" >/dev/null
	trap 'session_stop >/dev/null 2>&1 || true' EXIT
	for k in "${kernels[@]}"; do
		[ "$k" != ours-debian ] || "$TOP/scripts/rootfs.sh" modules >/dev/null
		bench_kernel "$k"
	done
}

main "$@"
