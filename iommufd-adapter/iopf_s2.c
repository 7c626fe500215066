// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault-driven stage-2 HWPTs: I/O page faults resolved in the kernel.
 *
 * A paging HWPT allocated with IOMMU_HWPT_ALLOC_FAULT_DRIVEN is not filled
 * from its IOAS and pins nothing.  Its domain's table is a lib/tdpmmu
 * instance (iommu_domain_ops.tdpmmu_get).  A page request from an attached
 * device is resolved on a workqueue: the IOVA's iopt_area gives the user VA
 * and mm, hmm_range_fault() faults the page in under an
 * mmu_interval_notifier that covers the area, and the result is mapped at
 * the largest size the CPU mapping and the alignment allow.  Host
 * invalidations zap through the notifier and flush before they return;
 * IOMMU_IOAS_UNMAP zaps through iommufd_s2_unmap_area().
 *
 * Locking, outermost first:
 *
 * - iopt->domains_rwsem: read by iommufd_s2_unmap_area() (the caller holds
 *   it) to walk iopt->s2_list; write to add or remove a HWPT on that list.
 * - iopt->iova_rwsem, read: held by a fault from the area lookup until its
 *   leaves are installed.  IOMMU_IOAS_UNMAP clears area->pages under the
 *   write side and zaps after it, so no fault maps into an area that is
 *   going away once its zap has run.
 * - s2->ranges_lock: creation and removal of notifier ranges.
 *   mmu_interval_notifier_insert() takes the mmap_lock inside it.
 * - mmap_lock (read) around hmm_range_fault(); released before:
 * - s2->inval_rwsem: read by a fault between mmu_interval_read_retry() and
 *   the end of its installs, write by the notifier callback around
 *   mmu_interval_set_seq() and the zap.  Nothing under it allocates
 *   memory that could enter reclaim: tables come from a tdpmmu_cache
 *   filled before, and a zap that must split takes GFP_NOWAIT pages or
 *   removes the whole huge leaf.
 * - t->lock (lib/tdpmmu's rwlock), read, around every lib/tdpmmu call.
 */
#define pr_fmt(fmt) "iommufd: " fmt

#include <linux/hmm.h>
#include <linux/iommu.h>
#include <linux/iommu_tdpmmu.h>
#include <linux/iommufd.h>
#include <linux/maple_tree.h>
#include <linux/mmu_notifier.h>
#include <linux/moduleparam.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/tdpmmu.h>
#include <linux/workqueue.h>
#include <uapi/linux/iommufd.h>

#include "io_pagetable.h"
#include "iommufd_private.h"
#include "iopf_s2.h"
#include "iopf_s2_priv.h"
#include "mock_tdpmmu.h"

/* Present neighbours mapped along with a fault: a power of two, <= 64. */
static unsigned int iopf_window = 16;
module_param(iopf_window, uint, 0644);
MODULE_PARM_DESC(iopf_window,
		 "pages around a fault mapped too if present (1..64)");

#define S2_MAX_WINDOW	64

static u64 s2_hmm_pa(unsigned long hpfn)
{
	return PFN_PHYS(page_to_pfn(hmm_pfn_to_page(hpfn)));
}

/*
 * Remove the translations for [@iova, @iova + @size) and flush.  Never
 * sleeps.  A huge leaf covered in part is split when a page can be had
 * without sleeping, else removed whole: the device faults it back.
 * Returns -EAGAIN only if a concurrent lib/tdpmmu operation kept an entry
 * frozen and @block is false.
 */
int iommufd_s2_zap(struct iommufd_s2 *s2, u64 iova, u64 size, bool block)
{
	const unsigned int flags = TDPMMU_NONBLOCK | TDPMMU_UNMAP_TABLES;
	struct tdpmmu *t = s2->pt.t;
	u64 end = min(iova + size, BIT_ULL(t->va_bits));
	struct tdpmmu_cache cache = { 0 };
	struct tdpmmu_gather g;
	u64 unmapped;
	int rc;

	/* Faults map whole pages below va_bits only: nothing else to do. */
	iova = PAGE_ALIGN(iova);
	end = ALIGN_DOWN(end, PAGE_SIZE);
	if (iova >= end)
		return 0;
	size = end - iova;
	tdpmmu_gather_init(&g);
	read_lock(t->lock);
	rc = tdpmmu_unmap(t, s2->pt.root, iova, size, flags, &cache,
			  &unmapped, &g);
	while (rc == -EAGAIN || rc == -ENOMEM) {
		rc = tdpmmu_unmap(t, s2->pt.root, iova, size,
				  flags | TDPMMU_UNMAP_WHOLE, NULL, &unmapped,
				  &g);
		if (rc != -EAGAIN || !block)
			break;
		read_unlock(t->lock);
		cpu_relax();
		read_lock(t->lock);
	}
	read_unlock(t->lock);
	tdpmmu_gather_finish(t, &g);
	tdpmmu_cache_drain(t, &cache);
	WARN_ON_ONCE(rc && rc != -EAGAIN);
	return rc;
}

static bool iommufd_s2_invalidate(struct mmu_interval_notifier *mn,
				  const struct mmu_notifier_range *range,
				  unsigned long cur_seq)
{
	struct iommufd_s2_range *r = container_of(mn, struct iommufd_s2_range,
						  mn);
	unsigned long end = r->uva + (r->last - r->iova) + 1;
	bool block = mmu_notifier_range_blockable(range);
	struct iommufd_s2 *s2 = r->s2;
	unsigned long start;
	int rc;

	if (block)
		down_write(&s2->inval_rwsem);
	else if (!down_write_trylock(&s2->inval_rwsem))
		return false;
	mmu_interval_set_seq(mn, cur_seq);
	start = max(range->start, r->uva);
	end = min(range->end, end);
	rc = 0;
	if (start < end)
		rc = iommufd_s2_zap_unpinned(s2, r->iova + (start - r->uva),
					     r->iova + (end - 1 - r->uva),
					     block);
	up_write(&s2->inval_rwsem);
	return !rc;
}

static const struct mmu_interval_notifier_ops iommufd_s2_mn_ops = {
	.invalidate = iommufd_s2_invalidate,
};

/* The notifier range for @area, created on the first fault in it. */
static struct iommufd_s2_range *
iommufd_s2_range_get(struct iommufd_s2 *s2, struct iopt_area *area)
{
	unsigned long first = iopt_area_iova(area);
	struct mm_struct *mm = area->pages->source_mm;
	struct iommufd_s2_range *r;
	int rc;

	lockdep_assert_held_read(&s2->iopt->iova_rwsem);
	r = mtree_load(&s2->ranges, first);
	if (r)
		return r;

	mutex_lock(&s2->ranges_lock);
	r = mtree_load(&s2->ranges, first);
	if (r)
		goto out_unlock;
	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r) {
		rc = -ENOMEM;
		goto out_err;
	}
	r->s2 = s2;
	r->iova = first;
	r->last = iopt_area_last_iova(area);
	r->uva = (uintptr_t)area->pages->uptr +
		 iopt_area_start_byte(area, first);
	rc = -EFAULT;
	if (!mmget_not_zero(mm))
		goto out_free;
	rc = mmu_interval_notifier_insert(&r->mn, mm, r->uva,
					  r->last - r->iova + 1,
					  &iommufd_s2_mn_ops);
	mmput(mm);
	if (rc)
		goto out_free;
	rc = mtree_store_range(&s2->ranges, r->iova, r->last, r, GFP_KERNEL);
	if (rc) {
		mmu_interval_notifier_remove(&r->mn);
		goto out_free;
	}
out_unlock:
	mutex_unlock(&s2->ranges_lock);
	return r;
out_free:
	kfree(r);
out_err:
	mutex_unlock(&s2->ranges_lock);
	return ERR_PTR(rc);
}

