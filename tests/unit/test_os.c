// SPDX-License-Identifier: MIT
/*
 * test_os.c - the Linux seam of the CLI (tools/os_linux.c) against a fake
 * system root: KRELOC_SYSROOT is set once, to a temporary directory, before
 * the first call (os_root() reads it once), and each test writes the files
 * it needs there.  Above all: under a fake root neither kexec_load nor the
 * kexec reboot ever reaches the kernel.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <kreloc/chunks.h>
#include <kreloc/sha256.h>

#include "os.h"
#include "sysroot_fixture.h"

/* @text, without its terminating NUL, as SYSROOT@rel. */
static void put(const char *rel, const char *text)
{
	sysroot_put(rel, text, strlen(text));
}

static void drop(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s%s", sysroot, rel);
	unlink(path);
}

static void test_root(void **state)
{
	char p[512];

	(void)state;
	assert_string_equal(os_root(), sysroot);
	assert_int_equal(os_path(p, sizeof(p), "/proc/meminfo"), 0);
	assert_true(strncmp(p, sysroot, strlen(sysroot)) == 0);
	assert_string_equal(p + strlen(sysroot), "/proc/meminfo");
	assert_int_equal(os_path(p, 8, "/proc/meminfo"), -ENAMETOOLONG);
}

static void test_machine(void **state)
{
	char m[64];

	(void)state;
	put("/proc/sys/kernel/arch", "aarch64\n");
	assert_int_equal(os_machine(m, sizeof(m)), 0);
	assert_string_equal(m, "aarch64");
	drop("/proc/sys/kernel/arch");
	assert_int_equal(os_machine(m, sizeof(m)), 0);	/* uname(2) then */
	assert_true(m[0] != '\0');
}

static void test_kexec_disabled(void **state)
{
	(void)state;
	put("/proc/sys/kernel/kexec_load_disabled", "1\n");
	assert_int_equal(os_kexec_disabled(), 1);
	put("/proc/sys/kernel/kexec_load_disabled", "0\n");
	assert_int_equal(os_kexec_disabled(), 0);
	put("/proc/sys/kernel/kexec_load_disabled", "yes\n");
	assert_int_equal(os_kexec_disabled(), -EINVAL);
	drop("/proc/sys/kernel/kexec_load_disabled");
	assert_int_equal(os_kexec_disabled(), -ENOENT);
}

static void test_lockdown(void **state)
{
	char m[32];

	(void)state;
	put("/sys/kernel/security/lockdown", "none [integrity] confidentiality\n");
	assert_int_equal(os_lockdown(m, sizeof(m)), 0);
	assert_string_equal(m, "integrity");
	put("/sys/kernel/security/lockdown", "none integrity [confidentiality]\n");
	assert_int_equal(os_lockdown(m, sizeof(m)), 0);
	assert_string_equal(m, "confidentiality");
	put("/sys/kernel/security/lockdown", "[none] integrity confidentiality\n");
	assert_int_equal(os_lockdown(m, sizeof(m)), 0);
	assert_string_equal(m, "none");
	put("/sys/kernel/security/lockdown", "garbage\n");
	assert_int_equal(os_lockdown(m, sizeof(m)), -EINVAL);
	drop("/sys/kernel/security/lockdown");
	assert_int_equal(os_lockdown(m, sizeof(m)), 0);	/* no lockdown LSM */
	assert_string_equal(m, "none");
}

static void test_meminfo(void **state)
{
	uint64_t b = 0;

	(void)state;
	put("/proc/meminfo", "MemTotal:  2000 kB\nMemFree:  1000 kB\nMemAvailable:    1536 kB\n");
	assert_int_equal(os_mem_available(&b), 0);
	assert_int_equal(b, 1536 * 1024);
	put("/proc/meminfo", "MemTotal:  2000 kB\n");
	assert_int_equal(os_mem_available(&b), -ENODATA);
}

