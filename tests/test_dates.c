/*
 * test_dates.c — CUnit suite for engine/dates.c ([NUM-5], [NUM-6]): strict parsing of dates
 * "YYYY-MM-DD" and times "YYYY-MM-DDTHH:MM[:SS]", the Gregorian leap-year rule, every
 * malformed form we can think of, the format/parse round trip over the whole supported range,
 * and the calendar helpers (year, month, month and year starts, next month, time order).
 * The program's exit status is the number of failed assertions.
 */
#include <CUnit/Basic.h>

#include "cb_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dates.h"

/* ---- helpers -------------------------------------------------------------------------- */

/* Record a pass/fail with a message that shows both values (CU_ASSERT_EQUAL does not). */
static void report(int ok, const char *what, const char *expected, const char *got,
		   const char *file, unsigned line)
{
	char msg[512];
	snprintf(msg, sizeof msg, "%s: expected %s, got %s", what, expected, got);
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, line, msg, file, "", CU_FALSE);
}

static void report_long(int ok, const char *what, long expected, long got, const char *file,
			unsigned line)
{
	char e[32], g[32];
	snprintf(e, sizeof e, "%ld", expected);
	snprintf(g, sizeof g, "%ld", got);
	report(ok, what, e, g, file, line);
}

#define ASSERT_LONG(what, expected, got)                                                  \
	report_long((long)(expected) == (long)(got), (what), (long)(expected), (long)(got), \
		    __FILE__, __LINE__)

/* A date that must parse, and format back to the same text. */
static void check_date_ok(const char *text, const char *file, unsigned line)
{
	int32_t day = -999999;
	char back[11] = "";
	int rc = cb_date_parse(text, &day);
	if (rc == 0)
		cb_date_format(day, back);
	report(rc == 0 && strcmp(back, text) == 0, "date accepted and formatted back", text,
	       rc == 0 ? back : "rejected", file, line);
}

/* A date that must be rejected without touching the output. */
static void check_date_bad(const char *text, const char *file, unsigned line)
{
	int32_t day = 4242;
	int rc = cb_date_parse(text, &day);
	char shown[64];
	snprintf(shown, sizeof shown, "rc %d, day %ld", rc, (long)day);
	report(rc == -1 && day == 4242, text ? text : "(null)", "rejected (rc -1, day untouched)",
	       shown, file, line);
}

/* A time that must parse into (date of `day_text`, secs). */
static void check_time_ok(const char *text, const char *day_text, long secs, const char *file,
			  unsigned line)
{
	cb_time t = {-1, -1};
	int32_t want_day = 0;
	int rc = cb_time_parse(text, &t);
	cb_date_parse(day_text, &want_day);
	char got[64], want[64];
	snprintf(got, sizeof got, "rc %d day %ld secs %ld", rc, (long)t.day, (long)t.secs);
	snprintf(want, sizeof want, "rc 0 day %ld secs %ld", (long)want_day, secs);
	report(rc == 0 && t.day == want_day && t.secs == secs, text, want, got, file, line);
}

static void check_time_bad(const char *text, const char *file, unsigned line)
{
	cb_time t = {4242, 4242};
	int rc = cb_time_parse(text, &t);
	char shown[64];
	snprintf(shown, sizeof shown, "rc %d day %ld secs %ld", rc, (long)t.day, (long)t.secs);
	report(rc == -1 && t.day == 4242 && t.secs == 4242, text ? text : "(null)",
	       "rejected (rc -1, output untouched)", shown, file, line);
}

#define DATE_OK(s) check_date_ok((s), __FILE__, __LINE__)
#define DATE_BAD(s) check_date_bad((s), __FILE__, __LINE__)
#define TIME_OK(s, d, secs) check_time_ok((s), (d), (secs), __FILE__, __LINE__)
#define TIME_BAD(s) check_time_bad((s), __FILE__, __LINE__)

static int32_t day_of(const char *text)
{
	int32_t d = 0;
	if (cb_date_parse(text, &d) != 0) {
		char msg[128];
		snprintf(msg, sizeof msg, "fixture date '%s' does not parse", text);
		CU_assertImplementation(CU_FALSE, __LINE__, msg, __FILE__, "", CU_FALSE);
	}
	return d;
}

