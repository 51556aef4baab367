// SPDX-License-Identifier: MIT
/*
 * handoff.c - plan, stage and prepare one kernel hand-off (see handoff.h).
 */
#include <libfdt.h>

#include <kreloc/bundle.h>
#include <kreloc/error.h>
#include <kreloc/fdt.h>
#include <kreloc/gic.h>
#include <kreloc/handoff.h>
#include <kreloc/seed.h>

#include "fdt_priv.h"

/* Longest bootargs kept from the incoming tree when no command line is given. */
#define BOOTARGS_MAX	KRELOC_FDT_BOOTARGS_MAX

static int reserve(struct kreloc_memmap *map, uint64_t base, uint64_t end)
{
	return end > base ? kreloc_memmap_add_reserved(map, base, end - base) : 0;
}

/*
 * The transitional tables map whole granules of RAM only, and no granule
 * that holds no-map memory (kreloc_xlat_ram_regions()): keep every RAM byte
 * they leave out of use, so every page the relocation touches is mapped.
 */
static int reserve_unmapped(struct kreloc_memmap *map, unsigned int shift)
{
	struct kreloc_xlat_region r[KRELOC_XLAT_MAX_RAM_REGIONS];
	struct kreloc_range ram[KRELOC_MEMMAP_MAX_RAM];
	unsigned int nr_ram = map->nr_ram, j = 0;
	int n = kreloc_xlat_ram_regions(map, shift, r, KRELOC_ARRAY_SIZE(r)), err = 0;

	if (n < 0)
		return n;
	memcpy(ram, map->ram, sizeof(ram));
	for (unsigned int i = 0; i < nr_ram && !err; i++) {
		uint64_t lo = ram[i].base, end = kreloc_range_end(&ram[i]);

		/* the regions are sorted, and each lies inside one bank */
		for (; j < (unsigned int)n && r[j].base < end && !err; j++) {
			err = reserve(map, lo, r[j].base);
			lo = r[j].base + r[j].size;
		}
		if (!err)
			err = reserve(map, lo, end);
	}
	return err;
}

/* Fresh seeds: the caller's entropy, else the incoming tree's seeds. */
static void make_seeds(struct kreloc_handoff *h, const void *fdt_in, struct kreloc_chosen *c,
		       struct kreloc_seeds *seeds)
{
	struct kreloc_seed_pool pool;
	uint8_t from_fdt[64];
	const uint8_t *in = h->entropy;
	size_t len = h->entropy_len;
	int err;

	h->seeds = KRELOC_SEEDS_CALLER;
	if (!len) {
		h->seeds = KRELOC_SEEDS_FDT;
		in = from_fdt;
		if (kreloc_fdt_seed(fdt_in, from_fdt, sizeof(from_fdt), &len) < 0)
			len = 0;
	}
	kreloc_seed_pool_init_with(&pool, h->sha256_blocks);
	kreloc_seed_pool_add(&pool, in, len);
	err = len ? kreloc_seed_pool_derive(&pool, h->salt, seeds) : KRELOC_E_NO_ENTROPY;
	memset(&pool, 0, sizeof(pool));
	if (err < 0) {
		h->seeds = KRELOC_SEEDS_NONE;
		return;
	}
	c->has_kaslr_seed = true;
	c->kaslr_seed = seeds->kaslr;
	c->rng_seed = seeds->rng;
	c->rng_seed_len = sizeof(seeds->rng);
}

/* Add the counter mailbox, pack the tree, and note the mailbox's offset. */
static int add_mailbox(struct kreloc_handoff *h, void *fdt)
{
	const void *val;
	void *slot;
	int chosen, len;

	if (kreloc_fdt_check_find(fdt, "chosen", &chosen) || chosen < 0 ||
	    fdt_setprop_placeholder(fdt, chosen, KRELOC_MAILBOX_PROP, KRELOC_MAILBOX_SIZE, &slot))
		return KRELOC_E_FDT_NO_SPACE;
	memset(slot, 0, KRELOC_MAILBOX_SIZE);
	if (fdt_pack(fdt))
		return KRELOC_E_FDT;
	/*
	 * Packing moved the property in the blob, but not /chosen in the
	 * structure block: the blocks move whole, offsets into them stay.
	 */
	val = fdt_getprop(fdt, chosen, KRELOC_MAILBOX_PROP, &len);
	if (!val || len != KRELOC_MAILBOX_SIZE)
		return KRELOC_E_FDT;
	h->mailbox = (uint64_t)((const uint8_t *)val - (const uint8_t *)fdt);
	return 0;
}

