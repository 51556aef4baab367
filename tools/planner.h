/* SPDX-License-Identifier: MIT */
/*
 * planner.h - a hand-off planned on the host exactly as the shim plans it,
 * shared by `kreloc plan`, `kreloc verify` and `kreloc map` (host only).
 *
 * Inputs: a bundle and a memory map (a device tree, e.g. from QEMU's
 * -machine dumpdtb=FILE, or --ram BASE:SIZE banks).  The bundle, the device
 * tree and the shim are put where QEMU's virt board puts them for
 * `-kernel shim.Image -initrd BUNDLE` and reserved as the shim reserves them:
 *
 *   shim    RAM base + 2 MiB (QEMU adds 2 MiB to a text_offset of 0),
 *           --shim-size bytes (default 4 MiB, an upper bound of the shim's
 *           image_size; --shim FILE reads it from a shim Image header)
 *   bundle  RAM base + min(first bank / 2, 128 MiB), page aligned
 *   tree    the next 2 MiB boundary after the bundle
 *
 * When they do not fit there (small RAM), the bundle and tree go to the
 * lowest 2 MiB-aligned free range above the shim that holds both.  Pages
 * come from the simulator's scattered allocator (sim.h) over a simulated
 * memory, so every page the hand-off uses can be shown and checked.
 */
#ifndef KRELOC_TOOLS_PLANNER_H
#define KRELOC_TOOLS_PLANNER_H

#include <stdio.h>

#include <kreloc/bundle.h>
#include <kreloc/handoff.h>

#include "sim.h"

#define PLANNER_SHIM_OFFSET	(2ULL << 20)
#define PLANNER_BUNDLE_OFFSET	(128ULL << 20)
#define PLANNER_SHIM_SIZE	(4ULL << 20)
#define PLANNER_NR_GRANULES	3

/* Not a kreloc code: an input file could not be read (already reported). */
#define PLANNER_E_IO		(-1000)
/*
 * Not a kreloc code: the bundle's Image or initrd is paged (bundle.h), its
 * bytes in the physical pages of the machine that boots it, which a plan
 * on the host cannot read.
 */
#define PLANNER_E_PAGED		(-1001)

/* Extra options a command accepts on top of the common ones. */
#define PLANNER_OPT_SVG		0x1u	/* --svg FILE (map) */
#define PLANNER_OPT_INJECT	0x2u	/* --inject KIND (verify) */

/* What --inject breaks after prepare(), to show that verify can fail. */
enum planner_inject {
	PLANNER_INJECT_NONE,
	PLANNER_INJECT_SOURCE,	/* one byte of a staged source page */
	PLANNER_INJECT_LIST,	/* the last SOURCE entry reads a destination page */
	PLANNER_INJECT_TABLE,	/* the root translation table is zeroed */
};

/** struct planner_opts - the command line of plan / verify / map. */
struct planner_opts {
	const char *cmd;
	const char *bundle_path;
	const char *dtb_path;
	struct kreloc_range ram[KRELOC_MEMMAP_MAX_RAM];
	unsigned int nr_ram;
	struct kreloc_range reserve[16];
	unsigned int nr_reserve;
	unsigned int el;
	const char *cpu_name;
	uint64_t mmfr0;
	uint64_t shim_size;
	const char *shim_path;
	uint64_t seed;
	bool json;
	const char *svg_path;
	enum planner_inject inject;
};

/* What each allocated 4 KiB page ended up being. */
enum planner_kind {
	PK_SOURCE,	/* staged copy of a destination page */
	PK_IN_PLACE,	/* staged directly at its destination */
	PK_ZERO,	/* the shared zero page */
	PK_LIST,	/* entry-list (indirection) page */
	PK_SET_ASIDE,	/* offered inside a destination, kept unused */
	PK_TABLE,	/* transitional translation table */
	PK_CONTROL,	/* the trampoline's control page */
	PK_OTHER,	/* handed out but unaccounted for (a bug if ever seen) */
	PK_NR,
};

/** struct planner_page - one 4 KiB page handed out by the allocator. */
struct planner_page {
	uint64_t pa;
	enum planner_kind kind;
};

