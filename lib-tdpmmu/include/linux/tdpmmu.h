/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tdpmmu: a common two-dimensional-paging MMU library.
 *
 * Locking contract (written out in Documentation/core-api/tdpmmu/tdpmmu.rst):
 *
 * - Every operation that changes the table runs with the instance's lock
 *   (supplied by the front-end) held for read ("shared mode") or for write
 *   ("exclusive mode").  In shared mode every entry change is a cmpxchg; a
 *   lost race re-reads the entry and either retries or returns -EAGAIN.
 * - A table that is unlinked from the tree is first frozen entry by entry
 *   with the format's sentinel, so a concurrent thread in shared mode that
 *   reaches it sees "being changed" and backs off.
 * - Unlinked tables are put on the gather's free list and are handed back to
 *   the front-end only after tdpmmu_gather_finish() has called the
 *   front-end's flush and an RCU grace period has elapsed.
 * - Lockless lookups run under rcu_read_lock() and tolerate frozen and
 *   concurrently changing entries.
 */
#ifndef _LINUX_TDPMMU_H
#define _LINUX_TDPMMU_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/atomic.h>
#include <linux/percpu.h>

/** typedef tdpmmu_pte_t - one page-table entry as the hardware sees it */
typedef u64 tdpmmu_pte_t;

#define TDPMMU_MAX_LEVELS	5
#define TDPMMU_LEVEL_BITS	9
#define TDPMMU_PTES_PER_TABLE	BIT(TDPMMU_LEVEL_BITS)
#define TDPMMU_GRANULE_SHIFT	12

/* Format-neutral permissions of a leaf. */
#define TDPMMU_PROT_READ	BIT(0)
#define TDPMMU_PROT_WRITE	BIT(1)
#define TDPMMU_PROT_EXEC	BIT(2)
#define TDPMMU_PROT_MASK	(TDPMMU_PROT_READ | TDPMMU_PROT_WRITE | \
				 TDPMMU_PROT_EXEC)

/* Flags of the range operations (unmap, split, protect, collapse) */
#define TDPMMU_UNMAP_TABLES	BIT(0)	/* unmap: also free covered tables */
#define TDPMMU_YIELD		BIT(1)	/* may drop the lock to reschedule */
#define TDPMMU_EXCLUSIVE	BIT(2)	/* the lock is held for write */
/*
 * map_range, unmap: the caller guarantees that no other operation (map,
 * unmap, split, collapse, protect) runs on this range meanwhile, the
 * IOMMU API's contract for map_pages/unmap_pages.  Leaves, and tables
 * that lie wholly inside the range, are then written with plain stores;
 * tables are still linked and unlinked with cmpxchg, as other ranges
 * share the entries above them.
 */
#define TDPMMU_OWNED		BIT(3)
/*
 * unmap: the caller may not sleep (an MMU notifier that may not block):
 * no yield, and a page for a split comes from the cache or from a
 * GFP_NOWAIT allocation; where neither is possible the unmap stops with
 * -EAGAIN.
 */
#define TDPMMU_NONBLOCK		BIT(4)
/*
 * unmap: remove every leaf the range touches whole, never split (what
 * KVM's notifier zap does); needs no memory.
 */
#define TDPMMU_UNMAP_WHOLE	BIT(5)
/* read_clear_dirty: only read the dirty bits, leave them set. */
#define TDPMMU_DIRTY_NO_CLEAR	BIT(6)
/* read_clear_dirty: split huge leaves down to 4K first (needs a cache). */
#define TDPMMU_DIRTY_SPLIT	BIT(7)
/* clear_dirty_mask: take write permission away instead of clearing D. */
#define TDPMMU_DIRTY_WRPROT	BIT(8)
/* age: only test, clear nothing, stop at the first young leaf. */
#define TDPMMU_AGE_TEST_ONLY	BIT(9)
/* protect: leaves above level 1 only; tables of 4K leaves are not entered. */
#define TDPMMU_HUGE_ONLY	BIT(10)

/**
 * tdpmmu_level_shift() - log2 of the size an entry at @level maps
 * @level: 1 for the 4K level, up to TDPMMU_MAX_LEVELS
 *
 * Return: the shift.
 */
static inline unsigned int tdpmmu_level_shift(unsigned int level)
{
	return TDPMMU_GRANULE_SHIFT + TDPMMU_LEVEL_BITS * (level - 1);
}

