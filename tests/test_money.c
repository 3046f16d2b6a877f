/*
 * test_money.c — CUnit suite for engine/money.c, the exact-decimal module: parsing and its
 * rejections ([NUM-1]), round2 half up at the x.xx5 edges ([NUM-2]), splits that always add
 * up ([NUM-3]), output text of every kind ([NUM-4]), huge values and the snprintf-style
 * retry, comparison and aliasing. The program's exit status is the number of failed
 * assertions.
 */
#include <CUnit/Basic.h>

#include "cb_test.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"

/* ---- helpers -------------------------------------------------------------------------- */

/* Parse text as kind or fail the test loudly; returns d for chaining. */
static cb_dec *dec_of(cb_dec *d, const char *text, cb_dec_kind kind)
{
	char why[128], msg[256];
	if (cb_dec_parse(d, text, kind, why, sizeof why) != 0) {
		snprintf(msg, sizeof msg, "fixture '%s' does not parse: %s", text, why);
		CU_assertImplementation(CU_FALSE, __LINE__, msg, __FILE__, "", CU_FALSE);
	}
	return d;
}

/* Record a pass/fail with a message that shows both values (CU_ASSERT_EQUAL does not);
 * CUnit copies the message and prints it in its failure list. */
static void report(int ok, const char *what, const char *expected, const char *got,
		   const char *file, unsigned line)
{
	char msg[512];
	snprintf(msg, sizeof msg, "%s: expected %s, got %s", what, expected, got);
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, line, msg, file, "", CU_FALSE);
}

/* d formatted as kind must read exactly `expected`. */
static void check_text(const cb_dec *d, cb_dec_kind kind, const char *expected,
		       const char *file, unsigned line)
{
	char got[256];
	cb_dec_format(d, kind, got, sizeof got);
	report(strcmp(got, expected) == 0, "text", expected, got, file, line);
}

/* d must equal the money value `expected` exactly (not merely print like it). */
static void check_money(const cb_dec *d, const char *expected, const char *file,
			unsigned line)
{
	cb_dec want, fen;
	char got[256], exact[200];

	cb_dec_init(&want);
	cb_dec_init(&fen);
	dec_of(&want, expected, CB_DEC_MONEY);
	cb_dec_round2(&fen, d);
	int ok = cb_dec_cmp(d, &want) == 0;
	size_t n = cb_dec_format(d, CB_DEC_MONEY, got, sizeof got);
	if (cb_dec_cmp(d, &fen) != 0 && n < sizeof got) { /* not a whole fen: show more */
		cb_dec_format(d, CB_DEC_PRICE, exact, sizeof exact);
		snprintf(got + n, sizeof got - n, " (to 6 digits %s)", exact);
	}
	report(ok, "money", expected, got, file, line);
	cb_dec_clear(&want);
	cb_dec_clear(&fen);
}

#define ASSERT_TEXT(d, kind, expected) check_text((d), (kind), (expected), __FILE__, __LINE__)
#define ASSERT_MONEY(d, expected) check_money((d), (expected), __FILE__, __LINE__)

/* text must be rejected as kind, with a reason containing `reason_part`, leaving 0. */
static void check_rejects(const char *text, cb_dec_kind kind, const char *reason_part,
			  const char *file, unsigned line)
{
	cb_dec d;
	char why[128] = "";
	char shown[160];

	cb_dec_init(&d);
	cb_dec_set_ui(&d, 5);
	int rc = cb_dec_parse(&d, text, kind, why, sizeof why);
	snprintf(shown, sizeof shown, "'%s' -> %d \"%s\"", text ? text : "(null)", rc, why);
	report(rc == -1 && strstr(why, reason_part) && cb_dec_is_zero(&d), "rejection",
	       reason_part, shown, file, line);
	cb_dec_clear(&d);
}

#define ASSERT_REJECTS(text, kind, reason) check_rejects((text), (kind), (reason), \
							  __FILE__, __LINE__)

/* text parses as kind and prints back as `printed`. */
static void check_accepts(const char *text, cb_dec_kind kind, const char *printed,
			  const char *file, unsigned line)
{
	cb_dec d;
	char why[128] = "";

	cb_dec_init(&d);
	int rc = cb_dec_parse(&d, text, kind, why, sizeof why);
	report(rc == 0, "accepted", text, why, file, line);
	if (rc == 0)
		check_text(&d, kind, printed, file, line);
	cb_dec_clear(&d);
}

#define ASSERT_ACCEPTS(text, kind, printed) check_accepts((text), (kind), (printed), \
							   __FILE__, __LINE__)

/* round2 of an exact product a x b (each parsed as kind) must be `expected`. */
static void check_product(const char *a, cb_dec_kind ka, const char *b, cb_dec_kind kb,
			  const char *expected, const char *file, unsigned line)
{
	cb_dec x, y, r;
	cb_dec_init(&x);
	cb_dec_init(&y);
	cb_dec_init(&r);
	cb_dec_mul_round2(&r, dec_of(&x, a, ka), dec_of(&y, b, kb));
	check_money(&r, expected, file, line);
	cb_dec_clear(&x);
	cb_dec_clear(&y);
	cb_dec_clear(&r);
}

#define ASSERT_PRODUCT(a, ka, b, kb, expected) \
	check_product((a), (ka), (b), (kb), (expected), __FILE__, __LINE__)

