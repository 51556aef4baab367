// SPDX-License-Identifier: MIT
/*
 * test_handoff_paged.c - a hand-off whose Image and initrd lie in physical
 * pages (handoff.h, "Paged payload"), scattered out of order in the
 * simulated RAM: plan() reserves them, stage() borrows every whole page as
 * its own copy source and copies only the partial last pages, prepare()
 * proves the list, verify() hashes the pages where they lie and catches one
 * flipped byte, and the list, run on the model, writes the payload.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>

#include "handoff_fixture.h"

#define K4	0x1000ULL
#define M1	0x100000ULL
#define M2	0x200000ULL
#define G1	0x40000000ULL
#define PAGES_AT	(G1 + 192 * M1)	/* where the payload's pages lie */
#define IMAGE_LEN	(200 * K4 + 123)
#define INITRD_LEN	(50 * K4 + 77)
#define NR_IMAGE	201
#define NR_INITRD	51

static struct world w;
static uint8_t image_table[8 * NR_IMAGE], initrd_table[8 * NR_INITRD];
static uint8_t image_sha[32], initrd_sha[32];

/*
 * Page k of the payload (the Image's, then the initrd's) at slot
 * (k * 5) % 252 of PAGES_AT: a stride coprime with the 252 slots, so the
 * pages jump around, both blobs interleave, and no two share a slot.
 */
static uint64_t slot_of(unsigned int k)
{
	return PAGES_AT + (uint64_t)((k * 5) % (NR_IMAGE + NR_INITRD)) * K4;
}

/* 256 MiB at 1 GiB, a paged Image and initrd, their digests expected. */
static void paged_world_at(unsigned int mode, unsigned int shift)
{
	uint64_t r = 9;

	world_free(&w);
	w.nr_ram = 1;
	w.ram[0] = (struct kreloc_range){ G1, 256 * M1 };
	make_fdt(&w, &r);
	make_image(&w, IMAGE_LEN, 0, 2 * M2, 0xa);
	make_initrd(&w, INITRD_LEN);
	snprintf(w.cmdline, sizeof(w.cmdline), "console=ttyAMA0");
	world_setup(&w, mode, shift, 1, MMFR0_ALL, 0);
	for (unsigned int i = 0; i < NR_IMAGE; i++)
		kreloc_put_le64(image_table + 8 * i, slot_of(i));
	for (unsigned int i = 0; i < NR_INITRD; i++)
		kreloc_put_le64(initrd_table + 8 * i, slot_of(NR_IMAGE + i));
	kreloc_sha256(w.image, w.image_len, image_sha);
	kreloc_sha256(w.initrd, w.initrd_len, initrd_sha);
	/* the header is read from the first page's bytes: the Image's start */
	w.p.image_pages = image_table;
	w.p.initrd_pages = initrd_table;
	w.p.initrd = NULL;
	w.p.image_sha256 = image_sha;
	w.p.initrd_sha256 = initrd_sha;
	w.h.pages_rd = kreloc_sim_phys_read;
}

static void paged_world(void)
{
	paged_world_at(KRELOC_MODE_MMU, 12);
}

/* Write a blob into its pages of the model; past its end, bytes not its own. */
static void write_pages(const uint8_t *table, const uint8_t *data, uint64_t len)
{
	uint8_t junk[K4];

	memset(junk, 0xee, sizeof(junk));
	for (uint64_t i = 0; i * K4 < len; i++) {
		uint64_t pa = kreloc_le64(table + 8 * i), n = len - i * K4 < K4 ? len - i * K4 : K4;

		kreloc_sim_write(w.alloc.sim, pa, junk, K4);
		kreloc_sim_write(w.alloc.sim, pa, data + i * K4, n);
	}
}

static int teardown(void **state)
{
	(void)state;
	world_free(&w);
	return 0;
}

/* Plan, make the memory with the payload in its pages, stage, prepare. */
static void plan_stage_prepare(void)
{
	assert_int_equal(kreloc_handoff_plan(&w.h, &w.p), 0);
	world_memory(&w, 3, NULL);
	w.h.pages_rd_ctx = w.alloc.sim;
	write_pages(image_table, w.image, w.image_len);
	write_pages(initrd_table, w.initrd, w.initrd_len);
	assert_int_equal(kreloc_handoff_stage(&w.h), 0);
	assert_int_equal(kreloc_handoff_prepare(&w.h, kreloc_sim_phys_read, w.alloc.sim), 0);
}

