// SPDX-License-Identifier: GPL-2.0-only
/*
 * I/O page fault resolution, raise to response, on the IOMMUFD_TEST mock
 * IOMMU in one boot:
 *
 *   iopf-4K, iopf-2M   resolved in the kernel by a fault-driven HWPT
 *                      (lib/tdpmmu), one fault per 4K page / 2M THP of
 *                      resident memory (answered in the fault handler)
 *   iopf-4K-cold       the same on memory never touched: the page is
 *                      allocated by the fault, on the HWPT's workqueue
 *   peer "forwarded"   the same faults on a HWPT with a fault queue: a
 *                      userspace thread reads each fault, maps the page
 *                      with IOMMU_IOAS_MAP and writes the response
 *
 * floor_ns is raise to response of a fault the in-kernel path refuses at
 * once (no IOAS mapping there): the fault reporting and test-op overhead
 * both paths pay.  Prints one bench row per op (DESIGN §7 fields)
 * prefixed with "iopf-bench: ".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iopf_utils.h"

#define IOVA	(512 * HUGE)
#define N4K	2048
#define N2M	48

static int fd;

static const char *phase = "setup";

static void die(const char *what)
{
	printf("iopf-bench: error in %s: %s (errno %d)\n", phase, what, errno);
	exit(1);
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static double median(__u64 *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

/* Fault every @step bytes of [IOVA, +n * step) on @idev; median ns. */
static double fault_all(__u32 idev, int n, size_t step)
{
	__u64 *ns = calloc(n, sizeof(*ns));
	double med;
	int i;

	if (!ns)
		die("calloc");
	for (i = 0; i < n; i++) {
		int code = iopf(fd, idev, IOVA + i * step,
				IOMMU_PGFAULT_PERM_READ |
				IOMMU_PGFAULT_PERM_WRITE, &ns[i]);

		if (code != IOMMUFD_PAGE_RESP_SUCCESS) {
			printf("iopf-bench: fault %d answered %d\n", i, code);
			die("fault not resolved");
		}
	}
	med = median(ns, n);
	free(ns);
	return med;
}

static bool cold;

