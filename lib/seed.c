// SPDX-License-Identifier: MIT
/*
 * seed.c - derive the next kernel's kaslr-seed and rng-seed (see seed.h).
 */
#include <kreloc/error.h>
#include <kreloc/seed.h>

/* Domain-separation tags; each is hashed with its NUL. */
static const char tag_pool[] = "kreloc seed pool";
static const char tag_kaslr[] = "kreloc kaslr-seed";
static const char tag_rng[] = "kreloc rng-seed";

static void put_u64(struct kreloc_sha256 *s, uint64_t v)
{
	uint8_t b[8];

	kreloc_put_le64(b, v);
	kreloc_sha256_update(s, b, sizeof(b));
}

void kreloc_seed_pool_init_with(struct kreloc_seed_pool *pool, kreloc_sha256_blocks_fn blocks)
{
	kreloc_sha256_init_with(&pool->sha, blocks ? blocks : kreloc_sha256_blocks);
	kreloc_sha256_update(&pool->sha, tag_pool, sizeof(tag_pool));
	pool->has_entropy = false;
}

void kreloc_seed_pool_init(struct kreloc_seed_pool *pool)
{
	kreloc_seed_pool_init_with(pool, kreloc_sha256_blocks);
}

void kreloc_seed_pool_add(struct kreloc_seed_pool *pool, const void *data, size_t len)
{
	const uint8_t *p = data;

	put_u64(&pool->sha, len);
	if (!len)
		return;
	kreloc_sha256_update(&pool->sha, p, len);
	for (size_t i = 0; i < len && !pool->has_entropy; i++)
		if (p[i])
			pool->has_entropy = true;
}

void kreloc_seed_pool_add_u64(struct kreloc_seed_pool *pool, uint64_t v)
{
	uint8_t b[8];

	kreloc_put_le64(b, v);
	kreloc_seed_pool_add(pool, b, sizeof(b));
}

/* SHA-256(tag || le64(salt) || pool digest), with the pool's block function */
static void tagged(const char *tag, size_t tag_len, uint64_t salt, kreloc_sha256_blocks_fn blocks,
		   const uint8_t pool[KRELOC_SHA256_SIZE], uint8_t out[KRELOC_SHA256_SIZE])
{
	struct kreloc_sha256 s;

	kreloc_sha256_init_with(&s, blocks);
	kreloc_sha256_update(&s, tag, tag_len);
	put_u64(&s, salt);
	kreloc_sha256_update(&s, pool, KRELOC_SHA256_SIZE);
	kreloc_sha256_final(&s, out);
}

int kreloc_seed_pool_derive(const struct kreloc_seed_pool *pool, uint64_t salt,
			    struct kreloc_seeds *out)
{
	struct kreloc_sha256 s;
	uint8_t digest[KRELOC_SHA256_SIZE], k[KRELOC_SHA256_SIZE];
	uint64_t kaslr = 0;

	if (!pool || !out)
		return KRELOC_E_INVAL;
	if (!pool->has_entropy)
		return KRELOC_E_NO_ENTROPY;

	s = pool->sha;			/* finalise a copy: the pool stays usable */
	kreloc_sha256_final(&s, digest);

	tagged(tag_kaslr, sizeof(tag_kaslr), salt, pool->sha.blocks, digest, k);
	/* Linux treats kaslr-seed 0 as absent: take the first nonzero word. */
	for (size_t i = 0; i < sizeof(k) && !kaslr; i += 8)
		kaslr = kreloc_le64(k + i);
	out->kaslr = kaslr ? kaslr : 1;	/* all four words zero: 2^-256 */
	tagged(tag_rng, sizeof(tag_rng), salt, pool->sha.blocks, digest, out->rng);

	memset(digest, 0, sizeof(digest));
	memset(k, 0, sizeof(k));
	memset(&s, 0, sizeof(s));
	return 0;
}

int kreloc_seed_derive(const uint8_t *in, size_t in_len, uint64_t salt,
		       struct kreloc_seeds *out)
{
	struct kreloc_seed_pool pool;
	int err;

	if (!in && in_len)
		return KRELOC_E_INVAL;
	kreloc_seed_pool_init(&pool);
	kreloc_seed_pool_add(&pool, in, in_len);
	err = kreloc_seed_pool_derive(&pool, salt, out);
	memset(&pool, 0, sizeof(pool));
	return err;
}
