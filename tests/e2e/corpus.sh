#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# corpus.sh - the malformed-input corpus (tests/corpus/*.case): every case
# must be refused with its own error, and must be shown to have written
# nothing outside kreloc's own memory.
#
# `where: shim` cases are booted through the shim under QEMU
# (tests/corpus/mkinput.py builds the inputs, tests/corpus/refusal.py runs
# QEMU and compares guest RAM saved at the shim's first instruction with RAM
# after the refusal).  Passing means: the console's last line is
# "kreloc-shim-error: <expect>: ...", no next kernel started, the guest
# powered itself off, RAM at entry held the shim and the bundle, and every
# byte that changed lies inside the shim's image [load address, +image_size).
#
# `where: lib` cases run in the library on the simulator's memory model
# (build/host/tests/test_corpus_layout CASE): each check gives the expected
# error and no byte outside the pages the allocator handed out changed.
#
# A case refused only after staging (`writes: free-ram`, e.g. a digest
# checked as the payload is copied) may also change free RAM, where the
# shim's allocator takes its pages, but never the bundle, the incoming tree
# or its /memreserve/ ranges.
#
# A case with `known: REASON` documents a gap not fixed yet: while it fails
# it prints "SKIP: corpus_<case> - known gap: REASON (why it failed)", and
# PASS once fixed (then drop the line).  `timeout: S` bounds a run (20 s).
#
# One "PASS: corpus_<case>" or "FAIL: corpus_<case> - why" line per case.
# KRELOC_CORPUS_JOBS (default 2) QEMU runs at a time.  Each run works in its
# own build/corpus.XXXXXX (two `make check` at once do not collide); the
# directories of failed cases are kept there, the rest removed.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
CLI=build/host/kreloc
SHIM=build/shim.Image
LIBTEST=build/host/tests/test_corpus_layout
JOBS=${KRELOC_CORPUS_JOBS:-2}

missing=()
for f in "$CLI" "$SHIM" "$LIBTEST"; do
	[ -e "$f" ] || missing+=("$f")
done
for t in python3 dtc qemu-system-aarch64; do
	command -v "$t" >/dev/null || missing+=("$t")
done
if [ "${#missing[@]}" -gt 0 ]; then
	echo "SKIP: corpus - missing ${missing[*]} (make host target setup)"
	exit 0
fi
mkdir -p "$ROOT/build"
OUT=$(mktemp -d "$ROOT/build/corpus.XXXXXX") || exit 1

selected() {
	local f=${KRELOC_TEST_FILTER:-}
	[ -z "$f" ] || [[ e2e/corpus.sh == *"$f"* ]] || [[ "$1" == *"$f"* ]]
}

field() { sed -n "s/^$1:[[:space:]]*//p" "$2" | head -n 1; }

# verdict CASE-FILE NAME: run one case, leave "PASS: ..." or "FAIL: ..." (and
# detail lines) in $OUT/NAME/verdict.
verdict() {
	local c=$1 n=$2 dir=$OUT/${2#corpus_} expect where
	rm -rf "$dir"
	mkdir -p "$dir"
	expect=$(field expect "$c")
	where=$(field where "$c")
	if ! grep -q "X($expect," include/kreloc/error.h 2>/dev/null &&
	   ! grep -q "X(${expect#E_}," include/kreloc/error.h; then
		echo "FAIL: $n - expect '$expect' is not a kreloc error name" >"$dir/verdict"
		return
	fi
	case $where in
	lib)
		if "$LIBTEST" "$c" >"$dir/lib.log" 2>&1; then
			echo "PASS: $n" >"$dir/verdict"
		else
			{ echo "FAIL: $n - test_corpus_layout failed"; sed 's/^/  | /' "$dir/lib.log" | tail -n 15; } >"$dir/verdict"
		fi
		;;
	shim)
		if ! python3 tests/corpus/mkinput.py "$c" "$dir" 2>"$dir/mkinput.err"; then
			echo "FAIL: $n - $(tail -n 1 "$dir/mkinput.err")" >"$dir/verdict"
			return
		fi
		local bundle=() qargs=() writes tmo
		[ -f "$dir/bundle" ] && bundle=(--bundle "$dir/bundle")
		writes=$(field writes "$c")
		[ "$writes" = free-ram ] && bundle+=(--allow-free-ram)
		tmo=$(field timeout "$c")
		[ -n "$tmo" ] && bundle+=(--timeout "$tmo")
		mapfile -t qargs <"$dir/qemu-args"
		python3 tests/corpus/refusal.py --out "$dir" "${bundle[@]}" "${qargs[@]}" >"$dir/result.json"
		python3 - "$n" "$expect" "$dir/result.json" "$dir/console.log" "$writes" >"$dir/verdict" <<'EOF'
