/* SPDX-License-Identifier: MIT */
/*
 * bundle.h - the kreloc payload bundle: what the shim boots next.
 *
 * The shim receives the bundle as its own initrd, so any loader that can
 * pass an initrd to an arm64 Image (QEMU -initrd, U-Boot booti, kexec) can
 * start a kreloc hand-off.  Layout, all integers little-endian:
 *
 *   offset 0   struct kreloc_bundle_header (64 bytes)
 *   offset 64  nr_entries x struct kreloc_bundle_entry (80 bytes each)
 *   then       entry data, each at an offset aligned to its entry's align
 *
 * Entry types: one IMAGE (required), at most one each of INITRD, CMDLINE,
 * DTB (replaces the device tree the shim was given), NESTED (a bundle for a
 * chained hand-off: it becomes the next stage's initrd, so a bundle has an
 * INITRD or a NESTED, not both), and up to KRELOC_BUNDLE_MAX_PRESERVE
 * PRESERVE entries, which carry no data but name a physical range (addr,
 * size) that no destination may touch and every later stage must keep (the
 * shim hands them on as /memreserve/ entries).
 * Every data entry carries the SHA-256 of its bytes.
 *
 * Paged blobs (entry flag KRELOC_BUNDLE_F_PAGES, IMAGE and INITRD only):
 * the blob's bytes are not in the bundle but in physical pages of the
 * machine, e.g. the pinned user pages of a running Linux (`kreloc load`).
 * The entry's data is then the blob's page table: one little-endian uint64
 * physical address per 4 KiB page of the blob, in blob order, each 4 KiB
 * aligned and not wrapping; length = 8 * ceil(size / 4096), align >= 8;
 * size = the blob's length in bytes (> 0); addr = 0; sha256 = the digest of
 * those size bytes.  Bytes past size in the last page are not part of the
 * blob: anything may be there.  The pages are only read, never written,
 * until the trampoline has copied them; no destination may cover one.
 * A page-table run is a maximal sequence of consecutive page-table entries
 * whose addresses are consecutive pages; the paged blobs of one bundle form
 * at most KRELOC_BUNDLE_MAX_PAGE_RUNS runs in all (the shim reserves each).
 *
 * Chunk tables (version 2): an IMAGE or INITRD blob, in the bundle or
 * paged, may be cut into chunks of a fixed size (the last one shorter) so
 * that several CPUs can check it at once (chunks.h).  Its chunk table is an
 * entry of type IMAGE_CHUNKS or INITRD_CHUNKS: flags 0, addr 0, size = the
 * chunk size (a power of two, KRELOC_CHUNK_SIZE_MIN..KRELOC_CHUNK_SIZE_MAX),
 * data = the SHA-256 of each chunk in blob order, 32 bytes each, so length
 * = 32 * ceil(blob length / size); sha256 = the SHA-256 of those bytes, the
 * blob's root digest.  The blob's own entry then carries that root digest
 * in its sha256 field, not the SHA-256 of its bytes: the root commits to
 * the table, the table to every chunk.  A bundle with a chunk table says
 * version 2 (a shim that reads only version 1 refuses it with
 * E_BUNDLE_VERSION rather than comparing a root with its bytes' digest);
 * one without says 1, as before, and version 2 allows no other change.
 */
#ifndef KRELOC_BUNDLE_H
#define KRELOC_BUNDLE_H

#include <kreloc/kreloc_env.h>
#include <kreloc/memmap.h>

#define KRELOC_BUNDLE_MAGIC		"KRELBNDL"
#define KRELOC_BUNDLE_VERSION		1	/* without a chunk table */
#define KRELOC_BUNDLE_VERSION_CHUNKS	2	/* with one or two (above) */
#define KRELOC_BUNDLE_HEADER_SIZE	64
#define KRELOC_BUNDLE_ENTRY_SIZE	80
#define KRELOC_BUNDLE_MAX_ENTRIES	16
#define KRELOC_BUNDLE_MAX_PRESERVE	8
#define KRELOC_BUNDLE_MAX_ALIGN		(1ULL << 21)	/* 2 MiB */
#define KRELOC_CMDLINE_MAX		2047	/* arm64 COMMAND_LINE_SIZE less the NUL */

