// SPDX-License-Identifier: GPL-2.0-only
/*
 * The tdpmmu core compiled for the VT-d second-stage format.
 */
#include <linux/export.h>

#include "fmt_vtdss.h"

#define PT_FMT vtdss
#include "pt_core.h"
