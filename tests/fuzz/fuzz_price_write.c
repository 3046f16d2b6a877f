/*
 * fuzz_price_write.c — libFuzzer target for the whole path: price against rules/fx-2023.xml
 * with the derivation traced, write the claim document (SPEC §8), and parse the output with
 * libxml2: it must be well-formed and valid against rules/schema/claim.xsd, which is strict
 * on number formats (no sign, [NUM-4] digits), so a negative or mis-rounded amount traps too.
 * Writing twice must give the same bytes (canonical output).
 */
#include "fuzz_common.h"

#include <libxml/xmlschemas.h>

static xmlSchemaPtr claim_schema;

static void free_schema(void)
{
	xmlSchemaFree(claim_schema);
	claim_schema = NULL;
}

static void load_schema(void)
{
	xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(CAREBILL_CLAIM_XSD);
	CHECK(pc != NULL);
	claim_schema = xmlSchemaParse(pc);
	xmlSchemaFreeParserCtxt(pc);
	CHECK(claim_schema != NULL);
	atexit(free_schema);
}

static void check_claim(const char *out, size_t len)
{
	xmlDocPtr doc = xmlReadMemory(out, (int)len, "claim.xml", NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
					      XML_PARSE_HUGE);
	CHECK(doc != NULL); /* well-formed */
	xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(claim_schema);
	CHECK(vc != NULL);
	xmlSchemaSetValidErrors(vc, fuzz_quiet, fuzz_quiet, NULL);
	CHECK(xmlSchemaValidateDoc(vc, doc) == 0); /* valid against the claim XSD */
	xmlSchemaFreeValidCtxt(vc);
	xmlFreeDoc(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const cb_ruleset *fx = fuzz_fixture_rules();
	if (!claim_schema)
		load_schema();
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
	check_claim(out, len);
	CHECK(cb_result_write_buffer(res, &again, &len2) == CB_OK);
	CHECK(len2 == len && memcmp(out, again, len) == 0);
	cb_buffer_free(again);
	cb_buffer_free(out);
	cb_result_free(res);
	return 0;
}
