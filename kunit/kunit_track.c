// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of tdpmmu dirty and access tracking and of the notifier
 * unmap, on the mock format with accessed/dirty bits, which a simulated
 * hardware walker (fe_hw_access()) sets.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/tdpmmu.h>

#include "test_fe.h"

#define RW		(TDPMMU_PROT_READ | TDPMMU_PROT_WRITE)
#define PAGES		1024	/* [0, 4M): 2M of 4K leaves, one 2M leaf */
#define OA_4K		(SZ_1G_ULL + SZ_4K_ULL)
#define OA_2M		(2 * SZ_1G_ULL)

/* [0, 2M) as 512 4K leaves (their output is not 2M aligned), [2M, 4M) 2M. */
static struct test_fe *track_create(struct kunit *test)
{
	struct test_fe *fe = fe_create_fmt(test, &tdpmmu_mock_ad_format, 3,
					   BIT(2));
	u64 mapped;

	KUNIT_ASSERT_EQ(test, fe_map_range(fe, 0, OA_4K, SZ_2M_ULL, RW,
					   &mapped), 0);
	KUNIT_ASSERT_EQ(test, fe_map_range(fe, SZ_2M_ULL, OA_2M, SZ_2M_ULL, RW,
					   &mapped), 0);
	KUNIT_ASSERT_EQ(test, fe_stat(fe, leaves[1]), 512);
	KUNIT_ASSERT_EQ(test, fe_stat(fe, leaves[2]), 1);
	return fe;
}

static void track_destroy(struct kunit *test, struct test_fe *fe)
{
	u64 unmapped;

	KUNIT_EXPECT_EQ(test, fe_unmap(fe, 0, SZ_1G_ULL, TDPMMU_UNMAP_TABLES,
				       &unmapped), 0);
	fe_destroy(test, fe);
}

/* Read (and clear, unless @flags say no) the dirty bits of a range. */
static int fe_dirty(struct test_fe *fe, u64 addr, u64 size,
		    unsigned int flags, unsigned long *bitmap)
{
	struct tdpmmu_gather g;
	u64 done;
	int ret;

	bitmap_zero(bitmap, size >> 12);
	ret = tdpmmu_cache_topup(&fe->t, &fe->cache, TDPMMU_MAX_LEVELS,
				 GFP_KERNEL);
	if (ret)
		return ret;
	tdpmmu_gather_init(&g);
	read_lock(&fe->lock);
	ret = tdpmmu_read_clear_dirty(&fe->t, fe->root, addr, size, flags,
				      bitmap, &fe->cache, &done, &g);
	read_unlock(&fe->lock);
	tdpmmu_gather_finish(&fe->t, &g);
	return ret ?: (done == size ? 0 : -ERANGE);
}

static int fe_clear_mask(struct test_fe *fe, u64 addr,
			 const unsigned long *bitmap, unsigned long nbits,
			 unsigned int flags)
{
	struct tdpmmu_gather g;
	int ret;

	tdpmmu_gather_init(&g);
	read_lock(&fe->lock);
	ret = tdpmmu_clear_dirty_mask(&fe->t, fe->root, addr, bitmap, nbits,
				      flags, &g);
	read_unlock(&fe->lock);
	tdpmmu_gather_finish(&fe->t, &g);
	return ret;
}

static unsigned int weight(const unsigned long *bitmap, unsigned int nbits)
{
	unsigned int bit, n = 0;

	for_each_set_bit(bit, bitmap, nbits)
		n++;
	return n;
}

static int touch(struct test_fe *fe, u64 addr, bool write)
{
	struct tdpmmu_leaf leaf;

	return fe_hw_access(fe, addr, write, &leaf);
}

