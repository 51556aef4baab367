// SPDX-License-Identifier: MIT
/*
 * test_kimage.c - the entry-list encoder (kreloc_kimage_load), the safe
 * allocator and the list checker, against hand-built expectations.
 *
 * The allocator here is scripted: it hands out exactly the addresses a test
 * lists, in order, then (optionally) ascending pages from a base, so every
 * entry of the resulting list is known in advance.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <kreloc/error.h>
#include <kreloc/kimage.h>

#define K4	0x1000ULL
#define RAM	0x40000000ULL		/* 1 GiB of RAM */
#define DST	0x40000000ULL		/* destinations start here */
#define SRC	0x50000000ULL		/* scripted safe pages start here */
#define D	KRELOC_IND_DESTINATION
#define S	KRELOC_IND_SOURCE
#define I	KRELOC_IND_INDIRECTION
#define DONE	KRELOC_IND_DONE
#define MAXB	4096

struct fake {
	uint64_t script[64];
	unsigned int n, next;
	uint64_t auto_base;	/* after the script: ascending pages from here (0: none) */
	unsigned int limit;	/* blocks to hand out at most (0: no limit) */
	unsigned int handed;
	uint64_t pa[MAXB], size[MAXB];
	uint8_t *mem[MAXB];
	unsigned int nb;
};

static uint8_t *fake_add(struct fake *f, uint64_t pa, uint64_t size)
{
	assert_true(f->nb < MAXB);
	f->pa[f->nb] = pa;
	f->size[f->nb] = size;
	f->mem[f->nb] = calloc(1, size);
	assert_non_null(f->mem[f->nb]);
	return f->mem[f->nb++];
}

static void *fake_alloc(void *ctx, uint64_t size, uint64_t *pa)
{
	struct fake *f = ctx;
	uint64_t a;

	if (f->limit && f->handed == f->limit)
		return NULL;
	if (f->next < f->n) {
		a = f->script[f->next++];
	} else if (f->auto_base) {
		a = KRELOC_ALIGN_UP(f->auto_base, size);
		f->auto_base = a + size;
	} else {
		return NULL;
	}
	f->handed++;
	*pa = a;
	return fake_add(f, a, size);
}

static const void *fake_read(void *ctx, uint64_t pa, uint64_t len)
{
	struct fake *f = ctx;

	for (unsigned int i = 0; i < f->nb; i++)
		if (pa >= f->pa[i] && pa - f->pa[i] + len <= f->size[i])
			return f->mem[i] + (pa - f->pa[i]);
	return NULL;
}

static uint64_t *fake_page(struct fake *f, uint64_t pa)
{
	return (uint64_t *)fake_read(f, pa, K4);
}

static void fake_free(struct fake *f)
{
	for (unsigned int i = 0; i < f->nb; i++)
		free(f->mem[i]);
	f->nb = 0;
}

static void script(struct fake *f, const uint64_t *pas, unsigned int n)
{
	memset(f, 0, sizeof(*f));
	if (n)
		memcpy(f->script, pas, n * sizeof(*pas));
	f->n = n;
}

static struct kreloc_memmap map;
static uint8_t buf[64 * 4096];

static int setup(void **state)
{
	(void)state;
	kreloc_memmap_init(&map);
	assert_int_equal(kreloc_memmap_add_ram(&map, RAM, 1ULL << 30), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + i / 4096 + 1);
	return 0;
}

static void kimage_init(struct kreloc_kimage *ki, struct fake *f,
			const struct kreloc_segment *segs, unsigned int n)
{
	memset(ki, 0, sizeof(*ki));
	ki->map = &map;
	ki->segs = segs;
	ki->nr_segs = n;
	ki->alloc = fake_alloc;
	ki->alloc_ctx = f;
}

/* The list as the trampoline reads it, indirections included, DONE last. */
static unsigned int read_list(struct fake *f, uint64_t head, uint64_t *out, unsigned int max)
{
	uint64_t *page = fake_page(f, head & ~(K4 - 1));
	unsigned int n = 0, slot = 0;

	assert_int_equal(head & 0xfff, I);
	for (;;) {
		uint64_t e;

		assert_non_null(page);
		assert_true(slot < KRELOC_IND_SLOTS && n < max);
		e = page[slot++];
		out[n++] = e;
		if (e == DONE) {
			while (slot < KRELOC_IND_SLOTS)
				assert_int_equal(page[slot++], 0);
			return n;
		}
		if ((e & 0xf) == I) {
			assert_int_equal(slot, KRELOC_IND_SLOTS);	/* links sit in the last slot */
			page = fake_page(f, e & ~(K4 - 1));
			slot = 0;
		}
	}
}

static void check_ok(struct fake *f, struct kreloc_kimage *ki, const struct kreloc_segment *segs,
		     unsigned int n)
{
	struct kreloc_list_stats st;
	uint64_t dest_pages = 0;

	for (unsigned int i = 0; i < n; i++)
		dest_pages += segs[i].memsz / K4;
	assert_int_equal(kreloc_kimage_check_list(ki->head, fake_read, f, segs, n, &st), 0);
	assert_int_equal(st.list_pages, ki->indirection_pages);
	assert_int_equal(st.entries, ki->entries);
	assert_int_equal(st.sources, dest_pages);
	assert_int_equal(st.in_place, ki->pages_in_place);
	assert_int_equal(st.copies, ki->source_pages + ki->zero_fill_pages + ki->borrowed_pages);
	assert_int_equal(ki->source_pages + ki->zero_fill_pages + ki->pages_in_place +
			 ki->borrowed_pages, dest_pages);
}

