/* SPDX-License-Identifier: MIT */
/*
 * libfdt_env.h - libfdt's porting seam for kreloc's freestanding build.
 *
 * libfdt reaches its environment only through a header of this name, which
 * an embedder is expected to supply (U-Boot and TF-A ship their own).  The
 * one Debian installs with libfdt-dev includes <stdlib.h> and <string.h>,
 * which a freestanding build compiled with -nostdinc must not see: this
 * header stands in for it, found first on the include path of the arm64
 * build, so that libfdt.h and fdt.h come from the package and nothing from
 * any C library's headers.
 *
 * It provides what libfdt.h needs: the fixed-width types, the big-endian
 * fdt16/32/64 types with their conversions, and declarations of the string
 * routines libfdt calls.  The freestanding program that links libfdt.a
 * defines those routines (the shim: shim/libc.c).
 */
#ifndef LIBFDT_ENV_H
#define LIBFDT_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Big-endian on the wire: distinct names, same representation. */
typedef uint16_t fdt16_t;
typedef uint32_t fdt32_t;
typedef uint64_t fdt64_t;

/* Byte-wise, so any alignment is fine and the host's byte order is irrelevant. */
static inline uint16_t fdt16_to_cpu(fdt16_t x)
{
	const uint8_t *b = (const uint8_t *)&x;

	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t fdt32_to_cpu(fdt32_t x)
{
	const uint8_t *b = (const uint8_t *)&x;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline uint64_t fdt64_to_cpu(fdt64_t x)
{
	const uint8_t *b = (const uint8_t *)&x;
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

/* The conversion is its own inverse: swapping to big-endian is the same walk. */
static inline fdt16_t cpu_to_fdt16(uint16_t x)
{
	return fdt16_to_cpu(x);
}

static inline fdt32_t cpu_to_fdt32(uint32_t x)
{
	return fdt32_to_cpu(x);
}

static inline fdt64_t cpu_to_fdt64(uint64_t x)
{
	return fdt64_to_cpu(x);
}

/* The string routines libfdt.a calls; the embedder links their definitions. */
void *memchr(const void *s, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
char *strchr(const char *s, int c);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t maxlen);
char *strrchr(const char *s, int c);

#endif /* LIBFDT_ENV_H */
