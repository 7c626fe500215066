// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for huge-leaf split, partial unmap, partial permission
 * change and collapse in the tdpmmu core, on the mock format (hitless
 * splits) and its break-before-make twin.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/processor.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/tdpmmu.h>

#include "test_fe.h"

#define RW	(TDPMMU_PROT_READ | TDPMMU_PROT_WRITE)

static int fe_split(struct test_fe *fe, u64 addr, u64 size,
		    unsigned int level, unsigned int flags, u64 *done)
{
	struct tdpmmu_gather g;
	int ret;

	tdpmmu_gather_init(&g);
	fe_lock(fe, flags);
	ret = tdpmmu_split(&fe->t, fe->root, addr, size, level, flags,
			   &fe->cache, done, &g);
	fe_unlock(fe, flags);
	tdpmmu_gather_finish(&fe->t, &g);
	return ret;
}

static int fe_protect(struct test_fe *fe, u64 addr, u64 size, u32 set,
		      u32 clear, bool split, u64 *done)
{
	int ret;

	ret = tdpmmu_cache_topup(&fe->t, &fe->cache, TDPMMU_MAX_LEVELS,
				 GFP_KERNEL);
	return ret ?: fe_protect_cache(fe, addr, size, set, clear,
				       split ? &fe->cache : NULL, done);
}

static void tdpmmu_test_split_hitless(struct kunit *test)
{
	struct test_fe *fe = fe_create(test, 4, BIT(2) | BIT(3));
	const u64 base = SZ_1G_ULL, oa = 5 * SZ_1G_ULL;
	struct tdpmmu_leaf leaf = { .addr = base, .oa = oa, .level = 3,
				    .prot = RW, .fmt_bits = BIT_ULL(55) };
	struct tdpmmu_gather g;
	u64 done, unmapped;
	int flushes;

	KUNIT_ASSERT_EQ(test, tdpmmu_cache_topup(&fe->t, &fe->cache, 4,
						 GFP_KERNEL), 0);
	tdpmmu_gather_init(&g);
	read_lock(&fe->lock);
	KUNIT_ASSERT_EQ(test, tdpmmu_map(&fe->t, fe->root, &leaf, &fe->cache,
					 &g), 0);
	read_unlock(&fe->lock);
	tdpmmu_gather_finish(&fe->t, &g);
	flushes = atomic_read(&fe->flushes);

	/* One 4K page: 1G -> 2M, then the 2M around it -> 4K. */
	KUNIT_EXPECT_EQ(test, fe_split(fe, base + 3 * SZ_2M_ULL + SZ_4K_ULL,
				       SZ_4K_ULL, 1, 0, &done), 0);
	KUNIT_EXPECT_EQ(test, done, SZ_4K_ULL);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, splits), 2);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[3]), 0);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[2]), 511);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[1]), 512);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, tables[3]), 1);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, tables[2]), 1);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, tables[1]), 1);
	/* Hitless: same translations, same bits, no flush. */
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->flushes), flushes);
	expect_range(test, fe, base, SZ_1G_ULL, oa, RW);
	expect_leaf(test, fe, base + 3 * SZ_2M_ULL, oa + 3 * SZ_2M_ULL, 1, RW);
	expect_leaf(test, fe, base + 4 * SZ_2M_ULL, oa + 4 * SZ_2M_ULL, 2, RW);
	KUNIT_ASSERT_EQ(test, tdpmmu_lookup(&fe->t, fe->root, base + 3 *
					    SZ_2M_ULL + 5 * SZ_4K_ULL, &leaf),
			0);
	KUNIT_EXPECT_EQ(test, leaf.fmt_bits, BIT_ULL(55));

	/* Nothing left to split: no change. */
	KUNIT_EXPECT_EQ(test, fe_split(fe, base + 3 * SZ_2M_ULL, SZ_2M_ULL, 1,
				       0, &done), 0);
	KUNIT_EXPECT_EQ(test, done, SZ_2M_ULL);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, splits), 2);

	/* Bad arguments. */
	KUNIT_EXPECT_EQ(test, fe_split(fe, base, SZ_2M_ULL, 0, 0, &done),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, fe_split(fe, base, SZ_2M_ULL, 4, 0, &done),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, fe_split(fe, base + 1, SZ_2M_ULL, 1, 0, &done),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, fe_split(fe, base, SZ_2M_ULL, 1, BIT(7), &done),
			-EINVAL);

	KUNIT_EXPECT_EQ(test, fe_unmap(fe, base, SZ_1G_ULL, TDPMMU_UNMAP_TABLES,
				       &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, SZ_1G_ULL);
	fe_destroy(test, fe);
}

