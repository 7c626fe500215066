// SPDX-License-Identifier: GPL-2.0-only
/*
 * Differential fuzzer of the tdpmmu core (libFuzzer).
 *
 * An input picks a format and an instance layout, then is read as a list
 * of 8-byte operations: map (range, single leaf, fault-style), unmap
 * (splitting, whole-leaf, with and without a cache), eager split,
 * collapse, protect, hardware accesses that set A/D, read-and-clear
 * dirty, masked dirty clear, aging, the invalidation protocol, new roots,
 * bad arguments, and allocation failure from a given point on.  A
 * reference model keeps, per 4K page, the output address and permissions
 * and whether hardware dirtied or accessed it.  After every operation the
 * return value is checked against what the model says it must be, the
 * pages it touched are looked up, and the instance's leaf count must
 * equal the model's; every 16 operations and at the end every mapped page
 * is compared.  Dirty and accessed state may be over-reported (a huge
 * leaf is reported whole) but never lost.  At the end everything is
 * unmapped and every table page must be back.
 *
 * Any difference aborts with the operation, the address and both sides.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bitmap.h>
#include <linux/maple_tree.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/tdpmmu.h>
#include <linux/tdpmmu_inval.h>

#include "fuzz.h"

/* Globals of the userspace shim (the harness's main.c has them too). */
long shim_pages_allocated;
int shim_rcu_sync;
__thread int shim_cpu;
int shim_nr_threads;

#define FZ_WINDOW	BIT_ULL(32)		/* input addresses used: 4G */
#define FZ_PAGES	(FZ_WINDOW >> 12)
#define FZ_CHUNK	512			/* model pages per chunk */
#define FZ_OA_PAGES	BIT_ULL(28)		/* output addresses: 1 TiB */
#define FZ_MAX_OPS	512
#define FZ_INVALS	8

#define M_PRESENT	BIT_ULL(63)
#define M_DIRTY		BIT_ULL(62)
#define M_YOUNG		BIT_ULL(61)
#define M_PROT_SHIFT	56
#define M_PROT		(7ULL << M_PROT_SHIFT)
#define M_OA		GENMASK_ULL(51, 12)

static const struct fz_fmt *const fz_fmts[] = {
	&fz_fmt_mock, &fz_fmt_mock_bbm, &fz_fmt_mock_ad,
	&fz_fmt_vtdss, &fz_fmt_ept, &fz_fmt_x86_64,
};

/* One operation as the input encodes it. */
struct fz_op {
	u8 code;
	u8 a;
	u16 b;
	u32 c;
};

static struct {
	const struct fz_fmt *fmt;
	struct tdpmmu t;
	rwlock_t lock;
	struct tdpmmu_root *root;
	struct tdpmmu_cache cache;
	struct tdpmmu_inval iv;
	long fail_after;	/* allocations that still succeed; < 0: all */
	bool failed;		/* an allocation failed in this operation */
	bool fail_once;		/* only the next failure, then all succeed */
	unsigned long flushes;
	u64 *chunk[FZ_PAGES / FZ_CHUNK];
	u64 present;		/* pages the model has mapped */
	/* invalidations in flight, and snapshots of the sequence */
	u64 iv_start[FZ_INVALS], iv_end[FZ_INVALS];
	unsigned int nr_iv;
	unsigned long snap_seq;
	bool snap_valid;
	u64 ended_start[64 * 4], ended_end[64 * 4];
	unsigned int nr_ended;	/* ended since the snapshot */
	unsigned int opno;
	const char *opname;
	/* what a walk callback checks */
	u64 chk_start, chk_end;
	unsigned int chk_level;
} fz;

#define fz_fail(msg, ...) do {						\
	fprintf(stderr, "fuzz: %s (op %u, %s): " msg "\n",		\
		fz.fmt->format->name, fz.opno, fz.opname, ##__VA_ARGS__); \
	abort();							\
} while (0)

#define FZ_CHECK(cond, msg, ...) do {					\
	if (!(cond))							\
		fz_fail("%s: " msg, #cond, ##__VA_ARGS__);		\
} while (0)

/* ---- the model ---- */

static u64 m_get(u64 pfn)
{
	u64 *c = fz.chunk[pfn / FZ_CHUNK];

	return c ? c[pfn % FZ_CHUNK] : 0;
}

static void m_set(u64 pfn, u64 v)
{
	u64 **c = &fz.chunk[pfn / FZ_CHUNK];

	if (!*c) {
		if (!v)
			return;
		*c = calloc(FZ_CHUNK, sizeof(u64));
		if (!*c)
			abort();
	}
	fz.present += !!(v & M_PRESENT) - !!((*c)[pfn % FZ_CHUNK] & M_PRESENT);
	(*c)[pfn % FZ_CHUNK] = v;
}

static u32 m_prot(u64 m)
{
	return (m & M_PROT) >> M_PROT_SHIFT;
}

static u64 m_leaf(u64 oa, u32 prot)
{
	return M_PRESENT | (oa & M_OA) |
	       ((u64)fz.fmt->prot(prot) << M_PROT_SHIFT);
}

/* Next page at or after @pfn, below @end, that the model maps. */
static u64 m_next(u64 pfn, u64 end)
{
	while (pfn < end) {
		u64 *c = fz.chunk[pfn / FZ_CHUNK];

		if (!c) {
			pfn = round_down(pfn, FZ_CHUNK) + FZ_CHUNK;
			continue;
		}
		if (c[pfn % FZ_CHUNK] & M_PRESENT)
			return pfn;
		pfn++;
	}
	return end;
}

static bool m_any(u64 pfn, u64 end)
{
	return m_next(pfn, end) < end;
}

static void m_clear_bits(u64 pfn, u64 end, u64 bits)
{
	for (pfn = m_next(pfn, end); pfn < end; pfn = m_next(pfn + 1, end))
		m_set(pfn, m_get(pfn) & ~bits);
}

/* ---- the front-end ---- */

static void *fz_alloc_table(struct tdpmmu *t, gfp_t gfp)
{
	if (fz.fail_after >= 0 && fz.fail_after-- == 0) {
		fz.failed = true;
		if (fz.fail_once)
			fz.fail_after = -1;
		else
			fz.fail_after = 0;
		return NULL;
	}
	return (void *)get_zeroed_page(gfp);
}

static void fz_free_table(struct tdpmmu *t, void *table)
{
	free_page((unsigned long)table);
}

