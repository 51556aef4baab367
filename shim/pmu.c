// SPDX-License-Identifier: MIT
/*
 * pmu.c - phase counters for the shim's report.
 *
 * Two clocks per phase: CNTVCT_EL0 (always there) and, when the PMU counts
 * retired instructions (event 0x08, which QEMU provides under -icount),
 * PMEVCNTR0 programmed with it.  Under `-icount shift=0` both advance with
 * executed instructions only, so the figures repeat exactly run to run.
 */
#include "shim.h"
#include "pmu.h"

#define PMCR_E		(1U << 0)	/* enable counters */
#define PMCR_P		(1U << 1)	/* reset event counters */
#define PMU_INST_RETIRED 0x08
#define PMEVTYPER_NSH	(1U << 27)	/* count at EL2 too */

static bool have_inst;

void pmu_init(void)
{
	/* ID_AA64DFR0_EL1.PMUVer (bits 11:8): 0 = none, 0xf = IMPLEMENTATION DEFINED */
	uint64_t ver = (read_sysreg(id_aa64dfr0_el1) >> 8) & 0xf;

	if (ver == 0 || ver == 0xf)
		return;
	/* PMCEID0_EL0 bit N: common event N is implemented */
	if (!(read_sysreg(pmceid0_el0) & (1ULL << PMU_INST_RETIRED)))
		return;
	write_sysreg(pmevtyper0_el0, PMU_INST_RETIRED | PMEVTYPER_NSH);
	write_sysreg(pmcntenset_el0, 1);
	write_sysreg(pmcr_el0, read_sysreg(pmcr_el0) | PMCR_E | PMCR_P);
	__asm__ volatile("isb");
	have_inst = true;
}

bool pmu_has_instructions(void)
{
	return have_inst;
}

void pmu_sample(struct pmu_sample *s)
{
	__asm__ volatile("isb");	/* counters read after all earlier instructions */
	s->ticks = read_sysreg(cntvct_el0);
	s->inst = have_inst ? read_sysreg(pmevcntr0_el0) : 0;
}

void pmu_delta(const struct pmu_sample *a, const struct pmu_sample *b, struct pmu_sample *d)
{
	d->ticks = b->ticks - a->ticks;
	/* PMEVCNTR0 is 32 bits wide without FEAT_PMUv3p5: take the difference mod 2^32 */
	d->inst = (uint32_t)(b->inst - a->inst);
}
