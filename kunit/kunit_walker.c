// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit: hardware-walker stress.  Walkers translate addresses of a 1G
 * mapping continuously, lockless as a device or CPU walker does, while
 * other threads eagerly split and collapse it, fault single pages in with
 * new permissions (which splits), write-protect and unprotect parts of
 * it, and zap and remap pages under the invalidation protocol.
 *
 * Each 2M slice has three kinds of 4K pages:
 * - zap pages (index ZAP): a zapper unmaps one (invalidation begun,
 *   unmap, flush) and maps it again to a new output address, recording
 *   each step in the slice's generation: mapped, being unmapped, unmapped
 *   (the unmap and flush returned), being mapped.  A walk that starts and
 *   ends while the record says "unmapped" must find nothing; one that
 *   starts and ends in the same "mapped" generation must find that
 *   generation's output address: a translation to a page after its unmap
 *   and flush returned, or a miss of a mapped page, is a violation;
 * - permission pages (index PERM and a run of PROT pages): their
 *   permission changes (R or RW), their output address never does;
 * - all others: always RW to the same output address.
 * No page outside a zap page may ever miss.
 */
#include <kunit/test.h>
#include <asm/barrier.h>
#include <linux/atomic.h>
#include <linux/gfp.h>
#include <linux/kthread.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/tdpmmu.h>
#include <linux/tdpmmu_inval.h>

#include "test_fe.h"

#define RW		(TDPMMU_PROT_READ | TDPMMU_PROT_WRITE)
#define WS_BASE		SZ_1G_ULL
#define WS_OA		(5 * SZ_1G_ULL)
#define WS_SLICES	512
#define WS_ZAP		77	/* 4K page index in each 2M slice */
#define WS_PERM		200	/* faulted in with R or RW */
#define WS_PROT		300	/* first of WS_NPROT write-protected ones */
#define WS_NPROT	16
#define WS_OPS		10000
#define WS_WALKERS	2
/* A zap page's generation modulo 4: what the zapper is doing. */
#define WS_MAPPED	0
#define WS_UNMAPPING	1
#define WS_UNMAPPED	2
#define WS_MAPPING	3

/* Roles before WS_WALKER do WS_OPS operations; walkers run until then. */
enum ws_role { WS_SPLIT, WS_COLLAPSE, WS_FAULT, WS_PROTECT, WS_ZAPPER,
	       WS_WALKER, WS_ROLES = WS_WALKER + WS_WALKERS };

struct ws_state {
	struct test_fe *fe;
	struct tdpmmu_inval iv;
	atomic_t stop;
	/* per slice, the zap page's generation; see WS_MAPPED */
	atomic_t gen[WS_SLICES];
};

struct ws_arg {
	struct ws_state *s;
	struct tdpmmu_cache cache;
	unsigned int role;
	unsigned long ops, checked, misses, stale, wrong, bad;
	struct fe_thread th;
};

static u64 ws_addr(unsigned int slice, unsigned int page)
{
	return WS_BASE + slice * SZ_2M_ULL + page * SZ_4K_ULL;
}

/*
 * Output address of a zap page mapped in generation @gen: every other
 * one is its place in the 1G mapping (so its slice can collapse), the
 * others lie 1G away.
 */
static u64 ws_zap_oa(unsigned int slice, unsigned int gen)
{
	return WS_OA + (gen / 4 % 2) * SZ_1G_ULL + slice * SZ_2M_ULL +
	       WS_ZAP * SZ_4K_ULL;
}

static void ws_walk(struct ws_arg *a, struct rnd_state *rnd)
{
	unsigned int slice = prandom_u32_state(rnd) % WS_SLICES;
	unsigned int page = prandom_u32_state(rnd) % 512, g0, g1;
	u64 addr = ws_addr(slice, page), oa;
	struct tdpmmu_leaf leaf;
	int ret;

	/* Mostly zap pages, where the races are. */
	if (prandom_u32_state(rnd) & 1)
		addr = ws_addr(slice, page = WS_ZAP);
	g0 = atomic_read_acquire(&a->s->gen[slice]);
	ret = tdpmmu_lookup(&a->s->fe->t, a->s->fe->root, addr, &leaf);
	/* The lookup's reads before the second look at the generation. */
	smp_rmb();
	g1 = atomic_read(&a->s->gen[slice]);
	oa = leaf.oa + (addr - leaf.addr);
	a->checked++;
	if (page != WS_ZAP) {
		if (ret && !a->misses++)
			pr_err("walker: miss at %llx\n", addr);
		else if (oa != WS_OA + (addr - WS_BASE) ||
			 (leaf.prot != RW &&
			  (leaf.prot != TDPMMU_PROT_READ ||
			   !(page == WS_PERM ||
			     (page >= WS_PROT && page < WS_PROT + WS_NPROT)))))
			a->wrong++;
		return;
	}
	if (g0 != g1)
		return;		/* changed meanwhile: either answer is right */
	if (g0 % 4 == WS_UNMAPPED) {
		if (!ret && !a->stale++)
			pr_err("walker: %llx translates after its unmap\n",
			       addr);
	} else if (g0 % 4 != WS_MAPPED) {
		return;
	} else if (ret) {
		if (!a->misses++)
			pr_err("walker: miss at zap page %llx\n", addr);
	} else if (oa != ws_zap_oa(slice, g0) || leaf.prot != RW) {
		a->wrong++;
	}
}