/* One segment, four pages: two full, one partial, one wholly past bufsz. */
static void test_one_segment(void **state)
{
	static const uint64_t pas[] = { SRC, SRC + 0x1000, SRC + 0x2000, SRC + 0x3000,
					SRC + 0x4000 };
	struct kreloc_segment s = { buf, 0x2800, DST, 4 * K4, NULL };
	struct kreloc_kimage ki;
	struct fake f;
	uint64_t l[8];
	uint8_t *p;

	(void)state;
	script(&f, pas, 5);
	kimage_init(&ki, &f, &s, 1);
	assert_int_equal(kreloc_kimage_load(&ki), 0);
	/* Allocation order: source of page 0, then the list page, then the rest. */
	assert_int_equal(ki.head, (SRC + 0x1000) | I);
	assert_int_equal(read_list(&f, ki.head, l, 8), 6);
	assert_int_equal(l[0], DST | D);
	assert_int_equal(l[1], SRC | S);
	assert_int_equal(l[2], (SRC + 0x2000) | S);
	assert_int_equal(l[3], (SRC + 0x3000) | S);
	assert_int_equal(l[4], (SRC + 0x4000) | S);	/* the zero page */
	assert_int_equal(l[5], DONE);
	assert_int_equal(ki.entries, 6);
	assert_int_equal(ki.source_pages, 3);
	assert_int_equal(ki.zero_fill_pages, 1);
	assert_int_equal(ki.zero_page, SRC + 0x4000);
	assert_int_equal(ki.indirection_pages, 1);
	assert_int_equal(ki.pages_in_place, 0);
	assert_int_equal(ki.colliding_pages_set_aside, 0);
	/* Source contents: data, then the zero tail. */
	assert_memory_equal(fake_page(&f, SRC), buf, K4);
	assert_memory_equal(fake_page(&f, SRC + 0x2000), buf + 0x1000, K4);
	p = (uint8_t *)fake_page(&f, SRC + 0x3000);
	assert_memory_equal(p, buf + 0x2000, 0x800);
	for (unsigned int i = 0x800; i < K4; i++)
		assert_int_equal(p[i], 0);
	p = (uint8_t *)fake_page(&f, SRC + 0x4000);
	for (unsigned int i = 0; i < K4; i++)
		assert_int_equal(p[i], 0);
	check_ok(&f, &ki, &s, 1);
	/* A second load on the same kimage is refused. */
	assert_int_equal(kreloc_kimage_load(&ki), KRELOC_E_INVAL);
	fake_free(&f);
}

/* Segments that continue one another share a DESTINATION; the zero page is shared. */
static void test_contiguous_and_zero(void **state)
{
	static const uint64_t pas[] = { SRC, SRC + 0x1000, SRC + 0x2000 };
	struct kreloc_segment s[3] = {
		{ buf, K4, DST, K4, NULL },
		{ NULL, 0, DST + K4, 2 * K4, NULL },		/* all zeros */
		{ NULL, 0, DST + 0x100000, K4, NULL },	/* elsewhere, zeros too */
	};
	struct kreloc_kimage ki;
	struct fake f;
	uint64_t l[8];

	(void)state;
	script(&f, pas, 3);
	kimage_init(&ki, &f, s, 3);
	assert_int_equal(kreloc_kimage_load(&ki), 0);
	assert_int_equal(read_list(&f, ki.head, l, 8), 7);
	assert_int_equal(l[0], DST | D);
	assert_int_equal(l[1], SRC | S);
	assert_int_equal(l[2], (SRC + 0x2000) | S);	/* zero page, no new DESTINATION */
	assert_int_equal(l[3], (SRC + 0x2000) | S);
	assert_int_equal(l[4], (DST + 0x100000) | D);
	assert_int_equal(l[5], (SRC + 0x2000) | S);
	assert_int_equal(l[6], DONE);
	assert_int_equal(ki.source_pages, 1);
	assert_int_equal(ki.zero_fill_pages, 3);
	check_ok(&f, &ki, s, 3);
	fake_free(&f);
}

/* Entries per list page: 511 plus the link; DONE may take the last slot. */
static void test_page_boundaries(void **state)
{
	struct kreloc_segment s = { NULL, 0, DST, 0, NULL };
	struct kreloc_kimage ki;
	struct fake f;
	uint64_t *l = calloc(2048, sizeof(*l));
	static const struct { uint64_t pages; unsigned int list_pages; } cases[] = {
		{ 509, 1 }, { 510, 1 }, { 511, 2 }, { 1021, 2 }, { 1022, 3 }, { 1100, 3 },
	};

	(void)state;
	assert_non_null(l);
	for (unsigned int c = 0; c < KRELOC_ARRAY_SIZE(cases); c++) {
		struct kreloc_kimage_need nd;
		unsigned int n, k = 0;

		s.memsz = cases[c].pages * K4;
		script(&f, NULL, 0);
		f.auto_base = SRC;
		kimage_init(&ki, &f, &s, 1);
		assert_int_equal(kreloc_kimage_load(&ki), 0);
		assert_int_equal(ki.indirection_pages, cases[c].list_pages);
		assert_int_equal(kreloc_kimage_need(&s, 1, &nd), 0);
		assert_int_equal(nd.list_pages, cases[c].list_pages);
		/* Allocation order: zero page, then the list pages in turn. */
		assert_int_equal(ki.zero_page, SRC);
		assert_int_equal(ki.head, (SRC + K4) | I);
		n = read_list(&f, ki.head, l, 2048);
		assert_int_equal(n, 1 + cases[c].pages + 1 + (cases[c].list_pages - 1));
		assert_int_equal(l[k++], DST | D);
		for (uint64_t p = 0; p < cases[c].pages; p++) {
			if (k % KRELOC_IND_SLOTS == KRELOC_IND_SLOTS - 1) {
				assert_int_equal(l[k], (SRC + (2 + k / KRELOC_IND_SLOTS) * K4) | I);
				k++;
			}
			assert_int_equal(l[k++], SRC | S);
		}
		assert_int_equal(l[k++], DONE);
		assert_int_equal(k, n);
		check_ok(&f, &ki, &s, 1);
		fake_free(&f);
	}
	free(l);
}

