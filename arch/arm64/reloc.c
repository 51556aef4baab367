// SPDX-License-Identifier: MIT
/*
 * reloc.c - install the relocation trampoline in its control page.
 */
#include <asm/reloc.h>
#include <kreloc/bundle.h>

/* relocate.S: everything between these two symbols goes into the control page */
extern const char kreloc_trampoline_start[], kreloc_trampoline_end[];
extern const char kreloc_relocate_classic[], kreloc_relocate_mmu_el1[],
	kreloc_relocate_mmu_el2[], kreloc_copy_plain_el1[], kreloc_copy_plain_el2[];

void kreloc_reloc_install(const struct kreloc_handoff *h, uint64_t flags)
{
	struct kreloc_reloc_args args = {
		.head = h->ki.head,
		.entry = h->place.kernel_load,
		.dtb = h->place.dtb.base,
		.mailbox = h->mailbox,
		.flags = flags,
	};

	if (h->mode == KRELOC_MODE_MMU) {
		args.ttbr = h->xlat.ttbr;
		args.tcr = h->xlat.tcr;
		args.mair = h->xlat.mair;
		args.sctlr_set = h->xlat.sctlr_set;
		args.sctlr_clear = h->xlat.sctlr_clear;
	}
	memcpy(h->control_va, kreloc_trampoline_start, (size_t)(kreloc_trampoline_end - kreloc_trampoline_start));
	memcpy((uint8_t *)h->control_va + KRELOC_RELOC_ARGS_AT, &args, sizeof(args));
}

uint64_t kreloc_reloc_entry(uint64_t page, enum kreloc_reloc_kind kind)
{
	static const char *const entry[] = {
		[KRELOC_RELOC_CLASSIC] = kreloc_relocate_classic,
		[KRELOC_RELOC_MMU_EL1] = kreloc_relocate_mmu_el1,
		[KRELOC_RELOC_MMU_EL2] = kreloc_relocate_mmu_el2,
		[KRELOC_COPY_PLAIN_EL1] = kreloc_copy_plain_el1,
		[KRELOC_COPY_PLAIN_EL2] = kreloc_copy_plain_el2,
	};

	return page + (uint64_t)(entry[kind] - kreloc_trampoline_start);
}
