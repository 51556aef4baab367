// SPDX-License-Identifier: MIT
/*
 * live.c - what `kreloc load` hands to kexec_load(2) (see live.h): checks
 * the inputs, writes the bundle of page tables, the tree the shim is entered
 * with and the stub, and chooses where the running kernel puts each.
 *
 * Pure computation over the caller's buffers: no system call, no file.
 */
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include <kreloc/bundle.h>
#include <kreloc/chunks.h>
#include <kreloc/error.h>
#include <kreloc/fdt.h>
#include <kreloc/image.h>
#include <kreloc/mailbox.h>
#include <kreloc/memmap.h>
#include <kreloc/place.h>
#include <kreloc/sha256.h>

/* Generated from arch/arm64/kexec_stub.S (Makefile, KEXEC_STUB_H). */
#include "kexec_stub.h"

#include "live.h"

#define PAGE		KRELOC_SZ_4K
/*
 * The shim maps itself, its tree and its bundle with tables that have no
 * 52-bit descriptors (E_XLAT_PA_52BIT): keep every segment below 2^48.
 */
#define LIVE_DEST_LIMIT	(1ULL << 48)

/* The literals are read with the MMU off (Device memory): aligned, inside the stub. */
_Static_assert(KRELOC_KEXEC_STUB_TREE_OFF % 8 == 0, "stub tree literal unaligned");
_Static_assert(KRELOC_KEXEC_STUB_SHIM_OFF % 8 == 0, "stub shim literal unaligned");
_Static_assert(KRELOC_KEXEC_STUB_TREE_OFF + 8 <= sizeof(kreloc_kexec_stub_bytes), "stub tree literal");
_Static_assert(KRELOC_KEXEC_STUB_SHIM_OFF + 8 <= sizeof(kreloc_kexec_stub_bytes), "stub shim literal");
_Static_assert(sizeof(kreloc_kexec_stub_bytes) <= KRELOC_SZ_4K, "stub larger than its page");

/* The bundle's entries, in the order they are written. */
enum { ENT_IMAGE, ENT_IMAGE_CHUNKS, ENT_INITRD, ENT_INITRD_CHUNKS, ENT_CMDLINE, ENT_DTB, ENT_MAX };

/* Ranges no destination may touch: @avoid, the payload's runs, placed segments. */
#define LIVE_MAX_CLEAR	(KRELOC_LIVE_MAX_AVOID + KRELOC_BUNDLE_MAX_PAGE_RUNS + \
			 KRELOC_LIVE_MAX_SEGMENTS)

struct live_ctx {
	const struct kreloc_live_input *in;
	struct kreloc_live_plan *out;
	struct kreloc_image_info shim;
	struct kreloc_memmap map;
	uint64_t cmdline_len;		/* valid when in->cmdline */
	uint64_t dtb_len;		/* valid when in->next_dtb */
	struct kreloc_range clear[LIVE_MAX_CLEAR];
	unsigned int nr_clear;
	char bootargs[KRELOC_FDT_BOOTARGS_MAX + 1];
	bool has_bootargs;
};

static uint64_t nr_pages(uint64_t size)
{
	return size / PAGE + (size % PAGE != 0);
}

/* Check every page of @b; add its runs to ctx->clear and count them in *runs. */
static int check_pages(struct live_ctx *x, const struct kreloc_live_blob *b, uint64_t *runs)
{
	uint64_t n = nr_pages(b->size);

	if (n && !b->pages)
		return KRELOC_E_INVAL;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t a = b->pages[i];

		if (!KRELOC_ALIGNED(a, PAGE) || a > UINT64_MAX - PAGE)
			return KRELOC_E_PAGES_TABLE;
		if (!kreloc_memmap_is_ram(&x->map, a, PAGE) || kreloc_memmap_is_nomap(&x->map, a, PAGE))
			return KRELOC_E_PAGES_NOT_RAM;
	}
	for (uint64_t i = 0; i < n; i++) {
		uint64_t start = i;

		while (i + 1 < n && b->pages[i + 1] == b->pages[i] + PAGE)
			i++;
		if (++*runs > KRELOC_BUNDLE_MAX_PAGE_RUNS)
			return KRELOC_E_PAGES_RUNS;
		x->clear[x->nr_clear++] = (struct kreloc_range){ b->pages[start], (i - start + 1) * PAGE };
	}
	return 0;
}

