/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM's SPTE policy on lib/tdpmmu's format-neutral leaves.
 *
 * KVM builds every leaf SPTE itself (make_spte(): memory type, host- and
 * MMU-writable bits, the "shadow present" bit, A/D mode); the library
 * encodes leaves from a struct tdpmmu_leaf.  These helpers translate one
 * into the other for the EPT and the x86-64 (NPT) formats, so that the
 * entry the library writes is bit for bit the SPTE KVM asked for, less the
 * accessed and dirty bits, which the hardware sets on first use.
 */
#ifndef __KVM_X86_MMU_TDP_SPTE_H
#define __KVM_X86_MMU_TDP_SPTE_H

#include <linux/tdpmmu.h>
#include <asm/vmx.h>

#include "mmu.h"
#include "spte.h"

extern const struct tdpmmu_format tdpmmu_ept_format;
extern const struct tdpmmu_format tdpmmu_x86_64_format;

/**
 * struct kvm_tdpmmu_spte_fmt - how KVM's SPTEs of one format map to leaves
 * @fmt: the library format (EPT or x86-64)
 * @read_mask: bit that makes a leaf readable (EPT R; NPT P: always)
 * @write_mask: bit that makes a leaf writable
 * @x_mask: bit that makes a leaf executable (EPT X), or 0
 * @nx_mask: bit that makes a leaf not executable (NPT XD), or 0
 * @hw_mask: accessed and dirty bits, which hardware sets
 * @present_mask: KVM's "shadow present" software bit
 * @ps_mask: page-size bit of a huge leaf or of a table entry
 */
struct kvm_tdpmmu_spte_fmt {
	const struct tdpmmu_format *fmt;
	u64 read_mask;
	u64 write_mask;
	u64 x_mask;
	u64 nx_mask;
	u64 hw_mask;
	u64 present_mask;
	u64 ps_mask;
};

/**
 * kvm_tdpmmu_spte_fmt_init() - the masks of KVM's EPT or NPT SPTEs
 * @sf: out
 * @ept: EPT (else x86-64 page tables, as NPT uses them)
 * @hw_mask: the accessed and dirty bits KVM uses (0 without A/D bits)
 */
static inline void kvm_tdpmmu_spte_fmt_init(struct kvm_tdpmmu_spte_fmt *sf,
					    bool ept, u64 hw_mask)
{
	sf->fmt = ept ? &tdpmmu_ept_format : &tdpmmu_x86_64_format;
	sf->read_mask = ept ? VMX_EPT_READABLE_MASK : PT_PRESENT_MASK;
	sf->write_mask = PT_WRITABLE_MASK;
	sf->x_mask = ept ? VMX_EPT_EXECUTABLE_MASK : 0;
	sf->nx_mask = ept ? 0 : PT64_NX_MASK;
	sf->hw_mask = hw_mask;
	sf->present_mask = SPTE_MMU_PRESENT_MASK;
	sf->ps_mask = PT_PAGE_SIZE_MASK;
}

/**
 * kvm_tdpmmu_spte_to_leaf() - the leaf the library installs for a SPTE
 * @sf: the format's masks
 * @spte: a present leaf SPTE from make_spte()
 * @gpa: guest physical address the SPTE maps, aligned to @level
 * @level: 1 (4K), 2 (2M) or 3 (1G)
 * @leaf: out
 */
static inline void kvm_tdpmmu_spte_to_leaf(const struct kvm_tdpmmu_spte_fmt *sf,
					   u64 spte, u64 gpa, int level,
					   struct tdpmmu_leaf *leaf)
{
	u32 prot = 0;

	if (spte & sf->read_mask)
		prot |= TDPMMU_PROT_READ;
	if (spte & sf->write_mask)
		prot |= TDPMMU_PROT_WRITE;
	if (sf->x_mask ? spte & sf->x_mask : !(spte & sf->nx_mask))
		prot |= TDPMMU_PROT_EXEC;
	leaf->addr = gpa;
	leaf->oa = spte & GENMASK_ULL(51, 12);
	leaf->level = level;
	leaf->prot = prot;
	leaf->fmt_bits = spte & sf->fmt->fmt_bits_mask & ~sf->hw_mask;
}

/**
 * kvm_tdpmmu_entry_to_spte() - an entry of the library's table as KVM sees it
 * @sf: the format's masks
 * @pte: the entry, read from a table
 * @level: its level
 *
 * Leaves carry KVM's software bits already; a table entry gets the
 * "shadow present" bit KVM's own table entries have, so that code outside
 * the adapter (fast_page_fault(), disallowed_hugepage_adjust(), the MMIO
 * walk) reads it as a present non-leaf SPTE.
 *
 * Return: the SPTE value.
 */
static inline u64 kvm_tdpmmu_entry_to_spte(const struct kvm_tdpmmu_spte_fmt *sf,
					   u64 pte, int level)
{
	bool hw_present = pte & (sf->read_mask | sf->write_mask | sf->x_mask);

	if (level > 1 && hw_present && !(pte & sf->ps_mask))
		pte |= sf->present_mask;
	return pte;
}

#endif /* __KVM_X86_MMU_TDP_SPTE_H */
