/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The collapse gate of a table of 4K leaves.
 *
 * A collapse in shared mode must not lose a change that another thread
 * makes to a child between the check (all children contiguous, equal
 * attributes) and the swap of the parent entry to the huge leaf.  Locking
 * each child first costs an atomic per entry, ten times the whole check.
 * A table of 4K leaves gets a gate instead, one word of its struct page
 * (page->index, which the core owns while the table is in use):
 *
 * - The collapse closes the gate (open -> closed, one cmpxchg), reads the
 *   children with plain loads, swaps the parent entry, and then marks the
 *   table dead (the swap won) or opens the gate again (a check or the
 *   swap failed).
 * - A writer that changed entries of such a table with cmpxchg in shared
 *   mode counts its change as usual, then reads the gate, waits while it
 *   is closed, and if the table is dead, marks it touched and does its
 *   operation again from the root.  The collapse may or may not have read
 *   the child after the change; doing it again is right either way: a
 *   cleared leaf cannot have been read (a collapse needs every child
 *   present), a changed one is changed again to the same, and a leaf
 *   that was installed is found in the huge leaf, translating the same.
 *   The span goes into the writer's gather: hardware may use the change
 *   in the old table until the collapse's flush.
 * - A touched table is counted again when it is freed, after the grace
 *   period, when nobody can change it any more: the collapse took away
 *   the 512 leaves it read, and whatever writers counted after that read
 *   is undone by the difference between 512 and the leaves the table
 *   holds at the end.
 *
 * Why the collapse never misses a change it must see: both sides store
 * and then load the other side's location, each store fully ordered
 * before the load (a successful cmpxchg is).  Either the collapse reads
 * the child after the change, and so checks the new value, or the writer
 * reads the gate after it closed, and so learns the outcome.  A table of
 * 4K leaves has no tables below it, so a writer never needs to look
 * further than its own table; a table of huge leaves, whose entries may
 * become tables, keeps locking each child (PT_LOCKED) instead.
 *
 * Changes that are safe to lose do not look at the gate: clearing an
 * accessed or dirty bit (the huge leaf keeps the bit, so it is reported
 * again), and a lockless fix-up a front-end makes to a leaf (the next
 * access faults again).
 *
 * An unlinked table's word also holds its instance for the RCU callback;
 * the instance pointer is aligned, so the low bits stay the gate's.  The
 * gather keeps DEAD and TOUCHED there but drops CLOSED: an unlinker froze
 * the parent entry first, so the collapse that closed the gate will fail
 * its swap, and its writers may go on as if it had opened the gate again.
 *
 * The waits here (and a map's wait on a frozen entry after a redo) spin,
 * as the waits on frozen entries always did: the other side holds the
 * instance's lock for read and finishes without waiting for anyone.  On
 * PREEMPT_RT, where that lock does not keep it from being preempted, a
 * waiter of higher priority on its CPU could keep it from finishing.
 *
 * A redo may have to split the huge leaf for a change of one 4K page, so
 * a shared-mode operation on a range that a concurrent collapse covers can
 * return what a split returns (-ENOMEM, -EBUSY without a cache, -EAGAIN
 * with TDPMMU_NONBLOCK); the caller retries as it does for those.
 */
#ifndef _TDPMMU_PT_GATE_H
#define _TDPMMU_PT_GATE_H

#include <linux/atomic.h>
#include <linux/mm.h>
#include <linux/processor.h>
#include <asm/barrier.h>

#define PT_GATE_CLOSED	1UL
#define PT_GATE_DEAD	2UL
#define PT_GATE_TOUCHED	4UL
#define PT_GATE_MASK	(PT_GATE_CLOSED | PT_GATE_DEAD | PT_GATE_TOUCHED)

static inline unsigned long *pt_gate(const void *table)
{
	return &virt_to_page(table)->index;
}

/* A table about to be linked: its gate is open. */
static inline void pt_gate_init(void *table)
{
	WRITE_ONCE(*pt_gate(table), 0);
}

/* Close the gate of a linked table; false if it is not open. */
static inline bool pt_gate_close(void *table)
{
	return cmpxchg(pt_gate(table), 0UL, PT_GATE_CLOSED) == 0;
}

/* The check or the swap failed: open the gate again. */
static inline void pt_gate_open(void *table)
{
	/* An unlinker may have claimed the word meanwhile: then leave it. */
	cmpxchg(pt_gate(table), PT_GATE_CLOSED, 0UL);
}

/* The swap won: writers still inside the table must do their change again. */
static inline void pt_gate_kill(void *table)
{
	/* Pairs with pt_gate_lost(): the swap is seen before "dead". */
	smp_store_release(pt_gate(table), PT_GATE_DEAD);
}

/*
 * Set the gate word to its bits in @keep, or'ed with @set, with cmpxchg:
 * others may change it meanwhile.
 */
static inline void pt_gate_update(const void *table, unsigned long keep,
				  unsigned long set)
{
	unsigned long *gate = pt_gate(table), old = READ_ONCE(*gate), prev;

	while ((prev = cmpxchg(gate, old, (old & keep) | set)) != old)
		old = prev;
}

/*
 * Called after changing entries of @table with cmpxchg: true if a
 * collapse replaced the table meanwhile, and the change must be done
 * again where the table was.
 */
static inline bool pt_gate_lost(const void *table)
{
	unsigned long s;

	/*
	 * Ordered after the writer's cmpxchg, which is fully ordered; pairs
	 * with pt_gate_kill(), so a walk again from the root sees the swap.
	 */
	while ((s = smp_load_acquire(pt_gate(table))) & PT_GATE_CLOSED)
		cpu_relax();
	if (!(s & PT_GATE_DEAD))
		return false;
	if (!(s & PT_GATE_TOUCHED))
		pt_gate_update(table, ~0UL, PT_GATE_TOUCHED);
	return true;
}

#endif /* _TDPMMU_PT_GATE_H */
