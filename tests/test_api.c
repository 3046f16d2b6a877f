/*
 * test_api.c — CUnit suite for the public walking API (include/carebill.h) on the demo
 * (rules/cq-demo-2023.xml + fixtures/demo/case.xml): counts and contents reached without
 * parsing XML, getters out of range, NULL safety of every getter and free, the two writers
 * agreeing byte for byte, pricing from a buffer and from a file agreeing, a result outliving
 * its rule set and its case, CB_EIO / CB_ELIMIT / CB_EINVAL, cb_strerror and cb_version.
 * The program's exit status is the number of failed assertions.
 */
#include <CUnit/Basic.h>

#include "cb_test.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carebill.h"

#define DEMO_RULES CAREBILL_SOURCE_DIR "/rules/cq-demo-2023.xml"
#define FX_RULES CAREBILL_SOURCE_DIR "/rules/fx-2023.xml"
#define DEMO_CASE CAREBILL_SOURCE_DIR "/fixtures/demo/case.xml"

static cb_ruleset *demo_rs;
static char *demo_text;
static size_t demo_len;

/* ---- helpers -------------------------------------------------------------------------- */

static void report(int ok, const char *what, const char *expected, const char *got,
		   const char *file, unsigned line)
{
	int n = snprintf(NULL, 0, "%s: expected %s, got %s", what, expected, got ? got : "(null)");
	char *msg = malloc((size_t)n + 1);
	if (msg)
		snprintf(msg, (size_t)n + 1, "%s: expected %s, got %s", what, expected,
			 got ? got : "(null)");
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, line, msg ? msg : what, file, "",
				CU_FALSE);
	free(msg);
}

/* Two strings (either may be NULL) must be equal; both values are shown on a mismatch. */
static void check_str(const char *what, const char *expected, const char *got,
		      const char *file, unsigned line)
{
	report(got != NULL && strcmp(expected, got) == 0, what, expected, got, file, line);
}

#define ASSERT_STR(what, expected, got) check_str((what), (expected), (got), __FILE__, __LINE__)

static void report_size(int ok, const char *what, size_t expected, size_t got,
			const char *file, unsigned line)
{
	char e[32], g[32];
	snprintf(e, sizeof e, "%zu", expected);
	snprintf(g, sizeof g, "%zu", got);
	report(ok, what, e, g, file, line);
}

#define ASSERT_SIZE(what, expected, got) \
	report_size((size_t)(expected) == (size_t)(got), (what), (expected), (got), __FILE__, __LINE__)


static cb_result *price_demo_file(void)
{
	cb_result *res = NULL;
	int rc = cb_case_price_file(&res, demo_rs, DEMO_CASE, NULL);
	report(rc == CB_OK && res, "price the demo", "0", cb_error_last(), __FILE__, __LINE__);
	return res;
}

static char *write_buf(const cb_result *res, size_t *len)
{
	char *out = NULL;
	*len = 0;
	int rc = cb_result_write_buffer(res, &out, len);
	report(rc == CB_OK && out, "cb_result_write_buffer", "0", cb_error_last(), __FILE__,
	       __LINE__);
	return out;
}

/* A copy of the claim document with the value of attribute `attr` of the root blanked. */
static char *without_attr(const char *xml, const char *attr)
{
	char *copy = strdup(xml);
	char key[64];
	snprintf(key, sizeof key, " %s=\"", attr);
	char *at = copy ? strstr(copy, key) : NULL;
	if (at) {
		char *val = at + strlen(key), *end = strchr(val, '"');
		if (end)
			memmove(val, end, strlen(end) + 1);
	}
	return copy;
}

/* ---- walking the demo ---------------------------------------------------------------- */

