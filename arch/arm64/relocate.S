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
 *   kreloc_relocate_smp_el1/2	the same, as the boot CPU of several
 *   kreloc_secondary_el1/2	the PSCI CPU_ON entry of the others
 *
 * Entered with x0 = parameter block, MMU off, DAIF masked.  Register use:
 *   x9  current entry     x10 next-entry pointer  x11 destination cursor
 *   x12 entry address     x13 D-cache line size   x14, x8, x24, x25 scratch
 *   x15 kernel entry      x16 device tree         x17 mailbox   x18 flags
 *   x19 ttbr  x20 tcr  x21 mair  x22 sctlr set  x23 sctlr clear
 *   x26, x27 the counters sampled at entry
 *   x0-x7 copy data
 * The SMP entries add x28 = SMP page (a secondary: its block), x29 =
 * parameter block and x30 for bl to smp_walk; see relocate_smp.  Every
 * entry uses x30 for bl to record_to_mailbox.
 */
#include <asm/page_ops.h>
#include <asm/pl011.h>
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
 * is over, and is stored with the COPIED stamp, as are the embedder's slots
 * (record_to_mailbox).  x8, x24, x25, x30 clobbered.
 */
.macro stamp slot
	sample	x0, x1
	.if \slot == KRELOC_STAMP_COPIED
	store_sample KRELOC_STAMP_ENTRY, x26, x27
	bl	record_to_mailbox
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

/*
 * Mailbox slots 3-5, the embedder's (kreloc_reloc_record()), from the
 * parameter block at the end of this page: in no destination, so still as
 * the embedder wrote it.  Called with bl from the COPIED stamp; no stack.
 */
record_to_mailbox:
	cbz	x17, 2f
	adr	x8, kreloc_trampoline_start + RELOC_ARGS_AT + RELOC_ARGS_RECORD
	add	x24, x17, #(KRELOC_STAMP_EMBEDDER * KRELOC_MAILBOX_SLOT_SIZE)
	add	x25, x17, #KRELOC_MAILBOX_SIZE
1:	ldr	x14, [x8], #8
	rev	x14, x14				// big-endian, as store_be64
	str	w14, [x24], #4
	lsr	x14, x14, #32
	str	w14, [x24], #4
	cmp	x24, x25
	b.lo	1b
2:	ret

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

/*
 * Install the transitional tables (x19 ttbr, x20 tcr, x21 mair) and turn
 * the MMU and caches on (x22 SCTLR bits set, x23 cleared), from the MMU
 * off.  x14 clobbered.
 */
.macro transitional_mmu_on el
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
.endm

/* MMU and caches off, from the identity-mapped control page.  x14 clobbered. */
.macro mmu_off_here el
	mrs	x14, sctlr_el\el
	bic	x14, x14, #SCTLR_M
	bic	x14, x14, #SCTLR_C
	bic	x14, x14, #SCTLR_I
	msr	sctlr_el\el, x14			// MMU off, from the identity-mapped page
	isb
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
	transitional_mmu_on \el

	walk_list mmu_page, inplace_page

	stamp	KRELOC_STAMP_COPIED
	mailbox_lines civac				// the mailbox lines, re-dirtied by the stamps
	dsb	sy					// every clean reached PoC before the MMU goes off
	ic	iallu					// no stale instructions for the new Image
	dsb	nsh
	isb
	mmu_off_here \el
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

/* ---- MMU on, several CPUs ---------------------------------------------- */

/* \reg = the 32-bit constant \val, without a literal pool. */
.macro mov32 reg, val
	movz	\reg, #((\val) & 0xffff)
	movk	\reg, #(((\val) >> 16) & 0xffff), lsl #16
.endm

/*
 * A PSCI call through the conduit the flags name (x18): function x0,
 * arguments x1-x3, result x0.  SMCCC lets it clobber x0-x17; x18-x30 are
 * kept.
 */
.macro psci_call
	tbnz	x18, #RELOC_FLAG_SMC_BIT, 1f
	hvc	#0
	b	2f
1:	smc	#0
2:
.endm

/* x14 = CNTVCT_EL0, read after what came before. */
.macro now
	isb						// the counter is read after what came before
	mrs	x14, cntvct_el0
.endm

/* mmu_off_here at the EL we run at: the code below serves both. */
.macro mmu_off_current
	mrs	x14, CurrentEL
	cmp	x14, #(2 << 2)
	b.eq	36f
	mmu_off_here 1
	b	37f
36:	mmu_off_here 2
37:
.endm

/*
 * For each block of the SMP page (x28), with \blk = its address: run
 * \body.  \cnt and \blk are the loop's registers; \body must keep them and
 * fall through to the next block.
 */
