/* SPDX-License-Identifier: MIT */
/*
 * kexec_stub.S - the page `kreloc load` hands to kexec_load(2) as its entry
 * point (tools/live.h).  Not part of libkreloc.a nor of the shim: the
 * Makefile assembles it alone and turns its bytes into a generated header
 * for tools/live.c, which copies them into the stub segment and patches the
 * two literals below.
 *
 * How it is entered: the running kernel's kexec has copied the segments and
 * branches here with the MMU and the data cache off, at EL2 when it was
 * booted at EL2 (it returns there through its hypervisor stub) and at EL1
 * otherwise, with interrupts masked.  It passes x0 = the device tree only
 * for kexec_file_load; after kexec_load x0 is 0.
 *
 * What it must leave: the shim is an arm64 Image, entered as booting.rst
 * asks of a boot loader: x0 = physical address of the device tree, x1, x2
 * and x3 zero (reserved for future use), MMU off, at the Image's first
 * instruction.  The EL, the caches and the interrupt mask stay as the
 * kernel left them, which is what that protocol wants as well.
 *
 * Position independent: it runs wherever kreloc_live_plan() put its page.
 * It touches no memory but its own two literals.  With the MMU off every
 * data access is Device-nGnRnE, where an unaligned access faults: each
 * literal is a 64-bit word at an 8-byte aligned offset, read with one
 * 64-bit load.  No stack, no other register matters.  The labels are
 * local, so the assembler resolves both loads itself: the object has no
 * relocation (the Makefile refuses one) and its .text is the page's bytes.
 * The Makefile reads the literals' offsets from the symbol table.
 */

	.text
	.balign	8
kexec_stub_start:
	ldr	x0, kexec_stub_tree		// the shim's device tree
	ldr	x4, kexec_stub_shim		// the shim's first instruction
	mov	x1, xzr
	mov	x2, xzr
	mov	x3, xzr
	br	x4

	.balign	8
kexec_stub_tree:
	.quad	0				// patched: tree destination
kexec_stub_shim:
	.quad	0				// patched: shim entry
kexec_stub_end:
