/*
 * test_build.c — cases in memory (engine/case_build.c): the builder must judge and price a
 * case exactly as the same case sent as a document ([DOC-1], [CASE-1]..[CASE-6]).
 *
 * Equivalence, over every fixture (every fixtures/GROUP/NAME/case.xml, with the rule set it names) and every
 * case of the bad-input catalogue (tests/bad-input, rules/fx-2023.xml): the document is parsed
 * here with libxml2 and its elements fed to cb_case_open/close with their source lines, then
 *   - a document the engine rejects is rejected by the builder too (unless the document holds
 *     what the builder has no way to express: text content, namespaces; such inputs are
 *     counted and skipped);
 *   - otherwise both claim documents are identical, byte for byte, except case-sha256, and so
 *     are the findings (code, line, element, message);
 *   - the built case written out (cb_case_write_buffer) and priced as a document gives the
 *     built case's own claim document, case-sha256 included, when it has no findings (their
 *     lines would differ).
 * Then the builder's own checks (the case XSD as a table), a loaded case priced twice, and the
 * misuse errors.
 */
#include <CUnit/Basic.h>

#include "cb_test.h"
#include "case.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#ifndef CAREBILL_SOURCE_DIR
#define CAREBILL_SOURCE_DIR "."
#endif

static char *write_claim(const cb_result *res, size_t *len)
{
	char *buf = NULL;
	if (cb_result_write_buffer(res, &buf, len) != CB_OK)
		return NULL;
	return buf;
}

/* The claim document with the case-sha256 value blanked. */
static void mask_sha(char *doc)
{
	char *at = strstr(doc, "case-sha256=\"");
	if (!at)
		return;
	for (at += 13; *at && *at != '"'; at++)
		*at = '-';
}

typedef struct walk {
	cb_case *c;
	int unrepresentable;
	int rc;
} walk;

static void feed(walk *w, xmlNodePtr n)
{
	const char *attrs[64];
	char names[32][128];
	xmlChar *owned[32];
	size_t k = 0;
	if (n->ns)
		w->unrepresentable = 1;
	for (xmlAttrPtr a = n->properties; a && k < 31; a = a->next, k++) {
		if (a->ns)
			snprintf(names[k], sizeof names[k], "%s:%s", a->ns->prefix, a->name);
		else
			snprintf(names[k], sizeof names[k], "%s", a->name);
		xmlChar *v = xmlNodeListGetString(n->doc, a->children, 1);
		attrs[2 * k] = names[k];
		attrs[2 * k + 1] = v ? (const char *)v : "";
		owned[k] = v;
	}
	if (k == 31)
		w->unrepresentable = 1;
	attrs[2 * k] = NULL;
	long line = xmlGetLineNo(n);
	if (w->rc == CB_OK)
		w->rc = cb_case_open(w->c, (const char *)n->name, attrs,
				     line > 0 ? (unsigned long)line : 0);
	for (size_t i = 0; i < k; i++)
		xmlFree(owned[i]);
	for (xmlNodePtr c = n->children; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE) {
			feed(w, c);
		} else if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			for (const xmlChar *p = c->content; p && *p; p++)
				if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
					w->unrepresentable = 1;
		} else if (c->type != XML_COMMENT_NODE && c->type != XML_PI_NODE) {
			w->unrepresentable = 1;
		}
	}
	if (w->rc == CB_OK)
		w->rc = cb_case_close(w->c, (const char *)n->name);
}

static int checked, skipped;

static int has_doctype(const char *buf, size_t len)
{
	for (size_t i = 0; i + 9 <= len; i++)
		if (buf[i] == '<' && memcmp(buf + i, "<!DOCTYPE", 9) == 0)
			return 1;
	return 0;
}

static void compare_findings(const cb_result *a, const cb_result *b, const char *what)
{
	size_t na = cb_result_finding_count(a), nb = cb_result_finding_count(b);
	if (na != nb) {
		CU_FAIL("finding counts differ");
		fprintf(stderr, "\n%s: %zu findings from the document, %zu built\n", what, na, nb);
		return;
	}
	for (size_t i = 0; i < na; i++) {
		const cb_finding *x = cb_result_finding(a, i), *y = cb_result_finding(b, i);
		int same = strcmp(x->code, y->code) == 0 && x->line == y->line &&
			   strcmp(x->message, y->message) == 0 &&
			   ((!x->ref && !y->ref) || (x->ref && y->ref && !strcmp(x->ref, y->ref)));
		if (!same) {
			CU_FAIL("findings differ");
			fprintf(stderr, "\n%s: finding %zu: %s:%lu %s / %s:%lu %s\n", what, i, x->code,
				x->line, x->message, y->code, y->line, y->message);
		}
	}
}

