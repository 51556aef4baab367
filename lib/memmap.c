// SPDX-License-Identifier: MIT
/*
 * memmap.c - RAM and reserved ranges: sorted, merged, fixed-size tables.
 */
#include <kreloc/error.h>
#include <kreloc/memmap.h>

void kreloc_memmap_init(struct kreloc_memmap *map)
{
	memset(map, 0, sizeof(*map));
}

/*
 * Insert [base, base+size) into a sorted table of disjoint ranges, merging
 * with every neighbour it touches or overlaps.  The table is unchanged on
 * failure.
 */
static int range_insert(struct kreloc_range *tab, unsigned int *nr, unsigned int max,
			uint64_t base, uint64_t size)
{
	uint64_t end;
	unsigned int first, last, i;

	if (size == 0)
		return 0;
	if (base + size < base)
		return KRELOC_E_OVERFLOW;
	end = base + size;

	/* first: the first range that ends at or after base (can merge) */
	for (first = 0; first < *nr && kreloc_range_end(&tab[first]) < base; first++)
		;
	/* last: one past the last range that starts at or before end */
	for (last = first; last < *nr && tab[last].base <= end; last++)
		;

	if (first == last) {		/* touches nothing: plain insert */
		if (*nr == max)
			return KRELOC_E_NOSPACE;
		memmove(&tab[first + 1], &tab[first], (*nr - first) * sizeof(*tab));
		tab[first].base = base;
		tab[first].size = size;
		(*nr)++;
		return 0;
	}

	if (tab[first].base < base)
		base = tab[first].base;
	if (kreloc_range_end(&tab[last - 1]) > end)
		end = kreloc_range_end(&tab[last - 1]);
	tab[first].base = base;
	tab[first].size = end - base;
	for (i = last; i < *nr; i++)
		tab[first + 1 + i - last] = tab[i];
	*nr -= last - first - 1;
	return 0;
}

int kreloc_memmap_add_ram(struct kreloc_memmap *map, uint64_t base, uint64_t size)
{
	return range_insert(map->ram, &map->nr_ram, KRELOC_MEMMAP_MAX_RAM, base, size);
}

int kreloc_memmap_add_reserved(struct kreloc_memmap *map, uint64_t base, uint64_t size)
{
	return range_insert(map->reserved, &map->nr_reserved, KRELOC_MEMMAP_MAX_RESERVED,
			    base, size);
}

/* Inlined twice, @aligned constant in each: the aligned copy loads words. */
static inline uint64_t page_run(const uint8_t *table, uint64_t nr, uint64_t i, uint64_t *base,
				bool aligned)
{
	const uint8_t *e = table + 8 * i;
	uint64_t b = aligned ? kreloc_le64_aligned(e) : kreloc_le64(e), n = 1;

	for (; i + n < nr; n++) {
		uint64_t next = aligned ? kreloc_le64_aligned(e + 8 * n) : kreloc_le64(e + 8 * n);

		/* a run never wraps past 2^64 */
		if (next <= b || next - b != n * KRELOC_SZ_4K)
			break;
	}
	*base = b;
	return n;
}

uint64_t kreloc_page_run(const uint8_t *table, uint64_t nr, uint64_t i, uint64_t *base)
{
	/* bundle page tables are 8-aligned (bundle.h); others are read byte-wise */
	if (((uintptr_t)table & 7) == 0)
		return page_run(table, nr, i, base, true);
	return page_run(table, nr, i, base, false);
}

int kreloc_memmap_add_pages(struct kreloc_memmap *map, const uint8_t *table, uint64_t nr)
{
	for (uint64_t i = 0; i < nr;) {
		uint64_t base, n = kreloc_page_run(table, nr, i, &base);
		int err = kreloc_memmap_add_reserved(map, base, n * KRELOC_SZ_4K);

		if (err)
			return err;
		i += n;
	}
	return 0;
}

int kreloc_memmap_add_nomap(struct kreloc_memmap *map, uint64_t base, uint64_t size)
{
	int err = range_insert(map->nomap, &map->nr_nomap, KRELOC_MEMMAP_MAX_NOMAP, base, size);

	return err ? err : kreloc_memmap_add_reserved(map, base, size);
}

bool kreloc_memmap_is_nomap(const struct kreloc_memmap *map, uint64_t base, uint64_t size)
{
	if (base + size < base)
		return true;
	for (unsigned int i = 0; i < map->nr_nomap; i++)
		if (kreloc_ranges_overlap(base, size, map->nomap[i].base, map->nomap[i].size))
			return true;
	return false;
}

bool kreloc_memmap_is_ram(const struct kreloc_memmap *map, uint64_t base, uint64_t size)
{
	if (base + size < base)
		return false;
	/* Touching banks were merged, so the range must lie inside one bank. */
	for (unsigned int i = 0; i < map->nr_ram; i++) {
		const struct kreloc_range *r = &map->ram[i];

		if (base >= r->base && base + size <= kreloc_range_end(r))
			return true;
	}
	return false;
}

bool kreloc_memmap_is_reserved(const struct kreloc_memmap *map, uint64_t base, uint64_t size)
{
	if (base + size < base)		/* a wrapping range is never safe to use */
		return true;
	for (unsigned int i = 0; i < map->nr_reserved; i++)
		if (kreloc_ranges_overlap(base, size, map->reserved[i].base, map->reserved[i].size))
			return true;
	return false;
}

