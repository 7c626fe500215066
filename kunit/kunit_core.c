// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the tdpmmu core on the mock format.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/maple_tree.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/tdpmmu.h>
#include <linux/xarray.h>

#include "test_fe.h"

/* Map, look up and unmap one leaf at every level and size. */
static void tdpmmu_test_map_every_level(struct kunit *test)
{
	const u32 rw = TDPMMU_PROT_READ | TDPMMU_PROT_WRITE;
	unsigned int levels, level;
	struct test_fe *fe;
	u64 addr, oa, size, unmapped;

	for (levels = 2; levels <= 5; levels++) {
		fe = fe_create(test, levels, GENMASK(levels, 2));
		for (level = 1; level <= levels; level++) {
			size = tdpmmu_level_size(level);
			addr = size * 3 % (1ULL << fe->t.va_bits);
			if (level == levels)
				addr = size;
			oa = size * 5;
			KUNIT_ASSERT_EQ(test, fe_map(fe, addr, oa, level, rw), 0);
			KUNIT_EXPECT_EQ(test,
					fe_stat(fe, leaves[level]),
					1);
			expect_leaf(test, fe, addr, oa, level, rw);
			expect_leaf(test, fe, addr + size - SZ_4K_ULL,
				    oa + size - SZ_4K_ULL, level, rw);
			expect_none(test, fe, addr - SZ_4K_ULL);
			expect_none(test, fe, addr + size);
			/* The identical leaf again is fine, another is not. */
			KUNIT_EXPECT_EQ(test, fe_map(fe, addr, oa, level, rw), 0);
			KUNIT_EXPECT_EQ(test, fe_map(fe, addr, oa + size, level,
						     rw), -EEXIST);
			KUNIT_EXPECT_EQ(test, fe_unmap(fe, addr, size,
						       TDPMMU_UNMAP_TABLES,
						       &unmapped), 0);
			KUNIT_EXPECT_EQ(test, unmapped, size);
			expect_none(test, fe, addr);
		}
		fe_destroy(test, fe);
	}
}

static void tdpmmu_test_errors(struct kunit *test)
{
	const u32 r = TDPMMU_PROT_READ;
	struct test_fe *fe = fe_create(test, 4, BIT(2));
	struct tdpmmu_leaf leaf = { .addr = 0, .oa = 0, .level = 1, .prot = r,
				    .fmt_bits = BIT_ULL(63) };
	struct tdpmmu_gather g;
	u64 n;

	/* Misaligned, beyond the VA width, unsupported level, no access. */
	KUNIT_EXPECT_EQ(test, fe_map(fe, 0x1000, 0, 2, r), -EINVAL);
	KUNIT_EXPECT_EQ(test, fe_map(fe, 0, 0x1000, 2, r), -EINVAL);
	KUNIT_EXPECT_EQ(test, fe_map(fe, 0x800, 0, 1, r), -EINVAL);
	KUNIT_EXPECT_EQ(test, fe_map(fe, 1ULL << 48, 0, 1, r), -EINVAL);
	KUNIT_EXPECT_EQ(test, fe_map(fe, 0, 0, 3, r), -EINVAL);
	KUNIT_EXPECT_EQ(test, fe_map(fe, 0, 0, 0, r), -EINVAL);
	KUNIT_EXPECT_EQ(test, fe_map(fe, 0, 0, 6, r), -EINVAL);
	KUNIT_EXPECT_EQ(test, fe_map(fe, 0, 0, 1, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, fe_map(fe, 0, 0, 1, BIT(7)), -EINVAL);
	tdpmmu_gather_init(&g);
	read_lock(&fe->lock);
	KUNIT_EXPECT_EQ(test, tdpmmu_map(&fe->t, fe->root, &leaf, &fe->cache,
					 &g), -EINVAL);
	KUNIT_EXPECT_EQ(test, tdpmmu_unmap(&fe->t, fe->root, 0, 0, 0, NULL, &n,
					   &g),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, tdpmmu_unmap(&fe->t, fe->root, ~0ULL - 0xfff,
					   0x2000, 0, NULL, &n, &g), -EINVAL);
	KUNIT_EXPECT_EQ(test, tdpmmu_unmap(&fe->t, fe->root, 0, 0x1000, BIT(16),
					   NULL, &n, &g), -EINVAL);
	KUNIT_EXPECT_EQ(test, tdpmmu_map_range(&fe->t, fe->root, 0, 0x10,
					       0x1000, r, 0, 0, &fe->cache, &n,
					       &g), -EINVAL);
	KUNIT_EXPECT_EQ(test, tdpmmu_map_range(&fe->t, fe->root, 0, 0,
					       0x1000, r, 0, TDPMMU_YIELD,
					       &fe->cache, &n, &g), -EINVAL);
	KUNIT_EXPECT_EQ(test, tdpmmu_lookup(&fe->t, fe->root, 1ULL << 48,
					    &leaf), -EINVAL);
	read_unlock(&fe->lock);
	tdpmmu_gather_finish(&fe->t, &g);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->flushes), 0);
	/* Nothing was changed by any of it. */
	KUNIT_EXPECT_EQ(test, fe_stat(fe, tables[3]), 0);

	/* Partially covered huge leaf: -EBUSY, nothing removed. */
	KUNIT_ASSERT_EQ(test, fe_map(fe, SZ_2M_ULL, 0, 2, r), 0);
	KUNIT_EXPECT_EQ(test, fe_unmap(fe, SZ_2M_ULL, SZ_4K_ULL, 0, &n),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, n, 0);
	expect_leaf(test, fe, SZ_2M_ULL, 0, 2, r);
	/* A 4K map under the huge leaf is refused, never replaces it. */
	KUNIT_EXPECT_EQ(test, fe_map(fe, SZ_2M_ULL, 0, 1, r), -EEXIST);
	/* A huge map over a table is refused. */
	KUNIT_ASSERT_EQ(test, fe_map(fe, 0, 0, 1, r), 0);
	KUNIT_EXPECT_EQ(test, fe_map(fe, 0, 0, 2, r), -EEXIST);
	fe_destroy(test, fe);
}

