/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tdpmmu format: Intel EPT (extended page tables).
 *
 * Intel SDM volume 3, section 29.3.2 "EPT Translation Mechanism" and its
 * tables of EPT paging-structure entry formats.  The bits:
 *
 *   bit 0      R    read
 *   bit 1      W    write
 *   bit 2      X    execute (supervisor-mode execute with MBEC)
 *   bits 5:3   memory type (leaves)      bit 6  IPAT (leaves)
 *   bit 7      PS   in PDPTE/PDE: the entry maps a 1G or 2M page;
 *                   ignored in a PTE
 *   bit 8      A    accessed, when EPTP enables accessed/dirty flags
 *   bit 9      D    dirty (leaves), likewise
 *   bit 10     user-mode execute (with MBEC)
 *   bit 11     ignored: KVM's software "present" bit
 *   bits 51:12 address
 *   bits 62:52 ignored: KVM's software bits (host-writable,
 *              MMU-writable, access tracking, MMIO generation)
 *   bit 63     suppress #VE (ignored unless the EPT-violation #VE is on)
 *
 * An entry whose R, W and X are clear is not present.  PT_FROZEN is KVM's
 * frozen value (bits 5, 7, 8 and 10 with suppress-#VE): not present, not
 * an MMIO encoding, nothing reserved.  PT_LOCKED is bit 62, ignored in
 * every entry and never set by KVM in a table entry.  The front-end's bits
 * (fmt_bits) are the memory type, IPAT, bits 10 and 11, 61:52 and 63.
 * 4 or 5 levels (48 or 57-bit guest physical addresses); 2M and 1G leaves.
 */
#ifndef _TDPMMU_FMT_EPT_H
#define _TDPMMU_FMT_EPT_H

#include <linux/bits.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/tdpmmu.h>

extern const struct tdpmmu_format tdpmmu_ept_format;

#define EPT_R		BIT_ULL(0)
#define EPT_W		BIT_ULL(1)
#define EPT_X		BIT_ULL(2)
#define EPT_MT		GENMASK_ULL(5, 3)
#define EPT_IPAT	BIT_ULL(6)
#define EPT_PS		BIT_ULL(7)
#define EPT_A		BIT_ULL(8)
#define EPT_D		BIT_ULL(9)
#define EPT_UX		BIT_ULL(10)
#define EPT_SW_PRESENT	BIT_ULL(11)
#define EPT_ADDR	GENMASK_ULL(51, 12)
#define EPT_SW		GENMASK_ULL(61, 52)
#define EPT_SVE		BIT_ULL(63)

#define PT_FROZEN		(EPT_SVE | 0x5a0ULL)
#define PT_LOCKED		BIT_ULL(62)
#define PT_ACCESSED		EPT_A
#define PT_DIRTY		EPT_D
#define PT_HW_BITS		(PT_ACCESSED | PT_DIRTY)
#define PT_SPLIT_BBM		0
#define PT_MIN_LEVELS		4
#define PT_MAX_LEVELS		5
#define PT_HUGE_LEVELS		GENMASK(3, 2)
#define PT_FMT_BITS_MASK	(EPT_MT | EPT_IPAT | EPT_UX | EPT_SW_PRESENT | \
				 EPT_SW | EPT_SVE)
#define PT_PROT_MASK		TDPMMU_PROT_MASK

#define PT_ADDR_MASK		EPT_ADDR
#define PT_PS_BIT		EPT_PS
#define PT_WRITE_BIT		EPT_W
#define PT_PROT_BITS		(EPT_R | EPT_W | EPT_X)
/* A and D only when the EPTP enables them, which the front-end says. */
#define PT_AD_ALWAYS		0

static inline bool pt_present(tdpmmu_pte_t pte)
{
	return pte & (EPT_R | EPT_W | EPT_X);
}

/* Writable but not readable is an EPT misconfiguration: W implies R. */
static inline tdpmmu_pte_t pt_prot_bits(u32 prot)
{
	return (prot & (TDPMMU_PROT_READ | TDPMMU_PROT_WRITE) ? EPT_R : 0) |
	       (prot & TDPMMU_PROT_WRITE ? EPT_W : 0) |
	       (prot & TDPMMU_PROT_EXEC ? EPT_X : 0);
}

static inline u32 pt_leaf_prot(tdpmmu_pte_t pte)
{
	return (pte & EPT_R ? TDPMMU_PROT_READ : 0) |
	       (pte & EPT_W ? TDPMMU_PROT_WRITE : 0) |
	       (pte & EPT_X ? TDPMMU_PROT_EXEC : 0);
}

/* Table entries allow everything; A/D are set by hardware, if enabled. */
static inline tdpmmu_pte_t pt_mk_table(tdpmmu_pte_t *table)
{
	return virt_to_phys(table) | EPT_R | EPT_W | EPT_X | EPT_UX |
	       EPT_SW_PRESENT;
}

#include "pt_fmt_ps.h"

/* EPT walks are coherent with the CPU caches. */
static inline void pt_sync(struct tdpmmu *t, tdpmmu_pte_t *ptep,
			   unsigned int n)
{
}

#endif /* _TDPMMU_FMT_EPT_H */
