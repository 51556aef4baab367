// SPDX-License-Identifier: MIT
/*
 * fdt.c - reading the boot-relevant facts out of a device tree and writing
 * /chosen for the next kernel (see fdt.h).
 *
 * Validation is in fdt_check.c: kreloc_fdt_check() validates a blob in
 * full (what fdt_check_full checks), once; the readers check the header,
 * the size and the framing of the structure block (one bounded walk, so
 * that no libfdt walk can run away), read properties over that framing
 * (kreloc_fdt_getprop(), fdt_walk.c) and rely on libfdt's bounds checks for
 * the rest: any libfdt error other than "not found" met in a walk is
 * reported as corruption.  Cells are read byte by byte (fdt32_ld), so no
 * access depends on the alignment of the blob's contents.
 */
#include <libfdt.h>

#include <kreloc/error.h>
#include <kreloc/fdt.h>

#include "fdt_priv.h"

/* A property value equal to the string literal @lit, NUL included. */
#define PROP_IS(val, len, lit) \
	((val) && (len) == (int)sizeof(lit) && memcmp((val), (lit), sizeof(lit)) == 0)

/* Map a libfdt error to a kreloc code. */
static int fdt_err(int err)
{
	switch (err) {
	case -FDT_ERR_NOSPACE:
		return KRELOC_E_FDT_NO_SPACE;
	case -FDT_ERR_BADNCELLS:
		return KRELOC_E_FDT_RANGE;
	default:
		return KRELOC_E_FDT;
	}
}

/* Read a 1- or 2-cell big-endian number. */
static uint64_t read_cells(const fdt32_t *p, int cells)
{
	uint64_t v = 0;

	for (int i = 0; i < cells; i++)
		v = v << 32 | fdt32_ld(p + i);
	return v;
}

/*
 * #address-cells or #size-cells of @node, checked to be 1 or 2.  @fallback
 * is used when the node has no such property.
 */
static int node_cells(const void *fdt, int node, const char *name, int fallback)
{
	const fdt32_t *p;
	int len;
	uint32_t v;

	p = kreloc_fdt_getprop(fdt, node, name, &len);
	if (!p) {
		if (len != -FDT_ERR_NOTFOUND)
			return fdt_err(len);
		v = (uint32_t)fallback;
	} else {
		if (len != 4)
			return KRELOC_E_FDT_RANGE;
		v = fdt32_ld(p);
	}
	if (v != 1 && v != 2)
		return KRELOC_E_FDT_RANGE;
	return (int)v;
}

/* Is a node available (status absent, "okay" or "ok")? */
static bool node_available(const void *fdt, int node)
{
	const char *s;
	int len;

	s = kreloc_fdt_getprop(fdt, node, "status", &len);
	if (!s)
		return true;
	return PROP_IS(s, len, "okay") || PROP_IS(s, len, "ok");
}

typedef int (*range_add_fn)(struct kreloc_memmap *map, uint64_t base, uint64_t size);

/*
 * Decode every <address size> pair of @node's reg with @ac/@sc cells and pass
 * the non-empty ones to @add.  A node without reg adds nothing.
 */
static int add_reg(const void *fdt, int node, int ac, int sc, struct kreloc_memmap *map,
		   range_add_fn add)
{
	const fdt32_t *reg;
	int len, entry = (ac + sc) * 4;

	reg = kreloc_fdt_getprop(fdt, node, "reg", &len);
	if (!reg)
		return len == -FDT_ERR_NOTFOUND ? 0 : fdt_err(len);
	if (len % entry != 0)
		return KRELOC_E_FDT_RANGE;
	for (int off = 0; off < len; off += entry) {
		const fdt32_t *p = reg + off / 4;
		uint64_t base = read_cells(p, ac);
		uint64_t size = read_cells(p + ac, sc);
		int err;

		if (size == 0)
			continue;
		if (base + size < base)	/* wraps; an end of exactly 2^64 wraps to 0 */
			return KRELOC_E_FDT_RANGE;
		err = add(map, base, size);
		if (err)
			return err;
	}
	return 0;
}

