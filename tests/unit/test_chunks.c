// SPDX-License-Identifier: MIT
/*
 * test_chunks.c - chunk tables (bundle.h, version 2; chunks.h): bundles with
 * an IMAGE and its chunk table built here field by field, each table field
 * corrupted in turn and refused with its exact code; kreloc_bundle_verify()
 * finding a changed chunk; the shares CPUs take; kreloc_chunks_check() over
 * a hand-built entry list, in shares, against a changed page and a list
 * out of order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <kreloc/bundle.h>
#include <kreloc/chunks.h>
#include <kreloc/error.h>
#include <kreloc/ind.h>
#include <kreloc/sha256.h>

#define HDR	KRELOC_BUNDLE_HEADER_SIZE
#define ESZ	KRELOC_BUNDLE_ENTRY_SIZE
#define ENT(b, i)	((b) + HDR + (size_t)(i) * ESZ)
#define DATA_AT	4096		/* the image's data */

static uint8_t *buf;
static size_t buf_len;

/* IMAGE (@len bytes) and IMAGE_CHUNKS (@cs chunks) in a version 2 bundle; the table last. */
static void build(uint64_t len, uint64_t cs)
{
	uint64_t nr = kreloc_chunks_count(len, cs), table_at = DATA_AT + ((len + 7) & ~7ULL);
	uint8_t root[KRELOC_SHA256_SIZE];

	free(buf);
	buf_len = (size_t)(table_at + nr * KRELOC_SHA256_SIZE);
	buf = calloc(1, buf_len);
	assert_non_null(buf);
	memcpy(buf, KRELOC_BUNDLE_MAGIC, 8);
	kreloc_put_le32(buf + 8, KRELOC_BUNDLE_VERSION_CHUNKS);
	kreloc_put_le32(buf + 12, HDR);
	kreloc_put_le64(buf + 16, buf_len);
	kreloc_put_le32(buf + 24, 2);
	kreloc_put_le32(buf + 28, ESZ);
	kreloc_put_le64(buf + 32, KRELOC_OPT_VERIFY | 2ULL << KRELOC_OPT_CPUS_SHIFT);
	for (uint64_t i = 0; i < len; i++)
		buf[DATA_AT + i] = (uint8_t)(i * 7 + i / 4096);
	assert_int_equal(kreloc_chunks_build(buf + DATA_AT, len, cs, buf + table_at, root), 0);

	kreloc_put_le32(ENT(buf, 0), KRELOC_BUNDLE_IMAGE);
	kreloc_put_le64(ENT(buf, 0) + 8, DATA_AT);
	kreloc_put_le64(ENT(buf, 0) + 16, len);
	kreloc_put_le64(ENT(buf, 0) + 24, 4096);
	memcpy(ENT(buf, 0) + 48, root, sizeof(root));
	kreloc_put_le32(ENT(buf, 1), KRELOC_BUNDLE_IMAGE_CHUNKS);
	kreloc_put_le64(ENT(buf, 1) + 8, table_at);
	kreloc_put_le64(ENT(buf, 1) + 16, nr * KRELOC_SHA256_SIZE);
	kreloc_put_le64(ENT(buf, 1) + 24, 8);
	kreloc_put_le64(ENT(buf, 1) + 40, cs);
	memcpy(ENT(buf, 1) + 48, root, sizeof(root));
}

static void expect_parse(int want)
{
	struct kreloc_bundle b;

	assert_int_equal(kreloc_bundle_parse(buf, buf_len, &b), want);
}

static int teardown(void **state)
{
	(void)state;
	free(buf);
	buf = NULL;
	return 0;
}

static void test_accept(void **state)
{
	static const uint64_t lens[] = { 1, 4096, 4097, 3 * 8192, 3 * 8192 + 5 };
	struct kreloc_bundle b;

	(void)state;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		build(lens[i], 8192);
		assert_int_equal(kreloc_bundle_parse(buf, buf_len, &b), 0);
		assert_int_equal(b.image.nr_chunks, (lens[i] + 8191) / 8192);
		assert_int_equal(b.image.chunk_size, 8192);
		assert_ptr_equal(b.image.chunks, buf + kreloc_le64(ENT(buf, 1) + 8));
		assert_null(b.initrd.chunks);
		assert_int_equal(kreloc_bundle_verify(&b), 0);
	}
	/* the smallest and the largest chunk size */
	build(10000, KRELOC_CHUNK_SIZE_MIN);
	expect_parse(0);
	build(10000, KRELOC_CHUNK_SIZE_MAX);
	expect_parse(0);
}

