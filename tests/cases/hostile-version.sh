#!/usr/bin/env bash
# An MSR-protocol version range of 3..3, without ours (1..2): the GHCB
# spec's "protocol range not supported" (set 0, code 1).
. "$(dirname "$0")/../lib.sh"

hostile_case version 0 1
