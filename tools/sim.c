// SPDX-License-Identifier: MIT
/*
 * sim.c - memory model, scattering allocator and entry-list executor (host only).
 */
#include <stdio.h>
#include <stdlib.h>

#include <kreloc/error.h>

#include "sim.h"

#define PAGE		((uint64_t)KRELOC_IND_PAGE_SIZE)
#define PAGE_SHIFT	KRELOC_IND_PAGE_SHIFT
#define NO_PFN		UINT64_MAX

enum { PG_PATTERN, PG_ZERO, PG_DATA };

#define PF_ALLOCATED	0x01	/* handed out by the allocator */
#define PF_BUSY		0x02	/* never hand out */
#define PF_PROTECTED	0x04	/* must survive the hand-off */
#define PF_BORROWED	0x08	/* data points into a block, not owned */
#define PF_ISZERO	0x10	/* with zepoch == sim->epoch: data known all zero */

struct sim_page {
	uint64_t pfn;
	uint8_t *data;		/* PG_DATA only */
	uint64_t last_read;	/* executor step, 0 = never */
	uint64_t first_write;	/* executor step, 0 = never */
	uint32_t zepoch;
	uint8_t state;
	uint8_t flags;
};

struct sim_block {
	struct sim_block *next;
	uint8_t bytes[];
};

struct kreloc_sim {
	struct kreloc_memmap map;
	struct sim_page *tab;
	uint64_t cap, used;	/* slots, occupied slots */
	struct sim_block *blocks;
	uint8_t *scratch;	/* for reads across separately backed pages */
	uint64_t scratch_len;
	uint64_t rng;
	uint32_t epoch;
	struct kreloc_sim_alloc_cfg cfg;
	unsigned int pred_seg;	/* predict: lowest data page not handed out */
	uint64_t pred_off;
	uint64_t allocated;
};

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

