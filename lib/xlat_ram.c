// SPDX-License-Identifier: MIT
/*
 * xlat_ram.c - the RAM an identity map may cover: banks minus no-map holes,
 * in whole granules (see include/kreloc/xlat.h).
 */
#include <kreloc/error.h>
#include <kreloc/xlat.h>

/* Append [lo, hi) shrunk to whole granules, if any is left. */
static int piece(struct kreloc_xlat_region *r, unsigned int max, unsigned int *n,
		 uint64_t lo, uint64_t hi, uint64_t g)
{
	uint64_t b, e = KRELOC_ALIGN_DOWN(hi, g);

	if (lo > UINT64_MAX - (g - 1))
		return 0;
	b = KRELOC_ALIGN_UP(lo, g);
	if (e <= b)
		return 0;
	if (e > 1ULL << KRELOC_XLAT_MAX_BITS)
		return KRELOC_E_XLAT_PA_52BIT;
	if (*n == max)
		return KRELOC_E_NOSPACE;
	r[(*n)++] = (struct kreloc_xlat_region){ b, e - b, KRELOC_XLAT_RW_DATA };
	return 0;
}

int kreloc_xlat_ram_regions(const struct kreloc_memmap *map, unsigned int granule_shift,
			    struct kreloc_xlat_region *r, unsigned int max)
{
	uint64_t g = 1ULL << granule_shift;
	unsigned int n = 0;
	int err = 0;

	if (granule_shift != 12 && granule_shift != 14 && granule_shift != 16)
		return KRELOC_E_XLAT_GRANULE;
	if (!map || (max && !r))
		return KRELOC_E_INVAL;
	/* Both tables are sorted and disjoint: one pass per bank. */
	for (unsigned int i = 0; i < map->nr_ram && !err; i++) {
		uint64_t lo = map->ram[i].base, end = kreloc_range_end(&map->ram[i]);

		for (unsigned int j = 0; j < map->nr_nomap && !err; j++) {
			const struct kreloc_range *h = &map->nomap[j];

			if (!kreloc_ranges_overlap(lo, end - lo, h->base, h->size))
				continue;
			err = piece(r, max, &n, lo, h->base, g);
			lo = kreloc_range_end(h) < end ? kreloc_range_end(h) : end;
		}
		if (!err)
			err = piece(r, max, &n, lo, end, g);
	}
	return err ? err : (int)n;
}