/* A break-before-make format flushes the old leaf before linking. */
static void tdpmmu_test_split_bbm(struct kunit *test)
{
	struct test_fe *fe = fe_create_fmt(test, &tdpmmu_mock_bbm_format, 4,
					   BIT(2));
	u64 done;
	int flushes;

	KUNIT_EXPECT_TRUE(test, fe->t.fmt->split_bbm);
	KUNIT_ASSERT_EQ(test, fe_map(fe, SZ_2M_ULL, 7 * SZ_2M_ULL, 2, RW), 0);
	flushes = atomic_read(&fe->flushes);
	KUNIT_EXPECT_EQ(test, tdpmmu_cache_topup(&fe->t, &fe->cache, 1,
						 GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, fe_split(fe, SZ_2M_ULL, SZ_4K_ULL, 1, 0, &done),
			0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->flushes), flushes + 1);
	expect_range(test, fe, SZ_2M_ULL, SZ_2M_ULL, 7 * SZ_2M_ULL, RW);
	expect_leaf(test, fe, SZ_2M_ULL, 7 * SZ_2M_ULL, 1, RW);
	KUNIT_EXPECT_EQ(test, fe_unmap(fe, SZ_2M_ULL, SZ_2M_ULL,
				       TDPMMU_UNMAP_TABLES, &done), 0);
	fe_destroy(test, fe);
}

/* Eager split: -ENOMEM mid-range reports how far it got; yields. */
static void tdpmmu_test_split_eager(struct kunit *test)
{
	struct test_fe *fe = fe_create(test, 4, BIT(2) | BIT(3));
	struct tdpmmu_cache cache = { 0 };
	u64 done, mapped;

	KUNIT_ASSERT_EQ(test, fe_map_range(fe, 0, SZ_1G_ULL, 8 * SZ_2M_ULL, RW,
					   &mapped), 0);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[2]), 8);
	tdpmmu_cache_drain(&fe->t, &fe->cache);
	KUNIT_ASSERT_EQ(test, tdpmmu_cache_topup(&fe->t, &fe->cache, 3,
						 GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, fe_split(fe, 0, 8 * SZ_2M_ULL, 1, 0, &done),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, done, 3 * SZ_2M_ULL);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[2]), 5);
	expect_range(test, fe, 0, 8 * SZ_2M_ULL, SZ_1G_ULL, RW);
	expect_leaf(test, fe, 3 * SZ_2M_ULL, SZ_1G_ULL + 3 * SZ_2M_ULL, 2, RW);

	/* The rest, yielding after every entry. */
	fe->t.yield_interval = 1;
	KUNIT_EXPECT_EQ(test, fe_split_all(fe, &cache, 3 * SZ_2M_ULL,
					   5 * SZ_2M_ULL, 1, TDPMMU_YIELD), 0);
	KUNIT_EXPECT_GT(test, fe_stat(fe, yields), 0);
	fe->t.yield_interval = 0;
	KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[2]), 0);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[1]), 8 * 512);
	expect_range(test, fe, 0, 8 * SZ_2M_ULL, SZ_1G_ULL, RW);

	/* Exclusive mode: a 1G leaf down to 2M. */
	KUNIT_ASSERT_EQ(test, fe_map_range(fe, SZ_1G_ULL, 0, SZ_1G_ULL, RW,
					   &mapped), 0);
	KUNIT_EXPECT_EQ(test, fe_split_all(fe, &cache, SZ_1G_ULL, SZ_1G_ULL, 2,
					   TDPMMU_EXCLUSIVE), 0);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[2]), 512);
	expect_range(test, fe, SZ_1G_ULL, SZ_4K_ULL * 16, 0, RW);
	tdpmmu_cache_drain(&fe->t, &cache);
	KUNIT_EXPECT_EQ(test, fe_unmap(fe, 0, 2 * SZ_1G_ULL,
				       TDPMMU_UNMAP_TABLES, &done), 0);
	fe_destroy(test, fe);
}

/*
 * Allocation failure at every allocation point: the n-th page allocation
 * fails, for every n a split of 1G -> 4K (two pages) and a partial unmap
 * inside 1G can reach; the table stays exactly as it was, nothing leaks.
 */
