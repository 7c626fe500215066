/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tdpmmu core operations, compiled once per format.
 *
 * A format's .c file defines PT_FMT (its name), includes its header of
 * inline entry helpers and then this file, which generates the
 * operations and the format's struct tdpmmu_format.  Every entry helper
 * is inlined into the loops here: no indirect call per entry.
 *
 * The format header provides (formats with x86-like entries get most of
 * these from pt_fmt_ps.h):
 *   pt_present(pte), pt_is_table(pte, level), pt_is_leaf(pte, level),
 *   pt_table(pte) (kernel address of the child table),
 *   pt_mk_table(table), pt_mk_leaf(leaf), pt_leaf_oa(pte),
 *   pt_leaf_prot(pte), pt_leaf_fmt_bits(pte), pt_leaf_set_prot(pte, prot),
 *   pt_leaf_next(pte, level) (the leaf mapping the next @level-sized
 *   output range), pt_hw_sets_ad(t) (hardware may set accessed or dirty
 *   bits in @t's leaves now), pt_volatile(t, pte) (hardware may still set
 *   a bit in it),
 *   pt_split_child(pte, level, i) (entry i of the table replacing a huge
 *   leaf), pt_merge_leaf(child, level) (the huge leaf whose first child is
 *   @child),
 *   PT_FROZEN (a non-present sentinel: "being changed"),
 *   PT_LOCKED (a bit hardware ignores: a present entry software must not
 *   change, used on the entries of a table of huge leaves being
 *   collapsed),
 *   PT_ACCESSED, PT_DIRTY (the bits hardware sets in a leaf it uses or
 *   writes through, 0 if it has none), PT_HW_BITS (both),
 *   pt_leaf_writable(pte) (hardware may write through it, and so set D),
 *   PT_SPLIT_BBM (1 if a huge leaf may not be replaced by a table while it
 *   is present),
 *   pt_sync(t, ptep, n) (cache maintenance after publishing entries),
 *   PT_MIN_LEVELS, PT_MAX_LEVELS, PT_HUGE_LEVELS, PT_FMT_BITS_MASK,
 *   PT_PROT_MASK (the TDPMMU_PROT_* bits it can express).
 */
#include <linux/tdpmmu.h>
#include <asm/barrier.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/stringify.h>
#include <linux/rcupdate.h>

#include "pt_entry.h"
#include "pt_gate.h"
#include "pt_iter.h"

#define __PT_NAME(fmt, x)	tdpmmu_##fmt##_##x
#define _PT_NAME(fmt, x)	__PT_NAME(fmt, x)
#define PT_NAME(x)		_PT_NAME(PT_FMT, x)
/* tdpmmu_<fmt>_format, what the file generates */
#define PT_FORMAT		PT_NAME(format)

/* Count @n leaves of @level installed (or removed, @n < 0) into @t and @g. */
static inline void pt_leaves_add(struct tdpmmu *t, struct tdpmmu_gather *g,
				 unsigned int level, long n)
{
	tdpmmu_stat_add(t, leaves[level], n);
	g->leaves[level] += n;
}

/*
 * Let the front-end set up its state for @table, about to be linked at
 * the iterator's entry (its entries are one level down).
 */
static inline void pt_table_init(struct tdpmmu *t, const struct pt_iter *it,
				 tdpmmu_pte_t *table)
{
	pt_gate_init(table);
	if (t->ops->table_init)
		t->ops->table_init(t, it->root, table,
				   round_down(it->addr,
					      tdpmmu_level_size(it->level)),
				   it->level - 1);
}

/*
 * Call after changing (and counting) entries of the table at the iterator
 * with cmpxchg in shared mode.  If a collapse took that table of 4K
 * leaves away meanwhile (pt_gate.h), the span goes into @g for a flush,
 * the walk starts again from the root at the iterator's entry, and the
 * answer is true: the caller reports no progress for the change and does
 * it again where the walk leads.
 */
static inline bool pt_lost_to_collapse(struct tdpmmu *t, struct pt_iter *it,
				       struct tdpmmu_gather *g)
{
	u64 span = tdpmmu_level_size(2);

	if (it->level != 1 || !pt_gate_lost(it->pt_path[1]))
		return false;
	tdpmmu_stat_add(t, retries, 1);
	tdpmmu_gather_add_range(g, round_down(it->addr, span), span, 1);
	g->tables_changed = true;
	it->next_addr = it->addr;
	pt_iter_restart(it);
	return true;
}

/*
 * Does leaf @pte, at input address @pte_addr, translate @addr to @oa with
 * @prot and @fmt_bits?  A map done again after a collapse took its table
 * (pt_lost_to_collapse()) finds its leaf inside the huge leaf this way.
 */
static inline bool pt_leaf_same(tdpmmu_pte_t pte, u64 pte_addr, u64 addr,
				u64 oa, u32 prot, u64 fmt_bits)
{
	return pt_leaf_oa(pte) - pte_addr == oa - addr &&
	       pt_leaf_prot(pte) == prot && pt_leaf_fmt_bits(pte) == fmt_bits;
}

/*
 * Account every entry of a table that was unlinked from the tree, children
 * first, and queue the child tables for freeing.  In shared mode every
 * entry, present or not, is exchanged with the sentinel: a thread still
 * inside this table (it read the parent entry before it was frozen) then
 * fails its cmpxchg and backs off, instead of installing a leaf into a
 * table that is about to be freed.  @exclusive: no other thread can write
 * the table (the lock held for write, an owned range, root teardown), so
 * plain reads suffice, and only entries hardware may still change are
 * exchanged, to keep the bits it sets until the flush.
 */
