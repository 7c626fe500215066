// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of tdpmmu invalidation tracking: counting of overlapping
 * invalidations, which faults retry, and a fault/invalidate race against
 * a model of the host's page table.
 */
#include <kunit/test.h>
#include <asm/barrier.h>
#include <linux/delay.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/tdpmmu.h>
#include <linux/tdpmmu_inval.h>

#include "test_fe.h"

static struct tdpmmu_inval *iv_create(struct kunit *test)
{
	struct tdpmmu_inval *iv = kunit_kzalloc(test, sizeof(*iv), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, iv);
	tdpmmu_inval_init(iv);
	return iv;
}

#define IN(iv, a, b)	tdpmmu_inval_in_flight(iv, a, b)

/* Overlapping and nested invalidations stay in flight until each ends. */
static void tdpmmu_test_inval_count(struct kunit *test)
{
	struct tdpmmu_inval *iv = iv_create(test);

	KUNIT_EXPECT_EQ(test, tdpmmu_inval_begin(iv, 0x5000, 0x5000, true),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tdpmmu_inval_begin(iv, 0x6000, 0x5000, true),
			-EINVAL);
	KUNIT_ASSERT_EQ(test, tdpmmu_inval_begin(iv, 0, 0xa000, true), 0);
	KUNIT_ASSERT_EQ(test, tdpmmu_inval_begin(iv, 0x5000, 0xf000, true), 0);
	/* Nested inside both, and the same range twice. */
	KUNIT_ASSERT_EQ(test, tdpmmu_inval_begin(iv, 0x6000, 0x7000, true), 0);
	KUNIT_ASSERT_EQ(test, tdpmmu_inval_begin(iv, 0x6000, 0x7000, true), 0);
	KUNIT_EXPECT_TRUE(test, IN(iv, 0x3000, 0x4000));
	KUNIT_EXPECT_TRUE(test, IN(iv, 0xe000, 0xf000));
	KUNIT_EXPECT_FALSE(test, IN(iv, 0xf000, 0x10000));

	tdpmmu_inval_end(iv, 0, 0xa000);
	KUNIT_EXPECT_FALSE(test, IN(iv, 0, 0x5000));
	KUNIT_EXPECT_TRUE(test, IN(iv, 0x5000, 0x6000));
	KUNIT_EXPECT_TRUE(test, IN(iv, 0x9000, 0xa000));
	tdpmmu_inval_end(iv, 0x6000, 0x7000);
	KUNIT_EXPECT_TRUE(test, IN(iv, 0x6000, 0x7000));
	tdpmmu_inval_end(iv, 0x5000, 0xf000);
	KUNIT_EXPECT_FALSE(test, IN(iv, 0x5000, 0x6000));
	KUNIT_EXPECT_TRUE(test, IN(iv, 0x6000, 0x7000));
	KUNIT_EXPECT_FALSE(test, IN(iv, 0x7000, 0x8000));
	tdpmmu_inval_end(iv, 0x6000, 0x7000);
	KUNIT_EXPECT_FALSE(test, IN(iv, 0, ~0ULL));

	/* The top of the address space. */
	KUNIT_ASSERT_EQ(test, tdpmmu_inval_begin(iv, ~0ULL - 0xfff, ~0ULL,
						 true), 0);
	KUNIT_EXPECT_TRUE(test, IN(iv, ~0ULL - 0x1000, ~0ULL));
	tdpmmu_inval_end(iv, ~0ULL - 0xfff, ~0ULL);
	KUNIT_EXPECT_FALSE(test, IN(iv, 0, ~0ULL));
	tdpmmu_inval_destroy(iv);
}

/*
 * A fault retries for an invalidation of its range that is in flight or
 * ended after its snapshot, never for one of another range.
 */
