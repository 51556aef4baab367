/* SPDX-License-Identifier: MIT */
/*
 * fdt.h - the device tree as the boot protocol uses it: what a loader reads
 * from the tree it was given (RAM, reserved ranges, initrd, console UART,
 * PSCI conduit, incoming seeds) and what it writes into /chosen for the next
 * kernel.
 *
 * Built on libfdt (<libfdt.h>).  Validate an untrusted blob once with
 * kreloc_fdt_check(): header, size (at most KRELOC_FDT_MAX_SIZE, and no more
 * than the buffer holds), version 17 and the whole structure block
 * (what fdt_check_full checks, in one walk, and the block layout).  The
 * readers below check the header, size, version and the framing of the
 * structure block (one
 * bounded walk, so that no libfdt walk runs away on a bad length) and
 * report any corruption libfdt meets while reading as KRELOC_E_FDT; the
 * caller must own fdt_totalsize bytes at @fdt.
 *
 * Nothing here allocates; trees are caller-owned buffers, 8-byte aligned.
 */
#ifndef KRELOC_FDT_H
#define KRELOC_FDT_H

#include <kreloc/kreloc_env.h>
#include <kreloc/memmap.h>
#include <kreloc/place.h>	/* KRELOC_FDT_MAX_SIZE */

/*
 * Free space kreloc_fdt_prepare() leaves at the end of the tree, enough for
 * kreloc_fdt_set_chosen() with every field at its maximum (a 2047-byte
 * command line, a KRELOC_FDT_RNG_SEED_MAX-byte rng-seed, a new /chosen).
 */
#define KRELOC_FDT_HEADROOM		8192
/* Longest bootargs kreloc writes, without the NUL (arm64 COMMAND_LINE_SIZE - 1). */
#define KRELOC_FDT_BOOTARGS_MAX		2047
#define KRELOC_FDT_RNG_SEED_MAX		256
/* Ranges in linux,usable-memory-range (Linux reads up to two). */
#define KRELOC_FDT_MAX_USABLE		2

/**
 * kreloc_fdt_check() - validate a device tree held in a buffer of known size.
 * @fdt: the blob (8-byte aligned)
 * @len: bytes available at @fdt
 *
 * Return: 0; KRELOC_E_INVAL (@fdt NULL); KRELOC_E_FDT (bad magic, version
 * below 17, inconsistent header, corrupt structure block or one without a
 * root node, blocks overlapping or out of the usual order - memory
 * reservation map, structure, strings - or totalsize > @len, that is a
 * truncated blob); KRELOC_E_FDT_TOO_LARGE (totalsize > KRELOC_FDT_MAX_SIZE).
 */
int kreloc_fdt_check(const void *fdt, size_t len);

/**
 * kreloc_fdt_read_extent() - how many bytes from its start a reader of
 * this blob touches, from its header alone.
 * @fdt: the blob's first 40 bytes (any alignment; read byte by byte, so
 *       this may run where memory is Device memory, e.g. with the MMU off)
 *
 * For a loader that must map or copy the tree before reading it, and may
 * not read beyond it.
 *
 * Return: fdt_totalsize when it is at most KRELOC_FDT_MAX_SIZE; for a
 * larger blob, the end of its structure or strings block, whichever is
 * later, when that is within KRELOC_FDT_MAX_SIZE (kreloc_fdt_copy_blocks()
 * then gives a readable copy).  KRELOC_E_INVAL (@fdt NULL), KRELOC_E_FDT
 * (bad magic, version below 17, blocks beyond totalsize or inside the
 * header), KRELOC_E_FDT_TOO_LARGE (blocks beyond KRELOC_FDT_MAX_SIZE).
 */
int64_t kreloc_fdt_read_extent(const void *fdt);

/**
 * kreloc_fdt_copy_blocks() - a compact copy of a blob's structure and
 * strings blocks, to look up nodes and properties of a tree that is too
 * large to take whole (totalsize over KRELOC_FDT_MAX_SIZE, usually free
 * space at its end).
 * @fdt:     the blob; kreloc_fdt_read_extent(@fdt) bytes must be readable,
 *           and nothing beyond them is read
 * @buf:     8-byte aligned; receives header, an empty memory reservation
 *           map, the structure block and the strings block, and a
 *           totalsize that covers just those
 * @bufsize: bytes at @buf
 *
 * The copy is as trustworthy as the original: check it like any blob
 * (the readers below do).  It holds no /memreserve/ entries, so it is for
 * lookups (console, PSCI conduit), never to hand on.
 *
 * Return: 0; the errors of kreloc_fdt_read_extent(); KRELOC_E_INVAL (@buf
 * NULL); KRELOC_E_FDT_TOO_LARGE (the blocks do not fit in @bufsize).
 */
int kreloc_fdt_copy_blocks(const void *fdt, void *buf, size_t bufsize);