/**
 * tdpmmu_level_size() - bytes an entry at @level maps
 * @level: 1 for the 4K level, up to TDPMMU_MAX_LEVELS
 *
 * Return: the size in bytes.
 */
static inline u64 tdpmmu_level_size(unsigned int level)
{
	return 1ULL << tdpmmu_level_shift(level);
}

struct tdpmmu;
struct tdpmmu_root;
struct tdpmmu_gather;
struct tdpmmu_cache;

/**
 * struct tdpmmu_leaf - one translation
 * @addr: input address (GPA or IOVA), aligned to the leaf size
 * @oa: output address, aligned to the leaf size
 * @level: level of the leaf (1 = 4K, 2 = 2M, 3 = 1G, ...)
 * @prot: TDPMMU_PROT_* bits
 * @fmt_bits: format-specific bits the front-end adds (memory type,
 *	software bits); must lie within the format's fmt_bits_mask
 */
struct tdpmmu_leaf {
	u64 addr;
	u64 oa;
	unsigned int level;
	u32 prot;
	u64 fmt_bits;
};

/**
 * struct tdpmmu_gather - what an operation changed, for one flush
 * @start: first changed input address
 * @end: end (exclusive) of the changed input addresses; @start == @end
 *	means nothing changed
 * @leaf_levels: bitmask of the levels whose leaf entries changed
 * @tables_changed: a non-leaf entry changed (paging-structure caches)
 * @nr_free: number of tables on @free_list
 * @free_list: unlinked tables, freed after the flush and a grace period;
 *	the front-end may walk it (page->lru) until tdpmmu_gather_finish()
 * @leaves: net number of leaves installed (removed, if negative) per
 *	level; tdpmmu_ops.account sees it
 */
struct tdpmmu_gather {
	u64 start;
	u64 end;
	u32 leaf_levels;
	bool tables_changed;
	unsigned long nr_free;
	struct list_head free_list;
	long leaves[TDPMMU_MAX_LEVELS + 1];
};

/**
 * struct tdpmmu_ops - what the front-end supplies
 * @alloc_table: return the kernel address of a zeroed order-0 page from
 *	the page allocator, or NULL; the core owns the page's lru,
 *	rcu_head and index fields until it hands the page to @free_table,
 *	page->private stays the front-end's
 * @free_table: free a page from @alloc_table; may run in RCU callback
 *	(softirq) context
 * @flush: invalidate the translations @g describes in every TLB and
 *	paging-structure cache; returns only once that is done.  Called
 *	with the instance's lock held as the operation held it
 * @table_init: optional: a table from @alloc_table is about to be linked
 *	below @root, its first entry translating @addr, its entries at
 *	@level; called before every attempt to publish it, so the front-end
 *	can set up what it keeps per table (page->private)
 * @account: optional: called by tdpmmu_gather_finish(), before @flush,
 *	when @g->leaves counts a change, so the front-end can keep its own
 *	per-level statistics exact; also from the RCU callback that frees a
 *	table a shared-mode collapse replaced while writers changed it, with
 *	the correction (softirq context: must not sleep or take the lock)
 */
struct tdpmmu_ops {
	void *(*alloc_table)(struct tdpmmu *t, gfp_t gfp);
	void (*free_table)(struct tdpmmu *t, void *table);
	void (*flush)(struct tdpmmu *t, const struct tdpmmu_gather *g);
	void (*table_init)(struct tdpmmu *t, struct tdpmmu_root *root,
			   void *table, u64 addr, unsigned int level);
	void (*account)(struct tdpmmu *t, const struct tdpmmu_gather *g);
};

