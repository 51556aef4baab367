// SPDX-License-Identifier: MIT
/*
 * kimage.c - stage segments into safe pages and build the entry list; check
 * an entry list before the hand-off.
 */
#include <kreloc/error.h>
#include "kimage_priv.h"

#define MID_MASK	((PAGE - 1) & ~(uint64_t)KRELOC_IND_FLAGS)	/* bits 4-11 */

/* Everything a load changes, kept apart from the kimage until it commits. */
struct build {
	struct kreloc_kimage *ki;
	uint64_t *page;		/* current list page */
	unsigned int slot;	/* next free slot in it */
	uint64_t head;
	uint64_t cursor;	/* where the trampoline's cursor will be */
	bool have_cursor;
	const void *zero;	/* the shared zero page, once allocated */
	uint64_t zero_pa;
	uint64_t entries, source_pages, in_place, zero_fill, borrowed, list_pages, set_aside;
};

static inline void put_entry(uint64_t *page, unsigned int slot, uint64_t e)
{
	page[slot] = e;		/* native order: the trampoline loads it as a u64 */
}

/*
 * Take one block from the allocator that lies clear of every destination.
 * When @want is non-NULL, a block whose address equals *@want is accepted
 * too and reported through @hit.  Colliding blocks are counted in *@set_aside.
 */
static int take_block(struct kreloc_kimage *ki, uint64_t size, const uint64_t *want,
		      void **out, uint64_t *pa, bool *hit, uint64_t *set_aside)
{
	for (;;) {
		uint64_t a = 0;
		void *p = ki->alloc(ki->alloc_ctx, size, &a);

		if (!p)
			return KRELOC_E_NOMEM;
		if (!KRELOC_ALIGNED(a, size) || size - 1 > UINT64_MAX - a)
			return KRELOC_E_INVAL;
		if (want && a == *want) {
			*hit = true;
		} else if (kreloc_segments_collide(ki->segs, ki->nr_segs, a, size)) {
			*set_aside += size / PAGE;
			continue;
		} else if (hit) {
			*hit = false;
		}
		*out = p;
		*pa = a;
		return 0;
	}
}

void *kreloc_kimage_alloc_safe(struct kreloc_kimage *ki, uint64_t size, uint64_t *pa)
{
	void *p;

	if (!ki || !ki->alloc || !pa || size < PAGE || !KRELOC_IS_POW2(size) ||
	    (ki->nr_segs && !ki->segs))
		return NULL;
	if (take_block(ki, size, NULL, &p, pa, NULL, &ki->colliding_pages_set_aside))
		return NULL;
	memset(p, 0, size);
	return p;
}

/* Start a new list page, linked from the current one if there is one. */
static int new_list_page(struct build *b)
{
	void *p;
	uint64_t pa;
	uint64_t link;
	int err = take_block(b->ki, PAGE, NULL, &p, &pa, NULL, &b->set_aside);

	if (err)
		return err;
	memset(p, 0, PAGE);
	link = pa | KRELOC_IND_INDIRECTION;
	if (b->page) {
		put_entry(b->page, LAST_SLOT, link);
		b->entries++;
	} else {
		b->head = link;
	}
	b->page = p;
	b->slot = 0;
	b->list_pages++;
	return 0;
}

/*
 * Append one entry.  Every list page keeps its last slot for the link to the
 * next page; IND_DONE may take that slot, so n entries before DONE need
 * ceil(n / 511) pages (at least one) - the count kreloc_kimage_need() reports.
 * Inline: it runs once or twice per destination page.
 */
static inline int emit(struct build *b, uint64_t e)
{
	if (!b->page || (b->slot == LAST_SLOT && e != KRELOC_IND_DONE)) {
		int err = new_list_page(b);

		if (err)
			return err;
	}
	put_entry(b->page, b->slot++, e);
	b->entries++;
	return 0;
}

