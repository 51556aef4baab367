// SPDX-License-Identifier: MIT
/*
 * main.c - the kreloc reference shim: find the next kernel in the bundle
 * passed as our initrd, hand off to it through kreloc (lib/handoff.c), and
 * report what it cost.
 *
 * Everything that can fail happens before kreloc_reloc_enter(): a refusal
 * prints one `kreloc-shim-error:` line and powers off through PSCI (or
 * resets, when the bundle asks with KRELOC_OPT_FAIL_RESET); it never jumps.
 * Until then the shim writes only inside its own image (BSS, stack) and in
 * pages its allocator hands out from free RAM.
 */
#include <asm/reloc.h>
#include <asm/sysreg.h>
#include <kreloc/bundle.h>
#include <kreloc/chunks.h>
#include <kreloc/error.h>
#include <kreloc/fdt.h>
#include <kreloc/handoff.h>
#include <kreloc/sha256.h>
#include <libfdt.h>
#include "freemem.h"
#include "gic.h"
#include "pmu.h"
#include "shim.h"
#include "smp.h"

/*
 * The next kernel's device tree is built here, then staged like any segment.
 * In .noinit, past BSS: head.S does not zero it (2 MiB of stores with the
 * MMU off, and the loader need not zero it either, see shim.lds.S).  Every
 * byte is written before it is read, and only with the MMU and caches on, so
 * a line the previous owner left for this memory is hit or written back
 * coherently, never evicted over our data.
 */
static uint8_t fdt_buf[KRELOC_FDT_MAX_SIZE] __attribute__((aligned(8), section(".noinit")));

/*
 * Pages for the shim's own translation tables, 4K granule: the bootstrap
 * map (image and incoming tree) and the runtime map (RAM, console), a
 * handful each.  Never freed.
 */
#define RUNTIME_TABLE_PAGES	24
static uint8_t runtime_tables[RUNTIME_TABLE_PAGES][4096] __attribute__((aligned(4096)));

struct shim_state {
	uint64_t el;
	uint64_t base;			/* where we run */
	bool e2h;			/* EL2 with HCR_EL2.E2H stuck at 1: VHE table format */
	bool e2h_simulated;		/* kreloc.simulate=e2h-res1: refuse as if it were */
	const void *fdt_in;
	uint64_t fdt_extent;		/* bytes of fdt_in mapped and read */
	const void *fdt_view;		/* fdt_in, or a copy of its blocks when too large */
	int early_err;			/* found before the console was mapped ... */
	const char *early_ctx;		/* ... and what it concerned */
	struct kreloc_memmap map;
	struct kreloc_range bundle_range;
	struct shim_gic gic;		/* the redistributors and their live LPI tables */
	struct kreloc_bundle bundle;
	struct freemem free;
	struct kreloc_handoff h;
	uint64_t uart;			/* console MMIO base, 0 without one */
	struct kreloc_xlat runtime;	/* the shim's own tables, once switched to */
	unsigned int runtime_pages;	/* runtime_tables used */
	uint64_t rndr[4];		/* entropy for the seeds, when the CPU has RNDR */
	uint64_t tramp_entry;
	const char *sha_impl;		/* SHA-256 for the tree and verify(): "ce" or "portable" ... */
	kreloc_sha256_blocks_fn sha_blocks;	/* ... its block function (NULL: C) ... */
	struct pmu_sample verify_cost;	/* ... and what it cost */
	struct kreloc_chunks_check chunks;	/* chunked blobs (bundle.h, version 2) ... */
	uint64_t nr_chunks;		/* ... and their chunks: 0 when none */
	uint64_t plain_copy;		/* KRELOC_OPT_MEASURE_COPY: its cost ... */
	uint64_t plain_copy_bytes;	/* ... and size */
	struct pmu_sample t_start, t_planned, t_staged, t_prepared;
	struct pmu_sample t_verified, t_gathered;	/* several CPUs: smp_gather()'s span */
	uint64_t smp_page;		/* the SMP page, 0 when relocating on this CPU alone */
	struct smp_result smp;		/* the CPUs started and their shares */
	enum smp_simulate simulate;	/* smp.c's test hook, read once for several CPUs */
};

static struct shim_state st;

static void check(int err, const char *context)
{
	if (err < 0)
		shim_fail(err, context);
}

void shim_exception(uint64_t kind)
{
	uint64_t esr, elr, far;

	if (st.el == 2) {
		esr = read_sysreg(esr_el2);
		elr = read_sysreg(elr_el2);
		far = read_sysreg(far_el2);
	} else {
		esr = read_sysreg(esr_el1);
		elr = read_sysreg(elr_el1);
		far = read_sysreg(far_el1);
	}
	shim_printf("kreloc-shim-error: E_EXCEPTION: vector %u esr 0x%lx elr 0x%lx (shim+0x%lx) far 0x%lx\n",
		    (unsigned int)kind, esr, elr, elr - st.base, far);
	shim_stop();
}

