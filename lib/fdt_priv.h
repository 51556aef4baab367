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