/* The data page of @s at offset @off, in its @pages. */
static int borrowed_page(const struct kreloc_segment *s, uint64_t off, uint64_t *pa)
{
	*pa = kreloc_le64(s->pages + 8 * (off / PAGE));
	if (!KRELOC_ALIGNED(*pa, PAGE) || *pa > UINT64_MAX - PAGE)
		return KRELOC_E_PAGES_TABLE;
	return 0;
}

/*
 * Bytes of @s that belong in the destination page at offset @off, and where
 * to read them: from @buf, or (the partial last page of @pages) through @rd.
 */
static int page_data(const struct kreloc_kimage *ki, const struct kreloc_segment *s,
		     uint64_t off, const void **src, uint64_t *len)
{
	uint64_t n = s->bufsz - off, pa;
	int err;

	*len = n < PAGE ? n : PAGE;
	if (!s->pages) {
		*src = (const uint8_t *)s->buf + off;
		return 0;
	}
	if (!ki->rd)
		return KRELOC_E_INVAL;
	err = borrowed_page(s, off, &pa);
	if (err)
		return err;
	*src = ki->rd(ki->rd_ctx, pa, *len);
	return *src ? 0 : KRELOC_E_PAGES_NOT_RAM;
}

/* The entries that make the trampoline copy @src to @dest. */
static inline int append(struct build *b, uint64_t dest, uint64_t src)
{
	int err;

	if (!b->have_cursor || b->cursor != dest) {
		err = emit(b, dest | KRELOC_IND_DESTINATION);
		if (err)
			return err;
		b->cursor = dest;
		b->have_cursor = true;
	}
	err = emit(b, src | KRELOC_IND_SOURCE);
	if (err)
		return err;
	b->cursor += PAGE;
	return 0;
}

/* Find the source for one destination page and append its entries. */
static int stage_page(struct build *b, const struct kreloc_segment *s, uint64_t off)
{
	uint64_t dest = s->dest + off;
	uint64_t src;
	int err;

	if (off >= s->bufsz) {
		if (!b->zero) {
			void *z;

			err = take_block(b->ki, PAGE, NULL, &z, &b->zero_pa, NULL, &b->set_aside);
			if (err)
				return err;
			memset(z, 0, PAGE);
			b->zero = z;
		}
		src = b->zero_pa;
		b->zero_fill++;
	} else if (s->pages && s->bufsz - off >= PAGE) {
		/* a whole page of data where it lies: the trampoline copies from it */
		err = borrowed_page(s, off, &src);
		if (err)
			return err;
		if (kreloc_segments_collide(b->ki->segs, b->ki->nr_segs, src, PAGE))
			return KRELOC_E_PAGES_IN_DEST;
		b->borrowed++;
	} else {
		const void *data;
		uint64_t len;
		bool hit = false;
		void *p;

		err = page_data(b->ki, s, off, &data, &len);
		if (err)
			return err;
		err = take_block(b->ki, PAGE, &dest, &p, &src, &hit, &b->set_aside);
		if (err)
			return err;
		memcpy(p, data, len);
		memset((uint8_t *)p + len, 0, PAGE - len);
		if (hit)
			b->in_place++;
		else
			b->source_pages++;
	}

	return append(b, dest, src);
}

/*
 * Whole borrowed pages of @s from entry @i on, one run of its table at a
 * time: a run clear of the destinations needs one collision check, not one
 * per page.  A run that collides goes page by page, failing where
 * stage_page() would.  Return the next entry to stage in *@next.
 */
static int stage_borrowed(struct build *b, const struct kreloc_segment *s, uint64_t i,
			  uint64_t *next)
{
	uint64_t whole = s->bufsz / PAGE, base, n;
	int err;

	n = kreloc_page_run(s->pages, whole, i, &base);
	*next = i + n;
	/* a run's pages follow its first; one ending at 2^64 "collides" below */
	if (!KRELOC_ALIGNED(base, PAGE) || base > UINT64_MAX - PAGE)
		return KRELOC_E_PAGES_TABLE;
	if (kreloc_segments_collide(b->ki->segs, b->ki->nr_segs, base, n * PAGE)) {
		for (uint64_t k = 0; k < n; k++) {
			err = stage_page(b, s, (i + k) * PAGE);
			if (err)
				return err;
		}
		return 0;
	}
	for (uint64_t k = 0; k < n; k++) {
		err = append(b, s->dest + (i + k) * PAGE, base + k * PAGE);
		if (err)
			return err;
	}
	b->borrowed += n;
	return 0;
}

