/*
 * fuzz_build.c — libFuzzer target for the case builder (engine/case_build.c: cb_case_new,
 * cb_case_open/add/close, cb_case_finish, cb_case_price, cb_case_write_buffer) against
 * rules/fx-2023.xml (loaded once).
 *
 * The input is a program of builder calls. Its first byte holds flags (elements given their
 * line in the canonical document, traced pricing, small limits, no case name); then each
 * operation byte picks a call, and the bytes after it the call's arguments:
 *   - an element: mostly one the case XSD allows where it is opened, sometimes any case
 *     element, a tricky name (namespaces, markup, non-ASCII) or raw input bytes;
 *   - attributes: mostly the element's own, coherent with its variant (contract type, cover
 *     shape, encounter setting), sometimes any subset, unknown or repeated names, in a free
 *     list; values mostly plausible for fx-2023 (item codes, H1..H3, dates in March 2023,
 *     decimals), sometimes another attribute's, raw bytes (invalid UTF-8, control
 *     characters), tricky text, or NULL (left out);
 *   - a source line (unless the flags ask for canonical lines);
 * or one element is opened many times (up to 130,561 nested, 1,024 side by side).
 * When the input ends, every open element is closed and the case finished, so most inputs are
 * priced.
 *
 * Properties (a violation traps, which libFuzzer reports as a crash):
 *   - each call returns what its contract gives for the sequence so far: CB_OK, CB_EINVAL for
 *     a misuse (closing an element that is not the open one, finishing with one open, building
 *     a finished case, writing or pricing an unfinished one, a NULL element), CB_ELIMIT only
 *     from cb_case_finish under small limits, CB_ENOMEM; after an error only cb_case_free is
 *     called;
 *   - a finished case prices (CB_OK) to BILLED, HELD or REJECTED (a rejected case has no
 *     patients); the whole result is read through the getters; the claim document is
 *     well-formed, valid against rules/schema/claim.xsd, and written twice the same;
 *   - the canonical document (cb_case_write_buffer), priced as a document with the same
 *     options, has the built case's status and case-sha256 (a case the builder rejects is
 *     rejected as a document, and the other way round), the same patients and findings; when
 *     the elements were given their lines in that document, the same claim document, byte for
 *     byte (unless rejected: the builder and the XSD word their messages differently);
 *   - the canonical document loaded once (cb_case_load_buffer) prices to the same claim as
 *     the document, and, unless rejected, writes back the same canonical bytes;
 *   - nothing leaks (LeakSanitizer) and no memory error (ASan, UBSan).
 */
#include "fuzz_common.h"

#include <stdio.h>

/* ---- reading the program ---- */

typedef struct prog {
	const uint8_t *p;
	size_t n;
} prog;

static unsigned take(prog *g)
{
	if (!g->n)
		return 0;
	g->n--;
	return *g->p++;
}

/* The strings of one run: names, values and raw bytes, reset for every input. */
static char pool[1 << 16];
static size_t pool_used;

static const char *keep(const char *s, size_t n)
{
	if (pool_used + n + 1 > sizeof pool)
		return "";
	char *d = pool + pool_used;
	memcpy(d, s, n);
	d[n] = '\0';
	pool_used += n + 1;
	return d;
}

static const char *keepf(const char *fmt, unsigned a, unsigned b, unsigned c)
{
	char tmp[64];
	int n = snprintf(tmp, sizeof tmp, fmt, a, b, c);
	return keep(tmp, n > 0 ? (size_t)n : 0);
}

