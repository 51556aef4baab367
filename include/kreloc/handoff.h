/* SPDX-License-Identifier: MIT */
/*
 * handoff.h - one kernel hand-off, from payload to a checked entry list.
 *
 * This is the API an embedder (boot loader, hypervisor, the kreloc shim)
 * drives.  Three steps, each of which can fail and none of which touches
 * memory the caller did not hand over (the map's reserved ranges, the
 * payload, memory outside RAM):
 *
 *   kreloc_handoff_plan()     check the Image, place kernel / initrd / tree
 *                             by the boot protocol, edit /chosen, validate
 *                             the segments, refuse early if RAM is short
 *   kreloc_handoff_stage()    copy the segments into safe pages from the
 *                             caller's allocator and build the entry list
 *   kreloc_handoff_prepare()  take the control page, build the transitional
 *                             tables (MMU mode), re-read the list as the
 *                             trampoline will and prove it writes exactly
 *                             the segments
 *
 * After prepare() nothing can fail: the architecture code installs the
 * trampoline in the control page (asm/reloc.h) and jumps, the point of no
 * return.  A hand-off is not reusable after a failure; start again.
 */
#ifndef KRELOC_HANDOFF_H
#define KRELOC_HANDOFF_H

#include <kreloc/alloc.h>
#include <kreloc/bundle.h>	/* KRELOC_MODE_* */
#include <kreloc/fdt.h>
#include <kreloc/image.h>
#include <kreloc/kimage.h>
#include <kreloc/mailbox.h>
#include <kreloc/memmap.h>
#include <kreloc/place.h>
#include <kreloc/sha256.h>
#include <kreloc/xlat.h>

#define KRELOC_HANDOFF_SEGMENTS	3	/* kernel, initrd, device tree */

#define KRELOC_HANDOFF_MAX_PRESERVE	8

/* Room plan() needs in the tree buffer beyond the used tree: /chosen edits,
 * mailbox, a /memreserve/ entry (16 bytes) per preserved range. */
#define KRELOC_HANDOFF_FDT_ROOM	(KRELOC_FDT_HEADROOM + 256 + 16 * KRELOC_HANDOFF_MAX_PRESERVE)

enum kreloc_seed_origin {
	KRELOC_SEEDS_NONE,	/* no entropy anywhere: no seeds handed on */
	KRELOC_SEEDS_CALLER,	/* from @entropy (e.g. RNDR) */
	KRELOC_SEEDS_FDT,	/* derived from the incoming tree's seeds */
};

/**
 * enum kreloc_staging - how the embedder's CPU writes the blocks @alloc
 * returns, while it runs stage() and prepare(): one half of the cache
 * contract with the trampoline (below).
 * @KRELOC_STAGING_UNDECLARED: nothing said; prepare() refuses it
 * @KRELOC_STAGING_CACHED:   MMU and data cache on, RAM mapped Normal
 *                           Inner/Outer Write-Back, Inner Shareable
 * @KRELOC_STAGING_UNCACHED: MMU or data cache off: the stores go to memory
 */
enum kreloc_staging {
	KRELOC_STAGING_UNDECLARED,
	KRELOC_STAGING_CACHED,
	KRELOC_STAGING_UNCACHED,
};

/*
 * The cache contract.  Besides its control page, the trampoline reads only
 * blocks from @alloc: the source, list and zero pages stage() writes and, in
 * MMU mode, the tables prepare() writes.  It is entered with the MMU off
 * (kreloc_reloc_enter(), asm/reloc.h) and reads them either through the
 * transitional tables (MMU mode), which map all RAM Normal Inner/Outer
 * Write-Back, Inner Shareable, with a cacheable table walk, or uncached
 * (classic mode).  Each way of writing them has one obligation:
 *
 * KRELOC_STAGING_CACHED: the data may sit dirty in the data cache, which
 *   keeps its lines while the MMU is off.  MMU mode reads it with the same
 *   attributes it was written with, so it hits those lines: nothing needs
 *   cleaning (any other attributes would be a mismatch, and break this).
 *   Classic mode reads memory: after prepare() and before the jump, call
 *   kreloc_reloc_clean_for_mmu_off() (asm/reloc.h), and write no block
 *   after it.
 * KRELOC_STAGING_UNCACHED: the data is in memory, but lines an earlier
 *   owner left for those addresses would be written back over it (dirty)
 *   or hit once caches are on (clean).  So @alloc must clean and invalidate
 *   every block to PoC before returning it, and no line may be allocated
 *   for a block until its last write (with the MMU off and SCTLR.I set,
 *   instruction fetches are cacheable: no code may run near a block).  Set
 *   @staging_cleaned to say so.  Both modes then read memory as written.
 *
 * prepare() refuses an undeclared @staging, and UNCACHED without
 * @staging_cleaned, with KRELOC_E_CACHE_CONTRACT.  The control page is the
 * architecture code's: kreloc_reloc_install() cleans it to PoC itself.
 */

