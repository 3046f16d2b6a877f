/*
 * test_props.c — property tests of the medical track over generated cases (CUnit).
 *
 * A deterministic generator (xorshift64*, fixed seed; no rand()) writes ~300 random valid
 * cases against rules/fx-2023.xml: one to three patients of either scheme, retired or not,
 * with random accumulators for 2025 and 2026, and outpatient and inpatient encounters at H1,
 * H2 and H3 around the new year, each with random lines over every catalogue item: quantities
 * with up to 3 fraction digits, drug and consumable prices with up to 4 (above and below the
 * limits), service prices omitted or written as the catalogue price in another form, and
 * some lines sharing their time (ties broken by line id, [ORD-2]). The
 * combination fx-2023 has no row for (resident, inpatient, level 1, retired) is avoided.
 *
 * Each case is priced through the public API and these hold exactly, in integer fen parsed
 * from the [NUM-4] money text (which must have exactly two fraction digits and no sign):
 *   [DUP-4]/[MED-3] each charged line: amount = over-limit + self-financed + self-first +
 *                   in-scope; line patient = over-limit + self-financed + self-first;
 *   [MED-1]         amount = round2(qty × price), recomputed here from the line's own text;
 *   [MED-4..7]      each settlement: in-scope = Σ line in-scope = deductible + fund + copay;
 *                   fund + patient = total = Σ charged line amount; deductible ≤ in-scope;
 *                   over-cap ≥ 0; patient = Σ (over-limit + self-financed + self-first)
 *                   + deductible + copay; fund-paid-after = fund-paid-before + fund;
 *   §8              the medical-insurance claim total = Σ its items = Σ settlement fund, each
 *                   item = its unit's fund; statement total = medical + home-visit +
 *                   eldercare, and medical = Σ settlement patient;
 *   oracle          an independent integer model of §5 (fx-2023's catalogue and policy rows
 *                   written out here) gives every line part, every settlement field and
 *                   the [ORD-1] order of the bills, exactly;
 *   [ORD-1]/[ORD-2] writing the same case with its patients, its encounters and the lines of
 *                   each encounter in another order never changes the claim document. (The
 *                   root's case-sha256 fingerprints the input bytes, which a reordering
 *                   changes by design; that one attribute value is blanked before comparing.)
 *
 * The program's exit status is the number of failed assertions.
 */
#include <CUnit/Basic.h>

#include "cb_test.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carebill.h"
#include "dates.h"

#define CASES 300
#define SHUFFLES 2

static cb_ruleset *fx;

/* ---- helpers -------------------------------------------------------------------------- */

static void report(int ok, const char *what, const char *expected, const char *got,
		   const char *file, unsigned line)
{
	int n = snprintf(NULL, 0, "%s: expected %s, got %s", what, expected, got);
	char *msg = malloc((size_t)n + 1);
	if (msg)
		snprintf(msg, (size_t)n + 1, "%s: expected %s, got %s", what, expected, got);
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, line, msg ? msg : what, file, "",
				CU_FALSE);
	free(msg);
}

/* Failures are counted per property and reported once with the first counter-example, so a
 * broken invariant does not flood the output with 300 copies. */
typedef struct property {
	const char *name;
	long checked, failed;
	char first[1024];
} property;

static void prop_check(property *p, int ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void prop_check(property *p, int ok, const char *fmt, ...)
{
	p->checked++;
	if (ok)
		return;
	if (p->failed++ == 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->first, sizeof p->first, fmt, ap);
		va_end(ap);
	}
}

static void prop_report(const property *p, const char *file, unsigned line)
{
	char got[1200];
	snprintf(got, sizeof got, "%ld of %ld failed; first: %s", p->failed, p->checked, p->first);
	report(p->failed == 0 && p->checked > 0, p->name, "holds on every case", got, file, line);
}

/*
 * "123.45" -> 12345 fen. Money text must be [0-9]+\.[0-9][0-9] ([NUM-4]); anything else
 * (a sign, one or three fraction digits, NULL) sets *ok to 0. Amounts here stay far below
 * 2^63 fen.
 */
static int64_t fen(const char *s, int *ok)
{
	if (!s) {
		*ok = 0;
		return 0;
	}
	int64_t v = 0;
	const char *p = s;
	if (*p < '0' || *p > '9')
		*ok = 0;
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (*p++ - '0');
	if (p[0] != '.' || p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9' || p[3] != '\0') {
		*ok = 0;
		return 0;
	}
	return v * 100 + (p[1] - '0') * 10 + (p[2] - '0');
}

/* A decimal text (qty or price, up to 6 fraction digits) as an integer of millionths. */
static int64_t micro(const char *s, int *ok)
{
	if (!s) {
		*ok = 0;
		return 0;
	}
	int64_t v = 0;
	const char *p = s;
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (*p++ - '0');
	int digits = 0;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9' && digits < 6) {
			v = v * 10 + (*p++ - '0');
			digits++;
		}
	}
	if (*p != '\0')
		*ok = 0;
	for (; digits < 6; digits++)
		v *= 10;
	return v;
}

/* round2(qty × price) in fen, half up, from micro units: qty×price is in 10^-12 yuan. */
static int64_t round2_product(int64_t qty_micro, int64_t price_micro)
{
	/* both stay below 10^8 micro here, so the product fits: < 10^16 */
	int64_t p = qty_micro * price_micro;     /* 10^-12 yuan */
	return (p + 5000000000LL) / 10000000000LL; /* to 10^-2, half up */
}

/* ---- the generator ------------------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t next64(void)
{
	uint64_t x = rng_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* Uniform in [0, n). */
