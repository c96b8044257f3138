/*
 * ident_code.c - the codes of the ident rules (see ident.h): the certificate
 * number (ISO 7064 MOD 11-2, as GB 11643 computes it), the GB 32100 unified
 * social credit code (weighted MOD 31) and the GB/T 36904 e-licence identifier
 * (ISO/IEC 7064 MOD 37,36); and ident_strerror for the whole module.
 *
 * Each checker walks its input once, within the rule's length bound, and stops
 * at the first broken rule with a reason that names a position or a part but
 * never repeats the input.
 */
#include "ident_int.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

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

int ident_fixed_check(const struct ident_fixed *f, const char *s, size_t len, char *why,
                      size_t whylen)
{
    int rc = IDENT_OK;
    size_t bad;

    if (s == NULL) {
        jp_errf(why, whylen, "%s is missing", f->what);
        rc = IDENT_EINVAL;
    } else if (len == 0 && f->empty_apart) {
        jp_errf(why, whylen, "is empty");
        rc = IDENT_ELENGTH;
    } else if (len != f->len) {
        jp_errf(why, whylen, "%slength is %zu, expected %zu%s", f->prefix, len, f->len, f->form);
        rc = IDENT_ELENGTH;
    } else {
        bad = first_non_digit(s, f->digits);
        if (bad < f->digits) {
            jp_errf(why, whylen, "%scharacter %zu is not a digit", f->prefix, bad + 1);
            rc = IDENT_ECHAR;
        }
    }
    return rc;
}

int ident_scan_18(const char *s, size_t len, int allow_x, const char *what, char *why,
                  size_t whylen)
{
    const struct ident_fixed shape = {what, "", 18, "", 1, 17};
    int rc;
    unsigned char last;

    clear_why(why, whylen);
    rc = ident_fixed_check(&shape, s, len, why, whylen);
    if (rc != IDENT_OK)
        goto out;
    last = (unsigned char)s[17];
    if (last == 'x' && !allow_x) {
        jp_errf(why, whylen, "check character must be upper case X");
        rc = IDENT_ECHAR;
        goto out;
    }
    if (!is_digit(last) && last != 'X' && last != 'x') {
        jp_errf(why, whylen, "character 18 is not a digit or X");
        rc = IDENT_ECHAR;
        goto out;
    }
out:
    return rc;
}

int ident_verify_mod11_2(const char *s, char *why, size_t whylen)
{
    int rc = IDENT_OK;
    char expected = ident_mod11_2(s);
    char got = s[17] == 'x' ? 'X' : s[17];

    if (got != expected) {
        jp_errf(why, whylen, "check character should be %c", expected);
        rc = IDENT_ECHECK;
    }
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
    if (digits_value(c->province, 2) < 11) {
        jp_errf(why, whylen, "province code must be 11 to 99");
        rc = IDENT_EFORMAT;
    } else if (digits_value(c->city, 2) == 0) {
        jp_errf(why, whylen, "city code must not be 00");
        rc = IDENT_EFORMAT;
    } else if (c->year < IDENT_YEAR_MIN) {
        jp_errf(why, whylen, "year must be 1900 or later");
        rc = IDENT_EFORMAT;
    } else if (digits_value(c->position, 2) == 0) {
        jp_errf(why, whylen, "position code must not be 00");
        rc = IDENT_EFORMAT;
    } else if (c->serial == 0) {
        jp_errf(why, whylen, "serial must not be 0000000");
        rc = IDENT_EFORMAT;
    }
    return rc;
}

