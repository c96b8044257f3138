/*
 * ident.c - identifier and holder-identity rules (see ident.h for the contract).
 *
 * Each checker walks its input once, within the rule's length bound, and stops
 * at the first broken rule with a reason that names a position or a part but
 * never repeats the input. The check-character systems are the ones the
 * standards define: ISO 7064 MOD 11-2 (GB 11643, certificate numbers), the
 * GB 32100 weighted MOD 31 code, and ISO/IEC 7064 MOD 37,36 (GB/T 36904).
 * "Is a letter" comes from HarfBuzz's Unicode tables rather than our own.
 */
#include "ident.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <hb.h>

enum { NAME_NONE, NAME_LETTER, NAME_SEP }; /* what the previous name character was */

static const char uscc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const char mod37_alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

const char *ident_strerror(int err)
{
    const char *msg = "identifier: unknown error";

    switch (err) {
    case IDENT_OK:
        msg = "identifier: success";
        break;
    case IDENT_EINVAL:
        msg = "identifier: invalid argument";
        break;
    case IDENT_ELENGTH:
        msg = "identifier: wrong length";
        break;
    case IDENT_ECHAR:
        msg = "identifier: character not allowed";
        break;
    case IDENT_EFORMAT:
        msg = "identifier: malformed";
        break;
    case IDENT_ECHECK:
        msg = "identifier: check character does not match";
        break;
    case IDENT_EDATE:
        msg = "identifier: not a real date or out of range";
        break;
    case IDENT_EUTF8:
        msg = "identifier: invalid utf-8";
        break;
    case IDENT_ENOSPC:
        msg = "identifier: output buffer too small";
        break;
    }
    return msg;
}

/*
 * Writes a reason into why and returns rc. A reason longer than whylen is cut
 * (documented in ident.h); an encoding error leaves "".
 */
static int fail(char *why, size_t whylen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *why, size_t whylen, int rc, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (why != NULL && whylen > 0) {
        va_start(ap, fmt);
        n = vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
        if (n < 0)
            why[0] = '\0';
    }
    return rc;
}

static void clear_why(char *why, size_t whylen)
{
    if (why != NULL && whylen > 0)
        why[0] = '\0';
}

