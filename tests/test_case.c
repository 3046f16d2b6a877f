/*
 * test_case.c — CUnit suite for engine/case.c through the public API: small cases built in
 * memory and priced with rules/fx-2023.xml (cb_case_price_buffer).
 *
 *   - every per-patient input error of SPEC §9 ([NUM-1], [NUM-5], [CASE-1]..[CASE-4],
 *     [RULE-3], [HV-2], [HV-4]) gives its code, severity "error", the right patient, a
 *     message naming the element and the value, and the source line; the patient is held
 *     and another patient of the same case is billed ([CASE-6]);
 *   - the values at the edge of each rule that must NOT be an error;
 *   - document-level rejections ([DOC-1]): SCHEMA (unknown element, period count, contract
 *     and encounter variants, DOCTYPE/entities, not well-formed) and WRONG_RULESET;
 *   - the result status values (billed, held, rejected).
 *
 * fx-2023 (rules/fx-2023.xml): services SVC-A1 10.00 (A), SVC-B1 200.00 (B), SVC-B2, SVC-C1;
 * drugs DRG-A1 (limit 0.25), DRG-A2, DRG-B1, DRG-B2, DRG-C1; consumables CON-A1, CON-B1;
 * elder-care EC-BED-1 (bed), EC-NUR-1 (nursing), EC-MEAL (service); institutions H1 (level 1,
 * prices EC-BED-1 EC-NUR-1 EC-MEAL, home visits within 10 km, fee item HV-FEE), H2 (level 2,
 * prices EC-BED-1 only, no home visits), H3 (level 3, no elder-care prices). No policy row for
 * resident/inpatient/1/retired.
 *
 * The program's exit status is the number of failed assertions.
 */
#include <CUnit/Basic.h>

#include "cb_test.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "carebill.h"

#define NAME "t-case.xml"

static cb_ruleset *fx;

/* ---- helpers -------------------------------------------------------------------------- */

static void report(int ok, const char *what, const char *expected, const char *got,
		   const char *file, unsigned line)
{
	int n = snprintf(NULL, 0, "%s: expected %s, got %s", what, expected, got);
	char *msg = malloc((size_t)n + 1);
	if (msg)
		snprintf(msg, (size_t)n + 1, "%s: expected %s, got %s", what, expected, got);
	/* CUnit copies the message into its failure record */
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, line, msg ? msg : what, file, "",
				CU_FALSE);
	free(msg);
}

/* A case with patient BAD (attributes `bad_attrs`, children `bad_body`) and patient OK, whose
 * one outpatient encounter is valid. Static buffer, valid until the next call. */
static const char *case_doc(const char *bad_attrs, const char *bad_body)
{
	static char buf[16384];
	snprintf(buf, sizeof buf,
		 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		 "<case ruleset=\"fx-2023\">\n"
		 "  <period from=\"2026-03-01\" to=\"2026-04-01\"/>\n"
		 "  <patient id=\"BAD\" %s>\n"
		 "%s"
		 "  </patient>\n"
		 "  <patient id=\"OK\" scheme=\"employee\" retired=\"false\">\n"
		 "    <encounter id=\"E1\" institution=\"H1\" setting=\"outpatient\" date=\"2026-03-02\">\n"
		 "      <line id=\"OK-1\" item=\"SVC-A1\" qty=\"1\" at=\"2026-03-02T09:00\"/>\n"
		 "    </encounter>\n"
		 "  </patient>\n"
		 "</case>\n",
		 bad_attrs ? bad_attrs : "scheme=\"employee\" retired=\"false\"", bad_body);
	return buf;
}

/* An outpatient encounter E1 at H1 on 2026-03-02 holding `lines`. */
static const char *outpatient(const char *lines)
{
	static char buf[8192];
	snprintf(buf, sizeof buf,
		 "    <encounter id=\"E1\" institution=\"H1\" setting=\"outpatient\" date=\"2026-03-02\">\n"
		 "%s"
		 "    </encounter>\n",
		 lines);
	return buf;
}


static cb_result *price(const char *doc)
{
	cb_result *res = NULL;
	int rc = cb_case_price_buffer(&res, fx, doc, strlen(doc), NAME, NULL);
	report(rc == CB_OK && res != NULL, "cb_case_price_buffer", "0 and a result",
	       cb_error_last(), __FILE__, __LINE__);
	return res;
}

/* All findings, one per line, for failure messages. */
static const char *all_findings(const cb_result *res)
{
	static char buf[8192];
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < cb_result_finding_count(res) && used < sizeof buf; i++) {
		const cb_finding *f = cb_result_finding(res, i);
		used += (size_t)snprintf(buf + used, sizeof buf - used, "[%s %s %s ref=%s line=%lu: %s] ",
					 f->severity, f->code, f->patient ? f->patient : "-",
					 f->ref ? f->ref : "-", f->line, f->message);
	}
	return buf;
}

static const cb_patient *patient(const cb_result *res, const char *id)
{
	for (size_t i = 0; i < cb_result_patient_count(res); i++) {
		const cb_patient *p = cb_result_patient(res, i);
		if (strcmp(p->id, id) == 0)
			return p;
	}
	return NULL;
}

/*
 * Price `doc` (made by case_doc) and check that its only finding is `code`: severity error,
 * patient BAD, on the line of `needle`, in file NAME, with a message that mentions every
 * NULL-terminated string that follows; BAD is held, OK is billed, the case is HELD.
 */
static void check_code(const char *doc, const char *code, const char *needle, const char *file,
		       unsigned line, ...)
{
	cb_result *res = price(doc);
	if (!res)
		return;
	char want[256], got[256];
	snprintf(want, sizeof want, "exactly one finding, %s", code);
	report(cb_result_finding_count(res) == 1, "findings", want, all_findings(res), file, line);
	const cb_finding *f = NULL;
	for (size_t i = 0; i < cb_result_finding_count(res); i++)
		if (strcmp(cb_result_finding(res, i)->code, code) == 0 && !f)
			f = cb_result_finding(res, i);
	report(f != NULL, "finding code", code, all_findings(res), file, line);
	if (f) {
		report(strcmp(f->severity, "error") == 0, "severity", "error", f->severity, file,
		       line);
		report(f->patient && strcmp(f->patient, "BAD") == 0, "patient", "BAD",
		       f->patient ? f->patient : "(null)", file, line);
		unsigned long want_line = cb_test_line_of(doc, needle);
		snprintf(want, sizeof want, "line %lu (%s)", want_line, needle);
		snprintf(got, sizeof got, "line %lu", f->line);
		report(want_line > 0 && f->line == want_line, "source line", want, got, file, line);
		report(f->file && strcmp(f->file, NAME) == 0, "file", NAME,
		       f->file ? f->file : "(null)", file, line);
		report(f->ref && f->ref[0], "ref", "the element's id", f->ref ? f->ref : "(null)",
		       file, line);
		report(f->rule && f->rule[0], "rule", "a clause id", f->rule ? f->rule : "(null)",
		       file, line);
		va_list ap;
		va_start(ap, line);
		for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *)) {
			snprintf(want, sizeof want, "a message mentioning '%s'", s);
			report(strstr(f->message, s) != NULL, "message", want, f->message, file,
			       line);
		}
		va_end(ap);
	}
	const cb_patient *bad = patient(res, "BAD"), *ok = patient(res, "OK");
	report(bad && bad->held && bad->bill_count == 0, "patient BAD", "held, no bills",
	       bad ? (bad->held ? "held" : "billed") : "missing", file, line);
	report(ok && !ok->held && ok->bill_count == 1, "patient OK", "billed, one bill",
	       ok ? (ok->held ? "held" : "billed") : "missing", file, line);
	snprintf(got, sizeof got, "%d", (int)cb_result_get_status(res));
	report(cb_result_get_status(res) == CB_RESULT_HELD, "status", "1 (held)", got, file, line);
	/* the held patient is in no claim */
	for (size_t c = 0; c < cb_result_claim_count(res); c++) {
		const cb_claim *cl = cb_result_claim(res, c);
		for (size_t i = 0; i < cl->item_count; i++)
			report(strcmp(cb_claim_item_at(cl, i)->patient, "BAD") != 0, "claim item",
			       "no item of BAD", cb_claim_item_at(cl, i)->unit, file, line);
	}
	cb_result_free(res);
}

