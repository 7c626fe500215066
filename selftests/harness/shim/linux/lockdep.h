/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace shim: lockdep assertions on the shim rwlock_t are real checks
 * (held by someone, for read or for write), not no-ops.
 */
#ifndef _SHIM_LINUX_LOCKDEP_H
#define _SHIM_LINUX_LOCKDEP_H

#include <assert.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>

static inline bool shim_held_read(rwlock_t *l)
{
	return __atomic_load_n(&l->cnts, __ATOMIC_RELAXED) >= SHIM_QR_BIAS;
}

static inline bool shim_held_write(rwlock_t *l)
{
	return (__atomic_load_n(&l->cnts, __ATOMIC_RELAXED) &
		SHIM_QW_LOCKED) == SHIM_QW_LOCKED;
}

/*
 * The shim's rwlock_t and struct mutex both know whether they are held;
 * their sizes tell them apart.
 */
static_assert(sizeof(struct mutex) != sizeof(rwlock_t), "shim lock sizes");

static inline void shim_assert_held(void *l, size_t size)
{
	if (size == sizeof(struct mutex))
		assert(shim_mutex_held(l));
	else
		assert(shim_held_read(l) || shim_held_write(l));
}

#define lockdep_assert_held(l) ({				\
	typeof(l) __l = (l);					\
								\
	shim_assert_held(__l, sizeof(*__l));			\
})

static inline void lockdep_assert_held_read(rwlock_t *l)
{
	assert(shim_held_read(l));
}

static inline void lockdep_assert_held_write(rwlock_t *l)
{
	assert(shim_held_write(l));
}

#endif
