// SPDX-License-Identifier: MIT
/*
 * xlat_walk.c - a software model of the stage-1 table walk, for checking
 * tables built by lib/xlat.c (and any other VMSAv8-64 stage-1 tables in the
 * same subset: 4K/16K/64K, 48-bit VA and OA, EL1&0 or non-VHE EL2 regime).
 */
#include <kreloc/error.h>
#include <kreloc/xlat.h>

/* Bits [hi:lo] set. */
static uint64_t bits(unsigned int hi, unsigned int lo)
{
	return (~0ULL >> (63 - hi)) & ~((1ULL << lo) - 1);
}

static int fault(struct kreloc_xlat_walk_result *res, enum kreloc_xlat_fault f,
		 unsigned int level, uint64_t desc, uint64_t base, uint64_t size)
{
	res->fault = f;
	res->level = level;
	res->desc = desc;
	res->block_base = base;
	res->block_size = size;
	return KRELOC_E_XLAT_FAULT;
}

int kreloc_xlat_walk(const struct kreloc_xlat *x, uint64_t va, kreloc_phys_read_fn rd, void *ctx,
		     struct kreloc_xlat_walk_result *res)
{
	unsigned int g, level, pa_bits;
	uint64_t pa_limit, table, oa_mask;
	bool ro = false, nx = false;

	if (!x || !rd || !res)
		return KRELOC_E_INVAL;
	g = x->granule_shift;
	if ((g != 12 && g != 14 && g != 16) || (x->el != 1 && x->el != 2) ||
	    x->va_bits < KRELOC_XLAT_MIN_VA_BITS || x->va_bits > KRELOC_XLAT_MAX_BITS ||
	    x->start_level != kreloc_xlat_start_level(g, x->va_bits) || x->pa_bits < 32)
		return KRELOC_E_INVAL;
	memset(res, 0, sizeof(*res));
	pa_bits = x->pa_bits < KRELOC_XLAT_MAX_BITS ? x->pa_bits : KRELOC_XLAT_MAX_BITS;
	pa_limit = 1ULL << pa_bits;
	oa_mask = bits(47, g);

	if (va >> x->va_bits)
		return fault(res, KRELOC_XLAT_FAULT_TRANSLATION, x->start_level, 0, va, 0);

	/* TTBR: BADDR in [47:1], CnP in bit 0; the root is aligned to its size. */
	table = x->ttbr & bits(47, 1);
	for (level = x->start_level; level <= 3; level++) {
		unsigned int shift = kreloc_xlat_level_shift(g, level);
		uint64_t nent = level == x->start_level ? 1ULL << (x->va_bits - shift)
							: 1ULL << (g - 3);
		uint64_t idx = (va >> shift) & (nent - 1);
		uint64_t size = 1ULL << shift, base = va & ~(size - 1);
		const uint8_t *p;
		uint64_t d;

		if (table & (nent * 8 - 1))
			return fault(res, KRELOC_XLAT_FAULT_MALFORMED, level, 0, base, size);
		if (table >= pa_limit)
			return fault(res, KRELOC_XLAT_FAULT_ADDRESS_SIZE, level, 0, base, size);
		p = rd(ctx, table, nent * 8);
		if (!p)
			return KRELOC_E_INVAL;
		d = kreloc_le64(p + 8 * idx);

		if (!(d & KRELOC_XLAT_PTE_VALID))
			return fault(res, KRELOC_XLAT_FAULT_TRANSLATION, level, d, base, size);
		/* Without FEAT_LPA/LPA2, OA[51:48] and the bits below the granule are RES0. */
		if (d & (bits(51, 48) | bits(g - 1, 12)))
			return fault(res, KRELOC_XLAT_FAULT_MALFORMED, level, d, base, size);

		if (level < 3 && (d & KRELOC_XLAT_PTE_TABLE)) {
			/* Table descriptor: hierarchical controls, then descend. */
			if (d & KRELOC_XLAT_PTE_APTABLE_RO)
				ro = true;
			if (x->el == 1 && (d & KRELOC_XLAT_PTE_PXNTABLE))
				nx = true;
			if (x->el == 2 && (d & KRELOC_XLAT_PTE_XNTABLE))
				nx = true;
			table = d & oa_mask;
			continue;
		}
		/* Level-3 type 0b01 is reserved; blocks only where the granule has them. */
		if (level == 3 ? !(d & KRELOC_XLAT_PTE_TABLE) :
				 (level == 0 || (level == 1 && g != 12)))
			return fault(res, KRELOC_XLAT_FAULT_TRANSLATION, level, d, base, size);
		if (d & bits(shift - 1, g))	/* block OA below the block size: RES0 */
			return fault(res, KRELOC_XLAT_FAULT_MALFORMED, level, d, base, size);
		if (x->el == 2 && (!(d & KRELOC_XLAT_PTE_AP1) || (d & KRELOC_XLAT_PTE_PXN)))
			return fault(res, KRELOC_XLAT_FAULT_MALFORMED, level, d, base, size);
		if ((d & oa_mask) >= pa_limit)
			return fault(res, KRELOC_XLAT_FAULT_ADDRESS_SIZE, level, d, base, size);
		if (!(d & KRELOC_XLAT_PTE_AF))
			return fault(res, KRELOC_XLAT_FAULT_ACCESS_FLAG, level, d, base, size);

		res->pa = (d & bits(47, shift)) | (va & (size - 1));
		res->desc = d;
		res->block_base = base;
		res->block_size = size;
		res->level = level;
		res->attr_index = (unsigned int)(d >> KRELOC_XLAT_PTE_ATTRIDX_SHIFT) & 7;
		res->mair_attr = (unsigned int)(x->mair >> (8 * res->attr_index)) & 0xff;
		res->sh = (unsigned int)(d >> KRELOC_XLAT_PTE_SH_SHIFT) & 3;
		res->writable = !ro && !(d & KRELOC_XLAT_PTE_AP2_RO);
		if (x->el == 1)
			/* EL1&0: PXN, and memory writable at EL0 (AP == 01) is never privileged-executable. */
			res->executable = !nx && !(d & KRELOC_XLAT_PTE_PXN) &&
					  !((d & KRELOC_XLAT_PTE_AP1) && !(d & KRELOC_XLAT_PTE_AP2_RO));
		else
			res->executable = !nx && !(d & KRELOC_XLAT_PTE_UXN_XN);
		res->fault = KRELOC_XLAT_FAULT_NONE;
		return 0;
	}
	return KRELOC_E_INVAL;	/* not reached: level 3 always ends the walk */
}
