/*
 * test_fixtures.c — replays fixture directories (CUnit): for each DIR given on the command
 * line, price DIR/case.xml with its rule set and check
 *   1. the claim document is valid against rules/schema/claim.xsd (SPEC §8);
 *   2. it equals DIR/expected.xml byte for byte (when present; CAREBILL_UPDATE=1 rewrites it);
 *   3. every assertion of DIR/checks.txt holds: lines `XPATH => EXPECTED`, where string(XPATH)
 *      must equal EXPECTED — the hand arithmetic of the fixture's README, worked out
 *      independently of the engine;
 *   4. pricing twice gives the same bytes (determinism).
 * The rule set is found as `carebill replay` finds it (engine/cli/replay.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "cb_test.h"
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include <unistd.h>

#include "carebill.h"
#include "replay.h"
#include "error.h"
#include "xmldoc.h"

static const char *fixture_dir;


static int check_assertions(xmlDocPtr doc, const char *checks)
{
	int failures = 0;
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	char *save = NULL;
	char *copy = strdup(checks);
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ' || *line == '\t')
			line++;
		char *arrow = strstr(line, "=>");
		if (*line == '#' || *line == '\0' || !arrow)
			continue;
		char *end = arrow;
		while (end > line && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		char *want = arrow + 2;
		while (*want == ' ' || *want == '\t')
			want++;
		size_t wl = strlen(want);
		while (wl && (want[wl - 1] == ' ' || want[wl - 1] == '\r' || want[wl - 1] == '\t'))
			want[--wl] = '\0';
		char expr[4096];
		snprintf(expr, sizeof expr, "string(%.*s)", (int)(end - line), line);
		xmlXPathObjectPtr r = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
		const char *got = r && r->stringval ? (const char *)r->stringval : "(invalid XPath)";
		if (strcmp(got, want) != 0) {
			fprintf(stderr, "\n  %s: %.*s\n    expected %s, got %s", fixture_dir,
				(int)(end - line), line, want, got);
			failures++;
		}
		xmlXPathFreeObject(r);
	}
	free(copy);
	xmlXPathFreeContext(ctx);
	return failures;
}

static void test_fixture_replays(void)
{
	char rules[4096], path[4096];
	CU_ASSERT_FATAL(cb_replay_rules_path(CAREBILL_SOURCE_DIR, fixture_dir, rules,
					     sizeof rules) == 0);
	cb_ruleset *rs = NULL;
	int rc = cb_ruleset_load_file(&rs, rules);
	if (rc != CB_OK)
		fprintf(stderr, "\n  %s: %s\n", rules, cb_error_last());
	CU_ASSERT_FATAL(rc == CB_OK);
	snprintf(path, sizeof path, "%s/case.xml", fixture_dir);
	cb_result *res = NULL, *again = NULL;
	CU_ASSERT_FATAL(cb_case_price_file(&res, rs, path, NULL) == CB_OK);
	CU_ASSERT_FATAL(cb_case_price_file(&again, rs, path, NULL) == CB_OK);
	char *out, *out2;
	size_t len, len2;
	CU_ASSERT_FATAL(cb_result_write_buffer(res, &out, &len) == CB_OK);
	CU_ASSERT_FATAL(cb_result_write_buffer(again, &out2, &len2) == CB_OK);
	CU_ASSERT(len == len2 && memcmp(out, out2, len) == 0); /* deterministic */

	/* 1. valid against the claim XSD */
	cb_xml_problems probs = {0};
	xmlDocPtr doc = NULL;
	xmlSchemaPtr schema = cb_xml_schema_compile(cb_schema_claim, cb_schema_claim_len);
	CU_ASSERT_FATAL(schema != NULL);
	CU_ASSERT_FATAL(cb_xml_parse(&doc, out, len, &probs) == 0);
	int valid = cb_xml_validate(schema, doc, &probs) == 0;
	for (size_t i = 0; i < probs.n; i++)
		fprintf(stderr, "\n  %s: claim line %lu: %s", fixture_dir, probs.v[i].line,
			probs.v[i].msg);
	CU_ASSERT(valid);

	/* 2. byte for byte against expected.xml, through the auditors' replay code */
	snprintf(path, sizeof path, "%s/expected.xml", fixture_dir);
	const char *update = getenv("CAREBILL_UPDATE");
	int pinned = access(path, R_OK) == 0;
	if (pinned || (update && strcmp(update, "1") == 0))
		CU_ASSERT(cb_replay_fixture(CAREBILL_SOURCE_DIR, fixture_dir,
					    update && strcmp(update, "1") == 0, stderr) ==
			  CB_REPLAY_SAME);

	/* 3. the hand-worked assertions */
	snprintf(path, sizeof path, "%s/checks.txt", fixture_dir);
	char *checks = cb_test_slurp(path, NULL);
	CU_ASSERT(pinned || checks != NULL); /* a fixture must assert something */
	if (checks)
		CU_ASSERT(check_assertions(doc, checks) == 0);
	free(checks);
	xmlFreeDoc(doc);
	xmlSchemaFree(schema);
	cb_xml_problems_free(&probs);
	cb_buffer_free(out);
	cb_buffer_free(out2);
	cb_result_free(res);
	cb_result_free(again);
	cb_ruleset_free(rs);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test_fixtures FIXTURE_DIR...\n");
		return 2;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	CU_basic_set_mode(CU_BRM_NORMAL);
	unsigned failures = 0;
	for (int i = 1; i < argc; i++) {
		fixture_dir = argv[i];
		CU_pSuite s = CU_add_suite(argv[i], NULL, NULL);
		CU_add_test(s, "test_fixture_replays", test_fixture_replays);
	}
	CU_basic_run_tests();
	failures = CU_get_number_of_failures();
	CU_cleanup_registry();
	return (int)failures;
}
