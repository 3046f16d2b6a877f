/*
 * fuzz_price_write.c — libFuzzer target for the whole path: price against rules/fx-2023.xml
 * with the derivation traced, write the claim document (SPEC §8), and parse the output with
 * libxml2: it must be well-formed and valid against rules/schema/claim.xsd, which is strict
 * on number formats (no sign, [NUM-4] digits), so a negative or mis-rounded amount traps too.
 * Writing twice must give the same bytes (canonical output).
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const cb_ruleset *fx = fuzz_fixture_rules();
	cb_price_options opts = CB_PRICE_OPTIONS_INIT;
	opts.trace = 1;
	cb_result *res = NULL;
	int rc = cb_case_price_buffer(&res, fx, (const char *)data, size, "fuzz-case.xml", &opts);
	if (rc != CB_OK) {
		CHECK(res == NULL && (rc == CB_ELIMIT || rc == CB_ENOMEM));
		return 0;
	}
	fuzz_walk_result(res);
	char *out = NULL, *again = NULL;
	size_t len = 0, len2 = 0;
	CHECK(cb_result_write_buffer(res, &out, &len) == CB_OK && out != NULL);
	CHECK(strlen(out) == len);
	fuzz_check_claim(out, len);
	CHECK(cb_result_write_buffer(res, &again, &len2) == CB_OK);
	CHECK(len2 == len && memcmp(out, again, len) == 0);
	cb_buffer_free(again);
	cb_buffer_free(out);
	cb_result_free(res);
	return 0;
}
