/* SPDX-License-Identifier: MIT */
/*
 * vectors.S - exception vectors for the shim.  The shim takes no exception
 * on purpose: any that arrives is a bug or a hostile input, so it is reported
 * on the console and the machine is powered off (shim_exception()).
 */
	.text
	.balign	2048
	.globl	shim_vectors
shim_vectors:
	.irp	kind, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	.balign	128
	mov	x0, #\kind			// which of the 16 vectors
	b	shim_exception
	.endr
