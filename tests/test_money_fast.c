/*
 * test_money_fast.c — property test of engine/money.c (64-bit fast path with GMP fallback)
 * against tests/money_ref.c, the rational-only implementation it replaced. Both modules run
 * the same operations on the same values; results must agree exactly: as formatted text
 * (CB_DEC_EXACT and every kind, with the snprintf contract byte for byte), as exact rationals,
 * and in every return value (parse status and reason, cmp, sgn, is_zero, is_integer,
 * to_ulong). The fast module's representation invariants (money.h) are checked too.
 *
 * Values come from decimal texts of every shape (ordinary amounts, prices, ratios 0 and 1,
 * x.xx5 and x.xx4999 rounding edges, 0.000001, values around 2^63 at every scale, 19-40
 * digit numbers, 20 fraction digits, leading and trailing zeros, rare 1000+ digit texts),
 * negated through sub; a pool of values is then combined by random operations, so results
 * feed later operations and chains mix small and big values. Malformed texts test parse's
 * rejections. The PRNG has a fixed seed: a failure reproduces. The exit status is the number
 * of failed assertions.
 */
#include <CUnit/Basic.h>

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_test.h"
#include "money.h"
#include "money_ref.h"

/* ---- deterministic randomness ------------------------------------------------------- */

static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
	rng_state = seed;
}

/* splitmix64 */
static uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static unsigned below(unsigned n)
{
	return (unsigned)(rnd64() % n);
}

static int chance(unsigned percent)
{
	return below(100) < percent;
}

/* ---- one value in both modules ------------------------------------------------------ */

typedef struct pair {
	cb_dec f; /* fast */
	ref_dec r;
} pair;

static void pair_init(pair *p)
{
	cb_dec_init(&p->f);
	ref_dec_init(&p->r);
}

static void pair_clear(pair *p)
{
	cb_dec_clear(&p->f);
	ref_dec_clear(&p->r);
}

static const cb_dec_kind ALL_KINDS[] = {
	CB_DEC_QTY, CB_DEC_COUNT, CB_DEC_PRICE, CB_DEC_RATIO, CB_DEC_MONEY, CB_DEC_DISTANCE,
	CB_DEC_EXACT, (cb_dec_kind)7, (cb_dec_kind)99,
};
#define NKINDS (sizeof ALL_KINDS / sizeof ALL_KINDS[0])

static cb_dec_kind any_kind(void)
{
	return ALL_KINDS[below(NKINDS)];
}

/* ---- mismatch reporting -------------------------------------------------------------- */

static unsigned long checks, mismatches;
static char context[512]; /* the operation being checked, for messages */

/* Exact rational of the fast value, read from its representation (white box). */
static void fast_to_mpq(mpq_t q, const cb_dec *d)
{
	if (d->big) {
		mpq_set(q, d->q);
		return;
	}
	uint64_t m = d->v < 0 ? -(uint64_t)d->v : (uint64_t)d->v;
	mpz_import(mpq_numref(q), 1, 1, sizeof m, 0, 0, &m);
	if (d->v < 0)
		mpz_neg(mpq_numref(q), mpq_numref(q));
	mpz_ui_pow_ui(mpq_denref(q), 10, d->scale);
	mpq_canonicalize(q);
}

/* s = a rational as text, shortened to fit. */
static void show_mpq(char *s, size_t cap, mpq_srcptr q)
{
	char *t = mpq_get_str(NULL, 10, q);
	size_t n = strlen(t);
	if (n < cap)
		memcpy(s, t, n + 1);
	else
		snprintf(s, cap, "%.*s...(%zu chars)", (int)(cap > 40 ? cap - 40 : 1), t, n);
	void (*gmp_free)(void *, size_t);
	mp_get_memory_functions(NULL, NULL, &gmp_free);
	gmp_free(t, n + 1);
}

/*
 * Record a mismatch: what differed, the fast and the reference result, and the operation.
 * Only the first few are sent to CUnit in full (a broken build would otherwise print a
 * million of them); all are counted and the test ends with one assertion on the count.
 */
static void mismatch(const char *what, const char *fast, const char *ref, unsigned line)
{
	char msg[1536];
	mismatches++;
	if (mismatches > 20)
		return;
	snprintf(msg, sizeof msg, "%s: fast gives '%s', reference gives '%s' [%s]", what, fast,
		 ref, context);
	CU_assertImplementation(CU_FALSE, line, msg, __FILE__, "", CU_FALSE);
}

static void expect_int(const char *what, long fast, long ref, unsigned line)
{
	char a[32], b[32];
	checks++;
	if (fast == ref)
		return;
	snprintf(a, sizeof a, "%ld", fast);
	snprintf(b, sizeof b, "%ld", ref);
	mismatch(what, a, b, line);
}