static void check_formats_as(int32_t day, const char *expected, const char *file,
			     unsigned line)
{
	char got[11];
	cb_date_format(day, got);
	report(strcmp(got, expected) == 0, "formatted day", expected, got, file, line);
}

#define ASSERT_DAY(day, expected) check_formats_as((day), (expected), __FILE__, __LINE__)

/* ---- valid dates and times ----------------------------------------------------------- */

static void test_dates_accepts_valid_dates(void)
{
	DATE_OK("2026-11-01");
	DATE_OK("2026-01-31");
	DATE_OK("2026-03-31");
	DATE_OK("2026-04-30");
	DATE_OK("2026-12-31");
	DATE_OK("0001-01-01");
	DATE_OK("9999-12-31");
	DATE_OK("1970-01-01");
	DATE_OK("1969-12-31");
}

static void test_dates_epoch_is_day_zero(void)
{
	ASSERT_LONG("1970-01-01", 0, day_of("1970-01-01"));
	ASSERT_LONG("1970-01-02", 1, day_of("1970-01-02"));
	ASSERT_LONG("1969-12-31", -1, day_of("1969-12-31"));
	ASSERT_LONG("2000-03-01", 11017, day_of("2000-03-01"));
	ASSERT_LONG("2026-11-01", 20758, day_of("2026-11-01"));
}

static void test_dates_accepts_valid_times(void)
{
	TIME_OK("2026-11-01T00:00", "2026-11-01", 0);
	TIME_OK("2026-11-01T09:30", "2026-11-01", 9 * 3600 + 30 * 60);
	TIME_OK("2026-11-01T23:59", "2026-11-01", 23 * 3600 + 59 * 60);
	TIME_OK("2026-11-01T23:59:59", "2026-11-01", 86399);
	TIME_OK("2026-11-01T00:00:00", "2026-11-01", 0);
	TIME_OK("2026-11-01T12:00:01", "2026-11-01", 43201);
	TIME_OK("2024-02-29T10:00", "2024-02-29", 36000);
}

/* ---- leap years ---------------------------------------------------------------------- */

static void test_dates_leap_years(void)
{
	DATE_OK("2024-02-29");  /* divisible by 4 */
	DATE_OK("2000-02-29");  /* divisible by 400 */
	DATE_OK("1600-02-29");
	DATE_OK("0004-02-29");
	DATE_OK("2026-02-28");
	DATE_BAD("2026-02-29"); /* not divisible by 4 */
	DATE_BAD("2100-02-29"); /* divisible by 100, not by 400 */
	DATE_BAD("1900-02-29");
	DATE_BAD("2023-02-29");
	DATE_BAD("2024-02-30");
	DATE_BAD("2000-02-30");
	TIME_BAD("2026-02-29T10:00");
	TIME_BAD("2100-02-29T10:00:00");
	TIME_OK("2000-02-29T00:00:00", "2000-02-29", 0);
	ASSERT_LONG("2024-02-29 + 1 = 2024-03-01", day_of("2024-02-29") + 1, day_of("2024-03-01"));
	ASSERT_LONG("2100-02-28 + 1 = 2100-03-01", day_of("2100-02-28") + 1, day_of("2100-03-01"));
}

static void test_dates_rejects_day_past_month_end(void)
{
	DATE_BAD("2026-02-30"); /* SPEC's own example */
	DATE_BAD("2026-02-31");
	DATE_BAD("2026-04-31");
	DATE_BAD("2026-06-31");
	DATE_BAD("2026-09-31");
	DATE_BAD("2026-11-31");
	DATE_BAD("2026-01-32");
	DATE_BAD("2026-12-32");
	DATE_BAD("2026-01-00");
	DATE_BAD("2026-00-10");
	DATE_BAD("2026-13-01");
	DATE_BAD("2026-99-99");
	DATE_BAD("0000-01-01"); /* year 0001..9999 */
}

/* ---- malformed forms ----------------------------------------------------------------- */