/* Remove every range that meets [@first, @last]; their zap is done. */
static void iommufd_s2_drop_ranges(struct iommufd_s2 *s2, unsigned long first,
				   unsigned long last)
{
	struct iommufd_s2_range *r;
	unsigned long index;

	for (;;) {
		mutex_lock(&s2->ranges_lock);
		index = first;
		r = mt_find(&s2->ranges, &index, last);
		if (r)
			iommufd_s2_mt_erase(&s2->ranges, r->iova, r->last);
		mutex_unlock(&s2->ranges_lock);
		if (!r)
			return;
		mmu_interval_notifier_remove(&r->mn);
		kfree(r);
	}
}

/*
 * The largest level whose leaf around @iova the CPU mapping @hpfn backs
 * with contiguous memory, at matching alignment, inside @r.
 */
static unsigned int iommufd_s2_level(struct iommufd_s2 *s2,
				     struct iommufd_s2_range *r,
				     unsigned long iova, unsigned long hpfn)
{
	unsigned int order = hmm_pfn_to_map_order(hpfn);
	unsigned long va = r->uva + (iova - r->iova);
	u64 pa = s2_hmm_pa(hpfn);
	struct tdpmmu *t = s2->pt.t;
	unsigned int level;

	for (level = 3; level > 1; level--) {
		u64 size = tdpmmu_level_size(level);
		u64 base = ALIGN_DOWN(iova, size);

		if (!(t->leaf_levels & BIT(level)) ||
		    order + PAGE_SHIFT < tdpmmu_level_shift(level) ||
		    ((va ^ iova) & (size - 1)) || ((pa ^ iova) & (size - 1)) ||
		    base < r->iova || base + size - 1 > r->last)
			continue;
		return level;
	}
	return 1;
}