static int check_options(uint64_t opt)
{
	uint64_t mode = (opt & KRELOC_OPT_MODE_MASK) >> KRELOC_OPT_MODE_SHIFT;
	uint64_t gran = (opt & KRELOC_OPT_GRANULE_MASK) >> KRELOC_OPT_GRANULE_SHIFT;
	uint64_t cpus = (opt & KRELOC_OPT_CPUS_MASK) >> KRELOC_OPT_CPUS_SHIFT;

	if ((opt & ~KRELOC_OPT_KNOWN) || mode > KRELOC_MODE_CLASSIC || gran > KRELOC_GRANULE_64K ||
	    cpus > KRELOC_OPT_CPUS_MAX)
		return KRELOC_E_BUNDLE_HEADER;
	return 0;
}

/* The running tree's /chosen/bootargs, kept for the shim (it reads kreloc.* there). */
static int read_bootargs(struct live_ctx *x)
{
	const char *v;
	int chosen, len;

	chosen = fdt_path_offset(x->in->fdt, "/chosen");
	if (chosen == -FDT_ERR_NOTFOUND)
		return 0;
	if (chosen < 0)
		return KRELOC_E_FDT;
	v = fdt_getprop(x->in->fdt, chosen, "bootargs", &len);
	if (!v)
		return len == -FDT_ERR_NOTFOUND ? 0 : KRELOC_E_FDT;
	/* one NUL-terminated string, short enough for kreloc_fdt_set_chosen() */
	if (len < 1 || v[len - 1] != '\0' || memchr(v, '\0', (size_t)len) != v + len - 1 ||
	    (size_t)len - 1 > KRELOC_FDT_BOOTARGS_MAX)
		return KRELOC_E_FDT;
	memcpy(x->bootargs, v, (size_t)len);
	x->has_bootargs = true;
	return 0;
}

/* Everything but the payload's pages, in the order live.h gives the culprits. */
static int check_inputs(struct live_ctx *x, const char **culprit)
{
	const struct kreloc_live_input *in = x->in;
	struct kreloc_image_info img;
	int err;

	*culprit = "image";
	if (!in->image_head || in->image.size == 0)
		return KRELOC_E_INVAL;
	/* image_size is checked against the whole blob; only 64 bytes are read */
	err = kreloc_image_parse(in->image_head,
				 in->image_head_len < KRELOC_IMAGE_HEADER_SIZE ?
				 in->image_head_len : in->image.size, &img);
	if (err)
		return err;

	*culprit = "shim";
	if (!in->shim)
		return KRELOC_E_INVAL;
	err = kreloc_image_parse(in->shim, in->shim_len, &x->shim);
	if (err)
		return err;

	*culprit = "tree";
	err = kreloc_fdt_check(in->fdt, in->fdt_len);
	if (!err)
		err = kreloc_fdt_read_memmap(in->fdt, &x->map);
	if (!err)
		err = read_bootargs(x);
	if (err)
		return err;

	*culprit = "dtb";
	if (in->next_dtb) {
		err = kreloc_fdt_check(in->next_dtb, in->next_dtb_len);
		if (err)
			return err;
		x->dtb_len = fdt_totalsize(in->next_dtb);
	}

	*culprit = "cmdline";
	if (in->cmdline) {
		/* a C string holds no NUL of its own: only its length can be wrong */
		const char *nul = memchr(in->cmdline, '\0', KRELOC_CMDLINE_MAX + 1);

		if (!nul)
			return KRELOC_E_BUNDLE_CMDLINE;
		x->cmdline_len = (uint64_t)(nul - in->cmdline);
	}

	*culprit = "options";
	err = check_options(in->options);
	if (err)
		return err;

	*culprit = "memory";
	if (in->nr_avoid > KRELOC_LIVE_MAX_AVOID || (in->nr_avoid && !in->avoid))
		return KRELOC_E_INVAL;
	for (unsigned int i = 0; i < in->nr_avoid; i++) {
		if (in->avoid[i].base + in->avoid[i].size < in->avoid[i].base)
			return KRELOC_E_OVERFLOW;
		x->clear[x->nr_clear++] = in->avoid[i];
	}

	*culprit = "initrd";
	if (in->initrd.size && !in->initrd.pages)
		return KRELOC_E_INVAL;
	return 0;
}

