// SPDX-License-Identifier: MIT
/*
 * test_handoff.c - kreloc_handoff_plan/stage/prepare (lib/handoff.c) on the
 * simulator, over random RAM maps and payloads in both modes, at every
 * granule and both exception levels: the list is executed as the
 * trampoline would, the destinations are proved, the transitional tables
 * walked, and the edited device tree checked where the next kernel will
 * find it.  The refusals are in test_handoff_refuse.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>

#include <kreloc/xlat.h>

#include "handoff_fixture.h"

#define WORLDS		96
#define K4		0x1000ULL
#define M1		0x100000ULL
#define M2		0x200000ULL
#define G1		0x40000000ULL

struct totals {
	unsigned int ok[2][3], refused, fallback;
	uint64_t set_aside, in_place, zero_fill, list_pages, preserved, legacy, high, caller_seeds;
};

static const unsigned int shifts[3] = { 12, 14, 16 };

/* A random machine and payload, a pure function of @seed. */
static void gen_world(struct world *w, uint64_t seed)
{
	static const uint64_t sizes[] = { 8 << 20, 12 << 20, 64 << 20, 96 << 20, 256 << 20, G1, 3 * G1 };
	uint64_t r = seed, at = G1 * (1 + w_rand(&r, 4)), len, text, isize, flags;

	w->nr_ram = 1 + (unsigned int)w_rand(&r, 3);
	for (unsigned int i = 0; i < w->nr_ram; i++) {
		uint64_t base = at + w_rand(&r, 4) * M2 + (w_rand(&r, 4) ? 0 : K4 * (1 + w_rand(&r, 15)));
		uint64_t size = sizes[w_rand(&r, KRELOC_ARRAY_SIZE(sizes))];

		if (!w_rand(&r, 4))
			size += K4 * (1 + w_rand(&r, 100));	/* partial granules at the end */
		w->ram[i] = (struct kreloc_range){ base, size };
		at = KRELOC_ALIGN_UP(base + size, M2) + M2 * (1 + w_rand(&r, 64)) +
		     (w_rand(&r, 3) ? 0 : 64 * G1);
	}
	w->nr_fw = (unsigned int)w_rand(&r, MAX_FW_RSV + 1);
	for (unsigned int i = 0; i < w->nr_fw; i++) {
		const struct kreloc_range *b = &w->ram[w_rand(&r, w->nr_ram)];

		w->fw[i].size = K4 * (1 + w_rand(&r, 2048));
		w->fw[i].base = b->base + KRELOC_ALIGN_DOWN(w_rand(&r, b->size - w->fw[i].size), K4);
	}
	w->nr_preserve = (unsigned int)w_rand(&r, 3);
	for (unsigned int i = 0; i < w->nr_preserve; i++) {
		const struct kreloc_range *b = &w->ram[w_rand(&r, w->nr_ram)];

		w->preserve[i].size = K4 * (1 + w_rand(&r, 64));
		w->preserve[i].base = b->base +
				      KRELOC_ALIGN_DOWN(w_rand(&r, b->size - w->preserve[i].size), K4);
	}
	make_fdt(w, &r);

	len = 64 * 1024 + w_rand(&r, 3 * M1);
	text = w_rand(&r, 3) ? 0 : K4 * w_rand(&r, 512);
	isize = KRELOC_ALIGN_UP(len, K4) + K4 * w_rand(&r, 512);
	flags = 1ULL << 1 | (w_rand(&r, 4) ? 1ULL << 3 : 0);	/* 4K pages, often anywhere */
	if (!w_rand(&r, 10))
		isize = 0;					/* legacy: pre-3.17 header */
	make_image(w, len, text, isize, flags);
	make_initrd(w, w_rand(&r, 3) ? 1 + w_rand(&r, 2 * M1) : 0);
	w->keep_bootargs = !w_rand(&r, 3);
	snprintf(w->cmdline, sizeof(w->cmdline), "console=ttyAMA0 world=%llu", (unsigned long long)seed);
	for (unsigned int i = 0; i < sizeof(w->entropy); i++)
		w->entropy[i] = (uint8_t)kreloc_sim_rand(&r);
}

static const void *chosen(const void *t, const char *name, int *len)
{
	int node = fdt_path_offset(t, "/chosen");

	return node < 0 ? NULL : fdt_getprop(t, node, name, len);
}

