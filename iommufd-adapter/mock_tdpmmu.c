// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mock IOMMU's fault-driven domain: a lib/tdpmmu table in the VT-d
 * second-stage format, 4-level, with 2M and 1G leaves.  Nothing walks it
 * but the test ops below, which read it the way the IOMMU would.
 *
 * IOMMU_TEST_OP_TRIGGER_IOPF_WAIT raises a page request for a mock device
 * (no PASID) and waits for the response the fault path sends back
 * (MOCK_IOPF_WAIT_SYNC: resolved in the caller's task, for fail-nth);
 * IOMMU_TEST_OP_MD_TDP_LOOKUP reports the leaf behind an IOVA;
 * IOMMU_TEST_OP_MD_CHECK_MAP works on these domains too.
 */
#include <linux/completion.h>
#include <linux/iommu.h>
#include <linux/iommu_tdpmmu.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/tdpmmu.h>
#include <linux/xarray.h>
#include <uapi/linux/iommufd.h>

#include "fmt_vtdss.h"
#include "iommufd_private.h"
#include "iommufd_test.h"
#include "mock_tdpmmu.h"

#define MOCK_TDP_LEVELS		4
#define MOCK_TDP_PGSIZES	(SZ_4K | SZ_2M | SZ_1G)

struct mock_tdp_domain {
	struct iommu_domain domain;
	struct tdpmmu t;
	rwlock_t lock;
	struct tdpmmu_root *root;
	atomic64_t flushes;
};

static const struct iommu_domain_ops mock_tdp_ops;

static struct mock_tdp_domain *to_mock_tdp(struct iommu_domain *domain)
{
	return container_of(domain, struct mock_tdp_domain, domain);
}

static void *mock_tdp_alloc_table(struct tdpmmu *t, gfp_t gfp)
{
	return (void *)__get_free_page(gfp | __GFP_ZERO);
}

static void mock_tdp_free_table(struct tdpmmu *t, void *table)
{
	free_page((unsigned long)table);
}

/* No IOTLB to invalidate: count, so tests can see a flush happened. */
static void mock_tdp_flush(struct tdpmmu *t, const struct tdpmmu_gather *g)
{
	atomic64_inc(&container_of(t, struct mock_tdp_domain, t)->flushes);
}

static const struct tdpmmu_ops mock_tdp_tdpmmu_ops = {
	.alloc_table = mock_tdp_alloc_table,
	.free_table = mock_tdp_free_table,
	.flush = mock_tdp_flush,
};

struct iommu_domain *
iommufd_mock_tdp_alloc(struct device *dev, u32 flags,
		       const struct iommu_user_data *user_data)
{
	struct tdpmmu_params p = {
		.levels = MOCK_TDP_LEVELS,
		.huge_levels = BIT(2) | BIT(3),
	};
	struct mock_tdp_domain *mock;
	int rc;

	if (flags != IOMMU_HWPT_ALLOC_FAULT_DRIVEN || user_data)
		return ERR_PTR(-EOPNOTSUPP);
	mock = kzalloc(sizeof(*mock), GFP_KERNEL);
	if (!mock)
		return ERR_PTR(-ENOMEM);
	rwlock_init(&mock->lock);
	rc = tdpmmu_init(&mock->t, &tdpmmu_vtdss_format, &p,
			 &mock_tdp_tdpmmu_ops, &mock->lock);
	if (rc)
		goto out_free;
	mock->root = tdpmmu_root_alloc(&mock->t, 0, GFP_KERNEL);
	if (!mock->root) {
		rc = -ENOMEM;
		goto out_destroy;
	}
	mock->domain.type = IOMMU_DOMAIN_UNMANAGED;
	mock->domain.ops = &mock_tdp_ops;
	mock->domain.pgsize_bitmap = MOCK_TDP_PGSIZES;
	mock->domain.geometry.aperture_start = 0;
	mock->domain.geometry.aperture_end =
		BIT_ULL(tdpmmu_level_shift(MOCK_TDP_LEVELS + 1)) - 1;
	mock->domain.geometry.force_aperture = true;
	return &mock->domain;
out_destroy:
	tdpmmu_destroy(&mock->t);
out_free:
	kfree(mock);
	return ERR_PTR(rc);
}

static void mock_tdp_free(struct iommu_domain *domain)
{
	struct mock_tdp_domain *mock = to_mock_tdp(domain);

	tdpmmu_root_put(&mock->t, mock->root);
	tdpmmu_destroy(&mock->t);
	kfree(mock);
}

static int mock_tdp_attach(struct iommu_domain *domain, struct device *dev)
{
	return 0;
}

static int mock_tdp_map_pages(struct iommu_domain *domain, unsigned long iova,
			      phys_addr_t paddr, size_t pgsize, size_t pgcount,
			      int prot, gfp_t gfp, size_t *mapped)
{
	struct mock_tdp_domain *mock = to_mock_tdp(domain);
	u64 fmt = prot & IOMMU_CACHE ? VTDSS_SNP : 0;
	u32 tprot = TDPMMU_PROT_READ;
	struct tdpmmu_gather g;
	u64 done;
	int rc;

	if (prot & IOMMU_WRITE)
		tprot |= TDPMMU_PROT_WRITE;
	tdpmmu_gather_init(&g);
	rc = tdpmmu_map_range_gfp(&mock->t, mock->root, iova, paddr,
				  (u64)pgsize * pgcount, tprot, fmt, 0, gfp,
				  &done, &g);
	tdpmmu_gather_finish(&mock->t, &g);
	*mapped = done;
	return rc;
}

static size_t mock_tdp_unmap_pages(struct iommu_domain *domain,
				   unsigned long iova, size_t pgsize,
				   size_t pgcount,
				   struct iommu_iotlb_gather *gather)
{
	struct mock_tdp_domain *mock = to_mock_tdp(domain);
	struct tdpmmu_cache cache = { 0 };
	struct tdpmmu_gather g;
	u64 unmapped;
	int rc;

	tdpmmu_gather_init(&g);
	read_lock(&mock->lock);
	rc = tdpmmu_unmap(&mock->t, mock->root, iova, (u64)pgsize * pgcount,
			  TDPMMU_NONBLOCK | TDPMMU_UNMAP_TABLES, &cache,
			  &unmapped, &g);
	read_unlock(&mock->lock);
	tdpmmu_gather_finish(&mock->t, &g);
	tdpmmu_cache_drain(&mock->t, &cache);
	return rc ? 0 : pgsize * pgcount;
}

static phys_addr_t mock_tdp_iova_to_phys(struct iommu_domain *domain,
					 dma_addr_t iova)
{
	struct mock_tdp_domain *mock = to_mock_tdp(domain);
	struct tdpmmu_leaf leaf;

	if (tdpmmu_lookup(&mock->t, mock->root, iova, &leaf))
		return 0;
	return leaf.oa + (iova - leaf.addr);
}

static int mock_tdp_get(struct iommu_domain *domain, struct iommu_tdpmmu *pt)
{
	struct mock_tdp_domain *mock = to_mock_tdp(domain);

	pt->t = &mock->t;
	pt->root = mock->root;
	pt->cache_bits = VTDSS_SNP;
	return 0;
}

static const struct iommu_domain_ops mock_tdp_ops = {
	.free = mock_tdp_free,
	.attach_dev = mock_tdp_attach,
	.map_pages = mock_tdp_map_pages,
	.unmap_pages = mock_tdp_unmap_pages,
	.iova_to_phys = mock_tdp_iova_to_phys,
	.tdpmmu_get = mock_tdp_get,
};

/* Page requests raised by TRIGGER_IOPF_WAIT: grpid -> waiter. */
struct mock_iopf_waiter {
	struct completion done;
	bool sync;
	u32 code;
};

#define MOCK_IOPF_GRPID_FIRST	0x100
#define MOCK_IOPF_GRPID_LAST	0x1ff

static DEFINE_XARRAY_ALLOC(mock_iopf_waiters);

/* From the mock IOMMU's page_response op. */
void iommufd_mock_iopf_response(const struct iommu_page_response *msg)
{
	struct mock_iopf_waiter *w;

	xa_lock(&mock_iopf_waiters);
	w = xa_load(&mock_iopf_waiters, msg->grpid);
	if (w) {
		w->code = msg->code;
		complete(&w->done);
	}
	xa_unlock(&mock_iopf_waiters);
}

/**
 * iommufd_mock_iopf_sync() - resolve a page request where it was raised
 * @group: the group iopf_s2.c's fault handler got
 *
 * A request raised by TRIGGER_IOPF_WAIT with MOCK_IOPF_WAIT_SYNC is
 * resolved by the handler in the raising task instead of on its
 * workqueue, so that fault injection in that task (fail-nth) reaches the
 * allocations of the fault path.  The handler runs inside the raise, in
 * the waiter's task, so the waiter is there.
 *
 * Return: true for such a request, false for any other.
 */
bool iommufd_mock_iopf_sync(struct iopf_group *group)
{
	struct mock_iopf_waiter *w;
	bool sync;

	if (group->attach_handle->domain->ops != &mock_tdp_ops)
		return false;
	xa_lock(&mock_iopf_waiters);
	w = xa_load(&mock_iopf_waiters, group->last_fault.fault.prm.grpid);
	sync = w && w->sync;
	xa_unlock(&mock_iopf_waiters);
	return sync;
}

static int mock_iopf_wait(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd,
			  mock_trigger_iopf_t trigger)
{
	struct iommu_test_cmd trig = { .op = IOMMU_TEST_OP_TRIGGER_IOPF };
	struct mock_iopf_waiter w = { .code = U32_MAX };
	u64 start;
	long left;
	u32 grpid;
	int rc;

	if (cmd->trigger_iopf_wait.flags & ~MOCK_IOPF_WAIT_SYNC)
		return -EOPNOTSUPP;
	if (cmd->trigger_iopf_wait.perm & ~(IOMMU_PGFAULT_PERM_READ |
					    IOMMU_PGFAULT_PERM_WRITE |
					    IOMMU_PGFAULT_PERM_EXEC |
					    IOMMU_PGFAULT_PERM_PRIV))
		return -EINVAL;
	init_completion(&w.done);
	w.sync = cmd->trigger_iopf_wait.flags & MOCK_IOPF_WAIT_SYNC;
	rc = xa_alloc(&mock_iopf_waiters, &grpid, &w,
		      XA_LIMIT(MOCK_IOPF_GRPID_FIRST, MOCK_IOPF_GRPID_LAST),
		      GFP_KERNEL);
	if (rc)
		return rc;
	trig.trigger_iopf.dev_id = cmd->trigger_iopf_wait.dev_id;
	trig.trigger_iopf.pasid = IOMMU_NO_PASID;
	trig.trigger_iopf.grpid = grpid;
	trig.trigger_iopf.perm = cmd->trigger_iopf_wait.perm;
	trig.trigger_iopf.addr = cmd->trigger_iopf_wait.addr;

	start = ktime_get_ns();
	rc = trigger(ucmd, &trig);
	if (!rc) {
		left = wait_for_completion_killable_timeout(&w.done, 10 * HZ);
		rc = left > 0 ? 0 : left ?: -ETIMEDOUT;
	}
	cmd->trigger_iopf_wait.out_ns = ktime_get_ns() - start;
	/* After this no response touches @w. */
	xa_erase(&mock_iopf_waiters, grpid);
	if (rc)
		return rc;
	cmd->trigger_iopf_wait.out_code = w.code;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}

static struct iommufd_hw_pagetable *
mock_tdp_hwpt(struct iommufd_ucmd *ucmd, u32 id)
{
	struct iommufd_object *obj;

	obj = iommufd_get_object(ucmd->ictx, id, IOMMUFD_OBJ_HWPT_PAGING);
	if (IS_ERR(obj))
		return ERR_CAST(obj);
	return container_of(obj, struct iommufd_hw_pagetable, obj);
}

static bool mock_tdp_is(struct iommufd_hw_pagetable *hwpt)
{
	return hwpt->domain->ops == &mock_tdp_ops;
}

static int mock_tdp_lookup(struct iommufd_ucmd *ucmd,
			   struct iommu_test_cmd *cmd)
{
	struct iommufd_hw_pagetable *hwpt;
	struct mock_tdp_domain *mock;
	struct tdpmmu_leaf leaf;
	int rc;

	if (cmd->md_tdp_lookup.__reserved)
		return -EOPNOTSUPP;
	hwpt = mock_tdp_hwpt(ucmd, cmd->id);
	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);
	rc = -EINVAL;
	if (!mock_tdp_is(hwpt))
		goto out_put;
	mock = to_mock_tdp(hwpt->domain);
	cmd->md_tdp_lookup.out_flushes = atomic64_read(&mock->flushes);
	rc = tdpmmu_lookup(&mock->t, mock->root, cmd->md_tdp_lookup.iova,
			   &leaf);
	if (rc == -ENOENT) {
		cmd->md_tdp_lookup.out_phys = 0;
		cmd->md_tdp_lookup.out_size = 0;
		cmd->md_tdp_lookup.out_prot = 0;
		rc = 0;
	} else if (!rc) {
		cmd->md_tdp_lookup.out_phys = leaf.oa;
		cmd->md_tdp_lookup.out_size = tdpmmu_level_size(leaf.level);
		cmd->md_tdp_lookup.out_prot =
			(leaf.prot & TDPMMU_PROT_READ ?
				 IOMMU_IOAS_MAP_READABLE : 0) |
			(leaf.prot & TDPMMU_PROT_WRITE ?
				 IOMMU_IOAS_MAP_WRITEABLE : 0);
	}
	if (!rc)
		rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_put:
	iommufd_put_object(ucmd->ictx, &hwpt->obj);
	return rc;
}

