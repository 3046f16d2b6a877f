/*
 * xmldoc.h — safe XML input on libxml2: parse a document refusing DOCTYPE declarations,
 * external entities and network access; validate against a compiled XSD; collect every
 * problem with its line. Also small DOM helpers the loaders share. [DOC-1], [DOC-2]
 */
#ifndef CB_XMLDOC_H
#define CB_XMLDOC_H

#include <stddef.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

typedef struct cb_xml_problem {
	unsigned long line;
	char *msg; /* heap */
} cb_xml_problem;

typedef struct cb_xml_problems {
	cb_xml_problem *v;
	size_t n, cap;
	int oom;
} cb_xml_problems;

void cb_xml_problems_add(cb_xml_problems *p, unsigned long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void cb_xml_problems_free(cb_xml_problems *p);

/* Initialise libxml2 once per process (thread-safe). */
void cb_xml_init(void);

/* Parse `len` bytes. On success *out is the document (free with xmlFreeDoc) and 0 is
 * returned; when the text is not well-formed or declares a DOCTYPE, -1 with problems added. */
int cb_xml_parse(xmlDocPtr *out, const char *buf, size_t len, cb_xml_problems *probs);

/* Compile an XSD held in memory. NULL on failure (only a build defect can cause it). */
xmlSchemaPtr cb_xml_schema_compile(const char *xsd, size_t len);

/* Validate; 0 when valid, -1 with every problem added. */
int cb_xml_validate(xmlSchemaPtr schema, xmlDocPtr doc, cb_xml_problems *probs);

/*
 * A document parsed and validated in one pass, without a tree: each element is handed to
 * `start` as it opens (its name; its attributes without a namespace as name, value pairs,
 * values as the DOM would hold them, valid during the call; the line the DOM would give it)
 * and to `end` as it closes. Callbacks return 0, or -1 to stop (out of memory).
 */
typedef struct cb_xml_events {
	void *ud;
	int (*start)(void *ud, const char *name, const char *const *attrs, size_t nattrs,
		     unsigned long line);
	int (*end)(void *ud);
} cb_xml_events;

/* 0 when the document is well-formed, has no DOCTYPE, is valid against `schema` and every
 * callback returned 0; -1 otherwise, with nothing said about why: a caller that needs the
 * problems parses it again with cb_xml_parse and cb_xml_validate, which report them. The
 * parser is the same, with the same options and the same refusals. */
int cb_xml_stream_valid(const char *buf, size_t len, xmlSchemaPtr schema,
			const cb_xml_events *ev);

/* The value of attribute `name` of `node`, or NULL when absent. Borrowed from the DOM. */
const char *cb_xml_attr(xmlNodePtr node, const char *name);
/* Whether the element is named `name`. */
int cb_xml_is(xmlNodePtr node, const char *name);
/* Next element sibling starting at `node` (inclusive), or NULL. */
xmlNodePtr cb_xml_elem(xmlNodePtr node);

/* The embedded schemas (generated from rules/schema/ at build time). */
extern const char cb_schema_ruleset[];
extern const size_t cb_schema_ruleset_len;
extern const char cb_schema_case[];
extern const size_t cb_schema_case_len;
extern const char cb_schema_claim[];
extern const size_t cb_schema_claim_len;

#endif