static void tdpmmu_test_split_fail_nth(struct kunit *test)
{
	const u64 base = 2 * SZ_1G_ULL, addr = base + 5 * SZ_2M_ULL;
	unsigned int n, op;
	struct test_fe *fe;
	u64 done;
	int ret;

	for (op = 0; op < 2; op++) {
		for (n = 0; n <= 2; n++) {
			fe = fe_create(test, 4, BIT(2) | BIT(3));
			KUNIT_ASSERT_EQ(test, fe_map(fe, base, 0, 3, RW), 0);
			tdpmmu_cache_drain(&fe->t, &fe->cache);
			atomic_set(&fe->fail_alloc_after, n);
			ret = tdpmmu_cache_topup(&fe->t, &fe->cache, 2,
						 GFP_KERNEL);
			KUNIT_EXPECT_EQ(test, ret, n < 2 ? -ENOMEM : 0);
			KUNIT_EXPECT_EQ(test, fe->cache.nr, n);
			if (op)
				ret = fe_unmap_cache(fe, &fe->cache, addr,
						     SZ_4K_ULL, 0, &done);
			else
				ret = fe_split(fe, addr, SZ_4K_ULL, 1, 0,
					       &done);
			KUNIT_EXPECT_EQ(test, ret, n < 2 ? -ENOMEM : 0);
			KUNIT_EXPECT_EQ(test, done, n < 2 ? 0 : SZ_4K_ULL);
			KUNIT_EXPECT_EQ(test, fe_stat(fe, splits),
					min(n, 2U));
			if (op && n == 2)
				expect_none(test, fe, addr);
			expect_range(test, fe, base, 5 * SZ_2M_ULL, 0, RW);
			expect_range(test, fe, addr + SZ_4K_ULL,
				     SZ_2M_ULL - SZ_4K_ULL,
				     addr + SZ_4K_ULL - base, RW);
			atomic_set(&fe->fail_alloc_after, -1);
			KUNIT_EXPECT_EQ(test, fe_unmap(fe, base, SZ_1G_ULL,
						       TDPMMU_UNMAP_TABLES,
						       &done), 0);
			fe_destroy(test, fe);
		}
	}
}

static void tdpmmu_test_partial_unmap(struct kunit *test)
{
	struct test_fe *fe = fe_create(test, 4, BIT(2) | BIT(3));
	const u64 base = SZ_1G_ULL;
	u64 unmapped;
	int flushes;

	KUNIT_ASSERT_EQ(test, fe_map(fe, base, 3 * SZ_1G_ULL, 3, RW), 0);
	KUNIT_ASSERT_EQ(test, tdpmmu_cache_topup(&fe->t, &fe->cache, 8,
						 GFP_KERNEL), 0);
	/* Without a cache the partly covered leaf stays, as before. */
	KUNIT_EXPECT_EQ(test, fe_unmap(fe, base, SZ_4K_ULL, 0, &unmapped),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, unmapped, 0);
	flushes = atomic_read(&fe->flushes);
	/* Across the boundary of two 2M slices of the 1G leaf. */
	KUNIT_EXPECT_EQ(test, fe_unmap_cache(fe, &fe->cache,
					     base + SZ_2M_ULL - SZ_4K_ULL,
					     2 * SZ_4K_ULL, 0, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, 2 * SZ_4K_ULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->flushes), flushes + 1);
	expect_none(test, fe, base + SZ_2M_ULL - SZ_4K_ULL);
	expect_none(test, fe, base + SZ_2M_ULL);
	expect_range(test, fe, base, SZ_2M_ULL - SZ_4K_ULL, 3 * SZ_1G_ULL, RW);
	expect_range(test, fe, base + SZ_2M_ULL + SZ_4K_ULL,
		     SZ_2M_ULL - SZ_4K_ULL,
		     3 * SZ_1G_ULL + SZ_2M_ULL + SZ_4K_ULL, RW);
	expect_leaf(test, fe, base + 2 * SZ_2M_ULL,
		    3 * SZ_1G_ULL + 2 * SZ_2M_ULL, 2, RW);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[1]), 2 * 511);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[2]), 510);
	KUNIT_EXPECT_EQ(test, fe_unmap(fe, base, SZ_1G_ULL, TDPMMU_UNMAP_TABLES,
				       &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, SZ_1G_ULL - 2 * SZ_4K_ULL);
	fe_destroy(test, fe);
}

