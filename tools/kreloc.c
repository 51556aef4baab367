// SPDX-License-Identifier: MIT
/*
 * kreloc.c - the kreloc command-line tool (host): dispatch to subcommands.
 *
 *   kreloc pack ...      build a payload bundle for the shim (cmd_pack.c)
 *   kreloc inspect FILE  describe an arm64 Image or a bundle (cmd_inspect.c)
 *   kreloc plan ...      plan a hand-off on the host (cmd_plan.c, planner*.c)
 *   kreloc verify ...    plan it and prove it on the simulator (cmd_verify.c)
 *   kreloc map ...       plan it and draw physical memory as SVG (cmd_map.c)
 *   kreloc load IMAGE    kexec_load it through the shim on a running arm64
 *                        Linux; exec, unload, status, plan --live (cmd_live.c)
 *   kreloc stamp         record the counter as the shutdown begins; in the
 *   kreloc report        next boot, shutdown / relocation / startup (cmd_report.c)
 *
 * Exit status: 0 success, 1 refused or failed, 2 usage error.  Every
 * subcommand takes --help.  To add one, implement kreloc_cmd_NAME() and
 * kreloc_usage_NAME() (declared in cli.h) and add a line to commands[].
 */
#include <stdio.h>
#include <string.h>

#include <kreloc/kreloc_env.h>

#include "cli.h"
#include "os.h"

#ifndef KRELOC_VERSION
#define KRELOC_VERSION "unknown"
#endif

static const char *prog = "kreloc";

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	void (*usage)(FILE *f);
	const char *summary;
};

static const struct command commands[] = {
	{ "pack", kreloc_cmd_pack, kreloc_usage_pack, "build a payload bundle for the shim" },
	{ "inspect", kreloc_cmd_inspect, kreloc_usage_inspect, "describe an arm64 Image or a bundle" },
	{ "plan", kreloc_cmd_plan, kreloc_usage_plan, "plan a hand-off: placement, entry list, tables" },
	{ "verify", kreloc_cmd_verify, kreloc_usage_verify, "plan a hand-off and prove it on the simulator" },
	{ "map", kreloc_cmd_map, kreloc_usage_map, "draw physical memory of a planned hand-off (SVG)" },
	{ "load", kreloc_cmd_load, kreloc_usage_load, "on arm64 Linux: check and kexec_load a kernel through the shim" },
	{ "exec", kreloc_cmd_exec, kreloc_usage_exec, "reboot into the kernel 'load' loaded" },
	{ "unload", kreloc_cmd_unload, kreloc_usage_unload, "unload it and stop the holder process" },
	{ "status", kreloc_cmd_status, kreloc_usage_status, "what is loaded, and whether its pages stayed put" },
	{ "stamp", kreloc_cmd_stamp, kreloc_usage_stamp, "record the counter as the shutdown begins (or --up: user space is up)" },
	{ "report", kreloc_cmd_report, kreloc_usage_report, "in the next boot: shutdown, relocation and startup of the hand-off" },
};

static void usage_main(FILE *f)
{
	fprintf(f, "usage: %s COMMAND [ARGS]\n\nkreloc %s - fast arm64 kernel hand-off.\n\n"
		"Commands:\n", prog, KRELOC_VERSION);
	for (size_t i = 0; i < KRELOC_ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'%s COMMAND --help' describes a command.  '%s --version' prints the version.\n"
		"Exit status: 0 success, 1 refused or failed, 2 usage error.\n", prog, prog);
}

int main(int argc, char **argv)
{
	/* The holder process 'kreloc load' starts (os.h); not a user command. */
	if (argc >= 2 && argv[0][0] == '@' && !strcmp(argv[1], OS_HOLDER_CMD))
		return os_holder_main(argc - 1, argv + 1);
	if (argc < 2) {
		usage_main(stderr);
		return KRELOC_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		if (argc > 2) {
			for (size_t i = 0; i < KRELOC_ARRAY_SIZE(commands); i++) {
				if (!strcmp(argv[2], commands[i].name)) {
					commands[i].usage(stdout);
					return KRELOC_EXIT_OK;
				}
			}
		}
		usage_main(stdout);
		return KRELOC_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("kreloc %s\n", KRELOC_VERSION);
		return KRELOC_EXIT_OK;
	}
	for (size_t i = 0; i < KRELOC_ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command '%s' (see '%s --help')\n", prog, argv[1], prog);
	return KRELOC_EXIT_USAGE;
}

