// SPDX-License-Identifier: MIT
/*
 * test_phases.c - `kreloc report`'s parsing and arithmetic (tools/phases.c),
 * and the reads it makes through the OS seam (os_read_chosen(),
 * os_boot_id()) from a fake system root: KRELOC_SYSROOT names a temporary
 * directory holding /sys/firmware/devicetree/base/chosen and
 * /proc/sys/kernel/random/boot_id, as test_os.c does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <kreloc/mailbox.h>

#include "os.h"
#include "phases.h"
#include "sysroot_fixture.h"

#define BOOT_A	"6c0e3b0e-1111-4a4a-8888-000000000001"
#define BOOT_B	"6c0e3b0e-2222-4b4b-9999-000000000002"

static void be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* A mailbox as the trampoline leaves it: slot @i = (@first[i], @second[i]). */
static void mailbox(uint8_t out[KRELOC_MAILBOX_SIZE], const uint64_t first[KRELOC_MAILBOX_SLOTS],
		    const uint64_t second[KRELOC_MAILBOX_SLOTS])
{
	for (unsigned int i = 0; i < KRELOC_MAILBOX_SLOTS; i++) {
		be64(out + i * KRELOC_MAILBOX_SLOT_SIZE, first[i]);
		be64(out + i * KRELOC_MAILBOX_SLOT_SIZE + 8, second[i]);
	}
}

/* entry 1000, copied 5000, jump 5100; shim entry 400; 29 MB on; verified; 2 CPUs */
static const uint64_t good_first[KRELOC_MAILBOX_SLOTS] = { 1000, 5000, 5100, 400, 29003776,
							   KRELOC_MAILBOX_F_VERIFIED };
static const uint64_t good_second[KRELOC_MAILBOX_SLOTS] = { 11, 55, 66, 7, 0, 2 };

static void test_stamp_round_trip(void **state)
{
	struct phases_stamp s = { .cntvct = 18446744073709551615ULL, .cntfrq = 62500000 }, t;
	char text[PHASES_STAMP_MAX];
	int n;

	(void)state;
	strcpy(s.boot_id, BOOT_A);
	n = phases_stamp_format(&s, text, sizeof(text));
	assert_true(n > 0);
	assert_int_equal(phases_stamp_parse(text, (size_t)n, &t), 0);
	assert_true(t.cntvct == s.cntvct);
	assert_true(t.cntfrq == s.cntfrq);
	assert_string_equal(t.boot_id, BOOT_A);
	/* a buffer too short is refused, not cut */
	assert_int_equal(phases_stamp_format(&s, text, 20), -1);
	/* no trailing newline, keys in another order, an unknown key */
	const char *other = "boot_id=" BOOT_B "\nfuture=1\ncntfrq=100\nkreloc-stamp=1\ncntvct=42";
	assert_int_equal(phases_stamp_parse(other, strlen(other), &t), 0);
	assert_true(t.cntvct == 42 && t.cntfrq == 100);
	assert_string_equal(t.boot_id, BOOT_B);
}

static void test_stamp_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"cntvct=1\ncntfrq=1\nboot_id=x\n",			/* no version */
		"kreloc-stamp=2\ncntvct=1\ncntfrq=1\nboot_id=x\n",	/* another version */
		"kreloc-stamp=1\ncntfrq=1\nboot_id=x\n",		/* no counter */
		"kreloc-stamp=1\ncntvct=1\nboot_id=x\n",		/* no frequency */
		"kreloc-stamp=1\ncntvct=1\ncntfrq=1\n",			/* no boot id */
		"kreloc-stamp=1\ncntvct=-1\ncntfrq=1\nboot_id=x\n",	/* a sign */
		"kreloc-stamp=1\ncntvct=12a\ncntfrq=1\nboot_id=x\n",	/* not a number */
		"kreloc-stamp=1\ncntvct=18446744073709551616\ncntfrq=1\nboot_id=x\n", /* 2^64 */
		"kreloc-stamp=1\ncntvct=\ncntfrq=1\nboot_id=x\n",	/* empty */
	};
	struct phases_stamp t;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(phases_stamp_parse(bad[i], strlen(bad[i]), &t),
				 PHASES_E_STAMP_FORMAT);
}

static void test_mailbox_parse(void **state)
{
	uint8_t mb[KRELOC_MAILBOX_SIZE + 1] = { 0 };
	uint64_t unfilled[KRELOC_MAILBOX_SLOTS] = { 1000, 5000, 0, 400 };
	struct phases_mailbox m;

	(void)state;
	mailbox(mb, good_first, good_second);
	assert_int_equal(phases_mailbox_parse(mb, KRELOC_MAILBOX_SIZE, &m), 0);
	for (unsigned int i = 0; i < KRELOC_MAILBOX_SLOTS; i++) {
		assert_true(m.ticks[i] == good_first[i]);
		assert_true(m.second[i] == good_second[i]);
	}
	/* the three-slot mailbox of an older shim, and one byte too many */
	assert_int_equal(phases_mailbox_parse(mb, 48, &m), PHASES_E_MAILBOX_FORMAT);
	assert_int_equal(phases_mailbox_parse(mb, sizeof(mb), &m), PHASES_E_MAILBOX_FORMAT);
	/* placed by the library but never written by a trampoline */
	mailbox(mb, unfilled, good_second);
	assert_int_equal(phases_mailbox_parse(mb, KRELOC_MAILBOX_SIZE, &m), PHASES_E_MAILBOX_FORMAT);
}

static struct phases_stamp stamp_at(uint64_t cnt, uint64_t frq, const char *boot)
{
	struct phases_stamp s = { .cntvct = cnt, .cntfrq = frq };

