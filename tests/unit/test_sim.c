// SPDX-License-Identifier: MIT
/*
 * test_sim.c - the simulator itself (memory model, allocator, executor
 * faults), then the property test: random layouts planned with
 * kreloc_kimage_load(), checked with kreloc_kimage_check_list(), executed by
 * the simulator and proven; and mutated lists that must be caught.
 *
 * KRELOC_SEED=<n> repeats a run; KRELOC_LAYOUTS=<n> changes how many layouts
 * (default 10000); KRELOC_LAYOUT=<i> runs only layout i of the seed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <kreloc/error.h>
#include <kreloc/kimage.h>

#include "sim.h"

#define K4	0x1000ULL
#define M1	0x100000ULL
#define M2	0x200000ULL
#define G1	0x40000000ULL
#define D	KRELOC_IND_DESTINATION
#define S	KRELOC_IND_SOURCE
#define I	KRELOC_IND_INDIRECTION
#define DONE	KRELOC_IND_DONE

/* ---- the simulator on its own -------------------------------------------- */

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
		{ NULL, 0, DP, 2 * K4 }, { NULL, 0, DP + 8 * K4, K4 },
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
		struct kreloc_segment ex = { NULL, 0, DP, 2 * K4 };
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
	FAULT(KRELOC_SIM_DOUBLE_WRITE, seg, 1, DP | D, SP | S, DP | D, SP | S, DONE);
	FAULT(KRELOC_SIM_WRAP, NULL, 0, 0xfffffffffffff000ULL | D, SP | S, DONE);
	/* A self loop runs into the step bound. */
	FAULT(KRELOC_SIM_STEP_LIMIT, seg, 1, DP | D, LP | I);
	/* The copy for segment 0 overwrites the source segment 1 reads later. */
	{
		struct kreloc_segment two[2] = { { NULL, 0, DP, 2 * K4 },
						 { NULL, 0, DP + 8 * K4, K4 } };

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
		struct kreloc_segment over = { NULL, 0, LP, K4 };

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
	struct kreloc_segment big = { NULL, 0, G1 + 16 * K4, 40 * K4 };
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

/* ---- the property test ------------------------------------------------------ */

struct layout {
	struct kreloc_memmap map;
	struct kreloc_segment segs[KRELOC_MAX_SEGMENTS];	/* given to the load */
	struct kreloc_segment expect[KRELOC_MAX_SEGMENTS];	/* host copies of the bytes */
	uint8_t *data[KRELOC_MAX_SEGMENTS];
	unsigned int n;
	struct kreloc_sim *sim;
	struct kreloc_kimage ki;
	uint64_t extra_pages;		/* blocks from alloc_safe, in 4K pages */
	uint64_t taken_early;		/* free pages outside destinations used before the load */
	int load_err;
	bool huge, homes, limited;	/* a huge segment tried; bytes in RAM; allocator capped */
};

struct totals {
	uint64_t layouts, loads_ok, nomem, room_refused, small_ram, segments, dest_pages, copies, in_place, zero_fill;
	uint64_t set_aside, list_pages, multi_page_lists, homes, high, huge, extra_blocks;
	uint64_t mut_tried, mut_checker, mut_sim, mut_both;
	uint64_t mut_kind[8];
};

static uint64_t cur_layout;	/* for messages */
static const struct layout *cur_L;

static void dump_layout(const struct layout *L)
{
	if (!L)
		return;
	for (unsigned int i = 0; i < L->map.nr_ram; i++)
		print_error("  ram      %#llx + %#llx\n", (unsigned long long)L->map.ram[i].base,
			    (unsigned long long)L->map.ram[i].size);
	for (unsigned int i = 0; i < L->map.nr_reserved; i++)
		print_error("  reserved %#llx + %#llx\n",
			    (unsigned long long)L->map.reserved[i].base,
			    (unsigned long long)L->map.reserved[i].size);
	for (unsigned int i = 0; i < L->n; i++)
		print_error("  segment  %#llx + %#llx, bufsz %#llx\n",
			    (unsigned long long)L->segs[i].dest,
			    (unsigned long long)L->segs[i].memsz,
			    (unsigned long long)L->segs[i].bufsz);
	print_error("  allocated %llu, taken early %llu, extra %llu, set aside %llu\n",
		    (unsigned long long)kreloc_sim_allocated(L->sim),
		    (unsigned long long)L->taken_early, (unsigned long long)L->extra_pages,
		    (unsigned long long)L->ki.colliding_pages_set_aside);
}

static uint64_t rnd(uint64_t *r, uint64_t n)
{
	return n ? kreloc_sim_rand(r) % n : 0;
}

static uint64_t rnd_range(uint64_t *r, uint64_t lo, uint64_t hi)	/* [lo, hi] */
{
	return lo + rnd(r, hi - lo + 1);
}

static void gen_map(struct kreloc_memmap *m, uint64_t *r, struct totals *t)
{
	unsigned int banks = (unsigned int)rnd_range(r, 1, 4);
	bool small = rnd(r, 3) == 0;	/* crowded RAM: collisions likely */

	kreloc_memmap_init(m);
	for (unsigned int b = 0; b < banks; b++) {
		uint64_t base, size;

		switch (small ? 3 : rnd(r, 4)) {
		case 0:		/* low, as on most boards */
			size = rnd_range(r, 4, 512) * M2;
			base = rnd_range(r, 0x40000000 / M2, 0xc0000000 / M2) * M2;
			break;
		case 1:		/* above 4 GiB */
			size = rnd_range(r, 8, 32768) * M2;
			base = rnd_range(r, 0x100000000ULL / M2, (1ULL << 40) / M2) * M2;
			break;
		case 2:		/* ending exactly at 2^48 */
			size = rnd_range(r, 8, 2048) * M2;
			base = (1ULL << 48) - size;
			t->high++;
			break;
		default:	/* tiny and unaligned-ish */
			size = rnd_range(r, 32, 1024) * K4;
			base = rnd(r, 2) ? rnd_range(r, 0x40000, 0x100000) * K4 :
			       (1ULL << 48) - size - rnd(r, 4) * size * 2;
			break;
		}
		assert_int_equal(kreloc_memmap_add_ram(m, base, size), 0);
	}
	for (unsigned int i = (unsigned int)rnd(r, 6); i > 0; i--) {
		const struct kreloc_range *bank = &m->ram[rnd(r, m->nr_ram)];
		uint64_t size = rnd_range(r, 1, bank->size / K4 / 8 + 1) * K4;
		uint64_t base = bank->base + rnd(r, bank->size / K4) * K4;

		if (size > 64 * M1)
			size = 64 * M1;
		if (rnd(r, 3) == 0) {	/* unaligned reserved ranges */
			base += rnd(r, K4);
			size -= rnd(r, K4 / 2);
		}
		if (rnd(r, 8) == 0)	/* outside RAM altogether */
			base = rnd_range(r, 0x1000, 0x3000) * K4;
		if (base + size < base)
			continue;
		assert_int_equal(kreloc_memmap_add_reserved(m, base, size), 0);
	}
}

/* Cheap bytes for segment data (xorshift64); the layout's generator stays in step. */
static void fill_random(uint8_t *p, uint64_t len, uint64_t x)
{
	x |= 1;
	for (uint64_t k = 0; k < len; k += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p + k, &x, len - k < 8 ? len - k : 8);
	}
}

