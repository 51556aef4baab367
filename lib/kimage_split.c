// SPDX-License-Identifier: MIT
/*
 * kimage_split.c - deal a loaded entry list into N balanced lists, and check
 * a set of lists meant to run concurrently.
 */
#include <kreloc/error.h>
#include <kreloc/split.h>
#include "kimage_priv.h"

/* ---- splitting ------------------------------------------------------------ */

/* The list being written: one at a time, in order. */
struct writer {
	struct kreloc_kimage *ki;
	uint64_t *page;		/* current list page, NULL before the first entry */
	unsigned int slot;
	uint64_t head;
	uint64_t cursor;	/* the new list's cursor */
	bool have_cursor;
};

/* Append one entry; the last slot of a page is kept for the link (or DONE). */
static int put(struct writer *w, struct kreloc_split_stats *st, uint64_t e)
{
	if (!w->page || (w->slot == LAST_SLOT && e != KRELOC_IND_DONE)) {
		uint64_t pa;
		void *p = kreloc_kimage_alloc_safe(w->ki, PAGE, &pa);

		if (!p)
			return KRELOC_E_NOMEM;
		if (w->page) {
			w->page[LAST_SLOT] = pa | KRELOC_IND_INDIRECTION;
			st->entries++;
		} else {
			w->head = pa | KRELOC_IND_INDIRECTION;
		}
		w->page = p;
		w->slot = 0;
		st->list_pages++;
	}
	w->page[w->slot++] = e;
	st->entries++;
	return 0;
}

/* End the current list with IND_DONE and record its head; start the next. */
static int finish(struct writer *w, struct kreloc_split_stats *st, uint64_t *head)
{
	int err = put(w, st, KRELOC_IND_DONE);

	if (err)
		return err;
	*head = w->head;
	w->page = NULL;
	w->have_cursor = false;
	return 0;
}

/* Copy one SOURCE entry of the loaded list (cursor @at) into the current list. */
static int put_source(struct writer *w, struct kreloc_split_stats *st, uint64_t at,
		      uint64_t src)
{
	int err;

	if (!w->have_cursor || w->cursor != at) {
		err = put(w, st, at | KRELOC_IND_DESTINATION);
		if (err)
			return err;
		w->cursor = at;
		w->have_cursor = true;
		st->runs++;
	}
	err = put(w, st, src | KRELOC_IND_SOURCE);
	w->cursor += PAGE;
	return err;
}

static uint64_t quota(uint64_t total, unsigned int nr, unsigned int i)
{
	return total / nr + (i < total % nr);
}

int kreloc_kimage_split(struct kreloc_kimage *ki, kreloc_phys_read_fn rd, void *rctx,
			unsigned int nr, uint64_t heads[], struct kreloc_split_stats *st)
{
	struct kreloc_list_stats ls;
	struct kreloc_split_stats s = { .nr = nr };
	struct writer w = { .ki = ki };
	uint64_t out[KRELOC_SPLIT_MAX];
	uint64_t page, cursor = 0;
	unsigned int cur = 0, slot = 0;
	int err;

	if (!ki || !ki->head || !rd || !heads || !nr || nr > KRELOC_SPLIT_MAX)
		return KRELOC_E_INVAL;
	err = kreloc_kimage_check_list(ki->head, rd, rctx, ki->segs, ki->nr_segs, &ls);
	if (err)
		return err;

	/* The list is sound: follow it, dealing the copies out in order. */
	page = ki->head & ADDR_MASK;
	for (;;) {
		const void *p = rd(rctx, page + (uint64_t)slot * 8, 8);
		uint64_t e, addr;

		if (!p)
			return KRELOC_E_LIST_ENTRY;
		memcpy(&e, p, 8);
		addr = e & ADDR_MASK;
		slot++;
		if (e == KRELOC_IND_DONE)
			break;
		switch (e & KRELOC_IND_FLAGS) {
		case KRELOC_IND_INDIRECTION:
			page = addr;
			slot = 0;
			break;
		case KRELOC_IND_DESTINATION:
			cursor = addr;
			break;
		default:	/* SOURCE: the check let nothing else through */
			if (addr != cursor) {
				while (s.copies[cur] == quota(ls.copies, nr, cur) && cur + 1 < nr) {
					err = finish(&w, &s, &out[cur]);
					if (err)
						return err;
					cur++;
				}
				s.copies[cur]++;
			} else {
				s.in_place[cur]++;
			}
			err = put_source(&w, &s, cursor, addr);
			if (err)
				return err;
			cursor += PAGE;
			break;
		}
	}
	/* The last share, then empty lists when there were fewer copies than lists. */
	for (; cur < nr; cur++) {
		err = finish(&w, &s, &out[cur]);
		if (err)
			return err;
	}

	/* Commit. */
	for (unsigned int i = 0; i < nr; i++)
		heads[i] = out[i];
	if (st)
		*st = s;
	return 0;
}