/* Fill the thread's cache outside the lock; a failure is counted. */
static bool ws_topup(struct ws_arg *a)
{
	if (!tdpmmu_cache_topup(&a->s->fe->t, &a->cache, TDPMMU_MAX_LEVELS,
				GFP_KERNEL))
		return true;
	a->bad++;
	return false;
}

/* Lost a race with a frozen entry: let its owner finish, try again. */
static bool ws_again(int ret)
{
	if (ret != -EAGAIN)
		return false;
	cond_resched();
	return true;
}

/*
 * A notifier's zap of a zap page, then a fault that maps it again at a
 * new output address: the protocol of <linux/tdpmmu_inval.h>.
 */
static void ws_zap(struct ws_arg *a, struct rnd_state *rnd)
{
	unsigned int slice = prandom_u32_state(rnd) % WS_SLICES;
	unsigned int g = atomic_read(&a->s->gen[slice]);
	u64 addr = ws_addr(slice, WS_ZAP), done;
	unsigned long seq;
	int ret;

	if (!ws_topup(a))
		return;
	if (tdpmmu_inval_begin(&a->s->iv, addr, addr + SZ_4K_ULL, true)) {
		a->bad++;
		return;
	}
	atomic_set_release(&a->s->gen[slice], g + WS_UNMAPPING);
	do {
		ret = fe_unmap_cache(a->s->fe, &a->cache, addr, SZ_4K_ULL, 0,
				     &done);
	} while (ws_again(ret));
	/* fe_unmap_cache() returned: unmapped and flushed. */
	if (ret || done != SZ_4K_ULL)
		a->bad++;
	atomic_set_release(&a->s->gen[slice], g + WS_UNMAPPED);
	tdpmmu_inval_end(&a->s->iv, addr, addr + SZ_4K_ULL);

	seq = tdpmmu_inval_seq(&a->s->iv);
	if (tdpmmu_inval_retry(&a->s->iv, seq, addr, addr + SZ_4K_ULL))
		a->bad++;	/* nothing else invalidates this page */
	atomic_set_release(&a->s->gen[slice], g + WS_MAPPING);
	do {
		ret = fe_map_cache(a->s->fe, &a->cache, addr,
				   ws_zap_oa(slice, g + 4), 1, RW);
	} while (ws_again(ret));
	if (ret)
		a->bad++;
	atomic_set_release(&a->s->gen[slice], g + 4);
}

/* A fault of the permission page: R or RW, same output address. */
static void ws_fault(struct ws_arg *a, struct rnd_state *rnd)
{
	unsigned int slice = prandom_u32_state(rnd) % WS_SLICES;
	u64 addr = ws_addr(slice, WS_PERM);
	struct tdpmmu_leaf leaf = {
		.addr = addr, .oa = WS_OA + (addr - WS_BASE), .level = 1,
		.prot = prandom_u32_state(rnd) & 1 ? RW : TDPMMU_PROT_READ,
	};
	struct tdpmmu_gather g;
	u32 linked;
	int ret;

	do {
		if (!ws_topup(a))
			return;
		tdpmmu_gather_init(&g);
		read_lock(&a->s->fe->lock);
		ret = tdpmmu_fault(&a->s->fe->t, a->s->fe->root, &leaf, 0,
				   &a->cache, &linked, &g);
		read_unlock(&a->s->fe->lock);
		tdpmmu_gather_finish(&a->s->fe->t, &g);
	} while (ws_again(ret));
	if (ret < 0)
		a->bad++;
}

/* Take write away from a run of pages, splitting, and give it back. */
static void ws_protect(struct ws_arg *a, struct rnd_state *rnd)
{
	unsigned int slice = prandom_u32_state(rnd) % WS_SLICES, i;
	u64 addr = ws_addr(slice, WS_PROT), done;
	struct tdpmmu_gather g;
	int ret;

	for (i = 0; i < 2; i++) {
		do {
			if (!ws_topup(a))
				return;
			tdpmmu_gather_init(&g);
			read_lock(&a->s->fe->lock);
			ret = tdpmmu_protect(&a->s->fe->t, a->s->fe->root,
					     addr, WS_NPROT * SZ_4K_ULL,
					     i ? TDPMMU_PROT_WRITE : 0,
					     i ? 0 : TDPMMU_PROT_WRITE, 0,
					     &a->cache, &done, &g);
			read_unlock(&a->s->fe->lock);
			tdpmmu_gather_finish(&a->s->fe->t, &g);
		} while (ws_again(ret));
		if (ret)
			a->bad++;
	}
}

