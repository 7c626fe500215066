// SPDX-License-Identifier: GPL-2.0
/*
 * KVM x86's TDP MMU on lib/tdpmmu (CONFIG_KVM_TDPMMU).
 *
 * This file implements tdp_mmu.h in place of tdp_mmu.c and tdp_iter.c.
 * The library walks the tables, installs and changes entries with cmpxchg,
 * splits, collapses, zaps, ages and clears dirty state, and frees tables
 * only after the flush and an RCU grace period.  KVM keeps its policy here:
 *
 * - kvm->mmu_lock is the instance's lock, in the modes tdp_mmu.c uses
 *   (faults, eager split on clear-dirty-log, dirty logging and zapping
 *   invalidated roots under the read lock; MMU notifiers, zap_leafs,
 *   masked dirty clearing and NX recovery under the write lock);
 * - every table page keeps its struct kvm_mmu_page in page->private, set
 *   up by the table_init op, so that mmu.c (fast_page_fault(), the NX
 *   recovery worker, root_to_sp()) finds what it expects;
 * - roots are KVM's reference-counted kvm_mmu_page roots, one library root
 *   each, one library instance per root level (4 or 5);
 * - SPTEs come from make_spte() and become library leaves through
 *   tdp_spte.h; MMIO SPTEs are not cached (an MMIO access is emulated
 *   every time, as with kvm.mmio_caching=0);
 * - the NX huge page mitigation tracks the tables a fault linked where a
 *   huge page was disallowed, and untracks them when they are unlinked;
 * - pages_4k/2m/1g come from the library's per-operation leaf counts (the
 *   account op), nx_lpage_splits from the NX tracking;
 * - a folio is marked dirty when a writable SPTE for it is installed,
 *   since the library does not report the dirty bits of leaves it zaps.
 *
 * The operations flush through the library's gather before they return,
 * so the "flush" results of this API report only what the caller passed
 * in.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "mmu.h"
#include "mmu_internal.h"
#include "mmutrace.h"
#include "tdp_mmu.h"
#include "tdp_spte.h"
#include "spte.h"

#include <linux/tdpmmu.h>

/**
 * struct kvm_tdpmmu - a VM's TDP MMU state on the library
 * @kvm: the VM
 * @sf: how its SPTEs map to library leaves
 * @t: one instance per root level: t[0] for 4-level roots, t[1] for 5
 */
struct kvm_tdpmmu {
	struct kvm *kvm;
	struct kvm_tdpmmu_spte_fmt sf;
	struct tdpmmu t[2];
};

static struct kvm_tdpmmu *to_kt(struct tdpmmu *t)
{
	return container_of(t - (t->levels - PT64_ROOT_4LEVEL),
			    struct kvm_tdpmmu, t[0]);
}

static struct tdpmmu *root_t(struct kvm *kvm, struct kvm_mmu_page *root)
{
	return &kvm->arch.tdpmmu->t[root->role.level - PT64_ROOT_4LEVEL];
}

static struct kvm_mmu_page *table_sp(void *table)
{
	return (struct kvm_mmu_page *)page_private(virt_to_page(table));
}

/* Give a table page its header, as tdp_mmu_init_sp() does. */
static void kt_setup_table(struct kvm_tdpmmu *kt, struct kvm_mmu_page *sp,
			   void *spt)
{
	INIT_LIST_HEAD(&sp->possible_nx_huge_page_link);
	sp->spt = spt;
	sp->tdp_mmu_page = true;
	set_page_private(virt_to_page(spt), (unsigned long)sp);
	kvm_account_pgtable_pages(spt, 1);
	atomic64_inc(&kt->kvm->arch.tdp_mmu_pages);
}

static void *kt_alloc_table(struct tdpmmu *t, gfp_t gfp)
{
	struct kvm_mmu_page *sp;
	struct page *page;

	sp = kmem_cache_zalloc(mmu_page_header_cache, gfp);
	if (!sp)
		return NULL;
	page = alloc_page(gfp | __GFP_ZERO);
	if (!page) {
		kmem_cache_free(mmu_page_header_cache, sp);
		return NULL;
	}
	kt_setup_table(to_kt(t), sp, page_address(page));
	return sp->spt;
}

/* May run in an RCU callback. */
static void kt_free_table(struct tdpmmu *t, void *table)
{
	struct kvm_mmu_page *sp = table_sp(table);

	kvm_account_pgtable_pages(table, -1);
	atomic64_dec(&to_kt(t)->kvm->arch.tdp_mmu_pages);
	set_page_private(virt_to_page(table), 0);
	free_page((unsigned long)table);
	kmem_cache_free(mmu_page_header_cache, sp);
}

/* A table about to be linked below @root: its role, gfn and level. */
static void kt_table_init(struct tdpmmu *t, struct tdpmmu_root *root,
			  void *table, u64 addr, unsigned int level)
{
	struct kvm_mmu_page *sp = table_sp(table);
	struct kvm_mmu_page *root_sp = (struct kvm_mmu_page *)root->tag;

	sp->role = root_sp->role;
	sp->role.level = level;
	sp->gfn = gpa_to_gfn(addr);
	sp->nx_huge_page_disallowed = false;
	trace_kvm_mmu_get_page(sp, true);
}

