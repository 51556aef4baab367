// SPDX-License-Identifier: MIT
/*
 * cmd_live.c - kexec from a running Linux through the shim:
 *
 *   kreloc load IMAGE [...]   check, stage the payload in a holder process,
 *                             plan (live.h) and kexec_load the segments
 *   kreloc exec               check nothing moved, reboot into them
 *   kreloc unload             unload, stop the holder, forget the state
 *   kreloc status [--json]    what is loaded and whether it is still in place
 *   kreloc plan --live [...]  what load would do here, loading nothing
 *
 * Every system call, /proc and /sys read is behind os.h; this file only
 * decides, in order, and says why it refuses.  Nothing is loaded before
 * every check passed.  State: ROOT/run/kreloc/state (text) and
 * ROOT/run/kreloc/pages (the payload's page table, little-endian uint64
 * physical addresses), both written atomically.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <kreloc/bundle.h>
#include <kreloc/error.h>
#include <kreloc/fdt.h>
#include <kreloc/image.h>

#include "cli.h"
#include "live.h"
#include "os.h"

#ifndef KRELOC_SHIM_PATH
#define KRELOC_SHIM_PATH "/usr/local/share/kreloc/shim.Image"
#endif
/*
 * Without --shim: where this build installs it (make install / install-arm64
 * with its PREFIX), then where a distribution package or an initramfs
 * would put it.  The first readable one wins.
 */
static const char *const shim_defaults[] = {
	KRELOC_SHIM_PATH, "/usr/lib/kreloc/shim.Image", "/usr/share/kreloc/shim.Image",
};
#define NR_SHIM_DEFAULTS (sizeof(shim_defaults) / sizeof(shim_defaults[0]))

#define MIB		((uint64_t)1 << 20)
#define MEM_MARGIN	(32 * MIB)	/* what the running system keeps beyond the payload */

/* ---- usage ------------------------------------------------------------------------ */

static void usage_load_opts(FILE *f)
{
	fprintf(f,
		"  --initrd FILE      the next kernel's initramfs\n"
		"  --append STR       its command line\n"
		"  --reuse-cmdline    its command line = this kernel's (/proc/cmdline)\n"
		"                     (neither: the running tree's /chosen/bootargs)\n"
		"  --dtb FILE         a device tree for the next kernel (default: the running\n"
		"                     one, /sys/firmware/fdt, with /chosen rewritten)\n"
		"  --shim FILE        the shim Image (default: the first of %s,\n"
		"                     %s, %s)\n"
		"  --no-verify        compute no SHA-256 at load, and let the shim check none\n"
		"                     before the hand-off.  RISK: a payload page changed or\n"
		"                     moved after load is then booted unchecked\n"
		"  --cpus N           the shim relocates on up to N CPUs, 1..%d (default 1,\n"
		"                     one CPU as kexec always did; it uses fewer when the\n"
		"                     device tree and PSCI offer fewer)\n",
		shim_defaults[0], shim_defaults[1], shim_defaults[2], KRELOC_OPT_CPUS_MAX);
}

static void usage_pinning(FILE *f)
{
	fprintf(f,
		"\nThe payload stays in the pages of a holder process, argv[0] '%s'\n"
		"(systemd's final killing spree spares '@' processes), in 2 MiB aligned\n"
		"memory (MADV_HUGEPAGE: fewer runs), mlock()ed and pinned long-term as io_uring\n"
		"fixed buffers where the kernel allows (else mlock only, said in the summary);\n"
		"/proc/sys/vm/compact_unevictable_allowed is set to 0 so that compaction does\n"
		"not move locked pages (kreloc unload restores it).  The physical pages come\n"
		"from /proc/PID/pagemap (needs CAP_SYS_ADMIN); load and exec refuse if one\n"
		"moved.  State: /run/kreloc/.\n", OS_HOLDER_ARGV0);
}

void kreloc_usage_load(FILE *f)
{
	fprintf(f,
		"usage: kreloc load IMAGE [options]\n"
		"\n"
		"Load IMAGE (an arm64 Linux Image) for a kexec through the kreloc shim, on\n"
		"this running arm64 Linux: check everything first (root, kexec allowed, no\n"
		"lockdown, the Image, free memory, a device tree in /sys/firmware/fdt), keep\n"
		"the payload in place in a holder process, plan the segments and kexec_load\n"
		"them.  Prints one line on success.  Then 'kreloc exec' (or systemctl kexec)\n"
		"boots it; 'kreloc unload' undoes it.\n"
		"\n"
		"Options:\n");
	usage_load_opts(f);
	fprintf(f,
		"  --dry-run          do everything but kexec_load and print the plan (the\n"
		"                     holder is stopped again); also on a machine that is not\n"
		"                     arm64, with KRELOC_SYSROOT and test inputs\n");
	usage_pinning(f);
	fprintf(f, "\nKRELOC_SYSROOT=DIR reads /proc, /sys and /run below DIR (tests).\n");
}

void kreloc_usage_exec(FILE *f)
{
	fprintf(f,
		"usage: kreloc exec\n"
		"\n"
		"Reboot into the kernel 'kreloc load' loaded, after checking its state, that\n"
		"the holder process lives, that the kernel still has it loaded\n"
		"(/sys/kernel/kexec_loaded) and that no payload page moved.  sync()s first;\n"
		"prints one line, then reboot(LINUX_REBOOT_CMD_KEXEC).  On refusal: kreloc\n"
		"unload, then kreloc load again.\n");
}

