/*
 * render_ofd.c - the certificate as an OFD page (SPEC §11): the same template
 * directives that render.c draws into the PDF become ofd/'s drawing model
 * (struct ofd_doc), which ofd_write packs and seals. Text goes through the
 * template's font library (font_lib_find: the main face, then its fallbacks,
 * the same choice as the PDF), and each face used gets a TrueType subset of
 * the characters drawn with it, made by HarfBuzz's subsetter with the real
 * cmap (OFD readers map TextCode through it). The QR is the PDF's symbol
 * (qr_symbol) as filled rectangles, one per dark run of a row. The seal's
 * place on the page is the template's seal circle; its picture
 * (tmpl_seal_png) comes from the same directive.
 *
 * Not drawn in OFD: circle directives and slanted lines (the drawing model
 * has rectangles only; the shipped template uses neither) and opacity.
 */
#include "render.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <qrencode.h>

#include "ofd.h"

#define MM_PER_PT (25.4 / 72.0)
#define ORD_MAX_TEXTS 1024 /* text runs on one page */
#define ORD_QR_QUIET 4     /* modules of white around the QR, as qr.c */
#define ORD_SEAL_PX 480    /* pixels across the seal picture */

/* A growing array of rectangles; paths refer to them by offset until the end. */
struct rects {
    struct ofd_rect *r; /* owned */
    size_t n, cap;      /* in use, allocated */
};

/* State of one OFD render. */
struct odoc {
    const struct tmpl *t;                      /* the template */
    const struct tmpl_fields *in;              /* caller's fields */
    uint32_t cps[FIELD_COUNT][TMPL_MAX_FIELD]; /* decoded fields */
    size_t ncps[FIELD_COUNT];                  /* code points per field */
    hb_set_t *used[FONT_MAX_FACES];            /* owned; characters drawn per face */
    int slot[FONT_MAX_FACES];                  /* index in fonts, -1 when not embedded */
    hb_blob_t *ttf[FONT_MAX_FACES];            /* owned; the subsets */
    struct ofd_font fonts[FONT_MAX_FACES];     /* the embedded fonts */
    char font_names[FONT_MAX_FACES][FONT_MAX_PSNAME + 8]; /* their FontNames, unique */
    size_t nfonts;                             /* entries in fonts */
    struct ofd_text texts[ORD_MAX_TEXTS];      /* runs; text and dx owned */
    size_t ntexts;                             /* entries in texts */
    struct ofd_path *paths;                    /* owned; rects hold offsets until fixed */
    size_t npaths, cap_paths;                  /* in use, allocated */
    struct rects rects;                        /* every path's rectangles */
    struct ofd_image images[1];                /* the photo */
    size_t nimages;                            /* 0 or 1 */
    unsigned char *photo_small;                /* owned; photo_fit's JPEG, or NULL */
    struct ofd_rect seal_box;                  /* the seal's circle's box, w = 0 when none */
    char *err;                                 /* caller's message buffer */
    size_t errlen;                             /* its size */
};

static struct ofd_color color_of(struct rgb c)
{
    return (struct ofd_color){(unsigned char)lround(c.r * 255), (unsigned char)lround(c.g * 255),
                              (unsigned char)lround(c.b * 255)};
}

static int add_rect(struct odoc *d, double x, double y, double w, double h)
{
    struct rects *r = &d->rects;

    if (w <= 0 || h <= 0)
        return 0;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 4096;
        struct ofd_rect *p = realloc(r->r, cap * sizeof *p);
        if (p == NULL)
            return ENOMEM;
        r->r = p;
        r->cap = cap;
    }
    r->r[r->n++] = (struct ofd_rect){x, y, w, h};
    return 0;
}

/* Starts a path whose rectangles are the ones added from now until the next path. */
static int add_path(struct odoc *d, int fill, double line_width_mm, struct ofd_color c)
{
    if (d->npaths == d->cap_paths) {
        size_t cap = d->cap_paths ? d->cap_paths * 2 : 64;
        struct ofd_path *p = realloc(d->paths, cap * sizeof *p);
        if (p == NULL)
            return ENOMEM;
        d->paths = p;
        d->cap_paths = cap;
    }
    d->paths[d->npaths++] = (struct ofd_path){
        .rects = (const struct ofd_rect *)(uintptr_t)d->rects.n, /* an offset until fix_paths */
        .fill = fill,
        .line_width = line_width_mm,
        .color = c,
    };
    return 0;
}

