// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit-driven benchmark of the core inside a kernel: under UML, where the
 * core runs at native speed (host "uml"; make bench), and in the x86_64
 * guest (host "qemu-x86_64").  Map and unmap of 1x4K, 256x4K and 256x2M on
 * each format, in the two ways the userspace rows of bench/bench_core.c
 * name them: "map"/"unmap" fill fresh tables and free them again, in
 * shared mode; "-owned-present" maps with TDPMMU_OWNED into tables kept
 * from round to round, as the VT-d front-end does.  And split 2M->4K and
 * collapse back, against mapping the same 512 entries fresh, with the
 * table pages and their struct pages of a real kernel.
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
	bench_print(test, owned ? "map-owned-present" : "map", fmt->name, size,
		    bench_median(tm), NULL, 0, floor);
	bench_print(test, owned ? "unmap-owned-present" : "unmap", fmt->name,
		    size, bench_median(tu), NULL, 0, floor);
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

#define SPLIT_PROT	(TDPMMU_PROT_READ | TDPMMU_PROT_WRITE)

/* The operations of a split/collapse round, each on the 2M at @addr. */
typedef bool (*bench_2m_fn)(struct test_fe *fe, struct tdpmmu_cache *cache,
			    u64 addr);

static bool bench_split(struct test_fe *fe, struct tdpmmu_cache *cache,
			u64 addr)
{
	return !fe_split_all(fe, cache, addr, SZ_2M_ULL, 1, 0);
}

static bool bench_collapse(struct test_fe *fe, struct tdpmmu_cache *cache,
			   u64 addr)
{
	return fe_collapse(fe, addr, SZ_2M_ULL, 0) == 1;
}

static bool bench_collapse_excl(struct test_fe *fe,
				struct tdpmmu_cache *cache, u64 addr)
{
	return fe_collapse(fe, addr, SZ_2M_ULL, TDPMMU_EXCLUSIVE) == 1;
}

static bool bench_fresh_map(struct test_fe *fe, struct tdpmmu_cache *cache,
			    u64 addr)
{
	u64 done;

	return !fe_map_range(fe, addr, addr, SZ_2M_ULL, SPLIT_PROT, &done);
}

/* Run @fn on each 2M region of a round; mean ns per call. */
static u64 bench_each_2m(struct kunit *test, struct test_fe *fe,
			 struct tdpmmu_cache *cache, bench_2m_fn fn)
{
	u64 t0 = ktime_get_ns();
	unsigned int b;

	for (b = 0; b < BENCH_BATCH; b++)
		KUNIT_ASSERT_TRUE(test, fn(fe, cache, b * SZ_2M_ULL));
	return (ktime_get_ns() - t0) / BENCH_BATCH;
}

/*
 * Split 2M->4K, collapse back in shared mode, split again and collapse in
 * exclusive mode, BENCH_BATCH 2M leaves a round, each operation through
 * the locked helpers a front-end would use (the split refills its cache
 * outside the lock, the collapse's gather frees the old table after a
 * grace period).  The peer "fresh-map" maps the same 512 4K leaves into
 * empty space of an instance that allows no huge leaf, allocating the
 * table as it goes.
 */
static void tdpmmu_bench_split_collapse(struct kunit *test)
{
	const struct tdpmmu_format *fmt =
		*(const struct tdpmmu_format *const *)test->param_value;
	u64 ts[BENCH_REPS], tc[BENCH_REPS], tx[BENCH_REPS], tf[BENCH_REPS];
	const u64 len = BENCH_BATCH * SZ_2M_ULL;
	struct tdpmmu_cache cache = { 0 };
	struct test_fe *fe, *peer;
	u64 done, floor, fresh;
	unsigned int r;

	fe = fe_create_fmt(test, fmt, 4, BIT(2));
	peer = fe_create_fmt(test, fmt, 4, 0);
	for (r = 0; r < BENCH_REPS; r++) {
		KUNIT_ASSERT_EQ(test, fe_map_range(fe, 0, 0, len, SPLIT_PROT,
						   &done), 0);
		ts[r] = bench_each_2m(test, fe, &cache, bench_split);
		tc[r] = bench_each_2m(test, fe, &cache, bench_collapse);
		KUNIT_ASSERT_EQ(test, fe_split_all(fe, &cache, 0, len, 1, 0),
				0);
		tx[r] = bench_each_2m(test, fe, &cache, bench_collapse_excl);
		KUNIT_ASSERT_EQ(test, fe_unmap(fe, 0, len, TDPMMU_UNMAP_TABLES,
					       &done), 0);
		tf[r] = bench_each_2m(test, peer, NULL, bench_fresh_map);
		KUNIT_ASSERT_EQ(test, fe_unmap(peer, 0, len,
					       TDPMMU_UNMAP_TABLES, &done), 0);
	}
	tdpmmu_cache_drain(&fe->t, &cache);
	fe_destroy(test, fe);
	fe_destroy(test, peer);
	floor = bench_store_floor(test, TDPMMU_PTES_PER_TABLE);
	fresh = bench_median(tf);
	bench_print(test, "split-2M-4K", fmt->name, "512x4K", bench_median(ts),
		    "fresh-map", fresh, floor);
	bench_print(test, "collapse-4K-2M", fmt->name, "512x4K",
		    bench_median(tc), "fresh-map", fresh, floor);
	bench_print(test, "collapse-4K-2M-excl", fmt->name, "512x4K",
		    bench_median(tx), "fresh-map", fresh, floor);
}

static struct kunit_case tdpmmu_bench_cases[] = {
	KUNIT_CASE_PARAM(tdpmmu_bench_map_unmap, bench_format_gen_params),
	KUNIT_CASE_PARAM(tdpmmu_bench_split_collapse, bench_format_gen_params),
	{}
};

static struct kunit_suite tdpmmu_bench_suite = {
	.name = "tdpmmu_bench",
	.test_cases = tdpmmu_bench_cases,
};

kunit_test_suite(tdpmmu_bench_suite);
