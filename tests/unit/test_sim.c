// SPDX-License-Identifier: MIT
/*
 * test_sim.c - the property test: random layouts (sim_layout.h) planned with
 * kreloc_kimage_load(), checked with kreloc_kimage_check_list(), executed by
 * the simulator and proven; then mutated lists that must be caught.
 *
 * KRELOC_SEED=<n> repeats a run; KRELOC_LAYOUTS=<n> changes how many layouts
 * (default 10000); KRELOC_LAYOUT=<i> runs only layout i of the seed.
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
#include <kreloc/kimage.h>

#include "sim.h"

#define D	KRELOC_IND_DESTINATION
#define S	KRELOC_IND_SOURCE
#define I	KRELOC_IND_INDIRECTION
#define DONE	KRELOC_IND_DONE

#include "sim_layout.h"

static uint64_t cur_layout;	/* for messages */
static const struct layout *cur_L;

static void layout_done(struct layout *L)
{
	cur_L = NULL;
	layout_free(L);
}

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

static void prove_layout(uint64_t seed, struct totals *t)
{
	struct layout L;
	struct kreloc_kimage_need nd;
	struct kreloc_list_stats st;
	struct kreloc_sim_result res;
	uint64_t dest_pages = 0;
	int err;

	layout_build(&L, seed, t);
	cur_L = &L;
	t->layouts++;
	t->segments += L.n;
	assert_int_equal(kreloc_kimage_need(L.segs, L.n, &nd), 0);
	for (unsigned int i = 0; i < L.n; i++) {
		dest_pages += L.segs[i].memsz / K4;
		t->huge += L.segs[i].memsz >= 16 * M1;
	}

	if (L.limited) {
		/* Fewer pages than the bound: must fail cleanly, nothing committed. */
		REQUIRE(L.load_err == KRELOC_E_NOMEM, "load: %s", kreloc_errname(L.load_err));
		REQUIRE(L.ki.head == 0 && L.ki.entries == 0 && L.ki.source_pages == 0 &&
			L.ki.indirection_pages == 0 && L.ki.colliding_pages_set_aside == 0, " ");
		t->nomem++;
		layout_done(&L);
		return;
	}
	/*
	 * RAM too small?  When kreloc_kimage_check_room() says it fits, the load
	 * must succeed; when it does not, the load may still fit (the bound is a
	 * worst case) or fail cleanly.
	 */
	if (kreloc_kimage_check_room(&L.map, L.segs, L.n, L.taken_early) == 0)
		REQUIRE(L.load_err == 0, "load: %s", kreloc_errname(L.load_err));
	else
		t->room_refused++;
	if (L.load_err) {
		REQUIRE(L.load_err == KRELOC_E_NOMEM, "load: %s", kreloc_errname(L.load_err));
		REQUIRE(L.ki.head == 0 && L.ki.entries == 0 && L.ki.source_pages == 0 &&
			L.ki.indirection_pages == 0, " ");
		t->small_ram++;
		layout_done(&L);
		return;
	}
	t->loads_ok++;

	/* The plan agrees with the worst case and with the allocator's books. */
	REQUIRE(L.ki.source_pages + L.ki.pages_in_place == nd.data_pages, " ");
	REQUIRE(L.ki.zero_fill_pages == dest_pages - nd.data_pages, " ");
	REQUIRE(L.ki.indirection_pages <= nd.list_pages, " ");
	REQUIRE(kreloc_sim_allocated(L.sim) ==
		L.ki.source_pages + L.ki.pages_in_place + (L.ki.zero_fill_pages ? 1 : 0) +
		L.ki.indirection_pages + L.ki.colliding_pages_set_aside + L.extra_pages,
		"allocated %llu", (unsigned long long)kreloc_sim_allocated(L.sim));

	err = kreloc_kimage_check_list(L.ki.head, kreloc_sim_phys_read, L.sim, L.segs, L.n, &st);
	REQUIRE(err == 0, "check_list: %s", kreloc_errname(err));
	REQUIRE(st.sources == dest_pages && st.in_place == L.ki.pages_in_place &&
		st.list_pages == L.ki.indirection_pages && st.entries == L.ki.entries &&
		st.copies == L.ki.source_pages + L.ki.zero_fill_pages, " ");

	err = kreloc_sim_run(L.sim, L.ki.head, L.expect, L.n, &res);
	REQUIRE(err == 0, "sim: %s", res.msg);
	REQUIRE(res.copies == st.copies && res.skipped == st.in_place &&
		res.pages_checked == dest_pages && res.list_pages == st.list_pages, " ");

	t->dest_pages += dest_pages;
	t->copies += res.copies;
	t->in_place += res.skipped;
	t->zero_fill += L.ki.zero_fill_pages;
	t->set_aside += L.ki.colliding_pages_set_aside;
	t->list_pages += L.ki.indirection_pages;
	t->multi_page_lists += L.ki.indirection_pages > 1;
	t->extra_blocks += L.extra_pages;
	layout_done(&L);
}

