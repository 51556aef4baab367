// SPDX-License-Identifier: MIT
/*
 * place.c - choose destinations for the next kernel, initrd and device tree
 * by the arm64 boot protocol (see place.h for the rules).
 *
 * The kernel is placed first.  When the initrd or the device tree then finds
 * no room, an Image that may go anywhere is tried again one 1 GiB window
 * further on (up when placing low, down when placing high): with RAM split
 * across more than 32 GiB, another kernel position can bring RAM into the
 * initrd's window.  An Image without the anywhere flag has one position only:
 * the lowest.
 */
#include <kreloc/error.h>
#include <kreloc/place.h>

/* "anywhere" Images must lie within the 48-bit physical address range. */
#define PLACE_ANYWHERE_LIMIT	(1ULL << 48)
/* Kernels before 3.17 (legacy header) want the DTB within 512 MiB of the Image. */
#define PLACE_LEGACY_DTB_REACH	(512ULL << 20)

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/*
 * Place the initrd and the DTB around a kernel already at @base/@load.
 * Ranges chosen so far go into @avoid so later ones keep clear of them.
 */
static int place_rest(const struct kreloc_memmap *map, const struct kreloc_image_info *img,
		      uint64_t base, uint64_t load, uint64_t ksize, uint64_t isize,
		      uint64_t dsize, bool top, struct kreloc_placement *out)
{
	struct kreloc_range avoid[2];
	struct kreloc_find_req req;
	uint64_t kend = load + ksize;
	uint64_t at;
	int err;

	/* The kernel's whole 2 MiB-aligned footprint, text_offset gap included. */
	avoid[0].base = base;
	avoid[0].size = kend - base;

	out->kernel_base = base;
	out->kernel_load = load;
	out->kernel_size = ksize;
	out->initrd.base = 0;
	out->initrd.size = 0;
	out->dtb.base = 0;
	out->dtb.size = 0;

	memset(&req, 0, sizeof(req));
	req.avoid = avoid;
	req.nr_avoid = 1;
	req.top_down = top;

	if (isize) {
		uint64_t ws = KRELOC_ALIGN_DOWN(base, KRELOC_SZ_1G);

		req.size = isize;
		req.align = KRELOC_PAGE_SIZE;
		req.max = sat_add(ws, KRELOC_INITRD_WINDOW);
		/*
		 * Low: after the kernel if possible, else anywhere in the window.
		 * Images without the anywhere flag cannot reach memory below
		 * their base through the linear map: after the kernel only.
		 */
		req.min = top ? ws : kend;
		err = kreloc_memmap_find(map, &req, &at);
		if (err && !top && img->anywhere) {
			req.min = ws;
			err = kreloc_memmap_find(map, &req, &at);
		}
		if (err)
			return KRELOC_E_INITRD_WINDOW;
		out->initrd.base = at;
		out->initrd.size = isize;
		avoid[req.nr_avoid++] = out->initrd;
	}

	if (dsize) {
		req.size = dsize;
		req.align = KRELOC_SZ_2M;
		req.min = top ? 0 : kend;
		req.max = UINT64_MAX;
		if (img->legacy)
			req.max = sat_add(base, PLACE_LEGACY_DTB_REACH);
		err = kreloc_memmap_find(map, &req, &at);
		if (err && !top && img->anywhere) {
			req.min = 0;
			err = kreloc_memmap_find(map, &req, &at);
		}
		if (err)
			return KRELOC_E_NO_ROOM;
		out->dtb.base = at;
		out->dtb.size = dsize;
	}
	return 0;
}

