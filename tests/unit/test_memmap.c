// SPDX-License-Identifier: MIT
/*
 * test_memmap.c - RAM/reserved tables and free-range search (memmap.c):
 * merge and insert, overflow, full tables, queries, and find_free /
 * kreloc_memmap_find checked against a brute-force search on random maps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <kreloc/error.h>
#include <kreloc/memmap.h>

#define K4	0x1000ULL
#define M1	0x100000ULL
#define M2	0x200000ULL
#define G1	0x40000000ULL

static struct kreloc_memmap map;

static int setup(void **state)
{
	(void)state;
	memset(&map, 0xa5, sizeof(map));
	kreloc_memmap_init(&map);
	return 0;
}

static void expect_ram(unsigned int i, uint64_t base, uint64_t size)
{
	assert_true(i < map.nr_ram);
	assert_int_equal(map.ram[i].base, base);
	assert_int_equal(map.ram[i].size, size);
}

static void test_init(void **state)
{
	struct kreloc_memmap zero;

	(void)state;
	memset(&zero, 0, sizeof(zero));
	assert_memory_equal(&map, &zero, sizeof(map));
	assert_int_equal(kreloc_memmap_ram_top(&map), 0);
}

static void test_insert_sorted(void **state)
{
	(void)state;
	assert_int_equal(kreloc_memmap_add_ram(&map, 0x5000, 0x1000), 0);
	assert_int_equal(kreloc_memmap_add_ram(&map, 0x1000, 0x1000), 0);
	assert_int_equal(kreloc_memmap_add_ram(&map, 0x9000, 0x1000), 0);
	assert_int_equal(kreloc_memmap_add_ram(&map, 0x3000, 0x1000), 0);
	assert_int_equal(map.nr_ram, 4);
	expect_ram(0, 0x1000, 0x1000);
	expect_ram(1, 0x3000, 0x1000);
	expect_ram(2, 0x5000, 0x1000);
	expect_ram(3, 0x9000, 0x1000);
	assert_int_equal(kreloc_memmap_ram_top(&map), 0xa000);
}

static void test_merge(void **state)
{
	(void)state;
	/* touching on the right and on the left */
	assert_int_equal(kreloc_memmap_add_ram(&map, 0x10000, 0x1000), 0);
	assert_int_equal(kreloc_memmap_add_ram(&map, 0x11000, 0x1000), 0);
	assert_int_equal(kreloc_memmap_add_ram(&map, 0xf000, 0x1000), 0);
	assert_int_equal(map.nr_ram, 1);
	expect_ram(0, 0xf000, 0x3000);
	/* contained: no change */
	assert_int_equal(kreloc_memmap_add_ram(&map, 0x10000, 0x800), 0);
	assert_int_equal(map.nr_ram, 1);
	expect_ram(0, 0xf000, 0x3000);
	/* overlapping on the right */
	assert_int_equal(kreloc_memmap_add_ram(&map, 0x11800, 0x1000), 0);
	expect_ram(0, 0xf000, 0x3800);
	/* bridging three separate ranges into one */
	assert_int_equal(kreloc_memmap_add_ram(&map, 0x20000, 0x1000), 0);
	assert_int_equal(kreloc_memmap_add_ram(&map, 0x30000, 0x1000), 0);
	assert_int_equal(kreloc_memmap_add_ram(&map, 0x40000, 0x1000), 0);
	assert_int_equal(map.nr_ram, 4);
	assert_int_equal(kreloc_memmap_add_ram(&map, 0x18000, 0x20000), 0);
	assert_int_equal(map.nr_ram, 3);
	expect_ram(0, 0xf000, 0x3800);
	expect_ram(1, 0x18000, 0x20000);
	expect_ram(2, 0x40000, 0x1000);
	/* swallowing everything */
	assert_int_equal(kreloc_memmap_add_ram(&map, 0, 0x100000), 0);
	assert_int_equal(map.nr_ram, 1);
	expect_ram(0, 0, 0x100000);
}

