/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tdpmmu format: x86-64 4- and 5-level paging, as AMD's nested paging
 * (NPT) walks it for guest physical addresses.
 *
 * Intel SDM volume 3, section 4.5 "4-Level Paging and 5-Level Paging"
 * (tables 4-15 to 4-20), AMD APM volume 2, section 15.25 "Nested Paging".
 * The bits:
 *
 *   bit 0      P    present             bit 1  R/W  writable
 *   bit 2      U/S  user: NPT treats every guest access as a user access,
 *                   so every entry sets it
 *   bits 4:3   PWT, PCD (memory type, leaves)
 *   bit 5      A    accessed            bit 6  D    dirty (leaves)
 *   bit 7      PS   in PDPTE/PDE: a 1G or 2M page; PAT in a PTE
 *   bit 8      G    global (leaves; meaningless for NPT)
 *   bits 11:9  ignored: KVM's software "present" bit is 11
 *   bits 51:12 address (bit 12 is PAT in a huge leaf: not used here)
 *   bits 62:52 ignored (62:59 are protection keys in leaves with CR4.PKE,
 *              which NPT does not use)
 *   bit 63     XD   execute disable
 *
 * Hardware always maintains A and D.  A present entry is always readable:
 * TDPMMU_PROT_READ is implied.  PT_FROZEN is KVM's 0x5a0 (P clear).
 * PT_LOCKED is bit 62, which NPT ignores (no protection keys in nested
 * translation).  The front-end's bits are
 * PWT, PCD, G, 11:9 and 61:52.  4 or 5 levels; 2M and 1G leaves.
 */
#ifndef _TDPMMU_FMT_X86_64_H
#define _TDPMMU_FMT_X86_64_H

#include <linux/bits.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/tdpmmu.h>

extern const struct tdpmmu_format tdpmmu_x86_64_format;

#define X86_P		BIT_ULL(0)
#define X86_RW		BIT_ULL(1)
#define X86_US		BIT_ULL(2)
#define X86_PWT		BIT_ULL(3)
#define X86_PCD		BIT_ULL(4)
#define X86_A		BIT_ULL(5)
#define X86_D		BIT_ULL(6)
#define X86_PS		BIT_ULL(7)
#define X86_G		BIT_ULL(8)
#define X86_SW_LOW	GENMASK_ULL(11, 9)
#define X86_ADDR	GENMASK_ULL(51, 12)
#define X86_SW		GENMASK_ULL(61, 52)
#define X86_XD		BIT_ULL(63)

#define PT_FROZEN		0x5a0ULL
#define PT_LOCKED		BIT_ULL(62)
#define PT_ACCESSED		X86_A
#define PT_DIRTY		X86_D
#define PT_HW_BITS		(PT_ACCESSED | PT_DIRTY)
#define PT_SPLIT_BBM		0
#define PT_MIN_LEVELS		4
#define PT_MAX_LEVELS		5
#define PT_HUGE_LEVELS		GENMASK(3, 2)
#define PT_FMT_BITS_MASK	(X86_PWT | X86_PCD | X86_G | X86_SW_LOW | X86_SW)
#define PT_PROT_MASK		TDPMMU_PROT_MASK

#define PT_ADDR_MASK		X86_ADDR
#define PT_PS_BIT		X86_PS
#define PT_WRITE_BIT		X86_RW
#define PT_PROT_BITS		(X86_RW | X86_XD)
#define PT_AD_ALWAYS		1

static inline bool pt_present(tdpmmu_pte_t pte)
{
	return pte & X86_P;
}

/* A present entry is readable; NPT walks every access as a user's. */
static inline tdpmmu_pte_t pt_prot_bits(u32 prot)
{
	return X86_P | X86_US | (prot & TDPMMU_PROT_WRITE ? X86_RW : 0) |
	       (prot & TDPMMU_PROT_EXEC ? 0 : X86_XD);
}

static inline u32 pt_leaf_prot(tdpmmu_pte_t pte)
{
	return TDPMMU_PROT_READ | (pte & X86_RW ? TDPMMU_PROT_WRITE : 0) |
	       (pte & X86_XD ? 0 : TDPMMU_PROT_EXEC);
}

static inline tdpmmu_pte_t pt_mk_table(tdpmmu_pte_t *table)
{
	return virt_to_phys(table) | X86_P | X86_RW | X86_US;
}

#include "pt_fmt_ps.h"

/* The walker is coherent with the CPU caches. */
static inline void pt_sync(struct tdpmmu *t, tdpmmu_pte_t *ptep,
			   unsigned int n)
{
}

#endif /* _TDPMMU_FMT_X86_64_H */
