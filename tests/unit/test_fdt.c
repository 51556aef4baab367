// SPDX-License-Identifier: MIT
/*
 * test_fdt.c - reading a device tree: validation, RAM, reserved ranges,
 * console UART, PSCI, and the real trees in tests/fdt/.  Trees are built here with libfdt's
 * sequential-write API; tests/fdt/ holds QEMU virt dumps and a .dts that is
 * compiled with dtc at run time.  Run from the repository root.
 * /chosen (initrd, seeds, prepare, set_chosen) is in test_fdt_chosen.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <libfdt.h>

#include <kreloc/error.h>
#include <kreloc/fdt.h>

#include "fdt_build.h"

/* ---- real trees -------------------------------------------------------- */

static void check_qemu_virt(const char *path, int method)
{
	struct kreloc_memmap map;
	uint64_t base = 0, s = 1, e = 1;
	uint8_t seed[64];
	const uint8_t *rng, *kaslr;
	int rlen, klen, chosen;
	size_t len = 0, n = load_file(path, T, sizeof(g_tree.b));

	assert_int_equal(kreloc_fdt_check(T, n), 0);
	assert_int_equal(kreloc_fdt_read_memmap(T, &map), 0);
	assert_int_equal(map.nr_ram, 1);
	expect_range(&map.ram[0], 0x40000000, 1ULL << 30);
	assert_int_equal(map.nr_reserved, 0);
	assert_int_equal(kreloc_fdt_stdout_uart(T, &base), 1);
	assert_int_equal(base, 0x9000000);
	assert_int_equal(kreloc_fdt_psci_method(T), method);
	assert_int_equal(kreloc_fdt_chosen_initrd(T, &s, &e), 0);
	assert_int_equal(s, 0);
	assert_int_equal(e, 0);

	/* seeds: rng-seed then kaslr-seed, as libfdt itself reads them */
	chosen = fdt_path_offset(T, "/chosen");
	assert_true(chosen > 0);
	assert_int_equal(kreloc_fdt_chosen(T), chosen);
	rng = fdt_getprop(T, chosen, "rng-seed", &rlen);
	kaslr = fdt_getprop(T, chosen, "kaslr-seed", &klen);
	assert_non_null(rng);
	assert_non_null(kaslr);
	assert_int_equal(kreloc_fdt_seed(T, seed, sizeof(seed), &len), 0);
	assert_int_equal(len, (size_t)(rlen + klen));
	assert_memory_equal(seed, rng, rlen);
	assert_memory_equal(seed + rlen, kaslr, klen);
}

static void test_qemu_virt(void **state)
{
	(void)state;
	check_qemu_virt("tests/fdt/qemu-virt.dtb", 'h');
}

static void test_qemu_virt_el2(void **state)
{
	(void)state;
	check_qemu_virt("tests/fdt/qemu-virt-el2.dtb", 's');
}

static void test_dts_board(void **state)
{
	char path[] = "/tmp/kreloc-test-fdt-XXXXXX", cmd[256];
	struct kreloc_memmap map;
	uint64_t base = 0, s, e;
	uint8_t seed[64];
	size_t len, n;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "dtc -q -I dts -O dtb -o %s tests/fdt/board.dts", path);
	if (system(cmd) != 0) {
		unlink(path);
		fail_msg("dtc failed on tests/fdt/board.dts (is device-tree-compiler installed?)");
	}
	n = load_file(path, T, sizeof(g_tree.b));
	unlink(path);
	assert_int_equal(kreloc_fdt_check(T, n), 0);

	assert_int_equal(kreloc_fdt_read_memmap(T, &map), 0);
	assert_int_equal(map.nr_ram, 2);		/* disabled bank skipped */
	expect_range(&map.ram[0], 0x80000000, 0x40000000);
	expect_range(&map.ram[1], 0x880000000, 0x40000000);
	assert_int_equal(map.nr_reserved, 2);		/* dynamic cma ignored */
	expect_range(&map.reserved[0], 0x80000000, 0x10000);
	expect_range(&map.reserved[1], 0xbe000000, 0x1000000);

	assert_int_equal(kreloc_fdt_chosen_initrd(T, &s, &e), 1);
	assert_int_equal(s, 0x88000000);
	assert_int_equal(e, 0x88400000);
	assert_int_equal(kreloc_fdt_stdout_uart(T, &base), 1);
	assert_int_equal(base, 0x10028000);		/* alias, options, ranges */
	assert_int_equal(kreloc_fdt_psci_method(T), 's');
	assert_int_equal(kreloc_fdt_seed(T, seed, sizeof(seed), &len), 0);
	assert_int_equal(len, 16);			/* zeroed kaslr-seed skipped */
	assert_int_equal(seed[0], 0x00);
	assert_int_equal(seed[15], 0xff);
}

