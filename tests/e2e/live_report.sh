#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# live_report.sh - `kreloc stamp` before `kreloc exec`, `kreloc report` in
# the next boot: the seed's table (shutdown / relocation / startup) end to
# end, under -icount (counter ticks are instructions, so every figure is
# exact and repeats).
#
# The first kernel (Debian 12's 6.1: the virtio modules below are its own)
# boots live_load.sh's initramfs (init-live) with kreloc.live=report, and a
# 1 MiB raw virtio disk: the busybox initramfs is fresh on the next boot, so
# the stamp goes onto the disk's first sector (no file system: dd), and the
# next boot copies it back to /var/lib/kreloc/shutdown-stamp.  Both
# initramfs hold virtio_ring, virtio, virtio_mmio and virtio_blk from
# $CACHE/arm64/lib/modules (init-live's disk_up); the payload's initrd is
# init-live with the CLI and those modules, so the next boot stamps
# "user space up" (`kreloc stamp --up`) as its /init starts and runs
# `kreloc report`.
#
# test-timeout: 1500
#
# Two boots, the shim entered at EL1, then at EL2.  Cases, N = 1, 2:
#   live_report_elN_refusals_first  in the first boot, `kreloc report` refuses
#                     with no stamp, and after `kreloc stamp` with no mailbox
#                     (that boot did not come through kreloc)
#   live_report_elN   the hand-off boots; the next boot's `kreloc report`
#                     exits 0 and its JSON has the three phases, which add up
#                     to the counter's own difference (up - stamp), in order
#                     stamp <= shim entry <= jump <= up; the shim entry and
#                     the jump are the mailbox's (as init printed it), the
#                     bytes and the verification flag the shim's report's,
#                     0 bytes with the MMU off; user space up came from
#                     `kreloc stamp --up`; the table prints the same sum
#                     (and live_report_elN_booted: scripts/report.py's verdict)
#   live_report_elN_refusals_next  in the next boot, a missing stamp and a
#                     stamp of that same boot are refused, each with its line
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_init live_report

N=live_report
KERNEL_DIR=$CACHE/kernel
release=$(cat "$KERNEL_DIR/release" 2>/dev/null)
MODDIR=$CACHE/arm64/lib/modules/$release/kernel
MODULES=("$MODDIR/drivers/virtio/virtio_ring.ko" "$MODDIR/drivers/virtio/virtio.ko"
	"$MODDIR/drivers/virtio/virtio_mmio.ko" "$MODDIR/drivers/block/virtio_blk.ko")
for m in "${MODULES[@]}"; do
	if [ ! -s "$m" ]; then
		e2e_fail "${N}_modules" "missing $m (scripts/setup unpacks Debian 12's kernel modules)"
		exit 0
	fi
done
if [ ! -x "$E2E_CLI_ARM64" ]; then
	e2e_fail "${N}_cli" "missing ${E2E_CLI_ARM64#"$E2E_ROOT"/} (make arm64-linux)"
	exit 0
fi
mods=()
for m in "${MODULES[@]}"; do
	mods+=(--add "$m=lib/kreloc-modules/$(basename "$m")")
done

# The payload's initrd: init-live, the CLI and the modules.  Then the first
# boot's: the same, the shim and the payload.
next_ird=$E2E_OUT/$N.next.cpio.gz
"$E2E_ROOT/scripts/mkinitramfs" --init "$E2E_ROOT/tests/initramfs/init-live" \
	--add "$E2E_CLI_ARM64=bin/kreloc" "${mods[@]}" "$next_ird" >"$E2E_OUT/$N.mk" 2>&1 ||
	{ e2e_fail "${N}_initramfs" "$(tail -n 1 "$E2E_OUT/$N.mk")"; exit 0; }
printf '%s' "$E2E_LIVE_CMDLINE" >"$E2E_OUT/$N.cmdline"
E2E_LIVE_IRD=$E2E_OUT/$N.cpio
"$E2E_ROOT/scripts/mkinitramfs" --no-gzip --init "$E2E_ROOT/tests/initramfs/init-live" \
	--add "$E2E_CLI_ARM64=bin/kreloc" --add "$E2E_SHIM=usr/lib/kreloc/shim.Image" \
	--add "$E2E_KERNEL=payload/Image" --add "$next_ird=payload/initrd" \
	--add "$E2E_OUT/$N.cmdline=payload/cmdline" "${mods[@]}" "$E2E_LIVE_IRD" \
	>>"$E2E_OUT/$N.mk" 2>&1 ||
	{ e2e_fail "${N}_initramfs" "$(tail -n 1 "$E2E_OUT/$N.mk")"; exit 0; }

# status_of TAG: the N of "TAG-status=N" on the console ("" when absent).
status_of() {
	grep -m1 -o "$1-status=[0-9]*" "$E2E_LOG" | cut -d= -f2
}

