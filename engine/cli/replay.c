/*
 * replay.c — replaying fixtures for auditors (issue 6): price DIR/case.xml with the rule set
 * it names and compare the claim with DIR/expected.xml byte for byte. On a difference, report
 * the XPath of the first differing element or attribute with both values. The same code runs
 * the fixtures under ctest (tests/test_fixtures.c) and `carebill replay`.
 *
 * The rule set is DIR/rules.txt (a path relative to the project root) when present, else
 * ROOT/rules/<ruleset attribute of the case>.xml.
 */
#include "replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "carebill.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap + 1);
	size_t got;
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *bigger = realloc(buf, (cap *= 2) + 1);
			if (!bigger)
				free(buf);
			buf = bigger;
		}
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

int cb_replay_rules_path(const char *root, const char *dir, char *out, size_t cap)
{
	char p[4096];
	size_t len;
	snprintf(p, sizeof p, "%s/rules.txt", dir);
	char *txt = slurp(p, &len);
	if (txt) {
		txt[strcspn(txt, "\r\n")] = '\0';
		snprintf(out, cap, "%s/%s", root, txt);
		free(txt);
		return 0;
	}
	snprintf(p, sizeof p, "%s/case.xml", dir);
	char *xml = slurp(p, &len);
	const char *at = xml ? strstr(xml, "ruleset=\"") : NULL;
	int rc = -1;
	if (at) {
		at += 9;
		int n = (int)strcspn(at, "\"");
		snprintf(out, cap, "%s/rules/%.*s.xml", root, n, at);
		rc = 0;
	}
	free(xml);
	return rc;
}

/* ---- first difference between two claim documents, as an XPath ---- */

static const char *key_attrs[] = {"id", "unit", "payer", "code", "year", "contract"};

/* Append n's step: by a key attribute when it has one, else by position among siblings of
 * the same name (an XPath positional predicate). */
static void step(const xmlNode *n, char *path, size_t cap)
{
	size_t len = strlen(path);
	int pos = 1;
	for (const xmlNode *s = n->prev; s; s = s->prev)
		pos += s->type == XML_ELEMENT_NODE && strcmp((const char *)s->name,
							     (const char *)n->name) == 0;
	for (size_t i = 0; i < sizeof key_attrs / sizeof key_attrs[0]; i++) {
		xmlChar *v = xmlGetProp(n, (const xmlChar *)key_attrs[i]);
		if (v && strcmp((const char *)n->name, "finding") != 0) {
			snprintf(path + len, cap - len, "/%s[@%s='%s']", n->name, key_attrs[i], v);
			xmlFree(v);
			return;
		}
		xmlFree(v);
	}
	snprintf(path + len, cap - len, "/%s[%d]", n->name, pos);
}

static const xmlNode *next_elem(const xmlNode *n)
{
	while (n && n->type != XML_ELEMENT_NODE)
		n = n->next;
	return n;
}

static int diff_attrs(const xmlNode *a, const xmlNode *b, const char *path, FILE *out)
{
	const xmlAttr *x = a->properties, *y = b->properties;
	for (; x || y; x = x ? x->next : NULL, y = y ? y->next : NULL) {
		const char *name = (const char *)(x ? x->name : y->name);
		xmlChar *vx = x ? xmlNodeGetContent((const xmlNode *)x) : NULL;
		xmlChar *vy = y ? xmlNodeGetContent((const xmlNode *)y) : NULL;
		int same = x && y && strcmp((const char *)x->name, (const char *)y->name) == 0 &&
			   strcmp((const char *)vx, (const char *)vy) == 0;
		if (!same)
			fprintf(out, "  %s/@%s\n    expected: %s\n    actual:   %s\n", path, name,
				y ? (const char *)vy : "(absent)", x ? (const char *)vx : "(absent)");
		xmlFree(vx);
		xmlFree(vy);
		if (!same)
			return 1;
	}
	return 0;
}

