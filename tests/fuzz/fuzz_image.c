// SPDX-License-Identifier: MIT
/*
 * fuzz_image.c - libFuzzer target: the arm64 Image header parser.
 *
 * Input: the Image itself.  kreloc_image_parse() is compared with a model
 * written here from image.h (the exact error, in the documented order, and
 * every field of the result); kreloc_image_check_cpu() with every set of
 * granules; kreloc_image_release() with a model scan at several output
 * sizes.  Failures must leave the outputs untouched.
 */
#include <kreloc/image.h>

#include "fuzz.h"

static uint64_t le64_at(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* The model: image.h's contract, checks in the order image.c documents. */
static int model_parse(const uint8_t *h, uint64_t len, struct kreloc_image_info *m)
{
	uint64_t isz, flags, toff;
	unsigned int psz;

	if (len < 64)
		return KRELOC_E_IMAGE_TRUNCATED;
	if (memcmp(h + 56, "ARM\x64", 4) != 0)
		return KRELOC_E_IMAGE_MAGIC;
	memset(m, 0, sizeof(*m));
	m->file_size = len;
	isz = le64_at(h + 16);
	if (isz == 0) {
		if (len > (1ULL << 32))
			return KRELOC_E_IMAGE_SIZE;
		m->legacy = true;
		m->text_offset = 0x80000;
		m->image_size = ((len + 4095) & ~4095ULL) + (32ULL << 20);
		return 0;
	}
	flags = le64_at(h + 24);
	toff = le64_at(h + 8);
	if (flags & 1)
		return KRELOC_E_IMAGE_BIG_ENDIAN;
	if (flags >> 4)
		return KRELOC_E_IMAGE_FLAGS;
	if ((toff & 4095) || toff >= (2ULL << 20))
		return KRELOC_E_IMAGE_TEXT_OFFSET;
	if (isz < len || isz > (1ULL << 32))
		return KRELOC_E_IMAGE_SIZE;
	psz = (unsigned int)(flags >> 1) & 3;
	m->text_offset = toff;
	m->image_size = isz;
	m->flags = flags;
	m->page_shift = psz ? 10 + 2 * psz : 0;
	m->anywhere = flags & 8;
	return 0;
}

static void check_parse(const uint8_t *data, size_t size)
{
	struct kreloc_image_info got, want, poison;
	int err, merr;

	memset(&poison, 0xa5, sizeof(poison));
	got = poison;
	err = kreloc_image_parse(data, size, &got);
	merr = model_parse(data, size, &want);
	FZ_CHECK(err == merr, "parse returned %s (%d), the model %s (%d)", FZ_ERR(err),
		 FZ_ERR(merr));
	if (err) {
		FZ_CHECK(memcmp(&got, &poison, sizeof(got)) == 0, "info written on failure");
		return;
	}
	FZ_CHECK(got.text_offset == want.text_offset && got.image_size == want.image_size &&
		 got.file_size == want.file_size && got.flags == want.flags &&
		 got.page_shift == want.page_shift && got.anywhere == want.anywhere &&
		 got.legacy == want.legacy,
		 "info differs: text_offset %#llx/%#llx image_size %#llx/%#llx flags %#llx/%#llx "
		 "page_shift %u/%u anywhere %d/%d legacy %d/%d",
		 (unsigned long long)got.text_offset, (unsigned long long)want.text_offset,
		 (unsigned long long)got.image_size, (unsigned long long)want.image_size,
		 (unsigned long long)got.flags, (unsigned long long)want.flags, got.page_shift,
		 want.page_shift, got.anywhere, want.anywhere, got.legacy, want.legacy);
	/* what a loader relies on */
	FZ_CHECK(got.image_size >= size && KRELOC_ALIGNED(got.text_offset, 4096) &&
		 got.text_offset < KRELOC_SZ_2M, "unusable geometry accepted");

	for (uint32_t set = 0; set < 8; set++) {
		uint32_t mask = (set & 1 ? 1U << 12 : 0) | (set & 2 ? 1U << 14 : 0) |
				(set & 4 ? 1U << 16 : 0);
		int c = kreloc_image_check_cpu(&got, mask);
		bool ok = got.page_shift == 0 || (mask & (1U << got.page_shift));

		FZ_CHECK(c == (ok ? 0 : KRELOC_E_IMAGE_PAGE_SIZE),
			 "check_cpu(page_shift %u, mask %#x) = %s (%d)", got.page_shift, mask,
			 FZ_ERR(c));
	}
}

static bool release_char(uint8_t c)
{
	return c > ' ' && c < 0x7f;
}

static void check_release(const uint8_t *data, size_t size)
{
	static const char tag[] = "Linux version ";
	static const size_t outsz[] = { 1, 2, 8, 33, 65, 256 };
	const size_t tlen = sizeof(tag) - 1;
	size_t at = SIZE_MAX, wlen = 0;

	/* model: the first tag followed by a digit; the word runs to a non-release char */
	for (size_t i = 0; size > tlen && i < size - tlen; i++) {
		if (memcmp(data + i, tag, tlen) == 0 && data[i + tlen] >= '0' &&
		    data[i + tlen] <= '9') {
			at = i + tlen;
			break;
		}
	}
	if (at != SIZE_MAX)
		while (at + wlen < size && release_char(data[at + wlen]))
			wlen++;

	for (size_t k = 0; k < KRELOC_ARRAY_SIZE(outsz); k++) {
		char out[256];
		int n;

		memset(out, 'x', sizeof(out));
		n = kreloc_image_release(data, size, out, outsz[k]);
		if (at == SIZE_MAX) {
			FZ_CHECK(n == KRELOC_E_INVAL && out[0] == '\0',
				 "no banner, release returned %d", n);
		} else if (wlen >= outsz[k]) {
			FZ_CHECK(n == KRELOC_E_NOSPACE && out[0] == '\0',
				 "word of %zu bytes in %zu: release returned %d", wlen, outsz[k], n);
		} else {
			FZ_CHECK(n >= 0 && (size_t)n == wlen && out[n] == '\0' &&
				 memcmp(out, data + at, wlen) == 0,
				 "release returned %d, the model a word of %zu at %zu", n, wlen, at);
			for (size_t i = (size_t)n + 1; i < outsz[k]; i++)
				FZ_CHECK(out[i] == 'x', "byte %zu written past the NUL", i);
		}
		for (size_t i = outsz[k]; i < sizeof(out); i++)
			FZ_CHECK(out[i] == 'x', "byte %zu written past outsz %zu", i, outsz[k]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kreloc_image_info info;

	check_parse(data, size);
	check_release(data, size);
	/* a parse of fewer bytes than the header must say so, whatever they hold */
	if (size >= 64)
		FZ_CHECK(kreloc_image_parse(data, 63, &info) == KRELOC_E_IMAGE_TRUNCATED,
			 "63 bytes not truncated");
	return 0;
}
