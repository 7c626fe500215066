// SPDX-License-Identifier: GPL-2.0-only
/*
 * Userspace benchmarks of the tdpmmu core, the core compiled unchanged
 * against the harness shim for each format (mock, VT-d second stage, EPT,
 * x86-64), every format running the same rows.  Every row is the median
 * of REPS repetitions; floor_ns is a plain 8-byte store loop over the same
 * number of entries, the physical floor of writing a page table.
 */
#include <errno.h>
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
const struct bench_fmt *bfmt;
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
	bfe_init_fmt(b, bfmt->fmt->format, huge);
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

/*
 * Plain stores of @n entries: up to a table's worth into a buffer that is
 * in cache, more into a buffer of @n entries (as many tables' worth).
 */
double floor_ns(unsigned int n)
{
	static u64 table[TDPMMU_PTES_PER_TABLE];
	u64 *sink = table;
	int loops = batch * 16;
	double v[MAX_REPS], t0;
	int r, i, k;

	if (n > ARRAY_SIZE(table)) {
		sink = calloc(n, sizeof(*sink));
		if (!sink)
			exit(8);
		loops = 1;
	}
	for (r = 0; r < reps; r++) {
		t0 = now_ns();
		for (k = 0; k < loops; k++)
			for (i = 0; i < (int)n; i++)
				WRITE_ONCE(sink[i], ((u64)k << 12) | i | 1);
		v[r] = (now_ns() - t0) / loops;
	}
	if (sink != table)
		free(sink);
	return summarize(v, reps).med;
}

void row(const char *op, const char *size, struct stat3 s, const char *peer,
	 double peer_ns, double floor)
{
	printf("%-6s %-24s %-10s %10.1f ns (min %.1f, max %.1f)",
	       bfmt->fmt->format->name, op, size, s.med, s.min, s.max);
	if (peer)
		printf("  %s %.1f ns  x%.2f", peer, peer_ns, s.med / peer_ns);
	if (floor > 0)
		printf("  floor %.1f ns  x%.2f", floor, s.med / floor);
	printf("%s%s\n", row_extra[0] ? "  " : "", row_extra);
	if (!json) {
		row_extra[0] = 0;
		return;
	}
	fprintf(json, "%s\n  {\"op\": \"%s\", \"format\": \"%s\", ",
		rows++ ? "," : "", op, bfmt->fmt->format->name);
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
 * map_range and unmap of @n leaves of @level, batch times per repetition
 * (at most 4 times where they span 1G), the lock held for read, or for
 * write (TDPMMU_EXCLUSIVE).  Only the locked calls are timed: the front-end
 * tops its cache up outside the lock, as KVM and IOMMUFD do, and calls
 * again where a map needs more tables than the cache holds.  With
 * @present the leaf tables stay linked between rounds (unmap of leaves
 * only), which isolates the per-entry cost; otherwise every round fills
 * fresh tables and unmap frees them.  @flags: TDPMMU_EXCLUSIVE (lock held
 * for write) and TDPMMU_OWNED.
 */
static void bench_map_unmap(const char *size, unsigned int n,
			    unsigned int level, unsigned int flags,
			    bool present)
{
	bool excl = flags & TDPMMU_EXCLUSIVE;
	unsigned int uflags = flags;
	u64 len = n * tdpmmu_level_size(level);
	u64 stride = len <= SZ_4K ? SZ_4K : len <= SZ_2M ? SZ_2M : SZ_1G;
	u64 ulen = present ? len : stride;
	int nb = len < SZ_1G ? batch : min(batch, 4);
	double vm[MAX_REPS], vu[MAX_REPS], t0, floor = floor_ns(n);
	struct tdpmmu_cache cache = { 0 };
	struct tdpmmu_gather g;
	char op[32];
	struct bfe b;
	u64 done, off;
	int r, i, ret;

	if (!present && n > 1)
		uflags |= TDPMMU_UNMAP_TABLES;
	/* Huge leaves only where the row maps them: 1G of 4K stays 4K. */
	bfe_init(&b, level > 1 ? BIT(level) : 0);
	for (r = 0; r < reps; r++) {
		vm[r] = 0;
		tdpmmu_gather_init(&g);
		for (i = 0; i < nb; i++) {
			off = 0;
			do {
				if (cache.nr < 4)
					tdpmmu_cache_topup(&b.t, &cache, 16,
							   GFP_KERNEL);
				bfe_lock(&b, excl);
				t0 = now_ns();
				ret = tdpmmu_map_range(&b.t, b.root,
						       i * stride + off,
						       i * stride + off,
						       len - off,
						       TDPMMU_PROT_READ, 0,
						       flags, &cache, &done,
						       &g);
				vm[r] += now_ns() - t0;
				bfe_unlock(&b, excl);
				off += done;
			} while (ret == -ENOMEM);
			if (ret)
				exit(2);
		}
		vm[r] /= nb;
		bfe_lock(&b, excl);
		t0 = now_ns();
		for (i = 0; i < nb; i++)
			if (tdpmmu_unmap(&b.t, b.root, i * stride, ulen, uflags,
					 NULL, &done, &g) || done != len)
				exit(3);
		vu[r] = (now_ns() - t0) / nb;
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
	u64 stride;		/* between two faults' addresses */
	unsigned int n;
	unsigned int per_lock;	/* faults per read_lock() */
	int cpu;		/* the shim's per-CPU slot of the thread */
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

/* Faults; the clock stops while the cache is refilled (page allocation). */
static void fault_run(struct fault_arg *a)
{
	struct tdpmmu_cache cache = { 0 };
	struct tdpmmu_leaf leaf = { .level = 1, .prot = TDPMMU_PROT_READ };
	struct tdpmmu_gather g;
	unsigned int i;
	double t0, t = 0;

	tdpmmu_gather_init(&g);
	t0 = now_ns();
	for (i = 0; i < a->n; i++) {
		leaf.addr = a->base + i * a->stride;
		leaf.oa = leaf.addr;
		if (cache.nr < TDPMMU_MAX_LEVELS) {
			t += now_ns() - t0;
			tdpmmu_cache_topup(&a->b->t, &cache, 16, GFP_KERNEL);
			t0 = now_ns();
		}
		if (!(i % a->per_lock))
			read_lock(&a->b->lock);
		if (tdpmmu_map(&a->b->t, a->b->root, &leaf, &cache, &g))
			exit(4);
		if (i % a->per_lock == a->per_lock - 1 || i == a->n - 1)
			read_unlock(&a->b->lock);
	}
	a->ns = t + now_ns() - t0;
	tdpmmu_cache_drain(&a->b->t, &cache);
}

static void *fault_thread(void *data)
{
	struct fault_arg *a = data;

	/* Threads come and go by the thousand: reuse per-CPU slots. */
	shim_cpu = a->cpu;
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
 * scale perfectly show half the one-thread figure (the row's "scaling" is
 * the two threads' throughput over one's).  @per_lock faults share one
 * read_lock(): 1 is what a fault handler does; 512 takes the shared lock
 * word, which every reader writes, out of the picture and leaves the
 * core's own scaling.  @per_lock 0 runs the control instead: the same
 * number of cmpxchg per thread on private memory, which shows how far two
 * threads scale on this machine at all.  With @absent every fault lands
 * in its own 2M, with no table below it yet, and links one.
 */
static void bench_fault(unsigned int per_lock, bool absent)
{
	const unsigned int n = absent ? 4096 : 512 * 64;
	const u64 stride = absent ? SZ_2M : SZ_4K;
	const u64 span = absent ? 16 * SZ_1G : SZ_1G;	/* per thread */
	double v1[MAX_REPS], v2[MAX_REPS];
	struct stat3 s1, s2;
	struct fault_arg a[2];
	char op[40], suffix[24];
	struct tdpmmu_gather g;
	pthread_t tid[2];
	struct bfe b;
	u64 done;
	int r, i, k;

	for (r = 0; r < reps; r++) {
		for (k = 1; k <= 2; k++) {
			bfe_init(&b, BIT(2));
			for (i = 0; i < k; i++) {
				a[i] = (struct fault_arg){
					&b, i * span, stride, n, per_lock,
					SHIM_NR_CPUS - 1 - i, 0 };
				if (!per_lock || absent)
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
	snprintf(suffix, sizeof(suffix), "%s%s", absent ? "-tables-absent" : "",
		 per_lock > 1 ? "-lock512" : "");
	snprintf(op, sizeof(op), "%s%s", per_lock ? "fault-4K" : "cmpxchg",
		 suffix);
	row(op, "1x4K", s1, NULL, 0, per_lock ? floor_ns(1) : 0);
	/* Peer: one thread; the ratio is 1 / scaling (0.5 is perfect). */
	snprintf(op, sizeof(op), "%s-2thread%s",
		 per_lock ? "fault-4K" : "cmpxchg", suffix);
	snprintf(row_extra, sizeof(row_extra), "\"scaling\": %.2f, ",
		 s1.med / s2.med);
	row(op, "1x4K", s2, "1-thread", s1.med, 0);
}

/* The formats, each with every row; the mock's first. */
static const struct bench_fmt bench_fmts[] = {
	{ &fz_fmt_mock, &fz_fmt_mock_ad },
	{ &fz_fmt_vtdss, &fz_fmt_vtdss },
	{ &fz_fmt_ept, &fz_fmt_ept },
	{ &fz_fmt_x86_64, &fz_fmt_x86_64 },
};

/* Which rows bench_rows() runs: all, or one group (-g). */
static const char *group;

static bool in_group(const char *name)
{
	return !group || !strcmp(group, name);
}

static void bench_rows(void)
{
	if (!in_group("map"))
		goto fault;
	bench_map_unmap("1x4K", 1, 1, 0, false);
	bench_map_unmap("256x4K", 256, 1, 0, false);
	bench_map_unmap("256x2M", 256, 2, 0, false);
	bench_map_unmap("1G-of-4K", 262144, 1, 0, false);
	bench_map_unmap("256x4K", 256, 1, TDPMMU_EXCLUSIVE, false);
	bench_map_unmap("256x2M", 256, 2, TDPMMU_EXCLUSIVE, false);
	bench_map_unmap("256x4K", 256, 1, 0, true);
	/* As the VT-d front-end maps (TDPMMU_OWNED), tables kept. */
	bench_map_unmap("1x4K", 1, 1, TDPMMU_OWNED, true);
	bench_map_unmap("256x4K", 256, 1, TDPMMU_OWNED, true);
	bench_map_unmap("256x2M", 256, 2, TDPMMU_OWNED, true);
	bench_map_unmap("256x4K", 256, 1, TDPMMU_EXCLUSIVE, true);
fault:
	if (in_group("fault")) {
		bench_fault(1, false);
		bench_fault(512, false);
		bench_fault(1, true);
	}
	if (in_group("split"))
		bench_split();
	if (in_group("track"))
		bench_track();
}

/*
 *   bench_core [-s] [-f FORMAT] [-g GROUP] [out.json]
 *
 * -s: smoke (a few repetitions); -f: only that format (mock, vtdss, ept,
 * x86_64); -g: only that group of rows (map, fault, split, track).  The
 * rows that do not depend on the format (the cmpxchg control, fault
 * retries) run with the mock, when all groups run.
 */
int main(int argc, char **argv)
{
	const char *only = NULL;
	unsigned int f;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-s")) {
			reps = 3;
			batch = 4;
		} else if (!strcmp(argv[i], "-f") && i + 1 < argc) {
			only = argv[++i];
		} else if (!strcmp(argv[i], "-g") && i + 1 < argc) {
			group = argv[++i];
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
	for (f = 0; f < ARRAY_SIZE(bench_fmts); f++) {
		bfmt = &bench_fmts[f];
		if (only && strcmp(only, bfmt->fmt->format->name))
			continue;
		bench_rows();
		if (f || group)
			continue;
		bench_fault(0, false);
		bench_retry();
	}
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
