// SPDX-License-Identifier: MIT
/*
 * test_live.c - kreloc_live_plan() (tools/live.c): the segments `kreloc
 * load` hands to kexec_load.  A small two-bank tree with /memreserve/,
 * /reserved-memory (one no-map child) and stale /chosen properties, a fake
 * shim Image and payload page tables scattered where the segments would
 * otherwise go: the segments must land in RAM, high, clear of everything;
 * the stub must load the tree's and the shim's destinations; the bundle
 * must carry the page tables exactly as bundle.h lays them out; and every
 * refusal names its code and culprit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <kreloc/bundle.h>
#include <kreloc/error.h>
#include <kreloc/image.h>
#include <kreloc/mailbox.h>
#include <kreloc/memmap.h>
#include <kreloc/sha256.h>

#include "fdt_build.h"
#include "live.h"

#define K4	0x1000ULL
#define M1	0x100000ULL
#define M2	0x200000ULL

/* Bank A [0x40000000, 0x50000000), bank B [0x80000000, 0x84000000). */
#define BANK_A		0x40000000ULL
#define BANK_A_SIZE	0x10000000ULL
#define BANK_B		0x80000000ULL
#define BANK_B_SIZE	0x04000000ULL
#define RSV_MEMRESERVE	0x83f00000ULL	/* 1 MiB, /memreserve/ */
#define RSV_NOMAP	0x83a00000ULL	/* 2 MiB, /reserved-memory no-map */
#define RSV_PLAIN	0x83800000ULL	/* 512 KiB, /reserved-memory */
#define AVOID_BASE	0x83300000ULL	/* 1 MiB, @avoid */

#define IMAGE_SIZE	(40 * K4 + 100)		/* 41 pages */
#define INITRD_SIZE	(20 * K4 + 1)		/* 21 pages */
#define IMAGE_RUNS	14
#define INITRD_RUNS	1

static const char bootargs[] = "console=ttyAMA0 kreloc.verbose=1";
static const char next_cmdline[] = "console=ttyAMA0 root=/dev/vda rw";

static union { uint64_t a; uint8_t b[65536]; } g_fdt, g_dtb, g_small;
static uint8_t g_shim[0x20000];
static uint8_t g_head[64];
static uint64_t g_image_pages[1024];
static uint64_t g_initrd_pages[32];
static struct kreloc_range g_avoid[1];
static struct kreloc_live_input in;
static struct kreloc_live_plan plan;

/* ---- inputs ------------------------------------------------------------ */

static void build_tree(void)
{
	static const uint64_t rsv[] = { RSV_MEMRESERVE, M1 };
	static const uint8_t seed[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };

	b_begin_rsv(rsv, 2);
	CELLS("#address-cells", 2);
	CELLS("#size-cells", 2);
	b_memory("memory@40000000", 2, 2, BANK_A, BANK_A_SIZE);
	b_memory("memory@80000000", 2, 2, BANK_B, BANK_B_SIZE);
	b_node("reserved-memory");
	CELLS("#address-cells", 2);
	CELLS("#size-cells", 2);
	b_bytes("ranges", NULL, 0);
	b_node("fw@83a00000");
	PAIRS("reg", 2, 2, RSV_NOMAP, M2);
	b_bytes("no-map", NULL, 0);
	b_end();
	b_node("ramoops@83800000");
	PAIRS("reg", 2, 2, RSV_PLAIN, 0x80000);
	b_end();
	b_end();
	b_node("chosen");
	b_str("bootargs", bootargs);
	PAIRS("linux,initrd-start", 2, 0, 0x48000000);
	PAIRS("linux,initrd-end", 2, 0, 0x48100000);
	b_bytes("kaslr-seed", seed, 8);
	b_bytes("rng-seed", seed, sizeof(seed));
	b_bytes(KRELOC_MAILBOX_PROP, seed, sizeof(seed));
	b_end();
	b_finish();
	memcpy(g_fdt.b, T, fdt_totalsize(T));
}

