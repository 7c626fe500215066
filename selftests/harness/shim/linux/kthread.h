/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace shim: kthreads are detached pthreads registered with RCU. */
#ifndef _SHIM_LINUX_KTHREAD_H
#define _SHIM_LINUX_KTHREAD_H

#include <linux/compiler.h>
#include <linux/err.h>

struct task_struct;
/* Runs @fn(@data) in a detached pthread named like the kthread would be. */
struct task_struct *kthread_run(int (*fn)(void *), void *data,
				const char *namefmt, ...)
	__printf(3, 4);

#endif