static void clear_out(char *out, size_t outsz)
{
    if (out != NULL && outsz > 0)
        out[0] = '\0';
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int is_lower(unsigned char c)
{
    return c >= 'a' && c <= 'z';
}

/* The value of n ASCII digits (n <= 9, all digits already checked). */
static int digits_value(const char *s, size_t n)
{
    int v = 0;

    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* Index of the first non-digit among s[0..n-1], or n. */
static size_t first_non_digit(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n && is_digit((unsigned char)s[i]))
        i++;
    return i;
}

/* ---- Dates ---- */

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
    int rc = IDENT_OK;
    struct ident_date d;
    const char *problem;

    clear_why(why, whylen);
    if (s == NULL || out == NULL) {
        rc = fail(why, whylen, IDENT_EINVAL, "date is missing");
        goto out;
    }
    if (len != 10) {
        rc = fail(why, whylen, IDENT_ELENGTH, "length is %zu, expected 10 (YYYY-MM-DD)", len);
        goto out;
    }
    for (size_t i = 0; i < len; i++) {
        int dash = i == 4 || i == 7;

        if (dash && s[i] != '-') {
            rc = fail(why, whylen, IDENT_EFORMAT, "character %zu is not '-'", i + 1);
            goto out;
        }
        if (!dash && !is_digit((unsigned char)s[i])) {
            rc = fail(why, whylen, IDENT_ECHAR, "character %zu is not a digit", i + 1);
            goto out;
        }
    }
    d.year = digits_value(s, 4);
    d.month = digits_value(s + 5, 2);
    d.day = digits_value(s + 8, 2);
    problem = date_problem(d.year, d.month, d.day);
    if (problem != NULL) {
        rc = fail(why, whylen, IDENT_EDATE, "%s", problem);
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

/* ---- MOD 11-2 and the certificate number ---- */

char ident_mod11_2(const char *digits17)
{
    static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char checks[] = "10X98765432";
    char check = 0;
    int sum = 0;

    if (digits17 == NULL || first_non_digit(digits17, 17) != 17)
        goto out;
    for (size_t i = 0; i < 17; i++)
        sum += (digits17[i] - '0') * weights[i];
    check = checks[sum % 11];
out:
    return check;
}

/* Checks 17 digits then a check character (upper case, or also 'x' when allow_x). */
static int scan_18(const char *s, size_t len, int allow_x, char *why, size_t whylen)
{
    int rc = IDENT_OK;
    size_t bad;
    unsigned char last;

    if (len == 0) {
        rc = fail(why, whylen, IDENT_ELENGTH, "is empty");
        goto out;
    }
    if (len != 18) {
        rc = fail(why, whylen, IDENT_ELENGTH, "length is %zu, expected 18", len);
        goto out;
    }
    bad = first_non_digit(s, 17);
    if (bad < 17) {
        rc = fail(why, whylen, IDENT_ECHAR, "character %zu is not a digit", bad + 1);
        goto out;
    }
    last = (unsigned char)s[17];
    if (last == 'x' && !allow_x) {
        rc = fail(why, whylen, IDENT_ECHAR, "check character must be upper case X");
        goto out;
    }
    if (!is_digit(last) && last != 'X' && last != 'x') {
        rc = fail(why, whylen, IDENT_ECHAR, "character 18 is not a digit or X");
        goto out;
    }
out:
    return rc;
}

static int verify_mod11_2(const char *s, char *why, size_t whylen)
{
    int rc = IDENT_OK;
    char expected = ident_mod11_2(s);
    char got = s[17] == 'x' ? 'X' : s[17];

    if (got != expected)
        rc = fail(why, whylen, IDENT_ECHECK, "check character should be %c", expected);
    return rc;
}

/* The parts' ranges of a certificate number whose characters are already checked. */
static int certno_parts(const char *s, struct ident_certno *c, char *why, size_t whylen)
{
    int rc = IDENT_OK;

    memcpy(c->text, s, IDENT_CERTNO_LEN);
    c->text[IDENT_CERTNO_LEN] = '\0';
    memcpy(c->province, s, 2);
    c->province[2] = '\0';
    memcpy(c->city, s + 2, 2);
    c->city[2] = '\0';
    c->year = digits_value(s + 4, 4);
    memcpy(c->position, s + 8, 2);
    c->position[2] = '\0';
    c->serial = (uint32_t)digits_value(s + 10, 7);
    c->check = s[17];
    if (digits_value(c->province, 2) < 11)
        rc = fail(why, whylen, IDENT_EFORMAT, "province code must be 11 to 99");
    else if (digits_value(c->city, 2) == 0)
        rc = fail(why, whylen, IDENT_EFORMAT, "city code must not be 00");
    else if (c->year < IDENT_YEAR_MIN)
        rc = fail(why, whylen, IDENT_EFORMAT, "year must be 1900 or later");
    else if (digits_value(c->position, 2) == 0)
        rc = fail(why, whylen, IDENT_EFORMAT, "position code must not be 00");
    else if (c->serial == 0)
        rc = fail(why, whylen, IDENT_EFORMAT, "serial must not be 0000000");
    return rc;
}

int ident_certno_parse(const char *s, size_t len, struct ident_certno *out, char *why,
                       size_t whylen)
{
    int rc;
    struct ident_certno c;

    clear_why(why, whylen);
    if (s == NULL) {
        rc = fail(why, whylen, IDENT_EINVAL, "certificate number is missing");
        goto out;
    }
    rc = scan_18(s, len, 0, why, whylen);
    if (rc != IDENT_OK)
        goto out;
    rc = verify_mod11_2(s, why, whylen);
    if (rc != IDENT_OK)
        goto out;
    rc = certno_parts(s, &c, why, whylen);
    if (rc != IDENT_OK)
        goto out;
    if (out != NULL)
        *out = c;
out:
    return rc;
}

/* 1 when p is exactly two ASCII digits with a value in lo..99. */
static int two_digits(const char *p, int lo)
{
    return p != NULL && strnlen(p, 3) == 2 && first_non_digit(p, 2) == 2 &&
           digits_value(p, 2) >= lo;
}

int ident_certno_make(const char *province, const char *city, int year, const char *position,
                      uint32_t serial, char *out, size_t outsz, char *why, size_t whylen)
{
    int rc = IDENT_OK;
    char buf[IDENT_CERTNO_SIZE];
    int n;

    clear_why(why, whylen);
    clear_out(out, outsz);
    if (!two_digits(province, 11))
        rc = fail(why, whylen, IDENT_EINVAL, "province must be two digits, 11 to 99");
    else if (!two_digits(city, 1))
        rc = fail(why, whylen, IDENT_EINVAL, "city must be two digits, 01 to 99");
    else if (year < IDENT_YEAR_MIN || year > IDENT_YEAR_MAX)
        rc = fail(why, whylen, IDENT_EINVAL, "year must be 1900 to 9999");
    else if (!two_digits(position, 1))
        rc = fail(why, whylen, IDENT_EINVAL, "position must be two digits, 01 to 99");
    else if (serial < 1 || serial > IDENT_CERTNO_SERIAL_MAX)
        rc = fail(why, whylen, IDENT_EINVAL, "serial must be 1 to 9999999");
    else if (out == NULL || outsz < IDENT_CERTNO_SIZE)
        rc = fail(why, whylen, IDENT_ENOSPC, "output needs 19 bytes");
    if (rc != IDENT_OK)
        goto out;
    n = snprintf(buf, sizeof buf, "%.2s%.2s%04d%.2s%07u", province, city, year, position,
                 (unsigned)serial);
    if (n != IDENT_CERTNO_LEN - 1) {
        rc = fail(why, whylen, IDENT_EINVAL, "parts do not make 17 digits");
        goto out;
    }
    buf[17] = ident_mod11_2(buf);
    buf[18] = '\0';
    memcpy(out, buf, sizeof buf);
out:
    return rc;
}

/* ---- GB 32100 unified social credit code ---- */

/* The value of c in the GB 32100 alphabet, or -1. */
static int uscc_value(unsigned char c)
{
    const char *p = c != '\0' ? strchr(uscc_alphabet, c) : NULL;

    return p != NULL ? (int)(p - uscc_alphabet) : -1;
}

int ident_uscc_check(const char *s, size_t len, char *why, size_t whylen)
{
    int rc = IDENT_OK;
    int sum = 0, weight = 1, v, c;

    clear_why(why, whylen);
    if (s == NULL) {
        rc = fail(why, whylen, IDENT_EINVAL, "code is missing");
        goto out;
    }
    if (len != IDENT_USCC_LEN) {
        rc = fail(why, whylen, IDENT_ELENGTH, "length is %zu, expected 18", len);
        goto out;
    }
    for (size_t i = 0; i < IDENT_USCC_LEN; i++) {
        v = uscc_value((unsigned char)s[i]);
        if (v < 0 && is_lower((unsigned char)s[i])) {
            rc = fail(why, whylen, IDENT_ECHAR, "character %zu is lower case", i + 1);
            goto out;
        }
        if (v < 0) {
            rc = fail(why, whylen, IDENT_ECHAR,
                      "character %zu is not a digit or a letter other than I O Z S V", i + 1);
            goto out;
        }
        if (i < IDENT_USCC_LEN - 1) {
            sum += v * weight;
            weight = weight * 3 % 31;
        }
    }
    c = 31 - sum % 31;
    c = c == 31 ? 0 : c;
    if (s[IDENT_USCC_LEN - 1] != uscc_alphabet[c])
        rc = fail(why, whylen, IDENT_ECHECK, "check character should be %c", uscc_alphabet[c]);
out:
    return rc;
}

/* ---- E-licence identifier: ISO/IEC 7064 MOD 37,36 ---- */

/* The value of c in 0-9A-Z, or -1. */
static int mod37_value(unsigned char c)
{
    int v = -1;

    if (is_digit(c))
        v = c - '0';
    else if (c >= 'A' && c <= 'Z')
        v = c - 'A' + 10;
    return v;
}

/*
 * The MOD 37,36 check character (hybrid system, M = 36) over the 0-9A-Z
 * characters of s[0..n-1], dots skipped: p = M; for each value a,
 * s = (p + a) mod M, 0 read as M, p = 2s mod (M + 1); the check c makes
 * (p + c) mod M == 1. 0 when s holds another character.
 */
static char mod37_36(const char *s, size_t n)
{
    int p = 36, t, v;
    char check = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.')
            continue;
        v = mod37_value((unsigned char)s[i]);
        if (v < 0)
            goto out;
        t = (p + v) % 36;
        t = t == 0 ? 36 : t;
        p = 2 * t % 37;
    }
    check = mod37_alphabet[(37 - p) % 36];
out:
    return check;
}

/* One dot-separated part of an identifier: where it starts and how long it is. */
struct elic_part {
    const char *p; /* points into the caller's input */
    size_t n;      /* bytes */
};

/* Splits the text after the root into exactly five non-empty parts of 0-9A-Z. */
static int elic_split(const char *s, size_t len, struct elic_part parts[5], char *why,
                      size_t whylen)
{
    int rc = IDENT_OK;
    size_t np = 0, start = 0, off = sizeof IDENT_ELIC_ROOT - 1;

    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '.' && mod37_value((unsigned char)s[i]) < 0) {
            rc = fail(why, whylen, IDENT_ECHAR,
                      is_lower((unsigned char)s[i]) ? "character %zu is lower case"
                                                    : "character %zu is not 0-9, A-Z or a dot",
                      off + i + 1);
            goto out;
        }
        if (i < len && s[i] != '.')
            continue;
        if (i == start) {
            rc = fail(why, whylen, IDENT_EFORMAT, "part %zu after the root is empty", np + 1);
            goto out;
        }
        if (np == 5) {
            rc = fail(why, whylen, IDENT_EFORMAT, "more than 5 parts after the root");
            goto out;
        }
        parts[np].p = s + start;
        parts[np].n = i - start;
        np++;
        start = i + 1;
    }
    if (np != 5)
        rc = fail(why, whylen, IDENT_EFORMAT, "%zu parts after the root, expected 5", np);