static void test_fdt_cmdline_loaded(void **state)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	char c[64];

	(void)state;
	drop("/sys/firmware/fdt");
	assert_int_equal(os_read_fdt(&buf, &len), -ENOENT);
	put("/sys/firmware/fdt", "0123456789");
	assert_int_equal(os_read_fdt(&buf, &len), 0);
	assert_int_equal(len, 10);
	assert_memory_equal(buf, "0123456789", 10);
	free(buf);
	put("/proc/cmdline", "console=ttyAMA0 quiet\n");
	assert_int_equal(os_read_cmdline(c, sizeof(c)), 0);
	assert_string_equal(c, "console=ttyAMA0 quiet");
	put("/sys/kernel/kexec_loaded", "1\n");
	assert_int_equal(os_kexec_loaded(), 1);
}

static void test_compact(void **state)
{
	char path[512], buf[8] = "";
	int old = -1;
	FILE *f;

	(void)state;
	put("/proc/sys/vm/compact_unevictable_allowed", "1\n");
	assert_int_equal(os_compact_unevictable(0, &old), 0);
	assert_int_equal(old, 1);
	snprintf(path, sizeof(path), "%s/proc/sys/vm/compact_unevictable_allowed", sysroot);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "0\n");
	assert_int_equal(os_compact_unevictable(-1, &old), 0);	/* read only */
	assert_int_equal(old, 0);
}

/* The one that matters: a fake root never reaches the real kernel. */
static void test_no_kexec_under_fake_root(void **state)
{
	struct kreloc_live_segment seg = { "stub", "x", 1, 0x40000000, 4096, 4096 };

	(void)state;
	put("/proc/sys/kernel/arch", "aarch64\n");
	assert_int_equal(os_kexec_load(0x40000000, &seg, 1), -EPERM);
	assert_int_equal(os_kexec_load(0, NULL, 0), -EPERM);
	assert_int_equal(os_kexec_reboot(), -EPERM);
}

