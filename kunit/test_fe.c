// SPDX-License-Identifier: GPL-2.0-only
/*
 * The test front-end shared by the tdpmmu KUnit suites.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/tdpmmu.h>

#include "fmt_mock.h"
#include "test_hw.h"
#include "test_fe.h"

static void *test_alloc_table(struct tdpmmu *t, gfp_t gfp)
{
	struct test_fe *fe = container_of(t, struct test_fe, t);

	if (atomic_read(&fe->fail_alloc_after) >= 0 &&
	    atomic_dec_return(&fe->fail_alloc_after) < 0)
		return NULL;
	atomic_inc(&fe->allocs);
	atomic_set(&fe->last_gfp, (__force int)gfp);
	return (void *)get_zeroed_page(gfp);
}

static void test_free_table(struct tdpmmu *t, void *table)
{
	set_page_private(virt_to_page(table), 0);
	free_page((unsigned long)table);
}

/* Keep where a table goes in page->private, as KVM keeps its page header. */
static void test_table_init(struct tdpmmu *t, struct tdpmmu_root *root,
			    void *table, u64 addr, unsigned int level)
{
	struct test_fe *fe = container_of(t, struct test_fe, t);

	set_page_private(virt_to_page(table), addr | level);
	atomic_inc(&fe->table_inits);
}

/* Per-level leaf counts kept by the front-end; fe_destroy() checks them. */
static void test_account(struct tdpmmu *t, const struct tdpmmu_gather *g)
{
	struct test_fe *fe = container_of(t, struct test_fe, t);
	unsigned int l;

	for (l = 1; l <= TDPMMU_MAX_LEVELS; l++)
		atomic64_add(g->leaves[l], &fe->acct[l]);
}

static void test_flush(struct tdpmmu *t, const struct tdpmmu_gather *g)
{
	struct test_fe *fe = container_of(t, struct test_fe, t);

	atomic_inc(&fe->flushes);
}

static const struct tdpmmu_ops test_ops = {
	.alloc_table = test_alloc_table,
	.free_table = test_free_table,
	.flush = test_flush,
	.table_init = test_table_init,
	.account = test_account,
};

struct test_fe *fe_create_fmt(struct kunit *test,
			      const struct tdpmmu_format *fmt,
			      unsigned int levels, u32 huge_levels)
{
	struct tdpmmu_params p = { .levels = levels,
				   .huge_levels = huge_levels };
	struct test_fe *fe = kunit_kzalloc(test, sizeof(*fe), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, fe);
	rwlock_init(&fe->lock);
	atomic_set(&fe->fail_alloc_after, -1);
	KUNIT_ASSERT_EQ(test, tdpmmu_init(&fe->t, fmt, &p,
					  &test_ops, &fe->lock), 0);
	fe->root = tdpmmu_root_alloc(&fe->t, 0, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fe->root);
	return fe;
}

struct test_fe *fe_create(struct kunit *test, unsigned int levels,
			  u32 huge_levels)
{
	return fe_create_fmt(test, &tdpmmu_mock_format, levels, huge_levels);
}

/* Tear down and check that every table page came back. */
void fe_destroy(struct kunit *test, struct test_fe *fe)
{
	struct tdpmmu_stats sum;
	unsigned int i;

	tdpmmu_cache_drain(&fe->t, &fe->cache);
	tdpmmu_root_put(&fe->t, fe->root);
	/* The tables the root put handed to RCU, freed before counting. */
	rcu_barrier();
	tdpmmu_stats_read(&fe->t, &sum);
	tdpmmu_destroy(&fe->t);
	KUNIT_EXPECT_EQ(test, sum.pages, 0);
	for (i = 0; i <= TDPMMU_MAX_LEVELS; i++) {
		KUNIT_EXPECT_EQ(test, sum.tables[i], 0);
		KUNIT_EXPECT_EQ(test, sum.leaves[i], 0);
		KUNIT_EXPECT_EQ(test, atomic64_read(&fe->acct[i]), 0);
	}
}

int fe_map_leaf(struct test_fe *fe, struct tdpmmu_cache *cache,
		const struct tdpmmu_leaf *leaf)
{
	struct tdpmmu_gather g;
	int ret;

	tdpmmu_gather_init(&g);
	read_lock(&fe->lock);
	ret = tdpmmu_map(&fe->t, fe->root, leaf, cache, &g);
	read_unlock(&fe->lock);
	tdpmmu_gather_finish(&fe->t, &g);
	return ret;
}

