/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace shim: the tools compiler.h, except that under ThreadSanitizer
 * READ_ONCE() is an acquire load.  In the kernel memory model READ_ONCE()
 * orders later loads through an address dependency (how a walker reads a
 * child table after the entry that points to it); TSan does not model
 * dependencies, so without this it would report every table walk.
 */
#ifndef _SHIM_LINUX_COMPILER_H
#define _SHIM_LINUX_COMPILER_H

#include_next <linux/compiler.h>

#if defined(__SANITIZE_THREAD__)
#undef READ_ONCE
#define READ_ONCE(x)	__atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#undef WRITE_ONCE
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)
#endif

#endif
