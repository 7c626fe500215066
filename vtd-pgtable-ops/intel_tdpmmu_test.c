// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of intel-iommu's second-stage domains on lib/tdpmmu, run in
 * a kernel with a VT-d (QEMU's intel-iommu in make run): an unmanaged
 * domain for a PCI device behind it, driven through the IOMMU API as VFIO
 * and the DMA API drive it.  Mapping before any attach is legal, so no
 * device is disturbed.
 */
#include <kunit/test.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sizes.h>

#include "iommu.h"
#include "fmt_vtdss.h"
#include "test_hw.h"
#include "tdpmmu.h"

#define RW	(IOMMU_READ | IOMMU_WRITE)

struct tdp_test {
	struct pci_dev *pdev;
	struct iommu_domain *domain;
	struct page *page;	/* 2M, 2M aligned */
	phys_addr_t phys;
};

static int tdp_test_init(struct kunit *test)
{
	struct tdp_test *tt = kunit_kzalloc(test, sizeof(*tt), GFP_KERNEL);
	struct pci_dev *pdev = NULL;

	KUNIT_ASSERT_NOT_NULL(test, tt);
	for_each_pci_dev(pdev)
		if (device_iommu_mapped(&pdev->dev))
			break;
	if (!pdev)
		kunit_skip(test, "no PCI device behind an IOMMU");
	tt->pdev = pdev;
	tt->domain = iommu_paging_domain_alloc(&pdev->dev);
	KUNIT_ASSERT_FALSE(test, IS_ERR(tt->domain));
	tt->page = alloc_pages(GFP_KERNEL, get_order(SZ_2M));
	KUNIT_ASSERT_NOT_NULL(test, tt->page);
	tt->phys = page_to_phys(tt->page);
	test->priv = tt;
	return 0;
}

static void tdp_test_exit(struct kunit *test)
{
	struct tdp_test *tt = test->priv;

	if (!tt)
		return;
	iommu_domain_free(tt->domain);
	__free_pages(tt->page, get_order(SZ_2M));
	pci_dev_put(tt->pdev);
}

/* The domain's table is the library's, sized for the IOMMU. */
static void intel_tdp_test_domain(struct kunit *test)
{
	struct tdp_test *tt = test->priv;
	struct dmar_domain *d = container_of(tt->domain, struct dmar_domain,
					     domain);

	KUNIT_ASSERT_NOT_NULL(test, d->tdp);
	KUNIT_EXPECT_FALSE(test, d->use_first_level);
	KUNIT_EXPECT_NOT_NULL(test, d->pgd);
	KUNIT_EXPECT_GE(test, agaw_to_level(d->agaw), 3);
}

/* 2M maps as one large page; unmapping 4K of it unmaps all of it. */
static void intel_tdp_test_large(struct kunit *test)
{
	struct tdp_test *tt = test->priv;
	struct iommu_domain *dom = tt->domain;

	KUNIT_ASSERT_EQ(test, iommu_map(dom, SZ_2M, tt->phys, SZ_2M, RW,
					GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(dom, SZ_2M + 0x1234),
			tt->phys + 0x1234);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(dom, SZ_4M), 0);
	/* Something is there already. */
	KUNIT_EXPECT_EQ(test, iommu_map(dom, SZ_2M + SZ_4K, tt->phys, SZ_4K,
					RW, GFP_KERNEL), -EEXIST);
	/* The driver's promise: the whole large page goes, and says so. */
	KUNIT_EXPECT_EQ(test, iommu_unmap(dom, SZ_2M, SZ_4K), SZ_2M);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(dom, SZ_2M + SZ_1M), 0);
	/* Unmapping nothing still counts the range, as without the library. */
	KUNIT_EXPECT_EQ(test, iommu_unmap(dom, SZ_2M, SZ_4K), SZ_4K);
}

/*
 * An unmap that frees a table flushes at once and leaves the caller's
 * gather empty; the size it returns still reaches the end of a large
 * page it ends inside.
 */
