// SPDX-License-Identifier: MIT
/*
 * planner_run.c - drive kreloc_handoff_plan/stage/prepare on a simulated
 * memory exactly as the shim does, record every page the allocator hands
 * out, and tell what each one became (see planner.h).
 */
#include <stdlib.h>
#include <string.h>

#include <kreloc/error.h>
#include <kreloc/fdt.h>
#include <kreloc/sha256.h>

#include "cli.h"
#include "planner.h"

/* Safety bound on list entries walked when classifying (a list that long is refused anyway). */
#define WALK_MAX_STEPS	(1ULL << 28)

struct vec {
	uint64_t *v;
	size_t n, cap;
};

static int vec_push(struct vec *a, uint64_t x)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 256;
		uint64_t *v = realloc(a->v, cap * sizeof(*v));

		if (!v)
			return -1;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = x;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void vec_sort(struct vec *a)
{
	if (a->n)
		qsort(a->v, a->n, sizeof(*a->v), cmp_u64);
}

static bool vec_has(const struct vec *a, uint64_t x)
{
	return a->n && bsearch(&x, a->v, a->n, sizeof(*a->v), cmp_u64);
}

/* kreloc_alloc_fn over the run's simulated memory, noting each block. */
static void *log_alloc(void *ctx, uint64_t size, uint64_t *pa)
{
	struct planner_run *r = ctx;
	void *v = r->sim ? kreloc_sim_alloc(r->sim, size, pa) : NULL;

	if (!v || !r->log)
		return v;
	if (r->nr_allocs == r->cap_allocs) {
		size_t cap = r->cap_allocs ? 2 * r->cap_allocs : 1024;
		void *a = realloc(r->allocs, cap * sizeof(*r->allocs));

		if (!a)
			return NULL;	/* the page stays taken: kreloc never frees either */
		r->allocs = a;
		r->cap_allocs = cap;
	}
	r->allocs[r->nr_allocs].pa = *pa;
	r->allocs[r->nr_allocs].size = size;
	r->allocs[r->nr_allocs].staged = r->staging;
	r->nr_allocs++;
	return v;
}

void planner_run_free(struct planner_run *r)
{
	kreloc_sim_free(r->sim);
	free(r->fdt_buf);
	free(r->allocs);
	memset(r, 0, sizeof(*r));
}

/* One hand-off in @mode at @shift, on a fresh copy of the map and a fresh memory. */
static int run_handoff(const struct planner *pl, struct planner_run *r, unsigned int mode,
		       unsigned int shift, bool log)
{
	const struct kreloc_bundle *b = &pl->bundle;
	/* A nested bundle is the next stage's initrd (a chained hand-off). */
	const struct kreloc_blob *initrd = b->nested.data ? &b->nested : &b->initrd;
	const void *tree = b->dtb.data ? (const void *)b->dtb.data : (const void *)pl->dtb_in;
	size_t room = kreloc_fdt_used_size(tree) + KRELOC_HANDOFF_FDT_ROOM;
	int err;

	memset(r, 0, sizeof(*r));
	r->map = pl->map;
	r->log = log;
	r->step = "plan";
	r->fdt_buf = calloc(1, room);
	if (!r->fdt_buf)
		return r->err = KRELOC_E_NOMEM;
	r->p = (struct kreloc_payload){
		.image = b->image.data, .image_len = b->image.len,
		.initrd = initrd->data, .initrd_len = initrd->len,
		.cmdline = b->cmdline.data ? pl->cmdline : NULL,
		.fdt = tree, .fdt_buf = r->fdt_buf, .fdt_buf_size = room,
		.preserve = b->preserve, .nr_preserve = b->nr_preserve,
		/* a chunked blob's digest is its root: kreloc_chunks_check() checks it */
		.image_sha256 = b->image.chunks ? NULL : b->image.sha256,
		.initrd_sha256 = initrd->chunks ? NULL : initrd->sha256,
	};
	/* The shim's hand-off: it stages with its caches on (handoff.h). */
	r->h = (struct kreloc_handoff){
		.map = &r->map, .alloc = log_alloc, .alloc_ctx = r,
		.staging = KRELOC_STAGING_CACHED,
		.mode = mode, .granule_shift = shift, .el = pl->o.el, .mmfr0 = pl->o.mmfr0,
		.place_high = b->options & KRELOC_OPT_PLACE_HIGH, .counters = true,
		.salt = pl->o.seed,
	};
	err = kreloc_handoff_plan(&r->h, &r->p);
	if (err)
		return r->err = err;
	/* Made after plan(), which reserves partial granules: the allocator sees them. */
	r->sim = kreloc_sim_new(&r->map, pl->o.seed);
	if (!r->sim)
		return r->err = KRELOC_E_NOMEM;
	r->step = "stage";
	r->staging = true;
	err = kreloc_handoff_stage(&r->h);
	r->staging = false;
	if (err)
		return r->err = err;
	r->step = "prepare";
	err = kreloc_handoff_prepare(&r->h, kreloc_sim_phys_read, r->sim);
	if (err)
		return r->err = err;
	/* A --verify bundle: the shim hashes the staged pages last. */
	r->step = "verify";
	if (b->options & KRELOC_OPT_VERIFY) {
		err = kreloc_handoff_verify(&r->h, kreloc_sim_phys_read, r->sim,
					    kreloc_sha256_blocks);
		if (err)
			return r->err = err;
	}
	r->step = NULL;
	return 0;
}

