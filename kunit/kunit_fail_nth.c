// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit: allocation failure at every table allocation of an operation,
 * the way iommufd's fail_nth selftest fails every allocation of an ioctl.
 * For n = 0, 1, ... the n-th allocation fails (those before succeed, those
 * after too), until the operation gets through without reaching it.  Each
 * run must end in success or in -ENOMEM/-EAGAIN, with the table still
 * translating as the operation's reported progress says and, at teardown,
 * every table page back (fe_destroy()).
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/gfp.h>
#include <linux/tdpmmu.h>

#include "test_fe.h"

#define RW	(TDPMMU_PROT_READ | TDPMMU_PROT_WRITE)

/* The @n-th allocation from now on fails, once. */
static void fn_arm(struct test_fe *fe, unsigned int n)
{
	atomic_set(&fe->fail_alloc_after, n);
}

/* Did the armed failure happen?  Disarms. */
static bool fn_hit(struct test_fe *fe)
{
	bool hit = atomic_read(&fe->fail_alloc_after) < 0;

	atomic_set(&fe->fail_alloc_after, -1);
	return hit;
}

/*
 * For n = 0, 1, ...: run @step on a fresh instance of @fmt (4 levels, 2M
 * and 1G leaves); @step sets up, arms the n-th allocation to fail
 * (fn_arm()), runs the operation, checks it and returns fn_hit().  The
 * instance is then emptied and destroyed, which checks that every table
 * page came back.  Stops at the first run the failure did not reach and
 * returns its n: the number of failures injected.
 */
static unsigned int fn_sweep(struct kunit *test,
			     const struct tdpmmu_format *fmt,
			     bool (*step)(struct kunit *test,
					  struct test_fe *fe, unsigned int n))
{
	struct test_fe *fe;
	unsigned int n;
	bool hit;
	u64 done;

	for (n = 0; ; n++) {
		fe = fe_create_fmt(test, fmt, 4, BIT(2) | BIT(3));
		hit = step(test, fe, n);
		KUNIT_EXPECT_EQ(test, fe_unmap(fe, 0, 4 * SZ_1G_ULL,
					       TDPMMU_UNMAP_TABLES, &done), 0);
		fe_destroy(test, fe);
		if (!hit)
			return n;
	}
}

/* A 1G leaf at 1G, and an empty cache: what a split must allocate. */
static void fn_map_1g(struct kunit *test, struct test_fe *fe, u64 oa)
{
	KUNIT_ASSERT_EQ(test, fe_map(fe, SZ_1G_ULL, oa, 3, RW), 0);
	tdpmmu_cache_drain(&fe->t, &fe->cache);
}

/* map_range allocating as it goes: a prefix is mapped, nothing after. */
static bool fn_map_range(struct kunit *test, struct test_fe *fe,
			 unsigned int n)
{
	const u64 addr = SZ_1G_ULL - SZ_2M_ULL - 2 * SZ_4K_ULL;
	const u64 size = SZ_1G_ULL + 2 * SZ_2M_ULL + 3 * SZ_4K_ULL;
	const u64 oa = addr + 3 * SZ_1G_ULL;
	u64 mapped;
	bool hit;
	int ret;

	fn_arm(fe, n);
	ret = fe_map_range(fe, addr, oa, size, RW, &mapped);
	hit = fn_hit(fe);
	KUNIT_EXPECT_EQ(test, ret, hit ? -ENOMEM : 0);
	KUNIT_EXPECT_EQ(test, mapped & (SZ_4K_ULL - 1), 0);
	expect_range(test, fe, addr, mapped, oa, RW);
	if (mapped < size)
		expect_none(test, fe, addr + mapped);
	return hit;
}

static void tdpmmu_test_fail_nth_map_range(struct kunit *test)
{
	unsigned int n = fn_sweep(test, &tdpmmu_mock_format, fn_map_range);

	kunit_info(test, "%u allocations failed in turn\n", n);
	KUNIT_EXPECT_GE(test, n, 4);
}

