# shellcheck shell=bash
# Helpers for tests/cases: boot a guest, assert on what it printed.
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "--- $*"; }

# boot VAR=value... : run scripts/boot.sh with those settings.
# Sets BOOT_RC and BOOT_LOG (the guest console).
boot() {
	BOOT_LOG=$(mktemp "${TMPDIR:-/tmp}/sev-es-console.XXXXXX")
	BOOT_RC=0
	note "boot $*"
	env "$@" LOG="$BOOT_LOG" "$TOP/scripts/boot.sh" || BOOT_RC=$?
	note "boot.sh exit status $BOOT_RC"
}

# monitor SOCKET COMMAND...: run HMP commands on a monitor socket.
monitor() {
	local sock=$1; shift
	printf '%s\n' "$@" | timeout 10 socat -t 2 - "UNIX-CONNECT:$sock" | tr -d '\r'
}

expect_rc() {
	[ "$BOOT_RC" = "$1" ] || fail "boot.sh exited $BOOT_RC, expected $1"
}

# expect_console ERE: the console printed a line matching it.
expect_console() {
	grep -aEq -- "$1" "$BOOT_LOG" || fail "console never printed /$1/"
}

# refute_console ERE: the console printed no line matching it.
refute_console() {
	! grep -aEq -- "$1" "$BOOT_LOG" || fail "console printed /$1/"
}