/* RNDR, when FEAT_RNG is present: false if absent or out of entropy. */
static bool cpu_rndr(uint64_t *out)
{
	uint64_t v, nzcv;

	if (((read_sysreg(id_aa64isar0_el1) >> ID_AA64ISAR0_RNDR_SHIFT) & 0xf) == 0)
		return false;
	/* s3_3_c2_c4_0 is RNDR; it sets Z on failure */
	__asm__ volatile("mrs %0, s3_3_c2_c4_0\n\tmrs %1, nzcv" : "=r"(v), "=r"(nzcv));
	*out = v;
	return !(nzcv & (1U << 30));
}

/* A failure found before the console is mapped: reported once it is. */
static void defer(int err, const char *context)
{
	if (err < 0 && !st.early_err) {
		st.early_err = err;
		st.early_ctx = context;
	}
}

/* Does the incoming /chosen/bootargs hold the word @word? */
static bool bootargs_has(const char *word)
{
	/* Looked up once: each look-up walks the whole tree. */
	static const char *a;
	static int len = -1;
	size_t n = strlen(word);

	if (len < 0) {
		int chosen = kreloc_fdt_chosen(st.fdt_view);

		len = 0;
		a = chosen >= 0 ? fdt_getprop(st.fdt_view, chosen, "bootargs", &len) : NULL;
		if (!a)
			len = 0;
	}

	for (int i = 0; a && i + (int)n <= len; i++)
		if ((i == 0 || a[i - 1] == ' ') && !memcmp(a + i, word, n) &&
		    (i + (int)n == len || a[i + n] == ' ' || a[i + n] == '\0'))
			return true;
	return false;
}

/* The test hooks of smp.c (kreloc.simulate=cpu-...) on the shim's command line. */
static enum smp_simulate smp_simulation(void)
{
	if (bootargs_has("kreloc.simulate=cpu-on-fail"))
		return SMP_SIMULATE_CPU_ON_FAIL;
	if (bootargs_has("kreloc.simulate=cpu-late"))
		return SMP_SIMULATE_LATE;
	if (bootargs_has("kreloc.simulate=cpu-hang"))
		return SMP_SIMULATE_HANG;
	if (bootargs_has("kreloc.simulate=cpu-hash-late"))
		return SMP_SIMULATE_HASH_LATE;
	return SMP_SIMULATE_NONE;
}

/*
 * Console and PSCI conduit, with the MMU on over the incoming tree.  A tree
 * over the protocol's 2 MiB is read through a copy of its structure and
 * strings blocks (kreloc_fdt_copy_blocks()), enough to find both and say
 * why we stop.
 */
static void find_console_and_psci(void)
{
	st.fdt_view = st.fdt_in;
	if (fdt_totalsize(st.fdt_in) > KRELOC_FDT_MAX_SIZE) {
		defer(KRELOC_E_FDT_TOO_LARGE, "incoming device tree");
		if (kreloc_fdt_copy_blocks(st.fdt_in, fdt_buf, sizeof(fdt_buf)) < 0)
			return;
		st.fdt_view = fdt_buf;
	}
	psci_init((char)kreloc_fdt_psci_method(st.fdt_view));
	if (kreloc_fdt_stdout_uart(st.fdt_view, &st.uart) <= 0)
		st.uart = 0;
	/*
	 * The refusal of a CPU whose E2H is stuck at 1 can be exercised on
	 * one that has FEAT_E2H0 (tests/e2e/takeover.sh): the shim's own
	 * command line asks to treat E2H as read back set.
	 */
	if (st.el == 2 && bootargs_has("kreloc.simulate=e2h-res1"))
		st.e2h_simulated = true;
}

static void *runtime_alloc(void *ctx, uint64_t size, uint64_t *pa)
{
	void *p;

	(void)ctx;
	if (size != sizeof(runtime_tables[0]) || st.runtime_pages == RUNTIME_TABLE_PAGES)
		return NULL;
	/* zeroed by head.S, and again by the table builder */
	p = runtime_tables[st.runtime_pages++];
	*pa = (uint64_t)(uintptr_t)p;
	return p;
}

/* The translation regime's table format: the EL1 one under E2H (VHE). */
static unsigned int xlat_el(void)
{
	return st.e2h ? 1 : (unsigned int)st.el;
}

/*
 * Build identity tables for @r and switch to them (from the MMU off, or
 * from other tables).  A failure has no console mapped to report through:
 * stop where we are.
 */
static void map_and_switch(const struct kreloc_xlat_region *r, unsigned int n)
{
	struct kreloc_xlat_config cfg = { .granule_shift = 12, .el = xlat_el() };
	struct kreloc_xlat x;
	int pa_bits = kreloc_xlat_check_cpu(read_sysreg(id_aa64mmfr0_el1), 12);

	if (pa_bits < 0)
		shim_power_off();
	cfg.pa_bits = (unsigned int)pa_bits;
	if (kreloc_xlat_build(&cfg, r, n, runtime_alloc, NULL, &x) < 0)
		shim_power_off();
	kreloc_mmu_on(x.ttbr, x.tcr, x.mair, x.sctlr_set, x.sctlr_clear);
	st.runtime = x;
}

