#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# live_load.sh - Linux -> `kreloc load` / `kreloc exec` -> shim -> Linux.
#
# The first kernel (Debian 12's 6.1, then Debian 11's 5.10, cases suffixed
# _510) boots an initramfs whose /init is tests/initramfs/init-live, holding
# the arm64 CLI as /bin/kreloc, the shim as /usr/lib/kreloc/shim.Image and
# the payload in /payload: Debian 12's Image, a small initrd whose /init is
# init-live too (it prints the test initramfs' lines in the next boot) and
# the next command line.  /init runs `kreloc load` then `kreloc exec`; the
# machine has a GICv3 with an ITS and two CPUs, as in kexec_shim.sh.
#
# test-timeout: 1500
#
# Cases, for each first kernel:
#   live_load_elN     N = 1, 2: the load succeeds (the payload mlocked and
#                     pinned long-term in one io_uring ring), the shim runs at ELN and
#                     the next kernel's init sees the payload's command line
#                     (scripts/report.py: result ok)
#   live_load_flip, live_load_flip_el2   (EL1, EL2) one byte of a payload
#                     page inverted in the holder process after the load: the
#                     shim must refuse it (E_BUNDLE_CHECKSUM) and reset, and no
#                     next kernel may run
#   live_load_noverify, live_load_noverify_el2   (EL1, EL2) load --no-verify: boots, unverified
#   live_load_disabled, live_load_lockdown, live_load_nonroot   (EL1) the
#                     load must be refused (non-zero status), nothing runs
#                     after it; lockdown is SKIPped when the kernel has no
#                     /sys/kernel/security/lockdown.  EL1 only: these are
#                     refused in user space before kexec_load, where the
#                     exception level Linux runs at plays no part
#
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_init live_load

e2e_live_init live_load || exit 0

# load_status: the N of "kreloc-live: load-status=N" ("" when absent).
load_status() {
	sed -n 's/^kreloc-live: load-status=\([0-9][0-9]*\)$/\1/p' "$E2E_LOG" | head -n 1
}
# refused: a non-zero load status, and nothing ran after it.
refused() {
	local s
	s=$(load_status)
	[ -n "$s" ] && [ "$s" != 0 ] && grep -q '^kreloc-live: done$' "$E2E_LOG" &&
		! grep -q '^kreloc-live: exec$\|^kreloc: shim \|KRELOC-INIT-MARKER' "$E2E_LOG"
}
# flip_refused: the flip happened, the shim refused it as a digest mismatch
# and reset the machine (KRELOC_OPT_FAIL_RESET), no next kernel ran.
flip_refused() {
	grep -q '^kreloc-live: flip pid=[0-9]* va=0x[0-9a-fA-F]* old=[0-9]* new=[0-9]* readback=' "$E2E_LOG" &&
		grep -q '^kreloc-shim-error: E_BUNDLE_CHECKSUM' "$E2E_LOG" &&
		grep -q '^kreloc-shim: resetting the machine' "$E2E_LOG" &&
		! grep -q 'KRELOC-INIT-MARKER' "$E2E_LOG"
}