/* Turns offsets into pointers, counts each path's rectangles and drops empty paths. */
static void fix_paths(struct odoc *d)
{
    size_t out = 0;

    for (size_t i = 0; i < d->npaths; i++) {
        size_t start = (size_t)(uintptr_t)d->paths[i].rects;
        size_t end = i + 1 < d->npaths ? (size_t)(uintptr_t)d->paths[i + 1].rects : d->rects.n;
        struct ofd_path p = d->paths[i];
        if (end == start)
            continue;
        p.rects = d->rects.r + start;
        p.nrects = end - start;
        d->paths[out++] = p;
    }
    d->npaths = out;
}

/* ------------------------------------------------------------------ text */

static const char *field_text(const struct tmpl_fields *f, int i)
{
    const char *v[FIELD_COUNT] = {f->name,      f->gender,         f->id_number,
                                  f->position,  f->certificate_no, f->institution,
                                  f->authority, f->issue_date,     f->elicence_id};
    return v[i];
}

static int decode_fields(struct odoc *d)
{
    for (int i = 0; i < FIELD_COUNT; i++) {
        const char *s = field_text(d->in, i);
        long n = s == NULL ? -1 : tmpl_codepoints(s, d->cps[i], TMPL_MAX_FIELD);
        if (n < 0) {
            jp_errf(d->err, d->errlen, "%s: missing, not UTF-8, too long or has control characters",
                    tmpl_field_names[i]);
            return TMPL_EFIELD;
        }
        d->ncps[i] = (size_t)n;
    }
    if (d->in->qr_text == NULL || d->in->qr_text[0] == '\0' ||
        strlen(d->in->qr_text) > TMPL_MAX_QR) {
        jp_errf(d->err, d->errlen, "qr_text: missing or longer than %d bytes", TMPL_MAX_QR);
        return TMPL_EFIELD;
    }
    return 0;
}

/* Advance of cp in face at size_pt plus spacing_pt, in mm. */
static double advance_mm(const struct odoc *d, int face, uint32_t cp, double size_pt,
                         double spacing_pt)
{
    return (font_lib_advance(&d->t->fonts, (size_t)face, cp) * size_pt / 1000.0 + spacing_pt) *
           MM_PER_PT;
}

static double width_pt(const struct odoc *d, const uint32_t *cps, size_t n, double size,
                       double spacing)
{
    double w = 0;

    for (size_t i = 0; i < n; i++) {
        int face = font_lib_find(&d->t->fonts, cps[i]);
        w += face < 0 ? 0 : font_lib_advance(&d->t->fonts, (size_t)face, cps[i]) * size / 1000.0;
    }
    return n > 0 ? w + spacing * (double)(n - 1) : 0;
}

/* One run of characters of one face, starting at x (mm), as an ofd_text. */
static int add_run(struct odoc *d, int face, const uint32_t *cps, size_t n, double x, double y,
                   double size_pt, double spacing_pt, struct ofd_color c)
{
    struct ofd_text *tx;
    char *s;
    double *dx = NULL;
    size_t len = 0;

    if (d->ntexts == ORD_MAX_TEXTS) {
        jp_errf(d->err, d->errlen, "more than %d text runs on the page", ORD_MAX_TEXTS);
        return TMPL_EFIELD;
    }
    s = malloc(4 * n + 1);
    if (n > 1)
        dx = malloc((n - 1) * sizeof *dx);
    if (s == NULL || (n > 1 && dx == NULL)) {
        free(s);
        free(dx);
        return ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        len += jp_utf8_encode(cps[i], (unsigned char *)s + len);
        hb_set_add(d->used[face], cps[i]);
        if (i + 1 < n)
            dx[i] = advance_mm(d, face, cps[i], size_pt, spacing_pt);
    }
    s[len] = '\0';
    tx = &d->texts[d->ntexts++];
    *tx = (struct ofd_text){.font = (size_t)face,
                            .size = size_pt * MM_PER_PT,
                            .x = x,
                            .y = y,
                            .text = s,
                            .dx = dx,
                            .ndx = n > 1 ? n - 1 : 0,
                            .color = c};
    return 0;
}

