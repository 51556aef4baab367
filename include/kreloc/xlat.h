/* SPDX-License-Identifier: MIT */
/*
 * xlat.h - arm64 stage-1 transitional translation tables.
 *
 * Builds an identity map (VA == PA) of a short list of physical regions, for
 * the relocation trampoline (all RAM read/write, its own page read-only and
 * executable) and for the shim (RAM plus a UART as Device memory).  The same
 * tables serve the EL1&0 regime (TTBR0_EL1/TCR_EL1) or the EL2 regime with
 * HCR_EL2.E2H == 0 (TTBR0_EL2/TCR_EL2); the descriptors differ slightly, so
 * the regime is chosen at build time.
 *
 * Geometry: 4K, 16K or 64K granule; no FEAT_LPA/LPA2 (48-bit VA and OA at
 * most); the VA size is the smallest that covers the highest end address
 * (never below 25 bits, the largest T0SZ without FEAT_TTST).  Largest blocks
 * wherever alignment allows: 4K: 1 GiB (level 1), 2 MiB (level 2), 4K pages;
 * 16K: 32 MiB (level 2), 16K pages; 64K: 512 MiB (level 2), 64K pages.
 *
 * Region rule (the only overlap allowed): a region may overlap earlier regions
 * of the list only if it lies wholly inside every earlier region it touches;
 * it then refines them, i.e. the attribute of an address is that of the LAST
 * region containing it.  Typical use: RAM banks first, then the trampoline
 * page (RX) inside one bank.  Partial overlaps, or a later region that covers
 * an earlier one and more, are refused with KRELOC_E_XLAT_MAP.
 *
 * Every table page comes from the caller's kreloc_alloc_fn (granule-sized,
 * granule-aligned, zeroed); the library keeps no state and never frees.
 */
#ifndef KRELOC_XLAT_H
#define KRELOC_XLAT_H

#include <kreloc/kreloc_env.h>
#include <kreloc/alloc.h>
#include <kreloc/memmap.h>

/* Region attributes (struct kreloc_xlat_region.attr).  0 is not valid. */
#define KRELOC_XLAT_RW_DATA	1u	/* Normal WB RWA, inner shareable, RW, never executable */
#define KRELOC_XLAT_RX_CODE	2u	/* Normal WB RWA, inner shareable, read-only, executable */
#define KRELOC_XLAT_DEVICE	3u	/* Device-nGnRE, RW, never executable */

/*
 * MAIR index assignment (kreloc_xlat_mair()): index 0 is Normal memory,
 * inner and outer write-back non-transient read/write-allocate (0xff);
 * index 1 is Device-nGnRE (0x04); indices 2..7 are Device-nGnRnE (0x00) and
 * unused, so a stray index is at worst uncached, never silently cacheable.
 */
#define KRELOC_XLAT_MAIR_IDX_NORMAL	0u
#define KRELOC_XLAT_MAIR_IDX_DEVICE	1u
#define KRELOC_XLAT_MAIR_NORMAL_WB	0xffu
#define KRELOC_XLAT_MAIR_DEVICE_nGnRE	0x04u

/* VMSAv8-64 descriptor bits used by the builder and the walker. */
#define KRELOC_XLAT_PTE_VALID		(1ULL << 0)
#define KRELOC_XLAT_PTE_TABLE		(1ULL << 1)	/* table (levels 0-2) or page (level 3) */
#define KRELOC_XLAT_PTE_ATTRIDX_SHIFT	2
#define KRELOC_XLAT_PTE_AP1		(1ULL << 6)	/* EL1: EL0 access; EL2: RES1 */
#define KRELOC_XLAT_PTE_AP2_RO		(1ULL << 7)	/* read-only */
#define KRELOC_XLAT_PTE_SH_SHIFT	8
#define KRELOC_XLAT_PTE_SH_INNER	(3ULL << 8)
#define KRELOC_XLAT_PTE_AF		(1ULL << 10)
#define KRELOC_XLAT_PTE_NG		(1ULL << 11)
#define KRELOC_XLAT_PTE_PXN		(1ULL << 53)	/* EL1 only; RES0 at EL2 */
#define KRELOC_XLAT_PTE_UXN_XN		(1ULL << 54)	/* EL1: UXN; EL2: XN */
#define KRELOC_XLAT_PTE_PXNTABLE	(1ULL << 59)
#define KRELOC_XLAT_PTE_XNTABLE		(1ULL << 60)
#define KRELOC_XLAT_PTE_APTABLE_RO	(1ULL << 62)

