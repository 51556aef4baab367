// SPDX-License-Identifier: MIT
/*
 * test_gic.c - the GICv3's live LPI tables (lib/gic.c): the redistributor
 * regions from the device tree (QEMU's own GICv3 tree and built ones),
 * PROPBASER / PENDBASER decoding, the walk of the redistributor frames on
 * a fake register file, the /memreserve/ entries handed on, and a
 * hand-off that keeps every destination and staged page off the tables.
 * Run from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libfdt.h>

#include <kreloc/error.h>
#include <kreloc/gic.h>

#include "fdt_build.h"
#include "handoff_fixture.h"

#define K64	0x10000ULL
#define M1	0x100000ULL
#define M2	0x200000ULL
#define G1	0x40000000ULL
#define RD	0x080a0000ULL		/* QEMU virt's redistributor region */

/* ---- the device tree -------------------------------------------------- */

static void test_qemu_virt(void **state)
{
	struct kreloc_gicv3 g;

	(void)state;
	load_file("tests/fdt/qemu-virt-gicv3.dtb", T, sizeof(g_tree.b));
	assert_int_equal(kreloc_fdt_gicv3(T, &g), 1);
	assert_int_equal(g.nr_redist, 1);
	expect_range(&g.redist[0], RD, 0xf60000);
	assert_int_equal(g.stride, 0);
	/* QEMU's default board has a GICv2: no redistributors, no LPIs */
	load_file("tests/fdt/qemu-virt.dtb", T, sizeof(g_tree.b));
	assert_int_equal(kreloc_fdt_gicv3(T, &g), 0);
}

/*
 * A GICv3 node under a bus at 1 MiB offset (ranges), with its distributor
 * and @nr redistributor regions of 1 MiB each; @regions is the
 * #redistributor-regions value (0: left out), @stride the
 * redistributor-stride (0: left out), @status the node's status or NULL.
 */
static void b_gic(uint32_t regions, unsigned int nr, uint64_t stride, const char *status)
{
	uint64_t reg[2 * (KRELOC_GIC_MAX_REDIST_REGIONS + 3)];
	unsigned int k = 0;

	b_root(2, 2);
	b_memory("memory@40000000", 2, 2, G1, G1);
	b_node("soc");
	CELLS("#address-cells", 1);
	CELLS("#size-cells", 1);
	CELLS("ranges", 0x0, 0x0, 0x100000, 0x40000000);	/* child 0 -> parent 1 MiB */
	b_node("interrupt-controller@8000000");
	b_str("compatible", "arm,gic-v3");
	if (status)
		b_str("status", status);
	if (regions)
		CELLS("#redistributor-regions", regions);
	if (stride)
		PAIRS("redistributor-stride", 2, 0, stride);
	reg[k++] = 0x08000000;
	reg[k++] = K64;
	for (unsigned int i = 0; i < nr; i++) {
		reg[k++] = 0x08100000 + i * 0x01000000ULL;
		reg[k++] = M1;
	}
	reg[k++] = 0x2c000000;	/* GICC: not a redistributor region */
	reg[k++] = 0x2000;
	b_pairs("reg", 1, 1, reg, k);
	b_end();
	b_end();
	b_finish();
}

static void test_fdt_regions(void **state)
{
	struct kreloc_gicv3 g;

	(void)state;
	b_gic(0, 1, 0, NULL);	/* #redistributor-regions absent: one */
	assert_int_equal(kreloc_fdt_gicv3(T, &g), 1);
	assert_int_equal(g.nr_redist, 1);
	expect_range(&g.redist[0], 0x08200000, M1);	/* translated through the bus */

	b_gic(3, 3, 0x40000, "okay");
	assert_int_equal(kreloc_fdt_gicv3(T, &g), 1);
	assert_int_equal(g.nr_redist, 3);
	expect_range(&g.redist[0], 0x08200000, M1);
	expect_range(&g.redist[1], 0x09200000, M1);
	expect_range(&g.redist[2], 0x0a200000, M1);
	assert_int_equal(g.stride, 0x40000);

	b_gic(1, 1, 0, "disabled");
	assert_int_equal(kreloc_fdt_gicv3(T, &g), 0);

	assert_int_equal(kreloc_fdt_gicv3(T, NULL), KRELOC_E_INVAL);
	assert_int_equal(kreloc_fdt_gicv3(NULL, &g), KRELOC_E_INVAL);
}