/* Entry flags (entry.flags); unknown bits are refused. */
#define KRELOC_BUNDLE_F_PAGES		(1u << 0)	/* paged blob: data is its page table */
#define KRELOC_BUNDLE_MAX_PAGE_RUNS	256

enum kreloc_bundle_type {
	KRELOC_BUNDLE_IMAGE = 1,
	KRELOC_BUNDLE_INITRD = 2,
	KRELOC_BUNDLE_CMDLINE = 3,	/* bytes without a NUL; the shim adds one */
	KRELOC_BUNDLE_DTB = 4,
	KRELOC_BUNDLE_NESTED = 5,
	KRELOC_BUNDLE_PRESERVE = 6,
	KRELOC_BUNDLE_IMAGE_CHUNKS = 7,		/* version 2: the IMAGE's chunk table */
	KRELOC_BUNDLE_INITRD_CHUNKS = 8,	/* version 2: the INITRD's chunk table */
};

#define KRELOC_CHUNK_SIZE_MIN		(1ULL << 12)	/* a page: the list's unit */
#define KRELOC_CHUNK_SIZE_MAX		(1ULL << 30)
#define KRELOC_CHUNK_SIZE_DEFAULT	(1ULL << 21)	/* what the tools write */

/*
 * Options (header.options).  Unknown bits are refused so that an old shim
 * never silently ignores what a newer tool asked for.
 */
#define KRELOC_OPT_MODE_SHIFT		0	/* bits 0-3: relocation mode */
#define KRELOC_OPT_MODE_MASK		(0xfULL << KRELOC_OPT_MODE_SHIFT)
#define KRELOC_MODE_DEFAULT		0	/* = MMU */
#define KRELOC_MODE_MMU			1	/* copy with MMU and caches on */
#define KRELOC_MODE_CLASSIC		2	/* copy with MMU off */
#define KRELOC_OPT_GRANULE_SHIFT	4	/* bits 4-7: transitional table granule */
#define KRELOC_OPT_GRANULE_MASK		(0xfULL << KRELOC_OPT_GRANULE_SHIFT)
#define KRELOC_GRANULE_DEFAULT		0	/* = 4K */
#define KRELOC_GRANULE_4K		1
#define KRELOC_GRANULE_16K		2
#define KRELOC_GRANULE_64K		3
#define KRELOC_OPT_VERIFY		(1ULL << 8)	/* check SHA-256s before hand-off */
#define KRELOC_OPT_PLACE_HIGH		(1ULL << 9)	/* place the payload as high as it fits */
/*
 * Benchmark: before relocating, also time a plain copy of the same full
 * pages under the same transitional tables (the limit a relocation can
 * approach).  MMU mode only; it writes the destinations early, which the
 * relocation then overwrites with the same bytes.
 */
#define KRELOC_OPT_MEASURE_COPY		(1ULL << 10)
/*
 * A failure of the shim ends in PSCI SYSTEM_RESET (a full firmware reboot)
 * instead of SYSTEM_OFF: for a shim entered from a running system (`kreloc
 * load`), where a machine left off would need a person to come back.
 */
#define KRELOC_OPT_FAIL_RESET		(1ULL << 11)
/*
 * Bits 12-18: the most CPUs the relocation may run on (split.h), 1..64;
 * 0 (the default) means 1, today's single-CPU path.  The shim uses fewer
 * when the device tree and PSCI offer fewer.  Values above
 * KRELOC_OPT_CPUS_MAX are refused.
 */