/* d = 10^-n exactly, built as a product of parsed 0.001s and 0.1s (n >= 1). */
static void tiny(cb_dec *d, unsigned n)
{
	cb_dec step;
	cb_dec_init(&step);
	cb_dec_set_ui(d, 1);
	for (; n >= 3; n -= 3)
		cb_dec_mul(d, d, dec_of(&step, "0.001", CB_DEC_QTY));
	for (; n > 0; n--)
		cb_dec_mul(d, d, dec_of(&step, "0.1", CB_DEC_QTY));
	cb_dec_clear(&step);
}

/* ---- [NUM-1] parsing ----------------------------------------------------------------- */

static void test_money_parse_accepts_valid_forms(void)
{
	ASSERT_ACCEPTS("0", CB_DEC_MONEY, "0.00");
	ASSERT_ACCEPTS("007", CB_DEC_COUNT, "7");
	ASSERT_ACCEPTS("007.50", CB_DEC_MONEY, "7.50");
	ASSERT_ACCEPTS("1.5", CB_DEC_QTY, "1.5");
	ASSERT_ACCEPTS("0.000", CB_DEC_QTY, "0");
	ASSERT_ACCEPTS("21", CB_DEC_QTY, "21");
	ASSERT_ACCEPTS("0.2800", CB_DEC_PRICE, "0.28");
	ASSERT_ACCEPTS("0.90", CB_DEC_RATIO, "0.90");
	ASSERT_ACCEPTS("7.5", CB_DEC_DISTANCE, "7.5");
	ASSERT_ACCEPTS("1234.5", CB_DEC_MONEY, "1234.50");
	ASSERT_ACCEPTS("123456789012345678901234567890.123", CB_DEC_QTY,
		       "123456789012345678901234567890.123");
	ASSERT_ACCEPTS("000000000000000000000000000000000000000001", CB_DEC_COUNT, "1");
}

static void test_money_parse_rejects_empty_and_bare_dot(void)
{
	ASSERT_REJECTS("", CB_DEC_MONEY, "empty");
	ASSERT_REJECTS(NULL, CB_DEC_MONEY, "empty");
	ASSERT_REJECTS(".", CB_DEC_MONEY, "no digit before '.'");
	ASSERT_REJECTS("1.", CB_DEC_MONEY, "no digit after '.'");
	ASSERT_REJECTS(".5", CB_DEC_MONEY, "no digit before '.'");
}

static void test_money_parse_rejects_sign(void)
{
	ASSERT_REJECTS("+1", CB_DEC_QTY, "is not a decimal number: sign not allowed");
	ASSERT_REJECTS("-1", CB_DEC_QTY, "is not a decimal number: sign not allowed");
	ASSERT_REJECTS("-0", CB_DEC_MONEY, "sign not allowed");
	ASSERT_REJECTS("1-", CB_DEC_MONEY, "sign not allowed");
}

static void test_money_parse_rejects_exponent(void)
{
	ASSERT_REJECTS("1e3", CB_DEC_QTY, "exponent not allowed");
	ASSERT_REJECTS("1.5E2", CB_DEC_QTY, "exponent not allowed");
}

static void test_money_parse_rejects_separators(void)
{
	ASSERT_REJECTS("1,000", CB_DEC_MONEY, "separators not allowed");
	ASSERT_REJECTS("1_000", CB_DEC_MONEY, "separators not allowed");
	ASSERT_REJECTS("1,5", CB_DEC_QTY, "separators not allowed");
}

static void test_money_parse_rejects_spaces(void)
{
	ASSERT_REJECTS(" 1", CB_DEC_QTY, "spaces not allowed");
	ASSERT_REJECTS("1 ", CB_DEC_QTY, "spaces not allowed");
	ASSERT_REJECTS("1\t", CB_DEC_QTY, "spaces not allowed");
	ASSERT_REJECTS("1 000", CB_DEC_QTY, "spaces not allowed");
	ASSERT_REJECTS("\n", CB_DEC_QTY, "spaces not allowed");
}

static void test_money_parse_rejects_two_dots(void)
{
	ASSERT_REJECTS("1.2.3", CB_DEC_QTY, "more than one '.'");
	ASSERT_REJECTS("1..2", CB_DEC_QTY, "more than one '.'");
}

static void test_money_parse_rejects_letters_and_hex(void)
{
	ASSERT_REJECTS("0x10", CB_DEC_COUNT, "hexadecimal not allowed");
	ASSERT_REJECTS("abc", CB_DEC_COUNT, "only digits 0-9 and '.' allowed");
	ASSERT_REJECTS("1x", CB_DEC_COUNT, "only digits 0-9 and '.' allowed");
	ASSERT_REJECTS("inf", CB_DEC_MONEY, "only digits");
	ASSERT_REJECTS("NaN", CB_DEC_MONEY, "only digits");
}

static void test_money_parse_rejects_fullwidth_digit(void)
{
	ASSERT_REJECTS("\xef\xbc\x91", CB_DEC_COUNT, "only ASCII digits");          /* １ */
	ASSERT_REJECTS("1\xef\xbc\x90", CB_DEC_COUNT, "only ASCII digits");         /* 1０ */
	ASSERT_REJECTS("1\xef\xbc\x8e" "5", CB_DEC_QTY, "only ASCII digits");       /* 1．5 */
	ASSERT_REJECTS("\xd9\xa1", CB_DEC_COUNT, "only ASCII digits");              /* Arabic-Indic 1 */
}