static void gen_segments(struct layout *L, uint64_t *r)
{
	unsigned int want = (unsigned int)rnd_range(r, 1, KRELOC_MAX_SEGMENTS);
	unsigned int huge_at = L->huge ? (unsigned int)rnd(r, want) : KRELOC_MAX_SEGMENTS;
	bool tiny = rnd(r, 2);
	struct kreloc_range avoid[KRELOC_MAX_SEGMENTS];

	L->n = 0;
	for (unsigned int i = 0; i < want; i++) {
		const struct kreloc_range *bank = &L->map.ram[rnd(r, L->map.nr_ram)];
		uint64_t memsz, bufsz, align = rnd(r, 4) ? K4 : M2, dest;
		struct kreloc_segment *s = &L->segs[L->n];

		if (i == huge_at)
			memsz = rnd_range(r, 16, 256) * M1;
		else
			memsz = rnd_range(r, 1, tiny ? 8 : 64) * K4;
		switch (rnd(r, 4)) {
		case 0: bufsz = memsz; break;
		case 1: bufsz = 0; break;
		default: bufsz = rnd_range(r, 1, memsz); break;
		}
		if (i == huge_at && bufsz > 64 * 1024)
			bufsz = rnd_range(r, 0, 64 * 1024);	/* huge but sparse */
		if (kreloc_memmap_find_free(&L->map, memsz, align,
					    bank->base + rnd(r, bank->size), UINT64_MAX,
					    avoid, L->n, &dest) &&
		    kreloc_memmap_find_free(&L->map, memsz, align, 0, UINT64_MAX,
					    avoid, L->n, &dest))
			continue;	/* no room left: fewer segments */
		L->data[L->n] = malloc(bufsz ? bufsz : 1);
		assert_non_null(L->data[L->n]);
		fill_random(L->data[L->n], bufsz, kreloc_sim_rand(r));
		if (bufsz > 100 && rnd(r, 4) == 0)	/* some all-zero pages inside the data */
			memset(L->data[L->n], 0, bufsz / 2);
		s->buf = bufsz ? L->data[L->n] : NULL;
		s->bufsz = bufsz;
		s->dest = dest;
		s->memsz = memsz;
		L->expect[L->n] = *s;
		avoid[L->n].base = dest;
		avoid[L->n].size = memsz;
		L->n++;
	}
}