#define KRELOC_OPT_CPUS_SHIFT		12
#define KRELOC_OPT_CPUS_MASK		(0x7fULL << KRELOC_OPT_CPUS_SHIFT)
#define KRELOC_OPT_CPUS_MAX		64
#define KRELOC_OPT_KNOWN		0x7ffffULL
/* The lowest option bit no shim understands, for tests of refusal. */
#define KRELOC_OPT_FIRST_UNKNOWN	(KRELOC_OPT_KNOWN + 1)

/** struct kreloc_bundle_header - on-disk header; use the accessors, not casts. */
struct kreloc_bundle_header {
	uint8_t magic[8];	/* KRELOC_BUNDLE_MAGIC, no NUL */
	uint32_t version;	/* KRELOC_BUNDLE_VERSION or _VERSION_CHUNKS */
	uint32_t header_size;	/* KRELOC_BUNDLE_HEADER_SIZE */
	uint64_t total_size;	/* whole bundle, header included */
	uint32_t nr_entries;	/* 1..KRELOC_BUNDLE_MAX_ENTRIES */
	uint32_t entry_size;	/* KRELOC_BUNDLE_ENTRY_SIZE */
	uint64_t options;	/* KRELOC_OPT_* */
	uint8_t reserved[24];	/* zero */
};

/** struct kreloc_bundle_entry - on-disk entry. */
struct kreloc_bundle_entry {
	uint32_t type;		/* enum kreloc_bundle_type */
	uint32_t flags;		/* KRELOC_BUNDLE_F_*; zero unless paged */
	uint64_t offset;	/* data offset from bundle start (0 for PRESERVE) */
	uint64_t length;	/* data bytes (0 for PRESERVE) */
	uint64_t align;		/* power of two <= 2 MiB; offset is a multiple */
	uint64_t addr;		/* PRESERVE: physical base; otherwise 0 */
	uint64_t size;		/* PRESERVE: bytes; paged blob: its length; chunk
				 * table: the chunk size; otherwise 0 */
	uint8_t sha256[32];	/* of the data bytes (a chunked blob: its root);
				 * zero for PRESERVE */
};

_Static_assert(sizeof(struct kreloc_bundle_header) == KRELOC_BUNDLE_HEADER_SIZE, "header layout");
_Static_assert(sizeof(struct kreloc_bundle_entry) == KRELOC_BUNDLE_ENTRY_SIZE, "entry layout");

/**
 * struct kreloc_blob - a piece of the bundle: bytes and their digest.
 * Absent: everything NULL / 0.  In the bundle: @data, @len.  Paged: @data
 * NULL, @len the blob's length, @pages its page table (little-endian uint64
 * each, inside the bundle) and @nr_pages = ceil(@len / 4096).  Test presence
 * with @len, which is never 0 for a present blob other than an empty
 * command line (@data non-NULL then).  Chunked (IMAGE and INITRD, version
 * 2): @chunks the chunk table (32 bytes a chunk, inside the bundle),
 * @nr_chunks = ceil(@len / @chunk_size), and @sha256 the root digest;
 * otherwise @chunks NULL and @nr_chunks 0.  A chunk table's own entry
 * (struct kreloc_bundle's image_chunks, initrd_chunks) has its chunk size
 * in @chunk_size.
 */
struct kreloc_blob {
	const uint8_t *data;
	uint64_t len;
	const uint8_t *sha256;
	const uint8_t *pages;
	uint64_t nr_pages;
	const uint8_t *chunks;
	uint64_t nr_chunks;
	uint64_t chunk_size;
};

/**
 * struct kreloc_bundle - a bundle after validation; points into the caller's buffer.
 */
struct kreloc_bundle {
	const uint8_t *base;
	uint64_t size;			/* total_size */
	uint64_t options;
	struct kreloc_blob image;
	struct kreloc_blob initrd;
	struct kreloc_blob cmdline;
	struct kreloc_blob dtb;
	struct kreloc_blob nested;
	struct kreloc_blob image_chunks;	/* the chunk tables' entries, as data */
	struct kreloc_blob initrd_chunks;
	struct kreloc_range preserve[KRELOC_BUNDLE_MAX_PRESERVE];
	unsigned int nr_preserve;
};

