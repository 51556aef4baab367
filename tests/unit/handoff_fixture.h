/* SPDX-License-Identifier: MIT */
/*
 * handoff_fixture.h - a hand-off on the simulator for test_handoff*.c: an
 * incoming device tree with RAM, firmware reservations and old /chosen
 * contents, a fake arm64 Image, an initrd, and an allocator over the
 * simulated memory that counts its calls and remembers what prepare() took.
 * Include after <cmocka.h>; one user per binary.
 */
#ifndef KRELOC_TEST_HANDOFF_FIXTURE_H
#define KRELOC_TEST_HANDOFF_FIXTURE_H

#include <stdlib.h>
#include <libfdt.h>

#include <kreloc/bundle.h>
#include <kreloc/error.h>
#include <kreloc/fdt.h>
#include <kreloc/handoff.h>

#include "sim.h"

#define MMFR0_ALL	0x101125ULL	/* 4K, 16K, 64K; 48-bit PA */
#define MMFR0_A53	0x1122ULL	/* 4K, 64K; 40-bit PA */
#define OLD_BOOTARGS	"old=1 console=ttyAMA0"
#define OLD_INITRD	0x12345000ULL
#define MAX_BANKS	4
#define MAX_FW_RSV	3

/* The allocator: the simulator's, counted; prepare()'s blocks remembered. */
struct counting {
	struct kreloc_sim *sim;
	uint64_t calls;
	bool preparing;
	struct kreloc_range prep[512];
	unsigned int nr_prep;
};

static void *count_alloc(void *ctx, uint64_t size, uint64_t *pa)
{
	struct counting *c = ctx;
	void *v;

	c->calls++;
	if (!c->sim)
		return NULL;
	v = kreloc_sim_alloc(c->sim, size, pa);
	if (v && c->preparing && c->nr_prep < KRELOC_ARRAY_SIZE(c->prep))
		c->prep[c->nr_prep++] = (struct kreloc_range){ *pa, size };
	return v;
}

/** struct world - one machine and one payload. */
struct world {
	struct kreloc_range ram[MAX_BANKS];
	unsigned int nr_ram;
	struct kreloc_range fw[MAX_FW_RSV];
	unsigned int nr_fw;
	struct kreloc_range preserve[2];
	unsigned int nr_preserve;
	uint8_t *image, *initrd;
	uint64_t image_len, initrd_len;
	union {
		uint64_t align;
		uint8_t b[32768];
	} fdt;
	uint8_t in_kaslr[8], in_rng[32];
	uint8_t *fdt_buf;
	uint64_t fdt_buf_size;
	char cmdline[64];
	bool keep_bootargs;
	uint8_t entropy[32];
	struct kreloc_memmap map;
	struct counting alloc;
	struct kreloc_handoff h;
	struct kreloc_payload p;
};

static uint64_t w_rand(uint64_t *r, uint64_t n)
{
	return n ? kreloc_sim_rand(r) % n : 0;
}

/* An Image: header (text_offset, image_size, flags), then a pattern. */
static void make_image(struct world *w, uint64_t len, uint64_t text_offset, uint64_t image_size,
		       uint64_t flags)
{
	free(w->image);
	w->image = malloc(len < 64 ? 64 : len);
	assert_non_null(w->image);
	for (uint64_t i = 0; i < len; i++)
		w->image[i] = (uint8_t)(i * 7 + len);
	memset(w->image, 0, len < 64 ? len : 64);
	if (len >= 64) {
		kreloc_put_le32(w->image, 0x14000010);
		kreloc_put_le64(w->image + 8, text_offset);
		kreloc_put_le64(w->image + 16, image_size);
		kreloc_put_le64(w->image + 24, flags);
		kreloc_put_le32(w->image + 56, 0x644d5241);
	}
	w->image_len = len;
}

static void make_initrd(struct world *w, uint64_t len)
{
	free(w->initrd);
	w->initrd = len ? malloc(len) : NULL;
	for (uint64_t i = 0; i < len; i++)
		w->initrd[i] = (uint8_t)(i * 13 + 1);
	w->initrd_len = len;
}