static void fz_flush(struct tdpmmu *t, const struct tdpmmu_gather *g)
{
	fz.flushes++;
}

static const struct tdpmmu_ops fz_ops = {
	.alloc_table = fz_alloc_table,
	.free_table = fz_free_table,
	.flush = fz_flush,
};

static void fz_lock(unsigned int flags)
{
	if (flags & TDPMMU_EXCLUSIVE)
		write_lock(&fz.lock);
	else
		read_lock(&fz.lock);
}

static void fz_unlock(unsigned int flags)
{
	if (flags & TDPMMU_EXCLUSIVE)
		write_unlock(&fz.lock);
	else
		read_unlock(&fz.lock);
}

static int fz_topup(unsigned int min)
{
	return tdpmmu_cache_topup(&fz.t, &fz.cache, min, GFP_KERNEL);
}

/* ---- checks ---- */

static bool fz_lookup(u64 pfn, struct tdpmmu_leaf *leaf)
{
	int ret = tdpmmu_lookup(&fz.t, fz.root, pfn << 12, leaf);

	FZ_CHECK(!ret || ret == -ENOENT, "lookup %llx: %d", pfn << 12, ret);
	if (ret)
		return false;
	FZ_CHECK(fz.t.leaf_levels & BIT(leaf->level), "level %u",
		 leaf->level);
	FZ_CHECK(!(leaf->addr & (tdpmmu_level_size(leaf->level) - 1)) &&
		 !(leaf->oa & (tdpmmu_level_size(leaf->level) - 1)),
		 "leaf %llx -> %llx level %u", leaf->addr, leaf->oa,
		 leaf->level);
	return true;
}

static void check_page(u64 pfn)
{
	struct tdpmmu_leaf leaf;
	u64 m, addr = pfn << 12;
	bool mapped;

	if (pfn >= FZ_PAGES)
		return;
	m = m_get(pfn);
	mapped = fz_lookup(pfn, &leaf);
	FZ_CHECK(mapped == !!(m & M_PRESENT), "addr %llx model %llx", addr,
		 m);
	if (!mapped)
		return;
	FZ_CHECK(leaf.oa + (addr - leaf.addr) == (m & M_OA),
		 "addr %llx -> %llx, model %llx", addr,
		 leaf.oa + (addr - leaf.addr), m & M_OA);
	FZ_CHECK(leaf.prot == m_prot(m), "addr %llx prot %x, model %x", addr,
		 leaf.prot, m_prot(m));
}

/* The pages around and inside [@pfn, @end), and a few others. */
static void check_range(u64 pfn, u64 end, u32 seed)
{
	check_page(pfn - 1);
	check_page(pfn);
	check_page(pfn + (end - pfn) / 2);
	check_page(end - 1);
	check_page(end);
	check_page(pfn + seed % (end - pfn));
	check_page(seed % FZ_PAGES);
}

static void check_count(void)
{
	struct tdpmmu_stats s;
	u64 pages = 0;
	unsigned int l;

	tdpmmu_stats_read(&fz.t, &s);
	for (l = 1; l <= TDPMMU_MAX_LEVELS; l++) {
		FZ_CHECK(s.leaves[l] >= 0, "leaves[%u] %lld", l,
			 (long long)s.leaves[l]);
		pages += s.leaves[l] << (TDPMMU_LEVEL_BITS * (l - 1));
	}
	FZ_CHECK(pages == fz.present, "table maps %llu pages, model %llu",
		 pages, fz.present);
}

/* One leaf of the raw walk against the model's pages. */
static void check_leaf(struct fz_walk *w, u64 addr, u64 oa,
		       unsigned int level, u32 prot)
{
	u64 p = addr >> 12, end = p + (tdpmmu_level_size(level) >> 12), m;

	FZ_CHECK(fz.t.leaf_levels & BIT(level) && end <= FZ_PAGES,
		 "leaf %llx at level %u", addr, level);
	for (; p < end; p++, oa += PAGE_SIZE) {
		m = m_get(p);
		FZ_CHECK((m & M_PRESENT) && (m & M_OA) == oa &&
			 m_prot(m) == prot,
			 "page %llx: leaf %llx level %u -> %llx prot %x, model %llx",
			 p << 12, addr, level, oa, prot, m);
	}
}

/*
 * The whole table, read raw with the format's helpers: every leaf is in
 * the model, the leaf count equals the model's (so the table maps nothing
 * the model does not), nothing is left frozen, and the core's table count
 * is what is linked.
 */
static void check_all(void)
{
	struct fz_walk w = { .leaf = check_leaf };
	struct tdpmmu_stats s;
	unsigned int l;

	fz.fmt->walk(&fz.t, fz.root, FZ_WINDOW, &w);
	FZ_CHECK(!w.frozen, "%ld entries left frozen", w.frozen);
	check_count();
	tdpmmu_stats_read(&fz.t, &s);
	for (l = 1; l < fz.t.levels; l++)
		FZ_CHECK(s.tables[l] == w.tables[l],
			 "level %u: %lld tables counted, %ld linked", l,
			 (long long)s.tables[l], w.tables[l]);
}

/*
 * Extent of the leaf mapping @pfn, in pages ([*@first, *@end)), or just
 * @pfn if nothing maps it; returns its level, 0 if unmapped.
 */
static unsigned int leaf_extent(u64 pfn, u64 *first, u64 *end)
{
	struct tdpmmu_leaf leaf;

	if (!fz_lookup(pfn, &leaf)) {
		*first = pfn;
		*end = pfn + 1;
		return 0;
	}
	*first = leaf.addr >> 12;
	*end = *first + (tdpmmu_level_size(leaf.level) >> 12);
	return leaf.level;
}

/* ---- decoding ---- */

/*
 * The page an operation starts at: mostly in the first 16M of one of the
 * four 1G regions, so that operations meet what earlier ones mapped.
 */
static u64 op_pfn(const struct fz_op *op)
{
	if (op->c & BIT(31))
		return op->c % FZ_PAGES;
	return ((op->c >> 24 & 3) << 18) + (op->c & 4095);
}

static void op_range(const struct fz_op *op, u64 *pfn, u64 *end)
{
	u64 p = op_pfn(op), n;

	switch (op->a & 7) {
	case 0: case 1: case 2:
		n = op->b % 16 + 1;
		break;
	case 3: case 4:
		n = op->b % 1024 + 1;
		break;
	case 5: case 6:
		p = round_down(p, 512);
		n = (op->b % 8 + 1) * 512;
		break;
	default:
		p = round_down(p, 1 << 18);
		n = 1 << 18;
		break;
	}
	*pfn = p;
	*end = min_t(u64, p + n, FZ_PAGES);
}

