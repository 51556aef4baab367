#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# chain.sh - chained hand-offs: the shim hands off to itself HOPS times
# (default 20) before Linux, each bundle nesting the next, while a preserved
# region (filled with random bytes by QEMU's loader) must never be a
# destination and must hash the same at every hop.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_init chain

HOPS=${KRELOC_CHAIN_HOPS:-20}
PRESERVE_BASE=0x7f000000	# near the top of the 1 GiB guest, clear of QEMU's loads
PRESERVE_SIZE=0x10000
n=chain_${HOPS}_hops
e2e_selected "$n" || exit 0

pattern=$E2E_OUT/chain.pattern
head -c $((PRESERVE_SIZE)) /dev/urandom >"$pattern"
want=$(sha256sum "$pattern" | cut -c1-64)

bundle=$E2E_OUT/chain.0.bundle
e2e_pack "$bundle" --preserve "$PRESERVE_BASE:$PRESERVE_SIZE" >"$E2E_OUT/chain.pack" 2>&1 ||
	{ e2e_fail "$n" "pack of the Linux bundle failed"; exit 0; }
for ((i = 1; i <= HOPS; i++)); do
	next=$E2E_OUT/chain.$i.bundle
	"$E2E_CLI" pack --image "$E2E_SHIM" --nested "$bundle" \
		--preserve "$PRESERVE_BASE:$PRESERVE_SIZE" -o "$next" >>"$E2E_OUT/chain.pack" 2>&1 ||
		{ e2e_fail "$n" "pack of hop $i failed: $(tail -n 1 "$E2E_OUT/chain.pack")"; exit 0; }
	rm -f "$bundle"
	bundle=$next
done

e2e_boot "$n" "$bundle" --timeout 300 -- \
	-device "loader,file=$pattern,addr=$PRESERVE_BASE,force-raw=on"
shims=$(grep -c '^kreloc: shim ' "$E2E_LOG")
e2e_check "${n}_hops" "$shims shims ran, expected $((HOPS + 1))" [ "$shims" = $((HOPS + 1)) ]
e2e_check "${n}_linux" "result $(e2e_get result): $(e2e_get error)" [ "$(e2e_get result)" = ok ]
bad=$(grep '^kreloc: preserved ' "$E2E_LOG" | grep -vc "sha256=$want\$")
seen=$(grep -c "^kreloc: preserved $PRESERVE_BASE+$PRESERVE_SIZE sha256=$want\$" "$E2E_LOG")
e2e_check "${n}_preserved" "$seen hops saw the preserved region intact, $bad saw it changed" \
	[ "$seen" = $((HOPS + 1)) ] && [ "$bad" = 0 ]
rm -f "$bundle"
exit 0
