/*
 * test_explain.c — the derivation trace (issue 6, `carebill explain`): for one fixture per
 * track, pricing with trace on gives the same claim bytes as without, and every traced
 * amount is reproduced by its steps: the step computing a part ends at the part's value.
 */
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "cb_test.h"

#include "carebill.h"

/* The value of the last step computing `what`, or NULL. */
static const char *step_value(const cb_step *const *steps, size_t n, const char *what)
{
	const char *v = NULL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(steps[i]->what, what) == 0)
			v = steps[i]->value;
	return v;
}

static void expect_step(const char *where, const cb_step *const *steps, size_t n,
			const char *what, const char *value)
{
	const char *got = step_value(steps, n, what);
	if (!value)
		return;
	if (!got || strcmp(got, value) != 0)
		fprintf(stderr, "\n  %s: step '%s' gives %s, the claim says %s", where, what,
			got ? got : "(none)", value);
	CU_ASSERT(got && strcmp(got, value) == 0);
}

static void check_bill(const cb_bill *b)
{
	for (size_t i = 0; i < b->line_count; i++) {
		const cb_line *l = cb_bill_line(b, i);
		if (strcmp(l->amount, "0.00") == 0 && strcmp(l->status, "charged") == 0 &&
		    l->step_count == 0)
			continue; /* nursing on medical days: nothing to derive */
		CU_ASSERT(l->step_count > 0);
		const char *what = strcmp(l->status, "funded") == 0 ? "funded amount" : "amount";
		if (strcmp(b->track, "home-visit") == 0 && strstr(l->id, ":fee"))
			what = strcmp(l->status, "funded") == 0 ? "funded amount" : "fee";
		expect_step(l->id, l->steps, l->step_count, what, l->amount);
		if (l->over_limit && strcmp(l->over_limit, "0.00") != 0)
			expect_step(l->id, l->steps, l->step_count, "over-limit", l->over_limit);
		expect_step(l->id, l->steps, l->step_count, "ltc", strcmp(l->ltc ? l->ltc : "0.00",
			    "0.00") ? l->ltc : NULL);
	}
	const cb_settlement *s = b->settlement;
	if (!s)
		return;
	expect_step(b->unit, s->steps, s->step_count, "deductible", s->deductible);
	expect_step(b->unit, s->steps, s->step_count, "fund", s->fund);
	expect_step(b->unit, s->steps, s->step_count, "copay", s->copay);
	expect_step(b->unit, s->steps, s->step_count, "patient", s->patient);
}

static void explain_fixture(const char *rules, const char *dir)
{
	char rp[4096], cp[4096];
	snprintf(rp, sizeof rp, "%s/%s", CAREBILL_SOURCE_DIR, rules);
	snprintf(cp, sizeof cp, "%s/%s/case.xml", CAREBILL_SOURCE_DIR, dir);
	cb_ruleset *rs = NULL;
	CU_ASSERT_FATAL(cb_ruleset_load_file(&rs, rp) == CB_OK);
	cb_price_options opts = CB_PRICE_OPTIONS_INIT;
	opts.trace = 1;
	cb_result *plain = NULL, *traced = NULL;
	CU_ASSERT_FATAL(cb_case_price_file(&plain, rs, cp, NULL) == CB_OK);
	CU_ASSERT_FATAL(cb_case_price_file(&traced, rs, cp, &opts) == CB_OK);
	char *a, *b;
	size_t alen, blen;
	CU_ASSERT_FATAL(cb_result_write_buffer(plain, &a, &alen) == CB_OK);
	CU_ASSERT_FATAL(cb_result_write_buffer(traced, &b, &blen) == CB_OK);
	CU_ASSERT(alen == blen && memcmp(a, b, alen) == 0);
	for (size_t p = 0; p < cb_result_patient_count(traced); p++) {
		const cb_patient *pt = cb_result_patient(traced, p);
		for (size_t i = 0; i < pt->bill_count; i++)
			check_bill(cb_patient_bill(pt, i));
	}
	cb_buffer_free(a);
	cb_buffer_free(b);
	cb_result_free(plain);
	cb_result_free(traced);
	cb_ruleset_free(rs);
}

static void test_explain_medical(void)
{
	explain_fixture("rules/fx-2023.xml", "fixtures/medical/drug-limit");
	explain_fixture("rules/fx-2023.xml", "fixtures/medical/cap-reached");
}

static void test_explain_eldercare(void)
{
	explain_fixture("rules/fx-ec.xml", "fixtures/eldercare/hospital-overlap");
	explain_fixture("rules/fx-ec.xml", "fixtures/eldercare/commercial-cap-midstay");
}

static void test_explain_visits_and_contracts(void)
{
	explain_fixture("rules/fx-hv.xml", "fixtures/visits/fee-surcharge");
	explain_fixture("rules/fx-hv.xml", "fixtures/contracts/quota-split");
	explain_fixture("rules/cq-demo-2023.xml", "fixtures/demo");
}

static CU_TestInfo explain_tests[] = {
	{"test_explain_medical", test_explain_medical},
	{"test_explain_eldercare", test_explain_eldercare},
	{"test_explain_visits_and_contracts", test_explain_visits_and_contracts},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"explain", NULL, NULL, NULL, NULL, explain_tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cb_test_main(suites);
}
