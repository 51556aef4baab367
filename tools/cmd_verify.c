// SPDX-License-Identifier: MIT
/*
 * cmd_verify.c - `kreloc verify`: plan a hand-off as `kreloc plan` does,
 * run its entry list on the simulated memory the way the trampoline does,
 * and prove the result (planner.h, sim.h).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include <kreloc/chunks.h>
#include <kreloc/error.h>
#include <kreloc/fdt.h>
#include <kreloc/mailbox.h>
#include <kreloc/sha256.h>
#include <kreloc/xlat.h>

#include "cli.h"
#include "planner.h"

void kreloc_usage_verify(FILE *f)
{
	fprintf(f,
		"usage: %s verify BUNDLE (--dtb FILE | --ram BASE:SIZE[,...]) [options]\n"
		"\n"
		"Plan the hand-off as 'kreloc plan' does, then execute its entry list on the\n"
		"simulated memory exactly as the trampoline walks it, and prove:\n"
		"  execute     the list is well formed and ends in IND_DONE\n"
		"  ordering    no list or source page is read after the copy wrote it, and\n"
		"              no table or control page is written at all\n"
		"  outside     nothing outside the destinations is written, nothing twice\n"
		"  contents    every destination holds its segment, then zeros\n"
		"  tables      (mmu mode) the transitional tables translate every page the\n"
		"              copy touches to itself as Normal write-back memory, the\n"
		"              destinations writable and the control page executable, and\n"
		"              no page of no-map reserved memory at all\n"
		"  digests     the staged pages, walked as the trampoline walks them, hash\n"
		"              to the bundle's SHA-256s and to the tree plan() wrote\n"
		"  loader      the shim, bundle, device tree and preserved ranges are unchanged\n"
		"  next-dtb    the tree at its destination is valid and has the command line,\n"
		"              the initrd range, fresh seeds, the counter mailbox and the\n"
		"              preserved ranges as /memreserve/\n"
		"  accounting  every page the allocator handed out is a source, in-place, zero,\n"
		"              list, table, control or set-aside page, as the counts say\n"
		"\n"
		"  --inject source|list|table  break the plan after prepare (flip a byte of a\n"
		"              source page; point the last SOURCE entry at a destination page;\n"
		"              zero the root table) to show the checks catch it; verify then\n"
		"              fails with exit status 1\n"
		"\n", "kreloc");
	planner_usage_common(f);
}

enum { ST_OK, ST_FAIL, ST_SKIP };
enum { C_EXECUTE, C_ORDERING, C_OUTSIDE, C_CONTENTS, C_TABLES, C_DIGESTS, C_LOADER, C_DTB,
	C_ACCOUNT, C_NR };

static const char *const check_names[C_NR] = {
	"execute", "ordering", "outside", "contents", "tables", "digests", "loader", "next-dtb",
	"accounting",
};

struct verdict {
	int status[C_NR];
	char detail[C_NR][256];
	struct kreloc_sim_result res;
};

static void set(struct verdict *v, unsigned int c, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set(struct verdict *v, unsigned int c, int status, const char *fmt, ...)
{
	va_list ap;

	v->status[c] = status;
	va_start(ap, fmt);
	vsnprintf(v->detail[c], sizeof(v->detail[c]), fmt, ap);
	va_end(ap);
}

/* ---- breaking the plan on purpose (--inject) --------------------------- */

/* Address of the list slot holding the last SOURCE entry, or 0. */
static uint64_t last_source_slot(struct kreloc_sim *sim, uint64_t head)
{
	uint64_t e = head, page = 0, last = 0;
	unsigned int slot = 0;

	for (uint64_t step = 0; step < (1ULL << 28); step++) {
		unsigned int f = e & KRELOC_IND_FLAGS;

		if (f == KRELOC_IND_DONE)
			return last;
		if (f == KRELOC_IND_INDIRECTION) {
			page = e & ~(uint64_t)(KRELOC_IND_PAGE_SIZE - 1);
			slot = 0;
		}
		if (!page || slot == KRELOC_IND_SLOTS)
			return 0;
		kreloc_sim_read(sim, page + slot * 8ULL, &e, 8);
		if ((e & KRELOC_IND_FLAGS) == KRELOC_IND_SOURCE)
			last = page + slot * 8ULL;
		slot++;
	}
	return 0;
}

