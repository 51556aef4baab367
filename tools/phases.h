/* SPDX-License-Identifier: MIT */
/*
 * phases.h - `kreloc stamp` / `kreloc report`: the seed's table, kernel
 * shutdown / relocation / kernel startup, on one counter (CNTVCT_EL0), from
 * three readings no single kernel sees together:
 *
 *   stamp   the counter when the shutdown began, written by `kreloc stamp`
 *           in the previous boot (a small text file, below)
 *   shim    the counter at the shim's entry and at the trampoline's jump,
 *           from the mailbox in this boot's /chosen (kreloc/mailbox.h)
 *   up      the counter when this boot's user space was up: `kreloc stamp
 *           --up` (kreloc-stamp.service, once multi-user.target is
 *           reached), else the moment `kreloc report` runs
 *
 *   shutdown   = shim entry - stamp
 *   relocation = jump - shim entry
 *   startup    = up - jump
 *
 * which add up to up - stamp exactly.  Pure functions: no file, no clock;
 * cmd_report.c reads, these check and compute.
 */
#ifndef KRELOC_TOOLS_PHASES_H
#define KRELOC_TOOLS_PHASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kreloc/mailbox.h>

#define PHASES_BOOT_ID_MAX	64	/* /proc/sys/kernel/random/boot_id: 36 characters */

/*
 * The stamp file: lines "key=value", in any order, unknown keys ignored;
 * written by phases_stamp_format():
 *   kreloc-stamp=1        format version
 *   cntvct=N              the counter (decimal)
 *   cntfrq=N              its frequency in Hz (decimal)
 *   boot_id=UUID          the boot that wrote it
 */
#define PHASES_STAMP_MAX	256	/* bytes a stamp file may hold */

/** struct phases_stamp - one counter reading and the boot it was taken in. */
struct phases_stamp {
	uint64_t cntvct;
	uint64_t cntfrq;
	char boot_id[PHASES_BOOT_ID_MAX];
};

/** struct phases_mailbox - this boot's mailbox, decoded (mailbox.h). */
struct phases_mailbox {
	uint64_t ticks[KRELOC_MAILBOX_SLOTS];	/* first value of each slot */
	uint64_t second[KRELOC_MAILBOX_SLOTS];	/* second value of each slot */
};

/** struct phases - the table: each phase in counter ticks. */
struct phases {
	uint64_t stamp, shim_entry, jump, up;	/* the four readings */
	uint64_t shutdown, relocation, startup;	/* their differences */
	uint64_t total;				/* up - stamp */
	uint64_t cntfrq;
	uint64_t bytes_mmu_on, bytes_mmu_off;
	bool verified;
	uint64_t cpus;
};

/** Why no table: phases_compute()'s and the parsers' negative results. */
enum phases_error {
	PHASES_E_NO_STAMP = -1,		/* no stamp file: nothing ran `kreloc stamp` */
	PHASES_E_STAMP_FORMAT = -2,	/* the stamp file is not one */
	PHASES_E_STAMP_THIS_BOOT = -3,	/* the stamp is this boot's: no hand-off since */
	PHASES_E_NO_MAILBOX = -4,	/* no mailbox: this boot did not come through kreloc */
	PHASES_E_MAILBOX_FORMAT = -5,	/* a mailbox of the wrong size, or never written */
	PHASES_E_NO_SHIM_ENTRY = -6,	/* the mailbox has no shim entry (slot 3 zero) */
	PHASES_E_STAMP_LATE = -7,	/* the stamp is later than the shim's entry */
	PHASES_E_ORDER = -8,		/* shim entry, jump and up are not in order */
	PHASES_E_FREQUENCY = -9,	/* CNTFRQ is 0, or not the stamp's */
};

/** phases_strerror() - one line saying what @err means to the user. */
const char *phases_strerror(int err);

/** phases_stamp_format() - @s as a stamp file into @buf. Bytes written, or -1 when @cap is short. */
int phases_stamp_format(const struct phases_stamp *s, char *buf, size_t cap);

/**
 * phases_stamp_parse() - read a stamp file's @len bytes.
 * Return: 0; PHASES_E_STAMP_FORMAT (no kreloc-stamp=1 line, a number that
 * is not one, cntvct, cntfrq or boot_id missing).
 */
int phases_stamp_parse(const char *text, size_t len, struct phases_stamp *s);

/**
 * phases_mailbox_parse() - decode the bytes of /chosen/kreloc,relocate-counters.
 * Return: 0; PHASES_E_MAILBOX_FORMAT (not KRELOC_MAILBOX_SIZE bytes, or the
 * trampoline's jump stamp is zero: the property was never filled).
 */
int phases_mailbox_parse(const uint8_t *buf, size_t len, struct phases_mailbox *m);

/**
 * phases_compute() - the table.
 * @stamp:   the shutdown stamp
 * @boot_id: this boot's id
 * @m:       this boot's mailbox
 * @up:      the counter when user space was up, in this boot
 * @cntfrq:  this boot's counter frequency (the stamp's must match it)
 * @p:       filled on success
 *
 * Return: 0; PHASES_E_STAMP_THIS_BOOT; PHASES_E_NO_SHIM_ENTRY;
 * PHASES_E_STAMP_LATE; PHASES_E_ORDER; PHASES_E_FREQUENCY.
 */
int phases_compute(const struct phases_stamp *stamp, const char *boot_id,
		   const struct phases_mailbox *m, uint64_t up, uint64_t cntfrq, struct phases *p);

#endif /* KRELOC_TOOLS_PHASES_H */
