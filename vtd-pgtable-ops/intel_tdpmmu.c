// SPDX-License-Identifier: GPL-2.0-only
/*
 * intel-iommu second-stage paging domains on lib/tdpmmu.
 *
 * A second-stage domain owns one tdpmmu instance of the VT-d format with
 * one root; domain->pgd is that root's table, so context and PASID entry
 * set-up, the IOTLB flushes and the debugfs dump are the driver's as
 * before.  map_pages, unmap_pages, iova_to_phys, read_and_clear_dirty and
 * free go through the library instead of __domain_mapping(),
 * dma_pte_clear_range() and their walkers.
 *
 * Locking: the IOMMU API promises that no two calls map or unmap the same
 * range at once, which is TDPMMU_OWNED; the instance's rwlock is only
 * ever taken for read, so map and unmap of different ranges run in
 * parallel, also from atomic context.
 *
 * Flushing: a flush callback from the library (tables unlinked, or pages
 * split) invalidates the IOTLB and paging-structure caches at once, before
 * the library frees anything.  An unmap that only cleared leaves hands its
 * range to the caller's iommu_iotlb_gather instead, so the DMA API's
 * batched and lazy flushing work as they do without this option.
 */
#include <linux/bitmap.h>
#include <linux/iommu.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/tdpmmu.h>

#include "iommu.h"
#include "../iommu-pages.h"
#include "fmt_vtdss.h"
#include "tdpmmu.h"

/**
 * struct intel_tdp - a second-stage domain's page table
 * @t: the tdpmmu instance
 * @lock: its lock, only ever taken for read
 * @root: its one root; domain->pgd is root->table
 * @domain: the domain
 */
struct intel_tdp {
	struct tdpmmu t;
	rwlock_t lock;
	struct tdpmmu_root *root;
	struct dmar_domain *domain;
};

/*
 * What the library did in this kernel, read-only in
 * /sys/module/tdpmmu/parameters/: proof that the tables a device walks
 * are the library's.
 */
static atomic_long_t stat_domains, stat_tables;
/* Per CPU: every map and unmap counts, and CPUs map in parallel. */
static DEFINE_PER_CPU(unsigned long, stat_maps);
static DEFINE_PER_CPU(unsigned long, stat_unmaps);

static int stat_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(kp->arg));
}

static int stat_pcpu_get(char *buf, const struct kernel_param *kp)
{
	unsigned long __percpu *count = (unsigned long __percpu __force *)kp->arg;
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *per_cpu_ptr(count, cpu);
	return sysfs_emit(buf, "%lu\n", sum);
}

static const struct kernel_param_ops stat_ops = { .get = stat_get };
static const struct kernel_param_ops stat_pcpu_ops = { .get = stat_pcpu_get };
module_param_cb(domains, &stat_ops, &stat_domains, 0444);
MODULE_PARM_DESC(domains, "second-stage domains on lib/tdpmmu now");
module_param_cb(maps, &stat_pcpu_ops, (void __force *)&stat_maps, 0444);
MODULE_PARM_DESC(maps, "map calls served");
module_param_cb(unmaps, &stat_pcpu_ops, (void __force *)&stat_unmaps, 0444);
MODULE_PARM_DESC(unmaps, "unmap calls served");
module_param_cb(tables, &stat_ops, &stat_tables, 0444);
MODULE_PARM_DESC(tables, "page-table pages held now");

static struct intel_tdp *to_tdp(struct tdpmmu *t)
{
	return container_of(t, struct intel_tdp, t);
}

static void *intel_tdp_alloc_table(struct tdpmmu *t, gfp_t gfp)
{
	void *table = iommu_alloc_page_node(READ_ONCE(to_tdp(t)->domain->nid),
					    gfp);

	if (table)
		atomic_long_inc(&stat_tables);
	return table;
}

/* May run from an RCU callback (softirq). */
static void intel_tdp_free_table(struct tdpmmu *t, void *table)
{
	iommu_free_page(table);
	atomic_long_dec(&stat_tables);
}

static void intel_tdp_flush(struct tdpmmu *t, const struct tdpmmu_gather *g)
{
	struct dmar_domain *domain = to_tdp(t)->domain;

	if (g->start == g->end)
		cache_tag_flush_all(domain);
	else
		cache_tag_flush_range(domain, g->start, g->end - 1,
				      !g->tables_changed);
}