static void tdpmmu_test_protect(struct kunit *test)
{
	struct test_fe *fe = fe_create(test, 4, BIT(2));
	const u64 base = 4 * SZ_2M_ULL, oa = 9 * SZ_2M_ULL;
	u64 done, unmapped;
	int flushes;

	KUNIT_ASSERT_EQ(test, fe_map(fe, base, oa, 2, RW), 0);
	flushes = atomic_read(&fe->flushes);
	/* Write-protect one 4K page inside the 2M leaf. */
	KUNIT_EXPECT_EQ(test, fe_protect(fe, base + 7 * SZ_4K_ULL, SZ_4K_ULL,
					 0, TDPMMU_PROT_WRITE, false, &done),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, fe_protect(fe, base + 7 * SZ_4K_ULL, SZ_4K_ULL,
					 0, TDPMMU_PROT_WRITE, true, &done), 0);
	KUNIT_EXPECT_EQ(test, done, SZ_4K_ULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->flushes), flushes + 1);
	expect_leaf(test, fe, base + 7 * SZ_4K_ULL, oa + 7 * SZ_4K_ULL, 1,
		    TDPMMU_PROT_READ);
	expect_range(test, fe, base, 7 * SZ_4K_ULL, oa, RW);
	expect_range(test, fe, base + 8 * SZ_4K_ULL, SZ_2M_ULL - 8 * SZ_4K_ULL,
		     oa + 8 * SZ_4K_ULL, RW);
	/* Granting it back, over the whole 2M: no split, one change. */
	flushes = atomic_read(&fe->flushes);
	KUNIT_EXPECT_EQ(test, fe_protect(fe, base, SZ_2M_ULL,
					 TDPMMU_PROT_WRITE, 0, false, &done),
			0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->flushes), flushes + 1);
	expect_range(test, fe, base, SZ_2M_ULL, oa, RW);
	/* Nothing changes: no flush. */
	KUNIT_EXPECT_EQ(test, fe_protect(fe, base, SZ_2M_ULL,
					 TDPMMU_PROT_WRITE, 0, false, &done),
			0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->flushes), flushes + 1);
	/* No permission left, bad bits, set and clear overlapping. */
	KUNIT_EXPECT_EQ(test, fe_protect(fe, base, SZ_4K_ULL, 0, RW, true,
					 &done), -EINVAL);
	KUNIT_EXPECT_EQ(test, done, 0);
	expect_range(test, fe, base, SZ_2M_ULL, oa, RW);
	KUNIT_EXPECT_EQ(test, fe_protect(fe, base, SZ_4K_ULL, BIT(5), 0, true,
					 &done), -EINVAL);
	KUNIT_EXPECT_EQ(test, fe_protect(fe, base, SZ_4K_ULL, RW, RW, true,
					 &done), -EINVAL);
	KUNIT_EXPECT_EQ(test, fe_protect(fe, base, SZ_4K_ULL, 0, 0, true,
					 &done), -EINVAL);
	KUNIT_EXPECT_EQ(test, fe_unmap(fe, base, SZ_2M_ULL, TDPMMU_UNMAP_TABLES,
				       &unmapped), 0);
	fe_destroy(test, fe);
}

/*
 * The check reads the children in four interleaved chains and tests them
 * once per eight entries: one child with another permission, at a place
 * in each chain, group and end of the table, must stop the collapse in
 * both modes.
 */
static void collapse_refused_anywhere(struct kunit *test, struct test_fe *fe,
				      u64 base, u64 oa)
{
	static const unsigned int at[] = { 0, 1, 2, 3, 4, 7, 8, 13, 255, 508,
					   510, 511 };
	unsigned int i, flags;
	u64 done, a;

	KUNIT_ASSERT_EQ(test, fe_map(fe, base, oa, 2, RW), 0);
	KUNIT_ASSERT_EQ(test, fe_split(fe, base, SZ_2M_ULL, 1, 0, &done), 0);
	for (i = 0; i < ARRAY_SIZE(at); i++) {
		a = base + at[i] * SZ_4K_ULL;
		KUNIT_ASSERT_EQ(test, fe_protect(fe, a, SZ_4K_ULL, 0,
						 TDPMMU_PROT_WRITE, true,
						 &done), 0);
		for (flags = 0; flags <= TDPMMU_EXCLUSIVE;
		     flags += TDPMMU_EXCLUSIVE)
			KUNIT_EXPECT_EQ_MSG(test, fe_collapse(fe, base,
							      SZ_2M_ULL, flags),
					    0, "child %u", at[i]);
		KUNIT_ASSERT_EQ(test, fe_protect(fe, a, SZ_4K_ULL,
						 TDPMMU_PROT_WRITE, 0, true,
						 &done), 0);
	}
	KUNIT_EXPECT_EQ(test, fe_collapse(fe, base, SZ_2M_ULL, 0), 1);
	expect_leaf(test, fe, base, oa, 2, RW);
	KUNIT_EXPECT_EQ(test, fe_unmap(fe, base, SZ_2M_ULL, 0, &done), 0);
}

