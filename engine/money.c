/*
 * money.c — exact decimals: the two forms of a value, exact arithmetic and the one rounding
 * rule ([NUM-2]), splitting that always adds up ([NUM-3]). Parsing ([NUM-1]) and output text
 * ([NUM-4]) are in money_text.c. With it, the only part of the engine that calls GMP.
 *
 * Two forms of one exact value (see money.h): "small", a 64-bit integer v and a decimal scale
 * (value v / 10^scale, scale <= 18, normalised: no trailing zero digit, v != INT64_MIN), and
 * "big", a canonical GMP rational. Every operation first tries the small form with checked
 * overflow (__builtin_*_overflow) and, when an operand is big or the exact result does not
 * fit, computes it with GMP exactly as the rational-only module did; a rational result that
 * fits the small form is stored small (cb_money__store_mpq), so the form of a value is a
 * function of the value alone. The small path never approximates: it either gives the exact
 * result or declines.
 *
 * Rounding to n fraction digits (round2, and format's rounding of over-long values) has one
 * rule, half up and half away from zero for negative values, decided in one place
 * (ROUNDS_UP): cb_money__round_small applies it to machine integers and
 * cb_money__round_scaled to GMP integers. The property test tests/test_money_fast.c checks
 * every function against the rational-only implementation (tests/money_ref.c) over random
 * and extreme values.
 */
#include "money.h"
#include "money_impl.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* 10^n for n <= 19 (10^19 < 2^64). */
const uint64_t cb_money__pow10[20] = {
	1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
	100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
	10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
	100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull
};

const char *cb_dec_kind_name(cb_dec_kind kind)
{
	return cb_money__kind_rule(kind).name;
}

/* ---- the two forms ------------------------------------------------------------------- */

uint64_t cb_money__magnitude(int64_t v)
{
	return v < 0 ? -(uint64_t)v : (uint64_t)v;
}

/* d = v / 10^scale in the small form, normalised; v != INT64_MIN, scale <= 18. */
void cb_money__set_small(cb_dec *d, int64_t v, unsigned scale)
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
	mpz_set_u64(mpq_numref(q), cb_money__magnitude(v));
	if (v < 0)
		mpz_neg(mpq_numref(q), mpq_numref(q));
	mpz_set_u64(mpq_denref(q), cb_money__pow10[scale]);
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
	if (cb_money__pow10[SMALL_SCALE_MAX] % d != 0)
		return 0;
	unsigned s = 0;
	while (cb_money__pow10[s] % d != 0)
		s++;
	int64_t n = (int64_t)mpz_get_u64(num); /* |num| < 2^63 */
	if (mpz_sgn(num) < 0)
		n = -n;
	if (__builtin_mul_overflow(n, (int64_t)(cb_money__pow10[s] / d), v) || *v == INT64_MIN)
		return 0;
	*scale = s;
	return 1;
}

