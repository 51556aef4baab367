// SPDX-License-Identifier: MIT
/*
 * cmd_pack.c - `kreloc pack`: build a payload bundle from files (the bundle
 * itself is built and checked by kreloc_pack(), pack.c).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <kreloc/bundle.h>
#include <kreloc/error.h>

#include "cli.h"
#include "pack.h"

/* ---- kreloc pack ------------------------------------------------------- */

void kreloc_usage_pack(FILE *f)
{
	fprintf(f,
		"usage: %s pack --image FILE [options] -o OUT\n"
		"\n"
		"Build a kreloc bundle: what the shim boots next.  Every input is checked as\n"
		"the shim would check it, and the result is re-parsed before it is written\n"
		"(atomically: a temporary file renamed over OUT).\n"
		"\n"
		"  --image FILE        arm64 Linux Image to boot (required)\n"
		"  --initrd FILE       initramfs for it\n"
		"  --dtb FILE          device tree to use instead of the one the shim got\n"
		"  --cmdline STRING    kernel command line (at most %d bytes)\n"
		"  --mode mmu|classic  copy with the MMU on (default) or off\n"
		"  --granule 4k|16k|64k  transitional page-table granule (default 4k)\n"
		"  --verify            shim checks every SHA-256 before the hand-off (with\n"
		"                      --cpus above 1: a digest per 2 MiB chunk, checked\n"
		"                      on every CPU; bundle version 2)\n"
		"  --place-high        place the payload as high in RAM as it fits\n"
		"  --measure-copy      benchmark: shim also times a plain copy (mmu mode)\n"
		"  --cpus N            relocate on up to N CPUs, 1..%d (default 1; mmu mode;\n"
		"                      the shim uses those the device tree and PSCI offer)\n"
		"  --preserve BASE:SIZE  physical range no destination may touch; page\n"
		"                      aligned, K/M/G/T suffixes allowed; up to %d times\n"
		"  --nested FILE       a bundle for a chained hand-off\n"
		"  -o, --output OUT    where to write the bundle (required)\n"
		"  -h, --help          this help\n"
		"\n"
		"Exit status: 0 written, 1 an input was refused or writing failed, 2 usage.\n",
		"kreloc", KRELOC_CMDLINE_MAX, KRELOC_OPT_CPUS_MAX, KRELOC_BUNDLE_MAX_PRESERVE);
}

enum {
	OPT_IMAGE = 256, OPT_INITRD, OPT_DTB, OPT_CMDLINE, OPT_MODE, OPT_GRANULE,
	OPT_VERIFY, OPT_PLACE_HIGH, OPT_PRESERVE, OPT_NESTED, OPT_MEASURE_COPY, OPT_CPUS,
};

