// SPDX-License-Identifier: MIT
/*
 * xlat.c - build arm64 stage-1 identity maps (see include/kreloc/xlat.h).
 *
 * One recursive table filler, parameterised by level, does both the pure
 * page count and the real build; the choice for each entry is made by
 * xlat_decide(), a pure function of (level, VA range of the entry, regions):
 * invalid, a block/page with one attribute, or a next-level table.
 * kreloc_xlat_build() validates and counts first (prepare), then allocates
 * and fills (commit), and writes the caller's result only on success.
 */
#include <kreloc/error.h>
#include <kreloc/xlat.h>

#define NO_BOUNDARY	UINT64_MAX

enum xlat_kind { XLAT_INVALID, XLAT_LEAF, XLAT_TABLE };

struct xlat_ctx {
	const struct kreloc_xlat_region *r;
	unsigned int n;
	unsigned int g;			/* granule shift */
	unsigned int el;
	unsigned int va_bits;
	unsigned int start_level;
	unsigned int pa_bits;		/* the CPU's, as configured */
	uint64_t pa_limit;		/* 2^min(pa_bits, 48) */
	kreloc_alloc_fn alloc;		/* NULL: count only */
	void *actx;
	unsigned int pages;
};

unsigned int kreloc_xlat_start_level(unsigned int granule_shift, unsigned int va_bits)
{
	unsigned int level = 3;

	/* The root resolves what the levels below it leave, at most g - 3 bits. */
	while (level > 0 &&
	       va_bits > kreloc_xlat_level_shift(granule_shift, level) + (granule_shift - 3))
		level--;
	return level;
}

static bool granule_ok(unsigned int g)
{
	return g == 12 || g == 14 || g == 16;
}

int kreloc_xlat_round(struct kreloc_xlat_region *r, unsigned int granule_shift, bool outward)
{
	uint64_t gsz, lo, hi;

	if (!granule_ok(granule_shift))
		return KRELOC_E_XLAT_GRANULE;
	if (!r)
		return KRELOC_E_INVAL;
	gsz = 1ULL << granule_shift;
	if (r->base + r->size < r->base)
		return KRELOC_E_OVERFLOW;
	if (outward) {
		lo = KRELOC_ALIGN_DOWN(r->base, gsz);
		hi = r->base + r->size;
		if (hi > UINT64_MAX - (gsz - 1))
			return KRELOC_E_OVERFLOW;
		hi = KRELOC_ALIGN_UP(hi, gsz);
	} else {
		if (r->base > UINT64_MAX - (gsz - 1))
			return KRELOC_E_XLAT_MAP;
		lo = KRELOC_ALIGN_UP(r->base, gsz);
		hi = KRELOC_ALIGN_DOWN(r->base + r->size, gsz);
		if (hi <= lo)
			return KRELOC_E_XLAT_MAP;
	}
	r->base = lo;
	r->size = hi - lo;
	return 0;
}

static bool leaf_allowed(unsigned int g, unsigned int level)
{
	/* No level-0 blocks, and level-1 blocks only with 4K (no LPA2). */
	return level >= 2 || (level == 1 && g == 12);
}

/*
 * Effective attribute at @a: that of the last region containing it, 0 if
 * none.  *@next gets the first region edge above @a (NO_BOUNDARY if none):
 * the attribute is constant on [a, *next).
 */
static unsigned int eff_attr(const struct xlat_ctx *c, uint64_t a, uint64_t *next)
{
	unsigned int attr = 0;
	uint64_t nb = NO_BOUNDARY;

	for (unsigned int i = 0; i < c->n; i++) {
		uint64_t b = c->r[i].base, e = b + c->r[i].size;

		if (b <= a && a < e)
			attr = c->r[i].attr;
		if (b > a && b < nb)
			nb = b;
		if (e > a && e < nb)
			nb = e;
	}
	*next = nb;
	return attr;
}

/*
 * The mapping decision, a pure function.  For the level-@level entry that
 * translates [va, va + 2^shift): XLAT_INVALID if no region touches it (then
 * *@skip is the first mapped address above, or NO_BOUNDARY); XLAT_LEAF with
 * *@attr if one attribute covers all of it and the level allows a block or
 * page (then the attribute holds on [va, *@skip)); XLAT_TABLE otherwise.
 */