void kreloc_usage_unload(FILE *f)
{
	fprintf(f,
		"usage: kreloc unload\n"
		"\n"
		"Unload the kexec kernel (kexec_load with no segments), stop the holder\n"
		"process, restore /proc/sys/vm/compact_unevictable_allowed and remove\n"
		"/run/kreloc/.\n");
}

void kreloc_usage_status(FILE *f)
{
	fprintf(f,
		"usage: kreloc status [--json]\n"
		"\n"
		"Whether a kernel is loaded (by kreloc or not), the holder's pid and argv[0],\n"
		"payload sizes, pages and runs, whether the pages still sit where load found\n"
		"them (needs CAP_SYS_ADMIN), the segments and the entry point.\n");
}

void kreloc_usage_plan_live(FILE *f)
{
	fprintf(f,
		"usage: kreloc plan --live IMAGE [options]\n"
		"\n"
		"What 'kreloc load' would do on this machine, loading nothing and starting no\n"
		"holder: the same checks, then the files are read into this process's own\n"
		"memory to show real page runs (this process's pages; the holder's will\n"
		"differ) and the segments are planned.\n"
		"\nOptions:\n");
	usage_load_opts(f);
}

/* ---- options and checks ------------------------------------------------------------ */

enum live_mode { MODE_LOAD, MODE_DRY_RUN, MODE_PLAN };

struct live_opts {
	const char *cmd;
	const char *image, *initrd, *append, *dtb, *shim;
	bool reuse, no_verify, dry_run;
	uint64_t options;	/* KRELOC_OPT_CPUS from --cpus */
};

/* -1: go on; else an exit code. */
static int parse_live(const char *cmd, int argc, char **argv, bool plan, struct live_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->cmd = cmd;
	o->shim = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			(plan ? kreloc_usage_plan_live : kreloc_usage_load)(stdout);
			return KRELOC_EXIT_OK;
		} else if (plan && !strcmp(a, "--live")) {
			continue;
		} else if (!strcmp(a, "--initrd") && more) {
			o->initrd = argv[++i];
		} else if (!strcmp(a, "--append") && more) {
			o->append = argv[++i];
		} else if (!strcmp(a, "--dtb") && more) {
			o->dtb = argv[++i];
		} else if (!strcmp(a, "--shim") && more) {
			o->shim = argv[++i];
		} else if (!strcmp(a, "--cpus") && more) {
			if (cli_parse_cpus(cmd, argv[++i], &o->options))
				return KRELOC_EXIT_USAGE;
		} else if (!strcmp(a, "--reuse-cmdline")) {
			o->reuse = true;
		} else if (!strcmp(a, "--no-verify")) {
			o->no_verify = true;
		} else if (!plan && !strcmp(a, "--dry-run")) {
			o->dry_run = true;
		} else if (a[0] == '-' && a[1]) {
			cli_err(cmd, "%s: unknown option or missing argument (see 'kreloc %s --help')",
				a, plan ? "plan --live" : cmd);
			return KRELOC_EXIT_USAGE;
		} else if (!o->image) {
			o->image = a;
		} else {
			cli_err(cmd, "%s: one Image only (see 'kreloc %s --help')", a, cmd);
			return KRELOC_EXIT_USAGE;
		}
	}
	if (!o->image) {
		cli_err(cmd, "no IMAGE given (see 'kreloc %s --help')", plan ? "plan --live" : cmd);
		return KRELOC_EXIT_USAGE;
	}
	if (!o->shim) {
		o->shim = shim_defaults[0];
		for (size_t k = 0; k < NR_SHIM_DEFAULTS; k++) {
			if (!access(shim_defaults[k], R_OK)) {
				o->shim = shim_defaults[k];
				break;
			}
		}
	}
	if (o->append && o->reuse) {
		cli_err(cmd, "--append and --reuse-cmdline exclude each other");
		return KRELOC_EXIT_USAGE;
	}
	return -1;
}

/* Refuse unless this is an arm64 machine. */
static int check_machine(const char *cmd, bool may_differ)
{
	char m[64];
	int e = os_machine(m, sizeof(m));

	if (e) {
		cli_err(cmd, "cannot tell the machine (uname): %s", strerror(-e));
		return -1;
	}
	if (strcmp(m, "aarch64") && !may_differ) {
		cli_err(cmd, "this machine is %s; kexec of an arm64 Image needs arm64", m);
		return -1;
	}
	return 0;
}

static int check_caps(const char *cmd, bool need_boot, bool need_admin)
{
	bool boot = false, admin = false;
	int e = os_caps(&boot, &admin);

	if (e) {
		cli_err(cmd, "capget: %s", strerror(-e));
		return -1;
	}
	if (need_boot && !boot) {
		cli_err(cmd, "not permitted: kexec needs CAP_SYS_BOOT (run as root)");
		return -1;
	}
	if (need_admin && !admin) {
		cli_err(cmd, "not permitted: the payload's physical pages are read from "
			"/proc/PID/pagemap, which shows them only with CAP_SYS_ADMIN (run as root)");
		return -1;
	}
	return 0;
}

