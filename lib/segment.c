// SPDX-License-Identifier: MIT
/*
 * segment.c - segment validation and the page counts a load needs.
 */
#include <kreloc/error.h>
#include <kreloc/kimage.h>

#define PAGE	((uint64_t)KRELOC_IND_PAGE_SIZE)

static int segment_shape(const struct kreloc_segment *s)
{
	if (s->bufsz && !s->buf && !s->pages)
		return KRELOC_E_INVAL;
	if (!KRELOC_ALIGNED(s->dest, PAGE) || !KRELOC_ALIGNED(s->memsz, PAGE))
		return KRELOC_E_SEG_ALIGN;
	/* The exclusive end must be representable: dest + memsz <= 2^64 - 1. */
	if (s->memsz == 0 || s->bufsz > s->memsz || s->memsz > UINT64_MAX - s->dest)
		return KRELOC_E_SEG_SIZE;
	return 0;
}

int kreloc_segments_validate(const struct kreloc_memmap *map,
			     const struct kreloc_segment *segs, unsigned int n)
{
	if (!map || (n && !segs) || n > KRELOC_MAX_SEGMENTS)
		return KRELOC_E_INVAL;

	for (unsigned int i = 0; i < n; i++) {
		const struct kreloc_segment *s = &segs[i];
		int err = segment_shape(s);

		if (err)
			return err;
		if (!kreloc_memmap_is_ram(map, s->dest, s->memsz))
			return KRELOC_E_SEG_NOT_RAM;
		if (kreloc_memmap_is_nomap(map, s->dest, s->memsz))
			return KRELOC_E_SEG_NOMAP;
		if (kreloc_memmap_is_reserved(map, s->dest, s->memsz))
			return KRELOC_E_SEG_RESERVED;
		for (unsigned int j = 0; j < i; j++)
			if (kreloc_ranges_overlap(s->dest, s->memsz, segs[j].dest, segs[j].memsz))
				return KRELOC_E_SEG_OVERLAP;
	}
	return 0;
}

bool kreloc_segments_collide(const struct kreloc_segment *segs, unsigned int n,
			     uint64_t pa, uint64_t size)
{
	if (size > UINT64_MAX - pa)
		return true;
	for (unsigned int i = 0; i < n; i++)
		if (kreloc_ranges_overlap(pa, size, segs[i].dest, segs[i].memsz))
			return true;
	return false;
}

/* List pages for @nondone entries before IND_DONE (see kimage.c, emit()). */
static uint64_t list_pages_for(uint64_t nondone)
{
	const uint64_t per = KRELOC_IND_SLOTS - 1;

	return nondone ? (nondone + per - 1) / per : 1;
}

int kreloc_kimage_need(const struct kreloc_segment *segs, unsigned int n,
		       struct kreloc_kimage_need *out)
{
	struct kreloc_kimage_need nd = { 0 };

	if (!out || (n && !segs) || n > KRELOC_MAX_SEGMENTS)
		return KRELOC_E_INVAL;
	for (unsigned int i = 0; i < n; i++) {
		uint64_t pages = segs[i].memsz / PAGE;
		uint64_t data = segs[i].bufsz / PAGE + (segs[i].bufsz % PAGE != 0);
		/* whole pages of @pages are their own sources */
		uint64_t borrowed = segs[i].pages ? segs[i].bufsz / PAGE : 0;

		if (data > pages)	/* unvalidated input: stay sane */
			data = pages;
		if (borrowed > data)
			borrowed = data;
		nd.dest_pages += pages;
		nd.data_pages += data - borrowed;
		nd.borrowed_pages += borrowed;
		if (data < pages)
			nd.zero_pages = 1;
	}
	/* One DESTINATION per segment plus one SOURCE per page; DONE rides in the last slot. */
	nd.list_pages = list_pages_for(n + nd.dest_pages);
	nd.safe_pages = nd.data_pages + nd.zero_pages + nd.list_pages;
	*out = nd;
	return 0;
}

/* Pages of [base, end) that lie inside [lo, hi), all page aligned. */
static uint64_t pages_inside(uint64_t base, uint64_t end, uint64_t lo, uint64_t hi)
{
	if (base < lo)
		base = lo;
	if (end > hi)
		end = hi;
	return end > base ? (end - base) / PAGE : 0;
}

int kreloc_kimage_check_room(const struct kreloc_memmap *map, const struct kreloc_segment *segs,
			     unsigned int n, uint64_t extra)
{
	struct kreloc_kimage_need nd;
	uint64_t free_pages = 0;
	int err;

	if (!map)
		return KRELOC_E_INVAL;
	err = kreloc_kimage_need(segs, n, &nd);
	if (err)
		return err;

	for (unsigned int i = 0; i < map->nr_ram; i++) {
		/* RAM rounded inwards, reserved rounded outwards, to whole pages. */
		uint64_t lo = KRELOC_ALIGN_UP(map->ram[i].base, PAGE);
		uint64_t hi = KRELOC_ALIGN_DOWN(kreloc_range_end(&map->ram[i]), PAGE);
		uint64_t done = lo;	/* reserved pages below this are counted */

		if (lo < map->ram[i].base || hi <= lo)
			continue;
		free_pages += (hi - lo) / PAGE;
		/* Reserved ranges are sorted and disjoint; after rounding they may share a page. */
		for (unsigned int r = 0; r < map->nr_reserved; r++) {
			const struct kreloc_range *rv = &map->reserved[r];
			uint64_t rb = KRELOC_ALIGN_DOWN(rv->base, PAGE);
			uint64_t re = kreloc_range_end(rv);

			re = KRELOC_ALIGN_UP(re, PAGE) < re ? UINT64_MAX & ~(PAGE - 1) :
			     KRELOC_ALIGN_UP(re, PAGE);
			if (rb < done)
				rb = done;
			if (re <= rb)
				continue;
			free_pages -= pages_inside(rb, re, lo, hi);
			if (re > done)
				done = re;
		}
	}
	/* Destinations lie in free RAM and do not overlap one another. */
	free_pages -= nd.dest_pages <= free_pages ? nd.dest_pages : free_pages;
	if (free_pages < nd.safe_pages || free_pages - nd.safe_pages < extra)
		return KRELOC_E_NOMEM;
	return 0;
}
