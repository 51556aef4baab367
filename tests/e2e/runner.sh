#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# runner.sh - tests/run itself, on scripts made here (KRELOC_E2E_DIR) and no
# unit tests (KRELOC_UNIT_DIR empty):
#   runner_counts     PASS, FAIL and SKIP lines are counted, and the last
#                     line is "N passed, N failed" with a failing status
#   runner_timeout    a script over KRELOC_TEST_TIMEOUT is stopped and counts
#                     one failure, "timed out after 1s"
#   runner_own_bound  the same script with "# test-timeout: 30" runs to its
#                     end; a bound below KRELOC_TEST_TIMEOUT does not shorten it
set -uo pipefail
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/unit" "$TMP/counts" "$TMP/slow" "$TMP/own" "$TMP/low"
RUN=$E2E_ROOT/tests/run

# run_in DIR TIMEOUT: tests/run over DIR's scripts, output in $TMP/out.
run_in() {
	KRELOC_UNIT_DIR=$TMP/unit KRELOC_E2E_DIR=$1 KRELOC_TEST_TIMEOUT=$2 KRELOC_TEST_FILTER= \
		bash "$RUN" >"$TMP/out" 2>&1
}

if e2e_selected runner_counts; then
	printf '%s\n' '#!/usr/bin/env bash' 'echo "PASS: a"' 'echo "PASS: b"' \
		'echo "FAIL: c - no"' 'echo "SKIP: d - not here"' >"$TMP/counts/t.sh"
	run_in "$TMP/counts" 60
	rc=$?
	e2e_check runner_counts "want '2 passed, 1 failed', status 1: $(tail -n 1 "$TMP/out"), $rc" \
		test "$(tail -n 1 "$TMP/out")" = "2 passed, 1 failed" -a "$rc" = 1 -a \
		"$(grep -c '^1 skipped$' "$TMP/out")" = 1
fi

slow() {	# slow FILE [HEADER]: a script that takes 3 s, then passes
	{
		echo '#!/usr/bin/env bash'
		[ -z "${2:-}" ] || echo "$2"
		echo 'sleep 3'
		echo 'echo "PASS: slept"'
	} >"$1"
}

if e2e_selected runner_timeout; then
	slow "$TMP/slow/t.sh"
	run_in "$TMP/slow" 1
	e2e_check runner_timeout "$(tail -n 3 "$TMP/out" | tr '\n' '|')" \
		grep -q 'timed out after 1s' "$TMP/out"
	e2e_check runner_timeout_counted "last line $(tail -n 1 "$TMP/out")" \
		test "$(tail -n 1 "$TMP/out")" = "0 passed, 1 failed"
fi

if e2e_selected runner_own_bound; then
	slow "$TMP/own/t.sh" '# test-timeout: 30'
	run_in "$TMP/own" 1
	e2e_check runner_own_bound "last line $(tail -n 1 "$TMP/out")" \
		test "$(tail -n 1 "$TMP/out")" = "1 passed, 0 failed"
	slow "$TMP/low/t.sh" '# test-timeout: 1'
	run_in "$TMP/low" 30
	e2e_check runner_own_bound_not_lower "last line $(tail -n 1 "$TMP/out")" \
		test "$(tail -n 1 "$TMP/out")" = "1 passed, 0 failed"
fi