/*
 * @s/@len: the node's device_type, as fdt_getprop() gives it.  The name is
 * read where it lies, after the node's tag: the framing check proved it
 * NUL-terminated inside the block; fdt_get_name() proved it again for
 * each child of the root, a third of what reading RAM cost.
 */
static bool is_memory_node(const void *fdt, int node, int depth, const char *s, int len)
{
	if (s)
		return PROP_IS(s, len, "memory");
	if (depth != 1)
		return false;
	s = (const char *)fdt + fdt_off_dt_struct(fdt) + node + 4;
	return kreloc_fdt_name_matches(s, strlen(s), "memory", 6);
}

static int read_ram(const void *fdt, struct kreloc_memmap *map)
{
	int ac, sc, node, depth = 0, len, err;
	const void *type;

	ac = node_cells(fdt, 0, "#address-cells", 2);
	if (ac < 0)
		return ac;
	sc = node_cells(fdt, 0, "#size-cells", 1);
	if (sc < 0)
		return sc;

	/* depth drops below 0 after the root's last descendant: stop there */
	for (node = kreloc_fdt_next_node_prop(fdt, 0, &depth, "device_type", &type, &len);
	     node >= 0 && depth > 0;
	     node = kreloc_fdt_next_node_prop(fdt, node, &depth, "device_type", &type, &len)) {
		if (!is_memory_node(fdt, node, depth, type, len) || !node_available(fdt, node))
			continue;
		err = add_reg(fdt, node, ac, sc, map, kreloc_memmap_add_ram);
		if (err)
			return err;
	}
	if (node < 0 && node != -FDT_ERR_NOTFOUND)
		return fdt_err(node);
	return map->nr_ram ? 0 : KRELOC_E_FDT_NO_MEMORY;
}

/* The reservation map and the children of /reserved-memory (at @rm, if found). */
static int read_reserved(const void *fdt, int rm, struct kreloc_memmap *map)
{
	int n, ac, sc, child, err;

	n = fdt_num_mem_rsv(fdt);
	if (n < 0)
		return fdt_err(n);
	for (int i = 0; i < n; i++) {
		uint64_t base, size;

		err = fdt_get_mem_rsv(fdt, i, &base, &size);
		if (err)
			return fdt_err(err);
		if (size == 0)
			continue;
		if (base + size <= base)
			return KRELOC_E_FDT_RANGE;
		err = kreloc_memmap_add_reserved(map, base, size);
		if (err)
			return err;
	}

	if (rm < 0)
		return 0;
	ac = node_cells(fdt, 0, "#address-cells", 2);
	if (ac < 0)
		return ac;
	sc = node_cells(fdt, 0, "#size-cells", 1);
	if (sc < 0)
		return sc;
	ac = node_cells(fdt, rm, "#address-cells", ac);
	if (ac < 0)
		return ac;
	sc = node_cells(fdt, rm, "#size-cells", sc);
	if (sc < 0)
		return sc;

	fdt_for_each_subnode(child, fdt, rm) {
		if (!node_available(fdt, child))
			continue;
		err = add_reg(fdt, child, ac, sc, map,
			      kreloc_fdt_getprop(fdt, child, "no-map", NULL) ? kreloc_memmap_add_nomap :
									 kreloc_memmap_add_reserved);
		if (err)
			return err;
	}
	if (child != -FDT_ERR_NOTFOUND)
		return fdt_err(child);
	return 0;
}

int kreloc_fdt_read_memmap(const void *fdt, struct kreloc_memmap *map)
{
	int rm, err;

	if (!map)
		return KRELOC_E_INVAL;
	err = kreloc_fdt_check_find(fdt, "reserved-memory", &rm);
	if (err)
		return err;
	kreloc_memmap_init(map);
	err = read_ram(fdt, map);
	if (err)
		return err;
	return read_reserved(fdt, rm, map);
}

/* A 32- or 64-bit property as a number; 1 found, 0 absent, negative error. */
static int read_num_prop(const void *fdt, int node, const char *name, uint64_t *out)
{
	const fdt32_t *p;
	int len;

	p = kreloc_fdt_getprop(fdt, node, name, &len);
	if (!p)
		return len == -FDT_ERR_NOTFOUND ? 0 : fdt_err(len);
	if (len != 4 && len != 8)
		return KRELOC_E_FDT_RANGE;
	*out = read_cells(p, len / 4);
	return 1;
}

int kreloc_fdt_chosen(const void *fdt)
{
	int chosen, err = kreloc_fdt_check_find(fdt, "chosen", &chosen);

	return err ? err : chosen;
}

int kreloc_fdt_chosen_initrd(const void *fdt, uint64_t *start, uint64_t *end)
{
	uint64_t s = 0, e = 0;
	int chosen, hs, he, err;

	if (!start || !end)
		return KRELOC_E_INVAL;
	err = kreloc_fdt_check_find(fdt, "chosen", &chosen);
	if (err)
		return err;
	*start = 0;
	*end = 0;

	if (chosen < 0)
		return 0;
	hs = read_num_prop(fdt, chosen, "linux,initrd-start", &s);
	if (hs < 0)
		return hs;
	he = read_num_prop(fdt, chosen, "linux,initrd-end", &e);
	if (he < 0)
		return he;
	if (hs != he || e < s)
		return KRELOC_E_FDT_RANGE;
	if (!hs || s == e)
		return 0;
	*start = s;
	*end = e;
	return 1;
}

int kreloc_fdt_translate(const void *fdt, int bus, uint64_t *addr)
{
	while (bus != 0) {
		const fdt32_t *r;
		int len, parent, cac, csc, pac, entry, off;

		r = kreloc_fdt_getprop(fdt, bus, "ranges", &len);
		if (!r)
			return len == -FDT_ERR_NOTFOUND ? KRELOC_E_FDT_RANGE : fdt_err(len);
		parent = kreloc_fdt_parent(fdt, bus);
		if (parent < 0)
			return fdt_err(parent);
		if (len == 0) {			/* identity */
			bus = parent;
			continue;
		}
		cac = node_cells(fdt, bus, "#address-cells", 2);
		if (cac < 0)
			return cac;
		csc = node_cells(fdt, bus, "#size-cells", 1);
		if (csc < 0)
			return csc;
		pac = node_cells(fdt, parent, "#address-cells", 2);
		if (pac < 0)
			return pac;
		entry = (cac + pac + csc) * 4;
		if (len % entry != 0)
			return KRELOC_E_FDT_RANGE;
		for (off = 0; off < len; off += entry) {
			const fdt32_t *p = r + off / 4;
			uint64_t child = read_cells(p, cac);
			uint64_t pbase = read_cells(p + cac, pac);
			uint64_t size = read_cells(p + cac + pac, csc);

			if (*addr >= child && *addr - child < size) {
				uint64_t t = pbase + (*addr - child);

				if (t < pbase)
					return KRELOC_E_FDT_RANGE;
				*addr = t;
				break;
			}
		}
		if (off >= len)
			return KRELOC_E_FDT_RANGE;	/* no entry covers it */
		bus = parent;
	}
	return 0;
}

/* The base address of @node's reg; @parent is its parent, or negative to look it up. */
static int node_base(const void *fdt, int node, int parent, uint64_t *base)
{
	const fdt32_t *reg;
	int ac, sc, len, err;
	uint64_t addr;

	if (parent < 0)
		parent = kreloc_fdt_parent(fdt, node);
	if (parent < 0)
		return fdt_err(parent);
	ac = node_cells(fdt, parent, "#address-cells", 2);
	if (ac < 0)
		return ac;
	sc = node_cells(fdt, parent, "#size-cells", 1);
	if (sc < 0)
		return sc;
	reg = kreloc_fdt_getprop(fdt, node, "reg", &len);
	if (!reg)
		return len == -FDT_ERR_NOTFOUND ? KRELOC_E_FDT_RANGE : fdt_err(len);
	if (len < (ac + sc) * 4)
		return KRELOC_E_FDT_RANGE;
	addr = read_cells(reg, ac);
	err = kreloc_fdt_translate(fdt, parent, &addr);
	if (err)
		return err;
	*base = addr;
	return 1;
}

