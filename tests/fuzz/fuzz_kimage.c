// SPDX-License-Identifier: MIT
/*
 * fuzz_kimage.c - libFuzzer target: segment validation, the room check and
 * the entry-list encoder, proven on the simulator (tools/sim.h).
 *
 * The input describes RAM banks, reserved ranges, up to 17 segments (well
 * formed or not) and how an allocator behaves.  Then:
 *  - kreloc_segments_validate(), kreloc_kimage_need() and
 *    kreloc_kimage_check_room() are compared with models written here
 *    (exact error code, page counts, free-page count by interval arithmetic);
 *  - kreloc_kimage_load() runs with an allocator the input steers (random
 *    pages, pages inside destinations, the next data page so that it is
 *    staged in place, a page budget) over separately allocated host pages,
 *    so ASan sees any overrun; when the room check passed and the allocator
 *    could offer every free page, the load must succeed;
 *  - an accepted list must pass kreloc_kimage_check_list() with statistics
 *    that agree with the load, and executing it on the simulator must write
 *    exactly the destinations with their bytes (kreloc_sim_run());
 *  - optionally one list entry is then mutated: whenever the checker still
 *    accepts the list, the simulator must execute it without a fault (the
 *    checker's soundness: coverage, safety, termination).
 */
#include <kreloc/kimage.h>
#include <kreloc/memmap.h>

#include "fuzz.h"
#include "sim.h"

#define PAGE		4096ULL
#define MAX_BANKS	4
#define MAX_RES		6
#define MAX_SEGS	(KRELOC_MAX_SEGMENTS + 1)
#define LOAD_PAGES	512		/* destinations larger than this are only validated */
#define ARENA_PAGES	2304		/* >= safe pages + set-aside pages of any load */
#define HASH_SLOTS	8192
#define POOL_SIZE	(4u << 20)

typedef unsigned __int128 u128;

struct range {
	uint64_t base, size;
};

/* ---- the steered allocator ------------------------------------------------ */

struct arena {
	const struct kreloc_memmap *map;
	const struct kreloc_segment *segs;
	unsigned int n;
	uint64_t rng;
	unsigned int collide_pct, predict_pct;
	uint64_t limit;			/* pages; 0: no budget */
	unsigned int used;		/* pages handed out */
	bool exhausted;			/* refused for a reason other than the budget */
	unsigned int pred_seg;
	uint64_t pred_off;
	uint64_t pa[ARENA_PAGES];
	/* pfn + 1 -> index + 1, open addressing, stamped per input */
	uint64_t key[HASH_SLOTS];
	uint32_t val[HASH_SLOTS], stamp[HASH_SLOTS];
	uint32_t epoch;
};

static struct arena A;
static uint8_t *blocks[ARENA_PAGES];	/* each its own heap block: ASan guards it */
static uint8_t *pool;			/* segment data source, filled once */

static uint32_t slot_of(uint64_t pfn)
{
	return (uint32_t)((pfn * 0x9e3779b97f4a7c15ULL) >> 51) & (HASH_SLOTS - 1);
}

static int lookup(uint64_t pa)
{
	uint64_t k = (pa >> 12) + 1;

	for (uint32_t s = slot_of(k);; s = (s + 1) & (HASH_SLOTS - 1)) {
		if (A.stamp[s] != A.epoch)
			return -1;
		if (A.key[s] == k)
			return (int)A.val[s];
	}
}

static void insert(uint64_t pa, uint32_t idx)
{
	uint64_t k = (pa >> 12) + 1;
	uint32_t s;

	for (s = slot_of(k); A.stamp[s] == A.epoch; s = (s + 1) & (HASH_SLOTS - 1))
		;
	A.stamp[s] = A.epoch;
	A.key[s] = k;
	A.val[s] = idx;
}

static bool page_ok(uint64_t pa)
{
	return kreloc_memmap_is_free(A.map, pa, PAGE) && lookup(pa) < 0;
}

