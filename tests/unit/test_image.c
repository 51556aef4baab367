// SPDX-License-Identifier: MIT
/*
 * test_image.c - arm64 Image header parsing (image.c).
 *
 * The fixture is the first 64 bytes of Debian's vmlinuz-6.1.0-56-cloud-arm64
 * (a 27302400-byte Image): text_offset 0, image_size 0x1ab0000, flags 0xa.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <kreloc/error.h>
#include <kreloc/image.h>

static const uint8_t debian_hdr[64] = {
	0x4d, 0x5a, 0x40, 0xfa, 0x46, 0x63, 0x4e, 0x14, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xab, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x41, 0x52, 0x4d, 0x64,
	0x40, 0x00, 0x00, 0x00,
};
#define DEBIAN_FILE_SIZE 27302400ULL

static uint8_t hdr[64];

static int setup(void **state)
{
	(void)state;
	memcpy(hdr, debian_hdr, sizeof(hdr));
	return 0;
}

static void set_field(unsigned int off, uint64_t v)
{
	kreloc_put_le64(hdr + off, v);
}

/* Parse must fail with @want and leave @info untouched. */
static void expect_fail(uint64_t len, int want)
{
	struct kreloc_image_info info, before;

	memset(&info, 0x77, sizeof(info));
	before = info;
	assert_int_equal(kreloc_image_parse(hdr, len, &info), want);
	assert_memory_equal(&info, &before, sizeof(info));
}

static void test_debian(void **state)
{
	struct kreloc_image_info info;
	uint8_t *exact = malloc(64);	/* ASan: any read past 64 bytes is caught */

	(void)state;
	assert_non_null(exact);
	memcpy(exact, debian_hdr, 64);
	assert_int_equal(kreloc_image_parse(exact, DEBIAN_FILE_SIZE, &info), 0);
	assert_int_equal(info.text_offset, 0);
	assert_int_equal(info.image_size, 0x1ab0000);
	assert_int_equal(info.file_size, DEBIAN_FILE_SIZE);
	assert_int_equal(info.flags, 0xa);
	assert_int_equal(info.page_shift, 12);
	assert_true(info.anywhere);
	assert_false(info.legacy);
	free(exact);
}

static void test_null_args(void **state)
{
	struct kreloc_image_info info;

	(void)state;
	assert_int_equal(kreloc_image_parse(NULL, 64, &info), KRELOC_E_INVAL);
	assert_int_equal(kreloc_image_parse(hdr, 64, NULL), KRELOC_E_INVAL);
}

static void test_truncated(void **state)
{
	(void)state;
	for (uint64_t len = 0; len < 64; len++)
		expect_fail(len, KRELOC_E_IMAGE_TRUNCATED);
}

static void test_magic(void **state)
{
	(void)state;
	for (unsigned int i = 56; i < 60; i++) {
		setup(NULL);
		hdr[i] ^= 0x20;
		expect_fail(DEBIAN_FILE_SIZE, KRELOC_E_IMAGE_MAGIC);
	}
	/* magic is checked before anything else after the length */
	setup(NULL);
	memset(hdr + 56, 0, 4);
	set_field(24, ~0ULL);
	expect_fail(DEBIAN_FILE_SIZE, KRELOC_E_IMAGE_MAGIC);
	/* the PE offset at 60 is not part of the magic */
	setup(NULL);
	hdr[60] = 0;
	struct kreloc_image_info info;

	assert_int_equal(kreloc_image_parse(hdr, DEBIAN_FILE_SIZE, &info), 0);
}

static void test_big_endian(void **state)
{
	(void)state;
	set_field(24, 0xa | KRELOC_IMAGE_FLAG_BE);
	expect_fail(DEBIAN_FILE_SIZE, KRELOC_E_IMAGE_BIG_ENDIAN);
	set_field(24, KRELOC_IMAGE_FLAG_BE);
	expect_fail(DEBIAN_FILE_SIZE, KRELOC_E_IMAGE_BIG_ENDIAN);
}

static void test_page_sizes(void **state)
{
	static const unsigned int shift[4] = { 0, 12, 14, 16 };
	struct kreloc_image_info info;

	(void)state;
	for (uint64_t ps = 0; ps < 4; ps++) {
		for (uint64_t any = 0; any < 2; any++) {
			set_field(24, ps << 1 | any << 3);
			assert_int_equal(kreloc_image_parse(hdr, DEBIAN_FILE_SIZE, &info), 0);
			assert_int_equal(info.page_shift, shift[ps]);
			assert_int_equal(info.anywhere, any == 1);
			assert_int_equal(info.flags, ps << 1 | any << 3);
		}
	}
}

