// SPDX-License-Identifier: MIT
/*
 * test_seed.c - seed derivation: independence, determinism, salt, errors,
 * and known answers computed independently (Python hashlib) from the
 * construction documented in seed.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <kreloc/error.h>
#include <kreloc/seed.h>

static const uint8_t input32[32] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
};

static void derive_ok(const uint8_t *in, size_t len, uint64_t salt, struct kreloc_seeds *out)
{
	memset(out, 0xa5, sizeof(*out));
	assert_int_equal(kreloc_seed_derive(in, len, salt, out), 0);
}

/* The two seeds are unrelated to each other and to the input. */
static void test_seeds_differ(void **state)
{
	struct kreloc_seeds s;
	uint8_t kaslr_bytes[8];

	(void)state;
	derive_ok(input32, sizeof(input32), 1, &s);
	assert_int_not_equal(s.kaslr, 0);
	memcpy(kaslr_bytes, &s.kaslr, 8);
	assert_memory_not_equal(s.rng, kaslr_bytes, 8);
	assert_memory_not_equal(s.rng + 8, kaslr_bytes, 8);
	assert_memory_not_equal(s.rng, input32, sizeof(s.rng));
	assert_memory_not_equal(kaslr_bytes, input32, 8);

	/* input that is a previous output: the next seeds differ from it */
	{
		struct kreloc_seeds next;

		derive_ok(s.rng, sizeof(s.rng), 2, &next);
		assert_memory_not_equal(next.rng, s.rng, sizeof(s.rng));
		assert_int_not_equal(next.kaslr, s.kaslr);
	}
}

static void test_deterministic(void **state)
{
	struct kreloc_seeds a, b;

	(void)state;
	derive_ok(input32, sizeof(input32), 42, &a);
	derive_ok(input32, sizeof(input32), 42, &b);
	assert_int_equal(a.kaslr, b.kaslr);
	assert_memory_equal(a.rng, b.rng, sizeof(a.rng));
}

static void test_salt_changes_both(void **state)
{
	struct kreloc_seeds a, b;

	(void)state;
	derive_ok(input32, sizeof(input32), 0, &a);
	derive_ok(input32, sizeof(input32), 1, &b);
	assert_int_not_equal(a.kaslr, b.kaslr);
	assert_memory_not_equal(a.rng, b.rng, sizeof(a.rng));

	/* A chain of hops with one input and a hop counter never repeats. */
	{
		struct kreloc_seeds hop[8];

		for (unsigned int i = 0; i < 8; i++)
			derive_ok(input32, sizeof(input32), i, &hop[i]);
		for (unsigned int i = 0; i < 8; i++)
			for (unsigned int j = i + 1; j < 8; j++) {
				assert_int_not_equal(hop[i].kaslr, hop[j].kaslr);
				assert_memory_not_equal(hop[i].rng, hop[j].rng, sizeof(hop[i].rng));
			}
	}
}

static void test_input_changes_both(void **state)
{
	struct kreloc_seeds a, b;
	uint8_t in[32];

	(void)state;
	memcpy(in, input32, sizeof(in));
	derive_ok(in, sizeof(in), 5, &a);
	in[31] ^= 1;
	derive_ok(in, sizeof(in), 5, &b);
	assert_int_not_equal(a.kaslr, b.kaslr);
	assert_memory_not_equal(a.rng, b.rng, sizeof(a.rng));
	/* a shorter input (prefix) differs too */
	derive_ok(input32, 31, 5, &b);
	assert_memory_not_equal(a.rng, b.rng, sizeof(a.rng));
}

static void test_no_entropy(void **state)
{
	static const uint8_t zeros[16];
	struct kreloc_seeds s, untouched;
	struct kreloc_seed_pool pool;

	(void)state;
	memset(&s, 0x5a, sizeof(s));
	untouched = s;
	assert_int_equal(kreloc_seed_derive(input32, 0, 1, &s), KRELOC_E_NO_ENTROPY);
	assert_int_equal(kreloc_seed_derive(NULL, 0, 1, &s), KRELOC_E_NO_ENTROPY);
	assert_int_equal(kreloc_seed_derive(zeros, sizeof(zeros), 1, &s), KRELOC_E_NO_ENTROPY);
	assert_memory_equal(&s, &untouched, sizeof(s));

	kreloc_seed_pool_init(&pool);
	assert_int_equal(kreloc_seed_pool_derive(&pool, 1, &s), KRELOC_E_NO_ENTROPY);
	kreloc_seed_pool_add_u64(&pool, 0);	/* a failed RNDR */
	kreloc_seed_pool_add(&pool, zeros, sizeof(zeros));
	kreloc_seed_pool_add(&pool, NULL, 0);
	assert_int_equal(kreloc_seed_pool_derive(&pool, 1, &s), KRELOC_E_NO_ENTROPY);
	kreloc_seed_pool_add_u64(&pool, 0x8000000000000000ULL);
	assert_int_equal(kreloc_seed_pool_derive(&pool, 1, &s), 0);
	assert_string_equal(kreloc_errname(KRELOC_E_NO_ENTROPY), "E_NO_ENTROPY");
}

