// SPDX-License-Identifier: MIT
/*
 * test_corpus_layout.c - the library-level cases of the malformed-input
 * corpus: the .case files in tests/corpus with `where: lib` (format in
 * tests/corpus/README.md).  These are the layouts the shim cannot be made to
 * produce, because it chooses destinations itself and avoids reserved
 * memory, or that QEMU cannot describe (no memory node, RAM split beyond the
 * 32 GiB initrd window).
 *
 * Each case builds a memory map (from a device tree it may edit, and/or
 * ram:/reserved: lines), segments and an Image description, then runs its
 * checks in order: each must return its expected error.  Memory is the
 * simulator's model (tools/sim.h): after the checks, every byte of RAM
 * outside the pages the allocator handed out must still read as never
 * written.  Only a load is given an allocator at all; the other checks get
 * no memory to write to, and the proof confirms they wrote none.
 *
 *   test_corpus_layout            every lib case under tests/corpus, plus
 *                                 tests of the runner itself
 *   test_corpus_layout CASE...    only those cases (tests/e2e/corpus.sh)
 *
 * Run from the top of the tree (tests/run and corpus.sh do).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <libfdt.h>

#include <kreloc/error.h>
#include <kreloc/fdt.h>
#include <kreloc/image.h>
#include <kreloc/kimage.h>
#include <kreloc/place.h>
#include <kreloc/xlat.h>

#include "sim.h"

#define CORPUS_DIR	"tests/corpus"
#define PAGE		4096ULL
#define MAX_ALLOCS	65536
#define DTB_ROOM	(256u << 10)

struct corpus {
	char msg[512];
	union {
		uint64_t align;
		uint8_t b[DTB_ROOM];
	} dtb;
	bool have_dtb;
	struct kreloc_memmap map;
	struct kreloc_segment segs[KRELOC_MAX_SEGMENTS + 1];
	uint8_t *data[KRELOC_MAX_SEGMENTS + 1];
	unsigned int n;
	struct kreloc_image_info img;
	bool have_img;
	int expect;
	unsigned int checks, expect_hits;
	struct kreloc_sim *sim;
	struct kreloc_range alloc[MAX_ALLOCS];	/* blocks handed out, sorted for the proof */
	unsigned int nalloc;
};

static struct corpus C;