/*
 * The shim image read-write with its code executable inside it, and the
 * incoming tree's pages [@lo, @hi): one range with the image when they
 * share or touch a page (the region rule of xlat.h allows no partial
 * overlap), else beside it.  Returns the number of regions written.
 */
static unsigned int image_and_tree(struct kreloc_xlat_region *r, uint64_t lo, uint64_t hi)
{
	uint64_t end = KRELOC_ALIGN_UP(st.base + (uint64_t)(_end - _image_start), 4096);
	unsigned int n = 0;

	if (hi >= st.base && lo <= end) {
		lo = lo < st.base ? lo : st.base;
		hi = hi > end ? hi : end;
		r[n++] = (struct kreloc_xlat_region){ lo, hi - lo, KRELOC_XLAT_RW_DATA };
	} else {
		r[n++] = (struct kreloc_xlat_region){ st.base, end - st.base, KRELOC_XLAT_RW_DATA };
		r[n++] = (struct kreloc_xlat_region){ lo, hi - lo, KRELOC_XLAT_RW_DATA };
	}
	r[n++] = (struct kreloc_xlat_region){ st.base, (uint64_t)(_text_end - _image_start),
					      KRELOC_XLAT_RX_CODE };
	return n;
}

/* The incoming tree's pages, as far as we read it. */
static uint64_t tree_lo(void)
{
	return KRELOC_ALIGN_DOWN((uint64_t)(uintptr_t)st.fdt_in, 4096);
}

static uint64_t tree_hi(void)
{
	return KRELOC_ALIGN_UP((uint64_t)(uintptr_t)st.fdt_in + st.fdt_extent, 4096);
}

/*
 * Bootstrap: turn on the MMU and caches before anything reads the incoming
 * tree.  With stage 1 off every data access is Device memory, where an
 * unaligned access faults whatever SCTLR.A says, and Debian's libfdt.a is
 * not built with -mstrict-align.  The map holds only what is known before
 * the tree is read: the shim image, and the tree as far as its header says
 * (kreloc_fdt_read_extent() reads the header byte by byte).  A blob that
 * is no device tree, or is misaligned against booting.rst, leaves no
 * console to say so: stop.
 */
static void bootstrap_mmu(void)
{
	struct kreloc_xlat_region r[3];
	uint64_t fdt = (uint64_t)(uintptr_t)st.fdt_in;
	int64_t ext = KRELOC_ALIGNED(fdt, 8) ? kreloc_fdt_read_extent(st.fdt_in) : KRELOC_E_FDT;

	if (ext < 0)
		shim_power_off();
	st.fdt_extent = (uint64_t)ext;
	/*
	 * The relocated data went to memory uncached; a stale line left by
	 * the previous owner (the loader cleans the image, which leaves its
	 * lines valid) would hide it once caches are on.  Not BSS and the
	 * stack: head.S cleaned and invalidated them before zeroing them with
	 * the MMU off, which allocates no line.  Not .noinit: nothing wrote
	 * it yet, and it is only written with the caches on (fdt_buf); its
	 * 2 MiB were 0.13 M instructions of the 0.15 M this took.
	 */
	kreloc_dcache_civac_range(st.base, st.base + (uint64_t)(__bss_start - _image_start));
	map_and_switch(r, image_and_tree(r, tree_lo(), tree_hi()));
}

/*
 * Runtime: RAM read-write but for its no-map ranges (firmware carve-outs a
 * speculative cacheable read may fault on: kreloc_xlat_ram_regions()), the
 * shim's code executable, the console and the GIC's redistributors as
 * Device memory; the same attributes as the bootstrap map wherever both map
 * memory (kreloc_mmu_on() keeps the caches).  Without a memory map, or with
 * RAM the tables cannot map (a refusal is pending), the bootstrap regions
 * stay, with the console.
 */
static void runtime_mmu(void)
{
	struct kreloc_xlat_region r[KRELOC_XLAT_MAX_RAM_REGIONS + KRELOC_GIC_MAX_REDIST_REGIONS + 4];
	int n = st.early_err ? 0 : kreloc_xlat_ram_regions(&st.map, 12, r,
							   KRELOC_XLAT_MAX_RAM_REGIONS);

	defer(n, "RAM to map");
	if (st.early_err) {
		n = (int)image_and_tree(r, tree_lo(), tree_hi());
	} else {
		r[n++] = (struct kreloc_xlat_region){ st.base, (uint64_t)(_text_end - _image_start),
						      KRELOC_XLAT_RX_CODE };
		n += gic_map(&st.gic, &r[n]);
	}
	if (st.uart)
		r[n++] = (struct kreloc_xlat_region){ KRELOC_ALIGN_DOWN(st.uart, 4096), 4096,
						      KRELOC_XLAT_DEVICE };
	map_and_switch(r, (unsigned int)n);
	if (st.uart)
		console_init(st.uart);
}