#define ASSERT_CODE(doc, code, needle, ...) \
	check_code((doc), (code), (needle), __FILE__, __LINE__, __VA_ARGS__, (const char *)NULL)

/* `doc` (made by case_doc) has no finding at all and every patient is billed. */
static void check_clean(const char *doc, const char *file, unsigned line)
{
	cb_result *res = price(doc);
	if (!res)
		return;
	report(cb_result_finding_count(res) == 0, "no findings", "none", all_findings(res), file,
	       line);
	char got[32];
	snprintf(got, sizeof got, "%d", (int)cb_result_get_status(res));
	report(cb_result_get_status(res) == CB_RESULT_BILLED, "status", "0 (billed)", got, file,
	       line);
	const cb_patient *bad = patient(res, "BAD");
	report(bad && !bad->held, "patient BAD", "billed", bad ? "held" : "missing", file, line);
	cb_result_free(res);
}

#define ASSERT_CLEAN(doc) check_clean((doc), __FILE__, __LINE__)

/* A rejected document: status REJECTED, no patients or claims, and every finding is a
 * document-level error; one of them has `code`, the line of `needle` (0: not checked) and a
 * message mentioning `mention`. */
static void check_rejected(const char *doc, size_t len, const char *code, const char *needle,
			   const char *mention, const char *file, unsigned line)
{
	cb_result *res = NULL;
	int rc = cb_case_price_buffer(&res, fx, doc, len, NAME, NULL);
	char got[512];
	snprintf(got, sizeof got, "%d (%s) %s", rc, cb_strerror(rc), cb_error_last());
	report(rc == CB_OK && res, "rejected document still gives a result", "0", got, file, line);
	if (!res)
		return;
	snprintf(got, sizeof got, "%d", (int)cb_result_get_status(res));
	report(cb_result_get_status(res) == CB_RESULT_REJECTED, "status", "2 (rejected)", got,
	       file, line);
	CU_ASSERT_EQUAL(cb_result_patient_count(res), 0);
	CU_ASSERT_EQUAL(cb_result_claim_count(res), 0);
	report(cb_result_finding_count(res) >= 1, "findings", "at least one", "none", file, line);
	const cb_finding *hit = NULL;
	for (size_t i = 0; i < cb_result_finding_count(res); i++) {
		const cb_finding *f = cb_result_finding(res, i);
		report(strcmp(f->severity, "error") == 0 && f->patient == NULL,
		       "document-level finding", "error without patient", all_findings(res), file,
		       line);
		if (!hit && strcmp(f->code, code) == 0 &&
		    (!needle || f->line == cb_test_line_of(doc, needle)) && strstr(f->message, mention))
			hit = f;
	}
	char want[512];
	snprintf(want, sizeof want, "%s on line %lu mentioning '%s'", code,
		 needle ? cb_test_line_of(doc, needle) : 0, mention);
	report(hit != NULL, "finding", want, all_findings(res), file, line);
	/* the claim document is still written, with the findings only */
	char *xml = NULL;
	size_t xlen = 0;
	CU_ASSERT_EQUAL(cb_result_write_buffer(res, &xml, &xlen), CB_OK);
	if (xml) {
		CU_ASSERT_PTR_NULL(strstr(xml, "<patient"));
		CU_ASSERT_PTR_NULL(strstr(xml, "<claim "));
		snprintf(want, sizeof want, "code=\"%s\"", code);
		CU_ASSERT_PTR_NOT_NULL(strstr(xml, want));
	}
	cb_buffer_free(xml);
	cb_result_free(res);
}

#define ASSERT_REJECTED(doc, code, needle, mention) \
	check_rejected((doc), strlen(doc), (code), (needle), (mention), __FILE__, __LINE__)

/* ---- [NUM-1] BAD_DECIMAL ------------------------------------------------------------- */

static void test_case_bad_decimal_line_qty(void)
{
	const char *doc = case_doc(NULL, outpatient(
		"      <line id=\"B-1\" item=\"SVC-A1\" qty=\"1.2345\" at=\"2026-03-02T09:00\"/>\n"));
	ASSERT_CODE(doc, "BAD_DECIMAL", "qty=\"1.2345\"", "line", "qty", "1.2345");
}

static void test_case_bad_decimal_line_price(void)
{
	const char *doc = case_doc(NULL, outpatient(
		"      <line id=\"B-1\" item=\"DRG-A2\" qty=\"1\" price=\"0.1234567\" at=\"2026-03-02T09:00\"/>\n"));
	ASSERT_CODE(doc, "BAD_DECIMAL", "0.1234567", "line", "price", "0.1234567");
	doc = case_doc(NULL, outpatient(
		"      <line id=\"B-1\" item=\"DRG-A2\" qty=\"1\" price=\"-1.00\" at=\"2026-03-02T09:00\"/>\n"));
	ASSERT_CODE(doc, "BAD_DECIMAL", "-1.00", "line", "price", "-1.00");
	doc = case_doc(NULL, outpatient(
		"      <line id=\"B-1\" item=\"DRG-A2\" qty=\"1\" price=\"1e2\" at=\"2026-03-02T09:00\"/>\n"));
	ASSERT_CODE(doc, "BAD_DECIMAL", "1e2", "line", "price", "1e2");
}

static void test_case_bad_decimal_accumulators(void)
{
	const char *doc = case_doc(NULL,
		"    <accumulators year=\"2026\" outpatient-deductible-used=\"10.001\"/>\n");
	ASSERT_CODE(doc, "BAD_DECIMAL", "10.001", "accumulators", "outpatient-deductible-used",
		    "10.001");
	doc = case_doc(NULL, "    <accumulators year=\"2026\" inpatient-fund-paid=\"1,000.00\"/>\n");
	ASSERT_CODE(doc, "BAD_DECIMAL", "1,000.00", "accumulators", "inpatient-fund-paid",
		    "1,000.00");
}

static void test_case_bad_decimal_visit_distance_and_staff(void)
{
	const char *doc = case_doc(NULL,
		"    <visit id=\"V1\" institution=\"H1\" at=\"2026-03-02T10:00\" distance-km=\"1.2345\"/>\n");
	ASSERT_CODE(doc, "BAD_DECIMAL", "<visit", "visit", "distance-km", "1.2345");
	doc = case_doc(NULL,
		"    <visit id=\"V1\" institution=\"H1\" at=\"2026-03-02T10:00\" distance-km=\"2\" staff=\"1.5\"/>\n");
	ASSERT_CODE(doc, "BAD_DECIMAL", "<visit", "visit", "staff", "1.5");
}

static void test_case_bad_decimal_covers(void)
{
	const char *doc = case_doc(NULL,
		"    <contract id=\"FD-1\" type=\"family-doctor\" payer=\"PHS\" from=\"2026-01-01\">\n"
		"      <cover item=\"SVC-A1\" quota=\"1.5\" window=\"year\"/>\n"
		"    </contract>\n");
	ASSERT_CODE(doc, "BAD_DECIMAL", "<cover", "cover", "quota", "1.5");
	doc = case_doc(NULL,
		"    <contract id=\"CI-1\" type=\"commercial\" payer=\"INS\" from=\"2026-01-01\">\n"
		"      <cover item=\"EC-MEAL\" ratio=\"1.5\" annual-cap=\"100.00\"/>\n"
		"    </contract>\n");
	ASSERT_CODE(doc, "BAD_DECIMAL", "<cover", "cover", "ratio", "1.5");
}

