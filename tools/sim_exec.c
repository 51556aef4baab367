// SPDX-License-Identifier: MIT
/*
 * sim_exec.c - run an entry list on the simulated memory as the trampoline
 * does, and prove the result (host only).
 */
#include <stdio.h>


#include "sim_priv.h"

const char *kreloc_sim_fault_name(enum kreloc_sim_fault f)
{
	static const char *const names[] = {
		[KRELOC_SIM_OK] = "OK",
		[KRELOC_SIM_BAD_ENTRY] = "BAD_ENTRY",
		[KRELOC_SIM_SOURCE_FIRST] = "SOURCE_FIRST",
		[KRELOC_SIM_OFF_PAGE] = "OFF_PAGE",
		[KRELOC_SIM_STEP_LIMIT] = "STEP_LIMIT",
		[KRELOC_SIM_CLOBBERED_READ] = "CLOBBERED_READ",
		[KRELOC_SIM_PROTECTED_WRITE] = "PROTECTED_WRITE",
		[KRELOC_SIM_OUTSIDE_WRITE] = "OUTSIDE_WRITE",
		[KRELOC_SIM_DOUBLE_WRITE] = "DOUBLE_WRITE",
		[KRELOC_SIM_WRAP] = "WRAP",
		[KRELOC_SIM_CONTENT] = "CONTENT",
	};

	return (unsigned int)f < KRELOC_ARRAY_SIZE(names) ? names[f] : "?";
}

static int fault(struct kreloc_sim_result *res, enum kreloc_sim_fault f, uint64_t pa,
		 uint64_t step, const char *what)
{
	res->fault = f;
	res->fault_pa = pa;
	res->fault_step = step;
	snprintf(res->msg, sizeof(res->msg), "%s at step %llu, page 0x%llx: %s",
		 kreloc_sim_fault_name(f), (unsigned long long)step, (unsigned long long)pa, what);
	return -1;
}