/* The next kernel's tree, read back from its destination after the copy. */
static void check_tree(struct world *w)
{
	const struct kreloc_handoff *h = &w->h;
	uint8_t *t = malloc(h->fdt_size);
	const char *args;
	const uint8_t *k, *rng, *mb;
	uint64_t s, e;
	int len, klen, rlen;

	assert_non_null(t);
	kreloc_sim_read(w->alloc.sim, h->place.dtb.base, t, h->fdt_size);
	assert_int_equal(fdt_check_full(t, h->fdt_size), 0);
	args = chosen(t, "bootargs", &len);
	assert_non_null(args);
	assert_string_equal(args, w->keep_bootargs ? OLD_BOOTARGS : w->cmdline);
	if (w->initrd_len) {
		assert_int_equal(kreloc_fdt_chosen_initrd(t, &s, &e), 1);
		assert_int_equal(s, h->place.initrd.base);
		assert_int_equal(e, s + w->initrd_len);
	} else {
		assert_int_equal(kreloc_fdt_chosen_initrd(t, &s, &e), 0);
	}
	/* Fresh seeds, never the incoming ones. */
	k = chosen(t, "kaslr-seed", &klen);
	rng = chosen(t, "rng-seed", &rlen);
	assert_non_null(k);
	assert_non_null(rng);
	assert_int_equal(klen, 8);
	assert_true(rlen > 0);
	assert_memory_not_equal(k, w->in_kaslr, 8);
	assert_true(rlen != (int)sizeof(w->in_rng) || memcmp(rng, w->in_rng, sizeof(w->in_rng)));
	assert_int_equal(h->seeds, w->h.entropy_len ? KRELOC_SEEDS_CALLER : KRELOC_SEEDS_FDT);
	/* The counter mailbox, where the trampoline will write it. */
	mb = chosen(t, KRELOC_MAILBOX_PROP, &len);
	assert_non_null(mb);
	assert_int_equal(len, KRELOC_MAILBOX_SIZE);
	assert_int_equal(h->place.dtb.base + (uint64_t)(mb - t), h->mailbox);
	/* Preserved ranges handed on as /memreserve/, after the firmware's. */
	for (unsigned int i = 0; i < w->nr_preserve; i++) {
		bool found = false;

		for (int j = 0; j < fdt_num_mem_rsv(t); j++) {
			uint64_t a, sz;

			assert_int_equal(fdt_get_mem_rsv(t, j, &a, &sz), 0);
			found |= a == w->preserve[i].base && sz == w->preserve[i].size;
		}
		assert_true(found);
	}
	free(t);
}

static void walk(struct world *w, uint64_t va, bool write, bool exec)
{
	struct kreloc_xlat_walk_result res;

	assert_int_equal(kreloc_xlat_walk(&w->h.xlat, va, kreloc_sim_phys_read, w->alloc.sim, &res), 0);
	assert_int_equal(res.pa, va);
	assert_int_equal(res.mair_attr, KRELOC_XLAT_MAIR_NORMAL_WB);
	assert_int_equal(res.sh, 3);
	if (write)
		assert_true(res.writable);
	if (exec)
		assert_true(res.executable);
}

/* Destinations (sampled), every list page and the control page translate to themselves. */
static void check_tables(struct world *w)
{
	const struct kreloc_handoff *h = &w->h;
	uint64_t e = h->ki.head;

	for (unsigned int i = 0; i < h->nr_segs; i++)
		for (uint64_t off = 0; off < h->segs[i].memsz; off += 61 * K4)
			walk(w, h->segs[i].dest + off, true, false);
	walk(w, h->control, false, true);
	while ((e & KRELOC_IND_FLAGS) == KRELOC_IND_INDIRECTION) {
		uint64_t page = e & ~(K4 - 1);

		walk(w, page, false, false);
		kreloc_sim_read(w->alloc.sim, page + (KRELOC_IND_SLOTS - 1) * 8, &e, 8);
	}
}

static void one_world(uint64_t seed, unsigned int mode_i, unsigned int shift_i, unsigned int el,
		      struct totals *t)
{
	struct world w = { 0 };
	struct kreloc_sim_alloc_cfg cfg = { 0 };
	struct kreloc_sim_result res;
	uint64_t r = seed * 7919;
	int err;