/*
 * Paged payload.  The Image and the initrd may each lie in physical pages
 * instead of a buffer (a paged bundle blob, bundle.h, e.g. a running
 * Linux's pinned user pages): @image_pages / @initrd_pages is then the page
 * table, ceil(len / 4 KiB) little-endian uint64 addresses, 4 KiB aligned,
 * in data order.  plan() refuses a page outside RAM or touching no-map
 * memory (in MMU mode also one in a granule the transitional tables leave
 * unmapped: shared with no-map memory or cut by a RAM bank's end), and
 * reserves every page in @h->map before anything is placed,
 * so no destination, staged page or table lands on one.  stage() makes
 * each page holding a whole 4 KiB of data its own copy source (a borrowed
 * page, kimage.h: zero copies before the hand-off, one by the trampoline)
 * and reads the partial last page, if any, through @h->pages_rd into a
 * staged page.  verify() reads the borrowed pages through its @rd.  The
 * pages must stay unchanged until the hand-off.
 */

/**
 * struct kreloc_payload - what to boot.  Every buffer stays valid and
 * unchanged until the hand-off.
 * @image, @image_len:   the arm64 Image; when paged, @image points at the
 *                       bytes of its first page (plan() reads the 64-byte
 *                       header there, nothing else)
 * @image_pages:         the Image's page table, or NULL (paged payload, above)
 * @initrd, @initrd_len: the initrd, or NULL / 0; @initrd may be NULL when
 *                       paged
 * @initrd_pages:        the initrd's page table, or NULL
 * @cmdline:             NUL-terminated command line, or NULL to keep the
 *                       tree's /chosen/bootargs
 * @fdt:                 the device tree to hand on, already validated with
 *                       kreloc_fdt_check()
 * @fdt_buf:             8-byte aligned buffer the edited tree is built in;
 * @fdt_buf_size:        at least kreloc_fdt_used_size(@fdt) +
 *                       KRELOC_HANDOFF_FDT_ROOM + 16 * @nr_live bytes
 * @image_sha256, @initrd_sha256: expected SHA-256 of the Image / initrd, or
 *                       NULL; kreloc_handoff_verify() checks the staged
 *                       copies against them (and the tree against the
 *                       digest plan() took of it)
 * @preserve, @nr_preserve: ranges every later stage must keep (e.g. memory
 *                       carried across the hand-off): plan() adds each as a
 *                       /memreserve/ entry of the next tree.  The caller
 *                       also reserves them in the map, so no destination
 *                       or staged page touches them.  At most
 *                       KRELOC_HANDOFF_MAX_PRESERVE.
 * @live, @nr_live:      ranges a device keeps using across the hand-off,
 *                       such as the GIC's LPI tables (gic.h): plan()
 *                       reserves each in the map before anything is
 *                       placed, and hands it on as a /memreserve/ entry of
 *                       the next tree unless one already covers it.
 */
struct kreloc_payload {
	const void *image;
	uint64_t image_len;
	const uint8_t *image_pages;
	const void *initrd;
	uint64_t initrd_len;
	const uint8_t *initrd_pages;
	const char *cmdline;
	const void *fdt;
	void *fdt_buf;
	uint64_t fdt_buf_size;
	const struct kreloc_range *preserve;
	unsigned int nr_preserve;
	const struct kreloc_range *live;
	unsigned int nr_live;
	const uint8_t *image_sha256;
	const uint8_t *initrd_sha256;
};

