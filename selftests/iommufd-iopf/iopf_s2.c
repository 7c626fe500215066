// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault-driven stage-2 HWPTs (IOMMU_HWPT_ALLOC_FAULT_DRIVEN) on the
 * IOMMUFD_TEST mock IOMMU: page requests resolved in the kernel, host
 * invalidations, nothing pinned.  Runs as root in a guest booted by
 * scripts/iommufd-iopf.sh.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>
#include "iopf_utils.h"
#include "kselftest_harness.h"

#define IOVA	(512 * HUGE)
#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE	101
#endif
#define RESP_SUCCESS	IOMMUFD_PAGE_RESP_SUCCESS
#define RESP_INVALID	IOMMUFD_PAGE_RESP_INVALID

static long vm_kb(const char *field)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, strlen(field)))
			kb = strtol(line + strlen(field), NULL, 10);
	fclose(f);
	return kb;
}

/*
 * iommufd accounts pinned pages only without CAP_IPC_LOCK: drop it (this
 * test runs in its own process) and lift RLIMIT_MEMLOCK first.
 */
static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

	if (setrlimit(RLIMIT_MEMLOCK, &rl) || syscall(SYS_capget, &h, d))
		return -1;
	d[CAP_IPC_LOCK / 32].effective &= ~(1U << (CAP_IPC_LOCK % 32));
	return syscall(SYS_capset, &h, d);
}

#define RW	(IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)
#define RD	IOMMU_PGFAULT_PERM_READ
#define WR	(IOMMU_PGFAULT_PERM_READ | IOMMU_PGFAULT_PERM_WRITE)

FIXTURE(iopf) {
	int fd;
	__u32 ioas, scratch, stdev, idev, s2;
	char *buf;
	size_t len;
};

FIXTURE_SETUP(iopf)
{
	self->fd = open("/dev/iommu", O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ioas_alloc(self->fd, &self->ioas));
	ASSERT_EQ(0, ioas_alloc(self->fd, &self->scratch));
	/* Created on an empty IOAS, then moved to the fault-driven HWPT. */
	ASSERT_EQ(0, mock_dev(self->fd, self->scratch,
			      MOCK_FLAGS_DEVICE_IOPF_ALL_DMA, &self->stdev,
			      &self->idev));
	ASSERT_EQ(0, hwpt_alloc(self->fd, self->idev, self->ioas,
				IOMMU_HWPT_ALLOC_FAULT_DRIVEN, &self->s2));
	ASSERT_EQ(0, replace(self->fd, self->stdev, self->s2));
	self->len = 4 * HUGE;
	self->buf = map_anon(self->len, HUGE);
	ASSERT_NE(NULL, self->buf);
	ASSERT_EQ(0, madvise(self->buf, self->len, MADV_NOHUGEPAGE));
}

FIXTURE_TEARDOWN(iopf)
{
	close(self->fd);
}

TEST_F(iopf, read)
{
	struct leaf l;

	memset(self->buf, 1, PSZ);
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, self->buf, self->len, IOVA,
			      RW));
	ASSERT_FALSE(mapped(self->fd, self->s2, IOVA));
	ASSERT_EQ(RESP_SUCCESS, iopf(self->fd, self->idev, IOVA + 8, RD, NULL));
	ASSERT_EQ(0, lookup(self->fd, self->s2, IOVA, &l));
	ASSERT_EQ(PSZ, l.size);
	ASSERT_EQ(0, check_map(self->fd, self->s2, IOVA, self->buf, PSZ));
	/* Read-only: the page is dirtied only when the device asks to write. */
	ASSERT_EQ(IOMMU_IOAS_MAP_READABLE, l.prot);
	/* A second fault on a mapped page is answered the same way. */
	ASSERT_EQ(RESP_SUCCESS, iopf(self->fd, self->idev, IOVA, RD, NULL));
	ASSERT_EQ(RESP_SUCCESS, iopf(self->fd, self->idev, IOVA, WR, NULL));
	ASSERT_EQ(0, lookup(self->fd, self->s2, IOVA, &l));
	ASSERT_EQ(RW, l.prot);
}

TEST_F(iopf, write)
{
	struct leaf l;

	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, self->buf, self->len, IOVA,
			      RW));
	/* Never touched: the fault allocates the page, like a CPU write. */
	ASSERT_EQ(RESP_SUCCESS,
		  iopf(self->fd, self->idev, IOVA + 3 * PSZ, WR, NULL));
	ASSERT_EQ(0, check_map(self->fd, self->s2, IOVA + 3 * PSZ,
			       self->buf + 3 * PSZ, PSZ));
	/* A read fault on an untouched page maps something read-only. */
	ASSERT_EQ(RESP_SUCCESS,
		  iopf(self->fd, self->idev, IOVA + 100 * PSZ, RD, NULL));
	ASSERT_EQ(0, lookup(self->fd, self->s2, IOVA + 100 * PSZ, &l));
	ASSERT_EQ(IOMMU_IOAS_MAP_READABLE, l.prot);
	/* Then a write fault upgrades it to the page written. */
	ASSERT_EQ(RESP_SUCCESS, iopf(self->fd, self->idev,
				     IOVA + 100 * PSZ, WR, NULL));
	ASSERT_EQ(0, lookup(self->fd, self->s2, IOVA + 100 * PSZ, &l));
	ASSERT_EQ(RW, l.prot);
	ASSERT_EQ(0, check_map(self->fd, self->s2, IOVA + 100 * PSZ,
			       self->buf + 100 * PSZ, PSZ));
}

TEST_F(iopf, window)
{
	size_t i;

	memset(self->buf, 1, 8 * PSZ);
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, self->buf, self->len, IOVA,
			      RW));
	ASSERT_EQ(RESP_SUCCESS, iopf(self->fd, self->idev, IOVA, RD, NULL));
	/* Present neighbours come along; absent ones are not faulted in. */
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, check_map(self->fd, self->s2, IOVA + i * PSZ,
				       self->buf + i * PSZ, PSZ));
	for (i = 8; i < 16; i++)
		ASSERT_FALSE(mapped(self->fd, self->s2, IOVA + i * PSZ));
}

TEST_F(iopf, refused)
{
	struct leaf l;

	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, self->buf, HUGE, IOVA,
			      IOMMU_IOAS_MAP_READABLE));
	memset(self->buf, 1, PSZ);
	/* Write to a read-only mapping. */
	ASSERT_EQ(RESP_INVALID, iopf(self->fd, self->idev, IOVA, WR, NULL));
	ASSERT_FALSE(mapped(self->fd, self->s2, IOVA));
	/* Outside every IOAS mapping, and just past the end. */
	ASSERT_EQ(RESP_INVALID,
		  iopf(self->fd, self->idev, IOVA + 128 * HUGE, RD, NULL));
	ASSERT_EQ(RESP_INVALID, iopf(self->fd, self->idev, IOVA + HUGE, RD,
				     NULL));
	ASSERT_FALSE(mapped(self->fd, self->s2, IOVA + HUGE));
	/* Execute is never granted. */
	ASSERT_EQ(RESP_INVALID,
		  iopf(self->fd, self->idev, IOVA,
		       RD | IOMMU_PGFAULT_PERM_EXEC, NULL));
	/* A read of the read-only mapping works, read-only. */
	ASSERT_EQ(RESP_SUCCESS, iopf(self->fd, self->idev, IOVA, RD, NULL));
	ASSERT_EQ(0, lookup(self->fd, self->s2, IOVA, &l));
	ASSERT_EQ(IOMMU_IOAS_MAP_READABLE, l.prot);
}

TEST_F(iopf, munmap)
{
	struct leaf before, after;

	memset(self->buf, 1, 2 * PSZ);
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, self->buf, self->len, IOVA,
			      RW));
	ASSERT_EQ(RESP_SUCCESS, iopf(self->fd, self->idev, IOVA, WR, NULL));
	ASSERT_EQ(0, lookup(self->fd, self->s2, IOVA, &before));
	ASSERT_EQ(0, munmap(self->buf, 2 * PSZ));
	ASSERT_EQ(0, lookup(self->fd, self->s2, IOVA, &after));
	ASSERT_EQ(0, after.size);
	ASSERT_LT(before.flushes, after.flushes);
	/* The VA is gone: the device gets an error, nothing is mapped. */
	ASSERT_EQ(RESP_INVALID, iopf(self->fd, self->idev, IOVA, RD, NULL));
	ASSERT_FALSE(mapped(self->fd, self->s2, IOVA + PSZ));
	/* The rest of the area still faults in. */
	ASSERT_EQ(RESP_SUCCESS,
		  iopf(self->fd, self->idev, IOVA + 2 * PSZ, WR, NULL));
}

TEST_F(iopf, dontneed)
{
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, self->buf, self->len, IOVA,
			      RW));
	ASSERT_EQ(RESP_SUCCESS, iopf(self->fd, self->idev, IOVA, WR, NULL));
	ASSERT_TRUE(mapped(self->fd, self->s2, IOVA));
	ASSERT_EQ(0, madvise(self->buf, PSZ, MADV_DONTNEED));
	ASSERT_FALSE(mapped(self->fd, self->s2, IOVA));
	ASSERT_EQ(RESP_SUCCESS, iopf(self->fd, self->idev, IOVA, WR, NULL));
	ASSERT_EQ(0, check_map(self->fd, self->s2, IOVA, self->buf, PSZ));
}

TEST_F(iopf, mremap)
{
	char *to = map_anon(HUGE, HUGE);

	ASSERT_NE(NULL, to);
	memset(self->buf, 7, PSZ);
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, self->buf, self->len, IOVA,
			      RW));
	ASSERT_EQ(RESP_SUCCESS, iopf(self->fd, self->idev, IOVA, WR, NULL));
	ASSERT_EQ(to, mremap(self->buf, PSZ, PSZ, MREMAP_MAYMOVE | MREMAP_FIXED,
			     to));
	ASSERT_FALSE(mapped(self->fd, self->s2, IOVA));
	/* The IOAS still names the old VA, where nothing is now. */
	ASSERT_EQ(RESP_INVALID, iopf(self->fd, self->idev, IOVA, RD, NULL));
	ASSERT_EQ(7, to[0]);
}