/* Allocation failure leaves a consistent table and reports -ENOMEM. */
static void tdpmmu_test_enomem(struct kunit *test)
{
	const u32 r = TDPMMU_PROT_READ;
	struct test_fe *fe = fe_create(test, 4, BIT(2));
	struct tdpmmu_leaf leaf = { .addr = 0x40000000, .oa = 0, .level = 1,
				    .prot = r };
	struct tdpmmu_gather g;
	u64 mapped;
	int i;

	for (i = 0; i < 3; i++) {
		tdpmmu_cache_drain(&fe->t, &fe->cache);
		atomic_set(&fe->fail_alloc_after, i);
		KUNIT_EXPECT_EQ(test, tdpmmu_cache_topup(&fe->t, &fe->cache, 3,
							 GFP_KERNEL), -ENOMEM);
		atomic_set(&fe->fail_alloc_after, -1);
		/* A fresh 512G region: three tables are needed. */
		leaf.addr = (i + 1) * 512 * SZ_1G_ULL;
		tdpmmu_gather_init(&g);
		read_lock(&fe->lock);
		KUNIT_EXPECT_EQ(test, tdpmmu_map(&fe->t, fe->root, &leaf,
						 &fe->cache, &g), -ENOMEM);
		read_unlock(&fe->lock);
		tdpmmu_gather_finish(&fe->t, &g);
		expect_none(test, fe, leaf.addr);
	}
	KUNIT_EXPECT_EQ(test, tdpmmu_cache_topup(&fe->t, &fe->cache,
						 TDPMMU_CACHE_CAPACITY + 1,
						 GFP_KERNEL), -EINVAL);
	/* A range map that runs out stops on a boundary and resumes. */
	tdpmmu_cache_drain(&fe->t, &fe->cache);
	KUNIT_ASSERT_EQ(test, tdpmmu_cache_topup(&fe->t, &fe->cache, 2,
						 GFP_KERNEL), 0);
	tdpmmu_gather_init(&g);
	read_lock(&fe->lock);
	KUNIT_EXPECT_EQ(test, tdpmmu_map_range(&fe->t, fe->root, 0, 0,
					       8 * SZ_2M_ULL + SZ_4K_ULL, r, 0,
					       0, &fe->cache, &mapped, &g),
			-ENOMEM);
	read_unlock(&fe->lock);
	tdpmmu_gather_finish(&fe->t, &g);
	KUNIT_EXPECT_EQ(test, mapped, 8 * SZ_2M_ULL);
	expect_leaf(test, fe, 0, 0, 2, r);
	expect_none(test, fe, 8 * SZ_2M_ULL);
	KUNIT_EXPECT_EQ(test, fe_map_range(fe, mapped, mapped, SZ_4K_ULL, r,
					   &mapped), 0);
	expect_leaf(test, fe, 8 * SZ_2M_ULL, 8 * SZ_2M_ULL, 1, r);
	fe_destroy(test, fe);
}