static bool random_page(uint64_t base, uint64_t size, uint64_t *pa)
{
	uint64_t lo = KRELOC_ALIGN_UP(base, PAGE), hi = KRELOC_ALIGN_DOWN(base + size, PAGE);

	if (lo < base || hi <= lo)
		return false;
	*pa = lo + fz_mix(&A.rng) % ((hi - lo) / PAGE) * PAGE;
	return page_ok(*pa);
}

/* A usable page of bank @r, scanning from page @start and wrapping once; bounded. */
static bool scan_bank(const struct kreloc_range *r, uint64_t start, uint64_t *pa)
{
	uint64_t lo = KRELOC_ALIGN_UP(r->base, PAGE), hi = KRELOC_ALIGN_DOWN(r->base + r->size, PAGE);
	uint64_t p, stop;
	unsigned int steps = 0;

	if (lo < r->base || hi <= lo)
		return false;
	p = lo + start % ((hi - lo) / PAGE) * PAGE;
	stop = hi;
	for (int pass = 0; pass < 2; pass++) {
		uint64_t from = p;

		while (p < stop) {
			bool jumped = false;

			if (steps++ == 65536) {
				A.exhausted = true;
				return false;
			}
			for (unsigned int i = 0; i < A.map->nr_reserved; i++) {
				const struct kreloc_range *v = &A.map->reserved[i];

				if (kreloc_ranges_overlap(p, PAGE, v->base, v->size)) {
					uint64_t e = KRELOC_ALIGN_UP(v->base + v->size, PAGE);

					p = e > p ? e : stop;
					jumped = true;
					break;
				}
			}
			if (jumped)
				continue;
			if (page_ok(p)) {
				*pa = p;
				return true;
			}
			p += PAGE;
		}
		stop = pass ? stop : from;
		p = lo;
	}
	return false;
}

static void *steered_alloc(void *ctx, uint64_t size, uint64_t *out)
{
	uint64_t pa = 0;
	bool got = false;
	unsigned int nb = A.map->nr_ram;

	(void)ctx;
	if (size != PAGE || !nb)
		return NULL;
	if (A.limit && A.used >= A.limit)
		return NULL;
	if (A.used == ARENA_PAGES) {
		A.exhausted = true;
		return NULL;
	}
	if (A.n && fz_mix(&A.rng) % 100 < A.collide_pct) {
		const struct kreloc_segment *s = &A.segs[fz_mix(&A.rng) % A.n];

		got = random_page(s->dest, s->memsz, &pa);
	}
	while (!got && A.n && A.pred_seg < A.n && fz_mix(&A.rng) % 100 < A.predict_pct) {
		const struct kreloc_segment *s = &A.segs[A.pred_seg];

		if (A.pred_off >= s->bufsz) {
			A.pred_seg++;
			A.pred_off = 0;
			continue;
		}
		pa = s->dest + A.pred_off;
		A.pred_off += PAGE;
		got = page_ok(pa);
		break;
	}
	for (int i = 0; !got && i < 8; i++) {
		const struct kreloc_range *r = &A.map->ram[fz_mix(&A.rng) % nb];

		got = random_page(r->base, r->size, &pa);
	}
	if (!got) {
		unsigned int b0 = (unsigned int)(fz_mix(&A.rng) % nb);

		for (unsigned int k = 0; !got && k < nb; k++) {
			const struct kreloc_range *r = &A.map->ram[(b0 + k) % nb];
			got = scan_bank(r, fz_mix(&A.rng), &pa);
		}
	}
	if (!got)
		return NULL;
	insert(pa, A.used);
	A.pa[A.used] = pa;
	memset(blocks[A.used], 0, PAGE);
	*out = pa;
	return blocks[A.used++];
}

static const void *arena_read(void *ctx, uint64_t pa, uint64_t len)
{
	int i = lookup(KRELOC_ALIGN_DOWN(pa, PAGE));

	(void)ctx;
	if (i < 0 || (pa & (PAGE - 1)) + len > PAGE)
		return NULL;
	return blocks[i] + (pa & (PAGE - 1));
}

/* ---- models ---------------------------------------------------------------- */

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

