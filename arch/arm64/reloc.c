// SPDX-License-Identifier: MIT
/*
 * reloc.c - install the relocation trampoline in its control page.
 */
#include <asm/cache.h>
#include <asm/reloc.h>
#include <kreloc/bundle.h>

/* relocate.S: everything between these two symbols goes into the control page */
extern const char kreloc_trampoline_start[], kreloc_trampoline_end[];
extern const char kreloc_relocate_classic[], kreloc_relocate_mmu_el1[],
	kreloc_relocate_mmu_el2[], kreloc_relocate_smp_el1[], kreloc_relocate_smp_el2[],
	kreloc_secondary_el1[], kreloc_secondary_el2[];

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
	kreloc_dcache_civac_range(h->control, h->control + KRELOC_PAGE_SIZE);
}

void kreloc_reloc_smp_setup(const struct kreloc_handoff *h, uint64_t smp, uint64_t uart, bool smc)
{
	struct kreloc_reloc_args *args =
		(struct kreloc_reloc_args *)((uint8_t *)h->control_va + KRELOC_RELOC_ARGS_AT);

	args->smp = smp;
	args->uart = uart;
	if (smc)
		args->flags |= 1ULL << RELOC_FLAG_SMC_BIT;
	/* read with the MMU off, by this CPU and the ones it starts */
	kreloc_dcache_civac_range(h->control + KRELOC_RELOC_ARGS_AT, h->control + KRELOC_PAGE_SIZE);
}

void kreloc_reloc_record(const struct kreloc_handoff *h, uint64_t entered_at, uint64_t entered_inst,
			 bool verified, unsigned int cpus)
{
	struct kreloc_reloc_args *args =
		(struct kreloc_reloc_args *)((uint8_t *)h->control_va + KRELOC_RELOC_ARGS_AT);
	uint64_t copied = h->list.copies * KRELOC_PAGE_SIZE;
	bool mmu = h->mode == KRELOC_MODE_MMU;
	const uint64_t record[] = {
		entered_at, entered_inst,
		mmu ? copied : 0, mmu ? 0 : copied,
		verified ? KRELOC_MAILBOX_F_VERIFIED : 0, cpus,
	};

	_Static_assert(sizeof(record) == sizeof(args->record), "mailbox slots 3-5");
	memcpy(args->record, record, sizeof(record));
	/* read with the MMU off in classic mode */
	kreloc_dcache_civac_range(h->control + KRELOC_RELOC_ARGS_AT, h->control + KRELOC_PAGE_SIZE);
}

static void clean_page(uint64_t pa)
{
	kreloc_dcache_civac_range(pa, pa + KRELOC_IND_PAGE_SIZE);
}

void kreloc_reloc_clean_for_mmu_off(const struct kreloc_handoff *h)
{
	const uint64_t *entry = NULL;
	uint64_t e = h->ki.head;

	/* prepare() proved the list well formed: walk it as the trampoline will */
	while (!(e & KRELOC_IND_DONE)) {
		uint64_t pa = e & ~(uint64_t)(KRELOC_IND_PAGE_SIZE - 1);

		if (e & KRELOC_IND_INDIRECTION) {
			clean_page(pa);
			entry = (const uint64_t *)(uintptr_t)pa;
		} else if (e & KRELOC_IND_SOURCE) {
			clean_page(pa);
		}
		e = *entry++;
	}
}

uint64_t kreloc_reloc_entry(uint64_t page, enum kreloc_reloc_kind kind)
{
	static const char *const entry[] = {
		[KRELOC_RELOC_CLASSIC] = kreloc_relocate_classic,
		[KRELOC_RELOC_MMU_EL1] = kreloc_relocate_mmu_el1,
		[KRELOC_RELOC_MMU_EL2] = kreloc_relocate_mmu_el2,
		[KRELOC_RELOC_SMP_EL1] = kreloc_relocate_smp_el1,
		[KRELOC_RELOC_SMP_EL2] = kreloc_relocate_smp_el2,
		[KRELOC_RELOC_SECONDARY_EL1] = kreloc_secondary_el1,
		[KRELOC_RELOC_SECONDARY_EL2] = kreloc_secondary_el2,
	};

	return page + (uint64_t)(entry[kind] - kreloc_trampoline_start);
}
