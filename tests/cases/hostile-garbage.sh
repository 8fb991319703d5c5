#!/usr/bin/env bash
# Garbage in every MSR-protocol response, from the first SEV information
# request on: SEV_TERM_MSR_RESPONSE (set 1, code 0x10).
. "$(dirname "$0")/../lib.sh"

hostile_case garbage 1 16