#define EXPECT_INT(what, fast, ref) expect_int((what), (long)(fast), (long)(ref), __LINE__)

/* ---- comparing values ---------------------------------------------------------------- */

/*
 * Both modules format their value as kind into a buffer of cap bytes (NULL when 0), over
 * identical sentinel bytes: the returned lengths and every byte of the buffers must agree.
 */
static void compare_format(const pair *p, cb_dec_kind kind, size_t cap, unsigned line)
{
	char fast_small[160], ref_small[160];
	char *fb = fast_small, *rb = ref_small;
	size_t room = sizeof fast_small;

	if (cap + 8 > room) {
		room = cap + 8;
		fb = malloc(room);
		rb = malloc(room);
		CU_ASSERT_PTR_NOT_NULL_FATAL(fb);
		CU_ASSERT_PTR_NOT_NULL_FATAL(rb);
	}
	memset(fb, '#', room);
	memset(rb, '#', room);
	size_t nf = cb_dec_format(&p->f, kind, cap ? fb : NULL, cap);
	size_t nr = ref_dec_format(&p->r, kind, cap ? rb : NULL, cap);
	checks++;
	if (nf != nr || memcmp(fb, rb, room) != 0) {
		char what[64];
		fb[room - 1] = rb[room - 1] = '\0';
		snprintf(what, sizeof what, "format kind %d cap %zu (lengths %zu/%zu)", (int)kind,
			 cap, nf, nr);
		mismatch(what, fb, rb, line);
	}
	if (fb != fast_small) {
		free(fb);
		free(rb);
	}
}

/* Length of the value's text as kind. */
static size_t text_len(const pair *p, cb_dec_kind kind)
{
	return ref_dec_format(&p->r, kind, NULL, 0);
}

/* The fast module's invariants (money.h) on one value. */
static void check_invariants(const cb_dec *d, unsigned line)
{
	char why[128] = "";
	if (!d->big) {
		if (d->scale > 18)
			snprintf(why, sizeof why, "scale %u > 18", d->scale);
		else if (d->v == INT64_MIN)
			snprintf(why, sizeof why, "v is INT64_MIN");
		else if (d->v == 0 && d->scale != 0)
			snprintf(why, sizeof why, "0 with scale %u", d->scale);
		else if (d->scale > 0 && d->v % 10 == 0)
			snprintf(why, sizeof why, "trailing zero: %lld scale %u", (long long)d->v,
				 d->scale);
	} else {
		/* a big value must not have a small form: den | 10^18 and num x 10^s / den fits */
		mpz_srcptr num = mpq_numref(d->q), den = mpq_denref(d->q);
		mpz_t t, p;
		mpz_inits(t, p, NULL);
		for (unsigned s = 0; s <= 18 && !why[0]; s++) {
			mpz_ui_pow_ui(p, 10, s);
			if (!mpz_divisible_p(p, den))
				continue;
			mpz_divexact(t, p, den);
			mpz_mul(t, t, num);
			if (mpz_sizeinbase(t, 2) <= 63)
				snprintf(why, sizeof why, "big value that fits 64 bits at scale %u", s);
			break;
		}
		mpz_clears(t, p, NULL);
	}
	checks++;
	if (why[0])
		mismatch("representation", why, "(invariant)", line);
}

/*
 * The pair must hold one value: exactly equal rationals, the fast module's invariants, and
 * identical text as CB_DEC_EXACT and as `kind` (with a random buffer size for the latter).
 */
static void compare_value(const pair *p, cb_dec_kind kind, unsigned line)
{
	mpq_t fq;
	mpq_init(fq);
	fast_to_mpq(fq, &p->f);
	checks++;
	if (!mpq_equal(fq, p->r.q)) {
		char a[400], b[400];
		show_mpq(a, sizeof a, fq);
		show_mpq(b, sizeof b, p->r.q);
		mismatch("exact value", a, b, line);
	}
	mpq_clear(fq);
	check_invariants(&p->f, line);
	compare_format(p, CB_DEC_EXACT, text_len(p, CB_DEC_EXACT) + 1, line);
	size_t len = text_len(p, kind), cap;
	switch (below(6)) {
	case 0:
		cap = 0;
		break;
	case 1:
		cap = below((unsigned)len + 2);
		break;
	case 2:
		cap = len; /* one short: truncated */
		break;
	default:
		cap = len + 1 + below(4);
	}
	compare_format(p, kind, cap, line);
}

/* Every kind, each with an exact-fit buffer. */
static void compare_all_formats(const pair *p, unsigned line)
{
	for (size_t k = 0; k < NKINDS; k++)
		compare_format(p, ALL_KINDS[k], text_len(p, ALL_KINDS[k]) + 1, line);
}

