#!/usr/bin/env bash
# Once an SEV-ES guest runs, neither the monitor nor the gdbstub can read
# its registers: `info registers` says why, and the gdbstub
# answers a register read ('g' packet) with no register data.
. "$(dirname "$0")/../lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/sev-es-test.XXXXXX")
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
mon=$work/mon.sock gdb=$work/gdb.sock log=$work/console.log

KERNEL=debian MODE=sev-es SMP=1 TIMEOUT=300 CMD='sleep 600' LOG=$log \
	QEMU_ARGS="-monitor unix:$mon,server=on,wait=off -gdb unix:$gdb,server=on,wait=off" \
	"$TOP/scripts/boot.sh" >/dev/null 2>"$work/boot.err" &
pid=$!

if ! wait_line "$log" "$MARKER" "$pid"; then
	tail -n 30 "$log" "$work/boot.err"
	fail "guest stopped before userland"
fi

regs=$(monitor "$mon" 'info registers')
note "info registers: $(grep -a 'CPU#' <<<"$regs")"
grep -aq 'CPU#0: register state unavailable: SEV-ES guest state is encrypted' <<<"$regs" ||
	fail "monitor did not refuse 'info registers'"
! grep -aq 'RIP=' <<<"$regs" || fail "monitor printed guest registers"

# gdb remote protocol: '$g#67' reads all registers; the reply is '$<hex>#xx'.
# shellcheck disable=SC2016 # a gdb packet, not an expansion
reply=$(printf '+$g#67' | timeout 10 socat -t 3 - "UNIX-CONNECT:$gdb" | tr -d '\r')
note "gdbstub 'g' reply: ${reply:0:60}"
grep -q '\$#00' <<<"$reply" || fail "gdbstub returned register data: ${reply:0:60}"

monitor "$mon" quit >/dev/null || true
wait "$pid" || true
