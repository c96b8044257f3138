/*
 * reader.c - the bounded reader of a PDF's structure: a small tokenizer that
 * never reads outside [0, len) and bounds every nesting depth and count, so a
 * hostile or truncated file ends in an error, never a crash. Only what an
 * incremental update needs is parsed: startxref, the classic xref tables
 * along the /Prev chain, the newest trailer, the catalog and the page tree
 * down to the first page.
 */
#include "internal.h"

#include <stdint.h>
#include <string.h>

#define MAX_DEPTH 32              /* nesting of arrays and dictionaries in one value */
#define MAX_PAGE_DEPTH 32         /* levels of the page tree walked to the first page */
#define MAX_OBJNUM 8388607L       /* PDF 32000-1 annex C: largest object number */
#define MAX_GEN 65535L            /* largest generation number */
#define NUM_CLAMP 1000000000000LL /* integers saturate here; every use bounds them lower */
#define TAIL_SCAN 1024            /* bytes at the end searched for "startxref" */
#define XREF_ENTRY 20             /* bytes of one classic xref entry */

struct token {
    enum tok_type type; /* what was read */
    size_t start;       /* offset of the first byte */
    size_t end;         /* offset after the last byte */
    long long ival;     /* value of a TOK_INT, saturated at +-NUM_CLAMP */
};

struct lexer {
    struct pdfdoc *doc; /* buffer and error sink */
    size_t pos;         /* next byte to read */
    size_t end;         /* reading stops here; end <= doc->len */
};

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
    return PDF_FAIL(lx->doc->err, lx->doc->errlen, PDF_EFORMAT, "pdf syntax at offset %zu: %s", at,
                    what);
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
    int rc = PDF_EFORMAT;

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
    int rc = PDF_EFORMAT;

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
    if (rc == 0 && d->n == PDF_MAX_DICT)
        rc = lex_fail(lx, key->start, "dictionary has too many entries");
    if (rc == 0) {
        d->e[d->n] = (struct dent){key->start, key->end, vstart, vend, vtype};
        d->n++;
    }
    return rc;
}

/*
 * Reads a container's values after its opening token up to and including close:
 * an array's (TOK_ARRAY_CLOSE), or a dictionary's name and value pairs
 * (TOK_DICT_CLOSE), whose top-level entries are recorded in d when it is not NULL.
 */
