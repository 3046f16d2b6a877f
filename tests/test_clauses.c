/*
 * test_clauses.c — CUnit suite for engine/clauses.c: each clause's policy sentence, and rule
 * lists put in SPEC order (cb_clause__canonical: order, duplicates, unknown tokens, spacing),
 * checked against the table itself. The exit status is the number of failures.
 */
#include <CUnit/Basic.h>

#include "cb_test.h"

#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "clauses.h"

static void test_each_clause_alone(void)
{
	size_t n = 0;
	const cb_clause *all = cb_clause__all(&n);
	CU_ASSERT_FATAL(n > 40);
	cb_arena *a = cb_arena_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_STRING_EQUAL(cb_clause__canonical(a, all[i].id), all[i].id);
		CU_ASSERT_PTR_EQUAL(cb_clause__policy(all[i].id), all[i].policy);
		CU_ASSERT(all[i].policy[0] != '\0');
	}
	CU_ASSERT_STRING_EQUAL(cb_clause__policy("MED-99"), "");
	cb_arena_free(a);
}

static void test_order_and_duplicates(void)
{
	size_t n = 0;
	const cb_clause *all = cb_clause__all(&n);
	cb_arena *a = cb_arena_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	/* every clause, last to first, each twice: SPEC order, once each */
	char rev[2048] = "", want[1024] = "";
	for (size_t i = n; i-- > 0;) {
		strcat(rev, all[i].id);
		strcat(rev, " ");
		strcat(rev, all[i].id);
		strcat(rev, " ");
	}
	for (size_t i = 0; i < n && i < 12; i++) { /* the canonical text holds 255 bytes */
		if (i)
			strcat(want, " ");
		strcat(want, all[i].id);
	}
	const char *got = cb_clause__canonical(a, rev);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_EQUAL(strncmp(got, want, strlen(want)), 0);
	CU_ASSERT_STRING_EQUAL(cb_clause__canonical(a, "MED-3 NUM-3 MED-1 MED-3"),
			       "NUM-3 MED-1 MED-3");
	CU_ASSERT_STRING_EQUAL(cb_clause__canonical(a, "DUP-2 MED-2 MED-1"),
			       "DUP-2 MED-1 MED-2");
	/* unknown tokens, near misses and prefixes are dropped; empty tokens are harmless */
	CU_ASSERT_STRING_EQUAL(cb_clause__canonical(a, "MED-10 MED- MED med-1 EC-1  X"),
			       "EC-1");
	CU_ASSERT_STRING_EQUAL(cb_clause__canonical(a, ""), "");
	CU_ASSERT_STRING_EQUAL(cb_clause__canonical(a, "ACC-1"), "ACC-1");
	cb_arena_free(a);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"every clause alone, and its policy sentence", test_each_clause_alone},
		{"SPEC order, duplicates once, unknown tokens dropped", test_order_and_duplicates},
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {{"clauses", NULL, NULL, NULL, NULL, tests}, CU_SUITE_INFO_NULL};
	return cb_test_main(suites);
}
