/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace shim: kernel atomics on the compiler's __atomic builtins. */
#ifndef _SHIM_LINUX_ATOMIC_H
#define _SHIM_LINUX_ATOMIC_H

#include <linux/types.h>
#include <linux/compiler.h>

/* atomic_t comes from tools <linux/types.h>; atomic64_t adds no typedef. */
struct shim_atomic64 {
	s64 counter;
};

#define atomic64_t struct shim_atomic64

/*
 * The __atomic builtins are type-generic, so one set of macros serves
 * atomic_t and atomic64_t.  Statistics and counts need no ordering
 * (relaxed); the value-returning read-modify-writes are fully ordered, as
 * in the kernel.
 */
#define ATOMIC_INIT(i)		{ (i) }
#define atomic_read(a)		__atomic_load_n(&(a)->counter, __ATOMIC_RELAXED)
#define atomic_set(a, i)	__atomic_store_n(&(a)->counter, i, __ATOMIC_RELAXED)
#define atomic_read_acquire(a)	__atomic_load_n(&(a)->counter, __ATOMIC_ACQUIRE)
#define atomic_set_release(a, i) \
	__atomic_store_n(&(a)->counter, i, __ATOMIC_RELEASE)
#define atomic_add(i, a)	\
	((void)__atomic_add_fetch(&(a)->counter, i, __ATOMIC_RELAXED))
#define atomic_sub(i, a)	\
	((void)__atomic_sub_fetch(&(a)->counter, i, __ATOMIC_RELAXED))
#define atomic_inc(a)		atomic_add(1, a)
#define atomic_dec(a)		atomic_sub(1, a)
#define atomic_dec_return(a)	\
	__atomic_sub_fetch(&(a)->counter, 1, __ATOMIC_SEQ_CST)
#define atomic_dec_and_test(a)	(atomic_dec_return(a) == 0)

#define atomic_long_read	atomic_read
#define atomic_long_set		atomic_set
#define atomic_long_inc		atomic_inc

#define atomic64_read		atomic_read
#define atomic64_set		atomic_set
#define atomic64_add		atomic_add
#define atomic64_sub		atomic_sub
#define atomic64_inc		atomic_inc
#define atomic64_dec		atomic_dec
#define atomic64_dec_return	atomic_dec_return
#define atomic64_dec_and_test	atomic_dec_and_test

static inline bool atomic_inc_not_zero(atomic_t *a)
{
	int old = atomic_read(a);

	do {
		if (!old)
			return false;
	} while (!__atomic_compare_exchange_n(&a->counter, &old, old + 1,
					      false, __ATOMIC_SEQ_CST,
					      __ATOMIC_RELAXED));
	return true;
}

#define xchg(p, v)	__atomic_exchange_n(p, v, __ATOMIC_SEQ_CST)
#define try_cmpxchg64(p, oldp, new)					\
	__atomic_compare_exchange_n(p, oldp, new, false,		\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)
#define cmpxchg(p, o, n)	__sync_val_compare_and_swap(p, o, n)

#endif
