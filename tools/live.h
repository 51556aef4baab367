/* SPDX-License-Identifier: MIT */
/*
 * live.h - what `kreloc load` hands to kexec_load(2), computed from its
 * inputs alone: no system call, no file, so the host tests can drive it with
 * made-up page tables and trees.  tools/live.c implements it; the Linux side
 * (pinning, /proc/self/pagemap, kexec_load, the holder process) is in
 * tools/os_linux.c and calls kreloc_live_plan() once it knows where the
 * payload's pages are.
 *
 * The running Linux relocates only the segments below (with the MMU off on
 * kernels before 5.16), then enters the stub:
 *
 *   stub    one 4 KiB page: sets x0 = the shim's tree, x1-x3 = 0, branches to
 *           the shim.  kexec_load leaves x0 = 0 (only kexec_file_load
 *           passes a tree), and booting.rst wants x0 = the tree's address.
 *   shim    the shim Image, at a 2 MiB aligned base, memsz = its image_size
 *   bundle  header, the page tables of the paged Image and initrd
 *           (KRELOC_BUNDLE_F_PAGES, bundle.h), digests, command line,
 *           options (KRELOC_OPT_FAIL_RESET always; VERIFY unless refused;
 *           CPUS from load --cpus)
 *   tree    the running tree with /chosen set for the shim:
 *           linux,initrd-start/end = the bundle's destination range
 *
 * Destinations: in RAM (the tree's memory nodes), each inside one bank,
 * clear of every /memreserve/ and /reserved-memory range, of @avoid, and of
 * every page of the payload (the kernel writes the segments there before
 * the shim runs), as high in RAM as they fit: the old kernel's early
 * allocations (the GIC's LPI tables among them) sit low, near its image.
 * Below 2^48: the shim maps itself, its tree and its bundle with tables
 * that have no 52-bit descriptors.  Chosen the scarcest first (shim,
 * bundle, tree, stub), each as high as it fits clear of those before it.
 *
 * The shim's tree keeps the running tree's bootargs (the shim reads its
 * kreloc.* options there; the next kernel's command line is the bundle's
 * CMDLINE, or those same bootargs without one) and drops what was the
 * running kernel's: its initrd, crash-kernel properties, kaslr-seed and
 * rng-seed (a seed is never handed on twice: the shim draws fresh ones from
 * RNDR, or hands on none) and a previous hand-off's counter mailbox.
 *
 * The stub (arch/arm64/kexec_stub.S) reaches this code as bytes generated
 * at build time (build/gen/kexec_stub.h, Makefile KEXEC_STUB_H); its two
 * 8-byte literals are patched with the tree's and the shim's destinations.
 */
#ifndef KRELOC_TOOLS_LIVE_H
#define KRELOC_TOOLS_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include <kreloc/memmap.h>

#define KRELOC_LIVE_MAX_SEGMENTS	4
#define KRELOC_LIVE_MAX_AVOID		64

/**
 * struct kreloc_live_blob - a payload blob held in pinned pages.
 * @size:   bytes; 0 = absent (initrd only)
 * @pages:  physical address of each 4 KiB page, in blob order
 *          (ceil(@size / 4096) of them)
 * @sha256: digest of the @size bytes, or with @chunks their root
 * @chunks: NULL, or the blob's chunk table (bundle.h "Chunk tables"):
 *          the SHA-256 of each KRELOC_CHUNK_SIZE_DEFAULT chunk, 32 bytes
 *          each; the bundle then carries it (version 2)
 */
struct kreloc_live_blob {
	uint64_t size;
	const uint64_t *pages;
	uint8_t sha256[32];
	const uint8_t *chunks;
};

/**
 * struct kreloc_live_input - everything kreloc_live_plan() needs.
 * @fdt, @fdt_len:         the running tree (/sys/firmware/fdt)
 * @shim, @shim_len:       the shim Image
 * @image_head, @image_head_len: the first bytes of the Image (>= 64: the
 *                         header, checked with kreloc_image_parse())
 * @image, @initrd:        the paged blobs
 * @cmdline:               the next kernel's command line, or NULL to keep
 *                         the running tree's /chosen/bootargs
 * @next_dtb, @next_dtb_len: a tree for the next kernel, or NULL
 * @options:               KRELOC_OPT_* for the bundle (FAIL_RESET is added)
 * @avoid, @nr_avoid:      more ranges no segment may cover
 */