TEST_F(iopf, fork_cow)
{
	struct leaf l;
	int status;
	int pipefd[2];
	pid_t pid;
	char c;

	self->buf[0] = 'A';
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, self->buf, self->len, IOVA,
			      RW));
	ASSERT_EQ(RESP_SUCCESS, iopf(self->fd, self->idev, IOVA, WR, NULL));
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(pipefd[1]);
		if (read(pipefd[0], &c, 1) < 0)
			_exit(2);
		_exit(self->buf[0] == 'A' ? 0 : 1);
	}
	close(pipefd[0]);
	/* fork write-protected the parent's page: the translation went. */
	ASSERT_FALSE(mapped(self->fd, self->s2, IOVA));
	/* A read maps the shared page read-only... */
	ASSERT_EQ(RESP_SUCCESS, iopf(self->fd, self->idev, IOVA, RD, NULL));
	ASSERT_EQ(0, lookup(self->fd, self->s2, IOVA, &l));
	ASSERT_EQ(IOMMU_IOAS_MAP_READABLE, l.prot);
	/* ...a write breaks COW like a CPU write and maps the copy. */
	ASSERT_EQ(RESP_SUCCESS, iopf(self->fd, self->idev, IOVA, WR, NULL));
	ASSERT_EQ(0, check_map(self->fd, self->s2, IOVA, self->buf, PSZ));
	self->buf[0] = 'B';
	ASSERT_EQ(0, check_map(self->fd, self->s2, IOVA, self->buf, PSZ));
	close(pipefd[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
}

TEST_F(iopf, thp)
{
	struct leaf l;
	size_t i;

	ASSERT_EQ(0, madvise(self->buf, self->len, MADV_HUGEPAGE));
	memset(self->buf, 3, self->len);
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, self->buf, self->len, IOVA,
			      RW));
	ASSERT_EQ(RESP_SUCCESS,
		  iopf(self->fd, self->idev, IOVA + HUGE + 5 * PSZ, WR, NULL));
	ASSERT_EQ(0, lookup(self->fd, self->s2, IOVA + HUGE, &l));
	ASSERT_EQ(HUGE, l.size);
	ASSERT_EQ(0, check_map(self->fd, self->s2, IOVA + HUGE,
			       self->buf + HUGE, HUGE));
	/* Misaligned by 4K against the VA: only 4K leaves are possible. */
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, self->buf + PSZ,
			      self->len - HUGE, 2 * IOVA, RW));
	ASSERT_EQ(RESP_SUCCESS, iopf(self->fd, self->idev, 2 * IOVA, RD, NULL));
	ASSERT_EQ(0, lookup(self->fd, self->s2, 2 * IOVA, &l));
	ASSERT_EQ(PSZ, l.size);
	/* The host drops one 4K page of the THP: that page goes. */
	ASSERT_EQ(0, madvise(self->buf + HUGE + 9 * PSZ, PSZ, MADV_DONTNEED));
	ASSERT_FALSE(mapped(self->fd, self->s2, IOVA + HUGE + 9 * PSZ));
	/* Its neighbour, now under a split THP, faults back correctly... */
	ASSERT_EQ(RESP_SUCCESS, iopf(self->fd, self->idev,
				     IOVA + HUGE + 10 * PSZ, WR, NULL));
	ASSERT_EQ(0, check_map(self->fd, self->s2, IOVA + HUGE + 10 * PSZ,
			       self->buf + HUGE + 10 * PSZ, PSZ));
	/* ...and whatever else is still mapped maps what the CPU maps. */
	for (i = 0; i < 512; i += 37)
		if (i != 9 && mapped(self->fd, self->s2, IOVA + HUGE + i * PSZ))
			ASSERT_EQ(0, check_map(self->fd, self->s2,
					       IOVA + HUGE + i * PSZ,
					       self->buf + HUGE + i * PSZ,
					       PSZ));
}

TEST_F(iopf, nothing_pinned)
{
	__u32 stdev2;
	size_t i;

	ASSERT_EQ(0, drop_ipc_lock());
	memset(self->buf, 1, self->len);
	ASSERT_EQ(0, vm_kb("VmPin:"));
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, self->buf, self->len, IOVA,
			      RW));
	for (i = 0; i < self->len; i += 16 * PSZ)
		ASSERT_EQ(RESP_SUCCESS,
			  iopf(self->fd, self->idev, IOVA + i, WR, NULL));
	ASSERT_EQ(0, check_map(self->fd, self->s2, IOVA, self->buf, self->len));
	ASSERT_EQ(0, vm_kb("VmPin:"));
	ASSERT_EQ(0, check_refs(self->fd, self->buf, self->len, 0));

	/* An ordinary domain on the same IOAS pins, as it always did. */
	ASSERT_EQ(0, mock_dev(self->fd, self->ioas, 0, &stdev2, NULL));
	ASSERT_EQ((long)(self->len >> 10), vm_kb("VmPin:"));
	ASSERT_EQ(0, check_refs(self->fd, self->buf, self->len, 1));
	ASSERT_EQ(0, check_map(self->fd, self->s2, IOVA, self->buf, self->len));
	ASSERT_EQ(0, destroy(self->fd, stdev2));
	ASSERT_EQ(0, vm_kb("VmPin:"));
	ASSERT_EQ(0, check_refs(self->fd, self->buf, self->len, 0));
}

TEST_F(iopf, migrate)
{
	struct leaf before, after;

	memset(self->buf, 5, PSZ);
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, self->buf, self->len, IOVA,
			      RW));
	ASSERT_EQ(RESP_SUCCESS, iopf(self->fd, self->idev, IOVA, WR, NULL));
	ASSERT_EQ(0, lookup(self->fd, self->s2, IOVA, &before));
	/* Soft offline migrates the page's contents to a new page. */
	ASSERT_EQ(0, madvise(self->buf, PSZ, MADV_SOFT_OFFLINE));
	ASSERT_FALSE(mapped(self->fd, self->s2, IOVA));
	ASSERT_EQ(RESP_SUCCESS, iopf(self->fd, self->idev, IOVA, WR, NULL));
	ASSERT_EQ(0, lookup(self->fd, self->s2, IOVA, &after));
	ASSERT_NE(before.phys, after.phys);
	ASSERT_EQ(0, check_map(self->fd, self->s2, IOVA, self->buf, PSZ));
	ASSERT_EQ(5, self->buf[0]);
}

/* hugetlb memory of @shift-sized pages maps @shift-sized leaves. */
static void hugetlb_case(struct __test_metadata *_metadata, int fd,
			 __u32 ioas, __u32 idev, __u32 s2, unsigned int shift)
{
	size_t size = 1UL << shift, i;
	__u64 iova = 4 * size;
	struct leaf l;
	char *p;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
		 (shift << MAP_HUGE_SHIFT), -1, 0);
	if (p == MAP_FAILED)
		SKIP(return, "no free %zu MiB hugetlb page", size >> 20);
	p[PSZ] = 9;
	ASSERT_EQ(0, ioas_map(fd, ioas, p, size, iova, RW));
	ASSERT_EQ(RESP_SUCCESS, iopf(fd, idev, iova + 7 * PSZ, WR, NULL));
	ASSERT_EQ(0, lookup(fd, s2, iova + size / 2, &l));
	ASSERT_EQ(size, l.size);
	for (i = 0; i < size; i += size / 8)
		ASSERT_EQ(0, check_map(fd, s2, iova + i, p + i, PSZ));
	ASSERT_EQ(0, munmap(p, size));
	ASSERT_FALSE(mapped(fd, s2, iova));
	ASSERT_EQ(RESP_INVALID, iopf(fd, idev, iova, RD, NULL));
}

TEST_F(iopf, hugetlb_2m)
{
	hugetlb_case(_metadata, self->fd, self->ioas, self->idev, self->s2, 21);
}

TEST_F(iopf, hugetlb_1g)
{
	hugetlb_case(_metadata, self->fd, self->ioas, self->idev, self->s2, 30);
}

/* A device that must not fault on part of its IOVA: pinned, prefaulted. */
TEST_F(iopf, pinned_range)
{
	size_t n = 8 * PSZ;
	struct leaf l;
	size_t i;

	ASSERT_EQ(0, drop_ipc_lock());
	memset(self->buf, 2, self->len);
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, self->buf, self->len, IOVA,
			      RW));
	/* A faulted-in page inside the range gives way to the pinned one. */
	ASSERT_EQ(RESP_SUCCESS, iopf(self->fd, self->idev, IOVA + PSZ, WR,
				     NULL));
	ASSERT_EQ(0, fault_pin(self->fd, self->s2, IOVA, n, 0));
	/* Mapped without any fault, pinned once, charged to locked memory. */
	ASSERT_EQ(0, check_map(self->fd, self->s2, IOVA, self->buf, n));
	ASSERT_EQ(0, check_refs(self->fd, self->buf, n, 1));
	ASSERT_EQ(0, check_refs(self->fd, self->buf + n, PSZ, 0));
	ASSERT_EQ((long)(n >> 10), vm_kb("VmPin:"));
	ASSERT_EQ(0, lookup(self->fd, self->s2, IOVA, &l));
	ASSERT_EQ(RW, l.prot);
	/* Host invalidations leave it alone, as in a pinned domain... */
	ASSERT_EQ(0, madvise(self->buf, n + PSZ, MADV_DONTNEED));
	for (i = 0; i < n; i += PSZ)
		ASSERT_TRUE(mapped(self->fd, self->s2, IOVA + i));
	/* ...but not the IOVA next to it. */
	ASSERT_FALSE(mapped(self->fd, self->s2, IOVA + n));
	/* Overlapping, uncovered, misaligned, unknown flags, wrong HWPT. */
	EXPECT_EQ(-EEXIST, fault_pin(self->fd, self->s2, IOVA + n - PSZ,
				     2 * PSZ, 0));
	EXPECT_EQ(-ENOENT, fault_pin(self->fd, self->s2, IOVA + self->len,
				     PSZ, 0));
	EXPECT_EQ(-ENOENT, fault_pin(self->fd, self->s2,
				     IOVA + self->len - PSZ, 2 * PSZ, 0));
	EXPECT_EQ(-EINVAL, fault_pin(self->fd, self->s2, IOVA + 1, PSZ, 0));
	EXPECT_EQ(-EINVAL, fault_pin(self->fd, self->s2, IOVA, 0, 0));
	EXPECT_EQ(-EINVAL, fault_pin(self->fd, self->s2, -PSZ, 2 * PSZ, 0));
	EXPECT_EQ(-EOPNOTSUPP, fault_pin(self->fd, self->s2, IOVA, PSZ, 2));
	EXPECT_EQ(-ENOENT, fault_pin(self->fd, self->ioas, IOVA, PSZ, 0));
	EXPECT_EQ(-ENOENT, fault_pin(self->fd, self->s2, IOVA + n, PSZ,
				     IOMMU_HWPT_FAULT_UNPIN));
	/* Unpinned: unmapped, refs and locked memory back to zero. */
	ASSERT_EQ(0, fault_pin(self->fd, self->s2, IOVA, PSZ,
			       IOMMU_HWPT_FAULT_UNPIN));
	ASSERT_FALSE(mapped(self->fd, self->s2, IOVA));
	ASSERT_EQ(0, vm_kb("VmPin:"));
	/* IOMMU_IOAS_UNMAP unpins too. */
	ASSERT_EQ(0, fault_pin(self->fd, self->s2, IOVA + n, n, 0));
	ASSERT_EQ((long)(n >> 10), vm_kb("VmPin:"));
	ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas, IOVA, self->len));
	ASSERT_FALSE(mapped(self->fd, self->s2, IOVA + n));
	ASSERT_EQ(0, vm_kb("VmPin:"));
	ASSERT_EQ(0, check_refs(self->fd, self->buf, self->len, 0));
	/* And destroying the HWPT. */
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, self->buf, self->len, IOVA,
			      RW));
	ASSERT_EQ(0, fault_pin(self->fd, self->s2, IOVA, n, 0));
	ASSERT_EQ(0, replace(self->fd, self->stdev, self->scratch));
	ASSERT_EQ(0, destroy(self->fd, self->s2));
	ASSERT_EQ(0, vm_kb("VmPin:"));
}

