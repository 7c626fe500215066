// SPDX-License-Identifier: GPL-2.0-only
/*
 * tdp_mmu_fail_nth_test: allocation failure at every allocation of the
 * TDP MMU's operations, the way iommufd's fail_nth selftest fails every
 * allocation of an ioctl.
 *
 * A guest writes a sequence number to the 4K pages of a memslot backed by
 * 2M hugetlb pages.  The life of the VM is cut into steps: the first
 * KVM_RUN (root allocation, faults, tables from the vCPU's caches),
 * enabling dirty logging (eager huge-page split, which refills its cache
 * without sleeping and then with GFP_KERNEL), KVM_RUN with dirty logging
 * (write-protection faults), KVM_GET_DIRTY_LOG, disabling dirty logging
 * (huge pages recovered) and KVM_RUN again.  For each step and n = 1, 2,
 * ..., a fresh VM runs the steps before it, then the step with the n-th
 * allocation of the task failing (/proc/self/task/TID/fail-nth), until the
 * step gets through without reaching it.  Each run must:
 *
 *  - see the step fail only with ENOMEM, and get through when retried;
 *  - find every page the guest wrote holding the current sequence number
 *    (no translation lost or pointing elsewhere);
 *  - find every page the guest wrote with dirty logging on reported dirty
 *    (no dirty bit lost when a split failed half way);
 *  - give every page-table page back when the VM is destroyed
 *    (SecPageTables in /proc/meminfo back to where it was).
 *
 * Two modes: eager split on, over 4 huge pages written in full; and eager
 * split off, over 40 huge pages of which the guest writes every 64th 4K
 * page: the dirty-logging faults then split more huge pages than the
 * vCPU's caches hold, so they refill them, and fail there too.
 *
 * It runs the same on KVM's own TDP MMU and on the one built on
 * lib/tdpmmu (CONFIG_KVM_TDPMMU).  Needs fault injection
 * (CONFIG_FAULT_INJECTION_DEBUG_FS, FAILSLAB, FAIL_PAGE_ALLOC), debugfs
 * and 2M hugetlb pages; skips without them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bitmap.h>

#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"
#include "ucall_common.h"

#define TEST_SLOT	1
#define TEST_GPA	BIT_ULL(32)
#define TEST_GVA	TEST_GPA
#define MAX_NTH		2000

/* Read by the guest: what to write, into how many pages, how far apart. */
static u64 guest_seq;
static u64 guest_pages;
static u64 guest_stride;

static void guest_code(void)
{
	u64 i;

	for (;;) {
		for (i = 0; i < READ_ONCE(guest_pages); i += READ_ONCE(guest_stride))
			WRITE_ONCE(*(u64 *)(TEST_GVA + i * PAGE_SIZE),
				   READ_ONCE(guest_seq));
		GUEST_SYNC(READ_ONCE(guest_seq));
	}
}

/* Write @val to a file; false if it cannot be opened. */
static bool write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return false;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val);
}

/* Open before arming: opening a file allocates. */
static int fail_nth_fd = -1;

/* The @n-th allocation of this task from now on fails; 0 disarms. */
static void fail_nth_arm(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	TEST_ASSERT(pwrite(fail_nth_fd, buf, len, 0) == len, "arm fail-nth");
}

/* Did the armed failure happen (the count reached 0)?  Disarms. */
static bool fail_nth_hit(void)
{
	char buf[16] = "";

	TEST_ASSERT(pread(fail_nth_fd, buf, sizeof(buf) - 1, 0) > 0,
		    "read fail-nth");
	fail_nth_arm(0);
	return atoi(buf) == 0;
}

/*
 * Fail any allocation, not only those that cannot sleep or are bigger than
 * a page, and quietly: a stack dump per failure floods a serial console.
 */
static bool fail_nth_setup(void)
{
	static const char *const knobs[][2] = {
		{ "failslab/ignore-gfp-wait", "N" },
		{ "failslab/verbose", "0" },
		{ "fail_page_alloc/ignore-gfp-wait", "N" },
		{ "fail_page_alloc/ignore-gfp-highmem", "N" },
		{ "fail_page_alloc/min-order", "0" },
		{ "fail_page_alloc/verbose", "0" },
	};
	char path[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		snprintf(path, sizeof(path), "/sys/kernel/debug/%s", knobs[i][0]);
		if (!write_file(path, knobs[i][1]))
			return false;
	}
	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth",
		 syscall(SYS_gettid));
	fail_nth_fd = open(path, O_RDWR);
	return fail_nth_fd >= 0;
}