/* ---- validation -------------------------------------------------------- */

static void expect_all_readers(int err)
{
	struct kreloc_memmap map;
	uint64_t a, b;
	uint8_t buf[8];
	size_t len;

	assert_int_equal(kreloc_fdt_read_memmap(T, &map), err);
	assert_int_equal(kreloc_fdt_chosen_initrd(T, &a, &b), err);
	assert_int_equal(kreloc_fdt_stdout_uart(T, &a), err);
	assert_int_equal(kreloc_fdt_psci_method(T), err);
	assert_int_equal(kreloc_fdt_seed(T, buf, sizeof(buf), &len), err);
	assert_int_equal(kreloc_fdt_chosen(T), err);
}

/*
 * A corrupt structure block: kreloc_fdt_check() refuses it; the readers,
 * which trust a checked blob, must still stay inside it (ASan watches) and
 * may only succeed or report corruption.
 */
static void expect_structure_refused(void)
{
	struct kreloc_memmap map;
	uint64_t a, b;
	uint8_t buf[8];
	size_t len;
	int r[6];

	assert_int_equal(kreloc_fdt_check(T, sizeof(g_tree.b)), KRELOC_E_FDT);
	r[0] = kreloc_fdt_read_memmap(T, &map);
	r[1] = kreloc_fdt_chosen_initrd(T, &a, &b);
	r[2] = kreloc_fdt_stdout_uart(T, &a);
	r[3] = kreloc_fdt_psci_method(T);
	r[4] = kreloc_fdt_seed(T, buf, sizeof(buf), &len);
	r[5] = kreloc_fdt_chosen(T);
	for (unsigned int i = 0; i < 6; i++)
		assert_true(r[i] >= 0 || r[i] == KRELOC_E_FDT || r[i] == KRELOC_E_FDT_NO_MEMORY ||
			    r[i] == -FDT_ERR_NOTFOUND);
}

static void test_corrupt(void **state)
{
	uint32_t struct_off;
	uint8_t *p = g_tree.b;

	(void)state;
	b_simple();
	fdt_set_magic(T, 0xd00dfeee);
	expect_all_readers(KRELOC_E_FDT);
	assert_int_equal(kreloc_fdt_check(T, sizeof(g_tree.b)), KRELOC_E_FDT);

	b_simple();
	fdt_set_last_comp_version(T, 99);		/* from the future */
	expect_all_readers(KRELOC_E_FDT);

	/* structure block: the root's first property names a string far outside */
	b_simple();
	struct_off = fdt_off_dt_struct(T);
	assert_int_equal(fdt32_ld((const fdt32_t *)(p + struct_off + 8)), FDT_PROP);
	fdt32_st(p + struct_off + 16, 0x00fffff0);
	expect_structure_refused();

	/* an unknown tag in the middle of the structure block */
	b_simple();
	fdt32_st(p + struct_off + 8, 0x7);
	expect_structure_refused();

	b_simple();
	assert_int_equal(kreloc_fdt_check(NULL, 4096), KRELOC_E_INVAL);
	assert_int_equal(kreloc_fdt_read_memmap(NULL, NULL), KRELOC_E_INVAL);
	assert_int_equal(kreloc_fdt_read_memmap(T, NULL), KRELOC_E_INVAL);
	assert_int_equal(kreloc_fdt_psci_method(NULL), KRELOC_E_INVAL);
	assert_int_equal(kreloc_fdt_stdout_uart(T, NULL), KRELOC_E_INVAL);
	assert_int_equal(kreloc_fdt_chosen_initrd(T, NULL, NULL), KRELOC_E_INVAL);
	assert_int_equal(kreloc_fdt_chosen(NULL), KRELOC_E_INVAL);
	assert_int_equal(kreloc_fdt_chosen(T), -FDT_ERR_NOTFOUND);	/* a valid tree without one */
}

