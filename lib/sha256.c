// SPDX-License-Identifier: MIT
/*
 * sha256.c - SHA-256 as specified by FIPS 180-4, section 6.2.
 *
 * Portable: bytes are assembled into big-endian words by shifts, so the code
 * works at any alignment and on any host, and needs no FP/SIMD registers.
 */
#include <kreloc/sha256.h>

/* First 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const uint32_t kreloc_sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror32(uint32_t x, unsigned int n)
{
	return (x >> n) | (x << (32 - n));
}

static inline uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Process one 64-byte block into the chaining state (FIPS 180-4, 6.2.2). */
static void sha256_block(uint32_t h[8], const uint8_t *block)
{
	uint32_t w[64];
	uint32_t a, b, c, d, e, f, g, hh;
	unsigned int t;

	for (t = 0; t < 16; t++)
		w[t] = load_be32(block + 4 * t);
	for (t = 16; t < 64; t++) {
		uint32_t s0 = ror32(w[t - 15], 7) ^ ror32(w[t - 15], 18) ^ (w[t - 15] >> 3);
		uint32_t s1 = ror32(w[t - 2], 17) ^ ror32(w[t - 2], 19) ^ (w[t - 2] >> 10);

		w[t] = w[t - 16] + s0 + w[t - 7] + s1;
	}

	a = h[0];
	b = h[1];
	c = h[2];
	d = h[3];
	e = h[4];
	f = h[5];
	g = h[6];
	hh = h[7];
	for (t = 0; t < 64; t++) {
		uint32_t big1 = ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25);
		uint32_t ch = (e & f) ^ (~e & g);
		uint32_t t1 = hh + big1 + ch + kreloc_sha256_k[t] + w[t];
		uint32_t big0 = ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22);
		uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
		uint32_t t2 = big0 + maj;

		hh = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
	h[5] += f;
	h[6] += g;
	h[7] += hh;
}

/**
 * kreloc_sha256_init() - start a new digest.
 * @s: state to (re)initialise; caller-owned, no other resources.
 */
void kreloc_sha256_blocks(uint32_t h[8], const uint8_t *data, size_t nblocks)
{
	for (; nblocks; nblocks--, data += 64)
		sha256_block(h, data);
}

void kreloc_sha256_init(struct kreloc_sha256 *s)
{
	kreloc_sha256_init_with(s, kreloc_sha256_blocks);
}

void kreloc_sha256_init_with(struct kreloc_sha256 *s, kreloc_sha256_blocks_fn blocks)
{
	/* First 32 bits of the fractional parts of the square roots of the first 8 primes. */
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(s->h, iv, sizeof(iv));
	s->bytes = 0;
	memset(s->buf, 0, sizeof(s->buf));
	s->blocks = blocks;
}

/**
 * kreloc_sha256_update() - hash @len more bytes.
 * @s: state from kreloc_sha256_init(); @data: may be NULL when @len is 0.
 *
 * Any split of a message over calls gives the same digest.
 */
void kreloc_sha256_update(struct kreloc_sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t fill = (size_t)(s->bytes & 63);

	if (len == 0)
		return;
	s->bytes += len;
	if (fill) {
		size_t take = 64 - fill;

		if (take > len)
			take = len;
		memcpy(s->buf + fill, p, take);
		p += take;
		len -= take;
		if (fill + take < 64)
			return;
		s->blocks(s->h, s->buf, 1);
	}
	if (len >= 64) {
		s->blocks(s->h, p, len / 64);
		p += len & ~(size_t)63;
		len &= 63;
	}
	if (len)
		memcpy(s->buf, p, len);
}

/**
 * kreloc_sha256_final() - pad, finish and write the digest.
 * @s: state; afterwards it must be re-initialised before reuse.
 * @out: 32 bytes, big-endian words as FIPS 180-4 prints them.
 */
void kreloc_sha256_final(struct kreloc_sha256 *s, uint8_t out[KRELOC_SHA256_SIZE])
{
	uint64_t bits = s->bytes << 3;
	size_t fill = (size_t)(s->bytes & 63);
	unsigned int i;

	s->buf[fill++] = 0x80;
	if (fill > 56) {
		memset(s->buf + fill, 0, 64 - fill);
		s->blocks(s->h, s->buf, 1);
		fill = 0;
	}
	memset(s->buf + fill, 0, 56 - fill);
	for (i = 0; i < 8; i++)
		s->buf[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
	s->blocks(s->h, s->buf, 1);

	for (i = 0; i < 8; i++)
		store_be32(out + 4 * i, s->h[i]);
	memset(s, 0, sizeof(*s));
}

void kreloc_sha256(const void *data, size_t len, uint8_t out[KRELOC_SHA256_SIZE])
{
	struct kreloc_sha256 s;

	kreloc_sha256_init(&s);
	kreloc_sha256_update(&s, data, len);
	kreloc_sha256_final(&s, out);
}
