#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# live_smp.sh - `kreloc load --cpus 4` / `kreloc exec` from a running Linux
# on 4 CPUs (QEMU -smp 4, GICv3 with an ITS): Linux takes its secondary
# CPUs offline through PSCI CPU_OFF before it kexecs, and the shim must
# start them again with CPU_ON, relocate on all four and leave them off
# for the next kernel.  The first boot is live_load.sh's (lib.sh
# e2e_live_init / e2e_live_boot, init-live with kreloc.live=cpus4).
#
# test-timeout: 1200
#
# Cases (first kernel Debian 12's 6.1, then Debian 11's 5.10, suffixed _510):
#   live_smp_elN   N = 1, 2: the load succeeds, and its line and `kreloc
#                  status` say up to 4 CPUs; the first kernel takes CPUs
#                  1-3 off through PSCI (its "psci: CPUn killed" lines, at
#                  loglevel=7); the shim runs at ELN and relocates on 4
#                  CPUs, none left out; the next kernel's init sees the
#                  payload's command line with CPUs 0-3 online; the report
#                  has "cpus": 4, cpu_pages even to a page, verified,
#                  nothing copied with the MMU off; the load wrote chunk
#                  tables (--verify on several CPUs), so all 4 CPUs hashed
#                  the payload's chunks where they lie, a share each.  4
#                  boots: EL1 from both first kernels, then EL2 from both.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_init live_smp
e2e_live_init live_smp || exit 0
# The first kernel's info lines too: its PSCI CPU_OFF of each secondary
# ("psci: CPUn killed", printed once AFFINITY_INFO says it is off).
E2E_LIVE_FIRST_CMDLINE="$E2E_LIVE_FIRST_CMDLINE loglevel=7"

# The 4 boots, "EL index-into-E2E_FIRST_KERNELS" pairs.
for c in "1 0" "1 2" "2 0" "2 2"; do
	read -r el k <<<"$c"
	first=${E2E_FIRST_KERNELS[k]}/Image sfx=${E2E_FIRST_KERNELS[k + 1]}
	first_release=$(cat "${E2E_FIRST_KERNELS[k]}/release" 2>/dev/null)
	n=live_smp_el$el$sfx
	e2e_selected "$n" || continue
	if [ ! -s "$first" ] || [ -z "$first_release" ]; then
		e2e_fail "$n" "missing ${first%/Image}/Image or release (run scripts/setup)"
		continue
	fi
	e2e_live_boot "$n" "$first" "$el" cpus4 4
	e2e_check "${n}_first_kernel" "the first kernel is not $first_release" \
		grep -q "^kreloc-live: release=$first_release " "$E2E_LOG"
	e2e_check "${n}_loaded" "kreloc load: $(grep -m1 '^kreloc-live: load-status=\|^kreloc-live: failed:' "$E2E_LOG")" \
		grep -qx 'kreloc-live: load-status=0' "$E2E_LOG"
	e2e_check "${n}_load_line" "$(grep -m1 '^kreloc-live: load| kreloc load: loaded' "$E2E_LOG")" \
		grep -q '^kreloc-live: load| kreloc load: loaded .* runs, the shim on up to 4 CPUs, holder pid ' "$E2E_LOG"
	e2e_check "${n}_status_cpus" "kreloc status: $(grep -m1 '^kreloc-live: status| cpus:' "$E2E_LOG")" \
		grep -qx 'kreloc-live: status| cpus: *up to 4 (those the device tree and PSCI offer)' "$E2E_LOG"
	e2e_check "${n}_cpus_off" "the first kernel did not say CPUs 1-3 were killed: $(grep -c 'psci: CPU[1-3] killed' "$E2E_LOG") lines" \
		bash -c '[ "$(grep -Ec "psci: CPU[1-3] killed" "$1")" = 3 ]' _ "$E2E_LOG"
	e2e_check "${n}_shim_ran" "no shim line at EL$el after kreloc exec" \
		grep -q "^kreloc: shim .* at EL$el," "$E2E_LOG"
	e2e_check "${n}_progress" "no 'kreloc: relocating on 4 CPUs (3 started, 0 left out)' line" \
		grep -q '^kreloc: relocating on 4 CPUs (3 started, 0 left out)' "$E2E_LOG"
	e2e_check "${n}_next_cmdline" "the next kernel's init did not see the payload's command line" \
		grep -qxF "kreloc-init: cmdline=$E2E_LIVE_CMDLINE" "$E2E_LOG"
	e2e_check "${n}_booted" "result $(e2e_get result): $(e2e_get error)" \
		[ "$(e2e_get result)" = ok ] || continue
	why=$(e2e_cpus_why "$n" 4 0)
	e2e_check "${n}_cpus" "$why" [ -z "$why" ]
	e2e_check "${n}_zero_copy_verified" "verified=$(e2e_get verified) mmu_off=$(e2e_get bytes_copied_mmu_off) borrowed=$(e2e_get borrowed_pages)" \
		e2e_live_zero_copy
	v=$(e2e_get verify)
	e2e_check "${n}_chunks_on_4" "report verify is '$v'" \
		python3 -c 'import json, sys; v = json.loads(sys.argv[1]); c = v.get("cpu_chunks") or []
sys.exit(not (v.get("cpus") == 4 and len(c) == 4 and sum(c) == v["chunks"] >= 8 and
              max(c) - min(c) <= 1))' "$v"
done
rm -f "$E2E_LIVE_IRD"
exit 0
