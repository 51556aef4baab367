/* SPDX-License-Identifier: MIT */
/*
 * page_ops.h - page-sized loops shared by the relocation trampolines and the
 * plain-copy benchmark, so both run the very same instructions.
 * Assembler macros: include from .S files only.  x13 holds the smallest
 * D-cache line size in bytes.
 */
#ifndef KRELOC_ASM_PAGE_OPS_H
#define KRELOC_ASM_PAGE_OPS_H

#include <kreloc/ind.h>

/* Apply `dc \op` to each line of the page at \page (x8, x24 clobbered). */
.macro dcache_page op, page
	mov	x8, \page
	add	x24, \page, #KRELOC_IND_PAGE_SIZE
1:	dc	\op, x8
	add	x8, x8, x13
	cmp	x8, x24
	b.lo	1b
.endm

/* Copy one page, 64 bytes per iteration, from \src to \dst (both kept; x0-x8, x24, x25 clobbered). */
.macro copy_page dst, src
	mov	x8, \src
	mov	x24, \dst
	add	x25, \src, #KRELOC_IND_PAGE_SIZE
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

#endif /* KRELOC_ASM_PAGE_OPS_H */