static unsigned pick(unsigned n)
{
	return (unsigned)(next64() % n);
}

typedef struct citem {
	const char *code;
	char kind;          /* 's'ervice, 'd'rug, 'c'onsumable */
	const char *price;  /* service: catalogue price */
	char cls;           /* 'A', 'B', 'C' */
	int64_t b_ratio_bp; /* class B: b-ratio in 1/10000 */
	const char *limit;  /* drug or consumable: 医保支付限价, or NULL */
} citem;

/* fx-2023's medical catalogue (rules/fx-2023.xml) */
static const citem catalogue[] = {
	{"SVC-A1", 's', "10.00", 'A', 0, NULL},   {"SVC-B1", 's', "200.00", 'B', 1000, NULL},
	{"SVC-B2", 's', "10.25", 'B', 1000, NULL}, {"SVC-C1", 's', "50.00", 'C', 0, NULL},
	{"DRG-A1", 'd', NULL, 'A', 0, "0.2500"},  {"DRG-A2", 'd', NULL, 'A', 0, NULL},
	{"DRG-B1", 'd', NULL, 'B', 2000, "2.50"}, {"DRG-B2", 'd', NULL, 'B', 1500, NULL},
	{"DRG-C1", 'd', NULL, 'C', 0, NULL},      {"CON-A1", 'c', NULL, 'A', 0, NULL},
	{"CON-B1", 'c', NULL, 'B', 1000, "35.00"},
};
#define NITEMS (sizeof catalogue / sizeof catalogue[0])

enum { MAX_PATIENTS = 3, MAX_ENCOUNTERS = 6, MAX_LINES = 8 };

typedef struct gline {
	char id[48], item[16], qty[16], price[24], at[24];
	const citem *it;
} gline;

typedef struct genc {
	char id[16], inst[4];
	int inpatient;
	char date[11], admit[11], discharge[11];
	gline lines[MAX_LINES];
	int nlines;
} genc;

typedef struct gpat {
	char id[8];
	int resident, retired;
	char accum[2][160];  /* <accumulators .../> for 2025 and 2026, or "" */
	int64_t acc[2][3];   /* the same in fen: deductible used, outpatient fund, inpatient fund */
	genc encs[MAX_ENCOUNTERS];
	int nencs;
} gpat;

typedef struct gcase {
	gpat pats[MAX_PATIENTS];
	int npats;
} gcase;

static void money_text(char *out, size_t cap, int64_t f)
{
	snprintf(out, cap, "%" PRId64 ".%02" PRId64, f / 100, f % 100);
}

/* A positive quantity with 0..3 fraction digits, sometimes with trailing zeros. */
static void gen_qty(char *out, size_t cap)
{
	unsigned whole = pick(4) == 0 ? pick(100) : pick(13);
	unsigned digits = pick(4);
	unsigned frac = digits ? pick(digits == 1 ? 10 : digits == 2 ? 100 : 1000) : 0;
	if (whole == 0 && frac == 0)
		whole = 1;
	if (digits)
		snprintf(out, cap, "%u.%0*u", whole, (int)digits, frac);
	else
		snprintf(out, cap, "%u", whole);
}

/* A drug or consumable price with 0..4 fraction digits, around the fx-2023 limits. */
static void gen_price(char *out, size_t cap)
{
	static const unsigned ranges[] = {1, 3, 40, 60};
	unsigned whole = pick(ranges[pick(4)]);
	unsigned digits = pick(5);
	unsigned mod = digits == 0 ? 1 : digits == 1 ? 10 : digits == 2 ? 100 : digits == 3 ? 1000
												   : 10000;
	unsigned frac = digits ? pick(mod) : 0;
	if (whole == 0 && frac == 0)
		frac = 1, digits = digits ? digits : 4;
	if (digits)
		snprintf(out, cap, "%u.%0*u", whole, (int)digits, frac);
	else
		snprintf(out, cap, "%u", whole);
}

/* A service line's price attribute: omitted (""), or the catalogue price in some form. */
static void gen_service_price(char *out, size_t cap, const char *catalogue_price)
{
	switch (pick(4)) {
	case 0:
		out[0] = '\0';
		break;
	case 1:
		snprintf(out, cap, "%s", catalogue_price);
		break;
	case 2:
		snprintf(out, cap, "%s00", catalogue_price); /* 10.0000 */
		break;
	default: {
		/* drop trailing zeros and a trailing dot: 10.00 -> 10, 10.25 -> 10.25 */
		snprintf(out, cap, "%s", catalogue_price);
		size_t n = strlen(out);
		while (n && out[n - 1] == '0')
			out[--n] = '\0';
		if (n && out[n - 1] == '.')
			out[--n] = '\0';
	}
	}
}

static void gen_accumulators(gpat *p)
{
	static const int years[] = {2025, 2026};
	for (int y = 0; y < 2; y++) {
		p->accum[y][0] = '\0';
		p->acc[y][0] = p->acc[y][1] = p->acc[y][2] = 0;
		if (pick(2))
			continue;
		char od[32], op[32], ip[32], attrs[128] = "";
		int64_t v_od = (int64_t)pick(30000); /* up to 300.00 */
		int64_t v_op = (int64_t)pick(pick(3) ? 100000 : 360000);
		int64_t v_ip = (int64_t)pick(pick(3) ? 1000000 : 12000000);
		money_text(od, sizeof od, v_od);
		money_text(op, sizeof op, v_op);
		money_text(ip, sizeof ip, v_ip);
		size_t used = 0;
		if (pick(4)) {
			used += (size_t)snprintf(attrs + used, sizeof attrs - used,
						 " outpatient-deductible-used=\"%s\"", od);
			p->acc[y][0] = v_od;
		}
		if (pick(4)) {
			used += (size_t)snprintf(attrs + used, sizeof attrs - used,
						 " outpatient-fund-paid=\"%s\"", op);
			p->acc[y][1] = v_op;
		}
		if (pick(4)) {
			snprintf(attrs + used, sizeof attrs - used, " inpatient-fund-paid=\"%s\"", ip);
			p->acc[y][2] = v_ip;
		}
		snprintf(p->accum[y], sizeof p->accum[y], "<accumulators year=\"%d\"%s/>", years[y],
			 attrs);
	}
}

