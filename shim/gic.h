/* SPDX-License-Identifier: MIT */
/*
 * gic.h - the shim's side of the GIC: map the redistributors, read their
 * LPI table registers (lib/gic.c decides what they mean).
 */
#ifndef KRELOC_SHIM_GIC_H
#define KRELOC_SHIM_GIC_H

#include <kreloc/gic.h>
#include <kreloc/xlat.h>

/**
 * struct shim_gic - the interrupt controller as the incoming tree has it.
 * @present: the tree has a GICv3 (without one there are no LPI tables)
 * @v3:      its redistributor regions
 * @lpi:     the live LPI tables, once gic_read_lpi_tables() ran
 */
struct shim_gic {
	bool present;
	struct kreloc_gicv3 v3;
	struct kreloc_gic_lpi lpi;
};

/* Find the GICv3 in @fdt: 0 or a kreloc error (malformed node). */
int gic_find(const void *fdt, struct shim_gic *g);
/* Write the redistributor regions, Device memory, to @r: how many. */
unsigned int gic_map(const struct shim_gic *g, struct kreloc_xlat_region *r);
/* With gic_map()'s regions mapped: find the live tables, print them; refuses on error. */
void gic_read_lpi_tables(struct shim_gic *g);
/* Print a warning for each live table inside [@base, @base + @size), @what. */
void gic_warn_overlap(const struct shim_gic *g, uint64_t base, uint64_t size, const char *what);

#endif
