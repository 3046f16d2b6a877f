/*
 * cb_test.h — the main of every CUnit test program: register the suites, run them, and
 * return the number of failures (the test runner's exit status; CUnit's own return value is
 * not), counting a suite whose set-up failed as a failure.
 */
#ifndef CB_TEST_H
#define CB_TEST_H

#include <CUnit/Basic.h>

static inline int cb_test_main(CU_SuiteInfo *suites)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	int failures = (int)CU_get_number_of_failures();
	failures += (int)CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failures;
}

#endif