/* ---- decimal texts of every shape ---------------------------------------------------- */

#define TEXT_MAX 1200

static void put_digits(char **w, unsigned n, int nonzero_first)
{
	for (unsigned i = 0; i < n; i++)
		*(*w)++ = (char)((i == 0 && nonzero_first ? '1' + below(9) : '0' + below(10)));
}

/* int_digits digits, then frac_digits after a '.', random digits; optional leading zeros. */
static void random_text(char *buf, unsigned int_digits, unsigned frac_digits)
{
	char *w = buf;
	if (chance(5))
		for (unsigned z = below(4) + 1; z > 0; z--)
			*w++ = '0';
	if (int_digits == 0)
		*w++ = '0';
	else
		put_digits(&w, int_digits, 1);
	if (frac_digits > 0) {
		*w++ = '.';
		put_digits(&w, frac_digits, 0);
	}
	*w = '\0';
}

/* The decimal digits of m with a '.' placed scale digits from the right (scale <= 20). */
static void scaled_text(char *buf, uint64_t m, unsigned scale)
{
	char digits[24];
	int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)m);
	char *w = buf;
	if ((unsigned)n <= scale) {
		*w++ = '0';
		*w++ = '.';
		for (unsigned i = (unsigned)n; i < scale; i++)
			*w++ = '0';
		memcpy(w, digits, (size_t)n + 1);
		return;
	}
	memcpy(w, digits, (size_t)n - scale);
	w += n - (int)scale;
	if (scale > 0) {
		*w++ = '.';
		memcpy(w, digits + n - scale, scale);
		w += scale;
	}
	*w = '\0';
}

/* x.xx5, x.xx4999..., x.xx5000...01 and friends at 2 (and sometimes 6 or 4) digits. */
static void rounding_edge_text(char *buf)
{
	unsigned at = chance(70) ? 2 : (chance(50) ? 4 : 6);
	char *w = buf;
	put_digits(&w, 1 + below(6), 1);
	*w++ = '.';
	put_digits(&w, at, 0);
	switch (below(4)) {
	case 0:
		*w++ = '5';
		break;
	case 1:
		*w++ = '4';
		for (unsigned n = below(12) + 1; n > 0; n--)
			*w++ = '9';
		break;
	case 2:
		*w++ = '5';
		for (unsigned n = below(10); n > 0; n--)
			*w++ = '0';
		*w++ = '1';
		break;
	default:
		*w++ = chance(50) ? '4' : '6';
	}
	*w = '\0';
	if (strlen(strchr(buf, '.') + 1) > 20) /* keep within CB_DEC_EXACT's 20 digits */
		strchr(buf, '.')[21] = '\0';
}

static const char *FIXED_TEXTS[] = {
	"0", "0.0", "000", "0.000000", "1", "1.0000", "0.0001", "0.9999", "0.000001", "0.01",
	"0.005", "0.004999", "0.015", "0.025", "2.345", "2.344", "2.3449999", "1234.50",
	"9223372036854775807", "9223372036854775808", "9223372036854775806",
	"922337203685477580.7", "922337203685477580.8", "9.223372036854775807",
	"0.9223372036854775807", "0.000000000000000001", "0.0000000000000000001",
	"0.00000000000000000001", "0.00000000000000000005", "0.99999999999999999999",
	"18446744073709551615", "18446744073709551616", "4294967296", "4294967295",
	"3037000499.97605", "3037000500", "99999999999999999999.99999999999999999999",
	"100000000000000000000", "1000000000000000000", "999999999999999999",
	"5000000000000000000", "0.5", "0.05", "0.0050", "10.00", "12.30",
};
#define NFIXED (sizeof FIXED_TEXTS / sizeof FIXED_TEXTS[0])

