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

/* A parser context for buf with the options every parse here uses (no network, no entity
 * substitution, no DTD loading, nothing printed, line numbers past 65535), `refuse` called at
 * any DOCTYPE, `errors` given the parser's errors and `private` in ctxt->_private; NULL when
 * out of memory. */
static xmlParserCtxtPtr new_ctxt(const char *buf, size_t len, internalSubsetSAXFunc refuse,
				 xmlStructuredErrorFunc errors, void *private)
{
	xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(buf, (int)len);
	if (!ctxt)
		return NULL;
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
					XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES | XML_PARSE_COMPACT);
	ctxt->_private = private;
	ctxt->sax->internalSubset = refuse;
	ctxt->sax->externalSubset = refuse;
	ctxt->sax->serror = errors;
	ctxt->sax->initialized = XML_SAX2_MAGIC;
	return ctxt;
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
	parse_state st = {probs, 0, 0};
	xmlParserCtxtPtr ctxt = new_ctxt(buf, len, on_doctype, on_parse_error, &st);
	if (!ctxt) {
		quiet_end(&guard);
		probs->oom = 1;
		return -1;
	}
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

/* ---- one pass, no tree ---- */

typedef struct stream_state {
	const cb_xml_events *ev;
	xmlParserCtxtPtr ctxt;
	int failed;
	char *vals;          /* the decoded values of the element being opened */
	size_t vcap;
	const char **pairs;  /* its attributes as name, value pairs */
	size_t pcap;
} stream_state;

/* The pass this thread is making. The schema validator's SAX plug hands some callbacks its
 * own data instead of the parser context (errors, for one), so none relies on what it is
 * given. */
static _Thread_local stream_state *stream_cur;

static void stream_fail(stream_state *st)
{
	if (!st->failed) {
		st->failed = 1;
		xmlStopParser(st->ctxt);
	}
}

static void on_stream_error(void *ud, xmlErrorPtr e)
{
	(void)ud;
	if (e->level >= XML_ERR_ERROR)
		stream_fail(stream_cur);
}

static void on_stream_doctype(void *ud, const xmlChar *name, const xmlChar *ext_id,
			      const xmlChar *sys_id)
{
	(void)ud, (void)name, (void)ext_id, (void)sys_id;
	stream_fail(stream_cur);
}

/*
 * An attribute value as SAX2 gives it, without entity substitution (no XML_PARSE_NOENT): the
 * parser has already replaced every reference except "&#38;", which it leaves for the tree
 * builder to decode (an '&' in such a value can only come from it). Decoded here, the value
 * is what the DOM's attribute node holds.
 */
static size_t decode_value(char *out, const xmlChar *v, const xmlChar *end)
{
	size_t n = 0;
	while (v < end) {
		if (*v == '&' && end - v >= 5 && memcmp(v, "&#38;", 5) == 0) {
			out[n++] = '&';
			v += 5;
		} else {
			out[n++] = (char)*v++;
		}
	}
	out[n++] = '\0';
	return n;
}

static void on_stream_start(void *ud, const xmlChar *localname, const xmlChar *prefix,
			    const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
			    int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
	(void)ud, (void)prefix, (void)uri, (void)nb_namespaces, (void)namespaces;
	(void)nb_defaulted;
	stream_state *st = stream_cur;
	xmlParserCtxtPtr ctxt = st->ctxt;
	if (st->failed)
		return;
	size_t need = 0, n = 0;
	for (int i = 0; i < nb_attributes; i++)
		need += (size_t)(attributes[5 * i + 4] - attributes[5 * i + 3]) + 1;
	if (need > st->vcap) {
		char *v = realloc(st->vals, need);
		if (!v) {
			stream_fail(st);
			return;
		}
		st->vals = v;
		st->vcap = need;
	}
	if (2 * (size_t)nb_attributes + 1 > st->pcap) {
		const char **p = realloc(st->pairs, (2 * (size_t)nb_attributes + 1) * sizeof *p);
		if (!p) {
			stream_fail(st);
			return;
		}
		st->pairs = p;
		st->pcap = 2 * (size_t)nb_attributes + 1;
	}
	char *o = st->vals;
	for (int i = 0; i < nb_attributes; i++) {
		if (attributes[5 * i + 2]) { /* xsi:…, the only ones the XSD lets through */
			/* the plugged validator resolves xsi:type (and may treat xsi:nil) unlike
			 * the DOM's: such a document is left to the DOM route, which decides */
			const char *local = (const char *)attributes[5 * i];
			if (strcmp(local, "noNamespaceSchemaLocation") != 0 &&
			    strcmp(local, "schemaLocation") != 0) {
				stream_fail(st);
				return;
			}
			continue;
		}
		st->pairs[2 * n] = (const char *)attributes[5 * i];
		st->pairs[2 * n + 1] = o;
		o += decode_value(o, attributes[5 * i + 3], attributes[5 * i + 4]);
		n++;
	}
	st->pairs[2 * n] = NULL;
	/* the line the tree builder gives the element: where its start tag ends */
	long line = xmlSAX2GetLineNumber(ctxt);
	if (st->ev->start(st->ev->ud, (const char *)localname, st->pairs, n,
			  line > 0 ? (unsigned long)line : 0) != 0)
		stream_fail(st);
}

