/* SPDX-License-Identifier: MIT */
/*
 * sha256.h - SHA-256 (FIPS 180-4), portable C, incremental.
 */
#ifndef KRELOC_SHA256_H
#define KRELOC_SHA256_H

#include <kreloc/kreloc_env.h>

#define KRELOC_SHA256_SIZE	32

struct kreloc_sha256 {
	uint32_t h[8];
	uint64_t bytes;		/* message length so far */
	uint8_t buf[64];	/* partial block */
};

void kreloc_sha256_init(struct kreloc_sha256 *s);
void kreloc_sha256_update(struct kreloc_sha256 *s, const void *data, size_t len);
void kreloc_sha256_final(struct kreloc_sha256 *s, uint8_t out[KRELOC_SHA256_SIZE]);
/** kreloc_sha256() - one-shot digest of @len bytes at @data. */
void kreloc_sha256(const void *data, size_t len, uint8_t out[KRELOC_SHA256_SIZE]);

#endif /* KRELOC_SHA256_H */
