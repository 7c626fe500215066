// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault-driven stage-2 HWPTs (IOMMU_HWPT_ALLOC_FAULT_DRIVEN) on the
 * IOMMUFD_TEST mock IOMMU: page requests resolved in the kernel, host
 * invalidations, nothing pinned.  Runs as root in a guest booted by
 * scripts/iommufd-iopf.sh.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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

	/* TRIGGER_IOPF_WAIT: unknown device, reserved field, bad perm. */
	EXPECT_EQ(-ENOENT, iopf(self->fd, 0xdead, IOVA, RD, NULL));
	cmd.trigger_iopf_wait.dev_id = self->idev;
	cmd.trigger_iopf_wait.__reserved = 1;
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

TEST_HARNESS_MAIN