static int inject(struct planner *pl)
{
	struct planner_run *r = &pl->run;
	uint64_t pa = 0, e;
	uint8_t byte;

	switch (pl->o.inject) {
	case PLANNER_INJECT_SOURCE:
		for (size_t i = 0; i < pl->nr_pages && !pa; i++)
			if (pl->pages[i].kind == PK_SOURCE)
				pa = pl->pages[i].pa + 100;
		if (!pa)
			return -1;
		kreloc_sim_read(r->sim, pa, &byte, 1);
		byte ^= 0x5a;
		kreloc_sim_write(r->sim, pa, &byte, 1);
		return 0;
	case PLANNER_INJECT_LIST:
		pa = last_source_slot(r->sim, r->h.ki.head);
		if (!pa)
			return -1;
		e = r->h.segs[0].dest | KRELOC_IND_SOURCE;
		kreloc_sim_write(r->sim, pa, &e, 8);
		return 0;
	case PLANNER_INJECT_TABLE: {
		uint64_t g = 1ULL << r->h.granule_shift;
		uint8_t *z;

		if (r->h.mode != KRELOC_MODE_MMU)
			return -1;
		z = calloc(1, g);
		if (!z)
			return -1;
		kreloc_sim_write(r->sim, r->h.xlat.root_pa, z, g);
		free(z);
		return 0;
	}
	default:
		return 0;
	}
}

/* ---- the checks -------------------------------------------------------- */

/* Walk one page: identity, Normal WB, inner shareable, and the access it needs. */
static int walk_one(const struct planner_run *r, uint64_t va, bool write, bool exec, char *why,
		    size_t n)
{
	struct kreloc_xlat_walk_result w;
	int err = kreloc_xlat_walk(&r->h.xlat, va, kreloc_sim_phys_read, r->sim, &w);

	if (err)
		snprintf(why, n, "page 0x%" PRIx64 " does not translate (%s, fault %d)", va,
			 kreloc_errname(err), (int)w.fault);
	else if (w.pa != va)
		snprintf(why, n, "page 0x%" PRIx64 " translates to 0x%" PRIx64, va, w.pa);
	else if (w.mair_attr != KRELOC_XLAT_MAIR_NORMAL_WB || w.sh != 3)
		snprintf(why, n, "page 0x%" PRIx64 " is not Normal WB inner shareable "
			 "(MAIR 0x%x, SH %u)", va, w.mair_attr, w.sh);
	else if (write && !w.writable)
		snprintf(why, n, "destination page 0x%" PRIx64 " is read-only", va);
	else if (exec && !w.executable)
		snprintf(why, n, "control page 0x%" PRIx64 " is not executable", va);
	else
		return 0;
	return -1;
}

