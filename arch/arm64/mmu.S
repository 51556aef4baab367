/* SPDX-License-Identifier: MIT */
/*
 * mmu.S - turn stage-1 translation on or off at the current exception level
 * (EL1, or EL2 with HCR_EL2.E2H clear).  The caller runs from identity-mapped
 * code (VA == PA), so the instruction after the switch is the next one in
 * memory either way.
 */
#include <asm/sysreg.h>

/* Branch to \el2 when running at EL2 (x9 clobbered). */
.macro if_el2 el2
	mrs	x9, CurrentEL
	cmp	x9, #(2 << 2)
	b.eq	\el2
.endm

/*
 * void kreloc_mmu_on(u64 ttbr, u64 tcr, u64 mair, u64 sctlr_set, u64 sctlr_clear)
 *
 * Entered with the MMU off, or on (a switch of tables).  Whatever was
 * written with the MMU off and will be read with it on must already be
 * cleaned and invalidated to PoC, or a stale cache line could hide it.
 *
 * Switching: TTBR0 cannot be changed under live translation without
 * break-before-make, and there is no second table base to run from while
 * it changes.  So translation goes off for the few instructions that load
 * the new registers: fetches continue at the same addresses (identity
 * map), and nothing here touches data memory, so no access is made with
 * the Device attributes that apply while M is clear.  The caches stay on
 * and keep their lines: the new tables must map memory that both maps cover
 * with the same attributes (the caller's contract), so those lines stay
 * coherent with the new mapping.
 */
	.text
	.globl	kreloc_mmu_on
kreloc_mmu_on:
	dsb	sy				// tables written by plain stores are complete
	if_el2	2f
	mrs	x9, sctlr_el1
	bic	x9, x9, #SCTLR_M
	msr	sctlr_el1, x9			// off (no-op when already off)
	isb					// nothing below is translated by the old tables
	msr	mair_el1, x2
	msr	tcr_el1, x1
	msr	ttbr0_el1, x0
	isb					// registers in effect before the TLB and SCTLR
	tlbi	vmalle1				// no stale entries from an earlier owner or table
	dsb	nsh
	isb
	orr	x9, x9, x3
	bic	x9, x9, x4
	msr	sctlr_el1, x9
	isb					// the next fetch is translated
	ret
2:	mrs	x9, sctlr_el2
	bic	x9, x9, #SCTLR_M
	msr	sctlr_el2, x9
	isb
	msr	mair_el2, x2
	msr	tcr_el2, x1
	msr	ttbr0_el2, x0
	isb
	tlbi	alle2
	dsb	nsh
	isb
	orr	x9, x9, x3
	bic	x9, x9, x4
	msr	sctlr_el2, x9
	isb
	ret

/*
 * void kreloc_mmu_off(void) - stage-1 translation, data and instruction
 * caching off.  Cache contents are kept, not cleaned: what must be visible
 * to accesses made with the MMU off has to be cleaned to PoC by the caller
 * first.
 *
 * I is cleared with M and C.  With stage 1 off and SCTLR.I set, instruction
 * fetches are Normal Cacheable, and the Arm ARM lets them be speculative
 * anywhere in the 4 KiB page being executed and the next one.  The classic
 * trampoline runs from a control page whose neighbour can be a
 * destination: a line filled there (in a unified cache, after that
 * destination was cleaned) would stay behind the uncached copy, stale, and
 * be hit once the next kernel turns its caches on.  With I clear the fetches
 * are Non-cacheable and allocate nothing.
 */
	.globl	kreloc_mmu_off
kreloc_mmu_off:
	dsb	sy				// earlier accesses complete under the old setting
	if_el2	2f
	mrs	x9, sctlr_el1
	bic	x9, x9, #SCTLR_M
	bic	x9, x9, #SCTLR_C
	bic	x9, x9, #SCTLR_I
	msr	sctlr_el1, x9
	isb					// the next fetch is untranslated and Non-cacheable
	ret
2:	mrs	x9, sctlr_el2
	bic	x9, x9, #SCTLR_M
	bic	x9, x9, #SCTLR_C
	bic	x9, x9, #SCTLR_I
	msr	sctlr_el2, x9
	isb
	ret
