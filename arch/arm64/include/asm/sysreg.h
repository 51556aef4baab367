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

/*
 * SCTLR_ELx values written whole at takeover: MMU, caches and alignment
 * checks off, little-endian, and every RES1 bit of the ARMv8.0 layout set.
 * Fields added later in those positions (EIS, EOS, TSCXT, nTLSMD, LSMAOE,
 * SPAN) read 1 as the ARMv8.0 behaviour, so this is the same known state
 * on every CPU, whatever the previous owner left.  The EL2 value is the
 * E2H == 0 layout.
 */
#define SCTLR_EL1_TAKEOVER	0x30d00800
#define SCTLR_EL2_TAKEOVER	0x30c50830

/* HCR_EL2 */
#define HCR_E2H_BIT	34		/* EL2 host (VHE) register layout */

/*
 * ID_AA64MMFR3_EL1 (s3_0_c0_c7_3; an unallocated ID register before it
 * existed, so it reads 0 there): TCRX, bits 3:0, non-zero when TCR2_EL1 and
 * TCR2_EL2 exist.  TCR2 enables permission indirection (PIE: AP/XN bits
 * become indices into PIR_ELx) and overlays (POE, POR_ELx).
 */
#define ID_AA64MMFR3_EL1	s3_0_c0_c7_3
#define TCR2_EL1		s3_0_c2_c0_3
#define TCR2_EL2		s3_4_c2_c0_3

/* CPTR_EL2 (E2H == 0 layout) */
#define CPTR_EL2_TFP	(1 << 10)	/* trap FP/SIMD */
/* CPACR_EL1 */
#define CPACR_FPEN	(3 << 20)	/* FP/SIMD usable at EL0 and EL1 */

/* PSCI 0.2+ function IDs (SMC32 calling convention) */
#define PSCI_SYSTEM_OFF	0x84000008
#define PSCI_SYSTEM_RESET	0x84000009
#define PSCI_VERSION		0x84000000
#define PSCI_CPU_OFF		0x84000002
#define PSCI_CPU_ON_64		0xc4000003	/* SMC64: x1 target MPIDR, x2 entry, x3 context */
#define PSCI_AFFINITY_INFO_64	0xc4000004	/* SMC64: x1 target MPIDR, x2 lowest level */
#define PSCI_AFFINITY_OFF	1		/* AFFINITY_INFO: the PE is off */

/* MPIDR_EL1 affinity fields: Aff3 (39:32), Aff2..Aff0 (23:0), as in /cpus reg */
#define MPIDR_AFF_MASK		0xff00ffffffULL

/* ID_AA64ISAR0_EL1.RNDR, bits 63:60: 1 = RNDR/RNDRRS present */
#define ID_AA64ISAR0_RNDR_SHIFT	60

#endif /* KRELOC_ASM_SYSREG_H */