/**
 * kreloc_place() - see place.h.
 *
 * Details beyond place.h: the kernel occupies [kernel_load, kernel_load +
 * kernel_size), and [kernel_base, kernel_load) is also kept free (kernels of
 * the TEXT_OFFSET era put page tables there).  @initrd.size and @dtb.size are the byte counts rounded up to
 * KRELOC_PAGE_SIZE (the caller knows the exact lengths).  An anywhere Image
 * ends at or below 2^48.  For an Image without the anywhere flag the kernel
 * goes as low as it fits and the initrd and DTB go above it; a legacy Image
 * also gets its DTB within 512 MiB of its base.  @out is written only on
 * success.
 *
 * Return: as place.h, plus KRELOC_E_INVAL for NULL pointers or an @img that
 * kreloc_image_parse() would not have produced.  When the kernel fits but no
 * position of it leaves room for the initrd: KRELOC_E_INITRD_WINDOW; when
 * the initrd fits somewhere but the DTB never does: KRELOC_E_NO_ROOM.
 */
int kreloc_place(const struct kreloc_memmap *map, const struct kreloc_image_info *img,
		 uint64_t initrd_size, uint64_t dtb_size, bool high,
		 struct kreloc_placement *out)
{
	struct kreloc_placement res;
	struct kreloc_find_req kreq;
	bool top, first = true, initrd_fitted = false;
	uint64_t ksize, isize, dsize;

	if (!map || !img || !out)
		return KRELOC_E_INVAL;
	if (img->image_size == 0 || img->image_size > KRELOC_IMAGE_MAX_SIZE ||
	    img->text_offset >= KRELOC_SZ_2M || !KRELOC_ALIGNED(img->text_offset, KRELOC_PAGE_SIZE))
		return KRELOC_E_INVAL;
	if (dtb_size > KRELOC_FDT_MAX_SIZE)
		return KRELOC_E_FDT_TOO_LARGE;
	if (initrd_size > KRELOC_INITRD_WINDOW)
		return KRELOC_E_INITRD_WINDOW;

	top = high && img->anywhere;
	ksize = KRELOC_ALIGN_UP(img->image_size, KRELOC_PAGE_SIZE);
	isize = KRELOC_ALIGN_UP(initrd_size, KRELOC_PAGE_SIZE);
	dsize = KRELOC_ALIGN_UP(dtb_size, KRELOC_PAGE_SIZE);

	memset(&kreq, 0, sizeof(kreq));
	/*
	 * The whole [base, load + ksize) must be free, not only the Image:
	 * kernels of the TEXT_OFFSET era kept their first page tables in the
	 * gap just below the load address.
	 */
	kreq.size = img->text_offset + ksize;
	kreq.align = KRELOC_SZ_2M;
	kreq.min = 0;
	kreq.max = img->anywhere ? PLACE_ANYWHERE_LIMIT : UINT64_MAX;
	kreq.top_down = top;

	for (;;) {
		uint64_t load, base, ws;
		int err;

		err = kreloc_memmap_find(map, &kreq, &base);
		if (err)
			return first ? err : initrd_fitted ? KRELOC_E_NO_ROOM :
							     KRELOC_E_INITRD_WINDOW;
		first = false;
		load = base + img->text_offset;
		err = place_rest(map, img, base, load, ksize, isize, dsize, top, &res);
		if (!err) {
			*out = res;
			return 0;
		}
		if (err != KRELOC_E_INITRD_WINDOW)
			initrd_fitted = true;
		if (!img->anywhere)
			return err;

		/* Next candidate: a kernel base in the next 1 GiB window. */
		ws = KRELOC_ALIGN_DOWN(base, KRELOC_SZ_1G);
		if (!top) {
			if (ws + KRELOC_SZ_1G < ws)
				return initrd_fitted ? KRELOC_E_NO_ROOM : KRELOC_E_INITRD_WINDOW;
			kreq.min = ws + KRELOC_SZ_1G;
		} else {
			/* base <= ws - 2 MiB: the kernel's footprint ends below ws + size */
			if (ws < KRELOC_SZ_2M)
				return initrd_fitted ? KRELOC_E_NO_ROOM : KRELOC_E_INITRD_WINDOW;
			kreq.max = ws - KRELOC_SZ_2M + kreq.size;
		}
	}
}
