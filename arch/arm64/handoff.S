/* SPDX-License-Identifier: MIT */
/*
 * handoff.S - the shim's last instructions before the relocation trampoline.
 */
	.text
/*
 * void kreloc_reloc_enter(u64 code, u64 args) - jump into the trampoline's
 * control page.  It was written by data stores: invalidate the I-cache so
 * no stale instruction is fetched for it.
 */
	.globl	kreloc_reloc_enter
kreloc_reloc_enter:
	mov	x19, x0
	mov	x20, x1
	bl	kreloc_icache_inval_all
	mov	x0, x20
	br	x19
