// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmarks of dirty and access tracking over 1 GiB, and of how often a
 * fault retries during a stream of invalidations of a range it does not
 * touch: tdpmmu's precise tracking against KVM 6.12's single merged range
 * (peer "kvm-merged", a model of kvm_mmu_invalidate_begin()/end() and
 * mmu_invalidate_retry_gfn() in virt/kvm/kvm_main.c and
 * include/linux/kvm_host.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/tdpmmu.h>
#include <linux/tdpmmu_inval.h>

#include "bench.h"
#include "fmt_mock.h"

#define TRACK_REPS	9	/* at most; fewer in a smoke run */
#define SZ_64K		((u64)1 << 16)

/*
 * 1 GiB of writable leaves of @level at 0; with @dirty the hardware then
 * writes every one of them, setting A and D.
 */
static void track_map(struct bfe *b, unsigned int level, bool dirty,
		      struct tdpmmu_cache *cache)
{
	struct tdpmmu_leaf leaf;
	struct tdpmmu_gather g;
	u64 done, off = 0;
	int ret;

	tdpmmu_gather_init(&g);
	do {
		tdpmmu_cache_topup(&b->t, cache, TDPMMU_CACHE_CAPACITY,
				   GFP_KERNEL);
		read_lock(&b->lock);
		/* 4K leaves: an output address no 2M leaf can take. */
		ret = tdpmmu_map_range(&b->t, b->root, off,
				       off + (level == 1 ? SZ_4K : 0),
				       SZ_1G - off, TDPMMU_PROT_READ |
				       TDPMMU_PROT_WRITE, 0, 0, cache,
				       &done, &g);
		read_unlock(&b->lock);
		off += done;
	} while (ret == -ENOMEM);
	tdpmmu_gather_finish(&b->t, &g);
	if (ret)
		exit(20);
	for (off = 0; dirty && off < SZ_1G; off += tdpmmu_level_size(level))
		if (bfmt->ad->hw_access(&b->t, b->root, off, true, &leaf))
			exit(29);
}

static void track_unmap(struct bfe *b)
{
	struct tdpmmu_gather g;
	u64 done;

	tdpmmu_gather_init(&g);
	read_lock(&b->lock);
	if (tdpmmu_unmap(&b->t, b->root, 0, SZ_1G, TDPMMU_UNMAP_TABLES, NULL,
			 &done, &g))
		exit(21);
	read_unlock(&b->lock);
	tdpmmu_gather_finish(&b->t, &g);
}

/* Plain loads and stores clearing one bit of @n entries: the floor. */
static double track_floor(unsigned int n, int nr)
{
	u64 *buf = calloc(n, sizeof(*buf));
	double v[TRACK_REPS], t0;
	unsigned int i;
	int r;

	if (!buf)
		exit(22);
	for (r = 0; r < nr; r++) {
		for (i = 0; i < n; i++)
			buf[i] = MOCK_V | MOCK_D | ((u64)i << 12);
		t0 = now_ns();
		for (i = 0; i < n; i++)
			WRITE_ONCE(buf[i], READ_ONCE(buf[i]) & ~MOCK_D);
		v[r] = now_ns() - t0;
	}
	free(buf);
	return summarize(v, nr).med;
}

/*
 * Read-and-clear the dirty bits of 1 GiB of @level leaves, all dirty (or
 * all clean with !@dirty, the scan alone); with @age, clear the accessed
 * bits instead, lockless.  The instance has hardware A/D on (SSADS for
 * VT-d, the EPTP's A/D enable for EPT).
 */
static void bench_track_one(unsigned int level, bool dirty, bool age)
{
	unsigned int n = SZ_1G >> tdpmmu_level_shift(level);
	unsigned long *bitmap = calloc(SZ_1G >> 12, 1);
	int nr = min(reps, TRACK_REPS);
	struct tdpmmu_cache cache = { 0 };
	double v[TRACK_REPS], t0;
	struct tdpmmu_gather g;
	struct bfe b;
	u64 done;
	char op[48];
	int r;

	if (!bitmap)
		exit(23);
	bfe_init_fmt(&b, bfmt->ad->format, BIT(2));
	tdpmmu_set_hw_ad(&b.t, true);
	for (r = 0; r < nr; r++) {
		track_map(&b, level, dirty, &cache);
		tdpmmu_gather_init(&g);
		if (age) {
			t0 = now_ns();
			if (tdpmmu_age(&b.t, b.root, 0, SZ_1G, 0, &done) ||
			    done != SZ_1G)
				exit(24);
			v[r] = now_ns() - t0;
		} else {
			read_lock(&b.lock);
			t0 = now_ns();
			if (tdpmmu_read_clear_dirty(&b.t, b.root, 0, SZ_1G, 0,
						    bitmap, NULL, &done, &g))
				exit(25);
			v[r] = now_ns() - t0;
			read_unlock(&b.lock);
		}
		tdpmmu_gather_finish(&b.t, &g);
		track_unmap(&b);
	}
	tdpmmu_cache_drain(&b.t, &cache);
	bfe_fini(&b);
	free(bitmap);
	snprintf(op, sizeof(op), "%s%s", age ? "age-clear" : "dirty-read-clear",
		 dirty ? "" : "-clean");
	row(op, level == 1 ? "1G-of-4K" : "1G-of-2M", summarize(v, nr), NULL,
	    0, track_floor(n, nr));
}

/*
 * KVM 6.12's invalidation tracking, as the peer: one range that grows to
 * cover every invalidation in flight, reset only when none is, and one
 * sequence count that any ended invalidation bumps.  Written under the
 * MMU lock held for write, as KVM does; read by faults under it for read.
 */
struct merged {
	long in_progress;
	u64 start, end;
	unsigned long seq;
};

struct retry_arg {
	struct bfe *b;
	struct tdpmmu_inval *iv;	/* NULL: the merged peer */
	struct merged *m;
	bool *stop;
	unsigned long faults, retries;
	double ns;
};

static void spin_ns(double ns)
{
	double t0 = now_ns();

	while (now_ns() - t0 < ns)
		;
}

static unsigned long retry_seq(struct retry_arg *a)
{
	if (a->iv)
		return tdpmmu_inval_seq(a->iv);
	return __atomic_load_n(&a->m->seq, __ATOMIC_ACQUIRE);
}

static bool retry_check(struct retry_arg *a, unsigned long seq, u64 addr)
{
	if (a->iv)
		return tdpmmu_inval_retry(a->iv, seq, addr, addr + SZ_4K);
	if (READ_ONCE(a->m->in_progress) && addr >= a->m->start &&
	    addr < a->m->end)
		return true;
	return READ_ONCE(a->m->seq) != seq;
}

/* Invalidate 64K at a time in the first 1G; each "zap" takes ~2 us. */
static void *retry_invalidator(void *data)
{
	struct retry_arg *a = data;
	struct tdpmmu_gather g;
	u64 s, done;
	unsigned int i;

	rcu_register_thread();
	for (i = 0; !__atomic_load_n(a->stop, __ATOMIC_ACQUIRE); i++) {
		s = (u64)(i % 4096) << 16;
		if (a->iv) {
			tdpmmu_inval_begin(a->iv, s, s + SZ_64K, true);
		} else {
			write_lock(&a->b->lock);
			if (!a->m->in_progress++) {
				a->m->start = s;
				a->m->end = s + SZ_64K;
			} else {
				a->m->start = min(a->m->start, s);
				a->m->end = max(a->m->end, s + SZ_64K);
			}
			write_unlock(&a->b->lock);
		}
		tdpmmu_gather_init(&g);
		write_lock(&a->b->lock);
		tdpmmu_unmap(&a->b->t, a->b->root, s, SZ_64K,
			     TDPMMU_EXCLUSIVE, NULL, &done, &g);
		write_unlock(&a->b->lock);
		tdpmmu_gather_finish(&a->b->t, &g);
		spin_ns(2000);
		if (a->iv) {
			tdpmmu_inval_end(a->iv, s, s + SZ_64K);
		} else {
			write_lock(&a->b->lock);
			__atomic_store_n(&a->m->seq, a->m->seq + 1,
					 __ATOMIC_RELEASE);
			a->m->in_progress--;
			write_unlock(&a->b->lock);
		}
		spin_ns(1000);
	}
	rcu_unregister_thread();
	return NULL;
}

/* 4K faults in the second 1G, resolving the pfn takes ~1 us. */
static void retry_faults(struct retry_arg *a, unsigned int n)
{
	struct tdpmmu_leaf leaf = { .level = 1, .prot = TDPMMU_PROT_READ };
	struct tdpmmu_cache cache = { 0 };
	struct tdpmmu_gather g;
	unsigned long seq;
	double t0 = now_ns();
	bool retry;

	tdpmmu_gather_init(&g);
	while (a->faults < n) {
		leaf.addr = SZ_1G + (a->faults % 4096) * SZ_4K;
		leaf.oa = leaf.addr;
		tdpmmu_cache_topup(&a->b->t, &cache, TDPMMU_MAX_LEVELS,
				   GFP_KERNEL);
		seq = retry_seq(a);
		spin_ns(1000);
		read_lock(&a->b->lock);
		retry = retry_check(a, seq, leaf.addr);
		if (!retry && tdpmmu_map(&a->b->t, a->b->root, &leaf, &cache,
					 &g))
			exit(26);
		read_unlock(&a->b->lock);
		if (retry)
			a->retries++;
		else
			a->faults++;
	}
	a->ns = (now_ns() - t0) / n;
	tdpmmu_cache_drain(&a->b->t, &cache);
}

static void bench_retry_one(struct retry_arg *a, unsigned int n)
{
	bool stop = false;
	struct bfe b;
	pthread_t tid;

	bfe_init(&b, 0);
	a->b = &b;
	a->stop = &stop;
	if (pthread_create(&tid, NULL, retry_invalidator, a))
		exit(27);
	retry_faults(a, n);
	__atomic_store_n(&stop, true, __ATOMIC_RELEASE);
	pthread_join(tid, NULL);
	bfe_fini(&b);
}

void bench_retry(void)
{
	unsigned int n = reps < MAX_REPS ? 2000 : 50000;
	struct tdpmmu_inval *iv = calloc(1, sizeof(*iv));
	struct merged m = { 0 };
	struct retry_arg precise = { .iv = iv }, merged = { .m = &m };
	struct stat3 s;

	if (!iv)
		exit(28);
	tdpmmu_inval_init(iv);
	bench_retry_one(&precise, n);
	bench_retry_one(&merged, n);
	tdpmmu_inval_destroy(iv);
	free(iv);
	s = (struct stat3){ precise.ns, precise.ns, precise.ns };
	snprintf(row_extra, sizeof(row_extra),
		 "\"retry_pct\": %.2f, \"peer_retry_pct\": %.2f, ",
		 100.0 * precise.retries / (precise.faults + precise.retries),
		 100.0 * merged.retries / (merged.faults + merged.retries));
	row("fault-retry-disjoint", "1x4K", s, "kvm-merged", merged.ns, 0);
}

void bench_track(void)
{
	bench_track_one(1, true, false);
	bench_track_one(1, false, false);
	bench_track_one(2, true, false);
	bench_track_one(1, true, true);
}
