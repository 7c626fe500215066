// SPDX-License-Identifier: GPL-2.0-only
/* The fuzzer on the mock_ad format. */
#define PT_MOCK_AD 1
#include "fmt_mock.h"

#define FZ_DESC		fz_fmt_mock_ad
#define FZ_FORMAT	tdpmmu_mock_ad_format
#define FZ_PROT(prot)	(prot)
#include "fuzz_fmt.h"