/* Formats without the bits say so; bad arguments are refused. */
static void tdpmmu_test_track_args(struct kunit *test)
{
	struct test_fe *fe = fe_create(test, 3, BIT(2));
	unsigned long bitmap[PAGES / BITS_PER_LONG];
	struct tdpmmu_gather g;
	u64 mapped, done, young;

	KUNIT_ASSERT_EQ(test, fe_map_range(fe, 0, OA_4K, SZ_2M_ULL, RW,
					   &mapped), 0);
	KUNIT_EXPECT_EQ(test, fe_dirty(fe, 0, SZ_2M_ULL, 0, bitmap),
			-EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, tdpmmu_age(&fe->t, fe->root, 0, SZ_2M_ULL, 0,
					 &young), -EOPNOTSUPP);
	bitmap_fill(bitmap, 4);
	KUNIT_EXPECT_EQ(test, fe_clear_mask(fe, 0, bitmap, 4, 0), -EOPNOTSUPP);
	/* Write-protecting works on any format. */
	KUNIT_EXPECT_EQ(test, fe_clear_mask(fe, 0, bitmap, 2,
					    TDPMMU_DIRTY_WRPROT), 0);
	expect_leaf(test, fe, SZ_4K_ULL, OA_4K + SZ_4K_ULL, 1,
		    TDPMMU_PROT_READ);
	expect_leaf(test, fe, 2 * SZ_4K_ULL, OA_4K + 2 * SZ_4K_ULL, 1, RW);

	tdpmmu_gather_init(&g);
	read_lock(&fe->lock);
	KUNIT_EXPECT_EQ(test, tdpmmu_read_clear_dirty(&fe->t, fe->root, 1,
						      SZ_4K_ULL, 0, bitmap,
						      NULL, &done, &g),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tdpmmu_read_clear_dirty(&fe->t, fe->root, 0,
						      SZ_4K_ULL, 0, NULL,
						      NULL, &done, &g),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tdpmmu_read_clear_dirty(&fe->t, fe->root, 0,
						      SZ_4K_ULL,
						      TDPMMU_AGE_TEST_ONLY,
						      bitmap, NULL, &done, &g),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tdpmmu_clear_dirty_mask(&fe->t, fe->root, 0,
						      bitmap, 0, 0, &g),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tdpmmu_clear_dirty_mask(&fe->t, fe->root,
						      SZ_1G_ULL * 512, bitmap,
						      4, 0, &g),
			-EINVAL);
	read_unlock(&fe->lock);
	tdpmmu_gather_finish(&fe->t, &g);
	KUNIT_EXPECT_EQ(test, tdpmmu_age(&fe->t, fe->root, 0, 0, 0, &young),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tdpmmu_age(&fe->t, fe->root, 0, SZ_4K_ULL,
					 TDPMMU_YIELD, &young), -EINVAL);
	KUNIT_EXPECT_EQ(test, fe_unmap(fe, 0, SZ_2M_ULL, TDPMMU_UNMAP_TABLES,
				       &mapped), 0);
	fe_destroy(test, fe);
}

/*
 * Read-and-clear reports each dirty 4K leaf and a dirty huge leaf at its
 * size, once; read-only passes leave the bits; a huge leaf only partly
 * in the range keeps its bit; a split first reports per 4K from then on.
 */