static void test_state_dir(void **state)
{
	char d[512];
	struct stat st;

	(void)state;
	assert_int_equal(os_state_dir(d, sizeof(d), true), 0);
	assert_int_equal(stat(d, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_string_equal(d + strlen(sysroot), "/run/kreloc");
	rmdir(d);
}

/* The copy behind staging: mapped, read() when unmappable, -EIO when short. */
static void test_copy_file(void **state)
{
	const uint64_t n = (4 << 20) + 3 * 4096 + 100;	/* 3 chunks of 2 MiB, the last partial */
	uint8_t *data = malloc(n), *dst = calloc(1, n + 8192), want[32], got[32];
	struct sigaction before, after;
	char path[512];
	int fd, pfd[2];
	FILE *f;

	(void)state;
	assert_non_null(data);
	assert_non_null(dst);
	for (uint64_t i = 0; i < n; i++)
		data[i] = (uint8_t)(i * 13 + 5);
	snprintf(path, sizeof(path), "%s/copy", sysroot);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
	kreloc_sha256(data, n, want);

	/* A regular file, mapped: the bytes and the digest. */
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	sigaction(SIGBUS, NULL, &before);
	assert_int_equal(os_copy_file(fd, dst, n, os_sha256_blocks(NULL), got, NULL), 0);
	assert_memory_equal(dst, data, n);
	assert_memory_equal(got, want, 32);
	/* Without a block function: copied, no digest. */
	memset(dst, 0, n);
	memset(got, 0xa5, 32);
	assert_int_equal(os_copy_file(fd, dst, n, NULL, got, NULL), 0);
	assert_memory_equal(dst, data, n);
	for (int i = 0; i < 32; i++)
		assert_int_equal(got[i], 0xa5);
	/* Chunk tables (bundle.h): each 2 MiB chunk's digest, the root as the digest. */
	{
		uint64_t nc = kreloc_chunks_count(n, KRELOC_CHUNK_SIZE_DEFAULT);
		uint8_t *t = malloc(nc * 32), *tw = malloc(nc * 32), rootmd[32];

		assert_true(t && tw && nc >= 2);
		assert_int_equal(kreloc_chunks_build(data, n, KRELOC_CHUNK_SIZE_DEFAULT, tw, rootmd), 0);
		memset(dst, 0, n);
		assert_int_equal(os_copy_file(fd, dst, n, os_sha256_blocks(NULL), got, t), 0);
		assert_memory_equal(dst, data, n);
		assert_memory_equal(t, tw, nc * 32);
		assert_memory_equal(got, rootmd, 32);
		free(t);
		free(tw);
	}
	/* Asked for two pages past its end (as if it shrank since fstat): SIGBUS, caught. */
	assert_int_equal(os_copy_file(fd, dst, n + 8192, NULL, NULL, NULL), -EIO);
	sigaction(SIGBUS, NULL, &after);
	assert_ptr_equal(after.sa_handler, before.sa_handler);	/* put back */
	close(fd);

	/* A pipe can't be mapped: read(), and short is -EIO too. */
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(write(pfd[1], data, 4000), 4000);
	memset(dst, 0, n);
	assert_int_equal(os_copy_file(pfd[0], dst, 3000, os_sha256_blocks(NULL), got, NULL), 0);
	assert_memory_equal(dst, data, 3000);
	kreloc_sha256(data, 3000, want);
	assert_memory_equal(got, want, 32);
	close(pfd[1]);
	assert_int_equal(os_copy_file(pfd[0], dst, 2000, NULL, NULL, NULL), -EIO);	/* 1000 left */
	close(pfd[0]);
	unlink(path);
	free(data);
	free(dst);
}

/* Count this process's io_uring descriptors (/proc/self/fd links to anon_inode:[io_uring]). */
static int io_uring_fds(void)
{
	char path[64], target[64];
	int n = 0;

	for (int fd = 0; fd < 1024; fd++) {
		ssize_t l;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		l = readlink(path, target, sizeof(target) - 1);
		if (l <= 0)
			continue;
		target[l] = '\0';
		n += !strcmp(target, "anon_inode:[io_uring]");
	}
	return n;
}

/* The long-term pin: one ring per ring_bytes; a failure closes every ring. */
static void test_pin_longterm(void **state)
{
	const uint64_t len = 3 * 4096 * 64 + 4096;	/* 3 rings of 256 KiB and one page */
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	static int fill[1024];
	struct rlimit lim, low;
	int before, nfill = 0;
	char pin[96];

	(void)state;
	assert_true(p != MAP_FAILED);
	memset(p, 1, len);
	before = io_uring_fds();
	if (os_pin_longterm(p, 4096, 4096, pin, sizeof(pin)) == -ENOSYS) {
		munmap(p, len);
		skip();		/* a kernel without io_uring: nothing to test here */
	}
	assert_string_equal(pin, "mlock + io_uring long-term pin (1 ring)");
	assert_int_equal(io_uring_fds(), before + 1);
	before++;

	assert_int_equal(os_pin_longterm(p, len, 256 << 10, pin, sizeof(pin)), 0);
	assert_string_equal(pin, "mlock + io_uring long-term pin (4 rings)");
	assert_int_equal(io_uring_fds(), before + 4);
	before += 4;

	/*
	 * Room for two more descriptors only: the third ring fails, all go.
	 * The holes below the highest descriptor are filled first (new
	 * descriptors take the lowest free number).
	 */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &lim), 0);
	low = lim;
	low.rlim_cur = 0;
	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			low.rlim_cur = (rlim_t)fd + 1;
	for (;;) {
		int fd = dup(0);

		assert_true(fd >= 0);
		if ((rlim_t)fd >= low.rlim_cur) {
			close(fd);
			break;
		}
		fill[nfill++] = fd;
		assert_true(nfill < 1024);
	}
	low.rlim_cur += 2;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	assert_int_equal(os_pin_longterm(p, len, 256 << 10, pin, sizeof(pin)), -EMFILE);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &lim), 0);
	assert_non_null(strstr(pin, "mlock only (io_uring_setup: "));
	assert_int_equal(io_uring_fds(), before);
	while (nfill)
		close(fill[--nfill]);
	munmap(p, len);
}