static void kt_account(struct tdpmmu *t, const struct tdpmmu_gather *g)
{
	struct kvm *kvm = to_kt(t)->kvm;
	int level;

	for (level = PG_LEVEL_4K; level <= KVM_MAX_HUGEPAGE_LEVEL; level++)
		if (g->leaves[level])
			kvm_update_page_stats(kvm, level, g->leaves[level]);
}

/*
 * The tables on @g's free list are unlinked: take them off the NX list
 * and mark them dead (role.invalid) so that a fault that found one before
 * it was unlinked does not track it again.  Then flush.
 */
static void kt_flush(struct tdpmmu *t, const struct tdpmmu_gather *g)
{
	struct kvm *kvm = to_kt(t)->kvm;
	struct kvm_mmu_page *sp;
	struct page *page;

	if (g->nr_free) {
		spin_lock(&kvm->arch.tdp_mmu_pages_lock);
		list_for_each_entry(page, &g->free_list, lru) {
			sp = (struct kvm_mmu_page *)page_private(page);
			sp->role.invalid = true;
			sp->nx_huge_page_disallowed = false;
			untrack_possible_nx_huge_page(kvm, sp);
		}
		spin_unlock(&kvm->arch.tdp_mmu_pages_lock);
	}
	if (g->tables_changed)
		kvm_flush_remote_tlbs(kvm);
	else if (g->start != g->end)
		kvm_flush_remote_tlbs_range(kvm, gpa_to_gfn(g->start),
					    gpa_to_gfn(g->end - g->start));
}

static const struct tdpmmu_ops kt_ops = {
	.alloc_table = kt_alloc_table,
	.free_table = kt_free_table,
	.flush = kt_flush,
	.table_init = kt_table_init,
	.account = kt_account,
};

void kvm_mmu_init_tdp_mmu(struct kvm *kvm)
{
	struct tdpmmu_params p = {
		.huge_levels = BIT(PG_LEVEL_2M) | BIT(PG_LEVEL_1G),
		.hw_ad = kvm_ad_enabled(),
	};
	struct kvm_tdpmmu *kt;
	int i;

	INIT_LIST_HEAD(&kvm->arch.tdp_mmu_roots);
	spin_lock_init(&kvm->arch.tdp_mmu_pages_lock);

	/* Without it, kvm_tdp_mmu_alloc_root() fails with -ENOMEM. */
	kt = kzalloc(sizeof(*kt), GFP_KERNEL_ACCOUNT);
	if (!kt)
		return;
	kt->kvm = kvm;
	kvm_tdpmmu_spte_fmt_init(&kt->sf, shadow_x_mask != 0,
				 shadow_accessed_mask | shadow_dirty_mask);
	for (i = 0; i < ARRAY_SIZE(kt->t); i++) {
		p.levels = PT64_ROOT_4LEVEL + i;
		if (tdpmmu_init(&kt->t[i], kt->sf.fmt, &p, &kt_ops,
				&kvm->mmu_lock)) {
			while (i--)
				tdpmmu_destroy(&kt->t[i]);
			kfree(kt);
			return;
		}
	}
	kvm->arch.tdpmmu = kt;
}

/* Arbitrarily returns true so that this may be used in if statements. */
static __always_inline bool kvm_lockdep_assert_mmu_lock_held(struct kvm *kvm,
							     bool shared)
{
	if (shared)
		lockdep_assert_held_read(&kvm->mmu_lock);
	else
		lockdep_assert_held_write(&kvm->mmu_lock);

	return true;
}

void kvm_mmu_uninit_tdp_mmu(struct kvm *kvm)
{
	struct kvm_tdpmmu *kt = kvm->arch.tdpmmu;
	int i;

	/* Invalidating puts the TDP MMU's reference: every root goes. */
	kvm_tdp_mmu_invalidate_all_roots(kvm);
	kvm_tdp_mmu_zap_invalidated_roots(kvm);

	/* Tables and roots are freed from RCU callbacks that use @kt. */
	rcu_barrier();
	WARN_ON(atomic64_read(&kvm->arch.tdp_mmu_pages));
	WARN_ON(!list_empty(&kvm->arch.tdp_mmu_roots));
	if (!kt)
		return;
	for (i = 0; i < ARRAY_SIZE(kt->t); i++)
		tdpmmu_destroy(&kt->t[i]);
	kfree(kt);
	kvm->arch.tdpmmu = NULL;
}

void kvm_tdp_mmu_put_root(struct kvm *kvm, struct kvm_mmu_page *root)
{
	if (!refcount_dec_and_test(&root->tdp_mmu_root_count))
		return;

	/*
	 * The TDP MMU holds a reference to each root until it is
	 * invalidated: the last reference goes only from an invalid root.
	 */
	KVM_BUG_ON(!is_tdp_mmu_page(root) || !root->role.invalid, kvm);

	spin_lock(&kvm->arch.tdp_mmu_pages_lock);
	list_del_rcu(&root->link);
	spin_unlock(&kvm->arch.tdp_mmu_pages_lock);
	/* Frees the root's table and header after a grace period. */
	tdpmmu_root_put(root_t(kvm, root), root->tdpmmu_root);
}

