/* SPDX-License-Identifier: MIT */
/*
 * gic.h - the memory a GICv3's redistributors keep using across a hand-off.
 *
 * Once a redistributor's GICR_CTLR.EnableLPIs is set, its LPI property
 * table (GICR_PROPBASER) and pending table (GICR_PENDBASER) are in use by
 * the hardware: the redistributor reads the first and writes the second
 * whenever an LPI changes state, and on most implementations EnableLPIs
 * cannot be cleared again (GICv3 architecture: it is IMPLEMENTATION
 * DEFINED whether it can be cleared once set).  A loader must therefore
 * keep those tables out of every write of its own, and hand them on to
 * the next kernel as reserved memory, which then adopts them.
 *
 * This part is pure: it reads the device tree, decodes register values,
 * and walks the redistributor frames through caller-supplied MMIO reads.
 * Nothing here allocates.
 */
#ifndef KRELOC_GIC_H
#define KRELOC_GIC_H

#include <kreloc/kreloc_env.h>
#include <kreloc/memmap.h>

/* Redistributor regions kreloc_fdt_gicv3() takes (#redistributor-regions). */
#define KRELOC_GIC_MAX_REDIST_REGIONS	8
/* Disjoint LPI table ranges kreloc_gic_find_lpi_tables() collects. */
#define KRELOC_GIC_MAX_LPI_TABLES	32

/* Redistributor registers, offsets in a frame's RD_base page. */
#define KRELOC_GICR_CTLR		0x0000
#define KRELOC_GICR_CTLR_ENABLE_LPIS	(1U << 0)
#define KRELOC_GICR_TYPER		0x0008
#define KRELOC_GICR_TYPER_VLPIS		(1ULL << 1)
#define KRELOC_GICR_TYPER_LAST		(1ULL << 4)
#define KRELOC_GICR_PROPBASER		0x0070
#define KRELOC_GICR_PENDBASER		0x0078
#define KRELOC_GICR_PIDR2		0xffe8
/* A redistributor's frames: RD_base and SGI_base, plus VLPI_base and a
 * reserved page when GICR_TYPER.VLPIS says it supports direct VLPIs. */
#define KRELOC_GICR_FRAME		0x20000
#define KRELOC_GICR_FRAME_VLPI		0x40000

/**
 * struct kreloc_gicv3 - where a GICv3's redistributors are.
 * @redist:    the redistributor regions, from the node's reg
 * @nr_redist: entries in @redist (#redistributor-regions, absent: 1)
 * @stride:    the node's redistributor-stride; 0 when absent, and the
 *             stride is then told by each frame's GICR_TYPER.VLPIS
 */
struct kreloc_gicv3 {
	struct kreloc_range redist[KRELOC_GIC_MAX_REDIST_REGIONS];
	unsigned int nr_redist;
	uint64_t stride;
};

/**
 * kreloc_fdt_gicv3() - the redistributor regions of the GICv3 in a tree.
 * @fdt: the blob; fdt_totalsize(@fdt) bytes must be readable
 * @gic: filled when 1 is returned
 *
 * Takes the first available node compatible with "arm,gic-v3".  Its reg
 * holds the distributor, then #redistributor-regions redistributor
 * regions (then optional CPU interface ranges, ignored); addresses are
 * translated through every ancestor's ranges.
 *
 * Return: 1 found; 0 no GICv3 (a GICv2 machine, say); KRELOC_E_INVAL,
 * KRELOC_E_FDT, KRELOC_E_FDT_TOO_LARGE; KRELOC_E_FDT_RANGE (cells other
 * than 1 or 2, an untranslatable address); KRELOC_E_GIC_REDIST
 * (#redistributor-regions 0, over KRELOC_GIC_MAX_REDIST_REGIONS or
 * malformed, reg too short for it, a region empty, wrapping or not in
 * whole 64 KiB pages, a redistributor-stride not 8 bytes or not a
 * non-zero multiple of 64 KiB).
 */
