/*
 * test_ruleset.c — CUnit suite for engine/ruleset.c: loading the project's rule sets, and
 * refusing rule sets with problems ([DOC-2]) — not well-formed, DOCTYPE and external entities
 * (XXE), unknown attributes and elements, [NUM-1] decimals, [RULE-1] item attributes by kind
 * and class, [RULE-2] institution prices against the guidance, [RULE-4] unique codes,
 * duplicate rows and institutions, counts of children — each with CB_ERULESET and a message
 * naming the document, the line and the problem; several problems are all listed. Also NULL
 * arguments and cb_ruleset_free(NULL).
 *
 * Small rule sets are built in memory from a valid base with one part replaced, so every
 * test shows the single thing it breaks. The program's exit status is the number of failed
 * assertions.
 */
#include <CUnit/Basic.h>

#include "cb_test.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carebill.h"

#define NAME "t.xml"

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

/* The parts of a small rule set; NULL takes the default part. Every element is on a line of
 * its own so that a needle finds the line a problem must be reported on. */
typedef struct rs_parts {
	const char *root;       /* the <ruleset ...> start tag */
	const char *catalog;    /* items inside <medical-catalog> */
	const char *policy;     /* rows inside <medical-policy> */
	const char *guidance;   /* items inside <eldercare-guidance> */
	const char *ltc;        /* the <ltc/> line, or "" */
	const char *inst;       /* children of institution H1 */
	const char *extra;      /* more top-level elements after H1 */
} rs_parts;

static const char *const default_catalog =
	"    <item code=\"SVC-A\" name=\"service A\" kind=\"service\" class=\"A\" price=\"10.00\"/>\n"
	"    <item code=\"SVC-B\" name=\"service B\" kind=\"service\" class=\"B\" price=\"200.00\" b-ratio=\"0.10\"/>\n"
	"    <item code=\"DRG-A\" name=\"drug A\" kind=\"drug\" class=\"A\" limit=\"0.2500\"/>\n"
	"    <item code=\"DRG-C\" name=\"drug C\" kind=\"drug\" class=\"C\"/>\n"
	"    <item code=\"CON-B\" name=\"kit\" kind=\"consumable\" class=\"B\" b-ratio=\"0.10\" limit=\"35.00\"/>\n";
static const char *const default_policy =
	"    <row scheme=\"employee\" setting=\"outpatient\" level=\"1\" retired=\"false\" deductible=\"200.00\" ratio=\"0.70\" cap=\"2000.00\" cap-group=\"outpatient\"/>\n"
	"    <row scheme=\"employee\" setting=\"inpatient\" level=\"1\" retired=\"false\" deductible=\"300.00\" ratio=\"0.90\" cap=\"100000.00\" cap-group=\"inpatient\"/>\n";
static const char *const default_guidance =
	"    <item code=\"EC-BED\" name=\"bed\" kind=\"bed\" unit=\"day\" ceiling=\"100.00\"/>\n"
	"    <item code=\"EC-NUR\" name=\"nursing\" kind=\"nursing\" unit=\"day\" ceiling=\"60.00\"/>\n"
	"    <item code=\"EC-MEAL\" name=\"meal\" kind=\"service\" unit=\"time\" ceiling=\"20.00\"/>\n";
static const char *const default_ltc =
	"  <ltc payer=\"LTC-T\" daily-cap=\"40.00\" ratio=\"0.70\" grades=\"1 2 3\"/>\n";
static const char *const default_inst =
	"    <eldercare-price item=\"EC-BED\" price=\"80.00\"/>\n"
	"    <eldercare-price item=\"EC-MEAL\" price=\"20.00\"/>\n"
	"    <home-visit fee-item=\"HV-FEE\" base=\"30.00\" included-km=\"3\" per-km=\"2.00\" radius-km=\"10\" extra-staff=\"20.00\" surcharge=\"0.20\"/>\n";

/* A rule set document from its parts (static buffer, valid until the next call). */
static const char *rs_doc(const rs_parts *p)
{
	static char buf[16384];
	snprintf(buf, sizeof buf,
		 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		 "%s\n"
		 "  <medical-catalog>\n%s  </medical-catalog>\n"
		 "  <medical-policy>\n%s  </medical-policy>\n"
		 "  <eldercare-guidance>\n%s  </eldercare-guidance>\n"
		 "%s"
		 "  <institution id=\"H1\" name=\"centre\" level=\"1\" bed-reserve-ratio=\"0.50\">\n"
		 "%s  </institution>\n"
		 "%s"
		 "</ruleset>\n",
		 p->root ? p->root : "<ruleset id=\"t-2023\" effective-from=\"2023-01-01\">",
		 p->catalog ? p->catalog : default_catalog, p->policy ? p->policy : default_policy,
		 p->guidance ? p->guidance : default_guidance, p->ltc ? p->ltc : default_ltc,
		 p->inst ? p->inst : default_inst, p->extra ? p->extra : "");
	return buf;
}


/* Number of lines of a message. */
static size_t count_lines(const char *msg)
{
	if (!*msg)
		return 0;
	size_t n = 1;
	for (const char *p = msg; *p; p++)
		n += *p == '\n';
	return n;
}

