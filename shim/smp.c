// SPDX-License-Identifier: MIT
/*
 * smp.c - verify and relocate on several CPUs: choose them from the device
 * tree and PSCI, start them before the point of no return into the shim,
 * where they hash their share of the payload's chunks and go on to the
 * control page, and deal the entry list between those that arrived (smp.h).
 */
#include <asm/cache.h>
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
#define HASHER_SIZE	(16 * 1024)	/* struct smp_hasher, then its stack */

_Static_assert(sizeof(struct smp_hasher) <= 256, "the stack keeps the rest");

/* head.S */
void shim_secondary_entry(void);
void __attribute__((noreturn)) shim_secondary_exit(uint64_t ctx, uint64_t entry);
void __attribute__((noreturn)) smp_secondary_main(struct smp_hasher *c);

/* What smp_start() found and started, for smp_hash() and smp_gather(). */
static struct {
	struct kreloc_smp_page *pg;
	uint64_t pa;
	unsigned int found;			/* CPUs offered, hashers dealt */
	struct smp_hasher *hs[SMP_MAX_CPUS - 1];	/* per CPU offered */
	int started_as[SMP_MAX_CPUS - 1];	/* its index among those started, or -1 */
	uint64_t cpu_no[SMP_MAX_CPUS - 1];	/* per CPU started: its number (1..) */
} smp;

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

static uint64_t now(void)
{
	return read_sysreg(cntvct_el0);
}

/*
 * A secondary in the shim, MMU and caches on through the runtime tables:
 * hash its share, publish the result, and go to the control page.
 */
void smp_secondary_main(struct smp_hasher *c)
{
	uint64_t bad = 0;
	int err = 0;

	if (c->count) {
		/*
		 * The boot CPU's SEV follows its store-release of go: a WFE
		 * entered before it returns at it, one after it returns at
		 * once (the event register is set), so the check-then-WFE
		 * loop cannot miss it.  The acquire orders our reads of the
		 * list and the sources after it.
		 */
		while (!__atomic_load_n(&c->go, __ATOMIC_ACQUIRE))
			__asm__ volatile("wfe");
		err = kreloc_chunks_check(c->check, shim_phys_read, NULL, c->blocks, c->first,
					  c->count, &bad);
	}
	c->err = err;
	c->bad = bad;
	/*
	 * Release, with the MMU and caches on (Normal inner shareable memory,
	 * as the boot CPU maps it): the boot CPU's load-acquire of done sees
	 * err and bad as written here.
	 */
	__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
	shim_secondary_exit(c->ctx, c->entry);
}

uint64_t smp_start(struct kreloc_handoff *h, const void *fdt, unsigned int cap, unsigned int el,
		   uint64_t uart, const struct kreloc_xlat *runtime,
		   const struct kreloc_chunks_check *check, kreloc_sha256_blocks_fn blocks,
		   enum smp_simulate simulate, struct smp_result *res)
{
	uint64_t mpidr[SMP_MAX_CPUS - 1];
	uint64_t self = read_sysreg(mpidr_el1) & MPIDR_AFF_MASK;
	uint64_t entry, hpa;
	unsigned int n;