/*
 * Put some segments' bytes into the simulated RAM, over other (or their own)
 * destinations, as a loader finds them: the allocator must not hand those
 * pages out, and the copy at hand-off will overwrite them.
 */
static void gen_homes(struct layout *L, uint64_t *r, struct totals *t)
{
	struct kreloc_range homes[KRELOC_MAX_SEGMENTS];
	unsigned int nh = 0;

	for (unsigned int i = 0; i < L->n; i++) {
		const struct kreloc_segment *over = &L->segs[rnd(r, L->n)];
		uint64_t len = KRELOC_ALIGN_UP(L->segs[i].bufsz, K4), home;
		bool clash = false;
		uint8_t *v;

		if (!len || len > 64 * K4 || rnd(r, 2))
			continue;
		home = over->dest + rnd(r, over->memsz / K4) * K4;
		if (!kreloc_memmap_is_ram(&L->map, home, len))
			continue;
		for (unsigned int h = 0; h < nh; h++)
			clash |= kreloc_ranges_overlap(home, len, homes[h].base, homes[h].size);
		if (clash)
			continue;
		v = kreloc_sim_map(L->sim, home, len);
		assert_non_null(v);
		memcpy(v, L->data[i], L->segs[i].bufsz);
		kreloc_sim_busy(L->sim, home, len);
		for (uint64_t pg = home; pg < home + len; pg += K4)
			if (kreloc_memmap_is_free(&L->map, pg, K4) &&
			    !kreloc_segments_collide(L->segs, L->n, pg, K4))
				L->taken_early++;
		L->segs[i].buf = v;
		homes[nh].base = home;
		homes[nh++].size = len;
		t->homes++;
	}
}