static void fill_pages(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < 10; i++)		/* run: right under /memreserve/ */
		g_image_pages[n++] = 0x83e00000 + i * K4;
	for (unsigned int i = 0; i < 10; i++)		/* run: right over the no-map */
		g_image_pages[n++] = 0x83c00000 + i * K4;
	g_image_pages[n++] = 0x83610000;		/* one page in the next 2 MiB slot */
	for (unsigned int i = 0; i < 10; i++)		/* run in bank A */
		g_image_pages[n++] = 0x40100000 + i * K4;
	for (unsigned int i = 0; i < 10; i++)		/* ten single pages */
		g_image_pages[n++] = 0x45000000 + i * 2 * K4;
	assert_int_equal(n, 41);
	for (unsigned int i = 0; i < 21; i++)
		g_initrd_pages[i] = 0x83d00000 + i * K4;
}

static void make_image_header(uint8_t *h, uint64_t text_offset, uint64_t image_size)
{
	memset(h, 0, 64);
	h[0] = 0x4d;		/* "MZ", as a UEFI-capable Image starts */
	h[1] = 0x5a;
	kreloc_put_le64(h + 8, text_offset);
	kreloc_put_le64(h + 16, image_size);
	kreloc_put_le64(h + 24, 0xa);	/* LE, 4K pages, anywhere */
	kreloc_put_le32(h + KRELOC_IMAGE_MAGIC_OFFSET, KRELOC_IMAGE_MAGIC);
}

static int setup(void **state)
{
	(void)state;
	build_tree();
	fill_pages();
	for (size_t i = 0; i < sizeof(g_shim); i++)
		g_shim[i] = (uint8_t)(i * 7 + 3);
	make_image_header(g_shim, 0, 0x31000);
	make_image_header(g_head, 0, 0x1000000);
	assert_int_equal(fdt_create_empty_tree(g_dtb.b, 4096), 0);

	memset(&in, 0, sizeof(in));
	in.fdt = g_fdt.b;
	in.fdt_len = sizeof(g_fdt.b);
	in.shim = g_shim;
	in.shim_len = sizeof(g_shim);
	in.image_head = g_head;
	in.image_head_len = sizeof(g_head);
	in.image.size = IMAGE_SIZE;
	in.image.pages = g_image_pages;
	for (unsigned int i = 0; i < 32; i++)
		in.image.sha256[i] = (uint8_t)(0xa0 + i);
	in.initrd.size = INITRD_SIZE;
	in.initrd.pages = g_initrd_pages;
	for (unsigned int i = 0; i < 32; i++)
		in.initrd.sha256[i] = (uint8_t)(0x50 + i);
	in.cmdline = next_cmdline;
	in.next_dtb = g_dtb.b;
	in.next_dtb_len = sizeof(g_dtb.b);
	in.options = KRELOC_OPT_VERIFY | (uint64_t)KRELOC_GRANULE_16K << KRELOC_OPT_GRANULE_SHIFT;
	g_avoid[0] = (struct kreloc_range){ AVOID_BASE, M1 };
	in.avoid = g_avoid;
	in.nr_avoid = 1;
	memset(&plan, 0xee, sizeof(plan));	/* must be overwritten either way */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kreloc_live_free(&plan);
	return 0;
}

static void plan_ok(void)
{
	const char *culprit = "unset";
	int err = kreloc_live_plan(&in, &plan, &culprit);

	if (err)
		fail_msg("kreloc_live_plan: %d (%s)", err, culprit ? culprit : "-");
	assert_null(culprit);
}

static void plan_fails(int want, const char *want_culprit)
{
	const char *culprit = NULL;
	static const struct kreloc_live_plan zero;

	assert_int_equal(kreloc_live_plan(&in, &plan, &culprit), want);
	assert_non_null(culprit);
	assert_string_equal(culprit, want_culprit);
	assert_memory_equal(&plan, &zero, sizeof(plan));
}

/* ---- placement ------------------------------------------------------------ */

static const struct kreloc_live_segment *seg_named(const char *what)
{
	for (unsigned int i = 0; i < plan.nr_seg; i++)
		if (!strcmp(plan.seg[i].what, what))
			return &plan.seg[i];
	fail_msg("no segment %s", what);
	return NULL;
}

