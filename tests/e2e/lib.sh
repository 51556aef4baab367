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

# ---- Linux -> `kreloc load` / `kreloc exec` -> shim -> Linux ------------------
# (live_load.sh, live_smp.sh.)  The first kernel boots an initramfs whose
# /init is tests/initramfs/init-live, with the arm64 CLI, the shim and the
# payload (Debian 12's Image, an initrd of init-live alone, the next command
# line) in it; see init-live for its console protocol.
E2E_CLI_ARM64=$E2E_ROOT/build/arm64-linux/kreloc
E2E_LIVE_CMDLINE="console=ttyAMA0 kreloc.e2e=after-live"
E2E_LIVE_FIRST_CMDLINE="console=ttyAMA0 quiet"
# The first kernels, "directory suffix" pairs (see kexec_shim.sh).
# shellcheck disable=SC2034 # used by the scripts that source this
E2E_FIRST_KERNELS=("$CACHE/kernel" "" "$CACHE/kernel-5.10" _510)
E2E_LIVE_IRD=''
E2E_LIVE_DISK=''

# e2e_live_init NAME: build the first boot's initramfs as
# build/e2e/NAME.cpio (E2E_LIVE_IRD); on failure print FAIL: NAME_... and
# return 1.
e2e_live_init() {
	local n=$1 cli=$E2E_CLI_ARM64 asuid=$E2E_OUT/asuid next_ird adds
	if [ ! -x "$cli" ]; then
		e2e_fail "${n}_cli" "missing ${cli#"$E2E_ROOT"/} (the arm64 kreloc CLI: make arm64-linux)"
		return 1
	fi
	# The initramfs has no C library: the CLI must be static.
	if "${CROSS:-aarch64-linux-gnu-}readelf" -lW "$cli" 2>/dev/null | grep -q 'INTERP'; then
		e2e_fail "${n}_cli" "${cli#"$E2E_ROOT"/} is dynamically linked; the initramfs has no C library"
		return 1
	fi
	# /bin/asuid for the nonroot case: freestanding, as mkinitramfs builds cntvct.
	if [ ! -x "$asuid" ] || [ "$E2E_ROOT/tests/initramfs/asuid.c" -nt "$asuid" ]; then
		"${CROSS:-aarch64-linux-gnu-}gcc" -std=c11 -Wall -Wextra -Werror -static -nostdlib \
			-ffreestanding -fno-stack-protector -O2 -s -o "$asuid" \
			"$E2E_ROOT/tests/initramfs/asuid.c" >"$E2E_OUT/$n.asuid" 2>&1 ||
			{ e2e_fail "${n}_asuid" "cannot build tests/initramfs/asuid.c: $(tail -n 1 "$E2E_OUT/$n.asuid")"; return 1; }
	fi
	# The payload's initrd: init-live alone (its next-boot half).
	next_ird=$E2E_OUT/$n.next.cpio.gz
	"$E2E_ROOT/scripts/mkinitramfs" --init "$E2E_ROOT/tests/initramfs/init-live" "$next_ird" \
		>"$E2E_OUT/$n.mk" 2>&1 ||
		{ e2e_fail "${n}_initramfs" "$(tail -n 1 "$E2E_OUT/$n.mk")"; return 1; }
	printf '%s' "$E2E_LIVE_CMDLINE" >"$E2E_OUT/$n.cmdline"
	adds=(--add "$cli=bin/kreloc" --add "$E2E_SHIM=usr/lib/kreloc/shim.Image"
		--add "$E2E_KERNEL=payload/Image" --add "$next_ird=payload/initrd"
		--add "$E2E_OUT/$n.cmdline=payload/cmdline" --add "$asuid=bin/asuid")
	# Not gzipped: the Image is most of it, and the first kernel unpacks a
	# plain archive faster than it inflates one.
	E2E_LIVE_IRD=$E2E_OUT/$n.cpio
	"$E2E_ROOT/scripts/mkinitramfs" --no-gzip --init "$E2E_ROOT/tests/initramfs/init-live" \
		"${adds[@]}" "$E2E_LIVE_IRD" >>"$E2E_OUT/$n.mk" 2>&1 ||
		{ e2e_fail "${n}_initramfs" "$(tail -n 1 "$E2E_OUT/$n.mk")"; return 1; }
}