/* RAM and what we must not overwrite; a failure is deferred (no console yet). */
static int read_memory_map(void)
{
	uint64_t start, end;
	uint64_t image_size = (uint64_t)(_end - _image_start);
	int err;

	/* The loader gave no length: the blob's own totalsize is all we have. */
	if ((err = kreloc_fdt_check(st.fdt_in, KRELOC_FDT_MAX_SIZE)) < 0 ||
	    (err = kreloc_fdt_read_memmap(st.fdt_in, &st.map)) < 0) {
		defer(err, "incoming device tree");
		return err;
	}
	if (kreloc_fdt_chosen_initrd(st.fdt_in, &start, &end) <= 0) {
		defer(KRELOC_E_BUNDLE_TRUNCATED, "no bundle: pass it to the shim as its initrd");
		return KRELOC_E_BUNDLE_TRUNCATED;
	}
	st.bundle_range.base = start;
	st.bundle_range.size = end - start;
	/* What we must not overwrite while we still need it. */
	if ((err = kreloc_memmap_add_reserved(&st.map, st.base, image_size)) < 0 ||
	    (err = kreloc_memmap_add_reserved(&st.map, (uint64_t)(uintptr_t)st.fdt_in,
					      fdt_totalsize(st.fdt_in))) < 0 ||
	    (err = kreloc_memmap_add_reserved(&st.map, start, end - start)) < 0) {
		defer(err, "memory map");
		return err;
	}
	if (!kreloc_memmap_is_ram(&st.map, start, end - start)) {
		defer(KRELOC_E_SEG_NOT_RAM, "bundle outside RAM");
		return KRELOC_E_SEG_NOT_RAM;
	}
	/* The runtime map leaves no-map memory out: we could not run or read there. */
	if (kreloc_memmap_is_nomap(&st.map, st.base, image_size) ||
	    kreloc_memmap_is_nomap(&st.map, (uint64_t)(uintptr_t)st.fdt_in,
				   fdt_totalsize(st.fdt_in)) ||
	    kreloc_memmap_is_nomap(&st.map, start, end - start)) {
		defer(KRELOC_E_SEG_NOMAP, "the shim, its device tree or its bundle");
		return KRELOC_E_SEG_NOMAP;
	}
	/* Where the redistributors are, to map them before reading them. */
	err = gic_find(st.fdt_in, &st.gic);
	defer(err, "incoming device tree: GICv3 node");
	return err;
}

/*
 * Every EL2 register kreloc writes (TCR_EL2, the descriptors, CPTR_EL2) is
 * in the E2H == 0 layout.  head.S clears E2H and reads it back; a CPU
 * without FEAT_E2H0 keeps it at 1, and the hand-off would then program the
 * next kernel's entry regime in the wrong layout.  Checked again here, just
 * before the EL2 regime is configured for the hand-off.
 */
static void check_el2_regime(const char *when)
{
	if (st.el == 2 && (st.e2h || st.e2h_simulated ||
			   (read_sysreg(hcr_el2) & (1ULL << HCR_E2H_BIT))))
		shim_fail(KRELOC_E_EL2_VHE, when);
}

/*
 * Print a preserved region's SHA-256, so a chain of hand-offs can show the
 * region came through every stage unchanged.
 */
static void report_preserved(const struct kreloc_range *r)
{
	uint8_t md[KRELOC_SHA256_SIZE];

	if (!kreloc_memmap_is_ram(&st.map, r->base, r->size))
		shim_fail(KRELOC_E_SEG_NOT_RAM, "preserved region outside RAM");
	kreloc_sha256((const void *)(uintptr_t)r->base, r->size, md);
	shim_printf("kreloc: preserved 0x%lx+0x%lx sha256=", r->base, r->size);
	for (unsigned int i = 0; i < sizeof(md); i++)
		shim_printf("%02x", md[i]);
	shim_printf("\n");
}

static void parse_bundle(void)
{
	const struct kreloc_bundle *b = &st.bundle;

	check(kreloc_bundle_parse((const void *)(uintptr_t)st.bundle_range.base,
				  st.bundle_range.size, &st.bundle), "bundle");
	/* From here every failure ends as the bundle asks (psci.c). */
	psci_fail_reset(b->options & KRELOC_OPT_FAIL_RESET);
	if (b->dtb.data) {
		/*
		 * A replacement tree is handed on as the next kernel's: it must
		 * describe memory.  RAM for this hand-off still comes from the
		 * tree the machine gave us.
		 */
		static struct kreloc_memmap next;

		check(kreloc_fdt_check(b->dtb.data, b->dtb.len), "bundle device tree");
		check(kreloc_fdt_read_memmap(b->dtb.data, &next), "bundle device tree");
	}
	for (unsigned int i = 0; i < b->nr_preserve; i++) {
		check(kreloc_memmap_add_reserved(&st.map, b->preserve[i].base, b->preserve[i].size),
		      "preserved region");
		report_preserved(&b->preserve[i]);
	}
}

const void *shim_phys_read(void *ctx, uint64_t pa, uint64_t len)
{
	(void)ctx;
	(void)len;
	return (const void *)(uintptr_t)pa;
}