static void tdpmmu_test_dirty(struct kunit *test)
{
	struct test_fe *fe = track_create(test);
	unsigned long bitmap[PAGES / BITS_PER_LONG];
	int flushes;

	KUNIT_EXPECT_EQ(test, fe_dirty(fe, 0, 4 * SZ_1M_ULL, 0, bitmap), 0);
	KUNIT_EXPECT_EQ(test, weight(bitmap, PAGES), 0);
	KUNIT_EXPECT_EQ(test, touch(fe, 5 * SZ_4K_ULL, true),
			FE_HW_SET_A | FE_HW_SET_D);
	KUNIT_EXPECT_EQ(test, touch(fe, 9 * SZ_4K_ULL, false), FE_HW_SET_A);
	KUNIT_EXPECT_EQ(test, touch(fe, SZ_2M_ULL + 7 * SZ_4K_ULL, true),
			FE_HW_SET_A | FE_HW_SET_D);
	KUNIT_EXPECT_EQ(test, touch(fe, SZ_2M_ULL + 9 * SZ_4K_ULL, true), 0);

	flushes = atomic_read(&fe->flushes);
	KUNIT_EXPECT_EQ(test, fe_dirty(fe, 0, 4 * SZ_1M_ULL,
				       TDPMMU_DIRTY_NO_CLEAR, bitmap), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->flushes), flushes);
	KUNIT_EXPECT_EQ(test, weight(bitmap, PAGES), 513);
	KUNIT_EXPECT_TRUE(test, test_bit(5, bitmap));
	KUNIT_EXPECT_EQ(test, weight(bitmap + 512 / BITS_PER_LONG, 512), 512);

	KUNIT_EXPECT_EQ(test, fe_dirty(fe, 0, 4 * SZ_1M_ULL, 0, bitmap), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->flushes), flushes + 1);
	KUNIT_EXPECT_EQ(test, weight(bitmap, PAGES), 513);
	KUNIT_EXPECT_EQ(test, fe_dirty(fe, 0, 4 * SZ_1M_ULL, 0, bitmap), 0);
	KUNIT_EXPECT_EQ(test, weight(bitmap, PAGES), 0);
	/* Clearing D cleared nothing else: A stays, translations stay. */
	KUNIT_EXPECT_EQ(test, touch(fe, 5 * SZ_4K_ULL, false), 0);
	expect_leaf(test, fe, SZ_2M_ULL, OA_2M, 2, RW);

	/* Half of the huge leaf: reported for that half, bit kept. */
	KUNIT_EXPECT_EQ(test, touch(fe, 3 * SZ_1M_ULL, true), FE_HW_SET_D);
	KUNIT_EXPECT_EQ(test, fe_dirty(fe, SZ_2M_ULL, SZ_1M_ULL, 0, bitmap), 0);
	KUNIT_EXPECT_EQ(test, weight(bitmap, 512), 256);
	KUNIT_EXPECT_EQ(test, fe_dirty(fe, SZ_2M_ULL, SZ_2M_ULL, 0, bitmap), 0);
	KUNIT_EXPECT_EQ(test, weight(bitmap, 512), 512);
	KUNIT_EXPECT_EQ(test, fe_dirty(fe, SZ_2M_ULL, SZ_2M_ULL, 0, bitmap), 0);
	KUNIT_EXPECT_EQ(test, weight(bitmap, 512), 0);

	/* Split first: the old leaf's D goes to every child, then per 4K. */
	KUNIT_EXPECT_EQ(test, touch(fe, SZ_2M_ULL, true), FE_HW_SET_D);
	KUNIT_EXPECT_EQ(test, fe_dirty(fe, SZ_2M_ULL, SZ_2M_ULL,
				       TDPMMU_DIRTY_SPLIT, bitmap), 0);
	KUNIT_EXPECT_EQ(test, weight(bitmap, 512), 512);
	expect_leaf(test, fe, SZ_2M_ULL + 3 * SZ_4K_ULL, OA_2M + 3 * SZ_4K_ULL,
		    1, RW);
	KUNIT_EXPECT_EQ(test, touch(fe, SZ_2M_ULL + 3 * SZ_4K_ULL, true),
			FE_HW_SET_D);
	KUNIT_EXPECT_EQ(test, fe_dirty(fe, 0, 4 * SZ_1M_ULL,
				       TDPMMU_DIRTY_SPLIT, bitmap), 0);
	KUNIT_EXPECT_EQ(test, weight(bitmap, PAGES), 1);
	KUNIT_EXPECT_TRUE(test, test_bit(512 + 3, bitmap));
	KUNIT_EXPECT_EQ(test, fe_stat(fe, splits), 1);
	track_destroy(test, fe);
}

/* KVM's masked clear: only the pages of the mask, or write-protect them. */
static void tdpmmu_test_dirty_mask(struct kunit *test)
{
	struct test_fe *fe = track_create(test);
	unsigned long bitmap[PAGES / BITS_PER_LONG], mask[1] = { 0 };
	unsigned int p;

	for (p = 1; p <= 3; p++)
		KUNIT_EXPECT_EQ(test, touch(fe, p * SZ_4K_ULL, true),
				FE_HW_SET_A | FE_HW_SET_D);
	__set_bit(1, mask);
	__set_bit(3, mask);
	KUNIT_EXPECT_EQ(test, fe_clear_mask(fe, 0, mask, BITS_PER_LONG, 0), 0);
	KUNIT_EXPECT_EQ(test, fe_dirty(fe, 0, SZ_2M_ULL, TDPMMU_DIRTY_NO_CLEAR,
				       bitmap), 0);
	KUNIT_EXPECT_EQ(test, weight(bitmap, 512), 1);
	KUNIT_EXPECT_TRUE(test, test_bit(2, bitmap));

	/* Without dirty bits: take write permission away instead. */
	mask[0] = BIT(2);
	KUNIT_EXPECT_EQ(test, fe_clear_mask(fe, 0, mask, 3,
					    TDPMMU_DIRTY_WRPROT), 0);
	expect_leaf(test, fe, 2 * SZ_4K_ULL, OA_4K + 2 * SZ_4K_ULL, 1,
		    TDPMMU_PROT_READ);
	expect_leaf(test, fe, 3 * SZ_4K_ULL, OA_4K + 3 * SZ_4K_ULL, 1, RW);
	KUNIT_EXPECT_EQ(test, touch(fe, 2 * SZ_4K_ULL, true), -EACCES);

	/* A page of a huge leaf in the mask clears the whole leaf. */
	KUNIT_EXPECT_EQ(test, touch(fe, SZ_2M_ULL, true),
			FE_HW_SET_A | FE_HW_SET_D);
	mask[0] = BIT(5);
	KUNIT_EXPECT_EQ(test, fe_clear_mask(fe, SZ_2M_ULL + SZ_1M_ULL, mask,
					    BITS_PER_LONG, 0), 0);
	KUNIT_EXPECT_EQ(test, fe_dirty(fe, SZ_2M_ULL, SZ_2M_ULL,
				       TDPMMU_DIRTY_NO_CLEAR, bitmap), 0);
	KUNIT_EXPECT_EQ(test, weight(bitmap, 512), 0);
	expect_leaf(test, fe, SZ_2M_ULL, OA_2M, 2, RW);
	/* An empty mask changes nothing. */
	mask[0] = 0;
	KUNIT_EXPECT_EQ(test, fe_clear_mask(fe, 0, mask, BITS_PER_LONG, 0), 0);
	track_destroy(test, fe);
}