/* Copy the message line that starts with "NAME:LINE: " into out ("" if none). */
static void problem_line(const char *msg, const char *name, unsigned long line, char *out,
			 size_t cap)
{
	char prefix[256];
	snprintf(prefix, sizeof prefix, "%s:%lu: ", name, line);
	out[0] = '\0';
	for (const char *p = msg; p && *p;) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (strncmp(p, prefix, strlen(prefix)) == 0) {
			snprintf(out, cap, "%.*s", (int)len, p);
			return;
		}
		p = end ? end + 1 : NULL;
	}
}

/*
 * `doc` must be refused: CB_ERULESET, *out NULL, and cb_error_last() must hold a line
 * "NAME:LINE: ..." for the line of `needle` that contains every one of the NULL-terminated
 * strings that follow. Returns a copy of the whole message (static, until the next call).
 */
static const char *check_refused(const char *doc, const char *needle, const char *file,
				 unsigned line, ...)
{
	static char msg[16384];
	cb_ruleset *rs = (cb_ruleset *)&rs; /* anything but NULL: the call must clear it */
	int rc = cb_ruleset_load_buffer(&rs, doc, strlen(doc), NAME);
	snprintf(msg, sizeof msg, "%s", cb_error_last());
	char got[64];
	snprintf(got, sizeof got, "rc %d (%s), out %s", rc, cb_strerror(rc), rs ? "set" : "NULL");
	report(rc == CB_ERULESET && rs == NULL, "refusal", "rc -4 (rule set refused), out NULL",
	       got, file, line);
	if (rc == CB_OK)
		cb_ruleset_free(rs);
	unsigned long want_line = cb_test_line_of(doc, needle);
	char where[64], found[2048];
	snprintf(where, sizeof where, "a problem on line %lu (%s)", want_line, needle);
	problem_line(msg, NAME, want_line, found, sizeof found);
	report(want_line > 0 && found[0] != '\0', "message names the line", where, msg, file, line);
	va_list ap;
	va_start(ap, line);
	for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *)) {
		char what[300];
		snprintf(what, sizeof what, "line %lu of the message mentions '%s'", want_line, s);
		report(found[0] && strstr(found, s) != NULL, what, s, found[0] ? found : msg, file,
		       line);
	}
	va_end(ap);
	return msg;
}

#define ASSERT_REFUSED(doc, needle, ...) \
	check_refused((doc), (needle), __FILE__, __LINE__, __VA_ARGS__, (const char *)NULL)


/* ---- the project's rule sets --------------------------------------------------------- */

static void test_ruleset_loads_fx_2023(void)
{
	cb_ruleset *rs = NULL;
	int rc = cb_ruleset_load_file(&rs, CAREBILL_SOURCE_DIR "/rules/fx-2023.xml");
	report(rc == CB_OK, "load rules/fx-2023.xml", "0", cb_error_last(), __FILE__, __LINE__);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_STRING_EQUAL(cb_ruleset_id(rs), "fx-2023");
	CU_ASSERT_STRING_EQUAL(cb_ruleset_effective_from(rs), "2023-01-01");
	CU_ASSERT_STRING_EQUAL(cb_error_last(), "");
	cb_ruleset_free(rs);
}

static void test_ruleset_loads_cq_demo_2023(void)
{
	cb_ruleset *rs = NULL;
	int rc = cb_ruleset_load_file(&rs, CAREBILL_SOURCE_DIR "/rules/cq-demo-2023.xml");
	report(rc == CB_OK, "load rules/cq-demo-2023.xml", "0", cb_error_last(), __FILE__,
	       __LINE__);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_STRING_EQUAL(cb_ruleset_id(rs), "cq-demo-2023");
	CU_ASSERT_STRING_EQUAL(cb_ruleset_effective_from(rs), "2023-11-01");
	cb_ruleset_free(rs);
}