static void test_dates_rejects_wrong_lengths(void)
{
	DATE_BAD("");
	DATE_BAD(NULL);
	DATE_BAD("2026");
	DATE_BAD("2026-11");
	DATE_BAD("2026-11-0");
	DATE_BAD("2026-11-011");
	DATE_BAD("02026-11-01");
	DATE_BAD("2026-11-01T10:00"); /* a time is not a date */
	DATE_BAD("2026-11-01 ");
	TIME_BAD("");
	TIME_BAD(NULL);
	TIME_BAD("2026-11-01");       /* a date is not a time */
	TIME_BAD("2026-11-01T10");
	TIME_BAD("2026-11-01T10:0");
	TIME_BAD("2026-11-01T10:00:");
	TIME_BAD("2026-11-01T10:00:0");
	TIME_BAD("2026-11-01T10:00:000");
	TIME_BAD("2026-11-01T10:00:00Z");
	TIME_BAD("2026-11-01T10:00:00+08:00");
	TIME_BAD("2026-11-01T10:00:00.5");
}

static void test_dates_rejects_missing_zero_padding(void)
{
	DATE_BAD("2026-1-01");
	DATE_BAD("2026-11-1");
	DATE_BAD("2026-1-1");
	DATE_BAD("26-11-01");
	DATE_BAD("226-11-01");
	TIME_BAD("2026-11-01T9:30");
	TIME_BAD("2026-11-01T09:3");
	TIME_BAD("2026-11-01T9:3");
	TIME_BAD("2026-11-01T09:30:5");
	TIME_BAD("2026-11-1T09:30");
}

static void test_dates_rejects_letters_and_signs(void)
{
	DATE_BAD("2026-II-01");
	DATE_BAD("2O26-11-01"); /* letter O */
	DATE_BAD("2026-11-0l"); /* letter l */
	DATE_BAD("abcd-ef-gh");
	DATE_BAD("+026-11-01");
	DATE_BAD("-026-11-01");
	DATE_BAD("2026-+1-01");
	DATE_BAD("2026-11--1");
	DATE_BAD("2026/11/01");
	DATE_BAD("2026.11.01");
	DATE_BAD("20261101xx");
	DATE_BAD("2026-11-01\n");
	DATE_BAD("\xef\xbc\x92\x30\x32\x36-11-01"); /* full-width digit 2 */
	TIME_BAD("2026-11-01Tab:cd");
	TIME_BAD("2026-11-01T1a:00");
	TIME_BAD("2026-11-01T10:0x");
	TIME_BAD("2026-11-01T10:00:xx");
	TIME_BAD("2026-11-01T+1:00");
	TIME_BAD("2026-11-01T10-00");
	TIME_BAD("2026-11-01T10.00");
	TIME_BAD("2026-11-01T10:00-00");
}

static void test_dates_rejects_out_of_range_clock(void)
{
	TIME_BAD("2026-11-01T24:00");
	TIME_BAD("2026-11-01T24:00:00");
	TIME_BAD("2026-11-01T23:60");
	TIME_BAD("2026-11-01T23:59:60"); /* no leap seconds */
	TIME_BAD("2026-11-01T23:59:99");
	TIME_BAD("2026-11-01T99:00");
	TIME_BAD("2026-11-01T00:61");
	TIME_BAD("2026-13-01T10:00");
	TIME_BAD("2026-02-30T10:00");
}

static void test_dates_rejects_missing_t_and_spaces(void)
{
	TIME_BAD("2026-11-01 10:00");
	TIME_BAD("2026-11-01t10:00"); /* lower-case t */
	TIME_BAD("2026-11-01_10:00");
	TIME_BAD("2026-11-0110:00:00");
	TIME_BAD("2026-11-01T 10:00");
	TIME_BAD(" 2026-11-01T10:00");
	TIME_BAD("2026-11-01T10:00 ");
	TIME_BAD("2026-11-01T10 :00");
	TIME_BAD("2026-11-01\t10:00");
	DATE_BAD(" 2026-11-01");
	DATE_BAD("2026-11-01 ");
	DATE_BAD("2026 11 01");
	DATE_BAD("2026-11- 1");
	DATE_BAD("2026- 1-01");
	DATE_BAD(" 026-11-01");
}

/* ---- round trip ---------------------------------------------------------------------- */