static int check_kexec_allowed(const char *cmd)
{
	char mode[64];
	int d = os_kexec_disabled(), e;

	if (d == 1) {
		cli_err(cmd, "kexec is disabled on this machine "
			"(/proc/sys/kernel/kexec_load_disabled = 1, until the next boot)");
		return -1;
	}
	if (d < 0 && d != -ENOENT) {
		cli_err(cmd, "/proc/sys/kernel/kexec_load_disabled: %s", strerror(-d));
		return -1;
	}
	if (d == -ENOENT) {
		cli_err(cmd, "this kernel has no kexec (/proc/sys/kernel/kexec_load_disabled "
			"is missing: built without CONFIG_KEXEC?)");
		return -1;
	}
	e = os_lockdown(mode, sizeof(mode));
	if (e) {
		cli_err(cmd, "/sys/kernel/security/lockdown: %s", strerror(-e));
		return -1;
	}
	if (!strcmp(mode, "integrity") || !strcmp(mode, "confidentiality")) {
		cli_err(cmd, "the kernel is locked down ([%s] in /sys/kernel/security/lockdown): "
			"it refuses kexec_load", mode);
		return -1;
	}
	return 0;
}

/* ---- state ------------------------------------------------------------------------- */

struct live_state {
	long holder;
	long long time;
	uint64_t addr, image_size, initrd_size, pages, runs, entry;
	unsigned int cpus;	/* --cpus; 1 in a state written before it existed */
	int compact_prev;
	char image_sha[65], initrd_sha[65], pin[96];
	unsigned int nr_seg;
	struct {
		char what[16];
		uint64_t mem, memsz, bufsz;
	} seg[KRELOC_LIVE_MAX_SEGMENTS];
	uint64_t *pa;		/* @pages entries, from the pages file */
};

static int state_path(char *buf, size_t cap, const char *name, bool create)
{
	char dir[600];
	int e = os_state_dir(dir, sizeof(dir), create);

	if (e)
		return e;
	if ((size_t)snprintf(buf, cap, "%s/%s", dir, name) >= cap)
		return -ENAMETOOLONG;
	return 0;
}

/* 1 loaded (filled), 0 no state, -1 after printing why. */
static int state_read(const char *cmd, struct live_state *s)
{
	char path[700], line[256];
	FILE *f;
	uint8_t *pa = NULL;
	size_t pa_len = 0;

	memset(s, 0, sizeof(*s));
	s->compact_prev = -1;
	s->cpus = 1;
	if (state_path(path, sizeof(path), "state", false))
		return 0;
	f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		cli_err(cmd, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned int n = s->nr_seg;

		if (sscanf(line, "holder %ld", &s->holder) == 1 ||
		    sscanf(line, "time %lld", &s->time) == 1 ||
		    sscanf(line, "addr %" SCNx64, &s->addr) == 1 ||
		    sscanf(line, "image_size %" SCNu64, &s->image_size) == 1 ||
		    sscanf(line, "initrd_size %" SCNu64, &s->initrd_size) == 1 ||
		    sscanf(line, "image_sha256 %64s", s->image_sha) == 1 ||
		    sscanf(line, "initrd_sha256 %64s", s->initrd_sha) == 1 ||
		    sscanf(line, "pages %" SCNu64, &s->pages) == 1 ||
		    sscanf(line, "runs %" SCNu64, &s->runs) == 1 ||
		    sscanf(line, "entry %" SCNx64, &s->entry) == 1 ||
		    sscanf(line, "cpus %u", &s->cpus) == 1 ||
		    sscanf(line, "compact_unevictable_allowed_before %d", &s->compact_prev) == 1)
			continue;
		if (!strncmp(line, "pin ", 4)) {
			snprintf(s->pin, sizeof(s->pin), "%.95s", line + 4);
			s->pin[strcspn(s->pin, "\n")] = '\0';
		} else if (n < KRELOC_LIVE_MAX_SEGMENTS &&
			   sscanf(line, "segment %15s %" SCNx64 " %" SCNx64 " %" SCNu64,
				  s->seg[n].what, &s->seg[n].mem, &s->seg[n].memsz,
				  &s->seg[n].bufsz) == 4) {
			s->nr_seg++;
		}
	}
	fclose(f);
	if (state_path(path, sizeof(path), "pages", false) || cli_read_file(cmd, path, &pa, &pa_len))
		return -1;
	if (pa_len != s->pages * 8 || !s->pages) {
		cli_err(cmd, "%s: %zu bytes for %" PRIu64 " pages: damaged state (kreloc unload)",
			path, pa_len, s->pages);
		free(pa);
		return -1;
	}
	s->pa = malloc(pa_len);
	if (!s->pa) {
		free(pa);
		cli_err(cmd, "out of memory");
		return -1;
	}
	for (uint64_t i = 0; i < s->pages; i++) {
		uint64_t v = 0;

		for (int b = 7; b >= 0; b--)
			v = v << 8 | pa[i * 8 + (unsigned int)b];
		s->pa[i] = v;
	}
	free(pa);
	return 1;
}

static void state_remove(void)
{
	char path[700];

	if (!state_path(path, sizeof(path), "pages", false))
		unlink(path);
	if (!state_path(path, sizeof(path), "state", false))
		unlink(path);
	if (!os_state_dir(path, sizeof(path), false))
		rmdir(path);
}