static bool overlaps_blob(const struct kreloc_live_segment *s, const struct kreloc_live_blob *b)
{
	for (uint64_t i = 0; i < (b->size + K4 - 1) / K4; i++)
		if (kreloc_ranges_overlap(s->mem, s->span, b->pages[i], K4))
			return true;
	return false;
}

static void check_segments(void)
{
	struct kreloc_memmap map;
	static const char *const order[] = { "stub", "shim", "bundle", "tree" };

	assert_int_equal(kreloc_fdt_read_memmap(in.fdt, &map), 0);
	assert_int_equal(plan.nr_seg, 4);
	for (unsigned int i = 0; i < plan.nr_seg; i++) {
		const struct kreloc_live_segment *s = &plan.seg[i];
		bool in_bank = false;

		assert_string_equal(s->what, order[i]);
		assert_non_null(s->buf);
		assert_true(s->memsz > 0);
		assert_int_equal(s->mem % K4, 0);
		assert_int_equal(s->memsz % K4, 0);
		assert_true(s->bufsz <= s->memsz);
		assert_true(s->memsz <= s->span);
		for (unsigned int b = 0; b < map.nr_ram; b++)
			in_bank |= s->mem >= map.ram[b].base &&
				    s->mem + s->span <= kreloc_range_end(&map.ram[b]);
		assert_true(in_bank);
		assert_false(kreloc_memmap_is_reserved(&map, s->mem, s->span));
		assert_false(kreloc_memmap_is_nomap(&map, s->mem, s->span));
		assert_false(overlaps_blob(s, &in.image));
		assert_false(overlaps_blob(s, &in.initrd));
		for (unsigned int a = 0; a < in.nr_avoid; a++)
			assert_false(kreloc_ranges_overlap(s->mem, s->span, in.avoid[a].base,
							   in.avoid[a].size));
		for (unsigned int j = 0; j < i; j++)
			assert_false(kreloc_ranges_overlap(s->mem, s->span, plan.seg[j].mem,
							   plan.seg[j].span));
	}
}

static void test_segments(void **state)
{
	const struct kreloc_live_segment *shim, *bundle, *tree, *stub;

	(void)state;
	plan_ok();
	check_segments();
	stub = seg_named("stub");
	shim = seg_named("shim");
	bundle = seg_named("bundle");
	tree = seg_named("tree");

	assert_int_equal(plan.entry, stub->mem);
	assert_int_equal(stub->memsz, K4);
	assert_ptr_equal(stub->buf, plan.stub);
	/* the shim: its file only, image_size kept clear (span), a 2 MiB base */
	assert_ptr_equal(shim->buf, g_shim);
	assert_int_equal(shim->bufsz, sizeof(g_shim));
	assert_int_equal(shim->memsz, KRELOC_ALIGN_UP(sizeof(g_shim), K4));
	assert_int_equal(shim->span, 0x31000);
	assert_int_equal(shim->mem % M2, 0);
	assert_ptr_equal(bundle->buf, plan.bundle);
	assert_int_equal(bundle->bufsz, plan.bundle_len);
	assert_ptr_equal(tree->buf, plan.tree);
	assert_int_equal(tree->bufsz, plan.tree_len);
	assert_int_equal(plan.page_runs, IMAGE_RUNS + INITRD_RUNS);

	/*
	 * High: everything fits in bank B.  The highest 2 MiB slots there are
	 * taken by /memreserve/ and payload pages (0x83e00000, 0x83c00000,
	 * 0x83d00000), the no-map (0x83a00000), the plain reservation
	 * (0x83800000) and a lone payload page (0x83610000): the shim gets
	 * 0x83400000.  The others are above @avoid, under the shim's slot
	 * or in the gaps left over it.
	 */
	assert_int_equal(shim->mem, 0x83400000);
	for (unsigned int i = 0; i < plan.nr_seg; i++)
		assert_true(plan.seg[i].mem >= AVOID_BASE + M1);
}