/* ---- mutations ---------------------------------------------------------- */

struct slot {
	uint64_t pa;		/* where the entry lives */
	uint64_t e;		/* its value */
	uint64_t cursor;	/* the cursor when it is executed */
};

static unsigned int list_slots(struct kreloc_sim *sim, uint64_t head, struct slot **out)
{
	unsigned int n = 0, cap = 1024;
	struct slot *v = malloc(cap * sizeof(*v));
	uint64_t page = head & ~(K4 - 1), cursor = 0;

	assert_non_null(v);
	for (unsigned int i = 0;; i++) {
		uint64_t e;

		kreloc_sim_read(sim, page + i * 8, &e, 8);
		if (n == cap) {
			cap *= 2;
			v = realloc(v, cap * sizeof(*v));
			assert_non_null(v);
		}
		v[n].pa = page + i * 8;
		v[n].e = e;
		v[n++].cursor = cursor;
		if (e == DONE)
			break;
		if ((e & 0xf) == I) {
			page = e & ~(K4 - 1);
			i = (unsigned int)-1;
		} else if ((e & 0xf) == D) {
			cursor = e & ~(K4 - 1);
		} else {
			cursor += K4;
		}
	}
	*out = v;
	return n;
}

static bool page_differs(struct kreloc_sim *sim, uint64_t a, uint64_t b)
{
	uint8_t x[4096], y[4096];

	kreloc_sim_read(sim, a, x, K4);
	kreloc_sim_read(sim, b, y, K4);
	return memcmp(x, y, K4) != 0;
}

/* Does @pa already hold what the destination page must finally hold? */
static bool already_final(struct layout *L, uint64_t pa)
{
	uint8_t have[4096], want[4096] = { 0 };

	for (unsigned int i = 0; i < L->n; i++) {
		const struct kreloc_segment *s = &L->expect[i];

		if (pa < s->dest || pa - s->dest >= s->memsz)
			continue;
		if (s->bufsz > pa - s->dest) {
			uint64_t off = pa - s->dest, len = s->bufsz - off;

			memcpy(want, (const uint8_t *)s->buf + off, len < K4 ? len : K4);
		}
	}
	kreloc_sim_read(L->sim, pa, have, K4);
	return memcmp(have, want, K4) == 0;
}

enum { MUT_SRC_INTO_DEST, MUT_DROP_DONE, MUT_SWAP, MUT_SHIFT_DEST, MUT_LOOP,
       MUT_FAKE_IN_PLACE, MUT_AFTER_DONE, MUT_PROTECT_DEST, MUT_KINDS };

static const char *const mut_names[MUT_KINDS] = {
	"source into a destination", "DONE dropped", "two sources swapped",
	"destination shifted", "indirection loop", "fake in-place source",
	"entry after DONE", "protected page inside a destination",
};

/* Pick an entry of the given kind (flags) at random; -1 if none. */
static int pick(struct slot *v, unsigned int n, uint64_t flags, uint64_t *r, bool copies_only)
{
	unsigned int start = (unsigned int)rnd(r, n);

	for (unsigned int k = 0; k < n; k++) {
		unsigned int i = (start + k) % n;

		if ((v[i].e & 0xf) != flags)
			continue;
		if (copies_only && (v[i].e & ~(K4 - 1)) == v[i].cursor)
			continue;
		return (int)i;
	}
	return -1;
}

