# shellcheck shell=bash disable=SC2034 # SESSION_* are for the sourcing scripts
# A serial-console session with a guest booted on the Debian root
# filesystem (scripts/boot.sh ROOTFS=debian): log in as root, type
# commands, wait for what they print.  Source after tests/lib.sh (tests)
# or scripts/lib.sh (bench).
#
# Commands print their results on lines of their own, so that the echo
# of the typed command never matches, e.g.
#   session_run 'echo "STATE $(systemctl is-system-running)"' '^STATE ' 60

SESSION_PROMPT='root@sev-es-guest:[^#]*# '

# session_start VAR=value...: boot in the background, the console's input
# from a FIFO, its output in SESSION_LOG (QEMU's stderr in SESSION_ERR).
# Picks a free host port for HOSTFWD: SESSION_PORT reaches guest port 5555.
session_start() {
	SESSION_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sev-es-session.XXXXXX")
	SESSION_LOG=$SESSION_DIR/console.log
	SESSION_ERR=$SESSION_DIR/qemu.err
	SESSION_PORT=$(free_port)
	SESSION_MARK=0
	mkfifo "$SESSION_DIR/in"
	# Read-write, so that opening it never blocks and QEMU never sees EOF.
	exec {SESSION_FD}<>"$SESSION_DIR/in"
	: >"$SESSION_LOG"
	SESSION_START=$(date +%s.%N)
	# A process group of its own, so that session_stop can end it all.
	setsid env ROOTFS=debian HOSTFWD="tcp:127.0.0.1:$SESSION_PORT-:5555" "$@" \
		LOG="$SESSION_LOG" "$TOP/scripts/boot.sh" \
		<"$SESSION_DIR/in" >/dev/null 2>"$SESSION_ERR" &
	SESSION_PID=$!
}

# session_stop: power the guest off, or after two minutes kill boot.sh,
# QEMU and all; clean up.  Returns the status boot.sh ended with (143
# when killed); does nothing when no session runs.
session_stop() {
	local rc=0 i
	[ -n "${SESSION_PID:-}" ] || return 0
	if kill -0 "$SESSION_PID" 2>/dev/null; then
		session_send 'systemctl poweroff'
		for i in $(seq 240); do
			kill -0 "$SESSION_PID" 2>/dev/null || break
			sleep 0.5
		done
		kill -- -"$SESSION_PID" 2>/dev/null || true
	fi
	wait "$SESSION_PID" || rc=$?
	exec {SESSION_FD}>&-
	[ -z "${SESSION_KEEP:-}" ] || cp "$SESSION_LOG" "$SESSION_KEEP"
	rm -rf "$SESSION_DIR"
	SESSION_PID=
	return "$rc"
}

# A TCP port nobody listens on, for the port forward.
free_port() {
	local port
	while :; do
		port=$((20000 + RANDOM % 20000))
		ss -Htln "sport = :$port" 2>/dev/null | grep -q . || break
	done
	echo "$port"
}

# session_text: what the console printed since the last session_mark,
# without carriage returns and terminal escapes (bash's bracketed-paste
# mode, systemd's colours).
session_text() {
	tail -c +"$((SESSION_MARK + 1))" "$SESSION_LOG" |
		sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\r//g'
}

# session_wait ERE SECONDS: wait until the console printed a whole line
# (one its newline ended) matching ERE after the last session_mark; print
# that line.  A line still being printed is not looked at: "^ENC " would
# match its first bytes.  Fails if the time runs out or the guest stops.
session_wait() { session_match "$1" "$2" whole; }

# session_prompt ERE SECONDS: session_wait for a prompt, which no newline
# ends: the line still being printed counts too.
session_prompt() { session_match "$1" "$2" any; }

# session_lines whole|any: session_text, with or without the line still
# being printed.
session_lines() {
	if [ "$1" = whole ]; then
		session_text | perl -ne 'print if /\n\z/'
	else
		session_text
	fi
}

# session_match ERE SECONDS whole|any: the loop of session_wait and
# session_prompt.
session_match() {
	local ere=$1 limit=$2 lines=$3 end line
	end=$((SECONDS + limit))
	while :; do
		line=$(session_lines "$lines" | grep -aE -m1 -- "$ere") &&
			{ echo "$line"; return 0; }
		kill -0 "$SESSION_PID" 2>/dev/null || { echo "guest stopped" >&2; return 1; }
		[ $SECONDS -lt $end ] || { echo "no /$ere/ within ${limit}s" >&2; return 1; }
		sleep 0.2
	done
}

# session_mark: later waits look only at what follows.
session_mark() { SESSION_MARK=$(stat -c %s "$SESSION_LOG"); }

# session_send LINE: type LINE and Enter on the console.
session_send() { printf '%s\r' "$1" >&"$SESSION_FD"; }