static void test_zero_and_overflow(void **state)
{
	(void)state;
	assert_int_equal(kreloc_memmap_add_ram(&map, 0x1000, 0), 0);
	assert_int_equal(map.nr_ram, 0);
	assert_int_equal(kreloc_memmap_add_ram(&map, UINT64_MAX - 0xfff, 0x1000), KRELOC_E_OVERFLOW);
	assert_int_equal(kreloc_memmap_add_ram(&map, UINT64_MAX, 2), KRELOC_E_OVERFLOW);
	assert_int_equal(kreloc_memmap_add_reserved(&map, 1ULL << 63, 1ULL << 63),
			 KRELOC_E_OVERFLOW);
	assert_int_equal(map.nr_ram, 0);
	assert_int_equal(map.nr_reserved, 0);
	/* the highest representable range is fine */
	assert_int_equal(kreloc_memmap_add_ram(&map, UINT64_MAX - 0x1000, 0x1000), 0);
	assert_int_equal(kreloc_memmap_ram_top(&map), UINT64_MAX);
}

static void test_nospace(void **state)
{
	struct kreloc_memmap before;

	(void)state;
	for (unsigned int i = 0; i < KRELOC_MEMMAP_MAX_RAM; i++)
		assert_int_equal(kreloc_memmap_add_ram(&map, 0x10000ULL * (i + 1), 0x1000), 0);
	assert_int_equal(map.nr_ram, KRELOC_MEMMAP_MAX_RAM);
	before = map;
	/* a new separate range does not fit, and nothing changes */
	assert_int_equal(kreloc_memmap_add_ram(&map, 0x1000, 0x1000), KRELOC_E_NOSPACE);
	assert_int_equal(kreloc_memmap_add_ram(&map, 0x10000ULL * 100, 0x1000), KRELOC_E_NOSPACE);
	assert_memory_equal(&map, &before, sizeof(map));
	/* but one that merges still does */
	assert_int_equal(kreloc_memmap_add_ram(&map, 0x11000, 0x1000), 0);
	assert_int_equal(map.nr_ram, KRELOC_MEMMAP_MAX_RAM);
	expect_ram(0, 0x10000, 0x2000);
	/* and merging two frees a slot */
	assert_int_equal(kreloc_memmap_add_ram(&map, 0x12000, 0xe000), 0);
	assert_int_equal(map.nr_ram, KRELOC_MEMMAP_MAX_RAM - 1);
	assert_int_equal(kreloc_memmap_add_ram(&map, 0x1000, 0x1000), 0);

	for (unsigned int i = 0; i < KRELOC_MEMMAP_MAX_RESERVED; i++)
		assert_int_equal(kreloc_memmap_add_reserved(&map, 0x10000ULL * (i + 1), 0x10), 0);
	assert_int_equal(kreloc_memmap_add_reserved(&map, 0x8, 0x1), KRELOC_E_NOSPACE);
	assert_int_equal(map.nr_reserved, KRELOC_MEMMAP_MAX_RESERVED);
}

static void test_queries(void **state)
{
	(void)state;
	assert_int_equal(kreloc_memmap_add_ram(&map, G1, G1), 0);
	assert_int_equal(kreloc_memmap_add_ram(&map, 2 * G1, G1), 0);	/* merges */
	assert_int_equal(kreloc_memmap_add_ram(&map, 8 * G1, G1), 0);
	assert_int_equal(kreloc_memmap_add_reserved(&map, G1 + M2, M1), 0);

	assert_true(kreloc_memmap_is_ram(&map, G1, 2 * G1));
	assert_true(kreloc_memmap_is_ram(&map, 2 * G1 - K4, 2 * K4));	/* across the merge */
	assert_false(kreloc_memmap_is_ram(&map, 3 * G1 - K4, 2 * K4));	/* into the gap */
	assert_false(kreloc_memmap_is_ram(&map, G1 - K4, 2 * K4));
	assert_false(kreloc_memmap_is_ram(&map, 0, K4));
	assert_true(kreloc_memmap_is_ram(&map, 8 * G1, G1));
	assert_false(kreloc_memmap_is_ram(&map, 8 * G1, G1 + 1));
	assert_false(kreloc_memmap_is_ram(&map, UINT64_MAX - 10, 20));	/* wraps */

	assert_true(kreloc_memmap_is_reserved(&map, G1 + M2, 1));
	assert_true(kreloc_memmap_is_reserved(&map, G1, M2 + 1));
	assert_false(kreloc_memmap_is_reserved(&map, G1, M2));		/* touches only */
	assert_false(kreloc_memmap_is_reserved(&map, G1 + M2 + M1, K4));
	assert_true(kreloc_memmap_is_reserved(&map, G1 + M2 + M1 - 1, K4));
	assert_false(kreloc_memmap_is_reserved(&map, G1 + M2, 0));	/* empty */
	assert_true(kreloc_memmap_is_reserved(&map, UINT64_MAX - 10, 20)); /* wraps: unsafe */

	assert_true(kreloc_memmap_is_free(&map, G1, M2));
	assert_false(kreloc_memmap_is_free(&map, G1, M2 + K4));
	assert_true(kreloc_memmap_is_free(&map, G1 + M2 + M1, G1));
	assert_false(kreloc_memmap_is_free(&map, 4 * G1, K4));
	assert_int_equal(kreloc_memmap_ram_top(&map), 9 * G1);
}

