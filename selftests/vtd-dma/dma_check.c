// SPDX-License-Identifier: GPL-2.0-only
/*
 * /init of the VT-d DMA check's initramfs (scripts/vtd-dma.sh): writes a
 * pseudo-random pattern to the virtio disk behind QEMU's intel-iommu with
 * O_DIRECT (so the device DMAs straight from and to these buffers through
 * the IOMMU), reads it back in other sizes, compares, and prints what the
 * library's intel-iommu glue counted.  One line "vtd-dma: ok ..." or
 * "vtd-dma: FAIL ...", then power off.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fs.h>

#define MIB		(1024 * 1024)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define TEST_BYTES	(48 * MIB)

static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

static unsigned long long next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* FNV-1a, 64 bit, over @n bytes. */
static unsigned long long fnv(unsigned long long h, const unsigned char *p, size_t n)
{
	while (n--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

static void done(const char *fmt, ...) __attribute__((format(printf, 1, 2),
						      noreturn));

static void done(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	exit(0);
}

static long param(const char *name)
{
	char path[128], buf[32] = "";
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/tdpmmu/parameters/%s", name);
	f = fopen(path, "r");
	if (f) {
		if (fgets(buf, sizeof(buf), f))
			v = strtol(buf, NULL, 10);
		fclose(f);
	}
	return v;
}

/* DMA remapping faults the kernel logged. */
static int dmar_faults(void)
{
	static char log[1 << 20];
	int n = klogctl(3, log, sizeof(log) - 1), faults = 0;
	char *p = log;

	if (n < 0)
		return -1;
	log[n] = 0;
	while ((p = strstr(p, "DMAR: [DMA "))) {
		faults++;
		p++;
	}
	return faults;
}

/* Transfer @len bytes at @off in chunks of @chunk, all with O_DIRECT. */
static int xfer(int fd, unsigned char *buf, size_t len, off_t off,
		size_t chunk, int write)
{
	size_t i;
	ssize_t r;

	for (i = 0; i < len; i += chunk) {
		r = write ? pwrite(fd, buf + i, chunk, off + i) :
			    pread(fd, buf + i, chunk, off + i);
		if (r != (ssize_t)chunk)
			return -1;
	}
	return 0;
}

int main(void)
{
	static const size_t chunks[] = { 4096, 65536, MIB, 4 * MIB };
	unsigned long long want, got, dev_bytes = 0;
	unsigned char *out, *in;
	unsigned int i, tries;
	int fd = -1;
	size_t k;

	mkdir("/dev", 0755);
	mkdir("/proc", 0755);
	mkdir("/sys", 0755);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	setvbuf(stdout, NULL, _IONBF, 0);

	for (tries = 0; tries < 100 && fd < 0; tries++) {
		fd = open("/dev/vda", O_RDWR | O_DIRECT);
		if (fd < 0)
			usleep(100000);
	}
	if (fd < 0)
		done("vtd-dma: FAIL no /dev/vda (%s)\n", strerror(errno));
	if (ioctl(fd, BLKGETSIZE64, &dev_bytes) || dev_bytes < TEST_BYTES)
		done("vtd-dma: FAIL disk of %llu bytes\n",
		     (unsigned long long)dev_bytes);
	/* 2M-aligned buffers: large transfers can use 2M IOMMU leaves. */
	if (posix_memalign((void **)&out, 2 * MIB, TEST_BYTES) ||
	    posix_memalign((void **)&in, 2 * MIB, TEST_BYTES))
		done("vtd-dma: FAIL no memory\n");
	for (k = 0; k < TEST_BYTES / 8; k++)
		((unsigned long long *)out)[k] = next();
	want = fnv(0xcbf29ce484222325ULL, out, TEST_BYTES);

	/* Write in 1M requests, read back in each size; compare each time. */
	if (xfer(fd, out, TEST_BYTES, 0, MIB, 1) || fsync(fd))
		done("vtd-dma: FAIL write (%s)\n", strerror(errno));
	for (i = 0; i < ARRAY_SIZE(chunks); i++) {
		memset(in, 0, TEST_BYTES);
		if (xfer(fd, in, TEST_BYTES, 0, chunks[i], 0))
			done("vtd-dma: FAIL read %zu (%s)\n", chunks[i],
			     strerror(errno));
		got = fnv(0xcbf29ce484222325ULL, in, TEST_BYTES);
		if (got != want || memcmp(in, out, TEST_BYTES))
			done("vtd-dma: FAIL read in %zu-byte requests: %016llx, wrote %016llx\n",
			     chunks[i], got, want);
	}
	close(fd);
	done("vtd-dma: ok bytes=%d fnv=%016llx domains=%ld maps=%ld %s=%ld %s=%ld dmar_faults=%d\n",
	     TEST_BYTES, want, param("domains"),
	     param("maps"), "unmaps", param("unmaps"), "tables",
	     param("tables"), dmar_faults());
}
