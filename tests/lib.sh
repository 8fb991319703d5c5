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

# hostile_case LIE SET CODE: boot our kernel (or $KERNEL) against the
# model's hostile hypervisor telling LIE; the model must log the guest's
# termination request with that reason set and code, within the timeout.
hostile_case() {
	local lie=$1 set=$2 code=$3 err want seen

	err=$(mktemp "${TMPDIR:-/tmp}/sev-es-hostile.XXXXXX")
	want="guest termination request: reason set $set, reason code $code"
	note "hypervisor lie: $lie; expected: $want"
	BOOT_LOG=$(mktemp "${TMPDIR:-/tmp}/sev-es-console.XXXXXX")
	BOOT_RC=0
	KERNEL=${KERNEL:-ours} MODE=sev-es SMP=1 TIMEOUT=${TIMEOUT:-90} CMD=true \
		SEV_OPTS="tcg-hostile=$lie" LOG="$BOOT_LOG" \
		"$TOP/scripts/boot.sh" >/dev/null 2>"$err" || BOOT_RC=$?
	note "boot.sh exit status $BOOT_RC"
	sed 's/^/--- qemu: /' "$err"
	seen=$(grep -ao 'guest termination request: reason set [0-9]*, reason code [0-9]*' "$err" || true)
	rm -f "$err"
	refute_console "$MARKER"
	[ -n "$seen" ] || fail "no termination request (boot.sh status $BOOT_RC)"
	[ "$seen" = "$want" ] || fail "$seen, expected: $want"
}
