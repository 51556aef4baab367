/* SPDX-License-Identifier: MIT */
#ifndef KRELOC_SHIM_PMU_H
#define KRELOC_SHIM_PMU_H

#include <kreloc/kreloc_env.h>

struct pmu_sample {
	uint64_t ticks;		/* CNTVCT_EL0 */
	uint64_t inst;		/* retired instructions, 0 without a PMU that counts them */
};

void pmu_init(void);
bool pmu_has_instructions(void);
void pmu_sample(struct pmu_sample *s);
void pmu_delta(const struct pmu_sample *a, const struct pmu_sample *b, struct pmu_sample *d);

#endif
