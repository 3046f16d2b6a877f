/*
 * fuzz_ruleset.c — libFuzzer target for cb_ruleset_load_buffer ([DOC-2]): any bytes give
 * either a rule set or CB_ERULESET with a message (never another code, never a crash); a
 * loaded rule set has an id and prices a small case without failing.
 */
#include "fuzz_common.h"

static const char small_case[] =
	"<case ruleset=\"%s\"><period from=\"2026-03-01\" to=\"2026-04-01\"/>"
	"<patient id=\"P1\" scheme=\"employee\" retired=\"false\"/></case>";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int quiet;
	if (!quiet++)
		fuzz_silence_libxml();
	char *copy = malloc(size + 1); /* a buffer of its own: non-NULL also when size is 0 */
	CHECK(copy != NULL);
	memcpy(copy, data, size);
	cb_ruleset *rs = NULL;
	int rc = cb_ruleset_load_buffer(&rs, copy, size, "fuzz-ruleset.xml");
	free(copy);
	if (rc != CB_OK) {
		CHECK(rc == CB_ERULESET || rc == CB_ENOMEM);
		CHECK(rs == NULL);
		CHECK(cb_error_last()[0] != '\0');
		return 0;
	}
	CHECK(rs != NULL && cb_ruleset_id(rs) && cb_ruleset_effective_from(rs));
	size_t idlen = strlen(cb_ruleset_id(rs));
	char *doc = malloc(sizeof small_case + idlen);
	CHECK(doc != NULL);
	int n = snprintf(doc, sizeof small_case + idlen, small_case, cb_ruleset_id(rs));
	cb_result *res = NULL;
	CHECK(cb_case_price_buffer(&res, rs, doc, (size_t)n, "small.xml", NULL) == CB_OK);
	fuzz_walk_result(res);
	cb_result_free(res);
	free(doc);
	cb_ruleset_free(rs);
	return 0;
}