static int check_all_pages(struct live_ctx *x, const char **culprit)
{
	int err;

	*culprit = "pages";
	x->out->page_runs = 0;
	err = check_pages(x, &x->in->image, &x->out->page_runs);
	if (!err && x->in->initrd.size)
		err = check_pages(x, &x->in->initrd, &x->out->page_runs);
	return err;
}

/* One bundle entry as planned: its type, data, digest and place. */
struct bundle_item {
	uint32_t type;
	uint32_t flags;
	const struct kreloc_live_blob *paged;	/* paged blob, or NULL */
	const void *data;			/* bytes in the bundle otherwise */
	uint64_t length;
	uint64_t offset;
	uint64_t size;				/* a chunk table's chunk size, else 0 */
};

/* The chunk table of @b, when it has one, as an entry of @type after its blob's. */
static void add_chunks(struct bundle_item *it, unsigned int *nr, uint32_t type,
		       const struct kreloc_live_blob *b)
{
	if (!b->chunks)
		return;
	it[(*nr)++] = (struct bundle_item){
		type, 0, NULL, b->chunks,
		kreloc_chunks_count(b->size, KRELOC_CHUNK_SIZE_DEFAULT) * KRELOC_SHA256_SIZE, 0,
		KRELOC_CHUNK_SIZE_DEFAULT };
}

static int build_bundle(struct live_ctx *x)
{
	const struct kreloc_live_input *in = x->in;
	struct bundle_item it[ENT_MAX];
	unsigned int nr = 0;
	uint64_t pos;
	uint8_t *buf;

	it[nr++] = (struct bundle_item){ KRELOC_BUNDLE_IMAGE, KRELOC_BUNDLE_F_PAGES, &in->image,
					 NULL, 8 * nr_pages(in->image.size), 0, 0 };
	add_chunks(it, &nr, KRELOC_BUNDLE_IMAGE_CHUNKS, &in->image);
	if (in->initrd.size) {
		it[nr++] = (struct bundle_item){ KRELOC_BUNDLE_INITRD, KRELOC_BUNDLE_F_PAGES,
						 &in->initrd, NULL, 8 * nr_pages(in->initrd.size), 0,
						 0 };
		add_chunks(it, &nr, KRELOC_BUNDLE_INITRD_CHUNKS, &in->initrd);
	}
	if (in->cmdline)
		it[nr++] = (struct bundle_item){ KRELOC_BUNDLE_CMDLINE, 0, NULL, in->cmdline,
						 x->cmdline_len, 0, 0 };
	if (in->next_dtb)
		it[nr++] = (struct bundle_item){ KRELOC_BUNDLE_DTB, 0, NULL, in->next_dtb,
						 x->dtb_len, 0, 0 };

	/*
	 * Every entry's data at an 8-byte aligned offset (align 8): a page
	 * table is an array of u64, a tree is read by libfdt in place.  The
	 * sizes are bounded (page runs, 2 MiB trees, 2047 bytes), no overflow.
	 */
	pos = KRELOC_BUNDLE_HEADER_SIZE + (uint64_t)nr * KRELOC_BUNDLE_ENTRY_SIZE;
	for (unsigned int i = 0; i < nr; i++) {
		it[i].offset = KRELOC_ALIGN_UP(pos, 8);
		pos = it[i].offset + it[i].length;
	}
	buf = calloc(1, (size_t)pos);
	if (!buf)
		return KRELOC_E_NOMEM;
	x->out->bundle = buf;
	x->out->bundle_len = (size_t)pos;

	memcpy(buf, KRELOC_BUNDLE_MAGIC, 8);
	kreloc_put_le32(buf + 8, in->image.chunks ? KRELOC_BUNDLE_VERSION_CHUNKS :
						    KRELOC_BUNDLE_VERSION);
	kreloc_put_le32(buf + 12, KRELOC_BUNDLE_HEADER_SIZE);
	kreloc_put_le64(buf + 16, pos);
	kreloc_put_le32(buf + 24, nr);
	kreloc_put_le32(buf + 28, KRELOC_BUNDLE_ENTRY_SIZE);
	kreloc_put_le64(buf + 32, in->options | KRELOC_OPT_FAIL_RESET);

	for (unsigned int i = 0; i < nr; i++) {
		uint8_t *e = buf + KRELOC_BUNDLE_HEADER_SIZE + (size_t)i * KRELOC_BUNDLE_ENTRY_SIZE;
		uint8_t *d = buf + it[i].offset;

		kreloc_put_le32(e + 0, it[i].type);
		kreloc_put_le32(e + 4, it[i].flags);
		kreloc_put_le64(e + 8, it[i].offset);
		kreloc_put_le64(e + 16, it[i].length);
		kreloc_put_le64(e + 24, 8);
		/* addr (e + 32) stays 0 */
		if (it[i].paged) {
			for (uint64_t p = 0; p < it[i].length / 8; p++)
				kreloc_put_le64(d + 8 * p, it[i].paged->pages[p]);
			kreloc_put_le64(e + 40, it[i].paged->size);
			memcpy(e + 48, it[i].paged->sha256, 32);
		} else {
			/* a chunk table's digest is its blob's root */
			kreloc_put_le64(e + 40, it[i].size);
			if (it[i].length)
				memcpy(d, it[i].data, (size_t)it[i].length);
			kreloc_sha256(d, (size_t)it[i].length, e + 48);
		}
	}
	return 0;
}