static void take_extra(struct layout *L, uint64_t *r, unsigned int count)
{
	static const uint64_t sizes[] = { K4, K4, 0x4000, 0x10000 };

	for (unsigned int i = 0; i < count; i++) {
		uint64_t size = sizes[rnd(r, KRELOC_ARRAY_SIZE(sizes))], pa = 0;
		uint8_t *p = kreloc_kimage_alloc_safe(&L->ki, size, &pa);

		if (!p)
			continue;
		assert_true(KRELOC_ALIGNED(pa, size));
		assert_false(kreloc_segments_collide(L->segs, L->n, pa, size));
		memset(p, 0xc3, size);		/* a control page / tables: must survive */
		kreloc_sim_protect(L->sim, pa, size);
		L->extra_pages += size / K4;
	}
}

static void layout_free(struct layout *L)
{
	cur_L = NULL;
	kreloc_sim_free(L->sim);
	for (unsigned int i = 0; i < L->n; i++)
		free(L->data[i]);
	L->sim = NULL;
	L->n = 0;
}

/* Generate layout @seed and load it; the same seed always gives the same layout. */
static void layout_build(struct layout *L, uint64_t seed, struct totals *t)
{
	uint64_t r = seed;
	struct kreloc_sim_alloc_cfg cfg = { 0 };
	struct kreloc_kimage_need nd;
	static const unsigned int collide[] = { 0, 10, 30, 60 }, predict[] = { 0, 20, 50 };

	memset(L, 0, sizeof(*L));
	gen_map(&L->map, &r, t);
	L->huge = rnd(&r, 150) == 0;
	gen_segments(L, &r);
	L->sim = kreloc_sim_new(&L->map, kreloc_sim_rand(&r));
	assert_non_null(L->sim);
	L->homes = rnd(&r, 3) == 0;
	if (L->homes)
		gen_homes(L, &r, t);

	cfg.collide_pct = collide[rnd(&r, KRELOC_ARRAY_SIZE(collide))];
	cfg.predict_pct = predict[rnd(&r, KRELOC_ARRAY_SIZE(predict))];
	cfg.segs = L->segs;
	cfg.nr_segs = L->n;
	assert_int_equal(kreloc_segments_validate(&L->map, L->segs, L->n), 0);
	assert_int_equal(kreloc_kimage_need(L->segs, L->n, &nd), 0);
	L->limited = nd.safe_pages > 1 && rnd(&r, 20) == 0;
	if (L->limited)	/* 1 .. safe_pages - 1: certain to run dry */
		cfg.limit_pages = rnd_range(&r, 1, nd.safe_pages - 1);
	kreloc_sim_alloc_config(L->sim, &cfg);

	L->ki.map = &L->map;
	L->ki.segs = L->segs;
	L->ki.nr_segs = L->n;
	L->ki.alloc = kreloc_sim_alloc;
	L->ki.alloc_ctx = L->sim;
	if (!L->limited && rnd(&r, 4) == 0) {
		take_extra(L, &r, (unsigned int)rnd_range(&r, 1, 3));	/* tables first */
		/* Blocks set aside count too (an over-estimate: some are destination pages). */
		L->taken_early += kreloc_sim_allocated(L->sim);
	}
	L->load_err = kreloc_kimage_load(&L->ki);
	if (!L->load_err)
		take_extra(L, &r, (unsigned int)rnd_range(&r, 1, 4));	/* control page etc */
}

#define REQUIRE(cond, ...) do { \
	if (!(cond)) { \
		print_error(__VA_ARGS__); \
		print_error("\n"); \
		dump_layout(cur_L); \
		print_error("\n  failed: %s (KRELOC_LAYOUT=%llu, layout seed %#llx)\n", \
			    #cond, (unsigned long long)cur_layout, (unsigned long long)seed); \
		fail(); \
	} \
} while (0)

