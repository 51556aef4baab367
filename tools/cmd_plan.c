// SPDX-License-Identifier: MIT
/*
 * cmd_plan.c - `kreloc plan`: where the shim would put the next kernel,
 * initrd and device tree, and what the hand-off would cost (planner.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <kreloc/error.h>
#include <kreloc/xlat.h>

#include "cli.h"
#include "planner.h"

void kreloc_usage_plan(FILE *f)
{
	fprintf(f,
		"usage: %s plan BUNDLE (--dtb FILE | --ram BASE:SIZE[,...]) [options]\n"
		"\n"
		"Plan the hand-off the shim would make for BUNDLE on a machine with this\n"
		"memory, with the library's own plan/stage/prepare steps run on the host:\n"
		"the placement of kernel, initrd and device tree, the entry-list statistics,\n"
		"the transitional table pages at each granule (4k, 16k, 64k), the colliding\n"
		"pages set aside and the control page.  The bundle's mode and granule are\n"
		"used; the other granules are planned too, for their table counts.\n"
		"\n"
		"'%s plan --live IMAGE [options]' plans a kexec on this running arm64 Linux\n"
		"instead (see '%s plan --live --help').\n"
		"\n", "kreloc", "kreloc", "kreloc");
	planner_usage_common(f);
}

/* PA size in bits from PARange (the first granule the CPU has asks for it). */
static int pa_bits(uint64_t mmfr0)
{
	int bits = -1;

	for (unsigned int shift = 12; shift <= 16 && bits < 0; shift += 2)
		bits = kreloc_xlat_check_cpu(mmfr0, shift);
	return bits;
}

static void text_range(const char *name, uint64_t base, uint64_t size, const char *note)
{
	char h[24];

	printf("  %-9s 0x%09" PRIx64 "  size 0x%08" PRIx64 " (%s)%s%s\n", name, base, size,
	       planner_human(size, h, sizeof(h)), note ? "  " : "", note ? note : "");
}