/*
 * The root of address space @as_id (any if negative) after @prev (the
 * first if NULL) with a reference taken, the reference to @prev put; NULL
 * at the end.  Invalid roots are skipped if @only_valid.  Holding the
 * reference, a loop over the roots may drop mmu_lock; one that stops early
 * keeps it.
 */
static struct kvm_mmu_page *kt_next_root(struct kvm *kvm,
					 struct kvm_mmu_page *prev, int as_id,
					 bool only_valid)
{
	struct kvm_mmu_page *next;

	lockdep_assert_held(&kvm->mmu_lock);
	rcu_read_lock();
	if (prev)
		next = list_next_or_null_rcu(&kvm->arch.tdp_mmu_roots,
					     &prev->link, typeof(*prev), link);
	else
		next = list_first_or_null_rcu(&kvm->arch.tdp_mmu_roots,
					      typeof(*next), link);
	while (next) {
		if ((as_id < 0 || kvm_mmu_page_as_id(next) == as_id) &&
		    (!only_valid || !next->role.invalid) &&
		    kvm_tdp_mmu_get_root(next))
			break;
		next = list_next_or_null_rcu(&kvm->arch.tdp_mmu_roots,
					     &next->link, typeof(*next), link);
	}
	rcu_read_unlock();
	if (prev)
		kvm_tdp_mmu_put_root(kvm, prev);
	return next;
}

int kvm_tdp_mmu_alloc_root(struct kvm_vcpu *vcpu)
{
	struct kvm_mmu *mmu = vcpu->arch.mmu;
	union kvm_mmu_page_role role = mmu->root_role;
	int as_id = kvm_mmu_role_as_id(role);
	struct kvm *kvm = vcpu->kvm;
	struct kvm_tdpmmu *kt = kvm->arch.tdpmmu;
	struct tdpmmu_root *lr;
	struct kvm_mmu_page *root;
	struct tdpmmu *t;

	if (!kt)
		return -ENOMEM;
	if (WARN_ON_ONCE(role.level < PT64_ROOT_4LEVEL ||
			 role.level > PT64_ROOT_5LEVEL))
		return -EINVAL;
	t = &kt->t[role.level - PT64_ROOT_4LEVEL];

	/* Most vCPUs find the root another one made. */
	read_lock(&kvm->mmu_lock);
	for (root = kt_next_root(kvm, NULL, as_id, true); root;
	     root = kt_next_root(kvm, root, as_id, true)) {
		if (root->role.word == role.word)
			goto out_read_unlock;
	}
	read_unlock(&kvm->mmu_lock);

	lr = tdpmmu_root_alloc(t, 0, GFP_KERNEL_ACCOUNT);
	if (!lr)
		return -ENOMEM;

	read_lock(&kvm->mmu_lock);
	spin_lock(&kvm->arch.tdp_mmu_pages_lock);
	/* Another vCPU may have made one meanwhile. */
	list_for_each_entry(root, &kvm->arch.tdp_mmu_roots, link) {
		if (root->role.word == role.word &&
		    !WARN_ON_ONCE(!kvm_tdp_mmu_get_root(root)))
			goto out_spin_unlock;
	}
	root = table_sp(lr->table);
	root->role = role;
	root->gfn = 0;
	root->tdpmmu_root = lr;
	lr->tag = (unsigned long)root;
	/* One reference for the vCPU, one for the TDP MMU until invalidated. */
	refcount_set(&root->tdp_mmu_root_count, 2);
	list_add_rcu(&root->link, &kvm->arch.tdp_mmu_roots);
	trace_kvm_mmu_get_page(root, true);
	lr = NULL;
out_spin_unlock:
	spin_unlock(&kvm->arch.tdp_mmu_pages_lock);
	read_unlock(&kvm->mmu_lock);
	if (lr)
		tdpmmu_root_put(t, lr);
	goto out;
out_read_unlock:
	read_unlock(&kvm->mmu_lock);
out:
	mmu->root.hpa = __pa(root->spt);
	mmu->root.pgd = 0;
	return 0;
}

/*
 * Unmap gfns [@start, @end) of @root with @flags (TDPMMU_UNMAP_WHOLE: leaves
 * only, whole; TDPMMU_UNMAP_TABLES: tables too), flushing before return.
 * A frozen entry (a concurrent operation in shared mode) is waited out.
 */
static void kt_zap(struct kvm *kvm, struct kvm_mmu_page *root, gfn_t start,
		   gfn_t end, unsigned int flags)
{
	struct tdpmmu *t = root_t(kvm, root);
	struct tdpmmu_gather g;
	u64 unmapped;
	int r;

	end = min_t(u64, end, BIT_ULL(t->va_bits - PAGE_SHIFT));
	if (start >= end)
		return;
	do {
		tdpmmu_gather_init(&g);
		r = tdpmmu_unmap(t, root->tdpmmu_root, gfn_to_gpa(start),
				 gfn_to_gpa(end - start), flags, NULL, &unmapped,
				 &g);
		tdpmmu_gather_finish(t, &g);
		if (r == -EAGAIN)
			cpu_relax();
	} while (r == -EAGAIN);
	WARN_ON_ONCE(r);
}

