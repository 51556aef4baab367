// SPDX-License-Identifier: MIT
/*
 * cmd_map.c - `kreloc map --svg FILE`: a picture of physical memory for a
 * planned hand-off (planner.h).
 *
 * Each RAM bank is drawn on its own scale, as rows of ROW_PX pixels covering
 * a power-of-two span chosen so that the bank takes at most about
 * ROW_BUDGET rows: a 1 GiB bank is 32 rows of 32 MiB, a 64 GiB bank 32 rows
 * of 2 GiB.  A row has two lanes: ranges above (reserved, loaded, preserved,
 * destinations; each at least 2 px wide so a page-sized range stays
 * visible) and allocated pages below, binned per pixel, the rarest kind in a
 * pixel winning (control page, tables and list pages over sources).  The
 * control page and the tables also get a marker.  A table of every named
 * range follows the map.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "planner.h"

#define LEFT		120
#define ROW_PX		1024
#define SVG_W		(LEFT + ROW_PX + 80)
#define LANE_A		16
#define LANE_B		10
#define ROW_H		(LANE_A + LANE_B + 18)
#define ROW_BUDGET	40
#define MIN_SPAN	(64ULL << 10)

void kreloc_usage_map(FILE *f)
{
	fprintf(f,
		"usage: %s map BUNDLE (--dtb FILE | --ram BASE:SIZE[,...]) --svg FILE [options]\n"
		"\n"
		"Plan the hand-off as 'kreloc plan' does and draw physical memory as SVG:\n"
		"RAM banks (each on its own scale, in rows), reserved ranges, where the\n"
		"shim, bundle and device tree were loaded, preserved ranges, the kernel,\n"
		"initrd and device tree destinations, and every page the hand-off took:\n"
		"scattered source pages, in-place pages, the zero page, list pages, table\n"
		"pages, the control page and the colliding pages set aside; with a legend\n"
		"and a table of the named ranges.  Written atomically.\n"
		"\n"
		"  --svg FILE          where to write the picture (required)\n"
		"\n", "kreloc");
	planner_usage_common(f);
}

/* Range kinds (lane A), painted in this order; then page kinds (lane B). */
enum { R_FREE, R_RESERVED, R_SHIM, R_BUNDLE, R_DTB_IN, R_PRESERVE, R_KERNEL, R_INITRD,
	R_DTB, R_NR };

static const struct {
	const char *color, *label;
} rstyle[R_NR] = {
	[R_FREE] = { "#ececec", "free RAM" },
	[R_RESERVED] = { "#6d6d6d", "reserved" },
	[R_SHIM] = { "#ff9800", "shim (loaded)" },
	[R_BUNDLE] = { "#ffd180", "bundle (loaded)" },
	[R_DTB_IN] = { "#fff176", "device tree (loaded)" },
	[R_PRESERVE] = { "#ab47bc", "preserved" },
	[R_KERNEL] = { "#1e88e5", "kernel destination" },
	[R_INITRD] = { "#43a047", "initrd destination" },
	[R_DTB] = { "#00897b", "device tree destination" },
};

static const struct {
	const char *color, *label;
	int prio;		/* higher wins a shared pixel */
} pstyle[PK_NR] = {
	[PK_SOURCE] = { "#e53935", "source page", 2 },
	[PK_IN_PLACE] = { "#90caf9", "in-place page", 1 },
	[PK_ZERO] = { "#c0ca33", "zero page", 4 },
	[PK_LIST] = { "#212121", "list page", 5 },
	[PK_SET_ASIDE] = { "#bcaaa4", "set aside", 0 },
	[PK_TABLE] = { "#6a1b9a", "table page", 6 },
	[PK_CONTROL] = { "#ff1744", "control page", 7 },
	[PK_OTHER] = { "#00e5ff", "unaccounted", 3 },
};

struct named {
	int kind;
	const char *name;
	uint64_t base, size;
};

struct map {
	const struct planner *pl;
	FILE *f;
	struct named r[64];
	unsigned int nr;
	size_t page;		/* next page (pl->pages is sorted) */
	unsigned int rows, rects;
	bool named[PK_NR];	/* a marker of this kind already has its label */
};

