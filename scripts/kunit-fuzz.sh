#!/usr/bin/env bash
# The long run of the fuzzers inside the guest (KUnit sev_es_fuzz: the
# #VC decoder and error-code matcher, the GHCB response checks against a
# stand-in hypervisor), on the kernel scripts/build-kernel.sh built.
#
#   kunit-fuzz.sh [SEED]   (default: FUZZ_SEED, else the clock;
#                           FUZZ_CASES per fuzzer, default 10,000,000)
#
# Prints each fuzzer's seed, cases, seconds, cases per second and
# failures, and for a failure its case number: sev_es_fuzz.seed=SEED
# sev_es_fuzz.first=N sev_es_fuzz.cases=1 runs that case alone.
. "$(dirname "$0")/lib.sh"

main() {
	export FUZZ_SEED=${1:-${FUZZ_SEED:-$(date +%s)}}
	export FUZZ_CASES=${FUZZ_CASES:-10000000}
	# About 80,000 cases per second per fuzzer under TCG, the slower one.
	export TIMEOUT=${TIMEOUT:-$((300 + FUZZ_CASES / 20000))}

	log "sev_es_fuzz: $FUZZ_CASES cases per fuzzer, seed $FUZZ_SEED"
	"$TOP/scripts/kunit.sh" sev_es_fuzz
}

main "$@"