static int container_walk(struct lexer *lx, int depth, enum tok_type close, struct dict *d,
                          size_t *end)
{
    struct token key, val;
    enum tok_type type;
    size_t vend;
    int rc;

    for (;;) {
        rc = lex_next(lx, &key);
        if (rc != 0 || key.type == close)
            break;
        val = key;
        if (close == TOK_DICT_CLOSE && key.type != TOK_NAME) {
            rc = lex_fail(lx, key.start, "dictionary key is not a name");
            break;
        }
        if (close == TOK_DICT_CLOSE)
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
        rc = container_walk(lx, depth, TOK_DICT_CLOSE, NULL, end);
    } else if (first->type == TOK_ARRAY_OPEN) {
        rc = container_walk(lx, depth, TOK_ARRAY_CLOSE, NULL, end);
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
        rc = container_walk(lx, 0, TOK_DICT_CLOSE, d, &end);
    return rc;
}

/* Whether the key of e is /name. */
int pdf_key_is(const struct pdfdoc *doc, const struct dent *e, const char *name)
{
    size_t n = strlen(name);

    return e->kend - e->kstart == n + 1 && memcmp(doc->buf + e->kstart + 1, name, n) == 0;
}

/* The entry /key of d, or NULL. */
const struct dent *pdf_dict_get(const struct pdfdoc *doc, const struct dict *d, const char *key)
{
    const struct dent *found = NULL;
    size_t i;

    for (i = 0; i < d->n && found == NULL; i++) {
        if (pdf_key_is(doc, &d->e[i], key))
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
    int rc = PDF_EFORMAT;

    if (e != NULL && e->vtype == TOK_REF) {
        lex_init(&lx, doc, e->vstart, e->vend);
        rc = lex_next(&lx, &num);
        if (rc == 0)
            rc = lex_next(&lx, &gen);
        if (rc == 0 &&
            (num.ival < 1 || num.ival > MAX_OBJNUM || gen.ival < 0 || gen.ival > MAX_GEN))
            rc = PDF_EFORMAT;
        if (rc == 0)
            *r = (struct ref){(long)num.ival, (long)gen.ival};
    }
    if (rc != 0)
        rc = PDF_FAIL(doc->err, doc->errlen, PDF_EFORMAT,
                      "%s: missing or not a valid indirect reference", what);
    return rc;
}

static int dent_int(struct pdfdoc *doc, const struct dent *e, const char *what, long long *v)
{
    struct lexer lx;
    struct token t;
    int rc = PDF_EFORMAT;

    if (e != NULL && e->vtype == TOK_INT) {
        lex_init(&lx, doc, e->vstart, e->vend);
        rc = lex_next(&lx, &t);
        if (rc == 0)
            *v = t.ival;
    }
    if (rc != 0)
        rc = PDF_FAIL(doc->err, doc->errlen, PDF_EFORMAT, "%s: missing or not an integer", what);
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
                 ? PDF_FAIL(doc->err, doc->errlen, PDF_EUNSUPPORTED,
                            "xref at offset %zu: cross-reference streams are not supported", off)
                 : PDF_FAIL(doc->err, doc->errlen, PDF_EFORMAT,
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
        rc = PDF_FAIL(doc->err, doc->errlen, PDF_EFORMAT,
                      "pdf: no startxref near the end of the file (truncated?)");
    } else {
        lex_init(&lx, doc, found + klen, doc->len);
        rc = lex_next(&lx, &t);
        if (rc == 0 && (t.type != TOK_INT || t.ival < 0 || (size_t)t.ival >= doc->len))
            rc = PDF_FAIL(doc->err, doc->errlen, PDF_EFORMAT,
                          "startxref: offset missing or outside the file");
        if (rc == 0 && !contains(doc->buf + t.end, doc->len - t.end, "%%EOF"))
            rc = PDF_FAIL(doc->err, doc->errlen, PDF_EFORMAT,
                          "pdf: no %%%%EOF after startxref (truncated?)");
        *off = rc == 0 ? (size_t)t.ival : 0;
    }
    return rc;
}

/* Refuses trailer features this signer does not handle. */
static int trailer_check(struct pdfdoc *doc, const struct dict *tr)
{
    int rc = 0;

    if (pdf_dict_get(doc, tr, "Encrypt") != NULL)
        rc = PDF_FAIL(doc->err, doc->errlen, PDF_EUNSUPPORTED,
                      "trailer: encrypted documents are not supported");
    else if (pdf_dict_get(doc, tr, "XRefStm") != NULL)
        rc = PDF_FAIL(doc->err, doc->errlen, PDF_EUNSUPPORTED,
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
    e = rc == 0 ? pdf_dict_get(doc, tr, "Prev") : NULL;
    if (e != NULL)
        rc = dent_int(doc, e, "trailer /Prev", &v);
    if (e != NULL && rc == 0 && (v < 0 || (size_t)v >= doc->len))
        rc = PDF_FAIL(doc->err, doc->errlen, PDF_EFORMAT, "trailer /Prev: offset outside the file");
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
                rc = PDF_FAIL(doc->err, doc->errlen, PDF_EFORMAT,
                              "xref: /Prev chain loops back to offset %zu", off);
        }
        if (rc == 0 && doc->nsections == PDF_MAX_SECTIONS)
            rc = PDF_FAIL(doc->err, doc->errlen, PDF_EUNSUPPORTED, "xref: more than %d sections",
                          PDF_MAX_SECTIONS);
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
        rc = PDF_FAIL(doc->err, doc->errlen, PDF_EFORMAT,
                      "object %ld: not in use in the xref table", r->num);
    else if (rc == 0 && (hit.gen != r->gen || hit.off >= doc->len))
        rc = PDF_FAIL(doc->err, doc->errlen, PDF_EFORMAT,
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
        rc = PDF_FAIL(doc->err, doc->errlen, PDF_EFORMAT,
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

/* Positions lx at the value of e, or at the object e refers to. */
static int value_open(struct pdfdoc *doc, const struct dent *e, const char *what, struct lexer *lx)
{
    struct ref r;
    int rc = 0;

    lex_init(lx, doc, e->vstart, e->vend);
    if (e->vtype == TOK_REF)
        rc = dent_ref(doc, e, what, &r);
    if (rc == 0 && e->vtype == TOK_REF)
        rc = obj_open(doc, &r, lx);
    return rc;
}

/*
 * Finds the span between the brackets of an array value, direct or through one
 * indirect reference: [*start, *end).
 */
int pdf_array_inner(struct pdfdoc *doc, const struct dent *e, const char *what, size_t *start,
                    size_t *end)
{
    struct lexer lx;
    struct token t;
    enum tok_type type;
    size_t close = 0;
    int rc = value_open(doc, e, what, &lx);

    if (rc == 0)
        rc = lex_next(&lx, &t);
    if (rc == 0 && t.type != TOK_ARRAY_OPEN)
        rc = PDF_FAIL(doc->err, doc->errlen, PDF_EFORMAT, "%s: not an array", what);
    if (rc == 0)
        rc = skip_value(&lx, &t, 0, &type, &close);
    if (rc == 0) {
        *start = t.end;
        *end = close - 1; /* before the ']' */
    }
    return rc;
}

/* Reads the first element of the array value e, which must be a reference. */
int pdf_dict_value(struct pdfdoc *doc, const struct dent *e, const char *what, struct dict *d)
{
    struct lexer lx;
    int rc = value_open(doc, e, what, &lx);

    if (rc == 0)
        rc = dict_read(&lx, d);
    return rc;
}

static int first_ref(struct pdfdoc *doc, const struct dent *e, const char *what, struct ref *r)
{
    struct dent item = {0, 0, 0, 0, TOK_EOF};
    struct lexer lx;
    struct token t;
    size_t start = 0, end = 0;
    int rc;

    rc = pdf_array_inner(doc, e, what, &start, &end);
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

    rc = dent_ref(doc, pdf_dict_get(doc, &doc->catalog, "Pages"), "catalog /Pages", &r);
    for (depth = 0; rc == 0; depth++) {
        if (depth == MAX_PAGE_DEPTH || r.num == doc->root.num) {
            rc = PDF_FAIL(doc->err, doc->errlen, PDF_EFORMAT, "page tree: too deep or looping");
            break;
        }
        rc = obj_dict(doc, &r, &doc->scratch);
        type = rc == 0 ? pdf_dict_get(doc, &doc->scratch, "Type") : NULL;
        kids = rc == 0 ? pdf_dict_get(doc, &doc->scratch, "Kids") : NULL;
        if (rc != 0 || dent_value_is(doc, type, "/Page"))
            break;
        if (!dent_value_is(doc, type, "/Pages") || kids == NULL)
            rc = PDF_FAIL(doc->err, doc->errlen, PDF_EFORMAT,
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
int pdf_doc_load(struct pdfdoc *doc)
{
    long long size = 0;
    int rc = 0;

    if (doc->len < 8 || (memcmp(doc->buf, "%PDF-1.", 7) != 0 && memcmp(doc->buf, "%PDF-2.", 7)))
        rc = PDF_FAIL(doc->err, doc->errlen, PDF_EFORMAT, "pdf: no %%PDF- header");
    if (rc == 0)
        rc = load_xref_chain(doc);
    if (rc == 0)
        rc = dent_int(doc, pdf_dict_get(doc, &doc->trailer, "Size"), "trailer /Size", &size);
    if (rc == 0 && (size < 2 || size > MAX_OBJNUM - 2))
        rc = PDF_FAIL(doc->err, doc->errlen, PDF_EFORMAT, "trailer /Size: out of range");
    doc->size = (long)size;
    if (rc == 0)
        rc = dent_ref(doc, pdf_dict_get(doc, &doc->trailer, "Root"), "trailer /Root", &doc->root);
    if (rc == 0)
        rc = obj_dict(doc, &doc->root, &doc->catalog);
    if (rc == 0 && !doc->signed_ok && pdf_dict_get(doc, &doc->catalog, "AcroForm") != NULL)
        rc = PDF_FAIL(doc->err, doc->errlen, PDF_EUNSUPPORTED,
                      "catalog: already has an /AcroForm (signed before, or a form)");
    if (rc == 0)
        rc = find_first_page(doc);
    if (rc == 0 && (doc->root.num >= doc->size || doc->pageref.num >= doc->size))
        rc = PDF_FAIL(doc->err, doc->errlen, PDF_EFORMAT,
                      "trailer /Size: smaller than the objects in use");
    return rc;
}