/* List pages, copy sources and in-place pages, read from the list itself. */
static int walk_list(const struct planner_run *r, struct vec *lists, struct vec *srcs,
		     struct vec *inplace)
{
	uint64_t e = r->h.ki.head, cursor = 0, page = 0;
	unsigned int slot = 0;

	for (uint64_t step = 0; step < WALK_MAX_STEPS; step++) {
		uint64_t addr = e & ~(uint64_t)(KRELOC_IND_PAGE_SIZE - 1);

		switch (e & KRELOC_IND_FLAGS) {
		case KRELOC_IND_INDIRECTION:
			if (vec_push(lists, addr))
				return -1;
			page = addr;
			slot = 0;
			break;
		case KRELOC_IND_DESTINATION:
			cursor = addr;
			break;
		case KRELOC_IND_SOURCE:
			if (addr == cursor) {
				if (vec_push(inplace, addr))
					return -1;
			} else if (!r->h.ki.zero_fill_pages || addr != r->h.ki.zero_page) {
				if (vec_push(srcs, addr))
					return -1;
			}
			cursor += KRELOC_IND_PAGE_SIZE;
			break;
		case KRELOC_IND_DONE:
			return 0;
		default:
			return -1;
		}
		if (!page || slot == KRELOC_IND_SLOTS)
			return -1;
		kreloc_sim_read(r->sim, page + slot * 8ULL, &e, 8);
		slot++;
	}
	return -1;
}

static enum planner_kind kind_of(const struct planner_run *r, uint64_t block, uint64_t size,
				 bool staged, uint64_t pa, const struct vec *lists,
				 const struct vec *srcs, const struct vec *inplace)
{
	bool collides = kreloc_segments_collide(r->h.segs, r->h.nr_segs, block, size);

	if (!staged) {
		if (block == r->h.control)
			return PK_CONTROL;
		return collides ? PK_SET_ASIDE : PK_TABLE;
	}
	if (vec_has(lists, pa))
		return PK_LIST;
	if (r->h.ki.zero_fill_pages && pa == r->h.ki.zero_page)
		return PK_ZERO;
	if (vec_has(srcs, pa))
		return PK_SOURCE;
	if (vec_has(inplace, pa))
		return PK_IN_PLACE;
	return collides ? PK_SET_ASIDE : PK_OTHER;
}

static int cmp_page(const void *a, const void *b)
{
	const struct planner_page *x = a, *y = b;

	return x->pa < y->pa ? -1 : x->pa > y->pa;
}

static int classify(struct planner *pl)
{
	const struct planner_run *r = &pl->run;
	struct vec lists = { 0 }, srcs = { 0 }, inplace = { 0 };
	size_t n = 0;
	int err = KRELOC_E_NOMEM;

	if (walk_list(r, &lists, &srcs, &inplace)) {
		err = KRELOC_E_LIST_ENTRY;
		goto out;
	}
	vec_sort(&lists);
	vec_sort(&srcs);
	vec_sort(&inplace);
	for (size_t i = 0; i < r->nr_allocs; i++)
		n += r->allocs[i].size / KRELOC_PAGE_SIZE;
	pl->pages = calloc(n ? n : 1, sizeof(*pl->pages));
	if (!pl->pages)
		goto out;
	for (size_t i = 0; i < r->nr_allocs; i++) {
		uint64_t block = r->allocs[i].pa, size = r->allocs[i].size;

		for (uint64_t off = 0; off < size; off += KRELOC_PAGE_SIZE) {
			struct planner_page *p = &pl->pages[pl->nr_pages++];

			p->pa = block + off;
			p->kind = kind_of(r, block, size, r->allocs[i].staged, p->pa, &lists, &srcs,
					  &inplace);
			pl->kind_count[p->kind]++;
		}
	}
	qsort(pl->pages, pl->nr_pages, sizeof(*pl->pages), cmp_page);
	err = 0;
out:
	free(lists.v);
	free(srcs.v);
	free(inplace.v);
	return err;
}

int planner_plan(struct planner *pl)
{
	static const unsigned int shifts[PLANNER_NR_GRANULES] = { 12, 14, 16 };
	int err = run_handoff(pl, &pl->run, pl->mode, pl->granule_shift, true);

	if (err)
		return err;
	err = classify(pl);
	if (err) {
		pl->run.step = "classify";
		return err;
	}
	/* Table pages at each granule: the bundle's own run, or one more in MMU mode. */
	for (unsigned int i = 0; i < PLANNER_NR_GRANULES; i++) {
		struct planner_granule *g = &pl->gran[i];
		struct planner_run tmp;
		const struct planner_run *r = &tmp;

		g->shift = shifts[i];
		if (pl->mode == KRELOC_MODE_MMU && shifts[i] == pl->granule_shift)
			r = &pl->run;	/* in MMU mode still, or fallen back to classic */
		else
			run_handoff(pl, &tmp, KRELOC_MODE_MMU, shifts[i], false);
		g->err = r->err;
		g->step = r->step;
		g->fallback = !r->err && r->h.xlat_fallback;
		if (!r->err) {
			g->table_pages = r->h.xlat.table_pages;
			g->va_bits = r->h.xlat.va_bits;
			g->start_level = r->h.xlat.start_level;
		}
		if (r == &tmp)
			planner_run_free(&tmp);
	}
	return 0;
}

int planner_load_and_plan(struct planner *pl)
{
	int err = planner_load(pl);

	if (!err)
		err = planner_plan(pl);
	if (!err)
		return 0;
	planner_report_error(pl, err, pl->run.step);
	planner_free(pl);
	return KRELOC_EXIT_REFUSED;
}