/* Delete every copy of @name from node @node. */
static int delprop_all(void *fdt, int node, const char *name)
{
	int err;

	while ((err = fdt_delprop(fdt, node, name)) == 0)
		;
	return err == -FDT_ERR_NOTFOUND ? 0 : KRELOC_E_FDT;
}

/*
 * The shim's tree: the running one with /chosen/linux,initrd-start/end
 * naming the bundle (placeholder values here, the real ones once it is
 * placed: the size of the tree does not depend on them).  Bootargs stay.
 * kreloc_fdt_set_chosen() drops what was meant for the running kernel:
 * its initrd, its crash-kernel properties and its seeds (Linux zeroes
 * kaslr-seed and wipes rng-seed once it has used them; a seed still there
 * was the running kernel's to read, and a seed is never handed on twice,
 * so the shim draws fresh ones from RNDR or hands on none).  A previous
 * hand-off's counter mailbox would be read as this one's: it goes too.
 */
static int build_tree(struct live_ctx *x)
{
	struct kreloc_chosen c = { 0 };
	size_t room = kreloc_fdt_used_size(x->in->fdt) + KRELOC_FDT_HEADROOM;
	void *t;
	int err, chosen;

	t = malloc(room);
	if (!t)
		return KRELOC_E_NOMEM;
	x->out->tree = t;
	err = kreloc_fdt_prepare(x->in->fdt, t, room);
	if (err)
		return err;
	c.bootargs = x->has_bootargs ? x->bootargs : NULL;
	c.initrd_start = 0;
	c.initrd_end = x->out->bundle_len;
	err = kreloc_fdt_set_chosen(t, &c);
	if (err)
		return err;
	chosen = fdt_path_offset(t, "/chosen");
	if (chosen < 0)
		return KRELOC_E_FDT;
	err = delprop_all(t, chosen, KRELOC_MAILBOX_PROP);
	if (err)
		return err;
	if (fdt_pack(t))
		return KRELOC_E_FDT;
	x->out->tree_len = fdt_totalsize(t);
	return 0;
}

/* Highest place for @size bytes at @align, clear of everything so far; then clear of it too. */
static int place(struct live_ctx *x, uint64_t size, uint64_t align, uint64_t *base)
{
	struct kreloc_find_req req = {
		.size = size, .align = align, .min = 0, .max = LIVE_DEST_LIMIT,
		.avoid = x->clear, .nr_avoid = x->nr_clear, .top_down = true,
	};
	int err = kreloc_memmap_find(&x->map, &req, base);

	if (err == KRELOC_E_NO_ROOM)
		return KRELOC_E_LIVE_NO_ROOM;
	if (err)
		return err;
	x->clear[x->nr_clear++] = (struct kreloc_range){ *base, size };
	return 0;
}

