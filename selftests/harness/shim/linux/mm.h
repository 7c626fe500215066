/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace shim: pages.  A page is allocated as two: the data page, then
 * its struct page, so virt_to_page() is an offset.  Only pages from
 * get_zeroed_page() have a struct page.
 */
#ifndef _SHIM_LINUX_MM_H
#define _SHIM_LINUX_MM_H

#include <linux/bits.h>
#include <linux/types.h>
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/fault-inject.h>
#include <linux/rcupdate.h>
#include <stdlib.h>
#include <string.h>

#ifndef PAGE_SHIFT
#define PAGE_SHIFT	12
#endif
#define PAGE_SIZE	BIT(PAGE_SHIFT)

/* Identity mapping: a table's "physical" address is its user address. */
static inline u64 virt_to_phys(const void *va)
{
	return (unsigned long)va;
}

static inline void *phys_to_virt(u64 pa)
{
	return (void *)(unsigned long)pa;
}

struct page {
	union {
		struct list_head lru;
		struct rcu_head rcu_head;
	};
	unsigned long index;
	unsigned long private;
};

extern long shim_pages_allocated;

static inline struct page *virt_to_page(const void *va)
{
	return (struct page *)((char *)va + PAGE_SIZE);
}

#define page_private(page)		((page)->private)
#define set_page_private(page, v)	((page)->private = (v))

static inline void *page_address(const struct page *page)
{
	return (char *)page - PAGE_SIZE;
}

static inline unsigned long get_zeroed_page(gfp_t gfp)
{
	void *p = shim_should_fail() ? NULL :
		  aligned_alloc(PAGE_SIZE, 2 * PAGE_SIZE);

	if (!p)
		return 0;
	memset(p, 0, 2 * PAGE_SIZE);
	__atomic_add_fetch(&shim_pages_allocated, 1, __ATOMIC_RELAXED);
	return (unsigned long)p;
}

/*
 * TSan cannot see the ordering liburcu gives (it is not instrumented):
 * every read-side critical section ends with a release on shim_rcu_sync
 * (shim rcupdate.h) and every page free acquires it, which models "a
 * table is freed only after the readers that could see it are done".
 * Frees that skip RCU by mistake are left to the ASan build to catch.
 */
static inline void free_page(unsigned long addr)
{
	if (!addr)
		return;
	shim_rcu_sync_acquire();
	__atomic_sub_fetch(&shim_pages_allocated, 1, __ATOMIC_RELAXED);
	free((void *)addr);
	shim_rcu_cb_release();
}

#endif