static void test_reserved_flags(void **state)
{
	(void)state;
	for (unsigned int bit = 4; bit < 64; bit++) {
		set_field(24, 0xa | 1ULL << bit);
		expect_fail(DEBIAN_FILE_SIZE, KRELOC_E_IMAGE_FLAGS);
	}
}

static void test_legacy(void **state)
{
	struct kreloc_image_info info;

	(void)state;
	set_field(16, 0);
	/* flags and text_offset of legacy headers are not trusted */
	set_field(24, 0xfffffffffffffff1ULL);
	set_field(8, 0x12345);
	assert_int_equal(kreloc_image_parse(hdr, 10 * 1024 * 1024 + 1, &info), 0);
	assert_true(info.legacy);
	assert_int_equal(info.text_offset, KRELOC_IMAGE_LEGACY_TEXT_OFFSET);
	assert_int_equal(info.flags, 0);
	assert_int_equal(info.page_shift, 0);
	assert_false(info.anywhere);
	assert_int_equal(info.file_size, 10 * 1024 * 1024 + 1);
	assert_int_equal(info.image_size,
			 10 * 1024 * 1024 + 4096 + KRELOC_IMAGE_LEGACY_SLACK);

	/* an exact multiple of 4K is not rounded further */
	assert_int_equal(kreloc_image_parse(hdr, 8192, &info), 0);
	assert_int_equal(info.image_size, 8192 + KRELOC_IMAGE_LEGACY_SLACK);

	/* absurd file size on a legacy header */
	expect_fail(KRELOC_IMAGE_MAX_SIZE + 1, KRELOC_E_IMAGE_SIZE);
	expect_fail(UINT64_MAX, KRELOC_E_IMAGE_SIZE);
	assert_int_equal(kreloc_image_parse(hdr, KRELOC_IMAGE_MAX_SIZE, &info), 0);
}

static void test_image_size(void **state)
{
	struct kreloc_image_info info;

	(void)state;
	/* image_size smaller than the file */
	expect_fail(0x1ab0001, KRELOC_E_IMAGE_SIZE);
	/* equal is fine */
	assert_int_equal(kreloc_image_parse(hdr, 0x1ab0000, &info), 0);
	assert_int_equal(info.image_size, 0x1ab0000);
	/* absurd */
	set_field(16, KRELOC_IMAGE_MAX_SIZE + 1);
	expect_fail(DEBIAN_FILE_SIZE, KRELOC_E_IMAGE_SIZE);
	set_field(16, UINT64_MAX);
	expect_fail(DEBIAN_FILE_SIZE, KRELOC_E_IMAGE_SIZE);
	set_field(16, KRELOC_IMAGE_MAX_SIZE);
	assert_int_equal(kreloc_image_parse(hdr, DEBIAN_FILE_SIZE, &info), 0);
	/* tiny Image, tiny image_size */
	set_field(16, 64);
	assert_int_equal(kreloc_image_parse(hdr, 64, &info), 0);
	expect_fail(65, KRELOC_E_IMAGE_SIZE);
}

static void test_text_offset(void **state)
{
	static const uint64_t good[] = { 0, 0x1000, 0x80000, 0x1ff000 };
	static const uint64_t bad[] = { 0x800, 0x80001, 0xfff, 0x200000, 0x201000,
					0x80000000ULL, UINT64_MAX, 1ULL << 63 };
	struct kreloc_image_info info;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		set_field(8, good[i]);
		assert_int_equal(kreloc_image_parse(hdr, DEBIAN_FILE_SIZE, &info), 0);
		assert_int_equal(info.text_offset, good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		set_field(8, bad[i]);
		expect_fail(DEBIAN_FILE_SIZE, KRELOC_E_IMAGE_TEXT_OFFSET);
	}
}

/* Documented order: BE, then reserved flags, then text_offset, then size. */
static void test_check_order(void **state)
{
	(void)state;
	set_field(24, KRELOC_IMAGE_FLAG_BE | 1ULL << 10);
	set_field(8, 1);
	set_field(16, 1);
	expect_fail(DEBIAN_FILE_SIZE, KRELOC_E_IMAGE_BIG_ENDIAN);
	set_field(24, 1ULL << 10);
	expect_fail(DEBIAN_FILE_SIZE, KRELOC_E_IMAGE_FLAGS);
	set_field(24, 0xa);
	expect_fail(DEBIAN_FILE_SIZE, KRELOC_E_IMAGE_TEXT_OFFSET);
	set_field(8, 0);
	expect_fail(DEBIAN_FILE_SIZE, KRELOC_E_IMAGE_SIZE);
}