	gen_world(&w, seed);
	world_setup(&w, mode_i ? KRELOC_MODE_CLASSIC : KRELOC_MODE_MMU, shifts[shift_i], el,
		    MMFR0_ALL, 0);
	w.h.place_high = w_rand(&r, 3) == 0;
	if (w_rand(&r, 2)) {
		w.h.entropy = w.entropy;
		w.h.entropy_len = sizeof(w.entropy);
	}
	err = kreloc_handoff_plan(&w.h, &w.p);
	if (err == KRELOC_E_NO_ROOM || err == KRELOC_E_INITRD_WINDOW || err == KRELOC_E_NOMEM) {
		assert_int_equal(w.alloc.calls, 0);	/* refused before anything was taken */
		t->refused++;
		world_free(&w);
		return;
	}
	if (err)
		fail_msg("world %llu: plan: %s", (unsigned long long)seed, kreloc_errname(err));
	cfg.collide_pct = (unsigned int)w_rand(&r, 40);
	cfg.predict_pct = (unsigned int)w_rand(&r, 40);
	cfg.segs = w.h.segs;
	cfg.nr_segs = w.h.nr_segs;
	world_memory(&w, seed, &cfg);
	assert_int_equal(kreloc_handoff_stage(&w.h), 0);
	w.alloc.preparing = true;
	err = kreloc_handoff_prepare(&w.h, kreloc_sim_phys_read, w.alloc.sim);
	w.alloc.preparing = false;
	if (err)
		fail_msg("world %llu: prepare: %s", (unsigned long long)seed, kreloc_errname(err));
	/* No memory for the tables (plan) or a whole granule (prepare): classic mode. */
	if (w.h.xlat_fallback) {
		assert_int_equal(mode_i, 0);
		assert_int_equal(w.h.mode, KRELOC_MODE_CLASSIC);
		t->fallback++;
	}

	/* The boot protocol's facts. */
	assert_int_equal(w.h.nr_segs, w.initrd_len ? 3 : 2);
	assert_int_equal(w.h.segs[0].dest, w.h.place.kernel_load);
	assert_int_equal(w.h.place.kernel_base % M2, 0);
	assert_int_equal(w.h.place.kernel_load - w.h.place.kernel_base, w.h.img.text_offset);
	assert_int_equal(w.h.place.dtb.base % M2, 0);
	/* Control page and tables are read during the whole copy: never written. */
	for (unsigned int i = 0; i < w.alloc.nr_prep; i++)
		if (!kreloc_segments_collide(w.h.segs, w.h.nr_segs, w.alloc.prep[i].base,
					     w.alloc.prep[i].size))
			kreloc_sim_protect(w.alloc.sim, w.alloc.prep[i].base, w.alloc.prep[i].size);
	if (kreloc_sim_run(w.alloc.sim, w.h.ki.head, w.h.segs, w.h.nr_segs, &res))
		fail_msg("world %llu: %s", (unsigned long long)seed, res.msg);
	assert_int_equal(res.copies, w.h.list.copies);
	assert_int_equal(res.skipped, w.h.list.in_place);
	for (unsigned int i = 0; i < w.nr_preserve; i++)
		assert_true(kreloc_sim_unchanged(w.alloc.sim, w.preserve[i].base, w.preserve[i].size));
	if (w.h.mode == KRELOC_MODE_MMU)
		check_tables(&w);
	check_tree(&w);

	t->ok[mode_i][shift_i]++;
	t->set_aside += w.h.ki.colliding_pages_set_aside;
	t->in_place += w.h.ki.pages_in_place;
	t->zero_fill += w.h.ki.zero_fill_pages;
	t->list_pages += w.h.ki.indirection_pages;
	t->preserved += w.nr_preserve;
	t->legacy += w.h.img.legacy;
	t->high += w.h.place_high;
	t->caller_seeds += w.h.seeds == KRELOC_SEEDS_CALLER;
	world_free(&w);
}

static void test_random_worlds(void **state)
{
	struct totals t = { 0 };

	(void)state;
	for (unsigned int i = 0; i < WORLDS; i++)
		one_world(1000 + i, i % 2, (i / 2) % 3, 1 + (i / 6) % 2, &t);
	print_message("handoff: mmu 4k/16k/64k %u/%u/%u, classic %u/%u/%u; refused %u, "
		      "fallen back to classic %u; %llu set aside, %llu in place, %llu zero-fill, "
		      "%llu list pages, %llu preserved, %llu legacy, %llu high, %llu rndr\n",
		      t.ok[0][0], t.ok[0][1], t.ok[0][2], t.ok[1][0], t.ok[1][1], t.ok[1][2],
		      t.refused, t.fallback, (unsigned long long)t.set_aside,
		      (unsigned long long)t.in_place, (unsigned long long)t.zero_fill,
		      (unsigned long long)t.list_pages, (unsigned long long)t.preserved,
		      (unsigned long long)t.legacy, (unsigned long long)t.high,
		      (unsigned long long)t.caller_seeds);
	/* The run must have reached what it claims to cover. */
	for (unsigned int m = 0; m < 2; m++)
		for (unsigned int g = 0; g < 3; g++)
			assert_true(t.ok[m][g] >= 6);
	assert_true(t.refused > 0);
	assert_true(t.set_aside > 0);
	assert_true(t.in_place > 0);
	assert_true(t.preserved > 0);
	assert_true(t.legacy > 0);
	assert_true(t.high > 0);
	assert_true(t.caller_seeds > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_worlds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
