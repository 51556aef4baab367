// SPDX-License-Identifier: MIT
/*
 * fuzz_fdt.c - libFuzzer target: reading a device tree and editing /chosen.
 *
 * Input: a device tree blob; bytes past its totalsize (if any) choose the
 * /chosen values and buffer sizes.  Then:
 *  - kreloc_fdt_check() must agree with libfdt's own full check;
 *  - a blob that passes only the header check is read the way the shim reads
 *    its incoming tree before validating it (PSCI method, console UART):
 *    nothing may crash and only documented codes may come back;
 *  - a valid blob is read (memory map, initrd, console, PSCI, GICv3
 *    redistributor regions, seeds; the memory map must be sorted, merged
 *    and non-wrapping, the regions whole 64 KiB pages that do not wrap), copied for editing
 *    with kreloc_fdt_prepare() (the copy must pass the full check and read
 *    the same), and /chosen is written with kreloc_fdt_set_chosen(): after
 *    success the tree passes the full check, every value reads back exactly,
 *    deleted properties are gone, other /chosen properties are unchanged and
 *    the memory map, console and PSCI method read as before; after a refusal
 *    of the values or the cells the tree is untouched; after NO_SPACE it
 *    still passes the full check;
 *  - with the documented headroom only (KRELOC_FDT_HEADROOM), writing every
 *    field at its maximum must not run out of space.
 */
#include <libfdt.h>

#include <kreloc/fdt.h>
#include <kreloc/gic.h>
#include <kreloc/memmap.h>

#include "fuzz.h"

static const char *const owned[] = {
	"bootargs", "linux,initrd-start", "linux,initrd-end", "kaslr-seed",
	"rng-seed", "linux,elfcorehdr", "linux,usable-memory-range",
};

static bool is_owned(const char *name)
{
	for (size_t i = 0; i < KRELOC_ARRAY_SIZE(owned); i++)
		if (strcmp(name, owned[i]) == 0)
			return true;
	return false;
}

static bool is_code(int err, const int *ok, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (err == ok[i])
			return true;
	return false;
}

#define READ_CODES(err) is_code(err, (const int[]){ KRELOC_E_FDT, KRELOC_E_FDT_TOO_LARGE, \
	KRELOC_E_FDT_RANGE, KRELOC_E_FDT_NO_MEMORY, KRELOC_E_NOSPACE, KRELOC_E_OVERFLOW }, 6)

/* Everything the readers say about a tree, for before/after comparisons. */
struct facts {
	int mm_err;
	struct kreloc_memmap map;
	int initrd;
	uint64_t istart, iend;
	int uart;
	uint64_t uart_base;
	int psci;
	int gic;
	struct kreloc_gicv3 gicv3;
};

static void read_facts(const void *fdt, struct facts *x)
{
	memset(x, 0, sizeof(*x));
	x->mm_err = kreloc_fdt_read_memmap(fdt, &x->map);
	FZ_CHECK(x->mm_err == 0 || READ_CODES(x->mm_err), "read_memmap: %s (%d)",
		 FZ_ERR(x->mm_err));
	x->initrd = kreloc_fdt_chosen_initrd(fdt, &x->istart, &x->iend);
	FZ_CHECK(x->initrd == 0 || x->initrd == 1 || READ_CODES(x->initrd),
		 "chosen_initrd: %d", x->initrd);
	if (x->initrd == 1)
		FZ_CHECK(x->iend > x->istart, "initrd %#llx..%#llx",
			 (unsigned long long)x->istart, (unsigned long long)x->iend);
	x->uart = kreloc_fdt_stdout_uart(fdt, &x->uart_base);
	FZ_CHECK(x->uart == 0 || x->uart == 1 || READ_CODES(x->uart), "stdout_uart: %d", x->uart);
	if (x->uart != 1)
		x->uart_base = 0;
	x->psci = kreloc_fdt_psci_method(fdt);
	FZ_CHECK(x->psci == 0 || x->psci == 'h' || x->psci == 's' || READ_CODES(x->psci),
		 "psci_method: %d", x->psci);
	x->gic = kreloc_fdt_gicv3(fdt, &x->gicv3);
	FZ_CHECK(x->gic == 0 || x->gic == 1 || x->gic == KRELOC_E_GIC_REDIST || READ_CODES(x->gic),
		 "gicv3: %d", x->gic);
	if (x->gic != 1) {
		memset(&x->gicv3, 0, sizeof(x->gicv3));
		return;
	}
	FZ_CHECK(x->gicv3.nr_redist >= 1 && x->gicv3.nr_redist <= KRELOC_GIC_MAX_REDIST_REGIONS,
		 "gicv3: %u regions", x->gicv3.nr_redist);
	for (unsigned int i = 0; i < x->gicv3.nr_redist; i++) {
		const struct kreloc_range *r = &x->gicv3.redist[i];

		FZ_CHECK(r->size && r->base + r->size > r->base && !(r->base & 0xffff) &&
			 !(r->size & 0xffff), "gicv3: region %u %#llx+%#llx", i,
			 (unsigned long long)r->base, (unsigned long long)r->size);
	}
}

