// SPDX-License-Identifier: MIT
/*
 * test_segment.c - kreloc_segments_validate(), kreloc_segments_collide(),
 * kreloc_kimage_need(), kreloc_kimage_check_room().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <kreloc/error.h>
#include <kreloc/kimage.h>

#define K4	0x1000ULL
#define RAM0	0x40000000ULL		/* 1 GiB bank at 1 GiB */
#define RAM1	0x880000000ULL		/* 2 GiB bank above 4 GiB */
#define RSV	0x48000000ULL		/* 1 MiB reserved inside RAM0 */

static const uint8_t data[3 * 4096];

static void map_init(struct kreloc_memmap *m)
{
	kreloc_memmap_init(m);
	assert_int_equal(kreloc_memmap_add_ram(m, RAM0, 1ULL << 30), 0);
	assert_int_equal(kreloc_memmap_add_ram(m, RAM1, 2ULL << 30), 0);
	assert_int_equal(kreloc_memmap_add_reserved(m, RSV, 1ULL << 20), 0);
}

static struct kreloc_segment seg(uint64_t dest, uint64_t bufsz, uint64_t memsz)
{
	struct kreloc_segment s = { .buf = bufsz ? data : NULL, .bufsz = bufsz,
				    .dest = dest, .memsz = memsz };
	return s;
}

static void test_valid(void **state)
{
	struct kreloc_memmap m;
	struct kreloc_segment s[KRELOC_MAX_SEGMENTS];

	(void)state;
	map_init(&m);
	assert_int_equal(kreloc_segments_validate(&m, NULL, 0), 0);
	/* Sixteen segments, touching but not overlapping, tails and bufsz 0 included. */
	for (unsigned int i = 0; i < KRELOC_MAX_SEGMENTS; i++)
		s[i] = seg(RAM0 + i * 2 * K4, i % 3 * 0x800, 2 * K4);
	assert_int_equal(kreloc_segments_validate(&m, s, KRELOC_MAX_SEGMENTS), 0);
	/* Ends exactly at the end of a bank and right against a reserved range. */
	s[0] = seg(RAM1 + (2ULL << 30) - K4, 4096, K4);
	s[1] = seg(RSV - K4, 1, K4);
	s[2] = seg(RSV + (1ULL << 20), 0, K4);
	assert_int_equal(kreloc_segments_validate(&m, s, 3), 0);
}

static void test_inval(void **state)
{
	struct kreloc_memmap m;
	struct kreloc_segment s[KRELOC_MAX_SEGMENTS + 1];

	(void)state;
	map_init(&m);
	for (unsigned int i = 0; i <= KRELOC_MAX_SEGMENTS; i++)
		s[i] = seg(RAM0 + i * K4, 0, K4);
	assert_int_equal(kreloc_segments_validate(NULL, s, 1), KRELOC_E_INVAL);
	assert_int_equal(kreloc_segments_validate(&m, NULL, 1), KRELOC_E_INVAL);
	assert_int_equal(kreloc_segments_validate(&m, s, KRELOC_MAX_SEGMENTS + 1),
			 KRELOC_E_INVAL);
	s[0].bufsz = 10;	/* data without a buffer */
	s[0].buf = NULL;
	assert_int_equal(kreloc_segments_validate(&m, s, 1), KRELOC_E_INVAL);
}

static void test_align(void **state)
{
	struct kreloc_memmap m;
	struct kreloc_segment s;

	(void)state;
	map_init(&m);
	s = seg(RAM0 + 0x800, 0, K4);
	assert_int_equal(kreloc_segments_validate(&m, &s, 1), KRELOC_E_SEG_ALIGN);
	s = seg(RAM0, 0x10, 0x1800);
	assert_int_equal(kreloc_segments_validate(&m, &s, 1), KRELOC_E_SEG_ALIGN);
	s = seg(RAM0 + 8, 0, 0);	/* alignment is checked before size */
	assert_int_equal(kreloc_segments_validate(&m, &s, 1), KRELOC_E_SEG_ALIGN);
}

static void test_size(void **state)
{
	struct kreloc_memmap m;
	struct kreloc_segment s;

	(void)state;
	map_init(&m);
	s = seg(RAM0, 0, 0);
	assert_int_equal(kreloc_segments_validate(&m, &s, 1), KRELOC_E_SEG_SIZE);
	s = seg(RAM0, K4 + 1, K4);
	assert_int_equal(kreloc_segments_validate(&m, &s, 1), KRELOC_E_SEG_SIZE);
	s = seg(0xfffffffffffff000ULL, 0, K4);	/* end would be exactly 2^64 */
	assert_int_equal(kreloc_segments_validate(&m, &s, 1), KRELOC_E_SEG_SIZE);
	s = seg(0xffffffff00000000ULL, 0, 0x200000000ULL);	/* wraps */
	assert_int_equal(kreloc_segments_validate(&m, &s, 1), KRELOC_E_SEG_SIZE);
}

static void test_not_ram(void **state)
{
	struct kreloc_memmap m;
	struct kreloc_segment s;

	(void)state;
	map_init(&m);
	s = seg(0, 0, K4);					/* below RAM */
	assert_int_equal(kreloc_segments_validate(&m, &s, 1), KRELOC_E_SEG_NOT_RAM);
	s = seg(RAM0 + (1ULL << 30) - K4, 0, 2 * K4);		/* runs off the bank */
	assert_int_equal(kreloc_segments_validate(&m, &s, 1), KRELOC_E_SEG_NOT_RAM);
	s = seg(RAM0 + (1ULL << 30), 0, K4);			/* in the hole */
	assert_int_equal(kreloc_segments_validate(&m, &s, 1), KRELOC_E_SEG_NOT_RAM);
	s = seg(1ULL << 48, 0, K4);
	assert_int_equal(kreloc_segments_validate(&m, &s, 1), KRELOC_E_SEG_NOT_RAM);
}

static void test_reserved(void **state)
{
	struct kreloc_memmap m;
	struct kreloc_segment s;

	(void)state;
	map_init(&m);
	s = seg(RSV, 0, K4);
	assert_int_equal(kreloc_segments_validate(&m, &s, 1), KRELOC_E_SEG_RESERVED);
	s = seg(RSV - K4, 0, 2 * K4);				/* last page touches it */
	assert_int_equal(kreloc_segments_validate(&m, &s, 1), KRELOC_E_SEG_RESERVED);
	s = seg(RSV - K4, 0, 0x200000);				/* covers it whole */
	assert_int_equal(kreloc_segments_validate(&m, &s, 1), KRELOC_E_SEG_RESERVED);
	/* A reserved range that is not page aligned still blocks its page. */
	assert_int_equal(kreloc_memmap_add_reserved(&m, RAM1 + 0x10, 8), 0);
	s = seg(RAM1, 0, K4);
	assert_int_equal(kreloc_segments_validate(&m, &s, 1), KRELOC_E_SEG_RESERVED);
}

/* A destination over no-map memory is refused as such, before the reserved check. */
static void test_nomap(void **state)
{
	struct kreloc_memmap m;
	struct kreloc_segment s;

	(void)state;
	map_init(&m);
	assert_int_equal(kreloc_memmap_add_nomap(&m, RAM1 + 0x10000, 0x3000), 0);
	assert_true(kreloc_memmap_is_reserved(&m, RAM1 + 0x10000, K4));
	s = seg(RAM1 + 0x12000, 0, K4);
	assert_int_equal(kreloc_segments_validate(&m, &s, 1), KRELOC_E_SEG_NOMAP);
	s = seg(RAM1 + 0x8000, 0, 0x10000);			/* covers it whole */
	assert_int_equal(kreloc_segments_validate(&m, &s, 1), KRELOC_E_SEG_NOMAP);
	s = seg(RAM1 + 0x13000, 0, K4);				/* just past it */
	assert_int_equal(kreloc_segments_validate(&m, &s, 1), 0);
	assert_int_equal(KRELOC_E_SEG_NOMAP, -47);
	assert_string_equal(kreloc_errname(KRELOC_E_SEG_NOMAP), "E_SEG_NOMAP");
	assert_string_equal(kreloc_strerror(KRELOC_E_SEG_NOMAP),
			    "segment destination overlaps a no-map reserved region");
}

