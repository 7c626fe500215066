/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace shim: cpu_relax() from liburcu. */
#ifndef _SHIM_LINUX_PROCESSOR_H
#define _SHIM_LINUX_PROCESSOR_H

#include <urcu/arch.h>

#define cpu_relax()	caa_cpu_relax()

#endif