static const struct tdpmmu_ops intel_tdp_ops = {
	.alloc_table = intel_tdp_alloc_table,
	.free_table = intel_tdp_free_table,
	.flush = intel_tdp_flush,
};

/*
 * New second-stage domains get their tables from the library, or with
 * enable=0 from the driver's own code, which stays built in; a domain keeps
 * what it was born with.  For comparing the two in one boot.
 */
static bool enable = true;
module_param(enable, bool, 0644);
MODULE_PARM_DESC(enable, "new second-stage domains on lib/tdpmmu (default) or on the driver's own tables");

/**
 * intel_tdp_use() - whether a domain's tables are built by lib/tdpmmu
 * @domain: a paging domain being allocated
 *
 * Return: true for second-stage domains, unless the enable parameter is off.
 */
bool intel_tdp_use(struct dmar_domain *domain)
{
	return READ_ONCE(enable) && !domain->use_first_level;
}

/**
 * intel_tdp_set_enable() - set the enable parameter
 * @on: whether domains allocated from now on use lib/tdpmmu
 *
 * For the benchmark that compares both kinds of domain in one boot.
 *
 * Return: the previous value.
 */
bool intel_tdp_set_enable(bool on)
{
	return xchg(&enable, on);
}

/* Whether @iommu's page walks snoop the CPU caches (ECAP.C or SMPWC). */
static bool intel_tdp_coherent(struct intel_iommu *iommu)
{
	return sm_supported(iommu) ? ecap_smpwc(iommu->ecap) :
				     ecap_coherent(iommu->ecap);
}

/*
 * A domain allocated without a device (the DMA API's) may be mapped before
 * it is attached: size it for every IOMMU that is active, so that no
 * attach has to cut levels off a table that already maps something.
 */
static void intel_tdp_fit_active(struct dmar_domain *domain)
{
	struct dmar_drhd_unit *drhd;
	struct intel_iommu *iommu;
	int superpage = 2;

	domain->iommu_coherency = true;
	rcu_read_lock();
	for_each_active_iommu(iommu, drhd) {
		domain->agaw = min(domain->agaw, iommu->agaw);
		superpage = min(superpage,
				fls(cap_super_page_val(iommu->cap) & 0x3));
		if (!intel_tdp_coherent(iommu))
			domain->iommu_coherency = false;
	}
	rcu_read_unlock();
	domain->gaw = min(domain->gaw, agaw_to_width(domain->agaw));
	domain->iommu_superpage = superpage;
}

/**
 * intel_tdp_init() - give a second-stage domain its table
 * @domain: the domain, with agaw, gaw, iommu_superpage and
 *	iommu_coherency set for the IOMMU it is for
 * @any_iommu: the domain has no device yet: size it for every active IOMMU
 *	instead
 *
 * Context: process context.
 * Return: 0, -ENOMEM.
 */
int intel_tdp_init(struct dmar_domain *domain, bool any_iommu)
{
	struct tdpmmu_params p = { 0 };
	struct intel_tdp *tdp;
	int ret;

	if (any_iommu)
		intel_tdp_fit_active(domain);
	tdp = kzalloc(sizeof(*tdp), GFP_KERNEL);
	if (!tdp)
		return -ENOMEM;
	p.levels = agaw_to_level(domain->agaw);
	p.huge_levels = (domain->iommu_superpage >= 1 ? BIT(2) : 0) |
			(domain->iommu_superpage >= 2 ? BIT(3) : 0);
	p.noncoherent = !domain->iommu_coherency;
	rwlock_init(&tdp->lock);
	tdp->domain = domain;
	ret = tdpmmu_init(&tdp->t, &tdpmmu_vtdss_format, &p, &intel_tdp_ops,
			  &tdp->lock);
	if (ret)
		goto free;
	tdp->root = tdpmmu_root_alloc(&tdp->t, 0, GFP_KERNEL);
	if (!tdp->root) {
		ret = -ENOMEM;
		goto destroy;
	}
	domain->pgd = (struct dma_pte *)tdp->root->table;
	domain->tdp = tdp;
	atomic_long_inc(&stat_domains);
	return 0;
destroy:
	tdpmmu_destroy(&tdp->t);
free:
	kfree(tdp);
	return ret;
}

