/* SPDX-License-Identifier: MIT */
/*
 * fdt_build.h - helpers for the device tree unit tests: build small trees
 * with libfdt's sequential-write API into one static buffer (T), load
 * fixtures from tests/fdt/.  Include after <cmocka.h>; one user per binary.
 */
#ifndef KRELOC_TEST_FDT_BUILD_H
#define KRELOC_TEST_FDT_BUILD_H

#include <stdio.h>
#include <libfdt.h>

#include <kreloc/fdt.h>

static union {
	uint64_t align;
	uint8_t b[65536];
} g_tree;
#define T ((void *)g_tree.b)

/* ---- building trees -------------------------------------------------- */

static inline void b_begin_rsv(const uint64_t *rsv, size_t n)
{
	assert_int_equal(fdt_create(T, sizeof(g_tree.b)), 0);
	for (size_t i = 0; i + 1 < n; i += 2)
		assert_int_equal(fdt_add_reservemap_entry(T, rsv[i], rsv[i + 1]), 0);
	assert_int_equal(fdt_finish_reservemap(T), 0);
	assert_int_equal(fdt_begin_node(T, ""), 0);
}

/* Root with #address-cells/#size-cells (0: leave the property out). */
static inline void b_root(uint32_t ac, uint32_t sc)
{
	b_begin_rsv(NULL, 0);
	if (ac)
		assert_int_equal(fdt_property_u32(T, "#address-cells", ac), 0);
	if (sc)
		assert_int_equal(fdt_property_u32(T, "#size-cells", sc), 0);
}

static inline void b_node(const char *name)
{
	assert_int_equal(fdt_begin_node(T, name), 0);
}

static inline void b_end(void)
{
	assert_int_equal(fdt_end_node(T), 0);
}

static inline void b_finish(void)
{
	b_end();
	assert_int_equal(fdt_finish(T), 0);
	assert_int_equal(fdt_check_full(T, fdt_totalsize(T)), 0);
}

static inline void b_str(const char *name, const char *s)
{
	assert_int_equal(fdt_property_string(T, name, s), 0);
}

static inline void b_bytes(const char *name, const void *v, int len)
{
	assert_int_equal(fdt_property(T, name, v, len), 0);
}

static inline void b_cells(const char *name, const uint32_t *v, size_t n)
{
	fdt32_t c[32];

	assert_true(n <= 32);
	for (size_t i = 0; i < n; i++)
		c[i] = cpu_to_fdt32(v[i]);
	b_bytes(name, c, (int)(n * 4));
}
#define CELLS(name, ...) \
	b_cells(name, (const uint32_t[]){ __VA_ARGS__ }, \
		sizeof((const uint32_t[]){ __VA_ARGS__ }) / 4)

/* <address size> pairs in ac/sc cells from a list of uint64_t. */
static inline void b_pairs(const char *name, int ac, int sc, const uint64_t *v, size_t n)
{
	uint32_t c[32];
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		int cells = i % 2 ? sc : ac;

		if (cells == 2)
			c[k++] = (uint32_t)(v[i] >> 32);
		c[k++] = (uint32_t)v[i];
	}
	b_cells(name, c, k);
}
#define PAIRS(name, ac, sc, ...) \
	b_pairs(name, ac, sc, (const uint64_t[]){ __VA_ARGS__ }, \
		sizeof((const uint64_t[]){ __VA_ARGS__ }) / 8)

static inline void b_memory(const char *name, int ac, int sc, uint64_t base, uint64_t size)
{
	b_node(name);
	b_str("device_type", "memory");
	PAIRS("reg", ac, sc, base, size);
	b_end();
}

/* A small valid tree: 1 GiB of RAM at 1 GiB. */
static inline void b_simple(void)
{
	b_root(2, 2);
	b_memory("memory@40000000", 2, 2, 0x40000000, 0x40000000);
	b_finish();
}

static inline void b_pl011(const char *name, uint64_t base, const char *status)
{
	b_node(name);
	b_bytes("compatible", "arm,pl011\0arm,primecell", 24);
	if (status)
		b_str("status", status);
	PAIRS("reg", 2, 2, base, 0x1000);
	b_end();
}

static inline size_t load_file(const char *path, void *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		fail_msg("cannot open %s (run from the repository root)", path);
	n = fread(buf, 1, cap, f);
	fclose(f);
	assert_true(n > 0 && n < cap);
	return n;
}

static inline void expect_range(const struct kreloc_range *r, uint64_t base, uint64_t size)
{
	assert_int_equal(r->base, base);
	assert_int_equal(r->size, size);
}

#endif /* KRELOC_TEST_FDT_BUILD_H */