/* Resident memory, or (cold) memory never touched: faults allocate it. */
static char *buffer(size_t len, bool thp)
{
	char *p = map_anon(len, HUGE);

	if (!p || madvise(p, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		die("mmap");
	if (!cold)
		memset(p, 1, len);
	return p;
}

static double floor_ns;

/* Median raise->response of faults refused at once (nothing mapped). */
static double refused(__u32 idev, int n)
{
	__u64 *ns = calloc(n, sizeof(*ns));
	double med;
	int i;

	if (!ns)
		die("calloc");
	for (i = 0; i < n; i++)
		if (iopf(fd, idev, 2 * IOVA, IOMMU_PGFAULT_PERM_READ, &ns[i]) !=
		    IOMMUFD_PAGE_RESP_INVALID)
			die("a fault outside the IOAS was not answered INVALID");
	med = median(ns, n);
	free(ns);
	return med;
}

static double in_kernel(size_t step, int n)
{
	__u32 ioas, scratch, stdev, idev, s2;
	char *buf = buffer(n * step, step == HUGE);
	double med;

	if (ioas_alloc(fd, &ioas) || ioas_alloc(fd, &scratch) ||
	    mock_dev(fd, scratch, MOCK_FLAGS_DEVICE_IOPF_ALL_DMA, &stdev,
		     &idev) ||
	    hwpt_alloc(fd, idev, ioas, IOMMU_HWPT_ALLOC_FAULT_DRIVEN, &s2) ||
	    replace(fd, stdev, s2) ||
	    ioas_map(fd, ioas, buf, n * step, IOVA,
		     IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE))
		die("in-kernel setup");
	med = fault_all(idev, n, step);
	if (!floor_ns)
		floor_ns = refused(idev, N4K);
	if (step == HUGE) {
		struct leaf l;

		if (lookup(fd, s2, IOVA, &l) || l.size != HUGE)
			die("no 2M leaf");
	}
	destroy(fd, stdev);
	destroy(fd, s2);
	munmap(buf, n * step);
	return med;
}

struct responder {
	int fault_fd;
	__u32 ioas;
	char *buf;
	size_t step;
};

/* The VMM's side of the forwarded path: map what faulted, then answer. */
static void *respond(void *arg)
{
	struct responder *r = arg;
	struct iommu_hwpt_pgfault f;
	struct iommu_hwpt_page_response resp;
	struct pollfd p = { .fd = r->fault_fd, .events = POLLIN };

	/* read() of the fault FD does not block: poll() for the next. */
	while (poll(&p, 1, -1) == 1 &&
	       read(r->fault_fd, &f, sizeof(f)) == sizeof(f)) {
		__u64 iova = f.addr & ~(r->step - 1);

		resp.cookie = f.cookie;
		resp.code = IOMMUFD_PAGE_RESP_SUCCESS;
		if (ioas_map(fd, r->ioas, r->buf + (iova - IOVA), r->step,
			     iova, IOMMU_IOAS_MAP_READABLE |
			     IOMMU_IOAS_MAP_WRITEABLE))
			resp.code = IOMMUFD_PAGE_RESP_INVALID;
		if (write(r->fault_fd, &resp, sizeof(resp)) != sizeof(resp))
			break;
	}
	return NULL;
}

static double forwarded(size_t step, int n)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };
	struct iommu_hwpt_alloc na = { .size = sizeof(na) };
	struct responder r = { .step = step };
	__u32 scratch, stdev, idev, parent;
	pthread_t th;
	double med;

	r.buf = buffer(n * step, step == HUGE);
	if (ioas_alloc(fd, &r.ioas) || ioas_alloc(fd, &scratch) ||
	    mock_dev(fd, scratch, 0, &stdev, &idev) ||
	    hwpt_alloc(fd, idev, r.ioas, IOMMU_HWPT_ALLOC_NEST_PARENT,
		       &parent) ||
	    ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, &fa))
		die(__func__);
	na.flags = IOMMU_HWPT_FAULT_ID_VALID;
	na.dev_id = idev;
	na.pt_id = parent;
	na.data_type = IOMMU_HWPT_DATA_SELFTEST;
	na.data_len = sizeof(data);
	na.data_uptr = (uintptr_t)&data;
	na.fault_id = fa.out_fault_id;
	if (ioctl(fd, IOMMU_HWPT_ALLOC, &na) ||
	    replace(fd, stdev, na.out_hwpt_id))
		die("nested HWPT");
	r.fault_fd = fa.out_fault_fd;
	if (pthread_create(&th, NULL, respond, &r))
		die("pthread_create");
	med = fault_all(idev, n, step);
	close(r.fault_fd);
	pthread_cancel(th);
	pthread_join(th, NULL);
	munmap(r.buf, n * step);
	return med;
}

static void row(const char *op, const char *size, double ns, double peer)
{
	printf("iopf-bench: {\"op\": \"%s\", \"format\": \"vtdss\", ", op);
	printf("\"size\": \"%s\", \"ns\": %.0f, \"peer\": \"forwarded\", ",
	       size, ns);
	printf("\"peer_ns\": %.0f, \"floor_ns\": %.0f, ", peer, floor_ns);
	printf("\"host\": \"qemu-x86_64\"}\n");
}

int main(void)
{
	int w = open("/sys/module/iommufd/parameters/iopf_window", O_WRONLY);
	double k4, k2m, f4, f2m, c4, cf4;

	/* One page per fault, as the forwarded path maps. */
	if (w < 0 || write(w, "1", 1) != 1)
		die("iopf_window");
	close(w);
	fd = open("/dev/iommu", O_RDWR);
	if (fd < 0)
		die("/dev/iommu");
	phase = "iopf-4K";
	k4 = in_kernel(PSZ, N4K);
	phase = "forwarded 4K";
	f4 = forwarded(PSZ, N4K);
	phase = "iopf-2M";
	k2m = in_kernel(HUGE, N2M);
	phase = "forwarded 2M";
	f2m = forwarded(HUGE, N2M);
	row("iopf-4K", "1x4K", k4, f4);
	row("iopf-2M", "1x2M", k2m, f2m);
	cold = true;
	phase = "iopf-4K-cold";
	c4 = in_kernel(PSZ, N4K / 4);
	phase = "forwarded 4K cold";
	cf4 = forwarded(PSZ, N4K / 4);
	row("iopf-4K-cold", "1x4K", c4, cf4);
	printf("iopf-bench: done in-kernel %.1fx (4K) %.1fx (2M) %.1fx (4K cold) faster\n",
	       f4 / k4, f2m / k2m, cf4 / c4);
	return 0;
}