static void mutate_layout(uint64_t seed, unsigned int kind, struct totals *t)
{
	struct layout L;
	struct slot *v;
	unsigned int n;
	uint64_t r = seed ^ 0xabcdef, e;
	int i, j, cerr, serr;
	bool checker_must = true, sim_must = true;
	struct kreloc_sim_result res;

	layout_build(&L, seed, t);
	cur_L = &L;
	if (L.limited || L.load_err) {
		layout_done(&L);
		return;
	}
	n = list_slots(L.sim, L.ki.head, &v);
	switch (kind) {
	case MUT_SRC_INTO_DEST: {
		/* A copy's source moved into some destination, not its own page. */
		const struct kreloc_segment *s = &L.segs[rnd(&r, L.n)];
		uint64_t to;

		i = pick(v, n, S, &r, true);
		if (i < 0)
			goto skip;
		to = s->dest + rnd(&r, s->memsz / K4) * K4;
		if (to == v[i].cursor)
			goto skip;
		e = to | S;
		kreloc_sim_write(L.sim, v[i].pa, &e, 8);
		sim_must = false;	/* the bytes there may happen to be right */
		break;
	}
	case MUT_DROP_DONE:
		e = 0;
		kreloc_sim_write(L.sim, v[n - 1].pa, &e, 8);
		break;
	case MUT_SWAP:
		/* Both checks pass on form; only executing shows the bytes land wrong. */
		i = pick(v, n, S, &r, true);
		j = pick(v, n, S, &r, true);
		if (i < 0 || i == j || !page_differs(L.sim, v[i].e & ~(K4 - 1), v[j].e & ~(K4 - 1)))
			goto skip;
		kreloc_sim_write(L.sim, v[i].pa, &v[j].e, 8);
		kreloc_sim_write(L.sim, v[j].pa, &v[i].e, 8);
		checker_must = false;
		break;
	case MUT_SHIFT_DEST:
		i = pick(v, n, D, &r, false);
		if (i < 0)
			goto skip;
		e = v[i].e + (rnd(&r, 2) ? K4 : -K4);
		kreloc_sim_write(L.sim, v[i].pa, &e, 8);
		break;
	case MUT_LOOP:
		/* The last link (or DONE, in a one-page list) points back to the first page. */
		i = (int)n - 1;
		for (unsigned int k = 0; k < n; k++)
			if ((v[k].e & 0xf) == I)
				i = (int)k;
		e = L.ki.head;
		kreloc_sim_write(L.sim, v[i].pa, &e, 8);
		break;
	case MUT_FAKE_IN_PLACE:
		/* A copy claims to be in place: the form is fine, the bytes are not there. */
		i = pick(v, n, S, &r, true);
		if (i < 0 || already_final(&L, v[i].cursor))
			goto skip;
		e = v[i].cursor | S;
		kreloc_sim_write(L.sim, v[i].pa, &e, 8);
		checker_must = false;
		break;
	case MUT_AFTER_DONE:
		/* Garbage after DONE: the trampoline never reads it, the checker refuses it. */
		if (((v[n - 1].pa + 8) & (K4 - 1)) == 0)
			goto skip;
		e = (L.segs[0].dest) | S;
		kreloc_sim_write(L.sim, v[n - 1].pa + 8, &e, 8);
		sim_must = false;
		break;
	case MUT_PROTECT_DEST:
		/* A "control page" inside a destination: the executor must refuse to write it. */
		i = pick(v, n, S, &r, true);
		if (i < 0)
			goto skip;
		kreloc_sim_protect(L.sim, v[i].cursor, K4);
		checker_must = false;
		break;
	}

	cerr = kreloc_kimage_check_list(L.ki.head, kreloc_sim_phys_read, L.sim, L.segs, L.n, NULL);
	serr = kreloc_sim_run(L.sim, L.ki.head, L.expect, L.n, &res);
	REQUIRE(cerr || serr, "mutation '%s' not caught", mut_names[kind]);
	if (checker_must)
		REQUIRE(cerr, "mutation '%s' passed the checker", mut_names[kind]);
	if (sim_must)
		REQUIRE(serr, "mutation '%s' passed the simulator", mut_names[kind]);
	if (kind == MUT_SRC_INTO_DEST)
		REQUIRE(cerr == KRELOC_E_LIST_UNSAFE, "got %s", kreloc_errname(cerr));
	if (kind == MUT_DROP_DONE)
		REQUIRE(cerr == KRELOC_E_LIST_UNTERMINATED, "got %s", kreloc_errname(cerr));
	if (kind == MUT_LOOP)
		REQUIRE(cerr == KRELOC_E_LIST_LOOP, "got %s", kreloc_errname(cerr));
	if (kind == MUT_AFTER_DONE)
		REQUIRE(cerr == KRELOC_E_LIST_AFTER_DONE && !serr, "got %s", kreloc_errname(cerr));
	if (kind == MUT_SWAP || kind == MUT_FAKE_IN_PLACE)
		REQUIRE(!cerr && res.fault == KRELOC_SIM_CONTENT, "got %s / %s",
			kreloc_errname(cerr), kreloc_sim_fault_name(res.fault));
	if (kind == MUT_PROTECT_DEST)
		REQUIRE(res.fault == KRELOC_SIM_PROTECTED_WRITE, "got %s",
			kreloc_sim_fault_name(res.fault));
	t->mut_tried++;
	t->mut_kind[kind]++;
	t->mut_checker += cerr != 0;
	t->mut_sim += serr != 0;
	t->mut_both += cerr && serr;
skip:
	free(v);
	layout_done(&L);
}

