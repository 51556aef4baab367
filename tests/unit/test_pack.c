// SPDX-License-Identifier: MIT
/*
 * test_pack.c - the bundle writer (tools/pack.c): layout as documented in
 * pack.h, nesting, empty command line, and every refusal with its culprit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bundle_fixture.h"

static void test_pack_layout(void **state)
{
	static const uint32_t order[] = { KRELOC_BUNDLE_IMAGE, KRELOC_BUNDLE_INITRD,
		KRELOC_BUNDLE_DTB, KRELOC_BUNDLE_CMDLINE, KRELOC_BUNDLE_PRESERVE,
		KRELOC_BUNDLE_PRESERVE };
	uint64_t prev_end = KRELOC_BUNDLE_HEADER_SIZE + 6 * KRELOC_BUNDLE_ENTRY_SIZE;

	(void)state;
	assert_memory_equal(res.buf, "KRELBNDL", 8);
	assert_int_equal(kreloc_le32(res.buf + 8), 1);
	assert_int_equal(kreloc_le32(res.buf + 12), 64);
	assert_int_equal(kreloc_le32(res.buf + 24), 6);
	assert_int_equal(kreloc_le32(res.buf + 28), 80);
	for (unsigned int i = 0; i < 6; i++) {
		const uint8_t *e = ENTRY(res.buf, i);
		uint64_t off = kreloc_le64(e + E_OFF), len = kreloc_le64(e + E_LEN);
		uint8_t md[32];

		assert_int_equal(kreloc_le32(e + E_TYPE), order[i]);
		assert_int_equal(kreloc_le32(e + E_FLAGS), 0);
		if (order[i] == KRELOC_BUNDLE_PRESERVE) {
			assert_int_equal(off, 0);
			assert_int_equal(len, 0);
			continue;
		}
		assert_int_equal(kreloc_le64(e + E_ALIGN),
				 order[i] == KRELOC_BUNDLE_CMDLINE ? 8 : 0x10000);
		assert_int_equal(off % kreloc_le64(e + E_ALIGN), 0);
		assert_true(off >= prev_end);
		assert_true(off - prev_end < kreloc_le64(e + E_ALIGN));	/* tight packing */
		prev_end = off + len;
		kreloc_sha256(res.buf + off, len, md);
		assert_memory_equal(md, e + E_SHA, 32);
	}
	assert_int_equal(prev_end, res.len);
}

static void test_pack_minimal_and_nested(void **state)
{
	struct kreloc_pack_input in;
	struct kreloc_bundle b, nb;
	uint8_t *inner;
	size_t inner_len;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.image.data = image;
	in.image.len = sizeof(image);
	pack_ok(&in);
	assert_int_equal(kreloc_le32(res.buf + 24), 1);
	assert_int_equal(kreloc_bundle_parse(res.buf, res.len, &b), 0);
	assert_null(b.initrd.sha256);
	assert_null(b.cmdline.sha256);
	assert_null(b.dtb.sha256);
	assert_int_equal(b.nr_preserve, 0);
	assert_int_equal(kreloc_bundle_mode(&b), KRELOC_MODE_MMU);	/* default */
	assert_int_equal(kreloc_bundle_granule_shift(&b), 12);		/* default */
	assert_int_equal(kreloc_bundle_verify(&b), 0);

	/* that bundle nested in another, with an empty command line */
	inner = res.buf;
	inner_len = res.len;
	res.buf = NULL;
	in.nested.data = inner;
	in.nested.len = inner_len;
	in.cmdline.data = "";
	in.cmdline.len = 0;
	pack_ok(&in);
	assert_int_equal(kreloc_bundle_parse(res.buf, res.len, &b), 0);
	assert_int_equal(b.cmdline.len, 0);
	assert_non_null(b.cmdline.sha256);
	assert_int_equal(b.nested.len, inner_len);
	assert_int_equal(kreloc_bundle_parse(b.nested.data, b.nested.len, &nb), 0);
	assert_int_equal(nb.image.len, sizeof(image));
	assert_int_equal(kreloc_bundle_verify(&b), 0);
	free(inner);
}

/* ---- pack refusals --------------------------------------------------- */

static void expect_pack_at(const struct kreloc_pack_input *in, int want, const char *culprit,
			   int line)
{
	int err;

	free(res.buf);
	memset(&res, 0, sizeof(res));
	err = kreloc_pack(in, &res);
	if (err != want)
		fail_msg("line %d: kreloc_pack gave %d, want %d", line, err, want);
	assert_null(res.buf);
	assert_int_equal(res.len, 0);
	assert_non_null(res.culprit);
	assert_string_equal(res.culprit, culprit);
}

#define expect_pack(in, want, culprit) expect_pack_at(in, want, culprit, __LINE__)