/* Zapping 4K of a 2M leaf splits it: the other 511 pages stay mapped. */
TEST_F(iopf, partial_zap_splits)
{
	struct leaf l;

	ASSERT_EQ(0, madvise(self->buf, self->len, MADV_HUGEPAGE));
	memset(self->buf, 4, self->len);
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, self->buf, self->len, IOVA,
			      RW));
	ASSERT_EQ(RESP_SUCCESS, iopf(self->fd, self->idev, IOVA, WR, NULL));
	ASSERT_EQ(0, lookup(self->fd, self->s2, IOVA, &l));
	ASSERT_EQ(HUGE, l.size);
	/* Pinning one page zaps just that page's faulted translation. */
	ASSERT_EQ(0, fault_pin(self->fd, self->s2, IOVA + 5 * PSZ, PSZ, 0));
	ASSERT_EQ(0, lookup(self->fd, self->s2, IOVA, &l));
	ASSERT_EQ(PSZ, l.size);
	ASSERT_EQ(0, check_map(self->fd, self->s2, IOVA, self->buf, HUGE));
}

struct streamer {
	int fd;
	__u32 idev;
	int stop;
	unsigned long ok, invalid, other;
};

static void *stream_faults(void *arg)
{
	struct streamer *s = arg;
	unsigned int seed = 1;

	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		__u64 iova = IOVA + (rand_r(&seed) % 1024) * PSZ;
		int code = iopf(s->fd, s->idev, iova, WR, NULL);

		if (code == RESP_SUCCESS)
			s->ok++;
		else if (code == RESP_INVALID)
			s->invalid++;
		else
			s->other++;
	}
	return NULL;
}

TEST_F(iopf, unmap_while_faulting)
{
	struct streamer s = { .fd = self->fd, .idev = self->idev };
	pthread_t th[2];
	int round, i;

	memset(self->buf, 1, self->len);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, stream_faults, &s));
	for (round = 0; round < 40; round++) {
		ASSERT_EQ(0, ioas_map(self->fd, self->ioas, self->buf,
				      self->len, IOVA, RW));
		usleep(2000);
		ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas, IOVA, self->len));
		/* Once IOMMU_IOAS_UNMAP returns, nothing of it is left. */
		for (i = 0; i < 1024; i += 31)
			ASSERT_FALSE(mapped(self->fd, self->s2,
					    IOVA + i * PSZ));
	}
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	ASSERT_EQ(0, s.other);
	ASSERT_LT(0, s.ok);
	ASSERT_LT(0, s.invalid);
	ASSERT_EQ(0, vm_kb("VmPin:"));
}

TEST_F(iopf, bad_input)
{
	__u32 stdev2, idev2, id;
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_TRIGGER_IOPF_WAIT,
	};
	struct leaf l;

	/* Flags that cannot be combined with it. */
	EXPECT_EQ(-1, hwpt_alloc(self->fd, self->idev, self->ioas,
				 IOMMU_HWPT_ALLOC_FAULT_DRIVEN |
				 IOMMU_HWPT_ALLOC_NEST_PARENT, &id));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, hwpt_alloc(self->fd, self->idev, self->ioas,
				 IOMMU_HWPT_ALLOC_FAULT_DRIVEN |
				 IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &id));
	EXPECT_EQ(EINVAL, errno);
	/* An unknown flag bit. */
	EXPECT_EQ(-1, hwpt_alloc(self->fd, self->idev, self->ioas, 8,
				 &id));
	EXPECT_EQ(EOPNOTSUPP, errno);
	/* Not as a NESTED HWPT. */
	EXPECT_EQ(-1, hwpt_alloc(self->fd, self->idev, self->s2,
				 IOMMU_HWPT_ALLOC_FAULT_DRIVEN, &id));
	EXPECT_EQ(EOPNOTSUPP, errno);
	/* A device that did not declare all its DMA fault-tolerant. */
	ASSERT_EQ(0, mock_dev(self->fd, self->scratch, 0, &stdev2, &idev2));
	EXPECT_EQ(-1, hwpt_alloc(self->fd, idev2, self->ioas,
				 IOMMU_HWPT_ALLOC_FAULT_DRIVEN, &id));
	EXPECT_EQ(EPERM, errno);
	/* Nor may it be attached to one allocated for another device. */
	EXPECT_EQ(-1, replace(self->fd, stdev2, self->s2));
	EXPECT_EQ(EPERM, errno);
	/* Its faults, with no fault-capable domain, are refused. */
	EXPECT_EQ(RESP_INVALID, iopf(self->fd, idev2, IOVA, RD, NULL));
	EXPECT_EQ(0, destroy(self->fd, stdev2));

	/* TRIGGER_IOPF_WAIT: unknown device, unknown flag, bad perm. */
	EXPECT_EQ(-ENOENT, iopf(self->fd, 0xdead, IOVA, RD, NULL));
	cmd.trigger_iopf_wait.dev_id = self->idev;
	cmd.trigger_iopf_wait.flags = 1U << 31;
	EXPECT_EQ(-1, ioctl(self->fd, IOMMU_TEST_CMD, &cmd));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-EINVAL, iopf(self->fd, self->idev, IOVA, 0x80, NULL));
	/* MD_TDP_LOOKUP: not a fault-driven HWPT, reserved field. */
	EXPECT_EQ(-ENOENT, lookup(self->fd, self->ioas, IOVA, &l));
	cmd.op = IOMMU_TEST_OP_MD_TDP_LOOKUP;
	cmd.id = self->s2;
	cmd.md_tdp_lookup.iova = IOVA;
	cmd.md_tdp_lookup.__reserved = 1;
	EXPECT_EQ(-1, ioctl(self->fd, IOMMU_TEST_CMD, &cmd));
	EXPECT_EQ(EOPNOTSUPP, errno);
	/* An unaligned or huge IOVA is refused, not mapped. */
	EXPECT_EQ(RESP_INVALID, iopf(self->fd, self->idev, ~0ULL, RD, NULL));
}

/* Raw IOMMU_HWPT_FAULT_PIN, for the fields fault_pin() does not set. */
static int fault_pin_cmd(int fd, struct iommu_hwpt_fault_pin *cmd)
{
	return ioctl(fd, IOMMU_HWPT_FAULT_PIN, cmd) ? -errno : 0;
}

static int hwpt_alloc_cmd(int fd, struct iommu_hwpt_alloc *cmd)
{
	return ioctl(fd, IOMMU_HWPT_ALLOC, cmd) ? -errno : 0;
}

static int fault_queue_alloc(int fd, __u32 *id, int *qfd)
{
	struct iommu_fault_alloc cmd = { .size = sizeof(cmd) };

	if (ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, &cmd))
		return -errno;
	*id = cmd.out_fault_id;
	*qfd = cmd.out_fault_fd;
	return 0;
}

/* Pages of [iova, +n pages) mapped in @hwpt; -1 if one maps another page. */
static int consistent(int fd, __u32 hwpt, __u64 iova, char *va, size_t n)
{
	size_t i;
	int nr = 0;

	for (i = 0; i < n; i++) {
		if (!mapped(fd, hwpt, iova + i * PSZ))
			continue;
		if (check_map(fd, hwpt, iova + i * PSZ, va + i * PSZ, PSZ))
			return -1;
		nr++;
	}
	return nr;
}