/* An output address for @pfn: congruent to 1G, to 2M, 4K, or identity. */
static u64 op_oa(const struct fz_op *op, u64 pfn)
{
	u64 oa;

	switch ((op->a >> 3) & 3) {
	case 0:
		oa = ((u64)(op->b % 1024) << 18) + (pfn & ((1 << 18) - 1));
		break;
	case 1:
		oa = ((u64)op->b << 9) + (pfn & 511);
		break;
	case 2:
		oa = ((u64)op->b << 12) ^ (op->c >> 20);
		break;
	default:
		oa = pfn;
		break;
	}
	return (oa % FZ_OA_PAGES) << 12;
}

/* Readable always (protect never takes it away), write/exec from @bits. */
static u32 op_prot(unsigned int bits)
{
	return TDPMMU_PROT_READ | (bits & 1 ? TDPMMU_PROT_WRITE : 0) |
	       (bits & 2 ? TDPMMU_PROT_EXEC : 0);
}

/* A leaf level the instance allows, up to 1G (the window is 4G), from @sel. */
static unsigned int op_level(unsigned int sel)
{
	u32 levels = fz.t.leaf_levels & GENMASK(3, 1);
	unsigned int l;

	sel %= __builtin_popcount(levels);
	for (l = 1; l <= 3; l++)
		if (levels & BIT(l) && !sel--)
			return l;
	return 1;
}

/* ---- operations ---- */

/* Model @oa.. mapped over [@pfn, @end), fresh: not dirty, not young. */
static void model_map(u64 pfn, u64 end, u64 oa, u32 prot)
{
	for (; pfn < end; pfn++, oa += PAGE_SIZE)
		m_set(pfn, m_leaf(oa, prot));
}

static void do_map_range(const struct fz_op *op)
{
	static const unsigned int modes[] = { 0, TDPMMU_OWNED,
					      TDPMMU_EXCLUSIVE, 0 };
	unsigned int flags = modes[op->b >> 14];
	u64 pfn, end, first, oa, mapped;
	struct tdpmmu_gather g;
	u32 prot = op_prot(op->a >> 5);
	int ret;

	op_range(op, &pfn, &end);
	oa = op_oa(op, pfn);
	first = m_next(pfn, end);
	tdpmmu_gather_init(&g);
	ret = tdpmmu_map_range_gfp(&fz.t, fz.root, pfn << 12, oa,
				   (end - pfn) << 12, prot, 0, flags,
				   GFP_KERNEL, &mapped, &g);
	tdpmmu_gather_finish(&fz.t, &g);
	FZ_CHECK(!(mapped & (PAGE_SIZE - 1)) && mapped <= (end - pfn) << 12,
		 "mapped %llx", mapped);
	if (ret == -ENOMEM)
		FZ_CHECK(fz.failed && mapped <= (first - pfn) << 12,
			 "-ENOMEM, mapped %llx", mapped);
	else if (first < end)
		FZ_CHECK(ret == -EEXIST && mapped == (first - pfn) << 12,
			 "ret %d mapped %llx, first mapped page %llx", ret,
			 mapped, first << 12);
	else
		FZ_CHECK(!ret && mapped == (end - pfn) << 12,
			 "ret %d mapped %llx", ret, mapped);
	model_map(pfn, pfn + (mapped >> 12), oa, prot);
	check_range(pfn, end, op->c);
}

/*
 * One leaf, tdpmmu_map() (never replaces) or tdpmmu_fault() (replaces
 * tables and smaller leaves, splits larger ones, changes permissions of
 * a leaf with the same output address).
 */
static void do_map_leaf(const struct fz_op *op, bool fault)
{
	unsigned int level = op_level(op->b >> 12), cur;
	u64 size = tdpmmu_level_size(level) >> 12;
	u64 pfn = round_down(op_pfn(op), size), end = pfn + size;
	u64 oa = round_down(op_oa(op, pfn), size << 12), first, lend, p;
	struct tdpmmu_leaf leaf = { .addr = pfn << 12, .oa = oa,
				    .level = level,
				    .prot = op_prot(op->a >> 5) };
	struct tdpmmu_leaf old;
	struct tdpmmu_gather g;
	bool same = false;
	u32 linked;
	int ret;

	if (fz_topup(TDPMMU_MAX_LEVELS))
		return;
	cur = leaf_extent(pfn, &first, &lend);
	if (cur)
		fz_lookup(pfn, &old);
	/* A leaf at or above @level with this output address. */
	if (cur >= level)
		same = old.oa + ((pfn << 12) - old.addr) == oa;
	tdpmmu_gather_init(&g);
	read_lock(&fz.lock);
	if (fault)
		ret = tdpmmu_fault(&fz.t, fz.root, &leaf, 0, &fz.cache,
				   &linked, &g);
	else
		ret = tdpmmu_map(&fz.t, fz.root, &leaf, &fz.cache, &g);
	read_unlock(&fz.lock);
	tdpmmu_gather_finish(&fz.t, &g);

	if (ret == -ENOMEM) {
		FZ_CHECK(fz.failed, "-ENOMEM with a full cache");
	} else if (!fault) {
		/* An empty table in the way is -EEXIST too. */
		if (m_any(pfn, end) && !(cur == level && same &&
					 m_prot(m_get(pfn)) ==
					 fz.fmt->prot(leaf.prot)))
			FZ_CHECK(ret == -EEXIST, "map over a mapping: %d", ret);
		else
			FZ_CHECK(!ret || ret == -EEXIST, "map: %d", ret);
		if (!ret)
			model_map(pfn, end, oa, leaf.prot);
	} else if (cur >= level && !same) {
		FZ_CHECK(ret == -EEXIST, "fault over another leaf: %d", ret);
	} else {
		FZ_CHECK(ret == 0 || ret == 1, "fault: %d", ret);
		if (same) {
			/* Permissions change in place; A/D are kept. */
			for (p = pfn; p < end; p++)
				m_set(p, (m_get(p) & ~M_PROT) |
				      ((u64)fz.fmt->prot(leaf.prot) <<
				       M_PROT_SHIFT));
		} else {
			model_map(pfn, end, oa, leaf.prot);
		}
	}
	check_range(pfn, end, op->c);
}