static void PT_NAME(free_subtree)(struct tdpmmu *t, tdpmmu_pte_t *table,
				  unsigned int level, u64 addr, bool exclusive,
				  struct tdpmmu_gather *g, u64 *unmapped)
{
	u64 size = tdpmmu_level_size(level);
	long leaves = 0;
	unsigned int i;
	tdpmmu_pte_t old;

	for (i = 0; i < TDPMMU_PTES_PER_TABLE; i++, addr += size) {
		old = READ_ONCE(table[i]);
		if (!exclusive || pt_volatile(t, old))
			old = xchg(&table[i], PT_FROZEN);
		if (!pt_present(old))
			continue;
		if (pt_is_leaf(old, level)) {
			leaves++;
			continue;
		}
		PT_NAME(free_subtree)(t, pt_table(old), level - 1, addr,
				      exclusive, g, unmapped);
		tdpmmu_stat_add(t, tables[level - 1], -1);
		tdpmmu_gather_add_table(t, g, pt_table(old));
	}
	if (leaves) {
		pt_leaves_add(t, g, level, -leaves);
		*unmapped += leaves * size;
		g->leaf_levels |= BIT(level);
	}
}

/* Count an operation's lost cmpxchg races, once. */
static inline void pt_count_retries(struct tdpmmu *t, long retries)
{
	if (retries)
		tdpmmu_stat_add(t, retries, retries);
}

/*
 * Link @table at the iterator's (non-present) entry.  The caller set it up
 * with pt_table_init() and wrote back its entries with pt_sync(): a walker
 * that does not snoop must not see the page's old bytes.
 */
static int PT_NAME(link_table)(struct tdpmmu *t, struct pt_iter *it,
			       tdpmmu_pte_t *table)
{
	if (!pt_cmpxchg(it->ptep, &it->old, pt_mk_table(table)))
		return -EAGAIN;
	pt_sync(t, it->ptep, 1);
	tdpmmu_stat_add(t, tables[it->level - 1], 1);
	return 0;
}

/*
 * Link a table from @cache at the iterator's empty entry.  Returns 0,
 * -ENOMEM if @cache is empty, 1 if the entry changed first (look again).
 */
static int PT_NAME(link_from_cache)(struct tdpmmu *t, struct pt_iter *it,
				    struct tdpmmu_cache *cache)
{
	tdpmmu_pte_t *table = tdpmmu_cache_take(cache);

	if (!table)
		return -ENOMEM;
	pt_table_init(t, it, table);
	pt_sync(t, table, TDPMMU_PTES_PER_TABLE);
	if (PT_NAME(link_table)(t, it, table)) {
		tdpmmu_cache_return(cache, table);
		return 1;
	}
	return 0;
}

/* Flush one entry's translation now (break-before-make). */
static void PT_NAME(flush_now)(struct tdpmmu *t, u64 addr, unsigned int level)
{
	struct tdpmmu_gather g;

	tdpmmu_gather_init(&g);
	tdpmmu_gather_add_range(&g, addr, tdpmmu_level_size(level), level);
	tdpmmu_gather_finish(t, &g);
}

/* Set @n entries from @ptep on to @pte and the leaves that follow it. */
static inline void pt_fill_leaves(tdpmmu_pte_t *ptep, tdpmmu_pte_t pte,
				  unsigned int level, unsigned int n)
{
	while (n--) {
		*ptep++ = pte;
		pte = pt_leaf_next(pte, level);
	}
}

/*
 * Replace the huge leaf at the iterator by a table of leaves one level
 * down that map the same output addresses with the same attributes; the
 * table is filled completely before one cmpxchg publishes it.  No
 * translation changes, so nothing goes into a gather.  A break-before-make
 * format instead freezes the leaf, flushes it and then links the table.
 * Returns 0 (it->old is now the table entry), 1 if the entry changed under
 * us (it->old holds the new value: look again), -ENOMEM if @cache is
 * empty, -EINVAL if the instance allows no leaf one level down.
 */
static int PT_NAME(split_leaf)(struct tdpmmu *t, struct pt_iter *it,
			       struct tdpmmu_cache *cache,
			       struct tdpmmu_gather *g)
{
	unsigned int level = it->level;
	tdpmmu_pte_t *table, new, old = it->old;

	if (!(t->leaf_levels & BIT(level - 1)))
		return -EINVAL;
	table = tdpmmu_cache_take(cache);
	if (!table)
		return -ENOMEM;
	if (PT_SPLIT_BBM) {
		if (!pt_cmpxchg(it->ptep, &it->old, PT_FROZEN)) {
			tdpmmu_cache_return(cache, table);
			return 1;
		}
		pt_sync(t, it->ptep, 1);
		PT_NAME(flush_now)(t, it->addr, level);
	}
	pt_table_init(t, it, table);
	pt_fill_leaves(table, pt_split_child(old, level, 0), level - 1,
		       TDPMMU_PTES_PER_TABLE);
	pt_sync(t, table, TDPMMU_PTES_PER_TABLE);
	new = pt_mk_table(table);
	if (PT_SPLIT_BBM) {
		/* The table's entries are visible before the link to it. */
		smp_store_release(it->ptep, new);
	} else if (!pt_cmpxchg(it->ptep, &it->old, new)) {
		memset(table, 0, PAGE_SIZE);
		tdpmmu_cache_return(cache, table);
		return 1;
	}
	pt_sync(t, it->ptep, 1);
	it->old = new;
	tdpmmu_stat_add(t, tables[level - 1], 1);
	pt_leaves_add(t, g, level - 1, TDPMMU_PTES_PER_TABLE);
	pt_leaves_add(t, g, level, -1);
	tdpmmu_stat_add(t, splits, 1);
	return 0;
}