static void prove_layout(uint64_t seed, struct totals *t)
{
	struct layout L;
	struct kreloc_kimage_need nd;
	struct kreloc_list_stats st;
	struct kreloc_sim_result res;
	uint64_t dest_pages = 0;
	int err;

	layout_build(&L, seed, t);
	cur_L = &L;
	t->layouts++;
	t->segments += L.n;
	assert_int_equal(kreloc_kimage_need(L.segs, L.n, &nd), 0);
	for (unsigned int i = 0; i < L.n; i++) {
		dest_pages += L.segs[i].memsz / K4;
		t->huge += L.segs[i].memsz >= 16 * M1;
	}

	if (L.limited) {
		/* Fewer pages than the bound: must fail cleanly, nothing committed. */
		REQUIRE(L.load_err == KRELOC_E_NOMEM, "load: %s", kreloc_errname(L.load_err));
		REQUIRE(L.ki.head == 0 && L.ki.entries == 0 && L.ki.source_pages == 0 &&
			L.ki.indirection_pages == 0 && L.ki.colliding_pages_set_aside == 0, " ");
		t->nomem++;
		layout_free(&L);
		return;
	}
	/*
	 * RAM too small?  When kreloc_kimage_check_room() says it fits, the load
	 * must succeed; when it does not, the load may still fit (the bound is a
	 * worst case) or fail cleanly.
	 */
	if (kreloc_kimage_check_room(&L.map, L.segs, L.n, L.taken_early) == 0)
		REQUIRE(L.load_err == 0, "load: %s", kreloc_errname(L.load_err));
	else
		t->room_refused++;
	if (L.load_err) {
		REQUIRE(L.load_err == KRELOC_E_NOMEM, "load: %s", kreloc_errname(L.load_err));
		REQUIRE(L.ki.head == 0 && L.ki.entries == 0 && L.ki.source_pages == 0 &&
			L.ki.indirection_pages == 0, " ");
		t->small_ram++;
		layout_free(&L);
		return;
	}
	t->loads_ok++;

	/* The plan agrees with the worst case and with the allocator's books. */
	REQUIRE(L.ki.source_pages + L.ki.pages_in_place == nd.data_pages, " ");
	REQUIRE(L.ki.zero_fill_pages == dest_pages - nd.data_pages, " ");
	REQUIRE(L.ki.indirection_pages <= nd.list_pages, " ");
	REQUIRE(kreloc_sim_allocated(L.sim) ==
		L.ki.source_pages + L.ki.pages_in_place + (L.ki.zero_fill_pages ? 1 : 0) +
		L.ki.indirection_pages + L.ki.colliding_pages_set_aside + L.extra_pages,
		"allocated %llu", (unsigned long long)kreloc_sim_allocated(L.sim));

	err = kreloc_kimage_check_list(L.ki.head, kreloc_sim_phys_read, L.sim, L.segs, L.n, &st);
	REQUIRE(err == 0, "check_list: %s", kreloc_errname(err));
	REQUIRE(st.sources == dest_pages && st.in_place == L.ki.pages_in_place &&
		st.list_pages == L.ki.indirection_pages && st.entries == L.ki.entries &&
		st.copies == L.ki.source_pages + L.ki.zero_fill_pages, " ");

	err = kreloc_sim_run(L.sim, L.ki.head, L.expect, L.n, &res);
	REQUIRE(err == 0, "sim: %s", res.msg);
	REQUIRE(res.copies == st.copies && res.skipped == st.in_place &&
		res.pages_checked == dest_pages && res.list_pages == st.list_pages, " ");

	t->dest_pages += dest_pages;
	t->copies += res.copies;
	t->in_place += res.skipped;
	t->zero_fill += L.ki.zero_fill_pages;
	t->set_aside += L.ki.colliding_pages_set_aside;
	t->list_pages += L.ki.indirection_pages;
	t->multi_page_lists += L.ki.indirection_pages > 1;
	t->extra_blocks += L.extra_pages;
	layout_free(&L);
}

/* ---- mutations ---------------------------------------------------------- */

struct slot {
	uint64_t pa;		/* where the entry lives */
	uint64_t e;		/* its value */
	uint64_t cursor;	/* the cursor when it is executed */
};