/*
 * Install one leaf.  Something already there is fine if it maps the same
 * page with at least the permissions wanted; a missing write permission is
 * added in place.
 */
static int iommufd_s2_map_leaf(struct iommufd_s2 *s2, struct tdpmmu_leaf *leaf,
			       struct tdpmmu_cache *cache,
			       struct tdpmmu_gather *g)
{
	struct tdpmmu *t = s2->pt.t;
	struct tdpmmu_leaf old;
	u64 done;
	int rc;

	rc = tdpmmu_map(t, s2->pt.root, leaf, cache, g);
	if (rc != -EEXIST)
		return rc;
	/* Smaller leaves (or a table) in the way: the caller goes to 4K. */
	if (tdpmmu_lookup(t, s2->pt.root, leaf->addr, &old))
		return leaf->level > 1 ? -EEXIST : -EAGAIN;
	if (old.level < leaf->level ||
	    old.oa + (leaf->addr - old.addr) != leaf->oa)
		return -EEXIST;
	if ((old.prot & leaf->prot) == leaf->prot)
		return 0;
	return tdpmmu_protect(t, s2->pt.root, old.addr,
			      tdpmmu_level_size(old.level),
			      leaf->prot & ~old.prot, 0, 0, NULL, &done, g);
}

/*
 * Write permission only for a write fault, and the page is marked dirty
 * first: the device's writes never reach the CPU's dirty bits, so a page
 * the device may write must not be reclaimed as clean.  Reads and present
 * neighbours map read-only; a later device write faults and upgrades.
 */
static u32 iommufd_s2_prot(int area_prot, unsigned long hpfn, bool write)
{
	u32 prot = TDPMMU_PROT_READ;

	if (write && (area_prot & IOMMU_WRITE) && (hpfn & HMM_PFN_WRITE)) {
		folio_mark_dirty(page_folio(hmm_pfn_to_page(hpfn)));
		prot |= TDPMMU_PROT_WRITE;
	}
	return prot;
}

/*
 * Map what hmm_range_fault() found: the faulting page at index @idx at
 * the largest size possible, then the present neighbours at 4K.  Called
 * with s2->inval_rwsem held for read after the notifier sequence checked
 * out, so every pfn is still what the CPU maps.
 */
static int iommufd_s2_install(struct iommufd_s2 *s2, struct iommufd_s2_range *r,
			      int area_prot, unsigned long lo,
			      const unsigned long *pfns, unsigned int n,
			      unsigned int idx, bool write,
			      struct tdpmmu_cache *cache,
			      struct tdpmmu_gather *g)
{
	u64 fmt = area_prot & IOMMU_CACHE ? s2->pt.cache_bits : 0;
	unsigned long iova = lo + ((unsigned long)idx << PAGE_SHIFT);
	struct tdpmmu *t = s2->pt.t;
	struct tdpmmu_leaf leaf;
	u64 size, skip_lo, skip_hi;
	unsigned int i;
	int rc;