/* IOMMU_HWPT_ALLOC with FAULT_DRIVEN: every field, wrong object types. */
TEST_F(iopf, badinput_hwpt_alloc)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_HWPT_ALLOC_FAULT_DRIVEN,
		.dev_id = self->idev,
		.pt_id = self->ioas,
	};
	struct iommu_hwpt_alloc c;
	struct iommu_hwpt_alloc *ro;
	__u32 fault_id = 0, plain, ioas2, id;
	int qfd = -1;

	ASSERT_EQ(0, fault_queue_alloc(self->fd, &fault_id, &qfd));
	ASSERT_EQ(0, hwpt_alloc(self->fd, self->idev, self->ioas, 0, &plain));
	/*
	 * A fault queue forwards faults to userspace; 6.12 takes one for
	 * NESTED HWPTs only, paging HWPTs refuse the flag first.
	 */
	c = cmd;
	c.flags |= IOMMU_HWPT_FAULT_ID_VALID;
	c.fault_id = fault_id;
	EXPECT_EQ(-EOPNOTSUPP, hwpt_alloc_cmd(self->fd, &c));
	/* dev_id: not a device. */
	c = cmd;
	c.dev_id = self->ioas;
	EXPECT_EQ(-ENOENT, hwpt_alloc_cmd(self->fd, &c));
	c.dev_id = self->s2;
	EXPECT_EQ(-ENOENT, hwpt_alloc_cmd(self->fd, &c));
	c.dev_id = fault_id;
	EXPECT_EQ(-ENOENT, hwpt_alloc_cmd(self->fd, &c));
	c.dev_id = self->stdev;
	EXPECT_EQ(-ENOENT, hwpt_alloc_cmd(self->fd, &c));
	c.dev_id = 0;
	EXPECT_EQ(-ENOENT, hwpt_alloc_cmd(self->fd, &c));
	/* pt_id: a device or a fault queue is no IOAS. */
	c = cmd;
	c.pt_id = self->idev;
	EXPECT_EQ(-EINVAL, hwpt_alloc_cmd(self->fd, &c));
	c.pt_id = fault_id;
	EXPECT_EQ(-EINVAL, hwpt_alloc_cmd(self->fd, &c));
	/* An ordinary paging HWPT as pt_id asks for a NESTED one. */
	c.pt_id = plain;
	EXPECT_EQ(-EOPNOTSUPP, hwpt_alloc_cmd(self->fd, &c));
	/* Driver data: the fault-driven mock domain takes none. */
	c = cmd;
	c.data_type = IOMMU_HWPT_DATA_SELFTEST;
	c.data_len = sizeof(data);
	c.data_uptr = (uintptr_t)&data;
	EXPECT_EQ(-EOPNOTSUPP, hwpt_alloc_cmd(self->fd, &c));
	c.data_type = IOMMU_HWPT_DATA_NONE;
	EXPECT_EQ(-EINVAL, hwpt_alloc_cmd(self->fd, &c));
	c = cmd;
	c.__reserved = 1;
	EXPECT_EQ(-EOPNOTSUPP, hwpt_alloc_cmd(self->fd, &c));
	c = cmd;
	c.flags |= 1U << 31;
	EXPECT_EQ(-EOPNOTSUPP, hwpt_alloc_cmd(self->fd, &c));
	/* A destroyed IOAS. */
	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas2));
	ASSERT_EQ(0, destroy(self->fd, ioas2));
	c = cmd;
	c.pt_id = ioas2;
	EXPECT_EQ(-EINVAL, hwpt_alloc_cmd(self->fd, &c));
	/*
	 * The answer cannot be written back: the HWPT is torn down again,
	 * and takes its reference on the IOAS with it.
	 */
	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas2));
	ro = mmap(NULL, PSZ, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	*ro = cmd;
	ro->pt_id = ioas2;
	ASSERT_EQ(0, mprotect(ro, PSZ, PROT_READ));
	EXPECT_EQ(-EFAULT, hwpt_alloc_cmd(self->fd, ro));
	EXPECT_EQ(0, destroy(self->fd, ioas2));
	munmap(ro, PSZ);
	/* A device that tolerates faults is attached at creation. */
	EXPECT_EQ(-1, mock_dev(self->fd, self->s2, 0, &id, NULL));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(0, mock_dev(self->fd, self->s2,
			      MOCK_FLAGS_DEVICE_IOPF_ALL_DMA, &id, NULL));
	EXPECT_EQ(0, destroy(self->fd, id));
	/* The IOAS is busy while a fault-driven HWPT uses it. */
	EXPECT_EQ(-1, destroy(self->fd, self->ioas));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(0, destroy(self->fd, plain));
	close(qfd);
	EXPECT_EQ(0, destroy(self->fd, fault_id));
}

/* IOMMU_HWPT_FAULT_PIN: size, reserved, flags and the range. */
TEST_F(iopf, badinput_pin_range)
{
	struct iommu_hwpt_fault_pin cmd = {
		.size = sizeof(cmd),
		.hwpt_id = self->s2,
		.iova = IOVA,
		.length = PSZ,
	};
	struct {
		struct iommu_hwpt_fault_pin pin;
		__u64 tail;
	} big = { .pin = cmd, .tail = 1 };
	struct iommu_hwpt_fault_pin c;

	ASSERT_EQ(0, drop_ipc_lock());
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, self->buf, self->len, IOVA,
			      RW));
	/* Too short for the fields, or longer with something in the tail. */
	c = cmd;
	c.size = 8;
	EXPECT_EQ(-EINVAL, fault_pin_cmd(self->fd, &c));
	big.pin.size = sizeof(big);
	EXPECT_EQ(-E2BIG, fault_pin_cmd(self->fd, &big.pin));
	c = cmd;
	c.__reserved = 1;
	EXPECT_EQ(-EOPNOTSUPP, fault_pin_cmd(self->fd, &c));
	c.flags = IOMMU_HWPT_FAULT_UNPIN;
	EXPECT_EQ(-EOPNOTSUPP, fault_pin_cmd(self->fd, &c));
	c = cmd;
	c.flags = IOMMU_HWPT_FAULT_UNPIN | 1U << 31;
	EXPECT_EQ(-EOPNOTSUPP, fault_pin_cmd(self->fd, &c));
	/* Unaligned length, empty, wrapping: pin and unpin alike. */
	EXPECT_EQ(-EINVAL, fault_pin(self->fd, self->s2, IOVA, PSZ + 1, 0));
	EXPECT_EQ(-EINVAL, fault_pin(self->fd, self->s2, IOVA, PSZ - 1, 0));
	EXPECT_EQ(-EINVAL, fault_pin(self->fd, self->s2, IOVA + 1, PSZ,
				     IOMMU_HWPT_FAULT_UNPIN));
	EXPECT_EQ(-EINVAL, fault_pin(self->fd, self->s2, IOVA, 0,
				     IOMMU_HWPT_FAULT_UNPIN));
	EXPECT_EQ(-EINVAL, fault_pin(self->fd, self->s2, IOVA, ~0ULL, 0));
	EXPECT_EQ(-EINVAL, fault_pin(self->fd, self->s2, IOVA, -PSZ, 0));
	EXPECT_EQ(-EINVAL, fault_pin(self->fd, self->s2, -PSZ, PSZ + PSZ,
				     IOMMU_HWPT_FAULT_UNPIN));
	/* The last page of the address space is a valid, unmapped range. */
	EXPECT_EQ(-ENOENT, fault_pin(self->fd, self->s2, -PSZ, PSZ, 0));
	/* Huge but not covered: refused before anything is sized by it. */
	EXPECT_EQ(-ENOENT, fault_pin(self->fd, self->s2, IOVA, 1ULL << 44, 0));
	EXPECT_EQ(-ENOENT, fault_pin(self->fd, self->s2, 0, -PSZ, 0));
	EXPECT_EQ(0, vm_kb("VmPin:"));
	/* Overlaps: from either side, around, inside; adjacent is fine. */
	ASSERT_EQ(0, fault_pin(self->fd, self->s2, IOVA + 4 * PSZ, 4 * PSZ, 0));
	EXPECT_EQ(-EEXIST, fault_pin(self->fd, self->s2, IOVA + 2 * PSZ,
				     4 * PSZ, 0));
	EXPECT_EQ(-EEXIST, fault_pin(self->fd, self->s2, IOVA + 7 * PSZ,
				     4 * PSZ, 0));
	EXPECT_EQ(-EEXIST, fault_pin(self->fd, self->s2, IOVA, 16 * PSZ, 0));
	EXPECT_EQ(-EEXIST, fault_pin(self->fd, self->s2, IOVA + 5 * PSZ, PSZ,
				     0));
	EXPECT_EQ(0, fault_pin(self->fd, self->s2, IOVA + 8 * PSZ, PSZ, 0));
	EXPECT_EQ(0, fault_pin(self->fd, self->s2, IOVA + 3 * PSZ, PSZ, 0));
	EXPECT_EQ(24, vm_kb("VmPin:"));
	/* Unpinning any part of a range unpins all of it. */
	EXPECT_EQ(0, fault_pin(self->fd, self->s2, IOVA + 6 * PSZ, PSZ,
			       IOMMU_HWPT_FAULT_UNPIN));
	EXPECT_EQ(8, vm_kb("VmPin:"));
	EXPECT_FALSE(mapped(self->fd, self->s2, IOVA + 4 * PSZ));
	EXPECT_TRUE(mapped(self->fd, self->s2, IOVA + 8 * PSZ));
	/* One call unpins every range it meets. */
	EXPECT_EQ(0, fault_pin(self->fd, self->s2, IOVA, 16 * PSZ,
			       IOMMU_HWPT_FAULT_UNPIN));
	EXPECT_EQ(0, vm_kb("VmPin:"));
	EXPECT_EQ(-ENOENT, fault_pin(self->fd, self->s2, IOVA, 16 * PSZ,
				     IOMMU_HWPT_FAULT_UNPIN));
	EXPECT_EQ(0, check_refs(self->fd, self->buf, 16 * PSZ, 0));
}

/* IOMMU_HWPT_FAULT_PIN: hwpt_id of every other kind, and destroyed. */
TEST_F(iopf, badinput_pin_object)
{
	struct iommu_hwpt_set_dirty_tracking dirty = {
		.size = sizeof(dirty),
		.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE,
		.hwpt_id = self->s2,
	};
	__u64 bitmap[8] = {};
	struct iommu_hwpt_get_dirty_bitmap get = {
		.size = sizeof(get),
		.hwpt_id = self->s2,
		.iova = IOVA,
		.length = 64 * PSZ,
		.page_size = PSZ,
		.data = (uintptr_t)bitmap,
	};
	__u32 plain, fault_id = 0, s2b;
	int qfd = -1;

	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, self->buf, self->len, IOVA,
			      RW));
	ASSERT_EQ(0, fault_queue_alloc(self->fd, &fault_id, &qfd));
	ASSERT_EQ(0, hwpt_alloc(self->fd, self->idev, self->ioas, 0, &plain));
	/* Not a paging HWPT at all. */
	EXPECT_EQ(-ENOENT, fault_pin(self->fd, self->idev, IOVA, PSZ, 0));
	EXPECT_EQ(-ENOENT, fault_pin(self->fd, self->stdev, IOVA, PSZ, 0));
	EXPECT_EQ(-ENOENT, fault_pin(self->fd, fault_id, IOVA, PSZ, 0));
	EXPECT_EQ(-ENOENT, fault_pin(self->fd, self->scratch, IOVA, PSZ,
				     IOMMU_HWPT_FAULT_UNPIN));
	EXPECT_EQ(-ENOENT, fault_pin(self->fd, 0, IOVA, PSZ, 0));
	/* A paging HWPT that is not fault-driven. */
	EXPECT_EQ(-EINVAL, fault_pin(self->fd, plain, IOVA, PSZ, 0));
	EXPECT_EQ(-EINVAL, fault_pin(self->fd, plain, IOVA, PSZ,
				     IOMMU_HWPT_FAULT_UNPIN));
	/* A fault-driven one with no device attached works... */
	ASSERT_EQ(0, hwpt_alloc(self->fd, self->idev, self->ioas,
				IOMMU_HWPT_ALLOC_FAULT_DRIVEN, &s2b));
	EXPECT_EQ(0, fault_pin(self->fd, s2b, IOVA, PSZ, 0));
	EXPECT_EQ(0, check_map(self->fd, s2b, IOVA, self->buf, PSZ));
	/* ...and once destroyed, with its pin, is gone. */
	EXPECT_EQ(0, destroy(self->fd, s2b));
	/* Left: the pin of the ordinary HWPT, which maps the whole IOAS. */
	EXPECT_EQ(0, check_refs(self->fd, self->buf, PSZ, 1));
	EXPECT_EQ(-ENOENT, fault_pin(self->fd, s2b, IOVA, PSZ, 0));
	EXPECT_EQ(-ENOENT, fault_pin(self->fd, s2b, IOVA, PSZ,
				     IOMMU_HWPT_FAULT_UNPIN));
	EXPECT_EQ(-1, destroy(self->fd, s2b));
	EXPECT_EQ(ENOENT, errno);
	/* Dirty tracking does not apply to a fault-driven HWPT. */
	EXPECT_EQ(-1, ioctl(self->fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &dirty));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, ioctl(self->fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &get));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(0, destroy(self->fd, plain));
	close(qfd);
	EXPECT_EQ(0, destroy(self->fd, fault_id));
}