int fe_fault_leaf(struct test_fe *fe, const struct tdpmmu_leaf *leaf,
		  unsigned int flags, u32 *linked)
{
	struct tdpmmu_gather g;
	int ret;

	tdpmmu_gather_init(&g);
	read_lock(&fe->lock);
	ret = tdpmmu_fault(&fe->t, fe->root, leaf, flags, &fe->cache, linked,
			   &g);
	read_unlock(&fe->lock);
	tdpmmu_gather_finish(&fe->t, &g);
	return ret;
}

int fe_protect_cache(struct test_fe *fe, u64 addr, u64 size, u32 set,
		     u32 clear, struct tdpmmu_cache *cache, u64 *done)
{
	struct tdpmmu_gather g;
	int ret;

	tdpmmu_gather_init(&g);
	read_lock(&fe->lock);
	ret = tdpmmu_protect(&fe->t, fe->root, addr, size, set, clear, 0,
			     cache, done, &g);
	read_unlock(&fe->lock);
	tdpmmu_gather_finish(&fe->t, &g);
	return ret;
}

int fe_map_cache(struct test_fe *fe, struct tdpmmu_cache *cache, u64 addr,
		 u64 oa, unsigned int level, u32 prot)
{
	struct tdpmmu_leaf leaf = { .addr = addr, .oa = oa, .level = level,
				    .prot = prot };
	int ret;

	ret = tdpmmu_cache_topup(&fe->t, cache, TDPMMU_MAX_LEVELS, GFP_KERNEL);
	return ret ?: fe_map_leaf(fe, cache, &leaf);
}

int fe_map(struct test_fe *fe, u64 addr, u64 oa, unsigned int level,
	   u32 prot)
{
	return fe_map_cache(fe, &fe->cache, addr, oa, level, prot);
}

/* Map a range; @flags TDPMMU_EXCLUSIVE takes the lock for write. */
int fe_map_range_flags(struct test_fe *fe, u64 addr, u64 oa, u64 size,
		       u32 prot, unsigned int flags, u64 *mapped)
{
	struct tdpmmu_gather g;
	int ret;

	tdpmmu_gather_init(&g);
	ret = tdpmmu_map_range_gfp(&fe->t, fe->root, addr, oa, size, prot, 0,
				   flags, GFP_KERNEL, mapped, &g);
	tdpmmu_gather_finish(&fe->t, &g);
	return ret;
}

int fe_map_range(struct test_fe *fe, u64 addr, u64 oa, u64 size, u32 prot,
		 u64 *mapped)
{
	return fe_map_range_flags(fe, addr, oa, size, prot, 0, mapped);
}

void fe_lock(struct test_fe *fe, unsigned int flags)
	__acquires(&fe->lock)
{
	if (flags & TDPMMU_EXCLUSIVE)
		write_lock(&fe->lock);
	else
		read_lock(&fe->lock);
}

void fe_unlock(struct test_fe *fe, unsigned int flags)
	__releases(&fe->lock)
{
	if (flags & TDPMMU_EXCLUSIVE)
		write_unlock(&fe->lock);
	else
		read_unlock(&fe->lock);
}

/*
 * Unmap; with @cache (filled by the caller), huge leaves the range covers
 * in part are split.
 */
int fe_unmap_cache(struct test_fe *fe, struct tdpmmu_cache *cache, u64 addr,
		   u64 size, unsigned int flags, u64 *unmapped)
{
	struct tdpmmu_gather g;
	int ret;

	tdpmmu_gather_init(&g);
	fe_lock(fe, flags);
	ret = tdpmmu_unmap(&fe->t, fe->root, addr, size, flags, cache,
			   unmapped, &g);
	fe_unlock(fe, flags);
	tdpmmu_gather_finish(&fe->t, &g);
	return ret;
}

int fe_unmap(struct test_fe *fe, u64 addr, u64 size, unsigned int flags,
	     u64 *unmapped)
{
	return fe_unmap_cache(fe, NULL, addr, size, flags, unmapped);
}

/* Eager split of a range, refilling the cache outside the lock. */
int fe_split_all(struct test_fe *fe, struct tdpmmu_cache *cache, u64 addr,
		 u64 size, unsigned int level, unsigned int flags)
{
	struct tdpmmu_gather g;
	u64 done, off = 0;
	int ret;

	tdpmmu_gather_init(&g);
	do {
		ret = tdpmmu_cache_topup(&fe->t, cache, TDPMMU_CACHE_CAPACITY,
					 GFP_KERNEL);
		if (ret)
			break;
		fe_lock(fe, flags);
		ret = tdpmmu_split(&fe->t, fe->root, addr + off, size - off,
				   level, flags, cache, &done, &g);
		fe_unlock(fe, flags);
		off += done;
	} while (ret == -ENOMEM);
	tdpmmu_gather_finish(&fe->t, &g);
	return ret;
}

