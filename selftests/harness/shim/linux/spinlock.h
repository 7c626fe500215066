/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace shim: the tools spinlock plus an rwlock_t that lockdep can query. */
#ifndef _SHIM_LINUX_SPINLOCK_H
#define _SHIM_LINUX_SPINLOCK_H

#include_next <linux/spinlock.h>
#include <pthread.h>

/* The kernel's rwlock_t, spelled as a struct so the shim adds no typedef. */
struct shim_rwlock {
	pthread_rwlock_t rw;
	int readers;		/* held for read, atomically counted */
	int writer;		/* held for write */
};

#define rwlock_t struct shim_rwlock

static inline void rwlock_init(rwlock_t *l)
{
	pthread_rwlock_init(&l->rw, NULL);
	l->readers = 0;
	l->writer = 0;
}

static inline void read_lock(rwlock_t *l)
{
	pthread_rwlock_rdlock(&l->rw);
	__atomic_add_fetch(&l->readers, 1, __ATOMIC_RELAXED);
}

static inline void read_unlock(rwlock_t *l)
{
	__atomic_sub_fetch(&l->readers, 1, __ATOMIC_RELAXED);
	pthread_rwlock_unlock(&l->rw);
}

static inline void write_lock(rwlock_t *l)
{
	pthread_rwlock_wrlock(&l->rw);
	l->writer = 1;
}

static inline void write_unlock(rwlock_t *l)
{
	l->writer = 0;
	pthread_rwlock_unlock(&l->rw);
}

static inline int rwlock_needbreak(rwlock_t *l)
{
	return 0;
}

#endif
