/* SPDX-License-Identifier: MIT */
/*
 * copy.S - the benchmark's limit: a plain copy with the relocation's own
 * page loop (asm/page_ops.h), no entry list and no cache maintenance.
 *
 * u64 kreloc_copy_plain(u64 dst, u64 src, u64 pages, u64 flags)
 *   Copies @pages 4 KiB pages under whatever translation the caller runs
 *   with (the shim: its own tables, caches on).  Returns the instructions
 *   the loop took when @flags has RELOC_FLAG_PMU_BIT (PMEVCNTR0 counts
 *   INST_RETIRED, 32 bits wide), else CNTVCT ticks.
 */
#include <asm/page_ops.h>
#include <asm/reloc_args.h>

	.text
	.globl	kreloc_copy_plain
kreloc_copy_plain:
	stp	x24, x25, [sp, #-16]!		// callee-saved, used by copy_page
	mov	x9, x0
	mov	x10, x1
	mov	x11, x2
	mov	x12, x3
	isb					// counters read after what came before
	mrs	x14, cntvct_el0
	tbz	x12, #RELOC_FLAG_PMU_BIT, 1f
	mrs	x14, pmevcntr0_el0
1:	cbz	x11, 3f
2:	copy_page x9, x10
	add	x9, x9, #KRELOC_IND_PAGE_SIZE
	add	x10, x10, #KRELOC_IND_PAGE_SIZE
	subs	x11, x11, #1
	b.ne	2b
3:	isb
	mrs	x15, cntvct_el0
	tbz	x12, #RELOC_FLAG_PMU_BIT, 4f
	mrs	x15, pmevcntr0_el0
4:	sub	x0, x15, x14
	tbz	x12, #RELOC_FLAG_PMU_BIT, 5f
	mov	w0, w0				// difference modulo 2^32
5:	ldp	x24, x25, [sp], #16
	ret