/* Sixteen segments with data, enough pages to need several list pages. */
static void test_many_segments(void **state)
{
	struct kreloc_segment s[KRELOC_MAX_SEGMENTS];
	struct kreloc_kimage ki;
	struct fake f;
	uint64_t *l = calloc(4096, sizeof(*l));
	uint64_t src = SRC, list_pages = 1;
	unsigned int n, k = 0;

	(void)state;
	assert_non_null(l);
	/* Reverse order, gaps between, 64 pages each (the last one a partial page). */
	for (unsigned int i = 0; i < KRELOC_MAX_SEGMENTS; i++) {
		s[i].buf = buf;
		s[i].bufsz = 64 * K4 - (i == 0 ? 100 : 0);
		s[i].dest = DST + (KRELOC_MAX_SEGMENTS - i) * 0x100000;
		s[i].memsz = 64 * K4;
		s[i].pages = NULL;
	}
	script(&f, NULL, 0);
	f.auto_base = SRC;
	kimage_init(&ki, &f, s, KRELOC_MAX_SEGMENTS);
	assert_int_equal(kreloc_kimage_load(&ki), 0);
	assert_int_equal(ki.source_pages, 16 * 64);
	assert_int_equal(ki.zero_fill_pages, 0);
	assert_int_equal(ki.indirection_pages, 3);	/* 16 + 1024 entries */
	n = read_list(&f, ki.head, l, 4096);
	/*
	 * Expected: per segment a DESTINATION then 64 SOURCEs whose pages were
	 * handed out in order, with a list page taken whenever a page fills.
	 */
/* The next expected entry, after the link to a new list page if one is due there. */
#define EXPECT(v) do { \
	if (k % KRELOC_IND_SLOTS == KRELOC_IND_SLOTS - 1) { \
		assert_int_equal(l[k++], src | I); \
		src += K4; \
		list_pages++; \
	} \
	assert_int_equal(l[k++], (v)); \
} while (0)
	src = SRC;
	for (unsigned int i = 0; i < KRELOC_MAX_SEGMENTS; i++) {
		for (unsigned int p = 0; p < 64; p++) {
			uint64_t mine = src;

			src += K4;
			if (i == 0 && p == 0) {	/* the first list page comes after it */
				assert_int_equal(ki.head, src | I);
				src += K4;
			}
			if (p == 0)
				EXPECT(s[i].dest | D);
			EXPECT(mine | S);
		}
	}
#undef EXPECT
	assert_int_equal(l[k++], DONE);
	assert_int_equal(k, n);
	assert_int_equal(list_pages, ki.indirection_pages);
	/* Contents of a few source pages. */
	assert_memory_equal(fake_page(&f, l[1] & ~(K4 - 1)), buf, K4);
	check_ok(&f, &ki, s, KRELOC_MAX_SEGMENTS);
	fake_free(&f);
	free(l);
}

/* Colliding pages are set aside; the page being staged is used in place. */
static void test_collisions_and_in_place(void **state)
{
	static const uint64_t pas[] = {
		DST,			/* page 0 in place */
		DST + 0x2000,		/* for the list page: collides, set aside */
		SRC,			/* the list page */
		DST + 0x3000,		/* for page 1: collides (not page 1), set aside */
		DST + 0x1000,		/* page 1 in place */
		SRC + 0x1000,		/* page 2 (DST + 0x2000 is gone): a source */
		DST + 0x4000,		/* page 3's want is 0x3000 (gone): collides */
		SRC + 0x2000,		/* page 3: a source */
	};
	/* DST + 0x4000 lies in a second segment (its zeros come from the zero page). */
	const struct kreloc_segment two[2] = {
		{ buf, 4 * K4, DST, 4 * K4, NULL }, { NULL, 0, DST + 0x4000, K4, NULL },
	};
	struct kreloc_kimage ki;
	struct fake f;
	uint64_t l[8];

	(void)state;
	script(&f, pas, KRELOC_ARRAY_SIZE(pas));
	f.auto_base = SRC + 0x10000;
	kimage_init(&ki, &f, two, 2);
	assert_int_equal(kreloc_kimage_load(&ki), 0);
	assert_int_equal(ki.head, SRC | I);
	assert_int_equal(read_list(&f, ki.head, l, 8), 7);
	assert_int_equal(l[0], DST | D);
	assert_int_equal(l[1], DST | S);
	assert_int_equal(l[2], (DST + 0x1000) | S);
	assert_int_equal(l[3], (SRC + 0x1000) | S);
	assert_int_equal(l[4], (SRC + 0x2000) | S);
	assert_int_equal(l[5], (SRC + 0x10000) | S);	/* zero page for segment 2 */
	assert_int_equal(l[6], DONE);
	assert_int_equal(ki.pages_in_place, 2);
	assert_int_equal(ki.source_pages, 2);
	assert_int_equal(ki.colliding_pages_set_aside, 3);
	/* In-place pages hold their data at the destination already. */
	assert_memory_equal(fake_page(&f, DST), buf, K4);
	assert_memory_equal(fake_page(&f, DST + 0x1000), buf + K4, K4);
	assert_memory_equal(fake_page(&f, SRC + 0x1000), buf + 2 * K4, K4);
	check_ok(&f, &ki, two, 2);
	fake_free(&f);
}

