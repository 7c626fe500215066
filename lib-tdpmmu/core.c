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
#include <linux/rcupdate.h>
#include <linux/slab.h>

/**
 * tdpmmu_init() - set up an instance
 * @t: the instance, embedded in the front-end's structure
 * @fmt: the page-table format
 * @params: levels and allowed huge levels
 * @ops: front-end callbacks
 * @lock: the front-end's lock; held for read or write around operations
 *
 * Return: 0, or -EINVAL if @params does not fit @fmt.
 */
int tdpmmu_init(struct tdpmmu *t, const struct tdpmmu_format *fmt,
		const struct tdpmmu_params *params,
		const struct tdpmmu_ops *ops, rwlock_t *lock)
{
	unsigned int i;

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
	for (i = 0; i <= TDPMMU_MAX_LEVELS; i++) {
		atomic64_set(&t->stats.tables[i], 0);
		atomic64_set(&t->stats.leaves[i], 0);
	}
	atomic64_set(&t->stats.pages, 0);
	atomic64_set(&t->stats.retries, 0);
	atomic64_set(&t->stats.yields, 0);
	t->yield_interval = 0;
	atomic64_set(&t->stats.splits, 0);
	atomic64_set(&t->stats.collapses, 0);
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
	WARN_ON_ONCE(!list_empty(&t->roots));
	rcu_barrier();
	WARN_ON_ONCE(atomic64_read(&t->stats.pages));
}
EXPORT_SYMBOL_GPL(tdpmmu_destroy);

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
	atomic64_inc(&t->stats.pages);
	atomic64_inc(&t->stats.tables[t->levels]);
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
	atomic64_dec(&t->stats.tables[t->levels]);
	tdpmmu_gather_add_table(t, &g, root->table);
	tdpmmu_gather_finish(t, &g);
	kfree(root);
}
EXPORT_SYMBOL_GPL(tdpmmu_root_put);
