// SPDX-License-Identifier: MIT
/*
 * test_split.c - splitting the entry list (split.h).  The random layouts of
 * sim_layout.h are loaded, split into N = 1..8 lists, checked with
 * kreloc_kimage_check_split(), run together by the simulator as concurrent
 * CPUs would and proven, and the balance measured; then broken splits that
 * must be caught, and the refusals.
 *
 * KRELOC_SEED=<n> repeats a run; KRELOC_LAYOUTS=<n> changes how many layouts
 * (default 3000); KRELOC_LAYOUT=<i> runs only layout i of the seed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <kreloc/error.h>
#include <kreloc/split.h>

#include "sim.h"

#define D	KRELOC_IND_DESTINATION
#define S	KRELOC_IND_SOURCE
#define I	KRELOC_IND_INDIRECTION
#define DONE	KRELOC_IND_DONE
#define NMAX	8

#include "sim_layout.h"

static uint64_t cur_layout;
static const struct layout *cur_L;

#define REQUIRE(cond, ...) do { \
	if (!(cond)) { \
		print_error(__VA_ARGS__); \
		print_error("\n"); \
		dump_layout(cur_L); \
		print_error("\n  failed: %s (KRELOC_LAYOUT=%llu, layout seed %#llx)\n", \
			    #cond, (unsigned long long)cur_layout, (unsigned long long)seed); \
		fail(); \
	} \
} while (0)

/* What the run covered, per number of lists. */
struct split_totals {
	uint64_t splits[NMAX + 1], copies[NMAX + 1], worst[NMAX + 1];
	uint64_t nomem, lists, empty_lists, multi_page_lists, in_place, list_pages, runs;
	uint64_t mut[4];
};

static void layout_done(struct layout *L)
{
	cur_L = NULL;
	layout_free(L);
}

/* ---- lists as arrays ------------------------------------------------------ */

struct ent {
	uint64_t e;		/* DESTINATION or SOURCE */
	uint64_t cursor;	/* for a SOURCE: the page it writes */
};

/* The DESTINATION and SOURCE entries of the list at @head, in order. */
static unsigned int read_list(struct kreloc_sim *sim, uint64_t head, struct ent **out)
{
	unsigned int n = 0, cap = 256;
	struct ent *v = malloc(cap * sizeof(*v));
	uint64_t page = head & ~(K4 - 1), cursor = 0;

	assert_non_null(v);
	for (unsigned int i = 0;; i++) {
		uint64_t e;

		kreloc_sim_read(sim, page + i * 8, &e, 8);
		if (e == DONE)
			break;
		if ((e & 0xf) == I) {
			page = e & ~(K4 - 1);
			i = (unsigned int)-1;
			continue;
		}
		if (n == cap) {
			cap *= 2;
			v = realloc(v, cap * sizeof(*v));
			assert_non_null(v);
		}
		if ((e & 0xf) == D)
			cursor = e & ~(K4 - 1);
		v[n].e = e;
		v[n++].cursor = cursor;
		if ((e & 0xf) == S)
			cursor += K4;
	}
	*out = v;
	return n;
}

/* Lay @cnt entries out as a new list in safe pages; return its head, 0 if RAM is full. */
static uint64_t write_list(struct layout *L, const struct ent *v, unsigned int cnt)
{
	uint64_t head = 0, *page = NULL;
	unsigned int slot = 0;

	for (unsigned int i = 0; i <= cnt; i++) {
		uint64_t e = i < cnt ? v[i].e : DONE, pa;

		if (!page || (slot == KRELOC_IND_SLOTS - 1 && e != DONE)) {
			uint64_t *p = kreloc_kimage_alloc_safe(&L->ki, K4, &pa);

			if (!p)
				return 0;
			if (page)
				page[slot] = pa | I;
			else
				head = pa | I;
			page = p;
			slot = 0;
		}
		page[slot++] = e;
	}
	return head;
}