# json_why NAME: what is wrong with NAME's `kreloc report --json` (report.2 on
# the console), checked against the mailbox init printed, the shim's report
# and the table (report.1); nothing when all is right.
json_why() {
	sed -n 's/^kreloc-init: report\.2| //p' "$E2E_LOG" >"$E2E_OUT/$1.json"
	sed -n 's/^kreloc-init: report\.1| //p' "$E2E_LOG" >"$E2E_OUT/$1.table"
	python3 - "$E2E_OUT/$1.json" "$E2E_OUT/$1.table" "$E2E_OUT/$1.report" "$E2E_LOG" <<'PY'
import json, re, sys
errors = []
try:
    rep = json.load(open(sys.argv[1]))
except ValueError as e:
    print("kreloc report --json printed no JSON (%s)" % e)
    sys.exit(1)
table = open(sys.argv[2]).read()
line = open(sys.argv[3]).read().strip()
shim = json.loads(line[len("kreloc-report: "):])
log = open(sys.argv[4]).read()
t = rep["ticks"]
for k in ("shutdown", "relocation", "startup", "total"):
    if not isinstance(t.get(k), int) or t[k] < 0:
        errors.append("%s ticks %r" % (k, t.get(k)))
if not errors:
    if t["shutdown"] + t["relocation"] + t["startup"] != t["total"]:
        errors.append("phases add up to %d, total %d" % (t["shutdown"] + t["relocation"] + t["startup"], t["total"]))
    if t["total"] != rep["up"] - rep["stamp"]:
        errors.append("total %d is not up - stamp = %d" % (t["total"], rep["up"] - rep["stamp"]))
    if not rep["stamp"] <= rep["shim_entry"] <= rep["jump"] <= rep["up"]:
        errors.append("readings out of order: %r" % [rep[k] for k in ("stamp", "shim_entry", "jump", "up")])
    if t["shutdown"] == 0 or t["relocation"] == 0 or t["startup"] == 0:
        errors.append("a phase of 0 ticks: %r" % t)
m = re.search(r"kreloc-init: relocate-counters=([0-9a-f]+)", log)
mb = bytes.fromhex(m.group(1)) if m else b""
words = [int.from_bytes(mb[i:i + 8], "big") for i in range(0, len(mb), 8)]
if len(words) != 12:
    errors.append("mailbox of %d words" % len(words))
else:
    if rep["jump"] != words[4] or rep["shim_entry"] != words[6]:
        errors.append("jump %d / shim entry %d are not the mailbox's %d / %d" % (rep["jump"], rep["shim_entry"], words[4], words[6]))
    if words[6] >= words[0]:
        errors.append("the shim's entry %d is not before the trampoline's %d" % (words[6], words[0]))
if rep["bytes_copied_mmu_off"] != 0 or rep["bytes_copied_mmu_on"] != shim.get("bytes_copied_mmu_on") or not rep["bytes_copied_mmu_on"]:
    errors.append("bytes on/off %d/%d, the shim's %r/%r" % (rep["bytes_copied_mmu_on"], rep["bytes_copied_mmu_off"], shim.get("bytes_copied_mmu_on"), shim.get("bytes_copied_mmu_off")))
if rep["verified"] is not True or shim.get("verified") is not True:
    errors.append("verified %r, the shim's %r" % (rep["verified"], shim.get("verified")))
if rep["cpus"] != shim.get("cpus"):
    errors.append("cpus %r, the shim's %r" % (rep["cpus"], shim.get("cpus")))
if rep["up_source"] != "stamp":
    errors.append("user space up from %r, not kreloc stamp --up" % rep["up_source"])
if rep["cntfrq"] <= 0 or abs(rep["seconds"]["total"] - t["total"] / rep["cntfrq"]) > 1e-9:
    errors.append("seconds %r at %r Hz" % (rep["seconds"], rep["cntfrq"]))
# the table says the same
row = re.search(r"^\s*total\s+(\d+)\s", table, re.M)
if not row or int(row.group(1)) != t.get("total"):
    errors.append("the table's total %r is not the JSON's" % (row and row.group(1)))
print("; ".join(errors))
sys.exit(1 if errors else 0)
PY
}

for el in 1 2; do
	n=${N}_el$el
	e2e_selected "$n" || continue
	# A fresh disk for every boot: zeros, so a stamp on it is this boot's.
	E2E_LIVE_DISK=$E2E_OUT/$n.disk
	rm -f "$E2E_LIVE_DISK"
	truncate -s 1M "$E2E_LIVE_DISK"
	e2e_live_boot "$n" "$KERNEL_DIR/Image" "$el" report
	e2e_check "${n}_refusals_first" "first boot: report before the stamp (status $(status_of 'kreloc-live: report_none')) or after it (status $(status_of 'kreloc-live: report_here')) not refused as no stamp / no mailbox" \
		bash -c "[ '$(status_of 'kreloc-live: report_none')' = 1 ] && [ '$(status_of 'kreloc-live: report_here')' = 1 ] &&
			grep -q '^kreloc-live: report_none| kreloc report: .*no shutdown stamp' '$E2E_LOG' &&
			grep -q '^kreloc-live: report_here| kreloc report: no kreloc mailbox in /chosen' '$E2E_LOG' &&
			grep -qx 'kreloc-live: stamp-status=0' '$E2E_LOG'"
	e2e_check "${n}_booted" "result $(e2e_get result): $(e2e_get error)" [ "$(e2e_get result)" = ok ]

	why=$(json_why "$n")
	e2e_check "$n" "$why" [ -z "$why" ]
	e2e_check "${n}_refusals_next" "next boot: a missing stamp (status $(status_of 'kreloc-init: report.3')) or one of this boot (status $(status_of 'kreloc-init: report.4')) not refused with its line" \
		bash -c "[ '$(status_of 'kreloc-init: report.3')' = 1 ] && [ '$(status_of 'kreloc-init: report.4')' = 1 ] &&
			grep -q '^kreloc-init: report\\.3| kreloc report: /nonexistent: no shutdown stamp' '$E2E_LOG' &&
			grep -q '^kreloc-init: report\\.4| kreloc report: /tmp/now: the shutdown stamp was written in this boot' '$E2E_LOG'"
	printf '%s\n' "--- kreloc report (next boot, EL$el):"
	sed 's/^/  /' "$E2E_OUT/$n.table"
done