/* The same bytes from a buffer load like the file. */
static void test_ruleset_load_buffer_same_as_file(void)
{
	char *text = cb_test_slurp(CAREBILL_SOURCE_DIR "/rules/fx-2023.xml", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	cb_ruleset *rs = NULL;
	CU_ASSERT_EQUAL(cb_ruleset_load_buffer(&rs, text, strlen(text), NULL), CB_OK);
	CU_ASSERT_PTR_NOT_NULL(rs);
	if (rs)
		CU_ASSERT_STRING_EQUAL(cb_ruleset_id(rs), "fx-2023");
	cb_ruleset_free(rs);
	free(text);
}

/* The in-memory base every refusal below starts from is itself valid. */
static void test_ruleset_small_base_is_valid(void)
{
	rs_parts p = {0};
	const char *doc = rs_doc(&p);
	cb_ruleset *rs = NULL;
	int rc = cb_ruleset_load_buffer(&rs, doc, strlen(doc), NAME);
	report(rc == CB_OK, "small base rule set", "0", cb_error_last(), __FILE__, __LINE__);
	CU_ASSERT_PTR_NOT_NULL(rs);
	if (rs)
		CU_ASSERT_STRING_EQUAL(cb_ruleset_id(rs), "t-2023");
	cb_ruleset_free(rs);
}

/* A price at the ceiling is allowed ([RULE-2] forbids only exceeding it); no <ltc> and an
 * institution without anything are fine. */
static void test_ruleset_price_at_ceiling_accepted(void)
{
	rs_parts p = {0};
	p.inst = "    <eldercare-price item=\"EC-BED\" price=\"100.00\"/>\n";
	p.ltc = "";
	p.extra = "  <institution id=\"H2\" name=\"empty\" level=\"3\" bed-reserve-ratio=\"0\"/>\n";
	const char *doc = rs_doc(&p);
	cb_ruleset *rs = NULL;
	int rc = cb_ruleset_load_buffer(&rs, doc, strlen(doc), NAME);
	report(rc == CB_OK, "price equal to the ceiling", "0", cb_error_last(), __FILE__,
	       __LINE__);
	cb_ruleset_free(rs);
}

/* ---- XML and schema ------------------------------------------------------------------ */

static void test_ruleset_refuses_not_well_formed(void)
{
	const char *doc = "<?xml version=\"1.0\"?>\n"
			  "<ruleset id=\"t\" effective-from=\"2023-01-01\">\n"
			  "  <medical-catalog>\n"
			  "  </medical-policy>\n"
			  "</ruleset>\n";
	ASSERT_REFUSED(doc, "</medical-policy>", "medical-catalog");

	const char *truncated = "<?xml version=\"1.0\"?>\n<ruleset id=\"t\" effective-from=\"2023";
	cb_ruleset *rs = NULL;
	CU_ASSERT_EQUAL(cb_ruleset_load_buffer(&rs, truncated, strlen(truncated), NAME),
			CB_ERULESET);
	CU_ASSERT_PTR_NULL(rs);
	CU_ASSERT_PTR_NOT_NULL(strstr(cb_error_last(), NAME ":"));

	const char *blank = "   \n";
	CU_ASSERT_EQUAL(cb_ruleset_load_buffer(&rs, blank, strlen(blank), NAME), CB_ERULESET);
	CU_ASSERT_PTR_NULL(rs);
}

/* An empty document (0 bytes) is not well-formed XML: the rule set is refused
 * (CB_ERULESET with a message), it is not an out-of-memory condition. */
static void test_ruleset_refuses_empty_document(void)
{
	cb_ruleset *rs = NULL;
	int rc = cb_ruleset_load_buffer(&rs, "", 0, NAME);
	char got[256];
	snprintf(got, sizeof got, "%d (%s): %s", rc, cb_strerror(rc), cb_error_last());
	report(rc == CB_ERULESET, "empty rule set document", "-4 (rule set refused)", got,
	       __FILE__, __LINE__);
	CU_ASSERT_PTR_NULL(rs);
	cb_ruleset_free(rs);
}

/* XXE: the parser must refuse the DOCTYPE before any entity is resolved, so the contents of
 * the files named never reach the message. */
static void test_ruleset_refuses_doctype_and_external_entity(void)
{
	char secret_path[] = "/tmp/carebill-xxe-XXXXXX";
	int fd = mkstemp(secret_path);
	CU_ASSERT_FATAL(fd >= 0);
	const char *secret = "XXE-SECRET-7f3a9c";
	CU_ASSERT_EQUAL(write(fd, secret, strlen(secret)), (ssize_t)strlen(secret));
	close(fd);

	char doc[2048];
	snprintf(doc, sizeof doc,
		 "<?xml version=\"1.0\"?>\n"
		 "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\"><!ENTITY y SYSTEM \"file://%s\">]>\n"
		 "<ruleset id=\"&x;&y;\" effective-from=\"2023-01-01\">\n"
		 "  <medical-catalog/><medical-policy/><eldercare-guidance/>\n"
		 "</ruleset>\n",
		 secret_path);
	const char *msg = ASSERT_REFUSED(doc, "<!DOCTYPE", "DOCTYPE");
	report(strstr(msg, secret) == NULL, "secret file contents not in message", "absent", msg,
	       __FILE__, __LINE__);
	report(strstr(msg, "root:") == NULL && strstr(msg, "/bin/") == NULL,
	       "/etc/passwd contents not in message", "absent", msg, __FILE__, __LINE__);

	/* an external DTD alone, and an internal entity (billion laughs) */
	const char *ext = "<?xml version=\"1.0\"?>\n"
			  "<!DOCTYPE ruleset SYSTEM \"file:///etc/passwd\">\n"
			  "<ruleset id=\"t\" effective-from=\"2023-01-01\"/>\n";
	msg = ASSERT_REFUSED(ext, "<!DOCTYPE", "DOCTYPE");
	report(strstr(msg, "root:") == NULL, "/etc/passwd contents not in message", "absent",
	       msg, __FILE__, __LINE__);
	const char *lol = "<?xml version=\"1.0\"?>\n"
			  "<!DOCTYPE r [<!ENTITY a \"LOLLOLLOL\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">"
			  "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>\n"
			  "<ruleset id=\"&c;\" effective-from=\"2023-01-01\"/>\n";
	msg = ASSERT_REFUSED(lol, "<!DOCTYPE", "DOCTYPE");
	report(strstr(msg, "LOL") == NULL, "entity text not in message", "absent", msg, __FILE__,
	       __LINE__);
	unlink(secret_path);
}

static void test_ruleset_refuses_unknown_attribute(void)
{
	rs_parts p = {0};
	p.catalog = "    <item code=\"SVC-A\" name=\"s\" kind=\"service\" class=\"A\" price=\"10.00\" colour=\"red\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "colour=", "colour");
}

static void test_ruleset_refuses_unknown_element(void)
{
	rs_parts p = {0};
	p.extra = "  <tariff id=\"x\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "<tariff", "tariff");
}

static void test_ruleset_refuses_bad_enumeration(void)
{
	rs_parts p = {0};
	p.catalog = "    <item code=\"SVC-A\" name=\"s\" kind=\"service\" class=\"D\" price=\"10.00\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "class=\"D\"", "class");
}

