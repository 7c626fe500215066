/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace shim: kthreads are detached pthreads registered with RCU. */
#ifndef _SHIM_LINUX_KTHREAD_H
#define _SHIM_LINUX_KTHREAD_H

#include <linux/err.h>

struct task_struct;
struct task_struct *shim_kthread_run(int (*fn)(void *), void *data);
#define kthread_run(fn, data, fmt, ...)	shim_kthread_run(fn, data)

#endif