static void tdpmmu_test_inval_retry(struct kunit *test)
{
	struct tdpmmu_inval *iv = iv_create(test);
	unsigned long seq;
	unsigned int i;

	seq = tdpmmu_inval_seq(iv);
	KUNIT_EXPECT_FALSE(test, tdpmmu_inval_retry(iv, seq, 0x1000, 0x2000));

	/* Same range: in flight, then ended after the snapshot. */
	KUNIT_ASSERT_EQ(test, tdpmmu_inval_begin(iv, 0, 0x200000, true), 0);
	KUNIT_EXPECT_TRUE(test, tdpmmu_inval_retry(iv, seq, 0x1000, 0x2000));
	tdpmmu_inval_end(iv, 0, 0x200000);
	KUNIT_EXPECT_TRUE(test, tdpmmu_inval_retry(iv, seq, 0x1000, 0x2000));
	/* A fault that began after the end does not retry. */
	seq = tdpmmu_inval_seq(iv);
	KUNIT_EXPECT_FALSE(test, tdpmmu_inval_retry(iv, seq, 0x1000, 0x2000));

	/* Disjoint: neither in flight nor ended counts. */
	KUNIT_ASSERT_EQ(test, tdpmmu_inval_begin(iv, 0x400000, 0x600000, true),
			0);
	KUNIT_EXPECT_FALSE(test, tdpmmu_inval_retry(iv, seq, 0x1000, 0x2000));
	KUNIT_EXPECT_FALSE(test, tdpmmu_inval_retry(iv, seq, 0x3ff000,
						    0x400000));
	KUNIT_EXPECT_TRUE(test, tdpmmu_inval_retry(iv, seq, 0x3ff000,
						   0x401000));
	tdpmmu_inval_end(iv, 0x400000, 0x600000);
	KUNIT_EXPECT_FALSE(test, tdpmmu_inval_retry(iv, seq, 0x1000, 0x2000));
	KUNIT_EXPECT_TRUE(test, tdpmmu_inval_retry(iv, seq, 0x5ff000,
						   0x600000));
	KUNIT_EXPECT_FALSE(test, tdpmmu_inval_retry(iv, seq, 0x600000,
						    0x601000));

	/* More ended than the history holds: retry, whatever the range. */
	seq = tdpmmu_inval_seq(iv);
	for (i = 0; i < TDPMMU_INVAL_HISTORY; i++) {
		KUNIT_ASSERT_EQ(test, tdpmmu_inval_begin(iv, 0x400000,
							 0x401000, true), 0);
		tdpmmu_inval_end(iv, 0x400000, 0x401000);
	}
	KUNIT_EXPECT_TRUE(test, tdpmmu_inval_retry(iv, seq, 0x1000, 0x2000));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&iv->retries_history), 1);
	tdpmmu_inval_destroy(iv);
}

/*
 * A caller that may not block gets -EAGAIN instead of waiting for the
 * lock or for memory, and then nothing changed: a begin that failed half
 * way took back what it had added.  (The userspace harness fails every
 * allocation that may not sleep, so there the rollback always runs.)
 */
static void tdpmmu_test_inval_nonblock(struct kunit *test)
{
	struct tdpmmu_inval *iv = iv_create(test);
	int ret;

	mutex_lock(&iv->lock);
	KUNIT_EXPECT_EQ(test, tdpmmu_inval_begin(iv, 0, 0x1000, false),
			-EAGAIN);
	mutex_unlock(&iv->lock);
	KUNIT_EXPECT_FALSE(test, IN(iv, 0, ~0ULL));

	KUNIT_ASSERT_EQ(test, tdpmmu_inval_begin(iv, 0x1000, 0x2000, true), 0);
	KUNIT_ASSERT_EQ(test, tdpmmu_inval_begin(iv, 0x3000, 0x4000, true), 0);
	/* One piece in place, then a gap that needs a node. */
	ret = tdpmmu_inval_begin(iv, 0x1000, 0x4000, false);
	kunit_info(test, "non-blocking begin: %d\n", ret);
	if (!ret) {
		KUNIT_EXPECT_TRUE(test, IN(iv, 0x2000, 0x3000));
		tdpmmu_inval_end(iv, 0x1000, 0x4000);
	} else {
		KUNIT_EXPECT_EQ(test, ret, -EAGAIN);
		KUNIT_EXPECT_FALSE(test, IN(iv, 0x2000, 0x3000));
	}
	KUNIT_EXPECT_TRUE(test, IN(iv, 0x1000, 0x2000));
	tdpmmu_inval_end(iv, 0x1000, 0x2000);
	KUNIT_EXPECT_FALSE(test, IN(iv, 0x1000, 0x2000));
	KUNIT_EXPECT_TRUE(test, IN(iv, 0x3000, 0x4000));
	tdpmmu_inval_end(iv, 0x3000, 0x4000);
	KUNIT_EXPECT_FALSE(test, IN(iv, 0, ~0ULL));
	tdpmmu_inval_destroy(iv);
}