bool kvm_tdp_mmu_zap_sp(struct kvm *kvm, struct kvm_mmu_page *sp)
{
	gfn_t start = sp->gfn, end = sp->gfn + KVM_PAGES_PER_HPAGE(sp->role.level + 1);
	struct kvm_mmu_page *root;

	lockdep_assert_held_write(&kvm->mmu_lock);
	/*
	 * The table is the one that translates [start, end) in one of the
	 * roots of its address space: unmapping that range with its tables
	 * in each of them removes it (and the same tables of the others).
	 */
	list_for_each_entry(root, &kvm->arch.tdp_mmu_roots, link)
		if (kvm_mmu_page_as_id(root) == kvm_mmu_page_as_id(sp))
			kt_zap(kvm, root, start, end,
			       TDPMMU_UNMAP_TABLES | TDPMMU_EXCLUSIVE);
	return false;
}

bool kvm_tdp_mmu_zap_leafs(struct kvm *kvm, gfn_t start, gfn_t end, bool flush)
{
	struct kvm_mmu_page *root;

	lockdep_assert_held_write(&kvm->mmu_lock);
	for (root = kt_next_root(kvm, NULL, -1, true); root;
	     root = kt_next_root(kvm, root, -1, true))
		kt_zap(kvm, root, start, end, TDPMMU_UNMAP_WHOLE |
		       TDPMMU_EXCLUSIVE | TDPMMU_YIELD);
	return flush;
}

void kvm_tdp_mmu_zap_all(struct kvm *kvm)
{
	struct kvm_mmu_page *root;

	lockdep_assert_held_write(&kvm->mmu_lock);
	for (root = kt_next_root(kvm, NULL, -1, false); root;
	     root = kt_next_root(kvm, root, -1, false))
		kt_zap(kvm, root, 0, -1ULL, TDPMMU_UNMAP_TABLES |
		       TDPMMU_EXCLUSIVE | TDPMMU_YIELD);
}

void kvm_tdp_mmu_zap_invalidated_roots(struct kvm *kvm)
{
	struct kvm_mmu_page *root;

	read_lock(&kvm->mmu_lock);
	for (root = kt_next_root(kvm, NULL, -1, false); root;
	     root = kt_next_root(kvm, root, -1, false)) {
		if (!root->tdp_mmu_scheduled_root_to_zap)
			continue;
		root->tdp_mmu_scheduled_root_to_zap = false;
		KVM_BUG_ON(!root->role.invalid, kvm);
		kt_zap(kvm, root, 0, -1ULL,
		       TDPMMU_UNMAP_TABLES | TDPMMU_YIELD);
		/* After the zap: notifiers must reach the root until then. */
		kvm_tdp_mmu_put_root(kvm, root);
	}
	read_unlock(&kvm->mmu_lock);
}

void kvm_tdp_mmu_invalidate_all_roots(struct kvm *kvm)
{
	struct kvm_mmu_page *root;

	/* As tdp_mmu.c: the write lock, unless the VM has no users left. */
	if (IS_ENABLED(CONFIG_PROVE_LOCKING) &&
	    refcount_read(&kvm->users_count) && kvm->created_vcpus)
		lockdep_assert_held_write(&kvm->mmu_lock);

	list_for_each_entry(root, &kvm->arch.tdp_mmu_roots, link) {
		if (!root->role.invalid) {
			root->tdp_mmu_scheduled_root_to_zap = true;
			root->role.invalid = true;
			tdpmmu_root_invalidate(root_t(kvm, root),
					       root->tdpmmu_root);
		}
	}
}

/* One page from the vCPU's caches (filled before mmu_lock) into @cache. */
static int kt_cache_from_vcpu(struct kvm_vcpu *vcpu, struct tdpmmu *t,
			      struct tdpmmu_cache *cache)
{
	struct kvm_mmu_page *sp;
	void *spt;

	if (!vcpu->arch.mmu_shadow_page_cache.nobjs ||
	    !vcpu->arch.mmu_page_header_cache.nobjs)
		return -ENOMEM;
	sp = kvm_mmu_memory_cache_alloc(&vcpu->arch.mmu_page_header_cache);
	spt = kvm_mmu_memory_cache_alloc(&vcpu->arch.mmu_shadow_page_cache);
	/* KVM fills its pages with SHADOW_NONPRESENT_VALUE; ours are 0. */
	clear_page(spt);
	kt_setup_table(to_kt(t), sp, spt);
	return tdpmmu_cache_add(t, cache, spt);
}

/*
 * Track the tables this fault linked where the NX mitigation disallowed
 * a huge page, as tdp_mmu.c does for each table it links at a level the
 * host would have allowed.
 */
