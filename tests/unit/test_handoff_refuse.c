// SPDX-License-Identifier: MIT
/*
 * test_handoff_refuse.c - every way kreloc_handoff_plan() refuses, each from
 * a baseline that plans fine, changed in one thing; and the refusals of
 * stage() and prepare() (among them the cache contract's).  A refused plan
 * must not have taken a single page from the allocator.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>

#include "handoff_fixture.h"

#define K4	0x1000ULL
#define M1	0x100000ULL
#define M2	0x200000ULL
#define G1	0x40000000ULL

static struct world w;

/* 256 MiB at 1 GiB; a 1 MiB Image (image_size 2 MiB, 4K pages, anywhere); 512 KiB initrd. */
static void baseline(unsigned int mode, unsigned int shift, uint64_t mmfr0)
{
	uint64_t r = 5;

	world_free(&w);
	w.nr_ram = 1;
	w.ram[0] = (struct kreloc_range){ G1, 256 * M1 };
	make_fdt(&w, &r);
	make_image(&w, M1, 0, M2, 0xa);
	make_initrd(&w, 512 * 1024);
	snprintf(w.cmdline, sizeof(w.cmdline), "console=ttyAMA0");
	world_setup(&w, mode, shift, 1, mmfr0, 0);
}

static int teardown(void **state)
{
	(void)state;
	world_free(&w);
	return 0;
}

/* plan() returns @err and took no page. */
static void refused(int err)
{
	int got = kreloc_handoff_plan(&w.h, &w.p);

	if (got != err)
		fail_msg("plan returned %s, expected %s", kreloc_errname(got), kreloc_errname(err));
	assert_int_equal(w.alloc.calls, 0);
}

static void test_baseline_plans(void **state)
{
	(void)state;
	baseline(KRELOC_MODE_MMU, 12, MMFR0_ALL);
	assert_int_equal(kreloc_handoff_plan(&w.h, &w.p), 0);
	assert_int_equal(w.alloc.calls, 0);	/* plan never allocates */
	world_memory(&w, 1, NULL);
	assert_int_equal(kreloc_handoff_stage(&w.h), 0);
	assert_int_equal(kreloc_handoff_prepare(&w.h, kreloc_sim_phys_read, w.alloc.sim), 0);
}

static void test_refuse_inval(void **state)
{
	(void)state;
	baseline(KRELOC_MODE_MMU, 12, MMFR0_ALL);
	assert_int_equal(kreloc_handoff_plan(NULL, &w.p), KRELOC_E_INVAL);
	assert_int_equal(kreloc_handoff_plan(&w.h, NULL), KRELOC_E_INVAL);
#define INVAL(stmt) do { baseline(KRELOC_MODE_MMU, 12, MMFR0_ALL); stmt; refused(KRELOC_E_INVAL); } while (0)
	INVAL(w.h.map = NULL);
	INVAL(w.h.alloc = NULL);
	INVAL(w.p.image = NULL);
	INVAL(w.p.fdt = NULL);
	INVAL(w.p.fdt_buf = NULL);
	INVAL(w.p.initrd = NULL);
	INVAL(w.h.el = 0);
	INVAL(w.h.el = 3);
	INVAL(w.h.mode = KRELOC_MODE_DEFAULT);
	INVAL(w.h.mode = 3);
	INVAL(w.p.nr_preserve = KRELOC_HANDOFF_MAX_PRESERVE + 1);
	INVAL((w.p.preserve = NULL, w.p.nr_preserve = 1));
#undef INVAL
}