/**
 * intel_tdp_free() - free a domain's table and everything below it
 * @domain: the domain, attached to no device
 *
 * Context: process context; waits for the tables' RCU grace period.
 */
void intel_tdp_free(struct dmar_domain *domain)
{
	struct intel_tdp *tdp = domain->tdp;

	tdpmmu_root_put(&tdp->t, tdp->root);
	tdpmmu_destroy(&tdp->t);
	domain->pgd = NULL;
	domain->tdp = NULL;
	kfree(tdp);
	atomic_long_dec(&stat_domains);
}

/**
 * intel_tdp_can_attach() - whether a domain's table suits an IOMMU
 * @domain: the domain
 * @iommu: the IOMMU of a device being attached
 *
 * The table's levels and its coherency are fixed when it is made.
 *
 * Return: true if @iommu can walk it.
 */
bool intel_tdp_can_attach(struct dmar_domain *domain, struct intel_iommu *iommu)
{
	struct tdpmmu *t = &domain->tdp->t;

	if (iommu->agaw < domain->agaw)
		return false;
	return t->noncoherent || intel_tdp_coherent(iommu);
}

static int intel_tdp_unmap_range(struct intel_tdp *tdp, u64 iova, u64 size,
				 struct tdpmmu_gather *g, u64 *unmapped)
{
	int ret;

	read_lock(&tdp->lock);
	ret = tdpmmu_unmap(&tdp->t, tdp->root, iova, size,
			   TDPMMU_OWNED | TDPMMU_UNMAP_WHOLE |
			   TDPMMU_UNMAP_TABLES, NULL, unmapped, g);
	read_unlock(&tdp->lock);
	return ret;
}

/**
 * intel_tdp_map() - map a physically contiguous range (map_pages)
 * @domain: the domain
 * @iova: first input address, 4K aligned
 * @phys: first output address, 4K aligned
 * @size: bytes
 * @prot: DMA_PTE_READ, DMA_PTE_WRITE, DMA_PTE_SNP
 * @gfp: flags for page-table pages
 *
 * Uses 2M and 1G leaves where alignment and the IOMMU allow.  On an error
 * nothing of the range stays mapped.
 *
 * Return: 0; -EEXIST if something is mapped there; -ENOMEM; -EINVAL.
 */
int intel_tdp_map(struct dmar_domain *domain, u64 iova, u64 phys, u64 size,
		  int prot, gfp_t gfp)
{
	struct intel_tdp *tdp = domain->tdp;
	u32 tprot = TDPMMU_PROT_READ;
	struct tdpmmu_gather g;
	u64 done, mapped;
	int ret;

	if (prot & DMA_PTE_WRITE)
		tprot |= TDPMMU_PROT_WRITE;
	tdpmmu_gather_init(&g);
	ret = tdpmmu_map_range_gfp(&tdp->t, tdp->root, iova, phys, size, tprot,
				   prot & DMA_PTE_SNP ? VTDSS_SNP : 0,
				   TDPMMU_OWNED, gfp, &done, &g);
	if (ret && done && !intel_tdp_unmap_range(tdp, iova, done, &g,
						  &mapped))
		tdpmmu_gather_finish(&tdp->t, &g);
	if (!ret)
		this_cpu_inc(stat_maps);
	return ret;
}

/**
 * intel_tdp_unmap() - unmap a range (unmap_pages)
 * @domain: the domain
 * @iova: first input address
 * @size: bytes
 * @gather: the caller's gather, for the IOTLB flush of cleared leaves
 *
 * As the driver promises without this option, a large page the range
 * starts or ends inside is unmapped whole, and the size returned covers
 * it; a range with nothing mapped counts as unmapped.
 *
 * Return: the bytes from @iova on that are no longer mapped.
 */
size_t intel_tdp_unmap(struct dmar_domain *domain, u64 iova, size_t size,
		       struct iommu_iotlb_gather *gather)
{
	struct intel_tdp *tdp = domain->tdp;
	struct tdpmmu_gather g;
	u64 unmapped, end;