	strcpy(s.boot_id, boot);
	return s;
}

static void test_compute(void **state)
{
	uint8_t raw[KRELOC_MAILBOX_SIZE];
	struct phases_mailbox m;
	struct phases_stamp s = stamp_at(100, 1000, BOOT_A);
	struct phases p;

	(void)state;
	mailbox(raw, good_first, good_second);
	assert_int_equal(phases_mailbox_parse(raw, sizeof(raw), &m), 0);
	assert_int_equal(phases_compute(&s, BOOT_B, &m, 9100, 1000, &p), 0);
	assert_true(p.stamp == 100 && p.shim_entry == 400 && p.jump == 5100 && p.up == 9100);
	assert_true(p.shutdown == 300);
	assert_true(p.relocation == 4700);
	assert_true(p.startup == 4000);
	assert_true(p.total == 9000);
	assert_true(p.shutdown + p.relocation + p.startup == p.total);
	assert_true(p.bytes_mmu_on == 29003776 && p.bytes_mmu_off == 0);
	assert_true(p.verified);
	assert_true(p.cpus == 2);
	/* readings equal at every boundary: zero-length phases, still a table */
	s = stamp_at(400, 1000, BOOT_A);
	assert_int_equal(phases_compute(&s, BOOT_B, &m, 5100, 1000, &p), 0);
	assert_true(p.shutdown == 0 && p.startup == 0 && p.total == p.relocation);
}

static void test_compute_refusals(void **state)
{
	uint8_t raw[KRELOC_MAILBOX_SIZE];
	uint64_t no_entry[KRELOC_MAILBOX_SLOTS] = { 1000, 5000, 5100 };
	struct phases_mailbox m, old;
	struct phases_stamp s = stamp_at(100, 1000, BOOT_A);
	struct phases p;

	(void)state;
	mailbox(raw, good_first, good_second);
	assert_int_equal(phases_mailbox_parse(raw, sizeof(raw), &m), 0);
	/* the stamp of this very boot: no hand-off since */
	assert_int_equal(phases_compute(&s, BOOT_A, &m, 9100, 1000, &p),
			 PHASES_E_STAMP_THIS_BOOT);
	/* later than the shim's entry */
	s = stamp_at(401, 1000, BOOT_A);
	assert_int_equal(phases_compute(&s, BOOT_B, &m, 9100, 1000, &p), PHASES_E_STAMP_LATE);
	/* user space "up" before the jump */
	s = stamp_at(100, 1000, BOOT_A);
	assert_int_equal(phases_compute(&s, BOOT_B, &m, 5099, 1000, &p), PHASES_E_ORDER);
	/* no frequency, or another one than the stamp's */
	assert_int_equal(phases_compute(&s, BOOT_B, &m, 9100, 0, &p), PHASES_E_FREQUENCY);
	assert_int_equal(phases_compute(&s, BOOT_B, &m, 9100, 999, &p), PHASES_E_FREQUENCY);
	/* a shim that recorded no entry counter */
	mailbox(raw, no_entry, good_second);
	assert_int_equal(phases_mailbox_parse(raw, sizeof(raw), &old), 0);
	assert_int_equal(phases_compute(&s, BOOT_B, &old, 9100, 1000, &p), PHASES_E_NO_SHIM_ENTRY);
	/* every refusal has its own line */
	for (int e = PHASES_E_FREQUENCY; e <= PHASES_E_NO_STAMP; e++)
		assert_string_not_equal(phases_strerror(e), "unknown error");
	assert_string_equal(phases_strerror(0), "unknown error");
}

/* The same table, read as `kreloc report` reads it, from a fake /sys and /proc. */
static void test_fake_sysfs(void **state)
{
	uint8_t raw[KRELOC_MAILBOX_SIZE], back[KRELOC_MAILBOX_SIZE];
	char id[PHASES_BOOT_ID_MAX];
	struct phases_stamp s = stamp_at(100, 1000, BOOT_A);
	struct phases_mailbox m;
	struct phases p;
	int n;

	(void)state;
	assert_int_equal(os_read_chosen(KRELOC_MAILBOX_PROP, back, sizeof(back)), -ENOENT);
	mailbox(raw, good_first, good_second);
	sysroot_put("/sys/firmware/devicetree/base/chosen/" KRELOC_MAILBOX_PROP, raw, sizeof(raw));
	sysroot_put("/proc/sys/kernel/random/boot_id", BOOT_B "\n", strlen(BOOT_B) + 1);
	n = os_read_chosen(KRELOC_MAILBOX_PROP, back, sizeof(back));
	assert_int_equal(n, KRELOC_MAILBOX_SIZE);
	assert_memory_equal(back, raw, sizeof(raw));
	assert_int_equal(os_boot_id(id, sizeof(id)), 0);
	assert_string_equal(id, BOOT_B);
	assert_int_equal(phases_mailbox_parse(back, (size_t)n, &m), 0);
	assert_int_equal(phases_compute(&s, id, &m, 9100, 1000, &p), 0);
	assert_true(p.total == 9000);
	/* a property longer than the mailbox reads as one byte more than asked */
	sysroot_put("/sys/firmware/devicetree/base/chosen/" KRELOC_MAILBOX_PROP, raw, sizeof(raw));
	assert_int_equal(os_read_chosen(KRELOC_MAILBOX_PROP, back, 48), 49);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stamp_round_trip),
		cmocka_unit_test(test_stamp_malformed),
		cmocka_unit_test(test_mailbox_parse),
		cmocka_unit_test(test_compute),
		cmocka_unit_test(test_compute_refusals),
		cmocka_unit_test(test_fake_sysfs),
	};

	return cmocka_run_group_tests(tests, sysroot_setup, sysroot_teardown);
}