	leaf.level = iommufd_s2_level(s2, r, iova, pfns[idx]);
	size = tdpmmu_level_size(leaf.level);
	leaf.addr = ALIGN_DOWN(iova, size);
	leaf.oa = ALIGN_DOWN(s2_hmm_pa(pfns[idx]), size);
	leaf.prot = iommufd_s2_prot(area_prot, pfns[idx], write);
	leaf.fmt_bits = fmt;
	read_lock(t->lock);
	rc = iommufd_s2_map_leaf(s2, &leaf, cache, g);
	if (rc == -EEXIST && leaf.level > 1) {
		/* Smaller leaves are in the way: map just the page. */
		leaf.level = 1;
		leaf.addr = iova;
		leaf.oa = s2_hmm_pa(pfns[idx]);
		size = PAGE_SIZE;
		rc = iommufd_s2_map_leaf(s2, &leaf, cache, g);
	}
	skip_lo = leaf.addr;
	skip_hi = leaf.addr + size;
	for (i = 0; i < n && !rc; i++) {
		unsigned long a = lo + ((unsigned long)i << PAGE_SHIFT);

		if ((a >= skip_lo && a < skip_hi) ||
		    (pfns[i] & (HMM_PFN_VALID | HMM_PFN_ERROR)) !=
			    HMM_PFN_VALID)
			continue;
		leaf.level = 1;
		leaf.addr = a;
		leaf.oa = s2_hmm_pa(pfns[i]);
		leaf.prot = TDPMMU_PROT_READ;
		/* A neighbour is a bonus: only running out of memory stops. */
		if (iommufd_s2_map_leaf(s2, &leaf, cache, g) == -ENOMEM)
			break;
	}
	read_unlock(t->lock);
	return rc;
}

/*
 * Fault in and map one page of @r (and its present neighbours).  With
 * @fast, nothing sleeps for long and nothing allocates: the page must be
 * present on the CPU side with the access wanted, the locks are only
 * tried, and the tables must exist; -EAGAIN means "do it the slow way".
 */
