// SPDX-License-Identifier: MIT
/*
 * test_handoff_pages.c - where a hand-off's own pages (staged sources, list,
 * zero page, control page, transitional tables) may lie, and what the
 * tables map: never in the next kernel's image_size past its file (its
 * BSS, first page tables and early stacks), never over no-map memory; and
 * the fall back to classic mode when there is no memory for the tables.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>

#include <kreloc/xlat.h>

#include "handoff_fixture.h"

#define K4	0x1000ULL
#define M1	0x100000ULL
#define G1	0x40000000ULL

static struct world w;

static int teardown(void **state)
{
	(void)state;
	world_free(&w);
	return 0;
}

/* The pages a hand-off writes and the trampoline reads, other than destinations. */
struct used {
	struct kreloc_range r[4096];
	const char *what[4096];
	unsigned int n;
};

static void use(struct used *u, uint64_t base, uint64_t size, const char *what)
{
	assert_true(u->n < KRELOC_ARRAY_SIZE(u->r));
	u->what[u->n] = what;
	u->r[u->n++] = (struct kreloc_range){ base, size };
}

static uint64_t desc_at(uint64_t table, uint64_t i)
{
	const uint8_t *p = kreloc_sim_phys_read(w.alloc.sim, table + 8 * i, 8);

	assert_non_null(p);
	return kreloc_le64(p);
}

/* Every table page below the level-@level table at @pa. */
static void use_tables(struct used *u, uint64_t pa, unsigned int level)
{
	const struct kreloc_xlat *x = &w.h.xlat;
	unsigned int g = x->granule_shift;
	uint64_t n = level == x->start_level ?
		     1ULL << (x->va_bits - kreloc_xlat_level_shift(g, level)) : 1ULL << (g - 3);

	use(u, pa, 1ULL << g, "table");
	if (level == 3)
		return;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t d = desc_at(pa, i);

		if ((d & 3) == 3)
			use_tables(u, d & (((1ULL << 48) - 1) & ~((1ULL << g) - 1)), level + 1);
	}
}

/* List pages, sources not staged in place, the zero page, control page, tables. */
static void collect(struct used *u)
{
	const struct kreloc_handoff *h = &w.h;
	uint64_t e = h->ki.head, cursor = 0, list = 0;
	unsigned int slot = 0;

	u->n = 0;
	while (!(e & KRELOC_IND_DONE)) {
		uint64_t pa = e & ~(K4 - 1);

		if (e & KRELOC_IND_DESTINATION) {
			cursor = pa;
		} else if (e & KRELOC_IND_INDIRECTION) {
			use(u, pa, K4, "list");
			list = pa;
			slot = 0;
		} else if (e & KRELOC_IND_SOURCE) {
			if (pa != cursor && pa != h->ki.zero_page)
				use(u, pa, K4, "source");
			cursor += K4;
		}
		e = desc_at(list, slot++);
	}
	if (h->ki.zero_page)
		use(u, h->ki.zero_page, K4, "zero");
	use(u, h->control, h->mode == KRELOC_MODE_MMU ? 1ULL << h->granule_shift : K4, "control");
	if (h->mode == KRELOC_MODE_MMU)
		use_tables(u, h->xlat.root_pa, h->xlat.start_level);
}

/* 64 MiB at 1 GiB; a 1 MiB Image whose image_size is 24 MiB; 512 KiB initrd. */
static void big_bss_world(unsigned int mode, unsigned int shift)
{
	uint64_t r = 7;

	world_free(&w);
	w.nr_ram = 1;
	w.ram[0] = (struct kreloc_range){ G1, 64 * M1 };
	make_fdt(&w, &r);
	make_image(&w, M1 + 123, 0, 24 * M1, 0xa);
	make_initrd(&w, 512 * 1024);
	snprintf(w.cmdline, sizeof(w.cmdline), "console=ttyAMA0");
	world_setup(&w, mode, shift, 1, MMFR0_ALL, 0);
}

/*
 * Item 1 of issue 12: the kernel segment is the whole image_size, and no
 * page of the hand-off lies in [load + file, load + image_size).
 */
