// SPDX-License-Identifier: MIT
/*
 * gic.c - find the GICv3 redistributors' live LPI tables and hand them on
 * (see gic.h).
 */
#include <libfdt.h>

#include <kreloc/error.h>
#include <kreloc/gic.h>

#include "fdt_priv.h"

/* Depth to which kreloc_fdt_gicv3() keeps the nodes open; deeper, it walks for the parent. */
#define KRELOC_GIC_OPEN_DEPTH	16

/* Redistributor regions and frames come in 64 KiB pages. */
#define GICR_PAGE		0x10000ULL

/* GICR_PIDR2.ArchRev, bits [7:4]: 3 for GICv3, 4 for GICv4. */
#define PIDR2_ARCH(v)		(((v) >> 4) & 0xf)
/* GICR_PROPBASER: IDbits [4:0] (ID bits - 1), Physical_Address [51:12]. */
#define PROPBASER_IDBITS(v)	((unsigned int)((v) & 0x1f) + 1)
#define PROPBASER_PA(v)		((v) & 0x000ffffffffff000ULL)
/* GICR_PENDBASER: Physical_Address [51:16]. */
#define PENDBASER_PA(v)		((v) & 0x000fffffffff0000ULL)
/* The smallest LPI INTID: IDs below it are SGIs, PPIs, SPIs and reserved. */
#define LPI_FIRST		8192ULL

static uint64_t cells(const fdt32_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 32 | fdt32_ld(p + i);
	return v;
}

static bool available(const void *fdt, int node)
{
	int len;
	const char *s = kreloc_fdt_getprop(fdt, node, "status", &len);

	return !s || (len == 5 && !memcmp(s, "okay", 5)) || (len == 3 && !memcmp(s, "ok", 3));
}

/* redistributor-stride, when the tree gives one: it overrides GICR_TYPER. */
static int read_stride(const void *fdt, int node, uint64_t *stride)
{
	int len;
	const fdt32_t *p = kreloc_fdt_getprop(fdt, node, "redistributor-stride", &len);

	*stride = 0;
	if (!p)
		return len == -FDT_ERR_NOTFOUND ? 0 : KRELOC_E_FDT;
	if (len != 8)
		return KRELOC_E_GIC_REDIST;
	*stride = cells(p, 2);
	return *stride && KRELOC_ALIGNED(*stride, GICR_PAGE) ? 0 : KRELOC_E_GIC_REDIST;
}

/* @parent: @node's parent, or negative to look it up */
static int read_gicv3(const void *fdt, int node, int parent, struct kreloc_gicv3 *gic)
{
	const fdt32_t *reg, *p;
	int ac, sc, len, err;
	uint32_t nr = 1;

	if (parent < 0)
		parent = kreloc_fdt_parent(fdt, node);
	if (parent < 0)
		return KRELOC_E_FDT;
	ac = fdt_address_cells(fdt, parent);
	sc = fdt_size_cells(fdt, parent);
	if (ac < 1 || ac > 2 || sc < 1 || sc > 2)
		return KRELOC_E_FDT_RANGE;
	p = kreloc_fdt_getprop(fdt, node, "#redistributor-regions", &len);
	if (p && len != 4)
		return KRELOC_E_GIC_REDIST;
	if (!p && len != -FDT_ERR_NOTFOUND)
		return KRELOC_E_FDT;
	if (p)
		nr = fdt32_ld(p);
	if (nr == 0 || nr > KRELOC_GIC_MAX_REDIST_REGIONS)
		return KRELOC_E_GIC_REDIST;
	reg = kreloc_fdt_getprop(fdt, node, "reg", &len);
	if (!reg)
		return len == -FDT_ERR_NOTFOUND ? KRELOC_E_GIC_REDIST : KRELOC_E_FDT;
	/* the distributor first, then the redistributor regions */
	if (len < (int)(nr + 1) * (ac + sc) * 4)
		return KRELOC_E_GIC_REDIST;
	for (uint32_t i = 1; i <= nr; i++) {
		const fdt32_t *e = reg + i * (uint32_t)(ac + sc);
		uint64_t base = cells(e, ac), size = cells(e + ac, sc);

		err = kreloc_fdt_translate(fdt, parent, &base);
		if (err)
			return err;
		if (!size || base + size < base || !KRELOC_ALIGNED(base, GICR_PAGE) ||
		    !KRELOC_ALIGNED(size, GICR_PAGE))
			return KRELOC_E_GIC_REDIST;
		gic->redist[i - 1] = (struct kreloc_range){ base, size };
	}
	gic->nr_redist = nr;
	return read_stride(fdt, node, &gic->stride);
}

/* Is @s one of the NUL-terminated strings of the list @list (@len bytes)? */
static bool list_has(const char *list, int len, const char *s)
{
	size_t n = strlen(s) + 1;

	for (int i = 0; i < len;) {
		const char *end = memchr(list + i, '\0', (size_t)(len - i));

		if (!end)
			return false;
		if ((size_t)(end - list - i) + 1 == n && !memcmp(list + i, s, n))
			return true;
		i = (int)(end - list) + 1;
	}
	return false;
}

int kreloc_fdt_gicv3(const void *fdt, struct kreloc_gicv3 *gic)
{
	/* the nodes open on the way, by depth, for the parent without another walk */
	int open[KRELOC_GIC_OPEN_DEPTH];
	const void *compat;
	int node, depth, len, err;

	if (!gic)
		return KRELOC_E_INVAL;
	err = kreloc_fdt_check_blob(fdt);
	if (err)
		return err;
	/* every node, the root first, as fdt_node_offset_by_compatible() */
	for (node = kreloc_fdt_next_node_prop(fdt, -1, &depth, "compatible", &compat, &len);
	     node >= 0;
	     node = kreloc_fdt_next_node_prop(fdt, node, &depth, "compatible", &compat, &len)) {
		if (depth < KRELOC_GIC_OPEN_DEPTH)
			open[depth] = node;
		if (compat && list_has(compat, len, "arm,gic-v3") && available(fdt, node)) {
			int parent = depth > 0 && depth <= KRELOC_GIC_OPEN_DEPTH ? open[depth - 1] : -1;

			err = read_gicv3(fdt, node, parent, gic);
			return err ? err : 1;
		}
	}
	return node == -FDT_ERR_NOTFOUND ? 0 : KRELOC_E_FDT;
}