static void test_api_demo_counts(void)
{
	cb_result *res = price_demo_file();
	if (!res)
		return;
	CU_ASSERT_EQUAL(cb_result_get_status(res), CB_RESULT_BILLED);
	ASSERT_SIZE("patients", 4, cb_result_patient_count(res));
	static const char *ids[] = {"P001", "P002", "P003", "P004"};
	static const size_t bills[] = {7, 3, 2, 3};
	for (size_t i = 0; i < 4; i++) {
		const cb_patient *p = cb_result_patient(res, i);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		ASSERT_STR("patient id (bytewise order)", ids[i], p->id);
		CU_ASSERT_FALSE(p->held);
		ASSERT_SIZE(ids[i], bills[i], p->bill_count);
		for (size_t b = 0; b < p->bill_count; b++) {
			const cb_bill *bill = cb_patient_bill(p, b);
			CU_ASSERT_PTR_NOT_NULL_FATAL(bill);
			CU_ASSERT_TRUE(bill->line_count > 0);
			for (size_t l = 0; l < bill->line_count; l++)
				CU_ASSERT_PTR_NOT_NULL(cb_bill_line(bill, l));
			int medical = strcmp(bill->track, "medical") == 0;
			if (medical)
				CU_ASSERT_PTR_NOT_NULL(bill->settlement);
			if (strcmp(bill->track, "eldercare") == 0)
				CU_ASSERT_PTR_NULL(bill->settlement);
		}
	}
	/* [ORD-1] P001: E1 11-02, V1 11-05, S1 11-15, M2 11-20, E2 11-27, E3 11-28, M1 11-30 */
	const cb_patient *p1 = cb_result_patient(res, 0);
	static const char *units[] = {"E1", "V1", "S1", "M2", "E2", "E3", "M1"};
	static const char *tracks[] = {"medical", "home-visit", "eldercare", "eldercare",
				       "medical", "medical", "eldercare"};
	for (size_t b = 0; b < 7; b++) {
		const cb_bill *bill = cb_patient_bill(p1, b);
		if (!bill)
			break;
		ASSERT_STR("P001 bill unit", units[b], bill->unit);
		ASSERT_STR("P001 bill track", tracks[b], bill->track);
	}
	/* the night visit (README: 106.80, funded by FD-7) and its fee line first */
	const cb_bill *v1 = cb_patient_bill(p1, 1);
	if (v1) {
		ASSERT_STR("visit distance", "7.5", v1->distance_km);
		ASSERT_STR("visit staff", "2", v1->staff);
		ASSERT_STR("visit surcharge", "true", v1->surcharge);
		ASSERT_SIZE("visit lines", 5, v1->line_count);
		const cb_line *fee = cb_bill_line(v1, 0);
		if (fee) {
			ASSERT_STR("fee line id", "V1:fee", fee->id);
			ASSERT_STR("fee line item", "HV-FEE-H001", fee->item);
			ASSERT_STR("fee amount", "106.80", fee->amount);
			ASSERT_STR("fee status", "funded", fee->status);
			ASSERT_STR("fee funded by", "FD-7", fee->funded_by);
			ASSERT_STR("fee patient", "0.00", fee->patient);
			CU_ASSERT_PTR_NULL(fee->in_scope);
		}
		CU_ASSERT_PTR_NOT_NULL(v1->settlement);
	}
	/* a charged medical line has all four medical parts and no elder-care parts */
	const cb_bill *e1 = cb_patient_bill(p1, 0);
	const cb_line *statin = e1 ? cb_bill_line(e1, 2) : NULL;
	if (statin) {
		ASSERT_STR("statin id", "H3-0211-3", statin->id);
		ASSERT_STR("statin price", "2.60", statin->price);
		ASSERT_STR("statin amount", "72.80", statin->amount);
		ASSERT_STR("statin over-limit", "2.80", statin->over_limit);
		ASSERT_STR("statin self-financed", "0.00", statin->self_financed);
		ASSERT_STR("statin self-first", "7.00", statin->self_first);
		ASSERT_STR("statin in-scope", "63.00", statin->in_scope);
		ASSERT_STR("statin patient", "9.80", statin->patient);
		ASSERT_STR("statin status", "charged", statin->status);
		CU_ASSERT_PTR_NULL(statin->ltc);
		CU_ASSERT_PTR_NULL(statin->funded_by);
		CU_ASSERT_PTR_NULL(statin->from);
	}
	/* P004's fee-only visit: 30 + 1.5 × 1.2 = 31.80, no settlement ([HV-4]) */
	const cb_patient *p4 = cb_result_patient(res, 3);
	const cb_bill *v2 = p4 ? cb_patient_bill(p4, 2) : NULL;
	if (v2) {
		ASSERT_STR("V2 unit", "V2", v2->unit);
		CU_ASSERT_PTR_NULL(v2->settlement);
		const cb_line *fee = cb_bill_line(v2, 0);
		if (fee)
			ASSERT_STR("V2 fee", "31.80", fee->amount);
		ASSERT_STR("P004 home-visit account", "31.80", p4->owes_home_visit);
	}
	/* claims: medical insurance first, then payers bytewise */
	ASSERT_SIZE("claims", 4, cb_result_claim_count(res));
	static const char *payers[] = {"medical-insurance", "INS-01", "LTC-CQ", "PHS-500103"};
	for (size_t c = 0; c < 4; c++) {
		const cb_claim *cl = cb_result_claim(res, c);
		if (!cl)
			break;
		ASSERT_STR("payer", payers[c], cl->payer);
		CU_ASSERT_TRUE(cl->item_count > 0);
		for (size_t i = 0; i < cl->item_count; i++)
			CU_ASSERT_PTR_NOT_NULL(cb_claim_item_at(cl, i));
	}
	/* findings: P001's MEDICAL_OVERLAP and QUOTA_EXHAUSTED, P002's DUPLICATE_LINE (README) */
	ASSERT_SIZE("findings", 3, cb_result_finding_count(res));
	int overlap = 0, quota = 0, dup = 0;
	for (size_t i = 0; i < cb_result_finding_count(res); i++) {
		const cb_finding *f = cb_result_finding(res, i);
		ASSERT_STR("severity", "note", f->severity);
		ASSERT_STR("finding patient", strcmp(f->code, "DUPLICATE_LINE") ? "P001" : "P002",
			   f->patient);
		overlap += strcmp(f->code, "MEDICAL_OVERLAP") == 0;
		quota += strcmp(f->code, "QUOTA_EXHAUSTED") == 0;
		dup += strcmp(f->code, "DUPLICATE_LINE") == 0;
	}
	CU_ASSERT_EQUAL(overlap, 1);
	CU_ASSERT_EQUAL(quota, 1);
	CU_ASSERT_EQUAL(dup, 1);
	cb_result_free(res);
}

