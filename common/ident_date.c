/*
 * ident_date.c - calendar dates of the ident rules (see ident.h): parsing
 * "YYYY-MM-DD", comparing, formatting, the date at a Unix time in a zone, and
 * the Chinese whole-years age. Proleptic Gregorian, years 1900..9999.
 */
#include "ident_int.h"
#include "util.h"

#include <stdio.h>

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* NULL for a real date in the supported years, else why it is not. */
static const char *date_problem(int y, int m, int d)
{
    const char *problem = NULL;

    if (y < IDENT_YEAR_MIN)
        problem = "year is before 1900";
    else if (y > IDENT_YEAR_MAX)
        problem = "year is after 9999";
    else if (m < 1 || m > 12)
        problem = "month is not 01 to 12";
    else if (d < 1)
        problem = "day is 00";
    else if (m == 2 && d == 29 && !is_leap(y))
        problem = "february 29 in a non-leap year";
    else if (d > days_in_month(y, m))
        problem = "day is past the end of the month";
    return problem;
}

int ident_date_valid(const struct ident_date *d)
{
    return d != NULL && date_problem(d->year, d->month, d->day) == NULL;
}

int ident_date_parse(const char *s, size_t len, struct ident_date *out, char *why, size_t whylen)
{
    const struct ident_fixed shape = {"date", "", 10, " (YYYY-MM-DD)", 0, 0};
    int rc;
    struct ident_date d;
    const char *problem;

    clear_why(why, whylen);
    rc = ident_fixed_check(&shape, out != NULL ? s : NULL, len, why, whylen);
    if (rc != IDENT_OK)
        goto out;
    for (size_t i = 0; i < len; i++) {
        int dash = i == 4 || i == 7;

        if (dash && s[i] != '-') {
            jp_errf(why, whylen, "character %zu is not '-'", i + 1);
            rc = IDENT_EFORMAT;
            goto out;
        }
        if (!dash && !is_digit((unsigned char)s[i])) {
            jp_errf(why, whylen, "character %zu is not a digit", i + 1);
            rc = IDENT_ECHAR;
            goto out;
        }
    }
    d.year = digits_value(s, 4);
    d.month = digits_value(s + 5, 2);
    d.day = digits_value(s + 8, 2);
    problem = date_problem(d.year, d.month, d.day);
    if (problem != NULL) {
        jp_errf(why, whylen, "%s", problem);
        rc = IDENT_EDATE;
        goto out;
    }
    *out = d;
out:
    return rc;
}

int ident_date_cmp(const struct ident_date *a, const struct ident_date *b)
{
    long ka = (long)a->year * 10000 + a->month * 100 + a->day;
    long kb = (long)b->year * 10000 + b->month * 100 + b->day;

    return (ka > kb) - (ka < kb);
}

int ident_date_format(const struct ident_date *d, char *out, size_t outsz)
{
    int rc = IDENT_OK;
    int n;

    clear_out(out, outsz);
    if (!ident_date_valid(d) || out == NULL) {
        rc = IDENT_EINVAL;
        goto out;
    }
    if (outsz < IDENT_DATE_SIZE) {
        rc = IDENT_ENOSPC;
        goto out;
    }
    n = snprintf(out, outsz, "%04d-%02d-%02d", d->year, d->month, d->day);
    if (n != IDENT_DATE_SIZE - 1) {
        clear_out(out, outsz);
        rc = IDENT_ENOSPC;
    }
out:
    return rc;
}

/* Unix seconds of 1900-01-01 and of 10000-01-01, the supported range. */
#define UNIX_1900 (-2208988800LL)
#define UNIX_10000 (253402300800LL)

int ident_date_from_unix(int64_t secs, int offset_seconds, struct ident_date *out)
{
    int rc = IDENT_OK;
    int64_t local, days, era, doe, yoe, doy, mp, y, m, d;

    if (out == NULL || offset_seconds < -86400 || offset_seconds > 86400) {
        rc = IDENT_EINVAL;
        goto out;
    }
    if (secs < UNIX_1900 - 86400 || secs >= UNIX_10000 + 86400) {
        rc = IDENT_EDATE;
        goto out;
    }
    /* civil_from_days, H. Hinnant, "chrono-Compatible Low-Level Date Algorithms" */
    local = secs + offset_seconds;
    days = (local >= 0 ? local : local - 86399) / 86400 + 719468;
    era = (days >= 0 ? days : days - 146096) / 146097;
    doe = days - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = yoe + era * 400 + (m <= 2);
    if (y < IDENT_YEAR_MIN || y > IDENT_YEAR_MAX) {
        rc = IDENT_EDATE;
        goto out;
    }
    out->year = (int)y;
    out->month = (int)m;
    out->day = (int)d;
out:
    return rc;
}

int ident_age_on(const struct ident_date *birth, const struct ident_date *on)
{
    int age = -1;

    if (!ident_date_valid(birth) || !ident_date_valid(on) || ident_date_cmp(on, birth) < 0)
        goto out;
    age = on->year - birth->year;
    if (on->month < birth->month || (on->month == birth->month && on->day < birth->day))
        age--;
out:
    return age;
}

long ident_date_days(const struct ident_date *d)
{
    long y = d->year - (d->month <= 2);
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long mp = (d->month + 9) % 12;
    long doy = (153 * mp + 2) / 5 + d->day - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}
