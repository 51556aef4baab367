#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# nomap.sh - a /reserved-memory region marked no-map (a firmware carve-out:
# a speculative cacheable read of it can fault on real machines) is never
# mapped: neither by the shim's own tables nor by the transitional ones.
#
# QEMU's own tree for the run (-machine dumpdtb) gets a no-map child of
# /reserved-memory where the next kernel would otherwise go, and is passed
# back with -dtb.  The shim reports how many no-map regions it found and
# how many 4 KiB pages of them its tables translate (nomap_pages_mapped,
# found by walking both sets of tables); the next kernel must boot.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_init nomap

NOMAP_BASE=0x41000000
NOMAP_SIZE=0x2000000
BUNDLE=$E2E_OUT/nomap.bundle
if ! e2e_pack "$BUNDLE" >"$E2E_OUT/nomap.pack" 2>&1; then
	e2e_fail nomap_pack "kreloc pack failed: $(tail -n 1 "$E2E_OUT/nomap.pack")"
	exit 1
fi

# nomap_dtb EL OUT: QEMU's tree for this machine with the no-map region added.
nomap_dtb() {
	local el=$1 out=$2 base=$E2E_OUT/nomap-qemu-el$1.dtb
	"$E2E_ROOT/scripts/qemu-run" --kernel "$E2E_SHIM" --el "$el" --timeout 20 --quiet \
		-- -machine "dumpdtb=$base" 2>/dev/null || return 1
	dtc -q -I dtb -O dts "$base" | python3 -c '
import sys
text, base, size = sys.stdin.read(), int(sys.argv[1], 0), int(sys.argv[2], 0)
node = """
	reserved-memory {
		#address-cells = <2>;
		#size-cells = <2>;
		ranges;
		carveout@%x {
			reg = <0 0x%x 0 0x%x>;
			no-map;
		};
	};
""" % (base, base, size)
i = text.rindex("};")	# the root node ends the tree
sys.stdout.write(text[:i] + node + text[i:])' "$NOMAP_BASE" "$NOMAP_SIZE" |
		dtc -q -I dts -O dtb -o "$out" -
}

for el in 1 2; do
	n=nomap_el${el}_$MODE
	e2e_selected "$n" || continue
	dtb=$E2E_OUT/$n.dtb
	if ! nomap_dtb "$el" "$dtb"; then
		e2e_fail "${n}_dtb" "could not dump and edit QEMU's device tree"
		continue
	fi
	e2e_boot "$n" "$BUNDLE" --el "$el" -- -dtb "$dtb"
	e2e_check "${n}_result" "report result not ok: $(e2e_get error)" \
		[ "$(e2e_get result)" = ok ]
	got=$(e2e_get nomap_regions)
	e2e_check "${n}_found" "shim saw '$got' no-map regions, expected 1" [ "$got" = 1 ]
	got=$(e2e_get nomap_pages_mapped)
	e2e_check "${n}_unmapped" "the tables map '$got' pages of no-map memory" [ "$got" = 0 ]
	got=$(e2e_get kernel_load)
	e2e_check "${n}_kernel_clear" "kernel loaded at $got, inside the no-map region" \
		python3 -c 'import sys; a, b, s = (int(x, 0) for x in sys.argv[1:])
sys.exit(b <= a < b + s)' "${got:-0}" "$NOMAP_BASE" "$NOMAP_SIZE"
done
rm -f "$BUNDLE"
exit 0
