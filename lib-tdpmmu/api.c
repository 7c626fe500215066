// SPDX-License-Identifier: GPL-2.0-only
/*
 * tdpmmu operations: argument checks and the one indirect call per
 * operation into the core compiled for the instance's format.
 */
#include <linux/tdpmmu.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/lockdep.h>
#include <linux/rcupdate.h>
#include <linux/processor.h>

#include "api.h"

/**
 * tdpmmu_map() - install one leaf (fault-style)
 * @t: the instance; its lock held for read or write
 * @root: the root to install into
 * @leaf: what to install
 * @cache: pre-filled pages for missing tables (levels - @leaf->level
 *	pages are enough)
 * @g: gather; nothing is added (a new translation needs no flush), unless
 *	a concurrent collapse took the table the leaf went into
 *	(lib-tdpmmu/pt_gate.h)
 *
 * Missing tables are allocated from @cache and published with cmpxchg;
 * an existing leaf is never replaced.
 *
 * Return: 0 if installed or the identical leaf was already there (also
 * inside a huge leaf a concurrent collapse made of it);
 * -EEXIST if a different leaf or a table is in the way; -EAGAIN if a
 * concurrent change (a frozen entry) is in the way; -ENOMEM if @cache ran
 * out; -EINVAL for a bad address, size, alignment, level or permission.
 */
int tdpmmu_map(struct tdpmmu *t, struct tdpmmu_root *root,
	       const struct tdpmmu_leaf *leaf, struct tdpmmu_cache *cache,
	       struct tdpmmu_gather *g)
{
	lockdep_assert_held(t->lock);
	if (!tdpmmu_leaf_ok(t, leaf))
		return -EINVAL;
	return t->fmt->map(t, root, leaf, cache, g);
}
EXPORT_SYMBOL_GPL(tdpmmu_map);

/**
 * tdpmmu_map_range() - map a physically contiguous range (map_pages-style)
 * @t: the instance; its lock held for read, or for write with
 *	TDPMMU_EXCLUSIVE
 * @root: the root
 * @addr: first input address
 * @oa: first output address
 * @size: bytes to map
 * @prot: TDPMMU_PROT_* bits
 * @fmt_bits: format-specific bits
 * @flags: TDPMMU_EXCLUSIVE, TDPMMU_OWNED, or 0
 * @cache: pages for new tables; the caller refills it and calls again
 *	(with the rest of the range) when this returns -ENOMEM
 * @mapped: out: bytes mapped from @addr on, also on error
 * @g: gather
 *
 * Uses the largest leaves that alignment and the instance allow.  A new
 * table is filled with plain stores before it is published with one
 * cmpxchg.  Entries of a table already linked are set with cmpxchg in
 * shared mode.  In exclusive mode, or with TDPMMU_OWNED (the caller
 * promises that no other operation writes this range meanwhile), no other
 * thread writes them and hardware never writes an entry that is not
 * present, so they are set with plain stores.
 *
 * Return: 0; -EEXIST if something is already mapped at *@mapped;
 * -ENOMEM if @cache ran out; -EAGAIN on a frozen entry; -EINVAL for bad
 * arguments.
 */
int tdpmmu_map_range(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
		     u64 oa, u64 size, u32 prot, u64 fmt_bits,
		     unsigned int flags, struct tdpmmu_cache *cache,
		     u64 *mapped, struct tdpmmu_gather *g)
{
	*mapped = 0;
	if (!tdpmmu_flags_ok(t, flags, TDPMMU_EXCLUSIVE | TDPMMU_OWNED) ||
	    !tdpmmu_range_ok(t, addr, size) ||
	    oa & (tdpmmu_level_size(1) - 1) || oa + size < oa)
		return -EINVAL;
	if (!tdpmmu_prot_ok(t, prot) || fmt_bits & ~t->fmt->fmt_bits_mask)
		return -EINVAL;
	return t->fmt->map_range(t, root, addr, oa, size, prot, fmt_bits,
				 flags, cache, mapped, g);
}
EXPORT_SYMBOL_GPL(tdpmmu_map_range);