/* Every day from 0001-01-01 to 9999-12-31: format, parse back, and days are consecutive. */
static void test_dates_round_trip_whole_range(void)
{
	int32_t first = day_of("0001-01-01"), last = day_of("9999-12-31");
	char prev[11] = "", text[11];
	long failures = 0;
	char first_failure[128] = "";
	for (int32_t d = first; d <= last; d++) {
		int32_t back = 0;
		cb_date_format(d, text);
		int ok = cb_date_parse(text, &back) == 0 && back == d && strcmp(prev, text) < 0;
		cb_time t;
		char tt[20];
		snprintf(tt, sizeof tt, "%sT12:34:56", text);
		ok = ok && cb_time_parse(tt, &t) == 0 && t.day == d && t.secs == 45296;
		if (!ok && failures++ == 0)
			snprintf(first_failure, sizeof first_failure, "day %ld -> '%s' -> %ld",
				 (long)d, text, (long)back);
		memcpy(prev, text, sizeof prev);
	}
	report(failures == 0, "round trip over every day", "no failure", first_failure, __FILE__,
	       __LINE__);
	ASSERT_LONG("days from 0001-01-01 to 9999-12-31", 3652058L, (long)(last - first));
	ASSERT_DAY(first, "0001-01-01");
	ASSERT_DAY(last, "9999-12-31");
}

/* Each month has the number of days the calendar says: day 1 of the next month follows its
 * last day, and the day after the last does not parse. */
static void test_dates_month_lengths(void)
{
	static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	static const int years[] = {1900, 2000, 2023, 2024, 2026, 2100, 2400};
	for (size_t y = 0; y < sizeof years / sizeof years[0]; y++) {
		int yr = years[y];
		int leap = (yr % 4 == 0 && yr % 100 != 0) || yr % 400 == 0;
		for (int m = 1; m <= 12; m++) {
			int n = dim[m - 1] + (m == 2 && leap);
			char last[40], over[40];
			snprintf(last, sizeof last, "%04d-%02d-%02d", yr, m, n);
			snprintf(over, sizeof over, "%04d-%02d-%02d", yr, m, n + 1);
			DATE_OK(last);
			DATE_BAD(over);
			int32_t d = day_of(last);
			char first_next[40];
			if (m == 12)
				snprintf(first_next, sizeof first_next, "%04d-01-01", yr + 1);
			else
				snprintf(first_next, sizeof first_next, "%04d-%02d-01", yr, m + 1);
			ASSERT_DAY(d + 1, first_next);
		}
	}
}

/* ---- calendar helpers ---------------------------------------------------------------- */

static void test_dates_year_and_month_helpers(void)
{
	ASSERT_LONG("year of 2026-11-30", 2026, cb_date_year(day_of("2026-11-30")));
	ASSERT_LONG("month of 2026-11-30", 11, cb_date_month(day_of("2026-11-30")));
	ASSERT_LONG("year of 2026-12-31", 2026, cb_date_year(day_of("2026-12-31")));
	ASSERT_LONG("year of 2027-01-01", 2027, cb_date_year(day_of("2027-01-01")));
	ASSERT_LONG("month of 2027-01-01", 1, cb_date_month(day_of("2027-01-01")));
	ASSERT_LONG("month of 2024-02-29", 2, cb_date_month(day_of("2024-02-29")));
	ASSERT_LONG("year of 1969-12-31", 1969, cb_date_year(day_of("1969-12-31")));
	ASSERT_LONG("year of 0001-01-01", 1, cb_date_year(day_of("0001-01-01")));
	ASSERT_LONG("year of 9999-12-31", 9999, cb_date_year(day_of("9999-12-31")));
	ASSERT_LONG("month of 9999-12-31", 12, cb_date_month(day_of("9999-12-31")));

	ASSERT_DAY(cb_date_year_start(2026), "2026-01-01");
	ASSERT_DAY(cb_date_year_start(2000), "2000-01-01");
	ASSERT_DAY(cb_date_year_start(1970), "1970-01-01");
	ASSERT_LONG("year_start(1970)", 0, cb_date_year_start(1970));
	ASSERT_DAY(cb_date_month_start(day_of("2026-11-17")), "2026-11-01");
	ASSERT_DAY(cb_date_month_start(day_of("2026-11-01")), "2026-11-01");
	ASSERT_DAY(cb_date_month_start(day_of("2024-02-29")), "2024-02-01");
	ASSERT_DAY(cb_date_month_start(day_of("2026-12-31")), "2026-12-01");
	ASSERT_DAY(cb_date_month_start(day_of("0001-01-01")), "0001-01-01");

	/* every day of 2023..2025 agrees with its own text */
	for (int32_t d = day_of("2023-01-01"); d < day_of("2026-01-01"); d++) {
		char text[11];
		cb_date_format(d, text);
		int y = atoi(text), m = atoi(text + 5);
		if (cb_date_year(d) != y || cb_date_month(d) != m) {
			report(0, "year/month of", text, "a different year or month", __FILE__,
			       __LINE__);
			break;
		}
	}
}