/* One 4K leaf in an empty table: three tables from the cache. */
static bool fn_map(struct kunit *test, struct test_fe *fe, unsigned int n)
{
	struct tdpmmu_leaf leaf = { .addr = 5 * SZ_4K_ULL, .oa = SZ_1G_ULL,
				    .level = 1, .prot = RW };
	bool hit;
	int ret;

	fn_arm(fe, n);
	ret = tdpmmu_cache_topup(&fe->t, &fe->cache, 3, GFP_KERNEL);
	hit = fn_hit(fe);
	KUNIT_EXPECT_EQ(test, ret, hit ? -ENOMEM : 0);
	KUNIT_EXPECT_EQ(test, fe->cache.nr, hit ? n : 3);
	ret = fe_map_leaf(fe, &fe->cache, &leaf);
	KUNIT_EXPECT_EQ(test, ret, hit ? -ENOMEM : 0);
	if (hit)
		expect_none(test, fe, leaf.addr);
	else
		expect_leaf(test, fe, leaf.addr, leaf.oa, 1, RW);
	return hit;
}

static void tdpmmu_test_fail_nth_map(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, fn_sweep(test, &tdpmmu_mock_format, fn_map), 3);
}

/*
 * A fault of one 4K leaf inside a 1G leaf that may not sleep: the two
 * pages for 1G->2M->4K come from GFP_NOWAIT inside the call.  A failure
 * leaves the split as far as it got, which translates the same.
 */
static bool fn_fault(struct kunit *test, struct test_fe *fe, unsigned int n)
{
	const u64 base = SZ_1G_ULL, oa = 3 * SZ_1G_ULL, at = 5 * SZ_4K_ULL;
	struct tdpmmu_leaf leaf = { .addr = base + at, .oa = oa + at,
				    .level = 1, .prot = TDPMMU_PROT_READ };
	u32 linked;
	bool hit;
	int ret;

	fn_map_1g(test, fe, oa);
	fn_arm(fe, n);
	ret = fe_fault_leaf(fe, &leaf, TDPMMU_NONBLOCK, &linked);
	hit = fn_hit(fe);
	KUNIT_EXPECT_EQ(test, ret, hit ? -EAGAIN : 0);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, splits), min(n, 2U));
	if (hit)
		expect_range(test, fe, base, 8 * SZ_4K_ULL, oa, RW);
	else
		expect_leaf(test, fe, leaf.addr, leaf.oa, 1, TDPMMU_PROT_READ);
	expect_range(test, fe, base + at + SZ_4K_ULL, SZ_2M_ULL,
		     oa + at + SZ_4K_ULL, RW);
	expect_range_step(test, fe, base + SZ_2M_ULL, SZ_1G_ULL - SZ_2M_ULL,
			  oa + SZ_2M_ULL, RW, SZ_2M_ULL);
	return hit;
}

static void tdpmmu_test_fail_nth_fault(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, fn_sweep(test, &tdpmmu_mock_format, fn_fault),
			2);
}

/*
 * Eager split of 1 GiB to 4K, the cache refilled outside the lock: every
 * one of its allocations failed in turn.  No translation changes.
 */
static bool fn_split(struct kunit *test, struct test_fe *fe, unsigned int n)
{
	const u64 base = SZ_1G_ULL, oa = 3 * SZ_1G_ULL;
	bool hit;
	int ret;

	fn_map_1g(test, fe, oa);
	fn_arm(fe, n);
	ret = fe_split_all(fe, &fe->cache, base, SZ_1G_ULL, 1, 0);
	hit = fn_hit(fe);
	KUNIT_EXPECT_EQ(test, ret, hit ? -ENOMEM : 0);
	KUNIT_EXPECT_LE(test, fe_stat(fe, splits), n);
	expect_range_step(test, fe, base, SZ_1G_ULL, oa, RW,
			  SZ_2M_ULL + SZ_4K_ULL);
	return hit;
}

