// SPDX-License-Identifier: MIT
/*
 * pack.c - build a kreloc payload bundle in memory (host only; see pack.h).
 */
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include <kreloc/bundle.h>
#include <kreloc/chunks.h>
#include <kreloc/error.h>
#include <kreloc/fdt.h>
#include <kreloc/image.h>
#include <kreloc/place.h>
#include <kreloc/sha256.h>

#include "pack.h"

/* One planned entry: where its bytes come from and where they go. */
struct pack_item {
	uint32_t type;
	const struct kreloc_pack_blob *blob;	/* NULL for PRESERVE */
	const struct kreloc_range *range;	/* PRESERVE only */
	uint64_t align;
	uint64_t offset;
	uint64_t size;				/* a chunk table's chunk size, else 0 */
	const uint8_t *root;			/* a chunked blob's root digest, else NULL */
};

/*
 * A blob's chunk table (bundle.h), for a bundle the shim verifies on
 * several CPUs: the table as the blob of its own entry, and the root.
 */
struct pack_chunks {
	struct kreloc_pack_blob table;
	uint8_t root[KRELOC_SHA256_SIZE];
};

static int fail(struct kreloc_pack_result *res, const char *culprit, int err)
{
	free(res->buf);
	res->buf = NULL;
	res->len = 0;
	res->culprit = culprit;
	return err;
}

static int check_options(uint64_t opt)
{
	uint64_t mode = (opt & KRELOC_OPT_MODE_MASK) >> KRELOC_OPT_MODE_SHIFT;
	uint64_t gran = (opt & KRELOC_OPT_GRANULE_MASK) >> KRELOC_OPT_GRANULE_SHIFT;

	if ((opt & ~KRELOC_OPT_KNOWN) || mode > KRELOC_MODE_CLASSIC || gran > KRELOC_GRANULE_64K)
		return KRELOC_E_BUNDLE_HEADER;
	return 0;
}

static int check_cmdline(const struct kreloc_pack_blob *c)
{
	if (c->len > KRELOC_CMDLINE_MAX)
		return KRELOC_E_BUNDLE_CMDLINE;
	if (c->len && memchr(c->data, 0, c->len))
		return KRELOC_E_BUNDLE_CMDLINE;
	return 0;
}

static int check_preserve(const struct kreloc_pack_input *in)
{
	if (in->nr_preserve > KRELOC_BUNDLE_MAX_PRESERVE)
		return KRELOC_E_BUNDLE_ENTRY;
	for (unsigned int i = 0; i < in->nr_preserve; i++) {
		const struct kreloc_range *r = &in->preserve[i];

		if (r->size == 0 || !KRELOC_ALIGNED(r->base, KRELOC_SZ_4K) ||
		    !KRELOC_ALIGNED(r->size, KRELOC_SZ_4K))
			return KRELOC_E_BUNDLE_RANGE;
		if (r->base + r->size < r->base)
			return KRELOC_E_OVERFLOW;
	}
	return 0;
}

/* Validate every input, naming the one at fault. */
static int check_inputs(const struct kreloc_pack_input *in, const char **culprit)
{
	struct kreloc_image_info info;
	struct kreloc_bundle nb;
	int err;

	*culprit = "image";
	if (!in->image.data)
		return KRELOC_E_INVAL;
	err = kreloc_image_parse(in->image.data, in->image.len, &info);
	if (err)
		return err;

	*culprit = "initrd";
	if (in->initrd.data && in->initrd.len == 0)
		return KRELOC_E_INVAL;

	*culprit = "dtb";
	if (in->dtb.data) {
		if (in->dtb.len == 0)
			return KRELOC_E_INVAL;
		if (in->dtb.len > KRELOC_FDT_MAX_SIZE)
			return KRELOC_E_FDT_TOO_LARGE;
		/* what the shim will check (fdt_check_full() alone can crash) */
		err = kreloc_fdt_check(in->dtb.data, in->dtb.len);
		if (err)
			return err;
	}

	*culprit = "cmdline";
	if (in->cmdline.data) {
		err = check_cmdline(&in->cmdline);
		if (err)
			return err;
	}

	*culprit = "nested";
	if (in->nested.data) {
		if (in->nested.len == 0)
			return KRELOC_E_INVAL;
		err = kreloc_bundle_parse(in->nested.data, in->nested.len, &nb);
		if (!err)
			err = kreloc_bundle_verify(&nb);
		if (err)
			return err;
	}

	*culprit = "options";
	err = check_options(in->options);
	if (err)
		return err;

	*culprit = "preserve";
	return check_preserve(in);
}

