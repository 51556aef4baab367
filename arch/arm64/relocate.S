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
#include <asm/page_ops.h>
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

/*
 * Run `dc \op` on every D-cache line (x13 bytes) the mailbox touches, if
 * there is one.  Waiting for completion is the caller's.
 */
.macro mailbox_lines op
	cbz	x17, 1f
	sub	x14, x13, #1
	bic	x8, x17, x14
	add	x24, x17, #KRELOC_MAILBOX_SIZE
2:	dc	\op, x8
	add	x8, x8, x13
	cmp	x8, x24
	b.lo	2b
1:
.endm

/*
 * The stamps stored with the MMU off went to memory around the caches, but
 * the mailbox lines may still be cached, clean, from before the MMU went
 * off: refilled by a speculative access after their last clean, or left
 * by a caller who cleaned an in-place tree page with its caches still on.
 * Such a line would hide the stamps from the next kernel once it turns its
 * caches on: invalidate them.  Nothing is lost: no store has reached those
 * lines through the cache since they were cleaned.
 *
 * DC by VA is ordered after earlier stores to the same line only when
 * they are to Normal cacheable memory; with SCTLR.M clear the stamps were
 * Device stores, so a DMB orders them first.  The DSB completes the
 * invalidation and the stores before the next kernel runs.
 */
.macro mailbox_inval_mmu_off
	dmb	sy					// the Device stores are ordered before the DCs
	mailbox_lines ivac				// no cached line left to hide them
	dsb	sy					// both complete before the next kernel runs
.endm

/*
 * Walk the list from x9.  For each source page run \page_op (destination
 * x11, source x12), or \inplace_op when the page was staged at its
 * destination already.
 */
.macro walk_list page_op, inplace_op
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
	b.ne	5f
	\inplace_op					// staged in place: nothing to copy
	b	6f
5:	\page_op
6:	add	x11, x11, #PAGE_SIZE
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
	/*
	 * List and sources, in-place pages included, are in memory: staged
	 * uncached into cleaned blocks, or cleaned to PoC by
	 * kreloc_reloc_clean_for_mmu_off() (the cache contract, handoff.h).
	 */
	walk_list classic_page, nop
	dsb	sy					// all copies reached memory
	stamp	KRELOC_STAMP_COPIED
	ic	iallu					// no stale instructions for the new Image
	dsb	nsh
	isb
	stamp	KRELOC_STAMP_EXIT
	mailbox_inval_mmu_off				// all three stamps were stored uncached
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
	b.lo	11f
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
	b	12f
11:	copy_page x11, x12
	dcache_page civac, x11
12:
.endm

/*
 * A page staged at its own destination is not copied, but it may still sit
 * dirty in the data cache (cached staging, handoff.h), and since the MMU
 * came on a speculative access may have refilled its lines, clean lines the
 * next kernel's MMU-off writes would leave stale: push it to the Point of
 * Coherency like a copied page.
 */
.macro inplace_page
	dcache_page civac, x11
.endm

.macro relocate_mmu el
	load_args
	sample	x26, x27
	/*
	 * Install the transitional tables with the MMU off: nothing can be
	 * translated while they change, so no break-before-make is needed.
	 * The tables, list and sources are where the cache contract
	 * (handoff.h) left them: in the data cache, written through these
	 * same Normal Write-Back Inner Shareable attributes, or in memory with
	 * no line left for them.  Either way the table walk (cacheable,
	 * TCR.IRGN0/ORGN0) and the copy loop see them as written.
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

	walk_list mmu_page, inplace_page

	stamp	KRELOC_STAMP_COPIED
	mailbox_lines civac				// the mailbox lines, re-dirtied by the stamps
	dsb	sy					// every clean reached PoC before the MMU goes off
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
	mailbox_inval_mmu_off				// lines refilled since the clean above
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

	/*
	 * All of the section is copied into one control page, the parameters
	 * at its end.  .org pads to exactly that size, and the assembler
	 * refuses to move it backwards: the size check, made when assembling.
	 */
	.org	4096 - RELOC_ARGS_SIZE
	.globl	kreloc_trampoline_end
kreloc_trampoline_end:
