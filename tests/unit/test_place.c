// SPDX-License-Identifier: MIT
/*
 * test_place.c - destinations for kernel, initrd and DTB (place.c): low and
 * high placement, Images without the anywhere flag, text_offset, reserved
 * ranges, the initrd's 32 GiB window with RAM split wider than it, lack of
 * room, oversized DTBs, and random maps checked against the rules and a
 * brute-force search.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <kreloc/error.h>
#include <kreloc/place.h>

#define K4	0x1000ULL
#define M1	0x100000ULL
#define M2	0x200000ULL
#define G1	0x40000000ULL

static struct kreloc_memmap map;
static struct kreloc_image_info img;

/* Debian 6.1 cloud kernel: text_offset 0, image_size 0x1ab0000, 4K, anywhere. */
static int setup(void **state)
{
	(void)state;
	kreloc_memmap_init(&map);
	memset(&img, 0, sizeof(img));
	img.text_offset = 0;
	img.image_size = 0x1ab0000;
	img.file_size = 27302400;
	img.flags = 0xa;
	img.page_shift = 12;
	img.anywhere = true;
	return 0;
}

static void add_ram(uint64_t base, uint64_t size)
{
	assert_int_equal(kreloc_memmap_add_ram(&map, base, size), 0);
}

static void add_res(uint64_t base, uint64_t size)
{
	assert_int_equal(kreloc_memmap_add_reserved(&map, base, size), 0);
}

/* Every rule of place.h, checked on a successful placement. */
static void check_rules(const struct kreloc_placement *p, uint64_t isize, uint64_t dsize)
{
	uint64_t kend = p->kernel_load + p->kernel_size;
	uint64_t ws = KRELOC_ALIGN_DOWN(p->kernel_base, G1);

	assert_int_equal(p->kernel_base % M2, 0);
	assert_int_equal(p->kernel_load, p->kernel_base + img.text_offset);
	assert_int_equal(p->kernel_size, KRELOC_ALIGN_UP(img.image_size, K4));
	assert_true(kreloc_memmap_is_free(&map, p->kernel_base, kend - p->kernel_base));
	if (img.anywhere)
		assert_true(kend <= 1ULL << 48);

	if (isize) {
		assert_int_equal(p->initrd.base % K4, 0);
		assert_int_equal(p->initrd.size, KRELOC_ALIGN_UP(isize, K4));
		assert_true(kreloc_memmap_is_free(&map, p->initrd.base, p->initrd.size));
		assert_true(p->initrd.base >= ws);
		assert_true(p->initrd.base + p->initrd.size <= ws + KRELOC_INITRD_WINDOW);
		assert_false(kreloc_ranges_overlap(p->initrd.base, p->initrd.size,
						   p->kernel_base, kend - p->kernel_base));
		if (!img.anywhere)
			assert_true(p->initrd.base >= kend);
	} else {
		assert_int_equal(p->initrd.base, 0);
		assert_int_equal(p->initrd.size, 0);
	}
	if (dsize) {
		assert_int_equal(p->dtb.base % M2, 0);
		assert_int_equal(p->dtb.size, KRELOC_ALIGN_UP(dsize, K4));
		assert_true(p->dtb.size <= M2);
		assert_true(kreloc_memmap_is_free(&map, p->dtb.base, p->dtb.size));
		assert_false(kreloc_ranges_overlap(p->dtb.base, p->dtb.size, p->kernel_base,
						   kend - p->kernel_base));
		assert_false(kreloc_ranges_overlap(p->dtb.base, p->dtb.size, p->initrd.base,
						   p->initrd.size));
		if (!img.anywhere)
			assert_true(p->dtb.base >= kend);
		if (img.legacy)
			assert_true(p->dtb.base + p->dtb.size <= p->kernel_base + 512 * M1);
	} else {
		assert_int_equal(p->dtb.base, 0);
		assert_int_equal(p->dtb.size, 0);
	}
}

static void place_ok(uint64_t isize, uint64_t dsize, bool high, struct kreloc_placement *p)
{
	memset(p, 0xee, sizeof(*p));
	assert_int_equal(kreloc_place(&map, &img, isize, dsize, high, p), 0);
	check_rules(p, isize, dsize);
}

/* Placement must fail with @want and leave @out untouched. */
static void place_fail(uint64_t isize, uint64_t dsize, bool high, int want)
{
	struct kreloc_placement p, before;

	memset(&p, 0x5a, sizeof(p));
	before = p;
	assert_int_equal(kreloc_place(&map, &img, isize, dsize, high, &p), want);
	assert_memory_equal(&p, &before, sizeof(p));
}

/* QEMU virt: 2 GiB at 1 GiB. */
static void test_low(void **state)
{
	struct kreloc_placement p;

	(void)state;
	add_ram(G1, 2 * G1);
	place_ok(5 * M1 + 123, M1, false, &p);
	assert_int_equal(p.kernel_base, G1);
	assert_int_equal(p.kernel_load, G1);
	assert_int_equal(p.kernel_size, 0x1ab0000);
	assert_int_equal(p.initrd.base, G1 + 0x1ab0000);	/* right after the kernel */
	assert_int_equal(p.initrd.size, 5 * M1 + K4);
	assert_int_equal(p.dtb.base, G1 + 16 * M2);		/* next free 2 MiB slot */
	assert_int_equal(p.dtb.size, M1);

	/* no initrd, no DTB */
	place_ok(0, 0, false, &p);
	assert_int_equal(p.kernel_base, G1);
}

static void test_high(void **state)
{
	struct kreloc_placement p;

	(void)state;
	add_ram(G1, 2 * G1);
	place_ok(5 * M1 + 123, M1, true, &p);
	assert_int_equal(p.kernel_base, 3 * G1 - 0x1c00000);
	/* 1.3 MiB above the kernel is too little: the initrd ends at the kernel */
	assert_int_equal(p.initrd.base, p.kernel_base - 5 * M1 - K4);
	/* the highest 2 MiB slot clear of both */
	assert_int_equal(p.dtb.base, 0xbdc00000);

	/* high ignored without the anywhere flag */
	img.anywhere = false;
	img.flags = 0x2;
	place_ok(5 * M1 + 123, M1, true, &p);
	assert_int_equal(p.kernel_base, G1);
	assert_int_equal(p.initrd.base, G1 + 0x1ab0000);
	assert_int_equal(p.dtb.base, G1 + 16 * M2);
}

/* An Image without the anywhere flag keeps initrd and DTB above itself. */
static void test_not_anywhere(void **state)
{
	struct kreloc_placement p;

	(void)state;
	img.anywhere = false;
	add_ram(G1, 64 * M1);
	add_ram(G1 + 128 * M1, 4 * M1);
	/* low hole [G1+64M, G1+128M) aside, the kernel is lowest */
	place_ok(M1, 4 * K4, false, &p);
	assert_int_equal(p.kernel_base, G1);
	assert_true(p.initrd.base >= G1 + 0x1ab0000);
	/* only room below the kernel: anywhere Images may use it, others may not */
	setup(NULL);
	img.anywhere = false;
	add_ram(G1, 4 * M1);			/* too small for the kernel */
	add_ram(G1 + 64 * M1, 0x1ab0000);	/* kernel exactly fits, nothing above */
	place_fail(M1, 0, false, KRELOC_E_INITRD_WINDOW);
	place_fail(0, 4 * K4, false, KRELOC_E_NO_ROOM);
	img.anywhere = true;
	place_ok(M1, 4 * K4, false, &p);
	assert_int_equal(p.kernel_base, G1 + 64 * M1);
	assert_int_equal(p.initrd.base, G1);
	assert_int_equal(p.dtb.base, G1 + M2);
}

static void test_text_offset(void **state)
{
	struct kreloc_placement p;

	(void)state;
	img.text_offset = 0x80000;
	img.image_size = 0x1000000;
	img.anywhere = false;
	add_ram(G1, G1);
	place_ok(0, 0, false, &p);
	assert_int_equal(p.kernel_base, G1);
	assert_int_equal(p.kernel_load, G1 + 0x80000);
	assert_int_equal(p.kernel_size, 0x1000000);
	/* the gap below the load address must be free too */
	add_res(G1 + 0x7f000, K4);
	place_ok(0, 0, false, &p);
	assert_int_equal(p.kernel_base, G1 + M2);
	assert_int_equal(p.kernel_load, G1 + M2 + 0x80000);
	/* image_size not a page multiple is rounded */
	img.image_size = 0x1000001;
	place_ok(0, 0, false, &p);
	assert_int_equal(p.kernel_size, 0x1001000);
}

static void test_reserved_in_the_way(void **state)
{
	struct kreloc_placement p;

	(void)state;
	add_ram(G1, G1);
	add_res(G1, M1);			/* firmware at the bottom */
	add_res(G1 + 0x1000000, K4);		/* one page at 16 MiB */
	place_ok(0, 0, false, &p);
	assert_int_equal(p.kernel_base, G1 + 0x1000000 + M2);
	/* initrd and DTB go around reserved pages too */
	add_res(G1 + 0x1200000 + 0x1ab0000, K4);
	place_ok(2 * M1, M1, false, &p);
	assert_int_equal(p.initrd.base, G1 + 0x1200000 + 0x1ab0000 + K4);
	/* the DTB: first 2 MiB slot after the kernel clear of the initrd */
	assert_int_equal(p.dtb.base, G1 + 0x3000000);
}

/* RAM split wider than 32 GiB: the kernel moves to where the initrd can follow. */
static void test_initrd_window_split(void **state)
{
	struct kreloc_placement p;

	(void)state;
	add_ram(G1, 64 * M1);
	add_ram(40 * G1, G1);
	place_ok(100 * M1, 64 * K4, false, &p);
	assert_int_equal(p.kernel_base, 40 * G1);
	assert_int_equal(p.initrd.base, 40 * G1 + 0x1ab0000);
	/* without anywhere there is no second chance */
	img.anywhere = false;
	place_fail(100 * M1, 64 * K4, false, KRELOC_E_INITRD_WINDOW);
	/* a small initrd still fits next to the low kernel */
	place_ok(M1, 64 * K4, false, &p);
	assert_int_equal(p.kernel_base, G1);

	/* second bank inside the window: kernel low, initrd far up */
	setup(NULL);
	add_ram(G1, 64 * M1);
	add_ram(20 * G1, G1);
	place_ok(100 * M1, 64 * K4, false, &p);
	assert_int_equal(p.kernel_base, G1);
	assert_int_equal(p.initrd.base, 20 * G1);
	assert_int_equal(p.dtb.base, G1 + 0x1c00000);

	/* bank beyond the window's end (33 GiB) cannot take it */
	setup(NULL);
	add_ram(G1, 64 * M1);
	add_ram(33 * G1 - 50 * M1, G1);		/* straddles the window end */
	place_ok(100 * M1, 0, false, &p);
	assert_true(p.kernel_base >= 33 * G1 - 50 * M1);	/* kernel had to move */

	/* high: top bank too small for the initrd, falls back to a lower window */
	setup(NULL);
	add_ram(G1, G1);
	add_ram(40 * G1, 64 * M1);
	place_ok(100 * M1, 64 * K4, true, &p);
	assert_true(p.kernel_base < 2 * G1);
	assert_true(p.initrd.base < 2 * G1);
	assert_int_equal(p.kernel_base, 2 * G1 - 0x1c00000);
}

static void test_no_room(void **state)
{
	(void)state;
	place_fail(0, 0, false, KRELOC_E_NO_ROOM);	/* no RAM at all */
	add_ram(G1, 16 * M1);
	add_ram(G1 + 32 * M1, 16 * M1);
	place_fail(0, 0, false, KRELOC_E_NO_ROOM);
	place_fail(0, 0, true, KRELOC_E_NO_ROOM);
	/* reserved ranges make an otherwise large bank useless */
	setup(NULL);
	add_ram(G1, G1);
	for (uint64_t a = G1 + 16 * M1; a < 2 * G1; a += 16 * M1)
		add_res(a, K4);
	place_fail(0, 0, false, KRELOC_E_NO_ROOM);
	/* kernel fits, initrd does not */
	setup(NULL);
	add_ram(G1, 0x1ab0000);
	place_fail(K4, 0, false, KRELOC_E_INITRD_WINDOW);
	place_fail(KRELOC_INITRD_WINDOW + 1, 0, false, KRELOC_E_INITRD_WINDOW);
	place_fail(UINT64_MAX, 0, false, KRELOC_E_INITRD_WINDOW);
	/* kernel and initrd fit, the DTB does not */
	setup(NULL);
	add_ram(G1, 0x1ab0000 + M1);
	place_fail(M1, K4, false, KRELOC_E_NO_ROOM);
	place_fail(M1, K4, true, KRELOC_E_NO_ROOM);
}

static void test_dtb_size(void **state)
{
	struct kreloc_placement p;

	(void)state;
	add_ram(G1, G1);
	place_fail(0, M2 + 1, false, KRELOC_E_FDT_TOO_LARGE);
	place_fail(0, UINT64_MAX, false, KRELOC_E_FDT_TOO_LARGE);
	place_ok(0, M2, false, &p);
	assert_int_equal(p.dtb.size, M2);
	place_ok(0, 1, false, &p);
	assert_int_equal(p.dtb.size, K4);
}

static void test_legacy_dtb_reach(void **state)
{
	struct kreloc_placement p;

	(void)state;
	img.legacy = true;
	img.anywhere = false;
	img.flags = 0;
	img.text_offset = 0x80000;
	img.image_size = 0x1000000 + 32 * M1;
	add_ram(G1, 0x80000 + img.image_size);		/* kernel exactly */
	add_ram(G1 + 600 * M1, G1);			/* beyond 512 MiB */
	place_fail(0, K4, false, KRELOC_E_NO_ROOM);
	add_ram(G1 + 500 * M1, 4 * M1);
	place_ok(0, K4, false, &p);
	assert_int_equal(p.dtb.base, G1 + 500 * M1);
	/* the initrd has no such limit */
	place_ok(M1, K4, false, &p);
	assert_int_equal(p.initrd.base, G1 + 500 * M1);
	assert_int_equal(p.dtb.base, G1 + 502 * M1);
}

static void test_pa_limit(void **state)
{
	struct kreloc_placement p;

	(void)state;
	add_ram((1ULL << 48) - G1, 2 * G1);
	place_ok(0, 0, true, &p);
	assert_int_equal(p.kernel_base, (1ULL << 48) - 0x1c00000);
	setup(NULL);
	add_ram(1ULL << 48, G1);
	place_fail(0, 0, false, KRELOC_E_NO_ROOM);
	img.anywhere = false;			/* lowest-in-RAM kernels are not limited */
	place_ok(0, 0, false, &p);
	assert_int_equal(p.kernel_base, 1ULL << 48);
}

static void test_invalid(void **state)
{
	struct kreloc_placement p;

	(void)state;
	add_ram(G1, G1);
	assert_int_equal(kreloc_place(NULL, &img, 0, 0, false, &p), KRELOC_E_INVAL);
	assert_int_equal(kreloc_place(&map, NULL, 0, 0, false, &p), KRELOC_E_INVAL);
	assert_int_equal(kreloc_place(&map, &img, 0, 0, false, NULL), KRELOC_E_INVAL);
	img.image_size = 0;
	place_fail(0, 0, false, KRELOC_E_INVAL);
	img.image_size = KRELOC_IMAGE_MAX_SIZE + 1;
	place_fail(0, 0, false, KRELOC_E_INVAL);
	img.image_size = 0x1ab0000;
	img.text_offset = M2;
	place_fail(0, 0, false, KRELOC_E_INVAL);
	img.text_offset = 0x800;
	place_fail(0, 0, false, KRELOC_E_INVAL);
}

/*
 * Random maps: every success obeys the rules; with no initrd or DTB the
 * kernel is exactly the lowest (or highest) fitting base a brute-force scan
 * finds; with them, a failure of the kernel alone is never reported when the
 * scan finds a kernel spot.
 */
static void test_random(void **state)
{
	unsigned int seed = 4242;

	(void)state;
	for (int iter = 0; iter < 400; iter++) {
		struct kreloc_placement p;
		uint64_t isize, dsize, want = 0, foot;
		bool high, found = false;
		int err;

		setup(NULL);
		for (int i = 0, n = 1 + rand_r(&seed) % 4; i < n; i++)
			kreloc_memmap_add_ram(&map, (uint64_t)(rand_r(&seed) % 64) * 256 * M1,
					      (uint64_t)(1 + rand_r(&seed) % 256) * 4 * M1);
		for (int i = 0, n = rand_r(&seed) % 8; i < n; i++)
			kreloc_memmap_add_reserved(&map, (uint64_t)(rand_r(&seed) % 16384) * M1,
						   (uint64_t)(1 + rand_r(&seed) % 64) * K4 * 16);
		img.anywhere = rand_r(&seed) % 4 != 0;
		img.text_offset = rand_r(&seed) % 2 ? 0 : (uint64_t)(rand_r(&seed) % 512) * K4;
		img.image_size = (uint64_t)(1 + rand_r(&seed) % 64) * M1 - rand_r(&seed) % 100;
		high = rand_r(&seed) % 2;
		isize = rand_r(&seed) % 3 ? (uint64_t)(rand_r(&seed) % 200) * M1 + 1 : 0;
		dsize = rand_r(&seed) % 3 ? (uint64_t)(1 + rand_r(&seed) % 512) * K4 : 0;

		foot = img.text_offset + KRELOC_ALIGN_UP(img.image_size, K4);
		for (uint64_t b = 0; b + foot <= 17 * G1; b += M2) {
			if (!kreloc_memmap_is_free(&map, b, foot))
				continue;
			want = b;
			found = true;
			if (!(high && img.anywhere))
				break;
		}

		memset(&p, 0, sizeof(p));
		err = kreloc_place(&map, &img, isize, dsize, high, &p);
		if (err == 0)
			check_rules(&p, isize, dsize);
		if (!found) {
			assert_int_equal(err, KRELOC_E_NO_ROOM);
			continue;
		}
		if (!isize && !dsize) {
			assert_int_equal(err, 0);
			assert_int_equal(p.kernel_base, want);
		} else {
			assert_true(err == 0 || err == KRELOC_E_NO_ROOM ||
				    err == KRELOC_E_INITRD_WINDOW);
			if (err == 0 && !img.anywhere)
				assert_int_equal(p.kernel_base, want);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_low, setup),
		cmocka_unit_test_setup(test_high, setup),
		cmocka_unit_test_setup(test_not_anywhere, setup),
		cmocka_unit_test_setup(test_text_offset, setup),
		cmocka_unit_test_setup(test_reserved_in_the_way, setup),
		cmocka_unit_test_setup(test_initrd_window_split, setup),
		cmocka_unit_test_setup(test_no_room, setup),
		cmocka_unit_test_setup(test_dtb_size, setup),
		cmocka_unit_test_setup(test_legacy_dtb_reach, setup),
		cmocka_unit_test_setup(test_pa_limit, setup),
		cmocka_unit_test_setup(test_invalid, setup),
		cmocka_unit_test_setup(test_random, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