/* map_range uses the largest leaves that fit; unmap reports exactly. */
static void tdpmmu_test_map_range(struct kunit *test)
{
	const u32 rw = TDPMMU_PROT_READ | TDPMMU_PROT_WRITE;
	struct test_fe *fe = fe_create(test, 4, BIT(2) | BIT(3));
	u64 addr = SZ_1G_ULL - SZ_2M_ULL - SZ_4K_ULL;
	u64 size = SZ_1G_ULL + 2 * SZ_2M_ULL + 2 * SZ_4K_ULL;
	u64 oa = 7 * SZ_1G_ULL - SZ_2M_ULL - SZ_4K_ULL, mapped, unmapped;

	KUNIT_ASSERT_EQ(test, fe_map_range(fe, addr, oa, size, rw, &mapped), 0);
	KUNIT_EXPECT_EQ(test, mapped, size);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[3]), 1);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[2]), 2);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[1]), 2);
	expect_leaf(test, fe, addr, oa, 1, rw);
	expect_leaf(test, fe, addr + SZ_4K_ULL, oa + SZ_4K_ULL, 2, rw);
	expect_leaf(test, fe, SZ_1G_ULL, oa + (SZ_1G_ULL - addr), 3, rw);
	expect_leaf(test, fe, addr + size - SZ_4K_ULL, oa + size - SZ_4K_ULL,
		    1, rw);
	expect_none(test, fe, addr - SZ_4K_ULL);
	expect_none(test, fe, addr + size);
	KUNIT_EXPECT_EQ(test, fe_map_range(fe, addr + size - SZ_4K_ULL, 0,
					   2 * SZ_4K_ULL, rw, &mapped),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, mapped, 0);
	KUNIT_EXPECT_EQ(test, fe_unmap(fe, addr, size, TDPMMU_UNMAP_TABLES,
				       &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, size);
	expect_none(test, fe, SZ_1G_ULL);
	/* The two 4K tables at the ends are only partly covered: kept. */
	KUNIT_EXPECT_EQ(test, fe_stat(fe, tables[1]), 2);
	KUNIT_EXPECT_GT(test, atomic_read(&fe->flushes), 0);

	/* Exclusive mode: plain stores into the kept tables, same result. */
	KUNIT_ASSERT_EQ(test, fe_map_range_flags(fe, addr, oa, size, rw,
						 TDPMMU_EXCLUSIVE, &mapped), 0);
	KUNIT_EXPECT_EQ(test, mapped, size);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[1]), 2);
	expect_leaf(test, fe, addr, oa, 1, rw);
	expect_leaf(test, fe, SZ_1G_ULL, oa + (SZ_1G_ULL - addr), 3, rw);
	expect_leaf(test, fe, addr + size - SZ_4K_ULL, oa + size - SZ_4K_ULL,
		    1, rw);
	KUNIT_EXPECT_EQ(test, fe_map_range_flags(fe, addr - SZ_4K_ULL, 0,
						 2 * SZ_4K_ULL, rw,
						 TDPMMU_EXCLUSIVE, &mapped),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, mapped, SZ_4K_ULL);
	KUNIT_EXPECT_EQ(test, fe_unmap(fe, addr - SZ_4K_ULL, size + SZ_4K_ULL,
				       TDPMMU_UNMAP_TABLES, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, size + SZ_4K_ULL);
	fe_destroy(test, fe);
}

/*
 * A yielding unmap drops the lock, flushes what it removed so far and
 * walks again from the root; forced to yield at every entry it still
 * finishes (it never yields twice at one address) and removes exactly
 * the range, in shared and in exclusive mode.
 */
