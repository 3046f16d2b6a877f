/*
 * money_impl.h — what money.c (the two forms, arithmetic, rounding) and money_text.c
 * (parsing [NUM-1] and formatting [NUM-4]) share. Private to the money module: nothing else
 * in the engine includes it.
 */
#ifndef CB_MONEY_IMPL_H
#define CB_MONEY_IMPL_H

#include <stdint.h>

#include "money.h"

/* Largest scale of the small form: 10^18 < 2^63. */
#define SMALL_SCALE_MAX 18

#if defined(__SIZEOF_INT128__)
#define HAVE_U128 1
__extension__ typedef unsigned __int128 u128;
#endif

/* 10^n for n <= 19 (10^19 < 2^64). */
extern const uint64_t cb_money__pow10[20];

/* Per-kind limits of [NUM-1] and output form of [NUM-4]. */
typedef struct kind_rule {
	unsigned max_digits; /* fraction digits allowed on input, and rounding point on output */
	unsigned min_digits; /* fraction digits always printed */
	const char *name;
} kind_rule;

/* Inline: formatting asks for it on every value it writes. */
static inline kind_rule cb_money__kind_rule(cb_dec_kind kind)
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
/* |v| as an unsigned 64-bit integer (v != INT64_MIN in the small form). */
uint64_t cb_money__magnitude(int64_t v);
/* d = v / 10^scale in the small form, normalised. */
void cb_money__set_small(cb_dec *d, int64_t v, unsigned scale);
/* r = res, stored small when it fits (the form of a value depends on the value alone). */
void cb_money__store_mpq(cb_dec *r, mpq_ptr res);
/* m / 10^drop rounded by the one rule (half up). */
uint64_t cb_money__round_small(uint64_t m, unsigned drop);
/* scaled = |a| × 10^digits rounded by the one rule; returns sgn(a). */
int cb_money__round_scaled(mpz_t scaled, mpq_srcptr a, unsigned digits);

#endif