static void test_find_free_basic(void **state)
{
	struct kreloc_range avoid[2] = { { G1 + 4 * M2, M2 }, { G1 + 6 * M2 - 1, 1 } };
	uint64_t at;

	(void)state;
	assert_int_equal(kreloc_memmap_find_free(&map, K4, K4, 0, UINT64_MAX, NULL, 0, &at),
			 KRELOC_E_NO_ROOM);	/* no RAM */
	assert_int_equal(kreloc_memmap_add_ram(&map, G1, G1), 0);
	assert_int_equal(kreloc_memmap_add_reserved(&map, G1, M1), 0);
	assert_int_equal(kreloc_memmap_add_reserved(&map, G1 + M2 + K4, K4), 0);

	assert_int_equal(kreloc_memmap_find_free(&map, K4, K4, 0, UINT64_MAX, NULL, 0, &at), 0);
	assert_int_equal(at, G1 + M1);
	assert_int_equal(kreloc_memmap_find_free(&map, M2, M2, 0, UINT64_MAX, NULL, 0, &at), 0);
	assert_int_equal(at, G1 + 2 * M2);	/* M2 slot at G1+M2 is hit by the 4K reserve */
	/* min */
	assert_int_equal(kreloc_memmap_find_free(&map, K4, K4, G1 + 3 * M2 + 1, UINT64_MAX,
						 NULL, 0, &at), 0);
	assert_int_equal(at, G1 + 3 * M2 + K4);
	/* max: must end at or below */
	assert_int_equal(kreloc_memmap_find_free(&map, M1, K4, 0, G1 + 2 * M1, NULL, 0, &at), 0);
	assert_int_equal(at, G1 + M1);
	assert_int_equal(kreloc_memmap_find_free(&map, M1 + 1, K4, 0, G1 + 2 * M1, NULL, 0, &at),
			 KRELOC_E_NO_ROOM);
	/* avoid list */
	assert_int_equal(kreloc_memmap_find_free(&map, M2, M2, G1 + 4 * M2, UINT64_MAX, avoid, 2,
						 &at), 0);
	assert_int_equal(at, G1 + 6 * M2);
	/* too big */
	assert_int_equal(kreloc_memmap_find_free(&map, G1, K4, 0, UINT64_MAX, NULL, 0, &at),
			 KRELOC_E_NO_ROOM);
	assert_int_equal(kreloc_memmap_find_free(&map, G1 - M1, K4, 0, UINT64_MAX, NULL, 0, &at),
			 KRELOC_E_NO_ROOM);	/* the 4K reserve splits it */
	assert_int_equal(kreloc_memmap_find_free(&map, G1 - M2 - 2 * K4, K4, 0, UINT64_MAX, NULL,
						 0, &at), 0);
	assert_int_equal(at, G1 + M2 + 2 * K4);	/* exactly to the end of the bank */
}

static void test_find_free_invalid(void **state)
{
	struct kreloc_range wrap = { UINT64_MAX - 10, 20 };
	uint64_t at = 0x1234;

	(void)state;
	assert_int_equal(kreloc_memmap_add_ram(&map, G1, G1), 0);
	assert_int_equal(kreloc_memmap_find_free(&map, 0, K4, 0, UINT64_MAX, NULL, 0, &at),
			 KRELOC_E_INVAL);
	assert_int_equal(kreloc_memmap_find_free(&map, K4, 0, 0, UINT64_MAX, NULL, 0, &at),
			 KRELOC_E_INVAL);
	assert_int_equal(kreloc_memmap_find_free(&map, K4, 3 * K4, 0, UINT64_MAX, NULL, 0, &at),
			 KRELOC_E_INVAL);
	assert_int_equal(kreloc_memmap_find_free(&map, K4, K4, 0, UINT64_MAX, NULL, 1, &at),
			 KRELOC_E_INVAL);
	assert_int_equal(kreloc_memmap_find_free(&map, K4, K4, 0, UINT64_MAX, &wrap, 1, &at),
			 KRELOC_E_INVAL);
	assert_int_equal(kreloc_memmap_find(NULL, NULL, &at), KRELOC_E_INVAL);
	assert_int_equal(at, 0x1234);
}

