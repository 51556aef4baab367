// SPDX-License-Identifier: MIT
/*
 * fuzz_bundle.c - libFuzzer target: the payload bundle parser and verifier.
 *
 * Input: the bundle.  kreloc_bundle_parse() is compared with a model written
 * here from the order of checks bundle.c documents (exact error code), and
 * an accepted bundle is checked against bundle.h's promises: every blob
 * inside the bundle past the entry table, no two overlapping, an Image, a
 * legal command line, sane PRESERVE ranges.  kreloc_bundle_verify() must
 * agree with the digests computed here.  A bundle whose digests hold is
 * re-packed with kreloc_pack() (tools/pack.c), which must either refuse an
 * input it documents as refused or produce a bundle that parses back to the
 * same blobs, options and ranges.  Chunk tables (version 2, types 7 and 8):
 * modelled as data entries whose size is the chunk size, then linked to
 * their blob as bundle.c documents.
 */
#include <libfdt.h>

#include <kreloc/bundle.h>
#include <kreloc/chunks.h>
#include <kreloc/fdt.h>
#include <kreloc/image.h>
#include <kreloc/place.h>
#include <kreloc/sha256.h>

#include "fuzz.h"
#include "pack.h"

#define HDR	KRELOC_BUNDLE_HEADER_SIZE
#define ENT	KRELOC_BUNDLE_ENTRY_SIZE

static bool zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

struct mblob {
	bool present;
	uint64_t off, len, size;
};

#define NTYPES	9	/* entry types 1..8 */

/* The chunk table of type @t (7, 8) against its blob (1, 2), bundle.h. */
static int model_chunks(const uint8_t *p, const struct mblob *blobs, int t)
{
	const struct mblob *tb = &blobs[t], *bl = &blobs[t - 6];
	const uint8_t *et = NULL, *eb = NULL;
	uint64_t cs = tb->size;
	uint32_t nr = kreloc_le32(p + 24);

	if (!tb->present)
		return 0;
	if (!bl->present || !cs || (cs & (cs - 1)) || cs < 4096 || cs > (1ULL << 30))
		return KRELOC_E_CHUNKS_TABLE;
	if (tb->len % 32 || tb->len / 32 != bl->len / cs + (bl->len % cs != 0))
		return KRELOC_E_CHUNKS_TABLE;
	for (uint32_t i = 0; i < nr; i++) {
		const uint8_t *e = p + HDR + (size_t)i * ENT;

		if (kreloc_le32(e) == (uint32_t)t)
			et = e;
		if (kreloc_le32(e) == (uint32_t)t - 6)
			eb = e;
	}
	return memcmp(et + 48, eb + 48, 32) ? KRELOC_E_CHUNKS_TABLE : 0;
}

