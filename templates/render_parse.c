/*
 * render_parse.c - reading a certificate template (the format is described at
 * the top of data/certificate.tmpl and in docs/fonts.md): one directive
 * per line, positional numbers in millimetres from the top-left corner, then
 * key=value options; double quotes group text with spaces. Every fault is
 * refused as "FILE:LINE: reason" so that a province editing its template sees
 * exactly what to fix. Loading also opens the fonts and builds the static
 * subsets of the template's own text, digits and Latin letters once, so that
 * a render only subsets the few characters of a holder's fields.
 */
#include "render.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOKENS 24 /* tokens on one line */
#define MM_TO_PT (72.0 / 25.4)

const char *const tmpl_field_names[FIELD_COUNT] = {
    "name",        "gender",    "id_number",  "position",    "certificate_no",
    "institution", "authority", "issue_date", "elicence_id",
};

/* Parser state for one template file. */
struct parser {
    struct tmpl *t;                  /* template being filled */
    const char *path;                /* for messages and relative font paths */
    int line;                        /* current line number */
    char *err;                       /* caller's message buffer */
    size_t errlen;                   /* its size */
    int placed[FIELD_COUNT];         /* fields given a box */
    int has_page, has_qr, has_photo; /* directives seen */
};

/* Options a directive accepts (bit set). */
enum {
    OPT_STROKE = 1 << 0,
    OPT_WIDTH = 1 << 1,
    OPT_FILL = 1 << 2,
    OPT_ALPHA = 1 << 3,
    OPT_SIZE = 1 << 4,
    OPT_ALIGN = 1 << 5,
    OPT_COLOR = 1 << 6,
    OPT_SPACING = 1 << 7,
    OPT_MIN = 1 << 8,
    OPT_LABEL = 1 << 9,
};

static int perr(struct parser *ps, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int perr(struct parser *ps, int code, const char *fmt, ...)
{
    char reason[384];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    if (n < 0)
        reason[0] = '\0';
    jp_errf(ps->err, ps->errlen, "%s:%d: %s%s", ps->path, ps->line, reason,
            n >= (int)sizeof(reason) ? "..." : "");
    return code;
}

long tmpl_codepoints(const char *s, uint32_t *out, size_t max)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), i = 0, n = 0, k;
    uint32_t c;

    while (i < len) {
        k = jp_utf8_decode(p + i, len - i, &c);
        if (k == 0 || n >= max || c < 0x20 || (c >= 0x7F && c < 0xA0) || c == 0x2028 || c == 0x2029)
            return -1;
        out[n++] = c;
        i += k;
    }
    return (long)n;
}

/* Splits line in place into tokens; quotes group and are removed. Returns the count or -1. */
static int tokenize(char *line, char **tok, int max)
{
    int n = 0;
    char *r = line, *w;

    for (;;) {
        while (*r == ' ' || *r == '\t')
            r++;
        if (*r == '\0')
            return n;
        if (n == max)
            return -1;
        tok[n++] = w = r;
        while (*r != '\0' && *r != ' ' && *r != '\t') {
            if (*r == '"') {
                char *q = strchr(r + 1, '"');
                if (q == NULL)
                    return -1;
                memmove(w, r + 1, (size_t)(q - r - 1));
                w += q - r - 1;
                r = q + 1;
            } else {
                *w++ = *r++;
            }
        }
        if (*r != '\0')
            r++;
        *w = '\0';
    }
}

static int parse_num(struct parser *ps, const char *s, double lo, double hi, double *out)
{
    char *end = NULL;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (end == s || *end != '\0' || errno != 0 || !isfinite(v))
        return perr(ps, TMPL_ESYNTAX, "bad number '%s'", s);
    if (v < lo || v > hi)
        return perr(ps, TMPL_ESYNTAX, "number %s out of range %g..%g", s, lo, hi);
    *out = v;
    return 0;
}

