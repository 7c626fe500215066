/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers of the fault-driven HWPT kselftest and bench: thin wrappers of
 * the iommufd ioctls and the IOMMUFD_TEST ops they use.
 */
#ifndef __IOPF_UTILS_H
#define __IOPF_UTILS_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/iommufd.h>
#include "iommufd_test.h"

#define PSZ	4096UL
#define HUGE	(512 * PSZ)

static inline int ioas_alloc(int fd, __u32 *id)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	int rc = ioctl(fd, IOMMU_IOAS_ALLOC, &cmd);

	*id = cmd.out_ioas_id;
	return rc;
}

static inline int ioas_map(int fd, __u32 ioas, void *va, size_t len, __u64 iova,
			   __u32 flags)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | flags,
		.ioas_id = ioas,
		.user_va = (uintptr_t)va,
		.length = len,
		.iova = iova,
	};

	return ioctl(fd, IOMMU_IOAS_MAP, &cmd);
}

static inline int ioas_unmap(int fd, __u32 ioas, __u64 iova, size_t len)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .iova = iova,
		.length = len,
	};

	return ioctl(fd, IOMMU_IOAS_UNMAP, &cmd);
}

static inline int mock_dev(int fd, __u32 pt, __u32 dev_flags, __u32 *stdev,
			   __u32 *idev)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS,
		.id = pt,
		.mock_domain_flags = { .dev_flags = dev_flags },
	};
	int rc = ioctl(fd, IOMMU_TEST_CMD, &cmd);

	*stdev = cmd.mock_domain_flags.out_stdev_id;
	if (idev)
		*idev = cmd.mock_domain_flags.out_idev_id;
	return rc;
}

static inline int hwpt_alloc(int fd, __u32 dev, __u32 pt, __u32 flags,
			     __u32 *out)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .flags = flags, .dev_id = dev, .pt_id = pt,
	};
	int rc = ioctl(fd, IOMMU_HWPT_ALLOC, &cmd);

	*out = cmd.out_hwpt_id;
	return rc;
}

static inline int replace(int fd, __u32 stdev, __u32 pt)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
		.id = stdev,
		.mock_domain_replace = { .pt_id = pt },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

static inline int destroy(int fd, __u32 id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return ioctl(fd, IOMMU_DESTROY, &cmd);
}

/*
 * Raise a page request; the response code, or -errno of the ioctl.
 * MOCK_IOPF_WAIT_SYNC in @flags: resolved in this task (fail-nth).
 */
static inline int iopf_flags(int fd, __u32 idev, __u64 iova, __u32 perm,
			     __u32 flags, __u64 *ns)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_TRIGGER_IOPF_WAIT,
		.trigger_iopf_wait = { .dev_id = idev, .perm = perm,
				       .addr = iova, .flags = flags },
	};

	if (ioctl(fd, IOMMU_TEST_CMD, &cmd))
		return -errno;
	if (ns)
		*ns = cmd.trigger_iopf_wait.out_ns;
	return cmd.trigger_iopf_wait.out_code;
}

static inline int iopf(int fd, __u32 idev, __u64 iova, __u32 perm,
		       __u64 *ns)
{
	return iopf_flags(fd, idev, iova, perm, 0, ns);
}

struct leaf {
	__u64 phys, size, flushes;
	__u32 prot;
};

static inline int lookup(int fd, __u32 hwpt, __u64 iova, struct leaf *l)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MD_TDP_LOOKUP,
		.id = hwpt,
		.md_tdp_lookup = { .iova = iova },
	};

	*l = (struct leaf){ 0 };
	if (ioctl(fd, IOMMU_TEST_CMD, &cmd))
		return -errno;
	l->phys = cmd.md_tdp_lookup.out_phys;
	l->size = cmd.md_tdp_lookup.out_size;
	l->flushes = cmd.md_tdp_lookup.out_flushes;
	l->prot = cmd.md_tdp_lookup.out_prot;
	return 0;
}

static inline bool mapped(int fd, __u32 hwpt, __u64 iova)
{
	struct leaf l;

	return !lookup(fd, hwpt, iova, &l) && l.size;
}

/* 0 if [iova, +len) translates to the pages @va maps now. */
static inline int check_map(int fd, __u32 hwpt, __u64 iova, void *va,
			    size_t len)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MD_CHECK_MAP,
		.id = hwpt,
		.check_map = { .iova = iova, .length = len,
			       .uptr = (uintptr_t)va },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd) ? -errno : 0;
}

static inline int check_refs(int fd, void *va, size_t len, unsigned int refs)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MD_CHECK_REFS,
		.check_refs = { .length = len, .uptr = (uintptr_t)va,
				.refs = refs },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd) ? -errno : 0;
}

static inline int fault_pin(int fd, __u32 hwpt, __u64 iova, size_t len,
			    __u32 flags)
{
	struct iommu_hwpt_fault_pin cmd = {
		.size = sizeof(cmd), .flags = flags, .hwpt_id = hwpt,
		.iova = iova, .length = len,
	};

	return ioctl(fd, IOMMU_HWPT_FAULT_PIN, &cmd) ? -errno : 0;
}

static inline void *map_anon(size_t len, size_t align)
{
	char *p = mmap(NULL, len + align, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	return (void *)(((uintptr_t)p + align - 1) & ~(align - 1));
}

#endif /* __IOPF_UTILS_H */