static void check_tables(const struct planner *pl, struct verdict *v)
{
	const struct planner_run *r = &pl->run;
	uint64_t walked = 0, nomap = 0;
	char why[200];

	if (r->h.mode != KRELOC_MODE_MMU) {
		set(v, C_TABLES, ST_SKIP, "%s mode: the copy runs with the MMU off, no tables",
		    r->h.xlat_fallback ? "fallen back to classic" : "classic");
		return;
	}
	for (unsigned int i = 0; i < r->h.nr_segs; i++)
		for (uint64_t off = 0; off < r->h.segs[i].memsz; off += KRELOC_PAGE_SIZE, walked++)
			if (walk_one(r, r->h.segs[i].dest + off, true, false, why, sizeof(why)))
				goto bad;
	for (size_t i = 0; i < pl->nr_pages; i++) {
		const struct planner_page *p = &pl->pages[i];

		if (p->kind != PK_SOURCE && p->kind != PK_ZERO && p->kind != PK_LIST &&
		    p->kind != PK_CONTROL)
			continue;
		walked++;
		if (walk_one(r, p->pa, false, p->kind == PK_CONTROL, why, sizeof(why)))
			goto bad;
	}
	/* no-map memory must fault, every page of it */
	for (unsigned int i = 0; i < pl->map0.nr_nomap; i++) {
		const struct kreloc_range *nm = &pl->map0.nomap[i];

		for (uint64_t va = KRELOC_ALIGN_DOWN(nm->base, KRELOC_PAGE_SIZE);
		     va < kreloc_range_end(nm); va += KRELOC_PAGE_SIZE, nomap++) {
			struct kreloc_xlat_walk_result w;

			if (kreloc_xlat_walk(&r->h.xlat, va, kreloc_sim_phys_read, r->sim, &w) !=
			    KRELOC_E_XLAT_FAULT) {
				snprintf(why, sizeof(why), "no-map page 0x%" PRIx64 " is mapped", va);
				goto bad;
			}
		}
	}
	set(v, C_TABLES, ST_OK, "%" PRIu64 " pages (destinations, sources, list, control) map "
	    "to themselves as Normal WB inner shareable; destinations writable, control "
	    "page executable; %" PRIu64 " no-map pages unmapped; %u table pages of %s", walked,
	    nomap, r->h.xlat.table_pages, planner_granule_name(r->h.granule_shift));
	return;
bad:
	set(v, C_TABLES, ST_FAIL, "%s", why);
}

static void check_digests(const struct planner *pl, struct verdict *v)
{
	const struct planner_run *r = &pl->run;
	const struct kreloc_bundle *b = &pl->bundle;
	struct kreloc_chunks_check c;
	uint64_t bad = 0;
	int64_t n = kreloc_chunks_check_init(&c, &r->h, &b->image, &b->initrd,
					     kreloc_sha256_blocks);
	int err = n < 0 ? (int)n : kreloc_handoff_verify(&r->h, kreloc_sim_phys_read, r->sim,
							 kreloc_sha256_blocks);

	/* chunked blobs (bundle.h): every chunk, as one CPU of the shim would */
	if (!err && n > 0)
		err = kreloc_chunks_check(&c, kreloc_sim_phys_read, r->sim, kreloc_sha256_blocks, 0,
					  (uint64_t)n, &bad);
	if (err == KRELOC_E_BUNDLE_CHECKSUM && n > 0)
		set(v, C_DIGESTS, ST_FAIL, "the staged copy is not the payload: %s (%s; chunk "
		    "%" PRIu64 " of %" PRId64 " if chunked, else a whole digest)",
		    kreloc_strerror(err), kreloc_errname(err), bad, n);
	else if (err)
		set(v, C_DIGESTS, ST_FAIL, "the staged copy is not the payload: %s (%s)",
		    kreloc_strerror(err), kreloc_errname(err));
	else
		set(v, C_DIGESTS, ST_OK, "the staged pages of the Image%s and the tree hash to "
		    "their SHA-256s%s", r->p.initrd_len ? ", the initrd" : "",
		    n > 0 ? " (the Image and initrd per chunk, under their roots)" : "");
}

static void check_loader(const struct planner *pl, struct verdict *v)
{
	const struct kreloc_bundle *b = &pl->bundle;
	struct kreloc_range r[3 + KRELOC_BUNDLE_MAX_PRESERVE];
	unsigned int n = 0;
	uint64_t bytes = 0;

	r[n++] = pl->shim;
	r[n++] = pl->bundle_at;
	r[n++] = pl->dtb_at;
	for (unsigned int i = 0; i < b->nr_preserve; i++)
		r[n++] = b->preserve[i];
	for (unsigned int i = 0; i < n; i++) {
		if (!kreloc_sim_unchanged(pl->run.sim, r[i].base, r[i].size)) {
			set(v, C_LOADER, ST_FAIL, "range 0x%" PRIx64 "+0x%" PRIx64 " was written",
			    r[i].base, r[i].size);
			return;
		}
		bytes += r[i].size;
	}
	set(v, C_LOADER, ST_OK, "shim, bundle, device tree and %u preserved ranges unchanged "
	    "(%" PRIu64 " bytes)", b->nr_preserve, bytes);
}

