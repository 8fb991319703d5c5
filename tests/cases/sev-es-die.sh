#!/usr/bin/env bash
# The guest's last words must not keep it from ending: a termination the
# #VC path asks for goes out even when that path still holds this CPU's
# GHCB and its backup, or runs on the VC2 stack, and printing why (port
# IO to the serial console, a #VC of its own) comes first.  KUnit's
# sev_es_vc.die_on_request ends the guest on purpose for each:
#   nested       GHCB_TERM_GHCB_NESTED (set 1, code 0x1e)
#   entry-stack  GHCB_TERM_VC_UNEXPECTED (set 1, code 0x15)
. "$(dirname "$0")/../lib.sh"

die_case() {
	local name=$1 code=$2

	note "sev_es_vc.die=$name"
	expect_termination 1 "$code" KERNEL=ours MODE=sev-es SMP=1 TIMEOUT=120 CMD=true \
		APPEND="kunit.filter_glob=sev_es_vc.die_on_request sev_es_vc.die=$name"
	expect_console "requesting termination \\(reason set 1, code $(printf '%#x' "$code")\\)"
}

die_case nested 30
die_case entry-stack 21
