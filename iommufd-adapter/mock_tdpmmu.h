/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The CONFIG_IOMMUFD_TEST mock IOMMU's fault-driven domain (lib/tdpmmu,
 * VT-d second-stage format) and its test ops: what selftest.c calls.
 */
#ifndef __IOMMUFD_MOCK_TDPMMU_H
#define __IOMMUFD_MOCK_TDPMMU_H

#include <linux/errno.h>
#include <linux/types.h>

struct device;
struct iommu_domain;
struct iommu_page_response;
struct iopf_group;
struct iommu_test_cmd;
struct iommu_user_data;
struct iommufd_ucmd;

typedef int (*mock_trigger_iopf_t)(struct iommufd_ucmd *ucmd,
				   struct iommu_test_cmd *cmd);

#if IS_ENABLED(CONFIG_IOMMUFD_IOPF_S2)
struct iommu_domain *
iommufd_mock_tdp_alloc(struct device *dev, u32 flags,
		       const struct iommu_user_data *user_data);
void iommufd_mock_iopf_response(const struct iommu_page_response *msg);
int iommufd_mock_tdp_test(struct iommufd_ucmd *ucmd,
			  struct iommu_test_cmd *cmd,
			  mock_trigger_iopf_t trigger);
#else
static inline struct iommu_domain *
iommufd_mock_tdp_alloc(struct device *dev, u32 flags,
		       const struct iommu_user_data *user_data)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static inline void
iommufd_mock_iopf_response(const struct iommu_page_response *msg)
{
}

static inline int iommufd_mock_tdp_test(struct iommufd_ucmd *ucmd,
					struct iommu_test_cmd *cmd,
					mock_trigger_iopf_t trigger)
{
	return -ENOIOCTLCMD;
}
#endif

/* Called by iopf_s2.c, built without IOMMUFD_TEST too. */
#if IS_ENABLED(CONFIG_IOMMUFD_IOPF_S2) && IS_ENABLED(CONFIG_IOMMUFD_TEST)
bool iommufd_mock_iopf_sync(struct iopf_group *group);
#else
static inline bool iommufd_mock_iopf_sync(struct iopf_group *group)
{
	return false;
}
#endif

#endif /* __IOMMUFD_MOCK_TDPMMU_H */