static void check_ranges(const struct kreloc_range *r, unsigned int n, const char *what)
{
	for (unsigned int i = 0; i < n; i++) {
		FZ_CHECK(r[i].size && r[i].base + r[i].size > r[i].base, "%s %u empty or wraps",
			 what, i);
		if (i)
			FZ_CHECK(r[i - 1].base + r[i - 1].size < r[i].base,
				 "%s %u not sorted, disjoint and merged", what, i);
	}
}

static void same_facts(const struct facts *a, const struct facts *b, const char *when)
{
	FZ_CHECK(a->mm_err == b->mm_err, "%s: memory map %d then %d", when, a->mm_err, b->mm_err);
	if (!a->mm_err)
		FZ_CHECK(a->map.nr_ram == b->map.nr_ram && a->map.nr_reserved == b->map.nr_reserved &&
			 memcmp(a->map.ram, b->map.ram, a->map.nr_ram * sizeof(a->map.ram[0])) == 0 &&
			 memcmp(a->map.reserved, b->map.reserved,
				a->map.nr_reserved * sizeof(a->map.reserved[0])) == 0,
			 "%s: memory map changed", when);
	FZ_CHECK(a->uart == b->uart && a->uart_base == b->uart_base, "%s: console %d/%#llx then %d/%#llx",
		 when, a->uart, (unsigned long long)a->uart_base, b->uart,
		 (unsigned long long)b->uart_base);
	FZ_CHECK(a->psci == b->psci, "%s: PSCI %d then %d", when, a->psci, b->psci);
	FZ_CHECK(a->gic == b->gic && !memcmp(&a->gicv3, &b->gicv3, sizeof(a->gicv3)),
		 "%s: GICv3 %d then %d", when, a->gic, b->gic);
}

/* Root cells as set_chosen reads them (0: not 1 or 2). */
static int root_cells(const void *fdt, const char *name, int dflt)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, 0, name, &len);
	uint32_t v;

	if (!p)
		return dflt;
	if (len != 4)
		return 0;
	v = fdt32_ld(p);
	return v == 1 || v == 2 ? (int)v : 0;
}

static void expect_pairs(const void *fdt, int chosen, const char *name, const struct kreloc_range *r,
			 unsigned int n, int ac, int sc)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, chosen, name, &len);
	unsigned int k = 0;

	if (!n) {
		FZ_CHECK(!p, "%s still present", name);
		return;
	}
	FZ_CHECK(p && len == (int)n * (ac + sc) * 4, "%s: length %d", name, len);
	for (unsigned int i = 0; i < n; i++) {
		uint64_t b = 0, s = 0;

		for (int c = 0; c < ac; c++)
			b = b << 32 | fdt32_ld(p + k++);
		for (int c = 0; c < sc; c++)
			s = s << 32 | fdt32_ld(p + k++);
		FZ_CHECK(b == r[i].base && s == r[i].size, "%s[%u] reads %#llx+%#llx", name, i,
			 (unsigned long long)b, (unsigned long long)s);
	}
}

