// SPDX-License-Identifier: GPL-2.0-only
/*
 * The tdpmmu core compiled for the mock format with break-before-make
 * splits, as a format whose rules forbid a hitless split would need.
 */
#include <linux/export.h>

#define PT_SPLIT_BBM 1
#include "fmt_mock.h"

#define PT_FMT mock_bbm
#include "pt_core.h"
