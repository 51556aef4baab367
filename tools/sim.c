// SPDX-License-Identifier: MIT
/*
 * sim.c - simulated physical memory and the scattering page allocator (host only).
 */
#include <stdlib.h>

#include <kreloc/error.h>

#include "sim_priv.h"

uint64_t kreloc_sim_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rand_below(struct kreloc_sim *sim, uint64_t n)
{
	return n ? kreloc_sim_rand(&sim->rng) % n : 0;
}

/* Byte @a of never-written memory comes from a mix of its 8-byte word's address. */
void kreloc_sim_pattern(uint64_t pa, void *buf, uint64_t len)
{
	uint8_t *out = buf;
	uint64_t i = 0;

	while (i < len) {
		uint64_t a = pa + i;
		uint64_t w = a >> 3;
		/* no zero bytes, so a page of pattern never passes for zeros */
		uint64_t v = kreloc_sim_rand(&w) | 0x0101010101010101ULL;

		for (unsigned int b = (unsigned int)(a & 7); b < 8 && i < len; b++, i++)
			out[i] = (uint8_t)(v >> (b * 8));
	}
}

/* ---- page table ---------------------------------------------------------- */

static uint64_t slot_of(const struct kreloc_sim *sim, uint64_t pfn)
{
	return (pfn * 0x9e3779b97f4a7c15ULL >> 17) & (sim->cap - 1);
}

struct sim_page *sim_lookup(const struct kreloc_sim *sim, uint64_t pfn)
{
	for (uint64_t s = slot_of(sim, pfn);; s = (s + 1) & (sim->cap - 1)) {
		if (sim->tab[s].pfn == pfn)
			return &sim->tab[s];
		if (sim->tab[s].pfn == NO_PFN)
			return NULL;
	}
}

static void grow(struct kreloc_sim *sim)
{
	struct sim_page *old = sim->tab;
	uint64_t oldcap = sim->cap;

	sim->cap *= 2;
	sim->tab = malloc(sim->cap * sizeof(*sim->tab));
	if (!sim->tab)
		abort();
	for (uint64_t s = 0; s < sim->cap; s++)
		sim->tab[s].pfn = NO_PFN;
	for (uint64_t i = 0; i < oldcap; i++) {
		uint64_t s;

		if (old[i].pfn == NO_PFN)
			continue;
		for (s = slot_of(sim, old[i].pfn); sim->tab[s].pfn != NO_PFN;
		     s = (s + 1) & (sim->cap - 1))
			;
		sim->tab[s] = old[i];
	}
	free(old);
}

/* The page record for @pfn, created (reading the pattern) if absent.  May move records. */
struct sim_page *sim_get(struct kreloc_sim *sim, uint64_t pfn)
{
	struct sim_page *p = sim_lookup(sim, pfn);
	uint64_t s;

	if (p)
		return p;
	if (2 * (sim->used + 1) > sim->cap)
		grow(sim);
	for (s = slot_of(sim, pfn); sim->tab[s].pfn != NO_PFN; s = (s + 1) & (sim->cap - 1))
		;
	p = &sim->tab[s];
	memset(p, 0, sizeof(*p));
	p->pfn = pfn;
	p->state = PG_PATTERN;
	sim->used++;
	return p;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p)
		abort();
	return p;
}

/*
 * Page buffers are recycled through a small process-wide pool: a property
 * test builds thousands of models, and fresh heap memory for each page
 * (page faults, allocator fill) would dominate its run time.
 */
#define POOL_MAX	8192
static void *pool[POOL_MAX];
static unsigned int pool_n;

static uint8_t *page_buf(void)
{
	return pool_n ? pool[--pool_n] : xmalloc(PAGE);
}

static void page_buf_free(void *p)
{
	if (!p)
		return;
	if (pool_n < POOL_MAX)
		pool[pool_n++] = p;
	else
		free(p);
}

/* Give @p backing bytes without caring what they hold: they are about to be overwritten. */
void sim_own_data(struct sim_page *p)
{
	if (!p->data)
		p->data = page_buf();
	p->state = PG_DATA;
}