/* The incoming tree: RAM, /memreserve/ for firmware, old /chosen with seeds. */
static void make_fdt(struct world *w, uint64_t *r)
{
	void *t = w->fdt.b;
	fdt64_t v[2];

	for (unsigned int i = 0; i < sizeof(w->in_kaslr); i++)
		w->in_kaslr[i] = (uint8_t)(w_rand(r, 255) + 1);
	for (unsigned int i = 0; i < sizeof(w->in_rng); i++)
		w->in_rng[i] = (uint8_t)(w_rand(r, 255) + 1);
	assert_int_equal(fdt_create(t, sizeof(w->fdt.b)), 0);
	for (unsigned int i = 0; i < w->nr_fw; i++)
		assert_int_equal(fdt_add_reservemap_entry(t, w->fw[i].base, w->fw[i].size), 0);
	assert_int_equal(fdt_finish_reservemap(t), 0);
	assert_int_equal(fdt_begin_node(t, ""), 0);
	assert_int_equal(fdt_property_u32(t, "#address-cells", 2), 0);
	assert_int_equal(fdt_property_u32(t, "#size-cells", 2), 0);
	for (unsigned int i = 0; i < w->nr_ram; i++) {
		char name[32];

		snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)w->ram[i].base);
		assert_int_equal(fdt_begin_node(t, name), 0);
		assert_int_equal(fdt_property_string(t, "device_type", "memory"), 0);
		v[0] = cpu_to_fdt64(w->ram[i].base);
		v[1] = cpu_to_fdt64(w->ram[i].size);
		assert_int_equal(fdt_property(t, "reg", v, sizeof(v)), 0);
		assert_int_equal(fdt_end_node(t), 0);
	}
	assert_int_equal(fdt_begin_node(t, "chosen"), 0);
	assert_int_equal(fdt_property_string(t, "bootargs", OLD_BOOTARGS), 0);
	assert_int_equal(fdt_property(t, "kaslr-seed", w->in_kaslr, sizeof(w->in_kaslr)), 0);
	assert_int_equal(fdt_property(t, "rng-seed", w->in_rng, sizeof(w->in_rng)), 0);
	assert_int_equal(fdt_property_u64(t, "linux,initrd-start", OLD_INITRD), 0);
	assert_int_equal(fdt_property_u64(t, "linux,initrd-end", OLD_INITRD + 0x1000), 0);
	assert_int_equal(fdt_end_node(t), 0);
	assert_int_equal(fdt_end_node(t), 0);
	assert_int_equal(fdt_finish(t), 0);
	assert_int_equal(kreloc_fdt_check(t, sizeof(w->fdt.b)), 0);
}

/*
 * Map from the tree (the shim's path), preserved ranges reserved, the
 * payload and the hand-off set up.  @fdt_room 0: the documented minimum.
 */
static void world_setup(struct world *w, unsigned int mode, unsigned int shift, unsigned int el,
			uint64_t mmfr0, uint64_t fdt_room)
{
	size_t need = kreloc_fdt_used_size(w->fdt.b) + KRELOC_HANDOFF_FDT_ROOM;

	assert_int_equal(kreloc_fdt_read_memmap(w->fdt.b, &w->map), 0);
	for (unsigned int i = 0; i < w->nr_preserve; i++)
		assert_int_equal(kreloc_memmap_add_reserved(&w->map, w->preserve[i].base,
							    w->preserve[i].size), 0);
	free(w->fdt_buf);
	w->fdt_buf_size = fdt_room ? fdt_room : need;
	w->fdt_buf = calloc(1, w->fdt_buf_size + 8);
	assert_non_null(w->fdt_buf);
	kreloc_sim_free(w->alloc.sim);
	memset(&w->alloc, 0, sizeof(w->alloc));
	w->p = (struct kreloc_payload){
		.image = w->image, .image_len = w->image_len,
		.initrd = w->initrd, .initrd_len = w->initrd_len,
		.cmdline = w->keep_bootargs ? NULL : w->cmdline,
		.fdt = w->fdt.b, .fdt_buf = w->fdt_buf, .fdt_buf_size = w->fdt_buf_size,
		.preserve = w->preserve, .nr_preserve = w->nr_preserve,
	};
	/* Staged as the shim stages: caches on (the cache contract, handoff.h). */
	w->h = (struct kreloc_handoff){
		.map = &w->map, .alloc = count_alloc, .alloc_ctx = &w->alloc,
		.staging = KRELOC_STAGING_CACHED,
		.mode = mode, .granule_shift = shift, .el = el, .mmfr0 = mmfr0,
		.counters = true, .salt = 42,
	};
}

/* The simulated memory, made after plan() as the shim makes its allocator. */
static void world_memory(struct world *w, uint64_t seed, const struct kreloc_sim_alloc_cfg *cfg)
{
	w->alloc.sim = kreloc_sim_new(&w->map, seed);
	assert_non_null(w->alloc.sim);
	if (cfg)
		kreloc_sim_alloc_config(w->alloc.sim, cfg);
}

static void world_free(struct world *w)
{
	kreloc_sim_free(w->alloc.sim);
	free(w->image);
	free(w->initrd);
	free(w->fdt_buf);
	memset(w, 0, sizeof(*w));
}

#endif /* KRELOC_TEST_HANDOFF_FIXTURE_H */