/* Bytes of property @name of /chosen in @fdt, or NULL. */
static const void *chosen_prop(const void *fdt, const char *name, int *len)
{
	int node = fdt_path_offset(fdt, "/chosen");

	return node < 0 ? NULL : fdt_getprop(fdt, node, name, len);
}

static bool has_rsv(const void *fdt, const struct kreloc_range *r)
{
	for (int i = 0; i < fdt_num_mem_rsv(fdt); i++) {
		uint64_t a, s;

		if (!fdt_get_mem_rsv(fdt, i, &a, &s) && a == r->base && s == r->size)
			return true;
	}
	return false;
}

/* Seed property @name present, and not what the incoming tree had. */
static bool fresh(const void *out, const void *in, const char *name)
{
	int lo, li;
	const void *o = chosen_prop(out, name, &lo), *i = chosen_prop(in, name, &li);

	return o && lo > 0 && (!i || li != lo || memcmp(o, i, (size_t)lo));
}

static void check_dtb(const struct planner *pl, struct verdict *v)
{
	const struct planner_run *r = &pl->run;
	const struct kreloc_handoff *h = &r->h;
	uint8_t *t = malloc(h->fdt_size);
	const char *args, *why = NULL;
	const void *mb;
	uint64_t s, e;
	int len, ri;

	if (!t) {
		set(v, C_DTB, ST_FAIL, "out of memory");
		return;
	}
	kreloc_sim_read(r->sim, h->place.dtb.base, t, h->fdt_size);
	args = fdt_check_full(t, h->fdt_size) ? NULL : chosen_prop(t, "bootargs", &len);
	ri = kreloc_fdt_chosen_initrd(t, &s, &e);
	mb = chosen_prop(t, KRELOC_MAILBOX_PROP, &len);
	if (fdt_check_full(t, h->fdt_size))
		why = "the tree at its destination is not a valid device tree";
	else if (strcmp(args ? args : "", pl->cmdline))
		why = "bootargs is not the bundle's command line";
	else if (r->p.initrd_len ? ri != 1 || s != h->segs[1].dest || e != s + r->p.initrd_len :
		 ri != 0)
		why = "linux,initrd-start/end do not name the initrd's destination";
	else if (h->seeds != KRELOC_SEEDS_NONE &&
		 (!fresh(t, r->p.fdt, "kaslr-seed") || !fresh(t, r->p.fdt, "rng-seed")))
		why = "kaslr-seed or rng-seed missing, or handed on unchanged";
	else if (!mb || len != KRELOC_MAILBOX_SIZE ||
		 h->place.dtb.base + (uint64_t)((const uint8_t *)mb - t) != h->mailbox)
		why = "the counter mailbox is missing or not where the trampoline writes";
	for (unsigned int i = 0; !why && i < r->p.nr_preserve; i++)
		if (!has_rsv(t, &r->p.preserve[i]))
			why = "a preserved range is not a /memreserve/ entry";
	if (why)
		set(v, C_DTB, ST_FAIL, "%s", why);
	else
		set(v, C_DTB, ST_OK, "valid tree at 0x%" PRIx64 " (%" PRIu64 " bytes): bootargs, "
		    "initrd range, %s, mailbox at 0x%" PRIx64 ", %u /memreserve/ for preserved "
		    "ranges", h->place.dtb.base, h->fdt_size, h->seeds == KRELOC_SEEDS_NONE ?
		    "no seeds (no entropy)" : "fresh kaslr-seed and rng-seed", h->mailbox,
		    r->p.nr_preserve);
	free(t);
}

