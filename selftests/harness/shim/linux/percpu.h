/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace shim: per-CPU data.  Each thread takes a "CPU" number of its
 * own the first time it touches per-CPU data; an allocation holds
 * SHIM_NR_CPUS copies, each on its own cache lines.  As this_cpu_add() in
 * the kernel, an update is a plain add, no locked instruction: only its
 * thread writes a copy.  Relaxed atomic loads and stores keep readers that
 * sum the copies meanwhile (and TSan) content.
 */
#ifndef _SHIM_LINUX_PERCPU_H
#define _SHIM_LINUX_PERCPU_H

#include <linux/compiler.h>
#include <linux/fault-inject.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef __percpu
#define __percpu
#endif

#define SHIM_NR_CPUS		256
#define SHIM_PERCPU_STRIDE	1024

extern __thread int shim_cpu;
extern int shim_nr_threads;

static inline int shim_this_cpu(void)
{
	if (!shim_cpu) {
		shim_cpu = __atomic_add_fetch(&shim_nr_threads, 1,
					      __ATOMIC_RELAXED);
		if (shim_cpu >= SHIM_NR_CPUS) {
			fprintf(stderr, "shim: more than %d threads\n",
				SHIM_NR_CPUS - 1);
			abort();
		}
	}
	return shim_cpu;
}

static inline void *shim_alloc_percpu(size_t size)
{
	void *p;

	if (size > SHIM_PERCPU_STRIDE || shim_should_fail() ||
	    posix_memalign(&p, 64, SHIM_NR_CPUS * SHIM_PERCPU_STRIDE))
		return NULL;
	memset(p, 0, SHIM_NR_CPUS * SHIM_PERCPU_STRIDE);
	__atomic_add_fetch(&shim_percpu_allocated, 1, __ATOMIC_RELAXED);
	return p;
}

static inline void shim_free_percpu(void *p)
{
	if (p)
		__atomic_sub_fetch(&shim_percpu_allocated, 1,
				   __ATOMIC_RELAXED);
	free(p);
}

static inline void *shim_per_cpu(const void *p, int cpu)
{
	return (char *)p + cpu * SHIM_PERCPU_STRIDE;
}

#define alloc_percpu(type)	\
	((typeof(type) *)shim_alloc_percpu(sizeof(type)))
#define free_percpu(p)		shim_free_percpu(p)
#define per_cpu_ptr(p, cpu)	((typeof(p))shim_per_cpu(p, cpu))
static inline unsigned int *shim_first_cpu(unsigned int *cpu)
{
	*cpu = 0;
	return cpu;
}

#define for_each_possible_cpu(cpu)					\
	for (typeof(cpu) *__cpu = shim_first_cpu(&(cpu));		\
	     *__cpu < SHIM_NR_CPUS; (*__cpu)++)

/* @pcp names a member of the copy that the __percpu pointer points at. */
#define this_cpu_add(pcp, val)	shim_add(shim_this_cpu_ptr(&(pcp)), (val))
#define shim_this_cpu_ptr(ptr)	\
	((typeof(ptr))shim_per_cpu(ptr, shim_this_cpu()))

static inline void shim_add(s64 *p, s64 val)
{
	__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + val,
			 __ATOMIC_RELAXED);
}

#endif /* _SHIM_LINUX_PERCPU_H */
