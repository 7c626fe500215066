/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tdpmmu core operations, compiled once per format.
 *
 * A format's .c file defines PT_FMT (its name), includes its header of
 * inline entry helpers and then this file, which generates the
 * operations and the format's struct tdpmmu_format.  Every entry helper
 * is inlined into the loops here: no indirect call per entry.
 *
 * The format header provides:
 *   pt_present(pte), pt_is_table(pte, level), pt_is_leaf(pte, level),
 *   pt_table(pte) (kernel address of the child table),
 *   pt_mk_table(table), pt_mk_leaf(leaf), pt_leaf_oa(pte),
 *   pt_leaf_prot(pte), pt_leaf_fmt_bits(pte), PT_FROZEN,
 *   pt_sync(t, ptep, n) (cache maintenance after publishing entries),
 *   PT_MIN_LEVELS, PT_MAX_LEVELS, PT_HUGE_LEVELS, PT_FMT_BITS_MASK.
 */
#include <linux/tdpmmu.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/stringify.h>
#include <linux/rcupdate.h>

#include "pt_iter.h"

#define __PT_NAME(fmt, x)	tdpmmu_##fmt##_##x
#define _PT_NAME(fmt, x)	__PT_NAME(fmt, x)
#define PT_NAME(x)		_PT_NAME(PT_FMT, x)

static inline bool pt_frozen(tdpmmu_pte_t pte)
{
	return pte == PT_FROZEN;
}

static inline bool pt_cmpxchg(tdpmmu_pte_t *ptep, tdpmmu_pte_t *old,
			      tdpmmu_pte_t new)
{
	return try_cmpxchg64(ptep, old, new);
}

/*
 * Account every entry of a table that was unlinked from the tree, children
 * first, and queue the child tables for freeing.  In shared mode every
 * entry, present or not, is exchanged with the sentinel: a thread still
 * inside this table (it read the parent entry before it was frozen) then
 * fails its cmpxchg and backs off, instead of installing a leaf into a
 * table that is about to be freed.  @exclusive: nobody else can reach the
 * table (root teardown), plain reads suffice.
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
		if (exclusive)
			old = READ_ONCE(table[i]);
		else
			old = xchg(&table[i], PT_FROZEN);
		if (!pt_present(old))
			continue;
		if (pt_is_leaf(old, level)) {
			leaves++;
			continue;
		}
		PT_NAME(free_subtree)(t, pt_table(old), level - 1, addr,
				      exclusive, g, unmapped);
		atomic64_dec(&t->stats.tables[level - 1]);
		tdpmmu_gather_add_table(t, g, pt_table(old));
	}
	if (leaves) {
		atomic64_sub(leaves, &t->stats.leaves[level]);
		*unmapped += leaves * size;
		g->leaf_levels |= BIT(level);
	}
}

/* Fold an operation's local counts into the instance's, once. */
static inline void pt_count(struct tdpmmu *t, const long *leaves, int sign,
			    long retries)
{
	unsigned int l;

	for (l = 1; l <= TDPMMU_MAX_LEVELS; l++)
		if (leaves[l])
			atomic64_add(sign * leaves[l], &t->stats.leaves[l]);
	if (retries)
		atomic64_add(retries, &t->stats.retries);
}

/* Link a fresh table at the iterator's (non-present) entry. */
static int PT_NAME(link_table)(struct tdpmmu *t, struct pt_iter *it,
			       tdpmmu_pte_t *table)
{
	if (!pt_cmpxchg(it->ptep, &it->old, pt_mk_table(table)))
		return -EAGAIN;
	pt_sync(t, it->ptep, 1);
	atomic64_inc(&t->stats.tables[it->level - 1]);
	return 0;
}

static int PT_NAME(map)(struct tdpmmu *t, struct tdpmmu_root *root,
			const struct tdpmmu_leaf *leaf,
			struct tdpmmu_cache *cache, struct tdpmmu_gather *g)
{
	tdpmmu_pte_t new = pt_mk_leaf(leaf);
	tdpmmu_pte_t *table;
	struct pt_iter it;
	int ret = -EAGAIN;