static void check_accounting(const struct planner *pl, struct verdict *v)
{
	const struct kreloc_handoff *h = &pl->run.h;
	const uint64_t *k = pl->kind_count;
	uint64_t ctl = h->mode == KRELOC_MODE_MMU ? 1ULL << (h->granule_shift - 12) : 1;
	uint64_t tables = h->mode == KRELOC_MODE_MMU ?
			  (uint64_t)h->xlat.table_pages << (h->granule_shift - 12) : 0;

	if (k[PK_OTHER] || k[PK_SOURCE] != h->ki.source_pages ||
	    k[PK_IN_PLACE] != h->ki.pages_in_place ||
	    k[PK_LIST] != h->ki.indirection_pages || k[PK_ZERO] != (h->ki.zero_fill_pages ? 1 : 0) ||
	    k[PK_SET_ASIDE] != h->ki.colliding_pages_set_aside || k[PK_CONTROL] != ctl ||
	    k[PK_TABLE] != tables)
		set(v, C_ACCOUNT, ST_FAIL, "allocated pages do not match the counts: source %" PRIu64
		    "/%" PRIu64 ", in place %" PRIu64 "/%" PRIu64 ", list %" PRIu64 "/%" PRIu64
		    ", set aside %" PRIu64 "/%" PRIu64 ", table %" PRIu64 "/%" PRIu64
		    ", unaccounted %" PRIu64, k[PK_SOURCE], h->ki.source_pages, k[PK_IN_PLACE],
		    h->ki.pages_in_place, k[PK_LIST],
		    h->ki.indirection_pages, k[PK_SET_ASIDE], h->ki.colliding_pages_set_aside,
		    k[PK_TABLE], tables, k[PK_OTHER]);
	else
		set(v, C_ACCOUNT, ST_OK, "%zu pages handed out: %" PRIu64 " source, %" PRIu64
		    " in place, %" PRIu64 " zero, %" PRIu64 " list, %" PRIu64 " table, %" PRIu64
		    " control, %" PRIu64 " set aside", pl->nr_pages, k[PK_SOURCE], k[PK_IN_PLACE],
		    k[PK_ZERO], k[PK_LIST], k[PK_TABLE], k[PK_CONTROL], k[PK_SET_ASIDE]);
}

static void check_run(struct planner *pl, struct verdict *v)
{
	struct planner_run *r = &pl->run;
	struct kreloc_sim_result *res = &v->res;
	uint64_t protected = 0;
	int f;

	/* Tables and control page are read during the whole copy: they must never be written. */
	for (size_t i = 0; i < pl->nr_pages; i++) {
		if (pl->pages[i].kind == PK_TABLE || pl->pages[i].kind == PK_CONTROL) {
			kreloc_sim_protect(r->sim, pl->pages[i].pa, KRELOC_PAGE_SIZE);
			protected++;
		}
	}
	check_tables(pl, v);
	check_digests(pl, v);
	if (kreloc_sim_execute(r->sim, r->h.ki.head, r->h.segs, r->h.nr_segs, 0, res)) {
		f = res->fault;
		set(v, f == KRELOC_SIM_CLOBBERED_READ || f == KRELOC_SIM_PROTECTED_WRITE ? C_ORDERING :
		    f == KRELOC_SIM_OUTSIDE_WRITE || f == KRELOC_SIM_DOUBLE_WRITE ? C_OUTSIDE :
		    C_EXECUTE, ST_FAIL, "%s", res->msg);
		for (unsigned int c = C_EXECUTE; c <= C_OUTSIDE; c++)
			if (v->status[c] != ST_FAIL)
				set(v, c, ST_SKIP, "not proved: the run stopped at the first violation");
		set(v, C_CONTENTS, ST_SKIP, "not proved: the run stopped at the first violation");
		return;
	}
	set(v, C_EXECUTE, ST_OK, "%" PRIu64 " entries on %" PRIu64 " list pages ran to IND_DONE: "
	    "%" PRIu64 " pages copied, %" PRIu64 " in place", res->steps, res->list_pages,
	    res->copies, res->skipped);
	set(v, C_ORDERING, ST_OK, "no list or source page read after the copy wrote it; none "
	    "of the %" PRIu64 " table and control pages written", protected);
	set(v, C_OUTSIDE, ST_OK, "%" PRIu64 " pages written, each once, all inside the "
	    "destinations", res->pages_written);
	if (kreloc_sim_verify(r->sim, r->h.segs, r->h.nr_segs, res))
		set(v, C_CONTENTS, ST_FAIL, "%s", res->msg);
	else
		set(v, C_CONTENTS, ST_OK, "%" PRIu64 " destination pages hold their segment's bytes, "
		    "then zeros", res->pages_checked);
}