static void test_truncated(void **state)
{
	uint32_t total;

	(void)state;
	b_simple();
	total = fdt_totalsize(T);
	assert_int_equal(kreloc_fdt_check(T, total), 0);
	assert_int_equal(kreloc_fdt_check(T, total - 1), KRELOC_E_FDT);
	assert_int_equal(kreloc_fdt_check(T, 16), KRELOC_E_FDT);
	/* header claims fewer bytes than its blocks occupy */
	fdt_set_totalsize(T, fdt_off_dt_strings(T) + fdt_size_dt_strings(T) - 4);
	expect_all_readers(KRELOC_E_FDT);
}

static void test_too_large(void **state)
{
	size_t big = KRELOC_FDT_MAX_SIZE + 4096;
	uint64_t *buf = malloc(big), *out = malloc(big);
	struct kreloc_memmap map;

	(void)state;
	assert_non_null(buf);
	assert_non_null(out);
	assert_int_equal(fdt_create_empty_tree(buf, (int)big), 0);
	assert_int_equal(kreloc_fdt_check(buf, big), KRELOC_E_FDT_TOO_LARGE);
	assert_int_equal(kreloc_fdt_read_memmap(buf, &map), KRELOC_E_FDT_TOO_LARGE);
	assert_int_equal(kreloc_fdt_psci_method(buf), KRELOC_E_FDT_TOO_LARGE);
	assert_int_equal(kreloc_fdt_prepare(buf, out, big), KRELOC_E_FDT_TOO_LARGE);
	/* exactly the limit is fine: the tree is read (and has no RAM) */
	assert_int_equal(fdt_create_empty_tree(buf, (int)KRELOC_FDT_MAX_SIZE), 0);
	assert_int_equal(kreloc_fdt_check(buf, KRELOC_FDT_MAX_SIZE), 0);
	assert_int_equal(kreloc_fdt_read_memmap(buf, &map), KRELOC_E_FDT_NO_MEMORY);
	free(buf);
	free(out);
}

/*
 * A tree over 2 MiB (free space at its end, as in QEMU's padded -dtb): the
 * extent covers only its blocks, and the compact copy answers the console
 * and PSCI lookups as the original did.  Inconsistent headers are refused.
 */
static void test_too_large_blocks(void **state)
{
	size_t big = 3 * KRELOC_FDT_MAX_SIZE / 2;
	uint64_t *buf = malloc(big), *copy = malloc(KRELOC_FDT_MAX_SIZE);
	uint64_t uart = 0, want_uart = 0;
	int want_psci;

	(void)state;
	assert_non_null(buf);
	assert_non_null(copy);
	load_file("tests/fdt/qemu-virt.dtb", T, sizeof(g_tree.b));
	assert_int_equal(kreloc_fdt_stdout_uart(T, &want_uart), 1);
	want_psci = kreloc_fdt_psci_method(T);
	assert_int_equal(kreloc_fdt_read_extent(T), fdt_totalsize(T));
	assert_int_equal(fdt_open_into(T, buf, (int)big), 0);
	assert_int_equal(fdt_totalsize(buf), big);

	int64_t ext = kreloc_fdt_read_extent(buf);
	assert_true(ext > 0 && ext < 65536);
	assert_int_equal(ext, fdt_off_dt_strings(buf) + fdt_size_dt_strings(buf));
	assert_int_equal(kreloc_fdt_psci_method(buf), KRELOC_E_FDT_TOO_LARGE);
	assert_int_equal(kreloc_fdt_copy_blocks(buf, copy, KRELOC_FDT_MAX_SIZE), 0);
	assert_true(fdt_totalsize(copy) <= (uint64_t)ext);
	assert_int_equal(kreloc_fdt_check(copy, KRELOC_FDT_MAX_SIZE), 0);
	assert_int_equal(kreloc_fdt_stdout_uart(copy, &uart), 1);
	assert_int_equal(uart, want_uart);
	assert_int_equal(kreloc_fdt_psci_method(copy), want_psci);
	assert_int_equal(fdt_num_mem_rsv(copy), 0);

	/* the copy needs room for its blocks */
	assert_int_equal(kreloc_fdt_copy_blocks(buf, copy, 64), KRELOC_E_FDT_TOO_LARGE);
	/* blocks beyond the protocol's limit cannot be read at all */
	fdt_set_off_dt_strings(buf, (uint32_t)(KRELOC_FDT_MAX_SIZE + 64));
	assert_int_equal(kreloc_fdt_read_extent(buf), KRELOC_E_FDT_TOO_LARGE);
	assert_int_equal(kreloc_fdt_copy_blocks(buf, copy, KRELOC_FDT_MAX_SIZE),
			 KRELOC_E_FDT_TOO_LARGE);
	/* blocks past the blob's own end */
	fdt_set_off_dt_strings(buf, (uint32_t)big);
	assert_int_equal(kreloc_fdt_read_extent(buf), KRELOC_E_FDT);
	/* not a tree, an old version, no argument */
	fdt_set_magic(buf, 0xd00dfeee);
	assert_int_equal(kreloc_fdt_read_extent(buf), KRELOC_E_FDT);
	fdt_set_magic(buf, FDT_MAGIC);
	fdt_set_version(buf, 16);
	assert_int_equal(kreloc_fdt_read_extent(buf), KRELOC_E_FDT);
	assert_int_equal(kreloc_fdt_read_extent(NULL), KRELOC_E_INVAL);
	assert_int_equal(kreloc_fdt_copy_blocks(T, NULL, 4096), KRELOC_E_INVAL);
	free(buf);
	free(copy);
}

