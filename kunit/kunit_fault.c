// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of tdpmmu_fault() and tdpmmu_walk(), the two operations a
 * CPU page-fault handler (KVM's) builds on: install one leaf whatever is
 * in its way, and read the path to an address without a lock.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/tdpmmu.h>

#include "test_fe.h"

#define R	TDPMMU_PROT_READ
#define RW	(TDPMMU_PROT_READ | TDPMMU_PROT_WRITE)

/* tdpmmu_fault() under the read lock, the cache topped up first. */
static int fe_fault(struct test_fe *fe, u64 addr, u64 oa, unsigned int level,
		    u32 prot, u32 *linked)
{
	struct tdpmmu_leaf leaf = { .addr = addr, .oa = oa, .level = level,
				    .prot = prot };
	u32 dummy;
	int ret;

	ret = tdpmmu_cache_topup(&fe->t, &fe->cache, TDPMMU_MAX_LEVELS,
				 GFP_KERNEL);
	return ret ?: fe_fault_leaf(fe, &leaf, 0, linked ? linked : &dummy);
}

/* Install, repeat, change permissions, refuse another output address. */
static void tdpmmu_test_fault_leaf(struct kunit *test)
{
	struct test_fe *fe = fe_create(test, 4, BIT(2) | BIT(3));
	int flushes;
	u32 linked;

	KUNIT_EXPECT_EQ(test, fe_fault(fe, SZ_1G_ULL, 0x5000, 1, R, &linked), 0);
	KUNIT_EXPECT_EQ(test, linked, BIT(1) | BIT(2) | BIT(3));
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->table_inits), 3);
	expect_leaf(test, fe, SZ_1G_ULL, 0x5000, 1, R);

	/* The same leaf again: nothing to do, nothing linked. */
	KUNIT_EXPECT_EQ(test, fe_fault(fe, SZ_1G_ULL, 0x5000, 1, R, &linked), 1);
	KUNIT_EXPECT_EQ(test, linked, 0);

	/* Write granted in place: no flush for a permission added. */
	flushes = atomic_read(&fe->flushes);
	KUNIT_EXPECT_EQ(test, fe_fault(fe, SZ_1G_ULL, 0x5000, 1, RW, NULL), 0);
	expect_leaf(test, fe, SZ_1G_ULL, 0x5000, 1, RW);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->flushes), flushes);

	/* Write taken away: flushed. */
	KUNIT_EXPECT_EQ(test, fe_fault(fe, SZ_1G_ULL, 0x5000, 1, R, NULL), 0);
	expect_leaf(test, fe, SZ_1G_ULL, 0x5000, 1, R);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->flushes), flushes + 1);

	/* Another output address: the caller has to unmap first. */
	KUNIT_EXPECT_EQ(test, fe_fault(fe, SZ_1G_ULL, 0x6000, 1, RW, NULL),
			-EEXIST);
	expect_leaf(test, fe, SZ_1G_ULL, 0x5000, 1, R);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[1]), 1);
	fe_destroy(test, fe);
}

/* A 4K fault inside a 2M leaf splits it; the other 511 pages stay. */
static void tdpmmu_test_fault_split(struct kunit *test)
{
	struct test_fe *fe = fe_create(test, 4, BIT(2) | BIT(3));
	u64 base = 4 * SZ_1G_ULL, oa = 16 * SZ_2M_ULL, a;
	u32 linked;

	KUNIT_ASSERT_EQ(test, fe_fault(fe, base, oa, 2, R, NULL), 0);
	KUNIT_EXPECT_EQ(test, fe_fault(fe, base + 0x3000, oa + 0x3000, 1, RW,
				       &linked), 0);
	KUNIT_EXPECT_EQ(test, linked, BIT(1));
	expect_leaf(test, fe, base + 0x3000, oa + 0x3000, 1, RW);
	for (a = base; a < base + SZ_2M_ULL; a += 0x1000)
		if (a != base + 0x3000)
			expect_leaf(test, fe, a, oa + (a - base), 1, R);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[2]), 0);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[1]), 512);
	KUNIT_EXPECT_EQ(test, atomic64_read(&fe->acct[1]), 512);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, splits), 1);

	/* Misplaced output address inside the huge leaf: refused, no change. */
	KUNIT_EXPECT_EQ(test, fe_fault(fe, base + 0x4000, 0x4000, 1, RW, NULL),
			-EEXIST);
	expect_leaf(test, fe, base + 0x4000, oa + 0x4000, 1, R);
	fe_destroy(test, fe);
}

