/* SPDX-License-Identifier: MIT */
/*
 * memmap.h - physical memory as a loader sees it: RAM banks, the ranges
 * inside them that must not be written (reserved), and among those the ones
 * that must not be mapped either (no-map).
 *
 * Fixed-size, caller-owned, no allocation.  Ranges are kept sorted by base
 * and merged where they touch, so queries are simple scans.
 */
#ifndef KRELOC_MEMMAP_H
#define KRELOC_MEMMAP_H

#include <kreloc/kreloc_env.h>

#define KRELOC_MEMMAP_MAX_RAM		32
/*
 * 64 for firmware, the loader, preserved and live ranges, plus one per run
 * of a paged payload's pages (KRELOC_BUNDLE_MAX_PAGE_RUNS, bundle.h).
 */
#define KRELOC_MEMMAP_MAX_RESERVED	(64 + 256)
#define KRELOC_MEMMAP_MAX_NOMAP		16

/** struct kreloc_range - [base, base + size); size 0 is an empty range. */
struct kreloc_range {
	uint64_t base;
	uint64_t size;
};

struct kreloc_memmap {
	struct kreloc_range ram[KRELOC_MEMMAP_MAX_RAM];
	unsigned int nr_ram;
	struct kreloc_range reserved[KRELOC_MEMMAP_MAX_RESERVED];
	unsigned int nr_reserved;
	struct kreloc_range nomap[KRELOC_MEMMAP_MAX_NOMAP];
	unsigned int nr_nomap;
};

/** kreloc_range_end() - exclusive end; only for ranges already checked not to wrap. */
static inline uint64_t kreloc_range_end(const struct kreloc_range *r)
{
	return r->base + r->size;
}

/** kreloc_ranges_overlap() - do [a, a+as) and [b, b+bs) share a byte? (no wrap assumed) */
static inline bool kreloc_ranges_overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return as && bs && a < b + bs && b < a + as;
}

/**
 * kreloc_memmap_init() - empty map: no RAM, nothing reserved.
 * @map: caller-owned; every field is overwritten
 */
void kreloc_memmap_init(struct kreloc_memmap *map);

/**
 * kreloc_memmap_add_ram() / kreloc_memmap_add_reserved() - add a range.
 * Return: 0; KRELOC_E_OVERFLOW if base + size wraps; KRELOC_E_NOSPACE when the
 * table is full (after merging).  A zero-sized range is accepted and ignored.
 */
int kreloc_memmap_add_ram(struct kreloc_memmap *map, uint64_t base, uint64_t size);
int kreloc_memmap_add_reserved(struct kreloc_memmap *map, uint64_t base, uint64_t size);

/**
 * kreloc_page_run() - the run of a page table that starts at entry @i.
 * @table: little-endian uint64 physical addresses of 4 KiB pages (a paged
 *         blob's page table, bundle.h), any alignment (an 8-aligned
 *         one, as a bundle's is, is read a word at a time)
 * @nr:    entries in @table; @i: the first entry of the run, < @nr
 * @base:  out: the run's first page
 *
 * A run is a maximal sequence of consecutive entries whose addresses are
 * consecutive pages.
 *
 * Return: its length in pages (>= 1); the next run starts at entry @i + that.
 */
uint64_t kreloc_page_run(const uint8_t *table, uint64_t nr, uint64_t i, uint64_t *base);

/**
 * kreloc_memmap_add_pages() - reserve every run of a page table.
 * @map: the map; @table, @nr: as kreloc_page_run(), addresses 4 KiB aligned
 *
 * The pages of a paged payload stay in use until the trampoline copies
 * them: reserved, no destination, staged page or table is placed on one.
 *
 * Return: as kreloc_memmap_add_reserved() for the first run that fails
 * (the runs before it stay reserved).
 */
int kreloc_memmap_add_pages(struct kreloc_memmap *map, const uint8_t *table, uint64_t nr);