static void test_bad_args(void **state)
{
	struct kreloc_seeds s;
	struct kreloc_seed_pool pool;

	(void)state;
	assert_int_equal(kreloc_seed_derive(NULL, 4, 1, &s), KRELOC_E_INVAL);
	assert_int_equal(kreloc_seed_derive(input32, 4, 1, NULL), KRELOC_E_INVAL);
	kreloc_seed_pool_init(&pool);
	kreloc_seed_pool_add(&pool, input32, 4);
	assert_int_equal(kreloc_seed_pool_derive(NULL, 1, &s), KRELOC_E_INVAL);
	assert_int_equal(kreloc_seed_pool_derive(&pool, 1, NULL), KRELOC_E_INVAL);
}

/* derive() is the pool with one input; the pool is reusable after derive. */
static void test_pool(void **state)
{
	struct kreloc_seeds a, b, c;
	struct kreloc_seed_pool pool, split;

	(void)state;
	derive_ok(input32, sizeof(input32), 9, &a);
	kreloc_seed_pool_init(&pool);
	kreloc_seed_pool_add(&pool, input32, sizeof(input32));
	assert_int_equal(kreloc_seed_pool_derive(&pool, 9, &b), 0);
	assert_int_equal(a.kaslr, b.kaslr);
	assert_memory_equal(a.rng, b.rng, sizeof(a.rng));
	assert_int_equal(kreloc_seed_pool_derive(&pool, 9, &c), 0);	/* not consumed */
	assert_memory_equal(b.rng, c.rng, sizeof(b.rng));

	/* inputs are length-prefixed: a different split is a different pool */
	kreloc_seed_pool_init(&split);
	kreloc_seed_pool_add(&split, input32, 16);
	kreloc_seed_pool_add(&split, input32 + 16, 16);
	assert_int_equal(kreloc_seed_pool_derive(&split, 9, &c), 0);
	assert_memory_not_equal(b.rng, c.rng, sizeof(b.rng));
	assert_int_not_equal(b.kaslr, c.kaslr);
}

/* Known answers: python3 hashlib over the construction in seed.h. */
static void test_known_answer(void **state)
{
	static const uint8_t rng1[32] = {
		0x2c, 0xbd, 0xcc, 0x92, 0x77, 0xe1, 0x82, 0x13, 0xf2, 0x70, 0x1b, 0xa0,
		0x8b, 0x3c, 0x23, 0x05, 0xf1, 0x42, 0x5c, 0x22, 0x4b, 0x21, 0xc8, 0xd1,
		0xa4, 0x15, 0x5e, 0xcc, 0xa6, 0x5d, 0xbf, 0x71,
	};
	static const uint8_t rng2[32] = {
		0xc1, 0xe2, 0xe0, 0x4e, 0x1a, 0x8f, 0x78, 0xf8, 0x84, 0xc7, 0xa7, 0x66,
		0xd0, 0x4d, 0x5b, 0xba, 0x51, 0x8e, 0x6d, 0x74, 0xf5, 0x6a, 0xbd, 0x46,
		0xbc, 0xba, 0x2d, 0x2d, 0xe7, 0x8f, 0xd4, 0x71,
	};
	struct kreloc_seeds s;
	struct kreloc_seed_pool pool;

	(void)state;
	derive_ok(input32, sizeof(input32), 0x0123456789abcdefULL, &s);
	assert_int_equal(s.kaslr, 0x142a271c34f78a6cULL);
	assert_memory_equal(s.rng, rng1, sizeof(rng1));

	kreloc_seed_pool_init(&pool);
	kreloc_seed_pool_add_u64(&pool, 0x1122334455667788ULL);
	kreloc_seed_pool_add(&pool, "seedbytes", 9);
	assert_int_equal(kreloc_seed_pool_derive(&pool, 7, &s), 0);
	assert_int_equal(s.kaslr, 0xe7e79156c843c4d2ULL);
	assert_memory_equal(s.rng, rng2, sizeof(rng2));
}

/* Which block function hashes the pool changes nothing in the seeds. */
static unsigned int counted_calls;

static void counted_blocks(uint32_t h[8], const uint8_t *data, size_t nblocks)
{
	counted_calls++;
	kreloc_sha256_blocks(h, data, nblocks);
}

static void test_pool_with_blocks(void **state)
{
	struct kreloc_seed_pool pool;
	struct kreloc_seeds want, got;

	(void)state;
	derive_ok(input32, sizeof(input32), 7, &want);
	kreloc_seed_pool_init_with(&pool, counted_blocks);
	kreloc_seed_pool_add(&pool, input32, sizeof(input32));
	assert_int_equal(kreloc_seed_pool_derive(&pool, 7, &got), 0);
	assert_memory_equal(&got, &want, sizeof(got));
	assert_true(counted_calls >= 3);	/* the pool and both tagged hashes */
	kreloc_seed_pool_init_with(&pool, NULL);	/* NULL: the portable one */
	kreloc_seed_pool_add(&pool, input32, sizeof(input32));
	assert_int_equal(kreloc_seed_pool_derive(&pool, 7, &got), 0);
	assert_memory_equal(&got, &want, sizeof(got));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seeds_differ),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_salt_changes_both),
		cmocka_unit_test(test_input_changes_both),
		cmocka_unit_test(test_no_entropy),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_pool),
		cmocka_unit_test(test_known_answer),
		cmocka_unit_test(test_pool_with_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
