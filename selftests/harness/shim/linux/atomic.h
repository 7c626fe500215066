/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace shim: kernel atomics on the compiler's __atomic builtins. */
#ifndef _SHIM_LINUX_ATOMIC_H
#define _SHIM_LINUX_ATOMIC_H

#include <linux/types.h>
#include <linux/compiler.h>

/* atomic_t comes from tools <linux/types.h>. */
typedef struct {
	s64 counter;
} atomic64_t;

#define __SHIM_ATOMIC_OPS(pfx, type, val)				\
static inline val pfx##_read(const type *a)				\
{									\
	return __atomic_load_n(&a->counter, __ATOMIC_RELAXED);		\
}									\
static inline void pfx##_set(type *a, val i)				\
{									\
	__atomic_store_n(&a->counter, i, __ATOMIC_RELAXED);		\
}									\
static inline void pfx##_add(val i, type *a)				\
{									\
	__atomic_add_fetch(&a->counter, i, __ATOMIC_RELAXED);		\
}									\
static inline void pfx##_sub(val i, type *a)				\
{									\
	__atomic_sub_fetch(&a->counter, i, __ATOMIC_RELAXED);		\
}									\
static inline void pfx##_inc(type *a)					\
{									\
	pfx##_add(1, a);						\
}									\
static inline void pfx##_dec(type *a)					\
{									\
	pfx##_sub(1, a);						\
}									\
static inline val pfx##_dec_return(type *a)				\
{									\
	return __atomic_sub_fetch(&a->counter, 1, __ATOMIC_SEQ_CST);	\
}									\
static inline bool pfx##_dec_and_test(type *a)				\
{									\
	return pfx##_dec_return(a) == 0;				\
}									\
static inline bool pfx##_inc_not_zero(type *a)				\
{									\
	val old = pfx##_read(a);					\
									\
	do {								\
		if (!old)						\
			return false;					\
	} while (!__atomic_compare_exchange_n(&a->counter, &old,	\
					      old + 1, false,		\
					      __ATOMIC_SEQ_CST,		\
					      __ATOMIC_RELAXED));	\
	return true;							\
}

__SHIM_ATOMIC_OPS(atomic, atomic_t, int)
__SHIM_ATOMIC_OPS(atomic64, atomic64_t, s64)

#define xchg(p, v)	__atomic_exchange_n(p, v, __ATOMIC_SEQ_CST)
#define try_cmpxchg64(p, oldp, new)					\
	__atomic_compare_exchange_n(p, oldp, new, false,		\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)
#define cmpxchg(p, o, n)	__sync_val_compare_and_swap(p, o, n)

#endif