static void test_refuse_image(void **state)
{
	(void)state;
	baseline(KRELOC_MODE_MMU, 12, MMFR0_ALL);
	w.image[56] ^= 1;
	refused(KRELOC_E_IMAGE_MAGIC);

	baseline(KRELOC_MODE_MMU, 12, MMFR0_ALL);
	w.p.image_len = 40;
	refused(KRELOC_E_IMAGE_TRUNCATED);

	baseline(KRELOC_MODE_MMU, 12, MMFR0_ALL);
	w.image[24] |= 1;			/* big-endian */
	refused(KRELOC_E_IMAGE_BIG_ENDIAN);

	baseline(KRELOC_MODE_MMU, 12, MMFR0_ALL);
	w.image[24] |= 0x10;			/* reserved flag */
	refused(KRELOC_E_IMAGE_FLAGS);

	baseline(KRELOC_MODE_MMU, 12, MMFR0_ALL);
	kreloc_put_le64(w.image + 8, 0x800);	/* text_offset not page aligned */
	refused(KRELOC_E_IMAGE_TEXT_OFFSET);

	baseline(KRELOC_MODE_MMU, 12, MMFR0_ALL);
	kreloc_put_le64(w.image + 16, M1 / 2);	/* image_size below the file */
	refused(KRELOC_E_IMAGE_SIZE);

	/* A 16K-page kernel on a CPU without 16K pages, in either mode. */
	baseline(KRELOC_MODE_CLASSIC, 12, MMFR0_A53);
	kreloc_put_le64(w.image + 24, 0x4 | 0x8);
	refused(KRELOC_E_IMAGE_PAGE_SIZE);
	baseline(KRELOC_MODE_MMU, 12, MMFR0_A53);
	kreloc_put_le64(w.image + 24, 0x4 | 0x8);
	refused(KRELOC_E_IMAGE_PAGE_SIZE);
}

static void test_refuse_granule(void **state)
{
	(void)state;
	baseline(KRELOC_MODE_MMU, 14, MMFR0_A53);
	refused(KRELOC_E_XLAT_GRANULE);
	baseline(KRELOC_MODE_MMU, 13, MMFR0_ALL);
	refused(KRELOC_E_XLAT_GRANULE);
	/* Classic mode builds no tables: the granule does not matter. */
	baseline(KRELOC_MODE_CLASSIC, 14, MMFR0_A53);
	assert_int_equal(kreloc_handoff_plan(&w.h, &w.p), 0);
}

static void test_refuse_fdt_room(void **state)
{
	(void)state;
	baseline(KRELOC_MODE_MMU, 12, MMFR0_ALL);
	world_setup(&w, KRELOC_MODE_MMU, 12, 1, MMFR0_ALL,
		    kreloc_fdt_used_size(w.fdt.b) + KRELOC_HANDOFF_FDT_ROOM - 1);
	refused(KRELOC_E_FDT_NO_SPACE);
}

static void test_refuse_no_room(void **state)
{
	(void)state;
	baseline(KRELOC_MODE_MMU, 12, MMFR0_ALL);
	kreloc_put_le64(w.image + 16, 512 * M1);	/* needs more than all RAM */
	refused(KRELOC_E_NO_ROOM);
}

static void test_refuse_initrd_window(void **state)
{
	uint64_t r = 9;

	(void)state;
	/* Only the far bank holds the initrd, 64 GiB away from the kernel's window. */
	baseline(KRELOC_MODE_MMU, 12, MMFR0_ALL);
	w.nr_ram = 2;
	w.ram[0] = (struct kreloc_range){ G1, 64 * M1 };
	w.ram[1] = (struct kreloc_range){ G1 + 64 * G1, 256 * M1 };
	make_fdt(&w, &r);
	make_image(&w, M1, 0, M2, 0x2);		/* not "anywhere": as low as possible */
	make_initrd(&w, 100 * M1);
	world_setup(&w, KRELOC_MODE_MMU, 12, 1, MMFR0_ALL, 0);
	refused(KRELOC_E_INITRD_WINDOW);
}

