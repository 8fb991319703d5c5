#!/usr/bin/env bash
# The model, rule by rule: tests/sevtest runs as the firmware of an
# SEV-ES guest and prints one TAP line per check.  This script plays the
# host side: it injects NMIs, reads the guest's private page through the
# monitor, the gdbstub and a dump, and answers through the UART scratch
# register.  It passes when every check passed and the guest ended with
# its own termination request (reason set 15, code 0).
. "$(dirname "$0")/../lib.sh"

out=$BUILD/sevtest

work=$(mktemp -d "${TMPDIR:-/tmp}/sev-es-test.XXXXXX")
pid=
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
mon=$work/mon.sock gdb=$work/gdb.sock qmp=$work/qmp.sock log=$work/console.log err=$work/qemu.err

mkdir -p "$out"
make -s -C "$TOP/tests/sevtest" O="$out" >/dev/null

# start_sevtest MODE [SEV-GUEST OPTIONS]: sevtest as the firmware of an
# SEV-ES guest (from $firmware), told MODE when it asks (1: every check,
# 2: a reset request, 3: a triple fault, 4: a flood of exit codes, 5:
# RDTSC through the GHCB, 6: a scratch area in device memory, 9: a store
# to ROM, 10: firmware in flash; 7 and 8 are tests/ghcb-fuzz.sh's).  No
# -no-reboot: the model must refuse to reset the guest by itself, as KVM
# does.
firmware=(-bios "$out/sevtest.bin")
start_sevtest() {
	local mode=$1
	: >"$log"
	SEV_OPTS=${2:-} qemu_cmdline sev-es 1 128M
	timeout -k 5 120 "${QEMU_CMD[@]}" -nic none \
		"${firmware[@]}" -serial "file:$log" \
		-monitor "unix:$mon,server=on,wait=off" -gdb "unix:$gdb,server=on,wait=off" \
		-qmp "unix:$qmp,server=on,wait=off" \
		2>"$err" &
	pid=$!
	ready mode
	monitor "$mon" "o /b 0x3ff $mode" >/dev/null
}

ready() { wait_line "$log" "^# READY $1" "$pid" || fail "guest stopped before 'READY $1'"; }

# The guest's state cannot be reset: a reset request stops it, once.
start_sevtest 2
wait "$pid" || true
grep -q 'cpus are not resettable, terminating' "$err" ||
	fail "reset request: no 'cpus are not resettable' from QEMU ($(head -c 300 "$err"))"
[ "$(grep -ac '^# READY mode' "$log")" = 1 ] || fail "reset request: the guest started again"
note "reset request: $(grep -a 'not resettable' "$err")"

# A triple fault stops the vCPU at once: one report.
start_sevtest 3
wait "$pid" || true
n=$(grep -ac 'shutdown (triple fault)' "$err" || true)
[ "$n" = 1 ] || fail "triple fault: $n reports, expected 1"
note "triple fault: $(grep -a 'triple fault' "$err")"

# 4096 distinct exit codes: the counters stay bounded (tcg-stats lines).
start_sevtest 4 tcg-stats=on
wait "$pid" || true
grep -aq 'each refused 2/6' "$log" || fail "exit-code flood: $(grep -a '^# 4096' "$log")"
n=$(grep -ac 'VMGEXIT exit code' "$err" || true)
[ "$n" -le 64 ] || fail "exit-code flood: $n counters kept, expected at most 64"
note "exit-code flood: $n counters kept, $(grep -a 'VMGEXIT other' "$err")"