/* Collapse what can be; returns the count, ~0 on an error. */
u64 fe_collapse(struct test_fe *fe, u64 addr, u64 size, unsigned int flags)
{
	struct tdpmmu_gather g;
	u64 n = 0;

	tdpmmu_gather_init(&g);
	fe_lock(fe, flags);
	if (tdpmmu_collapse(&fe->t, fe->root, addr, size, flags, &n, &g))
		n = ~0ULL;
	fe_unlock(fe, flags);
	tdpmmu_gather_finish(&fe->t, &g);
	return n;
}

/*
 * What the hardware walker of a mock format with accessed/dirty bits does
 * on an access: walk the table lockless, then set A (and D for a write)
 * in the leaf with a locked cmpxchg, walking again if the leaf changed
 * meanwhile.  Returns which of the bits this access set (FE_HW_SET_A,
 * FE_HW_SET_D), -ENOENT if nothing maps @addr, -EACCES for a write to a
 * read-only leaf; @leaf gets the leaf's address, output address and level.
 */
int fe_hw_access(struct test_fe *fe, u64 addr, bool write,
		 struct tdpmmu_leaf *leaf)
{
	tdpmmu_pte_t bits = MOCK_A | (write ? MOCK_D : 0), old;
	int ret;

	ret = pt_hw_access(fe->root->table, fe->t.levels, addr, write, bits,
			   leaf, &old);
	if (ret)
		return ret;
	return (old & MOCK_A ? 0 : FE_HW_SET_A) |
	       (bits & ~old & MOCK_D ? FE_HW_SET_D : 0);
}

void expect_leaf(struct kunit *test, struct test_fe *fe, u64 addr, u64 oa,
		 unsigned int level, u32 prot)
{
	struct tdpmmu_leaf leaf;

	KUNIT_ASSERT_EQ_MSG(test, tdpmmu_lookup(&fe->t, fe->root, addr, &leaf),
			    0, "addr %llx", addr);
	KUNIT_EXPECT_EQ(test, leaf.oa + (addr - leaf.addr), oa);
	KUNIT_EXPECT_EQ(test, leaf.level, level);
	KUNIT_EXPECT_EQ(test, leaf.prot, prot);
}

/*
 * The pages of [@addr, @addr + @size), every @step bytes, map @oa plus
 * their offset with @prot; fails once, at the first that does not.
 */
void expect_range_step(struct kunit *test, struct test_fe *fe, u64 addr,
		       u64 size, u64 oa, u32 prot, u64 step)
{
	struct tdpmmu_leaf leaf;
	u64 off;

	for (off = 0; off < size; off += step) {
		if (tdpmmu_lookup(&fe->t, fe->root, addr + off, &leaf) ||
		    leaf.oa + (addr + off - leaf.addr) != oa + off ||
		    leaf.prot != prot) {
			KUNIT_FAIL(test, "addr %llx: wrong translation",
				   addr + off);
			return;
		}
	}
}

/* Every 4K page of [@addr, @addr + @size) maps @oa + offset with @prot. */
void expect_range(struct kunit *test, struct test_fe *fe, u64 addr, u64 size,
		  u64 oa, u32 prot)
{
	expect_range_step(test, fe, addr, size, oa, prot, SZ_4K_ULL);
}

void expect_none(struct kunit *test, struct test_fe *fe, u64 addr)
{
	struct tdpmmu_leaf leaf;

	KUNIT_EXPECT_EQ_MSG(test, tdpmmu_lookup(&fe->t, fe->root, addr, &leaf),
			    -ENOENT, "addr %llx", addr);
}

static int fe_thread_fn(void *data)
{
	struct fe_thread *th = data;

	th->fn(th->arg);
	complete(&th->done);
	return 0;
}

/* Run @fn(@arg) in a kthread named tdpmmu-<name><i>. */
void fe_thread_start(struct kunit *test, struct fe_thread *th,
		     void (*fn)(void *arg), void *arg, const char *name,
		     unsigned int i)
{
	struct task_struct *tsk;

	th->fn = fn;
	th->arg = arg;
	init_completion(&th->done);
	tsk = kthread_run(fe_thread_fn, th, "tdpmmu-%s%u", name, i);
	KUNIT_ASSERT_FALSE(test, IS_ERR(tsk));
}

void fe_thread_wait(struct fe_thread *th)
{
	wait_for_completion(&th->done);
}
