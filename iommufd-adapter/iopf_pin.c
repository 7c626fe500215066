// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pinned ranges of fault-driven HWPTs (IOMMU_HWPT_FAULT_PIN).
 *
 * A device that tolerates I/O page faults only in some contexts (say, not
 * on its descriptor rings) can still use a fault-driven HWPT if the IOVA
 * it must never fault on is pinned and mapped up front.  A pinned range is
 * kept in a maple tree; host invalidations skip it (the pinned pages stay
 * mapped, as in an ordinary HWPT); IOMMU_IOAS_UNMAP of any part of it, an
 * explicit removal or the HWPT's destruction unmaps and unpins all of it.
 * Pinned pages are charged to the caller's RLIMIT_MEMLOCK like iommufd's
 * own pins, unless it has CAP_IPC_LOCK.
 *
 * Adding a range holds the IOAS's iova_rwsem for write (no fault or IOAS
 * change runs meanwhile) and s2->ranges_lock; the tree entry is stored
 * under s2->inval_rwsem held for write, so an invalidation either sees it
 * or has finished before the range is mapped.  Removing one erases it and
 * zaps under s2->ranges_lock, so a new pin of the range maps after the zap.
 */
#include <linux/capability.h>
#include <linux/maple_tree.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/user.h>
#include <linux/slab.h>
#include <linux/tdpmmu.h>
#include <uapi/linux/iommufd.h>

#include "io_pagetable.h"
#include "iommufd_private.h"
#include "iopf_s2_priv.h"

struct iommufd_s2_pin {
	unsigned long iova;
	unsigned long last;
	unsigned long npinned;
	struct page **pages;
	struct mm_struct *mm;
	struct user_struct *user;
	bool writable;
};

static int s2_pin_charge(struct iommufd_s2_pin *p, unsigned long npages)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	struct user_struct *user;
	unsigned long cur;

	if (capable(CAP_IPC_LOCK))
		return 0;
	user = get_uid(current_user());
	cur = atomic_long_read(&user->locked_vm);
	do {
		if (cur + npages > limit) {
			free_uid(user);
			return -ENOMEM;
		}
	} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur,
					  cur + npages));
	atomic64_add(npages, &p->mm->pinned_vm);
	p->user = user;
	return 0;
}

static void s2_pin_free(struct iommufd_s2_pin *p)
{
	unsigned long npages = (p->last - p->iova + 1) >> PAGE_SHIFT;

	/* The device may have written them: dirty, like iommufd's unpin. */
	unpin_user_pages_dirty_lock(p->pages, p->npinned, p->writable);
	kvfree(p->pages);
	if (p->user) {
		atomic_long_sub(npages, &p->user->locked_vm);
		atomic64_sub(npages, &p->mm->pinned_vm);
		free_uid(p->user);
	}
	mmdrop(p->mm);
	kfree(p);
}

/* Pin the user pages behind [p->iova, p->last]; iova_rwsem held. */
static int s2_pin_pages(struct io_pagetable *iopt, struct iommufd_s2_pin *p)
{
	struct iopt_area_contig_iter iter;
	struct iopt_area *area;
	long got;

	iopt_for_each_contig_area(&iter, area, iopt, p->iova, p->last) {
		unsigned long first = max(p->iova, iopt_area_iova(area));
		unsigned long last = min(p->last, iopt_area_last_iova(area));
		unsigned long n = (last - first + 1) >> PAGE_SHIFT;
		unsigned long uva = (uintptr_t)area->pages->uptr +
				    iopt_area_start_byte(area, first);
		unsigned int gup = FOLL_LONGTERM;

		if (area->pages->source_mm != p->mm || area->page_offset ||
		    !PAGE_ALIGNED(iopt_area_iova(area)))
			return -EINVAL;
		if (!(area->iommu_prot & IOMMU_WRITE))
			p->writable = false;
		else
			gup |= FOLL_WRITE;
		if (!mmget_not_zero(p->mm))
			return -EFAULT;
		mmap_read_lock(p->mm);
		while (n) {
			got = pin_user_pages_remote(p->mm, uva, n, gup,
						    p->pages + p->npinned,
						    NULL);
			if (got <= 0)
				break;
			p->npinned += got;
			uva += got << PAGE_SHIFT;
			n -= got;
		}
		mmap_read_unlock(p->mm);
		mmput(p->mm);
		if (n)
			return got < 0 ? got : -EFAULT;
	}
	return iopt_area_contig_done(&iter) ? 0 : -ENOENT;
}

