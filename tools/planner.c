// SPDX-License-Identifier: MIT
/*
 * planner.c - the inputs of `kreloc plan / verify / map`: options, the
 * bundle, the memory map, and where QEMU would have loaded everything (see
 * planner.h).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libfdt.h>

#include <kreloc/error.h>
#include <kreloc/fdt.h>
#include <kreloc/image.h>

#include "cli.h"
#include "planner.h"

/*
 * ID_AA64MMFR0_EL1 of a few CPUs: PARange in bits 3:0, TGran16 (unsigned,
 * 0 = absent) in 23:20, TGran64 and TGran4 (signed, 0xf = absent) in 27:24
 * and 31:28.  "max" is what --cpu defaults to: every granule, 48-bit PA.
 */
static const struct {
	const char *name;
	uint64_t mmfr0;
} cpus[] = {
	{ "max", 0x101125 },
	{ "cortex-a53", 0x1122 },	/* 40-bit PA, 4K and 64K */
	{ "cortex-a57", 0x1124 },	/* 44-bit PA, 4K and 64K */
	{ "cortex-a72", 0x1124 },
	{ "neoverse-n1", 0x101125 },	/* 48-bit PA, all granules */
};

void planner_usage_common(FILE *f)
{
	fprintf(f,
		"Memory (one of):\n"
		"  --dtb FILE          RAM and reservations from a device tree, e.g. from\n"
		"                      qemu-system-aarch64 -M virt -m 1G -nic none -machine dumpdtb=FILE\n"
		"  --ram BASE:SIZE[,BASE:SIZE...]  RAM banks (K/M/G/T suffixes allowed); a\n"
		"                      minimal device tree describing them is handed on\n"
		"Options:\n"
		"  --reserve BASE:SIZE  memory nothing may be written to (repeatable)\n"
		"  --el 1|2            exception level the shim runs at (default 1)\n"
		"  --cpu NAME|0xHEX    CPU whose granules and PA size to assume: max (default:\n"
		"                      all granules, 48-bit PA), cortex-a53, cortex-a57,\n"
		"                      cortex-a72, neoverse-n1, or an ID_AA64MMFR0_EL1 value\n"
		"  --shim FILE         take the shim's size from this shim Image's header\n"
		"  --shim-size SIZE    bytes the shim occupies (default 4M)\n"
		"  --seed N            seed of the scattered page allocator (default 1)\n"
		"  --json              one JSON object on stdout instead of text\n"
		"  -h, --help          this help\n"
		"\n"
		"Layout (as QEMU virt loads -kernel shim.Image -initrd BUNDLE): the shim at\n"
		"RAM base + 2 MiB, the bundle at RAM base + min(bank/2, 128 MiB), the device\n"
		"tree at the next 2 MiB boundary after it; all three reserved, as are the\n"
		"bundle's preserved ranges.  If the bundle and tree do not fit there, they go\n"
		"to the lowest 2 MiB-aligned free range above the shim.  Pages come from a\n"
		"simulated memory through a scattering allocator, as from a busy kernel.\n"
		"\n"
		"Exit status: 0 success, 1 refused (the shim would refuse too) or unreadable\n"
		"input, 2 usage error.\n");
}

/* BASE:SIZE into @r.  0, or -1. */
static int parse_range(char *s, struct kreloc_range *r)
{
	char *colon = strchr(s, ':');
	int bad;

	if (!colon)
		return -1;
	*colon = '\0';
	bad = cli_parse_size(s, &r->base) || cli_parse_size(colon + 1, &r->size);
	*colon = ':';
	if (bad || !r->size || r->base + r->size < r->base)
		return -1;
	return 0;
}

static int parse_ram(const char *cmd, const char *arg, struct planner_opts *o)
{
	char *copy = strdup(arg), *save = NULL, *tok;
	int rc = 0;

	if (!copy)
		return -1;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (o->nr_ram == KRELOC_MEMMAP_MAX_RAM ||
		    parse_range(tok, &o->ram[o->nr_ram])) {
			cli_err(cmd, "--ram: '%s' is not BASE:SIZE (non-empty, at most %d banks)",
				tok, KRELOC_MEMMAP_MAX_RAM);
			rc = -1;
			break;
		}
		o->nr_ram++;
	}
	free(copy);
	if (!rc && !o->nr_ram) {
		cli_err(cmd, "--ram: no bank given");
		rc = -1;
	}
	return rc;
}

