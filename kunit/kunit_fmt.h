/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KUnit suite of one tdpmmu format, compiled once per format: a
 * kunit_fmt_<fmt>.c includes the format's header, defines
 *   KF_FORMAT        the format's struct tdpmmu_format
 *   KF_SUITE         the suite's name
 *   KF_PROT(prot)    the permissions a leaf made with @prot reads back as
 * and includes this file.  It checks every field of leaf and table entries
 * at every level against the format helpers, the sentinels, the split and
 * merge rules, and runs the core (map, split, collapse, partial unmap,
 * protect, dirty, age) on an instance of the format.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/gfp.h>
#include <linux/tdpmmu.h>

#include "pt_entry.h"
#include "test_hw.h"
#include "test_fe.h"

#define KF_RW	(TDPMMU_PROT_READ | TDPMMU_PROT_WRITE)
/* Levels of the core test's instance: enough for a 1G leaf at 1G. */
#define KF_LEVELS	(PT_MIN_LEVELS > 3 ? PT_MIN_LEVELS : 3)

static bool kf_leaf_level(unsigned int level)
{
	return level == 1 || PT_HUGE_LEVELS & BIT(level);
}

/* Output addresses to try at @level: low, high, and all address bits. */
static u64 kf_oa(unsigned int level, unsigned int i)
{
	u64 size = tdpmmu_level_size(level);
	static const u64 oa[] = { 0, 0x123456789000ULL, 0xffffffffff000ULL };

	return round_down(oa[i], size) | (i ? 0 : size);
}

