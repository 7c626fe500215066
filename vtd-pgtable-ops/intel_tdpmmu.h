/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * intel-iommu second-stage paging domains on lib/tdpmmu: what iommu.c
 * calls.  With CONFIG_INTEL_IOMMU_TDPMMU=n every hook compiles away.
 */
#ifndef _INTEL_TDPMMU_H
#define _INTEL_TDPMMU_H

#include <linux/types.h>

struct dmar_domain;
struct intel_iommu;
struct iommu_dirty_bitmap;
struct iommu_iotlb_gather;
struct tdpmmu_stats;

#ifdef CONFIG_INTEL_IOMMU_TDPMMU
bool intel_tdp_use(struct dmar_domain *domain);
bool intel_tdp_set_enable(bool on);
int intel_tdp_init(struct dmar_domain *domain, bool any_iommu);
void intel_tdp_free(struct dmar_domain *domain);
bool intel_tdp_can_attach(struct dmar_domain *domain,
			  struct intel_iommu *iommu);
int intel_tdp_map(struct dmar_domain *domain, u64 iova, u64 phys, u64 size,
		  int prot, gfp_t gfp);
size_t intel_tdp_unmap(struct dmar_domain *domain, u64 iova, size_t size,
		       struct iommu_iotlb_gather *gather);
phys_addr_t intel_tdp_iova_to_phys(struct dmar_domain *domain, u64 iova);
void intel_tdp_stats_read(struct dmar_domain *domain,
			  struct tdpmmu_stats *stats);
int intel_tdp_read_and_clear_dirty(struct dmar_domain *domain, u64 iova,
				   size_t size, unsigned long flags,
				   struct iommu_dirty_bitmap *dirty);
void intel_tdp_set_hw_ad(struct dmar_domain *domain, bool on);
#else
static inline bool intel_tdp_use(struct dmar_domain *domain)
{
	return false;
}

static inline int intel_tdp_init(struct dmar_domain *domain, bool any_iommu)
{
	return -EOPNOTSUPP;
}

static inline void intel_tdp_free(struct dmar_domain *domain)
{
}

static inline bool intel_tdp_can_attach(struct dmar_domain *domain,
					struct intel_iommu *iommu)
{
	return true;
}

static inline int intel_tdp_map(struct dmar_domain *domain, u64 iova,
				u64 phys, u64 size, int prot, gfp_t gfp)
{
	return -EOPNOTSUPP;
}

static inline size_t intel_tdp_unmap(struct dmar_domain *domain, u64 iova,
				     size_t size,
				     struct iommu_iotlb_gather *gather)
{
	return 0;
}

static inline phys_addr_t intel_tdp_iova_to_phys(struct dmar_domain *domain,
						 u64 iova)
{
	return 0;
}

static inline int intel_tdp_read_and_clear_dirty(struct dmar_domain *domain,
						 u64 iova, size_t size,
						 unsigned long flags,
						 struct iommu_dirty_bitmap *dirty)
{
	return -EOPNOTSUPP;
}

static inline void intel_tdp_set_hw_ad(struct dmar_domain *domain, bool on)
{
}
#endif

#endif /* _INTEL_TDPMMU_H */