/*
 * IOAS mappings a pin or a fault cannot use: not whole pages, from two
 * processes, beyond the HWPT's address width.
 */
TEST_F(iopf, badinput_pin_mappings)
{
	int to_child[2], to_parent[2];
	__u64 far = 1ULL << 50;
	char c = 0;
	pid_t pid;
	int status;

	ASSERT_EQ(0, drop_ipc_lock());
	memset(self->buf, 1, 4 * PSZ);
	/* An area that starts inside a page: no whole page to hand out. */
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, self->buf + 0x100,
			      2 * PSZ, IOVA + 0x100, RW));
	EXPECT_EQ(-EINVAL, fault_pin(self->fd, self->s2, IOVA + PSZ, PSZ, 0));
	EXPECT_EQ(RESP_INVALID, iopf(self->fd, self->idev, IOVA + PSZ, RD,
				     NULL));
	EXPECT_FALSE(mapped(self->fd, self->s2, IOVA + PSZ));
	ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas, IOVA + 0x100, 2 * PSZ));
	/* An area that ends inside a page: the range past it is uncovered. */
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, self->buf, PSZ + 0x800,
			      IOVA, RW));
	EXPECT_EQ(-ENOENT, fault_pin(self->fd, self->s2, IOVA, 2 * PSZ, 0));
	EXPECT_EQ(RESP_INVALID, iopf(self->fd, self->idev, IOVA, RD, NULL));
	ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas, IOVA, PSZ + 0x800));
	EXPECT_EQ(0, vm_kb("VmPin:"));

	/* Two areas, the second mapped by another process. */
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, self->buf, PSZ, IOVA, RW));
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char *mine = map_anon(PSZ, PSZ);

		if (!mine || ioas_map(self->fd, self->ioas, mine, PSZ,
				      IOVA + PSZ, RW))
			_exit(1);
		mine[0] = 1;
		if (write(to_parent[1], &c, 1) != 1 ||
		    read(to_child[0], &c, 1) != 1)
			_exit(2);
		_exit(0);
	}
	ASSERT_EQ(1, read(to_parent[0], &c, 1));
	EXPECT_EQ(-EINVAL, fault_pin(self->fd, self->s2, IOVA, 2 * PSZ, 0));
	EXPECT_EQ(0, vm_kb("VmPin:"));
	/* Each alone is one process's memory. */
	EXPECT_EQ(0, fault_pin(self->fd, self->s2, IOVA, PSZ, 0));
	EXPECT_EQ(RESP_SUCCESS, iopf(self->fd, self->idev, IOVA + PSZ, WR,
				     NULL));
	EXPECT_EQ(0, fault_pin(self->fd, self->s2, IOVA, PSZ,
			       IOMMU_HWPT_FAULT_UNPIN));
	ASSERT_EQ(1, write(to_child[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	/* Its mm is gone: the fault there cannot be resolved. */
	EXPECT_EQ(RESP_INVALID, iopf(self->fd, self->idev, IOVA + PSZ, WR,
				     NULL));
	EXPECT_FALSE(mapped(self->fd, self->s2, IOVA + PSZ));
	ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas, IOVA, 2 * PSZ));

	/* Beyond the 48-bit table: nothing is mapped, nothing stays pinned. */
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, self->buf, PSZ, far, RW));
	EXPECT_EQ(RESP_INVALID, iopf(self->fd, self->idev, far, RD, NULL));
	EXPECT_EQ(-EINVAL, fault_pin(self->fd, self->s2, far, PSZ, 0));
	EXPECT_EQ(0, vm_kb("VmPin:"));
	EXPECT_EQ(0, check_refs(self->fd, self->buf, PSZ, 0));
	ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas, far, PSZ));
}

/* TRIGGER_IOPF_WAIT and MD_TDP_LOOKUP / MD_CHECK_MAP: every field. */
TEST_F(iopf, badinput_test_ops)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MD_TDP_LOOKUP,
	};
	__u32 plain, stdev2, idev2;
	struct leaf l;

	memset(self->buf, 1, 2 * PSZ);
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, self->buf, self->len, IOVA,
			      RW));
	ASSERT_EQ(0, hwpt_alloc(self->fd, self->idev, self->ioas, 0, &plain));
	/* dev_id of other objects. */
	EXPECT_EQ(-ENOENT, iopf(self->fd, self->ioas, IOVA, RD, NULL));
	EXPECT_EQ(-ENOENT, iopf(self->fd, self->s2, IOVA, RD, NULL));
	EXPECT_EQ(-ENOENT, iopf(self->fd, self->stdev, IOVA, RD, NULL));
	/* Unknown flags; the known one works like the queued path. */
	EXPECT_EQ(-EOPNOTSUPP, iopf_flags(self->fd, self->idev, IOVA, RD,
					  MOCK_IOPF_WAIT_SYNC << 1, NULL));
	EXPECT_EQ(RESP_SUCCESS, iopf_flags(self->fd, self->idev,
					   IOVA + 0x123, WR,
					   MOCK_IOPF_WAIT_SYNC, NULL));
	EXPECT_EQ(0, check_map(self->fd, self->s2, IOVA, self->buf, PSZ));
	EXPECT_EQ(RESP_INVALID, iopf_flags(self->fd, self->idev,
					   IOVA + self->len, RD,
					   MOCK_IOPF_WAIT_SYNC, NULL));
	/* No permission asked: a read. */
	EXPECT_EQ(RESP_SUCCESS, iopf(self->fd, self->idev, IOVA + PSZ, 0,
				     NULL));
	EXPECT_EQ(0, lookup(self->fd, self->s2, IOVA + PSZ, &l));
	EXPECT_EQ(IOMMU_IOAS_MAP_READABLE, l.prot);
	/* A destroyed device. */
	ASSERT_EQ(0, mock_dev(self->fd, self->scratch,
			      MOCK_FLAGS_DEVICE_IOPF_ALL_DMA, &stdev2, &idev2));
	ASSERT_EQ(0, destroy(self->fd, stdev2));
	EXPECT_EQ(-ENOENT, iopf_flags(self->fd, idev2, IOVA, RD,
				      MOCK_IOPF_WAIT_SYNC, NULL));

	/* MD_TDP_LOOKUP: id of other objects, beyond the address width. */
	EXPECT_EQ(-EINVAL, lookup(self->fd, plain, IOVA, &l));
	EXPECT_EQ(-ENOENT, lookup(self->fd, self->idev, IOVA, &l));
	EXPECT_EQ(-ENOENT, lookup(self->fd, self->stdev, IOVA, &l));
	EXPECT_EQ(-EINVAL, lookup(self->fd, self->s2, 1ULL << 48, &l));
	EXPECT_EQ(-EINVAL, lookup(self->fd, self->s2, ~0ULL, &l));
	cmd.id = self->s2;
	cmd.md_tdp_lookup.iova = IOVA;
	cmd.md_tdp_lookup.out_prot = 7;
	EXPECT_EQ(0, ioctl(self->fd, IOMMU_TEST_CMD, &cmd));
	EXPECT_EQ(RW, cmd.md_tdp_lookup.out_prot);
	/* MD_CHECK_MAP: unaligned, wrapping, not mapped, mapped elsewhere. */
	EXPECT_EQ(-EINVAL, check_map(self->fd, self->s2, IOVA + 1, self->buf,
				     PSZ));
	EXPECT_EQ(-EINVAL, check_map(self->fd, self->s2, IOVA, self->buf + 1,
				     PSZ));
	EXPECT_EQ(-EINVAL, check_map(self->fd, self->s2, IOVA, self->buf,
				     PSZ + 1));
	EXPECT_EQ(-EINVAL, check_map(self->fd, self->s2, IOVA,
				     (void *)-PSZ, 2 * PSZ));
	EXPECT_EQ(-EINVAL, check_map(self->fd, self->s2, IOVA + 100 * PSZ,
				     self->buf + 100 * PSZ, PSZ));
	EXPECT_EQ(-EINVAL, check_map(self->fd, self->s2, IOVA,
				     self->buf + PSZ, PSZ));
	EXPECT_EQ(0, destroy(self->fd, plain));
	/* A destroyed HWPT. */
	ASSERT_EQ(0, replace(self->fd, self->stdev, self->scratch));
	ASSERT_EQ(0, destroy(self->fd, self->s2));
	EXPECT_EQ(-ENOENT, lookup(self->fd, self->s2, IOVA, &l));
	EXPECT_EQ(RESP_INVALID, iopf_flags(self->fd, self->idev, IOVA, RD,
					   MOCK_IOPF_WAIT_SYNC, NULL));
	EXPECT_EQ(-1, replace(self->fd, self->stdev, self->s2));
	EXPECT_EQ(ENOENT, errno);
}

struct racer {
	int fd;
	__u32 idev;
	__u32 hwpt;		/* may change under the threads */
	int stop;
	unsigned int seed;
	unsigned long ok, invalid, pinned, other;
	int bad;		/* an unexpected result, for the log */
};