static void kt_track_nx(struct kvm *kvm, struct tdpmmu *t,
			struct kvm_mmu_page *root, struct kvm_page_fault *fault,
			u32 linked)
{
	const struct kvm_tdpmmu_spte_fmt *sf = &kvm->arch.tdpmmu->sf;
	tdpmmu_pte_t entries[TDPMMU_MAX_LEVELS + 1];
	struct kvm_mmu_page *sp;
	int level, wl;

	rcu_read_lock();
	wl = tdpmmu_walk(t, root->tdpmmu_root, gfn_to_gpa(fault->gfn),
			 entries, NULL);
	spin_lock(&kvm->arch.tdp_mmu_pages_lock);
	for (level = PG_LEVEL_4K; level < root->role.level; level++) {
		/* The table at @level hangs off the entry at @level + 1. */
		if (!(linked & BIT(level)) || level + 1 > fault->req_level ||
		    level + 1 <= wl)
			continue;
		sp = spte_to_child_sp(kvm_tdpmmu_entry_to_spte(sf,
							       entries[level + 1],
							       level + 1));
		if (sp->role.invalid)
			continue;
		sp->nx_huge_page_disallowed = true;
		track_possible_nx_huge_page(kvm, sp);
	}
	spin_unlock(&kvm->arch.tdp_mmu_pages_lock);
	rcu_read_unlock();
}

static void kt_trace_set_spte(struct tdpmmu *t, struct kvm_mmu_page *root,
			      gfn_t gfn, int level)
{
	tdpmmu_pte_t *last;

	rcu_read_lock();
	tdpmmu_walk(t, root->tdpmmu_root, gfn_to_gpa(gfn), NULL, &last);
	trace_kvm_mmu_set_spte(level, gfn, last);
	rcu_read_unlock();
}

/*
 * Installs a last-level SPTE to handle a TDP page fault.
 * (NPT/EPT violation/misconfiguration)
 */
int kvm_tdp_mmu_map(struct kvm_vcpu *vcpu, struct kvm_page_fault *fault)
{
	struct kvm_mmu_page *root = root_to_sp(vcpu->arch.mmu->root.hpa);
	struct kvm *kvm = vcpu->kvm;
	const struct kvm_tdpmmu_spte_fmt *sf = &kvm->arch.tdpmmu->sf;
	struct tdpmmu *t = root_t(kvm, root);
	tdpmmu_pte_t entries[TDPMMU_MAX_LEVELS + 1];
	struct kvm_mmu_page tmpl = { .role = root->role };
	u64 new_spte, spte, old_spte = SHADOW_NONPRESENT_VALUE;
	struct tdpmmu_cache cache = { 0 };
	struct tdpmmu_gather g;
	struct tdpmmu_leaf leaf;
	u32 linked, linked_all = 0;
	int level, wl, r, ret;
	bool wrprot;
	gfn_t gfn;

	kvm_mmu_hugepage_adjust(vcpu, fault);
	trace_kvm_mmu_spte_requested(fault);

	/* MMIO SPTEs are not cached: emulate (see the top of this file). */
	if (unlikely(!fault->slot))
		return RET_PF_EMULATE;

	rcu_read_lock();
	wl = tdpmmu_walk(t, root->tdpmmu_root, gfn_to_gpa(fault->gfn), entries,
			 NULL);
	for (level = root->role.level; level >= wl &&
	     fault->nx_huge_page_workaround_enabled &&
	     level >= fault->goal_level; level--) {
		spte = kvm_tdpmmu_entry_to_spte(sf, entries[level], level);
		disallowed_hugepage_adjust(fault, spte, level);
	}
	if (wl == fault->goal_level)
		old_spte = kvm_tdpmmu_entry_to_spte(sf, entries[wl], wl);
	rcu_read_unlock();

	gfn = gfn_round_for_level(fault->gfn, fault->goal_level);
	tmpl.role.level = fault->goal_level;
	wrprot = make_spte(vcpu, &tmpl, fault->slot, ACC_ALL, gfn, fault->pfn,
			   old_spte, fault->prefetch, true, fault->map_writable,
			   &new_spte);
	kvm_tdpmmu_spte_to_leaf(sf, new_spte, gfn_to_gpa(gfn),
				fault->goal_level, &leaf);

	tdpmmu_gather_init(&g);
	do {
		r = tdpmmu_fault(t, root->tdpmmu_root, &leaf, 0, &cache,
				 &linked, &g);
		linked_all |= linked;
	} while (r == -ENOMEM && !kt_cache_from_vcpu(vcpu, t, &cache));
	if (fault->huge_page_disallowed && linked_all)
		kt_track_nx(kvm, t, root, fault, linked_all);
	tdpmmu_gather_finish(t, &g);
	tdpmmu_cache_drain(t, &cache);

	switch (r) {
	case 0:
		ret = RET_PF_FIXED;
		break;
	case 1:
		ret = RET_PF_SPURIOUS;
		break;
	default:
		/* A present leaf with another pfn: a missed notifier. */
		WARN_ON_ONCE(r != -EAGAIN && r != -ENOMEM);
		return RET_PF_RETRY;
	}
	if (leaf.prot & TDPMMU_PROT_WRITE)
		kvm_set_pfn_dirty(fault->pfn);
	kvm_set_pfn_accessed(fault->pfn);
	if (wrprot && fault->write)
		ret = RET_PF_WRITE_PROTECTED;
	if (ret == RET_PF_FIXED && trace_kvm_mmu_set_spte_enabled())
		kt_trace_set_spte(t, root, gfn, fault->goal_level);
	return ret;
}