/* Give @p backing bytes holding its current content. */
static void materialize(struct sim_page *p)
{
	if (p->state == PG_DATA)
		return;
	if (!p->data)
		p->data = page_buf();
	if (p->state == PG_ZERO)
		memset(p->data, 0, PAGE);
	else
		kreloc_sim_pattern(p->pfn << PAGE_SHIFT, p->data, PAGE);
	p->state = PG_DATA;
}

void sim_set_zero(struct sim_page *p)
{
	if (p->flags & PF_BORROWED) {
		memset(p->data, 0, PAGE);	/* keep the contiguous view coherent */
		p->state = PG_DATA;
		return;
	}
	page_buf_free(p->data);
	p->data = NULL;
	p->state = PG_ZERO;
}

struct kreloc_sim *kreloc_sim_new(const struct kreloc_memmap *map, uint64_t seed)
{
	struct kreloc_sim *sim = calloc(1, sizeof(*sim));

	if (!sim)
		return NULL;
	sim->map = *map;
	sim->cap = 1024;
	sim->tab = malloc(sim->cap * sizeof(*sim->tab));
	if (!sim->tab) {
		free(sim);
		return NULL;
	}
	for (uint64_t s = 0; s < sim->cap; s++)
		sim->tab[s].pfn = NO_PFN;
	sim->rng = seed;
	return sim;
}

void kreloc_sim_free(struct kreloc_sim *sim)
{
	if (!sim)
		return;
	for (uint64_t s = 0; s < sim->cap; s++)
		if (sim->tab[s].pfn != NO_PFN && !(sim->tab[s].flags & PF_BORROWED))
			page_buf_free(sim->tab[s].data);
	while (sim->blocks) {
		struct sim_block *b = sim->blocks;

		sim->blocks = b->next;
		free(b);
	}
	free(sim->tab);
	free(sim->scratch);
	free(sim);
}

/* ---- byte access ----------------------------------------------------------- */

void sim_read_page(const struct kreloc_sim *sim, uint64_t pfn, uint64_t off, void *buf,
		      uint64_t len)
{
	const struct sim_page *p = sim_lookup(sim, pfn);

	if (!p || p->state == PG_PATTERN)
		kreloc_sim_pattern((pfn << PAGE_SHIFT) + off, buf, len);
	else if (p->state == PG_ZERO)
		memset(buf, 0, len);
	else
		memcpy(buf, p->data + off, len);
}

void kreloc_sim_read(struct kreloc_sim *sim, uint64_t pa, void *buf, uint64_t len)
{
	uint8_t *out = buf;

	while (len) {
		uint64_t off = pa & (PAGE - 1);
		uint64_t n = PAGE - off < len ? PAGE - off : len;

		sim_read_page(sim, pa >> PAGE_SHIFT, off, out, n);
		pa += n;
		out += n;
		len -= n;
	}
}

void kreloc_sim_write(struct kreloc_sim *sim, uint64_t pa, const void *buf, uint64_t len)
{
	const uint8_t *in = buf;

	while (len) {
		uint64_t off = pa & (PAGE - 1);
		uint64_t n = PAGE - off < len ? PAGE - off : len;
		struct sim_page *p = sim_get(sim, pa >> PAGE_SHIFT);

		materialize(p);
		memcpy(p->data + off, in, n);
		pa += n;
		in += n;
		len -= n;
	}
}

/* Back [pa, pa + len) with one block; keep the content, or leave it to the caller. */
static void *map_block(struct kreloc_sim *sim, uint64_t pa, uint64_t len, bool keep)
{
	struct sim_block *b;

	/* A single page is its own view. */
	if (len == PAGE) {
		struct sim_page *p = sim_get(sim, pa >> PAGE_SHIFT);

		if (keep)
			materialize(p);
		else if (p->state != PG_DATA)
			sim_own_data(p);
		return p->data;
	}
	b = xmalloc(sizeof(*b) + len);
	if (keep)
		kreloc_sim_read(sim, pa, b->bytes, len);
	b->next = sim->blocks;
	sim->blocks = b;
	for (uint64_t off = 0; off < len; off += PAGE) {
		struct sim_page *p = sim_get(sim, (pa + off) >> PAGE_SHIFT);

		if (!(p->flags & PF_BORROWED))
			page_buf_free(p->data);
		p->data = b->bytes + off;
		p->state = PG_DATA;
		p->flags |= PF_BORROWED;
	}
	return b->bytes;
}