static void test_paged_handoff(void **state)
{
	struct kreloc_segment expect[KRELOC_HANDOFF_SEGMENTS];
	struct kreloc_sim_result res;
	uint64_t dtb_pages;

	(void)state;
	paged_world();
	plan_stage_prepare();
	/* every payload page reserved, so clear of every destination */
	for (unsigned int k = 0; k < NR_IMAGE + NR_INITRD; k++) {
		assert_true(kreloc_memmap_is_reserved(&w.map, slot_of(k), K4));
		assert_false(kreloc_segments_collide(w.h.segs, w.h.nr_segs, slot_of(k), K4));
	}
	assert_ptr_equal(w.h.segs[0].pages, image_table);
	assert_ptr_equal(w.h.segs[1].pages, initrd_table);
	/* whole pages borrowed; only the two partial pages and the tree staged */
	assert_int_equal(w.h.ki.borrowed_pages, 200 + 50);
	dtb_pages = w.h.segs[2].memsz / K4;
	assert_int_equal(w.h.ki.source_pages + w.h.ki.pages_in_place, 2 + dtb_pages);
	assert_int_equal(w.h.list.copies, w.h.list.sources - w.h.list.in_place);
	/* the digests hold over the pages where they lie (the 0xee tails excluded) */
	assert_int_equal(kreloc_handoff_verify(&w.h, kreloc_sim_phys_read, w.alloc.sim,
					       kreloc_sha256_blocks), 0);
	/* run the list: the destinations hold the payload */
	memcpy(expect, w.h.segs, sizeof(expect));
	expect[0].buf = w.image;
	expect[0].pages = NULL;
	expect[1].buf = w.initrd;
	expect[1].pages = NULL;
	if (kreloc_sim_run(w.alloc.sim, w.h.ki.head, expect, w.h.nr_segs, &res))
		fail_msg("%s", res.msg);
	assert_int_equal(res.copies, w.h.list.copies);
}

/* One byte flipped in a borrowed page, after staging: verify refuses. */
static void test_paged_flipped_byte(void **state)
{
	static const struct { const uint8_t *table; uint64_t off; } flips[] = {
		{ image_table, 0 }, { image_table, 77 * K4 + 5 }, { initrd_table, 49 * K4 + 4095 },
		{ initrd_table, 50 * K4 + 76 },		/* the partial page: staged, so still good */
	};

	(void)state;
	for (unsigned int f = 0; f < KRELOC_ARRAY_SIZE(flips); f++) {
		uint64_t pa;
		uint8_t b;
		int want = f == 3 ? 0 : KRELOC_E_BUNDLE_CHECKSUM;

		paged_world();
		plan_stage_prepare();
		pa = kreloc_le64(flips[f].table + 8 * (flips[f].off / K4)) + flips[f].off % K4;
		kreloc_sim_read(w.alloc.sim, pa, &b, 1);
		b ^= 0x10;
		kreloc_sim_write(w.alloc.sim, pa, &b, 1);
		assert_int_equal(kreloc_handoff_verify(&w.h, kreloc_sim_phys_read, w.alloc.sim,
						       kreloc_sha256_blocks), want);
	}
}

/* plan() refuses pages it cannot reserve or read, and a payload without a reader. */
static void test_paged_refused(void **state)
{
	(void)state;
	paged_world();
	w.h.pages_rd = NULL;
	assert_int_equal(kreloc_handoff_plan(&w.h, &w.p), KRELOC_E_INVAL);

	paged_world();
	kreloc_put_le64(initrd_table + 8 * 7, G1 + 256 * M1);	/* just past RAM */
	assert_int_equal(kreloc_handoff_plan(&w.h, &w.p), KRELOC_E_PAGES_NOT_RAM);
	assert_int_equal(w.alloc.calls, 0);

	paged_world();
	assert_int_equal(kreloc_memmap_add_nomap(&w.map, slot_of(3), K4), 0);
	assert_int_equal(kreloc_handoff_plan(&w.h, &w.p), KRELOC_E_PAGES_NOT_RAM);

	/*
	 * No-map memory in a free page beside the payload's last 64 KiB: the
	 * 64K tables leave that whole granule unmapped, and the trampoline
	 * would fault on the payload pages in it.  Classic mode reads them
	 * with the MMU off; 4K tables map them.
	 */
	for (unsigned int c = 0; c < 3; c++) {
		static const struct { unsigned int mode, shift; int want; } cases[] = {
			{ KRELOC_MODE_MMU, 16, KRELOC_E_PAGES_NOT_RAM },
			{ KRELOC_MODE_CLASSIC, 16, 0 }, { KRELOC_MODE_MMU, 12, 0 },
		};

		paged_world_at(cases[c].mode, cases[c].shift);
		assert_int_equal(kreloc_memmap_add_nomap(&w.map, PAGES_AT + 252 * K4, K4), 0);
		assert_int_equal(kreloc_handoff_plan(&w.h, &w.p), cases[c].want);
	}
}

static unsigned int blocks_calls;

static void counting_blocks(uint32_t h[8], const uint8_t *data, size_t nblocks)
{
	blocks_calls++;
	kreloc_sha256_blocks(h, data, nblocks);
}

/* The next tree's digest goes through the embedder's block function when it gives one. */
static void test_fdt_digest_blocks(void **state)
{
	uint8_t md[KRELOC_SHA256_SIZE];

	(void)state;
	paged_world();
	blocks_calls = 0;
	w.h.sha256_blocks = counting_blocks;
	assert_int_equal(kreloc_handoff_plan(&w.h, &w.p), 0);
	assert_true(blocks_calls > 0);
	kreloc_sha256(w.p.fdt_buf, w.h.fdt_size, md);
	assert_memory_equal(w.h.fdt_sha256, md, sizeof(md));
	assert_ptr_equal(w.h.seg_sha256[w.h.nr_segs - 1], w.h.fdt_sha256);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_paged_handoff, teardown),
		cmocka_unit_test_teardown(test_paged_flipped_byte, teardown),
		cmocka_unit_test_teardown(test_paged_refused, teardown),
		cmocka_unit_test_teardown(test_fdt_digest_blocks, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