static bool all_zero(const uint8_t *b, uint64_t len)
{
	for (uint64_t i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

static bool data_is_zero(struct kreloc_sim *sim, struct sim_page *p)
{
	if (p->zepoch != sim->epoch) {
		p->zepoch = sim->epoch;
		if (all_zero(p->data, PAGE))
			p->flags |= PF_ISZERO;
		else
			p->flags &= (uint8_t)~PF_ISZERO;
	}
	return p->flags & PF_ISZERO;
}

/* Record a read of page @pfn at @step; a page the executor already wrote is clobbered. */
static int note_read(struct kreloc_sim *sim, uint64_t pfn, uint64_t step,
		     struct kreloc_sim_result *res, const char *what)
{
	struct sim_page *p = sim_get(sim, pfn);

	if (p->first_write)
		return fault(res, KRELOC_SIM_CLOBBERED_READ, pfn << PAGE_SHIFT, step, what);
	p->last_read = step;
	return 0;
}

static int copy_page(struct kreloc_sim *sim, uint64_t src, uint64_t dst, uint64_t step,
		     const struct kreloc_segment *segs, unsigned int n,
		     struct kreloc_sim_result *res)
{
	struct sim_page *s, *d;

	if (note_read(sim, src >> PAGE_SHIFT, step, res,
		      "source page read after the copy overwrote it"))
		return -1;
	d = sim_get(sim, dst >> PAGE_SHIFT);
	s = sim_lookup(sim, src >> PAGE_SHIFT);	/* sim_get() may have moved it */
	if (d->flags & PF_PROTECTED)
		return fault(res, KRELOC_SIM_PROTECTED_WRITE, dst, step,
			     "copy writes a page that must survive the hand-off");
	if (segs && !kreloc_segments_collide(segs, n, dst, PAGE))
		return fault(res, KRELOC_SIM_OUTSIDE_WRITE, dst, step,
			     "copy writes outside every destination");
	if (d->first_write)
		return fault(res, KRELOC_SIM_DOUBLE_WRITE, dst, step,
			     "destination page written twice");

	if (s->state == PG_ZERO || (s->state == PG_DATA && data_is_zero(sim, s))) {
		sim_set_zero(d);
	} else if (s->state == PG_DATA) {
		sim_own_data(d);
		memcpy(d->data, s->data, PAGE);
	} else {
		sim_own_data(d);
		kreloc_sim_pattern(src, d->data, PAGE);
	}
	d->zepoch = 0;
	d->first_write = step;
	res->copies++;
	res->pages_written++;
	return 0;
}

static uint64_t default_steps(const struct kreloc_segment *segs, unsigned int n)
{
	struct kreloc_kimage_need nd;

	if (!segs || kreloc_kimage_need(segs, n, &nd))
		return 1ULL << 28;
	return 2 * (nd.dest_pages + n + nd.list_pages) + 64;
}

int kreloc_sim_execute(struct kreloc_sim *sim, uint64_t head, const struct kreloc_segment *segs,
		       unsigned int n, uint64_t max_steps, struct kreloc_sim_result *res)
{
	const uint64_t mid = (PAGE - 1) & ~(uint64_t)KRELOC_IND_FLAGS;
	uint64_t e = head, cursor = 0, list = 0, step = 0;
	unsigned int slot = 0;
	bool have_cursor = false, in_list = false;

	memset(res, 0, sizeof(*res));
	if (!max_steps)
		max_steps = default_steps(segs, n);
	sim->epoch++;
	for (uint64_t i = 0; i < sim->cap; i++)
		sim->tab[i].last_read = sim->tab[i].first_write = 0;

	for (;;) {
		uint64_t addr = e & ~(PAGE - 1);
		uint64_t flags = e & KRELOC_IND_FLAGS;

		if (++step > max_steps)
			return fault(res, KRELOC_SIM_STEP_LIMIT, list, step,
				     "more entries than the list can hold: a loop?");
		res->steps++;
		if ((e & mid) || !flags || (flags & (flags - 1)))
			return fault(res, KRELOC_SIM_BAD_ENTRY, list, step,
				     "entry with no flag, several flags or bits 4-11 set");
		switch (flags) {
		case KRELOC_IND_DONE:
			return 0;
		case KRELOC_IND_DESTINATION:
			cursor = addr;
			have_cursor = true;
			break;
		case KRELOC_IND_INDIRECTION:
			list = addr;
			slot = 0;
			in_list = true;
			res->list_pages++;
			break;
		case KRELOC_IND_SOURCE:
			if (!have_cursor)
				return fault(res, KRELOC_SIM_SOURCE_FIRST, addr, step,
					     "source before any destination");
			/* In place still names a destination page: one outside
			 * every segment is a list that lies about where it writes. */
			if (addr == cursor && segs && !kreloc_segments_collide(segs, n, cursor, PAGE))
				return fault(res, KRELOC_SIM_OUTSIDE_WRITE, cursor, step,
					     "in-place page outside every destination");
			if (addr == cursor)
				res->skipped++;
			else if (copy_page(sim, addr, cursor, step, segs, n, res))
				return -1;
			if (cursor > UINT64_MAX - PAGE)
				return fault(res, KRELOC_SIM_WRAP, cursor, step,
					     "cursor advanced past 2^64");
			cursor += PAGE;
			break;
		}

		/* Fetch the next entry, as the trampoline's ldr x, [ptr], #8 does. */
		if (!in_list)
			return fault(res, KRELOC_SIM_BAD_ENTRY, addr, step,
				     "head is not an indirection");
		if (slot == KRELOC_IND_SLOTS)
			return fault(res, KRELOC_SIM_OFF_PAGE, list, step,
				     "list page ended without INDIRECTION or DONE");
		if (note_read(sim, list >> PAGE_SHIFT, step, res,
			      "list page read after the copy overwrote it"))
			return -1;
		sim_read_page(sim, list >> PAGE_SHIFT, (uint64_t)slot * 8, &e, 8);
		slot++;
	}
}

int kreloc_sim_verify(struct kreloc_sim *sim, const struct kreloc_segment *expect,
		      unsigned int n, struct kreloc_sim_result *res)
{
	uint8_t pat[KRELOC_IND_PAGE_SIZE];

	for (unsigned int i = 0; i < n; i++) {
		const struct kreloc_segment *sg = &expect[i];
		const uint8_t *buf = sg->buf;

		for (uint64_t off = 0; off < sg->memsz; off += PAGE) {
			uint64_t pa = sg->dest + off;
			uint64_t len = sg->bufsz > off ? sg->bufsz - off : 0;
			const struct sim_page *p = sim_lookup(sim, pa >> PAGE_SHIFT);
			const uint8_t *view;
			bool ok;

			if (len > PAGE)
				len = PAGE;
			if (p && p->state == PG_ZERO) {
				ok = !len || all_zero(buf + off, len);
			} else {
				if (p && p->state == PG_DATA) {
					view = p->data;
				} else {
					kreloc_sim_pattern(pa, pat, PAGE);
					view = pat;
				}
				ok = (!len || !memcmp(view, buf + off, len)) &&
				     all_zero(view + len, PAGE - len);
			}
			res->pages_checked++;
			if (!ok) {
				char what[96];

				snprintf(what, sizeof(what),
					 "segment %u page +0x%llx does not hold its bytes then zeros",
					 i, (unsigned long long)off);
				return fault(res, KRELOC_SIM_CONTENT, pa, 0, what);
			}
		}
	}
	return 0;
}

int kreloc_sim_run(struct kreloc_sim *sim, uint64_t head, const struct kreloc_segment *expect,
		   unsigned int n, struct kreloc_sim_result *res)
{
	if (kreloc_sim_execute(sim, head, expect, n, 0, res))
		return -1;
	return kreloc_sim_verify(sim, expect, n, res);
}
