// SPDX-License-Identifier: MIT
/*
 * test_xlat.c - stage-1 identity-map builder, walker and register values.
 *
 * Random RAM maps are checked against an independent model: the test sorts
 * the region edges itself, sweeps the whole input range through the software
 * walker, and derives the table-page count from its own formula.  Seeds: a
 * fixed list plus one printed random seed; XLAT_SEED=<n> replays one seed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <kreloc/error.h>
#include <kreloc/xlat.h>

#define RW	KRELOC_XLAT_RW_DATA
#define RX	KRELOC_XLAT_RX_CODE
#define DEV	KRELOC_XLAT_DEVICE
#define GiB	(1ULL << 30)
#define MAXR	16

static const unsigned int granules[] = { 12, 14, 16 };

/* ---- test allocator over a host buffer; records every page handed out ---- */
struct pool {
	uint8_t *buf;
	uint64_t pa_base, gsz;
	unsigned int cap, used;
	uint64_t pas[4096];
	int misalign;		/* hand out a PA off by 4K */
};

static void pool_init(struct pool *p, unsigned int g, unsigned int cap, uint64_t pa_base)
{
	memset(p, 0, sizeof(*p));
	p->gsz = 1ULL << g;
	p->cap = cap;
	p->pa_base = pa_base;
	p->buf = aligned_alloc((size_t)p->gsz, (size_t)(p->gsz * (cap ? cap : 1)));
	assert_non_null(p->buf);
}

static void pool_free(struct pool *p)
{
	free(p->buf);
}

static void *pool_alloc(void *ctx, uint64_t size, uint64_t *pa)
{
	struct pool *p = ctx;
	uint8_t *v;

	assert_int_equal(size, p->gsz);
	if (p->used >= p->cap)
		return NULL;
	v = p->buf + p->used * p->gsz;
	/* Garbage, not zeros: the builder must write every entry itself. */
	memset(v, 0xff, (size_t)p->gsz);
	*pa = p->pa_base + p->used * p->gsz + (p->misalign ? 0x1000 : 0);
	assert_true(p->used < KRELOC_ARRAY_SIZE(p->pas));
	p->pas[p->used++] = *pa;
	return v;
}

static const void *pool_read(void *ctx, uint64_t pa, uint64_t len)
{
	struct pool *p = ctx;
	uint64_t off = pa - p->pa_base;

	if (pa < p->pa_base || off % p->gsz || len > p->gsz || off / p->gsz >= p->used)
		return NULL;
	return p->buf + off;
}

/* ---- independent reference model ---------------------------------------- */
struct run {
	uint64_t s, e;
	unsigned int attr;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Effective map as sorted, merged runs: the last region containing a point wins. */
static unsigned int ref_runs(const struct kreloc_xlat_region *r, unsigned int n, struct run *out)
{
	uint64_t pts[2 * MAXR];
	unsigned int np = 0, nr = 0;

	for (unsigned int i = 0; i < n; i++) {
		pts[np++] = r[i].base;
		pts[np++] = r[i].base + r[i].size;
	}
	qsort(pts, np, sizeof(pts[0]), cmp_u64);
	for (unsigned int k = 0; k + 1 < np; k++) {
		unsigned int attr = 0;

		if (pts[k] == pts[k + 1])
			continue;
		for (unsigned int i = 0; i < n; i++)
			if (r[i].base <= pts[k] && pts[k] < r[i].base + r[i].size)
				attr = r[i].attr;
		if (!attr)
			continue;
		if (nr && out[nr - 1].e == pts[k] && out[nr - 1].attr == attr)
			out[nr - 1].e = pts[k + 1];
		else
			out[nr++] = (struct run){ pts[k], pts[k + 1], attr };
	}
	return nr;
}

/* 0: [s,e) unmapped; 1: one run covers it (*attr); -1: mixed. */
static int ref_range(const struct run *rn, unsigned int nr, uint64_t s, uint64_t e,
		     unsigned int *attr)
{
	for (unsigned int i = 0; i < nr; i++) {
		if (rn[i].e <= s || rn[i].s >= e)
			continue;
		if (rn[i].s <= s && rn[i].e >= e) {
			*attr = rn[i].attr;
			return 1;
		}
		return -1;
	}
	return 0;
}

static bool ref_leaf_ok(unsigned int g, unsigned int level)
{
	return level == 3 || level == 2 || (level == 1 && g == 12);
}

static unsigned int ref_start_level(unsigned int g, unsigned int va_bits)
{
	unsigned int per = g - 3, levels = (va_bits - g + per - 1) / per;

	return 4 - levels;
}

/*
 * Pages = 1 (root) + the level-L entries (L = start..2) that need a table:
 * where L has no blocks, every entry touching a run; elsewhere every entry
 * with a run edge strictly inside it.
 */
static unsigned int ref_pages(unsigned int g, unsigned int va_bits, const struct run *rn,
			      unsigned int nr)
{
	static uint64_t idx[1 << 16];
	unsigned int total = 1;

	for (unsigned int L = ref_start_level(g, va_bits); L <= 2; L++) {
		unsigned int shift = g + (3 - L) * (g - 3), ni = 0, uniq = 0;
		uint64_t S = 1ULL << shift;

		for (unsigned int i = 0; i < nr; i++) {
			if (!ref_leaf_ok(g, L)) {
				for (uint64_t k = rn[i].s / S; k <= (rn[i].e - 1) / S; k++) {
					assert_true(ni < KRELOC_ARRAY_SIZE(idx));
					idx[ni++] = k;
				}
			} else {
				if (rn[i].s % S)
					idx[ni++] = rn[i].s / S;
				if (rn[i].e % S)
					idx[ni++] = rn[i].e / S;
			}
		}
		qsort(idx, ni, sizeof(idx[0]), cmp_u64);
		for (unsigned int k = 0; k < ni; k++)
			uniq += !k || idx[k] != idx[k - 1];
		total += uniq;
	}
	return total;
}

/* ---- checking one built map ---------------------------------------------- */
static void check_leaf(const struct kreloc_xlat *x, const struct kreloc_xlat_walk_result *w,
		       uint64_t va, unsigned int attr)
{
	uint64_t d = w->desc;

	assert_int_equal(w->pa, va);
	assert_true(d & (1ULL << 10));			/* AF */
	assert_false(d & (1ULL << 11));			/* nG */
	assert_int_equal((d >> 8) & 3, 3);		/* inner shareable */
	assert_int_equal(w->sh, 3);
	assert_false(d & (0xfULL << 48));		/* OA[51:48] */
	if (x->el == 2) {
		assert_true(d & (1ULL << 6));		/* AP[1] RES1 */
		assert_false(d & (1ULL << 53));		/* RES0 */
	} else {
		assert_false(d & (1ULL << 6));		/* no EL0 access */
		assert_true(d & (1ULL << 54));		/* UXN */
		assert_int_equal(!!(d & (1ULL << 53)), attr != RX);
	}
	assert_int_equal(w->mair_attr, attr == DEV ? 0x04 : 0xff);
	assert_int_equal(w->writable, attr != RX);
	assert_int_equal(w->executable, attr == RX);
}

static void check_map(const struct kreloc_xlat *x, struct pool *p,
		      const struct kreloc_xlat_region *r, unsigned int n)
{
	struct run rn[2 * MAXR];
	unsigned int nr = ref_runs(r, n, rn), attr, g = x->granule_shift;
	uint64_t top = 1ULL << x->va_bits, va = 0, hi = 0;
	struct kreloc_xlat_walk_result w;

	for (unsigned int i = 0; i < n; i++)
		if (r[i].base + r[i].size > hi)
			hi = r[i].base + r[i].size;
	/* Smallest VA size that covers everything, but at least 25 bits. */
	assert_true(hi <= top);
	assert_true(x->va_bits == 25 || hi > top / 2);
	assert_int_equal(x->start_level, ref_start_level(g, x->va_bits));
	assert_int_equal(x->table_pages, p->used);
	assert_int_equal(x->table_pages, ref_pages(g, x->va_bits, rn, nr));
	assert_int_equal(x->root_pa, p->pas[0]);
	assert_int_equal(x->ttbr, x->root_pa);

	/* Sweep [0, 2^va_bits) one leaf or hole at a time. */
	while (va < top) {
		int rc = kreloc_xlat_walk(x, va, pool_read, p, &w), ref;
		uint64_t psize;

		assert_true(rc == 0 || rc == KRELOC_E_XLAT_FAULT);
		assert_int_equal(w.block_base, va);
		assert_true(w.block_size >= (1ULL << g));
		ref = ref_range(rn, nr, va, va + w.block_size, &attr);
		psize = w.block_size << (g - 3);
		if (rc == 0) {
			assert_int_equal(ref, 1);
			check_leaf(x, &w, va, attr);
			/* Largest block: the parent could not have been one. */
			if (w.level > x->start_level && ref_leaf_ok(g, w.level - 1))
				assert_int_not_equal(ref_range(rn, nr, va & ~(psize - 1),
							       (va & ~(psize - 1)) + psize,
							       &attr), 1);
			/* A page inside the block translates with the same offset. */
			uint64_t off = (w.block_size - 1) & ~((1ULL << g) - 1) & 0x5a5a5a5a5a5a5000ULL;
			struct kreloc_xlat_walk_result w2;

			assert_int_equal(kreloc_xlat_walk(x, va + off, pool_read, p, &w2), 0);
			assert_int_equal(w2.pa, va + off);
			assert_int_equal(w2.level, w.level);
		} else {
			assert_int_equal(w.fault, KRELOC_XLAT_FAULT_TRANSLATION);
			assert_int_equal(ref, 0);
			assert_false(w.desc & 1);
			if (w.level > x->start_level)	/* the hole was not wider */
				assert_int_not_equal(ref_range(rn, nr, va & ~(psize - 1),
							       (va & ~(psize - 1)) + psize,
							       &attr), 0);
		}
		va += w.block_size;
	}
	if (x->va_bits < 64) {
		assert_int_equal(kreloc_xlat_walk(x, top, pool_read, p, &w), KRELOC_E_XLAT_FAULT);
		assert_int_equal(w.fault, KRELOC_XLAT_FAULT_TRANSLATION);
		assert_int_equal(w.block_size, 0);
	}
}

/* Count, build through a pool of exactly that many pages, check. */
static unsigned int build_and_check(const struct kreloc_xlat_config *cfg,
				    const struct kreloc_xlat_region *r, unsigned int n,
				    struct kreloc_xlat *x)
{
	unsigned int pages = 0;
	struct pool p;