/**
 * kreloc_fdt_read_memmap() - RAM and reserved ranges from a device tree.
 * @fdt: the blob; fdt_totalsize(@fdt) bytes must be readable
 * @map: reset with kreloc_memmap_init(), then filled; undefined on failure
 *
 * RAM: every node with device_type = "memory", and every child of the root
 * named "memory" or "memory@..." that has no device_type; nodes whose status
 * is neither "okay" nor "ok" are skipped.  Their reg is decoded with the
 * root's #address-cells/#size-cells (absent: 2/1).  Zero-sized entries are
 * ignored.
 *
 * Reserved: every /memreserve/ entry, and every available child of
 * /reserved-memory that has a reg (decoded with /reserved-memory's own
 * #address-cells/#size-cells, the root's when it has none).  Children that
 * only ask for a dynamic allocation (size, alloc-ranges) are not reserved:
 * the next kernel places those itself.  A child with no-map is added with
 * kreloc_memmap_add_nomap(): reserved, and never mapped.
 *
 * Return: 0; KRELOC_E_INVAL (NULL argument); KRELOC_E_FDT (corrupt);
 * KRELOC_E_FDT_TOO_LARGE; KRELOC_E_FDT_RANGE (cells other than 1 or 2, reg
 * length not a whole number of entries, a RAM or reserved range that wraps
 * past 2^64); KRELOC_E_FDT_NO_MEMORY (no RAM at all); KRELOC_E_NOSPACE (more
 * disjoint ranges than the memmap tables hold).
 */
int kreloc_fdt_read_memmap(const void *fdt, struct kreloc_memmap *map);

/**
 * kreloc_fdt_chosen() - where /chosen is, for a libfdt property look-up.
 * @fdt: the blob
 *
 * One walk of the structure block checks its framing (as every reader
 * here does) and finds the node on the way, where fdt_path_offset() walks
 * the tree again through libfdt's per-byte bounds checks (ten times the
 * cost).
 *
 * Return: the offset of /chosen (also "chosen@..."); -FDT_ERR_NOTFOUND
 * without one; KRELOC_E_INVAL, KRELOC_E_FDT, KRELOC_E_FDT_TOO_LARGE.
 */
int kreloc_fdt_chosen(const void *fdt);

/**
 * kreloc_fdt_chosen_initrd() - the initrd the tree's /chosen describes.
 * @fdt:   the blob
 * @start: out: physical start (0 when there is none)
 * @end:   out: exclusive end (0 when there is none)
 *
 * linux,initrd-start and linux,initrd-end may each be 32 or 64 bits.
 *
 * Return: 1 when an initrd is described (@end > @start); 0 when /chosen or
 * both properties are absent, or the initrd is empty (start == end);
 * KRELOC_E_INVAL, KRELOC_E_FDT, KRELOC_E_FDT_TOO_LARGE; KRELOC_E_FDT_RANGE
 * when only one property is present, a property is neither 4 nor 8 bytes,
 * or end < start.
 */
int kreloc_fdt_chosen_initrd(const void *fdt, uint64_t *start, uint64_t *end);

/**
 * kreloc_fdt_stdout_uart() - MMIO base of the console UART.
 * @fdt:  the blob
 * @base: out: the UART's physical base (untouched unless 1 is returned)
 *
 * The console is the node /chosen stdout-path (or linux,stdout-path) names,
 * after stripping any ":options" and resolving an alias; when there is no
 * such property or it names no node, the first available node compatible
 * with "arm,pl011".  The first reg address is translated to a physical
 * address through every ancestor's ranges (an empty ranges is the identity;
 * a missing one makes the address untranslatable).
 *
 * Return: 1 found; 0 no console UART; KRELOC_E_INVAL, KRELOC_E_FDT,
 * KRELOC_E_FDT_TOO_LARGE; KRELOC_E_FDT_RANGE (no or short reg, cells other
 * than 1 or 2, an ancestor without ranges, an address no ranges entry
 * covers, or a translation that wraps).
 */
int kreloc_fdt_stdout_uart(const void *fdt, uint64_t *base);

/**
 * kreloc_fdt_psci_method() - the PSCI conduit.
 * @fdt: the blob
 *
 * Looks for the first available node whose compatible list has an entry
 * starting with "arm,psci" (arm,psci, arm,psci-0.2, arm,psci-1.0) and reads
 * its method property.
 *
 * Return: 'h' for "hvc", 's' for "smc", 0 when there is no PSCI node or its
 * method is missing or unknown; KRELOC_E_INVAL, KRELOC_E_FDT or
 * KRELOC_E_FDT_TOO_LARGE for a bad blob.
 */
int kreloc_fdt_psci_method(const void *fdt);

/**
 * kreloc_fdt_seed() - the incoming tree's seed bytes, as entropy to derive from.
 * @fdt: the blob
 * @buf: receives /chosen rng-seed followed by kaslr-seed
 * @cap: bytes available at @buf (may be 0 only to learn there is nothing)
 * @len: out: bytes written
 *
 * A property whose bytes are all zero is skipped: Linux zeroes kaslr-seed
 * after use, so such a value carries no entropy.  Bytes beyond @cap are
 * dropped (the result is only ever hashed; 64 bytes is plenty).  The tree is
 * not modified; kreloc_fdt_set_chosen() is what removes the old seeds.
 *
 * Return: 0 (with *len 0 when the tree has no seed); KRELOC_E_INVAL (NULL
 * @fdt or @len, or NULL @buf with @cap > 0), KRELOC_E_FDT,
 * KRELOC_E_FDT_TOO_LARGE.
 */
