#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cli.sh - the kreloc command line end to end, on inputs made here (a fake
# Image with a release banner, fake initrds, bundles packed from them) and
# the fixed QEMU virt device tree in tests/fdt/:
#   --help of every subcommand; usage errors exit 2;
#   golden outputs (tests/golden/) of inspect, plan and verify, text and JSON;
#   every --json output is valid JSON (python3 -m json.tool);
#   verify proves good plans and fails (exit 1) on broken ones (--inject);
#   refusals exit 1 with the right error name (RAM too small: E_NOMEM, ...);
#   map writes well-formed SVG for 1 GiB and 64 GiB maps;
#   report computes the seed's table under a fake root (KRELOC_SYSROOT) and
#   refuses a stamp of this boot, a late, missing or malformed stamp and a
#   boot without a mailbox, one line each;
#   plan agrees with what the shim really did in e2e/boot.sh, when its
#   report is there.
# KRELOC_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
E2E_CLI=${KRELOC_CLI:-$E2E_CLI}
if [ ! -x "$E2E_CLI" ]; then
	e2e_skip cli "missing ${E2E_CLI#"$E2E_ROOT"/} (make host)"
	exit 0
fi
GOLDEN=$E2E_ROOT/tests/golden
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1
K=$E2E_CLI

# ---- inputs ---------------------------------------------------------------------
python3 - <<'EOF'
import struct
# A fake arm64 Image: 1.5 MiB + 123 bytes, image_size 2 MiB, 4K pages, anywhere.
n = 1536 * 1024 + 123
b = bytearray((i * 7 + 3) % 251 for i in range(n))
b[0:64] = struct.pack('<IIQQQQQQ4sI', 0x14000010, 0, 0, 2 << 20, 0xa, 0, 0, 0, b'ARM\x64', 0)
banner = b'Linux version 6.6.6-kreloc-test (test@kreloc) #1 SMP\n\0'
b[4096:4096 + len(banner)] = banner
open('fake.Image', 'wb').write(b)
open('fake.initrd', 'wb').write(bytes((i * 13 + 5) % 256 for i in range(1000 * 1000)))
open('big.initrd', 'wb').write(bytes((i * 29 + 1) % 256 for i in range(6000 * 1000)))
# Broken Images for inspect: truncated header, big-endian.
open('short.Image', 'wb').write(b[:40])
be = bytearray(b)
be[24] |= 1
open('be.Image', 'wb').write(be)
EOF
cp "$E2E_ROOT/tests/fdt/qemu-virt.dtb" virt.dtb
CMD="console=ttyAMA0 kreloc.test=1"
ok=1
"$K" pack --image fake.Image --initrd fake.initrd --cmdline "$CMD" -o fake.bundle || ok=0
"$K" pack --image fake.Image --initrd fake.initrd --cmdline "$CMD" --granule 64k --place-high \
	--preserve 0x7f000000:1M --preserve 0x900000000:64K -o high64k.bundle || ok=0
"$K" pack --image fake.Image --initrd fake.initrd --mode classic -o classic.bundle || ok=0
"$K" pack --image fake.Image --initrd fake.initrd --granule 16k -o g16k.bundle || ok=0
"$K" pack --image fake.Image --initrd big.initrd -o big.bundle || ok=0
"$K" pack --image fake.Image --initrd big.initrd --granule 64k -o big64k.bundle || ok=0
# The QEMU tree with a no-map carve-out (/reserved-memory child with no-map).
dtc -q -I dtb -O dts "$E2E_ROOT/tests/fdt/qemu-virt.dtb" | python3 -c '
import sys
text = sys.stdin.read()
i = text.rindex("};")
sys.stdout.write(text[:i] + """
	reserved-memory {
		#address-cells = <2>;
		#size-cells = <2>;
		ranges;
		carveout@40800000 {
			reg = <0 0x40800000 0 0x400000>;
			no-map;
		};
	};
""" + text[i:])' | dtc -q -I dts -O dtb -o nomap.dtb - || ok=0
"$K" pack --image fake.Image --initrd fake.initrd --verify -o verify.bundle || ok=0
python3 - <<'EOF2'
import struct
b = bytearray(open("fake.bundle", "rb").read())
b[0] ^= 0xff
open("badmagic.bundle", "wb").write(b)
# --verify bundle whose Image changed after packing: entry 0 is the Image,
# its data offset at byte 64 + 8.
b = bytearray(open("verify.bundle", "rb").read())
off = struct.unpack_from("<Q", b, 72)[0]
b[off + 100000] ^= 1
open("badsum.bundle", "wb").write(b)
EOF2
e2e_check cli_inputs "kreloc pack failed on the test inputs" [ "$ok" = 1 ]

