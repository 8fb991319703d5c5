#!/usr/bin/env bash
# Fuzz the model's hypervisor side from inside a guest: tests/sevtest in
# its fuzz mode sends seeded random MSR-protocol values and GHCB pages
# to a QEMU built with AddressSanitizer and UBSan, and checks after each
# that the hypervisor still answers.
#
#   tests/ghcb-fuzz.sh [short|long] [SEED] [SEV-GUEST OPTIONS]
#
# short: 100,000 requests (make check); long: 10,000,000 (make fuzz).
# SEED defaults to the time; it is printed, and the same seed replays
# the same requests.  Passes with zero sanitizer reports, QEMU alive to
# the end and the guest's own verdict.
. "$(dirname "$0")/lib.sh"

length=${1:-short} seed=${2:-$(date +%s)} opts=${3:-}
case $length in
short) mode=7 ;;
long) mode=8 ;;
*) fail "unknown length '$length' (short or long)" ;;
esac
asan=${QEMU_FUZZ:-$BUILD/qemu-asan/qemu-system-x86_64}
[ -x "$asan" ] || fail "no sanitizer build of QEMU at $asan (scripts/build-qemu.sh asan)"
out=$BUILD/sevtest
mkdir -p "$out"
make -s -C "$TOP/tests/sevtest" O="$out" >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/sev-es-fuzz.XXXXXX")
pid=
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
mon=$work/mon.sock log=$work/console.log err=$work/qemu.err

export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
start=$(date +%s.%N)
QEMU=$asan SEV_OPTS=$opts qemu_cmdline sev-es 1 128M
timeout -k 5 3600 "${QEMU_CMD[@]}" -nic none \
	-bios "$out/sevtest.bin" -serial "file:$log" \
	-monitor "unix:$mon,server=on,wait=off" 2>"$err" &
pid=$!
ready() { wait_line "$log" "^# READY $1" "$pid" || fail "guest stopped before 'READY $1'"; }
ready mode
monitor "$mon" "o /b 0x3ff $mode" >/dev/null
hex=$(printf '%016x' "$seed")
for i in $(seq 0 15); do
	ready "nibble $i"
	monitor "$mon" "o /b 0x3ff 0x1${hex:i:1}" >/dev/null
done
wait "$pid" && rc=0 || rc=$?
end=$(date +%s.%N)

tr -d '\r' <"$log" | grep -a '^# fuzz' || true
reports=$(grep -ac 'ERROR: AddressSanitizer\|runtime error:' "$err" || true)
requests=$(tr -d '\r' <"$log" | sed -n 's/^# fuzz: done: \([0-9]*\) requests.*/\1/p')
secs=$(echo "$end - $start" | bc -l)
note "seed $seed: ${requests:-0} requests in $(printf '%.1f' "$secs") s" \
	"($(echo "${requests:-0} / $secs" | bc) per second), sanitizer reports: $reports, QEMU exit $rc"
[ "$reports" = 0 ] || { head -n 40 "$err"; fail "sanitizer reports (seed $seed)"; }
[ -n "$requests" ] || { tail -n 20 "$err"; fail "the fuzz run did not finish (seed $seed)"; }
grep -q 'guest termination request: reason set 15, reason code 0' "$err" ||
	fail "no clean termination from the guest (seed $seed)"