# e2e_live_boot N FIRST_KERNEL EL [kreloc.live step] [CPUS]: the first boot
# of E2E_LIVE_IRD on a GICv3 with an ITS and CPUS CPUs (default 2), and
# whatever follows it; leaves E2E_LOG, E2E_RC and E2E_REPORT.  With
# E2E_LIVE_DISK set, that file is a raw virtio disk of the machine, which
# both boots see (live_report.sh).  The timeout
# only stops a hung guest: on a loaded 2-CPU host one case took 157 s.
e2e_live_boot() {
	local n=$1 kernel=$2 el=$3 step=${4:-} smp=${5:-2}
	E2E_LOG=$E2E_OUT/$n.log
	E2E_RC=0
	"$E2E_ROOT/scripts/qemu-run" --kernel "$kernel" --initrd "$E2E_LIVE_IRD" \
		--append "$E2E_LIVE_FIRST_CMDLINE${step:+ kreloc.live=$step}" --el "$el" --gic 3 \
		--smp "$smp" --mem 2G --icount --timeout 480 --quiet --log "$E2E_LOG" \
		${E2E_LIVE_DISK:+-- -drive "if=none,format=raw,file=$E2E_LIVE_DISK,id=kreloc-disk" \
			-device virtio-blk-device,drive=kreloc-disk} \
		2>"$E2E_OUT/$n.qemu-run" || E2E_RC=$?
	E2E_REPORT=$(python3 "$E2E_ROOT/scripts/report.py" make --log "$E2E_LOG" \
		--cmdline "$E2E_LIVE_CMDLINE" --el "$el" --set "qemu_exit=$E2E_RC" || true)
	printf '%s\n' "$E2E_REPORT" >"$E2E_OUT/$n.report"
}

# e2e_live_zero_copy: the shim verified the payload, copied nothing with
# the MMU off, and used every whole page of the Image and initrd where the
# holder process had it (borrowed: no staging copy); only each partial last
# page is staged.
e2e_live_zero_copy() {
	printf '%s\n' "$E2E_REPORT" | python3 -c '
import json, sys
r = json.loads(sys.stdin.read().split(": ", 1)[1])
whole = r["payload_bytes"]["kernel"] // 4096 + r["payload_bytes"]["initrd"] // 4096
sys.exit(not (r["verified"] is True and r["bytes_copied_mmu_off"] == 0 and
              r["borrowed_pages"] == whole))'
}

# e2e_cpus_why NAME CPUS LEFT_OUT: check build/e2e/NAME.report's CPU
# figures (smp.sh, live_smp.sh): CPUS CPUs copied, their cpu_pages add up to
# the pages copied and are even to a page, LEFT_OUT were left out, the
# mailbox says CPUS too, and the next kernel has CPUs 0-3 online.  Prints what is wrong; status 1 then.
e2e_cpus_why() {
	python3 - "$E2E_OUT/$1.report" "$2" "$3" <<'PY'
import json, sys
line = open(sys.argv[1]).read().strip()
rep = json.loads(line[len("kreloc-report: "):])
want, left = int(sys.argv[2]), int(sys.argv[3])
errors = []
pages = rep.get("cpu_pages") or []
copied = rep["bytes_copied_mmu_on"] // 4096
if rep.get("cpus") != want or len(pages) != want:
    errors.append("cpus %r, cpu_pages %r: want %d" % (rep.get("cpus"), pages, want))
elif sum(pages) != copied:
    errors.append("cpu_pages %r add up to %d, not the %d pages copied" % (pages, sum(pages), copied))
elif any(abs(p * want - copied) > want for p in pages):
    errors.append("cpu_pages %r: a share is more than a page off %d/%d" % (pages, copied, want))
if rep.get("cpus_left_out") != left:
    errors.append("cpus_left_out %r, want %d" % (rep.get("cpus_left_out"), left))
# the shim's record in the next kernel's mailbox (kreloc report's CPUs)
if (rep.get("mailbox_record") or {}).get("cpus") != want:
    errors.append("the mailbox says %r CPUs copied, want %d" % ((rep.get("mailbox_record") or {}).get("cpus"), want))
if rep.get("cpus_online") != "0-3":
    errors.append("the next kernel has CPUs %r online, not 0-3" % rep.get("cpus_online"))
print("; ".join(errors))
sys.exit(1 if errors else 0)
PY
}
