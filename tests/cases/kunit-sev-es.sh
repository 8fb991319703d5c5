#!/usr/bin/env bash
# Our KUnit suites run inside an SEV-ES guest on the model, through the
# tree's kunit.py (make kunit), and every one of them passes; the live
# tests (MSR protocol, C-bit probe) must have run, not been skipped.
. "$(dirname "$0")/../lib.sh"

log=$(mktemp "${TMPDIR:-/tmp}/sev-es-kunit.XXXXXX")
rc=0
"$TOP/scripts/kunit.sh" >"$log" 2>&1 || rc=$?
cat "$log"
[ $rc = 0 ] || fail "kunit.py exited $rc"
for suite in sev_es_msr sev_es_cpuid_msr sev_es_cbit sev_es_vc sev_es_fuzz sev_es_cpuid_cache; do
	grep -Eq "\[PASSED\] $suite " "$log" || fail "suite $suite did not pass"
done
# die_on_request runs only when a boot asks it to (tests/cases/sev-es-die.sh).
grep -a '\[SKIPPED\]' "$log" | grep -av ' die_on_request$' &&
	fail "tests were skipped: not an SEV-ES guest?"
grep -Eq 'Testing complete\. Ran [0-9]+ tests: passed: [0-9]+(, skipped: 1)?$' "$log" ||
	fail "kunit.py summary shows failures or other skips"
rm -f "$log"
