/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tdpmmu invalidation tracking: which input ranges the host is changing
 * right now, and which changes ended since a fault looked, so that a
 * fault retries only when an invalidation overlapped it.
 *
 * Protocol (the front-end's MMU notifier and fault handler):
 *
 *   notifier start:  tdpmmu_inval_begin(iv, start, end, blockable);
 *                    zap [start, end) under the front-end's lock
 *   notifier end:    tdpmmu_inval_end(iv, start, end)
 *
 *   fault:           seq = tdpmmu_inval_seq(iv);
 *                    resolve the output address, without the lock
 *                    take the lock (read)
 *                    if (tdpmmu_inval_retry(iv, seq, start, end)) retry
 *                    else install
 *
 * See Documentation/core-api/tdpmmu/tdpmmu.rst for the memory ordering.
 */
#ifndef _LINUX_TDPMMU_INVAL_H
#define _LINUX_TDPMMU_INVAL_H

#include <linux/atomic.h>
#include <linux/maple_tree.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>

/* Ended invalidations remembered for faults that started before them. */
#define TDPMMU_INVAL_HISTORY	64

/**
 * struct tdpmmu_inval_ended - one ended invalidation
 * @seq: the sequence number its end published; 0 while being written
 * @start: first input address
 * @last: last input address (inclusive)
 */
struct tdpmmu_inval_ended {
	unsigned long seq;
	u64 start;
	u64 last;
};

/**
 * struct tdpmmu_inval - in-flight and recently ended invalidations
 * @lock: serializes tdpmmu_inval_begin() and tdpmmu_inval_end()
 * @tree_lock: held (inside @lock) to change @in_flight, and by faults to
 *	read it: a fault may run in atomic context, where @lock cannot be
 *	taken
 * @in_flight: [start, last] -> number of in-flight invalidations that
 *	cover it (xa_mk_value()); a range covered by two overlapping
 *	invalidations counts 2, so it stays in flight until both end.
 * @seq: number of invalidations ended so far
 * @ended: the last TDPMMU_INVAL_HISTORY ended invalidations, by seq
 * @retries_in_flight: faults that overlapped an in-flight invalidation
 * @retries_ended: faults that overlapped one that ended meanwhile
 * @retries_history: faults that retried because more invalidations ended
 *	meanwhile than @ended remembers
 */
struct tdpmmu_inval {
	struct mutex lock;	/* serializes begin and end */
	spinlock_t tree_lock;	/* changes and lockless-path reads of the tree */
	struct maple_tree in_flight;
	unsigned long seq;
	struct tdpmmu_inval_ended ended[TDPMMU_INVAL_HISTORY];
	atomic_long_t retries_in_flight;
	atomic_long_t retries_ended;
	atomic_long_t retries_history;
};

void tdpmmu_inval_init(struct tdpmmu_inval *iv);
void tdpmmu_inval_destroy(struct tdpmmu_inval *iv);
int tdpmmu_inval_begin(struct tdpmmu_inval *iv, u64 start, u64 end,
		       bool blockable);
void tdpmmu_inval_end(struct tdpmmu_inval *iv, u64 start, u64 end);
unsigned long tdpmmu_inval_seq(struct tdpmmu_inval *iv);
bool tdpmmu_inval_retry(struct tdpmmu_inval *iv, unsigned long seq,
			u64 start, u64 end);
bool tdpmmu_inval_in_flight(struct tdpmmu_inval *iv, u64 start, u64 end);

#endif /* _LINUX_TDPMMU_INVAL_H */