static void add(struct map *m, int kind, const char *name, uint64_t base, uint64_t size)
{
	if (size && m->nr < KRELOC_ARRAY_SIZE(m->r))
		m->r[m->nr++] = (struct named){ kind, name, base, size };
}

static void collect(struct map *m)
{
	const struct planner *pl = m->pl;
	const struct kreloc_handoff *h = &pl->run.h;
	const struct kreloc_bundle *b = &pl->bundle;

	for (unsigned int i = 0; i < pl->map0.nr_reserved; i++)
		add(m, R_RESERVED, "reserved", pl->map0.reserved[i].base, pl->map0.reserved[i].size);
	add(m, R_SHIM, "shim", pl->shim.base, pl->shim.size);
	add(m, R_BUNDLE, "bundle", pl->bundle_at.base, pl->bundle_at.size);
	add(m, R_DTB_IN, "dtb (in)", pl->dtb_at.base, pl->dtb_at.size);
	for (unsigned int i = 0; i < b->nr_preserve; i++)
		add(m, R_PRESERVE, "preserved", b->preserve[i].base, b->preserve[i].size);
	add(m, R_KERNEL, "kernel", h->segs[0].dest, h->segs[0].memsz);
	if (pl->run.p.initrd_len)
		add(m, R_INITRD, b->nested.data ? "nested bundle" : "initrd", h->segs[1].dest,
		    h->segs[1].memsz);
	add(m, R_DTB, "dtb (next)", h->place.dtb.base, h->segs[h->nr_segs - 1].memsz);
}

static void esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else
			fputc(*s, f);
	}
}

static uint64_t pow2_at_least(uint64_t v)
{
	uint64_t p = MIN_SPAN;

	while (p < v && p < (1ULL << 62))
		p <<= 1;
	return p;
}

static void rect(struct map *m, double x, double y, double w, double h, const char *fill,
		 const char *extra)
{
	fprintf(m->f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"%s/>\n",
		x, y, w, h, fill, extra ? extra : "");
	m->rects++;
}

/* Pixel span of [base, base+size) in the row [start, start+span), or false. */
static bool span_px(uint64_t start, uint64_t span, uint64_t base, uint64_t size, double *x0,
		    double *x1)
{
	uint64_t end = base + size, rend = start + span;
	double bpp = (double)span / ROW_PX;

	if (!size || end <= start || base >= rend)
		return false;
	*x0 = (double)((base > start ? base : start) - start) / bpp;
	*x1 = (double)((end < rend ? end : rend) - start) / bpp;
	if (*x1 - *x0 < 2) {
		*x1 = *x0 + 2;
		if (*x1 > ROW_PX) {
			*x1 = ROW_PX;
			*x0 = ROW_PX - 2;
		}
	}
	return true;
}

static void draw_ranges(struct map *m, uint64_t start, uint64_t span, const struct kreloc_range *bank,
			double y)
{
	double x0, x1;

	if (span_px(start, span, bank->base, bank->size, &x0, &x1))
		rect(m, LEFT + x0, y, x1 - x0, LANE_A, rstyle[R_FREE].color, NULL);
	for (int k = R_RESERVED; k < R_NR; k++) {
		for (unsigned int i = 0; i < m->nr; i++) {
			const struct named *n = &m->r[i];
			char t[96], hb[24];

			if (n->kind != k || !span_px(start, span, n->base, n->size, &x0, &x1))
				continue;
			rect(m, LEFT + x0, y, x1 - x0, LANE_A, rstyle[k].color, NULL);
			/* Name it where it starts, if there is room. */
			if (n->base < start)
				continue;
			snprintf(t, sizeof(t), "%s %s", n->name, planner_human(n->size, hb, sizeof(hb)));
			if (x1 - x0 < 6.2 * (double)strlen(t)) {
				snprintf(t, sizeof(t), "%s", n->name);
				if (x1 - x0 < 6.2 * (double)strlen(t))
					continue;
			}
			fprintf(m->f, "<text x=\"%.1f\" y=\"%.1f\" class=\"in%s\">", LEFT + x0 + 3,
				y + LANE_A - 4, k == R_BUNDLE || k == R_DTB_IN || k == R_SHIM ?
				" dark" : "");
			esc(m->f, t);
			fputs("</text>\n", m->f);
		}
	}
}