/* The walk agrees with the document: every patient, bill, line, claim item and finding the
 * API shows appears in the written claim document. */
static void test_api_walk_matches_document(void)
{
	cb_result *res = price_demo_file();
	if (!res)
		return;
	size_t len;
	char *xml = write_buf(res, &len);
	char needle[512];
	for (size_t i = 0; xml && i < cb_result_patient_count(res); i++) {
		const cb_patient *p = cb_result_patient(res, i);
		snprintf(needle, sizeof needle, "<statement medical=\"%s\" home-visit=\"%s\" "
			 "eldercare=\"%s\" total=\"%s\"", p->owes_medical, p->owes_home_visit,
			 p->owes_eldercare, p->owes_total);
		report(strstr(xml, needle) != NULL, "statement in document", needle, p->id,
		       __FILE__, __LINE__);
		for (size_t b = 0; b < p->bill_count; b++) {
			const cb_bill *bill = cb_patient_bill(p, b);
			for (size_t l = 0; l < bill->line_count; l++) {
				const cb_line *ln = cb_bill_line(bill, l);
				snprintf(needle, sizeof needle, "<line id=\"%s\" item=\"%s\"", ln->id,
					 ln->item);
				report(strstr(xml, needle) != NULL, "line in document", needle, "absent",
				       __FILE__, __LINE__);
			}
		}
	}
	for (size_t c = 0; xml && c < cb_result_claim_count(res); c++) {
		const cb_claim *cl = cb_result_claim(res, c);
		snprintf(needle, sizeof needle, "<claim payer=\"%s\" total=\"%s\">", cl->payer,
			 cl->total);
		report(strstr(xml, needle) != NULL, "claim in document", needle, "absent", __FILE__,
		       __LINE__);
	}
	cb_buffer_free(xml);
	cb_result_free(res);
}