/* A valid decimal text (at most 20 fraction digits, so CB_DEC_EXACT reads it). */
static void valid_text(char *buf)
{
	switch (below(12)) {
	case 0: /* money */
		random_text(buf, below(8), below(3));
		break;
	case 1: /* unit price */
		random_text(buf, below(5), below(7));
		break;
	case 2: /* quantity or distance */
		random_text(buf, below(4), below(4));
		break;
	case 3: /* ratio */
		if (chance(30))
			strcpy(buf, chance(50) ? "1" : (chance(50) ? "0" : "1.0000"));
		else
			random_text(buf, 0, 1 + below(4));
		break;
	case 4:
		rounding_edge_text(buf);
		break;
	case 5:
		strcpy(buf, FIXED_TEXTS[below(NFIXED)]);
		break;
	case 6: { /* around 2^63 (and 2^64) at every scale */
		uint64_t base = chance(70) ? (uint64_t)INT64_MAX : UINT64_MAX;
		uint64_t m = base - below(2000);
		if (chance(20))
			m = (uint64_t)INT64_MAX + 1 + below(1000);
		scaled_text(buf, m, below(21));
		break;
	}
	case 7: { /* 19-40 digits, up to 20 of them after the '.' */
		unsigned total = 19 + below(22), frac = chance(60) ? below(21) : 0;
		random_text(buf, total > frac ? total - frac : 1, frac);
		break;
	}
	case 8: /* products near 2^63: 9-10 digits at any scale */
		scaled_text(buf, 100000000ull + rnd64() % 9900000000ull, below(10));
		break;
	case 9: /* 10-18 digits: products overflow 64 bits, mul_round2 goes wide */
		scaled_text(buf, rnd64() % 1000000000000000000ull, below(19));
		break;
	case 10: /* trailing zeros */
		random_text(buf, below(6), below(4));
		if (!strchr(buf, '.'))
			strcat(buf, ".");
		else if (chance(50))
			break;
		strcat(buf, chance(50) ? "0" : "000");
		break;
	default: /* tiny */
		scaled_text(buf, 1 + below(999), 1 + below(20));
	}
}

/* A text of any kind: mostly valid, sometimes malformed, rarely over 1000 digits. */
static const char *any_text(char *buf)
{
	static const char junk[] = "0123456789..+-eExX ,_'\t\n\r\v\f\x80\xef\xbc\x91";
	unsigned pick = below(100);
	if (pick < 75) {
		valid_text(buf);
	} else if (pick < 85) { /* a valid text with one byte changed, inserted or removed */
		valid_text(buf);
		size_t n = strlen(buf), i = below((unsigned)n + 1);
		if (chance(40) && i < n)
			buf[i] = junk[below(sizeof junk - 1)];
		else if (chance(50) && i < n)
			memmove(buf + i, buf + i + 1, n - i);
		else {
			memmove(buf + i + 1, buf + i, n - i + 1);
			buf[i] = junk[below(sizeof junk - 1)];
		}
	} else if (pick < 97) { /* random bytes */
		unsigned n = below(10);
		for (unsigned i = 0; i < n; i++)
			buf[i] = junk[below(sizeof junk - 1)];
		buf[n] = '\0';
	} else if (pick < 98) {
		return NULL;
	} else if (pick < 99 && chance(30)) { /* long: the mpz_set_str path */
		unsigned n = 1001 + below(150), frac = below(21);
		for (unsigned i = 0; i < n; i++)
			buf[i] = (char)(i < 995 && chance(90) ? '0' : '0' + below(10));
		buf[0] = chance(50) ? '0' : '7';
		if (frac > 0) {
			memmove(buf + n - frac + 1, buf + n - frac, frac);
			buf[n - frac] = '.';
			n++;
		}
		buf[n] = '\0';
	} else {
		snprintf(buf, TEXT_MAX, "%u.%0*u", below(100), (int)(1 + below(6)), below(1000));
	}
	return buf;
}

/* ---- operations on both modules ------------------------------------------------------ */

/* Parse text as kind into p in both modules: status, reason (with a random whylen) and
 * value must agree. Returns the status. */
static int parse_pair(pair *p, const char *text, cb_dec_kind kind, unsigned line)
{
	char fwhy[128], rwhy[128];
	size_t whylen = chance(70) ? sizeof fwhy : below(40);
	int use_why = !chance(5);

	memset(fwhy, '#', sizeof fwhy);
	memset(rwhy, '#', sizeof rwhy);
	int rf = cb_dec_parse(&p->f, text, kind, use_why ? fwhy : NULL, whylen);
	int rr = ref_dec_parse(&p->r, text, kind, use_why ? rwhy : NULL, whylen);
	snprintf(context, sizeof context, "parse '%.300s' as kind %d, whylen %zu",
		 text ? text : "(null)", (int)kind, use_why ? whylen : 0);
	EXPECT_INT("parse status", rf, rr);
	checks++;
	if (memcmp(fwhy, rwhy, sizeof fwhy) != 0) {
		fwhy[sizeof fwhy - 1] = rwhy[sizeof rwhy - 1] = '\0';
		mismatch("parse reason", fwhy, rwhy, line);
	}
	compare_value(p, kind, line);
	return rr;
}

/* A fresh value in p: a valid text read as CB_DEC_EXACT, negated sometimes. */
static void fresh_value(pair *p)
{
	char text[TEXT_MAX];
	valid_text(text);
	if (parse_pair(p, text, CB_DEC_EXACT, __LINE__) != 0)
		return;
	if (chance(30)) {
		pair zero;
		pair_init(&zero);
		cb_dec_sub(&p->f, &zero.f, &p->f);
		ref_dec_sub(&p->r, &zero.r, &p->r);
		pair_clear(&zero);
	}
}

