/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The differential fuzzer's view of one format: what the core is compiled
 * for it, how a leaf's permissions read back, and what its hardware
 * walker does on an access (fuzz_fmt.h builds one per format).
 */
#ifndef _TDPMMU_FUZZ_H
#define _TDPMMU_FUZZ_H

#include <linux/tdpmmu.h>

/**
 * struct fz_walk - what a raw walk of a whole table found
 * @leaf: called for every leaf, in address order
 * @tables: tables seen, per level of their entries (the root not counted)
 * @frozen: entries seen frozen or locked (none when nothing runs)
 */
struct fz_walk {
	void (*leaf)(struct fz_walk *w, u64 addr, u64 oa, unsigned int level,
		     u32 prot);
	long tables[TDPMMU_MAX_LEVELS + 1];
	long frozen;
};

/**
 * struct fz_fmt - one format under the fuzzer
 * @format: the core compiled for it
 * @prot: the permissions a leaf made with @prot reads back as
 * @ad: the format has accessed and dirty bits
 * @ad_always: hardware sets them whatever tdpmmu.hw_ad says
 * @hw_access: walk as the hardware does and set A (and D on a write) in
 *	the leaf; 0, -ENOENT if nothing maps @addr, -EACCES for a write to
 *	a read-only leaf; @leaf gets the leaf
 * @walk: read every entry of @root below input address @end with the
 *	format's own helpers, not through the core
 */
struct fz_fmt {
	const struct tdpmmu_format *format;
	u32 (*prot)(u32 prot);
	bool ad;
	bool ad_always;
	int (*hw_access)(struct tdpmmu *t, struct tdpmmu_root *root, u64 addr,
			 bool write, struct tdpmmu_leaf *leaf);
	void (*walk)(struct tdpmmu *t, struct tdpmmu_root *root, u64 end,
		     struct fz_walk *w);
};

extern const struct fz_fmt fz_fmt_mock, fz_fmt_mock_bbm, fz_fmt_mock_ad,
	fz_fmt_vtdss, fz_fmt_ept, fz_fmt_x86_64;

#endif /* _TDPMMU_FUZZ_H */