static bool is_copy(const struct ent *x)
{
	return (x->e & 0xf) == S && (x->e & ~(K4 - 1)) != x->cursor;
}

/* A copy entry of list @k at random, or -1. */
static int pick_copy(const struct ent *v, unsigned int n, uint64_t *r)
{
	unsigned int start = (unsigned int)rnd(r, n);

	for (unsigned int k = 0; k < n; k++)
		if (is_copy(&v[(start + k) % n]))
			return (int)((start + k) % n);
	return -1;
}

/* Does @pa already hold what the destination page must finally hold? */
static bool already_final(struct layout *L, uint64_t pa)
{
	uint8_t have[4096], want[4096] = { 0 };

	for (unsigned int i = 0; i < L->n; i++) {
		const struct kreloc_segment *s = &L->expect[i];
		uint64_t off = pa - s->dest;

		if (pa < s->dest || off >= s->memsz)
			continue;
		if (s->bufsz > off)
			memcpy(want, (const uint8_t *)s->buf + off,
			       s->bufsz - off < K4 ? s->bufsz - off : K4);
	}
	kreloc_sim_read(L->sim, pa, have, K4);
	return memcmp(have, want, K4) == 0;
}

/* ---- the property --------------------------------------------------------- */

static void prove_split(uint64_t seed, unsigned int nr, struct totals *t, struct split_totals *T)
{
	struct layout L;
	struct kreloc_split_stats st, cs;
	struct kreloc_sim_result res;
	uint64_t heads[NMAX] = { 0 }, dest_pages = 0, lo = UINT64_MAX, hi = 0, copies = 0, in_place = 0;
	int err;

	layout_build(&L, seed, t);
	cur_L = &L;
	if (L.limited || L.load_err) {
		layout_done(&L);
		return;
	}
	for (unsigned int i = 0; i < L.n; i++)
		dest_pages += L.segs[i].memsz / K4;

	err = kreloc_kimage_split(&L.ki, kreloc_sim_phys_read, L.sim, nr, heads, &st);
	if (err == KRELOC_E_NOMEM) {	/* crowded RAM: fine, if nothing was committed */
		for (unsigned int i = 0; i < nr; i++)
			REQUIRE(heads[i] == 0, " ");
		T->nomem++;
		layout_done(&L);
		return;
	}
	REQUIRE(err == 0, "split into %u: %s", nr, kreloc_errname(err));
	REQUIRE(st.nr == nr, " ");
	for (unsigned int i = 0; i < nr; i++) {
		lo = st.copies[i] < lo ? st.copies[i] : lo;
		hi = st.copies[i] > hi ? st.copies[i] : hi;
		copies += st.copies[i];
		in_place += st.in_place[i];
		T->empty_lists += st.copies[i] + st.in_place[i] == 0;
	}
	/* Balanced to a page; nothing lost, nothing added. */
	REQUIRE((hi - lo) * K4 <= K4, "copies per list from %llu to %llu pages",
		(unsigned long long)lo, (unsigned long long)hi);
	REQUIRE(copies == L.ki.source_pages + L.ki.zero_fill_pages &&
		in_place == L.ki.pages_in_place, " ");

	err = kreloc_kimage_check_split(heads, nr, kreloc_sim_phys_read, L.sim, L.segs, L.n, &cs);
	REQUIRE(err == 0, "check_split of %u lists: %s", nr, kreloc_errname(err));
	REQUIRE(cs.list_pages == st.list_pages && cs.entries == st.entries &&
		cs.runs == st.runs && !memcmp(cs.copies, st.copies, sizeof(st.copies)) &&
		!memcmp(cs.in_place, st.in_place, sizeof(st.in_place)), " ");
	/* The loaded list is still there, whole. */
	err = kreloc_kimage_check_list(L.ki.head, kreloc_sim_phys_read, L.sim, L.segs, L.n, NULL);
	REQUIRE(err == 0, "loaded list after the split: %s", kreloc_errname(err));
	if (nr == 1) {
		struct ent *a, *b;
		unsigned int na = read_list(L.sim, L.ki.head, &a), nb = read_list(L.sim, heads[0], &b);

		REQUIRE(na == nb && !memcmp(a, b, na * sizeof(*a)), "one list differs");
		free(a);
		free(b);
	}

	err = kreloc_sim_run_split(L.sim, heads, nr, L.expect, L.n, &res);
	REQUIRE(err == 0, "sim: %s", res.msg);
	REQUIRE(res.copies == copies && res.skipped == in_place &&
		res.pages_checked == dest_pages && res.list_pages == st.list_pages, " ");

	T->splits[nr]++;
	T->copies[nr] += copies;
	T->worst[nr] = hi - lo > T->worst[nr] ? hi - lo : T->worst[nr];
	T->lists += nr;
	T->multi_page_lists += st.list_pages > nr;
	T->in_place += in_place;
	T->list_pages += st.list_pages;
	T->runs += st.runs;
	layout_done(&L);
}

