// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite of the mock format, the same checks as the real formats'.
 */
#include "fmt_mock.h"

#define KF_FORMAT	tdpmmu_mock_format
#define KF_SUITE	"tdpmmu_fmt_mock"
#define KF_PROT(prot)	(prot)
#include "kunit_fmt.h"

MODULE_LICENSE("GPL");