/**
 * tdpmmu_map_range_gfp() - map a range, allocating tables as needed
 * @t: the instance; its lock must not be held: this takes it for read
 *	(for write with TDPMMU_EXCLUSIVE) around each attempt
 * @root: the root
 * @addr: first input address
 * @oa: first output address
 * @size: bytes to map
 * @prot: TDPMMU_PROT_* bits
 * @fmt_bits: format-specific bits
 * @flags: TDPMMU_EXCLUSIVE, TDPMMU_OWNED, or 0
 * @gfp: allocation flags for new tables, used with the lock dropped
 * @mapped: out: bytes mapped from @addr on, also on error
 * @g: gather
 *
 * tdpmmu_map_range() for a caller that holds no lock (an IOMMU driver's
 * map_pages): tables are allocated from @gfp only when the walk runs out,
 * outside the lock, and those left over are freed; a concurrent change
 * (a frozen entry) is waited out.
 *
 * Return: as tdpmmu_map_range(); -ENOMEM if the allocator failed.
 */
int tdpmmu_map_range_gfp(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
			 u64 oa, u64 size, u32 prot, u64 fmt_bits,
			 unsigned int flags, gfp_t gfp, u64 *mapped,
			 struct tdpmmu_gather *g)
{
	struct tdpmmu_cache cache = { 0 };
	u64 done;
	int ret;

	*mapped = 0;
	do {
		if (flags & TDPMMU_EXCLUSIVE)
			write_lock(t->lock);
		else
			read_lock(t->lock);
		ret = tdpmmu_map_range(t, root, addr + *mapped, oa + *mapped,
				       size - *mapped, prot, fmt_bits, flags,
				       &cache, &done, g);
		if (flags & TDPMMU_EXCLUSIVE)
			write_unlock(t->lock);
		else
			read_unlock(t->lock);
		*mapped += done;
		if (ret == -ENOMEM)
			ret = tdpmmu_cache_topup(t, &cache, t->levels - 1,
						 gfp) ?: -EAGAIN;
		else if (ret == -EAGAIN)
			cpu_relax();
	} while (ret == -EAGAIN);
	tdpmmu_cache_drain(t, &cache);
	return ret;
}
EXPORT_SYMBOL_GPL(tdpmmu_map_range_gfp);

/**
 * tdpmmu_unmap() - remove the leaves in a range
 * @t: the instance; its lock held for read, or for write with
 *	TDPMMU_EXCLUSIVE
 * @root: the root
 * @addr: first input address
 * @size: bytes
 * @flags: TDPMMU_UNMAP_TABLES to also unlink tables the range covers;
 *	TDPMMU_YIELD to allow dropping the lock to reschedule (the gather is
 *	finished first, so everything removed so far is flushed);
 *	TDPMMU_EXCLUSIVE when the lock is held for write rather than for read;
 *	TDPMMU_OWNED when no other operation writes the range meanwhile, so
 *	that leaves hardware cannot change are cleared with plain stores;
 *	TDPMMU_UNMAP_WHOLE to remove a huge leaf the range covers in part
 *	whole instead of splitting it; TDPMMU_NONBLOCK when the caller may
 *	not sleep (an MMU notifier called with blocking not allowed): no
 *	TDPMMU_YIELD, and an empty @cache is refilled with GFP_NOWAIT
 * @cache: pages to split a huge leaf the range covers only in part, or
 *	NULL to stop there with -EBUSY
 * @unmapped: out: bytes of leaves removed, counted from @addr on (with
 *	TDPMMU_UNMAP_WHOLE, whole leaves, which may reach beyond the range)
 * @g: gather; the caller finishes it to flush and free
 *
 * A huge leaf that straddles an end of the range is split (hitless, see
 * tdpmmu_split()) until the range's ends fall on leaf boundaries, and only
 * the requested part is removed.  A yielding walk never yields twice at
 * the same address, so it always makes progress.
 *
 * Return: 0; -EINVAL for bad arguments; -EBUSY at a partly covered huge
 * leaf when @cache is NULL; -ENOMEM when @cache ran out (what was removed
 * up to there is in @unmapped and @g); -EAGAIN at a frozen entry, or with
 * TDPMMU_NONBLOCK where a split needs a page that cannot be had without
 * sleeping (the table is consistent, @unmapped says how far it got).
 */
int tdpmmu_unmap(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
		 u64 size, unsigned int flags, struct tdpmmu_cache *cache,
		 u64 *unmapped, struct tdpmmu_gather *g)
{
	*unmapped = 0;
	if (!tdpmmu_flags_ok(t, flags, TDPMMU_UNMAP_TABLES | TDPMMU_YIELD |
				       TDPMMU_EXCLUSIVE | TDPMMU_OWNED |
				       TDPMMU_NONBLOCK | TDPMMU_UNMAP_WHOLE) ||
	    (flags & TDPMMU_NONBLOCK && flags & TDPMMU_YIELD) ||
	    !tdpmmu_range_ok(t, addr, size))
		return -EINVAL;
	return t->fmt->unmap(t, root, addr, size, flags, cache, unmapped, g);
}
EXPORT_SYMBOL_GPL(tdpmmu_unmap);

