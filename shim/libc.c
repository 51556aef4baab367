// SPDX-License-Identifier: MIT
/*
 * libc.c - the C library subset the shim's code and Debian's libfdt.a need.
 *
 * The copies must stay correct with the MMU off, where memory is Device
 * memory and every access must be naturally aligned: word loops run only
 * when both pointers and the length allow it.  The optimize attribute stops
 * GCC from turning these loops back into calls to themselves.
 */
#include "shim.h"

#define NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

/* Prototypes for what libfdt expects from <string.h> / <stdlib.h>. */
void *memchr(const void *s, int c, size_t n);
size_t strnlen(const char *s, size_t max);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
unsigned long strtoul(const char *s, char **end, int base);
void __stack_chk_fail(void);

static bool word_aligned(const void *a, const void *b, size_t n)
{
	return (((uintptr_t)a | (uintptr_t)b | n) & 7) == 0;
}

/* The widest access (8, 4 or 1 bytes) @d and @s are aligned alike for. */
static size_t common_width(const void *d, const void *s)
{
	uintptr_t x = (uintptr_t)d ^ (uintptr_t)s;

	return !(x & 7) ? 8 : !(x & 3) ? 4 : 1;
}

/*
 * Forward: bytes until @d is aligned to @w, then @w-byte words, then bytes.
 * libfdt moves a tree's tail by whole 4-byte cells (fdt_splice, fdt_pack);
 * byte by byte that was most of the /chosen edits' cost.
 */
NO_LIBCALL static void copy_up(uint8_t *d, const uint8_t *s, size_t n, size_t w)
{
	for (; n && ((uintptr_t)d & (w - 1)); n--)
		*d++ = *s++;
	if (w == 8)
		for (; n >= 8; n -= 8, d += 8, s += 8)
			*(uint64_t *)d = *(const uint64_t *)s;
	else if (w == 4)
		for (; n >= 4; n -= 4, d += 4, s += 4)
			*(uint32_t *)d = *(const uint32_t *)s;
	while (n--)
		*d++ = *s++;
}

/* Backward, from the end: for an overlap with @d above @s. */
NO_LIBCALL static void copy_down(uint8_t *d, const uint8_t *s, size_t n, size_t w)
{
	d += n;
	s += n;
	for (; n && ((uintptr_t)d & (w - 1)); n--)
		*--d = *--s;
	if (w == 8)
		for (; n >= 8; n -= 8) {
			d -= 8;
			s -= 8;
			*(uint64_t *)d = *(const uint64_t *)s;
		}
	else if (w == 4)
		for (; n >= 4; n -= 4) {
			d -= 4;
			s -= 4;
			*(uint32_t *)d = *(const uint32_t *)s;
		}
	while (n--)
		*--d = *--s;
}

NO_LIBCALL void *memcpy(void *dst, const void *src, size_t n)
{
	if (word_aligned(dst, src, n)) {
		uint64_t *d = dst;
		const uint64_t *s = src;

		for (; n >= 32; n -= 32, d += 4, s += 4) {
			uint64_t a = s[0], b = s[1], c = s[2], e = s[3];

			d[0] = a;
			d[1] = b;
			d[2] = c;
			d[3] = e;
		}
		for (; n; n -= 8)
			*d++ = *s++;
		return dst;
	}
	copy_up(dst, src, n, common_width(dst, src));
	return dst;
}

NO_LIBCALL void *memmove(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	copy_down(d, s, n, common_width(d, s));
	return dst;
}

NO_LIBCALL void *memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;

	if (c == 0 && word_aligned(dst, dst, n)) {
		uint64_t *w = dst;

		/* 64 bytes a turn: every block the allocator hands out is zeroed */
		for (; n >= 64; n -= 64, w += 8) {
			w[0] = 0;
			w[1] = 0;
			w[2] = 0;
			w[3] = 0;
			w[4] = 0;
			w[5] = 0;
			w[6] = 0;
			w[7] = 0;
		}
		for (; n; n -= 8)
			*w++ = 0;
		return dst;
	}
	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const uint8_t *p = s;

	for (; n; n--, p++)
		if (*p == (uint8_t)c)
			return (void *)p;
	return NULL;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

/* libfdt parses unit addresses and alias indices: plain digits in @base. */
unsigned long strtoul(const char *s, char **end, int base)
{
	unsigned long v = 0;

	if (base == 0)
		base = 10;
	if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (;; s++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'z')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'Z')
			d = *s - 'A' + 10;
		else
			break;
		if (d >= base)
			break;
		v = v * (unsigned long)base + (unsigned long)d;
	}
	if (end)
		*end = (char *)s;
	return v;
}

/* libfdt.a is built with -fstack-protector-strong. */
uintptr_t __stack_chk_guard = 0x6b72656c6f632121ULL;

void __stack_chk_fail(void)
{
	shim_printf("kreloc-shim-error: E_STACK: stack smashing detected\n");
	shim_power_off();
}
