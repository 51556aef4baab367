#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# takeover.sh - how the shim takes the CPU over from its loader.
#
# At EL2 every register the hand-off writes is in the E2H == 0 layout.  A
# CPU without FEAT_E2H0 keeps HCR_EL2.E2H at 1 whatever head.S writes, and
# the shim must refuse (E_EL2_VHE) before it configures anything.  QEMU's
# CPUs all have FEAT_E2H0, so the shim's own command line
# `kreloc.simulate=e2h-res1` makes it take E2H as read back set; the same
# refusal path then runs.  At EL1 E2H does not apply: the word is ignored
# and the hand-off goes through.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_init takeover

BUNDLE=$E2E_OUT/takeover.bundle
if ! e2e_pack "$BUNDLE" >"$E2E_OUT/takeover.pack" 2>&1; then
	e2e_fail takeover_pack "kreloc pack failed: $(tail -n 1 "$E2E_OUT/takeover.pack")"
	exit 1
fi
SIM="console=ttyAMA0 kreloc.simulate=e2h-res1"

n=takeover_e2h_res1_el2
if e2e_selected "$n"; then
	e2e_boot "$n" "$BUNDLE" --el 2 --append "$SIM"
	e2e_check "${n}_refused" "no E_EL2_VHE refusal" \
		grep -q '^kreloc-shim-error: E_EL2_VHE: ' "$E2E_LOG"
	e2e_check "${n}_powered_off" "QEMU exited $E2E_RC, not by the shim's PSCI power-off" \
		[ "$E2E_RC" = 0 ]
	e2e_check "${n}_not_booted" "the next kernel ran after the refusal" \
		bash -c '! grep -q "Booting Linux" "$1"' _ "$E2E_LOG"
fi

n=takeover_e2h_word_ignored_el1
if e2e_selected "$n"; then
	e2e_boot "$n" "$BUNDLE" --el 1 --append "$SIM"
	e2e_check "${n}_booted" "result $(e2e_get result): $(e2e_get error)" \
		[ "$(e2e_get result)" = ok ]
fi
rm -f "$BUNDLE"
exit 0
