/*
 * money.c — exact decimals: parse ([NUM-1]), exact arithmetic and the one rounding rule
 * ([NUM-2]), splitting that always adds up ([NUM-3]) and output text ([NUM-4]). The only file
 * of the engine that calls GMP.
 *
 * Two forms of one exact value (see money.h): "small", a 64-bit integer v and a decimal scale
 * (value v / 10^scale, scale <= 18, normalised: no trailing zero digit, v != INT64_MIN), and
 * "big", a canonical GMP rational. Every operation first tries the small form with checked
 * overflow (__builtin_*_overflow) and, when an operand is big or the exact result does not fit,
 * computes it with GMP exactly as the rational-only module did; a rational result that fits
 * the small form is stored small (store_mpq), so the form of a value is a function of the value
 * alone. The small path never approximates: it either gives the exact result or declines.
 *
 * Rounding to n fraction digits (round2, and format's rounding of over-long values) has one
 * rule, half up and half away from zero for negative values, decided in one place
 * (ROUNDS_UP); round_small applies it to machine integers and round_scaled to GMP integers.
 * The property test tests/test_money_fast.c checks every function against the rational-only
 * implementation (tests/money_ref.c) over random and extreme values.
 */
#include "money.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Largest scale of the small form: 10^18 < 2^63. */
#define SMALL_SCALE_MAX 18

/* 10^n for n <= 19 (10^19 < 2^64). */
static const uint64_t POW10[20] = {
	1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
	100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
	10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
	100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull
};

#if defined(__SIZEOF_INT128__)
#define HAVE_U128 1
__extension__ typedef unsigned __int128 u128;
#endif

/* Per-kind limits of [NUM-1] and output form of [NUM-4]. */
typedef struct kind_rule {
	unsigned max_digits; /* fraction digits allowed on input, and rounding point on output */
	unsigned min_digits; /* fraction digits always printed */
	const char *name;
} kind_rule;

static kind_rule kind_rule_of(cb_dec_kind kind)
{
	switch (kind) {
	case CB_DEC_QTY:
		return (kind_rule){ 3, 0, "quantity" };
	case CB_DEC_COUNT:
		return (kind_rule){ 0, 0, "count" };
	case CB_DEC_PRICE:
		return (kind_rule){ 6, 2, "unit price" };
	case CB_DEC_RATIO:
		return (kind_rule){ 4, 2, "ratio" };
	case CB_DEC_MONEY:
		return (kind_rule){ 2, 2, "money amount" };
	case CB_DEC_DISTANCE:
		return (kind_rule){ 3, 0, "distance" };
	case CB_DEC_EXACT:
		return (kind_rule){ 20, 0, "exact value" };
	}
	return (kind_rule){ 3, 0, "decimal" };
}

const char *cb_dec_kind_name(cb_dec_kind kind)
{
	return kind_rule_of(kind).name;
}

/* ---- the two forms ------------------------------------------------------------------- */

static uint64_t magnitude(int64_t v)
{
	return v < 0 ? -(uint64_t)v : (uint64_t)v;
}

/* d = v / 10^scale in the small form, normalised; v != INT64_MIN, scale <= 18. */
static void set_small(cb_dec *d, int64_t v, unsigned scale)
{
	if (v == 0)
		scale = 0;
	while (scale > 0 && v % 10 == 0) {
		v /= 10;
		scale--;
	}
	d->v = v;
	d->scale = (uint8_t)scale;
	d->big = 0;
}

/* d's rational, initialised on first use and kept until cb_dec_clear. */
static mpq_ptr live_q(cb_dec *d)
{
	if (!d->q_live) {
		mpq_init(d->q);
		d->q_live = 1;
	}
	return d->q;
}

static void mpz_set_u64(mpz_ptr z, uint64_t u)
{
#if ULONG_MAX >= UINT64_MAX
	mpz_set_ui(z, (unsigned long)u);
#else
	mpz_import(z, 1, 1, sizeof u, 0, 0, &u);
#endif
}

