#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# smp.sh - relocation on several CPUs (KRELOC_OPT_CPUS, `kreloc pack --cpus`):
# QEMU -smp 4 on a GICv3, MMU mode, the shim entered at EL1 and at EL2.
# Each boot must reach the next kernel's init with every CPU online (the
# shim's secondaries must all be off again, for Linux to start them), and
# the report must say how many CPUs copied and that their shares are even
# to a page.  A CPU_ON that PSCI refuses (kreloc.simulate=cpu-on-fail on
# the shim's own command line: the last CPU is started at an MPIDR no CPU
# has) must be named in a warning line and left out, the boot going on
# with the others; so must one taken as late (kreloc.simulate=cpu-late),
# which is cancelled; a CPU that never finishes (kreloc.simulate=cpu-hang)
# must end in a console line and a reset, past the point of no return; a
# bundle's cap below the CPUs offered is kept.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_init smp

# boot_smp NAME EL CPUS LEFT_OUT PACK_CPUS [qemu-run options]
boot_smp() {
	local n=$1 el=$2 cpus=$3 left=$4 cap=$5 why
	shift 5
	e2e_selected "$n" || return 1
	if ! MODE=mmu e2e_pack "$E2E_OUT/$n.bundle" --cpus "$cap" >"$E2E_OUT/$n.pack" 2>&1; then
		e2e_fail "$n" "kreloc pack failed: $(tail -n 1 "$E2E_OUT/$n.pack")"
		return 1
	fi
	e2e_boot "$n" "$E2E_OUT/$n.bundle" --el "$el" --smp 4 --gic 3 "$@"
	e2e_check "${n}_boot" "result $(e2e_get result): $(e2e_get error)" \
		[ "$(e2e_get result)" = ok ] || return 1
	why=$(e2e_cpus_why "$n" "$cpus" "$left")
	e2e_check "${n}_cpus" "$why" [ -z "$why" ]
	e2e_check "${n}_progress" "no 'kreloc: relocating on $cpus CPUs' line" \
		grep -q "^kreloc: relocating on $cpus CPUs " "$E2E_LOG"
}

for el in 1 2; do
	boot_smp "smp4_el$el" "$el" 4 0 4
done

n=smp_cpu_on_fail
if boot_smp "$n" 2 3 1 4 --append "console=ttyAMA0 kreloc.simulate=cpu-on-fail"; then
	e2e_check "${n}_warning" "no warning line for cpu 3" \
		grep -Eq '^kreloc-shim: cpu 3 \(mpidr 0x3\): PSCI CPU_ON returned -2 \(INVALID_PARAMETERS\).*; left out' \
		"$E2E_LOG"
fi

# A CPU taken as late (kreloc.simulate=cpu-late: the last one started) is
# cancelled: it must copy nothing and turn itself off, or the shim would
# wait for it past the point of no return and reset, and the next kernel
# could not start it.
n=smp_cpu_late
if boot_smp "$n" 1 3 1 4 --append "console=ttyAMA0 kreloc.simulate=cpu-late"; then
	e2e_check "${n}_warning" "no warning line for cpu 3" \
		grep -Eq '^kreloc-shim: cpu 3 \(mpidr 0x3\): did not arrive within [0-9]+ ms.*; left out' \
		"$E2E_LOG"
fi

# A CPU that never finishes (kreloc.simulate=cpu-hang: its list never
# ends) past the point of no return: the boot CPU's bounded wait must end
# in its console line and a PSCI reset (QEMU -no-reboot exits), never in a
# boot.
n=smp_cpu_hang
if e2e_selected "$n" &&
   MODE=mmu e2e_pack "$E2E_OUT/$n.bundle" --cpus 4 >"$E2E_OUT/$n.pack" 2>&1; then
	e2e_boot "$n" "$E2E_OUT/$n.bundle" --el 2 --smp 4 --gic 3 \
		--append "console=ttyAMA0 kreloc.simulate=cpu-hang"
	e2e_check "${n}_reset" "no timeout line, a boot, or QEMU did not exit (status $E2E_RC)" \
		bash -c '[ "$1" = 0 ] &&
			 grep -q "^kreloc-shim: relocation on several CPUs timed out past the point of no return; resetting" "$2" &&
			 ! grep -q -e KRELOC-INIT-MARKER -e "Booting Linux" "$2"' _ "$E2E_RC" "$E2E_LOG"
elif e2e_selected "$n"; then
	e2e_fail "$n" "kreloc pack failed: $(tail -n 1 "$E2E_OUT/$n.pack")"
fi

# The bundle's cap: 2 of the 4 CPUs.
boot_smp smp_cap2 1 2 0 2
exit 0
