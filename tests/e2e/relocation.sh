#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# relocation.sh - the relocation matrix: classic (MMU off) and MMU-on modes,
# at EL1 and EL2, with 4K, 16K and 64K transitional granules, plus a legacy
# Image (image_size 0).  Each boot must reach the next kernel's init with
# the packed command line, and the shim's report must agree with itself:
# every destination page (the kernel's being its whole image_size) either
# copied or staged in place, bytes counted under the mode that copied them,
# table figures only in MMU mode, and the trampoline's counter mailbox read
# back from the booted system, with the shim's record (its entry counter,
# bytes copied, verified, CPUs) as the shim reported it.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_init relocation

# The report's own arithmetic, checked in one place.
check_report() {
	python3 - "$E2E_OUT/$1.report" "$2" "$3" <<'PY'
import json, sys
line = open(sys.argv[1]).read().strip()
rep = json.loads(line[len("kreloc-report: "):])
mode, granule = sys.argv[2], sys.argv[3]
page = 4096
def pages(n): return -(-n // page)
p = rep["payload_bytes"]
# the kernel's destination is its whole image_size, zero-filled past the file
dest_pages = rep["kernel_size"] // page + pages(p["initrd"]) + pages(p["dtb"])
copied = rep["bytes_copied_mmu_on"] + rep["bytes_copied_mmu_off"]
errors = []
if rep["kernel_size"] % page or rep["kernel_size"] < pages(p["kernel"]) * page:
    errors.append("kernel_size %d shorter than the Image or not whole pages" % rep["kernel_size"])
if rep["mode"] != mode:
    errors.append("mode %s" % rep["mode"])
if copied + rep["pages_skipped_in_place"] * page != dest_pages * page:
    errors.append("copied %d + in place %d pages != %d destination pages"
                  % (copied // page, rep["pages_skipped_in_place"], dest_pages))
if mode == "mmu":
    if rep["bytes_copied_mmu_off"] != 0 or rep["bytes_copied_mmu_on"] == 0:
        errors.append("MMU mode copied with the MMU off")
    if rep.get("granule") != granule or not rep.get("table_pages"):
        errors.append("granule %r, table_pages %r" % (rep.get("granule"), rep.get("table_pages")))
else:
    if rep["bytes_copied_mmu_on"] != 0 or "table_pages" in rep:
        errors.append("classic mode reported MMU-on copies or tables")
ins = rep.get("instructions") or {}
if not ins.get("relocate") or not rep.get("relocate_instructions_per_mib"):
    errors.append("no relocation instruction count (mailbox not read back)")
# the shim's record, as the trampoline stored it in the mailbox (with the
# MMU off in classic mode): the shim's own figures, its entry first
mr = rep.get("mailbox_record") or {}
want = {k: rep.get(k) for k in ("bytes_copied_mmu_on", "bytes_copied_mmu_off", "verified", "cpus")}
if {k: mr.get(k) for k in want} != want:
    errors.append("mailbox record %r, the shim's %r" % (mr, want))
if not mr.get("shim_entry") or not rep["ticks"].get("shim_entry_to_jump", 0) > 0:
    errors.append("shim entry %r not before the jump" % mr.get("shim_entry"))
print("; ".join(errors))
sys.exit(1 if errors else 0)
PY
}

boot_one() {	# name mode el granule [pack args...]
	local n=$1 mode=$2 el=$3 gran=$4 why
	shift 4
	e2e_selected "$n" || return 0
	if ! MODE=$mode GRANULE=$gran e2e_pack "$E2E_OUT/$n.bundle" "$@" >"$E2E_OUT/$n.pack" 2>&1; then
		e2e_fail "$n" "kreloc pack failed: $(tail -n 1 "$E2E_OUT/$n.pack")"
		return
	fi
	e2e_boot "$n" "$E2E_OUT/$n.bundle" --el "$el"
	e2e_check "${n}_boot" "result $(e2e_get result): $(e2e_get error)" \
		[ "$(e2e_get result)" = ok ] || return
	why=$(check_report "$n" "$mode" "$gran")
	e2e_check "${n}_report" "$why" [ -z "$why" ]
}

boot_one classic_el1 classic 1 4k
boot_one classic_el2 classic 2 4k
for el in 1 2; do
	for g in 4k 16k 64k; do
		boot_one "mmu_el${el}_$g" mmu "$el" "$g"
	done
done

# Legacy Image (pre-3.17 header: image_size 0, flags reserved): the shim
# must assume text_offset 0x80000.  Linux 6.1 is relocatable and still boots.
n=legacy_image
if e2e_selected "$n"; then
	python3 - "$E2E_KERNEL" "$E2E_OUT/legacy.Image" <<'PY'
import struct, sys
img = bytearray(open(sys.argv[1], "rb").read())
struct.pack_into("<QQQ", img, 8, 0, 0, 0)	# text_offset, image_size, flags
open(sys.argv[2], "wb").write(img)
PY
	E2E_KERNEL=$E2E_OUT/legacy.Image boot_one "$n" mmu 1 4k
	load=$(e2e_get kernel_load)
	e2e_check "${n}_text_offset" "kernel_load $load is not a 2 MiB base + 0x80000" \
		python3 -c 'import sys; sys.exit(int(sys.argv[1], 16) % 0x200000 != 0x80000)' "$load"
	e2e_check "${n}_flagged" "report image_legacy is $(e2e_get image_legacy)" \
		[ "$(e2e_get image_legacy)" = true ]
fi
exit 0