/* ---- RAM ----------------------------------------------------------------- */

static void test_no_memory(void **state)
{
	struct kreloc_memmap map;

	(void)state;
	b_root(2, 2);
	b_node("cpus");
	b_end();
	b_finish();
	assert_int_equal(kreloc_fdt_read_memmap(T, &map), KRELOC_E_FDT_NO_MEMORY);

	/* memory nodes that describe nothing: no reg, empty reg, zero size */
	b_root(2, 2);
	b_node("memory@0");
	b_str("device_type", "memory");
	b_end();
	b_node("memory@1");
	b_str("device_type", "memory");
	b_bytes("reg", NULL, 0);
	b_end();
	b_memory("memory@2", 2, 2, 0x2000000, 0);
	b_finish();
	assert_int_equal(kreloc_fdt_read_memmap(T, &map), KRELOC_E_FDT_NO_MEMORY);
}

static void test_memory_status(void **state)
{
	struct kreloc_memmap map;

	(void)state;
	b_root(2, 2);
	b_node("memory@40000000");
	b_str("device_type", "memory");
	b_str("status", "disabled");
	PAIRS("reg", 2, 2, 0x40000000, 0x40000000);
	b_end();
	b_finish();
	assert_int_equal(kreloc_fdt_read_memmap(T, &map), KRELOC_E_FDT_NO_MEMORY);

	b_root(2, 2);
	b_node("memory@40000000");
	b_str("device_type", "memory");
	b_str("status", "disabled");
	PAIRS("reg", 2, 2, 0x40000000, 0x40000000);
	b_end();
	b_node("memory@100000000");
	b_str("device_type", "memory");
	b_str("status", "ok");
	PAIRS("reg", 2, 2, 0x100000000, 0x10000000);
	b_end();
	b_node("memory@200000000");
	b_str("device_type", "memory");
	b_str("status", "okay");
	PAIRS("reg", 2, 2, 0x200000000, 0x10000000);
	b_end();
	b_node("memory@300000000");
	b_str("device_type", "memory");
	b_str("status", "fail");
	PAIRS("reg", 2, 2, 0x300000000, 0x10000000);
	b_end();
	b_finish();
	assert_int_equal(kreloc_fdt_read_memmap(T, &map), 0);
	assert_int_equal(map.nr_ram, 2);
	expect_range(&map.ram[0], 0x100000000, 0x10000000);
	expect_range(&map.ram[1], 0x200000000, 0x10000000);
}