/* Map the pinned pages, a physically contiguous run at a time. */
static int s2_pin_map(struct iommufd_s2 *s2, struct iommufd_s2_pin *p)
{
	u32 prot = TDPMMU_PROT_READ | (p->writable ? TDPMMU_PROT_WRITE : 0);
	struct tdpmmu *t = s2->pt.t;
	unsigned long i = 0, j;
	struct tdpmmu_gather g;
	u64 mapped;
	int rc = 0;

	tdpmmu_gather_init(&g);
	while (i < p->npinned && !rc) {
		u64 oa = page_to_phys(p->pages[i]);

		for (j = i + 1; j < p->npinned &&
		     page_to_phys(p->pages[j]) == oa + ((j - i) << PAGE_SHIFT);
		     j++)
			;
		rc = tdpmmu_map_range_gfp(t, s2->pt.root,
					  p->iova + (i << PAGE_SHIFT), oa,
					  (j - i) << PAGE_SHIFT, prot, 0, 0,
					  GFP_KERNEL_ACCOUNT, &mapped, &g);
		i = j;
	}
	tdpmmu_gather_finish(t, &g);
	return rc;
}

/* IOAS mappings cover [@iova, @last]; iova_rwsem held. */
static bool s2_pin_covered(struct io_pagetable *iopt, unsigned long iova,
			   unsigned long last)
{
	struct iopt_area_contig_iter iter;
	struct iopt_area *area;

	iopt_for_each_contig_area(&iter, area, iopt, iova, last)
		;
	return iopt_area_contig_done(&iter);
}

static int s2_pin_add(struct iommufd_s2 *s2, unsigned long iova,
		      unsigned long last)
{
	unsigned long npages = (last - iova + 1) >> PAGE_SHIFT;
	struct io_pagetable *iopt = s2->iopt;
	struct iommufd_s2_pin *p;
	unsigned long index = iova;
	int rc;

	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	p->iova = iova;
	p->last = last;
	p->writable = true;

	down_write(&iopt->iova_rwsem);
	mutex_lock(&s2->ranges_lock);
	/* Checked before anything is sized by the range. */
	rc = -ENOENT;
	if (!s2_pin_covered(iopt, iova, last))
		goto out_unlock;
	p->mm = iopt_area_iter_first(iopt, iova, iova)->pages->source_mm;
	mmgrab(p->mm);
	rc = -EEXIST;
	if (mt_find(&s2->pinned, &index, last))
		goto out_free;
	rc = s2_pin_charge(p, npages);
	if (rc)
		goto out_free;
	rc = -ENOMEM;
	p->pages = kvcalloc(npages, sizeof(*p->pages),
			    GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!p->pages)
		goto out_free;
	rc = s2_pin_pages(iopt, p);
	if (rc)
		goto out_free;
	/* Nothing under inval_rwsem may enter reclaim: GFP_NOWAIT. */
	down_write(&s2->inval_rwsem);
	rc = mtree_insert_range(&s2->pinned, iova, last, p,
				GFP_NOWAIT | __GFP_ACCOUNT);
	up_write(&s2->inval_rwsem);
	if (rc)
		goto out_free;

	/* Faulted translations there give way to the pinned pages. */
	iommufd_s2_zap(s2, iova, last - iova + 1, true);
	rc = s2_pin_map(s2, p);
	mutex_unlock(&s2->ranges_lock);
	up_write(&iopt->iova_rwsem);
	if (rc)
		iommufd_s2_unpin(s2, iova, last);
	return rc;

out_free:
	s2_pin_free(p);
	p = NULL;
out_unlock:
	mutex_unlock(&s2->ranges_lock);
	up_write(&iopt->iova_rwsem);
	kfree(p);
	return rc;
}

