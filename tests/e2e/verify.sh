#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# verify.sh - `pack --verify`: the shim hashes the staged pages (what the
# trampoline will copy) against the bundle's SHA-256s with its caches on,
# just before the point of no return.  A good payload boots and reports the
# check; a payload with one byte flipped after packing must be refused,
# with no jump.
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
exit 0
