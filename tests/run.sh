#!/usr/bin/env bash
# Run every test in tests/cases (or those named), each under a hard
# timeout, and finish with "N passed, N failed".
. "$(dirname "$0")/../scripts/lib.sh"

LOGS=$CACHE/test-logs
CASE_TIMEOUT=${CASE_TIMEOUT:-1200}

run_case() {
	local t=$1 name log start rc=0

	name=${t##*/}; name=${name%.sh}
	log=$LOGS/$name.log
	start=$SECONDS
	timeout -k 10 "$CASE_TIMEOUT" "$t" >"$log" 2>&1 </dev/null || rc=$?
	if [ $rc = 0 ]; then
		printf 'PASS %-32s %4ds\n' "$name" $((SECONDS - start))
		return 0
	fi
	printf 'FAIL %-32s %4ds (exit %d, log %s)\n' "$name" $((SECONDS - start)) "$rc" "$log"
	tail -n 25 "$log" | sed 's/^/    | /'
	return 1
}

main() {
	local t cases=() passed=0 failed=0

	mkdir -p "$LOGS"
	if [ $# -gt 0 ]; then
		# NAME is tests/cases/NAME.sh; DIR/NAME is tests/DIR/NAME.sh.
		for t in "$@"; do
			case $t in
			*/*) cases+=("$TOP/tests/${t%.sh}.sh") ;;
			*) cases+=("$TOP/tests/cases/${t%.sh}.sh") ;;
			esac
		done
	else
		cases=("$TOP"/tests/cases/*.sh)
	fi
	for t in "${cases[@]}"; do
		if run_case "$t"; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
		fi
	done
	echo "$passed passed, $failed failed"
	[ $failed = 0 ]
}

main "$@"
