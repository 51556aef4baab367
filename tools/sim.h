/* SPDX-License-Identifier: MIT */
/*
 * sim.h - host-only model of physical memory, a scattering page allocator
 * over it, and an executor that runs a kimage entry list exactly as the
 * trampoline does, proving that the hand-off is correct.
 *
 * Memory: sparse and byte exact, kept in 4 KiB pages created on demand.  A
 * page never written reads as a fill pattern derived from its address (see
 * kreloc_sim_pattern()), so "unchanged" is checkable.  Pages of zeros are
 * kept without backing bytes, so huge zero-filled segments stay cheap.
 *
 * Executor semantics (the trampoline's contract): the cursor starts unset;
 * DESTINATION sets it; SOURCE copies 4 KiB from the source page to the cursor,
 * skipping the copy when source == cursor, and advances the cursor by 4 KiB;
 * INDIRECTION continues at the start of another list page; DONE stops.
 *
 * Split lists (split.h) run one after the other, each with the semantics
 * above, but since CPUs would run them concurrently the executor records
 * which list read and which list wrote every page: a page one list writes
 * and another reads is a fault whatever the order, and so is a destination
 * page two lists write or claim in place.
 *
 * Host only: uses malloc and friends.  Not thread safe.
 */
#ifndef KRELOC_SIM_H
#define KRELOC_SIM_H

#include <kreloc/kimage.h>
#include <kreloc/split.h>

struct kreloc_sim;

/**
 * kreloc_sim_new() - a memory model with @map's RAM, allocator seeded by @seed.
 * The map is copied.  Return: the model, or NULL when out of host memory.
 */
struct kreloc_sim *kreloc_sim_new(const struct kreloc_memmap *map, uint64_t seed);
void kreloc_sim_free(struct kreloc_sim *sim);

/** kreloc_sim_rand() - splitmix64 step: the generator used here, for tests too. */
uint64_t kreloc_sim_rand(uint64_t *state);

/** kreloc_sim_pattern() - the bytes never-written memory at @pa reads as. */
void kreloc_sim_pattern(uint64_t pa, void *buf, uint64_t len);

/* Byte access to the model; any address, any length, page crossings allowed. */
void kreloc_sim_read(struct kreloc_sim *sim, uint64_t pa, void *buf, uint64_t len);
void kreloc_sim_write(struct kreloc_sim *sim, uint64_t pa, const void *buf, uint64_t len);

/**
 * kreloc_sim_map() - a contiguous host view of [@pa, @pa + @len) (page aligned).
 * Writes through the pointer are writes to the model.  The view lives as long
 * as the model.  Return: the pointer, or NULL on bad arguments.
 */
void *kreloc_sim_map(struct kreloc_sim *sim, uint64_t pa, uint64_t len);

/** kreloc_sim_phys_read() - a kreloc_phys_read_fn over the model (@ctx is the sim). */
const void *kreloc_sim_phys_read(void *ctx, uint64_t pa, uint64_t len);

/** kreloc_sim_unchanged() - does [@pa, @pa + @len) still read the fill pattern? */
bool kreloc_sim_unchanged(struct kreloc_sim *sim, uint64_t pa, uint64_t len);

/**
 * struct kreloc_sim_alloc_cfg - how the allocator misbehaves (within its contract).
 * @collide_pct: percentage of calls that offer a block inside a destination
 * @predict_pct: percentage of 4 KiB calls that offer the lowest data page (in
 *               segment order) not yet handed out - provokes in-place staging
 * @limit_pages: stop after this many 4 KiB pages handed out (0: only RAM limits)
 * @segs, @nr_segs: the destinations (for the two behaviours above)
 * Otherwise blocks come from a random bank at a random place (seeded), or
 * by a scan from a random point once random probes keep failing.
 */
struct kreloc_sim_alloc_cfg {
	unsigned int collide_pct;
	unsigned int predict_pct;
	uint64_t limit_pages;
	const struct kreloc_segment *segs;
	unsigned int nr_segs;
};

void kreloc_sim_alloc_config(struct kreloc_sim *sim, const struct kreloc_sim_alloc_cfg *cfg);

/**
 * kreloc_sim_alloc() - a kreloc_alloc_fn (@ctx is the sim).
 * Hands out zeroed, size-aligned blocks of free RAM (not reserved, not busy,
 * never twice).  Return: a host pointer to the block, NULL when exhausted.
 */
void *kreloc_sim_alloc(void *ctx, uint64_t size, uint64_t *pa);

/** kreloc_sim_allocated() - 4 KiB pages handed out so far. */
uint64_t kreloc_sim_allocated(const struct kreloc_sim *sim);