static void tdpmmu_test_fail_nth_split(struct kunit *test)
{
	unsigned int n = fn_sweep(test, &tdpmmu_mock_format, fn_split);

	kunit_info(test, "%u allocations failed in turn\n", n);
	/* 513 pages split it; the last refill allocates up to 15 more. */
	KUNIT_EXPECT_GE(test, n, 513);
}

/* A non-blocking partial unmap splits with GFP_NOWAIT pages. */
static bool fn_unmap(struct kunit *test, struct test_fe *fe, unsigned int n)
{
	const u64 base = SZ_1G_ULL, oa = 3 * SZ_1G_ULL, at = 7 * SZ_4K_ULL;
	u64 unmapped;
	bool hit;
	int ret;

	fn_map_1g(test, fe, oa);
	fn_arm(fe, n);
	ret = fe_unmap_cache(fe, &fe->cache, base + at, SZ_4K_ULL,
			     TDPMMU_NONBLOCK, &unmapped);
	hit = fn_hit(fe);
	KUNIT_EXPECT_EQ(test, ret, hit ? -EAGAIN : 0);
	KUNIT_EXPECT_EQ(test, unmapped, hit ? 0 : SZ_4K_ULL);
	if (hit)
		expect_leaf(test, fe, base + at, oa + at, n ? 2 : 3, RW);
	else
		expect_none(test, fe, base + at);
	expect_range(test, fe, base, at, oa, RW);
	expect_range(test, fe, base + at + SZ_4K_ULL, SZ_2M_ULL,
		     oa + at + SZ_4K_ULL, RW);
	return hit;
}

static void tdpmmu_test_fail_nth_unmap(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, fn_sweep(test, &tdpmmu_mock_format, fn_unmap),
			2);
}

/* Write-protect 4K inside a 2M leaf: the split page from the cache. */
static bool fn_protect(struct kunit *test, struct test_fe *fe,
		       unsigned int n)
{
	const u64 base = SZ_2M_ULL, oa = 5 * SZ_2M_ULL, at = 9 * SZ_4K_ULL;
	u64 done;
	bool hit;
	int ret;

	KUNIT_ASSERT_EQ(test, fe_map(fe, base, oa, 2, RW), 0);
	tdpmmu_cache_drain(&fe->t, &fe->cache);
	fn_arm(fe, n);
	tdpmmu_cache_topup(&fe->t, &fe->cache, 1, GFP_KERNEL);
	hit = fn_hit(fe);
	ret = fe_protect_cache(fe, base + at, SZ_4K_ULL, 0, TDPMMU_PROT_WRITE,
			       &fe->cache, &done);
	KUNIT_EXPECT_EQ(test, ret, hit ? -ENOMEM : 0);
	KUNIT_EXPECT_EQ(test, done, hit ? 0 : SZ_4K_ULL);
	if (hit)
		expect_leaf(test, fe, base + at, oa + at, 2, RW);
	else
		expect_leaf(test, fe, base + at, oa + at, 1, TDPMMU_PROT_READ);
	expect_range(test, fe, base, at, oa, RW);
	expect_range(test, fe, base + at + SZ_4K_ULL,
		     SZ_2M_ULL - at - SZ_4K_ULL, oa + at + SZ_4K_ULL, RW);
	return hit;
}

static void tdpmmu_test_fail_nth_protect(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, fn_sweep(test, &tdpmmu_mock_format, fn_protect),
			1);
}

/*
 * Dirty logging that splits as it reports: a failed split leaves the
 * huge leaf dirty, so the next pass reports it again.
 */