/**
 * struct tdpmmu_format - a page-table format and its compiled-in core
 *
 * One of these is generated per format by including the core template
 * after the format's inline helpers; the function pointers are called
 * once per operation, never per entry.
 *
 * @name: short name ("mock", "vtdss", "ept", "x86_64")
 * @min_levels: fewest table levels the format supports
 * @max_levels: most table levels the format supports
 * @huge_levels: bitmask of levels above 1 where the format allows a leaf
 * @fmt_bits_mask: bits a front-end may pass in tdpmmu_leaf.fmt_bits
 * @prot_mask: the TDPMMU_PROT_* bits the format can express; a leaf needs
 *	at least one of them, the others are dropped (x86-64 leaves are
 *	always readable, VT-d has no execute permission)
 * @split_bbm: replacing a huge leaf by a table needs break-before-make
 *	(unmap, flush, then link); false where a hitless split is legal
 * @map: see tdpmmu_map()
 * @map_range: see tdpmmu_map_range()
 * @unmap: see tdpmmu_unmap()
 * @split: see tdpmmu_split()
 * @protect: see tdpmmu_protect()
 * @collapse: see tdpmmu_collapse()
 * @read_clear_dirty: see tdpmmu_read_clear_dirty()
 * @clear_dirty_mask: see tdpmmu_clear_dirty_mask()
 * @age: see tdpmmu_age()
 * @lookup: see tdpmmu_lookup()
 * @fault: see tdpmmu_fault()
 * @walk: see tdpmmu_walk()
 * @zap_root: unlink everything below a root (exclusive use of the root)
 * @count_leaves: the leaves of @level in an unlinked @table (used when a
 *	table that a collapse replaced is freed, see lib-tdpmmu/pt_gate.h)
 */
struct tdpmmu_format {
	const char *name;
	unsigned int min_levels;
	unsigned int max_levels;
	u32 huge_levels;
	u64 fmt_bits_mask;
	u32 prot_mask;
	bool split_bbm;
	int (*map)(struct tdpmmu *t, struct tdpmmu_root *root,
		   const struct tdpmmu_leaf *leaf, struct tdpmmu_cache *cache,
		   struct tdpmmu_gather *g);
	int (*map_range)(struct tdpmmu *t, struct tdpmmu_root *root,
			 u64 addr, u64 oa, u64 size, u32 prot, u64 fmt_bits,
			 unsigned int flags, struct tdpmmu_cache *cache, u64 *mapped,
			 struct tdpmmu_gather *g);
	int (*unmap)(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
		     u64 size, unsigned int flags, struct tdpmmu_cache *cache,
		     u64 *unmapped, struct tdpmmu_gather *g);
	int (*split)(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
		     u64 size, unsigned int level, unsigned int flags,
		     struct tdpmmu_cache *cache, u64 *done,
		     struct tdpmmu_gather *g);
	int (*protect)(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
		       u64 size, u32 set, u32 clear, unsigned int flags,
		       struct tdpmmu_cache *cache, u64 *done,
		       struct tdpmmu_gather *g);
	int (*collapse)(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
			u64 size, unsigned int flags, u64 *collapsed,
			struct tdpmmu_gather *g);
	int (*read_clear_dirty)(struct tdpmmu *t, struct tdpmmu_root *root,
				u64 addr, u64 size, unsigned int flags,
				unsigned long *bitmap,
				struct tdpmmu_cache *cache, u64 *done,
				struct tdpmmu_gather *g);
	int (*clear_dirty_mask)(struct tdpmmu *t, struct tdpmmu_root *root,
				u64 addr, const unsigned long *bitmap,
				unsigned long nbits, unsigned int flags,
				struct tdpmmu_gather *g);
	int (*age)(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
		   u64 size, unsigned int flags, u64 *young);
	int (*lookup)(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
		      struct tdpmmu_leaf *leaf);
	int (*fault)(struct tdpmmu *t, struct tdpmmu_root *root,
		     const struct tdpmmu_leaf *leaf, unsigned int flags,
		     struct tdpmmu_cache *cache, u32 *linked,
		     struct tdpmmu_gather *g);
	int (*walk)(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
		    tdpmmu_pte_t *entries, tdpmmu_pte_t **last);
	void (*zap_root)(struct tdpmmu *t, struct tdpmmu_root *root,
			 struct tdpmmu_gather *g);
	unsigned int (*count_leaves)(const tdpmmu_pte_t *table,
				     unsigned int level);
};

/**
 * struct tdpmmu_params - how an instance is laid out
 * @levels: number of table levels; the root table is at this level
 * @huge_levels: bitmask of levels above 1 where leaves may be installed,
 *	a subset of the format's
 * @hw_ad: hardware sets accessed/dirty bits in this instance's leaves
 *	(EPT with A/D enabled, VT-d with SSADS); see tdpmmu_set_hw_ad()
 * @noncoherent: hardware walks the tables without snooping CPU caches:
 *	the format writes every changed entry back (clflush on x86)
 */
struct tdpmmu_params {
	unsigned int levels;
	u32 huge_levels;
	bool hw_ad;
	bool noncoherent;
};