static void print_text(const struct planner *pl)
{
	const struct planner_run *r = &pl->run;
	const struct kreloc_handoff *h = &r->h;
	const struct kreloc_bundle *b = &pl->bundle;
	const char *names[] = { "kernel", b->nested.data ? "nested" : "initrd", "dtb" };
	uint32_t granules = kreloc_xlat_granules(pl->o.mmfr0);
	unsigned int k = 0;
	char hb[24];

	printf("bundle:   %s (%zu bytes, mode %s, granule %s%s)\n", pl->o.bundle_path,
	       pl->bundle_len, planner_mode_name(pl->mode), planner_granule_name(pl->granule_shift),
	       (b->options & KRELOC_OPT_PLACE_HIGH) ? ", place-high" : "");
	printf("cpu:      %s (ID_AA64MMFR0_EL1 0x%" PRIx64 ": %d-bit PA, granules%s%s%s), EL%u\n",
	       pl->o.cpu_name, pl->o.mmfr0, pa_bits(pl->o.mmfr0),
	       (granules & (1U << 12)) ? " 4k" : "", (granules & (1U << 14)) ? " 16k" : "",
	       (granules & (1U << 16)) ? " 64k" : "", pl->o.el);
	printf("memory:   %s%s\n", pl->o.dtb_path ? "device tree " : "--ram",
	       pl->o.dtb_path ? pl->o.dtb_path : "");
	for (unsigned int i = 0; i < pl->map0.nr_ram; i++)
		text_range("ram", pl->map0.ram[i].base, pl->map0.ram[i].size, NULL);
	for (unsigned int i = 0; i < pl->map0.nr_reserved; i++)
		text_range("reserved", pl->map0.reserved[i].base, pl->map0.reserved[i].size, NULL);
	for (unsigned int i = 0; i < pl->map0.nr_nomap; i++)
		text_range("no-map", pl->map0.nomap[i].base, pl->map0.nomap[i].size,
			   "(reserved, never mapped)");
	printf("loaded:   %s\n", pl->relocated_load ? "lowest free place above the shim "
	       "(QEMU's usual place does not fit)" : "as QEMU virt loads -kernel/-initrd");
	text_range("shim", pl->shim.base, pl->shim.size, NULL);
	text_range("bundle", pl->bundle_at.base, pl->bundle_at.size, NULL);
	text_range("dtb", pl->dtb_at.base, pl->dtb_at.size, pl->dtb_synth ? "(made for --ram)" :
		   NULL);
	for (unsigned int i = 0; i < b->nr_preserve; i++)
		text_range("preserve", b->preserve[i].base, b->preserve[i].size, NULL);
	printf("placement:\n");
	for (unsigned int i = 0; i < h->nr_segs; i++) {
		char note[80];

		if (i == 1 && !r->p.initrd_len)
			k++;
		if (i == 0)
			snprintf(note, sizeof(note), "%" PRIu64 " bytes, zero-filled to %s%s",
				 h->segs[i].bufsz, planner_human(h->segs[i].memsz, hb, sizeof(hb)),
				 h->img.legacy ? ", legacy Image" : "");
		else
			snprintf(note, sizeof(note), "%" PRIu64 " bytes", h->segs[i].bufsz);
		text_range(names[k++], h->segs[i].dest, h->segs[i].memsz, note);
	}
	printf("  entry     0x%09" PRIx64 "  (kernel_base 0x%" PRIx64 " + text_offset 0x%" PRIx64
	       ")\n", h->place.kernel_load, h->place.kernel_base, h->img.text_offset);
	printf("entry list:\n");
	printf("  entries             %" PRIu64 "\n", h->ki.entries);
	printf("  source pages        %" PRIu64 "\n", h->ki.source_pages);
	printf("  indirection pages   %" PRIu64 "\n", h->ki.indirection_pages);
	printf("  in-place pages      %" PRIu64 "\n", h->ki.pages_in_place);
	printf("  zero-fill pages     %" PRIu64 "\n", h->ki.zero_fill_pages);
	printf("  pages copied        %" PRIu64 " (%s)\n", h->list.copies,
	       planner_human(h->list.copies * KRELOC_PAGE_SIZE, hb, sizeof(hb)));
	printf("  destination runs    %" PRIu64 "\n", h->list.runs);
	printf("colliding pages set aside: %" PRIu64 "\n", h->ki.colliding_pages_set_aside);
	printf("control page: 0x%" PRIx64 " (%s)\n", h->control,
	       planner_human(h->mode == KRELOC_MODE_MMU ? 1ULL << h->granule_shift :
			     KRELOC_PAGE_SIZE, hb, sizeof(hb)));
	if (h->xlat_fallback)
		printf("mode:     %s: no memory for the %s mode tables (W_XLAT_FALLBACK)\n",
		       planner_mode_name(h->mode), planner_mode_name(KRELOC_MODE_MMU));
	printf("tables (identity map of RAM but no-map memory, in %s mode only):\n",
	       planner_mode_name(KRELOC_MODE_MMU));
	for (unsigned int i = 0; i < PLANNER_NR_GRANULES; i++) {
		const struct planner_granule *g = &pl->gran[i];
		bool used = h->mode == KRELOC_MODE_MMU && g->shift == pl->granule_shift;

		if (g->err) {
			printf("  %-4s  refused at %s: %s (%s)\n", planner_granule_name(g->shift),
			       g->step, kreloc_strerror(g->err), kreloc_errname(g->err));
			continue;
		}
		if (g->fallback) {
			printf("  %-4s  no memory for the tables: classic mode instead\n",
			       planner_granule_name(g->shift));
			continue;
		}
		printf("  %-4s  %u pages (%s), VA %u bits, start level %u%s\n",
		       planner_granule_name(g->shift), g->table_pages,
		       planner_human((uint64_t)g->table_pages << g->shift, hb, sizeof(hb)),
		       g->va_bits, g->start_level, used ? "  <- this plan" : "");
	}
	printf("allocated: %zu pages of 4 KiB (seed %" PRIu64 "):", pl->nr_pages, pl->o.seed);
	for (unsigned int i = 0; i < PK_NR; i++)
		if (pl->kind_count[i])
			printf(" %s %" PRIu64, planner_kind_name(i), pl->kind_count[i]);
	printf("\nseeds:    %s\n", h->seeds == KRELOC_SEEDS_CALLER ? "caller entropy" :
	       h->seeds == KRELOC_SEEDS_FDT ? "derived from the incoming tree's seeds" : "none");
}