static int why(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(C.msg, sizeof(C.msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* "E_SEG_OVERLAP" or "OK" to a code; 1 when the name is unknown. */
static int code_of(const char *name)
{
	if (strcmp(name, "OK") == 0)
		return 0;
	for (int e = -1; e > -128; e--)
		if (strcmp(kreloc_errname(e), name) == 0)
			return e;
	return 1;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static bool nums(const char *s, int n, uint64_t *v)
{
	char *end;

	for (int i = 0; i < n; i++) {
		v[i] = strtoull(s, &end, 0);
		if (end == s)
			return false;
		s = end;
	}
	return *trim((char *)s) == '\0';
}

/* ---- the allocator: the simulator's, recording what it hands out ------------- */

static void *rec_alloc(void *ctx, uint64_t size, uint64_t *pa)
{
	void *p;

	(void)ctx;
	if (C.nalloc == MAX_ALLOCS)
		return NULL;
	p = kreloc_sim_alloc(C.sim, size, pa);
	if (p) {
		C.alloc[C.nalloc].base = *pa;
		C.alloc[C.nalloc++].size = size;
	}
	return p;
}

static int by_base(const void *a, const void *b)
{
	const struct kreloc_range *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

/* Is @pa inside a block the allocator handed out?  (C.alloc sorted, disjoint.) */
static bool allocated(uint64_t pa)
{
	unsigned int lo = 0, hi = C.nalloc;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (pa < C.alloc[mid].base)
			hi = mid;
		else if (pa - C.alloc[mid].base >= C.alloc[mid].size)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/*
 * The proof: the first page of RAM outside the allocated blocks that no
 * longer reads as never written, or UINT64_MAX when there is none.
 */
static uint64_t first_changed(struct kreloc_sim *sim, const struct kreloc_memmap *map)
{
	qsort(C.alloc, C.nalloc, sizeof(C.alloc[0]), by_base);
	for (unsigned int i = 0; i < map->nr_ram; i++) {
		uint64_t lo = KRELOC_ALIGN_DOWN(map->ram[i].base, PAGE);
		uint64_t hi = KRELOC_ALIGN_UP(kreloc_range_end(&map->ram[i]), PAGE);

		for (uint64_t pa = lo; pa < hi; pa += PAGE)
			if (!allocated(pa) && !kreloc_sim_unchanged(sim, pa, PAGE))
				return pa;
	}
	return UINT64_MAX;
}

/* ---- device tree edits ------------------------------------------------------ */

static int load_dtb(const char *path)
{
	FILE *f = fopen(path, "rb");
	static uint8_t raw[DTB_ROOM];
	size_t len;

	if (!f)
		return why("cannot open %s", path);
	len = fread(raw, 1, sizeof(raw), f);
	fclose(f);
	if (fdt_check_header(raw) || fdt_totalsize(raw) > len ||
	    fdt_open_into(raw, C.dtb.b, sizeof(C.dtb.b)))
		return why("%s is not a device tree", path);
	C.have_dtb = true;
	return 0;
}

static int dtb_edit(const char *key, const char *val)
{
	uint64_t v[2];
	int node, rm, err = 0;
	fdt32_t reg[4];
	char name[64];

	if (!C.have_dtb)
		return why("%s before dtb:", key);
	if (strcmp(key, "dtb-delete") == 0) {
		node = fdt_path_offset(C.dtb.b, val);
		if (node < 0 || fdt_del_node(C.dtb.b, node))
			return why("dtb-delete: no node %s", val);
		return 0;
	}
	if (!nums(val, 2, v))
		return why("%s: expected BASE SIZE", key);
	reg[0] = cpu_to_fdt32((uint32_t)(v[0] >> 32));
	reg[1] = cpu_to_fdt32((uint32_t)v[0]);
	reg[2] = cpu_to_fdt32((uint32_t)(v[1] >> 32));
	reg[3] = cpu_to_fdt32((uint32_t)v[1]);
	if (strcmp(key, "dtb-memreserve") == 0) {
		err = fdt_add_mem_rsv(C.dtb.b, v[0], v[1]);
	} else if (strcmp(key, "dtb-ram") == 0) {
		/* the QEMU trees have 2-cell addresses and sizes */
		node = fdt_node_offset_by_prop_value(C.dtb.b, -1, "device_type", "memory", 7);
		err = node < 0 ? node : fdt_setprop(C.dtb.b, node, "reg", reg, sizeof(reg));
	} else if (strcmp(key, "dtb-reserved") == 0 || strcmp(key, "dtb-nomap") == 0) {
		rm = fdt_path_offset(C.dtb.b, "/reserved-memory");
		if (rm == -FDT_ERR_NOTFOUND) {
			rm = fdt_add_subnode(C.dtb.b, 0, "reserved-memory");
			if (rm >= 0)
				err = fdt_setprop_u32(C.dtb.b, rm, "#address-cells", 2) ||
				      fdt_setprop_u32(C.dtb.b, rm, "#size-cells", 2) ||
				      fdt_setprop(C.dtb.b, rm, "ranges", NULL, 0);
		}
		snprintf(name, sizeof(name), "carveout@%llx", (unsigned long long)v[0]);
		node = rm < 0 ? rm : fdt_add_subnode(C.dtb.b, rm, name);
		err = err ? err : node < 0 ? node : fdt_setprop(C.dtb.b, node, "reg", reg, sizeof(reg));
		if (!err && strcmp(key, "dtb-nomap") == 0)
			err = fdt_setprop(C.dtb.b, node, "no-map", NULL, 0);
	} else {
		return why("unknown key %s", key);
	}
	return err ? why("%s %s: libfdt error %d", key, val, err) : 0;
}

/* ---- checks ---------------------------------------------------------------- */

/* Table pages for all RAM at 4K plus the control page, as kreloc_handoff_plan() reserves. */
static int table_extra(uint64_t *extra)
{
	struct kreloc_xlat_region r[KRELOC_MEMMAP_MAX_RAM];
	struct kreloc_xlat_config cfg = { .granule_shift = 12, .el = 1, .pa_bits = 48 };
	unsigned int n = 0, count;
	int err;

	for (unsigned int i = 0; i < C.map.nr_ram; i++) {
		r[n] = (struct kreloc_xlat_region){ C.map.ram[i].base, C.map.ram[i].size,
						    KRELOC_XLAT_RW_DATA };
		if (kreloc_xlat_round(&r[n], 12, false) == 0 && r[n].size)
			n++;
	}
	err = kreloc_xlat_count(&cfg, r, n, &count);
	if (err)
		return err;
	*extra = count + 3 + 1;
	return 0;
}

static void sim_ready(void)
{
	if (!C.sim)
		C.sim = kreloc_sim_new(&C.map, 0x5eed);
}

static int run_check(char *val)
{
	char *arrow = strstr(val, "=>");
	int want = C.expect, got;
	uint64_t v[3];

	if (arrow) {
		*arrow = '\0';
		want = code_of(trim(arrow + 2));
		if (want == 1)
			return why("check %s: unknown error name '%s'", val, trim(arrow + 2));
	}
	val = trim(val);
	sim_ready();
	if (!C.sim)
		return why("out of host memory");
	if (strcmp(val, "fdt") == 0) {
		struct kreloc_memmap m;

		if (!C.have_dtb)
			return why("check: fdt without dtb:");
		got = kreloc_fdt_read_memmap(C.dtb.b, &m);
		if (!got) {
			C.map = m;
			kreloc_sim_free(C.sim);		/* the model follows the new map */
			C.sim = NULL;
			C.nalloc = 0;
			sim_ready();
		}
	} else if (strcmp(val, "validate") == 0) {
		got = kreloc_segments_validate(&C.map, C.segs, C.n);
	} else if (strcmp(val, "load") == 0) {
		struct kreloc_kimage ki = {
			.map = &C.map, .segs = C.segs, .nr_segs = C.n, .alloc = rec_alloc,
		};

		got = kreloc_kimage_load(&ki);
	} else if (strncmp(val, "place ", 6) == 0) {
		struct kreloc_placement pl;

		if (!C.have_img || !nums(val + 6, 3, v))
			return why("check: place needs image: and INITRD DTB HIGH");
		got = kreloc_place(&C.map, &C.img, v[0], v[1], v[2] != 0, &pl);
	} else if (strncmp(val, "room ", 5) == 0) {
		uint64_t extra;

		if (strcmp(trim(val + 5), "tables") == 0) {
			got = table_extra(&extra);
			if (got)
				return why("check: room tables: counting tables gave %s",
					    kreloc_errname(got));
		} else if (!nums(val + 5, 1, &extra)) {
			return why("check: room needs tables or a page count");
		}
		got = kreloc_kimage_check_room(&C.map, C.segs, C.n, extra);
	} else {
		return why("unknown check '%s'", val);
	}
	C.checks++;
	if (got != want)
		return why("check %s returned %s (%d), expected %s (%d)", val, kreloc_errname(got),
			    got, kreloc_errname(want), want);
	if (got == C.expect)
		C.expect_hits++;
	return 0;
}

/* ---- one case ------------------------------------------------------------------ */

static int add_segment(const char *val)
{
	uint64_t v[3];
	struct kreloc_segment *s;

	if (C.n == KRELOC_ARRAY_SIZE(C.segs) || !nums(val, 3, v))
		return why("segment: expected DEST MEMSZ BUFSZ (at most %zu)",
			    KRELOC_ARRAY_SIZE(C.segs));
	s = &C.segs[C.n];
	s->dest = v[0];
	s->memsz = v[1];
	s->bufsz = v[2];
	if (v[2] > (64u << 20))
		return why("segment: bufsz too large for a test");
	C.data[C.n] = malloc(v[2] ? v[2] : 1);
	if (!C.data[C.n])
		return why("out of host memory");
	for (uint64_t i = 0; i < v[2]; i++)
		C.data[C.n][i] = (uint8_t)(i * 31 + C.n);
	s->buf = C.data[C.n++];
	return 0;
}

static int set_image(const char *val)
{
	uint64_t v[3];
	uint8_t h[64] = { 0 };

	if (!nums(val, 3, v))
		return why("image: expected IMAGE_SIZE TEXT_OFFSET FLAGS");
	kreloc_put_le64(h + 8, v[1]);
	kreloc_put_le64(h + 16, v[0]);
	kreloc_put_le64(h + 24, v[2]);
	memcpy(h + 56, "ARM\x64", 4);
	if (kreloc_image_parse(h, sizeof(h), &C.img))
		return why("image: %s is not a valid Image header", val);
	C.have_img = true;
	return 0;
}

static void reset(void)
{
	for (unsigned int i = 0; i < C.n; i++)
		free(C.data[i]);
	kreloc_sim_free(C.sim);
	memset(&C, 0, sizeof(C));
	kreloc_memmap_init(&C.map);
	C.expect = 1;
}

static int line(char *key, char *val)
{
	uint64_t v[2];
	int err = 0;

	if (strcmp(key, "expect") == 0) {
		C.expect = code_of(val);
		return C.expect == 1 ? why("expect: unknown error name '%s'", val) : 0;
	}
	if (C.expect == 1)
		return why("expect: must come before %s:", key);
	if (strcmp(key, "where") == 0)
		return strcmp(val, "lib") ? why("not a lib case (where: %s)", val) : 0;
	if (strcmp(key, "dtb") == 0)
		return load_dtb(val);
	if (strncmp(key, "dtb-", 4) == 0)
		return dtb_edit(key, val);
	if (strcmp(key, "ram") == 0 || strcmp(key, "reserved") == 0) {
		if (!nums(val, 2, v))
			return why("%s: expected BASE SIZE", key);
		err = strcmp(key, "ram") == 0 ? kreloc_memmap_add_ram(&C.map, v[0], v[1]) :
		      kreloc_memmap_add_reserved(&C.map, v[0], v[1]);
		return err ? why("%s %s: %s", key, val, kreloc_errname(err)) : 0;
	}
	if (strcmp(key, "segment") == 0)
		return add_segment(val);
	if (strcmp(key, "image") == 0)
		return set_image(val);
	if (strcmp(key, "check") == 0)
		return run_check(val);
	return why("unknown key '%s'", key);
}

/* Run the case in @path: 0 when it passes, -1 with C.msg saying why not. */
static int corpus_run(const char *path)
{
	char buf[1024];
	unsigned int lineno = 0;
	uint64_t pa;
	FILE *f;
	int err = 0;

	reset();
	f = fopen(path, "r");
	if (!f)
		return why("cannot open %s", path);
	while (!err && fgets(buf, sizeof(buf), f)) {
		char *s = trim(buf), *colon;

		lineno++;
		if (!*s || *s == '#')
			continue;
		colon = strchr(s, ':');
		if (!colon) {
			err = why("line %u: expected 'key: value'", lineno);
			break;
		}
		*colon = '\0';
		err = line(trim(s), trim(colon + 1));
		if (err) {
			char m[sizeof(C.msg)];

			snprintf(m, sizeof(m), "%.200s:%u: %.280s", path, lineno, C.msg);
			memcpy(C.msg, m, sizeof(m));
		}
	}
	fclose(f);
	if (err)
		return err;
	if (!C.checks || !C.expect_hits)
		return why("%s: no check gave the expected %s", path, kreloc_errname(C.expect));
	sim_ready();
	pa = first_changed(C.sim, &C.map);
	if (pa != UINT64_MAX)
		return why("%s: page %#llx outside kreloc's own pages was written", path,
			    (unsigned long long)pa);
	return 0;
}

/* ---- cmocka ------------------------------------------------------------------ */

static void test_case(void **state)
{
	const char *path = *state;

	if (corpus_run(path)) {
		print_error("%s\n", C.msg);
		fail();
	}
	print_message("%s: refused, %u checks, %u allocator blocks, RAM outside them unchanged\n",
		      path, C.checks, C.nalloc);
}

/* Write @text to a temporary case file; the path is static. */
static const char *tmp_case(const char *text)
{
	static char path[] = "/tmp/kreloc-corpus-XXXXXX";
	int fd;
	FILE *f;

	strcpy(path, "/tmp/kreloc-corpus-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* The runner must fail a case whose check does not give the expected error. */
static void test_runner_wrong_expectation(void **state)
{
	const char *p = tmp_case("expect: E_SEG_OVERLAP\nwhere: lib\nram: 0x40000000 0x1000000\n"
				 "segment: 0x40000000 0x1000 0x10\ncheck: validate\n");

	(void)state;
	assert_int_equal(corpus_run(p), -1);
	assert_non_null(strstr(C.msg, "returned OK"));
	unlink(p);
}

/* ... a case with no check, an unknown key or an unknown error name ... */
static void test_runner_malformed(void **state)
{
	const char *bad[] = {
		"expect: E_SEG_OVERLAP\nwhere: lib\nram: 0x40000000 0x1000000\n",
		"expect: E_SEG_OVERLAP\nwhere: lib\nbogus: 1\n",
		"expect: E_NOT_AN_ERROR\nwhere: lib\n",
		"expect: E_NOMEM\nwhere: shim\n",
		"expect: E_NOMEM\nwhere: lib\ncheck: validate => E_NOPE\n",
	};

	(void)state;
	for (size_t i = 0; i < KRELOC_ARRAY_SIZE(bad); i++) {
		const char *p = tmp_case(bad[i]);

		assert_int_equal(corpus_run(p), -1);
		unlink(p);
	}
}

/* ... and the proof must see a byte written outside the allocated pages. */
static void test_runner_sees_writes(void **state)
{
	struct kreloc_memmap m;
	uint8_t b = 0;
	uint64_t pa;

	(void)state;
	reset();
	kreloc_memmap_init(&m);
	assert_int_equal(kreloc_memmap_add_ram(&m, 0x40000000, 0x100000), 0);
	C.map = m;
	sim_ready();
	assert_int_equal(first_changed(C.sim, &C.map), UINT64_MAX);
	assert_non_null(rec_alloc(NULL, PAGE, &pa));
	assert_int_equal(first_changed(C.sim, &C.map), UINT64_MAX);	/* allocated: scratch */
	kreloc_sim_read(C.sim, 0x40080123, &b, 1);
	b ^= 0xff;
	kreloc_sim_write(C.sim, pa == 0x40080000 ? 0x40090123 : 0x40080123, &b, 1);
	assert_int_not_equal(first_changed(C.sim, &C.map), UINT64_MAX);
	reset();
}

static bool is_lib_case(const char *path)
{
	char buf[256];
	bool lib = false;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	while (fgets(buf, sizeof(buf), f))
		if (strncmp(buf, "where:", 6) == 0)
			lib = strcmp(trim(buf + 6), "lib") == 0;
	fclose(f);
	return lib;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct CMUnitTest *)a)->name, ((const struct CMUnitTest *)b)->name);
}

int main(int argc, char **argv)
{
	static struct CMUnitTest t[256];
	static char paths[256][300];
	size_t n = 0;
	int rc;

	if (argc > 1) {
		for (int i = 1; i < argc && n < KRELOC_ARRAY_SIZE(t); i++, n++)
			t[n] = (struct CMUnitTest){ argv[i], test_case, NULL, NULL, argv[i] };
	} else {
		DIR *d = opendir(CORPUS_DIR);
		struct dirent *e;

		if (!d) {
			fprintf(stderr, "test_corpus_layout: no %s here (run from the top of the tree)\n",
				CORPUS_DIR);
			return 1;
		}
		while ((e = readdir(d)) && n < KRELOC_ARRAY_SIZE(t) - 3) {
			size_t l = strlen(e->d_name);

			if (l < 6 || strcmp(e->d_name + l - 5, ".case"))
				continue;
			snprintf(paths[n], sizeof(paths[n]), "%s/%s", CORPUS_DIR, e->d_name);
			if (!is_lib_case(paths[n]))
				continue;
			t[n] = (struct CMUnitTest){ paths[n], test_case, NULL, NULL, paths[n] };
			n++;
		}
		closedir(d);
		qsort(t, n, sizeof(t[0]), by_name);
		t[n++] = (struct CMUnitTest)cmocka_unit_test(test_runner_wrong_expectation);
		t[n++] = (struct CMUnitTest)cmocka_unit_test(test_runner_malformed);
		t[n++] = (struct CMUnitTest)cmocka_unit_test(test_runner_sees_writes);
	}
	rc = _cmocka_run_group_tests("corpus_layout", t, n, NULL, NULL);
	reset();
	return rc;
}
