// SPDX-License-Identifier: MIT
/*
 * console.c - PL011 output and a small printf for the shim.
 * Output is polled; with no UART found every print is silently dropped.
 */
#include <asm/pl011.h>
#include "shim.h"

static volatile uint32_t *uart;

void console_init(uint64_t pl011_base)
{
	uart = (volatile uint32_t *)(uintptr_t)pl011_base;
}

static void putc_raw(char c)
{
	if (!uart)
		return;
	while (uart[PL011_FR / 4] & (1U << PL011_FR_TXFF_BIT))
		;
	uart[PL011_DR / 4] = (uint8_t)c;
}

static void put_char(char c)
{
	if (c == '\n')
		putc_raw('\r');
	putc_raw(c);
}

static void put_str(const char *s)
{
	while (*s)
		put_char(*s++);
}

static void put_num(uint64_t v, unsigned int base, int width, char pad, bool neg)
{
	char buf[24];
	int n = 0;

	do {
		buf[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		buf[n++] = '-';
	while (n < width)
		buf[n++] = pad;
	while (n)
		put_char(buf[--n]);
}

/*
 * Supports %s %c %d %u %x and the l / ll / z length modifiers, with an
 * optional zero-padded width: enough for the shim's messages and report.
 */
void shim_vprintf(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		int width = 0, lng = 0;
		char pad = ' ';
		uint64_t u;
		int64_t s;

		if (*fmt != '%') {
			put_char(*fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 's':
			put_str(va_arg(ap, const char *));
			break;
		case 'c':
			put_char((char)va_arg(ap, int));
			break;
		case 'd':
			s = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			put_num(s < 0 ? -(uint64_t)s : (uint64_t)s, 10, width, pad, s < 0);
			break;
		case 'u':
		case 'x':
			u = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
			put_num(u, *fmt == 'u' ? 10 : 16, width, pad, false);
			break;
		case '%':
			put_char('%');
			break;
		default:
			put_char('?');
			break;
		}
	}
}

void shim_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	shim_vprintf(fmt, ap);
	va_end(ap);
}