static void test_alloc_safe(void **state)
{
	static const uint64_t pas[] = {
		DST + 0x1000,		/* 4K: collides */
		SRC,			/* 4K: fine */
		DST,			/* 16K block over the segment: 4 pages aside */
		DST - 0x4000,		/* 16K block ending at the segment: fine */
		SRC + 0x800,		/* misaligned */
	};
	struct kreloc_segment s = { buf, K4, DST, 2 * K4, NULL };
	struct kreloc_kimage ki;
	struct fake f;
	uint64_t pa = 0;
	uint8_t *p;

	(void)state;
	script(&f, pas, KRELOC_ARRAY_SIZE(pas));
	kimage_init(&ki, &f, &s, 1);
	p = kreloc_kimage_alloc_safe(&ki, K4, &pa);
	assert_non_null(p);
	assert_int_equal(pa, SRC);
	assert_int_equal(ki.colliding_pages_set_aside, 1);
	p = kreloc_kimage_alloc_safe(&ki, 0x4000, &pa);
	assert_non_null(p);
	assert_int_equal(pa, DST - 0x4000);
	assert_int_equal(ki.colliding_pages_set_aside, 5);
	for (unsigned int i = 0; i < 0x4000; i++)
		assert_int_equal(p[i], 0);
	assert_null(kreloc_kimage_alloc_safe(&ki, K4, &pa));	/* misaligned offer */
	assert_null(kreloc_kimage_alloc_safe(&ki, K4, &pa));	/* exhausted */
	assert_null(kreloc_kimage_alloc_safe(&ki, 0x3000, &pa));	/* not a power of two */
	assert_null(kreloc_kimage_alloc_safe(&ki, 0x800, &pa));	/* too small */
	assert_null(kreloc_kimage_alloc_safe(&ki, K4, NULL));
	assert_null(kreloc_kimage_alloc_safe(NULL, K4, &pa));
	assert_int_equal(ki.colliding_pages_set_aside, 5);
	/* The count survives a later load and adds up. */
	f.auto_base = SRC + 0x10000;
	f.n = f.next = 0;
	f.script[0] = DST + 0x1000;		/* collides for the first staging: aside */
	f.n = 1;
	assert_int_equal(kreloc_kimage_load(&ki), 0);
	assert_int_equal(ki.colliding_pages_set_aside, 6);
	check_ok(&f, &ki, &s, 1);
	fake_free(&f);
}

/* Running out at every possible point: E_NOMEM and nothing committed. */
static void test_exhaustion(void **state)
{
	struct kreloc_segment s[2] = {
		{ buf, 3 * K4 + 5, DST, 6 * K4, NULL },
		{ buf, 600 * K4 > sizeof(buf) ? sizeof(buf) : 600 * K4, DST + 0x100000, 600 * K4, NULL },
	};
	struct kreloc_kimage_need nd;
	struct kreloc_kimage ki;
	struct fake f;

	(void)state;
	assert_int_equal(kreloc_kimage_need(s, 2, &nd), 0);
	/* 4 + 64 data pages, 1 zero page, ceil((2 + 606) / 511) = 2 list pages. */
	assert_int_equal(nd.safe_pages, 4 + 64 + 1 + 2);
	for (unsigned int limit = 1; limit <= nd.safe_pages; limit++) {
		script(&f, NULL, 0);
		f.auto_base = SRC;
		f.limit = limit;
		kimage_init(&ki, &f, s, 2);
		if (limit < nd.safe_pages) {
			assert_int_equal(kreloc_kimage_load(&ki), KRELOC_E_NOMEM);
			assert_int_equal(f.handed, limit);
			assert_int_equal(ki.head, 0);
			assert_int_equal(ki.entries, 0);
			assert_int_equal(ki.source_pages, 0);
			assert_int_equal(ki.zero_fill_pages, 0);
			assert_int_equal(ki.indirection_pages, 0);
			assert_int_equal(ki.colliding_pages_set_aside, 0);
		} else {
			assert_int_equal(kreloc_kimage_load(&ki), 0);
			assert_int_equal(f.handed, nd.safe_pages);	/* the bound is tight */
			check_ok(&f, &ki, s, 2);
		}
		fake_free(&f);
	}
	/* Running dry while only colliding pages are offered is E_NOMEM too. */
	{
		static const uint64_t pas[] = { DST + 0x1000, DST + 0x2000 };

		script(&f, pas, 2);
		kimage_init(&ki, &f, s, 2);
		assert_int_equal(kreloc_kimage_load(&ki), KRELOC_E_NOMEM);
		assert_int_equal(ki.head, 0);
		assert_int_equal(ki.colliding_pages_set_aside, 0);
		fake_free(&f);
	}
}

static void test_load_errors(void **state)
{
	static const uint64_t bad[] = { SRC + 0x10 };
	struct kreloc_segment s[2] = { { buf, K4, DST, K4, NULL }, { buf, K4, DST, K4, NULL } };
	struct kreloc_kimage ki;
	struct fake f;

	(void)state;
	script(&f, NULL, 0);
	f.auto_base = SRC;
	assert_int_equal(kreloc_kimage_load(NULL), KRELOC_E_INVAL);
	kimage_init(&ki, &f, s, 1);
	ki.alloc = NULL;
	assert_int_equal(kreloc_kimage_load(&ki), KRELOC_E_INVAL);
	kimage_init(&ki, &f, s, 1);
	ki.map = NULL;
	assert_int_equal(kreloc_kimage_load(&ki), KRELOC_E_INVAL);
	kimage_init(&ki, &f, s, 2);		/* validation runs first */
	assert_int_equal(kreloc_kimage_load(&ki), KRELOC_E_SEG_OVERLAP);
	assert_int_equal(f.handed, 0);
	s[1].dest = 0x1000;
	assert_int_equal(kreloc_kimage_load(&ki), KRELOC_E_SEG_NOT_RAM);
	assert_int_equal(f.handed, 0);
	fake_free(&f);
	script(&f, bad, 1);			/* an allocator breaking its contract */
	kimage_init(&ki, &f, s, 1);
	assert_int_equal(kreloc_kimage_load(&ki), KRELOC_E_INVAL);
	assert_int_equal(ki.head, 0);
	/* No segments: a list holding only DONE. */
	fake_free(&f);
	script(&f, NULL, 0);
	f.auto_base = SRC;
	kimage_init(&ki, &f, NULL, 0);
	assert_int_equal(kreloc_kimage_load(&ki), 0);
	assert_int_equal(ki.head, SRC | I);
	assert_int_equal(fake_page(&f, SRC)[0], DONE);
	assert_int_equal(kreloc_kimage_check_list(ki.head, fake_read, &f, NULL, 0, NULL), 0);
	fake_free(&f);
}

/* ---- crafted lists for the checker -------------------------------------- */

#define L0	0x60000000ULL	/* list pages of crafted lists */
#define L1	0x60001000ULL
#define L2	0x60002000ULL
#define SP	0x70000000ULL	/* source pages (never read by the checker) */