static void test_fdt_bad(void **state)
{
	struct kreloc_gicv3 g;

	(void)state;
	b_gic(KRELOC_GIC_MAX_REDIST_REGIONS + 1, KRELOC_GIC_MAX_REDIST_REGIONS + 1, 0, NULL);
	assert_int_equal(kreloc_fdt_gicv3(T, &g), KRELOC_E_GIC_REDIST);
	b_gic(0xffffffff, 1, 0, NULL);
	assert_int_equal(kreloc_fdt_gicv3(T, &g), KRELOC_E_GIC_REDIST);
	/* three regions claimed, two given: the GICC entry is no region */
	b_gic(4, 2, 0, NULL);
	assert_int_equal(kreloc_fdt_gicv3(T, &g), KRELOC_E_GIC_REDIST);
	b_gic(1, 1, 0x30000 + 0x8000, NULL);	/* stride not in 64 KiB pages */
	assert_int_equal(kreloc_fdt_gicv3(T, &g), KRELOC_E_GIC_REDIST);

	/* one node at the root, reg and properties given raw */
#define ONE(...) do { \
		b_root(2, 2); \
		b_node("intc@8000000"); \
		b_str("compatible", "arm,gic-v3"); \
		__VA_ARGS__; \
		b_end(); \
		b_finish(); \
	} while (0)
	ONE(CELLS("#redistributor-regions", 0); PAIRS("reg", 2, 2, 0x8000000, K64, RD, M1));
	assert_int_equal(kreloc_fdt_gicv3(T, &g), KRELOC_E_GIC_REDIST);
	ONE(b_bytes("#redistributor-regions", "\0\0\0\1\0", 5);
	    PAIRS("reg", 2, 2, 0x8000000, K64, RD, M1));
	assert_int_equal(kreloc_fdt_gicv3(T, &g), KRELOC_E_GIC_REDIST);
	ONE((void)0);				/* no reg */
	assert_int_equal(kreloc_fdt_gicv3(T, &g), KRELOC_E_GIC_REDIST);
	ONE(PAIRS("reg", 2, 2, 0x8000000, K64));	/* distributor only */
	assert_int_equal(kreloc_fdt_gicv3(T, &g), KRELOC_E_GIC_REDIST);
	ONE(PAIRS("reg", 2, 2, 0x8000000, K64, RD, 0));	/* empty region */
	assert_int_equal(kreloc_fdt_gicv3(T, &g), KRELOC_E_GIC_REDIST);
	ONE(PAIRS("reg", 2, 2, 0x8000000, K64, RD + 0x1000, M1));	/* unaligned */
	assert_int_equal(kreloc_fdt_gicv3(T, &g), KRELOC_E_GIC_REDIST);
	ONE(PAIRS("reg", 2, 2, 0x8000000, K64, RD, M1 + 0x1000));	/* partial page */
	assert_int_equal(kreloc_fdt_gicv3(T, &g), KRELOC_E_GIC_REDIST);
	ONE(PAIRS("reg", 2, 2, 0x8000000, K64, 0xffffffffffff0000ULL, 2 * K64));	/* wraps */
	assert_int_equal(kreloc_fdt_gicv3(T, &g), KRELOC_E_GIC_REDIST);
	ONE(PAIRS("reg", 2, 2, 0x8000000, K64, RD, M1); CELLS("redistributor-stride", 0x40000));
	assert_int_equal(kreloc_fdt_gicv3(T, &g), KRELOC_E_GIC_REDIST);	/* a u32 stride */
	ONE(PAIRS("reg", 2, 2, 0x8000000, K64, RD, M1); CELLS("redistributor-stride", 0, 0));
	assert_int_equal(kreloc_fdt_gicv3(T, &g), KRELOC_E_GIC_REDIST);	/* stride 0 */
	ONE(PAIRS("reg", 2, 2, 0x8000000, K64, RD, M1); CELLS("redistributor-stride", 0, 0x40000));
	assert_int_equal(kreloc_fdt_gicv3(T, &g), 1);
	assert_int_equal(g.stride, 0x40000);