/* min so high that aligning it up wraps: must not wrap to a bank at 0. */
static void test_find_free_align_wrap(void **state)
{
	uint64_t at = 0x1234;

	(void)state;
	assert_int_equal(kreloc_memmap_add_ram(&map, 0, G1), 0);
	assert_int_equal(kreloc_memmap_find_free(&map, K4, K4, UINT64_MAX - 1, UINT64_MAX, NULL, 0,
						 &at), KRELOC_E_NO_ROOM);
	assert_int_equal(at, 0x1234);
	/* a reserve ending near 2^64 must not make the search wrap either */
	setup(NULL);
	assert_int_equal(kreloc_memmap_add_ram(&map, 0, G1), 0);
	assert_int_equal(kreloc_memmap_add_ram(&map, UINT64_MAX - M2 - 0xfff, M2), 0);
	assert_int_equal(kreloc_memmap_add_reserved(&map, UINT64_MAX - M2 - 0xfff, M2), 0);
	assert_int_equal(kreloc_memmap_find_free(&map, K4, M2, G1, UINT64_MAX, NULL, 0, &at),
			 KRELOC_E_NO_ROOM);
	/* a bank in the last 2 MiB: aligning its base up to 2 MiB wraps to 0 */
	setup(NULL);
	assert_int_equal(kreloc_memmap_add_ram(&map, UINT64_MAX - 0x1fff, K4), 0);
	assert_int_equal(kreloc_memmap_find_free(&map, K4, M2, 0, UINT64_MAX, NULL, 0, &at),
			 KRELOC_E_NO_ROOM);
	assert_int_equal(kreloc_memmap_find_free(&map, K4, K4, 0, UINT64_MAX, NULL, 0, &at), 0);
	assert_int_equal(at, UINT64_MAX - 0x1fff);
}

static void test_find_top_down(void **state)
{
	struct kreloc_range avoid[1] = { { 2 * G1 - M2, M2 } };
	struct kreloc_find_req req = {
		.size = M2, .align = M2, .min = 0, .max = UINT64_MAX, .top_down = true,
	};
	uint64_t at;

	(void)state;
	assert_int_equal(kreloc_memmap_add_ram(&map, G1, G1), 0);
	assert_int_equal(kreloc_memmap_add_ram(&map, 4 * G1, M2 + M1), 0);
	assert_int_equal(kreloc_memmap_find(&map, &req, &at), 0);
	assert_int_equal(at, 4 * G1);
	/* a reserve in the high bank: fall back to the lower bank's top */
	assert_int_equal(kreloc_memmap_add_reserved(&map, 4 * G1 + M1, K4), 0);
	assert_int_equal(kreloc_memmap_find(&map, &req, &at), 0);
	assert_int_equal(at, 2 * G1 - M2);
	/* avoid the top slot: the next one down */
	req.avoid = avoid;
	req.nr_avoid = 1;
	assert_int_equal(kreloc_memmap_find(&map, &req, &at), 0);
	assert_int_equal(at, 2 * G1 - 2 * M2);
	/* max bound */
	req.max = G1 + 5 * M2 - 1;
	assert_int_equal(kreloc_memmap_find(&map, &req, &at), 0);
	assert_int_equal(at, G1 + 3 * M2);
	/* min bound above everything that fits */
	req.min = G1 + 3 * M2 + 1;
	assert_int_equal(kreloc_memmap_find(&map, &req, &at), KRELOC_E_NO_ROOM);
	/* reserve at the very bottom of the only bank, search to 0 */
	setup(NULL);
	assert_int_equal(kreloc_memmap_add_ram(&map, 0, 4 * M2), 0);
	assert_int_equal(kreloc_memmap_add_reserved(&map, 0, 4 * M2 - 1), 0);
	memset(&req, 0, sizeof(req));
	req.size = K4;
	req.align = K4;
	req.max = UINT64_MAX;
	req.top_down = true;
	assert_int_equal(kreloc_memmap_find(&map, &req, &at), KRELOC_E_NO_ROOM);
	req.size = 1;
	req.align = 1;
	assert_int_equal(kreloc_memmap_find(&map, &req, &at), 0);
	assert_int_equal(at, 4 * M2 - 1);
	/* a bank at 0 smaller than the request: hi - size must not wrap */
	setup(NULL);
	assert_int_equal(kreloc_memmap_add_ram(&map, 0, K4), 0);
	req.size = 2 * K4;
	req.align = K4;
	assert_int_equal(kreloc_memmap_find(&map, &req, &at), KRELOC_E_NO_ROOM);
	req.size = K4;
	assert_int_equal(kreloc_memmap_find(&map, &req, &at), 0);
	assert_int_equal(at, 0);
}