	assert_int_equal(kreloc_xlat_count(cfg, r, n, &pages), 0);
	pool_init(&p, cfg->granule_shift, pages, 0x80000000ULL);
	assert_int_equal(kreloc_xlat_build(cfg, r, n, pool_alloc, &p, x), 0);
	assert_int_equal(x->table_pages, pages);
	check_map(x, &p, r, n);
	pool_free(&p);
	return pages;
}

/* ---- random maps ------------------------------------------------------------ */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* 1..8 RAM banks, some adjacent, odd alignments, first base below 2^47; a trampoline
 * page in one bank; sometimes a device page.  Returns the region count. */
static unsigned int gen_map(unsigned int g, struct kreloc_xlat_region *r)
{
	static const unsigned int align_bits[] = { 12, 16, 21, 25, 29, 30 };
	uint64_t gsz = 1ULL << g, cur, limit = 1ULL << 48;
	unsigned int nb = 1 + (unsigned int)rnd_below(8), n = 0;

	cur = rnd_below(1ULL << (20 + rnd_below(28)));	/* below 2^47 */
	if (rnd_below(6) == 0)		/* just below 2^47, so some ends need 48 bits */
		cur = (1ULL << 47) - rnd_below(1ULL << 34);
	cur &= ~(gsz - 1);
	for (unsigned int i = 0; i < nb; i++) {
		unsigned int ab = align_bits[rnd_below(6)];
		uint64_t al = (1ULL << ab) < gsz ? gsz : 1ULL << ab, size;

		if (n && rnd_below(4))	/* a gap, else adjacent to the previous bank */
			cur += rnd_below(1ULL << (g + rnd_below(24)));
		cur = KRELOC_ALIGN_UP(cur, al);
		if (rnd_below(3) == 0)	/* odd offset: only granule aligned */
			cur += (1 + rnd_below(15)) * gsz;
		size = (1 + rnd_below(1ULL << rnd_below(36 - g))) * gsz;
		if (rnd_below(2))
			size = KRELOC_ALIGN_UP(size, al);
		if (cur + size > limit)
			break;
		r[n++] = (struct kreloc_xlat_region){ cur, size, RW };
		cur += size;
	}
	/* Shuffle: bank order must not matter. */
	for (unsigned int i = n; i > 1; i--) {
		unsigned int j = (unsigned int)rnd_below(i);
		struct kreloc_xlat_region t = r[i - 1];

		r[i - 1] = r[j];
		r[j] = t;
	}
	if (n) {
		const struct kreloc_xlat_region *b = &r[rnd_below(n)];
		uint64_t t = b->base + rnd_below(b->size / gsz) * gsz;

		r[n++] = (struct kreloc_xlat_region){ t, gsz, RX };
	}
	if (rnd_below(4) == 0 && cur + gsz <= limit)	/* a UART above the RAM */
		r[n++] = (struct kreloc_xlat_region){ KRELOC_ALIGN_UP(cur, gsz) + gsz, gsz, DEV };
	return n;
}

static void run_seed(uint64_t seed, unsigned int maps)
{
	rng_state = seed ? seed : 1;
	for (unsigned int m = 0; m < maps; m++) {
		for (unsigned int gi = 0; gi < 3; gi++) {
			struct kreloc_xlat_region r[MAXR];
			unsigned int n = gen_map(granules[gi], r);

			if (!n)
				continue;
			for (unsigned int el = 1; el <= 2; el++) {
				struct kreloc_xlat_config cfg = { granules[gi], el, 48 };
				struct kreloc_xlat x;

				build_and_check(&cfg, r, n, &x);
			}
		}
	}
}

static void test_random_maps(void **state)
{
	static const uint64_t fixed[] = { 1, 2, 3, 42, 0xdeadbeef, 0x123456789abcdefULL };
	const char *env = getenv("XLAT_SEED");
	uint64_t seed;

	(void)state;
	if (env) {
		seed = strtoull(env, NULL, 0);
		printf("test_xlat: replaying seed %llu\n", (unsigned long long)seed);
		run_seed(seed, 12);
		return;
	}
	for (unsigned int i = 0; i < KRELOC_ARRAY_SIZE(fixed); i++)
		run_seed(fixed[i], 12);
	seed = (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);
	printf("test_xlat: random seed %llu (XLAT_SEED=%llu to replay)\n",
	       (unsigned long long)seed, (unsigned long long)seed);
	run_seed(seed, 12);
}

/* ---- footprint -------------------------------------------------------------- */
static void test_footprint(void **state)
{
	static const uint64_t sizes[] = { GiB, 16 * GiB, 256 * GiB, 1024 * GiB };
	static const char *const names[] = { "1 GiB", "16 GiB", "256 GiB", "1 TiB" };
	static const uint64_t bases[] = { 0x40000000ULL, 0 };

	(void)state;
	printf("table pages for one RAM bank + a trampoline page (base + 0x20003000), EL1:\n");
	printf("  %-8s %-12s | %-11s | %-11s | %-11s\n", "bank", "base", "4K", "16K", "64K");
	for (unsigned int bi = 0; bi < 2; bi++) {
		for (unsigned int si = 0; si < 4; si++) {
			printf("  %-8s 0x%-10llx", names[si], (unsigned long long)bases[bi]);
			for (unsigned int gi = 0; gi < 3; gi++) {
				unsigned int g = granules[gi], pages;
				struct kreloc_xlat_region r[2] = {
					{ bases[bi], sizes[si], RW },
					{ bases[bi] + 0x20003000ULL, 0x1000, RX },
				};
				struct kreloc_xlat_config cfg = { g, 1, 48 };
				struct run rn[4];
				struct kreloc_xlat x;

				assert_int_equal(kreloc_xlat_round(&r[1], g, true), 0);
				pages = build_and_check(&cfg, r, 2, &x);
				assert_int_equal(pages,
						 ref_pages(g, x.va_bits, rn, ref_runs(r, 2, rn)));
				printf(" | %2u = %4llu K", pages,
				       (unsigned long long)(pages << (g - 10)));
			}
			printf("\n");
		}
	}
	/*
	 * 4K by hand: ends below 2^39 need a level-1 root (2^30 or less: a
	 * level-2 root) and 1 GiB blocks; the RX page costs an L2 and an L3
	 * table.  1 TiB ends above 2^39: level-0 root, which has no blocks, so
	 * one L1 table per 512 GiB slot touched (3 from base 1 GiB, 2 from 0).
	 */
	{
		static const unsigned int want[2][4] = { { 3, 3, 3, 6 }, { 2, 3, 3, 5 } };

		for (unsigned int bi = 0; bi < 2; bi++)
			for (unsigned int si = 0; si < 4; si++) {
				struct kreloc_xlat_region r[2] = {
					{ bases[bi], sizes[si], RW },
					{ bases[bi] + 0x20003000ULL, 0x1000, RX },
				};
				struct kreloc_xlat_config cfg = { 12, 2, 48 };
				unsigned int pages;

				assert_int_equal(kreloc_xlat_count(&cfg, r, 2, &pages), 0);
				assert_int_equal(pages, want[bi][si]);
				printf("  4K goal (<= 4 pages): %-7s at 0x%-8llx %s\n", names[si],
				       (unsigned long long)bases[bi], pages <= 4 ? "met" : "NOT met");
			}
	}
}

/* ---- fixed maps: shim-like, nesting rules ----------------------------------- */
static void test_shim_map(void **state)
{
	/* QEMU virt: RAM at 1 GiB, PL011 at 0x09000000, shim code inside RAM. */
	struct kreloc_xlat_region r[3] = {
		{ 0x40000000ULL, 2 * GiB, RW },
		{ 0x09000000ULL, 0x10000, DEV },
		{ 0x40200000ULL, 0x10000, RX },
	};

	(void)state;
	for (unsigned int gi = 0; gi < 3; gi++)
		for (unsigned int el = 1; el <= 2; el++) {
			struct kreloc_xlat_config cfg = { granules[gi], el, 40 };
			struct kreloc_xlat x;

			build_and_check(&cfg, r, 3, &x);
			assert_int_equal(x.va_bits, 32);
		}
}

static void test_nesting(void **state)
{
	struct kreloc_xlat_config cfg = { 12, 1, 48 };
	struct kreloc_xlat x;
	unsigned int pages;

	(void)state;
	/* Allowed: nested three deep, equal ranges, a refinement of a refinement. */
	{
		struct kreloc_xlat_region r[4] = {
			{ 0, 4 * GiB, RW }, { 0x40000000ULL, GiB, DEV },
			{ 0x80000000ULL, 0x200000, RX }, { 0x80001000ULL, 0x1000, RW },
		};

		build_and_check(&cfg, r, 4, &x);
	}
	{
		struct kreloc_xlat_region r[2] = { { GiB, GiB, RW }, { GiB, GiB, RX } };

		build_and_check(&cfg, r, 2, &x);
	}
	/* Refused: partial overlap; a later region covering an earlier one. */
	{
		struct kreloc_xlat_region r[2] = { { GiB, GiB, RW }, { 2 * GiB - 0x1000, 0x2000, RX } };

		assert_int_equal(kreloc_xlat_count(&cfg, r, 2, &pages), KRELOC_E_XLAT_MAP);
		r[1] = (struct kreloc_xlat_region){ GiB - 0x1000, 0x2000, RW };
		assert_int_equal(kreloc_xlat_count(&cfg, r, 2, &pages), KRELOC_E_XLAT_MAP);
	}
	{
		struct kreloc_xlat_region r[2] = { { GiB + 0x1000, 0x1000, RX }, { GiB, GiB, RW } };

		assert_int_equal(kreloc_xlat_count(&cfg, r, 2, &pages), KRELOC_E_XLAT_MAP);
	}
	{	/* inside one earlier region but straddling another: refused */
		struct kreloc_xlat_region r[3] = {
			{ 0, 2 * GiB, RW }, { GiB, 0x2000, RW }, { GiB - 0x1000, 0x2000, RX },
		};

		assert_int_equal(kreloc_xlat_count(&cfg, r, 3, &pages), KRELOC_E_XLAT_MAP);
	}
}

/* ---- registers ------------------------------------------------------------- */
static const unsigned int pa_list[] = { 32, 36, 40, 42, 44, 48, 52 };
static const unsigned int ips_enc[] = { 0, 1, 2, 3, 4, 5, 5 };	/* 52 used as 48 */

static unsigned int tg0_of(unsigned int g)
{
	return g == 12 ? 0 : g == 16 ? 1 : 2;	/* TG0: 00 4K, 01 64K, 10 16K */
}

static void test_regs(void **state)
{
	uint64_t tcr;

	(void)state;
	assert_int_equal(kreloc_xlat_mair(), 0x04ffULL);
	assert_int_equal(kreloc_xlat_sctlr_set(), 0x1005ULL);	/* M, C, I */
	assert_int_equal(kreloc_xlat_sctlr_clear(), (1ULL << 1) | (1ULL << 19) | (1ULL << 25));

	for (unsigned int gi = 0; gi < 3; gi++)
		for (unsigned int el = 1; el <= 2; el++)
			for (unsigned int va = 25; va <= 48; va++)
				for (unsigned int pi = 0; pi < 7; pi++) {
					unsigned int g = granules[gi];
					uint64_t known;

					assert_int_equal(kreloc_xlat_tcr(el, g, va, pa_list[pi], &tcr), 0);
					assert_int_equal(tcr & 0x3f, 64 - va);	/* T0SZ */
					assert_false(tcr & (1ULL << 7));		/* EPD0 */
					assert_int_equal((tcr >> 8) & 3, 1);	/* IRGN0 WBWA */
					assert_int_equal((tcr >> 10) & 3, 1);	/* ORGN0 WBWA */
					assert_int_equal((tcr >> 12) & 3, 3);	/* SH0 inner */
					assert_int_equal((tcr >> 14) & 3, tg0_of(g));
					known = 0xffffULL;
					if (el == 1) {
						unsigned int t1sz = (tcr >> 16) & 0x3f;

						assert_true(tcr & (1ULL << 23));	/* EPD1 */
						assert_true(t1sz >= 16 && t1sz <= 39);
						assert_int_equal((tcr >> 30) & 3,
								 g == 12 ? 2 : g == 14 ? 1 : 3);
						assert_int_equal((tcr >> 32) & 7, ips_enc[pi]);
						known |= 0x3fULL << 16 | 1ULL << 23 | 3ULL << 30 |
							 7ULL << 32;
					} else {
						assert_true(tcr & (1ULL << 31));	/* RES1 */
						assert_true(tcr & (1ULL << 23));	/* RES1 */
						assert_int_equal((tcr >> 16) & 7, ips_enc[pi]);	/* PS */
						known |= 7ULL << 16 | 1ULL << 23 | 1ULL << 31;
					}
					assert_int_equal(tcr & ~known, 0);	/* A1, TBI, HA/HD... clear */
				}
	assert_int_equal(kreloc_xlat_tcr(1, 13, 39, 48, &tcr), KRELOC_E_XLAT_GRANULE);
	assert_int_equal(kreloc_xlat_tcr(3, 12, 39, 48, &tcr), KRELOC_E_INVAL);
	assert_int_equal(kreloc_xlat_tcr(1, 12, 24, 48, &tcr), KRELOC_E_INVAL);
	assert_int_equal(kreloc_xlat_tcr(1, 12, 49, 48, &tcr), KRELOC_E_INVAL);
	assert_int_equal(kreloc_xlat_tcr(1, 12, 39, 47, &tcr), KRELOC_E_INVAL);
	assert_int_equal(kreloc_xlat_tcr(1, 12, 39, 48, NULL), KRELOC_E_INVAL);
	assert_int_equal(kreloc_xlat_leaf_attrs(3, RW), 0);
	assert_int_equal(kreloc_xlat_leaf_attrs(1, 0), 0);
	assert_int_equal(kreloc_xlat_leaf_attrs(2, 4), 0);
}

/* Every VA size 25..48: the map of its top page, start level and registers. */
static void test_geometry(void **state)
{
	(void)state;
	for (unsigned int gi = 0; gi < 3; gi++)
		for (unsigned int el = 1; el <= 2; el++)
			for (unsigned int va = 25; va <= 48; va++) {
				unsigned int g = granules[gi];
				uint64_t gsz = 1ULL << g, tcr;
				struct kreloc_xlat_region r = { (1ULL << va) - gsz, gsz, RW };
				struct kreloc_xlat_config cfg = { g, el, 48 };
				struct kreloc_xlat x;

				build_and_check(&cfg, &r, 1, &x);
				assert_int_equal(x.va_bits, va);
				assert_int_equal(kreloc_xlat_tcr(el, g, va, 48, &tcr), 0);
				assert_int_equal(x.tcr, tcr);
				assert_int_equal(x.mair, 0x04ffULL);
				assert_int_equal(x.sctlr_set, 0x1005ULL);
				assert_int_equal(x.sctlr_clear, kreloc_xlat_sctlr_clear());
				assert_int_equal(x.granule_shift, g);
				assert_int_equal(x.el, el);
				/* one page at the top: one table per level */
				assert_int_equal(x.table_pages, 4 - x.start_level);
				/* top page of a small space still 25 bits */
				if (va == 25) {
					struct kreloc_xlat_region low = { 0, gsz, RW };

					build_and_check(&cfg, &low, 1, &x);
					assert_int_equal(x.va_bits, 25);
				}
			}
}

/* RAM minus no-map holes, whole granules only; above 2^48 refused. */
static void test_ram_regions(void **state)
{
	struct kreloc_xlat_region r[KRELOC_XLAT_MAX_RAM_REGIONS];
	struct kreloc_memmap m;

	(void)state;
	kreloc_memmap_init(&m);
	assert_int_equal(kreloc_memmap_add_ram(&m, 0x40000000, 0x40000000), 0);
	assert_int_equal(kreloc_memmap_add_ram(&m, 0x100000000ULL, 0x10000000), 0);
	/* no hole: the banks as they are */
	assert_int_equal(kreloc_xlat_ram_regions(&m, 12, r, KRELOC_ARRAY_SIZE(r)), 2);
	assert_int_equal(r[0].base, 0x40000000);
	assert_int_equal(r[0].size, 0x40000000);
	assert_int_equal(r[0].attr, RW);
	/* a hole not aligned to 64K: its granules stay out whole */
	assert_int_equal(kreloc_memmap_add_nomap(&m, 0x4e001000, 0x1fe000), 0);
	assert_int_equal(kreloc_xlat_ram_regions(&m, 12, r, KRELOC_ARRAY_SIZE(r)), 3);
	assert_int_equal(r[0].base + r[0].size, 0x4e001000);
	assert_int_equal(r[1].base, 0x4e1ff000);
	assert_int_equal(kreloc_xlat_ram_regions(&m, 16, r, KRELOC_ARRAY_SIZE(r)), 3);
	assert_int_equal(r[0].base + r[0].size, 0x4e000000);
	assert_int_equal(r[1].base, 0x4e200000);
	assert_int_equal(r[1].size, 0x80000000 - 0x4e200000);
	/* a hole at a bank's end, another beyond RAM: nothing after them */
	assert_int_equal(kreloc_memmap_add_nomap(&m, 0x10f000000ULL, 0x2000000), 0);
	assert_int_equal(kreloc_xlat_ram_regions(&m, 14, r, KRELOC_ARRAY_SIZE(r)), 3);
	assert_int_equal(r[2].base, 0x100000000ULL);
	assert_int_equal(r[2].size, 0xf000000);
	assert_int_equal(kreloc_xlat_ram_regions(&m, 14, r, 2), KRELOC_E_NOSPACE);
	assert_int_equal(kreloc_xlat_ram_regions(&m, 13, r, 3), KRELOC_E_XLAT_GRANULE);
	/* RAM above 2^48 */
	assert_int_equal(kreloc_memmap_add_ram(&m, (1ULL << 48) - 0x100000, 0x200000), 0);
	assert_int_equal(kreloc_xlat_ram_regions(&m, 12, r, KRELOC_ARRAY_SIZE(r)),
			 KRELOC_E_XLAT_PA_52BIT);
	assert_int_equal(KRELOC_E_XLAT_PA_52BIT, -64);
	assert_string_equal(kreloc_errname(KRELOC_E_XLAT_PA_52BIT), "E_XLAT_PA_52BIT");
}

static void test_check_cpu(void **state)
{
	/* TGran4 = 0, TGran64 = 0, TGran16 = 1: all granules */
	const uint64_t all = 1ULL << 20;

	(void)state;
	for (unsigned int pr = 0; pr < 16; pr++)
		for (unsigned int gi = 0; gi < 3; gi++) {
			int rc = kreloc_xlat_check_cpu(all | pr, granules[gi]);

			if (pr < 7)
				assert_int_equal(rc, (int)pa_list[pr]);
			else
				assert_int_equal(rc, KRELOC_E_XLAT_PA_RANGE);
		}
	assert_int_equal(kreloc_xlat_granules(all), (1u << 12) | (1u << 14) | (1u << 16));
	/* TGran4 */
	assert_int_equal(kreloc_xlat_check_cpu(all | 0xfULL << 28 | 5, 12), KRELOC_E_XLAT_GRANULE);
	assert_int_equal(kreloc_xlat_check_cpu(all | 0x1ULL << 28 | 5, 12), 48);
	assert_int_equal(kreloc_xlat_check_cpu(all | 0xfULL << 28 | 5, 16), 48);
	/* TGran64 */
	assert_int_equal(kreloc_xlat_check_cpu(all | 0xfULL << 24 | 2, 16), KRELOC_E_XLAT_GRANULE);
	assert_int_equal(kreloc_xlat_check_cpu(all | 0xfULL << 24 | 2, 12), 40);
	/* TGran16 */
	assert_int_equal(kreloc_xlat_check_cpu(2, 14), KRELOC_E_XLAT_GRANULE);
	assert_int_equal(kreloc_xlat_check_cpu(2ULL << 20 | 2, 14), 40);
	assert_int_equal(kreloc_xlat_check_cpu(all, 13), KRELOC_E_XLAT_GRANULE);
	assert_int_equal(kreloc_xlat_check_cpu(all, 0), KRELOC_E_XLAT_GRANULE);
	/* A Cortex-A72-like value: 4K and 64K, 44-bit PA */
	assert_int_equal(kreloc_xlat_granules(0x1124), (1u << 12) | (1u << 16));
	assert_int_equal(kreloc_xlat_check_cpu(0x1124, 12), 44);
	assert_int_equal(kreloc_xlat_check_cpu(0x1124, 14), KRELOC_E_XLAT_GRANULE);
	/* nothing at all */
	assert_int_equal(kreloc_xlat_granules(0xffULL << 24), 0);
	assert_int_equal(kreloc_xlat_granules(0xf0ULL << 24 | 1ULL << 20), (1u << 14) | (1u << 16));
}

static void test_round(void **state)
{
	struct kreloc_xlat_region r;

	(void)state;
	r = (struct kreloc_xlat_region){ 0x40000800, 0x1000, RX };
	assert_int_equal(kreloc_xlat_round(&r, 12, true), 0);
	assert_int_equal(r.base, 0x40000000);
	assert_int_equal(r.size, 0x2000);
	assert_int_equal(r.attr, RX);
	r = (struct kreloc_xlat_region){ 0x40000800, 0x1000, RX };
	assert_int_equal(kreloc_xlat_round(&r, 16, true), 0);
	assert_int_equal(r.base, 0x40000000);
	assert_int_equal(r.size, 0x10000);
	r = (struct kreloc_xlat_region){ 0x40000800, 0x3000, RW };
	assert_int_equal(kreloc_xlat_round(&r, 12, false), 0);
	assert_int_equal(r.base, 0x40001000);
	assert_int_equal(r.size, 0x2000);
	r = (struct kreloc_xlat_region){ 0x40000800, 0x3000, RW };
	assert_int_equal(kreloc_xlat_round(&r, 14, false), KRELOC_E_XLAT_MAP);
	assert_int_equal(r.base, 0x40000800);	/* untouched */
	assert_int_equal(r.size, 0x3000);
	r = (struct kreloc_xlat_region){ UINT64_MAX - 0x800, 0x10, RW };
	assert_int_equal(kreloc_xlat_round(&r, 12, true), KRELOC_E_OVERFLOW);
	assert_int_equal(kreloc_xlat_round(&r, 12, false), KRELOC_E_XLAT_MAP);
	r = (struct kreloc_xlat_region){ UINT64_MAX - 0x800, 0x1000, RW };
	assert_int_equal(kreloc_xlat_round(&r, 12, true), KRELOC_E_OVERFLOW);
	assert_int_equal(kreloc_xlat_round(&r, 13, true), KRELOC_E_XLAT_GRANULE);
	assert_int_equal(kreloc_xlat_round(NULL, 12, true), KRELOC_E_INVAL);
}

/* ---- error paths --------------------------------------------------------------- */
static int build_rc(const struct kreloc_xlat_config *cfg, const struct kreloc_xlat_region *r,
		    unsigned int n)
{
	struct kreloc_xlat x, before;
	unsigned int pages = 12345;
	struct pool p;
	int rc, rc2;

	memset(&x, 0x5a, sizeof(x));
	before = x;
	pool_init(&p, cfg && cfg->granule_shift >= 12 && cfg->granule_shift <= 16 ?
		      cfg->granule_shift : 12, 64, 0x80000000ULL);
	rc = kreloc_xlat_build(cfg, r, n, pool_alloc, &p, &x);
	rc2 = kreloc_xlat_count(cfg, r, n, &pages);
	if (rc) {
		assert_memory_equal(&x, &before, sizeof(x));
		assert_int_equal(p.used, 0);	/* validation happens before any allocation */
		assert_int_equal(rc2, rc);
		assert_int_equal(pages, 12345);
	}
	pool_free(&p);
	return rc;
}

static void test_errors(void **state)
{
	struct kreloc_xlat_region ok = { 0x40000000, 0x100000, RW }, many[KRELOC_XLAT_MAX_REGIONS + 1];
	struct kreloc_xlat_config cfg = { 12, 1, 48 };
	struct kreloc_xlat x;
	struct pool p;

	(void)state;
	assert_int_equal(build_rc(NULL, &ok, 1), KRELOC_E_INVAL);
	assert_int_equal(build_rc(&cfg, NULL, 1), KRELOC_E_INVAL);
	assert_int_equal(build_rc(&cfg, &ok, 0), KRELOC_E_INVAL);
	for (unsigned int i = 0; i < KRELOC_ARRAY_SIZE(many); i++)
		many[i] = (struct kreloc_xlat_region){ i * 0x10000ULL, 0x1000, RW };
	assert_int_equal(build_rc(&cfg, many, KRELOC_XLAT_MAX_REGIONS), 0);
	assert_int_equal(build_rc(&cfg, many, KRELOC_XLAT_MAX_REGIONS + 1), KRELOC_E_INVAL);
	assert_int_equal(kreloc_xlat_count(&cfg, &ok, 1, NULL), KRELOC_E_INVAL);
	pool_init(&p, 12, 8, 0x80000000ULL);
	assert_int_equal(kreloc_xlat_build(&cfg, &ok, 1, NULL, &p, &x), KRELOC_E_INVAL);
	assert_int_equal(kreloc_xlat_build(&cfg, &ok, 1, pool_alloc, &p, NULL), KRELOC_E_INVAL);
	assert_int_equal(p.used, 0);
	pool_free(&p);

	cfg = (struct kreloc_xlat_config){ 13, 1, 48 };
	assert_int_equal(build_rc(&cfg, &ok, 1), KRELOC_E_XLAT_GRANULE);
	cfg = (struct kreloc_xlat_config){ 12, 0, 48 };
	assert_int_equal(build_rc(&cfg, &ok, 1), KRELOC_E_INVAL);
	cfg = (struct kreloc_xlat_config){ 12, 3, 48 };
	assert_int_equal(build_rc(&cfg, &ok, 1), KRELOC_E_INVAL);
	cfg = (struct kreloc_xlat_config){ 12, 1, 47 };
	assert_int_equal(build_rc(&cfg, &ok, 1), KRELOC_E_INVAL);

	for (unsigned int gi = 0; gi < 3; gi++) {
		unsigned int g = granules[gi];
		uint64_t gsz = 1ULL << g;
		struct kreloc_xlat_region r;

		cfg = (struct kreloc_xlat_config){ g, 2, 48 };
		r = (struct kreloc_xlat_region){ 0x40000000 + gsz / 2, gsz, RW };
		assert_int_equal(build_rc(&cfg, &r, 1), KRELOC_E_XLAT_MAP);	/* base */
		r = (struct kreloc_xlat_region){ 0x40000000, gsz + 0x800, RW };
		assert_int_equal(build_rc(&cfg, &r, 1), KRELOC_E_XLAT_MAP);	/* size */
		if (g > 12) {
			r = (struct kreloc_xlat_region){ 0x40001000, gsz, RW };
			assert_int_equal(build_rc(&cfg, &r, 1), KRELOC_E_XLAT_MAP);
		}
		r = (struct kreloc_xlat_region){ 0x40000000, 0, RW };
		assert_int_equal(build_rc(&cfg, &r, 1), KRELOC_E_XLAT_MAP);
		r = (struct kreloc_xlat_region){ 0x40000000, gsz, 0 };
		assert_int_equal(build_rc(&cfg, &r, 1), KRELOC_E_XLAT_MAP);
		r = (struct kreloc_xlat_region){ 0x40000000, gsz, 4 };
		assert_int_equal(build_rc(&cfg, &r, 1), KRELOC_E_XLAT_MAP);
		r = (struct kreloc_xlat_region){ 0ULL - gsz, 2 * gsz, RW };
		assert_int_equal(build_rc(&cfg, &r, 1), KRELOC_E_OVERFLOW);

		/* PA range: 36-bit CPU; 52-bit CPU still capped at 48, refused as such */
		cfg = (struct kreloc_xlat_config){ g, 1, 36 };
		r = (struct kreloc_xlat_region){ (1ULL << 36) - gsz, gsz, RW };
		assert_int_equal(build_rc(&cfg, &r, 1), 0);
		r = (struct kreloc_xlat_region){ 1ULL << 36, gsz, RW };
		assert_int_equal(build_rc(&cfg, &r, 1), KRELOC_E_XLAT_PA_RANGE);
		r = (struct kreloc_xlat_region){ (1ULL << 36) - gsz, 2 * gsz, RW };
		assert_int_equal(build_rc(&cfg, &r, 1), KRELOC_E_XLAT_PA_RANGE);
		cfg = (struct kreloc_xlat_config){ g, 1, 52 };
		r = (struct kreloc_xlat_region){ (1ULL << 48) - gsz, gsz, RW };
		assert_int_equal(build_rc(&cfg, &r, 1), 0);
		r = (struct kreloc_xlat_region){ 1ULL << 48, gsz, RW };
		assert_int_equal(build_rc(&cfg, &r, 1), KRELOC_E_XLAT_PA_52BIT);
		r = (struct kreloc_xlat_region){ 1ULL << 50, gsz, RW };
		assert_int_equal(build_rc(&cfg, &r, 1), KRELOC_E_XLAT_PA_52BIT);
		r = (struct kreloc_xlat_region){ (1ULL << 48) - gsz, 2 * gsz, RW };
		assert_int_equal(build_rc(&cfg, &r, 1), KRELOC_E_XLAT_PA_52BIT);
		/* a 48-bit CPU: beyond its range, not a 52-bit refusal */
		cfg = (struct kreloc_xlat_config){ g, 1, 48 };
		r = (struct kreloc_xlat_region){ 1ULL << 48, gsz, RW };
		assert_int_equal(build_rc(&cfg, &r, 1), KRELOC_E_XLAT_PA_RANGE);
	}

	/* The allocator breaks its contract: misaligned page, or one the CPU cannot reach. */
	cfg = (struct kreloc_xlat_config){ 14, 1, 32 };
	pool_init(&p, 14, 8, 0x80000000ULL);
	p.misalign = 1;
	memset(&x, 0x5a, sizeof(x));
	assert_int_equal(kreloc_xlat_build(&cfg, &ok, 1, pool_alloc, &p, &x), KRELOC_E_INVAL);
	assert_int_equal(x.table_pages, 0x5a5a5a5a);
	pool_free(&p);
	pool_init(&p, 14, 8, 0x100000000ULL);
	assert_int_equal(kreloc_xlat_build(&cfg, &ok, 1, pool_alloc, &p, &x), KRELOC_E_XLAT_PA_RANGE);
	assert_int_equal(x.table_pages, 0x5a5a5a5a);
	pool_free(&p);
	/* a table page above 2^48 on a 52-bit CPU */
	cfg = (struct kreloc_xlat_config){ 14, 1, 52 };
	pool_init(&p, 14, 8, 1ULL << 48);
	assert_int_equal(kreloc_xlat_build(&cfg, &ok, 1, pool_alloc, &p, &x), KRELOC_E_XLAT_PA_52BIT);
	assert_int_equal(x.table_pages, 0x5a5a5a5a);
	pool_free(&p);
}

/* Allocator exhaustion at every possible point: E_NOMEM, nothing visible. */
static void test_nomem(void **state)
{
	(void)state;
	for (unsigned int gi = 0; gi < 3; gi++) {
		unsigned int g = granules[gi], need = 0;
		struct kreloc_xlat_region r[3] = {
			{ 0x40000000ULL, 1024 * GiB, RW },
			{ 0x60003000ULL & ~((1ULL << g) - 1), 1ULL << g, RX },
			{ 0x09000000ULL, 1ULL << g, DEV },
		};
		struct kreloc_xlat_config cfg = { g, 1, 48 };

		assert_int_equal(kreloc_xlat_count(&cfg, r, 3, &need), 0);
		assert_true(need >= 3);
		for (unsigned int lim = 0; lim <= need; lim++) {
			struct kreloc_xlat x, before;
			struct pool p;
			int rc;

			memset(&x, 0xa5, sizeof(x));
			before = x;
			pool_init(&p, g, lim, 0x80000000ULL);
			rc = kreloc_xlat_build(&cfg, r, 3, pool_alloc, &p, &x);
			if (lim < need) {
				assert_int_equal(rc, KRELOC_E_NOMEM);
				assert_memory_equal(&x, &before, sizeof(x));
				assert_int_equal(p.used, lim);	/* taken pages stay the caller's */
			} else {
				assert_int_equal(rc, 0);
				check_map(&x, &p, r, 3);
			}
			pool_free(&p);
		}
	}
}

/* ---- the walker on hand-made tables ------------------------------------------ */
static uint64_t *tbl(struct pool *p, unsigned int i)
{
	return (uint64_t *)(p->buf + i * p->gsz);
}

/* Walk the local x through the local pool p into the local w. */
#define WALK(va)	kreloc_xlat_walk(&x, (va), pool_read, &p, &w)

static void test_walk_faults(void **state)
{
	const uint64_t AF = 1ULL << 10, SH = 3ULL << 8, RO = 1ULL << 7, AP1 = 1ULL << 6;
	const uint64_t PXN = 1ULL << 53, XN = 1ULL << 54, PAGE = 3, BLOCK = 1, TABLE = 3;
	struct kreloc_xlat x = { 0 };
	struct kreloc_xlat_walk_result w;
	struct pool p;
	uint64_t pb;

	(void)state;
	/* 4K, 39-bit VA: root at level 1 (page 0), L2 (page 1), L3 (page 2). */
	pool_init(&p, 12, 8, 0x80000000ULL);
	pb = p.pa_base;
	p.used = 4;
	memset(p.buf, 0, 8 * 4096);
	x = (struct kreloc_xlat){ .root_pa = pb, .ttbr = pb, .mair = 0x04ff, .granule_shift = 12,
				  .el = 1, .pa_bits = 40, .va_bits = 39, .start_level = 1 };
	tbl(&p, 0)[1] = 0x40000000ULL | AF | SH | PXN | XN | BLOCK;
	tbl(&p, 0)[2] = (pb + 0x1000) | TABLE;
	tbl(&p, 1)[0] = (pb + 0x2000) | TABLE;
	tbl(&p, 1)[1] = 0x80201000ULL | AF | BLOCK;		/* OA bits inside the block */
	tbl(&p, 1)[2] = 0x80400000ULL | (1ULL << 2) | AF | BLOCK;	/* device index */
	tbl(&p, 2)[5] = 0x80005000ULL | AF | SH | RO | XN | PAGE;	/* RX */
	tbl(&p, 2)[6] = 0x80006000ULL | SH | PAGE;			/* AF = 0 */
	tbl(&p, 2)[7] = 0x80007000ULL | AF | BLOCK;			/* reserved at L3 */
	tbl(&p, 2)[8] = (1ULL << 40) | AF | PAGE;			/* beyond 40-bit PA */
	tbl(&p, 2)[9] = 0x80009000ULL | (1ULL << 48) | AF | PAGE;	/* OA[51:48] */
	tbl(&p, 2)[10] = 0x8000a000ULL | AF | AP1 | PAGE;		/* EL0 RW: no PXN set */
	tbl(&p, 0)[3] = (pb + 0x3000) | TABLE | (1ULL << 62) | (1ULL << 59);
	tbl(&p, 3)[0] = (pb + 0x2000) | TABLE;				/* shares the L3 table */
	tbl(&p, 0)[4] = (pb + 0x7000) | TABLE;				/* page not handed out */

	assert_int_equal(WALK(0x40001234), 0);
	assert_int_equal(w.pa, 0x40001234);
	assert_int_equal(w.level, 1);
	assert_int_equal(w.block_size, GiB);
	assert_int_equal(w.block_base, 0x40000000);
	assert_true(w.writable);
	assert_false(w.executable);
	assert_int_equal(w.mair_attr, 0xff);

	assert_int_equal(WALK(0x80005678), 0);
	assert_int_equal(w.pa, 0x80005678);
	assert_int_equal(w.level, 3);
	assert_false(w.writable);
	assert_true(w.executable);
	/* APTable RO + PXNTable above the same L3 table */
	assert_int_equal(WALK(0xc0005000), 0);
	assert_int_equal(w.pa, 0x80005000);
	assert_false(w.writable);
	assert_false(w.executable);
	/* EL0-writable memory is never privileged-executable at EL1 */
	assert_int_equal(WALK(0x8000a000), 0);
	assert_true(w.writable);
	assert_false(w.executable);
	assert_int_equal(WALK(0x80400000), 0);
	assert_int_equal(w.attr_index, 1);
	assert_int_equal(w.mair_attr, 0x04);

	assert_int_equal(WALK(0x10000), KRELOC_E_XLAT_FAULT);
	assert_int_equal(w.fault, KRELOC_XLAT_FAULT_TRANSLATION);
	assert_int_equal(w.level, 1);
	assert_int_equal(w.block_size, GiB);
	assert_int_equal(WALK(0x80006000), KRELOC_E_XLAT_FAULT);
	assert_int_equal(w.fault, KRELOC_XLAT_FAULT_ACCESS_FLAG);
	assert_int_equal(WALK(0x80007000), KRELOC_E_XLAT_FAULT);
	assert_int_equal(w.fault, KRELOC_XLAT_FAULT_TRANSLATION);
	assert_int_equal(w.level, 3);
	assert_int_equal(WALK(0x80008000), KRELOC_E_XLAT_FAULT);
	assert_int_equal(w.fault, KRELOC_XLAT_FAULT_ADDRESS_SIZE);
	assert_int_equal(WALK(0x80009000), KRELOC_E_XLAT_FAULT);
	assert_int_equal(w.fault, KRELOC_XLAT_FAULT_MALFORMED);
	assert_int_equal(WALK(0x80200000), KRELOC_E_XLAT_FAULT);
	assert_int_equal(w.fault, KRELOC_XLAT_FAULT_MALFORMED);
	assert_int_equal(WALK(1ULL << 39), KRELOC_E_XLAT_FAULT);
	assert_int_equal(w.fault, KRELOC_XLAT_FAULT_TRANSLATION);
	assert_int_equal(w.block_size, 0);
	assert_int_equal(WALK(0x100000000ULL), KRELOC_E_INVAL);	/* rd says no */

	/* EL2: AP[1] RES1, bit 53 RES0, XN and XNTable at 54 and 60 */
	x.el = 2;
	tbl(&p, 2)[5] = 0x80005000ULL | AF | SH | AP1 | RO | PAGE;
	tbl(&p, 2)[6] = 0x80006000ULL | AF | SH | PAGE;
	tbl(&p, 2)[7] = 0x80007000ULL | AF | SH | AP1 | PXN | PAGE;
	tbl(&p, 2)[8] = 0x80008000ULL | AF | SH | AP1 | XN | PAGE;
	assert_int_equal(WALK(0x80005000), 0);
	assert_true(w.executable);
	assert_false(w.writable);
	assert_int_equal(WALK(0x80006000), KRELOC_E_XLAT_FAULT);
	assert_int_equal(w.fault, KRELOC_XLAT_FAULT_MALFORMED);
	assert_int_equal(WALK(0x80007000), KRELOC_E_XLAT_FAULT);
	assert_int_equal(w.fault, KRELOC_XLAT_FAULT_MALFORMED);
	assert_int_equal(WALK(0x80008000), 0);
	assert_false(w.executable);
	assert_true(w.writable);
	tbl(&p, 0)[2] |= 1ULL << 60;					/* XNTable */
	assert_int_equal(WALK(0x80005000), 0);
	assert_false(w.executable);

	/* Blocks where the granule has none: L0 at 4K, L1 at 16K. */
	x = (struct kreloc_xlat){ .root_pa = pb, .ttbr = pb, .mair = 0x04ff, .granule_shift = 12,
				  .el = 1, .pa_bits = 48, .va_bits = 48, .start_level = 0 };
	memset(p.buf, 0, 8 * 4096);
	tbl(&p, 0)[0] = AF | BLOCK;
	assert_int_equal(WALK(0x1000), KRELOC_E_XLAT_FAULT);
	assert_int_equal(w.fault, KRELOC_XLAT_FAULT_TRANSLATION);
	assert_int_equal(w.level, 0);
	pool_free(&p);

	pool_init(&p, 14, 2, 0x80000000ULL);
	p.used = 2;
	memset(p.buf, 0, 2 << 14);
	x = (struct kreloc_xlat){ .root_pa = pb, .ttbr = pb, .mair = 0x04ff, .granule_shift = 14,
				  .el = 1, .pa_bits = 48, .va_bits = 40, .start_level = 1 };
	tbl(&p, 0)[0] = AF | BLOCK;
	tbl(&p, 0)[1] = (pb + 0x4000) | TABLE;
	((uint64_t *)(p.buf + 0x4000))[0] = (1ULL << 36) | (1ULL << 12) | AF | BLOCK;
	assert_int_equal(WALK(0x1000), KRELOC_E_XLAT_FAULT);
	assert_int_equal(w.fault, KRELOC_XLAT_FAULT_TRANSLATION);
	assert_int_equal(w.level, 1);
	assert_int_equal(WALK(1ULL << 36), KRELOC_E_XLAT_FAULT);
	assert_int_equal(w.fault, KRELOC_XLAT_FAULT_MALFORMED);	/* bit 12 under 16K */

	/* Bad arguments */
	assert_int_equal(kreloc_xlat_walk(NULL, 0, pool_read, &p, &w), KRELOC_E_INVAL);
	assert_int_equal(kreloc_xlat_walk(&x, 0, NULL, &p, &w), KRELOC_E_INVAL);
	assert_int_equal(kreloc_xlat_walk(&x, 0, pool_read, &p, NULL), KRELOC_E_INVAL);
	x.start_level = 2;
	assert_int_equal(WALK(0), KRELOC_E_INVAL);
	x.start_level = 1;
	x.el = 3;
	assert_int_equal(WALK(0), KRELOC_E_INVAL);
	x.el = 2;
	x.pa_bits = 31;
	assert_int_equal(WALK(0), KRELOC_E_INVAL);
	x.pa_bits = 48;
	x.va_bits = 24;
	x.start_level = kreloc_xlat_start_level(14, 24);
	assert_int_equal(WALK(0), KRELOC_E_INVAL);
	x.va_bits = 49;
	x.start_level = 0;
	assert_int_equal(WALK(0), KRELOC_E_INVAL);
	x.va_bits = 40;
	x.start_level = 1;
	assert_int_equal(WALK(0), KRELOC_E_XLAT_FAULT);	/* valid again: the L1 block */
	x.granule_shift = 13;
	assert_int_equal(WALK(0), KRELOC_E_INVAL);
	pool_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regs),
		cmocka_unit_test(test_geometry),
		cmocka_unit_test(test_ram_regions),
		cmocka_unit_test(test_check_cpu),
		cmocka_unit_test(test_round),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_nomem),
		cmocka_unit_test(test_walk_faults),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_shim_map),
		cmocka_unit_test(test_footprint),
		cmocka_unit_test(test_random_maps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
