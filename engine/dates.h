/*
 * dates.h — calendar dates and local times ([NUM-5], [NUM-6]). A date is a day number
 * (days since 1970-01-01, proleptic Gregorian); a time is a day number and seconds within
 * the day. Everything is local time (Asia/Shanghai); no time zone arithmetic is needed.
 */
#ifndef CB_DATES_H
#define CB_DATES_H

#include <stdint.h>

typedef struct cb_time {
	int32_t day;   /* day number */
	int32_t secs;  /* seconds since midnight */
} cb_time;

/* "YYYY-MM-DD", a real calendar date, year 0001..9999. 0 on success, -1 otherwise. */
int cb_date_parse(const char *s, int32_t *day);
/* "YYYY-MM-DDTHH:MM" or "YYYY-MM-DDTHH:MM:SS". 0 on success, -1 otherwise. */
int cb_time_parse(const char *s, cb_time *t);
/* Write "YYYY-MM-DD" (11 bytes with NUL) for a day number. */
void cb_date_format(int32_t day, char out[11]);
int cb_date_year(int32_t day);
int cb_date_month(int32_t day);
/* Day number of the first day of the month after the one holding `day`. */
int32_t cb_date_next_month(int32_t day);
/* Day number of January 1st of `year`, and of the first day of `day`'s month. */
int32_t cb_date_year_start(int year);
int32_t cb_date_month_start(int32_t day);
/* Compare two times: <0, 0, >0. */
int cb_time_cmp(cb_time a, cb_time b);

#endif