/* The model: bundle.h and the check order in bundle.c's comment. */
static int model_parse(const uint8_t *p, uint64_t len, struct mblob blobs[NTYPES],
		       unsigned int *npres)
{
	uint64_t total, table_end, opt;
	uint32_t nr, version;
	int err;

	memset(blobs, 0, NTYPES * sizeof(*blobs));
	*npres = 0;
	if (len < HDR)
		return KRELOC_E_BUNDLE_TRUNCATED;
	if (memcmp(p, "KRELBNDL", 8) != 0)
		return KRELOC_E_BUNDLE_MAGIC;
	version = kreloc_le32(p + 8);
	if (version != 1 && version != 2)
		return KRELOC_E_BUNDLE_VERSION;
	opt = kreloc_le64(p + 32);
	if (kreloc_le32(p + 12) != HDR || kreloc_le32(p + 28) != ENT || !zero(p + 40, 24) ||
	    (opt & ~KRELOC_OPT_KNOWN) || (opt & 0xf) > KRELOC_MODE_CLASSIC ||
	    ((opt >> 4) & 0xf) > KRELOC_GRANULE_64K || ((opt >> 12) & 0x7f) > 64)
		return KRELOC_E_BUNDLE_HEADER;
	nr = kreloc_le32(p + 24);
	if (nr == 0 || nr > 16)
		return KRELOC_E_BUNDLE_ENTRY;
	table_end = HDR + (uint64_t)nr * ENT;
	total = kreloc_le64(p + 16);
	if (total < table_end)
		return KRELOC_E_BUNDLE_HEADER;
	if (total > len)
		return KRELOC_E_BUNDLE_TRUNCATED;
	for (uint32_t i = 0; i < nr; i++) {
		const uint8_t *e = p + HDR + (size_t)i * ENT;
		uint32_t type = kreloc_le32(e);
		uint64_t off = kreloc_le64(e + 8), l = kreloc_le64(e + 16);
		uint64_t al = kreloc_le64(e + 24), addr = kreloc_le64(e + 32);
		uint64_t sz = kreloc_le64(e + 40);

		if (type < 1 || type > 8 || (type > 6 && version != 2) || kreloc_le32(e + 4))
			return KRELOC_E_BUNDLE_ENTRY;
		if (type == 6) {
			if (off || l || al || !zero(e + 48, 32) || *npres == 8)
				return KRELOC_E_BUNDLE_ENTRY;
			if (sz == 0 || (addr & 4095) || (sz & 4095))
				return KRELOC_E_BUNDLE_RANGE;
			if (addr + sz < addr)
				return KRELOC_E_OVERFLOW;
			(*npres)++;
			continue;
		}
		if (addr || (sz && type < 7) || (l == 0 && type != 3))
			return KRELOC_E_BUNDLE_ENTRY;
		if (al == 0 || (al & (al - 1)) || al > (2ULL << 20) || off % al)
			return KRELOC_E_BUNDLE_RANGE;
		if (off < table_end || off > total || l > total - off)
			return KRELOC_E_BUNDLE_RANGE;
		if (blobs[type].present)
			return KRELOC_E_BUNDLE_MISSING;
		blobs[type].present = true;
		blobs[type].off = off;
		blobs[type].len = l;
		blobs[type].size = sz;
	}
	for (int a = 1; a < NTYPES; a++)
		for (int b = a + 1; b < NTYPES; b++)
			if (blobs[a].present && blobs[b].present && blobs[a].len && blobs[b].len &&
			    blobs[a].off < blobs[b].off + blobs[b].len &&
			    blobs[b].off < blobs[a].off + blobs[a].len)
				return KRELOC_E_BUNDLE_OVERLAP;
	if (!blobs[1].present)
		return KRELOC_E_BUNDLE_MISSING;
	if (blobs[2].present && blobs[5].present)	/* a nested bundle is the initrd */
		return KRELOC_E_BUNDLE_ENTRY;
	if (blobs[3].present) {
		if (blobs[3].len > 2047 || memchr(p + blobs[3].off, 0, blobs[3].len))
			return KRELOC_E_BUNDLE_CMDLINE;
	}
	if ((err = model_chunks(p, blobs, 7)) || (err = model_chunks(p, blobs, 8)))
		return err;
	if (version == 2 && !blobs[7].present && !blobs[8].present)
		return KRELOC_E_CHUNKS_TABLE;
	return 0;
}

static const struct kreloc_blob *blob_of(const struct kreloc_bundle *b, int type)
{
	switch (type) {
	case 1: return &b->image;
	case 2: return &b->initrd;
	case 3: return &b->cmdline;
	case 4: return &b->dtb;
	case 7: return &b->image_chunks;
	case 8: return &b->initrd_chunks;
	default: return &b->nested;
	}
}

/* A blob's digest, or a chunked blob's chunks against its table (the table's own entry checks the root). */
static bool digest_ok(const struct kreloc_blob *bl)
{
	uint8_t md[KRELOC_SHA256_SIZE];

	if (!bl->sha256)
		return true;
	for (uint64_t k = 0; bl->chunks && k < bl->nr_chunks; k++) {
		uint64_t off = k * bl->chunk_size;
		uint64_t n = bl->len - off < bl->chunk_size ? bl->len - off : bl->chunk_size;

		kreloc_sha256(bl->data + off, n, md);
		if (memcmp(md, bl->chunks + 32 * k, sizeof(md)))
			return false;
	}
	if (bl->chunks)
		return true;
	kreloc_sha256(bl->data, bl->len, md);
	return memcmp(md, bl->sha256, sizeof(md)) == 0;
}

