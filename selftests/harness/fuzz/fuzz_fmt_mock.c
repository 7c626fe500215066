// SPDX-License-Identifier: GPL-2.0-only
/* The fuzzer on the mock format. */
#include "fmt_mock.h"

#define FZ_DESC		fz_fmt_mock
#define FZ_FORMAT	tdpmmu_mock_format
#define FZ_PROT(prot)	(prot)
#include "fuzz_fmt.h"
