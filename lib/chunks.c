// SPDX-License-Identifier: MIT
/*
 * chunks.c - per-chunk digests (chunks.h): build a chunk table, and check a
 * staged payload a range of chunks at a time.
 */
#include <kreloc/chunks.h>
#include <kreloc/error.h>
#include <kreloc/ind.h>

uint64_t kreloc_chunks_count(uint64_t len, uint64_t chunk_size)
{
	return len / chunk_size + (len % chunk_size != 0);
}

static bool chunk_size_ok(uint64_t cs)
{
	return KRELOC_IS_POW2(cs) && cs >= KRELOC_CHUNK_SIZE_MIN && cs <= KRELOC_CHUNK_SIZE_MAX;
}

/* Bytes of chunk @k of a @len-byte blob. */
static uint64_t chunk_len(uint64_t len, uint64_t cs, uint64_t k)
{
	return len - k * cs < cs ? len - k * cs : cs;
}

int kreloc_chunks_build(const void *data, uint64_t len, uint64_t chunk_size, uint8_t *table,
			uint8_t root[KRELOC_SHA256_SIZE])
{
	const uint8_t *d = data;
	uint64_t nr;

	if (!data || !table || !root || !len || !chunk_size_ok(chunk_size))
		return KRELOC_E_INVAL;
	nr = kreloc_chunks_count(len, chunk_size);
	/* a chunk is at most 1 GiB: one update each */
	for (uint64_t k = 0; k < nr; k++)
		kreloc_sha256(d + k * chunk_size, (size_t)chunk_len(len, chunk_size, k),
			      table + k * KRELOC_SHA256_SIZE);
	kreloc_sha256(table, (size_t)(nr * KRELOC_SHA256_SIZE), root);
	return 0;
}

/* Add @blob's chunks as segment @s of @h to @c, its table checked against its root. */
static int add_seg(struct kreloc_chunks_check *c, const struct kreloc_handoff *h, unsigned int s,
		   const struct kreloc_blob *blob, kreloc_sha256_blocks_fn blocks)
{
	struct kreloc_sha256 sha;
	uint8_t md[KRELOC_SHA256_SIZE];
	struct kreloc_chunks_seg *cs = &c->seg[c->nr_segs];

	if (!blob || !blob->chunks)
		return 0;
	if (s >= h->nr_segs || h->segs[s].bufsz != blob->len)
		return KRELOC_E_CHUNKS_TABLE;
	/* the bundle parser bounded the table by the blob: 32 bytes a chunk */
	kreloc_sha256_init_with(&sha, blocks);
	kreloc_sha256_update(&sha, blob->chunks, (size_t)(blob->nr_chunks * KRELOC_SHA256_SIZE));
	kreloc_sha256_final(&sha, md);
	if (memcmp(md, blob->sha256, sizeof(md)))
		return KRELOC_E_BUNDLE_CHECKSUM;
	*cs = (struct kreloc_chunks_seg){
		.seg = s, .dest = h->segs[s].dest, .len = blob->len, .chunk_size = blob->chunk_size,
		.first = c->total, .nr = blob->nr_chunks, .table = blob->chunks,
	};
	c->total += blob->nr_chunks;
	c->nr_segs++;
	return 0;
}

int64_t kreloc_chunks_check_init(struct kreloc_chunks_check *c, const struct kreloc_handoff *h,
				 const struct kreloc_blob *image, const struct kreloc_blob *initrd,
				 kreloc_sha256_blocks_fn blocks)
{
	int err;

	if (!c || !h || !image || !blocks || !h->ki.head)
		return KRELOC_E_INVAL;
	*c = (struct kreloc_chunks_check){ .head = h->ki.head };
	/* plan(): the kernel's segment first, the initrd's second when there is one */
	err = add_seg(c, h, 0, image, blocks);
	if (!err && initrd && initrd->len)
		err = add_seg(c, h, 1, initrd, blocks);
	return err ? err : (int64_t)c->total;
}