/* Plan: place the payload and write the next device tree. */
static void plan(void)
{
	const struct kreloc_bundle *b = &st.bundle;
	char cmdline[KRELOC_CMDLINE_MAX + 1];
	/* A nested bundle is the next stage's initrd (a chained hand-off). */
	const struct kreloc_blob *initrd = b->nested.len ? &b->nested : &b->initrd;
	struct kreloc_payload p = {
		.image = b->image.data, .image_len = b->image.len, .image_pages = b->image.pages,
		.initrd = initrd->data, .initrd_len = initrd->len, .initrd_pages = initrd->pages,
		.fdt = b->dtb.data ? (const void *)b->dtb.data : st.fdt_in,
		.fdt_buf = fdt_buf, .fdt_buf_size = sizeof(fdt_buf),
		.preserve = b->preserve, .nr_preserve = b->nr_preserve,
		.live = st.gic.lpi.table, .nr_live = st.gic.lpi.nr_table,
		/* a chunked blob's digest is its root: checked chunk by chunk (verify()) */
		.image_sha256 = b->image.chunks ? NULL : b->image.sha256,
		.initrd_sha256 = initrd->chunks ? NULL : initrd->sha256,
	};
	unsigned int n = 0;

	/*
	 * A paged Image's header is read in its first page, where it lies
	 * (plan() checks every page is RAM the runtime map covers before).
	 */
	if (b->image.pages)
		p.image = (const void *)(uintptr_t)kreloc_le64(b->image.pages);
	/* A bundle without a command line keeps the one the tree has. */
	if (b->cmdline.data) {
		memcpy(cmdline, b->cmdline.data, b->cmdline.len);
		cmdline[b->cmdline.len] = '\0';
		p.cmdline = cmdline;
	}
	while (n < KRELOC_ARRAY_SIZE(st.rndr) && cpu_rndr(&st.rndr[n]))
		n++;
	/*
	 * The cache contract (handoff.h): we stage with the MMU and caches on,
	 * RAM mapped as the transitional tables map it (runtime_mmu()).
	 */
	st.h = (struct kreloc_handoff){
		.map = &st.map, .alloc = freemem_alloc, .alloc_ctx = &st.free,
		.staging = KRELOC_STAGING_CACHED,
		.mode = kreloc_bundle_mode(b), .granule_shift = kreloc_bundle_granule_shift(b),
		.el = (unsigned int)st.el, .mmfr0 = read_sysreg(id_aa64mmfr0_el1),
		.place_high = b->options & KRELOC_OPT_PLACE_HIGH, .counters = true,
		.entropy = (const uint8_t *)st.rndr, .entropy_len = n * sizeof(st.rndr[0]),
		.salt = read_sysreg(cntvct_el0),
		.pages_rd = shim_phys_read,
		.sha256_blocks = st.sha_blocks,
	};
	check(kreloc_handoff_plan(&st.h, &p), "plan");
}

/*
 * The benchmark's limit: copy the segments' full pages from the bundle to
 * their destinations with the relocation's own page loop, caches on, but no
 * list and no cache maintenance.  Only whole pages of data are copied, so a
 * page staged in place at its destination receives the bytes it holds; the
 * relocation then rewrites and cleans every destination page.  A paged
 * segment is scattered, not one run to copy: left out.
 */
static void measure_plain_copy(void)
{
	uint64_t flags = pmu_has_instructions() ? 1ULL << RELOC_FLAG_PMU_BIT : 0;

	for (unsigned int i = 0; i < st.h.nr_segs; i++) {
		const struct kreloc_segment *s = &st.h.segs[i];
		uint64_t pages = s->pages ? 0 : s->bufsz / KRELOC_PAGE_SIZE;

		st.plain_copy += kreloc_copy_plain(s->dest, (uint64_t)(uintptr_t)s->buf, pages, flags);
		st.plain_copy_bytes += pages * KRELOC_PAGE_SIZE;
	}
}

/* arch/arm64/sha256_ce.S */
void kreloc_sha256_blocks_ce(uint32_t h[8], const uint8_t *data, size_t nblocks);

/*
 * The SHA-256 block function to verify with: the ARMv8 instructions when
 * the CPU has them (ID_AA64ISAR0_EL1.SHA2, bits 15:12) and they give the
 * FIPS 180-4 answers for a one-block and a two-block message, else C.
 */