out:
    return rc;
}

/* Prefixes the reason of a failed embedded check with the part's name. */
static int part_uscc(const char *name, const char *p, char *why, size_t whylen)
{
    char inner[IDENT_WHY_SIZE];
    int rc = ident_uscc_check(p, IDENT_USCC_LEN, inner, sizeof inner);

    if (rc != IDENT_OK)
        rc = fail(why, whylen, rc == IDENT_ECHECK ? IDENT_ECHECK : IDENT_EFORMAT, "%s: %s", name,
                  inner);
    return rc;
}

/* Three digits 001..999 (a version or a type-code sequence). */
static int three_digits(const char *p, size_t n)
{
    return n == 3 && first_non_digit(p, 3) == 3 && digits_value(p, 3) > 0;
}

static int elic_parts_check(const struct elic_part parts[5], char *why, size_t whylen)
{
    int rc = IDENT_OK;

    if (parts[0].n != IDENT_ELIC_TYPE_LEN) {
        rc = fail(why, whylen, IDENT_EFORMAT, "type code has %zu characters, expected 21",
                  parts[0].n);
    } else if (!three_digits(parts[0].p + IDENT_USCC_LEN, 3)) {
        rc = fail(why, whylen, IDENT_EFORMAT, "type code does not end in 3 digits 001 to 999");
    } else if (parts[1].n != IDENT_USCC_LEN) {
        rc = fail(why, whylen, IDENT_EFORMAT, "issuer has %zu characters, expected 18", parts[1].n);
    } else if (parts[2].n > IDENT_ELIC_SERIAL_MAX) {
        rc = fail(why, whylen, IDENT_EFORMAT, "serial has %zu characters, at most 64", parts[2].n);
    } else if (!three_digits(parts[3].p, parts[3].n)) {
        rc = fail(why, whylen, IDENT_EFORMAT, "version is not 3 digits 001 to 999");
    } else if (parts[4].n != 1) {
        rc = fail(why, whylen, IDENT_EFORMAT, "check part has %zu characters, expected 1",
                  parts[4].n);
    }
    if (rc == IDENT_OK)
        rc = part_uscc("type code", parts[0].p, why, whylen);
    if (rc == IDENT_OK)
        rc = part_uscc("issuer", parts[1].p, why, whylen);
    return rc;
}