/* ---- [NUM-5] BAD_DATE ---------------------------------------------------------------- */

static void test_case_bad_date_encounter(void)
{
	const char *doc = case_doc(NULL,
		"    <encounter id=\"E1\" institution=\"H1\" setting=\"outpatient\" date=\"2026-02-30\"/>\n");
	ASSERT_CODE(doc, "BAD_DATE", "2026-02-30", "encounter", "date", "2026-02-30");
}

static void test_case_bad_date_line_time(void)
{
	const char *doc = case_doc(NULL, outpatient(
		"      <line id=\"B-1\" item=\"SVC-A1\" qty=\"1\" at=\"2026-03-02T24:00\"/>\n"));
	ASSERT_CODE(doc, "BAD_DATE", "T24:00", "line", "at", "2026-03-02T24:00");
	doc = case_doc(NULL, outpatient(
		"      <line id=\"B-1\" item=\"SVC-A1\" qty=\"1\" at=\"2026-03-02 09:00\"/>\n"));
	ASSERT_CODE(doc, "BAD_DATE", "2026-03-02 09:00", "line", "at", "2026-03-02 09:00");
}

static void test_case_bad_date_discharge_before_admit(void)
{
	const char *doc = case_doc(NULL,
		"    <encounter id=\"E1\" institution=\"H1\" setting=\"inpatient\" admit=\"2026-03-05\" discharge=\"2026-03-04\"/>\n");
	ASSERT_CODE(doc, "BAD_DATE", "admit=", "encounter", "discharge", "2026-03-04");
}

static void test_case_bad_date_contract_and_stay(void)
{
	const char *doc = case_doc(NULL,
		"    <contract id=\"LTC-1\" type=\"ltc\" grade=\"2\" from=\"2026-13-01\"/>\n");
	ASSERT_CODE(doc, "BAD_DATE", "2026-13-01", "contract", "from", "2026-13-01");
	doc = case_doc(NULL,
		"    <stay id=\"S1\" institution=\"H1\" bed=\"EC-BED-1\" from=\"2026-03-10\" to=\"2026-03-05\"/>\n");
	ASSERT_CODE(doc, "BAD_DATE", "<stay", "stay", "to", "2026-03-05");
	doc = case_doc(NULL, "    <accumulators year=\"26\"/>\n");
	ASSERT_CODE(doc, "BAD_DATE", "<accumulators", "accumulators", "year", "26");
}

/* ---- [CASE-2] unknown codes, wrong track, not priced --------------------------------- */

static void test_case_unknown_item(void)
{
	const char *doc = case_doc(NULL, outpatient(
		"      <line id=\"B-1\" item=\"ZZ-9\" qty=\"1\" price=\"1.00\" at=\"2026-03-02T09:00\"/>\n"));
	ASSERT_CODE(doc, "UNKNOWN_ITEM", "ZZ-9", "line", "item", "ZZ-9");
	doc = case_doc(NULL,
		"    <stay id=\"S1\" institution=\"H1\" bed=\"EC-BED-9\" from=\"2026-03-01\"/>\n");
	ASSERT_CODE(doc, "UNKNOWN_ITEM", "EC-BED-9", "stay", "bed", "EC-BED-9");
	doc = case_doc(NULL,
		"    <contract id=\"FD-1\" type=\"family-doctor\" payer=\"PHS\" from=\"2026-01-01\">\n"
		"      <cover item=\"ZZ-9\" quota=\"1\" window=\"year\"/>\n"
		"    </contract>\n");
	ASSERT_CODE(doc, "UNKNOWN_ITEM", "ZZ-9", "cover", "item", "ZZ-9");
}

static void test_case_unknown_institution(void)
{
	const char *doc = case_doc(NULL,
		"    <encounter id=\"E1\" institution=\"H9\" setting=\"outpatient\" date=\"2026-03-02\">\n"
		"      <line id=\"B-1\" item=\"SVC-A1\" qty=\"1\" at=\"2026-03-02T09:00\"/>\n"
		"    </encounter>\n");
	ASSERT_CODE(doc, "UNKNOWN_INSTITUTION", "H9", "encounter", "institution", "H9");
	doc = case_doc(NULL,
		"    <service id=\"M1\" institution=\"H9\" item=\"EC-MEAL\" qty=\"1\" at=\"2026-03-02T12:00\"/>\n");
	ASSERT_CODE(doc, "UNKNOWN_INSTITUTION", "H9", "service", "institution", "H9");
}

static void test_case_wrong_track(void)
{
	const char *doc = case_doc(NULL, outpatient(
		"      <line id=\"B-1\" item=\"EC-BED-1\" qty=\"1\" price=\"80.00\" at=\"2026-03-02T09:00\"/>\n"));
	ASSERT_CODE(doc, "WRONG_TRACK", "EC-BED-1", "line", "EC-BED-1");
	doc = case_doc(NULL, outpatient(
		"      <line id=\"B-1\" item=\"HV-FEE\" qty=\"1\" price=\"30.00\" at=\"2026-03-02T09:00\"/>\n"));
	ASSERT_CODE(doc, "WRONG_TRACK", "HV-FEE", "line", "HV-FEE");
	doc = case_doc(NULL,
		"    <stay id=\"S1\" institution=\"H1\" bed=\"EC-NUR-1\" from=\"2026-03-01\"/>\n");
	ASSERT_CODE(doc, "WRONG_TRACK", "<stay", "stay", "bed", "EC-NUR-1");
	doc = case_doc(NULL,
		"    <service id=\"M1\" institution=\"H1\" item=\"SVC-A1\" qty=\"1\" at=\"2026-03-02T12:00\"/>\n");
	ASSERT_CODE(doc, "WRONG_TRACK", "<service", "service", "item", "SVC-A1");
	doc = case_doc(NULL,
		"    <contract id=\"CI-1\" type=\"commercial\" payer=\"INS\" from=\"2026-01-01\">\n"
		"      <cover item=\"SVC-A1\" ratio=\"0.50\" annual-cap=\"100.00\"/>\n"
		"    </contract>\n");
	ASSERT_CODE(doc, "WRONG_TRACK", "<cover", "cover", "SVC-A1");
}

static void test_case_not_priced(void)
{
	/* H2 has no home-visit schedule ([HV-4]) */
	const char *doc = case_doc(NULL,
		"    <visit id=\"V1\" institution=\"H2\" at=\"2026-03-02T10:00\" distance-km=\"2\"/>\n");
	ASSERT_CODE(doc, "NOT_PRICED", "<visit", "visit", "H2");
	/* H3 prices no elder-care item ([RULE-2]) */
	doc = case_doc(NULL,
		"    <stay id=\"S1\" institution=\"H3\" bed=\"EC-BED-1\" from=\"2026-03-01\"/>\n");
	ASSERT_CODE(doc, "NOT_PRICED", "<stay", "stay", "H3", "EC-BED-1");
	doc = case_doc(NULL,
		"    <service id=\"M1\" institution=\"H2\" item=\"EC-MEAL\" qty=\"1\" at=\"2026-03-02T12:00\"/>\n");
	ASSERT_CODE(doc, "NOT_PRICED", "<service", "service", "H2", "EC-MEAL");
	doc = case_doc(NULL,
		"    <stay id=\"S1\" institution=\"H2\" bed=\"EC-BED-1\" nursing=\"EC-NUR-1\" from=\"2026-03-01\"/>\n");
	ASSERT_CODE(doc, "NOT_PRICED", "<stay", "stay", "H2", "EC-NUR-1");
}

/* ---- [CASE-3] prices ----------------------------------------------------------------- */

static void test_case_price_mismatch(void)
{
	const char *doc = case_doc(NULL, outpatient(
		"      <line id=\"B-1\" item=\"SVC-A1\" qty=\"1\" price=\"9.99\" at=\"2026-03-02T09:00\"/>\n"));
	ASSERT_CODE(doc, "PRICE_MISMATCH", "9.99", "line", "price", "9.99", "10.00");
}