static kreloc_sha256_blocks_fn pick_sha256(void)
{
	static const char *const msg[] = {
		"abc", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	};
	static const uint8_t want[2][4] = {	/* first bytes of the known digests */
		{ 0xba, 0x78, 0x16, 0xbf }, { 0x24, 0x8d, 0x6a, 0x61 },
	};
	uint8_t md[2][KRELOC_SHA256_SIZE], ce[KRELOC_SHA256_SIZE];

	for (unsigned int i = 0; i < 2; i++) {
		struct kreloc_sha256 s;

		kreloc_sha256_init(&s);
		kreloc_sha256_update(&s, msg[i], strlen(msg[i]));
		kreloc_sha256_final(&s, md[i]);
		if (memcmp(md[i], want[i], sizeof(want[i])))
			shim_fail(KRELOC_E_BUNDLE_CHECKSUM, "SHA-256 self-test (C)");
	}
	st.sha_impl = "portable";
	if (((read_sysreg(id_aa64isar0_el1) >> 12) & 0xf) == 0)
		return kreloc_sha256_blocks;
	for (unsigned int i = 0; i < 2; i++) {
		struct kreloc_sha256 s;

		kreloc_sha256_init_with(&s, kreloc_sha256_blocks_ce);
		kreloc_sha256_update(&s, msg[i], strlen(msg[i]));
		kreloc_sha256_final(&s, ce);
		if (memcmp(ce, md[i], sizeof(ce)))
			shim_fail(KRELOC_E_BUNDLE_CHECKSUM, "SHA-256 self-test (ARMv8 instructions)");
	}
	st.sha_impl = "ce";
	return kreloc_sha256_blocks_ce;
}

/*
 * Prove the staged pages are the payload, just before the point of no
 * return: the segments with a whole digest here, the chunked blobs on
 * every CPU started (smp_hash(): this one alone when none was).
 */
static void verify(void)
{
	struct pmu_sample a, b;

	pmu_sample(&a);
	check(kreloc_handoff_verify(&st.h, shim_phys_read, NULL, st.sha_blocks),
	      "verify staged payload");
	if (st.nr_chunks)
		smp_hash(&st.chunks, st.sha_blocks, st.simulate, &st.smp);
	pmu_sample(&b);
	pmu_delta(&a, &b, &st.verify_cost);
	shim_printf("kreloc: staged payload matches its SHA-256 digests (%s)", st.sha_impl);
	if (st.nr_chunks) {
		shim_printf("; %lu chunks on %u CPUs:", st.nr_chunks, st.smp.hash_cpus);
		for (unsigned int i = 0; i <= st.smp.started; i++)
			shim_printf(" %lu", st.smp.chunks[i]);
	}
	shim_printf("\n");
}

/*
 * 4 KiB pages of no-map memory that @x translates: 0 unless a table maps
 * what must stay unmapped.  Reported, so a run shows it (tests/e2e/nomap.sh).
 */
static uint64_t nomap_mapped(const struct kreloc_xlat *x)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < st.map.nr_nomap; i++) {
		const struct kreloc_range *r = &st.map.nomap[i];
		uint64_t va = KRELOC_ALIGN_DOWN(r->base, 4096), end = kreloc_range_end(r);

		while (va < end) {
			struct kreloc_xlat_walk_result res;
			int err = kreloc_xlat_walk(x, va, shim_phys_read, NULL, &res);
			uint64_t next = res.block_base + res.block_size;

			/* past the tables' input range: nothing above is mapped */
			if ((err && err != KRELOC_E_XLAT_FAULT) || !res.block_size)
				break;
			if (next > end)
				next = end;
			if (!err)
				n += (KRELOC_ALIGN_UP(next, 4096) - va) / 4096;
			va = KRELOC_ALIGN_UP(next, 4096);
		}
	}
	return n;
}

static const char *mode_name(unsigned int mode)
{
	return mode == KRELOC_MODE_CLASSIC ? "classic" : "mmu";
}

static const char *seed_name(enum kreloc_seed_origin o)
{
	return o == KRELOC_SEEDS_CALLER ? "rndr" : o == KRELOC_SEEDS_FDT ? "fdt" : "none";
}

/* "name":{"plan":..,"stage":..,"prepare":..} for one clock; report.py adds the rest. */
static void report_phases(const char *name, bool inst)
{
	const struct pmu_sample *t[] = { &st.t_start, &st.t_planned, &st.t_staged, &st.t_prepared };
	const char *phase[] = { "plan", "stage", "prepare" };

	shim_printf("\"%s\":{", name);
	for (unsigned int i = 0; i < 3; i++) {
		struct pmu_sample d;

		pmu_delta(t[i], t[i + 1], &d);
		/* on several CPUs, after verify(): waiting for them, the split */
		if (i == 2 && st.smp_page) {
			struct pmu_sample g;

			pmu_delta(&st.t_verified, &st.t_gathered, &g);
			d.ticks += g.ticks;
			d.inst += g.inst;
		}
		shim_printf("%s\"%s\":%lu", i ? "," : "", phase[i], inst ? d.inst : d.ticks);
	}
	/* the plain copy counts instructions when the PMU can, else ticks */
	if (st.plain_copy_bytes && inst == pmu_has_instructions())
		shim_printf(",\"plain_copy\":%lu", st.plain_copy);
	shim_printf("}");
}

/* Runs of the paged payload's pages (bundle.h): each one a reserved range. */
static uint64_t payload_runs(void)
{
	return kreloc_blob_page_runs(&st.bundle.image) + kreloc_blob_page_runs(&st.bundle.initrd);
}

