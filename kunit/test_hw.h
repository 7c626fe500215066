/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What hardware does with a table, for the tests: include after a
 * format's header, like pt_entry.h.  The KUnit suites, the userspace
 * fuzzer and bench, and intel-iommu's tests walk and set A/D through it.
 */
#ifndef _TDPMMU_TEST_HW_H
#define _TDPMMU_TEST_HW_H

#include <linux/math.h>
#include <linux/rcupdate.h>
#include <linux/tdpmmu.h>

#include "pt_entry.h"

/**
 * pt_hw_access() - one access as an IOMMU or a CPU makes it
 * @table: the root table
 * @levels: its levels
 * @addr: the input address
 * @write: a write, refused on a leaf that is not writable
 * @bits: what hardware sets in the leaf on this access (A, and D for a
 *	write, where the format has them and hardware updates them); 0: none
 * @leaf: out: the leaf's level, first input address and output address
 * @old: out, or NULL: the leaf as it was before @bits were set
 *
 * Walks locklessly under RCU, as hardware does, and sets @bits with a
 * locked cmpxchg; an entry that changes meanwhile is walked to again.
 *
 * Return: 0; -ENOENT where no leaf translates @addr; -EACCES for a write
 * to a leaf that is not writable.
 */
static inline int pt_hw_access(tdpmmu_pte_t *table, unsigned int levels,
			       u64 addr, bool write, tdpmmu_pte_t bits,
			       struct tdpmmu_leaf *leaf, tdpmmu_pte_t *old)
{
	tdpmmu_pte_t *ptep, pte;
	unsigned int level;
	int ret;

	rcu_read_lock();
again:
	ptep = pt_walk(table, levels, addr, &level);
	pte = READ_ONCE(*ptep);
	ret = -ENOENT;
	if (!pt_is_leaf(pte, level))
		goto out;
	ret = -EACCES;
	if (write && !pt_leaf_writable(pte))
		goto out;
	leaf->level = level;
	leaf->addr = round_down(addr, tdpmmu_level_size(level));
	leaf->oa = pt_leaf_oa(pte);
	if (old)
		*old = pte;
	ret = 0;
	if ((pte & bits) != bits && !try_cmpxchg64(ptep, &pte, pte | bits))
		goto again;
out:
	rcu_read_unlock();
	return ret;
}

#endif
