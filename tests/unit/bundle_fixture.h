/* SPDX-License-Identifier: MIT */
/*
 * bundle_fixture.h - shared by test_bundle.c and test_pack.c: sample inputs
 * (a valid Image header with filler, an initrd, an empty device tree, a
 * command line) and the standard bundle built from them by kreloc_pack():
 * IMAGE, INITRD, DTB, CMDLINE, PRESERVE x2.  Include once, after cmocka.h.
 */
#ifndef KRELOC_TEST_BUNDLE_FIXTURE_H
#define KRELOC_TEST_BUNDLE_FIXTURE_H

#include <libfdt.h>

#include <kreloc/bundle.h>
#include <kreloc/error.h>
#include <kreloc/image.h>
#include <kreloc/sha256.h>

#include "pack.h"

#define FIXTURE_UNUSED __attribute__((unused))

#define ENTRY(b, i)	((b) + KRELOC_BUNDLE_HEADER_SIZE + (size_t)(i) * KRELOC_BUNDLE_ENTRY_SIZE)

/* Entry field offsets (bundle.h layout). */
#define E_TYPE	0
#define E_FLAGS	4
#define E_OFF	8
#define E_LEN	16
#define E_ALIGN	24
#define E_ADDR	32
#define E_SIZE	40
#define E_SHA	48

static uint8_t image[100000];
static uint8_t initrd[70000];
static uint8_t dtb[4096];
FIXTURE_UNUSED static const char cmdline[] = "console=ttyAMA0 rdinit=/init";

/* The last bundle built; freed by the teardown. */
static struct kreloc_pack_result res;

FIXTURE_UNUSED static void make_inputs(void)
{
	for (size_t i = 0; i < sizeof(image); i++)
		image[i] = (uint8_t)(i * 13 + 1);
	memset(image, 0, 64);
	kreloc_put_le64(image + 16, 0x20000);		/* image_size */
	kreloc_put_le64(image + 24, 0xa);		/* 4K, anywhere */
	kreloc_put_le32(image + 56, KRELOC_IMAGE_MAGIC);
	for (size_t i = 0; i < sizeof(initrd); i++)
		initrd[i] = (uint8_t)(i * 31 + 7);
	assert_int_equal(fdt_create_empty_tree(dtb, sizeof(dtb)), 0);
}

FIXTURE_UNUSED static void full_input(struct kreloc_pack_input *in)
{
	memset(in, 0, sizeof(*in));
	in->image.data = image;
	in->image.len = sizeof(image);
	in->initrd.data = initrd;
	in->initrd.len = sizeof(initrd);
	in->dtb.data = dtb;
	in->dtb.len = fdt_totalsize(dtb);
	in->cmdline.data = cmdline;
	in->cmdline.len = strlen(cmdline);
	in->options = (uint64_t)KRELOC_MODE_CLASSIC << KRELOC_OPT_MODE_SHIFT |
		      (uint64_t)KRELOC_GRANULE_16K << KRELOC_OPT_GRANULE_SHIFT | KRELOC_OPT_VERIFY;
	in->preserve[0].base = 0x48000000;
	in->preserve[0].size = 0x100000;
	in->preserve[1].base = 0x50000000;
	in->preserve[1].size = 0x1000;
	in->nr_preserve = 2;
}

FIXTURE_UNUSED static void pack_ok(const struct kreloc_pack_input *in)
{
	free(res.buf);
	memset(&res, 0, sizeof(res));
	assert_int_equal(kreloc_pack(in, &res), 0);
	assert_non_null(res.buf);
	assert_null(res.culprit);
}

/* Build the standard bundle: IMAGE, INITRD, DTB, CMDLINE, PRESERVE x2. */
FIXTURE_UNUSED static int setup(void **state)
{
	struct kreloc_pack_input in;

	(void)state;
	make_inputs();
	full_input(&in);
	pack_ok(&in);
	return 0;
}

FIXTURE_UNUSED static int teardown(void **state)
{
	(void)state;
	free(res.buf);
	memset(&res, 0, sizeof(res));
	return 0;
}

FIXTURE_UNUSED static unsigned int find_entry(uint32_t type)
{
	uint32_t nr = kreloc_le32(res.buf + 24);

	for (unsigned int i = 0; i < nr; i++)
		if (kreloc_le32(ENTRY(res.buf, i)) == type)
			return i;
	fail_msg("no entry of type %u", type);
	return 0;
}

FIXTURE_UNUSED static uint8_t *entry(uint32_t type)
{
	return ENTRY(res.buf, find_entry(type));
}


#endif /* KRELOC_TEST_BUNDLE_FIXTURE_H */