/* Each field of the table refused on its own, with its code. */
static void test_refuse(void **state)
{
	static const uint64_t bad_sizes[] = { 0, 1, 2048, 3 * 4096, 1ULL << 31, 1ULL << 63,
					      UINT64_MAX };
	(void)state;
	for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		build(5 * 4096, 8192);
		kreloc_put_le64(ENT(buf, 1) + 40, bad_sizes[i]);
		expect_parse(KRELOC_E_CHUNKS_TABLE);
	}
	/* a chunk size that would make the same table length right: still its count */
	build(5 * 4096, 8192);
	kreloc_put_le64(ENT(buf, 1) + 40, 4096);
	expect_parse(KRELOC_E_CHUNKS_TABLE);
	/* a digest short, a digest too many (the image one byte shorter), a partial digest */
	build(5 * 4096, 8192);
	kreloc_put_le64(ENT(buf, 1) + 16, 2 * 32);
	expect_parse(KRELOC_E_CHUNKS_TABLE);
	build(4 * 4096 + 1, 8192);
	kreloc_put_le64(ENT(buf, 0) + 16, 4 * 4096);
	expect_parse(KRELOC_E_CHUNKS_TABLE);
	build(5 * 4096, 8192);
	kreloc_put_le64(ENT(buf, 1) + 16, 3 * 32 - 1);
	expect_parse(KRELOC_E_CHUNKS_TABLE);
	/* a table past the bundle's end, or one whose length wraps */
	build(5 * 4096, 8192);
	kreloc_put_le64(ENT(buf, 1) + 16, 4 * 32);
	expect_parse(KRELOC_E_BUNDLE_RANGE);
	kreloc_put_le64(ENT(buf, 1) + 16, UINT64_MAX - 7);
	expect_parse(KRELOC_E_BUNDLE_RANGE);
	/* root and table digest differ */
	build(5 * 4096, 8192);
	ENT(buf, 0)[48] ^= 1;
	expect_parse(KRELOC_E_CHUNKS_TABLE);
	/* the table of an absent INITRD */
	build(5 * 4096, 8192);
	kreloc_put_le32(ENT(buf, 1), KRELOC_BUNDLE_INITRD_CHUNKS);
	expect_parse(KRELOC_E_CHUNKS_TABLE);
	/* a chunk table in a version 1 bundle, and a version 2 bundle without one */
	build(5 * 4096, 8192);
	kreloc_put_le32(buf + 8, KRELOC_BUNDLE_VERSION);
	expect_parse(KRELOC_E_BUNDLE_ENTRY);
	kreloc_put_le32(buf + 8, KRELOC_BUNDLE_VERSION_CHUNKS);
	kreloc_put_le32(buf + 24, 1);
	expect_parse(KRELOC_E_CHUNKS_TABLE);
	kreloc_put_le32(buf + 8, 3);
	expect_parse(KRELOC_E_BUNDLE_VERSION);
	/* addr set, flags set, a second table */
	build(5 * 4096, 8192);
	kreloc_put_le64(ENT(buf, 1) + 32, 4096);
	expect_parse(KRELOC_E_BUNDLE_ENTRY);
	build(5 * 4096, 8192);
	kreloc_put_le32(ENT(buf, 1) + 4, KRELOC_BUNDLE_F_PAGES);
	expect_parse(KRELOC_E_BUNDLE_ENTRY);
	build(5 * 4096, 8192);
	kreloc_put_le32(buf + 24, 3);
	memcpy(ENT(buf, 2), ENT(buf, 1), ESZ);
	expect_parse(KRELOC_E_BUNDLE_MISSING);
	/* size on a blob that is not a chunk table */
	build(5 * 4096, 8192);
	kreloc_put_le64(ENT(buf, 0) + 40, 8192);
	expect_parse(KRELOC_E_BUNDLE_ENTRY);
}

