/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace shim: lockdep assertions on the shim rwlock_t are real checks
 * (held by someone, for read or for write), not no-ops.
 */
#ifndef _SHIM_LINUX_LOCKDEP_H
#define _SHIM_LINUX_LOCKDEP_H

#include <assert.h>
#include <linux/spinlock.h>

#define lockdep_assert_held(l)						\
	assert(__atomic_load_n(&(l)->readers, __ATOMIC_RELAXED) > 0 ||	\
	       __atomic_load_n(&(l)->writer, __ATOMIC_RELAXED))
#define lockdep_assert_held_read(l)					\
	assert(__atomic_load_n(&(l)->readers, __ATOMIC_RELAXED) > 0)
#define lockdep_assert_held_write(l)					\
	assert(__atomic_load_n(&(l)->writer, __ATOMIC_RELAXED))

#endif