#undef ONE
}

/* ---- the registers ---------------------------------------------------- */

static void test_lpi_tables(void **state)
{
	struct kreloc_range prop, pend;

	(void)state;
	/*
	 * What Linux programs with 16 interrupt ID bits (IDbits 15), with
	 * cacheability and shareability fields set (ignored), and PTZ in
	 * PENDBASER: 56 KiB of properties and 8 KiB of pending bits, each
	 * in a 64 KiB allocation.
	 */
	kreloc_gic_lpi_tables(0x421a0000ULL | 0x780 | 15, (1ULL << 62) | 0x421b0000ULL | 0x780,
			      &prop, &pend);
	expect_range(&prop, 0x421a0000, K64);
	expect_range(&pend, 0x421b0000, K64);

	/* Addresses up to bit 51; bits above and the low fields are no address. */
	kreloc_gic_lpi_tables(0xfff8000000001000ULL | 15, 0xfff800000001f000ULL, &prop, &pend);
	expect_range(&prop, 0x0008000000001000ULL, K64);
	expect_range(&pend, 0x0008000000010000ULL, K64);

	/* 20 ID bits: 1 MiB - 8 KiB of properties, 128 KiB of pending bits. */
	kreloc_gic_lpi_tables(0x50000000ULL | 19, 0x60000000ULL, &prop, &pend);
	expect_range(&prop, 0x50000000, M1);
	expect_range(&pend, 0x60000000, 2 * K64);

	/* 32 ID bits, the most: 4 GiB - 8 KiB and 512 MiB. */
	kreloc_gic_lpi_tables(0x80000000ULL | 31, 0x60000000ULL, &prop, &pend);
	expect_range(&prop, 0x80000000, 1ULL << 32);
	expect_range(&pend, 0x60000000, 1ULL << 29);

	/* 14 ID bits: LPIs 8192..16383, the fewest there can be. */
	kreloc_gic_lpi_tables(0x50000000ULL | 13, 0x60000000ULL, &prop, &pend);
	expect_range(&prop, 0x50000000, K64);
	expect_range(&pend, 0x60000000, K64);

	/* 13 ID bits or fewer: no LPI in range, nothing used. */
	kreloc_gic_lpi_tables(0x50000000ULL | 12, 0x60000000ULL, &prop, &pend);
	assert_int_equal(prop.size, 0);
	assert_int_equal(pend.size, 0);
	kreloc_gic_lpi_tables(0x50000000ULL, 0x60000000ULL, &prop, &pend);
	assert_int_equal(prop.size, 0);
	assert_int_equal(pend.size, 0);
}

/* ---- the walk, on a fake register file -------------------------------- */

#define MAX_FRAMES	40

struct fake_rd {
	uint64_t base;		/* RD_base */
	uint32_t pidr2, ctlr;
	uint64_t typer, propbaser, pendbaser;
};

static struct fake {
	struct kreloc_gicv3 v3;
	struct fake_rd rd[MAX_FRAMES];
	unsigned int nr;
	unsigned int reads;
} F;

static const struct fake_rd *fake_at(uint64_t pa, uint64_t *off)
{
	bool inside = false;

	for (unsigned int i = 0; i < F.v3.nr_redist; i++)
		inside |= pa >= F.v3.redist[i].base &&
			  pa - F.v3.redist[i].base < F.v3.redist[i].size;
	if (!inside)
		fail_msg("register read at 0x%llx, outside every region", (unsigned long long)pa);
	F.reads++;
	for (unsigned int i = 0; i < F.nr; i++) {
		if (pa >= F.rd[i].base && pa - F.rd[i].base < K64) {
			*off = pa - F.rd[i].base;
			return &F.rd[i];
		}
	}
	*off = 0;
	return NULL;	/* no redistributor here: reads as zero */
}