int ident_certno_parse(const char *s, size_t len, struct ident_certno *out, char *why,
                       size_t whylen)
{
    int rc;
    struct ident_certno c;

    rc = ident_scan_18(s, len, 0, "certificate number", why, whylen);
    if (rc != IDENT_OK)
        goto out;
    rc = ident_verify_mod11_2(s, why, whylen);
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
    if (!two_digits(province, 11)) {
        jp_errf(why, whylen, "province must be two digits, 11 to 99");
        rc = IDENT_EINVAL;
    } else if (!two_digits(city, 1)) {
        jp_errf(why, whylen, "city must be two digits, 01 to 99");
        rc = IDENT_EINVAL;
    } else if (year < IDENT_YEAR_MIN || year > IDENT_YEAR_MAX) {
        jp_errf(why, whylen, "year must be 1900 to 9999");
        rc = IDENT_EINVAL;
    } else if (!two_digits(position, 1)) {
        jp_errf(why, whylen, "position must be two digits, 01 to 99");
        rc = IDENT_EINVAL;
    } else if (serial < 1 || serial > IDENT_CERTNO_SERIAL_MAX) {
        jp_errf(why, whylen, "serial must be 1 to 9999999");
        rc = IDENT_EINVAL;
    } else if (out == NULL || outsz < IDENT_CERTNO_SIZE) {
        jp_errf(why, whylen, "output needs 19 bytes");
        rc = IDENT_ENOSPC;
    }
    if (rc != IDENT_OK)
        goto out;
    n = snprintf(buf, sizeof buf, "%.2s%.2s%04d%.2s%07u", province, city, year, position,
                 (unsigned)serial);
    if (n != IDENT_CERTNO_LEN - 1) {
        jp_errf(why, whylen, "parts do not make 17 digits");
        rc = IDENT_EINVAL;
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
    const struct ident_fixed shape = {"code", "", IDENT_USCC_LEN, "", 0, 0};
    int rc;
    int sum = 0, weight = 1, v, c;

    clear_why(why, whylen);
    rc = ident_fixed_check(&shape, s, len, why, whylen);
    if (rc != IDENT_OK)
        goto out;
    for (size_t i = 0; i < IDENT_USCC_LEN; i++) {
        v = uscc_value((unsigned char)s[i]);
        if (v < 0 && is_lower((unsigned char)s[i])) {
            jp_errf(why, whylen, "character %zu is lower case", i + 1);
            rc = IDENT_ECHAR;
            goto out;
        }
        if (v < 0) {
            jp_errf(why, whylen, "character %zu is not a digit or a letter other than I O Z S V",
                    i + 1);
            rc = IDENT_ECHAR;
            goto out;
        }
        if (i < IDENT_USCC_LEN - 1) {
            sum += v * weight;
            weight = weight * 3 % 31;
        }
    }
    c = 31 - sum % 31;
    c = c == 31 ? 0 : c;
    if (s[IDENT_USCC_LEN - 1] != uscc_alphabet[c]) {
        jp_errf(why, whylen, "check character should be %c", uscc_alphabet[c]);
        rc = IDENT_ECHECK;
    }
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
            jp_errf(why, whylen,
                    is_lower((unsigned char)s[i]) ? "character %zu is lower case"
                                                  : "character %zu is not 0-9, A-Z or a dot",
                    off + i + 1);
            rc = IDENT_ECHAR;
            goto out;
        }
        if (i < len && s[i] != '.')
            continue;
        if (i == start) {
            jp_errf(why, whylen, "part %zu after the root is empty", np + 1);
            rc = IDENT_EFORMAT;
            goto out;
        }
        if (np == 5) {
            jp_errf(why, whylen, "more than 5 parts after the root");
            rc = IDENT_EFORMAT;
            goto out;
        }
        parts[np].p = s + start;
        parts[np].n = i - start;
        np++;
        start = i + 1;
    }
    if (np != 5) {
        jp_errf(why, whylen, "%zu parts after the root, expected 5", np);
        rc = IDENT_EFORMAT;
    }
out:
    return rc;
}

