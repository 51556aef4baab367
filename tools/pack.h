/* SPDX-License-Identifier: MIT */
/*
 * pack.h - build a kreloc payload bundle in memory (host only).
 *
 * Layout written by kreloc_pack() (the parser accepts any valid layout; this
 * is just what the tool produces):
 *   header (64 bytes), then the entry table in this fixed order:
 *   IMAGE, INITRD, DTB, CMDLINE, NESTED (each only if given), then the
 *   PRESERVE entries in the order given;
 *   then the data in the same order, IMAGE, INITRD, DTB and NESTED each at an
 *   offset aligned to KRELOC_PACK_DATA_ALIGN (64 KiB: page aligned for every
 *   arm64 granule, so the shim can use the pages in place as copy sources),
 *   CMDLINE aligned to KRELOC_PACK_CMDLINE_ALIGN; padding is zero;
 *   total_size is the end of the last data byte.
 */
#ifndef KRELOC_TOOLS_PACK_H
#define KRELOC_TOOLS_PACK_H

#include <kreloc/bundle.h>

#define KRELOC_PACK_DATA_ALIGN		(64ULL << 10)
#define KRELOC_PACK_CMDLINE_ALIGN	8ULL

/** struct kreloc_pack_blob - input bytes; @data NULL means "not given". */
struct kreloc_pack_blob {
	const void *data;
	size_t len;
};

/**
 * struct kreloc_pack_input - what goes into a bundle.
 * @image:   required; must pass kreloc_image_parse()
 * @initrd:  optional, non-empty when given
 * @dtb:     optional; must pass kreloc_fdt_check() and be <= 2 MiB
 * @cmdline: optional; may be empty (clears bootargs); no NUL, <= 2047 bytes
 * @nested:  optional; must itself pass kreloc_bundle_parse() and _verify()
 * @options: KRELOC_OPT_* bits
 * @preserve, @nr_preserve: PRESERVE ranges (page aligned, non-empty, no wrap)
 */
struct kreloc_pack_input {
	struct kreloc_pack_blob image;
	struct kreloc_pack_blob initrd;
	struct kreloc_pack_blob dtb;
	struct kreloc_pack_blob cmdline;
	struct kreloc_pack_blob nested;
	uint64_t options;
	struct kreloc_range preserve[KRELOC_BUNDLE_MAX_PRESERVE];
	unsigned int nr_preserve;
};

/**
 * struct kreloc_pack_result - what kreloc_pack() produced.
 * @buf:     the bundle, from malloc(); the caller frees it (NULL on failure)
 * @len:     its size (= total_size)
 * @culprit: on failure, the input at fault: "image", "initrd", "dtb",
 *           "cmdline", "nested", "preserve", "options", or "bundle" (the
 *           output failed its own re-parse, or allocation failed)
 */
struct kreloc_pack_result {
	uint8_t *buf;
	size_t len;
	const char *culprit;
};

/**
 * kreloc_pack() - validate the inputs and build a bundle.
 * @in: the inputs (not modified; their bytes are copied)
 * @res: filled in; on failure @res->buf is NULL and @res->culprit is set
 *
 * Refuses what the shim would refuse: the Image header, the DTB, the nested
 * bundle, the command line, options and PRESERVE ranges are checked first,
 * and the finished bundle is run through kreloc_bundle_parse() and
 * kreloc_bundle_verify() before it is returned.  With KRELOC_OPT_VERIFY and
 * more than one CPU in @in->options, the Image and the initrd get chunk
 * tables of KRELOC_CHUNK_SIZE_DEFAULT chunks (bundle.h, version 2), so the
 * shim can check them on every CPU; otherwise the bundle is version 1.
 *
 * Return: 0; KRELOC_E_INVAL (NULL pointer, missing Image, empty initrd, DTB
 * or nested bundle); KRELOC_E_NOMEM (malloc failed or size overflow); a
 * KRELOC_E_IMAGE_* code for the Image; KRELOC_E_FDT_TOO_LARGE or
 * KRELOC_E_FDT for the DTB; a KRELOC_E_BUNDLE_* code or KRELOC_E_OVERFLOW for
 * the nested bundle, command line (CMDLINE), options (HEADER) or PRESERVE
 * ranges (ENTRY for more than 8, RANGE, OVERFLOW).
 */
int kreloc_pack(const struct kreloc_pack_input *in, struct kreloc_pack_result *res);

#endif /* KRELOC_TOOLS_PACK_H */