static int state_write(const char *cmd, const struct live_state *s)
{
	char path[700], *text = NULL;
	size_t tlen = 0;
	FILE *m = open_memstream(&text, &tlen);
	uint8_t *pa;
	int e;

	if (!m) {
		cli_err(cmd, "out of memory");
		return -1;
	}
	fprintf(m, "kreloc-state 1\nholder %ld\ntime %lld\naddr 0x%" PRIx64 "\n"
		"image_size %" PRIu64 "\ninitrd_size %" PRIu64 "\nimage_sha256 %s\n"
		"initrd_sha256 %s\npages %" PRIu64 "\nruns %" PRIu64 "\nentry 0x%" PRIx64 "\n"
		"cpus %u\ncompact_unevictable_allowed_before %d\npin %s\n",
		s->holder, s->time, s->addr, s->image_size, s->initrd_size, s->image_sha,
		s->initrd_size ? s->initrd_sha : "-", s->pages, s->runs, s->entry, s->cpus,
		s->compact_prev, s->pin);
	for (unsigned int i = 0; i < s->nr_seg; i++)
		fprintf(m, "segment %s 0x%" PRIx64 " 0x%" PRIx64 " %" PRIu64 "\n", s->seg[i].what,
			s->seg[i].mem, s->seg[i].memsz, s->seg[i].bufsz);
	fclose(m);
	pa = malloc(s->pages * 8);
	if (!pa) {
		free(text);
		cli_err(cmd, "out of memory");
		return -1;
	}
	for (uint64_t i = 0; i < s->pages; i++)
		for (unsigned int b = 0; b < 8; b++)
			pa[i * 8 + b] = (uint8_t)(s->pa[i] >> (8 * b));
	e = state_path(path, sizeof(path), "pages", true);
	if (e) {
		cli_err(cmd, "state directory /run/kreloc: %s", strerror(-e));
	} else {
		e = cli_write_atomic(cmd, path, pa, s->pages * 8);
		if (!e && !state_path(path, sizeof(path), "state", true))
			e = cli_write_atomic(cmd, path, (const uint8_t *)text, tlen);
	}
	free(pa);
	free(text);
	return e ? -1 : 0;
}

/* Pages of @s that are no longer where load found them; -1 when unreadable. */
static long long count_moved(const struct live_state *s, uint64_t *first_bad)
{
	uint64_t *now = malloc(s->pages * 8), bad = 0;
	long long moved = 0;
	int e;

	if (!now)
		return -1;
	e = os_pagemap(s->holder, s->addr, s->pages, now, &bad);
	if (e == -ENXIO) {
		free(now);
		*first_bad = bad;
		return (long long)s->pages;	/* not even present */
	}
	if (e) {
		free(now);
		return -1;
	}
	for (uint64_t i = 0; i < s->pages; i++)
		if (now[i] != s->pa[i])
			moved++;
	free(now);
	return moved;
}

/* ---- load / plan --live --------------------------------------------------------------- */

struct live_inputs {
	uint8_t head[64];
	uint64_t image_size, initrd_size;
	uint8_t *shim, *fdt, *dtb;
	size_t shim_len, fdt_len, dtb_len;
	char *cmdline;
};

static void inputs_free(struct live_inputs *in)
{
	free(in->shim);
	free(in->fdt);
	free(in->dtb);
	free(in->cmdline);
}

