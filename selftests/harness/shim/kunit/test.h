/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace shim: the subset of KUnit the project's suites use, so that
 * the same kunit .c files run in the harness unchanged.  A failed
 * assertion ends the case (longjmp), a failed expectation marks it failed.
 */
#ifndef _SHIM_KUNIT_TEST_H
#define _SHIM_KUNIT_TEST_H

#include <linux/kernel.h>
#include <linux/err.h>
#include <linux/types.h>
#include <setjmp.h>
#include <stdio.h>

#define KUNIT_PARAM_DESC_SIZE	128

struct kunit {
	const char *name;
	const void *param_value;
	bool failed;
	jmp_buf bail;
	void **allocs;		/* kunit_kzalloc()'s, freed after the case */
	int nr_allocs;
};

enum kunit_speed { KUNIT_SPEED_UNSET, KUNIT_SPEED_VERY_SLOW,
		   KUNIT_SPEED_SLOW, KUNIT_SPEED_NORMAL };

struct kunit_attributes {
	enum kunit_speed speed;
};

struct kunit_case {
	void (*run_case)(struct kunit *test);
	const char *name;
	const void *(*generate_params)(const void *prev, char *desc);
	struct kunit_attributes attr;
	bool slow;
};

struct kunit_suite {
	const char *name;
	struct kunit_case *test_cases;
};

#define KUNIT_CASE(f)		{ .run_case = f, .name = #f }
#define KUNIT_CASE_SLOW(f)	{ .run_case = f, .name = #f, .slow = true }
#define KUNIT_CASE_PARAM_ATTR(f, gen, attributes)			\
	{ .run_case = f, .name = #f, .generate_params = gen,		\
	  .attr = attributes, .slow = true }

void shim_register_suite(struct kunit_suite *suite);
#define kunit_test_suite(s)						\
	static void __attribute__((constructor)) shim_reg_##s(void)	\
	{ shim_register_suite(&(s)); }

void *kunit_kzalloc(struct kunit *test, size_t size, gfp_t gfp);

static inline void *kunit_kcalloc(struct kunit *test, size_t n, size_t size,
				  gfp_t gfp)
{
	return n > SIZE_MAX / size ? NULL : kunit_kzalloc(test, n * size, gfp);
}

#define kunit_info(test, fmt, ...)	printf("    # %s: " fmt, (test)->name, ##__VA_ARGS__)

void shim_kunit_fail(struct kunit *test, bool assert, const char *file,
		     int line, const char *what, long long a, long long b);

#define __SHIM_CMP(test, assert, a, op, b, fmt, ...) do {		\
	typeof(a) __a = (a);						\
	typeof(b) __b = (b);						\
	if (!(__a op __b)) {						\
		printf("    # " fmt "\n", ##__VA_ARGS__);		\
		shim_kunit_fail(test, assert, __FILE__, __LINE__,	\
				#a " " #op " " #b, (long long)__a,	\
				(long long)__b);			\
	}								\
} while (0)

#define KUNIT_FAIL(t, fmt, ...) do {					\
	printf("    # " fmt "\n", ##__VA_ARGS__);			\
	shim_kunit_fail(t, false, __FILE__, __LINE__, "KUNIT_FAIL", 0, 0); \
} while (0)
#define KUNIT_EXPECT_EQ_MSG(t, a, b, ...) __SHIM_CMP(t, false, a, ==, b, __VA_ARGS__)
#define KUNIT_ASSERT_EQ_MSG(t, a, b, ...) __SHIM_CMP(t, true, a, ==, b, __VA_ARGS__)
#define KUNIT_EXPECT_EQ(t, a, b)	__SHIM_CMP(t, false, a, ==, b, "")
#define KUNIT_EXPECT_PTR_EQ(t, a, b)	__SHIM_CMP(t, false, (uintptr_t)(a), ==, (uintptr_t)(b), "")
#define KUNIT_ASSERT_EQ(t, a, b)	__SHIM_CMP(t, true, a, ==, b, "")
#define KUNIT_EXPECT_NE(t, a, b)	__SHIM_CMP(t, false, a, !=, b, "")
#define KUNIT_ASSERT_NE(t, a, b)	__SHIM_CMP(t, true, a, !=, b, "")
#define KUNIT_EXPECT_LT(t, a, b)	__SHIM_CMP(t, false, a, <, b, "")
#define KUNIT_ASSERT_LT(t, a, b)	__SHIM_CMP(t, true, a, <, b, "")
#define KUNIT_EXPECT_GT(t, a, b)	__SHIM_CMP(t, false, a, >, b, "")
#define KUNIT_EXPECT_GE(t, a, b)	__SHIM_CMP(t, false, a, >=, b, "")
#define KUNIT_ASSERT_GE(t, a, b)	__SHIM_CMP(t, true, a, >=, b, "")
#define KUNIT_EXPECT_LE(t, a, b)	__SHIM_CMP(t, false, a, <=, b, "")
#define KUNIT_EXPECT_NULL(t, p)		__SHIM_CMP(t, false, !!(p), ==, 0, "")
#define KUNIT_ASSERT_GT(t, a, b)	__SHIM_CMP(t, true, a, >, b, "")
#define KUNIT_EXPECT_TRUE(t, c)		__SHIM_CMP(t, false, !!(c), ==, 1, "")
#define KUNIT_ASSERT_TRUE(t, c)		__SHIM_CMP(t, true, !!(c), ==, 1, "")
#define KUNIT_EXPECT_FALSE(t, c)	__SHIM_CMP(t, false, !!(c), ==, 0, "")
#define KUNIT_ASSERT_FALSE(t, c)	__SHIM_CMP(t, true, !!(c), ==, 0, "")
#define KUNIT_ASSERT_NOT_NULL(t, p)	__SHIM_CMP(t, true, !!(p), ==, 1, "")

/* Module metadata: kept as strings, so a typo still fails to compile. */
#ifndef MODULE_DESCRIPTION
#define MODULE_DESCRIPTION(x)	\
	static const char __maybe_unused shim_module_description[] = x
#endif
#ifndef MODULE_LICENSE
#define MODULE_LICENSE(x)	\
	static const char __maybe_unused shim_module_license[] = x
#endif

#endif