static void test_kernel_segment_is_image_size(void **state)
{
	static const unsigned int shifts[] = { 12, 14, 16 };
	static struct used u;

	(void)state;
	for (unsigned int mode = KRELOC_MODE_MMU; mode <= KRELOC_MODE_CLASSIC; mode++) {
		for (unsigned int s = 0; s < KRELOC_ARRAY_SIZE(shifts); s++) {
			for (uint64_t seed = 1; seed <= 4; seed++) {
				struct kreloc_sim_result res;
				uint64_t lo, hi;

				big_bss_world(mode, shifts[s]);
				assert_int_equal(kreloc_handoff_plan(&w.h, &w.p), 0);
				assert_int_equal(w.h.segs[0].bufsz, w.image_len);
				assert_int_equal(w.h.segs[0].memsz, 24 * M1);
				world_memory(&w, seed, NULL);
				assert_int_equal(kreloc_handoff_stage(&w.h), 0);
				assert_int_equal(kreloc_handoff_prepare(&w.h, kreloc_sim_phys_read,
									w.alloc.sim), 0);
				lo = w.h.place.kernel_load + KRELOC_ALIGN_UP(w.image_len, K4);
				hi = w.h.place.kernel_load + 24 * M1;
				collect(&u);
				for (unsigned int i = 0; i < u.n; i++)
					if (kreloc_ranges_overlap(u.r[i].base, u.r[i].size, lo, hi - lo))
						fail_msg("%s page 0x%llx in the kernel's BSS "
							 "[0x%llx, 0x%llx)", u.what[i],
							 (unsigned long long)u.r[i].base,
							 (unsigned long long)lo,
							 (unsigned long long)hi);
				/* ... and the relocation zero-fills it. */
				if (kreloc_sim_run(w.alloc.sim, w.h.ki.head, w.h.segs, w.h.nr_segs,
						   &res))
					fail_msg("%s", res.msg);
				for (uint64_t pa = lo; pa < hi; pa += 61 * K4) {
					uint8_t b[K4], z[K4] = { 0 };

					kreloc_sim_read(w.alloc.sim, pa, b, K4);
					assert_memory_equal(b, z, K4);
				}
			}
		}
	}
}

/*
 * Item 2: no-map memory (firmware carve-outs) is never mapped by the
 * transitional tables, at any granule, nor used by the hand-off, even when
 * it is not aligned to the granule; nor is the rest of the granules it
 * touches.
 */
static void test_nomap_unmapped(void **state)
{
	static const unsigned int shifts[] = { 12, 14, 16 };
	static const struct kreloc_range holes[] = {
		{ G1 + 64 * M1, 2 * M1 },		/* aligned */
		{ G1 + 100 * M1 + K4, 2 * K4 },		/* inside one granule */
		{ G1 + 130 * M1 - K4, 3 * K4 },		/* across a granule boundary */
	};
	static struct used u;

	(void)state;
	for (unsigned int s = 0; s < KRELOC_ARRAY_SIZE(shifts); s++) {
		uint64_t g = 1ULL << shifts[s];

		for (uint64_t seed = 1; seed <= 3; seed++) {
			struct kreloc_sim_alloc_cfg cfg = { .collide_pct = 20 };

			big_bss_world(KRELOC_MODE_MMU, shifts[s]);
			w.ram[0].size = 256 * M1;
			{
				uint64_t r = 7;

				make_fdt(&w, &r);
			}
			world_setup(&w, KRELOC_MODE_MMU, shifts[s], 1 + seed % 2, MMFR0_ALL, 0);
			for (unsigned int i = 0; i < KRELOC_ARRAY_SIZE(holes); i++)
				assert_int_equal(kreloc_memmap_add_nomap(&w.map, holes[i].base,
									 holes[i].size), 0);
			w.h.place_high = seed == 2;
			assert_int_equal(kreloc_handoff_plan(&w.h, &w.p), 0);
			assert_false(w.h.xlat_fallback);
			cfg.segs = w.h.segs;
			cfg.nr_segs = w.h.nr_segs;
			world_memory(&w, seed, &cfg);
			assert_int_equal(kreloc_handoff_stage(&w.h), 0);
			assert_int_equal(kreloc_handoff_prepare(&w.h, kreloc_sim_phys_read,
								w.alloc.sim), 0);
			assert_int_equal(w.h.mode, KRELOC_MODE_MMU);
			collect(&u);
			for (unsigned int i = 0; i < KRELOC_ARRAY_SIZE(holes); i++) {
				uint64_t lo = KRELOC_ALIGN_DOWN(holes[i].base, g);
				uint64_t hi = KRELOC_ALIGN_UP(holes[i].base + holes[i].size, g);

				for (uint64_t va = lo; va < hi; va += K4) {
					struct kreloc_xlat_walk_result res;

					if (kreloc_xlat_walk(&w.h.xlat, va, kreloc_sim_phys_read,
							     w.alloc.sim, &res) != KRELOC_E_XLAT_FAULT)
						fail_msg("%uK granule: 0x%llx (no-map granule) is mapped",
							 1u << (shifts[s] - 10),
							 (unsigned long long)va);
				}
				for (unsigned int j = 0; j < u.n; j++)
					if (kreloc_ranges_overlap(u.r[j].base, u.r[j].size, lo, hi - lo))
						fail_msg("%s page 0x%llx in an unmapped no-map granule",
							 u.what[j], (unsigned long long)u.r[j].base);
				for (unsigned int j = 0; j < w.h.nr_segs; j++)
					assert_false(kreloc_ranges_overlap(w.h.segs[j].dest,
									   w.h.segs[j].memsz, lo,
									   hi - lo));
			}
		}
	}
}