bool kreloc_memmap_is_free(const struct kreloc_memmap *map, uint64_t base, uint64_t size)
{
	return kreloc_memmap_is_ram(map, base, size) && !kreloc_memmap_is_reserved(map, base, size);
}

/* *y = x rounded up to @align; false when that is not below 2^64. */
static bool align_up(uint64_t x, uint64_t align, uint64_t *y)
{
	uint64_t v = KRELOC_ALIGN_UP(x, align);

	if (v < x)
		return false;
	*y = v;
	return true;
}

/*
 * Does [pos, pos+size) touch a range of @tab?  For those it touches, lower
 * *lo_base to the lowest base and raise *hi_end to the highest end: a clear
 * start above pos must be >= every such end, one below pos must end at or
 * below every such base, so the search can jump there without missing one.
 */
static bool hits(const struct kreloc_range *tab, unsigned int nr, uint64_t pos, uint64_t size,
		 uint64_t *lo_base, uint64_t *hi_end)
{
	bool hit = false;

	for (unsigned int i = 0; i < nr; i++) {
		if (!kreloc_ranges_overlap(pos, size, tab[i].base, tab[i].size))
			continue;
		hit = true;
		if (tab[i].base < *lo_base)
			*lo_base = tab[i].base;
		if (kreloc_range_end(&tab[i]) > *hi_end)
			*hi_end = kreloc_range_end(&tab[i]);
	}
	return hit;
}

static bool blocked(const struct kreloc_memmap *map, const struct kreloc_find_req *req,
		    uint64_t pos, uint64_t *lo_base, uint64_t *hi_end)
{
	bool a, b;

	*lo_base = UINT64_MAX;
	*hi_end = 0;
	a = hits(map->reserved, map->nr_reserved, pos, req->size, lo_base, hi_end);
	b = hits(req->avoid, req->nr_avoid, pos, req->size, lo_base, hi_end);
	return a || b;
}

/* Search one bank's window [lo, hi) upwards.  Each jump strictly increases pos. */
static bool find_up(const struct kreloc_memmap *map, const struct kreloc_find_req *req,
		    uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t pos, lo_base, hi_end;

	if (!align_up(lo, req->align, &pos))
		return false;
	while (pos < hi && hi - pos >= req->size) {
		if (!blocked(map, req, pos, &lo_base, &hi_end)) {
			*out = pos;
			return true;
		}
		if (!align_up(hi_end, req->align, &pos))
			return false;
	}
	return false;
}

/* Search one bank's window [lo, hi) downwards.  Each jump strictly decreases pos. */
static bool find_down(const struct kreloc_memmap *map, const struct kreloc_find_req *req,
		      uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t pos, lo_base, hi_end;

	if (hi < lo || hi - lo < req->size)
		return false;
	pos = KRELOC_ALIGN_DOWN(hi - req->size, req->align);
	while (pos >= lo) {
		if (!blocked(map, req, pos, &lo_base, &hi_end)) {
			*out = pos;
			return true;
		}
		if (lo_base < req->size)
			return false;
		pos = KRELOC_ALIGN_DOWN(lo_base - req->size, req->align);
	}
	return false;
}

int kreloc_memmap_find(const struct kreloc_memmap *map, const struct kreloc_find_req *req,
		       uint64_t *out)
{
	if (!map || !req || !out || req->size == 0 || !KRELOC_IS_POW2(req->align) ||
	    (req->nr_avoid && !req->avoid))
		return KRELOC_E_INVAL;
	for (unsigned int i = 0; i < req->nr_avoid; i++)
		if (req->avoid[i].base + req->avoid[i].size < req->avoid[i].base)
			return KRELOC_E_INVAL;

	for (unsigned int n = 0; n < map->nr_ram; n++) {
		/* top-down walks the banks from the highest */
		const struct kreloc_range *r = &map->ram[req->top_down ? map->nr_ram - 1 - n : n];
		uint64_t lo = r->base > req->min ? r->base : req->min;
		uint64_t hi = kreloc_range_end(r) < req->max ? kreloc_range_end(r) : req->max;
		bool found;

		if (lo >= hi)
			continue;
		found = req->top_down ? find_down(map, req, lo, hi, out) :
					find_up(map, req, lo, hi, out);
		if (found)
			return 0;
	}
	return KRELOC_E_NO_ROOM;
}

int kreloc_memmap_find_free(const struct kreloc_memmap *map, uint64_t size, uint64_t align,
			    uint64_t min, uint64_t max, const struct kreloc_range *avoid,
			    unsigned int nr_avoid, uint64_t *out)
{
	struct kreloc_find_req req = {
		.size = size, .align = align, .min = min, .max = max,
		.avoid = avoid, .nr_avoid = nr_avoid, .top_down = false,
	};

	return kreloc_memmap_find(map, &req, out);
}

uint64_t kreloc_memmap_ram_top(const struct kreloc_memmap *map)
{
	return map->nr_ram ? kreloc_range_end(&map->ram[map->nr_ram - 1]) : 0;
}