/*
 * The race: a host page table (a version per 4K page), an invalidator
 * that begins, changes versions, zaps with the lock held for write and
 * ends, and faulters that snapshot, read a version, and install it under
 * the read lock unless told to retry.  Between invalidations no leaf may
 * map a version older than the host's.  Faults on a disjoint region never
 * retry, unless more invalidations end while one resolves than the history
 * remembers (a preempted thread): those are counted apart.
 */
#define INVAL_SPAN	SZ_2M_ULL
#define INVAL_OTHER	SZ_1G_ULL
#define INVAL_PAGES	(INVAL_SPAN >> 12)
#define INVAL_ROUNDS	4000

struct inval_arg {
	struct test_fe *fe;
	struct tdpmmu_inval *iv;
	u32 *version;
	struct tdpmmu_cache cache;
	unsigned int role;	/* 0: invalidator; 1: faults; 2: disjoint */
	bool *stop;
	unsigned long faults;
	unsigned long retries;
	unsigned long overflows;	/* retries the history cannot avoid */
	unsigned long bad;
	struct fe_thread th;
};

static u64 inval_oa(u64 page, u32 version)
{
	return ((u64)version << 32) | (page << 12);
}

/*
 * With no invalidation in flight (there is one invalidator) and the lock
 * held for write (no fault between its check and its install), every
 * leaf must map the host's current version.
 */
static void inval_check(struct inval_arg *a)
{
	struct tdpmmu_leaf leaf;
	u64 p;

	write_lock(&a->fe->lock);
	for (p = 0; p < INVAL_PAGES; p++)
		if (!tdpmmu_lookup(&a->fe->t, a->fe->root, p << 12, &leaf) &&
		    leaf.oa != inval_oa(p, a->version[p]))
			a->bad++;
	write_unlock(&a->fe->lock);
}

static void inval_invalidate(struct inval_arg *a, struct rnd_state *rnd)
{
	u64 first = prandom_u32_state(rnd) % INVAL_PAGES;
	u64 n = prandom_u32_state(rnd) % 16 + 1, p, unmapped;
	struct tdpmmu_gather g;

	n = min_t(u64, n, INVAL_PAGES - first);
	if (tdpmmu_inval_begin(a->iv, first << 12, (first + n) << 12, true)) {
		a->bad++;
		return;
	}
	for (p = first; p < first + n; p++) {
		/* The host changes its page table; faults read it (acquire). */
		smp_store_release(&a->version[p], a->version[p] + 1);
	}
	/* Let faults run while the range is in flight, also on one CPU. */
	usleep_range(1, 2);
	tdpmmu_gather_init(&g);
	write_lock(&a->fe->lock);
	if (tdpmmu_unmap(&a->fe->t, a->fe->root, first << 12, n << 12,
			 TDPMMU_EXCLUSIVE, NULL, &unmapped, &g))
		a->bad++;
	write_unlock(&a->fe->lock);
	tdpmmu_gather_finish(&a->fe->t, &g);
	tdpmmu_inval_end(a->iv, first << 12, (first + n) << 12);
}

static void inval_fault(struct inval_arg *a, struct rnd_state *rnd)
{
	u64 page = prandom_u32_state(rnd) % INVAL_PAGES;
	u64 base = a->role == 2 ? INVAL_OTHER : 0;
	struct tdpmmu_leaf leaf = { .addr = base + (page << 12), .level = 1,
				    .prot = TDPMMU_PROT_READ };
	struct tdpmmu_gather g;
	unsigned long seq;
	u32 version;
	int ret;

	tdpmmu_cache_topup(&a->fe->t, &a->cache, TDPMMU_MAX_LEVELS,
			   GFP_KERNEL);
	seq = tdpmmu_inval_seq(a->iv);
	/* "Resolve the pfn": read the host's page table, unlocked. */
	version = a->role == 2 ? 0 : smp_load_acquire(&a->version[page]);
	leaf.oa = inval_oa(page, version);
	/*
	 * Resolving takes time: let invalidations begin and end meanwhile,
	 * also on one CPU.
	 */
	if (!(prandom_u32_state(rnd) % 4)) {
		udelay(prandom_u32_state(rnd) % 4 + 1);
		usleep_range(1, 2);
	}
	tdpmmu_gather_init(&g);
	read_lock(&a->fe->lock);
	a->faults++;
	if (tdpmmu_inval_retry(a->iv, seq, leaf.addr, leaf.addr + SZ_4K_ULL)) {
		/*
		 * More invalidations ended while this fault resolved than
		 * the history remembers: it must retry, wherever they were.
		 * Counted apart, so a disjoint fault's precise check stays 0.
		 */
		if (tdpmmu_inval_seq(a->iv) - seq >= TDPMMU_INVAL_HISTORY)
			a->overflows++;
		else
			a->retries++;
	} else {
		ret = tdpmmu_map(&a->fe->t, a->fe->root, &leaf, &a->cache, &g);
		if (ret && ret != -EEXIST && ret != -EAGAIN)
			a->bad++;
	}
	read_unlock(&a->fe->lock);
	tdpmmu_gather_finish(&a->fe->t, &g);
}

