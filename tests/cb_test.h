/*
 * cb_test.h — the main of every CUnit test program: register the suites, run them, and
 * return the number of failures (the test runner's exit status; CUnit's own return value is
 * not), counting a suite whose set-up failed as a failure.
 */
#ifndef CB_TEST_H
#define CB_TEST_H

#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "carebill.h"
#include "error.h"

/* Run the registered suites and clean the registry up; the number of failures. For a program
 * that registers its tests itself (test_badinput, one test per catalogue entry). */
static inline int cb_test_run(void)
{
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	int failures = (int)CU_get_number_of_failures();
	failures += (int)CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failures;
}

static inline int cb_test_main(CU_SuiteInfo *suites)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		CU_cleanup_registry();
		return 1;
	}
	return cb_test_run();
}

/* The whole file at `path`, NUL-terminated, in a new heap buffer (free()); its length in *len
 * (len may be NULL). NULL when it cannot be read. Built on the engine's cb__read_file. */
static inline char *cb_test_slurp(const char *path, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	if (cb__read_file(path, &buf, &n, (size_t)1 << 30) != CB_OK)
		return NULL;
	char *z = realloc(buf, n + 1);
	if (!z) {
		free(buf);
		return NULL;
	}
	z[n] = '\0';
	if (len)
		*len = n;
	return z;
}

/* 1-based line of the first occurrence of `needle` in `doc` (0 when absent). */
static inline unsigned long cb_test_line_of(const char *doc, const char *needle)
{
	const char *at = strstr(doc, needle);
	if (!at)
		return 0;
	unsigned long line = 1;
	for (const char *p = doc; p < at; p++)
		line += *p == '\n';
	return line;
}

#endif
