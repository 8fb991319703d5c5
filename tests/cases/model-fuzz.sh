#!/usr/bin/env bash
# The model's hypervisor side against seeded random requests from a
# guest (tests/ghcb-fuzz.sh), on a QEMU built with AddressSanitizer and
# UBSan: 100,000 requests under each imitated KVM, zero sanitizer
# reports, the hypervisor answering after each.  FUZZ_SEED replays a
# run; make fuzz runs 10,000,000.
. "$(dirname "$0")/../lib.sh"

seed=${FUZZ_SEED:-$(date +%s)}
"$TOP/tests/ghcb-fuzz.sh" short "$seed"
"$TOP/tests/ghcb-fuzz.sh" short "$((seed + 1))" tcg-kvm=6.1