static int parse_color(struct parser *ps, const char *s, struct rgb *out)
{
    unsigned v = 0;

    if (s[0] != '#' || strlen(s) != 7 || strspn(s + 1, "0123456789abcdefABCDEF") != 6)
        return perr(ps, TMPL_ESYNTAX, "bad colour '%s' (want #RRGGBB)", s);
    v = (unsigned)strtoul(s + 1, NULL, 16);
    out->r = (v >> 16 & 0xFF) / 255.0;
    out->g = (v >> 8 & 0xFF) / 255.0;
    out->b = (v & 0xFF) / 255.0;
    return 0;
}

static int parse_text(struct parser *ps, const char *s, struct item *it)
{
    long n;

    free(it->cps); /* an option given twice: the last one counts */
    it->ncps = 0;
    it->cps = calloc(TMPL_MAX_FIELD, sizeof(*it->cps));
    if (it->cps == NULL)
        return ENOMEM;
    n = tmpl_codepoints(s, it->cps, TMPL_MAX_FIELD);
    if (n <= 0)
        return perr(ps, TMPL_ESYNTAX, "text is empty, too long or not UTF-8");
    it->ncps = (size_t)n;
    return 0;
}

static int parse_align(struct parser *ps, const char *v, struct item *it)
{
    if (strcmp(v, "left") == 0)
        it->align = ALIGN_LEFT;
    else if (strcmp(v, "center") == 0)
        it->align = ALIGN_CENTER;
    else if (strcmp(v, "right") == 0)
        it->align = ALIGN_RIGHT;
    else
        return perr(ps, TMPL_ESYNTAX, "bad alignment '%s' (left, center or right)", v);
    return 0;
}

/* One key=value option. */
static int parse_opt(struct parser *ps, char *tok, unsigned allowed, struct item *it)
{
    char *eq = strchr(tok, '=');
    const char *k = tok, *v;

    if (eq == NULL)
        return perr(ps, TMPL_ESYNTAX, "unexpected '%s'", tok);
    *eq = '\0';
    v = eq + 1;
    if (strcmp(k, "stroke") == 0 && (allowed & OPT_STROKE))
        return parse_color(ps, v, &it->stroke);
    if (strcmp(k, "fill") == 0 && (allowed & OPT_FILL)) {
        it->has_fill = 1;
        return parse_color(ps, v, &it->fill);
    }
    if (strcmp(k, "color") == 0 && (allowed & OPT_COLOR))
        return parse_color(ps, v, it->kind == ITEM_SEAL ? &it->stroke : &it->fill);
    if (strcmp(k, "width") == 0 && (allowed & OPT_WIDTH))
        return parse_num(ps, v, 0, 20, &it->width);
    if (strcmp(k, "alpha") == 0 && (allowed & OPT_ALPHA))
        return parse_num(ps, v, 0, 1, &it->alpha);
    if (strcmp(k, "size") == 0 && (allowed & OPT_SIZE))
        return parse_num(ps, v, 4, 96, &it->size);
    if (strcmp(k, "min") == 0 && (allowed & OPT_MIN))
        return parse_num(ps, v, 4, 96, &it->min_size);
    if (strcmp(k, "spacing") == 0 && (allowed & OPT_SPACING))
        return parse_num(ps, v, 0, 48, &it->spacing);
    if (strcmp(k, "align") == 0 && (allowed & OPT_ALIGN))
        return parse_align(ps, v, it);
    if (strcmp(k, "label") == 0 && (allowed & OPT_LABEL))
        return parse_text(ps, v, it);
    return perr(ps, TMPL_ESYNTAX, "unknown option '%s'", k);
}