/**
 * tdpmmu_split() - split huge leaves in a range down to a level
 * @t: the instance; its lock held for read, or for write with
 *	TDPMMU_EXCLUSIVE
 * @root: the root
 * @addr: first input address
 * @size: bytes
 * @level: split every leaf above this level that intersects the range
 *	(1 = down to 4K); must be a level the instance allows leaves at
 * @flags: TDPMMU_YIELD, TDPMMU_EXCLUSIVE
 * @cache: pages for the new tables, filled before taking the lock; on
 *	-ENOMEM the caller refills it and calls again from @addr + *@done
 * @done: out: bytes from @addr on that are split completely
 * @g: gather; only written if the lock is dropped to yield
 *
 * Hitless: each huge leaf is replaced with one cmpxchg by a table, filled
 * beforehand, whose leaves map the same output addresses with the same
 * attributes, so every address stays translated the same at every moment
 * and no flush is needed.  A format that needs break-before-make
 * (tdpmmu_format.split_bbm) instead freezes the leaf, has the front-end's
 * flush called for it at once (so @flush must not sleep), then links the
 * table.  A leaf split to 1G->2M->4K takes two pages.
 *
 * Return: 0; -ENOMEM if @cache ran out (the table is consistent and
 * *@done says how far the split got); -EAGAIN at a frozen entry;
 * -EINVAL for bad arguments.
 */
int tdpmmu_split(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
		 u64 size, unsigned int level, unsigned int flags,
		 struct tdpmmu_cache *cache, u64 *done, struct tdpmmu_gather *g)
{
	*done = 0;
	if (!tdpmmu_flags_ok(t, flags, TDPMMU_YIELD | TDPMMU_EXCLUSIVE) ||
	    !tdpmmu_range_ok(t, addr, size) || !cache ||
	    level < 1 || level >= t->levels || !(t->leaf_levels & BIT(level)))
		return -EINVAL;
	return t->fmt->split(t, root, addr, size, level, flags, cache, done,
			     g);
}
EXPORT_SYMBOL_GPL(tdpmmu_split);

/**
 * tdpmmu_protect() - change the permissions of the leaves in a range
 * @t: the instance; its lock held for read, or for write with
 *	TDPMMU_EXCLUSIVE
 * @root: the root
 * @addr: first input address
 * @size: bytes
 * @set: TDPMMU_PROT_* bits to grant
 * @clear: TDPMMU_PROT_* bits to take away (e.g. TDPMMU_PROT_WRITE to
 *	write-protect); disjoint from @set
 * @flags: TDPMMU_YIELD, TDPMMU_EXCLUSIVE, TDPMMU_HUGE_ONLY (leave 4K
 *	leaves as they are: KVM write-protects only huge pages when dirty
 *	logging starts with every page reported dirty)
 * @cache: pages to split a huge leaf the range covers only in part (e.g.
 *	write-protect one 4K page inside a 2M leaf), or NULL to stop there
 *	with -EBUSY
 * @done: out: bytes from @addr on that were processed
 * @g: gather; every leaf whose entry changed is added (flush)
 *
 * Unmapped parts of the range are skipped.
 *
 * Return: 0; -EINVAL for bad arguments or when a leaf would be left
 * without any permission (use tdpmmu_unmap() for that; leaves before it
 * are changed); -EBUSY, -ENOMEM, -EAGAIN as for tdpmmu_unmap().
 */
int tdpmmu_protect(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
		   u64 size, u32 set, u32 clear, unsigned int flags,
		   struct tdpmmu_cache *cache, u64 *done,
		   struct tdpmmu_gather *g)
{
	*done = 0;
	if (!tdpmmu_flags_ok(t, flags, TDPMMU_YIELD | TDPMMU_EXCLUSIVE |
			     TDPMMU_HUGE_ONLY) ||
	    !tdpmmu_range_ok(t, addr, size) || !(set | clear) ||
	    (set | clear) & ~TDPMMU_PROT_MASK || set & clear)
		return -EINVAL;
	return t->fmt->protect(t, root, addr, size, set, clear, flags, cache,
			       done, g);
}
EXPORT_SYMBOL_GPL(tdpmmu_protect);