static void test_reg_cells(void **state)
{
	struct kreloc_memmap map;

	(void)state;
	/* 1/1: two banks in one reg */
	b_root(1, 1);
	b_node("memory@80000000");
	b_str("device_type", "memory");
	PAIRS("reg", 1, 1, 0x80000000, 0x10000000, 0xc0000000, 0x3fffffff);
	b_end();
	b_finish();
	assert_int_equal(kreloc_fdt_read_memmap(T, &map), 0);
	assert_int_equal(map.nr_ram, 2);
	expect_range(&map.ram[0], 0x80000000, 0x10000000);
	expect_range(&map.ram[1], 0xc0000000, 0x3fffffff);

	/* 2/2 above 4 GiB with a 4 GiB bank */
	b_root(2, 2);
	b_memory("memory@880000000", 2, 2, 0x880000000, 0x100000000);
	b_finish();
	assert_int_equal(kreloc_fdt_read_memmap(T, &map), 0);
	assert_int_equal(map.nr_ram, 1);
	expect_range(&map.ram[0], 0x880000000, 0x100000000);

	/* 2/1 */
	b_root(2, 1);
	b_memory("memory@100000000", 2, 1, 0x100000000, 0x80000000);
	b_finish();
	assert_int_equal(kreloc_fdt_read_memmap(T, &map), 0);
	expect_range(&map.ram[0], 0x100000000, 0x80000000);

	/* no cells at all: the defaults are 2 and 1 */
	b_root(0, 0);
	b_memory("memory@100000000", 2, 1, 0x100000000, 0x1000);
	b_finish();
	assert_int_equal(kreloc_fdt_read_memmap(T, &map), 0);
	expect_range(&map.ram[0], 0x100000000, 0x1000);
}

static void test_reg_bad(void **state)
{
	static const uint32_t bad[][2] = { { 3, 2 }, { 2, 0 }, { 2, 3 }, { 0, 1 } };
	struct kreloc_memmap map;

	(void)state;
	for (size_t i = 0; i < KRELOC_ARRAY_SIZE(bad); i++) {
		b_begin_rsv(NULL, 0);
		CELLS("#address-cells", bad[i][0]);
		CELLS("#size-cells", bad[i][1]);
		b_memory("memory@0", 2, 2, 0, 0x1000);
		b_finish();
		assert_int_equal(kreloc_fdt_read_memmap(T, &map), KRELOC_E_FDT_RANGE);
	}
	/* #address-cells of the wrong length */
	b_begin_rsv(NULL, 0);
	CELLS("#address-cells", 0, 2);
	b_memory("memory@0", 2, 1, 0, 0x1000);
	b_finish();
	assert_int_equal(kreloc_fdt_read_memmap(T, &map), KRELOC_E_FDT_RANGE);

	/* reg not a whole number of entries */
	b_root(2, 2);
	b_node("memory@0");
	b_str("device_type", "memory");
	CELLS("reg", 0, 0x40000000, 0, 0x1000, 0);
	b_end();
	b_finish();
	assert_int_equal(kreloc_fdt_read_memmap(T, &map), KRELOC_E_FDT_RANGE);

	/* wraps past 2^64, and ends exactly at 2^64 */
	b_root(2, 2);
	b_memory("memory@fffffffffffff000", 2, 2, 0xfffffffffffff000, 0x2000);
	b_finish();
	assert_int_equal(kreloc_fdt_read_memmap(T, &map), KRELOC_E_FDT_RANGE);
	b_root(2, 2);
	b_memory("memory@fffffffffffff000", 2, 2, 0xfffffffffffff000, 0x1000);
	b_finish();
	assert_int_equal(kreloc_fdt_read_memmap(T, &map), KRELOC_E_FDT_RANGE);
}

static void test_memory_by_name(void **state)
{
	struct kreloc_memmap map;

	(void)state;
	b_root(1, 1);
	b_node("memory@10000000");		/* name only */
	PAIRS("reg", 1, 1, 0x10000000, 0x1000);
	b_end();
	b_node("memory");			/* name only, no unit address */
	PAIRS("reg", 1, 1, 0x20000000, 0x1000);
	b_end();
	b_node("ram@30000000");			/* device_type only */
	b_str("device_type", "memory");
	PAIRS("reg", 1, 1, 0x30000000, 0x1000);
	b_end();
	b_node("memory-controller@40000000");	/* not memory */
	PAIRS("reg", 1, 1, 0x40000000, 0x1000);
	b_end();
	b_node("memory@50000000");		/* named so, but says otherwise */
	b_str("device_type", "cpu");
	PAIRS("reg", 1, 1, 0x50000000, 0x1000);
	b_end();
	b_node("bus");
	b_node("memory@60000000");		/* not a child of the root */
	PAIRS("reg", 1, 1, 0x60000000, 0x1000);
	b_end();
	b_end();
	b_finish();
	assert_int_equal(kreloc_fdt_read_memmap(T, &map), 0);
	assert_int_equal(map.nr_ram, 3);
	expect_range(&map.ram[0], 0x10000000, 0x1000);
	expect_range(&map.ram[1], 0x20000000, 0x1000);
	expect_range(&map.ram[2], 0x30000000, 0x1000);
}

