// SPDX-License-Identifier: MIT
/*
 * smp.c - relocate on several CPUs: choose them from the device tree and
 * PSCI, start them into the control page before the point of no return,
 * and deal the entry list between those that arrived (smp.h).
 */
#include <asm/reloc.h>
#include <asm/sysreg.h>
#include <kreloc/bundle.h>
#include <kreloc/error.h>
#include <libfdt.h>
#include "shim.h"
#include "smp.h"

_Static_assert(SMP_MAX_CPUS == KRELOC_OPT_CPUS_MAX && SMP_MAX_CPUS <= KRELOC_SPLIT_MAX,
	       "one block per CPU the bundle may ask for, one list each");

#define ARRIVE_MS	250

static bool prop_is(const void *fdt, int node, const char *name, const char *want)
{
	int len;
	const char *v = fdt_getprop(fdt, node, name, &len);
	size_t n = strlen(want) + 1;

	return v && (size_t)len == n && !memcmp(v, want, n);
}

/* The other CPUs PSCI can start, at most @max, their MPIDRs in tree order. */
static unsigned int find_cpus(const void *fdt, uint64_t self, uint64_t mpidr[], unsigned int max)
{
	int cpus = fdt_path_offset(fdt, "/cpus"), node, ac, len;
	unsigned int n = 0;

	if (cpus < 0)
		return 0;
	ac = fdt_address_cells(fdt, cpus);
	if (ac != 1 && ac != 2)
		return 0;
	fdt_for_each_subnode(node, fdt, cpus) {
		const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);
		uint64_t id;

		if (!prop_is(fdt, node, "device_type", "cpu") ||
		    !prop_is(fdt, node, "enable-method", "psci") || !reg || len != 4 * ac ||
		    (fdt_getprop(fdt, node, "status", NULL) &&
		     !prop_is(fdt, node, "status", "okay") && !prop_is(fdt, node, "status", "ok")))
			continue;
		id = fdt32_to_cpu(reg[0]);
		if (ac == 2)
			id = id << 32 | fdt32_to_cpu(reg[1]);
		if ((id & MPIDR_AFF_MASK) != id || id == self || n == max)
			continue;
		mpidr[n++] = id;
	}
	return n;
}

static const char *psci_ret_name(int64_t r)
{
	switch (r) {
	case PSCI_RET_NOT_SUPPORTED:
		return "NOT_SUPPORTED";
	case PSCI_RET_INVALID_PARAMETERS:
		return "INVALID_PARAMETERS";
	case PSCI_RET_DENIED:
		return "DENIED";
	case PSCI_RET_ALREADY_ON:
		return "ALREADY_ON";
	case PSCI_RET_ON_PENDING:
		return "ON_PENDING";
	case PSCI_RET_INTERNAL_FAILURE:
		return "INTERNAL_FAILURE";
	case PSCI_RET_INVALID_ADDRESS:
		return "INVALID_ADDRESS";
	default:
		return "unknown error";
	}
}

