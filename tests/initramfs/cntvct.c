// SPDX-License-Identifier: MIT
/*
 * cntvct.c - print the arm64 virtual counter and its frequency, then exit.
 *
 * The test initramfs runs this first thing in /init, so the value measures
 * the time (or, under QEMU -icount, the instructions) from power-on to the
 * first user-space program.  Output, one line on stdout:
 *
 *   cntvct=<decimal CNTVCT_EL0> cntfrq=<decimal CNTFRQ_EL0>
 *
 * Freestanding on purpose: no libc start-up code runs before the read.
 * Build: aarch64-linux-gnu-gcc -static -nostdlib -ffreestanding -O2
 *
 * Right after the read it makes one getcpu(2) call, whose result it
 * ignores: a system call nothing else in the test initramfs makes, so a
 * debugger stopped at the kernel's __arm64_sys_getcpu (the benchmarks do,
 * through QEMU's gdb stub) knows that a counter was read a fixed few dozen
 * instructions earlier, and can pair its own instruction count with the
 * value printed.
 */
#include <stdint.h>

#define SYS_WRITE	64
#define SYS_EXIT	93
#define SYS_GETCPU	168

static long sys_call3(long nr, long a0, long a1, long a2)
{
	register long x0 __asm__("x0") = a0;
	register long x1 __asm__("x1") = a1;
	register long x2 __asm__("x2") = a2;
	register long x8 __asm__("x8") = nr;

	__asm__ volatile("svc #0"
			 : "+r"(x0)
			 : "r"(x1), "r"(x2), "r"(x8)
			 : "memory");
	return x0;
}

static uint64_t read_cntvct(void)
{
	uint64_t v;

	/* isb: the read must not be hoisted before earlier instructions. */
	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}

static uint64_t read_cntfrq(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}

/* Append @s to @p; return the new end. */
static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

/* Append @v in decimal to @p; return the new end. */
static char *put_u64(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

void _start(void) __attribute__((noreturn, used));

void _start(void)
{
	uint64_t cnt = read_cntvct();
	uint64_t frq = read_cntfrq();
	char buf[80];
	char *p = buf;
	long len, off = 0, r;

	sys_call3(SYS_GETCPU, 0, 0, 0);		/* the debugger's mark: see above */

	p = put_str(p, "cntvct=");
	p = put_u64(p, cnt);
	p = put_str(p, " cntfrq=");
	p = put_u64(p, frq);
	*p++ = '\n';
	len = p - buf;
	while (off < len) {
		r = sys_call3(SYS_WRITE, 1, (long)(buf + off), len - off);
		if (r <= 0)
			break;
		off += r;
	}
	sys_call3(SYS_EXIT, off == len ? 0 : 1, 0, 0);
	for (;;)
		;
}