static void *race_faults(void *arg)
{
	struct racer *r = arg;
	unsigned int seed = __atomic_add_fetch(&r->seed, 1, __ATOMIC_RELAXED);

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		__u64 iova = IOVA + (rand_r(&seed) % 256) * PSZ;
		int code = iopf_flags(r->fd, r->idev, iova, WR,
				      seed & 1 ? MOCK_IOPF_WAIT_SYNC : 0, NULL);

		if (code == RESP_SUCCESS) {
			__atomic_add_fetch(&r->ok, 1, __ATOMIC_RELAXED);
		} else if (code == RESP_INVALID || code == -EBADF) {
			__atomic_add_fetch(&r->invalid, 1, __ATOMIC_RELAXED);
		} else {
			__atomic_add_fetch(&r->other, 1, __ATOMIC_RELAXED);
			r->bad = code;
		}
	}
	return NULL;
}

static void *race_pins(void *arg)
{
	struct racer *r = arg;
	unsigned int seed = 77;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		__u32 hwpt = __atomic_load_n(&r->hwpt, __ATOMIC_RELAXED);
		__u64 iova = IOVA + (rand_r(&seed) % 64) * 4 * PSZ;
		__u32 flags = rand_r(&seed) % 3 ? 0 : IOMMU_HWPT_FAULT_UNPIN;
		int rc = fault_pin(r->fd, hwpt, iova, 4 * PSZ, flags);

		if (!rc) {
			__atomic_add_fetch(&r->pinned, 1, __ATOMIC_RELAXED);
		} else if (rc != -EEXIST && rc != -ENOENT && rc != -EBADF) {
			__atomic_add_fetch(&r->other, 1, __ATOMIC_RELAXED);
			r->bad = rc;
		}
	}
	return NULL;
}

static void race_start(struct __test_metadata *_metadata, struct racer *r,
		       pthread_t th[3])
{
	r->stop = 0;
	ASSERT_EQ(0, pthread_create(&th[0], NULL, race_faults, r));
	ASSERT_EQ(0, pthread_create(&th[1], NULL, race_faults, r));
	ASSERT_EQ(0, pthread_create(&th[2], NULL, race_pins, r));
}

static void race_stop(struct racer *r, pthread_t th[3])
{
	int i;

	__atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
}

/* Detach and destroy the HWPT while faults and PIN/UNPIN run on it. */
TEST_F_TIMEOUT(iopf, race_destroy_hwpt, 120)
{
	struct racer r = { .fd = self->fd, .idev = self->idev };
	pthread_t th[3];
	int round, rc;
	__u32 s2;

	ASSERT_EQ(0, drop_ipc_lock());
	memset(self->buf, 1, self->len);
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, self->buf, self->len, IOVA,
			      RW));
	s2 = self->s2;
	for (round = 0; round < 30; round++) {
		if (round) {
			ASSERT_EQ(0, hwpt_alloc(self->fd, self->idev,
						self->ioas,
						IOMMU_HWPT_ALLOC_FAULT_DRIVEN,
						&s2));
			ASSERT_EQ(0, replace(self->fd, self->stdev, s2));
		}
		r.hwpt = s2;
		race_start(_metadata, &r, th);
		usleep(3000);
		ASSERT_EQ(0, replace(self->fd, self->stdev, self->scratch));
		/* Busy only while a PIN/UNPIN holds it. */
		while ((rc = destroy(self->fd, s2)) && errno == EBUSY)
			;
		ASSERT_EQ(0, rc);
		usleep(500);
		race_stop(&r, th);
		ASSERT_EQ(0, r.other) TH_LOG("round %d: %d", round, r.bad);
		ASSERT_EQ(0, vm_kb("VmPin:"));
	}
	ASSERT_LT(0, r.ok);
	ASSERT_LT(0, r.pinned);
	ASSERT_EQ(0, check_refs(self->fd, self->buf, self->len, 0));
}

/* IOMMU_IOAS_UNMAP while faults and PIN/UNPIN run. */
TEST_F_TIMEOUT(iopf, race_unmap, 120)
{
	struct racer r = { .fd = self->fd, .idev = self->idev,
			   .hwpt = self->s2 };
	pthread_t th[3];
	int round, i;

	ASSERT_EQ(0, drop_ipc_lock());
	memset(self->buf, 1, self->len);
	race_start(_metadata, &r, th);
	for (round = 0; round < 40; round++) {
		ASSERT_EQ(0, ioas_map(self->fd, self->ioas, self->buf,
				      self->len, IOVA, RW));
		usleep(2000);
		ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas, IOVA, self->len));
		/* Gone with the mapping: translations and pins. */
		ASSERT_EQ(0, vm_kb("VmPin:"));
		for (i = 0; i < 256; i += 17)
			ASSERT_FALSE(mapped(self->fd, self->s2,
					    IOVA + i * PSZ));
	}
	race_stop(&r, th);
	ASSERT_EQ(0, r.other) TH_LOG("%d", r.bad);
	ASSERT_LT(0, r.ok);
	ASSERT_LT(0, r.pinned);
	ASSERT_EQ(0, check_refs(self->fd, self->buf, self->len, 0));
}

/* Close the iommufd while faults and PIN/UNPIN run on it. */
TEST_F_TIMEOUT(iopf, race_close, 120)
{
	struct racer r = {};
	pthread_t th[3];
	__u32 ioas, scratch, stdev, s2;
	int round;

	ASSERT_EQ(0, drop_ipc_lock());
	memset(self->buf, 1, self->len);
	for (round = 0; round < 20; round++) {
		r.fd = open("/dev/iommu", O_RDWR);
		ASSERT_LE(0, r.fd);
		ASSERT_EQ(0, ioas_alloc(r.fd, &ioas));
		ASSERT_EQ(0, ioas_alloc(r.fd, &scratch));
		ASSERT_EQ(0, mock_dev(r.fd, scratch,
				      MOCK_FLAGS_DEVICE_IOPF_ALL_DMA, &stdev,
				      &r.idev));
		ASSERT_EQ(0, hwpt_alloc(r.fd, r.idev, ioas,
					IOMMU_HWPT_ALLOC_FAULT_DRIVEN, &s2));
		ASSERT_EQ(0, replace(r.fd, stdev, s2));
		ASSERT_EQ(0, ioas_map(r.fd, ioas, self->buf, self->len, IOVA,
				      RW));
		r.hwpt = s2;
		race_start(_metadata, &r, th);
		usleep(3000);
		/* The last ioctl to return releases the file. */
		ASSERT_EQ(0, close(r.fd));
		usleep(500);
		race_stop(&r, th);
		ASSERT_EQ(0, r.other) TH_LOG("round %d: %d", round, r.bad);
		ASSERT_EQ(0, vm_kb("VmPin:"));
	}
	ASSERT_LT(0, r.ok);
	ASSERT_LT(0, r.pinned);
	ASSERT_EQ(0, check_refs(self->fd, self->buf, self->len, 0));
}

TEST_F(iopf, detach_and_destroy)
{
	ASSERT_EQ(0, ioas_map(self->fd, self->ioas, self->buf, self->len, IOVA,
			      RW));
	ASSERT_EQ(RESP_SUCCESS, iopf(self->fd, self->idev, IOVA, WR, NULL));
	/* Busy while a device is attached. */
	EXPECT_EQ(-1, destroy(self->fd, self->s2));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, replace(self->fd, self->stdev, self->scratch));
	/* Detached: faults are refused. */
	EXPECT_EQ(RESP_INVALID, iopf(self->fd, self->idev, IOVA, RD, NULL));
	ASSERT_EQ(0, destroy(self->fd, self->s2));
	/* The mm's notifiers went with it: unmapping works. */
	ASSERT_EQ(0, munmap(self->buf, PSZ));
	ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas, IOVA, self->len));
}

/*
 * Fault injection: each allocation in turn of one operation fails
 * (/proc/thread-self/fail-nth with failslab and fail_page_alloc, as
 * tools/testing/selftests/iommu/iommufd_fail_nth.c), in a fresh process
 * per step.  The operation must succeed or fail cleanly, the state must
 * then agree with what is mapped and pinned, the operation must work
 * when retried, and after the sweep no object allocated by iommufd, the
 * adapter or lib/tdpmmu may be left (slub_debug=U traces; the table
 * pages are checked by lib/tdpmmu when each domain is freed).
 */
#define RESP_FAILURE	2	/* enum iommu_page_response_code */
#define NTH_MAX		2000

static int put_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

static int nth_arm(int fd, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	return pwrite(fd, buf, len, 0) == len ? 0 : -1;
}

/* Disarm; true if the armed failure was injected. */
static bool nth_disarm(int fd)
{
	char buf[16] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	while (pwrite(fd, "0", 1, 0) != 1)
		;
	return n > 0 && buf[0] == '0' && buf[1] == '\n';
}

/* A process's iommufd with one fault-tolerant mock device. */
struct nth_env {
	int fd, nth;
	__u32 ioas, scratch, stdev, idev, s2;
	char *buf;
};

static void nth_env_setup(struct __test_metadata *_metadata,
			  struct nth_env *e, bool attach, bool thp)
{
	e->fd = open("/dev/iommu", O_RDWR);
	ASSERT_LE(0, e->fd);
	ASSERT_EQ(0, ioas_alloc(e->fd, &e->ioas));
	ASSERT_EQ(0, ioas_alloc(e->fd, &e->scratch));
	ASSERT_EQ(0, mock_dev(e->fd, e->scratch,
			      MOCK_FLAGS_DEVICE_IOPF_ALL_DMA, &e->stdev,
			      &e->idev));
	e->buf = map_anon(HUGE, HUGE);
	ASSERT_NE(NULL, e->buf);
	ASSERT_EQ(0, madvise(e->buf, HUGE,
			     thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE));
	ASSERT_EQ(0, ioas_map(e->fd, e->ioas, e->buf, HUGE, IOVA, RW));
	if (attach) {
		ASSERT_EQ(0, hwpt_alloc(e->fd, e->idev, e->ioas,
					IOMMU_HWPT_ALLOC_FAULT_DRIVEN,
					&e->s2));
		ASSERT_EQ(0, replace(e->fd, e->stdev, e->s2));
	}
	e->nth = open("/proc/thread-self/fail-nth", O_RDWR);
	ASSERT_LE(0, e->nth);
}

/* An errno a failed allocation may surface as. */
static bool nth_errno(int err)
{
	return err == ENOMEM || err == ENOENT || err == EINVAL ||
	       err == EFAULT || err == EBUSY;
}

typedef void (*nth_step_t)(struct __test_metadata *_metadata,
			   unsigned int n, bool *fired);

