/* SPDX-License-Identifier: MIT */
/*
 * relocate.S - the relocation trampolines: walk a kimage entry list, copy
 * every page to its destination, enter the next kernel.
 *
 * They run from a control page that no destination touches, after the
 * shim's own memory may already be overwritten, so they are position
 * independent, use no stack and read no memory but the list, the sources and
 * their parameter block; that block is loaded into registers before the
 * first copy (a copy may overwrite the memory it came from).
 *
 *   kreloc_relocate_classic	MMU off throughout (the pre-5.16 Linux way)
 *   kreloc_relocate_mmu_el1	MMU and caches on through transitional tables
 *   kreloc_relocate_mmu_el2	the same in the EL2 (non-VHE) regime
 *
 * Entered with x0 = parameter block, MMU off, DAIF masked.  Register use:
 *   x9  current entry     x10 next-entry pointer  x11 destination cursor
 *   x12 entry address     x13 D-cache line size   x14, x8, x24, x25 scratch
 *   x15 kernel entry      x16 device tree         x17 mailbox   x18 flags
 *   x19 ttbr  x20 tcr  x21 mair  x22 sctlr set  x23 sctlr clear
 *   x26, x27 the counters sampled at entry
 *   x0-x7 copy data
 */
#include <asm/reloc_args.h>
#include <asm/sysreg.h>
#include <kreloc/ind.h>

#define PAGE_SIZE	KRELOC_IND_PAGE_SIZE

	.section .kreloc.trampoline, "ax"
	.balign	64
	.globl	kreloc_trampoline_start
kreloc_trampoline_start:

.macro load_args
	ldp	x9, x15, [x0, #RELOC_ARGS_HEAD]		// head, entry
	ldp	x16, x19, [x0, #RELOC_ARGS_DTB]		// dtb, ttbr
	ldp	x20, x21, [x0, #RELOC_ARGS_TCR]		// tcr, mair
	ldp	x22, x23, [x0, #RELOC_ARGS_SCTLR_SET]	// sctlr set, clear
	ldp	x17, x18, [x0, #RELOC_ARGS_MAILBOX]	// mailbox, flags
	mrs	x14, ctr_el0
	ubfx	x14, x14, #16, #4			// DminLine: log2 of words
	mov	x13, #4
	lsl	x13, x13, x14				// smallest D-cache line, bytes
.endm

/* Read (counter, instructions) into \t, \i; instructions 0 without the PMU. */
.macro sample t, i
	isb						// counters read after what came before
	mrs	\t, cntvct_el0
	mov	\i, xzr
	tbz	x18, #RELOC_FLAG_PMU_BIT, 1f
	mrs	\i, pmevcntr0_el0
1:
.endm

/*
 * Store \val big-endian at \off in the mailbox.  FDT property values are
 * only 4-byte aligned and this may run with the MMU off, where an unaligned
 * access faults: two 32-bit stores.
 */
.macro store_be64 off, val
	rev	x14, \val
	str	w14, [x17, #(\off)]
	lsr	x14, x14, #32
	str	w14, [x17, #(\off + 4)]
.endm

/* Store a sample into mailbox slot \slot, if there is a mailbox. */
.macro store_sample slot, t, i
	cbz	x17, 1f
	store_be64 (\slot * 16), \t
	store_be64 (\slot * 16 + 8), \i
1:
.endm

/*
 * Stamp slot \slot now.  The mailbox lies in a destination (the next
 * kernel's device tree), so the entry sample waits in x26/x27 until the copy
 * is over, and is stored with the COPIED stamp.
 */
.macro stamp slot
	sample	x0, x1
	.if \slot == KRELOC_STAMP_COPIED
	store_sample KRELOC_STAMP_ENTRY, x26, x27
	.endif
	store_sample \slot, x0, x1
.endm

/* Apply `dc \op` to each line of the page at \page (x8 clobbered). */
.macro dcache_page op, page
	mov	x8, \page
	add	x24, \page, #PAGE_SIZE
1:	dc	\op, x8
	add	x8, x8, x13
	cmp	x8, x24
	b.lo	1b
.endm

/* Copy one page, 64 bytes per iteration, from \src to \dst (both kept). */
.macro copy_page dst, src
	mov	x8, \src
	mov	x24, \dst
	add	x25, \src, #PAGE_SIZE
1:	ldp	x0, x1, [x8], #16
	ldp	x2, x3, [x8], #16
	ldp	x4, x5, [x8], #16
	ldp	x6, x7, [x8], #16
	stp	x0, x1, [x24], #16
	stp	x2, x3, [x24], #16
	stp	x4, x5, [x24], #16
	stp	x6, x7, [x24], #16
	cmp	x8, x25
	b.lo	1b
.endm

/*
 * Walk the list from x9.  For each source page run \page_op (destination
 * x11, source x12) unless the source already is its destination.
 */
.macro walk_list page_op
2:	tbnz	x9, #KRELOC_IND_DONE_BIT, 9f
	and	x12, x9, #~(PAGE_SIZE - 1)
	tbz	x9, #KRELOC_IND_DESTINATION_BIT, 3f
	mov	x11, x12				// new destination cursor
	b	8f
3:	tbz	x9, #KRELOC_IND_INDIRECTION_BIT, 4f
	mov	x10, x12				// list continues on that page
	b	8f
4:	tbz	x9, #KRELOC_IND_SOURCE_BIT, 8f		// the validator allows no other kind
	cmp	x12, x11
	b.eq	5f					// staged in place: nothing to copy
	\page_op
5:	add	x11, x11, #PAGE_SIZE
8:	ldr	x9, [x10], #8
	b	2b
9:
.endm

/* Set x0..x3 per the boot protocol and jump: x0 = dtb, x1..x3 = 0. */
.macro enter_kernel
	mov	x0, x16
	mov	x1, xzr
	mov	x2, xzr
	mov	x3, xzr
	br	x15
.endm

/* ---- classic: MMU off ------------------------------------------------- */

.macro classic_page
	/*
	 * With the MMU off our stores go straight to memory.  A line the
	 * previous owner left dirty would later be written back over the copy,
	 * and a clean one would be hit once the next kernel enables its caches:
	 * clean+invalidate the destination first, and wait for it (dsb) before
	 * the stores that must not be overtaken.
	 */
	dcache_page civac, x11
	dsb	sy
	copy_page x11, x12
.endm

	.balign	64
	.globl	kreloc_relocate_classic
kreloc_relocate_classic:
	load_args
	sample	x26, x27
	walk_list classic_page
	dsb	sy					// all copies reached memory
	stamp	KRELOC_STAMP_COPIED
	ic	iallu					// no stale instructions for the new Image
	dsb	nsh
	isb
	stamp	KRELOC_STAMP_EXIT
	dsb	sy					// mailbox stores complete before we leave
	enter_kernel

/* ---- MMU on ------------------------------------------------------------ */

/*
 * Copy one page with the caches on and push it to the Point of Coherency:
 * the next kernel starts with its MMU off and reads memory, not our cache.
 *
 * Clean+invalidate rather than clean: the next kernel first runs with
 * non-cacheable accesses and may write this memory before it turns its
 * caches on; a clean line we left would then be stale and could be hit
 * later.  Removing it costs no more.  (Linux uses the same op; dc ivac hung
 * ThunderX2.)
 *
 * With D-cache lines of 64 bytes or more (x13), each 64-byte chunk is
 * cleaned right after it is written, which covers every line of the page;
 * a DC by VA is ordered after earlier stores to the same location, so no
 * barrier is needed in the loop.  Smaller lines take a separate pass.
 */
.macro mmu_page
	mov	x8, x12
	mov	x24, x11
	add	x25, x12, #PAGE_SIZE
	cmp	x13, #64
	b.lo	6f
1:	ldp	x0, x1, [x8], #64
	ldp	x2, x3, [x8, #-48]
	ldp	x4, x5, [x8, #-32]
	ldp	x6, x7, [x8, #-16]
	stp	x0, x1, [x24]
	stp	x2, x3, [x24, #16]
	stp	x4, x5, [x24, #32]
	stp	x6, x7, [x24, #48]
	dc	civac, x24
	add	x24, x24, #64
	cmp	x8, x25
	b.lo	1b
	b	7f
6:	copy_page x11, x12
	dcache_page civac, x11
7:
.endm

.macro relocate_mmu el
	load_args
	sample	x26, x27
	/*
	 * Install the transitional tables with the MMU off: nothing can be
	 * translated while they change, so no break-before-make is needed.
	 * The tables, list and sources were written with the MMU off after
	 * their lines were cleaned and invalidated, so the walker and the
	 * cached copy loop see memory as written.
	 */
	msr	mair_el\el, x21
	msr	tcr_el\el, x20
	msr	ttbr0_el\el, x19
	isb						// register writes visible to what follows
	.if \el == 2
	tlbi	alle2					// no stale EL2 entries from an earlier owner
	.else
	tlbi	vmalle1					// none for this VMID/ASIDs at EL1&0
	.endif
	dsb	nsh					// invalidation complete (this PE only)
	isb
	mrs	x14, sctlr_el\el
	orr	x14, x14, x22				// M, C, I
	bic	x14, x14, x23				// WXN, A, EE
	msr	sctlr_el\el, x14
	isb						// next fetch translated: this page is identity-mapped RX

	walk_list mmu_page

	stamp	KRELOC_STAMP_COPIED
	cbz	x17, 6f
	sub	x14, x13, #1				// the mailbox lines, re-dirtied by the stamp
	bic	x8, x17, x14
	add	x24, x17, #KRELOC_MAILBOX_SIZE
7:	dc	civac, x8
	add	x8, x8, x13
	cmp	x8, x24
	b.lo	7b
6:	dsb	sy					// every clean reached PoC before the MMU goes off
	ic	iallu					// no stale instructions for the new Image
	dsb	nsh
	isb
	mrs	x14, sctlr_el\el
	bic	x14, x14, #SCTLR_M
	bic	x14, x14, #SCTLR_C
	bic	x14, x14, #SCTLR_I
	msr	sctlr_el\el, x14			// MMU off, from the identity-mapped page
	isb
	stamp	KRELOC_STAMP_EXIT			// non-cacheable: straight to memory
	dsb	sy
	enter_kernel
.endm

	.balign	64
	.globl	kreloc_relocate_mmu_el1
kreloc_relocate_mmu_el1:
	relocate_mmu 1

	.balign	64
	.globl	kreloc_relocate_mmu_el2
kreloc_relocate_mmu_el2:
	relocate_mmu 2

/* ---- the limit: a plain copy under the same tables ---------------------- */

/*
 * u64 kreloc_copy_plain_elN(args, dst, src, len) - for benchmarks only.
 * Copy @len bytes (a multiple of 64) from @src to @dst with the transitional
 * tables in @args and the caches on, using the relocation's own copy loop
 * but no list and no cache maintenance: what a relocation would cost if it
 * were nothing but a memcpy.  Returns the instructions the loop took
 * (counter ticks when the PMU does not count instructions).  Entered and
 * left with the MMU off; the copy is cleaned to PoC before returning.
 * Uses only x0-x17, so it can return to C.
 */
.macro copy_plain el
	ldr	x4, [x0, #RELOC_ARGS_TTBR]
	ldp	x5, x6, [x0, #RELOC_ARGS_TCR]		// tcr, mair
	ldp	x7, x8, [x0, #RELOC_ARGS_SCTLR_SET]	// set, clear
	ldr	x9, [x0, #RELOC_ARGS_FLAGS]
	msr	mair_el\el, x6
	msr	tcr_el\el, x5
	msr	ttbr0_el\el, x4
	isb						// as in relocate_mmu
	.if \el == 2
	tlbi	alle2
	.else
	tlbi	vmalle1
	.endif
	dsb	nsh
	isb
	mrs	x10, sctlr_el\el			// restored on the way out
	orr	x11, x10, x7
	bic	x11, x11, x8
	msr	sctlr_el\el, x11
	isb

	mov	x16, x1					// dst start, for the clean
	add	x3, x2, x3				// src end
	isb
	mrs	x14, cntvct_el0
	tbz	x9, #RELOC_FLAG_PMU_BIT, 1f
	mrs	x14, pmevcntr0_el0
1:	ldp	x4, x5, [x2], #16
	ldp	x6, x7, [x2], #16
	ldp	x8, x11, [x2], #16
	ldp	x12, x13, [x2], #16
	stp	x4, x5, [x1], #16
	stp	x6, x7, [x1], #16
	stp	x8, x11, [x1], #16
	stp	x12, x13, [x1], #16
	cmp	x2, x3
	b.lo	1b
	isb
	mrs	x15, cntvct_el0
	tbz	x9, #RELOC_FLAG_PMU_BIT, 2f
	mrs	x15, pmevcntr0_el0
2:
	/* The shim goes on with the MMU off: put the copy in memory first. */
	mrs	x4, ctr_el0
	ubfx	x4, x4, #16, #4
	mov	x5, #4
	lsl	x5, x5, x4				// D-cache line
3:	dc	civac, x16
	add	x16, x16, x5
	cmp	x16, x1
	b.lo	3b
	dsb	sy
	msr	sctlr_el\el, x10			// MMU off again
	isb
	sub	x0, x15, x14
	tbz	x9, #RELOC_FLAG_PMU_BIT, 4f
	mov	w0, w0					// PMEVCNTR0 is 32 bits wide
4:	ret
.endm

	.balign	64
	.globl	kreloc_copy_plain_el1
kreloc_copy_plain_el1:
	copy_plain 1

	.balign	64
	.globl	kreloc_copy_plain_el2
kreloc_copy_plain_el2:
	copy_plain 2

	/*
	 * All of the section is copied into one control page, the parameters
	 * at its end.  .org pads to exactly that size, and the assembler
	 * refuses to move it backwards: the size check, made when assembling.
	 */
	.org	4096 - RELOC_ARGS_SIZE
	.globl	kreloc_trampoline_end
kreloc_trampoline_end:
