/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the KUnit-driven benchmarks share (kunit_bench.c, and intel-iommu's
 * tdpmmu_bench.c): the median of BENCH_REPS rounds, the store floor, and
 * the row they print.
 */
#ifndef _TDPMMU_BENCH_KUNIT_H
#define _TDPMMU_BENCH_KUNIT_H

#include <kunit/test.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/sizes.h>
#include <linux/sort.h>

#define BENCH_REPS	31

static inline int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* The median of BENCH_REPS times; sorts @v. */
static inline u64 bench_median(u64 *v)
{
	sort(v, BENCH_REPS, sizeof(*v), bench_cmp_u64, NULL);
	return v[BENCH_REPS / 2];
}

/*
 * Median time of @n plain 8-byte stores: what writing the entries costs.
 * Repeated to some 16K stores a round, above the clock's granularity.
 */
static inline u64 bench_store_floor(struct kunit *test, unsigned int n)
{
	unsigned int loops = max(16U, SZ_16K / n);
	u64 *buf = kunit_kcalloc(test, n, sizeof(*buf), GFP_KERNEL);
	u64 t[BENCH_REPS], start;
	unsigned int r, l, i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (r = 0; r < BENCH_REPS; r++) {
		start = ktime_get_ns();
		for (l = 0; l < loops; l++)
			for (i = 0; i < n; i++)
				WRITE_ONCE(buf[i], (u64)i << 12 | l);
		t[r] = (ktime_get_ns() - start) / loops;
	}
	return bench_median(t);
}

/* Where a row was measured: under UML, or in the x86_64 guest. */
static inline const char *bench_host(void)
{
	return IS_ENABLED(CONFIG_UML) ? "uml" : "qemu-x86_64";
}

/*
 * Print one row of results/bench.json for scripts/kunit.sh to collect:
 * @ns per operation, beside @peer's @peer_ns (@peer NULL: no peer) and
 * the store floor.
 */
static inline void bench_print(struct kunit *test, const char *op,
			       const char *format, const char *size, u64 ns,
			       const char *peer, u64 peer_ns, u64 floor_ns)
{
	if (!peer) {
		kunit_info(test,
			   "tdpmmu-bench: {\"op\": \"%s\", \"format\": \"%s\", \"size\": \"%s\", \"ns\": %llu, \"peer\": null, \"peer_ns\": null, \"floor_ns\": %llu, \"host\": \"%s\"}\n",
			   op, format, size, ns, floor_ns, bench_host());
		return;
	}
	kunit_info(test,
		   "tdpmmu-bench: {\"op\": \"%s\", \"format\": \"%s\", \"size\": \"%s\", \"ns\": %llu, \"peer\": \"%s\", \"peer_ns\": %llu, \"floor_ns\": %llu, \"host\": \"%s\"}\n",
		   op, format, size, ns, peer, peer_ns, floor_ns, bench_host());
}

#endif
