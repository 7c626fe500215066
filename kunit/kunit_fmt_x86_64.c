// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite of the x86-64 (NPT) format.  A present x86 leaf is always
 * readable: every leaf reads back with TDPMMU_PROT_READ.
 */
#include "fmt_x86_64.h"

#define KF_FORMAT	tdpmmu_x86_64_format
#define KF_SUITE	"tdpmmu_fmt_x86_64"
#define KF_PROT(prot)	((prot) | TDPMMU_PROT_READ)
#include "kunit_fmt.h"

MODULE_LICENSE("GPL");
