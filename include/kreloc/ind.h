/* SPDX-License-Identifier: MIT */
/*
 * ind.h - the kimage entry list encoding, shared by C and assembly.
 *
 * Linux-compatible: each 64-bit entry is a page-aligned physical address
 * with one flag in its low bits.  A DESTINATION entry sets the write cursor;
 * each SOURCE entry copies one page to the cursor and advances it by a page;
 * an INDIRECTION entry continues the list on another page; DONE ends it.
 * This header holds only #defines so the assembler can include it.
 */
#ifndef KRELOC_IND_H
#define KRELOC_IND_H

#define KRELOC_IND_DESTINATION_BIT	0
#define KRELOC_IND_INDIRECTION_BIT	1
#define KRELOC_IND_DONE_BIT		2
#define KRELOC_IND_SOURCE_BIT		3

#define KRELOC_IND_DESTINATION		(1 << KRELOC_IND_DESTINATION_BIT)
#define KRELOC_IND_INDIRECTION		(1 << KRELOC_IND_INDIRECTION_BIT)
#define KRELOC_IND_DONE			(1 << KRELOC_IND_DONE_BIT)
#define KRELOC_IND_SOURCE		(1 << KRELOC_IND_SOURCE_BIT)
#define KRELOC_IND_FLAGS		0xf

#define KRELOC_IND_PAGE_SHIFT		12
#define KRELOC_IND_PAGE_SIZE		(1 << KRELOC_IND_PAGE_SHIFT)

#endif /* KRELOC_IND_H */
