// SPDX-License-Identifier: MIT
/*
 * test_sim_model.c - the simulator itself: memory model, allocator, and
 * every fault the executor and checker report, on hand-built lists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include <kreloc/kimage.h>

#include "sim.h"

#define K4	0x1000ULL
#define G1	0x40000000ULL
#define D	KRELOC_IND_DESTINATION
#define S	KRELOC_IND_SOURCE
#define I	KRELOC_IND_INDIRECTION
#define DONE	KRELOC_IND_DONE

static struct kreloc_sim *small_sim(uint64_t seed)
{
	struct kreloc_memmap m;

	kreloc_memmap_init(&m);
	assert_int_equal(kreloc_memmap_add_ram(&m, G1, 64 * K4), 0);
	assert_int_equal(kreloc_memmap_add_ram(&m, 4 * G1, 64 * K4), 0);
	assert_int_equal(kreloc_memmap_add_reserved(&m, G1 + 8 * K4, 8 * K4), 0);
	return kreloc_sim_new(&m, seed);
}

static void test_memory(void **state)
{
	struct kreloc_sim *sim = small_sim(1);
	uint8_t a[3 * 4096], b[3 * 4096];
	uint8_t *v;

	(void)state;
	/* Never-written memory reads the address-derived pattern, not zero. */
	kreloc_sim_read(sim, 0x1234, a, sizeof(a));
	kreloc_sim_pattern(0x1234, b, sizeof(b));
	assert_memory_equal(a, b, sizeof(a));
	kreloc_sim_pattern(0x1235, b, sizeof(b));
	assert_memory_not_equal(a, b, sizeof(a));
	assert_true(kreloc_sim_unchanged(sim, 0x1234, sizeof(a)));
	/* Byte-exact writes across page boundaries. */
	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = (uint8_t)(i * 13);
	kreloc_sim_write(sim, 0x10ff0, a, sizeof(a));
	kreloc_sim_read(sim, 0x10ff0, b, sizeof(b));
	assert_memory_equal(a, b, sizeof(a));
	assert_false(kreloc_sim_unchanged(sim, 0x10ff0, 1));
	assert_true(kreloc_sim_unchanged(sim, 0x10fe0, 0x10));		/* just before */
	assert_true(kreloc_sim_unchanged(sim, 0x10ff0 + sizeof(a), 0x100));	/* just after */
	/* A contiguous view keeps what was there and writes through. */
	v = kreloc_sim_map(sim, 0x10000, 4 * K4);
	assert_non_null(v);
	assert_memory_equal(v + 0xff0, a, sizeof(a));
	v[0] = 0x5a;
	kreloc_sim_read(sim, 0x10000, b, 1);
	assert_int_equal(b[0], 0x5a);
	kreloc_sim_write(sim, 0x13000, "xyz", 3);
	assert_memory_equal(v + 0x3000, "xyz", 3);
	assert_ptr_equal(kreloc_sim_phys_read(sim, 0x13000, 3), v + 0x3000);
	/* Reads across separately backed pages still come back whole. */
	kreloc_sim_write(sim, 0x20ffe, "ab", 2);
	kreloc_sim_write(sim, 0x21000, "cd", 2);
	assert_memory_equal(kreloc_sim_phys_read(sim, 0x20ffe, 4), "abcd", 4);
	assert_null(kreloc_sim_map(sim, 0x10010, K4));
	kreloc_sim_free(sim);
}