/* The shim's text_offset: the Image runs that far past a 2 MiB aligned base. */
static void test_shim_text_offset(void **state)
{
	(void)state;
	make_image_header(g_shim, 0x80000, 0x31000);
	plan_ok();
	check_segments();
	assert_int_equal(seg_named("shim")->mem % M2, 0x80000);
}

/*
 * Run the stub as the CPU would, from its bytes: LDR (literal), MOV Xd, XZR
 * (ORR Xd, XZR, XZR) and BR are all it may contain.  Returns x0 and the
 * branch target; checks x1-x3 are zero at the branch.
 */
static void run_stub(const uint8_t *code, size_t len, uint64_t *x0, uint64_t *target)
{
	uint64_t x[32];
	bool known[32] = { false };

	for (size_t pc = 0; pc + 4 <= len; pc += 4) {
		uint32_t w = kreloc_le32(code + pc);

		if ((w & 0xff000000u) == 0x58000000u) {		/* LDR Xt, label */
			int64_t imm = (int64_t)((w >> 5) & 0x7ffff);
			uint64_t at;

			if (imm & 0x40000)
				imm -= 0x80000;
			at = pc + (uint64_t)(imm * 4);
			assert_int_equal(at % 8, 0);	/* Device memory: aligned */
			assert_true(at + 8 <= len);
			x[w & 31] = kreloc_le64(code + at);
			known[w & 31] = true;
		} else if ((w & 0xffffffe0u) == 0xaa1f03e0u) {	/* MOV Xd, XZR */
			x[w & 31] = 0;
			known[w & 31] = true;
		} else if ((w & 0xfffffc1fu) == 0xd61f0000u) {	/* BR Xn */
			unsigned int n = (w >> 5) & 31;

			assert_true(known[0] && known[1] && known[2] && known[3] && known[n]);
			assert_int_equal(x[1], 0);
			assert_int_equal(x[2], 0);
			assert_int_equal(x[3], 0);
			*x0 = x[0];
			*target = x[n];
			return;
		} else {
			fail_msg("stub instruction 0x%08x at +0x%zx not expected", w, pc);
		}
	}
	fail_msg("stub ends without a branch");
}

static void test_stub(void **state)
{
	uint64_t x0 = 0, target = 0;

	(void)state;
	make_image_header(g_shim, 0x80000, 0x31000);
	plan_ok();
	assert_true(seg_named("stub")->bufsz <= K4);
	run_stub(plan.stub, seg_named("stub")->bufsz, &x0, &target);
	assert_int_equal(x0, seg_named("tree")->mem);
	assert_int_equal(target, seg_named("shim")->mem);
}

/* ---- the shim's tree -------------------------------------------------------- */

static void test_tree(void **state)
{
	const void *t;
	const char *args;
	uint64_t start = 0, end = 0;
	int chosen, len;

	(void)state;
	plan_ok();
	t = plan.tree;
	assert_int_equal(kreloc_fdt_check(t, plan.tree_len), 0);
	assert_int_equal(fdt_totalsize(t), plan.tree_len);
	/* the bundle is the shim's initrd, exactly */
	assert_int_equal(kreloc_fdt_chosen_initrd(t, &start, &end), 1);
	assert_int_equal(start, seg_named("bundle")->mem);
	assert_int_equal(end, seg_named("bundle")->mem + plan.bundle_len);
	chosen = fdt_path_offset(t, "/chosen");
	assert_true(chosen >= 0);
	assert_non_null(fdt_getprop(t, chosen, "linux,initrd-start", &len));
	assert_int_equal(len, 8);
	/* bootargs kept for the shim; the running kernel's seeds and counters gone */
	args = fdt_getprop(t, chosen, "bootargs", &len);
	assert_non_null(args);
	assert_string_equal(args, bootargs);
	assert_null(fdt_getprop(t, chosen, "kaslr-seed", &len));
	assert_null(fdt_getprop(t, chosen, "rng-seed", &len));
	assert_null(fdt_getprop(t, chosen, KRELOC_MAILBOX_PROP, &len));
	/* the rest of the tree as it was: same memory map */
	{
		struct kreloc_memmap a, b;

		assert_int_equal(kreloc_fdt_read_memmap(in.fdt, &a), 0);
		assert_int_equal(kreloc_fdt_read_memmap(t, &b), 0);
		assert_memory_equal(&a, &b, sizeof(a));
	}
}