static void ws_thread(void *data)
{
	struct ws_arg *a = data;
	struct rnd_state rnd;
	u64 start;
	int ret;

	prandom_seed_state(&rnd, a->role + 23);
	for (a->ops = 0; a->role >= WS_WALKER ? !atomic_read(&a->s->stop) :
	     a->ops < WS_OPS; a->ops++) {
		start = WS_BASE + (prandom_u32_state(&rnd) % WS_SLICES) *
			SZ_2M_ULL;
		switch (a->role) {
		case WS_SPLIT:
			if (a->ops % 64 == 0)
				ret = fe_split_all(a->s->fe, &a->cache, WS_BASE,
						   SZ_1G_ULL, 2, 0);
			else
				ret = fe_split_all(a->s->fe, &a->cache, start,
						   SZ_2M_ULL, 1, 0);
			if (ret && ret != -EAGAIN)
				a->bad++;
			break;
		case WS_COLLAPSE:
			fe_collapse(a->s->fe, a->ops % 64 ? start : WS_BASE,
				    a->ops % 64 ? SZ_2M_ULL : SZ_1G_ULL, 0);
			break;
		case WS_FAULT:
			ws_fault(a, &rnd);
			break;
		case WS_PROTECT:
			ws_protect(a, &rnd);
			break;
		case WS_ZAPPER:
			ws_zap(a, &rnd);
			break;
		default:
			ws_walk(a, &rnd);
			break;
		}
		if (!(a->ops % 16))
			cond_resched();
	}
}

static void tdpmmu_test_walker_stress(struct kunit *test)
{
	struct ws_state *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct ws_arg *a = kunit_kzalloc(test, WS_ROLES * sizeof(*a),
					 GFP_KERNEL);
	unsigned long checked = 0, misses = 0, stale = 0, wrong = 0;
	unsigned int i;
	u64 done;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_NOT_NULL(test, a);
	s->fe = fe_create(test, 4, BIT(2) | BIT(3));
	tdpmmu_inval_init(&s->iv);
	KUNIT_ASSERT_EQ(test, fe_map(s->fe, WS_BASE, WS_OA, 3, RW), 0);
	/* Zap pages start in generation 0, at their own output address. */
	for (i = 0; i < WS_SLICES; i++) {
		KUNIT_ASSERT_EQ(test, fe_unmap_cache(s->fe, &s->fe->cache,
						     ws_addr(i, WS_ZAP),
						     SZ_4K_ULL, 0, &done), 0);
		KUNIT_ASSERT_EQ(test, tdpmmu_cache_topup(&s->fe->t,
							 &s->fe->cache, 4,
							 GFP_KERNEL), 0);
		KUNIT_ASSERT_EQ(test, fe_map(s->fe, ws_addr(i, WS_ZAP),
					     ws_zap_oa(i, 0), 1, RW), 0);
	}
	for (i = 0; i < WS_ROLES; i++) {
		a[i].s = s;
		a[i].role = i;
		fe_thread_start(test, &a[i].th, ws_thread, &a[i], "ws", i);
	}
	for (i = 0; i < WS_WALKER; i++)
		fe_thread_wait(&a[i].th);
	atomic_set(&s->stop, 1);
	for (i = 0; i < WS_ROLES; i++) {
		if (i >= WS_WALKER)
			fe_thread_wait(&a[i].th);
		KUNIT_EXPECT_EQ_MSG(test, a[i].bad, 0, "role %u", i);
		checked += a[i].checked;
		misses += a[i].misses;
		stale += a[i].stale;
		wrong += a[i].wrong;
		tdpmmu_cache_drain(&s->fe->t, &a[i].cache);
	}
	KUNIT_EXPECT_EQ(test, misses, 0);
	KUNIT_EXPECT_EQ(test, stale, 0);
	KUNIT_EXPECT_EQ(test, wrong, 0);
	KUNIT_EXPECT_GT(test, checked, 0);
	kunit_info(test, "%lu translations checked: %lu misses, %lu after unmap, %lu wrong; %lld splits, %lld collapses\n",
		   checked, misses, stale, wrong, fe_stat(s->fe, splits),
		   fe_stat(s->fe, collapses));
	KUNIT_EXPECT_EQ(test, fe_unmap(s->fe, WS_BASE, SZ_1G_ULL,
				       TDPMMU_UNMAP_TABLES, &done), 0);
	tdpmmu_inval_destroy(&s->iv);
	fe_destroy(test, s->fe);
}

static struct kunit_case tdpmmu_walker_cases[] = {
	KUNIT_CASE_SLOW(tdpmmu_test_walker_stress),
	{}
};

static struct kunit_suite tdpmmu_walker_suite = {
	.name = "tdpmmu_walker",
	.test_cases = tdpmmu_walker_cases,
};

kunit_test_suite(tdpmmu_walker_suite);

MODULE_DESCRIPTION("KUnit: lockless walkers against every kind of change");
MODULE_LICENSE("GPL");