bool kvm_tdp_mmu_unmap_gfn_range(struct kvm *kvm, struct kvm_gfn_range *range,
				 bool flush)
{
	unsigned int flags = TDPMMU_UNMAP_WHOLE | TDPMMU_EXCLUSIVE;
	struct kvm_mmu_page *root;

	if (range->may_block)
		flags |= TDPMMU_YIELD;
	for (root = kt_next_root(kvm, NULL, range->slot->as_id, false); root;
	     root = kt_next_root(kvm, root, range->slot->as_id, false))
		kt_zap(kvm, root, range->start, range->end, flags);
	return flush;
}

static bool kt_age(struct kvm *kvm, struct kvm_gfn_range *range,
		   unsigned int flags)
{
	struct kvm_mmu_page *root;
	struct tdpmmu *t;
	u64 young = 0;
	gfn_t end;

	list_for_each_entry(root, &kvm->arch.tdp_mmu_roots, link) {
		if (kvm_mmu_page_as_id(root) != range->slot->as_id)
			continue;
		t = root_t(kvm, root);
		end = min_t(u64, range->end,
			    BIT_ULL(t->va_bits - PAGE_SHIFT));
		if (range->start < end)
			tdpmmu_age(t, root->tdpmmu_root,
				   gfn_to_gpa(range->start),
				   gfn_to_gpa(end - range->start), flags,
				   &young);
		if (young && flags & TDPMMU_AGE_TEST_ONLY)
			break;
	}
	return young;
}

bool kvm_tdp_mmu_age_gfn_range(struct kvm *kvm, struct kvm_gfn_range *range)
{
	return kt_age(kvm, range, 0);
}

bool kvm_tdp_mmu_test_age_gfn(struct kvm *kvm, struct kvm_gfn_range *range)
{
	return kt_age(kvm, range, TDPMMU_AGE_TEST_ONLY);
}

/* Take write permission away from the leaves of a slot at @min_level up. */
static void kt_wrprot(struct kvm *kvm, struct kvm_mmu_page *root,
		      const struct kvm_memory_slot *slot, int min_level)
{
	unsigned int flags = TDPMMU_YIELD;
	struct tdpmmu *t = root_t(kvm, root);
	u64 addr = gfn_to_gpa(slot->base_gfn), size = gfn_to_gpa(slot->npages);
	struct tdpmmu_gather g;
	u64 done;
	int r;

	if (min_level > PG_LEVEL_4K)
		flags |= TDPMMU_HUGE_ONLY;
	do {
		tdpmmu_gather_init(&g);
		r = tdpmmu_protect(t, root->tdpmmu_root, addr, size, 0,
				   TDPMMU_PROT_WRITE, flags, NULL, &done, &g);
		tdpmmu_gather_finish(t, &g);
		addr += done;
		size -= done;
	} while (r == -EAGAIN);
	WARN_ON_ONCE(r);
}

bool kvm_tdp_mmu_wrprot_slot(struct kvm *kvm,
			     const struct kvm_memory_slot *slot, int min_level)
{
	struct kvm_mmu_page *root;

	lockdep_assert_held_read(&kvm->mmu_lock);
	for (root = kt_next_root(kvm, NULL, slot->as_id, true); root;
	     root = kt_next_root(kvm, root, slot->as_id, true))
		kt_wrprot(kvm, root, slot, min_level);
	return false;
}

bool kvm_tdp_mmu_clear_dirty_slot(struct kvm *kvm,
				  const struct kvm_memory_slot *slot)
{
	struct kvm_mmu_page *root;
	struct tdpmmu_gather g;
	struct tdpmmu *t;
	u64 addr, size, done;
	int r;

	lockdep_assert_held_read(&kvm->mmu_lock);
	for (root = kt_next_root(kvm, NULL, slot->as_id, true); root;
	     root = kt_next_root(kvm, root, slot->as_id, true)) {
		if (!kvm_ad_enabled()) {
			kt_wrprot(kvm, root, slot, PG_LEVEL_4K);
			continue;
		}
		t = root_t(kvm, root);
		addr = gfn_to_gpa(slot->base_gfn);
		size = gfn_to_gpa(slot->npages);
		do {
			tdpmmu_gather_init(&g);
			r = tdpmmu_read_clear_dirty(t, root->tdpmmu_root, addr,
						    size, TDPMMU_YIELD, NULL,
						    NULL, &done, &g);
			tdpmmu_gather_finish(t, &g);
			addr += done;
			size -= done;
		} while (r == -EAGAIN);
		WARN_ON_ONCE(r);
	}
	return false;
}

