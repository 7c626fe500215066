/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _SHIM_LINUX_DELAY_H
#define _SHIM_LINUX_DELAY_H
#include <unistd.h>
#include <time.h>
#define msleep(ms)	usleep((ms) * 1000)

static inline void usleep_range(unsigned long min, unsigned long max)
{
	usleep(min);
}

/* Busy-wait, as udelay() does. */
static inline void udelay(unsigned long us)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while ((b.tv_sec - a.tv_sec) * 1000000000L +
		 (b.tv_nsec - a.tv_nsec) < (long)us * 1000);
}
#endif