/*
 * The node /chosen (at @chosen, if found) stdout-path names; negative when
 * there is none.  *@parent as for kreloc_fdt_path().
 */
static int stdout_node(const void *fdt, int chosen, int *parent)
{
	const char *path;
	int len, n;

	if (chosen < 0)
		return chosen;
	path = kreloc_fdt_getprop(fdt, chosen, "stdout-path", &len);
	if (!path)
		path = kreloc_fdt_getprop(fdt, chosen, "linux,stdout-path", &len);
	if (!path)
		return len;
	for (n = 0; n < len && path[n] != '\0' && path[n] != ':'; n++)
		;
	if (n == 0)
		return -FDT_ERR_NOTFOUND;
	return kreloc_fdt_path(fdt, path, (size_t)n, parent);
}

int kreloc_fdt_stdout_uart(const void *fdt, uint64_t *base)
{
	int chosen, node, parent = -1, err;

	if (!base)
		return KRELOC_E_INVAL;
	err = kreloc_fdt_check_find(fdt, "chosen", &chosen);
	if (err)
		return err;

	node = stdout_node(fdt, chosen, &parent);
	if (node >= 0)
		return node_base(fdt, node, parent, base);
	/* An unresolvable stdout-path falls back to the first PL011. */
	for (node = fdt_node_offset_by_compatible(fdt, -1, "arm,pl011"); node >= 0;
	     node = fdt_node_offset_by_compatible(fdt, node, "arm,pl011"))
		if (node_available(fdt, node))
			return node_base(fdt, node, -1, base);
	return node == -FDT_ERR_NOTFOUND ? 0 : fdt_err(node);
}

/* Does the string list have an entry beginning with @prefix (of @plen bytes)? */
static bool list_has_prefix(const char *list, int len, const char *prefix, int plen)
{
	int i = 0;

	while (i < len) {
		int n;

		for (n = 0; i + n < len && list[i + n] != '\0'; n++)
			;
		if (n >= plen && memcmp(list + i, prefix, (size_t)plen) == 0)
			return true;
		i += n + 1;
	}
	return false;
}

int kreloc_fdt_psci_method(const void *fdt)
{
	static const char prefix[] = "arm,psci";
	int node, depth = 0, len, err;
	const void *compat;

	err = kreloc_fdt_check_blob(fdt);
	if (err)
		return err;
	/* depth drops below 0 after the root's last descendant: stop there */
	for (node = kreloc_fdt_next_node_prop(fdt, 0, &depth, "compatible", &compat, &len);
	     node >= 0 && depth > 0;
	     node = kreloc_fdt_next_node_prop(fdt, node, &depth, "compatible", &compat, &len)) {
		const char *s = compat;

		if (!s || !list_has_prefix(s, len, prefix, (int)sizeof(prefix) - 1) ||
		    !node_available(fdt, node))
			continue;
		s = kreloc_fdt_getprop(fdt, node, "method", &len);
		if (PROP_IS(s, len, "hvc"))
			return 'h';
		if (PROP_IS(s, len, "smc"))
			return 's';
		return 0;
	}
	if (node < 0 && node != -FDT_ERR_NOTFOUND)
		return fdt_err(node);
	return 0;
}