static bool fn_dirty_split(struct kunit *test, struct test_fe *fe,
			   unsigned int n)
{
	const u64 base = SZ_2M_ULL, oa = 5 * SZ_2M_ULL;
	unsigned long bitmap[BITS_TO_LONGS(512)];
	struct tdpmmu_gather g;
	struct tdpmmu_leaf leaf;
	u64 done;
	bool hit;
	int ret;

	KUNIT_ASSERT_EQ(test, fe_map(fe, base, oa, 2, RW), 0);
	KUNIT_ASSERT_GE(test, fe_hw_access(fe, base, true, &leaf), 0);
	tdpmmu_cache_drain(&fe->t, &fe->cache);
	fn_arm(fe, n);
	tdpmmu_cache_topup(&fe->t, &fe->cache, 1, GFP_KERNEL);
	hit = fn_hit(fe);
	bitmap_zero(bitmap, 512);
	tdpmmu_gather_init(&g);
	read_lock(&fe->lock);
	ret = tdpmmu_read_clear_dirty(&fe->t, fe->root, base, SZ_2M_ULL,
				      TDPMMU_DIRTY_SPLIT, bitmap, &fe->cache,
				      &done, &g);
	read_unlock(&fe->lock);
	tdpmmu_gather_finish(&fe->t, &g);
	KUNIT_EXPECT_EQ(test, ret, hit ? -ENOMEM : 0);
	if (hit) {
		/* Nothing reported, nothing cleared: still dirty. */
		KUNIT_EXPECT_EQ(test, done, 0);
		bitmap_zero(bitmap, 512);
		tdpmmu_gather_init(&g);
		read_lock(&fe->lock);
		ret = tdpmmu_read_clear_dirty(&fe->t, fe->root, base,
					      SZ_2M_ULL, 0, bitmap, NULL,
					      &done, &g);
		read_unlock(&fe->lock);
		tdpmmu_gather_finish(&fe->t, &g);
		KUNIT_EXPECT_EQ(test, ret, 0);
	}
	KUNIT_EXPECT_EQ(test, find_first_zero_bit(bitmap, 512), 512);
	expect_leaf(test, fe, base, oa, hit ? 2 : 1, RW);
	return hit;
}

static void tdpmmu_test_fail_nth_dirty_split(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, fn_sweep(test, &tdpmmu_mock_ad_format,
				       fn_dirty_split), 1);
}

/* A root's table is the first allocation of an instance. */
static void tdpmmu_test_fail_nth_root(struct kunit *test)
{
	struct test_fe *fe = fe_create(test, 4, BIT(2) | BIT(3));
	struct tdpmmu_root *root;

	fn_arm(fe, 0);
	root = tdpmmu_root_alloc(&fe->t, 1, GFP_KERNEL);
	KUNIT_EXPECT_TRUE(test, fn_hit(fe));
	KUNIT_EXPECT_NULL(test, root);
	root = tdpmmu_root_alloc(&fe->t, 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, root);
	tdpmmu_root_put(&fe->t, root);
	fe_destroy(test, fe);
}

static struct kunit_case tdpmmu_fail_nth_cases[] = {
	KUNIT_CASE(tdpmmu_test_fail_nth_map_range),
	KUNIT_CASE(tdpmmu_test_fail_nth_map),
	KUNIT_CASE(tdpmmu_test_fail_nth_fault),
	KUNIT_CASE(tdpmmu_test_fail_nth_split),
	KUNIT_CASE(tdpmmu_test_fail_nth_unmap),
	KUNIT_CASE(tdpmmu_test_fail_nth_protect),
	KUNIT_CASE(tdpmmu_test_fail_nth_dirty_split),
	KUNIT_CASE(tdpmmu_test_fail_nth_root),
	{}
};

static struct kunit_suite tdpmmu_fail_nth_suite = {
	.name = "tdpmmu_fail_nth",
	.test_cases = tdpmmu_fail_nth_cases,
};

kunit_test_suite(tdpmmu_fail_nth_suite);

MODULE_DESCRIPTION("KUnit: allocation failure at every point of tdpmmu operations");
MODULE_LICENSE("GPL");