/*
 * A split gives every child the huge leaf's A/D bits; a collapse of
 * writable leaves starts dirty (a write through a stale pointer to the
 * old table would be lost with it), one of read-only leaves does not.
 */
static void tdpmmu_test_dirty_split_collapse(struct kunit *test)
{
	struct test_fe *fe = track_create(test);
	unsigned long bitmap[PAGES / BITS_PER_LONG];
	u64 done, mapped;

	KUNIT_EXPECT_EQ(test, fe_collapse(fe, 0, SZ_2M_ULL, 0), 0);
	KUNIT_EXPECT_EQ(test, fe_unmap(fe, 0, SZ_2M_ULL, 0, &mapped), 0);
	KUNIT_ASSERT_EQ(test, fe_map_range(fe, 0, 4 * SZ_1G_ULL, SZ_2M_ULL,
					   TDPMMU_PROT_READ, &mapped), 0);
	KUNIT_ASSERT_EQ(test, fe_split_all(fe, &fe->cache, 0, 4 * SZ_1M_ULL,
					   1, 0), 0);
	KUNIT_EXPECT_EQ(test, fe_dirty(fe, 0, 4 * SZ_1M_ULL, 0, bitmap), 0);
	KUNIT_EXPECT_EQ(test, weight(bitmap, PAGES), 0);
	KUNIT_EXPECT_EQ(test, fe_collapse(fe, 0, 4 * SZ_1M_ULL, 0), 2);
	KUNIT_EXPECT_EQ(test, fe_dirty(fe, 0, 4 * SZ_1M_ULL, 0, bitmap), 0);
	KUNIT_EXPECT_EQ(test, weight(bitmap, PAGES), 512);
	KUNIT_EXPECT_TRUE(test, test_bit(512, bitmap));

	KUNIT_EXPECT_EQ(test, touch(fe, SZ_2M_ULL, true),
			FE_HW_SET_A | FE_HW_SET_D);
	KUNIT_ASSERT_EQ(test, fe_split_all(fe, &fe->cache, SZ_2M_ULL,
					   SZ_2M_ULL, 1, 0), 0);
	KUNIT_EXPECT_EQ(test, fe_dirty(fe, SZ_2M_ULL, SZ_2M_ULL, 0, bitmap), 0);
	KUNIT_EXPECT_EQ(test, weight(bitmap, 512), 512);
	KUNIT_EXPECT_EQ(test, tdpmmu_age(&fe->t, fe->root, SZ_2M_ULL, SZ_2M_ULL,
					 0, &done), 0);
	KUNIT_EXPECT_EQ(test, done, SZ_2M_ULL);
	track_destroy(test, fe);
}