/* ---- the bundle, read field by field ---------------------------------------- */

#define HDR_ENTRIES	4

static void check_paged_entry(const uint8_t *e, uint32_t type, const struct kreloc_live_blob *b)
{
	uint64_t n = (b->size + K4 - 1) / K4;
	uint64_t off = kreloc_le64(e + 8), len = kreloc_le64(e + 16), align = kreloc_le64(e + 24);

	assert_int_equal(kreloc_le32(e + 0), type);
	assert_int_equal(kreloc_le32(e + 4), KRELOC_BUNDLE_F_PAGES);
	assert_int_equal(len, 8 * n);
	assert_true(align >= 8 && (align & (align - 1)) == 0);
	assert_int_equal(off % align, 0);
	assert_int_equal(kreloc_le64(e + 32), 0);		/* addr */
	assert_int_equal(kreloc_le64(e + 40), b->size);	/* size */
	assert_memory_equal(e + 48, b->sha256, 32);
	for (uint64_t i = 0; i < n; i++)
		assert_int_equal(kreloc_le64(plan.bundle + off + 8 * i), b->pages[i]);
}

static void check_data_entry(const uint8_t *e, uint32_t type, const void *data, uint64_t size)
{
	uint64_t off = kreloc_le64(e + 8), len = kreloc_le64(e + 16), align = kreloc_le64(e + 24);
	uint8_t md[32];

	assert_int_equal(kreloc_le32(e + 0), type);
	assert_int_equal(kreloc_le32(e + 4), 0);
	assert_int_equal(len, size);
	assert_true(align >= 1 && (align & (align - 1)) == 0);
	assert_int_equal(off % align, 0);
	assert_int_equal(kreloc_le64(e + 32), 0);
	assert_int_equal(kreloc_le64(e + 40), 0);
	assert_memory_equal(plan.bundle + off, data, size);
	kreloc_sha256(data, size, md);
	assert_memory_equal(e + 48, md, 32);
}

static void test_bundle_layout(void **state)
{
	const uint8_t *b;
	uint64_t end = KRELOC_BUNDLE_HEADER_SIZE + HDR_ENTRIES * KRELOC_BUNDLE_ENTRY_SIZE;

	(void)state;
	plan_ok();
	b = plan.bundle;
	assert_memory_equal(b, "KRELBNDL", 8);
	assert_int_equal(kreloc_le32(b + 8), KRELOC_BUNDLE_VERSION);
	assert_int_equal(kreloc_le32(b + 12), KRELOC_BUNDLE_HEADER_SIZE);
	assert_int_equal(kreloc_le64(b + 16), plan.bundle_len);
	assert_int_equal(kreloc_le32(b + 24), HDR_ENTRIES);
	assert_int_equal(kreloc_le32(b + 28), KRELOC_BUNDLE_ENTRY_SIZE);
	assert_int_equal(kreloc_le64(b + 32), in.options | KRELOC_OPT_FAIL_RESET);
	for (unsigned int i = 40; i < 64; i++)
		assert_int_equal(b[i], 0);

	check_paged_entry(b + 64, KRELOC_BUNDLE_IMAGE, &in.image);
	check_paged_entry(b + 64 + 80, KRELOC_BUNDLE_INITRD, &in.initrd);
	check_data_entry(b + 64 + 160, KRELOC_BUNDLE_CMDLINE, next_cmdline, strlen(next_cmdline));
	check_data_entry(b + 64 + 240, KRELOC_BUNDLE_DTB, g_dtb.b, fdt_totalsize(g_dtb.b));

	/* data after the table, in entry order, disjoint, the last byte ends the bundle */
	for (unsigned int i = 0; i < HDR_ENTRIES; i++) {
		const uint8_t *e = b + 64 + 80 * i;

		assert_true(kreloc_le64(e + 8) >= end);
		end = kreloc_le64(e + 8) + kreloc_le64(e + 16);
	}
	assert_int_equal(end, plan.bundle_len);
}