static void intel_tdp_test_free_table(struct kunit *test)
{
	struct tdp_test *tt = test->priv;
	struct iommu_domain *dom = tt->domain;
	struct dmar_domain *d = container_of(dom, struct dmar_domain, domain);
	struct iommu_iotlb_gather gather;

	/* 4K leaves (the output is not 2M aligned), then a 2M leaf. */
	KUNIT_ASSERT_EQ(test, iommu_map(dom, SZ_4M, tt->phys + SZ_4K,
					SZ_2M - SZ_4K, RW, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, iommu_map(dom, SZ_4M + SZ_2M, tt->phys, SZ_2M,
					RW, GFP_KERNEL), 0);
	iommu_iotlb_gather_init(&gather);
	KUNIT_EXPECT_EQ(test, intel_tdp_unmap(d, SZ_4M, SZ_2M + SZ_4K,
					      &gather), SZ_4M);
	KUNIT_EXPECT_GT(test, gather.start, gather.end);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(dom, SZ_4M + SZ_4K), 0);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(dom, SZ_8M - SZ_4K), 0);
}

/* 4K pages: unmapping one leaves its neighbours; read-only is honoured. */
static void intel_tdp_test_small(struct kunit *test)
{
	struct tdp_test *tt = test->priv;
	struct iommu_domain *dom = tt->domain;
	const unsigned long iova = SZ_1G + SZ_4K;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, iommu_map(dom, iova, tt->phys, 4 * SZ_4K, RW,
					GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, iommu_map(dom, iova + 4 * SZ_4K,
					tt->phys + 4 * SZ_4K, SZ_4K,
					IOMMU_READ, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, iommu_unmap(dom, iova + SZ_4K, SZ_4K), SZ_4K);
	for (i = 0; i < 5; i++)
		KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(dom, iova + i * SZ_4K),
				i == 1 ? 0 : tt->phys + i * SZ_4K);
	KUNIT_EXPECT_EQ(test, iommu_unmap(dom, iova, 5 * SZ_4K), 5 * SZ_4K);
	for (i = 0; i < 5; i++)
		KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(dom, iova + i * SZ_4K),
				0);
}