static unsigned int list_slots(struct kreloc_sim *sim, uint64_t head, struct slot **out)
{
	unsigned int n = 0, cap = 1024;
	struct slot *v = malloc(cap * sizeof(*v));
	uint64_t page = head & ~(K4 - 1), cursor = 0;

	assert_non_null(v);
	for (unsigned int i = 0;; i++) {
		uint64_t e;

		kreloc_sim_read(sim, page + i * 8, &e, 8);
		if (n == cap) {
			cap *= 2;
			v = realloc(v, cap * sizeof(*v));
			assert_non_null(v);
		}
		v[n].pa = page + i * 8;
		v[n].e = e;
		v[n++].cursor = cursor;
		if (e == DONE)
			break;
		if ((e & 0xf) == I) {
			page = e & ~(K4 - 1);
			i = (unsigned int)-1;
		} else if ((e & 0xf) == D) {
			cursor = e & ~(K4 - 1);
		} else {
			cursor += K4;
		}
	}
	*out = v;
	return n;
}

static bool page_differs(struct kreloc_sim *sim, uint64_t a, uint64_t b)
{
	uint8_t x[4096], y[4096];

	kreloc_sim_read(sim, a, x, K4);
	kreloc_sim_read(sim, b, y, K4);
	return memcmp(x, y, K4) != 0;
}

/* Does @pa already hold what the destination page must finally hold? */
static bool already_final(struct layout *L, uint64_t pa)
{
	uint8_t have[4096], want[4096] = { 0 };

	for (unsigned int i = 0; i < L->n; i++) {
		const struct kreloc_segment *s = &L->expect[i];

		if (pa < s->dest || pa - s->dest >= s->memsz)
			continue;
		if (s->bufsz > pa - s->dest) {
			uint64_t off = pa - s->dest, len = s->bufsz - off;

			memcpy(want, (const uint8_t *)s->buf + off, len < K4 ? len : K4);
		}
	}
	kreloc_sim_read(L->sim, pa, have, K4);
	return memcmp(have, want, K4) == 0;
}

enum { MUT_SRC_INTO_DEST, MUT_DROP_DONE, MUT_SWAP, MUT_SHIFT_DEST, MUT_LOOP,
       MUT_FAKE_IN_PLACE, MUT_AFTER_DONE, MUT_PROTECT_DEST, MUT_KINDS };

static const char *const mut_names[MUT_KINDS] = {
	"source into a destination", "DONE dropped", "two sources swapped",
	"destination shifted", "indirection loop", "fake in-place source",
	"entry after DONE", "protected page inside a destination",
};

/* Pick an entry of the given kind (flags) at random; -1 if none. */
static int pick(struct slot *v, unsigned int n, uint64_t flags, uint64_t *r, bool copies_only)
{
	unsigned int start = (unsigned int)rnd(r, n);

	for (unsigned int k = 0; k < n; k++) {
		unsigned int i = (start + k) % n;

		if ((v[i].e & 0xf) != flags)
			continue;
		if (copies_only && (v[i].e & ~(K4 - 1)) == v[i].cursor)
			continue;
		return (int)i;
	}
	return -1;
}