static void test_memmap_full(void **state)
{
	struct kreloc_memmap map;

	(void)state;
	b_root(2, 2);
	for (uint64_t i = 0; i <= KRELOC_MEMMAP_MAX_RAM; i++) {
		char name[32];

		snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)(i << 30));
		b_memory(name, 2, 2, i << 30, 0x1000);	/* disjoint banks */
	}
	b_finish();
	assert_int_equal(kreloc_fdt_read_memmap(T, &map), KRELOC_E_NOSPACE);
}

/* ---- reserved ------------------------------------------------------------ */

static void test_reserved(void **state)
{
	static const uint64_t rsv[] = { 0x40000000, 0x1000, 0x50000000, 0 };
	struct kreloc_memmap map;

	(void)state;
	b_begin_rsv(rsv, KRELOC_ARRAY_SIZE(rsv));
	CELLS("#address-cells", 2);
	CELLS("#size-cells", 2);
	b_memory("memory@40000000", 2, 2, 0x40000000, 0x40000000);
	b_node("reserved-memory");
	CELLS("#address-cells", 1);	/* its own cells, unlike the root's */
	CELLS("#size-cells", 1);
	b_bytes("ranges", NULL, 0);
	b_node("fw@48000000");
	PAIRS("reg", 1, 1, 0x48000000, 0x100000);
	b_end();
	b_node("two@60000000");
	PAIRS("reg", 1, 1, 0x60000000, 0x2000, 0x70000000, 0x3000);
	b_end();
	b_node("off@78000000");
	b_str("status", "disabled");
	PAIRS("reg", 1, 1, 0x78000000, 0x1000);
	b_end();
	b_node("linux,cma");
	CELLS("size", 0x4000000);
	b_end();
	b_end();
	b_finish();
	assert_int_equal(kreloc_fdt_read_memmap(T, &map), 0);
	assert_int_equal(map.nr_ram, 1);
	assert_int_equal(map.nr_reserved, 4);
	expect_range(&map.reserved[0], 0x40000000, 0x1000);
	expect_range(&map.reserved[1], 0x48000000, 0x100000);
	expect_range(&map.reserved[2], 0x60000000, 0x2000);
	expect_range(&map.reserved[3], 0x70000000, 0x3000);

	/* /reserved-memory without cells uses the root's (1/1 here) */
	b_root(1, 1);
	b_memory("memory@40000000", 1, 1, 0x40000000, 0x40000000);
	b_node("reserved-memory");
	b_node("a@44000000");
	PAIRS("reg", 1, 1, 0x44000000, 0x8000);
	b_end();
	b_end();
	b_finish();
	assert_int_equal(kreloc_fdt_read_memmap(T, &map), 0);
	assert_int_equal(map.nr_reserved, 1);
	expect_range(&map.reserved[0], 0x44000000, 0x8000);
}

/* A no-map child is reserved and kept apart as no-map; the others are not. */
static void test_reserved_nomap(void **state)
{
	struct kreloc_memmap map;

	(void)state;
	b_root(2, 2);
	b_memory("memory@40000000", 2, 2, 0x40000000, 0x40000000);
	b_node("reserved-memory");
	CELLS("#address-cells", 2);
	CELLS("#size-cells", 2);
	b_bytes("ranges", NULL, 0);
	b_node("optee@4e000000");
	PAIRS("reg", 2, 2, 0x4e000000, 0x200000);
	b_bytes("no-map", NULL, 0);
	b_end();
	b_node("ramoops@50000000");
	PAIRS("reg", 2, 2, 0x50000000, 0x100000);
	b_end();
	b_end();
	b_finish();
	assert_int_equal(kreloc_fdt_read_memmap(T, &map), 0);
	assert_int_equal(map.nr_reserved, 2);
	expect_range(&map.reserved[0], 0x4e000000, 0x200000);
	expect_range(&map.reserved[1], 0x50000000, 0x100000);
	assert_int_equal(map.nr_nomap, 1);
	expect_range(&map.nomap[0], 0x4e000000, 0x200000);
	assert_true(kreloc_memmap_is_nomap(&map, 0x4e1ff000, 0x1000));
	assert_false(kreloc_memmap_is_nomap(&map, 0x50000000, 0x1000));
}

