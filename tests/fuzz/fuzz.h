/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h - shared helpers for kreloc's libFuzzer targets (tests/fuzz/fuzz_*.c).
 *
 * A target turns its input into API calls with a byte reader (struct fz:
 * integers are taken little-endian from the front, zeros once the input is
 * used up, so every input is valid and short inputs mean small values) and
 * checks what comes back with FZ_CHECK: a failed invariant prints what and
 * where, then aborts, which libFuzzer reports as a crash and saves the input.
 *
 * Each fz_* call is a separate statement or a sequenced operand: the order
 * of two reads in one expression would be unspecified.
 *
 * Host only.  Build: mk/fuzz.mk (clang, -fsanitize=fuzzer,address,undefined).
 */
#ifndef KRELOC_FUZZ_H
#define KRELOC_FUZZ_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kreloc/error.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(cond, ...)							\
	do {									\
		if (!(cond)) {							\
			fprintf(stderr, "\nfuzz invariant failed at %s:%d: %s\n  ",	\
				__FILE__, __LINE__, #cond);			\
			fprintf(stderr, __VA_ARGS__);				\
			fputc('\n', stderr);					\
			abort();						\
		}								\
	} while (0)

/* FZ_VERBOSE=1 in the environment: targets say what each input did (for seeds). */
static inline bool fz_verbose(void)
{
	static int v = -1;

	if (v < 0)
		v = getenv("FZ_VERBOSE") != NULL;
	return v;
}

#define FZ_SAY(...)	do { if (fz_verbose()) fprintf(stderr, __VA_ARGS__); } while (0)

/* "E_NAME (-n)" for messages. */
#define FZ_ERR(e)	kreloc_errname(e), (e)

struct fz {
	const uint8_t *p;
	size_t n;
};

static inline void fz_init(struct fz *f, const uint8_t *data, size_t size)
{
	f->p = data;
	f->n = size;
}

/* @len bytes as a little-endian number (1..8); missing bytes read as 0. */
static inline uint64_t fz_num(struct fz *f, unsigned int len)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < len; i++) {
		if (f->n) {
			v |= (uint64_t)f->p[0] << (8 * i);
			f->p++;
			f->n--;
		}
	}
	return v;
}

static inline uint8_t fz_u8(struct fz *f)
{
	return (uint8_t)fz_num(f, 1);
}

static inline uint16_t fz_u16(struct fz *f)
{
	return (uint16_t)fz_num(f, 2);
}

static inline uint32_t fz_u32(struct fz *f)
{
	return (uint32_t)fz_num(f, 4);
}

static inline uint64_t fz_u64(struct fz *f)
{
	return fz_num(f, 8);
}

/* A 64-bit number, then a shift right by 0..63: small and large values alike. */
static inline uint64_t fz_scaled(struct fz *f)
{
	uint64_t v = fz_u64(f);

	return v >> (fz_u8(f) & 63);
}

/* A number in [0, n) (0 when n is 0). */
static inline uint64_t fz_below(struct fz *f, uint64_t n)
{
	return n ? fz_u32(f) % n : 0;
}

/* Up to @max bytes from the input; *@len gets how many were taken. */
static inline const uint8_t *fz_bytes(struct fz *f, size_t max, size_t *len)
{
	const uint8_t *p = f->p;

	*len = max < f->n ? max : f->n;
	f->p += *len;
	f->n -= *len;
	return p;
}

/* splitmix64: a deterministic stream once the input's own bytes run out. */
static inline uint64_t fz_mix(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

#endif /* KRELOC_FUZZ_H */
