/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace shim: kernel RCU on liburcu (memb flavour).  Every thread that
 * reads under RCU or calls call_rcu() registers with rcu_register_thread().
 */
#ifndef _SHIM_LINUX_RCUPDATE_H
#define _SHIM_LINUX_RCUPDATE_H

#include <stdio.h>
#include <stdlib.h>
#include <urcu.h>

#define rcu_read_lock_held()	rcu_read_ongoing()
/* A misused lockless walk fails the test instead of warning. */
#define RCU_LOCKDEP_WARN(c, s) do {				\
	if (c) {						\
		fprintf(stderr, "RCU_LOCKDEP_WARN: %s\n", s);	\
		abort();					\
	}							\
} while (0)

#ifdef __SANITIZE_THREAD__
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
extern int shim_rcu_sync;

/*
 * liburcu is not instrumented, so TSan sees neither of RCU's orderings:
 * readers before the callbacks they delay (read_unlock releases, the
 * callback's free_page() acquires), and callbacks before rcu_barrier()
 * returns (free_page(), the last thing a table's callback does, releases;
 * rcu_barrier() acquires).
 */
static inline void shim_rcu_sync_acquire(void)
{
	__tsan_acquire(&shim_rcu_sync);
}

static inline void shim_rcu_cb_release(void)
{
	__tsan_release(&shim_rcu_sync);
}

static inline void shim_rcu_barrier(void)
{
	urcu_memb_barrier();
	__tsan_acquire(&shim_rcu_sync);
}

#undef rcu_barrier
#define rcu_barrier()	shim_rcu_barrier()

static inline void shim_rcu_read_unlock(void)
{
	__tsan_release(&shim_rcu_sync);
	urcu_memb_read_unlock();
}

#undef rcu_read_unlock
#define rcu_read_unlock()	shim_rcu_read_unlock()
#else
static inline void shim_rcu_sync_acquire(void)
{
}

static inline void shim_rcu_cb_release(void)
{
}
#endif

#endif