/* Copy the incoming bootargs (or "") into @buf. */
static void incoming_bootargs(const void *fdt, char *buf)
{
	const char *args = NULL;
	size_t n = 0;
	int chosen;

	if (!kreloc_fdt_check_find(fdt, "chosen", &chosen) && chosen >= 0)
		args = fdt_getprop(fdt, chosen, "bootargs", NULL);

	while (args && n < BOOTARGS_MAX && args[n])
		n++;
	memcpy(buf, args ? args : "", n);
	buf[n] = '\0';
}

/* The next kernel's tree: /chosen edited, placed, in p->fdt_buf. */
static int build_fdt(struct kreloc_handoff *h, const struct kreloc_payload *p)
{
	struct kreloc_chosen c = { 0 };
	struct kreloc_seeds seeds;
	char bootargs[BOOTARGS_MAX + 1];
	/* plus a /memreserve/ entry (16 bytes) per live range */
	uint64_t room = kreloc_fdt_used_size(p->fdt) + KRELOC_HANDOFF_FDT_ROOM + 16ULL * p->nr_live;
	int err;

	if (p->fdt_buf_size < room)
		return KRELOC_E_FDT_NO_SPACE;
	err = kreloc_fdt_prepare(p->fdt, p->fdt_buf, room);
	if (err)
		return err;
	/* Placed with the unpacked size: packing only shrinks the tree. */
	err = kreloc_place(h->map, &h->img, p->initrd_len, fdt_totalsize(p->fdt_buf),
			   h->place_high, &h->place);
	if (err)
		return err;

	if (!p->cmdline)
		incoming_bootargs(p->fdt, bootargs);
	c.bootargs = p->cmdline ? p->cmdline : bootargs;
	if (p->initrd_len) {
		c.initrd_start = h->place.initrd.base;
		c.initrd_end = h->place.initrd.base + p->initrd_len;
	}
	make_seeds(h, p->fdt, &c, &seeds);
	err = kreloc_fdt_set_chosen(p->fdt_buf, &c);
	for (unsigned int i = 0; i < p->nr_preserve && !err; i++)
		if (fdt_add_mem_rsv(p->fdt_buf, p->preserve[i].base, p->preserve[i].size))
			err = KRELOC_E_FDT_NO_SPACE;
	if (!err)
		err = kreloc_fdt_memreserve_live(p->fdt_buf, p->live, p->nr_live);
	if (!err && h->counters)
		err = add_mailbox(h, p->fdt_buf);
	else if (!err && fdt_pack(p->fdt_buf))
		err = KRELOC_E_FDT;
	if (err)
		return err;
	h->fdt_size = fdt_totalsize(p->fdt_buf);
	if (h->counters)
		h->mailbox += h->place.dtb.base;
	return 0;
}

/* Worst-case table pages, in 4 KiB units, for kreloc_kimage_check_room(). */
/*
 * The transitional tables' configuration and RAM regions: whole granules of
 * RAM but no-map memory, read-write (plan() reserved what they leave out,
 * so nothing used is lost).  Return: how many regions, or an error.
 */
static int ram_table_regions(const struct kreloc_handoff *h, struct kreloc_xlat_config *cfg,
			     struct kreloc_xlat_region *r, unsigned int max)
{
	int pa_bits = kreloc_xlat_check_cpu(h->mmfr0, h->granule_shift);

	if (pa_bits < 0)
		return pa_bits;
	*cfg = (struct kreloc_xlat_config){ .granule_shift = h->granule_shift, .el = h->el,
					    .pa_bits = (unsigned int)pa_bits };
	return kreloc_xlat_ram_regions(h->map, h->granule_shift, r, max);
}

static int table_reserve(const struct kreloc_handoff *h, uint64_t *pages)
{
	struct kreloc_xlat_region r[KRELOC_XLAT_MAX_RAM_REGIONS];
	struct kreloc_xlat_config cfg;
	int n = ram_table_regions(h, &cfg, r, KRELOC_ARRAY_SIZE(r));
	unsigned int count;
	int err;

	if (n < 0)
		return n;
	err = kreloc_xlat_count(&cfg, r, (unsigned int)n, &count);
	if (err)
		return err;
	/* The executable control page splits one block down to a page: at most 3 more tables. */
	*pages = (uint64_t)(count + 3) << (h->granule_shift - 12);
	return 0;
}

/*
 * Room for the staged copy, list and control page, and in MMU mode for the
 * worst-case tables.  Without room for the tables, MMU mode falls back to
 * classic mode (h->xlat_fallback) rather than refuse: the hand-off needs
 * no tables, only the slower MMU-off copy.
 */