static int crafted(const uint64_t *e0, unsigned int n0, const uint64_t *e1, unsigned int n1,
		   const struct kreloc_segment *segs, unsigned int n, struct kreloc_list_stats *st)
{
	struct fake f;
	uint64_t *p;
	int err;

	memset(&f, 0, sizeof(f));
	p = (uint64_t *)fake_add(&f, L0, K4);
	memcpy(p, e0, n0 * 8);
	p = (uint64_t *)fake_add(&f, L1, K4);
	if (e1)
		memcpy(p, e1, n1 * 8);
	err = kreloc_kimage_check_list(L0 | I, fake_read, &f, segs, n, st);
	fake_free(&f);
	return err;
}

#define CHECK(err, segs, n, ...) do { \
	const uint64_t e_[] = { __VA_ARGS__ }; \
	assert_int_equal(crafted(e_, KRELOC_ARRAY_SIZE(e_), NULL, 0, segs, n, NULL), err); \
} while (0)

static void test_check_good_and_stats(void **state)
{
	struct kreloc_segment s[2] = { { NULL, 0, DST, 2 * K4, NULL },
				       { NULL, 0, DST + 0x10000, K4, NULL } };
	const uint64_t e0[] = { (DST + 0x10000) | D, SP | S, DST | D, (DST) | S, L1 | I };
	const uint64_t e1[] = { (SP + K4) | S, DONE };
	struct kreloc_list_stats st;

	(void)state;
	/* With segments, two list pages is more than the encoder would use. */
	assert_int_equal(crafted(e0, 5, e1, 2, s, 2, &st), KRELOC_E_LIST_LOOP);
	assert_int_equal(st.list_pages, 1);
	assert_int_equal(crafted(e0, 5, e1, 2, NULL, 0, &st), 0);
	assert_int_equal(st.list_pages, 2);
	assert_int_equal(st.entries, 7);
	assert_int_equal(st.destinations, 2);
	assert_int_equal(st.sources, 3);
	assert_int_equal(st.in_place, 1);
	assert_int_equal(st.copies, 2);
	assert_int_equal(st.runs, 2);
	/* Form only: any destinations are fine. */
	CHECK(0, NULL, 0, 0x1000 | D, SP | S, DONE);
	/* The link may sit in any slot. */
	{
		const uint64_t a[] = { 0x1000 | D, L1 | I };
		const uint64_t d[] = { DONE };

		assert_int_equal(crafted(a, 2, d, 1, NULL, 0, NULL), 0);
	}
	/* DONE in the very last slot. */
	{
		uint64_t e[KRELOC_IND_SLOTS];

		e[0] = DST | D;
		for (unsigned int i = 1; i < KRELOC_IND_SLOTS - 1; i++)
			e[i] = SP | S;
		e[KRELOC_IND_SLOTS - 1] = DONE;
		s[0].memsz = (KRELOC_IND_SLOTS - 2) * K4;
		assert_int_equal(crafted(e, KRELOC_IND_SLOTS, NULL, 0, s, 1, NULL), 0);
	}
}

static void test_check_source_first(void **state)
{
	struct kreloc_segment s = { NULL, 0, DST, K4, NULL };

	(void)state;
	CHECK(KRELOC_E_LIST_SOURCE_FIRST, NULL, 0, SP | S, DONE);
	CHECK(KRELOC_E_LIST_SOURCE_FIRST, &s, 1, SP | S, DST | D, DONE);
}

static void test_check_loop(void **state)
{
	struct kreloc_segment s = { NULL, 0, DST, K4, NULL };
	const uint64_t a[] = { DST | D, L1 | I };
	const uint64_t b[] = { L0 | I };
	const uint64_t c[] = { L1 | I };
	struct kreloc_list_stats st;

	(void)state;
	/* Self loop, found by cycle detection without segments. */
	CHECK(KRELOC_E_LIST_LOOP, NULL, 0, DST | D, L0 | I);
	/* Two-page loop. */
	assert_int_equal(crafted(a, 2, b, 1, NULL, 0, &st), KRELOC_E_LIST_LOOP);
	assert_true(st.list_pages <= 4);
	/* L0 -> L1 -> L1: a loop entered later. */
	assert_int_equal(crafted(a, 2, c, 1, NULL, 0, &st), KRELOC_E_LIST_LOOP);
	/* With segments, the bound is the worst case (1 page here): a second page is too many. */
	{
		const uint64_t d[] = { DONE };

		assert_int_equal(crafted(a, 2, d, 1, &s, 1, NULL), KRELOC_E_LIST_LOOP);
		assert_int_equal(crafted(a, 2, d, 1, NULL, 0, NULL), 0);
	}
}

static void test_check_after_done(void **state)
{
	(void)state;
	CHECK(KRELOC_E_LIST_AFTER_DONE, NULL, 0, DST | D, SP | S, DONE, SP | S);
	CHECK(KRELOC_E_LIST_AFTER_DONE, NULL, 0, DONE, 0, 0, 1);
	{
		uint64_t e[KRELOC_IND_SLOTS] = { DONE };

		e[KRELOC_IND_SLOTS - 1] = L1 | I;	/* even a link */
		assert_int_equal(crafted(e, KRELOC_IND_SLOTS, NULL, 0, NULL, 0, NULL),
				 KRELOC_E_LIST_AFTER_DONE);
	}
}

static void test_check_unterminated(void **state)
{
	uint64_t e[KRELOC_IND_SLOTS];
	struct fake f;

	(void)state;
	CHECK(KRELOC_E_LIST_UNTERMINATED, NULL, 0, DST | D, SP | S);
	CHECK(KRELOC_E_LIST_UNTERMINATED, NULL, 0, 0);
	/* A full page without a link or DONE runs off its end. */
	e[0] = DST | D;
	for (unsigned int i = 1; i < KRELOC_IND_SLOTS; i++)
		e[i] = SP | S;
	assert_int_equal(crafted(e, KRELOC_IND_SLOTS, NULL, 0, NULL, 0, NULL),
			 KRELOC_E_LIST_UNTERMINATED);
	/* A link to an empty page. */
	CHECK(KRELOC_E_LIST_UNTERMINATED, NULL, 0, DST | D, SP | S, L1 | I);
	/* A link to a page nobody can read. */
	CHECK(KRELOC_E_LIST_ENTRY, NULL, 0, DST | D, SP | S, L2 | I);
	memset(&f, 0, sizeof(f));
	assert_int_equal(kreloc_kimage_check_list(L0 | I, fake_read, &f, NULL, 0, NULL),
			 KRELOC_E_LIST_ENTRY);
}

