/* SPDX-License-Identifier: MIT */
/*
 * cache.h - cache maintenance by address to the Point of Coherency
 * (cache.S).  Ranges are [start, end); partial lines at the ends are
 * included.  Each returns after a DSB: the maintenance is complete.
 */
#ifndef KRELOC_ASM_CACHE_H
#define KRELOC_ASM_CACHE_H

#include <kreloc/kreloc_env.h>

void kreloc_dcache_civac_range(uint64_t start, uint64_t end);	/* clean + invalidate */
void kreloc_dcache_cvac_range(uint64_t start, uint64_t end);	/* clean */
void kreloc_icache_inval_all(void);				/* this PE, then dsb + isb */

#endif /* KRELOC_ASM_CACHE_H */