struct kreloc_live_input {
	const void *fdt;
	size_t fdt_len;
	const uint8_t *shim;
	size_t shim_len;
	const void *image_head;
	size_t image_head_len;
	struct kreloc_live_blob image;
	struct kreloc_live_blob initrd;
	const char *cmdline;
	const void *next_dtb;
	size_t next_dtb_len;
	uint64_t options;
	const struct kreloc_range *avoid;
	unsigned int nr_avoid;
};

/**
 * struct kreloc_live_segment - one kexec_load segment (struct kexec_segment).
 * @span is @memsz except for the shim, whose segment is only its file: its
 * BSS, up to image_size, lies past the segment, is kept clear of the payload
 * and of the other segments, and is zeroed by the shim itself.  Linux would
 * otherwise zero it too, with the MMU off on kernels before 5.16: 2 MiB of
 * uncached stores for the shim's tree buffer, which needs no zeroing.
 */
struct kreloc_live_segment {
	const char *what;	/* "stub", "shim", "bundle", "tree" */
	const void *buf;	/* the plan's buffers; the shim's is @in->shim */
	size_t bufsz;		/* stub: its code and literals, not a whole page */
	uint64_t mem;		/* 4 KiB aligned; the shim's is its 2 MiB base
				 * plus its text_offset: where it is entered */
	uint64_t memsz;		/* 4 KiB aligned, >= bufsz */
	uint64_t span;		/* bytes from @mem kept clear for it, >= memsz */
};

/**
 * struct kreloc_live_plan - the result; buffers from malloc(), freed by
 * kreloc_live_free().
 * @seg, @nr_seg: the segments, in the order above
 * @entry:        the kexec entry point (the stub's destination)
 * @page_runs:    page-table runs of the paged blobs (bundle.h)
 * @bundle, @bundle_len, @tree, @tree_len, @stub: the segments' bytes
 */
struct kreloc_live_plan {
	struct kreloc_live_segment seg[KRELOC_LIVE_MAX_SEGMENTS];
	unsigned int nr_seg;
	uint64_t entry;
	uint64_t page_runs;
	uint8_t *bundle;
	size_t bundle_len;
	uint8_t *tree;
	size_t tree_len;
	uint8_t *stub;
};

/**
 * kreloc_live_plan() - build the segments and choose their destinations.
 * @in:      the inputs (not modified)
 * @out:     filled on success; zeroed on failure
 * @culprit: on failure, a short name of the input at fault ("image",
 *           "initrd", "tree", "shim", "cmdline", "dtb", "options", "pages",
 *           "memory"; for KRELOC_E_NOMEM the buffer being built: "bundle",
 *           "tree", "stub"); NULL on success.  May be NULL.
 *
 * Checked in this order: the Image header (@image_head_len < 64 is
 * KRELOC_E_IMAGE_TRUNCATED; its image_size is checked against
 * @image.size), the shim, the running tree, @next_dtb, @cmdline, @options,
 * @avoid ("memory"), then every payload page ("pages"): 4 KiB aligned and
 * not wrapping, then in RAM and not no-map, then the runs, counted per
 * blob as bundle.h defines them and added up (@out->page_runs).
 *
 * Return: 0; KRELOC_E_INVAL (NULL @in or @out, no @image_head, @image.size
 * 0, no page table, @nr_avoid over KRELOC_LIVE_MAX_AVOID); KRELOC_E_NOMEM
 * (malloc); KRELOC_E_IMAGE_* (the Image header or the shim's);
 * KRELOC_E_FDT* (the running tree, @next_dtb; also a /chosen/bootargs that
 * is not one string of at most 2047 characters); KRELOC_E_BUNDLE_CMDLINE
 * (over KRELOC_CMDLINE_MAX); KRELOC_E_BUNDLE_HEADER (@options unknown to
 * the shim, or a CPU count over KRELOC_OPT_CPUS_MAX); KRELOC_E_OVERFLOW (an @avoid range wraps);
 * KRELOC_E_PAGES_TABLE (a page unaligned or wrapping); KRELOC_E_PAGES_RUNS
 * (more than KRELOC_BUNDLE_MAX_PAGE_RUNS runs); KRELOC_E_PAGES_NOT_RAM (a
 * payload page outside the tree's RAM or in no-map memory);
 * KRELOC_E_LIVE_NO_ROOM (no destinations clear of the payload).
 */
int kreloc_live_plan(const struct kreloc_live_input *in, struct kreloc_live_plan *out,
		     const char **culprit);

/** kreloc_live_free() - free a plan's buffers (NULL or zeroed plans are fine). */
void kreloc_live_free(struct kreloc_live_plan *p);

#endif /* KRELOC_TOOLS_LIVE_H */
