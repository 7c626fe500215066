/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tdpmmu mock format, for tests: 9 bits per level, 4K granule, 1 to 5
 * levels, any level above 1 may hold leaves (the instance chooses).
 *
 *   bit 0 V (present)  bit 1 R  bit 2 W  bit 3 X  bit 5 A  bit 6 D
 *   bit 7 PS (leaf above level 1)  bits 51:12 output address
 *   bits 61:52 software (fmt_bits)
 *   PT_FROZEN: bit 62 alone, V clear, so never present.
 *   PT_LOCKED: bit 63, ignored by the "hardware": a present entry that
 *   software must leave alone (a table being collapsed).
 *
 * A .c file may define, before including this header:
 *   PT_SPLIT_BBM 1: the same format with break-before-make splits;
 *   PT_MOCK_AD 1: "hardware" sets A in a leaf it uses and D in a leaf it
 *   writes (the tests' simulated walker does, with a locked cmpxchg as an
 *   x86 walker does); without it A and D are never set and the core
 *   treats the format as having no accessed/dirty bits.
 */
#ifndef _TDPMMU_FMT_MOCK_H
#define _TDPMMU_FMT_MOCK_H

#include <linux/bits.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/tdpmmu.h>

/* The core compiled for each variant (fmt_mock*.c). */
extern const struct tdpmmu_format tdpmmu_mock_format;
extern const struct tdpmmu_format tdpmmu_mock_bbm_format;
extern const struct tdpmmu_format tdpmmu_mock_ad_format;

#define MOCK_V		BIT_ULL(0)
#define MOCK_R		BIT_ULL(1)
#define MOCK_W		BIT_ULL(2)
#define MOCK_X		BIT_ULL(3)
#define MOCK_A		BIT_ULL(5)
#define MOCK_D		BIT_ULL(6)
#define MOCK_PS		BIT_ULL(7)
#define MOCK_ADDR	GENMASK_ULL(51, 12)
#define MOCK_SW		GENMASK_ULL(61, 52)

#define PT_FROZEN		BIT_ULL(62)
#define PT_LOCKED		BIT_ULL(63)
#ifndef PT_MOCK_AD
#define PT_MOCK_AD		0
#endif
#if PT_MOCK_AD
#define PT_ACCESSED		MOCK_A
#define PT_DIRTY		MOCK_D
#else
#define PT_ACCESSED		0ULL
#define PT_DIRTY		0ULL
#endif
#define PT_HW_BITS		(PT_ACCESSED | PT_DIRTY)
#ifndef PT_SPLIT_BBM
#define PT_SPLIT_BBM		0
#endif
#define PT_MIN_LEVELS		1
#define PT_MAX_LEVELS		5
#define PT_HUGE_LEVELS		GENMASK(5, 2)
/* A front-end may install a leaf already accessed or dirty (KVM does). */
#define PT_FMT_BITS_MASK	(MOCK_SW | PT_HW_BITS)
#define PT_PROT_MASK		TDPMMU_PROT_MASK

#define PT_ADDR_MASK		MOCK_ADDR
#define PT_PS_BIT		MOCK_PS
#define PT_WRITE_BIT		MOCK_W
#define PT_PROT_BITS		(MOCK_R | MOCK_W | MOCK_X)
#define PT_AD_ALWAYS		1

static inline bool pt_present(tdpmmu_pte_t pte)
{
	return pte & MOCK_V;
}

static inline tdpmmu_pte_t pt_prot_bits(u32 prot)
{
	return MOCK_V | (prot & TDPMMU_PROT_READ ? MOCK_R : 0) |
	       (prot & TDPMMU_PROT_WRITE ? MOCK_W : 0) |
	       (prot & TDPMMU_PROT_EXEC ? MOCK_X : 0);
}

static inline u32 pt_leaf_prot(tdpmmu_pte_t pte)
{
	return (pte & MOCK_R ? TDPMMU_PROT_READ : 0) |
	       (pte & MOCK_W ? TDPMMU_PROT_WRITE : 0) |
	       (pte & MOCK_X ? TDPMMU_PROT_EXEC : 0);
}

static inline tdpmmu_pte_t pt_mk_table(tdpmmu_pte_t *table)
{
	return virt_to_phys(table) | MOCK_V | MOCK_R | MOCK_W | MOCK_X;
}

#include "pt_fmt_ps.h"

/* The mock "hardware" walks coherently: nothing to write back. */
static inline void pt_sync(struct tdpmmu *t, tdpmmu_pte_t *ptep,
			   unsigned int n)
{
}

#endif /* _TDPMMU_FMT_MOCK_H */
