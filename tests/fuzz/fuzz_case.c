/*
 * fuzz_case.c — libFuzzer target for cb_case_price_buffer against rules/fx-2023.xml (loaded
 * once): any bytes give CB_OK and a result ([DOC-1]: a rejected document is a result too) or
 * CB_ELIMIT/CB_ENOMEM; the whole result is walked through the public getters. And the
 * loader's two ways to a document's elements agree: a document the stream (parse and validate
 * in one pass) takes, the DOM route takes too, with the same tree.
 */
#include "fuzz_common.h"

#include "arena.h"
#include "case.h"

static int same_tree(const cb_elem *a, const cb_elem *b)
{
	for (; a && b; a = a->next, b = b->next) {
		if (strcmp(a->name, b->name) != 0 || a->nattrs != b->nattrs)
			return 0;
		/* past 65535 the DOM's line is an estimate (xmlGetLineNo) */
		if (a->line < 65535 && b->line < 65535 && a->line != b->line)
			return 0;
		for (size_t i = 0; i < 2 * a->nattrs; i++)
			if (strcmp(a->attrs[i], b->attrs[i]) != 0)
				return 0;
		if (!same_tree(a->first, b->first))
			return 0;
	}
	return !a && !b;
}

static void check_stream(const cb_ruleset *fx, const uint8_t *data, size_t size)
{
	cb_arena *a = cb_arena_new(), *b = cb_arena_new();
	CHECK(a && b);
	const cb_elem *s = cb_case__doc_tree(a, fx, (const char *)data, size, 1);
	const cb_elem *d = s ? cb_case__doc_tree(b, fx, (const char *)data, size, 0) : NULL;
	CHECK(!s || (d && same_tree(s, d)));
	cb_arena_free(a);
	cb_arena_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const cb_ruleset *fx = fuzz_fixture_rules();
	check_stream(fx, data, size);
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