/*
 * Model the removal of [@pfn, @end) up to @bytes of removed leaves: the
 * removed part is a prefix of the model's mapped pages.
 */
static void model_unmap_prefix(u64 pfn, u64 end, u64 bytes)
{
	u64 p;

	for (p = m_next(pfn, end); p < end && bytes; p = m_next(p + 1, end)) {
		m_set(p, 0);
		bytes -= PAGE_SIZE;
	}
	FZ_CHECK(!bytes, "unmapped more than was mapped: %llx left", bytes);
}

static void do_unmap(const struct fz_op *op)
{
	unsigned int flags = 0, lf, ll;
	bool cache = op->b & 1, whole = op->b & 2;
	u64 pfn, end, f0, e0, f1, e1, unmapped, want;
	struct tdpmmu_gather g;
	bool straddle;
	int ret;

	op_range(op, &pfn, &end);
	if (op->b & 4)
		flags |= TDPMMU_UNMAP_TABLES;
	if (op->b & 8)
		flags |= TDPMMU_EXCLUSIVE;
	else if (op->b & 16)
		flags |= TDPMMU_OWNED;
	if (op->b & 32)
		flags |= TDPMMU_YIELD;
	if (whole)
		flags |= TDPMMU_UNMAP_WHOLE;
	if (cache && fz_topup(TDPMMU_CACHE_CAPACITY))
		return;
	lf = leaf_extent(pfn, &f0, &e0);
	ll = leaf_extent(end - 1, &f1, &e1);
	straddle = (lf > 1 && f0 < pfn) || (ll > 1 && e1 > end);
	tdpmmu_gather_init(&g);
	fz_lock(flags);
	ret = tdpmmu_unmap(&fz.t, fz.root, pfn << 12, (end - pfn) << 12,
			   flags, cache ? &fz.cache : NULL, &unmapped, &g);
	fz_unlock(flags);
	tdpmmu_gather_finish(&fz.t, &g);

	if (whole) {
		/* Every leaf the range touches goes, whole. */
		FZ_CHECK(!ret, "unmap whole: %d", ret);
		if (lf)
			pfn = min(pfn, f0);
		if (ll)
			end = max(end, e1);
		want = 0;
		for (f0 = m_next(pfn, end); f0 < end; f0 = m_next(f0 + 1, end))
			want += PAGE_SIZE;
		FZ_CHECK(unmapped == want, "unmapped %llx, model %llx",
			 unmapped, want);
		model_unmap_prefix(pfn, end, unmapped);
	} else if (ret == -EBUSY) {
		FZ_CHECK(!cache && straddle, "-EBUSY: cache %d straddle %d",
			 cache, straddle);
		model_unmap_prefix(pfn, end, unmapped);
	} else if (ret == -ENOMEM) {
		FZ_CHECK(cache && fz.failed && straddle,
			 "-ENOMEM");
		model_unmap_prefix(pfn, end, unmapped);
	} else {
		FZ_CHECK(!ret && (cache || !straddle), "unmap: %d", ret);
		model_unmap_prefix(pfn, end, unmapped);
		FZ_CHECK(!m_any(pfn, end), "pages left mapped");
	}
	check_range(pfn, end, op->c);
}

static void split_leaf(struct fz_walk *w, u64 addr, u64 oa,
		       unsigned int level, u32 prot)
{
	FZ_CHECK(level <= fz.chk_level || addr >= fz.chk_end ||
		 addr + tdpmmu_level_size(level) <= fz.chk_start,
		 "leaf %llx at level %u after a split to %u", addr, level,
		 fz.chk_level);
}

/* Eager split down to 4K or 2M: no translation changes. */
static void do_split(const struct fz_op *op)
{
	unsigned int level = op->b & 1 ? 2 : 1, flags = 0;
	u64 pfn, end, done, off = 0;
	struct tdpmmu_gather g;
	int ret;

	op_range(op, &pfn, &end);
	if (!(fz.t.leaf_levels & BIT(level)))
		level = 1;
	if (op->b & 2)
		flags |= TDPMMU_EXCLUSIVE;
	if (op->b & 4)
		flags |= TDPMMU_YIELD;
	tdpmmu_gather_init(&g);
	do {
		ret = fz_topup(TDPMMU_CACHE_CAPACITY);
		if (ret)
			break;
		fz_lock(flags);
		ret = tdpmmu_split(&fz.t, fz.root, (pfn << 12) + off,
				   ((end - pfn) << 12) - off, level, flags,
				   &fz.cache, &done, &g);
		fz_unlock(flags);
		off += done;
	} while (ret == -ENOMEM);
	tdpmmu_gather_finish(&fz.t, &g);
	FZ_CHECK(!ret || (ret == -ENOMEM && fz.failed),
		 "split: %d", ret);
	if (!ret) {
		/* Every leaf in the range is at @level or below now. */
		struct fz_walk w = { .leaf = split_leaf };

		fz.chk_start = pfn << 12;
		fz.chk_end = end << 12;
		fz.chk_level = level;
		fz.fmt->walk(&fz.t, fz.root, FZ_WINDOW, &w);
	}
	check_range(pfn, end, op->c);
}

/* Can the model's pages [@pfn, @pfn + @n) be one leaf? */
static bool m_collapsible(u64 pfn, u64 n)
{
	u64 m0 = m_get(pfn), p, m;

	if (!(m0 & M_PRESENT) || (m0 & M_OA) & ((n << 12) - 1))
		return false;
	for (p = 1; p < n; p++) {
		m = m_get(pfn + p);
		if (!(m & M_PRESENT) || (m & M_OA) != (m0 & M_OA) + (p << 12) ||
		    m_prot(m) != m_prot(m0))
			return false;
	}
	return true;
}