static void test_ruleset_refuses_missing_required_attribute(void)
{
	rs_parts p = {0};
	p.policy = "    <row scheme=\"employee\" setting=\"outpatient\" level=\"1\" retired=\"false\" deductible=\"200.00\" cap=\"2000.00\" cap-group=\"outpatient\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "<row", "ratio");
}

/* ---- [NUM-1] decimals ---------------------------------------------------------------- */

static void test_ruleset_refuses_price_with_seven_decimals(void)
{
	rs_parts p = {0};
	p.catalog = "    <item code=\"SVC-A\" name=\"s\" kind=\"service\" class=\"A\" price=\"1.2345678\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "1.2345678", "BAD_DECIMAL", "price", "1.2345678");
}

static void test_ruleset_refuses_limit_with_seven_decimals(void)
{
	rs_parts p = {0};
	p.catalog = "    <item code=\"DRG-A\" name=\"d\" kind=\"drug\" class=\"A\" limit=\"0.2500001\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "0.2500001", "BAD_DECIMAL", "limit", "0.2500001");
}

static void test_ruleset_refuses_ratio_above_one(void)
{
	rs_parts p = {0};
	p.catalog = "    <item code=\"SVC-B\" name=\"s\" kind=\"service\" class=\"B\" price=\"200.00\" b-ratio=\"1.5\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "b-ratio=\"1.5\"", "BAD_DECIMAL", "b-ratio", "1.5");

	p.catalog = NULL;
	p.policy = "    <row scheme=\"employee\" setting=\"outpatient\" level=\"1\" retired=\"false\" deductible=\"200.00\" ratio=\"1.5\" cap=\"2000.00\" cap-group=\"outpatient\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "ratio=\"1.5\"", "BAD_DECIMAL", "ratio", "1.5");
}

static void test_ruleset_refuses_ratio_with_five_decimals(void)
{
	rs_parts p = {0};
	p.ltc = "  <ltc payer=\"LTC-T\" daily-cap=\"40.00\" ratio=\"0.12345\" grades=\"1\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "<ltc", "BAD_DECIMAL", "ratio", "0.12345");
}

static void test_ruleset_refuses_money_with_three_decimals(void)
{
	rs_parts p = {0};
	p.guidance = "    <item code=\"EC-BED\" name=\"bed\" kind=\"bed\" unit=\"day\" ceiling=\"10.001\"/>\n";
	p.inst = "";
	ASSERT_REFUSED(rs_doc(&p), "10.001", "BAD_DECIMAL", "ceiling", "10.001");

	p.guidance = NULL;
	p.policy = "    <row scheme=\"employee\" setting=\"outpatient\" level=\"1\" retired=\"false\" deductible=\"10.001\" ratio=\"0.70\" cap=\"2000.00\" cap-group=\"outpatient\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "10.001", "BAD_DECIMAL", "deductible", "10.001");

	p.policy = NULL;
	p.inst = "    <eldercare-price item=\"EC-BED\" price=\"10.001\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "10.001", "BAD_DECIMAL", "price", "10.001");
}

static void test_ruleset_refuses_sign(void)
{
	rs_parts p = {0};
	p.catalog = "    <item code=\"SVC-A\" name=\"s\" kind=\"service\" class=\"A\" price=\"-10.00\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "-10.00", "BAD_DECIMAL", "price", "-10.00");

	p.catalog = NULL;
	p.inst = "    <home-visit fee-item=\"HV-FEE\" base=\"+30.00\" included-km=\"3\" per-km=\"2.00\" radius-km=\"10\" extra-staff=\"20.00\" surcharge=\"0.20\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "+30.00", "BAD_DECIMAL", "base", "+30.00");
}

static void test_ruleset_refuses_distance_with_four_decimals(void)
{
	rs_parts p = {0};
	p.inst = "    <home-visit fee-item=\"HV-FEE\" base=\"30.00\" included-km=\"3\" per-km=\"2.00\" radius-km=\"10.0001\" extra-staff=\"20.00\" surcharge=\"0.20\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "10.0001", "BAD_DECIMAL", "radius-km", "10.0001");
}

