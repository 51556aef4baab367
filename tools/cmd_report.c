// SPDX-License-Identifier: MIT
/*
 * cmd_report.c - the seed's table on a user's machine (phases.h):
 *
 *   kreloc stamp [--up] [--file F]   record the counter: when the shutdown
 *                                    begins, or (--up) when this boot's
 *                                    user space is up
 *   kreloc report [--json] ...       in the next boot: shutdown, relocation
 *                                    and startup from the stamps and the
 *                                    mailbox of this boot's /chosen
 *
 * The counter, boot id and /chosen come through os.h; phases.c checks and
 * computes.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kreloc/kreloc_env.h>
#include <kreloc/mailbox.h>

#include "cli.h"
#include "os.h"
#include "phases.h"

/* Below the system root (os.h: KRELOC_SYSROOT for the tests). */
#define STAMP_DIR		"/var/lib/kreloc"
#define SHUTDOWN_STAMP		STAMP_DIR "/shutdown-stamp"
#define UP_STAMP_DIR		"/run/kreloc"
#define UP_STAMP		UP_STAMP_DIR "/up-stamp"

void kreloc_usage_stamp(FILE *f)
{
	fprintf(f,
		"usage: kreloc stamp [--up] [--file FILE]\n"
		"\n"
		"Record the generic counter (CNTVCT_EL0), its frequency (CNTFRQ_EL0) and this\n"
		"boot's id (/proc/sys/kernel/random/boot_id) in a small text file, written\n"
		"atomically (temporary file, fsync, rename, fsync of the directory), for\n"
		"'kreloc report' in the next boot.  kreloc-stamp.service runs it.\n"
		"\n"
		"Options:\n"
		"  (none)       the shutdown stamp, " SHUTDOWN_STAMP ": run it as the\n"
		"               shutdown begins (kreloc-stamp.service's ExecStop)\n"
		"  --up         the user-space-up stamp, " UP_STAMP " (this boot only:\n"
		"               /run is lost at the reboot): run it once the system is up\n"
		"               (kreloc-stamp.service's ExecStart, after multi-user.target)\n"
		"  --file FILE  write FILE instead\n"
		"\n"
		"Paths are below $KRELOC_SYSROOT when it is set (a fake root, for the tests).\n");
}

void kreloc_usage_report(FILE *f)
{
	fprintf(f,
		"usage: kreloc report [--json] [--stamp FILE] [--up-stamp FILE]\n"
		"\n"
		"In the boot a kreloc hand-off started: how long the hand-off took, as the\n"
		"three phases of one counter (CNTVCT_EL0), in ticks and in seconds (CNTFRQ_EL0):\n"
		"  shutdown    the shutdown stamp ('kreloc stamp' in the previous boot) to the\n"
		"              shim's entry\n"
		"  relocation  the shim's entry to the trampoline's jump into this kernel\n"
		"  startup     that jump to user space up\n"
		"and their sum, which is exactly user space up minus the stamp.  The shim's\n"
		"entry, the jump, the bytes copied with the MMU on and off, whether the\n"
		"payload was verified and the CPUs that copied come from the mailbox the\n"
		"trampoline left in this boot's /chosen (kreloc,relocate-counters).\n"
		"\n"
		"User space up is the counter 'kreloc stamp --up' recorded in this boot\n"
		"(" UP_STAMP ", written by kreloc-stamp.service once multi-user.target is\n"
		"reached: the boot's own end, whenever the report is read); without one, the\n"
		"moment this command reads the counter.  The output says which.\n"
		"\n"
		"Options:\n"
		"  --json           one JSON object instead of the table\n"
		"  --stamp FILE     the shutdown stamp (default " SHUTDOWN_STAMP ")\n"
		"  --up-stamp FILE  the user-space-up stamp (default " UP_STAMP ")\n"
		"\n"
		"Refused (exit 1) with one line saying why: no shutdown stamp; a stamp\n"
		"written in this boot (no hand-off since it); a stamp later than the shim's\n"
		"entry; no mailbox in /chosen (this boot did not come through kreloc); a\n"
		"mailbox without the shim's entry.  /proc and /sys are read below\n"
		"$KRELOC_SYSROOT when it is set (a fake root, for the tests).\n");
}

/* One stamp of this boot. */
static int take_stamp(const char *cmd, struct phases_stamp *s)
{
	int e = os_counter(&s->cntvct, &s->cntfrq);

	if (e) {
		cli_err(cmd, "cannot read the generic counter: %s", strerror(-e));
		return -1;
	}
	e = os_boot_id(s->boot_id, sizeof(s->boot_id));
	if (e) {
		cli_err(cmd, "cannot read /proc/sys/kernel/random/boot_id: %s", strerror(-e));
		return -1;
	}
	return 0;
}