for ((k = 0; k < ${#E2E_FIRST_KERNELS[@]}; k += 2)); do
	first=${E2E_FIRST_KERNELS[k]}/Image sfx=${E2E_FIRST_KERNELS[k + 1]}
	first_release=$(cat "${E2E_FIRST_KERNELS[k]}/release" 2>/dev/null)
	if [ ! -s "$first" ] || [ -z "$first_release" ]; then
		e2e_fail "live_load_first_kernel$sfx" "missing ${first%/Image}/Image or release (run scripts/setup)"
		continue
	fi

	for el in 1 2; do
		n=live_load_el$el$sfx
		e2e_selected "$n" || continue
		e2e_live_boot "$n" "$first" "$el"
		e2e_check "${n}_first_kernel" "the first kernel is not $first_release" \
			grep -q "^kreloc-live: release=$first_release " "$E2E_LOG"
		e2e_check "${n}_loaded" "kreloc load: $(grep -m1 '^kreloc-live: load-status=\|^kreloc-live: failed:' "$E2E_LOG")" \
			grep -qx 'kreloc-live: load-status=0' "$E2E_LOG"
		e2e_check "${n}_shim_ran" "no shim line at EL$el after kreloc exec" \
			grep -q "^kreloc: shim .* at EL$el," "$E2E_LOG"
		e2e_check "${n}_next_cmdline" "the next kernel's init did not see the payload's command line" \
			grep -qxF "kreloc-init: cmdline=$E2E_LIVE_CMDLINE" "$E2E_LOG"
		e2e_check "${n}_booted" "result $(e2e_get result): $(e2e_get error)" \
			[ "$(e2e_get result)" = ok ]
		e2e_check "${n}_pinned" "$(grep -m1 '^kreloc-live: load| kreloc load: loaded' "$E2E_LOG")" \
			grep -Eq '^kreloc-live: load\| kreloc load: loaded .*\(mlock \+ io_uring long-term pin \(1 ring\)(, root cgroup)?\)$' "$E2E_LOG"
		e2e_check "${n}_zero_copy_verified" "verified=$(e2e_get verified) mmu_off=$(e2e_get bytes_copied_mmu_off) borrowed=$(e2e_get borrowed_pages)" \
			e2e_live_zero_copy
	done

	# The refusal and the reset at both exception levels the shim runs at.
	for el in 1 2; do
		n=live_load_flip$([ "$el" = 1 ] || echo "_el$el")$sfx
		e2e_selected "$n" || continue
		e2e_live_boot "$n" "$first" "$el" flip
		e2e_check "${n}_loaded" "kreloc load: $(grep -m1 '^kreloc-live: load-status=\|^kreloc-live: failed:' "$E2E_LOG")" \
			grep -qx 'kreloc-live: load-status=0' "$E2E_LOG"
		e2e_check "${n}_refused" "the flipped byte was not caught at EL$el: $(grep -m1 '^kreloc-live: flip \|^kreloc-live: failed:\|KRELOC-INIT-MARKER' "$E2E_LOG")" \
			flip_refused
	done

	# --no-verify: no digest computed at load, none checked by the shim,
	# still zero copy; at both exception levels.
	for el in 1 2; do
		n=live_load_noverify$([ "$el" = 1 ] || echo "_el$el")$sfx
		e2e_selected "$n" || continue
		e2e_live_boot "$n" "$first" "$el" noverify
		e2e_check "${n}_booted" "result $(e2e_get result): $(e2e_get error)" \
			[ "$(e2e_get result)" = ok ]
		e2e_check "${n}_shim_ran" "no shim line at EL$el" \
			grep -q "^kreloc: shim .* at EL$el," "$E2E_LOG"
		e2e_check "${n}_not_verified" "verified=$(e2e_get verified), or a digest recorded at load" \
			eval '[ "$(e2e_get verified)" = false ] && grep -q "^kreloc-live: status| image: .*sha256 none$" "$E2E_LOG"'
	done

	for step in disabled lockdown nonroot; do
		n=live_load_$step$sfx
		e2e_selected "$n" || continue
		e2e_live_boot "$n" "$first" 1 "$step"
		if [ "$step" = lockdown ] && grep -q '^kreloc-live: lockdown=absent' "$E2E_LOG"; then
			e2e_skip "$n" "Linux $first_release has no /sys/kernel/security/lockdown"
			continue
		fi
		# The step took effect in the first kernel, else the case proves nothing.
		case $step in
		disabled) applied='^kreloc-live: disabled=1$' ;;
		lockdown) applied='^kreloc-live: lockdown=.*\[integrity\]' ;;
		nonroot) applied='^kreloc-live: nonroot=.* uid=1000$' ;;
		esac
		e2e_check "${n}_applied" "no line matching '$applied' ($(grep -m1 "^kreloc-live: $step=\|^kreloc-live: failed:" "$E2E_LOG"))" \
			grep -q "$applied" "$E2E_LOG"
		e2e_check "${n}_refused" "load not refused ($(grep -m1 '^kreloc-live: load-status=' "$E2E_LOG"))" \
			refused
	done
done
rm -f "$E2E_LIVE_IRD"
exit 0