/* Reads n positional numbers (mm) starting at tok[first]. */
static int parse_nums(struct parser *ps, char **tok, int ntok, int first, int n, double *out)
{
    double lim = fmax(ps->t->page_w, ps->t->page_h) / MM_TO_PT;

    if (ntok < first + n)
        return perr(ps, TMPL_ESYNTAX, "%s needs %d numbers", tok[0], n);
    for (int i = 0; i < n; i++) {
        int rc = parse_num(ps, tok[first + i], 0, lim, &out[i]);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int check_inside(struct parser *ps, double x0, double y0, double x1, double y1)
{
    double w = ps->t->page_w / MM_TO_PT + 1e-9, h = ps->t->page_h / MM_TO_PT + 1e-9;

    if (x0 < 0 || y0 < 0 || x1 > w || y1 > h || x1 < x0 || y1 < y0)
        return perr(ps, TMPL_ESYNTAX, "shape lies outside the page");
    return 0;
}

static int parse_page(struct parser *ps, char **tok, int ntok)
{
    static const struct {
        const char *name;
        double w, h; /* portrait, mm */
    } sizes[] = {{"A3", 297, 420}, {"A4", 210, 297}, {"A5", 148, 210}};
    size_t i;

    if (ps->has_page || ps->t->nitems > 0)
        return perr(ps, TMPL_ESYNTAX, "page must come once, before any shape");
    if (ntok != 3 || (strcmp(tok[2], "landscape") != 0 && strcmp(tok[2], "portrait") != 0))
        return perr(ps, TMPL_ESYNTAX, "page wants a size (A3, A4, A5) and landscape or portrait");
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        if (strcmp(tok[1], sizes[i].name) == 0)
            break;
    if (i == sizeof(sizes) / sizeof(sizes[0]))
        return perr(ps, TMPL_ESYNTAX, "unknown page size '%s'", tok[1]);
    ps->t->page_w = (tok[2][0] == 'l' ? sizes[i].h : sizes[i].w) * MM_TO_PT;
    ps->t->page_h = (tok[2][0] == 'l' ? sizes[i].w : sizes[i].h) * MM_TO_PT;
    ps->has_page = 1;
    return 0;
}

static int parse_font(struct parser *ps, char **tok, int ntok)
{
    char full[FONT_MAX_PATH], reason[FONT_MAX_PATH + 64];
    double index = 0;
    const char *slash = strrchr(ps->path, '/');
    int rc, n;

    if (ntok < 2 || ntok > 3)
        return perr(ps, TMPL_ESYNTAX, "font wants a path and an optional face index");
    if (ntok == 3 && parse_num(ps, tok[2], 0, 64, &index) != 0)
        return TMPL_ESYNTAX;
    if (tok[1][0] == '/' || slash == NULL)
        n = snprintf(full, sizeof(full), "%s", tok[1]);
    else
        n = snprintf(full, sizeof(full), "%.*s/%s", (int)(slash - ps->path), ps->path, tok[1]);
    if (n < 0 || (size_t)n >= sizeof(full))
        return perr(ps, TMPL_ESYNTAX, "font path too long");
    rc = font_lib_add(&ps->t->fonts, full, (unsigned)index, reason, sizeof(reason));
    if (rc != 0)
        return perr(ps, TMPL_EFONT, "%s", reason);
    return 0;
}

static int parse_field_name(struct parser *ps, const char *name, struct item *it)
{
    for (int i = 0; i < FIELD_COUNT; i++) {
        if (strcmp(name, tmpl_field_names[i]) == 0) {
            it->field = (enum field_id)i;
            ps->placed[i] = 1;
            return 0;
        }
    }
    return perr(ps, TMPL_ESYNTAX, "unknown field '%s'", name);
}

/* Positional arguments of a shape; returns the index of the first option. */
static int parse_shape(struct parser *ps, char **tok, int ntok, struct item *it, int *first_opt)
{
    double v[4] = {0};
    int rc = 0, pos = 1;

    switch (it->kind) {
    case ITEM_RECT:
    case ITEM_PHOTO:
    case ITEM_TEXT:
    case ITEM_FIELD:
        if (it->kind == ITEM_FIELD)
            rc = ntok > 1 ? parse_field_name(ps, tok[pos++], it)
                          : perr(ps, TMPL_ESYNTAX, "field needs a name");
        if (rc == 0)
            rc = parse_nums(ps, tok, ntok, pos, 4, v);
        if (rc == 0)
            rc = check_inside(ps, v[0], v[1], v[0] + v[2], v[1] + v[3]);
        pos += 4;
        if (rc == 0 && it->kind == ITEM_TEXT)
            rc = ntok > pos ? parse_text(ps, tok[pos++], it)
                            : perr(ps, TMPL_ESYNTAX, "text needs its text");
        break;
    case ITEM_LINE:
        rc = parse_nums(ps, tok, ntok, pos, 4, v);
        if (rc == 0)
            rc = check_inside(ps, fmin(v[0], v[2]), fmin(v[1], v[3]), fmax(v[0], v[2]),
                              fmax(v[1], v[3]));
        pos += 4;
        break;
    case ITEM_CIRCLE:
    case ITEM_SEAL:
    case ITEM_QR:
        rc = parse_nums(ps, tok, ntok, pos, 3, v);
        if (rc == 0 && it->kind == ITEM_QR)
            rc = check_inside(ps, v[0], v[1], v[0] + v[2], v[1] + v[2]);
        else if (rc == 0)
            rc = check_inside(ps, v[0] - v[2], v[1] - v[2], v[0] + v[2], v[1] + v[2]);
        if (rc == 0 && it->kind == ITEM_QR && v[2] < 30)
            rc = perr(ps, TMPL_ESYNTAX, "qr code must be at least 30 mm wide");
        pos += 3;
        break;
    case ITEM_CHARSET:
        rc = ntok == 2 ? parse_text(ps, tok[1], it)
                       : perr(ps, TMPL_ESYNTAX, "charset wants one quoted text");
        pos = 2;
        break;
    }
    it->x = v[0];
    it->y = v[1];
    it->w = v[2];
    it->h = v[3];
    *first_opt = pos;
    return rc;
}

static void item_defaults(struct item *it)
{
    static const struct rgb black = {0, 0, 0}, seal_red = {0.80, 0.08, 0.12};

    it->stroke = it->kind == ITEM_SEAL ? seal_red : black;
    it->fill = black;
    it->width = it->kind == ITEM_PHOTO ? 0.6 : it->kind == ITEM_SEAL ? 0 : 1;
    it->alpha = it->kind == ITEM_SEAL ? 0.88 : 1;
    it->size = 12;
    it->align = ALIGN_LEFT;
}

static unsigned item_options(enum item_kind k)
{
    switch (k) {
    case ITEM_RECT:
    case ITEM_CIRCLE:
        return OPT_STROKE | OPT_WIDTH | OPT_FILL | OPT_ALPHA;
    case ITEM_LINE:
        return OPT_STROKE | OPT_WIDTH | OPT_ALPHA;
    case ITEM_TEXT:
        return OPT_SIZE | OPT_ALIGN | OPT_COLOR | OPT_SPACING;
    case ITEM_FIELD:
        return OPT_SIZE | OPT_ALIGN | OPT_COLOR | OPT_SPACING | OPT_MIN;
    case ITEM_PHOTO:
        return OPT_STROKE | OPT_WIDTH;
    case ITEM_SEAL:
        return OPT_COLOR | OPT_LABEL | OPT_ALPHA | OPT_WIDTH;
    case ITEM_QR:
    case ITEM_CHARSET:
        break;
    }
    return 0;
}

static int kind_of(const char *d, enum item_kind *k)
{
    static const struct {
        const char *name;
        enum item_kind kind;
    } kinds[] = {{"rect", ITEM_RECT}, {"line", ITEM_LINE},   {"circle", ITEM_CIRCLE},
                 {"text", ITEM_TEXT}, {"field", ITEM_FIELD}, {"photo", ITEM_PHOTO},
                 {"qr", ITEM_QR},     {"seal", ITEM_SEAL},   {"charset", ITEM_CHARSET}};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcmp(d, kinds[i].name) == 0) {
            *k = kinds[i].kind;
            return 1;
        }
    }
    return 0;
}

