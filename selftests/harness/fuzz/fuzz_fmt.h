/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One format under the fuzzer: a fuzz_fmt_<fmt>.c includes the format's
 * header, defines FZ_DESC (the struct fz_fmt to define), FZ_FORMAT and
 * FZ_PROT(prot), and includes this file.
 */
#include <linux/atomic.h>

#include "pt_entry.h"
#include "test_hw.h"
#include "fuzz.h"

static u32 fz_prot(u32 prot)
{
	return FZ_PROT(prot);
}

/* A hardware walker: A/D set where the format and the instance say so. */
static int fz_hw_access(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
			bool write, struct tdpmmu_leaf *leaf)
{
	bool ad = PT_HW_BITS && (PT_AD_ALWAYS || READ_ONCE(t->hw_ad));

	return pt_hw_access(root->table, t->levels, addr, write,
			    ad ? PT_ACCESSED | (write ? PT_DIRTY : 0) : 0,
			    leaf, NULL);
}

static void fz_walk_table(tdpmmu_pte_t *table, unsigned int level, u64 base,
			  u64 end, struct fz_walk *w)
{
	u64 size = tdpmmu_level_size(level), addr;
	tdpmmu_pte_t pte;
	unsigned int i;

	for (i = 0, addr = base; i < TDPMMU_PTES_PER_TABLE && addr < end;
	     i++, addr += size) {
		pte = READ_ONCE(table[i]);
		if (pt_frozen(pte))
			w->frozen++;
		if (level > 1 && pt_is_table(pte, level)) {
			w->tables[level - 1]++;
			fz_walk_table(pt_table(pte), level - 1, addr, end, w);
		} else if (pt_is_leaf(pte, level)) {
			w->leaf(w, addr, pt_leaf_oa(pte), level,
				pt_leaf_prot(pte));
		}
	}
}

static void fz_walk(struct tdpmmu *t, struct tdpmmu_root *root, u64 end,
		    struct fz_walk *w)
{
	fz_walk_table(root->table, t->levels, 0, end, w);
}

const struct fz_fmt FZ_DESC = {
	.format = &FZ_FORMAT,
	.prot = fz_prot,
	.ad = PT_HW_BITS != 0,
	.ad_always = PT_AD_ALWAYS,
	.hw_access = fz_hw_access,
	.walk = fz_walk,
};
