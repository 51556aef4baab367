/* SPDX-License-Identifier: MIT */
/*
 * handoff.S - an embedder's last instructions before the relocation trampoline.
 */
	.text
/*
 * void kreloc_reloc_enter(u64 code, u64 args) - the point of no return:
 * jump into the trampoline's control page with x0 = its parameter block.
 *
 * The trampolines are entered with the MMU off.  A caller running with its
 * MMU on is switched off here, from identity-mapped code; its caches keep
 * their lines.  Until the MMU-mode trampoline turns translation on again it
 * reads nothing but its control page, which kreloc_reloc_install() cleaned
 * to PoC.  Where it, or the classic one, then finds the list, sources and
 * tables is the cache contract of <kreloc/handoff.h>: in the data cache
 * under the attributes they were written with, or in memory.
 */
	.globl	kreloc_reloc_enter
kreloc_reloc_enter:
	/*
	 * Mask debug, SError, IRQ and FIQ before anything else: an embedder
	 * may still have them open, and an exception taken from here on
	 * would vector to handlers that expect the MMU on, and, once the copy
	 * has begun, may already be overwritten.  A write to DAIF by MSR
	 * (immediate) applies to the instructions after it without an ISB.
	 */
	msr	daifset, #0xf
	mov	x19, x0
	mov	x20, x1
	bl	kreloc_mmu_off			// no-op effect if it was off already
	/* The control page was written as data: no stale instruction for it. */
	bl	kreloc_icache_inval_all
	mov	x0, x20
	br	x19
