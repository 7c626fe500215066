/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _SHIM_LINUX_SCHED_H
#define _SHIM_LINUX_SCHED_H

#include <sched.h>

#define cond_resched()	sched_yield()
#define need_resched()	0

#endif