	*res = (struct smp_result){ .cpus = 1, .hash_cpus = 1 };
	if (cap <= 1 || h->mode != KRELOC_MODE_MMU || psci_call(PSCI_VERSION, 0, 0, 0) < 2)
		return 0;	/* one CPU asked for, classic mode, or no PSCI 0.2 (CPU_ON, AFFINITY_INFO) */
	n = find_cpus(fdt, self, mpidr, cap - 1);
	if (!n)
		return 0;
	smp.pg = kreloc_kimage_alloc_safe(&h->ki, sizeof(*smp.pg), &smp.pa);
	if (!smp.pg) {
		shim_printf("kreloc-shim: no free page outside the destinations for the CPUs; "
			    "relocating on one\n");
		return 0;
	}
	smp.found = n;
	kreloc_reloc_smp_setup(h, smp.pa, uart, psci_conduit() == 's');
	entry = kreloc_reloc_entry(h->control, el == 2 ? KRELOC_RELOC_SECONDARY_EL2 :
							  KRELOC_RELOC_SECONDARY_EL1);
	for (unsigned int i = 0; i < n; i++) {
		struct kreloc_smp_cpu *c = &smp.pg->cpu[res->started];
		struct smp_hasher *hs = kreloc_kimage_alloc_safe(&h->ki, HASHER_SIZE, &hpa);
		/* Aff3 = 0xff: an MPIDR no CPU of the test machine has */
		uint64_t target = simulate == SMP_SIMULATE_CPU_ON_FAIL && i == n - 1 ?
				  mpidr[i] | 0xffULL << 32 : mpidr[i];
		int64_t r;

		smp.started_as[i] = -1;
		if (!hs) {
			shim_printf("kreloc-shim: cpu %u (mpidr 0x%lx): no free pages outside the "
				    "destinations for its stack; left out\n", i + 1, mpidr[i]);
			res->left_out++;
			continue;
		}
		*hs = (struct smp_hasher){
			.boot = { .sp = hpa + HASHER_SIZE, .ttbr = runtime->ttbr,
				  .tcr = runtime->tcr, .mair = runtime->mair,
				  .sctlr_set = runtime->sctlr_set,
				  .sctlr_clear = runtime->sctlr_clear },
			.check = check, .blocks = blocks,
			.ctx = smp.pa + ((uint64_t)(uintptr_t)c - (uint64_t)(uintptr_t)smp.pg),
			.entry = entry,
		};
		/* share 0 is this CPU's; CPU i's is share i + 1 */
		if (check)
			kreloc_chunks_share(check->total, i + 1, n + 1, &hs->first, &hs->count);
		smp.hs[i] = hs;
		/*
		 * It reads @boot with its MMU off, from memory: clean it to
		 * PoC (the DSB in the routine completes the clean).  The rest
		 * it reads with its caches on, coherent with ours.
		 */
		kreloc_dcache_civac_range(hpa, hpa + sizeof(hs->boot));
		c->mpidr = mpidr[i];
		/*
		 * Every store above (its block, its SMP page block, its share's
		 * inputs) complete and visible to the inner shareable domain
		 * before the call that starts it: a DSB, since an SMC or HVC
		 * is not a memory access a DMB would order.
		 */
		__asm__ volatile("dsb ish" ::: "memory");
		r = psci_call(PSCI_CPU_ON_64, target, (uint64_t)(uintptr_t)shim_secondary_entry, hpa);
		if (r) {
			shim_printf("kreloc-shim: cpu %u (mpidr 0x%lx): PSCI CPU_ON returned %ld "
				    "(%s)%s; left out\n", i + 1, mpidr[i], r, psci_ret_name(r),
				    target != mpidr[i] ? ", kreloc.simulate=cpu-on-fail" : "");
			res->left_out++;
			continue;
		}
		smp.started_as[i] = (int)res->started;
		smp.cpu_no[res->started++] = i + 1;
	}
	smp.pg->nr = res->started;
	return res->started ? smp.pa : 0;
}

/*
 * One "kreloc-shim-error:" line naming the chunk that differs and the CPU
 * that found it, then shim_stop(): before the point of no return.
 */
static void __attribute__((noreturn)) refuse_chunk(const struct kreloc_chunks_check *check,
						   int err, uint64_t bad, uint64_t cpu)
{
	const struct kreloc_chunks_seg *sg = &check->seg[0];

	if (err != KRELOC_E_BUNDLE_CHECKSUM) {
		shim_printf("kreloc-shim-error: %s: %s (chunks hashed on cpu %lu)\n",
			    kreloc_errname(err), kreloc_strerror(err), cpu);
		shim_stop();
	}
	for (unsigned int s = 1; s < check->nr_segs; s++)
		if (bad >= check->seg[s].first)
			sg = &check->seg[s];
	shim_printf("kreloc-shim-error: %s: %s (chunk %lu of %lu: the %s's chunk %lu, %lu KiB "
		    "each, hashed on cpu %lu)\n", kreloc_errname(err), kreloc_strerror(err), bad,
		    check->total, sg->seg == 0 ? "Image" : "initrd", bad - sg->first,
		    sg->chunk_size >> 10, cpu);
	shim_stop();
}

