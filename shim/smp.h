/* SPDX-License-Identifier: MIT */
#ifndef KRELOC_SHIM_SMP_H
#define KRELOC_SHIM_SMP_H

#include <kreloc/chunks.h>
#include <kreloc/handoff.h>
#include <kreloc/split.h>
#include <kreloc/xlat.h>
#include <asm/reloc_args.h>
#include "smp_boot.h"

/** struct smp_boot - what head.S's secondary entry reads with its MMU off (smp_boot.h). */
struct smp_boot {
	uint64_t sp;
	uint64_t ttbr, tcr, mair, sctlr_set, sctlr_clear;
};

_Static_assert(__builtin_offsetof(struct smp_boot, sp) == SMP_BOOT_SP, "asm offset");
_Static_assert(__builtin_offsetof(struct smp_boot, ttbr) == SMP_BOOT_TTBR, "asm offset");
_Static_assert(__builtin_offsetof(struct smp_boot, tcr) == SMP_BOOT_TCR, "asm offset");
_Static_assert(__builtin_offsetof(struct smp_boot, mair) == SMP_BOOT_MAIR, "asm offset");
_Static_assert(__builtin_offsetof(struct smp_boot, sctlr_set) == SMP_BOOT_SCTLR_SET, "asm offset");
_Static_assert(__builtin_offsetof(struct smp_boot, sctlr_clear) == SMP_BOOT_SCTLR_CLEAR,
	       "asm offset");

/**
 * struct smp_hasher - one secondary's block, at the base of its stack (a
 * safe page run outside every destination); PSCI CPU_ON's context_id.
 * @boot:   read by head.S with the MMU off (cleaned to PoC before CPU_ON)
 * @check, @blocks, @first, @count: its share of the chunks (count 0: none)
 * @go:     set by the boot CPU (store-release, SEV) when verification
 *          starts: it hashes from then, not while the boot CPU prepares
 * @ctx:    its block of the SMP page, @entry: kreloc_secondary_elN in the
 *          control page: where it goes, MMU off, once it has hashed
 * @err, @bad: written by it, then @done = 1 with a store-release
 */
struct smp_hasher {
	struct smp_boot boot;
	const struct kreloc_chunks_check *check;
	kreloc_sha256_blocks_fn blocks;
	uint64_t first, count;
	uint64_t go;
	uint64_t ctx, entry;
	int64_t err;
	uint64_t bad;
	uint64_t done;
};

/**
 * struct smp_result - what smp_bring_up() did, for the trampoline and the report.
 * @started:  secondaries PSCI started (those the trampoline waits to be off)
 * @cpus:     CPUs that copy, the boot CPU included (1 when none arrived)
 * @left_out: CPUs offered that do not copy (CPU_ON failed, or too late)
 * @split:    per CPU, boot CPU first: the pages its list copies
 * @hash_cpus: CPUs whose hashing of chunks counted (a share of at least one
 *            chunk, done in time), the boot CPU included
 * @chunks:   chunks each CPU hashed: the boot CPU (with the shares it took
 *            over), then each started secondary in start order
 */
struct smp_result {
	unsigned int started;
	unsigned int cpus;
	unsigned int left_out;
	struct kreloc_split_stats split;
	unsigned int hash_cpus;
	uint64_t chunks[SMP_MAX_CPUS];
};

/*
 * Test hooks, from the shim's own command line (tests/e2e/smp.sh):
 * kreloc.simulate=cpu-on-fail starts the last CPU at an MPIDR no CPU has
 * (Aff3 0xff), so PSCI refuses it; kreloc.simulate=cpu-late takes the last
 * CPU started as late whether it arrived or not, so it is cancelled;
 * kreloc.simulate=cpu-hang gives the last CPU that copies a list that
 * never ends, so the boot CPU times out past the point of no return;
 * kreloc.simulate=cpu-hash-late takes the last CPU started as not done
 * hashing in time, so the boot CPU hashes its chunks itself.
 */
