// SPDX-License-Identifier: GPL-2.0-only
/* The fuzzer on the VT-d second-stage format: no execute permission. */
#include "fmt_vtdss.h"

#define FZ_DESC		fz_fmt_vtdss
#define FZ_FORMAT	tdpmmu_vtdss_format
#define FZ_PROT(prot)	((prot) & (TDPMMU_PROT_READ | TDPMMU_PROT_WRITE))
#include "fuzz_fmt.h"