.macro for_each_cpu cnt, blk, body
	ldr	\cnt, [x28, #SMP_NR]
	add	\blk, x28, #SMP_CPU
21:	cbz	\cnt, 29f
	\body
	add	\blk, \blk, #SMP_CPU_SIZE
	sub	\cnt, \cnt, #1
	b	21b
29:
.endm

/* Give SMP_GO to the block at x21 unless it was cancelled (x22, x23 scratch). */
.macro give_go
	ldr	x22, [x21, #SMP_CPU_GO]
	cbnz	x22, 22f				// SMP_CANCEL: it copies nothing
	mov	x22, #SMP_GO
	add	x23, x21, #SMP_CPU_GO
	stlr	x22, [x23]				// release: its head, written before, is seen first
22:
.endm

/*
 * Wait for the block at x21 to say SMP_DONE, unless it was cancelled,
 * until CNTVCT reaches x19; then give up for good (x22, x23 scratch).
 */
.macro wait_done
	ldr	x22, [x21, #SMP_CPU_GO]
	cmp	x22, #SMP_CANCEL
	b.eq	24f
	add	x22, x21, #SMP_CPU_STATE
23:	ldar	x23, [x22]				// acquire: its completed cleans came before
	cmp	x23, #SMP_DONE
	b.eq	24f
	now
	cmp	x14, x19
	b.hs	smp_late
	yield
	b	23b
24:
.endm

/* Wait until PSCI reports the block at x21's CPU off, until CNTVCT reaches x19. */
.macro wait_off
25:	mov32	x0, PSCI_AFFINITY_INFO_64
	ldr	x1, [x21, #SMP_CPU_MPIDR]
	mov	x2, xzr					// lowest affinity level 0: that PE alone
	psci_call
	cmp	x0, #PSCI_AFFINITY_OFF
	b.eq	26f
	now
	cmp	x14, x19
	b.hs	smp_late
	b	25b
26:
.endm

/*
 * The boot CPU of several.  The others, started with PSCI CPU_ON before the
 * point of no return, wait with their MMU on in kreloc_secondary_elN; the
 * shim gave each of them its own list (kreloc_kimage_split()) in its block
 * of the SMP page, marked the ones that came too late SMP_CANCEL, and left
 * this CPU's list at SMP_HEAD.  The mailbox's COPIED stamp is taken once
 * every CPU has said SMP_DONE, and the jump waits until PSCI reports every
 * CPU it started off (booting.rst: the others must be off, or in a loop of
 * the next kernel's choosing, when it is entered).  After the point of no
 * return nothing may boot on a timeout: the machine is reset (smp_late).
 *
 * Registers as relocate_mmu, and x28 the SMP page, x29 the parameter block;
 * x19-x23 are free once the MMU is on.
 */
.macro relocate_smp el
	load_args
	ldr	x28, [x0, #RELOC_ARGS_SMP]
	mov	x29, x0
	sample	x26, x27
	transitional_mmu_on \el				// as relocate_mmu: see there
	b	smp_boot
.endm

smp_boot:
	ldr	x9, [x28, #SMP_HEAD]			// cacheable now, as the shim wrote it
	for_each_cpu x20, x21, give_go
	sev						// wake the ones waiting in WFE
	bl	smp_walk
	/* bound: twice what our own share took, and a second */
	now
	sub	x19, x14, x26
	add	x19, x14, x19, lsl #1
	mrs	x14, cntfrq_el0
	add	x19, x19, x14
	for_each_cpu x20, x21, wait_done
	stamp	KRELOC_STAMP_COPIED
	/* PSCI may clobber x0-x17: keep what the jump needs, and the line size */
	mov	x24, x13
	mov	x25, x15
	mov	x26, x16
	mov	x27, x17
	now
	mrs	x19, cntfrq_el0
	add	x19, x14, x19				// a second for every one to be off
	for_each_cpu x20, x21, wait_off
	mov	x13, x24
	mov	x15, x25
	mov	x16, x26
	mov	x17, x27
	mailbox_lines civac				// the mailbox lines, re-dirtied by the stamps
	dsb	sy					// every clean reached PoC before the MMU goes off
	ic	iallu					// no stale instructions for the new Image
	dsb	nsh
	isb
	mmu_off_current
	stamp	KRELOC_STAMP_EXIT			// non-cacheable: straight to memory
	mailbox_inval_mmu_off				// lines refilled since the clean above
	enter_kernel

/*
 * Past the point of no return a CPU failed us: the destinations may be
 * half written, or a CPU may still run in memory the next kernel owns.
 * With the MMU off (the PL011 is not in the transitional tables), say so
 * on the console when there is one (RELOC_ARGS_UART of x29: Device
 * accesses; the message, in this page, was cleaned to PoC with it), then
 * reset the machine.
 */
smp_late:
	mmu_off_current
	adr	x0, smp_late_msg
	ldr	x1, [x29, #RELOC_ARGS_UART]
	cbz	x1, 28f
27:	ldrb	w2, [x0], #1
	cbz	w2, 28f
30:	ldr	w3, [x1, #PL011_FR]
	tbnz	w3, #PL011_FR_TXFF_BIT, 30b		// transmit FIFO full
	str	w2, [x1, #PL011_DR]
	b	27b
28:	mov32	x0, PSCI_SYSTEM_RESET
	psci_call
31:	wfi						// refused: stay here, never boot
	b	31b

/*
 * The page loop of relocate_mmu, shared by every CPU of several: walk the
 * list at x9 with the MMU on.  Called with bl (x30); no stack.
 */
smp_walk:
	walk_list mmu_page, inplace_page
	ret

/*
 * A secondary, entered by PSCI CPU_ON at the boot CPU's EL with its MMU
 * off, x0 = its block in the SMP page.  It takes the same transitional
 * tables, says SMP_ARRIVED, and waits for SMP_GO (walk its list, clean it
 * to PoC, say SMP_DONE) or SMP_CANCEL (copy nothing); either way it then
 * turns its MMU off and calls PSCI CPU_OFF.  No stack; it reads only this
 * page with the MMU off and, with it on, its block and its list.
 */
.macro secondary el
	msr	daifset, #0xf				// no handler of ours could take an exception
	mov	x28, x0
	.if \el == 2
	/*
	 * The E2H == 0 layout of every EL2 register below, as the boot CPU
	 * (head.S, after which the shim refused a CPU where it sticks at 1).
	 * Translation is off, so nothing is cached under the old layout.
	 */
	mrs	x0, hcr_el2
	bic	x0, x0, #(1 << HCR_E2H_BIT)
	msr	hcr_el2, x0
	isb						// E2H in effect before the EL2 registers are written
	.endif
	/* No permission indirection or overlays (FEAT_TCR2), as head.S */
	mrs	x0, ID_AA64MMFR3_EL1
	ands	x0, x0, #0xf
	b.eq	32f
	.if \el == 2
	msr	TCR2_EL2, xzr
	.else
	msr	TCR2_EL1, xzr
	.endif
32:	.if \el == 2					// whole: nothing PSCI left in it counts
	mov32	x0, SCTLR_EL2_TAKEOVER
	.else
	mov32	x0, SCTLR_EL1_TAKEOVER
	.endif
	msr	sctlr_el\el, x0
	isb
	/*
	 * The boot CPU wrote this page as data; this PE's instruction cache
	 * may still hold lines for it from an earlier owner.
	 */
	ic	iallu
	dsb	nsh
	isb
	adr	x0, kreloc_trampoline_end		// our parameter block, in this page
	load_args
	transitional_mmu_on \el				// as relocate_mmu: see there
	b	smp_secondary
.endm

smp_secondary:
	mov	x0, #SMP_ARRIVED
	add	x1, x28, #SMP_CPU_STATE
	stlr	x0, [x1]				// cacheable, coherent with the boot CPU's reads
	add	x1, x28, #SMP_CPU_GO
	sevl						// the first WFE falls through
33:	wfe
	ldaxr	x0, [x1]				// arms the monitor: the write of GO wakes us
	cbz	x0, 33b
	clrex
	cmp	x0, #SMP_GO
	b.ne	34f					// SMP_CANCEL: copy nothing
	ldr	x9, [x28, #SMP_CPU_HEAD]		// after the acquire: the head written before GO
	bl	smp_walk
	dsb	sy					// every clean reached PoC before DONE is seen
	mov	x0, #SMP_DONE
	add	x1, x28, #SMP_CPU_STATE
	stlr	x0, [x1]				// with the MMU on: a release the boot CPU acquires
34:	mmu_off_current
	mov32	x0, PSCI_CPU_OFF
	psci_call
35:	wfi						// refused: the boot CPU's wait resets the machine
	b	35b

smp_late_msg:
	.asciz	"kreloc-shim: relocation on several CPUs timed out past the point of no return; resetting\r\n"

	.balign	64
	.globl	kreloc_relocate_smp_el1
kreloc_relocate_smp_el1:
	relocate_smp 1

	.balign	64
	.globl	kreloc_relocate_smp_el2
kreloc_relocate_smp_el2:
	relocate_smp 2

	.balign	64
	.globl	kreloc_secondary_el1
kreloc_secondary_el1:
	secondary 1

	.balign	64
	.globl	kreloc_secondary_el2
kreloc_secondary_el2:
	secondary 2

	/*
	 * All of the section is copied into one control page, the parameters
	 * at its end.  .org pads to exactly that size, and the assembler
	 * refuses to move it backwards: the size check, made when assembling.
	 */
	.org	4096 - RELOC_ARGS_SIZE
	.globl	kreloc_trampoline_end
kreloc_trampoline_end:
