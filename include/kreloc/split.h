/* SPDX-License-Identifier: MIT */
/*
 * split.h - split a loaded entry list into N lists for N CPUs, and check
 * such a set of lists.
 *
 * Each list is a complete Linux-compatible entry list (ind.h) that a
 * trampoline can run on its own.  Together they write exactly the segments,
 * each destination page once, and no list reads a page (list page or source
 * page) that another list writes: run concurrently, in any interleaving,
 * they give the same memory as the one list.  The lists only read the
 * original source pages and the shared zero page; several lists may read
 * the same page, which is harmless.
 *
 * The shim runs such lists on the CPUs it started (shim/smp.c, the SMP
 * trampolines of arch/arm64/relocate.S); the host simulator proves them.
 */
#ifndef KRELOC_SPLIT_H
#define KRELOC_SPLIT_H

#include <kreloc/kimage.h>

/* Most lists one split makes or one check accepts. */
#define KRELOC_SPLIT_MAX		64
/* Bound on contiguous runs written, over all lists, kreloc_kimage_check_split() tracks. */
#define KRELOC_SPLIT_MAX_RUNS		(KRELOC_LIST_MAX_RUNS + KRELOC_SPLIT_MAX)

/**
 * struct kreloc_split_stats - the lists a split wrote, or a check saw.
 * @nr:         number of lists
 * @list_pages: list pages, over all lists
 * @entries:    entries, IND_INDIRECTION and IND_DONE included, over all lists
 * @runs:       contiguous runs of destination pages written, over all lists
 * @copies:     per list: pages copied (SOURCE entries other than in place,
 *              zero fill included); times 4 KiB, the bytes the list copies
 * @in_place:   per list: in-place SOURCE entries (no copy)
 */
struct kreloc_split_stats {
	unsigned int nr;
	uint64_t list_pages;
	uint64_t entries;
	uint64_t runs;
	uint64_t copies[KRELOC_SPLIT_MAX];
	uint64_t in_place[KRELOC_SPLIT_MAX];
};

/**
 * kreloc_kimage_split() - write @nr lists that together do what @ki's list does.
 * @ki:    a kimage after a successful kreloc_kimage_load()
 * @rd:    reads the loaded list (pages for the check, then 8 bytes at a time)
 * @rctx:  passed to @rd
 * @nr:    number of lists, 1..KRELOC_SPLIT_MAX
 * @heads: out: @nr heads, each IND_INDIRECTION | first list page
 * @st:    out: what was written (may be NULL)
 *
 * The loaded list is first checked against @ki's segments
 * (kreloc_kimage_check_list()).  Its SOURCE entries are then dealt, in
 * order, into @nr contiguous shares: list i takes the next copies/@nr
 * copied pages (one more for the first copies % @nr lists), so the bytes
 * copied per list differ by at most one page.  In-place entries cost
 * nothing and stay with the share they fall in; a list may be empty
 * (IND_DONE only) when there are fewer copies than lists, and any other
 * starts with a DESTINATION entry.  With @nr == 1 the one new list holds
 * the same entries as the loaded one.
 *
 * New list pages come from kreloc_kimage_alloc_safe(), so none lies inside
 * a destination; the loaded list, its source pages and @ki's results stay
 * as they were (except @ki->colliding_pages_set_aside, raised as by
 * kreloc_kimage_alloc_safe()).  Prepare, then commit: @heads and @st are
 * written only on success; pages taken stay taken.
 *
 * Return: 0; KRELOC_E_INVAL (NULL @ki, @rd or @heads, @ki not loaded, @nr
 * 0 or above KRELOC_SPLIT_MAX); the errors of kreloc_kimage_check_list();
 * KRELOC_E_NOMEM when the allocator runs dry.
 */
int kreloc_kimage_split(struct kreloc_kimage *ki, kreloc_phys_read_fn rd, void *rctx,
			unsigned int nr, uint64_t heads[], struct kreloc_split_stats *st);

/**
 * kreloc_kimage_check_split() - validate @nr lists meant to run concurrently.
 * @heads: the lists' heads
 * @nr:    number of lists, 1..KRELOC_SPLIT_MAX
 * @rd:    reads list pages
 * @ctx:   passed to @rd
 * @segs:  the segments the lists should write together (may be NULL when
 *         @n is 0); @n: how many
 * @st:    out: statistics (may be NULL); filled as far as the check got
 *
 * Each list is checked in turn for form as kreloc_kimage_check_list() does
 * with no segments; then its list pages and its source pages (other than
 * one equal to its destination) must lie outside every destination.  Over
 * all lists, the pages written must be exactly the destination pages, each
 * once, in at most KRELOC_SPLIT_MAX_RUNS contiguous runs.  Every page
 * written is then a destination page, and no list reads one (list and
 * source pages lie outside them, in-place pages are skipped), so no list
 * reads a page another writes.
 *
 * Return: 0; KRELOC_E_INVAL (NULL @heads or @rd, @nr out of range, NULL
 * @segs with @n > 0, @n above KRELOC_MAX_SEGMENTS); the form errors of kreloc_kimage_check_list();
 * KRELOC_E_LIST_UNSAFE; KRELOC_E_LIST_COVERAGE (a page missing, written
 * twice within or across lists, or outside every destination).
 */
int kreloc_kimage_check_split(const uint64_t heads[], unsigned int nr, kreloc_phys_read_fn rd,
			      void *ctx, const struct kreloc_segment *segs, unsigned int n,
			      struct kreloc_split_stats *st);

#endif /* KRELOC_SPLIT_H */
