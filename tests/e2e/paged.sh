#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# paged.sh - a paged bundle (bundle.h, "Paged blobs"): the Image and the
# initrd are not in the bundle but in guest RAM that QEMU preloads (-device
# loader), cut into pieces laid out in a shuffled order, as `kreloc load`
# leaves them in a running Linux's pages.  The shim must boot the kernel
# with those pages as the trampoline's copy sources where they lie (zero
# copy before the hand-off: every whole page borrowed, nothing copied with
# the MMU off), hash them with --verify, refuse one flipped byte before the
# point of no return (resetting instead of powering off under
# KRELOC_OPT_FAIL_RESET), and refuse page tables it cannot honour.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_init paged

PAGES_AT=0x60000000		# 512 MiB into the 1 GiB guest's RAM
OPT_FAIL_RESET=0x800
BASE=$E2E_OUT/paged.base
CLASSIC=$E2E_OUT/paged.classic
if ! e2e_pack "$BASE" --verify --mode mmu >"$E2E_OUT/paged.pack" 2>&1 ||
   ! e2e_pack "$CLASSIC" --mode classic >>"$E2E_OUT/paged.pack" 2>&1; then
	e2e_fail paged_pack "kreloc pack failed: $(tail -n 1 "$E2E_OUT/paged.pack")"
	exit 1
fi

# make NAME [paged_bundle.py options]: $E2E_OUT/NAME.bundle and NAME.pages
# from $FROM (default the MMU-mode bundle); sets INFO to the helper's
# counts line.
make_paged() {
	local name=$1
	shift
	INFO=$(python3 "$E2E_ROOT/tests/e2e/paged_bundle.py" "${FROM:-$BASE}" "$E2E_OUT/$name.bundle" \
		"$E2E_OUT/$name.pages" --at "$PAGES_AT" "$@") ||
		{ e2e_fail "$name" "paged_bundle.py failed"; exit 1; }
}

info() { printf '%s\n' "$INFO" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# boot NAME: boot NAME.bundle with NAME.pages loaded at PAGES_AT.
boot() {
	e2e_boot "$1" "$E2E_OUT/$1.bundle" -- \
		-device "loader,file=$E2E_OUT/$1.pages,addr=$PAGES_AT,force-raw=on"
}

n=paged_boot
if e2e_selected "$n"; then
	make_paged "$n" --seed 11
	echo "($n: $INFO)"
	boot "$n"
	e2e_check "${n}_booted" "result $(e2e_get result): $(e2e_get error)" \
		[ "$(e2e_get result)" = ok ]
	e2e_check "${n}_scattered" "the pages form only $(info runs) runs" [ "$(info runs)" -gt 50 ]
	got=$(e2e_get borrowed_pages)
	e2e_check "${n}_borrowed" "borrowed_pages '$got', whole payload pages $(info whole_pages)" \
		[ "$got" = "$(info whole_pages)" ]
	got=$(e2e_get bytes_copied_mmu_off)
	e2e_check "${n}_mmu_off_copy" "bytes_copied_mmu_off '$got'" [ "$got" = 0 ]
	got=$(e2e_get payload_pages)
	e2e_check "${n}_payload_pages" "payload_pages '$got' for $INFO" \
		python3 -c 'import json, sys; p = json.loads(sys.argv[1])
sys.exit(not (p["image"] == int(sys.argv[2]) and p["initrd"] == int(sys.argv[3]) and
              p["runs"] == int(sys.argv[4])))' "$got" "$(info image_pages)" \
		"$(info initrd_pages)" "$(info runs)"
	e2e_check "${n}_line" "no 'kreloc: paged payload' line" \
		grep -q "^kreloc: paged payload: image $(info image_pages) pages, initrd $(info initrd_pages) pages, $(info runs) runs, borrowed $(info whole_pages) pages$" "$E2E_LOG"
	e2e_check "${n}_verified" "the shim did not check the pages' digests" \
		grep -q '^kreloc: staged payload matches its SHA-256 digests' "$E2E_LOG"
fi

n=paged_classic
if e2e_selected "$n"; then
	# MMU off: the trampoline reads the borrowed pages uncached, after the
	# shim cleaned them to PoC with the pages it staged
	FROM=$CLASSIC make_paged "$n" --seed 15
	boot "$n"
	e2e_check "${n}_booted" "result $(e2e_get result): $(e2e_get error)" \
		[ "$(e2e_get result)" = ok ]
	got=$(e2e_get borrowed_pages)
	e2e_check "${n}_borrowed" "borrowed_pages '$got', whole payload pages $(info whole_pages)" \
		[ "$got" = "$(info whole_pages)" ]
	got=$(e2e_get bytes_copied_mmu_on)
	e2e_check "${n}_mmu_on_copy" "bytes_copied_mmu_on '$got'" [ "$got" = 0 ]
fi

# corrupt NAME [options]: one byte of the Image flipped in its pages, 1 MiB in.
corrupt() {
	local name=$1
	shift
	make_paged "$name" --seed 12 --flip image:0x100000 "$@"
	boot "$name"
	e2e_check "${name}_refused" "expected E_BUNDLE_CHECKSUM, got '$(e2e_get error)'" \
		[ "$(e2e_get error_name)" = E_BUNDLE_CHECKSUM ]
	e2e_check "${name}_no_jump" "the next kernel ran" \
		eval '[ "$(e2e_get booted_after_error)" = false ] &&
			! grep -qE "Booting Linux|KRELOC-INIT-MARKER" "$E2E_LOG"'
}

n=paged_corrupt
if e2e_selected "$n"; then
	corrupt "$n"
	e2e_check "${n}_power_off" "QEMU exited $E2E_RC, or the shim said it resets" \
		eval '[ "$E2E_RC" = 0 ] && ! grep -q "^kreloc-shim: resetting" "$E2E_LOG"'
fi

n=paged_corrupt_reset
if e2e_selected "$n"; then
	corrupt "$n" --options-or "$OPT_FAIL_RESET"
	# -no-reboot (qemu-run): a PSCI SYSTEM_RESET ends QEMU too
	e2e_check "${n}_reset" "no reset line after the error" \
		eval 'grep -A1 "^kreloc-shim-error: E_BUNDLE_CHECKSUM" "$E2E_LOG" |
			grep -q "^kreloc-shim: resetting the machine (KRELOC_OPT_FAIL_RESET)"'
fi

n=paged_too_many_runs
if e2e_selected "$n"; then
	# every initrd page its own run: more than KRELOC_BUNDLE_MAX_PAGE_RUNS in all
	make_paged "$n" --seed 13 --runs-initrd 100000
	boot "$n"
	e2e_check "$n" "expected E_PAGES_RUNS ($INFO), got '$(e2e_get error)'" \
		[ "$(e2e_get error_name)" = E_PAGES_RUNS ]
fi

n=paged_not_ram
if e2e_selected "$n"; then
	# the page tables name pages above the guest's RAM: nothing loaded there
	PAGES_AT=0x100000000 make_paged "$n" --seed 14
	e2e_boot "$n" "$E2E_OUT/$n.bundle"
	e2e_check "$n" "expected E_PAGES_NOT_RAM, got '$(e2e_get error)'" \
		[ "$(e2e_get error_name)" = E_PAGES_NOT_RAM ]
fi
rm -f "$E2E_OUT"/paged_*.pages "$E2E_OUT"/paged_*.bundle "$BASE" "$CLASSIC"
exit 0