/* An mpz known to lie within 0..2^64-1. */
static uint64_t mpz_get_u64(mpz_srcptr z)
{
#if ULONG_MAX >= UINT64_MAX
	return mpz_get_ui(z);
#else
	uint64_t u = 0;
	mpz_export(&u, NULL, 1, sizeof u, 0, 0, z);
	return u;
#endif
}

/* q = v / 10^scale, canonical. */
static void small_to_mpq(mpq_ptr q, int64_t v, unsigned scale)
{
	mpz_set_u64(mpq_numref(q), magnitude(v));
	if (v < 0)
		mpz_neg(mpq_numref(q), mpq_numref(q));
	mpz_set_u64(mpq_denref(q), POW10[scale]);
	mpq_canonicalize(q);
}

/*
 * The small form of a canonical rational, if it has one: its denominator divides 10^18
 * (2^a 5^b with a, b <= 18) and numerator x 10^s / denominator fits, s the smallest scale
 * that makes it whole (so the result is normalised). 1 and *v, *scale set, or 0.
 */
static int mpq_to_small(mpq_srcptr q, int64_t *v, unsigned *scale)
{
	mpz_srcptr num = mpq_numref(q), den = mpq_denref(q);

	if (mpz_sizeinbase(num, 2) > 63 || mpz_sizeinbase(den, 2) > 60)
		return 0;
	uint64_t d = mpz_get_u64(den);
	if (POW10[SMALL_SCALE_MAX] % d != 0)
		return 0;
	unsigned s = 0;
	while (POW10[s] % d != 0)
		s++;
	int64_t n = (int64_t)mpz_get_u64(num); /* |num| < 2^63 */
	if (mpz_sgn(num) < 0)
		n = -n;
	if (__builtin_mul_overflow(n, (int64_t)(POW10[s] / d), v) || *v == INT64_MIN)
		return 0;
	*scale = s;
	return 1;
}

/* r = res, small when it fits; res is left holding r's old limbs (the caller clears it). */
static void store_mpq(cb_dec *r, mpq_ptr res)
{
	int64_t v;
	unsigned scale;

	if (mpq_to_small(res, &v, &scale)) {
		set_small(r, v, scale);
		return;
	}
	mpq_swap(live_q(r), res);
	r->big = 1;
}

/* An operand as a rational: its own q when big, else a temporary made from v and scale. */
typedef struct qarg {
	mpq_t tmp;
	mpq_srcptr q;
	int owned;
} qarg;

static void qarg_of(qarg *x, const cb_dec *a)
{
	x->owned = !a->big;
	if (a->big) {
		x->q = a->q;
		return;
	}
	mpq_init(x->tmp);
	small_to_mpq(x->tmp, a->v, a->scale);
	x->q = x->tmp;
}

static void qarg_done(qarg *x)
{
	if (x->owned)
		mpq_clear(x->tmp);
}

typedef void (*mpq_binop)(mpq_ptr, mpq_srcptr, mpq_srcptr);

/* r = op(a, b) with GMP: the path for big operands and for results that overflow. */
static void slow_binop(cb_dec *r, const cb_dec *a, const cb_dec *b, mpq_binop op)
{
	qarg x, y;
	mpq_t res;

	qarg_of(&x, a);
	qarg_of(&y, b);
	mpq_init(res);
	op(res, x.q, y.q);
	qarg_done(&x);
	qarg_done(&y);
	store_mpq(r, res);
	mpq_clear(res);
}

void cb_dec_init(cb_dec *d)
{
	d->v = 0;
	d->scale = 0;
	d->big = 0;
	d->q_live = 0;
}

void cb_dec_clear(cb_dec *d)
{
	if (d->q_live)
		mpq_clear(d->q);
	cb_dec_init(d);
}

void cb_dec_set(cb_dec *d, const cb_dec *s)
{
	if (d == s)
		return;
	if (!s->big) {
		d->v = s->v;
		d->scale = s->scale;
		d->big = 0;
		return;
	}
	mpq_set(live_q(d), s->q);
	d->big = 1;
}