/**
 * kreloc_memmap_add_nomap() - add a reserved range that must not even be
 * mapped (a /reserved-memory node with no-map: firmware carve-outs that a
 * speculative cacheable read may fault on).  It is reserved as well, so
 * nothing is placed or staged there, and kept apart so that no translation
 * table maps it (kreloc_xlat_ram_regions()).
 * Return: as kreloc_memmap_add_reserved(); KRELOC_E_NOSPACE also when the
 * no-map table is full.  On failure the range may be in one table only.
 */
int kreloc_memmap_add_nomap(struct kreloc_memmap *map, uint64_t base, uint64_t size);

/** kreloc_memmap_is_nomap() - does [base, base+size) touch a no-map range?  True if it wraps. */
bool kreloc_memmap_is_nomap(const struct kreloc_memmap *map, uint64_t base, uint64_t size);

/** kreloc_memmap_is_ram() - is all of [base, base+size) RAM?  False if it wraps. */
bool kreloc_memmap_is_ram(const struct kreloc_memmap *map, uint64_t base, uint64_t size);

/** kreloc_memmap_is_reserved() - does [base, base+size) touch a reserved range?  True if it wraps. */
bool kreloc_memmap_is_reserved(const struct kreloc_memmap *map, uint64_t base, uint64_t size);

/** kreloc_memmap_is_free() - RAM and not reserved. */
bool kreloc_memmap_is_free(const struct kreloc_memmap *map, uint64_t base, uint64_t size);

/**
 * kreloc_memmap_find_free() - lowest free range of @size bytes.
 * @map:   the memory map
 * @size:  bytes wanted (> 0)
 * @align: power of two; the start is aligned to it
 * @min:   lowest acceptable start; @max: the range must end at or below @max
 * @avoid: further ranges to keep clear of (may be NULL when @nr_avoid is 0)
 * @out:   receives the start
 *
 * Same as kreloc_memmap_find() searching bottom-up.
 *
 * Return: 0, KRELOC_E_INVAL (bad align or size, wrapping avoid range), or
 * KRELOC_E_NO_ROOM.
 */
int kreloc_memmap_find_free(const struct kreloc_memmap *map, uint64_t size, uint64_t align,
			    uint64_t min, uint64_t max, const struct kreloc_range *avoid,
			    unsigned int nr_avoid, uint64_t *out);

/**
 * struct kreloc_find_req - a free-range query for kreloc_memmap_find().
 * @size:     bytes wanted (> 0)
 * @align:    power of two; the start is aligned to it
 * @min:      lowest acceptable start
 * @max:      the range must end at or below @max (exclusive end)
 * @avoid:    further ranges to keep clear of (NULL when @nr_avoid is 0); they
 *            must not wrap
 * @nr_avoid: entries in @avoid
 * @top_down: return the highest fitting start instead of the lowest
 */
struct kreloc_find_req {
	uint64_t size;
	uint64_t align;
	uint64_t min;
	uint64_t max;
	const struct kreloc_range *avoid;
	unsigned int nr_avoid;
	bool top_down;
};

/**
 * kreloc_memmap_find() - lowest (or highest) free range matching @req.
 * @map: the memory map; @req: the query; @out: receives the start
 *
 * The range found lies inside one RAM bank, touches no reserved range and no
 * @avoid range, and satisfies the alignment and bounds of @req.
 *
 * Return: 0, KRELOC_E_INVAL (size 0, align not a power of two, NULL avoid
 * with nr_avoid > 0, wrapping avoid range, NULL argument), or
 * KRELOC_E_NO_ROOM.
 */
int kreloc_memmap_find(const struct kreloc_memmap *map, const struct kreloc_find_req *req,
		       uint64_t *out);

/** kreloc_memmap_ram_top() - exclusive end of the highest RAM bank (0 without RAM). */
uint64_t kreloc_memmap_ram_top(const struct kreloc_memmap *map);

#endif /* KRELOC_MEMMAP_H */
