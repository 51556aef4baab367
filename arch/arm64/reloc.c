// SPDX-License-Identifier: MIT
/*
 * reloc.c - install the relocation trampoline in its control page.
 */
#include <asm/reloc.h>

/* relocate.S, in section .kreloc.trampoline (bounds from shim.lds) */
extern const char __trampoline_start[], __trampoline_end[];
extern const char kreloc_relocate_classic[], kreloc_relocate_mmu_el1[],
	kreloc_relocate_mmu_el2[], kreloc_copy_plain_el1[], kreloc_copy_plain_el2[];

void kreloc_reloc_install(uint64_t page, const struct kreloc_reloc_args *args)
{
	memcpy((void *)(uintptr_t)page, __trampoline_start,
	       (size_t)(__trampoline_end - __trampoline_start));
	memcpy((void *)(uintptr_t)(page + KRELOC_RELOC_ARGS_AT), args, sizeof(*args));
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

	return page + (uint64_t)(entry[kind] - __trampoline_start);
}
