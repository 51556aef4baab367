/* SPDX-License-Identifier: MIT */
/*
 * seed.h - fresh kaslr-seed and rng-seed values for the next kernel.
 *
 * A loader must never hand the same seed to two kernels.  kreloc derives
 * both seeds from whatever entropy the caller has (RNDR values the caller
 * read from the CPU, the incoming tree's own seeds from kreloc_fdt_seed(),
 * anything else) mixed with a caller-chosen salt (a counter value such as
 * CNTVCT_EL0, the hop number of a chained hand-off):
 *
 *   pool   = SHA-256("kreloc seed pool\0" || for each input: le64(len) || bytes)
 *   kaslr  = le64 of the first nonzero 8-byte word of
 *            SHA-256("kreloc kaslr-seed\0" || le64(salt) || pool)
 *   rng    = SHA-256("kreloc rng-seed\0" || le64(salt) || pool)
 *
 * The two tags make the seeds independent of each other; hashing makes both
 * differ from the input, so a kernel that reads its rng-seed learns nothing
 * about the next one's; a new salt per hop keeps a chain from repeating.
 * kreloc does not read hardware: the library stays portable and the caller
 * decides which sources it trusts.
 */
#ifndef KRELOC_SEED_H
#define KRELOC_SEED_H

#include <kreloc/kreloc_env.h>
#include <kreloc/sha256.h>

#define KRELOC_SEED_RNG_SIZE	32

/** struct kreloc_seeds - values for /chosen kaslr-seed and rng-seed. */
struct kreloc_seeds {
	uint64_t kaslr;				/* never 0 (Linux reads 0 as "no seed") */
	uint8_t rng[KRELOC_SEED_RNG_SIZE];
};

/**
 * struct kreloc_seed_pool - entropy gathered from several sources.
 * Treat as opaque; set up with kreloc_seed_pool_init().
 */
struct kreloc_seed_pool {
	struct kreloc_sha256 sha;
	bool has_entropy;	/* some input had a nonzero byte */
};

/** kreloc_seed_pool_init() - start an empty pool. */
void kreloc_seed_pool_init(struct kreloc_seed_pool *pool);

/**
 * kreloc_seed_pool_init_with() - kreloc_seed_pool_init(), hashing with @blocks.
 *
 * The pool and kreloc_seed_pool_derive() use the SHA-256 block function
 * @blocks (an accelerated one, say; the seeds are the same): the portable
 * one costs about 3,000 instructions a block, and a derivation takes 7.
 */
void kreloc_seed_pool_init_with(struct kreloc_seed_pool *pool, kreloc_sha256_blocks_fn blocks);

/**
 * kreloc_seed_pool_add() - mix @len bytes at @data into the pool.
 *
 * Each call is length-prefixed, so ("ab", "c") and ("a", "bc") differ.  An
 * input of only zero bytes is mixed in but does not count as entropy: it is
 * what a failed RNDR or an already-consumed kaslr-seed looks like.
 * @data may be NULL when @len is 0.
 */
void kreloc_seed_pool_add(struct kreloc_seed_pool *pool, const void *data, size_t len);

/**
 * kreloc_seed_pool_add_u64() - mix one 64-bit value (e.g. an RNDR result),
 * as its 8 little-endian bytes.  Skip values whose read failed: 0 adds
 * nothing to the entropy count anyway.
 */
void kreloc_seed_pool_add_u64(struct kreloc_seed_pool *pool, uint64_t v);

/**
 * kreloc_seed_pool_derive() - derive both seeds.
 * @pool: the gathered inputs; not modified, so several salts may be tried
 * @salt: a value unique to this hand-off (counter, hop number)
 * @out:  filled on success, untouched on failure
 *
 * Return: 0; KRELOC_E_INVAL (NULL pointer); KRELOC_E_NO_ENTROPY when no input
 * had a nonzero byte, so that the caller reports "no seed" rather than
 * handing on a predictable one.
 */
int kreloc_seed_pool_derive(const struct kreloc_seed_pool *pool, uint64_t salt,
			    struct kreloc_seeds *out);

/**
 * kreloc_seed_derive() - one-source shorthand: init, add(@in, @in_len), derive.
 *
 * Return: as kreloc_seed_pool_derive(); KRELOC_E_INVAL also for NULL @in
 * with @in_len > 0; KRELOC_E_NO_ENTROPY for @in_len 0 or all-zero input.
 */
int kreloc_seed_derive(const uint8_t *in, size_t in_len, uint64_t salt,
		       struct kreloc_seeds *out);

#endif /* KRELOC_SEED_H */