int kreloc_kimage_load(struct kreloc_kimage *ki)
{
	struct build b = { .ki = ki };
	int err;

	if (!ki || !ki->map || !ki->alloc || ki->head)
		return KRELOC_E_INVAL;
	err = kreloc_segments_validate(ki->map, ki->segs, ki->nr_segs);
	if (err)
		return err;

	for (unsigned int i = 0; i < ki->nr_segs; i++) {
		const struct kreloc_segment *s = &ki->segs[i];

		uint64_t off = 0;

		/* only whole pages are borrowed; the partial last one is copied */
		if (s->pages) {
			for (uint64_t k = 0; k < s->bufsz / PAGE;) {
				err = stage_borrowed(&b, s, k, &k);
				if (err)
					return err;
			}
			off = s->bufsz / PAGE * PAGE;
		}
		for (; off < s->memsz; off += PAGE) {
			err = stage_page(&b, s, off);
			if (err)
				return err;
		}
	}
	err = emit(&b, KRELOC_IND_DONE);
	if (err)
		return err;

	/* Commit. */
	ki->head = b.head;
	ki->entries = b.entries;
	ki->source_pages = b.source_pages;
	ki->pages_in_place = b.in_place;
	ki->zero_fill_pages = b.zero_fill;
	ki->zero_page = b.zero ? b.zero_pa : 0;
	ki->borrowed_pages = b.borrowed;
	ki->indirection_pages = b.list_pages;
	ki->colliding_pages_set_aside += b.set_aside;
	return 0;
}

/* ---- checking a list ---------------------------------------------------- */

struct walk {
	const struct kreloc_segment *segs;
	unsigned int n;
	struct kreloc_list_stats st;
	uint64_t cursor;
	bool have_cursor;
	uint64_t run_end;	/* end of the current run of pages written */
	uint64_t gap_lo, gap_hi;	/* [lo, hi): no destination there */
	struct kreloc_list_run runs[KRELOC_LIST_MAX_RUNS];
	unsigned int nr_runs;
};

static bool zero_from(const uint8_t *page, unsigned int slot)
{
	for (; slot < KRELOC_IND_SLOTS; slot++)
		if (kreloc_list_entry(page, slot))
			return false;
	return true;
}

/*
 * Is the source page at @src clear of every destination?  Sources come in
 * runs: the gap between destinations that held the last one checked is
 * kept, and a page inside it needs no look at the segments.  With a
 * destination that reaches 2^64, no gap is kept.
 */
static bool source_safe(struct walk *w, uint64_t src)
{
	uint64_t lo = 0, hi = UINT64_MAX;

	if (src >= w->gap_lo && src < w->gap_hi && w->gap_hi - src >= PAGE)
		return true;
	if (kreloc_segments_collide(w->segs, w->n, src, PAGE))
		return false;
	for (unsigned int i = 0; i < w->n; i++) {
		const struct kreloc_segment *s = &w->segs[i];

		if (!s->memsz)
			continue;
		if (s->memsz > UINT64_MAX - s->dest)
			return true;
		if (s->dest > src)
			hi = s->dest < hi ? s->dest : hi;
		else
			lo = s->dest + s->memsz > lo ? s->dest + s->memsz : lo;
	}
	w->gap_lo = lo;
	w->gap_hi = hi;
	return true;
}