static void elic_fill(const struct elic_part parts[5], struct ident_elicence *e)
{
    memcpy(e->type_code, parts[0].p, parts[0].n);
    e->type_code[parts[0].n] = '\0';
    memcpy(e->issuer, parts[1].p, parts[1].n);
    e->issuer[parts[1].n] = '\0';
    memcpy(e->serial, parts[2].p, parts[2].n);
    e->serial[parts[2].n] = '\0';
    e->version = digits_value(parts[3].p, 3);
    e->check = parts[4].p[0];
}

int ident_elicence_parse(const char *s, size_t len, struct ident_elicence *out, char *why,
                         size_t whylen)
{
    int rc = IDENT_OK;
    const size_t root = sizeof IDENT_ELIC_ROOT - 1;
    struct elic_part parts[5];
    char expected;

    clear_why(why, whylen);
    if (s == NULL) {
        rc = fail(why, whylen, IDENT_EINVAL, "identifier is missing");
        goto out;
    }
    if (len == 0 || len > IDENT_ELIC_MAX_LEN) {
        rc = fail(why, whylen, IDENT_ELENGTH, "length is %zu, expected 1 to 126", len);
        goto out;
    }
    if (len < root || memcmp(s, IDENT_ELIC_ROOT, root) != 0) {
        rc = fail(why, whylen, IDENT_EFORMAT, "does not start with the root 1.2.156.3005.2.");
        goto out;
    }
    rc = elic_split(s + root, len - root, parts, why, whylen);
    if (rc == IDENT_OK)
        rc = elic_parts_check(parts, why, whylen);
    if (rc != IDENT_OK)
        goto out;
    expected = mod37_36(s + root, (size_t)(parts[4].p - (s + root)));
    if (parts[4].p[0] != expected) {
        rc = fail(why, whylen, IDENT_ECHECK, "check character should be %c", expected);
        goto out;
    }
    if (out != NULL)
        elic_fill(parts, out);
out:
    return rc;
}