static void test_overlap(void **state)
{
	struct kreloc_memmap m;
	struct kreloc_segment s[3];

	(void)state;
	map_init(&m);
	s[0] = seg(RAM0, 0, 4 * K4);
	s[1] = seg(RAM1, 0, K4);
	s[2] = seg(RAM0 + 3 * K4, 0, K4);			/* last page of s[0] */
	assert_int_equal(kreloc_segments_validate(&m, s, 3), KRELOC_E_SEG_OVERLAP);
	s[2] = seg(RAM0, 0, K4);				/* identical start */
	assert_int_equal(kreloc_segments_validate(&m, s, 3), KRELOC_E_SEG_OVERLAP);
	s[2] = seg(RAM1, 0, K4);				/* duplicate of s[1] */
	assert_int_equal(kreloc_segments_validate(&m, s, 3), KRELOC_E_SEG_OVERLAP);
	s[2] = seg(RAM0 + 4 * K4, 0, K4);			/* touching is fine */
	assert_int_equal(kreloc_segments_validate(&m, s, 3), 0);
	/* Errors are reported in segment order: a bad later shape wins over nothing. */
	s[2] = seg(RAM0 + 4 * K4, 0, 0);
	assert_int_equal(kreloc_segments_validate(&m, s, 3), KRELOC_E_SEG_SIZE);
}

static void test_collide(void **state)
{
	struct kreloc_segment s[2] = { seg(RAM0, 0, 2 * K4), seg(RAM1, 0, K4) };

	(void)state;
	assert_true(kreloc_segments_collide(s, 2, RAM0, K4));
	assert_true(kreloc_segments_collide(s, 2, RAM0 + K4, K4));
	assert_false(kreloc_segments_collide(s, 2, RAM0 + 2 * K4, K4));
	assert_false(kreloc_segments_collide(s, 2, RAM0 - K4, K4));
	assert_true(kreloc_segments_collide(s, 2, RAM0 - K4, 0x4000));	/* a 16K block */
	assert_true(kreloc_segments_collide(s, 2, RAM1, 0x10000));
	assert_false(kreloc_segments_collide(s, 0, RAM0, K4));
	assert_true(kreloc_segments_collide(s, 0, 0xfffffffffffff000ULL, 0x2000)); /* wraps */
}

