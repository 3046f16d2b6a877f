/*
 * case_build.c — cases in memory (the public cb_case API): a case document loaded once and
 * priced any number of times, or a case built element by element without XML, e.g. from the
 * rows of a hospital system's database ([DOC-1], [CASE-1]..[CASE-6], §2.2, §2.3).
 *
 * A built case is the same tree of elements a case document becomes (case.h), so it takes the
 * same checks and the same pricing. What the case XSD checks for a document, the builder
 * checks here, with the same outcome: any problem rejects the case whole as SCHEMA ([DOC-1]).
 * The table below mirrors rules/schema/case.xsd (tests/test_build.c feeds every fixture and
 * bad-input document through both and compares the results):
 *   - elements and their nesting; exactly one root <case>;
 *   - required attributes, no unknown attribute, none twice;
 *   - the enumerations: scheme, setting, contract type, cover window, booleans;
 *   - values are text XML can carry: valid UTF-8 without the characters XML 1.0 forbids
 *     (a document cannot hold them either).
 * Values a document would carry as plain strings (decimals, dates, codes) are checked by the
 * loader, per patient, with their own codes, exactly as for a document.
 *
 * Provenance (§8): the claim's case-sha256 of a built case is the SHA-256 of its canonical
 * document (cb_case_write_buffer), so an auditor can write the case out and check it.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "carebill.h"
#include "case.h"
#include "error.h"
#include "price.h"
#include "sha256.h"

enum { ST_BUILDING, ST_READY, ST_FAILED };

struct cb_case {
	cs_case *cs;
	cb_elem *root, *cur;      /* the tree; the element open for children */
	cb_elem *last_root;       /* elements opened at the top after the root (a problem) */
	size_t depth;             /* elements open */
	int too_deep;             /* an element was opened deeper than MAX_DEPTH */
	cb_xml_problems probs;    /* structure problems found while building */
	int state;
	int built;                /* made by the builder (not from a document) */
};

/* ---- the case XSD as a table ---- */

static const char *const bools[] = {"true", "false", "1", "0", NULL};
static const char *const schemes[] = {"employee", "resident", NULL};
static const char *const settings[] = {"outpatient", "inpatient", NULL};
static const char *const types[] = {"family-doctor", "ltc", "commercial", NULL};
static const char *const windows[] = {"contract", "year", "month", NULL};

typedef cb_case_aspec aspec;
typedef cb_case_espec espec;

static const espec elements[] = {
	{"case", {NULL, NULL}, {{"ruleset", 1, NULL}}},
	{"period", {"case", NULL}, {{"from", 1, NULL}, {"to", 1, NULL}}},
	{"patient", {"case", NULL},
	 {{"id", 1, NULL}, {"scheme", 1, schemes}, {"retired", 1, bools}}},
	{"accumulators", {"patient", NULL},
	 {{"year", 1, NULL}, {"outpatient-deductible-used", 0, NULL},
	  {"outpatient-fund-paid", 0, NULL}, {"inpatient-fund-paid", 0, NULL}}},
	{"contract", {"patient", NULL},
	 {{"id", 1, NULL}, {"type", 1, types}, {"from", 1, NULL}, {"to", 0, NULL},
	  {"payer", 0, NULL}, {"grade", 0, NULL}}},
	{"cover", {"contract", NULL},
	 {{"item", 1, NULL}, {"quota", 0, NULL}, {"window", 0, windows}, {"used", 0, NULL},
	  {"ratio", 0, NULL}, {"annual-cap", 0, NULL}, {"paid", 0, NULL}}},
	{"encounter", {"patient", NULL},
	 {{"id", 1, NULL}, {"institution", 1, NULL}, {"setting", 1, settings},
	  {"date", 0, NULL}, {"admit", 0, NULL}, {"discharge", 0, NULL}}},
	{"visit", {"patient", NULL},
	 {{"id", 1, NULL}, {"institution", 1, NULL}, {"at", 1, NULL}, {"distance-km", 1, NULL},
	  {"staff", 0, NULL}, {"surcharge", 0, bools}}},
	{"stay", {"patient", NULL},
	 {{"id", 1, NULL}, {"institution", 1, NULL}, {"bed", 1, NULL}, {"from", 1, NULL},
	  {"nursing", 0, NULL}, {"to", 0, NULL}}},
	{"service", {"patient", NULL},
	 {{"id", 1, NULL}, {"institution", 1, NULL}, {"item", 1, NULL}, {"qty", 1, NULL},
	  {"at", 1, NULL}}},
	{"line", {"encounter", "visit"},
	 {{"id", 1, NULL}, {"item", 1, NULL}, {"qty", 1, NULL}, {"at", 1, NULL},
	  {"price", 0, NULL}}},
};