/* The file checks, in order: Image, initrd, shim, --dtb, the running tree, memory. */
static int check_inputs(const struct live_opts *o, struct live_inputs *in)
{
	const char *cmd = o->cmd;
	struct kreloc_image_info info;
	struct stat st;
	uint64_t avail = 0, need;
	FILE *f;
	int e;

	memset(in, 0, sizeof(*in));
	f = fopen(o->image, "rb");
	if (!f || fstat(fileno(f), &st)) {
		cli_err(cmd, "%s: %s", o->image, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	in->image_size = (uint64_t)st.st_size;
	if (fread(in->head, 1, sizeof(in->head), f) != sizeof(in->head))
		memset(in->head, 0, sizeof(in->head));
	fclose(f);
	e = kreloc_image_parse(in->head, st.st_size < 64 ? (uint64_t)st.st_size : in->image_size,
			       &info);
	if (e) {
		cli_err_kreloc(cmd, o->image, e);
		return -1;
	}
	if (o->initrd) {
		if (stat(o->initrd, &st)) {
			cli_err(cmd, "%s: %s", o->initrd, strerror(errno));
			return -1;
		}
		if (!S_ISREG(st.st_mode) || !st.st_size) {
			cli_err(cmd, "%s: not a non-empty regular file", o->initrd);
			return -1;
		}
		in->initrd_size = (uint64_t)st.st_size;
	}
	if (access(o->shim, R_OK)) {
		cli_err(cmd, "shim %s: %s (install kreloc, or pass --shim FILE)", o->shim,
			strerror(errno));
		return -1;
	}
	if (cli_read_file(cmd, o->shim, &in->shim, &in->shim_len))
		return -1;
	e = kreloc_image_parse(in->shim, in->shim_len, &info);
	if (e) {
		cli_err_kreloc(cmd, o->shim, e);
		return -1;
	}
	if (o->dtb) {
		if (cli_read_file(cmd, o->dtb, &in->dtb, &in->dtb_len))
			return -1;
		e = kreloc_fdt_check(in->dtb, in->dtb_len);
		if (e) {
			cli_err_kreloc(cmd, o->dtb, e);
			return -1;
		}
	}
	e = os_read_fdt(&in->fdt, &in->fdt_len);
	if (e == -ENOENT) {
		cli_err(cmd, "no /sys/firmware/fdt: this machine did not boot with a device tree "
			"(EFI with ACPI?), which kreloc load does not support");
		return -1;
	}
	if (e) {
		cli_err(cmd, "/sys/firmware/fdt: %s", strerror(-e));
		return -1;
	}
	e = kreloc_fdt_check(in->fdt, in->fdt_len);
	if (e) {
		cli_err_kreloc(cmd, "/sys/firmware/fdt", e);
		return -1;
	}
	e = os_mem_available(&avail);
	if (e) {
		cli_err(cmd, "/proc/meminfo MemAvailable: %s", strerror(-e));
		return -1;
	}
	/* Held payload (2 MiB rounded) + segments (the kernel copies them) + margin. */
	need = ((os_stage_pages(in->image_size) + os_stage_pages(in->initrd_size)) * OS_PAGE_SIZE +
		2 * MIB - 1) / (2 * MIB) * (2 * MIB);
	need += in->shim_len + 2 * (in->dtb_len + in->fdt_len) + 1 * MIB + MEM_MARGIN;
	if (avail < need) {
		cli_err(cmd, "not enough free memory: MemAvailable is %" PRIu64 " MiB, the payload "
			"needs %" PRIu64 " MiB (Image %" PRIu64 " MiB + initrd %" PRIu64 " MiB held "
			"in place, the segments, %" PRIu64 " MiB margin)", avail / MIB, (need + MIB - 1) / MIB,
			(in->image_size + MIB - 1) / MIB, (in->initrd_size + MIB - 1) / MIB,
			MEM_MARGIN / MIB);
		return -1;
	}
	if (o->reuse) {
		char buf[KRELOC_CMDLINE_MAX + 2];

		e = os_read_cmdline(buf, sizeof(buf));
		if (e) {
			cli_err(cmd, "/proc/cmdline: %s", strerror(-e));
			return -1;
		}
		in->cmdline = strdup(buf);
	} else if (o->append) {
		in->cmdline = strdup(o->append);
	}
	if ((o->reuse || o->append) && !in->cmdline) {
		cli_err(cmd, "out of memory");
		return -1;
	}
	if (in->cmdline && strlen(in->cmdline) > KRELOC_CMDLINE_MAX) {
		cli_err(cmd, "command line of %zu bytes: longer than %d", strlen(in->cmdline),
			KRELOC_CMDLINE_MAX);
		return -1;
	}
	return 0;
}

/* A digest in hex, or "none" when load --no-verify computed none. */
static void sha_text(char out[65], const uint8_t sha[32], bool computed)
{
	if (computed)
		cli_hex(out, sha, 32);
	else
		snprintf(out, 65, "none");
}

/* How many CPUs the bundle's KRELOC_OPT_CPUS lets the shim use, and in words. */
static unsigned int opt_cpus(uint64_t options)
{
	unsigned int n = (unsigned int)((options & KRELOC_OPT_CPUS_MASK) >> KRELOC_OPT_CPUS_SHIFT);

	return n ? n : 1;	/* 0: no --cpus, one CPU */
}

static const char *cpus_text(unsigned int n)
{
	static char t[64];

	if (n <= 1)
		return "1 (relocation on the CPU that runs kexec)";
	snprintf(t, sizeof(t), "up to %u (those the device tree and PSCI offer)", n);
	return t;
}

static void print_plan(const struct live_opts *o, const struct os_stage *st,
		       const struct kreloc_live_plan *p, uint64_t pages, bool local)
{
	char h[65];

	if (local)
		printf("pages:    this process's pages; the holder's will differ\n");
	sha_text(h, st->image_sha, !o->no_verify || local);
	printf("image:    %s, %" PRIu64 " bytes, %" PRIu64 " pages, sha256 %s\n", o->image,
	       st->image_size, os_stage_pages(st->image_size), h);
	if (st->initrd_size) {
		sha_text(h, st->initrd_sha, !o->no_verify || local);
		printf("initrd:   %s, %" PRIu64 " bytes, %" PRIu64 " pages, sha256 %s\n", o->initrd,
		       st->initrd_size, os_stage_pages(st->initrd_size), h);
	}
	printf("held:     %" PRIu64 " pages in %" PRIu64 " runs at 0x%" PRIx64 " (%s; hashed "
	       "with %s)\n", pages, p->page_runs, st->addr, st->pin, st->hash);
	printf("shim:     %s\n", o->shim);
	printf("verify:   %s\n", o->no_verify ? "no (--no-verify)" : "yes");
	printf("cpus:     %s\n", cpus_text(opt_cpus(o->options)));
	for (unsigned int i = 0; i < p->nr_seg; i++)
		printf("segment:  %-7s mem 0x%09" PRIx64 " memsz 0x%08" PRIx64 " bufsz %zu\n",
		       p->seg[i].what, p->seg[i].mem, p->seg[i].memsz, p->seg[i].bufsz);
	printf("entry:    0x%09" PRIx64 "\n", p->entry);
}

static int run_load(const struct live_opts *o, enum live_mode mode)
{
	const char *cmd = o->cmd;
	struct live_inputs in;
	struct kreloc_live_input li;
	struct kreloc_live_plan plan;
	struct live_state s;
	struct os_stage st = { 0 };
	uint64_t n_img, n_ird, bad = 0, *pa = NULL, *pa2 = NULL;
	/* verification on several CPUs: chunk tables (bundle.h), hashed as the holder copies */
	bool chunks = !o->no_verify &&
		      (o->options & KRELOC_OPT_CPUS_MASK) >> KRELOC_OPT_CPUS_SHIFT > 1;
	const char *culprit = "?";
	char why[256] = "";
	long holder = 0;
	int rc = KRELOC_EXIT_REFUSED, e, compact_prev = -1;
	bool compact_set = false;

	memset(&plan, 0, sizeof(plan));
	memset(&s, 0, sizeof(s));
	if (check_machine(cmd, mode != MODE_LOAD) || check_caps(cmd, mode == MODE_LOAD, true) ||
	    check_kexec_allowed(cmd))
		return KRELOC_EXIT_REFUSED;
	if (mode == MODE_LOAD) {
		struct live_state old;
		int r = state_read(cmd, &old);

		free(old.pa);
		if (r < 0)
			return KRELOC_EXIT_REFUSED;
		if (r > 0) {
			cli_err(cmd, "a kernel is already loaded by kreloc (holder pid %ld%s): run "
				"'kreloc unload' first", old.holder,
				os_holder_alive(old.holder) ? "" : ", gone");
			return KRELOC_EXIT_REFUSED;
		}
		if (os_kexec_loaded() == 1) {
			cli_err(cmd, "a kexec kernel is already loaded (/sys/kernel/kexec_loaded = 1, "
				"not by kreloc): run 'kreloc unload' first");
			return KRELOC_EXIT_REFUSED;
		}
	}
	if (check_inputs(o, &in)) {
		inputs_free(&in);
		return KRELOC_EXIT_REFUSED;
	}

	/* Every check passed: stage. */
	if (mode == MODE_LOAD) {
		e = os_compact_unevictable(0, &compact_prev);
		if (e && e != -ENOENT) {
			cli_err(cmd, "/proc/sys/vm/compact_unevictable_allowed: %s", strerror(-e));
			goto out;
		}
		compact_set = !e && compact_prev != 0;
	}
	if (mode == MODE_PLAN) {
		e = os_stage_local(o->image, o->initrd, chunks, &st, why, sizeof(why));
	} else {
		holder = os_holder_start(o->image, o->initrd, !o->no_verify, chunks, &st, why,
					 sizeof(why));
		e = holder < 0 ? (int)holder : 0;
	}
	if (e) {
		cli_err(cmd, "staging the payload: %s", why);
		holder = 0;
		goto out;
	}
	if (st.image_size != in.image_size || st.initrd_size != in.initrd_size) {
		cli_err(cmd, "%s changed size while being read", o->image);
		goto out;
	}
	n_img = os_stage_pages(st.image_size);
	n_ird = os_stage_pages(st.initrd_size);
	pa = calloc(n_img + n_ird + 1, 8);
	pa2 = calloc(n_img + n_ird + 1, 8);
	if (!pa || !pa2) {
		cli_err(cmd, "out of memory");
		goto out;
	}
	e = os_pagemap(holder > 0 ? holder : 0, st.addr, n_img + n_ird, pa, &bad);
	if (e) {
		if (e == -EPERM)
			cli_err(cmd, "/proc/PID/pagemap shows no frame numbers (needs CAP_SYS_ADMIN)");
		else if (e == -ENXIO)
			cli_err(cmd, "payload page %" PRIu64 " is not present in memory", bad);
		else
			cli_err(cmd, "/proc/PID/pagemap: %s", strerror(-e));
		goto out;
	}

	memset(&li, 0, sizeof(li));
	li.fdt = in.fdt;
	li.fdt_len = in.fdt_len;
	li.shim = in.shim;
	li.shim_len = in.shim_len;
	li.image_head = in.head;
	li.image_head_len = sizeof(in.head);
	li.image.size = st.image_size;
	li.image.pages = pa;
	memcpy(li.image.sha256, st.image_sha, 32);
	li.image.chunks = st.image_chunks;
	li.initrd.size = st.initrd_size;
	li.initrd.pages = st.initrd_size ? pa + n_img : NULL;
	memcpy(li.initrd.sha256, st.initrd_sha, 32);
	li.initrd.chunks = st.initrd_size ? st.initrd_chunks : NULL;
	li.cmdline = in.cmdline;
	li.next_dtb = in.dtb;
	li.next_dtb_len = in.dtb_len;
	li.options = (o->no_verify ? 0 : KRELOC_OPT_VERIFY) | o->options;
	e = kreloc_live_plan(&li, &plan, &culprit);
	if (e) {
		char what[64];

		snprintf(what, sizeof(what), "planning (%s)", culprit ? culprit : "?");
		cli_err_kreloc(cmd, what, e);
		goto out;
	}
	if (mode == MODE_PLAN) {
		print_plan(o, &st, &plan, n_img + n_ird, true);
		rc = KRELOC_EXIT_OK;
		goto out;
	}
	/* Did a page move while we planned? */
	e = os_pagemap(holder, st.addr, n_img + n_ird, pa2, &bad);
	if (e) {
		cli_err(cmd, "/proc/%ld/pagemap, read again: %s", holder, strerror(-e));
		goto out;
	}
	{
		uint64_t moved = 0;

		for (uint64_t i = 0; i < n_img + n_ird; i++)
			moved += pa[i] != pa2[i];
		if (moved) {
			cli_err(cmd, "pages moved: %" PRIu64 " of %" PRIu64 " payload pages changed "
				"physical address while planning; nothing loaded, try again", moved,
				n_img + n_ird);
			goto out;
		}
	}
	if (mode == MODE_DRY_RUN) {
		print_plan(o, &st, &plan, n_img + n_ird, false);
		printf("dry run:  not loaded; holder pid %ld stopped\n", holder);
		rc = KRELOC_EXIT_OK;
		goto out;
	}
	e = os_kexec_load(plan.entry, plan.seg, plan.nr_seg);
	if (e) {
		if (*os_root())
			cli_err(cmd, "kexec_load: not under KRELOC_SYSROOT=%s (a test root); nothing "
				"loaded", os_root());
		else
			cli_err(cmd, "kexec_load: %s", strerror(-e));
		goto out;
	}
	s.holder = holder;
	s.time = (long long)time(NULL);
	s.addr = st.addr;
	s.image_size = st.image_size;
	s.initrd_size = st.initrd_size;
	sha_text(s.image_sha, st.image_sha, !o->no_verify);
	sha_text(s.initrd_sha, st.initrd_sha, !o->no_verify);
	s.pages = n_img + n_ird;
	s.runs = plan.page_runs;
	s.entry = plan.entry;
	s.cpus = opt_cpus(o->options);
	s.compact_prev = compact_prev;
	snprintf(s.pin, sizeof(s.pin), "%s", st.pin);
	s.nr_seg = plan.nr_seg;
	for (unsigned int i = 0; i < plan.nr_seg; i++) {
		snprintf(s.seg[i].what, sizeof(s.seg[i].what), "%s", plan.seg[i].what);
		s.seg[i].mem = plan.seg[i].mem;
		s.seg[i].memsz = plan.seg[i].memsz;
		s.seg[i].bufsz = plan.seg[i].bufsz;
	}
	s.pa = pa;
	if (state_write(cmd, &s)) {
		(void)os_kexec_load(0, NULL, 0);
		cli_err(cmd, "unloaded again: without its state, kreloc exec could not check it");
		goto out;
	}
	/* The CPU count only when asked for: one CPU keeps the line it always was. */
	printf("kreloc load: loaded %u segments, entry 0x%" PRIx64 ", %" PRIu64 " pages in %"
	       PRIu64 " runs, ", plan.nr_seg, plan.entry, s.pages, plan.page_runs);
	if (s.cpus > 1)
		printf("the shim on up to %u CPUs, ", s.cpus);
	printf("holder pid %ld (%s)\n", holder, st.pin);
	holder = 0;		/* it stays */
	compact_set = false;	/* unload restores it */
	rc = KRELOC_EXIT_OK;
out:
	if (holder > 0)
		(void)os_holder_stop(holder);
	if (compact_set)
		(void)os_compact_unevictable(compact_prev, NULL);
	kreloc_live_free(&plan);
	free(pa);
	free(pa2);
	free(st.image_chunks);
	free(st.initrd_chunks);
	inputs_free(&in);
	return rc;
}

int kreloc_cmd_load(int argc, char **argv)
{
	struct live_opts o;
	int r = parse_live("load", argc, argv, false, &o);

	if (r >= 0)
		return r;
	return run_load(&o, o.dry_run ? MODE_DRY_RUN : MODE_LOAD);
}

int kreloc_cmd_plan_live(int argc, char **argv)
{
	struct live_opts o;
	int r = parse_live("plan", argc, argv, true, &o);

	if (r >= 0)
		return r;
	return run_load(&o, MODE_PLAN);
}

/* ---- exec / unload / status ---------------------------------------------------------- */

/* Commands without arguments but --help (and --json for status). */
static int parse_simple(const char *cmd, int argc, char **argv, void (*usage)(FILE *),
			bool *json)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return KRELOC_EXIT_OK;
		}
		if (json && !strcmp(argv[i], "--json")) {
			*json = true;
			continue;
		}
		cli_err(cmd, "%s: unexpected argument (see 'kreloc %s --help')", argv[i], cmd);
		return KRELOC_EXIT_USAGE;
	}
	return -1;
}