static void test_check_entry(void **state)
{
	struct fake f;

	(void)state;
	CHECK(KRELOC_E_LIST_ENTRY, NULL, 0, DST | D | S, DONE);		/* two flags */
	CHECK(KRELOC_E_LIST_ENTRY, NULL, 0, DST | D, SP | S | I, DONE);
	CHECK(KRELOC_E_LIST_ENTRY, NULL, 0, DST, DONE);			/* no flag */
	CHECK(KRELOC_E_LIST_ENTRY, NULL, 0, (DST + 0x10) | D, DONE);	/* bits 4-11 */
	CHECK(KRELOC_E_LIST_ENTRY, NULL, 0, DST | D, (SP + 0x800) | S, DONE);
	CHECK(KRELOC_E_LIST_ENTRY, NULL, 0, DST | D, (L1 + 0x100) | I);
	CHECK(KRELOC_E_LIST_ENTRY, NULL, 0, DST | D, SP | DONE);	/* DONE with address */
	CHECK(KRELOC_E_LIST_ENTRY, NULL, 0, DST | D, 0, SP | S, DONE);	/* a hole */
	/* A head that is not an indirection. */
	memset(&f, 0, sizeof(f));
	fake_add(&f, L0, K4);
	assert_int_equal(kreloc_kimage_check_list(L0 | D, fake_read, &f, NULL, 0, NULL),
			 KRELOC_E_LIST_ENTRY);
	assert_int_equal(kreloc_kimage_check_list(DONE, fake_read, &f, NULL, 0, NULL),
			 KRELOC_E_LIST_ENTRY);
	assert_int_equal(kreloc_kimage_check_list(L0 | I | 0x20, fake_read, &f, NULL, 0, NULL),
			 KRELOC_E_LIST_ENTRY);
	/* Bad arguments. */
	assert_int_equal(kreloc_kimage_check_list(L0 | I, NULL, &f, NULL, 0, NULL),
			 KRELOC_E_INVAL);
	assert_int_equal(kreloc_kimage_check_list(L0 | I, fake_read, &f, NULL, 1, NULL),
			 KRELOC_E_INVAL);
	fake_free(&f);
}

static void test_check_coverage(void **state)
{
	struct kreloc_segment s[2] = { { NULL, 0, DST, 2 * K4, NULL },
				       { NULL, 0, DST + 0x10000, K4, NULL } };

	(void)state;
	/* Good, as a reference. */
	CHECK(0, s, 2, DST | D, SP | S, SP | S, (DST + 0x10000) | D, SP | S, DONE);
	/* A page missing. */
	CHECK(KRELOC_E_LIST_COVERAGE, s, 2, DST | D, SP | S, (DST + 0x10000) | D, SP | S, DONE);
	/* A page too many, past the end of a destination. */
	CHECK(KRELOC_E_LIST_COVERAGE, s, 2, DST | D, SP | S, SP | S, SP | S,
	      (DST + 0x10000) | D, SP | S, DONE);
	/* Right count, but one page twice and one never. */
	CHECK(KRELOC_E_LIST_COVERAGE, s, 2, DST | D, SP | S, DST | D, SP | S,
	      (DST + 0x10000) | D, SP | S, DONE);
	/* Writes outside every destination. */
	CHECK(KRELOC_E_LIST_COVERAGE, s, 2, DST | D, SP | S, SP | S,
	      (DST + 0x20000) | D, SP | S, DONE);
	/* The cursor would wrap. */
	CHECK(KRELOC_E_LIST_COVERAGE, s, 2, 0xfffffffffffff000ULL | D, SP | S, DONE);
	/* Empty list for non-empty segments. */
	CHECK(KRELOC_E_LIST_COVERAGE, s, 2, DONE);
	/* Too many separate runs to track. */
	{
		struct kreloc_segment big = { NULL, 0, DST, 256 * K4, NULL };
		uint64_t e[2 * (KRELOC_LIST_MAX_RUNS + 1) + 1];
		unsigned int k = 0;

		for (unsigned int r = 0; r <= KRELOC_LIST_MAX_RUNS; r++) {
			e[k++] = (DST + 2 * r * K4) | D;
			e[k++] = SP | S;
		}
		e[k++] = DONE;
		assert_int_equal(crafted(e, k, NULL, 0, &big, 1, NULL), KRELOC_E_LIST_COVERAGE);
		assert_int_equal(crafted(e, k, NULL, 0, NULL, 0, NULL), 0);
	}
}

static void test_check_unsafe(void **state)
{
	struct kreloc_segment s[2] = { { NULL, 0, DST, 2 * K4, NULL }, { NULL, 0, L0, K4, NULL } };

	(void)state;
	/* A source inside a destination that is not its own page. */
	CHECK(KRELOC_E_LIST_UNSAFE, s, 1, DST | D, (DST + K4) | S, SP | S, DONE);
	/* In place is fine. */
	CHECK(0, s, 1, DST | D, DST | S, (DST + K4) | S, DONE);
	/* The list page itself inside a destination. */
	CHECK(KRELOC_E_LIST_UNSAFE, s, 2, DST | D, SP | S, SP | S, L0 | D, SP | S, DONE);
}

/* fake_read() one byte off: the checker must not need aligned pages. */
static const void *odd_read(void *ctx, uint64_t pa, uint64_t len)
{
	static uint8_t odd[K4 + 1];
	const void *p = fake_read(ctx, pa, len);

	if (!p || len > K4)
		return p;
	memcpy(odd + 1, p, len);
	return odd + 1;
}