/** struct planner_granule - tables a plan at one granule takes. */
struct planner_granule {
	unsigned int shift;
	int err;			/* 0, or why the plan failed */
	const char *step;		/* where it failed */
	bool fallback;			/* no memory for the tables: classic mode */
	unsigned int table_pages;	/* granule-sized pages */
	unsigned int va_bits;
	unsigned int start_level;
};

/** struct planner_run - one plan/stage/prepare on its own simulated memory. */
struct planner_run {
	struct kreloc_memmap map;
	struct kreloc_handoff h;
	struct kreloc_payload p;
	uint8_t *fdt_buf;
	struct kreloc_sim *sim;
	int err;
	const char *step;		/* "plan", "stage" or "prepare" on failure */
	bool log;			/* record every allocation */
	bool staging;			/* stage() is running, else prepare() */
	struct { uint64_t pa, size; bool staged; } *allocs;
	size_t nr_allocs, cap_allocs;
};

/** struct planner - everything the three commands share. */
struct planner {
	struct planner_opts o;
	uint8_t *bundle_buf;
	size_t bundle_len;
	struct kreloc_bundle bundle;
	uint8_t *dtb_in;		/* the incoming tree (file or synthesized) */
	size_t dtb_in_len;
	bool dtb_synth;
	const char *cmdline;		/* what the next kernel should get */
	char *cmdline_buf;
	struct kreloc_memmap map0;	/* RAM and firmware reservations as read */
	struct kreloc_memmap map;	/* ... plus what the shim reserves */
	struct kreloc_range shim, bundle_at, dtb_at;
	bool relocated_load;		/* bundle not at QEMU's usual place */
	unsigned int mode, granule_shift;
	struct planner_run run;		/* the bundle's own mode and granule */
	struct planner_granule gran[PLANNER_NR_GRANULES];
	struct planner_page *pages;	/* sorted by pa */
	size_t nr_pages;
	uint64_t kind_count[PK_NR];
};

/**
 * planner_parse() - parse the common options (and @extra ones).
 * Return: -1 to go on, or the exit code (0 after --help, 2 usage).
 */
int planner_parse(int argc, char **argv, const char *cmd, unsigned int extra,
		  void (*usage)(FILE *f), struct planner_opts *o);

/** planner_usage_common() - help text of the common options. */
void planner_usage_common(FILE *f);

/**
 * planner_load() - read the bundle and the memory map, put bundle, tree and
 * shim where QEMU does, reserve them.  Prints why on failure.
 * Return: 0, or a negative kreloc error code.
 */
int planner_load(struct planner *pl);

/**
 * planner_plan() - plan/stage/prepare in the bundle's mode and granule with
 * the allocations recorded and classified, then at every granule for the
 * table counts.  Return: 0, or the first step's error (pl->run.step says
 * which step).
 */
int planner_plan(struct planner *pl);

/**
 * planner_load_and_plan() - planner_load() then planner_plan(); on a
 * refusal report it (planner_report_error()) and free everything.
 * Return: 0 to go on, or KRELOC_EXIT_REFUSED (@pl already freed).
 */
int planner_load_and_plan(struct planner *pl);

/** planner_free() - release everything (also after a failed load). */
void planner_free(struct planner *pl);

/** planner_run_free() - release one run. */
void planner_run_free(struct planner_run *r);

/** planner_kind_name() - "source", "list", ... */
const char *planner_kind_name(enum planner_kind k);

/** planner_mode_name() / planner_granule_name() - "mmu", "4k", ... */
const char *planner_mode_name(unsigned int mode);
const char *planner_granule_name(unsigned int shift);

/* ---- output helpers ---------------------------------------------------- */

/** planner_human() - "27.3 MiB" style size into @buf (at least 16 bytes). */
const char *planner_human(uint64_t bytes, char *buf, size_t n);

/** planner_json_range() - "name": {"base": "0x..", "size": N}. */
void planner_json_range(FILE *f, const char *name, uint64_t base, uint64_t size);

/** planner_report_error() - the refusal: stderr, and a JSON object with --json. */
void planner_report_error(const struct planner *pl, int err, const char *step);

#endif /* KRELOC_TOOLS_PLANNER_H */
