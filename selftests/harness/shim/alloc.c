// SPDX-License-Identifier: GPL-2.0-only
/*
 * Userspace shim: allocation failure for the tools' kmalloc and slab
 * caches (linked with -Wl,--wrap), and the fail-nth state every binary
 * built on the shim shares.
 */
#include <linux/fault-inject.h>
#include <linux/slab.h>

__thread unsigned int shim_fail_nth;
unsigned long shim_failed;
long shim_percpu_allocated;

void *__wrap_kmalloc(size_t size, gfp_t gfp)
{
	return shim_should_fail() ? NULL : __real_kmalloc(size, gfp);
}

void *__wrap_kmem_cache_alloc_lru(struct kmem_cache *cachep,
				  struct list_lru *lru, int gfp)
{
	return shim_should_fail() ? NULL :
	       __real_kmem_cache_alloc_lru(cachep, lru, gfp);
}

int __wrap_kmem_cache_alloc_bulk(struct kmem_cache *cachep, gfp_t gfp,
				 size_t size, void **list)
{
	return shim_should_fail() ? 0 :
	       __real_kmem_cache_alloc_bulk(cachep, gfp, size, list);
}