static void gen_time(char *out, size_t cap, int32_t day)
{
	char d[11];
	cb_date_format(day, d);
	if (pick(3))
		snprintf(out, cap, "%sT%02u:%02u", d, pick(24), pick(60));
	else
		snprintf(out, cap, "%sT%02u:%02u:%02u", d, pick(24), pick(60), pick(60));
}

static void gen_encounter(const gpat *p, genc *e, int index)
{
	static const char *insts[] = {"H1", "H2", "H3"};
	int32_t first;
	cb_date_parse("2025-12-10", &first);
	snprintf(e->id, sizeof e->id, "E%d", index + 1);
	e->inpatient = (int)pick(2);
	int level = (int)pick(3);
	/* fx-2023 has no resident/inpatient/1/retired row */
	if (e->inpatient && p->resident && p->retired && level == 0)
		level = 1 + (int)pick(2);
	snprintf(e->inst, sizeof e->inst, "%s", insts[level]);
	int32_t from = first + (int32_t)pick(45), to = from;
	if (e->inpatient) {
		to = from + (int32_t)pick(11);
		cb_date_format(from, e->admit);
		cb_date_format(to, e->discharge);
	} else {
		cb_date_format(from, e->date);
	}
	e->nlines = 1 + (int)pick(MAX_LINES);
	for (int j = 0; j < e->nlines; j++) {
		gline *l = &e->lines[j];
		const citem *it = &catalogue[pick(NITEMS)];
		snprintf(l->id, sizeof l->id, "%s-%s-%d", p->id, e->id, j + 1);
		snprintf(l->item, sizeof l->item, "%s", it->code);
		l->it = it;
		gen_qty(l->qty, sizeof l->qty);
		if (it->kind == 's')
			gen_service_price(l->price, sizeof l->price, it->price);
		else
			gen_price(l->price, sizeof l->price);
		if (j > 0 && pick(4) == 0) /* a tie on time: [ORD-2] orders by line id */
			memcpy(l->at, e->lines[j - 1].at, sizeof l->at);
		else
			gen_time(l->at, sizeof l->at, from + (int32_t)pick((unsigned)(to - from + 1)));
	}
}

static void gen_case(gcase *c)
{
	c->npats = 1 + (int)pick(MAX_PATIENTS);
	for (int i = 0; i < c->npats; i++) {
		gpat *p = &c->pats[i];
		snprintf(p->id, sizeof p->id, "P%d", (i + 1) % 100);
		p->resident = (int)pick(2);
		p->retired = (int)pick(2);
		gen_accumulators(p);
		p->nencs = 1 + (int)pick(MAX_ENCOUNTERS);
		for (int k = 0; k < p->nencs; k++)
			gen_encounter(p, &p->encs[k], k);
	}
}

/* A permutation of 0..n-1: identity when `shuffle` is 0. */
static void order(int *perm, int n, int shuffle)
{
	for (int i = 0; i < n; i++)
		perm[i] = i;
	for (int i = n - 1; shuffle && i > 0; i--) {
		int j = (int)pick((unsigned)i + 1), t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
}

typedef struct sbuf {
	char *p;
	size_t n, cap;
} sbuf;

static void add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int need = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (b->n + (size_t)need + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->n + (size_t)need + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p)
			abort();
		b->p = p;
		b->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, (size_t)need + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)need;
}

/* The case document; with `shuffle`, patients, encounters and lines in a random order (the
 * accumulators go with the patient, at a random place among its encounters). */
static char *write_case(const gcase *c, int shuffle)
{
	sbuf b = {0};
	int pp[MAX_PATIENTS], ep[MAX_ENCOUNTERS + 1], lp[MAX_LINES];
	add(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<case ruleset=\"fx-2023\">\n"
		"  <period from=\"2026-01-01\" to=\"2026-02-01\"/>\n");
	order(pp, c->npats, shuffle);
	for (int i = 0; i < c->npats; i++) {
		const gpat *p = &c->pats[pp[i]];
		add(&b, "  <patient id=\"%s\" scheme=\"%s\" retired=\"%s\">\n", p->id,
		    p->resident ? "resident" : "employee", p->retired ? "true" : "false");
		order(ep, p->nencs + 1, shuffle); /* index nencs: the accumulators */
		for (int k = 0; k <= p->nencs; k++) {
			if (ep[k] == p->nencs) {
				for (int y = 0; y < 2; y++)
					if (p->accum[y][0])
						add(&b, "    %s\n", p->accum[y]);
				continue;
			}
			const genc *e = &p->encs[ep[k]];
			if (e->inpatient)
				add(&b, "    <encounter id=\"%s\" institution=\"%s\" setting=\"inpatient\" "
					"admit=\"%s\" discharge=\"%s\">\n", e->id, e->inst, e->admit,
				    e->discharge);
			else
				add(&b, "    <encounter id=\"%s\" institution=\"%s\" setting=\"outpatient\" "
					"date=\"%s\">\n", e->id, e->inst, e->date);
			order(lp, e->nlines, shuffle);
			for (int j = 0; j < e->nlines; j++) {
				const gline *l = &e->lines[lp[j]];
				add(&b, "      <line id=\"%s\" item=\"%s\" qty=\"%s\"", l->id, l->item,
				    l->qty);
				if (l->price[0])
					add(&b, " price=\"%s\"", l->price);
				add(&b, " at=\"%s\"/>\n", l->at);
			}
			add(&b, "    </encounter>\n");
		}
		add(&b, "  </patient>\n");
	}
	add(&b, "</case>\n");
	return b.p;
}