/* Sort and merge ranges that overlap or touch; returns the new count. */
static unsigned int merge(struct range *r, unsigned int n)
{
	unsigned int m = 0;

	qsort(r, n, sizeof(*r), cmp_range);
	for (unsigned int i = 0; i < n; i++) {
		if (m && (u128)r[m - 1].base + r[m - 1].size >= r[i].base) {
			u128 e = (u128)r[i].base + r[i].size;

			if (e > (u128)r[m - 1].base + r[m - 1].size)
				r[m - 1].size = (uint64_t)(e - r[m - 1].base);
		} else {
			r[m++] = r[i];
		}
	}
	return m;
}

static bool in_ram(const struct range *ram, unsigned int nr, uint64_t b, uint64_t s)
{
	for (unsigned int i = 0; i < nr; i++)
		if (b >= ram[i].base && (u128)b + s <= (u128)ram[i].base + ram[i].size)
			return true;
	return false;
}

static bool overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return as && bs && (u128)a < (u128)b + bs && (u128)b < (u128)a + as;
}

static int model_validate(const struct range *ram, unsigned int nr, const struct range *res,
			  unsigned int nres, const struct kreloc_segment *s, unsigned int n)
{
	if (n > KRELOC_MAX_SEGMENTS)
		return KRELOC_E_INVAL;
	for (unsigned int i = 0; i < n; i++) {
		if (s[i].bufsz && !s[i].buf)
			return KRELOC_E_INVAL;
		if ((s[i].dest | s[i].memsz) & (PAGE - 1))
			return KRELOC_E_SEG_ALIGN;
		if (!s[i].memsz || s[i].bufsz > s[i].memsz ||
		    (u128)s[i].dest + s[i].memsz > UINT64_MAX)
			return KRELOC_E_SEG_SIZE;
		if (!in_ram(ram, nr, s[i].dest, s[i].memsz))
			return KRELOC_E_SEG_NOT_RAM;
		for (unsigned int j = 0; j < nres; j++)
			if (overlap(s[i].dest, s[i].memsz, res[j].base, res[j].size))
				return KRELOC_E_SEG_RESERVED;
		for (unsigned int j = 0; j < i; j++)
			if (overlap(s[i].dest, s[i].memsz, s[j].dest, s[j].memsz))
				return KRELOC_E_SEG_OVERLAP;
	}
	return 0;
}

/* Whole free pages outside every destination: RAM in, reserved out, by intervals. */
static uint64_t model_free_pages(const struct range *ram, unsigned int nr, const struct range *res,
				 unsigned int nres, const struct kreloc_segment *s, unsigned int n)
{
	struct range blk[MAX_RES + MAX_SEGS];
	unsigned int nb = 0;
	uint64_t total = 0;

	for (unsigned int i = 0; i < nres; i++) {
		u128 e = ((u128)res[i].base + res[i].size + PAGE - 1) & ~(u128)(PAGE - 1);
		uint64_t b = KRELOC_ALIGN_DOWN(res[i].base, PAGE);

		if (e > UINT64_MAX)
			e = UINT64_MAX;	/* no RAM page reaches 2^64 anyway */
		blk[nb].base = b;
		blk[nb++].size = (uint64_t)(e - b);
	}
	for (unsigned int i = 0; i < n; i++) {
		blk[nb].base = s[i].dest;
		blk[nb++].size = s[i].memsz;
	}
	nb = merge(blk, nb);
	for (unsigned int i = 0; i < nr; i++) {
		u128 lo = ((u128)ram[i].base + PAGE - 1) & ~(u128)(PAGE - 1);
		u128 hi = ((u128)ram[i].base + ram[i].size) & ~(u128)(PAGE - 1);

		if (hi <= lo)
			continue;
		total += (uint64_t)((hi - lo) / PAGE);
		for (unsigned int j = 0; j < nb; j++) {
			u128 b = blk[j].base, e = (u128)blk[j].base + blk[j].size;

			if (b < lo)
				b = lo;
			if (e > hi)
				e = hi;
			if (e > b)
				total -= (uint64_t)((e - b) / PAGE);
		}
	}
	return total;
}

/* ---- the target ------------------------------------------------------------- */

