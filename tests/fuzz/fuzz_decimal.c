/*
 * fuzz_decimal.c — libFuzzer target for the [NUM-1] parser and the [NUM-4] formatter
 * (engine/money.h), run on every kind:
 *   - cb_dec_parse never reads past the text, and on failure gives a reason and leaves 0;
 *   - a parsed value formats to text that parses again, as the same kind, to the same value
 *     (round trip), and the formatted text follows the [NUM-4] shape of its kind;
 *   - cb_dec_format truncates like snprintf for every short buffer;
 *   - [NUM-3] split of the value by every ratio that parses gives parts that add up.
 * A violated property calls __builtin_trap(), which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"

#define CHECK(cond)                                                                       \
	do {                                                                              \
		if (!(cond))                                                              \
			__builtin_trap();                                                 \
	} while (0)

static const cb_dec_kind kinds[] = {CB_DEC_QTY,   CB_DEC_COUNT,    CB_DEC_PRICE, CB_DEC_RATIO,
				    CB_DEC_MONEY, CB_DEC_DISTANCE, CB_DEC_EXACT};
#define NKINDS (sizeof kinds / sizeof kinds[0])

/* [NUM-4] shape: digits, then '.' and fraction digits within the kind's output bounds. */
static void check_shape(const char *s, size_t len, cb_dec_kind kind)
{
	size_t i = 0, frac = 0;
	CHECK(len > 0);
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	CHECK(i > 0);
	CHECK(i == 1 || s[0] != '0'); /* no leading zeros */
	if (i < len) {
		CHECK(s[i] == '.');
		for (i++; i < len; i++, frac++)
			CHECK(s[i] >= '0' && s[i] <= '9');
		CHECK(frac > 0);
	}
	switch (kind) {
	case CB_DEC_MONEY:
		CHECK(frac == 2);
		break;
	case CB_DEC_PRICE:
		CHECK(frac >= 2 && frac <= 6 && (frac == 2 || s[len - 1] != '0'));
		break;
	case CB_DEC_RATIO:
		CHECK(frac >= 2 && frac <= 4 && (frac == 2 || s[len - 1] != '0'));
		break;
	case CB_DEC_COUNT:
		CHECK(frac == 0);
		break;
	case CB_DEC_QTY:
	case CB_DEC_DISTANCE:
		CHECK(frac <= 3 && (frac == 0 || s[len - 1] != '0'));
		break;
	case CB_DEC_EXACT:
		CHECK(frac <= 20 && (frac == 0 || s[len - 1] != '0'));
		break;
	}
}

static char *format(const cb_dec *d, cb_dec_kind kind, size_t *len)
{
	size_t n = cb_dec_format(d, kind, NULL, 0);
	char *s = malloc(n + 1);
	CHECK(s != NULL);
	CHECK(cb_dec_format(d, kind, s, n + 1) == n);
	CHECK(strlen(s) == n);
	*len = n;
	return s;
}

/* Truncation behaves like snprintf for the first few short buffers. */
static void check_truncation(const cb_dec *d, cb_dec_kind kind, const char *full, size_t n)
{
	char small[8];
	for (size_t cap = 1; cap <= sizeof small && cap <= n; cap++) {
		memset(small, 'X', sizeof small);
		CHECK(cb_dec_format(d, kind, small, cap) == n);
		CHECK(small[cap - 1] == '\0');
		CHECK(memcmp(small, full, cap - 1) == 0);
	}
}

static void round_trip(const cb_dec *d, cb_dec_kind kind)
{
	size_t n;
	char *s = format(d, kind, &n);
	check_shape(s, n, kind);
	check_truncation(d, kind, s, n);
	cb_dec again;
	cb_dec_init(&again);
	char why[96];
	CHECK(cb_dec_parse(&again, s, kind, why, sizeof why) == 0);
	CHECK(cb_dec_cmp(&again, d) == 0);
	cb_dec_clear(&again);
	free(s);
}

/* [NUM-3] the parts of a split add up exactly, and part is a whole number of fen. */
static void check_split(const cb_dec *amount, const cb_dec *ratio)
{
	cb_dec part, rest, sum, r2;
	cb_dec_init(&part);
	cb_dec_init(&rest);
	cb_dec_init(&sum);
	cb_dec_init(&r2);
	cb_dec_split(&part, &rest, amount, ratio);
	cb_dec_add(&sum, &part, &rest);
	CHECK(cb_dec_cmp(&sum, amount) == 0);
	cb_dec_round2(&r2, &part);
	CHECK(cb_dec_cmp(&r2, &part) == 0);
	cb_dec_mul_round2(&r2, amount, ratio);
	CHECK(cb_dec_cmp(&r2, &part) == 0);
	cb_dec_clear(&part);
	cb_dec_clear(&rest);
	cb_dec_clear(&sum);
	cb_dec_clear(&r2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	/* the text is cut at the first NUL or '|'; what follows '|' is a second number */
	char *text = malloc(size + 1);
	CHECK(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	char *second = strchr(text, '|');
	if (second)
		*second++ = '\0';
	cb_dec d[NKINDS], other;
	int ok[NKINDS];
	cb_dec_init(&other);
	for (size_t k = 0; k < NKINDS; k++) {
		char why[96];
		cb_dec_init(&d[k]);
		memset(why, 0, sizeof why);
		ok[k] = cb_dec_parse(&d[k], text, kinds[k], why, sizeof why) == 0;
		if (!ok[k]) {
			CHECK(why[0] != '\0');
			CHECK(cb_dec_is_zero(&d[k]));
			continue;
		}
		CHECK(cb_dec_sgn(&d[k]) >= 0);
		if (k > 0 && ok[0])
			CHECK(cb_dec_cmp(&d[k], &d[0]) == 0); /* one value, whatever the kind */
		for (size_t f = 0; f < NKINDS; f++)
			if (kinds[f] == kinds[k])
				round_trip(&d[k], kinds[f]);
		/* a value formatted as any other kind (rounded where it has more digits) still
		 * has that kind's [NUM-4] shape */
		for (size_t f = 0; f < NKINDS; f++) {
			size_t n;
			char *s = format(&d[k], kinds[f], &n);
			check_shape(s, n, kinds[f]);
			free(s);
		}
	}
	if (second && cb_dec_parse(&other, second, CB_DEC_RATIO, NULL, 0) == 0)
		for (size_t k = 0; k < NKINDS; k++)
			if (ok[k])
				check_split(&d[k], &other);
	for (size_t k = 0; k < NKINDS; k++)
		cb_dec_clear(&d[k]);
	cb_dec_clear(&other);
	free(text);
	return 0;
}
