/* SPDX-License-Identifier: MIT */
/*
 * kimage.h - segments and the kimage entry list (Linux-compatible encoding,
 * see ind.h).
 *
 * A segment is bytes to be found at a physical destination after the
 * hand-off: @bufsz bytes from @buf, then zeros up to @memsz.  At load time
 * kreloc_kimage_load() copies every page of data into a "source" page taken
 * from the embedder's allocator and writes an entry list describing the
 * copies; at hand-off the trampoline walks the list and copies page by page.
 *
 * Safe pages: no source page, list page, translation-table page or control
 * page may lie inside any destination, or the trampoline would overwrite it
 * before reading it.  Blocks the allocator offers that touch a destination
 * are set aside (kept, never used, never freed) and counted - with one
 * exception: when the block offered is exactly the destination page being
 * staged, the data is written there directly and the list entry becomes
 * SOURCE == destination, which the trampoline skips (an "in-place" page).
 *
 * Borrowed pages: a segment may carry its data in physical pages instead of
 * a buffer (@pages, e.g. a paged bundle blob held in a running system's
 * pages, bundle.h).  Each page holding a whole 4 KiB of data is its own
 * SOURCE: no copy at load time, no allocation, the trampoline's single copy
 * reads it where it is.  Such a page must lie outside every destination
 * (the caller reserves them in the map before placing anything): one that
 * does not is refused, never silently copied.  A last page holding less
 * than 4 KiB of data is read through @rd and copied into a source page,
 * zeros after the data (bytes past the data in a borrowed page are not the
 * segment's).
 *
 * Zero fill: a destination page that lies wholly past its segment's @bufsz
 * gets a SOURCE entry naming one shared zero page (allocated once, never
 * written again) instead of a page of its own.  The trampoline stays a plain
 * page copier; the cost of a zero page is one 8-byte entry, not 4 KiB.
 */
#ifndef KRELOC_KIMAGE_H
#define KRELOC_KIMAGE_H

#include <kreloc/alloc.h>
#include <kreloc/ind.h>
#include <kreloc/memmap.h>

#define KRELOC_MAX_SEGMENTS		16
/* 64-bit slots per list page; the last one is kept for IND_INDIRECTION/IND_DONE. */
#define KRELOC_IND_SLOTS		(KRELOC_IND_PAGE_SIZE / 8)
/* Bound on list pages kreloc_kimage_check_list() follows when given no segments. */
#define KRELOC_LIST_MAX_PAGES		(1ULL << 20)
/* Bound on separate destination runs kreloc_kimage_check_list() tracks for coverage. */
#define KRELOC_LIST_MAX_RUNS		(2 * KRELOC_MAX_SEGMENTS)

/**
 * struct kreloc_segment - one destination range and the bytes it receives.
 * @buf:   the data (host pointer; may be NULL when @bufsz is 0 or @pages is set)
 * @bufsz: bytes of data, <= @memsz
 * @dest:  physical destination, 4 KiB aligned
 * @memsz: bytes at the destination, 4 KiB aligned, > 0; zero-filled past @bufsz
 * @pages: NULL when the data is at @buf; else the data lies in physical
 *         pages: a table of ceil(@bufsz / 4 KiB) little-endian uint64
 *         addresses, 4 KiB aligned, in data order (borrowed pages, above)
 */
struct kreloc_segment {
	const void *buf;
	uint64_t bufsz;
	uint64_t dest;
	uint64_t memsz;
	const uint8_t *pages;
};

/**
 * kreloc_segments_validate() - check segments before any page is allocated.
 * @map:  RAM and reserved ranges
 * @segs: the segments (may be NULL when @n is 0)
 * @n:    number of segments, at most KRELOC_MAX_SEGMENTS
 *
 * Segments are checked in order; for each, in this order: @buf or @pages
 * present when @bufsz > 0, alignment, sizes, inside one RAM bank, clear of no-map
 * memory, clear of reserved memory, clear of every earlier segment's
 * destination.
 *
 * Return: 0; KRELOC_E_INVAL (NULL @map, NULL @segs with @n > 0, NULL @buf
 * and @pages with @bufsz > 0, more than KRELOC_MAX_SEGMENTS); KRELOC_E_SEG_ALIGN (dest or
 * memsz not 4 KiB aligned); KRELOC_E_SEG_SIZE (memsz 0, bufsz > memsz, or
 * dest + memsz beyond 2^64 - 1); KRELOC_E_SEG_NOT_RAM; KRELOC_E_SEG_NOMAP;
 * KRELOC_E_SEG_RESERVED; KRELOC_E_SEG_OVERLAP.
 */
int kreloc_segments_validate(const struct kreloc_memmap *map,
			     const struct kreloc_segment *segs, unsigned int n);

/**
 * kreloc_segments_collide() - does [@pa, @pa + @size) touch any destination?
 * Segments must have passed kreloc_segments_validate() (no wrap); a block
 * that wraps past 2^64 counts as colliding.
 */
bool kreloc_segments_collide(const struct kreloc_segment *segs, unsigned int n,
			     uint64_t pa, uint64_t size);

/**
 * struct kreloc_kimage_need - worst-case pages a load takes, known before it starts.
 * @dest_pages: 4 KiB pages the destinations cover (sum of memsz / 4 KiB)
 * @data_pages: destination pages holding at least one byte of data that is
 *              not borrowed: each needs a source page (or is staged in place)
 * @borrowed_pages: data pages whose source is a page of the segment's
 *              @pages (whole 4 KiB of data): no source page needed
 * @zero_pages: 1 when some destination page lies wholly past its bufsz (the
 *              shared zero page), else 0
 * @list_pages: entry-list pages, worst case (one DESTINATION per segment)
 * @safe_pages: @data_pages + @zero_pages + @list_pages: pages that must come
 *              from outside every destination for the load to succeed
 *
 * Pages the allocator offers inside destinations are set aside on top of
 * these; there are at most @dest_pages of them, since an allocator never
 * hands out the same page twice.
 */
struct kreloc_kimage_need {
	uint64_t dest_pages;
	uint64_t data_pages;
	uint64_t borrowed_pages;
	uint64_t zero_pages;
	uint64_t list_pages;
	uint64_t safe_pages;
};

/**
 * kreloc_kimage_need() - compute the worst-case page counts of a load.
 * @segs: validated segments; @n: how many
 * @out:  filled on success
 *
 * Return: 0, or KRELOC_E_INVAL (NULL @out, NULL @segs with @n > 0, @n too large).
 */
int kreloc_kimage_need(const struct kreloc_segment *segs, unsigned int n,
		       struct kreloc_kimage_need *out);

/**
 * kreloc_kimage_check_room() - refuse early when RAM is too small.
 * @map:   RAM and reserved ranges
 * @segs:  validated segments; @n: how many
 * @extra: further safe pages the caller will need (tables, control page)
 *
 * Counts the free pages (RAM, not reserved) outside every destination and
 * compares them with kreloc_kimage_need().safe_pages + @extra.  Nothing is
 * allocated or written.
 *
 * Return: 0 when they fit; KRELOC_E_NOMEM when free RAM is too small;
 * KRELOC_E_INVAL as kreloc_kimage_need().
 */
int kreloc_kimage_check_room(const struct kreloc_memmap *map, const struct kreloc_segment *segs,
			     unsigned int n, uint64_t extra);

/**
 * struct kreloc_kimage - one load: its inputs and its results.
 *
 * Fill the inputs, zero everything else (e.g. with a designated initializer),
 * then call kreloc_kimage_load() once.  The segments and the memory map must
 * stay valid while the kimage is used; the @buf bytes are copied during the
 * load and not needed afterwards.
 *
 * @map, @segs, @nr_segs: what to load (see kreloc_segments_validate())
 * @alloc, @alloc_ctx:   the page allocator (see alloc.h)
 * @rd, @rd_ctx:         reads a segment's @pages (the last, partial page of
 *                       data); may be NULL when no segment has @pages
 *
 * Results, all zero until kreloc_kimage_load() succeeds (except
 * @colliding_pages_set_aside, which kreloc_kimage_alloc_safe() may raise
 * before the load too; the load adds its own on success):
 * @head:              IND_INDIRECTION | physical address of the first list page
 * @entries:           entries written, IND_INDIRECTION and IND_DONE included
 * @source_pages:      pages allocated to hold data (one SOURCE entry each)
 * @pages_in_place:    pages staged directly at their destination (SOURCE ==
 *                     destination, no copy at hand-off)
 * @zero_fill_pages:   SOURCE entries naming the shared zero page
 * @zero_page:         physical address of the shared zero page (valid when
 *                     @zero_fill_pages > 0)
 * @borrowed_pages:    SOURCE entries naming a page of a segment's @pages
 * @indirection_pages: list pages
 * @colliding_pages_set_aside: 4 KiB pages offered inside a destination and
 *                     set aside (kept from the allocator, never used)
 */
struct kreloc_kimage {
	const struct kreloc_memmap *map;
	const struct kreloc_segment *segs;
	unsigned int nr_segs;
	kreloc_alloc_fn alloc;
	void *alloc_ctx;
	kreloc_phys_read_fn rd;
	void *rd_ctx;

	uint64_t head;
	uint64_t entries;
	uint64_t source_pages;
	uint64_t pages_in_place;
	uint64_t zero_fill_pages;
	uint64_t zero_page;
	uint64_t borrowed_pages;
	uint64_t indirection_pages;
	uint64_t colliding_pages_set_aside;
};