struct input {
	struct kreloc_memmap map;
	struct range ram[MAX_BANKS], res[MAX_RES];	/* accepted by the map */
	unsigned int nr, nres;
	struct kreloc_segment segs[MAX_SEGS];
	unsigned int n;
	bool mutate;
	uint64_t extra;
};

static uint64_t pick_in(struct fz *f, const struct input *in, uint64_t maxpages)
{
	const struct range *r;
	uint64_t pages;

	if (!in->nr)
		return fz_u32(f) * PAGE;
	r = &in->ram[fz_below(f, in->nr)];
	pages = r->size / PAGE;
	return KRELOC_ALIGN_UP(r->base, PAGE) + fz_below(f, pages < maxpages ? pages : maxpages) * PAGE;
}

static void read_input(struct fz *f, struct input *in)
{
	uint8_t h = fz_u8(f);
	unsigned int banks = (h & 3) + 1, nres = ((h >> 2) & 7) % (MAX_RES + 1);

	memset(in, 0, sizeof(*in));
	kreloc_memmap_init(&in->map);
	in->mutate = h & 0x80;
	for (unsigned int i = 0; i < banks; i++) {
		uint8_t m = fz_u8(f);
		uint64_t base, size;

		if (m < 0xf0) {
			base = (uint64_t)fz_u16(f) << (12 + (m & 15));
			size = ((uint64_t)fz_u16(f) + 1) << 12;
			if (m & 0x10)
				base += fz_u16(f) & 0xfff;	/* unaligned edge */
			if (m & 0x20)
				size -= fz_u16(f) & 0xfff;
		} else {
			base = fz_u64(f);
			size = fz_u64(f);
		}
		if (kreloc_memmap_add_ram(&in->map, base, size) == 0 && size) {
			in->ram[in->nr].base = base;
			in->ram[in->nr++].size = size;
		}
	}
	for (unsigned int i = 0; i < nres; i++) {
		uint8_t m = fz_u8(f);
		uint64_t base, size;

		if (m < 0xf0) {
			base = pick_in(f, in, 1u << 16) + (m & 1 ? fz_u16(f) & 0xfff : 0);
			size = ((uint64_t)fz_u8(f) + 1) << 12;
			if (m & 2)
				size -= fz_u16(f) & 0xfff;
		} else {
			base = fz_u64(f);
			size = fz_u64(f);
		}
		if (kreloc_memmap_add_reserved(&in->map, base, size) == 0 && size) {
			in->res[in->nres].base = base;
			in->res[in->nres++].size = size;
		}
	}
	in->n = fz_u8(f) % (MAX_SEGS + 1);
	for (unsigned int i = 0; i < in->n; i++) {
		struct kreloc_segment *s = &in->segs[i];
		uint8_t m = fz_u8(f);

		if (m < 0xe0) {
			s->dest = pick_in(f, in, 1u << 16);
			s->memsz = ((uint64_t)(m & 31) + 1) * PAGE;
			s->bufsz = fz_below(f, s->memsz + 1);
			if (m & 0x80)
				s->bufsz = KRELOC_ALIGN_DOWN(s->bufsz, PAGE);
		} else {
			s->dest = fz_u64(f);
			s->memsz = fz_u64(f);
			s->bufsz = fz_u64(f);
		}
		/* bytes from the pool; NULL now and then to test the refusal */
		s->buf = (m & 0x60) == 0x60 && fz_u8(f) == 0 ? NULL :
			 pool + (s->bufsz <= POOL_SIZE ? fz_below(f, POOL_SIZE - s->bufsz + 1) : 0);
	}
	A.collide_pct = fz_u8(f) % 101;
	A.predict_pct = fz_u8(f) % 101;
	A.limit = 0;
	if (fz_u8(f) & 1)
		A.limit = fz_u16(f);
	A.rng = fz_u64(f);
	in->extra = fz_u16(f);
}

