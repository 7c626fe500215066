// SPDX-License-Identifier: GPL-2.0-only
/*
 * Userspace benchmarks of the tdpmmu core (mock format), the core
 * compiled unchanged against the harness shim.  Every row is the median
 * of REPS repetitions; floor_ns is a plain 8-byte store loop over the same
 * number of entries, the physical floor of writing a page table.
 *
 *   bench_core [-s] [out.json]     -s: smoke (a few repetitions)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/maple_tree.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/tdpmmu.h>

#include "bench.h"

long shim_pages_allocated;
int shim_rcu_sync;
__thread int shim_cpu;
int shim_nr_threads;

int reps = MAX_REPS;
int batch = 64;
static FILE *json;
static int rows;
char row_extra[128];

static void *b_alloc(struct tdpmmu *t, gfp_t gfp)
{
	return (void *)get_zeroed_page(gfp);
}

static void b_free(struct tdpmmu *t, void *table)
{
	free_page((unsigned long)table);
}

static void b_flush(struct tdpmmu *t, const struct tdpmmu_gather *g)
{
}

static const struct tdpmmu_ops b_ops = {
	.alloc_table = b_alloc, .free_table = b_free, .flush = b_flush,
};

void bfe_init_fmt(struct bfe *b, const struct tdpmmu_format *fmt, u32 huge)
{
	struct tdpmmu_params p = { .levels = 4, .huge_levels = huge };

	rwlock_init(&b->lock);
	b->root = NULL;
	if (!tdpmmu_init(&b->t, fmt, &p, &b_ops, &b->lock))
		b->root = tdpmmu_root_alloc(&b->t, 0, GFP_KERNEL);
	if (!b->root) {
		fprintf(stderr, "bench: init failed\n");
		exit(1);
	}
}

void bfe_init(struct bfe *b, u32 huge)
{
	bfe_init_fmt(b, &tdpmmu_mock_format, huge);
}

void bfe_lock(struct bfe *b, bool excl)
{
	if (excl)
		write_lock(&b->lock);
	else
		read_lock(&b->lock);
}

void bfe_unlock(struct bfe *b, bool excl)
{
	if (excl)
		write_unlock(&b->lock);
	else
		read_unlock(&b->lock);
}

void bfe_fini(struct bfe *b)
{
	tdpmmu_root_put(&b->t, b->root);
	tdpmmu_destroy(&b->t);
}

double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct stat3 summarize(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return (struct stat3){ v[n / 2], v[0], v[n - 1] };
}

/* Plain stores of n entries into a buffer that is in cache. */
double floor_ns(unsigned int n)
{
	static u64 sink[512];
	double v[MAX_REPS], t0;
	int r, i, k;

	for (r = 0; r < reps; r++) {
		t0 = now_ns();
		for (k = 0; k < batch * 16; k++)
			for (i = 0; i < (int)n; i++)
				WRITE_ONCE(sink[i], ((u64)k << 12) | i | 1);
		v[r] = (now_ns() - t0) / (batch * 16);
	}
	return summarize(v, reps).med;
}

void row(const char *op, const char *size, struct stat3 s, const char *peer,
	 double peer_ns, double floor)
{
	printf("%-22s %-10s %10.1f ns (min %.1f, max %.1f)", op, size, s.med,
	       s.min, s.max);
	if (peer)
		printf("  %s %.1f ns  x%.2f", peer, peer_ns, s.med / peer_ns);
	if (floor > 0)
		printf("  floor %.1f ns  x%.2f", floor, s.med / floor);
	printf("%s%s\n", row_extra[0] ? "  " : "", row_extra);
	if (!json) {
		row_extra[0] = 0;
		return;
	}
	fprintf(json, "%s\n  {\"op\": \"%s\", \"format\": \"mock\", ",
		rows++ ? "," : "", op);
	fprintf(json, "\"size\": \"%s\", \"ns\": %.1f, ", size, s.med);
	fprintf(json, "\"min_ns\": %.1f, \"max_ns\": %.1f, ", s.min, s.max);
	if (peer)
		fprintf(json, "\"peer\": \"%s\", \"peer_ns\": %.1f, ", peer,
			peer_ns);
	else
		fprintf(json, "\"peer\": null, \"peer_ns\": null, ");
	if (floor > 0)
		fprintf(json, "\"floor_ns\": %.1f, ", floor);
	else
		fprintf(json, "\"floor_ns\": null, ");
	fprintf(json, "%s\"host\": \"userspace\"}", row_extra);
	row_extra[0] = 0;
}

/*
 * map_range and unmap of @n leaves of @level, batch times per repetition,
 * the lock held for read, or for write (TDPMMU_EXCLUSIVE).  Only the locked calls
 * are timed: the front-end tops its cache up outside the lock, as KVM and
 * IOMMUFD do.  With @present the leaf tables stay linked between rounds
 * (unmap of leaves only), which isolates the per-entry cost; otherwise
 * every round fills fresh tables and unmap frees them.  @flags:
 * TDPMMU_EXCLUSIVE (lock held for write) and TDPMMU_OWNED.
 */
static void bench_map_unmap(const char *size, unsigned int n,
			    unsigned int level, unsigned int flags,
			    bool present)
{
	bool excl = flags & TDPMMU_EXCLUSIVE;
	unsigned int uflags = flags;
	u64 lsize = tdpmmu_level_size(level), len = n * lsize;
	u64 stride = level == 1 ? (n == 1 ? SZ_4K : SZ_2M) : SZ_1G;
	u64 ulen = present ? len : stride;
	double vm[MAX_REPS], vu[MAX_REPS], t0, floor = floor_ns(n);
	struct tdpmmu_cache cache = { 0 };
	struct tdpmmu_gather g;
	char op[32];
	struct bfe b;
	u64 done;
	int r, i;

	if (!present && n > 1)
		uflags |= TDPMMU_UNMAP_TABLES;
	bfe_init(&b, BIT(2));
	for (r = 0; r < reps; r++) {
		vm[r] = 0;
		tdpmmu_gather_init(&g);
		for (i = 0; i < batch; i++) {
			if (cache.nr < 4)
				tdpmmu_cache_topup(&b.t, &cache, 16, GFP_KERNEL);
			bfe_lock(&b, excl);
			t0 = now_ns();
			if (tdpmmu_map_range(&b.t, b.root, i * stride,
					     i * stride, len, TDPMMU_PROT_READ,
					     0, flags, &cache, &done, &g)) {
				exit(2);
			}
			vm[r] += now_ns() - t0;
			bfe_unlock(&b, excl);
		}
		vm[r] /= batch;
		bfe_lock(&b, excl);
		t0 = now_ns();
		for (i = 0; i < batch; i++)
			if (tdpmmu_unmap(&b.t, b.root, i * stride, ulen, uflags,
					 NULL, &done, &g) || done != len)
				exit(3);
		vu[r] = (now_ns() - t0) / batch;
		bfe_unlock(&b, excl);
		tdpmmu_gather_finish(&b.t, &g);
	}
	tdpmmu_cache_drain(&b.t, &cache);
	bfe_fini(&b);
	snprintf(op, sizeof(op), "map%s%s%s", excl ? "-excl" : "",
		 flags & TDPMMU_OWNED ? "-owned" : "", present ? "-present" : "");
	row(op, size, summarize(vm, reps), NULL, 0, floor);
	snprintf(op, sizeof(op), "unmap%s%s%s", excl ? "-excl" : "",
		 flags & TDPMMU_OWNED ? "-owned" : "", present ? "-present" : "");
	row(op, size, summarize(vu, reps), NULL, 0, floor);
}

struct fault_arg {
	struct bfe *b;
	u64 base;
	unsigned int n;
	unsigned int per_lock;	/* faults per read_lock() */
	double ns;
};

/*
 * The control: as many cmpxchg installs into a private buffer, what a
 * fault does at its last step, without the walk.
 */
static void cmpxchg_run(struct fault_arg *a)
{
	u64 *buf = calloc(a->n, sizeof(*buf));
	unsigned int i, k;
	u64 old;
	double t0;

	if (!buf)
		exit(5);
	t0 = now_ns();
	for (k = 0; k < 16; k++)
		for (i = 0; i < a->n; i++) {
			old = READ_ONCE(buf[i]);
			__atomic_compare_exchange_n(&buf[i], &old, old + 1,
						    false, __ATOMIC_SEQ_CST,
						    __ATOMIC_SEQ_CST);
		}
	a->ns = (now_ns() - t0) / 16;
	free(buf);
}

static void fault_run(struct fault_arg *a)
{
	struct tdpmmu_cache cache = { 0 };
	struct tdpmmu_leaf leaf = { .level = 1, .prot = TDPMMU_PROT_READ };
	struct tdpmmu_gather g;
	unsigned int i;
	double t0;

	tdpmmu_gather_init(&g);
	t0 = now_ns();
	for (i = 0; i < a->n; i++) {
		leaf.addr = a->base + i * SZ_4K;
		leaf.oa = leaf.addr;
		if (cache.nr < TDPMMU_MAX_LEVELS)
			tdpmmu_cache_topup(&a->b->t, &cache, 16, GFP_KERNEL);
		if (!(i % a->per_lock))
			read_lock(&a->b->lock);
		if (tdpmmu_map(&a->b->t, a->b->root, &leaf, &cache, &g))
			exit(4);
		if (i % a->per_lock == a->per_lock - 1 || i == a->n - 1)
			read_unlock(&a->b->lock);
	}
	a->ns = now_ns() - t0;
	tdpmmu_cache_drain(&a->b->t, &cache);
}

static void *fault_thread(void *data)
{
	struct fault_arg *a = data;

	rcu_register_thread();
	if (a->per_lock)
		fault_run(a);
	else
		cmpxchg_run(a);
	rcu_unregister_thread();
	return NULL;
}

/*
 * 4K faults (tdpmmu_map) with the tables already present, and two threads
 * faulting disjoint 1G regions: per-fault wall time, so two threads that
 * scale perfectly show half the one-thread figure.  @per_lock faults share
 * one read_lock(): 1 is what a fault handler does; 512 takes the shared
 * lock word, which every reader writes, out of the picture and leaves the
 * core's own scaling.  @per_lock 0 runs the control instead: the same
 * number of cmpxchg per thread on private memory, which shows how far two
 * threads scale on this machine at all.
 */
static void bench_fault(unsigned int per_lock)
{
	const unsigned int n = 512 * 64;
	double v1[MAX_REPS], v2[MAX_REPS];
	struct stat3 s1, s2;
	struct fault_arg a[2];
	char op[40];
	struct tdpmmu_gather g;
	pthread_t tid[2];
	struct bfe b;
	u64 done;
	int r, i, k;

	for (r = 0; r < reps; r++) {
		for (k = 1; k <= 2; k++) {
			bfe_init(&b, BIT(2));
			for (i = 0; i < k; i++) {
				a[i] = (struct fault_arg){ &b, i * SZ_1G, n,
							   per_lock, 0 };
				if (!per_lock)
					continue;
				/* Tables present: fault once, unmap leaves. */
				fault_run(&a[i]);
				tdpmmu_gather_init(&g);
				read_lock(&b.lock);
				tdpmmu_unmap(&b.t, b.root, a[i].base, n * SZ_4K,
					     0, NULL, &done, &g);
				read_unlock(&b.lock);
				tdpmmu_gather_finish(&b.t, &g);
			}
			for (i = 0; i < k; i++)
				pthread_create(&tid[i], NULL, fault_thread, &a[i]);
			for (i = 0; i < k; i++)
				pthread_join(tid[i], NULL);
			if (k == 1)
				v1[r] = a[0].ns / n;
			else
				v2[r] = (a[0].ns > a[1].ns ? a[0].ns : a[1].ns) /
					(2.0 * n);
			bfe_fini(&b);
		}
	}
	s1 = summarize(v1, reps);
	s2 = summarize(v2, reps);
	snprintf(op, sizeof(op), "%s%s", per_lock ? "fault-4K" : "cmpxchg",
		 per_lock > 1 ? "-lock512" : "");
	row(op, "1x4K", s1, NULL, 0, per_lock ? floor_ns(1) : 0);
	/* Peer: one thread; the ratio is 1 / scaling (0.5 is perfect). */
	snprintf(op, sizeof(op), "%s-2thread%s", per_lock ? "fault-4K" : "cmpxchg",
		 per_lock > 1 ? "-lock512" : "");
	row(op, "1x4K", s2, "1-thread", s1.med, 0);
}

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-s")) {
			reps = 3;
			batch = 4;
		} else {
			json = fopen(argv[i], "w");
			if (!json) {
				perror(argv[i]);
				return 1;
			}
		}
	}
	rcu_register_thread();
	maple_tree_init();
	if (json)
		fprintf(json, "[");
	bench_map_unmap("1x4K", 1, 1, 0, false);
	bench_map_unmap("256x4K", 256, 1, 0, false);
	bench_map_unmap("256x2M", 256, 2, 0, false);
	bench_map_unmap("256x4K", 256, 1, TDPMMU_EXCLUSIVE, false);
	bench_map_unmap("256x2M", 256, 2, TDPMMU_EXCLUSIVE, false);
	bench_map_unmap("256x4K", 256, 1, 0, true);
	bench_map_unmap("256x4K", 256, 1, TDPMMU_OWNED, true);
	bench_map_unmap("256x4K", 256, 1, TDPMMU_EXCLUSIVE, true);
	bench_fault(1);
	bench_fault(512);
	bench_fault(0);
	bench_split();
	bench_track();
	if (json) {
		fprintf(json, "\n]\n");
		fclose(json);
	}
	rcu_barrier();
	rcu_unregister_thread();
	if (shim_pages_allocated) {
		fprintf(stderr, "bench: %ld table pages leaked\n",
			shim_pages_allocated);
		return 1;
	}
	return 0;
}