/* Allocated pages of this row, binned per pixel; markers for tables and control. */
static void draw_pages(struct map *m, uint64_t start, uint64_t span, double y)
{
	const struct planner *pl = m->pl;
	static signed char px[ROW_PX];
	double bpp = (double)span / ROW_PX;
	int last_marker = -100;
	bool named[PK_NR] = { false };

	memset(px, -1, sizeof(px));
	while (m->page < pl->nr_pages && pl->pages[m->page].pa < start)
		m->page++;
	for (size_t i = m->page; i < pl->nr_pages && pl->pages[i].pa < start + span; i++) {
		const struct planner_page *p = &pl->pages[i];
		int a = (int)((double)(p->pa - start) / bpp);
		int b = (int)((double)(p->pa + KRELOC_PAGE_SIZE - start) / bpp + 0.999);

		for (int x = a; x < b && x < ROW_PX; x++)
			if (px[x] < 0 || pstyle[p->kind].prio > pstyle[(int)px[x]].prio)
				px[x] = (signed char)p->kind;
		if ((p->kind == PK_CONTROL || p->kind == PK_TABLE || p->kind == PK_LIST) &&
		    a - last_marker > 6) {
			double ty = y + LANE_A + LANE_B + 1;

			fprintf(m->f, "<path d=\"M%.1f %.1f l-4 7 h8 z\" fill=\"%s\"/>\n",
				LEFT + a + 0.5, ty, pstyle[p->kind].color);
			if (!named[p->kind] && !m->named[p->kind])
				fprintf(m->f, "<text x=\"%.1f\" y=\"%.1f\" class=\"t\"%s>%s</text>\n",
					LEFT + a + (a > ROW_PX - 80 ? -6.0 : 6.0), ty + 7,
					a > ROW_PX - 80 ? " text-anchor=\"end\"" : "",
					p->kind == PK_CONTROL ? "control page" :
					p->kind == PK_TABLE ? "tables" : "list");
			named[p->kind] = true;
			last_marker = a;
		}
	}
	for (int k = 0; k < PK_NR; k++)
		m->named[k] |= named[k];
	for (int x = 0; x < ROW_PX;) {
		int k = px[x], e = x + 1;

		while (e < ROW_PX && px[e] == k)
			e++;
		if (k >= 0)
			rect(m, LEFT + x, y + LANE_A + 1, e - x, LANE_B, pstyle[k].color, NULL);
		x = e;
	}
}

static double draw_bank(struct map *m, const struct kreloc_range *bank, unsigned int budget,
			double y)
{
	uint64_t span = pow2_at_least((bank->size + budget - 1) / budget);
	uint64_t start = KRELOC_ALIGN_DOWN(bank->base, span), end = kreloc_range_end(bank);
	char hb[24], hs[24], hp[24];

	fprintf(m->f, "<text x=\"%d\" y=\"%.1f\" class=\"h\">RAM 0x%" PRIx64 "-0x%" PRIx64
		" (%s): one row is %s, one pixel %s</text>\n", 8, y + 14, bank->base, end,
		planner_human(bank->size, hb, sizeof(hb)), planner_human(span, hs, sizeof(hs)),
		planner_human(span / ROW_PX, hp, sizeof(hp)));
	y += 22;
	for (int q = 0; q <= 4; q++) {
		fprintf(m->f, "<text x=\"%d\" y=\"%.1f\" class=\"t\"%s>+%s</text>\n",
			LEFT + q * ROW_PX / 4, y + 8, q == 4 ? " text-anchor=\"end\"" : "",
			planner_human(span / 4 * (uint64_t)q, hb, sizeof(hb)));
	}
	y += 12;
	for (uint64_t row = start; row < end; row += span) {
		rect(m, LEFT - 2, y + 3, ROW_PX + 4, LANE_A + LANE_B + 6, "#f7f7f7", NULL);
		fprintf(m->f, "<text x=\"%d\" y=\"%.1f\" class=\"a\">0x%" PRIx64 "</text>\n",
			LEFT - 6, y + 6 + LANE_A / 2 + 4, row);
		draw_ranges(m, row, span, bank, y + 5);
		draw_pages(m, row, span, y + 5);
		y += ROW_H;
		m->rows++;
		if (row + span < row)
			break;
	}
	return y + 8;
}