/* The claim document with the value of the root's case-sha256 blanked. */
static void blank_case_hash(char *xml)
{
	char *at = strstr(xml, " case-sha256=\"");
	if (!at)
		return;
	char *val = at + strlen(" case-sha256=\""), *end = strchr(val, '"');
	if (end)
		memmove(val, end, strlen(end) + 1);
}

/* ---- the properties ------------------------------------------------------------------ */

enum {
	P_VALID, P_MONEY_TEXT, P_LINE_PARTS, P_LINE_PATIENT, P_LINE_AMOUNT, P_SETTLE_SPLIT,
	P_SETTLE_SCOPE, P_FUND_PLUS_PATIENT, P_TOTAL_IS_LINES, P_DEDUCTIBLE_LE_SCOPE,
	P_OVER_CAP, P_SETTLE_PATIENT, P_FUND_PAID, P_CLAIM_ITEMS, P_CLAIM_IS_FUND,
	P_CLAIM_ITEM_IS_UNIT_FUND, P_STATEMENT_TOTAL, P_STATEMENT_MEDICAL, P_SHUFFLE,
	P_ORACLE_ORDER, P_ORACLE_LINE, P_ORACLE_SETTLE, P_COUNT
};

static property props[P_COUNT] = {
	{"every generated case is valid and billed", 0, 0, ""},
	{"money text has exactly two fraction digits and no sign [NUM-4]", 0, 0, ""},
	{"line amount = over-limit + self-financed + self-first + in-scope [DUP-4]", 0, 0, ""},
	{"line patient = over-limit + self-financed + self-first", 0, 0, ""},
	{"line amount = round2(qty x price) [MED-1]", 0, 0, ""},
	{"settlement in-scope = deductible + fund + copay [MED-7]", 0, 0, ""},
	{"settlement in-scope = sum of line in-scope [MED-4]", 0, 0, ""},
	{"settlement fund + patient = total [MED-7]", 0, 0, ""},
	{"settlement total = sum of charged line amounts", 0, 0, ""},
	{"settlement deductible <= in-scope [MED-5]", 0, 0, ""},
	{"settlement over-cap >= 0 [MED-6]", 0, 0, ""},
	{"settlement patient = line parts + deductible + copay [MED-7]", 0, 0, ""},
	{"fund-paid-after = fund-paid-before + fund [MED-8]", 0, 0, ""},
	{"medical-insurance claim total = sum of its items", 0, 0, ""},
	{"medical-insurance claim total = sum of settlement fund", 0, 0, ""},
	{"claim item = fund of its unit", 0, 0, ""},
	{"statement total = medical + home-visit + eldercare [ACC-1]", 0, 0, ""},
	{"statement medical = sum of settlement patient", 0, 0, ""},
	{"reordering the case never changes the claim document [ORD-1] [ORD-2]", 0, 0, ""},
	{"bills in [ORD-1] order: settlement date, then unit id", 0, 0, ""},
	{"every line part equals an independent computation of [MED-1]..[MED-3]", 0, 0, ""},
	{"every settlement equals an independent computation of [MED-4]..[MED-8]", 0, 0, ""},
};

/* How often the generated cases reach each branch of §5: a generator that never reaches one
 * would make the properties above hold vacuously there. */
static struct {
	long reordered, lines, over_limit, self_financed, self_first, settlements, deductible_partial,
		deductible_whole, over_cap, no_fund, cross_year;
} seen;

/* fen of a money attribute, recording a malformed text. */
static int64_t m(const char *s, const char *what, int n)
{
	int ok = 1;
	int64_t v = fen(s, &ok);
	prop_check(&props[P_MONEY_TEXT], ok, "case %d: %s = \"%s\"", n, what, s ? s : "(null)");
	return v;
}

static void check_line(const cb_line *l, int n, int64_t *sum_amount, int64_t *sum_scope,
		       int64_t *sum_parts)
{
	if (strcmp(l->status, "charged") != 0) {
		prop_check(&props[P_VALID], 0, "case %d: line %s has status %s", n, l->id, l->status);
		return;
	}
	int64_t amount = m(l->amount, "amount", n), over = m(l->over_limit, "over-limit", n);
	int64_t sfin = m(l->self_financed, "self-financed", n);
	int64_t sfirst = m(l->self_first, "self-first", n), scope = m(l->in_scope, "in-scope", n);
	int64_t patient = m(l->patient, "patient", n);
	prop_check(&props[P_LINE_PARTS], amount == over + sfin + sfirst + scope,
		   "case %d line %s: %s != %s + %s + %s + %s", n, l->id, l->amount, l->over_limit,
		   l->self_financed, l->self_first, l->in_scope);
	prop_check(&props[P_LINE_PATIENT], patient == over + sfin + sfirst,
		   "case %d line %s: patient %s != %s + %s + %s", n, l->id, l->patient,
		   l->over_limit, l->self_financed, l->self_first);
	int ok = 1;
	int64_t want = round2_product(micro(l->qty, &ok), micro(l->price, &ok));
	prop_check(&props[P_LINE_AMOUNT], ok && want == amount,
		   "case %d line %s: round2(%s x %s) = %" PRId64 " fen, amount %s", n, l->id, l->qty,
		   l->price, want, l->amount);
	seen.lines++;
	seen.over_limit += over > 0;
	seen.self_financed += sfin > 0;
	seen.self_first += sfirst > 0;
	*sum_amount += amount;
	*sum_scope += scope;
	*sum_parts += over + sfin + sfirst;
}

