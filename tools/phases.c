// SPDX-License-Identifier: MIT
/*
 * phases.c - the arithmetic and parsing of `kreloc report` (phases.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phases.h"

const char *phases_strerror(int err)
{
	switch (err) {
	case PHASES_E_NO_STAMP:
		return "no shutdown stamp: `kreloc stamp` did not run before the reboot";
	case PHASES_E_STAMP_FORMAT:
		return "the shutdown stamp is not a kreloc stamp file";
	case PHASES_E_STAMP_THIS_BOOT:
		return "the shutdown stamp was written in this boot, not the one before the hand-off";
	case PHASES_E_NO_MAILBOX:
		return "no kreloc mailbox in /chosen: this boot did not come through kreloc";
	case PHASES_E_MAILBOX_FORMAT:
		return "the kreloc mailbox in /chosen has the wrong size or was never filled";
	case PHASES_E_NO_SHIM_ENTRY:
		return "the kreloc mailbox has no shim entry counter (a shim older than this tool?)";
	case PHASES_E_STAMP_LATE:
		return "the shutdown stamp is later than the shim's entry: not the stamp of this hand-off";
	case PHASES_E_ORDER:
		return "the counters of the shim's entry, its jump and user space are out of order";
	case PHASES_E_FREQUENCY:
		return "the counter frequency is 0, or not the one the stamp recorded";
	default:
		return "unknown error";
	}
}

int phases_stamp_format(const struct phases_stamp *s, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "kreloc-stamp=1\ncntvct=%" PRIu64 "\ncntfrq=%" PRIu64
			 "\nboot_id=%s\n", s->cntvct, s->cntfrq, s->boot_id);

	return n < 0 || (size_t)n >= cap ? -1 : n;
}

/* A whole decimal number, no sign, no spaces. */
static bool parse_u64(const char *v, size_t n, uint64_t *out)
{
	char buf[24], *end;

	if (n == 0 || n >= sizeof(buf) || v[0] < '0' || v[0] > '9')
		return false;
	memcpy(buf, v, n);
	buf[n] = '\0';
	errno = 0;
	*out = strtoull(buf, &end, 10);
	return !errno && *end == '\0';
}

int phases_stamp_parse(const char *text, size_t len, struct phases_stamp *s)
{
	bool version = false, cnt = false, frq = false;
	size_t i = 0;

	memset(s, 0, sizeof(*s));
	while (i < len) {
		const char *line = text + i, *eq, *v;
		size_t n = 0, k, vn;

		while (i + n < len && text[i + n] != '\n')
			n++;
		i += n + 1;
		eq = memchr(line, '=', n);
		if (!eq)
			continue;
		k = (size_t)(eq - line);	/* the key's length */
		v = eq + 1;
		vn = n - k - 1;
		if (k == 12 && !memcmp(line, "kreloc-stamp", k))
			version = vn == 1 && v[0] == '1';
		else if (k == 6 && !memcmp(line, "cntvct", k) && !(cnt = parse_u64(v, vn, &s->cntvct)))
			return PHASES_E_STAMP_FORMAT;
		else if (k == 6 && !memcmp(line, "cntfrq", k) && !(frq = parse_u64(v, vn, &s->cntfrq)))
			return PHASES_E_STAMP_FORMAT;
		else if (k == 7 && !memcmp(line, "boot_id", k) && vn && vn < sizeof(s->boot_id)) {
			memcpy(s->boot_id, v, vn);
			s->boot_id[vn] = '\0';
		}
	}
	return version && cnt && frq && s->boot_id[0] ? 0 : PHASES_E_STAMP_FORMAT;
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

int phases_mailbox_parse(const uint8_t *buf, size_t len, struct phases_mailbox *m)
{
	if (len != KRELOC_MAILBOX_SIZE)
		return PHASES_E_MAILBOX_FORMAT;
	for (unsigned int i = 0; i < KRELOC_MAILBOX_SLOTS; i++) {
		m->ticks[i] = be64(buf + i * KRELOC_MAILBOX_SLOT_SIZE);
		m->second[i] = be64(buf + i * KRELOC_MAILBOX_SLOT_SIZE + 8);
	}
	/* the jump's stamp is the last the trampoline writes: zero, it never ran */
	return m->ticks[KRELOC_STAMP_EXIT] ? 0 : PHASES_E_MAILBOX_FORMAT;
}

int phases_compute(const struct phases_stamp *stamp, const char *boot_id,
		   const struct phases_mailbox *m, uint64_t up, uint64_t cntfrq, struct phases *p)
{
	uint64_t entry = m->ticks[KRELOC_STAMP_EMBEDDER], jump = m->ticks[KRELOC_STAMP_EXIT];

	if (!strcmp(stamp->boot_id, boot_id))
		return PHASES_E_STAMP_THIS_BOOT;
	if (!entry)
		return PHASES_E_NO_SHIM_ENTRY;
	if (stamp->cntvct > entry)
		return PHASES_E_STAMP_LATE;
	if (entry > jump || jump > up)
		return PHASES_E_ORDER;
	if (!cntfrq || stamp->cntfrq != cntfrq)
		return PHASES_E_FREQUENCY;
	*p = (struct phases){
		.stamp = stamp->cntvct, .shim_entry = entry, .jump = jump, .up = up,
		.shutdown = entry - stamp->cntvct, .relocation = jump - entry, .startup = up - jump,
		.total = up - stamp->cntvct, .cntfrq = cntfrq,
		.bytes_mmu_on = m->ticks[KRELOC_MAILBOX_BYTES],
		.bytes_mmu_off = m->second[KRELOC_MAILBOX_BYTES],
		.verified = m->ticks[KRELOC_MAILBOX_FLAGS] & KRELOC_MAILBOX_F_VERIFIED,
		.cpus = m->second[KRELOC_MAILBOX_FLAGS],
	};
	return 0;
}