/*
 * Split the huge leaf at the iterator and walk into the new table; after
 * a lost race the iterator stays, to look at the entry again.  With
 * TDPMMU_NONBLOCK in @flags an empty @cache is refilled without sleeping,
 * and -EAGAIN returned if that fails.
 */
static int PT_NAME(split_step)(struct tdpmmu *t, struct pt_iter *it,
			       struct tdpmmu_cache *cache, unsigned int flags,
			       long *retries, struct tdpmmu_gather *g)
{
	int ret;

	if (!cache)
		return -EBUSY;
	if (!cache->nr && flags & TDPMMU_NONBLOCK &&
	    tdpmmu_cache_topup(t, cache, 1, GFP_NOWAIT | __GFP_NOWARN))
		return -EAGAIN;
	ret = PT_NAME(split_leaf)(t, it, cache, g);
	if (ret > 0) {
		(*retries)++;
		return 0;
	}
	if (!ret)
		pt_iter_next(it, true);
	return ret;
}

static int PT_NAME(map)(struct tdpmmu *t, struct tdpmmu_root *root,
			const struct tdpmmu_leaf *leaf,
			struct tdpmmu_cache *cache, struct tdpmmu_gather *g)
{
	tdpmmu_pte_t new = pt_mk_leaf(leaf);
	struct pt_iter it;
	int ret = -EAGAIN, r;
	bool again = false;

	rcu_read_lock();
	pt_iter_start(&it, t, root, leaf->addr,
		      leaf->addr + tdpmmu_level_size(leaf->level),
		      leaf->level);
	while (it.valid) {
		/*
		 * After a collapse took the table the leaf went into, the leaf
		 * may be in the huge leaf now: that is success, and a frozen
		 * entry is waited out, since a retry by the caller would see
		 * the huge leaf and fail.
		 */
		if (pt_frozen(it.old)) {
			if (!again)
				break;
			cpu_relax();
			pt_iter_restart(&it);
			continue;
		}
		if (it.level == leaf->level) {
			if (pt_present(it.old)) {
				/* Hardware may have set A/D meanwhile. */
				ret = (it.old & ~PT_HW_BITS) == new ? 0 : -EEXIST;
				break;
			}
			if (!pt_cmpxchg(it.ptep, &it.old, new)) {
				tdpmmu_stat_add(t, retries, 1);
				continue;
			}
			pt_sync(t, it.ptep, 1);
			pt_leaves_add(t, g, it.level, 1);
			if (pt_lost_to_collapse(t, &it, g)) {
				again = true;
				continue;
			}
			ret = 0;
			break;
		}
		if (pt_is_leaf(it.old, it.level)) {
			ret = again && pt_leaf_same(it.old, it.addr, leaf->addr,
						    leaf->oa, leaf->prot,
						    leaf->fmt_bits) ? 0 : -EEXIST;
			break;
		}
		if (!pt_present(it.old)) {
			r = PT_NAME(link_from_cache)(t, &it, cache);
			if (r < 0) {
				ret = r;
				break;
			}
			if (r) {
				tdpmmu_stat_add(t, retries, 1);
				continue;
			}
		}
		pt_iter_next(&it, true);
	}
	rcu_read_unlock();
	return ret;
}

/*
 * Fill a table that is not linked yet with leaves of @level for
 * [addr, end) with plain stores: no walker can see it.  Returns the bytes
 * filled, 0 if leaves of @level do not fit.
 */
static u64 PT_NAME(fill_table)(struct tdpmmu *t, tdpmmu_pte_t *table,
			       unsigned int level, u64 addr, u64 end,
			       struct tdpmmu_leaf *leaf,
			       struct tdpmmu_gather *g)
{
	u64 size = tdpmmu_level_size(level);
	u64 oa_delta = leaf->oa - leaf->addr;
	u64 span_end = round_down(addr, size * TDPMMU_PTES_PER_TABLE) +
		       size * TDPMMU_PTES_PER_TABLE;
	unsigned int n;

	if (!(t->leaf_levels & BIT(level)) ||
	    (addr | (addr + oa_delta)) & (size - 1))
		return 0;
	end = min(end, span_end);
	n = end > addr ? (end - addr) >> tdpmmu_level_shift(level) : 0;
	leaf->level = level;
	leaf->addr = addr;
	leaf->oa = addr + oa_delta;
	pt_fill_leaves(table + pt_index(addr, level), pt_mk_leaf(leaf), level,
		       n);
	pt_leaves_add(t, g, level, n);
	return (u64)n * size;
}

/*
 * Set the empty entry *@ptep, which held *@old when read, to @new: with
 * cmpxchg when others may write it, with a plain store when @plain says
 * nobody does (the lock held for write, or the caller owns the range);
 * hardware never writes an entry that is not present.
 */
static inline bool pt_install(tdpmmu_pte_t *ptep, tdpmmu_pte_t *old,
			      tdpmmu_pte_t new, bool plain)
{
	if (!plain)
		return pt_cmpxchg(ptep, old, new);
	if (READ_ONCE(*ptep) != *old)
		return false;
	WRITE_ONCE(*ptep, new);
	return true;
}

/*
 * Clear leaf *@ptep, which held *@old when read.  A plain store is enough
 * when no software writer races (@plain) and hardware cannot set a bit in
 * it meanwhile; otherwise cmpxchg, so that nothing hardware set is lost.
 */
