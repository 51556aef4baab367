/* SPDX-License-Identifier: MIT */
/*
 * error.h - kreloc error codes.
 *
 * Every kreloc function that can fail returns 0 (or a non-negative count) on
 * success and one of the negative codes below on failure.  The list is the
 * single definition: the enum, kreloc_strerror() and kreloc_errname() are all
 * generated from it.  Codes are stable; add new ones at the end of a group.
 * Groups: generic (-1..), Image header (-10..), bundle (-20..), device tree
 * and memory map (-30..), placement and segments (-40..), entry list (-50..),
 * translation tables (-60..), the CPU and its caches (-70..), the interrupt
 * controller (-80..), a payload held in a running system's pages (-90..),
 * per-chunk digests (-100..).
 */
#ifndef KRELOC_ERROR_H
#define KRELOC_ERROR_H

#define KRELOC_ERRORS(X) \
	X(OK,                  0, "success") \
	/* generic */ \
	X(E_INVAL,            -1, "invalid argument") \
	X(E_NOMEM,            -2, "page allocator ran out of safe pages") \
	X(E_NOSPACE,          -3, "fixed-size table or buffer is full") \
	X(E_OVERFLOW,         -4, "address range wraps around 2^64") \
	X(E_NO_ENTROPY,       -5, "no entropy to derive a seed from") \
	/* arm64 Image header: lib/image.c */ \
	X(E_IMAGE_TRUNCATED, -10, "Image shorter than its 64-byte header") \
	X(E_IMAGE_MAGIC,     -11, "Image magic is not ARM\\x64") \
	X(E_IMAGE_BIG_ENDIAN,-12, "Image is a big-endian kernel") \
	X(E_IMAGE_PAGE_SIZE, -13, "Image page size not supported by this CPU") \
	X(E_IMAGE_SIZE,      -14, "Image image_size smaller than the file or too large") \
	X(E_IMAGE_TEXT_OFFSET,-15, "Image text_offset unaligned or not below 2 MiB") \
	X(E_IMAGE_FLAGS,     -16, "Image header sets reserved flag bits") \
	/* payload bundle: lib/bundle.c */ \
	X(E_BUNDLE_TRUNCATED,-20, "bundle shorter than its header or declared size") \
	X(E_BUNDLE_MAGIC,    -21, "bundle magic is not KRELBNDL") \
	X(E_BUNDLE_VERSION,  -22, "bundle format version not supported") \
	X(E_BUNDLE_HEADER,   -23, "bundle header has bad sizes, options or reserved bytes") \
	X(E_BUNDLE_ENTRY,    -24, "bundle entry has unknown type or flags, or too many entries") \
	X(E_BUNDLE_RANGE,    -25, "bundle entry data lies outside the bundle or is misaligned") \
	X(E_BUNDLE_OVERLAP,  -26, "bundle entries overlap") \
	X(E_BUNDLE_MISSING,  -27, "bundle lacks an Image or repeats a single entry") \
	X(E_BUNDLE_CMDLINE,  -28, "bundle command line too long or contains NUL") \
	X(E_BUNDLE_CHECKSUM, -29, "bundle entry SHA-256 mismatch") \
	/* device tree and memory map: lib/fdt.c, lib/memmap.c */ \
	X(E_FDT,             -30, "device tree is corrupt") \
	X(E_FDT_TOO_LARGE,   -31, "device tree larger than 2 MiB") \
	X(E_FDT_NO_MEMORY,   -32, "device tree has no usable memory node") \
	X(E_FDT_RANGE,       -33, "device tree reg or reserved range malformed or overflowing") \
	X(E_FDT_NO_SPACE,    -34, "no room to edit the device tree") \
	/* placement and segments: lib/place.c, lib/segment.c */ \
	X(E_NO_ROOM,         -40, "no free RAM satisfies the placement rules") \
	X(E_SEG_ALIGN,       -41, "segment destination or memsz not page aligned") \
	X(E_SEG_SIZE,        -42, "segment bufsz exceeds memsz, memsz is 0, or size overflows") \
	X(E_SEG_OVERLAP,     -43, "segment destinations overlap") \
	X(E_SEG_NOT_RAM,     -44, "segment destination outside RAM") \
	X(E_SEG_RESERVED,    -45, "segment destination overlaps reserved memory") \
	X(E_INITRD_WINDOW,   -46, "initrd outside the kernel's 32 GiB window") \
	X(E_SEG_NOMAP,       -47, "segment destination overlaps a no-map reserved region") \
	/* kimage entry list: lib/kimage.c */ \
	X(E_LIST_SOURCE_FIRST,-50, "entry list has a source before any destination") \
	X(E_LIST_LOOP,       -51, "entry list indirections loop or exceed the bound") \
	X(E_LIST_AFTER_DONE, -52, "entry list has entries after IND_DONE") \
	X(E_LIST_ENTRY,      -53, "entry list entry has unknown flags or unaligned address") \
	X(E_LIST_UNTERMINATED,-54, "entry list ends without IND_DONE") \
	X(E_LIST_COVERAGE,   -55, "entry list does not write exactly the segments") \
	X(E_LIST_UNSAFE,     -56, "entry list page or source page lies inside a destination") \
	/* translation tables: lib/xlat.c */ \
	X(E_XLAT_GRANULE,    -60, "translation granule not supported by this CPU") \
	X(E_XLAT_PA_RANGE,   -61, "address beyond the CPU's physical address range") \
	X(E_XLAT_MAP,        -62, "translation regions conflict or are malformed") \
	X(E_XLAT_FAULT,      -63, "address not translated: the tables fault on it") \
	X(E_XLAT_PA_52BIT,   -64, "region above 2^48: the tables (no FEAT_LPA/LPA2) cannot map it") \
	/* the CPU and its caches: arch/arm64, shim, lib/handoff.c */ \
	X(E_EL2_VHE,         -70, "HCR_EL2.E2H is set and cannot be cleared (no FEAT_E2H0): EL2 would use the VHE layout") \
	X(E_CACHE_CONTRACT,  -71, "staging memory's cache state undeclared, or written uncached without a clean to PoC") \
	/* GIC (-80..): lib/gic.c */ \
	X(E_GIC_REDIST,      -80, "GICv3 redistributor regions malformed: no redistributor or no last frame where described") \
	/* paged blobs, `kreloc load`: lib/bundle.c, lib/kimage.c, tools/live.c */ \
	X(E_PAGES_TABLE,     -90, "paged blob's page table malformed: wrong count, unaligned or wrapping address") \
	X(E_PAGES_RUNS,      -91, "paged blobs form more runs of contiguous pages than the shim can reserve") \
	X(E_PAGES_NOT_RAM,   -92, "a payload page lies outside RAM or in no-map memory") \
	X(E_PAGES_IN_DEST,   -93, "a payload page lies inside a destination") \
	X(E_LIVE_NO_ROOM,    -94, "no room in RAM for the loaded segments clear of the payload's pages") \
	/* per-chunk digests (bundle.h, chunks.h): lib/bundle.c, lib/chunks.c */ \
	X(E_CHUNKS_TABLE,   -100, "chunk table malformed: no blob, chunk size not a power of two in 4 KiB..1 GiB, count not the blob's, or root not the blob's digest") \
	/* end */

#define KRELOC_ERROR_ENUM_(name, value, text) KRELOC_##name = value,
enum kreloc_error { KRELOC_ERRORS(KRELOC_ERROR_ENUM_) };
#undef KRELOC_ERROR_ENUM_

/**
 * kreloc_strerror() - one-line description of a kreloc error code.
 * @err: a value returned by a kreloc function
 *
 * Return: a static string, never NULL; "unknown error" for codes not listed.
 */
const char *kreloc_strerror(int err);

/**
 * kreloc_errname() - symbolic name of an error code, e.g. "E_IMAGE_MAGIC".
 * @err: a value returned by a kreloc function
 *
 * Return: a static string, never NULL; "E_UNKNOWN" for codes not listed.
 */
const char *kreloc_errname(int err);

#endif /* KRELOC_ERROR_H */
