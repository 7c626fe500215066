/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace shim: struct mutex on a pthread mutex, which knows whether it
 * is held, for lockdep_assert_held().
 */
#ifndef _SHIM_LINUX_MUTEX_H
#define _SHIM_LINUX_MUTEX_H

#include <pthread.h>
#include <stdbool.h>

struct mutex {
	pthread_mutex_t m;
	int held;
};

static inline void mutex_init(struct mutex *l)
{
	pthread_mutex_init(&l->m, NULL);
	l->held = 0;
}

static inline void mutex_destroy(struct mutex *l)
{
	pthread_mutex_destroy(&l->m);
}

static inline void mutex_lock(struct mutex *l)
{
	pthread_mutex_lock(&l->m);
	__atomic_store_n(&l->held, 1, __ATOMIC_RELAXED);
}

static inline bool mutex_trylock(struct mutex *l)
{
	if (pthread_mutex_trylock(&l->m))
		return false;
	__atomic_store_n(&l->held, 1, __ATOMIC_RELAXED);
	return true;
}

static inline void mutex_unlock(struct mutex *l)
{
	__atomic_store_n(&l->held, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&l->m);
}

static inline bool shim_mutex_held(struct mutex *l)
{
	return __atomic_load_n(&l->held, __ATOMIC_RELAXED);
}

#endif /* _SHIM_LINUX_MUTEX_H */