/**
 * struct kreloc_handoff - state of one hand-off.
 *
 * Inputs, set before plan():
 * @map:           RAM and the ranges nothing may be written to (firmware
 *                 reservations, the loader itself, the payload's buffers,
 *                 preserved regions); plan() adds to it in MMU mode
 * @alloc, @alloc_ctx: the page allocator (alloc.h) for staging, list,
 *                 tables and control page; pages it returns must be free RAM
 * @staging:       how the CPU writes those pages (the cache contract above)
 * @staging_cleaned: KRELOC_STAGING_UNCACHED only: @alloc cleaned and
 *                 invalidated every block to PoC before returning it
 * @mode:          KRELOC_MODE_MMU or KRELOC_MODE_CLASSIC (bundle.h); plan()
 *                 or prepare() turn MMU into CLASSIC when no memory can be
 *                 found for the transitional tables (see @xlat_fallback):
 *                 read it back after prepare() to pick the trampoline
 * @granule_shift: transitional table granule in MMU mode: 12, 14 or 16
 * @el:            exception level the trampoline runs at: 1 or 2
 * @mmfr0:         the CPU's ID_AA64MMFR0_EL1 (granules, physical range)
 * @place_high:    place the payload as high in RAM as it fits
 * @counters:      add the counter mailbox (mailbox.h) to the next /chosen
 * @entropy, @entropy_len: random bytes from the CPU (RNDR) for the seeds;
 *                 empty to derive them from the incoming tree's seeds
 * @salt:          a value unique to this hand-off (a counter reading)
 * @pages_rd, @pages_rd_ctx: reads the payload's physical pages (paged
 *                 payload, above); required when the payload has a page
 *                 table, unused otherwise
 * @sha256_blocks: SHA-256 block function for the next tree's digest
 *                 (@fdt_sha256) and the seeds; NULL for kreloc_sha256_blocks
 *
 * Results, valid once the step that fills them returned 0:
 * plan():    @xlat_fallback (also prepare()): MMU mode was asked for, but the
 *            tables found no memory, so @mode is now CLASSIC
 * plan():    @img, @place, @segs (the kernel's is image_size long, zero-filled
 *            past the file), @seg_sha256 (expected digests; the tree's
 *            is @fdt_sha256), @nr_segs, @fdt_size, @seeds, @mailbox
 * stage():   @ki (counts of source, borrowed, list and set-aside pages)
 * prepare(): @control, @control_va, @xlat (MMU mode), @list
 */
struct kreloc_handoff {
	struct kreloc_memmap *map;
	kreloc_alloc_fn alloc;
	void *alloc_ctx;
	enum kreloc_staging staging;
	bool staging_cleaned;
	unsigned int mode;
	unsigned int granule_shift;
	unsigned int el;
	uint64_t mmfr0;
	bool place_high;
	bool counters;
	const uint8_t *entropy;
	size_t entropy_len;
	uint64_t salt;
	kreloc_phys_read_fn pages_rd;
	void *pages_rd_ctx;
	kreloc_sha256_blocks_fn sha256_blocks;

	bool xlat_fallback;
	struct kreloc_image_info img;
	struct kreloc_placement place;
	struct kreloc_segment segs[KRELOC_HANDOFF_SEGMENTS];
	const uint8_t *seg_sha256[KRELOC_HANDOFF_SEGMENTS];
	uint8_t fdt_sha256[32];
	unsigned int nr_segs;
	uint64_t fdt_size;
	enum kreloc_seed_origin seeds;
	uint64_t mailbox;
	struct kreloc_kimage ki;
	uint64_t control;
	void *control_va;
	struct kreloc_xlat xlat;
	struct kreloc_list_stats list;
};

/**
 * kreloc_handoff_plan() - check and place the payload, write the next tree.
 * @h: inputs set as above, results zero; @p: the payload
 *
 * Checks the Image against the CPU (@h->mmfr0), places kernel, initrd and
 * tree by the boot protocol, builds the next tree in @p->fdt_buf (bootargs,
 * initrd range, fresh seeds, the counter mailbox when @h->counters, a
 * /memreserve/ per preserved range), validates the segments and checks that
 * free RAM outside the destinations can hold the staged copy, the list, the
 * worst-case tables and the control page.
 *
 * Pages: none.  The allocator is not called; plan() writes only
 * @p->fdt_buf, @h's results and, in MMU mode, @h->map (the RAM the tables
 * will not map - partial granules at the ends of RAM banks and around
 * no-map ranges - is added as reserved, so the allocator must read the map
 * after plan(), not a copy taken before).
 *
 * MMU mode: when free RAM can hold everything but the worst-case tables,
 * plan() switches @h->mode to KRELOC_MODE_CLASSIC and sets
 * @h->xlat_fallback instead of refusing; the embedder should say so.
 *
 * Return: 0; KRELOC_E_INVAL (NULL or inconsistent inputs, @el not 1 or 2,
 * @mode not MMU or CLASSIC, too many preserved ranges, a page table without
 * @h->pages_rd); KRELOC_E_PAGES_NOT_RAM (a payload page outside RAM,
 * touching no-map memory, or in MMU mode in a granule the tables leave
 * out); any KRELOC_E_IMAGE_* code (KRELOC_E_IMAGE_PAGE_SIZE: a page size
 * the CPU lacks);
 * KRELOC_E_XLAT_GRANULE / KRELOC_E_XLAT_PA_RANGE (MMU mode: granule the CPU
 * lacks, reserved PARange, RAM beyond the CPU's PA range);
 * KRELOC_E_XLAT_PA_52BIT (MMU mode: RAM above 2^48, which these tables
 * cannot map); KRELOC_E_NOSPACE (the map's reserved table is full:
 * MMU mode, or a paged payload's runs); KRELOC_E_FDT_NO_SPACE (@p->fdt_buf too small) and the
 * other KRELOC_E_FDT* codes; KRELOC_E_NO_ROOM / KRELOC_E_INITRD_WINDOW
 * (placement); KRELOC_E_SEG_* (KRELOC_E_SEG_NOMAP: a destination overlaps
 * no-map memory); KRELOC_E_NOMEM (free RAM outside the destinations cannot
 * hold the staged copy, list and control page: refused before any page was
 * taken).
 */