/* Would kreloc_pack() refuse these inputs (pack.h)?  It is stricter than the parser. */
static bool pack_refuses(const struct kreloc_bundle *b)
{
	struct kreloc_image_info info;
	struct kreloc_bundle nb;

	if (kreloc_image_parse(b->image.data, b->image.len, &info))
		return true;
	if (b->dtb.sha256 && (b->dtb.len > KRELOC_FDT_MAX_SIZE ||
			      kreloc_fdt_check(b->dtb.data, b->dtb.len) != 0))
		return true;
	if (b->nested.sha256 && (kreloc_bundle_parse(b->nested.data, b->nested.len, &nb) ||
				 kreloc_bundle_verify(&nb)))
		return true;
	return false;
}

static void set_blob(struct kreloc_pack_blob *pb, const struct kreloc_blob *bl)
{
	pb->data = bl->sha256 ? bl->data : NULL;
	pb->len = bl->sha256 ? (size_t)bl->len : 0;
}

static void check_repack(const struct kreloc_bundle *b)
{
	struct kreloc_pack_input in;
	struct kreloc_pack_result res;
	struct kreloc_bundle back;
	int err;

	memset(&in, 0, sizeof(in));
	set_blob(&in.image, &b->image);
	set_blob(&in.initrd, &b->initrd);
	set_blob(&in.cmdline, &b->cmdline);
	set_blob(&in.dtb, &b->dtb);
	set_blob(&in.nested, &b->nested);
	in.options = b->options;
	memcpy(in.preserve, b->preserve, sizeof(in.preserve));
	in.nr_preserve = b->nr_preserve;
	err = kreloc_pack(&in, &res);
	if (err) {
		FZ_CHECK(pack_refuses(b), "pack refused a valid bundle's contents: %s (%d), %s",
			 FZ_ERR(err), res.culprit ? res.culprit : "?");
		FZ_CHECK(!res.buf, "failed pack left a buffer");
		return;
	}
	FZ_CHECK(!pack_refuses(b), "pack accepted contents it documents as refused");
	err = kreloc_bundle_parse(res.buf, res.len, &back);
	FZ_CHECK(err == 0, "re-packed bundle does not parse: %s (%d)", FZ_ERR(err));
	FZ_CHECK(kreloc_bundle_verify(&back) == 0, "re-packed bundle fails its digests");
	FZ_CHECK(back.options == b->options && back.nr_preserve == b->nr_preserve &&
		 memcmp(back.preserve, b->preserve, sizeof(back.preserve)) == 0,
		 "options or PRESERVE ranges changed by re-packing");
	for (int t = 1; t <= 5; t++) {
		const struct kreloc_blob *x = blob_of(b, t), *y = blob_of(&back, t);
		/* pack writes chunk tables for --verify on several CPUs: a root, not a digest */
		bool chunked = x->chunks || y->chunks;

		FZ_CHECK(!x->sha256 == !y->sha256 && x->len == y->len &&
			 (!x->len || memcmp(x->data, y->data, x->len) == 0) &&
			 (!x->sha256 || chunked ||
			  memcmp(x->sha256, y->sha256, KRELOC_SHA256_SIZE) == 0),
			 "entry type %d differs after re-packing", t);
		FZ_CHECK(!(t <= 2 && x->sha256) ||
			 !y->chunks == !((b->options & KRELOC_OPT_VERIFY) &&
					 kreloc_bundle_cpus(b) > 1),
			 "entry type %d chunked after re-packing against its options", t);
	}
	free(res.buf);
}

static bool same(const struct kreloc_bundle *x, const struct kreloc_bundle *y)
{
	if (x->base != y->base || x->size != y->size || x->options != y->options ||
	    x->nr_preserve != y->nr_preserve)
		return false;
	for (unsigned int i = 0; i < x->nr_preserve; i++)
		if (x->preserve[i].base != y->preserve[i].base ||
		    x->preserve[i].size != y->preserve[i].size)
			return false;
	for (int t = 1; t < NTYPES; t++) {
		const struct kreloc_blob *a = blob_of(x, t), *b = blob_of(y, t);

		if (a->data != b->data || a->len != b->len || a->sha256 != b->sha256)
			return false;
	}
	return true;
}