static void test_property(void **state)
{
	uint64_t seed = env_u64("KRELOC_SEED", (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32));
	uint64_t layouts = env_u64("KRELOC_LAYOUTS", 10000);
	uint64_t only = env_u64("KRELOC_LAYOUT", UINT64_MAX);
	struct totals t = { 0 };
	struct timespec t0, t1;
	uint64_t r = seed;

	(void)state;
	printf("test_sim: KRELOC_SEED=%llu, %llu layouts\n", (unsigned long long)seed,
	       (unsigned long long)layouts);
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint64_t i = 0; i < layouts; i++) {
		uint64_t ls = kreloc_sim_rand(&r);

		if (only != UINT64_MAX && only != i)
			continue;
		cur_layout = i;
		prove_layout(ls, &t);
		if (i % 4 == 0)
			mutate_layout(ls, (unsigned int)(i / 4 % MUT_KINDS), &t);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	printf("test_sim: %.2f s; %llu layouts (%llu loaded, %llu E_NOMEM with a capped "
	       "allocator, %llu refused by check_room, %llu E_NOMEM for small RAM), "
	       "%llu segments, %llu huge segments, %llu RAM banks ending at 2^48\n",
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	       (unsigned long long)t.layouts, (unsigned long long)t.loads_ok,
	       (unsigned long long)t.nomem, (unsigned long long)t.room_refused,
	       (unsigned long long)t.small_ram, (unsigned long long)t.segments,
	       (unsigned long long)t.huge, (unsigned long long)t.high);
	printf("test_sim: pages: %llu destination, %llu copied, %llu in place, %llu zero-filled, "
	       "%llu set aside, %llu list pages (%llu lists over several pages), "
	       "%llu segment buffers lying over destinations, %llu protected pages\n",
	       (unsigned long long)t.dest_pages, (unsigned long long)t.copies,
	       (unsigned long long)t.in_place, (unsigned long long)t.zero_fill,
	       (unsigned long long)t.set_aside, (unsigned long long)t.list_pages,
	       (unsigned long long)t.multi_page_lists, (unsigned long long)t.homes,
	       (unsigned long long)t.extra_blocks);
	printf("test_sim: mutations: %llu caught (%llu by the checker, %llu by the simulator, "
	       "%llu by both):", (unsigned long long)t.mut_tried,
	       (unsigned long long)t.mut_checker, (unsigned long long)t.mut_sim,
	       (unsigned long long)t.mut_both);
	for (unsigned int k = 0; k < MUT_KINDS; k++)
		printf("%s %s %llu", k ? "," : "", mut_names[k], (unsigned long long)t.mut_kind[k]);
	printf("\n");
	if (only == UINT64_MAX) {
		/* The generator really reached the cases it is meant to. */
		assert_true(t.layouts == layouts);
		assert_true(t.in_place > 0 && t.set_aside > 0 && t.zero_fill > 0);
		assert_true(t.multi_page_lists > 0 && t.homes > 0 && t.huge > 0 && t.nomem > 0);
		for (unsigned int k = 0; k < MUT_KINDS; k++)
			assert_true(t.mut_kind[k] > 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_property),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
