// SPDX-License-Identifier: MIT
/*
 * test_bundle.c - bundle parsing and verification (bundle.c): a valid bundle
 * is built with kreloc_pack() (bundle_fixture.h), then each field is
 * corrupted and must give its exact error code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bundle_fixture.h"

/* Parse must fail with @want and leave @out untouched. */
static void expect_parse(int want)
{
	struct kreloc_bundle b, before;

	memset(&b, 0x3c, sizeof(b));
	before = b;
	assert_int_equal(kreloc_bundle_parse(res.buf, res.len, &b), want);
	if (want)
		assert_memory_equal(&b, &before, sizeof(b));
}

/* ---- valid bundles --------------------------------------------------- */

static void test_valid(void **state)
{
	struct kreloc_bundle b;

	(void)state;
	assert_int_equal(kreloc_bundle_parse(res.buf, res.len, &b), 0);
	assert_ptr_equal(b.base, res.buf);
	assert_int_equal(b.size, res.len);
	assert_int_equal(kreloc_le64(res.buf + 16), res.len);
	assert_int_equal(b.image.len, sizeof(image));
	assert_memory_equal(b.image.data, image, sizeof(image));
	assert_int_equal(b.initrd.len, sizeof(initrd));
	assert_memory_equal(b.initrd.data, initrd, sizeof(initrd));
	assert_int_equal(b.dtb.len, fdt_totalsize(dtb));
	assert_memory_equal(b.dtb.data, dtb, b.dtb.len);
	assert_int_equal(b.cmdline.len, strlen(cmdline));
	assert_memory_equal(b.cmdline.data, cmdline, b.cmdline.len);
	assert_null(b.nested.data);
	assert_null(b.nested.sha256);
	assert_int_equal(b.nr_preserve, 2);
	assert_int_equal(b.preserve[0].base, 0x48000000);
	assert_int_equal(b.preserve[0].size, 0x100000);
	assert_int_equal(b.preserve[1].base, 0x50000000);
	assert_int_equal(b.preserve[1].size, 0x1000);
	assert_int_equal(kreloc_bundle_mode(&b), KRELOC_MODE_CLASSIC);
	assert_int_equal(kreloc_bundle_granule_shift(&b), 14);
	assert_true(b.options & KRELOC_OPT_VERIFY);
	assert_int_equal(kreloc_bundle_verify(&b), 0);

	/* more bytes than total_size is fine */
	{
		uint8_t *big = calloc(1, res.len + 100);

		assert_non_null(big);
		memcpy(big, res.buf, res.len);
		assert_int_equal(kreloc_bundle_parse(big, res.len + 100, &b), 0);
		assert_int_equal(b.size, res.len);
		free(big);
	}
}

/* pack.h layout: fixed order, 64 KiB data alignment, cmdline 8, digests. */
static void test_mode_granule(void **state)
{
	static const unsigned int gshift[] = { 12, 12, 14, 16 };
	struct kreloc_bundle b;

	(void)state;
	for (uint64_t m = 0; m <= 2; m++) {
		for (uint64_t g = 0; g <= 3; g++) {
			kreloc_put_le64(res.buf + 32, m | g << 4 | KRELOC_OPT_PLACE_HIGH);
			assert_int_equal(kreloc_bundle_parse(res.buf, res.len, &b), 0);
			assert_int_equal(kreloc_bundle_mode(&b), m == 2 ? KRELOC_MODE_CLASSIC :
								 KRELOC_MODE_MMU);
			assert_int_equal(kreloc_bundle_granule_shift(&b), gshift[g]);
		}
	}
	/* the CPU cap: 0 reads as 1, 1..64 as written, beside the other fields */
	for (uint64_t n = 0; n <= KRELOC_OPT_CPUS_MAX; n++) {
		kreloc_put_le64(res.buf + 32, KRELOC_MODE_CLASSIC | n << KRELOC_OPT_CPUS_SHIFT |
					      KRELOC_OPT_FAIL_RESET);
		assert_int_equal(kreloc_bundle_parse(res.buf, res.len, &b), 0);
		assert_int_equal(kreloc_bundle_cpus(&b), n ? n : 1);
		assert_int_equal(kreloc_bundle_mode(&b), KRELOC_MODE_CLASSIC);
	}
}

