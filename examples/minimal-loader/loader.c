// SPDX-License-Identifier: MIT
/*
 * loader.c - a minimal foreign boot loader that hands the machine to Linux
 * through the installed kreloc library.
 *
 * Where the payload comes from (QEMU puts it there, see README.md):
 *   the Linux Image   at KERNEL_AT, loaded raw by -device loader,file=...
 *   its length        a 64-bit word at KERNEL_LEN_AT (-device loader,data=...)
 *   the initrd        wherever QEMU's -initrd put it: /chosen says where
 *   the command line  QEMU's -append, in /chosen/bootargs: handed on as is
 *
 * Then the library does the work: kreloc_handoff_plan() places kernel,
 * initrd and device tree and writes the next tree, kreloc_handoff_stage()
 * copies them into pages from our allocator, kreloc_handoff_prepare() builds
 * the control page and transitional tables and proves the entry list, and
 * kreloc_reloc_install/entry/enter() start the trampoline that relocates
 * with the MMU on and enters Linux.
 */
#include <asm/reloc.h>
#include <kreloc/error.h>
#include <kreloc/fdt.h>
#include <kreloc/bundle.h>	/* KRELOC_MODE_MMU */
#include <kreloc/handoff.h>

#include "loader.h"

#define KERNEL_AT	0x50000000ULL
#define KERNEL_LEN_AT	0x4ffff000ULL
#define KERNEL_MAX	(256ULL << 20)

/* The next kernel's device tree is built here, then staged like the rest. */
static uint8_t fdt_buf[64 << 10] __attribute__((aligned(8)));

static struct kreloc_memmap map;
static struct kreloc_handoff h;

#define read_sysreg(r) ({ uint64_t v_; __asm__ volatile("mrs %0, " #r : "=r"(v_)); v_; })

/*
 * The page allocator: a bump allocator running down from the top of RAM
 * to the end of the loader, skipping whatever the map says is not free.
 * kreloc asks for power-of-two blocks, aligned to their size, zeroed.
 */
struct bump {
	const struct kreloc_memmap *map;
	int bank;		/* current bank, from the highest down */
	uint64_t top;		/* next block ends here */
	uint64_t floor;		/* never below: the loader's own end */
	uint64_t pages;		/* 4 KiB pages handed out */
};

static struct bump bump;

static void bump_init(struct bump *b, const struct kreloc_memmap *m, uint64_t floor)
{
	b->map = m;
	b->bank = (int)m->nr_ram - 1;
	b->top = b->bank >= 0 ? kreloc_range_end(&m->ram[b->bank]) : 0;
	b->floor = floor;
	b->pages = 0;
}

static void *bump_alloc(void *ctx, uint64_t size, uint64_t *pa)
{
	struct bump *b = ctx;

	while (b->bank >= 0) {
		const struct kreloc_range *r = &b->map->ram[b->bank];
		uint64_t lo = r->base > b->floor ? r->base : b->floor;
		uint64_t at = KRELOC_ALIGN_DOWN(b->top - size, size);

		if (b->top < lo + size || at < lo) {
			/* This bank is used up: the next one down. */
			if (--b->bank >= 0)
				b->top = kreloc_range_end(&b->map->ram[b->bank]);
			continue;
		}
		b->top = at;
		if (!kreloc_memmap_is_free(b->map, at, size))
			continue;
		/*
		 * MMU off: drop stale cache lines before zeroing, as in
		 * start.S; the cache contract of uncached staging (handoff.h).
		 */
		kreloc_dcache_civac_range(at, at + size);
		memset((void *)(uintptr_t)at, 0, size);
		b->pages += size >> 12;
		*pa = at;
		return (void *)(uintptr_t)at;
	}
	return NULL;
}

/* The header's totalsize (big-endian at offset 4): the whole buffer the tree is in. */
static uint64_t fdt_totalsize(const void *fdt)
{
	const uint8_t *b = fdt;

	return (uint64_t)b[4] << 24 | (uint64_t)b[5] << 16 | (uint64_t)b[6] << 8 | b[7];
}

/* kreloc_phys_read_fn: the MMU is off, physical addresses are pointers. */
static const void *phys_read(void *ctx, uint64_t pa, uint64_t len)
{
	(void)ctx;
	(void)len;
	return (const void *)(uintptr_t)pa;
}

static void check(int err, const char *what)
{
	if (err < 0)
		ldr_fail(err, what);
}

static void say(const char *what, uint64_t v)
{
	ldr_puts(what);
	ldr_hex(v);
}