static void test_check_cpu(void **state)
{
	struct kreloc_image_info info;
	const uint32_t all = 1U << 12 | 1U << 14 | 1U << 16;

	(void)state;
	assert_int_equal(kreloc_image_check_cpu(NULL, all), KRELOC_E_INVAL);
	for (unsigned int ps = 0; ps < 4; ps++) {
		unsigned int shift = ps ? 10 + 2 * ps : 0;

		set_field(24, (uint64_t)ps << 1 | KRELOC_IMAGE_FLAG_ANYWHERE);
		assert_int_equal(kreloc_image_parse(hdr, DEBIAN_FILE_SIZE, &info), 0);
		assert_int_equal(kreloc_image_check_cpu(&info, all), 0);
		if (!ps) {
			/* unspecified page size runs anywhere */
			assert_int_equal(kreloc_image_check_cpu(&info, 0), 0);
			continue;
		}
		assert_int_equal(kreloc_image_check_cpu(&info, 1U << shift), 0);
		assert_int_equal(kreloc_image_check_cpu(&info, all & ~(1U << shift)),
				 KRELOC_E_IMAGE_PAGE_SIZE);
		assert_int_equal(kreloc_image_check_cpu(&info, 0), KRELOC_E_IMAGE_PAGE_SIZE);
	}
	/* a corrupted info does not shift out of range */
	info.page_shift = 40;
	assert_int_equal(kreloc_image_check_cpu(&info, 0xffffffffU), KRELOC_E_IMAGE_PAGE_SIZE);
}

static void test_release(void **state)
{
	static const char img[] = "\x01\x02garbage Linux version %s (fmt)\0"
				  "Linux version \0"
				  "Linux version 6.1.0-56-cloud-arm64 (debian-kernel@lists.debian.org)";
	static const char at_end[] = "xxLinux version 5.10.0-rc1";
	char out[64];

	(void)state;
	memset(out, 'z', sizeof(out));
	assert_int_equal(kreloc_image_release(img, sizeof(img) - 1, out, sizeof(out)), 20);
	assert_string_equal(out, "6.1.0-56-cloud-arm64");

	/* word running to the end of the buffer */
	assert_int_equal(kreloc_image_release(at_end, strlen(at_end), out, sizeof(out)), 10);
	assert_string_equal(out, "5.10.0-rc1");

	/* output exactly big enough, then one byte short */
	assert_int_equal(kreloc_image_release(img, sizeof(img) - 1, out, 21), 20);
	assert_int_equal(kreloc_image_release(img, sizeof(img) - 1, out, 20), KRELOC_E_NOSPACE);
	assert_string_equal(out, "");

	/* banner cut off by @len */
	assert_int_equal(kreloc_image_release(img, sizeof(img) - 60, out, sizeof(out)),
			 KRELOC_E_INVAL);
	/* no banner at all; only the format string */
	assert_int_equal(kreloc_image_release(debian_hdr, 64, out, sizeof(out)), KRELOC_E_INVAL);
	assert_int_equal(kreloc_image_release(img, 40, out, sizeof(out)), KRELOC_E_INVAL);
	/* tag with nothing after it */
	assert_int_equal(kreloc_image_release("Linux version ", 14, out, sizeof(out)),
			 KRELOC_E_INVAL);
	assert_int_equal(kreloc_image_release("Linux version 1", 15, out, sizeof(out)), 1);
	assert_string_equal(out, "1");
	/* bad arguments */
	assert_int_equal(kreloc_image_release(NULL, 10, out, sizeof(out)), KRELOC_E_INVAL);
	assert_int_equal(kreloc_image_release(img, sizeof(img), NULL, 10), KRELOC_E_INVAL);
	assert_int_equal(kreloc_image_release(img, sizeof(img), out, 0), KRELOC_E_INVAL);
	assert_int_equal(kreloc_image_release(img, 0, out, sizeof(out)), KRELOC_E_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_debian, setup),
		cmocka_unit_test_setup(test_null_args, setup),
		cmocka_unit_test_setup(test_truncated, setup),
		cmocka_unit_test_setup(test_magic, setup),
		cmocka_unit_test_setup(test_big_endian, setup),
		cmocka_unit_test_setup(test_page_sizes, setup),
		cmocka_unit_test_setup(test_reserved_flags, setup),
		cmocka_unit_test_setup(test_legacy, setup),
		cmocka_unit_test_setup(test_image_size, setup),
		cmocka_unit_test_setup(test_text_offset, setup),
		cmocka_unit_test_setup(test_check_order, setup),
		cmocka_unit_test_setup(test_check_cpu, setup),
		cmocka_unit_test_setup(test_release, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