/* ---- header ------------------------------------------------------------ */

static void test_null(void **state)
{
	struct kreloc_bundle b;

	(void)state;
	assert_int_equal(kreloc_bundle_parse(NULL, res.len, &b), KRELOC_E_INVAL);
	assert_int_equal(kreloc_bundle_parse(res.buf, res.len, NULL), KRELOC_E_INVAL);
	assert_int_equal(kreloc_bundle_verify(NULL), KRELOC_E_INVAL);
}

static void test_truncated(void **state)
{
	struct kreloc_bundle b;

	(void)state;
	for (uint64_t len = 0; len < 64; len++)
		assert_int_equal(kreloc_bundle_parse(res.buf, len, &b), KRELOC_E_BUNDLE_TRUNCATED);
	for (uint64_t len = 64; len < 1000; len++)
		assert_int_equal(kreloc_bundle_parse(res.buf, len, &b), KRELOC_E_BUNDLE_TRUNCATED);
	assert_int_equal(kreloc_bundle_parse(res.buf, res.len - 1, &b), KRELOC_E_BUNDLE_TRUNCATED);
	/* total_size larger than the buffer */
	kreloc_put_le64(res.buf + 16, res.len + 1);
	expect_parse(KRELOC_E_BUNDLE_TRUNCATED);
	kreloc_put_le64(res.buf + 16, UINT64_MAX);
	expect_parse(KRELOC_E_BUNDLE_TRUNCATED);
}

static void test_magic_version(void **state)
{
	(void)state;
	for (int i = 0; i < 8; i++) {
		res.buf[i] ^= 1;
		expect_parse(KRELOC_E_BUNDLE_MAGIC);
		res.buf[i] ^= 1;
	}
	kreloc_put_le32(res.buf + 8, 0);
	expect_parse(KRELOC_E_BUNDLE_VERSION);
	/* version 2 is a bundle with a chunk table (test_chunks.c): this one has none */
	kreloc_put_le32(res.buf + 8, 2);
	expect_parse(KRELOC_E_CHUNKS_TABLE);
	kreloc_put_le32(res.buf + 8, 3);
	expect_parse(KRELOC_E_BUNDLE_VERSION);
	kreloc_put_le32(res.buf + 8, 0x01000001);
	expect_parse(KRELOC_E_BUNDLE_VERSION);
}

static void test_header_fields(void **state)
{
	static const uint64_t bad_opts[] = {
		KRELOC_OPT_FIRST_UNKNOWN, 1ULL << 63, KRELOC_OPT_FIRST_UNKNOWN | 0x11,
		3,			/* mode 3 */
		0xf,			/* mode 15 */
		4 << 4,			/* granule 4 */
		0xf << 4,		/* granule 15 */
		(KRELOC_OPT_CPUS_MAX + 1ULL) << KRELOC_OPT_CPUS_SHIFT,	/* 65 CPUs */
		KRELOC_OPT_CPUS_MASK,	/* 127 CPUs */
	};

	(void)state;
	kreloc_put_le32(res.buf + 12, 63);
	expect_parse(KRELOC_E_BUNDLE_HEADER);
	kreloc_put_le32(res.buf + 12, 128);
	expect_parse(KRELOC_E_BUNDLE_HEADER);
	kreloc_put_le32(res.buf + 12, 64);
	kreloc_put_le32(res.buf + 28, 81);
	expect_parse(KRELOC_E_BUNDLE_HEADER);
	kreloc_put_le32(res.buf + 28, 0);
	expect_parse(KRELOC_E_BUNDLE_HEADER);
	kreloc_put_le32(res.buf + 28, 80);
	expect_parse(0);
	for (int i = 40; i < 64; i++) {
		res.buf[i] = 0x80;
		expect_parse(KRELOC_E_BUNDLE_HEADER);
		res.buf[i] = 0;
	}
	for (size_t i = 0; i < sizeof(bad_opts) / sizeof(bad_opts[0]); i++) {
		kreloc_put_le64(res.buf + 32, bad_opts[i]);
		expect_parse(KRELOC_E_BUNDLE_HEADER);
	}
	/* every known flag, and the most CPUs */
	kreloc_put_le64(res.buf + 32, (KRELOC_OPT_KNOWN & ~(0xffULL | KRELOC_OPT_CPUS_MASK)) |
				      (uint64_t)KRELOC_OPT_CPUS_MAX << KRELOC_OPT_CPUS_SHIFT);
	expect_parse(0);
}

