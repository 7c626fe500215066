/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An IOMMU paging domain whose I/O page table is a lib/tdpmmu instance:
 * what a driver hands to iommufd's fault-driven HWPTs through
 * iommu_domain_ops.tdpmmu_get.
 */
#ifndef _LINUX_IOMMU_TDPMMU_H
#define _LINUX_IOMMU_TDPMMU_H

#include <linux/types.h>

struct tdpmmu;
struct tdpmmu_root;

/**
 * struct iommu_tdpmmu - a domain's lib/tdpmmu table
 * @t: the instance; its ops->flush invalidates the IOTLB and the device
 *	TLBs of every device attached to the domain, and must not sleep
 * @root: the root the domain's hardware walks
 * @cache_bits: format bits that make a leaf snoop CPU caches (IOMMU_CACHE)
 *
 * Valid from domain allocation until the domain is freed.  The caller
 * takes @t->lock for read around every call into lib/tdpmmu.
 */
struct iommu_tdpmmu {
	struct tdpmmu *t;
	struct tdpmmu_root *root;
	u64 cache_bits;
};

#endif /* _LINUX_IOMMU_TDPMMU_H */
