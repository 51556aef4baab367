#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kexec_shim.sh - Linux -> shim -> Linux.  Debian's kernel boots an
# initramfs holding kexec-tools (tests/initramfs/init-kexec), loads the kreloc
# shim as an ordinary arm64 Image with a bundle as its initrd (kexec -l), and
# reboots into it (kexec -e); the shim, entered by Linux's own relocation
# with kexec-tools' device tree, boots the kernel in the bundle.
#
# The machine has a GICv3 with an ITS and two CPUs, so the first kernel
# leaves LPIs enabled in both redistributors, whose property and pending
# tables it allocated: the shim must keep them and hand them on reserved,
# or the next kernel warns that its memory is probably corrupted.
#
# Each case runs with two first kernels: the cached Debian 12 one (6.1,
# cases linux_shim_linux_elN) and Debian 11's 5.10 (cases ..._elN_510), whose
# kexec relocation copies with the MMU off before it enters the shim.  The
# kernel in the bundle is the Debian 12 one in both.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_init kexec_shim

# kexec-tools:arm64 and the libraries it loads, unpacked into the cache.
if [ ! -x "$CACHE/kexec-root/sbin/kexec" ]; then
	"$E2E_ROOT/scripts/setup" --bench >"$E2E_OUT/kexec_shim.setup" 2>&1 ||
		{ e2e_fail kexec_shim_setup "$(tail -n 1 "$E2E_OUT/kexec_shim.setup")"; exit 0; }
fi

# Not quiet: the checks below read the next kernel's GIC lines, some of them
# pr_info.
INNER_CMDLINE="console=ttyAMA0 kreloc.e2e=after-shim"
inner=$E2E_OUT/kexec_shim.inner.bundle
E2E_CMDLINE=$INNER_CMDLINE e2e_pack "$inner" >"$E2E_OUT/kexec_shim.pack" 2>&1 ||
	{ e2e_fail kexec_shim_pack "kreloc pack failed"; exit 0; }
printf 'console=ttyAMA0' >"$E2E_OUT/kexec_shim.cmdline"	# the shim's own; it ignores it
ird=$E2E_OUT/kexec_shim.cpio.gz
"$E2E_ROOT/scripts/mkinitramfs" --kexec --init "$E2E_ROOT/tests/initramfs/init-kexec" \
	--add "$E2E_SHIM=kexec/Image" --add "$inner=kexec/initrd" \
	--add "$E2E_OUT/kexec_shim.cmdline=kexec/cmdline" "$ird" >"$E2E_OUT/kexec_shim.mk" 2>&1 ||
	{ e2e_fail kexec_shim_initramfs "$(tail -n 1 "$E2E_OUT/kexec_shim.mk")"; exit 0; }

# gic_clean FILE PATTERN: the next kernel booted (its init ran) and logged
# no line matching PATTERN (a grep basic regular expression).
gic_clean() {
	grep -q 'KRELOC-INIT-MARKER' "$1" && ! grep -q "$2" "$1"
}

# The first kernels, "directory suffix" pairs: each directory holds Image
# and release (scripts/setup); the 6.1 cases keep their unsuffixed names.
FIRST_KERNELS=("$CACHE/kernel" "" "$CACHE/kernel-5.10" _510)
for ((k = 0; k < ${#FIRST_KERNELS[@]}; k += 2)); do
	first=${FIRST_KERNELS[k]}/Image sfx=${FIRST_KERNELS[k + 1]}
	first_release=$(cat "${FIRST_KERNELS[k]}/release" 2>/dev/null)
	for el in 1 2; do
		n=linux_shim_linux_el$el$sfx
		e2e_selected "$n" || continue
		E2E_LOG=$E2E_OUT/$n.log
		E2E_RC=0
		if [ ! -s "$first" ] || [ -z "$first_release" ]; then
			# scripts/setup (run by make) fetches both kernels: missing is a failure.
			e2e_fail "${n}_first_kernel" "missing ${first%/Image}/Image or release (run scripts/setup)"
			continue
		fi
		"$E2E_ROOT/scripts/qemu-run" --kernel "$first" --initrd "$ird" \
			--append "console=ttyAMA0 quiet" --el "$el" --gic 3 --smp 2 --mem 2G --icount \
			--timeout 240 --quiet --log "$E2E_LOG" 2>"$E2E_OUT/$n.qemu-run" || E2E_RC=$?
		E2E_REPORT=$(python3 "$E2E_ROOT/scripts/report.py" make --log "$E2E_LOG" \
			--cmdline "$INNER_CMDLINE" --el "$el" || true)
		e2e_check "${n}_first_kernel" "the first kernel is not $first_release: $(grep -m1 '^kreloc-kexec: release=' "$E2E_LOG")" \
			grep -qx "kreloc-kexec: release=$first_release" "$E2E_LOG"
		e2e_check "${n}_kexec_loaded" "kexec -l of the shim failed: $(grep -m1 'kreloc-kexec: failed' "$E2E_LOG")" \
			grep -q '^kreloc-kexec: load-status=0' "$E2E_LOG"
		e2e_check "${n}_shim_ran" "no shim line after kexec -e" \
			grep -q "^kreloc: shim .* at EL$el," "$E2E_LOG"
		e2e_check "${n}_booted" "result $(e2e_get result): $(e2e_get error)" \
			[ "$(e2e_get result)" = ok ]
		e2e_check "${n}_shim_found_lpi_tables" "the shim did not find both redistributors' tables" \
			grep -q '^kreloc: GICv3: 2 redistributors, 2 with LPIs enabled; live LPI tables ' "$E2E_LOG"
		# The next kernel's own verdict on the tables it found live: its
		# lines are those after the shim's first.
		next=$E2E_OUT/$n.next.log
		sed -n '/^kreloc: shim /,$p' "$E2E_LOG" >"$next"
		e2e_check "${n}_lpi_tables_reserved" "the next kernel found an LPI table unreserved" \
			gic_clean "$next" 'Expected reserved range'
		e2e_check "${n}_lpi_tables_reused" "the next kernel booted with LPIs on over unknown tables" \
			gic_clean "$next" 'Booted with LPIs enabled\|memory probably corrupted'
		e2e_check "${n}_lpi_tables_preallocated" "the next kernel did not take over the live tables" \
			grep -qF 'GICv3: Using preallocated redistributor tables' "$next"
	done
done
rm -f "$ird" "$inner"
exit 0