void *kreloc_sim_map(struct kreloc_sim *sim, uint64_t pa, uint64_t len)
{
	if (!len || !KRELOC_ALIGNED(pa, PAGE) || !KRELOC_ALIGNED(len, PAGE) ||
	    len - 1 > UINT64_MAX - pa)
		return NULL;
	return map_block(sim, pa, len, true);
}

const void *kreloc_sim_phys_read(void *ctx, uint64_t pa, uint64_t len)
{
	struct kreloc_sim *sim = ctx;

	if (len - 1 > UINT64_MAX - pa)
		return NULL;
	if (len && (pa & (PAGE - 1)) + len <= PAGE) {
		struct sim_page *p = sim_get(sim, pa >> PAGE_SHIFT);

		materialize(p);
		return p->data + (pa & (PAGE - 1));
	}
	if (len > sim->scratch_len) {
		free(sim->scratch);
		sim->scratch = xmalloc(len);
		sim->scratch_len = len;
	}
	kreloc_sim_read(sim, pa, sim->scratch, len);
	return sim->scratch;
}

bool kreloc_sim_unchanged(struct kreloc_sim *sim, uint64_t pa, uint64_t len)
{
	uint8_t a[256], b[256];

	while (len) {
		uint64_t n = len < sizeof(a) ? len : sizeof(a);

		kreloc_sim_read(sim, pa, a, n);
		kreloc_sim_pattern(pa, b, n);
		if (memcmp(a, b, n))
			return false;
		pa += n;
		len -= n;
	}
	return true;
}

static void flag_range(struct kreloc_sim *sim, uint64_t pa, uint64_t len, uint8_t flag)
{
	uint64_t first = pa >> PAGE_SHIFT;
	uint64_t last = (pa + len - 1) >> PAGE_SHIFT;

	if (!len)
		return;
	for (uint64_t pfn = first; pfn <= last; pfn++)
		sim_get(sim, pfn)->flags |= flag;
}

void kreloc_sim_busy(struct kreloc_sim *sim, uint64_t pa, uint64_t len)
{
	flag_range(sim, pa, len, PF_BUSY);
}

void kreloc_sim_protect(struct kreloc_sim *sim, uint64_t pa, uint64_t len)
{
	flag_range(sim, pa, len, PF_PROTECTED);
}

/* ---- allocator ------------------------------------------------------------- */

void kreloc_sim_alloc_config(struct kreloc_sim *sim, const struct kreloc_sim_alloc_cfg *cfg)
{
	sim->cfg = *cfg;
	sim->pred_seg = 0;
	sim->pred_off = 0;
}

uint64_t kreloc_sim_allocated(const struct kreloc_sim *sim)
{
	return sim->allocated;
}

static bool block_free(const struct kreloc_sim *sim, uint64_t pa, uint64_t size)
{
	if (!kreloc_memmap_is_free(&sim->map, pa, size))
		return false;
	for (uint64_t off = 0; off < size; off += PAGE) {
		const struct sim_page *p = sim_lookup(sim, (pa + off) >> PAGE_SHIFT);

		if (p && (p->flags & (PF_ALLOCATED | PF_BUSY)))
			return false;
	}
	return true;
}

static void *take(struct kreloc_sim *sim, uint64_t pa, uint64_t size)
{
	uint8_t *v = map_block(sim, pa, size, false);

	memset(v, 0, size);
	flag_range(sim, pa, size, PF_ALLOCATED);
	sim->allocated += size / PAGE;
	return v;
}

/* A random size-aligned block inside [base, base + len), or false. */
static bool random_in(struct kreloc_sim *sim, uint64_t base, uint64_t len, uint64_t size,
		      uint64_t *pa)
{
	uint64_t lo = KRELOC_ALIGN_UP(base, size);
	uint64_t end = base + len;

	if (lo < base || lo >= end || end - lo < size)
		return false;
	*pa = lo + rand_below(sim, (end - lo - size) / size + 1) * size;
	return true;
}

