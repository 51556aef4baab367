// SPDX-License-Identifier: MIT
/*
 * freemem.c - a deliberately fragmented page allocator for staging.
 *
 * kexec_load copies each segment into whatever pages the old kernel's
 * allocator returns, scattered over RAM.  To make relocation do the same
 * real work here, free RAM is visited in 2 MiB chunks in a stride order
 * (chunk i -> (i * stride) mod n, stride coprime with n), so consecutive
 * allocations land far apart, and no segment is staged contiguously.
 *
 * The shim stages with its MMU and caches on, as a kernel would
 * (KRELOC_STAGING_CACHED, handoff.h): blocks are written through the cache,
 * and what must reach memory is cleaned by the trampoline (copies, in-place
 * pages) or before the MMU goes off (classic).
 */
#include "freemem.h"
#include "shim.h"

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

void freemem_init(struct freemem *fm, const struct kreloc_memmap *map)
{
	uint64_t top = kreloc_memmap_ram_top(map);

	memset(fm, 0, sizeof(*fm));
	fm->map = map;
	if (!map->nr_ram)
		return;
	fm->first = KRELOC_ALIGN_DOWN(map->ram[0].base, FREEMEM_CHUNK);
	fm->nr_chunks = (KRELOC_ALIGN_UP(top, FREEMEM_CHUNK) - fm->first) / FREEMEM_CHUNK;
	/* A stride near n * 0.38 spreads consecutive chunks across all of RAM. */
	fm->stride = fm->nr_chunks * 3 / 8 + 1;
	while (gcd(fm->stride, fm->nr_chunks) != 1)
		fm->stride++;
	fm->chunk = fm->first;
	fm->next = fm->first;
}

/* Move to the next chunk in stride order; false when all were visited. */
static bool next_chunk(struct freemem *fm)
{
	if (++fm->step >= fm->nr_chunks)
		return false;
	fm->chunk = fm->first + (fm->step * fm->stride % fm->nr_chunks) * FREEMEM_CHUNK;
	fm->next = fm->chunk;
	return true;
}

void *freemem_alloc(void *ctx, uint64_t size, uint64_t *pa)
{
	struct freemem *fm = ctx;

	if (!fm->nr_chunks || size < KRELOC_SZ_4K || !KRELOC_IS_POW2(size) ||
	    size > FREEMEM_CHUNK)
		return NULL;
	for (;;) {
		uint64_t at = KRELOC_ALIGN_UP(fm->next, size);

		if (at + size > fm->chunk + FREEMEM_CHUNK) {
			if (!next_chunk(fm))
				return NULL;
			continue;
		}
		fm->next = at + size;
		if (!kreloc_memmap_is_free(fm->map, at, size))
			continue;
		memset((void *)(uintptr_t)at, 0, size);
		fm->pages += size / KRELOC_SZ_4K;
		*pa = at;
		return (void *)(uintptr_t)at;
	}
}
