/* SPDX-License-Identifier: MIT */
/*
 * reloc.h - C view of the relocation trampolines (arch/arm64/relocate.S).
 *
 * The caches: the architecture's side of the cache contract written in
 * <kreloc/handoff.h>, where the embedder declares how it staged.
 * kreloc_reloc_install() cleans the control page to PoC;
 * kreloc_reloc_enter() turns the MMU and caches off, keeping their lines.
 * After KRELOC_STAGING_CACHED, classic mode needs
 * kreloc_reloc_clean_for_mmu_off() before the jump; nothing else does.  The
 * trampolines clean every destination page to PoC themselves.
 */
#ifndef KRELOC_ASM_RELOC_H
#define KRELOC_ASM_RELOC_H

#include <asm/reloc_args.h>
#include <kreloc/handoff.h>
#include <stddef.h>

/** struct kreloc_reloc_args - everything the trampoline reads besides the list. */
struct kreloc_reloc_args {
	uint64_t head;
	uint64_t entry;
	uint64_t dtb;
	uint64_t ttbr;
	uint64_t tcr;
	uint64_t mair;
	uint64_t sctlr_set;
	uint64_t sctlr_clear;
	uint64_t mailbox;
	uint64_t flags;
	uint64_t smp;
	uint64_t uart;
	uint64_t record[(KRELOC_MAILBOX_SLOTS - KRELOC_STAMP_EMBEDDER) * 2];
};

_Static_assert(offsetof(struct kreloc_reloc_args, head) == RELOC_ARGS_HEAD, "asm offset");
_Static_assert(offsetof(struct kreloc_reloc_args, entry) == RELOC_ARGS_ENTRY, "asm offset");
_Static_assert(offsetof(struct kreloc_reloc_args, dtb) == RELOC_ARGS_DTB, "asm offset");
_Static_assert(offsetof(struct kreloc_reloc_args, ttbr) == RELOC_ARGS_TTBR, "asm offset");
_Static_assert(offsetof(struct kreloc_reloc_args, tcr) == RELOC_ARGS_TCR, "asm offset");
_Static_assert(offsetof(struct kreloc_reloc_args, mair) == RELOC_ARGS_MAIR, "asm offset");
_Static_assert(offsetof(struct kreloc_reloc_args, sctlr_set) == RELOC_ARGS_SCTLR_SET, "asm offset");
_Static_assert(offsetof(struct kreloc_reloc_args, sctlr_clear) == RELOC_ARGS_SCTLR_CLEAR,
	       "asm offset");
_Static_assert(offsetof(struct kreloc_reloc_args, mailbox) == RELOC_ARGS_MAILBOX, "asm offset");
_Static_assert(offsetof(struct kreloc_reloc_args, flags) == RELOC_ARGS_FLAGS, "asm offset");
_Static_assert(offsetof(struct kreloc_reloc_args, smp) == RELOC_ARGS_SMP, "asm offset");
_Static_assert(offsetof(struct kreloc_reloc_args, uart) == RELOC_ARGS_UART, "asm offset");
_Static_assert(offsetof(struct kreloc_reloc_args, record) == RELOC_ARGS_RECORD, "asm offset");
_Static_assert(sizeof(struct kreloc_reloc_args) == RELOC_ARGS_SIZE, "asm size");
_Static_assert(KRELOC_MAILBOX_SIZE == KRELOC_MAILBOX_SLOTS * KRELOC_MAILBOX_SLOT_SIZE, "mailbox");

/** struct kreloc_smp_cpu - one started secondary's block in the SMP page (reloc_args.h). */
struct kreloc_smp_cpu {
	uint64_t mpidr;
	uint64_t head;
	uint64_t state;
	uint64_t go;
	uint64_t unused[4];
};

/** struct kreloc_smp_page - the SMP page (reloc_args.h). */
struct kreloc_smp_page {
	uint64_t nr;
	uint64_t head;
	uint64_t unused[6];
	struct kreloc_smp_cpu cpu[SMP_MAX_CPUS - 1];
};

_Static_assert(offsetof(struct kreloc_smp_page, nr) == SMP_NR, "asm offset");
_Static_assert(offsetof(struct kreloc_smp_page, head) == SMP_HEAD, "asm offset");
_Static_assert(offsetof(struct kreloc_smp_page, cpu) == SMP_CPU, "asm offset");
_Static_assert(sizeof(struct kreloc_smp_cpu) == SMP_CPU_SIZE, "asm size");
_Static_assert(offsetof(struct kreloc_smp_cpu, mpidr) == SMP_CPU_MPIDR, "asm offset");
_Static_assert(offsetof(struct kreloc_smp_cpu, head) == SMP_CPU_HEAD, "asm offset");
_Static_assert(offsetof(struct kreloc_smp_cpu, state) == SMP_CPU_STATE, "asm offset");
_Static_assert(offsetof(struct kreloc_smp_cpu, go) == SMP_CPU_GO, "asm offset");
_Static_assert(sizeof(struct kreloc_smp_page) == 4096, "one page");

