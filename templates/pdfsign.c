/*
 * pdfsign.c - signs a PDF by appending an incremental update (PDF 32000-1
 * §7.5.6) that holds a PAdES signature dictionary, its field and widget, and
 * new versions of the first page and the catalog. The original is read with a
 * small tokenizer that never reads outside [0, len) and bounds every nesting
 * depth and count, so a hostile or truncated file ends in an error, never a
 * crash. Only what the update needs is parsed: startxref, the classic xref
 * tables along the /Prev chain, the newest trailer, the catalog and the page
 * tree down to the first page. The signature's /ByteRange and /Contents are
 * written as fixed-width placeholders, then patched in place once the offsets
 * and the signer's DER are known.
 */
#include "tmpl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_DEPTH 32              /* nesting of arrays and dictionaries in one value */
#define MAX_DICT 64               /* entries of one dictionary we keep */
#define MAX_SECTIONS 64           /* xref sections along the /Prev chain */
#define MAX_PAGE_DEPTH 32         /* levels of the page tree walked to the first page */
#define MAX_OBJNUM 8388607L       /* PDF 32000-1 annex C: largest object number */
#define MAX_GEN 65535L            /* largest generation number */
#define NUM_CLAMP 1000000000000LL /* integers saturate here; every use bounds them lower */
#define TAIL_SCAN 1024            /* bytes at the end searched for "startxref" */
#define XREF_ENTRY 20             /* bytes of one classic xref entry */
#define BR_WIDTH 34               /* "0 " + three 10-digit numbers and spaces */
#define NEW_OBJECTS 4             /* signature, widget, page, catalog */

enum tok_type {
    TOK_EOF,
    TOK_INT,
    TOK_REAL,
    TOK_NAME,
    TOK_STRING,
    TOK_HEXSTR,
    TOK_DICT_OPEN,
    TOK_DICT_CLOSE,
    TOK_ARRAY_OPEN,
    TOK_ARRAY_CLOSE,
    TOK_KEYWORD,
    TOK_REF, /* "N G R"; produced by value parsing, never by the lexer */
};

struct token {
    enum tok_type type; /* what was read */
    size_t start;       /* offset of the first byte */
    size_t end;         /* offset after the last byte */
    long long ival;     /* value of a TOK_INT, saturated at +-NUM_CLAMP */
};

struct pdfdoc;

struct lexer {
    struct pdfdoc *doc; /* buffer and error sink */
    size_t pos;         /* next byte to read */
    size_t end;         /* reading stops here; end <= doc->len */
};

struct dent {
    size_t kstart, kend; /* key, including its '/' */
    size_t vstart, vend; /* the whole value */
    enum tok_type vtype; /* first token's type, or TOK_REF */
};

struct dict {
    struct dent e[MAX_DICT]; /* top-level entries in file order */
    size_t n;                /* entries used */
};

struct ref {
    long num; /* object number, 1..MAX_OBJNUM */
    long gen; /* generation, 0..MAX_GEN */
};

struct pdfdoc {
    const unsigned char *buf;      /* the original PDF; not owned */
    size_t len;                    /* its length */
    char *err;                     /* caller's message buffer, may be NULL */
    size_t errlen;                 /* its size */
    size_t sections[MAX_SECTIONS]; /* xref section offsets, newest first */
    size_t nsections;              /* sections used */
    struct dict trailer;           /* the newest trailer */
    struct dict catalog;           /* the catalog dictionary */
    struct dict page;              /* the first page's dictionary */
    struct dict scratch;           /* intermediate page-tree nodes */
    struct ref root;               /* the catalog's reference */
    struct ref pageref;            /* the first page's reference */
    long size;                     /* the trailer's /Size */
};

struct xent {
    long num;   /* object number */
    long gen;   /* generation */
    size_t off; /* offset of "num gen obj" in the output */
};

/* Offsets below are file offsets: out->data + base is the signed PDF's first byte. */
struct layout {
    size_t base;        /* out->len before the call; the PDF starts there */
    size_t br_at;       /* first byte of the /ByteRange placeholder */
    size_t contents_lt; /* offset of the '<' of /Contents */
    size_t contents_gt; /* offset after the '>' of /Contents */
    size_t reserve;     /* DER bytes reserved */
    struct xent x[NEW_OBJECTS];
};

