// SPDX-License-Identifier: MIT
/*
 * test_fdt_chosen.c - /chosen: reading the initrd and the incoming seeds,
 * kreloc_fdt_prepare(), and kreloc_fdt_set_chosen() writing the next
 * kernel's values (checked back with libfdt directly).  Run from the
 * repository root (uses tests/fdt/qemu-virt.dtb).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libfdt.h>

#include <kreloc/error.h>
#include <kreloc/fdt.h>
#include <kreloc/seed.h>

#include "fdt_build.h"

static union {
	uint64_t align;
	uint8_t b[65536];
} g_out;
#define OUT ((void *)g_out.b)

/* ---- /chosen initrd -------------------------------------------------------- */

static void b_chosen_initrd(const uint32_t *s, size_t ns, const uint32_t *e, size_t ne)
{
	b_root(2, 2);
	b_memory("memory@40000000", 2, 2, 0x40000000, 0x40000000);
	b_node("chosen");
	if (s)
		b_cells("linux,initrd-start", s, ns);
	if (e)
		b_cells("linux,initrd-end", e, ne);
	b_end();
	b_finish();
}

static void expect_initrd(int ret, uint64_t start, uint64_t end)
{
	uint64_t s = 0xdead, e = 0xbeef;

	assert_int_equal(kreloc_fdt_chosen_initrd(T, &s, &e), ret);
	if (ret >= 0) {
		assert_int_equal(s, start);
		assert_int_equal(e, end);
	}
}

static void test_initrd(void **state)
{
	static const uint32_t s32[] = { 0x48000000 }, e32[] = { 0x48100000 };
	static const uint32_t s64[] = { 0x8, 0x48000000 }, e64[] = { 0x8, 0x49000000 };
	static const uint32_t bad[] = { 0, 0, 0x48000000 };

	(void)state;
	b_simple();			/* no /chosen */
	expect_initrd(0, 0, 0);
	b_chosen_initrd(NULL, 0, NULL, 0);	/* /chosen without initrd */
	expect_initrd(0, 0, 0);
	b_chosen_initrd(s32, 1, e32, 1);
	expect_initrd(1, 0x48000000, 0x48100000);
	b_chosen_initrd(s64, 2, e64, 2);
	expect_initrd(1, 0x848000000, 0x849000000);
	b_chosen_initrd(s32, 1, e64, 2);	/* mixed widths */
	expect_initrd(1, 0x48000000, 0x849000000);
	b_chosen_initrd(s32, 1, s32, 1);	/* empty */
	expect_initrd(0, 0, 0);

	b_chosen_initrd(s32, 1, NULL, 0);
	expect_initrd(KRELOC_E_FDT_RANGE, 0, 0);
	b_chosen_initrd(NULL, 0, e32, 1);
	expect_initrd(KRELOC_E_FDT_RANGE, 0, 0);
	b_chosen_initrd(bad, 3, e64, 2);
	expect_initrd(KRELOC_E_FDT_RANGE, 0, 0);
	b_chosen_initrd(e32, 1, s32, 1);	/* end before start */
	expect_initrd(KRELOC_E_FDT_RANGE, 0, 0);
}

/* ---- seeds ----------------------------------------------------------------- */