/* A 2M fault where a table of 4K leaves is replaces the table. */
static void tdpmmu_test_fault_replace_table(struct kunit *test)
{
	struct test_fe *fe = fe_create(test, 4, BIT(2) | BIT(3));
	u64 base = SZ_1G_ULL, oa = 8 * SZ_2M_ULL, a;
	int flushes;
	u32 linked;

	for (a = base; a < base + 16 * 0x1000; a += 0x1000)
		KUNIT_ASSERT_EQ(test, fe_fault(fe, a, oa + (a - base), 1, R,
					       NULL), 0);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, tables[1]), 1);
	flushes = atomic_read(&fe->flushes);
	KUNIT_EXPECT_EQ(test, fe_fault(fe, base, oa, 2, RW, &linked), 0);
	KUNIT_EXPECT_EQ(test, linked, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->flushes), flushes + 1);
	for (a = base; a < base + SZ_2M_ULL; a += 0x10000)
		expect_leaf(test, fe, a, oa + (a - base), 2, RW);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, tables[1]), 0);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[1]), 0);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[2]), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&fe->acct[1]), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&fe->acct[2]), 1);
	/* The table went to RCU: its page comes back after a grace period. */
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, fe_stat(fe, pages), 3 + fe->cache.nr);
	fe_destroy(test, fe);
}

/* Bad arguments, an empty cache, a frozen entry. */
static void tdpmmu_test_fault_errors(struct kunit *test)
{
	struct test_fe *fe = fe_create(test, 4, BIT(2));
	struct tdpmmu_leaf leaf = { .addr = 0x1000, .oa = 0, .level = 2,
				    .prot = R };
	struct tdpmmu_cache empty = { 0 };
	struct tdpmmu_gather g;
	u32 linked = ~0;

	tdpmmu_gather_init(&g);
	read_lock(&fe->lock);
	KUNIT_EXPECT_EQ(test, tdpmmu_fault(&fe->t, fe->root, &leaf, 0,
					   &empty, &linked, &g), -EINVAL);
	KUNIT_EXPECT_EQ(test, linked, 0);
	leaf.addr = 0;
	leaf.level = 3;		/* no 1G leaves in this instance */
	KUNIT_EXPECT_EQ(test, tdpmmu_fault(&fe->t, fe->root, &leaf, 0,
					   &empty, &linked, &g), -EINVAL);
	leaf.level = 1;
	KUNIT_EXPECT_EQ(test, tdpmmu_fault(&fe->t, fe->root, &leaf,
					   TDPMMU_YIELD, &empty, &linked, &g),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tdpmmu_fault(&fe->t, fe->root, &leaf, 0,
					   &empty, &linked, &g), -ENOMEM);
	read_unlock(&fe->lock);
	tdpmmu_gather_finish(&fe->t, &g);
	expect_none(test, fe, 0);

	/* A 4K fault under a 2M leaf with no page for the split. */
	KUNIT_ASSERT_EQ(test, fe_fault(fe, 0, 0, 2, R, NULL), 0);
	tdpmmu_gather_init(&g);
	read_lock(&fe->lock);
	KUNIT_EXPECT_EQ(test, tdpmmu_fault(&fe->t, fe->root, &leaf, 0,
					   &empty, &linked, &g), -ENOMEM);
	read_unlock(&fe->lock);
	tdpmmu_gather_finish(&fe->t, &g);
	expect_leaf(test, fe, 0x1000, 0x1000, 2, R);
	fe_destroy(test, fe);
}

