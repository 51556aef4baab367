// SPDX-License-Identifier: MIT
/*
 * main.c - the kreloc reference shim: find the next kernel in the bundle
 * passed as our initrd, plan its placement, check everything, then hand off.
 *
 * Everything that can fail happens before hand_off(): a refusal prints one
 * `kreloc-shim-error:` line and powers off through PSCI, never jumps.
 */
#include <asm/reloc.h>
#include <asm/sysreg.h>
#include <kreloc/bundle.h>
#include <kreloc/error.h>
#include <kreloc/fdt.h>
#include <kreloc/image.h>
#include <kreloc/kimage.h>
#include <kreloc/place.h>
#include <kreloc/seed.h>
#include <kreloc/xlat.h>
#include <libfdt.h>
#include "freemem.h"
#include "pmu.h"
#include "shim.h"

/*
 * The trampoline stamps its counters into this /chosen property of the next
 * kernel's device tree (layout in asm/reloc_args.h), so the relocation's
 * cost can be read from the booted system.
 */
#define MAILBOX_PROP	"kreloc,relocate-counters"

/* Room for what the shim adds to /chosen beyond kreloc_fdt_set_chosen(). */
#define SHIM_FDT_EXTRA	256

/* The next kernel's device tree is built here, then copied to its slot. */
static uint8_t fdt_buf[KRELOC_FDT_MAX_SIZE] __attribute__((aligned(8)));

struct shim_state {
	uint64_t el;
	uint64_t base;			/* where we run */
	const void *fdt_in;
	struct kreloc_memmap map;
	struct kreloc_range bundle_range;
	struct kreloc_bundle bundle;
	struct kreloc_image_info img;
	struct kreloc_placement place;
	uint64_t fdt_size;
	uint64_t mailbox;		/* PA of the counters in the next device tree */
	const char *seed_source;
	unsigned int mode;		/* KRELOC_MODE_MMU or _CLASSIC */
	unsigned int granule_shift;	/* transitional tables (MMU mode) */
	struct kreloc_segment segs[3];
	unsigned int nr_segs;
	struct freemem free;
	struct kreloc_kimage ki;
	struct kreloc_xlat xlat;
	struct kreloc_list_stats list;
	uint64_t control;		/* the trampoline's control page */
	uint64_t tramp_entry;
	uint64_t plain_copy;		/* KRELOC_OPT_MEASURE_COPY: its cost ... */
	uint64_t plain_copy_bytes;	/* ... and size */
	struct pmu_sample t_start, t_planned, t_staged, t_prepared;
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
	shim_power_off();
}