static void do_collapse(const struct fz_op *op)
{
	unsigned int flags = 0, level, l;
	u64 pfn, end, n, p, first, lend, collapsed;
	struct tdpmmu_gather g;
	int ret;

	op_range(op, &pfn, &end);
	if (op->b & 1)
		flags |= TDPMMU_EXCLUSIVE;
	if (op->b & 2)
		flags |= TDPMMU_YIELD;
	tdpmmu_gather_init(&g);
	fz_lock(flags);
	ret = tdpmmu_collapse(&fz.t, fz.root, pfn << 12, (end - pfn) << 12,
			      flags, &collapsed, &g);
	fz_unlock(flags);
	tdpmmu_gather_finish(&fz.t, &g);
	FZ_CHECK(!ret, "collapse: %d", ret);
	/* Nothing collapsible inside the range is left as a table. */
	for (level = 2; level <= 3; level++) {
		if (!(fz.t.leaf_levels & BIT(level)))
			continue;
		n = tdpmmu_level_size(level) >> 12;
		for (p = round_up(pfn, n); p + n <= end; p += n) {
			if (!m_collapsible(p, n))
				continue;
			l = leaf_extent(p, &first, &lend);
			FZ_CHECK(l >= level, "%llx: level %u, collapsible at %u",
				 p << 12, l, level);
		}
	}
	check_range(pfn, end, op->c);
}

static void do_protect(const struct fz_op *op)
{
	u32 set = op_prot(op->b) & ~TDPMMU_PROT_READ;
	u32 clear = op_prot(op->b >> 2) & ~TDPMMU_PROT_READ & ~set;
	bool cache = op->b & 16, huge = op->b & 32;
	unsigned int flags = 0, lf, ll, l;
	u64 pfn, end, f0, e0, f1, e1, done, p, lend, m;
	struct tdpmmu_gather g;
	u8 *level;
	bool straddle;
	int ret;

	op_range(op, &pfn, &end);
	if (op->b & 64)
		flags |= TDPMMU_EXCLUSIVE;
	if (op->b & 128)
		flags |= TDPMMU_YIELD;
	if (huge) {
		/* Huge leaves only: on 2M boundaries, so splits stay huge. */
		if (!(fz.t.leaf_levels & BIT(2)))
			return;
		pfn = round_down(pfn, 512);
		end = min_t(u64, round_up(end, 512), FZ_PAGES);
		flags |= TDPMMU_HUGE_ONLY;
	}
	if (cache && fz_topup(TDPMMU_CACHE_CAPACITY))
		return;
	lf = leaf_extent(pfn, &f0, &e0);
	ll = leaf_extent(end - 1, &f1, &e1);
	straddle = (lf > 1 && f0 < pfn) || (ll > 1 && e1 > end);
	level = calloc(end - pfn, 1);
	if (!level)
		abort();
	for (p = m_next(pfn, end); huge && p < end; p = m_next(lend, end)) {
		l = leaf_extent(p, &f0, &lend);
		memset(level + (p - pfn), l, min(lend, end) - p);
	}
	tdpmmu_gather_init(&g);
	fz_lock(flags);
	ret = tdpmmu_protect(&fz.t, fz.root, pfn << 12, (end - pfn) << 12,
			     set, clear, flags, cache ? &fz.cache : NULL,
			     &done, &g);
	fz_unlock(flags);
	tdpmmu_gather_finish(&fz.t, &g);
	if (!(set | clear))
		FZ_CHECK(ret == -EINVAL && !done, "protect nothing: %d", ret);
	else if (ret == -EBUSY)
		FZ_CHECK(!cache && straddle, "-EBUSY");
	else if (ret == -ENOMEM)
		FZ_CHECK(cache && straddle && fz.failed, "-ENOMEM");
	else
		FZ_CHECK(!ret && done == (end - pfn) << 12 &&
			 (cache || !straddle), "protect: %d done %llx", ret,
			 done);
	FZ_CHECK(!(done & (PAGE_SIZE - 1)) && done <= (end - pfn) << 12,
		 "done %llx", done);
	/* With HUGE_ONLY, leaves that were 4K before the call stay as they are. */
	for (p = m_next(pfn, pfn + (done >> 12)); p < pfn + (done >> 12);
	     p = m_next(p + 1, pfn + (done >> 12))) {
		if (huge && level[p - pfn] == 1)
			continue;
		m = m_get(p);
		m = (m & ~M_PROT) | ((u64)fz.fmt->prot((m_prot(m) | set) &
						       ~clear) << M_PROT_SHIFT);
		m_set(p, m);
	}
	free(level);
	check_range(pfn, end, op->c);
}

/* A device or vCPU access through the table, as hardware does it. */
static void do_access(const struct fz_op *op)
{
	u64 pfn = op_pfn(op), m = m_get(pfn), p, end, bits;
	bool write = op->b & 1;
	struct tdpmmu_leaf leaf;
	int ret;

	ret = fz.fmt->hw_access(&fz.t, fz.root, pfn << 12, write, &leaf);
	if (!(m & M_PRESENT)) {
		FZ_CHECK(ret == -ENOENT, "access to unmapped %llx: %d",
			 pfn << 12, ret);
		return;
	}
	if (write && !(m_prot(m) & TDPMMU_PROT_WRITE)) {
		FZ_CHECK(ret == -EACCES, "write to read-only %llx: %d",
			 pfn << 12, ret);
		return;
	}
	FZ_CHECK(!ret && leaf.oa + ((pfn << 12) - leaf.addr) == (m & M_OA),
		 "access %llx: %d", pfn << 12, ret);
	if (!fz.fmt->ad || !(fz.fmt->ad_always || fz.t.hw_ad))
		return;
	/* Hardware sets the bits in the leaf: all of its pages. */
	bits = M_YOUNG | (write ? M_DIRTY : 0);
	p = leaf.addr >> 12;
	end = p + (tdpmmu_level_size(leaf.level) >> 12);
	for (; p < end; p++)
		m_set(p, m_get(p) | bits);
}

