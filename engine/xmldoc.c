/*
 * xmldoc.c — the only place the engine parses XML. Parsing uses a private parser context with
 * XML_PARSE_NONET and without NOENT/DTDLOAD, and stops at any DOCTYPE, so no entity is ever
 * expanded and no file or network resource is read. Errors are captured through structured
 * handlers on the contexts (never libxml2's global handlers), so nothing is printed.
 */
#include "xmldoc.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

void cb_xml_problems_add(cb_xml_problems *p, unsigned long line, const char *fmt, ...)
{
	if (p->oom)
		return;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;
		cb_xml_problem *v = realloc(p->v, cap * sizeof *v);
		if (!v) {
			p->oom = 1;
			return;
		}
		p->v = v;
		p->cap = cap;
	}
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *msg = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (!msg) {
		p->oom = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, (size_t)n + 1, fmt, ap);
	va_end(ap);
	p->v[p->n].line = line;
	p->v[p->n].msg = msg;
	p->n++;
}

void cb_xml_problems_free(cb_xml_problems *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i].msg);
	free(p->v);
	memset(p, 0, sizeof *p);
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_libxml(void)
{
	xmlInitParser();
}

void cb_xml_init(void)
{
	pthread_once(&init_once, init_libxml);
}

/* libxml2 messages end with a newline; drop it and any trailing space. */
static void add_xml_error(cb_xml_problems *p, const xmlError *e)
{
	const char *m = e->message ? e->message : "unknown XML error";
	size_t len = strlen(m);
	while (len && (m[len - 1] == '\n' || m[len - 1] == ' '))
		len--;
	cb_xml_problems_add(p, (unsigned long)(e->line > 0 ? e->line : 0), "%.*s", (int)len, m);
}

/*
 * libxml2 reports a few errors (input encoding conversion, for one) through its generic and
 * structured handlers rather than the parser context's. Those handlers are per thread in a
 * threaded libxml2, so while the library parses or validates it points this thread's handlers
 * at its own collector and restores them afterwards: nothing is printed, and the host's
 * handlers are untouched on every other thread and after the call.
 */
typedef struct quiet_guard {
	xmlGenericErrorFunc generic;
	void *generic_ctx;
	xmlStructuredErrorFunc structured;
	void *structured_ctx;
} quiet_guard;

static void on_generic(void *ud, const char *msg, ...)
{
	(void)ud;
	(void)msg;
}

static void on_structured(void *ud, xmlErrorPtr e)
{
	if (ud && e->level >= XML_ERR_ERROR)
		add_xml_error(ud, e);
}

static void quiet_begin(quiet_guard *g, cb_xml_problems *probs)
{
	g->generic = xmlGenericError;
	g->generic_ctx = xmlGenericErrorContext;
	g->structured = xmlStructuredError;
	g->structured_ctx = xmlStructuredErrorContext;
	xmlSetGenericErrorFunc(NULL, on_generic);
	xmlSetStructuredErrorFunc(probs, on_structured);
}

static void quiet_end(const quiet_guard *g)
{
	xmlSetGenericErrorFunc(g->generic_ctx, g->generic);
	xmlSetStructuredErrorFunc(g->structured_ctx, g->structured);
}

typedef struct parse_state {
	cb_xml_problems *probs;
	int doctype;
	int errors;
} parse_state;

static void on_parse_error(void *ud, xmlErrorPtr e)
{
	xmlParserCtxtPtr ctxt = ud;
	parse_state *st = ctxt->_private;
	if (e->level < XML_ERR_ERROR || st->doctype)
		return;
	/* report the first error only: what follows a fatal error is noise */
	if (st->errors++ == 0)
		add_xml_error(st->probs, e);
}

static void on_doctype(void *ud, const xmlChar *name, const xmlChar *ext_id,
		       const xmlChar *sys_id)
{
	(void)ext_id;
	(void)sys_id;
	xmlParserCtxtPtr ctxt = ud;
	parse_state *st = ctxt->_private;
	st->doctype = 1;
	cb_xml_problems_add(st->probs, (unsigned long)xmlSAX2GetLineNumber(ctxt),
			    "DOCTYPE declaration <!DOCTYPE %s> refused: documents may not declare "
			    "a DTD or entities",
			    name ? (const char *)name : "");
	xmlStopParser(ctxt);
}