static inline bool pt_clear(struct tdpmmu *t, tdpmmu_pte_t *ptep,
			    tdpmmu_pte_t *old, bool plain)
{
	if (!plain || pt_volatile(t, *old))
		return pt_cmpxchg(ptep, old, 0);
	WRITE_ONCE(*ptep, 0);
	return true;
}

/*
 * Install the leaves that follow @pte, at @ptep[0..@room), while the
 * entries are empty.  Returns how many it installed.
 */
static inline unsigned int pt_install_run(tdpmmu_pte_t *ptep, tdpmmu_pte_t pte,
					  unsigned int level,
					  unsigned int room, bool plain)
{
	tdpmmu_pte_t old;
	unsigned int i;

	for (i = 0; i < room; i++) {
		pte = pt_leaf_next(pte, level);
		old = 0;
		if (!pt_install(ptep + i, &old, pte, plain))
			break;
	}
	return i;
}

/*
 * Clear the leaves at @ptep[0..@room) while they are leaves.  Returns how
 * many it cleared.
 */
static inline unsigned int pt_clear_run(struct tdpmmu *t, tdpmmu_pte_t *ptep,
					unsigned int level, unsigned int room,
					bool plain)
{
	tdpmmu_pte_t old;
	unsigned int i;

	/* Nothing but the caller writes: plain loads and stores. */
	if (plain && !pt_hw_sets_ad(t)) {
		for (i = 0; i < room && pt_is_leaf(READ_ONCE(ptep[i]), level);
		     i++)
			WRITE_ONCE(ptep[i], 0);
		return i;
	}
	for (i = 0; i < room; i++) {
		old = READ_ONCE(ptep[i]);
		if (!pt_is_leaf(old, level) ||
		    !pt_clear(t, ptep + i, &old, plain))
			break;
	}
	return i;
}

static int PT_NAME(map_range)(struct tdpmmu *t, struct tdpmmu_root *root,
			      u64 addr, u64 oa, u64 size, u32 prot,
			      u64 fmt_bits, unsigned int flags,
			      struct tdpmmu_cache *cache, u64 *mapped,
			      struct tdpmmu_gather *g)
{
	bool plain = flags & (TDPMMU_EXCLUSIVE | TDPMMU_OWNED);
	struct tdpmmu_leaf leaf = { .prot = prot, .fmt_bits = fmt_bits };
	u64 end = addr + size, lsize, filled;
	long retries = 0;
	tdpmmu_pte_t *table, new;
	/* A run lost to a collapse ends here: map() says why. */
	u64 redo_end = 0;
	struct pt_iter it;
	unsigned int n;
	int ret = 0;

	rcu_read_lock();
	pt_iter_start(&it, t, root, addr, end, 1);
	while (it.valid) {
		if (pt_frozen(it.old)) {
			if (it.next_addr < redo_end) {
				cpu_relax();
				pt_iter_restart(&it);
				continue;
			}
			ret = -EAGAIN;
			break;
		}
		if (pt_is_leaf(it.old, it.level)) {
			lsize = tdpmmu_level_size(it.level);
			if (it.next_addr >= redo_end ||
			    !pt_leaf_same(it.old, it.addr, addr, oa, prot,
					  fmt_bits)) {
				ret = -EEXIST;
				break;
			}
			*mapped += min(end, it.addr + lsize) - it.next_addr;
			pt_iter_next(&it, false);
			continue;
		}
		if (pt_present(it.old)) {
			pt_iter_next(&it, true);
			continue;
		}
		lsize = tdpmmu_level_size(it.level);
		leaf.addr = it.addr;
		leaf.oa = it.addr - addr + oa;
		leaf.level = it.level;
		if (it.addr >= addr && it.addr + lsize <= end &&
		    t->leaf_levels & BIT(it.level) &&
		    !((leaf.addr | leaf.oa) & (lsize - 1))) {
			new = pt_mk_leaf(&leaf);
			if (!pt_install(it.ptep, &it.old, new, plain)) {
				retries++;
				it.old = READ_ONCE(*it.ptep);
				continue;
			}
			/* The next entries of this table, while they fit. */
			n = 1 + pt_install_run(it.ptep + 1, new, it.level,
					       pt_iter_run_room(&it), plain);
			pt_sync(t, it.ptep, n);
			pt_leaves_add(t, g, it.level, n);
			if (!plain && pt_lost_to_collapse(t, &it, g)) {
				/* The walk is back at the run's start. */
				redo_end = it.next_addr + n * lsize;
				continue;
			}
			pt_iter_run_skip(&it, n);
			*mapped += n * lsize;
			pt_iter_run_end(&it);
			continue;
		}
		table = tdpmmu_cache_take(cache);
		if (!table) {
			ret = -ENOMEM;
			break;
		}
		/* Fill the new table before anyone can see it. */
		leaf.oa = oa;
		leaf.addr = addr;
		pt_table_init(t, &it, table);
		filled = PT_NAME(fill_table)(t, table, it.level - 1,
					     max(it.addr, addr), end, &leaf,
					     g);
		pt_sync(t, table, TDPMMU_PTES_PER_TABLE);
		if (PT_NAME(link_table)(t, &it, table)) {
			if (filled) {
				n = filled >> tdpmmu_level_shift(it.level - 1);
				pt_leaves_add(t, g, it.level - 1, -(long)n);
				memset(table, 0, PAGE_SIZE);
			}
			tdpmmu_cache_return(cache, table);
			retries++;
			continue;
		}
		if (filled) {
			*mapped += filled;
			it.next_addr = max(it.addr, addr) + filled;
			pt_iter_restart(&it);
			continue;
		}
		pt_iter_next(&it, true);
	}
	rcu_read_unlock();
	pt_count_retries(t, retries);
	return ret;
}

