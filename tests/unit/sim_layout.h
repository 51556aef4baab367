/* SPDX-License-Identifier: MIT */
/*
 * sim_layout.h - random layouts for the property tests (test_sim.c,
 * test_split.c): RAM maps with reserved ranges, 1..16 segments, buffers
 * lying over destinations, an allocator that collides and provokes in-place
 * staging, and the load itself.
 * Every layout is a pure function of its seed.
 */
#ifndef KRELOC_TEST_SIM_LAYOUT_H
#define KRELOC_TEST_SIM_LAYOUT_H

#define K4	0x1000ULL
#define M1	0x100000ULL
#define M2	0x200000ULL
#define G1	0x40000000ULL

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

/* What a run covered, printed at the end and checked for reach. */
struct totals {
	uint64_t layouts, loads_ok, nomem, room_refused, small_ram, segments;
	uint64_t dest_pages, copies, in_place, zero_fill, set_aside, list_pages;
	uint64_t multi_page_lists, homes, high, huge, extra_blocks;
	uint64_t mut_tried, mut_checker, mut_sim, mut_both;
	uint64_t mut_kind[8];	/* per mutation kind (test_sim.c) */
};

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

/* A run setting (KRELOC_SEED and the like): @def when unset or empty. */
static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 0) : def;
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

#endif /* KRELOC_TEST_SIM_LAYOUT_H */