static void test_nr_entries(void **state)
{
	(void)state;
	kreloc_put_le32(res.buf + 24, 0);
	expect_parse(KRELOC_E_BUNDLE_ENTRY);
	kreloc_put_le32(res.buf + 24, 17);
	expect_parse(KRELOC_E_BUNDLE_ENTRY);
	kreloc_put_le32(res.buf + 24, UINT32_MAX);
	expect_parse(KRELOC_E_BUNDLE_ENTRY);
	/* fewer entries than written: the dropped PRESERVE is simply not seen */
	kreloc_put_le32(res.buf + 24, 5);
	expect_parse(0);
	/* total_size below header + table */
	kreloc_put_le32(res.buf + 24, 6);
	kreloc_put_le64(res.buf + 16, 64 + 6 * 80 - 1);
	expect_parse(KRELOC_E_BUNDLE_HEADER);
	kreloc_put_le64(res.buf + 16, 0);
	expect_parse(KRELOC_E_BUNDLE_HEADER);
}

/* ---- entries ----------------------------------------------------------- */

static void test_entry_type_flags(void **state)
{
	uint8_t *e;

	(void)state;
	e = entry(KRELOC_BUNDLE_INITRD);
	kreloc_put_le32(e + E_TYPE, 0);
	expect_parse(KRELOC_E_BUNDLE_ENTRY);
	kreloc_put_le32(e + E_TYPE, 7);
	expect_parse(KRELOC_E_BUNDLE_ENTRY);
	kreloc_put_le32(e + E_TYPE, 0x80000002);
	expect_parse(KRELOC_E_BUNDLE_ENTRY);
	kreloc_put_le32(e + E_TYPE, KRELOC_BUNDLE_INITRD);
	/* bit 0 is KRELOC_BUNDLE_F_PAGES: test_paged_* */
	for (int bit = 1; bit < 32; bit += 6) {
		kreloc_put_le32(e + E_FLAGS, 1U << bit);
		expect_parse(KRELOC_E_BUNDLE_ENTRY);
	}
	kreloc_put_le32(e + E_FLAGS, 0);
	/* data entries carry no addr/size */
	kreloc_put_le64(e + E_ADDR, 0x1000);
	expect_parse(KRELOC_E_BUNDLE_ENTRY);
	kreloc_put_le64(e + E_ADDR, 0);
	kreloc_put_le64(e + E_SIZE, 0x1000);
	expect_parse(KRELOC_E_BUNDLE_ENTRY);
	kreloc_put_le64(e + E_SIZE, 0);
	/* empty non-cmdline entry */
	kreloc_put_le64(e + E_LEN, 0);
	expect_parse(KRELOC_E_BUNDLE_ENTRY);
	e = entry(KRELOC_BUNDLE_IMAGE);
	kreloc_put_le64(e + E_LEN, 0);
	expect_parse(KRELOC_E_BUNDLE_ENTRY);
}