static int PT_NAME(unmap)(struct tdpmmu *t, struct tdpmmu_root *root,
			  u64 addr, u64 size, unsigned int flags,
			  struct tdpmmu_cache *cache, u64 *unmapped,
			  struct tdpmmu_gather *g)
{
	bool plain = flags & (TDPMMU_EXCLUSIVE | TDPMMU_OWNED);
	u64 end = addr + size, lsize;
	long retries = 0;
	bool covered;
	struct pt_iter it;
	unsigned int n;
	int ret = 0;

	rcu_read_lock();
	pt_iter_start(&it, t, root, addr, end, 1);
	while (it.valid) {
		if (flags & TDPMMU_YIELD &&
		    pt_iter_cond_resched(t, &it, flags & TDPMMU_EXCLUSIVE,
					 g))
			continue;
		if (pt_frozen(it.old)) {
			ret = -EAGAIN;
			break;
		}
		if (!pt_present(it.old)) {
			pt_iter_next(&it, false);
			continue;
		}
		lsize = tdpmmu_level_size(it.level);
		covered = it.addr >= addr && it.addr + lsize <= end;
		if (pt_is_leaf(it.old, it.level)) {
			if (!covered && !(flags & TDPMMU_UNMAP_WHOLE)) {
				ret = PT_NAME(split_step)(t, &it, cache,
							  flags, &retries, g);
				if (ret)
					break;
				continue;
			}
			if (!pt_clear(t, it.ptep, &it.old, plain)) {
				retries++;
				continue;
			}
			/* The next leaves of this table, while covered. */
			n = 1;
			if (covered)
				n += pt_clear_run(t, it.ptep + 1, it.level,
						  pt_iter_run_room(&it), plain);
			pt_sync(t, it.ptep, n);
			pt_leaves_add(t, g, it.level, -(long)n);
			if (!plain && pt_lost_to_collapse(t, &it, g))
				continue;
			pt_iter_run_skip(&it, n);
			*unmapped += n * lsize;
			tdpmmu_gather_add_range(g, it.addr + lsize - n * lsize,
						n * lsize, it.level);
			pt_iter_run_end(&it);
			continue;
		}
		if (covered && flags & TDPMMU_UNMAP_TABLES) {
			if (!pt_cmpxchg(it.ptep, &it.old, PT_FROZEN)) {
				retries++;
				continue;
			}
			PT_NAME(free_subtree)(t, pt_table(it.old), it.level - 1,
					      it.addr, plain, g, unmapped);
			WRITE_ONCE(*it.ptep, 0);
			pt_sync(t, it.ptep, 1);
			tdpmmu_stat_add(t, tables[it.level - 1], -1);
			tdpmmu_gather_add_table(t, g, pt_table(it.old));
			tdpmmu_gather_add_range(g, it.addr, lsize, it.level);
			pt_iter_next(&it, false);
			continue;
		}
		pt_iter_next(&it, true);
	}
	rcu_read_unlock();
	pt_count_retries(t, retries);
	return ret;
}

/*
 * Walk on to the next leaf of a range operation: yield where @flags allow
 * it and it is due, step into tables and over holes.  Returns 0 at a leaf,
 * 1 at the end of the walk, -EAGAIN at a frozen entry.
 */
static int pt_iter_to_leaf(struct tdpmmu *t, struct pt_iter *it,
			   unsigned int flags, struct tdpmmu_gather *g)
	__must_hold(RCU)
{
	while (it->valid) {
		if (flags & TDPMMU_YIELD &&
		    pt_iter_cond_resched(t, it, flags & TDPMMU_EXCLUSIVE, g))
			continue;
		if (pt_frozen(it->old))
			return -EAGAIN;
		if (pt_is_leaf(it->old, it->level))
			return 0;
		pt_iter_next(it, true);
	}
	return 1;
}

/* End a range operation: how far it got, its retries, its result. */
static int pt_range_end(struct tdpmmu *t, const struct pt_iter *it,
			u64 addr, u64 size, int ret, long retries, u64 *done)
{
	if (ret > 0)
		ret = 0;
	*done = ret ? max(it->addr, addr) - addr : size;
	if (retries)
		tdpmmu_stat_add(t, retries, retries);
	return ret;
}

static int PT_NAME(split)(struct tdpmmu *t, struct tdpmmu_root *root,
			  u64 addr, u64 size, unsigned int level,
			  unsigned int flags, struct tdpmmu_cache *cache,
			  u64 *done, struct tdpmmu_gather *g)
{
	struct pt_iter it;
	long retries = 0;
	int ret;

	rcu_read_lock();
	pt_iter_start(&it, t, root, addr, addr + size, level + 1);
	while (!(ret = pt_iter_to_leaf(t, &it, flags, g))) {
		ret = PT_NAME(split_step)(t, &it, cache, flags, &retries, g);
		if (ret)
			break;
	}
	rcu_read_unlock();
	return pt_range_end(t, &it, addr, size, ret, retries, done);
}

/*
 * Change the leaf at the iterator to @new, the same translation with
 * other permissions or hardware bits, and add it to @g for the flush.
 * With @gated (a change that must not be lost to a collapse, in shared
 * mode), a collapse that took the table away sends the walk back to the
 * root (pt_lost_to_collapse()).  Returns 0 when done (or nothing to
 * change), 1 to look at the entry again after a lost race.
 */