/* RAM above 2^48 on a 52-bit CPU: the tables cannot map it, in MMU mode only. */
static void test_refuse_pa_52bit(void **state)
{
	uint64_t r = 13;

	(void)state;
	baseline(KRELOC_MODE_MMU, 12, MMFR0_ALL);
	w.nr_ram = 2;
	w.ram[1] = (struct kreloc_range){ 1ULL << 48, 256 * M1 };
	make_fdt(&w, &r);
	world_setup(&w, KRELOC_MODE_MMU, 12, 1, MMFR0_ALL + 1, 0);	/* PARange 52 bits */
	refused(KRELOC_E_XLAT_PA_52BIT);
	world_setup(&w, KRELOC_MODE_MMU, 16, 1, MMFR0_ALL + 1, 0);
	refused(KRELOC_E_XLAT_PA_52BIT);
	world_setup(&w, KRELOC_MODE_CLASSIC, 12, 1, MMFR0_ALL + 1, 0);
	assert_int_equal(kreloc_handoff_plan(&w.h, &w.p), 0);
}

/* Room to place everything, not to stage it: refused before any page is taken. */
static void test_refuse_nomem(void **state)
{
	uint64_t r = 11;

	(void)state;
	for (unsigned int mode = KRELOC_MODE_MMU; mode <= KRELOC_MODE_CLASSIC; mode++) {
		baseline(mode, 12, MMFR0_ALL);
		w.ram[0].size = 6 * M1;
		make_fdt(&w, &r);
		make_image(&w, 1900 * 1024, 0, M2, 0xa);
		make_initrd(&w, 1900 * 1024);
		world_setup(&w, mode, 12, 1, MMFR0_ALL, 0);
		refused(KRELOC_E_NOMEM);
		assert_int_equal(w.h.ki.head, 0);
		/* The same payload with twice the RAM plans. */
		w.ram[0].size = 12 * M1;
		make_fdt(&w, &r);
		world_setup(&w, mode, 12, 1, MMFR0_ALL, 0);
		assert_int_equal(kreloc_handoff_plan(&w.h, &w.p), 0);
	}
}

/* The memory map is full: plan() cannot reserve the partial granules. */
static void test_refuse_map_full(void **state)
{
	(void)state;
	baseline(KRELOC_MODE_MMU, 16, MMFR0_ALL);
	w.ram[0].size = 256 * M1 + 4 * K4;		/* ends inside a 64K granule */
	{
		uint64_t r = 3;

		make_fdt(&w, &r);
	}
	world_setup(&w, KRELOC_MODE_MMU, 16, 1, MMFR0_ALL, 0);
	while (w.map.nr_reserved < KRELOC_MEMMAP_MAX_RESERVED)
		assert_int_equal(kreloc_memmap_add_reserved(&w.map, G1 + 128 * M1 +
							    w.map.nr_reserved * 2 * K4, K4), 0);
	refused(KRELOC_E_NOSPACE);
}

static void test_stage_nomem(void **state)
{
	struct kreloc_sim_alloc_cfg cfg = { .limit_pages = 10 };

	(void)state;
	baseline(KRELOC_MODE_MMU, 12, MMFR0_ALL);
	assert_int_equal(kreloc_handoff_plan(&w.h, &w.p), 0);
	world_memory(&w, 1, &cfg);
	assert_int_equal(kreloc_handoff_stage(&w.h), KRELOC_E_NOMEM);
	assert_int_equal(w.h.ki.head, 0);
	/* Nothing staged: prepare refuses. */
	assert_int_equal(kreloc_handoff_prepare(&w.h, kreloc_sim_phys_read, w.alloc.sim),
			 KRELOC_E_INVAL);
}

/* The allocator runs dry right after staging: no control page. */
static void test_prepare_nomem(void **state)
{
	struct kreloc_sim_alloc_cfg cfg = { 0 };

	(void)state;
	for (unsigned int mode = KRELOC_MODE_MMU; mode <= KRELOC_MODE_CLASSIC; mode++) {
		baseline(mode, 12, MMFR0_ALL);
		assert_int_equal(kreloc_handoff_plan(&w.h, &w.p), 0);
		world_memory(&w, 1, NULL);
		assert_int_equal(kreloc_handoff_stage(&w.h), 0);
		cfg.limit_pages = kreloc_sim_allocated(w.alloc.sim);

		baseline(mode, 12, MMFR0_ALL);
		assert_int_equal(kreloc_handoff_plan(&w.h, &w.p), 0);
		world_memory(&w, 1, &cfg);
		assert_int_equal(kreloc_handoff_stage(&w.h), 0);
		assert_int_equal(kreloc_handoff_prepare(&w.h, kreloc_sim_phys_read, w.alloc.sim),
				 KRELOC_E_NOMEM);
	}
}

