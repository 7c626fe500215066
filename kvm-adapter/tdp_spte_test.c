// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: KVM's leaf SPTEs through the adapter's policy helpers
 * (tdp_spte.h) into lib/tdpmmu's EPT and x86-64 formats and back.  The
 * entry the library writes must be the SPTE make_spte() built, bit for
 * bit but for the accessed and dirty bits, at every leaf level, for every
 * permission and software bit KVM sets; table entries must read as
 * present non-leaf SPTEs pointing at the child table.
 */
#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/spinlock.h>
#include <asm/mtrr.h>

#include "tdp_spte.h"

struct spte_fe {
	struct tdpmmu t;
	rwlock_t lock;
	struct tdpmmu_root *root;
	struct tdpmmu_cache cache;
	struct kvm_tdpmmu_spte_fmt sf;
	bool ept;
};

static void *spte_alloc_table(struct tdpmmu *t, gfp_t gfp)
{
	return (void *)get_zeroed_page(gfp);
}

static void spte_free_table(struct tdpmmu *t, void *table)
{
	free_page((unsigned long)table);
}

static void spte_flush(struct tdpmmu *t, const struct tdpmmu_gather *g)
{
}

static const struct tdpmmu_ops spte_ops = {
	.alloc_table = spte_alloc_table,
	.free_table = spte_free_table,
	.flush = spte_flush,
};

static struct spte_fe *spte_fe_create(struct kunit *test, bool ept)
{
	struct tdpmmu_params p = { .levels = 4,
				   .huge_levels = BIT(2) | BIT(3),
				   .hw_ad = true };
	struct spte_fe *fe = kunit_kzalloc(test, sizeof(*fe), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, fe);
	fe->ept = ept;
	kvm_tdpmmu_spte_fmt_init(&fe->sf, ept,
				 ept ? VMX_EPT_ACCESS_BIT | VMX_EPT_DIRTY_BIT :
				       PT_ACCESSED_MASK | PT_DIRTY_MASK);
	rwlock_init(&fe->lock);
	KUNIT_ASSERT_EQ(test, tdpmmu_init(&fe->t, fe->sf.fmt, &p, &spte_ops,
					  &fe->lock), 0);
	fe->root = tdpmmu_root_alloc(&fe->t, 0, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fe->root);
	return fe;
}

static void spte_fe_destroy(struct spte_fe *fe)
{
	tdpmmu_cache_drain(&fe->t, &fe->cache);
	tdpmmu_root_put(&fe->t, fe->root);
	rcu_barrier();
	tdpmmu_destroy(&fe->t);
}

/* The SPTE make_spte() builds for a TDP leaf (ACC_ALL less what's off). */
static u64 spte_make(bool ept, u64 pfn, int level, bool write, bool exec,
		     bool host_writable, u64 ad_mode)
{
	u64 spte = SPTE_MMU_PRESENT_MASK | ad_mode | (pfn << PAGE_SHIFT);

	if (level > PG_LEVEL_4K)
		spte |= PT_PAGE_SIZE_MASK;
	if (ept) {
		spte |= VMX_EPT_READABLE_MASK | VMX_EPT_ACCESS_BIT |
			VMX_EPT_IPAT_BIT |
			(MTRR_TYPE_WRBACK << VMX_EPT_MT_EPTE_SHIFT);
		if (exec)
			spte |= VMX_EPT_EXECUTABLE_MASK;
		if (host_writable)
			spte |= EPT_SPTE_HOST_WRITABLE;
		if (write)
			spte |= PT_WRITABLE_MASK | EPT_SPTE_MMU_WRITABLE |
				VMX_EPT_DIRTY_BIT;
	} else {
		spte |= PT_PRESENT_MASK | PT_USER_MASK | PT_ACCESSED_MASK;
		if (!exec)
			spte |= PT64_NX_MASK;
		if (host_writable)
			spte |= DEFAULT_SPTE_HOST_WRITABLE;
		if (write)
			spte |= PT_WRITABLE_MASK | DEFAULT_SPTE_MMU_WRITABLE |
				PT_DIRTY_MASK;
	}
	return spte;
}

static int spte_install(struct spte_fe *fe, u64 spte, u64 gpa, int level)
{
	struct tdpmmu_gather g;
	struct tdpmmu_leaf leaf;
	u32 linked;
	int r;

	kvm_tdpmmu_spte_to_leaf(&fe->sf, spte, gpa, level, &leaf);
	r = tdpmmu_cache_topup(&fe->t, &fe->cache, TDPMMU_MAX_LEVELS,
			       GFP_KERNEL);
	if (r)
		return r;
	tdpmmu_gather_init(&g);
	read_lock(&fe->lock);
	r = tdpmmu_fault(&fe->t, fe->root, &leaf, 0, &fe->cache, &linked, &g);
	read_unlock(&fe->lock);
	tdpmmu_gather_finish(&fe->t, &g);
	return r;
}