static inline int pt_change_leaf(struct tdpmmu *t, struct pt_iter *it,
				 tdpmmu_pte_t new, bool gated,
				 struct tdpmmu_gather *g)
{
	if (new == it->old)
		return 0;
	if (!pt_cmpxchg(it->ptep, &it->old, new) ||
	    (gated && pt_lost_to_collapse(t, it, g)))
		return 1;
	pt_sync(t, it->ptep, 1);
	tdpmmu_gather_add_range(g, it->addr, tdpmmu_level_size(it->level),
				it->level);
	return 0;
}

static int PT_NAME(protect)(struct tdpmmu *t, struct tdpmmu_root *root,
			    u64 addr, u64 size, u32 set, u32 clear,
			    unsigned int flags, struct tdpmmu_cache *cache,
			    u64 *done, struct tdpmmu_gather *g)
{
	u64 end = addr + size, lsize;
	struct pt_iter it;
	long retries = 0;
	tdpmmu_pte_t new;
	u32 prot;
	int ret;

	rcu_read_lock();
	/* Huge leaves only: the walk does not go into tables of 4K leaves. */
	pt_iter_start(&it, t, root, addr, end,
		      flags & TDPMMU_HUGE_ONLY ? 2 : 1);
	while (!(ret = pt_iter_to_leaf(t, &it, flags, g))) {
		lsize = tdpmmu_level_size(it.level);
		if (it.addr < addr || it.addr + lsize > end) {
			ret = PT_NAME(split_step)(t, &it, cache, flags,
						  &retries, g);
			if (ret)
				break;
			continue;
		}
		prot = (pt_leaf_prot(it.old) & ~clear) | set;
		if (!(prot & PT_PROT_MASK)) {
			ret = -EINVAL;
			break;
		}
		new = pt_leaf_set_prot(it.old, prot);
		if (pt_change_leaf(t, &it, new, !(flags & TDPMMU_EXCLUSIVE),
				   g)) {
			retries++;
			continue;
		}
		pt_iter_next(&it, false);
	}
	rcu_read_unlock();
	return pt_range_end(t, &it, addr, size, ret, retries, done);
}

/* Give back the locks a failed collapse took on the first @n children. */
static void pt_unlock_children(tdpmmu_pte_t *table, unsigned int n)
{
	tdpmmu_pte_t c;

	while (n--) {
		c = READ_ONCE(table[n]);
		/* Hardware may set A/D meanwhile; an unlinker may freeze. */
		while (c & PT_LOCKED &&
		       !pt_cmpxchg(&table[n], &c, c & ~PT_LOCKED))
			;
	}
}

/* The leaf @n entries after @pte, a leaf of @level. */
static inline tdpmmu_pte_t pt_leaf_skip(tdpmmu_pte_t pte, unsigned int level,
					unsigned int n)
{
	while (n--)
		pte = pt_leaf_next(pte, level);
	return pte;
}

/*
 * Are the entries of @table the children that splitting @huge, a leaf of
 * @level without hardware bits, would give?  Or the hardware bits they
 * hold into *@hw.  A child XOR its expected value is 0 but for the
 * hardware bits it has; those are collected on the way, and the rest is
 * tested once per cache line (eight entries), not per entry.  Four
 * independent chains of expected values, one per entry of a group of
 * four, so that the loop is not bound by one chain's latency (twice as
 * fast as one chain; pt_split_child() for each entry is slower still, as
 * the level is not known at compile time).
 */
static inline bool pt_children_match(const tdpmmu_pte_t *table,
				     tdpmmu_pte_t huge, unsigned int level,
				     tdpmmu_pte_t *hw)
{
	tdpmmu_pte_t w0 = pt_split_child(huge, level, 0);
	tdpmmu_pte_t w1 = pt_split_child(huge, level, 1);
	tdpmmu_pte_t w2 = pt_split_child(huge, level, 2);
	tdpmmu_pte_t w3 = pt_split_child(huge, level, 3);
	tdpmmu_pte_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
	unsigned int i;

	for (i = 0; i < TDPMMU_PTES_PER_TABLE; i += 4) {
		a0 |= READ_ONCE(table[i]) ^ w0;
		a1 |= READ_ONCE(table[i + 1]) ^ w1;
		a2 |= READ_ONCE(table[i + 2]) ^ w2;
		a3 |= READ_ONCE(table[i + 3]) ^ w3;
		w0 = pt_leaf_skip(w0, level - 1, 4);
		w1 = pt_leaf_skip(w1, level - 1, 4);
		w2 = pt_leaf_skip(w2, level - 1, 4);
		w3 = pt_leaf_skip(w3, level - 1, 4);
		if (i % 8 && (a0 | a1 | a2 | a3) & ~PT_HW_BITS)
			return false;
	}
	*hw |= a0 | a1 | a2 | a3;
	return true;
}

/*
 * Replace the table at the iterator by one huge leaf if its entries are
 * leaves that map one aligned, contiguous output range with the same
 * attributes.  Nobody may change a child between the check and the swap:
 * in exclusive mode nobody can; in shared mode a table of 4K leaves is
 * guarded by its gate (pt_gate.h), and a table of huge leaves, whose
 * entries could become tables, locks each child first (PT_LOCKED: still
 * present for hardware, "being changed" for software) and keeps them
 * locked after the swap until the table is freed.  Hardware A/D bits of
 * the children are carried into the huge leaf.  Returns 1 if collapsed, 0
 * if not (nothing changed).
 */