# session_login SECONDS: wait for login:, log in as root (no password),
# wait for the shell prompt and quieten the kernel on the console.
session_login() {
	session_prompt ' login: ' "$1" >/dev/null || return 1
	session_mark
	session_send root
	session_prompt "$SESSION_PROMPT" 60 >/dev/null || return 1
	session_run 'dmesg -n 1; stty cols 500; echo "QUIET $?"' '^QUIET ' 30 >/dev/null
}

# session_run CMD ERE SECONDS: type CMD, print the first line after it
# that matches ERE.
session_run() {
	session_mark
	session_send "$1"
	session_wait "$2" "$3"
}

# session_receive FILE SECONDS [SINK]: send FILE from the host to the
# guest's port 5555 through the port forward (QEMU user network,
# virtio-net); print the first word SINK (default sha256sum) printed for
# what the guest received.
session_receive() {
	local file=$1 limit=$2 sink=${3:-sha256sum} line
	# shellcheck disable=SC2016 # expanded by the guest shell
	session_run "(nc -d -l 5555 | $sink | sed 's/^/RECEIVED /') &"'
until ss -Htln "sport = :5555" | grep -q .; do sleep 0.2; done; echo "LISTENING $?"' '^LISTENING ' 60 >/dev/null || return 1
	session_mark
	timeout "$limit" socat -u "FILE:$file" "TCP:127.0.0.1:$SESSION_PORT" || return 1
	line=$(session_wait '^RECEIVED ' "$limit") || return 1
	line=${line#RECEIVED }
	echo "${line%% *}"
}

# rootfs_checks: what every kernel must do with the Debian root
# filesystem as an SEV-ES guest, in a session started by session_start.
rootfs_checks() {
	local line state blob want got

	session_login 400 || fail "no root login on the serial console"
	note "root logged in on ttyS0"
	# shellcheck disable=SC2016 # expanded by the guest shell
	state=$(session_run 'echo "STATE $(timeout 600 systemctl is-system-running --wait)"' \
		'^STATE ' 630) || fail "systemctl is-system-running gave no answer"
	note "systemctl is-system-running: ${state#STATE }"
	# shellcheck disable=SC2016
	session_run 'systemctl --failed --no-legend --plain | sed "s/^/FAILED-UNIT /";
echo "FAILED $(systemctl list-units --state=failed --no-legend | wc -l)"' '^FAILED [0-9]' 60 >/dev/null ||
		fail "cannot count failed units"
	session_text | grep -a '^FAILED-UNIT ' | sed 's/^/--- /' || true
	line=$(session_wait '^FAILED [0-9]' 1)
	note "failed units: ${line#FAILED }"
	[ "$line" = "FAILED 0" ] || fail "failed units: ${line#FAILED }"
	[ "$state" = "STATE running" ] || fail "the system is ${state#STATE }, not running"
	line=$(session_run 'dmesg | grep -m1 "Memory Encryption Features active" | sed "s/^\[[^]]*\] /ENC /"' \
		'^ENC ' 60) || fail "no memory encryption line in dmesg"
	note "$line"
	[ "$line" = "ENC Memory Encryption Features active: AMD SEV SEV-ES" ] ||
		fail "dmesg: ${line#ENC }"
	blob=$SESSION_DIR/blob
	head -c 64M /dev/urandom >"$blob"
	want=$(sha256sum <"$blob" | cut -d' ' -f1)
	got=$(session_receive "$blob" 180) || fail "64 MiB transfer to the guest failed"
	note "64 MiB host -> guest: host sha256 $want, guest sha256 $got"
	[ "$got" = "$want" ] || fail "the guest received other bytes"
}

# user_cpuid_checks: CPUID from user space, in a 64-bit and in a static
# 32-bit program (compatibility mode, IA32_EMULATION), each a #VC that the
# kernel answers with the model's leaf 0x8000001F: SEV and SEV-ES (EAX
# bits 1 and 3), C-bit 51 and one reduced physical address bit (EBX).
user_cpuid_checks() {
	local line
	line=$(session_run 'cpuid 0x8000001f 2>&1 | sed "s/^/CPUID64 /"' '^CPUID64 ' 60) ||
		fail "64-bit cpuid gave nothing"
	line=${line#CPUID64 }
	note "$line"
	case $line in
	'cpuid 0x8000001f.0: eax=0x0000000a ebx=0x00000073 '*) ;;
	*) fail "64-bit user CPUID: $line" ;;
	esac
	# A 32-bit program that the kernel refuses gives the shell's "cannot
	# execute binary file: Exec format error".
	line=$(session_run 'cpuid32 2>&1 | sed "s/^/CPUID32 /"' '^CPUID32 ' 60) ||
		fail "32-bit cpuid gave nothing"
	line=${line#CPUID32 }
	note "$line"
	[ "$line" = "cpuid32 0x8000001f: eax=0x0000000a ebx=0x00000073" ] ||
		fail "32-bit program: $line"
}
