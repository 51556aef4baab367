#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# boot.sh - boot the Debian arm64 kernel through the shim at EL1 and EL2
# (MODE and GRANULE from the environment) and check that the next kernel's
# init ran with the packed command line, and what the shim reported.  The
# machine has QEMU's GICv3 with an ITS (scripts/qemu-run's default), and in
# one case a GICv2, where the shim finds no redistributors.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_init boot

BUNDLE=$E2E_OUT/boot.bundle
if ! e2e_pack "$BUNDLE" >"$E2E_OUT/boot.pack" 2>&1; then
	e2e_fail boot_pack "kreloc pack failed: $(tail -n 1 "$E2E_OUT/boot.pack")"
	exit 1
fi

# no_line PATTERN FILE: no line of FILE matches PATTERN.
no_line() {
	! grep -q "$1" "$2"
}

for c in 1:3 2:3 1:2; do
	el=${c%:*} gic=${c#*:}
	n=boot_el${el}_$MODE
	[ "$gic" = 3 ] || n=boot_el${el}_gicv${gic}_$MODE
	e2e_selected "$n" || continue
	e2e_boot "$n" "$BUNDLE" --el "$el" --gic "$gic"

	e2e_check "${n}_exit" "QEMU exited $E2E_RC (124: timeout), not by power-off" \
		[ "$E2E_RC" = 0 ]
	e2e_check "${n}_report_json" "no valid kreloc-shim-report line: $(e2e_get error)" \
		python3 -c 'import json, sys
for l in open(sys.argv[1], errors="replace"):
    if l.startswith("kreloc-shim-report: "):
        try:
            sys.exit(not isinstance(json.loads(l.split(": ", 1)[1]), dict))
        except ValueError:
            sys.exit(1)
sys.exit(1)' "$E2E_LOG"
	e2e_check "${n}_init_marker" "KRELOC-INIT-MARKER not seen" \
		[ "$(e2e_get init_marker)" = true ]
	got=$(e2e_get cmdline)
	e2e_check "${n}_cmdline" "init saw cmdline '$got', packed '$E2E_CMDLINE'" \
		[ "$got" = "$E2E_CMDLINE" ]
	got=$(e2e_get entry_el)
	e2e_check "${n}_entry_el" "shim report entry_el is '$got', expected $el" \
		[ "$got" = "$el" ]
	e2e_check "${n}_result" "report result not ok: $(e2e_get error)" \
		[ "$(e2e_get result)" = ok ]
	# Firmware (QEMU) left LPIs off: nothing live to keep.
	if [ "$gic" = 3 ]; then
		e2e_check "${n}_gic" "no or a wrong GICv3 line from the shim" \
			grep -q '^kreloc: GICv3: 1 redistributors, 0 with LPIs enabled$' "$E2E_LOG"
	else
		e2e_check "${n}_gic" "the shim found a GICv3 on a GICv2 machine" \
			no_line '^kreloc: GICv3' "$E2E_LOG"
	fi
done
exit 0
