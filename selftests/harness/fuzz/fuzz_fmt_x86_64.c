// SPDX-License-Identifier: GPL-2.0-only
/* The fuzzer on the x86-64 (NPT) format: every leaf is readable. */
#include "fmt_x86_64.h"

#define FZ_DESC		fz_fmt_x86_64
#define FZ_FORMAT	tdpmmu_x86_64_format
#define FZ_PROT(prot)	((prot) | TDPMMU_PROT_READ)
#include "fuzz_fmt.h"