static void inval_thread(void *data)
{
	struct inval_arg *a = data;
	struct rnd_state rnd;
	unsigned int i;

	prandom_seed_state(&rnd, a->role + 7);
	if (!a->role) {
		for (i = 0; i < INVAL_ROUNDS; i++) {
			inval_check(a);
			inval_invalidate(a, &rnd);
			if (!(i % 64))
				cond_resched();
		}
		WRITE_ONCE(*a->stop, true);
	} else {
		for (i = 0; !READ_ONCE(*a->stop); i++) {
			inval_fault(a, &rnd);
			if (!(i % 64))
				cond_resched();
		}
	}
}

static void tdpmmu_test_inval_race(struct kunit *test)
{
	struct test_fe *fe = fe_create(test, 4, 0);
	struct tdpmmu_inval *iv = iv_create(test);
	struct inval_arg *a = kunit_kzalloc(test, 3 * sizeof(*a), GFP_KERNEL);
	u32 *version = kunit_kzalloc(test, INVAL_PAGES * sizeof(u32),
				     GFP_KERNEL);
	struct tdpmmu_leaf leaf;
	unsigned long stale = 0, mapped = 0;
	bool stop = false;
	unsigned int i;
	u64 p;

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, version);
	for (i = 0; i < 3; i++) {
		a[i] = (struct inval_arg){ .fe = fe, .iv = iv,
					   .version = version, .role = i,
					   .stop = &stop };
		fe_thread_start(test, &a[i].th, inval_thread, &a[i], "inval",
				i);
	}
	for (i = 0; i < 3; i++) {
		fe_thread_wait(&a[i].th);
		KUNIT_EXPECT_EQ(test, a[i].bad, 0);
		tdpmmu_cache_drain(&fe->t, &a[i].cache);
	}
	for (p = 0; p < INVAL_PAGES; p++) {
		if (tdpmmu_lookup(&fe->t, fe->root, p << 12, &leaf))
			continue;
		mapped++;
		if (leaf.oa != inval_oa(p, version[p]))
			stale++;
	}
	KUNIT_EXPECT_EQ(test, stale, 0);
	KUNIT_EXPECT_GT(test, a[1].retries, 0);
	KUNIT_EXPECT_EQ(test, a[2].retries, 0);
	KUNIT_EXPECT_GT(test, a[2].faults, 0);
	kunit_info(test, "%d invalidations; faults %lu (%lu retried), disjoint %lu (%lu retried, %lu after history overflow); %lu mapped at the end\n",
		   INVAL_ROUNDS, a[1].faults, a[1].retries, a[2].faults,
		   a[2].retries, a[2].overflows, mapped);
	KUNIT_EXPECT_EQ(test, fe_unmap(fe, 0, 2 * INVAL_OTHER,
				       TDPMMU_UNMAP_TABLES, &p), 0);
	tdpmmu_inval_destroy(iv);
	fe_destroy(test, fe);
}

static struct kunit_case tdpmmu_inval_cases[] = {
	KUNIT_CASE(tdpmmu_test_inval_count),
	KUNIT_CASE(tdpmmu_test_inval_retry),
	KUNIT_CASE(tdpmmu_test_inval_nonblock),
	KUNIT_CASE_SLOW(tdpmmu_test_inval_race),
	{}
};

static struct kunit_suite tdpmmu_inval_suite = {
	.name = "tdpmmu_inval",
	.test_cases = tdpmmu_inval_cases,
};

kunit_test_suite(tdpmmu_inval_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for tdpmmu invalidation tracking");