import json, sys
name, expect, result, log, writes = sys.argv[1:]
try:
    r = json.load(open(result))
except ValueError:
    r = {"error": "refusal.py printed no result"}
why = None
if "error" in r:
    why = r["error"]
elif not r["last_line"].startswith("kreloc-shim-error: %s:" % expect):
    why = "last console line is %r, expected 'kreloc-shim-error: %s: ...'" % (r["last_line"], expect)
elif r["booted_linux"]:
    why = "the shim went on to hand off despite the error"
elif not r["powered_off"]:
    why = "the guest did not power off (stopped after the time limit)"
elif not r.get("shim") or not r.get("shim_at_entry"):
    why = "RAM at entry does not hold the shim at its reported load address"
elif r.get("bundle_at_entry") is False:
    why = "RAM at entry does not hold the bundle"
elif writes == "free-ram" and r.get("protected_bytes", 1):
    why = "%d bytes of the bundle, the incoming tree or its reservations written" % (
        r.get("protected_bytes", -1))
elif r["outside_bytes"] and writes != "free-ram":
    why = "%d bytes written outside the shim image %s-%s: %s" % (
        r["outside_bytes"], r["shim"][0], r["shim"][1],
        ", ".join("%s-%s" % tuple(x) for x in r["outside_runs"]))
if why:
    print("FAIL: %s - %s" % (name, why))
    try:
        tail = [l.rstrip() for l in open(log, errors="replace") if l.strip()][-6:]
        print("\n".join("  | " + l for l in tail))
    except OSError:
        pass
else:
    print("PASS: %s" % name)
    if r["outside_bytes"]:
        print("  %s: %d bytes changed in RAM, %d outside the shim %s-%s, all in free RAM"
              " (staging), none in the bundle or the incoming tree" %
              (name, r["changed_bytes"], r["outside_bytes"], r["shim"][0], r["shim"][1]))
    else:
        print("  %s: %d bytes changed in RAM, all inside the shim %s-%s" %
              (name, r["changed_bytes"], r["shim"][0], r["shim"][1]))
EOF
		;;
	*)
		echo "FAIL: $n - 'where: $where' is neither shim nor lib" >"$dir/verdict"
		;;
	esac
}

# verdict, then a failing `known:` case turned into a SKIP.
run_case() {
	local c=$1 n=$2 dir=$OUT/${2#corpus_} known
	verdict "$c" "$n"
	known=$(field known "$c")
	if [ -n "$known" ] && grep -q '^FAIL: ' "$dir/verdict"; then
		sed -i "1s/^FAIL: $n - \(.*\)/SKIP: $n - known gap: ${known//\//\\/} (\1)/" "$dir/verdict"
		sed -i '2,$d' "$dir/verdict"
	fi
}

names=()
for c in tests/corpus/*.case; do
	n=corpus_$(basename "$c" .case)
	selected "$n" || continue
	names+=("$n")
	while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
		wait -n
	done
	run_case "$c" "$n" &
done
wait
kept=0
for n in "${names[@]}"; do
	d=$OUT/${n#corpus_}
	if [ -s "$d/verdict" ]; then
		cat "$d/verdict"
	else
		echo "FAIL: $n - no verdict"
	fi
	if grep -q '^\(PASS\|SKIP\): ' "$d/verdict" 2>/dev/null; then
		rm -rf "$d"
	else
		kept=1
	fi
done
if [ "$kept" = 1 ]; then
	echo "corpus: inputs and logs of the failed cases are in ${OUT#"$ROOT"/}"
else
	rm -rf "$OUT"
fi
exit 0