static enum xlat_kind xlat_decide(const struct xlat_ctx *c, unsigned int level, uint64_t va,
				  unsigned int *attr, uint64_t *skip)
{
	uint64_t end = va + (1ULL << kreloc_xlat_level_shift(c->g, level));
	uint64_t next, cur;
	unsigned int a = eff_attr(c, va, &next);

	if (!a) {
		/*
		 * Unmapped at va, so no region contains va and the next edge
		 * above it is a region's base: the mapping resumes there.
		 */
		if (next >= end) {
			*skip = next;
			return XLAT_INVALID;
		}
		return XLAT_TABLE;
	}
	for (cur = next; cur < end; cur = next)
		if (eff_attr(c, cur, &next) != a)
			return XLAT_TABLE;
	if (!leaf_allowed(c->g, level))
		return XLAT_TABLE;
	*attr = a;
	*skip = next;
	return XLAT_LEAF;
}

static unsigned int table_entries(const struct xlat_ctx *c, unsigned int level)
{
	if (level == c->start_level)
		return 1u << (c->va_bits - kreloc_xlat_level_shift(c->g, level));
	return 1u << (c->g - 3);
}

/* Take one zeroed table page from the caller (build mode only). */
static int xlat_new_table(struct xlat_ctx *c, uint8_t **table, uint64_t *pa)
{
	uint64_t gsz = 1ULL << c->g;

	*table = NULL;
	*pa = 0;
	if (c->alloc) {
		*table = c->alloc(c->actx, gsz, pa);
		if (!*table)
			return KRELOC_E_NOMEM;
		if (!KRELOC_ALIGNED(*pa, gsz))
			return KRELOC_E_INVAL;
		if (*pa >= c->pa_limit || c->pa_limit - *pa < gsz)
			return c->pa_bits > KRELOC_XLAT_MAX_BITS ? KRELOC_E_XLAT_PA_52BIT :
								   KRELOC_E_XLAT_PA_RANGE;
		memset(*table, 0, (size_t)gsz);
	}
	c->pages++;
	return 0;
}

/*
 * Fill the level-@level table that translates from @va (NULL @table: count
 * only).  Recurses once per level; depth is at most 4.
 */
static int xlat_fill(struct xlat_ctx *c, unsigned int level, uint64_t va, uint8_t *table)
{
	unsigned int shift = kreloc_xlat_level_shift(c->g, level);
	uint64_t nent = table_entries(c, level);
	uint64_t end = va + (nent << shift);
	uint64_t i = 0;

	while (i < nent) {
		uint64_t eva = va + (i << shift), skip = 0, cpa;
		unsigned int attr = 0;
		uint8_t *child;
		int rc;

		switch (xlat_decide(c, level, eva, &attr, &skip)) {
		case XLAT_INVALID:
			if (skip >= end)
				return 0;
			i = (skip - va) >> shift;
			break;
		case XLAT_LEAF: {
			/*
			 * Every entry inside [eva, skip) is decided the same: a
			 * leaf with one descriptor but for its address.  A table
			 * is granule aligned, so each is one aligned store.
			 */
			uint64_t run = (skip - eva) >> shift, desc;

			if (run > nent - i)
				run = nent - i;
			if (run == 0)
				run = 1;
			desc = kreloc_xlat_leaf_attrs(c->el, attr) | KRELOC_XLAT_PTE_VALID |
			       (level == 3 ? KRELOC_XLAT_PTE_TABLE : 0);
			for (uint64_t k = 0; table && k < run; k++)
				kreloc_put_le64_aligned(table + 8 * (i + k), (eva + (k << shift)) | desc);
			i += run;
			break;
		}
		case XLAT_TABLE:
			/* Regions are granule aligned: a page never needs splitting. */
			if (level == 3)
				return KRELOC_E_XLAT_MAP;
			rc = xlat_new_table(c, &child, &cpa);
			if (!rc)
				rc = xlat_fill(c, level + 1, eva, child);
			if (rc)
				return rc;
			if (table)
				kreloc_put_le64(table + 8 * i,
						cpa | KRELOC_XLAT_PTE_TABLE | KRELOC_XLAT_PTE_VALID);
			i++;
			break;
		}
	}
	return 0;
}

static int pa_bits_ok(unsigned int pa_bits)
{
	switch (pa_bits) {
	case 32: case 36: case 40: case 42: case 44: case 48: case 52:
		return 1;
	}
	return 0;
}