static void tdpmmu_test_yield(struct kunit *test)
{
	const u64 size = 64 * SZ_2M_ULL + 3 * SZ_4K_ULL;
	struct test_fe *fe = fe_create(test, 4, 0);
	unsigned int pass, flushes;
	u64 mapped, unmapped;
	s64 yields;

	for (pass = 0; pass < 2; pass++) {
		u64 addr = SZ_1G_ULL - 5 * SZ_4K_ULL;
		unsigned int flags = TDPMMU_UNMAP_TABLES | TDPMMU_YIELD;

		if (pass)
			flags |= TDPMMU_EXCLUSIVE;
		KUNIT_ASSERT_EQ(test, fe_map_range(fe, addr, 0, size,
						   TDPMMU_PROT_READ, &mapped), 0);
		fe->t.yield_interval = 1;
		yields = fe_stat(fe, yields);
		flushes = atomic_read(&fe->flushes);
		KUNIT_EXPECT_EQ(test, fe_unmap(fe, addr, size, flags,
					       &unmapped), 0);
		fe->t.yield_interval = 0;
		KUNIT_EXPECT_EQ(test, unmapped, size);
		KUNIT_EXPECT_GT(test, fe_stat(fe, yields), yields + 64);
		KUNIT_EXPECT_GT(test, atomic_read(&fe->flushes), flushes + 64);
		KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[1]), 0);
		expect_none(test, fe, addr);
		expect_none(test, fe, addr + size - SZ_4K_ULL);
	}
	fe_destroy(test, fe);
}

struct race_arg {
	struct test_fe *fe;
	struct tdpmmu_cache cache;	/* per thread, like a per-vCPU cache */
	u64 base;
	unsigned int first;
	unsigned int stride;
	int errors;
	struct fe_thread th;
};

static void race_thread(void *data)
{
	struct race_arg *a = data;
	const u32 r = TDPMMU_PROT_READ;
	unsigned int i;

	for (i = a->first; i < TDPMMU_PTES_PER_TABLE * 4; i += a->stride) {
		u64 addr = a->base + i * SZ_4K_ULL;

		if (fe_map_cache(a->fe, &a->cache, addr, addr, 1, r))
			a->errors++;
		if (!(i % 64))
			cond_resched();
	}
}

/* Two kthreads fault the same and then neighbouring addresses. */
static void tdpmmu_test_race(struct kunit *test)
{
	struct test_fe *fe = fe_create(test, 4, BIT(2));
	struct race_arg a[2];
	unsigned int pass, i;

	for (pass = 0; pass < 2; pass++) {
		u64 base = pass * SZ_1G_ULL + SZ_2M_ULL * 3;

		for (i = 0; i < 2; i++) {
			a[i].fe = fe;
			a[i].base = base;
			a[i].first = pass ? i : 0;	/* same, then interleaved */
			a[i].stride = pass ? 2 : 1;
			a[i].errors = 0;
			a[i].cache.nr = 0;
		}
		for (i = 0; i < 2; i++)
			fe_thread_start(test, &a[i].th, race_thread, &a[i],
					"race", i);
		for (i = 0; i < 2; i++) {
			fe_thread_wait(&a[i].th);
			KUNIT_EXPECT_EQ(test, a[i].errors, 0);
			tdpmmu_cache_drain(&fe->t, &a[i].cache);
		}
		for (i = 0; i < TDPMMU_PTES_PER_TABLE * 4; i++)
			expect_leaf(test, fe, base + i * SZ_4K_ULL,
				    base + i * SZ_4K_ULL, 1, TDPMMU_PROT_READ);
	}
	/* Exactly one table per 2M span: lost races freed their table. */
	KUNIT_EXPECT_EQ(test, fe_stat(fe, tables[1]), 8);
	KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[1]),
			2 * 4 * TDPMMU_PTES_PER_TABLE);
	fe_destroy(test, fe);
}

/*
 * Stress: faulting threads, a thread unmapping (and freeing tables), and
 * a lockless walker, all on one 8M region mapped identity (oa == addr).
 * A walker translation must be absent or exact; teardown leaks nothing.
 */
struct stress_arg {
	struct test_fe *fe;
	struct tdpmmu_cache cache;
	unsigned int role;	/* 0, 1: fault; 2: unmap; 3: lookup; 4, 5: owned */
	unsigned long ops;
	unsigned long bad;
	struct fe_thread th;
};

#define STRESS_SPAN	(2 * SZ_2M_ULL)
#define STRESS_OPS	200000