/** kreloc_sim_busy() - pages the allocator must never hand out (data in use). */
void kreloc_sim_busy(struct kreloc_sim *sim, uint64_t pa, uint64_t len);

/** kreloc_sim_protect() - pages that must survive the hand-off (control, tables). */
void kreloc_sim_protect(struct kreloc_sim *sim, uint64_t pa, uint64_t len);

enum kreloc_sim_fault {
	KRELOC_SIM_OK = 0,
	KRELOC_SIM_BAD_ENTRY,		/* zero, no flag, several flags, address bits 4-11 set */
	KRELOC_SIM_SOURCE_FIRST,	/* SOURCE with the cursor unset */
	KRELOC_SIM_OFF_PAGE,		/* list page ended without INDIRECTION or DONE */
	KRELOC_SIM_STEP_LIMIT,		/* more entries than the bound: a loop */
	KRELOC_SIM_CLOBBERED_READ,	/* list or source page read after the copy wrote it */
	KRELOC_SIM_PROTECTED_WRITE,	/* write to a page that must survive */
	KRELOC_SIM_OUTSIDE_WRITE,	/* write outside every destination */
	KRELOC_SIM_DOUBLE_WRITE,	/* destination page written twice */
	KRELOC_SIM_WRAP,		/* cursor advanced past 2^64 */
	KRELOC_SIM_CONTENT,		/* a destination does not hold its bytes then zeros */
	KRELOC_SIM_CROSS_LIST,		/* split: a page one list writes, another reads */
};

/**
 * struct kreloc_sim_result - outcome of kreloc_sim_execute()/kreloc_sim_verify().
 * @fault:    the first violation found, KRELOC_SIM_OK when none
 * @fault_pa: the page involved; @fault_step: the step it happened at
 * @fault_list: split only: the list that ran into the fault
 * @msg:      a readable description of the first violation
 * @steps:    entries executed (the head included)
 * @list_pages: list pages entered; @copies: pages copied; @skipped: in-place
 * @pages_written: distinct pages the executor wrote; @pages_checked: pages verified
 */
struct kreloc_sim_result {
	enum kreloc_sim_fault fault;
	uint64_t fault_pa;
	uint64_t fault_step;
	unsigned int fault_list;
	char msg[192];
	uint64_t steps;
	uint64_t list_pages;
	uint64_t copies;
	uint64_t skipped;
	uint64_t pages_written;
	uint64_t pages_checked;
};

/**
 * kreloc_sim_execute() - run the list at @head on the model.
 * @segs: destinations (dest/memsz used) for the outside-write check, or NULL
 * @max_steps: entries to run at most (0: derived from @segs, or 2^28)
 * Stops at the first violation.  Return: 0 when none, -1 otherwise (see @res).
 */
int kreloc_sim_execute(struct kreloc_sim *sim, uint64_t head, const struct kreloc_segment *segs,
		       unsigned int n, uint64_t max_steps, struct kreloc_sim_result *res);

/**
 * kreloc_sim_verify() - after execution: does every destination hold @expect[i].buf's
 * bytes, then zeros up to memsz?  Return: 0, or -1 with the first mismatch in @res.
 */
int kreloc_sim_verify(struct kreloc_sim *sim, const struct kreloc_segment *expect,
		      unsigned int n, struct kreloc_sim_result *res);

/** kreloc_sim_run() - execute, then verify; @res holds the combined counts. */
int kreloc_sim_run(struct kreloc_sim *sim, uint64_t head, const struct kreloc_segment *expect,
		   unsigned int n, struct kreloc_sim_result *res);

/**
 * kreloc_sim_execute_split() - run @nr lists (at most KRELOC_SPLIT_MAX) on the
 * model, as concurrent CPUs would: each as kreloc_sim_execute() does, and no
 * page written by one list read or written by another, in any order.
 * @max_steps bounds each list.  Return: 0 when no violation, -1 otherwise.
 */
int kreloc_sim_execute_split(struct kreloc_sim *sim, const uint64_t heads[], unsigned int nr,
			     const struct kreloc_segment *segs, unsigned int n,
			     uint64_t max_steps, struct kreloc_sim_result *res);

/** kreloc_sim_run_split() - execute the lists, then verify the union of what they wrote. */
int kreloc_sim_run_split(struct kreloc_sim *sim, const uint64_t heads[], unsigned int nr,
			 const struct kreloc_segment *expect, unsigned int n,
			 struct kreloc_sim_result *res);

/** kreloc_sim_fault_name() - "CLOBBERED_READ" etc. */
const char *kreloc_sim_fault_name(enum kreloc_sim_fault f);

#endif /* KRELOC_SIM_H */