static void report(void)
{
	const struct kreloc_handoff *h = &st.h;
	const struct kreloc_bundle *b = &st.bundle;
	uint64_t copied = h->list.copies * KRELOC_PAGE_SIZE;
	bool mmu = h->mode == KRELOC_MODE_MMU;

	shim_printf("kreloc-shim-report: {\"shim_version\":\"%s\",\"entry_el\":%u,"
		    "\"mode\":\"%s\",\"payload_bytes\":{\"kernel\":%lu,\"initrd\":%lu,\"dtb\":%lu},"
		    "\"kernel_load\":\"0x%lx\",\"kernel_size\":%lu,\"initrd_base\":\"0x%lx\","
		    "\"dtb_base\":\"0x%lx\",\"image_legacy\":%s,\"seed_source\":\"%s\",\"verified\":%s,",
		    KRELOC_VERSION, (unsigned int)st.el, mode_name(h->mode),
		    b->image.len, b->initrd.len, h->fdt_size, h->place.kernel_load, h->segs[0].memsz,
		    h->place.initrd.base, h->place.dtb.base, h->img.legacy ? "true" : "false",
		    seed_name(h->seeds), (b->options & KRELOC_OPT_VERIFY) ? "true" : "false");
	shim_printf("\"source_pages\":%lu,\"indirection_pages\":%lu,"
		    "\"colliding_pages_set_aside\":%lu,\"pages_skipped_in_place\":%lu,"
		    "\"bytes_copied_mmu_on\":%lu,\"bytes_copied_mmu_off\":%lu,",
		    h->ki.source_pages, h->ki.indirection_pages, h->ki.colliding_pages_set_aside,
		    h->list.in_place, mmu ? copied : 0, mmu ? 0 : copied);
	if (mmu)
		shim_printf("\"granule\":\"%uk\",\"table_pages\":%u,\"va_bits\":%u,",
			    1U << (h->granule_shift - 10), h->xlat.table_pages, h->xlat.va_bits);
	shim_printf("\"payload_pages\":{\"image\":%lu,\"initrd\":%lu,\"runs\":%lu},"
		    "\"borrowed_pages\":%lu,", b->image.nr_pages, b->initrd.nr_pages,
		    payload_runs(), h->ki.borrowed_pages);
	shim_printf("\"xlat_fallback\":%s,\"nomap_regions\":%u,\"nomap_pages_mapped\":%lu,",
		    h->xlat_fallback ? "true" : "false", st.map.nr_nomap,
		    nomap_mapped(&st.runtime) + (mmu ? nomap_mapped(&h->xlat) : 0));
	shim_printf("\"control_page\":\"0x%lx\",\"mailbox\":\"0x%lx\",", h->control, h->mailbox);
	shim_printf("\"cpus\":%u,\"cpus_left_out\":%u,\"cpu_pages\":[", st.smp.cpus,
		    st.smp.left_out);
	if (st.smp_page)
		for (unsigned int i = 0; i < st.smp.cpus; i++)
			shim_printf("%s%lu", i ? "," : "", st.smp.split.copies[i]);
	else
		shim_printf("%lu", h->list.copies);
	shim_printf("],");
	if (st.plain_copy_bytes)
		shim_printf("\"plain_copy_bytes\":%lu,", st.plain_copy_bytes);
	if (b->options & KRELOC_OPT_VERIFY) {
		shim_printf("\"verify\":{\"sha256\":\"%s\",\"ticks\":%lu,\"instructions\":%lu",
			    st.sha_impl, st.verify_cost.ticks, st.verify_cost.inst);
		/* chunks each CPU hashed: this one (shares taken over included), then the others */
		if (st.nr_chunks) {
			shim_printf(",\"chunks\":%lu,\"cpus\":%u,\"cpu_chunks\":[", st.nr_chunks,
				    st.smp.hash_cpus);
			for (unsigned int i = 0; i <= st.smp.started; i++)
				shim_printf("%s%lu", i ? "," : "", st.smp.chunks[i]);
			shim_printf("]");
		}
		shim_printf("},");
	}
	report_phases("ticks", false);
	if (pmu_has_instructions()) {
		shim_printf(",");
		report_phases("instructions", true);
	} else {
		shim_printf(",\"instructions\":null");
	}
	shim_printf("}\n");
}

