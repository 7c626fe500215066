// SPDX-License-Identifier: GPL-2.0-only
/*
 * tdpmmu invalidation tracking.
 *
 * In-flight invalidations live in a maple tree as non-overlapping pieces,
 * each with the number of invalidations covering it: begin adds one over
 * its range (splitting the pieces its ends fall in), end takes one away.
 * Boundaries are never merged while a piece is in flight, so the pieces
 * an end walks are exactly those its begin made or found, and every end
 * store overwrites one existing piece: it needs no memory and cannot fail.
 *
 * Ordering (see Documentation/core-api/tdpmmu/tdpmmu.rst):
 *  - begin publishes its pieces under @tree_lock before the front-end zaps,
 *    with its own lock held for write; a fault checks and installs with
 *    that lock held for read, so it either installs before the zap (which
 *    removes it) or checks after it (and sees the range in flight).
 *  - end writes the history slot, then @seq (release), then the tree.  A
 *    fault reads the tree, then @seq: if the tree no longer shows the
 *    range, the fault sees the new @seq and finds the range in history.
 */
#include <linux/tdpmmu_inval.h>
#include <asm/barrier.h>
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/gfp.h>
#include <linux/lockdep.h>
#include <linux/maple_tree.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/xarray.h>

/**
 * tdpmmu_inval_init() - set up empty tracking
 * @iv: the tracking, embedded in the front-end's structure
 */
void tdpmmu_inval_init(struct tdpmmu_inval *iv)
{
	unsigned int i;

	mutex_init(&iv->lock);
	spin_lock_init(&iv->tree_lock);
	/*
	 * Not in RCU mode: a fault reads the tree holding @tree_lock, and a
	 * change takes it only to store what @lock's holder preallocated,
	 * so nodes are replaced in place and freed while no reader is in.
	 */
	mt_init_flags(&iv->in_flight, MT_FLAGS_LOCK_EXTERN);
	mt_set_external_lock(&iv->in_flight, &iv->lock);
	iv->seq = 0;
	for (i = 0; i < TDPMMU_INVAL_HISTORY; i++)
		iv->ended[i] = (struct tdpmmu_inval_ended){ 0 };
	atomic_long_set(&iv->retries_in_flight, 0);
	atomic_long_set(&iv->retries_ended, 0);
	atomic_long_set(&iv->retries_history, 0);
}
EXPORT_SYMBOL_GPL(tdpmmu_inval_init);

/**
 * tdpmmu_inval_destroy() - free the tracking
 * @iv: the tracking; no invalidation may be in flight
 */
void tdpmmu_inval_destroy(struct tdpmmu_inval *iv)
{
	WARN_ON_ONCE(tdpmmu_inval_in_flight(iv, 0, ~0ULL));
	mutex_lock(&iv->lock);
	__mt_destroy(&iv->in_flight);
	mutex_unlock(&iv->lock);
	mutex_destroy(&iv->lock);
}
EXPORT_SYMBOL_GPL(tdpmmu_inval_destroy);

/*
 * Store @count over [@first, @last], which is one piece or a gap: the
 * nodes are allocated first, then stored under @tree_lock.
 */
static int inval_store(struct tdpmmu_inval *iv, struct ma_state *mas,
		       u64 first, u64 last, unsigned long count, gfp_t gfp)
{
	void *entry = count ? xa_mk_value(count) : NULL;

	mas_set_range(mas, first, last);
	if (mas_preallocate(mas, entry, gfp)) {
		if (count)
			return -ENOMEM;
		/* A count of 0 overwrites the piece in place: no memory. */
		entry = xa_mk_value(0);
		mas_set_range(mas, first, last);
		if (mas_preallocate(mas, entry, gfp))
			return -ENOMEM;
	}
	spin_lock(&iv->tree_lock);
	mas_store_prealloc(mas, entry);
	spin_unlock(&iv->tree_lock);
	return 0;
}