static void test_alloc(void **state)
{
	struct kreloc_sim *sim = small_sim(7);
	struct kreloc_memmap m;
	uint64_t seen[128], pa, ascending = 0;
	unsigned int n = 0;
	uint8_t *p;

	(void)state;
	kreloc_memmap_init(&m);
	assert_int_equal(kreloc_memmap_add_ram(&m, G1, 64 * K4), 0);
	assert_int_equal(kreloc_memmap_add_ram(&m, 4 * G1, 64 * K4), 0);
	assert_int_equal(kreloc_memmap_add_reserved(&m, G1 + 8 * K4, 8 * K4), 0);
	kreloc_sim_busy(sim, 4 * G1, 4 * K4);
	/* 128 pages of RAM, 8 reserved, 4 busy: exactly 116 to hand out. */
	while ((p = kreloc_sim_alloc(sim, K4, &pa))) {
		assert_true(n < 116);
		assert_true(KRELOC_ALIGNED(pa, K4));
		assert_true(kreloc_memmap_is_free(&m, pa, K4));
		assert_false(pa >= 4 * G1 && pa < 4 * G1 + 4 * K4);
		for (unsigned int i = 0; i < K4; i++)
			assert_int_equal(p[i], 0);
		for (unsigned int i = 0; i < n; i++)
			assert_true(seen[i] != pa);
		if (n && pa > seen[n - 1])
			ascending++;
		p[0] = 1;		/* the page is ours to write */
		seen[n++] = pa;
	}
	assert_int_equal(n, 116);
	assert_int_equal(kreloc_sim_allocated(sim), 116);
	assert_true(ascending < n - 10);	/* scattered, not in address order */
	kreloc_sim_free(sim);

	/* Larger blocks are aligned to their size; limits are honoured. */
	sim = small_sim(8);
	{
		struct kreloc_sim_alloc_cfg cfg = { .limit_pages = 20 };

		kreloc_sim_alloc_config(sim, &cfg);
	}
	p = kreloc_sim_alloc(sim, 0x10000, &pa);
	assert_non_null(p);
	assert_true(KRELOC_ALIGNED(pa, 0x10000));
	assert_false(kreloc_memmap_is_reserved(&m, pa, 0x10000));
	assert_non_null(kreloc_sim_alloc(sim, 0x4000, &pa));
	assert_true(KRELOC_ALIGNED(pa, 0x4000));
	assert_null(kreloc_sim_alloc(sim, 0x4000, &pa));	/* 16 + 4 + 4 > 20 */
	assert_null(kreloc_sim_alloc(sim, K4, &pa));		/* 16 + 4 + 1 > 20 */
	assert_null(kreloc_sim_alloc(sim, 0x800, &pa));
	kreloc_sim_free(sim);
}

/* Build a one-page list at @lp in the sim. */
static void put_list(struct kreloc_sim *sim, uint64_t lp, const uint64_t *e, unsigned int n)
{
	uint8_t z[4096] = { 0 };

	kreloc_sim_write(sim, lp, z, K4);
	kreloc_sim_write(sim, lp, e, n * 8);
}

static int run_list(struct kreloc_sim *sim, uint64_t lp, const struct kreloc_segment *segs,
		    unsigned int n, const uint64_t *e, unsigned int ne,
		    struct kreloc_sim_result *res)
{
	put_list(sim, lp, e, ne);
	return kreloc_sim_execute(sim, lp | I, segs, n, 0, res);
}

#define RUN(segs, n, ...) \
	run_list(sim, LP, segs, n, (const uint64_t[]){ __VA_ARGS__ }, \
		 sizeof((const uint64_t[]){ __VA_ARGS__ }) / 8, &res)

#define LP	(4 * G1 + 60 * K4)
#define SP	(4 * G1 + 50 * K4)
#define DP	(G1 + 32 * K4)

