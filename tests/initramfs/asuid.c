// SPDX-License-Identifier: MIT
/*
 * asuid.c - run a command as another user: asuid ID PROG [ARG...]
 *
 * Drops the supplementary groups, sets the real, effective and saved group
 * and user ids to ID, then executes PROG (a path) with the same
 * environment.  For the `kreloc.live=nonroot` step of
 * tests/initramfs/init-live: busybox's setuidgid and chpst look the user up
 * through the C library's NSS, which a static busybox cannot load in an
 * initramfs.
 *
 * Freestanding like cntvct.c: no libc, its own _start, raw system calls.
 * Build: aarch64-linux-gnu-gcc -static -nostdlib -ffreestanding -O2
 * Exit status 126 when a call fails (a line on stderr says which).
 */
#define SYS_WRITE	64
#define SYS_EXIT	93
#define SYS_SETRESUID	147
#define SYS_SETRESGID	149
#define SYS_SETGROUPS	159
#define SYS_EXECVE	221

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

static void die(const char *what)
{
	const char *p = what;
	long n = 0;

	while (p[n])
		n++;
	sys_call3(SYS_WRITE, 2, (long)"asuid: ", 7);
	sys_call3(SYS_WRITE, 2, (long)what, n);
	sys_call3(SYS_WRITE, 2, (long)" failed\n", 8);
	for (;;)
		sys_call3(SYS_EXIT, 126, 0, 0);
}

void asuid_main(long *sp);

void asuid_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	long id = 0;
	const char *s;

	if (argc < 3)
		die("usage: asuid ID PROG [ARG...]:");
	for (s = argv[1]; *s; s++) {
		if (*s < '0' || *s > '9')
			die("ID (a number)");
		id = id * 10 + (*s - '0');
	}
	if (sys_call3(SYS_SETGROUPS, 0, 0, 0) != 0)
		die("setgroups");
	if (sys_call3(SYS_SETRESGID, id, id, id) != 0)
		die("setresgid");
	if (sys_call3(SYS_SETRESUID, id, id, id) != 0)
		die("setresuid");
	sys_call3(SYS_EXECVE, (long)argv[2], (long)(argv + 2), (long)envp);
	die("execve");
}

/* The kernel leaves argc, argv[], NULL, envp[], NULL at sp. */
__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"	mov x0, sp\n"
	"	bl asuid_main\n");