/* A /proc/meminfo value, -1 if there is none. */
static long read_meminfo(const char *key)
{
	size_t len = strlen(key);
	char line[128];
	long val = -1;
	FILE *f;

	f = fopen("/proc/meminfo", "r");
	TEST_ASSERT(f, "open /proc/meminfo");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':') {
			val = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return val;
}

/* Secondary (KVM and IOMMU) page tables in kB, per-CPU deltas folded. */
static long sec_page_tables_kb(void)
{
	long kb;

	write_file("/proc/sys/vm/stat_refresh", "1");
	kb = read_meminfo("SecPageTables");
	TEST_ASSERT(kb >= 0, "no SecPageTables in /proc/meminfo");
	return kb;
}

static const struct fn_mode {
	const char *name;
	u64 size;		/* of the memslot */
	u64 stride;	/* the guest writes every stride-th 4K page */
	bool eager_split;
	size_t first_step;	/* the steps before do not depend on the mode */
	const char *refill_step; /* its faults must refill the vCPU caches */
} modes[] = {
	{ "eager-split",	8ULL << 20,	1,	true,	0,	NULL },
	{ "no-eager-split",	80ULL << 20,	64,	false,	1,
	  "dirty-log-run" },
};

struct fn_vm {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	const struct fn_mode *mode;
	u64 pages;		/* of the memslot */
	u64 seq;
	unsigned long *bitmap;
};

static void fn_vm_create(struct fn_vm *v, const struct fn_mode *mode)
{
	v->mode = mode;
	v->pages = mode->size / PAGE_SIZE;
	v->vm = vm_create_with_one_vcpu(&v->vcpu, guest_code);
	vm_userspace_mem_region_add(v->vm, VM_MEM_SRC_ANONYMOUS_HUGETLB,
				    TEST_GPA, TEST_SLOT, v->pages, 0);
	virt_map(v->vm, TEST_GVA, TEST_GPA, v->pages);
	v->bitmap = bitmap_zalloc(v->pages);
	v->seq = 0;
	guest_pages = v->pages;
	sync_global_to_guest(v->vm, guest_pages);
	guest_stride = mode->stride;
	sync_global_to_guest(v->vm, guest_stride);
}

static void fn_vm_destroy(struct fn_vm *v)
{
	free(v->bitmap);
	kvm_vm_free(v->vm);
}

/*
 * The operation of a step: one ioctl, 0 or -errno.  It runs with the
 * failure armed, so it makes no other ioctl (the guest's registers are
 * read after, by the step's check).
 */
typedef int (*fn_op_t)(struct fn_vm *v);

static int op_run(struct fn_vm *v)
{
	int r;

	do {
		r = __vcpu_run(v->vcpu);
	} while (r == -1 && errno == EINTR);
	return r ? -errno : 0;
}

/* The guest made one pass over the memslot with v->seq. */
static void check_pass(struct fn_vm *v)
{
	struct ucall uc;
	u64 i, val;

	assert_on_unhandled_exception(v->vcpu);
	switch (get_ucall(v->vcpu, &uc)) {
	case UCALL_SYNC:
		TEST_ASSERT_EQ(uc.args[1], v->seq);
		break;
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
		break;
	default:
		TEST_FAIL("unexpected exit %s",
			  exit_reason_str(v->vcpu->run->exit_reason));
	}
	for (i = 0; i < v->pages; i += v->mode->stride) {
		val = *(u64 *)addr_gpa2hva(v->vm, TEST_GPA + i * PAGE_SIZE);
		TEST_ASSERT(val == v->seq, "page %lu: %lu, expected %lu",
			    i, val, v->seq);
	}
}

static int op_set_flags(struct fn_vm *v, uint32_t flags)
{
	struct userspace_mem_region *region = memslot2region(v->vm, TEST_SLOT);

	region->region.flags = flags;
	if (__vm_ioctl(v->vm, KVM_SET_USER_MEMORY_REGION2, &region->region))
		return -errno;
	return 0;
}

static int op_log_on(struct fn_vm *v)
{
	return op_set_flags(v, KVM_MEM_LOG_DIRTY_PAGES);
}

static int op_log_off(struct fn_vm *v)
{
	return op_set_flags(v, 0);
}

static int op_get_log(struct fn_vm *v)
{
	struct kvm_dirty_log log = {
		.slot = TEST_SLOT, .dirty_bitmap = v->bitmap,
	};

	if (__vm_ioctl(v->vm, KVM_GET_DIRTY_LOG, &log))
		return -errno;
	return 0;
}

/* Every page the guest wrote with dirty logging on is reported dirty. */
static void check_dirty(struct fn_vm *v)
{
	u64 i;

	for (i = 0; i < v->pages; i += v->mode->stride)
		TEST_ASSERT(test_bit(i, v->bitmap),
			    "page %lu written but not reported dirty", i);
}