/* Every map range sorted, disjoint, merged where touching, not wrapping. */
static void check_map(const struct kreloc_range *t, unsigned int n, const struct range *want,
		      unsigned int nwant)
{
	FZ_CHECK(n == nwant, "map holds %u ranges, the model %u", n, nwant);
	for (unsigned int i = 0; i < n; i++)
		FZ_CHECK(t[i].base == want[i].base && t[i].size == want[i].size,
			 "map range %u is %#llx+%#llx, the model %#llx+%#llx", i,
			 (unsigned long long)t[i].base, (unsigned long long)t[i].size,
			 (unsigned long long)want[i].base, (unsigned long long)want[i].size);
}

/* Copy every page handed out into a fresh simulator. */
static struct kreloc_sim *sim_from_arena(const struct kreloc_memmap *map)
{
	struct kreloc_sim *sim = kreloc_sim_new(map, 1);

	FZ_CHECK(sim, "kreloc_sim_new");
	for (unsigned int i = 0; i < A.used; i++)
		kreloc_sim_write(sim, A.pa[i], blocks[i], PAGE);
	return sim;
}

/* Change one list entry; then whatever the checker accepts must run cleanly. */
static void mutate_and_check(struct fz *f, const struct input *in, const struct kreloc_kimage *ki,
			     const struct kreloc_kimage_need *nd)
{
	uint64_t pages[64], e = ki->head;
	unsigned int np = 0, slot;
	uint64_t *list, old, v;
	struct kreloc_list_stats st;
	struct kreloc_sim_result res;
	struct kreloc_sim *sim;
	int err;

	/* the list pages, following the (valid) links */
	while (np < 64 && (e & 15) == KRELOC_IND_INDIRECTION) {
		const uint64_t *pg = arena_read(NULL, e & ~(PAGE - 1), PAGE);

		pages[np++] = e & ~(PAGE - 1);
		e = 0;
		for (unsigned int s = 0; pg && s < KRELOC_IND_SLOTS; s++)
			if ((pg[s] & 15) == KRELOC_IND_INDIRECTION || pg[s] == KRELOC_IND_DONE)
				e = pg[s];
	}
	list = (uint64_t *)blocks[lookup(pages[fz_below(f, np)])];
	slot = (unsigned int)fz_below(f, KRELOC_IND_SLOTS);
	old = list[slot];
	switch (fz_u8(f) % 7) {
	case 0: v = fz_u64(f); break;
	case 1:
		v = A.pa[fz_below(f, A.used)];
		v |= 1u << fz_below(f, 4);
		break;
	case 2: v = 0; break;
	case 3: v = KRELOC_IND_DONE; break;
	case 4: v = (old & ~15ULL) | (1u << fz_below(f, 4)); break;
	case 5: v = old + PAGE; break;
	default: v = list[fz_below(f, KRELOC_IND_SLOTS)]; break;
	}
	list[slot] = v;
	err = kreloc_kimage_check_list(ki->head, arena_read, NULL, in->segs, in->n, &st);
	FZ_SAY("kimage: mutated slot %u %#llx -> %#llx: checker %s\n", slot,
	       (unsigned long long)old, (unsigned long long)v, kreloc_errname(err));
	if (err == 0) {
		sim = sim_from_arena(&in->map);
		kreloc_sim_execute(sim, ki->head, in->segs, in->n,
				   nd->list_pages * KRELOC_IND_SLOTS + 8, &res);
		FZ_CHECK(res.fault == KRELOC_SIM_OK,
			 "checker accepted a list the simulator faults on (slot %u: %#llx -> %#llx): %s",
			 slot, (unsigned long long)old, (unsigned long long)v, res.msg);
		FZ_CHECK(res.pages_written + res.skipped == nd->dest_pages,
			 "accepted list writes %llu pages of %llu",
			 (unsigned long long)(res.pages_written + res.skipped),
			 (unsigned long long)nd->dest_pages);
		kreloc_sim_free(sim);
	}
	list[slot] = old;
}