	tdpmmu_gather_init(&g);
	if (WARN_ON_ONCE(intel_tdp_unmap_range(tdp, iova, size, &g,
					       &unmapped)))
		return 0;
	this_cpu_inc(stat_unmaps);
	if (g.start == g.end)
		return size;
	end = g.end;
	/*
	 * Flush now if tables go, as they may be freed only after it; that
	 * flush covers the leaves too, and intel_iommu_tlb_sync() skips a
	 * gather left empty.
	 */
	if (g.nr_free || g.tables_changed)
		tdpmmu_gather_finish(&tdp->t, &g);
	else if (!iommu_iotlb_gather_queued(gather))
		iommu_iotlb_gather_add_page(&domain->domain, gather, g.start,
					    g.end - g.start);
	return max_t(u64, iova + size, end) - iova;
}

/**
 * intel_tdp_iova_to_phys() - translate, lockless
 * @domain: the domain
 * @iova: input address
 *
 * Return: the output address, 0 if nothing maps @iova.
 */
phys_addr_t intel_tdp_iova_to_phys(struct dmar_domain *domain, u64 iova)
{
	struct tdpmmu_leaf leaf;

	if (tdpmmu_lookup(&domain->tdp->t, domain->tdp->root, iova, &leaf))
		return 0;
	return leaf.oa + (iova - leaf.addr);
}

/**
 * intel_tdp_stats_read() - the library's counters of a domain's table
 * @domain: the domain
 * @stats: filled in
 *
 * For the KUnit tests: table pages held against table pages linked.
 */
void intel_tdp_stats_read(struct dmar_domain *domain,
			  struct tdpmmu_stats *stats)
{
	tdpmmu_stats_read(&domain->tdp->t, stats);
}

#define INTEL_TDP_DIRTY_CHUNK	(SZ_128M >> VTD_PAGE_SHIFT)

/**
 * intel_tdp_read_and_clear_dirty() - report dirty pages (SSADS)
 * @domain: the domain
 * @iova: first input address
 * @size: bytes
 * @flags: IOMMU_DIRTY_NO_CLEAR to leave the dirty bits set
 * @dirty: where to record the dirty pages
 *
 * Huge leaves are reported whole.  The cleared leaves join @dirty's
 * gather, which the caller syncs.
 *
 * Return: 0, -ENOMEM, or an error of the walk.
 */
int intel_tdp_read_and_clear_dirty(struct dmar_domain *domain, u64 iova,
				   size_t size, unsigned long flags,
				   struct iommu_dirty_bitmap *dirty)
{
	struct intel_tdp *tdp = domain->tdp;
	unsigned int tflags = flags & IOMMU_DIRTY_NO_CLEAR ?
			      TDPMMU_DIRTY_NO_CLEAR : 0;
	u64 end = iova + size, len, done;
	unsigned long *bitmap, s, e;
	struct tdpmmu_gather g;
	int ret = 0;

	iova = round_down(iova, VTD_PAGE_SIZE);
	bitmap = bitmap_zalloc(INTEL_TDP_DIRTY_CHUNK, GFP_KERNEL);
	if (!bitmap)
		return -ENOMEM;
	for (; iova < end && !ret; iova += len) {
		len = min_t(u64, round_up(end, VTD_PAGE_SIZE) - iova,
			    (u64)INTEL_TDP_DIRTY_CHUNK << VTD_PAGE_SHIFT);
		bitmap_zero(bitmap, INTEL_TDP_DIRTY_CHUNK);
		tdpmmu_gather_init(&g);
		read_lock(&tdp->lock);
		ret = tdpmmu_read_clear_dirty(&tdp->t, tdp->root, iova, len,
					      tflags, bitmap, NULL, &done, &g);
		read_unlock(&tdp->lock);
		for_each_set_bitrange(s, e, bitmap, INTEL_TDP_DIRTY_CHUNK)
			iommu_dirty_bitmap_record(dirty,
						  iova + (s << VTD_PAGE_SHIFT),
						  (e - s) << VTD_PAGE_SHIFT);
	}
	bitmap_free(bitmap);
	return ret;
}

/**
 * intel_tdp_set_hw_ad() - say whether the IOMMU sets A/D bits (SSADE)
 * @domain: the domain
 * @on: true before SSADE is set in a PASID entry using the domain
 */
void intel_tdp_set_hw_ad(struct dmar_domain *domain, bool on)
{
	tdpmmu_set_hw_ad(&domain->tdp->t, on);
}