/* Stage-1 granules this CPU supports, as a mask of page shifts. */
static uint32_t cpu_granules(void)
{
	uint64_t mmfr0 = read_sysreg(id_aa64mmfr0_el1);
	unsigned int tg4 = (mmfr0 >> 28) & 0xf, tg64 = (mmfr0 >> 24) & 0xf;
	unsigned int tg16 = (mmfr0 >> 20) & 0xf;
	uint32_t mask = 0;

	if (tg4 != 0xf)
		mask |= 1U << 12;
	if (tg64 != 0xf)
		mask |= 1U << 16;
	if (tg16 != 0)
		mask |= 1U << 14;
	return mask;
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

static void find_console_and_psci(void)
{
	uint64_t uart;

	psci_init(kreloc_fdt_psci_method(st.fdt_in));
	if (kreloc_fdt_stdout_uart(st.fdt_in, &uart) > 0)
		console_init(uart);
}

static void read_memory_map(void)
{
	uint64_t start, end;
	uint64_t image_size = (uint64_t)(_end - _image_start);

	/* The loader gave no length: the blob's own totalsize is all we have. */
	check(kreloc_fdt_check(st.fdt_in, KRELOC_FDT_MAX_SIZE), "incoming device tree");
	check(kreloc_fdt_read_memmap(st.fdt_in, &st.map), "incoming device tree");
	if (kreloc_fdt_chosen_initrd(st.fdt_in, &start, &end) <= 0)
		shim_fail(KRELOC_E_BUNDLE_TRUNCATED, "no bundle: pass it to the shim as its initrd");
	st.bundle_range.base = start;
	st.bundle_range.size = end - start;
	/* What we must not overwrite while we still need it. */
	check(kreloc_memmap_add_reserved(&st.map, st.base, image_size), "shim image");
	check(kreloc_memmap_add_reserved(&st.map, (uint64_t)(uintptr_t)st.fdt_in,
					 fdt_totalsize(st.fdt_in)), "incoming device tree");
	check(kreloc_memmap_add_reserved(&st.map, start, end - start), "bundle");
	if (!kreloc_memmap_is_ram(&st.map, start, end - start))
		shim_fail(KRELOC_E_SEG_NOT_RAM, "bundle outside RAM");
}

static void reserve_partial_granules(unsigned int granule_shift);

static void parse_payload(void)
{
	const struct kreloc_bundle *b = &st.bundle;

	check(kreloc_bundle_parse((const void *)(uintptr_t)st.bundle_range.base,
				  st.bundle_range.size, &st.bundle), "bundle");
	check(kreloc_image_parse(b->image.data, b->image.len, &st.img), "bundle Image");
	check(kreloc_image_check_cpu(&st.img, cpu_granules()), "bundle Image");
	for (unsigned int i = 0; i < b->nr_preserve; i++)
		check(kreloc_memmap_add_reserved(&st.map, b->preserve[i].base, b->preserve[i].size),
		      "preserved region");
	st.mode = kreloc_bundle_mode(b);
	st.granule_shift = kreloc_bundle_granule_shift(b);
	if (st.mode == KRELOC_MODE_MMU) {
		check(kreloc_xlat_check_cpu(read_sysreg(id_aa64mmfr0_el1), st.granule_shift),
		      "transitional granule");
		reserve_partial_granules(st.granule_shift);
	}
}

/* Fresh seeds for the next kernel: RNDR when the CPU has it, else derived. */
static void make_seeds(struct kreloc_chosen *c, struct kreloc_seeds *seeds)
{
	uint8_t entropy[64];
	size_t len = 0;
	uint64_t salt = read_sysreg(cntvct_el0);

	for (unsigned int i = 0; i < 4; i++) {
		uint64_t r;

		if (!cpu_rndr(&r))
			break;
		memcpy(entropy + len, &r, sizeof(r));
		len += sizeof(r);
	}
	st.seed_source = len ? "rndr" : "fdt";
	if (!len && kreloc_fdt_seed(st.fdt_in, entropy, sizeof(entropy), &len) < 0)
		len = 0;
	if (kreloc_seed_derive(entropy, len, salt, seeds) < 0) {
		st.seed_source = "none";
		return;
	}
	c->has_kaslr_seed = true;
	c->kaslr_seed = seeds->kaslr;
	c->rng_seed = seeds->rng;
	c->rng_seed_len = sizeof(seeds->rng);
}

/*
 * Add the counter mailbox to /chosen, pack the tree to its real size and
 * note where the mailbox's bytes will land once the tree is at its
 * destination.
 */
static void add_mailbox(void)
{
	int chosen = fdt_path_offset(fdt_buf, "/chosen");
	const void *val;
	void *slot;
	int len;

	if (chosen < 0 ||
	    fdt_setprop_placeholder(fdt_buf, chosen, MAILBOX_PROP, RELOC_MAILBOX_SIZE, &slot))
		shim_fail(KRELOC_E_FDT_NO_SPACE, "device tree mailbox");
	memset(slot, 0, RELOC_MAILBOX_SIZE);
	if (fdt_pack(fdt_buf))
		shim_fail(KRELOC_E_FDT, "device tree pack");
	st.fdt_size = fdt_totalsize(fdt_buf);
	/* packing moved the property: look it up again */
	chosen = fdt_path_offset(fdt_buf, "/chosen");
	val = chosen < 0 ? NULL : fdt_getprop(fdt_buf, chosen, MAILBOX_PROP, &len);
	if (!val || len != RELOC_MAILBOX_SIZE)
		shim_fail(KRELOC_E_FDT, "device tree mailbox");
	st.mailbox = (uint64_t)((const uint8_t *)val - fdt_buf);	/* offset until placed */
}

static void build_fdt(void)
{
	const struct kreloc_bundle *b = &st.bundle;
	const void *src = b->dtb.data ? (const void *)b->dtb.data : st.fdt_in;
	struct kreloc_chosen c = { 0 };
	struct kreloc_seeds seeds;
	char cmdline[KRELOC_CMDLINE_MAX + 1];
	const char *what = b->dtb.data ? "bundle device tree" : "incoming device tree";
	uint64_t room;

	if (b->dtb.data)
		check(kreloc_fdt_check(src, b->dtb.len), what);
	room = KRELOC_ALIGN_UP(kreloc_fdt_used_size(src) + KRELOC_FDT_HEADROOM + SHIM_FDT_EXTRA, 8);
	check(kreloc_fdt_prepare(src, fdt_buf, room < sizeof(fdt_buf) ? room : sizeof(fdt_buf)),
	      what);
	st.fdt_size = fdt_totalsize(fdt_buf);

	/* Place with the unpacked size: packing only shrinks the tree. */
	check(kreloc_place(&st.map, &st.img, b->initrd.len, st.fdt_size,
			   b->options & KRELOC_OPT_PLACE_HIGH, &st.place), "placement");

	memcpy(cmdline, b->cmdline.data, b->cmdline.len);
	cmdline[b->cmdline.len] = '\0';
	c.bootargs = cmdline;
	c.initrd_start = st.place.initrd.base;
	c.initrd_end = st.place.initrd.base + b->initrd.len;
	make_seeds(&c, &seeds);
	check(kreloc_fdt_set_chosen(fdt_buf, &c), "device tree /chosen");
	add_mailbox();
	st.mailbox += st.place.dtb.base;
}

/* ---- staging ------------------------------------------------------------ */

static void *safe_alloc(void *ctx, uint64_t size, uint64_t *pa)
{
	return kreloc_kimage_alloc_safe(ctx, size, pa);
}

static const void *phys_read(void *ctx, uint64_t pa, uint64_t len)
{
	(void)ctx;
	(void)len;
	return (const void *)(uintptr_t)pa;
}

/*
 * In MMU mode every page the relocation touches must be mapped, and the
 * transitional tables map whole granules of RAM only: keep the partial
 * granules at the ends of RAM banks out of use by reserving them.
 */
static void reserve_partial_granules(unsigned int granule_shift)
{
	uint64_t g = 1ULL << granule_shift;
	unsigned int n = st.map.nr_ram;
	struct kreloc_range ram[KRELOC_MEMMAP_MAX_RAM];

	memcpy(ram, st.map.ram, sizeof(ram));
	for (unsigned int i = 0; i < n; i++) {
		uint64_t lo = KRELOC_ALIGN_UP(ram[i].base, g);
		uint64_t hi = KRELOC_ALIGN_DOWN(kreloc_range_end(&ram[i]), g);

		if (hi <= lo) {
			check(kreloc_memmap_add_reserved(&st.map, ram[i].base, ram[i].size),
			      "RAM bank smaller than a granule");
			continue;
		}
		check(kreloc_memmap_add_reserved(&st.map, ram[i].base, lo - ram[i].base),
		      "partial granule");
		check(kreloc_memmap_add_reserved(&st.map, hi, kreloc_range_end(&ram[i]) - hi),
		      "partial granule");
	}
}

static void make_segments(void)
{
	const struct kreloc_bundle *b = &st.bundle;

	st.segs[st.nr_segs++] = (struct kreloc_segment){
		b->image.data, b->image.len, st.place.kernel_load,
		KRELOC_ALIGN_UP(b->image.len, KRELOC_PAGE_SIZE) };
	if (b->initrd.len)
		st.segs[st.nr_segs++] = (struct kreloc_segment){
			b->initrd.data, b->initrd.len, st.place.initrd.base, st.place.initrd.size };
	st.segs[st.nr_segs++] = (struct kreloc_segment){
		fdt_buf, st.fdt_size, st.place.dtb.base,
		KRELOC_ALIGN_UP(st.fdt_size, KRELOC_PAGE_SIZE) };
	check(kreloc_segments_validate(&st.map, st.segs, st.nr_segs), "segments");
}

/* Stage the segments in scattered pages and build the entry list. */
static void stage(void)
{
	freemem_init(&st.free, &st.map);
	st.ki = (struct kreloc_kimage){
		.map = &st.map, .segs = st.segs, .nr_segs = st.nr_segs,
		.alloc = freemem_alloc, .alloc_ctx = &st.free,
	};
	check(kreloc_kimage_load(&st.ki), "staging");
}

/* Transitional tables: all RAM read-write, the control page executable. */
static void build_tables(uint64_t control)
{
	struct kreloc_xlat_region r[KRELOC_MEMMAP_MAX_RAM + 1];
	struct kreloc_xlat_config cfg = { .granule_shift = st.granule_shift, .el = (unsigned int)st.el };
	uint64_t mmfr0 = read_sysreg(id_aa64mmfr0_el1);
	unsigned int n = 0;
	int pa_bits = kreloc_xlat_check_cpu(mmfr0, st.granule_shift);

	check(pa_bits, "transitional granule");
	cfg.pa_bits = (unsigned int)pa_bits;
	for (unsigned int i = 0; i < st.map.nr_ram; i++) {
		r[n] = (struct kreloc_xlat_region){ st.map.ram[i].base, st.map.ram[i].size,
						    KRELOC_XLAT_RW_DATA };
		/* inward: partial granules were reserved, so nothing we use is lost */
		if (kreloc_xlat_round(&r[n], st.granule_shift, false) == 0 && r[n].size)
			n++;
	}
	r[n++] = (struct kreloc_xlat_region){ KRELOC_ALIGN_DOWN(control, 1ULL << st.granule_shift),
					      1ULL << st.granule_shift, KRELOC_XLAT_RX_CODE };
	check(kreloc_xlat_build(&cfg, r, n, safe_alloc, &st.ki, &st.xlat), "transitional tables");
}

/*
 * Everything the trampoline needs, checked: the list is re-read exactly as
 * the trampoline will walk it, and must write exactly the segments.
 */
static void prepare_handoff(void)
{
	struct kreloc_reloc_args args = { 0 };
	enum kreloc_reloc_kind kind = KRELOC_RELOC_CLASSIC;
	uint64_t control;

	if (!kreloc_kimage_alloc_safe(&st.ki, KRELOC_PAGE_SIZE, &control))
		shim_fail(KRELOC_E_NOMEM, "control page");
	if (st.mode == KRELOC_MODE_MMU) {
		build_tables(control);
		args.ttbr = st.xlat.ttbr;
		args.tcr = st.xlat.tcr;
		args.mair = st.xlat.mair;
		args.sctlr_set = st.xlat.sctlr_set;
		args.sctlr_clear = st.xlat.sctlr_clear;
		kind = st.el == 2 ? KRELOC_RELOC_MMU_EL2 : KRELOC_RELOC_MMU_EL1;
	}
	check(kreloc_kimage_check_list(st.ki.head, phys_read, NULL, st.segs, st.nr_segs,
				       &st.list), "entry list");
	args.head = st.ki.head;
	args.entry = st.place.kernel_load;
	args.dtb = st.place.dtb.base;
	args.mailbox = st.mailbox;
	args.flags = pmu_has_instructions() ? 1ULL << RELOC_FLAG_PMU_BIT : 0;
	st.control = control;
	kreloc_reloc_install(control, &args);
	st.tramp_entry = kreloc_reloc_entry(control, kind);
}

/*
 * The benchmark's limit: copy the segments' full pages from the bundle to
 * their destinations with the relocation's own copy loop and tables, but
 * no list and no cache maintenance.  Only whole pages of data are copied,
 * so a page staged in place at its destination receives the very bytes it
 * already holds.
 */
static void measure_plain_copy(void)
{
	kreloc_copy_plain_fn copy = (kreloc_copy_plain_fn)(uintptr_t)kreloc_reloc_entry(
		st.control, st.el == 2 ? KRELOC_COPY_PLAIN_EL2 : KRELOC_COPY_PLAIN_EL1);

	kreloc_icache_inval_all();	/* the control page was written as data */
	for (unsigned int i = 0; i < st.nr_segs; i++) {
		uint64_t len = KRELOC_ALIGN_DOWN(st.segs[i].bufsz, KRELOC_PAGE_SIZE);

		if (!len)
			continue;
		st.plain_copy += copy(st.control + KRELOC_RELOC_ARGS_AT, st.segs[i].dest,
				      (uint64_t)(uintptr_t)st.segs[i].buf, len);
		st.plain_copy_bytes += len;
	}
}

static const char *mode_name(unsigned int mode)
{
	return mode == KRELOC_MODE_CLASSIC ? "classic" : "mmu";
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
		shim_printf("%s\"%s\":%lu", i ? "," : "", phase[i], inst ? d.inst : d.ticks);
	}
	/* the plain copy counts instructions when the PMU can, else ticks */
	if (st.plain_copy_bytes && inst == pmu_has_instructions())
		shim_printf(",\"plain_copy\":%lu", st.plain_copy);
	shim_printf("}");
}