static void test_ruleset_refuses_bad_effective_from(void)
{
	rs_parts p = {0};
	p.root = "<ruleset id=\"t-2023\" effective-from=\"2023-02-30\">";
	ASSERT_REFUSED(rs_doc(&p), "effective-from", "effective-from", "2023-02-30");
}

/* ---- [RULE-1] items by kind and class ------------------------------------------------ */

static void test_ruleset_refuses_service_without_price(void)
{
	rs_parts p = {0};
	p.catalog = "    <item code=\"SVC-X\" name=\"s\" kind=\"service\" class=\"A\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "SVC-X", "SVC-X", "price", "RULE-1");
}

static void test_ruleset_refuses_service_with_limit(void)
{
	rs_parts p = {0};
	p.catalog = "    <item code=\"SVC-X\" name=\"s\" kind=\"service\" class=\"A\" price=\"10.00\" limit=\"9.00\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "SVC-X", "SVC-X", "limit", "RULE-1");
}

static void test_ruleset_refuses_drug_with_price(void)
{
	rs_parts p = {0};
	p.catalog = "    <item code=\"DRG-X\" name=\"d\" kind=\"drug\" class=\"A\" price=\"1.00\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "DRG-X", "DRG-X", "price", "RULE-1");
	p.catalog = "    <item code=\"CON-X\" name=\"c\" kind=\"consumable\" class=\"C\" price=\"1.00\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "CON-X", "CON-X", "price", "RULE-1");
}

static void test_ruleset_refuses_class_b_without_b_ratio(void)
{
	rs_parts p = {0};
	p.catalog = "    <item code=\"DRG-X\" name=\"d\" kind=\"drug\" class=\"B\" limit=\"2.50\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "DRG-X", "DRG-X", "b-ratio", "RULE-1");
}

static void test_ruleset_refuses_class_a_with_b_ratio(void)
{
	rs_parts p = {0};
	p.catalog = "    <item code=\"SVC-X\" name=\"s\" kind=\"service\" class=\"A\" price=\"10.00\" b-ratio=\"0.10\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "SVC-X", "SVC-X", "b-ratio", "RULE-1");
	p.catalog = "    <item code=\"DRG-X\" name=\"d\" kind=\"drug\" class=\"C\" b-ratio=\"0.10\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "DRG-X", "DRG-X", "b-ratio", "RULE-1");
}

/* ---- [RULE-2] institution prices ----------------------------------------------------- */

static void test_ruleset_refuses_price_over_ceiling(void)
{
	rs_parts p = {0};
	p.inst = "    <eldercare-price item=\"EC-BED\" price=\"100.01\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "100.01", "H1", "EC-BED", "100.01", "100.00", "RULE-2");
}

static void test_ruleset_refuses_price_of_unknown_eldercare_item(void)
{
	rs_parts p = {0};
	p.inst = "    <eldercare-price item=\"EC-SPA\" price=\"10.00\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "EC-SPA", "H1", "EC-SPA");
	/* a medical catalogue code is not an elder-care item either */
	p.inst = "    <eldercare-price item=\"SVC-A\" price=\"10.00\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "item=\"SVC-A\" price", "H1", "SVC-A");
}

static void test_ruleset_refuses_item_priced_twice(void)
{
	rs_parts p = {0};
	p.inst = "    <eldercare-price item=\"EC-BED\" price=\"80.00\"/>\n"
		 "    <eldercare-price item=\"EC-BED\" price=\"90.00\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "price=\"90.00\"", "H1", "EC-BED");
}

/* ---- [RULE-4] codes and duplicates --------------------------------------------------- */

static void test_ruleset_refuses_code_in_catalog_and_guidance(void)
{
	rs_parts p = {0};
	p.guidance = "    <item code=\"EC-BED\" name=\"bed\" kind=\"bed\" unit=\"day\" ceiling=\"100.00\"/>\n"
		     "    <item code=\"EC-MEAL\" name=\"meal\" kind=\"service\" unit=\"time\" ceiling=\"20.00\"/>\n"
		     "    <item code=\"SVC-A\" name=\"again\" kind=\"service\" unit=\"time\" ceiling=\"20.00\"/>\n";
	const char *msg = ASSERT_REFUSED(rs_doc(&p), "name=\"again\"", "SVC-A", "RULE-4");
	report(count_lines(msg) == 1, "exactly one problem", "1 line", msg, __FILE__, __LINE__);
}

static void test_ruleset_refuses_code_in_catalog_and_fee_item(void)
{
	rs_parts p = {0};
	p.inst = "    <home-visit fee-item=\"DRG-A\" base=\"30.00\" included-km=\"3\" per-km=\"2.00\" radius-km=\"10\" extra-staff=\"20.00\" surcharge=\"0.20\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "fee-item=\"DRG-A\"", "DRG-A", "RULE-4");
}

static void test_ruleset_refuses_code_in_guidance_and_fee_item(void)
{
	rs_parts p = {0};
	p.inst = "    <home-visit fee-item=\"EC-MEAL\" base=\"30.00\" included-km=\"3\" per-km=\"2.00\" radius-km=\"10\" extra-staff=\"20.00\" surcharge=\"0.20\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "fee-item=\"EC-MEAL\"", "EC-MEAL", "RULE-4");
}

