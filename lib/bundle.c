// SPDX-License-Identifier: MIT
/*
 * bundle.c - validate and index a kreloc payload bundle (format in bundle.h).
 *
 * Every field is read with the little-endian accessors at its offset, never
 * through a cast, and checked before anything depends on it.  All arithmetic
 * on offsets and lengths is checked for wrap-around.
 */
#include <kreloc/bundle.h>
#include <kreloc/error.h>
#include <kreloc/sha256.h>

/* Header field offsets. */
#define BH_MAGIC	0
#define BH_VERSION	8
#define BH_HEADER_SIZE	12
#define BH_TOTAL_SIZE	16
#define BH_NR_ENTRIES	24
#define BH_ENTRY_SIZE	28
#define BH_OPTIONS	32
#define BH_RESERVED	40
#define BH_RESERVED_LEN	24

/* Entry field offsets. */
#define BE_TYPE		0
#define BE_FLAGS	4
#define BE_OFFSET	8
#define BE_LENGTH	16
#define BE_ALIGN	24
#define BE_ADDR		32
#define BE_SIZE		40
#define BE_SHA256	48

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static int check_options(uint64_t opt)
{
	uint64_t mode = (opt & KRELOC_OPT_MODE_MASK) >> KRELOC_OPT_MODE_SHIFT;
	uint64_t gran = (opt & KRELOC_OPT_GRANULE_MASK) >> KRELOC_OPT_GRANULE_SHIFT;
	uint64_t cpus = (opt & KRELOC_OPT_CPUS_MASK) >> KRELOC_OPT_CPUS_SHIFT;

	if (opt & ~KRELOC_OPT_KNOWN)
		return KRELOC_E_BUNDLE_HEADER;
	if (mode > KRELOC_MODE_CLASSIC || gran > KRELOC_GRANULE_64K || cpus > KRELOC_OPT_CPUS_MAX)
		return KRELOC_E_BUNDLE_HEADER;
	return 0;
}

/* The blob slot an entry type fills, or NULL for PRESERVE. */
static struct kreloc_blob *slot_of(struct kreloc_bundle *b, uint32_t type)
{
	switch (type) {
	case KRELOC_BUNDLE_IMAGE:
		return &b->image;
	case KRELOC_BUNDLE_INITRD:
		return &b->initrd;
	case KRELOC_BUNDLE_CMDLINE:
		return &b->cmdline;
	case KRELOC_BUNDLE_DTB:
		return &b->dtb;
	case KRELOC_BUNDLE_NESTED:
		return &b->nested;
	case KRELOC_BUNDLE_IMAGE_CHUNKS:
		return &b->image_chunks;
	case KRELOC_BUNDLE_INITRD_CHUNKS:
		return &b->initrd_chunks;
	default:
		return NULL;
	}
}

static int parse_preserve(const uint8_t *e, struct kreloc_bundle *b)
{
	uint64_t addr = kreloc_le64(e + BE_ADDR);
	uint64_t size = kreloc_le64(e + BE_SIZE);

	/* No data: offset, length, align and digest must all be zero. */
	if (kreloc_le64(e + BE_OFFSET) || kreloc_le64(e + BE_LENGTH) ||
	    kreloc_le64(e + BE_ALIGN) || !all_zero(e + BE_SHA256, KRELOC_SHA256_SIZE))
		return KRELOC_E_BUNDLE_ENTRY;
	if (b->nr_preserve == KRELOC_BUNDLE_MAX_PRESERVE)
		return KRELOC_E_BUNDLE_ENTRY;
	if (size == 0 || !KRELOC_ALIGNED(addr, KRELOC_SZ_4K) || !KRELOC_ALIGNED(size, KRELOC_SZ_4K))
		return KRELOC_E_BUNDLE_RANGE;
	if (addr + size < addr)
		return KRELOC_E_OVERFLOW;
	b->preserve[b->nr_preserve].base = addr;
	b->preserve[b->nr_preserve].size = size;
	b->nr_preserve++;
	return 0;
}

