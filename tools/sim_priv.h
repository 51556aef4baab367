/* SPDX-License-Identifier: MIT */
/*
 * sim_priv.h - the simulator's page table, shared by sim.c (memory model and
 * allocator) and sim_exec.c (executor and checker).  Not for tests.
 */
#ifndef KRELOC_SIM_PRIV_H
#define KRELOC_SIM_PRIV_H

#include "sim.h"

#define PAGE		((uint64_t)KRELOC_IND_PAGE_SIZE)
#define PAGE_SHIFT	KRELOC_IND_PAGE_SHIFT
#define NO_PFN		UINT64_MAX

enum { PG_PATTERN, PG_ZERO, PG_DATA };

#define PF_ALLOCATED	0x01	/* handed out by the allocator */
#define PF_BUSY		0x02	/* never hand out */
#define PF_PROTECTED	0x04	/* must survive the hand-off */
#define PF_BORROWED	0x08	/* data points into a block, not owned */
#define PF_ISZERO	0x10	/* with zepoch == sim->epoch: data known all zero */

struct sim_page {
	uint64_t pfn;
	uint8_t *data;		/* PG_DATA only */
	uint64_t last_read;	/* executor step, 0 = never */
	uint64_t first_write;	/* executor step, 0 = never */
	uint64_t readers;	/* split lists that read it, one bit each */
	uint32_t zepoch;
	uint8_t state;
	uint8_t flags;
	uint8_t writer;		/* split list that wrote it, plus 1; 0 = none */
};

struct sim_block {
	struct sim_block *next;
	uint8_t bytes[];
};

struct kreloc_sim {
	struct kreloc_memmap map;
	struct sim_page *tab;
	uint64_t cap, used;	/* slots, occupied slots */
	struct sim_block *blocks;
	uint8_t *scratch;	/* for reads across separately backed pages */
	uint64_t scratch_len;
	uint64_t rng;
	uint32_t epoch;
	struct kreloc_sim_alloc_cfg cfg;
	unsigned int pred_seg;	/* predict: lowest data page not handed out */
	uint64_t pred_off;
	uint64_t allocated;
};

/* Page table: look up, or create reading the pattern (may move records). */
struct sim_page *sim_lookup(const struct kreloc_sim *sim, uint64_t pfn);
struct sim_page *sim_get(struct kreloc_sim *sim, uint64_t pfn);
/* Backing bytes: any content (about to be overwritten); the zero state. */
void sim_own_data(struct sim_page *p);
void sim_set_zero(struct sim_page *p);
/* @len bytes at @off in page @pfn, whatever its state. */
void sim_read_page(const struct kreloc_sim *sim, uint64_t pfn, uint64_t off, void *buf,
		   uint64_t len);

#endif /* KRELOC_SIM_PRIV_H */