/* SCTLR_ELx bits (same positions in SCTLR_EL1 and SCTLR_EL2 with E2H == 0). */
#define KRELOC_XLAT_SCTLR_M	(1ULL << 0)
#define KRELOC_XLAT_SCTLR_A	(1ULL << 1)
#define KRELOC_XLAT_SCTLR_C	(1ULL << 2)
#define KRELOC_XLAT_SCTLR_I	(1ULL << 12)
#define KRELOC_XLAT_SCTLR_WXN	(1ULL << 19)
#define KRELOC_XLAT_SCTLR_EE	(1ULL << 25)

/* Largest supported VA/OA size (no FEAT_LPA/LPA2) and smallest VA size. */
#define KRELOC_XLAT_MAX_BITS	48u
#define KRELOC_XLAT_MIN_VA_BITS	25u
/* Bound on regions per build (keeps the O(n^2) checks small). */
#define KRELOC_XLAT_MAX_REGIONS	64u
/* Most regions kreloc_xlat_ram_regions() yields: each no-map hole adds one. */
#define KRELOC_XLAT_MAX_RAM_REGIONS	(KRELOC_MEMMAP_MAX_RAM + KRELOC_MEMMAP_MAX_NOMAP)

/** struct kreloc_xlat_region - [base, base + size) mapped with @attr. */
struct kreloc_xlat_region {
	uint64_t base;
	uint64_t size;
	unsigned int attr;	/* KRELOC_XLAT_RW_DATA / _RX_CODE / _DEVICE */
};

/**
 * struct kreloc_xlat_config - what the tables are for.
 * @granule_shift: 12 (4K), 14 (16K) or 16 (64K)
 * @el:            1 (EL1&0 regime) or 2 (EL2 regime, HCR_EL2.E2H == 0)
 * @pa_bits:       the CPU's PA size, as kreloc_xlat_check_cpu() returns it:
 *                 32, 36, 40, 42, 44, 48 or 52 (52 is used as 48)
 */
struct kreloc_xlat_config {
	unsigned int granule_shift;
	unsigned int el;
	unsigned int pa_bits;
};

/**
 * struct kreloc_xlat - built tables and the register values that use them.
 * @root_pa:     physical address of the root table (granule aligned)
 * @ttbr:        value for TTBR0_EL1 / TTBR0_EL2 (root_pa, ASID 0, CnP 0)
 * @tcr:         value for TCR_EL1 (el 1) or TCR_EL2 (el 2)
 * @mair:        value for MAIR_EL1 / MAIR_EL2
 * @sctlr_set:   SCTLR_ELx bits to set when enabling (M, C, I)
 * @sctlr_clear: SCTLR_ELx bits to clear when enabling (A, WXN, EE)
 * @granule_shift, @el, @pa_bits: copied from the config
 * @va_bits:     input address size (T0SZ = 64 - va_bits)
 * @start_level: level of the root table (0..3)
 * @table_pages: number of granule-sized pages taken from the allocator
 */
struct kreloc_xlat {
	uint64_t root_pa;
	uint64_t ttbr;
	uint64_t tcr;
	uint64_t mair;
	uint64_t sctlr_set;
	uint64_t sctlr_clear;
	unsigned int granule_shift;
	unsigned int el;
	unsigned int pa_bits;
	unsigned int va_bits;
	unsigned int start_level;
	unsigned int table_pages;
};