static void check_accepted(const uint8_t *data, size_t size, const struct kreloc_bundle *b,
			   const struct mblob *mb, unsigned int npres)
{
	uint64_t table_end = HDR + (uint64_t)kreloc_le32(data + 24) * ENT;
	struct kreloc_bundle again;
	bool digests = true;
	int err;

	FZ_CHECK(b->base == data && b->size == kreloc_le64(data + 16) && b->size <= size,
		 "base/size wrong");
	FZ_CHECK(b->options == kreloc_le64(data + 32), "options not copied");
	FZ_CHECK(kreloc_bundle_mode(b) == KRELOC_MODE_MMU ||
		 kreloc_bundle_mode(b) == KRELOC_MODE_CLASSIC, "mode %u", kreloc_bundle_mode(b));
	FZ_CHECK(kreloc_bundle_granule_shift(b) == 12 || kreloc_bundle_granule_shift(b) == 14 ||
		 kreloc_bundle_granule_shift(b) == 16, "granule %u",
		 kreloc_bundle_granule_shift(b));
	FZ_CHECK(b->image.sha256 != NULL, "no Image");
	for (int t = 1; t < NTYPES; t++) {
		const struct kreloc_blob *x = blob_of(b, t);
		uint64_t off;

		if (t == 6)
			continue;	/* PRESERVE: no blob */
		FZ_CHECK(!x->sha256 == !mb[t].present, "entry type %d presence", t);
		if (!x->sha256) {
			FZ_CHECK(!x->data && !x->len, "absent entry %d has data", t);
			continue;
		}
		off = (uint64_t)(x->data - data);
		FZ_CHECK(off == mb[t].off && x->len == mb[t].len, "entry %d at %#llx+%#llx", t,
			 (unsigned long long)off, (unsigned long long)x->len);
		FZ_CHECK(off >= table_end && off <= b->size && x->len <= b->size - off,
			 "entry %d outside the bundle", t);
		FZ_CHECK(x->sha256 >= data + HDR && x->sha256 + 32 <= data + table_end,
			 "digest pointer outside the entry table");
		FZ_CHECK(x->len || t == 3, "empty entry %d", t);
		digests &= digest_ok(x);
	}
	FZ_CHECK(b->cmdline.len <= KRELOC_CMDLINE_MAX &&
		 (!b->cmdline.len || !memchr(b->cmdline.data, 0, b->cmdline.len)),
		 "bad command line accepted");
	FZ_CHECK(b->nr_preserve == npres, "%u PRESERVE ranges, the model %u", b->nr_preserve,
		 npres);
	for (unsigned int i = 0; i < b->nr_preserve; i++) {
		const struct kreloc_range *r = &b->preserve[i];

		FZ_CHECK(r->size && KRELOC_ALIGNED(r->base, 4096) && KRELOC_ALIGNED(r->size, 4096) &&
			 r->base + r->size > r->base, "bad PRESERVE range accepted");
	}

	err = kreloc_bundle_verify(b);
	FZ_CHECK(err == (digests ? 0 : KRELOC_E_BUNDLE_CHECKSUM), "verify returned %s (%d)",
		 FZ_ERR(err));
	/* parsing exactly total_size bytes is the same; one fewer is truncated */
	FZ_CHECK(kreloc_bundle_parse(data, b->size, &again) == 0 && same(&again, b),
		 "parse of total_size bytes differs");
	FZ_CHECK(kreloc_bundle_parse(data, b->size - 1, &again) == KRELOC_E_BUNDLE_TRUNCATED,
		 "parse of total_size - 1 bytes accepted");
	if (digests)
		check_repack(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kreloc_bundle b, poison;
	struct mblob mb[NTYPES];
	unsigned int npres;
	int err, merr;

	memset(&poison, 0x5a, sizeof(poison));
	b = poison;
	err = kreloc_bundle_parse(data, size, &b);
	merr = model_parse(data, size, mb, &npres);
	FZ_CHECK(err == merr, "parse returned %s (%d), the model %s (%d)", FZ_ERR(err),
		 FZ_ERR(merr));
	if (err) {
		FZ_CHECK(memcmp(&b, &poison, sizeof(b)) == 0, "output written on failure");
		return 0;
	}
	check_accepted(data, size, &b, mb, npres);
	return 0;
}