/*
 * A paged blob (bundle.h): the entry's data is the page table, size the
 * blob's length.  Range and alignment of the table were checked as for any
 * data entry.
 */
static int parse_pages(const uint8_t *e, uint64_t off, uint64_t len, uint64_t align,
		       struct kreloc_blob *slot, const uint8_t *base)
{
	uint64_t size = kreloc_le64(e + BE_SIZE);
	uint64_t nr = size / KRELOC_SZ_4K + (size % KRELOC_SZ_4K != 0);

	if (kreloc_le64(e + BE_ADDR) || size == 0 || align < 8 || len / 8 != nr || len % 8)
		return KRELOC_E_PAGES_TABLE;
	/*
	 * A run at a time: its pages are its first plus whole pages, so they
	 * are all aligned when the first is, and the last is the highest.
	 */
	for (uint64_t i = 0; i < nr;) {
		uint64_t pa, n = kreloc_page_run(base + off, nr, i, &pa);

		if (!KRELOC_ALIGNED(pa, KRELOC_SZ_4K) ||
		    pa + (n - 1) * KRELOC_SZ_4K > UINT64_MAX - KRELOC_SZ_4K)
			return KRELOC_E_PAGES_TABLE;
		i += n;
	}
	slot->data = NULL;
	slot->len = size;
	slot->pages = base + off;
	slot->nr_pages = nr;
	slot->sha256 = e + BE_SHA256;
	return 0;
}

static int parse_data(const uint8_t *e, uint32_t type, uint64_t table_end, uint64_t total,
		      struct kreloc_bundle *b)
{
	uint64_t off = kreloc_le64(e + BE_OFFSET);
	uint64_t len = kreloc_le64(e + BE_LENGTH);
	uint64_t align = kreloc_le64(e + BE_ALIGN);
	bool paged = kreloc_le32(e + BE_FLAGS) & KRELOC_BUNDLE_F_PAGES;
	bool table = type == KRELOC_BUNDLE_IMAGE_CHUNKS || type == KRELOC_BUNDLE_INITRD_CHUNKS;
	struct kreloc_blob *slot = slot_of(b, type);

	/* size: a paged blob's length, a chunk table's chunk size (checked with its blob) */
	if (!paged && (kreloc_le64(e + BE_ADDR) || (!table && kreloc_le64(e + BE_SIZE))))
		return KRELOC_E_BUNDLE_ENTRY;
	/* Only the command line may be empty (it then clears bootargs). */
	if (len == 0 && type != KRELOC_BUNDLE_CMDLINE)
		return KRELOC_E_BUNDLE_ENTRY;
	if (!KRELOC_IS_POW2(align) || align > KRELOC_BUNDLE_MAX_ALIGN || !KRELOC_ALIGNED(off, align))
		return KRELOC_E_BUNDLE_RANGE;
	if (off < table_end || off > total || len > total - off)
		return KRELOC_E_BUNDLE_RANGE;
	if (slot->sha256)
		return KRELOC_E_BUNDLE_MISSING;		/* repeated single entry */
	if (paged)
		return parse_pages(e, off, len, align, slot, b->base);
	slot->data = b->base + off;
	slot->len = len;
	slot->sha256 = e + BE_SHA256;
	if (table)
		slot->chunk_size = kreloc_le64(e + BE_SIZE);
	return 0;
}

/*
 * Mark @blob chunked by the table entry @t, once the table is proven to
 * be its own: blob present, chunk size a power of two in range, one digest
 * for each chunk of its length (no overflow: at most 2^52 chunks of 32
 * bytes), the blob's digest the table's (the root).
 */
static int link_chunks(struct kreloc_blob *blob, const struct kreloc_blob *t)
{
	uint64_t cs = t->chunk_size, n;

	if (!t->sha256)
		return 0;
	if (!blob->sha256 || !KRELOC_IS_POW2(cs) || cs < KRELOC_CHUNK_SIZE_MIN ||
	    cs > KRELOC_CHUNK_SIZE_MAX)
		return KRELOC_E_CHUNKS_TABLE;
	n = blob->len / cs + (blob->len % cs != 0);
	if (t->len % KRELOC_SHA256_SIZE || t->len / KRELOC_SHA256_SIZE != n ||
	    memcmp(blob->sha256, t->sha256, KRELOC_SHA256_SIZE))
		return KRELOC_E_CHUNKS_TABLE;
	blob->chunks = t->data;
	blob->nr_chunks = n;
	blob->chunk_size = cs;
	return 0;
}