int kreloc_fdt_gicv3(const void *fdt, struct kreloc_gicv3 *gic);

/**
 * kreloc_gic_lpi_tables() - the memory one redistributor's LPI tables use.
 * @propbaser: its GICR_PROPBASER
 * @pendbaser: its GICR_PENDBASER
 * @prop:      out: the property table
 * @pend:      out: the pending table
 *
 * The property table starts at PROPBASER[51:12] and holds one byte per
 * LPI: 2^(IDbits + 1) - 8192 bytes.  The pending table starts at
 * PENDBASER[51:16] and holds one bit per interrupt ID: 2^(IDbits + 1) / 8
 * bytes.  Both sizes are rounded up to 64 KiB, the unit Linux allocates
 * them in and checks the next kernel's reservations against.  IDbits
 * below 13 leaves no LPI in range (the smallest is 8192): both ranges are
 * then empty.
 */
void kreloc_gic_lpi_tables(uint64_t propbaser, uint64_t pendbaser, struct kreloc_range *prop,
			   struct kreloc_range *pend);

/**
 * struct kreloc_gicr_io - how to read redistributor registers.
 * @read32: one 32-bit read of the register at physical address @pa
 * @read64: one 64-bit read of the register at physical address @pa
 * @ctx:    passed to both
 */
struct kreloc_gicr_io {
	uint32_t (*read32)(void *ctx, uint64_t pa);
	uint64_t (*read64)(void *ctx, uint64_t pa);
	void *ctx;
};

/**
 * struct kreloc_gic_lpi - the live LPI tables found.
 * @table:      the tables, those that overlap or touch merged into one
 *              range (the property table is usually shared by all
 *              redistributors, and per-CPU pending tables are often
 *              allocated one after another)
 * @nr_table:   entries in @table
 * @nr_rd:      redistributors walked
 * @nr_enabled: of those, with EnableLPIs set
 */
struct kreloc_gic_lpi {
	struct kreloc_range table[KRELOC_GIC_MAX_LPI_TABLES];
	unsigned int nr_table;
	unsigned int nr_rd;
	unsigned int nr_enabled;
};

/**
 * kreloc_gic_find_lpi_tables() - walk every redistributor and collect the
 * tables of those with EnableLPIs set.
 * @gic: the regions (kreloc_fdt_gicv3())
 * @io:  register reads; only registers inside @gic's regions are read
 * @out: filled
 *
 * In each region, frames follow one another from its start, each
 * @gic->stride bytes long, or KRELOC_GICR_FRAME (KRELOC_GICR_FRAME_VLPI
 * with GICR_TYPER.VLPIS), up to the one whose GICR_TYPER.Last is set.
 *
 * Return: 0; KRELOC_E_INVAL (NULL argument); KRELOC_E_GIC_REDIST (a frame
 * whose GICR_PIDR2.ArchRev is neither GICv3 nor GICv4, or a region that
 * ends before a frame with Last); KRELOC_E_NOSPACE (more than
 * KRELOC_GIC_MAX_LPI_TABLES disjoint ranges).
 */
int kreloc_gic_find_lpi_tables(const struct kreloc_gicv3 *gic, const struct kreloc_gicr_io *io,
			       struct kreloc_gic_lpi *out);

/**
 * kreloc_fdt_memreserve_live() - hand ranges a device keeps using on as
 * /memreserve/ entries of a tree, each unless an entry already covers it.
 * @fdt: a tree opened for writing
 * @r:   the ranges (empty ones are skipped); may be NULL when @n is 0
 * @n:   entries in @r
 *
 * Return: 0; KRELOC_E_FDT (corrupt memory reservation map);
 * KRELOC_E_FDT_NO_SPACE (the tree is full).
 */
int kreloc_fdt_memreserve_live(void *fdt, const struct kreloc_range *r, unsigned int n);

#endif /* KRELOC_GIC_H */
