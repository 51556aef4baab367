# SPDX-License-Identifier: MIT
# lib.sh - helpers for kreloc's end-to-end tests (sourced, not run).
#
# A test script sources this, calls e2e_init, then for each case:
#   e2e_pack OUT [kreloc pack options]     bundle of the cached Debian kernel
#                                          + the test initramfs + $E2E_CMDLINE
#   e2e_boot NAME BUNDLE [qemu-run options] boot it through the shim; sets
#                                          E2E_LOG, E2E_RC, E2E_REPORT
#   e2e_get KEY                            one field of $E2E_REPORT
#   e2e_check NAME REASON CMD...           PASS: NAME if CMD succeeds, else FAIL: NAME - REASON
# Output protocol (read by tests/run): "PASS: name", "FAIL: name - why",
# "SKIP: name - why", one per line.  Logs stay in build/e2e/ for debugging.

E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
E2E_OUT=$E2E_ROOT/build/e2e
CACHE=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kreloc}
export CACHE
E2E_CLI=$E2E_ROOT/build/host/kreloc
E2E_SHIM=$E2E_ROOT/build/shim.Image
E2E_KERNEL=$CACHE/kernel/Image
E2E_INITRAMFS=$E2E_OUT/initramfs.cpio.gz
E2E_CMDLINE=${E2E_CMDLINE:-console=ttyAMA0 quiet panic=-1 kreloc.e2e=1}
MODE=${MODE:-mmu}
GRANULE=${GRANULE:-4k}
E2E_LOG='' E2E_RC='' E2E_REPORT=''

e2e_pass() { echo "PASS: $1"; }
e2e_fail() { echo "FAIL: $1 - $2"; }
e2e_skip() { echo "SKIP: $1 - $2"; }

# e2e_selected CASE: true when tests/run's filter (KRELOC_TEST_FILTER) is
# empty, names this script, or is part of CASE's name.
e2e_selected() {
	local f=${KRELOC_TEST_FILTER:-}
	[ -z "$f" ] || [[ "e2e/$(basename "$0")" == *"$f"* ]] || [[ "$1" == *"$f"* ]]
}

# e2e_init TESTNAME: check what every case needs.  When the shim or the CLI
# is missing (run outside `make check`), print one SKIP line and exit 0.
e2e_init() {
	local what=() f
	for f in "$E2E_CLI" "$E2E_SHIM" "$E2E_KERNEL" "$CACHE/arm64/bin/busybox"; do
		[ -e "$f" ] || what+=("${f#"$E2E_ROOT"/}")
	done
	if [ "${#what[@]}" -gt 0 ]; then
		e2e_skip "$1" "missing ${what[*]} (make host target setup)"
		exit 0
	fi
	mkdir -p "$E2E_OUT"
	if [ ! -s "$E2E_INITRAMFS" ] ||
	   [ -n "$(find "$E2E_ROOT/tests/initramfs" "$E2E_ROOT/scripts/mkinitramfs" \
			-newer "$E2E_INITRAMFS" 2>/dev/null)" ]; then
		"$E2E_ROOT/scripts/mkinitramfs" "$E2E_INITRAMFS" ||
			{ e2e_fail "$1" "mkinitramfs failed"; exit 1; }
	fi
}

# e2e_pack OUT [options]: pack the standard payload; extra options are
# passed to `kreloc pack` after the defaults.  Returns pack's status.
e2e_pack() {
	local out=$1
	shift
	"$E2E_CLI" pack --image "$E2E_KERNEL" --initrd "$E2E_INITRAMFS" \
		--cmdline "$E2E_CMDLINE" --mode "$MODE" --granule "$GRANULE" \
		"$@" -o "$out"
}

# e2e_boot NAME BUNDLE [qemu-run options]: boot BUNDLE through the shim
# (default --el 1 --icount --timeout 60; later options win).  Leaves the
# console in build/e2e/NAME.log and its report line in E2E_REPORT.
e2e_boot() {
	local name=$1 bundle=$2 el=1 prev=''
	shift 2
	for a in "$@"; do
		[ "$prev" != --el ] || el=$a
		prev=$a
	done
	E2E_LOG=$E2E_OUT/$name.log
	E2E_RC=0
	rm -f "$E2E_LOG"
	"$E2E_ROOT/scripts/qemu-run" --kernel "$E2E_SHIM" --initrd "$bundle" \
		--icount --timeout 60 --quiet --log "$E2E_LOG" "$@" 2>"$E2E_OUT/$name.qemu-run" ||
		E2E_RC=$?
	E2E_REPORT=$(python3 "$E2E_ROOT/scripts/report.py" make --log "$E2E_LOG" \
		--cmdline "$E2E_CMDLINE" --el "$el" --set "qemu_exit=$E2E_RC" || true)
	printf '%s\n' "$E2E_REPORT" >"$E2E_OUT/$name.report"
}

# e2e_get KEY: print one field of the last report ("" and status 1 if absent).
e2e_get() {
	printf '%s\n' "$E2E_REPORT" | python3 "$E2E_ROOT/scripts/report.py" get "$1"
}

# e2e_last_line: the last non-empty line of the last console log.
e2e_last_line() {
	grep -v '^[[:space:]]*$' "$E2E_LOG" | tail -n 1
}

# e2e_check NAME REASON CMD...: run CMD; PASS when it succeeds, else FAIL
# with REASON and the tail of the console log, so that a failure can be
# diagnosed from the test run alone.
e2e_check() {
	local name=$1 reason=$2
	shift 2
	if "$@"; then
		e2e_pass "$name"
		return 0
	fi
	e2e_fail "$name" "$reason"
	if [ -n "$E2E_LOG" ] && [ -f "$E2E_LOG" ]; then
		echo "  console tail ($E2E_LOG, qemu exit $E2E_RC):"
		tail -n 15 "$E2E_LOG" | sed 's/^/  | /'
	fi
	return 1
}
