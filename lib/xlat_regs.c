// SPDX-License-Identifier: MIT
/*
 * xlat_regs.c - every register value and attribute encoding the transitional
 * tables depend on, in one place: MAIR, TCR_EL1/TCR_EL2, SCTLR masks, leaf
 * descriptor attributes per regime, and the ID_AA64MMFR0_EL1 checks.
 */
#include <kreloc/error.h>
#include <kreloc/xlat.h>

/* TCR fields shared by TCR_EL1 (TTBR0 half) and TCR_EL2 with E2H == 0. */
#define TCR_T0SZ_SHIFT		0
#define TCR_IRGN0_WBWA		(1ULL << 8)
#define TCR_ORGN0_WBWA		(1ULL << 10)
#define TCR_SH0_INNER		(3ULL << 12)
#define TCR_TG0_SHIFT		14
#define TCR_TG0_4K		0ULL
#define TCR_TG0_64K		1ULL
#define TCR_TG0_16K		2ULL
/* TCR_EL1 only */
#define TCR_EL1_T1SZ_SHIFT	16
#define TCR_EL1_EPD1		(1ULL << 23)
#define TCR_EL1_TG1_SHIFT	30
#define TCR_EL1_TG1_16K		1ULL
#define TCR_EL1_TG1_4K		2ULL
#define TCR_EL1_TG1_64K		3ULL
#define TCR_EL1_IPS_SHIFT	32
/* TCR_EL2 (E2H == 0) only */
#define TCR_EL2_PS_SHIFT	16
#define TCR_EL2_RES1		((1ULL << 31) | (1ULL << 23))

/* ID_AA64MMFR0_EL1 fields */
#define MMFR0_PARANGE(v)	((unsigned int)((v) & 0xf))
#define MMFR0_TGRAN16(v)	((unsigned int)(((v) >> 20) & 0xf))
#define MMFR0_TGRAN64(v)	((unsigned int)(((v) >> 24) & 0xf))
#define MMFR0_TGRAN4(v)		((unsigned int)(((v) >> 28) & 0xf))

uint64_t kreloc_xlat_mair(void)
{
	return (uint64_t)KRELOC_XLAT_MAIR_NORMAL_WB << (8 * KRELOC_XLAT_MAIR_IDX_NORMAL) |
	       (uint64_t)KRELOC_XLAT_MAIR_DEVICE_nGnRE << (8 * KRELOC_XLAT_MAIR_IDX_DEVICE);
}

/* PARange/IPS/PS encoding of a PA size; -1 if the architecture has none. */
static int pa_bits_encoding(unsigned int pa_bits)
{
	switch (pa_bits) {
	case 32: return 0;
	case 36: return 1;
	case 40: return 2;
	case 42: return 3;
	case 44: return 4;
	case 48: return 5;
	case 52: return 6;
	}
	return -1;
}

int kreloc_xlat_tcr(unsigned int el, unsigned int granule_shift, unsigned int va_bits,
		    unsigned int pa_bits, uint64_t *tcr)
{
	uint64_t tg0, tg1, v;
	int ps = pa_bits_encoding(pa_bits);

	switch (granule_shift) {
	case 12: tg0 = TCR_TG0_4K;  tg1 = TCR_EL1_TG1_4K;  break;
	case 14: tg0 = TCR_TG0_16K; tg1 = TCR_EL1_TG1_16K; break;
	case 16: tg0 = TCR_TG0_64K; tg1 = TCR_EL1_TG1_64K; break;
	default: return KRELOC_E_XLAT_GRANULE;
	}
	if (!tcr || (el != 1 && el != 2) || ps < 0 ||
	    va_bits < KRELOC_XLAT_MIN_VA_BITS || va_bits > KRELOC_XLAT_MAX_BITS)
		return KRELOC_E_INVAL;
	if (ps > 5)	/* 52-bit PA needs FEAT_LPA descriptors: use 48 */
		ps = 5;

	v = (uint64_t)(64 - va_bits) << TCR_T0SZ_SHIFT | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA |
	    TCR_SH0_INNER | tg0 << TCR_TG0_SHIFT;
	if (el == 1)
		v |= (uint64_t)(64 - va_bits) << TCR_EL1_T1SZ_SHIFT | TCR_EL1_EPD1 |
		     tg1 << TCR_EL1_TG1_SHIFT | (uint64_t)ps << TCR_EL1_IPS_SHIFT;
	else
		v |= TCR_EL2_RES1 | (uint64_t)ps << TCR_EL2_PS_SHIFT;
	*tcr = v;
	return 0;
}