static int iommufd_s2_fault_range(struct iommufd_s2 *s2,
				  struct iommufd_s2_range *r, int area_prot,
				  unsigned long iova, bool write, bool fast)
{
	unsigned long win = rounddown_pow_of_two(clamp(READ_ONCE(iopf_window),
						       1U, S2_MAX_WINDOW));
	unsigned long timeout = jiffies +
				msecs_to_jiffies(HMM_RANGE_DEFAULT_TIMEOUT);
	unsigned long lo = max(ALIGN_DOWN(iova, win << PAGE_SHIFT), r->iova);
	unsigned long hi = min(lo + (win << PAGE_SHIFT) - 1, r->last);
	unsigned int n = (hi - lo + 1) >> PAGE_SHIFT;
	unsigned int idx = (iova - lo) >> PAGE_SHIFT;
	unsigned long want = HMM_PFN_VALID | (write ? HMM_PFN_WRITE : 0);
	unsigned long pfns[S2_MAX_WINDOW];
	struct mm_struct *mm = r->mn.mm;
	struct tdpmmu *t = s2->pt.t;
	struct tdpmmu_cache cache = { 0 };
	struct tdpmmu_gather g;
	struct hmm_range hr = {
		.notifier = &r->mn,
		.start = r->uva + (lo - r->iova),
		.end = r->uva + (hi - r->iova) + 1,
		.hmm_pfns = pfns,
		.pfn_flags_mask = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE,
	};
	int rc = 0;

	if (!mmget_not_zero(mm))
		return -EFAULT;
	tdpmmu_gather_init(&g);
	for (;;) {
		memset(pfns, 0, n * sizeof(pfns[0]));
		if (!fast)
			pfns[idx] = HMM_PFN_REQ_FAULT |
				    (write ? HMM_PFN_REQ_WRITE : 0);
		hr.notifier_seq = mmu_interval_read_begin(&r->mn);
		if (fast) {
			if (!mmap_read_trylock(mm)) {
				rc = -EAGAIN;
				break;
			}
		} else {
			mmap_read_lock(mm);
		}
		rc = hmm_range_fault(&hr);
		mmap_read_unlock(mm);
		if (fast && !rc && (pfns[idx] & (want | HMM_PFN_ERROR)) != want)
			rc = -EAGAIN;
		if (rc == -EBUSY && !fast && time_before(jiffies, timeout))
			continue;
		if (rc)
			break;

		if (fast) {
			if (!down_read_trylock(&s2->inval_rwsem)) {
				rc = -EAGAIN;
				break;
			}
		} else {
			down_read(&s2->inval_rwsem);
		}
		rc = -EAGAIN;
		if (!mmu_interval_read_retry(&r->mn, hr.notifier_seq))
			rc = iommufd_s2_install(s2, r, area_prot, lo, pfns, n,
						idx, write, &cache, &g);
		up_read(&s2->inval_rwsem);
		if (fast || (rc != -EAGAIN && rc != -ENOMEM))
			break;
		/* Tables are taken only where missing: fill as needed. */
		if (rc == -ENOMEM &&
		    tdpmmu_cache_topup(t, &cache, t->levels - 1,
				       GFP_KERNEL_ACCOUNT))
			break;
		if (time_after(jiffies, timeout)) {
			rc = -EBUSY;
			break;
		}
		cond_resched();
	}
	if (fast && (rc == -ENOMEM || rc == -EBUSY))
		rc = -EAGAIN;
	/* Only a permission upgrade changes a present entry. */
	tdpmmu_gather_finish(t, &g);
	tdpmmu_cache_drain(t, &cache);
	mmput(mm);
	return rc;
}

/*
 * Resolve one page request; 0 if the page is now mapped as asked.  With
 * @fast, -EAGAIN when it needs the slow way (see iommufd_s2_fault_range()).
 */
static int iommufd_s2_fault(struct iommufd_s2 *s2, const struct iommu_fault *f,
			    bool fast)
{
	bool write = f->prm.perm & IOMMU_FAULT_PERM_WRITE;
	int need = IOMMU_READ | (write ? IOMMU_WRITE : 0);
	struct io_pagetable *iopt = s2->iopt;
	unsigned long iova = f->prm.addr & PAGE_MASK;
	struct iommufd_s2_range *r;
	struct iopt_area *area;
	int rc = -EFAULT;

	if (f->type != IOMMU_FAULT_PAGE_REQ ||
	    (f->prm.flags & IOMMU_FAULT_PAGE_REQUEST_PASID_VALID) ||
	    (f->prm.perm & IOMMU_FAULT_PERM_EXEC))
		return -EINVAL;

	if (fast) {
		if (!down_read_trylock(&iopt->iova_rwsem))
			return -EAGAIN;
	} else {
		down_read(&iopt->iova_rwsem);
	}
	area = iopt_area_iter_first(iopt, iova, iova);
	/* Only whole pages of user memory can be handed to a device. */
	if (!area || !area->pages || (area->iommu_prot & need) != need ||
	    !PAGE_ALIGNED(iopt_area_iova(area)) ||
	    !PAGE_ALIGNED(iopt_area_last_iova(area) + 1) ||
	    area->page_offset)
		goto out_unlock;
	if (fast) {
		rc = -EAGAIN;
		r = mtree_load(&s2->ranges, iopt_area_iova(area));
		if (!r)
			goto out_unlock;
	} else {
		r = iommufd_s2_range_get(s2, area);
		if (IS_ERR(r)) {
			rc = PTR_ERR(r);
			goto out_unlock;
		}
	}
	rc = iommufd_s2_fault_range(s2, r, area->iommu_prot, iova, write,
				    fast);
out_unlock:
	up_read(&iopt->iova_rwsem);
	return rc;
}

