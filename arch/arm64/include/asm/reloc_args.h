/* SPDX-License-Identifier: MIT */
/*
 * reloc_args.h - the parameter block of the relocation trampolines, shared
 * by C (struct kreloc_reloc_args in arch/arm64/reloc.h) and assembly (the
 * offsets below).  reloc.h _Static_asserts every offset against the struct,
 * so the two cannot drift apart.
 */
#ifndef KRELOC_ASM_RELOC_ARGS_H
#define KRELOC_ASM_RELOC_ARGS_H

#define RELOC_ARGS_HEAD		0	/* first list entry (IND_INDIRECTION | page) */
#define RELOC_ARGS_ENTRY	8	/* next kernel's entry point */
#define RELOC_ARGS_DTB		16	/* its device tree */
#define RELOC_ARGS_TTBR		24	/* transitional tables (MMU mode only) */
#define RELOC_ARGS_TCR		32
#define RELOC_ARGS_MAIR		40
#define RELOC_ARGS_SCTLR_SET	48	/* SCTLR bits set while copying */
#define RELOC_ARGS_SCTLR_CLEAR	56	/* SCTLR bits cleared while copying */
#define RELOC_ARGS_MAILBOX	64	/* PA of the counter mailbox, 0 for none */
#define RELOC_ARGS_FLAGS	72	/* RELOC_FLAG_* */
#define RELOC_ARGS_SIZE		80

#define RELOC_FLAG_PMU_BIT	0	/* PMEVCNTR0 counts instructions: stamp it too */

/* The mailbox's layout is in <kreloc/mailbox.h>. */
#include <kreloc/mailbox.h>

#endif /* KRELOC_ASM_RELOC_ARGS_H */