int kreloc_cmd_exec(int argc, char **argv)
{
	const char *cmd = "exec";
	struct live_state s;
	long long moved;
	uint64_t bad = 0;
	int r = parse_simple(cmd, argc, argv, kreloc_usage_exec, NULL), e;

	if (r >= 0)
		return r;
	if (check_machine(cmd, false) || check_caps(cmd, true, true))
		return KRELOC_EXIT_REFUSED;
	r = state_read(cmd, &s);
	if (r <= 0) {
		if (!r)
			cli_err(cmd, "nothing loaded by kreloc (no /run/kreloc/state): run "
				"'kreloc load IMAGE' first");
		return KRELOC_EXIT_REFUSED;
	}
	r = KRELOC_EXIT_REFUSED;
	if (!os_holder_alive(s.holder)) {
		cli_err(cmd, "the holder process (pid %ld) is gone and the payload's pages with it: "
			"run 'kreloc unload', then 'kreloc load' again", s.holder);
		goto out;
	}
	if (os_kexec_loaded() != 1) {
		cli_err(cmd, "the kernel has no kexec image loaded (/sys/kernel/kexec_loaded is not "
			"1): run 'kreloc unload', then 'kreloc load' again");
		goto out;
	}
	moved = count_moved(&s, &bad);
	if (moved < 0) {
		cli_err(cmd, "cannot read /proc/%ld/pagemap to check the payload's pages", s.holder);
		goto out;
	}
	if (moved) {
		cli_err(cmd, "%lld of %" PRIu64 " payload pages moved since kreloc load: run "
			"'kreloc unload', then 'kreloc load' again", moved, s.pages);
		goto out;
	}
	printf("kreloc exec: rebooting into the loaded kernel (entry 0x%" PRIx64 ", %" PRIu64
	       " pages in place, holder pid %ld)\n", s.entry, s.pages, s.holder);
	fflush(stdout);
	e = os_kexec_reboot();
	cli_err(cmd, "reboot(LINUX_REBOOT_CMD_KEXEC): %s", strerror(-e));
out:
	free(s.pa);
	return r;
}