static void check_document(const cb_ruleset *rs, const char *path, const char *name)
{
	size_t len = 0;
	char *buf = cb_test_slurp(path, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	cb_result *doc_res = NULL;
	int rc = cb_case_price_buffer(&doc_res, rs, buf, len, name, NULL);
	if (rc != CB_OK) { /* a limit or a too-large document: nothing to build */
		skipped++;
		free(buf);
		return;
	}
	/* a DOCTYPE is refused by the engine; parsing it here would expand its entities */
	xmlDocPtr doc = has_doctype(buf, len) ? NULL : xmlReadMemory(buf, (int)len, name, NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
					      XML_PARSE_HUGE);
	free(buf);
	if (!doc || doc->intSubset || !xmlDocGetRootElement(doc)) {
		/* not well-formed or a DOCTYPE: the engine rejects it; nothing to build */
		CU_ASSERT_EQUAL(cb_result_get_status(doc_res), CB_RESULT_REJECTED);
		xmlFreeDoc(doc);
		cb_result_free(doc_res);
		skipped++;
		return;
	}
	walk w = {0};
	CU_ASSERT_EQUAL_FATAL(cb_case_new(&w.c, rs, name), CB_OK);
	feed(&w, xmlDocGetRootElement(doc));
	xmlFreeDoc(doc);
	CU_ASSERT_EQUAL(w.rc, CB_OK);
	cb_result *built_res = NULL;
	if (w.rc == CB_OK && (rc = cb_case_finish(w.c, NULL)) == CB_OK)
		rc = cb_case_price(&built_res, w.c, NULL);
	CU_ASSERT_EQUAL(rc, CB_OK);
	if (rc != CB_OK || !built_res) {
		fprintf(stderr, "\n%s: %s\n", name, cb_error_last());
		goto done;
	}
	if (cb_result_get_status(doc_res) == CB_RESULT_REJECTED) {
		if (w.unrepresentable) {
			if (getenv("CB_TEST_VERBOSE"))
				fprintf(stderr, "\n%s: not expressible when built\n", path);
			skipped++;
		} else {
			checked++;
			CU_ASSERT_EQUAL(cb_result_get_status(built_res), CB_RESULT_REJECTED);
			if (cb_result_get_status(built_res) != CB_RESULT_REJECTED)
				fprintf(stderr, "\n%s: rejected as a document, not when built\n", name);
		}
		goto done;
	}
	checked++;
	CU_ASSERT_FALSE(w.unrepresentable);
	size_t la = 0, lb = 0;
	char *a = write_claim(doc_res, &la), *b = write_claim(built_res, &lb);
	CU_ASSERT_PTR_NOT_NULL(a);
	CU_ASSERT_PTR_NOT_NULL(b);
	if (a && b) {
		char *sb = strstr(b, "case-sha256=\"");
		char sha[65] = "";
		if (sb)
			snprintf(sha, sizeof sha, "%.64s", sb + 13);
		mask_sha(a);
		mask_sha(b);
		CU_ASSERT_STRING_EQUAL(a, b);
		if (strcmp(a, b) != 0)
			fprintf(stderr, "\n%s: the claim documents differ\n", name);
		compare_findings(doc_res, built_res, name);
		/* the canonical document, priced as a document */
		char *canon = NULL;
		size_t cl = 0;
		CU_ASSERT_EQUAL(cb_case_write_buffer(w.c, &canon, &cl), CB_OK);
		cb_result *again = NULL;
		if (canon && cb_case_price_buffer(&again, rs, canon, cl, name, NULL) == CB_OK) {
			size_t lc = 0;
			char *c = write_claim(again, &lc);
			CU_ASSERT_EQUAL(cb_result_get_status(again), cb_result_get_status(built_res));
			if (c && cb_result_finding_count(built_res) == 0) {
				CU_ASSERT_PTR_NOT_NULL(strstr(c, sha));
				mask_sha(c);
				CU_ASSERT_STRING_EQUAL(c, b);
			}
			cb_buffer_free(c);
		} else {
			CU_FAIL("the canonical document could not be priced");
		}
		cb_result_free(again);
		cb_buffer_free(canon);
	}
	cb_buffer_free(a);
	cb_buffer_free(b);
done:
	cb_result_free(built_res);
	cb_result_free(doc_res);
	cb_case_free(w.c);
}

/* The rule set a fixture names: ROOT/rules/<ruleset>.xml. */
static cb_ruleset *fixture_rules(const char *case_path)
{
	char *xml = cb_test_slurp(case_path, NULL);
	const char *at = xml ? strstr(xml, "ruleset=\"") : NULL;
	cb_ruleset *rs = NULL;
	if (at) {
		at += 9;
		char path[1024];
		snprintf(path, sizeof path, "%s/rules/%.*s.xml", CAREBILL_SOURCE_DIR,
			 (int)strcspn(at, "\""), at);
		if (cb_ruleset_load_file(&rs, path) != CB_OK)
			rs = NULL;
	}
	free(xml);
	return rs;
}

/* The demo case (fixtures/demo) loaded once, with its rule set; its path in `path`. */
static cb_case *load_demo(cb_ruleset **rs, char *path, size_t cap)
{
	cb_case *c = NULL;
	snprintf(path, cap, "%s/fixtures/demo/case.xml", CAREBILL_SOURCE_DIR);
	if (!(*rs = fixture_rules(path)) || cb_case_load_file(&c, *rs, path, NULL) != CB_OK)
		return NULL;
	return c;
}


static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The subdirectories of dir, sorted. */
static size_t subdirs(const char *dir, char ***out)
{
	DIR *d = opendir(dir);
	size_t n = 0;
	*out = NULL;
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		*out = realloc(*out, (n + 1) * sizeof **out);
		(*out)[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(*out, n, sizeof **out, name_cmp);
	return n;
}

typedef void (*doc_fn)(const cb_ruleset *rs, const char *path, void *ud);

/* fn for every fixture's case.xml (fixtures/GROUP/NAME/, and the demo), with the rule set it
 * names. */
static void each_fixture(doc_fn fn, void *ud)
{
	static const char *groups[] = {"medical", "errors", "eldercare", "visits", "contracts",
				       "demo"};
	char dir[1024], path[1200];
	for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
		snprintf(dir, sizeof dir, "%s/fixtures/%s", CAREBILL_SOURCE_DIR, groups[g]);
		snprintf(path, sizeof path, "%s/case.xml", dir);
		FILE *direct = fopen(path, "r");
		if (direct) { /* a fixture directory itself (the demo) */
			fclose(direct);
			cb_ruleset *rs = fixture_rules(path);
			CU_ASSERT_PTR_NOT_NULL(rs);
			if (rs)
				fn(rs, path, ud);
			cb_ruleset_free(rs);
			continue;
		}
		char **names;
		size_t n = subdirs(dir, &names);
		for (size_t i = 0; i < n; i++) {
			snprintf(path, sizeof path, "%s/%s/case.xml", dir, names[i]);
			cb_ruleset *rs = fixture_rules(path);
			if (rs)
				fn(rs, path, ud);
			cb_ruleset_free(rs);
			free(names[i]);
		}
		free(names);
	}
}

/* fn for every case document of the bad-input catalogue (kind "case"), against fx-2023. */
static void each_bad_case(doc_fn fn, void *ud)
{
	char dir[1024], path[1200];
	snprintf(dir, sizeof dir, "%s/tests/bad-input", CAREBILL_SOURCE_DIR);
	snprintf(path, sizeof path, "%s/rules/fx-2023.xml", CAREBILL_SOURCE_DIR);
	cb_ruleset *rs = NULL;
	CU_ASSERT_EQUAL_FATAL(cb_ruleset_load_file(&rs, path), CB_OK);
	char **names;
	size_t n = subdirs(dir, &names);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/%s/kind", dir, names[i]);
		char *kind = cb_test_slurp(path, NULL);
		snprintf(path, sizeof path, "%s/%s/input.xml", dir, names[i]);
		FILE *f = fopen(path, "r");
		if (kind && strncmp(kind, "case", 4) == 0 && f)
			fn(rs, path, ud);
		if (f)
			fclose(f);
		free(kind);
		free(names[i]);
	}
	free(names);
	cb_ruleset_free(rs);
}