static void load_and_prove(struct fz *f, struct input *in, bool room_ok,
			   const struct kreloc_kimage_need *nd)
{
	uint8_t *data[MAX_SEGS] = { NULL };
	struct kreloc_segment copy[MAX_SEGS];
	struct kreloc_kimage ki = { 0 };
	struct kreloc_list_stats st;
	struct kreloc_sim_result res;
	struct kreloc_sim *sim;
	int err;

	/* each segment's bytes in a block of exactly bufsz: ASan sees over-reads */
	for (unsigned int i = 0; i < in->n; i++) {
		copy[i] = in->segs[i];
		if (copy[i].bufsz) {
			data[i] = malloc(copy[i].bufsz);
			FZ_CHECK(data[i], "malloc");
			memcpy(data[i], in->segs[i].buf, copy[i].bufsz);
			copy[i].buf = data[i];
		}
	}
	A.epoch++;
	A.map = &in->map;
	A.segs = copy;
	A.n = in->n;
	A.used = 0;
	A.exhausted = false;
	A.pred_seg = 0;
	A.pred_off = 0;
	ki.map = &in->map;
	ki.segs = copy;
	ki.nr_segs = in->n;
	ki.alloc = steered_alloc;
	err = kreloc_kimage_load(&ki);
	FZ_SAY("kimage: load %s: %llu source, %llu in place, %llu zero-fill, %llu list pages, "
	       "%llu set aside\n", kreloc_errname(err), (unsigned long long)ki.source_pages,
	       (unsigned long long)ki.pages_in_place, (unsigned long long)ki.zero_fill_pages,
	       (unsigned long long)ki.indirection_pages,
	       (unsigned long long)ki.colliding_pages_set_aside);
	if (err) {
		FZ_CHECK(err == KRELOC_E_NOMEM, "load failed with %s (%d)", FZ_ERR(err));
		FZ_CHECK(!room_ok || A.limit || A.exhausted,
			 "room check passed, every free page was on offer, load ran out (%u pages)",
			 A.used);
		FZ_CHECK(!ki.head && !ki.entries && !ki.source_pages, "results written on failure");
		goto out;
	}
	FZ_CHECK(ki.source_pages + ki.zero_fill_pages + ki.pages_in_place == nd->dest_pages,
		 "%llu source + %llu zero + %llu in place != %llu destination pages",
		 (unsigned long long)ki.source_pages, (unsigned long long)ki.zero_fill_pages,
		 (unsigned long long)ki.pages_in_place, (unsigned long long)nd->dest_pages);
	FZ_CHECK(ki.indirection_pages <= nd->list_pages &&
		 ki.source_pages + ki.pages_in_place <= nd->data_pages,
		 "load took more pages than kreloc_kimage_need() promised");
	FZ_CHECK(A.used == ki.source_pages + ki.pages_in_place + ki.indirection_pages +
		 (ki.zero_fill_pages ? 1 : 0) + ki.colliding_pages_set_aside,
		 "%u pages taken, accounted %llu", A.used,
		 (unsigned long long)(ki.source_pages + ki.pages_in_place + ki.indirection_pages +
				      (ki.zero_fill_pages ? 1 : 0) + ki.colliding_pages_set_aside));

	err = kreloc_kimage_check_list(ki.head, arena_read, NULL, copy, in->n, &st);
	FZ_CHECK(err == 0, "checker refused the list the load built: %s (%d)", FZ_ERR(err));
	FZ_CHECK(st.list_pages == ki.indirection_pages && st.entries == ki.entries &&
		 st.in_place == ki.pages_in_place &&
		 st.sources == ki.source_pages + ki.pages_in_place + ki.zero_fill_pages &&
		 st.copies == st.sources - st.in_place && st.destinations <= in->n &&
		 st.runs <= st.destinations, "checker statistics disagree with the load");

	sim = sim_from_arena(&in->map);
	err = kreloc_sim_run(sim, ki.head, copy, in->n, &res);
	FZ_CHECK(err == 0, "simulator: %s", res.msg);
	FZ_CHECK(res.copies == st.copies && res.skipped == st.in_place,
		 "simulator copied %llu/skipped %llu, checker %llu/%llu",
		 (unsigned long long)res.copies, (unsigned long long)res.skipped,
		 (unsigned long long)st.copies, (unsigned long long)st.in_place);
	kreloc_sim_free(sim);

	if (in->mutate)
		mutate_and_check(f, in, &ki, nd);
out:
	for (unsigned int i = 0; i < in->n; i++)
		free(data[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct input in;
	struct range mram[MAX_BANKS], mres[MAX_RES];
	struct kreloc_kimage_need nd, poison;
	unsigned int nmram, nmres;
	uint64_t dest_pages = 0, data_pages = 0, freep;
	bool zero = false;
	struct fz f;
	int err, merr;

	if (!pool) {
		uint64_t s = 42;

		pool = malloc(POOL_SIZE);
		FZ_CHECK(pool, "malloc");
		for (size_t i = 0; i < POOL_SIZE; i += 8) {
			uint64_t v = fz_mix(&s);

			memcpy(pool + i, &v, 8);
		}
		for (unsigned int i = 0; i < ARENA_PAGES; i++) {
			blocks[i] = aligned_alloc(PAGE, PAGE);
			FZ_CHECK(blocks[i], "aligned_alloc");
		}
	}
	fz_init(&f, data, size);
	read_input(&f, &in);

	/* the map itself: sorted and merged as the model merges */
	memcpy(mram, in.ram, sizeof(mram));
	memcpy(mres, in.res, sizeof(mres));
	nmram = merge(mram, in.nr);
	nmres = merge(mres, in.nres);
	check_map(in.map.ram, in.map.nr_ram, mram, nmram);
	check_map(in.map.reserved, in.map.nr_reserved, mres, nmres);

	err = kreloc_segments_validate(&in.map, in.segs, in.n);
	merr = model_validate(mram, nmram, in.res, in.nres, in.segs, in.n);
	FZ_CHECK(err == merr, "validate returned %s (%d), the model %s (%d)", FZ_ERR(err),
		 FZ_ERR(merr));
	FZ_SAY("kimage: %u RAM, %u reserved, %u segments: validate %s\n", in.map.nr_ram,
	       in.map.nr_reserved, in.n, kreloc_errname(err));
	if (err)
		return 0;

	memset(&poison, 0x5a, sizeof(poison));
	nd = poison;
	FZ_CHECK(kreloc_kimage_need(in.segs, in.n, &nd) == 0, "need failed");
	for (unsigned int i = 0; i < in.n; i++) {
		uint64_t d = (in.segs[i].bufsz + PAGE - 1) / PAGE;

		dest_pages += in.segs[i].memsz / PAGE;
		data_pages += d;
		zero |= d < in.segs[i].memsz / PAGE;
	}
	FZ_CHECK(nd.dest_pages == dest_pages && nd.data_pages == data_pages &&
		 nd.zero_pages == zero &&
		 nd.list_pages == (in.n + dest_pages ? (in.n + dest_pages + 510) / 511 : 1) &&
		 nd.safe_pages == data_pages + zero + nd.list_pages,
		 "need: dest %llu data %llu zero %llu list %llu safe %llu",
		 (unsigned long long)nd.dest_pages, (unsigned long long)nd.data_pages,
		 (unsigned long long)nd.zero_pages, (unsigned long long)nd.list_pages,
		 (unsigned long long)nd.safe_pages);

	freep = model_free_pages(mram, nmram, in.res, in.nres, in.segs, in.n);
	err = kreloc_kimage_check_room(&in.map, in.segs, in.n, in.extra);
	FZ_CHECK(err == (freep >= nd.safe_pages + in.extra ? 0 : KRELOC_E_NOMEM),
		 "room(extra %llu) returned %s (%d); free pages %llu, safe pages %llu",
		 (unsigned long long)in.extra, FZ_ERR(err), (unsigned long long)freep,
		 (unsigned long long)nd.safe_pages);
	err = kreloc_kimage_check_room(&in.map, in.segs, in.n, 0);
	FZ_CHECK(err == (freep >= nd.safe_pages ? 0 : KRELOC_E_NOMEM), "room(0) returned %s (%d)",
		 FZ_ERR(err));

	FZ_SAY("kimage: %llu destination pages, %llu free, room %s\n",
	       (unsigned long long)dest_pages, (unsigned long long)freep, kreloc_errname(err));
	if (dest_pages <= LOAD_PAGES)
		load_and_prove(&f, &in, err == 0, &nd);
	return 0;
}