static void test_money_parse_fraction_limits_per_kind(void)
{
	ASSERT_ACCEPTS("1.125", CB_DEC_QTY, "1.125");
	ASSERT_REJECTS("1.1250", CB_DEC_QTY,
		       "has 4 fraction digits, at most 3 allowed for a quantity");
	ASSERT_ACCEPTS("0.123456", CB_DEC_PRICE, "0.123456");
	ASSERT_REJECTS("0.1234567", CB_DEC_PRICE,
		       "has 7 fraction digits, at most 6 allowed for a unit price");
	ASSERT_ACCEPTS("0.1234", CB_DEC_RATIO, "0.1234");
	ASSERT_REJECTS("0.12345", CB_DEC_RATIO,
		       "has 5 fraction digits, at most 4 allowed for a ratio");
	ASSERT_ACCEPTS("12.34", CB_DEC_MONEY, "12.34");
	ASSERT_REJECTS("12.340", CB_DEC_MONEY,
		       "has 3 fraction digits, at most 2 allowed for a money amount");
	ASSERT_ACCEPTS("15.125", CB_DEC_DISTANCE, "15.125");
	ASSERT_REJECTS("15.1250", CB_DEC_DISTANCE,
		       "has 4 fraction digits, at most 3 allowed for a distance");
}

/* Counts allow 0 fraction digits: "1.0" has one, so it is rejected even though it is whole. */
static void test_money_parse_count_rejects_fraction(void)
{
	ASSERT_ACCEPTS("3", CB_DEC_COUNT, "3");
	ASSERT_REJECTS("1.0", CB_DEC_COUNT, "has 1 fraction digit, a count must be a whole number");
	ASSERT_REJECTS("2.50", CB_DEC_COUNT, "has 2 fraction digits, a count must be a whole number");
}

static void test_money_parse_ratio_range(void)
{
	ASSERT_ACCEPTS("0", CB_DEC_RATIO, "0.00");
	ASSERT_ACCEPTS("0.0000", CB_DEC_RATIO, "0.00");
	ASSERT_ACCEPTS("1", CB_DEC_RATIO, "1.00");
	ASSERT_ACCEPTS("1.0000", CB_DEC_RATIO, "1.00");
	ASSERT_REJECTS("1.0001", CB_DEC_RATIO, "ratio must be between 0 and 1");
	ASSERT_REJECTS("2", CB_DEC_RATIO, "ratio must be between 0 and 1");
	ASSERT_REJECTS("100000000000000000000000", CB_DEC_RATIO, "between 0 and 1");
	/* the grammar is checked before the range */
	ASSERT_REJECTS("-0.5", CB_DEC_RATIO, "sign not allowed");
}

static void test_money_parse_failure_leaves_zero_and_truncates_reason(void)
{
	cb_dec d;
	char why[8];

	cb_dec_init(&d);
	cb_dec_set_ui(&d, 42);
	CU_ASSERT_EQUAL(cb_dec_parse(&d, "-1", CB_DEC_QTY, NULL, 0), -1);
	CU_ASSERT_TRUE(cb_dec_is_zero(&d));
	cb_dec_set_ui(&d, 42);
	CU_ASSERT_EQUAL(cb_dec_parse(&d, "1.2345", CB_DEC_QTY, why, sizeof why), -1);
	CU_ASSERT_STRING_EQUAL(why, "has 4 f");
	CU_ASSERT_TRUE(cb_dec_is_zero(&d));
	CU_ASSERT_EQUAL(cb_dec_parse(&d, "x", CB_DEC_QTY, why, 0), -1);
	CU_ASSERT_STRING_EQUAL(why, "has 4 f"); /* whylen 0: untouched */
	CU_ASSERT_EQUAL(cb_dec_parse(&d, "12.5", CB_DEC_QTY, why, sizeof why), 0);
	ASSERT_TEXT(&d, CB_DEC_QTY, "12.5");
	cb_dec_clear(&d);
}

/* ---- [NUM-2] round2 ------------------------------------------------------------------ */

/* round2 of a parsed value (as a quantity or unit price) must be `expected`. */
static void check_round2(const char *text, cb_dec_kind kind, const char *expected,
			 const char *file, unsigned line)
{
	cb_dec d, r;
	cb_dec_init(&d);
	cb_dec_init(&r);
	cb_dec_round2(&r, dec_of(&d, text, kind));
	check_money(&r, expected, file, line);
	cb_dec_round2(&d, &d); /* in place gives the same */
	check_money(&d, expected, file, line);
	cb_dec_clear(&d);
	cb_dec_clear(&r);
}

#define ASSERT_ROUND2(text, kind, expected) \
	check_round2((text), (kind), (expected), __FILE__, __LINE__)

static void test_money_round2_half_up_edges(void)
{
	ASSERT_ROUND2("2.345", CB_DEC_QTY, "2.35");
	ASSERT_ROUND2("2.344", CB_DEC_QTY, "2.34");
	ASSERT_ROUND2("0.005", CB_DEC_QTY, "0.01");
	ASSERT_ROUND2("0.004", CB_DEC_QTY, "0.00");
	ASSERT_ROUND2("0.995", CB_DEC_QTY, "1.00");
	ASSERT_ROUND2("99.995", CB_DEC_QTY, "100.00");
	ASSERT_ROUND2("2.344999", CB_DEC_PRICE, "2.34");
	ASSERT_ROUND2("2.345001", CB_DEC_PRICE, "2.35");
	ASSERT_ROUND2("0.000001", CB_DEC_PRICE, "0.00");
	ASSERT_ROUND2("12.3", CB_DEC_QTY, "12.30");
	ASSERT_ROUND2("7", CB_DEC_QTY, "7.00");
	ASSERT_ROUND2("0", CB_DEC_QTY, "0.00");
	ASSERT_ROUND2("123456789012345678901234567890.125", CB_DEC_QTY,
		      "123456789012345678901234567890.13");
}