/**
 * kreloc_kimage_load() - validate, stage every page, build the entry list.
 * @ki: inputs filled, results zero
 *
 * Prepare, then commit: the results are written only on success.  On
 * failure @ki is unchanged (head stays 0); pages already taken from the
 * allocator stay taken (kreloc never frees) and the caller may reset its
 * allocator.  The list is page granular (4 KiB): one DESTINATION entry per
 * segment (omitted when the segment starts where the previous one ended),
 * one SOURCE entry per destination page, IND_INDIRECTION in the last slot of
 * every full list page, IND_DONE at the end, zeros after it.  List pages,
 * source pages and the zero page all come from the safe allocator and belong
 * to the hand-off until it happens.
 *
 * Return: 0; the errors of kreloc_segments_validate(); KRELOC_E_INVAL (NULL
 * @ki, @map or @alloc, @head already set, the allocator returned a
 * misaligned block, or a partial last page of @pages and no @rd);
 * KRELOC_E_NOMEM when the allocator runs dry; KRELOC_E_PAGES_TABLE (an
 * address in @pages not 4 KiB aligned or whose page wraps);
 * KRELOC_E_PAGES_IN_DEST (a borrowed page inside a destination);
 * KRELOC_E_PAGES_NOT_RAM (@rd cannot read the partial last page).
 */
int kreloc_kimage_load(struct kreloc_kimage *ki);

/**
 * kreloc_kimage_alloc_safe() - allocate a block for other hand-off structures.
 * @ki:   a kimage with @segs, @nr_segs and @alloc set (before or after the load)
 * @size: a power of two >= 4096 (tables at 4K/16K/64K granule, control page)
 * @pa:   out: the block's physical address
 *
 * Never returns a block that overlaps a destination: such blocks are set
 * aside (kept, not returned to the allocator) and added, in 4 KiB pages, to
 * @ki->colliding_pages_set_aside.  The block is zeroed.
 *
 * Return: a pointer to the block (from the allocator), or NULL when @size is
 * not valid, the allocator is exhausted or it returned a misaligned block.
 */
void *kreloc_kimage_alloc_safe(struct kreloc_kimage *ki, uint64_t size, uint64_t *pa);

/**
 * struct kreloc_list_stats - what kreloc_kimage_check_list() saw.
 * @list_pages:   list pages visited
 * @entries:      entries read, IND_INDIRECTION and IND_DONE included
 * @destinations: DESTINATION entries
 * @sources:      SOURCE entries (pages written at hand-off)
 * @in_place:     SOURCE entries equal to the cursor (skipped by the trampoline)
 * @copies:       @sources - @in_place
 * @runs:         separate contiguous runs of destination pages written
 */
struct kreloc_list_stats {
	uint64_t list_pages;
	uint64_t entries;
	uint64_t destinations;
	uint64_t sources;
	uint64_t in_place;
	uint64_t copies;
	uint64_t runs;
};

/**
 * kreloc_kimage_check_list() - validate an entry list before the hand-off.
 * @head: the first entry (must be IND_INDIRECTION | page)
 * @rd:   reads list pages (4 KiB at a time)
 * @ctx:  passed to @rd
 * @segs: the segments the list should write, or NULL to check the form only
 * @n:    number of segments
 * @st:   out: statistics (may be NULL); filled as far as the walk got
 *
 * Walks the list as the trampoline would, without writing anything, and
 * checks the form of every entry: exactly one flag, address bits 4-11 zero,
 * IND_DONE with no address and only zero slots after it on its page.  A zero
 * slot followed by nothing but zeros means the list ends without IND_DONE.
 * Indirection loops are found by cycle detection, and at most
 * kreloc_kimage_need().list_pages pages (KRELOC_LIST_MAX_PAGES without
 * segments) are followed.  With @segs, additionally: no list page and no
 * source page (other than one equal to its destination) lies inside a
 * destination, and the pages written are exactly the destination pages,
 * each once, in at most KRELOC_LIST_MAX_RUNS contiguous runs.
 *
 * Return: 0; KRELOC_E_INVAL (NULL @rd, bad @segs/@n); KRELOC_E_LIST_ENTRY
 * (also for a head that is not an indirection, or a page @rd cannot read);
 * KRELOC_E_LIST_SOURCE_FIRST; KRELOC_E_LIST_LOOP; KRELOC_E_LIST_AFTER_DONE;
 * KRELOC_E_LIST_UNTERMINATED; KRELOC_E_LIST_UNSAFE; KRELOC_E_LIST_COVERAGE
 * (also for a cursor that would wrap past 2^64).
 */
int kreloc_kimage_check_list(uint64_t head, kreloc_phys_read_fn rd, void *ctx,
			     const struct kreloc_segment *segs, unsigned int n,
			     struct kreloc_list_stats *st);

#endif /* KRELOC_KIMAGE_H */
