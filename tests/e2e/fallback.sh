#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fallback.sh - MMU mode with no memory for its transitional tables falls
# back to classic mode, says so, and still boots the next kernel.
#
# An MMU-mode bundle at the 64K granule needs, beyond what classic mode
# needs, a 64 KiB control granule and at least four 64 KiB table pages.
# The guest's RAM is grown from too small until the shim stops refusing
# with E_NOMEM, in 64 KiB steps at the end: at that first size classic
# mode fits and MMU mode cannot (64 KiB more RAM gives 16 pages, MMU mode
# needs more than that), so the shim must print W_XLAT_FALLBACK, report
# "xlat_fallback":true and "mode":"classic", and the next kernel must run.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_init fallback

n=fallback_el1_64k
e2e_selected "$n" || exit 0
BUNDLE=$E2E_OUT/fallback.bundle
if ! e2e_pack "$BUNDLE" --mode mmu --granule 64k >"$E2E_OUT/fallback.pack" 2>&1; then
	e2e_fail fallback_pack "kreloc pack failed: $(tail -n 1 "$E2E_OUT/fallback.pack")"
	exit 1
fi

# refused KIB: boot with KIB KiB of RAM; true when the shim refused for want of RAM.
refused() {
	e2e_boot "$n" "$BUNDLE" --mem "${1}K"
	grep -qE '^kreloc-shim-error: E_(NOMEM|NO_ROOM|INITRD_WINDOW): ' "$E2E_LOG"
}

kib=$((64 * 1024))
while [ "$kib" -le $((256 * 1024)) ] && refused "$kib"; do
	kib=$((kib + 1024))
done
if [ "$kib" -gt $((256 * 1024)) ]; then
	e2e_fail "$n" "refused with every RAM size up to 256 MiB"
	exit 0
fi
# the first 1 MiB step that fits: find the first 64 KiB step that does
kib=$((kib - 1024))
while refused "$kib"; do
	kib=$((kib + 64))
done
echo "($n: smallest RAM the hand-off fits in: ${kib} KiB)"
e2e_check "${n}_warning" "no W_XLAT_FALLBACK warning with ${kib} KiB of RAM" \
	grep -q '^kreloc-shim-warning: W_XLAT_FALLBACK: ' "$E2E_LOG"
got=$(e2e_get xlat_fallback)
e2e_check "${n}_report" "report says xlat_fallback '$got'" [ "$got" = true ]
got=$(e2e_get mode)
e2e_check "${n}_mode" "report says mode '$got', expected classic" [ "$got" = classic ]
e2e_check "${n}_booted" "result $(e2e_get result): $(e2e_get error)" \
	[ "$(e2e_get result)" = ok ]
rm -f "$BUNDLE"
exit 0
