#!/usr/bin/env bash
# The console session helpers (tests/session.sh) match whole lines only:
# a command's answer that the console is still printing ("ENC Memory
# Encry") is not taken for the answer, and the wait goes on until its
# newline arrives.  Prompts, which no newline ends, still match.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/session.sh"

SESSION_DIR=$(mktemp -d)
trap 'kill "$writer" 2>/dev/null || true; rm -rf "$SESSION_DIR"' EXIT
SESSION_LOG=$SESSION_DIR/console.log
SESSION_MARK=0
# session_match stops when the guest stops: this process stands in.
sleep 60 &
SESSION_PID=$!

# The console prints half a line, then the rest 1.5 s later.
printf 'root@sev-es-guest:~# dmesg\r\nENC Memory Encry' >"$SESSION_LOG"
(sleep 1.5; printf 'ption Features active: AMD SEV SEV-ES\r\n' >>"$SESSION_LOG") &
writer=$!

line=$(session_wait '^ENC ' 10) || fail "session_wait never saw the whole line"
note "session_wait: $line"
[ "$line" = "ENC Memory Encryption Features active: AMD SEV SEV-ES" ] ||
	fail "session_wait took a line still being printed: '$line'"
wait "$writer"

session_mark
printf 'root@sev-es-guest:~# ' >>"$SESSION_LOG"
line=$(session_prompt "$SESSION_PROMPT" 5) || fail "session_prompt missed the prompt"
note "session_prompt: $line"

# What never arrives whole times out instead of matching.
printf 'STATE runn' >>"$SESSION_LOG"
session_mark
printf 'STATE runn' >>"$SESSION_LOG"
! session_wait '^STATE ' 1 2>/dev/null || fail "session_wait matched an unfinished line"
kill "$SESSION_PID"