static int count_once(struct parser *ps, enum item_kind k)
{
    int *seen = k == ITEM_QR ? &ps->has_qr : k == ITEM_PHOTO ? &ps->has_photo : NULL;

    if (seen == NULL)
        return 0;
    if (*seen)
        return perr(ps, TMPL_ESYNTAX, "%s may appear only once", k == ITEM_QR ? "qr" : "photo");
    *seen = 1;
    return 0;
}

static int parse_item(struct parser *ps, char **tok, int ntok, enum item_kind kind)
{
    struct item *it;
    int rc, first = 0;

    if (!ps->has_page && kind != ITEM_CHARSET)
        return perr(ps, TMPL_ESYNTAX, "page must come before any shape");
    if (ps->t->nitems >= TMPL_MAX_ITEMS)
        return perr(ps, TMPL_ESYNTAX, "more than %d directives", TMPL_MAX_ITEMS);
    rc = count_once(ps, kind);
    if (rc != 0)
        return rc;
    it = &ps->t->items[ps->t->nitems++];
    memset(it, 0, sizeof(*it));
    it->kind = kind;
    it->line = ps->line;
    item_defaults(it);
    rc = parse_shape(ps, tok, ntok, it, &first);
    for (int i = first; i < ntok && rc == 0; i++)
        rc = parse_opt(ps, tok[i], item_options(kind), it);
    if (rc == 0 && it->min_size == 0)
        it->min_size = fmin(it->size, fmax(4, it->size * 0.6));
    if (rc == 0 && it->min_size > it->size)
        rc = perr(ps, TMPL_ESYNTAX, "min is larger than size");
    return rc;
}

