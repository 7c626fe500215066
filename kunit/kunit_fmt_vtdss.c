// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite of the VT-d second-stage format.  VT-d has no execute
 * permission: a leaf reads back with the R and W it was given.
 */
#include "fmt_vtdss.h"

#define KF_FORMAT	tdpmmu_vtdss_format
#define KF_SUITE	"tdpmmu_fmt_vtdss"
#define KF_PROT(prot)	((prot) & (TDPMMU_PROT_READ | TDPMMU_PROT_WRITE))
#include "kunit_fmt.h"

MODULE_LICENSE("GPL");