/*
 * Destinations, the scarcest first: the shim (2 MiB aligned and the
 * largest), the bundle, the tree, the stub's page.  seg[] keeps live.h's
 * order: stub, shim, bundle, tree.
 */
static int place_all(struct live_ctx *x)
{
	struct kreloc_live_plan *o = x->out;
	uint64_t shim_memsz = KRELOC_ALIGN_UP(x->shim.image_size, PAGE);
	uint64_t bundle_memsz = KRELOC_ALIGN_UP(o->bundle_len, PAGE);
	uint64_t tree_memsz = KRELOC_ALIGN_UP(o->tree_len, PAGE);
	uint64_t shim_base, bundle, tree, stub;
	int chosen, err;

	/* the shim runs text_offset bytes past a 2 MiB aligned base */
	err = place(x, x->shim.text_offset + shim_memsz, KRELOC_SZ_2M, &shim_base);
	if (!err)
		err = place(x, bundle_memsz, PAGE, &bundle);
	if (!err)
		err = place(x, tree_memsz, PAGE, &tree);
	if (!err)
		err = place(x, PAGE, PAGE, &stub);
	if (err)
		return err;

	chosen = fdt_path_offset(o->tree, "/chosen");
	if (chosen < 0 ||
	    fdt_setprop_inplace_u64(o->tree, chosen, "linux,initrd-start", bundle) ||
	    fdt_setprop_inplace_u64(o->tree, chosen, "linux,initrd-end", bundle + o->bundle_len))
		return KRELOC_E_FDT;

	kreloc_put_le64(o->stub + KRELOC_KEXEC_STUB_TREE_OFF, tree);
	kreloc_put_le64(o->stub + KRELOC_KEXEC_STUB_SHIM_OFF, shim_base + x->shim.text_offset);

	o->seg[0] = (struct kreloc_live_segment){ "stub", o->stub, sizeof(kreloc_kexec_stub_bytes),
						  stub, PAGE, PAGE };
	o->seg[1] = (struct kreloc_live_segment){ "shim", x->in->shim, x->in->shim_len,
						  shim_base + x->shim.text_offset,
						  KRELOC_ALIGN_UP(x->in->shim_len, PAGE), shim_memsz };
	o->seg[2] = (struct kreloc_live_segment){ "bundle", o->bundle, o->bundle_len,
						  bundle, bundle_memsz, bundle_memsz };
	o->seg[3] = (struct kreloc_live_segment){ "tree", o->tree, o->tree_len, tree, tree_memsz,
						  tree_memsz };
	o->nr_seg = 4;
	o->entry = stub;
	return 0;
}

int kreloc_live_plan(const struct kreloc_live_input *in, struct kreloc_live_plan *out,
		     const char **culprit)
{
	const char *dummy;
	struct live_ctx *x;
	int err;

	if (!culprit)
		culprit = &dummy;
	*culprit = "image";
	if (!out)
		return KRELOC_E_INVAL;
	memset(out, 0, sizeof(*out));
	if (!in)
		return KRELOC_E_INVAL;

	x = calloc(1, sizeof(*x));
	if (!x)
		return KRELOC_E_NOMEM;
	x->in = in;
	x->out = out;

	err = check_inputs(x, culprit);
	if (!err)
		err = check_all_pages(x, culprit);
	if (!err) {
		*culprit = "bundle";
		err = build_bundle(x);
	}
	if (!err) {
		*culprit = "tree";
		err = build_tree(x);
	}
	if (!err) {
		*culprit = "stub";
		out->stub = malloc(sizeof(kreloc_kexec_stub_bytes));
		if (out->stub)
			memcpy(out->stub, kreloc_kexec_stub_bytes, sizeof(kreloc_kexec_stub_bytes));
		else
			err = KRELOC_E_NOMEM;
	}
	if (!err) {
		*culprit = "memory";
		err = place_all(x);
	}
	free(x);
	if (err)
		kreloc_live_free(out);
	else
		*culprit = NULL;
	return err;
}

void kreloc_live_free(struct kreloc_live_plan *p)
{
	if (!p)
		return;
	free(p->bundle);
	free(p->tree);
	free(p->stub);
	memset(p, 0, sizeof(*p));
}
