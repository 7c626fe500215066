// SPDX-License-Identifier: GPL-2.0-only
/*
 * Harness only: fail every allocation of an instance's life in turn, as
 * iommufd_fail_nth does for an ioctl, at every allocator the core reaches
 * (the kernel-side tdpmmu_fail_nth suite can fail only table pages): the
 * per-CPU counters of tdpmmu_init(), the root and its table, the tables
 * of a map_range, the maple-tree nodes of an invalidation, the page of a
 * partial unmap and the pages of a split.  Each run must stop with
 * -ENOMEM (or -EAGAIN) where the failure hit, leave what it mapped
 * translating, and give every byte back.
 */
#include <kunit/test.h>
#include <linux/fault-inject.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/tdpmmu.h>
#include <linux/tdpmmu_inval.h>

#include "test_fe.h"

#define RW	(TDPMMU_PROT_READ | TDPMMU_PROT_WRITE)

static void *fn_alloc_table(struct tdpmmu *t, gfp_t gfp)
{
	return (void *)get_zeroed_page(gfp);
}

static void fn_free_table(struct tdpmmu *t, void *table)
{
	free_page((unsigned long)table);
}

static void fn_flush(struct tdpmmu *t, const struct tdpmmu_gather *g)
{
}

static const struct tdpmmu_ops fn_ops = {
	.alloc_table = fn_alloc_table,
	.free_table = fn_free_table,
	.flush = fn_flush,
};

/* [@addr, @addr + @size) translates to @oa.. (checked every 2M + 4K). */
static bool fn_mapped(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
		      u64 size, u64 oa)
{
	struct tdpmmu_leaf leaf;
	u64 off;

	for (off = 0; off < size; off += SZ_2M_ULL + SZ_4K_ULL)
		if (tdpmmu_lookup(t, root, addr + off, &leaf) ||
		    leaf.oa + (addr + off - leaf.addr) != oa + off)
			return false;
	return !size || !tdpmmu_lookup(t, root, addr + size - SZ_4K_ULL,
				       &leaf);
}