static void test_case_missing_price(void)
{
	const char *doc = case_doc(NULL, outpatient(
		"      <line id=\"B-1\" item=\"DRG-A2\" qty=\"1\" at=\"2026-03-02T09:00\"/>\n"));
	ASSERT_CODE(doc, "MISSING_PRICE", "DRG-A2", "line", "B-1", "DRG-A2");
	doc = case_doc(NULL, outpatient(
		"      <line id=\"B-1\" item=\"CON-A1\" qty=\"1\" at=\"2026-03-02T09:00\"/>\n"));
	ASSERT_CODE(doc, "MISSING_PRICE", "CON-A1", "line", "B-1", "CON-A1");
}

/* A service price equal to the catalogue's, written differently, is no mismatch; a service
 * line may omit its price. */
static void test_case_price_equal_numerically_is_fine(void)
{
	ASSERT_CLEAN(case_doc(NULL, outpatient(
		"      <line id=\"B-1\" item=\"SVC-A1\" qty=\"1\" price=\"10\" at=\"2026-03-02T09:00\"/>\n"
		"      <line id=\"B-2\" item=\"SVC-A1\" qty=\"1\" price=\"10.000000\" at=\"2026-03-02T09:01\"/>\n"
		"      <line id=\"B-3\" item=\"SVC-A1\" qty=\"1\" at=\"2026-03-02T09:02\"/>\n"
		"      <line id=\"B-4\" item=\"DRG-A2\" qty=\"1\" price=\"0\" at=\"2026-03-02T09:03\"/>\n")));
}

/* ---- [CASE-2] quantities and [CASE-2]/[CASE-4] dates inside units -------------------- */

static void test_case_bad_qty(void)
{
	const char *doc = case_doc(NULL, outpatient(
		"      <line id=\"B-1\" item=\"SVC-A1\" qty=\"0\" at=\"2026-03-02T09:00\"/>\n"));
	ASSERT_CODE(doc, "BAD_QTY", "qty=\"0\"", "line", "qty", "0");
	doc = case_doc(NULL, outpatient(
		"      <line id=\"B-1\" item=\"SVC-A1\" qty=\"0.000\" at=\"2026-03-02T09:00\"/>\n"));
	ASSERT_CODE(doc, "BAD_QTY", "qty=\"0.000\"", "line", "qty", "0.000");
	doc = case_doc(NULL,
		"    <service id=\"M1\" institution=\"H1\" item=\"EC-MEAL\" qty=\"0\" at=\"2026-03-02T12:00\"/>\n");
	ASSERT_CODE(doc, "BAD_QTY", "<service", "service", "qty", "0");
	doc = case_doc(NULL,
		"    <visit id=\"V1\" institution=\"H1\" at=\"2026-03-02T10:00\" distance-km=\"2\" staff=\"0\"/>\n");
	ASSERT_CODE(doc, "BAD_QTY", "<visit", "visit", "staff", "0");
}

static void test_case_line_outside_unit(void)
{
	const char *doc = case_doc(NULL, outpatient(
		"      <line id=\"B-1\" item=\"SVC-A1\" qty=\"1\" at=\"2026-03-03T09:00\"/>\n"));
	ASSERT_CODE(doc, "LINE_OUTSIDE_UNIT", "B-1", "line", "2026-03-03T09:00", "E1");
	doc = case_doc(NULL,
		"    <encounter id=\"E1\" institution=\"H1\" setting=\"inpatient\" admit=\"2026-03-05\" discharge=\"2026-03-08\">\n"
		"      <line id=\"B-1\" item=\"SVC-A1\" qty=\"1\" at=\"2026-03-09T09:00\"/>\n"
		"    </encounter>\n");
	ASSERT_CODE(doc, "LINE_OUTSIDE_UNIT", "B-1", "line", "2026-03-09T09:00", "E1");
	doc = case_doc(NULL,
		"    <encounter id=\"E1\" institution=\"H1\" setting=\"inpatient\" admit=\"2026-03-05\" discharge=\"2026-03-08\">\n"
		"      <line id=\"B-1\" item=\"SVC-A1\" qty=\"1\" at=\"2026-03-04T23:59\"/>\n"
		"    </encounter>\n");
	ASSERT_CODE(doc, "LINE_OUTSIDE_UNIT", "B-1", "line", "2026-03-04T23:59", "E1");
	doc = case_doc(NULL,
		"    <visit id=\"V1\" institution=\"H1\" at=\"2026-03-02T10:00\" distance-km=\"2\">\n"
		"      <line id=\"B-1\" item=\"SVC-A1\" qty=\"1\" at=\"2026-03-03T00:00\"/>\n"
		"    </visit>\n");
	ASSERT_CODE(doc, "LINE_OUTSIDE_UNIT", "B-1", "line", "2026-03-03T00:00", "V1");
	/* [CASE-4] a per-use service on the period's end date (exclusive) */
	doc = case_doc(NULL,
		"    <service id=\"M1\" institution=\"H1\" item=\"EC-MEAL\" qty=\"1\" at=\"2026-04-01T12:00\"/>\n");
	ASSERT_CODE(doc, "LINE_OUTSIDE_UNIT", "<service", "service", "2026-04-01T12:00");
	doc = case_doc(NULL,
		"    <service id=\"M1\" institution=\"H1\" item=\"EC-MEAL\" qty=\"1\" at=\"2026-02-28T12:00\"/>\n");
	ASSERT_CODE(doc, "LINE_OUTSIDE_UNIT", "<service", "service", "2026-02-28T12:00");
}

/* The edges that are inside: admit and discharge days, the period's first and last days,
 * an encounter outside the period (the period bounds elder care only), a visit at the radius. */
static void test_case_edges_inside_are_fine(void)
{
	ASSERT_CLEAN(case_doc(NULL,
		"    <encounter id=\"E1\" institution=\"H1\" setting=\"inpatient\" admit=\"2026-03-05\" discharge=\"2026-03-08\">\n"
		"      <line id=\"B-1\" item=\"SVC-A1\" qty=\"1\" at=\"2026-03-05T00:00\"/>\n"
		"      <line id=\"B-2\" item=\"SVC-A1\" qty=\"1\" at=\"2026-03-08T23:59:59\"/>\n"
		"    </encounter>\n"
		"    <encounter id=\"E2\" institution=\"H2\" setting=\"outpatient\" date=\"2025-12-31\">\n"
		"      <line id=\"B-3\" item=\"SVC-A1\" qty=\"0.001\" at=\"2025-12-31T23:59\"/>\n"
		"    </encounter>\n"
		"    <service id=\"M1\" institution=\"H1\" item=\"EC-MEAL\" qty=\"1\" at=\"2026-03-01T00:00\"/>\n"
		"    <service id=\"M2\" institution=\"H1\" item=\"EC-MEAL\" qty=\"1\" at=\"2026-03-31T23:59\"/>\n"
		"    <visit id=\"V1\" institution=\"H1\" at=\"2026-03-02T10:00\" distance-km=\"10.000\" staff=\"1\"/>\n"
		"    <stay id=\"S1\" institution=\"H1\" bed=\"EC-BED-1\" from=\"2026-03-01\" to=\"2026-03-10\"/>\n"
		"    <stay id=\"S2\" institution=\"H2\" bed=\"EC-BED-1\" from=\"2026-03-10\" to=\"2026-03-10\"/>\n"
		"    <stay id=\"S3\" institution=\"H1\" bed=\"EC-BED-1\" from=\"2026-03-11\"/>\n"));
}

/* ---- [CASE-1] ids -------------------------------------------------------------------- */