static uint32_t fake_read32(void *ctx, uint64_t pa)
{
	uint64_t off;
	const struct fake_rd *rd = fake_at(pa, &off);

	assert_ptr_equal(ctx, &F);
	if (!rd)
		return 0;
	switch (off) {
	case KRELOC_GICR_CTLR:
		return rd->ctlr;
	case KRELOC_GICR_PIDR2:
		return rd->pidr2;
	}
	fail_msg("32-bit read of GICR offset 0x%llx", (unsigned long long)off);
	return 0;
}

static uint64_t fake_read64(void *ctx, uint64_t pa)
{
	uint64_t off;
	const struct fake_rd *rd = fake_at(pa, &off);

	assert_ptr_equal(ctx, &F);
	if (!rd)
		return 0;
	switch (off) {
	case KRELOC_GICR_TYPER:
		return rd->typer;
	case KRELOC_GICR_PROPBASER:
		return rd->propbaser;
	case KRELOC_GICR_PENDBASER:
		return rd->pendbaser;
	}
	fail_msg("64-bit read of GICR offset 0x%llx", (unsigned long long)off);
	return 0;
}

static const struct kreloc_gicr_io fake_io = { fake_read32, fake_read64, &F };

/* One region at RD of @size; the fake starts empty. */
static void fake_region(uint64_t size)
{
	memset(&F, 0, sizeof(F));
	F.v3.redist[0] = (struct kreloc_range){ RD, size };
	F.v3.nr_redist = 1;
}

/*
 * A redistributor at RD_base @base: GICv3, LPIs on when @pend is non-zero,
 * Linux's 16 ID bits with the property table at @prop.
 */
static void fake_add(uint64_t base, uint64_t typer, uint64_t prop, uint64_t pend)
{
	assert_true(F.nr < MAX_FRAMES);
	F.rd[F.nr++] = (struct fake_rd){
		.base = base, .pidr2 = 0x3b, .ctlr = pend ? KRELOC_GICR_CTLR_ENABLE_LPIS : 0,
		.typer = typer, .propbaser = prop | 0x780 | 15, .pendbaser = pend | 0x780,
	};
}

static void test_walk_qemu(void **state)
{
	struct kreloc_gic_lpi out;

	(void)state;
	/* QEMU virt with -smp 2, as the first kernel left it */
	fake_region(0xf60000);
	fake_add(RD, 0x0ULL << 32, 0x421a0000, 0x401b0000);
	fake_add(RD + 0x20000, (1ULL << 32) | (1 << 8) | KRELOC_GICR_TYPER_LAST, 0x421a0000,
		 0x401c0000);
	assert_int_equal(kreloc_gic_find_lpi_tables(&F.v3, &fake_io, &out), 0);
	assert_int_equal(out.nr_rd, 2);
	assert_int_equal(out.nr_enabled, 2);
	/* the property table is shared; the pending tables touch: one range */
	assert_int_equal(out.nr_table, 2);
	expect_range(&out.table[0], 0x421a0000, K64);
	expect_range(&out.table[1], 0x401b0000, 2 * K64);

	/* as the e2e run found them: all three one after another */
	F.rd[0].pendbaser = 0x421b0000;
	F.rd[1].pendbaser = 0x421c0000;
	assert_int_equal(kreloc_gic_find_lpi_tables(&F.v3, &fake_io, &out), 0);
	assert_int_equal(out.nr_table, 1);
	expect_range(&out.table[0], 0x421a0000, 3 * K64);

	/* a pending table that bridges two ranges found before it */
	F.rd[0].pendbaser = 0x421c0000;
	F.rd[1].pendbaser = 0x421b0000;
	F.rd[1].propbaser = 0x421d0000 | 15;
	assert_int_equal(kreloc_gic_find_lpi_tables(&F.v3, &fake_io, &out), 0);
	assert_int_equal(out.nr_table, 1);
	expect_range(&out.table[0], 0x421a0000, 4 * K64);
	F.rd[0].pendbaser = 0x401b0000;
	F.rd[1].pendbaser = 0x401c0000;
	F.rd[1].propbaser = 0x421a0000 | 15;

	/* LPIs off in one: only the other's tables */
	F.rd[0].ctlr = 0;
	assert_int_equal(kreloc_gic_find_lpi_tables(&F.v3, &fake_io, &out), 0);
	assert_int_equal(out.nr_rd, 2);
	assert_int_equal(out.nr_enabled, 1);
	assert_int_equal(out.nr_table, 2);
	expect_range(&out.table[0], 0x421a0000, K64);
	expect_range(&out.table[1], 0x401c0000, K64);

	/* LPIs off everywhere (a kernel without an ITS driver): nothing live */
	F.rd[1].ctlr = 0;
	assert_int_equal(kreloc_gic_find_lpi_tables(&F.v3, &fake_io, &out), 0);
	assert_int_equal(out.nr_rd, 2);
	assert_int_equal(out.nr_enabled, 0);
	assert_int_equal(out.nr_table, 0);
}