/* ---- broken splits -------------------------------------------------------- */

enum { MUT_DUP, MUT_CROSS_READ, MUT_DROP, MUT_CLAIM, MUT_KINDS };

static const char *const mut_names[MUT_KINDS] = {
	"page written by two lists", "source written by another list", "share dropped",
	"page copied by one list, in place in another",
};

static void mutate_split(uint64_t seed, unsigned int nr, unsigned int kind, struct totals *t,
			 struct split_totals *T)
{
	struct layout L;
	struct kreloc_split_stats st;
	struct kreloc_sim_result res;
	struct ent *v[NMAX], *x;
	unsigned int cnt[NMAX], a, b, with[NMAX], nw = 0;
	uint64_t heads[NMAX], r = seed ^ 0x5917;
	int i, j, cerr, serr, want = KRELOC_E_LIST_COVERAGE;
	enum kreloc_sim_fault sim_want = KRELOC_SIM_DOUBLE_WRITE;
	bool sim_must = true;

	layout_build(&L, seed, t);
	cur_L = &L;
	if (L.limited || L.load_err) {
		layout_done(&L);
		return;
	}
	if (kreloc_kimage_split(&L.ki, kreloc_sim_phys_read, L.sim, nr, heads, &st)) {
		layout_done(&L);
		return;
	}
	for (unsigned int k = 0; k < nr; k++) {
		cnt[k] = read_list(L.sim, heads[k], &v[k]);
		if (st.copies[k])
			with[nw++] = k;
	}
	if (nw < 2)
		goto skip;
	a = with[rnd(&r, nw)];
	do
		b = with[rnd(&r, nw)];
	while (b == a);
	i = pick_copy(v[a], cnt[a], &r);

	switch (kind) {
	case MUT_DUP:
		/* List b also writes a page of list a's, from the same source. */
		x = realloc(v[b], (cnt[b] + 2) * sizeof(*x));
		assert_non_null(x);
		v[b] = x;
		x[cnt[b]].e = v[a][i].cursor | D;
		x[cnt[b] + 1] = v[a][i];
		heads[b] = write_list(&L, x, cnt[b] + 2);
		break;
	case MUT_CROSS_READ:
		/* List b copies from a page list a writes. */
		j = pick_copy(v[b], cnt[b], &r);
		v[b][j].e = v[a][i].cursor | S;
		heads[b] = write_list(&L, v[b], cnt[b]);
		want = KRELOC_E_LIST_UNSAFE;
		sim_want = KRELOC_SIM_CROSS_LIST;
		break;
	case MUT_CLAIM:
		/* List b claims in place a page list a copies to. */
		x = realloc(v[b], (cnt[b] + 2) * sizeof(*x));
		assert_non_null(x);
		v[b] = x;
		x[cnt[b]].e = v[a][i].cursor | D;
		x[cnt[b] + 1].e = v[a][i].cursor | S;
		heads[b] = write_list(&L, x, cnt[b] + 2);
		break;
	case MUT_DROP:
		/* List a's share is lost: an empty list in its place. */
		heads[a] = write_list(&L, NULL, 0);
		sim_want = KRELOC_SIM_CONTENT;
		sim_must = false;
		for (unsigned int k = 0; k < cnt[a]; k++)
			sim_must |= is_copy(&v[a][k]) && !already_final(&L, v[a][k].cursor);
		break;
	}