/*
 * Map and unmap a range inside half @half of a 2M table with TDPMMU_OWNED
 * under the shared lock, while the thread owning the other half does the
 * same in the same leaf table.  Nobody else writes the range, so both
 * calls must do all of it.
 */
static int stress_owned(struct test_fe *fe, struct tdpmmu_cache *cache,
			unsigned int half, u64 addr)
{
	u64 base = half * SZ_1M_ULL, off = addr % SZ_1M_ULL;
	u64 size = min_t(u64, ((addr >> 12) % 64 + 1) << 12, SZ_1M_ULL - off);
	struct tdpmmu_leaf leaf;
	struct tdpmmu_gather g;
	u64 done, unmapped;
	int ret;

	tdpmmu_cache_topup(&fe->t, cache, TDPMMU_CACHE_CAPACITY, GFP_KERNEL);
	tdpmmu_gather_init(&g);
	read_lock(&fe->lock);
	ret = tdpmmu_map_range(&fe->t, fe->root, base + off, base + off, size,
			       TDPMMU_PROT_READ, 0, TDPMMU_OWNED, cache, &done,
			       &g);
	if (!ret && done == size &&
	    !tdpmmu_lookup(&fe->t, fe->root, base + off + size - 1, &leaf) &&
	    leaf.oa == base + off + size - SZ_4K_ULL)
		ret = tdpmmu_unmap(&fe->t, fe->root, base + off, size,
				   TDPMMU_OWNED, NULL, &unmapped, &g);
	else
		ret = -EIO;
	read_unlock(&fe->lock);
	tdpmmu_gather_finish(&fe->t, &g);
	return ret ?: unmapped == size ? 0 : -EIO;
}

static void stress_thread(void *data)
{
	struct stress_arg *a = data;
	struct test_fe *fe = a->fe;
	struct tdpmmu_leaf leaf;
	struct rnd_state rnd;
	u64 addr, n;
	int ret;

	prandom_seed_state(&rnd, a->role + 1);
	for (a->ops = 0; a->ops < STRESS_OPS; a->ops++) {
		addr = (prandom_u32_state(&rnd) % (STRESS_SPAN >> 12)) << 12;
		switch (a->role) {
		case 0:
		case 1:
			ret = fe_map_cache(fe, &a->cache, addr, addr, 1,
					   TDPMMU_PROT_READ);
			if (ret && ret != -EAGAIN)
				a->bad++;
			break;
		case 2:
			ret = fe_unmap(fe, round_down(addr, SZ_2M_ULL),
				       SZ_2M_ULL, TDPMMU_UNMAP_TABLES, &n);
			if (ret && ret != -EAGAIN)
				a->bad++;
			break;
		case 4:
		case 5:
			ret = stress_owned(fe, &a->cache, a->role - 4, addr);
			if (ret)
				a->bad++;
			break;
		default:
			ret = tdpmmu_lookup(&fe->t, fe->root, addr, &leaf);
			if (ret != -ENOENT &&
			    (ret || leaf.oa + (addr - leaf.addr) != addr))
				a->bad++;
			break;
		}
		if (!(a->ops % 256))
			cond_resched();
	}
}

static void tdpmmu_test_stress(struct kunit *test)
{
	struct test_fe *fe = fe_create(test, 4, 0);
	struct stress_arg *a = kunit_kzalloc(test, 4 * sizeof(*a), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, a);
	for (i = 0; i < 4; i++) {
		a[i].fe = fe;
		a[i].role = i;
		fe_thread_start(test, &a[i].th, stress_thread, &a[i], "stress",
				i);
	}
	for (i = 0; i < 4; i++) {
		fe_thread_wait(&a[i].th);
		KUNIT_EXPECT_EQ(test, a[i].bad, 0);
		tdpmmu_cache_drain(&fe->t, &a[i].cache);
	}
	kunit_info(test, "%d threads x %d operations, %lld retries\n", 4,
		   STRESS_OPS, fe_stat(fe, retries));
	fe_destroy(test, fe);
}

/*
 * Two threads map and unmap with TDPMMU_OWNED in the two halves of one
 * leaf table, under the shared lock, while a third translates.
 */
