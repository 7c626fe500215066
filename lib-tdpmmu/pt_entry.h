/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Format-neutral entry helpers, built on a format's sentinels: include
 * after the format header (pt_core.h does; so do the per-format tests).
 */
#ifndef _TDPMMU_PT_ENTRY_H
#define _TDPMMU_PT_ENTRY_H

#include <linux/atomic.h>
#include <linux/tdpmmu.h>

/* Being changed by another thread: frozen, or locked for a collapse. */
static inline bool pt_frozen(tdpmmu_pte_t pte)
{
	return pte == PT_FROZEN || pte & PT_LOCKED;
}

/*
 * Fully ordered when it succeeds: the collapse gate (pt_gate.h) relies on
 * the load that follows a successful change not moving before it.
 */
static inline bool pt_cmpxchg(tdpmmu_pte_t *ptep, tdpmmu_pte_t *old,
			      tdpmmu_pte_t new)
{
	return try_cmpxchg64(ptep, old, new);
}

#endif /* _TDPMMU_PT_ENTRY_H */