/* One SOURCE entry: where it writes, and whether its source page is safe. */
static int walk_source(struct walk *w, uint64_t src)
{
	if (!w->have_cursor)
		return KRELOC_E_LIST_SOURCE_FIRST;
	if (w->cursor > UINT64_MAX - PAGE)
		return KRELOC_E_LIST_COVERAGE;
	w->st.sources++;
	if (src == w->cursor)
		w->st.in_place++;
	else if (!source_safe(w, src))
		return KRELOC_E_LIST_UNSAFE;

	if (!w->st.runs || w->run_end != w->cursor) {
		w->st.runs++;
		if (w->segs) {
			if (w->nr_runs == KRELOC_LIST_MAX_RUNS)
				return KRELOC_E_LIST_COVERAGE;
			w->runs[w->nr_runs].base = w->cursor;
			w->runs[w->nr_runs].size = 0;
			w->nr_runs++;
		}
	}
	if (w->segs)
		w->runs[w->nr_runs - 1].size += PAGE;
	w->cursor += PAGE;
	w->run_end = w->cursor;
	return 0;
}

/*
 * After a SOURCE entry: the SOURCE entries from @slot on that walk_source()
 * would take with no look at the segments (copies from inside the kept
 * gap, the cursor not at 2^64, the run going on), taken in one go.
 * Return how many.
 */
static unsigned int walk_sources_in_gap(struct walk *w, const uint64_t *words, unsigned int slot)
{
	uint64_t cursor = w->cursor, lo = w->gap_lo, hi = w->gap_hi;
	/*
	 * Decided once, not per entry: how many entries the cursor can take
	 * before it would pass 2^64 - PAGE, and the sources that lie in the
	 * gap, a whole page of them: src - lo <= span, unsigned.
	 */
	uint64_t room = cursor > UINT64_MAX - PAGE ? 0 : (UINT64_MAX - PAGE - cursor) / PAGE + 1;
	uint64_t span = hi - lo - PAGE;
	unsigned int k = 0, end = KRELOC_IND_SLOTS - slot;

	if (hi < lo || hi - lo < PAGE)
		return 0;
	if (room < end)
		end = (unsigned int)room;
	for (; k < end; k++) {
		uint64_t e = words[slot + k], src = e & ADDR_MASK;

		/* the SOURCE flag alone, no bits 4-11 */
		if ((e & ~ADDR_MASK) != KRELOC_IND_SOURCE || src == cursor || src - lo > span)
			break;
		cursor += PAGE;
	}
	w->st.entries += k;
	w->st.sources += k;
	if (w->segs)
		w->runs[w->nr_runs - 1].size += k * PAGE;
	w->cursor = cursor;
	w->run_end = cursor;
	return k;
}

/* Does [base, base+size) lie inside the union of the destinations? */
static bool inside_destinations(const struct kreloc_segment *segs, unsigned int n,
				uint64_t base, uint64_t size)
{
	uint64_t end = base + size;

	while (base < end) {
		unsigned int i;

		for (i = 0; i < n; i++)
			if (base >= segs[i].dest && base - segs[i].dest < segs[i].memsz)
				break;
		if (i == n)
			return false;
		base = segs[i].dest + segs[i].memsz;
	}
	return true;
}

int kreloc_list_runs_cover(const struct kreloc_segment *segs, unsigned int n,
			   const struct kreloc_list_run *runs, unsigned int nr)
{
	uint64_t written = 0, wanted = 0;

	for (unsigned int i = 0; i < nr; i++) {
		const struct kreloc_list_run *r = &runs[i];

		if (!inside_destinations(segs, n, r->base, r->size))
			return KRELOC_E_LIST_COVERAGE;
		for (unsigned int j = 0; j < i; j++)
			if (kreloc_ranges_overlap(r->base, r->size, runs[j].base, runs[j].size))
				return KRELOC_E_LIST_COVERAGE;
		written += r->size;
	}
	for (unsigned int i = 0; i < n; i++)
		wanted += segs[i].memsz;
	/* Disjoint runs inside the destinations, as many bytes: an exact cover. */
	return written == wanted ? 0 : KRELOC_E_LIST_COVERAGE;
}

/*
 * Walk one list page.  Return 0 with *@next set on IND_INDIRECTION, 1 on
 * IND_DONE, or an error.
 */
