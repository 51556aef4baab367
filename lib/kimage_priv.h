/* SPDX-License-Identifier: MIT */
/*
 * kimage_priv.h - shared by lib/kimage.c and lib/kimage_split.c; not installed.
 */
#ifndef KRELOC_KIMAGE_PRIV_H
#define KRELOC_KIMAGE_PRIV_H

#include <kreloc/kimage.h>

#define PAGE		((uint64_t)KRELOC_IND_PAGE_SIZE)
#define ADDR_MASK	(~(PAGE - 1))
#define LAST_SLOT	(KRELOC_IND_SLOTS - 1)

/* Entry @slot of a list page, wherever the page lies (no alignment assumed). */
static inline uint64_t kreloc_list_entry(const uint8_t *page, unsigned int slot)
{
	uint64_t e;

	memcpy(&e, page + (size_t)slot * 8, 8);
	return e;
}

/* A contiguous run of destination pages a list writes. */
struct kreloc_list_run {
	uint64_t base;
	uint64_t size;
};

/**
 * kreloc_list_runs_cover() - do @runs write exactly the destinations?
 * @segs, @n:     the segments
 * @runs, @nr:    the runs of pages written, by one list or by several
 *
 * Return: 0 when the runs are disjoint, lie inside the destinations and
 * hold as many bytes as they do (an exact cover); KRELOC_E_LIST_COVERAGE.
 */
int kreloc_list_runs_cover(const struct kreloc_segment *segs, unsigned int n,
			   const struct kreloc_list_run *runs, unsigned int nr);

#endif /* KRELOC_KIMAGE_PRIV_H */