static int parse_line(struct parser *ps, char *line)
{
    char *tok[MAX_TOKENS];
    int ntok = tokenize(line, tok, MAX_TOKENS);
    enum item_kind kind;

    if (ntok < 0)
        return perr(ps, TMPL_ESYNTAX, "unbalanced quote or too many words");
    if (ntok == 0 || tok[0][0] == '#')
        return 0;
    if (strcmp(tok[0], "page") == 0)
        return parse_page(ps, tok, ntok);
    if (strcmp(tok[0], "font") == 0)
        return parse_font(ps, tok, ntok);
    if (kind_of(tok[0], &kind))
        return parse_item(ps, tok, ntok, kind);
    return perr(ps, TMPL_ESYNTAX, "unknown directive '%s'", tok[0]);
}

static int check_complete(struct parser *ps)
{
    if (!ps->has_page)
        return perr(ps, TMPL_ESYNTAX, "no page directive");
    if (ps->t->fonts.nfaces == 0)
        return perr(ps, TMPL_ESYNTAX, "no font directive");
    for (int i = 0; i < FIELD_COUNT; i++)
        if (!ps->placed[i])
            return perr(ps, TMPL_ESYNTAX, "field '%s' is not placed", tmpl_field_names[i]);
    if (!ps->has_qr)
        return perr(ps, TMPL_ESYNTAX, "no qr directive");
    if (!ps->has_photo)
        return perr(ps, TMPL_ESYNTAX, "no photo directive");
    return 0;
}

int tmpl_parse(struct tmpl *t, const char *path, char *text, char *err, size_t errlen)
{
    struct parser ps = {.t = t, .path = path, .err = err, .errlen = errlen};
    char *p = text;
    int rc = 0;

    while (*p != '\0' && rc == 0) {
        char *nl = strchr(p, '\n');
        ps.line++;
        if (nl != NULL)
            *nl = '\0';
        if (strlen(p) >= TMPL_MAX_LINE)
            rc = perr(&ps, TMPL_ESYNTAX, "line longer than %d bytes", TMPL_MAX_LINE - 1);
        else if (strchr(p, '\r') != NULL && strchr(p, '\r')[1] == '\0')
            *strchr(p, '\r') = '\0';
        if (rc == 0)
            rc = parse_line(&ps, p);
        p = nl != NULL ? nl + 1 : p + strlen(p);
    }
    if (rc == 0)
        rc = check_complete(&ps);
    return rc;
}

/* A character wanted in the static subsets and the line that wants it (0: built in). */
struct want {
    uint32_t cp; /* the character */
    int line;    /* template line that uses it, 0 for the built-in set */
};

static int want_cmp(const void *a, const void *b)
{
    const struct want *x = a, *y = b;
    return x->cp < y->cp ? -1 : x->cp > y->cp ? 1 : x->line - y->line;
}

static int char_cmp(const void *a, const void *b)
{
    const struct static_char *x = a, *y = b;
    return x->cp < y->cp ? -1 : x->cp > y->cp;
}

