/* SPDX-License-Identifier: MIT */
/*
 * kreloc_env.h - the one porting seam between kreloc and its environment.
 *
 * The library is written against freestanding C11 (<stdint.h>, <stddef.h>,
 * <stdbool.h>) plus four byte-string routines that every embedder already
 * has: memcpy, memmove, memset and memcmp.  A hosted build takes them from
 * <string.h>; a freestanding build (boot loader, hypervisor, the shim) must
 * link its own.  Nothing else in the library depends on the environment, and
 * no other file may test __STDC_HOSTED__.
 */
#ifndef KRELOC_ENV_H
#define KRELOC_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if __STDC_HOSTED__
#include <string.h>
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
#endif

/**
 * kreloc_le32() / kreloc_le64() - little-endian loads from @p.
 * Byte by byte: any alignment (also with the MMU off), any host endianness.
 */
static inline uint32_t kreloc_le32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static inline uint64_t kreloc_le64(const void *p)
{
	const uint8_t *b = p;

	return (uint64_t)kreloc_le32(b) | (uint64_t)kreloc_le32(b + 4) << 32;
}

/** kreloc_be32() - big-endian load from @p, byte by byte (a device tree's cells). */
static inline uint32_t kreloc_be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/** kreloc_put_le32() / kreloc_put_le64() - little-endian stores of @v to @p, byte by byte. */
static inline void kreloc_put_le32(void *p, uint32_t v)
{
	uint8_t *b = p;

	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static inline void kreloc_put_le64(void *p, uint64_t v)
{
	kreloc_put_le32(p, (uint32_t)v);
	kreloc_put_le32((uint8_t *)p + 4, (uint32_t)(v >> 32));
}

/*
 * kreloc_le64_aligned() / kreloc_put_le64_aligned() - kreloc_le64() and
 * kreloc_put_le64() at an 8-byte aligned @p (page tables, bundle.h).  On a
 * little-endian GCC or Clang target one load or store, even under
 * -mstrict-align: the builtins tell the compiler the alignment, and
 * -ffreestanding would otherwise turn memcpy() into a call.  The only
 * endianness test in the library.
 * kreloc_be32_cell() - kreloc_be32() of a structure block's cell: one load
 * and a byte swap where @p is 4-byte aligned, as it is in any tree whose
 * blocks are, byte by byte where not.
 */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && \
	__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static inline uint64_t kreloc_le64_aligned(const void *p)
{
	uint64_t v;

	__builtin_memcpy(&v, __builtin_assume_aligned(p, 8), 8);
	return v;
}

static inline void kreloc_put_le64_aligned(void *p, uint64_t v)
{
	__builtin_memcpy(__builtin_assume_aligned(p, 8), &v, 8);
}

static inline uint32_t kreloc_be32_cell(const void *p)
{
	uint32_t v;

	if ((uintptr_t)p & 3)
		return kreloc_be32(p);
	__builtin_memcpy(&v, __builtin_assume_aligned(p, 4), 4);
	return __builtin_bswap32(v);
}
#else
static inline uint64_t kreloc_le64_aligned(const void *p)
{
	return kreloc_le64(p);
}

static inline void kreloc_put_le64_aligned(void *p, uint64_t v)
{
	kreloc_put_le64(p, v);
}

static inline uint32_t kreloc_be32_cell(const void *p)
{
	return kreloc_be32(p);
}
#endif

#define KRELOC_ALIGNED(x, a)	(((x) & ((uint64_t)(a) - 1)) == 0)
#define KRELOC_ALIGN_UP(x, a)	(((x) + ((uint64_t)(a) - 1)) & ~((uint64_t)(a) - 1))
#define KRELOC_ALIGN_DOWN(x, a)	((x) & ~((uint64_t)(a) - 1))
#define KRELOC_IS_POW2(x)	((x) != 0 && ((x) & ((x) - 1)) == 0)
#define KRELOC_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define KRELOC_SZ_4K	0x1000ULL
#define KRELOC_SZ_2M	0x200000ULL
#define KRELOC_SZ_1G	0x40000000ULL

#endif /* KRELOC_ENV_H */