static void mutate_layout(uint64_t seed, unsigned int kind, struct totals *t)
{
	struct layout L;
	struct slot *v;
	unsigned int n;
	uint64_t r = seed ^ 0xabcdef, e;
	int i, j, cerr, serr;
	bool checker_must = true, sim_must = true;
	struct kreloc_sim_result res;

	layout_build(&L, seed, t);
	cur_L = &L;
	if (L.limited || L.load_err) {
		layout_free(&L);
		return;
	}
	n = list_slots(L.sim, L.ki.head, &v);
	switch (kind) {
	case MUT_SRC_INTO_DEST: {
		/* A copy's source moved into some destination, not its own page. */
		const struct kreloc_segment *s = &L.segs[rnd(&r, L.n)];
		uint64_t to;

		i = pick(v, n, S, &r, true);
		if (i < 0)
			goto skip;
		to = s->dest + rnd(&r, s->memsz / K4) * K4;
		if (to == v[i].cursor)
			goto skip;
		e = to | S;
		kreloc_sim_write(L.sim, v[i].pa, &e, 8);
		sim_must = false;	/* the bytes there may happen to be right */
		break;
	}
	case MUT_DROP_DONE:
		e = 0;
		kreloc_sim_write(L.sim, v[n - 1].pa, &e, 8);
		break;
	case MUT_SWAP:
		/* Both checks pass on form; only executing shows the bytes land wrong. */
		i = pick(v, n, S, &r, true);
		j = pick(v, n, S, &r, true);
		if (i < 0 || i == j || !page_differs(L.sim, v[i].e & ~(K4 - 1), v[j].e & ~(K4 - 1)))
			goto skip;
		kreloc_sim_write(L.sim, v[i].pa, &v[j].e, 8);
		kreloc_sim_write(L.sim, v[j].pa, &v[i].e, 8);
		checker_must = false;
		break;
	case MUT_SHIFT_DEST:
		i = pick(v, n, D, &r, false);
		if (i < 0)
			goto skip;
		e = v[i].e + (rnd(&r, 2) ? K4 : -K4);
		kreloc_sim_write(L.sim, v[i].pa, &e, 8);
		break;
	case MUT_LOOP:
		/* The last link points back to the first page. */
		i = -1;
		for (unsigned int k = 0; k < n; k++)
			if ((v[k].e & 0xf) == I)
				i = (int)k;
		if (i < 0)
			goto skip;
		e = L.ki.head;
		kreloc_sim_write(L.sim, v[i].pa, &e, 8);
		break;
	case MUT_FAKE_IN_PLACE:
		/* A copy claims to be in place: the form is fine, the bytes are not there. */
		i = pick(v, n, S, &r, true);
		if (i < 0 || already_final(&L, v[i].cursor))
			goto skip;
		e = v[i].cursor | S;
		kreloc_sim_write(L.sim, v[i].pa, &e, 8);
		checker_must = false;
		break;
	case MUT_AFTER_DONE:
		/* Garbage after DONE: the trampoline never reads it, the checker refuses it. */
		if (((v[n - 1].pa + 8) & (K4 - 1)) == 0)
			goto skip;
		e = (L.segs[0].dest) | S;
		kreloc_sim_write(L.sim, v[n - 1].pa + 8, &e, 8);
		sim_must = false;
		break;
	case MUT_PROTECT_DEST:
		/* A "control page" inside a destination: the executor must refuse to write it. */
		i = pick(v, n, S, &r, true);
		if (i < 0)
			goto skip;
		kreloc_sim_protect(L.sim, v[i].cursor, K4);
		checker_must = false;
		break;
	}

	cerr = kreloc_kimage_check_list(L.ki.head, kreloc_sim_phys_read, L.sim, L.segs, L.n, NULL);
	serr = kreloc_sim_run(L.sim, L.ki.head, L.expect, L.n, &res);
	REQUIRE(cerr || serr, "mutation '%s' not caught", mut_names[kind]);
	if (checker_must)
		REQUIRE(cerr, "mutation '%s' passed the checker", mut_names[kind]);
	if (sim_must)
		REQUIRE(serr, "mutation '%s' passed the simulator", mut_names[kind]);
	if (kind == MUT_SRC_INTO_DEST)
		REQUIRE(cerr == KRELOC_E_LIST_UNSAFE, "got %s", kreloc_errname(cerr));
	if (kind == MUT_DROP_DONE)
		REQUIRE(cerr == KRELOC_E_LIST_UNTERMINATED, "got %s", kreloc_errname(cerr));
	if (kind == MUT_LOOP)
		REQUIRE(cerr == KRELOC_E_LIST_LOOP, "got %s", kreloc_errname(cerr));
	if (kind == MUT_AFTER_DONE)
		REQUIRE(cerr == KRELOC_E_LIST_AFTER_DONE && !serr, "got %s", kreloc_errname(cerr));
	if (kind == MUT_SWAP || kind == MUT_FAKE_IN_PLACE)
		REQUIRE(!cerr && res.fault == KRELOC_SIM_CONTENT, "got %s / %s",
			kreloc_errname(cerr), kreloc_sim_fault_name(res.fault));
	if (kind == MUT_PROTECT_DEST)
		REQUIRE(res.fault == KRELOC_SIM_PROTECTED_WRITE, "got %s",
			kreloc_sim_fault_name(res.fault));
	t->mut_tried++;
	t->mut_kind[kind]++;
	t->mut_checker += cerr != 0;
	t->mut_sim += serr != 0;
	t->mut_both += cerr && serr;
skip:
	free(v);
	layout_free(&L);
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 0) : def;
}

