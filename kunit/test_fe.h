/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A minimal front-end for the tdpmmu KUnit suites: an instance on the mock
 * format with a private lock, counting allocations and flushes, and
 * helpers that take the lock the way a real front-end would.
 */
#ifndef _TDPMMU_TEST_FE_H
#define _TDPMMU_TEST_FE_H

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/tdpmmu.h>

extern const struct tdpmmu_format tdpmmu_mock_format;
extern const struct tdpmmu_format tdpmmu_mock_bbm_format;
extern const struct tdpmmu_format tdpmmu_mock_ad_format;
/* The real formats, built in with the tests (TDPMMU_KUNIT_TEST). */
extern const struct tdpmmu_format tdpmmu_vtdss_format;
extern const struct tdpmmu_format tdpmmu_ept_format;
extern const struct tdpmmu_format tdpmmu_x86_64_format;

#define SZ_4K_ULL	BIT_ULL(12)
#define SZ_1M_ULL	BIT_ULL(20)
#define SZ_2M_ULL	BIT_ULL(21)
#define SZ_1G_ULL	BIT_ULL(30)

/**
 * struct test_fe - a test front-end
 * @t: the instance
 * @lock: its lock
 * @root: its one root
 * @cache: the helpers' page cache
 * @flushes: calls of the flush callback
 * @allocs: table pages allocated
 * @fail_alloc_after: allocations that still succeed; < 0: never fail
 * @last_gfp: the gfp_t flags of the last allocation
 * @table_inits: calls of the table_init callback
 * @acct: per-level leaf counts kept from the account callback
 */
struct test_fe {
	struct tdpmmu t;
	rwlock_t lock;
	struct tdpmmu_root *root;
	struct tdpmmu_cache cache;
	atomic_t flushes;
	atomic_t allocs;
	atomic_t fail_alloc_after;
	atomic_t last_gfp;
	atomic_t table_inits;
	atomic64_t acct[TDPMMU_MAX_LEVELS + 1];
};

/* Counter @field (e.g. leaves[1]) of @fe's instance, summed over CPUs. */
#define fe_stat(fe, field) ({					\
	struct tdpmmu_stats __sum;				\
								\
	tdpmmu_stats_read(&(fe)->t, &__sum);			\
	__sum.field;						\
})

/**
 * struct fe_thread - one kthread of a concurrent test
 * @fn: its body
 * @arg: what @fn gets
 * @done: completed when @fn has returned
 */
struct fe_thread {
	void (*fn)(void *arg);
	void *arg;
	struct completion done;
};

void fe_thread_start(struct kunit *test, struct fe_thread *th,
		     void (*fn)(void *arg), void *arg, const char *name,
		     unsigned int i);
void fe_thread_wait(struct fe_thread *th);

struct test_fe *fe_create_fmt(struct kunit *test,
			      const struct tdpmmu_format *fmt,
			      unsigned int levels, u32 huge_levels);
struct test_fe *fe_create(struct kunit *test, unsigned int levels,
			  u32 huge_levels);
void fe_destroy(struct kunit *test, struct test_fe *fe);
void fe_lock(struct test_fe *fe, unsigned int flags);
void fe_unlock(struct test_fe *fe, unsigned int flags);
/*
 * One leaf under the read lock from @cache (@fe->cache for a fault), the
 * gather finished after; no top-up: the caller fills the cache.
 */
int fe_map_leaf(struct test_fe *fe, struct tdpmmu_cache *cache,
		const struct tdpmmu_leaf *leaf);
int fe_fault_leaf(struct test_fe *fe, const struct tdpmmu_leaf *leaf,
		  unsigned int flags, u32 *linked);
/* tdpmmu_protect() under the read lock, splits from @cache (NULL: none). */
int fe_protect_cache(struct test_fe *fe, u64 addr, u64 size, u32 set,
		     u32 clear, struct tdpmmu_cache *cache, u64 *done);
int fe_map_cache(struct test_fe *fe, struct tdpmmu_cache *cache, u64 addr,
		 u64 oa, unsigned int level, u32 prot);
int fe_map(struct test_fe *fe, u64 addr, u64 oa, unsigned int level,
	   u32 prot);
int fe_map_range_flags(struct test_fe *fe, u64 addr, u64 oa, u64 size,
		       u32 prot, unsigned int flags, u64 *mapped);
int fe_map_range(struct test_fe *fe, u64 addr, u64 oa, u64 size, u32 prot,
		 u64 *mapped);
int fe_unmap_cache(struct test_fe *fe, struct tdpmmu_cache *cache, u64 addr,
		   u64 size, unsigned int flags, u64 *unmapped);
int fe_unmap(struct test_fe *fe, u64 addr, u64 size, unsigned int flags,
	     u64 *unmapped);
int fe_split_all(struct test_fe *fe, struct tdpmmu_cache *cache, u64 addr,
		 u64 size, unsigned int level, unsigned int flags);
u64 fe_collapse(struct test_fe *fe, u64 addr, u64 size, unsigned int flags);
#define FE_HW_SET_A	BIT(0)
#define FE_HW_SET_D	BIT(1)
int fe_hw_access(struct test_fe *fe, u64 addr, bool write,
		 struct tdpmmu_leaf *leaf);
void expect_leaf(struct kunit *test, struct test_fe *fe, u64 addr, u64 oa,
		 unsigned int level, u32 prot);
void expect_range_step(struct kunit *test, struct test_fe *fe, u64 addr,
		       u64 size, u64 oa, u32 prot, u64 step);
void expect_range(struct kunit *test, struct test_fe *fe, u64 addr, u64 size,
		  u64 oa, u32 prot);
void expect_none(struct kunit *test, struct test_fe *fe, u64 addr);

#endif /* _TDPMMU_TEST_FE_H */