/* MD_CHECK_MAP on a mock tdp domain: each page maps what @uptr maps. */
static int mock_tdp_check_map(struct iommufd_ucmd *ucmd,
			      struct mock_tdp_domain *mock,
			      struct iommu_test_cmd *cmd)
{
	unsigned long iova = cmd->check_map.iova;
	u64 length = cmd->check_map.length;
	uintptr_t uptr = cmd->check_map.uptr, end;

	if (!PAGE_ALIGNED(iova) || !PAGE_ALIGNED(length) ||
	    !PAGE_ALIGNED(uptr) || check_add_overflow(uptr, length, &end))
		return -EINVAL;
	for (; length; length -= PAGE_SIZE) {
		struct tdpmmu_leaf leaf;
		struct page *page;
		long npages;

		npages = get_user_pages_fast(uptr, 1, 0, &page);
		if (npages < 0)
			return npages;
		if (npages != 1)
			return -EFAULT;
		if (tdpmmu_lookup(&mock->t, mock->root, iova, &leaf) ||
		    leaf.oa + (iova - leaf.addr) != page_to_phys(page)) {
			put_page(page);
			return -EINVAL;
		}
		put_page(page);
		iova += PAGE_SIZE;
		uptr += PAGE_SIZE;
	}
	return 0;
}

