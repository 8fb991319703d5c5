#!/usr/bin/env bash
# A guest that never finishes is killed at TIMEOUT and reported as such.
. "$(dirname "$0")/../lib.sh"

start=$SECONDS
boot KERNEL=ours MODE=plain SMP=1 TIMEOUT=30 CMD='sleep 100000'
expect_rc 124
[ $((SECONDS - start)) -lt 60 ] || fail "took $((SECONDS - start))s for TIMEOUT=30"