/* a: actual, b: expected. 1 when a difference was reported. */
static int diff_node(const xmlNode *a, const xmlNode *b, char *path, size_t cap, FILE *out)
{
	if (diff_attrs(a, b, path, out))
		return 1;
	xmlChar *ta = a->children && a->children->type == XML_TEXT_NODE ? xmlNodeGetContent(a) : NULL;
	xmlChar *tb = b->children && b->children->type == XML_TEXT_NODE ? xmlNodeGetContent(b) : NULL;
	int text_differs = (ta || tb) && (!ta || !tb || strcmp((char *)ta, (char *)tb) != 0) &&
			   next_elem(a->children) == NULL;
	if (text_differs)
		fprintf(out, "  %s/text()\n    expected: %s\n    actual:   %s\n", path,
			tb ? (char *)tb : "", ta ? (char *)ta : "");
	xmlFree(ta);
	xmlFree(tb);
	if (text_differs)
		return 1;
	const xmlNode *x = next_elem(a->children), *y = next_elem(b->children);
	size_t len = strlen(path);
	for (; x || y; x = next_elem(x ? x->next : NULL), y = next_elem(y ? y->next : NULL)) {
		if (!x || !y || strcmp((const char *)x->name, (const char *)y->name) != 0) {
			step(x ? x : y, path, cap);
			fprintf(out, "  %s\n    expected: %s\n    actual:   %s\n", path,
				y ? (const char *)y->name : "(no element)",
				x ? (const char *)x->name : "(no element)");
			return 1;
		}
		step(x, path, cap);
		if (diff_node(x, y, path, cap, out))
			return 1;
		path[len] = '\0';
	}
	return 0;
}

static void report_difference(const char *actual, size_t alen, const char *expected,
			      size_t elen, FILE *out)
{
	xmlDocPtr a = xmlReadMemory(actual, (int)alen, NULL, NULL, XML_PARSE_NONET);
	xmlDocPtr b = xmlReadMemory(expected, (int)elen, NULL, NULL, XML_PARSE_NONET);
	char path[8192] = "/claims";
	if (!a || !b || !diff_node(xmlDocGetRootElement(a), xmlDocGetRootElement(b), path,
				   sizeof path, out))
		fprintf(out, "  the documents differ in layout only (whitespace or encoding)\n");
	xmlFreeDoc(a);
	xmlFreeDoc(b);
}

int cb_replay_fixture(const char *root, const char *dir, int update, FILE *out)
{
	char rules[4096], path[4096];
	if (cb_replay_rules_path(root, dir, rules, sizeof rules) != 0) {
		fprintf(out, "%s: cannot tell which rule set prices case.xml\n", dir);
		return CB_REPLAY_ERROR;
	}
	cb_ruleset *rs = NULL;
	cb_result *res = NULL;
	char *claim = NULL, *expected = NULL;
	size_t len = 0, elen = 0;
	int rc = CB_REPLAY_ERROR;
	snprintf(path, sizeof path, "%s/case.xml", dir);
	if (cb_ruleset_load_file(&rs, rules) != CB_OK ||
	    cb_case_price_file(&res, rs, path, NULL) != CB_OK ||
	    cb_result_write_buffer(res, &claim, &len) != CB_OK) {
		fprintf(out, "%s: %s\n", dir, cb_error_last());
		goto done;
	}
	snprintf(path, sizeof path, "%s/expected.xml", dir);
	if (update) {
		FILE *f = fopen(path, "wb");
		rc = f && fwrite(claim, 1, len, f) == len ? CB_REPLAY_SAME : CB_REPLAY_ERROR;
		if (f && fclose(f) != 0)
			rc = CB_REPLAY_ERROR;
		if (rc != CB_REPLAY_SAME)
			fprintf(out, "%s: cannot write\n", path);
		goto done;
	}
	expected = slurp(path, &elen);
	if (!expected) {
		fprintf(out, "%s: missing (run `carebill replay --update %s` after review)\n", path,
			dir);
		goto done;
	}
	rc = elen == len && memcmp(expected, claim, len) == 0 ? CB_REPLAY_SAME : CB_REPLAY_DIFFERS;
	if (rc == CB_REPLAY_DIFFERS) {
		fprintf(out, "%s: the claim differs from expected.xml\n", dir);
		report_difference(claim, len, expected, elen, out);
	}
done:
	free(expected);
	cb_buffer_free(claim);
	cb_result_free(res);
	cb_ruleset_free(rs);
	return rc;
}
