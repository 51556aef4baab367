/* SPDX-License-Identifier: MIT */
/*
 * smp_boot.h - what head.S's secondary entry reads, with its MMU off, from
 * the block PSCI CPU_ON hands it (context_id): struct smp_boot in smp.h,
 * which _Static_asserts these offsets.
 */
#ifndef KRELOC_SHIM_SMP_BOOT_H
#define KRELOC_SHIM_SMP_BOOT_H

#define SMP_BOOT_SP		0	/* top of its stack */
#define SMP_BOOT_TTBR		8	/* the shim's runtime tables, as the boot CPU's */
#define SMP_BOOT_TCR		16
#define SMP_BOOT_MAIR		24
#define SMP_BOOT_SCTLR_SET	32
#define SMP_BOOT_SCTLR_CLEAR	40

#endif