/* Describe an operation on operands a and b (by their exact reference values). */
static void describe(const char *op, const pair *a, const pair *b)
{
	char sa[200], sb[200];
	show_mpq(sa, sizeof sa, a->r.q);
	if (b)
		show_mpq(sb, sizeof sb, b->r.q);
	snprintf(context, sizeof context, "%s(%s%s%s)", op, sa, b ? ", " : "", b ? sb : "");
}

enum op {
	OP_ADD, OP_SUB, OP_MUL, OP_MIN, OP_MAX, OP_ROUND2, OP_MUL_ROUND2, OP_SPLIT, OP_SET,
	OP_SET_UI, OP_PARSE, OP_CMP, OP_SGN, OP_TO_ULONG, OP_FORMAT, OP_COUNT
};

static const char *const OP_NAMES[] = {
	"add", "sub", "mul", "min", "max", "round2", "mul_round2", "split", "set", "set_ui",
	"parse", "cmp", "sgn/is_zero/is_integer", "to_ulong", "format",
};

typedef void (*fast_binop)(cb_dec *, const cb_dec *, const cb_dec *);
typedef void (*ref_binop)(ref_dec *, const ref_dec *, const ref_dec *);

/* r = op(a, b) in both modules (r may be a or b), then compare r. */
static void binop(enum op op, pair *r, const pair *a, const pair *b)
{
	static const fast_binop fast[] = { cb_dec_add, cb_dec_sub, cb_dec_mul, cb_dec_min,
					   cb_dec_max };
	static const ref_binop ref[] = { ref_dec_add, ref_dec_sub, ref_dec_mul, ref_dec_min,
					 ref_dec_max };
	fast_binop ff = op == OP_MUL_ROUND2 ? cb_dec_mul_round2 : fast[op];
	ref_binop rf = op == OP_MUL_ROUND2 ? ref_dec_mul_round2 : ref[op];

	describe(OP_NAMES[op], a, b);
	ff(&r->f, &a->f, &b->f);
	rf(&r->r, &a->r, &b->r);
	compare_value(r, any_kind(), __LINE__);
}

/* split with part and rest each aliasing amount, ratio or neither (never each other). */
static void split_op(pair *pool, unsigned npool, unsigned amount, unsigned ratio)
{
	unsigned part, rest;
	do {
		unsigned mode = below(4);
		part = mode == 0 ? amount : mode == 1 ? ratio : below(npool);
		mode = below(4);
		rest = mode == 0 ? amount : mode == 1 ? ratio : below(npool);
	} while (part == rest);
	describe("split", &pool[amount], &pool[ratio]);
	cb_dec_split(&pool[part].f, &pool[rest].f, &pool[amount].f, &pool[ratio].f);
	ref_dec_split(&pool[part].r, &pool[rest].r, &pool[amount].r, &pool[ratio].r);
	compare_value(&pool[part], CB_DEC_MONEY, __LINE__);
	compare_value(&pool[rest], any_kind(), __LINE__);
}

/* The queries that return a value rather than set one. */
static void query_op(enum op op, const pair *a, const pair *b)
{
	describe(OP_NAMES[op], a, op == OP_CMP ? b : NULL);
	switch (op) {
	case OP_CMP:
		EXPECT_INT("cmp", cb_dec_cmp(&a->f, &b->f), ref_dec_cmp(&a->r, &b->r));
		break;
	case OP_SGN:
		EXPECT_INT("sgn", cb_dec_sgn(&a->f), ref_dec_sgn(&a->r));
		EXPECT_INT("is_zero", cb_dec_is_zero(&a->f), ref_dec_is_zero(&a->r));
		EXPECT_INT("is_integer", cb_dec_is_integer(&a->f), ref_dec_is_integer(&a->r));
		break;
	case OP_TO_ULONG: {
		unsigned long fo = 12345, ro = 12345;
		int rf = cb_dec_to_ulong(&a->f, &fo), rr = ref_dec_to_ulong(&a->r, &ro);
		EXPECT_INT("to_ulong status", rf, rr);
		checks++;
		if (fo != ro) {
			char x[32], y[32];
			snprintf(x, sizeof x, "%lu", fo);
			snprintf(y, sizeof y, "%lu", ro);
			mismatch("to_ulong value", x, y, __LINE__);
		}
		break;
	}
	default:
		compare_all_formats(a, __LINE__);
	}
}

/* A random unsigned long: small, around 2^63, or near ULONG_MAX. */
static unsigned long any_ulong(void)
{
	switch (below(4)) {
	case 0:
		return below(1000);
	case 1:
		return (unsigned long)INT64_MAX - 2 + below(5);
	case 2:
		return ULONG_MAX - below(3);
	default:
		return (unsigned long)rnd64();
	}
}