/* After a successful set_chosen: the values read back, the rest is as before. */
static void check_written(const void *before, const void *fdt, const struct kreloc_chosen *c,
			  const struct facts *was)
{
	struct facts now;
	int chosen = fdt_path_offset(fdt, "/chosen"), old, off, len, ac, sc, r;
	const void *p;
	uint64_t s, e;

	FZ_CHECK(kreloc_fdt_check(fdt, fdt_totalsize(fdt)) == 0, "edited tree fails the full check");
	FZ_CHECK(chosen >= 0, "no /chosen after set_chosen");
	p = fdt_getprop(fdt, chosen, "bootargs", &len);
	if (c->bootargs)
		FZ_CHECK(p && len == (int)strlen(c->bootargs) + 1 && memcmp(p, c->bootargs, len) == 0,
			 "bootargs read back wrong (len %d)", len);
	else
		FZ_CHECK(!p, "bootargs not deleted");
	r = kreloc_fdt_chosen_initrd(fdt, &s, &e);
	if (c->initrd_end > c->initrd_start)
		FZ_CHECK(r == 1 && s == c->initrd_start && e == c->initrd_end,
			 "initrd reads %d %#llx..%#llx", r, (unsigned long long)s,
			 (unsigned long long)e);
	else
		FZ_CHECK(r == 0 && !fdt_getprop(fdt, chosen, "linux,initrd-start", NULL) &&
			 !fdt_getprop(fdt, chosen, "linux,initrd-end", NULL), "initrd not deleted");
	p = fdt_getprop(fdt, chosen, "kaslr-seed", &len);
	if (c->has_kaslr_seed)
		FZ_CHECK(p && len == 8 && fdt64_ld(p) == c->kaslr_seed, "kaslr-seed reads back wrong");
	else
		FZ_CHECK(!p, "kaslr-seed not deleted");
	p = fdt_getprop(fdt, chosen, "rng-seed", &len);
	if (c->rng_seed && c->rng_seed_len)
		FZ_CHECK(p && len == (int)c->rng_seed_len && memcmp(p, c->rng_seed, len) == 0,
			 "rng-seed reads back wrong");
	else
		FZ_CHECK(!p, "rng-seed not deleted");
	ac = root_cells(fdt, "#address-cells", 2);
	sc = root_cells(fdt, "#size-cells", 1);
	expect_pairs(fdt, chosen, "linux,elfcorehdr", &c->elfcorehdr, c->elfcorehdr.size ? 1 : 0,
		     ac, sc);
	expect_pairs(fdt, chosen, "linux,usable-memory-range", c->usable, c->nr_usable, ac, sc);

	/* every other /chosen property of the old tree survives, unchanged and in order */
	old = fdt_path_offset(before, "/chosen");
	off = fdt_first_property_offset(fdt, chosen);
	if (old >= 0) {
		int ooff;

		fdt_for_each_property_offset(ooff, before, old) {
			const char *name, *wname = NULL;
			const void *v = fdt_getprop_by_offset(before, ooff, &name, &len);
			const void *w = NULL;
			int wlen = -1;

			if (!v || is_owned(name))
				continue;
			for (; off >= 0; off = fdt_next_property_offset(fdt, off)) {
				w = fdt_getprop_by_offset(fdt, off, &wname, &wlen);
				if (w && !is_owned(wname))
					break;
			}
			FZ_CHECK(off >= 0 && strcmp(name, wname) == 0 && wlen == len &&
				 memcmp(v, w, len) == 0, "/chosen property '%s' lost or changed", name);
			off = fdt_next_property_offset(fdt, off);
		}
	}
	for (; off >= 0; off = fdt_next_property_offset(fdt, off)) {
		const char *wname = "?";

		FZ_CHECK(fdt_getprop_by_offset(fdt, off, &wname, &len) && is_owned(wname),
			 "new /chosen property '%s'", wname);
	}
	read_facts(fdt, &now);
	same_facts(was, &now, "after set_chosen");
}

