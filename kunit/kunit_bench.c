// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit-driven benchmark of the core inside a kernel: under UML, where the
 * core runs at native speed (host "uml"; make bench), and in the x86_64
 * guest (host "qemu-x86_64").  Map and unmap of 1x4K, 256x4K and 256x2M on
 * each format, in the two ways the userspace rows of bench/bench_core.c
 * name them: "map"/"unmap" fill fresh tables and free them again, in
 * shared mode; "-owned-present" maps with TDPMMU_OWNED into tables kept
 * from round to round, as the VT-d front-end does.
 *
 * A row is the median over BENCH_REPS rounds of the mean time of one
 * operation in a round of BENCH_BATCH, printed as a JSON line after
 * "tdpmmu-bench: " (scripts/kunit.sh collects them), beside a plain store
 * loop over as many 8-byte entries.  The case fails only if an operation
 * does, never on a time.
 */
#include <kunit/test.h>
#include <linux/tdpmmu.h>

#include "bench_kunit.h"
#include "test_fe.h"

#define BENCH_BATCH	16

/* The formats built in: the tests select them, a bisection may not. */
static const struct tdpmmu_format *const bench_formats[] = {
	&tdpmmu_mock_format,
#if IS_ENABLED(CONFIG_TDPMMU_FMT_VTDSS)
	&tdpmmu_vtdss_format,
#endif
#if IS_ENABLED(CONFIG_TDPMMU_FMT_EPT)
	&tdpmmu_ept_format,
#endif
#if IS_ENABLED(CONFIG_TDPMMU_FMT_X86_64)
	&tdpmmu_x86_64_format,
#endif
};

static void bench_format_desc(const struct tdpmmu_format *const *fmt,
			      char *desc)
{
	strscpy(desc, (*fmt)->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(bench_format, bench_formats, bench_format_desc);

static const char *bench_host(void)
{
	return IS_ENABLED(CONFIG_UML) ? "uml" : "qemu-x86_64";
}

static void bench_print(struct kunit *test, const char *op,
			const struct tdpmmu_format *fmt, const char *size,
			u64 ns, u64 floor_ns)
{
	kunit_info(test,
		   "tdpmmu-bench: {\"op\": \"%s\", \"format\": \"%s\", \"size\": \"%s\", \"ns\": %llu, \"peer\": null, \"peer_ns\": null, \"floor_ns\": %llu, \"host\": \"%s\"}\n",
		   op, fmt->name, size, ns, floor_ns, bench_host());
}

/*
 * One row pair: @n leaves of @level per operation, BENCH_BATCH operations
 * a round on regions @stride apart, @owned as described at the top.
 */
static void bench_map_unmap(struct kunit *test,
			    const struct tdpmmu_format *fmt, const char *size,
			    unsigned int n, unsigned int level, bool owned)
{
	u64 len = n * tdpmmu_level_size(level);
	u64 stride = len <= SZ_4K_ULL ? SZ_4K_ULL :
		     len <= SZ_2M_ULL ? SZ_2M_ULL : SZ_1G_ULL;
	/* Fresh rows unmap the whole region, so that its tables go too. */
	u64 ulen = owned ? len : stride;
	unsigned int mflags = owned ? TDPMMU_OWNED : 0;
	unsigned int uflags = owned ? TDPMMU_OWNED :
			      n > 1 ? TDPMMU_UNMAP_TABLES : 0;
	u64 tm[BENCH_REPS], tu[BENCH_REPS], t0, done, floor;
	struct test_fe *fe;
	unsigned int r, b;

	fe = fe_create_fmt(test, fmt, 4, level > 1 ? BIT(level) : 0);
	/* Round 0 is untimed: it allocates the tables -present rows keep. */
	for (r = 0; r <= BENCH_REPS; r++) {
		t0 = ktime_get_ns();
		for (b = 0; b < BENCH_BATCH; b++)
			KUNIT_ASSERT_EQ(test,
					fe_map_range_flags(fe, b * stride,
							   b * stride, len,
							   TDPMMU_PROT_READ,
							   mflags, &done), 0);
		if (r)
			tm[r - 1] = (ktime_get_ns() - t0) / BENCH_BATCH;
		t0 = ktime_get_ns();
		for (b = 0; b < BENCH_BATCH; b++)
			KUNIT_ASSERT_EQ(test, fe_unmap(fe, b * stride, ulen,
						       uflags, &done), 0);
		if (r)
			tu[r - 1] = (ktime_get_ns() - t0) / BENCH_BATCH;
	}
	KUNIT_EXPECT_EQ(test, fe_unmap(fe, 0, BENCH_BATCH * stride,
				       TDPMMU_UNMAP_TABLES, &done), 0);
	fe_destroy(test, fe);
	floor = bench_store_floor(test, n);
	bench_print(test, owned ? "map-owned-present" : "map", fmt, size,
		    bench_median(tm), floor);
	bench_print(test, owned ? "unmap-owned-present" : "unmap", fmt, size,
		    bench_median(tu), floor);
}

static void tdpmmu_bench_map_unmap(struct kunit *test)
{
	const struct tdpmmu_format *fmt =
		*(const struct tdpmmu_format *const *)test->param_value;
	unsigned int owned;

	for (owned = 0; owned < 2; owned++) {
		bench_map_unmap(test, fmt, "1x4K", 1, 1, owned);
		bench_map_unmap(test, fmt, "256x4K", 256, 1, owned);
		bench_map_unmap(test, fmt, "256x2M", 256, 2, owned);
	}
}

static struct kunit_case tdpmmu_bench_cases[] = {
	KUNIT_CASE_PARAM(tdpmmu_bench_map_unmap, bench_format_gen_params),
	{}
};

static struct kunit_suite tdpmmu_bench_suite = {
	.name = "tdpmmu_bench",
	.test_cases = tdpmmu_bench_cases,
};

kunit_test_suite(tdpmmu_bench_suite);