static void test_pack_refusals(void **state)
{
	struct kreloc_pack_input in;
	struct kreloc_pack_result r2;
	uint8_t badimg[64], bigdtb[8192], *huge;
	uint8_t *nested;
	size_t nested_len;

	(void)state;
	assert_int_equal(kreloc_pack(NULL, NULL), KRELOC_E_INVAL);
	assert_int_equal(kreloc_pack(NULL, &r2), KRELOC_E_INVAL);
	assert_null(r2.buf);

	full_input(&in);
	in.image.data = NULL;
	expect_pack(&in, KRELOC_E_INVAL, "image");

	memcpy(badimg, image, 64);
	badimg[56] = 'X';
	full_input(&in);
	in.image.data = badimg;
	in.image.len = 64;
	expect_pack(&in, KRELOC_E_IMAGE_MAGIC, "image");
	full_input(&in);
	in.image.len = 63;
	expect_pack(&in, KRELOC_E_IMAGE_TRUNCATED, "image");
	full_input(&in);
	in.image.len = sizeof(image);
	kreloc_put_le64(image + 16, 100);		/* image_size < file */
	expect_pack(&in, KRELOC_E_IMAGE_SIZE, "image");
	kreloc_put_le64(image + 16, 0x20000);

	full_input(&in);
	in.initrd.len = 0;
	expect_pack(&in, KRELOC_E_INVAL, "initrd");

	full_input(&in);
	in.dtb.len = 0;
	expect_pack(&in, KRELOC_E_INVAL, "dtb");
	full_input(&in);
	in.dtb.data = image;				/* not a device tree */
	in.dtb.len = 4096;
	expect_pack(&in, KRELOC_E_FDT, "dtb");
	full_input(&in);
	in.dtb.len = 10;				/* truncated device tree */
	expect_pack(&in, KRELOC_E_FDT, "dtb");
	huge = calloc(1, KRELOC_BUNDLE_MAX_ALIGN + 1);
	assert_non_null(huge);
	full_input(&in);
	in.dtb.data = huge;
	in.dtb.len = (2U << 20) + 1;
	expect_pack(&in, KRELOC_E_FDT_TOO_LARGE, "dtb");
	free(huge);
	assert_int_equal(fdt_create_empty_tree(bigdtb, sizeof(bigdtb)), 0);
	full_input(&in);
	in.dtb.data = bigdtb;
	in.dtb.len = sizeof(bigdtb);		/* buffer larger than totalsize: fine */
	pack_ok(&in);

	full_input(&in);
	in.cmdline.data = "a\0b";
	in.cmdline.len = 3;
	expect_pack(&in, KRELOC_E_BUNDLE_CMDLINE, "cmdline");
	{
		char *line = malloc(KRELOC_CMDLINE_MAX + 1);

		assert_non_null(line);
		memset(line, 'y', KRELOC_CMDLINE_MAX + 1);
		in.cmdline.data = line;
		in.cmdline.len = KRELOC_CMDLINE_MAX + 1;
		expect_pack(&in, KRELOC_E_BUNDLE_CMDLINE, "cmdline");
		free(line);
	}

	full_input(&in);
	in.options = KRELOC_OPT_FIRST_UNKNOWN;
	expect_pack(&in, KRELOC_E_BUNDLE_HEADER, "options");
	in.options = 3;
	expect_pack(&in, KRELOC_E_BUNDLE_HEADER, "options");
	in.options = 4 << 4;
	expect_pack(&in, KRELOC_E_BUNDLE_HEADER, "options");

	full_input(&in);
	in.preserve[1].base = 0x50000800;
	expect_pack(&in, KRELOC_E_BUNDLE_RANGE, "preserve");
	full_input(&in);
	in.preserve[1].size = 0x800;
	expect_pack(&in, KRELOC_E_BUNDLE_RANGE, "preserve");
	full_input(&in);
	in.preserve[1].size = 0;
	expect_pack(&in, KRELOC_E_BUNDLE_RANGE, "preserve");
	full_input(&in);
	in.preserve[1].base = 0xfffffffffffff000ULL;
	in.preserve[1].size = 0x2000;
	expect_pack(&in, KRELOC_E_OVERFLOW, "preserve");
	full_input(&in);
	in.nr_preserve = KRELOC_BUNDLE_MAX_PRESERVE + 1;
	expect_pack(&in, KRELOC_E_BUNDLE_ENTRY, "preserve");

	/* nested: not a bundle, then a bundle with a bad digest */
	full_input(&in);
	in.nested.data = image;
	in.nested.len = sizeof(image);
	expect_pack(&in, KRELOC_E_BUNDLE_MAGIC, "nested");
	in.nested.len = 0;
	expect_pack(&in, KRELOC_E_INVAL, "nested");
	full_input(&in);
	pack_ok(&in);
	nested = res.buf;
	nested_len = res.len;
	res.buf = NULL;
	/* a nested bundle is the next stage's initrd: not both in one bundle */
	in.nested.data = nested;
	in.nested.len = nested_len;
	free(res.buf);
	memset(&res, 0, sizeof(res));
	assert_int_equal(kreloc_pack(&in, &res), KRELOC_E_BUNDLE_ENTRY);
	in.initrd.data = NULL;
	in.initrd.len = 0;
	nested[nested_len - 1] ^= 1;			/* last cmdline byte */
	expect_pack(&in, KRELOC_E_BUNDLE_CHECKSUM, "nested");
	nested[nested_len - 1] ^= 1;
	pack_ok(&in);
	free(nested);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pack_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pack_minimal_and_nested, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pack_refusals, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