uint64_t kreloc_blob_page_runs(const struct kreloc_blob *blob)
{
	uint64_t runs = 0, base;

	for (uint64_t i = 0; blob->pages && i < blob->nr_pages; runs++)
		i += kreloc_page_run(blob->pages, blob->nr_pages, i, &base);
	return runs;
}

static int check_cmdline(const struct kreloc_blob *c)
{
	if (!c->sha256)
		return 0;
	if (c->len > KRELOC_CMDLINE_MAX)
		return KRELOC_E_BUNDLE_CMDLINE;
	for (uint64_t i = 0; i < c->len; i++)
		if (c->data[i] == 0)
			return KRELOC_E_BUNDLE_CMDLINE;
	return 0;
}

/* Where a present blob's entry data lies in the bundle: its bytes or its page table. */
static uint64_t blob_offset(const struct kreloc_bundle *b, const struct kreloc_blob *v)
{
	return (uint64_t)((v->pages ? v->pages : v->data) - b->base);
}

static uint64_t blob_bytes(const struct kreloc_blob *v)
{
	return v->pages ? 8 * v->nr_pages : v->len;
}

/* Do any two data entries share a byte?  Ranges are known not to wrap. */
static bool data_overlap(const struct kreloc_bundle *b)
{
	const struct kreloc_blob *v[] = { &b->image, &b->initrd, &b->cmdline, &b->dtb, &b->nested,
					  &b->image_chunks, &b->initrd_chunks };

	for (size_t i = 0; i < KRELOC_ARRAY_SIZE(v); i++) {
		for (size_t j = i + 1; j < KRELOC_ARRAY_SIZE(v); j++) {
			if (!v[i]->sha256 || !v[j]->sha256)
				continue;
			if (kreloc_ranges_overlap(blob_offset(b, v[i]), blob_bytes(v[i]),
						  blob_offset(b, v[j]), blob_bytes(v[j])))
				return true;
		}
	}
	return false;
}

/**
 * kreloc_bundle_parse() - see bundle.h.
 *
 * Order of checks (the first failing one is reported): NULL arguments
 * (KRELOC_E_INVAL); len < 64 (TRUNCATED); magic (MAGIC); version not 1 or
 * 2 (VERSION);
 * header_size, entry_size, options (unknown bit, mode > CLASSIC, granule >
 * 64K, CPUs > 64), reserved bytes (HEADER); nr_entries 0 or > 16 (ENTRY); total_size
 * smaller than header + entry table (HEADER); total_size > len (TRUNCATED);
 * then each entry in table order: type (a chunk table in a version 1
 * bundle: ENTRY), flags (unknown bits, or F_PAGES on a type other than
 * IMAGE and INITRD: ENTRY); for PRESERVE nonzero
 * offset/length/align/digest or a ninth PRESERVE (ENTRY), empty or not
 * 4 KiB-aligned range (RANGE), wrapping range (KRELOC_E_OVERFLOW); for data
 * entries nonzero addr or size (a chunk table may have a size), or an
 * empty non-CMDLINE entry (ENTRY), align not
 * a power of two <= 2 MiB, offset misaligned, inside the header or entry
 * table, or data past total_size (RANGE), a second entry of the same type
 * (MISSING); for a paged entry (which may have a size) then nonzero addr,
 * size 0, align < 8, length not 8 * ceil(size / 4096), an address not
 * 4 KiB aligned or whose page wraps (KRELOC_E_PAGES_TABLE); then data
 * overlaps, page tables included (OVERLAP), no IMAGE (MISSING), an INITRD
 * and a NESTED (ENTRY), more than KRELOC_BUNDLE_MAX_PAGE_RUNS page-table
 * runs (KRELOC_E_PAGES_RUNS), command line longer than KRELOC_CMDLINE_MAX
 * or holding a NUL (CMDLINE); then the chunk tables, IMAGE's first: one
 * whose blob is absent, chunk size not a power of two in
 * KRELOC_CHUNK_SIZE_MIN..MAX, length not 32 * ceil(blob length / chunk
 * size), or digest not the blob's, and a version 2 bundle with no chunk
 * table (KRELOC_E_CHUNKS_TABLE).
 * Bytes between entries' data (padding) are not checked.  @out is written
 * only on success; its pointers point into @buf.
 */
