/*
 * money.h — exact decimals for the whole engine (SPEC §1: [NUM-1] parse, [NUM-2] round2,
 * [NUM-3] split, [NUM-4] format). This module alone owns GMP: every other module goes through
 * the functions below, never through gmp.h directly. No binary floating point is used
 * anywhere.
 *
 * A cb_dec is exact. Ordinary values (at most 18 fraction digits and a scaled magnitude below
 * 2^63, i.e. everything the SPEC's inputs and their sums, products and roundings produce in
 * practice) are held as a 64-bit integer and a decimal scale; any operation whose exact result
 * does not fit that form (checked overflow) computes it as a GMP rational instead, and a
 * rational result that fits is brought back to the integer form. Results never depend on which
 * form an operand was in.
 *
 * This is a private engine header (not under include/), so it may show the struct: that lets
 * callers keep cb_dec by value in their own structs and arenas. Only this module reads its
 * fields.
 *
 * Invariants: every cb_dec must be set up with cb_dec_init before use (cheap: no allocation)
 * and released with cb_dec_clear. When !big the value is v / 10^scale with scale <= 18,
 * v != INT64_MIN and no trailing zero digit (v % 10 != 0 unless scale == 0, and 0 has scale
 * 0); when big it is q, canonical (lowest terms, positive denominator), and not representable
 * in the integer form. q is initialised lazily (q_live) and kept for reuse until cb_dec_clear.
 * Values made by parse, add, sub, mul and round2 are always finite decimals. All result
 * parameters (r, out, part, rest) may alias any input unless a function says otherwise.
 * Nothing here allocates except through GMP, whose default allocator aborts on out-of-memory;
 * the module never changes GMP's memory functions.
 */
#ifndef CB_MONEY_H
#define CB_MONEY_H

#include <gmp.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cb_dec {
	int64_t v;      /* value v / 10^scale, when !big */
	uint8_t scale;  /* 0..18, when !big */
	uint8_t big;    /* 1: the value is q */
	uint8_t q_live; /* 1: q is initialised (cb_dec_clear frees it) */
	mpq_t q;
} cb_dec;

/* What a decimal means, which fixes its [NUM-1] limits and its [NUM-4] output form. */
typedef enum cb_dec_kind {
	CB_DEC_QTY,     /* <= 3 fraction digits; output drops trailing zeros */
	CB_DEC_COUNT,   /* whole numbers only (0 fraction digits) */
	CB_DEC_PRICE,   /* unit price, <= 6 fraction digits; output keeps 2..6 */
	CB_DEC_RATIO,   /* <= 4 fraction digits AND value within 0..1 inclusive */
	CB_DEC_MONEY,   /* <= 2 fraction digits; output exactly 2 */
	CB_DEC_DISTANCE, /* <= 3 fraction digits; output drops trailing zeros */
	CB_DEC_EXACT    /* <= 20 fraction digits, trailing zeros dropped: exact intermediate
			   values in traces (every product of spec inputs has at most 13) */
} cb_dec_kind;

/* d = 0. Inline, like cb_dec_clear, cb_dec_sgn and cb_dec_is_zero: pricing calls them for
 * every working value. */
static inline void cb_dec_init(cb_dec *d)
{
	d->v = 0;
	d->scale = 0;
	d->big = 0;
	d->q_live = 0;
}

static inline void cb_dec_clear(cb_dec *d)
{
	if (d->q_live)
		mpq_clear(d->q);
	cb_dec_init(d);
}
void cb_dec_set(cb_dec *d, const cb_dec *s);
void cb_dec_set_ui(cb_dec *d, unsigned long v);

/*
 * English noun for a kind, for messages: "quantity", "count", "unit price", "ratio",
 * "money amount", "distance"; "decimal" for a value outside the enum. Static storage.
 */
const char *cb_dec_kind_name(cb_dec_kind kind);

/*
 * [NUM-1] Parse decimal text of the given kind into *out (initialised by the caller).
 * Grammar: [0-9]+(\.[0-9]+)? exactly, ASCII only: no sign, exponent, spaces, separators,
 * leading or trailing '.', empty string. Leading zeros are allowed ("007" = 7) and there is
 * no limit on the number of integer digits. The number of fraction digits as written is
 * limited by the kind (trailing zeros count: "1.0" is rejected as a count, "1.000" as money);
 * a ratio must also lie within 0..1 ("1.0000" is accepted, "1.0001" is not).
 * Returns 0 on success. On failure returns -1, sets *out to 0 and, when why is not NULL and
 * whylen > 0, writes a short NUL-terminated English reason (truncated to fit), e.g.
 * "is not a decimal number: sign not allowed" or
 * "has 4 fraction digits, at most 3 allowed for a quantity". The reason does not name the
 * field or quote the text; the caller adds those. text NULL is rejected like "".
 */
int cb_dec_parse(cb_dec *out, const char *text, cb_dec_kind kind, char *why, size_t whylen);

/* Exact arithmetic; r may alias a or b. */
void cb_dec_add(cb_dec *r, const cb_dec *a, const cb_dec *b);
void cb_dec_sub(cb_dec *r, const cb_dec *a, const cb_dec *b);
void cb_dec_mul(cb_dec *r, const cb_dec *a, const cb_dec *b);
void cb_dec_min(cb_dec *r, const cb_dec *a, const cb_dec *b);
void cb_dec_max(cb_dec *r, const cb_dec *a, const cb_dec *b);

int cb_dec_cmp(const cb_dec *a, const cb_dec *b); /* -1, 0 or 1 */
static inline int cb_dec_sgn(const cb_dec *a)    /* -1, 0 or 1 */
{
	return a->big ? mpq_sgn(a->q) : (a->v > 0) - (a->v < 0);
}

