// SPDX-License-Identifier: MIT
/*
 * env.c - what the minimal loader provides itself: the C library subset
 * libkreloc and libfdt call (byte-string functions, a few string functions,
 * the stack-protector hooks libfdt.a was built with), a PL011 console and
 * PSCI power-off.
 *
 * The loader runs with the MMU off, where memory is Device memory and an
 * unaligned access faults: word loops run only when both pointers and the
 * length are 8-byte aligned, everything else goes byte by byte.
 */
#include <stdarg.h>

#include "loader.h"

/* Keep GCC from turning these loops back into calls to themselves. */
#define NO_BUILTIN __attribute__((optimize("no-tree-loop-distribute-patterns")))

void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
unsigned long strtoul(const char *s, char **end, int base);
void __stack_chk_fail(void);

static bool aligned8(const void *a, const void *b, size_t n)
{
	return (((uintptr_t)a | (uintptr_t)b | n) & 7) == 0;
}

NO_BUILTIN void *memcpy(void *dst, const void *src, size_t n)
{
	if (aligned8(dst, src, n)) {
		uint64_t *d = dst;
		const uint64_t *s = src;

		for (size_t i = 0; i < n / 8; i++)
			d[i] = s[i];
	} else {
		uint8_t *d = dst;
		const uint8_t *s = src;

		for (size_t i = 0; i < n; i++)
			d[i] = s[i];
	}
	return dst;
}

NO_BUILTIN void *memmove(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	for (size_t i = n; i > 0; i--)
		d[i - 1] = s[i - 1];
	return dst;
}

NO_BUILTIN void *memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;

	if (c == 0 && aligned8(dst, dst, n)) {
		uint64_t *w = dst;

		for (size_t i = 0; i < n / 8; i++)
			w[i] = 0;
		return dst;
	}
	for (size_t i = 0; i < n; i++)
		d[i] = (uint8_t)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const uint8_t *p = s;

	for (size_t i = 0; i < n; i++)
		if (p[i] == (uint8_t)c)
			return (void *)(p + i);
	return NULL;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

size_t strlen(const char *s)
{
	return strnlen(s, (size_t)-1);
}

char *strchr(const char *s, int c)
{
	do {
		if (*s == (char)c)
			return (char *)s;
	} while (*s++);
	return NULL;
}

char *strrchr(const char *s, int c)
{
	const char *found = NULL;

	do {
		if (*s == (char)c)
			found = s;
	} while (*s++);
	return (char *)found;
}

/* libfdt reads unit addresses and alias numbers with it: digits only, no sign. */
unsigned long strtoul(const char *s, char **end, int base)
{
	unsigned long v = 0;

	if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		base = 16;
	}
	if (base == 0)
		base = 10;
	for (;; s++) {
		int d = *s >= '0' && *s <= '9' ? *s - '0' :
			*s >= 'a' && *s <= 'z' ? *s - 'a' + 10 :
			*s >= 'A' && *s <= 'Z' ? *s - 'A' + 10 : 99;

		if (d >= base)
			break;
		v = v * (unsigned long)base + (unsigned long)d;
	}
	if (end)
		*end = (char *)s;
	return v;
}

uintptr_t __stack_chk_guard = 0x2d6d696e6c647221ULL;

void __stack_chk_fail(void)
{
	ldr_fail(KRELOC_E_INVAL, "stack smashing detected");
}

/* ---- console: PL011 transmit only, polled ------------------------------ */

static volatile uint32_t *uart;

void ldr_console(uint64_t pl011)
{
	uart = (volatile uint32_t *)(uintptr_t)pl011;
}

static void putc_raw(char c)
{
	if (!uart)
		return;
	while (uart[0x18 / 4] & (1u << 5))	/* FR.TXFF */
		;
	uart[0] = (uint8_t)c;
}

void ldr_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			putc_raw('\r');
		putc_raw(*s);
	}
}

void ldr_hex(uint64_t v)
{
	char buf[19];
	int i = 18;

	buf[i] = '\0';
	do {
		buf[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	buf[--i] = 'x';
	buf[--i] = '0';
	ldr_puts(buf + i);
}

void ldr_dec(uint64_t v)
{
	char buf[21];
	int i = 20;

	buf[i] = '\0';
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	ldr_puts(buf + i);
}

/* ---- PSCI -------------------------------------------------------------- */

static int psci_conduit;	/* 'h' HVC, 's' SMC, 0 none */

void ldr_psci(int method)
{
	psci_conduit = method;
}

void ldr_power_off(void)
{
	register uint64_t x0 __asm__("x0") = 0x84000008;	/* PSCI SYSTEM_OFF */

	if (psci_conduit == 'h')
		__asm__ volatile("hvc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
	else if (psci_conduit == 's')
		__asm__ volatile("smc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
	for (;;)
		__asm__ volatile("wfi");
}

void ldr_fail(int err, const char *what)
{
	ldr_puts("minimal-loader: error: ");
	ldr_puts(kreloc_errname(err));
	ldr_puts(": ");
	ldr_puts(kreloc_strerror(err));
	ldr_puts(" (");
	ldr_puts(what);
	ldr_puts(")\n");
	ldr_power_off();
}