/* Only what was given: no initrd, no command line, no tree; FAIL_RESET anyway. */
static void test_bundle_minimal(void **state)
{
	const uint8_t *b;

	(void)state;
	in.initrd.size = 0;
	in.initrd.pages = NULL;
	in.cmdline = NULL;
	in.next_dtb = NULL;
	in.options = 0;
	plan_ok();
	check_segments();
	b = plan.bundle;
	assert_int_equal(kreloc_le32(b + 24), 1);
	assert_int_equal(kreloc_le64(b + 32), KRELOC_OPT_FAIL_RESET);
	check_paged_entry(b + 64, KRELOC_BUNDLE_IMAGE, &in.image);
	assert_int_equal(plan.page_runs, IMAGE_RUNS);
	assert_int_equal(kreloc_le64(b + 16), plan.bundle_len);
}

/* The shim's own parser accepts the bundle and sees the page tables. */
static void test_bundle_parses(void **state)
{
	struct kreloc_bundle b;

	(void)state;
	plan_ok();
	assert_int_equal(kreloc_bundle_parse(plan.bundle, plan.bundle_len, &b), 0);
	assert_int_equal(b.options, in.options | KRELOC_OPT_FAIL_RESET);
	assert_null(b.image.data);
	assert_int_equal(b.image.len, IMAGE_SIZE);
	assert_int_equal(b.image.nr_pages, 41);
	assert_memory_equal(b.image.sha256, in.image.sha256, 32);
	for (unsigned int i = 0; i < 41; i++)
		assert_int_equal(kreloc_le64(b.image.pages + 8 * i), g_image_pages[i]);
	assert_int_equal(b.initrd.len, INITRD_SIZE);
	assert_int_equal(b.initrd.nr_pages, 21);
	assert_int_equal(b.cmdline.len, strlen(next_cmdline));
	assert_memory_equal(b.cmdline.data, next_cmdline, strlen(next_cmdline));
	assert_int_equal(b.dtb.len, fdt_totalsize(g_dtb.b));
}

/* load --cpus: the bundle carries the count for the shim; 64 is the most. */
static void test_bundle_cpus(void **state)
{
	struct kreloc_bundle b;

	(void)state;
	for (unsigned int n = 4; n <= KRELOC_OPT_CPUS_MAX; n += KRELOC_OPT_CPUS_MAX - 4) {
		in.options = KRELOC_OPT_VERIFY | (uint64_t)n << KRELOC_OPT_CPUS_SHIFT;
		plan_ok();
		assert_int_equal(kreloc_bundle_parse(plan.bundle, plan.bundle_len, &b), 0);
		assert_int_equal(kreloc_bundle_cpus(&b), n);
		assert_int_equal(b.options, in.options | KRELOC_OPT_FAIL_RESET);
		kreloc_live_free(&plan);
	}
}

/*
 * load --verify --cpus N > 1: the chunk tables the holder hashed go into the
 * bundle (version 2), each after its blob, whose digest is the table's root.
 */