/* A line of text in a box, shrunk and aligned exactly as render.c's draw_text does. */
static int put_text(struct odoc *d, const struct item *it, const uint32_t *cps, size_t n)
{
    double size = it->size, spacing = it->spacing, boxw = it->w / MM_PER_PT;
    double w = width_pt(d, cps, n, size, spacing), x, base;
    size_t start = 0;
    int rc = 0;

    if (n == 0)
        return 0;
    if (w > boxw) {
        spacing = 0;
        w = width_pt(d, cps, n, size, 0);
        size = fmax(it->min_size, size * boxw / w);
        w = width_pt(d, cps, n, size, 0);
    }
    x = it->x / MM_PER_PT;
    if (it->align == ALIGN_CENTER)
        x += (boxw - w) / 2;
    else if (it->align == ALIGN_RIGHT)
        x += boxw - w;
    x *= MM_PER_PT;
    base = it->y + it->h - ((it->h / MM_PER_PT - size) / 2 + 0.12 * size) * MM_PER_PT;
    while (start < n && rc == 0) {
        int face = font_lib_find(&d->t->fonts, cps[start]);
        size_t end = start + 1;
        double run_x = x;
        if (face < 0) {
            jp_errf(d->err, d->errlen, "no configured font has U+%04X", (unsigned)cps[start]);
            return TMPL_EGLYPH;
        }
        while (end < n && font_lib_find(&d->t->fonts, cps[end]) == face)
            end++;
        for (size_t i = start; i < end; i++)
            x += advance_mm(d, face, cps[i], size, spacing);
        rc = add_run(d, face, cps + start, end - start, run_x, base, size, spacing,
                     color_of(it->fill));
        start = end;
    }
    return rc;
}

/* ---------------------------------------------------------------- shapes */

static int put_rect(struct odoc *d, const struct item *it)
{
    int rc = 0;

    if (it->has_fill) {
        rc = add_path(d, 1, 0, color_of(it->fill));
        if (rc == 0)
            rc = add_rect(d, it->x, it->y, it->w, it->h);
    }
    if (rc == 0 && it->width > 0) {
        rc = add_path(d, 0, it->width * MM_PER_PT, color_of(it->stroke));
        if (rc == 0)
            rc = add_rect(d, it->x, it->y, it->w, it->h);
    }
    return rc;
}

/* An axis-parallel line as a filled rectangle of the stroke's width. */
static int put_line(struct odoc *d, const struct item *it)
{
    double lw = fmax(it->width, 0.01) * MM_PER_PT;
    int rc;

    if (it->width <= 0 || (it->x != it->w && it->y != it->h))
        return 0;
    rc = add_path(d, 1, 0, color_of(it->stroke));
    if (rc != 0)
        return rc;
    if (it->y == it->h)
        return add_rect(d, fmin(it->x, it->w), it->y - lw / 2, fabs(it->w - it->x), lw);
    return add_rect(d, it->x - lw / 2, fmin(it->y, it->h), lw, fabs(it->h - it->y));
}

static int put_qr(struct odoc *d, const struct item *it)
{
    QRcode *c = qr_symbol(d->in->qr_text);
    double m;
    int rc;

    if (c == NULL) {
        jp_errf(d->err, d->errlen, "qr_text: cannot be encoded");
        return errno == ENOMEM ? ENOMEM : TMPL_EQR;
    }
    m = it->w / (c->width + 2 * ORD_QR_QUIET);
    rc = add_path(d, 1, 0, (struct ofd_color){255, 255, 255});
    if (rc == 0)
        rc = add_rect(d, it->x, it->y, it->w, it->w);
    if (rc == 0)
        rc = add_path(d, 1, 0, (struct ofd_color){0, 0, 0});
    for (int row = 0; row < c->width && rc == 0; row++) {
        const unsigned char *p = c->data + (size_t)row * (size_t)c->width;
        for (int col = 0; col < c->width && rc == 0;) {
            int start = col;
            if (!(p[col] & 1)) {
                col++;
                continue;
            }
            while (col < c->width && (p[col] & 1))
                col++;
            rc = add_rect(d, it->x + (ORD_QR_QUIET + start) * m, it->y + (ORD_QR_QUIET + row) * m,
                          (col - start) * m, m);
        }
    }
    QRcode_free(c);
    return rc;
}

/* ----------------------------------------------------------------- photo */

static unsigned be16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

