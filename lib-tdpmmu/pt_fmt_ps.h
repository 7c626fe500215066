/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Entry helpers shared by the formats whose entries are x86-like: 8 bytes,
 * the output address in bits 51:12 (PT_ADDR_MASK), a huge leaf marked by
 * a page-size bit above level 1 (PT_PS_BIT), permissions in bits of their
 * own.  A format header defines, then includes this file:
 *
 *   PT_ADDR_MASK, PT_PS_BIT, PT_WRITE_BIT (the bit hardware needs to
 *   write through a leaf, and so set its dirty bit), PT_PROT_BITS (every
 *   bit pt_prot_bits() may set), PT_ACCESSED, PT_DIRTY, PT_HW_BITS,
 *   PT_AD_ALWAYS (1 if hardware always sets A/D, 0 if only while the
 *   instance says so: tdpmmu_set_hw_ad()), PT_FMT_BITS_MASK;
 *   pt_present(pte), pt_prot_bits(prot) (the bits of a leaf with @prot,
 *   present bit included), pt_leaf_prot(pte).
 */
#ifndef _TDPMMU_PT_FMT_PS_H
#define _TDPMMU_PT_FMT_PS_H

#include <linux/io.h>
#include <linux/tdpmmu.h>

static inline bool pt_is_leaf(tdpmmu_pte_t pte, unsigned int level)
{
	return pt_present(pte) && (level == 1 || (pte & PT_PS_BIT));
}

static inline bool pt_is_table(tdpmmu_pte_t pte, unsigned int level)
{
	return pt_present(pte) && level > 1 && !(pte & PT_PS_BIT);
}

static inline tdpmmu_pte_t *pt_table(tdpmmu_pte_t pte)
{
	return phys_to_virt(pte & PT_ADDR_MASK);
}

static inline tdpmmu_pte_t pt_mk_leaf(const struct tdpmmu_leaf *leaf)
{
	tdpmmu_pte_t pte = (leaf->oa & PT_ADDR_MASK) | leaf->fmt_bits |
			   pt_prot_bits(leaf->prot);

	return leaf->level > 1 ? pte | PT_PS_BIT : pte;
}

static inline u64 pt_leaf_oa(tdpmmu_pte_t pte)
{
	return pte & PT_ADDR_MASK;
}

/* Front-end bits; a front-end may pass A/D in, it reads none back. */
static inline u64 pt_leaf_fmt_bits(tdpmmu_pte_t pte)
{
	return pte & PT_FMT_BITS_MASK & ~PT_HW_BITS;
}

static inline tdpmmu_pte_t pt_leaf_set_prot(tdpmmu_pte_t pte, u32 prot)
{
	return (pte & ~PT_PROT_BITS) | pt_prot_bits(prot);
}

/* The leaf after @pte in its table: the next @level-sized output range. */
static inline tdpmmu_pte_t pt_leaf_next(tdpmmu_pte_t pte, unsigned int level)
{
	return pte + tdpmmu_level_size(level);
}

static inline bool pt_leaf_writable(tdpmmu_pte_t pte)
{
	return pte & PT_WRITE_BIT;
}

/* Whether hardware may set accessed or dirty bits in @t's leaves now. */
static inline bool pt_hw_sets_ad(const struct tdpmmu *t)
{
	return PT_HW_BITS && (PT_AD_ALWAYS || READ_ONCE(t->hw_ad));
}

/*
 * Whether hardware may still change @pte (set an accessed or dirty bit),
 * so that clearing it must be atomic to keep what it set: a present entry
 * not yet accessed, or writable and not yet dirty.
 */
static inline bool pt_volatile(const struct tdpmmu *t, tdpmmu_pte_t pte)
{
	return pt_hw_sets_ad(t) && pt_present(pte) &&
	       (!(pte & PT_ACCESSED) ||
		(pt_leaf_writable(pte) && !(pte & PT_DIRTY)));
}

/*
 * Entry @i of the level-(@level - 1) table that replaces huge leaf @pte:
 * at 4K the page-size bit means something else (PAT) or nothing, so it
 * is dropped there.
 */
static inline tdpmmu_pte_t pt_split_child(tdpmmu_pte_t pte, unsigned int level,
					  unsigned int i)
{
	pte += (u64)i << tdpmmu_level_shift(level - 1);
	return level - 1 == 1 ? pte & ~PT_PS_BIT : pte;
}

/* The level-@level huge leaf whose first child would be @child. */
static inline tdpmmu_pte_t pt_merge_leaf(tdpmmu_pte_t child, unsigned int level)
{
	return child | PT_PS_BIT;
}

/*
 * Walk down from @table, the root of @levels levels, to the entry that
 * translates @addr: a leaf, or the first entry that is not a table.
 * Lockless, as a hardware walker does: the caller holds rcu_read_lock().
 * *@level gets the entry's level.
 */
static inline tdpmmu_pte_t *pt_walk(tdpmmu_pte_t *table, unsigned int levels,
				    u64 addr, unsigned int *level)
{
	tdpmmu_pte_t *ptep, pte;

	for (*level = levels; ; (*level)--) {
		ptep = table + ((addr >> tdpmmu_level_shift(*level)) &
				(TDPMMU_PTES_PER_TABLE - 1));
		pte = READ_ONCE(*ptep);
		if (!pt_is_table(pte, *level))
			return ptep;
		table = pt_table(pte);
	}
}

#endif /* _TDPMMU_PT_FMT_PS_H */
