/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The userspace benchmarks of the tdpmmu core: what their files share.
 */
#ifndef _TDPMMU_BENCH_H
#define _TDPMMU_BENCH_H

#include <linux/spinlock.h>
#include <linux/tdpmmu.h>

#include "fuzz.h"

#define SZ_4K	BIT_ULL(12)
#define SZ_2M	BIT_ULL(21)
#define SZ_1G	BIT_ULL(30)
#define MAX_REPS 31

/* Repetitions per row (the median is reported), operations per repetition. */
extern int reps;
extern int batch;

/**
 * struct bench_fmt - a format the rows run on
 * @fmt: the core compiled for it, and its simulated hardware walker (the
 *	differential fuzzer's view of the format, selftests/harness/fuzz/)
 * @ad: the same with accessed and dirty bits, for the tracking rows (the
 *	mock format has them in a core of its own)
 */
struct bench_fmt {
	const struct fz_fmt *fmt;
	const struct fz_fmt *ad;
};

/* The format the rows now run on; its name is their "format". */
extern const struct bench_fmt *bfmt;

/* A front-end: a 4-level instance of the format with one root. */
struct bfe {
	struct tdpmmu t;
	rwlock_t lock;
	struct tdpmmu_root *root;
};

struct stat3 {
	double med, min, max;
};

void bfe_init(struct bfe *b, u32 huge);
void bfe_init_fmt(struct bfe *b, const struct tdpmmu_format *fmt, u32 huge);
void bfe_fini(struct bfe *b);
void bfe_lock(struct bfe *b, bool excl);
void bfe_unlock(struct bfe *b, bool excl);
double now_ns(void);
struct stat3 summarize(double *v, int n);
double floor_ns(unsigned int n);
void row(const char *op, const char *size, struct stat3 s, const char *peer,
	 double peer_ns, double floor);
/* JSON fields the next row() adds ("\"x\": 1, "), then forgets. */
extern char row_extra[128];

void bench_split(void);
void bench_track(void);
void bench_retry(void);

#endif
