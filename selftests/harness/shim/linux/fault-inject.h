/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace shim: the kernel's per-task fail-nth (/proc/self/fail-nth)
 * for every allocator the core reaches: pages, per-CPU memory, kmalloc
 * and the slab caches behind the maple tree.  shim_fail_nth = n makes the
 * n-th allocation from now on fail, once; 0 is off.
 */
#ifndef _SHIM_LINUX_FAULT_INJECT_H
#define _SHIM_LINUX_FAULT_INJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* One per thread, as the kernel's is per task. */
extern __thread unsigned int shim_fail_nth;
/* Allocations that shim_fail_nth made fail. */
extern unsigned long shim_failed;
/* Per-CPU areas currently allocated. */
extern long shim_percpu_allocated;

/* What the tools' allocators count (tools/lib/slab.c, shared/linux.c). */
extern int kmalloc_nr_allocated;
extern int nr_allocated;

/* shim/alloc.c wraps these (-Wl,--wrap) to fail them on demand. */
struct kmem_cache;
struct list_lru;
void *__real_kmalloc(size_t size, gfp_t gfp);
void *__real_kmem_cache_alloc_lru(struct kmem_cache *cachep,
				  struct list_lru *lru, int gfp);
int __real_kmem_cache_alloc_bulk(struct kmem_cache *cachep, gfp_t gfp,
				 size_t size, void **list);

static inline bool shim_should_fail(void)
{
	if (shim_fail_nth && !--shim_fail_nth) {
		__atomic_add_fetch(&shim_failed, 1, __ATOMIC_RELAXED);
		return true;
	}
	return false;
}

#endif
