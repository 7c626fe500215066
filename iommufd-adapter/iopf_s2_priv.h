/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fault-driven stage-2 HWPTs: what iopf_s2.c and iopf_pin.c share.
 */
#ifndef __IOMMUFD_IOPF_S2_PRIV_H
#define __IOMMUFD_IOPF_S2_PRIV_H

#include <linux/bug.h>
#include <linux/gfp.h>
#include <linux/iommu_tdpmmu.h>
#include <linux/maple_tree.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>

/**
 * struct iommufd_s2 - a fault-driven HWPT's state
 * @iopt: its IOAS's table
 * @pt: the domain's lib/tdpmmu table
 * @wq: where faults that may sleep are resolved
 * @iopt_item: on @iopt->s2_list, under @iopt->domains_rwsem
 * @inval_rwsem: read by a fault from its notifier check to the end of its
 *	installs, write by an invalidation and by adding a pinned range
 * @ranges_lock: serializes changes of @ranges and @pinned
 * @ranges: IOVA span of an area -> its struct iommufd_s2_range
 * @pinned: IOVA range -> struct iommufd_s2_pin; read under RCU by
 *	invalidations
 */
struct iommufd_s2 {
	struct io_pagetable *iopt;
	struct iommu_tdpmmu pt;
	struct workqueue_struct *wq;
	struct list_head iopt_item;
	struct rw_semaphore inval_rwsem;
	struct mutex ranges_lock;	/* writers of @ranges, @pinned */
	struct maple_tree ranges;
	struct maple_tree pinned;
};

/**
 * struct iommufd_s2_range - an iopt_area's IOVA span and its notifier
 * @mn: the notifier, on the user VA the area had when first faulted
 * @s2: the HWPT
 * @iova: first IOVA
 * @last: last IOVA
 * @uva: user VA of @iova
 */
struct iommufd_s2_range {
	struct mmu_interval_notifier mn;
	struct iommufd_s2 *s2;
	unsigned long iova;
	unsigned long last;
	unsigned long uva;
};

/*
 * Erase the entry stored at [@first, @last] of @mt.  An RCU maple tree
 * allocates nodes to erase, and mtree_erase() leaves the entry in place
 * when that fails; a caller about to free the entry cannot have that.
 */
static inline void iommufd_s2_mt_erase(struct maple_tree *mt,
				       unsigned long first,
				       unsigned long last)
{
	WARN_ON_ONCE(mtree_store_range(mt, first, last, NULL,
				       GFP_KERNEL | __GFP_NOFAIL));
}

int iommufd_s2_zap(struct iommufd_s2 *s2, u64 iova, u64 size, bool block);
int iommufd_s2_zap_unpinned(struct iommufd_s2 *s2, unsigned long first,
			    unsigned long last, bool block);
void iommufd_s2_unpin(struct iommufd_s2 *s2, unsigned long first,
		      unsigned long last);

#endif /* __IOMMUFD_IOPF_S2_PRIV_H */