static void test_entry_range(void **state)
{
	uint8_t *e = entry(KRELOC_BUNDLE_INITRD);
	uint64_t off = kreloc_le64(e + E_OFF), len = kreloc_le64(e + E_LEN);
	uint64_t total = res.len;

	(void)state;
	/* align: zero, not a power of two, above 2 MiB */
	kreloc_put_le64(e + E_ALIGN, 0);
	expect_parse(KRELOC_E_BUNDLE_RANGE);
	kreloc_put_le64(e + E_ALIGN, 0x3000);
	expect_parse(KRELOC_E_BUNDLE_RANGE);
	kreloc_put_le64(e + E_ALIGN, 4ULL << 20);
	expect_parse(KRELOC_E_BUNDLE_RANGE);
	kreloc_put_le64(e + E_ALIGN, 1ULL << 63);
	expect_parse(KRELOC_E_BUNDLE_RANGE);
	/* offset not a multiple of align */
	kreloc_put_le64(e + E_ALIGN, 0x10000);
	kreloc_put_le64(e + E_OFF, off + 8);
	expect_parse(KRELOC_E_BUNDLE_RANGE);
	/* smaller align accepts it (and the shifted data still lies inside) */
	kreloc_put_le64(e + E_ALIGN, 8);
	expect_parse(0);
	kreloc_put_le64(e + E_ALIGN, 1);
	expect_parse(0);
	/* offset inside the header or the entry table */
	kreloc_put_le64(e + E_OFF, 0);
	expect_parse(KRELOC_E_BUNDLE_RANGE);
	kreloc_put_le64(e + E_OFF, 64 + 6 * 80 - 1);
	expect_parse(KRELOC_E_BUNDLE_RANGE);
	kreloc_put_le64(e + E_ALIGN, 0x10000);
	kreloc_put_le64(e + E_OFF, off);
	expect_parse(0);
	/* data past total_size */
	kreloc_put_le64(e + E_LEN, total - off + 1);
	expect_parse(KRELOC_E_BUNDLE_RANGE);
	kreloc_put_le64(e + E_LEN, len);
	kreloc_put_le64(e + E_OFF, KRELOC_ALIGN_UP(total, 0x10000));
	expect_parse(KRELOC_E_BUNDLE_RANGE);
	/* offset + length wraps around 2^64 */
	kreloc_put_le64(e + E_OFF, off);
	kreloc_put_le64(e + E_LEN, UINT64_MAX - off + 1);
	expect_parse(KRELOC_E_BUNDLE_RANGE);
	kreloc_put_le64(e + E_LEN, UINT64_MAX);
	expect_parse(KRELOC_E_BUNDLE_RANGE);
	kreloc_put_le64(e + E_OFF, 0xffffffffffff0000ULL);
	kreloc_put_le64(e + E_LEN, 0x20000);
	expect_parse(KRELOC_E_BUNDLE_RANGE);
	/* the last data entry may end exactly at total_size */
	kreloc_put_le64(e + E_OFF, off);
	kreloc_put_le64(e + E_LEN, len);
	expect_parse(0);
}

static void test_overlap(void **state)
{
	uint8_t *img = entry(KRELOC_BUNDLE_IMAGE);
	uint8_t *ird = entry(KRELOC_BUNDLE_INITRD);
	uint8_t *cmd = entry(KRELOC_BUNDLE_CMDLINE);
	uint64_t ioff = kreloc_le64(img + E_OFF), ilen = kreloc_le64(img + E_LEN);
	uint64_t roff = kreloc_le64(ird + E_OFF);

	(void)state;
	/* initrd on top of the image */
	kreloc_put_le64(ird + E_OFF, ioff);
	expect_parse(KRELOC_E_BUNDLE_OVERLAP);
	/* image grown by one byte into the initrd */
	kreloc_put_le64(ird + E_OFF, roff);
	kreloc_put_le64(img + E_LEN, roff - ioff + 1);
	expect_parse(KRELOC_E_BUNDLE_OVERLAP);
	/* touching is fine */
	kreloc_put_le64(img + E_LEN, roff - ioff);
	expect_parse(0);
	kreloc_put_le64(img + E_LEN, ilen);
	/* cmdline inside the image */
	kreloc_put_le64(cmd + E_OFF, ioff + 64);
	expect_parse(KRELOC_E_BUNDLE_OVERLAP);
	/* an empty cmdline overlaps nothing */
	kreloc_put_le64(cmd + E_LEN, 0);
	expect_parse(0);
}

