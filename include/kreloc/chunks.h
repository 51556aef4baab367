/* SPDX-License-Identifier: MIT */
/*
 * chunks.h - per-chunk digests: a blob cut into fixed-size chunks, each with
 * its SHA-256, under one root digest (the SHA-256 of the table of chunk
 * digests; bundle.h, "Chunk tables").  SHA-256 is sequential over a blob;
 * over chunks it is not, so several CPUs can check one payload at once.
 *
 *   kreloc_chunks_build()       the table and root of a blob in memory
 *   kreloc_chunks_check_init()  prepare: a hand-off's chunked segments,
 *                               their tables proven against their roots
 *   kreloc_chunks_share()       which chunks CPU i of n takes
 *   kreloc_chunks_check()       hash a range of chunks where the staged
 *                               list has them, against the table
 *
 * Chunks are numbered across the chunked segments, the Image's first: chunk
 * g of the hand-off is chunk g - first of the segment whose [first, first +
 * nr) holds it.  Nothing here writes anything but its own outputs, so any
 * number of CPUs may run kreloc_chunks_check() on one prepared check at once.
 */
#ifndef KRELOC_CHUNKS_H
#define KRELOC_CHUNKS_H

#include <kreloc/bundle.h>
#include <kreloc/handoff.h>
#include <kreloc/kreloc_env.h>
#include <kreloc/sha256.h>

/**
 * kreloc_chunks_count() - chunks of @chunk_size (> 0) in @len bytes: ceil(@len / @chunk_size).
 */
uint64_t kreloc_chunks_count(uint64_t len, uint64_t chunk_size);

/**
 * kreloc_chunks_build() - the chunk table of a blob, and its root digest.
 * @data, @len:  the blob (@len > 0)
 * @chunk_size:  a power of two, KRELOC_CHUNK_SIZE_MIN..KRELOC_CHUNK_SIZE_MAX
 * @table:       out: 32 * kreloc_chunks_count(@len, @chunk_size) bytes
 * @root:        out: SHA-256 of @table
 *
 * Return: 0; KRELOC_E_INVAL for a NULL pointer, an empty blob or a chunk
 * size out of range.
 */
int kreloc_chunks_build(const void *data, uint64_t len, uint64_t chunk_size, uint8_t *table,
			uint8_t root[KRELOC_SHA256_SIZE]);

#define KRELOC_CHUNKS_MAX_SEGS	2	/* the Image and the initrd */

/** struct kreloc_chunks_seg - one chunked segment of a hand-off. */
struct kreloc_chunks_seg {
	unsigned int seg;		/* its index in the hand-off's segments */
	uint64_t dest;			/* its destination (the list's cursor) */
	uint64_t len;			/* bytes chunked: the blob, bufsz of the segment */
	uint64_t chunk_size;
	uint64_t first;			/* number of its first chunk in the hand-off */
	uint64_t nr;
	const uint8_t *table;		/* 32 bytes a chunk */
};

/**
 * struct kreloc_chunks_check - what kreloc_chunks_check() reads: the list's
 * head and the chunked segments.  Filled by kreloc_chunks_check_init() and
 * read-only afterwards.
 */
struct kreloc_chunks_check {
	uint64_t head;
	unsigned int nr_segs;
	struct kreloc_chunks_seg seg[KRELOC_CHUNKS_MAX_SEGS];
	uint64_t total;			/* chunks in all */
};

/**
 * kreloc_chunks_check_init() - the chunked segments of a prepared hand-off.
 * @c:      out
 * @h:      prepared (kreloc_handoff_prepare()); its segments are the kernel,
 *          then the initrd when there is one, then the tree (plan())
 * @image:  the Image's blob as the bundle holds it (bundle.h)
 * @initrd: the initrd's blob, or NULL
 * @blocks: SHA-256 block function for the tables' digests
 *
 * A blob without a chunk table is left to kreloc_handoff_verify(), which
 * checks it whole (pass its digest in the payload, and not a chunked
 * blob's root).  Each table is hashed here against its blob's root digest.
 *
 * Return: the number of chunks (0 when no blob is chunked);
 * KRELOC_E_CHUNKS_TABLE (a chunked blob not the length of its segment);
 * KRELOC_E_BUNDLE_CHECKSUM (a table whose SHA-256 is not its root);
 * KRELOC_E_INVAL.
 */
int64_t kreloc_chunks_check_init(struct kreloc_chunks_check *c, const struct kreloc_handoff *h,
				 const struct kreloc_blob *image, const struct kreloc_blob *initrd,
				 kreloc_sha256_blocks_fn blocks);

/**
 * kreloc_chunks_share() - the chunks CPU @i of @n (0 < @n, @i < @n) checks.
 * @total:         chunks in all
 * @first, @count: out: a run of consecutive chunks; the runs of CPUs 0 to
 *                 @n - 1 follow each other and cover [0, @total), their
 *                 counts differing by at most one
 */
void kreloc_chunks_share(uint64_t total, unsigned int i, unsigned int n, uint64_t *first,
			 uint64_t *count);

/**
 * kreloc_chunks_check() - hash chunks [@first, @first + @count) where the list stages them.
 * @c:      from kreloc_chunks_check_init()
 * @rd:     reads physical memory (list and source pages)
 * @rd_ctx: passed to @rd
 * @blocks: SHA-256 block function
 * @first, @count: the chunks (within c->total)
 * @bad:    out, on KRELOC_E_BUNDLE_CHECKSUM: the first chunk that differs
 *
 * Walks the list as the trampoline will, hashing the bytes each chunk's
 * source pages hold, in destination order, and stops once its last chunk
 * is done.  Reads, writes nothing but @bad.
 *
 * Return: 0; KRELOC_E_BUNDLE_CHECKSUM; KRELOC_E_LIST_COVERAGE (a chunk's
 * pages out of order or missing); KRELOC_E_INVAL (a range past c->total,
 * or a page @rd cannot read).
 */
int kreloc_chunks_check(const struct kreloc_chunks_check *c, kreloc_phys_read_fn rd, void *rd_ctx,
			kreloc_sha256_blocks_fn blocks, uint64_t first, uint64_t count,
			uint64_t *bad);

#endif /* KRELOC_CHUNKS_H */