static void test_reserved_bad(void **state)
{
	static const uint64_t wrap[] = { 0xffffffffffff0000, 0x10000 };
	struct kreloc_memmap map;

	(void)state;
	b_begin_rsv(wrap, 2);
	b_memory("memory@0", 2, 1, 0x0, 0x1000);
	b_finish();
	assert_int_equal(kreloc_fdt_read_memmap(T, &map), KRELOC_E_FDT_RANGE);

	b_root(2, 2);
	b_memory("memory@0", 2, 2, 0x0, 0x1000);
	b_node("reserved-memory");
	CELLS("#address-cells", 2);
	CELLS("#size-cells", 2);
	b_node("x@fffffffffffff000");
	PAIRS("reg", 2, 2, 0xfffffffffffff000, 0x2000);
	b_end();
	b_end();
	b_finish();
	assert_int_equal(kreloc_fdt_read_memmap(T, &map), KRELOC_E_FDT_RANGE);

	b_root(2, 2);
	b_memory("memory@0", 2, 2, 0x0, 0x1000);
	b_node("reserved-memory");
	CELLS("#address-cells", 4);
	CELLS("#size-cells", 2);
	b_end();
	b_finish();
	assert_int_equal(kreloc_fdt_read_memmap(T, &map), KRELOC_E_FDT_RANGE);

	b_root(2, 2);
	b_memory("memory@0", 2, 2, 0x0, 0x1000);
	b_node("reserved-memory");
	b_node("x@0");
	CELLS("reg", 0, 0x1000, 0);	/* 3 cells with 2/2 */
	b_end();
	b_end();
	b_finish();
	assert_int_equal(kreloc_fdt_read_memmap(T, &map), KRELOC_E_FDT_RANGE);
}

/* ---- console UART ---------------------------------------------------------- */

static void expect_uart(int ret, uint64_t want)
{
	uint64_t base = 0x1234;

	assert_int_equal(kreloc_fdt_stdout_uart(T, &base), ret);
	assert_int_equal(base, ret == 1 ? want : 0x1234);
}

static void test_uart_paths(void **state)
{
	(void)state;
	b_root(2, 2);
	b_pl011("pl011@9000000", 0x9000000, NULL);
	b_pl011("pl011@9001000", 0x9001000, NULL);
	b_node("chosen");
	b_str("stdout-path", "/pl011@9001000:115200n8");
	b_end();
	b_finish();
	expect_uart(1, 0x9001000);

	/* alias with options, legacy property name */
	b_root(2, 2);
	b_pl011("pl011@9000000", 0x9000000, NULL);
	b_pl011("pl011@9001000", 0x9001000, NULL);
	b_node("aliases");
	b_str("serial1", "/pl011@9001000");
	b_end();
	b_node("chosen");
	b_str("linux,stdout-path", "serial1:115200n8");
	b_end();
	b_finish();
	expect_uart(1, 0x9001000);

	/* no stdout-path, or one naming nothing: first available PL011 */
	b_root(2, 2);
	b_pl011("pl011@9000000", 0x9000000, "disabled");
	b_pl011("pl011@9001000", 0x9001000, NULL);
	b_node("chosen");
	b_str("stdout-path", "serial7");
	b_end();
	b_finish();
	expect_uart(1, 0x9001000);

	/* no UART at all */
	b_simple();
	expect_uart(0, 0);
	b_root(2, 2);
	b_pl011("pl011@9000000", 0x9000000, "disabled");
	b_finish();
	expect_uart(0, 0);

	/* named UART without reg */
	b_root(2, 2);
	b_node("serial");
	b_end();
	b_node("chosen");
	b_str("stdout-path", "/serial");
	b_end();
	b_finish();
	expect_uart(KRELOC_E_FDT_RANGE, 0);
}

/* /soc (1/1 cells) holding a serial at child address 0x28000 */
static void b_soc(const void *ranges, int rlen, bool nested)
{
	b_root(2, 2);
	b_node("soc");
	CELLS("#address-cells", 1);
	CELLS("#size-cells", 1);
	if (ranges)
		b_bytes("ranges", ranges, rlen);
	if (nested) {
		b_node("bus@20000");
		CELLS("#address-cells", 1);
		CELLS("#size-cells", 1);
		CELLS("ranges", 0x0, 0x20000, 0x10000);
	}
	b_node("serial@28000");
	b_bytes("compatible", "arm,pl011", 10);
	CELLS("reg", nested ? 0x8000 : 0x28000, 0x1000);
	b_end();
	if (nested)
		b_end();
	b_end();
	b_finish();
}

