/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tdpmmu dirty and access tracking, compiled once per format: included by
 * pt_core.h after the operations it shares (pt_iter_to_leaf(),
 * split_step(), pt_range_end()).
 *
 * Hardware sets PT_ACCESSED in a leaf it uses and PT_DIRTY in a leaf it
 * writes through, with a locked read-modify-write.  Software clears them
 * with cmpxchg, never with a plain store, so that a bit hardware sets
 * between the read and the write is kept, and reported by the next pass.
 * A format without the bits (PT_DIRTY or PT_ACCESSED is 0) gets
 * -EOPNOTSUPP.
 */
#ifndef PT_NAME
#error "pt_track.h is included by pt_core.h"
#endif

#include <linux/bitmap.h>

/*
 * Clear @bits in leaf *@ptep, which held *@old when read, while it stays
 * a leaf of @level that has one of them set.  Returns the bits it
 * cleared, 0 if the entry stopped being such a leaf.
 */
static inline tdpmmu_pte_t pt_clear_bits(tdpmmu_pte_t *ptep, tdpmmu_pte_t old,
					 unsigned int level, tdpmmu_pte_t bits)
{
	do {
		if (!pt_is_leaf(old, level) || pt_frozen(old) || !(old & bits))
			return 0;
	} while (!pt_cmpxchg(ptep, &old, old & ~bits));
	return old & bits;
}

/* Set the bits of the 4K granules of [@start, @end) in @bitmap at @base. */
static inline void pt_report(unsigned long *bitmap, u64 base, u64 start,
			     u64 end)
{
	unsigned int shift = tdpmmu_level_shift(1);

	if (bitmap)
		bitmap_set(bitmap, (start - base) >> shift,
			   (end - start) >> shift);
}

/*
 * Test @bits in the 4K leaves at @ptep[0..@n) and, with @clear, clear
 * them; count the leaves that had one in *@hits and, with a @bitmap, set
 * their bits there from @bit on.  With @first, stop after the first such
 * leaf.  Stops early at an entry that is not a 4K leaf.  Returns how many
 * entries it went through.
 */
static inline unsigned int pt_bits_run(tdpmmu_pte_t *ptep, unsigned int n,
				       tdpmmu_pte_t bits, bool clear,
				       bool first, unsigned long *bitmap,
				       unsigned long bit, unsigned int *hits)
{
	tdpmmu_pte_t old;
	unsigned int i;

	for (i = 0; i < n; i++) {
		old = READ_ONCE(ptep[i]);
		if (!pt_is_leaf(old, 1) || pt_frozen(old))
			break;
		if (!(old & bits))
			continue;
		if (clear && !pt_clear_bits(ptep + i, old, 1, bits))
			break;
		if (bitmap)
			__set_bit(bit + i, bitmap);
		(*hits)++;
		if (first)
			return i + 1;
	}
	return i;
}

static int PT_NAME(read_clear_dirty)(struct tdpmmu *t, struct tdpmmu_root *root,
				     u64 addr, u64 size, unsigned int flags,
				     unsigned long *bitmap,
				     struct tdpmmu_cache *cache, u64 *done,
				     struct tdpmmu_gather *g)
{
	bool clear = !(flags & TDPMMU_DIRTY_NO_CLEAR), covered;
	u64 end = addr + size, lsize;
	unsigned int n, dirty;
	struct pt_iter it;
	long retries = 0;
	int ret;

	if (!PT_DIRTY)
		return -EOPNOTSUPP;
	rcu_read_lock();
	pt_iter_start(&it, t, root, addr, end, 1);
	while (!(ret = pt_iter_to_leaf(t, &it, flags, g))) {
		lsize = tdpmmu_level_size(it.level);
		covered = it.addr >= addr && it.addr + lsize <= end;
		if (it.level > 1 && flags & TDPMMU_DIRTY_SPLIT) {
			ret = PT_NAME(split_step)(t, &it, cache, flags,
						  &retries, g);
			if (ret)
				break;
			continue;
		}
		if (it.level == 1) {
			dirty = 0;
			n = pt_bits_run(it.ptep, pt_iter_run_room(&it) + 1,
					PT_DIRTY, clear, false, bitmap,
					(it.addr - addr) >> tdpmmu_level_shift(1),
					&dirty);
			if (!n) {
				/* Changed under us: look at it again. */
				retries++;
				it.old = READ_ONCE(*it.ptep);
				continue;
			}
			/* A cleared D must be set again: flush. */
			if (clear && dirty)
				tdpmmu_gather_add_range(g, it.addr, n * lsize,
							1);
			pt_iter_run_skip(&it, n);
			pt_iter_run_end(&it);
			continue;
		}
		/*
		 * A huge leaf is reported at its size.  One only partly in
		 * the range keeps its dirty bit: clearing it would lose the
		 * writes to the part outside, which the caller did not ask
		 * about (over-reporting is safe, under-reporting is not).
		 */
		if (it.old & PT_DIRTY) {
			if (clear && covered) {
				if (!pt_clear_bits(it.ptep, it.old, it.level,
						   PT_DIRTY)) {
					retries++;
					it.old = READ_ONCE(*it.ptep);
					continue;
				}
				tdpmmu_gather_add_range(g, it.addr, lsize,
							it.level);
			}
			pt_report(bitmap, addr, max(it.addr, addr),
				  min(it.addr + lsize, end));
		}
		pt_iter_next(&it, false);
	}
	rcu_read_unlock();
	return pt_range_end(t, &it, addr, size, ret, retries, done);
}

