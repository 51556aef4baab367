// SPDX-License-Identifier: MIT
/*
 * fdt_check.c - validating a device tree blob before anything reads it.
 *
 * libfdt (1.6.1, the version kreloc builds with) trusts a blob more than an
 * untrusted one deserves: a property length of 0xfffffff4 makes
 * fdt_next_tag() return the offset it started from, so every walk of that
 * tree, fdt_check_full() included, never ends; fdt_check_full() dereferences
 * the NULL name fdt_get_name() gives for some version 15 roots.  So before
 * libfdt walks a tree, kreloc walks its structure block once itself, with
 * every length bounded, and accepts only version 17 blobs; kreloc_fdt_check()
 * makes the same walk check what fdt_check_full() would (check_struct()).
 */
#include <libfdt.h>

#include <kreloc/error.h>
#include <kreloc/fdt.h>

#include "fdt_priv.h"


/*
 * The framing of the structure block: the root node at offset 0; known
 * tags only; node names
 * NUL-terminated inside the block; property values inside the block and
 * their name offsets inside the strings block; properties inside a node;
 * nodes balanced; one root, then FDT_END.  Each step moves forward by at
 * least four bytes, so the walk ends; once it has passed, so do libfdt's.
 * On the way, *@node gets the offset of the first child of the root named
 * @name (when @name is not NULL), -FDT_ERR_NOTFOUND without one.
 *
 * @full adds, in the same walk, what fdt_check_full() checks beyond the
 * framing: the root's name is empty, nothing (not even FDT_NOP) lies
 * between the root's end and FDT_END, and every property name is
 * NUL-terminated inside the strings block.  fdt_check_full() finds the
 * same through libfdt's per-byte bounds checks and a string look-up per
 * property: 0.15 M instructions for the shim's 7.7 KB tree, eight times
 * this walk.  tests/fuzz/fuzz_fdt.c holds kreloc_fdt_check() to
 * fdt_check_full()'s verdict.
 */
static int check_struct(const void *fdt, const char *name, int *node, bool full)
{
	const uint8_t *s = (const uint8_t *)fdt + fdt_off_dt_struct(fdt);
	uint64_t size = fdt_size_dt_struct(fdt), off = 0, depth = 0;
	uint32_t strings = fdt_size_dt_strings(fdt), str_end = strings;
	const char *str = (const char *)fdt + fdt_off_dt_strings(fdt);
	uint64_t len = name ? strlen(name) : 0;
	bool root_done = false;

	if (name)
		*node = -FDT_ERR_NOTFOUND;
	/* past the block's last NUL: a name that starts below it is terminated */
	while (full && str_end && str[str_end - 1])
		str_end--;

	if ((uint64_t)fdt_off_dt_struct(fdt) + size > fdt_totalsize(fdt))
		return KRELOC_E_FDT;
	/* the root first: libfdt looks it up at offset 0 */
	if (size < 4 || kreloc_be32_cell(s) != FDT_BEGIN_NODE)
		return KRELOC_E_FDT;
	while (size - off >= 4) {
		uint32_t tag = kreloc_be32_cell(s + off);

		off += 4;
		switch (tag) {
		case FDT_BEGIN_NODE: {
			uint64_t start = off;

			if (root_done)
				return KRELOC_E_FDT;	/* a second root */
			while (off < size && s[off])
				off++;
			if (off == size)
				return KRELOC_E_FDT;	/* name runs off the block */
			if (full && depth == 0 && off != start)
				return KRELOC_E_FDT;	/* the root has a name */
			if (name && depth == 1 && *node < 0 &&
			    kreloc_fdt_name_matches((const char *)s + start, off - start, name, len))
				*node = (int)(start - 4);
			off = KRELOC_ALIGN_UP(off + 1, 4);
			depth++;
			break;
		}
		case FDT_PROP: {
			uint32_t vlen, nameoff;

			if (size - off < 8 || !depth)
				return KRELOC_E_FDT;
			vlen = kreloc_be32_cell(s + off);
			nameoff = kreloc_be32_cell(s + off + 4);
			if (vlen > size - off - 8 || nameoff >= strings || (full && nameoff >= str_end))
				return KRELOC_E_FDT;
			off = KRELOC_ALIGN_UP(off + 8 + vlen, 4);
			break;
		}
		case FDT_END_NODE:
			if (!depth)
				return KRELOC_E_FDT;
			if (--depth == 0)
				root_done = true;
			break;
		case FDT_NOP:
			if (full && root_done)
				return KRELOC_E_FDT;
			break;
		case FDT_END:
			return root_done ? 0 : KRELOC_E_FDT;
		default:
			return KRELOC_E_FDT;
		}
		if (off > size)
			return KRELOC_E_FDT;
	}
	return KRELOC_E_FDT;			/* no FDT_END */
}

/*
 * What kreloc edits: blocks in the usual order without overlap: memory
 * reservation map, structure, strings.  libfdt checks only that each block
 * starts inside the blob; the map has no size field and runs to its zero
 * entry, so a map that runs on into the structure block reads as
 * reservations there, and fdt_open_into() must rebuild a blob whose blocks
 * overlap or are out of order in extra room that kreloc_fdt_prepare() does
 * not promise.
 */