void cb_dec_set_ui(cb_dec *d, unsigned long v)
{
	if ((uint64_t)v <= (uint64_t)INT64_MAX) {
		set_small(d, (int64_t)v, 0);
		return;
	}
	mpq_set_ui(live_q(d), v, 1);
	d->big = 1;
}

/* Swap two values (their limbs move with them: no copying). */
static void dec_swap(cb_dec *a, cb_dec *b)
{
	cb_dec t = *a;
	*a = *b;
	*b = t;
}

/* ---- [NUM-1] parsing ---------------------------------------------------------------- */

/* Shape of a decimal text that passed the grammar. */
typedef struct dec_shape {
	size_t int_digits;
	size_t frac_digits;
} dec_shape;

/*
 * Why byte c at position i of text breaks [0-9]+(\.[0-9]+)?, as a reason after
 * "is not a decimal number: ". Digits and '.' are handled by the caller. Byte tests are
 * explicit rather than <ctype.h> so that the host's locale cannot change the grammar.
 */
static const char *bad_byte_reason(const char *text, size_t i)
{
	unsigned char c = (unsigned char)text[i];
	if (c == '+' || c == '-')
		return "sign not allowed";
	if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
		return "spaces not allowed";
	if (c == ',' || c == '_' || c == '\'')
		return "digit separators not allowed";
	if ((c == 'e' || c == 'E') && i > 0 && text[i - 1] >= '0' && text[i - 1] <= '9')
		return "exponent not allowed";
	if ((c == 'x' || c == 'X') && i == 1 && text[0] == '0')
		return "hexadecimal not allowed";
	if (c >= 0x80)
		return "only ASCII digits 0-9 and '.' allowed";
	return "only digits 0-9 and '.' allowed";
}

/* Check the grammar; on failure return the reason (after "is not a decimal number: "). */
static const char *scan_decimal(const char *text, dec_shape *shape)
{
	size_t *count = &shape->int_digits;
	int seen_dot = 0;

	shape->int_digits = shape->frac_digits = 0;
	if (!text || !*text)
		return "empty";
	for (size_t i = 0; text[i]; i++) {
		if (text[i] >= '0' && text[i] <= '9') {
			(*count)++;
		} else if (text[i] != '.') {
			return bad_byte_reason(text, i);
		} else if (seen_dot) {
			return "more than one '.'";
		} else if (shape->int_digits == 0) {
			return "no digit before '.'";
		} else {
			seen_dot = 1;
			count = &shape->frac_digits;
		}
	}
	if (seen_dot && shape->frac_digits == 0)
		return "no digit after '.'";
	return NULL;
}

/* Texts longer than this go through mpz_set_str, whose conversion is subquadratic. */
#define LONG_DIGITS 1000

/* z = the integer spelled by the digits of text, '.' skipped; 9 digits per GMP step. */
static void short_digits_to_mpz(mpz_t z, const char *text)
{
	unsigned long chunk = 0;
	unsigned chunk_len = 0;

	mpz_set_ui(z, 0);
	for (const char *p = text; *p; p++) {
		if (*p == '.')
			continue;
		chunk = chunk * 10 + (unsigned long)(*p - '0');
		if (++chunk_len == 9) {
			mpz_mul_ui(z, z, (unsigned long)POW10[chunk_len]);
			mpz_add_ui(z, z, chunk);
			chunk = 0;
			chunk_len = 0;
		}
	}
	if (chunk_len > 0) {
		mpz_mul_ui(z, z, (unsigned long)POW10[chunk_len]);
		mpz_add_ui(z, z, chunk);
	}
}

/*
 * z = the integer spelled by the digits of a grammar-checked text, '.' skipped. Long texts
 * are copied without the '.' into memory from GMP's own allocator, so running out of memory
 * behaves as everywhere else in GMP.
 */