/* Pick a destination: one of the operands (aliasing) or any slot. */
static unsigned dest_for(unsigned a, unsigned b, unsigned npool)
{
	unsigned mode = below(4);
	return mode == 0 ? a : mode == 1 ? b : below(npool);
}

/* One random operation on the pool. */
static void random_op(pair *pool, unsigned npool)
{
	unsigned a = below(npool), b = chance(5) ? a : below(npool);
	enum op op = (enum op)below(OP_COUNT);
	char text[TEXT_MAX];

	switch (op) {
	case OP_ADD: case OP_SUB: case OP_MUL: case OP_MIN: case OP_MAX: case OP_MUL_ROUND2:
		binop(op, &pool[dest_for(a, b, npool)], &pool[a], &pool[b]);
		break;
	case OP_ROUND2: {
		unsigned r = dest_for(a, a, npool);
		describe("round2", &pool[a], NULL);
		cb_dec_round2(&pool[r].f, &pool[a].f);
		ref_dec_round2(&pool[r].r, &pool[a].r);
		compare_value(&pool[r], CB_DEC_MONEY, __LINE__);
		break;
	}
	case OP_SPLIT:
		split_op(pool, npool, a, b);
		break;
	case OP_SET: {
		unsigned r = dest_for(a, a, npool);
		describe("set", &pool[a], NULL);
		cb_dec_set(&pool[r].f, &pool[a].f);
		ref_dec_set(&pool[r].r, &pool[a].r);
		compare_value(&pool[r], any_kind(), __LINE__);
		break;
	}
	case OP_SET_UI: {
		unsigned long v = any_ulong();
		snprintf(context, sizeof context, "set_ui(%lu)", v);
		cb_dec_set_ui(&pool[a].f, v);
		ref_dec_set_ui(&pool[a].r, v);
		compare_value(&pool[a], any_kind(), __LINE__);
		break;
	}
	case OP_PARSE:
		parse_pair(&pool[a], any_text(text), any_kind(), __LINE__);
		break;
	default:
		query_op(op, &pool[a], &pool[b]);
	}
}

/* ---- tests --------------------------------------------------------------------------- */

#define POOL 48
#define RANDOM_OPS 1000000

/* Values past about 100 digits are replaced: chained products would grow without bound. */
static int too_large(const pair *p)
{
	return mpz_sizeinbase(mpq_numref(p->r.q), 2) > 340 ||
	       mpz_sizeinbase(mpq_denref(p->r.q), 2) > 200;
}

static void finish_property(const char *name)
{
	char msg[256];
	snprintf(msg, sizeof msg, "%s: %lu mismatches in %lu checks", name, mismatches, checks);
	CU_assertImplementation(mismatches == 0 ? CU_TRUE : CU_FALSE, __LINE__, msg, __FILE__, "",
				CU_FALSE);
	printf("\n    %s: %lu checks, %lu mismatches ", name, checks, mismatches);
}

/* One million random operations over a pool of values; results feed later operations. */
static void test_money_fast_random_operations(void)
{
	pair pool[POOL];

	rng_seed(20231101);
	checks = mismatches = 0;
	for (unsigned i = 0; i < POOL; i++) {
		pair_init(&pool[i]);
		fresh_value(&pool[i]);
	}
	for (unsigned long n = 0; n < RANDOM_OPS; n++) { /* fresh values come on top */
		while (chance(12))
			fresh_value(&pool[below(POOL)]);
		random_op(pool, POOL);
		for (unsigned i = 0; i < POOL; i++)
			if (too_large(&pool[i]))
				fresh_value(&pool[i]);
	}
	for (unsigned i = 0; i < POOL; i++)
		pair_clear(&pool[i]);
	finish_property("random operations");
}

/*
 * Formulas the engine evaluates, with operands drawn from the pool's shapes: a*b+c,
 * round2(x*y)-z, split and recombine, mul_round2 of a sum, min/max caps. Every intermediate
 * is compared, so a chain that goes big in the middle and comes back small is covered.
 */