static void test_walk_strides(void **state)
{
	struct kreloc_gic_lpi out;

	(void)state;
	/* GICv4 with direct VLPIs: 256 KiB frames, told by GICR_TYPER.VLPIS */
	fake_region(M1);
	fake_add(RD, KRELOC_GICR_TYPER_VLPIS, 0x50000000, 0x51000000);
	fake_add(RD + 0x40000, KRELOC_GICR_TYPER_VLPIS | KRELOC_GICR_TYPER_LAST, 0x50000000,
		 0x52000000);
	F.rd[0].pidr2 = F.rd[1].pidr2 = 0x4b;
	assert_int_equal(kreloc_gic_find_lpi_tables(&F.v3, &fake_io, &out), 0);
	assert_int_equal(out.nr_rd, 2);
	assert_int_equal(out.nr_table, 3);
	expect_range(&out.table[2], 0x52000000, K64);

	/* The tree's redistributor-stride overrides GICR_TYPER */
	fake_region(M1);
	F.v3.stride = 0x60000;
	fake_add(RD, 0, 0x50000000, 0x51000000);
	fake_add(RD + 0x60000, KRELOC_GICR_TYPER_LAST, 0x50000000, 0x52000000);
	assert_int_equal(kreloc_gic_find_lpi_tables(&F.v3, &fake_io, &out), 0);
	assert_int_equal(out.nr_rd, 2);
	assert_int_equal(out.nr_table, 3);

	/* Two regions, one redistributor each */
	fake_region(M1);
	F.v3.redist[1] = (struct kreloc_range){ 0x0a000000, M1 };
	F.v3.nr_redist = 2;
	fake_add(RD, KRELOC_GICR_TYPER_LAST, 0x50000000, 0x51000000);
	fake_add(0x0a000000, KRELOC_GICR_TYPER_LAST, 0x50000000, 0x52000000);
	assert_int_equal(kreloc_gic_find_lpi_tables(&F.v3, &fake_io, &out), 0);
	assert_int_equal(out.nr_rd, 2);
	assert_int_equal(out.nr_table, 3);
	expect_range(&out.table[2], 0x52000000, K64);
}

