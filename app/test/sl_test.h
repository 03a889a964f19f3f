/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * core/test: the minimal harness of the unit tests. Each test binary lists
 * its cases in a table and calls sl_test_main(); a failed check prints
 * FILE:LINE and the expression and fails its case. The binary prints one
 * summary line and exits non-zero if any case failed.
 *
 * Callers: unit test programs only.
 */
#ifndef SL_TEST_H
#define SL_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sl_test_case {
	const char *name;
	int (*fn)(void);
};

#define SL_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		return -1; \
	} \
} while (0)

#define SL_CHECK_EQ(a, b) do { \
	long long a__ = (long long)(a), b__ = (long long)(b); \
	if (a__ != b__) { \
		fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", \
			__FILE__, __LINE__, #a, #b, a__, b__); \
		return -1; \
	} \
} while (0)

#define SL_CHECK_STR(a, b) do { \
	if (strcmp((a), (b)) != 0) { \
		fprintf(stderr, "%s:%d: check failed: \"%s\" == \"%s\"\n", \
			__FILE__, __LINE__, (a), (b)); \
		return -1; \
	} \
} while (0)

/* A fixed-seed xorshift64 in [0, n): the same "random" inputs every run. */
static inline uint32_t
sl_test_rand(uint64_t *state, uint32_t n)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return n == 0 ? 0 : (uint32_t)(*state % n);
}

/* The source tree (meson sets SL_SOURCE_ROOT for the tests). */
static inline const char *
sl_test_source_root(void)
{
	const char *r = getenv("SL_SOURCE_ROOT");

	return r != NULL ? r : ".";
}

/* Write text to path; 0 or -1. */
static inline int
sl_test_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static inline int
sl_test_run(const char *suite, const struct sl_test_case *cases, unsigned int n)
{
	unsigned int i, failed = 0;

	for (i = 0; i < n; i++) {
		int rc = cases[i].fn();

		printf("%s %s.%s\n", rc == 0 ? "PASS" : "FAIL", suite, cases[i].name);
		failed += rc != 0;
	}
	printf("%s: %u passed, %u failed\n", suite, n - failed, failed);
	return failed == 0 ? 0 : 1;
}

#endif /* SL_TEST_H */