/* 2.3449999 and friends: values just below or above the half, built exactly. */
static void test_money_round2_just_below_half(void)
{
	cb_dec x, eps, r;
	cb_dec_init(&x);
	cb_dec_init(&eps);
	cb_dec_init(&r);

	tiny(&eps, 7); /* 2.345 - 0.0000001 = 2.3449999 */
	cb_dec_sub(&x, dec_of(&x, "2.345", CB_DEC_QTY), &eps);
	cb_dec_round2(&r, &x);
	ASSERT_MONEY(&r, "2.34");
	tiny(&eps, 30); /* far beyond an unsigned long denominator: the GMP fallback */
	cb_dec_sub(&x, dec_of(&x, "0.005", CB_DEC_QTY), &eps);
	cb_dec_round2(&r, &x);
	ASSERT_MONEY(&r, "0.00");
	cb_dec_add(&x, dec_of(&x, "0.005", CB_DEC_QTY), &eps);
	cb_dec_round2(&r, &x);
	ASSERT_MONEY(&r, "0.01");
	cb_dec_round2(&x, &eps);
	ASSERT_MONEY(&x, "0.00");

	cb_dec_clear(&x);
	cb_dec_clear(&eps);
	cb_dec_clear(&r);
}

static void test_money_round2_exact_products(void)
{
	ASSERT_PRODUCT("3", CB_DEC_QTY, "0.335", CB_DEC_PRICE, "1.01");        /* 1.005 */
	ASSERT_PRODUCT("21", CB_DEC_QTY, "0.28", CB_DEC_PRICE, "5.88");
	ASSERT_PRODUCT("21", CB_DEC_QTY, "0.03", CB_DEC_PRICE, "0.63");
	ASSERT_PRODUCT("0.1", CB_DEC_QTY, "0.05", CB_DEC_PRICE, "0.01");       /* 0.005 */
	ASSERT_PRODUCT("1.5", CB_DEC_QTY, "0.333333", CB_DEC_PRICE, "0.50");   /* 0.4999995 */
	ASSERT_PRODUCT("0.001", CB_DEC_QTY, "4.999999", CB_DEC_PRICE, "0.00"); /* 0.004999999 */
	ASSERT_PRODUCT("110.00", CB_DEC_MONEY, "0.7", CB_DEC_RATIO, "77.00");
	ASSERT_PRODUCT("0.05", CB_DEC_MONEY, "0.1", CB_DEC_RATIO, "0.01");     /* 0.005 */
	ASSERT_PRODUCT("0.05", CB_DEC_MONEY, "0.0999", CB_DEC_RATIO, "0.00");  /* 0.004995 */
	ASSERT_PRODUCT("57.50", CB_DEC_MONEY, "1", CB_DEC_RATIO, "57.50");
}

static void test_money_round2_negative_half_away_from_zero(void)
{
	cb_dec a, b, r;
	cb_dec_init(&a);
	cb_dec_init(&b);
	cb_dec_init(&r);

	cb_dec_sub(&r, dec_of(&a, "1", CB_DEC_QTY), dec_of(&b, "3.345", CB_DEC_QTY));
	cb_dec_round2(&r, &r);
	ASSERT_TEXT(&r, CB_DEC_MONEY, "-2.35");
	cb_dec_sub(&r, dec_of(&a, "1", CB_DEC_QTY), dec_of(&b, "3.344", CB_DEC_QTY));
	cb_dec_round2(&r, &r);
	ASSERT_TEXT(&r, CB_DEC_MONEY, "-2.34");
	cb_dec_sub(&r, dec_of(&a, "0", CB_DEC_QTY), dec_of(&b, "0.005", CB_DEC_QTY));
	cb_dec_round2(&r, &r);
	ASSERT_TEXT(&r, CB_DEC_MONEY, "-0.01");

	cb_dec_clear(&a);
	cb_dec_clear(&b);
	cb_dec_clear(&r);
}

static void test_money_mul_round2_aliasing(void)
{
	cb_dec a, b;
	cb_dec_init(&a);
	cb_dec_init(&b);

	dec_of(&a, "3", CB_DEC_QTY);
	cb_dec_mul_round2(&a, &a, dec_of(&b, "0.335", CB_DEC_PRICE));
	ASSERT_MONEY(&a, "1.01");
	dec_of(&a, "3", CB_DEC_QTY);
	cb_dec_mul_round2(&b, &a, &b);
	ASSERT_MONEY(&b, "1.01");
	dec_of(&a, "0.5", CB_DEC_QTY);
	cb_dec_mul_round2(&a, &a, &a); /* 0.25 */
	ASSERT_MONEY(&a, "0.25");

	cb_dec_clear(&a);
	cb_dec_clear(&b);
}

/* ---- [NUM-3] split ------------------------------------------------------------------- */

/* Deterministic generator (64-bit LCG, Knuth's MMIX constants) so failures reproduce. */
static unsigned long long lcg_next(unsigned long long *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return *state >> 16;
}

