// SPDX-License-Identifier: GPL-2.0-only
/*
 * tdpmmu operations: argument checks and the one indirect call per
 * operation into the core compiled for the instance's format.
 */
#include <linux/tdpmmu.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/lockdep.h>

static bool tdpmmu_range_ok(struct tdpmmu *t, u64 addr, u64 size)
{
	u64 granule = tdpmmu_level_size(1);

	if (!size || (addr | size) & (granule - 1))
		return false;
	if (addr + size < addr)
		return false;
	return (addr + size - 1) >> t->va_bits == 0;
}

/**
 * tdpmmu_map() - install one leaf (fault-style)
 * @t: the instance; its lock held for read or write
 * @root: the root to install into
 * @leaf: what to install
 * @cache: pre-filled pages for missing tables (levels - @leaf->level
 *	pages are enough)
 * @g: gather; nothing is added (a new translation needs no flush)
 *
 * Missing tables are allocated from @cache and published with cmpxchg;
 * an existing leaf is never replaced.
 *
 * Return: 0 if installed or the identical leaf was already there;
 * -EEXIST if a different leaf or a table is in the way; -EAGAIN if a
 * concurrent change (a frozen entry) is in the way; -ENOMEM if @cache ran
 * out; -EINVAL for a bad address, size, alignment, level or permission.
 */
int tdpmmu_map(struct tdpmmu *t, struct tdpmmu_root *root,
	       const struct tdpmmu_leaf *leaf, struct tdpmmu_cache *cache,
	       struct tdpmmu_gather *g)
{
	u64 size;

	lockdep_assert_held(t->lock);
	if (leaf->level < 1 || leaf->level > t->levels ||
	    !(t->leaf_levels & BIT(leaf->level)))
		return -EINVAL;
	size = tdpmmu_level_size(leaf->level);
	if (!tdpmmu_range_ok(t, leaf->addr, size) ||
	    (leaf->addr | leaf->oa) & (size - 1))
		return -EINVAL;
	if (!(leaf->prot & TDPMMU_PROT_MASK) ||
	    leaf->prot & ~TDPMMU_PROT_MASK ||
	    leaf->fmt_bits & ~t->fmt->fmt_bits_mask)
		return -EINVAL;
	return t->fmt->map(t, root, leaf, cache, g);
}
EXPORT_SYMBOL_GPL(tdpmmu_map);

/**
 * tdpmmu_map_range() - map a physically contiguous range (map_pages-style)
 * @t: the instance; its lock held for read or write
 * @root: the root
 * @addr: first input address
 * @oa: first output address
 * @size: bytes to map
 * @prot: TDPMMU_PROT_* bits
 * @fmt_bits: format-specific bits
 * @cache: pages for new tables; the caller refills it and calls again
 *	(with the rest of the range) when this returns -ENOMEM
 * @mapped: out: bytes mapped from @addr on, also on error
 * @g: gather
 *
 * Uses the largest leaves that alignment and the instance allow.  A new
 * table is filled with plain stores before it is published with one
 * cmpxchg; entries of a table already linked are set with cmpxchg.
 *
 * Return: 0; -EEXIST if something is already mapped at *@mapped;
 * -ENOMEM if @cache ran out; -EAGAIN on a frozen entry; -EINVAL for bad
 * arguments.
 */
int tdpmmu_map_range(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
		     u64 oa, u64 size, u32 prot, u64 fmt_bits,
		     struct tdpmmu_cache *cache, u64 *mapped,
		     struct tdpmmu_gather *g)
{
	lockdep_assert_held(t->lock);
	*mapped = 0;
	if (!tdpmmu_range_ok(t, addr, size) ||
	    oa & (tdpmmu_level_size(1) - 1) || oa + size < oa)
		return -EINVAL;
	if (!(prot & TDPMMU_PROT_MASK) || prot & ~TDPMMU_PROT_MASK ||
	    fmt_bits & ~t->fmt->fmt_bits_mask)
		return -EINVAL;
	return t->fmt->map_range(t, root, addr, oa, size, prot, fmt_bits,
				 cache, mapped, g);
}
EXPORT_SYMBOL_GPL(tdpmmu_map_range);

/**
 * tdpmmu_unmap() - remove the leaves in a range
 * @t: the instance; its lock held for read or write
 * @root: the root
 * @addr: first input address
 * @size: bytes
 * @flags: TDPMMU_UNMAP_TABLES to also unlink tables the range covers;
 *	TDPMMU_UNMAP_YIELD to allow dropping the lock to reschedule (the
 *	gather is finished first, so everything removed so far is flushed);
 *	TDPMMU_UNMAP_EXCLUSIVE when the lock is held for write rather than
 *	for read
 * @unmapped: out: bytes of leaves removed, counted from @addr on
 * @g: gather; the caller finishes it to flush and free
 *
 * Stops at a huge leaf the range covers only in part (splitting it is a
 * separate operation) and reports what it removed up to there.  A
 * yielding walk never yields twice at the same address, so it always
 * makes progress.
 *
 * Return: 0, -EINVAL for bad arguments, -EBUSY at a partially covered huge
 * leaf, -EAGAIN at a frozen entry.
 */
int tdpmmu_unmap(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
		 u64 size, unsigned int flags, u64 *unmapped,
		 struct tdpmmu_gather *g)
{
	if (flags & TDPMMU_UNMAP_EXCLUSIVE)
		lockdep_assert_held_write(t->lock);
	else
		lockdep_assert_held_read(t->lock);
	*unmapped = 0;
	if (!tdpmmu_range_ok(t, addr, size) ||
	    flags & ~(TDPMMU_UNMAP_TABLES | TDPMMU_UNMAP_YIELD |
		      TDPMMU_UNMAP_EXCLUSIVE))
		return -EINVAL;
	return t->fmt->unmap(t, root, addr, size, flags, unmapped, g);
}
EXPORT_SYMBOL_GPL(tdpmmu_unmap);

/**
 * tdpmmu_lookup() - translate one address, lockless
 * @t: the instance
 * @root: the root; the caller holds a reference or the lock
 * @addr: input address
 * @leaf: out: the leaf that maps @addr
 *
 * Runs under rcu_read_lock(); tolerates concurrent changes.
 *
 * Return: 0, -ENOENT if nothing maps @addr, -EINVAL beyond the VA width.
 */
int tdpmmu_lookup(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
		  struct tdpmmu_leaf *leaf)
{
	if (addr >> t->va_bits)
		return -EINVAL;
	return t->fmt->lookup(t, root, addr, leaf);
}
EXPORT_SYMBOL_GPL(tdpmmu_lookup);
