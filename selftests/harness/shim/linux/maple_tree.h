/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace shim: the kernel's own maple_tree.h, built by maple.o. */
#ifndef _SHIM_LINUX_MAPLE_TREE_H
#define _SHIM_LINUX_MAPLE_TREE_H

#include <linux/kernel.h>
#include <limits.h>
#include <linux/bug.h>
#ifndef U8_MAX
#define U8_MAX 255
#endif
#include KSRC_MAPLE_TREE_H

#endif