void kvm_tdp_mmu_clear_dirty_pt_masked(struct kvm *kvm,
				       struct kvm_memory_slot *slot,
				       gfn_t gfn, unsigned long mask,
				       bool wrprot)
{
	unsigned int flags = TDPMMU_EXCLUSIVE;
	struct kvm_mmu_page *root;
	struct tdpmmu_gather g;
	struct tdpmmu *t;

	lockdep_assert_held_write(&kvm->mmu_lock);
	if (wrprot || !kvm_ad_enabled())
		flags |= TDPMMU_DIRTY_WRPROT;
	list_for_each_entry(root, &kvm->arch.tdp_mmu_roots, link) {
		if (root->role.invalid ||
		    kvm_mmu_page_as_id(root) != slot->as_id)
			continue;
		t = root_t(kvm, root);
		tdpmmu_gather_init(&g);
		WARN_ON_ONCE(tdpmmu_clear_dirty_mask(t, root->tdpmmu_root,
						     gfn_to_gpa(gfn), &mask,
						     BITS_PER_LONG, flags, &g));
		/*
		 * Leaves changed their bits, nothing was freed or counted:
		 * the caller flushes the memslot once, after the last mask,
		 * so the gather is dropped instead of flushed 64 pages at a
		 * time.
		 */
		WARN_ON_ONCE(g.nr_free);
	}
}

/* The level where a walk to @gfn stops: a leaf or a hole. */
static int kt_walk_level(struct kvm *kvm, struct kvm_mmu_page *root, gfn_t gfn)
{
	int level;

	rcu_read_lock();
	level = tdpmmu_walk(root_t(kvm, root), root->tdpmmu_root,
			    gfn_to_gpa(gfn), NULL, NULL);
	rcu_read_unlock();
	return level;
}

/*
 * Huge-page recovery after dirty logging: each table of the slot that
 * could be a huge page is collapsed in place where its entries allow it
 * (contiguous, same attributes), zapped otherwise so that the next fault
 * maps it huge.
 */
static void kt_recover_huge_pages(struct kvm *kvm, struct kvm_mmu_page *root,
				  const struct kvm_memory_slot *slot)
{
	gfn_t start = slot->base_gfn, end = start + slot->npages, gfn;
	struct tdpmmu *t = root_t(kvm, root);
	struct tdpmmu_gather g;
	u64 pages, collapsed;
	int level;

	for (level = KVM_MAX_HUGEPAGE_LEVEL; level > PG_LEVEL_4K; level--) {
		pages = KVM_PAGES_PER_HPAGE(level);
		for (gfn = round_up(start, pages); gfn + pages <= end;
		     gfn += pages) {
			/* A table at @level: the walk goes below it. */
			if (kt_walk_level(kvm, root, gfn) >= level ||
			    kvm_mmu_max_mapping_level(kvm, slot, gfn,
						      PG_LEVEL_NUM) < level)
				continue;
			tdpmmu_gather_init(&g);
			tdpmmu_collapse(t, root->tdpmmu_root, gfn_to_gpa(gfn),
					gfn_to_gpa(pages), 0, &collapsed, &g);
			tdpmmu_gather_finish(t, &g);
			if (kt_walk_level(kvm, root, gfn) < level)
				kt_zap(kvm, root, gfn, gfn + pages,
				       TDPMMU_UNMAP_TABLES);
			cond_resched_rwlock_read(&kvm->mmu_lock);
		}
	}
}

void kvm_tdp_mmu_zap_collapsible_sptes(struct kvm *kvm,
				       const struct kvm_memory_slot *slot)
{
	struct kvm_mmu_page *root;

	lockdep_assert_held_read(&kvm->mmu_lock);
	for (root = kt_next_root(kvm, NULL, slot->as_id, true); root;
	     root = kt_next_root(kvm, root, slot->as_id, true))
		kt_recover_huge_pages(kvm, root, slot);
}

bool kvm_tdp_mmu_write_protect_gfn(struct kvm *kvm,
				   struct kvm_memory_slot *slot, gfn_t gfn,
				   int min_level)
{
	tdpmmu_pte_t entries[TDPMMU_MAX_LEVELS + 1];
	struct kvm_mmu_page *root;
	int level;
	u64 spte;

	lockdep_assert_held_write(&kvm->mmu_lock);
	list_for_each_entry(root, &kvm->arch.tdp_mmu_roots, link) {
		if (root->role.invalid ||
		    kvm_mmu_page_as_id(root) != slot->as_id)
			continue;
		rcu_read_lock();
		level = tdpmmu_walk(root_t(kvm, root), root->tdpmmu_root,
				    gfn_to_gpa(gfn), entries, NULL);
		spte = entries[level];
		rcu_read_unlock();
		/*
		 * The leaf goes, rather than losing its writable and
		 * MMU-writable bits: the next fault rebuilds it with
		 * make_spte(), which honours the write tracking.
		 */
		if (level >= min_level && is_shadow_present_pte(spte) &&
		    spte & (PT_WRITABLE_MASK | shadow_mmu_writable_mask))
			kt_zap(kvm, root, gfn, gfn + 1,
			       TDPMMU_UNMAP_WHOLE | TDPMMU_EXCLUSIVE);
	}
	return false;
}