int cb_xml_parse(xmlDocPtr *out, const char *buf, size_t len, cb_xml_problems *probs)
{
	*out = NULL;
	cb_xml_init();
	if (len == 0) {
		cb_xml_problems_add(probs, 0, "document is empty");
		return -1;
	}
	if (len > (size_t)0x7fffffff) {
		cb_xml_problems_add(probs, 0, "document too large");
		return -1;
	}
	quiet_guard guard;
	size_t before = probs->n;
	quiet_begin(&guard, probs);
	xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(buf, (int)len);
	if (!ctxt) {
		quiet_end(&guard);
		probs->oom = 1;
		return -1;
	}
	parse_state st = {probs, 0, 0};
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
					XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES | XML_PARSE_COMPACT);
	ctxt->_private = &st;
	ctxt->sax->internalSubset = on_doctype;
	ctxt->sax->externalSubset = on_doctype;
	ctxt->sax->serror = on_parse_error;
	ctxt->sax->initialized = XML_SAX2_MAGIC;
	xmlParseDocument(ctxt);
	xmlDocPtr doc = ctxt->myDoc;
	ctxt->myDoc = NULL;
	int ok = doc && ctxt->wellFormed && !st.doctype && st.errors == 0 && probs->n == before;
	if (!ok && !st.doctype && st.errors == 0 && probs->n == before)
		cb_xml_problems_add(probs, 0, "document is not well-formed XML");
	xmlFreeParserCtxt(ctxt);
	quiet_end(&guard);
	if (!ok) {
		xmlFreeDoc(doc);
		return -1;
	}
	*out = doc;
	return 0;
}

static void on_quiet(void *ud, xmlErrorPtr e)
{
	(void)ud;
	(void)e;
}

xmlSchemaPtr cb_xml_schema_compile(const char *xsd, size_t len)
{
	cb_xml_init();
	quiet_guard guard;
	quiet_begin(&guard, NULL);
	xmlSchemaParserCtxtPtr pc = xmlSchemaNewMemParserCtxt(xsd, (int)len);
	xmlSchemaPtr s = NULL;
	if (pc) {
		xmlSchemaSetParserStructuredErrors(pc, on_quiet, NULL);
		s = xmlSchemaParse(pc);
		xmlSchemaFreeParserCtxt(pc);
	}
	quiet_end(&guard);
	return s;
}

static void on_valid_error(void *ud, xmlErrorPtr e)
{
	if (e->level >= XML_ERR_ERROR)
		add_xml_error(ud, e);
}

int cb_xml_validate(xmlSchemaPtr schema, xmlDocPtr doc, cb_xml_problems *probs)
{
	xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
	if (!vc) {
		probs->oom = 1;
		return -1;
	}
	size_t before = probs->n;
	quiet_guard guard;
	quiet_begin(&guard, probs);
	xmlSchemaSetValidStructuredErrors(vc, on_valid_error, probs);
	int rc = xmlSchemaValidateDoc(vc, doc);
	xmlSchemaFreeValidCtxt(vc);
	quiet_end(&guard);
	if (rc != 0 && probs->n == before)
		cb_xml_problems_add(probs, 0, "document is not valid against its schema");
	return rc == 0 ? 0 : -1;
}

const char *cb_xml_attr(xmlNodePtr node, const char *name)
{
	for (xmlAttrPtr a = node->properties; a; a = a->next) {
		if (a->ns == NULL && strcmp((const char *)a->name, name) == 0) {
			if (a->children && a->children->type == XML_TEXT_NODE &&
			    a->children->next == NULL)
				return (const char *)a->children->content;
			return a->children ? (const char *)a->children->content : "";
		}
	}
	return NULL;
}

int cb_xml_is(xmlNodePtr node, const char *name)
{
	return node && node->type == XML_ELEMENT_NODE &&
	       strcmp((const char *)node->name, name) == 0;
}

xmlNodePtr cb_xml_elem(xmlNodePtr node)
{
	while (node && node->type != XML_ELEMENT_NODE)
		node = node->next;
	return node;
}