/* Hash @count chunks from @first here (the boot CPU, cpu 0). */
static uint64_t hash_here(const struct kreloc_chunks_check *check, kreloc_sha256_blocks_fn blocks,
			  uint64_t first, uint64_t count)
{
	uint64_t bad = 0;
	int err = kreloc_chunks_check(check, shim_phys_read, NULL, blocks, first, count, &bad);

	if (err)
		refuse_chunk(check, err, bad, 0);
	return count;
}

void smp_hash(const struct kreloc_chunks_check *check, kreloc_sha256_blocks_fn blocks,
	      enum smp_simulate simulate, struct smp_result *res)
{
	uint64_t first, count, t0 = now(), deadline;
	uint64_t frq = read_sysreg(cntfrq_el0);

	for (unsigned int i = 0; i < smp.found; i++)
		if (smp.started_as[i] >= 0)
			__atomic_store_n(&smp.hs[i]->go, 1, __ATOMIC_RELEASE);
	/* the stores complete before the event that wakes their WFE */
	__asm__ volatile("dsb ish\n\tsev" ::: "memory");
	kreloc_chunks_share(check->total, 0, smp.found + 1, &first, &count);
	res->chunks[0] = hash_here(check, blocks, first, count);
	/* the shares of CPUs not started (CPU i's is share i + 1) */
	for (unsigned int i = 0; i < smp.found; i++) {
		if (smp.started_as[i] >= 0)
			continue;
		kreloc_chunks_share(check->total, i + 1, smp.found + 1, &first, &count);
		res->chunks[0] += hash_here(check, blocks, first, count);
	}
	/* bound: twice what our own share took, and a second */
	deadline = now();
	deadline += 2 * (deadline - t0) + frq;
	for (unsigned int i = 0; i < smp.found; i++) {
		struct smp_hasher *hs = smp.hs[i];
		int k = smp.started_as[i];
		bool late = simulate == SMP_SIMULATE_HASH_LATE && k == (int)res->started - 1;

		if (k < 0)
			continue;
		while (!__atomic_load_n(&hs->done, __ATOMIC_ACQUIRE) && now() < deadline)
			__asm__ volatile("yield");
		/* acquire: its err and bad, written before its release of done */
		if (!late && __atomic_load_n(&hs->done, __ATOMIC_ACQUIRE)) {
			if (hs->err)
				refuse_chunk(check, (int)hs->err, hs->bad, smp.cpu_no[k]);
			res->chunks[k + 1] = hs->count;
			res->hash_cpus += hs->count != 0;
			continue;
		}
		shim_printf("kreloc-shim: cpu %lu (mpidr 0x%lx): did not finish hashing its %lu "
			    "chunks within %lu ms%s; hashing them here\n", smp.cpu_no[k],
			    smp.pg->cpu[k].mpidr, hs->count, (deadline - t0) * 1000 / frq,
			    late ? " (kreloc.simulate=cpu-hash-late)" : "");
		res->chunks[0] += hash_here(check, blocks, hs->first, hs->count);
	}
}

void smp_gather(struct kreloc_handoff *h, enum smp_simulate simulate, struct smp_result *res)
{
	static uint64_t heads[KRELOC_SPLIT_MAX];
	struct kreloc_smp_page *pg = smp.pg;
	uint64_t deadline;
	unsigned int k;
	int err;

	deadline = now() + read_sysreg(cntfrq_el0) * ARRIVE_MS / 1000;
	while (count_arrived(pg, res->started) < res->started && now() < deadline)
		__asm__ volatile("yield");
	for (unsigned int i = 0; i < res->started; i++) {
		bool late = simulate == SMP_SIMULATE_LATE && i == res->started - 1;

		if (!late && load_acquire(&pg->cpu[i].state) == SMP_ARRIVED)
			continue;
		/* late: when it comes, or if it waits already, it finds this and turns itself off */
		__atomic_store_n(&pg->cpu[i].go, SMP_CANCEL, __ATOMIC_RELEASE);
		shim_printf("kreloc-shim: cpu %lu (mpidr 0x%lx): did not arrive within %u ms%s; "
			    "left out\n", smp.cpu_no[i], pg->cpu[i].mpidr, ARRIVE_MS,
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
			simulate_hang(h, &pg->cpu[i], smp.cpu_no[i]);
	}
	shim_printf("kreloc: relocating on %u CPUs (%u started, %u left out)\n", res->cpus,
		    res->started, res->left_out);
}
