/* SPDX-License-Identifier: MIT */
/*
 * image.h - the arm64 Linux Image header (Documentation/arch/arm64/booting.rst).
 *
 * The header is the first 64 bytes of an Image, all fields little-endian.
 * kreloc_image_parse() turns it into the facts a loader acts on; it never
 * trusts a field it has not checked.
 */
#ifndef KRELOC_IMAGE_H
#define KRELOC_IMAGE_H

#include <kreloc/kreloc_env.h>

#define KRELOC_IMAGE_HEADER_SIZE	64
#define KRELOC_IMAGE_MAGIC		0x644d5241U	/* "ARM\x64" read as LE u32 */
#define KRELOC_IMAGE_MAGIC_OFFSET	56

/* flags field */
#define KRELOC_IMAGE_FLAG_BE		(1ULL << 0)	/* kernel is big-endian */
#define KRELOC_IMAGE_FLAG_PAGE_SHIFT	1		/* bits 1-2: page size */
#define KRELOC_IMAGE_FLAG_PAGE_MASK	(3ULL << 1)
#define KRELOC_IMAGE_FLAG_ANYWHERE	(1ULL << 3)	/* any 2 MiB-aligned base in RAM */
#define KRELOC_IMAGE_FLAGS_KNOWN	0xfULL

/* text_offset assumed for kernels older than 3.17 (image_size == 0). */
#define KRELOC_IMAGE_LEGACY_TEXT_OFFSET	0x80000ULL
/*
 * Such kernels give no size for BSS and early page tables: the protocol asks
 * the loader to leave as much as it can free after the image.  kreloc keeps
 * this much beyond the file, which covers every kernel of that era.
 */
#define KRELOC_IMAGE_LEGACY_SLACK	(32ULL << 20)
/* Refuse image_size beyond this: no arm64 kernel comes near it. */
#define KRELOC_IMAGE_MAX_SIZE		(1ULL << 32)

/**
 * struct kreloc_image_info - what a loader needs to know about an Image.
 * @text_offset: load offset from a 2 MiB-aligned base (0x80000 for legacy)
 * @image_size:  bytes that must be free from the load address (includes BSS);
 *               for legacy Images, file_size rounded up plus the legacy slack
 * @file_size:   bytes of the Image as supplied
 * @flags:       raw flags field (0 for legacy Images, where it was reserved)
 * @page_shift:  12, 14 or 16; 0 when the Image leaves it unspecified
 * @anywhere:    flags bit 3: any 2 MiB-aligned base in RAM is acceptable;
 *               otherwise place it as low in RAM as possible
 * @legacy:      image_size was 0 (pre-3.17 kernel)
 */
struct kreloc_image_info {
	uint64_t text_offset;
	uint64_t image_size;
	uint64_t file_size;
	uint64_t flags;
	unsigned int page_shift;
	bool anywhere;
	bool legacy;
};

/**
 * kreloc_image_parse() - check an Image header and describe the Image.
 * @buf:  the Image (only the first 64 bytes are read)
 * @len:  bytes available at @buf (the whole Image)
 * @info: filled on success; untouched on failure
 *
 * Return: 0, or KRELOC_E_IMAGE_TRUNCATED (len < 64), KRELOC_E_IMAGE_MAGIC,
 * KRELOC_E_IMAGE_BIG_ENDIAN, KRELOC_E_IMAGE_FLAGS (bits above 3 set),
 * KRELOC_E_IMAGE_TEXT_OFFSET (not 4 KiB aligned or >= 2 MiB),
 * KRELOC_E_IMAGE_SIZE (image_size < len or > KRELOC_IMAGE_MAX_SIZE).
 */
int kreloc_image_parse(const void *buf, uint64_t len, struct kreloc_image_info *info);

/**
 * kreloc_image_check_cpu() - can this CPU run the Image's page size?
 * @info:          from kreloc_image_parse()
 * @granule_shifts: bit N set when the CPU supports a 2^N-byte granule at
 *                 stage 1 (bits 12, 14, 16), as read from ID_AA64MMFR0_EL1
 *
 * Return: 0 (also when the page size is unspecified), or
 * KRELOC_E_IMAGE_PAGE_SIZE.
 */
int kreloc_image_check_cpu(const struct kreloc_image_info *info, uint32_t granule_shifts);

/**
 * kreloc_image_release() - find the "Linux version X" banner in an Image.
 * @buf: the Image, @len: its length
 * @out: receives the release (the word after "Linux version "), NUL-terminated
 * @outsz: size of @out
 *
 * Return: length of the release string, or KRELOC_E_INVAL when not found.
 */
int kreloc_image_release(const void *buf, uint64_t len, char *out, size_t outsz);

#endif /* KRELOC_IMAGE_H */