static void test_property(void **state)
{
	uint64_t seed = env_u64("KRELOC_SEED", (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32));
	uint64_t layouts = env_u64("KRELOC_LAYOUTS", 10000);
	uint64_t only = env_u64("KRELOC_LAYOUT", UINT64_MAX);
	struct totals t = { 0 };
	struct timespec t0, t1;
	uint64_t r = seed;

	(void)state;
	printf("test_sim: KRELOC_SEED=%llu, %llu layouts\n", (unsigned long long)seed,
	       (unsigned long long)layouts);
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint64_t i = 0; i < layouts; i++) {
		uint64_t ls = kreloc_sim_rand(&r);

		if (only != UINT64_MAX && only != i)
			continue;
		cur_layout = i;
		prove_layout(ls, &t);
		if (i % 4 == 0)
			mutate_layout(ls, (unsigned int)(i / 4 % MUT_KINDS), &t);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	printf("test_sim: %.2f s; %llu layouts (%llu loaded, %llu E_NOMEM with a capped "
	       "allocator, %llu refused by check_room, %llu E_NOMEM for small RAM), "
	       "%llu segments, %llu with a huge segment, %llu RAM banks at 2^48\n",
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	       (unsigned long long)t.layouts, (unsigned long long)t.loads_ok,
	       (unsigned long long)t.nomem, (unsigned long long)t.room_refused,
	       (unsigned long long)t.small_ram, (unsigned long long)t.segments,
	       (unsigned long long)t.huge, (unsigned long long)t.high);
	printf("test_sim: pages: %llu destination, %llu copied, %llu in place, %llu zero-filled, "
	       "%llu set aside, %llu list pages (%llu lists over several pages), "
	       "%llu sources placed over destinations, %llu protected pages\n",
	       (unsigned long long)t.dest_pages, (unsigned long long)t.copies,
	       (unsigned long long)t.in_place, (unsigned long long)t.zero_fill,
	       (unsigned long long)t.set_aside, (unsigned long long)t.list_pages,
	       (unsigned long long)t.multi_page_lists, (unsigned long long)t.homes,
	       (unsigned long long)t.extra_blocks);
	printf("test_sim: mutations: %llu caught (%llu by the checker, %llu by the simulator, "
	       "%llu by both):", (unsigned long long)t.mut_tried,
	       (unsigned long long)t.mut_checker, (unsigned long long)t.mut_sim,
	       (unsigned long long)t.mut_both);
	for (unsigned int k = 0; k < MUT_KINDS; k++)
		printf("%s %s %llu", k ? "," : "", mut_names[k], (unsigned long long)t.mut_kind[k]);
	printf("\n");
	if (only == UINT64_MAX) {
		/* The generator really reached the cases it is meant to. */
		assert_true(t.layouts == layouts);
		assert_true(t.in_place > 0 && t.set_aside > 0 && t.zero_fill > 0);
		assert_true(t.multi_page_lists > 0 && t.homes > 0 && t.huge > 0 && t.nomem > 0);
		for (unsigned int k = 0; k < MUT_KINDS; k++)
			assert_true(t.mut_kind[k] > 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_alloc),
		cmocka_unit_test(test_exec_faults),
		cmocka_unit_test(test_exec_off_page),
		cmocka_unit_test(test_property),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