/* kreloc_bundle_verify(): a changed chunk, and a changed table. */
static void test_verify(void **state)
{
	struct kreloc_bundle b;

	(void)state;
	for (uint64_t k = 0; k < 3; k++) {
		build(2 * 8192 + 100, 8192);
		buf[DATA_AT + k * 8192 + (k == 2 ? 99 : 4000)] ^= 0x10;
		assert_int_equal(kreloc_bundle_parse(buf, buf_len, &b), 0);
		assert_int_equal(kreloc_bundle_verify(&b), KRELOC_E_BUNDLE_CHECKSUM);
	}
	build(2 * 8192 + 100, 8192);
	buf[kreloc_le64(ENT(buf, 1) + 8) + 40] ^= 1;
	assert_int_equal(kreloc_bundle_parse(buf, buf_len, &b), 0);
	assert_int_equal(kreloc_bundle_verify(&b), KRELOC_E_BUNDLE_CHECKSUM);
}

static void test_build_share(void **state)
{
	uint8_t data[10000], table[3 * 32], root[32], md[32];
	uint64_t first, count, next;

	(void)state;
	memset(data, 0x5a, sizeof(data));
	assert_int_equal(kreloc_chunks_build(data, sizeof(data), 4096, table, root), 0);
	kreloc_sha256(data + 8192, sizeof(data) - 8192, md);
	assert_memory_equal(table + 64, md, 32);
	kreloc_sha256(table, sizeof(table), md);
	assert_memory_equal(root, md, 32);
	assert_int_equal(kreloc_chunks_build(data, sizeof(data), 6000, table, root), KRELOC_E_INVAL);
	assert_int_equal(kreloc_chunks_build(data, 0, 4096, table, root), KRELOC_E_INVAL);

	/* every total over 1..8 CPUs: consecutive runs, counts within one */
	for (uint64_t total = 0; total < 40; total++) {
		for (unsigned int n = 1; n <= 8; n++) {
			uint64_t lo = UINT64_MAX, hi = 0;

			next = 0;
			for (unsigned int i = 0; i < n; i++) {
				kreloc_chunks_share(total, i, n, &first, &count);
				assert_int_equal(first, next);
				next = first + count;
				lo = count < lo ? count : lo;
				hi = count > hi ? count : hi;
			}
			assert_int_equal(next, total);
			assert_true(hi - lo <= 1);
		}
	}
}

/* ---- kreloc_chunks_check() over a hand-built list -------------------- */

#define PAGE	4096
#define NPAGES	10
#define BLOB_LEN	(NPAGES * PAGE + 100)	/* 11 pages, the last partial */
#define DEST	0x40000000ULL

static uint8_t *src;		/* 11 source pages, page aligned */
static uint64_t *list;		/* one list page */
static uint8_t table[6 * 32], root[32];

static const void *host_rd(void *ctx, uint64_t pa, uint64_t len)
{
	(void)ctx;
	(void)len;
	return (const void *)(uintptr_t)pa;
}

/*
 * A list writing the blob's 11 pages from sources laid out in reverse,
 * page i's source at src + (10 - i) pages; @swap exchanges the destinations
 * of pages 2 and 3 (the same chunk of 8 KiB: out of order).
 */
static void make_list(struct kreloc_handoff *h, struct kreloc_blob *blob, bool swap)
{
	uint8_t blobbytes[BLOB_LEN];
	unsigned int n = 0;

	for (unsigned int i = 0; i < BLOB_LEN; i++)
		blobbytes[i] = (uint8_t)(i * 5 + i / PAGE);
	for (unsigned int i = 0; i <= NPAGES; i++) {
		unsigned int len = i < NPAGES ? PAGE : 100;

		memcpy(src + (NPAGES - i) * PAGE, blobbytes + i * PAGE, len);
	}
	assert_int_equal(kreloc_chunks_build(blobbytes, BLOB_LEN, 8192, table, root), 0);
	for (unsigned int i = 0; i <= NPAGES; i++) {
		unsigned int d = swap && i == 2 ? 3 : swap && i == 3 ? 2 : i;

		list[n++] = (DEST + d * PAGE) | KRELOC_IND_DESTINATION;
		list[n++] = (uint64_t)(uintptr_t)(src + (NPAGES - i) * PAGE) | KRELOC_IND_SOURCE;
	}
	list[n] = KRELOC_IND_DONE;
	memset(h, 0, sizeof(*h));
	h->ki.head = (uint64_t)(uintptr_t)list | KRELOC_IND_INDIRECTION;
	h->nr_segs = 2;		/* the kernel's and a tree's */
	h->segs[0] = (struct kreloc_segment){ .dest = DEST, .bufsz = BLOB_LEN,
					      .memsz = (NPAGES + 1) * PAGE };
	h->segs[1] = (struct kreloc_segment){ .dest = DEST + 0x100000, .bufsz = 8, .memsz = PAGE };
	*blob = (struct kreloc_blob){ .data = NULL, .len = BLOB_LEN, .sha256 = root,
				      .chunks = table, .nr_chunks = 6, .chunk_size = 8192 };
}