/* Prefixes the reason of a failed embedded check with the part's name. */
static int part_uscc(const char *name, const char *p, char *why, size_t whylen)
{
    char inner[IDENT_WHY_SIZE];
    int rc = ident_uscc_check(p, IDENT_USCC_LEN, inner, sizeof inner);

    if (rc != IDENT_OK) {
        jp_errf(why, whylen, "%s: %s", name, inner);
        rc = rc == IDENT_ECHECK ? IDENT_ECHECK : IDENT_EFORMAT;
    }
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
        jp_errf(why, whylen, "type code has %zu characters, expected 21", parts[0].n);
        rc = IDENT_EFORMAT;
    } else if (!three_digits(parts[0].p + IDENT_USCC_LEN, 3)) {
        jp_errf(why, whylen, "type code does not end in 3 digits 001 to 999");
        rc = IDENT_EFORMAT;
    } else if (parts[1].n != IDENT_USCC_LEN) {
        jp_errf(why, whylen, "issuer has %zu characters, expected 18", parts[1].n);
        rc = IDENT_EFORMAT;
    } else if (parts[2].n > IDENT_ELIC_SERIAL_MAX) {
        jp_errf(why, whylen, "serial has %zu characters, at most 64", parts[2].n);
        rc = IDENT_EFORMAT;
    } else if (!three_digits(parts[3].p, parts[3].n)) {
        jp_errf(why, whylen, "version is not 3 digits 001 to 999");
        rc = IDENT_EFORMAT;
    } else if (parts[4].n != 1) {
        jp_errf(why, whylen, "check part has %zu characters, expected 1", parts[4].n);
        rc = IDENT_EFORMAT;
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
        jp_errf(why, whylen, "identifier is missing");
        rc = IDENT_EINVAL;
        goto out;
    }
    if (len == 0 || len > IDENT_ELIC_MAX_LEN) {
        jp_errf(why, whylen, "length is %zu, expected 1 to 126", len);
        rc = IDENT_ELENGTH;
        goto out;
    }
    if (len < root || memcmp(s, IDENT_ELIC_ROOT, root) != 0) {
        jp_errf(why, whylen, "does not start with the root 1.2.156.3005.2.");
        rc = IDENT_EFORMAT;
        goto out;
    }
    rc = elic_split(s + root, len - root, parts, why, whylen);
    if (rc == IDENT_OK)
        rc = elic_parts_check(parts, why, whylen);
    if (rc != IDENT_OK)
        goto out;
    expected = mod37_36(s + root, (size_t)(parts[4].p - (s + root)));
    if (parts[4].p[0] != expected) {
        jp_errf(why, whylen, "check character should be %c", expected);
        rc = IDENT_ECHECK;
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
        jp_errf(why, whylen, "a part is missing");
        rc = IDENT_EINVAL;
        goto out;
    }
    if (version < 1 || version > 999) {
        jp_errf(why, whylen, "version must be 1 to 999");
        rc = IDENT_EINVAL;
        goto out;
    }
    if (strnlen(serial, IDENT_ELIC_SERIAL_MAX + 1) > IDENT_ELIC_SERIAL_MAX) {
        jp_errf(why, whylen, "serial has more than 64 characters");
        rc = IDENT_EFORMAT;
        goto out;
    }
    n = snprintf(buf, sizeof buf, "%s%.22s.%.19s.%s.%03d.", IDENT_ELIC_ROOT, type_code, issuer,
                 serial, version);
    if (n < 0 || (size_t)n >= IDENT_ELIC_MAX_LEN) {
        jp_errf(why, whylen, "parts are too long");
        rc = IDENT_EFORMAT;
        goto out;
    }
    buf[n] = mod37_36(buf + sizeof IDENT_ELIC_ROOT - 1, (size_t)n - (sizeof IDENT_ELIC_ROOT - 1));
    buf[n + 1] = '\0';
    /* parsing what was built checks every part with the same rules as input */
    rc = ident_elicence_parse(buf, (size_t)n + 1, NULL, why, whylen);
    if (rc != IDENT_OK)
        goto out;
    if (outsz < (size_t)n + 2) {
        jp_errf(why, whylen, "output needs %d bytes", n + 2);
        rc = IDENT_ENOSPC;
        goto out;
    }
    memcpy(out, buf, (size_t)n + 2);
out:
    return rc;
}
