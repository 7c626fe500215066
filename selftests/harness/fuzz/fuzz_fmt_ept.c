// SPDX-License-Identifier: GPL-2.0-only
/* The fuzzer on the EPT format: a writable leaf is readable too. */
#include "fmt_ept.h"

#define FZ_DESC		fz_fmt_ept
#define FZ_FORMAT	tdpmmu_ept_format
static u32 fz_ept_prot(u32 prot)
{
	return prot & TDPMMU_PROT_WRITE ? prot | TDPMMU_PROT_READ : prot;
}

#define FZ_PROT(prot)	fz_ept_prot(prot)
#include "fuzz_fmt.h"