static void test_api_getters_out_of_range(void)
{
	cb_result *res = price_demo_file();
	if (!res)
		return;
	size_t np = cb_result_patient_count(res);
	CU_ASSERT_PTR_NULL(cb_result_patient(res, np));
	CU_ASSERT_PTR_NULL(cb_result_patient(res, SIZE_MAX));
	const cb_patient *p = cb_result_patient(res, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_PTR_NULL(cb_patient_bill(p, p->bill_count));
	CU_ASSERT_PTR_NULL(cb_patient_bill(p, SIZE_MAX));
	const cb_bill *b = cb_patient_bill(p, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_PTR_NULL(cb_bill_line(b, b->line_count));
	CU_ASSERT_PTR_NULL(cb_bill_line(b, SIZE_MAX));
	size_t nc = cb_result_claim_count(res);
	CU_ASSERT_PTR_NULL(cb_result_claim(res, nc));
	CU_ASSERT_PTR_NULL(cb_result_claim(res, SIZE_MAX));
	const cb_claim *c = cb_result_claim(res, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NULL(cb_claim_item_at(c, c->item_count));
	CU_ASSERT_PTR_NULL(cb_claim_item_at(c, SIZE_MAX));
	size_t nf = cb_result_finding_count(res);
	CU_ASSERT_PTR_NULL(cb_result_finding(res, nf));
	CU_ASSERT_PTR_NULL(cb_result_finding(res, SIZE_MAX));
	cb_result_free(res);
}

static void test_api_null_safety(void)
{
	CU_ASSERT_EQUAL(cb_result_patient_count(NULL), 0);
	CU_ASSERT_PTR_NULL(cb_result_patient(NULL, 0));
	CU_ASSERT_PTR_NULL(cb_patient_bill(NULL, 0));
	CU_ASSERT_PTR_NULL(cb_bill_line(NULL, 0));
	CU_ASSERT_EQUAL(cb_result_claim_count(NULL), 0);
	CU_ASSERT_PTR_NULL(cb_result_claim(NULL, 0));
	CU_ASSERT_PTR_NULL(cb_claim_item_at(NULL, 0));
	CU_ASSERT_EQUAL(cb_result_finding_count(NULL), 0);
	CU_ASSERT_PTR_NULL(cb_result_finding(NULL, 0));
	(void)cb_result_get_status(NULL); /* must not crash; the value is not specified */
	CU_ASSERT_PTR_NULL(cb_ruleset_id(NULL));
	CU_ASSERT_PTR_NULL(cb_ruleset_effective_from(NULL));
	cb_result_free(NULL);
	cb_ruleset_free(NULL);
	cb_buffer_free(NULL);

	char *out = (char *)"untouched";
	size_t len = 7;
	CU_ASSERT_EQUAL(cb_result_write_buffer(NULL, &out, &len), CB_EINVAL);
	CU_ASSERT_EQUAL(cb_result_write_file(NULL, "/tmp/x.xml"), CB_EINVAL);
	cb_result *res = price_demo_file();
	if (res) {
		CU_ASSERT_EQUAL(cb_result_write_buffer(res, NULL, &len), CB_EINVAL);
		CU_ASSERT_EQUAL(cb_result_write_buffer(res, &out, NULL), CB_EINVAL);
		CU_ASSERT_EQUAL(cb_result_write_file(res, NULL), CB_EINVAL);
		CU_ASSERT_NOT_EQUAL(cb_error_last()[0], '\0');
	}
	cb_result_free(res);
}

/* CB_EINVAL from pricing: "then *out is NULL" (carebill.h, cb_case_price_file). */
static void test_api_price_invalid_arguments(void)
{
	static int sentinel;
	cb_result *res = NULL;
	CU_ASSERT_EQUAL(cb_case_price_buffer(NULL, demo_rs, demo_text, demo_len, NULL, NULL),
			CB_EINVAL);
	CU_ASSERT_EQUAL(cb_case_price_file(NULL, demo_rs, DEMO_CASE, NULL), CB_EINVAL);
	CU_ASSERT_NOT_EQUAL(cb_error_last()[0], '\0');
	/* each call starts with a stale *out and must leave NULL in it */
	char stale[256] = "";
	res = (cb_result *)&sentinel;
	CU_ASSERT_EQUAL(cb_case_price_buffer(&res, NULL, demo_text, demo_len, NULL, NULL),
			CB_EINVAL);
	if (res)
		strcat(stale, " buffer/no-ruleset");
	res = (cb_result *)&sentinel;
	CU_ASSERT_EQUAL(cb_case_price_buffer(&res, demo_rs, NULL, 10, NULL, NULL), CB_EINVAL);
	if (res)
		strcat(stale, " buffer/NULL-bytes");
	res = (cb_result *)&sentinel;
	CU_ASSERT_EQUAL(cb_case_price_file(&res, demo_rs, NULL, NULL), CB_EINVAL);
	if (res)
		strcat(stale, " file/NULL-path");
	res = (cb_result *)&sentinel;
	CU_ASSERT_EQUAL(cb_case_price_file(&res, NULL, DEMO_CASE, NULL), CB_EINVAL);
	if (res)
		strcat(stale, " file/no-ruleset");
	report(stale[0] == '\0', "*out after CB_EINVAL", "NULL in every call",
	       stale[0] ? stale : "", __FILE__, __LINE__);
}

/* ---- writers and inputs agree -------------------------------------------------------- */

static void test_api_write_buffer_equals_write_file(void)
{
	cb_result *res = price_demo_file();
	if (!res)
		return;
	size_t len;
	char *buf = write_buf(res, &len);
	char path[] = "/tmp/carebill-claim-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	CU_ASSERT_EQUAL(cb_result_write_file(res, path), CB_OK);
	size_t flen = 0;
	char *file = cb_test_slurp(path, &flen);
	CU_ASSERT_PTR_NOT_NULL(file);
	ASSERT_SIZE("file length", len, flen);
	CU_ASSERT_TRUE(buf && file && flen == len && memcmp(buf, file, len) == 0);
	CU_ASSERT_EQUAL(buf ? strlen(buf) : 0, len); /* NUL-terminated, no NUL inside */
	/* writing twice gives the same bytes (truncates, does not append) */
	CU_ASSERT_EQUAL(cb_result_write_file(res, path), CB_OK);
	free(file);
	file = cb_test_slurp(path, &flen);
	CU_ASSERT_TRUE(buf && file && flen == len && memcmp(buf, file, len) == 0);
	free(file);
	unlink(path);
	cb_buffer_free(buf);
	cb_result_free(res);
}

static void test_api_buffer_equals_file(void)
{
	cb_result *from_file = price_demo_file(), *named = NULL, *anon = NULL;
	CU_ASSERT_EQUAL(cb_case_price_buffer(&named, demo_rs, demo_text, demo_len, DEMO_CASE,
					     NULL), CB_OK);
	CU_ASSERT_EQUAL(cb_case_price_buffer(&anon, demo_rs, demo_text, demo_len, NULL, NULL),
			CB_OK);
	if (!from_file || !named || !anon)
		goto done;
	size_t l1, l2, l3;
	char *a = write_buf(from_file, &l1), *b = write_buf(named, &l2), *c = write_buf(anon, &l3);
	/* the same name: the same bytes */
	CU_ASSERT_TRUE(a && b && l1 == l2 && memcmp(a, b, l1) == 0);
	/* no name: only the case attribute differs ("-" instead of the file's base name) */
	CU_ASSERT_PTR_NOT_NULL(a && strstr(a, "<claims case=\"case.xml\""));
	CU_ASSERT_PTR_NOT_NULL(c && strstr(c, "<claims case=\"-\""));
	char *a2 = a ? without_attr(a, "case") : NULL, *c2 = c ? without_attr(c, "case") : NULL;
	CU_ASSERT_TRUE(a2 && c2 && strcmp(a2, c2) == 0);
	free(a2);
	free(c2);
	cb_buffer_free(a);
	cb_buffer_free(b);
	cb_buffer_free(c);
done:
	cb_result_free(from_file);
	cb_result_free(named);
	cb_result_free(anon);
}

/* "Results priced with it own copies of everything they show, so they stay valid after the
 * rule set is freed." Free the rule set, reuse the memory, then walk and write. */
static void test_api_result_outlives_ruleset(void)
{
	cb_ruleset *rs = NULL;
	CU_ASSERT_EQUAL_FATAL(cb_ruleset_load_file(&rs, DEMO_RULES), CB_OK);
	cb_result *res = NULL;
	CU_ASSERT_EQUAL(cb_case_price_buffer(&res, rs, demo_text, demo_len, "case.xml", NULL),
			CB_OK);
	size_t before_len;
	char *before = res ? write_buf(res, &before_len) : NULL;
	cb_ruleset_free(rs);
	/* churn the heap so the freed rule set's memory is reused */
	cb_ruleset *other = NULL;
	CU_ASSERT_EQUAL(cb_ruleset_load_file(&other, FX_RULES), CB_OK);
	void *junk[64];
	for (int i = 0; i < 64; i++) {
		junk[i] = malloc(4096 + (size_t)i * 512);
		if (junk[i])
			memset(junk[i], 0x5a, 4096 + (size_t)i * 512);
	}
	if (res) {
		size_t after_len;
		char *after = write_buf(res, &after_len);
		CU_ASSERT_TRUE(before && after && before_len == after_len &&
			       memcmp(before, after, before_len) == 0);
		const cb_patient *p = cb_result_patient(res, 0);
		const cb_bill *b = p ? cb_patient_bill(p, 0) : NULL;
		if (b) {
			ASSERT_STR("institution after free", "H003", b->institution);
			ASSERT_STR("policy after free", "employee/outpatient/1/retired",
				   b->settlement ? b->settlement->policy : NULL);
			ASSERT_STR("item after free", "110200001", cb_bill_line(b, 0)->item);
		}
		cb_buffer_free(after);
	}
	for (int i = 0; i < 64; i++)
		free(junk[i]);
	cb_ruleset_free(other);
	cb_buffer_free(before);
	cb_result_free(res);
}

/* The case document is gone after pricing too: every string of every finding (input errors
 * and the notes pricing adds) must be the result's own. */
static void test_api_findings_outlive_the_case(void)
{
	cb_result *res = NULL, *other = NULL;
	CU_ASSERT_EQUAL(cb_case_price_buffer(&res, demo_rs, demo_text, demo_len,
					     "/cases/demo-case.xml", NULL), CB_OK);
	if (!res)
		return;
	/* price another document so that the freed case memory is reused */
	CU_ASSERT_EQUAL(cb_case_price_buffer(&other, demo_rs, demo_text, demo_len,
					     "/elsewhere/xxxx-yyyy.zzz", NULL), CB_OK);
	ASSERT_SIZE("demo notes", 3, cb_result_finding_count(res));
	const char *wrong = NULL;
	for (size_t i = 0; i < cb_result_finding_count(res); i++) {
		const cb_finding *f = cb_result_finding(res, i);
		if (!wrong && (!f->file || strcmp(f->file, "/cases/demo-case.xml") != 0))
			wrong = f->file ? f->file : "(null)";
		CU_ASSERT_TRUE(f->line > 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(f->message, f->ref));
	}
	report(wrong == NULL, "finding file after the case is freed", "/cases/demo-case.xml",
	       wrong, __FILE__, __LINE__);
	cb_result_free(other);
	cb_result_free(res);
}

/* ---- errors -------------------------------------------------------------------------- */

static void test_api_missing_file_is_eio(void)
{
	cb_result *res = NULL;
	CU_ASSERT_EQUAL(cb_case_price_file(&res, demo_rs, CAREBILL_SOURCE_DIR "/fixtures/none.xml",
					   NULL), CB_EIO);
	CU_ASSERT_PTR_NULL(res);
	CU_ASSERT_PTR_NOT_NULL(strstr(cb_error_last(), "none.xml"));
	/* nor is a path in a missing directory */
	CU_ASSERT_EQUAL(cb_case_price_file(&res, demo_rs, "/nonexistent-dir/case.xml", NULL),
			CB_EIO);
	cb_result *ok = price_demo_file();
	if (ok) {
		CU_ASSERT_EQUAL(cb_result_write_file(ok, "/nonexistent-dir/claims.xml"), CB_EIO);
		CU_ASSERT_PTR_NOT_NULL(strstr(cb_error_last(), "/nonexistent-dir/claims.xml"));
	}
	cb_result_free(ok);
}

static void test_api_document_size_limit(void)
{
	cb_price_options opts = CB_PRICE_OPTIONS_INIT;
	cb_result *res = NULL;
	opts.max_document_bytes = demo_len - 1;
	CU_ASSERT_EQUAL(cb_case_price_file(&res, demo_rs, DEMO_CASE, &opts), CB_ELIMIT);
	CU_ASSERT_PTR_NULL(res);
	CU_ASSERT_NOT_EQUAL(cb_error_last()[0], '\0');
	CU_ASSERT_EQUAL(cb_case_price_buffer(&res, demo_rs, demo_text, demo_len, NULL, &opts),
			CB_ELIMIT);
	CU_ASSERT_PTR_NULL(res);
	opts.max_document_bytes = 100;
	CU_ASSERT_EQUAL(cb_case_price_file(&res, demo_rs, DEMO_CASE, &opts), CB_ELIMIT);
	CU_ASSERT_PTR_NULL(res);
	/* exactly the size is within the limit */
	opts.max_document_bytes = demo_len;
	CU_ASSERT_EQUAL(cb_case_price_file(&res, demo_rs, DEMO_CASE, &opts), CB_OK);
	cb_result_free(res);
	res = NULL;
	CU_ASSERT_EQUAL(cb_case_price_buffer(&res, demo_rs, demo_text, demo_len, NULL, &opts),
			CB_OK);
	cb_result_free(res);
}

static void test_api_strerror_every_code(void)
{
	static const int codes[] = {CB_OK, CB_ENOMEM, CB_EINVAL, CB_EIO, CB_ERULESET, CB_ELIMIT};
	const size_t n = sizeof codes / sizeof codes[0];
	for (size_t i = 0; i < n; i++) {
		const char *s = cb_strerror(codes[i]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		CU_ASSERT_TRUE(s[0] != '\0');
		for (size_t j = 0; j < i; j++)
			report(strcmp(s, cb_strerror(codes[j])) != 0, "distinct strerror", "distinct",
			       s, __FILE__, __LINE__);
	}
	/* codes are never renumbered */
	CU_ASSERT_EQUAL(CB_OK, 0);
	CU_ASSERT_EQUAL(CB_ENOMEM, -1);
	CU_ASSERT_EQUAL(CB_EINVAL, -2);
	CU_ASSERT_EQUAL(CB_EIO, -3);
	CU_ASSERT_EQUAL(CB_ERULESET, -4);
	CU_ASSERT_EQUAL(CB_ELIMIT, -5);
	/* an unknown code still gets a string */
	CU_ASSERT_PTR_NOT_NULL(cb_strerror(-99));
	CU_ASSERT_PTR_NOT_NULL(cb_strerror(42));
}

static void test_api_version(void)
{
	CU_ASSERT_PTR_NOT_NULL_FATAL(cb_version());
	ASSERT_STR("cb_version", CB_VERSION_STRING, cb_version());
	int major = -1, minor = -1, patch = -1;
	CU_ASSERT_EQUAL(sscanf(cb_version(), "%d.%d.%d", &major, &minor, &patch), 3);
	CU_ASSERT_TRUE(major >= 0 && minor >= 0 && patch >= 0);
	cb_result *res = price_demo_file();
	size_t len;
	char *xml = res ? write_buf(res, &len) : NULL;
	char want[64];
	snprintf(want, sizeof want, "engine=\"%s\"", CB_ENGINE_NAME);
	report(xml && strstr(xml, want), "engine in the claim document", want, "absent",
	       __FILE__, __LINE__);
	cb_buffer_free(xml);
	cb_result_free(res);
}

/* After a successful call cb_error_last() is empty again. */
static void test_api_success_clears_last_error(void)
{
	cb_result *res = NULL;
	CU_ASSERT_EQUAL(cb_case_price_file(&res, demo_rs, "/nonexistent-dir/case.xml", NULL),
			CB_EIO);
	CU_ASSERT_NOT_EQUAL(cb_error_last()[0], '\0');
	res = price_demo_file();
	ASSERT_STR("cb_error_last after success", "", cb_error_last());
	cb_result_free(res);
}

/* ---- runner -------------------------------------------------------------------------- */

static int suite_init(void)
{
	demo_text = cb_test_slurp(DEMO_CASE, &demo_len);
	return demo_text && cb_ruleset_load_file(&demo_rs, DEMO_RULES) == CB_OK ? 0 : 1;
}

static int suite_clean(void)
{
	cb_ruleset_free(demo_rs);
	free(demo_text);
	return 0;
}

#define TEST(fn) { #fn, fn }

static CU_TestInfo api_tests[] = {
	TEST(test_api_demo_counts),
	TEST(test_api_walk_matches_document),
	TEST(test_api_getters_out_of_range),
	TEST(test_api_null_safety),
	TEST(test_api_price_invalid_arguments),
	TEST(test_api_write_buffer_equals_write_file),
	TEST(test_api_buffer_equals_file),
	TEST(test_api_result_outlives_ruleset),
	TEST(test_api_findings_outlive_the_case),
	TEST(test_api_missing_file_is_eio),
	TEST(test_api_document_size_limit),
	TEST(test_api_strerror_every_code),
	TEST(test_api_version),
	TEST(test_api_success_clears_last_error),
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "api", suite_init, suite_clean, NULL, NULL, api_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cb_test_main(suites);
}