static void test_uart_translate(void **state)
{
	/* child(1) parent(2) size(1) */
	static const uint32_t r1[] = { 0x0, 0x0, 0x10000000, 0x1000000 };
	static const uint32_t r2[] = { 0x100000, 0x0, 0x10000000, 0x1000000,
				       0x0, 0x1, 0x0, 0x100000 };
	static const uint32_t wrap[] = { 0x0, 0xffffffff, 0xfffff000, 0x100000 };
	static const uint32_t miss[] = { 0x100000, 0x0, 0x10000000, 0x1000 };
	static const uint32_t bad_len[] = { 0x0, 0x0, 0x10000000 };
	fdt32_t c[8] = { 0 };

#define RANGES(a) \
	do { \
		for (size_t i = 0; i < KRELOC_ARRAY_SIZE(a); i++) \
			c[i] = cpu_to_fdt32(a[i]); \
	} while (0)

	(void)state;
	b_soc(c, 0, false);			/* empty ranges: identity */
	expect_uart(1, 0x28000);
	RANGES(r1);
	b_soc(c, sizeof(r1), false);
	expect_uart(1, 0x10028000);
	RANGES(r2);				/* second entry matches */
	b_soc(c, sizeof(r2), false);
	expect_uart(1, 0x100028000);
	RANGES(r1);				/* two levels */
	b_soc(c, sizeof(r1), true);
	expect_uart(1, 0x10028000);

	b_soc(NULL, 0, false);			/* no ranges: untranslatable */
	expect_uart(KRELOC_E_FDT_RANGE, 0);
	RANGES(miss);
	b_soc(c, sizeof(miss), false);
	expect_uart(KRELOC_E_FDT_RANGE, 0);
	RANGES(wrap);
	b_soc(c, sizeof(wrap), false);
	expect_uart(KRELOC_E_FDT_RANGE, 0);
	RANGES(bad_len);
	b_soc(c, sizeof(bad_len), false);
	expect_uart(KRELOC_E_FDT_RANGE, 0);
#undef RANGES
}

/* ---- PSCI ---------------------------------------------------------------- */

static void b_psci(const char *compat, int clen, const char *method, const char *status)
{
	b_root(2, 2);
	b_node("psci");
	b_bytes("compatible", compat, clen);
	if (method)
		b_str("method", method);
	if (status)
		b_str("status", status);
	b_end();
	b_finish();
}

static void test_psci(void **state)
{
	(void)state;
	b_simple();
	assert_int_equal(kreloc_fdt_psci_method(T), 0);
	b_psci("arm,psci", 9, "hvc", NULL);
	assert_int_equal(kreloc_fdt_psci_method(T), 'h');
	b_psci("arm,psci-0.2", 13, "smc", NULL);
	assert_int_equal(kreloc_fdt_psci_method(T), 's');
	b_psci("vendor,x\0arm,psci-1.0", 22, "smc", NULL);
	assert_int_equal(kreloc_fdt_psci_method(T), 's');
	b_psci("arm,psci-1.0", 13, "svc", NULL);
	assert_int_equal(kreloc_fdt_psci_method(T), 0);
	b_psci("arm,psci-1.0", 13, NULL, NULL);
	assert_int_equal(kreloc_fdt_psci_method(T), 0);
	b_psci("arm,psci-1.0", 13, "hvc", "disabled");
	assert_int_equal(kreloc_fdt_psci_method(T), 0);
	b_psci("arm,pl011", 10, "hvc", NULL);
	assert_int_equal(kreloc_fdt_psci_method(T), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_virt),
		cmocka_unit_test(test_qemu_virt_el2),
		cmocka_unit_test(test_dts_board),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_too_large_blocks),
		cmocka_unit_test(test_no_memory),
		cmocka_unit_test(test_memory_status),
		cmocka_unit_test(test_reg_cells),
		cmocka_unit_test(test_reg_bad),
		cmocka_unit_test(test_memory_by_name),
		cmocka_unit_test(test_memmap_full),
		cmocka_unit_test(test_reserved),
		cmocka_unit_test(test_reserved_nomap),
		cmocka_unit_test(test_reserved_bad),
		cmocka_unit_test(test_uart_paths),
		cmocka_unit_test(test_uart_translate),
		cmocka_unit_test(test_psci),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