/* fsync() @path's directory, so the rename() survives a crash or a reboot. */
static int sync_dir(const char *cmd, const char *path)
{
	char dir[640];
	char *slash;
	int fd, e = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0)
		e = errno;
	if (fd >= 0)
		close(fd);
	if (e)
		cli_err(cmd, "%s: %s", dir, strerror(e));
	return e ? -1 : 0;
}

int kreloc_cmd_stamp(int argc, char **argv)
{
	const char *cmd = "stamp", *file = NULL;
	char path[640], text[PHASES_STAMP_MAX];
	struct phases_stamp s;
	bool up = false;
	int n;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			kreloc_usage_stamp(stdout);
			return KRELOC_EXIT_OK;
		} else if (!strcmp(argv[i], "--up")) {
			up = true;
		} else if (!strcmp(argv[i], "--file") && i + 1 < argc) {
			file = argv[++i];
		} else {
			cli_err(cmd, "unexpected argument '%s' (see 'kreloc stamp --help')", argv[i]);
			return KRELOC_EXIT_USAGE;
		}
	}
	if (file) {
		snprintf(path, sizeof(path), "%s", file);
	} else {
		/* the up stamp's directory is load's state directory: one creator, one mode */
		int e = up ? os_state_dir(path, sizeof(path), true) : os_path(path, sizeof(path), STAMP_DIR);

		if (!e && !up && mkdir(path, 0755) != 0 && errno != EEXIST)
			e = -errno;
		if (e == -ENAMETOOLONG) {
			cli_err(cmd, "$KRELOC_SYSROOT is too long");
			return KRELOC_EXIT_REFUSED;
		}
		if (e) {
			cli_err(cmd, "%s: %s", path, strerror(-e));
			return KRELOC_EXIT_REFUSED;
		}
		os_path(path, sizeof(path), up ? UP_STAMP : SHUTDOWN_STAMP);
	}
	if (take_stamp(cmd, &s))
		return KRELOC_EXIT_REFUSED;
	n = phases_stamp_format(&s, text, sizeof(text));
	if (n < 0 || cli_write_atomic(cmd, path, (const uint8_t *)text, (size_t)n) ||
	    sync_dir(cmd, path))
		return KRELOC_EXIT_REFUSED;
	printf("kreloc stamp: %s: counter %" PRIu64 " (%" PRIu64 " Hz), boot %s\n", path, s.cntvct,
	       s.cntfrq, s.boot_id);
	return KRELOC_EXIT_OK;
}

/*
 * Read a stamp file.  Return: 0; PHASES_E_NO_STAMP when it does not exist;
 * PHASES_E_STAMP_FORMAT; 1 after printing why it could not be read.
 */
static int read_stamp(const char *cmd, const char *path, struct phases_stamp *s)
{
	char text[PHASES_STAMP_MAX + 1];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f && errno == ENOENT)
		return PHASES_E_NO_STAMP;
	if (!f) {
		cli_err(cmd, "%s: %s", path, strerror(errno));
		return 1;
	}
	n = fread(text, 1, sizeof(text), f);
	fclose(f);
	return n > PHASES_STAMP_MAX ? PHASES_E_STAMP_FORMAT : phases_stamp_parse(text, n, s);
}

static double seconds(uint64_t ticks, uint64_t frq)
{
	return (double)ticks / (double)frq;
}

static void print_json(const struct phases *p, bool up_stamped)
{
	const char *name[] = { "shutdown", "relocation", "startup", "total" };
	const uint64_t t[] = { p->shutdown, p->relocation, p->startup, p->total };

	printf("{\"cntfrq\":%" PRIu64 ",\"stamp\":%" PRIu64 ",\"shim_entry\":%" PRIu64
	       ",\"jump\":%" PRIu64 ",\"up\":%" PRIu64 ",\"up_source\":\"%s\",\"ticks\":{",
	       p->cntfrq, p->stamp, p->shim_entry, p->jump, p->up, up_stamped ? "stamp" : "report");
	for (unsigned int i = 0; i < 4; i++)
		printf("%s\"%s\":%" PRIu64, i ? "," : "", name[i], t[i]);
	printf("},\"seconds\":{");
	for (unsigned int i = 0; i < 4; i++)
		printf("%s\"%s\":%.9f", i ? "," : "", name[i], seconds(t[i], p->cntfrq));
	printf("},\"bytes_copied_mmu_on\":%" PRIu64 ",\"bytes_copied_mmu_off\":%" PRIu64
	       ",\"verified\":%s,\"cpus\":%" PRIu64 "}\n", p->bytes_mmu_on, p->bytes_mmu_off,
	       p->verified ? "true" : "false", p->cpus);
}

