/*
 * case.h — loading a case into the case model (model.h). [DOC-1], [CASE-1]..[CASE-6]
 *
 * A case reaches the loader as a tree of elements with attributes (cb_elem), from one of two
 * sources: a case document (libxml2 parses it and validates it against the case XSD, then the
 * DOM becomes this tree), or the builder API (case_build.c: cb_case_open/close, which checks
 * the same structure as the XSD). From the tree on, both take the same path: the structure
 * the XSD cannot express, then every value and reference, per patient.
 */
#ifndef CB_CASE_H
#define CB_CASE_H

#include "model.h"

/* An element of a case: its name, source line and attributes; all in the case's arena. */
typedef struct cb_elem {
	const char *name;
	unsigned long line;
	const char **attrs;         /* name, value, name, value, ... */
	size_t nattrs;              /* pairs */
	struct cb_elem *first, *last, *next, *parent;
	/* Set by the builder: the values' bytes (without their NULs), and whether every name is
	 * the case vocabulary's and every value printable ASCII without & < > " (so the canonical
	 * document shows them as they are). 0 when not known (a document's elements). */
	size_t bytes;
	int plain;
} cb_elem;

/* Link e as parent's last child. */
static inline void cb_elem__append(cb_elem *parent, cb_elem *e)
{
	e->parent = parent;
	if (parent->last)
		parent->last->next = e;
	else
		parent->first = e;
	parent->last = e;
}

/* The value of attribute `name`, or NULL. */
static inline const char *cb_elem__attr(const cb_elem *e, const char *name)
{
	for (size_t i = 0; i < e->nattrs; i++) {
		const char *a = e->attrs[2 * i];
		if (cb_streq(a, name))
			return e->attrs[2 * i + 1];
	}
	return NULL;
}

/* The length of the XML 1.0 character (Char: #x9 | #xA | #xD | [#x20-#xD7FF] |
 * [#xE000-#xFFFD] | [#x10000-#x10FFFF]) UTF-8 encoded at p, shortest form only; 0 when p does
 * not start one (or is the end). */
int cb_case__xml_char(const unsigned char *p);

/* The builder's table (case_build.c): the case XSD as data, one entry per element. */
typedef struct cb_case_aspec {
	const char *name;
	int required;
	const char *const *values; /* an enumeration (NULL-terminated), or NULL: any text */
} cb_case_aspec;

typedef struct cb_case_espec {
	const char *name;
	const char *parents[2];    /* allowed parents; none: the root */
	cb_case_aspec attrs[8];    /* ends at the first without a name */
} cb_case_espec;

/* Every name of the table is shorter than this (the canonical writer counts on it; test_build
 * checks it). */
#define CB_CASE_NAME_MAX 32

/* The table and its length (tests/test_build.c compares it with rules/schema/case.xsd). */
const cb_case_espec *cb_case__schema(size_t *n);

/* Every element and attribute name a case has, as the table's static string; NULL when
 * `name` is none of them. */
/* The tree of a valid document, streamed from the parser (streamed != 0, what the loader
 * uses) or made from its DOM (what the loader uses when the document has problems); NULL
 * when it is not valid. For tests/test_build.c, which compares the two. */
cb_elem *cb_case__doc_tree(cb_arena *a, const cb_ruleset *rs, const char *buf, size_t len,
			   int streamed);
const char *cb_case__known_name(const char *name);

/* The resource limits of cb_price_options, with the defaults filled in for 0 or NULL. */
typedef struct cb_limits {
	size_t document_bytes, patients, lines;
} cb_limits;
cb_limits cb_case__limits(const cb_price_options *opts);

/* Parse, validate and load `len` bytes named `name` within the limits of opts (may be NULL).
 * CB_OK with *out set whenever the document could be judged: a rejected document has
 * cs->rejected and its doc_findings; held patients have their findings. CB_ELIMIT when the
 * document is larger than max_document_bytes, has more patients or a patient more lines and
 * units than allowed; CB_ENOMEM otherwise. When root is not NULL, *root is the document's
 * tree of elements (in (*out)'s arena, so it lives as long as the case), or NULL when the
 * document is not well-formed or invalid against the case XSD; a loaded case
 * (cb_case_load_*) keeps it to write itself out. */
int cb_case__load(cs_case **out, cb_elem **root, const cb_ruleset *rs, const char *buf,
		  size_t len, const char *name, const cb_price_options *opts);

/* An empty case named `name` for rule set rs (its arena holds the tree); NULL when out of
 * memory. The name is kept with '?' for every byte that does not start an XML character: it
 * is shown in the claim document and in every finding. */
cs_case *cb_case__new(const cb_ruleset *rs, const char *name);

/* Load the tree under `root` (<case>, in cs's arena) into cs. `probs` are the schema problems
 * its source found (any of them rejects the case, SCHEMA). Returns CB_OK, CB_ELIMIT or
 * CB_ENOMEM; on failure the caller frees cs. cs->sha256 is set by the caller. */
int cb_case__load_tree(cs_case *cs, const cb_elem *root, const cb_xml_problems *probs,
		       size_t max_patients, size_t max_lines);

void cb_case__free(cs_case *cs);

#endif