static void print_json(const struct planner *pl)
{
	const struct planner_run *r = &pl->run;
	const struct kreloc_handoff *h = &r->h;
	const struct kreloc_bundle *b = &pl->bundle;

	printf("{\"ok\": true, \"bundle\": ");
	cli_json_cstr(stdout, pl->o.bundle_path);
	printf(", \"bundle_bytes\": %zu, \"mode\": \"%s\", \"xlat_fallback\": %s, \"granule\": "
	       "\"%s\", \"el\": %u, \"cpu\": {\"name\": ", pl->bundle_len, planner_mode_name(h->mode),
	       h->xlat_fallback ? "true" : "false", planner_granule_name(pl->granule_shift), pl->o.el);
	cli_json_cstr(stdout, pl->o.cpu_name);
	printf(", \"mmfr0\": \"0x%" PRIx64 "\"}, \"memory\": {\"source\": \"%s\", \"ram\": [",
	       pl->o.mmfr0, pl->o.dtb_path ? "dtb" : "ram");
	for (unsigned int i = 0; i < pl->map0.nr_ram; i++)
		printf("%s{\"base\": \"0x%" PRIx64 "\", \"size\": %" PRIu64 "}", i ? ", " : "",
		       pl->map0.ram[i].base, pl->map0.ram[i].size);
	printf("], \"reserved\": [");
	for (unsigned int i = 0; i < pl->map0.nr_reserved; i++)
		printf("%s{\"base\": \"0x%" PRIx64 "\", \"size\": %" PRIu64 "}", i ? ", " : "",
		       pl->map0.reserved[i].base, pl->map0.reserved[i].size);
	printf("], \"nomap\": [");
	for (unsigned int i = 0; i < pl->map0.nr_nomap; i++)
		printf("%s{\"base\": \"0x%" PRIx64 "\", \"size\": %" PRIu64 "}", i ? ", " : "",
		       pl->map0.nomap[i].base, pl->map0.nomap[i].size);
	printf("]}, \"loaded\": {\"as_qemu\": %s, ", pl->relocated_load ? "false" : "true");
	planner_json_range(stdout, "shim", pl->shim.base, pl->shim.size);
	printf(", ");
	planner_json_range(stdout, "bundle", pl->bundle_at.base, pl->bundle_at.size);
	printf(", ");
	planner_json_range(stdout, "dtb", pl->dtb_at.base, pl->dtb_at.size);
	printf("}, \"preserve\": [");
	for (unsigned int i = 0; i < b->nr_preserve; i++)
		printf("%s{\"base\": \"0x%" PRIx64 "\", \"size\": %" PRIu64 "}", i ? ", " : "",
		       b->preserve[i].base, b->preserve[i].size);
	printf("], \"placement\": {\"kernel\": {\"base\": \"0x%" PRIx64 "\", \"load\": \"0x%" PRIx64
	       "\", \"size\": %" PRIu64 ", \"bytes\": %" PRIu64 "}", h->place.kernel_base,
	       h->place.kernel_load, h->segs[0].memsz, h->segs[0].bufsz);
	printf(", \"initrd\": ");
	if (r->p.initrd_len)
		printf("{\"base\": \"0x%" PRIx64 "\", \"size\": %" PRIu64 ", \"bytes\": %" PRIu64 "}",
		       h->segs[1].dest, h->segs[1].memsz, h->segs[1].bufsz);
	else
		printf("null");
	printf(", \"dtb\": {\"base\": \"0x%" PRIx64 "\", \"size\": %" PRIu64 ", \"bytes\": %" PRIu64
	       "}}", h->place.dtb.base, h->segs[h->nr_segs - 1].memsz, h->fdt_size);
	printf(", \"entry_list\": {\"entries\": %" PRIu64 ", \"source_pages\": %" PRIu64
	       ", \"indirection_pages\": %" PRIu64 ", \"in_place_pages\": %" PRIu64
	       ", \"zero_fill_pages\": %" PRIu64 ", \"pages_copied\": %" PRIu64
	       ", \"destination_runs\": %" PRIu64 "}", h->ki.entries, h->ki.source_pages,
	       h->ki.indirection_pages, h->ki.pages_in_place, h->ki.zero_fill_pages,
	       h->list.copies, h->list.runs);
	printf(", \"colliding_pages_set_aside\": %" PRIu64 ", \"control_page\": \"0x%" PRIx64
	       "\", \"mailbox\": \"0x%" PRIx64 "\", \"tables\": {", h->ki.colliding_pages_set_aside,
	       h->control, h->mailbox);
	for (unsigned int i = 0; i < PLANNER_NR_GRANULES; i++) {
		const struct planner_granule *g = &pl->gran[i];

		printf("%s\"%s\": ", i ? ", " : "", planner_granule_name(g->shift));
		if (g->err)
			printf("{\"error\": \"%s\", \"step\": \"%s\"}", kreloc_errname(g->err), g->step);
		else if (g->fallback)
			printf("{\"fallback\": \"classic\"}");
		else
			printf("{\"table_pages\": %u, \"bytes\": %" PRIu64 ", \"va_bits\": %u, "
			       "\"start_level\": %u}", g->table_pages,
			       (uint64_t)g->table_pages << g->shift, g->va_bits, g->start_level);
	}
	printf("}, \"allocated_pages\": {\"total\": %zu", pl->nr_pages);
	for (unsigned int i = 0; i < PK_NR; i++)
		printf(", \"%s\": %" PRIu64, planner_kind_name(i), pl->kind_count[i]);
	printf("}, \"seeds\": \"%s\", \"seed\": %" PRIu64 "}\n",
	       h->seeds == KRELOC_SEEDS_CALLER ? "caller" : h->seeds == KRELOC_SEEDS_FDT ? "fdt" :
	       "none", pl->o.seed);
}

int kreloc_cmd_plan(int argc, char **argv)
{
	struct planner pl = { 0 };
	int rc;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--live"))
			return kreloc_cmd_plan_live(argc, argv);
	rc = planner_parse(argc, argv, "plan", 0, kreloc_usage_plan, &pl.o);
	if (rc >= 0)
		return rc;
	if (planner_load_and_plan(&pl))
		return KRELOC_EXIT_REFUSED;
	if (pl.o.json)
		print_json(&pl);
	else
		print_text(&pl);
	planner_free(&pl);
	return KRELOC_EXIT_OK;
}