void kreloc_gic_lpi_tables(uint64_t propbaser, uint64_t pendbaser, struct kreloc_range *prop,
			   struct kreloc_range *pend)
{
	unsigned int bits = PROPBASER_IDBITS(propbaser);

	*prop = (struct kreloc_range){ 0, 0 };
	*pend = (struct kreloc_range){ 0, 0 };
	if ((1ULL << bits) <= LPI_FIRST)
		return;
	prop->base = PROPBASER_PA(propbaser);
	prop->size = KRELOC_ALIGN_UP((1ULL << bits) - LPI_FIRST, GICR_PAGE);
	pend->base = PENDBASER_PA(pendbaser);
	pend->size = KRELOC_ALIGN_UP((1ULL << bits) / 8, GICR_PAGE);
}

/*
 * Add @r to @out, merged with every range it overlaps or touches: a
 * property table shared by all redistributors counts once, and pending
 * tables allocated one after another become one range.
 */
static int add_table(struct kreloc_gic_lpi *out, const struct kreloc_range *r)
{
	uint64_t lo = r->base, hi = r->base + r->size;
	unsigned int i = 0;

	if (!r->size)
		return 0;
	while (i < out->nr_table) {
		const struct kreloc_range *t = &out->table[i];

		if (t->base > hi || kreloc_range_end(t) < lo) {
			i++;
			continue;
		}
		lo = t->base < lo ? t->base : lo;
		hi = kreloc_range_end(t) > hi ? kreloc_range_end(t) : hi;
		memmove(&out->table[i], &out->table[i + 1],
			(out->nr_table - i - 1) * sizeof(out->table[0]));
		out->nr_table--;
		i = 0;
	}
	if (out->nr_table == KRELOC_GIC_MAX_LPI_TABLES)
		return KRELOC_E_NOSPACE;
	out->table[out->nr_table++] = (struct kreloc_range){ lo, hi - lo };
	return 0;
}

/* One redistributor, RD_base at @rd: count it, and keep its tables if LPIs are on. */
static int read_rd(const struct kreloc_gicr_io *io, uint64_t rd, struct kreloc_gic_lpi *out)
{
	struct kreloc_range prop, pend;
	int err;

	out->nr_rd++;
	if (!(io->read32(io->ctx, rd + KRELOC_GICR_CTLR) & KRELOC_GICR_CTLR_ENABLE_LPIS))
		return 0;
	out->nr_enabled++;
	kreloc_gic_lpi_tables(io->read64(io->ctx, rd + KRELOC_GICR_PROPBASER),
			      io->read64(io->ctx, rd + KRELOC_GICR_PENDBASER), &prop, &pend);
	err = add_table(out, &prop);
	return err ? err : add_table(out, &pend);
}

int kreloc_gic_find_lpi_tables(const struct kreloc_gicv3 *gic, const struct kreloc_gicr_io *io,
			       struct kreloc_gic_lpi *out)
{
	if (!gic || !io || !io->read32 || !io->read64 || !out)
		return KRELOC_E_INVAL;
	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < gic->nr_redist; i++) {
		const struct kreloc_range *r = &gic->redist[i];
		uint64_t off = 0, typer;
		int err;

		do {
			uint64_t rd = r->base + off;
			unsigned int arch;

			/* past the region without a frame marked Last */
			if (off >= r->size)
				return KRELOC_E_GIC_REDIST;
			arch = PIDR2_ARCH(io->read32(io->ctx, rd + KRELOC_GICR_PIDR2));
			if (arch != 3 && arch != 4)
				return KRELOC_E_GIC_REDIST;
			typer = io->read64(io->ctx, rd + KRELOC_GICR_TYPER);
			err = read_rd(io, rd, out);
			if (err)
				return err;
			off += gic->stride ? gic->stride :
			       typer & KRELOC_GICR_TYPER_VLPIS ? KRELOC_GICR_FRAME_VLPI :
			       KRELOC_GICR_FRAME;
		} while (!(typer & KRELOC_GICR_TYPER_LAST));
	}
	return 0;
}

/* Is [base, base + size) inside one of the tree's /memreserve/ entries? */
static int memreserved(const void *fdt, uint64_t base, uint64_t size)
{
	int nr = fdt_num_mem_rsv(fdt);

	if (nr < 0)
		return KRELOC_E_FDT;
	for (int i = 0; i < nr; i++) {
		uint64_t b, s;

		if (fdt_get_mem_rsv(fdt, i, &b, &s))
			return KRELOC_E_FDT;
		if (base >= b && base - b <= s && size <= s - (base - b))
			return 1;
	}
	return 0;
}

int kreloc_fdt_memreserve_live(void *fdt, const struct kreloc_range *r, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		int have, err;

		if (!r[i].size)
			continue;
		have = memreserved(fdt, r[i].base, r[i].size);
		if (have < 0)
			return have;
		if (have)
			continue;
		err = fdt_add_mem_rsv(fdt, r[i].base, r[i].size);
		if (err)
			return err == -FDT_ERR_NOSPACE ? KRELOC_E_FDT_NO_SPACE : KRELOC_E_FDT;
	}
	return 0;
}
