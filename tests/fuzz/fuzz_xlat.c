// SPDX-License-Identifier: MIT
/*
 * fuzz_xlat.c - libFuzzer target: the translation-table builder, checked
 * with the software walker.
 *
 * The input gives a configuration (granule, EL, PA size; invalid values
 * now and then), 0..65 regions (mostly granule-aligned, at several scales,
 * often nested inside an earlier one so that they refine it), where the
 * table pages sit physically and how many there are.  Then:
 *  - kreloc_xlat_build() must agree with a model of its contract: the exact
 *    error of the first bad input (xlat.h), else success, or E_NOMEM /
 *    E_XLAT_PA_RANGE when the page budget or the table pages' placement
 *    says so; kreloc_xlat_count() must match the pages actually taken;
 *  - on success, every region edge (base, end, one byte either side), the
 *    middle of each region and random addresses are walked: an address
 *    inside some region must translate to itself with the attributes of
 *    the last region containing it (RW data: writable, not executable,
 *    Normal WB; RX code: read-only, executable; device: nGnRE, not
 *    executable), and the whole block the walk used must carry that same
 *    attribute; an address outside every region must fault.
 */
#include <kreloc/xlat.h>

#include "fuzz.h"

#define MAXR		(KRELOC_XLAT_MAX_REGIONS + 1)
#define ARENA_BYTES	(8u << 20)

typedef unsigned __int128 u128;

static uint8_t *arena;		/* the table pages, at PA table_base + offset */

struct tables {
	uint64_t base, gsz;
	unsigned int cap, used;
	bool misalign;
};

static void *table_alloc(void *ctx, uint64_t size, uint64_t *pa)
{
	struct tables *t = ctx;
	uint8_t *p;

	FZ_CHECK(size == t->gsz, "table page of %#llx bytes with granule %#llx",
		 (unsigned long long)size, (unsigned long long)t->gsz);
	if (t->used == t->cap)
		return NULL;
	p = arena + (size_t)t->used * t->gsz;
	*pa = t->base + t->used * t->gsz + (t->misalign ? 2048 : 0);
	t->used++;
	memset(p, 0, (size_t)size);		/* the allocator contract: zeroed */
	return p;
}

static const void *table_read(void *ctx, uint64_t pa, uint64_t len)
{
	const struct tables *t = ctx;

	if (pa < t->base || pa - t->base >= (uint64_t)t->used * t->gsz ||
	    len > (uint64_t)t->used * t->gsz - (pa - t->base))
		return NULL;
	return arena + (pa - t->base);
}

static bool pa_bits_valid(unsigned int b)
{
	return b == 32 || b == 36 || b == 40 || b == 42 || b == 44 || b == 48 || b == 52;
}

/* The model of kreloc_xlat_build()'s validation, in xlat.h's order. */
static int model_check(const struct kreloc_xlat_config *c, const struct kreloc_xlat_region *r,
		       unsigned int n)
{
	uint64_t gsz, lim;

	if (c->granule_shift != 12 && c->granule_shift != 14 && c->granule_shift != 16)
		return KRELOC_E_XLAT_GRANULE;
	if ((c->el != 1 && c->el != 2) || !pa_bits_valid(c->pa_bits) || n == 0 ||
	    n > KRELOC_XLAT_MAX_REGIONS)
		return KRELOC_E_INVAL;
	gsz = 1ULL << c->granule_shift;
	lim = 1ULL << (c->pa_bits < 48 ? c->pa_bits : 48);
	for (unsigned int j = 0; j < n; j++) {
		u128 e = (u128)r[j].base + r[j].size;

		if (r[j].attr < 1 || r[j].attr > 3 || !r[j].size || (r[j].base & (gsz - 1)) ||
		    (r[j].size & (gsz - 1)))
			return KRELOC_E_XLAT_MAP;
		if (e > UINT64_MAX)
			return KRELOC_E_OVERFLOW;
		if (e > lim)
			return KRELOC_E_XLAT_PA_RANGE;
		for (unsigned int i = 0; i < j; i++) {
			u128 ie = (u128)r[i].base + r[i].size;

			/* touching an earlier region is allowed only from inside it */
			if (r[j].base < ie && r[i].base < e && (r[j].base < r[i].base || e > ie))
				return KRELOC_E_XLAT_MAP;
		}
	}
	return 0;
}

/* Attribute at @a: the last region containing it, 0 for none. */
static unsigned int attr_at(const struct kreloc_xlat_region *r, unsigned int n, uint64_t a)
{
	unsigned int attr = 0;

	for (unsigned int i = 0; i < n; i++)
		if (a >= r[i].base && a - r[i].base < r[i].size)
			attr = r[i].attr;
	return attr;
}

