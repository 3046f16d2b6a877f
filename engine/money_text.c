/*
 * money_text.c — the text side of exact decimals: [NUM-1] parsing with the spec's limits per
 * kind and a reason for every malformed form, and [NUM-4] formatting per kind. Values with up
 * to 18 significant fraction digits that fit 63 bits are read and written as machine integers
 * (the small form); anything larger goes through GMP. Character tests do not use <ctype.h>,
 * so the host's locale cannot change the grammar.
 */
#include "money.h"
#include "money_impl.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
			mpz_mul_ui(z, z, (unsigned long)cb_money__pow10[chunk_len]);
			mpz_add_ui(z, z, chunk);
			chunk = 0;
			chunk_len = 0;
		}
	}
	if (chunk_len > 0) {
		mpz_mul_ui(z, z, (unsigned long)cb_money__pow10[chunk_len]);
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
	cb_money__set_small(out, 0, 0);
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
		cb_money__store_mpq(out, q);
	mpq_clear(q);
	return over_one;
}

int cb_dec_parse(cb_dec *out, const char *text, cb_dec_kind kind, char *why, size_t whylen)
{
	kind_rule rule = cb_money__kind_rule(kind);
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
		over_one = kind == CB_DEC_RATIO && (uint64_t)v > cb_money__pow10[scale];
		if (!over_one)
			cb_money__set_small(out, v, scale);
	} else {
		over_one = parse_big(out, text, &shape, kind);
	}
	if (over_one)
		return parse_fail(out, why, whylen, "ratio must be between 0 and 1");
	return 0;
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

/* "00" to "99": digits are written two at a time. */
static const char digit_pairs[] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* Digits of m written backwards, ending just before `end`; returns the first. */
static char *u64_digits_back(char *end, uint64_t m)
{
	while (m >= 100) {
		unsigned pair = (unsigned)(m % 100);
		m /= 100;
		end -= 2;
		memcpy(end, digit_pairs + 2 * pair, 2);
	}
	if (m >= 10) {
		end -= 2;
		memcpy(end, digit_pairs + 2 * m, 2);
	} else {
		*--end = (char)('0' + m);
	}
	return end;
}

/* The text of a money amount whose magnitude is `cents` fen, backwards from `end`. */
static char *money_back(char *end, uint64_t cents)
{
	end -= 2;
	memcpy(end, digit_pairs + 2 * (cents % 100), 2);
	*--end = '.';
	return u64_digits_back(end, cents / 100);
}

/*
 * A small value: the text put_scaled makes of round(|v| x 10^max_digits), written backwards
 * from `end`; returns its first byte. |v| (rounded by the rule when it has more fraction
 * digits than the kind prints) is m / 10^f with f <= 18; its fraction digits without
 * trailing zeros are printed, then zeros up to min_digits. Money (exactly two digits), the
 * most common kind, takes a shorter way to the same text.
 */
static char *format_small(char *end, const cb_dec *d, kind_rule rule)
{
	uint64_t m = cb_money__magnitude(d->v);
	unsigned f = d->scale;
	char *p = end;

	if (f > rule.max_digits) {
		m = cb_money__round_small(m, f - rule.max_digits);
		f = rule.max_digits;
	}
	if (rule.max_digits == 2 && rule.min_digits == 2 && m <= UINT64_MAX / 100) {
		p = money_back(p, m * cb_money__pow10[2 - f]);
	} else {
		uint64_t frac = m % cb_money__pow10[f];
		unsigned sig = f; /* significant fraction digits */
		while (sig > 0 && frac % 10 == 0) {
			frac /= 10;
			sig--;
		}
		unsigned keep = sig > rule.min_digits ? sig : rule.min_digits;
		for (unsigned k = sig; k < keep; k++) /* at most min_digits */
			*--p = '0';
		for (unsigned k = 0; k < sig; k++, frac /= 10)
			*--p = (char)('0' + frac % 10);
		if (keep > 0)
			*--p = '.';
		p = u64_digits_back(p, m / cb_money__pow10[f]);
	}
	if (d->v < 0 && m != 0)
		*--p = '-';
	return p;
}

char *cb_dec_format_small(const cb_dec *d, cb_dec_kind kind, char *end)
{
	return d->big ? NULL : format_small(end, d, cb_money__kind_rule(kind));
}

size_t cb_dec_format(const cb_dec *d, cb_dec_kind kind, char *buf, size_t cap)
{
	kind_rule rule = cb_money__kind_rule(kind);
	sink s = { buf, cap, 0 };

	if (!d->big) {
		char text[CB_DEC_SMALL_TEXT];
		char *first = format_small(text + sizeof text, d, rule);
		sink_write(&s, first, (size_t)(text + sizeof text - first));
		return sink_finish(&s);
	}
	mpz_t scaled;
	mpz_init(scaled);
	int sign = cb_money__round_scaled(scaled, d->q, rule.max_digits);
	if (sign < 0 && mpz_sgn(scaled) != 0)
		sink_put(&s, '-');
	put_mpz(&s, scaled, rule);
	mpz_clear(scaled);
	return sink_finish(&s);
}

/* ---- the memo --------------------------------------------------------------------------- */

cb_dec_memo *cb_dec_memo_new(size_t slots)
{
	unsigned bits = 1;
	while (((size_t)1 << bits) < slots)
		bits++;
	cb_dec_memo *m = calloc(1, sizeof *m + ((size_t)1 << bits) * sizeof m->slot[0]);
	if (m)
		m->shift = 64 - bits;
	return m;
}

void cb_dec_memo_free(cb_dec_memo *m)
{
	free(m);
}