static void test_dates_next_month_across_december(void)
{
	ASSERT_DAY(cb_date_next_month(day_of("2026-12-01")), "2027-01-01");
	ASSERT_DAY(cb_date_next_month(day_of("2026-12-15")), "2027-01-01");
	ASSERT_DAY(cb_date_next_month(day_of("2026-12-31")), "2027-01-01");
	ASSERT_DAY(cb_date_next_month(day_of("2026-11-30")), "2026-12-01");
	ASSERT_DAY(cb_date_next_month(day_of("2026-11-01")), "2026-12-01");
	ASSERT_DAY(cb_date_next_month(day_of("2026-01-31")), "2026-02-01");
	ASSERT_DAY(cb_date_next_month(day_of("2024-02-29")), "2024-03-01");
	ASSERT_DAY(cb_date_next_month(day_of("2026-02-28")), "2026-03-01");
	ASSERT_DAY(cb_date_next_month(day_of("1969-12-31")), "1970-01-01");
	ASSERT_DAY(cb_date_next_month(day_of("9998-12-31")), "9999-01-01");

	/* walking month by month from 2020-01 reaches 2031-01 in 132 steps, each on a 1st */
	int32_t d = day_of("2020-01-01");
	int steps = 0;
	while (d < day_of("2031-01-01") && steps < 1000) {
		int32_t next = cb_date_next_month(d);
		char text[11];
		cb_date_format(next, text);
		if (text[8] != '0' || text[9] != '1' || next <= d || next - d > 31 || next - d < 28) {
			report(0, "next month is the 1st, 28..31 days later", "YYYY-MM-01", text,
			       __FILE__, __LINE__);
			break;
		}
		d = next;
		steps++;
	}
	ASSERT_LONG("months from 2020-01 to 2031-01", 132, steps);
}

static void test_dates_time_cmp(void)
{
	cb_time a, b;
	cb_time_parse("2026-11-01T10:00", &a);
	cb_time_parse("2026-11-01T10:00:00", &b);
	ASSERT_LONG("equal times (with and without seconds)", 0, cb_time_cmp(a, b));
	cb_time_parse("2026-11-01T10:00:01", &b);
	ASSERT_LONG("a < b by one second", -1, cb_time_cmp(a, b) < 0 ? -1 : cb_time_cmp(a, b));
	ASSERT_LONG("b > a", 1, cb_time_cmp(b, a) > 0 ? 1 : cb_time_cmp(b, a));
	cb_time_parse("2026-10-31T23:59:59", &b);
	ASSERT_LONG("earlier day, later clock", 1, cb_time_cmp(a, b) > 0 ? 1 : cb_time_cmp(a, b));
	cb_time_parse("2026-11-02T00:00", &b);
	ASSERT_LONG("later day, earlier clock", -1, cb_time_cmp(a, b) < 0 ? -1 : cb_time_cmp(a, b));
	cb_time_parse("1969-12-31T23:59", &a);
	cb_time_parse("1970-01-01T00:00", &b);
	ASSERT_LONG("across the epoch", -1, cb_time_cmp(a, b) < 0 ? -1 : cb_time_cmp(a, b));
}

/* ---- runner -------------------------------------------------------------------------- */

#define TEST(fn) { #fn, fn }

static CU_TestInfo dates_tests[] = {
	TEST(test_dates_accepts_valid_dates),
	TEST(test_dates_epoch_is_day_zero),
	TEST(test_dates_accepts_valid_times),
	TEST(test_dates_leap_years),
	TEST(test_dates_rejects_day_past_month_end),
	TEST(test_dates_rejects_wrong_lengths),
	TEST(test_dates_rejects_missing_zero_padding),
	TEST(test_dates_rejects_letters_and_signs),
	TEST(test_dates_rejects_out_of_range_clock),
	TEST(test_dates_rejects_missing_t_and_spaces),
	TEST(test_dates_round_trip_whole_range),
	TEST(test_dates_month_lengths),
	TEST(test_dates_year_and_month_helpers),
	TEST(test_dates_next_month_across_december),
	TEST(test_dates_time_cmp),
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "dates", NULL, NULL, NULL, NULL, dates_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cb_test_main(suites);
}