static int PT_NAME(clear_dirty_mask)(struct tdpmmu *t, struct tdpmmu_root *root,
				     u64 addr, const unsigned long *bitmap,
				     unsigned long nbits, unsigned int flags,
				     struct tdpmmu_gather *g)
{
	unsigned int shift = tdpmmu_level_shift(1);
	bool wrprot = flags & TDPMMU_DIRTY_WRPROT;
	unsigned long first, last, lo, hi;
	tdpmmu_pte_t new;
	struct pt_iter it;
	long retries = 0;
	u64 lsize;
	u32 prot;
	int ret;

	if (!wrprot && !PT_DIRTY)
		return -EOPNOTSUPP;
	first = find_first_bit(bitmap, nbits);
	if (first >= nbits)
		return 0;
	last = find_last_bit(bitmap, nbits);
	rcu_read_lock();
	pt_iter_start(&it, t, root, addr + ((u64)first << shift),
		      addr + ((u64)(last + 1) << shift), 1);
	while (!(ret = pt_iter_to_leaf(t, &it, flags, g))) {
		lsize = tdpmmu_level_size(it.level);
		/* The bits of this leaf's granules, within the bitmap. */
		lo = max(it.addr, it.start) - addr;
		hi = min(it.addr + lsize, it.end) - addr;
		if (find_next_bit(bitmap, hi >> shift, lo >> shift) >=
		    hi >> shift) {
			pt_iter_next(&it, false);
			continue;
		}
		if (wrprot) {
			prot = pt_leaf_prot(it.old) & ~TDPMMU_PROT_WRITE;
			if (!(prot & PT_PROT_MASK)) {
				ret = -EINVAL;
				break;
			}
			new = pt_leaf_set_prot(it.old, prot);
		} else {
			new = it.old & ~PT_DIRTY;
		}
		/*
		 * Losing a write-protect to a collapse loses dirty logging;
		 * losing a D clear only reports the page again, whereas doing
		 * it again on the huge leaf would clear the D of its other
		 * pages, unreported.
		 */
		if (pt_change_leaf(t, &it, new,
				   wrprot && !(flags & TDPMMU_EXCLUSIVE), g)) {
			retries++;
			continue;
		}
		pt_iter_next(&it, false);
	}
	rcu_read_unlock();
	if (retries)
		tdpmmu_stat_add(t, retries, retries);
	return ret > 0 ? 0 : ret;
}

/*
 * Test and clear the accessed bits of the leaves in a range.  Lockless:
 * entries are only read, and cleared with cmpxchg; frozen entries and
 * tables being changed are skipped, as they are about to go away.  RCU
 * keeps every table the walk can reach alive.
 */
static int PT_NAME(age)(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
			u64 size, unsigned int flags, u64 *young)
{
	bool test_only = flags & TDPMMU_AGE_TEST_ONLY;
	u64 end = addr + size, lsize;
	unsigned int n, hits;
	struct pt_iter it;

	if (!PT_ACCESSED)
		return -EOPNOTSUPP;
	rcu_read_lock();
	pt_iter_start(&it, t, root, addr, end, 1);
	while (it.valid) {
		if (!pt_is_leaf(it.old, it.level) || pt_frozen(it.old)) {
			pt_iter_next(&it, !pt_frozen(it.old));
			continue;
		}
		lsize = tdpmmu_level_size(it.level);
		if (it.level == 1) {
			hits = 0;
			n = pt_bits_run(it.ptep, pt_iter_run_room(&it) + 1,
					PT_ACCESSED, !test_only, test_only,
					NULL, 0, &hits);
			*young += (u64)hits * lsize;
			if (test_only && hits)
				break;
			if (n) {
				pt_iter_run_skip(&it, n);
				pt_iter_run_end(&it);
			} else {
				/* Changed under us: look at it again. */
				it.old = READ_ONCE(*it.ptep);
			}
			continue;
		}
		if (it.old & PT_ACCESSED &&
		    (test_only || pt_clear_bits(it.ptep, it.old, it.level,
						PT_ACCESSED))) {
			*young += min(it.addr + lsize, end) -
				  max(it.addr, addr);
			if (test_only)
				break;
		}
		pt_iter_next(&it, false);
	}
	rcu_read_unlock();
	return 0;
}