static void check_settlement(const cb_bill *b, int n, int64_t lines_amount, int64_t lines_scope,
			     int64_t lines_parts, int64_t *fund_out, int64_t *patient_out)
{
	const cb_settlement *s = b->settlement;
	if (!s) {
		prop_check(&props[P_VALID], 0, "case %d: bill %s has no settlement", n, b->unit);
		return;
	}
	int64_t scope = m(s->in_scope, "in-scope", n), ded = m(s->deductible, "deductible", n);
	int64_t fund = m(s->fund, "fund", n), copay = m(s->copay, "copay", n);
	int64_t over_cap = m(s->over_cap, "over-cap", n), patient = m(s->patient, "patient", n);
	int64_t total = m(s->total, "total", n);
	int64_t before = m(s->fund_paid_before, "fund-paid-before", n);
	int64_t after = m(s->fund_paid_after, "fund-paid-after", n);
	const char *u = b->unit;
	prop_check(&props[P_SETTLE_SPLIT], scope == ded + fund + copay,
		   "case %d %s: in-scope %s != %s + %s + %s", n, u, s->in_scope, s->deductible,
		   s->fund, s->copay);
	prop_check(&props[P_SETTLE_SCOPE], scope == lines_scope,
		   "case %d %s: in-scope %s, lines %" PRId64 " fen", n, u, s->in_scope, lines_scope);
	prop_check(&props[P_FUND_PLUS_PATIENT], fund + patient == total,
		   "case %d %s: %s + %s != %s", n, u, s->fund, s->patient, s->total);
	prop_check(&props[P_TOTAL_IS_LINES], total == lines_amount,
		   "case %d %s: total %s, lines %" PRId64 " fen", n, u, s->total, lines_amount);
	prop_check(&props[P_DEDUCTIBLE_LE_SCOPE], ded <= scope, "case %d %s: deductible %s > %s",
		   n, u, s->deductible, s->in_scope);
	prop_check(&props[P_OVER_CAP], over_cap >= 0 && s->over_cap[0] != '-',
		   "case %d %s: over-cap %s", n, u, s->over_cap);
	prop_check(&props[P_SETTLE_PATIENT], patient == lines_parts + ded + copay,
		   "case %d %s: patient %s != %" PRId64 " + %s + %s fen", n, u, s->patient,
		   lines_parts, s->deductible, s->copay);
	prop_check(&props[P_FUND_PAID], after == before + fund, "case %d %s: %s != %s + %s", n, u,
		   s->fund_paid_after, s->fund_paid_before, s->fund);
	seen.settlements++;
	seen.deductible_partial += ded > 0 && ded < scope;
	seen.deductible_whole += ded > 0 && ded == scope;
	seen.over_cap += over_cap > 0;
	seen.no_fund += fund == 0 && scope > 0;
	seen.cross_year += b->date && strncmp(b->date, "2025", 4) == 0;
	*fund_out = fund;
	*patient_out = patient;
}

typedef struct unit_fund {
	char patient[8], unit[16];
	int64_t fund;
} unit_fund;

static void check_result(const cb_result *res, int n)
{
	unit_fund funds[MAX_PATIENTS * MAX_ENCOUNTERS];
	int nfunds = 0;
	int64_t fund_total = 0;
	prop_check(&props[P_VALID], cb_result_get_status(res) == CB_RESULT_BILLED,
		   "case %d: status %d", n, (int)cb_result_get_status(res));
	for (size_t i = 0; i < cb_result_finding_count(res); i++) {
		const cb_finding *f = cb_result_finding(res, i);
		prop_check(&props[P_VALID], strcmp(f->severity, "error") != 0, "case %d: %s %s: %s",
			   n, f->code, f->ref, f->message);
	}
	for (size_t i = 0; i < cb_result_patient_count(res); i++) {
		const cb_patient *p = cb_result_patient(res, i);
		int64_t settled_patient = 0;
		for (size_t k = 0; k < p->bill_count; k++) {
			const cb_bill *b = cb_patient_bill(p, k);
			int64_t amount = 0, scope = 0, parts = 0, fund = 0, patient = 0;
			for (size_t j = 0; j < b->line_count; j++)
				check_line(cb_bill_line(b, j), n, &amount, &scope, &parts);
			check_settlement(b, n, amount, scope, parts, &fund, &patient);
			settled_patient += patient;
			fund_total += fund;
			if (nfunds < MAX_PATIENTS * MAX_ENCOUNTERS) {
				snprintf(funds[nfunds].patient, sizeof funds[0].patient, "%s", p->id);
				snprintf(funds[nfunds].unit, sizeof funds[0].unit, "%s", b->unit);
				funds[nfunds++].fund = fund;
			}
		}
		int64_t med = m(p->owes_medical, "statement medical", n);
		int64_t hv = m(p->owes_home_visit, "statement home-visit", n);
		int64_t ec = m(p->owes_eldercare, "statement eldercare", n);
		int64_t tot = m(p->owes_total, "statement total", n);
		prop_check(&props[P_STATEMENT_TOTAL], tot == med + hv + ec,
			   "case %d %s: %s != %s + %s + %s", n, p->id, p->owes_total, p->owes_medical,
			   p->owes_home_visit, p->owes_eldercare);
		prop_check(&props[P_STATEMENT_MEDICAL], med == settled_patient,
			   "case %d %s: medical %s, settlements %" PRId64 " fen", n, p->id,
			   p->owes_medical, settled_patient);
	}
	/* the medical-insurance claim (absent when no fund is paid at all) */
	const cb_claim *mi = NULL;
	for (size_t c = 0; c < cb_result_claim_count(res); c++) {
		const cb_claim *cl = cb_result_claim(res, c);
		if (strcmp(cl->payer, "medical-insurance") == 0)
			mi = cl;
		else
			prop_check(&props[P_VALID], 0, "case %d: unexpected payer %s", n, cl->payer);
	}
	int64_t claim_total = mi ? m(mi->total, "claim total", n) : 0, items = 0;
	for (size_t i = 0; mi && i < mi->item_count; i++) {
		const cb_claim_item *it = cb_claim_item_at(mi, i);
		int64_t a = m(it->amount, "claim item", n), want = -1;
		items += a;
		for (int k = 0; k < nfunds; k++)
			if (strcmp(funds[k].patient, it->patient) == 0 &&
			    strcmp(funds[k].unit, it->unit) == 0)
				want = funds[k].fund;
		prop_check(&props[P_CLAIM_ITEM_IS_UNIT_FUND], a == want && a > 0,
			   "case %d: item %s/%s = %s, fund %" PRId64 " fen", n, it->patient, it->unit,
			   it->amount, want);
	}
	prop_check(&props[P_CLAIM_ITEMS], claim_total == items,
		   "case %d: claim total %" PRId64 " != items %" PRId64 " fen", n, claim_total, items);
	prop_check(&props[P_CLAIM_IS_FUND], claim_total == fund_total,
		   "case %d: claim total %" PRId64 " != settlement fund %" PRId64 " fen", n,
		   claim_total, fund_total);
}