/* Entry points in the control page. */
enum kreloc_reloc_kind {
	KRELOC_RELOC_CLASSIC,		/* relocate with the MMU off */
	KRELOC_RELOC_MMU_EL1,		/* relocate through transitional tables, EL1 */
	KRELOC_RELOC_MMU_EL2,		/* ... EL2 (non-VHE) */
	KRELOC_RELOC_SMP_EL1,		/* MMU on, boot CPU of several (SMP page), EL1 */
	KRELOC_RELOC_SMP_EL2,		/* ... EL2 (non-VHE) */
	KRELOC_RELOC_SECONDARY_EL1,	/* PSCI CPU_ON entry of the others, EL1 */
	KRELOC_RELOC_SECONDARY_EL2,	/* ... EL2 (non-VHE) */
};

/**
 * kreloc_reloc_install() - copy the trampolines and their parameters into
 * the control page of a prepared hand-off.
 * @h:     after kreloc_handoff_prepare() succeeded
 * @flags: RELOC_FLAG_* (e.g. the PMU counts instructions: stamp them)
 *
 * The code goes first, the parameter block at KRELOC_RELOC_ARGS_AT; the
 * page is then cleaned and invalidated to PoC, because the trampoline
 * starts with its MMU off and reads it from memory.
 */
void kreloc_reloc_install(const struct kreloc_handoff *h, uint64_t flags);

/**
 * kreloc_reloc_smp_setup() - let the installed trampoline run on several CPUs.
 * @h:    after kreloc_reloc_install(), MMU mode
 * @smp:  PA of the SMP page (reloc_args.h), outside every destination
 * @uart: PA of a PL011 the boot CPU may write a last line to when the
 *        others time out after the point of no return (0: none)
 * @smc:  the PSCI conduit is SMC (else HVC)
 *
 * Writes those into the parameter block and cleans it to PoC again: the
 * secondaries and the boot CPU read it with their MMU off.  Call it before
 * starting any secondary.
 */
void kreloc_reloc_smp_setup(const struct kreloc_handoff *h, uint64_t smp, uint64_t uart, bool smc);

/**
 * kreloc_reloc_record() - what the next kernel learns of this hand-off
 * besides the trampoline's own stamps: mailbox slots 3-5 (mailbox.h).
 * @h:           after kreloc_reloc_install() (and kreloc_reloc_smp_setup())
 * @entered_at:  CNTVCT_EL0 when the embedder was entered
 * @entered_inst: PMEVCNTR0 then (0 without a PMU that counts instructions)
 * @verified:    kreloc_handoff_verify() returned 0 for this hand-off
 * @cpus:        CPUs that copy (1, or the boot CPU and those started)
 *
 * Bytes copied with the MMU on and off come from @h (its final mode and
 * the list prepare() proved).  Writes the parameter block and cleans it to
 * PoC again; the trampoline copies these words into the mailbox with its
 * COPIED stamp.  Without this call the slots stay zero.
 */
void kreloc_reloc_record(const struct kreloc_handoff *h, uint64_t entered_at, uint64_t entered_inst,
			 bool verified, unsigned int cpus);

/** kreloc_reloc_entry() - physical address of entry point @kind in @page. */
uint64_t kreloc_reloc_entry(uint64_t page, enum kreloc_reloc_kind kind);

/**
 * kreloc_copy_plain() - the benchmark's limit (copy.S): copy @pages pages
 * with the relocation's own loop, nothing else.  Returns instructions (with
 * RELOC_FLAG_PMU_BIT in @flags) or counter ticks spent in the loop.
 */
uint64_t kreloc_copy_plain(uint64_t dst, uint64_t src, uint64_t pages, uint64_t flags);

/**
 * kreloc_reloc_clean_for_mmu_off() - for the classic (MMU off) trampoline
 * after KRELOC_STAGING_CACHED (handoff.h): clean and invalidate to PoC every
 * list page and every page a SOURCE entry names (in-place pages included:
 * the trampoline does not touch them), so the uncached copy reads memory as
 * the caller wrote it.  Call it after prepare(), and write no staged page
 * afterwards.
 */
void kreloc_reloc_clean_for_mmu_off(const struct kreloc_handoff *h);

/**
 * kreloc_mmu_on() / kreloc_mmu_off() - mmu.S: translation on/off at the
 * current EL.  kreloc_mmu_on() also switches tables when the MMU is on:
 * the new tables must map every page both maps cover with the same
 * attributes (the caches are kept).  kreloc_mmu_off() clears SCTLR.M, C
 * and I: no data or instruction access allocates a cache line afterwards.
 */
void kreloc_mmu_on(uint64_t ttbr, uint64_t tcr, uint64_t mair, uint64_t sctlr_set,
		   uint64_t sctlr_clear);
void kreloc_mmu_off(void);

/** Where in the control page the parameter block goes. */
#define KRELOC_RELOC_ARGS_AT	RELOC_ARGS_AT

/**
 * kreloc_reloc_enter() - the point of no return: jump to the installed
 * trampoline with x0 = its parameter block.  The control page must already be
 * in memory (written with the MMU off, or cleaned to PoC).  Masks DAIF and
 * turns the MMU off itself, whatever state the caller left them in.
 */
void __attribute__((noreturn)) kreloc_reloc_enter(uint64_t code, uint64_t args);

#endif /* KRELOC_ASM_RELOC_H */