/* One generated case: part is round2 by an independent integer oracle, part+rest == amount. */
static void check_split_case(unsigned long long fen, unsigned long long ratio_bp)
{
	char amount_text[48], ratio_text[48], want[48];
	cb_dec amount, ratio, part, rest, sum;
	unsigned long long part_fen = (fen * ratio_bp + 5000) / 10000;

	snprintf(amount_text, sizeof amount_text, "%llu.%02llu", fen / 100, fen % 100);
	snprintf(ratio_text, sizeof ratio_text, "%llu.%04llu", ratio_bp / 10000, ratio_bp % 10000);
	snprintf(want, sizeof want, "%llu.%02llu", part_fen / 100, part_fen % 100);
	cb_dec_init(&amount);
	cb_dec_init(&ratio);
	cb_dec_init(&part);
	cb_dec_init(&rest);
	cb_dec_init(&sum);
	cb_dec_split(&part, &rest, dec_of(&amount, amount_text, CB_DEC_MONEY),
		     dec_of(&ratio, ratio_text, CB_DEC_RATIO));
	ASSERT_MONEY(&part, want);
	cb_dec_add(&sum, &part, &rest);
	CU_ASSERT_EQUAL(cb_dec_cmp(&sum, &amount), 0);
	CU_ASSERT_TRUE(cb_dec_sgn(&rest) >= 0 && cb_dec_cmp(&part, &amount) <= 0);
	cb_dec_clear(&amount);
	cb_dec_clear(&ratio);
	cb_dec_clear(&part);
	cb_dec_clear(&rest);
	cb_dec_clear(&sum);
}

static void test_money_split_parts_add_up_generated(void)
{
	unsigned long long state = 20231101ULL;
	for (int i = 0; i < 20000; i++) {
		unsigned long long fen = lcg_next(&state) % 10000000000ULL; /* < 10^8 yuan */
		if (i % 4 == 0)
			fen %= 1000; /* plenty of tiny amounts, where halves are frequent */
		check_split_case(fen, lcg_next(&state) % 10001);
	}
	check_split_case(1, 5000);  /* 0.005 -> 0.01 */
	check_split_case(1, 4999);  /* 0.004999 -> 0.00 */
	check_split_case(0, 10000);
	check_split_case(12345, 0);
	check_split_case(12345, 10000);
}

/* Splitting the product of a price and a quantity (3 fraction digits) also adds up. */
static void test_money_split_unrounded_amount_adds_up(void)
{
	cb_dec qty, price, amount, ratio, part, rest, sum;
	cb_dec *all[] = { &qty, &price, &amount, &ratio, &part, &rest, &sum };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		cb_dec_init(all[i]);

	cb_dec_mul(&amount, dec_of(&qty, "2.5", CB_DEC_QTY), dec_of(&price, "0.333333", CB_DEC_PRICE));
	cb_dec_split(&part, &rest, &amount, dec_of(&ratio, "0.5", CB_DEC_RATIO));
	ASSERT_MONEY(&part, "0.42"); /* 0.4166662... */
	cb_dec_add(&sum, &part, &rest);
	CU_ASSERT_EQUAL(cb_dec_cmp(&sum, &amount), 0);
	CU_ASSERT_FALSE(cb_dec_is_integer(&rest));

	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		cb_dec_clear(all[i]);
}

static void test_money_split_aliasing(void)
{
	cb_dec amount, ratio, other;
	cb_dec_init(&amount);
	cb_dec_init(&ratio);
	cb_dec_init(&other);

	/* part aliases amount */
	dec_of(&amount, "10.05", CB_DEC_MONEY);
	cb_dec_split(&amount, &other, &amount, dec_of(&ratio, "0.5", CB_DEC_RATIO));
	ASSERT_MONEY(&amount, "5.03");
	ASSERT_MONEY(&other, "5.02");
	/* rest aliases amount */
	dec_of(&amount, "10.05", CB_DEC_MONEY);
	cb_dec_split(&other, &amount, &amount, &ratio);
	ASSERT_MONEY(&other, "5.03");
	ASSERT_MONEY(&amount, "5.02");
	/* part aliases ratio, rest aliases amount */
	dec_of(&amount, "10.05", CB_DEC_MONEY);
	cb_dec_split(&ratio, &amount, &amount, &ratio);
	ASSERT_MONEY(&ratio, "5.03");
	ASSERT_MONEY(&amount, "5.02");
	/* rest aliases ratio */
	dec_of(&amount, "10.05", CB_DEC_MONEY);
	dec_of(&ratio, "0.5", CB_DEC_RATIO);
	cb_dec_split(&other, &ratio, &amount, &ratio);
	ASSERT_MONEY(&other, "5.03");
	ASSERT_MONEY(&ratio, "5.02");

	cb_dec_clear(&amount);
	cb_dec_clear(&ratio);
	cb_dec_clear(&other);
}

/* ---- [NUM-4] formatting -------------------------------------------------------------- */

static void test_money_format_each_kind(void)
{
	ASSERT_ACCEPTS("1234.5", CB_DEC_MONEY, "1234.50");
	ASSERT_ACCEPTS("10", CB_DEC_MONEY, "10.00");
	ASSERT_ACCEPTS("0.07", CB_DEC_MONEY, "0.07");
	ASSERT_ACCEPTS("1.50", CB_DEC_QTY, "1.5");
	ASSERT_ACCEPTS("2.000", CB_DEC_QTY, "2");
	ASSERT_ACCEPTS("0", CB_DEC_QTY, "0");
	ASSERT_ACCEPTS("0.001", CB_DEC_QTY, "0.001");
	ASSERT_ACCEPTS("100", CB_DEC_QTY, "100");
	ASSERT_ACCEPTS("7.50", CB_DEC_DISTANCE, "7.5");
	ASSERT_ACCEPTS("3", CB_DEC_DISTANCE, "3");
	ASSERT_ACCEPTS("12", CB_DEC_COUNT, "12");
	ASSERT_ACCEPTS("0", CB_DEC_COUNT, "0");
	ASSERT_ACCEPTS("0.2500", CB_DEC_PRICE, "0.25");
	ASSERT_ACCEPTS("10", CB_DEC_PRICE, "10.00");
	ASSERT_ACCEPTS("0.123456", CB_DEC_PRICE, "0.123456");
	ASSERT_ACCEPTS("0.120000", CB_DEC_PRICE, "0.12");
	ASSERT_ACCEPTS("0.100", CB_DEC_PRICE, "0.10");
	ASSERT_ACCEPTS("0.000001", CB_DEC_PRICE, "0.000001");
	ASSERT_ACCEPTS("0.1234", CB_DEC_RATIO, "0.1234");
	ASSERT_ACCEPTS("0.5", CB_DEC_RATIO, "0.50");
	ASSERT_ACCEPTS("0.0500", CB_DEC_RATIO, "0.05");
}