static int walk_page(struct walk *w, const uint8_t *page, uint64_t *next)
{
	/* an aligned page is read a word at a time, not through memcpy() */
	const uint64_t *words = ((uintptr_t)page & 7) ? NULL : (const void *)page;

	for (unsigned int slot = 0; slot < KRELOC_IND_SLOTS; slot++) {
		uint64_t e = words ? words[slot] : kreloc_list_entry(page, slot);
		uint64_t addr = e & ADDR_MASK;
		int err;

		w->st.entries++;
		if (e == 0)
			return zero_from(page, slot) ? KRELOC_E_LIST_UNTERMINATED :
			       KRELOC_E_LIST_ENTRY;
		if (e & MID_MASK)
			return KRELOC_E_LIST_ENTRY;

		switch (e & KRELOC_IND_FLAGS) {
		case KRELOC_IND_DONE:
			if (addr)
				return KRELOC_E_LIST_ENTRY;
			return zero_from(page, slot + 1) ? 1 : KRELOC_E_LIST_AFTER_DONE;
		case KRELOC_IND_INDIRECTION:
			*next = addr;
			return 0;
		case KRELOC_IND_DESTINATION:
			w->cursor = addr;
			w->have_cursor = true;
			w->st.destinations++;
			break;
		case KRELOC_IND_SOURCE:
			err = walk_source(w, addr);
			if (err)
				return err;
			/* most entries: a copy from the gap, the run going on */
			if (words)
				slot += walk_sources_in_gap(w, words, slot + 1);
			break;
		default:
			return KRELOC_E_LIST_ENTRY;
		}
	}
	return KRELOC_E_LIST_UNTERMINATED;	/* ran off the end of the page */
}

static int walk_list(struct walk *w, uint64_t head, kreloc_phys_read_fn rd, void *ctx,
		     uint64_t max_pages)
{
	uint64_t pa, tortoise, power = 1, lam = 1;

	if ((head & ~ADDR_MASK) != KRELOC_IND_INDIRECTION)
		return KRELOC_E_LIST_ENTRY;
	pa = tortoise = head & ADDR_MASK;

	for (;;) {
		const uint8_t *page;
		uint64_t next = 0;
		int ret;

		if (w->st.list_pages == max_pages)
			return KRELOC_E_LIST_LOOP;
		if (kreloc_segments_collide(w->segs, w->n, pa, PAGE))
			return KRELOC_E_LIST_UNSAFE;
		page = rd(ctx, pa, PAGE);
		if (!page)
			return KRELOC_E_LIST_ENTRY;
		w->st.list_pages++;

		ret = walk_page(w, page, &next);
		if (ret < 0)
			return ret;
		if (ret == 1)
			return 0;

		/* Brent's cycle detection over the sequence of list pages. */
		if (next == tortoise)
			return KRELOC_E_LIST_LOOP;
		if (power == lam) {
			tortoise = next;
			power *= 2;
			lam = 0;
		}
		lam++;
		pa = next;
	}
}

int kreloc_kimage_check_list(uint64_t head, kreloc_phys_read_fn rd, void *ctx,
			     const struct kreloc_segment *segs, unsigned int n,
			     struct kreloc_list_stats *st)
{
	struct walk w;
	uint64_t max_pages = KRELOC_LIST_MAX_PAGES;
	int err;

	if (!rd || (n && !segs) || n > KRELOC_MAX_SEGMENTS)
		return KRELOC_E_INVAL;
	memset(&w, 0, sizeof(w));
	w.segs = segs;
	w.n = segs ? n : 0;
	if (segs) {
		struct kreloc_kimage_need nd;

		kreloc_kimage_need(segs, n, &nd);
		max_pages = nd.list_pages;
	}

	err = walk_list(&w, head, rd, ctx, max_pages);
	if (!err && segs)
		err = kreloc_list_runs_cover(w.segs, w.n, w.runs, w.nr_runs);
	w.st.copies = w.st.sources - w.st.in_place;
	if (st)
		*st = w.st;
	return err;
}