/*
 * Every character of the template's texts, plus what ID numbers, certificate
 * numbers, e-licence identifiers and dates are made of, and the photo
 * placeholder 照片. Other characters of a field go into per-document subsets.
 */
static size_t collect_wants(const struct tmpl *t, struct want *w)
{
    static const char builtin[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ .-/:()";
    static const uint32_t extra[] = {0x7167, 0x7247, 0x5E74,
                                     0x6708, 0x65E5, 0x00B7}; /* 照片年月日· */
    size_t n = 0;

    for (size_t i = 0; builtin[i] != '\0'; i++)
        w[n++] = (struct want){(unsigned char)builtin[i], 0};
    for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
        w[n++] = (struct want){extra[i], 0};
    for (size_t i = 0; i < t->nitems; i++)
        for (size_t j = 0; j < t->items[i].ncps; j++)
            w[n++] = (struct want){t->items[i].cps[j], t->items[i].line};
    qsort(w, n, sizeof(*w), want_cmp);
    return n;
}

static int build_packs(struct tmpl *t, uint32_t *cps, size_t ncps, char *err, size_t errlen)
{
    for (size_t f = 0; f < t->fonts.nfaces; f++) {
        size_t n = 0;
        int rc;
        for (size_t i = 0; i < ncps; i++)
            if (t->chars[i].face == f)
                cps[n++] = t->chars[i].cp;
        for (size_t i = 0, k = 0; i < ncps; i++)
            if (t->chars[i].face == f)
                t->chars[i].idx = (uint16_t)k++;
        if (n == 0)
            continue;
        rc = font_pack_build(&t->fonts, f, cps, n, 12, &t->static_packs[f]);
        if (rc != 0) {
            jp_errf(err, errlen, "%s: cannot subset (%s)", t->fonts.faces[f].path,
                    rc == E2BIG ? "too many distinct characters" : tmpl_strerror(rc));
            return rc == ENOMEM ? ENOMEM : TMPL_EFONT;
        }
    }
    return 0;
}

/*
 * The bases (font.h): per face, the characters every document draws, the
 * template's texts and seal label and the digits, ascending. cps has room for
 * every character of the template.
 */
static int build_bases(struct tmpl *t, uint32_t *cps, char *err, size_t errlen)
{
    for (size_t f = 0; f < t->fonts.nfaces; f++) {
        size_t n = 0;
        int rc;
        for (size_t i = 0; i < t->nchars; i++) {
            const struct static_char *c = &t->chars[i];
            int drawn = c->cp >= '0' && c->cp <= '9';
            for (size_t j = 0; j < t->nitems && !drawn; j++) {
                const struct item *it = &t->items[j];
                for (size_t k = 0;
                     (it->kind == ITEM_TEXT || it->kind == ITEM_SEAL) && k < it->ncps && !drawn;
                     k++)
                    drawn = it->cps[k] == c->cp;
            }
            if (drawn && c->face == f)
                cps[n++] = c->cp;
        }
        if (n == 0)
            continue;
        rc = font_base_build(&t->fonts, f, cps, n, &t->bases[f]);
        if (rc != 0) {
            jp_errf(err, errlen, "%s: cannot subset (%s)", t->fonts.faces[f].path,
                    tmpl_strerror(rc));
            return rc == ENOMEM ? ENOMEM : TMPL_EFONT;
        }
    }
    return 0;
}

int tmpl_build_static(struct tmpl *t, const char *path, char *err, size_t errlen)
{
    size_t cap = 128 + (size_t)t->nitems * TMPL_MAX_FIELD, nw, k = 0;
    struct want *w = calloc(cap, sizeof(*w));
    uint32_t *cps = calloc(cap, sizeof(*cps));
    int rc = 0;

    t->chars = calloc(cap, sizeof(*t->chars));
    if (w == NULL || cps == NULL || t->chars == NULL) {
        rc = ENOMEM;
        goto out;
    }
    nw = collect_wants(t, w);
    for (size_t i = 0; i < nw; i++) {
        int face;
        if (i > 0 && w[i].cp == w[i - 1].cp)
            continue;
        face = font_lib_find(&t->fonts, w[i].cp);
        if (face < 0 && w[i].line > 0) {
            struct parser ps = {.path = path, .line = w[i].line, .err = err, .errlen = errlen};
            rc = perr(&ps, TMPL_EFONT, "no font has U+%04X", (unsigned)w[i].cp);
            goto out;
        }
        if (face >= 0)
            t->chars[k++] = (struct static_char){w[i].cp, (uint16_t)face, 0};
    }
    t->nchars = k;
    qsort(t->chars, k, sizeof(*t->chars), char_cmp);
    rc = build_packs(t, cps, k, err, errlen);
    if (rc == 0)
        rc = build_bases(t, cps, err, errlen);
out:
    free(cps);
    free(w);
    return rc;
}

void tmpl_free(struct tmpl *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->nitems; i++)
        free(t->items[i].cps);
    for (size_t f = 0; f < FONT_MAX_FACES; f++) {
        font_pack_free(&t->static_packs[f]);
        font_base_free(&t->bases[f]);
    }
    free(t->items);
    free(t->chars);
    font_lib_free(&t->fonts);
    free(t);
}