static void do_read_clear_dirty(const struct fz_op *op)
{
	unsigned int flags = 0;
	u64 pfn, end, done, p, off = 0;
	struct tdpmmu_gather g;
	unsigned long *bitmap;
	bool split = op->b & 2;
	int ret;

	op_range(op, &pfn, &end);
	if (op->b & 1)
		flags |= TDPMMU_DIRTY_NO_CLEAR;
	if (split && fz.t.leaf_levels & BIT(1))
		flags |= TDPMMU_DIRTY_SPLIT;
	if (op->b & 4)
		flags |= TDPMMU_EXCLUSIVE;
	bitmap = calloc(BITS_TO_LONGS(end - pfn), sizeof(long));
	if (!bitmap)
		abort();
	tdpmmu_gather_init(&g);
	do {
		if (split && fz_topup(TDPMMU_CACHE_CAPACITY)) {
			ret = -ENOMEM;
			break;
		}
		fz_lock(flags);
		ret = tdpmmu_read_clear_dirty(&fz.t, fz.root,
					      (pfn << 12) + off,
					      ((end - pfn) << 12) - off, flags,
					      bitmap + off / PAGE_SIZE / BITS_PER_LONG,
					      split ? &fz.cache : NULL, &done,
					      &g);
		fz_unlock(flags);
		/* A retry resumes on a long boundary of the bitmap. */
		done = round_down(done, PAGE_SIZE * BITS_PER_LONG);
		off += done;
	} while (ret == -ENOMEM && done);
	tdpmmu_gather_finish(&fz.t, &g);
	if (!fz.fmt->ad) {
		/* (or the cache could not be filled before the call) */
		FZ_CHECK(ret == -EOPNOTSUPP ||
			 (ret == -ENOMEM && fz.failed),
			 "dirty on a format without: %d", ret);
		goto out;
	}
	FZ_CHECK(!ret || (ret == -ENOMEM && fz.failed),
		 "read_clear_dirty: %d", ret);
	if (!ret)
		off = (end - pfn) << 12;
	for (p = pfn; p < end; p++) {
		u64 m = m_get(p);
		bool set = test_bit(p - pfn, bitmap);

		if (m & M_DIRTY && p < pfn + (off >> 12))
			FZ_CHECK(set, "dirty %llx not reported", p << 12);
		if (set)
			FZ_CHECK(m & M_PRESENT, "unmapped %llx reported dirty",
				 p << 12);
		if (!(flags & TDPMMU_DIRTY_NO_CLEAR) && p < pfn + (off >> 12))
			m_set(p, m & ~M_DIRTY);
	}
out:
	free(bitmap);
	check_range(pfn, end, op->c);
}

/* KVM's masked clear: leaves with a page in the mask, cleared whole. */
static void do_clear_dirty_mask(const struct fz_op *op)
{
	u64 pfn = op_pfn(op), p, first[24], end[24], m;
	unsigned long mask = op->b | ((unsigned long)op->a << 16) | 1;
	bool wrprot = op->code & 1;
	unsigned int flags = wrprot ? TDPMMU_DIRTY_WRPROT : 0, nbits = 24, i;
	struct tdpmmu_gather g;
	int ret;

	if (pfn + nbits > FZ_PAGES)
		pfn = FZ_PAGES - nbits;
	/* The leaves the mask touches, before they change. */
	for (i = 0; i < nbits; i++) {
		first[i] = 0;
		end[i] = 0;
		if (mask & BIT(i))
			leaf_extent(pfn + i, &first[i], &end[i]);
	}
	tdpmmu_gather_init(&g);
	read_lock(&fz.lock);
	ret = tdpmmu_clear_dirty_mask(&fz.t, fz.root, pfn << 12, &mask, nbits,
				      flags, &g);
	read_unlock(&fz.lock);
	tdpmmu_gather_finish(&fz.t, &g);
	if (!wrprot && !fz.fmt->ad) {
		FZ_CHECK(ret == -EOPNOTSUPP, "clear dirty without: %d", ret);
		return;
	}
	FZ_CHECK(!ret, "clear_dirty_mask: %d", ret);
	for (i = 0; i < nbits; i++) {
		/* Leaves shared by neighbouring bits: once is enough. */
		if (i && first[i] == first[i - 1])
			continue;
		for (p = m_next(first[i], end[i]); p < end[i];
		     p = m_next(p + 1, end[i])) {
			m = m_get(p);
			if (wrprot)
				m = (m & ~M_PROT) |
				    ((u64)fz.fmt->prot(m_prot(m) &
						       ~TDPMMU_PROT_WRITE) <<
				     M_PROT_SHIFT);
			else
				m &= ~M_DIRTY;
			m_set(p, m);
		}
	}
	check_range(pfn, pfn + nbits, op->c);
}

static void do_age(const struct fz_op *op)
{
	bool test_only = op->b & 1;
	u64 pfn, end, young, p, first, lend, any = 0;
	int ret;

	op_range(op, &pfn, &end);
	for (p = m_next(pfn, end); p < end; p = m_next(p + 1, end))
		if (m_get(p) & M_YOUNG)
			any++;
	ret = tdpmmu_age(&fz.t, fz.root, pfn << 12, (end - pfn) << 12,
			 test_only ? TDPMMU_AGE_TEST_ONLY : 0, &young);
	if (!fz.fmt->ad) {
		FZ_CHECK(ret == -EOPNOTSUPP, "age without A: %d", ret);
		return;
	}
	FZ_CHECK(!ret, "age: %d", ret);
	if (any)
		FZ_CHECK(young, "%llu young pages, none reported", any);
	if (test_only || !young)
		return;
	/* Cleared in every leaf the range touches, wholly or in part. */
	for (p = m_next(pfn, end); p < end; p = m_next(lend, end)) {
		leaf_extent(p, &first, &lend);
		m_clear_bits(first, lend, M_YOUNG);
	}
}

/* ---- the invalidation protocol ---- */

static bool overlaps(u64 s0, u64 e0, u64 s1, u64 e1)
{
	return s0 < e1 && s1 < e0;
}

/* A notifier's start: track the range, then zap it (whole leaves). */
static void do_inval_begin(const struct fz_op *op)
{
	bool blockable = !(op->b & 1);
	struct fz_op zap = { .a = op->a, .b = 2 | 4, .c = op->c };
	u64 pfn, end;
	int ret;

	if (fz.nr_iv == FZ_INVALS)
		return;
	op_range(op, &pfn, &end);
	ret = tdpmmu_inval_begin(&fz.iv, pfn << 12, end << 12, blockable);
	FZ_CHECK(!ret || (ret == -EAGAIN && !blockable), "begin: %d", ret);
	if (ret)
		return;
	fz.iv_start[fz.nr_iv] = pfn << 12;
	fz.iv_end[fz.nr_iv++] = end << 12;
	do_unmap(&zap);
}

static void do_inval_end(const struct fz_op *op)
{
	unsigned int i;

	if (!fz.nr_iv)
		return;
	i = op->b % fz.nr_iv;
	tdpmmu_inval_end(&fz.iv, fz.iv_start[i], fz.iv_end[i]);
	if (fz.snap_valid && fz.nr_ended < ARRAY_SIZE(fz.ended_start)) {
		fz.ended_start[fz.nr_ended] = fz.iv_start[i];
		fz.ended_end[fz.nr_ended] = fz.iv_end[i];
	}
	fz.nr_ended++;
	fz.nr_iv--;
	fz.iv_start[i] = fz.iv_start[fz.nr_iv];
	fz.iv_end[i] = fz.iv_end[fz.nr_iv];
}