static void print_table(const struct phases *p, bool up_stamped)
{
	const struct {
		const char *name;
		uint64_t ticks;
		const char *span;
	} row[] = {
		{ "shutdown", p->shutdown, "shutdown stamp -> shim entry" },
		{ "relocation", p->relocation, "shim entry -> jump to this kernel" },
		{ "startup", p->startup, "jump -> user space up" },
		{ "total", p->total, "shutdown stamp -> user space up (the sum)" },
	};

	printf("kreloc report: the hand-off into this boot, counter at %" PRIu64 " Hz\n"
	       "  %-10s %16s %14s\n", p->cntfrq, "phase", "ticks", "seconds");
	for (unsigned int i = 0; i < KRELOC_ARRAY_SIZE(row); i++)
		printf("  %-10s %16" PRIu64 " %14.6f  %s\n", row[i].name, row[i].ticks,
		       seconds(row[i].ticks, p->cntfrq), row[i].span);
	printf("  user space up: %s\n"
	       "  copied: %" PRIu64 " bytes with the MMU on, %" PRIu64 " with it off; "
	       "verified: %s; CPUs: %" PRIu64 "\n",
	       up_stamped ? "'kreloc stamp --up' in this boot" : "when 'kreloc report' ran", p->bytes_mmu_on, p->bytes_mmu_off,
	       p->verified ? "yes" : "no", p->cpus);
}

int kreloc_cmd_report(int argc, char **argv)
{
	const char *cmd = "report", *stamp_file = NULL, *up_file = NULL;
	char stamp_path[640], up_path[640], boot_id[PHASES_BOOT_ID_MAX];
	uint8_t mb_bytes[KRELOC_MAILBOX_SIZE];
	struct phases_stamp stamp, up;
	struct phases_mailbox mb;
	struct phases p;
	uint64_t now, frq;
	bool json = false, up_stamped = false;
	int e;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			kreloc_usage_report(stdout);
			return KRELOC_EXIT_OK;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--stamp") && i + 1 < argc) {
			stamp_file = argv[++i];
		} else if (!strcmp(argv[i], "--up-stamp") && i + 1 < argc) {
			up_file = argv[++i];
		} else {
			cli_err(cmd, "unexpected argument '%s' (see 'kreloc report --help')", argv[i]);
			return KRELOC_EXIT_USAGE;
		}
	}
	e = os_boot_id(boot_id, sizeof(boot_id));
	if (e) {
		cli_err(cmd, "cannot read /proc/sys/kernel/random/boot_id: %s", strerror(-e));
		return KRELOC_EXIT_REFUSED;
	}
	snprintf(stamp_path, sizeof(stamp_path), "%s", stamp_file ? stamp_file : "");
	snprintf(up_path, sizeof(up_path), "%s", up_file ? up_file : "");
	if ((!stamp_file && os_path(stamp_path, sizeof(stamp_path), SHUTDOWN_STAMP)) ||
	    (!up_file && os_path(up_path, sizeof(up_path), UP_STAMP))) {
		cli_err(cmd, "$KRELOC_SYSROOT is too long");
		return KRELOC_EXIT_REFUSED;
	}

	e = read_stamp(cmd, stamp_path, &stamp);
	if (e > 0)
		return KRELOC_EXIT_REFUSED;
	if (!e) {
		e = os_read_chosen(KRELOC_MAILBOX_PROP, mb_bytes, sizeof(mb_bytes));
		if (e == -ENOENT)
			e = PHASES_E_NO_MAILBOX;
		else if (e < 0) {
			cli_err(cmd, "/chosen/" KRELOC_MAILBOX_PROP ": %s", strerror(-e));
			return KRELOC_EXIT_REFUSED;
		} else
			e = phases_mailbox_parse(mb_bytes, (size_t)e, &mb);
	}
	if (!e) {
		/* a user-space-up stamp of another boot is stale: /run should have gone */
		if (read_stamp(cmd, up_path, &up) == 0 && !strcmp(up.boot_id, boot_id)) {
			now = up.cntvct;
			frq = up.cntfrq;
			up_stamped = true;
		} else if ((e = os_counter(&now, &frq)) != 0) {
			cli_err(cmd, "cannot read the generic counter: %s", strerror(-e));
			return KRELOC_EXIT_REFUSED;
		}
		e = phases_compute(&stamp, boot_id, &mb, now, frq, &p);
	}
	if (e == PHASES_E_NO_STAMP || e == PHASES_E_STAMP_FORMAT || e == PHASES_E_STAMP_THIS_BOOT ||
	    e == PHASES_E_STAMP_LATE) {
		cli_err(cmd, "%s: %s", stamp_path, phases_strerror(e));
		return KRELOC_EXIT_REFUSED;
	}
	if (e) {
		cli_err(cmd, "%s", phases_strerror(e));
		return KRELOC_EXIT_REFUSED;
	}
	if (json)
		print_json(&p, up_stamped);
	else
		print_table(&p, up_stamped);
	return KRELOC_EXIT_OK;
}
