// SPDX-License-Identifier: GPL-2.0-only
/*
 * The tdpmmu core compiled for the mock format.
 */
#include <linux/export.h>

#include "fmt_mock.h"

#define PT_FMT mock
#include "pt_core.h"