/* Live slab objects with iommufd, the adapter or lib/tdpmmu in the trace. */
static long slab_ours(struct __test_metadata *_metadata, bool log)
{
	static const char * const ours[] = {
		"iommufd", "iopf", "tdpmmu", "mock_tdp", "s2_pin",
	};
	char path[512], line[512], head[512];
	struct dirent *d;
	long total = 0, count = 0;
	bool match = false;
	unsigned int i;
	DIR *dir;
	FILE *f;

	dir = opendir("/sys/kernel/debug/slab");
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path),
			 "/sys/kernel/debug/slab/%s/alloc_traces", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		/* "count caller age=.. pid=..", stack lines, a blank line. */
		for (;;) {
			bool eof = !fgets(line, sizeof(line), f);

			if (eof || line[0] == '\n') {
				if (match) {
					total += count;
					/* Not what the kernel set up at boot */
					if (log && !strstr(head, " pid=1 "))
						TH_LOG("%s: %s", d->d_name,
						       head);
				}
				match = false;
				count = 0;
				if (eof)
					break;
				continue;
			}
			/* A count right-aligned in 7 columns starts one. */
			if (isdigit((unsigned char)line[6])) {
				count = strtol(line, NULL, 10);
				snprintf(head, sizeof(head), "%s", line);
			}
			for (i = 0; i < ARRAY_SIZE(ours); i++)
				if (strstr(line, ours[i]))
					match = true;
		}
		fclose(f);
	}
	closedir(dir);
	return total;
}

/*
 * A CPU that ran an exited process may keep its mm as the lazy TLB mm,
 * with the mm's notifier subscriptions, until it runs another process:
 * run one on each CPU.
 */
