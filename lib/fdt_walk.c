// SPDX-License-Identifier: MIT
/*
 * fdt_walk.c - walks of the structure block of a blob that passed
 * kreloc_fdt_check_blob(), for the lookups the shim makes before every
 * hand-off (see fdt_priv.h).
 *
 * libfdt bounds-checks every tag and every byte of every node name through
 * fdt_offset_ptr(), and a property lookup reads the header and bounds each
 * property's name again; a lookup per node over the whole tree is a walk
 * per node.  These walks rely on the framing the check proved (tags known,
 * lengths and name offsets inside their blocks, nodes balanced) and still
 * bound every step by the block's size.
 */
#include <libfdt.h>

#include <kreloc/error.h>
#include <kreloc/fdt.h>

#include "fdt_priv.h"

/* Nodes open on the way that kreloc_fdt_parent() keeps; deeper, libfdt looks. */
#define PARENT_DEPTH	32

struct block {
	const uint8_t *s;	/* structure block */
	uint64_t size;
	const char *str;	/* strings block */
	uint64_t str_size;
	uint64_t str_end;	/* past its last NUL: a name below it is terminated */
};

static void block_init(struct block *b, const void *fdt)
{
	b->s = (const uint8_t *)fdt + fdt_off_dt_struct(fdt);
	b->size = fdt_size_dt_struct(fdt);
	b->str = (const char *)fdt + fdt_off_dt_strings(fdt);
	b->str_size = fdt_size_dt_strings(fdt);
	for (b->str_end = b->str_size; b->str_end && b->str[b->str_end - 1]; b->str_end--)
		;
}

static uint32_t u32_at(const struct block *b, uint64_t off)
{
	return kreloc_be32_cell(b->s + off);
}

/* The offset past the name of the node whose FDT_BEGIN_NODE is at @off. */
static uint64_t past_name(const struct block *b, uint64_t off)
{
	for (off += 4; off < b->size && b->s[off]; off++)
		;
	return KRELOC_ALIGN_UP(off + 1, 4);
}

int kreloc_fdt_parent(const void *fdt, int node)
{
	struct block b;
	uint64_t off = 0;
	int open[PARENT_DEPTH];
	unsigned int depth = 0;

	block_init(&b, fdt);
	while (node >= 0 && off <= (uint64_t)node && b.size - off >= 4) {
		switch (u32_at(&b, off)) {
		case FDT_BEGIN_NODE:
			if (off == (uint64_t)node)
				return depth ? open[depth - 1] : -FDT_ERR_NOTFOUND;
			if (depth == PARENT_DEPTH)
				return fdt_parent_offset(fdt, node);
			open[depth++] = (int)off;
			off = past_name(&b, off);
			break;
		case FDT_PROP:
			if (b.size - off < 12)
				return -FDT_ERR_BADSTRUCTURE;
			off = KRELOC_ALIGN_UP(off + 12 + u32_at(&b, off + 4), 4);
			break;
		case FDT_END_NODE:
			if (!depth)
				return -FDT_ERR_BADSTRUCTURE;
			depth--;
			off += 4;
			break;
		case FDT_NOP:
			off += 4;
			break;
		default:
			return -FDT_ERR_BADOFFSET;
		}
	}
	return -FDT_ERR_BADOFFSET;
}

/* Is the (terminated) string at @nameoff in the strings block @name? */
static bool name_is(const struct block *b, uint32_t nameoff, const char *name)
{
	const char *p = b->str + nameoff;

	for (; *p == *name; p++, name++)
		if (!*name)
			return true;
	return false;
}

/*
 * The properties of the node whose name ends at @off: the first named
 * @name into *@val and *@len (NULL and -FDT_ERR_NOTFOUND without one).
 * Returns the offset of the tag after them, or a negative libfdt error.
 */
static int64_t scan_props(const struct block *b, uint64_t off, const char *name,
			  const void **val, int *len)
{
	*val = NULL;
	*len = -FDT_ERR_NOTFOUND;
	while (b->size - off >= 4) {
		uint32_t tag = u32_at(b, off);

		if (tag == FDT_NOP) {
			off += 4;
			continue;
		}
		if (tag != FDT_PROP)
			return (int64_t)off;
		if (b->size - off < 12)
			return -FDT_ERR_BADSTRUCTURE;
		/* a name not terminated in the block matches nothing, as in libfdt */
		if (!*val && u32_at(b, off + 8) < b->str_end && name_is(b, u32_at(b, off + 8), name)) {
			*val = b->s + off + 12;
			*len = (int)u32_at(b, off + 4);
		}
		off = KRELOC_ALIGN_UP(off + 12 + u32_at(b, off + 4), 4);
	}
	return -FDT_ERR_BADSTRUCTURE;
}