static void check_va(const struct kreloc_xlat *x, const struct tables *t,
		     const struct kreloc_xlat_region *r, unsigned int n, uint64_t va)
{
	struct kreloc_xlat_walk_result w;
	unsigned int want = attr_at(r, n, va);
	int rc = kreloc_xlat_walk(x, va, table_read, (void *)t, &w);
	u128 bend;

	if (!want) {
		FZ_CHECK(rc == KRELOC_E_XLAT_FAULT && w.fault == KRELOC_XLAT_FAULT_TRANSLATION,
			 "unmapped %#llx: walk %s (%d), fault %d, pa %#llx",
			 (unsigned long long)va, FZ_ERR(rc), w.fault, (unsigned long long)w.pa);
		return;
	}
	FZ_CHECK(rc == 0, "mapped %#llx (attr %u) does not translate: %s (%d), fault %d level %u",
		 (unsigned long long)va, want, FZ_ERR(rc), w.fault, w.level);
	FZ_CHECK(w.pa == va, "%#llx translates to %#llx", (unsigned long long)va,
		 (unsigned long long)w.pa);
	switch (want) {
	case KRELOC_XLAT_RW_DATA:
		FZ_CHECK(w.writable && !w.executable && w.mair_attr == 0xff && w.sh == 3,
			 "RW data at %#llx: w%d x%d mair %#x sh %u", (unsigned long long)va,
			 w.writable, w.executable, w.mair_attr, w.sh);
		break;
	case KRELOC_XLAT_RX_CODE:
		FZ_CHECK(!w.writable && w.executable && w.mair_attr == 0xff && w.sh == 3,
			 "RX code at %#llx: w%d x%d mair %#x sh %u", (unsigned long long)va,
			 w.writable, w.executable, w.mair_attr, w.sh);
		break;
	default:
		FZ_CHECK(w.writable && !w.executable && w.mair_attr == 0x04,
			 "device at %#llx: w%d x%d mair %#x", (unsigned long long)va, w.writable,
			 w.executable, w.mair_attr);
		break;
	}
	/* the block used must be aligned, hold va, and carry one attribute throughout */
	bend = (u128)w.block_base + w.block_size;
	FZ_CHECK(w.block_size >= (1ULL << x->granule_shift) &&
		 (w.block_size & (w.block_size - 1)) == 0 &&
		 (w.block_base & (w.block_size - 1)) == 0 && va >= w.block_base && va < bend,
		 "block %#llx+%#llx for %#llx", (unsigned long long)w.block_base,
		 (unsigned long long)w.block_size, (unsigned long long)va);
	FZ_CHECK(attr_at(r, n, w.block_base) == want &&
		 attr_at(r, n, (uint64_t)(bend - 1)) == want, "block %#llx+%#llx mixes attributes",
		 (unsigned long long)w.block_base, (unsigned long long)w.block_size);
	for (unsigned int i = 0; i < n; i++) {
		uint64_t edges[2] = { r[i].base, r[i].base + r[i].size };

		for (int k = 0; k < 2; k++)
			if (edges[k] > w.block_base && edges[k] < bend)
				FZ_CHECK(attr_at(r, n, edges[k]) == want &&
					 attr_at(r, n, edges[k] - 1) == want,
					 "region edge %#llx inside block %#llx+%#llx changes attribute",
					 (unsigned long long)edges[k], (unsigned long long)w.block_base,
					 (unsigned long long)w.block_size);
	}
}