static const espec *element_spec(const char *name)
{
	for (size_t i = 0; i < sizeof elements / sizeof elements[0]; i++)
		if (cb_streq(elements[i].name, name))
			return &elements[i];
	return NULL;
}

static const aspec *attr_spec(const espec *es, const char *name)
{
	for (const aspec *a = es->attrs; a < es->attrs + 8 && a->name; a++)
		if (cb_streq(a->name, name))
			return a;
	return NULL;
}

const cb_case_espec *cb_case__schema(size_t *n)
{
	*n = sizeof elements / sizeof elements[0];
	return elements;
}

/* Every name of the table (elements and attributes) in an open-addressing table, made once:
 * a document's loader asks for each of its element and attribute names (from_dom), and a
 * walk through the whole table cost some 60 comparisons a name. */
enum { NAMES = 256 }; /* a power of two, over twice the table's names */
static const char *names[NAMES];
static pthread_once_t names_once = PTHREAD_ONCE_INIT;

static size_t name_hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h & (NAMES - 1);
}

static void name_add(const char *name)
{
	size_t i = name_hash(name);
	while (names[i] && !cb_streq(names[i], name))
		i = (i + 1) & (NAMES - 1);
	if (!names[i])
		names[i] = name; /* a name shared by several elements is kept once */
}

static void names_init(void)
{
	for (size_t i = 0; i < sizeof elements / sizeof elements[0]; i++) {
		name_add(elements[i].name);
		for (const aspec *a = elements[i].attrs; a < elements[i].attrs + 8 && a->name; a++)
			name_add(a->name);
	}
}

const char *cb_case__known_name(const char *name)
{
	pthread_once(&names_once, names_init);
	for (size_t i = name_hash(name); names[i]; i = (i + 1) & (NAMES - 1))
		if (cb_streq(names[i], name))
			return names[i];
	return NULL;
}

/* Whether s is UTF-8 made of XML 1.0 characters. */
static int xml_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p >= 0x20 && *p < 0x80) /* the common case: printable ASCII */
		p++;
	for (int n; *p; p += n)
		if (!(n = cb_case__xml_char(p)))
			return 0;
	return 1;
}

/* A name as a message may quote it: its first 64 bytes, with '?' for each byte that does not
 * start an XML character. The builder takes names of any bytes, and a message that quoted
 * them as they are would make the claim document, which carries it, not XML. */
static const char *quoted(const char *name, char buf[static 65])
{
	const unsigned char *p = (const unsigned char *)name;
	size_t n = 0;
	for (int len; *p && n < 64; p += len) {
		if (!(len = cb_case__xml_char(p))) {
			buf[n++] = '?';
			len = 1;
		} else if (n + (size_t)len > 64) {
			break;
		} else {
			memcpy(buf + n, p, (size_t)len);
			n += (size_t)len;
		}
	}
	buf[n] = '\0';
	return buf;
}

/* The longest attribute value the builder takes. libxml2 refuses a text node over 10 MB
 * (XML_MAX_TEXT_LENGTH), and an attribute value somewhat shorter depending on where it lies
 * in the document; a built case must never hold what its own canonical document could not. */
