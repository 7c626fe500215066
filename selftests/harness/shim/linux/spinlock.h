/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace shim: the tools spinlock plus an rwlock_t that lockdep can
 * query.  The rwlock is the kernel's qrwlock in outline: one word, a
 * reader is one atomic add and its unlock one atomic sub, so that the
 * benches pay for the lock what a kernel reader pays (a pthread rwlock
 * costs two atomics each way, on more than one word).  A waiting writer
 * holds new readers off.  Waiters spin with sched_yield(): a thread of
 * the harness may be preempted while it holds the lock.
 */
#ifndef _SHIM_LINUX_SPINLOCK_H
#define _SHIM_LINUX_SPINLOCK_H

#include_next <linux/spinlock.h>
#include <sched.h>

#define SHIM_QW_LOCKED	0xffU		/* held for write */
#define SHIM_QW_WAITING	0x100U		/* a writer waits */
#define SHIM_QW_WMASK	(SHIM_QW_LOCKED | SHIM_QW_WAITING)
#define SHIM_QR_BIAS	0x200U		/* one reader */

/* The kernel's rwlock_t, spelled as a struct so the shim adds no typedef. */
struct shim_rwlock {
	unsigned int cnts;
};

#define rwlock_t struct shim_rwlock

static inline void rwlock_init(rwlock_t *l)
{
	l->cnts = 0;
}

static inline void read_lock(rwlock_t *l)
{
	while (__atomic_add_fetch(&l->cnts, SHIM_QR_BIAS, __ATOMIC_ACQUIRE) &
	       SHIM_QW_WMASK) {
		__atomic_sub_fetch(&l->cnts, SHIM_QR_BIAS, __ATOMIC_RELAXED);
		while (__atomic_load_n(&l->cnts, __ATOMIC_RELAXED) &
		       SHIM_QW_WMASK)
			sched_yield();
	}
}

static inline void read_unlock(rwlock_t *l)
{
	__atomic_sub_fetch(&l->cnts, SHIM_QR_BIAS, __ATOMIC_RELEASE);
}

static inline void write_lock(rwlock_t *l)
{
	unsigned int c;

	for (;;) {
		c = __atomic_load_n(&l->cnts, __ATOMIC_RELAXED);
		if (!(c & ~SHIM_QW_WAITING) &&
		    __atomic_compare_exchange_n(&l->cnts, &c, SHIM_QW_LOCKED,
						false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return;
		if (!(c & SHIM_QW_WAITING))
			__atomic_fetch_or(&l->cnts, SHIM_QW_WAITING,
					  __ATOMIC_RELAXED);
		sched_yield();
	}
}

static inline void write_unlock(rwlock_t *l)
{
	__atomic_fetch_and(&l->cnts, ~SHIM_QW_LOCKED, __ATOMIC_RELEASE);
}

static inline int rwlock_needbreak(rwlock_t *l)
{
	return 0;
}

#endif