/* ---- an independent model of SPEC §5 (the oracle) ------------------------------------ */

/* fx-2023's policy rows: [scheme: employee, resident][setting: outpatient, inpatient]
 * [retired: no, yes][level 1..3] -> deductible (fen), ratio (1/10000), cap (fen);
 * deductible -1: no row. */
static const int64_t policy[2][2][2][3][3] = {
	{ /* employee */
		{{{20000, 7000, 200000}, {20000, 6000, 200000}, {20000, 5000, 200000}},
		 {{10000, 8000, 300000}, {10000, 7000, 300000}, {10000, 6000, 300000}}},
		{{{30000, 9000, 10000000}, {50000, 8500, 10000000}, {80000, 8000, 10000000}},
		 {{30000, 9500, 10000000}, {50000, 9000, 10000000}, {80000, 8500, 10000000}}},
	},
	{ /* resident */
		{{{5000, 5000, 30000}, {5000, 4500, 30000}, {5000, 4000, 30000}},
		 {{5000, 5500, 30000}, {5000, 5000, 30000}, {5000, 4500, 30000}}},
		{{{20000, 8000, 5000000}, {40000, 7000, 5000000}, {60000, 6000, 5000000}},
		 {{-1, 0, 0}, {40000, 7500, 5000000}, {60000, 6500, 5000000}}},
	},
};

