/* SPDX-License-Identifier: MIT */
/*
 * place.h - where the next kernel, its initrd and its device tree go, by the
 * arm64 boot protocol:
 *  - the Image at a 2 MiB-aligned base + text_offset, image_size bytes free;
 *    as low in RAM as possible unless the Image may go anywhere;
 *  - the initrd inside the 1 GiB-aligned, 32 GiB window that holds the kernel;
 *  - the device tree 8-byte aligned, at most 2 MiB, not crossing a 2 MiB
 *    boundary (kreloc gives it a 2 MiB-aligned slot of its own).
 * Destinations are page aligned and page sized (KRELOC_PAGE_SIZE), so they
 * can be written by a page-granular entry list.
 */
#ifndef KRELOC_PLACE_H
#define KRELOC_PLACE_H

#include <kreloc/image.h>
#include <kreloc/memmap.h>

#define KRELOC_PAGE_SIZE	4096ULL		/* entry-list page size */
#define KRELOC_FDT_MAX_SIZE	(2ULL << 20)	/* boot protocol limit */
#define KRELOC_INITRD_WINDOW	(32ULL << 30)

/**
 * struct kreloc_placement - chosen destinations (all physical addresses).
 * @kernel_base: the 2 MiB-aligned base; the Image is loaded at
 * @kernel_load = kernel_base + text_offset and occupies @kernel_size bytes
 * (image_size rounded up to a page); [kernel_base, kernel_load) is kept free
 * too.  @initrd and @dtb have size 0 when absent, else their byte counts
 * rounded up to KRELOC_PAGE_SIZE (the caller keeps the exact lengths).
 */
struct kreloc_placement {
	uint64_t kernel_base;
	uint64_t kernel_load;
	uint64_t kernel_size;
	struct kreloc_range initrd;
	struct kreloc_range dtb;
};

/**
 * kreloc_place() - choose destinations for kernel, initrd and device tree.
 * @map:        RAM and reserved ranges (reserved ranges are never used)
 * @img:        from kreloc_image_parse()
 * @initrd_size: bytes of initrd, 0 for none
 * @dtb_size:   bytes of device tree (<= KRELOC_FDT_MAX_SIZE)
 * @high:       place the payload as high in RAM as it fits (still by the
 *              protocol's rules; ignored for Images without the anywhere flag)
 * @out:        filled on success
 *
 * Return: 0, KRELOC_E_INVAL (NULL pointer, @img not from kreloc_image_parse()),
 * KRELOC_E_FDT_TOO_LARGE, KRELOC_E_NO_ROOM (kernel or device tree does not
 * fit), KRELOC_E_INITRD_WINDOW (no room for the initrd inside the window).
 */
int kreloc_place(const struct kreloc_memmap *map, const struct kreloc_image_info *img,
		 uint64_t initrd_size, uint64_t dtb_size, bool high,
		 struct kreloc_placement *out);

#endif /* KRELOC_PLACE_H */