static int check_room(struct kreloc_handoff *h)
{
	uint64_t tables;
	int err;

	if (h->mode == KRELOC_MODE_MMU) {
		err = table_reserve(h, &tables);
		if (!err)
			err = kreloc_kimage_check_room(h->map, h->segs, h->nr_segs,
						       tables + (1ULL << (h->granule_shift - 12)));
		if (err != KRELOC_E_NOMEM)
			return err;
		h->mode = KRELOC_MODE_CLASSIC;
		h->xlat_fallback = true;
	}
	return kreloc_kimage_check_room(h->map, h->segs, h->nr_segs, 1);
}

/* A paged payload's pages (handoff.h): in RAM, clear of no-map memory, reserved. */
static int reserve_payload_pages(struct kreloc_memmap *map, const uint8_t *table, uint64_t len)
{
	uint64_t nr = len / KRELOC_PAGE_SIZE + (len % KRELOC_PAGE_SIZE != 0);

	for (uint64_t i = 0; table && i < nr;) {
		uint64_t base, n = kreloc_page_run(table, nr, i, &base);

		if (!kreloc_memmap_is_ram(map, base, n * KRELOC_PAGE_SIZE) ||
		    kreloc_memmap_is_nomap(map, base, n * KRELOC_PAGE_SIZE))
			return KRELOC_E_PAGES_NOT_RAM;
		i += n;
	}
	return table ? kreloc_memmap_add_pages(map, table, nr) : 0;
}

/* Does every page of @table lie in the regions @r the transitional tables map? */
static bool pages_mapped(const struct kreloc_xlat_region *r, unsigned int n,
			 const uint8_t *table, uint64_t len)
{
	uint64_t nr = len / KRELOC_PAGE_SIZE + (len % KRELOC_PAGE_SIZE != 0);

	for (uint64_t i = 0; table && i < nr;) {
		uint64_t base, k = kreloc_page_run(table, nr, i, &base);
		uint64_t end = base + k * KRELOC_PAGE_SIZE;

		i += k;
		while (base < end) {
			unsigned int j = 0;

			while (j < n && !(base >= r[j].base && base - r[j].base < r[j].size))
				j++;
			if (j == n)
				return false;
			base = r[j].base + r[j].size < end ? r[j].base + r[j].size : end;
		}
	}
	return true;
}

/*
 * MMU mode: the trampoline reads the payload's pages through the
 * transitional tables, which map whole granules of RAM only, none holding
 * no-map memory; a page in a granule left out would fault mid-copy.
 */
static int payload_pages_mapped(const struct kreloc_handoff *h, const struct kreloc_payload *p)
{
	struct kreloc_xlat_region r[KRELOC_XLAT_MAX_RAM_REGIONS];
	int n;

	if (!p->image_pages && !p->initrd_pages)
		return 0;
	n = kreloc_xlat_ram_regions(h->map, h->granule_shift, r, KRELOC_ARRAY_SIZE(r));
	if (n < 0)
		return n;
	if (!pages_mapped(r, (unsigned int)n, p->image_pages, p->image_len) ||
	    !pages_mapped(r, (unsigned int)n, p->initrd_pages, p->initrd_len))
		return KRELOC_E_PAGES_NOT_RAM;
	return 0;
}

