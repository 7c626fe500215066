// SPDX-License-Identifier: GPL-2.0-only
/*
 * tdpmmu instance and roots.
 */
#include <linux/tdpmmu.h>
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/gfp.h>
#include <linux/lockdep.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>

/**
 * tdpmmu_init() - set up an instance
 * @t: the instance, embedded in the front-end's structure
 * @fmt: the page-table format
 * @params: levels and allowed huge levels
 * @ops: front-end callbacks
 * @lock: the front-end's lock; held for read or write around operations
 *
 * Return: 0, -EINVAL if @params does not fit @fmt, -ENOMEM.
 */
int tdpmmu_init(struct tdpmmu *t, const struct tdpmmu_format *fmt,
		const struct tdpmmu_params *params,
		const struct tdpmmu_ops *ops, rwlock_t *lock)
{
	if (!fmt || !params || !ops || !lock || !ops->alloc_table ||
	    !ops->free_table || !ops->flush)
		return -EINVAL;
	if (params->levels < fmt->min_levels ||
	    params->levels > fmt->max_levels)
		return -EINVAL;
	if (params->huge_levels & ~fmt->huge_levels)
		return -EINVAL;
	if (params->huge_levels & ~GENMASK(params->levels, 2))
		return -EINVAL;

	t->fmt = fmt;
	t->ops = ops;
	t->lock = lock;
	t->levels = params->levels;
	t->va_bits = tdpmmu_level_shift(params->levels) + TDPMMU_LEVEL_BITS;
	t->leaf_levels = BIT(1) | params->huge_levels;
	spin_lock_init(&t->roots_lock);
	INIT_LIST_HEAD(&t->roots);
	t->yield_interval = 0;
	t->hw_ad = params->hw_ad;
	t->noncoherent = params->noncoherent;
	t->stats = alloc_percpu(struct tdpmmu_stats);
	if (!t->stats)
		return -ENOMEM;
	return 0;
}
EXPORT_SYMBOL_GPL(tdpmmu_init);

/**
 * tdpmmu_destroy() - release an instance
 * @t: the instance; every root must have been put
 *
 * Waits for the RCU callbacks that free its tables, so that on return
 * every page the instance took from alloc_table has been freed.
 * Context: process context, may sleep.
 */
void tdpmmu_destroy(struct tdpmmu *t)
{
	struct tdpmmu_stats sum;

	WARN_ON_ONCE(!list_empty(&t->roots));
	rcu_barrier();
	tdpmmu_stats_read(t, &sum);
	WARN_ON_ONCE(sum.pages);
	free_percpu(t->stats);
	t->stats = NULL;
}
EXPORT_SYMBOL_GPL(tdpmmu_destroy);

/**
 * tdpmmu_stats_read() - sum an instance's counters over all CPUs
 * @t: the instance
 * @sum: filled with the totals
 *
 * Counters that operations running now are changing may be off by their
 * changes; the totals are exact when no operation runs.
 */
void tdpmmu_stats_read(const struct tdpmmu *t, struct tdpmmu_stats *sum)
{
	const s64 *c;
	s64 *s = (s64 *)sum;
	unsigned int i, cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		c = (const s64 *)per_cpu_ptr(t->stats, cpu);
		for (i = 0; i < sizeof(*sum) / sizeof(s64); i++)
			s[i] += c[i];
	}
}
EXPORT_SYMBOL_GPL(tdpmmu_stats_read);

/**
 * tdpmmu_root_alloc() - allocate an empty root with one reference
 * @t: the instance
 * @tag: the front-end's value, stored in the root
 * @gfp: allocation flags
 *
 * Return: the root, or NULL on allocation failure.
 */
struct tdpmmu_root *tdpmmu_root_alloc(struct tdpmmu *t, unsigned long tag,
				      gfp_t gfp)
{
	struct tdpmmu_root *root;

	root = kzalloc(sizeof(*root), gfp);
	if (!root)
		return NULL;
	root->table = t->ops->alloc_table(t, gfp);
	if (!root->table) {
		kfree(root);
		return NULL;
	}
	tdpmmu_stat_add(t, pages, 1);
	tdpmmu_stat_add(t, tables[t->levels], 1);
	atomic_set(&root->refcount, 1);
	root->tag = tag;
	spin_lock(&t->roots_lock);
	list_add_tail(&root->link, &t->roots);
	spin_unlock(&t->roots_lock);
	return root;
}
EXPORT_SYMBOL_GPL(tdpmmu_root_alloc);

/**
 * tdpmmu_root_get() - take a reference on a valid root
 * @root: the root
 *
 * Return: false if the root is invalid or already being torn down.
 */
bool tdpmmu_root_get(struct tdpmmu_root *root)
{
	if (READ_ONCE(root->invalid))
		return false;
	return atomic_inc_not_zero(&root->refcount);
}
EXPORT_SYMBOL_GPL(tdpmmu_root_get);

/**
 * tdpmmu_root_invalidate() - mark a root invalid
 * @t: the instance
 * @root: the root
 *
 * New tdpmmu_root_get() calls fail; existing references stay valid and
 * the front-end tears the root down by putting them.
 */
void tdpmmu_root_invalidate(struct tdpmmu *t, struct tdpmmu_root *root)
{
	WRITE_ONCE(root->invalid, true);
}
EXPORT_SYMBOL_GPL(tdpmmu_root_invalidate);

/**
 * tdpmmu_root_put() - drop a reference; the last one tears the root down
 * @t: the instance
 * @root: the root
 *
 * The last put unlinks every table below the root, flushes through the
 * front-end and frees the tables after a grace period.  The front-end
 * must no longer point hardware at the root when it drops the last
 * reference.
 */
void tdpmmu_root_put(struct tdpmmu *t, struct tdpmmu_root *root)
{
	struct tdpmmu_gather g;

	if (!atomic_dec_and_test(&root->refcount))
		return;

	spin_lock(&t->roots_lock);
	list_del(&root->link);
	spin_unlock(&t->roots_lock);

	tdpmmu_gather_init(&g);
	t->fmt->zap_root(t, root, &g);
	tdpmmu_stat_add(t, tables[t->levels], -1);
	tdpmmu_gather_add_table(t, &g, root->table);
	tdpmmu_gather_finish(t, &g);
	kfree(root);
}
EXPORT_SYMBOL_GPL(tdpmmu_root_put);