static bool pick_predicted(struct kreloc_sim *sim, uint64_t *pa)
{
	while (sim->pred_seg < sim->cfg.nr_segs) {
		const struct kreloc_segment *s = &sim->cfg.segs[sim->pred_seg];

		if (sim->pred_off >= s->bufsz) {
			sim->pred_seg++;
			sim->pred_off = 0;
			continue;
		}
		if (block_free(sim, s->dest + sim->pred_off, PAGE)) {
			*pa = s->dest + sim->pred_off;
			return true;
		}
		sim->pred_off += PAGE;	/* taken pages never come back */
	}
	return false;
}

/* First free block starting in [pos, stop) and ending by @end, skipping reserved ranges. */
static bool scan_range(const struct kreloc_sim *sim, uint64_t pos, uint64_t stop, uint64_t end,
		       uint64_t size, uint64_t *pa)
{
	uint64_t p = KRELOC_ALIGN_UP(pos, size);

	if (p < pos)
		return false;
	while (p < stop && p < end && end - p >= size) {
		bool blocked = false;

		for (unsigned int i = 0; i < sim->map.nr_reserved; i++) {
			const struct kreloc_range *rv = &sim->map.reserved[i];

			if (kreloc_ranges_overlap(p, size, rv->base, rv->size)) {
				uint64_t next = KRELOC_ALIGN_UP(kreloc_range_end(rv), size);

				if (next <= p)
					return false;	/* would wrap */
				p = next;
				blocked = true;
				break;
			}
		}
		if (blocked)
			continue;
		if (block_free(sim, p, size)) {
			*pa = p;
			return true;
		}
		if (p + size < p)
			return false;
		p += size;
	}
	return false;
}

/* Scan every bank from a random point, wrapping round once. */
static bool pick_scan(struct kreloc_sim *sim, uint64_t size, uint64_t *pa)
{
	unsigned int nb = sim->map.nr_ram;
	unsigned int b0 = (unsigned int)rand_below(sim, nb);
	const struct kreloc_range *r = &sim->map.ram[b0];
	uint64_t end = kreloc_range_end(r);
	uint64_t mid = r->base + KRELOC_ALIGN_DOWN(rand_below(sim, r->size), PAGE);

	if (scan_range(sim, mid, end, end, size, pa))
		return true;
	for (unsigned int k = 1; k < nb; k++) {
		const struct kreloc_range *q = &sim->map.ram[(b0 + k) % nb];

		if (scan_range(sim, q->base, kreloc_range_end(q), kreloc_range_end(q), size, pa))
			return true;
	}
	return scan_range(sim, r->base, mid, end, size, pa);
}

void *kreloc_sim_alloc(void *ctx, uint64_t size, uint64_t *pa)
{
	struct kreloc_sim *sim = ctx;
	const struct kreloc_sim_alloc_cfg *c = &sim->cfg;
	uint64_t a;

	if (size < PAGE || !KRELOC_IS_POW2(size) || !sim->map.nr_ram)
		return NULL;
	if (c->limit_pages && sim->allocated + size / PAGE > c->limit_pages)
		return NULL;

	if (c->nr_segs && rand_below(sim, 100) < c->collide_pct) {
		const struct kreloc_segment *s = &c->segs[rand_below(sim, c->nr_segs)];

		if (random_in(sim, s->dest, s->memsz, size, &a) && block_free(sim, a, size))
			goto found;
	}
	if (size == PAGE && c->nr_segs && rand_below(sim, 100) < c->predict_pct &&
	    pick_predicted(sim, &a))
		goto found;
	for (int i = 0; i < 32; i++) {
		const struct kreloc_range *r = &sim->map.ram[rand_below(sim, sim->map.nr_ram)];

		if (random_in(sim, r->base, r->size, size, &a) && block_free(sim, a, size))
			goto found;
	}
	if (pick_scan(sim, size, &a))
		goto found;
	return NULL;
found:
	*pa = a;
	return take(sim, a, size);
}
