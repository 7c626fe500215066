// SPDX-License-Identifier: GPL-2.0-only
/*
 * The tdpmmu core compiled for the x86-64 (NPT) format.
 */
#include <linux/export.h>

#include "fmt_x86_64.h"

#define PT_FMT x86_64
#include "pt_core.h"