int kreloc_bundle_parse(const void *buf, uint64_t len, struct kreloc_bundle *out)
{
	const uint8_t *p = buf;
	struct kreloc_bundle b;
	uint64_t total, table_end;
	uint32_t nr, version;
	int err;

	if (!buf || !out)
		return KRELOC_E_INVAL;
	if (len < KRELOC_BUNDLE_HEADER_SIZE)
		return KRELOC_E_BUNDLE_TRUNCATED;
	if (memcmp(p + BH_MAGIC, KRELOC_BUNDLE_MAGIC, 8) != 0)
		return KRELOC_E_BUNDLE_MAGIC;
	version = kreloc_le32(p + BH_VERSION);
	if (version != KRELOC_BUNDLE_VERSION && version != KRELOC_BUNDLE_VERSION_CHUNKS)
		return KRELOC_E_BUNDLE_VERSION;
	if (kreloc_le32(p + BH_HEADER_SIZE) != KRELOC_BUNDLE_HEADER_SIZE ||
	    kreloc_le32(p + BH_ENTRY_SIZE) != KRELOC_BUNDLE_ENTRY_SIZE ||
	    !all_zero(p + BH_RESERVED, BH_RESERVED_LEN))
		return KRELOC_E_BUNDLE_HEADER;
	err = check_options(kreloc_le64(p + BH_OPTIONS));
	if (err)
		return err;
	nr = kreloc_le32(p + BH_NR_ENTRIES);
	if (nr == 0 || nr > KRELOC_BUNDLE_MAX_ENTRIES)
		return KRELOC_E_BUNDLE_ENTRY;
	/* nr <= 16 and entry_size == 80: no overflow possible here. */
	table_end = KRELOC_BUNDLE_HEADER_SIZE + (uint64_t)nr * KRELOC_BUNDLE_ENTRY_SIZE;
	total = kreloc_le64(p + BH_TOTAL_SIZE);
	if (total < table_end)
		return KRELOC_E_BUNDLE_HEADER;
	if (total > len)
		return KRELOC_E_BUNDLE_TRUNCATED;

	memset(&b, 0, sizeof(b));
	b.base = p;
	b.size = total;
	b.options = kreloc_le64(p + BH_OPTIONS);

	for (uint32_t i = 0; i < nr; i++) {
		const uint8_t *e = p + KRELOC_BUNDLE_HEADER_SIZE + (size_t)i * KRELOC_BUNDLE_ENTRY_SIZE;
		uint32_t type = kreloc_le32(e + BE_TYPE);
		uint32_t flags = kreloc_le32(e + BE_FLAGS);

		if (type < KRELOC_BUNDLE_IMAGE || type > KRELOC_BUNDLE_INITRD_CHUNKS ||
		    (type > KRELOC_BUNDLE_PRESERVE && version != KRELOC_BUNDLE_VERSION_CHUNKS) ||
		    (flags & ~KRELOC_BUNDLE_F_PAGES) ||
		    (flags && type != KRELOC_BUNDLE_IMAGE && type != KRELOC_BUNDLE_INITRD))
			return KRELOC_E_BUNDLE_ENTRY;
		if (type == KRELOC_BUNDLE_PRESERVE)
			err = parse_preserve(e, &b);
		else
			err = parse_data(e, type, table_end, total, &b);
		if (err)
			return err;
	}

	if (data_overlap(&b))
		return KRELOC_E_BUNDLE_OVERLAP;
	if (!b.image.sha256)
		return KRELOC_E_BUNDLE_MISSING;
	/* a nested bundle is the next stage's initrd: not both */
	if (b.initrd.sha256 && b.nested.sha256)
		return KRELOC_E_BUNDLE_ENTRY;
	if (kreloc_blob_page_runs(&b.image) + kreloc_blob_page_runs(&b.initrd) >
	    KRELOC_BUNDLE_MAX_PAGE_RUNS)
		return KRELOC_E_PAGES_RUNS;
	err = check_cmdline(&b.cmdline);
	if (!err)
		err = link_chunks(&b.image, &b.image_chunks);
	if (!err)
		err = link_chunks(&b.initrd, &b.initrd_chunks);
	if (err)
		return err;
	if (version == KRELOC_BUNDLE_VERSION_CHUNKS && !b.image.chunks && !b.initrd.chunks)
		return KRELOC_E_CHUNKS_TABLE;
	*out = b;
	return 0;
}