static void print(const struct planner *pl, const struct verdict *v, unsigned int proved,
		  unsigned int failed)
{
	static const char *const st[] = { "ok", "FAIL", "skip" };
	static const char *const inj[] = { "none", "source", "list", "table" };
	const struct kreloc_handoff *h = &pl->run.h;

	if (!pl->o.json) {
		printf("verify:   %s: %s mode, %s granule, EL%u, seed %" PRIu64 "%s%s\n",
		       pl->o.bundle_path, planner_mode_name(h->mode),
		       planner_granule_name(h->granule_shift), pl->o.el, pl->o.seed,
		       pl->o.inject ? ", injected fault: " : "", pl->o.inject ? inj[pl->o.inject] : "");
		for (unsigned int c = 0; c < C_NR; c++)
			printf("  %-4s  %-10s  %s\n", st[v->status[c]], check_names[c], v->detail[c]);
		printf("%s: %u checks proved, %u failed\n", failed ? "FAILED" : "proved", proved,
		       failed);
		return;
	}
	printf("{\"ok\": %s, \"bundle\": ", failed ? "false" : "true");
	cli_json_cstr(stdout, pl->o.bundle_path);
	printf(", \"mode\": \"%s\", \"granule\": \"%s\", \"el\": %u, \"seed\": %" PRIu64
	       ", \"inject\": \"%s\", \"checks\": [", planner_mode_name(h->mode),
	       planner_granule_name(h->granule_shift), pl->o.el, pl->o.seed, inj[pl->o.inject]);
	for (unsigned int c = 0; c < C_NR; c++) {
		printf("%s{\"name\": \"%s\", \"status\": \"%s\", \"detail\": ", c ? ", " : "",
		       check_names[c], v->status[c] == ST_OK ? "ok" : v->status[c] == ST_FAIL ?
		       "fail" : "skipped");
		cli_json_cstr(stdout, v->detail[c]);
		printf("}");
	}
	printf("], \"executor\": {\"steps\": %" PRIu64 ", \"list_pages\": %" PRIu64
	       ", \"copies\": %" PRIu64 ", \"skipped\": %" PRIu64 ", \"pages_written\": %" PRIu64
	       ", \"pages_checked\": %" PRIu64 ", \"fault\": \"%s\"}, \"proved\": %u, \"failed\": %u}\n",
	       v->res.steps, v->res.list_pages, v->res.copies, v->res.skipped,
	       v->res.pages_written, v->res.pages_checked, kreloc_sim_fault_name(v->res.fault),
	       proved, failed);
}

int kreloc_cmd_verify(int argc, char **argv)
{
	struct planner pl = { 0 };
	struct verdict *v;
	unsigned int proved = 0, failed = 0;
	int rc = planner_parse(argc, argv, "verify", PLANNER_OPT_INJECT, kreloc_usage_verify, &pl.o);

	if (rc >= 0)
		return rc;
	if (planner_load_and_plan(&pl))
		return KRELOC_EXIT_REFUSED;
	if (inject(&pl)) {
		cli_err("verify", "--inject: nothing to inject into in this plan (table needs mmu mode)");
		planner_free(&pl);
		return KRELOC_EXIT_USAGE;
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		planner_free(&pl);
		return KRELOC_EXIT_REFUSED;
	}
	check_run(&pl, v);
	check_loader(&pl, v);
	if (v->status[C_EXECUTE] == ST_OK)
		check_dtb(&pl, v);
	else
		set(v, C_DTB, ST_SKIP, "not proved: the list did not run to the end");
	check_accounting(&pl, v);
	for (unsigned int c = 0; c < C_NR; c++) {
		proved += v->status[c] == ST_OK;
		failed += v->status[c] == ST_FAIL;
	}
	print(&pl, v, proved, failed);
	free(v);
	planner_free(&pl);
	return failed ? KRELOC_EXIT_REFUSED : KRELOC_EXIT_OK;
}
