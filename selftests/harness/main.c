// SPDX-License-Identifier: GPL-2.0-only
/*
 * Userspace harness: runs the project's KUnit suites, compiled unchanged
 * against the shim, and prints one TAP line per case.
 *
 *   harness [-l] [filter...]   filter: "suite.case" globs, any may match
 */
#define _GNU_SOURCE	/* pthread_setname_np() */
#include <fnmatch.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kunit/test.h>
#include <linux/kthread.h>
#include <linux/maple_tree.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>

long shim_pages_allocated;
int shim_rcu_sync;
__thread int shim_cpu;
int shim_nr_threads;

static struct kunit_suite *suites[32];
static int nr_suites;

void shim_register_suite(struct kunit_suite *suite)
{
	suites[nr_suites++] = suite;
}

void *kunit_kzalloc(struct kunit *test, size_t size, gfp_t gfp)
{
	void *p = calloc(1, size);
	void **allocs;

	if (!p)
		return NULL;
	/* Grown a power of two at a time: freed when the case ends. */
	if (!(test->nr_allocs & (test->nr_allocs - 1))) {
		allocs = realloc(test->allocs, sizeof(*allocs) *
				 (test->nr_allocs ? 2 * test->nr_allocs : 1));
		if (!allocs) {
			free(p);
			return NULL;
		}
		test->allocs = allocs;
	}
	test->allocs[test->nr_allocs++] = p;
	return p;
}

void shim_kunit_fail(struct kunit *test, bool assert, const char *file,
		     int line, const char *what, long long a, long long b)
{
	printf("    # %s: %s at %s:%d\n    # %s: %lld vs %lld (0x%llx vs 0x%llx)\n",
	       test->name, assert ? "ASSERTION FAILED" : "EXPECTATION FAILED",
	       file, line, what, a, b, a, b);
	test->failed = true;
	if (assert)
		longjmp(test->bail, 1);
}

struct shim_thread {
	int (*fn)(void *data);
	void *data;
};

static void *shim_thread_fn(void *arg)
{
	struct shim_thread st = *(struct shim_thread *)arg;

	free(arg);
	rcu_register_thread();
	st.fn(st.data);
	rcu_unregister_thread();
	return NULL;
}

struct task_struct *kthread_run(int (*fn)(void *), void *data,
				const char *namefmt, ...)
{
	struct shim_thread *st = malloc(sizeof(*st));
	char name[16];		/* the kernel's TASK_COMM_LEN */
	pthread_t tid;
	va_list ap;

	if (!st)
		return ERR_PTR(-ENOMEM);
	st->fn = fn;
	st->data = data;
	if (pthread_create(&tid, NULL, shim_thread_fn, st)) {
		free(st);
		return ERR_PTR(-EAGAIN);
	}
	va_start(ap, namefmt);
	vsnprintf(name, sizeof(name), namefmt, ap);
	va_end(ap);
	pthread_setname_np(tid, name);
	pthread_detach(tid);
	return (struct task_struct *)st;
}

/* Run one case (or one parameter of it); free what it allocated. */
static void run_one(struct kunit_case *c, struct kunit *test)
{
	int j;

	if (!setjmp(test->bail))
		c->run_case(test);
	for (j = 0; j < test->nr_allocs; j++)
		free(test->allocs[j]);
	free(test->allocs);
}

int main(int argc, char **argv)
{
	const char *filters[16] = { "*" };
	int i, k, n = 0, failed = 0, nr_filters = 0;
	long left;
	bool list = false;
	char name[256];

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-l"))
			list = true;
		else if (nr_filters < 16)
			filters[nr_filters++] = argv[i];
	}
	if (!nr_filters)
		nr_filters = 1;
	rcu_register_thread();
	maple_tree_init();
	for (i = 0; i < nr_suites; i++) {
		struct kunit_case *c;

		for (c = suites[i]->test_cases; c->run_case; c++) {
			struct kunit test = { .name = c->name };

			snprintf(name, sizeof(name), "%s.%s", suites[i]->name,
				 c->name);
			for (k = 0; k < nr_filters; k++)
				if (!fnmatch(filters[k], name, 0))
					break;
			if (k == nr_filters)
				continue;
			if (list) {
				printf("%s\n", name);
				continue;
			}
			if (!c->generate_params) {
				run_one(c, &test);
			} else {
				/* Every parameter; the case fails if one does. */
				const void *param = NULL;
				char desc[KUNIT_PARAM_DESC_SIZE];
				bool any = false;

				while ((param = c->generate_params(param,
								   desc))) {
					struct kunit t = { .name = c->name,
							   .param_value = param };

					run_one(c, &t);
					printf("    # %s: %sok %s\n", c->name,
					       t.failed ? "not " : "", desc);
					any |= t.failed;
				}
				test.failed = any;
			}
			n++;
			failed += test.failed;
			printf("%sok %d %s\n", test.failed ? "not " : "", n, name);
			fflush(stdout);
		}
	}
	if (!list) {
		/* Every table page the suites allocated was freed. */
		rcu_barrier();
		n++;
		left = __atomic_load_n(&shim_pages_allocated, __ATOMIC_ACQUIRE);
		if (left)
			failed++;
		printf("%sok %d harness.page-leak-check # %ld pages left\n",
		       left ? "not " : "", n, left);
		printf("# %d passed, %d failed\n", n - failed, failed);
	}
	rcu_unregister_thread();
	return failed ? 1 : 0;
}