static double swatch(struct map *m, double x, double y, const char *color, const char *label)
{
	rect(m, x, y, 14, 10, color, " stroke=\"#444\" stroke-width=\"0.5\"");
	fprintf(m->f, "<text x=\"%.1f\" y=\"%.1f\" class=\"l\">%s</text>\n", x + 18, y + 9, label);
	return x + 30 + 6.0 * (double)strlen(label);
}

static double legend(struct map *m, double y)
{
	double x = 8;

	fprintf(m->f, "<text x=\"8\" y=\"%.1f\" class=\"l\">ranges (upper lane):</text>\n", y + 9);
	x = 140;
	for (int k = 0; k < R_NR; k++)
		x = swatch(m, x, y, rstyle[k].color, rstyle[k].label);
	y += 18;
	fprintf(m->f, "<text x=\"8\" y=\"%.1f\" class=\"l\">pages (lower lane):</text>\n", y + 9);
	x = 140;
	for (int k = 0; k < PK_NR; k++)
		if (k != PK_OTHER || m->pl->kind_count[k])
			x = swatch(m, x, y, pstyle[k].color, pstyle[k].label);
	fprintf(m->f, "<text x=\"%.1f\" y=\"%.1f\" class=\"l\">(markers: list, table and control pages)"
		"</text>\n", x, y + 9);
	return y + 26;
}

static double objects(struct map *m, double y)
{
	const struct planner *pl = m->pl;
	const struct kreloc_handoff *h = &pl->run.h;
	char hb[24];

	fprintf(m->f, "<text x=\"8\" y=\"%.1f\" class=\"h\">Ranges and pages</text>\n", y + 12);
	y += 22;
	for (unsigned int i = 0; i < m->nr; i++, y += 15) {
		const struct named *n = &m->r[i];

		swatch(m, 8, y, rstyle[n->kind].color, "");
		fprintf(m->f, "<text x=\"30\" y=\"%.1f\" class=\"m\" xml:space=\"preserve\">%-14s 0x%09" PRIx64 " - 0x%09"
			PRIx64 "  %s</text>\n", y + 9, n->name, n->base, n->base + n->size,
			planner_human(n->size, hb, sizeof(hb)));
	}
	for (int k = 0; k < PK_NR; k++, y += 15) {
		if (!pl->kind_count[k]) {
			y -= 15;
			continue;
		}
		swatch(m, 8, y, pstyle[k].color, "");
		fprintf(m->f, "<text x=\"30\" y=\"%.1f\" class=\"m\" xml:space=\"preserve\">%-14s %"
			PRIu64 " page%s", y + 9, pstyle[k].label, pl->kind_count[k],
			pl->kind_count[k] == 1 ? "" : "s");
		if (k == PK_CONTROL)
			fprintf(m->f, " at 0x%" PRIx64, h->control);
		if (k == PK_TABLE && h->mode == KRELOC_MODE_MMU)
			fprintf(m->f, " (%u of %s, root 0x%" PRIx64 ")", h->xlat.table_pages,
				planner_granule_name(h->granule_shift), h->xlat.root_pa);
		fputs("</text>\n", m->f);
	}
	return y + 10;
}

