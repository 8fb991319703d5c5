#!/usr/bin/env bash
# Every shell script of the project passes shellcheck.
. "$(dirname "$0")/../lib.sh"

cd "$TOP" || exit
mapfile -t files < <(grep -rlE '^#!.*\b(ba)?sh\b|^# shellcheck shell=' \
	scripts tests ci .ci --include='*' 2>/dev/null | sort)
[ ${#files[@]} -gt 5 ] || fail "found only ${#files[@]} shell scripts"
note "shellcheck over ${#files[@]} files"
shellcheck "${files[@]}"