/* Answer @group: SUCCESS if every fault of it resolves, else INVALID. */
static int iommufd_s2_resolve(struct iommufd_s2 *s2, struct iopf_group *group,
			      bool fast)
{
	enum iommu_page_response_code code = IOMMU_PAGE_RESP_SUCCESS;
	struct iopf_fault *iopf;
	int rc;

	list_for_each_entry(iopf, &group->faults, list) {
		rc = iommufd_s2_fault(s2, &iopf->fault, fast);
		if (rc == -EAGAIN && fast)
			return rc;
		if (rc) {
			code = IOMMU_PAGE_RESP_INVALID;
			break;
		}
	}
	iopf_group_response(group, code);
	iopf_free_group(group);
	return 0;
}

static void iommufd_s2_fault_work(struct work_struct *work)
{
	struct iopf_group *group = container_of(work, struct iopf_group, work);
	struct iommufd_hw_pagetable *hwpt =
		group->attach_handle->domain->fault_data;

	iommufd_s2_resolve(hwpt->s2, group, false);
}

/*
 * domain->iopf_handler, called where the IOMMU driver reports the fault
 * (its fault thread; iommu_report_device_fault() may sleep).  A page that
 * is present on the CPU side, in tables that exist, is mapped and answered
 * here; anything that could wait for I/O or memory goes to the workqueue,
 * so one slow fault never holds up the IOMMU's fault queue.
 */
static int iommufd_s2_iopf_handler(struct iopf_group *group)
{
	struct iommufd_hw_pagetable *hwpt =
		group->attach_handle->domain->fault_data;

	might_sleep();
	if (!iommufd_s2_resolve(hwpt->s2, group, true))
		return 0;
	/* IOMMUFD_TEST: fault injection in the raising task reaches it. */
	if (iommufd_mock_iopf_sync(group))
		return iommufd_s2_resolve(hwpt->s2, group, false);
	INIT_WORK(&group->work, iommufd_s2_fault_work);
	queue_work(hwpt->s2->wq, &group->work);
	return 0;
}

/**
 * iommufd_s2_check() - may @idev have a fault-driven HWPT allocated
 * @idev: the device the HWPT is allocated for
 * @flags: IOMMU_HWPT_ALLOC_* flags, IOMMU_HWPT_ALLOC_FAULT_DRIVEN among them
 *
 * Return: 0; -EINVAL for a flag that cannot be combined with it; -EPERM
 * if the device has not declared that it tolerates faults on all of its
 * DMA (iommufd_device_set_fault_tolerant()); the errno of enabling I/O
 * page faults on the device if that fails.
 */
int iommufd_s2_check(struct iommufd_device *idev, u32 flags)
{
	int rc;

	if (flags & (IOMMU_HWPT_ALLOC_NEST_PARENT |
		     IOMMU_HWPT_ALLOC_DIRTY_TRACKING |
		     IOMMU_HWPT_FAULT_ID_VALID))
		return -EINVAL;
	if (!READ_ONCE(idev->dma_fault_tolerant))
		return -EPERM;
	rc = iommufd_fault_iopf_enable(idev);
	if (rc)
		return rc;
	iommufd_fault_iopf_disable(idev);
	return 0;
}

/**
 * iommufd_s2_init() - make a new paging HWPT fault-driven
 * @hwpt_paging: the HWPT, its domain allocated, not linked to its IOAS
 *
 * Called with the IOAS mutex held, instead of iopt_table_add_domain().
 *
 * Return: 0; -EOPNOTSUPP if the domain's table is not a lib/tdpmmu one;
 * -ENOMEM.
 */
