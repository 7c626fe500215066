// SPDX-License-Identifier: GPL-2.0-only
/* The fuzzer on the mock_bbm format. */
#define PT_SPLIT_BBM 1
#include "fmt_mock.h"

#define FZ_DESC		fz_fmt_mock_bbm
#define FZ_FORMAT	tdpmmu_mock_bbm_format
#define FZ_PROT(prot)	(prot)
#include "fuzz_fmt.h"
