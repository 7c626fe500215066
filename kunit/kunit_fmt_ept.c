// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite of the EPT format.  Writable but not readable is an EPT
 * misconfiguration: a writable leaf reads back readable too.
 */
#include "fmt_ept.h"

#define KF_FORMAT	tdpmmu_ept_format
#define KF_SUITE	"tdpmmu_fmt_ept"
static u32 kf_prot(u32 prot)
{
	return prot & TDPMMU_PROT_WRITE ? prot | TDPMMU_PROT_READ : prot;
}

#define KF_PROT(prot)	kf_prot(prot)
#include "kunit_fmt.h"

MODULE_LICENSE("GPL");