int kreloc_fdt_seed(const void *fdt, uint8_t *buf, size_t cap, size_t *len);

/**
 * kreloc_fdt_prepare() - copy a tree into a buffer with room for edits.
 * @in:    the incoming blob (validated as by kreloc_fdt_read_memmap())
 * @out:   destination buffer, 8-byte aligned; may be @in itself
 * @outsz: bytes at @out
 *
 * Only the used part of @in (kreloc_fdt_used_size()) is copied; padding a
 * loader added is dropped.  The copy is laid out for libfdt's read-write
 * functions (fdt_open_into) and its totalsize is min(@outsz,
 * KRELOC_FDT_MAX_SIZE): all the space the caller gave, up to the protocol
 * limit.  libfdt moves everything up to totalsize on each edit, so give it
 * what the edits need, not more.  The copy is not packed; the caller may
 * fdt_pack() it once all edits are done.
 *
 * Return: 0; KRELOC_E_INVAL (NULL pointer); KRELOC_E_FDT (also a version or
 * block layout kreloc_fdt_check() refuses),
 * KRELOC_E_FDT_TOO_LARGE (the incoming blob); KRELOC_E_FDT_NO_SPACE when
 * min(@outsz, KRELOC_FDT_MAX_SIZE) < kreloc_fdt_used_size(@in) +
 * KRELOC_FDT_HEADROOM.
 */
int kreloc_fdt_prepare(const void *in, void *out, size_t outsz);

/**
 * kreloc_fdt_used_size() - bytes of a (header-checked) tree up to the end of
 * its last block: its size without the free space at the end.  Never more
 * than its totalsize.
 */
size_t kreloc_fdt_used_size(const void *fdt);

/**
 * struct kreloc_chosen - what /chosen tells the next kernel.
 * @bootargs:     NUL-terminated command line, at most KRELOC_FDT_BOOTARGS_MAX
 *                characters; NULL deletes bootargs.  Must not point into the
 *                tree being edited.
 * @initrd_start: physical start of the initrd
 * @initrd_end:   exclusive end; equal to @initrd_start means no initrd, and
 *                deletes both properties
 * @has_kaslr_seed: write @kaslr_seed; false deletes kaslr-seed
 * @kaslr_seed:   u64 for kaslr-seed
 * @rng_seed:     bytes for rng-seed; NULL or @rng_seed_len 0 deletes it
 * @rng_seed_len: at most KRELOC_FDT_RNG_SEED_MAX
 * @elfcorehdr:   crash kernels only: linux,elfcorehdr; size 0 deletes it
 * @usable:       crash kernels only: linux,usable-memory-range entries
 * @nr_usable:    0..KRELOC_FDT_MAX_USABLE; 0 deletes the property
 *
 * @elfcorehdr and @usable are written as <address size> pairs in the root's
 * #address-cells/#size-cells.
 */
struct kreloc_chosen {
	const char *bootargs;
	uint64_t initrd_start;
	uint64_t initrd_end;
	bool has_kaslr_seed;
	uint64_t kaslr_seed;
	const uint8_t *rng_seed;
	size_t rng_seed_len;
	struct kreloc_range elfcorehdr;
	struct kreloc_range usable[KRELOC_FDT_MAX_USABLE];
	unsigned int nr_usable;
};

/**
 * kreloc_fdt_set_chosen() - write /chosen for the next kernel.
 * @fdt: a tree opened for writing (kreloc_fdt_prepare() or fdt_open_into),
 *       totalsize at most KRELOC_FDT_MAX_SIZE
 * @c:   the values; see struct kreloc_chosen for what deletes what
 *
 * Creates /chosen if missing.  Every property named in struct kreloc_chosen
 * is either written from @c or deleted, so nothing meant for the previous
 * kernel survives: in particular the incoming rng-seed and kaslr-seed (a
 * seed is never handed on twice) and the crash-kernel properties.  Other
 * /chosen properties (stdout-path, ...) are kept.  Stale properties are
 * deleted before anything is added, every copy of a repeated name included.
 * Does not pack the tree.
 *
 * @c is checked before the tree is touched.  On KRELOC_E_FDT_NO_SPACE the
 * tree is still valid but may be partly edited: do not boot it.
 *
 * Return: 0; KRELOC_E_INVAL (NULL pointer, bootargs or rng-seed too long,
 * initrd_end < initrd_start, nr_usable too large, an empty usable range);
 * KRELOC_E_OVERFLOW (an elfcorehdr or usable range wraps); KRELOC_E_FDT
 * (corrupt tree or not opened for writing); KRELOC_E_FDT_TOO_LARGE;
 * KRELOC_E_FDT_RANGE (root cells other than 1 or 2, or a range that does
 * not fit them); KRELOC_E_FDT_NO_SPACE (the tree is full).
 */
int kreloc_fdt_set_chosen(void *fdt, const struct kreloc_chosen *c);

#endif /* KRELOC_FDT_H */
