/* SPDX-License-Identifier: MIT */
/*
 * sysreg.h - arm64 system register bits kreloc's assembly and C both use.
 * #defines only, so the assembler can include it.
 */
#ifndef KRELOC_ASM_SYSREG_H
#define KRELOC_ASM_SYSREG_H

/* SCTLR_ELx */
#define SCTLR_M		(1 << 0)	/* stage-1 MMU enable */
#define SCTLR_A		(1 << 1)	/* alignment check */
#define SCTLR_C		(1 << 2)	/* data cacheability */
#define SCTLR_SA	(1 << 3)
#define SCTLR_I		(1 << 12)	/* instruction cacheability */
#define SCTLR_WXN	(1 << 19)	/* writable implies execute-never */
#define SCTLR_EE	(1 << 25)	/* big-endian data at this EL */

/* HCR_EL2 */
#define HCR_E2H_BIT	34		/* EL2 host (VHE) register layout */

/* CPTR_EL2 (E2H == 0 layout) */
#define CPTR_EL2_TFP	(1 << 10)	/* trap FP/SIMD */
/* CPACR_EL1 */
#define CPACR_FPEN	(3 << 20)	/* FP/SIMD usable at EL0 and EL1 */

/* PSCI 0.2+ function IDs (SMC32 calling convention) */
#define PSCI_SYSTEM_OFF	0x84000008

/* ID_AA64ISAR0_EL1.RNDR, bits 63:60: 1 = RNDR/RNDRRS present */
#define ID_AA64ISAR0_RNDR_SHIFT	60

#endif /* KRELOC_ASM_SYSREG_H */
