/* SPDX-License-Identifier: MIT */
/*
 * sha256_ce.S - SHA-256 block function with the ARMv8 Cryptographic
 * Extension (FEAT_SHA256: ID_AA64ISAR0_EL1.SHA2 >= 1).
 *
 * void kreloc_sha256_blocks_ce(u32 h[8], const u8 *data, size_t nblocks)
 *
 * Same contract as the portable kreloc_sha256_blocks().  Each SHA256H /
 * SHA256H2 pair does four rounds on the (abcd, efgh) state halves; SHA256SU0
 * / SHA256SU1 extend the message schedule four words at a time.  Uses
 * v0-v9 and v16-v31 (no callee-saved SIMD registers: v8-v15 low halves
 * are callee-saved, so v8/v9 are saved and restored).
 */
	.arch	armv8-a+crypto
	.text

/* Four rounds with schedule words \w0 and constants \k; extend \w0 if \ext. */
.macro rounds4 w0, w1, w2, w3, k, ext
	add	v8.4s, \w0\().4s, \k\().4s
	mov	v9.16b, v0.16b			// abcd before the rounds, for SHA256H2
	sha256h	q0, q1, v8.4s
	sha256h2 q1, q9, v8.4s
	.if \ext
	sha256su0 \w0\().4s, \w1\().4s
	sha256su1 \w0\().4s, \w2\().4s, \w3\().4s
	.endif
.endm

	.globl	kreloc_sha256_blocks_ce
kreloc_sha256_blocks_ce:
	cbz	x2, 2f
	stp	d8, d9, [sp, #-16]!
	adrp	x3, kreloc_sha256_k		// the round constants, shared with the C code
	add	x3, x3, :lo12:kreloc_sha256_k
	ld1	{v16.4s-v19.4s}, [x3], #64
	ld1	{v20.4s-v23.4s}, [x3], #64
	ld1	{v24.4s-v27.4s}, [x3], #64
	ld1	{v28.4s-v31.4s}, [x3]
	ld1	{v0.4s, v1.4s}, [x0]		// a..d, e..h
1:	ld1	{v4.16b-v7.16b}, [x1], #64
	rev32	v4.16b, v4.16b			// message words are big-endian
	rev32	v5.16b, v5.16b
	rev32	v6.16b, v6.16b
	rev32	v7.16b, v7.16b
	mov	v2.16b, v0.16b			// state at the start of the block
	mov	v3.16b, v1.16b
	rounds4	v4, v5, v6, v7, v16, 1
	rounds4	v5, v6, v7, v4, v17, 1
	rounds4	v6, v7, v4, v5, v18, 1
	rounds4	v7, v4, v5, v6, v19, 1
	rounds4	v4, v5, v6, v7, v20, 1
	rounds4	v5, v6, v7, v4, v21, 1
	rounds4	v6, v7, v4, v5, v22, 1
	rounds4	v7, v4, v5, v6, v23, 1
	rounds4	v4, v5, v6, v7, v24, 1
	rounds4	v5, v6, v7, v4, v25, 1
	rounds4	v6, v7, v4, v5, v26, 1
	rounds4	v7, v4, v5, v6, v27, 1
	rounds4	v4, v5, v6, v7, v28, 0
	rounds4	v5, v6, v7, v4, v29, 0
	rounds4	v6, v7, v4, v5, v30, 0
	rounds4	v7, v4, v5, v6, v31, 0
	add	v0.4s, v0.4s, v2.4s
	add	v1.4s, v1.4s, v3.4s
	subs	x2, x2, #1
	b.ne	1b
	st1	{v0.4s, v1.4s}, [x0]
	ldp	d8, d9, [sp], #16
2:	ret
