/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace shim: min(), max() and min_t() come from the tools kernel.h. */
#ifndef _SHIM_LINUX_MINMAX_H
#define _SHIM_LINUX_MINMAX_H

#include <linux/kernel.h>

#endif /* _SHIM_LINUX_MINMAX_H */
