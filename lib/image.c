// SPDX-License-Identifier: MIT
/*
 * image.c - the arm64 Linux Image header: parse, check against the CPU, and
 * find the release string.
 *
 * Header layout (all little-endian): code0 @0, code1 @4, text_offset @8,
 * image_size @16, flags @24, three reserved u64 @32, magic "ARM\x64" @56,
 * PE header offset @60.
 */
#include <kreloc/error.h>
#include <kreloc/image.h>

#define IMAGE_TEXT_OFFSET_AT	8
#define IMAGE_SIZE_AT		16
#define IMAGE_FLAGS_AT		24

/**
 * kreloc_image_parse() - see image.h.
 *
 * Checks run in this order, so a header with several faults reports the
 * first: length, magic, then (non-legacy only) big-endian bit, reserved flag
 * bits, text_offset, image_size.  A legacy header (image_size == 0) predates
 * the flags field and a fixed-endian text_offset: both are ignored and
 * text_offset is taken as 0x80000; only the file size is then checked.
 * Reads at most the first 64 bytes of @buf.
 */
int kreloc_image_parse(const void *buf, uint64_t len, struct kreloc_image_info *info)
{
	const uint8_t *h = buf;
	struct kreloc_image_info r;
	unsigned int psz;

	if (!buf || !info)
		return KRELOC_E_INVAL;
	if (len < KRELOC_IMAGE_HEADER_SIZE)
		return KRELOC_E_IMAGE_TRUNCATED;
	if (kreloc_le32(h + KRELOC_IMAGE_MAGIC_OFFSET) != KRELOC_IMAGE_MAGIC)
		return KRELOC_E_IMAGE_MAGIC;

	memset(&r, 0, sizeof(r));
	r.file_size = len;
	r.image_size = kreloc_le64(h + IMAGE_SIZE_AT);

	if (r.image_size == 0) {
		/* Pre-3.17: no usable flags, text_offset in the kernel's endianness. */
		if (len > KRELOC_IMAGE_MAX_SIZE)
			return KRELOC_E_IMAGE_SIZE;
		r.legacy = true;
		r.text_offset = KRELOC_IMAGE_LEGACY_TEXT_OFFSET;
		r.image_size = KRELOC_ALIGN_UP(len, KRELOC_SZ_4K) + KRELOC_IMAGE_LEGACY_SLACK;
		*info = r;
		return 0;
	}

	r.flags = kreloc_le64(h + IMAGE_FLAGS_AT);
	r.text_offset = kreloc_le64(h + IMAGE_TEXT_OFFSET_AT);

	if (r.flags & KRELOC_IMAGE_FLAG_BE)
		return KRELOC_E_IMAGE_BIG_ENDIAN;
	if (r.flags & ~KRELOC_IMAGE_FLAGS_KNOWN)
		return KRELOC_E_IMAGE_FLAGS;
	if (!KRELOC_ALIGNED(r.text_offset, KRELOC_SZ_4K) || r.text_offset >= KRELOC_SZ_2M)
		return KRELOC_E_IMAGE_TEXT_OFFSET;
	if (r.image_size < len || r.image_size > KRELOC_IMAGE_MAX_SIZE)
		return KRELOC_E_IMAGE_SIZE;

	psz = (unsigned int)((r.flags & KRELOC_IMAGE_FLAG_PAGE_MASK) >> KRELOC_IMAGE_FLAG_PAGE_SHIFT);
	/* 1 = 4K, 2 = 16K, 3 = 64K: shift 12, 14, 16; 0 = unspecified */
	r.page_shift = psz ? 10 + 2 * psz : 0;
	r.anywhere = (r.flags & KRELOC_IMAGE_FLAG_ANYWHERE) != 0;
	*info = r;
	return 0;
}

/**
 * kreloc_image_check_cpu() - see image.h.  KRELOC_E_INVAL for a NULL @info.
 */
int kreloc_image_check_cpu(const struct kreloc_image_info *info, uint32_t granule_shifts)
{
	if (!info)
		return KRELOC_E_INVAL;
	if (info->page_shift == 0)
		return 0;
	if (info->page_shift >= 32 || !(granule_shifts & (1U << info->page_shift)))
		return KRELOC_E_IMAGE_PAGE_SIZE;
	return 0;
}

static bool release_char(uint8_t c)
{
	return c > ' ' && c < 0x7f;
}

/**
 * kreloc_image_release() - see image.h.
 *
 * Scans the whole of @buf for "Linux version " followed by a word that
 * starts with a digit (every Linux release does; this skips format strings
 * such as "Linux version %s").  The word ends at the first byte that is not
 * printable ASCII or is a space.  Return: the word's length; KRELOC_E_INVAL
 * when no such banner exists or an argument is NULL/zero-sized;
 * KRELOC_E_NOSPACE when the word and its NUL do not fit in @outsz (@out then
 * holds an empty string).  An Image compressed as a whole (vmlinuz.gz) has
 * no readable banner.
 */
int kreloc_image_release(const void *buf, uint64_t len, char *out, size_t outsz)
{
	static const char tag[] = "Linux version ";
	const uint64_t tlen = sizeof(tag) - 1;
	const uint8_t *p = buf;
	uint64_t i, n;

	if (!buf || !out || outsz == 0)
		return KRELOC_E_INVAL;
	out[0] = '\0';
	if (len <= tlen)
		return KRELOC_E_INVAL;

	for (i = 0; i < len - tlen; i++) {
		if (p[i] != 'L' || memcmp(p + i, tag, tlen) != 0)
			continue;
		if (p[i + tlen] < '0' || p[i + tlen] > '9')
			continue;
		for (n = 0; i + tlen + n < len && release_char(p[i + tlen + n]); n++)
			;
		if (n >= outsz || n > (uint64_t)INT32_MAX)
			return KRELOC_E_NOSPACE;
		memcpy(out, p + i + tlen, (size_t)n);
		out[n] = '\0';
		return (int)n;
	}
	return KRELOC_E_INVAL;
}
