/* SPDX-License-Identifier: MIT */
/*
 * sha256.h - SHA-256 (FIPS 180-4), portable C, incremental.
 */
#ifndef KRELOC_SHA256_H
#define KRELOC_SHA256_H

#include <kreloc/kreloc_env.h>

#define KRELOC_SHA256_SIZE	32

/**
 * typedef kreloc_sha256_blocks_fn - compress @nblocks 64-byte blocks at
 * @data into the chaining state @h (a, b, ..., h as native 32-bit words).
 * The portable one is kreloc_sha256_blocks(); an architecture may supply a
 * faster one (arm64: kreloc_sha256_blocks_ce(), ARMv8 SHA-256 instructions).
 */
typedef void (*kreloc_sha256_blocks_fn)(uint32_t h[8], const uint8_t *data, size_t nblocks);

struct kreloc_sha256 {
	uint32_t h[8];
	uint64_t bytes;		/* message length so far */
	uint8_t buf[64];	/* partial block */
	kreloc_sha256_blocks_fn blocks;
};

/* The round constants K (FIPS 180-4, 4.2.2), for accelerated block functions. */
extern const uint32_t kreloc_sha256_k[64];

/** kreloc_sha256_blocks() - the portable block function. */
void kreloc_sha256_blocks(uint32_t h[8], const uint8_t *data, size_t nblocks);

/** kreloc_sha256_init() - start a digest with the portable block function. */
void kreloc_sha256_init(struct kreloc_sha256 *s);
/** kreloc_sha256_init_with() - start a digest with block function @blocks. */
void kreloc_sha256_init_with(struct kreloc_sha256 *s, kreloc_sha256_blocks_fn blocks);
/** kreloc_sha256_update() - hash @len more bytes at @data (NULL when @len is 0). */
void kreloc_sha256_update(struct kreloc_sha256 *s, const void *data, size_t len);
/** kreloc_sha256_final() - the digest into @out; @s must be initialized again before reuse. */
void kreloc_sha256_final(struct kreloc_sha256 *s, uint8_t out[KRELOC_SHA256_SIZE]);
/** kreloc_sha256() - one-shot digest of @len bytes at @data. */
void kreloc_sha256(const void *data, size_t len, uint8_t out[KRELOC_SHA256_SIZE]);

#endif /* KRELOC_SHA256_H */