/* Pixel size of a checked JPEG or PNG; 0 when it cannot be read. */
static int image_size(const unsigned char *p, size_t n, int is_png, unsigned *w, unsigned *h)
{
    size_t i = 2;

    if (is_png) {
        if (n < 24)
            return -1;
        *w = be16(p + 18), *h = be16(p + 22); /* IHDR, below 65536 pixels */
        return *w > 0 && *h > 0 ? 0 : -1;
    }
    while (i + 9 < n && p[i] == 0xFF) {
        unsigned m = p[i + 1], len = be16(p + i + 2);
        if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
            *h = be16(p + i + 5), *w = be16(p + i + 7);
            return *w > 0 && *h > 0 ? 0 : -1;
        }
        i += 2 + len;
    }
    return -1;
}

static int put_photo_frame(struct odoc *d, const struct item *it)
{
    int rc = 0;

    if (it->width > 0) {
        rc = add_path(d, 0, it->width * MM_PER_PT, color_of(it->stroke));
        if (rc == 0)
            rc = add_rect(d, it->x, it->y, it->w, it->h);
    }
    return rc;
}

/* The photo fitted into its box keeping its aspect ratio, or a grey box labelled 照片. */
static int put_photo(struct odoc *d, const struct item *it)
{
    static const uint32_t label[] = {0x7167, 0x7247}; /* 照片 */
    const unsigned char *p = d->in->photo;
    size_t n = d->in->photo_len, small_len = 0;
    unsigned w = 0, h = 0;
    int is_png = 0, rc;
    double s;

    if (p == NULL) {
        struct item l = *it;
        l.size = l.min_size = fmin(14, it->w / MM_PER_PT / 4);
        l.align = ALIGN_CENTER;
        l.spacing = l.size;
        l.fill = (struct rgb){0.6, 0.6, 0.6};
        rc = add_path(d, 1, 0, (struct ofd_color){245, 245, 242});
        if (rc == 0)
            rc = add_rect(d, it->x, it->y, it->w, it->h);
        if (rc == 0)
            rc = put_text(d, &l, label, 2);
        return rc != 0 ? rc : put_photo_frame(d, it);
    }
    if (photo_check(p, n, &is_png) != 0) {
        jp_errf(d->err, d->errlen, "photo: not a well-formed JPEG or PNG of at most %u bytes",
                TMPL_MAX_PHOTO);
        return TMPL_EPHOTO;
    }
    if (photo_fit(p, n, is_png, it->w, it->h, &d->photo_small, &small_len) == 0)
        p = d->photo_small, n = small_len, is_png = 0;
    if (image_size(p, n, is_png, &w, &h) != 0) {
        jp_errf(d->err, d->errlen, "photo: its size cannot be read");
        return TMPL_EPHOTO;
    }
    s = fmin(it->w / w, it->h / h);
    d->images[0] = (struct ofd_image){is_png ? "PNG" : "JPEG",
                                      {p, n},
                                      {it->x + (it->w - w * s) / 2, it->y + (it->h - h * s) / 2,
                                       w * s, h * s}};
    d->nimages = 1;
    return put_photo_frame(d, it);
}

/* ----------------------------------------------------------------- fonts */

/*
 * Appends face f's subset to the fonts; a face split in two (font.c: the main
 * face's common part, then the whole) gets "-N" on its second FontName.
 */
static void name_font(struct odoc *d, size_t f)
{
    const char *ps = d->t->fonts.faces[f].psname;
    size_t k = d->nfonts;
    char *name = d->font_names[k];
    unsigned len = 0;
    const char *data = hb_blob_get_data(d->ttf[f], &len);

    snprintf(name, sizeof d->font_names[k], "%s", ps);
    for (size_t i = 0; i < k; i++)
        if (strcmp(d->font_names[i], ps) == 0)
            snprintf(name, sizeof d->font_names[k], "%s-%zu", ps, k + 1);
    d->fonts[k] = (struct ofd_font){name, NULL, {(const unsigned char *)data, len}};
    d->slot[f] = (int)k;
    d->nfonts++;
}