static void test_duplicate_missing(void **state)
{
	static const uint32_t single[] = { KRELOC_BUNDLE_IMAGE, KRELOC_BUNDLE_CMDLINE,
					   KRELOC_BUNDLE_DTB };
	uint8_t *ird = entry(KRELOC_BUNDLE_INITRD);
	uint8_t *img = entry(KRELOC_BUNDLE_IMAGE);

	(void)state;
	for (size_t i = 0; i < sizeof(single) / sizeof(single[0]); i++) {
		kreloc_put_le32(ird + E_TYPE, single[i]);
		expect_parse(KRELOC_E_BUNDLE_MISSING);
	}
	kreloc_put_le32(ird + E_TYPE, KRELOC_BUNDLE_INITRD);
	/* no IMAGE at all: turn it into the (absent) NESTED entry */
	kreloc_put_le32(img + E_TYPE, KRELOC_BUNDLE_NESTED);
	expect_parse(KRELOC_E_BUNDLE_MISSING);
	/* two initrds: the image becomes a second initrd */
	kreloc_put_le32(img + E_TYPE, KRELOC_BUNDLE_INITRD);
	expect_parse(KRELOC_E_BUNDLE_MISSING);
}

static void test_cmdline(void **state)
{
	struct kreloc_pack_input in;
	uint8_t *e, *big;
	uint64_t off;
	char *line;

	(void)state;
	/* a NUL anywhere in the command line */
	e = entry(KRELOC_BUNDLE_CMDLINE);
	off = kreloc_le64(e + E_OFF);
	for (size_t i = 0; i < strlen(cmdline); i += 9) {
		res.buf[off + i] = 0;
		expect_parse(KRELOC_E_BUNDLE_CMDLINE);
		res.buf[off + i] = (uint8_t)cmdline[i];
	}
	expect_parse(0);

	/* KRELOC_CMDLINE_MAX bytes pass; one more is refused */
	line = malloc(KRELOC_CMDLINE_MAX + 1);
	assert_non_null(line);
	memset(line, 'x', KRELOC_CMDLINE_MAX + 1);
	memset(&in, 0, sizeof(in));
	in.image.data = image;
	in.image.len = sizeof(image);
	in.cmdline.data = line;
	in.cmdline.len = KRELOC_CMDLINE_MAX;
	pack_ok(&in);
	expect_parse(0);
	/* grow the (last) cmdline entry by one byte in place */
	big = realloc(res.buf, res.len + 1);
	assert_non_null(big);
	res.buf = big;
	res.buf[res.len] = 'x';
	res.len++;
	kreloc_put_le64(res.buf + 16, res.len);
	e = entry(KRELOC_BUNDLE_CMDLINE);
	kreloc_put_le64(e + E_LEN, KRELOC_CMDLINE_MAX + 1);
	expect_parse(KRELOC_E_BUNDLE_CMDLINE);
	free(line);
}

static void test_preserve(void **state)
{
	uint8_t *e = ENTRY(res.buf, 4);		/* first PRESERVE */

	(void)state;
	assert_int_equal(kreloc_le32(e), KRELOC_BUNDLE_PRESERVE);
	/* misaligned base, misaligned size, empty */
	kreloc_put_le64(e + E_ADDR, 0x48000800);
	expect_parse(KRELOC_E_BUNDLE_RANGE);
	kreloc_put_le64(e + E_ADDR, 0x48000000);
	kreloc_put_le64(e + E_SIZE, 0x100001);
	expect_parse(KRELOC_E_BUNDLE_RANGE);
	kreloc_put_le64(e + E_SIZE, 0);
	expect_parse(KRELOC_E_BUNDLE_RANGE);
	/* wrapping */
	kreloc_put_le64(e + E_ADDR, 0xfffffffffff00000ULL);
	kreloc_put_le64(e + E_SIZE, 0x200000);
	expect_parse(KRELOC_E_OVERFLOW);
	/* ending exactly at 2^64 is a wrap too (end not representable) */
	kreloc_put_le64(e + E_SIZE, 0x100000);
	expect_parse(KRELOC_E_OVERFLOW);
	kreloc_put_le64(e + E_SIZE, 0xff000);
	expect_parse(0);
	/* PRESERVE carries no data */
	kreloc_put_le64(e + E_OFF, 0x10000);
	expect_parse(KRELOC_E_BUNDLE_ENTRY);
	kreloc_put_le64(e + E_OFF, 0);
	kreloc_put_le64(e + E_LEN, 1);
	expect_parse(KRELOC_E_BUNDLE_ENTRY);
	kreloc_put_le64(e + E_LEN, 0);
	kreloc_put_le64(e + E_ALIGN, 0x1000);
	expect_parse(KRELOC_E_BUNDLE_ENTRY);
	kreloc_put_le64(e + E_ALIGN, 0);
	e[E_SHA + 31] = 1;
	expect_parse(KRELOC_E_BUNDLE_ENTRY);
	e[E_SHA + 31] = 0;
	expect_parse(0);
}