static void spte_unmap(struct spte_fe *fe, u64 gpa, int level)
{
	struct tdpmmu_gather g;
	u64 unmapped;

	tdpmmu_gather_init(&g);
	read_lock(&fe->lock);
	tdpmmu_unmap(&fe->t, fe->root, gpa, KVM_HPAGE_SIZE(level),
		     TDPMMU_UNMAP_TABLES, NULL, &unmapped, &g);
	read_unlock(&fe->lock);
	tdpmmu_gather_finish(&fe->t, &g);
}

/*
 * One SPTE at @level: installed, read back raw, installed again
 * (spurious), write-protected in place, unmapped.
 */
static void spte_check_one(struct kunit *test, struct spte_fe *fe, int level,
			   bool write, bool exec, bool hostw, u64 ad_mode)
{
	u64 gpa = KVM_HPAGE_SIZE(level) * (3 + write + 2 * exec + 4 * hostw);
	u64 pfn = (0x123400000ULL >> PAGE_SHIFT) &
		  ~(KVM_PAGES_PER_HPAGE(level) - 1);
	tdpmmu_pte_t entries[TDPMMU_MAX_LEVELS + 1], *last;
	const u64 hw = fe->sf.hw_mask;
	u64 spte, table, back;
	int l, wl;

	spte = spte_make(fe->ept, pfn, level, write && hostw, exec, hostw,
			 ad_mode);
	KUNIT_ASSERT_EQ(test, spte_install(fe, spte, gpa, level), 0);
	rcu_read_lock();
	wl = tdpmmu_walk(&fe->t, fe->root, gpa, entries, &last);
	rcu_read_unlock();
	KUNIT_ASSERT_EQ(test, wl, level);

	/* The leaf: KVM's SPTE less what hardware sets. */
	KUNIT_EXPECT_EQ_MSG(test, entries[level], spte & ~hw,
			    "level %d spte %llx", level, spte);
	back = kvm_tdpmmu_entry_to_spte(&fe->sf, entries[level], level);
	KUNIT_EXPECT_EQ(test, back, entries[level]);
	KUNIT_EXPECT_TRUE(test, is_last_spte(entries[level], level));

	/* Tables: present non-leaf SPTEs, the last one to the leaf's table. */
	for (l = level + 1; l <= 4; l++) {
		table = kvm_tdpmmu_entry_to_spte(&fe->sf, entries[l], l);
		KUNIT_EXPECT_TRUE(test, is_shadow_present_pte(table));
		KUNIT_EXPECT_FALSE(test, is_last_spte(table, l));
	}
	if (level < 4)
		KUNIT_EXPECT_EQ(test, (u64)virt_to_phys(last) & PAGE_MASK,
				entries[level + 1] & SPTE_BASE_ADDR_MASK);

	/* The same SPTE again: spurious. */
	KUNIT_EXPECT_EQ(test, spte_install(fe, spte, gpa, level), 1);

	/* Write taken away in place, as dirty logging does. */
	if (write && hostw) {
		spte &= ~PT_WRITABLE_MASK;
		KUNIT_EXPECT_EQ(test, spte_install(fe, spte, gpa, level), 0);
		KUNIT_EXPECT_EQ(test, READ_ONCE(*last) & ~hw, spte & ~hw);
	}
	spte_unmap(fe, gpa, level);
}

static void spte_check_format(struct kunit *test, bool ept)
{
	static const u64 ad_modes[] = { SPTE_TDP_AD_ENABLED,
					SPTE_TDP_AD_WRPROT_ONLY };
	struct spte_fe *fe = spte_fe_create(test, ept);
	unsigned int combo, a, checked = 0;
	int level;

	for (level = PG_LEVEL_4K; level <= PG_LEVEL_1G; level++) {
		for (combo = 0; combo < 8; combo++) {
			for (a = 0; a < ARRAY_SIZE(ad_modes); a++) {
				spte_check_one(test, fe, level, combo & 1,
					       combo & 2, combo & 4,
					       ad_modes[a]);
				checked++;
			}
		}
	}
	kunit_info(test, "%u SPTEs checked\n", checked);
	spte_fe_destroy(fe);
}

static void kvm_tdpmmu_test_spte_npt(struct kunit *test)
{
	spte_check_format(test, false);
}

static void kvm_tdpmmu_test_spte_ept(struct kunit *test)
{
	spte_check_format(test, true);
}

static struct kunit_case kvm_tdpmmu_spte_cases[] = {
	KUNIT_CASE(kvm_tdpmmu_test_spte_npt),
	KUNIT_CASE(kvm_tdpmmu_test_spte_ept),
	{}
};

static struct kunit_suite kvm_tdpmmu_spte_suite = {
	.name = "kvm_tdpmmu_spte",
	.test_cases = kvm_tdpmmu_spte_cases,
};

kunit_test_suite(kvm_tdpmmu_spte_suite);