static struct sim_page *lookup(const struct kreloc_sim *sim, uint64_t pfn)
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
static struct sim_page *get(struct kreloc_sim *sim, uint64_t pfn)
{
	struct sim_page *p = lookup(sim, pfn);
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
static void own_data(struct sim_page *p)
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

static void set_zero(struct sim_page *p)
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

static void read_page(const struct kreloc_sim *sim, uint64_t pfn, uint64_t off, void *buf,
		      uint64_t len)
{
	const struct sim_page *p = lookup(sim, pfn);

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

		read_page(sim, pa >> PAGE_SHIFT, off, out, n);
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
		struct sim_page *p = get(sim, pa >> PAGE_SHIFT);

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
		struct sim_page *p = get(sim, pa >> PAGE_SHIFT);

		if (keep)
			materialize(p);
		else if (p->state != PG_DATA)
			own_data(p);
		return p->data;
	}
	b = xmalloc(sizeof(*b) + len);
	if (keep)
		kreloc_sim_read(sim, pa, b->bytes, len);
	b->next = sim->blocks;
	sim->blocks = b;
	for (uint64_t off = 0; off < len; off += PAGE) {
		struct sim_page *p = get(sim, (pa + off) >> PAGE_SHIFT);

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
		struct sim_page *p = get(sim, pa >> PAGE_SHIFT);

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
		get(sim, pfn)->flags |= flag;
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
		const struct sim_page *p = lookup(sim, (pa + off) >> PAGE_SHIFT);

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

/* ---- executor and checker ------------------------------------------------ */

const char *kreloc_sim_fault_name(enum kreloc_sim_fault f)
{
	static const char *const names[] = {
		[KRELOC_SIM_OK] = "OK",
		[KRELOC_SIM_BAD_ENTRY] = "BAD_ENTRY",
		[KRELOC_SIM_SOURCE_FIRST] = "SOURCE_FIRST",
		[KRELOC_SIM_OFF_PAGE] = "OFF_PAGE",
		[KRELOC_SIM_STEP_LIMIT] = "STEP_LIMIT",
		[KRELOC_SIM_CLOBBERED_READ] = "CLOBBERED_READ",
		[KRELOC_SIM_PROTECTED_WRITE] = "PROTECTED_WRITE",
		[KRELOC_SIM_OUTSIDE_WRITE] = "OUTSIDE_WRITE",
		[KRELOC_SIM_DOUBLE_WRITE] = "DOUBLE_WRITE",
		[KRELOC_SIM_WRAP] = "WRAP",
		[KRELOC_SIM_CONTENT] = "CONTENT",
	};

	return (unsigned int)f < KRELOC_ARRAY_SIZE(names) ? names[f] : "?";
}

static int fault(struct kreloc_sim_result *res, enum kreloc_sim_fault f, uint64_t pa,
		 uint64_t step, const char *what)
{
	res->fault = f;
	res->fault_pa = pa;
	res->fault_step = step;
	snprintf(res->msg, sizeof(res->msg), "%s at step %llu, page 0x%llx: %s",
		 kreloc_sim_fault_name(f), (unsigned long long)step, (unsigned long long)pa, what);
	return -1;
}

static bool all_zero(const uint8_t *b, uint64_t len)
{
	for (uint64_t i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

static bool data_is_zero(struct kreloc_sim *sim, struct sim_page *p)
{
	if (p->zepoch != sim->epoch) {
		p->zepoch = sim->epoch;
		if (all_zero(p->data, PAGE))
			p->flags |= PF_ISZERO;
		else
			p->flags &= (uint8_t)~PF_ISZERO;
	}
	return p->flags & PF_ISZERO;
}

/* Record a read of page @pfn at @step; a page the executor already wrote is clobbered. */
static int note_read(struct kreloc_sim *sim, uint64_t pfn, uint64_t step,
		     struct kreloc_sim_result *res, const char *what)
{
	struct sim_page *p = get(sim, pfn);

	if (p->first_write)
		return fault(res, KRELOC_SIM_CLOBBERED_READ, pfn << PAGE_SHIFT, step, what);
	p->last_read = step;
	return 0;
}

static int copy_page(struct kreloc_sim *sim, uint64_t src, uint64_t dst, uint64_t step,
		     const struct kreloc_segment *segs, unsigned int n,
		     struct kreloc_sim_result *res)
{
	struct sim_page *s, *d;

	if (note_read(sim, src >> PAGE_SHIFT, step, res,
		      "source page read after the copy overwrote it"))
		return -1;
	d = get(sim, dst >> PAGE_SHIFT);
	s = lookup(sim, src >> PAGE_SHIFT);	/* get() may have moved it */
	if (d->flags & PF_PROTECTED)
		return fault(res, KRELOC_SIM_PROTECTED_WRITE, dst, step,
			     "copy writes a page that must survive the hand-off");
	if (segs && !kreloc_segments_collide(segs, n, dst, PAGE))
		return fault(res, KRELOC_SIM_OUTSIDE_WRITE, dst, step,
			     "copy writes outside every destination");
	if (d->first_write)
		return fault(res, KRELOC_SIM_DOUBLE_WRITE, dst, step,
			     "destination page written twice");

	if (s->state == PG_ZERO || (s->state == PG_DATA && data_is_zero(sim, s))) {
		set_zero(d);
	} else if (s->state == PG_DATA) {
		own_data(d);
		memcpy(d->data, s->data, PAGE);
	} else {
		own_data(d);
		kreloc_sim_pattern(src, d->data, PAGE);
	}
	d->zepoch = 0;
	d->first_write = step;
	res->copies++;
	res->pages_written++;
	return 0;
}

static uint64_t default_steps(const struct kreloc_segment *segs, unsigned int n)
{
	struct kreloc_kimage_need nd;

	if (!segs || kreloc_kimage_need(segs, n, &nd))
		return 1ULL << 28;
	return 2 * (nd.dest_pages + n + nd.list_pages) + 64;
}

int kreloc_sim_execute(struct kreloc_sim *sim, uint64_t head, const struct kreloc_segment *segs,
		       unsigned int n, uint64_t max_steps, struct kreloc_sim_result *res)
{
	const uint64_t mid = (PAGE - 1) & ~(uint64_t)KRELOC_IND_FLAGS;
	uint64_t e = head, cursor = 0, list = 0, step = 0;
	unsigned int slot = 0;
	bool have_cursor = false, in_list = false;

	memset(res, 0, sizeof(*res));
	if (!max_steps)
		max_steps = default_steps(segs, n);
	sim->epoch++;
	for (uint64_t i = 0; i < sim->cap; i++)
		sim->tab[i].last_read = sim->tab[i].first_write = 0;

	for (;;) {
		uint64_t addr = e & ~(PAGE - 1);
		uint64_t flags = e & KRELOC_IND_FLAGS;

		if (++step > max_steps)
			return fault(res, KRELOC_SIM_STEP_LIMIT, list, step,
				     "more entries than the list can hold: a loop?");
		res->steps++;
		if ((e & mid) || !flags || (flags & (flags - 1)))
			return fault(res, KRELOC_SIM_BAD_ENTRY, list, step,
				     "entry with no flag, several flags or bits 4-11 set");
		switch (flags) {
		case KRELOC_IND_DONE:
			return 0;
		case KRELOC_IND_DESTINATION:
			cursor = addr;
			have_cursor = true;
			break;
		case KRELOC_IND_INDIRECTION:
			list = addr;
			slot = 0;
			in_list = true;
			res->list_pages++;
			break;
		case KRELOC_IND_SOURCE:
			if (!have_cursor)
				return fault(res, KRELOC_SIM_SOURCE_FIRST, addr, step,
					     "source before any destination");
			if (addr == cursor)
				res->skipped++;
			else if (copy_page(sim, addr, cursor, step, segs, n, res))
				return -1;
			if (cursor > UINT64_MAX - PAGE)
				return fault(res, KRELOC_SIM_WRAP, cursor, step,
					     "cursor advanced past 2^64");
			cursor += PAGE;
			break;
		}

		/* Fetch the next entry, as the trampoline's ldr x, [ptr], #8 does. */
		if (!in_list)
			return fault(res, KRELOC_SIM_BAD_ENTRY, addr, step,
				     "head is not an indirection");
		if (slot == KRELOC_IND_SLOTS)
			return fault(res, KRELOC_SIM_OFF_PAGE, list, step,
				     "list page ended without INDIRECTION or DONE");
		if (note_read(sim, list >> PAGE_SHIFT, step, res,
			      "list page read after the copy overwrote it"))
			return -1;
		read_page(sim, list >> PAGE_SHIFT, (uint64_t)slot * 8, &e, 8);
		slot++;
	}
}

int kreloc_sim_verify(struct kreloc_sim *sim, const struct kreloc_segment *expect,
		      unsigned int n, struct kreloc_sim_result *res)
{
	uint8_t pat[KRELOC_IND_PAGE_SIZE];

	for (unsigned int i = 0; i < n; i++) {
		const struct kreloc_segment *sg = &expect[i];
		const uint8_t *buf = sg->buf;

		for (uint64_t off = 0; off < sg->memsz; off += PAGE) {
			uint64_t pa = sg->dest + off;
			uint64_t len = sg->bufsz > off ? sg->bufsz - off : 0;
			const struct sim_page *p = lookup(sim, pa >> PAGE_SHIFT);
			const uint8_t *view;
			bool ok;

			if (len > PAGE)
				len = PAGE;
			if (p && p->state == PG_ZERO) {
				ok = !len || all_zero(buf + off, len);
			} else {
				if (p && p->state == PG_DATA) {
					view = p->data;
				} else {
					kreloc_sim_pattern(pa, pat, PAGE);
					view = pat;
				}
				ok = (!len || !memcmp(view, buf + off, len)) &&
				     all_zero(view + len, PAGE - len);
			}
			res->pages_checked++;
			if (!ok) {
				char what[96];

				snprintf(what, sizeof(what),
					 "segment %u page +0x%llx does not hold its bytes then zeros",
					 i, (unsigned long long)off);
				return fault(res, KRELOC_SIM_CONTENT, pa, 0, what);
			}
		}
	}
	return 0;
}

int kreloc_sim_run(struct kreloc_sim *sim, uint64_t head, const struct kreloc_segment *expect,
		   unsigned int n, struct kreloc_sim_result *res)
{
	if (kreloc_sim_execute(sim, head, expect, n, 0, res))
		return -1;
	return kreloc_sim_verify(sim, expect, n, res);
}