/* Every leaf field round-trips at every level the format has leaves. */
static void kf_test_leaf(struct kunit *test)
{
	struct tdpmmu_leaf leaf = { 0 };
	unsigned int level, i, b, bad = 0, n = 0;
	tdpmmu_pte_t pte, bits;
	u32 prot, p2;

	for (level = 1; level <= PT_MAX_LEVELS; level++) {
		if (!kf_leaf_level(level))
			continue;
		for (i = 0; i < 3; i++)
			for (prot = 1; prot <= TDPMMU_PROT_MASK; prot++)
				for (b = 0; b <= 64; b++) {
					if (!(prot & PT_PROT_MASK))
						continue;
					bits = b < 64 ? PT_FMT_BITS_MASK & BIT_ULL(b) :
							PT_FMT_BITS_MASK;
					if (b < 64 && !bits && b)
						continue;
					leaf.level = level;
					leaf.oa = kf_oa(level, i);
					leaf.prot = prot;
					leaf.fmt_bits = bits;
					pte = pt_mk_leaf(&leaf);
					n++;
					if (!pt_present(pte) ||
					    !pt_is_leaf(pte, level) ||
					    pt_is_table(pte, level) ||
					    pt_frozen(pte) || pte & PT_HW_BITS ||
					    pt_leaf_oa(pte) != leaf.oa ||
					    pt_leaf_prot(pte) != KF_PROT(prot) ||
					    pt_leaf_fmt_bits(pte) != bits) {
						bad++;
						continue;
					}
					p2 = prot ^ TDPMMU_PROT_MASK;
					if (!(p2 & PT_PROT_MASK))
						continue;
					/* Locked (collapse): still the leaf. */
					if (!pt_is_leaf(pte | PT_LOCKED, level) ||
					    pt_leaf_oa(pte | PT_LOCKED) != leaf.oa ||
					    !pt_frozen(pte | PT_LOCKED))
						bad++;
					pte = pt_leaf_set_prot(pte, p2);
					if (!pt_is_leaf(pte, level) ||
					    pt_leaf_prot(pte) != KF_PROT(p2) ||
					    pt_leaf_oa(pte) != leaf.oa ||
					    pt_leaf_fmt_bits(pte) != bits)
						bad++;
				}
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_GT(test, n, 0);
}

/*
 * A table entry points to its table at every level above 1; locked, it
 * still does (hardware ignores the bit) while software sees it changing.
 */
static void kf_test_table(struct kunit *test)
{
	tdpmmu_pte_t *table = (tdpmmu_pte_t *)get_zeroed_page(GFP_KERNEL);
	tdpmmu_pte_t pte;
	unsigned int level;

	KUNIT_ASSERT_NOT_NULL(test, table);
	pte = pt_mk_table(table);
	for (level = 2; level <= PT_MAX_LEVELS; level++) {
		KUNIT_EXPECT_TRUE(test, pt_is_table(pte, level));
		KUNIT_EXPECT_FALSE(test, pt_is_leaf(pte, level));
		KUNIT_EXPECT_PTR_EQ(test, pt_table(pte), table);
		KUNIT_EXPECT_FALSE(test, pt_frozen(pte));
		KUNIT_EXPECT_TRUE(test, pt_is_table(pte | PT_LOCKED, level));
		KUNIT_EXPECT_PTR_EQ(test, pt_table(pte | PT_LOCKED), table);
		KUNIT_EXPECT_TRUE(test, pt_frozen(pte | PT_LOCKED));
	}
	KUNIT_EXPECT_FALSE(test, pt_is_table(pte, 1));
	free_page((unsigned long)table);
}

/*
 * The sentinel is never present, so no leaf a front-end makes (they all
 * have a permission) can be it; no front-end bit reads as locked.
 */
static void kf_test_sentinel(struct kunit *test)
{
	unsigned int level;

	KUNIT_EXPECT_FALSE(test, pt_present(PT_FROZEN));
	for (level = 1; level <= PT_MAX_LEVELS; level++) {
		KUNIT_EXPECT_FALSE(test, pt_is_leaf(PT_FROZEN, level));
		KUNIT_EXPECT_FALSE(test, pt_is_table(PT_FROZEN, level));
	}
	KUNIT_EXPECT_TRUE(test, pt_frozen(PT_FROZEN));
	KUNIT_EXPECT_FALSE(test, pt_frozen(0));
	KUNIT_EXPECT_EQ(test, PT_LOCKED & PT_FMT_BITS_MASK, 0);
	KUNIT_EXPECT_EQ(test, PT_LOCKED & PT_HW_BITS, 0);
	KUNIT_EXPECT_EQ(test, PT_FMT_BITS_MASK & PT_HW_BITS, 0);
}

/* A huge leaf's children map its slices alike; merging undoes it. */
static void kf_test_split_merge(struct kunit *test)
{
	struct tdpmmu_leaf leaf = { .prot = KF_RW };
	unsigned int level, i;
	tdpmmu_pte_t huge, child;
	u64 csize;

	for (level = 2; level <= PT_MAX_LEVELS; level++) {
		if (!kf_leaf_level(level) || !kf_leaf_level(level - 1))
			continue;
		csize = tdpmmu_level_size(level - 1);
		leaf.level = level;
		leaf.oa = kf_oa(level, 1);
		leaf.fmt_bits = PT_FMT_BITS_MASK;
		huge = pt_mk_leaf(&leaf);
		for (i = 0; i < TDPMMU_PTES_PER_TABLE; i += 73) {
			child = pt_split_child(huge, level, i);
			KUNIT_EXPECT_TRUE(test, pt_is_leaf(child, level - 1));
			KUNIT_EXPECT_EQ(test, pt_leaf_oa(child),
					leaf.oa + i * csize);
			KUNIT_EXPECT_EQ(test, pt_leaf_prot(child),
					pt_leaf_prot(huge));
			KUNIT_EXPECT_EQ(test, pt_leaf_fmt_bits(child),
					PT_FMT_BITS_MASK);
			KUNIT_EXPECT_EQ(test, pt_leaf_next(child, level - 1),
					pt_split_child(huge, level, i + 1));
		}
		KUNIT_EXPECT_EQ(test,
				pt_merge_leaf(pt_split_child(huge, level, 0),
					      level), huge);
	}
}

/* Levels and huge levels outside the format's are refused. */
static void kf_test_levels(struct kunit *test)
{
	struct test_fe *fe = fe_create_fmt(test, &KF_FORMAT, PT_MAX_LEVELS,
					   PT_HUGE_LEVELS);
	struct tdpmmu_params p = { .levels = PT_MIN_LEVELS - 1 };
	struct tdpmmu t;

	KUNIT_EXPECT_EQ(test, tdpmmu_init(&t, &KF_FORMAT, &p, fe->t.ops,
					  &fe->lock), -EINVAL);
	p.levels = PT_MAX_LEVELS + 1;
	KUNIT_EXPECT_EQ(test, tdpmmu_init(&t, &KF_FORMAT, &p, fe->t.ops,
					  &fe->lock), -EINVAL);
	p.levels = PT_MAX_LEVELS;
	p.huge_levels = ~PT_HUGE_LEVELS & GENMASK(PT_MAX_LEVELS, 2);
	if (p.huge_levels)
		KUNIT_EXPECT_EQ(test, tdpmmu_init(&t, &KF_FORMAT, &p,
						  fe->t.ops, &fe->lock),
				-EINVAL);
	p.levels = PT_MIN_LEVELS;
	p.huge_levels = PT_HUGE_LEVELS & ~GENMASK(PT_MIN_LEVELS, 0);
	if (p.huge_levels)
		KUNIT_EXPECT_EQ(test, tdpmmu_init(&t, &KF_FORMAT, &p,
						  fe->t.ops, &fe->lock),
				-EINVAL);
	KUNIT_EXPECT_EQ(test, KF_FORMAT.min_levels, PT_MIN_LEVELS);
	KUNIT_EXPECT_EQ(test, KF_FORMAT.max_levels, PT_MAX_LEVELS);
	KUNIT_EXPECT_EQ(test, KF_FORMAT.huge_levels, PT_HUGE_LEVELS);
	KUNIT_EXPECT_EQ(test, KF_FORMAT.prot_mask, PT_PROT_MASK);
	KUNIT_EXPECT_EQ(test, KF_FORMAT.fmt_bits_mask, PT_FMT_BITS_MASK);
	fe_destroy(test, fe);
}

/* What a hardware walker does on a write: set A and D in the leaf. */
static bool kf_hw_write(struct test_fe *fe, u64 addr)
{
	struct tdpmmu_leaf leaf;

	return !pt_hw_access(fe->root->table, fe->t.levels, addr, true,
			     PT_HW_BITS, &leaf, NULL);
}

/* Read and clear the dirty bits of the 2M at @addr. */
static int kf_dirty(struct test_fe *fe, u64 addr, unsigned long *bitmap)
{
	struct tdpmmu_gather g;
	u64 done;
	int ret;

	bitmap_zero(bitmap, 512);
	tdpmmu_gather_init(&g);
	read_lock(&fe->lock);
	ret = tdpmmu_read_clear_dirty(&fe->t, fe->root, addr, SZ_2M_ULL, 0,
				      bitmap, NULL, &done, &g);
	read_unlock(&fe->lock);
	tdpmmu_gather_finish(&fe->t, &g);
	return ret;
}

/* The core on an instance of this format, as a front-end would use it. */
static void kf_test_core(struct kunit *test)
{
	struct test_fe *fe = fe_create_fmt(test, &KF_FORMAT, KF_LEVELS,
					   PT_HUGE_LEVELS &
					   GENMASK(KF_LEVELS, 2));
	const u64 base = SZ_1G_ULL, oa = 3 * SZ_1G_ULL;
	unsigned long bitmap[BITS_TO_LONGS(512)];
	unsigned int top = fls(fe->t.leaf_levels) - 1;
	u64 done, young;

	/* The largest leaf the instance has, then all the way to 4K. */
	KUNIT_ASSERT_EQ(test, fe_map_range(fe, base, oa, SZ_1G_ULL, KF_RW,
					   &done), 0);
	expect_leaf(test, fe, base + SZ_2M_ULL, oa + SZ_2M_ULL, top,
		    KF_PROT(KF_RW));
	KUNIT_ASSERT_EQ(test, fe_split_all(fe, &fe->cache, base, SZ_1G_ULL, 1,
					   0), 0);
	expect_leaf(test, fe, base + SZ_2M_ULL + SZ_4K_ULL,
		    oa + SZ_2M_ULL + SZ_4K_ULL, 1, KF_PROT(KF_RW));
	KUNIT_EXPECT_EQ(test, fe_collapse(fe, base, SZ_1G_ULL, 0),
			top == 3 ? 513 : 512);
	expect_leaf(test, fe, base, oa, top, KF_PROT(KF_RW));
	/* One 4K page out of the middle: split, zap only that page. */
	KUNIT_ASSERT_EQ(test, tdpmmu_cache_topup(&fe->t, &fe->cache,
						 TDPMMU_MAX_LEVELS, GFP_KERNEL),
			0);
	KUNIT_EXPECT_EQ(test, fe_unmap_cache(fe, &fe->cache,
					     base + 5 * SZ_4K_ULL, SZ_4K_ULL,
					     0, &done), 0);
	expect_none(test, fe, base + 5 * SZ_4K_ULL);
	expect_leaf(test, fe, base + 6 * SZ_4K_ULL, oa + 6 * SZ_4K_ULL, 1,
		    KF_PROT(KF_RW));
	expect_leaf(test, fe, base + SZ_1G_ULL - SZ_4K_ULL,
		    oa + SZ_1G_ULL - SZ_4K_ULL, top > 2 ? 2 : 1,
		    KF_PROT(KF_RW));
	/*
	 * Dirty: the collapse made the writable huge leaf dirty, and the
	 * split gave that to every child: one pass reports and clears them,
	 * then a write is reported once, at 4K.
	 */
	if (PT_DIRTY) {
		KUNIT_EXPECT_EQ(test, kf_dirty(fe, base, bitmap), 0);
		KUNIT_EXPECT_EQ(test, find_next_zero_bit(bitmap, 512, 0), 5);
		KUNIT_EXPECT_TRUE(test, kf_hw_write(fe, base + 7 * SZ_4K_ULL));
		KUNIT_EXPECT_EQ(test, kf_dirty(fe, base, bitmap), 0);
		KUNIT_EXPECT_TRUE(test, test_bit(7, bitmap));
		KUNIT_EXPECT_EQ(test, find_first_bit(bitmap, 512), 7);
		KUNIT_EXPECT_EQ(test, find_next_bit(bitmap, 512, 8), 512);
		KUNIT_EXPECT_EQ(test, tdpmmu_age(&fe->t, fe->root, base,
						 SZ_2M_ULL, 0, &young), 0);
		KUNIT_EXPECT_EQ(test, young, SZ_4K_ULL);
	}
	KUNIT_EXPECT_EQ(test, fe_unmap(fe, 0, SZ_1G_ULL * 4,
				       TDPMMU_UNMAP_TABLES, &done), 0);
	fe_destroy(test, fe);
}

static struct kunit_case kf_cases[] = {
	KUNIT_CASE(kf_test_leaf),
	KUNIT_CASE(kf_test_table),
	KUNIT_CASE(kf_test_sentinel),
	KUNIT_CASE(kf_test_split_merge),
	KUNIT_CASE(kf_test_levels),
	KUNIT_CASE(kf_test_core),
	{}
};

static struct kunit_suite kf_suite = {
	.name = KF_SUITE,
	.test_cases = kf_cases,
};

kunit_test_suite(kf_suite);
