/* SPDX-License-Identifier: GPL-2.0-only */
/* Harness shim: tools/include's bitmap.h plus what it lacks. */
#ifndef _SHIM_LINUX_BITMAP_H
#define _SHIM_LINUX_BITMAP_H

#include_next <linux/bitmap.h>
#include <linux/find.h>

/* Word at a time, as the kernel's: a 2M leaf sets 512 bits. */
static inline void bitmap_set(unsigned long *map, unsigned int start,
			      unsigned int len)
{
	while (len && start % BITS_PER_LONG) {
		__set_bit(start++, map);
		len--;
	}
	for (; len >= BITS_PER_LONG; len -= BITS_PER_LONG) {
		map[start / BITS_PER_LONG] = ~0UL;
		start += BITS_PER_LONG;
	}
	while (len--)
		__set_bit(start++, map);
}

static inline unsigned long find_last_bit(const unsigned long *addr,
					  unsigned long size)
{
	unsigned long i = size;

	while (i--)
		if (test_bit(i, addr))
			return i;
	return size;
}

#endif