int ident_elicence_make(const char *type_code, const char *issuer, const char *serial, int version,
                        char *out, size_t outsz, char *why, size_t whylen)
{
    int rc = IDENT_OK;
    char buf[IDENT_ELIC_SIZE + 1];
    int n;

    clear_why(why, whylen);
    clear_out(out, outsz);
    if (type_code == NULL || issuer == NULL || serial == NULL || out == NULL) {
        rc = fail(why, whylen, IDENT_EINVAL, "a part is missing");
        goto out;
    }
    if (version < 1 || version > 999) {
        rc = fail(why, whylen, IDENT_EINVAL, "version must be 1 to 999");
        goto out;
    }
    if (strnlen(serial, IDENT_ELIC_SERIAL_MAX + 1) > IDENT_ELIC_SERIAL_MAX) {
        rc = fail(why, whylen, IDENT_EFORMAT, "serial has more than 64 characters");
        goto out;
    }
    n = snprintf(buf, sizeof buf, "%s%.22s.%.19s.%s.%03d.", IDENT_ELIC_ROOT, type_code, issuer,
                 serial, version);
    if (n < 0 || (size_t)n >= IDENT_ELIC_MAX_LEN) {
        rc = fail(why, whylen, IDENT_EFORMAT, "parts are too long");
        goto out;
    }
    buf[n] = mod37_36(buf + sizeof IDENT_ELIC_ROOT - 1, (size_t)n - (sizeof IDENT_ELIC_ROOT - 1));
    buf[n + 1] = '\0';
    /* parsing what was built checks every part with the same rules as input */
    rc = ident_elicence_parse(buf, (size_t)n + 1, NULL, why, whylen);
    if (rc != IDENT_OK)
        goto out;
    if (outsz < (size_t)n + 2) {
        rc = fail(why, whylen, IDENT_ENOSPC, "output needs %d bytes", n + 2);
        goto out;
    }
    memcpy(out, buf, (size_t)n + 2);
out:
    return rc;
}

