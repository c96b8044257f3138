/*
 * form.c - what browsers post (pages.h): application/x-www-form-urlencoded
 * and multipart/form-data bodies with one file, and the Cookie header. Every
 * parser is bounded by the body it is given and by PAGES_FIELDS_MAX,
 * PAGES_VALUE_MAX and PAGES_UPLOAD_MAX, allocates only the decoded text
 * values, and refuses rather than guesses: duplicate names, bad escapes,
 * text that is not UTF-8.
 */
#include "pages.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------ fields */

static int name_ok(const char *s, size_t n)
{
    size_t i;

    if (n == 0 || n > PAGES_NAME_MAX)
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];

        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-'))
            return 0;
    }
    return 1;
}

/* 1 when v is valid UTF-8 without control characters other than tab, CR, LF. */
static int value_ok(const char *v, size_t n)
{
    size_t i;

    if (!jp_utf8_valid(v, n))
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)v[i];

        if ((ch < 0x20 && ch != '\t' && ch != '\r' && ch != '\n') || ch == 0x7f)
            return 0;
    }
    return 1;
}

const char *pages_form_get(const struct pages_form *f, const char *name, size_t *len)
{
    size_t i;

    for (i = 0; i < f->n; i++) {
        if (strcmp(f->f[i].name, name) == 0) {
            if (len != NULL)
                *len = f->f[i].len;
            return f->f[i].value;
        }
    }
    if (len != NULL)
        *len = 0;
    return NULL;
}

void pages_form_free(struct pages_form *f)
{
    size_t i;

    if (f == NULL)
        return;
    for (i = 0; i < f->n; i++) {
        jp_free_secret(f->f[i].value, f->f[i].len);
    }
    memset(f, 0, sizeof(*f));
}

/* Adds name = value (value owned by the form from now on, also on error). */
static int form_add(struct pages_form *f, const char *name, size_t nlen, char *value, size_t vlen)
{
    char key[PAGES_NAME_MAX + 1];

    if (!name_ok(name, nlen) || f->n >= PAGES_FIELDS_MAX || !value_ok(value, vlen))
        goto out_refuse;
    memcpy(key, name, nlen);
    key[nlen] = '\0';
    if (pages_form_get(f, key, NULL) != NULL)
        goto out_refuse;
    memcpy(f->f[f->n].name, key, nlen + 1);
    f->f[f->n].value = value;
    f->f[f->n].len = vlen;
    f->n++;
    return 0;
out_refuse:
    jp_free_secret(value, vlen);
    return PAGES_E_FORM;
}

/* --------------------------------------------------------- urlencoded */

/* Decodes s[0..n-1] ('+' and %XX) into a new NUL-terminated *out. */
static int url_decode(const char *s, size_t n, char **out, size_t *outlen)
{
    char *d = malloc(n + 1);
    size_t i, o = 0;

    *out = NULL;
    if (d == NULL)
        return ENOMEM;
    for (i = 0; i < n; i++) {
        int hi, lo;

        if (s[i] == '+') {
            d[o++] = ' ';
        } else if (s[i] != '%') {
            d[o++] = s[i];
        } else {
            hi = i + 2 < n ? jp_hex_digit((unsigned char)s[i + 1]) : -1;
            lo = hi >= 0 ? jp_hex_digit((unsigned char)s[i + 2]) : -1;
            if (lo < 0) {
                jp_free_secret(d, o);
                return PAGES_E_FORM;
            }
            d[o++] = (char)(hi * 16 + lo);
            i += 2;
        }
    }
    d[o] = '\0';
    if (o > PAGES_VALUE_MAX) {
        jp_free_secret(d, o);
        return PAGES_E_TOO_BIG;
    }
    *out = d;
    *outlen = o;
    return 0;
}

static int url_pair(struct pages_form *f, const char *s, size_t n)
{
    const char *eq = memchr(s, '=', n);
    size_t nlen = eq != NULL ? (size_t)(eq - s) : n;
    char *value = NULL;
    size_t vlen = 0;
    int rc;

    if (!name_ok(s, nlen)) /* names are plain: no escapes to decode */
        return PAGES_E_FORM;
    rc = url_decode(eq != NULL ? eq + 1 : s + n, eq != NULL ? n - nlen - 1 : 0, &value, &vlen);
    if (rc != 0)
        return rc;
    return form_add(f, s, nlen, value, vlen);
}

int pages_form_parse(const void *body, size_t len, struct pages_form *out)
{
    const char *s = body, *end = s + len;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    while (rc == 0 && s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        size_t n = amp != NULL ? (size_t)(amp - s) : (size_t)(end - s);

        if (n > 0)
            rc = url_pair(out, s, n);
        s += n + (amp != NULL);
    }
    if (rc != 0)
        pages_form_free(out);
    return rc;
}

/* ---------------------------------------------------------- multipart */