static void add_data(struct pack_item *items, unsigned int *nr, uint32_t type,
		     const struct kreloc_pack_blob *blob, uint64_t align)
{
	if (!blob->data)
		return;
	items[*nr].type = type;
	items[*nr].blob = blob;
	items[*nr].range = NULL;
	items[*nr].align = align;
	items[*nr].offset = 0;
	items[*nr].size = 0;
	items[*nr].root = NULL;
	(*nr)++;
}

/*
 * The chunk table of @blob, when it is given, as the entry after its own
 * (@type): the blob's entry then carries the root.
 */
static int add_chunks(struct pack_item *items, unsigned int *nr, uint32_t type,
		      const struct kreloc_pack_blob *blob, struct pack_chunks *c)
{
	uint64_t n;
	uint8_t *t;

	if (!blob->data)
		return 0;
	n = kreloc_chunks_count(blob->len, KRELOC_CHUNK_SIZE_DEFAULT);
	t = malloc((size_t)n * KRELOC_SHA256_SIZE);
	if (!t)
		return KRELOC_E_NOMEM;
	c->table = (struct kreloc_pack_blob){ t, (size_t)n * KRELOC_SHA256_SIZE };
	kreloc_chunks_build(blob->data, blob->len, KRELOC_CHUNK_SIZE_DEFAULT, t, c->root);
	items[*nr - 1].root = c->root;
	add_data(items, nr, type, &c->table, KRELOC_PACK_CMDLINE_ALIGN);
	items[*nr - 1].size = KRELOC_CHUNK_SIZE_DEFAULT;
	return 0;
}

/* Chunk tables go with verification on several CPUs (bundle.h, version 2). */
static bool wants_chunks(uint64_t opt)
{
	return (opt & KRELOC_OPT_VERIFY) && (opt & KRELOC_OPT_CPUS_MASK) >> KRELOC_OPT_CPUS_SHIFT > 1;
}

static int build(const struct kreloc_pack_input *in, struct kreloc_pack_result *res,
		 struct pack_chunks chunks[2])
{
	struct pack_item items[KRELOC_BUNDLE_MAX_ENTRIES];
	struct kreloc_bundle check;
	unsigned int nr = 0, i;
	uint64_t pos;
	const char *culprit;
	uint8_t *buf;
	int err;

	if (!res)
		return KRELOC_E_INVAL;
	res->buf = NULL;
	res->len = 0;
	res->culprit = NULL;
	if (!in)
		return fail(res, "image", KRELOC_E_INVAL);
	err = check_inputs(in, &culprit);
	if (err)
		return fail(res, culprit, err);