/* Values with more digits than the kind prints are rounded half up at the kind's limit. */
static void test_money_format_rounds_excess_digits(void)
{
	cb_dec a, b, r;
	cb_dec_init(&a);
	cb_dec_init(&b);
	cb_dec_init(&r);

	cb_dec_mul(&r, dec_of(&a, "0.5", CB_DEC_QTY), dec_of(&b, "0.001", CB_DEC_QTY));
	ASSERT_TEXT(&r, CB_DEC_QTY, "0.001");       /* 0.0005 */
	ASSERT_TEXT(&r, CB_DEC_DISTANCE, "0.001");
	ASSERT_TEXT(&r, CB_DEC_PRICE, "0.0005");
	ASSERT_TEXT(&r, CB_DEC_MONEY, "0.00");
	cb_dec_mul(&r, dec_of(&a, "2.345", CB_DEC_QTY), dec_of(&b, "1", CB_DEC_QTY));
	ASSERT_TEXT(&r, CB_DEC_MONEY, "2.35");      /* unrounded money: round2 first */
	ASSERT_TEXT(&r, CB_DEC_COUNT, "2");
	dec_of(&r, "2.5", CB_DEC_QTY);
	ASSERT_TEXT(&r, CB_DEC_COUNT, "3");
	cb_dec_mul(&r, dec_of(&a, "0.5", CB_DEC_QTY), dec_of(&b, "0.000001", CB_DEC_PRICE));
	ASSERT_TEXT(&r, CB_DEC_PRICE, "0.000001");  /* 0.0000005 */
	cb_dec_mul(&r, dec_of(&a, "0.4", CB_DEC_QTY), dec_of(&b, "0.000001", CB_DEC_PRICE));
	ASSERT_TEXT(&r, CB_DEC_PRICE, "0.00");      /* 0.0000004 */
	cb_dec_mul(&r, dec_of(&a, "0.12345", CB_DEC_PRICE), dec_of(&b, "1", CB_DEC_QTY));
	ASSERT_TEXT(&r, CB_DEC_RATIO, "0.1235");
	tiny(&r, 40);
	ASSERT_TEXT(&r, CB_DEC_QTY, "0");

	cb_dec_clear(&a);
	cb_dec_clear(&b);
	cb_dec_clear(&r);
}

static void test_money_format_negative(void)
{
	cb_dec a, b, r;
	cb_dec_init(&a);
	cb_dec_init(&b);
	cb_dec_init(&r);

	cb_dec_sub(&r, dec_of(&a, "1", CB_DEC_QTY), dec_of(&b, "2.5", CB_DEC_QTY));
	ASSERT_TEXT(&r, CB_DEC_MONEY, "-1.50");
	ASSERT_TEXT(&r, CB_DEC_QTY, "-1.5");
	ASSERT_TEXT(&r, CB_DEC_PRICE, "-1.50");
	cb_dec_sub(&r, dec_of(&a, "0", CB_DEC_QTY), dec_of(&b, "0.001", CB_DEC_QTY));
	ASSERT_TEXT(&r, CB_DEC_MONEY, "0.00");      /* no "-0.00" */
	ASSERT_TEXT(&r, CB_DEC_QTY, "-0.001");
	cb_dec_sub(&r, dec_of(&a, "0", CB_DEC_QTY), dec_of(&b, "2", CB_DEC_QTY));
	ASSERT_TEXT(&r, CB_DEC_COUNT, "-2");

	cb_dec_clear(&a);
	cb_dec_clear(&b);
	cb_dec_clear(&r);
}

static void test_money_format_snprintf_contract(void)
{
	cb_dec d;
	char buf[8];
	cb_dec_init(&d);
	dec_of(&d, "1234.5", CB_DEC_MONEY);

	CU_ASSERT_EQUAL(cb_dec_format(&d, CB_DEC_MONEY, NULL, 0), 7);
	memset(buf, 'x', sizeof buf);
	CU_ASSERT_EQUAL(cb_dec_format(&d, CB_DEC_MONEY, buf, 1), 7);
	CU_ASSERT_EQUAL(buf[0], '\0');
	CU_ASSERT_EQUAL(cb_dec_format(&d, CB_DEC_MONEY, buf, 5), 7);
	CU_ASSERT_STRING_EQUAL(buf, "1234");
	CU_ASSERT_EQUAL(cb_dec_format(&d, CB_DEC_MONEY, buf, 7), 7);
	CU_ASSERT_STRING_EQUAL(buf, "1234.5");
	CU_ASSERT_EQUAL(cb_dec_format(&d, CB_DEC_MONEY, buf, 8), 7);
	CU_ASSERT_STRING_EQUAL(buf, "1234.50");
	cb_dec_clear(&d);
}

/* ---- huge values --------------------------------------------------------------------- */