static void test_stage_local(void **state)
{
	char img[512], ird[512], why[256] = "";
	uint8_t want[32];
	struct os_stage st;
	const uint8_t *p;
	uint8_t *data = malloc(10000);
	FILE *f;

	(void)state;
	assert_non_null(data);
	for (int i = 0; i < 10000; i++)
		data[i] = (uint8_t)(i * 7 + 1);
	snprintf(img, sizeof(img), "%s/Image", sysroot);
	snprintf(ird, sizeof(ird), "%s/initrd", sysroot);
	f = fopen(img, "wb");
	fwrite(data, 1, 10000, f);
	fclose(f);
	f = fopen(ird, "wb");
	fwrite(data, 1, 5000, f);
	fclose(f);
	assert_int_equal(os_stage_local(img, ird, false, &st, why, sizeof(why)), 0);
	assert_int_equal(st.addr % (2u << 20), 0);
	assert_int_equal(st.map_len, 2u << 20);
	assert_int_equal(st.image_size, 10000);
	assert_int_equal(st.initrd_size, 5000);
	kreloc_sha256(data, 10000, want);
	assert_memory_equal(st.image_sha, want, 32);
	kreloc_sha256(data, 5000, want);
	assert_memory_equal(st.initrd_sha, want, 32);
	p = (const uint8_t *)(uintptr_t)st.addr;
	assert_memory_equal(p, data, 10000);
	for (int i = 10000; i < 3 * 4096; i++)	/* zero past the Image */
		assert_int_equal(p[i], 0);
	assert_memory_equal(p + 3 * 4096, data, 5000);	/* the initrd at the next page */
	assert_int_equal(os_stage_pages(10000), 3);
	assert_int_equal(os_stage_pages(4096), 1);
	assert_int_equal(os_stage_pages(0), 0);

	/* Its pages in pagemap: frame numbers as root, hidden otherwise. */
	{
		uint64_t pa[4] = { 0 }, bad = 0;
		int e = os_pagemap(0, st.addr, 4, pa, &bad);

		if (geteuid() == 0) {
			assert_int_equal(e, 0);
			for (int i = 0; i < 4; i++) {
				assert_true(pa[i] != 0);
				assert_int_equal(pa[i] % 4096, 0);
			}
		} else {
			assert_int_equal(e, -EPERM);
		}
	}
	munmap((void *)(uintptr_t)st.addr, (size_t)st.map_len);
	assert_int_equal(os_stage_local("/nonexistent/Image", NULL, false, &st, why, sizeof(why)),
			 -ENOENT);
	assert_non_null(strstr(why, "/nonexistent/Image"));
	unlink(img);
	unlink(ird);
	free(data);
}

static void test_holder_alive(void **state)
{
	(void)state;
	assert_int_equal(os_holder_alive(getpid()), 0);	/* not a holder */
	assert_int_equal(os_holder_alive(0), 0);
	assert_int_equal(os_holder_stop(getpid()), -ESRCH);	/* never kills a stranger */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_machine),
		cmocka_unit_test(test_kexec_disabled),
		cmocka_unit_test(test_lockdown),
		cmocka_unit_test(test_meminfo),
		cmocka_unit_test(test_fdt_cmdline_loaded),
		cmocka_unit_test(test_compact),
		cmocka_unit_test(test_no_kexec_under_fake_root),
		cmocka_unit_test(test_state_dir),
		cmocka_unit_test(test_copy_file),
		cmocka_unit_test(test_pin_longterm),
		cmocka_unit_test(test_stage_local),
		cmocka_unit_test(test_holder_alive),
	};

	return cmocka_run_group_tests(tests, sysroot_setup, sysroot_teardown);
}