/** enum kreloc_xlat_fault - why a software walk did not translate. */
enum kreloc_xlat_fault {
	KRELOC_XLAT_FAULT_NONE = 0,
	KRELOC_XLAT_FAULT_TRANSLATION,	/* invalid entry, VA out of range, bad type */
	KRELOC_XLAT_FAULT_ACCESS_FLAG,	/* leaf with AF == 0 */
	KRELOC_XLAT_FAULT_ADDRESS_SIZE,	/* table or output address >= 2^pa_bits */
	KRELOC_XLAT_FAULT_MALFORMED,	/* RES0/RES1 bits wrong for the regime */
};

/**
 * struct kreloc_xlat_walk_result - what kreloc_xlat_walk() found.
 * @pa:         translated address (valid when the walk returns 0)
 * @desc:       the last descriptor read (leaf, or the faulting one)
 * @block_base: VA of the start of the range that descriptor translates
 * @block_size: size of that range (page, block or hole); 0 if the VA is
 *              outside the input range
 * @level:      level of that descriptor
 * @attr_index: AttrIndx of the leaf; @mair_attr: its MAIR byte
 * @sh:         SH[1:0] of the leaf (3 = inner shareable)
 * @writable:   writable at the regime's privileged level
 * @executable: executable at the regime's privileged level
 * @fault:      KRELOC_XLAT_FAULT_NONE on success
 */
struct kreloc_xlat_walk_result {
	uint64_t pa;
	uint64_t desc;
	uint64_t block_base;
	uint64_t block_size;
	unsigned int level;
	unsigned int attr_index;
	unsigned int mair_attr;
	unsigned int sh;
	bool writable;
	bool executable;
	enum kreloc_xlat_fault fault;
};

/* kreloc_phys_read_fn, used by the walker, is defined in alloc.h. */

/* ---- geometry (pure) ---------------------------------------------------- */

/** kreloc_xlat_level_shift() - log2 of the size one entry of @level maps. */
static inline unsigned int kreloc_xlat_level_shift(unsigned int granule_shift,
						   unsigned int level)
{
	return granule_shift + (3 - level) * (granule_shift - 3);
}

/**
 * kreloc_xlat_start_level() - root level for @va_bits of input address.
 * @granule_shift: 12, 14 or 16 (not checked)
 * @va_bits:       25..48 (not checked)
 */
unsigned int kreloc_xlat_start_level(unsigned int granule_shift, unsigned int va_bits);

/**
 * kreloc_xlat_round() - round a region to the granule.
 * @r:             region to adjust in place
 * @granule_shift: 12, 14 or 16
 * @outward:       true: grow to cover every byte of @r (use for code/device
 *                 pages); false: shrink to the granules wholly inside @r
 *                 (use for RAM whose edges are not granule aligned)
 *
 * Return: 0; KRELOC_E_XLAT_GRANULE for a bad shift; KRELOC_E_OVERFLOW if
 * @r wraps or rounding out would; KRELOC_E_XLAT_MAP if shrinking leaves
 * nothing (@r is then left unchanged).
 */
int kreloc_xlat_round(struct kreloc_xlat_region *r, unsigned int granule_shift, bool outward);

/**
 * kreloc_xlat_ram_regions() - the RAM an identity map may cover.
 * @map:           RAM banks and no-map ranges
 * @granule_shift: 12, 14 or 16
 * @r:             out: KRELOC_XLAT_RW_DATA regions, sorted, disjoint
 * @max:           room at @r (KRELOC_XLAT_MAX_RAM_REGIONS always suffices)
 *
 * Every RAM bank minus the no-map ranges (kreloc_memmap_add_nomap()), each
 * piece shrunk to the whole granules inside it: a granule that holds a
 * byte of no-map memory, or lies partly outside RAM, is never mapped.  The
 * one source of RAM mappings for the transitional tables and the shim's.
 * Bytes of RAM left out this way must not be used while those tables are
 * live (lib/handoff.c reserves them).
 *
 * Return: the number of regions written; KRELOC_E_XLAT_GRANULE;
 * KRELOC_E_INVAL (NULL @map, or NULL @r with @max > 0); KRELOC_E_NOSPACE
 * (more than @max); KRELOC_E_XLAT_PA_52BIT (a piece ends
 * above 2^48: these tables have no FEAT_LPA/LPA2 descriptors to map it).
 */