# ---- --help and usage errors -------------------------------------------------------
for c in pack inspect plan verify map stamp report; do
	out=$("$K" "$c" --help 2>&1)
	rc=$?
	e2e_check "cli_help_$c" "'kreloc $c --help' exited $rc or printed no usage" \
		bash -c '[ "$1" = 0 ] && head -n 1 <<<"$2" | grep -q "^usage: kreloc $3 "' _ "$rc" "$out" "$c"
done
out=$("$K" --help)
miss=''
for c in pack inspect plan verify map stamp report; do
	grep -q "^  $c " <<<"$out" || miss+=" $c"
done
e2e_check cli_help_main "kreloc --help does not list:$miss" [ -z "$miss" ]
e2e_check cli_help_topic "kreloc help plan is not plan's usage" \
	bash -c '"$1" help plan | head -n 1 | grep -q "^usage: kreloc plan"' _ "$K"

# usage NAME ARGS...: exit status 2 and a message on stderr.
usage() {
	local name=$1 rc
	shift
	"$K" "$@" >"$name.out" 2>"$name.err"
	rc=$?
	e2e_check "cli_usage_$name" "'kreloc $*' exited $rc, not 2, or said nothing" \
		[ "$rc" = 2 -a -s "$name.err" ]
}
usage none
usage unknown_cmd frobnicate
usage plan_no_memory plan fake.bundle
usage plan_two_memories plan fake.bundle --dtb virt.dtb --ram 0x40000000:1G
usage plan_no_bundle plan --dtb virt.dtb
usage plan_bad_el plan fake.bundle --dtb virt.dtb --el 3
usage plan_bad_cpu plan fake.bundle --dtb virt.dtb --cpu pentium
usage plan_bad_ram plan fake.bundle --ram 0x40000000
usage plan_bad_reserve plan fake.bundle --dtb virt.dtb --reserve 12
usage plan_unknown_opt plan fake.bundle --dtb virt.dtb --frob
usage plan_inject plan fake.bundle --dtb virt.dtb --inject list
usage verify_bad_inject verify fake.bundle --dtb virt.dtb --inject nothing
usage map_no_svg map fake.bundle --dtb virt.dtb
usage inspect_two inspect a b
usage pack_cpus_zero pack --image fake.Image --cpus 0 -o cpus.bundle
usage pack_cpus_many pack --image fake.Image --cpus 65 -o cpus.bundle
usage pack_cpus_word pack --image fake.Image --cpus four -o cpus.bundle
usage pack_cpus_sign pack --image fake.Image --cpus +4 -o cpus.bundle
usage stamp_unknown_opt stamp --frob
usage report_unknown_opt report --frob
usage report_stamp_no_file report --stamp
"$K" pack --image fake.Image --initrd fake.initrd --cpus 64 -o cpus64.bundle >/dev/null 2>&1
e2e_check cli_pack_cpus "inspect of a --cpus 64 bundle does not say 64 CPUs" \
	bash -c '"$1" inspect --json cpus64.bundle | grep -q "\"cpus\": 64," &&
		 "$1" inspect cpus64.bundle | grep -q "up to 64 CPUs"' _ "$K"