static void test_case_duplicate_unit_id(void)
{
	const char *doc = case_doc(NULL,
		"    <encounter id=\"E1\" institution=\"H1\" setting=\"outpatient\" date=\"2026-03-02\"/>\n"
		"    <encounter id=\"E1\" institution=\"H1\" setting=\"outpatient\" date=\"2026-03-03\"/>\n");
	ASSERT_CODE(doc, "DUPLICATE_ID", "2026-03-03", "encounter", "E1");
	doc = case_doc(NULL,
		"    <encounter id=\"X1\" institution=\"H1\" setting=\"outpatient\" date=\"2026-03-02\"/>\n"
		"    <stay id=\"X1\" institution=\"H1\" bed=\"EC-BED-1\" from=\"2026-03-01\"/>\n");
	ASSERT_CODE(doc, "DUPLICATE_ID", "<stay", "stay", "X1");
	doc = case_doc(NULL,
		"    <service id=\"X1\" institution=\"H1\" item=\"EC-MEAL\" qty=\"1\" at=\"2026-03-02T12:00\"/>\n"
		"    <visit id=\"X1\" institution=\"H1\" at=\"2026-03-02T10:00\" distance-km=\"2\"/>\n");
	ASSERT_CODE(doc, "DUPLICATE_ID", "<visit", "visit", "X1");
}

static void test_case_duplicate_contract_id(void)
{
	const char *doc = case_doc(NULL,
		"    <contract id=\"K1\" type=\"ltc\" grade=\"2\" from=\"2026-01-01\"/>\n"
		"    <contract id=\"K1\" type=\"family-doctor\" payer=\"PHS\" from=\"2026-01-01\"/>\n");
	ASSERT_CODE(doc, "DUPLICATE_ID", "family-doctor", "contract", "K1");
}

/* A contract id may equal a unit id: they are two namespaces ([CASE-1]). */
static void test_case_contract_and_unit_namespaces_are_separate(void)
{
	ASSERT_CLEAN(case_doc(NULL,
		"    <contract id=\"E1\" type=\"ltc\" grade=\"2\" from=\"2026-01-01\"/>\n"
		"    <encounter id=\"E1\" institution=\"H1\" setting=\"outpatient\" date=\"2026-03-02\"/>\n"));
}

static void test_case_duplicate_patient_id(void)
{
	const char *doc =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<case ruleset=\"fx-2023\">\n"
		"  <period from=\"2026-03-01\" to=\"2026-04-01\"/>\n"
		"  <patient id=\"BAD\" scheme=\"employee\" retired=\"false\"/>\n"
		"  <patient id=\"OK\" scheme=\"employee\" retired=\"false\">\n"
		"    <encounter id=\"E1\" institution=\"H1\" setting=\"outpatient\" date=\"2026-03-02\">\n"
		"      <line id=\"OK-1\" item=\"SVC-A1\" qty=\"1\" at=\"2026-03-02T09:00\"/>\n"
		"    </encounter>\n"
		"  </patient>\n"
		"  <patient id=\"BAD\" scheme=\"resident\" retired=\"true\"/>\n"
		"</case>\n";
	ASSERT_CODE(doc, "DUPLICATE_ID", "scheme=\"resident\"", "patient", "BAD");
	cb_result *res = price(doc);
	if (res)
		CU_ASSERT_EQUAL(cb_result_patient_count(res), 2);
	cb_result_free(res);
}

/* ---- [CASE-4] STAY_OVERLAP, [HV-2] OUT_OF_RADIUS, [RULE-3] NO_POLICY ------------------- */

static void test_case_stay_overlap(void)
{
	const char *doc = case_doc(NULL,
		"    <stay id=\"S1\" institution=\"H1\" bed=\"EC-BED-1\" from=\"2026-03-01\" to=\"2026-03-10\"/>\n"
		"    <stay id=\"S2\" institution=\"H2\" bed=\"EC-BED-1\" from=\"2026-03-09\" to=\"2026-03-20\"/>\n");
	ASSERT_CODE(doc, "STAY_OVERLAP", "S2", "stay", "S2", "S1");
	/* an open stay overlaps everything after its start */
	doc = case_doc(NULL,
		"    <stay id=\"S1\" institution=\"H1\" bed=\"EC-BED-1\" from=\"2026-03-01\"/>\n"
		"    <stay id=\"S2\" institution=\"H1\" bed=\"EC-BED-1\" from=\"2026-03-25\" to=\"2026-03-26\"/>\n");
	ASSERT_CODE(doc, "STAY_OVERLAP", "S2", "stay", "S2", "S1");
	/* a same-day stay occupies its day ([NUM-6]); the finding is on the later stay in
	 * [ORD-1] order (S1 starts later), whatever the document order */
	doc = case_doc(NULL,
		"    <stay id=\"S1\" institution=\"H1\" bed=\"EC-BED-1\" from=\"2026-03-05\" to=\"2026-03-05\"/>\n"
		"    <stay id=\"S2\" institution=\"H2\" bed=\"EC-BED-1\" from=\"2026-03-01\" to=\"2026-03-06\"/>\n");
	ASSERT_CODE(doc, "STAY_OVERLAP", "S1", "stay", "S1", "S2");
}

static void test_case_out_of_radius(void)
{
	const char *doc = case_doc(NULL,
		"    <visit id=\"V1\" institution=\"H1\" at=\"2026-03-02T10:00\" distance-km=\"10.001\"/>\n");
	ASSERT_CODE(doc, "OUT_OF_RADIUS", "<visit", "visit", "distance-km", "10.001", "10");
}

static void test_case_no_policy(void)
{
	const char *doc = case_doc("scheme=\"resident\" retired=\"true\"",
		"    <encounter id=\"E2\" institution=\"H1\" setting=\"inpatient\" admit=\"2026-03-05\" discharge=\"2026-03-06\">\n"
		"      <line id=\"B-1\" item=\"SVC-A1\" qty=\"1\" at=\"2026-03-05T09:00\"/>\n"
		"    </encounter>\n");
	ASSERT_CODE(doc, "NO_POLICY", "E2", "encounter", "E2", "resident/inpatient/1/retired");
	/* the same patient's outpatient encounter at H1 has a row */
	ASSERT_CLEAN(case_doc("scheme=\"resident\" retired=\"true\"", outpatient(
		"      <line id=\"B-1\" item=\"SVC-A1\" qty=\"1\" at=\"2026-03-02T09:00\"/>\n")));
}

/* ---- [CASE-6] every error, patients independent --------------------------------------- */

static void test_case_every_error_is_reported(void)
{
	const char *doc = case_doc(NULL,
		"    <encounter id=\"E1\" institution=\"H1\" setting=\"outpatient\" date=\"2026-03-02\">\n"
		"      <line id=\"B-1\" item=\"ZZ-9\" qty=\"1\" price=\"1.00\" at=\"2026-03-02T09:00\"/>\n"
		"      <line id=\"B-2\" item=\"SVC-A1\" qty=\"-1\" at=\"2026-03-02T09:00\"/>\n"
		"      <line id=\"B-3\" item=\"DRG-A2\" qty=\"1\" at=\"2026-03-02T09:00\"/>\n"
		"    </encounter>\n"
		"    <visit id=\"V1\" institution=\"H2\" at=\"2026-03-02T10:00\" distance-km=\"2\"/>\n");
	cb_result *res = price(doc);
	if (!res)
		return;
	static const char *codes[] = {"UNKNOWN_ITEM", "BAD_DECIMAL", "MISSING_PRICE", "NOT_PRICED"};
	report(cb_result_finding_count(res) == 4, "findings", "4 errors", all_findings(res),
	       __FILE__, __LINE__);
	for (size_t c = 0; c < 4; c++) {
		int found = 0;
		for (size_t i = 0; i < cb_result_finding_count(res); i++) {
			const cb_finding *f = cb_result_finding(res, i);
			found += strcmp(f->code, codes[c]) == 0 && strcmp(f->patient, "BAD") == 0;
		}
		report(found == 1, "finding", codes[c], all_findings(res), __FILE__, __LINE__);
	}
	/* held patient: no bills and no statement in the document, OK billed and claimed */
	char *xml = NULL;
	size_t len = 0;
	CU_ASSERT_EQUAL(cb_result_write_buffer(res, &xml, &len), CB_OK);
	if (xml) {
		CU_ASSERT_PTR_NOT_NULL(strstr(xml, "<patient id=\"BAD\" status=\"held\"/>"));
		CU_ASSERT_PTR_NOT_NULL(strstr(xml, "<patient id=\"OK\" status=\"billed\">"));
		CU_ASSERT_PTR_NULL(strstr(xml, "patient=\"BAD\" unit="));
	}
	cb_buffer_free(xml);
	cb_result_free(res);
}