/**
 * kreloc_bundle_parse() - validate a bundle and index its entries.
 * @buf: the bundle; @len: bytes available (may exceed total_size)
 * @out: filled on success
 *
 * Checks every field before use: magic, version, sizes, reserved bytes,
 * options, entry types and flags, data inside the bundle and past the entry
 * table, alignment, overlaps between entries, single entries not repeated,
 * the command line's length and bytes, PRESERVE ranges (page aligned,
 * non-empty, not wrapping).  Digests are not computed here (see
 * kreloc_bundle_verify()).
 *
 * Paged entries: the page table is checked (count, alignment, no wrap) and
 * the runs counted; the pages themselves are not read.
 *
 * Chunk tables: only in a version 2 bundle, and one must be there; each is
 * checked against its blob (present, chunk size, 32 bytes for each of
 * ceil(length / chunk size) chunks, the blob's digest equal to the
 * table's) before the blob is marked chunked.  Chunk digests are not
 * computed here.
 *
 * Return: 0 or one of the KRELOC_E_BUNDLE_* codes (KRELOC_E_BUNDLE_ENTRY also
 * for an INITRD and a NESTED in one bundle, and for KRELOC_BUNDLE_F_PAGES
 * on another type; KRELOC_E_OVERFLOW for a wrapping PRESERVE range);
 * KRELOC_E_PAGES_TABLE (a malformed paged entry or page table);
 * KRELOC_E_PAGES_RUNS (more than KRELOC_BUNDLE_MAX_PAGE_RUNS runs);
 * KRELOC_E_CHUNKS_TABLE (a chunk table not matching its blob, or a version
 * 2 bundle without one).
 */
int kreloc_bundle_parse(const void *buf, uint64_t len, struct kreloc_bundle *out);

/**
 * kreloc_blob_page_runs() - page-table runs of a paged blob (0 when not paged).
 * @blob: a blob of a bundle accepted by kreloc_bundle_parse()
 */
uint64_t kreloc_blob_page_runs(const struct kreloc_blob *blob);

/**
 * kreloc_bundle_mode() / kreloc_bundle_granule_shift() / kreloc_bundle_cpus() - decoded options.
 * @b: a bundle accepted by kreloc_bundle_parse()
 *
 * Return: KRELOC_MODE_MMU or KRELOC_MODE_CLASSIC (DEFAULT reads as MMU);
 * 12, 14 or 16 (DEFAULT reads as 12); 1..KRELOC_OPT_CPUS_MAX (0 reads as 1).
 */
unsigned int kreloc_bundle_mode(const struct kreloc_bundle *b);
unsigned int kreloc_bundle_granule_shift(const struct kreloc_bundle *b);
unsigned int kreloc_bundle_cpus(const struct kreloc_bundle *b);

/**
 * kreloc_bundle_verify() - check the SHA-256 of every data entry present.
 * @b: a bundle accepted by kreloc_bundle_parse()
 *
 * Reads every byte of the Image, initrd, command line, DTB and nested bundle
 * (slow with caches off: that is why it is optional, KRELOC_OPT_VERIFY).
 * Paged blobs are skipped: their bytes lie in physical pages this function
 * cannot reach; kreloc_handoff_verify() (handoff.h) checks them once staged.
 * A chunked blob is checked chunk by chunk against its table, and the
 * table against its digest (the root).
 *
 * Return: 0, KRELOC_E_BUNDLE_CHECKSUM on the first mismatch, KRELOC_E_INVAL
 * for a NULL @b.
 */
int kreloc_bundle_verify(const struct kreloc_bundle *b);

#endif /* KRELOC_BUNDLE_H */