/* round2(a × r) with a in fen and r in 1/10000, half up (values are >= 0). */
static int64_t round2_ratio(int64_t a, int64_t r_bp)
{
	return (a * r_bp + 5000) / 10000;
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* One encounter as the oracle settles it. */
typedef struct ounit {
	const genc *e;
	int32_t day; /* settlement date: outpatient date, inpatient discharge ([ORD-1]) */
} ounit;

static int ounit_cmp(const void *pa, const void *pb)
{
	const ounit *a = pa, *b = pb;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	return strcmp(a->e->id, b->e->id);
}

/* Money text `got` must be `want` fen. */
static int same_money(const char *got, int64_t want)
{
	int ok = 1;
	int64_t v = fen(got, &ok);
	return ok && v == want;
}

static const cb_line *line_by_id(const cb_bill *b, const char *id)
{
	for (size_t j = 0; j < b->line_count; j++)
		if (strcmp(cb_bill_line(b, j)->id, id) == 0)
			return cb_bill_line(b, j);
	return NULL;
}

/* Oracle values of one line; adds its parts to the unit's sums. */
static void oracle_line(const cb_bill *b, const gline *l, int n, int64_t *S, int64_t *parts,
			int64_t *total)
{
	int ok = 1;
	const citem *it = l->it;
	int64_t q = micro(l->qty, &ok);
	int64_t price = micro(l->price[0] ? l->price : it->price, &ok);
	int64_t amount = round2_product(q, price), over = 0, sf = 0, sfirst = 0, scope = 0;
	if (it->limit && price > micro(it->limit, &ok))
		over = round2_product(q, price - micro(it->limit, &ok));  /* [MED-2] */
	int64_t base = amount - over;                                   /* [MED-3] */
	if (it->cls == 'C')
		sf = base;
	else if (it->cls == 'B')
		sfirst = round2_ratio(base, it->b_ratio_bp), scope = base - sfirst;
	else
		scope = base;
	*S += scope;
	*parts += over + sf + sfirst;
	*total += amount;
	const cb_line *got = line_by_id(b, l->id);
	prop_check(&props[P_ORACLE_LINE],
		   got && same_money(got->amount, amount) && same_money(got->over_limit, over) &&
			   same_money(got->self_financed, sf) &&
			   same_money(got->self_first, sfirst) && same_money(got->in_scope, scope) &&
			   same_money(got->patient, over + sf + sfirst),
		   "case %d line %s (%s %s x %s): want amount %" PRId64 " over %" PRId64
		   " self-financed %" PRId64 " self-first %" PRId64 " in-scope %" PRId64
		   " fen; got %s %s %s %s %s", n, l->id, l->item, l->qty,
		   l->price[0] ? l->price : it->price, amount, over, sf, sfirst, scope,
		   got ? got->amount : "-", got ? got->over_limit : "-",
		   got ? got->self_financed : "-", got ? got->self_first : "-",
		   got ? got->in_scope : "-");
}

/* Settle a patient's encounters in [ORD-1] order and compare every bill with the engine's. */
static void check_oracle(const cb_result *res, const gcase *c, int n)
{
	for (int i = 0; i < c->npats; i++) {
		const gpat *gp = &c->pats[i];
		const cb_patient *p = NULL;
		for (size_t k = 0; k < cb_result_patient_count(res); k++)
			if (strcmp(cb_result_patient(res, k)->id, gp->id) == 0)
				p = cb_result_patient(res, k);
		if (!p)
			continue;
		ounit units[MAX_ENCOUNTERS];
		for (int k = 0; k < gp->nencs; k++) {
			units[k].e = &gp->encs[k];
			cb_date_parse(gp->encs[k].inpatient ? gp->encs[k].discharge : gp->encs[k].date,
				      &units[k].day);
		}
		qsort(units, (size_t)gp->nencs, sizeof units[0], ounit_cmp);
		int64_t acc[2][3]; /* running accumulators per year, as in gpat */
		memcpy(acc, gp->acc, sizeof acc);
		prop_check(&props[P_ORACLE_ORDER], p->bill_count == (size_t)gp->nencs,
			   "case %d %s: %zu bills for %d encounters", n, gp->id, p->bill_count,
			   gp->nencs);
		for (int k = 0; k < gp->nencs && (size_t)k < p->bill_count; k++) {
			const genc *e = units[k].e;
			const cb_bill *b = cb_patient_bill(p, (size_t)k);
			prop_check(&props[P_ORACLE_ORDER], strcmp(b->unit, e->id) == 0,
				   "case %d %s: bill %d is %s, want %s", n, gp->id, k, b->unit, e->id);
			if (strcmp(b->unit, e->id) != 0)
				break;
			int64_t S = 0, parts = 0, total = 0;
			for (int j = 0; j < e->nlines; j++)
				oracle_line(b, &e->lines[j], n, &S, &parts, &total);
			int level = e->inst[1] - '0';
			const int64_t *row = policy[gp->resident][e->inpatient][gp->retired][level - 1];
			int y = cb_date_year(units[k].day) - 2025; /* generated dates: 2025 or 2026 */
			int64_t *od_used = &acc[y][0], *paid = &acc[y][e->inpatient ? 2 : 1];
			int64_t left = e->inpatient ? row[0] : max64(0, row[0] - *od_used); /* [MED-5] */
			int64_t d = min64(S, left);
			int64_t fund_raw = round2_ratio(S - d, row[1]);                  /* [MED-6] */
			int64_t fund = min64(fund_raw, max64(0, row[2] - *paid));
			int64_t over_cap = fund_raw - fund, copay = S - d - fund;
			int64_t patient = parts + d + copay;                             /* [MED-7] */
			int64_t before = *paid;
			if (!e->inpatient)                                               /* [MED-8] */
				*od_used += d;
			*paid += fund;
			char label[64];
			snprintf(label, sizeof label, "%s/%s/%d/%s",
				 gp->resident ? "resident" : "employee",
				 e->inpatient ? "inpatient" : "outpatient", level,
				 gp->retired ? "retired" : "active");
			const cb_settlement *st = b->settlement;
			prop_check(&props[P_ORACLE_SETTLE],
				   st && strcmp(st->policy, label) == 0 &&
					   same_money(st->in_scope, S) && same_money(st->deductible, d) &&
					   same_money(st->fund, fund) && same_money(st->over_cap, over_cap) &&
					   same_money(st->copay, copay) && same_money(st->patient, patient) &&
					   same_money(st->total, total) &&
					   same_money(st->deductible_left_before, left) &&
					   same_money(st->deductible_left_after, left - d) &&
					   same_money(st->fund_paid_before, before) &&
					   same_money(st->fund_paid_after, *paid),
				   "case %d %s %s: want %s in-scope %" PRId64 " deductible %" PRId64
				   " fund %" PRId64 " over-cap %" PRId64 " copay %" PRId64
				   " patient %" PRId64 " total %" PRId64 " left %" PRId64 "->%" PRId64
				   " paid %" PRId64 "->%" PRId64 " fen; got %s %s %s %s %s %s %s %s %s "
				   "%s->%s %s->%s", n, gp->id, e->id, label, S, d, fund, over_cap, copay,
				   patient, total, left, left - d, before, *paid,
				   st ? st->policy : "-", st ? st->in_scope : "-",
				   st ? st->deductible : "-", st ? st->fund : "-",
				   st ? st->over_cap : "-", st ? st->copay : "-", st ? st->patient : "-",
				   st ? st->total : "-", "", st ? st->deductible_left_before : "-",
				   st ? st->deductible_left_after : "-", st ? st->fund_paid_before : "-",
				   st ? st->fund_paid_after : "-");
		}
	}
}

static char *price_to_xml(const char *doc, int n, cb_result **keep)
{
	cb_result *res = NULL;
	char name[32];
	snprintf(name, sizeof name, "gen-%03d.xml", n);
	int rc = cb_case_price_buffer(&res, fx, doc, strlen(doc), name, NULL);
	prop_check(&props[P_VALID], rc == CB_OK, "case %d: rc %d: %s", n, rc, cb_error_last());
	if (rc != CB_OK)
		return NULL;
	char *xml = NULL;
	size_t len = 0;
	if (cb_result_write_buffer(res, &xml, &len) != CB_OK)
		xml = NULL;
	if (keep)
		*keep = res;
	else
		cb_result_free(res);
	return xml;
}

/* ---- tests --------------------------------------------------------------------------- */

/* The helpers themselves. */
static void test_props_fen_parser(void)
{
	int ok = 1;
	CU_ASSERT_EQUAL(fen("123.45", &ok), 12345);
	CU_ASSERT_EQUAL(fen("0.00", &ok), 0);
	CU_ASSERT_EQUAL(fen("0.07", &ok), 7);
	CU_ASSERT_EQUAL(fen("400000.00", &ok), 40000000);
	CU_ASSERT_TRUE(ok);
	static const char *bad[] = {"1.5", "1.500", "-1.00", "1", ".50", "1.0x", "", "1,00", " 1.00"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ok = 1;
		fen(bad[i], &ok);
		report(!ok, "fen() rejects", bad[i], "accepted", __FILE__, __LINE__);
	}
	ok = 1;
	fen(NULL, &ok);
	CU_ASSERT_FALSE(ok);
	ok = 1;
	CU_ASSERT_EQUAL(micro("0.25", &ok), 250000);
	CU_ASSERT_EQUAL(micro("21", &ok), 21000000);
	CU_ASSERT_EQUAL(micro("10.250", &ok), 10250000);
	CU_ASSERT_TRUE(ok);
	CU_ASSERT_EQUAL(round2_product(micro("21", &ok), micro("0.28", &ok)), 588);
	CU_ASSERT_EQUAL(round2_product(micro("0.5", &ok), micro("0.01", &ok)), 1);   /* 0.005 */
	CU_ASSERT_EQUAL(round2_product(micro("0.4", &ok), micro("0.01", &ok)), 0);   /* 0.004 */
	CU_ASSERT_EQUAL(round2_product(micro("1.5", &ok), micro("1.2345", &ok)), 185); /* 1.85175 */
}

/* The generator is deterministic: the same seed writes the same case. */
static void test_props_generator_is_deterministic(void)
{
	gcase a, b;
	rng_state = 42;
	gen_case(&a);
	char *x = write_case(&a, 0);
	rng_state = 42;
	gen_case(&b);
	char *y = write_case(&b, 0);
	CU_ASSERT_TRUE(x && y && strcmp(x, y) == 0);
	free(x);
	free(y);
}

static void test_props_medical_invariants_and_shuffles(void)
{
	static gcase c;
	rng_state = 0x20231101C0FFEEULL;
	for (int n = 0; n < CASES; n++) {
		gen_case(&c);
		char *doc = write_case(&c, 0);
		cb_result *res = NULL;
		char *xml = doc ? price_to_xml(doc, n, &res) : NULL;
		if (res) {
			check_result(res, n);
			check_oracle(res, &c, n);
		}
		cb_result_free(res);
		if (xml)
			blank_case_hash(xml);
		for (int s = 0; xml && s < SHUFFLES; s++) {
			char *shuffled = write_case(&c, 1);
			seen.reordered += shuffled && strcmp(shuffled, doc) != 0;
			char *other = shuffled ? price_to_xml(shuffled, n, NULL) : NULL;
			if (other)
				blank_case_hash(other);
			int same = other && strcmp(xml, other) == 0;
			size_t at = 0;
			while (other && xml[at] && xml[at] == other[at])
				at++;
			prop_check(&props[P_SHUFFLE], same,
				   "case %d shuffle %d: first difference at byte %zu: ...%.80s... vs "
				   "...%.80s...", n, s, at, xml + (at > 40 ? at - 40 : 0),
				   other ? other + (at > 40 ? at - 40 : 0) : "(no result)");
			cb_buffer_free(other);
			free(shuffled);
		}
		cb_buffer_free(xml);
		free(doc);
	}
	for (int p = 0; p < P_COUNT; p++)
		prop_report(&props[p], __FILE__, __LINE__);
	char got[512];
	snprintf(got, sizeof got, "lines %ld: over-limit %ld, self-financed %ld, self-first %ld; "
		 "settlements %ld: deductible partial %ld, whole %ld, over-cap %ld, no fund %ld, "
		 "in 2025 %ld", seen.lines, seen.over_limit, seen.self_financed, seen.self_first,
		 seen.settlements, seen.deductible_partial, seen.deductible_whole, seen.over_cap,
		 seen.no_fund, seen.cross_year);
	if (getenv("CAREBILL_TEST_VERBOSE"))
		fprintf(stderr, "\n  coverage: %s\n", got);
	report(seen.reordered > CASES, "shuffled documents differ from the original", "most",
	       got, __FILE__, __LINE__);
	report(seen.over_limit && seen.self_financed && seen.self_first && seen.deductible_partial &&
		       seen.deductible_whole && seen.over_cap && seen.no_fund && seen.cross_year,
	       "generator reaches every branch", "each count > 0", got, __FILE__, __LINE__);
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
	return 0;
}

#define TEST(fn) { #fn, fn }

static CU_TestInfo props_tests[] = {
	TEST(test_props_fen_parser),
	TEST(test_props_generator_is_deterministic),
	TEST(test_props_medical_invariants_and_shuffles),
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "props", suite_init, suite_clean, NULL, NULL, props_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cb_test_main(suites);
}