static bool all_zero(const uint8_t *p, int len)
{
	for (int i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

int kreloc_fdt_seed(const void *fdt, uint8_t *buf, size_t cap, size_t *len)
{
	static const char *const names[] = { "rng-seed", "kaslr-seed" };
	size_t n = 0;
	int chosen, err;

	if (!len || (!buf && cap))
		return KRELOC_E_INVAL;
	err = kreloc_fdt_check_find(fdt, "chosen", &chosen);
	if (err)
		return err;
	*len = 0;

	if (chosen < 0)
		return 0;
	for (size_t i = 0; i < KRELOC_ARRAY_SIZE(names); i++) {
		const uint8_t *p;
		int plen;
		size_t take;

		p = kreloc_fdt_getprop(fdt, chosen, names[i], &plen);
		if (!p) {
			if (plen != -FDT_ERR_NOTFOUND)
				return fdt_err(plen);
			continue;
		}
		if (all_zero(p, plen))
			continue;
		take = cap - n < (size_t)plen ? cap - n : (size_t)plen;
		if (take) {
			memcpy(buf + n, p, take);
			n += take;
		}
	}
	*len = n;
	return 0;
}

size_t kreloc_fdt_used_size(const void *fdt)
{
	size_t end = fdt_off_mem_rsvmap(fdt) + (size_t)(fdt_num_mem_rsv(fdt) + 1) *
		     sizeof(struct fdt_reserve_entry);
	size_t s = (size_t)fdt_off_dt_struct(fdt) + fdt_size_dt_struct(fdt);
	size_t t = (size_t)fdt_off_dt_strings(fdt) + fdt_size_dt_strings(fdt);

	if (s > end)
		end = s;
	if (t > end)
		end = t;
	return end < fdt_totalsize(fdt) ? end : fdt_totalsize(fdt);
}

int kreloc_fdt_prepare(const void *in, void *out, size_t outsz)
{
	size_t size, used;
	int err;

	if (!out)
		return KRELOC_E_INVAL;
	err = kreloc_fdt_check_blob(in);
	if (err)
		return err;
	err = kreloc_fdt_check_layout(in);
	if (err)
		return err;
	used = kreloc_fdt_used_size(in);
	size = outsz < KRELOC_FDT_MAX_SIZE ? outsz : KRELOC_FDT_MAX_SIZE;
	if (size < used + KRELOC_FDT_HEADROOM)
		return KRELOC_E_FDT_NO_SPACE;
	/* Copy the used part only, then let libfdt lay it out in place. */
	memmove(out, in, used);
	fdt_set_totalsize(out, (uint32_t)used);
	err = fdt_open_into(out, out, (int)size);
	return err ? fdt_err(err) : 0;
}

/* Bytes before the NUL, or @max + 1 when there is none within @max bytes. */
static size_t bounded_strlen(const char *s, size_t max)
{
	size_t n;

	for (n = 0; n <= max && s[n] != '\0'; n++)
		;
	return n;
}

/*
 * Append @base/@size as <address size> in @ac/@sc cells to @cells at *@n.
 * Values that do not fit the cells are refused.
 */
static int put_pair(fdt32_t *cells, int *n, int ac, int sc, uint64_t base, uint64_t size)
{
	if ((ac == 1 && base >> 32) || (sc == 1 && size >> 32))
		return KRELOC_E_FDT_RANGE;
	if (ac == 2)
		cells[(*n)++] = cpu_to_fdt32((uint32_t)(base >> 32));
	cells[(*n)++] = cpu_to_fdt32((uint32_t)base);
	if (sc == 2)
		cells[(*n)++] = cpu_to_fdt32((uint32_t)(size >> 32));
	cells[(*n)++] = cpu_to_fdt32((uint32_t)size);
	return 0;
}

static int check_chosen(const struct kreloc_chosen *c)
{
	if (c->bootargs && bounded_strlen(c->bootargs, KRELOC_FDT_BOOTARGS_MAX) >
			   KRELOC_FDT_BOOTARGS_MAX)
		return KRELOC_E_INVAL;
	if (c->initrd_end < c->initrd_start)
		return KRELOC_E_INVAL;
	if (c->rng_seed && c->rng_seed_len > KRELOC_FDT_RNG_SEED_MAX)
		return KRELOC_E_INVAL;
	if (c->nr_usable > KRELOC_FDT_MAX_USABLE)
		return KRELOC_E_INVAL;
	if (c->elfcorehdr.base + c->elfcorehdr.size < c->elfcorehdr.base)
		return KRELOC_E_OVERFLOW;
	for (unsigned int i = 0; i < c->nr_usable; i++) {
		if (c->usable[i].size == 0)
			return KRELOC_E_INVAL;
		if (c->usable[i].base + c->usable[i].size < c->usable[i].base)
			return KRELOC_E_OVERFLOW;
	}
	return 0;
}

/* Properties kreloc_fdt_set_chosen() owns: each is rewritten or removed. */
static const char *const chosen_props[] = {
	"bootargs", "linux,initrd-start", "linux,initrd-end", "kaslr-seed",
	"rng-seed", "linux,elfcorehdr", "linux,usable-memory-range",
};

int kreloc_fdt_set_chosen(void *fdt, const struct kreloc_chosen *c)
{
	/* <address size> pairs: up to 4 cells each */
	fdt32_t elf[4], usable[4 * KRELOC_FDT_MAX_USABLE];
	int nelf = 0, nusable = 0, ac, sc, chosen, err;

	if (!c)
		return KRELOC_E_INVAL;
	err = check_chosen(c);
	if (err)
		return err;
	err = kreloc_fdt_check_find(fdt, "chosen", &chosen);
	if (err)
		return err;

	ac = node_cells(fdt, 0, "#address-cells", 2);
	if (ac < 0)
		return ac;
	sc = node_cells(fdt, 0, "#size-cells", 1);
	if (sc < 0)
		return sc;
	if (c->elfcorehdr.size) {
		err = put_pair(elf, &nelf, ac, sc, c->elfcorehdr.base, c->elfcorehdr.size);
		if (err)
			return err;
	}
	for (unsigned int i = 0; i < c->nr_usable; i++) {
		err = put_pair(usable, &nusable, ac, sc, c->usable[i].base, c->usable[i].size);
		if (err)
			return err;
	}

	if (chosen < 0)
		chosen = fdt_add_subnode(fdt, 0, "chosen");
	if (chosen < 0)
		return fdt_err(chosen);

	/*
	 * Remove first: frees the space the new values need.  Every copy: a
	 * tree may repeat a property name (libfdt's full check allows it), and
	 * a second kaslr-seed left behind would hand a seed on twice.  Found
	 * over the framing (libfdt's edits keep it): fdt_delprop() until "not
	 * found" walked /chosen's properties once more per name through
	 * libfdt's checks, 12,600 instructions in make demo.
	 */
	for (size_t i = 0; i < KRELOC_ARRAY_SIZE(chosen_props); i++)
		while (kreloc_fdt_getprop(fdt, chosen, chosen_props[i], NULL)) {
			err = fdt_delprop(fdt, chosen, chosen_props[i]);
			if (err)
				return fdt_err(err);
		}

	if (c->bootargs) {
		err = fdt_setprop(fdt, chosen, "bootargs", c->bootargs,
				  (int)bounded_strlen(c->bootargs, KRELOC_FDT_BOOTARGS_MAX) + 1);
		if (err)
			return fdt_err(err);
	}
	if (c->initrd_end > c->initrd_start) {
		err = fdt_setprop_u64(fdt, chosen, "linux,initrd-start", c->initrd_start);
		if (!err)
			err = fdt_setprop_u64(fdt, chosen, "linux,initrd-end", c->initrd_end);
		if (err)
			return fdt_err(err);
	}
	if (c->has_kaslr_seed) {
		err = fdt_setprop_u64(fdt, chosen, "kaslr-seed", c->kaslr_seed);
		if (err)
			return fdt_err(err);
	}
	if (c->rng_seed && c->rng_seed_len) {
		err = fdt_setprop(fdt, chosen, "rng-seed", c->rng_seed, (int)c->rng_seed_len);
		if (err)
			return fdt_err(err);
	}
	if (nelf) {
		err = fdt_setprop(fdt, chosen, "linux,elfcorehdr", elf, nelf * 4);
		if (err)
			return fdt_err(err);
	}
	if (nusable) {
		err = fdt_setprop(fdt, chosen, "linux,usable-memory-range", usable, nusable * 4);
		if (err)
			return fdt_err(err);
	}
	return 0;
}