static inline int cb_dec_is_zero(const cb_dec *a) /* 1 or 0 */
{
	return cb_dec_sgn(a) == 0;
}
int cb_dec_is_integer(const cb_dec *a);           /* 1 or 0 */

/* Whole number to unsigned long: 0 and *out set, or -1 (not an integer, negative, too large;
 * *out untouched). */
int cb_dec_to_ulong(const cb_dec *a, unsigned long *out);

/*
 * [NUM-2] r = round2(a): round to 0.01 (one fen), half up (四舍五入); for negative values half
 * away from zero (-2.345 -> -2.35), although the SPEC never produces them. This is the one
 * rounding primitive of the engine; cb_dec_format's rounding uses the same code.
 */
void cb_dec_round2(cb_dec *r, const cb_dec *a);

/* r = round2(a * b); r may alias a or b. */
void cb_dec_mul_round2(cb_dec *r, const cb_dec *a, const cb_dec *b);

/*
 * [NUM-3] part = round2(amount * ratio); rest = amount - part exactly, so part + rest ==
 * amount always. part and rest may alias amount or ratio but must be different objects.
 */
void cb_dec_split(cb_dec *part, cb_dec *rest, const cb_dec *amount, const cb_dec *ratio);

/*
 * [NUM-4] Format d as decimal text of the given kind, like snprintf: writes at most cap bytes
 * including a terminating NUL into buf (buf may be NULL when cap is 0) and returns the length
 * the full text needs, excluding the NUL; if that is >= cap the output was truncated and the
 * caller may retry with a buffer of the returned length + 1.
 *   MONEY    exactly 2 fraction digits: "1234.50", "0.00".
 *   PRICE    2 to 6 fraction digits, zeros beyond the second dropped: "0.25", "10.00".
 *   RATIO    2 to 4 fraction digits, zeros beyond the second dropped: "0.90", "0.1234".
 *   QTY, DISTANCE  up to 3 fraction digits, trailing zeros and '.' dropped: "1.5", "2", "0".
 *   COUNT    a whole number: "12".
 * A value with more fraction digits than its kind allows (e.g. an unrounded product) is
 * rounded half up (away from zero) at the kind's maximum digit count (2, 6, 4, 3 or 0) with
 * the round2 code. Negative values get a leading '-', unless they round to zero ("0.00",
 * never "-0.00").
 * A kind outside the enum is treated like CB_DEC_QTY (limits and output) in every function.
 */
size_t cb_dec_format(const cb_dec *d, cb_dec_kind kind, char *buf, size_t cap);

/*
 * The fast path of cb_dec_format, for hot callers: when d is in the 64-bit form, writes the
 * same text (without a NUL) so that it ends just before `end` and returns its first byte;
 * the text is at most CB_DEC_SMALL_TEXT bytes. Returns NULL, writing nothing, for a value in
 * the GMP form (use cb_dec_format).
 */
#define CB_DEC_SMALL_TEXT 48 /* sign, <= 20 integer digits, '.', <= 18 fraction digits */
char *cb_dec_format_small(const cb_dec *d, cb_dec_kind kind, char *end);

/*
 * A memo of texts already made, for callers that format many values of which many repeat
 * (amounts of the same item and quantity): direct-mapped, so a lookup costs one compare.
 * Only values in the 64-bit form are kept; the texts are the caller's and must outlive the
 * memo's use. Its size is the caller's choice (a small job zeroes a small table).
 */
#define CB_DEC_MEMO_SLOTS 1024 /* the most a memo needs: a large case's repeats fit */
typedef struct cb_dec_memo_slot {
	int64_t v;
	uint8_t scale, kind, used;
	const char *text;
} cb_dec_memo_slot;

typedef struct cb_dec_memo {
	unsigned shift; /* 64 - log2(slots): a hash's top bits choose the slot */
	cb_dec_memo_slot slot[];
} cb_dec_memo;

/* An empty memo of `slots` entries (a power of two, at least 2); NULL when out of memory.
 * Released with cb_dec_memo_free (NULL-safe). */
cb_dec_memo *cb_dec_memo_new(size_t slots);
void cb_dec_memo_free(cb_dec_memo *m);

/* Inline, like the two below: pricing looks up a dozen values a line. */
static inline size_t cb_dec__memo_index(const cb_dec_memo *m, const cb_dec *d, cb_dec_kind kind)
{
	uint64_t h = ((uint64_t)d->v ^ ((uint64_t)d->scale << 56) ^ ((uint64_t)kind << 60)) *
		     0x9e3779b97f4a7c15ULL;
	return (size_t)(h >> m->shift);
}

/* The text remembered for d as `kind`, or NULL. */
static inline const char *cb_dec_memo_get(const cb_dec_memo *m, const cb_dec *d,
					  cb_dec_kind kind)
{
	if (d->big)
		return NULL;
	const cb_dec_memo_slot *s = &m->slot[cb_dec__memo_index(m, d, kind)];
	/* the small form is normalised: equal values have equal v and scale */
	return s->used && s->v == d->v && s->scale == d->scale && s->kind == (uint8_t)kind
		       ? s->text
		       : NULL;
}

/* Remember `text` (cb_dec_format's text of d as `kind`), replacing what shared its slot. */
static inline void cb_dec_memo_put(cb_dec_memo *m, const cb_dec *d, cb_dec_kind kind,
				   const char *text)
{
	if (d->big || !text)
		return;
	cb_dec_memo_slot *s = &m->slot[cb_dec__memo_index(m, d, kind)];
	s->v = d->v;
	s->scale = d->scale;
	s->kind = (uint8_t)kind;
	s->used = 1;
	s->text = text;
}

#endif