const void *kreloc_fdt_getprop(const void *fdt, int node, const char *name, int *lenp)
{
	struct block b;
	const void *val;
	int len;

	block_init(&b, fdt);
	if (node < 0 || (uint64_t)node >= b.size || b.size - (uint64_t)node < 4 ||
	    u32_at(&b, (uint64_t)node) != FDT_BEGIN_NODE)
		len = -FDT_ERR_BADOFFSET, val = NULL;
	else if (scan_props(&b, past_name(&b, (uint64_t)node), name, &val, &len) < 0)
		len = -FDT_ERR_BADSTRUCTURE, val = NULL;
	if (lenp)
		*lenp = len;
	return val;
}

int kreloc_fdt_next_node_prop(const void *fdt, int node, int *depth, const char *name,
			      const void **val, int *len)
{
	struct block b;
	int64_t off;

	block_init(&b, fdt);
	if (node < 0) {
		off = 0;		/* the root itself */
		*depth = -1;
	} else {
		if ((uint64_t)node >= b.size || b.size - (uint64_t)node < 4 ||
		    u32_at(&b, (uint64_t)node) != FDT_BEGIN_NODE)
			return -FDT_ERR_BADOFFSET;
		off = scan_props(&b, past_name(&b, (uint64_t)node), name, val, len);
	}
	while (off >= 0 && b.size - (uint64_t)off >= 4) {
		switch (u32_at(&b, (uint64_t)off)) {
		case FDT_BEGIN_NODE:
			++*depth;
			node = (int)off;
			off = scan_props(&b, past_name(&b, (uint64_t)off), name, val, len);
			return off < 0 ? (int)off : node;
		case FDT_END_NODE:
			if (--*depth < 0)
				return -FDT_ERR_NOTFOUND;
			off += 4;
			break;
		case FDT_PROP:		/* after a subnode: no fdt_getprop() sees it */
			if (b.size - (uint64_t)off < 12)
				return -FDT_ERR_BADSTRUCTURE;
			off = (int64_t)KRELOC_ALIGN_UP((uint64_t)off + 12 + u32_at(&b, (uint64_t)off + 4), 4);
			break;
		case FDT_NOP:
			off += 4;
			break;
		case FDT_END:
			return -FDT_ERR_NOTFOUND;
		default:
			return -FDT_ERR_BADSTRUCTURE;
		}
	}
	return off < 0 ? (int)off : -FDT_ERR_BADSTRUCTURE;
}

bool kreloc_fdt_name_matches(const char *p, size_t n, const char *name, size_t len)
{
	if (n < len || memcmp(p, name, len))
		return false;
	return n == len || (p[len] == '@' && !memchr(name, '@', len));
}

/* The first child of @parent named @name (@len bytes, matched as in a path). */
static int subnode(const struct block *b, int parent, const char *name, size_t len)
{
	uint64_t off;
	unsigned int depth = 0;

	if (parent < 0 || (uint64_t)parent >= b->size || b->size - (uint64_t)parent < 4 ||
	    u32_at(b, (uint64_t)parent) != FDT_BEGIN_NODE)
		return -FDT_ERR_BADOFFSET;
	off = past_name(b, (uint64_t)parent);
	while (b->size - off >= 4) {
		switch (u32_at(b, off)) {
		case FDT_BEGIN_NODE: {
			uint64_t end = past_name(b, off);
			const char *p = (const char *)b->s + off + 4;

			if (depth++ == 0 && kreloc_fdt_name_matches(p, strnlen(p, end - off - 4), name,
								    len))
				return (int)off;
			off = end;
			break;
		}
		case FDT_PROP:
			if (b->size - off < 12)
				return -FDT_ERR_BADSTRUCTURE;
			off = KRELOC_ALIGN_UP(off + 12 + u32_at(b, off + 4), 4);
			break;
		case FDT_END_NODE:
			if (depth-- == 0)
				return -FDT_ERR_NOTFOUND;
			off += 4;
			break;
		case FDT_NOP:
			off += 4;
			break;
		default:
			return -FDT_ERR_BADSTRUCTURE;
		}
	}
	return -FDT_ERR_BADSTRUCTURE;
}

int kreloc_fdt_path(const void *fdt, const char *path, size_t len, int *parent)
{
	const char *end = path + len;
	struct block b;
	int node = 0;

	if (parent)
		*parent = -1;
	if (!len || path[0] != '/')
		return fdt_path_offset_namelen(fdt, path, (int)len);
	block_init(&b, fdt);
	while (path < end) {
		const char *q;

		while (path < end && *path == '/')
			path++;
		if (path == end)
			break;
		q = memchr(path, '/', (size_t)(end - path));
		if (!q)
			q = end;
		if (parent)
			*parent = node;
		node = subnode(&b, node, path, (size_t)(q - path));
		if (node < 0)
			return node;
		path = q;
	}
	return node;
}