/* Test and clear young; huge leaves count the part inside the range. */
static void tdpmmu_test_age(struct kunit *test)
{
	struct test_fe *fe = track_create(test);
	struct tdpmmu *t = &fe->t;
	u64 young;

	KUNIT_EXPECT_EQ(test, tdpmmu_age(t, fe->root, 0, 4 * SZ_1M_ULL, 0,
					 &young), 0);
	KUNIT_EXPECT_EQ(test, young, 0);
	KUNIT_EXPECT_EQ(test, touch(fe, 3 * SZ_4K_ULL, false), FE_HW_SET_A);
	KUNIT_EXPECT_EQ(test, touch(fe, 8 * SZ_4K_ULL, true),
			FE_HW_SET_A | FE_HW_SET_D);
	KUNIT_EXPECT_EQ(test, touch(fe, 3 * SZ_1M_ULL, false), FE_HW_SET_A);
	/* Test only: stops at the first, clears nothing. */
	KUNIT_EXPECT_EQ(test, tdpmmu_age(t, fe->root, 0, 4 * SZ_1M_ULL,
					 TDPMMU_AGE_TEST_ONLY, &young), 0);
	KUNIT_EXPECT_EQ(test, young, SZ_4K_ULL);
	KUNIT_EXPECT_EQ(test, tdpmmu_age(t, fe->root, SZ_2M_ULL,
					 SZ_1M_ULL + SZ_4K_ULL, 0, &young), 0);
	KUNIT_EXPECT_EQ(test, young, SZ_1M_ULL + SZ_4K_ULL);
	/* The whole huge leaf was cleared, not just the part asked for. */
	KUNIT_EXPECT_EQ(test, tdpmmu_age(t, fe->root, 3 * SZ_1M_ULL,
					 SZ_1M_ULL, TDPMMU_AGE_TEST_ONLY,
					 &young), 0);
	KUNIT_EXPECT_EQ(test, young, 0);
	KUNIT_EXPECT_EQ(test, tdpmmu_age(t, fe->root, 0, 4 * SZ_1M_ULL, 0,
					 &young), 0);
	KUNIT_EXPECT_EQ(test, young, 2 * SZ_4K_ULL);
	KUNIT_EXPECT_EQ(test, tdpmmu_age(t, fe->root, 0, 4 * SZ_1M_ULL,
					 TDPMMU_AGE_TEST_ONLY, &young), 0);
	KUNIT_EXPECT_EQ(test, young, 0);
	/* Aging cleared A only: D and the translation are as they were. */
	KUNIT_EXPECT_EQ(test, touch(fe, 8 * SZ_4K_ULL, true), FE_HW_SET_A);
	expect_leaf(test, fe, 8 * SZ_4K_ULL, OA_4K + 8 * SZ_4K_ULL, 1, RW);
	/* A fault that finds its leaf already installed and used: no error. */
	KUNIT_EXPECT_EQ(test, fe_map(fe, 8 * SZ_4K_ULL, OA_4K + 8 * SZ_4K_ULL,
				     1, RW), 0);
	track_destroy(test, fe);
}

/*
 * The notifier unmap: without blocking, a split takes its page from a
 * GFP_NOWAIT allocation and stops with -EAGAIN where that fails, leaving
 * the table as it was; TDPMMU_UNMAP_WHOLE removes the whole leaf instead.
 */
static void tdpmmu_test_unmap_nonblock(struct kunit *test)
{
	struct test_fe *fe = fe_create(test, 3, BIT(2));
	struct tdpmmu_cache cache = { 0 };
	u64 unmapped, mapped;
	int allocs;

	KUNIT_ASSERT_EQ(test, fe_map_range(fe, 0, OA_2M, 4 * SZ_1M_ULL, RW,
					   &mapped), 0);
	KUNIT_EXPECT_EQ(test, fe_unmap_cache(fe, &cache, SZ_4K_ULL, SZ_4K_ULL,
					     TDPMMU_NONBLOCK | TDPMMU_YIELD,
					     &unmapped), -EINVAL);
	/* The allocator fails: -EAGAIN, nothing changed. */
	allocs = atomic_read(&fe->allocs);
	atomic_set(&fe->fail_alloc_after, 0);
	KUNIT_EXPECT_EQ(test, fe_unmap_cache(fe, &cache, SZ_4K_ULL, SZ_4K_ULL,
					     TDPMMU_NONBLOCK, &unmapped),
			-EAGAIN);
	KUNIT_EXPECT_EQ(test, unmapped, 0);
	expect_leaf(test, fe, SZ_4K_ULL, OA_2M + SZ_4K_ULL, 2, RW);
	/* Blocking allowed, empty cache: the caller refills (-ENOMEM). */
	KUNIT_EXPECT_EQ(test, fe_unmap_cache(fe, &cache, SZ_4K_ULL, SZ_4K_ULL,
					     0, &unmapped), -ENOMEM);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->allocs), allocs);
	/* It succeeds, without a flag that allows sleeping. */
	atomic_set(&fe->fail_alloc_after, -1);
	KUNIT_EXPECT_EQ(test, fe_unmap_cache(fe, &cache, SZ_4K_ULL, SZ_4K_ULL,
					     TDPMMU_NONBLOCK, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, SZ_4K_ULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->allocs), allocs + 1);
	KUNIT_EXPECT_FALSE(test, gfpflags_allow_blocking((__force gfp_t)
			atomic_read(&fe->last_gfp)));
	expect_none(test, fe, SZ_4K_ULL);
	expect_leaf(test, fe, 0, OA_2M, 1, RW);
	expect_leaf(test, fe, 2 * SZ_4K_ULL, OA_2M + 2 * SZ_4K_ULL, 1, RW);
	tdpmmu_cache_drain(&fe->t, &cache);

	/* Whole leaves: no memory, the huge leaf goes entirely. */
	KUNIT_EXPECT_EQ(test, fe_unmap(fe, SZ_2M_ULL + SZ_4K_ULL, SZ_4K_ULL,
				       TDPMMU_NONBLOCK | TDPMMU_UNMAP_WHOLE,
				       &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, SZ_2M_ULL);
	expect_none(test, fe, SZ_2M_ULL);
	expect_none(test, fe, 4 * SZ_1M_ULL - SZ_4K_ULL);
	expect_leaf(test, fe, 0, OA_2M, 1, RW);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[2]), 0);
	KUNIT_EXPECT_EQ(test, fe_unmap(fe, 0, SZ_1G_ULL, TDPMMU_UNMAP_TABLES,
				       &unmapped), 0);
	fe_destroy(test, fe);
}