static void test_ruleset_refuses_fee_item_of_two_institutions(void)
{
	rs_parts p = {0};
	p.extra = "  <institution id=\"H2\" name=\"other\" level=\"2\" bed-reserve-ratio=\"0.50\">\n"
		  "    <home-visit fee-item=\"HV-FEE\" base=\"10.00\" included-km=\"3\" per-km=\"2.00\" radius-km=\"10\" extra-staff=\"20.00\" surcharge=\"0.20\"/>\n"
		  "  </institution>\n";
	ASSERT_REFUSED(rs_doc(&p), "base=\"10.00\"", "HV-FEE", "RULE-4");
}

static void test_ruleset_refuses_code_twice_in_catalog(void)
{
	rs_parts p = {0};
	p.catalog = "    <item code=\"SVC-A\" name=\"one\" kind=\"service\" class=\"A\" price=\"10.00\"/>\n"
		    "    <item code=\"SVC-A\" name=\"two\" kind=\"service\" class=\"A\" price=\"12.00\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "name=\"two\"", "SVC-A", "RULE-4");
}

static void test_ruleset_refuses_duplicate_policy_row(void)
{
	rs_parts p = {0};
	p.policy = "    <row scheme=\"employee\" setting=\"outpatient\" level=\"1\" retired=\"false\" deductible=\"200.00\" ratio=\"0.70\" cap=\"2000.00\" cap-group=\"outpatient\"/>\n"
		   "    <row scheme=\"employee\" setting=\"outpatient\" level=\"1\" retired=\"0\" deductible=\"100.00\" ratio=\"0.70\" cap=\"2000.00\" cap-group=\"outpatient\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "deductible=\"100.00\"", "duplicate", "employee/outpatient/1/active");
}

static void test_ruleset_refuses_duplicate_institution(void)
{
	rs_parts p = {0};
	p.extra = "  <institution id=\"H1\" name=\"again\" level=\"2\" bed-reserve-ratio=\"0.50\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "name=\"again\"", "H1", "twice");
}

static void test_ruleset_refuses_two_medical_catalogs(void)
{
	rs_parts p = {0};
	p.extra = "  <medical-catalog/>\n";
	const char *doc = rs_doc(&p);
	/* the problem concerns the root: reported on the <ruleset> line */
	ASSERT_REFUSED(doc, "<ruleset", "medical-catalog", "2");
}

static void test_ruleset_refuses_missing_eldercare_guidance(void)
{
	const char *doc = "<?xml version=\"1.0\"?>\n"
			  "<ruleset id=\"t\" effective-from=\"2023-01-01\">\n"
			  "  <medical-catalog/>\n"
			  "  <medical-policy/>\n"
			  "</ruleset>\n";
	ASSERT_REFUSED(doc, "<ruleset", "eldercare-guidance", "0");
}

static void test_ruleset_refuses_two_home_visit_schedules(void)
{
	rs_parts p = {0};
	p.inst = "    <home-visit fee-item=\"HV-1\" base=\"30.00\" included-km=\"3\" per-km=\"2.00\" radius-km=\"10\" extra-staff=\"20.00\" surcharge=\"0.20\"/>\n"
		 "    <home-visit fee-item=\"HV-2\" base=\"30.00\" included-km=\"3\" per-km=\"2.00\" radius-km=\"10\" extra-staff=\"20.00\" surcharge=\"0.20\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "HV-2", "H1", "home-visit");
}

static void test_ruleset_refuses_two_ltc(void)
{
	rs_parts p = {0};
	p.extra = "  <ltc payer=\"LTC-2\" daily-cap=\"40.00\" ratio=\"0.70\" grades=\"1\"/>\n";
	ASSERT_REFUSED(rs_doc(&p), "LTC-2", "ltc");
}

/* ---- [DOC-2] every problem listed ---------------------------------------------------- */