/*
 * A fault takes the sequence before it resolves, and asks whether to
 * retry before it installs: yes if an invalidation of an overlapping
 * range is in flight or ended meanwhile; no otherwise, unless more ended
 * than the history holds.
 */
static void do_inval_fault(const struct fz_op *op)
{
	bool in_flight = false, ended = false, retry;
	u64 pfn, end, s, e;
	unsigned int i;

	if (!(op->b & 1) || !fz.snap_valid) {
		fz.snap_seq = tdpmmu_inval_seq(&fz.iv);
		fz.snap_valid = true;
		fz.nr_ended = 0;
		return;
	}
	op_range(op, &pfn, &end);
	s = pfn << 12;
	e = end << 12;
	for (i = 0; i < fz.nr_iv; i++)
		in_flight |= overlaps(s, e, fz.iv_start[i], fz.iv_end[i]);
	for (i = 0; i < min_t(unsigned int, fz.nr_ended,
			      ARRAY_SIZE(fz.ended_start)); i++)
		ended |= overlaps(s, e, fz.ended_start[i], fz.ended_end[i]);
	FZ_CHECK(tdpmmu_inval_in_flight(&fz.iv, s, e) == in_flight,
		 "in_flight %llx-%llx: model %d", s, e, in_flight);
	retry = tdpmmu_inval_retry(&fz.iv, fz.snap_seq, s, e);
	if (in_flight || ended)
		FZ_CHECK(retry, "no retry over %llx-%llx (in flight %d, ended %d)",
			 s, e, in_flight, ended);
	else if (fz.nr_ended <= TDPMMU_INVAL_HISTORY)
		FZ_CHECK(!retry, "retry over %llx-%llx, nothing overlapped",
			 s, e);
}

/* ---- instance-wide operations ---- */

static void model_clear(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fz.chunk); i++) {
		free(fz.chunk[i]);
		fz.chunk[i] = NULL;
	}
	fz.present = 0;
}

/* Drop the root, as a front-end does on a reset; start a new one. */
static void do_new_root(void)
{
	tdpmmu_root_invalidate(&fz.t, fz.root);
	tdpmmu_root_put(&fz.t, fz.root);
	model_clear();
	fz.root = tdpmmu_root_alloc(&fz.t, 0, GFP_KERNEL);
	if (!fz.root) {
		FZ_CHECK(fz.failed, "root_alloc failed");
		fz.fail_after = -1;
		fz.root = tdpmmu_root_alloc(&fz.t, 0, GFP_KERNEL);
		FZ_CHECK(fz.root, "root_alloc failed");
	}
	check_count();
}

/* Invalid arguments: -EINVAL, and nothing changes. */
static void do_bad_args(const struct fz_op *op)
{
	u64 base = op_pfn(op) << 12, done, young;
	struct tdpmmu_leaf leaf = { .addr = base, .oa = base, .level = 1,
				    .prot = TDPMMU_PROT_READ };
	u64 beyond = 1ULL << fz.t.va_bits;
	struct tdpmmu_gather g;
	unsigned long bm = 1;
	u32 linked;
	int ret = 0;

	tdpmmu_gather_init(&g);
	read_lock(&fz.lock);
	switch (op->b % 12) {
	case 0:
		ret = tdpmmu_map_range(&fz.t, fz.root, base + 1, base,
				       PAGE_SIZE, TDPMMU_PROT_READ, 0, 0,
				       &fz.cache, &done, &g);
		break;
	case 1:
		ret = tdpmmu_map_range(&fz.t, fz.root, base, base, 0,
				       TDPMMU_PROT_READ, 0, 0, &fz.cache,
				       &done, &g);
		break;
	case 2:
		ret = tdpmmu_map_range(&fz.t, fz.root, beyond - PAGE_SIZE,
				       base, 2 * PAGE_SIZE, TDPMMU_PROT_READ,
				       0, 0, &fz.cache, &done, &g);
		break;
	case 3:
		ret = tdpmmu_map_range(&fz.t, fz.root, base, base, PAGE_SIZE,
				       0, 0, 0, &fz.cache, &done, &g);
		break;
	case 4:
		leaf.level = fz.t.levels + 1;
		ret = tdpmmu_map(&fz.t, fz.root, &leaf, &fz.cache, &g);
		break;
	case 5:
		leaf.oa += PAGE_SIZE / 2;
		ret = tdpmmu_fault(&fz.t, fz.root, &leaf, 0, &fz.cache,
				   &linked, &g);
		break;
	case 6:
		ret = tdpmmu_unmap(&fz.t, fz.root, base, PAGE_SIZE + 1, 0,
				   NULL, &done, &g);
		break;
	case 7:
		ret = tdpmmu_split(&fz.t, fz.root, base, PAGE_SIZE,
				   fz.t.levels + 1, 0, &fz.cache, &done, &g);
		break;
	case 8:
		ret = tdpmmu_protect(&fz.t, fz.root, base, PAGE_SIZE, 0, 0,
				     TDPMMU_UNMAP_TABLES, NULL, &done, &g);
		break;
	case 9:
		ret = tdpmmu_read_clear_dirty(&fz.t, fz.root, base, PAGE_SIZE,
					      0, NULL, NULL, &done, &g);
		break;
	case 10:
		ret = tdpmmu_clear_dirty_mask(&fz.t, fz.root, base, &bm, 0, 0,
					      &g);
		break;
	default:
		ret = tdpmmu_age(&fz.t, fz.root, base, PAGE_SIZE,
				 TDPMMU_YIELD, &young);
		break;
	}
	read_unlock(&fz.lock);
	tdpmmu_gather_finish(&fz.t, &g);
	FZ_CHECK(ret == -EINVAL, "bad argument %u: %d", op->b % 12, ret);
	FZ_CHECK(tdpmmu_lookup(&fz.t, fz.root, beyond, &leaf) == -EINVAL,
		 "lookup beyond the input address width");
	FZ_CHECK(tdpmmu_inval_begin(&fz.iv, base, base, true) == -EINVAL,
		 "empty invalidation");
	check_page(base >> 12);
}