static void tdpmmu_test_collapse(struct kunit *test)
{
	struct test_fe *fe = fe_create(test, 4, BIT(2) | BIT(3));
	const u64 base = SZ_1G_ULL, oa = 6 * SZ_1G_ULL;
	struct tdpmmu_cache cache = { 0 };
	u64 done, a = base + 9 * SZ_4K_ULL;
	unsigned int flags;
	int flushes;

	for (flags = 0; flags <= TDPMMU_EXCLUSIVE; flags += TDPMMU_EXCLUSIVE) {
		KUNIT_ASSERT_EQ(test, fe_map(fe, base, oa, 2, RW), 0);
		KUNIT_ASSERT_EQ(test, fe_split(fe, base, SZ_2M_ULL, 1, 0,
					       &done), 0);
		/* Refused: a hole, another permission, another address. */
		KUNIT_EXPECT_EQ(test, fe_unmap(fe, a, SZ_4K_ULL, 0, &done), 0);
		KUNIT_EXPECT_EQ(test, fe_collapse(fe, base, SZ_2M_ULL, flags),
				0);
		KUNIT_EXPECT_EQ(test, fe_map(fe, a, oa + 9 * SZ_4K_ULL, 1,
					     TDPMMU_PROT_READ), 0);
		KUNIT_EXPECT_EQ(test, fe_collapse(fe, base, SZ_2M_ULL, flags),
				0);
		KUNIT_EXPECT_EQ(test, fe_unmap(fe, a, SZ_4K_ULL, 0, &done), 0);
		KUNIT_EXPECT_EQ(test, fe_map(fe, a, oa, 1, RW), 0);
		KUNIT_EXPECT_EQ(test, fe_collapse(fe, base, SZ_2M_ULL, flags),
				0);
		/* Range not covering the whole table: left alone. */
		KUNIT_EXPECT_EQ(test, fe_unmap(fe, a, SZ_4K_ULL, 0, &done), 0);
		KUNIT_EXPECT_EQ(test, fe_map(fe, a, oa + 9 * SZ_4K_ULL, 1, RW),
				0);
		KUNIT_EXPECT_EQ(test, fe_collapse(fe, base, SZ_2M_ULL - SZ_4K_ULL,
						  flags), 0);
		KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[1]), 512);
		expect_range(test, fe, base, SZ_2M_ULL, oa, RW);

		flushes = atomic_read(&fe->flushes);
		KUNIT_EXPECT_EQ(test, fe_collapse(fe, base, SZ_2M_ULL, flags),
				1);
		KUNIT_EXPECT_EQ(test, atomic_read(&fe->flushes), flushes + 1);
		expect_leaf(test, fe, base, oa, 2, RW);
		expect_range(test, fe, base, SZ_2M_ULL, oa, RW);
		KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[1]), 0);
		KUNIT_EXPECT_EQ(test, fe_stat(fe, tables[1]), 0);
		KUNIT_EXPECT_EQ(test, fe_unmap(fe, base, SZ_2M_ULL, 0, &done),
				0);
	}
	KUNIT_EXPECT_EQ(test, fe_stat(fe, collapses), 2);
	collapse_refused_anywhere(test, fe, base, oa);

	/* Output not aligned to 2M: never collapsed. */
	KUNIT_EXPECT_EQ(test, fe_map_range(fe, base, oa + SZ_4K_ULL, SZ_2M_ULL,
					   RW, &done), 0);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[1]), 512);
	KUNIT_EXPECT_EQ(test, fe_collapse(fe, base, SZ_2M_ULL, 0), 0);
	KUNIT_EXPECT_EQ(test, fe_unmap(fe, base, SZ_1G_ULL, TDPMMU_UNMAP_TABLES,
				       &done), 0);

	/* 1G split to 4K, then recovered bottom-up: 512 + 1 tables. */
	KUNIT_ASSERT_EQ(test, fe_map(fe, base, oa, 3, RW), 0);
	KUNIT_EXPECT_EQ(test, fe_split_all(fe, &cache, base, SZ_1G_ULL, 1, 0),
			0);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[1]), 512 * 512);
	flushes = atomic_read(&fe->flushes);
	fe->t.yield_interval = 64;
	KUNIT_EXPECT_EQ(test, fe_collapse(fe, 0, 4 * SZ_1G_ULL, TDPMMU_YIELD),
			513);
	fe->t.yield_interval = 0;
	KUNIT_EXPECT_GT(test, atomic_read(&fe->flushes), flushes);
	expect_leaf(test, fe, base + SZ_4K_ULL * 77, oa + SZ_4K_ULL * 77, 3,
		    RW);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[1]), 0);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[2]), 0);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[3]), 1);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, tables[1]), 0);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, tables[2]), 0);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, tables[3]), 1);
	tdpmmu_cache_drain(&fe->t, &cache);
	KUNIT_EXPECT_EQ(test, fe_unmap(fe, base, SZ_1G_ULL, TDPMMU_UNMAP_TABLES,
				       &done), 0);

	/* A level the instance allows no leaf at: never collapsed. */
	fe_destroy(test, fe);
	fe = fe_create(test, 4, 0);
	KUNIT_EXPECT_EQ(test, fe_map_range(fe, base, oa, SZ_2M_ULL, RW, &done),
			0);
	KUNIT_EXPECT_EQ(test, fe_collapse(fe, base, SZ_2M_ULL, 0), 0);
	KUNIT_EXPECT_EQ(test, fe_collapse(fe, base + 1, SZ_2M_ULL, 0), ~0ULL);
	KUNIT_EXPECT_EQ(test, fe_unmap(fe, base, SZ_2M_ULL, TDPMMU_UNMAP_TABLES,
				       &done), 0);
	fe_destroy(test, fe);
}

/*
 * The hitless checker: walkers translate addresses of a 1G mapping
 * continuously, lockless as a hardware walker would, while other threads
 * split it (eager, to 2M and 4K), collapse it back, and unmap and remap
 * one 4K page per 2M slice ("volatile" pages).  Every other address must
 * translate, to the right output address, at every single lookup.
 */