static int PT_NAME(collapse_table)(struct tdpmmu *t, struct pt_iter *it,
				   bool exclusive, struct tdpmmu_gather *g)
{
	unsigned int level = it->level, i = 0;
	u64 size = tdpmmu_level_size(level);
	tdpmmu_pte_t *table = pt_table(it->old);
	bool gate = !exclusive && level == 2;
	tdpmmu_pte_t huge, want, c, hw = 0;

	c = READ_ONCE(table[0]);
	if (!pt_is_leaf(c, level - 1) || pt_frozen(c) ||
	    pt_leaf_oa(c) & (size - 1))
		return 0;
	huge = pt_merge_leaf(c & ~PT_HW_BITS, level);
	want = pt_split_child(huge, level, 0);
	if (gate && !pt_gate_close(table))
		return 0;
	if (exclusive || gate) {
		if (!pt_children_match(table, huge, level, &hw))
			goto abort;
	} else {
		for (; i < TDPMMU_PTES_PER_TABLE; i++) {
			c = READ_ONCE(table[i]);
			do {
				if ((c & ~PT_HW_BITS) != want)
					goto abort;
			} while (!pt_cmpxchg(&table[i], &c, c | PT_LOCKED));
			hw |= c & PT_HW_BITS;
			want = pt_leaf_next(want, level - 1);
		}
	}
	/*
	 * Until the flush, hardware may still set D in an old child through
	 * a cached pointer to this table, and that write would be lost with
	 * the table: a huge leaf made of writable children starts dirty.
	 */
	if (pt_leaf_writable(huge))
		hw |= PT_DIRTY;
	if (!pt_cmpxchg(it->ptep, &it->old, huge | hw))
		goto abort;
	if (gate)
		pt_gate_kill(table);
	pt_sync(t, it->ptep, 1);
	pt_leaves_add(t, g, level - 1, -TDPMMU_PTES_PER_TABLE);
	pt_leaves_add(t, g, level, 1);
	tdpmmu_stat_add(t, tables[level - 1], -1);
	tdpmmu_stat_add(t, collapses, 1);
	tdpmmu_gather_add_range(g, it->addr, size, level - 1);
	g->leaf_levels |= BIT(level);
	tdpmmu_gather_add_table(t, g, table);
	return 1;
abort:
	if (gate)
		pt_gate_open(table);
	else if (!exclusive)
		pt_unlock_children(table, i);
	return 0;
}

/* Collapse bottom-up: one pass per leaf level, so 4K->2M feeds 2M->1G. */
static int PT_NAME(collapse)(struct tdpmmu *t, struct tdpmmu_root *root,
			     u64 addr, u64 size, unsigned int flags,
			     u64 *collapsed, struct tdpmmu_gather *g)
{
	u64 end = addr + size;
	struct pt_iter it;
	unsigned int level;

	*collapsed = 0;
	rcu_read_lock();
	/* Up to the largest table that can lie wholly inside the range. */
	for (level = 2; level <= t->levels && tdpmmu_level_size(level) <= size;
	     level++) {
		if (!(t->leaf_levels & BIT(level)))
			continue;
		pt_iter_start(&it, t, root, addr, end, level);
		while (it.valid) {
			if (flags & TDPMMU_YIELD &&
			    pt_iter_cond_resched(t, &it,
						 flags & TDPMMU_EXCLUSIVE, g))
				continue;
			if (it.level == level && pt_is_table(it.old, level) &&
			    !pt_frozen(it.old) && it.addr >= addr &&
			    it.addr + tdpmmu_level_size(level) <= end)
				*collapsed += PT_NAME(collapse_table)(t, &it,
					flags & TDPMMU_EXCLUSIVE, g);
			pt_iter_next(&it, true);
		}
	}
	rcu_read_unlock();
	return 0;
}

/*
 * Install one leaf the way a page-fault handler does: split a huge leaf
 * above it, replace a table or a leaf of the same output address at its
 * level.  See tdpmmu_fault().
 */
static int PT_NAME(fault)(struct tdpmmu *t, struct tdpmmu_root *root,
			  const struct tdpmmu_leaf *leaf, unsigned int flags,
			  struct tdpmmu_cache *cache, u32 *linked,
			  struct tdpmmu_gather *g)
{
	u64 size = tdpmmu_level_size(leaf->level), unmapped = 0;
	tdpmmu_pte_t new = pt_mk_leaf(leaf), *table;
	unsigned int level;
	struct pt_iter it;
	long retries = 0;
	int ret = -EAGAIN, r;

