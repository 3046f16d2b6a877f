/*
 * money_ref.h — the reference implementation of exact decimals for tests: engine/money.{h,c}
 * as they were before the 64-bit fast path (commit 0aa97eb), every cb_dec_ name renamed
 * ref_dec_, an exact GMP rational for every value. test_money_fast runs the same random
 * operations through both modules and requires identical results. The kinds and their
 * contracts are those of money.h (cb_dec_kind is shared); see money.h for each contract.
 */
#ifndef CB_MONEY_REF_H
#define CB_MONEY_REF_H

#include <gmp.h>
#include <stddef.h>

#include "money.h" /* cb_dec_kind */

typedef struct ref_dec {
	mpq_t q;
} ref_dec;

void ref_dec_init(ref_dec *d); /* d = 0 */
void ref_dec_clear(ref_dec *d);
void ref_dec_set(ref_dec *d, const ref_dec *s);
void ref_dec_set_ui(ref_dec *d, unsigned long v);

/*
 * English noun for a kind, for messages: "quantity", "count", "unit price", "ratio",
 * "money amount", "distance"; "decimal" for a value outside the enum. Static storage.
 */
const char *ref_dec_kind_name(cb_dec_kind kind);

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
int ref_dec_parse(ref_dec *out, const char *text, cb_dec_kind kind, char *why, size_t whylen);

/* Exact arithmetic; r may alias a or b. */
void ref_dec_add(ref_dec *r, const ref_dec *a, const ref_dec *b);
void ref_dec_sub(ref_dec *r, const ref_dec *a, const ref_dec *b);
void ref_dec_mul(ref_dec *r, const ref_dec *a, const ref_dec *b);
void ref_dec_min(ref_dec *r, const ref_dec *a, const ref_dec *b);
void ref_dec_max(ref_dec *r, const ref_dec *a, const ref_dec *b);

int ref_dec_cmp(const ref_dec *a, const ref_dec *b); /* -1, 0 or 1 */
int ref_dec_sgn(const ref_dec *a);                  /* -1, 0 or 1 */
int ref_dec_is_zero(const ref_dec *a);              /* 1 or 0 */
int ref_dec_is_integer(const ref_dec *a);           /* 1 or 0 */

/* Whole number to unsigned long: 0 and *out set, or -1 (not an integer, negative, too large;
 * *out untouched). */
int ref_dec_to_ulong(const ref_dec *a, unsigned long *out);

/*
 * [NUM-2] r = round2(a): round to 0.01 (one fen), half up (四舍五入); for negative values half
 * away from zero (-2.345 -> -2.35), although the SPEC never produces them. This is the one
 * rounding primitive of the engine; ref_dec_format's rounding uses the same code.
 */
void ref_dec_round2(ref_dec *r, const ref_dec *a);

/* r = round2(a * b); r may alias a or b. */
void ref_dec_mul_round2(ref_dec *r, const ref_dec *a, const ref_dec *b);

/*
 * [NUM-3] part = round2(amount * ratio); rest = amount - part exactly, so part + rest ==
 * amount always. part and rest may alias amount or ratio but must be different objects.
 */
void ref_dec_split(ref_dec *part, ref_dec *rest, const ref_dec *amount, const ref_dec *ratio);

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
size_t ref_dec_format(const ref_dec *d, cb_dec_kind kind, char *buf, size_t cap);

#endif