static void digits_to_mpz(mpz_t z, const char *text, const dec_shape *shape)
{
	size_t ndigits = shape->int_digits + shape->frac_digits;
	if (ndigits <= LONG_DIGITS) {
		short_digits_to_mpz(z, text);
		return;
	}
	void *(*gmp_alloc)(size_t);
	void (*gmp_free)(void *, size_t);
	mp_get_memory_functions(&gmp_alloc, NULL, &gmp_free);
	char *digits = gmp_alloc(ndigits + 1);
	memcpy(digits, text, shape->int_digits);
	if (shape->frac_digits > 0) /* skip the '.' */
		memcpy(digits + shape->int_digits, text + shape->int_digits + 1,
		       shape->frac_digits);
	digits[ndigits] = '\0';
	mpz_set_str(z, digits, 10);
	gmp_free(digits, ndigits + 1);
}

/*
 * The small form of a grammar-checked text: 1 with *v, *scale (normalised), or 0 when the
 * digits exceed 2^63 - 1 or more than 18 fraction digits remain after dropping trailing
 * zeros (then the caller reads the text with GMP).
 */
static int digits_to_small(const char *text, const dec_shape *shape, int64_t *v,
			   unsigned *scale)
{
	int64_t n = 0;
	unsigned s = (unsigned)shape->frac_digits; /* <= 20, checked against the kind */

	for (const char *p = text; *p; p++) {
		if (*p == '.')
			continue;
		if (__builtin_mul_overflow(n, 10, &n) || __builtin_add_overflow(n, *p - '0', &n))
			return 0;
	}
	if (n == 0)
		s = 0;
	while (s > 0 && n % 10 == 0) {
		n /= 10;
		s--;
	}
	if (s > SMALL_SCALE_MAX)
		return 0;
	*v = n;
	*scale = s;
	return 1;
}