void loader_main(void *fdt, uint64_t el)
{
	uint64_t me = (uint64_t)(uintptr_t)_start_image, me_end = (uint64_t)(uintptr_t)_end;
	uint64_t fdt_pa = (uint64_t)(uintptr_t)fdt, kernel_len, initrd = 0, initrd_end = 0;
	uint64_t uart, entry;
	struct kreloc_payload p;
	int err;

	/*
	 * The incoming tree: console, PSCI, RAM and reservations, initrd.
	 * This minimal loader reads it with the MMU off, where every data
	 * access is Device memory and an unaligned one faults; Debian's
	 * libfdt.a is not built with -mstrict-align, so on hardware a loader
	 * should map the tree and turn its caches on first, as the shim does
	 * (shim/main.c, bootstrap_mmu()).
	 */
	check(kreloc_fdt_check(fdt, KRELOC_FDT_MAX_SIZE), "device tree");
	ldr_psci(kreloc_fdt_psci_method(fdt));
	if (kreloc_fdt_stdout_uart(fdt, &uart) > 0)
		ldr_console(uart);
	ldr_puts("minimal-loader: at EL");
	ldr_dec(el);
	say(", image ", me);
	say("-", me_end);
	say(", device tree ", fdt_pa);
	ldr_puts("\n");
	/*
	 * start.S cleared HCR_EL2.E2H; a CPU without FEAT_E2H0 keeps it set,
	 * and the trampoline's EL2 registers would be read in the VHE layout.
	 */
	if (el == 2 && (read_sysreg(hcr_el2) & (1ULL << 34)))
		ldr_fail(KRELOC_E_EL2_VHE, "HCR_EL2.E2H reads 1");
	check(kreloc_fdt_read_memmap(fdt, &map), "memory map");
	err = kreloc_fdt_chosen_initrd(fdt, &initrd, &initrd_end);
	check(err, "initrd");

	kernel_len = *(volatile uint64_t *)(uintptr_t)KERNEL_LEN_AT;
	if (!kernel_len || kernel_len > KERNEL_MAX)
		ldr_fail(KRELOC_E_IMAGE_TRUNCATED, "no kernel length at KERNEL_LEN_AT");

	/* Nothing the loader still needs may be overwritten or handed out. */
	check(kreloc_memmap_add_reserved(&map, me, me_end - me), "reserve loader");
	check(kreloc_memmap_add_reserved(&map, fdt_pa, fdt_totalsize(fdt)), "reserve tree");
	check(kreloc_memmap_add_reserved(&map, KERNEL_LEN_AT, 8), "reserve length");
	check(kreloc_memmap_add_reserved(&map, KERNEL_AT, kernel_len), "reserve kernel");
	if (err > 0)
		check(kreloc_memmap_add_reserved(&map, initrd, initrd_end - initrd), "reserve initrd");

	p = (struct kreloc_payload){
		.image = (const void *)(uintptr_t)KERNEL_AT, .image_len = kernel_len,
		.initrd = (const void *)(uintptr_t)initrd, .initrd_len = initrd_end - initrd,
		.cmdline = NULL,	/* keep the tree's bootargs */
		.fdt = fdt, .fdt_buf = fdt_buf, .fdt_buf_size = sizeof(fdt_buf),
	};
	/*
	 * The cache contract (handoff.h): we stage with the MMU off, and
	 * bump_alloc() cleans and invalidates every block before handing it
	 * out.  Our code is followed by our own BSS and stack, so no block
	 * lies where a cacheable instruction fetch (SCTLR.I) could reach.
	 */
	h = (struct kreloc_handoff){
		.map = &map, .alloc = bump_alloc, .alloc_ctx = &bump,
		.staging = KRELOC_STAGING_UNCACHED, .staging_cleaned = true,
		.mode = KRELOC_MODE_MMU, .granule_shift = 12, .el = (unsigned int)el,
		.mmfr0 = read_sysreg(id_aa64mmfr0_el1),
		.salt = read_sysreg(cntvct_el0),	/* seeds come from the tree's */
	};
	check(kreloc_handoff_plan(&h, &p), "plan");
	bump_init(&bump, &map, me_end);
	check(kreloc_handoff_stage(&h), "stage");
	check(kreloc_handoff_prepare(&h, phys_read, NULL), "prepare");

	say("minimal-loader: kernel ", h.place.kernel_load);
	say(" initrd ", h.place.initrd.base);
	say(" dtb ", h.place.dtb.base);
	say(" control ", h.control);
	ldr_puts("\nminimal-loader: ");
	ldr_dec(h.ki.source_pages);
	ldr_puts(" pages staged, ");
	ldr_dec(h.ki.indirection_pages);
	ldr_puts(" list pages, ");
	ldr_dec(h.xlat.table_pages);
	ldr_puts(" table pages, ");
	ldr_dec(bump.pages);
	ldr_puts(" pages allocated\n");

	/*
	 * The MMU is off: the control page is written straight to memory.
	 * With no memory for the tables, plan() or prepare() fell back to
	 * classic mode (h.xlat_fallback): take the trampoline h.mode names.
	 */
	kreloc_reloc_install(&h, 0);
	entry = kreloc_reloc_entry(h.control, h.mode == KRELOC_MODE_CLASSIC ? KRELOC_RELOC_CLASSIC :
				   el == 2 ? KRELOC_RELOC_MMU_EL2 : KRELOC_RELOC_MMU_EL1);
	ldr_puts("minimal-loader: entering the trampoline\n");
	kreloc_reloc_enter(entry, h.control + KRELOC_RELOC_ARGS_AT);
}