/*
 * Walkers write random pages of [0, 4M) while a reader reads and clears
 * the dirty bits over and over and another thread write-protects and
 * unprotects 4K pages: every time a walker makes a leaf dirty, its pages
 * must be reported exactly once, none lost, none twice, and no permission
 * change may be undone by the clearing.
 */
#define DIRTY_ACCESSES	20000
#define DIRTY_THREADS	4

struct dirty_arg {
	struct test_fe *fe;
	atomic_t *expected;	/* per page: times a walker dirtied it */
	unsigned int *reported;	/* per page: times the reader reported it */
	u32 *prot;		/* per 4K page of [0, 2M): set last */
	unsigned int role;	/* 0: reader; 1: protect; else a walker */
	atomic_t *walkers;	/* walkers still running */
	unsigned long rounds;
	unsigned long bad;
	struct fe_thread th;
};

static void dirty_read(struct dirty_arg *a)
{
	unsigned long bitmap[PAGES / BITS_PER_LONG];
	unsigned int p;

	if (fe_dirty(a->fe, 0, PAGES * SZ_4K_ULL, 0, bitmap)) {
		a->bad++;
		return;
	}
	for_each_set_bit(p, bitmap, PAGES)
		a->reported[p]++;
	a->rounds++;
}

static void dirty_protect(struct dirty_arg *a, struct rnd_state *rnd)
{
	u64 p = prandom_u32_state(rnd) % 512, done;
	bool ro = a->prot[p] & TDPMMU_PROT_WRITE;
	struct tdpmmu_gather g;

	tdpmmu_gather_init(&g);
	read_lock(&a->fe->lock);
	if (tdpmmu_protect(&a->fe->t, a->fe->root, p * SZ_4K_ULL, SZ_4K_ULL,
			   ro ? 0 : TDPMMU_PROT_WRITE,
			   ro ? TDPMMU_PROT_WRITE : 0, 0, NULL, &done, &g))
		a->bad++;
	read_unlock(&a->fe->lock);
	tdpmmu_gather_finish(&a->fe->t, &g);
	a->prot[p] ^= TDPMMU_PROT_WRITE;
}

static void dirty_thread(void *data)
{
	struct dirty_arg *a = data;
	struct tdpmmu_leaf leaf;
	struct rnd_state rnd;
	unsigned int i;
	u64 p, q;
	int ret;

	prandom_seed_state(&rnd, a->role + 11);
	if (a->role < 2) {
		while (atomic_read(a->walkers)) {
			if (a->role)
				dirty_protect(a, &rnd);
			else
				dirty_read(a);
			usleep_range(1, 2);
		}
		return;
	}
	for (i = 0; i < DIRTY_ACCESSES; i++) {
		p = prandom_u32_state(&rnd) % PAGES;
		ret = fe_hw_access(a->fe, p * SZ_4K_ULL,
				   prandom_u32_state(&rnd) & 1, &leaf);
		if (ret < 0)
			a->bad += ret != -EACCES;
		else if (ret & FE_HW_SET_D)
			for (q = leaf.addr >> 12;
			     q < (leaf.addr + tdpmmu_level_size(leaf.level)) >> 12;
			     q++)
				atomic_inc(&a->expected[q]);
		if (!(i % 64))
			usleep_range(1, 2);
	}
	atomic_dec(a->walkers);
}

