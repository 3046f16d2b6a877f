/*
 * fuzz_case.c — libFuzzer target for cb_case_price_buffer against rules/fx-2023.xml (loaded
 * once): any bytes give CB_OK and a result ([DOC-1]: a rejected document is a result too) or
 * CB_ELIMIT/CB_ENOMEM; the whole result is walked through the public getters.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const cb_ruleset *fx = fuzz_fixture_rules();
	cb_result *res = NULL;
	int rc = cb_case_price_buffer(&res, fx, (const char *)data, size, "fuzz-case.xml", NULL);
	if (rc != CB_OK) {
		CHECK(res == NULL && (rc == CB_ELIMIT || rc == CB_ENOMEM));
		return 0;
	}
	CHECK(res != NULL);
	cb_result_status st = cb_result_get_status(res);
	CHECK(st == CB_RESULT_BILLED || st == CB_RESULT_HELD || st == CB_RESULT_REJECTED);
	CHECK(st != CB_RESULT_REJECTED || cb_result_patient_count(res) == 0);
	fuzz_walk_result(res);
	cb_result_free(res);
	return 0;
}