/* ---- Holder identity ---- */

int ident_citizen_id_parse(const char *s, size_t len, const struct ident_date *today,
                           struct ident_citizen_id *out, char *why, size_t whylen)
{
    int rc;
    struct ident_citizen_id c;

    clear_why(why, whylen);
    if (s == NULL) {
        rc = fail(why, whylen, IDENT_EINVAL, "id number is missing");
        goto out;
    }
    rc = scan_18(s, len, 1, why, whylen);
    if (rc != IDENT_OK)
        goto out;
    c.birth.year = digits_value(s + 6, 4);
    c.birth.month = digits_value(s + 10, 2);
    c.birth.day = digits_value(s + 12, 2);
    if (c.birth.year < IDENT_YEAR_MIN && c.birth.year > 0) {
        rc = fail(why, whylen, IDENT_EDATE, "birth date is before 1900");
        goto out;
    }
    if (!ident_date_valid(&c.birth)) {
        rc = fail(why, whylen, IDENT_EDATE, "birth date is not a real date");
        goto out;
    }
    if (today != NULL && !ident_date_valid(today)) {
        rc = fail(why, whylen, IDENT_EINVAL, "today is not a real date");
        goto out;
    }
    if (today != NULL && ident_date_cmp(&c.birth, today) > 0) {
        rc = fail(why, whylen, IDENT_EDATE, "birth date is in the future");
        goto out;
    }
    rc = verify_mod11_2(s, why, whylen);
    if (rc != IDENT_OK)
        goto out;
    memcpy(c.text, s, IDENT_CITIZEN_ID_LEN);
    c.text[17] = s[17] == 'x' ? 'X' : s[17];
    c.text[IDENT_CITIZEN_ID_LEN] = '\0';
    c.male = (s[16] - '0') % 2;
    if (out != NULL)
        *out = c;
out:
    return rc;
}

int ident_id_type_check(const char *type, size_t typelen, char *why, size_t whylen)
{
    int rc = IDENT_OK;
    size_t bad;

    clear_why(why, whylen);
    if (type == NULL) {
        rc = fail(why, whylen, IDENT_EINVAL, "id_type is missing");
        goto out;
    }
    if (typelen != 3) {
        rc = fail(why, whylen, IDENT_ELENGTH, "id_type length is %zu, expected 3", typelen);
        goto out;
    }
    bad = first_non_digit(type, 3);
    if (bad < 3)
        rc = fail(why, whylen, IDENT_ECHAR, "id_type character %zu is not a digit", bad + 1);
out:
    return rc;
}

/* Checks a number of a non-citizen document: 6..32 of 0x21..0x7E. */
static int other_id_check(const char *id, size_t len, char *why, size_t whylen)
{
    int rc = IDENT_OK;

    if (len < IDENT_OTHER_ID_MIN || len > IDENT_OTHER_ID_MAX) {
        rc = fail(why, whylen, IDENT_ELENGTH, "length is %zu, expected 6 to 32", len);
        goto out;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)id[i];

        if (c < 0x21 || c > 0x7e) {
            rc = fail(why, whylen, IDENT_ECHAR,
                      "character %zu is not printable ascii other than space", i + 1);
            goto out;
        }
    }
out:
    return rc;
}