static void test_prepare_inval(void **state)
{
	(void)state;
	baseline(KRELOC_MODE_MMU, 12, MMFR0_ALL);
	assert_int_equal(kreloc_handoff_plan(&w.h, &w.p), 0);
	world_memory(&w, 1, NULL);
	assert_int_equal(kreloc_handoff_stage(&w.h), 0);
	assert_int_equal(kreloc_handoff_prepare(&w.h, NULL, NULL), KRELOC_E_INVAL);
}

/*
 * The cache contract (handoff.h): an undeclared (or unknown) staging, and
 * staging written uncached into blocks nobody cleaned, are refused before
 * prepare() takes a page; the two declarations that keep it prepare.
 */
static void test_prepare_cache_contract(void **state)
{
	static const struct {
		enum kreloc_staging staging;
		bool cleaned;
		int err;
	} c[] = {
		{ KRELOC_STAGING_UNDECLARED, false, KRELOC_E_CACHE_CONTRACT },
		{ KRELOC_STAGING_UNDECLARED, true, KRELOC_E_CACHE_CONTRACT },
		{ KRELOC_STAGING_UNCACHED, false, KRELOC_E_CACHE_CONTRACT },
		{ KRELOC_STAGING_UNCACHED + 1, true, KRELOC_E_CACHE_CONTRACT },
		{ KRELOC_STAGING_UNCACHED, true, 0 },
		{ KRELOC_STAGING_CACHED, false, 0 },
	};

	(void)state;
	for (unsigned int mode = KRELOC_MODE_MMU; mode <= KRELOC_MODE_CLASSIC; mode++) {
		for (unsigned int i = 0; i < KRELOC_ARRAY_SIZE(c); i++) {
			uint64_t calls;
			int got;

			baseline(mode, 12, MMFR0_ALL);
			w.h.staging = c[i].staging;
			w.h.staging_cleaned = c[i].cleaned;
			assert_int_equal(kreloc_handoff_plan(&w.h, &w.p), 0);
			world_memory(&w, 1, NULL);
			assert_int_equal(kreloc_handoff_stage(&w.h), 0);
			calls = w.alloc.calls;
			got = kreloc_handoff_prepare(&w.h, kreloc_sim_phys_read, w.alloc.sim);
			if (got != c[i].err)
				fail_msg("mode %u, staging %d, cleaned %d: prepare returned %s, expected %s",
					 mode, (int)c[i].staging, c[i].cleaned, kreloc_errname(got),
					 kreloc_errname(c[i].err));
			if (got)
				assert_int_equal(w.alloc.calls, calls);	/* no control page taken */
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_baseline_plans, teardown),
		cmocka_unit_test_teardown(test_refuse_inval, teardown),
		cmocka_unit_test_teardown(test_refuse_image, teardown),
		cmocka_unit_test_teardown(test_refuse_granule, teardown),
		cmocka_unit_test_teardown(test_refuse_fdt_room, teardown),
		cmocka_unit_test_teardown(test_refuse_no_room, teardown),
		cmocka_unit_test_teardown(test_refuse_initrd_window, teardown),
		cmocka_unit_test_teardown(test_refuse_pa_52bit, teardown),
		cmocka_unit_test_teardown(test_refuse_nomem, teardown),
		cmocka_unit_test_teardown(test_refuse_map_full, teardown),
		cmocka_unit_test_teardown(test_stage_nomem, teardown),
		cmocka_unit_test_teardown(test_prepare_nomem, teardown),
		cmocka_unit_test_teardown(test_prepare_inval, teardown),
		cmocka_unit_test_teardown(test_prepare_cache_contract, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