	if (!heads[a] || !heads[b])
		goto skip;	/* crowded RAM: no room for the broken list */
	cerr = kreloc_kimage_check_split(heads, nr, kreloc_sim_phys_read, L.sim, L.segs, L.n, NULL);
	serr = kreloc_sim_run_split(L.sim, heads, nr, L.expect, L.n, &res);
	REQUIRE(cerr == want, "'%s' (lists %u, %u of %u): checker says %s", mut_names[kind], a, b,
		nr, kreloc_errname(cerr));
	if (sim_must)
		REQUIRE(serr && res.fault == sim_want, "'%s' (lists %u, %u of %u): simulator says %s",
			mut_names[kind], a, b, nr, serr ? res.msg : "OK");
	T->mut[kind]++;
skip:
	for (unsigned int k = 0; k < nr; k++)
		free(v[k]);
	layout_done(&L);
}

static void test_split_property(void **state)
{
	uint64_t seed = env_u64("KRELOC_SEED", (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32));
	uint64_t layouts = env_u64("KRELOC_LAYOUTS", 3000);
	uint64_t only = env_u64("KRELOC_LAYOUT", UINT64_MAX);
	struct totals t = { 0 };
	struct split_totals T = { 0 };
	uint64_t r = seed;

	(void)state;
	printf("test_split: KRELOC_SEED=%llu, %llu layouts\n", (unsigned long long)seed,
	       (unsigned long long)layouts);
	fflush(stdout);
	for (uint64_t i = 0; i < layouts; i++) {
		uint64_t ls = kreloc_sim_rand(&r);
		unsigned int nr = (unsigned int)(i % NMAX) + 1;

		if (only != UINT64_MAX && only != i)
			continue;
		cur_layout = i;
		prove_split(ls, nr, &t, &T);
		if (nr % 2 == 0)	/* 2, 4, 6, 8 lists */
			mutate_split(ls, nr, (unsigned int)(i / 2 % MUT_KINDS), &t, &T);
	}

	for (unsigned int nr = 1; nr <= NMAX; nr++)
		printf("test_split: %u lists: %llu splits, %llu pages copied, worst imbalance "
		       "%llu bytes\n", nr, (unsigned long long)T.splits[nr],
		       (unsigned long long)T.copies[nr], (unsigned long long)T.worst[nr] * K4);
	printf("test_split: %llu E_NOMEM in crowded RAM; %llu lists (%llu empty), %llu list pages, %llu runs, %llu in place, "
	       "%llu splits with a list over several pages\n", (unsigned long long)T.nomem,
	       (unsigned long long)T.lists,
	       (unsigned long long)T.empty_lists, (unsigned long long)T.list_pages,
	       (unsigned long long)T.runs, (unsigned long long)T.in_place,
	       (unsigned long long)T.multi_page_lists);
	printf("test_split: broken splits caught:");
	for (unsigned int k = 0; k < MUT_KINDS; k++)
		printf("%s %s %llu", k ? "," : "", mut_names[k], (unsigned long long)T.mut[k]);
	printf("\n");
	if (only == UINT64_MAX) {
		/* The generator really reached the cases it is meant to. */
		for (unsigned int nr = 1; nr <= NMAX; nr++)
			assert_true(T.splits[nr] > 0 && T.worst[nr] <= 1);
		assert_true(T.empty_lists > 0 && T.in_place > 0 && T.multi_page_lists > 0);
		for (unsigned int k = 0; k < MUT_KINDS; k++)
			assert_true(T.mut[k] > 0);
	}
}