#define BOUNDARY_MAX 70   /* RFC 2046 */
#define PART_HEADERS 4096 /* bytes of one part's headers */

/* Finds needle (nlen >= 1) in hay[0..hlen-1]; NULL when absent. */
static const unsigned char *find(const unsigned char *hay, size_t hlen, const void *needle,
                                 size_t nlen)
{
    const unsigned char *n = needle, *p = hay, *end = hay + hlen;

    while ((size_t)(end - p) >= nlen) {
        p = memchr(p, n[0], (size_t)(end - p) - nlen + 1);
        if (p == NULL)
            return NULL;
        if (memcmp(p, n, nlen) == 0)
            return p;
        p++;
    }
    return NULL;
}

/*
 * Copies the value of parameter param of a header value (boundary=..., name=...,
 * filename=...), quoted or not, into out. 0, ENOENT, PAGES_E_FORM (unclosed
 * quote, does not fit).
 */
static int header_param(const char *h, size_t hlen, const char *param, char *out, size_t outsz)
{
    size_t plen = strlen(param), i = 0;

    while (i < hlen) {
        size_t j = i, o = 0;

        while (j < hlen && (h[j] == ' ' || h[j] == '\t' || h[j] == ';'))
            j++;
        if (j + plen + 1 <= hlen && strncasecmp(h + j, param, plen) == 0 && h[j + plen] == '=' &&
            (j == 0 || h[j - 1] == ' ' || h[j - 1] == ';' || h[j - 1] == '\t')) {
            j += plen + 1;
            if (j < hlen && h[j] == '"') {
                for (j++; j < hlen && h[j] != '"'; j++) {
                    if (o + 1 >= outsz || h[j] == '\\')
                        return PAGES_E_FORM;
                    out[o++] = h[j];
                }
                if (j >= hlen)
                    return PAGES_E_FORM;
            } else {
                for (; j < hlen && h[j] != ';' && h[j] != ' ' && h[j] != '\t'; j++) {
                    if (o + 1 >= outsz)
                        return PAGES_E_FORM;
                    out[o++] = h[j];
                }
            }
            out[o] = '\0';
            return 0;
        }
        while (j < hlen && h[j] != ';')
            j++;
        i = j + 1;
    }
    return ENOENT;
}

static int boundary_ok(const char *b)
{
    size_t n = strlen(b), i;

    if (n == 0 || n > BOUNDARY_MAX || b[n - 1] == ' ')
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)b[i];

        if (ch < 0x20 || ch > 0x7e || ch == '"')
            return 0;
    }
    return 1;
}

struct part_head {
    char name[PAGES_NAME_MAX + 2]; /* form field name (one byte more: too long is refused) */
    char filename[256];            /* "" when none */
    int has_filename;              /* a filename parameter was there */
};

/* Reads one part's headers: Content-Disposition form-data with a name. */
static int part_headers(const unsigned char *h, size_t hlen, struct part_head *ph)
{
    const unsigned char *p = h, *end = h + hlen;
    int seen = 0, rc;

    memset(ph, 0, sizeof(*ph));
    while (p < end) {
        const unsigned char *eol = find(p, (size_t)(end - p), "\r\n", 2);
        size_t n = eol != NULL ? (size_t)(eol - p) : (size_t)(end - p);
        static const char cd[] = "content-disposition:";

        if (n >= sizeof(cd) - 1 && strncasecmp((const char *)p, cd, sizeof(cd) - 1) == 0) {
            const char *v = (const char *)p + sizeof(cd) - 1;
            size_t vn = n - (sizeof(cd) - 1);

            while (vn > 0 && *v == ' ') {
                v++;
                vn--;
            }
            if (seen++ || vn < 9 || strncasecmp(v, "form-data", 9) != 0)
                return PAGES_E_FORM;
            rc = header_param(v + 9, vn - 9, "name", ph->name, sizeof(ph->name));
            if (rc != 0)
                return PAGES_E_FORM;
            rc = header_param(v + 9, vn - 9, "filename", ph->filename, sizeof(ph->filename));
            if (rc == PAGES_E_FORM)
                ph->filename[0] = '\0'; /* an odd file name is only cosmetic */
            ph->has_filename = rc != ENOENT;
        }
        p += n + 2;
    }
    return seen == 1 && name_ok(ph->name, strlen(ph->name)) ? 0 : PAGES_E_FORM;
}

/* One part: headers, CRLF CRLF, content. */
static int take_part(const unsigned char *p, size_t n, const char *file_field,
                     struct pages_upload *out)
{
    const unsigned char *sep = find(p, n < PART_HEADERS ? n : PART_HEADERS, "\r\n\r\n", 4);
    struct part_head ph;
    size_t hlen, clen;
    char *value;
    int rc;

