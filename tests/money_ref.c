/*
 * money_ref.c — reference copy of engine/money.c before the 64-bit fast path (commit 0aa97eb),
 * cb_dec_ renamed ref_dec_, for the property test test_money_fast. The one change from that
 * commit: pow10_ul() overflowed for the 20 fraction digits that CB_DEC_EXACT accepts (10^20 does
 * not fit 64 bits), so parsing such a text gave a wrong value; the denominator is now built with
 * mpz_ui_pow_ui (marked "FIX" below). Otherwise the text below is the old money.c:
 *
 * money.c — exact decimals over GMP rationals: parse ([NUM-1]), exact arithmetic and the one
 * rounding primitive ([NUM-2]), splitting that always adds up ([NUM-3]) and output text
 * ([NUM-4]). The only file of the engine that calls GMP.
 *
 * Invariants: every ref_dec holds a canonical mpq_t. Rounding to n fraction digits (round2,
 * and format's rounding of over-long values) goes through round_scaled() alone, so the engine
 * has exactly one rounding rule: half up, half away from zero for negative values.
 * Hot paths (round2, mul_round2, split) allocate nothing for ordinary values: they work in the
 * destination's own limbs and fall back to a GMP temporary only for denominators wider than
 * an unsigned long, which parsed decimals never produce in practice.
 */
#include "money_ref.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

/* 10^n for n <= 9, which fits an unsigned long on every platform. */
static unsigned long pow10_ul(unsigned n)
{
	unsigned long p = 1;
	while (n--)
		p *= 10;
	return p;
}

const char *ref_dec_kind_name(cb_dec_kind kind)
{
	return kind_rule_of(kind).name;
}

void ref_dec_init(ref_dec *d)
{
	mpq_init(d->q);
}

void ref_dec_clear(ref_dec *d)
{
	mpq_clear(d->q);
}

void ref_dec_set(ref_dec *d, const ref_dec *s)
{
	if (d != s)
		mpq_set(d->q, s->q);
}

