#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fuzz_corpus.sh - replay every committed fuzz corpus (tests/fuzz/corpus/NAME/)
# once through its libFuzzer target (build/fuzz/fuzz_NAME, built by
# `make fuzz-build`, which `make check` depends on) under ASan and UBSan.
#
# Each input runs exactly once, no mutation: a crash, a sanitizer report or
# a failed invariant (the targets abort on one) fails that target.  One
# "PASS: fuzz_corpus_NAME" or "FAIL: fuzz_corpus_NAME - why" line per target.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1

selected() {
	local f=${KRELOC_TEST_FILTER:-}
	[ -z "$f" ] || [[ e2e/fuzz_corpus.sh == *"$f"* ]] || [[ "$1" == *"$f"* ]]
}

ran=0
for dir in tests/fuzz/corpus/*/; do
	t=$(basename "$dir")
	n=fuzz_corpus_$t
	selected "$n" || continue
	ran=1
	bin=build/fuzz/fuzz_$t
	if [ ! -x "$bin" ]; then
		echo "SKIP: $n - $bin not built (make fuzz-build)"
		continue
	fi
	mapfile -t files < <(find "$dir" -maxdepth 1 -type f ! -name '.*' | sort)
	if [ "${#files[@]}" = 0 ]; then
		echo "FAIL: $n - empty corpus $dir"
		continue
	fi
	log=$(mktemp)
	# Leak detection stays on (ASAN_OPTIONS from tests/run); inputs are run
	# one by one, in file order, then the binary exits.
	if "$bin" "${files[@]}" >"$log" 2>&1; then
		echo "PASS: $n"
		echo "  $n: ${#files[@]} inputs, no crash, no sanitizer report"
	else
		echo "FAIL: $n - $(grep -m1 -E 'ERROR|invariant failed|runtime error' "$log" || tail -n 1 "$log")"
		grep -E '^(Running|fuzz invariant|  )' "$log" | tail -n 8 | sed 's/^/  | /'
	fi
	rm -f "$log"
done
[ "$ran" = 1 ] || echo "SKIP: fuzz_corpus - no corpus under tests/fuzz/corpus"
exit 0