/* A HarfBuzz subset of each face with the characters drawn in it; faces unused get none. */
static int make_fonts(struct odoc *d)
{
    const struct font_lib *lib = &d->t->fonts;

    for (size_t f = 0; f < lib->nfaces; f++) {
        hb_subset_input_t *in;
        hb_face_t *sub;

        d->slot[f] = -1;
        if (hb_set_is_empty(d->used[f]))
            continue;
        in = hb_subset_input_create_or_fail();
        if (in == NULL)
            return ENOMEM;
        hb_set_union(hb_subset_input_unicode_set(in), d->used[f]);
        sub = hb_subset_or_fail(lib->faces[f].face, in);
        hb_subset_input_destroy(in);
        d->ttf[f] = sub != NULL ? hb_face_reference_blob(sub) : NULL;
        hb_face_destroy(sub);
        if (d->ttf[f] == NULL || hb_blob_get_length(d->ttf[f]) == 0) {
            jp_errf(d->err, d->errlen, "%s: cannot subset", lib->faces[f].path);
            return TMPL_EFONT;
        }
        name_font(d, f);
    }
    for (size_t i = 0; i < d->ntexts; i++)
        d->texts[i].font = (size_t)d->slot[d->texts[i].font];
    return 0;
}

/* ------------------------------------------------------------------ page */

static int put_item(struct odoc *d, const struct item *it)
{
    switch (it->kind) {
    case ITEM_RECT:
        return put_rect(d, it);
    case ITEM_LINE:
        return put_line(d, it);
    case ITEM_TEXT:
        return put_text(d, it, it->cps, it->ncps);
    case ITEM_FIELD:
        return put_text(d, it, d->cps[it->field], d->ncps[it->field]);
    case ITEM_PHOTO:
        return put_photo(d, it);
    case ITEM_QR:
        return put_qr(d, it);
    case ITEM_SEAL:
        d->seal_box = (struct ofd_rect){it->x - it->w, it->y - it->w, 2 * it->w, 2 * it->w};
        return 0;
    case ITEM_CIRCLE:
    case ITEM_CHARSET:
        break;
    }
    return 0;
}

/* The template's first static text, UTF-8, as the document's title. */
static void doc_title(const struct tmpl *t, char *out, size_t outsz)
{
    size_t len = 0;

    out[0] = '\0';
    for (size_t i = 0; i < t->nitems; i++) {
        if (t->items[i].kind != ITEM_TEXT)
            continue;
        for (size_t j = 0; j < t->items[i].ncps && len + 5 < outsz; j++)
            len += jp_utf8_encode(t->items[i].cps[j], (unsigned char *)out + len);
        out[len] = '\0';
        return;
    }
}

static void odoc_free(struct odoc *d)
{
    for (size_t f = 0; f < FONT_MAX_FACES; f++) {
        hb_set_destroy(d->used[f]);
        hb_blob_destroy(d->ttf[f]);
    }
    for (size_t i = 0; i < d->ntexts; i++) {
        free((char *)d->texts[i].text);
        free((double *)d->texts[i].dx);
    }
    free(d->paths);
    free(d->rects.r);
    free(d->photo_small);
    free(d);
}

static int odoc_write(struct odoc *d, const struct ofd_stamp *stamp, const char *doc_id,
                      struct jp_buf *out)
{
    struct ofd_stamp st = *stamp;
    char title[512], date[11];
    time_t local = stamp->when + 8 * 3600; /* the date in China */
    struct tm tm;
    struct ofd_doc doc;

    doc_title(d->t, title, sizeof title);
    if (gmtime_r(&local, &tm) == NULL || strftime(date, sizeof date, "%Y-%m-%d", &tm) != 10) {
        jp_errf(d->err, d->errlen, "seal time out of range");
        return TMPL_EFIELD;
    }
    if (d->seal_box.w > 0)
        st.box = d->seal_box;
    memset(&doc, 0, sizeof doc);
    doc.doc_id = doc_id;
    doc.title = title[0] != '\0' ? title : NULL;
    doc.creator = "Jianpei";
    doc.creation_date = date;
    doc.fonts = d->fonts;
    doc.nfonts = d->nfonts;
    doc.page = (struct ofd_page){d->t->page_w * MM_PER_PT,
                                 d->t->page_h * MM_PER_PT,
                                 d->paths,
                                 d->npaths,
                                 d->images,
                                 d->nimages,
                                 d->texts,
                                 d->ntexts};
    return ofd_write(&doc, &st, out, d->err, d->errlen);
}