void ref_dec_set_ui(ref_dec *d, unsigned long v)
{
	mpq_set_ui(d->q, v, 1);
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
			mpz_mul_ui(z, z, pow10_ul(chunk_len));
			mpz_add_ui(z, z, chunk);
			chunk = 0;
			chunk_len = 0;
		}
	}
	if (chunk_len > 0) {
		mpz_mul_ui(z, z, pow10_ul(chunk_len));
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

/* *out = 0 and, when the caller wants it, the reason into why; returns -1. */
static int parse_fail(ref_dec *out, char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int parse_fail(ref_dec *out, char *why, size_t whylen, const char *fmt, ...)
{
	mpq_set_ui(out->q, 0, 1);
	if (why && whylen > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Fraction digits beyond the kind's [NUM-1] limit: the reason, and -1. */
static int too_many_digits(ref_dec *out, char *why, size_t whylen, size_t digits,
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

int ref_dec_parse(ref_dec *out, const char *text, cb_dec_kind kind, char *why, size_t whylen)
{
	kind_rule rule = kind_rule_of(kind);
	dec_shape shape;
	const char *bad = scan_decimal(text, &shape);

	if (bad)
		return parse_fail(out, why, whylen, "is not a decimal number: %s", bad);
	if (shape.frac_digits > rule.max_digits)
		return too_many_digits(out, why, whylen, shape.frac_digits, rule);
	digits_to_mpz(mpq_numref(out->q), text, &shape);
	/* FIX: was mpz_set_ui(den, pow10_ul(frac_digits)), wrong for 20 digits */
	mpz_ui_pow_ui(mpq_denref(out->q), 10, (unsigned long)shape.frac_digits);
	mpq_canonicalize(out->q);
	if (kind == CB_DEC_RATIO && mpz_cmp(mpq_numref(out->q), mpq_denref(out->q)) > 0)
		return parse_fail(out, why, whylen, "ratio must be between 0 and 1");
	return 0;
}

/* ---- arithmetic and comparison ------------------------------------------------------- */

void ref_dec_add(ref_dec *r, const ref_dec *a, const ref_dec *b)
{
	mpq_add(r->q, a->q, b->q);
}

void ref_dec_sub(ref_dec *r, const ref_dec *a, const ref_dec *b)
{
	mpq_sub(r->q, a->q, b->q);
}

void ref_dec_mul(ref_dec *r, const ref_dec *a, const ref_dec *b)
{
	mpq_mul(r->q, a->q, b->q);
}

void ref_dec_min(ref_dec *r, const ref_dec *a, const ref_dec *b)
{
	ref_dec_set(r, mpq_cmp(a->q, b->q) <= 0 ? a : b);
}

void ref_dec_max(ref_dec *r, const ref_dec *a, const ref_dec *b)
{
	ref_dec_set(r, mpq_cmp(a->q, b->q) >= 0 ? a : b);
}

int ref_dec_cmp(const ref_dec *a, const ref_dec *b)
{
	int c = mpq_cmp(a->q, b->q);
	return (c > 0) - (c < 0);
}

int ref_dec_sgn(const ref_dec *a)
{
	return mpq_sgn(a->q);
}

int ref_dec_is_zero(const ref_dec *a)
{
	return mpq_sgn(a->q) == 0;
}

int ref_dec_is_integer(const ref_dec *a)
{
	return mpz_cmp_ui(mpq_denref(a->q), 1) == 0;
}

int ref_dec_to_ulong(const ref_dec *a, unsigned long *out)
{
	if (!ref_dec_is_integer(a) || mpq_sgn(a->q) < 0 || !mpz_fits_ulong_p(mpq_numref(a->q)))
		return -1;
	*out = mpz_get_ui(mpq_numref(a->q));
	return 0;
}

/* ---- [NUM-2] the one rounding primitive ---------------------------------------------- */

/*
 * scaled = |a| * 10^digits rounded half up to an integer; returns sgn(a).
 * scaled may be a's own numerator: a's numerator is read once, first, and only a's
 * denominator is read afterwards. The usual case (denominator fits an unsigned long) needs
 * no temporary; the remainder test 2*rem >= den is written rem >= den - rem against overflow.
 */
static int round_scaled(mpz_t scaled, const mpq_t a, unsigned digits)
{
	int sign = mpq_sgn(a);
	mpz_srcptr den = mpq_denref(a);

	if (digits <= 9) {
		mpz_mul_ui(scaled, mpq_numref(a), pow10_ul(digits));
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
		if (rem >= d - rem)
			mpz_add_ui(scaled, scaled, 1);
	} else {
		mpz_t rem;
		mpz_init(rem);
		mpz_tdiv_qr(scaled, rem, scaled, den);
		mpz_mul_2exp(rem, rem, 1);
		if (mpz_cmp(rem, den) >= 0)
			mpz_add_ui(scaled, scaled, 1);
		mpz_clear(rem);
	}
	return sign;
}

/* 1 when a is already a whole number of fen (its denominator divides 100). */
static int is_whole_fen(const mpq_t a)
{
	mpz_srcptr den = mpq_denref(a);
	return mpz_cmp_ui(den, 100) <= 0 && 100 % mpz_get_ui(den) == 0;
}

/* Rounds in r's own limbs: round_scaled may overwrite r's numerator even when r == a. */
void ref_dec_round2(ref_dec *r, const ref_dec *a)
{
	if (is_whole_fen(a->q)) {
		ref_dec_set(r, a);
		return;
	}
	int sign = round_scaled(mpq_numref(r->q), a->q, 2);
	if (sign < 0)
		mpz_neg(mpq_numref(r->q), mpq_numref(r->q));
	mpz_set_ui(mpq_denref(r->q), 100);
	mpq_canonicalize(r->q);
}

void ref_dec_mul_round2(ref_dec *r, const ref_dec *a, const ref_dec *b)
{
	mpq_mul(r->q, a->q, b->q);
	ref_dec_round2(r, r);
}

/* [NUM-3] The product is built in part directly unless part is also an input. */
void ref_dec_split(ref_dec *part, ref_dec *rest, const ref_dec *amount, const ref_dec *ratio)
{
	if (part != amount && part != ratio) {
		ref_dec_mul_round2(part, amount, ratio);
		ref_dec_sub(rest, amount, part);
		return;
	}
	ref_dec rounded;
	ref_dec_init(&rounded);
	ref_dec_mul_round2(&rounded, amount, ratio);
	ref_dec_sub(rest, amount, &rounded);
	mpq_swap(part->q, rounded.q);
	ref_dec_clear(&rounded);
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

/* Decimal digits of a non-negative scaled value, then put_scaled. */
static void put_mpz(sink *s, mpz_srcptr scaled, kind_rule rule)
{
	if (mpz_fits_ulong_p(scaled)) {
		char small[3 * sizeof(unsigned long) + 1];
		int n = snprintf(small, sizeof small, "%lu", mpz_get_ui(scaled));
		put_scaled(s, small, (size_t)n, rule.max_digits, rule.min_digits);
		return;
	}
	void (*gmp_free)(void *, size_t);
	char *big = mpz_get_str(NULL, 10, scaled);
	size_t n = strlen(big);
	put_scaled(s, big, n, rule.max_digits, rule.min_digits);
	mp_get_memory_functions(NULL, NULL, &gmp_free);
	gmp_free(big, n + 1);
}

size_t ref_dec_format(const ref_dec *d, cb_dec_kind kind, char *buf, size_t cap)
{
	kind_rule rule = kind_rule_of(kind);
	sink s = { buf, cap, 0 };
	mpz_t scaled;

	mpz_init(scaled);
	int sign = round_scaled(scaled, d->q, rule.max_digits);
	if (sign < 0 && mpz_sgn(scaled) != 0)
		sink_put(&s, '-');
	put_mpz(&s, scaled, rule);
	mpz_clear(scaled);
	return sink_finish(&s);
}