static void report(void)
{
	const struct kreloc_bundle *b = &st.bundle;
	uint64_t copied = st.list.copies * KRELOC_PAGE_SIZE;
	bool mmu = st.mode == KRELOC_MODE_MMU;

	shim_printf("kreloc-shim-report: {\"shim_version\":\"%s\",\"entry_el\":%u,"
		    "\"mode\":\"%s\",\"payload_bytes\":{\"kernel\":%lu,\"initrd\":%lu,\"dtb\":%lu},"
		    "\"kernel_load\":\"0x%lx\",\"initrd_base\":\"0x%lx\",\"dtb_base\":\"0x%lx\","
		    "\"image_legacy\":%s,\"seed_source\":\"%s\",",
		    KRELOC_VERSION, (unsigned int)st.el, mode_name(st.mode),
		    b->image.len, b->initrd.len, st.fdt_size, st.place.kernel_load,
		    st.place.initrd.base, st.place.dtb.base, st.img.legacy ? "true" : "false",
		    st.seed_source);
	shim_printf("\"source_pages\":%lu,\"indirection_pages\":%lu,"
		    "\"colliding_pages_set_aside\":%lu,\"pages_skipped_in_place\":%lu,"
		    "\"bytes_copied_mmu_on\":%lu,\"bytes_copied_mmu_off\":%lu,",
		    st.ki.source_pages, st.ki.indirection_pages, st.ki.colliding_pages_set_aside,
		    st.list.in_place, mmu ? copied : 0, mmu ? 0 : copied);
	if (mmu)
		shim_printf("\"granule\":\"%uk\",\"table_pages\":%u,\"va_bits\":%u,",
			    1U << (st.granule_shift - 10), st.xlat.table_pages, st.xlat.va_bits);
	shim_printf("\"control_page\":\"0x%lx\",\"mailbox\":\"0x%lx\",",
		    st.control, st.mailbox);
	if (st.plain_copy_bytes)
		shim_printf("\"plain_copy_bytes\":%lu,", st.plain_copy_bytes);
	report_phases("ticks", false);
	if (pmu_has_instructions()) {
		shim_printf(",");
		report_phases("instructions", true);
	} else {
		shim_printf(",\"instructions\":null");
	}
	shim_printf("}\n");
}