    if (sep == NULL)
        return PAGES_E_FORM;
    hlen = (size_t)(sep - p);
    rc = part_headers(p, hlen, &ph);
    if (rc != 0)
        return rc;
    p = sep + 4;
    clen = n - hlen - 4;
    if (strcmp(ph.name, file_field) == 0) {
        if (out->has_file)
            return PAGES_E_FORM;
        if (clen > PAGES_UPLOAD_MAX)
            return PAGES_E_TOO_BIG;
        out->has_file = 1;
        out->file = p;
        out->file_len = clen;
        memcpy(out->filename, ph.filename, strlen(ph.filename) + 1);
        return 0;
    }
    if (clen > PAGES_VALUE_MAX)
        return PAGES_E_TOO_BIG;
    value = malloc(clen + 1);
    if (value == NULL)
        return ENOMEM;
    memcpy(value, p, clen);
    value[clen] = '\0';
    return form_add(&out->fields, ph.name, strlen(ph.name), value, clen);
}

/*
 * Walks the parts between delimiters "\r\n--boundary". The body starts with
 * "--boundary\r\n" (a preamble is not accepted: browsers send none) and the
 * last delimiter is followed by "--".
 */
static int walk_parts(const unsigned char *b, size_t len, const char *boundary,
                      const char *file_field, struct pages_upload *out)
{
    char delim[BOUNDARY_MAX + 5];
    size_t dlen = strlen(boundary) + 4, pos;
    int rc = 0;

    memcpy(delim, "\r\n--", 4);
    memcpy(delim + 4, boundary, dlen - 4);
    if (len < dlen - 2 || memcmp(b, delim + 2, dlen - 2) != 0)
        return PAGES_E_FORM;
    pos = dlen - 2;
    for (;;) {
        const unsigned char *next;

        if (len - pos >= 2 && memcmp(b + pos, "--", 2) == 0)
            return 0; /* the close delimiter; an epilogue is ignored */
        if (len - pos < 2 || memcmp(b + pos, "\r\n", 2) != 0)
            return PAGES_E_FORM;
        pos += 2;
        next = find(b + pos, len - pos, delim, dlen);
        if (next == NULL)
            return PAGES_E_FORM; /* truncated: no delimiter after the part */
        rc = take_part(b + pos, (size_t)(next - (b + pos)), file_field, out);
        if (rc != 0)
            return rc;
        pos = (size_t)(next - b) + dlen;
    }
}

int pages_multipart_parse(const char *content_type, const void *body, size_t len,
                          const char *file_field, struct pages_upload *out)
{
    char boundary[BOUNDARY_MAX + 2];
    static const char mp[] = "multipart/form-data";
    int rc;

    memset(out, 0, sizeof(*out));
    if (content_type == NULL || strncasecmp(content_type, mp, sizeof(mp) - 1) != 0)
        return PAGES_E_FORM;
    rc = header_param(content_type + sizeof(mp) - 1, strlen(content_type + sizeof(mp) - 1),
                      "boundary", boundary, sizeof(boundary));
    if (rc != 0 || !boundary_ok(boundary))
        return PAGES_E_FORM;
    rc = walk_parts(body, len, boundary, file_field, out);
    if (rc != 0)
        pages_upload_free(out);
    return rc;
}

int pages_body_parse(const char *content_type, const void *body, size_t len, const char *file_field,
                     struct pages_upload *out)
{
    static const char ue[] = "application/x-www-form-urlencoded";

    memset(out, 0, sizeof(*out));
    if (content_type != NULL && strncasecmp(content_type, "multipart/", 10) == 0)
        return pages_multipart_parse(content_type, body, len, file_field, out);
    if (content_type != NULL && strncasecmp(content_type, ue, sizeof(ue) - 1) != 0)
        return PAGES_E_FORM;
    return pages_form_parse(body, len, &out->fields);
}

void pages_upload_free(struct pages_upload *u)
{
    if (u == NULL)
        return;
    pages_form_free(&u->fields);
    memset(u, 0, sizeof(*u));
}

/* ------------------------------------------------------------ cookies */

int pages_cookie_get(const char *header, const char *name, char *out, size_t outsz)
{
    size_t nlen = strlen(name), vlen = 0;
    const char *p = header, *found = NULL;

    if (outsz > 0)
        out[0] = '\0';
    if (header == NULL)
        return ENOENT;
    while (*p != '\0') {
        size_t n;

        while (*p == ' ' || *p == ';' || *p == ',')
            p++;
        n = strcspn(p, ";,");
        if (n > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
            if (found != NULL)
                return PAGES_E_FORM;
            found = p + nlen + 1;
            vlen = n - nlen - 1;
        }
        p += n;
    }
    if (found == NULL)
        return ENOENT;
    while (vlen > 0 && found[vlen - 1] == ' ')
        vlen--;
    if (vlen + 1 > outsz)
        return ENOSPC;
    memcpy(out, found, vlen);
    out[vlen] = '\0';
    return 0;
}