int kreloc_handoff_plan(struct kreloc_handoff *h, const struct kreloc_payload *p);

/**
 * kreloc_handoff_stage() - copy the segments into safe pages, build the list.
 * @h: after plan() returned 0; call once
 *
 * Pages: every source page, entry-list page and the shared zero page comes
 * from @h->alloc; blocks it offers inside a destination are set aside
 * (kept, never used), except a page offered exactly where its data goes,
 * which is staged in place.  All of them belong to the hand-off from then
 * on: kreloc never frees, and on failure the pages taken stay taken (start
 * a new hand-off with a reset allocator).  The payload buffers are only
 * read, and are not needed by the relocation afterwards.
 *
 * Return: 0; KRELOC_E_NOMEM (the allocator ran dry); KRELOC_E_INVAL (the
 * allocator returned a misaligned block); KRELOC_E_PAGES_NOT_RAM
 * (@h->pages_rd cannot read a partial last page); the other errors of
 * kreloc_kimage_load().
 */
int kreloc_handoff_stage(struct kreloc_handoff *h);

/**
 * kreloc_handoff_prepare() - control page, tables, and the proof of the list.
 * @h:  a staged hand-off
 * @rd: reads physical memory (the list pages) as the trampoline will
 * @rd_ctx: passed to @rd
 *
 * Pages: the control page (4 KiB in classic mode, a whole granule in MMU
 * mode, since the tables make it read-only and executable) and, in MMU
 * mode, every table page come from @h->alloc, never inside a destination;
 * they belong to the hand-off.  The trampoline reads them until it enters
 * the next kernel.  Nothing else is written; the list is only read.
 *
 * The tables map RAM minus no-map memory (kreloc_xlat_ram_regions()).  When
 * the allocator runs dry before they are built, for the control granule or
 * a table page (with a 16K or 64K granule this can happen even after
 * plan()'s early check, when free RAM is left only in pieces smaller than
 * a granule), prepare() falls back to classic mode as plan() does
 * (@h->mode, @h->xlat_fallback), with a 4 KiB control page if it has none
 * yet; the table pages taken stay taken, unused.
 *
 * Return: 0; KRELOC_E_INVAL (not staged, or @rd NULL);
 * KRELOC_E_CACHE_CONTRACT (@h->staging undeclared, or UNCACHED without
 * @h->staging_cleaned: see the cache contract; refused before any page is
 * taken); KRELOC_E_NOMEM (no control page); KRELOC_E_XLAT_* (tables);
 * KRELOC_E_LIST_* when the list is not exactly the segments.
 */
int kreloc_handoff_prepare(struct kreloc_handoff *h, kreloc_phys_read_fn rd, void *rd_ctx);

/**
 * kreloc_handoff_verify() - prove the staged copy is the payload.
 * @h:      a prepared hand-off
 * @rd:     reads physical memory (list and source pages)
 * @rd_ctx: passed to @rd
 * @blocks: SHA-256 block function (kreloc_sha256_blocks or a faster one)
 *
 * Walks the entry list exactly as the trampoline will and hashes, for every
 * segment that has an expected digest, the bytes its source pages hold up to
 * bufsz, in destination order (a segment without one, such as a chunked
 * blob checked by kreloc_chunks_check(), has its pages' order and coverage
 * checked, its bytes not hashed): what the relocation will write (for a paged
 * payload, the borrowed pages where they lie and the staged last page).  Call it
 * last before the hand-off; run it with caches on, it reads every byte.
 *
 * Return: 0; KRELOC_E_BUNDLE_CHECKSUM (a staged segment differs from its
 * digest); KRELOC_E_LIST_COVERAGE (a segment's pages out of order or
 * missing); KRELOC_E_INVAL.
 */
int kreloc_handoff_verify(const struct kreloc_handoff *h, kreloc_phys_read_fn rd, void *rd_ctx,
			  kreloc_sha256_blocks_fn blocks);

#endif /* KRELOC_HANDOFF_H */