/* Up to 23 bytes of the input as they are (a NUL ends the string early). */
static const char *raw(prog *g)
{
	char tmp[24];
	size_t len = take(g) % 24, i;
	for (i = 0; i < len && g->n; i++)
		tmp[i] = (char)take(g);
	return keep(tmp, strnlen(tmp, i));
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define PICK(a, v) ((a)[(v) % COUNT(a)])

/* ---- the case vocabulary (rules/schema/case.xsd) ---- */

typedef struct espec {
	const char *name;
	const char *kids[6];     /* elements allowed inside */
	const char *attrs[8];
	unsigned required;       /* bit i: attrs[i] is required */
} espec;

enum { E_ROOT, E_CASE, E_PERIOD, E_PATIENT, E_ACCUM, E_CONTRACT, E_COVER, E_ENCOUNTER,
       E_VISIT, E_STAY, E_SERVICE, E_LINE, E_COUNT };

static const espec specs[E_COUNT] = {
	{"", {"case"}, {NULL}, 0},
	{"case", {"period", "patient"}, {"ruleset"}, 1},
	{"period", {NULL}, {"from", "to"}, 3},
	{"patient", {"accumulators", "contract", "encounter", "visit", "stay", "service"},
	 {"id", "scheme", "retired"}, 7},
	{"accumulators", {NULL},
	 {"year", "outpatient-deductible-used", "outpatient-fund-paid", "inpatient-fund-paid"}, 1},
	{"contract", {"cover"}, {"id", "type", "from", "to", "payer", "grade"}, 7},
	{"cover", {NULL}, {"item", "quota", "window", "used", "ratio", "annual-cap", "paid"}, 1},
	{"encounter", {"line"}, {"id", "institution", "setting", "date", "admit", "discharge"}, 7},
	{"visit", {"line"}, {"id", "institution", "at", "distance-km", "staff", "surcharge"}, 15},
	{"stay", {NULL}, {"id", "institution", "bed", "from", "nursing", "to"}, 15},
	{"service", {NULL}, {"id", "institution", "item", "qty", "at"}, 31},
	{"line", {NULL}, {"id", "item", "qty", "at", "price"}, 15},
};

static int spec_of(const char *name)
{
	for (int i = E_CASE; i < E_COUNT; i++)
		if (strcmp(specs[i].name, name) == 0)
			return i;
	return -1;
}

static size_t nkids(int e)
{
	size_t n = 0;
	while (n < 6 && specs[e].kids[n])
		n++;
	return n;
}

static size_t nattrs(int e)
{
	size_t n = 0;
	while (n < 8 && specs[e].attrs[n])
		n++;
	return n;
}

static const char *const all_attrs[] = {
	"ruleset", "from", "to", "id", "scheme", "retired", "year", "outpatient-deductible-used",
	"outpatient-fund-paid", "inpatient-fund-paid", "type", "payer", "grade", "item", "quota",
	"window", "used", "ratio", "annual-cap", "paid", "institution", "setting", "date", "admit",
	"discharge", "at", "distance-km", "staff", "surcharge", "bed", "nursing", "qty", "price"};

/* Names a document could misread: namespaces, markup that would make a different element or
 * attribute if written as it is, reserved and non-ASCII names, near misses. */
static const char *const tricky_names[] = {
	"", " ", "xmlns", "xmlns:x", "xml:lang", "xml", "x:id", "xsi:nil", "ID", "id ", "Case",
	"case>", "a=\"1\"", "a b", "-x", "1a", "a\tb", "\xE7\x97\x85\xE4\xBA\xBA",
	"period from=\"2023-03-01\" to=\"2023-04-01\"",
	"patient id=\"P9\" scheme=\"employee\" retired=\"true\"",
	"retired=\"false\" scheme", "id=\"P1\" scheme=\"resident\" retired",
	"line id=\"L9\" item=\"SVC-A1\" qty=\"1\" at=\"2023-03-05T09:00\"", "case/", "!--",
	"xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:noNamespaceSchemaLocation"};

/* Values that test escaping and the characters XML can carry. */
static const char *const tricky_values[] = {
	"", "&", "<>&\"'", "\t\n\r", " \r\n ", "]]>", "&amp;", "&#1;", "\xEF\xBF\xBE",
	"\xEF\xBF\xBF", "\xEF\xBF\xBD", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xC0\xAF", "\xC2\x85",
	"\x7F", "\x01", "\x1F", "\x0B", "\xE2\x80\xA8", "\xF0\x9F\x98\x80", "\xEE\x80\x80",
	"\xEF\xBB\xBF", "\xF8\x88\x80\x80\x80", "\xE0\x80\x80", " 1", "1 ", "0001.5000", "+1",
	"1e3", "\xE4\xB8\x80", "2023-03-05T09:00\n"};

/* ---- values plausible for fx-2023 ---- */

enum { K_OTHER, K_RULESET, K_DATE, K_TIME, K_ID, K_SCHEME, K_BOOL, K_TYPE, K_WINDOW, K_SETTING,
       K_YEAR, K_MONEY, K_COUNT, K_RATIO, K_DIST, K_INST, K_ITEM, K_BED, K_NURSING, K_PAYER,
       K_GRADE };

static int kind_of(const char *attr)
{
	static const struct {
		const char *name;
		int kind;
	} kinds[] = {
		{"ruleset", K_RULESET}, {"from", K_DATE}, {"to", K_DATE}, {"date", K_DATE},
		{"admit", K_DATE}, {"discharge", K_DATE}, {"at", K_TIME}, {"id", K_ID},
		{"scheme", K_SCHEME}, {"retired", K_BOOL}, {"surcharge", K_BOOL}, {"type", K_TYPE},
		{"window", K_WINDOW}, {"setting", K_SETTING}, {"year", K_YEAR},
		{"outpatient-deductible-used", K_MONEY}, {"outpatient-fund-paid", K_MONEY},
		{"inpatient-fund-paid", K_MONEY}, {"annual-cap", K_MONEY}, {"paid", K_MONEY},
		{"price", K_MONEY}, {"qty", K_COUNT}, {"quota", K_COUNT}, {"used", K_COUNT},
		{"staff", K_COUNT}, {"ratio", K_RATIO}, {"distance-km", K_DIST},
		{"institution", K_INST}, {"item", K_ITEM}, {"bed", K_BED}, {"nursing", K_NURSING},
		{"payer", K_PAYER}, {"grade", K_GRADE}};
	for (size_t i = 0; i < COUNT(kinds); i++)
		if (strcmp(kinds[i].name, attr) == 0)
			return kinds[i].kind;
	return K_OTHER;
}

static const char *date_value(prog *g, const char *elem, const char *attr)
{
	static const char *const odd[] = {"2023-04-01", "2023-02-28", "2022-12-31", "2024-02-29",
					  "2023-02-29", "2023-13-01", "2023-3-01", "20230301",
					  "2023-03-01T10:00", "9999-12-31", "0001-01-01", "2023-03-00"};
	unsigned v = take(g);
	if (strcmp(elem, "period") == 0 && v < 192)
		return strcmp(attr, "to") == 0 ? "2023-04-01" : "2023-03-01";
	if (v < 224)
		return keepf("2023-03-%02u", 1 + v % 31, 0, 0);
	return PICK(odd, v);
}

static const char *time_value(prog *g)
{
	static const char *const odd[] = {"2023-03-05T24:00", "2023-03-05T09:00:59",
					  "2023-03-05 09:00", "2023-03-05", "2023-03-05T9:00",
					  "2023-04-01T00:00", "2023-02-28T23:59", "2023-03-05T09:60"};
	unsigned v = take(g), h = take(g);
	if (v < 232)
		return keepf("2023-03-%02uT%02u:%02u", 1 + v % 31, h % 24, (v * 7) % 60);
	return PICK(odd, v);
}

static const char *id_value(unsigned v, const char *elem)
{
	static const char *const patients[] = {"P1", "P2", "P3"}, *const contracts[] = {"K1", "K2"},
				 *const units[] = {"U1", "U2", "U3", "U4"},
				 *const lines[] = {"L1", "L2", "L3", "L4"};
	if (strcmp(elem, "patient") == 0)
		return PICK(patients, v);
	if (strcmp(elem, "contract") == 0)
		return PICK(contracts, v);
	if (strcmp(elem, "line") == 0)
		return PICK(lines, v);
	return PICK(units, v);
}

static const char *plausible(prog *g, const char *elem, const char *attr)
{
	static const char *const rulesets[] = {"fx-2023", "fx-2023", "fx-2023", "fx-2023",
					       "fx-2023", "fx-2023", "cq-demo-2023", "FX-2023"};
	static const char *const schemes[] = {"employee", "resident", "employee", "resident",
					      "employee", "resident", "employee", "Employee"};
	static const char *const bools[] = {"true", "false", "1", "0", "false", "true", "0",
					    "yes"};
	static const char *const types[] = {"family-doctor", "ltc", "commercial", "family-doctor",
					    "ltc", "commercial", "family-doctor", "LTC"};
	static const char *const windows[] = {"contract", "year", "month", "contract", "year",
					      "month", "contract", "week"};
	static const char *const settings[] = {"outpatient", "inpatient", "outpatient",
					       "inpatient", "outpatient", "inpatient", "outpatient",
					       "day-case"};
	static const char *const years[] = {"2023", "2023", "2023", "2022", "2024", "23", "2023 ",
					    "abcd"};
	static const char *const money[] = {"0", "0.00", "10.00", "100", "250.50", "2000.00",
					    "99999.99", "12.345", "-5", "1e3", ".5", "5.", "40",
					    "3000.00", "0.01", "1000000000000000000000.00"};
	static const char *const counts[] = {"1", "2", "3", "1", "2", "0", "0.5", "1.25", "10",
					     "-1", "0.0001", "1000000", "4", "12"};
	static const char *const ratios[] = {"0.50", "0.7", "1", "0", "1.5", "0.333", "0.25",
					     "0.10"};
	static const char *const dists[] = {"2", "3", "3.5", "7", "10", "12", "0", "10.01"};
	static const char *const insts[] = {"H1", "H1", "H2", "H3", "H1", "H2", "H9", "h1"};
	static const char *const items[] = {"SVC-A1", "SVC-B1", "SVC-B2", "SVC-C1", "DRG-A1",
					    "DRG-A2", "DRG-B1", "DRG-B2", "DRG-C1", "CON-A1",
					    "CON-B1", "EC-BED-1", "EC-NUR-1", "EC-MEAL", "HV-FEE",
					    "NOPE"};
	static const char *const ec_items[] = {"EC-MEAL", "EC-MEAL", "EC-MEAL", "EC-BED-1",
					       "SVC-A1", "NOPE"};
	static const char *const beds[] = {"EC-BED-1", "EC-BED-1", "EC-BED-1", "EC-NUR-1",
					   "SVC-A1", "NOPE"};
	static const char *const nursing[] = {"EC-NUR-1", "EC-NUR-1", "EC-NUR-1", "EC-BED-1",
					      "EC-MEAL", "NOPE"};
	static const char *const payers[] = {"PHS-1", "INS-01", "INS-02", "PHS-1", "INS-01",
					     "medical-insurance", "LTC-FX", ""};
	static const char *const grades[] = {"1", "2", "3", "1", "2", "3", "0", "4"};
	int kind = kind_of(attr);
	if (kind == K_DATE)
		return date_value(g, elem, attr);
	if (kind == K_TIME)
		return time_value(g);
	unsigned v = take(g);
	switch (kind) {
	case K_RULESET: return PICK(rulesets, v);
	case K_ID: return id_value(v, elem);
	case K_SCHEME: return PICK(schemes, v);
	case K_BOOL: return PICK(bools, v);
	case K_TYPE: return PICK(types, v);
	case K_WINDOW: return PICK(windows, v);
	case K_SETTING: return PICK(settings, v);
	case K_YEAR: return PICK(years, v);
	case K_MONEY:
		return v < 224 ? PICK(money, v) : keepf("%u.%02u", take(g) * 37u, v % 100, 0);
	case K_COUNT: return PICK(counts, v);
	case K_RATIO: return PICK(ratios, v);
	case K_DIST: return PICK(dists, v);
	case K_INST: return PICK(insts, v);
	case K_ITEM:
		return strcmp(elem, "service") == 0 ? PICK(ec_items, v) : PICK(items, v);
	case K_BED: return PICK(beds, v);
	case K_NURSING: return PICK(nursing, v);
	case K_PAYER: return PICK(payers, v);
	case K_GRADE: return PICK(grades, v);
	default: return PICK(counts, v);
	}
}

/* A value for attribute `attr` of `elem`; NULL leaves the attribute out. */
static const char *pick_value(prog *g, const char *elem, const char *attr)
{
	unsigned b = take(g);
	if (b < 216)
		return plausible(g, elem, attr);
	if (b < 228)
		return plausible(g, elem, PICK(all_attrs, b));
	if (b < 242)
		return raw(g);
	if (b < 252)
		return PICK(tricky_values, take(g));
	return NULL;
}

static const char *pick_attr_name(prog *g, int e)
{
	unsigned b = take(g);
	if (b < 160 && e > E_ROOT && nattrs(e))
		return specs[e].attrs[b % nattrs(e)];
	if (b < 224)
		return PICK(all_attrs, b);
	if (b < 240)
		return PICK(tricky_names, take(g));
	return raw(g);
}

/* ---- the builder under test, and what it must answer ---- */

/* The open elements: enough for a repeated open (op_repeat) to go deeper than any stack the
 * builder could recurse on; in the BSS, so only the pages a run uses are touched. */
enum { MAX_DEPTH = 1 << 18, MAX_ATTRS = 16 };

typedef struct frame {
	const char *name;
	int spec;               /* specs[] index, -1 when not a case element */
	const char *variant;    /* contract type / encounter setting given, for coherent kids */
	int has_kids;
} frame;

typedef struct fz {
	const cb_ruleset *rs;
	cb_case *c;
	const char *name;
	cb_price_options opts;
	int canon_lines, limited;
	unsigned long next_line;  /* with canon_lines: the line the next element gets */
	frame *stack;           /* open_elems */
	size_t depth;
	int finished, dead;
	const char *attrs[2 * MAX_ATTRS + 1];
} fz;

/* The answer of a call: `want`, or CB_ENOMEM; anything else traps. Returns whether the case
 * is still usable. */
static int answer(fz *f, int rc, int want)
{
	CHECK(rc == CB_OK || rc == CB_ENOMEM || rc == CB_EINVAL || rc == CB_EIO ||
	      rc == CB_ERULESET || rc == CB_ELIMIT);
	CHECK(rc == want || rc == CB_ENOMEM);
	CHECK(cb_strerror(rc) != NULL);
	if (rc != CB_OK) {
		CHECK(*cb_error_last() != '\0');
		f->dead = 1;
	}
	return rc == CB_OK;
}

static frame open_elems[MAX_DEPTH];

static const frame *top(const fz *f)
{
	return f->depth ? &f->stack[f->depth - 1] : NULL;
}

/* The element to open: mostly one allowed inside the open element. */
static const char *pick_element(prog *g, const fz *f)
{
	const frame *t = top(f);
	int parent = !t ? E_ROOT : t->spec;
	unsigned b = take(g);
	if (b < 176 && parent >= 0 && nkids(parent))
		return specs[parent].kids[b % nkids(parent)];
	if (b < 232)
		return specs[E_CASE + b % (E_COUNT - E_CASE)].name;
	if (b < 246)
		return PICK(tricky_names, take(g));
	return raw(g);
}

static void put_attr(fz *f, size_t *n, const char *name, const char *value)
{
	if (*n >= MAX_ATTRS)
		return;
	f->attrs[2 * *n] = name;
	f->attrs[2 * *n + 1] = value;
	(*n)++;
}

/* The attributes of the variant a coherent element takes (SPEC §2.3): a contract's type, a
 * cover's shape after its contract, an encounter's setting. */
static unsigned variant_attrs(prog *g, fz *f, int e, size_t *n, const char **variant)
{
	unsigned opt = take(g);
	const frame *t = top(f);
	if (e == E_CONTRACT) {
		static const char *const types[] = {"family-doctor", "ltc", "commercial"};
		*variant = PICK(types, opt >> 4);
		put_attr(f, n, "type", *variant);
		put_attr(f, n, strcmp(*variant, "ltc") == 0 ? "grade" : "payer",
			 pick_value(g, "contract", strcmp(*variant, "ltc") == 0 ? "grade" : "payer"));
		return opt & 0x09; /* id, from; "to" (bit 3) left to the mask */
	}
	if (e == E_COVER) {
		int commercial = t && t->variant && strcmp(t->variant, "commercial") == 0;
		put_attr(f, n, commercial ? "ratio" : "quota",
			 pick_value(g, "cover", commercial ? "ratio" : "quota"));
		put_attr(f, n, commercial ? "annual-cap" : "window",
			 pick_value(g, "cover", commercial ? "annual-cap" : "window"));
		if (opt & 1)
			put_attr(f, n, commercial ? "paid" : "used",
				 pick_value(g, "cover", commercial ? "paid" : "used"));
		return 0;
	}
	if (e == E_ENCOUNTER) {
		*variant = opt & 1 ? "inpatient" : "outpatient";
		put_attr(f, n, "setting", *variant);
		if (opt & 1) {
			put_attr(f, n, "admit", pick_value(g, "encounter", "admit"));
			put_attr(f, n, "discharge", pick_value(g, "encounter", "discharge"));
		} else {
			put_attr(f, n, "date", pick_value(g, "encounter", "date"));
		}
		return 0;
	}
	return opt; /* the others: optional attributes by mask */
}

/* The attribute list of element `name` (spec e, -1 when unknown) into f->attrs. */
static const char *const *pick_attrs(prog *g, fz *f, const char *name, int e,
				     const char **variant)
{
	size_t n = 0;
	unsigned mode = take(g);
	*variant = NULL;
	if (mode == 255)
		return NULL; /* no list at all */
	if (e >= 0 && mode < 208) {
		unsigned mask = 0;
		if (mode < 128)
			mask = variant_attrs(g, f, e, &n, variant);
		else
			mask = take(g);
		for (size_t i = 0; i < nattrs(e); i++) {
			const char *a = specs[e].attrs[i];
			int given = 0;
			for (size_t k = 0; k < n; k++)
				given |= strcmp(f->attrs[2 * k], a) == 0;
			int required = (specs[e].required >> i) & 1;
			if (given || (!required && !((mask >> i) & 1)))
				continue;
			if (required && mode % 16 == 15 && (mask >> i) & 1)
				continue; /* a required attribute left out */
			put_attr(f, &n, a, pick_value(g, name, a));
		}
		if (mode % 8 == 7) /* one more: unknown, repeated or another element's */
			put_attr(f, &n, pick_attr_name(g, e), pick_value(g, name, "id"));
	} else {
		for (size_t k = take(g) % 9; k > 0 && g->n; k--) {
			const char *a = pick_attr_name(g, e);
			put_attr(f, &n, a, pick_value(g, name, a));
		}
	}
	f->attrs[2 * n] = NULL;
	return f->attrs;
}

static unsigned long pick_line(prog *g, fz *f)
{
	if (f->canon_lines)
		return f->next_line++;
	unsigned b = take(g);
	if (b < 200)
		return b;
	if (b < 250)
		return (unsigned long)b << 8 | take(g);
	return b == 255 ? (unsigned long)-1 : (unsigned long)take(g) << 24;
}

static void op_open(prog *g, fz *f, int leaf)
{
	const char *name = pick_element(g, f);
	int e = spec_of(name);
	const char *variant;
	const char *const *attrs = pick_attrs(g, f, name, e, &variant);
	unsigned long line = pick_line(g, f);
	if (f->depth)
		f->stack[f->depth - 1].has_kids = 1;
	/* the builder compares names by value: give it a copy */
	const char *copy = keep(name, strlen(name));
	int rc = leaf ? cb_case_add(f->c, copy, attrs, line) : cb_case_open(f->c, copy, attrs, line);
	if (!answer(f, rc, f->finished ? CB_EINVAL : CB_OK) || leaf)
		return;
	f->stack[f->depth++] = (frame){name, e, variant, 0};
}

/* One element opened `count` times, each inside the last (nested) or side by side (added):
 * deep nesting, and many lines or units, from a short input. */
static void op_repeat(prog *g, fz *f, int nested)
{
	const char *name = pick_element(g, f);
	int e = spec_of(name);
	const char *variant;
	const char *const *attrs = pick_attrs(g, f, name, e, &variant);
	unsigned b = take(g), more = b == 255 ? take(g) : 0;
	size_t count = b < 254 ? 1 + b % 16 : b == 254 ? 300 : 1 + more % 64;
	/* FF FF B7: deeper than any stack. Slow (and mutations are full of FF bytes), so it takes a
	 * third byte: kept in the corpus, such inputs would bring the fuzzer down to a few hundred
	 * executions per second. */
	if (more == 255 && take(g) == 0xB7)
		count = nested ? 130561 : 1024;
	unsigned long line = f->canon_lines ? 0 : pick_line(g, f);
	for (size_t i = 0; i < count && !f->dead && f->depth < MAX_DEPTH; i++) {
		if (f->depth)
			f->stack[f->depth - 1].has_kids = 1;
		if (f->canon_lines)
			line = f->next_line++;
		int rc = nested ? cb_case_open(f->c, name, attrs, line)
				: cb_case_add(f->c, name, attrs, line);
		if (answer(f, rc, f->finished ? CB_EINVAL : CB_OK) && nested)
			f->stack[f->depth++] = (frame){name, e, variant, 0};
	}
}

static void op_close(fz *f, const char *name)
{
	const frame *t = top(f);
	int match = !f->finished && t && strcmp(t->name, name) == 0;
	if (!answer(f, cb_case_close(f->c, name), match ? CB_OK : CB_EINVAL))
		return;
	if (f->canon_lines && t->has_kids)
		f->next_line++; /* its end tag has a line of its own */
	f->depth--;
}

/* ---- a finished case: price it, and compare with its canonical document ---- */

/* The claim document of res; `twice`: written again, it must be the same bytes. Not inlined:
 * GCC 12 at -O3 took the strstr() on the returned buffer for a pointer to the local `out`
 * (-Wdangling-pointer, a false positive). */
__attribute__((noinline)) static char *claim_of(const cb_result *res, size_t *len, int twice)
{
	char *out = NULL, *again = NULL;
	size_t len2 = 0;
	CHECK(cb_result_write_buffer(res, &out, len) == CB_OK && out != NULL);
	CHECK(strlen(out) == *len);
	if (twice) {
		CHECK(cb_result_write_buffer(res, &again, &len2) == CB_OK);
		CHECK(len2 == *len && memcmp(out, again, len2) == 0);
		cb_buffer_free(again);
	}
	return out;
}

/* The claim's case-sha256, copied. */
static void sha_of(const char *claim, char out[65])
{
	const char *at = strstr(claim, "case-sha256=\"");
	CHECK(at != NULL && strlen(at + 13) >= 64);
	memcpy(out, at + 13, 64);
	out[64] = '\0';
}

static void check_result(const cb_result *res, int lines_given)
{
	cb_result_status st = cb_result_get_status(res);
	CHECK(st == CB_RESULT_BILLED || st == CB_RESULT_HELD || st == CB_RESULT_REJECTED);
	CHECK(st != CB_RESULT_REJECTED || cb_result_patient_count(res) == 0);
	fuzz_walk_result_lines(res, lines_given);
}

/* The canonical document loaded once: the document's own claim, and (unless rejected) the
 * same canonical bytes written back. */
static void check_loaded(const fz *f, const char *doc, size_t dl, const char *doc_claim,
			 size_t dcl, cb_result_status st)
{
	cb_case *lc = NULL;
	cb_result *res = NULL;
	CHECK(cb_case_load_buffer(&lc, f->rs, doc, dl, f->name, &f->opts) == CB_OK && lc);
	CHECK(cb_case_price(&res, lc, &f->opts) == CB_OK && res);
	size_t lcl = 0;
	char *claim = claim_of(res, &lcl, 0);
	CHECK(lcl == dcl && memcmp(claim, doc_claim, dcl) == 0);
	if (st != CB_RESULT_REJECTED) {
		char *again = NULL;
		size_t al = 0;
		CHECK(cb_case_write_buffer(lc, &again, &al) == CB_OK && again);
		CHECK(al == dl && memcmp(again, doc, dl) == 0);
		cb_buffer_free(again);
	}
	cb_buffer_free(claim);
	cb_result_free(res);
	cb_case_free(lc);
}

static void check_finished(fz *f)
{
	cb_result *res = NULL, *dres = NULL;
	CHECK(cb_case_price(&res, f->c, &f->opts) == CB_OK && res);
	check_result(res, f->canon_lines);
	cb_result_status st = cb_result_get_status(res);
	size_t cl = 0, dl = 0, dl2 = 0, dcl = 0;
	char *claim = claim_of(res, &cl, 1), *doc = NULL, *doc2 = NULL;
	fuzz_check_claim(claim, cl);

	CHECK(cb_case_write_buffer(f->c, &doc, &dl) == CB_OK && doc && strlen(doc) == dl);
	CHECK(cb_case_write_buffer(f->c, &doc2, &dl2) == CB_OK);
	CHECK(dl2 == dl && memcmp(doc, doc2, dl) == 0);
	cb_buffer_free(doc2);

	CHECK(cb_case_price_buffer(&dres, f->rs, doc, dl, f->name, &f->opts) == CB_OK && dres);
	check_result(dres, 1);
	CHECK(cb_result_get_status(dres) == st); /* rejected both ways, or neither */
	char *doc_claim = claim_of(dres, &dcl, 0);
	char sha_built[65], sha_doc[65];
	sha_of(claim, sha_built);
	sha_of(doc_claim, sha_doc);
	CHECK(strcmp(sha_built, sha_doc) == 0);
	if (st != CB_RESULT_REJECTED) {
		CHECK(cb_result_patient_count(dres) == cb_result_patient_count(res));
		CHECK(cb_result_finding_count(dres) == cb_result_finding_count(res));
		for (size_t i = 0; i < cb_result_patient_count(res); i++)
			CHECK(cb_result_patient(res, i)->held == cb_result_patient(dres, i)->held);
		if (f->canon_lines)
			CHECK(dcl == cl && memcmp(claim, doc_claim, cl) == 0);
	}
	check_loaded(f, doc, dl, doc_claim, dcl, st);
	cb_buffer_free(doc_claim);
	cb_buffer_free(doc);
	cb_buffer_free(claim);
	cb_result_free(dres);
	cb_result_free(res);
}

static void op_finish(fz *f)
{
	int rc = cb_case_finish(f->c, &f->opts);
	if (f->limited && rc == CB_ELIMIT && !f->finished && !f->depth) {
		CHECK(*cb_error_last() != '\0');
		f->dead = 1;
		return;
	}
	if (!answer(f, rc, f->finished || f->depth ? CB_EINVAL : CB_OK))
		return;
	f->finished = 1;
	check_finished(f);
}

/* Writing or pricing: CB_EINVAL before the case is finished (that ends the program). */
static void op_use(fz *f, int write)
{
	if (write) {
		char *doc = NULL;
		size_t dl = 0;
		int rc = cb_case_write_buffer(f->c, &doc, &dl);
		CHECK(rc != CB_OK || doc);
		CHECK(rc == CB_OK || (!doc && dl == 0));
		cb_buffer_free(doc);
		answer(f, rc, f->finished ? CB_OK : CB_EINVAL);
	} else {
		cb_result *res = NULL;
		int rc = cb_case_price(&res, f->c, &f->opts);
		CHECK(rc != CB_OK || res);
		CHECK(rc == CB_OK || !res);
		cb_result_free(res);
		answer(f, rc, f->finished ? CB_OK : CB_EINVAL);
	}
}

static void op_special(prog *g, fz *f)
{
	switch (take(g) % 8) {
	case 0: op_use(f, 1); break;
	case 1: op_use(f, 0); break;
	case 2: answer(f, cb_case_open(f->c, NULL, NULL, 0), CB_EINVAL); break;
	case 3: answer(f, cb_case_close(f->c, NULL), CB_EINVAL); break;
	case 4: case 5: op_repeat(g, f, 1); break;
	default: op_repeat(g, f, 0); break;
	}
}

static void run(prog *g, fz *f)
{
	while (g->n && !f->dead) {
		unsigned op = take(g) % 16;
		if (op <= 5 && f->depth < MAX_DEPTH)
			op_open(g, f, 0);
		else if (op <= 8)
			op_open(g, f, 1);
		else if (op <= 12)
			op_close(f, top(f) ? top(f)->name : "case");
		else if (op == 13)
			op_close(f, pick_element(g, f));
		else if (op == 14)
			op_finish(f);
		else
			op_special(g, f);
	}
	while (!f->dead && !f->finished && f->depth)
		op_close(f, top(f)->name);
	if (!f->dead && !f->finished)
		op_finish(f);
}

static void setup(prog *g, fz *f)
{
	static const char *const names[] = {"fuzz-build", "built.xml", "\xE7\x97\x85\xE4\xBA\xBA.xml",
					    "a&b<c>\"d\".xml"};
	unsigned flags = take(g);
	f->canon_lines = flags & 1;
	f->next_line = 2; /* after the XML declaration */
	f->opts = (cb_price_options)CB_PRICE_OPTIONS_INIT;
	f->opts.trace = (flags >> 1) & 1;
	if (flags & 4) {
		f->limited = 1;
		f->opts.max_patients = 1 + take(g) % 3;
		f->opts.max_lines_per_patient = 1 + take(g) % 12;
	}
	f->name = flags & 8 ? NULL : PICK(names, flags >> 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static fz f;
	prog g = {data, size};
	memset(&f, 0, sizeof f);
	f.stack = open_elems;
	pool_used = 0;
	f.rs = fuzz_fixture_rules();
	setup(&g, &f);
	CHECK(cb_case_new(&f.c, f.rs, f.name) == CB_OK && f.c);
	run(&g, &f);
	cb_case_free(f.c);
	return 0;
}
