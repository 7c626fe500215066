// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit-driven benchmark of intel-iommu's map and unmap on second-stage
 * domains, lib/tdpmmu's tables against the driver's own in the same boot:
 * two unmanaged domains for a PCI device behind the VT-d, one allocated
 * with tdpmmu.enable=1 and one with enable=0, driven through the IOMMU API
 * as VFIO drives it.  Neither is attached, so no IOTLB flush reaches the
 * hardware on either side, and no DMA uses the output addresses.
 *
 * Each row is the median of BENCH_REPS timed batches of calls, tables
 * already in place (one untimed batch first), printed as a JSON line after
 * "tdpmmu-bench: " for make bench (scripts/bench-report.py).  The floor is
 * a plain store loop over as many 8-byte entries as the map writes.  The
 * test fails only if a map or unmap fails, never on a time.
 */
#include <kunit/test.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/sizes.h>

#include "bench_kunit.h"
#include "iommu.h"
#include "tdpmmu.h"

#define RW		(IOMMU_READ | IOMMU_WRITE)

struct bench_row {
	const char *size;
	unsigned long iova;
	size_t pgsize;
	unsigned int count;
};

static const struct bench_row rows[] = {
	{ "1x4K",   SZ_1G,	SZ_4K, 1 },
	{ "256x4K", SZ_1G,	SZ_4K, 256 },
	{ "256x2M", SZ_4G,	SZ_2M, 256 },
};

/*
 * Calls per timed sample: the clock is read once per BENCH_BATCH calls,
 * since under TCG a read costs as much as a small map.  The calls map
 * @row at consecutive places, each of @row's size.
 */
#define BENCH_BATCH	16

/*
 * Median map and unmap times per call of @row on dom[0] and dom[1], into
 * @map_ns and @unmap_ns, the two domains in turn in every round so that
 * both see the same moments of the host.
 */
static void bench_domains(struct kunit *test, struct iommu_domain **dom,
			  const struct bench_row *row, phys_addr_t phys,
			  u64 *map_ns, u64 *unmap_ns)
{
	size_t size = row->pgsize * row->count, unmapped;
	u64 tm[2][BENCH_REPS], tu[2][BENCH_REPS], t0, t1, t2;
	unsigned int r, d, i;
	int ret;

	for (r = 0; r <= BENCH_REPS; r++) {
		for (d = 0; d < 2; d++) {
			ret = 0;
			unmapped = 0;
			t0 = ktime_get_ns();
			for (i = 0; i < BENCH_BATCH; i++)
				ret |= iommu_map(dom[d], row->iova + i * size,
						 phys, size, RW, GFP_KERNEL);
			t1 = ktime_get_ns();
			for (i = 0; i < BENCH_BATCH; i++)
				unmapped += iommu_unmap(dom[d],
							row->iova + i * size,
							size);
			t2 = ktime_get_ns();
			KUNIT_ASSERT_EQ(test, ret, 0);
			KUNIT_ASSERT_EQ(test, unmapped, BENCH_BATCH * size);
			if (!r)	/* the tables are allocated: untimed */
				continue;
			tm[d][r - 1] = (t1 - t0) / BENCH_BATCH;
			tu[d][r - 1] = (t2 - t1) / BENCH_BATCH;
		}
	}
	for (d = 0; d < 2; d++) {
		map_ns[d] = bench_median(tm[d]);
		unmap_ns[d] = bench_median(tu[d]);
	}
}

/*
 * A domain on the library's tables (@lib) or on the driver's own, as
 * IOMMUFD allocates one for a device: sized for its IOMMU, with its large
 * pages.  (A domain from iommu_paging_domain_alloc() learns neither until
 * it is attached: 5 levels and 4K only.)
 */
static struct iommu_domain *bench_domain_alloc(struct kunit *test,
					       struct pci_dev *pdev, bool lib)
{
	struct iommu_domain *dom;
	bool saved = intel_tdp_set_enable(lib);

	dom = intel_iommu_ops.domain_alloc_user(&pdev->dev, 0, NULL, NULL);
	intel_tdp_set_enable(saved);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dom));
	KUNIT_ASSERT_EQ(test, !!container_of(dom, struct dmar_domain,
					     domain)->tdp, lib);
	return dom;
}

static void intel_tdp_bench_map_unmap(struct kunit *test)
{
	struct iommu_domain *dom[2];
	u64 map[2], unmap[2], floor;
	struct pci_dev *pdev = NULL;
	struct page *page;
	phys_addr_t phys;
	unsigned int i;

	for_each_pci_dev(pdev)
		if (device_iommu_mapped(&pdev->dev))
			break;
	if (!pdev)
		kunit_skip(test, "no PCI device behind an IOMMU");
	/* 2M aligned, so that 2M pages map as 2M leaves; never accessed. */
	page = alloc_pages(GFP_KERNEL, get_order(SZ_2M));
	KUNIT_ASSERT_NOT_NULL(test, page);
	phys = page_to_phys(page);

	dom[0] = bench_domain_alloc(test, pdev, true);
	dom[1] = bench_domain_alloc(test, pdev, false);
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		bench_domains(test, dom, &rows[i], phys, map, unmap);
		floor = bench_store_floor(test, rows[i].count);
		bench_print(test, "map", "vtdss", rows[i].size, map[0],
			    "intel-iommu", map[1], floor);
		bench_print(test, "unmap", "vtdss", rows[i].size, unmap[0],
			    "intel-iommu", unmap[1], floor);
	}
	iommu_domain_free(dom[1]);
	iommu_domain_free(dom[0]);
	__free_pages(page, get_order(SZ_2M));
	pci_dev_put(pdev);
}

static struct kunit_case intel_tdp_bench_cases[] = {
	KUNIT_CASE(intel_tdp_bench_map_unmap),
	{}
};

static struct kunit_suite intel_tdp_bench_suite = {
	.name = "intel_tdpmmu_bench",
	.test_cases = intel_tdp_bench_cases,
};

kunit_test_suite(intel_tdp_bench_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Benchmark of intel-iommu map/unmap on lib/tdpmmu against the driver's own tables");
