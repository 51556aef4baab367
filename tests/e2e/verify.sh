#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# verify.sh - `pack --verify`: the shim hashes the staged pages (what the
# trampoline will copy) against the bundle's SHA-256s with its caches on,
# just before the point of no return.  A good payload boots and reports the
# check; a payload with one byte flipped after packing must be refused,
# with no jump.  A bundle with chunk tables (--verify --cpus 2: version 2)
# on a machine of one CPU is checked chunk by chunk by that CPU alone; a
# byte flipped in the initrd is refused naming its chunk; a chunk table
# whose bytes are not its root, or whose chunk size or length does not fit
# its blob, is refused before anything is hashed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_init verify

n=verify_good
if e2e_selected "$n"; then
	e2e_pack "$E2E_OUT/$n.bundle" --verify >"$E2E_OUT/$n.pack" 2>&1 ||
		{ e2e_fail "$n" "pack failed"; exit 0; }
	e2e_boot "$n" "$E2E_OUT/$n.bundle"
	e2e_check "${n}_boot" "result $(e2e_get result): $(e2e_get error)" [ "$(e2e_get result)" = ok ]
	v=$(e2e_get verify)
	e2e_check "${n}_reported" "report verify is '$v'" \
		python3 -c 'import json, sys; v = json.loads(sys.argv[1])
sys.exit(not (v["sha256"] in ("ce", "portable") and v["instructions"] > 0))' "$v"
fi

n=verify_corrupt_image
if e2e_selected "$n"; then
	e2e_pack "$E2E_OUT/$n.bundle" --verify >"$E2E_OUT/$n.pack" 2>&1 ||
		{ e2e_fail "$n" "pack failed"; exit 0; }
	# flip one byte 1 MiB into the Image's data (entry 0's offset is at byte 72)
	python3 - "$E2E_OUT/$n.bundle" <<'PY'
import struct, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(72)
    off = struct.unpack("<Q", f.read(8))[0] + (1 << 20)
    f.seek(off)
    b = f.read(1)
    f.seek(off)
    f.write(bytes([b[0] ^ 0x40]))
PY
	e2e_boot "$n" "$E2E_OUT/$n.bundle"
	e2e_check "${n}_refused" "expected E_BUNDLE_CHECKSUM, got '$(e2e_get error)'" \
		[ "$(e2e_get error_name)" = E_BUNDLE_CHECKSUM ]
	e2e_check "${n}_no_jump" "the next kernel ran after the refusal" \
		[ "$(e2e_get booted_after_error)" = false ]
	e2e_check "${n}_power_off" "QEMU exited $E2E_RC, not by PSCI power-off" [ "$E2E_RC" = 0 ]
fi
# chunk_patch BUNDLE WHAT: patch a chunked bundle (entries: type, flags,
# offset, length, align, addr, size, sha256); prints the expected chunk for
# "initrd-byte".
chunk_patch() {
	python3 - "$1" "$2" <<'PY'
import struct, sys
p, what = sys.argv[1], sys.argv[2]
b = bytearray(open(p, "rb").read())
nr = struct.unpack_from("<I", b, 24)[0]
pos = {struct.unpack_from("<I", b, 64 + 80 * i)[0]: 64 + 80 * i for i in range(nr)}
ent = lambda t: struct.unpack_from("<IIQQQQQ", b, pos[t])
if what == "initrd-byte":          # the middle of the initrd: its chunk 0 (of 2 MiB)
    b[ent(2)[2] + ent(2)[3] // 2] ^= 1
    print(-(-ent(1)[3] // ent(7)[6]))
elif what == "table-byte":          # a digest of the Image's table: not its root any more
    b[ent(7)[2] + 40] ^= 1
elif what == "chunk-size":          # 12 KiB: not a power of two
    struct.pack_into("<Q", b, pos[7] + 40, 3 * 4096)
elif what == "table-short":         # one digest fewer than the Image's chunks
    struct.pack_into("<Q", b, pos[7] + 16, ent(7)[3] - 32)
open(p, "wb").write(b)
PY
}

n=verify_chunks_one_cpu
if e2e_selected "$n"; then
	e2e_pack "$E2E_OUT/$n.bundle" --verify --cpus 2 >"$E2E_OUT/$n.pack" 2>&1 ||
		{ e2e_fail "$n" "pack failed"; exit 0; }
	e2e_boot "$n" "$E2E_OUT/$n.bundle"
	e2e_check "${n}_boot" "result $(e2e_get result): $(e2e_get error)" [ "$(e2e_get result)" = ok ]
	v=$(e2e_get verify)
	e2e_check "${n}_reported" "report verify is '$v'" \
		python3 -c 'import json, sys; v = json.loads(sys.argv[1])
sys.exit(not (v["cpus"] == 1 and v["chunks"] >= 8 and v["cpu_chunks"] == [v["chunks"]]))' "$v"
fi

n=verify_chunks_corrupt
if e2e_selected "$n"; then
	e2e_pack "$E2E_OUT/$n.bundle" --verify --cpus 2 >"$E2E_OUT/$n.pack" 2>&1 ||
		{ e2e_fail "$n" "pack failed"; exit 0; }
	chunk=$(chunk_patch "$E2E_OUT/$n.bundle" initrd-byte) || { e2e_fail "$n" "patch failed"; exit 0; }
	e2e_boot "$n" "$E2E_OUT/$n.bundle"
	e2e_check "${n}_refused" "expected chunk $chunk (the initrd's 0) refused, got '$(e2e_last_line)'" \
		grep -Eq "^kreloc-shim-error: E_BUNDLE_CHECKSUM: .*\(chunk $chunk of [0-9]+: the initrd's chunk 0, 2048 KiB each, hashed on cpu 0\)$" \
		"$E2E_LOG"
	e2e_check "${n}_no_jump" "the next kernel ran after the refusal" \
		[ "$(e2e_get booted_after_error)" = false ]
fi

# A chunk table the parser must refuse (E_CHUNKS_TABLE), or whose digests
# are not its root (E_BUNDLE_CHECKSUM, before any chunk is hashed).
for c in chunk-size:E_CHUNKS_TABLE table-short:E_CHUNKS_TABLE table-byte:E_BUNDLE_CHECKSUM; do
	n=verify_chunks_${c%%:*}
	n=${n//-/_}
	e2e_selected "$n" || continue
	e2e_pack "$E2E_OUT/$n.bundle" --verify --cpus 2 >"$E2E_OUT/$n.pack" 2>&1 ||
		{ e2e_fail "$n" "pack failed"; continue; }
	chunk_patch "$E2E_OUT/$n.bundle" "${c%%:*}" || { e2e_fail "$n" "patch failed"; continue; }
	e2e_boot "$n" "$E2E_OUT/$n.bundle"
	e2e_check "${n}_refused" "expected ${c#*:}, got '$(e2e_get error)'" \
		[ "$(e2e_get error_name)" = "${c#*:}" ]
	e2e_check "${n}_no_jump" "the next kernel ran after the refusal" \
		[ "$(e2e_get booted_after_error)" = false ]
done
exit 0
