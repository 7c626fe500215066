/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _SHIM_LINUX_IO_H
#define _SHIM_LINUX_IO_H
#include <linux/mm.h>
#endif