#define CHK_BASE	SZ_1G_ULL
#define CHK_OA		(5 * SZ_1G_ULL)
#define CHK_VOLATILE	77	/* 4K page index inside each 2M slice */
#define CHK_OPS		3000

struct chk_arg {
	struct test_fe *fe;
	struct tdpmmu_cache cache;
	unsigned int role;	/* 0, 1: walk; 2: split; 3: collapse; 4: unmap */
	bool bbm;
	atomic_t *stop;
	unsigned long ops, misses, wrong, bad;
	struct fe_thread th;
};

static void chk_walk(struct chk_arg *a, struct rnd_state *rnd)
{
	struct tdpmmu_leaf leaf;
	u64 off, addr;
	bool vol;
	int ret;

	off = (prandom_u32_state(rnd) % (SZ_1G_ULL >> 12)) << 12;
	addr = CHK_BASE + off;
	vol = (off >> 12) % 512 == CHK_VOLATILE;
	ret = tdpmmu_lookup(&a->fe->t, a->fe->root, addr, &leaf);
	if (ret) {
		if (!vol)
			a->misses++;
		return;
	}
	if (leaf.oa + (addr - leaf.addr) != CHK_OA + off ||
	    (!vol && leaf.prot != RW))
		a->wrong++;
}

static void chk_unmap_remap(struct chk_arg *a, struct rnd_state *rnd)
{
	u64 addr = CHK_BASE + (prandom_u32_state(rnd) % 512) * SZ_2M_ULL +
		   CHK_VOLATILE * SZ_4K_ULL;
	u64 done;
	int ret;

	for (;;) {
		ret = tdpmmu_cache_topup(&a->fe->t, &a->cache,
					 TDPMMU_MAX_LEVELS, GFP_KERNEL);
		if (!ret)
			ret = fe_unmap_cache(a->fe, &a->cache, addr, SZ_4K_ULL,
					     0, &done);
		if (ret != -EAGAIN)
			break;
		cond_resched();
	}
	if (ret || done != SZ_4K_ULL)
		a->bad++;
	for (;;) {
		ret = fe_map_cache(a->fe, &a->cache, addr,
				   addr - CHK_BASE + CHK_OA, 1, RW);
		if (ret != -EAGAIN)
			break;
		cond_resched();
	}
	if (ret)
		a->bad++;
}

static void chk_thread(void *data)
{
	struct chk_arg *a = data;
	struct rnd_state rnd;
	u64 start;
	int ret;

	prandom_seed_state(&rnd, a->role + 11);
	for (a->ops = 0; a->role < 2 ? !atomic_read(a->stop) : a->ops < CHK_OPS;
	     a->ops++) {
		start = CHK_BASE + (prandom_u32_state(&rnd) % 512) * SZ_2M_ULL;
		switch (a->role) {
		case 0:
		case 1:
			chk_walk(a, &rnd);
			break;
		case 2:
			if (a->ops % 64 == 0)
				ret = fe_split_all(a->fe, &a->cache, CHK_BASE,
						   SZ_1G_ULL, 2, 0);
			else
				ret = fe_split_all(a->fe, &a->cache, start,
						   SZ_2M_ULL, 1, 0);
			if (ret && ret != -EAGAIN)
				a->bad++;
			break;
		case 3:
			if (a->ops % 64 == 0)
				fe_collapse(a->fe, CHK_BASE, SZ_1G_ULL, 0);
			else
				fe_collapse(a->fe, start, SZ_2M_ULL, 0);
			break;
		default:
			chk_unmap_remap(a, &rnd);
			break;
		}
		if (!(a->ops % 16))
			cond_resched();
	}
}