int kreloc_cmd_pack(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "image", required_argument, NULL, OPT_IMAGE },
		{ "initrd", required_argument, NULL, OPT_INITRD },
		{ "dtb", required_argument, NULL, OPT_DTB },
		{ "cmdline", required_argument, NULL, OPT_CMDLINE },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "granule", required_argument, NULL, OPT_GRANULE },
		{ "verify", no_argument, NULL, OPT_VERIFY },
		{ "place-high", no_argument, NULL, OPT_PLACE_HIGH },
		{ "measure-copy", no_argument, NULL, OPT_MEASURE_COPY },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "preserve", required_argument, NULL, OPT_PRESERVE },
		{ "nested", required_argument, NULL, OPT_NESTED },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *image = NULL, *initrd = NULL, *dtb = NULL, *nested = NULL, *outp = NULL;
	const char *cmdline = NULL;
	struct kreloc_pack_input in;
	struct kreloc_pack_result res;
	uint8_t *bufs[4] = { NULL, NULL, NULL, NULL };
	size_t lens[4] = { 0, 0, 0, 0 };
	const char *paths[4];
	int c, err, rc = KRELOC_EXIT_REFUSED;

	memset(&in, 0, sizeof(in));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
		switch (c) {
		case OPT_IMAGE:
			image = optarg;
			break;
		case OPT_INITRD:
			initrd = optarg;
			break;
		case OPT_DTB:
			dtb = optarg;
			break;
		case OPT_NESTED:
			nested = optarg;
			break;
		case OPT_CMDLINE:
			cmdline = optarg;
			break;
		case 'o':
			outp = optarg;
			break;
		case OPT_MODE:
			in.options &= ~KRELOC_OPT_MODE_MASK;
			if (!strcasecmp(optarg, "mmu")) {
				in.options |= (uint64_t)KRELOC_MODE_MMU << KRELOC_OPT_MODE_SHIFT;
			} else if (!strcasecmp(optarg, "classic")) {
				in.options |= (uint64_t)KRELOC_MODE_CLASSIC << KRELOC_OPT_MODE_SHIFT;
			} else {
				cli_err("pack", "--mode: '%s' is not mmu or classic", optarg);
				return KRELOC_EXIT_USAGE;
			}
			break;
		case OPT_GRANULE: {
			uint64_t g;

			if (!strcasecmp(optarg, "4k")) {
				g = KRELOC_GRANULE_4K;
			} else if (!strcasecmp(optarg, "16k")) {
				g = KRELOC_GRANULE_16K;
			} else if (!strcasecmp(optarg, "64k")) {
				g = KRELOC_GRANULE_64K;
			} else {
				cli_err("pack", "--granule: '%s' is not 4k, 16k or 64k", optarg);
				return KRELOC_EXIT_USAGE;
			}
			in.options &= ~KRELOC_OPT_GRANULE_MASK;
			in.options |= g << KRELOC_OPT_GRANULE_SHIFT;
			break;
		}
		case OPT_VERIFY:
			in.options |= KRELOC_OPT_VERIFY;
			break;
		case OPT_MEASURE_COPY:
			in.options |= KRELOC_OPT_MEASURE_COPY;
			break;
		case OPT_PLACE_HIGH:
			in.options |= KRELOC_OPT_PLACE_HIGH;
			break;
		case OPT_CPUS:
			if (cli_parse_cpus("pack", optarg, &in.options))
				return KRELOC_EXIT_USAGE;
			break;
		case OPT_PRESERVE: {
			char *colon = strchr(optarg, ':');
			uint64_t base, size;

			if (in.nr_preserve == KRELOC_BUNDLE_MAX_PRESERVE) {
				cli_err("pack", "--preserve: at most %d ranges",
					KRELOC_BUNDLE_MAX_PRESERVE);
				return KRELOC_EXIT_USAGE;
			}
			if (!colon) {
				cli_err("pack", "--preserve: '%s' is not BASE:SIZE", optarg);
				return KRELOC_EXIT_USAGE;
			}
			*colon = '\0';
			if (cli_parse_size(optarg, &base) || cli_parse_size(colon + 1, &size)) {
				*colon = ':';
				cli_err("pack", "--preserve: '%s' is not BASE:SIZE", optarg);
				return KRELOC_EXIT_USAGE;
			}
			*colon = ':';
			if (size == 0 || !KRELOC_ALIGNED(base, 4096) || !KRELOC_ALIGNED(size, 4096)) {
				cli_err("pack", "--preserve %s: base and size must be 4 KiB "
					"aligned and size non-zero", optarg);
				return KRELOC_EXIT_REFUSED;
			}
			if (base + size < base) {
				cli_err("pack", "--preserve %s: %s", optarg,
					kreloc_strerror(KRELOC_E_OVERFLOW));
				return KRELOC_EXIT_REFUSED;
			}
			in.preserve[in.nr_preserve].base = base;
			in.preserve[in.nr_preserve].size = size;
			in.nr_preserve++;
			break;
		}
		case 'h':
			kreloc_usage_pack(stdout);
			return KRELOC_EXIT_OK;
		case ':':
			cli_err("pack", "option '%s' needs an argument (see --help)",
				argv[optind - 1]);
			return KRELOC_EXIT_USAGE;
		default:
			cli_err("pack", "unknown option '%s' (see --help)", argv[optind - 1]);
			return KRELOC_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		cli_err("pack", "unexpected argument '%s' (see --help)", argv[optind]);
		return KRELOC_EXIT_USAGE;
	}
	if (!image || !outp) {
		cli_err("pack", "--image and -o are required (see --help)");
		return KRELOC_EXIT_USAGE;
	}

	paths[0] = image;
	paths[1] = initrd;
	paths[2] = dtb;
	paths[3] = nested;
	for (int i = 0; i < 4; i++) {
		if (!paths[i])
			continue;
		if (cli_read_file("pack", paths[i], &bufs[i], &lens[i]))
			goto out;
		if (lens[i] == 0) {
			cli_err("pack", "%s: empty file", paths[i]);
			goto out;
		}
	}
	in.image.data = bufs[0];
	in.image.len = lens[0];
	in.initrd.data = bufs[1];
	in.initrd.len = lens[1];
	in.dtb.data = bufs[2];
	in.dtb.len = lens[2];
	in.nested.data = bufs[3];
	in.nested.len = lens[3];
	if (cmdline) {
		in.cmdline.data = cmdline;
		in.cmdline.len = strlen(cmdline);
	}

	err = kreloc_pack(&in, &res);
	if (err) {
		const char *what = res.culprit ? res.culprit : "bundle";

		if (!strcmp(what, "image"))
			what = image;
		else if (!strcmp(what, "initrd"))
			what = initrd;
		else if (!strcmp(what, "dtb"))
			what = dtb;
		else if (!strcmp(what, "nested"))
			what = nested;
		else if (!strcmp(what, "cmdline"))
			what = "--cmdline";
		else if (!strcmp(what, "preserve"))
			what = "--preserve";
		else if (!strcmp(what, "options"))
			what = "--mode/--granule";
		else
			what = outp;
		cli_err_kreloc("pack", what, err);
		goto out;
	}
	if (cli_write_atomic("pack", outp, res.buf, res.len) == 0)
		rc = KRELOC_EXIT_OK;
	free(res.buf);
out:
	for (int i = 0; i < 4; i++)
		free(bufs[i]);
	return rc;
}