static uint64_t load_acquire(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* How many of the @n started CPUs in @pg said SMP_ARRIVED. */
static unsigned int count_arrived(const struct kreloc_smp_page *pg, unsigned int n)
{
	unsigned int a = 0;

	for (unsigned int i = 0; i < n; i++)
		a += load_acquire(&pg->cpu[i].state) == SMP_ARRIVED;
	return a;
}

/*
 * kreloc.simulate=cpu-hang: @c's list becomes one page whose only entry
 * continues the list on that same page, so it never says SMP_DONE and the
 * boot CPU's bounded wait, past the point of no return, must reset.
 */
static void simulate_hang(struct kreloc_handoff *h, struct kreloc_smp_cpu *c, uint64_t no)
{
	uint64_t pa, *loop = kreloc_kimage_alloc_safe(&h->ki, KRELOC_IND_PAGE_SIZE, &pa);

	if (!loop)
		shim_fail(KRELOC_E_NOMEM, "kreloc.simulate=cpu-hang");
	loop[0] = pa | KRELOC_IND_INDIRECTION;
	c->head = pa | KRELOC_IND_INDIRECTION;
	shim_printf("kreloc-shim: cpu %lu (mpidr 0x%lx): given a list that never ends "
		    "(kreloc.simulate=cpu-hang)\n", no, c->mpidr);
}

uint64_t smp_bring_up(struct kreloc_handoff *h, const void *fdt, unsigned int cap, unsigned int el,
		      uint64_t uart, enum smp_simulate simulate, struct smp_result *res)
{
	static uint64_t heads[KRELOC_SPLIT_MAX];
	uint64_t mpidr[SMP_MAX_CPUS - 1], cpu_no[SMP_MAX_CPUS - 1];
	uint64_t self = read_sysreg(mpidr_el1) & MPIDR_AFF_MASK;
	uint64_t pa, entry, deadline;
	struct kreloc_smp_page *pg;
	unsigned int n, k;
	int err;

	*res = (struct smp_result){ .cpus = 1 };
	if (cap <= 1 || h->mode != KRELOC_MODE_MMU || psci_call(PSCI_VERSION, 0, 0, 0) < 2)
		return 0;	/* one CPU asked for, classic mode, or no PSCI 0.2 (CPU_ON, AFFINITY_INFO) */
	n = find_cpus(fdt, self, mpidr, cap - 1);
	if (!n)
		return 0;
	pg = kreloc_kimage_alloc_safe(&h->ki, sizeof(*pg), &pa);
	if (!pg) {
		shim_printf("kreloc-shim: no free page outside the destinations for the CPUs; "
			    "relocating on one\n");
		return 0;
	}
	kreloc_reloc_smp_setup(h, pa, uart, psci_conduit() == 's');
	entry = kreloc_reloc_entry(h->control, el == 2 ? KRELOC_RELOC_SECONDARY_EL2 :
							  KRELOC_RELOC_SECONDARY_EL1);
	for (unsigned int i = 0; i < n; i++) {
		struct kreloc_smp_cpu *c = &pg->cpu[res->started];
		/* Aff3 = 0xff: an MPIDR no CPU of the test machine has */
		uint64_t target = simulate == SMP_SIMULATE_CPU_ON_FAIL && i == n - 1 ?
				  mpidr[i] | 0xffULL << 32 : mpidr[i];
		int64_t r;

		c->mpidr = mpidr[i];
		r = psci_call(PSCI_CPU_ON_64, target, entry, pa + ((uint64_t)(uintptr_t)c -
								  (uint64_t)(uintptr_t)pg));
		if (r) {
			shim_printf("kreloc-shim: cpu %u (mpidr 0x%lx): PSCI CPU_ON returned %ld "
				    "(%s)%s; left out\n", i + 1, mpidr[i], r, psci_ret_name(r),
				    target != mpidr[i] ? ", kreloc.simulate=cpu-on-fail" : "");
			res->left_out++;
			continue;
		}
		cpu_no[res->started++] = i + 1;
	}
	pg->nr = res->started;
	if (!res->started)
		return 0;

	deadline = read_sysreg(cntvct_el0) + read_sysreg(cntfrq_el0) * ARRIVE_MS / 1000;
	while (count_arrived(pg, res->started) < res->started &&
	       read_sysreg(cntvct_el0) < deadline)
		__asm__ volatile("yield");
	for (unsigned int i = 0; i < res->started; i++) {
		bool late = simulate == SMP_SIMULATE_LATE && i == res->started - 1;

		if (!late && load_acquire(&pg->cpu[i].state) == SMP_ARRIVED)
			continue;
		/* late: when it comes, or if it waits already, it finds this and turns itself off */
		__atomic_store_n(&pg->cpu[i].go, SMP_CANCEL, __ATOMIC_RELEASE);
		shim_printf("kreloc-shim: cpu %lu (mpidr 0x%lx): did not arrive within %u ms%s; "
			    "left out\n", cpu_no[i], pg->cpu[i].mpidr, ARRIVE_MS,
			    late ? " (kreloc.simulate=cpu-late)" : "");
		res->left_out++;
	}
	/* the cancels complete before the event that wakes their WFE */
	__asm__ volatile("dsb ish\n\tsev" ::: "memory");

	/* One list per CPU that arrived and one for us: every share has a CPU. */
	res->cpus = 1;
	for (unsigned int i = 0; i < res->started; i++)
		res->cpus += pg->cpu[i].go != SMP_CANCEL;
	err = kreloc_kimage_split(&h->ki, shim_phys_read, NULL, res->cpus, heads, &res->split);
	if (!err)
		err = kreloc_kimage_check_split(heads, res->cpus, shim_phys_read, NULL, h->segs,
						h->nr_segs, NULL);
	if (err < 0)
		shim_fail(err, "split the list between the CPUs");
	pg->head = heads[0];
	k = 1;
	for (unsigned int i = 0; i < res->started; i++) {
		if (pg->cpu[i].go == SMP_CANCEL)
			continue;
		pg->cpu[i].head = heads[k++];
		if (simulate == SMP_SIMULATE_HANG && k == res->cpus)
			simulate_hang(h, &pg->cpu[i], cpu_no[i]);
	}
	shim_printf("kreloc: relocating on %u CPUs (%u started, %u left out)\n", res->cpus,
		    res->started, res->left_out);
	return pa;
}