static void test_seed_read(void **state)
{
	static const uint8_t rng[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t zero8[8];
	uint8_t buf[32];
	size_t len = 99;

	(void)state;
	b_simple();
	assert_int_equal(kreloc_fdt_seed(T, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 0);

	b_root(2, 2);
	b_node("chosen");
	b_bytes("rng-seed", rng, sizeof(rng));
	CELLS("kaslr-seed", 0x11223344, 0x55667788);
	b_end();
	b_finish();
	assert_int_equal(kreloc_fdt_seed(T, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 16);
	assert_memory_equal(buf, rng, 8);
	assert_int_equal(buf[8], 0x11);
	assert_int_equal(buf[15], 0x88);
	assert_int_equal(kreloc_fdt_seed(T, buf, 10, &len), 0);	/* capped */
	assert_int_equal(len, 10);
	assert_int_equal(buf[9], 0x22);
	assert_int_equal(kreloc_fdt_seed(T, NULL, 0, &len), 0);
	assert_int_equal(len, 0);
	assert_int_equal(kreloc_fdt_seed(T, NULL, 4, &len), KRELOC_E_INVAL);
	assert_int_equal(kreloc_fdt_seed(T, buf, 4, NULL), KRELOC_E_INVAL);

	/* consumed (zeroed) seeds carry nothing */
	b_root(2, 2);
	b_node("chosen");
	b_bytes("rng-seed", zero8, sizeof(zero8));
	CELLS("kaslr-seed", 0, 0);
	b_end();
	b_finish();
	assert_int_equal(kreloc_fdt_seed(T, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 0);
}

/* ---- prepare ------------------------------------------------------------ */

static void test_prepare(void **state)
{
	size_t big = KRELOC_FDT_MAX_SIZE + 4096;
	uint64_t *buf = malloc(big);
	struct kreloc_memmap map;
	uint32_t total;

	(void)state;
	assert_non_null(buf);
	b_simple();
	total = fdt_totalsize(T);
	assert_int_equal(kreloc_fdt_prepare(T, OUT, total + KRELOC_FDT_HEADROOM - 1),
			 KRELOC_E_FDT_NO_SPACE);
	assert_int_equal(kreloc_fdt_prepare(T, OUT, total + KRELOC_FDT_HEADROOM), 0);
	assert_int_equal(fdt_totalsize(OUT), total + KRELOC_FDT_HEADROOM);
	assert_int_equal(kreloc_fdt_read_memmap(OUT, &map), 0);
	expect_range(&map.ram[0], 0x40000000, 0x40000000);

	/* more room than the protocol allows: capped at 2 MiB */
	assert_int_equal(kreloc_fdt_prepare(T, buf, big), 0);
	assert_int_equal(fdt_totalsize(buf), KRELOC_FDT_MAX_SIZE);
	assert_int_equal(kreloc_fdt_check(buf, big), 0);
	free(buf);

	/* in place */
	memcpy(OUT, T, total);
	assert_int_equal(kreloc_fdt_prepare(OUT, OUT, sizeof(g_out.b)), 0);
	assert_int_equal(fdt_totalsize(OUT), sizeof(g_out.b));
	assert_int_equal(kreloc_fdt_read_memmap(OUT, &map), 0);
	expect_range(&map.ram[0], 0x40000000, 0x40000000);

	assert_int_equal(kreloc_fdt_prepare(T, NULL, 4096), KRELOC_E_INVAL);
	assert_int_equal(kreloc_fdt_prepare(NULL, OUT, 4096), KRELOC_E_INVAL);
	fdt_set_magic(T, 0);
	assert_int_equal(kreloc_fdt_prepare(T, OUT, sizeof(g_out.b)), KRELOC_E_FDT);
}

/* ---- set_chosen ----------------------------------------------------------- */

static const void *chosen_prop(const char *name, int *len)
{
	int chosen = fdt_path_offset(OUT, "/chosen");

	assert_true(chosen >= 0);
	return fdt_getprop(OUT, chosen, name, len);
}

static void expect_gone(const char *name)
{
	int len;

	assert_null(chosen_prop(name, &len));
	assert_int_equal(len, -FDT_ERR_NOTFOUND);
}

static void expect_cells(const char *name, const uint32_t *want, int n)
{
	const fdt32_t *p;
	int len;

	p = chosen_prop(name, &len);
	assert_non_null(p);
	assert_int_equal(len, n * 4);
	for (int i = 0; i < n; i++)
		assert_int_equal(fdt32_ld(p + i), want[i]);
}

static void fill_max(struct kreloc_chosen *c, char *args, uint8_t *rng)
{
	memset(args, 'a', KRELOC_FDT_BOOTARGS_MAX);
	args[KRELOC_FDT_BOOTARGS_MAX] = '\0';
	for (int i = 0; i < KRELOC_FDT_RNG_SEED_MAX; i++)
		rng[i] = (uint8_t)(i + 1);
	*c = (struct kreloc_chosen){
		.bootargs = args,
		.initrd_start = 0x48000000, .initrd_end = 0x48123000,
		.has_kaslr_seed = true, .kaslr_seed = 0x0123456789abcdefULL,
		.rng_seed = rng, .rng_seed_len = KRELOC_FDT_RNG_SEED_MAX,
		.elfcorehdr = { 0x5f000000, 0x10000 },
		.usable = { { 0x50000000, 0x10000000 }, { 0x880000000, 0x1000000 } },
		.nr_usable = 2,
	};
}

/* No /chosen yet, every field at its maximum, exactly the documented headroom. */
static void test_set_chosen_create(void **state)
{
	static const uint32_t initrd_s[] = { 0, 0x48000000 }, initrd_e[] = { 0, 0x48123000 };
	static const uint32_t kaslr[] = { 0x01234567, 0x89abcdef };
	static const uint32_t elf[] = { 0, 0x5f000000, 0, 0x10000 };
	static const uint32_t usable[] = { 0, 0x50000000, 0, 0x10000000,
					   0x8, 0x80000000, 0, 0x1000000 };
	static char args[KRELOC_FDT_BOOTARGS_MAX + 1];
	static uint8_t rng[KRELOC_FDT_RNG_SEED_MAX];
	struct kreloc_chosen c;
	const char *s;
	uint64_t start, end;
	int len;

	(void)state;
	b_simple();
	assert_true(fdt_path_offset(T, "/chosen") < 0);
	assert_int_equal(kreloc_fdt_prepare(T, OUT, fdt_totalsize(T) + KRELOC_FDT_HEADROOM), 0);
	fill_max(&c, args, rng);
	assert_int_equal(kreloc_fdt_set_chosen(OUT, &c), 0);
	assert_int_equal(kreloc_fdt_check(OUT, sizeof(g_out.b)), 0);

	s = chosen_prop("bootargs", &len);
	assert_non_null(s);
	assert_int_equal(len, KRELOC_FDT_BOOTARGS_MAX + 1);
	assert_string_equal(s, args);
	expect_cells("linux,initrd-start", initrd_s, 2);
	expect_cells("linux,initrd-end", initrd_e, 2);
	expect_cells("kaslr-seed", kaslr, 2);
	expect_cells("linux,elfcorehdr", elf, 4);
	expect_cells("linux,usable-memory-range", usable, 8);
	s = chosen_prop("rng-seed", &len);
	assert_int_equal(len, KRELOC_FDT_RNG_SEED_MAX);
	assert_memory_equal(s, rng, sizeof(rng));
	assert_int_equal(kreloc_fdt_chosen_initrd(OUT, &start, &end), 1);
	assert_int_equal(start, 0x48000000);
	assert_int_equal(end, 0x48123000);

	/* and on a real tree with a /chosen already there */
	load_file("tests/fdt/qemu-virt.dtb", T, sizeof(g_tree.b));
	assert_int_equal(kreloc_fdt_prepare(T, OUT, fdt_totalsize(T) + KRELOC_FDT_HEADROOM), 0);
	assert_int_equal(kreloc_fdt_set_chosen(OUT, &c), 0);
	expect_cells("linux,usable-memory-range", usable, 8);
}

/* Stale properties go; properties kreloc does not own stay. */
static void test_set_chosen_replace(void **state)
{
	struct kreloc_chosen c = { .bootargs = "console=ttyAMA0 quiet" };
	uint64_t base = 0, start, end;
	const char *s;
	int len;

	(void)state;
	b_root(2, 2);
	b_memory("memory@40000000", 2, 2, 0x40000000, 0x40000000);
	b_pl011("pl011@9000000", 0x9000000, NULL);
	b_node("chosen");
	b_str("bootargs", "old args");
	b_str("stdout-path", "/pl011@9000000");
	CELLS("linux,initrd-start", 0x48000000);
	CELLS("linux,initrd-end", 0x48100000);
	CELLS("kaslr-seed", 0x1, 0x2);
	b_bytes("rng-seed", "0123456789abcdef", 16);
	PAIRS("linux,elfcorehdr", 2, 2, 0x5f000000, 0x1000);
	PAIRS("linux,usable-memory-range", 2, 2, 0x50000000, 0x10000000);
	b_end();
	b_finish();
	assert_int_equal(kreloc_fdt_prepare(T, OUT, sizeof(g_out.b)), 0);
	assert_int_equal(kreloc_fdt_set_chosen(OUT, &c), 0);

	s = chosen_prop("bootargs", &len);
	assert_string_equal(s, "console=ttyAMA0 quiet");
	expect_gone("linux,initrd-start");
	expect_gone("linux,initrd-end");
	expect_gone("kaslr-seed");
	expect_gone("rng-seed");
	expect_gone("linux,elfcorehdr");
	expect_gone("linux,usable-memory-range");
	assert_int_equal(kreloc_fdt_chosen_initrd(OUT, &start, &end), 0);
	assert_int_equal(kreloc_fdt_stdout_uart(OUT, &base), 1);	/* kept */
	assert_int_equal(base, 0x9000000);

	/* nothing at all: bootargs goes too */
	memset(&c, 0, sizeof(c));
	assert_int_equal(kreloc_fdt_set_chosen(OUT, &c), 0);
	expect_gone("bootargs");
	assert_non_null(chosen_prop("stdout-path", &len));
	assert_int_equal(kreloc_fdt_check(OUT, sizeof(g_out.b)), 0);
}

/* elfcorehdr and usable ranges follow the root's cells. */
static void test_set_chosen_cells(void **state)
{
	static const uint32_t elf[] = { 0x5f000000, 0x10000 };
	struct kreloc_chosen c = { .elfcorehdr = { 0x5f000000, 0x10000 } };

	(void)state;
	b_root(1, 1);
	b_memory("memory@40000000", 1, 1, 0x40000000, 0x40000000);
	b_finish();
	assert_int_equal(kreloc_fdt_prepare(T, OUT, sizeof(g_out.b)), 0);
	assert_int_equal(kreloc_fdt_set_chosen(OUT, &c), 0);
	expect_cells("linux,elfcorehdr", elf, 2);

	c.elfcorehdr.base = 0x100000000;		/* does not fit one cell */
	assert_int_equal(kreloc_fdt_set_chosen(OUT, &c), KRELOC_E_FDT_RANGE);
	c.elfcorehdr.base = 0x5f000000;
	c.usable[0] = (struct kreloc_range){ 0x40000000, 0x100000000 };
	c.nr_usable = 1;
	assert_int_equal(kreloc_fdt_set_chosen(OUT, &c), KRELOC_E_FDT_RANGE);

	b_begin_rsv(NULL, 0);
	CELLS("#address-cells", 3);
	b_finish();
	assert_int_equal(kreloc_fdt_prepare(T, OUT, sizeof(g_out.b)), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(kreloc_fdt_set_chosen(OUT, &c), KRELOC_E_FDT_RANGE);
}

static void test_set_chosen_invalid(void **state)
{
	static char args[KRELOC_FDT_BOOTARGS_MAX + 2];
	static uint8_t rng[KRELOC_FDT_RNG_SEED_MAX + 1];
	static uint8_t before[sizeof(g_out.b)];
	struct kreloc_chosen c, bad;
	size_t big = KRELOC_FDT_MAX_SIZE + 4096;
	uint64_t *buf = malloc(big);

	(void)state;
	assert_non_null(buf);
	b_simple();
	assert_int_equal(kreloc_fdt_prepare(T, OUT, sizeof(g_out.b)), 0);
	memcpy(before, OUT, sizeof(before));
	fill_max(&c, args, rng);

	bad = c;
	bad.initrd_end = bad.initrd_start - 1;
	assert_int_equal(kreloc_fdt_set_chosen(OUT, &bad), KRELOC_E_INVAL);
	bad = c;
	args[KRELOC_FDT_BOOTARGS_MAX] = 'a';			/* 2048 characters */
	assert_int_equal(kreloc_fdt_set_chosen(OUT, &bad), KRELOC_E_INVAL);
	args[KRELOC_FDT_BOOTARGS_MAX] = '\0';
	bad.rng_seed_len = KRELOC_FDT_RNG_SEED_MAX + 1;
	assert_int_equal(kreloc_fdt_set_chosen(OUT, &bad), KRELOC_E_INVAL);
	bad = c;
	bad.nr_usable = KRELOC_FDT_MAX_USABLE + 1;
	assert_int_equal(kreloc_fdt_set_chosen(OUT, &bad), KRELOC_E_INVAL);
	bad = c;
	bad.usable[1].size = 0;
	assert_int_equal(kreloc_fdt_set_chosen(OUT, &bad), KRELOC_E_INVAL);
	bad = c;
	bad.elfcorehdr = (struct kreloc_range){ 0xfffffffffffff000, 0x2000 };
	assert_int_equal(kreloc_fdt_set_chosen(OUT, &bad), KRELOC_E_OVERFLOW);
	bad = c;
	bad.usable[0] = (struct kreloc_range){ 0xffffffffffff0000, 0x20000 };
	assert_int_equal(kreloc_fdt_set_chosen(OUT, &bad), KRELOC_E_OVERFLOW);
	assert_int_equal(kreloc_fdt_set_chosen(OUT, NULL), KRELOC_E_INVAL);
	assert_int_equal(kreloc_fdt_set_chosen(NULL, &c), KRELOC_E_INVAL);
	assert_memory_equal(before, OUT, sizeof(before));	/* untouched */

	fdt_set_magic(OUT, 0x12345678);
	assert_int_equal(kreloc_fdt_set_chosen(OUT, &c), KRELOC_E_FDT);
	assert_int_equal(fdt_create_empty_tree(buf, (int)big), 0);
	assert_int_equal(kreloc_fdt_set_chosen(buf, &c), KRELOC_E_FDT_TOO_LARGE);
	free(buf);
}

static void test_set_chosen_no_room(void **state)
{
	static char args[KRELOC_FDT_BOOTARGS_MAX + 1];
	struct kreloc_chosen c = { .bootargs = args };

	(void)state;
	memset(args, 'x', 200);
	/* /chosen exists, the tree has no free space */
	b_root(2, 2);
	b_memory("memory@40000000", 2, 2, 0x40000000, 0x40000000);
	b_node("chosen");
	b_str("bootargs", "short");
	b_end();
	b_finish();
	assert_int_equal(fdt_open_into(T, OUT, (int)fdt_totalsize(T)), 0);
	assert_int_equal(kreloc_fdt_set_chosen(OUT, &c), KRELOC_E_FDT_NO_SPACE);
	assert_int_equal(kreloc_fdt_check(OUT, sizeof(g_out.b)), 0);	/* still valid */

	/* no room even for /chosen itself */
	b_simple();
	assert_int_equal(fdt_open_into(T, OUT, (int)fdt_totalsize(T) + 8), 0);
	c.bootargs = NULL;
	assert_int_equal(kreloc_fdt_set_chosen(OUT, &c), KRELOC_E_FDT_NO_SPACE);
	assert_int_equal(kreloc_fdt_check(OUT, sizeof(g_out.b)), 0);
}

/* The whole loader path on QEMU's tree: old seeds in, fresh seeds out. */
static void test_handoff_qemu(void **state)
{
	uint8_t old[64], now[64], kaslr_be[8];
	size_t old_len, now_len;
	struct kreloc_seeds seeds;
	struct kreloc_chosen c = { .bootargs = "console=ttyAMA0" };
	uint64_t base = 0;

	(void)state;
	load_file("tests/fdt/qemu-virt.dtb", T, sizeof(g_tree.b));
	assert_int_equal(kreloc_fdt_seed(T, old, sizeof(old), &old_len), 0);
	assert_int_equal(old_len, 40);
	assert_int_equal(kreloc_seed_derive(old, old_len, 1, &seeds), 0);
	assert_int_equal(kreloc_fdt_prepare(T, OUT, sizeof(g_out.b)), 0);
	c.has_kaslr_seed = true;
	c.kaslr_seed = seeds.kaslr;
	c.rng_seed = seeds.rng;
	c.rng_seed_len = sizeof(seeds.rng);
	c.initrd_start = 0x48000000;
	c.initrd_end = 0x48800000;
	assert_int_equal(kreloc_fdt_set_chosen(OUT, &c), 0);
	assert_int_equal(fdt_pack(OUT), 0);
	assert_true(fdt_totalsize(OUT) < fdt_totalsize(T) + 256);

	assert_int_equal(kreloc_fdt_seed(OUT, now, sizeof(now), &now_len), 0);
	assert_int_equal(now_len, 40);
	for (int i = 0; i < 8; i++)
		kaslr_be[i] = (uint8_t)(seeds.kaslr >> (56 - 8 * i));
	assert_memory_equal(now, seeds.rng, 32);
	assert_memory_equal(now + 32, kaslr_be, 8);
	assert_memory_not_equal(now, old, 32);
	assert_memory_not_equal(now + 32, old + 32, 8);
	assert_int_equal(kreloc_fdt_stdout_uart(OUT, &base), 1);
	assert_int_equal(base, 0x9000000);
	assert_int_equal(kreloc_fdt_psci_method(OUT), 'h');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_initrd),
		cmocka_unit_test(test_seed_read),
		cmocka_unit_test(test_prepare),
		cmocka_unit_test(test_set_chosen_create),
		cmocka_unit_test(test_set_chosen_replace),
		cmocka_unit_test(test_set_chosen_cells),
		cmocka_unit_test(test_set_chosen_invalid),
		cmocka_unit_test(test_set_chosen_no_room),
		cmocka_unit_test(test_handoff_qemu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