void shim_main(void *fdt, uint64_t el, uint64_t base)
{
	st.el = el;
	st.base = base;
	st.fdt_in = fdt;
	pmu_init();
	pmu_sample(&st.t_start);

	find_console_and_psci();
	shim_printf("kreloc: shim %s at EL%u, image 0x%lx, device tree 0x%lx\n",
		    KRELOC_VERSION, (unsigned int)el, base, (uint64_t)(uintptr_t)fdt);
	read_memory_map();
	parse_payload();
	build_fdt();
	make_segments();
	pmu_sample(&st.t_planned);
	shim_printf("kreloc: %s mode; kernel 0x%lx (%lu bytes), initrd 0x%lx (%lu bytes), dtb 0x%lx\n",
		    mode_name(st.mode), st.place.kernel_load, st.bundle.image.len,
		    st.place.initrd.base, st.bundle.initrd.len, st.place.dtb.base);
	stage();
	pmu_sample(&st.t_staged);
	prepare_handoff();
	pmu_sample(&st.t_prepared);
	if (st.mode == KRELOC_MODE_MMU && (st.bundle.options & KRELOC_OPT_MEASURE_COPY))
		measure_plain_copy();
	report();
	/* Point of no return: nothing below can fail or be refused. */
	kreloc_reloc_enter(st.tramp_entry, st.control + KRELOC_RELOC_ARGS_AT);
}