unsigned int kreloc_bundle_mode(const struct kreloc_bundle *b)
{
	unsigned int m = (unsigned int)((b->options & KRELOC_OPT_MODE_MASK) >> KRELOC_OPT_MODE_SHIFT);

	return m == KRELOC_MODE_DEFAULT ? KRELOC_MODE_MMU : m;
}

unsigned int kreloc_bundle_cpus(const struct kreloc_bundle *b)
{
	unsigned int n = (unsigned int)((b->options & KRELOC_OPT_CPUS_MASK) >> KRELOC_OPT_CPUS_SHIFT);

	return n ? n : 1;
}

unsigned int kreloc_bundle_granule_shift(const struct kreloc_bundle *b)
{
	unsigned int g = (unsigned int)((b->options & KRELOC_OPT_GRANULE_MASK) >>
					KRELOC_OPT_GRANULE_SHIFT);

	switch (g) {
	case KRELOC_GRANULE_16K:
		return 14;
	case KRELOC_GRANULE_64K:
		return 16;
	default:	/* DEFAULT and 4K; parse refuses anything else */
		return 12;
	}
}

/* SHA-256 of @len bytes at @d, fed in pieces so a 64-bit length never truncates to size_t. */
static void digest(const uint8_t *d, uint64_t left, uint8_t md[KRELOC_SHA256_SIZE])
{
	struct kreloc_sha256 s;

	kreloc_sha256_init(&s);
	while (left) {
		size_t n = left > (1U << 30) ? (size_t)1 << 30 : (size_t)left;

		kreloc_sha256_update(&s, d, n);
		d += n;
		left -= n;
	}
	kreloc_sha256_final(&s, md);
}

/* A blob against its digest, or a chunked one against its table, chunk by chunk. */
static bool blob_ok(const struct kreloc_blob *blob)
{
	uint8_t md[KRELOC_SHA256_SIZE];

	/* absent, or paged: its bytes are in physical pages, not here */
	if (!blob->sha256 || blob->pages)
		return true;
	if (!blob->chunks) {
		digest(blob->data, blob->len, md);
		return memcmp(md, blob->sha256, KRELOC_SHA256_SIZE) == 0;
	}
	for (uint64_t i = 0; i < blob->nr_chunks; i++) {
		uint64_t off = i * blob->chunk_size;
		uint64_t n = blob->len - off < blob->chunk_size ? blob->len - off : blob->chunk_size;

		digest(blob->data + off, n, md);
		if (memcmp(md, blob->chunks + i * KRELOC_SHA256_SIZE, KRELOC_SHA256_SIZE))
			return false;
	}
	return true;
}

/**
 * kreloc_bundle_verify() - see bundle.h.
 */
int kreloc_bundle_verify(const struct kreloc_bundle *b)
{
	if (!b)
		return KRELOC_E_INVAL;
	if (!blob_ok(&b->image) || !blob_ok(&b->initrd) || !blob_ok(&b->cmdline) ||
	    !blob_ok(&b->dtb) || !blob_ok(&b->nested) || !blob_ok(&b->image_chunks) ||
	    !blob_ok(&b->initrd_chunks))
		return KRELOC_E_BUNDLE_CHECKSUM;
	return 0;
}