/**
 * iommufd_s2_unpin() - unmap and unpin every pinned range meeting a span
 * @s2: the HWPT
 * @first: first IOVA
 * @last: last IOVA
 *
 * Never fails.  Takes s2->ranges_lock.
 */
void iommufd_s2_unpin(struct iommufd_s2 *s2, unsigned long first,
		      unsigned long last)
{
	struct iommufd_s2_pin *p;
	unsigned long index;

	for (;;) {
		mutex_lock(&s2->ranges_lock);
		index = first;
		p = mt_find(&s2->pinned, &index, last);
		if (p) {
			iommufd_s2_mt_erase(&s2->pinned, p->iova, p->last);
			/* Under the lock: a new pin of the range maps after. */
			iommufd_s2_zap(s2, p->iova, p->last - p->iova + 1, true);
		}
		mutex_unlock(&s2->ranges_lock);
		if (!p)
			return;
		s2_pin_free(p);
	}
}

/**
 * iommufd_s2_zap_unpinned() - an invalidation's zap, around pinned ranges
 * @s2: the HWPT
 * @first: first IOVA
 * @last: last IOVA
 * @block: the caller may wait
 *
 * Called with s2->inval_rwsem held for write.
 *
 * Return: 0, or -EAGAIN as iommufd_s2_zap().
 */
int iommufd_s2_zap_unpinned(struct iommufd_s2 *s2, unsigned long first,
			    unsigned long last, bool block)
{
	MA_STATE(mas, &s2->pinned, first, first);
	unsigned long start = first;
	void *entry;
	int rc = 0;

	rcu_read_lock();
	mas_for_each(&mas, entry, last) {
		if (mas.index > start)
			rc = rc ?: iommufd_s2_zap(s2, start, mas.index - start,
						  block);
		if (mas.last >= last)
			goto out;
		start = mas.last + 1;
	}
	rc = rc ?: iommufd_s2_zap(s2, start, last - start + 1, block);
out:
	rcu_read_unlock();
	return rc;
}

/**
 * iommufd_hwpt_fault_pin() - ioctl(IOMMU_HWPT_FAULT_PIN)
 * @ucmd: the ioctl
 *
 * Return: 0; -EOPNOTSUPP for unknown flags or a non-zero reserved field;
 * -EINVAL for a range that is empty, not page aligned or overflows, for a
 * HWPT that is not fault-driven, or IOAS mappings of another process;
 * -ENOENT if IOAS mappings do not cover the range, or (with
 * IOMMU_HWPT_FAULT_UNPIN) no pinned range is there; -EEXIST if it meets
 * a pinned range; -ENOMEM past RLIMIT_MEMLOCK; the pinning's errno.
 */
int iommufd_hwpt_fault_pin(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_fault_pin *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *hwpt_paging;
	unsigned long last, index;
	struct iommufd_s2 *s2;
	int rc;

	if ((cmd->flags & ~IOMMU_HWPT_FAULT_UNPIN) || cmd->__reserved)
		return -EOPNOTSUPP;
	if (!cmd->length || !PAGE_ALIGNED(cmd->iova) ||
	    !PAGE_ALIGNED(cmd->length) ||
	    check_add_overflow(cmd->iova, cmd->length - 1, &last))
		return -EINVAL;
	hwpt_paging = iommufd_get_hwpt_paging(ucmd, cmd->hwpt_id);
	if (IS_ERR(hwpt_paging))
		return PTR_ERR(hwpt_paging);
	s2 = hwpt_paging->common.s2;
	rc = -EINVAL;
	if (!s2)
		goto out_put;
	if (cmd->flags & IOMMU_HWPT_FAULT_UNPIN) {
		index = cmd->iova;
		rc = -ENOENT;
		if (mt_find(&s2->pinned, &index, last)) {
			iommufd_s2_unpin(s2, cmd->iova, last);
			rc = 0;
		}
	} else {
		rc = s2_pin_add(s2, cmd->iova, last);
	}
out_put:
	iommufd_put_object(ucmd->ictx, &hwpt_paging->common.obj);
	return rc;
}