/* ---- refusals ------------------------------------------------------------- */

/* A loaded layout with at least 64 copies, the same on every run. */
static void fixed_layout(struct layout *L)
{
	struct totals t = { 0 };

	for (uint64_t seed = 1;; seed++) {
		layout_build(L, seed, &t);
		if (!L->limited && !L->load_err && L->ki.source_pages + L->ki.zero_fill_pages >= 64)
			return;
		layout_free(L);
	}
}

static void test_split_refuses(void **state)
{
	struct layout L;
	struct kreloc_sim_alloc_cfg cfg = { 0 };
	struct kreloc_kimage unloaded = { 0 };
	uint64_t heads[KRELOC_SPLIT_MAX + 1] = { 0 }, none[KRELOC_SPLIT_MAX + 1] = { 0 };
	struct kreloc_split_stats st;

	(void)state;
	fixed_layout(&L);
	assert_int_equal(kreloc_kimage_split(&L.ki, kreloc_sim_phys_read, L.sim, 0, heads, &st),
			 KRELOC_E_INVAL);
	assert_int_equal(kreloc_kimage_split(&L.ki, kreloc_sim_phys_read, L.sim,
					     KRELOC_SPLIT_MAX + 1, heads, &st), KRELOC_E_INVAL);
	assert_int_equal(kreloc_kimage_split(&L.ki, kreloc_sim_phys_read, L.sim, 2, NULL, &st),
			 KRELOC_E_INVAL);
	assert_int_equal(kreloc_kimage_split(&L.ki, NULL, L.sim, 2, heads, &st), KRELOC_E_INVAL);
	assert_int_equal(kreloc_kimage_split(&unloaded, kreloc_sim_phys_read, L.sim, 2, heads, &st),
			 KRELOC_E_INVAL);
	assert_memory_equal(heads, none, sizeof(heads));

	/* The allocator runs dry half way: nothing committed. */
	cfg.limit_pages = kreloc_sim_allocated(L.sim) + 3;
	kreloc_sim_alloc_config(L.sim, &cfg);
	assert_int_equal(kreloc_kimage_split(&L.ki, kreloc_sim_phys_read, L.sim, 8, heads, &st),
			 KRELOC_E_NOMEM);
	assert_memory_equal(heads, none, sizeof(heads));

	/* The most lists there may be: one page more each, still balanced and proven. */
	cfg.limit_pages = 0;
	kreloc_sim_alloc_config(L.sim, &cfg);
	assert_int_equal(kreloc_kimage_split(&L.ki, kreloc_sim_phys_read, L.sim,
					     KRELOC_SPLIT_MAX, heads, &st), 0);
	assert_int_equal(kreloc_kimage_check_split(heads, KRELOC_SPLIT_MAX, kreloc_sim_phys_read,
						   L.sim, L.segs, L.n, NULL), 0);
	assert_int_equal(kreloc_kimage_check_split(heads, 0, kreloc_sim_phys_read, L.sim,
						   L.segs, L.n, NULL), KRELOC_E_INVAL);
	assert_int_equal(kreloc_kimage_check_split(heads, KRELOC_SPLIT_MAX + 1,
						   kreloc_sim_phys_read, L.sim, L.segs, L.n, NULL),
			 KRELOC_E_INVAL);
	/* One list missing: the rest do not cover the segments. */
	assert_int_equal(kreloc_kimage_check_split(heads, KRELOC_SPLIT_MAX - 1,
						   kreloc_sim_phys_read, L.sim, L.segs, L.n, NULL),
			 KRELOC_E_LIST_COVERAGE);
	layout_free(&L);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_property),
		cmocka_unit_test(test_split_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