void kreloc_chunks_share(uint64_t total, unsigned int i, unsigned int n, uint64_t *first,
			 uint64_t *count)
{
	uint64_t q = total / n, r = total % n;

	/* the first r CPUs take one more */
	*first = i * q + (i < r ? i : r);
	*count = q + (i < r);
}

/* The chunked segment whose destination holds @pa, or NULL. */
static const struct kreloc_chunks_seg *seg_at(const struct kreloc_chunks_check *c, uint64_t pa,
					      unsigned int *s)
{
	for (unsigned int i = 0; i < c->nr_segs; i++) {
		if (pa >= c->seg[i].dest && pa - c->seg[i].dest < c->seg[i].len) {
			*s = i;
			return &c->seg[i];
		}
	}
	return NULL;
}

/* One chunk being hashed in each chunked segment: chunks of one segment come in order. */
struct chunk_state {
	struct kreloc_sha256 sha;
	uint64_t k;		/* its chunk in the segment */
	uint64_t got;		/* bytes hashed so far; 0: none in progress */
};

int kreloc_chunks_check(const struct kreloc_chunks_check *c, kreloc_phys_read_fn rd, void *rd_ctx,
			kreloc_sha256_blocks_fn blocks, uint64_t first, uint64_t count,
			uint64_t *bad)
{
	struct chunk_state cur[KRELOC_CHUNKS_MAX_SEGS] = { 0 };
	const uint64_t *entry = NULL;
	uint64_t e, cursor = 0, hashed = 0;
	uint8_t md[KRELOC_SHA256_SIZE];

	if (!c || !rd || !blocks || !bad || first > c->total || count > c->total - first)
		return KRELOC_E_INVAL;
	/* prepare() proved the list well formed and exactly the segments */
	for (e = c->head; hashed < count && !(e & KRELOC_IND_DONE); e = *entry++) {
		uint64_t pa = e & ~(uint64_t)(KRELOC_IND_PAGE_SIZE - 1);
		const struct kreloc_chunks_seg *sg;
		struct chunk_state *st;
		uint64_t off, k, n, len, dst = cursor;
		unsigned int s;
		const void *src;

		if (e & KRELOC_IND_DESTINATION) {
			cursor = pa;
			continue;
		}
		if (e & KRELOC_IND_INDIRECTION) {
			entry = rd(rd_ctx, pa, KRELOC_IND_PAGE_SIZE);
			if (!entry)
				return KRELOC_E_INVAL;
			continue;
		}
		if (!(e & KRELOC_IND_SOURCE))
			continue;
		cursor += KRELOC_IND_PAGE_SIZE;
		sg = seg_at(c, dst, &s);
		if (!sg)
			continue;
		off = dst - sg->dest;
		k = off / sg->chunk_size;
		if (sg->first + k < first || sg->first + k - first >= count)
			continue;
		st = &cur[s];
		if (st->got == 0) {
			if (off != k * sg->chunk_size)
				return KRELOC_E_LIST_COVERAGE;	/* a chunk not begun at its start */
			kreloc_sha256_init_with(&st->sha, blocks);
			st->k = k;
		} else if (k != st->k || off != k * sg->chunk_size + st->got) {
			return KRELOC_E_LIST_COVERAGE;		/* out of order */
		}
		n = sg->len - off < KRELOC_IND_PAGE_SIZE ? sg->len - off : KRELOC_IND_PAGE_SIZE;
		src = rd(rd_ctx, pa, n);
		if (!src)
			return KRELOC_E_INVAL;
		kreloc_sha256_update(&st->sha, src, (size_t)n);
		st->got += n;
		len = chunk_len(sg->len, sg->chunk_size, k);
		if (st->got < len)
			continue;
		kreloc_sha256_final(&st->sha, md);
		st->got = 0;
		hashed++;
		if (memcmp(md, sg->table + k * KRELOC_SHA256_SIZE, sizeof(md))) {
			*bad = sg->first + k;
			return KRELOC_E_BUNDLE_CHECKSUM;
		}
	}
	return hashed == count ? 0 : KRELOC_E_LIST_COVERAGE;
}
