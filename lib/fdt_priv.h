/* SPDX-License-Identifier: MIT */
/*
 * fdt_priv.h - shared by lib/fdt.c, lib/fdt_check.c and lib/gic.c; not installed.
 */
#ifndef KRELOC_FDT_PRIV_H
#define KRELOC_FDT_PRIV_H

/**
 * kreloc_fdt_check_blob() - the readers' check of a blob that owns its totalsize.
 * @fdt: the blob
 *
 * Header, totalsize (at most KRELOC_FDT_MAX_SIZE), version 17, and the
 * framing of the structure block (a bounded walk), so that no libfdt walk
 * of the tree can run away; names and strings are left to libfdt's own
 * bounds checks.
 *
 * Return: 0; KRELOC_E_INVAL (NULL @fdt); KRELOC_E_FDT; KRELOC_E_FDT_TOO_LARGE.
 */
int kreloc_fdt_check_blob(const void *fdt);

/**
 * kreloc_fdt_check_find() - kreloc_fdt_check_blob(), finding a child of the root on the way.
 * @fdt:  the blob
 * @name: a node name, with or without a unit address (as in a path:
 *        "chosen" also finds "chosen@0"), or NULL
 * @node: out, unless @name is NULL: the offset of the first child of the
 *        root named @name, as fdt_path_offset() gives it for "/@name", or
 *        -FDT_ERR_NOTFOUND; meaningful only when the check passes
 *
 * One walk of the structure block checks it and finds the node, where a
 * libfdt path lookup would walk the tree again.
 *
 * Return: as kreloc_fdt_check_blob().
 */
int kreloc_fdt_check_find(const void *fdt, const char *name, int *node);

/**
 * kreloc_fdt_parent() - fdt_parent_offset(), in one walk of the structure block.
 * @fdt:  a blob that passed kreloc_fdt_check_blob()
 * @node: a node's offset
 *
 * libfdt walks the tree twice to the node (its depth, then the ancestor at
 * that depth), through bounds checks for every byte of every name; this
 * walks it once, keeping the offsets of the nodes open on the way.
 *
 * Return: the parent's offset; -FDT_ERR_NOTFOUND for the root;
 * -FDT_ERR_BADOFFSET when @node is not where a node begins, or another
 * negative libfdt error.
 */
int kreloc_fdt_parent(const void *fdt, int node);

/**
 * kreloc_fdt_next_node_prop() - the next node in tree order, and one of its properties.
 * @fdt:   a blob that passed kreloc_fdt_check_blob()
 * @node:  the node to go on from; negative: start with the root itself
 * @depth: in: @node's depth (root 0), unless @node is negative; out: the
 *         depth of the node returned
 * @name:  the property wanted
 * @val:   out: its value, as fdt_getprop() gives it (the first of that
 *         name in the node), or NULL
 * @len:   out: its length, or -FDT_ERR_NOTFOUND
 *
 * What fdt_next_node() then fdt_getprop() give, in one walk over the tags
 * and property names, where libfdt walks every node's properties again and
 * bounds every byte of every node name.  A property whose name is not
 * terminated inside the strings block matches no name, as in libfdt.
 *
 * Return: the node's offset; -FDT_ERR_NOTFOUND past the root's last
 * descendant; another negative libfdt error.
 */
int kreloc_fdt_next_node_prop(const void *fdt, int node, int *depth, const char *name,
			      const void **val, int *len);

/**
 * kreloc_fdt_getprop() - fdt_getprop(), over the framing the check proved.
 * @fdt:  a blob that passed kreloc_fdt_check_blob()
 * @node: a node's offset
 * @name: the property wanted
 * @lenp: out, unless NULL: its length, or a negative libfdt error
 *        (-FDT_ERR_NOTFOUND without one)
 *
 * The first property named @name among the node's, as fdt_getprop() gives
 * it, where libfdt bounds every tag and looks each name up through its
 * string checks again: a tenth of the instructions.  A property whose name
 * is not terminated inside the strings block matches no name, as in libfdt.
 *
 * Return: the value, or NULL.
 */
const void *kreloc_fdt_getprop(const void *fdt, int node, const char *name, int *lenp);

/**
 * kreloc_fdt_name_matches() - does a node name match a path component?
 * @p:    the node's name, @n bytes (no NUL needed)
 * @name: the component, @len bytes
 *
 * Return: true when the name is @name, or @name followed by a unit address
 * ("@...") when @name has none: libfdt's path lookups match the same way.
 */
bool kreloc_fdt_name_matches(const char *p, size_t n, const char *name, size_t len);

/**
 * kreloc_fdt_path() - fdt_path_offset_namelen(), walking the block once per component.
 * @fdt:    a blob that passed kreloc_fdt_check_blob()
 * @path:   a path, @len bytes; one not starting with '/' (an alias) goes
 *          to libfdt
 * @parent: out, unless NULL: the node's parent, met on the way (saves a
 *          walk); -1 when not known (an alias, or the root)
 *
 * Return: the node's offset, or a negative libfdt error (-FDT_ERR_NOTFOUND
 * when a component has no match).
 */
int kreloc_fdt_path(const void *fdt, const char *path, size_t len, int *parent);

/**
 * kreloc_fdt_check_layout() - blocks in the order kreloc edits, no overlap.
 * @fdt: a blob that passed kreloc_fdt_check_blob()
 *
 * Return: 0 or KRELOC_E_FDT.
 */
int kreloc_fdt_check_layout(const void *fdt);

/**
 * kreloc_fdt_translate() - a bus address as a root (physical) address.
 * @fdt:  a blob that passed kreloc_fdt_check_blob()
 * @bus:  the parent of the node @addr came from
 * @addr: in: the address in @bus's space; out: translated through the
 *        ranges of @bus and every ancestor (an empty ranges is the
 *        identity)
 *
 * Return: 0; KRELOC_E_FDT; KRELOC_E_FDT_RANGE (an ancestor without ranges,
 * cells other than 1 or 2, no ranges entry covering the address, or a
 * translation that wraps).
 */
int kreloc_fdt_translate(const void *fdt, int bus, uint64_t *addr);

#endif /* KRELOC_FDT_PRIV_H */