# gdb remote protocol packets: $<data>#<two hex digits of the byte sum>.
gdb_packet() {
	local data=$1 sum=0 i
	for ((i = 0; i < ${#data}; i++)); do
		sum=$(( (sum + $(printf '%d' "'${data:i:1}")) % 256 ))
	done
	printf '$%s#%02x' "$data" "$sum"
}

# full_run [SEV-GUEST OPTIONS]: every check, with the harness's part
# (NMIs, host views); passes when all passed and the guest terminated.
# policy=0x4 (no NODBG) lets the host read plaintext.
full_run() {
	local debug=0
	case ${1:-} in *policy=0x4*) debug=1 ;; esac
	start_sevtest 1 "${1:-}"
	ready nmi-1
	monitor "$mon" nmi >/dev/null
	ready nmi-nested
	monitor "$mon" nmi 'o /b 0x3ff 4' >/dev/null
	ready nmi-2
	monitor "$mon" nmi 'o /b 0x3ff 2' >/dev/null

	ready host-view
	read -r addr qword < <(sed -n 's/^# READY host-view \(0x[0-9a-f]*\) \([0-9a-f]*\).*/\1 \2/p' "$log" | tr -d '\r')
	[ -n "$qword" ] || fail "no host-view line"
	le=$(fold -w2 <<<"$qword" | tac | tr -d '\n')	# the qword's bytes, in memory order
	note "guest plaintext at $addr: 0x$qword"

	# info sev-es-page, before any host view converts the page: private,
	# ciphertext through C=0; plaintext through C=1 with a debug policy.
	page=$(monitor "$mon" "info sev-es-page $addr")
	note "info sev-es-page: $(tr '\n' ' ' <<<"$page")"
	skip=$(( (addr & 15) * 2 ))
	c0=$(sed -n 's/^  C=0 read (DRAM)://p' <<<"$page" | tr -d ' ')
	c1=$(sed -n 's/^  C=1 read://p' <<<"$page" | tr -d ' ')
	grep -q 'RAM, private' <<<"$page" || fail "info sev-es-page: not a private RAM page"
	[ ${#c0} = 64 ] || fail "info sev-es-page: no C=0 view"
	[ "${c0:$skip:16}" != "$le" ] || fail "info sev-es-page: the C=0 view shows the plaintext"
	if [ "$debug" = 1 ]; then
		[ "${c1:$skip:16}" = "$le" ] || fail "info sev-es-page: the C=1 view is not the plaintext"
	else
		grep -q 'C=1 read: not shown' <<<"$page" || fail "info sev-es-page: showed C=1 under NODBG"
	fi
	info=$(monitor "$mon" "info sev-es")
	note "info sev-es: $(head -3 <<<"$info" | tr '\n' ' ')"
	grep -Eq 'vCPU 0: GHCB MSR 0x[0-9a-f]{16} \(GHCB GPA\), protocol version [0-9]+, AP reset hold: none, NMI: not blocked$' <<<"$info" ||
		fail "info sev-es: no vCPU 0 line"
	grep -Eq '^  #VC [1-9][0-9]*, VMGEXIT [1-9][0-9]*; last requests' <<<"$info" || fail "info sev-es: no counts"
	[ "$(grep -c '^    GHCB 0x' <<<"$info")" -ge 1 ] || fail "info sev-es: no requests logged"
	grep -q '^termination request: none$' <<<"$info" || fail "info sev-es: a termination request?"
	# ... and the same through QMP, as one human-readable text.
	info=$( { echo '{"execute": "qmp_capabilities"}'; sleep 0.3
		echo '{"execute": "x-query-sev-es"}'; sleep 0.5; } |
		timeout 10 socat -t 2 - "UNIX-CONNECT:$qmp" | grep -a 'human-readable-text' || true)
	note "x-query-sev-es: ${info:0:120}"
	grep -Eq '"human-readable-text": "vCPU 0: GHCB MSR 0x[0-9a-f]{16} \(GHCB GPA\)' <<<"$info" ||
		fail "x-query-sev-es: no vCPU 0 line"
	grep -q '\\ntermination request: none\\n' <<<"$info" || fail "x-query-sev-es: no termination line"

	# The host sees DRAM (ciphertext), or with a debug policy what the
	# PSP's DBG_DECRYPT gives it (plaintext); never the registers.
	xp=$(monitor "$mon" "xp /1xg $addr" | grep -a "^0*${addr#0x}:" || true)
	note "monitor xp: $xp"
	[ -n "$xp" ] || fail "monitor xp printed nothing"
	reply=$( { gdb_packet 'Qqemu.PhyMemMode:1'; sleep 0.5; gdb_packet "m${addr#0x},8"; } |
		timeout 10 socat -t 3 - "UNIX-CONNECT:$gdb" | tr -d '\r')
	mem=$(grep -o '\$[0-9a-f]\{16\}#' <<<"$reply" | tr -d '$#' || true)
	note "gdbstub physical read: $mem"
	[ -n "$mem" ] || fail "gdbstub did not answer the memory read: $reply"
	if [ "$debug" = 1 ]; then
		grep -qi "$qword" <<<"$xp" || fail "debug policy: monitor xp did not show the plaintext"
		[ "$mem" = "$le" ] || fail "debug policy: gdbstub did not show the plaintext"
	else
		! grep -qi "$qword" <<<"$xp" || fail "monitor xp showed the plaintext"
		[ "$mem" != "$le" ] || fail "gdbstub showed the plaintext"
	fi

	# What needs the registers is refused: page walks, stepping,
	# breakpoints, dumps (their notes hold registers).
	x=$(monitor "$mon" "x /1xg $addr" "info tlb" "info mem")
	note "monitor x, info tlb, info mem: $(grep -a 'Cannot access\|secret' <<<"$x" | tr '\n' ' ')"
	[ "$(grep -ac 'Cannot access memory' <<<"$x")" = 1 ] || fail "monitor x walked the page tables: $x"
	[ "$(grep -ac "page tables are the guest's secret" <<<"$x")" = 2 ] ||
		fail "info tlb/info mem walked the page tables: $x"
	reply=$( { gdb_packet 'Qqemu.PhyMemMode:0'; sleep 0.3; gdb_packet "m${addr#0x},8"
		sleep 0.3; gdb_packet "Z0,${addr#0x},1"; sleep 0.3; gdb_packet s; sleep 0.5; } |
		timeout 10 socat -t 3 - "UNIX-CONNECT:$gdb" | tr -d '\r')
	errs=$(grep -o '[$]E[0-9a-f]*#' <<<"$reply" | tr -d '$#' | tr '\n' ' ')
	note "gdbstub virtual read, breakpoint, step: $errs"
	[ "$(wc -w <<<"$errs")" = 3 ] || fail "gdbstub: virtual read, breakpoint and step not all refused: $reply"
	dump=$(monitor "$mon" "dump-guest-memory $work/dump.elf $addr 4096")
	note "dump-guest-memory: $(grep -a 'Dump' <<<"$dump")"
	grep -q 'Dump not allowed' <<<"$dump" || fail "dump-guest-memory was not refused: $dump"
	[ ! -e "$work/dump.elf" ] || fail "a dump was written"

	monitor "$mon" cont 'o /b 0x3ff 3' >/dev/null
	wait "$pid" || true

	tr -d "\r" <"$log" | grep -a "^ok\|^not ok\|^1\.\.\|^# " || true
	cat "$err"
	plan=$(tr -d '\r' <"$log" | sed -n 's/^1\.\.\([0-9]*\)$/\1/p')
	oks=$(tr -d '\r' <"$log" | grep -ac '^ok ' || true)
	[ -n "$plan" ] || fail "sevtest did not finish (no plan line)"
	[ "$oks" = "$plan" ] || fail "$((plan - oks)) of $plan checks failed"
	grep -q 'sev-es: guest termination request: reason set 15, reason code 0' "$err" ||
		fail "no termination request with reason 15/0 from the model"
	# ... and the state it prints once then, with the reason decoded.
	[ "$(grep -c "the guest ended; the model's state:" "$err")" = 1 ] ||
		fail "the model did not print its state once at termination"
	grep -q '^termination request: vCPU 0, reason set 15, reason code 0x00: unknown reason$' "$err" ||
		fail "the model's state does not name the termination request"
	note "$oks of $plan checks passed (${1:-tcg-kvm=upstream})"
}

# Where KVM_RUN fails, the VM ends: RDTSC through the GHCB (no exit
# handler), a scratch area in device memory under KVM 6.1 (-EFAULT).
start_sevtest 5
wait "$pid" || true
grep -q 'RDTSC through the GHCB has no KVM exit handler, stopping' "$err" ||
	fail "RDTSC through the GHCB: the guest went on ($(head -c 300 "$err"))"
note "RDTSC through the GHCB: $(grep -a 'RDTSC' "$err")"
start_sevtest 6 tcg-kvm=6.1
wait "$pid" || true
grep -q 'scratch area is not guest memory (KVM_RUN: EFAULT), stopping' "$err" ||
	fail "scratch in device memory (6.1): the guest went on ($(head -c 300 "$err"))"
note "scratch in device memory (6.1): $(grep -a 'scratch' "$err")"

# A store to a read-only memslot: KVM cannot emulate it (livelock).
start_sevtest 9
wait "$pid" || true
grep -q 'store to ROM or flash in ROM mode at GPA 0xc0000: KVM cannot emulate it' "$err" ||
	fail "store to ROM: not reported ($(grep -a 'still running' "$log"))"
note "store to ROM: $(grep -a 'store to ROM' "$err")"

# Firmware in flash, as OVMF is: launch encrypts the code flash and
# nothing else, so C=0 reads of the code see ciphertext and C=1 reads of
# the varstore and the ROMs noise; a store to flash in ROM mode stops
# the guest.
head -c 65536 /dev/zero | tr '\0' '\132' >"$work/vars.fd"
firmware=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$out/sevtest.bin"
	-drive "if=pflash,format=raw,unit=1,file=$work/vars.fd")
start_sevtest 10
wait "$pid" || true
firmware=(-bios "$out/sevtest.bin")
tr -d "\r" <"$log" | grep -a "^ok\|^not ok\|^1\.\.\|^# " || true
plan=$(tr -d '\r' <"$log" | sed -n 's/^1\.\.\([0-9]*\)$/\1/p')
oks=$(tr -d '\r' <"$log" | grep -ac '^ok ' || true)
[ -n "$plan" ] || fail "firmware in flash: sevtest did not finish (no plan line)"
[ "$oks" = "$plan" ] || fail "firmware in flash: $((plan - oks)) of $plan checks failed"
grep -q 'store to ROM or flash in ROM mode at GPA 0xfffd0000: KVM cannot emulate it' "$err" ||
	fail "store to flash in ROM mode: not reported ($(grep -a 'still running' "$log"))"
! grep -aq 'still running after a store to flash' "$log" || fail "store to flash in ROM mode: the guest went on"
note "firmware in flash: $oks of $plan checks passed; $(grep -a 'store to ROM' "$err")"

full_run tcg-kvm=6.1
full_run policy=0x4
full_run