/**
 * iommufd_mock_tdp_test() - the test ops of fault-driven mock domains
 * @ucmd: the ioctl
 * @cmd: the test command
 * @trigger: selftest.c's IOMMU_TEST_OP_TRIGGER_IOPF
 *
 * Return: -ENOIOCTLCMD if @cmd is not for this file, else its result.
 */
int iommufd_mock_tdp_test(struct iommufd_ucmd *ucmd,
			  struct iommu_test_cmd *cmd,
			  mock_trigger_iopf_t trigger)
{
	struct iommufd_hw_pagetable *hwpt;
	int rc;

	switch (cmd->op) {
	case IOMMU_TEST_OP_TRIGGER_IOPF_WAIT:
		return mock_iopf_wait(ucmd, cmd, trigger);
	case IOMMU_TEST_OP_MD_TDP_LOOKUP:
		return mock_tdp_lookup(ucmd, cmd);
	case IOMMU_TEST_OP_MD_CHECK_MAP:
		hwpt = mock_tdp_hwpt(ucmd, cmd->id);
		if (IS_ERR(hwpt))
			return -ENOIOCTLCMD;
		rc = -ENOIOCTLCMD;
		if (mock_tdp_is(hwpt))
			rc = mock_tdp_check_map(ucmd, to_mock_tdp(hwpt->domain),
						cmd);
		iommufd_put_object(ucmd->ictx, &hwpt->obj);
		return rc;
	default:
		return -ENOIOCTLCMD;
	}
}
