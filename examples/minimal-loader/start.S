/* SPDX-License-Identifier: MIT */
/*
 * start.S - entry of the minimal loader: an arm64 Image header, so that
 * QEMU (or any loader that boots Linux) starts it like a kernel, and just
 * enough set-up to run C.
 *
 * The loader is linked to run at LOAD_ADDR (loader.lds): QEMU's virt board
 * loads an Image whose text_offset is 0 at RAM base + 2 MiB, 0x40200000.
 * Linking at a fixed address keeps the loader free of run-time relocations;
 * if it finds itself elsewhere it stops (there is no console yet to say so).
 *
 * Entered per the arm64 boot protocol: x0 = device tree, MMU and D-cache
 * off, at EL2 or EL1.
 */
	.section .head.text, "ax"
	.globl	_start
_start:
	b	entry				// code0
	.long	0				// code1
	.quad	0				// text_offset
	.quad	_image_size			// image_size: file + BSS + stack (loader.lds)
	.quad	0				// flags: little-endian, page size unspecified
	.quad	0, 0, 0				// res2-res4
	.ascii	"ARM\x64"			// magic
	.long	0				// no PE header

entry:
	msr	daifset, #0xf			// no exception handlers: mask everything
	mov	x19, x0				// device tree
	mrs	x20, CurrentEL
	ubfx	x20, x20, #2, #2		// 1 or 2
	cmp	x20, #2
	b.eq	1f
	/* EL1: let FP/SIMD through (Debian's libfdt.a uses SIMD registers). */
	mrs	x0, cpacr_el1
	orr	x0, x0, #(3 << 20)		// CPACR_EL1.FPEN
	msr	cpacr_el1, x0
	b	2f
1:	/* EL2: the non-VHE layout (E2H = 0) the trampoline expects; FP not trapped. */
	mrs	x0, hcr_el2
	bic	x0, x0, #(1 << 34)		// HCR_EL2.E2H
	msr	hcr_el2, x0
	isb
	mrs	x0, cptr_el2
	bic	x0, x0, #(1 << 10)		// CPTR_EL2.TFP
	msr	cptr_el2, x0
2:	isb

	/* Running where we were linked? */
	adr	x0, _start
	ldr	x1, =_start
	cmp	x0, x1
	b.ne	hang

	/*
	 * Zero BSS and stack.  With the MMU off stores go straight to memory;
	 * clean+invalidate first so that no stale dirty line of the memory's
	 * previous owner is written back over them later (libkreloc's cache
	 * routine, which uses no stack).
	 */
	ldr	x0, =__bss_start
	ldr	x1, =__bss_end
	bl	kreloc_dcache_civac_range
	ldr	x0, =__bss_start
	ldr	x1, =__bss_end
3:	stp	xzr, xzr, [x0], #16
	cmp	x0, x1
	b.lo	3b
	ldr	x0, =__stack_top
	mov	sp, x0

	mov	x0, x19
	mov	x1, x20
	bl	loader_main			// does not return
hang:	wfi
	b	hang
