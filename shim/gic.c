// SPDX-License-Identifier: MIT
/*
 * gic.c - find the memory the GICv3's redistributors keep using: with LPIs
 * enabled, their property and pending tables stay live across the
 * hand-off (see include/kreloc/gic.h), so the shim reserves them and hands
 * them on.
 */
#include <kreloc/error.h>
#include "gic.h"
#include "shim.h"

/*
 * One plain load per register, never split or merged by the compiler:
 * GICR registers take naturally aligned 32-bit accesses, and 64-bit ones
 * for 64-bit registers (GICv3 architecture, register access rules).  A
 * load without writeback is also one a hypervisor that traps the access
 * can emulate: only then does ESR_ELx report a valid syndrome (ISV).  The
 * regions are mapped Device-nGnRE, so these reads are neither
 * speculated nor reordered against one another, and nothing the shim
 * does depends on their order against memory: no barrier is needed.
 */
static uint32_t mmio_read32(void *ctx, uint64_t pa)
{
	uint32_t v;

	(void)ctx;
	__asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(pa) : "memory");
	return v;
}

static uint64_t mmio_read64(void *ctx, uint64_t pa)
{
	uint64_t v;

	(void)ctx;
	__asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(pa) : "memory");
	return v;
}

int gic_find(const void *fdt, struct shim_gic *g)
{
	int found = kreloc_fdt_gicv3(fdt, &g->v3);

	g->present = found > 0;
	return found < 0 ? found : 0;
}

unsigned int gic_map(const struct shim_gic *g, struct kreloc_xlat_region *r)
{
	unsigned int n = g->present ? g->v3.nr_redist : 0;

	/*
	 * Device memory: MMIO must never be the target of a speculative
	 * access, nor have its accesses merged or cached (Arm ARM: Device memory).
	 */
	for (unsigned int i = 0; i < n; i++)
		r[i] = (struct kreloc_xlat_region){ g->v3.redist[i].base, g->v3.redist[i].size,
						    KRELOC_XLAT_DEVICE };
	return n;
}

void gic_read_lpi_tables(struct shim_gic *g)
{
	static const struct kreloc_gicr_io io = { mmio_read32, mmio_read64, NULL };
	const struct kreloc_gic_lpi *lpi = &g->lpi;
	int err;

	if (!g->present)
		return;
	err = kreloc_gic_find_lpi_tables(&g->v3, &io, &g->lpi);
	if (err < 0)
		shim_fail(err, "GICv3 redistributors");
	shim_printf("kreloc: GICv3: %u redistributors, %u with LPIs enabled", lpi->nr_rd,
		    lpi->nr_enabled);
	for (unsigned int i = 0; i < lpi->nr_table; i++)
		shim_printf("%s 0x%lx+0x%lx", i ? "," : "; live LPI tables", lpi->table[i].base,
			    lpi->table[i].size);
	shim_printf("\n");
}

void gic_warn_overlap(const struct shim_gic *g, uint64_t base, uint64_t size, const char *what)
{
	/*
	 * The previous loader put @what there, over tables the GIC kept
	 * using: the property table's bytes no longer describe the LPIs
	 * (the next kernel rewrites them), and the pending table may have
	 * been written under the copy.  Nothing can move them now (their
	 * base registers are fixed while LPIs are on), so say so.
	 */
	for (unsigned int i = 0; i < g->lpi.nr_table; i++) {
		const struct kreloc_range *t = &g->lpi.table[i];

		if (kreloc_ranges_overlap(base, size, t->base, t->size))
			shim_printf("kreloc: warning: live LPI table 0x%lx+0x%lx lies in the %s "
				    "the previous loader wrote at 0x%lx+0x%lx\n", t->base, t->size,
				    what, base, size);
	}
}