int kreloc_cmd_unload(int argc, char **argv)
{
	const char *cmd = "unload";
	struct live_state s;
	int r = parse_simple(cmd, argc, argv, kreloc_usage_unload, NULL), e, loaded;
	bool stopped = false;

	if (r >= 0)
		return r;
	if (check_machine(cmd, false) || check_caps(cmd, true, false))
		return KRELOC_EXIT_REFUSED;
	r = state_read(cmd, &s);
	if (r < 0)
		cli_err(cmd, "unloading anyway");
	loaded = os_kexec_loaded();
	if (r <= 0 && loaded != 1) {
		printf("kreloc unload: nothing was loaded\n");
		free(s.pa);
		return KRELOC_EXIT_OK;
	}
	e = os_kexec_load(0, NULL, 0);
	if (e) {
		cli_err(cmd, "kexec_load (unload): %s", strerror(-e));
		free(s.pa);
		return KRELOC_EXIT_REFUSED;
	}
	if (r > 0) {
		stopped = !os_holder_stop(s.holder);
		if (s.compact_prev > 0)
			(void)os_compact_unevictable(s.compact_prev, NULL);
	}
	state_remove();
	if (r > 0)
		printf("kreloc unload: unloaded; holder pid %ld %s\n", s.holder,
		       stopped ? "stopped" : "was already gone");
	else
		printf("kreloc unload: unloaded (it was not loaded by kreloc)\n");
	free(s.pa);
	return KRELOC_EXIT_OK;
}