static void test_ruleset_reports_every_problem(void)
{
	rs_parts p = {0};
	p.catalog = "    <item code=\"SVC-X\" name=\"no price\" kind=\"service\" class=\"A\"/>\n"
		    "    <item code=\"DRG-X\" name=\"bad limit\" kind=\"drug\" class=\"A\" limit=\"1.2345678\"/>\n"
		    "    <item code=\"DRG-Y\" name=\"b no ratio\" kind=\"drug\" class=\"B\"/>\n";
	p.policy = "    <row scheme=\"employee\" setting=\"outpatient\" level=\"1\" retired=\"false\" deductible=\"200.00\" ratio=\"0.70\" cap=\"2000.00\" cap-group=\"outpatient\"/>\n"
		   "    <row scheme=\"employee\" setting=\"outpatient\" level=\"2\" retired=\"false\" deductible=\"-1\" ratio=\"0.70\" cap=\"2000.00\" cap-group=\"outpatient\"/>\n";
	p.inst = "    <eldercare-price item=\"EC-BED\" price=\"150.00\"/>\n"
		 "    <eldercare-price item=\"EC-NONE\" price=\"1.00\"/>\n";
	p.extra = "  <institution id=\"H1\" name=\"dup\" level=\"2\" bed-reserve-ratio=\"0.50\"/>\n";
	const char *doc = rs_doc(&p);
	static const struct {
		const char *needle, *mentions;
	} expected[] = {
		{"name=\"no price\"", "SVC-X"},
		{"name=\"bad limit\"", "1.2345678"},
		{"name=\"b no ratio\"", "DRG-Y"},
		{"deductible=\"-1\"", "-1"},
		{"price=\"150.00\"", "150.00"},
		{"EC-NONE", "EC-NONE"},
		{"name=\"dup\"", "H1"},
	};
	const size_t n = sizeof expected / sizeof expected[0];
	const char *msg = NULL;
	for (size_t i = 0; i < n; i++)
		msg = check_refused(doc, expected[i].needle, __FILE__, __LINE__, expected[i].mentions,
				    (const char *)NULL);
	/* one line per problem, no more */
	char want[32];
	snprintf(want, sizeof want, "%zu lines", n);
	report(count_lines(msg) == n, "every problem listed", want, msg, __FILE__, __LINE__);
	/* every line is "t.xml:LINE: ..." */
	int all_prefixed = 1;
	for (const char *q = msg; q && *q;) {
		unsigned long l = 0;
		if (sscanf(q, NAME ":%lu:", &l) != 1 || l == 0)
			all_prefixed = 0;
		q = strchr(q, '\n');
		q = q ? q + 1 : NULL;
	}
	report(all_prefixed, "each line is NAME:LINE: message", "all lines prefixed", msg,
	       __FILE__, __LINE__);
}

/* Several schema errors in one document are all listed too. */
static void test_ruleset_reports_every_schema_problem(void)
{
	rs_parts p = {0};
	p.catalog = "    <item code=\"SVC-A\" name=\"s\" kind=\"service\" class=\"A\" price=\"10.00\" colour=\"red\"/>\n"
		    "    <item code=\"SVC-B\" name=\"s\" kind=\"treatment\" class=\"A\" price=\"10.00\"/>\n";
	p.extra = "  <tariff/>\n";
	const char *doc = rs_doc(&p);
	check_refused(doc, "colour", __FILE__, __LINE__, "colour", (const char *)NULL);
	check_refused(doc, "treatment", __FILE__, __LINE__, "treatment", (const char *)NULL);
	const char *msg = check_refused(doc, "<tariff", __FILE__, __LINE__, "tariff",
					(const char *)NULL);
	char want[32];
	snprintf(want, sizeof want, "3 lines");
	report(count_lines(msg) == 3, "every schema problem listed", want, msg, __FILE__,
	       __LINE__);
}

/* Without a name the document is "-" in messages. */
static void test_ruleset_unnamed_buffer_is_dash(void)
{
	rs_parts p = {0};
	p.catalog = "    <item code=\"SVC-X\" name=\"s\" kind=\"service\" class=\"A\"/>\n";
	const char *doc = rs_doc(&p);
	cb_ruleset *rs = NULL;
	CU_ASSERT_EQUAL(cb_ruleset_load_buffer(&rs, doc, strlen(doc), NULL), CB_ERULESET);
	char want[64];
	snprintf(want, sizeof want, "-:%lu: ", cb_test_line_of(doc, "SVC-X"));
	report(strncmp(cb_error_last(), want, strlen(want)) == 0, "message prefix", want,
	       cb_error_last(), __FILE__, __LINE__);
}

/* The file loader names the file in each line. */
static void test_ruleset_file_messages_name_the_path(void)
{
	char path[] = "/tmp/carebill-rs-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	rs_parts p = {0};
	p.catalog = "    <item code=\"SVC-X\" name=\"s\" kind=\"service\" class=\"A\"/>\n";
	const char *doc = rs_doc(&p);
	CU_ASSERT_EQUAL(write(fd, doc, strlen(doc)), (ssize_t)strlen(doc));
	close(fd);
	cb_ruleset *rs = NULL;
	CU_ASSERT_EQUAL(cb_ruleset_load_file(&rs, path), CB_ERULESET);
	CU_ASSERT_PTR_NULL(rs);
	char want[128];
	snprintf(want, sizeof want, "%s:%lu: ", path, cb_test_line_of(doc, "SVC-X"));
	report(strncmp(cb_error_last(), want, strlen(want)) == 0, "message prefix", want,
	       cb_error_last(), __FILE__, __LINE__);
	unlink(path);
}

/* ---- arguments ----------------------------------------------------------------------- */

static void test_ruleset_null_arguments(void)
{
	cb_ruleset *rs = NULL;
	const char *doc = "<ruleset/>";
	cb_ruleset_free(NULL); /* must not crash */
	CU_ASSERT_EQUAL(cb_ruleset_load_file(NULL, CAREBILL_SOURCE_DIR "/rules/fx-2023.xml"),
			CB_EINVAL);
	CU_ASSERT_NOT_EQUAL(cb_error_last()[0], '\0');
	CU_ASSERT_EQUAL(cb_ruleset_load_file(&rs, NULL), CB_EINVAL);
	CU_ASSERT_PTR_NULL(rs);
	CU_ASSERT_EQUAL(cb_ruleset_load_buffer(NULL, doc, strlen(doc), NAME), CB_EINVAL);
	CU_ASSERT_EQUAL(cb_ruleset_load_buffer(&rs, NULL, 10, NAME), CB_EINVAL);
	CU_ASSERT_PTR_NULL(rs);
	CU_ASSERT_PTR_NULL(cb_ruleset_id(NULL));
	CU_ASSERT_PTR_NULL(cb_ruleset_effective_from(NULL));
}