/**
 * struct tdpmmu_stats - counters of an instance
 *
 * Kept per CPU, so that faults on different CPUs do not bounce a shared
 * cache line: tdpmmu_stat_add() changes this CPU's copy without a lock
 * prefix, tdpmmu_stats_read() sums the copies.  A single copy may go
 * negative (a table linked on one CPU and freed on another); the sum is
 * exact once the operations that changed it have returned and the tables
 * they unlinked have been freed (@leaves of a table that a collapse
 * replaced while writers changed it are corrected then: pt_gate.h).
 *
 * @tables: table pages currently linked, per level
 * @leaves: leaves currently installed, per level
 * @pages: table pages the instance holds from alloc_table (linked,
 *	cached for reuse inside the core, or waiting for RCU)
 * @retries: lost cmpxchg races that were retried
 * @yields: times a walk dropped the lock to reschedule
 * @splits: huge leaves split
 * @collapses: tables collapsed into a huge leaf
 */
struct tdpmmu_stats {
	s64 tables[TDPMMU_MAX_LEVELS + 1];
	s64 leaves[TDPMMU_MAX_LEVELS + 1];
	s64 pages;
	s64 retries;
	s64 yields;
	s64 splits;
	s64 collapses;
};

/**
 * struct tdpmmu_root - one top-level table
 * @table: kernel address of the root table
 * @refcount: references; the last tdpmmu_root_put() tears the root down
 * @invalid: set by tdpmmu_root_invalidate(); no new references
 * @tag: the front-end's (e.g. a role or address-space id)
 * @link: on the instance's list of roots
 */
struct tdpmmu_root {
	tdpmmu_pte_t *table;
	atomic_t refcount;
	bool invalid;
	unsigned long tag;
	struct list_head link;
};

/**
 * struct tdpmmu - one page-table instance
 * @fmt: the format, with its compiled core
 * @ops: front-end callbacks
 * @lock: the front-end's lock (e.g. kvm->mmu_lock)
 * @levels: number of table levels
 * @va_bits: width of the input address
 * @leaf_levels: bitmask of levels where a leaf may be installed
 * @roots_lock: protects @roots
 * @roots: list of struct tdpmmu_root
 * @yield_interval: for tests: a yielding walk also yields after this many
 *	entries, as if rescheduling were due; 0 (the default) in production
 * @hw_ad: hardware may set accessed/dirty bits now (tdpmmu_set_hw_ad())
 * @noncoherent: hardware walks do not snoop CPU caches
 * @stats: counters, per CPU
 */
struct tdpmmu {
	const struct tdpmmu_format *fmt;
	const struct tdpmmu_ops *ops;
	rwlock_t *lock;
	unsigned int levels;
	unsigned int va_bits;
	u32 leaf_levels;
	spinlock_t roots_lock;	/* protects roots */
	struct list_head roots;
	unsigned int yield_interval;
	bool hw_ad;
	bool noncoherent;
	struct tdpmmu_stats __percpu *stats;
};

/**
 * tdpmmu_set_hw_ad() - say whether hardware sets accessed/dirty bits now
 * @t: the instance
 * @on: true before the front-end lets hardware set them (e.g. before it
 *	sets SSADS in VT-d PASID entries for dirty tracking), false only
 *	after hardware stopped and its caches were flushed
 *
 * While it is false, leaves hardware cannot change are cleared with plain
 * stores where the caller owns the range.
 */
static inline void tdpmmu_set_hw_ad(struct tdpmmu *t, bool on)
{
	WRITE_ONCE(t->hw_ad, on);
}

/* Add @val to counter @field (e.g. leaves[1]) of @t, on this CPU. */
#define tdpmmu_stat_add(t, field, val)	this_cpu_add((*(t)->stats).field, (val))

#define TDPMMU_CACHE_CAPACITY	16

/**
 * struct tdpmmu_cache - table pages allocated before taking the lock
 * @nr: pages in @tables
 * @tables: the pages
 */
struct tdpmmu_cache {
	unsigned int nr;
	void *tables[TDPMMU_CACHE_CAPACITY];
};

int tdpmmu_init(struct tdpmmu *t, const struct tdpmmu_format *fmt,
		const struct tdpmmu_params *params,
		const struct tdpmmu_ops *ops, rwlock_t *lock);