int kreloc_cmd_status(int argc, char **argv)
{
	const char *cmd = "status";
	struct live_state s;
	bool json = false, admin = false, boot = false;
	long long moved = -1;
	uint64_t bad = 0;
	int r = parse_simple(cmd, argc, argv, kreloc_usage_status, &json), loaded, alive = 0;

	if (r >= 0)
		return r;
	r = state_read(cmd, &s);
	if (r < 0)
		return KRELOC_EXIT_REFUSED;
	loaded = os_kexec_loaded();
	if (r > 0) {
		alive = os_holder_alive(s.holder);
		(void)os_caps(&boot, &admin);
		if (alive && admin)
			moved = count_moved(&s, &bad);
	}
	if (json) {
		printf("{\"kexec_loaded\":%s,\"by_kreloc\":%s", loaded == 1 ? "true" : "false",
		       r > 0 ? "true" : "false");
		if (r > 0) {
			printf(",\"holder\":{\"pid\":%ld,\"alive\":%s,\"argv0\":", s.holder,
			       alive ? "true" : "false");
			cli_json_cstr(stdout, alive ? OS_HOLDER_ARGV0 : "");
			printf(",\"va\":\"0x%" PRIx64 "\",\"pin\":", s.addr);
			cli_json_cstr(stdout, s.pin);
			printf("},\"time\":%lld,\"image_size\":%" PRIu64 ",\"initrd_size\":%" PRIu64
			       ",\"pages\":%" PRIu64 ",\"runs\":%" PRIu64 ",\"pages_moved\":%lld"
			       ",\"cpus\":%u,\"entry\":\"0x%" PRIx64 "\",\"segments\":[", s.time,
			       s.image_size, s.initrd_size, s.pages, s.runs, moved, s.cpus, s.entry);
			for (unsigned int i = 0; i < s.nr_seg; i++)
				printf("%s{\"what\":\"%s\",\"mem\":\"0x%" PRIx64 "\",\"memsz\":\"0x%"
				       PRIx64 "\",\"bufsz\":%" PRIu64 "}", i ? "," : "", s.seg[i].what,
				       s.seg[i].mem, s.seg[i].memsz, s.seg[i].bufsz);
			printf("]");
		}
		printf("}\n");
		free(s.pa);
		return KRELOC_EXIT_OK;
	}
	if (r == 0) {
		printf("loaded:   %s\n", loaded == 1 ? "yes, not by kreloc (no /run/kreloc/state)" :
		       "no");
		return KRELOC_EXIT_OK;
	}
	printf("loaded:   %s\n", loaded == 1 ? "yes, by kreloc" :
	       "NO: the kernel has no kexec image (kreloc unload; kreloc load again)");
	printf("holder:   pid %ld, %s\n", s.holder, alive ? "alive, argv[0] " OS_HOLDER_ARGV0 :
	       "GONE (its pages are free again: kreloc unload; kreloc load again)");
	printf("payload:  va 0x%" PRIx64 " in the holder (the Image; the initrd at the next "
	       "4 KiB page)\n", s.addr);
	printf("pinning:  %s\n", s.pin);
	printf("image:    %" PRIu64 " bytes, sha256 %s\n", s.image_size, s.image_sha);
	if (s.initrd_size)
		printf("initrd:   %" PRIu64 " bytes, sha256 %s\n", s.initrd_size, s.initrd_sha);
	printf("pages:    %" PRIu64 " in %" PRIu64 " runs, ", s.pages, s.runs);
	if (moved == 0)
		printf("all where kreloc load found them\n");
	else if (moved > 0)
		printf("%lld MOVED since kreloc load (kreloc unload; kreloc load again)\n", moved);
	else
		printf("not checked (%s)\n", !alive ? "no holder" : !admin ?
		       "needs CAP_SYS_ADMIN" : "pagemap unreadable");
	printf("cpus:     %s\n", cpus_text(s.cpus));
	for (unsigned int i = 0; i < s.nr_seg; i++)
		printf("segment:  %-7s mem 0x%09" PRIx64 " memsz 0x%08" PRIx64 " bufsz %" PRIu64 "\n",
		       s.seg[i].what, s.seg[i].mem, s.seg[i].memsz, s.seg[i].bufsz);
	printf("entry:    0x%09" PRIx64 "\n", s.entry);
	{
		time_t t = (time_t)s.time;
		struct tm tm;
		char tb[64];

		if (gmtime_r(&t, &tm) && strftime(tb, sizeof(tb), "%Y-%m-%d %H:%M:%S UTC", &tm))
			printf("since:    %s\n", tb);
	}
	free(s.pa);
	return KRELOC_EXIT_OK;
}
