// SPDX-License-Identifier: GPL-2.0-only
/*
 * tdpmmu dirty and access tracking: argument checks and the one indirect
 * call per operation into the core compiled for the instance's format
 * (pt_track.h).
 */
#include <linux/tdpmmu.h>
#include <linux/errno.h>
#include <linux/export.h>

#include "api.h"

/**
 * tdpmmu_read_clear_dirty() - report and clear the dirty leaves of a range
 * @t: the instance; its lock held for read, or for write with
 *	TDPMMU_EXCLUSIVE
 * @root: the root
 * @addr: first input address
 * @size: bytes
 * @flags: TDPMMU_YIELD, TDPMMU_EXCLUSIVE; TDPMMU_DIRTY_NO_CLEAR to leave
 *	the dirty bits set (IOMMU_DIRTY_NO_CLEAR); TDPMMU_DIRTY_SPLIT to
 *	split every huge leaf of the range down to 4K first, so that from
 *	the next call on dirtiness is reported per 4K page
 * @bitmap: bit i stands for the 4K page at @addr + i * 4K; the bits of
 *	dirty pages are set, no bit is cleared (the caller zeroes it); NULL
 *	to only clear the dirty bits
 * @cache: pages for TDPMMU_DIRTY_SPLIT, or NULL
 * @done: out: bytes from @addr on that were gone through
 * @g: gather; gets every leaf whose dirty bit was cleared, which must be
 *	flushed before the result is used, so that the next write through a
 *	cached translation sets the bit again
 *
 * A huge leaf is reported at its size: all its 4K pages.  A huge leaf that
 * lies only partly in the range is reported for the part inside and keeps
 * its dirty bit, since the writes to the part outside were not asked for.
 * The bits are cleared with cmpxchg, so a bit hardware sets meanwhile is
 * kept for the next call: every write is reported once.
 *
 * Return: 0; -EOPNOTSUPP if the format has no dirty bit; -EINVAL for bad
 * arguments; -EBUSY, -ENOMEM as for tdpmmu_split() with
 * TDPMMU_DIRTY_SPLIT; -EAGAIN at a frozen entry.
 */
int tdpmmu_read_clear_dirty(struct tdpmmu *t, struct tdpmmu_root *root,
			    u64 addr, u64 size, unsigned int flags,
			    unsigned long *bitmap, struct tdpmmu_cache *cache,
			    u64 *done, struct tdpmmu_gather *g)
{
	*done = 0;
	if (!tdpmmu_flags_ok(t, flags, TDPMMU_YIELD | TDPMMU_EXCLUSIVE |
				       TDPMMU_DIRTY_NO_CLEAR |
				       TDPMMU_DIRTY_SPLIT) ||
	    !tdpmmu_range_ok(t, addr, size) || !bitmap ||
	    (flags & TDPMMU_DIRTY_SPLIT && !(t->leaf_levels & BIT(1))))
		return -EINVAL;
	return t->fmt->read_clear_dirty(t, root, addr, size, flags, bitmap,
					cache, done, g);
}
EXPORT_SYMBOL_GPL(tdpmmu_read_clear_dirty);

/**
 * tdpmmu_clear_dirty_mask() - clear dirty for the pages of a bitmap
 * @t: the instance; its lock held for read, or for write with
 *	TDPMMU_EXCLUSIVE
 * @root: the root
 * @addr: input address of bit 0, 4K aligned
 * @bitmap: bit i set: clear dirty for the 4K page at @addr + i * 4K
 * @nbits: bits in @bitmap
 * @flags: TDPMMU_EXCLUSIVE, TDPMMU_YIELD; TDPMMU_DIRTY_WRPROT to take away
 *	write permission instead of clearing the dirty bit (dirty logging
 *	by write faults, on formats or front-ends without dirty bits)
 * @g: gather; gets every changed leaf (flush)
 *
 * KVM's masked clear: after reporting the pages of @bitmap dirty, make a
 * new write to them visible again.  A huge leaf with a page in @bitmap is
 * cleared whole (it was reported whole).
 *
 * Return: 0; -EOPNOTSUPP without TDPMMU_DIRTY_WRPROT on a format that has
 * no dirty bit; -EINVAL for bad arguments, or if TDPMMU_DIRTY_WRPROT would
 * leave a leaf without any permission (leaves before it are changed);
 * -EAGAIN at a frozen entry.
 */
int tdpmmu_clear_dirty_mask(struct tdpmmu *t, struct tdpmmu_root *root,
			    u64 addr, const unsigned long *bitmap,
			    unsigned long nbits, unsigned int flags,
			    struct tdpmmu_gather *g)
{
	if (!tdpmmu_flags_ok(t, flags, TDPMMU_YIELD | TDPMMU_EXCLUSIVE |
				       TDPMMU_DIRTY_WRPROT) ||
	    !nbits || !bitmap ||
	    !tdpmmu_range_ok(t, addr, (u64)nbits << tdpmmu_level_shift(1)))
		return -EINVAL;
	return t->fmt->clear_dirty_mask(t, root, addr, bitmap, nbits, flags, g);
}
EXPORT_SYMBOL_GPL(tdpmmu_clear_dirty_mask);

/**
 * tdpmmu_age() - test and clear the accessed bits of a range, lockless
 * @t: the instance; no lock needed
 * @root: the root; the caller holds a reference
 * @addr: first input address
 * @size: bytes
 * @flags: TDPMMU_AGE_TEST_ONLY to clear nothing and stop at the first
 *	young leaf (an MMU notifier's test_young)
 * @young: out: bytes of the range mapped by leaves that were accessed
 *
 * Runs under rcu_read_lock() only, so it neither waits for nor delays
 * faults, splits or zaps: it clears the accessed bit with cmpxchg and
 * skips entries that are being changed.  Nothing is flushed: a translation
 * still cached with the bit set only makes the page look older than it
 * is, never changes where it points.
 *
 * Return: 0; -EOPNOTSUPP if the format has no accessed bit; -EINVAL for
 * bad arguments.
 */
int tdpmmu_age(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
	       u64 size, unsigned int flags, u64 *young)
{
	*young = 0;
	if (flags & ~TDPMMU_AGE_TEST_ONLY || !tdpmmu_range_ok(t, addr, size))
		return -EINVAL;
	return t->fmt->age(t, root, addr, size, flags, young);
}
EXPORT_SYMBOL_GPL(tdpmmu_age);