static uint64_t scaled(struct fz *f, unsigned int g)
{
	static const unsigned int shifts[] = { 0, 0, 0, 9, 11, 13, 18, 27 };
	uint8_t s = fz_u8(f);

	return (uint64_t)fz_u16(f) << (g + shifts[s & 7]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int gran[] = { 12, 14, 16, 12, 14, 16, 12, 13 };
	static const unsigned int pab[] = { 32, 36, 40, 42, 44, 48, 52, 48, 40, 33 };
	struct kreloc_xlat_region r[MAXR];
	struct kreloc_xlat_config cfg;
	struct kreloc_xlat x, poison;
	struct tables t;
	unsigned int n, count = 0, g;
	uint64_t gsz, lim, rng;
	uint8_t h;
	int err, merr, cerr;
	struct fz f;

	if (!arena) {
		arena = aligned_alloc(1u << 16, ARENA_BYTES);
		FZ_CHECK(arena, "aligned_alloc");
	}
	fz_init(&f, data, size);
	h = fz_u8(&f);
	cfg.granule_shift = gran[h & 7];
	cfg.el = (h >> 3) & 1 ? 2 : 1;
	if ((h >> 3 & 3) == 3)
		cfg.el = fz_u8(&f) & 3;		/* 0..3: mostly invalid */
	cfg.pa_bits = pab[fz_below(&f, KRELOC_ARRAY_SIZE(pab))];
	g = cfg.granule_shift;
	gsz = 1ULL << g;
	lim = 1ULL << (cfg.pa_bits < 48 ? cfg.pa_bits : 48);

	n = fz_u8(&f) % (MAXR + 1);
	for (unsigned int i = 0; i < n; i++) {
		uint8_t m = fz_u8(&f);

		if (i && (m & 3) == 0) {
			/* inside an earlier region: a refinement (or, misaimed, a conflict) */
			const struct kreloc_xlat_region *p = &r[fz_below(&f, i)];
			uint64_t pages = p->size / gsz ? p->size / gsz : 1;
			uint64_t off = fz_below(&f, pages);

			r[i].base = p->base + off * gsz;
			r[i].size = (1 + fz_below(&f, pages - off)) * gsz;
		} else if ((m & 3) == 1) {
			r[i].base = fz_u64(&f);
			r[i].size = fz_u64(&f);
		} else {
			r[i].base = scaled(&f, g);
			r[i].size = scaled(&f, g) + gsz;
		}
		if (m & 4)
			r[i].base += fz_u8(&f) << 12;	/* 4K steps: misaligned for 16K/64K */
		r[i].attr = (m >> 3) & 7 ? 1 + ((m >> 3) & 7) % 3 : (m >> 6);	/* 0 now and then */
	}
	t.gsz = gsz;
	t.cap = (unsigned int)(fz_u16(&f) % (ARENA_BYTES / gsz + 1));
	t.base = fz_u64(&f);
	if (!(fz_u8(&f) & 1))
		t.base &= lim - 1;	/* mostly inside the PA range */
	t.base = KRELOC_ALIGN_DOWN(t.base, gsz);
	t.misalign = fz_u8(&f) == 0xa5;
	t.used = 0;
	rng = fz_u64(&f);

	merr = model_check(&cfg, r, n);
	FZ_SAY("xlat: granule %u el %u pa %u, %u regions: %s\n", g, cfg.el, cfg.pa_bits, n,
	       kreloc_errname(merr));
	cerr = kreloc_xlat_count(&cfg, r, n, &count);
	FZ_CHECK(cerr == merr, "count returned %s (%d), the model %s (%d)", FZ_ERR(cerr),
		 FZ_ERR(merr));
	memset(&poison, 0xa5, sizeof(poison));
	x = poison;
	err = kreloc_xlat_build(&cfg, r, n, table_alloc, &t, &x);
	if (merr) {
		FZ_CHECK(err == merr && t.used == 0, "build returned %s (%d) after %u pages, the model %s (%d)",
			 FZ_ERR(err), t.used, FZ_ERR(merr));
		FZ_CHECK(memcmp(&x, &poison, sizeof(x)) == 0, "output written on failure");
		return 0;
	}
	FZ_CHECK(count >= 1, "count %u", count);
	/* pages are taken in order: the first misaligned, beyond the PA range or missing fails */
	if (t.misalign && t.cap) {
		FZ_CHECK(err == KRELOC_E_INVAL, "misaligned table page: %s (%d)", FZ_ERR(err));
		return 0;
	}
	for (unsigned int k = 0; k < count && k < t.cap; k++) {
		if ((u128)t.base + (u128)(k + 1) * gsz > lim) {
			FZ_CHECK(err == KRELOC_E_XLAT_PA_RANGE, "table page %u at %#llx beyond 2^%u: %s (%d)",
				 k, (unsigned long long)(t.base + k * gsz), cfg.pa_bits, FZ_ERR(err));
			return 0;
		}
	}
	if (count > t.cap) {
		FZ_CHECK(err == KRELOC_E_NOMEM, "%u pages needed, %u offered: %s (%d)", count, t.cap,
			 FZ_ERR(err));
		return 0;
	}
	FZ_CHECK(err == 0, "valid regions refused: %s (%d)", FZ_ERR(err));
	FZ_SAY("xlat: built, %u table pages, va_bits %u, root level %u\n", count, x.va_bits,
	       x.start_level);
	FZ_CHECK(x.table_pages == count && t.used == count && x.root_pa == t.base &&
		 x.granule_shift == g && x.el == cfg.el && x.pa_bits == cfg.pa_bits,
		 "result: %u table pages (count %u, taken %u), root %#llx", x.table_pages, count,
		 t.used, (unsigned long long)x.root_pa);

	for (unsigned int i = 0; i < n; i++) {
		uint64_t b = r[i].base, e = r[i].base + r[i].size;

		check_va(&x, &t, r, n, b);
		check_va(&x, &t, r, n, e - 1);
		check_va(&x, &t, r, n, b + (r[i].size / 2 & ~7ULL));
		if (b)
			check_va(&x, &t, r, n, b - 1);
		check_va(&x, &t, r, n, e);
	}
	for (int k = 0; k < 64; k++) {
		uint64_t v = fz_mix(&rng);

		/* mostly inside the input range, where the interesting holes are */
		check_va(&x, &t, r, n, k & 1 ? v : v & ((1ULL << x.va_bits) - 1));
	}
	return 0;
}