static void run_checker(struct kunit *test, const struct tdpmmu_format *fmt)
{
	struct test_fe *fe = fe_create_fmt(test, fmt, 4, BIT(2) | BIT(3));
	struct chk_arg *a = kunit_kzalloc(test, 5 * sizeof(*a), GFP_KERNEL);
	unsigned long misses = 0, walks = 0;
	atomic_t stop;
	unsigned int i;
	u64 done;

	KUNIT_ASSERT_NOT_NULL(test, a);
	atomic_set(&stop, 0);
	KUNIT_ASSERT_EQ(test, fe_map(fe, CHK_BASE, CHK_OA, 3, RW), 0);
	for (i = 0; i < 5; i++) {
		a[i].fe = fe;
		a[i].role = i;
		a[i].stop = &stop;
		fe_thread_start(test, &a[i].th, chk_thread, &a[i], "chk", i);
	}
	for (i = 2; i < 5; i++)
		fe_thread_wait(&a[i].th);
	atomic_set(&stop, 1);
	for (i = 0; i < 5; i++) {
		if (i < 2)
			fe_thread_wait(&a[i].th);
		KUNIT_EXPECT_EQ(test, a[i].wrong, 0);
		KUNIT_EXPECT_EQ(test, a[i].bad, 0);
		tdpmmu_cache_drain(&fe->t, &a[i].cache);
		if (i < 2) {
			misses += a[i].misses;
			walks += a[i].ops;
		}
	}
	/* Hitless: not one miss.  Break-before-make: misses are allowed. */
	if (!fmt->split_bbm)
		KUNIT_EXPECT_EQ(test, misses, 0);
	kunit_info(test, "%s: %lu lookups, %lu misses, %lld splits, %lld collapses\n",
		   fmt->name, walks, misses, fe_stat(fe, splits),
		   fe_stat(fe, collapses));
	/* Everything is back: one collapse recovers the 1G leaf. */
	fe_collapse(fe, CHK_BASE, SZ_1G_ULL, 0);
	expect_leaf(test, fe, CHK_BASE, CHK_OA, 3, RW);
	KUNIT_EXPECT_EQ(test, fe_unmap(fe, CHK_BASE, SZ_1G_ULL,
				       TDPMMU_UNMAP_TABLES, &done), 0);
	KUNIT_EXPECT_EQ(test, done, SZ_1G_ULL);
	fe_destroy(test, fe);
}

static void tdpmmu_test_hitless_walker(struct kunit *test)
{
	run_checker(test, &tdpmmu_mock_format);
}

static void tdpmmu_test_bbm_walker(struct kunit *test)
{
	run_checker(test, &tdpmmu_mock_bbm_format);
}

/*
 * Shared-mode collapse of a table of 4K leaves closes the table's gate
 * instead of locking every child: a writer already inside the table must
 * find out that the table went away and do its change again on the huge
 * leaf (lib-tdpmmu/pt_gate.h).  Threads collapse and split spans of 4K leaves while
 * others unmap, remap, write-protect and unprotect single pages; each
 * checks right after its call that the page translates as it just made
 * it (nobody else changes that page: collapse and split keep every
 * translation).  A lost unmap would leave the page mapped by the huge
 * leaf, a lost write-protect would leave it writable.
 */
#define CR_BASE		SZ_1G_ULL
#define CR_OA		(3 * SZ_1G_ULL)
#define CR_SPANS	1
#define CR_OPS		100000

struct cr_arg {
	struct test_fe *fe;
	struct tdpmmu_cache cache;
	unsigned int role;	/* 0: collapse; 1: split; 2: unmap; 3: protect */
	bool gig;		/* the span lies in a 1G leaf that collapses too */
	atomic_t *writers;
	unsigned long ops, bad;
	struct fe_thread th;
};

/*
 * Call again after a frozen entry, or after the cache ran out: every
 * collapse that takes the page's table away costs the redo one more split.
 */
static int cr_retry(int ret)
{
	if (ret == -EAGAIN)
		cpu_relax();
	return ret == -EAGAIN || ret == -ENOMEM;
}

/* Is @addr translated right, with @prot (0: not at all)? */
static bool cr_expect(struct cr_arg *a, u64 addr, u32 prot)
{
	struct tdpmmu_leaf leaf;

	if (tdpmmu_lookup(&a->fe->t, a->fe->root, addr, &leaf))
		return !prot;
	return prot && leaf.prot == prot &&
	       leaf.oa + (addr - leaf.addr) == addr - CR_BASE + CR_OA;
}

static void cr_page(struct cr_arg *a, struct rnd_state *rnd)
{
	/* Unmap even pages, protect odd ones: each page has one writer. */
	u64 p = (prandom_u32_state(rnd) % (CR_SPANS * 256)) * 2 + a->role - 2;
	u64 addr = CR_BASE + p * SZ_4K_ULL, done;
	int ret;

	do {
		tdpmmu_cache_topup(&a->fe->t, &a->cache, TDPMMU_MAX_LEVELS,
				   GFP_KERNEL);
		if (a->role == 2)
			ret = fe_unmap_cache(a->fe, &a->cache, addr, SZ_4K_ULL,
					     0, &done);
		else
			ret = fe_protect(a->fe, addr, SZ_4K_ULL, 0,
					 TDPMMU_PROT_WRITE, true, &done);
	} while (cr_retry(ret));
	if (ret || !cr_expect(a, addr, a->role == 2 ? 0 : TDPMMU_PROT_READ))
		a->bad++;
	do {
		/* Both map paths: each must find its leaf in a huge one. */
		if (a->role == 2 && a->ops % 2)
			ret = fe_map_range(a->fe, addr, addr - CR_BASE + CR_OA,
					   SZ_4K_ULL, RW, &done);
		else if (a->role == 2)
			ret = fe_map_cache(a->fe, &a->cache, addr,
					   addr - CR_BASE + CR_OA, 1, RW);
		else
			ret = fe_protect(a->fe, addr, SZ_4K_ULL,
					 TDPMMU_PROT_WRITE, 0, true, &done);
	} while (cr_retry(ret));
	if (ret || !cr_expect(a, addr, RW))
		a->bad++;
}

