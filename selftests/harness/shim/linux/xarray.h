/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace shim: the value-entry helpers of the kernel's xarray.h. */
#ifndef _SHIM_LINUX_XARRAY_H
#define _SHIM_LINUX_XARRAY_H

static inline void *xa_mk_value(unsigned long v)
{
	return (void *)((v << 1) | 1);
}

static inline unsigned long xa_to_value(const void *entry)
{
	return (unsigned long)entry >> 1;
}

#endif