/* From the @b-th allocation on (or only that one), allocations fail. */
static void do_fail(const struct fz_op *op)
{
	if (op->b & 0x8000) {
		fz.fail_after = -1;
	} else if (op->b & 0x4000) {
		tdpmmu_cache_drain(&fz.t, &fz.cache);
	} else {
		fz.fail_after = op->b % 32;
		fz.fail_once = op->b & 0x100;
	}
}

/* ---- an input ---- */

static bool fz_setup(u8 f, u8 s)
{
	static const unsigned int yields[] = { 0, 0, 5, 100 };
	const struct tdpmmu_format *fmt;
	struct tdpmmu_params p = { 0 };
	int ret;

	fz.fmt = fz_fmts[f % ARRAY_SIZE(fz_fmts)];
	fmt = fz.fmt->format;
	p.levels = min(max(fmt->min_levels, 3U) + (s & 3), fmt->max_levels);
	p.huge_levels = fmt->huge_levels & GENMASK(p.levels, 2);
	if ((s >> 2 & 3) == 1)
		p.huge_levels &= BIT(2);
	else if ((s >> 2 & 3) == 2)
		p.huge_levels = 0;
	p.hw_ad = s & 16;
	p.noncoherent = s & 32;
	rwlock_init(&fz.lock);
	fz.fail_after = -1;
	fz.opname = "init";
	ret = tdpmmu_init(&fz.t, fmt, &p, &fz_ops, &fz.lock);
	FZ_CHECK(!ret, "init: %d", ret);
	fz.t.yield_interval = yields[s >> 6];
	fz.root = tdpmmu_root_alloc(&fz.t, 0, GFP_KERNEL);
	FZ_CHECK(fz.root, "root_alloc");
	tdpmmu_inval_init(&fz.iv);
	return true;
}

static void fz_teardown(void)
{
	struct tdpmmu_gather g;
	struct tdpmmu_stats s;
	u64 unmapped, want = fz.present << 12;
	unsigned int l;
	int ret;

	fz.opname = "teardown";
	while (fz.nr_iv) {
		struct fz_op op = { 0 };

		do_inval_end(&op);
	}
	fz.fail_after = -1;
	check_all();
	FZ_CHECK(!fz_topup(TDPMMU_CACHE_CAPACITY), "topup");
	tdpmmu_gather_init(&g);
	write_lock(&fz.lock);
	ret = tdpmmu_unmap(&fz.t, fz.root, 0, FZ_WINDOW,
			   TDPMMU_UNMAP_TABLES | TDPMMU_EXCLUSIVE, &fz.cache,
			   &unmapped, &g);
	write_unlock(&fz.lock);
	tdpmmu_gather_finish(&fz.t, &g);
	FZ_CHECK(!ret && unmapped == want, "unmap all: %d, %llx of %llx", ret,
		 unmapped, want);
	model_clear();
	tdpmmu_stats_read(&fz.t, &s);
	for (l = 1; l <= TDPMMU_MAX_LEVELS; l++)
		/* Tables that span more than the window stay linked. */
		FZ_CHECK(!s.leaves[l] && (tdpmmu_level_size(l + 1) > FZ_WINDOW ||
					  !s.tables[l]),
			 "level %u: %lld leaves %lld tables left", l,
			 (long long)s.leaves[l], (long long)s.tables[l]);
	tdpmmu_root_put(&fz.t, fz.root);
	tdpmmu_cache_drain(&fz.t, &fz.cache);
	rcu_barrier();
	tdpmmu_stats_read(&fz.t, &s);
	FZ_CHECK(!s.pages, "%lld table pages not freed", (long long)s.pages);
	tdpmmu_inval_destroy(&fz.iv);
	tdpmmu_destroy(&fz.t);
	FZ_CHECK(!shim_pages_allocated, "%ld pages leaked",
		 shim_pages_allocated);
}

static void do_map(const struct fz_op *op)
{
	do_map_leaf(op, false);
}

static void do_fault(const struct fz_op *op)
{
	do_map_leaf(op, true);
}

static void do_root(const struct fz_op *op)
{
	if (op->b & 1)
		do_bad_args(op);
	else
		do_new_root();
}

/* The operations, by code; some twice, to weight them. */
static const struct {
	const char *name;
	void (*fn)(const struct fz_op *op);
} fz_table[] = {
	{ "map_range", do_map_range },
	{ "map_range", do_map_range },
	{ "map", do_map },
	{ "fault", do_fault },
	{ "unmap", do_unmap },
	{ "unmap", do_unmap },
	{ "split", do_split },
	{ "collapse", do_collapse },
	{ "protect", do_protect },
	{ "access", do_access },
	{ "access", do_access },
	{ "read_clear_dirty", do_read_clear_dirty },
	{ "clear_dirty_mask", do_clear_dirty_mask },
	{ "clear_dirty_mask wrprot", do_clear_dirty_mask },
	{ "age", do_age },
	{ "inval_begin", do_inval_begin },
	{ "inval_end", do_inval_end },
	{ "inval_fault", do_inval_fault },
	{ "fail", do_fail },
	{ "root/bad args", do_root },
};

/*
 * libFuzzer's entry points, LLVMFuzzerInitialize() and
 * LLVMFuzzerTestOneInput(): their names are libFuzzer's, given here as
 * the symbols of functions named in kernel style.
 */
int fz_init(int *argc, char ***argv) __asm__("LLVMFuzzerInitialize");
int fz_one_input(const u8 *data, size_t size)
	__asm__("LLVMFuzzerTestOneInput");

int fz_init(int *argc, char ***argv)
{
	rcu_register_thread();
	maple_tree_init();
	return 0;
}

int fz_one_input(const u8 *data, size_t size)
{
	struct fz_op op;
	size_t i;

	if (size < 2)
		return 0;
	memset(&fz, 0, sizeof(fz));
	fz_setup(data[0], data[1]);
	for (i = 2; i + 8 <= size && fz.opno < FZ_MAX_OPS; i += 8) {
		op.code = data[i] % ARRAY_SIZE(fz_table);
		op.a = data[i + 1];
		op.b = data[i + 2] | data[i + 3] << 8;
		op.c = data[i + 4] | data[i + 5] << 8 | data[i + 6] << 16 |
		       (u32)data[i + 7] << 24;
		fz.opno++;
		fz.opname = fz_table[op.code].name;
		fz.failed = false;
		fz_table[op.code].fn(&op);
		if (!(fz.opno % 16))
			check_all();
		else if (!(fz.opno % 4))
			check_count();
	}
	fz_teardown();
	return 0;
}