static int render(struct map *m, char **buf, size_t *len)
{
	const struct planner *pl = m->pl;
	const struct kreloc_handoff *h = &pl->run.h;
	unsigned int budget = pl->map0.nr_ram ? ROW_BUDGET / pl->map0.nr_ram : ROW_BUDGET;
	uint64_t total = 0;
	double y = 0;
	char hb[24];

	if (budget < 4)
		budget = 4;
	for (unsigned int i = 0; i < pl->map0.nr_ram; i++)
		total += pl->map0.ram[i].size;
	m->f = open_memstream(buf, len);
	if (!m->f)
		return -1;
	/* The height is patched in below once known: a fixed-width placeholder. */
	fprintf(m->f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%10d\" "
		"viewBox=\"0 0 %d %10d\" font-family=\"DejaVu Sans, Helvetica, sans-serif\">\n"
		"<style>.h{font-size:13px;font-weight:bold}.t{font-size:9px;fill:#555}"
		".a{font-size:10px;text-anchor:end;font-family:monospace}.l{font-size:11px}"
		".m{font-size:11px;font-family:monospace;white-space:pre}"
		".in{font-size:10px;fill:#fff}.dark{fill:#333}</style>\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n", SVG_W, 0, SVG_W, 0);
	fprintf(m->f, "<text x=\"8\" y=\"20\" class=\"h\" style=\"font-size:16px\">kreloc map: ");
	esc(m->f, pl->o.bundle_path);
	fprintf(m->f, "</text>\n<text x=\"8\" y=\"38\" class=\"l\">%s mode, %s granule, EL%u, "
		"%u RAM bank%s (%s): kernel 0x%" PRIx64 ", dtb 0x%" PRIx64 ", %" PRIu64
		" source pages, %" PRIu64 " list pages, %u table pages, control page 0x%" PRIx64
		", %" PRIu64 " pages set aside</text>\n", planner_mode_name(h->mode),
		planner_granule_name(h->granule_shift), pl->o.el, pl->map0.nr_ram,
		pl->map0.nr_ram == 1 ? "" : "s", planner_human(total, hb, sizeof(hb)),
		h->place.kernel_load, h->place.dtb.base, h->ki.source_pages,
		h->ki.indirection_pages, h->mode == KRELOC_MODE_MMU ? h->xlat.table_pages : 0,
		h->control, h->ki.colliding_pages_set_aside);
	y = legend(m, 50);
	for (unsigned int i = 0; i < pl->map0.nr_ram; i++)
		y = draw_bank(m, &pl->map0.ram[i], budget, y);
	y = objects(m, y);
	fputs("</svg>\n", m->f);
	if (fclose(m->f))
		return -1;
	/* Patch the two height placeholders (same width, so nothing moves). */
	for (int i = 0; i < 2; i++) {
		char *at = strstr(*buf, "         0\"");
		char num[12];

		if (!at)
			return -1;
		snprintf(num, sizeof(num), "%10d", (int)y);
		memcpy(at, num, 10);
	}
	return 0;
}

int kreloc_cmd_map(int argc, char **argv)
{
	struct planner pl = { 0 };
	struct map *m;
	char *buf = NULL;
	size_t len = 0;
	int rc = planner_parse(argc, argv, "map", PLANNER_OPT_SVG, kreloc_usage_map, &pl.o);

	if (rc >= 0)
		return rc;
	if (planner_load_and_plan(&pl))
		return KRELOC_EXIT_REFUSED;
	m = calloc(1, sizeof(*m));
	rc = KRELOC_EXIT_REFUSED;
	if (m) {
		m->pl = &pl;
		collect(m);
		if (render(m, &buf, &len))
			cli_err("map", "cannot render the picture");
		else if (!cli_write_atomic("map", pl.o.svg_path, (const uint8_t *)buf, len))
			rc = KRELOC_EXIT_OK;
	}
	if (rc == KRELOC_EXIT_OK && pl.o.json) {
		printf("{\"ok\": true, \"svg\": ");
		cli_json_cstr(stdout, pl.o.svg_path);
		printf(", \"bytes\": %zu, \"banks\": %u, \"rows\": %u, \"rects\": %u}\n", len,
		       pl.map0.nr_ram, m->rows, m->rects);
	} else if (rc == KRELOC_EXIT_OK) {
		printf("map: wrote %s (%zu bytes): %u RAM bank%s in %u rows\n", pl.o.svg_path, len,
		       pl.map0.nr_ram, pl.map0.nr_ram == 1 ? "" : "s", m->rows);
	}
	free(buf);
	free(m);
	planner_free(&pl);
	return rc;
}