enum { MAX_VALUE = 9000000 };

/* What cb_case_open learns of each attribute given (a value, not NULL) in one pass: its
 * spec (NULL: unknown), its value's length, and whether the value is printable ASCII (so text
 * XML can carry without looking further). */
typedef struct given_attr {
	const aspec *spec;
	size_t len;
	int plain;
} given_attr;

/* Printable ASCII that an attribute value shows as it is: not & < > " */
static const unsigned char as_is[256] = {
	[' '] = 1, ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['\''] = 1, ['('] = 1, [')'] = 1,
	['*'] = 1, ['+'] = 1, [','] = 1, ['-'] = 1, ['.'] = 1, ['/'] = 1, ['0'] = 1, ['1'] = 1,
	['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	[':'] = 1, [';'] = 1, ['='] = 1, ['?'] = 1, ['@'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1,
	['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1,
	['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1,
	['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['['] = 1,
	['\\'] = 1, [']'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1,
	['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1,
	['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1,
	['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1, ['{'] = 1,
	['|'] = 1, ['}'] = 1, ['~'] = 1};

/* The structure checks of element e (its spec es, NULL when unknown) opened under `parent`
 * (NULL: as the root); given[i] describes its attribute i. */
static void check_element(cb_case *c, const espec *es, const cb_elem *e, const cb_elem *parent,
			  const given_attr *given)
{
	cb_xml_problems *p = &c->probs;
	char shown[65];
	if (!es) {
		cb_xml_problems_add(p, e->line, "element <%s> is not a case element",
				    quoted(e->name, shown));
		return;
	}
	if (!parent) {
		if (es->parents[0] || c->root != e)
			cb_xml_problems_add(p, e->line, "element <%s> cannot be the root: a case "
					    "has one root <case>", e->name);
	} else if (!(es->parents[0] && cb_streq(es->parents[0], parent->name)) &&
		   !(es->parents[1] && cb_streq(es->parents[1], parent->name))) {
		cb_xml_problems_add(p, e->line, "element <%s> is not allowed in <%s>", e->name,
				    quoted(parent->name, shown));
	}
	unsigned seen = 0; /* the table's attributes present, by index */
	for (size_t i = 0; i < e->nattrs; i++) {
		const char *name = e->attrs[2 * i], *value = e->attrs[2 * i + 1];
		const aspec *as = given[i].spec;
		if (!as) {
			cb_xml_problems_add(p, e->line, "%s: attribute '%s' is not allowed",
					    e->name, quoted(name, shown));
			continue;
		}
		unsigned bit = 1u << (as - es->attrs);
		if (seen & bit) {
			cb_xml_problems_add(p, e->line, "%s: attribute '%s' is given twice",
					    e->name, name);
			continue;
		}
		seen |= bit;
		if (given[i].len > MAX_VALUE) {
			cb_xml_problems_add(p, e->line, "%s: attribute '%s' is longer than %d bytes "
					    "(libxml2 refuses such a value in a document)", e->name,
					    name, MAX_VALUE);
			continue;
		}
		if (!given[i].plain && !xml_text(value)) {
			cb_xml_problems_add(p, e->line, "%s: attribute '%s' is not text XML can "
					    "carry (invalid UTF-8 or a forbidden control character)",
					    e->name, name);
			continue;
		}
		if (as->values) {
			const char *const *v = as->values;
			while (*v && !cb_streq(*v, value))
				v++;
			if (!*v)
				cb_xml_problems_add(p, e->line, "%s: attribute '%s': \"%.64s\" is not "
						    "one of the allowed values", e->name, name, value);
		}
	}
	for (const aspec *a = es->attrs; a < es->attrs + 8 && a->name; a++)
		if (a->required && !(seen & (1u << (a - es->attrs))))
			cb_xml_problems_add(p, e->line, "%s: attribute '%s' is required", e->name,
					    a->name);
}

/* ---- building ---- */

/* Elements open at once beyond which the builder keeps no more in the tree (libxml2 refuses a
 * document nested deeper than 256). A case needs 4 levels, so such an element is misplaced
 * (SCHEMA) anyway; kept, it would make the canonical writer recurse as deep as the caller went
 * (a stack overflow at some 90,000 levels) and write indentation growing with the square of
 * the depth. Deeper elements still have their parent, so they are closed as usual, but are
 * not checked: like libxml2, which stops there, one problem says the case is too deep, instead
 * of several for each of possibly millions of elements. */
enum { MAX_DEPTH = 256 };

/* Link e, opened under c->cur, into the tree; 0 when it is too deep to be kept. */
static int attach(cb_case *c, cb_elem *e)
{
	e->parent = c->cur;
	if (c->depth >= MAX_DEPTH) {
		if (!c->too_deep)
			cb_xml_problems_add(&c->probs, e->line, "elements are nested deeper than %d "
					    "levels", MAX_DEPTH);
		c->too_deep = 1;
		return 0;
	}
	if (c->cur) {
		cb_elem__append(c->cur, e);
	} else if (!c->root) {
		c->root = c->last_root = e;
	} else { /* kept after the root, so the canonical document has them too */
		c->last_root->next = e;
		c->last_root = e;
	}
	return 1;
}

/* An error while building: the case can only be freed. A misuse of a case that is loaded or
 * finished leaves it as it was (other threads may be pricing it). */
static int fail(cb_case *c, int rc)
{
	if (c && c->built && c->state == ST_BUILDING)
		c->state = ST_FAILED;
	return rc;
}

CB_EXTERN int cb_case_new(cb_case **out, const cb_ruleset *rs, const char *name)
{
	if (out)
		*out = NULL;
	if (!out || !rs)
		return cb__error(CB_EINVAL, "cb_case_new: NULL argument");
	cb_case *c = calloc(1, sizeof *c);
	if (!c || !(c->cs = cb_case__new(rs, name ? name : "-"))) {
		free(c);
		return cb__error(CB_ENOMEM, "out of memory building case %s", name ? name : "-");
	}
	c->built = 1;
	*out = c;
	return CB_OK;
}

CB_EXTERN int cb_case_open(cb_case *c, const char *element, const char *const *attrs,
			   unsigned long line)
{
	if (!c || !element)
		return fail(c, cb__error(CB_EINVAL, "cb_case_open: NULL argument"));
	if (c->state != ST_BUILDING || !c->built)
		return fail(c, cb__error(CB_EINVAL, "cb_case_open: case %s is not being built",
					 c->cs->name));
	cb_arena *a = c->cs->arena;
	const espec *es = element_spec(element);
	/* one pass: the attributes given, their specs, their values' lengths and whether they
	 * are printable ASCII; then one allocation for the element, its list and its values */
	enum { FEW = 16 };
	given_attr few[FEW], *given = few;
	size_t n = 0, bytes = 0, count = 0;
	for (size_t i = 0; attrs && attrs[2 * i]; i++)
		count++;
	if (count > FEW && !(given = malloc(count * sizeof *given)))
		goto oom;
	for (size_t i = 0; i < count; i++) {
		const char *v = attrs[2 * i + 1];
		if (!v)
			continue;
		const unsigned char *p = (const unsigned char *)v;
		while (as_is[*p])
			p++;
		given_attr *g = &given[n++];
		g->plain = !*p;
		g->len = (size_t)(p - (const unsigned char *)v) + (*p ? strlen((const char *)p) : 0);
		g->spec = es ? attr_spec(es, attrs[2 * i]) : NULL;
		bytes += g->len + 1;
	}
	size_t head = (sizeof(cb_elem) + (2 * n + 1) * sizeof(char *) + 15) & ~(size_t)15;
	cb_elem *e = cb_arena_alloc(a, head + bytes);
	if (!e)
		goto oom_free;
	e->attrs = (const char **)(e + 1);
	char *text = (char *)e + head;
	if (!(e->name = es ? es->name : cb_arena_strdup(a, element)))
		goto oom_free;
	e->line = line;
	e->bytes = bytes - n;
	e->plain = es != NULL;
	for (size_t i = 0; i < count; i++) {
		const char *v = attrs[2 * i + 1];
		if (!v)
			continue;
		const given_attr *g = &given[e->nattrs];
		const char *k = g->spec ? g->spec->name : cb_arena_strdup(a, attrs[2 * i]);
		if (!k)
			goto oom_free;
		e->plain &= g->spec && g->plain;
		memcpy(text, v, g->len + 1);
		e->attrs[2 * e->nattrs] = k;
		e->attrs[2 * e->nattrs + 1] = text;
		e->nattrs++;
		text += g->len + 1;
	}
	if (attach(c, e)) /* the one problem of a deeper element is its depth */
		check_element(c, es, e, c->cur, given);
	if (given != few)
		free(given);
	if (c->probs.oom)
		goto oom;
	c->cur = e;
	c->depth++;
	return CB_OK;
oom_free:
	if (given != few)
		free(given);
oom:
	return fail(c, cb__error(CB_ENOMEM, "out of memory building case %s", c->cs->name));
}

CB_EXTERN int cb_case_close(cb_case *c, const char *element)
{
	if (!c || !element)
		return fail(c, cb__error(CB_EINVAL, "cb_case_close: NULL argument"));
	if (c->state != ST_BUILDING || !c->built)
		return fail(c, cb__error(CB_EINVAL, "cb_case_close: case %s is not being built",
					 c->cs->name));
	if (!c->cur || !cb_streq(c->cur->name, element))
		return fail(c, cb__error(CB_EINVAL, "cb_case_close: <%.64s> is not the open "
					 "element (%s%.64s%s)", element, c->cur ? "<" : "",
					 c->cur ? c->cur->name : "none is open", c->cur ? ">" : ""));
	c->cur = c->cur->parent;
	c->depth--;
	return CB_OK;
}

CB_EXTERN int cb_case_add(cb_case *c, const char *element, const char *const *attrs,
			  unsigned long line)
{
	int rc = cb_case_open(c, element, attrs, line);
	return rc != CB_OK ? rc : cb_case_close(c, element);
}

/* ---- the canonical document ---- */

/* An attribute value escaped so that parsing gives back the same characters: & < > " and
 * every control character as a reference (what cb_buf_escape writes, as fast as a copy). */
static char *put_value(char *o, const char *v)
{
	const unsigned char *s = (const unsigned char *)v;
	for (;;) {
		const unsigned char *run = s;
		while (!cb_buf_special[*s])
			s++;
		memcpy(o, run, (size_t)(s - run));
		o += s - run;
		if (!*s)
			return o;
		switch (*s) {
		case '&': memcpy(o, "&amp;", 5); o += 5; break;
		case '<': memcpy(o, "&lt;", 4); o += 4; break;
		case '>': memcpy(o, "&gt;", 4); o += 4; break;
		case '"': memcpy(o, "&quot;", 6); o += 6; break;
		default:
			*o++ = '&';
			*o++ = '#';
			if (*s >= 10)
				*o++ = (char)('0' + *s / 10);
			*o++ = (char)('0' + *s % 10);
			*o++ = ';';
		}
		s++;
	}
}

static int name_byte(unsigned char b)
{
	return b >= 0x80 || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
	       (b >= '0' && b <= '9') || b == '-' || b == '.' || b == '_';
}

/* A name as the document shows it; at most strlen(name) + 1 bytes. The case's own names are
 * written as they are. A name the builder refused (an unknown one: SCHEMA) may hold any bytes,
 * and written as it is could become other markup ("!--" a comment, "a=\"1\" b" two
 * attributes, "xmlns" a namespace declaration), so that the document would be accepted where
 * the built case is rejected. So each byte that cannot be part of a name becomes '_' and
 * "xmlns" is "_xmlns": the name stays unknown (or not well-formed) and the document rejected. */
static char *put_name(char *o, const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	if (s[0] == 'x' && strcmp(name, "xmlns") == 0)
		*o++ = '_';
	for (; *s; s++)
		*o++ = name_byte(*s) ? (char)*s : '_';
	return o;
}

/* Copy s (no NUL); the end. */
static char *put_plain(char *o, const char *s)
{
	while (*s)
		*o++ = *s++;
	return o;
}

/* Room is made for each piece (cb_buf_room), which is then written in place. */
static void write_elem(cb_buf *w, const cb_elem *e, int depth)
{
	size_t need = 2 * (size_t)depth + 9;
	if (e->plain) { /* names of the table, values shown as they are */
		need += CB_CASE_NAME_MAX * (e->nattrs + 1) + e->bytes + 4 * e->nattrs;
	} else {
		need += strlen(e->name);
		for (size_t i = 0; i < e->nattrs; i++)
			need += strlen(e->attrs[2 * i]) + 6 * strlen(e->attrs[2 * i + 1]) + 5;
	}
	char *o = cb_buf_room(w, need);
	if (!o)
		return;
	memset(o, ' ', 2 * (size_t)depth);
	o += 2 * depth;
	*o++ = '<';
	if (e->plain) {
		o = put_plain(o, e->name);
		for (size_t i = 0; i < e->nattrs; i++) {
			*o++ = ' ';
			o = put_plain(o, e->attrs[2 * i]);
			*o++ = '=';
			*o++ = '"';
			o = put_plain(o, e->attrs[2 * i + 1]);
			*o++ = '"';
		}
	} else {
		o = put_name(o, e->name);
		for (size_t i = 0; i < e->nattrs; i++) {
			*o++ = ' ';
			o = put_name(o, e->attrs[2 * i]);
			*o++ = '=';
			*o++ = '"';
			o = put_value(o, e->attrs[2 * i + 1]);
			*o++ = '"';
		}
	}
	if (!e->first) {
		memcpy(o, "/>\n", 3);
		cb_buf_done(w, o + 3);
		return;
	}
	memcpy(o, ">\n", 2);
	cb_buf_done(w, o + 2);
	for (const cb_elem *k = e->first; k; k = k->next)
		write_elem(w, k, depth + 1);
	if (!(o = cb_buf_room(w, 2 * (size_t)depth + strlen(e->name) + 5)))
		return;
	memset(o, ' ', 2 * (size_t)depth);
	o += 2 * depth;
	memcpy(o, "</", 2);
	o = put_name(o + 2, e->name);
	memcpy(o, ">\n", 2);
	cb_buf_done(w, o + 2);
}

/* The canonical document in w (NUL-terminated); 0, or -1 when out of memory. */
static int canonical(const cb_case *c, cb_buf *w)
{
	cb_buf_puts(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	for (const cb_elem *e = c->root; e; e = e->next)
		write_elem(w, e, 0);
	return w->oom ? -1 : 0;
}

CB_EXTERN int cb_case_write_buffer(const cb_case *c, char **buf, size_t *len)
{
	if (buf)
		*buf = NULL;
	if (len)
		*len = 0;
	if (!c || !buf || !len)
		return cb__error(CB_EINVAL, "cb_case_write_buffer: NULL argument");
	if (c->state != ST_READY)
		return cb__error(CB_EINVAL, "cb_case_write_buffer: case %s is not finished",
				 c->cs->name);
	if (!c->root && !c->built)
		return cb__error(CB_EINVAL, "cb_case_write_buffer: document %s was rejected before "
				 "it had elements (not well-formed or invalid against the case XSD)",
				 c->cs->name);
	cb_buf w = {0};
	if (canonical(c, &w) != 0) {
		free(w.p);
		return cb__error(CB_ENOMEM, "out of memory writing case %s", c->cs->name);
	}
	*buf = w.p;
	*len = w.n;
	return CB_OK;
}

CB_EXTERN int cb_case_finish(cb_case *c, const cb_price_options *opts)
{
	if (!c)
		return cb__error(CB_EINVAL, "cb_case_finish: NULL argument");
	if (c->state != ST_BUILDING || !c->built)
		return fail(c, cb__error(CB_EINVAL, "cb_case_finish: case %s is not being built",
					 c->cs->name));
	if (c->cur)
		return fail(c, cb__error(CB_EINVAL, "cb_case_finish: <%s> (line %lu) is not "
					 "closed", c->cur->name, c->cur->line));
	if (!c->root)
		cb_xml_problems_add(&c->probs, 0, "the case has no root element <case>");
	cb_buf w = {0};
	cb_limits limits = cb_case__limits(opts);
	int rc = canonical(c, &w) != 0 || c->probs.oom ? CB_ENOMEM : CB_OK;
	if (rc == CB_OK && w.n > limits.document_bytes) {
		/* as for a document: the canonical document is what case-sha256 stands for */
		rc = cb__error(CB_ELIMIT, "%s: %zu bytes is over the limit of %zu", c->cs->name,
			       w.n, limits.document_bytes);
	} else if (rc == CB_OK) {
		cb_sha256_hex(w.p, w.n, c->cs->sha256);
		rc = cb_case__load_tree(c->cs, c->root, &c->probs, limits.patients, limits.lines);
	} else {
		rc = cb__error(CB_ENOMEM, "out of memory building case %s", c->cs->name);
	}
	free(w.p);
	cb_xml_problems_free(&c->probs);
	if (rc != CB_OK)
		return fail(c, rc);
	c->state = ST_READY;
	return CB_OK;
}

/* ---- loading, pricing, freeing ---- */

CB_EXTERN int cb_case_load_buffer(cb_case **out, const cb_ruleset *rs, const char *buf,
				  size_t len, const char *name, const cb_price_options *opts)
{
	if (out)
		*out = NULL;
	if (!out || !rs || (!buf && len))
		return cb__error(CB_EINVAL, "cb_case_load_buffer: NULL argument");
	name = name ? name : "-";
	cb_case *c = calloc(1, sizeof *c);
	if (!c)
		return cb__error(CB_ENOMEM, "out of memory loading %s", name);
	int rc = cb_case__load(&c->cs, &c->root, rs, buf ? buf : "", len, name, opts);
	if (rc != CB_OK) {
		free(c);
		return rc;
	}
	c->state = ST_READY;
	*out = c;
	return CB_OK;
}

CB_EXTERN int cb_case_load_file(cb_case **out, const cb_ruleset *rs, const char *path,
				const cb_price_options *opts)
{
	if (out)
		*out = NULL;
	if (!out || !rs || !path)
		return cb__error(CB_EINVAL, "cb_case_load_file: NULL argument");
	char *buf;
	size_t len;
	int rc = cb__read_file(path, &buf, &len, cb_case__limits(opts).document_bytes);
	if (rc != CB_OK)
		return rc;
	rc = cb_case_load_buffer(out, rs, buf, len, path, opts);
	free(buf);
	return rc;
}

CB_EXTERN int cb_case_price(cb_result **out, const cb_case *c, const cb_price_options *opts)
{
	if (out)
		*out = NULL;
	if (!out || !c)
		return cb__error(CB_EINVAL, "cb_case_price: NULL argument");
	if (c->state != ST_READY)
		return cb__error(CB_EINVAL, "cb_case_price: case %s is not finished", c->cs->name);
	return cb_case__price_model(out, c->cs, opts, NULL);
}

CB_EXTERN void cb_case_free(cb_case *c)
{
	if (!c)
		return;
	cb_case__free(c->cs);
	cb_xml_problems_free(&c->probs);
	free(c);
}