/* Input errors of a patient are listed by ref, then code (claim-format "Findings"). */
static void test_case_findings_sorted_by_ref_then_code(void)
{
	const char *doc = case_doc(NULL,
		"    <visit id=\"V9\" institution=\"H2\" at=\"2026-03-02T10:00\" distance-km=\"2\"/>\n"
		"    <encounter id=\"E1\" institution=\"H9\" setting=\"outpatient\" date=\"2026-02-30\"/>\n"
		"    <encounter id=\"A1\" institution=\"H1\" setting=\"outpatient\" date=\"2026-03-02\">\n"
		"      <line id=\"B-1\" item=\"ZZ-9\" qty=\"1\" price=\"1.00\" at=\"2026-03-02T09:00\"/>\n"
		"    </encounter>\n");
	cb_result *res = price(doc);
	if (!res)
		return;
	static const char *want[][2] = {
		{"B-1", "UNKNOWN_ITEM"}, {"E1", "BAD_DATE"}, {"E1", "UNKNOWN_INSTITUTION"},
		{"V9", "NOT_PRICED"},
	};
	report(cb_result_finding_count(res) == 4, "findings", "4", all_findings(res), __FILE__,
	       __LINE__);
	for (size_t i = 0; i < 4 && i < cb_result_finding_count(res); i++) {
		const cb_finding *f = cb_result_finding(res, i);
		char w[64];
		snprintf(w, sizeof w, "#%zu %s %s", i + 1, want[i][0], want[i][1]);
		report(strcmp(f->ref, want[i][0]) == 0 && strcmp(f->code, want[i][1]) == 0, "order",
		       w, all_findings(res), __FILE__, __LINE__);
	}
	cb_result_free(res);
}

/* Markup characters, a newline and non-ASCII text in ids and in the document's name reach
 * the claim document escaped: it stays well-formed and shows the values. A BOM and comments
 * are fine. */