static void test_bundle_chunks(void **state)
{
	uint8_t ti[32], tr[32];
	struct kreloc_bundle b;

	(void)state;
	memset(ti, 0x11, sizeof(ti));
	memset(tr, 0x22, sizeof(tr));
	in.options = KRELOC_OPT_VERIFY | 2ULL << KRELOC_OPT_CPUS_SHIFT;
	in.image.chunks = ti;
	in.initrd.chunks = tr;
	kreloc_sha256(ti, sizeof(ti), in.image.sha256);
	kreloc_sha256(tr, sizeof(tr), in.initrd.sha256);
	plan_ok();
	assert_int_equal(kreloc_le32(plan.bundle + 8), KRELOC_BUNDLE_VERSION_CHUNKS);
	assert_int_equal(kreloc_bundle_parse(plan.bundle, plan.bundle_len, &b), 0);
	assert_int_equal(b.image.nr_chunks, 1);		/* 41 pages: one chunk of 2 MiB */
	assert_int_equal(b.image.chunk_size, KRELOC_CHUNK_SIZE_DEFAULT);
	assert_memory_equal(b.image.chunks, ti, 32);
	assert_memory_equal(b.initrd.chunks, tr, 32);
	assert_int_equal(kreloc_le32(plan.bundle + 64 + 80), KRELOC_BUNDLE_IMAGE_CHUNKS);
	assert_int_equal(kreloc_le32(plan.bundle + 64 + 240), KRELOC_BUNDLE_INITRD_CHUNKS);
	kreloc_live_free(&plan);
	/* a root that is not the table's: the shim's parser refuses the bundle */
	in.image.sha256[0] ^= 1;
	plan_ok();
	assert_int_equal(kreloc_bundle_parse(plan.bundle, plan.bundle_len, &b),
			 KRELOC_E_CHUNKS_TABLE);
}

/* ---- refusals ------------------------------------------------------------------ */

static void test_refuse_pages(void **state)
{
	(void)state;
	g_image_pages[7] += 8;				/* unaligned */
	plan_fails(KRELOC_E_PAGES_TABLE, "pages");
	g_image_pages[7] -= 8;
	g_initrd_pages[20] = 0xfffffffffffff000ULL;	/* its page would wrap */
	plan_fails(KRELOC_E_PAGES_TABLE, "pages");
	g_initrd_pages[20] = 0x60000000;		/* between the banks */
	plan_fails(KRELOC_E_PAGES_NOT_RAM, "pages");
	g_initrd_pages[20] = RSV_NOMAP + 5 * K4;	/* RAM, but no-map */
	plan_fails(KRELOC_E_PAGES_NOT_RAM, "pages");
	g_initrd_pages[20] = RSV_PLAIN + 5 * K4;	/* reserved, mapped: readable */
	plan_ok();
	check_segments();
}

static void test_refuse_runs(void **state)
{
	static uint64_t pages[KRELOC_BUNDLE_MAX_PAGE_RUNS + 1];

	(void)state;
	/* image 14 runs + initrd: 242 runs make 256, one more is refused */
	for (unsigned int i = 0; i < KRELOC_BUNDLE_MAX_PAGE_RUNS + 1; i++)
		pages[i] = BANK_A + 0x1000000 + i * 2 * K4;
	in.initrd.pages = pages;
	in.initrd.size = (KRELOC_BUNDLE_MAX_PAGE_RUNS - IMAGE_RUNS) * K4;
	plan_ok();
	assert_int_equal(plan.page_runs, KRELOC_BUNDLE_MAX_PAGE_RUNS);
	kreloc_live_free(&plan);
	in.initrd.size += 1;
	plan_fails(KRELOC_E_PAGES_RUNS, "pages");
}

/* RAM holds nothing but the payload: 4 MiB of RAM, every page of it paged. */
static void test_refuse_no_room(void **state)
{
	(void)state;
	b_root(2, 2);
	b_memory("memory@40000000", 2, 2, BANK_A, 4 * M1);
	b_finish();
	memcpy(g_small.b, T, fdt_totalsize(T));
	for (unsigned int i = 0; i < 1024; i++)
		g_image_pages[i] = BANK_A + i * K4;
	in.fdt = g_small.b;
	in.fdt_len = sizeof(g_small.b);
	in.image.size = 1024 * K4;
	in.initrd.size = 0;
	in.cmdline = NULL;
	in.next_dtb = NULL;
	in.avoid = NULL;
	in.nr_avoid = 0;
	plan_fails(KRELOC_E_LIVE_NO_ROOM, "memory");
	/* room for the shim (0x31000 bytes at a 2 MiB base) and nothing else */
	for (unsigned int i = 0; i < 975; i++)
		g_image_pages[i] = BANK_A + 0x31000 + i * K4;
	in.image.size = 975 * K4;
	plan_fails(KRELOC_E_LIVE_NO_ROOM, "memory");
	/* four pages more: the bundle's two, the tree's and the stub's */
	for (unsigned int i = 0; i < 971; i++)
		g_image_pages[i] = BANK_A + 0x31000 + (i + 4) * K4;
	in.image.size = 971 * K4;
	plan_ok();
	check_segments();
	assert_int_equal(seg_named("bundle")->memsz, 2 * K4);
}