/* Beyond the domain's address width: refused, nothing mapped. */
static void intel_tdp_test_width(struct kunit *test)
{
	struct tdp_test *tt = test->priv;
	struct dmar_domain *d = container_of(tt->domain, struct dmar_domain,
					     domain);
	u64 top = BIT_ULL(agaw_to_width(d->agaw));

	KUNIT_EXPECT_NE(test, iommu_map(tt->domain, top, tt->phys, SZ_4K, RW,
					GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(tt->domain, top - SZ_4K), 0);
}

/* What the IOMMU does with SSADS on a write: set A and D in the leaf. */
static void tdp_hw_write(struct kunit *test, struct dmar_domain *d, u64 iova)
{
	struct tdpmmu_leaf leaf;

	KUNIT_EXPECT_EQ(test, pt_hw_access((tdpmmu_pte_t *)d->pgd,
					   agaw_to_level(d->agaw), iova, true,
					   VTDSS_A | VTDSS_D, &leaf, NULL), 0);
}

/* Dirty pages of a range, as the IOTLB gather iommufd syncs records them. */
static void tdp_dirty(struct kunit *test, struct dmar_domain *d, u64 iova,
		      size_t size, unsigned long flags,
		      struct iommu_iotlb_gather *gather)
{
	struct iommu_dirty_bitmap dirty;

	iommu_iotlb_gather_init(gather);
	iommu_dirty_bitmap_init(&dirty, NULL, gather);
	KUNIT_EXPECT_EQ(test, intel_tdp_read_and_clear_dirty(d, iova, size,
							     flags, &dirty),
			0);
}

/*
 * read_and_clear_dirty: a written 4K page is reported, once; with
 * IOMMU_DIRTY_NO_CLEAR again; a written large page whole.
 */
static void intel_tdp_test_dirty(struct kunit *test)
{
	struct tdp_test *tt = test->priv;
	struct dmar_domain *d = container_of(tt->domain, struct dmar_domain,
					     domain);
	const unsigned long iova = SZ_1G;
	struct iommu_iotlb_gather g;

	KUNIT_ASSERT_EQ(test, iommu_map(tt->domain, iova, tt->phys, SZ_1M, RW,
					GFP_KERNEL), 0);
	tdp_dirty(test, d, iova, SZ_1M, 0, &g);
	KUNIT_EXPECT_GT(test, g.start, g.end);
	tdp_hw_write(test, d, iova + 3 * SZ_4K);
	tdp_dirty(test, d, iova, SZ_1M, IOMMU_DIRTY_NO_CLEAR, &g);
	KUNIT_EXPECT_EQ(test, g.start, iova + 3 * SZ_4K);
	KUNIT_EXPECT_EQ(test, g.end, iova + 4 * SZ_4K - 1);
	tdp_dirty(test, d, iova, SZ_1M, 0, &g);
	KUNIT_EXPECT_EQ(test, g.start, iova + 3 * SZ_4K);
	tdp_dirty(test, d, iova, SZ_1M, 0, &g);
	KUNIT_EXPECT_GT(test, g.start, g.end);
	KUNIT_EXPECT_EQ(test, iommu_unmap(tt->domain, iova, SZ_1M), SZ_1M);

	KUNIT_ASSERT_EQ(test, iommu_map(tt->domain, SZ_2M, tt->phys, SZ_2M, RW,
					GFP_KERNEL), 0);
	tdp_hw_write(test, d, SZ_2M + SZ_1M);
	tdp_dirty(test, d, SZ_2M, SZ_2M, 0, &g);
	KUNIT_EXPECT_EQ(test, g.start, SZ_2M);
	KUNIT_EXPECT_EQ(test, g.end, SZ_4M - 1);
	KUNIT_EXPECT_EQ(test, iommu_unmap(tt->domain, SZ_2M, SZ_2M), SZ_2M);
}

/*
 * The value behind a fault-injection knob in debugfs: the knobs are
 * debugfs_create_bool()/_u32() files, which keep a pointer to it in the
 * inode.  NULL if there is no such file.
 */
static void *fi_knob(const char *dir, const char *name)
{
	struct dentry *d = debugfs_lookup(dir, NULL), *k;
	void *val = NULL;

	if (!d)
		return NULL;
	k = debugfs_lookup(name, d);
	if (k) {
		val = d_inode(k)->i_private;
		dput(k);
	}
	dput(d);
	return val;
}

/*
 * Is every table page the library holds for @d linked into it?  Returns
 * how many are, the root included.
 */
static s64 tdp_expect_no_stray_pages(struct kunit *test, struct dmar_domain *d)
{
	struct tdpmmu_stats s;
	s64 linked = 0;
	unsigned int l;

	rcu_barrier();
	intel_tdp_stats_read(d, &s);
	for (l = 0; l <= TDPMMU_MAX_LEVELS; l++)
		linked += s.tables[l];
	KUNIT_EXPECT_EQ(test, s.pages, linked);
	return linked;
}

/*
 * Allocation failure at every table allocation of iommu_map(), the way
 * iommufd's fail_nth selftest fails the allocations of an ioctl: for n =
 * 1, 2, ... on a fresh domain, the n-th allocation of this task fails
 * (current->fail_nth; fail_page_alloc set to take order-0 and sleeping
 * allocations), until the map gets through without reaching it.  A map
 * that fails returns -ENOMEM and leaves nothing of the range mapped; one
 * that succeeds translates; either way every table page the library took
 * is linked (none leaked), and unmap leaves nothing.
 */
static void intel_tdp_test_fail_nth(struct kunit *test)
{
	/* Across a 1G boundary: 4K, 2M, 2M and 4K leaves, 4 or 5 new tables. */
	const u64 iova = SZ_1G - SZ_2M - SZ_4K;
	const size_t size = 2 * SZ_2M + 2 * SZ_4K;
	const u64 offs[] = { 0, SZ_4K, SZ_2M + SZ_4K, size - SZ_4K };
	bool *ignore_reclaim = fi_knob("fail_page_alloc", "ignore-gfp-wait");
	u32 *min_order = fi_knob("fail_page_alloc", "min-order");
	u32 *verbose = fi_knob("fail_page_alloc", "verbose");
	struct tdp_test *tt = test->priv;
	bool saved_ignore_reclaim;
	u32 saved_min_order, saved_verbose;
	struct iommu_domain *dom;
	struct dmar_domain *d;
	unsigned int n, i;
	phys_addr_t phys;
	s64 tables = 0;
	bool hit;
	int ret;

	if (!ignore_reclaim || !min_order || !verbose)
		kunit_skip(test, "no fail_page_alloc in debugfs");
	/* Congruent with @iova modulo 2M; never attached, never accessed. */
	phys = tt->phys + SZ_2M - SZ_4K;
	saved_ignore_reclaim = *ignore_reclaim;
	saved_min_order = *min_order;
	saved_verbose = *verbose;
	WRITE_ONCE(*ignore_reclaim, false);
	WRITE_ONCE(*min_order, 0);
	WRITE_ONCE(*verbose, 0);

	for (n = 1; n < 64; n++) {
		dom = iommu_paging_domain_alloc(&tt->pdev->dev);
		KUNIT_ASSERT_FALSE(test, IS_ERR(dom));
		d = container_of(dom, struct dmar_domain, domain);

		current->fail_nth = n;
		ret = iommu_map(dom, iova, phys, size, RW,
				GFP_KERNEL | __GFP_NOWARN);
		hit = !current->fail_nth;
		current->fail_nth = 0;

		KUNIT_EXPECT_TRUE(test, !ret || (hit && ret == -ENOMEM));
		for (i = 0; i < ARRAY_SIZE(offs); i++)
			KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(dom, iova + offs[i]),
					ret ? 0 : phys + offs[i]);
		tables = tdp_expect_no_stray_pages(test, d);
		KUNIT_EXPECT_EQ(test, iommu_unmap(dom, iova, size), size);
		for (i = 0; i < ARRAY_SIZE(offs); i++)
			KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(dom, iova + offs[i]),
					0);
		iommu_domain_free(dom);
		if (!hit)
			break;
	}
	WRITE_ONCE(*ignore_reclaim, saved_ignore_reclaim);
	WRITE_ONCE(*min_order, saved_min_order);
	WRITE_ONCE(*verbose, saved_verbose);
	/* One failure per table the map allocated (not the root), then none. */
	KUNIT_EXPECT_EQ(test, n - 1, tables - 1);
	KUNIT_EXPECT_GE(test, n - 1, 4);
	kunit_info(test, "%u allocation failures injected\n", n - 1);
}

static struct kunit_case intel_tdp_cases[] = {
	KUNIT_CASE(intel_tdp_test_domain),
	KUNIT_CASE(intel_tdp_test_large),
	KUNIT_CASE(intel_tdp_test_free_table),
	KUNIT_CASE(intel_tdp_test_small),
	KUNIT_CASE(intel_tdp_test_width),
	KUNIT_CASE(intel_tdp_test_dirty),
	KUNIT_CASE(intel_tdp_test_fail_nth),
	{}
};

static struct kunit_suite intel_tdp_suite = {
	.name = "intel_tdpmmu",
	.init = tdp_test_init,
	.exit = tdp_test_exit,
	.test_cases = intel_tdp_cases,
};

kunit_test_suite(intel_tdp_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for intel-iommu second-stage tables on lib/tdpmmu");