static void fill_chosen(struct fz *f, struct kreloc_chosen *c, char *args, uint8_t *rng)
{
	uint8_t m = fz_u8(f);
	size_t n;

	memset(c, 0, sizeof(*c));
	if (m & 1) {
		n = fz_u16(f) % (KRELOC_FDT_BOOTARGS_MAX + 2);	/* one too long now and then */
		for (size_t i = 0; i < n; i++)
			args[i] = (char)(' ' + (i * 7 + n) % 95);
		args[n] = '\0';
		c->bootargs = args;
	}
	if (m & 2) {
		c->initrd_start = fz_scaled(f);
		c->initrd_end = c->initrd_start + (fz_scaled(f) >> 32);
		if (m & 0x80)
			c->initrd_end = fz_u64(f);	/* maybe below start */
	}
	if (m & 4) {
		c->has_kaslr_seed = true;
		c->kaslr_seed = fz_u64(f);
	}
	if (m & 8) {
		c->rng_seed_len = fz_u16(f) % (KRELOC_FDT_RNG_SEED_MAX + 2);
		for (size_t i = 0; i < c->rng_seed_len && i < KRELOC_FDT_RNG_SEED_MAX + 1; i++)
			rng[i] = (uint8_t)(i * 13 + 1);
		c->rng_seed = rng;
	}
	if (m & 0x10) {
		c->elfcorehdr.base = fz_scaled(f);
		c->elfcorehdr.size = fz_scaled(f);
	}
	if (m & 0x20) {
		c->nr_usable = fz_u8(f) % (KRELOC_FDT_MAX_USABLE + 2);
		for (unsigned int i = 0; i < c->nr_usable && i < KRELOC_FDT_MAX_USABLE; i++) {
			c->usable[i].base = fz_scaled(f);
			c->usable[i].size = fz_scaled(f);
		}
	}
}

/* Every field at its maximum, small numbers (they fit 1-cell roots too). */
static void max_chosen(struct kreloc_chosen *c, char *args, uint8_t *rng)
{
	memset(c, 0, sizeof(*c));
	memset(args, 'x', KRELOC_FDT_BOOTARGS_MAX);
	args[KRELOC_FDT_BOOTARGS_MAX] = '\0';
	c->bootargs = args;
	c->initrd_start = 0x48000000;
	c->initrd_end = 0x49000000;
	c->has_kaslr_seed = true;
	c->kaslr_seed = 0x0123456789abcdefULL;
	memset(rng, 0x5a, KRELOC_FDT_RNG_SEED_MAX);
	c->rng_seed = rng;
	c->rng_seed_len = KRELOC_FDT_RNG_SEED_MAX;
	c->elfcorehdr.base = 0x50000000;
	c->elfcorehdr.size = 0x10000;
	c->nr_usable = KRELOC_FDT_MAX_USABLE;
	c->usable[0].base = 0x60000000;
	c->usable[0].size = 0x1000000;
	c->usable[1].base = 0x70000000;
	c->usable[1].size = 0x2000000;
}

