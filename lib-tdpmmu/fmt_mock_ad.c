// SPDX-License-Identifier: GPL-2.0-only
/*
 * The tdpmmu core compiled for the mock format with accessed and dirty
 * bits, for the dirty-tracking and aging tests.
 */
#include <linux/export.h>

#define PT_MOCK_AD 1
#include "fmt_mock.h"

#define PT_FMT mock_ad
#include "pt_core.h"