/* An instance from init to destroy; returns the first error. */
static int fn_life(struct kunit *test)
{
	const u64 addr = SZ_1G_ULL - SZ_2M_ULL - 2 * SZ_4K_ULL;
	const u64 size = SZ_1G_ULL + 2 * SZ_2M_ULL + 4 * SZ_4K_ULL;
	const u64 oa = addr + 3 * SZ_1G_ULL, hole = SZ_1G_ULL + SZ_4K_ULL;
	struct tdpmmu_params p = { .levels = 4,
				   .huge_levels = BIT(2) | BIT(3) };
	struct tdpmmu_cache cache = { 0 };
	struct tdpmmu_root *root;
	struct tdpmmu_gather g;
	struct tdpmmu_inval iv;
	struct tdpmmu_leaf leaf;
	struct tdpmmu t;
	rwlock_t lock;
	u64 done;
	int ret;

	rwlock_init(&lock);
	ret = tdpmmu_init(&t, &tdpmmu_mock_format, &p, &fn_ops, &lock);
	if (ret)
		return ret;
	root = tdpmmu_root_alloc(&t, 0, GFP_KERNEL);
	if (!root) {
		ret = -ENOMEM;
		goto destroy;
	}
	tdpmmu_gather_init(&g);
	ret = tdpmmu_map_range_gfp(&t, root, addr, oa, size, RW, 0, 0,
				   GFP_KERNEL, &done, &g);
	tdpmmu_gather_finish(&t, &g);
	KUNIT_EXPECT_TRUE(test, fn_mapped(&t, root, addr, done, oa));
	if (ret) {
		KUNIT_EXPECT_TRUE(test, tdpmmu_lookup(&t, root, addr + done,
						      &leaf) == -ENOENT);
		goto put;
	}
	/* A notifier invalidates one 4K page of the 1G leaf. */
	tdpmmu_inval_init(&iv);
	ret = tdpmmu_inval_begin(&iv, hole, hole + SZ_4K_ULL, true);
	if (!ret) {
		ret = tdpmmu_cache_topup(&t, &cache, 2, GFP_KERNEL);
		tdpmmu_gather_init(&g);
		read_lock(&lock);
		if (!ret)
			ret = tdpmmu_unmap(&t, root, hole, SZ_4K_ULL, 0, &cache,
					   &done, &g);
		read_unlock(&lock);
		tdpmmu_gather_finish(&t, &g);
		tdpmmu_inval_end(&iv, hole, hole + SZ_4K_ULL);
	}
	tdpmmu_inval_destroy(&iv);
	KUNIT_EXPECT_TRUE(test, fn_mapped(&t, root, SZ_1G_ULL, SZ_4K_ULL,
					  oa - addr + SZ_1G_ULL));
	KUNIT_EXPECT_EQ(test, tdpmmu_lookup(&t, root, hole, &leaf),
			ret ? 0 : -ENOENT);
	if (ret)
		goto put;
	/* Eager split of the rest down to 4K, refilling outside the lock. */
	tdpmmu_gather_init(&g);
	do {
		ret = tdpmmu_cache_topup(&t, &cache, TDPMMU_CACHE_CAPACITY,
					 GFP_KERNEL);
		if (ret)
			break;
		read_lock(&lock);
		ret = tdpmmu_split(&t, root, SZ_1G_ULL, 8 * SZ_2M_ULL, 1, 0,
				   &cache, &done, &g);
		read_unlock(&lock);
	} while (ret == -ENOMEM);
	tdpmmu_gather_finish(&t, &g);
	KUNIT_EXPECT_TRUE(test, fn_mapped(&t, root, SZ_1G_ULL, SZ_4K_ULL,
					  oa - addr + SZ_1G_ULL));
put:
	tdpmmu_gather_init(&g);
	write_lock(&lock);
	KUNIT_EXPECT_EQ(test, tdpmmu_unmap(&t, root, 0, 4 * SZ_1G_ULL,
					   TDPMMU_UNMAP_TABLES |
					   TDPMMU_EXCLUSIVE, NULL, &done, &g),
			0);
	write_unlock(&lock);
	tdpmmu_gather_finish(&t, &g);
	tdpmmu_root_put(&t, root);
	tdpmmu_cache_drain(&t, &cache);
destroy:
	rcu_barrier();
	tdpmmu_destroy(&t);
	return ret;
}

static void harness_test_fail_nth_every_allocation(struct kunit *test)
{
	long pages = shim_pages_allocated, percpu = shim_percpu_allocated;
	int kmallocs = kmalloc_nr_allocated, nodes = nr_allocated;
	unsigned long failed = shim_failed;
	unsigned int n, absorbed = 0;
	bool hit;
	int ret;

	for (n = 1; ; n++) {
		shim_fail_nth = n;
		ret = fn_life(test);
		hit = !shim_fail_nth;
		shim_fail_nth = 0;
		/* A failure may also be absorbed (inval_end's fallback). */
		KUNIT_EXPECT_EQ_MSG(test, hit ? !ret || ret == -ENOMEM : !ret,
				    1, "n %u: %d", n, ret);
		absorbed += hit && !ret;
		KUNIT_EXPECT_EQ_MSG(test, shim_pages_allocated, pages, "n %u",
				    n);
		KUNIT_EXPECT_EQ(test, shim_percpu_allocated, percpu);
		KUNIT_EXPECT_EQ(test, kmalloc_nr_allocated, kmallocs);
		KUNIT_EXPECT_EQ(test, nr_allocated, nodes);
		if (!hit || test->failed)
			break;
	}
	KUNIT_EXPECT_EQ(test, shim_failed - failed, n - 1);
	kunit_info(test, "%u allocations failed in turn, %u absorbed\n",
		   n - 1, absorbed);
}

static struct kunit_case harness_fail_nth_cases[] = {
	KUNIT_CASE(harness_test_fail_nth_every_allocation),
	{}
};

static struct kunit_suite harness_fail_nth_suite = {
	.name = "harness_fail_nth",
	.test_cases = harness_fail_nth_cases,
};

kunit_test_suite(harness_fail_nth_suite);
