/*
 * test_coverage.c — every clause the engine implements is exercised by a fixture (issue 6):
 * the clause ids of engine/clauses.c must each appear in some fixture's expected.xml `rule`
 * attributes, except the clauses listed below, which produce no amount or finding of their
 * own and are covered by the named tests instead. Also checks that the clause table lists
 * every clause id of SPEC.md (when ../shared/SPEC.md is beside the checkout).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <CUnit/Basic.h>

#include "cb_test.h"

#include "clauses.h"
#include "error.h"

/* Clauses with no `rule` of their own in a claim document, and where they are tested. */
static const char *elsewhere[][2] = {
	{"NUM-2", "every amount (round2): tests/test_money.c, every fixture"},
	{"NUM-4", "every formatted value: the claim XSD in tests/test_fixtures.c"},
	{"DOC-2", "rule-set refusals: tests/test_ruleset.c"},
	{"RULE-1", "rule-set refusals: tests/test_ruleset.c"},
	{"RULE-4", "rule-set refusals: tests/test_ruleset.c"},
	{"CASE-5", "carried-in state: statement checks of fixtures/contracts, fixtures/medical"},
	{"CASE-6", "held patients: fixtures/errors/held-and-billed, tests/test_case.c"},
	{"ORD-1", "order: fixtures/medical/order, tests/test_shuffle.c"},
	{"ORD-2", "order: fixtures/medical/order, tests/test_shuffle.c"},
	{"BAT-1", "the batch: tests/test_batch.c"},
	{"BAT-2", "the batch: tests/test_batch.c"},
	{"BAT-3", "the batch: tests/test_batch.c"},
	{"BAT-4", "the batch: tests/test_batch_crash.c"},
	{"BAT-5", "the batch: tests/test_batch.c"},
};

static char *rules_seen; /* every rule token found, " ID " separated */
static size_t seen_len, seen_cap;

static void add_rules(const char *xml)
{
	for (const char *p = strstr(xml, " rule=\""); p; p = strstr(p + 1, " rule=\"")) {
		p += 7;
		size_t n = strcspn(p, "\"");
		if (seen_len + n + 3 > seen_cap) {
			seen_cap = (seen_len + n + 3) * 2;
			rules_seen = realloc(rules_seen, seen_cap);
		}
		rules_seen[seen_len++] = ' ';
		memcpy(rules_seen + seen_len, p, n);
		seen_len += n;
		rules_seen[seen_len++] = ' ';
		rules_seen[seen_len] = '\0';
	}
}

static void walk(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			walk(path);
		} else if (strcmp(e->d_name, "expected.xml") == 0) {
			char *buf;
			size_t len;
			if (cb__read_file(path, &buf, &len, (size_t)1 << 28) == 0) {
				char *z = realloc(buf, len + 1);
				z[len] = '\0';
				add_rules(z);
				free(z);
			}
		}
	}
	closedir(d);
}

static const char *tested_elsewhere(const char *id)
{
	for (size_t i = 0; i < sizeof elsewhere / sizeof elsewhere[0]; i++)
		if (strcmp(elsewhere[i][0], id) == 0)
			return elsewhere[i][1];
	return NULL;
}

static void test_coverage_every_clause_in_a_fixture(void)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/fixtures", CAREBILL_SOURCE_DIR);
	walk(dir);
	CU_ASSERT_FATAL(rules_seen != NULL);
	size_t n;
	const cb_clause *all = cb_clause__all(&n);
	for (size_t i = 0; i < n; i++) {
		char token[32];
		snprintf(token, sizeof token, " %s ", all[i].id);
		int found = strstr(rules_seen, token) != NULL;
		if (!found && !tested_elsewhere(all[i].id))
			fprintf(stderr, "\n  clause %s appears in no fixture's expected rule "
				"attributes", all[i].id);
		CU_ASSERT(found || tested_elsewhere(all[i].id));
	}
}

static void test_coverage_clause_table_matches_spec(void)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/../shared/SPEC.md", CAREBILL_SOURCE_DIR);
	char *spec;
	size_t len;
	if (cb__read_file(path, &spec, &len, (size_t)1 << 24) != 0)
		return; /* the spec is not beside this checkout */
	char *z = realloc(spec, len + 1);
	z[len] = '\0';
	size_t n;
	const cb_clause *all = cb_clause__all(&n);
	for (const char *p = strchr(z, '['); p; p = strchr(p + 1, '[')) {
		size_t idlen = strcspn(p + 1, "]");
		if (idlen < 4 || idlen > 10 || !strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ", p[1]) ||
		    !memchr(p + 1, '-', idlen))
			continue;
		int known = 0;
		for (size_t i = 0; i < n && !known; i++)
			known = strlen(all[i].id) == idlen && strncmp(all[i].id, p + 1, idlen) == 0;
		if (!known)
			fprintf(stderr, "\n  SPEC clause [%.*s] is not in engine/clauses.c",
				(int)idlen, p + 1);
		CU_ASSERT(known);
	}
	free(z);
}

static CU_TestInfo coverage_tests[] = {
	{"test_coverage_every_clause_in_a_fixture", test_coverage_every_clause_in_a_fixture},
	{"test_coverage_clause_table_matches_spec", test_coverage_clause_table_matches_spec},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"coverage", NULL, NULL, NULL, NULL, coverage_tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	int failures = cb_test_main(suites);
	free(rules_seen);
	return failures;
}