static void test_ruleset_missing_file_is_eio(void)
{
	cb_ruleset *rs = NULL;
	CU_ASSERT_EQUAL(cb_ruleset_load_file(&rs, CAREBILL_SOURCE_DIR "/rules/no-such-file.xml"),
			CB_EIO);
	CU_ASSERT_PTR_NULL(rs);
	CU_ASSERT_PTR_NOT_NULL(strstr(cb_error_last(), "no-such-file.xml"));
}

/* A refusal followed by a success leaves no stale message. */
static void test_ruleset_success_clears_last_error(void)
{
	rs_parts p = {0};
	p.catalog = "    <item code=\"SVC-X\" name=\"s\" kind=\"service\" class=\"A\"/>\n";
	const char *bad = rs_doc(&p);
	cb_ruleset *rs = NULL;
	CU_ASSERT_EQUAL(cb_ruleset_load_buffer(&rs, bad, strlen(bad), NAME), CB_ERULESET);
	CU_ASSERT_NOT_EQUAL(cb_error_last()[0], '\0');
	rs_parts q = {0};
	const char *good = rs_doc(&q);
	CU_ASSERT_EQUAL(cb_ruleset_load_buffer(&rs, good, strlen(good), NAME), CB_OK);
	CU_ASSERT_STRING_EQUAL(cb_error_last(), "");
	cb_ruleset_free(rs);
}

/* ---- runner -------------------------------------------------------------------------- */

#define TEST(fn) { #fn, fn }

static CU_TestInfo ruleset_tests[] = {
	TEST(test_ruleset_loads_fx_2023),
	TEST(test_ruleset_loads_cq_demo_2023),
	TEST(test_ruleset_load_buffer_same_as_file),
	TEST(test_ruleset_small_base_is_valid),
	TEST(test_ruleset_price_at_ceiling_accepted),
	TEST(test_ruleset_refuses_not_well_formed),
	TEST(test_ruleset_refuses_empty_document),
	TEST(test_ruleset_refuses_doctype_and_external_entity),
	TEST(test_ruleset_refuses_unknown_attribute),
	TEST(test_ruleset_refuses_unknown_element),
	TEST(test_ruleset_refuses_bad_enumeration),
	TEST(test_ruleset_refuses_missing_required_attribute),
	TEST(test_ruleset_refuses_price_with_seven_decimals),
	TEST(test_ruleset_refuses_limit_with_seven_decimals),
	TEST(test_ruleset_refuses_ratio_above_one),
	TEST(test_ruleset_refuses_ratio_with_five_decimals),
	TEST(test_ruleset_refuses_money_with_three_decimals),
	TEST(test_ruleset_refuses_sign),
	TEST(test_ruleset_refuses_distance_with_four_decimals),
	TEST(test_ruleset_refuses_bad_effective_from),
	TEST(test_ruleset_refuses_service_without_price),
	TEST(test_ruleset_refuses_service_with_limit),
	TEST(test_ruleset_refuses_drug_with_price),
	TEST(test_ruleset_refuses_class_b_without_b_ratio),
	TEST(test_ruleset_refuses_class_a_with_b_ratio),
	TEST(test_ruleset_refuses_price_over_ceiling),
	TEST(test_ruleset_refuses_price_of_unknown_eldercare_item),
	TEST(test_ruleset_refuses_item_priced_twice),
	TEST(test_ruleset_refuses_code_in_catalog_and_guidance),
	TEST(test_ruleset_refuses_code_in_catalog_and_fee_item),
	TEST(test_ruleset_refuses_code_in_guidance_and_fee_item),
	TEST(test_ruleset_refuses_fee_item_of_two_institutions),
	TEST(test_ruleset_refuses_code_twice_in_catalog),
	TEST(test_ruleset_refuses_duplicate_policy_row),
	TEST(test_ruleset_refuses_duplicate_institution),
	TEST(test_ruleset_refuses_two_medical_catalogs),
	TEST(test_ruleset_refuses_missing_eldercare_guidance),
	TEST(test_ruleset_refuses_two_home_visit_schedules),
	TEST(test_ruleset_refuses_two_ltc),
	TEST(test_ruleset_reports_every_problem),
	TEST(test_ruleset_reports_every_schema_problem),
	TEST(test_ruleset_unnamed_buffer_is_dash),
	TEST(test_ruleset_file_messages_name_the_path),
	TEST(test_ruleset_null_arguments),
	TEST(test_ruleset_missing_file_is_eio),
	TEST(test_ruleset_success_clears_last_error),
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "ruleset", NULL, NULL, NULL, NULL, ruleset_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cb_test_main(suites);
}
