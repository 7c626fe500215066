// SPDX-License-Identifier: GPL-2.0-only
/*
 * tdpmmu table-page cache: pages allocated before the lock is taken, so
 * that operations under a spinning lock never need a sleeping allocation.
 */
#include <linux/tdpmmu.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/gfp.h>

/**
 * tdpmmu_cache_topup() - fill a cache to at least @min pages
 * @t: the instance the pages are for
 * @cache: the cache
 * @min: pages wanted, at most TDPMMU_CACHE_CAPACITY
 * @gfp: allocation flags
 *
 * Return: 0, -EINVAL if @min is too large, -ENOMEM if the allocator
 * failed (the cache keeps what it got).
 */
int tdpmmu_cache_topup(struct tdpmmu *t, struct tdpmmu_cache *cache,
		       unsigned int min, gfp_t gfp)
{
	void *table;

	if (min > TDPMMU_CACHE_CAPACITY)
		return -EINVAL;
	while (cache->nr < min) {
		table = t->ops->alloc_table(t, gfp);
		if (!table)
			return -ENOMEM;
		tdpmmu_stat_add(t, pages, 1);
		cache->tables[cache->nr++] = table;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(tdpmmu_cache_topup);

/**
 * tdpmmu_cache_add() - put a page the front-end allocated into a cache
 * @t: the instance the page is for
 * @cache: the cache
 * @table: a zeroed page, set up as @t's alloc_table op sets up its pages
 *	(it goes back through free_table)
 *
 * For a front-end that keeps its own reserve of pages, filled where it
 * may sleep, and draws on it under its lock (KVM's per-vCPU caches).
 *
 * Return: 0, or -ENOSPC if @cache is full (the page stays the caller's).
 */
int tdpmmu_cache_add(struct tdpmmu *t, struct tdpmmu_cache *cache,
		     void *table)
{
	if (cache->nr >= TDPMMU_CACHE_CAPACITY)
		return -ENOSPC;
	tdpmmu_stat_add(t, pages, 1);
	cache->tables[cache->nr++] = table;
	return 0;
}
EXPORT_SYMBOL_GPL(tdpmmu_cache_add);

/**
 * tdpmmu_cache_drain() - give every cached page back to the front-end
 * @t: the instance the pages were allocated for
 * @cache: the cache
 */
void tdpmmu_cache_drain(struct tdpmmu *t, struct tdpmmu_cache *cache)
{
	while (cache->nr) {
		t->ops->free_table(t, cache->tables[--cache->nr]);
		tdpmmu_stat_add(t, pages, -1);
	}
}
EXPORT_SYMBOL_GPL(tdpmmu_cache_drain);

/**
 * tdpmmu_cache_take() - take a zeroed page from a cache
 * @cache: the cache
 *
 * Return: the page, or NULL if the cache is empty.
 */
void *tdpmmu_cache_take(struct tdpmmu_cache *cache)
{
	return cache->nr ? cache->tables[--cache->nr] : NULL;
}
EXPORT_SYMBOL_GPL(tdpmmu_cache_take);

/**
 * tdpmmu_cache_return() - return a page that was never linked
 * @cache: the cache it came from
 * @table: the page; still all zero, no walker has seen it
 */
void tdpmmu_cache_return(struct tdpmmu_cache *cache, void *table)
{
	cache->tables[cache->nr++] = table;
}
EXPORT_SYMBOL_GPL(tdpmmu_cache_return);