static void test_need(void **state)
{
	struct kreloc_kimage_need nd;
	struct kreloc_segment s[3];

	(void)state;
	assert_int_equal(kreloc_kimage_need(NULL, 0, &nd), 0);
	assert_int_equal(nd.dest_pages, 0);
	assert_int_equal(nd.list_pages, 1);	/* DONE alone */
	assert_int_equal(nd.safe_pages, 1);

	s[0] = seg(RAM0, 0x2801, 5 * K4);	/* 3 data pages, 2 zero pages */
	s[1] = seg(RAM1, 2 * K4, 2 * K4);	/* 2 data pages, no tail */
	assert_int_equal(kreloc_kimage_need(s, 2, &nd), 0);
	assert_int_equal(nd.dest_pages, 7);
	assert_int_equal(nd.data_pages, 5);
	assert_int_equal(nd.zero_pages, 1);
	assert_int_equal(nd.list_pages, 1);
	assert_int_equal(nd.safe_pages, 7);
	assert_int_equal(kreloc_kimage_need(&s[1], 1, &nd), 0);
	assert_int_equal(nd.zero_pages, 0);

	/* 1 DESTINATION + 510 SOURCE = 511 entries: one page, DONE in the last slot. */
	s[0] = seg(RAM0, 0, 510 * K4);
	assert_int_equal(kreloc_kimage_need(s, 1, &nd), 0);
	assert_int_equal(nd.list_pages, 1);
	s[0].memsz = 511 * K4;
	assert_int_equal(kreloc_kimage_need(s, 1, &nd), 0);
	assert_int_equal(nd.list_pages, 2);
	s[0].memsz = 1ULL << 30;		/* 262144 + 1 entries */
	assert_int_equal(kreloc_kimage_need(s, 1, &nd), 0);
	assert_int_equal(nd.list_pages, (262145 + 510) / 511);
	assert_int_equal(nd.safe_pages, 1 + nd.list_pages);

	assert_int_equal(kreloc_kimage_need(s, 1, NULL), KRELOC_E_INVAL);
	assert_int_equal(kreloc_kimage_need(NULL, 1, &nd), KRELOC_E_INVAL);
	assert_int_equal(kreloc_kimage_need(s, KRELOC_MAX_SEGMENTS + 1, &nd), KRELOC_E_INVAL);
}

static void test_check_room(void **state)
{
	struct kreloc_memmap m;
	struct kreloc_segment s[2];

	(void)state;
	kreloc_memmap_init(&m);
	/* 16 pages of RAM, 2 reserved pages (one range unaligned, rounding to 2 pages). */
	assert_int_equal(kreloc_memmap_add_ram(&m, RAM0, 16 * K4), 0);
	assert_int_equal(kreloc_memmap_add_reserved(&m, RAM0 + 0x800, 0x1000), 0);
	/* A second reserved range sharing a page with the first after rounding. */
	assert_int_equal(kreloc_memmap_add_reserved(&m, RAM0 + 0x1900, 0x10), 0);
	/* ... and one outside RAM, which costs nothing. */
	assert_int_equal(kreloc_memmap_add_reserved(&m, RAM1, K4), 0);
	/* Free: 14 pages.  Segment: 4 dest pages, 2 data + zero page + 1 list = 4 safe. */
	s[0] = seg(RAM0 + 4 * K4, 0x1800, 4 * K4);
	assert_int_equal(kreloc_segments_validate(&m, s, 1), 0);
	assert_int_equal(kreloc_kimage_check_room(&m, s, 1, 0), 0);
	assert_int_equal(kreloc_kimage_check_room(&m, s, 1, 6), 0);		/* 14-4-4 = 6 */
	assert_int_equal(kreloc_kimage_check_room(&m, s, 1, 7), KRELOC_E_NOMEM);
	/* Five more destination pages; the zero page is shared. */
	s[1] = seg(RAM0 + 8 * K4, 0, 5 * K4);	/* 5 dest pages, zero page shared */
	assert_int_equal(kreloc_kimage_check_room(&m, s, 2, 1), 0);		/* 14-9-4 = 1 */
	assert_int_equal(kreloc_kimage_check_room(&m, s, 2, 2), KRELOC_E_NOMEM);
	assert_int_equal(kreloc_kimage_check_room(NULL, s, 2, 0), KRELOC_E_INVAL);
	assert_int_equal(kreloc_kimage_check_room(&m, NULL, 2, 0), KRELOC_E_INVAL);
	/* Big numbers do not wrap. */
	assert_int_equal(kreloc_kimage_check_room(&m, s, 2, UINT64_MAX), KRELOC_E_NOMEM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_inval),
		cmocka_unit_test(test_align),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_not_ram),
		cmocka_unit_test(test_reserved),
		cmocka_unit_test(test_nomap),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_collide),
		cmocka_unit_test(test_need),
		cmocka_unit_test(test_check_room),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
