// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmarks of huge-leaf split, collapse and partial unmap, each against
 * mapping the same entries fresh (peer "fresh-map": map_range into empty
 * space, which fills a new table with plain stores and links it).  Only
 * the operation under the lock is timed, on both sides: page allocation
 * (refilling the cache outside the lock) is the front-end's cost and the
 * same for both.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/tdpmmu.h>

#include "bench.h"

typedef int (*bench_op_t)(struct bfe *b, u64 addr, u64 len,
			  struct tdpmmu_cache *cache, u64 *done,
			  struct tdpmmu_gather *g);

static int op_map(struct bfe *b, u64 addr, u64 len, struct tdpmmu_cache *c,
		  u64 *done, struct tdpmmu_gather *g)
{
	return tdpmmu_map_range(&b->t, b->root, addr, addr, len,
				TDPMMU_PROT_READ, 0, 0, c, done, g);
}

static int op_split_4k(struct bfe *b, u64 addr, u64 len,
		       struct tdpmmu_cache *c, u64 *done,
		       struct tdpmmu_gather *g)
{
	return tdpmmu_split(&b->t, b->root, addr, len, 1, 0, c, done, g);
}

static int op_split_2m(struct bfe *b, u64 addr, u64 len,
		       struct tdpmmu_cache *c, u64 *done,
		       struct tdpmmu_gather *g)
{
	return tdpmmu_split(&b->t, b->root, addr, len, 2, 0, c, done, g);
}

/* Collapse the one table at @addr; anything else is an error. */
static int collapse_one(struct bfe *b, u64 addr, u64 len, unsigned int flags,
			u64 *done, struct tdpmmu_gather *g)
{
	u64 n;
	int ret = tdpmmu_collapse(&b->t, b->root, addr, len, flags, &n, g);

	*done = len;
	if (!ret && n != 1)
		ret = -EIO;
	return ret;
}

static int op_collapse(struct bfe *b, u64 addr, u64 len,
		       struct tdpmmu_cache *c, u64 *done,
		       struct tdpmmu_gather *g)
{
	return collapse_one(b, addr, len, 0, done, g);
}

static int op_collapse_excl(struct bfe *b, u64 addr, u64 len,
			    struct tdpmmu_cache *c, u64 *done,
			    struct tdpmmu_gather *g)
{
	return collapse_one(b, addr, len, TDPMMU_EXCLUSIVE, done, g);
}

/* Unmap the 8th 4K page of the 2M leaf at @addr. */
static int op_unmap_4k(struct bfe *b, u64 addr, u64 len,
		       struct tdpmmu_cache *c, u64 *done,
		       struct tdpmmu_gather *g)
{
	int ret = tdpmmu_unmap(&b->t, b->root, addr + 7 * SZ_4K, SZ_4K, 0, c,
			       done, g);

	*done = ret ? 0 : len;
	return ret;
}

/*
 * Run @fn on @n slots of @len bytes, @stride apart from @base, the lock
 * held for read (for write with @excl); returns ns per operation.
 */
static double time_op(struct bfe *b, bench_op_t fn, bool excl, u64 base,
		      u64 stride, u64 len, int n)
{
	struct tdpmmu_cache cache = { 0 };
	struct tdpmmu_gather g;
	double t0, t = 0;
	u64 off, done;
	int i, ret;

	tdpmmu_gather_init(&g);
	for (i = 0; i < n; i++) {
		off = 0;
		do {
			if (tdpmmu_cache_topup(&b->t, &cache,
					       TDPMMU_CACHE_CAPACITY,
					       GFP_KERNEL))
				exit(5);
			t0 = now_ns();
			bfe_lock(b, excl);
			ret = fn(b, base + i * stride + off, len - off, &cache,
				 &done, &g);
			bfe_unlock(b, excl);
			t += now_ns() - t0;
			off += done;
		} while (ret == -ENOMEM);
		if (ret) {
			fprintf(stderr, "bench: op failed: %d\n", ret);
			exit(6);
		}
	}
	t /= n;
	tdpmmu_gather_finish(&b->t, &g);
	tdpmmu_cache_drain(&b->t, &cache);
	return t;
}

static void clear(struct bfe *b, u64 base, u64 len)
{
	struct tdpmmu_gather g;
	u64 done;

	tdpmmu_gather_init(&g);
	read_lock(&b->lock);
	if (tdpmmu_unmap(&b->t, b->root, base, len, TDPMMU_UNMAP_TABLES, NULL,
			 &done, &g))
		exit(7);
	read_unlock(&b->lock);
	tdpmmu_gather_finish(&b->t, &g);
}

/*
 * One row: per repetition, map @n huge leaves of @len (split to 4K first
 * when @pre_split, for collapse), time @fn on each, then time mapping the
 * same entries fresh in an instance that allows only @peer_huge leaves.
 */
static void bench_case(const char *op, const char *size, bench_op_t fn,
		       bool excl, u64 len, unsigned int n, bool pre_split,
		       u32 peer_huge, unsigned int entries)
{
	const u64 base = 4 * SZ_1G, stride = len < SZ_1G ? SZ_2M : SZ_1G;
	double v[MAX_REPS], p[MAX_REPS];
	struct bfe b, peer;
	int r;

	bfe_init(&b, BIT(2) | BIT(3));
	bfe_init(&peer, peer_huge);
	for (r = 0; r < reps; r++) {
		time_op(&b, op_map, false, base, stride, len, n);
		if (pre_split)
			time_op(&b, op_split_4k, false, base, stride, len, n);
		v[r] = time_op(&b, fn, excl, base, stride, len, n);
		clear(&b, base, n * stride);
		p[r] = time_op(&peer, op_map, false, base, stride, len,
			       n);
		clear(&peer, base, n * stride);
		rcu_barrier();
	}
	bfe_fini(&b);
	bfe_fini(&peer);
	row(op, size, summarize(v, reps), "fresh-map", summarize(p, reps).med,
	    floor_ns(entries));
}

void bench_split(void)
{
	int n = batch, n1g = batch < 8 ? batch : 8;

	bench_case("split-2M-4K", "512x4K", op_split_4k, false, SZ_2M, n,
		   false, 0, 512);
	bench_case("split-1G-2M", "512x2M", op_split_2m, false, SZ_1G, n1g,
		   false, BIT(2), 512);
	bench_case("split-eager-1G-4K", "262144x4K", op_split_4k, false, SZ_1G,
		   1, false, 0, 262144);
	bench_case("collapse-4K-2M", "512x4K", op_collapse, false, SZ_2M, n,
		   true, 0, 512);
	bench_case("collapse-4K-2M-excl", "512x4K", op_collapse_excl, true,
		   SZ_2M, n, true, 0, 512);
	bench_case("unmap-4K-in-2M", "512x4K", op_unmap_4k, false, SZ_2M, n,
		   false, 0, 512);
}