int tmpl_render_ofd(const struct tmpl *t, const struct tmpl_fields *f,
                    const struct ofd_stamp *stamp, const char *doc_id, struct jp_buf *out,
                    char *err, size_t errlen)
{
    struct odoc *d = calloc(1, sizeof *d);
    int rc = 0;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (d == NULL)
        return ENOMEM;
    d->t = t;
    d->in = f;
    d->err = err;
    d->errlen = errlen;
    for (size_t i = 0; i < FONT_MAX_FACES && rc == 0; i++) {
        d->used[i] = hb_set_create();
        if (!hb_set_allocation_successful(d->used[i]))
            rc = ENOMEM;
    }
    if (rc == 0)
        rc = decode_fields(d);
    for (size_t i = 0; i < t->nitems && rc == 0; i++)
        rc = put_item(d, &t->items[i]);
    if (rc == 0)
        rc = make_fonts(d);
    if (rc == 0) {
        fix_paths(d);
        rc = odoc_write(d, stamp, doc_id, out);
    }
    odoc_free(d);
    return rc;
}

/* ------------------------------------------------------------ the seal */

/* The five-pointed star of radius r centred on 0, 0 (y down): ten corners. */
struct star {
    double x[10], y[10];
};

static void star_make(struct star *s, double r)
{
    for (int i = 0; i < 10; i++) {
        double a = -M_PI / 2 + i * M_PI / 5, rr = i % 2 == 0 ? r : r * 0.382;
        s->x[i] = rr * cos(a), s->y[i] = rr * sin(a);
    }
}

/* 1 when (x, y) is inside the star (even-odd over its ten edges). */
static int in_star(const struct star *s, double x, double y)
{
    int inside = 0;

    for (int i = 0, j = 9; i < 10; j = i++)
        if ((s->y[i] > y) != (s->y[j] > y) &&
            x < (s->x[j] - s->x[i]) * (y - s->y[i]) / (s->y[j] - s->y[i]) + s->x[i])
            inside = !inside;
    return inside;
}

/* Coverage 0..16 of pixel (px, py) of an n-pixel seal: the rim and the star. */
static int seal_cover(const struct star *s, int px, int py, int n, double rim)
{
    double r = n / 2.0;
    int c = 0;

    for (int sy = 0; sy < 4; sy++)
        for (int sx = 0; sx < 4; sx++) {
            double x = px + (sx + 0.5) / 4 - r, y = py + (sy + 0.5) / 4 - r;
            double dist = sqrt(x * x + y * y);
            c += (dist <= r && dist >= r - rim) || in_star(s, x, y);
        }
    return c;
}

int tmpl_seal_png(const struct tmpl *t, struct jp_buf *png, unsigned *side_mm)
{
    const struct item *seal = NULL;
    png_image img;
    unsigned char *px;
    png_alloc_size_t len = 0;
    struct rgb c;
    struct star star;
    double rim;
    int rc = 0;

    for (size_t i = 0; i < t->nitems && seal == NULL; i++)
        if (t->items[i].kind == ITEM_SEAL)
            seal = &t->items[i];
    if (seal == NULL)
        return TMPL_ESYNTAX;
    c = seal->stroke;
    rim = (seal->width > 0 ? seal->width * MM_PER_PT / (2 * seal->w) : 0.045 / 2) * ORD_SEAL_PX;
    star_make(&star, ORD_SEAL_PX / 2.0 * 0.25);
    px = calloc((size_t)ORD_SEAL_PX * ORD_SEAL_PX, 4);
    if (px == NULL)
        return ENOMEM;
    for (int y = 0; y < ORD_SEAL_PX; y++)
        for (int x = 0; x < ORD_SEAL_PX; x++) {
            unsigned char *p = px + 4 * ((size_t)y * ORD_SEAL_PX + (size_t)x);
            int cov = seal_cover(&star, x, y, ORD_SEAL_PX, rim);
            p[0] = (unsigned char)lround(c.r * 255), p[1] = (unsigned char)lround(c.g * 255);
            p[2] = (unsigned char)lround(c.b * 255);
            p[3] = (unsigned char)(cov * 255 / 16);
        }
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = img.height = ORD_SEAL_PX;
    img.format = PNG_FORMAT_RGBA;
    if (!png_image_write_get_memory_size(img, len, 0, px, 0, NULL)) {
        rc = EIO;
    } else {
        unsigned char *mem = malloc((size_t)len);
        if (mem == NULL)
            rc = ENOMEM;
        else if (!png_image_write_to_memory(&img, mem, &len, 0, px, 0, NULL))
            rc = EIO;
        if (rc == 0)
            rc = jp_buf_append(png, mem, (size_t)len);
        free(mem);
    }
    png_image_free(&img);
    free(px);
    *side_mm = (unsigned)lround(2 * seal->w);
    return rc;
}
