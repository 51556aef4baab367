#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bad_input.sh - the shim must refuse broken bundles and Images cleanly.
#
# Each case patches a good bundle (tests/e2e/patch_bundle.py) and boots it.
# Passing means: the console's last line is "kreloc-shim-error: E_<NAME>: ..."
# with the expected name, neither Linux nor init started after it, and QEMU
# stopped by itself (PSCI power-off, exit 0) well before the timeout.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_init bad_input

GOOD=$E2E_OUT/bad_input.good.bundle
if ! e2e_pack "$GOOD" >"$E2E_OUT/bad_input.pack" 2>&1; then
	e2e_fail bad_input_pack "kreloc pack failed: $(tail -n 1 "$E2E_OUT/bad_input.pack")"
	exit 1
fi

# case  expected error  extra qemu-run options
CASES=(
	"bundle-magic      E_BUNDLE_MAGIC"
	"bundle-truncated  E_BUNDLE_TRUNCATED"
	"image-magic       E_IMAGE_MAGIC"
	"image-big-endian  E_IMAGE_BIG_ENDIAN"
	"image-16k         E_IMAGE_PAGE_SIZE    --cpu cortex-a53"
	"image-3g          E_NO_ROOM            --mem 1G"
	"image-truncated   E_IMAGE_TRUNCATED"
)

for c in "${CASES[@]}"; do
	read -r kase want opts <<<"$c"
	n=bad_input_${kase//-/_}
	e2e_selected "$n" || continue
	bundle=$E2E_OUT/$n.bundle
	if ! python3 "$E2E_ROOT/tests/e2e/patch_bundle.py" "$GOOD" "$bundle" "$kase"; then
		e2e_fail "$n" "patch_bundle.py $kase failed"
		continue
	fi
	# shellcheck disable=SC2086 # opts is a word list on purpose
	e2e_boot "$n" "$bundle" --timeout 15 $opts
	last=$(e2e_last_line)
	ok=1
	reason=
	if [[ "$last" != "kreloc-shim-error: $want:"* ]]; then
		reason="last console line is '$last', expected 'kreloc-shim-error: $want: ...'"
	elif [ "$(e2e_get booted_after_error)" != false ] ||
	     grep -q -e 'Booting Linux' -e 'KRELOC-INIT-MARKER' "$E2E_LOG"; then
		reason="the next kernel or init started despite the error"
	elif [ "$E2E_RC" != 0 ]; then
		reason="QEMU exited $E2E_RC (124: timeout), not by PSCI power-off"
	else
		ok=0
	fi
	e2e_check "$n" "$reason" [ "$ok" = 0 ]
done
exit 0