static void test_walk_bad(void **state)
{
	struct kreloc_gic_lpi out;

	(void)state;
	/* No frame marked Last: the walk stops at the region's end and refuses. */
	fake_region(2 * 0x20000);
	fake_add(RD, 0, 0x50000000, 0x51000000);
	fake_add(RD + 0x20000, 0, 0x50000000, 0x52000000);
	assert_int_equal(kreloc_gic_find_lpi_tables(&F.v3, &fake_io, &out), KRELOC_E_GIC_REDIST);

	/* Nothing that identifies as a GICv3 or GICv4 redistributor */
	fake_region(M1);
	fake_add(RD, KRELOC_GICR_TYPER_LAST, 0x50000000, 0x51000000);
	F.rd[0].pidr2 = 0x2b;
	assert_int_equal(kreloc_gic_find_lpi_tables(&F.v3, &fake_io, &out), KRELOC_E_GIC_REDIST);
	fake_region(M1);	/* an empty region: reads as zero */
	assert_int_equal(kreloc_gic_find_lpi_tables(&F.v3, &fake_io, &out), KRELOC_E_GIC_REDIST);

	/* More disjoint tables than the result holds */
	fake_region(16 * M1);
	for (unsigned int i = 0; i < KRELOC_GIC_MAX_LPI_TABLES; i++)
		fake_add(RD + i * 0x20000ULL,
			 i + 1 == KRELOC_GIC_MAX_LPI_TABLES ? KRELOC_GICR_TYPER_LAST : 0,
			 0x50000000, 0x60000000 + i * 2 * K64);
	assert_int_equal(kreloc_gic_find_lpi_tables(&F.v3, &fake_io, &out), KRELOC_E_NOSPACE);
	F.rd[0].ctlr = 0;	/* one fewer pending table: fits exactly */
	assert_int_equal(kreloc_gic_find_lpi_tables(&F.v3, &fake_io, &out), 0);
	assert_int_equal(out.nr_table, KRELOC_GIC_MAX_LPI_TABLES);

	assert_int_equal(kreloc_gic_find_lpi_tables(NULL, &fake_io, &out), KRELOC_E_INVAL);
	assert_int_equal(kreloc_gic_find_lpi_tables(&F.v3, NULL, &out), KRELOC_E_INVAL);
	assert_int_equal(kreloc_gic_find_lpi_tables(&F.v3, &fake_io, NULL), KRELOC_E_INVAL);
}

/* ---- /memreserve/ ----------------------------------------------------- */

static void expect_rsv(const void *fdt, int i, uint64_t base, uint64_t size)
{
	uint64_t b, s;

	assert_int_equal(fdt_get_mem_rsv(fdt, i, &b, &s), 0);
	assert_int_equal(b, base);
	assert_int_equal(s, size);
}

static void test_memreserve(void **state)
{
	static const uint64_t have[] = { 0x48000000, M1 };
	const struct kreloc_range live[] = {
		{ 0x421a0000, K64 },
		{ 0x48010000, K64 },		/* inside an existing entry */
		{ 0x421a0000, K64 },		/* repeated */
		{ 0x48000000, M1 + K64 },	/* overlaps one, not inside it */
		{ 0x43000000, 0 },		/* empty */
	};
	static uint8_t buf[8192] __attribute__((aligned(8)));

	(void)state;
	b_begin_rsv(have, 2);
	b_finish();
	assert_int_equal(fdt_open_into(T, buf, sizeof(buf)), 0);
	assert_int_equal(kreloc_fdt_memreserve_live(buf, live, 5), 0);
	assert_int_equal(fdt_num_mem_rsv(buf), 3);
	expect_rsv(buf, 0, 0x48000000, M1);
	expect_rsv(buf, 1, 0x421a0000, K64);
	expect_rsv(buf, 2, 0x48000000, M1 + K64);
	/* again: all covered now */
	assert_int_equal(kreloc_fdt_memreserve_live(buf, live, 5), 0);
	assert_int_equal(fdt_num_mem_rsv(buf), 3);
	assert_int_equal(kreloc_fdt_memreserve_live(buf, NULL, 0), 0);

	/* a full tree */
	assert_int_equal(fdt_open_into(T, buf, fdt_totalsize(T)), 0);
	assert_int_equal(kreloc_fdt_memreserve_live(buf, live, 1), KRELOC_E_FDT_NO_SPACE);
}

/* ---- a hand-off ------------------------------------------------------- */

static struct world w;

/* 256 MiB at 1 GiB, a 1 MiB Image (image_size 2 MiB), a 512 KiB initrd. */
static void world(const struct kreloc_range *live, unsigned int nr_live, uint64_t fw_base)
{
	uint64_t r = 7;

	world_free(&w);
	w.nr_ram = 1;
	w.ram[0] = (struct kreloc_range){ G1, 256 * M1 };
	if (fw_base) {
		w.fw[0] = (struct kreloc_range){ fw_base, M1 };
		w.nr_fw = 1;
	}
	make_fdt(&w, &r);
	make_image(&w, M1, 0, M2, 0xa);
	make_initrd(&w, 512 * 1024);
	snprintf(w.cmdline, sizeof(w.cmdline), "console=ttyAMA0");
	world_setup(&w, KRELOC_MODE_MMU, 12, 1, MMFR0_ALL,
		    kreloc_fdt_used_size(w.fdt.b) + KRELOC_HANDOFF_FDT_ROOM + 16 * nr_live);
	w.p.live = live;
	w.p.nr_live = nr_live;
}