/*
 * Random maps on a 4 KiB grid in the first 4 MiB: the search must give
 * exactly what a brute-force scan gives, both directions, with and without
 * avoid ranges.
 */
static bool brute_ok(uint64_t pos, const struct kreloc_find_req *req)
{
	if (pos < req->min || pos + req->size > req->max || pos % req->align)
		return false;
	if (!kreloc_memmap_is_free(&map, pos, req->size))
		return false;
	for (unsigned int i = 0; i < req->nr_avoid; i++)
		if (kreloc_ranges_overlap(pos, req->size, req->avoid[i].base, req->avoid[i].size))
			return false;
	return true;
}

static void test_find_random(void **state)
{
	const uint64_t span = 8 * M1;	/* every bank ends below 6 MiB */
	unsigned int seed = 12345;

	(void)state;
	for (int iter = 0; iter < 3000; iter++) {
		struct kreloc_range avoid[3];
		struct kreloc_find_req req;
		int nbank, nres;
		uint64_t at;
		int err;

		setup(NULL);
		nbank = 1 + rand_r(&seed) % 4;
		nres = rand_r(&seed) % 6;
		for (int i = 0; i < nbank; i++)
			kreloc_memmap_add_ram(&map, (uint64_t)(rand_r(&seed) % 1024) * K4,
					      (uint64_t)(1 + rand_r(&seed) % 512) * K4);
		for (int i = 0; i < nres; i++)
			kreloc_memmap_add_reserved(&map, (uint64_t)(rand_r(&seed) % 1024) * K4 +
						   (uint64_t)(rand_r(&seed) % 2) * 17,
						   (uint64_t)(1 + rand_r(&seed) % 64) * K4);
		memset(&req, 0, sizeof(req));
		req.size = (uint64_t)(1 + rand_r(&seed) % 64) * K4 - (uint64_t)(rand_r(&seed) % 2);
		req.align = K4 << (rand_r(&seed) % 6);
		req.min = rand_r(&seed) % 3 ? 0 : (uint64_t)(rand_r(&seed) % 1024) * K4;
		req.max = rand_r(&seed) % 3 ? UINT64_MAX : (uint64_t)(rand_r(&seed) % 1024) * K4;
		req.nr_avoid = rand_r(&seed) % 4;
		for (unsigned int i = 0; i < req.nr_avoid; i++) {
			avoid[i].base = (uint64_t)(rand_r(&seed) % 1024) * K4;
			avoid[i].size = (uint64_t)(rand_r(&seed) % 64) * K4;
		}
		req.avoid = req.nr_avoid ? avoid : NULL;
		req.top_down = rand_r(&seed) % 2;

		uint64_t want = UINT64_MAX;
		bool found = false;

		for (uint64_t pos = 0; pos + req.size <= span; pos += req.align) {
			if (!brute_ok(pos, &req))
				continue;
			if (!found || req.top_down)
				want = pos;
			found = true;
			if (!req.top_down)
				break;
		}
		err = kreloc_memmap_find(&map, &req, &at);
		if (!found) {
			assert_int_equal(err, KRELOC_E_NO_ROOM);
		} else {
			assert_int_equal(err, 0);
			assert_int_equal(at, want);
		}
		if (!req.top_down) {
			uint64_t at2;

			err = kreloc_memmap_find_free(&map, req.size, req.align, req.min, req.max,
						      req.avoid, req.nr_avoid, &at2);
			assert_int_equal(err, found ? 0 : KRELOC_E_NO_ROOM);
			if (found)
				assert_int_equal(at2, want);
		}
	}
}