	*linked = 0;
	rcu_read_lock();
	pt_iter_start(&it, t, root, leaf->addr, leaf->addr + size, leaf->level);
	while (it.valid) {
		if (pt_frozen(it.old))
			break;
		if (it.level > leaf->level && pt_is_leaf(it.old, it.level)) {
			level = it.level;
			ret = PT_NAME(split_step)(t, &it, cache, flags, &retries,
						  g);
			if (ret)
				break;
			if (it.level < level)
				*linked |= BIT(it.level);
			ret = -EAGAIN;
			continue;
		}
		if (it.level > leaf->level) {
			if (!pt_present(it.old)) {
				r = PT_NAME(link_from_cache)(t, &it, cache);
				if (r < 0) {
					ret = r;
					break;
				}
				if (r) {
					retries++;
					continue;
				}
				*linked |= BIT(it.level - 1);
			}
			pt_iter_next(&it, true);
			continue;
		}
		if (pt_is_leaf(it.old, it.level)) {
			if (pt_leaf_oa(it.old) != leaf->oa) {
				ret = -EEXIST;
				break;
			}
			/* The same leaf: keep what hardware set in it. */
			if ((it.old & ~PT_HW_BITS) == (new & ~PT_HW_BITS)) {
				ret = 1;
				break;
			}
			if (!pt_cmpxchg(it.ptep, &it.old,
					new | (it.old & PT_HW_BITS))) {
				retries++;
				continue;
			}
			if (pt_lost_to_collapse(t, &it, g))
				continue;
			pt_sync(t, it.ptep, 1);
			/* Only a permission taken away needs a flush. */
			if (pt_leaf_prot(it.old) & ~leaf->prot)
				tdpmmu_gather_add_range(g, it.addr, size,
							it.level);
			ret = 0;
			break;
		}
		if (pt_present(it.old)) {
			/* A table where the huge leaf goes: freeze, free it. */
			if (!pt_cmpxchg(it.ptep, &it.old, PT_FROZEN)) {
				retries++;
				continue;
			}
			table = pt_table(it.old);
			PT_NAME(free_subtree)(t, table, it.level - 1, it.addr,
					      false, g, &unmapped);
			tdpmmu_stat_add(t, tables[it.level - 1], -1);
			tdpmmu_gather_add_table(t, g, table);
			tdpmmu_gather_add_range(g, it.addr, size, it.level - 1);
			/* The subtree is frozen before the leaf replaces it. */
			smp_store_release(it.ptep, new);
			pt_sync(t, it.ptep, 1);
			pt_leaves_add(t, g, it.level, 1);
			ret = 0;
			break;
		}
		if (!pt_cmpxchg(it.ptep, &it.old, new)) {
			retries++;
			continue;
		}
		pt_sync(t, it.ptep, 1);
		pt_leaves_add(t, g, it.level, 1);
		if (pt_lost_to_collapse(t, &it, g))
			continue;
		ret = 0;
		break;
	}
	rcu_read_unlock();
	if (retries)
		tdpmmu_stat_add(t, retries, retries);
	return ret;
}

/*
 * Lockless walk from the root to the entry that translates @addr, as a
 * hardware walker does: down through tables only, never sideways.  See
 * tdpmmu_walk().
 */
static int PT_NAME(walk)(struct tdpmmu *t, struct tdpmmu_root *root,
			 u64 addr, tdpmmu_pte_t *entries, tdpmmu_pte_t **last)
	__must_hold(RCU)
{
	struct pt_iter it;

	pt_iter_start(&it, t, root, addr, addr + 1, 1);
	for (;;) {
		if (entries)
			entries[it.level] = it.old;
		if (!pt_is_table(it.old, it.level))
			break;
		pt_iter_next(&it, true);
	}
	if (last)
		*last = it.ptep;
	return it.level;
}

static int PT_NAME(lookup)(struct tdpmmu *t, struct tdpmmu_root *root,
			   u64 addr, struct tdpmmu_leaf *leaf)
{
	tdpmmu_pte_t entries[TDPMMU_MAX_LEVELS + 1], pte;
	unsigned int level;

	rcu_read_lock();
	level = PT_NAME(walk)(t, root, addr, entries, NULL);
	rcu_read_unlock();
	pte = entries[level];
	if (!pt_is_leaf(pte, level))
		return -ENOENT;
	leaf->level = level;
	leaf->addr = round_down(addr, tdpmmu_level_size(level));
	leaf->oa = pt_leaf_oa(pte);
	leaf->prot = pt_leaf_prot(pte);
	leaf->fmt_bits = pt_leaf_fmt_bits(pte);
	return 0;
}

static void PT_NAME(zap_root)(struct tdpmmu *t, struct tdpmmu_root *root,
			      struct tdpmmu_gather *g)
{
	u64 unmapped = 0;

	PT_NAME(free_subtree)(t, root->table, t->levels, 0, true, g,
			      &unmapped);
	if (unmapped || g->nr_free)
		tdpmmu_gather_add_range(g, 0, 1ULL << t->va_bits,
					t->levels);
}

/* The leaves of @level in @table, which nobody can change any more. */
static unsigned int PT_NAME(count_leaves)(const tdpmmu_pte_t *table,
					  unsigned int level)
{
	unsigned int i, n = 0;

	for (i = 0; i < TDPMMU_PTES_PER_TABLE; i++)
		n += pt_is_leaf(READ_ONCE(table[i]), level);
	return n;
}

#include "pt_track.h"

const struct tdpmmu_format PT_FORMAT = {
	.name = __stringify(PT_FMT),
	.min_levels = PT_MIN_LEVELS,
	.max_levels = PT_MAX_LEVELS,
	.huge_levels = PT_HUGE_LEVELS,
	.fmt_bits_mask = PT_FMT_BITS_MASK,
	.prot_mask = PT_PROT_MASK,
	.split_bbm = PT_SPLIT_BBM,
	.map = PT_NAME(map),
	.map_range = PT_NAME(map_range),
	.unmap = PT_NAME(unmap),
	.split = PT_NAME(split),
	.protect = PT_NAME(protect),
	.collapse = PT_NAME(collapse),
	.read_clear_dirty = PT_NAME(read_clear_dirty),
	.clear_dirty_mask = PT_NAME(clear_dirty_mask),
	.age = PT_NAME(age),
	.lookup = PT_NAME(lookup),
	.fault = PT_NAME(fault),
	.walk = PT_NAME(walk),
	.zap_root = PT_NAME(zap_root),
	.count_leaves = PT_NAME(count_leaves),
};
EXPORT_SYMBOL_GPL(PT_FORMAT);
