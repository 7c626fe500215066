/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _TDPMMU_BENCH_H
#define _TDPMMU_BENCH_H

#include <linux/tdpmmu.h>

/* The core compiled for the mock format (lib-tdpmmu/fmt_mock.c). */
extern const struct tdpmmu_format tdpmmu_mock_format;

#endif
