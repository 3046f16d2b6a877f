/*
 * test_limits.c — resource limits (issue 7): a case over the document size, patient or
 * line limits is refused with CB_ELIMIT and a message naming the file, line and limit;
 * at the limit it is priced normally.
 */
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "cb_test.h"

#include "carebill.h"

static cb_ruleset *rs;
static char demo[4096];

static int setup(void)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/rules/cq-demo-2023.xml", CAREBILL_SOURCE_DIR);
	snprintf(demo, sizeof demo, "%s/fixtures/demo/case.xml", CAREBILL_SOURCE_DIR);
	return cb_ruleset_load_file(&rs, path) == CB_OK ? 0 : 1;
}

static int teardown(void)
{
	cb_ruleset_free(rs);
	return 0;
}

static void test_limits_lines_per_patient(void)
{
	cb_price_options o = CB_PRICE_OPTIONS_INIT;
	o.max_lines_per_patient = 5;
	cb_result *res = NULL;
	CU_ASSERT(cb_case_price_file(&res, rs, demo, &o) == CB_ELIMIT);
	CU_ASSERT(res == NULL);
	CU_ASSERT(strstr(cb_error_last(), "case.xml:") != NULL);
	CU_ASSERT(strstr(cb_error_last(), "more than 5") != NULL);
	o.max_lines_per_patient = 100000;
	CU_ASSERT(cb_case_price_file(&res, rs, demo, &o) == CB_OK);
	cb_result_free(res);
}

static void test_limits_patients_per_case(void)
{
	cb_price_options o = CB_PRICE_OPTIONS_INIT;
	o.max_patients = 2;
	cb_result *res = NULL;
	CU_ASSERT(cb_case_price_file(&res, rs, demo, &o) == CB_ELIMIT);
	CU_ASSERT(strstr(cb_error_last(), "patients in one case: more than 2") != NULL);
	o.max_patients = 4; /* the demo has four */
	CU_ASSERT(cb_case_price_file(&res, rs, demo, &o) == CB_OK);
	CU_ASSERT(cb_result_patient_count(res) == 4);
	cb_result_free(res);
}

static void test_limits_document_size(void)
{
	cb_price_options o = CB_PRICE_OPTIONS_INIT;
	o.max_document_bytes = 100;
	cb_result *res = NULL;
	CU_ASSERT(cb_case_price_file(&res, rs, demo, &o) == CB_ELIMIT);
	CU_ASSERT(strstr(cb_error_last(), "limit") != NULL);
	CU_ASSERT(cb_case_price_buffer(&res, rs, "<case/>                                      "
				       "                                                           ",
				       101, "big", &o) == CB_ELIMIT);
}

static CU_TestInfo limits_tests[] = {
	{"test_limits_lines_per_patient", test_limits_lines_per_patient},
	{"test_limits_patients_per_case", test_limits_patients_per_case},
	{"test_limits_document_size", test_limits_document_size},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"limits", setup, teardown, NULL, NULL, limits_tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cb_test_main(suites);
}