static void edit(struct fz *f, const uint8_t *blob, const struct facts *was)
{
	static char args[KRELOC_FDT_BOOTARGS_MAX + 2];
	static uint8_t rng[KRELOC_FDT_RNG_SEED_MAX + 2];
	size_t used = kreloc_fdt_used_size(blob), outsz;
	struct kreloc_chosen c;
	uint8_t *out, *copy;
	struct facts again;
	int err;

	FZ_CHECK(used <= fdt_totalsize(blob) && used >= sizeof(struct fdt_header),
		 "used size %zu of %u", used, fdt_totalsize(blob));

	/* the documented headroom is enough for every field at its maximum */
	out = malloc(used + KRELOC_FDT_HEADROOM);
	FZ_CHECK(out, "malloc");
	err = kreloc_fdt_prepare(blob, out, used + KRELOC_FDT_HEADROOM);
	if (used + KRELOC_FDT_HEADROOM > KRELOC_FDT_MAX_SIZE) {
		FZ_CHECK(err == KRELOC_E_FDT_NO_SPACE, "prepare beyond 2 MiB: %s (%d)", FZ_ERR(err));
	} else {
		FZ_CHECK(err == 0, "prepare with the headroom: %s (%d)", FZ_ERR(err));
		FZ_CHECK(kreloc_fdt_check(out, used + KRELOC_FDT_HEADROOM) == 0,
			 "prepared copy fails the full check");
		read_facts(out, &again);
		same_facts(was, &again, "after prepare");
		max_chosen(&c, args, rng);
		copy = malloc(used + KRELOC_FDT_HEADROOM);
		FZ_CHECK(copy, "malloc");
		memcpy(copy, out, used + KRELOC_FDT_HEADROOM);
		err = kreloc_fdt_set_chosen(out, &c);
		if (root_cells(out, "#address-cells", 2) && root_cells(out, "#size-cells", 1))
			FZ_CHECK(err == 0, "every field at its maximum in the headroom: %s (%d)",
				 FZ_ERR(err));
		else
			FZ_CHECK(err == KRELOC_E_FDT_RANGE && !memcmp(copy, out, used + KRELOC_FDT_HEADROOM),
				 "bad root cells: %s (%d)", FZ_ERR(err));
		if (!err)
			check_written(copy, out, &c, was);
		free(copy);
	}
	free(out);

	/* values and room from the input */
	outsz = used + fz_below(f, 2 * KRELOC_FDT_HEADROOM);
	out = malloc(outsz);
	FZ_CHECK(out, "malloc");
	err = kreloc_fdt_prepare(blob, out, outsz);
	if (err) {
		FZ_CHECK(err == KRELOC_E_FDT_NO_SPACE &&
			 (outsz < used + KRELOC_FDT_HEADROOM ||
			  used + KRELOC_FDT_HEADROOM > KRELOC_FDT_MAX_SIZE),
			 "prepare into %zu: %s (%d)", outsz, FZ_ERR(err));
		free(out);
		return;
	}
	fill_chosen(f, &c, args, rng);
	copy = malloc(outsz);
	FZ_CHECK(copy, "malloc");
	memcpy(copy, out, outsz);
	err = kreloc_fdt_set_chosen(out, &c);
	if (err == 0)
		check_written(copy, out, &c, was);
	else if (err == KRELOC_E_FDT_NO_SPACE)
		FZ_CHECK(kreloc_fdt_check(out, fdt_totalsize(out)) == 0,
			 "tree invalid after running out of space");
	else
		FZ_CHECK((err == KRELOC_E_INVAL || err == KRELOC_E_OVERFLOW ||
			  err == KRELOC_E_FDT_RANGE) && memcmp(copy, out, outsz) == 0,
			 "set_chosen: %s (%d), tree %s", FZ_ERR(err),
			 memcmp(copy, out, outsz) ? "changed" : "untouched");
	free(copy);
	free(out);
}

/*
 * The structure block's framing, the model: a root at offset 0, every tag
 * known, names and values inside the block, name offsets inside the strings
 * block, balanced nodes, then only NOPs up to FDT_END.
 */
