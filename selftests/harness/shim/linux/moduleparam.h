/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace shim: module parameters keep their defaults (there is no
 * command line to set them from); the macros only check their arguments.
 */
#ifndef _SHIM_LINUX_MODULEPARAM_H
#define _SHIM_LINUX_MODULEPARAM_H

#include <assert.h>

#define module_param(name, type, perm)	\
	static_assert(sizeof(name) && sizeof(#type) && (perm) >= 0, #name)
#define MODULE_PARM_DESC(name, desc)	\
	static_assert(sizeof(name) && sizeof(desc), #name)

#endif