static int setup_list(void **state)
{
	(void)state;
	src = aligned_alloc(PAGE, (NPAGES + 1) * PAGE);
	list = aligned_alloc(PAGE, PAGE);
	return !src || !list;
}

static int teardown_list(void **state)
{
	(void)state;
	free(src);
	free(list);
	return 0;
}

static void test_check(void **state)
{
	struct kreloc_handoff h;
	struct kreloc_blob blob;
	struct kreloc_chunks_check c;
	uint64_t first, count, bad;

	(void)state;
	make_list(&h, &blob, false);
	assert_int_equal(kreloc_chunks_check_init(&c, &h, &blob, NULL, kreloc_sha256_blocks), 6);
	for (unsigned int n = 1; n <= 7; n++) {
		for (unsigned int i = 0; i < n; i++) {
			kreloc_chunks_share(c.total, i, n, &first, &count);
			assert_int_equal(kreloc_chunks_check(&c, host_rd, NULL, kreloc_sha256_blocks,
							     first, count, &bad), 0);
		}
	}
	assert_int_equal(kreloc_chunks_check(&c, host_rd, NULL, kreloc_sha256_blocks, 5, 2, &bad),
			 KRELOC_E_INVAL);

	/* a byte of page 7 (chunk 3) changed: only the shares holding chunk 3 see it */
	src[(NPAGES - 7) * PAGE + 17] ^= 1;
	for (unsigned int i = 0; i < 3; i++) {
		kreloc_chunks_share(c.total, i, 3, &first, &count);
		bad = 99;
		assert_int_equal(kreloc_chunks_check(&c, host_rd, NULL, kreloc_sha256_blocks,
						     first, count, &bad),
				 first <= 3 && 3 < first + count ? KRELOC_E_BUNDLE_CHECKSUM : 0);
		if (first <= 3 && 3 < first + count)
			assert_int_equal(bad, 3);
	}
	/* the partial last page (chunk 5) */
	make_list(&h, &blob, false);
	src[99] ^= 1;
	assert_int_equal(kreloc_chunks_check(&c, host_rd, NULL, kreloc_sha256_blocks, 0, 6, &bad),
			 KRELOC_E_BUNDLE_CHECKSUM);
	assert_int_equal(bad, 5);

	/* pages 2 and 3 written in the other order: refused, not hashed as they come */
	make_list(&h, &blob, true);
	assert_int_equal(kreloc_chunks_check_init(&c, &h, &blob, NULL, kreloc_sha256_blocks), 6);
	assert_int_equal(kreloc_chunks_check(&c, host_rd, NULL, kreloc_sha256_blocks, 1, 1, &bad),
			 KRELOC_E_LIST_COVERAGE);

	/* a table whose bytes are not its root; a blob not its segment's length */
	make_list(&h, &blob, false);
	table[0] ^= 1;
	assert_int_equal(kreloc_chunks_check_init(&c, &h, &blob, NULL, kreloc_sha256_blocks),
			 KRELOC_E_BUNDLE_CHECKSUM);
	make_list(&h, &blob, false);
	h.segs[0].bufsz--;
	assert_int_equal(kreloc_chunks_check_init(&c, &h, &blob, NULL, kreloc_sha256_blocks),
			 KRELOC_E_CHUNKS_TABLE);
	/* no chunked blob: nothing to check */
	make_list(&h, &blob, false);
	blob.chunks = NULL;
	assert_int_equal(kreloc_chunks_check_init(&c, &h, &blob, NULL, kreloc_sha256_blocks), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_accept, teardown),
		cmocka_unit_test_teardown(test_refuse, teardown),
		cmocka_unit_test_teardown(test_verify, teardown),
		cmocka_unit_test(test_build_share),
		cmocka_unit_test_setup_teardown(test_check, setup_list, teardown_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