void shim_main(void *fdt, uint64_t el, uint64_t base, uint64_t hcr_el2)
{
	enum kreloc_reloc_kind kind;

	st.el = el;
	st.base = base;
	st.fdt_in = fdt;
	st.e2h = el == 2 && (hcr_el2 & (1ULL << HCR_E2H_BIT));
	pmu_init();
	pmu_sample(&st.t_start);

	bootstrap_mmu();
	find_console_and_psci();
	if (!st.early_err)
		read_memory_map();
	runtime_mmu();
	shim_printf("kreloc: shim %s at EL%u, image 0x%lx, device tree 0x%lx\n",
		    KRELOC_VERSION, (unsigned int)el, base, (uint64_t)(uintptr_t)fdt);
	if (st.early_err)
		shim_fail(st.early_err, st.early_ctx);
	check_el2_regime("shim entered at EL2");
	gic_read_lpi_tables(&st.gic);
	gic_warn_overlap(&st.gic, st.base, (uint64_t)(_end - _image_start), "shim image");
	gic_warn_overlap(&st.gic, (uint64_t)(uintptr_t)fdt, fdt_totalsize(fdt), "device tree");
	gic_warn_overlap(&st.gic, st.bundle_range.base, st.bundle_range.size, "bundle");
	parse_bundle();
	/*
	 * Before plan(), which hashes the next tree whether or not we verify:
	 * the C block function took 0.41 M instructions there, the ARMv8
	 * instructions (self-tested here) a few thousand.
	 */
	st.sha_blocks = pick_sha256();
	plan();
	pmu_sample(&st.t_planned);
	shim_printf("kreloc: %s mode; kernel 0x%lx (%lu bytes), initrd 0x%lx (%lu bytes), dtb 0x%lx\n",
		    mode_name(st.h.mode), st.h.place.kernel_load, st.bundle.image.len,
		    st.h.place.initrd.base, st.bundle.initrd.len, st.h.place.dtb.base);

	freemem_init(&st.free, &st.map);
	check(kreloc_handoff_stage(&st.h), "staging");
	pmu_sample(&st.t_staged);
	if (st.bundle.image.pages || st.bundle.initrd.pages)
		shim_printf("kreloc: paged payload: image %lu pages, initrd %lu pages, %lu runs, "
			    "borrowed %lu pages\n", st.bundle.image.nr_pages,
			    st.bundle.initrd.nr_pages, payload_runs(), st.h.ki.borrowed_pages);
	check(kreloc_handoff_prepare(&st.h, shim_phys_read, NULL), "prepare");
	if (st.h.xlat_fallback)
		shim_printf("kreloc-shim-warning: W_XLAT_FALLBACK: no memory for the transitional "
			    "tables: classic mode (MMU off) instead\n");
	kreloc_reloc_install(&st.h, pmu_has_instructions() ? 1ULL << RELOC_FLAG_PMU_BIT : 0);
	/*
	 * The classic trampoline reads memory uncached: push the pages we
	 * staged through the cache there (the cache contract, handoff.h).
	 */
	if (st.h.mode == KRELOC_MODE_CLASSIC)
		kreloc_reloc_clean_for_mmu_off(&st.h);
	kind = st.h.mode == KRELOC_MODE_CLASSIC ? KRELOC_RELOC_CLASSIC :
	       st.el == 2 ? KRELOC_RELOC_MMU_EL2 : KRELOC_RELOC_MMU_EL1;
	check_el2_regime("before the hand-off at EL2");
	/* Chunk tables against their roots, before any CPU hashes by them. */
	if (st.bundle.options & KRELOC_OPT_VERIFY) {
		int64_t n = kreloc_chunks_check_init(&st.chunks, &st.h, &st.bundle.image,
						     &st.bundle.initrd, st.sha_blocks);

		check(n < 0 ? (int)n : 0, "chunk tables");
		st.nr_chunks = (uint64_t)n;
	}
	/*
	 * The others start now: they hash their share of the chunks in the
	 * shim when verify() says go, then wait in the control page for the
	 * point of no return.  On one CPU nothing is looked up: that is set-up
	 * time.
	 */
	st.smp = (struct smp_result){ .cpus = 1, .hash_cpus = 1 };
	if (kreloc_bundle_cpus(&st.bundle) > 1) {
		st.simulate = smp_simulation();
		st.smp_page = smp_start(&st.h, st.fdt_view, kreloc_bundle_cpus(&st.bundle),
					(unsigned int)st.el, st.uart, &st.runtime,
					st.nr_chunks ? &st.chunks : NULL, st.sha_blocks,
					st.simulate, &st.smp);
	}
	if (st.smp_page)
		kind = st.el == 2 ? KRELOC_RELOC_SMP_EL2 : KRELOC_RELOC_SMP_EL1;
	st.tramp_entry = kreloc_reloc_entry(st.h.control, kind);
	pmu_sample(&st.t_prepared);
	if (st.bundle.options & KRELOC_OPT_VERIFY)
		verify();
	if (st.smp_page) {
		pmu_sample(&st.t_verified);
		smp_gather(&st.h, st.simulate, &st.smp);
		pmu_sample(&st.t_gathered);
	}
	if (st.h.mode == KRELOC_MODE_MMU && (st.bundle.options & KRELOC_OPT_MEASURE_COPY))
		measure_plain_copy();
	report();
	/* For the next kernel: where the relocation phase began, and how it went. */
	kreloc_reloc_record(&st.h, st.t_start.ticks, st.t_start.inst,
			    st.bundle.options & KRELOC_OPT_VERIFY, st.smp.cpus);
	/* Point of no return: nothing below can fail or be refused. */
	kreloc_reloc_enter(st.tramp_entry, st.h.control + KRELOC_RELOC_ARGS_AT);
}