int kreloc_fdt_check_layout(const void *fdt)
{
	int n = fdt_num_mem_rsv(fdt);
	uint64_t rsv_end, st = fdt_off_dt_struct(fdt), str = fdt_off_dt_strings(fdt);

	if (n < 0)
		return KRELOC_E_FDT;
	rsv_end = fdt_off_mem_rsvmap(fdt) + ((uint64_t)n + 1) * sizeof(struct fdt_reserve_entry);
	if (rsv_end > st || st + fdt_size_dt_struct(fdt) > str)
		return KRELOC_E_FDT;
	return 0;
}

/*
 * Header, size, version and framing, and (when @full) all of it, of a blob
 * in @len bytes; @name and @node as for check_struct().
 */
static int check_len(const void *fdt, size_t len, bool full, const char *name, int *node)
{
	int err;

	if (!fdt)
		return KRELOC_E_INVAL;
	if (len < sizeof(struct fdt_header) || fdt_check_header(fdt) != 0)
		return KRELOC_E_FDT;
	if (fdt_totalsize(fdt) > KRELOC_FDT_MAX_SIZE)
		return KRELOC_E_FDT_TOO_LARGE;
	/*
	 * Version 17 only: older blobs have no structure size, and libfdt
	 * bounds neither their string offsets (fdt_open_into() can turn a
	 * valid version 16 blob into an invalid version 17 one) nor, for
	 * version 15, the names fdt_check_full() dereferences.
	 */
	if (fdt_totalsize(fdt) > len || fdt_version(fdt) < 17)
		return KRELOC_E_FDT;
	err = check_struct(fdt, name, node, full);
	if (err || !full)
		return err;
	return kreloc_fdt_check_layout(fdt);
}

int kreloc_fdt_check(const void *fdt, size_t len)
{
	return check_len(fdt, len, true, NULL, NULL);
}

int kreloc_fdt_check_find(const void *fdt, const char *name, int *node)
{
	if (!fdt)
		return KRELOC_E_INVAL;
	if (fdt_check_header(fdt) != 0)
		return KRELOC_E_FDT;
	return check_len(fdt, fdt_totalsize(fdt), false, name, node);
}

int kreloc_fdt_check_blob(const void *fdt)
{
	return kreloc_fdt_check_find(fdt, NULL, NULL);
}

/* Header fields, read byte by byte (any alignment, any memory type). */
#define HDR_MAGIC		0
#define HDR_TOTALSIZE		4
#define HDR_OFF_STRUCT		8
#define HDR_OFF_STRINGS		12
#define HDR_OFF_RSVMAP		16
#define HDR_VERSION		20
#define HDR_SIZE_STRINGS	32
#define HDR_SIZE_STRUCT		36
#define HDR_SIZE_V17		40

static uint32_t hdr(const void *fdt, unsigned int off)
{
	return kreloc_be32((const uint8_t *)fdt + off);
}

int64_t kreloc_fdt_read_extent(const void *fdt)
{
	uint64_t total, end, str_end;

	if (!fdt)
		return KRELOC_E_INVAL;
	if (hdr(fdt, HDR_MAGIC) != FDT_MAGIC || hdr(fdt, HDR_VERSION) < 17)
		return KRELOC_E_FDT;
	total = hdr(fdt, HDR_TOTALSIZE);
	end = (uint64_t)hdr(fdt, HDR_OFF_STRUCT) + hdr(fdt, HDR_SIZE_STRUCT);
	str_end = (uint64_t)hdr(fdt, HDR_OFF_STRINGS) + hdr(fdt, HDR_SIZE_STRINGS);
	if (str_end > end)
		end = str_end;
	if (end < HDR_SIZE_V17 || end > total)
		return KRELOC_E_FDT;
	if (total <= KRELOC_FDT_MAX_SIZE)
		return (int64_t)total;
	return end <= KRELOC_FDT_MAX_SIZE ? (int64_t)end : KRELOC_E_FDT_TOO_LARGE;
}

int kreloc_fdt_copy_blocks(const void *fdt, void *buf, size_t bufsize)
{
	/* header, then an empty reservation map (one zero entry), 8-aligned */
	const uint64_t st = KRELOC_ALIGN_UP(HDR_SIZE_V17 + sizeof(struct fdt_reserve_entry), 8);
	uint32_t ssize, strsize;
	uint8_t *out = buf;
	int64_t extent = kreloc_fdt_read_extent(fdt);

	if (extent < 0)
		return (int)extent;
	if (!buf)
		return KRELOC_E_INVAL;
	ssize = hdr(fdt, HDR_SIZE_STRUCT);
	strsize = hdr(fdt, HDR_SIZE_STRINGS);
	if (st + ssize + strsize > bufsize)
		return KRELOC_E_FDT_TOO_LARGE;
	memset(out, 0, st);
	memcpy(out, fdt, HDR_SIZE_V17);
	memcpy(out + st, (const uint8_t *)fdt + hdr(fdt, HDR_OFF_STRUCT), ssize);
	memcpy(out + st + ssize, (const uint8_t *)fdt + hdr(fdt, HDR_OFF_STRINGS), strsize);
	fdt_set_off_mem_rsvmap(out, HDR_SIZE_V17);
	fdt_set_off_dt_struct(out, (uint32_t)st);
	fdt_set_off_dt_strings(out, (uint32_t)(st + ssize));
	fdt_set_totalsize(out, (uint32_t)(st + ssize + strsize));
	return 0;
}
