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
		[KRELOC_SIM_CROSS_LIST] = "CROSS_LIST",
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

_Static_assert(KRELOC_SPLIT_MAX <= 64, "sim_page.readers has one bit per list");

/* One run of the executor: a single list, or the lists of a split in turn. */
struct exec {
	struct kreloc_sim *sim;
	const struct kreloc_segment *segs;
	unsigned int n;
	bool split;		/* track which list reads and writes each page */
	unsigned int list;	/* the list running */
	uint64_t step;		/* over all lists: stamps pages, names faults */
	struct kreloc_sim_result *res;
};

static int xfault(struct exec *x, enum kreloc_sim_fault f, uint64_t pa, const char *what)
{
	char buf[128];

	if (!x->split)
		return fault(x->res, f, pa, x->step, what);
	x->res->fault_list = x->list;
	snprintf(buf, sizeof(buf), "list %u: %s", x->list, what);
	return fault(x->res, f, pa, x->step, buf);
}

/*
 * Record a read of page @pfn.  A page already written is clobbered: by this
 * list, read too late; by another list of a split, a race whatever the order.
 */
static int note_read(struct exec *x, uint64_t pfn, const char *what)
{
	struct sim_page *p = sim_get(x->sim, pfn);

	if (p->first_write && x->split && p->writer != x->list + 1)
		return xfault(x, KRELOC_SIM_CROSS_LIST, pfn << PAGE_SHIFT,
			      "reads a page another list writes");
	if (p->first_write)
		return xfault(x, KRELOC_SIM_CLOBBERED_READ, pfn << PAGE_SHIFT, what);
	p->last_read = x->step;
	if (x->split)
		p->readers |= 1ULL << x->list;
	return 0;
}

/* A split: the page at @pa is this list's, or another list has it too. */
static int claim(struct exec *x, struct sim_page *d, uint64_t pa)
{
	if (!x->split)
		return 0;
	if (d->writer)
		return xfault(x, KRELOC_SIM_DOUBLE_WRITE, pa,
			      "destination page written twice (in place, or by two lists)");
	if (d->readers & ~(1ULL << x->list))
		return xfault(x, KRELOC_SIM_CROSS_LIST, pa, "writes a page another list reads");
	d->writer = (uint8_t)(x->list + 1);
	return 0;
}

static int copy_page(struct exec *x, uint64_t src, uint64_t dst)
{
	struct kreloc_sim *sim = x->sim;
	struct sim_page *s, *d;

	if (note_read(x, src >> PAGE_SHIFT, "source page read after the copy overwrote it"))
		return -1;
	d = sim_get(sim, dst >> PAGE_SHIFT);
	s = sim_lookup(sim, src >> PAGE_SHIFT);	/* sim_get() may have moved it */
	if (d->flags & PF_PROTECTED)
		return xfault(x, KRELOC_SIM_PROTECTED_WRITE, dst,
			      "copy writes a page that must survive the hand-off");
	if (x->segs && !kreloc_segments_collide(x->segs, x->n, dst, PAGE))
		return xfault(x, KRELOC_SIM_OUTSIDE_WRITE, dst,
			      "copy writes outside every destination");
	if (d->first_write)
		return xfault(x, KRELOC_SIM_DOUBLE_WRITE, dst, "destination page written twice");
	if (claim(x, d, dst))
		return -1;

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
	d->first_write = x->step;
	x->res->copies++;
	x->res->pages_written++;
	return 0;
}

static uint64_t default_steps(const struct kreloc_segment *segs, unsigned int n)
{
	struct kreloc_kimage_need nd;

	if (!segs || kreloc_kimage_need(segs, n, &nd))
		return 1ULL << 28;
	return 2 * (nd.dest_pages + n + nd.list_pages) + 64;
}

/* Forget what earlier runs read and wrote; the memory itself stays. */
static void exec_reset(struct exec *x)
{
	struct kreloc_sim *sim = x->sim;

	memset(x->res, 0, sizeof(*x->res));
	sim->epoch++;
	for (uint64_t i = 0; i < sim->cap; i++) {
		sim->tab[i].last_read = sim->tab[i].first_write = 0;
		sim->tab[i].readers = 0;
		sim->tab[i].writer = 0;
	}
}

