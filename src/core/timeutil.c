#include "core/timeutil.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static _Atomic int64_t clock_offset_ms;

void time_set_offset_ms(int64_t off)
{
	atomic_store(&clock_offset_ms, off);
}

int64_t time_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + atomic_load(&clock_offset_ms);
}

int64_t time_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t time_mono_coarse_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static char *digits(char *o, int v, int n)
{
	for (int i = n - 1; i >= 0; i--, v /= 10)
		o[i] = (char)('0' + v % 10);
	return o + n;
}

/* The proleptic Gregorian date of a day number (days since 1970-01-01), by eras of
 * 400 years (146097 days) that repeat exactly. gmtime_r does the same behind glibc's
 * time-zone lock. */
static void civil(int64_t days, long *y, int *m, int *d)
{
	days += 719468; /* from 0000-03-01, so a leap day ends its year */
	int64_t era = (days >= 0 ? days : days - 146096) / 146097;
	int64_t doe = days - era * 146097;                                     /* [0, 146096] */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                 /* [0, 365] */
	int64_t mp = (5 * doy + 2) / 153;                                      /* March = 0 */
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (long)(yoe + era * 400 + (*m <= 2));
}

/* Written by hand: on the token-verify path, snprintf cost more than the rest of the
 * answer. The year has at least four digits, more when it needs them (a token's exp
 * may lie far ahead); out has room for 32 bytes, which any year up to 99999999 fits. */
void time_iso8601(char *out, int64_t unix_ms, bool millis)
{
	int64_t s = unix_ms / 1000 - (unix_ms % 1000 < 0), sod = s % 86400;
	int64_t days = s / 86400 - (sod < 0);
	if (sod < 0)
		sod += 86400;
	struct tm tm = {.tm_hour = (int)(sod / 3600), .tm_min = (int)(sod / 60 % 60), .tm_sec = (int)(sod % 60)};
	long year;
	civil(days, &year, &tm.tm_mon, &tm.tm_mday);
	tm.tm_mon--;
	if (year < 0 || year > 99999999)
		year = 0;
	int ny = 4;
	for (long y = year; y >= 10000; y /= 10)
		ny++;
	char *o = out;
	for (int i = ny - 1; i >= 0; i--, year /= 10)
		o[i] = (char)('0' + year % 10);
	o += ny;
	*o++ = '-';
	o = digits(o, tm.tm_mon + 1, 2);
	*o++ = '-';
	o = digits(o, tm.tm_mday, 2);
	*o++ = 'T';
	o = digits(o, tm.tm_hour, 2);
	*o++ = ':';
	o = digits(o, tm.tm_min, 2);
	*o++ = ':';
	o = digits(o, tm.tm_sec, 2);
	if (millis) {
		*o++ = '.';
		o = digits(o, (int)(((unix_ms % 1000) + 1000) % 1000), 3);
	}
	*o++ = 'Z';
	*o = 0;
}

int time_parse_iso8601(const char *s, int64_t *unix_ms)
{
	struct tm tm = {0};
	int ms = 0, used = 0;
	if (!s ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
	           &tm.tm_sec, &used) != 6 ||
	    used != 19)
		return -1;
	const char *p = s + used;
	if (*p == '.') {
		int digits = 0;
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*p - '0');
		if (!digits)
			return -1;
		for (; digits < 3; digits++)
			ms *= 10;
	}
	if (strcmp(p, "Z") != 0 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*unix_ms = (int64_t)timegm(&tm) * 1000 + ms;
	return 0;
}