static void drop_lazy_mms(void)
{
	long cpu, ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;
	pid_t pid;

	for (cpu = 0; cpu < ncpu; cpu++) {
		pid = fork();
		if (!pid) {
			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			sched_setaffinity(0, sizeof(set), &set);
			usleep(1000);
			_exit(0);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
}

/* Taken before any test ran: what the kernel itself set up. */
static long slab_at_start = -1;

static void __attribute__((constructor)) slab_start(void)
{
	slab_at_start = slab_ours(NULL, false);
}

/*
 * What earlier processes freed is freed after RCU grace periods, by
 * workers, by kfree_rcu() batches (up to 5 s): the least count seen
 * over 7 s, unless it is back to where it started.
 */
static long slab_settled(struct __test_metadata *_metadata)
{
	long least = slab_ours(_metadata, false), now;
	int i;

	for (i = 0; i < 35 && least > slab_at_start; i++) {
		usleep(200000);
		drop_lazy_mms();
		now = slab_ours(_metadata, false);
		if (now < least)
			least = now;
	}
	return least;
}

/* Wait up to 15 s for the count to come back to @before. */
static long slab_leak_check(struct __test_metadata *_metadata,
			    const char *what, long before)
{
	long after = -1;
	int i;

	for (i = 0; i < 75; i++) {
		drop_lazy_mms();
		after = slab_ours(_metadata, false);
		if (after <= before)
			break;
		usleep(200000);
	}
	if (after > before)
		slab_ours(_metadata, true);
	EXPECT_GE(before, after) TH_LOG("%s: leaked %ld", what,
					after - before);
	return after;
}

static void fail_nth_sweep(struct __test_metadata *_metadata,
			   const char *what, nth_step_t step)
{
	bool *fired = mmap(NULL, sizeof(*fired), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	long before, after;
	unsigned int n;
	int status;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, fired);
	before = slab_settled(_metadata);
	ASSERT_LE(0, before) TH_LOG("boot with slub_debug=U");
	for (n = 1; n < NTH_MAX; n++) {
		*fired = false;
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			step(_metadata, n, fired);
			_exit(0);
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		ASSERT_EQ(0, WEXITSTATUS(status));
		ASSERT_EQ(0, _metadata->exit_code) TH_LOG("%s: nth %u", what, n);
		if (!*fired)
			break;
	}
	ASSERT_GT(NTH_MAX, n);
	after = slab_leak_check(_metadata, what, before);
	ksft_print_msg("iommufd-iopf fail_nth %s: %u injections, slab objects %ld -> %ld\n",
		       what, n - 1, before, after);
}

FIXTURE(fail_nth) {
	int unused;
};

FIXTURE_SETUP(fail_nth)
{
	static const char * const fails[] = {
		"failslab", "fail_page_alloc", "fail_iommufd",
	};
	char path[128];
	unsigned int i;

	/* Every allocation may fail, order 0 pages and sleeping ones too. */
	ASSERT_EQ(0, put_str("/sys/kernel/debug/failslab/ignore-gfp-wait",
			     "N"));
	ASSERT_EQ(0, put_str("/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait",
			     "N"));
	ASSERT_EQ(0, put_str("/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem",
			     "N"));
	ASSERT_EQ(0, put_str("/sys/kernel/debug/fail_page_alloc/min-order",
			     "0"));
	for (i = 0; i < ARRAY_SIZE(fails); i++) {
		snprintf(path, sizeof(path), "/sys/kernel/debug/%s/verbose",
			 fails[i]);
		put_str(path, "0");
	}
}

FIXTURE_TEARDOWN(fail_nth)
{
}

/* (1) IOMMU_HWPT_ALLOC with FAULT_DRIVEN, then attach. */
static void nth_hwpt_alloc(struct __test_metadata *_metadata, unsigned int n,
			   bool *fired)
{
	struct nth_env e;
	int rc1, rc2 = -1, err1, err2 = 0;
	__u32 s2;

	nth_env_setup(_metadata, &e, false, false);
	memset(e.buf, 1, PSZ);
	ASSERT_EQ(0, nth_arm(e.nth, n));
	rc1 = hwpt_alloc(e.fd, e.idev, e.ioas, IOMMU_HWPT_ALLOC_FAULT_DRIVEN,
			 &s2);
	err1 = errno;
	if (!rc1) {
		rc2 = replace(e.fd, e.stdev, s2);
		err2 = errno;
	}
	*fired = nth_disarm(e.nth);

	if (rc1) {
		ASSERT_TRUE(nth_errno(err1)) TH_LOG("alloc: %d", err1);
	} else if (rc2) {
		ASSERT_TRUE(nth_errno(err2)) TH_LOG("attach: %d", err2);
		/* Still on the old domain: its faults are refused. */
		ASSERT_EQ(RESP_INVALID, iopf(e.fd, e.idev, IOVA, RD, NULL));
		ASSERT_FALSE(mapped(e.fd, s2, IOVA));
		ASSERT_EQ(0, destroy(e.fd, s2));
	} else {
		ASSERT_EQ(RESP_SUCCESS, iopf(e.fd, e.idev, IOVA, WR, NULL));
		ASSERT_EQ(0, check_map(e.fd, s2, IOVA, e.buf, PSZ));
		ASSERT_EQ(0, replace(e.fd, e.stdev, e.scratch));
		ASSERT_EQ(0, destroy(e.fd, s2));
	}
	/* And without injection it works. */
	ASSERT_EQ(0, hwpt_alloc(e.fd, e.idev, e.ioas,
				IOMMU_HWPT_ALLOC_FAULT_DRIVEN, &s2));
	ASSERT_EQ(0, replace(e.fd, e.stdev, s2));
	ASSERT_EQ(RESP_SUCCESS, iopf(e.fd, e.idev, IOVA, WR, NULL));
	ASSERT_EQ(0, check_map(e.fd, s2, IOVA, e.buf, PSZ));
}

/* (2) IOMMU_HWPT_FAULT_PIN of 8 pages, some absent, one faulted in. */
static void nth_pin(struct __test_metadata *_metadata, unsigned int n,
		    bool *fired)
{
	const size_t len = 8 * PSZ;
	struct nth_env e;
	int rc, err;

	ASSERT_EQ(0, drop_ipc_lock());
	nth_env_setup(_metadata, &e, true, false);
	memset(e.buf, 1, 4 * PSZ);
	ASSERT_EQ(RESP_SUCCESS, iopf(e.fd, e.idev, IOVA + PSZ, WR, NULL));
	ASSERT_EQ(0, nth_arm(e.nth, n));
	rc = fault_pin(e.fd, e.s2, IOVA, len, 0);
	err = -rc;
	*fired = nth_disarm(e.nth);

	if (!rc) {
		ASSERT_EQ(0, check_map(e.fd, e.s2, IOVA, e.buf, len));
		ASSERT_EQ(0, check_refs(e.fd, e.buf, len, 1));
		ASSERT_EQ((long)(len >> 10), vm_kb("VmPin:"));
		ASSERT_EQ(0, fault_pin(e.fd, e.s2, IOVA, len,
				       IOMMU_HWPT_FAULT_UNPIN));
	} else {
		ASSERT_TRUE(nth_errno(err)) TH_LOG("pin: %d", err);
		ASSERT_LE(0, consistent(e.fd, e.s2, IOVA, e.buf, 16));
	}
	ASSERT_EQ(0, vm_kb("VmPin:"));
	ASSERT_EQ(0, check_refs(e.fd, e.buf, len, 0));
	ASSERT_EQ(-ENOENT, fault_pin(e.fd, e.s2, IOVA, len,
				     IOMMU_HWPT_FAULT_UNPIN));
	ASSERT_EQ(0, fault_pin(e.fd, e.s2, IOVA, len, 0));
	ASSERT_EQ(0, check_map(e.fd, e.s2, IOVA, e.buf, len));
}

/* (3) A fault resolved in the kernel: range, notifier, hmm, tables. */
static void nth_fault(struct __test_metadata *_metadata, unsigned int n,
		      bool *fired)
{
	struct nth_env e;
	struct leaf l;
	int code;

	nth_env_setup(_metadata, &e, true, false);
	/* Neighbours present, the faulting page not. */
	memset(e.buf, 1, 3 * PSZ);
	memset(e.buf + 4 * PSZ, 1, 4 * PSZ);
	ASSERT_EQ(0, nth_arm(e.nth, n));
	code = iopf_flags(e.fd, e.idev, IOVA + 3 * PSZ, WR,
			  MOCK_IOPF_WAIT_SYNC, NULL);
	*fired = nth_disarm(e.nth);

	if (code == RESP_SUCCESS) {
		ASSERT_EQ(0, check_map(e.fd, e.s2, IOVA + 3 * PSZ,
				       e.buf + 3 * PSZ, PSZ));
	} else if (code < 0) {
		ASSERT_TRUE(nth_errno(-code)) TH_LOG("fault: %d", code);
	} else {
		ASSERT_TRUE(code == RESP_INVALID || code == RESP_FAILURE);
	}
	ASSERT_LE(0, consistent(e.fd, e.s2, IOVA, e.buf, 16));
	/* The device retries. */
	ASSERT_EQ(RESP_SUCCESS, iopf_flags(e.fd, e.idev, IOVA + 3 * PSZ, WR,
					   MOCK_IOPF_WAIT_SYNC, NULL));
	ASSERT_EQ(0, lookup(e.fd, e.s2, IOVA + 3 * PSZ, &l));
	ASSERT_EQ(RW, l.prot);
	ASSERT_EQ(0, check_map(e.fd, e.s2, IOVA + 3 * PSZ, e.buf + 3 * PSZ,
			       PSZ));
	ASSERT_LE(0, consistent(e.fd, e.s2, IOVA, e.buf, 16));
	/* The host still reaches it through the notifier. */
	ASSERT_EQ(0, madvise(e.buf + 3 * PSZ, PSZ, MADV_DONTNEED));
	ASSERT_FALSE(mapped(e.fd, e.s2, IOVA + 3 * PSZ));
	ASSERT_EQ(0, ioas_unmap(e.fd, e.ioas, IOVA, HUGE));
	ASSERT_EQ(0, consistent(e.fd, e.s2, IOVA, e.buf, 16));
}

/* A 2M leaf over a THP. */
static void nth_thp_leaf(struct __test_metadata *_metadata,
			 struct nth_env *e)
{
	struct leaf l;

	memset(e->buf, 4, HUGE);
	ASSERT_EQ(RESP_SUCCESS, iopf(e->fd, e->idev, IOVA, WR, NULL));
	ASSERT_EQ(0, lookup(e->fd, e->s2, IOVA, &l));
	ASSERT_EQ(HUGE, l.size);
}

/* (4) FAULT_PIN of one page of a 2M leaf: the zap splits it. */
static void nth_pin_split(struct __test_metadata *_metadata, unsigned int n,
			  bool *fired)
{
	struct nth_env e;
	int rc, err;

	ASSERT_EQ(0, drop_ipc_lock());
	nth_env_setup(_metadata, &e, true, true);
	nth_thp_leaf(_metadata, &e);
	ASSERT_EQ(0, nth_arm(e.nth, n));
	rc = fault_pin(e.fd, e.s2, IOVA + 5 * PSZ, PSZ, 0);
	err = -rc;
	*fired = nth_disarm(e.nth);

	if (rc) {
		ASSERT_TRUE(nth_errno(err)) TH_LOG("pin: %d", err);
		ASSERT_EQ(0, vm_kb("VmPin:"));
	} else {
		ASSERT_EQ(4, vm_kb("VmPin:"));
		ASSERT_EQ(0, check_map(e.fd, e.s2, IOVA + 5 * PSZ,
				       e.buf + 5 * PSZ, PSZ));
	}
	/* Split or removed whole: whatever is left maps what it did. */
	ASSERT_LE(0, consistent(e.fd, e.s2, IOVA, e.buf, 512));
	ASSERT_EQ(RESP_SUCCESS, iopf(e.fd, e.idev, IOVA + 100 * PSZ, WR,
				     NULL));
	ASSERT_LE(1, consistent(e.fd, e.s2, IOVA, e.buf, 512));
}

/* (4) A host invalidation of one page of a 2M leaf (MADV_DONTNEED). */
static void nth_host_inval(struct __test_metadata *_metadata, unsigned int n,
			   bool *fired)
{
	struct nth_env e;
	int rc, err;

	nth_env_setup(_metadata, &e, true, true);
	nth_thp_leaf(_metadata, &e);
	ASSERT_EQ(0, nth_arm(e.nth, n));
	rc = madvise(e.buf + 9 * PSZ, PSZ, MADV_DONTNEED);
	err = errno;
	*fired = nth_disarm(e.nth);

	ASSERT_TRUE(!rc || nth_errno(err)) TH_LOG("madvise: %d", err);
	/* Never left mapped once the host dropped it. */
	if (!rc)
		ASSERT_FALSE(mapped(e.fd, e.s2, IOVA + 9 * PSZ));
	ASSERT_LE(0, consistent(e.fd, e.s2, IOVA, e.buf, 512));
	ASSERT_EQ(RESP_SUCCESS, iopf(e.fd, e.idev, IOVA + 10 * PSZ, WR,
				     NULL));
	ASSERT_LE(1, consistent(e.fd, e.s2, IOVA, e.buf, 512));
}

/* (4) IOMMU_IOAS_UNMAP of faulted and pinned ranges. */
static void nth_ioas_unmap(struct __test_metadata *_metadata, unsigned int n,
			   bool *fired)
{
	struct nth_env e;
	int rc, err, i;

	ASSERT_EQ(0, drop_ipc_lock());
	nth_env_setup(_metadata, &e, true, false);
	memset(e.buf, 1, 64 * PSZ);
	for (i = 0; i < 64; i += 16)
		ASSERT_EQ(RESP_SUCCESS, iopf(e.fd, e.idev, IOVA + i * PSZ, WR,
					     NULL));
	ASSERT_EQ(0, fault_pin(e.fd, e.s2, IOVA + 64 * PSZ, 4 * PSZ, 0));
	ASSERT_EQ(0, fault_pin(e.fd, e.s2, IOVA + 80 * PSZ, 4 * PSZ, 0));
	ASSERT_EQ(0, nth_arm(e.nth, n));
	rc = ioas_unmap(e.fd, e.ioas, IOVA, HUGE);
	err = errno;
	*fired = nth_disarm(e.nth);

	if (rc) {
		ASSERT_TRUE(nth_errno(err)) TH_LOG("unmap: %d", err);
		ASSERT_LE(0, consistent(e.fd, e.s2, IOVA, e.buf, 96));
		ASSERT_EQ(0, ioas_unmap(e.fd, e.ioas, IOVA, HUGE));
	}
	ASSERT_EQ(0, consistent(e.fd, e.s2, IOVA, e.buf, 96));
	ASSERT_EQ(0, vm_kb("VmPin:"));
	ASSERT_EQ(0, check_refs(e.fd, e.buf, 96 * PSZ, 0));
	/* Mapped again, it faults and pins as before. */
	ASSERT_EQ(0, ioas_map(e.fd, e.ioas, e.buf, HUGE, IOVA, RW));
	ASSERT_EQ(RESP_SUCCESS, iopf(e.fd, e.idev, IOVA, WR, NULL));
	ASSERT_EQ(0, fault_pin(e.fd, e.s2, IOVA + 64 * PSZ, 4 * PSZ, 0));
	ASSERT_EQ(0, check_map(e.fd, e.s2, IOVA + 64 * PSZ, e.buf + 64 * PSZ,
			       4 * PSZ));
}

/* Detach and destroy a HWPT with faulted and pinned ranges. */
static void nth_destroy(struct __test_metadata *_metadata, unsigned int n,
			bool *fired)
{
	struct nth_env e;
	int rc1, rc2 = -1, err1, err2 = 0;

	ASSERT_EQ(0, drop_ipc_lock());
	nth_env_setup(_metadata, &e, true, false);
	memset(e.buf, 1, 64 * PSZ);
	ASSERT_EQ(RESP_SUCCESS, iopf(e.fd, e.idev, IOVA, WR, NULL));
	ASSERT_EQ(0, fault_pin(e.fd, e.s2, IOVA + 64 * PSZ, 4 * PSZ, 0));
	ASSERT_EQ(0, nth_arm(e.nth, n));
	rc1 = replace(e.fd, e.stdev, e.scratch);
	err1 = errno;
	if (!rc1) {
		rc2 = destroy(e.fd, e.s2);
		err2 = errno;
	}
	*fired = nth_disarm(e.nth);

	if (rc1) {
		ASSERT_TRUE(nth_errno(err1)) TH_LOG("detach: %d", err1);
		ASSERT_EQ(RESP_SUCCESS, iopf(e.fd, e.idev, IOVA + PSZ, WR,
					     NULL));
		ASSERT_EQ(0, replace(e.fd, e.stdev, e.scratch));
		ASSERT_EQ(0, destroy(e.fd, e.s2));
	} else if (rc2) {
		ASSERT_TRUE(nth_errno(err2)) TH_LOG("destroy: %d", err2);
		ASSERT_LE(1, consistent(e.fd, e.s2, IOVA, e.buf, 96));
		ASSERT_EQ(0, destroy(e.fd, e.s2));
	}
	ASSERT_EQ(0, vm_kb("VmPin:"));
	ASSERT_EQ(0, check_refs(e.fd, e.buf, 96 * PSZ, 0));
	ASSERT_EQ(RESP_INVALID, iopf(e.fd, e.idev, IOVA, RD, NULL));
	/* The mm's notifiers went with it. */
	ASSERT_EQ(0, munmap(e.buf, PSZ));
	ASSERT_EQ(0, ioas_unmap(e.fd, e.ioas, IOVA, HUGE));
}

TEST_F_TIMEOUT(fail_nth, hwpt_alloc, 300)
{
	fail_nth_sweep(_metadata, "hwpt_alloc", nth_hwpt_alloc);
}

TEST_F_TIMEOUT(fail_nth, pin, 300)
{
	fail_nth_sweep(_metadata, "pin", nth_pin);
}

TEST_F_TIMEOUT(fail_nth, fault, 300)
{
	fail_nth_sweep(_metadata, "fault", nth_fault);
}

TEST_F_TIMEOUT(fail_nth, pin_split, 300)
{
	fail_nth_sweep(_metadata, "pin_split", nth_pin_split);
}

TEST_F_TIMEOUT(fail_nth, host_inval, 300)
{
	fail_nth_sweep(_metadata, "host_inval", nth_host_inval);
}

TEST_F_TIMEOUT(fail_nth, ioas_unmap, 300)
{
	fail_nth_sweep(_metadata, "ioas_unmap", nth_ioas_unmap);
}

TEST_F_TIMEOUT(fail_nth, destroy, 300)
{
	fail_nth_sweep(_metadata, "destroy", nth_destroy);
}

FIXTURE(leak) {
	int unused;
};

FIXTURE_SETUP(leak)
{
}

FIXTURE_TEARDOWN(leak)
{
}

/* After every test above, in processes gone now: nothing of them left. */
TEST_F_TIMEOUT(leak, after_all_tests, 60)
{
	ASSERT_LE(0, slab_at_start) TH_LOG("boot with slub_debug=U");
	slab_leak_check(_metadata, "all tests", slab_at_start);
}

TEST_HARNESS_MAIN