/*
 * Item 11: free RAM holds everything but the worst-case tables: plan()
 * falls back to classic mode instead of refusing, and the hand-off works.
 */
static void test_fallback_plan(void **state)
{
	uint64_t size;
	struct kreloc_sim_result res;

	(void)state;
	/* the smallest RAM (in 64K steps) that classic mode can use */
	for (size = 24 * M1;; size += 0x10000) {
		uint64_t r = 7;
		int err;

		assert_true(size < 64 * M1);
		big_bss_world(KRELOC_MODE_CLASSIC, 16);
		w.ram[0].size = size;
		make_fdt(&w, &r);
		world_setup(&w, KRELOC_MODE_CLASSIC, 16, 1, MMFR0_ALL, 0);
		err = kreloc_handoff_plan(&w.h, &w.p);
		if (!err)
			break;
		assert_true(err == KRELOC_E_NOMEM || err == KRELOC_E_NO_ROOM ||
			    err == KRELOC_E_INITRD_WINDOW);
	}
	assert_false(w.h.xlat_fallback);
	/* MMU mode with 64K tables needs more than 16 further pages there */
	{
		uint64_t r = 7;

		big_bss_world(KRELOC_MODE_MMU, 16);
		w.ram[0].size = size;
		make_fdt(&w, &r);
		world_setup(&w, KRELOC_MODE_MMU, 16, 1, MMFR0_ALL, 0);
	}
	assert_int_equal(kreloc_handoff_plan(&w.h, &w.p), 0);
	assert_true(w.h.xlat_fallback);
	assert_int_equal(w.h.mode, KRELOC_MODE_CLASSIC);
	assert_int_equal(w.alloc.calls, 0);
	world_memory(&w, 3, NULL);
	assert_int_equal(kreloc_handoff_stage(&w.h), 0);
	assert_int_equal(kreloc_handoff_prepare(&w.h, kreloc_sim_phys_read, w.alloc.sim), 0);
	assert_int_equal(w.h.mode, KRELOC_MODE_CLASSIC);
	assert_int_equal(w.h.xlat.table_pages, 0);
	if (kreloc_sim_run(w.alloc.sim, w.h.ki.head, w.h.segs, w.h.nr_segs, &res))
		fail_msg("%s", res.msg);
}

/*
 * Item 11, late: the allocator has one 4 KiB page left after staging.  At
 * 4K that is the control page and no table page; at 64K not even the
 * control granule.  prepare() falls back to classic mode instead of
 * refusing, and the relocation still writes exactly the segments.
 */
static void test_fallback_prepare(void **state)
{
	static const unsigned int shifts[] = { 12, 16 };

	(void)state;
	for (unsigned int i = 0; i < KRELOC_ARRAY_SIZE(shifts); i++) {
		struct kreloc_sim_alloc_cfg cfg = { 0 };
		struct kreloc_sim_result res;

		big_bss_world(KRELOC_MODE_MMU, shifts[i]);
		assert_int_equal(kreloc_handoff_plan(&w.h, &w.p), 0);
		world_memory(&w, 1, NULL);
		assert_int_equal(kreloc_handoff_stage(&w.h), 0);
		cfg.limit_pages = kreloc_sim_allocated(w.alloc.sim) + 1;

		big_bss_world(KRELOC_MODE_MMU, shifts[i]);
		assert_int_equal(kreloc_handoff_plan(&w.h, &w.p), 0);
		assert_false(w.h.xlat_fallback);
		world_memory(&w, 1, &cfg);
		assert_int_equal(kreloc_handoff_stage(&w.h), 0);
		assert_int_equal(kreloc_handoff_prepare(&w.h, kreloc_sim_phys_read, w.alloc.sim),
				 0);
		assert_true(w.h.xlat_fallback);
		assert_int_equal(w.h.mode, KRELOC_MODE_CLASSIC);
		assert_non_null(w.h.control_va);
		if (kreloc_sim_run(w.alloc.sim, w.h.ki.head, w.h.segs, w.h.nr_segs, &res))
			fail_msg("%s", res.msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_kernel_segment_is_image_size, teardown),
		cmocka_unit_test_teardown(test_nomap_unmapped, teardown),
		cmocka_unit_test_teardown(test_fallback_plan, teardown),
		cmocka_unit_test_teardown(test_fallback_prepare, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