int iommufd_s2_init(struct iommufd_hwpt_paging *hwpt_paging)
{
	struct iommufd_hw_pagetable *hwpt = &hwpt_paging->common;
	struct io_pagetable *iopt = &hwpt_paging->ioas->iopt;
	struct iommu_domain *domain = hwpt->domain;
	struct iommufd_s2 *s2;
	int rc;

	if (!domain->ops->tdpmmu_get)
		return -EOPNOTSUPP;
	s2 = kzalloc(sizeof(*s2), GFP_KERNEL_ACCOUNT);
	if (!s2)
		return -ENOMEM;
	rc = domain->ops->tdpmmu_get(domain, &s2->pt);
	if (rc)
		goto out_free;
	rc = -ENOMEM;
	s2->wq = alloc_workqueue("iommufd-iopf/%u", WQ_UNBOUND, 0,
				 hwpt->obj.id);
	if (!s2->wq)
		goto out_free;
	s2->iopt = iopt;
	init_rwsem(&s2->inval_rwsem);
	mutex_init(&s2->ranges_lock);
	mt_init_flags(&s2->ranges, MT_FLAGS_USE_RCU);
	mt_init_flags(&s2->pinned, MT_FLAGS_USE_RCU);

	hwpt->s2 = s2;
	domain->iopf_handler = iommufd_s2_iopf_handler;
	domain->fault_data = hwpt;
	down_write(&iopt->domains_rwsem);
	list_add_tail(&s2->iopt_item, &iopt->s2_list);
	up_write(&iopt->domains_rwsem);
	return 0;
out_free:
	kfree(s2);
	return rc;
}

/**
 * iommufd_s2_detach() - a device left a fault-driven HWPT
 * @hwpt: the HWPT
 *
 * Called after the device's attach handle is gone (no new faults of it
 * reach the handler) and before its I/O page faults are disabled: every
 * fault already queued is answered first.
 */
void iommufd_s2_detach(struct iommufd_hw_pagetable *hwpt)
{
	if (hwpt->s2)
		flush_workqueue(hwpt->s2->wq);
}

/**
 * iommufd_s2_unmap_area() - an IOAS range is going away
 * @iopt: the IOAS's table
 * @first: first IOVA of the area
 * @last: last IOVA of the area
 *
 * Called by iopt_unmap_iova_range() with @iopt->domains_rwsem held for
 * read, after area->pages was cleared.  Zaps and flushes the range in
 * every fault-driven HWPT of @iopt, unpins every pinned range it meets and
 * drops its notifiers.  Never fails:
 * a fault never maps across an area's ends, so nothing is split.
 */
void iommufd_s2_unmap_area(struct io_pagetable *iopt, unsigned long first,
			   unsigned long last)
{
	struct iommufd_s2 *s2;

	lockdep_assert_held(&iopt->domains_rwsem);
	list_for_each_entry(s2, &iopt->s2_list, iopt_item) {
		iommufd_s2_zap(s2, first, last - first + 1, true);
		iommufd_s2_unpin(s2, first, last);
		iommufd_s2_drop_ranges(s2, first, last);
	}
}

/**
 * iommufd_s2_destroy() - tear down what iommufd_s2_init() set up
 * @hwpt: the HWPT; no device is attached any more
 *
 * The domain, freed after this, frees its table.
 */
void iommufd_s2_destroy(struct iommufd_hw_pagetable *hwpt)
{
	struct iommufd_s2 *s2 = hwpt->s2;

	if (!s2)
		return;
	destroy_workqueue(s2->wq);
	down_write(&s2->iopt->domains_rwsem);
	list_del(&s2->iopt_item);
	up_write(&s2->iopt->domains_rwsem);
	iommufd_s2_unpin(s2, 0, ULONG_MAX);
	mtree_destroy(&s2->pinned);
	iommufd_s2_drop_ranges(s2, 0, ULONG_MAX);
	mtree_destroy(&s2->ranges);
	hwpt->domain->iopf_handler = NULL;
	hwpt->s2 = NULL;
	kfree(s2);
}

/**
 * iommufd_device_set_fault_tolerant() - declare a device's DMA restartable
 * @idev: the device
 * @all_dma: every DMA of the device can take an I/O page fault and be
 *	retried after the response
 *
 * Only such devices may be attached to a fault-driven HWPT.  Called by
 * the device's driver, which alone knows it.
 */
void iommufd_device_set_fault_tolerant(struct iommufd_device *idev,
				       bool all_dma)
{
	WRITE_ONCE(idev->dma_fault_tolerant, all_dma);
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_set_fault_tolerant, IOMMUFD);