int kreloc_handoff_plan(struct kreloc_handoff *h, const struct kreloc_payload *p)
{
	struct kreloc_sha256 sha;
	int pa_bits, err;

	if (!h || !p || !h->map || !h->alloc || !p->image || !p->fdt || !p->fdt_buf ||
	    (p->initrd_len && !p->initrd && !p->initrd_pages) || (h->el != 1 && h->el != 2) ||
	    ((p->image_pages || p->initrd_pages) && !h->pages_rd) ||
	    p->nr_preserve > KRELOC_HANDOFF_MAX_PRESERVE || (p->nr_preserve && !p->preserve) ||
	    (p->nr_live && !p->live) ||
	    (h->mode != KRELOC_MODE_MMU && h->mode != KRELOC_MODE_CLASSIC))
		return KRELOC_E_INVAL;
	/*
	 * A paged payload's pages, read until the trampoline copies them, are
	 * never a destination, a staged page or a table; checked in RAM before
	 * the Image header is read from the first one.
	 */
	err = reserve_payload_pages(h->map, p->image_pages, p->image_len);
	if (!err && p->initrd_len)
		err = reserve_payload_pages(h->map, p->initrd_pages, p->initrd_len);
	if (!err)
		err = kreloc_image_parse(p->image, p->image_len, &h->img);
	if (!err)
		err = kreloc_image_check_cpu(&h->img, kreloc_xlat_granules(h->mmfr0));
	if (err)
		return err;
	/* Live memory is never a destination, a staged page or a table. */
	for (unsigned int i = 0; i < p->nr_live; i++) {
		err = kreloc_memmap_add_reserved(h->map, p->live[i].base, p->live[i].size);
		if (err)
			return err;
	}
	if (h->mode == KRELOC_MODE_MMU) {
		pa_bits = kreloc_xlat_check_cpu(h->mmfr0, h->granule_shift);
		if (pa_bits < 0)
			return pa_bits;
		err = payload_pages_mapped(h, p);
		if (!err)
			err = reserve_unmapped(h->map, h->granule_shift);
		if (err)
			return err;
	}
	err = build_fdt(h, p);
	if (err)
		return err;

	/*
	 * The kernel segment is the whole image_size, zero-filled past the
	 * file: the rest is the next kernel's BSS, first page tables and early
	 * stacks, which it writes with its MMU off.  A staged, list, table or
	 * control page there would be written with the caches on and could be
	 * evicted over that data later.
	 */
	h->nr_segs = 0;
	h->seg_sha256[h->nr_segs] = p->image_sha256;
	h->segs[h->nr_segs++] = (struct kreloc_segment){
		.buf = p->image_pages ? NULL : p->image, .bufsz = p->image_len,
		.dest = h->place.kernel_load, .memsz = h->place.kernel_size,
		.pages = p->image_pages };
	if (p->initrd_len) {
		h->seg_sha256[h->nr_segs] = p->initrd_sha256;
		h->segs[h->nr_segs++] = (struct kreloc_segment){
			.buf = p->initrd_pages ? NULL : p->initrd, .bufsz = p->initrd_len,
			.dest = h->place.initrd.base, .memsz = h->place.initrd.size,
			.pages = p->initrd_pages };
	}
	/* the embedder's block function: the C one costs ~0.3 M instructions here */
	kreloc_sha256_init_with(&sha, h->sha256_blocks ? h->sha256_blocks : kreloc_sha256_blocks);
	kreloc_sha256_update(&sha, p->fdt_buf, h->fdt_size);
	kreloc_sha256_final(&sha, h->fdt_sha256);
	h->seg_sha256[h->nr_segs] = h->fdt_sha256;
	h->segs[h->nr_segs++] = (struct kreloc_segment){
		.buf = p->fdt_buf, .bufsz = h->fdt_size, .dest = h->place.dtb.base,
		.memsz = KRELOC_ALIGN_UP(h->fdt_size, KRELOC_PAGE_SIZE) };
	err = kreloc_segments_validate(h->map, h->segs, h->nr_segs);
	return err ? err : check_room(h);
}

int kreloc_handoff_stage(struct kreloc_handoff *h)
{
	h->ki = (struct kreloc_kimage){
		.map = h->map, .segs = h->segs, .nr_segs = h->nr_segs,
		.alloc = h->alloc, .alloc_ctx = h->alloc_ctx,
		.rd = h->pages_rd, .rd_ctx = h->pages_rd_ctx,
	};
	return kreloc_kimage_load(&h->ki);
}

static void *safe_alloc(void *ctx, uint64_t size, uint64_t *pa)
{
	return kreloc_kimage_alloc_safe(ctx, size, pa);
}

/* Transitional tables: RAM but no-map memory read-write, the control page executable. */
static int build_tables(struct kreloc_handoff *h)
{
	struct kreloc_xlat_region r[KRELOC_XLAT_MAX_RAM_REGIONS + 1];
	struct kreloc_xlat_config cfg;
	uint64_t g = 1ULL << h->granule_shift;
	int n = ram_table_regions(h, &cfg, r, KRELOC_ARRAY_SIZE(r) - 1);

	if (n < 0)
		return n;
	r[n++] = (struct kreloc_xlat_region){ KRELOC_ALIGN_DOWN(h->control, g), g,
					      KRELOC_XLAT_RX_CODE };
	return kreloc_xlat_build(&cfg, r, (unsigned int)n, safe_alloc, &h->ki, &h->xlat);
}

/*
 * The cache contract (handoff.h): the trampoline finds what stage() and
 * prepare() wrote either in the cache, through the same attributes, or in
 * memory, with no stale line in front of it.  Uncached writes into blocks
 * nobody cleaned promise neither.
 */
static bool cache_contract_kept(const struct kreloc_handoff *h)
{
	return h->staging == KRELOC_STAGING_CACHED ||
	       (h->staging == KRELOC_STAGING_UNCACHED && h->staging_cleaned);
}