static void test_exec_faults(void **state)
{
	struct kreloc_segment seg[2] = {
		{ NULL, 0, DP, 2 * K4, NULL }, { NULL, 0, DP + 8 * K4, K4, NULL },
	};
	struct kreloc_sim_result res;
	struct kreloc_sim *sim;
	uint8_t page[4096];

	(void)state;
	for (unsigned int i = 0; i < K4; i++)
		page[i] = (uint8_t)(i ^ 0x5a);

	/* A correct run: a copy, a skipped in-place page, content verified. */
	sim = small_sim(1);
	kreloc_sim_write(sim, SP, page, K4);
	kreloc_sim_write(sim, DP + K4, page, K4);	/* staged in place */
	assert_int_equal(RUN(seg, 1, DP | D, SP | S, (DP + K4) | S, DONE), 0);
	assert_int_equal(res.copies, 1);
	assert_int_equal(res.skipped, 1);
	assert_int_equal(res.steps, 5);
	assert_int_equal(res.list_pages, 1);
	{
		struct kreloc_segment ex = { NULL, 0, DP, 2 * K4, NULL };
		uint8_t two[2 * 4096];

		memcpy(two, page, K4);
		memcpy(two + K4, page, K4);
		ex.buf = two;
		ex.bufsz = 2 * K4;
		assert_int_equal(kreloc_sim_verify(sim, &ex, 1, &res), 0);
		assert_int_equal(res.pages_checked, 2);
		two[K4 + 7] ^= 1;			/* one byte off: caught */
		assert_int_equal(kreloc_sim_verify(sim, &ex, 1, &res), -1);
		assert_int_equal(res.fault, KRELOC_SIM_CONTENT);
		assert_int_equal(res.fault_pa, DP + K4);
		ex.bufsz = 2 * K4 - 1;			/* the last byte must then be 0 */
		two[K4 + 7] ^= 1;
		assert_int_equal(kreloc_sim_verify(sim, &ex, 1, &res), -1);
	}
	/* Nothing outside the destination changed. */
	assert_true(kreloc_sim_unchanged(sim, DP - K4, K4));
	assert_true(kreloc_sim_unchanged(sim, DP + 2 * K4, K4));
	kreloc_sim_free(sim);

	/* Each fault, on a fresh model. */
#define FAULT(f, segs, n, ...) do { \
	sim = small_sim(2); \
	assert_int_equal(RUN(segs, n, __VA_ARGS__), -1); \
	assert_int_equal(res.fault, f); \
	assert_true(res.msg[0] != 0); \
	kreloc_sim_free(sim); \
} while (0)
	FAULT(KRELOC_SIM_SOURCE_FIRST, seg, 1, SP | S, DONE);
	FAULT(KRELOC_SIM_BAD_ENTRY, seg, 1, DP | D, SP | S | D, DONE);
	FAULT(KRELOC_SIM_BAD_ENTRY, seg, 1, DP | D, SP | S, 0);
	FAULT(KRELOC_SIM_BAD_ENTRY, seg, 1, (DP + 0x10) | D, DONE);
	FAULT(KRELOC_SIM_OUTSIDE_WRITE, seg, 1, (DP + 2 * K4) | D, SP | S, DONE);
	/* In place, but the page is no destination (a shifted DESTINATION
	 * landing on a shared zero source page did this). */
	FAULT(KRELOC_SIM_OUTSIDE_WRITE, seg, 1, SP | D, SP | S, DONE);
	FAULT(KRELOC_SIM_DOUBLE_WRITE, seg, 1, DP | D, SP | S, DP | D, SP | S, DONE);
	FAULT(KRELOC_SIM_WRAP, NULL, 0, 0xfffffffffffff000ULL | D, SP | S, DONE);
	/* A self loop runs into the step bound. */
	FAULT(KRELOC_SIM_STEP_LIMIT, seg, 1, DP | D, LP | I);
	/* The copy for segment 0 overwrites the source segment 1 reads later. */
	{
		struct kreloc_segment two[2] = { { NULL, 0, DP, 2 * K4, NULL },
						 { NULL, 0, DP + 8 * K4, K4, NULL } };

		FAULT(KRELOC_SIM_CLOBBERED_READ, two, 2, DP | D, SP | S, SP | S,
		      (DP + 8 * K4) | D, DP | S, DONE);
		/* Reading it before the write is fine (the swap Linux relies on). */
		sim = small_sim(2);
		assert_int_equal(RUN(two, 2, (DP + 8 * K4) | D, DP | S, DP | D, SP | S, SP | S,
				     DONE), 0);
		kreloc_sim_free(sim);
	}
	/* The copy overwrites the list page itself before DONE is read. */
	{
		struct kreloc_segment over = { NULL, 0, LP, K4, NULL };

		FAULT(KRELOC_SIM_CLOBBERED_READ, &over, 1, LP | D, SP | S, DONE);
	}
	/* A page that must survive (control page) is written. */
	sim = small_sim(4);
	kreloc_sim_protect(sim, DP + K4, K4);
	assert_int_equal(RUN(seg, 1, DP | D, SP | S, SP | S, DONE), -1);
	assert_int_equal(res.fault, KRELOC_SIM_PROTECTED_WRITE);
	assert_int_equal(res.fault_pa, DP + K4);
	kreloc_sim_free(sim);
	/* A head that is not an indirection. */
	sim = small_sim(5);
	assert_int_equal(kreloc_sim_execute(sim, DP | D, seg, 1, 0, &res), -1);
	assert_int_equal(res.fault, KRELOC_SIM_BAD_ENTRY);
	kreloc_sim_free(sim);
#undef FAULT
}

static void test_exec_off_page(void **state)
{
	uint64_t e[KRELOC_IND_SLOTS];
	struct kreloc_segment big = { NULL, 0, G1 + 16 * K4, 40 * K4, NULL };
	struct kreloc_sim_result res;
	struct kreloc_sim *sim = small_sim(6);

	(void)state;
	/* 511 DESTINATIONs then one SOURCE: the page ends without a link or DONE. */
	for (unsigned int i = 0; i < KRELOC_IND_SLOTS - 1; i++)
		e[i] = (G1 + 16 * K4) | D;
	e[KRELOC_IND_SLOTS - 1] = SP | S;
	put_list(sim, LP, e, KRELOC_IND_SLOTS);
	assert_int_equal(kreloc_sim_execute(sim, LP | I, &big, 1, 10000, &res), -1);
	assert_int_equal(res.fault, KRELOC_SIM_OFF_PAGE);
	assert_int_equal(res.copies, 1);
	kreloc_sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_alloc),
		cmocka_unit_test(test_exec_faults),
		cmocka_unit_test(test_exec_off_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