static void on_stream_end(void *ud, const xmlChar *localname, const xmlChar *prefix,
			  const xmlChar *uri)
{
	(void)ud, (void)localname, (void)prefix, (void)uri;
	stream_state *st = stream_cur;
	if (!st->failed && st->ev->end(st->ev->ud) != 0)
		stream_fail(st);
}

static void on_stream_text(void *ud, const xmlChar *ch, int len)
{
	(void)ud, (void)ch, (void)len;
}

static void on_stream_node(void *ud, const xmlChar *name)
{
	(void)ud, (void)name;
}

static void on_stream_pi(void *ud, const xmlChar *target, const xmlChar *data)
{
	(void)ud, (void)target, (void)data;
}

int cb_xml_stream_valid(const char *buf, size_t len, xmlSchemaPtr schema,
			const cb_xml_events *ev)
{
	cb_xml_init();
	if (len == 0 || len > (size_t)0x7fffffff)
		return -1;
	xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
	if (!vc)
		return -1;
	/* anything reported outside the contexts' handlers fails the pass too */
	cb_xml_problems elsewhere = {0};
	quiet_guard guard;
	quiet_begin(&guard, &elsewhere);
	stream_state st = {ev, NULL, 0, NULL, 0, NULL, 0};
	xmlParserCtxtPtr ctxt = new_ctxt(buf, len, on_stream_doctype, on_stream_error, &st);
	if (!ctxt) {
		quiet_end(&guard);
		xmlSchemaFreeValidCtxt(vc);
		return -1;
	}
	st.ctxt = ctxt;
	stream_cur = &st;
	/* the same parser as cb_xml_parse; the elements come here instead of into a DOM */
	xmlSAXHandlerPtr sax = ctxt->sax;
	sax->startElementNs = on_stream_start;
	sax->endElementNs = on_stream_end;
	sax->characters = on_stream_text;
	sax->ignorableWhitespace = on_stream_text;
	sax->cdataBlock = on_stream_text;
	sax->reference = on_stream_node;
	sax->comment = on_stream_node;
	sax->processingInstruction = on_stream_pi;
	xmlSchemaSetValidStructuredErrors(vc, on_stream_error, &st);
	xmlSchemaSAXPlugPtr plug = xmlSchemaSAXPlug(vc, &ctxt->sax, &ctxt->userData);
	if (!plug) {
		st.failed = 1;
	} else {
		/* the plug's handler block leaves the parser's errors out: they come here */
		ctxt->sax->serror = on_stream_error;
		ctxt->sax->initialized = XML_SAX2_MAGIC;
		/* CDATA as text, as XML_PARSE_NOCDATA gives it to the DOM (the plug would
		 * report it as CDATA, which element-only content refuses) */
		ctxt->sax->cdataBlock = NULL;
		xmlParseDocument(ctxt);
		xmlSchemaSAXUnplug(plug);
	}
	int ok = !st.failed && ctxt->wellFormed && ctxt->nsWellFormed && elsewhere.n == 0 &&
		 !elsewhere.oom && xmlSchemaIsValid(vc) == 1;
	stream_cur = NULL;
	cb_xml_problems_free(&elsewhere);
	xmlFreeDoc(ctxt->myDoc); /* the document node SAX2 made at the start; no elements */
	ctxt->myDoc = NULL;
	xmlFreeParserCtxt(ctxt);
	xmlSchemaFreeValidCtxt(vc);
	quiet_end(&guard);
	free(st.vals);
	free(st.pairs);
	return ok ? 0 : -1;
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