static void tdpmmu_test_dirty_race(struct kunit *test)
{
	struct test_fe *fe = track_create(test);
	struct dirty_arg *a = kunit_kcalloc(test, DIRTY_THREADS, sizeof(*a),
					    GFP_KERNEL);
	u32 *prot = kunit_kcalloc(test, 512, sizeof(*prot), GFP_KERNEL);
	atomic_t *expected = kunit_kcalloc(test, PAGES, sizeof(*expected),
					   GFP_KERNEL);
	unsigned int *reported = kunit_kcalloc(test, PAGES, sizeof(*reported),
					       GFP_KERNEL);
	unsigned long lost = 0, twice = 0, dirtied = 0, undone = 0;
	atomic_t walkers = ATOMIC_INIT(DIRTY_THREADS - 2);
	struct tdpmmu_leaf leaf;
	unsigned int i, p;

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, prot);
	for (p = 0; p < 512; p++)
		prot[p] = RW;
	KUNIT_ASSERT_NOT_NULL(test, expected);
	KUNIT_ASSERT_NOT_NULL(test, reported);
	for (i = 0; i < DIRTY_THREADS; i++) {
		a[i] = (struct dirty_arg){ .fe = fe, .expected = expected,
					   .reported = reported, .prot = prot,
					   .role = i, .walkers = &walkers };
		fe_thread_start(test, &a[i].th, dirty_thread, &a[i], "dirty",
				i);
	}
	for (i = 0; i < DIRTY_THREADS; i++) {
		fe_thread_wait(&a[i].th);
		KUNIT_EXPECT_EQ(test, a[i].bad, 0);
	}
	/* What the walkers dirtied after the reader's last pass. */
	dirty_read(&a[0]);
	for (p = 0; p < PAGES; p++) {
		dirtied += atomic_read(&expected[p]);
		if (reported[p] < atomic_read(&expected[p]))
			lost++;
		else if (reported[p] > atomic_read(&expected[p]))
			twice++;
	}
	for (p = 0; p < 512; p++)
		if (tdpmmu_lookup(&fe->t, fe->root, p * SZ_4K_ULL, &leaf) ||
		    leaf.prot != prot[p])
			undone++;
	KUNIT_EXPECT_EQ(test, lost, 0);
	KUNIT_EXPECT_EQ(test, twice, 0);
	KUNIT_EXPECT_EQ(test, undone, 0);
	KUNIT_EXPECT_GT(test, dirtied, 0);
	KUNIT_EXPECT_GT(test, a[0].rounds, 2);
	kunit_info(test, "%lu page dirtyings, %lu read-and-clear passes\n",
		   dirtied, a[0].rounds);
	track_destroy(test, fe);
}

/*
 * Aging without the lock while faults install leaves, walkers use them
 * and, in a second region, unmaps free tables: in the first region every
 * accessed bit a walker sets is found and cleared exactly once; at the
 * end every leaf maps what its fault installed.
 */
#define AGE_REGION	(4 * SZ_1M_ULL)
#define AGE_PAGES	(2 * AGE_REGION >> 12)
#define AGE_OA		SZ_1G_ULL
#define AGE_ROUNDS	6000

struct age_arg {
	struct test_fe *fe;
	struct tdpmmu_cache cache;
	unsigned int role;	/* 0: ager; 1, 2: faults; 3: walker; 4: unmap */
	atomic_t *running;
	unsigned long set;	/* walker: A bits set in the first region */
	unsigned long young;	/* ager: young pages found there */
	unsigned long bad;
	struct fe_thread th;
};

static void age_step(struct age_arg *a, struct rnd_state *rnd)
{
	u64 p = prandom_u32_state(rnd) % AGE_PAGES, addr = p << 12, n;
	struct tdpmmu_leaf leaf;
	int ret;

	switch (a->role) {
	case 1:
	case 2:
		ret = fe_map_cache(a->fe, &a->cache, addr, AGE_OA + addr, 1,
				   RW);
		if (ret && ret != -EAGAIN)
			a->bad++;
		break;
	case 3:
		ret = fe_hw_access(a->fe, addr, prandom_u32_state(rnd) & 1,
				   &leaf);
		if (ret > 0 && ret & FE_HW_SET_A && addr < AGE_REGION)
			a->set++;
		break;
	case 4:
		addr = AGE_REGION + round_down(addr % AGE_REGION, SZ_2M_ULL);
		if (fe_unmap(a->fe, addr, SZ_2M_ULL,
			     prandom_u32_state(rnd) & 1 ? TDPMMU_UNMAP_TABLES : 0,
			     &n) == -EINVAL)
			a->bad++;
		break;
	}
}