	add_data(items, &nr, KRELOC_BUNDLE_IMAGE, &in->image, KRELOC_PACK_DATA_ALIGN);
	if (wants_chunks(in->options) &&
	    (err = add_chunks(items, &nr, KRELOC_BUNDLE_IMAGE_CHUNKS, &in->image, &chunks[0])))
		return fail(res, "bundle", err);
	add_data(items, &nr, KRELOC_BUNDLE_INITRD, &in->initrd, KRELOC_PACK_DATA_ALIGN);
	if (wants_chunks(in->options) &&
	    (err = add_chunks(items, &nr, KRELOC_BUNDLE_INITRD_CHUNKS, &in->initrd, &chunks[1])))
		return fail(res, "bundle", err);
	add_data(items, &nr, KRELOC_BUNDLE_DTB, &in->dtb, KRELOC_PACK_DATA_ALIGN);
	add_data(items, &nr, KRELOC_BUNDLE_CMDLINE, &in->cmdline, KRELOC_PACK_CMDLINE_ALIGN);
	add_data(items, &nr, KRELOC_BUNDLE_NESTED, &in->nested, KRELOC_PACK_DATA_ALIGN);
	for (i = 0; i < in->nr_preserve; i++) {
		items[nr].type = KRELOC_BUNDLE_PRESERVE;
		items[nr].blob = NULL;
		items[nr].range = &in->preserve[i];
		items[nr].align = 0;
		items[nr].offset = 0;
		items[nr].size = 0;
		items[nr].root = NULL;
		nr++;
	}

	/* Lay the data out after the table, checking every sum for overflow. */
	pos = KRELOC_BUNDLE_HEADER_SIZE + (uint64_t)nr * KRELOC_BUNDLE_ENTRY_SIZE;
	for (i = 0; i < nr; i++) {
		uint64_t start;

		if (!items[i].blob)
			continue;
		start = KRELOC_ALIGN_UP(pos, items[i].align);
		if (start < pos || start + items[i].blob->len < start)
			return fail(res, "bundle", KRELOC_E_NOMEM);
		items[i].offset = start;
		pos = start + items[i].blob->len;
	}
	if (pos > SIZE_MAX)
		return fail(res, "bundle", KRELOC_E_NOMEM);

	buf = calloc(1, (size_t)pos);
	if (!buf)
		return fail(res, "bundle", KRELOC_E_NOMEM);
	res->buf = buf;
	res->len = (size_t)pos;

	memcpy(buf, KRELOC_BUNDLE_MAGIC, 8);
	kreloc_put_le32(buf + 8, chunks[0].table.data ? KRELOC_BUNDLE_VERSION_CHUNKS :
							KRELOC_BUNDLE_VERSION);
	kreloc_put_le32(buf + 12, KRELOC_BUNDLE_HEADER_SIZE);
	kreloc_put_le64(buf + 16, pos);
	kreloc_put_le32(buf + 24, nr);
	kreloc_put_le32(buf + 28, KRELOC_BUNDLE_ENTRY_SIZE);
	kreloc_put_le64(buf + 32, in->options);

	for (i = 0; i < nr; i++) {
		uint8_t *e = buf + KRELOC_BUNDLE_HEADER_SIZE + (size_t)i * KRELOC_BUNDLE_ENTRY_SIZE;
		const struct pack_item *it = &items[i];

		kreloc_put_le32(e + 0, it->type);
		if (it->blob) {
			kreloc_put_le64(e + 8, it->offset);
			kreloc_put_le64(e + 16, it->blob->len);
			kreloc_put_le64(e + 24, it->align);
			kreloc_put_le64(e + 40, it->size);
			if (it->blob->len)
				memcpy(buf + it->offset, it->blob->data, it->blob->len);
			if (it->root)
				memcpy(e + 48, it->root, KRELOC_SHA256_SIZE);
			else
				kreloc_sha256(buf + it->offset, it->blob->len, e + 48);
		} else {
			kreloc_put_le64(e + 32, it->range->base);
			kreloc_put_le64(e + 40, it->range->size);
		}
	}

	/* The shim's own checks, on the very bytes we are about to hand out. */
	err = kreloc_bundle_parse(buf, pos, &check);
	if (!err)
		err = kreloc_bundle_verify(&check);
	if (err)
		return fail(res, "bundle", err);
	return 0;
}

int kreloc_pack(const struct kreloc_pack_input *in, struct kreloc_pack_result *res)
{
	struct pack_chunks chunks[2] = { 0 };
	int err = build(in, res, chunks);

	free((void *)chunks[0].table.data);
	free((void *)chunks[1].table.data);
	return err;
}