static bool touches_live(const struct kreloc_range *live, unsigned int n, uint64_t base,
			 uint64_t size)
{
	for (unsigned int i = 0; i < n; i++)
		if (kreloc_ranges_overlap(base, size, live[i].base, live[i].size))
			return true;
	return false;
}

/* Every page the relocation reads or writes: list, sources, destinations. */
static void expect_list_clear_of(const struct kreloc_range *live, unsigned int n)
{
	const uint64_t *entry = NULL;
	uint64_t e = w.h.ki.head, pages = 0;

	while (!(e & KRELOC_IND_DONE)) {
		uint64_t pa = e & ~(uint64_t)(KRELOC_IND_PAGE_SIZE - 1);

		assert_false(touches_live(live, n, pa, KRELOC_IND_PAGE_SIZE));
		if (e & KRELOC_IND_INDIRECTION)
			entry = kreloc_sim_phys_read(w.alloc.sim, pa, KRELOC_IND_PAGE_SIZE);
		assert_non_null(entry);
		pages++;
		e = *entry++;
	}
	assert_true(pages > 256);
	assert_false(touches_live(live, n, w.h.control, 1ULL << w.h.granule_shift));
	for (unsigned int i = 0; i < w.alloc.nr_prep; i++)
		assert_false(touches_live(live, n, w.alloc.prep[i].base, w.alloc.prep[i].size));
}

static void test_handoff_keeps_live(void **state)
{
	/* where the kernel, and then the initrd and tree, would go without them */
	const struct kreloc_range live[] = {
		{ G1 + K64, K64 }, { G1 + 3 * M1, K64 }, { G1 + 8 * M1 + K64, K64 },
	};
	const void *next;

	(void)state;
	world(NULL, 0, 0);
	assert_int_equal(kreloc_handoff_plan(&w.h, &w.p), 0);
	assert_int_equal(w.h.place.kernel_load, G1);	/* the baseline */

	world(live, 3, G1 + 8 * M1);
	assert_int_equal(kreloc_handoff_plan(&w.h, &w.p), 0);
	for (unsigned int i = 0; i < w.h.nr_segs; i++)
		assert_false(touches_live(live, 3, w.h.segs[i].dest, w.h.segs[i].memsz));
	assert_false(touches_live(live, 3, w.h.place.kernel_load, M2));
	/* handed on: the two not inside the firmware's entry, after it */
	next = w.fdt_buf;
	assert_int_equal(fdt_num_mem_rsv(next), 3);
	expect_rsv(next, 0, G1 + 8 * M1, M1);
	expect_rsv(next, 1, G1 + K64, K64);
	expect_rsv(next, 2, G1 + 3 * M1, K64);

	world_memory(&w, 3, NULL);
	assert_int_equal(kreloc_handoff_stage(&w.h), 0);
	w.alloc.preparing = true;
	assert_int_equal(kreloc_handoff_prepare(&w.h, kreloc_sim_phys_read, w.alloc.sim), 0);
	expect_list_clear_of(live, 3);

	world(live, 3, 0);
	w.p.live = NULL;
	assert_int_equal(kreloc_handoff_plan(&w.h, &w.p), KRELOC_E_INVAL);
}

static int teardown(void **state)
{
	(void)state;
	world_free(&w);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_virt),
		cmocka_unit_test(test_fdt_regions),
		cmocka_unit_test(test_fdt_bad),
		cmocka_unit_test(test_lpi_tables),
		cmocka_unit_test(test_walk_qemu),
		cmocka_unit_test(test_walk_strides),
		cmocka_unit_test(test_walk_bad),
		cmocka_unit_test(test_memreserve),
		cmocka_unit_test_teardown(test_handoff_keeps_live, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