static int exec_list(struct exec *x, uint64_t head, uint64_t max_steps)
{
	const uint64_t mid = (PAGE - 1) & ~(uint64_t)KRELOC_IND_FLAGS;
	struct kreloc_sim_result *res = x->res;
	uint64_t e = head, cursor = 0, list = 0, steps = 0;
	unsigned int slot = 0;
	bool have_cursor = false, in_list = false;

	if (!max_steps)
		max_steps = default_steps(x->segs, x->n);
	for (;;) {
		uint64_t addr = e & ~(PAGE - 1);
		uint64_t flags = e & KRELOC_IND_FLAGS;

		x->step++;
		if (++steps > max_steps)
			return xfault(x, KRELOC_SIM_STEP_LIMIT, list,
				      "more entries than the list can hold: a loop?");
		res->steps++;
		if ((e & mid) || !flags || (flags & (flags - 1)))
			return xfault(x, KRELOC_SIM_BAD_ENTRY, list,
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
				return xfault(x, KRELOC_SIM_SOURCE_FIRST, addr,
					      "source before any destination");
			/* In place still names a destination page: one outside
			 * every segment is a list that lies about where it writes. */
			if (addr == cursor && x->segs &&
			    !kreloc_segments_collide(x->segs, x->n, cursor, PAGE))
				return xfault(x, KRELOC_SIM_OUTSIDE_WRITE, cursor,
					      "in-place page outside every destination");
			if (addr == cursor) {
				if (claim(x, sim_get(x->sim, cursor >> PAGE_SHIFT), cursor))
					return -1;
				res->skipped++;
			} else if (copy_page(x, addr, cursor)) {
				return -1;
			}
			if (cursor > UINT64_MAX - PAGE)
				return xfault(x, KRELOC_SIM_WRAP, cursor, "cursor advanced past 2^64");
			cursor += PAGE;
			break;
		}

		/* Fetch the next entry, as the trampoline's ldr x, [ptr], #8 does. */
		if (!in_list)
			return xfault(x, KRELOC_SIM_BAD_ENTRY, addr, "head is not an indirection");
		if (slot == KRELOC_IND_SLOTS)
			return xfault(x, KRELOC_SIM_OFF_PAGE, list,
				      "list page ended without INDIRECTION or DONE");
		if (note_read(x, list >> PAGE_SHIFT, "list page read after the copy overwrote it"))
			return -1;
		sim_read_page(x->sim, list >> PAGE_SHIFT, (uint64_t)slot * 8, &e, 8);
		slot++;
	}
}

int kreloc_sim_execute(struct kreloc_sim *sim, uint64_t head, const struct kreloc_segment *segs,
		       unsigned int n, uint64_t max_steps, struct kreloc_sim_result *res)
{
	struct exec x = { .sim = sim, .segs = segs, .n = n, .res = res };

	exec_reset(&x);
	return exec_list(&x, head, max_steps);
}

int kreloc_sim_execute_split(struct kreloc_sim *sim, const uint64_t heads[], unsigned int nr,
			     const struct kreloc_segment *segs, unsigned int n,
			     uint64_t max_steps, struct kreloc_sim_result *res)
{
	struct exec x = { .sim = sim, .segs = segs, .n = n, .split = true, .res = res };

	exec_reset(&x);
	if (!nr || nr > KRELOC_SPLIT_MAX)
		return fault(res, KRELOC_SIM_BAD_ENTRY, 0, 0, "number of lists out of range");
	for (x.list = 0; x.list < nr; x.list++)
		if (exec_list(&x, heads[x.list], max_steps))
			return -1;
	return 0;
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

int kreloc_sim_run_split(struct kreloc_sim *sim, const uint64_t heads[], unsigned int nr,
			 const struct kreloc_segment *expect, unsigned int n,
			 struct kreloc_sim_result *res)
{
	if (kreloc_sim_execute_split(sim, heads, nr, expect, n, 0, res))
		return -1;
	return kreloc_sim_verify(sim, expect, n, res);
}
