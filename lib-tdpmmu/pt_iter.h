/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tdpmmu pre-order walk over one root, compiled per format.
 *
 * Include after the format header: it uses pt_is_table() and pt_table()
 * from there.  The walk visits every entry whose span intersects
 * [start, end), parents before children, down to min_level.  A walk can
 * be restarted from the root at any point (after the lock was dropped,
 * or to skip what an operation already did).
 */
#ifndef _TDPMMU_PT_ITER_H
#define _TDPMMU_PT_ITER_H

#include <linux/kernel.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/tdpmmu.h>

/**
 * struct pt_iter - walk state
 * @root: the root the walk started from
 * @pt_path: pt_path[l] is the table holding the level-l entries visited
 * @ptep: the current entry
 * @old: what @ptep held when it was read
 * @addr: input address of the current entry, aligned to its level
 * @next_addr: where a restart resumes: the lowest address not yet done
 * @start: first address of the walk
 * @end: end (exclusive) of the walk
 * @level: level of the current entry
 * @min_level: the walk does not go below this level
 * @root_level: level of the root table
 * @yielded_addr: @next_addr at the last yield, so that a walk never
 *	yields twice at the same place (forward progress)
 * @since_yield: entries visited since the walk last yielded
 * @valid: false once the walk is done
 */
struct pt_iter {
	tdpmmu_pte_t *pt_path[TDPMMU_MAX_LEVELS + 1];
	struct tdpmmu_root *root;
	tdpmmu_pte_t *ptep;
	tdpmmu_pte_t old;
	u64 addr;
	u64 next_addr;
	u64 start;
	u64 end;
	unsigned int level;
	unsigned int min_level;
	unsigned int root_level;
	u64 yielded_addr;
	unsigned int since_yield;
	bool valid;
};

static inline unsigned int pt_index(u64 addr, unsigned int level)
{
	return (addr >> tdpmmu_level_shift(level)) &
	       (TDPMMU_PTES_PER_TABLE - 1);
}

static inline void pt_iter_read(struct pt_iter *it)
{
	it->ptep = it->pt_path[it->level] + pt_index(it->addr, it->level);
	it->old = READ_ONCE(*it->ptep);
}

/* Walk again from the root, resuming at it->next_addr. */
static inline void pt_iter_restart(struct pt_iter *it)
{
	it->level = it->root_level;
	it->addr = round_down(it->next_addr,
			      tdpmmu_level_size(it->level));
	it->valid = it->next_addr < it->end;
	pt_iter_read(it);
}

static inline void pt_iter_start(struct pt_iter *it, struct tdpmmu *t,
				 struct tdpmmu_root *root, u64 start, u64 end,
				 unsigned int min_level)
{
	it->root = root;
	it->root_level = t->levels;
	it->pt_path[t->levels] = root->table;
	it->min_level = min_level;
	it->start = start;
	it->end = end;
	it->next_addr = start;
	it->yielded_addr = ~0ULL;
	it->since_yield = 0;
	pt_iter_restart(it);
}

/*
 * Drop the lock (read or write, @exclusive) if rescheduling is due or
 * someone waits for the lock, after flushing and freeing what @g holds;
 * then walk again from the root at it->next_addr: tables seen before may
 * be gone.  Never twice at the same it->next_addr.  Returns true if it
 * yielded.
 */
static inline bool pt_iter_cond_resched(struct tdpmmu *t, struct pt_iter *it,
					bool exclusive, struct tdpmmu_gather *g)
	__must_hold(RCU)
{
	bool forced = t->yield_interval &&
		      ++it->since_yield >= t->yield_interval;

	if (it->next_addr == it->yielded_addr)
		return false;
	if (!forced && !need_resched() && !rwlock_needbreak(t->lock))
		return false;

	rcu_read_unlock();
	tdpmmu_gather_finish(t, g);
	if (exclusive) {
		write_unlock(t->lock);
		cond_resched();
		write_lock(t->lock);
	} else {
		read_unlock(t->lock);
		cond_resched();
		read_lock(t->lock);
	}
	rcu_read_lock();
	tdpmmu_stat_add(t, yields, 1);
	it->since_yield = 0;
	it->yielded_addr = it->next_addr;
	pt_iter_restart(it);
	return true;
}

/*
 * Go down into the table at the current entry.  The entry is read again:
 * the operation may have linked a table here.  If it changed into
 * anything else (a concurrent collapse made it a leaf, an unlink froze
 * it), stay on it with the new value, so the operation looks at it again
 * instead of skipping what is now there.
 */
static inline bool pt_iter_step_down(struct pt_iter *it)
{
	tdpmmu_pte_t pte;

	if (it->level == it->min_level)
		return false;
	pte = READ_ONCE(*it->ptep);
	if (!pt_is_table(pte, it->level)) {
		if (pte == it->old)
			return false;
		it->old = pte;
		return true;
	}
	it->level--;
	it->pt_path[it->level] = pt_table(pte);
	it->addr = round_down(max(it->next_addr, it->addr),
			      tdpmmu_level_size(it->level));
	pt_iter_read(it);
	return true;
}

static inline bool pt_iter_step_side(struct pt_iter *it)
{
	if (pt_index(it->addr, it->level) == TDPMMU_PTES_PER_TABLE - 1)
		return false;
	it->addr += tdpmmu_level_size(it->level);
	it->next_addr = it->addr;
	it->ptep++;
	it->old = READ_ONCE(*it->ptep);
	return true;
}

static inline bool pt_iter_step_up(struct pt_iter *it)
{
	if (it->level == it->root_level)
		return false;
	it->level++;
	it->addr = round_down(it->addr, tdpmmu_level_size(it->level));
	it->ptep = it->pt_path[it->level] + pt_index(it->addr, it->level);
	return true;
}

/*
 * Runs: an operation that changed the current entry may go on with the
 * following entries of the same table in a tight loop, then resume the
 * walk after the last one it did.
 */
/* Entries after the current one that are in its table and in range. */
static inline unsigned int pt_iter_run_room(const struct pt_iter *it)
{
	unsigned int left = TDPMMU_PTES_PER_TABLE - 1 -
			    pt_index(it->addr, it->level);
	u64 in_range = (it->end - it->addr) >>
		       tdpmmu_level_shift(it->level);

	return in_range ? min_t(u64, left, in_range - 1) : 0;
}

/* Move to the last entry of a run of @n entries that began here. */
static inline void pt_iter_run_skip(struct pt_iter *it, unsigned int n)
{
	it->ptep += n - 1;
	it->addr += (u64)(n - 1) << tdpmmu_level_shift(it->level);
}

/* Advance; @descend false skips the children of the current entry. */
static inline void pt_iter_next(struct pt_iter *it, bool descend)
{
	if (descend && pt_iter_step_down(it))
		goto check;
	do {
		if (pt_iter_step_side(it))
			goto check;
	} while (pt_iter_step_up(it));
	it->valid = false;
	return;
check:
	if (it->addr >= it->end)
		it->valid = false;
}

/* Resume the walk after the last entry of a run. */
static inline void pt_iter_run_end(struct pt_iter *it)
{
	it->next_addr = it->addr;
	it->old = READ_ONCE(*it->ptep);
	pt_iter_next(it, false);
}

#endif /* _TDPMMU_PT_ITER_H */