/*
 * Add @delta (+1 or -1) to the count of [@first, @last], piece by piece.
 * On failure (only when adding: a gap or a split piece needs memory),
 * *@done is where it stopped; the pieces before it were changed.
 */
static int inval_add(struct tdpmmu_inval *iv, u64 first, u64 last, int delta,
		     gfp_t gfp, u64 *done)
{
	MA_STATE(mas, &iv->in_flight, first, first);
	unsigned long count;
	u64 pos = first, piece_last;
	void *entry;
	int ret;

	lockdep_assert_held(&iv->lock);
	for (;;) {
		mas_set(&mas, pos);
		entry = mas_find(&mas, last);
		if (!entry) {
			piece_last = last;
			count = 0;
		} else if (mas.index > pos) {
			piece_last = mas.index - 1;
			count = 0;
		} else {
			piece_last = min_t(u64, mas.last, last);
			count = xa_to_value(entry);
		}
		if (WARN_ON_ONCE(delta < 0 && !count))
			count = 1;	/* an end without its begin */
		ret = inval_store(iv, &mas, pos, piece_last, count + delta,
				  gfp);
		if (ret) {
			*done = pos;
			return ret;
		}
		if (piece_last == last)
			return 0;
		pos = piece_last + 1;
	}
}

/**
 * tdpmmu_inval_begin() - an invalidation of [@start, @end) starts
 * @iv: the tracking
 * @start: first input address
 * @end: end (exclusive)
 * @blockable: the caller may sleep (mmu_notifier_range_blockable())
 *
 * Call before zapping the range; the zap must hold the front-end's lock
 * for write.  Faults that overlap the range retry until the matching
 * tdpmmu_inval_end(), and once more if they began before it ended.
 *
 * Return: 0; -EINVAL for an empty or wrapping range; -EAGAIN if
 * @blockable is false and this would have to wait or allocate, -ENOMEM
 * if it could not allocate.  On error nothing changed.
 */
int tdpmmu_inval_begin(struct tdpmmu_inval *iv, u64 start, u64 end,
		       bool blockable)
{
	gfp_t gfp = blockable ? GFP_KERNEL : GFP_NOWAIT | __GFP_NOWARN;
	u64 done, unused;
	int ret;

	if (start >= end)
		return -EINVAL;
	if (blockable)
		mutex_lock(&iv->lock);
	else if (!mutex_trylock(&iv->lock))
		return -EAGAIN;
	ret = inval_add(iv, start, end - 1, 1, gfp, &done);
	if (ret && done > start)
		WARN_ON_ONCE(inval_add(iv, start, done - 1, -1, gfp, &unused));
	mutex_unlock(&iv->lock);
	if (ret)
		return blockable ? -ENOMEM : -EAGAIN;
	return 0;
}
EXPORT_SYMBOL_GPL(tdpmmu_inval_begin);

/**
 * tdpmmu_inval_end() - the invalidation of [@start, @end) has ended
 * @iv: the tracking
 * @start: as given to tdpmmu_inval_begin(), which returned 0
 * @end: likewise
 *
 * Context: may sleep (takes a mutex); allocates nothing.
 */
void tdpmmu_inval_end(struct tdpmmu_inval *iv, u64 start, u64 end)
{
	struct tdpmmu_inval_ended *e;
	unsigned long seq;
	u64 unused;

	if (WARN_ON_ONCE(start >= end))
		return;
	mutex_lock(&iv->lock);
	seq = iv->seq + 1;
	e = &iv->ended[seq % TDPMMU_INVAL_HISTORY];
	WRITE_ONCE(e->seq, 0);
	/* A reader that sees the new bounds sees seq 0 or the new seq. */
	smp_wmb();
	WRITE_ONCE(e->start, start);
	WRITE_ONCE(e->last, end - 1);
	/* The bounds before the slot's seq: pairs with retry's acquire. */
	smp_store_release(&e->seq, seq);
	/* The slot before @seq: pairs with tdpmmu_inval_seq()'s acquire. */
	smp_store_release(&iv->seq, seq);
	/* @seq before the tree says the range ended: pairs with retry. */
	smp_wmb();
	inval_add(iv, start, end - 1, -1, GFP_NOWAIT | __GFP_NOWARN, &unused);
	mutex_unlock(&iv->lock);
}
EXPORT_SYMBOL_GPL(tdpmmu_inval_end);

