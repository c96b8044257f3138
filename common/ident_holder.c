/*
 * ident_holder.c - the holder rules of ident.h: the GB 11643 citizen ID number
 * and other documents (SPEC §3.3), the holder-name rule (SPEC §5) and the
 * masking shown to the public (SPEC §8). "Is a letter" comes from HarfBuzz's
 * Unicode tables rather than our own; UTF-8 is read by jp_utf8_decode.
 * Reasons name a position, never the input (it is personal data).
 */
#include "ident_int.h"
#include "util.h"

#include <string.h>

#include <hb.h>

enum { NAME_NONE, NAME_LETTER, NAME_SEP }; /* what the previous name character was */

/* ---- Holder identity ---- */

int ident_citizen_id_parse(const char *s, size_t len, const struct ident_date *today,
                           struct ident_citizen_id *out, char *why, size_t whylen)
{
    int rc;
    struct ident_citizen_id c;

    rc = ident_scan_18(s, len, 1, "id number", why, whylen);
    if (rc != IDENT_OK)
        goto out;
    c.birth.year = digits_value(s + 6, 4);
    c.birth.month = digits_value(s + 10, 2);
    c.birth.day = digits_value(s + 12, 2);
    if (c.birth.year < IDENT_YEAR_MIN && c.birth.year > 0) {
        jp_errf(why, whylen, "birth date is before 1900");
        rc = IDENT_EDATE;
        goto out;
    }
    if (!ident_date_valid(&c.birth)) {
        jp_errf(why, whylen, "birth date is not a real date");
        rc = IDENT_EDATE;
        goto out;
    }
    if (today != NULL && !ident_date_valid(today)) {
        jp_errf(why, whylen, "today is not a real date");
        rc = IDENT_EINVAL;
        goto out;
    }
    if (today != NULL && ident_date_cmp(&c.birth, today) > 0) {
        jp_errf(why, whylen, "birth date is in the future");
        rc = IDENT_EDATE;
        goto out;
    }
    rc = ident_verify_mod11_2(s, why, whylen);
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
    const struct ident_fixed shape = {"id_type", "id_type ", 3, "", 0, 3};

    clear_why(why, whylen);
    return ident_fixed_check(&shape, type, typelen, why, whylen);
}

/* Checks a number of a non-citizen document: 6..32 of 0x21..0x7E. */
static int other_id_check(const char *id, size_t len, char *why, size_t whylen)
{
    int rc = IDENT_OK;

    if (len < IDENT_OTHER_ID_MIN || len > IDENT_OTHER_ID_MAX) {
        jp_errf(why, whylen, "length is %zu, expected 6 to 32", len);
        rc = IDENT_ELENGTH;
        goto out;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)id[i];

        if (c < 0x21 || c > 0x7e) {
            jp_errf(why, whylen, "character %zu is not printable ascii other than space", i + 1);
            rc = IDENT_ECHAR;
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
        jp_errf(why, whylen, "id number is missing");
        rc = IDENT_EINVAL;
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
        jp_errf(why, whylen, "output needs %zu bytes", idlen + 1);
        rc = IDENT_ENOSPC;
        goto out;
    }
    memcpy(out, canon, idlen);
    out[idlen] = '\0';
out:
    return rc;
}

/* ---- The holder name ---- */

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
        jp_errf(why, whylen, "character %zu is a control character", k);
        rc = IDENT_ECHAR;
    } else if ((cp == 0x20 || cp == 0xb7) && w->prev == NAME_NONE) {
        jp_errf(why, whylen, "name starts with a space or middle dot");
        rc = IDENT_EFORMAT;
    } else if ((cp == 0x20 || cp == 0xb7) && w->prev == NAME_SEP) {
        jp_errf(why, whylen, "character %zu follows another space or middle dot", k);
        rc = IDENT_EFORMAT;
    } else if (cp == 0x20 || cp == 0xb7 || is_letter(gc)) {
        w->start[w->nchars++] = off;
        w->prev = cp == 0x20 || cp == 0xb7 ? NAME_SEP : NAME_LETTER;
    } else if (is_mark(gc) && w->prev != NAME_LETTER) {
        jp_errf(why, whylen, "character %zu is a combining mark without a letter before it", k);
        rc = IDENT_ECHAR;
    } else if (is_dot_lookalike(cp)) {
        jp_errf(why, whylen, "character %zu is not the middle dot U+00B7", k);
        rc = IDENT_ECHAR;
    } else if (!is_mark(gc)) {
        jp_errf(why, whylen, "character %zu is not a letter, middle dot or space", k);
        rc = IDENT_ECHAR;
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
        jp_errf(why, whylen, "name is missing");
        rc = IDENT_EINVAL;
        goto out;
    }
    if (len > IDENT_NAME_MAX_BYTES) {
        jp_errf(why, whylen, "name is longer than 256 bytes (64 characters)");
        rc = IDENT_ELENGTH;
        goto out;
    }
    while (off < len && rc == IDENT_OK) {
        if (w->ncp == IDENT_NAME_MAX_CHARS) {
            jp_errf(why, whylen, "name is longer than 64 characters");
            rc = IDENT_ELENGTH;
            goto out;
        }
        used = jp_utf8_decode((const unsigned char *)s + off, len - off, &cp);
        if (used == 0) {
            jp_errf(why, whylen, "byte %zu is not valid utf-8", off + 1);
            rc = IDENT_EUTF8;
            goto out;
        }
        w->ncp++;
        rc = name_step(w, cp, off, why, whylen);
        off += used;
    }
    if (rc == IDENT_OK && w->ncp == 0) {
        jp_errf(why, whylen, "name is empty");
        rc = IDENT_ELENGTH;
    } else if (rc == IDENT_OK && w->prev == NAME_SEP) {
        jp_errf(why, whylen, "name ends with a space or middle dot");
        rc = IDENT_EFORMAT;
    }
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