static void test_money_fast_chains(void)
{
	enum { N = 200000 };
	pair a, b, c, t, u, part, rest;
	pair *all[] = { &a, &b, &c, &t, &u, &part, &rest };

	rng_seed(77);
	checks = mismatches = 0;
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		pair_init(all[i]);
	for (unsigned n = 0; n < N; n++) {
		fresh_value(&a);
		fresh_value(&b);
		fresh_value(&c);
		describe("a*b", &a, &b);
		cb_dec_mul(&t.f, &a.f, &b.f);
		ref_dec_mul(&t.r, &a.r, &b.r);
		compare_value(&t, any_kind(), __LINE__);
		describe("a*b+c", &t, &c);
		cb_dec_add(&t.f, &t.f, &c.f);
		ref_dec_add(&t.r, &t.r, &c.r);
		compare_value(&t, any_kind(), __LINE__);
		describe("round2(a*b)-c", &a, &b);
		cb_dec_mul_round2(&u.f, &a.f, &b.f);
		ref_dec_mul_round2(&u.r, &a.r, &b.r);
		cb_dec_sub(&u.f, &u.f, &c.f);
		ref_dec_sub(&u.r, &u.r, &c.r);
		compare_value(&u, CB_DEC_MONEY, __LINE__);
		describe("split(a*b+c, b)", &t, &b);
		cb_dec_split(&part.f, &rest.f, &t.f, &b.f);
		ref_dec_split(&part.r, &rest.r, &t.r, &b.r);
		compare_value(&part, CB_DEC_MONEY, __LINE__);
		compare_value(&rest, any_kind(), __LINE__);
		describe("part+rest", &part, &rest);
		cb_dec_add(&u.f, &part.f, &rest.f);
		ref_dec_add(&u.r, &part.r, &rest.r);
		compare_value(&u, any_kind(), __LINE__);
		EXPECT_INT("part+rest == amount", cb_dec_cmp(&u.f, &t.f), 0);
		describe("min(max(t,a),c)", &t, &c);
		cb_dec_max(&u.f, &t.f, &a.f);
		ref_dec_max(&u.r, &t.r, &a.r);
		cb_dec_min(&u.f, &u.f, &c.f);
		ref_dec_min(&u.r, &u.r, &c.r);
		compare_value(&u, any_kind(), __LINE__);
		describe("round2(round2(t)*a - rest)", &t, &a);
		cb_dec_round2(&u.f, &t.f);
		ref_dec_round2(&u.r, &t.r);
		cb_dec_mul(&u.f, &u.f, &a.f);
		ref_dec_mul(&u.r, &u.r, &a.r);
		cb_dec_sub(&u.f, &u.f, &rest.f);
		ref_dec_sub(&u.r, &u.r, &rest.r);
		cb_dec_round2(&u.f, &u.f);
		ref_dec_round2(&u.r, &u.r);
		compare_value(&u, CB_DEC_MONEY, __LINE__);
	}
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		pair_clear(all[i]);
	finish_property("chains");
}

/* Set a pair from text as CB_DEC_EXACT, negated when text starts with '-'. */
static void pair_of(pair *p, const char *text)
{
	int negative = text[0] == '-';
	char why[128];
	if (cb_dec_parse(&p->f, text + negative, CB_DEC_EXACT, why, sizeof why) != 0 ||
	    ref_dec_parse(&p->r, text + negative, CB_DEC_EXACT, why, sizeof why) != 0) {
		char msg[256];
		snprintf(msg, sizeof msg, "fixture '%s' does not parse: %s", text, why);
		CU_assertImplementation(CU_FALSE, __LINE__, msg, __FILE__, "", CU_FALSE);
		return;
	}
	if (negative) {
		pair zero;
		pair_init(&zero);
		cb_dec_sub(&p->f, &zero.f, &p->f);
		ref_dec_sub(&p->r, &zero.r, &p->r);
		pair_clear(&zero);
	}
}

/*
 * Every operation on every pair of a fixed list of boundary values: both signs of 2^63 - 1
 * at several scales, 2^63 itself, the smallest scale-18 step, rounding halves, 0 and 1.
 */
static void test_money_fast_boundaries(void)
{
	static const char *const values[] = {
		"0", "1", "-1", "2", "-2", "0.000001", "0.5", "-0.5", "0.005", "-0.005", "0.0049999999",
		"-0.0049999999", "1.0000", "9223372036854775807", "-9223372036854775807",
		"9223372036854775808", "-9223372036854775808", "922337203685477580.7",
		"-922337203685477580.7", "922337203685477580.8", "-922337203685477580.8",
		"9.223372036854775807", "-9.223372036854775807", "0.000000000000000001",
		"-0.000000000000000001", "0.0000000000000000001", "0.00000000000000000001",
		"3037000499.97605", "3037000500", "-3037000500", "4611686018427387904",
		"0.4611686018427387904", "92233720368547758.075", "-92233720368547758.075",
		"0.9999999999999999995", "99999999999999999999.99999999999999999999",
		"12345678901234567890123456789012345678.9",
	};
	enum { NV = sizeof values / sizeof values[0] };
	pair v[NV], r, part;

	checks = mismatches = 0;
	pair_init(&r);
	pair_init(&part);
	for (unsigned i = 0; i < NV; i++) {
		pair_init(&v[i]);
		pair_of(&v[i], values[i]);
		compare_all_formats(&v[i], __LINE__);
	}
	for (unsigned i = 0; i < NV; i++) {
		for (unsigned j = 0; j < NV; j++) {
			for (enum op op = OP_ADD; op <= OP_MAX; op++)
				binop(op, &r, &v[i], &v[j]);
			binop(OP_MUL_ROUND2, &r, &v[i], &v[j]);
			describe("split", &v[i], &v[j]);
			cb_dec_split(&part.f, &r.f, &v[i].f, &v[j].f);
			ref_dec_split(&part.r, &r.r, &v[i].r, &v[j].r);
			compare_value(&part, CB_DEC_MONEY, __LINE__);
			compare_value(&r, CB_DEC_EXACT, __LINE__);
			query_op(OP_CMP, &v[i], &v[j]);
		}
		describe("round2", &v[i], NULL);
		cb_dec_round2(&r.f, &v[i].f);
		ref_dec_round2(&r.r, &v[i].r);
		compare_value(&r, CB_DEC_MONEY, __LINE__);
		query_op(OP_SGN, &v[i], NULL);
		query_op(OP_TO_ULONG, &v[i], NULL);
	}
	for (unsigned i = 0; i < NV; i++)
		pair_clear(&v[i]);
	pair_clear(&r);
	pair_clear(&part);
	finish_property("boundaries");
}

