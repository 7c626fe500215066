/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tdpmmu argument checks shared by the files of exported operations.
 */
#ifndef _TDPMMU_API_H
#define _TDPMMU_API_H

#include <linux/lockdep.h>
#include <linux/tdpmmu.h>

/* A non-empty, granule-aligned range inside the instance's VA width. */
static inline bool tdpmmu_range_ok(struct tdpmmu *t, u64 addr, u64 size)
{
	u64 granule = tdpmmu_level_size(1);

	if (!size || (addr | size) & (granule - 1))
		return false;
	if (addr + size < addr)
		return false;
	return (addr + size - 1) >> t->va_bits == 0;
}

/* Assert the lock mode @flags claims; reject flags @op does not take. */
static inline bool tdpmmu_flags_ok(struct tdpmmu *t, unsigned int flags,
				   unsigned int allowed)
{
	if (flags & TDPMMU_EXCLUSIVE)
		lockdep_assert_held_write(t->lock);
	else
		lockdep_assert_held_read(t->lock);
	return !(flags & ~allowed);
}

/* Only TDPMMU_PROT_* bits, and at least one the format can express. */
static inline bool tdpmmu_prot_ok(struct tdpmmu *t, u32 prot)
{
	return prot & t->fmt->prot_mask && !(prot & ~TDPMMU_PROT_MASK);
}

/* A leaf at a level the instance allows, aligned, with valid bits. */
static inline bool tdpmmu_leaf_ok(struct tdpmmu *t,
				  const struct tdpmmu_leaf *leaf)
{
	u64 size;

	if (leaf->level < 1 || leaf->level > t->levels ||
	    !(t->leaf_levels & BIT(leaf->level)))
		return false;
	size = tdpmmu_level_size(leaf->level);
	if (!tdpmmu_range_ok(t, leaf->addr, size) ||
	    (leaf->addr | leaf->oa) & (size - 1))
		return false;
	return tdpmmu_prot_ok(t, leaf->prot) &&
	       !(leaf->fmt_bits & ~t->fmt->fmt_bits_mask);
}

#endif /* _TDPMMU_API_H */