int kreloc_xlat_ram_regions(const struct kreloc_memmap *map, unsigned int granule_shift,
			    struct kreloc_xlat_region *r, unsigned int max);

/* ---- builder (lib/xlat.c) ------------------------------------------------ */

/**
 * kreloc_xlat_count() - how many table pages kreloc_xlat_build() would take.
 * @cfg:   granule, regime and PA size
 * @r:     regions, see the region rule at the top of this file
 * @n:     number of regions, 1..KRELOC_XLAT_MAX_REGIONS
 * @pages: out: table pages (each 1 << granule_shift bytes)
 *
 * Pure: allocates and writes nothing but *@pages.
 *
 * Return: 0, or the same errors as kreloc_xlat_build() other than
 * KRELOC_E_NOMEM.
 */
int kreloc_xlat_count(const struct kreloc_xlat_config *cfg, const struct kreloc_xlat_region *r,
		      unsigned int n, unsigned int *pages);

/**
 * kreloc_xlat_build() - build the identity map of @r.
 * @cfg:   granule, regime and PA size
 * @r:     regions, see the region rule at the top of this file; every base
 *         and size must be a multiple of the granule (kreloc_xlat_round())
 * @n:     number of regions, 1..KRELOC_XLAT_MAX_REGIONS
 * @alloc: page allocator; called with size 1 << granule_shift, exactly as
 *         many times as kreloc_xlat_count() says when it succeeds
 * @ctx:   passed to @alloc
 * @out:   out: tables and register values; written only on success
 *
 * Validates everything and counts the pages first, then allocates and fills
 * the tables.  On failure *@out is untouched; pages already taken stay with
 * the caller's allocator (the library never frees) and are not referenced by
 * anything the caller can see.  The tables are written with plain stores
 * through the pointers @alloc returned: if they were written with the MMU or
 * D-cache off, the caller must invalidate stale cache lines for them before
 * enabling translation (the walk is cacheable, see TCR.IRGN0/ORGN0).
 *
 * Return: 0;
 * KRELOC_E_INVAL for NULL pointers, @n out of range, @el not 1/2 or a
 * @pa_bits value the architecture does not define, or a page from @alloc not
 * aligned to the granule;
 * KRELOC_E_XLAT_GRANULE for a granule_shift other than 12/14/16;
 * KRELOC_E_XLAT_MAP for a zero-sized or unaligned region, an unknown attr or
 * an overlap the region rule does not allow;
 * KRELOC_E_OVERFLOW if base + size wraps;
 * KRELOC_E_XLAT_PA_RANGE if a region or a table page ends above 2^pa_bits;
 * KRELOC_E_XLAT_PA_52BIT if, on a CPU with 52-bit PAs, one ends above 2^48
 * (no FEAT_LPA/LPA2 descriptors here to express it);
 * KRELOC_E_NOMEM when @alloc returns NULL.
 */
int kreloc_xlat_build(const struct kreloc_xlat_config *cfg, const struct kreloc_xlat_region *r,
		      unsigned int n, kreloc_alloc_fn alloc, void *ctx, struct kreloc_xlat *out);

/* ---- software walker (lib/xlat_walk.c) ------------------------------------ */

/**
 * kreloc_xlat_walk() - translate @va the way the MMU would.
 * @x:   tables from kreloc_xlat_build()
 * @va:  input address
 * @rd:  reads table memory by physical address
 * @ctx: passed to @rd
 * @res: out: the result, filled on success and on KRELOC_E_XLAT_FAULT
 *
 * Follows TTBR/TCR as the hardware does (start level, index bits, table and
 * block descriptors, hierarchical APTable/XNTable/PXNTable controls) and
 * also checks the RES0/RES1 rules of the regime, so a table the hardware
 * would misread shows up as a fault here.
 *
 * Return: 0 when @va translates; KRELOC_E_XLAT_FAULT with @res->fault set
 * otherwise; KRELOC_E_INVAL for NULL arguments, a malformed @x or when @rd
 * returns NULL.
 */
