/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fault-driven stage-2 HWPTs (IOMMU_HWPT_ALLOC_FAULT_DRIVEN): what the
 * rest of iommufd calls.  With CONFIG_IOMMUFD_IOPF_S2=n every hook
 * compiles away.
 */
#ifndef __IOMMUFD_IOPF_S2_H
#define __IOMMUFD_IOPF_S2_H

#include <linux/types.h>

struct io_pagetable;
struct iommufd_device;
struct iommufd_hw_pagetable;
struct iommufd_hwpt_paging;
struct iommufd_ucmd;

#ifdef CONFIG_IOMMUFD_IOPF_S2
int iommufd_s2_check(struct iommufd_device *idev, u32 flags);
int iommufd_s2_init(struct iommufd_hwpt_paging *hwpt_paging);
void iommufd_s2_destroy(struct iommufd_hw_pagetable *hwpt);
void iommufd_s2_detach(struct iommufd_hw_pagetable *hwpt);
void iommufd_s2_unmap_area(struct io_pagetable *iopt, unsigned long first,
			   unsigned long last);
int iommufd_hwpt_fault_pin(struct iommufd_ucmd *ucmd);
#else
static inline int iommufd_s2_check(struct iommufd_device *idev, u32 flags)
{
	return -EOPNOTSUPP;
}

static inline int iommufd_s2_init(struct iommufd_hwpt_paging *hwpt_paging)
{
	return -EOPNOTSUPP;
}

static inline void iommufd_s2_destroy(struct iommufd_hw_pagetable *hwpt)
{
}

static inline void iommufd_s2_detach(struct iommufd_hw_pagetable *hwpt)
{
}

static inline void iommufd_s2_unmap_area(struct io_pagetable *iopt,
					 unsigned long first,
					 unsigned long last)
{
}
#endif

#endif /* __IOMMUFD_IOPF_S2_H */
