/* SPDX-License-Identifier: MIT */
#ifndef KRELOC_SHIM_SMP_H
#define KRELOC_SHIM_SMP_H

#include <kreloc/handoff.h>
#include <kreloc/split.h>

/**
 * struct smp_result - what smp_bring_up() did, for the trampoline and the report.
 * @started:  secondaries PSCI started (those the trampoline waits to be off)
 * @cpus:     CPUs that copy, the boot CPU included (1 when none arrived)
 * @left_out: CPUs offered that do not copy (CPU_ON failed, or too late)
 * @split:    per CPU, boot CPU first: the pages its list copies
 */
struct smp_result {
	unsigned int started;
	unsigned int cpus;
	unsigned int left_out;
	struct kreloc_split_stats split;
};

/*
 * Test hooks, from the shim's own command line (tests/e2e/smp.sh):
 * kreloc.simulate=cpu-on-fail starts the last CPU at an MPIDR no CPU has
 * (Aff3 0xff), so PSCI refuses it; kreloc.simulate=cpu-late takes the last
 * CPU started as late whether it arrived or not, so it is cancelled;
 * kreloc.simulate=cpu-hang gives the last CPU that copies a list that
 * never ends, so the boot CPU times out past the point of no return.
 */
enum smp_simulate {
	SMP_SIMULATE_NONE,
	SMP_SIMULATE_CPU_ON_FAIL,
	SMP_SIMULATE_LATE,
	SMP_SIMULATE_HANG,
};

/**
 * smp_bring_up() - start the relocation's other CPUs, before the point of no return.
 * @h:        installed (kreloc_reloc_install()), MMU mode
 * @fdt:      the incoming device tree (/cpus)
 * @cap:      at most this many CPUs, the boot CPU included (the bundle's option)
 * @el:       the EL the shim and the trampoline run at (1 or 2)
 * @uart:     the console's PL011, 0 for none
 * @simulate: test hook (smp_simulate)
 * @res:      out
 *
 * CPUs come from /cpus nodes (device_type "cpu", status okay, enable-method
 * "psci", reg = MPIDR affinity) other than this one, in tree order, while
 * PSCI 0.2 or later answers.  Each is started with PSCI CPU_ON into the
 * control page (kreloc_secondary_elN, context_id = its block of the SMP
 * page), and given 250 ms, by the generic counter, to say it arrived with
 * its MMU on.  One that PSCI refuses, or that is late, is left out with a
 * "kreloc-shim: cpu N (mpidr 0x...): ...; left out" line (a late one is
 * told SMP_CANCEL: it copies nothing and turns itself off); the list is
 * then split (kreloc_kimage_split()) into one list per CPU that arrived,
 * and the boot CPU's: no share is left to a CPU that is not there.
 *
 * Return: the SMP page's physical address, for kreloc_relocate_smp_elN,
 * when any CPU was started (@res->started > 0); 0 when none was (no PSCI,
 * no other CPU, @cap 1, or no page for it): relocate as on one CPU.  A
 * failed split is a refusal (shim_fail()).
 */
uint64_t smp_bring_up(struct kreloc_handoff *h, const void *fdt, unsigned int cap, unsigned int el,
		      uint64_t uart, enum smp_simulate simulate, struct smp_result *res);

#endif