static void tdpmmu_test_owned_race(struct kunit *test)
{
	struct test_fe *fe = fe_create(test, 4, 0);
	struct stress_arg *a = kunit_kzalloc(test, 3 * sizeof(*a), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, a);
	for (i = 0; i < 3; i++) {
		a[i].fe = fe;
		a[i].role = i + 3;
		fe_thread_start(test, &a[i].th, stress_thread, &a[i], "owned",
				i);
	}
	for (i = 0; i < 3; i++) {
		fe_thread_wait(&a[i].th);
		KUNIT_EXPECT_EQ(test, a[i].bad, 0);
		tdpmmu_cache_drain(&fe->t, &a[i].cache);
	}
	KUNIT_EXPECT_EQ(test, fe_stat(fe, leaves[1]), 0);
	fe_destroy(test, fe);
}

/*
 * Random differential test: random range maps and unmaps, every result
 * compared with a reference model kept in a maple tree.
 */
#define REF_BIAS	BIT(40)

static u64 ref_delta(struct maple_tree *mt, u64 addr, bool *present)
{
	void *entry = mtree_load(mt, addr);

	*present = entry;
	return entry ? ((xa_to_value(entry) - REF_BIAS) << 12) : 0;
}

/*
 * One run per seed; make run asks for 10 runs of 10^5 operations (a KUnit
 * case gets 300 s, which 10^6 operations do not fit in under TCG).
 */
static unsigned long random_ops = 100000;
module_param(random_ops, ulong, 0444);
MODULE_PARM_DESC(random_ops, "operations per run of tdpmmu_test_random");
static unsigned int random_runs = 1;
module_param(random_runs, uint, 0444);
MODULE_PARM_DESC(random_runs, "runs (seeds 42, 43, ...) of tdpmmu_test_random");

static const unsigned int random_seeds[] = {
	42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57,
};

static const void *random_gen_params(const void *prev, char *desc)
{
	const unsigned int *seed = prev ? (const unsigned int *)prev + 1 :
					  random_seeds;

	if (seed - random_seeds >= min_t(unsigned int, random_runs,
					 ARRAY_SIZE(random_seeds)))
		return NULL;
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "seed %u", *seed);
	return seed;
}