void tdpmmu_destroy(struct tdpmmu *t);
void tdpmmu_stats_read(const struct tdpmmu *t, struct tdpmmu_stats *sum);

struct tdpmmu_root *tdpmmu_root_alloc(struct tdpmmu *t, unsigned long tag,
				      gfp_t gfp);
bool tdpmmu_root_get(struct tdpmmu_root *root);
void tdpmmu_root_put(struct tdpmmu *t, struct tdpmmu_root *root);
void tdpmmu_root_invalidate(struct tdpmmu *t, struct tdpmmu_root *root);

int tdpmmu_cache_topup(struct tdpmmu *t, struct tdpmmu_cache *cache,
		       unsigned int min, gfp_t gfp);
int tdpmmu_cache_add(struct tdpmmu *t, struct tdpmmu_cache *cache,
		     void *table);
void tdpmmu_cache_drain(struct tdpmmu *t, struct tdpmmu_cache *cache);

/**
 * tdpmmu_gather_init() - start an empty gather
 * @g: the gather
 *
 * Inline: every map and unmap starts one, and the compiler then sets
 * each field once.
 */
static inline void tdpmmu_gather_init(struct tdpmmu_gather *g)
{
	*g = (struct tdpmmu_gather){ };
	INIT_LIST_HEAD(&g->free_list);
}

void tdpmmu_gather_finish(struct tdpmmu *t, struct tdpmmu_gather *g);

int tdpmmu_map(struct tdpmmu *t, struct tdpmmu_root *root,
	       const struct tdpmmu_leaf *leaf, struct tdpmmu_cache *cache,
	       struct tdpmmu_gather *g);
int tdpmmu_map_range(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
		     u64 oa, u64 size, u32 prot, u64 fmt_bits,
		     unsigned int flags, struct tdpmmu_cache *cache,
		     u64 *mapped, struct tdpmmu_gather *g);
int tdpmmu_map_range_gfp(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
			 u64 oa, u64 size, u32 prot, u64 fmt_bits,
			 unsigned int flags, gfp_t gfp, u64 *mapped,
			 struct tdpmmu_gather *g);
int tdpmmu_unmap(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
		 u64 size, unsigned int flags, struct tdpmmu_cache *cache,
		 u64 *unmapped, struct tdpmmu_gather *g);
int tdpmmu_split(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
		 u64 size, unsigned int level, unsigned int flags,
		 struct tdpmmu_cache *cache, u64 *done, struct tdpmmu_gather *g);
int tdpmmu_protect(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
		   u64 size, u32 set, u32 clear, unsigned int flags,
		   struct tdpmmu_cache *cache, u64 *done,
		   struct tdpmmu_gather *g);
int tdpmmu_collapse(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
		    u64 size, unsigned int flags, u64 *collapsed,
		    struct tdpmmu_gather *g);
int tdpmmu_lookup(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
		  struct tdpmmu_leaf *leaf);
int tdpmmu_fault(struct tdpmmu *t, struct tdpmmu_root *root,
		 const struct tdpmmu_leaf *leaf, unsigned int flags,
		 struct tdpmmu_cache *cache, u32 *linked,
		 struct tdpmmu_gather *g);
int tdpmmu_walk(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
		tdpmmu_pte_t *entries, tdpmmu_pte_t **last);
int tdpmmu_read_clear_dirty(struct tdpmmu *t, struct tdpmmu_root *root,
			    u64 addr, u64 size, unsigned int flags,
			    unsigned long *bitmap, struct tdpmmu_cache *cache,
			    u64 *done, struct tdpmmu_gather *g);
int tdpmmu_clear_dirty_mask(struct tdpmmu *t, struct tdpmmu_root *root,
			    u64 addr, const unsigned long *bitmap,
			    unsigned long nbits, unsigned int flags,
			    struct tdpmmu_gather *g);
int tdpmmu_age(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
	       u64 size, unsigned int flags, u64 *young);

/* Used by the compiled-in core of each format; not for front-ends. */
void *tdpmmu_cache_take(struct tdpmmu_cache *cache);
void tdpmmu_cache_return(struct tdpmmu_cache *cache, void *table);
void tdpmmu_gather_add_range(struct tdpmmu_gather *g, u64 addr, u64 size,
			     unsigned int level);
void tdpmmu_gather_add_table(struct tdpmmu *t, struct tdpmmu_gather *g,
			     void *table);

#endif /* _LINUX_TDPMMU_H */
