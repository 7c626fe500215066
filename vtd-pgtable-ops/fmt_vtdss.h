/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tdpmmu format: Intel VT-d second-stage page tables.
 *
 * Intel Virtualization Technology for Directed I/O Architecture
 * Specification, section 3.7 "Second-Stage Translation" and section 9.8
 * "Second-Stage Paging Entries" (SS-PML5E, SS-PML4E, SS-PDPE, SS-PDE,
 * SS-PTE).  The bits, as the spec lays them out for every level:
 *
 *   bit 0      R    read permission
 *   bit 1      W    write permission
 *   bit 2      X    execute (only with SLEE; not used: no DMA executes)
 *   bit 7      PS   in SS-PDPE and SS-PDE: the entry maps a 1G or 2M page
 *   bit 8      A    accessed, set by hardware when SSADS is enabled
 *   bit 9      D    dirty (leaves), set by hardware when SSADS is enabled
 *   bit 10     ignored
 *   bit 11     SNP  snoop (leaves): force snooped accesses
 *   bits 51:12 address of the next table or of the page
 *   bits 61:52 ignored
 *   bit 63     ignored
 *
 * An entry with R and W both clear is not present (section 3.7): there is
 * no present bit, and hardware ignores every other bit of such an entry,
 * so PT_FROZEN is an ignored bit alone.  Table entries carry R|W, so that
 * the leaves decide the permissions.  PT_LOCKED is bit 63, ignored at every
 * level, so a locked entry still translates.  The front-end's bits
 * (fmt_bits) are SNP and bits 61:53; bit 52 is the sentinel.
 *
 * 3, 4 or 5 levels for 39, 48 or 57-bit input addresses (the AGAW); 2M and
 * 1G leaves only where the IOMMU reports them (SLLPS), which the front-end
 * passes as the instance's huge levels.  When the IOMMU's page walks are
 * not coherent (ECAP.C clear) every published entry is written back from
 * the CPU caches with clflush.
 */
#ifndef _TDPMMU_FMT_VTDSS_H
#define _TDPMMU_FMT_VTDSS_H

#include <linux/bits.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/tdpmmu.h>
#ifdef CONFIG_X86
#include <linux/cacheflush.h>
#endif

extern const struct tdpmmu_format tdpmmu_vtdss_format;

#define VTDSS_R		BIT_ULL(0)
#define VTDSS_W		BIT_ULL(1)
#define VTDSS_PS	BIT_ULL(7)
#define VTDSS_A		BIT_ULL(8)
#define VTDSS_D		BIT_ULL(9)
#define VTDSS_SNP	BIT_ULL(11)
#define VTDSS_ADDR	GENMASK_ULL(51, 12)
#define VTDSS_SW	GENMASK_ULL(61, 53)

#define PT_FROZEN		BIT_ULL(52)
#define PT_LOCKED		BIT_ULL(63)
#define PT_ACCESSED		VTDSS_A
#define PT_DIRTY		VTDSS_D
#define PT_HW_BITS		(PT_ACCESSED | PT_DIRTY)
#define PT_SPLIT_BBM		0
#define PT_MIN_LEVELS		3
#define PT_MAX_LEVELS		5
#define PT_HUGE_LEVELS		GENMASK(3, 2)
#define PT_FMT_BITS_MASK	(VTDSS_SNP | VTDSS_SW)
#define PT_PROT_MASK		(TDPMMU_PROT_READ | TDPMMU_PROT_WRITE)

#define PT_ADDR_MASK		VTDSS_ADDR
#define PT_PS_BIT		VTDSS_PS
#define PT_WRITE_BIT		VTDSS_W
#define PT_PROT_BITS		(VTDSS_R | VTDSS_W)
/* A and D only with SSADS, which the front-end turns on and off. */
#define PT_AD_ALWAYS		0

static inline bool pt_present(tdpmmu_pte_t pte)
{
	return pte & (VTDSS_R | VTDSS_W);
}

static inline tdpmmu_pte_t pt_prot_bits(u32 prot)
{
	return (prot & TDPMMU_PROT_READ ? VTDSS_R : 0) |
	       (prot & TDPMMU_PROT_WRITE ? VTDSS_W : 0);
}

static inline u32 pt_leaf_prot(tdpmmu_pte_t pte)
{
	return (pte & VTDSS_R ? TDPMMU_PROT_READ : 0) |
	       (pte & VTDSS_W ? TDPMMU_PROT_WRITE : 0);
}

/* Table entries carry R|W: the leaves decide the permissions. */
static inline tdpmmu_pte_t pt_mk_table(tdpmmu_pte_t *table)
{
	return virt_to_phys(table) | VTDSS_R | VTDSS_W;
}

#include "pt_fmt_ps.h"

/* Without ECAP.C (page-walk coherency), write entries back for hardware. */
static inline void pt_sync(struct tdpmmu *t, tdpmmu_pte_t *ptep,
			   unsigned int n)
{
#ifdef CONFIG_X86
	if (t->noncoherent)
		clflush_cache_range(ptep, n * sizeof(*ptep));
#endif
}

#endif /* _TDPMMU_FMT_VTDSS_H */
