/* SPDX-License-Identifier: MIT */
/*
 * head.S - the shim's arm64 Image header and entry.
 *
 * A loader (QEMU, U-Boot booti, Linux kexec) enters here per the arm64 boot
 * protocol: x0 = device tree, MMU off, at EL2 or EL1.  We set up just enough
 * to run C: FP/SIMD access, BSS, stack, our own relocations, vectors.
 */
#include <asm/sysreg.h>
#include "smp_boot.h"

#define R_AARCH64_RELATIVE	1027

	.section .head.text, "ax"
	.globl	_start
_start:
	b	primary_entry			// code0
	.long	0				// code1
	.quad	0				// text_offset: 2 MiB-aligned base + 0
	.quad	0				// image_size: file + BSS + stack, set after link
	.quad	0x8				// flags: LE, page size unspecified, anywhere
	.quad	0				// res2
	.quad	0				// res3
	.quad	0				// res4
	.ascii	"ARM\x64"			// magic
	.long	0				// res5: no PE header

primary_entry:
	msr	daifset, #0xf			// no interrupt may reach us: we install no handlers for them
	mov	x19, x0				// incoming device tree
	mov	x23, xzr			// HCR_EL2 as read back (EL2 only)
	mrs	x20, CurrentEL
	ubfx	x20, x20, #2, #2		// entry exception level (1 or 2)
	/*
	 * TCR2 exists (FEAT_TCR2): zero it, so that no permission indirection
	 * (PIE) or overlay (POE) left on by the previous kernel (Linux 6.5+
	 * turns PIE on) reinterprets our descriptors' AP and XN bits, and
	 * PIR_ELx / POR_ELx are never consulted.  Translation is off here, so
	 * the change affects nothing in flight; the isb below completes it.
	 */
	mrs	x0, ID_AA64MMFR3_EL1
	ands	x0, x0, #0xf
	b.eq	0f
	cmp	x20, #2
	b.eq	10f
	msr	TCR2_EL1, xzr
	b	0f
10:	msr	TCR2_EL2, xzr
0:
	cmp	x20, #2
	b.eq	1f

	/*
	 * EL1: SCTLR_EL1 written whole (MMU, caches, alignment checks off,
	 * RES1 bits set), not modified: nothing the previous owner set (WXN,
	 * EE, SA, ...) carries over.
	 */
	ldr	x0, =SCTLR_EL1_TAKEOVER
	msr	sctlr_el1, x0
	isb
	/* Debian's libfdt.a is compiled with SIMD, so FP must not trap. */
	mrs	x0, cpacr_el1
	orr	x0, x0, #CPACR_FPEN
	msr	cpacr_el1, x0
	b	2f
1:
	/*
	 * EL2: use the non-VHE register layout throughout (TCR_EL2, CPTR_EL2,
	 * SCTLR_EL2 and the descriptors differ with E2H set).  Changing E2H is
	 * safe here because EL2 translation is off, so nothing is cached under
	 * it.  On a CPU without FEAT_E2H0 the bit is RES1 and the write is
	 * ignored: read it back (x23) and let shim_main() refuse, since the
	 * hand-off's EL2 registers would be read in the other layout.
	 */
	mrs	x0, hcr_el2
	bic	x0, x0, #(1 << HCR_E2H_BIT)
	msr	hcr_el2, x0
	isb					// E2H must take effect before CPTR_EL2 is read in its layout
	mrs	x23, hcr_el2
	ldr	x0, =SCTLR_EL2_TAKEOVER		// whole, as at EL1
	msr	sctlr_el2, x0
	isb
	mrs	x0, cptr_el2
	bic	x0, x0, #CPTR_EL2_TFP
	tbz	x23, #HCR_E2H_BIT, 11f
	orr	x0, x0, #CPACR_FPEN		// E2H stuck at 1: CPTR_EL2 has the CPACR layout
11:	msr	cptr_el2, x0
2:
	isb					// FP enable visible before any FP instruction

	adr	x21, _start			// where the loader put us

	/*
	 * BSS (stack included) may hold stale lines from the previous owner of
	 * this memory.  With the MMU off we write straight to memory, so a dirty
	 * stale line evicted later would overwrite our data: clean+invalidate the
	 * range first, then zero it.
	 */
	adrp	x0, __bss_start
	add	x0, x0, :lo12:__bss_start
	adrp	x1, __bss_end
	add	x1, x1, :lo12:__bss_end
	mov	x22, x0
	bl	kreloc_dcache_civac_range	// (start, end): clobbers x0-x4 only
	mov	x0, x22
	adrp	x1, __bss_end
	add	x1, x1, :lo12:__bss_end
3:	stp	xzr, xzr, [x0], #16
	cmp	x0, x1
	b.lo	3b

	adrp	x0, __stack_top
	add	x0, x0, :lo12:__stack_top
	mov	sp, x0

	/* Apply R_AARCH64_RELATIVE relocations: *(base + off) = base + addend. */
	adrp	x0, __rela_start
	add	x0, x0, :lo12:__rela_start
	adrp	x1, __rela_end
	add	x1, x1, :lo12:__rela_end