# ---- golden outputs -------------------------------------------------------------------
# golden NAME RC ARGS...: stdout of `kreloc ARGS` must equal tests/golden/NAME and
# the exit status RC; NAME ending in .json must also be valid JSON.
golden() {
	local name=$1 want=$2 rc
	shift 2
	"$K" "$@" >"$name" 2>"$name.err"
	rc=$?
	if [[ "$name" == *.json ]]; then
		e2e_check "cli_json_${name%.json}" "not valid JSON: $(head -c 200 "$name")" \
			python3 -m json.tool "$name" /dev/null
	fi
	if [ "${KRELOC_UPDATE_GOLDEN:-0}" = 1 ]; then
		mkdir -p "$GOLDEN"
		cp "$name" "$GOLDEN/$name"
		e2e_pass "cli_golden_$name (updated)"
		return
	fi
	if [ "$rc" != "$want" ]; then
		e2e_fail "cli_golden_$name" "exit $rc, expected $want: $(head -c 300 "$name.err")"
	elif ! diff -u "$GOLDEN/$name" "$name" >"$name.diff" 2>&1; then
		e2e_fail "cli_golden_$name" "output differs from tests/golden/$name (KRELOC_UPDATE_GOLDEN=1 to accept):"
		head -n 20 "$name.diff" | sed 's/^/  | /'
	else
		e2e_pass "cli_golden_$name"
	fi
}
golden inspect_image.txt 0 inspect fake.Image
golden inspect_image.json 0 inspect --json fake.Image
golden inspect_bundle.txt 0 inspect fake.bundle
golden inspect_bad.json 1 inspect --json be.Image
golden plan_virt.txt 0 plan fake.bundle --dtb virt.dtb
golden plan_virt.json 0 plan fake.bundle --dtb virt.dtb --json
golden plan_banks.txt 0 plan high64k.bundle --ram 0x40000000:2G,0x880000000:62G \
	--reserve 0x60000000:16M --cpu cortex-a57 --el 2 --seed 7
golden plan_classic.json 0 plan classic.bundle --ram 0x40000000:512M --cpu cortex-a53 --json
golden plan_nomem.json 1 plan big.bundle --ram 0x40000000:20M --shim-size 64K --json
golden verify_virt.txt 0 verify fake.bundle --dtb virt.dtb
golden verify_banks.json 0 verify high64k.bundle --ram 0x40000000:2G,0x880000000:62G --el 2 --json
golden verify_inject_list.txt 1 verify fake.bundle --dtb virt.dtb --inject list

# ---- verify: proves good plans, fails on broken ones ------------------------------------
# verdict NAME RC PATTERN ARGS...: exit status RC and PATTERN in stdout+stderr.
verdict() {
	local name=$1 want=$2 pat=$3 rc
	shift 3
	"$K" "$@" >"$name.out" 2>&1
	rc=$?
	e2e_check "cli_$name" "exit $rc (expected $want) or no '$pat' in: $(tail -n 3 "$name.out" | tr '\n' ' ')" \
		bash -c '[ "$1" = "$2" ] && grep -qE -- "$3" "$4"' _ "$rc" "$want" "$pat" "$name.out"
}
# --cpus of load and plan --live: pack's parser, its message, exit 2,
# before any check of the machine.
for c in zero:0 many:65 word:four plus:+4 space:' 4' minus:-1; do
	a=${c#*:}
	verdict "load_cpus_${c%%:*}" 2 "^kreloc load: --cpus: '${a/+/\\+}' is not a number from 1 to 64\$" \
		load fake.Image --cpus "$a"
done
verdict plan_live_cpus_many 2 "^kreloc plan: --cpus: '65' is not a number from 1 to 64\$" \
	plan --live fake.Image --cpus 65
verdict load_cpus_missing 2 '^kreloc load: --cpus: unknown option or missing argument' load fake.Image --cpus

verdict verify_ok_virt 0 '^proved: 9 checks proved, 0 failed' verify fake.bundle --dtb virt.dtb
verdict verify_ok_el2 0 '^proved: 9 checks proved' verify fake.bundle \
	--dtb "$E2E_ROOT/tests/fdt/qemu-virt-el2.dtb" --el 2
verdict verify_ok_classic 0 'skip +tables .*classic mode' verify classic.bundle --dtb virt.dtb
verdict verify_ok_64g 0 '^proved: 9 checks' verify high64k.bundle --ram 0x80000000:64G --seed 3
verdict verify_ok_small 0 '^proved: 9 checks' verify big.bundle --ram 0x40000000:23M --shim-size 64K
for s in 2 3 4 5; do
	verdict "verify_ok_seed$s" 0 '^proved: 9 checks' verify fake.bundle --ram 0x40000000:64M --seed "$s"
done
# no-map memory: listed, never a destination, and every page of it unmapped
verdict plan_nomap 0 '^  no-map +0x040800000  size 0x00400000 .*never mapped' plan fake.bundle --dtb nomap.dtb
verdict verify_nomap 0 '^  ok +tables .* 1024 no-map pages unmapped' verify fake.bundle --dtb nomap.dtb
verdict verify_nomap_64k 0 '^  ok +tables .* 1024 no-map pages unmapped' verify high64k.bundle \
	--dtb nomap.dtb
# no memory for the tables: classic mode instead, said aloud
verdict plan_xlat_fallback 0 '^mode: +classic: no memory for the mmu mode tables \(W_XLAT_FALLBACK\)' \
	plan big64k.bundle --ram 0x40000000:23M --shim-size 64K
verdict verify_xlat_fallback 0 'skip +tables +fallen back to classic mode' verify big64k.bundle \
	--ram 0x40000000:23M --shim-size 64K
verdict verify_inject_source 1 '^  FAIL  contents .*CONTENT' verify fake.bundle --dtb virt.dtb --inject source
verdict verify_inject_list 1 '^  FAIL  ordering .*CLOBBERED_READ' verify fake.bundle --dtb virt.dtb --inject list
verdict verify_inject_table 1 '^  FAIL  tables .*does not translate' verify fake.bundle --dtb virt.dtb --inject table
verdict verify_inject_json 1 '"ok": false' verify fake.bundle --dtb virt.dtb --inject source --json

# ---- refusals: exit 1 with the library's error name --------------------------------------
verdict refuse_nomem 1 'plan: .*\(E_NOMEM\)' verify big.bundle --ram 0x40000000:20M --shim-size 64K
verdict refuse_no_room 1 '\(E_NO_ROOM\)' plan fake.bundle --ram 0x40000000:32M --shim-size 64K \
	--reserve 0x40a00000:22M
verdict refuse_layout 1 'layout: .*\(E_NO_ROOM\)' plan fake.bundle --ram 0x40000000:8M
verdict refuse_granule 1 'plan: .*\(E_XLAT_GRANULE\)' plan g16k.bundle --dtb virt.dtb --cpu cortex-a53
verdict refuse_granule_raw 1 '\(E_XLAT_GRANULE\)' map g16k.bundle --dtb virt.dtb --cpu 0x1122 --svg x.svg
verdict verify_ok_digests 0 '^proved: 9 checks' verify verify.bundle --dtb virt.dtb
verdict refuse_checksum 1 'verify: .*\(E_BUNDLE_CHECKSUM\)' plan badsum.bundle --dtb virt.dtb
verdict refuse_bundle 1 'bundle: .*\(E_BUNDLE_MAGIC\)' plan badmagic.bundle --dtb virt.dtb
verdict refuse_dtb 1 'memory: .*\(E_FDT' plan fake.bundle --dtb fake.initrd
verdict refuse_missing 1 'no-such-file' plan no-such-file --dtb virt.dtb
verdict refuse_inspect 1 'E_IMAGE_TRUNCATED' inspect short.Image
e2e_check cli_refuse_no_svg "a refused map wrote its SVG" [ ! -e x.svg ]

# ---- map ------------------------------------------------------------------------------------
# svg_ok FILE: well-formed XML, height matching the viewBox, the legend, the
# named ranges and at least one page of each kind the plan took.
svg_ok() {
	python3 - "$1" <<'EOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = '{http://www.w3.org/2000/svg}'
assert root.tag == ns + 'svg', root.tag
h = int(root.get('height'))
assert root.get('viewBox').split()[3] == str(h) and h > 300, root.get('viewBox')
text = ' '.join(t.text or '' for t in root.iter(ns + 'text'))
for word in ('kernel destination', 'source page', 'list page', 'table page', 'control page',
             'set aside', 'bundle', 'shim', 'dtb (next)', 'one row is'):
    assert word in text, word
rects = list(root.iter(ns + 'rect'))
fills = {r.get('fill') for r in rects}
for color in ('#1e88e5', '#e53935', '#212121', '#6a1b9a', '#ff1744'):
    assert color in fills, color
for r in rects:
    w, h2 = r.get('width'), r.get('height')
    assert w.endswith('%') or (float(w) > 0 and float(h2) > 0), (w, h2)
EOF
}
verdict map_virt 0 '^map: wrote virt.svg .*1 RAM bank in 32 rows' map fake.bundle --dtb virt.dtb --svg virt.svg
e2e_check cli_map_virt_svg "virt.svg is not the expected SVG" svg_ok virt.svg
verdict map_64g 0 '^map: wrote big.svg .*2 RAM banks' map high64k.bundle \
	--ram 0x40000000:2G,0x880000000:62G --svg big.svg
e2e_check cli_map_64g_svg "big.svg is not the expected SVG" svg_ok big.svg
"$K" map fake.bundle --dtb virt.dtb --svg j.svg --json >map.json 2>&1
e2e_check cli_json_map "map --json is not valid JSON with ok true" \
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(not d["ok"])' map.json

# ---- the plan is what the shim did ---------------------------------------------------------
# e2e/boot.sh booted build/e2e/boot.bundle at EL1 on QEMU virt with 1 GiB
# and a GICv3 with an ITS (tests/fdt/qemu-virt-gicv3.dtb is that machine's
# tree); the shim's report says where it put everything.
REPORT=$E2E_OUT/boot_el1_${MODE}.report
BOOT_BUNDLE=$E2E_OUT/boot.bundle
# ---- report under a fake root --------------------------------------------------------
# KRELOC_SYSROOT: /proc's boot id, /chosen's mailbox and both stamps are
# files, and the up stamp (of this boot) gives the counter, so the whole
# table is computed on any host: stamp 1000, shim entry 4000, jump 9000,
# up 20000 at 1 MHz.
FR=$TMP/fakeroot
mkdir -p "$FR/proc/sys/kernel/random" "$FR/sys/firmware/devicetree/base/chosen" \
	"$FR/var/lib/kreloc" "$FR/run/kreloc"
echo 00000000-0000-4000-8000-00000000000b >"$FR/proc/sys/kernel/random/boot_id"
stamp() { printf 'kreloc-stamp=1\ncntvct=%s\ncntfrq=1000000\nboot_id=%s\n' "$1" "$2"; }
stamp 1000 00000000-0000-4000-8000-00000000000a >"$FR/var/lib/kreloc/shutdown-stamp"
stamp 20000 00000000-0000-4000-8000-00000000000b >"$FR/run/kreloc/up-stamp"
python3 - "$FR/sys/firmware/devicetree/base/chosen/kreloc,relocate-counters" <<'EOF2'
import struct, sys
# (entry, copied, jump) stamps, shim entry, bytes on/off, verified flag and CPUs
words = [5000, 1, 8990, 2, 9000, 3, 4000, 4, 28983296, 0, 1, 1]
open(sys.argv[1], "wb").write(struct.pack(">12Q", *words))
EOF2
KRELOC_SYSROOT=$FR "$K" report --json >report.json 2>report.err
rc=$?
e2e_check cli_report_fake_root "report exit $rc: $(head -c 300 report.err) $(head -c 300 report.json)" \
	python3 - report.json "$rc" <<'EOF2'
import json, sys
assert sys.argv[2] == "0"
r = json.load(open(sys.argv[1]))
want = {"shutdown": 3000, "relocation": 5000, "startup": 11000, "total": 19000}
assert r["ticks"] == want, r["ticks"]
assert abs(r["seconds"]["total"] - 0.019) < 1e-12, r["seconds"]
assert (r["stamp"], r["shim_entry"], r["jump"], r["up"]) == (1000, 4000, 9000, 20000), r
assert r["bytes_copied_mmu_on"] == 28983296 and r["bytes_copied_mmu_off"] == 0
assert r["verified"] is True and r["cpus"] == 1 and r["up_source"] == "stamp"
EOF2
KRELOC_SYSROOT=$FR "$K" report >report.txt 2>&1
e2e_check cli_report_fake_root_table "the table: $(tr '\n' '|' <report.txt)" \
	grep -Eq '^  total +19000 +0\.019000  ' report.txt
# refuse (exit 1, one line each): the stamp of this boot; a stamp after the
# shim's entry; no stamp; no mailbox
refuse() {
	local name=$1 want=$2 rc
	shift 2
	KRELOC_SYSROOT=$FR "$K" report "$@" >"$name.out" 2>"$name.err"
	rc=$?
	e2e_check "cli_report_$name" "exit $rc, stderr: $(head -c 200 "$name.err")" \
		bash -c '[ "$1" = 1 ] && [ "$(wc -l <"$2")" = 1 ] && grep -q -- "$3" "$2"' _ "$rc" "$name.err" "$want"
}
stamp 1000 00000000-0000-4000-8000-00000000000b >this-boot.stamp
stamp 4001 00000000-0000-4000-8000-00000000000a >late.stamp
printf 'garbage\n' >garbage.stamp
refuse this_boot "written in this boot" --stamp this-boot.stamp
refuse late "later than the shim's entry" --stamp late.stamp
refuse no_stamp "no shutdown stamp" --stamp "$TMP/none"
refuse bad_stamp "not a kreloc stamp file" --stamp garbage.stamp
rm "$FR/sys/firmware/devicetree/base/chosen/kreloc,relocate-counters"
refuse no_mailbox "did not come through kreloc"

if [ -s "$REPORT" ] && [ -s "$BOOT_BUNDLE" ] && [ "$REPORT" -nt "$BOOT_BUNDLE" ] &&
   grep -q '"result": "ok"' "$REPORT"; then
	"$K" plan "$BOOT_BUNDLE" --dtb "$E2E_ROOT/tests/fdt/qemu-virt-gicv3.dtb" --json \
		>shim.json 2>&1
	e2e_check cli_plan_matches_shim "plan and the shim's report disagree: $(cat shim.json | head -c 300)" \
		python3 - "$REPORT" shim.json <<'EOF'
import json, sys
rep = json.loads(open(sys.argv[1]).read().split(': ', 1)[1])
plan = json.load(open(sys.argv[2]))
p = plan['placement']
got = {'kernel_load': p['kernel']['load'], 'initrd_base': p['initrd']['base'],
       'dtb_base': p['dtb']['base'], 'mailbox': plan['mailbox']}
for k, v in got.items():
    if int(rep[k], 16) != int(v, 16):
        sys.exit('%s: shim %s, plan %s' % (k, rep[k], v))
EOF
else
	e2e_skip cli_plan_matches_shim "no fresh report from e2e/boot.sh in build/e2e"
fi
exit 0