/**
 * tdpmmu_collapse() - replace tables by huge leaves where possible
 * @t: the instance; its lock held for read, or for write with
 *	TDPMMU_EXCLUSIVE
 * @root: the root
 * @addr: first input address
 * @size: bytes; only tables whose whole span lies in the range are
 *	considered
 * @flags: TDPMMU_YIELD, TDPMMU_EXCLUSIVE
 * @collapsed: out: number of tables replaced
 * @g: gather; gets each collapsed range and the old tables, which are
 *	freed after the front-end's flush and a grace period
 *
 * A table is collapsed only when it sits at a level where the instance
 * allows leaves and all its entries are leaves that map one contiguous,
 * aligned output range with equal attributes (ignoring hardware A/D bits,
 * which are carried over).  The swap is one cmpxchg of the parent entry,
 * so lookups see either the old leaves or the huge leaf, which translate
 * alike.  Works bottom-up, so 512 tables of 4K leaves that collapse into
 * 2M leaves can in turn collapse into a 1G leaf.  A table that does not
 * qualify, or that another thread changes meanwhile, is left as it is.
 *
 * Return: 0, or -EINVAL for bad arguments.
 */
int tdpmmu_collapse(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
		    u64 size, unsigned int flags, u64 *collapsed,
		    struct tdpmmu_gather *g)
{
	*collapsed = 0;
	if (!tdpmmu_flags_ok(t, flags, TDPMMU_YIELD | TDPMMU_EXCLUSIVE) ||
	    !tdpmmu_range_ok(t, addr, size))
		return -EINVAL;
	return t->fmt->collapse(t, root, addr, size, flags, collapsed, g);
}
EXPORT_SYMBOL_GPL(tdpmmu_collapse);

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

/**
 * tdpmmu_fault() - install one leaf the way a page-fault handler does
 * @t: the instance; its lock held for read
 * @root: the root
 * @leaf: the leaf to install
 * @flags: TDPMMU_NONBLOCK (refill an empty @cache with GFP_NOWAIT), or 0
 * @cache: pages for new tables and for splitting a huge leaf
 * @linked: out: bitmask of the levels of the tables this call linked
 *	(bit l: a new table whose entries are at level l), by creating them
 *	or by splitting a huge leaf
 * @g: gather: a table the leaf replaced, and a replaced leaf that lost
 *	a permission, go here for the flush
 *
 * Unlike tdpmmu_map(), what is in the way is replaced: a huge leaf above
 * @leaf->level is split, hitlessly, down to it; a table at @leaf->level is
 * frozen, unlinked and freed through @g, and the huge leaf takes its
 * place; a leaf with the same output address gets @leaf's permissions and
 * bits in one cmpxchg, keeping the accessed/dirty bits hardware set.
 * Changing the output address of a present leaf is refused: the caller
 * unmaps first.
 *
 * Return: 0 if installed or changed, 1 if the same leaf was already there
 * (or a concurrent collapse took in the change and this call split it out
 * again),
 * -EEXIST if a leaf with another output address is there, -EAGAIN if a
 * concurrent change (a frozen entry) is in the way, -ENOMEM if @cache ran
 * out, -EINVAL for bad arguments.
 */
int tdpmmu_fault(struct tdpmmu *t, struct tdpmmu_root *root,
		 const struct tdpmmu_leaf *leaf, unsigned int flags,
		 struct tdpmmu_cache *cache, u32 *linked,
		 struct tdpmmu_gather *g)
{
	*linked = 0;
	lockdep_assert_held(t->lock);
	if (!tdpmmu_leaf_ok(t, leaf) ||
	    !tdpmmu_flags_ok(t, flags, TDPMMU_NONBLOCK))
		return -EINVAL;
	return t->fmt->fault(t, root, leaf, flags, cache, linked, g);
}
EXPORT_SYMBOL_GPL(tdpmmu_fault);

/**
 * tdpmmu_walk() - read the entries that translate an address, lockless
 * @t: the instance
 * @root: the root; the caller holds a reference
 * @addr: input address, below 2^va_bits
 * @entries: out, may be NULL: entries[l] is the level-l entry read, from
 *	the root's level down to the returned level
 * @last: out, may be NULL: the address of the last entry read
 *
 * Reads as a hardware walker does, from the root down through tables,
 * and stops at a leaf or at the first entry that is not a table.  The
 * caller holds rcu_read_lock() for as long as it uses *@last; the entries
 * may change under it at any time.
 *
 * Return: the level of the last entry read.
 */
int tdpmmu_walk(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
		tdpmmu_pte_t *entries, tdpmmu_pte_t **last)
{
	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "lockless walk outside RCU");
	return t->fmt->walk(t, root, addr & (BIT_ULL(t->va_bits) - 1),
			    entries, last);
}
EXPORT_SYMBOL_GPL(tdpmmu_walk);