enum smp_simulate {
	SMP_SIMULATE_NONE,
	SMP_SIMULATE_CPU_ON_FAIL,
	SMP_SIMULATE_LATE,
	SMP_SIMULATE_HANG,
	SMP_SIMULATE_HASH_LATE,
};

/**
 * smp_start() - start the relocation's other CPUs, before the point of no return.
 * @h:        installed (kreloc_reloc_install()), MMU mode
 * @fdt:      the incoming device tree (/cpus)
 * @cap:      at most this many CPUs, the boot CPU included (the bundle's option)
 * @el:       the EL the shim and the trampoline run at (1 or 2)
 * @uart:     the console's PL011, 0 for none
 * @runtime:  the shim's own tables, which the others take to hash
 * @check:    the chunks to verify (kreloc_chunks_check_init()), or NULL
 * @blocks:   the SHA-256 block function for them
 * @simulate: test hook (smp_simulate)
 * @res:      out
 *
 * CPUs come from /cpus nodes (device_type "cpu", status okay, enable-method
 * "psci", reg = MPIDR affinity) other than this one, in tree order, while
 * PSCI 0.2 or later answers.  The chunks are dealt in as many shares as
 * there are CPUs, this one first (kreloc_chunks_share()); each other CPU is
 * started with PSCI CPU_ON into the shim (head.S, shim_secondary_entry;
 * context_id = its struct smp_hasher), where it takes the shim's runtime
 * tables, hashes its share, publishes the result and goes on, its MMU off,
 * to the control page (kreloc_secondary_elN, its block of the SMP page) to
 * wait for the relocation.  One that PSCI refuses is left out with a
 * "kreloc-shim: cpu N (mpidr 0x...): ...; left out" line, its share left
 * to smp_hash().
 *
 * Return: the SMP page's physical address when any CPU was started
 * (@res->started > 0); 0 when none was (no PSCI, no other CPU, @cap 1, or
 * no page for it): relocate, and hash, as on one CPU.
 */
uint64_t smp_start(struct kreloc_handoff *h, const void *fdt, unsigned int cap, unsigned int el,
		   uint64_t uart, const struct kreloc_xlat *runtime,
		   const struct kreloc_chunks_check *check, kreloc_sha256_blocks_fn blocks,
		   enum smp_simulate simulate, struct smp_result *res);

/**
 * smp_hash() - verify every chunk, this CPU's share and the others' at once.
 * @check, @blocks: as given to smp_start() (@check not NULL)
 * @simulate: test hook
 * @res:    smp_start()'s; @hash_cpus and @chunks filled
 *
 * Tells the started CPUs to go (their @go), hashes this CPU's share and
 * those of CPUs PSCI refused, then waits for
 * each started CPU's result (load-acquire of its @done), at most twice
 * what this CPU's own hashing took, plus a second: a CPU not done by then
 * is named in a "kreloc-shim: cpu N (mpidr 0x...): ... hashing them here"
 * line and its share hashed here.  No chunk goes unverified.  A chunk that
 * differs, here or on another CPU, is refused (one kreloc-shim-error line
 * naming the chunk and the CPU; shim_stop()) before the point of no return.
 */
void smp_hash(const struct kreloc_chunks_check *check, kreloc_sha256_blocks_fn blocks,
	      enum smp_simulate simulate, struct smp_result *res);

/**
 * smp_gather() - wait for the started CPUs in the control page and split the list.
 * @h:        as given to smp_start()
 * @simulate: test hook
 * @res:      smp_start()'s; @cpus, @left_out and @split filled
 *
 * Each started CPU has 250 ms, by the generic counter, to say it arrived
 * with its MMU on through the transitional tables.  One that is late is
 * told SMP_CANCEL (it copies nothing and turns itself off) and left out
 * with a line; the list is then split (kreloc_kimage_split()) into one
 * list per CPU that arrived, and the boot CPU's: no share is left to a CPU
 * that is not there.  A failed split is a refusal (shim_fail()).
 */
void smp_gather(struct kreloc_handoff *h, enum smp_simulate simulate, struct smp_result *res);

#endif