static bool framed(const uint8_t *b)
{
	const uint8_t *s = b + fdt_off_dt_struct(b);
	size_t n = fdt_size_dt_struct(b), p = 0;
	long depth = 0;
	int roots = 0;

	if (fdt_off_dt_struct(b) + (uint64_t)n > fdt_totalsize(b))
		return false;
	while (p + 4 <= n) {
		uint32_t tag = fdt32_ld((const fdt32_t *)(s + p));
		const uint8_t *nul;

		if (p == 0 && tag != FDT_BEGIN_NODE)
			return false;
		p += 4;
		if (tag == FDT_END)
			return roots == 1 && depth == 0;
		if (tag == FDT_NOP)
			continue;
		if (tag == FDT_END_NODE) {
			if (--depth < 0)
				return false;
			continue;
		}
		if (tag == FDT_BEGIN_NODE) {
			if (depth++ == 0 && roots++)
				return false;
			nul = memchr(s + p, 0, n - p);
			if (!nul)
				return false;
			p = (size_t)(nul - s + 1 + 3) / 4 * 4;
		} else if (tag == FDT_PROP) {
			uint32_t len, name;

			if (depth == 0 || n - p < 8)
				return false;
			len = fdt32_ld((const fdt32_t *)(s + p));
			name = fdt32_ld((const fdt32_t *)(s + p + 4));
			if ((uint64_t)p + 8 + len > n || name >= fdt_size_dt_strings(b))
				return false;
			p = (p + 8 + len + 3) / 4 * 4;
		} else {
			return false;
		}
		if (p > n)
			return false;
	}
	return false;
}

/* Version 17; reservation map (to its zero entry), structure, strings: in order, disjoint. */
static bool blocks_in_order(const uint8_t *b)
{
	uint64_t rsv = fdt_off_mem_rsvmap(b), st = fdt_off_dt_struct(b);
	uint64_t str = fdt_off_dt_strings(b);
	uint64_t e = rsv;

	if (fdt_version(b) < 17 || fdt32_ld((const fdt32_t *)(b + st)) != FDT_BEGIN_NODE)
		return false;		/* no structure size, or no root node */
	for (;;) {
		if (e + 16 > fdt_totalsize(b))
			return false;
		e += 16;
		if (fdt64_ld((const fdt64_t *)(b + e - 8)) == 0)
			break;
	}
	return e <= st && st + fdt_size_dt_struct(b) <= str;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *blob;
	struct facts was;
	struct fz f;
	int err, want;
	size_t total;

	/* an exact-size, 8-byte aligned copy: ASan sees any read past it */
	blob = malloc(size ? size : 1);
	FZ_CHECK(blob, "malloc");
	memcpy(blob, data, size);

	err = kreloc_fdt_check(blob, size);
	if (size < sizeof(struct fdt_header) || fdt_check_header(blob) != 0)
		want = KRELOC_E_FDT;
	else if (fdt_totalsize(blob) > KRELOC_FDT_MAX_SIZE)
		want = KRELOC_E_FDT_TOO_LARGE;
	else if (fdt_totalsize(blob) > size || fdt_version(blob) < 17 || !framed(blob) ||
		 fdt_check_full(blob, size) != 0)	/* libfdt 1.6.1 hangs or crashes on some */
		want = KRELOC_E_FDT;
	else
		want = blocks_in_order(blob) ? 0 : KRELOC_E_FDT;
	FZ_CHECK(err == want, "check returned %s (%d), libfdt says %s (%d)", FZ_ERR(err),
		 FZ_ERR(want));

	if (size >= sizeof(struct fdt_header) && fdt_check_header(blob) == 0 &&
	    fdt_totalsize(blob) <= size) {
		/* the shim reads its incoming tree before the full check */
		read_facts(blob, &was);
		if (was.mm_err == 0) {
			check_ranges(was.map.ram, was.map.nr_ram, "RAM");
			check_ranges(was.map.reserved, was.map.nr_reserved, "reserved");
			FZ_CHECK(was.map.nr_ram > 0, "memory map without RAM");
		}
	}
	if (err == 0) {
		uint8_t seed[64];
		size_t slen = 99;

		total = fdt_totalsize(blob);
		fz_init(&f, data + total, size - total);
		err = kreloc_fdt_seed(blob, seed, fz_below(&f, sizeof(seed) + 1), &slen);
		FZ_CHECK(err == 0 && slen <= sizeof(seed), "seed: %s (%d), %zu bytes", FZ_ERR(err),
			 slen);
		edit(&f, blob, &was);
	}
	free(blob);
	return 0;
}