/* Every kind's name, including kinds outside the enum. */
static void test_money_fast_kind_names(void)
{
	for (int k = -1; k < 12; k++)
		CU_ASSERT_STRING_EQUAL(cb_dec_kind_name((cb_dec_kind)k),
				       ref_dec_kind_name((cb_dec_kind)k));
}

/* 20 fraction digits (CB_DEC_EXACT's limit) read exactly: 10^-20 x 10^20 == 1. */
static void test_money_fast_exact_twenty_digits(void)
{
	cb_dec tiny, scale, one;
	char text[64];

	cb_dec_init(&tiny);
	cb_dec_init(&scale);
	cb_dec_init(&one);
	CU_ASSERT_EQUAL(cb_dec_parse(&tiny, "0.00000000000000000001", CB_DEC_EXACT, NULL, 0), 0);
	CU_ASSERT_EQUAL(cb_dec_parse(&scale, "100000000000000000000", CB_DEC_EXACT, NULL, 0), 0);
	cb_dec_mul(&one, &tiny, &scale);
	cb_dec_format(&one, CB_DEC_EXACT, text, sizeof text);
	CU_ASSERT_STRING_EQUAL(text, "1");
	CU_ASSERT_EQUAL(cb_dec_parse(&tiny, "1.23456789012345678901", CB_DEC_EXACT, NULL, 0), 0);
	cb_dec_format(&tiny, CB_DEC_EXACT, text, sizeof text);
	CU_ASSERT_STRING_EQUAL(text, "1.23456789012345678901");
	cb_dec_clear(&tiny);
	cb_dec_clear(&scale);
	cb_dec_clear(&one);
}

/* init is cheap and 0; clear after a big value frees it; a cleared value can be reused
 * after init. (ASan reports a leak or a double free here.) */
static void test_money_fast_lifecycle(void)
{
	cb_dec d;
	char text[64];

	cb_dec_init(&d);
	CU_ASSERT_FALSE(d.big);
	CU_ASSERT_FALSE(d.q_live);
	CU_ASSERT_TRUE(cb_dec_is_zero(&d));
	CU_ASSERT_EQUAL(cb_dec_parse(&d, "123456789012345678901234567890", CB_DEC_COUNT, NULL, 0),
			0);
	CU_ASSERT_TRUE(d.big);
	CU_ASSERT_EQUAL(cb_dec_parse(&d, "1.5", CB_DEC_QTY, NULL, 0), 0);
	CU_ASSERT_FALSE(d.big);
	cb_dec_format(&d, CB_DEC_MONEY, text, sizeof text);
	CU_ASSERT_STRING_EQUAL(text, "1.50");
	cb_dec_clear(&d);
	cb_dec_init(&d);
	cb_dec_set_ui(&d, ULONG_MAX);
	cb_dec_format(&d, CB_DEC_COUNT, text, sizeof text);
	snprintf(text + 32, 32, "%lu", ULONG_MAX);
	CU_ASSERT_STRING_EQUAL(text, text + 32);
	cb_dec_clear(&d);
}

#define TEST(fn) { #fn, fn }

static CU_TestInfo money_fast_tests[] = {
	TEST(test_money_fast_kind_names),
	TEST(test_money_fast_exact_twenty_digits),
	TEST(test_money_fast_lifecycle),
	TEST(test_money_fast_boundaries),
	TEST(test_money_fast_chains),
	TEST(test_money_fast_random_operations),
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "money_fast", NULL, NULL, NULL, NULL, money_fast_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cb_test_main(suites);
}