static void cr_thread(void *data)
{
	struct cr_arg *a = data;
	struct rnd_state rnd;
	u64 span;
	int ret;

	prandom_seed_state(&rnd, a->role + 5);
	for (a->ops = 0; a->role < 2 ? atomic_read(a->writers) : a->ops < CR_OPS;
	     a->ops++) {
		span = CR_BASE + (prandom_u32_state(&rnd) % CR_SPANS) * SZ_2M_ULL;
		if (!a->role) {
			fe_collapse(a->fe, a->gig ? CR_BASE : span,
				    a->gig ? SZ_1G_ULL : SZ_2M_ULL, 0);
		} else if (a->role == 1) {
			if (a->gig && a->ops % 2)
				ret = fe_split_all(a->fe, &a->cache, CR_BASE,
						   SZ_1G_ULL, 2, 0);
			else
				ret = fe_split_all(a->fe, &a->cache, span,
						   SZ_2M_ULL, 1, 0);
			if (ret && ret != -EAGAIN)
				a->bad++;
		} else {
			cr_page(a, &rnd);
		}
		if (!(a->ops % 16))
			cond_resched();
	}
	if (a->role >= 2)
		atomic_dec(a->writers);
}

/*
 * @gig: the span is the first 2M of a 1G range that splits to 2M leaves
 * and collapses back into a 1G leaf too, so that a write can land in a
 * table whose grandparent a collapse takes away.
 */
static void cr_run(struct kunit *test, bool gig)
{
	struct test_fe *fe = fe_create(test, 3, gig ? BIT(2) | BIT(3) : BIT(2));
	struct cr_arg *a = kunit_kcalloc(test, 4, sizeof(*a), GFP_KERNEL);
	u64 size = gig ? SZ_1G_ULL : CR_SPANS * SZ_2M_ULL, done;
	atomic_t writers = ATOMIC_INIT(2);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_EQ(test, fe_map_range(fe, CR_BASE, CR_OA, size, RW,
					   &done), 0);
	for (i = 0; i < 4; i++) {
		a[i] = (struct cr_arg){ .fe = fe, .role = i, .gig = gig,
					.writers = &writers };
		fe_thread_start(test, &a[i].th, cr_thread, &a[i], "cr", i);
	}
	for (i = 0; i < 4; i++) {
		fe_thread_wait(&a[i].th);
		KUNIT_EXPECT_EQ(test, a[i].bad, 0);
		tdpmmu_cache_drain(&fe->t, &a[i].cache);
	}
	/* Tables still waiting for RCU are counted when freed. */
	rcu_barrier();
	kunit_info(test, "%lu collapse and %lu split passes, %lld collapses, %lld retries\n",
		   a[0].ops, a[1].ops, fe_stat(fe, collapses),
		   fe_stat(fe, retries));
	KUNIT_EXPECT_GT(test, fe_stat(fe, collapses), 0);
	expect_range(test, fe, CR_BASE, size, CR_OA, RW);
	KUNIT_EXPECT_EQ(test, fe_unmap(fe, CR_BASE, SZ_1G_ULL,
				       TDPMMU_UNMAP_TABLES, &done), 0);
	KUNIT_EXPECT_EQ(test, done, size);
	fe_destroy(test, fe);
}

static void tdpmmu_test_collapse_race(struct kunit *test)
{
	cr_run(test, false);
}

static void tdpmmu_test_collapse_1g_race(struct kunit *test)
{
	cr_run(test, true);
}

static struct kunit_case tdpmmu_split_cases[] = {
	KUNIT_CASE(tdpmmu_test_split_hitless),
	KUNIT_CASE(tdpmmu_test_split_bbm),
	KUNIT_CASE(tdpmmu_test_split_eager),
	KUNIT_CASE(tdpmmu_test_split_fail_nth),
	KUNIT_CASE(tdpmmu_test_partial_unmap),
	KUNIT_CASE(tdpmmu_test_protect),
	KUNIT_CASE(tdpmmu_test_collapse),
	KUNIT_CASE_SLOW(tdpmmu_test_hitless_walker),
	KUNIT_CASE_SLOW(tdpmmu_test_bbm_walker),
	KUNIT_CASE_SLOW(tdpmmu_test_collapse_race),
	KUNIT_CASE_SLOW(tdpmmu_test_collapse_1g_race),
	{}
};

static struct kunit_suite tdpmmu_split_suite = {
	.name = "tdpmmu_split",
	.test_cases = tdpmmu_split_cases,
};

kunit_test_suite(tdpmmu_split_suite);