static void test_too_many_preserve(void **state)
{
	struct kreloc_pack_input in;
	uint8_t *e;

	(void)state;
	full_input(&in);
	in.dtb.data = NULL;
	in.cmdline.data = NULL;
	for (unsigned int i = 0; i < KRELOC_BUNDLE_MAX_PRESERVE; i++) {
		in.preserve[i].base = 0x100000000ULL * (i + 1);
		in.preserve[i].size = 0x1000;
	}
	in.nr_preserve = KRELOC_BUNDLE_MAX_PRESERVE;
	pack_ok(&in);
	expect_parse(0);
	/* the initrd entry becomes a ninth PRESERVE */
	e = entry(KRELOC_BUNDLE_INITRD);
	memset(e, 0, KRELOC_BUNDLE_ENTRY_SIZE);
	kreloc_put_le32(e + E_TYPE, KRELOC_BUNDLE_PRESERVE);
	kreloc_put_le64(e + E_ADDR, 0x1000);
	kreloc_put_le64(e + E_SIZE, 0x1000);
	expect_parse(KRELOC_E_BUNDLE_ENTRY);
}

static void test_checksum(void **state)
{
	static const uint32_t types[] = { KRELOC_BUNDLE_IMAGE, KRELOC_BUNDLE_INITRD,
					  KRELOC_BUNDLE_DTB, KRELOC_BUNDLE_CMDLINE };
	struct kreloc_bundle b;

	(void)state;
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		uint8_t *e = entry(types[t]);
		uint64_t off = kreloc_le64(e + E_OFF), len = kreloc_le64(e + E_LEN);
		uint64_t where[3] = { off, off + len / 2, off + len - 1 };

		for (int w = 0; w < 3; w++) {
			res.buf[where[w]] ^= 0x01;
			/* parse does not hash: still accepted */
			assert_int_equal(kreloc_bundle_parse(res.buf, res.len, &b), 0);
			assert_int_equal(kreloc_bundle_verify(&b), KRELOC_E_BUNDLE_CHECKSUM);
			res.buf[where[w]] ^= 0x01;
			assert_int_equal(kreloc_bundle_verify(&b), 0);
		}
		/* a wrong digest in the table */
		e[E_SHA] ^= 0x80;
		assert_int_equal(kreloc_bundle_parse(res.buf, res.len, &b), 0);
		assert_int_equal(kreloc_bundle_verify(&b), KRELOC_E_BUNDLE_CHECKSUM);
		e[E_SHA] ^= 0x80;
	}
	/* padding between entries is not covered by any digest */
	{
		uint8_t *e = entry(KRELOC_BUNDLE_IMAGE);
		uint64_t end = kreloc_le64(e + E_OFF) + kreloc_le64(e + E_LEN);

		res.buf[end] ^= 0xff;
		assert_int_equal(kreloc_bundle_parse(res.buf, res.len, &b), 0);
		assert_int_equal(kreloc_bundle_verify(&b), 0);
	}
}

/* Random corruption of header and table never crashes and never half-fills @out. */
static void test_random_corruption(void **state)
{
	unsigned int seed = 99;
	uint8_t *copy = malloc(res.len);
	size_t head = 64 + 6 * 80;

	(void)state;
	assert_non_null(copy);
	memcpy(copy, res.buf, res.len);
	for (int iter = 0; iter < 20000; iter++) {
		struct kreloc_bundle b;
		int n = 1 + rand_r(&seed) % 4, err;

		for (int k = 0; k < n; k++)
			res.buf[rand_r(&seed) % head] ^= (uint8_t)(1 + rand_r(&seed) % 255);
		memset(&b, 0, sizeof(b));
		err = kreloc_bundle_parse(res.buf, res.len, &b);
		if (err == 0) {
			assert_non_null(b.image.data);
			assert_true(b.image.data >= res.buf &&
				    b.image.data + b.image.len <= res.buf + res.len);
			(void)kreloc_bundle_verify(&b);
		} else {
			assert_true(err < 0);
			assert_null(b.base);
		}
		memcpy(res.buf, copy, head);
	}
	free(copy);
}