/* The lockless walk reports every entry down to the leaf or the hole. */
static void tdpmmu_test_walk(struct kunit *test)
{
	struct test_fe *fe = fe_create(test, 4, BIT(2) | BIT(3));
	tdpmmu_pte_t entries[TDPMMU_MAX_LEVELS + 1], *last;
	struct tdpmmu_leaf leaf;
	int level;

	rcu_read_lock();
	level = tdpmmu_walk(&fe->t, fe->root, SZ_1G_ULL, entries, &last);
	KUNIT_EXPECT_EQ(test, level, 4);
	KUNIT_EXPECT_EQ(test, *last, 0);
	rcu_read_unlock();

	KUNIT_ASSERT_EQ(test, fe_fault(fe, SZ_1G_ULL + SZ_2M_ULL, 0x7000, 1,
				       RW, NULL), 0);
	KUNIT_ASSERT_EQ(test, fe_fault(fe, SZ_1G_ULL, 0, 2, R, NULL), 0);
	rcu_read_lock();
	level = tdpmmu_walk(&fe->t, fe->root, SZ_1G_ULL + SZ_2M_ULL + 0x123,
			    entries, &last);
	KUNIT_EXPECT_EQ(test, level, 1);
	KUNIT_EXPECT_EQ(test, *last, entries[1]);
	KUNIT_EXPECT_NE(test, entries[4], 0);
	KUNIT_EXPECT_NE(test, entries[3], 0);
	KUNIT_EXPECT_NE(test, entries[2], 0);
	KUNIT_EXPECT_NE(test, entries[2], entries[3]);
	/* The table holding the leaf is where table_init said it goes. */
	KUNIT_EXPECT_EQ(test, page_private(virt_to_page(last)),
			(SZ_1G_ULL + SZ_2M_ULL) | 1);
	level = tdpmmu_walk(&fe->t, fe->root, SZ_1G_ULL + 0x5000, NULL, &last);
	KUNIT_EXPECT_EQ(test, level, 2);
	KUNIT_EXPECT_EQ(test, page_private(virt_to_page(last)), SZ_1G_ULL | 2);
	rcu_read_unlock();
	KUNIT_ASSERT_EQ(test, tdpmmu_lookup(&fe->t, fe->root, SZ_1G_ULL + 0x5000,
					    &leaf), 0);
	KUNIT_EXPECT_EQ(test, leaf.level, 2);
	fe_destroy(test, fe);
}

/* Write-protect huge leaves only, as KVM does when dirty logging starts. */
static void tdpmmu_test_protect_huge_only(struct kunit *test)
{
	struct test_fe *fe = fe_create(test, 4, BIT(2) | BIT(3));
	struct tdpmmu_gather g;
	u64 a, done;

	KUNIT_ASSERT_EQ(test, fe_fault(fe, 0, 0, 2, RW, NULL), 0);
	for (a = SZ_2M_ULL; a < SZ_2M_ULL + 8 * 0x1000; a += 0x1000)
		KUNIT_ASSERT_EQ(test, fe_fault(fe, a, a, 1, RW, NULL), 0);
	tdpmmu_gather_init(&g);
	read_lock(&fe->lock);
	KUNIT_EXPECT_EQ(test, tdpmmu_protect(&fe->t, fe->root, 0, SZ_1G_ULL, 0,
					     TDPMMU_PROT_WRITE,
					     TDPMMU_HUGE_ONLY, NULL, &done, &g),
			0);
	read_unlock(&fe->lock);
	tdpmmu_gather_finish(&fe->t, &g);
	KUNIT_EXPECT_EQ(test, done, SZ_1G_ULL);
	expect_leaf(test, fe, 0x5000, 0x5000, 2, R);
	for (a = SZ_2M_ULL; a < SZ_2M_ULL + 8 * 0x1000; a += 0x1000)
		expect_leaf(test, fe, a, a, 1, RW);
	fe_destroy(test, fe);
}

static struct kunit_case tdpmmu_fault_cases[] = {
	KUNIT_CASE(tdpmmu_test_fault_leaf),
	KUNIT_CASE(tdpmmu_test_fault_split),
	KUNIT_CASE(tdpmmu_test_fault_replace_table),
	KUNIT_CASE(tdpmmu_test_fault_errors),
	KUNIT_CASE(tdpmmu_test_walk),
	KUNIT_CASE(tdpmmu_test_protect_huge_only),
	{}
};

static struct kunit_suite tdpmmu_fault_suite = {
	.name = "tdpmmu_fault",
	.test_cases = tdpmmu_fault_cases,
};

kunit_test_suite(tdpmmu_fault_suite);