static void test_money_huge_product_exact(void)
{
	cb_dec qty, price, amount;
	cb_dec_init(&qty);
	cb_dec_init(&price);
	cb_dec_init(&amount);

	dec_of(&qty, "123456789012345678901234567890.125", CB_DEC_QTY);
	dec_of(&price, "98765.432109", CB_DEC_PRICE);
	cb_dec_mul(&amount, &qty, &price);
	/* 12193263113593964312359396431236092.059023625 exactly */
	ASSERT_TEXT(&amount, CB_DEC_PRICE, "12193263113593964312359396431236092.059024");
	ASSERT_TEXT(&amount, CB_DEC_QTY, "12193263113593964312359396431236092.059");
	ASSERT_TEXT(&amount, CB_DEC_MONEY, "12193263113593964312359396431236092.06");
	cb_dec_mul_round2(&amount, &qty, &price);
	ASSERT_MONEY(&amount, "12193263113593964312359396431236092.06");
	CU_ASSERT_FALSE(cb_dec_is_integer(&amount));

	dec_of(&qty, "999999999999999999999999999999.999", CB_DEC_QTY);
	cb_dec_mul(&amount, &qty, &qty);
	ASSERT_TEXT(&amount, CB_DEC_PRICE,
		    "999999999999999999999999999999998000000000000000000000000000.000001");
	ASSERT_TEXT(&amount, CB_DEC_MONEY,
		    "999999999999999999999999999999998000000000000000000000000000.00");

	cb_dec_clear(&qty);
	cb_dec_clear(&price);
	cb_dec_clear(&amount);
}