static void tdpmmu_test_random(struct kunit *test)
{
	const u64 window = 4 * SZ_1G_ULL;
	struct test_fe *fe = fe_create(test, 4, BIT(2) | BIT(3));
	struct rnd_state rnd;
	struct maple_tree mt;
	struct tdpmmu_leaf leaf;
	unsigned long ops, checks = 0;
	u64 addr, size, oa, done, expect, a;
	unsigned long idx;
	bool present;
	void *entry;
	int ret;

	MA_STATE(mas, &mt, 0, 0);

	mt_init(&mt);
	prandom_seed_state(&rnd, *(const unsigned int *)test->param_value);
	for (ops = 0; ops < random_ops; ops++) {
		u32 r = prandom_u32_state(&rnd);

		addr = (prandom_u32_state(&rnd) % (window >> 12)) << 12;
		if (r % 64 == 0) {
			size = SZ_1G_ULL;
			addr = round_down(addr, SZ_1G_ULL);
		} else {
			size = ((prandom_u32_state(&rnd) % 1024) + 1) << 12;
		}
		if (addr + size > window)
			size = window - addr;
		if (r & 1) {
			oa = (((u64)prandom_u32_state(&rnd) << 12) &
			      (SZ_1G_ULL * 64 - 1));
			if (r & 2)
				oa = round_down(oa, SZ_2M_ULL) +
				     (addr & (SZ_2M_ULL - 1));
			if (r & 4)
				oa = round_down(oa, SZ_1G_ULL) +
				     (addr & (SZ_1G_ULL - 1));
			idx = addr;
			entry = mt_find(&mt, &idx, addr + size - 1);
			/* Single-threaded: every caller owns its range. */
			ret = fe_map_range_flags(fe, addr, oa, size,
						 TDPMMU_PROT_READ,
						 r & 16 ? TDPMMU_OWNED : 0,
						 &done);
			if (!entry) {
				KUNIT_ASSERT_EQ(test, ret, 0);
				KUNIT_ASSERT_EQ(test, done, size);
			} else {
				KUNIT_ASSERT_EQ(test, ret, -EEXIST);
				KUNIT_ASSERT_LT(test, done, size);
			}
			entry = xa_mk_value(((oa - addr) >> 12) + REF_BIAS);
			if (done) {
				ret = mtree_store_range(&mt, addr,
							addr + done - 1, entry,
							GFP_KERNEL);
				KUNIT_ASSERT_EQ(test, ret, 0);
			}
		} else if (r % 16 == 2) {
			/* Split and collapse change no translation. */
			ret = fe_split_all(fe, &fe->cache, addr, size,
					   r & 32 ? 1 : 2, 0);
			KUNIT_ASSERT_EQ(test, ret, 0);
		} else if (r % 16 == 4) {
			KUNIT_ASSERT_NE(test, fe_collapse(fe, addr, size, 0),
					~0ULL);
		} else {
			/*
			 * Half of the unmaps split the huge leaves the ends
			 * fall in; the others round out to them.
			 */
			if (r & 8) {
				ret = tdpmmu_cache_topup(&fe->t, &fe->cache,
							 TDPMMU_CACHE_CAPACITY,
							 GFP_KERNEL);
				KUNIT_ASSERT_EQ(test, ret, 0);
			} else if (!tdpmmu_lookup(&fe->t, fe->root, addr,
						  &leaf)) {
				addr = leaf.addr;
			}
			if (!(r & 8) &&
			    !tdpmmu_lookup(&fe->t, fe->root, addr + size - 1,
					   &leaf))
				size = leaf.addr + tdpmmu_level_size(leaf.level)
				       - addr;
			expect = 0;
			rcu_read_lock();
			mas_set(&mas, addr);
			mas_for_each(&mas, entry, addr + size - 1)
				expect += min_t(u64, mas.last, addr + size - 1) -
					  max_t(u64, mas.index, addr) + 1;
			rcu_read_unlock();
			ret = fe_unmap_cache(fe, r & 8 ? &fe->cache : NULL,
					     addr, size,
					     (r & 2 ? TDPMMU_UNMAP_TABLES : 0) |
					     (r & 16 ? TDPMMU_OWNED : 0),
					     &done);
			KUNIT_ASSERT_EQ(test, ret, 0);
			KUNIT_ASSERT_EQ(test, done, expect);
			ret = mtree_store_range(&mt, addr, addr + size - 1,
						NULL, GFP_KERNEL);
			KUNIT_ASSERT_EQ(test, ret, 0);
		}
		/* Probe a few addresses, including both ends. */
		for (a = 0; a < 4; a++) {
			u64 p = a == 0 ? addr : a == 1 ? addr + size - SZ_4K_ULL :
				(prandom_u32_state(&rnd) % (window >> 12)) << 12;
			u64 delta = ref_delta(&mt, p, &present);

			ret = tdpmmu_lookup(&fe->t, fe->root, p, &leaf);
			checks++;
			if (!present) {
				KUNIT_ASSERT_EQ(test, ret, -ENOENT);
				continue;
			}
			KUNIT_ASSERT_EQ(test, ret, 0);
			KUNIT_ASSERT_EQ(test, leaf.oa + (p - leaf.addr), p + delta);
		}
	}
	kunit_info(test, "%lu operations, %lu lookups checked, %lld splits, %lld collapses\n",
		   ops, checks, fe_stat(fe, splits),
		   fe_stat(fe, collapses));
	mtree_destroy(&mt);
	fe_destroy(test, fe);
}

static struct kunit_case tdpmmu_core_cases[] = {
	KUNIT_CASE(tdpmmu_test_map_every_level),
	KUNIT_CASE(tdpmmu_test_errors),
	KUNIT_CASE(tdpmmu_test_enomem),
	KUNIT_CASE(tdpmmu_test_map_range),
	KUNIT_CASE(tdpmmu_test_yield),
	KUNIT_CASE(tdpmmu_test_race),
	KUNIT_CASE(tdpmmu_test_stress),
	KUNIT_CASE(tdpmmu_test_owned_race),
	KUNIT_CASE_PARAM_ATTR(tdpmmu_test_random, random_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	{}
};

static struct kunit_suite tdpmmu_core_suite = {
	.name = "tdpmmu_core",
	.test_cases = tdpmmu_core_cases,
};

kunit_test_suite(tdpmmu_core_suite);

MODULE_DESCRIPTION("KUnit tests for the tdpmmu core");
MODULE_LICENSE("GPL");