static void age_thread(void *data)
{
	struct age_arg *a = data;
	struct rnd_state rnd;
	unsigned int i;
	u64 young;

	prandom_seed_state(&rnd, a->role + 3);
	if (!a->role) {
		while (atomic_read(a->running) > 1) {
			if (tdpmmu_age(&a->fe->t, a->fe->root, 0, AGE_REGION, 0,
				       &young))
				a->bad++;
			a->young += young >> 12;
			if (tdpmmu_age(&a->fe->t, a->fe->root, AGE_REGION,
				       AGE_REGION, 0, &young))
				a->bad++;
			usleep_range(1, 2);
		}
		return;
	}
	for (i = 0; i < AGE_ROUNDS; i++) {
		age_step(a, &rnd);
		if (!(i % 32))
			usleep_range(1, 2);
	}
	atomic_dec(a->running);
}

static void tdpmmu_test_age_race(struct kunit *test)
{
	struct test_fe *fe = fe_create_fmt(test, &tdpmmu_mock_ad_format, 3,
					   BIT(2));
	struct age_arg *a = kunit_kcalloc(test, 5, sizeof(*a), GFP_KERNEL);
	atomic_t running = ATOMIC_INIT(5);
	unsigned long young = 0, wrong = 0, present = 0;
	struct tdpmmu_leaf leaf;
	unsigned int i;
	u64 p, y;

	KUNIT_ASSERT_NOT_NULL(test, a);
	for (i = 0; i < 5; i++) {
		a[i] = (struct age_arg){ .fe = fe, .role = i,
					 .running = &running };
		fe_thread_start(test, &a[i].th, age_thread, &a[i], "age", i);
	}
	for (i = 0; i < 5; i++) {
		fe_thread_wait(&a[i].th);
		KUNIT_EXPECT_EQ(test, a[i].bad, 0);
		tdpmmu_cache_drain(&fe->t, &a[i].cache);
	}
	KUNIT_EXPECT_EQ(test, tdpmmu_age(&fe->t, fe->root, 0, AGE_REGION, 0,
					 &y), 0);
	for (p = 0; p < AGE_PAGES; p++) {
		if (tdpmmu_lookup(&fe->t, fe->root, p << 12, &leaf))
			continue;
		present++;
		if (leaf.oa != AGE_OA + (p << 12) || leaf.prot != RW)
			wrong++;
	}
	young = a[0].young + (y >> 12);
	KUNIT_EXPECT_EQ(test, wrong, 0);
	KUNIT_EXPECT_EQ(test, present, fe_stat(fe, leaves[1]));
	KUNIT_EXPECT_GT(test, a[3].set, 0);
	kunit_info(test, "%lu accessed bits set, %lu found young; %lu leaves\n",
		   a[3].set, young, present);
	KUNIT_EXPECT_EQ(test, young, a[3].set);
	KUNIT_EXPECT_EQ(test, fe_unmap(fe, 0, SZ_1G_ULL, TDPMMU_UNMAP_TABLES,
				       &p), 0);
	fe_destroy(test, fe);
}

static struct kunit_case tdpmmu_track_cases[] = {
	KUNIT_CASE(tdpmmu_test_track_args),
	KUNIT_CASE(tdpmmu_test_dirty),
	KUNIT_CASE(tdpmmu_test_dirty_mask),
	KUNIT_CASE(tdpmmu_test_dirty_split_collapse),
	KUNIT_CASE(tdpmmu_test_age),
	KUNIT_CASE(tdpmmu_test_unmap_nonblock),
	KUNIT_CASE_SLOW(tdpmmu_test_dirty_race),
	KUNIT_CASE_SLOW(tdpmmu_test_age_race),
	{}
};

static struct kunit_suite tdpmmu_track_suite = {
	.name = "tdpmmu_track",
	.test_cases = tdpmmu_track_cases,
};

kunit_test_suite(tdpmmu_track_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for tdpmmu dirty and access tracking");