/*
 * Split the huge leaves of gfns [@start, @end) of @root down to
 * @target_level, refilling the page cache without sleeping where
 * possible and else with mmu_lock dropped.
 */
static int kt_split(struct kvm *kvm, struct kvm_mmu_page *root, gfn_t start,
		    gfn_t end, int target_level, bool shared)
{
	unsigned int flags = TDPMMU_YIELD | (shared ? 0 : TDPMMU_EXCLUSIVE);
	u64 addr = gfn_to_gpa(start), size = gfn_to_gpa(end - start), done;
	struct tdpmmu *t = root_t(kvm, root);
	struct tdpmmu_cache cache = { 0 };
	struct tdpmmu_gather g;
	int r;

	for (;;) {
		tdpmmu_gather_init(&g);
		r = tdpmmu_split(t, root->tdpmmu_root, addr, size, target_level,
				 flags, &cache, &done, &g);
		tdpmmu_gather_finish(t, &g);
		addr += done;
		size -= done;
		if (r == -EAGAIN)
			continue;
		if (r != -ENOMEM)
			break;
		/*
		 * One page per huge leaf: eager splitting on clear-dirty-log
		 * splits 64 pages at a time, and pages left in the cache are
		 * freed at the end of each call.
		 */
		if (!tdpmmu_cache_topup(t, &cache, 1, GFP_NOWAIT |
					__GFP_ACCOUNT | __GFP_NOWARN))
			continue;
		if (shared)
			read_unlock(&kvm->mmu_lock);
		else
			write_unlock(&kvm->mmu_lock);
		r = tdpmmu_cache_topup(t, &cache, TDPMMU_CACHE_CAPACITY,
				       GFP_KERNEL_ACCOUNT);
		if (shared)
			read_lock(&kvm->mmu_lock);
		else
			write_lock(&kvm->mmu_lock);
		if (r) {
			trace_kvm_mmu_split_huge_page(start, 0, target_level,
						      r);
			break;
		}
	}
	tdpmmu_cache_drain(t, &cache);
	return r;
}

void kvm_tdp_mmu_try_split_huge_pages(struct kvm *kvm,
				      const struct kvm_memory_slot *slot,
				      gfn_t start, gfn_t end,
				      int target_level, bool shared)
{
	struct kvm_mmu_page *root;

	kvm_lockdep_assert_mmu_lock_held(kvm, shared);
	for (root = kt_next_root(kvm, NULL, slot->as_id, true); root;
	     root = kt_next_root(kvm, root, slot->as_id, true)) {
		if (kt_split(kvm, root, start, end, target_level, shared)) {
			kvm_tdp_mmu_put_root(kvm, root);
			break;
		}
	}
}

/*
 * Return the level of the lowest level SPTE added to sptes.
 * That SPTE may be non-present.
 *
 * Must be called between kvm_tdp_mmu_walk_lockless_{begin,end}.
 */
int kvm_tdp_mmu_get_walk(struct kvm_vcpu *vcpu, u64 addr, u64 *sptes,
			 int *root_level)
{
	struct kvm_mmu_page *root = root_to_sp(vcpu->arch.mmu->root.hpa);
	const struct kvm_tdpmmu_spte_fmt *sf = &vcpu->kvm->arch.tdpmmu->sf;
	tdpmmu_pte_t entries[TDPMMU_MAX_LEVELS + 1];
	int leaf, level;

	*root_level = vcpu->arch.mmu->root_role.level;
	leaf = tdpmmu_walk(root_t(vcpu->kvm, root), root->tdpmmu_root, addr,
			   entries, NULL);
	for (level = *root_level; level >= leaf; level--)
		sptes[level] = kvm_tdpmmu_entry_to_spte(sf, entries[level],
							level);
	return leaf;
}

/*
 * Returns the last level spte pointer of the shadow page walk for the given
 * gpa, and sets *spte to the spte value. This spte may be non-preset.
 *
 * Must be called between kvm_tdp_mmu_walk_lockless_{begin,end}; only for
 * fast_page_fault(), which changes the SPTE with cmpxchg as the library
 * does.
 */
u64 *kvm_tdp_mmu_fast_pf_get_last_sptep(struct kvm_vcpu *vcpu, gfn_t gfn,
					u64 *spte)
{
	struct kvm_mmu_page *root = root_to_sp(vcpu->arch.mmu->root.hpa);
	const struct kvm_tdpmmu_spte_fmt *sf = &vcpu->kvm->arch.tdpmmu->sf;
	tdpmmu_pte_t entries[TDPMMU_MAX_LEVELS + 1], *last;
	int level;

	level = tdpmmu_walk(root_t(vcpu->kvm, root), root->tdpmmu_root,
			    gfn_to_gpa(gfn), entries, &last);
	*spte = kvm_tdpmmu_entry_to_spte(sf, entries[level], level);
	return last;
}