int kreloc_xlat_walk(const struct kreloc_xlat *x, uint64_t va, kreloc_phys_read_fn rd, void *ctx,
		     struct kreloc_xlat_walk_result *res);

/* ---- registers and CPU checks (lib/xlat_regs.c) ----------------------------- */

/** kreloc_xlat_mair() - MAIR_ELx value for the index assignment above. */
uint64_t kreloc_xlat_mair(void);

/**
 * kreloc_xlat_tcr() - TCR_EL1 (@el 1) or TCR_EL2 (@el 2, E2H == 0) value.
 * @el, @granule_shift, @pa_bits: as in struct kreloc_xlat_config
 * @va_bits: KRELOC_XLAT_MIN_VA_BITS..KRELOC_XLAT_MAX_BITS
 * @tcr:     out
 *
 * EL1: T0SZ, IRGN0 = ORGN0 = write-back RW-allocate, SH0 inner, TG0, EPD1 = 1
 * (TTBR1 never walked; T1SZ/TG1 still hold valid values), IPS.  EL2: T0SZ,
 * IRGN0, ORGN0, SH0, TG0, PS and the RES1 bits 31 and 23.  IPS/PS comes
 * from @pa_bits, capped at 48 (no FEAT_LPA).
 *
 * Return: 0, KRELOC_E_XLAT_GRANULE, or KRELOC_E_INVAL for a bad @el,
 * @va_bits or @pa_bits.
 */
int kreloc_xlat_tcr(unsigned int el, unsigned int granule_shift, unsigned int va_bits,
		    unsigned int pa_bits, uint64_t *tcr);

/** kreloc_xlat_sctlr_set() - SCTLR_ELx bits to set to enable: M, C, I. */
uint64_t kreloc_xlat_sctlr_set(void);

/** kreloc_xlat_sctlr_clear() - SCTLR_ELx bits to clear when enabling: A, WXN, EE. */
uint64_t kreloc_xlat_sctlr_clear(void);

/**
 * kreloc_xlat_leaf_attrs() - attribute bits of a block/page descriptor.
 * @el:   1 or 2
 * @attr: KRELOC_XLAT_RW_DATA, _RX_CODE or _DEVICE
 *
 * AF = 1, nG = 0, SH = inner shareable, AttrIndx per the MAIR assignment, AP
 * and XN per the regime: at EL1, AP[1] = 0 (no EL0 access) and both PXN and
 * UXN for never-executable (UXN always); at EL2, AP[1] is RES1 and the single
 * XN bit is 54 (bit 53 RES0).  Type bits and the address are not included.
 *
 * Return: the bits, or 0 for an unknown @el or @attr.
 */
uint64_t kreloc_xlat_leaf_attrs(unsigned int el, unsigned int attr);

/**
 * kreloc_xlat_check_cpu() - can this CPU use @granule_shift at stage 1?
 * @mmfr0:         ID_AA64MMFR0_EL1
 * @granule_shift: 12, 14 or 16
 *
 * TGran4 (bits 31:28) and TGran64 (27:24) are signed fields: negative (0xf)
 * means absent; TGran16 (23:20) is unsigned: 0 means absent.
 *
 * Return: the PA size in bits from PARange (32, 36, 40, 42, 44, 48, 52);
 * KRELOC_E_XLAT_GRANULE if the granule is absent or @granule_shift is not
 * 12/14/16; KRELOC_E_XLAT_PA_RANGE for a reserved PARange value.
 */
int kreloc_xlat_check_cpu(uint64_t mmfr0, unsigned int granule_shift);

/**
 * kreloc_xlat_granules() - supported stage-1 granules as a bit mask.
 * Return: (1 << 12) for 4K, (1 << 14) for 16K, (1 << 16) for 64K, or-ed.
 */
uint32_t kreloc_xlat_granules(uint64_t mmfr0);

#endif /* KRELOC_XLAT_H */