/* The documented retry: ask with a small buffer, then with the returned length + 1. */
static void test_money_huge_format_retry_bigger_buffer(void)
{
	const char *text = "123456789012345678901234567890123456789012345678901234567890.25";
	char small[16];
	cb_dec d;

	cb_dec_init(&d);
	dec_of(&d, text, CB_DEC_MONEY);
	size_t need = cb_dec_format(&d, CB_DEC_MONEY, small, sizeof small);
	CU_ASSERT_EQUAL(need, strlen(text));
	CU_ASSERT_EQUAL(strlen(small), sizeof small - 1);
	CU_ASSERT_EQUAL(strncmp(small, text, sizeof small - 1), 0);
	char *big = malloc(need + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	CU_ASSERT_EQUAL(cb_dec_format(&d, CB_DEC_MONEY, big, need + 1), need);
	CU_ASSERT_STRING_EQUAL(big, text);
	free(big);
	cb_dec_clear(&d);
}

/* Texts over 1000 digits take the mpz_set_str path; they must read exactly the same. */
static void test_money_huge_text_round_trip(void)
{
	enum { N = 3000 };
	char *text = malloc(N + 8), *back = malloc(N + 8);
	cb_dec d, small;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	cb_dec_init(&d);
	cb_dec_init(&small);
	for (size_t i = 0; i < N; i++)
		text[i] = (char)('1' + i % 9);
	strcpy(text + N, ".125");
	dec_of(&d, text, CB_DEC_QTY);
	CU_ASSERT_EQUAL(cb_dec_format(&d, CB_DEC_QTY, back, N + 8), N + 4);
	CU_ASSERT_STRING_EQUAL(back, text);
	text[N] = '\0'; /* no fraction */
	dec_of(&d, text, CB_DEC_COUNT);
	CU_ASSERT_EQUAL(cb_dec_format(&d, CB_DEC_COUNT, back, N + 8), N);
	CU_ASSERT_STRING_EQUAL(back, text);
	memset(text, '0', N); /* leading zeros only */
	strcpy(text + N - 2, "42.5");
	dec_of(&d, text, CB_DEC_MONEY);
	CU_ASSERT_EQUAL(cb_dec_cmp(&d, dec_of(&small, "42.5", CB_DEC_MONEY)), 0);
	ASSERT_TEXT(&d, CB_DEC_MONEY, "42.50");

	cb_dec_clear(&d);
	cb_dec_clear(&small);
	free(text);
	free(back);
}

static void test_money_to_ulong(void)
{
	cb_dec d, big;
	unsigned long v = 7;
	char text[32];

	cb_dec_init(&d);
	cb_dec_init(&big);
	CU_ASSERT_EQUAL(cb_dec_to_ulong(dec_of(&d, "42", CB_DEC_COUNT), &v), 0);
	CU_ASSERT_EQUAL(v, 42);
	CU_ASSERT_EQUAL(cb_dec_to_ulong(dec_of(&d, "4.000", CB_DEC_QTY), &v), 0);
	CU_ASSERT_EQUAL(v, 4);
	CU_ASSERT_EQUAL(cb_dec_to_ulong(dec_of(&d, "4.5", CB_DEC_QTY), &v), -1);
	CU_ASSERT_EQUAL(v, 4);
	snprintf(text, sizeof text, "%lu", ULONG_MAX);
	CU_ASSERT_EQUAL(cb_dec_to_ulong(dec_of(&d, text, CB_DEC_COUNT), &v), 0);
	CU_ASSERT_EQUAL(v, ULONG_MAX);
	cb_dec_set_ui(&big, 1);
	cb_dec_add(&big, &big, &d);
	CU_ASSERT_EQUAL(cb_dec_to_ulong(&big, &v), -1);
	cb_dec_sub(&d, dec_of(&big, "0", CB_DEC_COUNT), dec_of(&d, "3", CB_DEC_COUNT));
	CU_ASSERT_EQUAL(cb_dec_to_ulong(&d, &v), -1);
	cb_dec_clear(&d);
	cb_dec_clear(&big);
}

/* ---- comparison and plumbing --------------------------------------------------------- */

static void test_money_cmp_min_max(void)
{
	cb_dec a, b, r;
	cb_dec_init(&a);
	cb_dec_init(&b);
	cb_dec_init(&r);

	dec_of(&a, "2.50", CB_DEC_MONEY);
	dec_of(&b, "2.5", CB_DEC_QTY);
	CU_ASSERT_EQUAL(cb_dec_cmp(&a, &b), 0);
	dec_of(&b, "10.00", CB_DEC_MONEY);
	CU_ASSERT_EQUAL(cb_dec_cmp(&a, &b), -1);
	CU_ASSERT_EQUAL(cb_dec_cmp(&b, &a), 1);
	cb_dec_min(&r, &a, &b);
	ASSERT_MONEY(&r, "2.50");
	cb_dec_max(&r, &a, &b);
	ASSERT_MONEY(&r, "10.00");
	cb_dec_min(&a, &a, &b); /* aliasing the smaller */
	ASSERT_MONEY(&a, "2.50");
	cb_dec_max(&a, &a, &b); /* aliasing the smaller, result from the other */
	ASSERT_MONEY(&a, "10.00");
	cb_dec_min(&b, &b, &b);
	ASSERT_MONEY(&b, "10.00");

	cb_dec_clear(&a);
	cb_dec_clear(&b);
	cb_dec_clear(&r);
}

static void test_money_sign_zero_integer(void)
{
	cb_dec a, b;
	cb_dec_init(&a);
	cb_dec_init(&b);

	CU_ASSERT_TRUE(cb_dec_is_zero(&a)); /* init is 0 */
	CU_ASSERT_EQUAL(cb_dec_sgn(&a), 0);
	CU_ASSERT_TRUE(cb_dec_is_integer(&a));
	dec_of(&a, "0.01", CB_DEC_MONEY);
	CU_ASSERT_EQUAL(cb_dec_sgn(&a), 1);
	CU_ASSERT_FALSE(cb_dec_is_integer(&a));
	cb_dec_sub(&a, &b, &a);
	CU_ASSERT_EQUAL(cb_dec_sgn(&a), -1);
	CU_ASSERT_FALSE(cb_dec_is_zero(&a));
	CU_ASSERT_TRUE(cb_dec_is_integer(dec_of(&a, "3.000", CB_DEC_QTY)));

	cb_dec_clear(&a);
	cb_dec_clear(&b);
}

static void test_money_add_sub_set_aliasing(void)
{
	cb_dec a, b;
	cb_dec_init(&a);
	cb_dec_init(&b);

	dec_of(&a, "0.10", CB_DEC_MONEY);
	cb_dec_add(&a, &a, &a);
	ASSERT_MONEY(&a, "0.20");
	cb_dec_add(&a, &a, dec_of(&b, "0.1", CB_DEC_MONEY));
	ASSERT_MONEY(&a, "0.30"); /* exactly, unlike binary floating point */
	cb_dec_sub(&b, &a, &b);
	ASSERT_MONEY(&b, "0.20");
	cb_dec_sub(&b, &b, &b);
	ASSERT_MONEY(&b, "0.00");
	cb_dec_set(&b, &a);
	ASSERT_MONEY(&b, "0.30");
	cb_dec_set(&b, &b);
	ASSERT_MONEY(&b, "0.30");
	cb_dec_set_ui(&b, 1000000);
	ASSERT_MONEY(&b, "1000000.00");
	CU_ASSERT_STRING_EQUAL(cb_dec_kind_name(CB_DEC_PRICE), "unit price");
	CU_ASSERT_STRING_EQUAL(cb_dec_kind_name(CB_DEC_MONEY), "money amount");
	CU_ASSERT_STRING_EQUAL(cb_dec_kind_name((cb_dec_kind)99), "decimal");

	cb_dec_clear(&a);
	cb_dec_clear(&b);
}

/* ---- runner -------------------------------------------------------------------------- */

#define TEST(fn) { #fn, fn }

static CU_TestInfo money_tests[] = {
	TEST(test_money_parse_accepts_valid_forms),
	TEST(test_money_parse_rejects_empty_and_bare_dot),
	TEST(test_money_parse_rejects_sign),
	TEST(test_money_parse_rejects_exponent),
	TEST(test_money_parse_rejects_separators),
	TEST(test_money_parse_rejects_spaces),
	TEST(test_money_parse_rejects_two_dots),
	TEST(test_money_parse_rejects_letters_and_hex),
	TEST(test_money_parse_rejects_fullwidth_digit),
	TEST(test_money_parse_fraction_limits_per_kind),
	TEST(test_money_parse_count_rejects_fraction),
	TEST(test_money_parse_ratio_range),
	TEST(test_money_parse_failure_leaves_zero_and_truncates_reason),
	TEST(test_money_round2_half_up_edges),
	TEST(test_money_round2_just_below_half),
	TEST(test_money_round2_exact_products),
	TEST(test_money_round2_negative_half_away_from_zero),
	TEST(test_money_mul_round2_aliasing),
	TEST(test_money_split_parts_add_up_generated),
	TEST(test_money_split_unrounded_amount_adds_up),
	TEST(test_money_split_aliasing),
	TEST(test_money_format_each_kind),
	TEST(test_money_format_rounds_excess_digits),
	TEST(test_money_format_negative),
	TEST(test_money_format_snprintf_contract),
	TEST(test_money_huge_product_exact),
	TEST(test_money_huge_format_retry_bigger_buffer),
	TEST(test_money_huge_text_round_trip),
	TEST(test_money_to_ulong),
	TEST(test_money_cmp_min_max),
	TEST(test_money_sign_zero_integer),
	TEST(test_money_add_sub_set_aliasing),
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "money", NULL, NULL, NULL, NULL, money_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cb_test_main(suites);
}