int tmpl_load(const char *path, struct tmpl **out, char *err, size_t errlen)
{
    struct tmpl *t = NULL;
    unsigned char *text = NULL;
    size_t len = 0;
    int rc;

    *out = NULL;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    rc = jp_read_file(path, TMPL_MAX_FILE, &text, &len);
    if (rc != 0) {
        jp_errf(err, errlen, "%s: cannot read template (%s)", path, strerror(rc));
        return rc;
    }
    t = calloc(1, sizeof(*t));
    if (t != NULL)
        t->items = calloc(TMPL_MAX_ITEMS, sizeof(*t->items));
    if (t == NULL || t->items == NULL) {
        rc = ENOMEM;
        goto out_free;
    }
    font_lib_init(&t->fonts);
    if (strlen((char *)text) != len) {
        jp_errf(err, errlen, "%s:1: template contains a NUL byte", path);
        rc = TMPL_ESYNTAX;
    }
    if (rc == 0)
        rc = tmpl_parse(t, path, (char *)text, err, errlen);
    if (rc == 0)
        rc = tmpl_build_static(t, path, err, errlen);
    if (rc == 0) {
        /* building the faces' bases and skeletons read much of each font file:
         * renders fault back in only the pages they use */
        font_lib_release_pages(&t->fonts);
        *out = t;
        t = NULL;
    }
out_free:
    tmpl_free(t);
    free(text);
    return rc;
}

void tmpl_release_pages(const struct tmpl *t)
{
    if (t != NULL)
        font_lib_release_pages(&t->fonts);
}

static const char *field_text(const struct tmpl_fields *f, int i)
{
    const char *v[FIELD_COUNT] = {f->name,      f->gender,         f->id_number,
                                  f->position,  f->certificate_no, f->institution,
                                  f->authority, f->issue_date,     f->elicence_id};
    return v[i];
}

int tmpl_fields_decode(const struct tmpl_fields *f, uint32_t cps[FIELD_COUNT][TMPL_MAX_FIELD],
                       size_t ncps[FIELD_COUNT], char *err, size_t errlen)
{
    for (int i = 0; i < FIELD_COUNT; i++) {
        const char *s = field_text(f, i);
        long n = s == NULL ? -1 : tmpl_codepoints(s, cps[i], TMPL_MAX_FIELD);
        if (n < 0) {
            jp_errf(err, errlen, "%s: missing, not UTF-8, too long or has control characters",
                    tmpl_field_names[i]);
            return TMPL_EFIELD;
        }
        ncps[i] = (size_t)n;
    }
    if (f->qr_text == NULL || f->qr_text[0] == '\0' || strlen(f->qr_text) > TMPL_MAX_QR) {
        jp_errf(err, errlen, "qr_text: missing or longer than %d bytes", TMPL_MAX_QR);
        return TMPL_EFIELD;
    }
    return 0;
}
