#!/usr/bin/env bash
# Run every test (or those named), each under a hard timeout, and report
# in KTAP: "ok N NAME", "not ok N NAME", "ok N NAME # SKIP why"; the last
# line is "N passed, N failed" (", N skipped" when some were).
#
#   tests/run.sh [NAME...]
#
# The tests are tests/cases/*.sh and one hostile-LIE per lie of
# tests/hostile.cfg (tests/hostile.sh --check LIE).  NAME is one of them,
# a glob over their names ('hostile-*'), or DIR/NAME for tests/DIR/NAME.sh.
# A test that exits 77 is skipped; its last "SKIP: " line says why.
. "$(dirname "$0")/../scripts/lib.sh"
. "$TOP/tests/manifest.sh"

LOGS=$CACHE/test-logs
CASE_TIMEOUT=${CASE_TIMEOUT:-1200}
SKIP_STATUS=77

# all_tests: "NAME PATH [ARG]" for every test of make check, by name.
all_tests() {
	local t lie
	{
		for t in "$TOP"/tests/cases/*.sh; do
			t=${t##*/}
			echo "${t%.sh} $TOP/tests/cases/$t"
		done
		for lie in "${CFG_LIES[@]}"; do
			echo "hostile-$lie $TOP/tests/hostile.sh --check $lie"
		done
	} | sort
}

# pick NAME...: TESTS, the lines of all_tests (or of tests/DIR) NAME
# selects, in that order.
pick() {
	local t line all=() found
	mapfile -t all < <(all_tests)
	for t in "$@"; do
		t=${t%.sh} found=
		if [[ $t == */* ]]; then
			[ -f "$TOP/tests/$t.sh" ] || die "no test tests/$t.sh"
			TESTS+=("${t##*/} $TOP/tests/$t.sh")
			continue
		fi
		for line in "${all[@]}"; do
			# shellcheck disable=SC2053 # NAME may be a glob
			[[ ${line%% *} == $t ]] && TESTS+=("$line") && found=1
		done
		[ -n "$found" ] || die "no test '$t' (tests/cases/$t.sh, or a lie of $HOSTILE_CFG)"
	done
}

# run_test N NAME CMD...: one test, its output in LOGS/NAME.log; prints its
# KTAP line.  Returns 0 passed, 1 failed, 2 skipped.
run_test() {
	local n=$1 name=$2 log start rc=0 why
	shift 2
	log=$LOGS/$name.log
	start=$SECONDS
	timeout -k 10 "$CASE_TIMEOUT" "$@" >"$log" 2>&1 </dev/null || rc=$?
	if [ $rc = 0 ]; then
		echo "ok $n $name # $((SECONDS - start)) s"
		return 0
	elif [ $rc = $SKIP_STATUS ]; then
		why=$(sed -n 's/^SKIP: //p' "$log" | tail -n 1)
		echo "ok $n $name # SKIP ${why:-no reason given}"
		return 2
	fi
	echo "not ok $n $name # $((SECONDS - start)) s, exit $rc, log $log"
	tail -n 25 "$log" | sed 's/^/# | /'
	return 1
}

main() {
	local t n=0 rc passed=0 failed=0 skipped=0

	cfg_load
	mkdir -p "$LOGS"
	TESTS=()
	if [ $# -gt 0 ]; then
		pick "$@"
	else
		mapfile -t TESTS < <(all_tests)
	fi
	[ ${#TESTS[@]} -gt 0 ] || die "no tests"
	echo "KTAP version 1"
	echo "1..${#TESTS[@]}"
	for t in "${TESTS[@]}"; do
		n=$((n + 1)) rc=0
		# shellcheck disable=SC2086 # "NAME PATH [ARG...]"
		run_test "$n" $t || rc=$?
		case $rc in
		0) passed=$((passed + 1)) ;;
		2) skipped=$((skipped + 1)) ;;
		*) failed=$((failed + 1)) ;;
		esac
	done
	echo "$passed passed, $failed failed$([ $skipped = 0 ] || echo ", $skipped skipped")"
	[ $failed = 0 ]
}

main "$@"
