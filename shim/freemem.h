/* SPDX-License-Identifier: MIT */
/*
 * freemem.h - the shim's page allocator: free RAM handed out in a scattered
 * order, the way a long-running kernel's free lists look to kexec_load.
 */
#ifndef KRELOC_SHIM_FREEMEM_H
#define KRELOC_SHIM_FREEMEM_H

#include <kreloc/memmap.h>

#define FREEMEM_CHUNK	(2ULL << 20)	/* unit of scattering */

struct freemem {
	const struct kreloc_memmap *map;	/* free = RAM less reserved */
	uint64_t nr_chunks;			/* 2 MiB chunks below the RAM top */
	uint64_t stride;			/* coprime with nr_chunks */
	uint64_t step;				/* chunks visited so far */
	uint64_t chunk;				/* current chunk base */
	uint64_t next;				/* next candidate address in it */
	uint64_t first;				/* lowest RAM address */
	uint64_t pages;				/* 4 KiB pages handed out */
};

void freemem_init(struct freemem *fm, const struct kreloc_memmap *map);
/* kreloc_alloc_fn: a zeroed block of @size bytes (power of two >= 4 KiB). */
void *freemem_alloc(void *ctx, uint64_t size, uint64_t *pa);

#endif
