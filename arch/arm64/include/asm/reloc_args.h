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
#define RELOC_ARGS_SMP		80	/* PA of the SMP page (below), 0 for one CPU */
#define RELOC_ARGS_UART		88	/* PA of a PL011 for a last word, 0 for none */
#define RELOC_ARGS_RECORD	96	/* mailbox slots 3-5, copied after the copy (mailbox.h) */
#define RELOC_ARGS_SIZE		144

/* The parameter block ends the control page, the trampolines start it. */
#define RELOC_ARGS_AT		(4096 - RELOC_ARGS_SIZE)

#define RELOC_FLAG_PMU_BIT	0	/* PMEVCNTR0 counts instructions: stamp it too */
#define RELOC_FLAG_SMC_BIT	1	/* PSCI conduit is SMC (else HVC) */

/*
 * The SMP page: one 4 KiB page, outside every destination, through which
 * the boot CPU and the secondaries it started (PSCI CPU_ON, context_id =
 * that CPU's block) run the relocation together.  Only ever accessed with
 * the MMU on, cacheable (the shim's runtime map or the transitional tables,
 * same attributes), so every CPU sees it coherently.  C view: struct
 * kreloc_smp_page in asm/reloc.h, which _Static_asserts these offsets.
 */
#define SMP_NR			0	/* blocks: secondaries started */
#define SMP_HEAD		8	/* the boot CPU's list */
#define SMP_CPU			64	/* first block */
#define SMP_CPU_SIZE		64	/* one cache line (at least) per CPU */
#define SMP_MAX_CPUS		64	/* boot CPU included: 63 blocks fill the page */
#define SMP_CPU_MPIDR		0	/* its affinity (MPIDR_EL1 Aff3..Aff0) */
#define SMP_CPU_HEAD		8	/* its list, written before SMP_GO */
#define SMP_CPU_STATE		16	/* written by it: 0, then ARRIVED, then DONE */
#define SMP_CPU_GO		24	/* written by the boot CPU: 0, then GO or CANCEL */

#define SMP_ARRIVED		1	/* MMU on through the transitional tables, waiting */
#define SMP_DONE		2	/* its list copied and cleaned to PoC */
#define SMP_GO			1	/* walk SMP_CPU_HEAD */
#define SMP_CANCEL		2	/* copy nothing: turn off */

/* The mailbox's layout is in <kreloc/mailbox.h>. */
#include <kreloc/mailbox.h>

#endif /* KRELOC_ASM_RELOC_ARGS_H */