/* ---- checking a split ----------------------------------------------------- */

struct split_walk {
	const struct kreloc_segment *segs;
	unsigned int n;
	struct kreloc_list_run runs[KRELOC_SPLIT_MAX_RUNS];
	unsigned int nr_runs;
};

/* One SOURCE entry of a well-formed list: is its source safe, and where does it write? */
static int note_source(struct split_walk *sw, uint64_t src, uint64_t cursor, bool *new_run)
{
	if (src != cursor && kreloc_segments_collide(sw->segs, sw->n, src, PAGE))
		return KRELOC_E_LIST_UNSAFE;
	if (*new_run) {
		if (sw->nr_runs == KRELOC_SPLIT_MAX_RUNS)
			return KRELOC_E_LIST_COVERAGE;
		sw->runs[sw->nr_runs].base = cursor;
		sw->runs[sw->nr_runs++].size = 0;
		*new_run = false;
	}
	sw->runs[sw->nr_runs - 1].size += PAGE;
	return 0;
}

/* Walk a list that passed the form check: safety of its pages, and its runs. */
static int walk_split_list(struct split_walk *sw, uint64_t head, kreloc_phys_read_fn rd,
			   void *ctx)
{
	uint64_t pa = head & ADDR_MASK, cursor = 0;
	bool new_run = true;

	for (;;) {
		const uint8_t *page;
		unsigned int slot;

		if (kreloc_segments_collide(sw->segs, sw->n, pa, PAGE))
			return KRELOC_E_LIST_UNSAFE;
		page = rd(ctx, pa, PAGE);
		if (!page)
			return KRELOC_E_LIST_ENTRY;
		for (slot = 0; slot < KRELOC_IND_SLOTS; slot++) {
			uint64_t e = kreloc_list_entry(page, slot), addr = e & ADDR_MASK;
			int err;

			if (e == KRELOC_IND_DONE)
				return 0;
			if ((e & KRELOC_IND_FLAGS) == KRELOC_IND_INDIRECTION) {
				pa = addr;
				break;
			}
			if ((e & KRELOC_IND_FLAGS) == KRELOC_IND_DESTINATION) {
				new_run |= addr != cursor;
				cursor = addr;
				continue;
			}
			err = note_source(sw, addr, cursor, &new_run);
			if (err)
				return err;
			cursor += PAGE;
		}
		if (slot == KRELOC_IND_SLOTS)
			return KRELOC_E_LIST_UNTERMINATED;	/* changed since the form check */
	}
}

int kreloc_kimage_check_split(const uint64_t heads[], unsigned int nr, kreloc_phys_read_fn rd,
			      void *ctx, const struct kreloc_segment *segs, unsigned int n,
			      struct kreloc_split_stats *st)
{
	struct split_walk sw = { .segs = segs, .n = n };
	struct kreloc_split_stats s = { .nr = nr };
	int err = 0;

	if (!heads || !rd || !nr || nr > KRELOC_SPLIT_MAX || (n && !segs) ||
	    n > KRELOC_MAX_SEGMENTS)
		return KRELOC_E_INVAL;
	for (unsigned int i = 0; i < nr && !err; i++) {
		struct kreloc_list_stats ls;
		unsigned int before = sw.nr_runs;

		err = kreloc_kimage_check_list(heads[i], rd, ctx, NULL, 0, &ls);
		s.list_pages += ls.list_pages;
		s.entries += ls.entries;
		s.copies[i] = ls.copies;
		s.in_place[i] = ls.in_place;
		if (!err)
			err = walk_split_list(&sw, heads[i], rd, ctx);
		s.runs += sw.nr_runs - before;
	}
	if (!err)
		err = kreloc_list_runs_cover(sw.segs, sw.n, sw.runs, sw.nr_runs);
	if (st)
		*st = s;
	return err;
}