/* check_document with the file's own name. */
static void check_document_at(const cb_ruleset *rs, const char *path, void *ud)
{
	(void)ud;
	const char *slash = strrchr(path, '/');
	check_document(rs, path, slash ? slash + 1 : path);
}

static void test_fixtures_equivalent(void)
{
	checked = skipped = 0;
	each_fixture(check_document_at, NULL);
	fprintf(stderr, "\nfixtures: %d compared, %d skipped\n", checked, skipped);
	CU_ASSERT(checked >= 60);
}

static void test_badinput_equivalent(void)
{
	checked = skipped = 0;
	each_bad_case(check_document_at, NULL);
	fprintf(stderr, "\nbad inputs: %d compared, %d skipped\n", checked, skipped);
	CU_ASSERT(checked >= 60);
}

/* ---- a document streamed from the parser = its DOM ---- */

static cb_ruleset *fx_rules(void);

static int same_tree(const cb_elem *a, const cb_elem *b, char *why, size_t cap)
{
	for (; a && b; a = a->next, b = b->next) {
		if (strcmp(a->name, b->name) != 0 || a->line != b->line || a->nattrs != b->nattrs) {
			snprintf(why, cap, "<%s> line %lu (%zu attributes) against <%s> line %lu (%zu)",
				 a->name, a->line, a->nattrs, b->name, b->line, b->nattrs);
			return 0;
		}
		for (size_t i = 0; i < 2 * a->nattrs; i++)
			if (strcmp(a->attrs[i], b->attrs[i]) != 0) {
				snprintf(why, cap, "<%s> line %lu: \"%s\" against \"%s\"", a->name,
					 a->line, a->attrs[i], b->attrs[i]);
				return 0;
			}
		if (!same_tree(a->first, b->first, why, cap))
			return 0;
	}
	if (a || b) {
		snprintf(why, cap, "one tree has more elements (<%s>)", a ? a->name : b->name);
		return 0;
	}
	return 1;
}

/* Both loaders' trees of doc; 1 when the document is valid (both have one). */
static int check_stream_doc(const cb_ruleset *rs, const char *doc, size_t len, const char *what)
{
	cb_arena *a = cb_arena_new(), *b = cb_arena_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	cb_elem *s = cb_case__doc_tree(a, rs, doc, len, 1);
	cb_elem *d = cb_case__doc_tree(b, rs, doc, len, 0);
	char why[512] = "";
	int same = (!s && !d) || (s && d && same_tree(s, d, why, sizeof why));
	if (!same)
		fprintf(stderr, "\n%s: streamed %s, DOM %s: %s\n", what, s ? "valid" : "refused",
			d ? "valid" : "refused", why);
	CU_ASSERT(same);
	cb_arena_free(a);
	cb_arena_free(b);
	return d != NULL;
}

typedef struct stream_count {
	int files, valid;
} stream_count;