static int parse_cpu(const char *cmd, const char *arg, struct planner_opts *o)
{
	char *end;

	for (size_t i = 0; i < KRELOC_ARRAY_SIZE(cpus); i++) {
		if (!strcasecmp(arg, cpus[i].name)) {
			o->cpu_name = cpus[i].name;
			o->mmfr0 = cpus[i].mmfr0;
			return 0;
		}
	}
	if (!strncasecmp(arg, "0x", 2)) {
		o->mmfr0 = strtoull(arg, &end, 16);
		if (*end == '\0' && end != arg + 2) {
			o->cpu_name = arg;
			return 0;
		}
	}
	cli_err(cmd, "--cpu: '%s' is not max, cortex-a53, cortex-a57, cortex-a72, "
		"neoverse-n1 or an ID_AA64MMFR0_EL1 value in hex", arg);
	return -1;
}

enum {
	O_DTB = 256, O_RAM, O_RESERVE, O_EL, O_CPU, O_SHIM, O_SHIM_SIZE, O_SEED, O_JSON,
	O_SVG, O_INJECT,
};

/* One option; -1 to go on, or an exit code. */
static int parse_one(int c, const char *cmd, unsigned int extra, void (*usage)(FILE *f),
		     struct planner_opts *o, char **argv)
{
	struct kreloc_range r;

	switch (c) {
	case O_DTB:
		o->dtb_path = optarg;
		return -1;
	case O_RAM:
		return parse_ram(cmd, optarg, o) ? KRELOC_EXIT_USAGE : -1;
	case O_RESERVE:
		if (o->nr_reserve == KRELOC_ARRAY_SIZE(o->reserve) || parse_range(optarg, &r)) {
			cli_err(cmd, "--reserve: '%s' is not BASE:SIZE (non-empty, at most %zu)",
				optarg, KRELOC_ARRAY_SIZE(o->reserve));
			return KRELOC_EXIT_USAGE;
		}
		o->reserve[o->nr_reserve++] = r;
		return -1;
	case O_EL:
		if (strcmp(optarg, "1") && strcmp(optarg, "2")) {
			cli_err(cmd, "--el: '%s' is not 1 or 2", optarg);
			return KRELOC_EXIT_USAGE;
		}
		o->el = (unsigned int)(optarg[0] - '0');
		return -1;
	case O_CPU:
		return parse_cpu(cmd, optarg, o) ? KRELOC_EXIT_USAGE : -1;
	case O_SHIM:
		o->shim_path = optarg;
		return -1;
	case O_SHIM_SIZE:
		if (cli_parse_size(optarg, &o->shim_size) || !o->shim_size) {
			cli_err(cmd, "--shim-size: '%s' is not a size", optarg);
			return KRELOC_EXIT_USAGE;
		}
		return -1;
	case O_SEED:
		if (cli_parse_size(optarg, &o->seed)) {
			cli_err(cmd, "--seed: '%s' is not a number", optarg);
			return KRELOC_EXIT_USAGE;
		}
		return -1;
	case O_JSON:
		o->json = true;
		return -1;
	case O_SVG:
		if (!(extra & PLANNER_OPT_SVG))
			break;
		o->svg_path = optarg;
		return -1;
	case O_INJECT:
		if (!(extra & PLANNER_OPT_INJECT))
			break;
		if (!strcmp(optarg, "source")) {
			o->inject = PLANNER_INJECT_SOURCE;
		} else if (!strcmp(optarg, "list")) {
			o->inject = PLANNER_INJECT_LIST;
		} else if (!strcmp(optarg, "table")) {
			o->inject = PLANNER_INJECT_TABLE;
		} else {
			cli_err(cmd, "--inject: '%s' is not source, list or table", optarg);
			return KRELOC_EXIT_USAGE;
		}
		return -1;
	case 'h':
		usage(stdout);
		return KRELOC_EXIT_OK;
	case ':':
		cli_err(cmd, "option '%s' needs an argument (see --help)", argv[optind - 1]);
		return KRELOC_EXIT_USAGE;
	default:
		break;
	}
	cli_err(cmd, "unknown option '%s' (see --help)", argv[optind - 1]);
	return KRELOC_EXIT_USAGE;
}