	rcu_read_lock();
	pt_iter_start(&it, t, root, leaf->addr,
		      leaf->addr + tdpmmu_level_size(leaf->level),
		      leaf->level);
	while (it.valid) {
		if (pt_frozen(it.old))
			break;
		if (it.level == leaf->level) {
			if (pt_present(it.old)) {
				ret = it.old == new ? 0 : -EEXIST;
				break;
			}
			if (!pt_cmpxchg(it.ptep, &it.old, new)) {
				atomic64_inc(&t->stats.retries);
				continue;
			}
			pt_sync(t, it.ptep, 1);
			atomic64_inc(&t->stats.leaves[it.level]);
			ret = 0;
			break;
		}
		if (pt_is_leaf(it.old, it.level)) {
			ret = -EEXIST;
			break;
		}
		if (!pt_present(it.old)) {
			table = tdpmmu_cache_take(cache);
			if (!table) {
				ret = -ENOMEM;
				break;
			}
			if (PT_NAME(link_table)(t, &it, table)) {
				tdpmmu_cache_return(cache, table);
				atomic64_inc(&t->stats.retries);
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
			       struct tdpmmu_leaf *leaf)
{
	u64 size = tdpmmu_level_size(level);
	u64 oa_delta = leaf->oa - leaf->addr;
	u64 span_end = round_down(addr, size * TDPMMU_PTES_PER_TABLE) +
		       size * TDPMMU_PTES_PER_TABLE;
	unsigned int i = pt_index(addr, level), n = 0;

	if (!(t->leaf_levels & BIT(level)) ||
	    (addr | (addr + oa_delta)) & (size - 1))
		return 0;
	end = min(end, span_end);
	leaf->level = level;
	for (; addr + size <= end; addr += size, i++, n++) {
		leaf->addr = addr;
		leaf->oa = addr + oa_delta;
		table[i] = pt_mk_leaf(leaf);
	}
	atomic64_add(n, &t->stats.leaves[level]);
	return (u64)n * size;
}

static int PT_NAME(map_range)(struct tdpmmu *t, struct tdpmmu_root *root,
			      u64 addr, u64 oa, u64 size, u32 prot,
			      u64 fmt_bits, struct tdpmmu_cache *cache,
			      u64 *mapped, struct tdpmmu_gather *g)
{
	struct tdpmmu_leaf leaf = { .prot = prot, .fmt_bits = fmt_bits };
	long leaves[TDPMMU_MAX_LEVELS + 1] = { 0 }, retries = 0;
	u64 end = addr + size, lsize, filled;
	tdpmmu_pte_t *table;
	struct pt_iter it;
	unsigned int n;
	int ret = 0;

	rcu_read_lock();
	pt_iter_start(&it, t, root, addr, end, 1);
	while (it.valid) {
		if (pt_frozen(it.old)) {
			ret = -EAGAIN;
			break;
		}
		if (pt_is_leaf(it.old, it.level)) {
			ret = -EEXIST;
			break;
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
			if (!pt_cmpxchg(it.ptep, &it.old, pt_mk_leaf(&leaf))) {
				retries++;
				continue;
			}
			n = 1;
			/* The next entries of this table, while they fit. */
			while (pt_iter_run_fits(&it, lsize)) {
				leaf.addr += lsize;
				leaf.oa += lsize;
				it.old = 0;
				if (!pt_cmpxchg(it.ptep + 1, &it.old,
						pt_mk_leaf(&leaf)))
					break;
				pt_iter_run_advance(&it, lsize);
				n++;
			}
			pt_sync(t, it.ptep + 1 - n, n);
			leaves[it.level] += n;
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
		filled = PT_NAME(fill_table)(t, table, it.level - 1,
					     max(it.addr, addr), end, &leaf);
		if (filled)
			pt_sync(t, table, TDPMMU_PTES_PER_TABLE);
		if (PT_NAME(link_table)(t, &it, table)) {
			if (filled) {
				atomic64_sub(filled >> tdpmmu_level_shift(it.level - 1),
					     &t->stats.leaves[it.level - 1]);
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
	pt_count(t, leaves, 1, retries);
	return ret;
}

static int PT_NAME(unmap)(struct tdpmmu *t, struct tdpmmu_root *root,
			  u64 addr, u64 size, unsigned int flags,
			  u64 *unmapped, struct tdpmmu_gather *g)
{
	long leaves[TDPMMU_MAX_LEVELS + 1] = { 0 }, retries = 0;
	u64 end = addr + size, lsize;
	bool covered;
	struct pt_iter it;
	unsigned int n;
	int ret = 0;

	rcu_read_lock();
	pt_iter_start(&it, t, root, addr, end, 1);
	while (it.valid) {
		if (flags & TDPMMU_UNMAP_YIELD &&
		    pt_iter_cond_resched(t, &it, flags & TDPMMU_UNMAP_EXCLUSIVE,
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
			if (!covered) {
				ret = -EBUSY;
				break;
			}
			if (!pt_cmpxchg(it.ptep, &it.old, 0)) {
				retries++;
				continue;
			}
			n = 1;
			/* The next leaves of this table, while covered. */
			while (pt_iter_run_fits(&it, lsize)) {
				it.old = READ_ONCE(it.ptep[1]);
				if (!pt_is_leaf(it.old, it.level) ||
				    !pt_cmpxchg(it.ptep + 1, &it.old, 0))
					break;
				pt_iter_run_advance(&it, lsize);
				n++;
			}
			pt_sync(t, it.ptep + 1 - n, n);
			leaves[it.level] += n;
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
					      it.addr, false, g, unmapped);
			WRITE_ONCE(*it.ptep, 0);
			pt_sync(t, it.ptep, 1);
			atomic64_dec(&t->stats.tables[it.level - 1]);
			tdpmmu_gather_add_table(t, g, pt_table(it.old));
			tdpmmu_gather_add_range(g, it.addr, lsize, it.level);
			pt_iter_next(&it, false);
			continue;
		}
		pt_iter_next(&it, true);
	}
	rcu_read_unlock();
	pt_count(t, leaves, -1, retries);
	return ret;
}

static int PT_NAME(lookup)(struct tdpmmu *t, struct tdpmmu_root *root,
			   u64 addr, struct tdpmmu_leaf *leaf)
{
	tdpmmu_pte_t *table = root->table;
	unsigned int level = t->levels;
	tdpmmu_pte_t pte;
	int ret = -ENOENT;

	rcu_read_lock();
	for (;;) {
		pte = READ_ONCE(table[pt_index(addr, level)]);
		if (!pt_present(pte))
			break;
		if (pt_is_leaf(pte, level)) {
			leaf->level = level;
			leaf->addr = round_down(addr, tdpmmu_level_size(level));
			leaf->oa = pt_leaf_oa(pte);
			leaf->prot = pt_leaf_prot(pte);
			leaf->fmt_bits = pt_leaf_fmt_bits(pte);
			ret = 0;
			break;
		}
		table = pt_table(pte);
		level--;
	}
	rcu_read_unlock();
	return ret;
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

const struct tdpmmu_format PT_NAME(format) = {
	.name = __stringify(PT_FMT),
	.min_levels = PT_MIN_LEVELS,
	.max_levels = PT_MAX_LEVELS,
	.huge_levels = PT_HUGE_LEVELS,
	.fmt_bits_mask = PT_FMT_BITS_MASK,
	.map = PT_NAME(map),
	.map_range = PT_NAME(map_range),
	.unmap = PT_NAME(unmap),
	.lookup = PT_NAME(lookup),
	.zap_root = PT_NAME(zap_root),
};
