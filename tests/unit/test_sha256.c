// SPDX-License-Identifier: MIT
/*
 * test_sha256.c - SHA-256 against the FIPS 180-4 / NIST example vectors and
 * padding-boundary answers computed independently (Python hashlib), plus
 * incremental hashing split at every boundary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <kreloc/sha256.h>

static const char msg448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char msg896[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
			     "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

static void unhex(const char *h, uint8_t *out)
{
	for (size_t i = 0; i < KRELOC_SHA256_SIZE; i++) {
		unsigned int v;

		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void check_oneshot(const void *m, size_t len, const char *hexdigest)
{
	uint8_t want[KRELOC_SHA256_SIZE], got[KRELOC_SHA256_SIZE];

	unhex(hexdigest, want);
	memset(got, 0x5a, sizeof(got));
	kreloc_sha256(m, len, got);
	assert_memory_equal(got, want, sizeof(want));
}

static void test_empty(void **state)
{
	(void)state;
	check_oneshot("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* NULL with length 0 is allowed */
	check_oneshot(NULL, 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_abc(void **state)
{
	(void)state;
	check_oneshot("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_448(void **state)
{
	(void)state;
	assert_int_equal(strlen(msg448), 56);
	check_oneshot(msg448, 56, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_896(void **state)
{
	(void)state;
	assert_int_equal(strlen(msg896), 112);
	check_oneshot(msg896, 112, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_million_a(void **state)
{
	static const char *want = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	uint8_t exp[KRELOC_SHA256_SIZE], got[KRELOC_SHA256_SIZE];
	struct kreloc_sha256 s;
	char *a = malloc(1000000);

	(void)state;
	assert_non_null(a);
	memset(a, 'a', 1000000);
	check_oneshot(a, 1000000, want);

	/* the same million fed in odd-sized pieces */
	unhex(want, exp);
	kreloc_sha256_init(&s);
	for (size_t done = 0, step = 1; done < 1000000; step = step * 3 % 997 + 1) {
		size_t n = 1000000 - done < step ? 1000000 - done : step;

		kreloc_sha256_update(&s, a + done, n);
		done += n;
	}
	kreloc_sha256_final(&s, got);
	assert_memory_equal(got, exp, sizeof(exp));
	free(a);
}

/* Lengths around the padding boundaries (55/56 bytes, one block, two blocks). */
static void test_padding_boundaries(void **state)
{
	static const struct {
		size_t len;
		const char *hex;
	} v[] = {
		{ 55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b" },
		{ 56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27" },
		{ 57, "35df609437dcfea3279283ab79fd554e2bf78f8f7ae2de532d8ee300b09e8f73" },
		{ 63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055" },
		{ 64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241" },
		{ 65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e" },
		{ 119, "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e" },
		{ 120, "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5" },
		{ 128, "d2742f1f4ac6bb7ca2b239ee18402ba8b3f9f8e652d2a72973c2b9ba11c08cf6" },
		{ 1000, "1e9bc38cbf860b9ec31918b065f9b52476c549a782e0e7990bed8ce3868d2371" },
	};
	uint8_t m[1000];

	(void)state;
	for (size_t i = 0; i < sizeof(m); i++)
		m[i] = (uint8_t)(i * 7 + 3);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		check_oneshot(m, v[i].len, v[i].hex);
}

/* Two-way split of the 896-bit message at every position, and a three-way split. */
static void test_split_every_boundary(void **state)
{
	uint8_t want[KRELOC_SHA256_SIZE], got[KRELOC_SHA256_SIZE];
	struct kreloc_sha256 s;

	(void)state;
	unhex("cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1", want);
	for (size_t i = 0; i <= 112; i++) {
		kreloc_sha256_init(&s);
		kreloc_sha256_update(&s, msg896, i);
		kreloc_sha256_update(&s, msg896 + i, 112 - i);
		kreloc_sha256_final(&s, got);
		assert_memory_equal(got, want, sizeof(want));
	}
	for (size_t i = 0; i <= 112; i++) {
		for (size_t j = i; j <= 112; j++) {
			kreloc_sha256_init(&s);
			kreloc_sha256_update(&s, msg896, i);
			kreloc_sha256_update(&s, msg896 + i, j - i);
			kreloc_sha256_update(&s, NULL, 0);
			kreloc_sha256_update(&s, msg896 + j, 112 - j);
			kreloc_sha256_final(&s, got);
			assert_memory_equal(got, want, sizeof(want));
		}
	}
	/* byte at a time */
	kreloc_sha256_init(&s);
	for (size_t i = 0; i < 112; i++)
		kreloc_sha256_update(&s, msg896 + i, 1);
	kreloc_sha256_final(&s, got);
	assert_memory_equal(got, want, sizeof(want));
}

/* A state can be reused after init; the message length is counted, not guessed. */
static void test_reinit_and_length(void **state)
{
	uint8_t a[KRELOC_SHA256_SIZE], b[KRELOC_SHA256_SIZE], want[KRELOC_SHA256_SIZE];
	struct kreloc_sha256 s;

	(void)state;
	kreloc_sha256_init(&s);
	kreloc_sha256_update(&s, "junk that must be forgotten", 27);
	kreloc_sha256_init(&s);
	kreloc_sha256_update(&s, "abc", 3);
	assert_int_equal(s.bytes, 3);
	kreloc_sha256_final(&s, a);
	unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", want);
	assert_memory_equal(a, want, sizeof(want));

	/* one bit of difference changes the digest */
	kreloc_sha256("abd", 3, b);
	assert_memory_not_equal(a, b, sizeof(a));
	/* unaligned input gives the same answer */
	{
		uint8_t buf[200];

		memcpy(buf + 1, msg448, 56);
		kreloc_sha256(buf + 1, 56, a);
		unhex("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", want);
		assert_memory_equal(a, want, sizeof(want));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_abc),
		cmocka_unit_test(test_448),
		cmocka_unit_test(test_896),
		cmocka_unit_test(test_million_a),
		cmocka_unit_test(test_padding_boundaries),
		cmocka_unit_test(test_split_every_boundary),
		cmocka_unit_test(test_reinit_and_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