/* Runs of a page table, and reserving them. */
static void test_page_runs(void **state)
{
	static const uint64_t pa[] = {
		0x10000, 0x11000, 0x12000,	/* a run of 3 */
		0x30000,			/* alone */
		0x2f000,			/* descending: a run of its own */
		0x2f000, 0x30000,		/* the same page again: a new run */
		0xfffffffffffff000ULL, 0,	/* no run wraps past 2^64 */
	};
	static const uint64_t want[][2] = {
		{ 0x10000, 3 }, { 0x30000, 1 }, { 0x2f000, 1 }, { 0x2f000, 2 },
		{ 0xfffffffffffff000ULL, 1 }, { 0, 1 },
	};
	uint8_t table[8 * KRELOC_ARRAY_SIZE(pa)];
	unsigned int r = 0;

	(void)state;
	for (unsigned int i = 0; i < KRELOC_ARRAY_SIZE(pa); i++)
		kreloc_put_le64(table + 8 * i, pa[i]);
	for (uint64_t i = 0; i < KRELOC_ARRAY_SIZE(pa); r++) {
		uint64_t base, n = kreloc_page_run(table, KRELOC_ARRAY_SIZE(pa), i, &base);

		assert_true(r < KRELOC_ARRAY_SIZE(want));
		assert_int_equal(base, want[r][0]);
		assert_int_equal(n, want[r][1]);
		i += n;
	}
	assert_int_equal(r, KRELOC_ARRAY_SIZE(want));
	/* the same runs from an 8-aligned table (word loads) and a misaligned one */
	for (unsigned int shift = 0; shift < 2; shift++) {
		_Alignas(8) uint8_t copy[sizeof(table) + 8];
		const uint8_t *t = copy + (shift ? 3 : 0);

		memcpy(copy + (shift ? 3 : 0), table, sizeof(table));
		r = 0;
		for (uint64_t i = 0; i < KRELOC_ARRAY_SIZE(pa); r++) {
			uint64_t base, n = kreloc_page_run(t, KRELOC_ARRAY_SIZE(pa), i, &base);

			assert_true(r < KRELOC_ARRAY_SIZE(want));
			assert_int_equal(base, want[r][0]);
			assert_int_equal(n, want[r][1]);
			i += n;
		}
		assert_int_equal(r, KRELOC_ARRAY_SIZE(want));
	}

	/* the first seven entries: [0x10000, 0x13000) and [0x2f000, 0x31000) */
	assert_int_equal(kreloc_memmap_add_pages(&map, table, 7), 0);
	assert_int_equal(map.nr_reserved, 2);
	assert_int_equal(map.reserved[0].base, 0x10000);
	assert_int_equal(map.reserved[0].size, 3 * K4);
	assert_int_equal(map.reserved[1].base, 0x2f000);
	assert_int_equal(map.reserved[1].size, 2 * K4);
	/* room for KRELOC_MEMMAP_MAX_RESERVED ranges, then NOSPACE */
	for (unsigned int i = 0; i < KRELOC_ARRAY_SIZE(table) / 8; i++)
		kreloc_put_le64(table + 8 * i, 0x100000 + 2 * K4 * (map.nr_reserved + i));
	while (map.nr_reserved + KRELOC_ARRAY_SIZE(pa) <= KRELOC_MEMMAP_MAX_RESERVED) {
		unsigned int before = map.nr_reserved;

		assert_int_equal(kreloc_memmap_add_pages(&map, table, KRELOC_ARRAY_SIZE(pa)), 0);
		assert_int_equal(map.nr_reserved, before + KRELOC_ARRAY_SIZE(pa));
		for (unsigned int i = 0; i < KRELOC_ARRAY_SIZE(pa); i++)
			kreloc_put_le64(table + 8 * i, 0x100000 + 2 * K4 * (map.nr_reserved + i));
	}
	assert_int_equal(kreloc_memmap_add_pages(&map, table, KRELOC_ARRAY_SIZE(pa)),
			 KRELOC_E_NOSPACE);
	assert_true(KRELOC_MEMMAP_MAX_RESERVED >= 64 + 256);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_init, setup),
		cmocka_unit_test_setup(test_insert_sorted, setup),
		cmocka_unit_test_setup(test_merge, setup),
		cmocka_unit_test_setup(test_zero_and_overflow, setup),
		cmocka_unit_test_setup(test_nospace, setup),
		cmocka_unit_test_setup(test_queries, setup),
		cmocka_unit_test_setup(test_find_free_basic, setup),
		cmocka_unit_test_setup(test_find_free_invalid, setup),
		cmocka_unit_test_setup(test_find_free_align_wrap, setup),
		cmocka_unit_test_setup(test_find_top_down, setup),
		cmocka_unit_test_setup(test_find_random, setup),
		cmocka_unit_test_setup(test_page_runs, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