int ident_holder_id_parse(const char *type, size_t typelen, const char *id, size_t idlen,
                          const struct ident_date *today, char *out, size_t outsz, char *why,
                          size_t whylen)
{
    int rc;
    struct ident_citizen_id c;
    const char *canon = id;

    clear_out(out, outsz);
    rc = ident_id_type_check(type, typelen, why, whylen);
    if (rc != IDENT_OK)
        goto out;
    if (id == NULL) {
        rc = fail(why, whylen, IDENT_EINVAL, "id number is missing");
        goto out;
    }
    if (memcmp(type, IDENT_ID_TYPE_CITIZEN, 3) == 0) {
        rc = ident_citizen_id_parse(id, idlen, today, &c, why, whylen);
        canon = c.text;
    } else {
        rc = other_id_check(id, idlen, why, whylen);
    }
    if (rc != IDENT_OK || out == NULL)
        goto out;
    if (outsz < idlen + 1) {
        rc = fail(why, whylen, IDENT_ENOSPC, "output needs %zu bytes", idlen + 1);
        goto out;
    }
    memcpy(out, canon, idlen);
    out[idlen] = '\0';
out:
    return rc;
}

/* ---- UTF-8 and the holder name ---- */

static int is_dot_lookalike(uint32_t cp)
{
    return cp == 0x30fb || cp == 0xff65 || cp == 0x2022 || cp == 0x2027 || cp == 0x2219 ||
           cp == 0x22c5 || cp == 0x2e31;
}

static int is_letter(hb_unicode_general_category_t gc)
{
    return gc == HB_UNICODE_GENERAL_CATEGORY_UPPERCASE_LETTER ||
           gc == HB_UNICODE_GENERAL_CATEGORY_LOWERCASE_LETTER ||
           gc == HB_UNICODE_GENERAL_CATEGORY_TITLECASE_LETTER ||
           gc == HB_UNICODE_GENERAL_CATEGORY_MODIFIER_LETTER ||
           gc == HB_UNICODE_GENERAL_CATEGORY_OTHER_LETTER;
}

static int is_mark(hb_unicode_general_category_t gc)
{
    return gc == HB_UNICODE_GENERAL_CATEGORY_NON_SPACING_MARK ||
           gc == HB_UNICODE_GENERAL_CATEGORY_SPACING_MARK;
}

/* The walk over a name: where each character (letter or separator + marks) starts. */
struct name_walk {
    size_t start[IDENT_NAME_MAX_CHARS]; /* byte offset of each character */
    size_t nchars;                      /* characters found */
    size_t ncp;                         /* code points read */
    int prev;                           /* NAME_NONE, NAME_LETTER or NAME_SEP */
};

/* Applies the name rule to one code point at byte offset off. */
static int name_step(struct name_walk *w, uint32_t cp, size_t off, char *why, size_t whylen)
{
    int rc = IDENT_OK;
    hb_unicode_general_category_t gc;
    size_t k = w->ncp;

    gc = hb_unicode_general_category(hb_unicode_funcs_get_default(), cp);
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
        rc = fail(why, whylen, IDENT_ECHAR, "character %zu is a control character", k);
    } else if ((cp == 0x20 || cp == 0xb7) && w->prev == NAME_NONE) {
        rc = fail(why, whylen, IDENT_EFORMAT, "name starts with a space or middle dot");
    } else if ((cp == 0x20 || cp == 0xb7) && w->prev == NAME_SEP) {
        rc = fail(why, whylen, IDENT_EFORMAT, "character %zu follows another space or middle dot",
                  k);
    } else if (cp == 0x20 || cp == 0xb7 || is_letter(gc)) {
        w->start[w->nchars++] = off;
        w->prev = cp == 0x20 || cp == 0xb7 ? NAME_SEP : NAME_LETTER;
    } else if (is_mark(gc) && w->prev != NAME_LETTER) {
        rc = fail(why, whylen, IDENT_ECHAR,
                  "character %zu is a combining mark without a letter before it", k);
    } else if (is_dot_lookalike(cp)) {
        rc = fail(why, whylen, IDENT_ECHAR, "character %zu is not the middle dot U+00B7", k);
    } else if (!is_mark(gc)) {
        rc =
            fail(why, whylen, IDENT_ECHAR, "character %zu is not a letter, middle dot or space", k);
    }
    return rc;
}