int kreloc_handoff_prepare(struct kreloc_handoff *h, kreloc_phys_read_fn rd, void *rd_ctx)
{
	int err;

	if (!h->ki.head || !rd)
		return KRELOC_E_INVAL;
	if (!cache_contract_kept(h))
		return KRELOC_E_CACHE_CONTRACT;
	if (h->mode == KRELOC_MODE_MMU) {
		/*
		 * A whole granule for the control page: the tables make it
		 * executable and read-only, so nothing else may share it.
		 */
		h->control_va = kreloc_kimage_alloc_safe(&h->ki, 1ULL << h->granule_shift,
							 &h->control);
		err = h->control_va ? build_tables(h) : KRELOC_E_NOMEM;
		/* Free RAM too fragmented for that granule or the tables: classic needs neither. */
		if (err == KRELOC_E_NOMEM) {
			h->mode = KRELOC_MODE_CLASSIC;
			h->xlat_fallback = true;
		} else if (err) {
			return err;
		}
	}
	if (!h->control_va)
		h->control_va = kreloc_kimage_alloc_safe(&h->ki, KRELOC_PAGE_SIZE, &h->control);
	if (!h->control_va)
		return KRELOC_E_NOMEM;
	return kreloc_kimage_check_list(h->ki.head, rd, rd_ctx, h->segs, h->nr_segs, &h->list);
}

/* The segment whose destination range holds @pa, or -1. */
static int segment_at(const struct kreloc_handoff *h, uint64_t pa)
{
	for (unsigned int i = 0; i < h->nr_segs; i++)
		if (pa >= h->segs[i].dest && pa - h->segs[i].dest < h->segs[i].memsz)
			return (int)i;
	return -1;
}

int kreloc_handoff_verify(const struct kreloc_handoff *h, kreloc_phys_read_fn rd, void *rd_ctx,
			  kreloc_sha256_blocks_fn blocks)
{
	struct kreloc_sha256 sha[KRELOC_HANDOFF_SEGMENTS];
	uint64_t done[KRELOC_HANDOFF_SEGMENTS] = { 0 };	/* bytes hashed, in order */
	const uint64_t *entry = NULL;
	uint64_t e = h->ki.head, cursor = 0;
	uint8_t md[KRELOC_SHA256_SIZE];

	if (!h->ki.head || !rd || !blocks)
		return KRELOC_E_INVAL;
	for (unsigned int i = 0; i < h->nr_segs; i++)
		kreloc_sha256_init_with(&sha[i], blocks);

	/* prepare() proved the list well formed and exactly the segments */
	while (!(e & KRELOC_IND_DONE)) {
		uint64_t pa = e & ~(uint64_t)(KRELOC_IND_PAGE_SIZE - 1);

		if (e & KRELOC_IND_DESTINATION) {
			cursor = pa;
		} else if (e & KRELOC_IND_INDIRECTION) {
			entry = rd(rd_ctx, pa, KRELOC_IND_PAGE_SIZE);
			if (!entry)
				return KRELOC_E_INVAL;
		} else if (e & KRELOC_IND_SOURCE) {
			int i = segment_at(h, cursor);
			uint64_t off, n;
			const void *src;

			if (i < 0)
				return KRELOC_E_LIST_COVERAGE;
			off = cursor - h->segs[i].dest;
			if (off != done[i] && off < h->segs[i].bufsz)
				return KRELOC_E_LIST_COVERAGE;	/* out of order */
			if (off < h->segs[i].bufsz) {
				n = h->segs[i].bufsz - off;
				if (n > KRELOC_IND_PAGE_SIZE)
					n = KRELOC_IND_PAGE_SIZE;
				src = rd(rd_ctx, pa, n);
				if (!src)
					return KRELOC_E_INVAL;
				/* no digest (a chunked blob, chunks.h): its order checked, not hashed */
				if (h->seg_sha256[i])
					kreloc_sha256_update(&sha[i], src, (size_t)n);
				done[i] += n;
			}
			cursor += KRELOC_IND_PAGE_SIZE;
		}
		e = *entry++;
	}
	for (unsigned int i = 0; i < h->nr_segs; i++) {
		kreloc_sha256_final(&sha[i], md);
		if (done[i] != h->segs[i].bufsz)
			return KRELOC_E_LIST_COVERAGE;
		if (h->seg_sha256[i] && memcmp(md, h->seg_sha256[i], sizeof(md)))
			return KRELOC_E_BUNDLE_CHECKSUM;
	}
	return 0;
}