/* @avoid covering all of bank B pushes everything into bank A. */
static void test_avoid(void **state)
{
	(void)state;
	g_avoid[0] = (struct kreloc_range){ BANK_B, BANK_B_SIZE };
	plan_ok();
	check_segments();
	for (unsigned int i = 0; i < plan.nr_seg; i++)
		assert_true(plan.seg[i].mem < BANK_A + BANK_A_SIZE);
}

static void test_refuse_headers(void **state)
{
	(void)state;
	g_head[KRELOC_IMAGE_MAGIC_OFFSET] ^= 1;
	plan_fails(KRELOC_E_IMAGE_MAGIC, "image");
	g_head[KRELOC_IMAGE_MAGIC_OFFSET] ^= 1;
	in.image_head_len = 63;
	plan_fails(KRELOC_E_IMAGE_TRUNCATED, "image");
	in.image_head_len = 64;
	/* image_size below the blob's length */
	in.image.size = 0x1000000 + 1;
	plan_fails(KRELOC_E_IMAGE_SIZE, "image");
	in.image.size = IMAGE_SIZE;
	g_shim[KRELOC_IMAGE_MAGIC_OFFSET] ^= 1;
	plan_fails(KRELOC_E_IMAGE_MAGIC, "shim");
	g_shim[KRELOC_IMAGE_MAGIC_OFFSET] ^= 1;
	g_fdt.b[0] ^= 1;
	plan_fails(KRELOC_E_FDT, "tree");
	g_fdt.b[0] ^= 1;
	g_dtb.b[0] ^= 1;
	plan_fails(KRELOC_E_FDT, "dtb");
	g_dtb.b[0] ^= 1;
	in.options = KRELOC_OPT_FIRST_UNKNOWN;
	plan_fails(KRELOC_E_BUNDLE_HEADER, "options");
	/* A CPU count the shim would refuse, after the point of no return. */
	in.options = (uint64_t)(KRELOC_OPT_CPUS_MAX + 1) << KRELOC_OPT_CPUS_SHIFT;
	plan_fails(KRELOC_E_BUNDLE_HEADER, "options");
}

static void test_refuse_cmdline(void **state)
{
	static char line[KRELOC_CMDLINE_MAX + 2];

	(void)state;
	memset(line, 'a', KRELOC_CMDLINE_MAX + 1);
	line[KRELOC_CMDLINE_MAX + 1] = '\0';
	in.cmdline = line;
	plan_fails(KRELOC_E_BUNDLE_CMDLINE, "cmdline");
	line[KRELOC_CMDLINE_MAX] = '\0';			/* 2047: the longest */
	plan_ok();
	assert_int_equal(kreloc_le64(plan.bundle + 64 + 160 + 16), KRELOC_CMDLINE_MAX);
}

static void test_refuse_args(void **state)
{
	const char *culprit;

	(void)state;
	assert_int_equal(kreloc_live_plan(&in, NULL, &culprit), KRELOC_E_INVAL);
	assert_int_equal(kreloc_live_plan(NULL, &plan, NULL), KRELOC_E_INVAL);
	in.image.size = 0;
	plan_fails(KRELOC_E_INVAL, "image");
	in.image.size = IMAGE_SIZE;
	in.nr_avoid = KRELOC_LIVE_MAX_AVOID + 1;
	plan_fails(KRELOC_E_INVAL, "memory");
	in.nr_avoid = 1;
	g_avoid[0] = (struct kreloc_range){ UINT64_MAX - K4 + 1, 2 * K4 };
	plan_fails(KRELOC_E_OVERFLOW, "memory");
	kreloc_live_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_segments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shim_text_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stub, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bundle_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bundle_minimal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bundle_parses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bundle_cpus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bundle_chunks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_no_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_avoid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_cmdline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_args, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