/* *out = 0 and, when the caller wants it, the reason into why; returns -1. */
static int parse_fail(cb_dec *out, char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int parse_fail(cb_dec *out, char *why, size_t whylen, const char *fmt, ...)
{
	set_small(out, 0, 0);
	if (why && whylen > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Fraction digits beyond the kind's [NUM-1] limit: the reason, and -1. */
static int too_many_digits(cb_dec *out, char *why, size_t whylen, size_t digits,
			   kind_rule rule)
{
	const char *plural = digits == 1 ? "" : "s";

	if (rule.max_digits == 0)
		return parse_fail(out, why, whylen,
				  "has %zu fraction digit%s, a %s must be a whole number",
				  digits, plural, rule.name);
	return parse_fail(out, why, whylen, "has %zu fraction digit%s, at most %u allowed for a %s",
			  digits, plural, rule.max_digits, rule.name);
}

/* A text too long for the small form, read exactly with GMP; 1 when a ratio exceeds 1. */
static int parse_big(cb_dec *out, const char *text, const dec_shape *shape, cb_dec_kind kind)
{
	mpq_t q;
	int over_one;

	mpq_init(q);
	digits_to_mpz(mpq_numref(q), text, shape);
	mpz_ui_pow_ui(mpq_denref(q), 10, (unsigned long)shape->frac_digits);
	mpq_canonicalize(q);
	over_one = kind == CB_DEC_RATIO && mpz_cmp(mpq_numref(q), mpq_denref(q)) > 0;
	if (!over_one)
		store_mpq(out, q);
	mpq_clear(q);
	return over_one;
}

int cb_dec_parse(cb_dec *out, const char *text, cb_dec_kind kind, char *why, size_t whylen)
{
	kind_rule rule = kind_rule_of(kind);
	dec_shape shape;
	const char *bad = scan_decimal(text, &shape);
	int64_t v;
	unsigned scale;
	int over_one;

	if (bad)
		return parse_fail(out, why, whylen, "is not a decimal number: %s", bad);
	if (shape.frac_digits > rule.max_digits)
		return too_many_digits(out, why, whylen, shape.frac_digits, rule);
	if (digits_to_small(text, &shape, &v, &scale)) {
		over_one = kind == CB_DEC_RATIO && (uint64_t)v > POW10[scale];
		if (!over_one)
			set_small(out, v, scale);
	} else {
		over_one = parse_big(out, text, &shape, kind);
	}
	if (over_one)
		return parse_fail(out, why, whylen, "ratio must be between 0 and 1");
	return 0;
}

/* ---- arithmetic and comparison ------------------------------------------------------- */

/* Small a and b brought to the larger of their scales: 0 when that overflows. */
static int align(const cb_dec *a, const cb_dec *b, int64_t *x, int64_t *y, unsigned *scale)
{
	*x = a->v;
	*y = b->v;
	*scale = a->scale;
	if (a->scale < b->scale) {
		*scale = b->scale;
		return !__builtin_mul_overflow(*x, (int64_t)POW10[b->scale - a->scale], x);
	}
	if (a->scale > b->scale)
		return !__builtin_mul_overflow(*y, (int64_t)POW10[a->scale - b->scale], y);
	return 1;
}

void cb_dec_add(cb_dec *r, const cb_dec *a, const cb_dec *b)
{
	int64_t x, y, sum;
	unsigned scale;

	if (!a->big && !b->big && align(a, b, &x, &y, &scale) &&
	    !__builtin_add_overflow(x, y, &sum) && sum != INT64_MIN) {
		set_small(r, sum, scale);
		return;
	}
	slow_binop(r, a, b, mpq_add);
}

void cb_dec_sub(cb_dec *r, const cb_dec *a, const cb_dec *b)
{
	int64_t x, y, diff;
	unsigned scale;

	if (!a->big && !b->big && align(a, b, &x, &y, &scale) &&
	    !__builtin_sub_overflow(x, y, &diff) && diff != INT64_MIN) {
		set_small(r, diff, scale);
		return;
	}
	slow_binop(r, a, b, mpq_sub);
}

void cb_dec_mul(cb_dec *r, const cb_dec *a, const cb_dec *b)
{
	int64_t p;

	if (!a->big && !b->big && !__builtin_mul_overflow(a->v, b->v, &p) && p != INT64_MIN) {
		unsigned scale = (unsigned)a->scale + b->scale;
		if (p == 0)
			scale = 0;
		while (scale > SMALL_SCALE_MAX && p % 10 == 0) {
			p /= 10;
			scale--;
		}
		if (scale <= SMALL_SCALE_MAX) {
			set_small(r, p, scale);
			return;
		}
	}
	slow_binop(r, a, b, mpq_mul);
}

static int sign_of(int64_t v)
{
	return (v > 0) - (v < 0);
}

int cb_dec_cmp(const cb_dec *a, const cb_dec *b)
{
	if (!a->big && !b->big) {
		int64_t x, y;
		unsigned scale;
		int sa = sign_of(a->v), sb = sign_of(b->v);
		if (sa != sb)
			return sa < sb ? -1 : 1;
		if (align(a, b, &x, &y, &scale))
			return (x > y) - (x < y);
	}
	qarg x, y;
	qarg_of(&x, a);
	qarg_of(&y, b);
	int c = mpq_cmp(x.q, y.q);
	qarg_done(&x);
	qarg_done(&y);
	return (c > 0) - (c < 0);
}

void cb_dec_min(cb_dec *r, const cb_dec *a, const cb_dec *b)
{
	cb_dec_set(r, cb_dec_cmp(a, b) <= 0 ? a : b);
}

void cb_dec_max(cb_dec *r, const cb_dec *a, const cb_dec *b)
{
	cb_dec_set(r, cb_dec_cmp(a, b) >= 0 ? a : b);
}

int cb_dec_sgn(const cb_dec *a)
{
	return a->big ? mpq_sgn(a->q) : sign_of(a->v);
}

int cb_dec_is_zero(const cb_dec *a)
{
	return cb_dec_sgn(a) == 0;
}

int cb_dec_is_integer(const cb_dec *a)
{
	if (a->big)
		return mpz_cmp_ui(mpq_denref(a->q), 1) == 0;
	return magnitude(a->v) % POW10[a->scale] == 0;
}

int cb_dec_to_ulong(const cb_dec *a, unsigned long *out)
{
	if (!a->big) {
		if (a->v < 0 || (uint64_t)a->v % POW10[a->scale] != 0)
			return -1;
		uint64_t n = (uint64_t)a->v / POW10[a->scale];
#if ULONG_MAX < UINT64_MAX
		if (n > ULONG_MAX)
			return -1;
#endif
		*out = (unsigned long)n;
		return 0;
	}
	if (!cb_dec_is_integer(a) || mpq_sgn(a->q) < 0 || !mpz_fits_ulong_p(mpq_numref(a->q)))
		return -1;
	*out = mpz_get_ui(mpq_numref(a->q));
	return 0;
}

/* ---- [NUM-2] the one rounding rule ---------------------------------------------------- */

/*
 * The rule itself: a quotient with remainder rem (0 <= rem < den) is rounded up, away from
 * zero, when rem >= den / 2 exactly, i.e. 2 rem >= den, written rem >= den - rem against
 * overflow.
 */
#define ROUNDS_UP(rem, den) ((rem) >= (den) - (rem))

/* |m| / 10^drop rounded by the rule (any drop; m < 2^64). */
static uint64_t round_small(uint64_t m, unsigned drop)
{
	if (drop >= 20) /* 10^drop / 2 >= 5 x 10^19 > m: rounds to 0 */
		return 0;
	uint64_t d = POW10[drop], q = m / d, rem = m % d;
	return ROUNDS_UP(rem, d) ? q + 1 : q;
}

/*
 * scaled = |a| * 10^digits rounded by the rule to an integer; returns sgn(a).
 * scaled must not be a's numerator or denominator.
 */
static int round_scaled(mpz_t scaled, mpq_srcptr a, unsigned digits)
{
	int sign = mpq_sgn(a);
	mpz_srcptr den = mpq_denref(a);

	if (digits <= 9) {
		mpz_mul_ui(scaled, mpq_numref(a), (unsigned long)POW10[digits]);
	} else { /* only the exact trace format asks for more */
		mpz_t p;
		mpz_init(p);
		mpz_ui_pow_ui(p, 10, digits);
		mpz_mul(scaled, mpq_numref(a), p);
		mpz_clear(p);
	}
	mpz_abs(scaled, scaled);
	if (mpz_fits_ulong_p(den)) {
		unsigned long d = mpz_get_ui(den);
		unsigned long rem = mpz_tdiv_q_ui(scaled, scaled, d);
		if (ROUNDS_UP(rem, d))
			mpz_add_ui(scaled, scaled, 1);
	} else {
		mpz_t rem;
		mpz_init(rem);
		mpz_tdiv_qr(scaled, rem, scaled, den);
		mpz_mul_2exp(rem, rem, 1); /* the rule as 2 rem >= den */
		if (mpz_cmp(rem, den) >= 0)
			mpz_add_ui(scaled, scaled, 1);
		mpz_clear(rem);
	}
	return sign;
}

/* 1 when a big value is already a whole number of fen (its denominator divides 100). */
static int is_whole_fen(mpq_srcptr a)
{
	mpz_srcptr den = mpq_denref(a);
	return mpz_cmp_ui(den, 100) <= 0 && 100 % mpz_get_ui(den) == 0;
}

/* r = round2(a) for a big a. */
static void round2_big(cb_dec *r, const cb_dec *a)
{
	mpq_t q;

	if (is_whole_fen(a->q)) {
		cb_dec_set(r, a);
		return;
	}
	mpq_init(q);
	int sign = round_scaled(mpq_numref(q), a->q, 2);
	if (sign < 0)
		mpz_neg(mpq_numref(q), mpq_numref(q));
	mpz_set_ui(mpq_denref(q), 100);
	mpq_canonicalize(q);
	store_mpq(r, q);
	mpq_clear(q);
}

/* r = v / 10^scale rounded to fen, v a 64-bit value of any scale. */
static void round2_small(cb_dec *r, int64_t v, unsigned scale)
{
	if (scale <= 2) {
		set_small(r, v, scale);
		return;
	}
	uint64_t q = round_small(magnitude(v), scale - 2); /* <= |v| / 10 + 1 */
	set_small(r, v < 0 ? -(int64_t)q : (int64_t)q, 2);
}

void cb_dec_round2(cb_dec *r, const cb_dec *a)
{
	if (a->big)
		round2_big(r, a);
	else
		round2_small(r, a->v, a->scale);
}

#ifdef HAVE_U128
/*
 * round2(a x b) for small a and b whose product overflows 64 bits: the exact product in 128
 * bits (|a.v x b.v| < 2^126), rounded by the rule. 0 when the rounded result does not fit.
 */
static int mul_round2_wide(cb_dec *r, const cb_dec *a, const cb_dec *b)
{
	unsigned scale = (unsigned)a->scale + b->scale;
	if (scale <= 2)
		return 0; /* nothing to drop: the product itself does not fit */
	u128 m = (u128)magnitude(a->v) * magnitude(b->v), d = 1;
	for (unsigned i = 2; i < scale; i++) /* scale <= 36: 10^34 < 2^113 */
		d *= 10;
	u128 q = m / d, rem = m % d;
	if (ROUNDS_UP(rem, d))
		q++;
	if (q > (u128)INT64_MAX)
		return 0;
	int negative = (a->v < 0) != (b->v < 0);
	set_small(r, negative ? -(int64_t)q : (int64_t)q, 2);
	return 1;
}
#endif

void cb_dec_mul_round2(cb_dec *r, const cb_dec *a, const cb_dec *b)
{
	if (!a->big && !b->big) {
		int64_t p;
		if (!__builtin_mul_overflow(a->v, b->v, &p) && p != INT64_MIN) {
			round2_small(r, p, (unsigned)a->scale + b->scale);
			return;
		}
#ifdef HAVE_U128
		if (mul_round2_wide(r, a, b))
			return;
#endif
	}
	cb_dec product;
	cb_dec_init(&product);
	cb_dec_mul(&product, a, b);
	cb_dec_round2(r, &product);
	cb_dec_clear(&product);
}

/* [NUM-3] The rounded part is built aside, so part and rest may alias either input. */
void cb_dec_split(cb_dec *part, cb_dec *rest, const cb_dec *amount, const cb_dec *ratio)
{
	cb_dec rounded;
	cb_dec_init(&rounded);
	cb_dec_mul_round2(&rounded, amount, ratio);
	cb_dec_sub(rest, amount, &rounded);
	dec_swap(part, &rounded);
	cb_dec_clear(&rounded);
}

/* ---- [NUM-4] formatting -------------------------------------------------------------- */

/* snprintf-like output: counts every byte, stores those that fit before the NUL. */
typedef struct sink {
	char *buf;
	size_t cap;
	size_t len;
} sink;

static void sink_put(sink *s, char c)
{
	if (s->len + 1 < s->cap)
		s->buf[s->len] = c;
	s->len++;
}

static void sink_write(sink *s, const char *text, size_t n)
{
	if (s->len + n < s->cap) {
		memcpy(s->buf + s->len, text, n);
		s->len += n;
		return;
	}
	for (size_t i = 0; i < n; i++)
		sink_put(s, text[i]);
}

static size_t sink_finish(sink *s)
{
	if (s->cap > 0)
		s->buf[s->len < s->cap ? s->len : s->cap - 1] = '\0';
	return s->len;
}

/*
 * Write the unsigned integer `digits` (decimal, ndigits long, no sign) as a number with
 * `frac` implied fraction digits, printing at least min_frac of them and dropping zeros
 * beyond that. Digits missing on the left are zeros ("5" with frac 2 is "0.05").
 */
static void put_scaled(sink *s, const char *digits, size_t ndigits, unsigned frac,
		       unsigned min_frac)
{
	size_t int_len = ndigits > frac ? ndigits - frac : 0;
	size_t keep = frac;

	/* fraction digit k (0-based) is digits[ndigits - frac + k], or '0' left of digits */
#define FRAC_DIGIT(k) ((k) + ndigits < frac ? '0' : digits[(k) + ndigits - frac])
	while (keep > min_frac && FRAC_DIGIT(keep - 1) == '0')
		keep--;
	if (int_len == 0)
		sink_put(s, '0');
	for (size_t i = 0; i < int_len; i++)
		sink_put(s, digits[i]);
	if (keep > 0)
		sink_put(s, '.');
	for (size_t k = 0; k < keep; k++)
		sink_put(s, FRAC_DIGIT(k));
#undef FRAC_DIGIT
}

/* Decimal digits of a big non-negative scaled value, then put_scaled. */
static void put_mpz(sink *s, mpz_srcptr scaled, kind_rule rule)
{
	void (*gmp_free)(void *, size_t);
	char *big = mpz_get_str(NULL, 10, scaled);
	size_t n = strlen(big);
	put_scaled(s, big, n, rule.max_digits, rule.min_digits);
	mp_get_memory_functions(NULL, NULL, &gmp_free);
	gmp_free(big, n + 1);
}

/* Decimal digits of m into out (no NUL), most significant first; returns their count. */
static size_t u64_digits(char out[20], uint64_t m)
{
	char rev[20];
	size_t n = 0;
	do {
		rev[n++] = (char)('0' + m % 10);
		m /= 10;
	} while (m > 0);
	for (size_t i = 0; i < n; i++)
		out[i] = rev[n - 1 - i];
	return n;
}

/*
 * A small value: the text put_scaled makes of round(|v| x 10^max_digits), written directly.
 * |v| (rounded by the rule when it has more fraction digits than the kind prints) is m / 10^f
 * with f <= 18; its fraction digits without trailing zeros are printed, then zeros up to
 * min_digits.
 */
static void format_small(sink *s, const cb_dec *d, kind_rule rule)
{
	char text[1 + 20 + 1 + 20]; /* sign, <= 19 integer digits, '.', <= 20 fraction digits */
	uint64_t m = magnitude(d->v);
	unsigned f = d->scale;
	size_t n = 0;

	if (f > rule.max_digits) {
		m = round_small(m, f - rule.max_digits);
		f = rule.max_digits;
	}
	if (d->v < 0 && m != 0)
		text[n++] = '-';
	uint64_t frac = m % POW10[f];
	n += u64_digits(text + n, m / POW10[f]);
	unsigned sig = f; /* significant fraction digits */
	while (sig > 0 && frac % 10 == 0) {
		frac /= 10;
		sig--;
	}
	unsigned keep = sig > rule.min_digits ? sig : rule.min_digits;
	if (keep > 0) {
		text[n++] = '.';
		for (unsigned k = sig; k-- > 0; frac /= 10)
			text[n + k] = (char)('0' + frac % 10);
		for (unsigned k = sig; k < keep; k++) /* at most min_digits */
			text[n + k] = '0';
		n += keep;
	}
	sink_write(s, text, n);
}

size_t cb_dec_format(const cb_dec *d, cb_dec_kind kind, char *buf, size_t cap)
{
	kind_rule rule = kind_rule_of(kind);
	sink s = { buf, cap, 0 };

	if (!d->big) {
		format_small(&s, d, rule);
		return sink_finish(&s);
	}
	mpz_t scaled;
	mpz_init(scaled);
	int sign = round_scaled(scaled, d->q, rule.max_digits);
	if (sign < 0 && mpz_sgn(scaled) != 0)
		sink_put(&s, '-');
	put_mpz(&s, scaled, rule);
	mpz_clear(scaled);
	return sink_finish(&s);
}