/* r = res, small when it fits; res is left holding r's old limbs (the caller clears it). */
void cb_money__store_mpq(cb_dec *r, mpq_ptr res)
{
	int64_t v;
	unsigned scale;

	if (mpq_to_small(res, &v, &scale)) {
		cb_money__set_small(r, v, scale);
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
	cb_money__store_mpq(r, res);
	mpq_clear(res);
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
		cb_money__set_small(d, (int64_t)v, 0);
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

/* ---- arithmetic and comparison ------------------------------------------------------- */

/* Small a and b brought to the larger of their scales: 0 when that overflows. */
static int align(const cb_dec *a, const cb_dec *b, int64_t *x, int64_t *y, unsigned *scale)
{
	*x = a->v;
	*y = b->v;
	*scale = a->scale;
	if (a->scale < b->scale) {
		*scale = b->scale;
		return !__builtin_mul_overflow(*x, (int64_t)cb_money__pow10[b->scale - a->scale], x);
	}
	if (a->scale > b->scale)
		return !__builtin_mul_overflow(*y, (int64_t)cb_money__pow10[a->scale - b->scale], y);
	return 1;
}

/* 1 when d is zero in the small form (0 has scale 0 there): adding it changes nothing. */
static int small_zero(const cb_dec *d)
{
	return !d->big && d->v == 0;
}

void cb_dec_add(cb_dec *r, const cb_dec *a, const cb_dec *b)
{
	int64_t x, y, sum;
	unsigned scale;

	if (small_zero(b) || small_zero(a)) { /* the form is a function of the value */
		cb_dec_set(r, small_zero(b) ? a : b);
		return;
	}
	if (!a->big && !b->big && align(a, b, &x, &y, &scale) &&
	    !__builtin_add_overflow(x, y, &sum) && sum != INT64_MIN) {
		cb_money__set_small(r, sum, scale);
		return;
	}
	slow_binop(r, a, b, mpq_add);
}

void cb_dec_sub(cb_dec *r, const cb_dec *a, const cb_dec *b)
{
	int64_t x, y, diff;
	unsigned scale;

	if (small_zero(b)) {
		cb_dec_set(r, a);
		return;
	}
	if (!a->big && !b->big && align(a, b, &x, &y, &scale) &&
	    !__builtin_sub_overflow(x, y, &diff) && diff != INT64_MIN) {
		cb_money__set_small(r, diff, scale);
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
			cb_money__set_small(r, p, scale);
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

int cb_dec_is_integer(const cb_dec *a)
{
	if (a->big)
		return mpz_cmp_ui(mpq_denref(a->q), 1) == 0;
	return cb_money__magnitude(a->v) % cb_money__pow10[a->scale] == 0;
}

int cb_dec_to_ulong(const cb_dec *a, unsigned long *out)
{
	if (!a->big) {
		if (a->v < 0 || (uint64_t)a->v % cb_money__pow10[a->scale] != 0)
			return -1;
		uint64_t n = (uint64_t)a->v / cb_money__pow10[a->scale];
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
uint64_t cb_money__round_small(uint64_t m, unsigned drop)
{
	if (drop >= 20) /* 10^drop / 2 >= 5 x 10^19 > m: rounds to 0 */
		return 0;
	uint64_t d = cb_money__pow10[drop], q = m / d, rem = m % d;
	return ROUNDS_UP(rem, d) ? q + 1 : q;
}

/*
 * scaled = |a| * 10^digits rounded by the rule to an integer; returns sgn(a).
 * scaled must not be a's numerator or denominator.
 */
int cb_money__round_scaled(mpz_t scaled, mpq_srcptr a, unsigned digits)
{
	int sign = mpq_sgn(a);
	mpz_srcptr den = mpq_denref(a);

	if (digits <= 9) {
		mpz_mul_ui(scaled, mpq_numref(a), (unsigned long)cb_money__pow10[digits]);
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
	int sign = cb_money__round_scaled(mpq_numref(q), a->q, 2);
	if (sign < 0)
		mpz_neg(mpq_numref(q), mpq_numref(q));
	mpz_set_ui(mpq_denref(q), 100);
	mpq_canonicalize(q);
	cb_money__store_mpq(r, q);
	mpq_clear(q);
}

/* r = v / 10^scale rounded to fen, v a 64-bit value of any scale. */
static void round2_small(cb_dec *r, int64_t v, unsigned scale)
{
	if (scale <= 2) {
		cb_money__set_small(r, v, scale);
		return;
	}
	uint64_t q = cb_money__round_small(cb_money__magnitude(v), scale - 2); /* <= |v| / 10 + 1 */
	cb_money__set_small(r, v < 0 ? -(int64_t)q : (int64_t)q, 2);
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
	u128 m = (u128)cb_money__magnitude(a->v) * cb_money__magnitude(b->v), d = 1;
	for (unsigned i = 2; i < scale; i++) /* scale <= 36: 10^34 < 2^113 */
		d *= 10;
	u128 q = m / d, rem = m % d;
	if (ROUNDS_UP(rem, d))
		q++;
	if (q > (u128)INT64_MAX)
		return 0;
	int negative = (a->v < 0) != (b->v < 0);
	cb_money__set_small(r, negative ? -(int64_t)q : (int64_t)q, 2);
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

