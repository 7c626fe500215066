// SPDX-License-Identifier: GPL-2.0-only
/*
 * tdpmmu flush gather and RCU-delayed freeing of unlinked tables.
 *
 * An unlinked table may still be walked by hardware until the front-end's
 * flush returns, and by lockless software walkers until a grace period
 * has elapsed; it is freed only after both.
 */
#include <linux/tdpmmu.h>
#include <linux/export.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>

#include "pt_gate.h"

/**
 * tdpmmu_gather_add_range() - record a changed translation
 * @g: the gather
 * @addr: input address of the changed entry
 * @size: bytes it maps
 * @level: its level
 */
void tdpmmu_gather_add_range(struct tdpmmu_gather *g, u64 addr, u64 size,
			     unsigned int level)
{
	if (g->start == g->end) {
		g->start = addr;
		g->end = addr + size;
	} else {
		g->start = min(g->start, addr);
		g->end = max(g->end, addr + size);
	}
	g->leaf_levels |= BIT(level);
}
EXPORT_SYMBOL_GPL(tdpmmu_gather_add_range);

/**
 * tdpmmu_gather_add_table() - queue an unlinked table for freeing
 * @t: the instance
 * @g: the gather
 * @table: the table, no longer reachable from any root
 */
void tdpmmu_gather_add_table(struct tdpmmu *t, struct tdpmmu_gather *g,
			     void *table)
{
	struct page *page = virt_to_page(table);

	BUILD_BUG_ON(__alignof__(struct tdpmmu) <= PT_GATE_MASK);
	/*
	 * The instance, for the RCU callback; a collapse's marks stay for
	 * writers still inside (pt_gate.h), who may add one meanwhile.
	 */
	pt_gate_update(table, PT_GATE_DEAD | PT_GATE_TOUCHED, (unsigned long)t);
	list_add_tail(&page->lru, &g->free_list);
	g->nr_free++;
	g->tables_changed = true;
}
EXPORT_SYMBOL_GPL(tdpmmu_gather_add_table);

/*
 * A table of 4K leaves that a collapse replaced, and that writers changed
 * after it was read (pt_gate.h): the collapse counted 512 leaves away,
 * the writers counted their changes; undo what the table no longer holds.
 */
static void tdpmmu_recount_dead(struct tdpmmu *t, const tdpmmu_pte_t *table)
{
	long n = TDPMMU_PTES_PER_TABLE - t->fmt->count_leaves(table, 1);
	struct tdpmmu_gather g;

	if (!n)
		return;
	tdpmmu_stat_add(t, leaves[1], n);
	if (t->ops->account) {
		tdpmmu_gather_init(&g);
		g.leaves[1] = n;
		t->ops->account(t, &g);
	}
}

static void tdpmmu_free_table_rcu(struct rcu_head *head)
{
	struct page *page = container_of(head, struct page, rcu_head);
	struct tdpmmu *t = (struct tdpmmu *)(page->index & ~PT_GATE_MASK);

	if (page->index & PT_GATE_TOUCHED)
		tdpmmu_recount_dead(t, page_address(page));
	page->index = 0;
	tdpmmu_stat_add(t, pages, -1);
	t->ops->free_table(t, page_address(page));
}

/**
 * tdpmmu_gather_finish() - flush what the gather recorded, free its tables
 * @t: the instance
 * @g: the gather; empty again on return
 *
 * Calls the front-end's account hook if leaves were counted and its
 * flush once if any translation changed, then queues every unlinked table
 * to be freed after a grace period.  A front-end that flushes the range
 * itself later (as KVM does after a batch of masked dirty clears) may drop
 * a gather that has no table on its free list and no leaves counted
 * instead of finishing it.
 */
void tdpmmu_gather_finish(struct tdpmmu *t, struct tdpmmu_gather *g)
{
	struct page *page, *next;
	unsigned int l;

	if (t->ops->account) {
		for (l = 1; l <= TDPMMU_MAX_LEVELS; l++) {
			if (g->leaves[l]) {
				t->ops->account(t, g);
				break;
			}
		}
	}
	if (g->start != g->end || g->tables_changed)
		t->ops->flush(t, g);

	list_for_each_entry_safe(page, next, &g->free_list, lru) {
		list_del(&page->lru);
		call_rcu(&page->rcu_head, tdpmmu_free_table_rcu);
	}
	tdpmmu_gather_init(g);
}
EXPORT_SYMBOL_GPL(tdpmmu_gather_finish);