/* The steps of a VM's life, in order; a run fails the n-th of one. */
static const struct step {
	const char *name;
	fn_op_t op;
	bool next_seq;		/* a guest pass: bump the sequence first */
	void (*check)(struct fn_vm *v);
	bool allocates;		/* in every mode: else the sweep proves nothing */
} steps[] = {
	{ "first-run",		op_run,		true,	check_pass,	true },
	{ "dirty-log-enable",	op_log_on,	false,	NULL,		true },
	{ "dirty-log-run",	op_run,		true,	check_pass },
	{ "get-dirty-log",	op_get_log,	false,	check_dirty },
	{ "dirty-log-run-2",	op_run,		true,	check_pass },
	{ "get-dirty-log-2",	op_get_log,	false,	check_dirty },
	{ "dirty-log-disable",	op_log_off,	false,	NULL },
	{ "run-after-log",	op_run,		true,	check_pass },
};

/* Run @op, armed to fail at the @n-th allocation if @armed. */
static void step_run(struct fn_vm *v, fn_op_t op, bool armed, unsigned int n,
		     bool *hit)
{
	int r;

	if (armed)
		fail_nth_arm(n);
	r = op(v);
	if (armed)
		*hit = fail_nth_hit();
	if (!r)
		return;
	TEST_ASSERT(armed && *hit && r == -ENOMEM,
		    "operation failed with %d (%s), n = %u", r, strerror(-r), n);
	r = op(v);
	TEST_ASSERT(!r, "retry failed with %d (%s), n = %u", r, strerror(-r), n);
}

/* One VM: every step, the one at @armed_step with the @n-th allocation failing. */
static bool run_vm(const struct fn_mode *mode, size_t armed_step,
		   unsigned int n)
{
	long before = sec_page_tables_kb(), after;
	bool hit = false;
	struct fn_vm v;
	size_t s;
	int i;

	fn_vm_create(&v, mode);
	for (s = 0; s < ARRAY_SIZE(steps); s++) {
		if (steps[s].next_seq) {
			v.seq++;
			guest_seq = v.seq;
			sync_global_to_guest(v.vm, guest_seq);
		}
		step_run(&v, steps[s].op, s == armed_step, n, &hit);
		if (steps[s].check)
			steps[s].check(&v);
	}
	fn_vm_destroy(&v);

	/* Tables are freed after an RCU grace period: give it a moment. */
	for (i = 0; i < 100; i++) {
		after = sec_page_tables_kb();
		if (after == before)
			break;
		usleep(20000);
	}
	TEST_ASSERT(after == before,
		    "%s, step %s, n = %u: SecPageTables %ld kB before, %ld kB after",
		    mode->name, steps[armed_step].name, n, before, after);
	return hit;
}

#define EAGER_SPLIT "/sys/module/kvm/parameters/eager_page_split"

/* Sweep the steps of @mode; the number of failures injected. */
static unsigned int sweep(const struct fn_mode *mode)
{
	unsigned int n, total = 0;
	time_t start;
	size_t s;

	if (!write_file(EAGER_SPLIT, mode->eager_split ? "Y" : "N")) {
		pr_info("%s: cannot set %s, skipped\n", mode->name, EAGER_SPLIT);
		return 0;
	}
	for (s = mode->first_step; s < ARRAY_SIZE(steps); s++) {
		start = time(NULL);
		for (n = 1; n <= MAX_NTH; n++)
			if (!run_vm(mode, s, n))
				break;
		TEST_ASSERT(n <= MAX_NTH, "%s, step %s: still failing at n = %u",
			    mode->name, steps[s].name, n);
		/* No failure injected where there must be: fail-nth is broken. */
		TEST_ASSERT(n > 1 || !(steps[s].allocates ||
				       (mode->refill_step &&
					!strcmp(mode->refill_step, steps[s].name))),
			    "%s, step %s: no allocation reached", mode->name,
			    steps[s].name);
		pr_info("%-14s %-18s %4u allocations failed in turn (%ld s)\n",
			mode->name, steps[s].name, n - 1,
			(long)(time(NULL) - start));
		total += n - 1;
	}
	return total;
}

int main(int argc, char *argv[])
{
	unsigned int total = 0;
	size_t m;

	TEST_REQUIRE(fail_nth_setup());
	for (m = 0; m < ARRAY_SIZE(modes); m++)
		TEST_REQUIRE(read_meminfo("HugePages_Free") >=
			     (long)(modes[m].size >> 21));

	for (m = 0; m < ARRAY_SIZE(modes); m++)
		total += sweep(&modes[m]);
	write_file(EAGER_SPLIT, "Y");
	pr_info("%u injections, every one ENOMEM then recovered, nothing leaked\n",
		total);
	return 0;
}