static void test_check_source_gap(void **state)
{
	/* a run of sources below the second destination, then one inside it */
	struct kreloc_segment s[2] = { { NULL, 0, DST, 4 * K4, NULL },
				       { NULL, 0, SP + 2 * K4, K4, NULL } };
	struct kreloc_segment top = { NULL, 0, DST, 2 * K4, NULL };
	const uint64_t top_page = UINT64_MAX & ~(K4 - 1);
	uint64_t e[] = { DST | D, SP | S, (SP + K4) | S, (SP + 2 * K4) | S, (SP + 3 * K4) | S,
			 DONE };
	struct fake f;

	(void)state;
	CHECK(KRELOC_E_LIST_UNSAFE, s, 2, DST | D, SP | S, (SP + K4) | S, (SP + 2 * K4) | S,
	      (SP + 3 * K4) | S, DONE);
	/* past the top of the gap from the other side: the first page again */
	CHECK(KRELOC_E_LIST_UNSAFE, s, 2, DST | D, (SP + 3 * K4) | S, (SP + 4 * K4) | S,
	      (SP + K4) | S, (SP + 2 * K4) | S, DONE);
	/* the gap above every destination stops short of the top page */
	CHECK(0, &top, 1, DST | D, SP | S, (SP + K4) | S, DONE);
	CHECK(KRELOC_E_LIST_UNSAFE, &top, 1, DST | D, (top_page - K4) | S, top_page | S, DONE);
	/* the same list read through unaligned pages: same verdicts */
	memset(&f, 0, sizeof(f));
	memcpy(fake_add(&f, L0, K4), e, sizeof(e));
	assert_int_equal(kreloc_kimage_check_list(L0 | I, odd_read, &f, s, 2, NULL),
			 KRELOC_E_LIST_UNSAFE);
	assert_int_equal(kreloc_kimage_check_list(L0 | I, odd_read, &f, s, 1, NULL), 0);
	assert_int_equal(kreloc_kimage_check_list(L0 | I, fake_read, &f, s, 1, NULL), 0);
	fake_free(&f);
	/* aligned pages take runs of gap sources in one go: the same counts, also on refusal */
	{
		const uint64_t l[] = { DST | D, SP | S, (SP + K4) | S, (DST + 2 * K4) | S,
				       (SP + 2 * K4) | S, (SP + 5 * K4) | S, DONE };
		struct kreloc_segment one = { NULL, 0, DST, 5 * K4, NULL };
		struct kreloc_list_stats a, b;

		memset(&f, 0, sizeof(f));
		memcpy(fake_add(&f, L0, K4), l, sizeof(l));
		for (unsigned int n = 1; n <= 2; n++) {
			int ra = kreloc_kimage_check_list(L0 | I, fake_read, &f,
							  n == 1 ? &one : s, n, &a);
			int rb = kreloc_kimage_check_list(L0 | I, odd_read, &f,
							  n == 1 ? &one : s, n, &b);

			assert_int_equal(ra, n == 1 ? 0 : KRELOC_E_LIST_UNSAFE);
			assert_int_equal(ra, rb);
			assert_memory_equal(&a, &b, sizeof(a));
		}
		assert_int_equal(a.sources, 4);		/* the refused one counted */
		fake_free(&f);
	}
}


/* ---- borrowed pages (a segment's data in physical pages) -------------- */

#define BOR	0x60000000ULL		/* the payload's pages lie here */

/*
 * Three whole pages and 100 bytes of data in four scattered pages, the
 * last one's tail not the segment's (0xee); memsz one page more (zeros).
 */
static void paged_payload(struct fake *f, uint8_t *table, const uint64_t *pas, unsigned int nr)
{
	script(f, NULL, 0);
	for (unsigned int i = 0; i < nr; i++) {
		uint8_t *p = fake_add(f, pas[i], K4);

		memset(p, 0xee, K4);
		memcpy(p, buf + i * K4, i == 3 ? 100 : K4);
		kreloc_put_le64(table + 8 * i, pas[i]);
	}
}

static void test_borrowed_pages(void **state)
{
	static const uint64_t pas[4] = { BOR + 2 * K4, BOR, BOR + 5 * K4, BOR + 7 * K4 };
	uint8_t table[32];
	struct kreloc_segment s = { NULL, 3 * K4 + 100, DST, 5 * K4, table };
	struct kreloc_kimage_need nd;
	struct kreloc_kimage ki;
	struct fake f;
	uint64_t l[16], copy;
	const uint8_t *c;
	unsigned int n;

	(void)state;
	paged_payload(&f, table, pas, 4);
	f.auto_base = SRC;
	assert_int_equal(kreloc_kimage_need(&s, 1, &nd), 0);
	assert_int_equal(nd.data_pages, 1);		/* only the partial last page */
	assert_int_equal(nd.borrowed_pages, 3);
	assert_int_equal(nd.safe_pages, 1 + 1 + 1);	/* + zero page + list page */
	kimage_init(&ki, &f, &s, 1);
	ki.rd = fake_read;
	ki.rd_ctx = &f;
	assert_int_equal(kreloc_kimage_load(&ki), 0);
	assert_int_equal(ki.borrowed_pages, 3);
	assert_int_equal(ki.source_pages, 1);
	assert_int_equal(ki.zero_fill_pages, 1);
	assert_int_equal(f.handed, 3);		/* last page, zero page, list page: nothing else */
	n = read_list(&f, ki.head, l, KRELOC_ARRAY_SIZE(l));
	assert_int_equal(n, 7);
	assert_int_equal(l[0], DST | D);
	/* SOURCE == the page itself, in the table's order */
	assert_int_equal(l[1], pas[0] | S);
	assert_int_equal(l[2], pas[1] | S);
	assert_int_equal(l[3], pas[2] | S);
	copy = l[4] & ~(K4 - 1);
	assert_true(copy >= SRC);
	assert_int_equal(l[5], ki.zero_page | S);
	assert_int_equal(l[6], DONE);
	/* the partial page: its 100 bytes, then zeros, not the 0xee tail */
	c = fake_read(&f, copy, K4);
	assert_non_null(c);
	assert_memory_equal(c, buf + 3 * K4, 100);
	for (unsigned int i = 100; i < K4; i++)
		assert_int_equal(c[i], 0);
	check_ok(&f, &ki, &s, 1);
	fake_free(&f);

	/* whole pages only: no allocation but the list page */
	paged_payload(&f, table, pas, 3);
	f.auto_base = SRC;
	s.bufsz = 3 * K4;
	s.memsz = 3 * K4;
	kimage_init(&ki, &f, &s, 1);
	assert_int_equal(kreloc_kimage_load(&ki), 0);	/* no @rd needed */
	assert_int_equal(ki.borrowed_pages, 3);
	assert_int_equal(ki.source_pages + ki.zero_fill_pages, 0);
	assert_int_equal(f.handed, 1);
	check_ok(&f, &ki, &s, 1);
	fake_free(&f);
}