static void test_case_special_characters_are_escaped(void)
{
	const char *doc =
		"\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<case ruleset=\"fx-2023\"><!-- a comment -->\n"
		"  <period from=\"2026-03-01\" to=\"2026-04-01\"><!-- inside --></period>\n"
		"  <patient id=\"A&amp;&lt;&quot;&#10;\xe7\x97\x85\xe4\xba\xba\" scheme=\"employee\" retired=\"1\">\n"
		"    <encounter id=\"E&amp;1\" institution=\"H1\" setting=\"outpatient\" date=\"2026-03-02\">\n"
		"      <line id=\"L&gt;1\" item=\"SVC-A1\" qty=\"1\" at=\"2026-03-02T09:00\"/>\n"
		"    </encounter>\n"
		"  </patient>\n"
		"</case>\n";
	cb_result *res = NULL;
	CU_ASSERT_EQUAL(cb_case_price_buffer(&res, fx, doc, strlen(doc), "a&b<\"c\".xml", NULL),
			CB_OK);
	if (!res)
		return;
	CU_ASSERT_EQUAL(cb_result_get_status(res), CB_RESULT_BILLED);
	const cb_patient *p = cb_result_patient(res, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_STRING_EQUAL(p->id, "A&<\"\n\xe7\x97\x85\xe4\xba\xba");
	const cb_bill *b = cb_patient_bill(p, 0);
	if (b) {
		CU_ASSERT_STRING_EQUAL(b->unit, "E&1");
		CU_ASSERT_STRING_EQUAL(cb_bill_line(b, 0)->id, "L>1");
	}
	char *xml = NULL;
	size_t len = 0;
	CU_ASSERT_EQUAL(cb_result_write_buffer(res, &xml, &len), CB_OK);
	if (xml) {
		CU_ASSERT_PTR_NOT_NULL(strstr(xml, "case=\"a&amp;b&lt;&quot;c&quot;.xml\""));
		CU_ASSERT_PTR_NOT_NULL(strstr(xml, "<patient id=\"A&amp;&lt;&quot;&#10;\xe7\x97\x85\xe4\xba\xba\" status=\"billed\">"));
		CU_ASSERT_PTR_NOT_NULL(strstr(xml, "unit=\"E&amp;1\""));
		CU_ASSERT_PTR_NOT_NULL(strstr(xml, "<line id=\"L&gt;1\""));
		/* and it is well-formed XML */
		xmlDocPtr back = xmlReadMemory(xml, (int)len, "claims.xml", NULL,
					       XML_PARSE_NONET | XML_PARSE_NOERROR |
						       XML_PARSE_NOWARNING);
		CU_ASSERT_PTR_NOT_NULL(back);
		xmlFreeDoc(back);
	}
	cb_buffer_free(xml);
	cb_result_free(res);
}

/* ---- [DOC-1] document-level ---------------------------------------------------------- */

static void test_case_schema_unknown_element(void)
{
	const char *doc = "<?xml version=\"1.0\"?>\n"
			  "<case ruleset=\"fx-2023\">\n"
			  "  <period from=\"2026-03-01\" to=\"2026-04-01\"/>\n"
			  "  <patient id=\"P1\" scheme=\"employee\" retired=\"false\">\n"
			  "    <prescription id=\"R1\"/>\n"
			  "  </patient>\n"
			  "</case>\n";
	ASSERT_REJECTED(doc, "SCHEMA", "<prescription", "prescription");
}

static void test_case_schema_unknown_attribute(void)
{
	const char *doc = "<?xml version=\"1.0\"?>\n"
			  "<case ruleset=\"fx-2023\">\n"
			  "  <period from=\"2026-03-01\" to=\"2026-04-01\"/>\n"
			  "  <patient id=\"P1\" scheme=\"employee\" retired=\"false\" vip=\"yes\"/>\n"
			  "</case>\n";
	ASSERT_REJECTED(doc, "SCHEMA", "vip=", "vip");
}

static void test_case_schema_missing_period(void)
{
	const char *doc = "<?xml version=\"1.0\"?>\n"
			  "<case ruleset=\"fx-2023\">\n"
			  "  <patient id=\"P1\" scheme=\"employee\" retired=\"false\"/>\n"
			  "</case>\n";
	ASSERT_REJECTED(doc, "SCHEMA", "<case", "period");
}

static void test_case_schema_two_periods(void)
{
	const char *doc = "<?xml version=\"1.0\"?>\n"
			  "<case ruleset=\"fx-2023\">\n"
			  "  <period from=\"2026-03-01\" to=\"2026-04-01\"/>\n"
			  "  <period from=\"2026-04-01\" to=\"2026-05-01\"/>\n"
			  "</case>\n";
	ASSERT_REJECTED(doc, "SCHEMA", "<case", "period");
}

static void test_case_schema_family_doctor_without_payer(void)
{
	const char *doc = "<?xml version=\"1.0\"?>\n"
			  "<case ruleset=\"fx-2023\">\n"
			  "  <period from=\"2026-03-01\" to=\"2026-04-01\"/>\n"
			  "  <patient id=\"P1\" scheme=\"employee\" retired=\"false\">\n"
			  "    <contract id=\"FD-1\" type=\"family-doctor\" from=\"2026-01-01\"/>\n"
			  "  </patient>\n"
			  "</case>\n";
	ASSERT_REJECTED(doc, "SCHEMA", "<contract", "payer");
}

static void test_case_schema_ltc_with_cover(void)
{
	const char *doc = "<?xml version=\"1.0\"?>\n"
			  "<case ruleset=\"fx-2023\">\n"
			  "  <period from=\"2026-03-01\" to=\"2026-04-01\"/>\n"
			  "  <patient id=\"P1\" scheme=\"employee\" retired=\"false\">\n"
			  "    <contract id=\"LTC-1\" type=\"ltc\" grade=\"2\" from=\"2026-01-01\">\n"
			  "      <cover item=\"EC-NUR-1\" quota=\"1\" window=\"year\"/>\n"
			  "    </contract>\n"
			  "  </patient>\n"
			  "</case>\n";
	ASSERT_REJECTED(doc, "SCHEMA", "<cover", "cover");
}

static void test_case_schema_ltc_with_payer(void)
{
	const char *doc = "<?xml version=\"1.0\"?>\n"
			  "<case ruleset=\"fx-2023\">\n"
			  "  <period from=\"2026-03-01\" to=\"2026-04-01\"/>\n"
			  "  <patient id=\"P1\" scheme=\"employee\" retired=\"false\">\n"
			  "    <contract id=\"LTC-1\" type=\"ltc\" grade=\"2\" payer=\"X\" from=\"2026-01-01\"/>\n"
			  "  </patient>\n"
			  "</case>\n";
	ASSERT_REJECTED(doc, "SCHEMA", "<contract", "payer");
}

static void test_case_schema_outpatient_with_admit(void)
{
	const char *doc = "<?xml version=\"1.0\"?>\n"
			  "<case ruleset=\"fx-2023\">\n"
			  "  <period from=\"2026-03-01\" to=\"2026-04-01\"/>\n"
			  "  <patient id=\"P1\" scheme=\"employee\" retired=\"false\">\n"
			  "    <encounter id=\"E1\" institution=\"H1\" setting=\"outpatient\" date=\"2026-03-02\" admit=\"2026-03-02\"/>\n"
			  "  </patient>\n"
			  "</case>\n";
	ASSERT_REJECTED(doc, "SCHEMA", "<encounter", "admit");
}

static void test_case_schema_inpatient_without_discharge(void)
{
	const char *doc = "<?xml version=\"1.0\"?>\n"
			  "<case ruleset=\"fx-2023\">\n"
			  "  <period from=\"2026-03-01\" to=\"2026-04-01\"/>\n"
			  "  <patient id=\"P1\" scheme=\"employee\" retired=\"false\">\n"
			  "    <encounter id=\"E1\" institution=\"H1\" setting=\"inpatient\" admit=\"2026-03-02\"/>\n"
			  "  </patient>\n"
			  "</case>\n";
	ASSERT_REJECTED(doc, "SCHEMA", "<encounter", "discharge");
}

static void test_case_schema_commercial_cover_with_quota(void)
{
	const char *doc = "<?xml version=\"1.0\"?>\n"
			  "<case ruleset=\"fx-2023\">\n"
			  "  <period from=\"2026-03-01\" to=\"2026-04-01\"/>\n"
			  "  <patient id=\"P1\" scheme=\"employee\" retired=\"false\">\n"
			  "    <contract id=\"CI-1\" type=\"commercial\" payer=\"INS\" from=\"2026-01-01\">\n"
			  "      <cover item=\"EC-MEAL\" ratio=\"0.5\" annual-cap=\"10.00\" quota=\"3\"/>\n"
			  "    </contract>\n"
			  "  </patient>\n"
			  "</case>\n";
	ASSERT_REJECTED(doc, "SCHEMA", "<cover", "quota");
}

static void test_case_schema_family_doctor_with_grade(void)
{
	const char *doc = "<?xml version=\"1.0\"?>\n"
			  "<case ruleset=\"fx-2023\">\n"
			  "  <period from=\"2026-03-01\" to=\"2026-04-01\"/>\n"
			  "  <patient id=\"P1\" scheme=\"employee\" retired=\"false\">\n"
			  "    <contract id=\"FD-1\" type=\"family-doctor\" payer=\"PHS\" grade=\"2\" from=\"2026-01-01\"/>\n"
			  "  </patient>\n"
			  "</case>\n";
	ASSERT_REJECTED(doc, "SCHEMA", "<contract", "grade");
}

static void test_case_schema_family_doctor_cover_with_ratio(void)
{
	const char *doc = "<?xml version=\"1.0\"?>\n"
			  "<case ruleset=\"fx-2023\">\n"
			  "  <period from=\"2026-03-01\" to=\"2026-04-01\"/>\n"
			  "  <patient id=\"P1\" scheme=\"employee\" retired=\"false\">\n"
			  "    <contract id=\"FD-1\" type=\"family-doctor\" payer=\"PHS\" from=\"2026-01-01\">\n"
			  "      <cover item=\"SVC-A1\" quota=\"2\" window=\"year\" ratio=\"0.5\"/>\n"
			  "    </contract>\n"
			  "  </patient>\n"
			  "</case>\n";
	ASSERT_REJECTED(doc, "SCHEMA", "<cover", "ratio");
}

static void test_case_schema_inpatient_with_date(void)
{
	const char *doc = "<?xml version=\"1.0\"?>\n"
			  "<case ruleset=\"fx-2023\">\n"
			  "  <period from=\"2026-03-01\" to=\"2026-04-01\"/>\n"
			  "  <patient id=\"P1\" scheme=\"employee\" retired=\"false\">\n"
			  "    <encounter id=\"E1\" institution=\"H1\" setting=\"inpatient\" admit=\"2026-03-02\" discharge=\"2026-03-03\" date=\"2026-03-03\"/>\n"
			  "  </patient>\n"
			  "</case>\n";
	ASSERT_REJECTED(doc, "SCHEMA", "<encounter", "date");
}

static void test_case_schema_bad_boolean(void)
{
	const char *doc = "<?xml version=\"1.0\"?>\n"
			  "<case ruleset=\"fx-2023\">\n"
			  "  <period from=\"2026-03-01\" to=\"2026-04-01\"/>\n"
			  "  <patient id=\"P1\" scheme=\"employee\" retired=\"yes\"/>\n"
			  "</case>\n";
	ASSERT_REJECTED(doc, "SCHEMA", "retired=", "retired");
}

static void test_case_schema_text_content(void)
{
	const char *doc = "<?xml version=\"1.0\"?>\n"
			  "<case ruleset=\"fx-2023\">\n"
			  "  <period from=\"2026-03-01\" to=\"2026-04-01\">March</period>\n"
			  "</case>\n";
	ASSERT_REJECTED(doc, "SCHEMA", "<period", "period");
}

static void test_case_schema_not_well_formed(void)
{
	const char *doc = "<?xml version=\"1.0\"?>\n"
			  "<case ruleset=\"fx-2023\">\n"
			  "  <period from=\"2026-03-01\" to=\"2026-04-01\">\n"
			  "</case>\n";
	ASSERT_REJECTED(doc, "SCHEMA", "</case>", "period");
}

/* An empty document is not well-formed: rejected whole ([DOC-1]), not out of memory. */
static void test_case_schema_empty_document(void)
{
	check_rejected("", 0, "SCHEMA", NULL, "", __FILE__, __LINE__);
	check_rejected("  \n", 3, "SCHEMA", NULL, "", __FILE__, __LINE__);
	/* no bytes at all may come as NULL */
	cb_result *res = NULL;
	CU_ASSERT_EQUAL(cb_case_price_buffer(&res, fx, NULL, 0, NAME, NULL), CB_OK);
	if (res)
		CU_ASSERT_EQUAL(cb_result_get_status(res), CB_RESULT_REJECTED);
	cb_result_free(res);
}

static void test_case_doctype_with_entity_refused(void)
{
	const char *marker = "ENTITY-MARKER-51d2";
	const char *doc = "<?xml version=\"1.0\"?>\n"
			  "<!DOCTYPE case [<!ENTITY x \"ENTITY-MARKER-51d2\"><!ENTITY p SYSTEM \"file:///etc/passwd\">]>\n"
			  "<case ruleset=\"fx-2023\">\n"
			  "  <period from=\"2026-03-01\" to=\"2026-04-01\"/>\n"
			  "  <patient id=\"&x;&p;\" scheme=\"employee\" retired=\"false\"/>\n"
			  "</case>\n";
	ASSERT_REJECTED(doc, "SCHEMA", "<!DOCTYPE", "DOCTYPE");
	cb_result *res = NULL;
	CU_ASSERT_EQUAL(cb_case_price_buffer(&res, fx, doc, strlen(doc), NAME, NULL), CB_OK);
	if (!res)
		return;
	char *xml = NULL;
	size_t len = 0;
	CU_ASSERT_EQUAL(cb_result_write_buffer(res, &xml, &len), CB_OK);
	report(xml && !strstr(xml, marker) && !strstr(xml, "root:"), "claim document",
	       "nothing from the entities", xml ? xml : "(null)", __FILE__, __LINE__);
	for (size_t i = 0; i < cb_result_finding_count(res); i++) {
		const cb_finding *f = cb_result_finding(res, i);
		report(!strstr(f->message, marker) && !strstr(f->message, "root:"), "message",
		       "nothing from the entities", f->message, __FILE__, __LINE__);
	}
	cb_buffer_free(xml);
	cb_result_free(res);
}

static void test_case_wrong_ruleset(void)
{
	const char *doc = "<?xml version=\"1.0\"?>\n"
			  "<case ruleset=\"cq-demo-2023\">\n"
			  "  <period from=\"2026-03-01\" to=\"2026-04-01\"/>\n"
			  "  <patient id=\"P1\" scheme=\"employee\" retired=\"false\"/>\n"
			  "</case>\n";
	ASSERT_REJECTED(doc, "WRONG_RULESET", "<case", "cq-demo-2023");
	ASSERT_REJECTED(doc, "WRONG_RULESET", "<case", "fx-2023");
}

static void test_case_bad_period(void)
{
	const char *doc = "<?xml version=\"1.0\"?>\n"
			  "<case ruleset=\"fx-2023\">\n"
			  "  <period from=\"2026-04-01\" to=\"2026-03-01\"/>\n"
			  "</case>\n";
	ASSERT_REJECTED(doc, "BAD_DATE", "<period", "2026-03-01");
	doc = "<?xml version=\"1.0\"?>\n"
	      "<case ruleset=\"fx-2023\">\n"
	      "  <period from=\"2026-02-30\" to=\"2026-03-01\"/>\n"
	      "</case>\n";
	ASSERT_REJECTED(doc, "BAD_DATE", "<period", "2026-02-30");
}

/* ---- status values ------------------------------------------------------------------- */

static void test_case_status_values(void)
{
	CU_ASSERT_EQUAL(CB_RESULT_BILLED, 0);
	CU_ASSERT_EQUAL(CB_RESULT_HELD, 1);
	CU_ASSERT_EQUAL(CB_RESULT_REJECTED, 2);

	cb_result *res = price(case_doc(NULL, ""));
	if (res) {
		CU_ASSERT_EQUAL(cb_result_get_status(res), CB_RESULT_BILLED);
		CU_ASSERT_EQUAL(cb_result_patient_count(res), 2);
		CU_ASSERT_EQUAL(cb_result_finding_count(res), 0);
	}
	cb_result_free(res);

	res = price(case_doc(NULL, outpatient(
		"      <line id=\"B-1\" item=\"SVC-A1\" qty=\"0\" at=\"2026-03-02T09:00\"/>\n")));
	if (res)
		CU_ASSERT_EQUAL(cb_result_get_status(res), CB_RESULT_HELD);
	cb_result_free(res);

	const char *rejected = "<case ruleset=\"fx-2023\"/>";
	res = price(rejected);
	if (res)
		CU_ASSERT_EQUAL(cb_result_get_status(res), CB_RESULT_REJECTED);
	cb_result_free(res);

	/* a case with no patient at all is billed (nothing to hold) */
	const char *empty = "<case ruleset=\"fx-2023\"><period from=\"2026-03-01\" to=\"2026-04-01\"/></case>";
	res = price(empty);
	if (res) {
		CU_ASSERT_EQUAL(cb_result_get_status(res), CB_RESULT_BILLED);
		CU_ASSERT_EQUAL(cb_result_patient_count(res), 0);
	}
	cb_result_free(res);
}

/* ---- runner -------------------------------------------------------------------------- */

static int suite_init(void)
{
	return cb_ruleset_load_file(&fx, CAREBILL_SOURCE_DIR "/rules/fx-2023.xml") == CB_OK ? 0
											   : 1;
}

static int suite_clean(void)
{
	cb_ruleset_free(fx);
	fx = NULL;
	return 0;
}

#define TEST(fn) { #fn, fn }

static CU_TestInfo case_tests[] = {
	TEST(test_case_bad_decimal_line_qty),
	TEST(test_case_bad_decimal_line_price),
	TEST(test_case_bad_decimal_accumulators),
	TEST(test_case_bad_decimal_visit_distance_and_staff),
	TEST(test_case_bad_decimal_covers),
	TEST(test_case_bad_date_encounter),
	TEST(test_case_bad_date_line_time),
	TEST(test_case_bad_date_discharge_before_admit),
	TEST(test_case_bad_date_contract_and_stay),
	TEST(test_case_unknown_item),
	TEST(test_case_unknown_institution),
	TEST(test_case_wrong_track),
	TEST(test_case_not_priced),
	TEST(test_case_price_mismatch),
	TEST(test_case_missing_price),
	TEST(test_case_price_equal_numerically_is_fine),
	TEST(test_case_bad_qty),
	TEST(test_case_line_outside_unit),
	TEST(test_case_edges_inside_are_fine),
	TEST(test_case_duplicate_unit_id),
	TEST(test_case_duplicate_contract_id),
	TEST(test_case_contract_and_unit_namespaces_are_separate),
	TEST(test_case_duplicate_patient_id),
	TEST(test_case_stay_overlap),
	TEST(test_case_out_of_radius),
	TEST(test_case_no_policy),
	TEST(test_case_every_error_is_reported),
	TEST(test_case_findings_sorted_by_ref_then_code),
	TEST(test_case_special_characters_are_escaped),
	TEST(test_case_schema_unknown_element),
	TEST(test_case_schema_unknown_attribute),
	TEST(test_case_schema_missing_period),
	TEST(test_case_schema_two_periods),
	TEST(test_case_schema_family_doctor_without_payer),
	TEST(test_case_schema_ltc_with_cover),
	TEST(test_case_schema_ltc_with_payer),
	TEST(test_case_schema_outpatient_with_admit),
	TEST(test_case_schema_inpatient_without_discharge),
	TEST(test_case_schema_commercial_cover_with_quota),
	TEST(test_case_schema_family_doctor_with_grade),
	TEST(test_case_schema_family_doctor_cover_with_ratio),
	TEST(test_case_schema_inpatient_with_date),
	TEST(test_case_schema_bad_boolean),
	TEST(test_case_schema_text_content),
	TEST(test_case_schema_not_well_formed),
	TEST(test_case_schema_empty_document),
	TEST(test_case_doctype_with_entity_refused),
	TEST(test_case_wrong_ruleset),
	TEST(test_case_bad_period),
	TEST(test_case_status_values),
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "case", suite_init, suite_clean, NULL, NULL, case_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cb_test_main(suites);
}
