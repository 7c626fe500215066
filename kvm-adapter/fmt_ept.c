// SPDX-License-Identifier: GPL-2.0-only
/*
 * The tdpmmu core compiled for the EPT format.
 */
#include <linux/export.h>

#include "fmt_ept.h"

#define PT_FMT ept
#include "pt_core.h"