/* Validate the config and the regions, and work out the geometry. */
static int xlat_prepare(struct xlat_ctx *c, const struct kreloc_xlat_config *cfg,
			const struct kreloc_xlat_region *r, unsigned int n)
{
	uint64_t gsz, top = 0;
	unsigned int pa_bits, va_bits;

	if (!cfg || !r)
		return KRELOC_E_INVAL;
	if (!granule_ok(cfg->granule_shift))
		return KRELOC_E_XLAT_GRANULE;
	if ((cfg->el != 1 && cfg->el != 2) || !pa_bits_ok(cfg->pa_bits) ||
	    n == 0 || n > KRELOC_XLAT_MAX_REGIONS)
		return KRELOC_E_INVAL;

	memset(c, 0, sizeof(*c));
	c->r = r;
	c->n = n;
	c->g = cfg->granule_shift;
	c->el = cfg->el;
	c->pa_bits = cfg->pa_bits;
	pa_bits = cfg->pa_bits < KRELOC_XLAT_MAX_BITS ? cfg->pa_bits : KRELOC_XLAT_MAX_BITS;
	c->pa_limit = 1ULL << pa_bits;
	gsz = 1ULL << c->g;

	for (unsigned int j = 0; j < n; j++) {
		uint64_t b = r[j].base, s = r[j].size;

		if (r[j].attr < KRELOC_XLAT_RW_DATA || r[j].attr > KRELOC_XLAT_DEVICE ||
		    s == 0 || !KRELOC_ALIGNED(b, gsz) || !KRELOC_ALIGNED(s, gsz))
			return KRELOC_E_XLAT_MAP;
		if (b + s < b)
			return KRELOC_E_OVERFLOW;
		if (b >= c->pa_limit || c->pa_limit - b < s)
			return cfg->pa_bits > KRELOC_XLAT_MAX_BITS ? KRELOC_E_XLAT_PA_52BIT :
								     KRELOC_E_XLAT_PA_RANGE;
		/* The region rule: touch an earlier region only from inside it. */
		for (unsigned int i = 0; i < j; i++) {
			uint64_t ib = r[i].base, ie = ib + r[i].size;

			if (b < ie && ib < b + s && (b < ib || b + s > ie))
				return KRELOC_E_XLAT_MAP;
		}
		if (b + s > top)
			top = b + s;
	}

	/* Smallest VA size covering [0, top): ceil(log2(top)), at least 25. */
	va_bits = KRELOC_XLAT_MIN_VA_BITS;
	while (va_bits < KRELOC_XLAT_MAX_BITS && (top - 1) >> va_bits)
		va_bits++;
	c->va_bits = va_bits;
	c->start_level = kreloc_xlat_start_level(c->g, va_bits);
	return 0;
}

int kreloc_xlat_count(const struct kreloc_xlat_config *cfg, const struct kreloc_xlat_region *r,
		      unsigned int n, unsigned int *pages)
{
	struct xlat_ctx c;
	int rc;

	if (!pages)
		return KRELOC_E_INVAL;
	rc = xlat_prepare(&c, cfg, r, n);
	if (rc)
		return rc;
	c.pages = 1;	/* the root */
	rc = xlat_fill(&c, c.start_level, 0, NULL);
	if (rc)
		return rc;
	*pages = c.pages;
	return 0;
}

int kreloc_xlat_build(const struct kreloc_xlat_config *cfg, const struct kreloc_xlat_region *r,
		      unsigned int n, kreloc_alloc_fn alloc, void *ctx, struct kreloc_xlat *out)
{
	struct kreloc_xlat x;
	struct xlat_ctx c;
	unsigned int expect;
	uint8_t *root;
	uint64_t root_pa;
	int rc;

	if (!alloc || !out)
		return KRELOC_E_INVAL;
	/* Prepare: validate and count without touching memory. */
	rc = kreloc_xlat_count(cfg, r, n, &expect);
	if (rc)
		return rc;
	rc = xlat_prepare(&c, cfg, r, n);
	if (rc)
		return rc;

	memset(&x, 0, sizeof(x));
	rc = kreloc_xlat_tcr(c.el, c.g, c.va_bits, cfg->pa_bits, &x.tcr);
	if (rc)
		return rc;

	/* Commit: allocate and fill. */
	c.alloc = alloc;
	c.actx = ctx;
	rc = xlat_new_table(&c, &root, &root_pa);
	if (!rc)
		rc = xlat_fill(&c, c.start_level, 0, root);
	if (rc)
		return rc;
	if (c.pages != expect)
		return KRELOC_E_INVAL;	/* cannot happen: same walk both times */

	x.root_pa = root_pa;
	x.ttbr = root_pa;
	x.mair = kreloc_xlat_mair();
	x.sctlr_set = kreloc_xlat_sctlr_set();
	x.sctlr_clear = kreloc_xlat_sctlr_clear();
	x.granule_shift = c.g;
	x.el = c.el;
	x.pa_bits = cfg->pa_bits;
	x.va_bits = c.va_bits;
	x.start_level = c.start_level;
	x.table_pages = c.pages;
	*out = x;
	return 0;
}