/**
 * tdpmmu_inval_seq() - snapshot for a fault, before it resolves its output
 * @iv: the tracking
 *
 * Return: the value to pass to tdpmmu_inval_retry().
 */
unsigned long tdpmmu_inval_seq(struct tdpmmu_inval *iv)
{
	/* Pairs with the release in end: the history slot is visible. */
	return smp_load_acquire(&iv->seq);
}
EXPORT_SYMBOL_GPL(tdpmmu_inval_seq);

/**
 * tdpmmu_inval_in_flight() - is any of [@start, @end) being invalidated
 * @iv: the tracking
 * @start: first input address
 * @end: end (exclusive)
 *
 * Context: any; takes a spinlock.
 * Return: true if an invalidation overlapping the range has begun and
 * not ended.
 */
bool tdpmmu_inval_in_flight(struct tdpmmu_inval *iv, u64 start, u64 end)
{
	MA_STATE(mas, &iv->in_flight, start, start);
	bool found = false;
	void *entry;

	/* RCU only for the tree's lockdep checks: @tree_lock excludes changes. */
	rcu_read_lock();
	spin_lock(&iv->tree_lock);
	mas_for_each(&mas, entry, end - 1) {
		if (xa_to_value(entry)) {
			found = true;
			break;
		}
	}
	spin_unlock(&iv->tree_lock);
	rcu_read_unlock();
	return found;
}
EXPORT_SYMBOL_GPL(tdpmmu_inval_in_flight);

/**
 * tdpmmu_inval_retry() - must a fault on [@start, @end) retry
 * @iv: the tracking
 * @seq: tdpmmu_inval_seq() from before the fault resolved its output
 * @start: first input address the fault maps
 * @end: end (exclusive)
 *
 * A fault retries if an invalidation overlapping its range is in flight,
 * or ended after @seq was taken: its output may be stale.  Invalidations
 * of other ranges do not make it retry.
 *
 * Context: the front-end's lock held (read), the same critical section
 * as the install.
 * Return: true if the fault must not install.
 */
bool tdpmmu_inval_retry(struct tdpmmu_inval *iv, unsigned long seq,
			u64 start, u64 end)
{
	const struct tdpmmu_inval_ended *e;
	unsigned long now, s, s1, s2;
	u64 first, last;

	if (tdpmmu_inval_in_flight(iv, start, end)) {
		atomic_long_inc(&iv->retries_in_flight);
		return true;
	}
	/* The tree above, then @seq: pairs with the smp_wmb() in end. */
	smp_rmb();
	/* And the history after @seq: pairs with the release in end. */
	now = smp_load_acquire(&iv->seq);
	if (now == seq)
		return false;
	if (now - seq >= TDPMMU_INVAL_HISTORY)
		goto history;
	for (s = seq + 1; s - seq <= now - seq; s++) {
		e = &iv->ended[s % TDPMMU_INVAL_HISTORY];
		/* Read like a seqcount: seq, bounds, seq again. */
		s1 = smp_load_acquire(&e->seq);
		first = READ_ONCE(e->start);
		last = READ_ONCE(e->last);
		/* The bounds before the second read of the slot's seq. */
		smp_rmb();
		s2 = READ_ONCE(e->seq);
		if (s1 != s || s2 != s)
			goto history;	/* overwritten meanwhile */
		if (first <= end - 1 && last >= start) {
			atomic_long_inc(&iv->retries_ended);
			return true;
		}
	}
	return false;
history:
	atomic_long_inc(&iv->retries_history);
	return true;
}
EXPORT_SYMBOL_GPL(tdpmmu_inval_retry);
