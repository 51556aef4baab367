/* SPDX-License-Identifier: MIT */
/*
 * cache.S - data and instruction cache maintenance by address.
 *
 * All operations work to the Point of Coherency, the level at which every
 * observer (the next kernel with its MMU off, DMA masters) sees the same
 * data.  Set/way operations are never used: they do not reach system caches.
 * Each routine clobbers x0-x4 only and uses no stack, so head.S may call it
 * before a stack exists.
 */

/* x2 = smallest D-cache line size in bytes (CTR_EL0.DminLine is log2 words). */
.macro dcache_line_size
	mrs	x3, ctr_el0
	ubfx	x3, x3, #16, #4
	mov	x2, #4
	lsl	x2, x2, x3
.endm

/* Apply `dc \op` to every line of [x0, x1), then wait for completion. */
.macro dcache_by_line op
	dcache_line_size
	sub	x3, x2, #1
	bic	x0, x0, x3
1:	dc	\op, x0
	add	x0, x0, x2
	cmp	x0, x1
	b.lo	1b
	dsb	sy				// maintenance complete before anything that depends on it
	ret
.endm

	.text
	.globl	kreloc_dcache_civac_range
kreloc_dcache_civac_range:			// clean + invalidate [x0, x1) to PoC
	dcache_by_line civac

	.globl	kreloc_dcache_cvac_range
kreloc_dcache_cvac_range:			// clean [x0, x1) to PoC
	dcache_by_line cvac

	.globl	kreloc_icache_inval_all
kreloc_icache_inval_all:
	ic	iallu				// this PE's I-cache, to PoU
	dsb	nsh				// invalidation complete ...
	isb					// ... before the next instruction fetch
	ret
