/*
 * dates.c — strict parsing of [NUM-5] dates and times, and the few calendar operations the
 * tracks need (year, month boundaries). Day numbers use the days-from-civil algorithm.
 */
#include "dates.h"

#include <stdio.h>
#include <string.h>

static int32_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	int yoe = y - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int32_t z, int *y, int *m, int *d)
{
	z += 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	int doe = z - era * 146097;
	int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp + (mp < 10 ? 3 : -9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Read exactly n ASCII digits. */
static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int parse_ymd(const char *s, int *y, int *m, int *d)
{
	if (digits(s, 4, y) || s[4] != '-' || digits(s + 5, 2, m) || s[7] != '-' ||
	    digits(s + 8, 2, d))
		return -1;
	if (*y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m))
		return -1;
	return 0;
}

int cb_date_parse(const char *s, int32_t *day)
{
	int y, m, d;
	if (!s || strlen(s) != 10 || parse_ymd(s, &y, &m, &d))
		return -1;
	*day = days_from_civil(y, m, d);
	return 0;
}

int cb_time_parse(const char *s, cb_time *t)
{
	int y, mo, d, hh, mi, ss = 0;
	size_t len = s ? strlen(s) : 0;
	if (len != 16 && len != 19)
		return -1;
	if (parse_ymd(s, &y, &mo, &d) || s[10] != 'T' || digits(s + 11, 2, &hh) ||
	    s[13] != ':' || digits(s + 14, 2, &mi))
		return -1;
	if (len == 19 && (s[16] != ':' || digits(s + 17, 2, &ss)))
		return -1;
	if (hh > 23 || mi > 59 || ss > 59)
		return -1;
	t->day = days_from_civil(y, mo, d);
	t->secs = hh * 3600 + mi * 60 + ss;
	return 0;
}

void cb_date_format(int32_t day, char out[11])
{
	int y, m, d;
	civil_from_days(day, &y, &m, &d);
	/* y is 1..9999 for every date that parsed; m and d are in range by construction */
	unsigned uy = (unsigned)y % 10000u, um = (unsigned)m % 100u, ud = (unsigned)d % 100u;
	out[0] = (char)('0' + uy / 1000), out[1] = (char)('0' + uy / 100 % 10);
	out[2] = (char)('0' + uy / 10 % 10), out[3] = (char)('0' + uy % 10);
	out[4] = '-', out[5] = (char)('0' + um / 10), out[6] = (char)('0' + um % 10);
	out[7] = '-', out[8] = (char)('0' + ud / 10), out[9] = (char)('0' + ud % 10);
	out[10] = '\0';
}

int cb_date_year(int32_t day)
{
	int y, m, d;
	civil_from_days(day, &y, &m, &d);
	return y;
}

int cb_date_month(int32_t day)
{
	int y, m, d;
	civil_from_days(day, &y, &m, &d);
	return m;
}

int32_t cb_date_next_month(int32_t day)
{
	int y, m, d;
	civil_from_days(day, &y, &m, &d);
	return m == 12 ? days_from_civil(y + 1, 1, 1) : days_from_civil(y, m + 1, 1);
}

int32_t cb_date_year_start(int year)
{
	return days_from_civil(year, 1, 1);
}

int32_t cb_date_month_start(int32_t day)
{
	int y, m, d;
	civil_from_days(day, &y, &m, &d);
	return days_from_civil(y, m, 1);
}

int cb_time_cmp(cb_time a, cb_time b)
{
	if (a.day != b.day)
		return a.day < b.day ? -1 : 1;
	return (a.secs > b.secs) - (a.secs < b.secs);
}