/* Writes a message; a message too long for the buffer ends in "..." so the cut shows. */
static int set_err(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int set_err(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (err != NULL && errlen > 0) {
        va_start(ap, fmt);
        n = vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
        if (n < 0)
            err[0] = '\0';
        else if ((size_t)n >= errlen && errlen >= 4)
            memcpy(err + errlen - 4, "...", 4);
    }
    return rc;
}

/* ---- tokenizer ---- */

static int is_ws(unsigned char c)
{
    return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

static int is_delim(unsigned char c)
{
    return c != 0 && strchr("()<>[]{}/%", c) != NULL;
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int lex_fail(struct lexer *lx, size_t at, const char *what)
{
    return set_err(lx->doc->err, lx->doc->errlen, TMPL_SIGN_EFORMAT, "pdf syntax at offset %zu: %s",
                   at, what);
}

static void lex_init(struct lexer *lx, struct pdfdoc *doc, size_t pos, size_t end)
{
    lx->doc = doc;
    lx->pos = pos < end ? pos : end;
    lx->end = end;
}

/* Skips white space and comments. */
static void lex_skip_ws(struct lexer *lx)
{
    const unsigned char *b = lx->doc->buf;

    while (lx->pos < lx->end) {
        if (b[lx->pos] == '%') {
            while (lx->pos < lx->end && b[lx->pos] != '\n' && b[lx->pos] != '\r')
                lx->pos++;
        } else if (is_ws(b[lx->pos])) {
            lx->pos++;
        } else {
            break;
        }
    }
}

static int lex_string(struct lexer *lx, struct token *t)
{
    const unsigned char *b = lx->doc->buf;
    size_t depth = 0;
    int rc = TMPL_SIGN_EFORMAT;

    while (lx->pos < lx->end) {
        unsigned char c = b[lx->pos++];

        if (c == '\\') {
            if (lx->pos < lx->end)
                lx->pos++;
        } else if (c == '(') {
            depth++;
        } else if (c == ')' && --depth == 0) {
            rc = 0;
            break;
        }
    }
    if (rc != 0)
        rc = lex_fail(lx, t->start, "unterminated string");
    t->type = TOK_STRING;
    return rc;
}

static int lex_hexstr(struct lexer *lx, struct token *t)
{
    const unsigned char *b = lx->doc->buf;
    int rc = TMPL_SIGN_EFORMAT;

    lx->pos++;
    while (lx->pos < lx->end && (is_hex(b[lx->pos]) || is_ws(b[lx->pos])))
        lx->pos++;
    if (lx->pos < lx->end && b[lx->pos] == '>') {
        lx->pos++;
        rc = 0;
    } else {
        rc = lex_fail(lx, t->start, "unterminated or malformed hex string");
    }
    t->type = TOK_HEXSTR;
    return rc;
}

static int lex_number(struct lexer *lx, struct token *t)
{
    const unsigned char *b = lx->doc->buf;
    long long v = 0;
    int neg = 0, dot = 0, digits = 0, rc = 0;

    if (b[lx->pos] == '+' || b[lx->pos] == '-')
        neg = b[lx->pos++] == '-';
    while (lx->pos < lx->end && (is_digit(b[lx->pos]) || (b[lx->pos] == '.' && !dot))) {
        if (b[lx->pos] == '.') {
            dot = 1;
        } else {
            digits++;
            if (v < NUM_CLAMP)
                v = v * 10 + (b[lx->pos] - '0');
        }
        lx->pos++;
    }
    if (digits == 0 || (lx->pos < lx->end && !is_ws(b[lx->pos]) && !is_delim(b[lx->pos])))
        rc = lex_fail(lx, t->start, "malformed number");
    t->type = dot ? TOK_REAL : TOK_INT;
    t->ival = neg ? -v : v;
    return rc;
}

static void lex_regular(struct lexer *lx, struct token *t, enum tok_type type)
{
    const unsigned char *b = lx->doc->buf;

    while (lx->pos < lx->end && !is_ws(b[lx->pos]) && !is_delim(b[lx->pos]))
        lx->pos++;
    t->type = type;
}

/* Reads the next token; TOK_EOF at the lexer's end. */
static int lex_next(struct lexer *lx, struct token *t)
{
    const unsigned char *b = lx->doc->buf;
    unsigned char c, next;
    int rc = 0;

    lex_skip_ws(lx);
    t->start = lx->pos;
    t->ival = 0;
    t->type = TOK_EOF;
    if (lx->pos < lx->end) {
        c = b[lx->pos];
        next = lx->pos + 1 < lx->end ? b[lx->pos + 1] : 0;
        if (c == '(') {
            rc = lex_string(lx, t);
        } else if (c == '<' && next == '<') {
            t->type = TOK_DICT_OPEN;
            lx->pos += 2;
        } else if (c == '<') {
            rc = lex_hexstr(lx, t);
        } else if (c == '>' && next == '>') {
            t->type = TOK_DICT_CLOSE;
            lx->pos += 2;
        } else if (c == '[' || c == ']') {
            t->type = c == '[' ? TOK_ARRAY_OPEN : TOK_ARRAY_CLOSE;
            lx->pos++;
        } else if (c == '/') {
            lx->pos++;
            lex_regular(lx, t, TOK_NAME);
        } else if (is_digit(c) || c == '+' || c == '-' || c == '.') {
            rc = lex_number(lx, t);
        } else if (is_delim(c)) {
            rc = lex_fail(lx, lx->pos, "unexpected delimiter");
        } else {
            lex_regular(lx, t, TOK_KEYWORD);
        }
    }
    t->end = lx->pos;
    return rc;
}

static int tok_is(const struct lexer *lx, const struct token *t, enum tok_type type,
                  const char *text)
{
    size_t n = strlen(text);

    return t->type == type && t->end - t->start == n &&
           memcmp(lx->doc->buf + t->start, text, n) == 0;
}

/* ---- values and dictionaries ---- */

static int skip_value(struct lexer *lx, const struct token *first, int depth, enum tok_type *type,
                      size_t *end);

/* After an integer: "N G R" becomes one TOK_REF value, anything else leaves the integer. */
static int skip_int_or_ref(struct lexer *lx, const struct token *first, enum tok_type *type,
                           size_t *end)
{
    struct lexer save = *lx;
    struct token gen, r;
    int rc;

    *type = TOK_INT;
    *end = first->end;
    rc = lex_next(lx, &gen);
    if (rc == 0 && gen.type == TOK_INT)
        rc = lex_next(lx, &r);
    if (rc == 0 && gen.type == TOK_INT && tok_is(lx, &r, TOK_KEYWORD, "R")) {
        *type = TOK_REF;
        *end = r.end;
    } else {
        *lx = save;
        rc = 0;
    }
    return rc;
}

static int skip_array(struct lexer *lx, int depth, size_t *end)
{
    struct token t;
    enum tok_type type;
    size_t vend;
    int rc;

    for (;;) {
        rc = lex_next(lx, &t);
        if (rc != 0 || t.type == TOK_ARRAY_CLOSE)
            break;
        rc = skip_value(lx, &t, depth + 1, &type, &vend);
        if (rc != 0)
            break;
    }
    *end = t.end;
    return rc;
}

static int dict_add(struct lexer *lx, struct dict *d, const struct token *key, size_t vstart,
                    size_t vend, enum tok_type vtype)
{
    const unsigned char *b = lx->doc->buf;
    size_t klen = key->end - key->start, i;
    int rc = 0;

    for (i = 0; i < d->n && rc == 0; i++) {
        if (d->e[i].kend - d->e[i].kstart == klen &&
            memcmp(b + d->e[i].kstart, b + key->start, klen) == 0)
            rc = lex_fail(lx, key->start, "duplicate dictionary key");
    }
    if (rc == 0 && d->n == MAX_DICT)
        rc = lex_fail(lx, key->start, "dictionary has too many entries");
    if (rc == 0) {
        d->e[d->n] = (struct dent){key->start, key->end, vstart, vend, vtype};
        d->n++;
    }
    return rc;
}

/*
 * Reads a dictionary's entries after its "<<" up to and including ">>". When d
 * is not NULL the top-level entries are recorded there.
 */
static int dict_walk(struct lexer *lx, int depth, struct dict *d, size_t *end)
{
    struct token key, val;
    enum tok_type type;
    size_t vend;
    int rc;

    for (;;) {
        rc = lex_next(lx, &key);
        if (rc != 0 || key.type == TOK_DICT_CLOSE)
            break;
        if (key.type != TOK_NAME) {
            rc = lex_fail(lx, key.start, "dictionary key is not a name");
            break;
        }
        rc = lex_next(lx, &val);
        if (rc == 0)
            rc = skip_value(lx, &val, depth + 1, &type, &vend);
        if (rc == 0 && d != NULL)
            rc = dict_add(lx, d, &key, val.start, vend, type);
        if (rc != 0)
            break;
    }
    *end = key.end;
    return rc;
}

/* Skips one complete value whose first token is first; *type is TOK_REF for "N G R". */
static int skip_value(struct lexer *lx, const struct token *first, int depth, enum tok_type *type,
                      size_t *end)
{
    int rc = 0;

    *type = first->type;
    *end = first->end;
    if (depth > MAX_DEPTH) {
        rc = lex_fail(lx, first->start, "values nested too deeply");
    } else if (first->type == TOK_DICT_OPEN) {
        rc = dict_walk(lx, depth, NULL, end);
    } else if (first->type == TOK_ARRAY_OPEN) {
        rc = skip_array(lx, depth, end);
    } else if (first->type == TOK_INT) {
        rc = skip_int_or_ref(lx, first, type, end);
    } else if (first->type == TOK_KEYWORD) {
        if (!tok_is(lx, first, TOK_KEYWORD, "true") && !tok_is(lx, first, TOK_KEYWORD, "false") &&
            !tok_is(lx, first, TOK_KEYWORD, "null"))
            rc = lex_fail(lx, first->start, "unexpected keyword in a value");
    } else if (first->type != TOK_NAME && first->type != TOK_STRING && first->type != TOK_HEXSTR &&
               first->type != TOK_REAL) {
        rc = lex_fail(lx, first->start, "unexpected token in a value");
    }
    return rc;
}

/* Reads "<< ... >>" into d. */
static int dict_read(struct lexer *lx, struct dict *d)
{
    struct token t;
    size_t end;
    int rc;

    d->n = 0;
    rc = lex_next(lx, &t);
    if (rc == 0 && t.type != TOK_DICT_OPEN)
        rc = lex_fail(lx, t.start, "expected a dictionary");
    if (rc == 0)
        rc = dict_walk(lx, 0, d, &end);
    return rc;
}

/* Whether the key of e is /name. */
static int key_is(const struct pdfdoc *doc, const struct dent *e, const char *name)
{
    size_t n = strlen(name);

    return e->kend - e->kstart == n + 1 && memcmp(doc->buf + e->kstart + 1, name, n) == 0;
}

/* The entry /key of d, or NULL. */
static const struct dent *dict_get(const struct pdfdoc *doc, const struct dict *d, const char *key)
{
    const struct dent *found = NULL;
    size_t i;

    for (i = 0; i < d->n && found == NULL; i++) {
        if (key_is(doc, &d->e[i], key))
            found = &d->e[i];
    }
    return found;
}

/* Whether the value of e is the given text exactly, e.g. "/Page". */
static int dent_value_is(const struct pdfdoc *doc, const struct dent *e, const char *text)
{
    size_t n = strlen(text);

    return e != NULL && e->vend - e->vstart == n && memcmp(doc->buf + e->vstart, text, n) == 0;
}

static int dent_ref(struct pdfdoc *doc, const struct dent *e, const char *what, struct ref *r)
{
    struct lexer lx;
    struct token num, gen;
    int rc = TMPL_SIGN_EFORMAT;

    if (e != NULL && e->vtype == TOK_REF) {
        lex_init(&lx, doc, e->vstart, e->vend);
        rc = lex_next(&lx, &num);
        if (rc == 0)
            rc = lex_next(&lx, &gen);
        if (rc == 0 &&
            (num.ival < 1 || num.ival > MAX_OBJNUM || gen.ival < 0 || gen.ival > MAX_GEN))
            rc = TMPL_SIGN_EFORMAT;
        if (rc == 0)
            *r = (struct ref){(long)num.ival, (long)gen.ival};
    }
    if (rc != 0)
        rc = set_err(doc->err, doc->errlen, TMPL_SIGN_EFORMAT,
                     "%s: missing or not a valid indirect reference", what);
    return rc;
}

static int dent_int(struct pdfdoc *doc, const struct dent *e, const char *what, long long *v)
{
    struct lexer lx;
    struct token t;
    int rc = TMPL_SIGN_EFORMAT;

    if (e != NULL && e->vtype == TOK_INT) {
        lex_init(&lx, doc, e->vstart, e->vend);
        rc = lex_next(&lx, &t);
        if (rc == 0)
            *v = t.ival;
    }
    if (rc != 0)
        rc = set_err(doc->err, doc->errlen, TMPL_SIGN_EFORMAT, "%s: missing or not an integer",
                     what);
    return rc;
}

/* ---- cross-reference tables ---- */

/* Checks one 20-byte entry "oooooooooo ggggg n\r\n"; returns its type 'n' or 'f', or 0. */
static int xref_entry(const unsigned char *p, size_t *off, long *gen)
{
    size_t i, o = 0;
    long g = 0;
    int ok =
        p[10] == ' ' && p[16] == ' ' && (p[17] == 'n' || p[17] == 'f') &&
        ((p[18] == ' ' && (p[19] == '\r' || p[19] == '\n')) || (p[18] == '\r' && p[19] == '\n'));

    for (i = 0; i < 10 && ok; i++) {
        ok = is_digit(p[i]);
        o = o * 10 + (size_t)(p[i] - '0');
    }
    for (i = 11; i < 16 && ok; i++) {
        ok = is_digit(p[i]);
        g = g * 10 + (p[i] - '0');
    }
    *off = o;
    *gen = g;
    return ok ? p[17] : 0;
}

struct xhit {
    long num;   /* object looked for, or 0 for none */
    int type;   /* 'n', 'f', or 0 when not in this section */
    size_t off; /* offset of an 'n' entry */
    long gen;   /* generation of the entry */
};

static int xref_subsection(struct lexer *lx, const struct token *first, struct xhit *hit)
{
    struct pdfdoc *doc = lx->doc;
    struct token count;
    size_t at = 0, i, off;
    long gen;
    int rc, type = 0;

    rc = lex_next(lx, &count);
    if (rc == 0 && (count.type != TOK_INT || first->ival < 0 || first->ival > MAX_OBJNUM ||
                    count.ival < 0 || count.ival > MAX_OBJNUM + 1 - first->ival))
        rc = lex_fail(lx, first->start, "malformed xref subsection header");
    if (rc == 0) {
        lex_skip_ws(lx);
        at = lx->pos;
        if ((size_t)count.ival > (doc->len - at) / XREF_ENTRY)
            rc = lex_fail(lx, at, "xref subsection runs past the end of the file");
    }
    for (i = 0; rc == 0 && i < (size_t)count.ival; i++) {
        type = xref_entry(doc->buf + at + i * XREF_ENTRY, &off, &gen);
        if (type == 0)
            rc = lex_fail(lx, at + i * XREF_ENTRY, "xref entry is not 20 bytes of n or f");
        if (type != 0 && hit->num == first->ival + (long long)i) {
            hit->type = type;
            hit->off = off;
            hit->gen = gen;
        }
    }
    if (rc == 0)
        lx->pos = at + (size_t)count.ival * XREF_ENTRY;
    return rc;
}

/* Whether "num gen obj" starts at off (an xref stream where a table was expected). */
static int is_object_at(struct pdfdoc *doc, size_t off)
{
    struct lexer lx;
    struct token t[3];
    int i, rc = 0;

    lex_init(&lx, doc, off, doc->len);
    for (i = 0; i < 3 && rc == 0; i++)
        rc = lex_next(&lx, &t[i]);
    return rc == 0 && t[0].type == TOK_INT && t[1].type == TOK_INT &&
           tok_is(&lx, &t[2], TOK_KEYWORD, "obj");
}

/*
 * Reads the xref section at off up to its "trailer" keyword: records a hit for
 * hit->num and the offset of the trailer dictionary.
 */
static int xref_section(struct pdfdoc *doc, size_t off, struct xhit *hit, size_t *trailer_at)
{
    struct lexer lx;
    struct token t;
    int rc;

    hit->type = 0;
    lex_init(&lx, doc, off, doc->len);
    rc = lex_next(&lx, &t);
    if (rc == 0 && !tok_is(&lx, &t, TOK_KEYWORD, "xref"))
        rc = is_object_at(doc, off)
                 ? set_err(doc->err, doc->errlen, TMPL_SIGN_EUNSUPPORTED,
                           "xref at offset %zu: cross-reference streams are not supported", off)
                 : set_err(doc->err, doc->errlen, TMPL_SIGN_EFORMAT,
                           "startxref or /Prev: offset %zu is not an xref table", off);
    while (rc == 0) {
        rc = lex_next(&lx, &t);
        if (rc != 0 || tok_is(&lx, &t, TOK_KEYWORD, "trailer"))
            break;
        if (t.type != TOK_INT)
            rc = lex_fail(&lx, t.start, "expected an xref subsection or trailer");
        else
            rc = xref_subsection(&lx, &t, hit);
    }
    *trailer_at = t.end;
    return rc;
}

/* Whether text occurs in p[0..n); memmem is a GNU extension. */
static int contains(const unsigned char *p, size_t n, const char *text)
{
    size_t k = strlen(text), i;
    int found = 0;

    for (i = 0; i + k <= n && !found; i++)
        found = memcmp(p + i, text, k) == 0;
    return found;
}

/* Finds "startxref N ... %%EOF" at the end of the file; *off = N. */
static int find_startxref(struct pdfdoc *doc, size_t *off)
{
    static const char key[] = "startxref";
    size_t klen = sizeof(key) - 1, from = doc->len > TAIL_SCAN ? doc->len - TAIL_SCAN : 0;
    size_t i, found = SIZE_MAX;
    struct lexer lx;
    struct token t;
    int rc = 0;

    for (i = doc->len >= klen ? doc->len - klen + 1 : 0; i > from && found == SIZE_MAX; i--) {
        if (memcmp(doc->buf + i - 1, key, klen) == 0)
            found = i - 1;
    }
    if (found == SIZE_MAX) {
        rc = set_err(doc->err, doc->errlen, TMPL_SIGN_EFORMAT,
                     "pdf: no startxref near the end of the file (truncated?)");
    } else {
        lex_init(&lx, doc, found + klen, doc->len);
        rc = lex_next(&lx, &t);
        if (rc == 0 && (t.type != TOK_INT || t.ival < 0 || (size_t)t.ival >= doc->len))
            rc = set_err(doc->err, doc->errlen, TMPL_SIGN_EFORMAT,
                         "startxref: offset missing or outside the file");
        if (rc == 0 && !contains(doc->buf + t.end, doc->len - t.end, "%%EOF"))
            rc = set_err(doc->err, doc->errlen, TMPL_SIGN_EFORMAT,
                         "pdf: no %%%%EOF after startxref (truncated?)");
        *off = rc == 0 ? (size_t)t.ival : 0;
    }
    return rc;
}

/* Refuses trailer features this signer does not handle. */
static int trailer_check(struct pdfdoc *doc, const struct dict *tr)
{
    int rc = 0;

    if (dict_get(doc, tr, "Encrypt") != NULL)
        rc = set_err(doc->err, doc->errlen, TMPL_SIGN_EUNSUPPORTED,
                     "trailer: encrypted documents are not supported");
    else if (dict_get(doc, tr, "XRefStm") != NULL)
        rc = set_err(doc->err, doc->errlen, TMPL_SIGN_EUNSUPPORTED,
                     "trailer: hybrid files with /XRefStm are not supported");
    return rc;
}

/*
 * Reads the section at off and its trailer (into doc->trailer for the newest,
 * else into scratch); *prev = its /Prev, or SIZE_MAX when there is none.
 */
static int read_section(struct pdfdoc *doc, size_t off, size_t *prev)
{
    struct xhit nohit = {0, 0, 0, 0};
    struct dict *tr = doc->nsections == 0 ? &doc->trailer : &doc->scratch;
    const struct dent *e;
    struct lexer lx;
    size_t tat = 0;
    long long v = 0;
    int rc;

    *prev = SIZE_MAX;
    rc = xref_section(doc, off, &nohit, &tat);
    lex_init(&lx, doc, tat, doc->len);
    if (rc == 0)
        rc = dict_read(&lx, tr);
    if (rc == 0)
        rc = trailer_check(doc, tr);
    e = rc == 0 ? dict_get(doc, tr, "Prev") : NULL;
    if (e != NULL)
        rc = dent_int(doc, e, "trailer /Prev", &v);
    if (e != NULL && rc == 0 && (v < 0 || (size_t)v >= doc->len))
        rc = set_err(doc->err, doc->errlen, TMPL_SIGN_EFORMAT,
                     "trailer /Prev: offset outside the file");
    if (e != NULL && rc == 0)
        *prev = (size_t)v;
    return rc;
}

/* Follows startxref and the /Prev chain, recording each section's offset. */
static int load_xref_chain(struct pdfdoc *doc)
{
    size_t off = 0, i;
    int rc;

    rc = find_startxref(doc, &off);
    while (rc == 0 && off != SIZE_MAX) {
        for (i = 0; i < doc->nsections && rc == 0; i++) {
            if (doc->sections[i] == off)
                rc = set_err(doc->err, doc->errlen, TMPL_SIGN_EFORMAT,
                             "xref: /Prev chain loops back to offset %zu", off);
        }
        if (rc == 0 && doc->nsections == MAX_SECTIONS)
            rc = set_err(doc->err, doc->errlen, TMPL_SIGN_EUNSUPPORTED,
                         "xref: more than %d sections", MAX_SECTIONS);
        if (rc == 0) {
            doc->sections[doc->nsections] = off;
            rc = read_section(doc, off, &off); /* before counting: 0 means the newest */
            doc->nsections++;
        }
    }
    return rc;
}

/* Finds the offset of object r through the xref sections, newest first. */
static int obj_offset(struct pdfdoc *doc, const struct ref *r, size_t *off)
{
    struct xhit hit = {r->num, 0, 0, 0};
    size_t i, tat = 0;
    int rc = 0;

    for (i = 0; i < doc->nsections && rc == 0 && hit.type == 0; i++)
        rc = xref_section(doc, doc->sections[i], &hit, &tat);
    if (rc == 0 && hit.type != 'n')
        rc = set_err(doc->err, doc->errlen, TMPL_SIGN_EFORMAT,
                     "object %ld: not in use in the xref table", r->num);
    else if (rc == 0 && (hit.gen != r->gen || hit.off >= doc->len))
        rc = set_err(doc->err, doc->errlen, TMPL_SIGN_EFORMAT,
                     "object %ld: xref entry has another generation or points outside the file",
                     r->num);
    *off = hit.off;
    return rc;
}

/* Positions lx just after "num gen obj" of object r. */
static int obj_open(struct pdfdoc *doc, const struct ref *r, struct lexer *lx)
{
    struct token num, gen, kw;
    size_t off = 0;
    int rc;

    rc = obj_offset(doc, r, &off);
    lex_init(lx, doc, off, doc->len);
    if (rc == 0)
        rc = lex_next(lx, &num);
    if (rc == 0)
        rc = lex_next(lx, &gen);
    if (rc == 0)
        rc = lex_next(lx, &kw);
    if (rc == 0 && (num.type != TOK_INT || num.ival != r->num || gen.type != TOK_INT ||
                    gen.ival != r->gen || !tok_is(lx, &kw, TOK_KEYWORD, "obj")))
        rc = set_err(doc->err, doc->errlen, TMPL_SIGN_EFORMAT,
                     "object %ld: xref offset %zu does not hold that object", r->num, off);
    return rc;
}

static int obj_dict(struct pdfdoc *doc, const struct ref *r, struct dict *d)
{
    struct lexer lx;
    int rc;

    rc = obj_open(doc, r, &lx);
    if (rc == 0)
        rc = dict_read(&lx, d);
    return rc;
}

/*
 * Finds the span between the brackets of an array value, direct or through one
 * indirect reference: [*start, *end).
 */
static int array_inner(struct pdfdoc *doc, const struct dent *e, const char *what, size_t *start,
                       size_t *end)
{
    struct lexer lx;
    struct token t;
    struct ref r;
    enum tok_type type;
    size_t close = 0;
    int rc = 0;

    lex_init(&lx, doc, e->vstart, e->vend);
    if (e->vtype == TOK_REF)
        rc = dent_ref(doc, e, what, &r);
    if (rc == 0 && e->vtype == TOK_REF)
        rc = obj_open(doc, &r, &lx);
    if (rc == 0)
        rc = lex_next(&lx, &t);
    if (rc == 0 && t.type != TOK_ARRAY_OPEN)
        rc = set_err(doc->err, doc->errlen, TMPL_SIGN_EFORMAT, "%s: not an array", what);
    if (rc == 0)
        rc = skip_value(&lx, &t, 0, &type, &close);
    if (rc == 0) {
        *start = t.end;
        *end = close - 1; /* before the ']' */
    }
    return rc;
}

/* Reads the first element of the array value e, which must be a reference. */
static int first_ref(struct pdfdoc *doc, const struct dent *e, const char *what, struct ref *r)
{
    struct dent item = {0, 0, 0, 0, TOK_EOF};
    struct lexer lx;
    struct token t;
    size_t start = 0, end = 0;
    int rc;

    rc = array_inner(doc, e, what, &start, &end);
    lex_init(&lx, doc, start, end);
    if (rc == 0)
        rc = lex_next(&lx, &t);
    if (rc == 0) {
        item.vstart = t.start;
        rc = skip_value(&lx, &t, 0, &item.vtype, &item.vend);
    }
    if (rc == 0)
        rc = dent_ref(doc, &item, what, r);
    return rc;
}

/* Walks /Pages -> /Kids[0] down to the first /Type /Page. */
static int find_first_page(struct pdfdoc *doc)
{
    const struct dent *type, *kids;
    struct ref r;
    int rc, depth;

    rc = dent_ref(doc, dict_get(doc, &doc->catalog, "Pages"), "catalog /Pages", &r);
    for (depth = 0; rc == 0; depth++) {
        if (depth == MAX_PAGE_DEPTH || r.num == doc->root.num) {
            rc =
                set_err(doc->err, doc->errlen, TMPL_SIGN_EFORMAT, "page tree: too deep or looping");
            break;
        }
        rc = obj_dict(doc, &r, &doc->scratch);
        type = rc == 0 ? dict_get(doc, &doc->scratch, "Type") : NULL;
        kids = rc == 0 ? dict_get(doc, &doc->scratch, "Kids") : NULL;
        if (rc != 0 || dent_value_is(doc, type, "/Page"))
            break;
        if (!dent_value_is(doc, type, "/Pages") || kids == NULL)
            rc = set_err(doc->err, doc->errlen, TMPL_SIGN_EFORMAT,
                         "object %ld: neither a /Page nor a /Pages node with /Kids", r.num);
        else
            rc = first_ref(doc, kids, "page tree /Kids[0]", &r);
    }
    if (rc == 0) {
        doc->pageref = r;
        doc->page = doc->scratch;
    }
    return rc;
}

/* Reads the trailer, the catalog and the first page; refuses what cannot be updated. */
static int doc_load(struct pdfdoc *doc)
{
    long long size = 0;
    int rc = 0;

    if (doc->len < 8 || (memcmp(doc->buf, "%PDF-1.", 7) != 0 && memcmp(doc->buf, "%PDF-2.", 7)))
        rc = set_err(doc->err, doc->errlen, TMPL_SIGN_EFORMAT, "pdf: no %%PDF- header");
    if (rc == 0)
        rc = load_xref_chain(doc);
    if (rc == 0)
        rc = dent_int(doc, dict_get(doc, &doc->trailer, "Size"), "trailer /Size", &size);
    if (rc == 0 && (size < 2 || size > MAX_OBJNUM - 2))
        rc = set_err(doc->err, doc->errlen, TMPL_SIGN_EFORMAT, "trailer /Size: out of range");
    doc->size = (long)size;
    if (rc == 0)
        rc = dent_ref(doc, dict_get(doc, &doc->trailer, "Root"), "trailer /Root", &doc->root);
    if (rc == 0)
        rc = obj_dict(doc, &doc->root, &doc->catalog);
    if (rc == 0 && dict_get(doc, &doc->catalog, "AcroForm") != NULL)
        rc = set_err(doc->err, doc->errlen, TMPL_SIGN_EUNSUPPORTED,
                     "catalog: already has an /AcroForm (signed before, or a form)");
    if (rc == 0)
        rc = find_first_page(doc);
    if (rc == 0 && (doc->root.num >= doc->size || doc->pageref.num >= doc->size))
        rc = set_err(doc->err, doc->errlen, TMPL_SIGN_EFORMAT,
                     "trailer /Size: smaller than the objects in use");
    return rc;
}

/* ---- text strings and dates ---- */

/* Decodes one UTF-8 sequence at s[*i]; returns 0 or -1 for invalid input. */
static int utf8_next(const unsigned char *s, size_t n, size_t *i, uint32_t *cp)
{
    static const uint32_t min[4] = {0, 0x80, 0x800, 0x10000};
    unsigned char c = s[*i];
    size_t extra = c < 0x80                ? 0
                   : c >= 0xC2 && c < 0xE0 ? 1
                   : c >= 0xE0 && c < 0xF0 ? 2
                   : c >= 0xF0 && c < 0xF5 ? 3
                                           : 4;
    uint32_t v = extra == 0 ? c : extra == 1 ? c & 0x1F : extra == 2 ? c & 0x0F : c & 0x07;
    size_t k;
    int rc = extra < 4 && extra < n - *i ? 0 : -1;

    for (k = 1; k <= extra && rc == 0; k++) {
        if ((s[*i + k] & 0xC0) != 0x80)
            rc = -1;
        v = (v << 6) | (s[*i + k] & 0x3F);
    }
    if (rc == 0 &&
        (v < min[extra] || v > 0x10FFFF || (v >= 0xD800 && v < 0xE000) || v < 0x20 || v == 0x7F))
        rc = -1;
    *cp = v;
    *i += extra + 1;
    return rc;
}

/* Checks a /Reason or /Location: bounded, valid UTF-8, no control characters. */
static int text_check(const char *s, const char *what, char *err, size_t errlen)
{
    size_t n, i = 0;
    uint32_t cp;
    int rc = 0;

    if (s != NULL) {
        n = strnlen(s, TMPL_SIGN_MAX_TEXT + 1);
        if (n > TMPL_SIGN_MAX_TEXT)
            rc = set_err(err, errlen, TMPL_SIGN_EINVAL, "%s: longer than %u bytes", what,
                         TMPL_SIGN_MAX_TEXT);
        while (rc == 0 && i < n) {
            if (utf8_next((const unsigned char *)s, n, &i, &cp) != 0)
                rc = set_err(err, errlen, TMPL_SIGN_EINVAL,
                             "%s: not valid utf-8 or has control characters", what);
        }
    }
    return rc;
}

/*
 * Appends a text string as a hex string: printable ASCII as is (it is
 * PDFDocEncoding), anything else as UTF-16BE with a byte order mark.
 */
static int put_text(struct jp_buf *out, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s), i = 0;
    uint32_t cp;
    int ascii = 1, rc;

    for (i = 0; i < n; i++)
        ascii = ascii && u[i] >= 0x20 && u[i] < 0x7F;
    rc = jp_buf_puts(out, ascii ? "<" : "<FEFF");
    for (i = 0; rc == 0 && i < n;) {
        if (ascii) {
            rc = jp_buf_printf(out, "%02X", u[i++]);
            continue;
        }
        (void)utf8_next(u, n, &i, &cp); /* validated by text_check */
        if (cp >= 0x10000)
            rc = jp_buf_printf(out, "%04X%04X", (unsigned)(0xD800 + ((cp - 0x10000) >> 10)),
                               (unsigned)(0xDC00 + ((cp - 0x10000) & 0x3FF)));
        else
            rc = jp_buf_printf(out, "%04X", (unsigned)cp);
    }
    if (rc == 0)
        rc = jp_buf_puts(out, ">");
    return rc;
}

/* D:YYYYMMDDHHmmSSZ of t in UTC into s (at least 19 bytes). */
static int pdf_date(time_t t, char *s, size_t n, char *err, size_t errlen)
{
    struct tm tm;
    int k, rc = 0;

    if (gmtime_r(&t, &tm) == NULL || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
        rc = set_err(err, errlen, TMPL_SIGN_EINVAL, "signing time: out of range");
    } else {
        k = snprintf(s, n, "D:%04d%02d%02d%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        if (k < 0 || (size_t)k >= n)
            rc = set_err(err, errlen, TMPL_SIGN_EINVAL, "signing time: does not format");
    }
    return rc;
}

/* ---- the update ---- */

/* Bytes of the signed PDF written so far: the current file offset. */
static size_t here(const struct jp_buf *out, const struct layout *lay)
{
    return out->len - lay->base;
}

/* Drops what this call appended; out is as the caller passed it. */
static void buf_restore(struct jp_buf *out, size_t base)
{
    out->len = base;
    if (out->data != NULL)
        out->data[base] = '\0';
}

/* Appends the entries of d except those named in skip (NULL-terminated). */
static int put_entries(struct jp_buf *out, const struct pdfdoc *doc, const struct dict *d,
                       const char *const *skip)
{
    size_t i, k;
    int rc = 0, keep;

    for (i = 0; i < d->n && rc == 0; i++) {
        keep = 1;
        for (k = 0; skip[k] != NULL; k++)
            keep = keep && !key_is(doc, &d->e[i], skip[k]);
        if (keep)
            rc = jp_buf_puts(out, " ");
        if (keep && rc == 0)
            rc = jp_buf_append(out, doc->buf + d->e[i].kstart, d->e[i].kend - d->e[i].kstart);
        if (keep && rc == 0)
            rc = jp_buf_puts(out, " ");
        if (keep && rc == 0)
            rc = jp_buf_append(out, doc->buf + d->e[i].vstart, d->e[i].vend - d->e[i].vstart);
    }
    return rc;
}

static int put_sig_object(struct jp_buf *out, const struct tmpl_signer *s, const char *date,
                          struct layout *lay)
{
    size_t i;
    int rc;

    rc = jp_buf_printf(out,
                       "%ld 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite"
                       " /SubFilter /ETSI.CAdES.detached /ByteRange [",
                       lay->x[0].num);
    lay->br_at = here(out, lay);
    if (rc == 0)
        rc = jp_buf_printf(out, "%-*s] /Contents <", BR_WIDTH, "0 0 0 0");
    lay->contents_lt = here(out, lay) - 1;
    for (i = 0; i < lay->reserve && rc == 0; i++)
        rc = jp_buf_append(out, "00", 2);
    if (rc == 0)
        rc = jp_buf_puts(out, ">");
    lay->contents_gt = here(out, lay);
    if (rc == 0)
        rc = jp_buf_printf(out, " /M (%s)", date);
    if (rc == 0 && s->reason != NULL)
        rc = jp_buf_puts(out, " /Reason ");
    if (rc == 0 && s->reason != NULL)
        rc = put_text(out, s->reason);
    if (rc == 0 && s->location != NULL)
        rc = jp_buf_puts(out, " /Location ");
    if (rc == 0 && s->location != NULL)
        rc = put_text(out, s->location);
    if (rc == 0)
        rc = jp_buf_puts(out, " >>\nendobj\n");
    return rc;
}

static int put_widget_object(struct jp_buf *out, const struct pdfdoc *doc, const struct layout *lay)
{
    return jp_buf_printf(out,
                         "%ld 0 obj\n<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature1)"
                         " /V %ld 0 R /F 132 /Rect [0 0 0 0] /P %ld %ld R >>\nendobj\n",
                         lay->x[1].num, lay->x[0].num, doc->pageref.num, doc->pageref.gen);
}

static int put_page_object(struct jp_buf *out, struct pdfdoc *doc, const struct layout *lay)
{
    static const char *const skip[] = {"Annots", NULL};
    const struct dent *annots = dict_get(doc, &doc->page, "Annots");
    size_t start = 0, end = 0;
    int rc = 0;

    if (annots != NULL)
        rc = array_inner(doc, annots, "page /Annots", &start, &end);
    if (rc == 0)
        rc = jp_buf_printf(out, "%ld %ld obj\n<<", doc->pageref.num, doc->pageref.gen);
    if (rc == 0)
        rc = put_entries(out, doc, &doc->page, skip);
    if (rc == 0)
        rc = jp_buf_puts(out, " /Annots [");
    if (rc == 0)
        rc = jp_buf_append(out, doc->buf + start, end - start);
    if (rc == 0)
        rc = jp_buf_printf(out, " %ld 0 R] >>\nendobj\n", lay->x[1].num);
    return rc;
}

/*
 * Whether the catalog should get /Version /1.7: the /SubFilter
 * /ETSI.CAdES.detached is PDF 1.7 extension / PDF 2.0 vocabulary, and an
 * update can only raise the version through the catalog. An existing /Version
 * is kept as it is.
 */
static int needs_version(const struct pdfdoc *doc)
{
    return dict_get(doc, &doc->catalog, "Version") == NULL && memcmp(doc->buf, "%PDF-1.", 7) == 0 &&
           doc->buf[7] >= '0' && doc->buf[7] < '7';
}

static int put_catalog_object(struct jp_buf *out, const struct pdfdoc *doc,
                              const struct layout *lay)
{
    static const char *const skip[] = {NULL};
    int rc;

    rc = jp_buf_printf(out, "%ld %ld obj\n<<", doc->root.num, doc->root.gen);
    if (rc == 0)
        rc = put_entries(out, doc, &doc->catalog, skip);
    if (rc == 0 && needs_version(doc))
        rc = jp_buf_puts(out, " /Version /1.7");
    if (rc == 0)
        rc = jp_buf_printf(out, " /AcroForm << /Fields [%ld 0 R] /SigFlags 3 >> >>\nendobj\n",
                           lay->x[1].num);
    return rc;
}

/* The xref section for the four objects (sorted into runs) and the trailer. */
static int put_xref_trailer(struct jp_buf *out, const struct pdfdoc *doc, struct layout *lay)
{
    static const char *const copy[] = {"Info", "ID"};
    size_t xref_at = here(out, lay), i, j, run;
    const struct dent *e;
    struct xent tmp;
    int rc;

    for (i = 1; i < NEW_OBJECTS; i++) {
        for (j = i; j > 0 && lay->x[j - 1].num > lay->x[j].num; j--) {
            tmp = lay->x[j];
            lay->x[j] = lay->x[j - 1];
            lay->x[j - 1] = tmp;
        }
    }
    rc = jp_buf_puts(out, "xref\n");
    for (i = 0; i < NEW_OBJECTS && rc == 0; i += run) {
        for (run = 1; i + run < NEW_OBJECTS && lay->x[i + run].num == lay->x[i].num + (long)run;)
            run++;
        rc = jp_buf_printf(out, "%ld %zu\n", lay->x[i].num, run);
        for (j = i; j < i + run && rc == 0; j++)
            rc = jp_buf_printf(out, "%010zu %05ld n\r\n", lay->x[j].off, lay->x[j].gen);
    }
    if (rc == 0)
        rc = jp_buf_printf(out, "trailer\n<< /Size %ld /Root %ld %ld R", doc->size + 2,
                           doc->root.num, doc->root.gen);
    for (i = 0; i < sizeof(copy) / sizeof(copy[0]) && rc == 0; i++) {
        e = dict_get(doc, &doc->trailer, copy[i]);
        if (e != NULL)
            rc = jp_buf_printf(out, " /%s ", copy[i]);
        if (e != NULL && rc == 0)
            rc = jp_buf_append(out, doc->buf + e->vstart, e->vend - e->vstart);
    }
    if (rc == 0)
        rc = jp_buf_printf(out, " /Prev %zu >>\nstartxref\n%zu\n%%%%EOF\n", doc->sections[0],
                           xref_at);
    return rc;
}

/* Appends the whole update after the original bytes in out. */
static int write_update(struct pdfdoc *doc, const struct tmpl_signer *s, const char *date,
                        struct jp_buf *out, struct layout *lay)
{
    int rc;

    lay->x[0] = (struct xent){doc->size, 0, 0};
    lay->x[1] = (struct xent){doc->size + 1, 0, 0};
    lay->x[2] = (struct xent){doc->pageref.num, doc->pageref.gen, 0};
    lay->x[3] = (struct xent){doc->root.num, doc->root.gen, 0};
    rc = jp_buf_append(out, doc->buf, doc->len);
    if (rc == 0 && doc->buf[doc->len - 1] != '\n' && doc->buf[doc->len - 1] != '\r')
        rc = jp_buf_puts(out, "\n");
    lay->x[0].off = here(out, lay);
    if (rc == 0)
        rc = put_sig_object(out, s, date, lay);
    lay->x[1].off = here(out, lay);
    if (rc == 0)
        rc = put_widget_object(out, doc, lay);
    lay->x[2].off = here(out, lay);
    if (rc == 0)
        rc = put_page_object(out, doc, lay);
    lay->x[3].off = here(out, lay);
    if (rc == 0)
        rc = put_catalog_object(out, doc, lay);
    if (rc == 0)
        rc = put_xref_trailer(out, doc, lay);
    return rc;
}

/* Writes the final /ByteRange into its placeholder, space padded. */
static int patch_byterange(struct jp_buf *out, const struct layout *lay, char *err, size_t errlen)
{
    char br[BR_WIDTH + 1];
    int n, rc = 0;

    n = snprintf(br, sizeof(br), "0 %zu %zu %zu", lay->contents_lt, lay->contents_gt,
                 here(out, lay) - lay->contents_gt);
    if (n < 0 || (size_t)n >= sizeof(br)) {
        rc = set_err(err, errlen, TMPL_SIGN_EINVAL, "byterange: offsets do not fit");
    } else {
        memset(out->data + lay->base + lay->br_at, ' ', BR_WIDTH);
        memcpy(out->data + lay->base + lay->br_at, br, (size_t)n);
    }
    return rc;
}

/* Calls the signer over the two ranges and writes its DER into /Contents. */
static int sign_ranges(struct jp_buf *out, const struct tmpl_signer *s, const struct layout *lay,
                       char *err, size_t errlen)
{
    static const char hex[] = "0123456789ABCDEF";
    unsigned char *pdf = out->data + lay->base;
    struct tmpl_range r[2] = {{pdf, lay->contents_lt},
                              {pdf + lay->contents_gt, here(out, lay) - lay->contents_gt}};
    unsigned char *der = NULL;
    size_t derlen = 0, i;
    int rc;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    rc = s->sign(s->ctx, r, 2, &der, &derlen, err, errlen);
    if (rc != 0) {
        if (err != NULL && errlen > 0 && err[0] == '\0')
            set_err(err, errlen, 0, "signer: callback failed");
        rc = TMPL_SIGN_ESIGNER;
        goto out;
    }
    if (der == NULL || derlen == 0) {
        rc = set_err(err, errlen, TMPL_SIGN_ESIGNER, "signer: returned no signature");
    } else if (derlen > lay->reserve) {
        rc = set_err(err, errlen, TMPL_SIGN_ETOOBIG,
                     "signature: %zu bytes of der do not fit the %zu reserved", derlen,
                     lay->reserve);
    } else {
        for (i = 0; i < derlen; i++) {
            pdf[lay->contents_lt + 1 + 2 * i] = (unsigned char)hex[der[i] >> 4];
            pdf[lay->contents_lt + 2 + 2 * i] = (unsigned char)hex[der[i] & 15];
        }
    }
    if (der != NULL && s->free_der != NULL)
        s->free_der(s->ctx, der);
out:
    return rc;
}

static int check_args(const unsigned char *pdf, size_t len, const struct tmpl_signer *s,
                      const struct jp_buf *out, char *err, size_t errlen)
{
    size_t reserve;
    int rc = 0;

    if (pdf == NULL || s == NULL || s->sign == NULL || out == NULL)
        rc = set_err(err, errlen, TMPL_SIGN_EINVAL,
                     "arguments: pdf, signer and an output buffer are required");
    else if (out->data != NULL && (uintptr_t)pdf >= (uintptr_t)out->data &&
             (uintptr_t)pdf <= (uintptr_t)(out->data + out->cap))
        rc = set_err(err, errlen, TMPL_SIGN_EINVAL, "arguments: pdf lies inside the output buffer");
    else if (len > TMPL_SIGN_MAX_PDF)
        rc = set_err(err, errlen, TMPL_SIGN_EINVAL, "pdf: larger than %u bytes", TMPL_SIGN_MAX_PDF);
    reserve = s != NULL && s->contents_size != 0 ? s->contents_size : TMPL_SIGN_DEFAULT_CONTENTS;
    if (rc == 0 && (reserve < TMPL_SIGN_MIN_CONTENTS || reserve > TMPL_SIGN_MAX_CONTENTS))
        rc = set_err(err, errlen, TMPL_SIGN_EINVAL, "contents size: not within %u..%u bytes",
                     TMPL_SIGN_MIN_CONTENTS, TMPL_SIGN_MAX_CONTENTS);
    if (rc == 0)
        rc = text_check(s->reason, "reason", err, errlen);
    if (rc == 0)
        rc = text_check(s->location, "location", err, errlen);
    return rc;
}

int tmpl_sign_pdf(const unsigned char *pdf, size_t len, const struct tmpl_signer *signer,
                  struct jp_buf *out, char *err, size_t errlen)
{
    struct pdfdoc *doc = NULL;
    struct layout lay;
    char date[32];
    int rc;

    rc = check_args(pdf, len, signer, out, err, errlen);
    if (rc != 0)
        goto out;
    rc = pdf_date(signer->signing_time, date, sizeof(date), err, errlen);
    if (rc != 0)
        goto out;
    doc = calloc(1, sizeof(*doc));
    if (doc == NULL) {
        rc = set_err(err, errlen, ENOMEM, "pdf: out of memory");
        goto out;
    }
    doc->buf = pdf;
    doc->len = len;
    doc->err = err;
    doc->errlen = errlen;
    rc = doc_load(doc);
    if (rc != 0)
        goto out_free_doc;
    memset(&lay, 0, sizeof(lay));
    lay.base = out->len;
    lay.reserve = signer->contents_size != 0 ? signer->contents_size : TMPL_SIGN_DEFAULT_CONTENTS;
    rc = write_update(doc, signer, date, out, &lay);
    if (rc == ENOMEM || rc == EFBIG)
        set_err(err, errlen, rc, "signed pdf: %s",
                rc == EFBIG ? "larger than the output bound" : "out of memory");
    if (rc == 0)
        rc = patch_byterange(out, &lay, err, errlen);
    if (rc == 0)
        rc = sign_ranges(out, signer, &lay, err, errlen);
    if (rc != 0)
        buf_restore(out, lay.base);
out_free_doc:
    free(doc);
out:
    return rc;
}

const char *tmpl_sign_strerror(int rc)
{
    const char *s = "unknown error";

    switch (rc) {
    case 0:
        s = "success";
        break;
    case TMPL_SIGN_EFORMAT:
        s = "not a pdf or a damaged one";
        break;
    case TMPL_SIGN_EUNSUPPORTED:
        s = "pdf uses a feature the signer does not support";
        break;
    case TMPL_SIGN_EINVAL:
        s = "invalid signing options";
        break;
    case TMPL_SIGN_ESIGNER:
        s = "the signer failed";
        break;
    case TMPL_SIGN_ETOOBIG:
        s = "signature larger than the space reserved";
        break;
    default:
        if (rc > 0 && rc < TMPL_SIGN_EFORMAT)
            s = strerror(rc);
        break;
    }
    return s;
}