static int name_scan(const char *s, size_t len, struct name_walk *w, char *why, size_t whylen)
{
    int rc = IDENT_OK;
    size_t off = 0, used;
    uint32_t cp;

    w->nchars = 0;
    w->ncp = 0;
    w->prev = NAME_NONE;
    if (s == NULL) {
        rc = fail(why, whylen, IDENT_EINVAL, "name is missing");
        goto out;
    }
    if (len > IDENT_NAME_MAX_BYTES) {
        rc = fail(why, whylen, IDENT_ELENGTH, "name is longer than 256 bytes (64 characters)");
        goto out;
    }
    while (off < len && rc == IDENT_OK) {
        if (w->ncp == IDENT_NAME_MAX_CHARS) {
            rc = fail(why, whylen, IDENT_ELENGTH, "name is longer than 64 characters");
            goto out;
        }
        used = jp_utf8_decode((const unsigned char *)s + off, len - off, &cp);
        if (used == 0) {
            rc = fail(why, whylen, IDENT_EUTF8, "byte %zu is not valid utf-8", off + 1);
            goto out;
        }
        w->ncp++;
        rc = name_step(w, cp, off, why, whylen);
        off += used;
    }
    if (rc == IDENT_OK && w->ncp == 0)
        rc = fail(why, whylen, IDENT_ELENGTH, "name is empty");
    else if (rc == IDENT_OK && w->prev == NAME_SEP)
        rc = fail(why, whylen, IDENT_EFORMAT, "name ends with a space or middle dot");
out:
    return rc;
}

int ident_name_check(const char *s, size_t len, char *why, size_t whylen)
{
    struct name_walk w;

    clear_why(why, whylen);
    return name_scan(s, len, &w, why, whylen);
}

int ident_name_mask(const char *s, size_t len, char *out, size_t outsz)
{
    int rc;
    struct name_walk w;
    size_t first, last = 0, stars, need;

    clear_out(out, outsz);
    rc = name_scan(s, len, &w, NULL, 0);
    if (rc != IDENT_OK)
        goto out;
    first = w.nchars > 1 ? w.start[1] : 0;
    stars = w.nchars > 2 ? w.nchars - 2 : 1;
    if (w.nchars > 2)
        last = len - w.start[w.nchars - 1];
    need = first + stars + last + 1;
    if (out == NULL || outsz < need) {
        rc = IDENT_ENOSPC;
        goto out;
    }
    memcpy(out, s, first);
    memset(out + first, '*', stars);
    memcpy(out + first + stars, s + len - last, last);
    out[need - 1] = '\0';
out:
    return rc;
}

int ident_id_mask(const char *id, size_t len, char *out, size_t outsz)
{
    int rc = IDENT_OK;
    size_t keep_head = 0, keep_tail = 0;

    clear_out(out, outsz);
    if (id == NULL) {
        rc = IDENT_EINVAL;
        goto out;
    }
    if (len == 0 || len > IDENT_OTHER_ID_MAX) {
        rc = IDENT_ELENGTH;
        goto out;
    }
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)id[i] < 0x21 || (unsigned char)id[i] > 0x7e) {
            rc = IDENT_ECHAR;
            goto out;
        }
    }
    if (out == NULL || outsz < len + 1) {
        rc = IDENT_ENOSPC;
        goto out;
    }
    if (len >= IDENT_CITIZEN_ID_LEN) {
        keep_head = 6;
        keep_tail = 4;
    }
    memcpy(out, id, keep_head);
    memset(out + keep_head, '*', len - keep_head - keep_tail);
    memcpy(out + len - keep_tail, id + len - keep_tail, keep_tail);
    out[len] = '\0';
out:
    return rc;
}