/* ---- paged blobs ------------------------------------------------------ */

#define PAGED_BASE	0x80000000ULL

/*
 * Turn the standard bundle's entry of @type into a paged one: its page
 * table (page i at PAGED_BASE + @step * i * 4 KiB, so @step 1 is one run)
 * is written over the start of its data.  Return the entry.
 */
static uint8_t *make_paged(uint32_t type, uint64_t size, uint64_t step)
{
	uint8_t *e = entry(type);
	uint8_t *table = res.buf + kreloc_le64(e + E_OFF);
	uint64_t nr = (size + 4095) / 4096;

	assert_true(8 * nr <= (type == KRELOC_BUNDLE_IMAGE ? sizeof(image) : sizeof(initrd)));
	for (uint64_t i = 0; i < nr; i++)
		kreloc_put_le64(table + 8 * i, PAGED_BASE + step * i * 4096);
	kreloc_put_le32(e + E_FLAGS, KRELOC_BUNDLE_F_PAGES);
	kreloc_put_le64(e + E_LEN, 8 * nr);
	kreloc_put_le64(e + E_SIZE, size);
	return e;
}

static void test_paged_accept(void **state)
{
	struct kreloc_bundle b;
	uint8_t *table;

	(void)state;
	make_paged(KRELOC_BUNDLE_IMAGE, 5 * 4096, 1);
	make_paged(KRELOC_BUNDLE_INITRD, 4097, 3);
	assert_int_equal(kreloc_bundle_parse(res.buf, res.len, &b), 0);
	assert_null(b.image.data);
	assert_int_equal(b.image.len, 5 * 4096);
	assert_int_equal(b.image.nr_pages, 5);
	assert_ptr_equal(b.image.pages, res.buf + kreloc_le64(entry(KRELOC_BUNDLE_IMAGE) + E_OFF));
	assert_non_null(b.image.sha256);
	assert_null(b.initrd.data);
	assert_int_equal(b.initrd.len, 4097);
	assert_int_equal(b.initrd.nr_pages, 2);
	table = (uint8_t *)b.initrd.pages;
	assert_int_equal(kreloc_le64(table + 8), PAGED_BASE + 3 * 4096);
	/* the pages are not in the bundle: verify leaves them to the hand-off */
	assert_int_equal(kreloc_bundle_verify(&b), 0);
	/* a size that fills its last page */
	make_paged(KRELOC_BUNDLE_INITRD, 8192, 1);
	assert_int_equal(kreloc_bundle_parse(res.buf, res.len, &b), 0);
	assert_int_equal(b.initrd.nr_pages, 2);
}