static void test_borrowed_refused(void **state)
{
	uint64_t pas[4] = { BOR + 2 * K4, BOR, BOR + 5 * K4, BOR + 7 * K4 };
	uint8_t table[32];
	struct kreloc_segment s[2] = {
		{ NULL, 3 * K4 + 100, DST, 5 * K4, table },
		{ buf, K4, DST + 0x100000, K4, NULL },
	};
	struct kreloc_kimage ki;
	struct fake f;

	(void)state;
	/* a borrowed page inside its own destination, another's, or exactly its own */
	for (unsigned int c = 0; c < 3; c++) {
		static const uint64_t in_dest[3] = { DST + 4 * K4, DST + 0x100000, DST + K4 };

		pas[1] = in_dest[c];
		paged_payload(&f, table, pas, 4);
		f.auto_base = SRC;
		kimage_init(&ki, &f, s, 2);
		ki.rd = fake_read;
		ki.rd_ctx = &f;
		assert_int_equal(kreloc_kimage_load(&ki), KRELOC_E_PAGES_IN_DEST);
		assert_int_equal(ki.head, 0);
		fake_free(&f);
	}
	pas[1] = BOR;
	/* a misaligned page address */
	paged_payload(&f, table, pas, 4);
	kreloc_put_le64(table + 16, BOR + 5 * K4 + 8);
	f.auto_base = SRC;
	kimage_init(&ki, &f, s, 2);
	ki.rd = fake_read;
	ki.rd_ctx = &f;
	assert_int_equal(kreloc_kimage_load(&ki), KRELOC_E_PAGES_TABLE);
	fake_free(&f);
	/* the partial last page: no reader, or a page it cannot read */
	paged_payload(&f, table, pas, 4);
	f.auto_base = SRC;
	kimage_init(&ki, &f, s, 2);
	assert_int_equal(kreloc_kimage_load(&ki), KRELOC_E_INVAL);
	kreloc_put_le64(table + 24, BOR + 9 * K4);	/* nothing there */
	ki.rd = fake_read;
	ki.rd_ctx = &f;
	assert_int_equal(kreloc_kimage_load(&ki), KRELOC_E_PAGES_NOT_RAM);
	assert_int_equal(ki.head, 0);
	fake_free(&f);
}

/* Borrowed pages staged a run at a time: the same list and refusals as page by page. */
static void test_borrowed_runs(void **state)
{
	/* 8-aligned as a bundle's table is, so the word-load path runs */
	_Alignas(8) uint8_t table[32];
	uint64_t pas[4] = { BOR, BOR + K4, BOR + 2 * K4, BOR + 7 * K4 };
	struct kreloc_segment s = { NULL, 3 * K4 + 100, DST, 5 * K4, table };
	struct kreloc_kimage ki;
	struct fake f;
	uint64_t l[16];

	(void)state;
	/* one run of three whole pages; the fourth is the copied partial page */
	paged_payload(&f, table, pas, 4);
	f.auto_base = SRC;
	kimage_init(&ki, &f, &s, 1);
	ki.rd = fake_read;
	ki.rd_ctx = &f;
	assert_int_equal(kreloc_kimage_load(&ki), 0);
	assert_int_equal(ki.borrowed_pages, 3);
	assert_int_equal(ki.source_pages, 1);
	assert_int_equal(read_list(&f, ki.head, l, KRELOC_ARRAY_SIZE(l)), 7);
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(l[1 + i], (BOR + i * K4) | S);
	check_ok(&f, &ki, &s, 1);
	fake_free(&f);

	/* a run whose first page is clear and whose second is a destination */
	pas[0] = DST - K4;
	pas[1] = DST;
	paged_payload(&f, table, pas, 4);
	f.auto_base = SRC;
	kimage_init(&ki, &f, &s, 1);
	ki.rd = fake_read;
	ki.rd_ctx = &f;
	assert_int_equal(kreloc_kimage_load(&ki), KRELOC_E_PAGES_IN_DEST);
	assert_int_equal(ki.head, 0);
	fake_free(&f);

	/* a run whose last page would end at 2^64: the table is bad */
	pas[0] = 0xffffffffffffe000ULL;
	pas[1] = 0xfffffffffffff000ULL;
	paged_payload(&f, table, pas, 4);
	f.auto_base = SRC;
	kimage_init(&ki, &f, &s, 1);
	ki.rd = fake_read;
	ki.rd_ctx = &f;
	assert_int_equal(kreloc_kimage_load(&ki), KRELOC_E_PAGES_TABLE);
	assert_int_equal(ki.head, 0);
	fake_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_segment),
		cmocka_unit_test(test_contiguous_and_zero),
		cmocka_unit_test(test_page_boundaries),
		cmocka_unit_test(test_many_segments),
		cmocka_unit_test(test_collisions_and_in_place),
		cmocka_unit_test(test_alloc_safe),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_check_good_and_stats),
		cmocka_unit_test(test_check_source_first),
		cmocka_unit_test(test_check_loop),
		cmocka_unit_test(test_check_after_done),
		cmocka_unit_test(test_check_unterminated),
		cmocka_unit_test(test_check_entry),
		cmocka_unit_test(test_check_coverage),
		cmocka_unit_test(test_check_unsafe),
		cmocka_unit_test(test_check_source_gap),
		cmocka_unit_test(test_borrowed_pages),
		cmocka_unit_test(test_borrowed_runs),
		cmocka_unit_test(test_borrowed_refused),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