uint64_t kreloc_xlat_sctlr_set(void)
{
	return KRELOC_XLAT_SCTLR_M | KRELOC_XLAT_SCTLR_C | KRELOC_XLAT_SCTLR_I;
}

uint64_t kreloc_xlat_sctlr_clear(void)
{
	return KRELOC_XLAT_SCTLR_A | KRELOC_XLAT_SCTLR_WXN | KRELOC_XLAT_SCTLR_EE;
}

uint64_t kreloc_xlat_leaf_attrs(unsigned int el, unsigned int attr)
{
	uint64_t idx, v;
	bool ro, exec;

	switch (attr) {
	case KRELOC_XLAT_RW_DATA:
		idx = KRELOC_XLAT_MAIR_IDX_NORMAL; ro = false; exec = false;
		break;
	case KRELOC_XLAT_RX_CODE:
		idx = KRELOC_XLAT_MAIR_IDX_NORMAL; ro = true; exec = true;
		break;
	case KRELOC_XLAT_DEVICE:
		idx = KRELOC_XLAT_MAIR_IDX_DEVICE; ro = false; exec = false;
		break;
	default:
		return 0;
	}
	/* SH is ignored for Device memory; inner shareable is harmless there. */
	v = idx << KRELOC_XLAT_PTE_ATTRIDX_SHIFT | KRELOC_XLAT_PTE_SH_INNER | KRELOC_XLAT_PTE_AF;
	if (ro)
		v |= KRELOC_XLAT_PTE_AP2_RO;
	if (el == 1) {
		/* AP[1] = 0: no EL0 access.  EL0 never executes here either. */
		v |= KRELOC_XLAT_PTE_UXN_XN;
		if (!exec)
			v |= KRELOC_XLAT_PTE_PXN;
	} else if (el == 2) {
		/* One privilege level: AP[1] RES1, XN at 54, bit 53 RES0. */
		v |= KRELOC_XLAT_PTE_AP1;
		if (!exec)
			v |= KRELOC_XLAT_PTE_UXN_XN;
	} else {
		return 0;
	}
	return v;
}

static bool granule_present(uint64_t mmfr0, unsigned int granule_shift)
{
	switch (granule_shift) {
	case 12: return MMFR0_TGRAN4(mmfr0) < 8;	/* signed: 0xf = absent */
	case 14: return MMFR0_TGRAN16(mmfr0) != 0;	/* unsigned: 0 = absent */
	case 16: return MMFR0_TGRAN64(mmfr0) < 8;	/* signed: 0xf = absent */
	}
	return false;
}

int kreloc_xlat_check_cpu(uint64_t mmfr0, unsigned int granule_shift)
{
	static const unsigned char parange_bits[] = { 32, 36, 40, 42, 44, 48, 52 };
	unsigned int pr = MMFR0_PARANGE(mmfr0);

	if (!granule_present(mmfr0, granule_shift))
		return KRELOC_E_XLAT_GRANULE;
	if (pr >= KRELOC_ARRAY_SIZE(parange_bits))
		return KRELOC_E_XLAT_PA_RANGE;
	return parange_bits[pr];
}

uint32_t kreloc_xlat_granules(uint64_t mmfr0)
{
	uint32_t m = 0;

	for (unsigned int s = 12; s <= 16; s += 2)
		if (granule_present(mmfr0, s))
			m |= 1u << s;
	return m;
}