static void test_paged_refuse(void **state)
{
	uint8_t *e, *table;

	(void)state;
	e = make_paged(KRELOC_BUNDLE_INITRD, 3 * 4096, 1);
	table = res.buf + kreloc_le64(e + E_OFF);
	expect_parse(0);
	/* count: length must be 8 * ceil(size / 4096) */
	kreloc_put_le64(e + E_SIZE, 3 * 4096 + 1);
	expect_parse(KRELOC_E_PAGES_TABLE);
	kreloc_put_le64(e + E_SIZE, 2 * 4096);
	expect_parse(KRELOC_E_PAGES_TABLE);
	kreloc_put_le64(e + E_SIZE, 0);
	expect_parse(KRELOC_E_PAGES_TABLE);
	kreloc_put_le64(e + E_SIZE, 2 * 4096 + 1);
	expect_parse(0);
	kreloc_put_le64(e + E_LEN, 23);
	expect_parse(KRELOC_E_PAGES_TABLE);
	kreloc_put_le64(e + E_LEN, 24);
	kreloc_put_le64(e + E_SIZE, 3 * 4096);
	/* addr must be zero; align at least 8 */
	kreloc_put_le64(e + E_ADDR, 0x1000);
	expect_parse(KRELOC_E_PAGES_TABLE);
	kreloc_put_le64(e + E_ADDR, 0);
	kreloc_put_le64(e + E_ALIGN, 4);
	expect_parse(KRELOC_E_PAGES_TABLE);
	kreloc_put_le64(e + E_ALIGN, 8);
	expect_parse(0);
	/* every address 4 KiB aligned, its page below 2^64 */
	kreloc_put_le64(table + 16, PAGED_BASE + 0x800);
	expect_parse(KRELOC_E_PAGES_TABLE);
	kreloc_put_le64(table + 16, 0xfffffffffffff000ULL);
	expect_parse(KRELOC_E_PAGES_TABLE);
	kreloc_put_le64(table + 16, 0xffffffffffffe000ULL);
	expect_parse(0);
	/* checked a run at a time: also a bad page that ends or starts a run */
	kreloc_put_le64(table + 8, 0xffffffffffffe000ULL);
	kreloc_put_le64(table + 16, 0xfffffffffffff000ULL);
	expect_parse(KRELOC_E_PAGES_TABLE);
	kreloc_put_le64(table + 8, PAGED_BASE + 0x800);
	kreloc_put_le64(table + 16, PAGED_BASE + 0x1800);
	expect_parse(KRELOC_E_PAGES_TABLE);
	kreloc_put_le64(table + 8, PAGED_BASE + 4096);
	kreloc_put_le64(table + 16, 0xffffffffffffe000ULL);
	expect_parse(0);
	/* the flag only on IMAGE and INITRD */
	kreloc_put_le32(entry(KRELOC_BUNDLE_CMDLINE) + E_FLAGS, KRELOC_BUNDLE_F_PAGES);
	expect_parse(KRELOC_E_BUNDLE_ENTRY);
	kreloc_put_le32(entry(KRELOC_BUNDLE_CMDLINE) + E_FLAGS, 0);
	kreloc_put_le32(entry(KRELOC_BUNDLE_DTB) + E_FLAGS, KRELOC_BUNDLE_F_PAGES);
	expect_parse(KRELOC_E_BUNDLE_ENTRY);
	kreloc_put_le32(entry(KRELOC_BUNDLE_DTB) + E_FLAGS, 0);
	kreloc_put_le32(e + E_FLAGS, KRELOC_BUNDLE_F_PAGES | 2);
	expect_parse(KRELOC_E_BUNDLE_ENTRY);
	kreloc_put_le32(e + E_FLAGS, KRELOC_BUNDLE_F_PAGES);
	expect_parse(0);
}

/* Runs over both blobs: KRELOC_BUNDLE_MAX_PAGE_RUNS at most. */
static void test_paged_runs(void **state)
{
	struct kreloc_bundle b;

	(void)state;
	/* image: 25 pages, every other page: 25 runs */
	make_paged(KRELOC_BUNDLE_IMAGE, 25 * 4096, 2);
	/* initrd: the rest of the runs, then one too many */
	make_paged(KRELOC_BUNDLE_INITRD, (KRELOC_BUNDLE_MAX_PAGE_RUNS - 25) * 4096ULL, 2);
	/* the initrd's pages start where the image's are: still separate runs */
	assert_int_equal(kreloc_bundle_parse(res.buf, res.len, &b), 0);
	make_paged(KRELOC_BUNDLE_INITRD, (KRELOC_BUNDLE_MAX_PAGE_RUNS - 24) * 4096ULL, 2);
	expect_parse(KRELOC_E_PAGES_RUNS);
	/* consecutive pages are one run whatever their number */
	make_paged(KRELOC_BUNDLE_INITRD, 2000 * 4096ULL, 1);
	assert_int_equal(kreloc_bundle_parse(res.buf, res.len, &b), 0);
	/* descending pages are runs of one */
	make_paged(KRELOC_BUNDLE_INITRD, 300 * 4096ULL, (uint64_t)-1);
	expect_parse(KRELOC_E_PAGES_RUNS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mode_granule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_null, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_magic_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nr_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entry_type_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entry_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_preserve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_preserve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_corruption, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paged_accept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paged_refuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paged_runs, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