static void check_stream_file(const cb_ruleset *rs, const char *path, void *ud)
{
	stream_count *count = ud;
	size_t len = 0;
	char *doc = cb_test_slurp(path, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	count->valid += check_stream_doc(rs, doc, len, path);
	count->files++;
	free(doc);
}

static void test_stream_equivalent(void)
{
	stream_count count = {0, 0};
	each_fixture(check_stream_file, &count);
	each_bad_case(check_stream_file, &count);
	cb_ruleset *rs = fx_rules();
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	/* what the fixtures hardly have: references of every kind in values, values spread over
	 * lines (normalised to spaces), start tags over several lines, CR LF, comments,
	 * processing instructions, namespace declarations and xsi attributes, UTF-8 */
	static const char *const crafted[] = {
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<!-- a comment -->\r\n"
		"<case ruleset=\"fx-2023\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
		" xsi:noNamespaceSchemaLocation=\"case.xsd\">\r\n"
		"  <period from=\"2023-01-01\" to=\"2023-12-31\"/>\r\n  <?pi data?>\r\n"
		"  <patient id=\"P&amp;1 &lt;x&gt; &quot;q&quot; &apos;a&apos; &#38;&#x26;&#60;&#x3E;"
		"&#65;&#x4e2d;\" scheme=\"employee\"\n    retired=\"false\">\n"
		"    <encounter id=\"E\tone\nline\r\ntwo\" institution=\"H&amp;amp;\"\n"
		"      setting=\"outpatient\" date=\"2023-03-01\">\n"
		"      <line id=\"L&amp;#38;1\" item=\"&#x31;10200001\" qty=\"1\"\n"
		"            at=\"2023-03-01T09:00\" price=\"12.5\"/>\n"
		"    </encounter>\n  </patient>\n</case>\n",
		"<case ruleset=\"fx-2023\"><period from=\"2023-01-01\" to=\"2023-12-31\"/>"
		"<patient id=\"中文病人\" scheme=\"resident\" retired=\"1\"/></case>",
		/* CDATA between elements: text, as XML_PARSE_NOCDATA makes it */
		"<case ruleset=\"fx-2023\"><![CDATA[ ]]><period from=\"2023-01-01\" "
		"to=\"2023-12-31\"/></case>",
		/* problems: the stream refuses, the DOM reports them */
		"<case ruleset=\"fx-2023\"><period from=\"2023-01-01\"/></case>",
		"<case ruleset=\"fx-2023\"><period from=\"2023-01-01\" to=\"x\"/><bogus/></case>",
		"<case ruleset=\"fx-2023\"><period from=\"2023-01-01\" to=\"x\"/>text</case>",
		"<!DOCTYPE case [<!ENTITY e \"x\">]><case ruleset=\"&e;\"/>",
		"<case ruleset=\"fx-2023\"><period from=\"a\" to=\"b\"/></case><case/>",
		"<case ruleset=\"fx-2023\"><period from=\"a\" to=\"b\"/>",
		/* a namespace error (not well-formed for namespaces only), which the plugged
		 * validator's handlers do not report: fuzz_case found the stream taking it */
		"<?xmlT: x?><case ruleset=\"fx-2023\"><period from=\"2023-01-01\" "
		"to=\"2023-12-31\"/></case>",
		"<case ruleset=\"fx-2023\" p:x=\"1\"><period from=\"2023-01-01\" "
		"to=\"2023-12-31\"/></case>",
		/* xsi:type under xmlns="": the plugged validator resolves it, the DOM's does not
		 * (a reviewer's finding); the stream leaves xsi:type to the DOM route */
		"<case ruleset=\"fx-2023\" xmlns=\"\" "
		"xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><period "
		"from=\"2023-01-01\" to=\"2023-12-31\"/><patient id=\"P\" scheme=\"employee\" "
		"retired=\"0\"><encounter id=\"E\" institution=\"H1\" setting=\"outpatient\" "
		"date=\"2023-03-01\"><line xsi:type=\"line\" id=\"L\" item=\"X\" qty=\"1\" "
		"at=\"2023-03-01T09:00\"/></encounter></patient></case>",
	};
	int crafted_valid = 0;
	for (size_t i = 0; i < sizeof crafted / sizeof crafted[0]; i++)
		crafted_valid += check_stream_doc(rs, crafted[i], strlen(crafted[i]), crafted[i]);
	CU_ASSERT_EQUAL(crafted_valid, 3); /* the first three are valid, so compared */
	/* a line number past 65535, which libxml2 keeps apart (XML_PARSE_BIG_LINES): the stream
	 * has the line where the start tag ends, like any other; the DOM has only an estimate
	 * there (xmlGetLineNo takes a neighbouring text node's line), so no comparison */
	size_t cap = 80000 + 512, len = 0;
	char *big = malloc(cap);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	len += (size_t)snprintf(big, cap, "<case ruleset=\"fx-2023\">");
	memset(big + len, '\n', 70000);
	len += 70000;
	len += (size_t)snprintf(big + len, cap - len, "<period from=\"2023-01-01\" "
				"to=\"2023-12-31\"/>\n<patient id=\"P\" scheme=\"employee\" "
				"retired=\"0\"/></case>");
	cb_arena *a = cb_arena_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	cb_elem *root = cb_case__doc_tree(a, rs, big, len, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	CU_ASSERT_EQUAL(root->line, 1);
	CU_ASSERT_EQUAL(root->first->line, 70001);
	CU_ASSERT_EQUAL(root->first->next->line, 70002);
	cb_arena_free(a);
	free(big);
	cb_ruleset_free(rs);
	fprintf(stderr, "\nstream = DOM: %d files (%d valid, compared element by element)\n",
		count.files, count.valid);
	CU_ASSERT(count.valid >= 50);
}

/* ---- the builder's own checks ---- */

static cb_ruleset *fx_rules(void)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/rules/fx-2023.xml", CAREBILL_SOURCE_DIR);
	cb_ruleset *rs = NULL;
	if (cb_ruleset_load_file(&rs, path) != CB_OK)
		return NULL;
	return rs;
}

#define A(...) ((const char *const[]){__VA_ARGS__, NULL})

/* A one-patient case whose line element gets `line_attrs`; its status and first finding. */
static cb_result_status build_one(const char *const *patient_attrs, const char *line_elem,
				  const char *const *line_attrs, char *code, size_t cap)
{
	cb_ruleset *rs = fx_rules();
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	cb_case *c = NULL;
	CU_ASSERT_EQUAL_FATAL(cb_case_new(&c, rs, "built"), CB_OK);
	CU_ASSERT_EQUAL(cb_case_open(c, "case", A("ruleset", cb_ruleset_id(rs)), 1), CB_OK);
	CU_ASSERT_EQUAL(cb_case_add(c, "period", A("from", "2023-03-01", "to", "2023-04-01"), 2),
			CB_OK);
	CU_ASSERT_EQUAL(cb_case_open(c, "patient", patient_attrs, 3), CB_OK);
	CU_ASSERT_EQUAL(cb_case_open(c, "encounter", A("id", "E1", "institution", "H1",
						       "setting", "outpatient", "date",
						       "2023-03-05"), 4), CB_OK);
	CU_ASSERT_EQUAL(cb_case_add(c, line_elem, line_attrs, 5), CB_OK);
	CU_ASSERT_EQUAL(cb_case_close(c, "encounter"), CB_OK);
	CU_ASSERT_EQUAL(cb_case_close(c, "patient"), CB_OK);
	CU_ASSERT_EQUAL(cb_case_close(c, "case"), CB_OK);
	CU_ASSERT_EQUAL(cb_case_finish(c, NULL), CB_OK);
	cb_result *res = NULL;
	CU_ASSERT_EQUAL(cb_case_price(&res, c, NULL), CB_OK);
	cb_result_status st = res ? cb_result_get_status(res) : CB_RESULT_REJECTED;
	code[0] = '\0';
	if (res && cb_result_finding_count(res))
		snprintf(code, cap, "%s %lu %s", cb_result_finding(res, 0)->code,
			 cb_result_finding(res, 0)->line, cb_result_finding(res, 0)->message);
	cb_result_free(res);
	cb_case_free(c);
	cb_ruleset_free(rs);
	return st;
}

#define PATIENT A("id", "P1", "scheme", "employee", "retired", "false")
#define LINE_OK "id", "L1", "item", "SVC-A1", "qty", "2", "at", "2023-03-05T09:00"

static void test_builder_checks(void)
{
	char code[512];
	CU_ASSERT_EQUAL(build_one(PATIENT, "line", A(LINE_OK), code, sizeof code),
			CB_RESULT_BILLED);
	/* a NULL value leaves the attribute out: price is optional */
	CU_ASSERT_EQUAL(build_one(PATIENT, "line", A(LINE_OK, "price", NULL), code, sizeof code),
			CB_RESULT_BILLED);
	struct {
		const char *elem;
		const char *const *attrs;
		const char *want;
	} bad[] = {
		{"line", A("id", "L1", "item", "SVC-A1", "qty", "2"), "'at' is required"},
		{"line", A(LINE_OK, "colour", "red"), "'colour' is not allowed"},
		{"line", A(LINE_OK, "qty", "3"), "given twice"},
		{"line", A("id", "L\x01", "item", "SVC-A1", "qty", "2", "at", "2023-03-05T09:00"),
		 "control character"},
		{"line", A("id", "L\xC3", "item", "SVC-A1", "qty", "2", "at", "2023-03-05T09:00"),
		 "invalid UTF-8"},
		{"line", A("id", "L\xED\xA0\x80", "item", "SVC-A1", "qty", "2", "at",
			   "2023-03-05T09:00"), "invalid UTF-8"},
		{"line", A("id", "L\xC0\xAF", "item", "SVC-A1", "qty", "2", "at",
			   "2023-03-05T09:00"), "invalid UTF-8"},
		{"cover", A("item", "SVC-A1"), "<cover> is not allowed in <encounter>"},
		{"linen", A(LINE_OK), "<linen> is not a case element"},
		{"line", A("id", "", "item", "SVC-A1", "qty", "2", "at", "2023-03-05T09:00"),
		 "must not be empty"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CU_ASSERT_EQUAL(build_one(PATIENT, bad[i].elem, bad[i].attrs, code, sizeof code),
				CB_RESULT_REJECTED);
		CU_ASSERT_PTR_NOT_NULL(strstr(code, "SCHEMA 5 "));
		CU_ASSERT_PTR_NOT_NULL(strstr(code, bad[i].want));
		if (!strstr(code, bad[i].want))
			fprintf(stderr, "\ncase %zu: %s\n", i, code);
	}
	CU_ASSERT_EQUAL(build_one(A("id", "P1", "scheme", "employed", "retired", "false"), "line",
				  A(LINE_OK), code, sizeof code), CB_RESULT_REJECTED);
	CU_ASSERT_PTR_NOT_NULL(strstr(code, "SCHEMA 3 patient: attribute 'scheme': \"employed\""));
	/* values are the loader's: held with its code and the caller's line */
	CU_ASSERT_EQUAL(build_one(PATIENT, "line", A("id", "L1", "item", "SVC-A1", "qty", "2.x", "at",
						     "2023-03-05T09:00"), code, sizeof code),
			CB_RESULT_HELD);
	CU_ASSERT_PTR_NOT_NULL(strstr(code, "BAD_DECIMAL 5 "));
	/* multi-byte text is fine */
	CU_ASSERT_EQUAL(build_one(PATIENT, "line", A("id", "L\xE6\x9D\x8E\xF0\x9F\x98\x80", "item",
						     "SVC-A1", "qty", "2", "at", "2023-03-05T09:00"),
				  code, sizeof code), CB_RESULT_BILLED);
}

static void test_builder_misuse(void)
{
	cb_ruleset *rs = fx_rules();
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	cb_case *c = NULL;
	CU_ASSERT_EQUAL(cb_case_new(NULL, rs, "x"), CB_EINVAL);
	CU_ASSERT_EQUAL(cb_case_new(&c, NULL, "x"), CB_EINVAL);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_EQUAL(cb_case_open(NULL, "case", NULL, 0), CB_EINVAL);
	CU_ASSERT_EQUAL(cb_case_finish(NULL, NULL), CB_EINVAL);
	/* closing what is not open */
	CU_ASSERT_EQUAL_FATAL(cb_case_new(&c, rs, "x"), CB_OK);
	CU_ASSERT_EQUAL(cb_case_open(c, "case", A("ruleset", "fx-2023"), 1), CB_OK);
	CU_ASSERT_EQUAL(cb_case_close(c, "patient"), CB_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(cb_error_last(), "<patient> is not the open element"));
	CU_ASSERT_EQUAL(cb_case_finish(c, NULL), CB_EINVAL); /* failed: can only be freed */
	cb_case_free(c);
	/* finishing with an element open */
	CU_ASSERT_EQUAL_FATAL(cb_case_new(&c, rs, "x"), CB_OK);
	CU_ASSERT_EQUAL(cb_case_open(c, "case", A("ruleset", "fx-2023"), 1), CB_OK);
	CU_ASSERT_EQUAL(cb_case_finish(c, NULL), CB_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(cb_error_last(), "<case> (line 1) is not closed"));
	cb_result *res = NULL;
	CU_ASSERT_EQUAL(cb_case_price(&res, c, NULL), CB_EINVAL);
	CU_ASSERT_PTR_NULL(res);
	cb_case_free(c);
	/* an empty case: rejected, not an error */
	CU_ASSERT_EQUAL_FATAL(cb_case_new(&c, rs, "x"), CB_OK);
	CU_ASSERT_EQUAL(cb_case_finish(c, NULL), CB_OK);
	CU_ASSERT_EQUAL(cb_case_price(&res, c, NULL), CB_OK);
	CU_ASSERT_EQUAL(cb_result_get_status(res), CB_RESULT_REJECTED);
	CU_ASSERT_EQUAL(cb_case_open(c, "case", NULL, 0), CB_EINVAL); /* finished */
	cb_result_free(res);
	cb_case_free(c);
	/* two roots */
	CU_ASSERT_EQUAL_FATAL(cb_case_new(&c, rs, "x"), CB_OK);
	CU_ASSERT_EQUAL(cb_case_add(c, "case", A("ruleset", "fx-2023"), 1), CB_OK);
	CU_ASSERT_EQUAL(cb_case_add(c, "case", A("ruleset", "fx-2023"), 2), CB_OK);
	CU_ASSERT_EQUAL(cb_case_finish(c, NULL), CB_OK);
	CU_ASSERT_EQUAL(cb_case_price(&res, c, NULL), CB_OK);
	CU_ASSERT_EQUAL(cb_result_get_status(res), CB_RESULT_REJECTED);
	cb_result_free(res);
	cb_case_free(c);
	cb_case_free(NULL);
	cb_ruleset_free(rs);
}

/* The limits a document has, the builder has too: a value libxml2 would refuse is SCHEMA,
 * and max_document_bytes applies to the canonical document. */
static void test_builder_limits(void)
{
	char code[512];
	size_t big = 9000001;
	char *value = malloc(big + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(value);
	memset(value, 'x', big);
	value[big] = '\0';
	CU_ASSERT_EQUAL(build_one(A("id", value, "scheme", "employee", "retired", "false"), "line",
				  A(LINE_OK), code, sizeof code), CB_RESULT_REJECTED);
	CU_ASSERT_PTR_NOT_NULL(strstr(code, "attribute 'id' is longer than 9000000 bytes"));
	value[big - 1] = '\0';
	CU_ASSERT_EQUAL(build_one(A("id", value, "scheme", "employee", "retired", "false"), "line",
				  A(LINE_OK), code, sizeof code), CB_RESULT_BILLED);
	free(value);

	cb_ruleset *rs = fx_rules();
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	cb_case *c = NULL;
	CU_ASSERT_EQUAL_FATAL(cb_case_new(&c, rs, "small"), CB_OK);
	CU_ASSERT_EQUAL(cb_case_open(c, "case", A("ruleset", "fx-2023"), 1), CB_OK);
	CU_ASSERT_EQUAL(cb_case_add(c, "period", A("from", "2023-03-01", "to", "2023-04-01"), 2),
			CB_OK);
	CU_ASSERT_EQUAL(cb_case_close(c, "case"), CB_OK);
	cb_price_options opts = CB_PRICE_OPTIONS_INIT;
	opts.max_document_bytes = 100;
	CU_ASSERT_EQUAL(cb_case_finish(c, &opts), CB_ELIMIT);
	CU_ASSERT_PTR_NOT_NULL(strstr(cb_error_last(), "bytes is over the limit of 100"));
	cb_case_free(c);

	/* 20 attributes (more than the builder keeps on its stack), most unknown, one twice */
	const char *many[42];
	char names[20][8];
	for (int i = 0; i < 20; i++) {
		snprintf(names[i], sizeof names[i], "a%d", i);
		many[2 * i] = names[i];
		many[2 * i + 1] = "v";
	}
	many[0] = "id";
	many[2] = "item";
	many[3] = "SVC-A1";
	many[4] = "qty";
	many[5] = "1";
	many[6] = "at";
	many[7] = "2023-03-05T09:00";
	many[8] = "id";
	many[40] = NULL;
	CU_ASSERT_EQUAL(build_one(PATIENT, "line", many, code, sizeof code), CB_RESULT_REJECTED);
	CU_ASSERT_PTR_NOT_NULL(strstr(code, "SCHEMA 5 "));
	cb_ruleset_free(rs);
}

/* A misuse of a loaded or finished case leaves it usable; a document rejected before it had
 * elements cannot be written out. */
static void test_ready_case_misuse(void)
{
	char path[1024];
	cb_ruleset *rs = NULL;
	cb_case *c = load_demo(&rs, path, sizeof path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(cb_case_close(c, "case"), CB_EINVAL);
	CU_ASSERT_EQUAL(cb_case_open(c, "patient", NULL, 0), CB_EINVAL);
	CU_ASSERT_EQUAL(cb_case_finish(c, NULL), CB_EINVAL);
	cb_result *res = NULL;
	CU_ASSERT_EQUAL(cb_case_price(&res, c, NULL), CB_OK);
	CU_ASSERT_EQUAL(cb_result_get_status(res), CB_RESULT_BILLED);
	cb_result_free(res);
	cb_case_free(c);

	static const char broken[] = "<case ruleset=\"fx-2023\"><period";
	CU_ASSERT_EQUAL_FATAL(cb_case_load_buffer(&c, rs, broken, sizeof broken - 1, "broken.xml",
						  NULL), CB_OK);
	char *doc = NULL;
	size_t len = 0;
	CU_ASSERT_EQUAL(cb_case_write_buffer(c, &doc, &len), CB_EINVAL);
	CU_ASSERT_PTR_NULL(doc);
	CU_ASSERT_EQUAL(cb_case_price(&res, c, NULL), CB_OK);
	CU_ASSERT_EQUAL(cb_result_get_status(res), CB_RESULT_REJECTED);
	cb_result_free(res);
	cb_case_free(c);
	cb_ruleset_free(rs);
}

/* ---- the builder's table against rules/schema/case.xsd ---- */

static int xs_is(xmlNodePtr n, const char *local)
{
	return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, local) == 0;
}

static char *xs_attr(xmlNodePtr n, const char *name)
{
	return (char *)xmlGetProp(n, (const xmlChar *)name);
}

/* The xs:element above n (not n itself), or NULL. */
static xmlNodePtr xs_owner(xmlNodePtr n)
{
	for (n = n->parent; n && n->type == XML_ELEMENT_NODE; n = n->parent)
		if (xs_is(n, "element"))
			return n;
	return NULL;
}

/* The named xs:simpleType or xs:complexType at the schema's top level. */
static xmlNodePtr xs_type(xmlNodePtr schema, const char *kind, const char *name)
{
	for (xmlNodePtr t = schema->children; t; t = t->next) {
		if (!xs_is(t, kind))
			continue;
		char *tn = xs_attr(t, "name");
		int same = tn && strcmp(tn, name) == 0;
		xmlFree(tn);
		if (same)
			return t;
	}
	return NULL;
}

/* Whether attribute declaration a matches the table's entry as (required, enumeration). */
static void check_attr(xmlNodePtr schema, xmlNodePtr a, const cb_case_aspec *as, const char *el)
{
	char *use = xs_attr(a, "use"), *type = xs_attr(a, "type");
	int required = use && strcmp(use, "required") == 0;
	CU_ASSERT_EQUAL(required, as->required);
	if (required != as->required)
		fprintf(stderr, "\n%s/@%s: required in the XSD %d, in the table %d\n", el, as->name,
			required, as->required);
	xmlNodePtr st = type && strncmp(type, "xs:", 3) != 0 ? xs_type(schema, "simpleType", type)
							     : NULL;
	size_t enums = 0, matched = 0;
	for (xmlNodePtr r = st ? st->children : NULL; r; r = r->next) {
		if (!xs_is(r, "restriction"))
			continue;
		for (xmlNodePtr e = r->children; e; e = e->next) {
			if (!xs_is(e, "enumeration"))
				continue;
			char *v = xs_attr(e, "value");
			enums++;
			for (const char *const *t = as->values; t && *t; t++)
				matched += strcmp(*t, v) == 0;
			xmlFree(v);
		}
	}
	size_t table = 0;
	for (const char *const *t = as->values; t && *t; t++)
		table++;
	if (enums) { /* an enumeration, or a pattern type (no-text) that the table has as text */
		CU_ASSERT_EQUAL(matched, enums);
		CU_ASSERT_EQUAL(table, enums);
	} else {
		CU_ASSERT_EQUAL(table, 0);
	}
	if (enums != table || matched != enums)
		fprintf(stderr, "\n%s/@%s: %zu values in the XSD, %zu in the table\n", el,
			as->name, enums, table);
	xmlFree(use);
	xmlFree(type);
}

/* Every xs:attribute that belongs to element declaration `el` (its own, or its named type's). */
static size_t attrs_of(xmlNodePtr schema, xmlNodePtr el, xmlNodePtr *out, size_t cap)
{
	size_t n = 0;
	char *type = xs_attr(el, "type");
	xmlNodePtr root = type ? xs_type(schema, "complexType", type) : el;
	xmlFree(type);
	if (!root)
		return 0;
	/* a depth-first walk that does not enter nested element declarations */
	xmlNodePtr stack[64];
	size_t sp = 0;
	stack[sp++] = root;
	while (sp) {
		xmlNodePtr x = stack[--sp];
		for (xmlNodePtr c = x->children; c; c = c->next) {
			if (c->type != XML_ELEMENT_NODE || xs_is(c, "element"))
				continue;
			if (xs_is(c, "attribute") && n < cap)
				out[n++] = c;
			else if (sp < 64)
				stack[sp++] = c;
		}
	}
	return n;
}

static void test_table_matches_xsd(void)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/rules/schema/case.xsd", CAREBILL_SOURCE_DIR);
	xmlDocPtr xsd = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
	CU_ASSERT_PTR_NOT_NULL_FATAL(xsd);
	xmlNodePtr schema = xmlDocGetRootElement(xsd);
	size_t n = 0;
	const cb_case_espec *table = cb_case__schema(&n);
	for (size_t i = 0; i < n; i++) { /* the canonical writer's bound on a name */
		CU_ASSERT(strlen(table[i].name) < CB_CASE_NAME_MAX);
		for (const cb_case_aspec *a = table[i].attrs; a < table[i].attrs + 8 && a->name; a++)
			CU_ASSERT(strlen(a->name) < CB_CASE_NAME_MAX);
	}
	size_t seen_elems = 0;
	/* every element declaration in the XSD */
	xmlNodePtr stack[256];
	size_t sp = 0;
	stack[sp++] = schema;
	while (sp) {
		xmlNodePtr x = stack[--sp];
		for (xmlNodePtr c = x->children; c; c = c->next) {
			if (c->type != XML_ELEMENT_NODE)
				continue;
			if (sp < 256)
				stack[sp++] = c;
			if (!xs_is(c, "element"))
				continue;
			seen_elems++;
			char *name = xs_attr(c, "name");
			const cb_case_espec *es = NULL;
			for (size_t i = 0; i < n; i++)
				if (strcmp(table[i].name, name) == 0)
					es = &table[i];
			CU_ASSERT_PTR_NOT_NULL(es);
			if (!es) {
				fprintf(stderr, "\n<%s> is in the XSD, not in the table\n", name);
				xmlFree(name);
				continue;
			}
			xmlNodePtr owner = xs_owner(c);
			char *parent = owner ? xs_attr(owner, "name") : NULL;
			int parent_ok = parent ? (es->parents[0] && !strcmp(es->parents[0], parent)) ||
							 (es->parents[1] && !strcmp(es->parents[1], parent))
					       : !es->parents[0];
			CU_ASSERT(parent_ok);
			if (!parent_ok)
				fprintf(stderr, "\n<%s> in <%s>: not a parent in the table\n", name,
					parent ? parent : "(root)");
			xmlNodePtr decl[16];
			size_t na = attrs_of(schema, c, decl, 16), nt = 0;
			while (nt < 8 && es->attrs[nt].name)
				nt++;
			CU_ASSERT_EQUAL(na, nt);
			if (na != nt)
				fprintf(stderr, "\n<%s>: %zu attributes in the XSD, %zu in the table\n",
					name, na, nt);
			for (size_t i = 0; i < na; i++) {
				char *an = xs_attr(decl[i], "name");
				const cb_case_aspec *as = NULL;
				for (size_t j = 0; j < nt; j++)
					if (strcmp(es->attrs[j].name, an) == 0)
						as = &es->attrs[j];
				CU_ASSERT_PTR_NOT_NULL(as);
				if (as)
					check_attr(schema, decl[i], as, name);
				else
					fprintf(stderr, "\n<%s %s>: not in the table\n", name, an);
				xmlFree(an);
			}
			xmlFree(parent);
			xmlFree(name);
		}
	}
	/* 11 elements, line declared twice (in encounter and in visit) */
	CU_ASSERT_EQUAL(seen_elems, n + 1);
	xmlFreeDoc(xsd);
}

/* A case loaded once prices the same every time (the case is not changed by pricing). */
static void test_load_price_twice(void)
{
	char path[1024];
	cb_ruleset *rs = NULL;
	cb_case *c = load_demo(&rs, path, sizeof path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	cb_result *r1 = NULL, *r2 = NULL, *r3 = NULL;
	CU_ASSERT_EQUAL(cb_case_price(&r1, c, NULL), CB_OK);
	CU_ASSERT_EQUAL(cb_case_price(&r2, c, NULL), CB_OK);
	CU_ASSERT_EQUAL(cb_case_price_file(&r3, rs, path, NULL), CB_OK);
	size_t l1, l2, l3;
	char *a = write_claim(r1, &l1), *b = write_claim(r2, &l2), *d = write_claim(r3, &l3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_STRING_EQUAL(a, b);
	CU_ASSERT_STRING_EQUAL(a, d); /* same bytes, same case-sha256 */
	/* traced (explain, issue 6): the same steps for every line either way */
	cb_price_options traced = CB_PRICE_OPTIONS_INIT;
	traced.trace = 1;
	cb_result *t1 = NULL, *t2 = NULL;
	CU_ASSERT_EQUAL(cb_case_price(&t1, c, &traced), CB_OK);
	CU_ASSERT_EQUAL(cb_case_price_file(&t2, rs, path, &traced), CB_OK);
	size_t steps = 0, same = 0, lines = 0;
	for (size_t i = 0; t1 && t2 && i < cb_result_patient_count(t1); i++) {
		const cb_patient *p1 = cb_result_patient(t1, i), *p2 = cb_result_patient(t2, i);
		for (size_t j = 0; j < p1->bill_count; j++) {
			const cb_bill *b1 = cb_patient_bill(p1, j), *b2 = cb_patient_bill(p2, j);
			for (size_t k = 0; k < b1->line_count; k++) {
				const cb_line *l1 = cb_bill_line(b1, k), *l2 = cb_bill_line(b2, k);
				lines++;
				steps += l1->step_count;
				if (l1->step_count != l2->step_count)
					continue;
				size_t m = 0;
				while (m < l1->step_count &&
				       strcmp(l1->steps[m]->formula, l2->steps[m]->formula) == 0 &&
				       strcmp(l1->steps[m]->value, l2->steps[m]->value) == 0)
					m++;
				same += m == l1->step_count;
			}
		}
	}
	CU_ASSERT(lines > 0);
	CU_ASSERT(steps > 0);
	CU_ASSERT_EQUAL(same, lines);
	cb_result_free(t1);
	cb_result_free(t2);
	cb_buffer_free(a);
	cb_buffer_free(b);
	cb_buffer_free(d);
	cb_result_free(r1);
	cb_result_free(r2);
	cb_result_free(r3);
	cb_case_free(c);
	CU_ASSERT_EQUAL(cb_case_load_file(&c, rs, "/nonexistent/case.xml", NULL), CB_EIO);
	CU_ASSERT_PTR_NULL(c);
	cb_ruleset_free(rs);
}

static void quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/* A case's name is shown in the claim and in findings: bytes XML cannot carry become '?'. */
static void test_bad_case_name(void)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/fixtures/demo/case.xml", CAREBILL_SOURCE_DIR);
	cb_ruleset *rs = fixture_rules(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	size_t len = 0;
	char *doc = cb_test_slurp(path, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	cb_result *res = NULL;
	CU_ASSERT_EQUAL_FATAL(cb_case_price_buffer(&res, rs, doc, len, "dir/bad\x01name\xC3\xA9\xC3.xml",
						   NULL), CB_OK);
	size_t cl = 0;
	char *claim = write_claim(res, &cl);
	CU_ASSERT_PTR_NOT_NULL_FATAL(claim);
	CU_ASSERT_PTR_NOT_NULL(strstr(claim, "case=\"bad?name\xC3\xA9?.xml\""));
	xmlDocPtr parsed = xmlReadMemory(claim, (int)cl, "claim.xml", NULL, XML_PARSE_NONET);
	CU_ASSERT_PTR_NOT_NULL(parsed);
	xmlFreeDoc(parsed);
	cb_buffer_free(claim);
	cb_result_free(res);
	cb_case *c = NULL;
	CU_ASSERT_EQUAL_FATAL(cb_case_new(&c, rs, "\x7f\x02\xff"), CB_OK);
	CU_ASSERT_EQUAL(cb_case_finish(c, NULL), CB_OK);
	CU_ASSERT_EQUAL(cb_case_price(&res, c, NULL), CB_OK);
	CU_ASSERT_EQUAL_FATAL(cb_result_finding_count(res) > 0, 1);
	CU_ASSERT_STRING_EQUAL(cb_result_finding(res, 0)->file, "\x7f??");
	cb_result_free(res);
	cb_case_free(c);
	free(doc);
	cb_ruleset_free(rs);
}

/* One loaded case priced by several threads at once (cb_case_price takes it const). */
typedef struct shared_case {
	const cb_case *c;
	const char *want;
	int mismatches;
} shared_case;

static void *price_shared(void *arg)
{
	shared_case *sc = arg;
	for (int i = 0; i < 20; i++) {
		cb_result *res = NULL;
		size_t len = 0;
		char *doc = NULL;
		if (cb_case_price(&res, sc->c, NULL) != CB_OK || !(doc = write_claim(res, &len)) ||
		    strcmp(doc, sc->want) != 0)
			__atomic_add_fetch(&sc->mismatches, 1, __ATOMIC_RELAXED);
		cb_buffer_free(doc);
		cb_result_free(res);
	}
	return NULL;
}

static void test_threads_share_case(void)
{
	char path[1024];
	cb_ruleset *rs = NULL;
	cb_case *c = load_demo(&rs, path, sizeof path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	cb_result *res = NULL;
	size_t len = 0;
	CU_ASSERT_EQUAL_FATAL(cb_case_price(&res, c, NULL), CB_OK);
	char *want = write_claim(res, &len);
	cb_result_free(res);
	CU_ASSERT_PTR_NOT_NULL_FATAL(want);
	shared_case sc = {c, want, 0};
	pthread_t t[4];
	int started = 0;
	for (int i = 0; i < 4; i++)
		started += pthread_create(&t[i], NULL, price_shared, &sc) == 0;
	CU_ASSERT_EQUAL(started, 4);
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	CU_ASSERT_EQUAL(sc.mismatches, 0);
	cb_buffer_free(want);
	cb_case_free(c);
	cb_ruleset_free(rs);
}

int main(void)
{
	xmlSetGenericErrorFunc(NULL, quiet); /* this test's own parses of broken documents */
	CU_TestInfo tests[] = {
		{"fixtures: built = document", test_fixtures_equivalent},
		{"streamed document = its DOM (fixtures, bad inputs, crafted)",
		 test_stream_equivalent},
		{"bad inputs: built = document", test_badinput_equivalent},
		{"builder checks (the case XSD as a table)", test_builder_checks},
		{"the builder's table is the case XSD", test_table_matches_xsd},
		{"builder misuse", test_builder_misuse},
		{"a loaded case priced twice", test_load_price_twice},
		{"one loaded case priced by four threads at once", test_threads_share_case},
		{"a case name XML cannot carry", test_bad_case_name},
		{"builder limits: value length, document size, many attributes", test_builder_limits},
		{"a misuse of a ready case leaves it usable", test_ready_case_misuse},
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {{"build", NULL, NULL, NULL, NULL, tests}, CU_SUITE_INFO_NULL};
	return cb_test_main(suites);
}