int planner_parse(int argc, char **argv, const char *cmd, unsigned int extra,
		  void (*usage)(FILE *f), struct planner_opts *o)
{
	static const struct option opts[] = {
		{ "dtb", required_argument, NULL, O_DTB },
		{ "ram", required_argument, NULL, O_RAM },
		{ "reserve", required_argument, NULL, O_RESERVE },
		{ "el", required_argument, NULL, O_EL },
		{ "cpu", required_argument, NULL, O_CPU },
		{ "shim", required_argument, NULL, O_SHIM },
		{ "shim-size", required_argument, NULL, O_SHIM_SIZE },
		{ "seed", required_argument, NULL, O_SEED },
		{ "json", no_argument, NULL, O_JSON },
		{ "svg", required_argument, NULL, O_SVG },
		{ "inject", required_argument, NULL, O_INJECT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	memset(o, 0, sizeof(*o));
	o->cmd = cmd;
	o->el = 1;
	o->cpu_name = cpus[0].name;
	o->mmfr0 = cpus[0].mmfr0;
	o->shim_size = PLANNER_SHIM_SIZE;
	o->seed = 1;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		rc = parse_one(c, cmd, extra, usage, o, argv);
		if (rc >= 0)
			return rc;
	}
	if (argc - optind != 1) {
		cli_err(cmd, "expected one BUNDLE (see --help)");
		return KRELOC_EXIT_USAGE;
	}
	o->bundle_path = argv[optind];
	if (!o->dtb_path == !o->nr_ram) {
		cli_err(cmd, "give exactly one of --dtb FILE and --ram BASE:SIZE (see --help)");
		return KRELOC_EXIT_USAGE;
	}
	if ((extra & PLANNER_OPT_SVG) && !o->svg_path) {
		cli_err(cmd, "--svg FILE is required (see --help)");
		return KRELOC_EXIT_USAGE;
	}
	return -1;
}

/* ---- loading ----------------------------------------------------------- */

/* A device tree for --ram: the banks, /memreserve/ for --reserve, an empty /chosen. */
static int synth_dtb(struct planner *pl)
{
	const size_t cap = 16384;
	uint8_t *t = malloc(cap);
	int e = t ? fdt_create(t, (int)cap) : -FDT_ERR_NOSPACE;

	for (unsigned int i = 0; !e && i < pl->o.nr_reserve; i++)
		e = fdt_add_reservemap_entry(t, pl->o.reserve[i].base, pl->o.reserve[i].size);
	if (!e)
		e = fdt_finish_reservemap(t);
	if (!e)
		e = fdt_begin_node(t, "");
	if (!e)
		e = fdt_property_u32(t, "#address-cells", 2);
	if (!e)
		e = fdt_property_u32(t, "#size-cells", 2);
	if (!e)
		e = fdt_property_string(t, "model", "kreloc --ram");
	for (unsigned int i = 0; !e && i < pl->map0.nr_ram; i++) {
		char name[40];
		fdt64_t reg[2] = { cpu_to_fdt64(pl->map0.ram[i].base),
				   cpu_to_fdt64(pl->map0.ram[i].size) };

		snprintf(name, sizeof(name), "memory@%" PRIx64, pl->map0.ram[i].base);
		e = fdt_begin_node(t, name);
		if (!e)
			e = fdt_property_string(t, "device_type", "memory");
		if (!e)
			e = fdt_property(t, "reg", reg, sizeof(reg));
		if (!e)
			e = fdt_end_node(t);
	}
	if (!e)
		e = fdt_begin_node(t, "chosen");
	if (!e)
		e = fdt_end_node(t);
	if (!e)
		e = fdt_end_node(t);
	if (!e)
		e = fdt_finish(t);
	if (e) {
		free(t);
		return KRELOC_E_NOSPACE;
	}
	pl->dtb_in = t;
	pl->dtb_in_len = fdt_totalsize(t);
	pl->dtb_synth = true;
	return 0;
}

static int read_memory(struct planner *pl)
{
	const struct planner_opts *o = &pl->o;
	int err;

	if (o->dtb_path) {
		if (cli_read_file(o->cmd, o->dtb_path, &pl->dtb_in, &pl->dtb_in_len))
			return PLANNER_E_IO;
		err = kreloc_fdt_check(pl->dtb_in, pl->dtb_in_len);
		if (!err)
			err = kreloc_fdt_read_memmap(pl->dtb_in, &pl->map0);
		if (err)
			return err;
	} else {
		kreloc_memmap_init(&pl->map0);
		for (unsigned int i = 0; i < o->nr_ram; i++) {
			err = kreloc_memmap_add_ram(&pl->map0, o->ram[i].base, o->ram[i].size);
			if (err)
				return err;
		}
		err = synth_dtb(pl);
		if (err)
			return err;
	}
	for (unsigned int i = 0; i < o->nr_reserve; i++) {
		err = kreloc_memmap_add_reserved(&pl->map0, o->reserve[i].base, o->reserve[i].size);
		if (err)
			return err;
	}
	return 0;
}

static int read_bundle(struct planner *pl)
{
	const struct kreloc_bundle *b = &pl->bundle;
	const void *tree;
	int err, len;

	if (cli_read_file(pl->o.cmd, pl->o.bundle_path, &pl->bundle_buf, &pl->bundle_len))
		return PLANNER_E_IO;
	/* As the shim: --verify bundles are checked after staging (planner_run.c). */
	err = kreloc_bundle_parse(pl->bundle_buf, pl->bundle_len, &pl->bundle);
	if (!err && (b->image.pages || b->initrd.pages))
		return PLANNER_E_PAGED;
	if (!err && b->dtb.data)
		err = kreloc_fdt_check(b->dtb.data, b->dtb.len);
	if (err)
		return err;
	pl->mode = kreloc_bundle_mode(b);
	pl->granule_shift = kreloc_bundle_granule_shift(b);
	if (b->cmdline.data) {
		pl->cmdline_buf = calloc(1, b->cmdline.len + 1);
		if (!pl->cmdline_buf)
			return KRELOC_E_NOMEM;
		memcpy(pl->cmdline_buf, b->cmdline.data, b->cmdline.len);
		pl->cmdline = pl->cmdline_buf;
		return 0;
	}
	/* No command line: the next kernel keeps the tree's bootargs. */
	tree = b->dtb.data ? (const void *)b->dtb.data : (const void *)pl->dtb_in;
	len = fdt_path_offset(tree, "/chosen");
	pl->cmdline = len < 0 ? NULL : fdt_getprop(tree, len, "bootargs", NULL);
	if (!pl->cmdline)
		pl->cmdline = "";
	return 0;
}

static int shim_size(struct planner *pl)
{
	struct kreloc_image_info info;
	uint8_t *buf;
	size_t len;
	int err;

	if (!pl->o.shim_path)
		return 0;
	if (cli_read_file(pl->o.cmd, pl->o.shim_path, &buf, &len))
		return PLANNER_E_IO;
	err = kreloc_image_parse(buf, len, &info);
	free(buf);
	if (!err)
		pl->o.shim_size = KRELOC_ALIGN_UP(info.image_size, KRELOC_PAGE_SIZE);
	return err;
}

/* Shim, bundle and tree where QEMU virt puts them (see planner.h). */
static int lay_out(struct planner *pl)
{
	const struct kreloc_range *bank = &pl->map0.ram[0];
	uint64_t base = bank->base, end = kreloc_range_end(bank);
	uint64_t half = bank->size / 2 < PLANNER_BUNDLE_OFFSET ? bank->size / 2 :
			PLANNER_BUNDLE_OFFSET;
	uint64_t bsize = KRELOC_ALIGN_UP(pl->bundle_len, KRELOC_SZ_2M);
	uint64_t need = bsize + pl->dtb_in_len, at;
	struct kreloc_memmap m = pl->map0;
	struct kreloc_find_req req = { .size = need, .align = KRELOC_SZ_2M };

	pl->shim = (struct kreloc_range){ base + PLANNER_SHIM_OFFSET, pl->o.shim_size };
	if (pl->shim.size > bank->size || PLANNER_SHIM_OFFSET > bank->size - pl->shim.size)
		return KRELOC_E_NO_ROOM;
	at = KRELOC_ALIGN_UP(base + half, KRELOC_PAGE_SIZE);
	if (at < kreloc_range_end(&pl->shim) || at > end || end - at < need ||
	    !kreloc_memmap_is_free(&m, at, need)) {
		/* Not where QEMU would put it: the lowest fitting place above the shim. */
		if (kreloc_memmap_add_reserved(&m, pl->shim.base, pl->shim.size))
			return KRELOC_E_NOSPACE;
		req.min = kreloc_range_end(&pl->shim);
		req.max = UINT64_MAX;
		if (kreloc_memmap_find(&m, &req, &at))
			return KRELOC_E_NO_ROOM;
		pl->relocated_load = true;
	}
	pl->bundle_at = (struct kreloc_range){ at, pl->bundle_len };
	pl->dtb_at = (struct kreloc_range){ at + bsize, pl->dtb_in_len };
	return 0;
}

int planner_load(struct planner *pl)
{
	const struct kreloc_bundle *b = &pl->bundle;
	int err;

	pl->run.step = "shim";
	err = shim_size(pl);
	if (!err) {
		pl->run.step = "memory";
		err = read_memory(pl);
	}
	if (!err) {
		pl->run.step = "bundle";
		err = read_bundle(pl);
	}
	if (!err) {
		pl->run.step = "layout";
		err = lay_out(pl);
	}
	if (err)
		return err;
	/* What the shim reserves before it plans. */
	pl->run.step = "reserve";
	pl->map = pl->map0;
	err = kreloc_memmap_add_reserved(&pl->map, pl->shim.base, pl->shim.size);
	if (!err)
		err = kreloc_memmap_add_reserved(&pl->map, pl->dtb_at.base, pl->dtb_at.size);
	if (!err)
		err = kreloc_memmap_add_reserved(&pl->map, pl->bundle_at.base, pl->bundle_at.size);
	for (unsigned int i = 0; !err && i < b->nr_preserve; i++)
		err = kreloc_memmap_add_reserved(&pl->map, b->preserve[i].base, b->preserve[i].size);
	return err;
}

void planner_free(struct planner *pl)
{
	planner_run_free(&pl->run);
	free(pl->bundle_buf);
	free(pl->dtb_in);
	free(pl->cmdline_buf);
	free(pl->pages);
	memset(pl, 0, sizeof(*pl));
}

/* ---- names and output helpers -------------------------------------------- */

const char *planner_kind_name(enum planner_kind k)
{
	static const char *const names[PK_NR] = {
		[PK_SOURCE] = "source", [PK_IN_PLACE] = "in_place", [PK_ZERO] = "zero",
		[PK_LIST] = "list", [PK_SET_ASIDE] = "set_aside", [PK_TABLE] = "table",
		[PK_CONTROL] = "control", [PK_OTHER] = "other",
	};

	return (unsigned int)k < PK_NR ? names[k] : "?";
}

const char *planner_mode_name(unsigned int mode)
{
	return mode == KRELOC_MODE_CLASSIC ? "classic" : "mmu";
}

const char *planner_granule_name(unsigned int shift)
{
	return shift == 16 ? "64k" : shift == 14 ? "16k" : "4k";
}

const char *planner_human(uint64_t bytes, char *buf, size_t n)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;
	double v = (double)bytes;

	while (v >= 1024 && u + 1 < KRELOC_ARRAY_SIZE(unit)) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, n, "%" PRIu64 " B", bytes);
	else if (v == (double)(uint64_t)v)
		snprintf(buf, n, "%" PRIu64 " %s", (uint64_t)v, unit[u]);
	else
		snprintf(buf, n, "%.1f %s", v, unit[u]);
	return buf;
}

void planner_json_range(FILE *f, const char *name, uint64_t base, uint64_t size)
{
	fprintf(f, "\"%s\": {\"base\": \"0x%" PRIx64 "\", \"size\": %" PRIu64 "}", name, base,
		size);
}

void planner_report_error(const struct planner *pl, int err, const char *step)
{
	const char *name = err == PLANNER_E_IO ? "E_IO" : err == PLANNER_E_PAGED ? "E_PAGED" :
			   kreloc_errname(err);
	const char *msg = err == PLANNER_E_IO ? "cannot read an input file" :
			  err == PLANNER_E_PAGED ? "the bundle's Image or initrd is paged: its "
			  "bytes lie in the physical pages of the machine that boots it, which a "
			  "plan on the host cannot read" : kreloc_strerror(err);

	if (err != PLANNER_E_IO)
		cli_err(pl->o.cmd, "%s: %s (%s)", step, msg, name);
	if (!pl->o.json)
		return;
	printf("{\"ok\": false, \"step\": ");
	cli_json_cstr(stdout, step);
	printf(", \"error\": {\"code\": %d, \"name\": \"%s\", \"message\": ", err, name);
	cli_json_cstr(stdout, msg);
	printf("}}\n");
}