4:	cmp	x0, x1
	b.hs	6f
	ldp	x2, x3, [x0]			// r_offset, r_info
	ldr	x4, [x0, #16]			// r_addend
	add	x0, x0, #24
	cmp	w3, #R_AARCH64_RELATIVE
	b.ne	5f				// the build check allows no other type
	add	x4, x4, x21
	str	x4, [x21, x2]
	b	4b
5:	wfi					// corrupt image: nothing safe to do
	b	5b
6:
	adrp	x0, shim_vectors
	add	x0, x0, :lo12:shim_vectors
	cmp	x20, #2
	b.eq	7f
	msr	vbar_el1, x0
	b	8f
7:	msr	vbar_el2, x0
8:	isb

	mov	x0, x19
	mov	x1, x20
	mov	x2, x21
	mov	x3, x23
	bl	shim_main			// never returns
9:	wfi
	b	9b

/*
 * A secondary the shim starts before the point of no return to hash its
 * share of the payload's chunks (smp.c): PSCI CPU_ON enters here at the
 * boot CPU's EL, MMU off, x0 = its struct smp_boot, which the boot CPU
 * cleaned to PoC (we read it uncached).  The same EL set-up as the boot
 * CPU's above (no BSS, no relocations: both are done), the shim's runtime
 * tables with the boot CPU's TCR, MAIR and SCTLR bits, its own stack, then
 * C: smp_secondary_main() never returns.
 */
	.text
	.globl	shim_secondary_entry
shim_secondary_entry:
	msr	daifset, #0xf			// no interrupt may reach us: no handlers for them
	mov	x19, x0
	mrs	x20, CurrentEL
	ubfx	x20, x20, #2, #2
	mrs	x0, ID_AA64MMFR3_EL1		// FEAT_TCR2: no PIE/POE left by firmware, as above
	ands	x0, x0, #0xf
	b.eq	20f
	cmp	x20, #2
	b.eq	21f
	msr	TCR2_EL1, xzr
	b	20f
21:	msr	TCR2_EL2, xzr
20:	cmp	x20, #2
	b.eq	22f
	ldr	x0, =SCTLR_EL1_TAKEOVER		// whole, as for the boot CPU
	msr	sctlr_el1, x0
	isb					// in effect before the next access
	mrs	x0, cpacr_el1
	orr	x0, x0, #CPACR_FPEN		// SHA-256 and C use the FP/SIMD registers
	msr	cpacr_el1, x0
	b	23f
22:	mrs	x0, hcr_el2
	bic	x0, x0, #(1 << HCR_E2H_BIT)	// the non-VHE layout, as the boot CPU's (it
	msr	hcr_el2, x0			// refused a CPU where E2H sticks at 1)
	isb					// E2H in effect before the EL2 registers below
	ldr	x0, =SCTLR_EL2_TAKEOVER
	msr	sctlr_el2, x0
	isb					// in effect before the next access
	mrs	x0, cptr_el2
	bic	x0, x0, #CPTR_EL2_TFP
	msr	cptr_el2, x0
23:	isb					// FP enabled before any FP instruction
	adrp	x0, shim_vectors
	add	x0, x0, :lo12:shim_vectors
	cmp	x20, #2
	b.eq	24f
	msr	vbar_el1, x0
	b	25f
24:	msr	vbar_el2, x0
25:	isb					// vectors in place before anything can fault
	/*
	 * The shim's code lies where an earlier owner's may have run on this
	 * PE: once SCTLR.I is on, its instruction cache must not hit on
	 * their lines (the boot CPU's loader made the image coherent to PoC,
	 * not this PE's I-cache).
	 */
	ic	iallu
	dsb	nsh				// invalidation complete ...
	isb					// ... before the next fetch
	ldp	x0, x1, [x19, #SMP_BOOT_TTBR]
	ldp	x2, x3, [x19, #SMP_BOOT_MAIR]
	ldr	x4, [x19, #SMP_BOOT_SCTLR_CLEAR]
	ldr	x21, [x19, #SMP_BOOT_SP]
	bl	kreloc_mmu_on			// tables walked cacheably: what the boot CPU wrote is seen
	mov	sp, x21				// stack used only with the caches on: coherent
	mov	x0, x19
	bl	smp_secondary_main		// never returns
26:	wfi
	b	26b

/*
 * void shim_secondary_exit(uint64_t ctx, uint64_t entry): MMU and caches
 * off, then to @entry with x0 = @ctx, as PSCI CPU_ON would have entered
 * it.  Nothing below touches memory: the fetches continue at the same
 * addresses (identity map) and come from memory, where the loader and
 * head.S left this code; the control page's entry was cleaned to PoC by the
 * boot CPU before it started us.
 */
	.globl	shim_secondary_exit
shim_secondary_exit:
	mov	x19, x0
	mov	x20, x1
	bl	kreloc_mmu_off			// its DSB: our last stores (the result) complete first
	mov	x0, x19
	br	x20
