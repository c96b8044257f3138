/*
 * render_ofd.c - the certificate as an OFD page (SPEC §11): the same template
 * directives that render.c draws into the PDF become ofd/'s drawing model
 * (struct ofd_doc), which ofd_write packs and seals. Text goes through the
 * template's font library (font_lib_find: the main face, then its fallbacks,
 * the same choice as the PDF), and each face used gets a TrueType subset of
 * the characters drawn with it, made by HarfBuzz's subsetter with the real
 * cmap (OFD readers map TextCode through it). The QR is the PDF's symbol
 * (qr_symbol) as filled rectangles, one per dark run of a row joined with
 * the same runs above it, in module units (the path's CTM scales them). The seal's
 * place on the page is the template's seal circle; its picture
 * (tmpl_seal_png) is that directive drawn as the PDF draws it (rim, star,
 * the authority along the arc, the label), the lettering filled from the
 * faces' glyph outlines (HarfBuzz) with 4 x 4 samples a pixel.
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
#define ORD_SEAL_PX 400    /* pixels across the seal picture: 254 dpi at 40 mm */
#define ORD_SEAL_LEVELS 16 /* opacities of the seal picture: 4 bits a pixel */

/* A growing array of rectangles; paths refer to them by offset until the end. */
struct rects {
    struct ofd_rect *r; /* owned */
    size_t n, cap;      /* in use, allocated */
};

/* State of one OFD render. */
struct odoc {
    struct tmpl_job job;                                  /* template, fields, message buffer */
    hb_set_t *used[FONT_MAX_FACES];                       /* owned; characters drawn per face */
    int slot[FONT_MAX_FACES];                             /* index in fonts, -1 when not embedded */
    struct font_pack packs[FONT_MAX_FACES];               /* owned; the subsets, Unicode cmaps */
    const struct font_pack *used_pack[FONT_MAX_FACES];    /* embedded: packs or the caller's */
    struct ofd_font fonts[FONT_MAX_FACES];                /* the embedded fonts */
    char font_names[FONT_MAX_FACES][FONT_MAX_PSNAME + 8]; /* their FontNames, unique */
    size_t nfonts;                                        /* entries in fonts */
    struct ofd_text texts[ORD_MAX_TEXTS];                 /* runs; text and dx owned */
    size_t ntexts;                                        /* entries in texts */
    struct ofd_path *paths;     /* owned; rects hold offsets until fixed */
    size_t npaths, cap_paths;   /* in use, allocated */
    struct rects rects;         /* every path's rectangles */
    struct ofd_image images[1]; /* the photo */
    size_t nimages;             /* 0 or 1 */
    unsigned char *photo_small; /* owned; photo_fit's JPEG, or NULL */
    struct ofd_rect seal_box;   /* the seal's circle's box, w = 0 when none */
};

static struct ofd_color color_of(struct rgb c)
{
    return (struct ofd_color){(unsigned char)lround(c.r * 255), (unsigned char)lround(c.g * 255),
                              (unsigned char)lround(c.b * 255)};
}

static int add_rect(struct odoc *d, double x, double y, double w, double h)
{
    struct rects *r = &d->rects;
    struct ofd_rect *p;

    if (w <= 0 || h <= 0)
        return 0;
    p = jp_grow(r->r, &r->cap, r->n, sizeof *p, 4096);
    if (p == NULL)
        return ENOMEM;
    r->r = p;
    r->r[r->n++] = (struct ofd_rect){x, y, w, h};
    return 0;
}

/* Starts a path whose rectangles are the ones added from now until the next path. */
static int add_path(struct odoc *d, int fill, double line_width_mm, struct ofd_color c)
{
    struct ofd_path *p = jp_grow(d->paths, &d->cap_paths, d->npaths, sizeof *p, 64);

    if (p == NULL)
        return ENOMEM;
    d->paths = p;
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

/* Advance of cp in face at size_pt plus spacing_pt, in mm. */
static double advance_mm(const struct odoc *d, int face, uint32_t cp, double size_pt,
                         double spacing_pt)
{
    return (font_lib_advance(&d->job.t->fonts, (size_t)face, cp) * size_pt / 1000.0 + spacing_pt) *
           MM_PER_PT;
}

/* Width of a text in pt (a tmpl_width_fn; ctx is the odoc). */
static double width_pt(const void *ctx, const uint32_t *cps, size_t n, double size, double spacing)
{
    const struct odoc *d = ctx;
    double w = 0;

    for (size_t i = 0; i < n; i++) {
        int face = font_lib_find(&d->job.t->fonts, cps[i]);
        w +=
            face < 0 ? 0 : font_lib_advance(&d->job.t->fonts, (size_t)face, cps[i]) * size / 1000.0;
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
        jp_errf(d->job.err, d->job.errlen, "more than %d text runs on the page", ORD_MAX_TEXTS);
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
static int put_text(void *ctx, const struct item *it, const uint32_t *cps, size_t n)
{
    struct odoc *d = ctx;
    double size, spacing, x, base;
    struct tmpl_text_fit f;
    size_t start = 0;
    int rc = 0;

    if (n == 0)
        return 0;
    f = tmpl_text_fit(it, it->w / MM_PER_PT, cps, n, width_pt, d);
    size = f.size, spacing = f.spacing;
    x = (it->x / MM_PER_PT + f.indent) * MM_PER_PT;
    base = it->y + it->h - ((it->h / MM_PER_PT - size) / 2 + 0.12 * size) * MM_PER_PT;
    while (start < n && rc == 0) {
        int face = font_lib_find(&d->job.t->fonts, cps[start]);
        size_t end = start + 1;
        double run_x = x;
        if (face < 0) {
            jp_errf(d->job.err, d->job.errlen, "no configured font has U+%04X",
                    (unsigned)cps[start]);
            return TMPL_EGLYPH;
        }
        while (end < n && font_lib_find(&d->job.t->fonts, cps[end]) == face)
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

/* The item's box stroked in its colour when it has a stroke width (rectangles, the photo). */
static int put_frame(struct odoc *d, const struct item *it)
{
    int rc = 0;

    if (it->width > 0) {
        rc = add_path(d, 0, it->width * MM_PER_PT, color_of(it->stroke));
        if (rc == 0)
            rc = add_rect(d, it->x, it->y, it->w, it->h);
    }
    return rc;
}

static int put_rect(void *ctx, const struct item *it)
{
    struct odoc *d = ctx;
    int rc = 0;

    if (it->has_fill) {
        rc = add_path(d, 1, 0, color_of(it->fill));
        if (rc == 0)
            rc = add_rect(d, it->x, it->y, it->w, it->h);
    }
    return rc != 0 ? rc : put_frame(d, it);
}

/* An axis-parallel line as a filled rectangle of the stroke's width. */
static int put_line(void *ctx, const struct item *it)
{
    struct odoc *d = ctx;
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

/*
 * The dark modules of c as rectangles of m mm from (x, y): each row's dark runs,
 * a run the same as the one above it in the previous row joined to it (977
 * rectangles instead of 1,064 for a typical certificate's symbol).
 */
static int qr_rects(struct odoc *d, const QRcode *c, double x, double y, double m)
{
    size_t *open = malloc((size_t)c->width * sizeof *open); /* rect of the run at col, + 1 */
    int *open_end = malloc((size_t)c->width * sizeof *open_end), *open_row = NULL;
    int rc = open == NULL || open_end == NULL ? ENOMEM : 0;

    if (rc == 0 && (open_row = malloc((size_t)c->width * sizeof *open_row)) == NULL)
        rc = ENOMEM;
    for (int col = 0; rc == 0 && col < c->width; col++)
        open[col] = 0;
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
            if (open[start] != 0 && open_end[start] == col && open_row[start] == row - 1) {
                d->rects.r[open[start] - 1].h += m;
                open_row[start] = row;
                continue;
            }
            rc = add_rect(d, x + start * m, y + row * m, (col - start) * m, m);
            open[start] = d->rects.n, open_end[start] = col, open_row[start] = row;
        }
    }
    free(open);
    free(open_end);
    free(open_row);
    return rc;
}

static int put_qr(void *ctx, const struct item *it)
{
    struct odoc *d = ctx;
    QRcode *c = qr_symbol(d->job.in->qr_text);
    double m;
    int rc;

    if (c == NULL) {
        jp_errf(d->job.err, d->job.errlen, "qr_text: cannot be encoded");
        return errno == ENOMEM ? ENOMEM : TMPL_EQR;
    }
    m = it->w / (c->width + 2 * ORD_QR_QUIET);
    rc = add_path(d, 1, 0, (struct ofd_color){255, 255, 255});
    if (rc == 0)
        rc = add_rect(d, it->x, it->y, it->w, it->w);
    if (rc == 0)
        rc = add_path(d, 1, 0, (struct ofd_color){0, 0, 0});
    if (rc == 0)
        d->paths[d->npaths - 1].unit = m;
    rc = rc != 0 ? rc : qr_rects(d, c, it->x + ORD_QR_QUIET * m, it->y + ORD_QR_QUIET * m, m);
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

/* The photo fitted into its box keeping its aspect ratio, or a grey box labelled 照片. */
static int put_photo(void *ctx, const struct item *it)
{
    struct odoc *d = ctx;
    static const uint32_t label[] = {0x7167, 0x7247}; /* 照片 */
    const unsigned char *p = d->job.in->photo;
    size_t n = d->job.in->photo_len, small_len = 0;
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
        return rc != 0 ? rc : put_frame(d, it);
    }
    if (photo_check(p, n, &is_png) != 0) {
        jp_errf(d->job.err, d->job.errlen,
                "photo: not a well-formed JPEG or PNG of at most %u bytes", TMPL_MAX_PHOTO);
        return TMPL_EPHOTO;
    }
    if (photo_fit(p, n, is_png, it->w, it->h, &d->photo_small, &small_len) == 0)
        p = d->photo_small, n = small_len, is_png = 0;
    if (image_size(p, n, is_png, &w, &h) != 0) {
        jp_errf(d->job.err, d->job.errlen, "photo: its size cannot be read");
        return TMPL_EPHOTO;
    }
    s = fmin(it->w / w, it->h / h);
    d->images[0] = (struct ofd_image){
        is_png ? "PNG" : "JPEG",
        {p, n},
        {it->x + (it->w - w * s) / 2, it->y + (it->h - h * s) / 2, w * s, h * s}};
    d->nimages = 1;
    return put_frame(d, it);
}

/* ----------------------------------------------------------------- fonts */

/*
 * Appends face f's subset to the fonts; a face split in two (font.c: the main
 * face's common part, then the whole) gets "-N" on its second FontName.
 */
static void name_font(struct odoc *d, size_t f)
{
    const char *ps = d->job.t->fonts.faces[f].psname;
    size_t k = d->nfonts;
    char *name = d->font_names[k];
    unsigned len = 0;
    const char *data = hb_blob_get_data(d->used_pack[f]->file, &len);
    size_t zlen = 0;
    const unsigned char *z = font_pack_raw(d->used_pack[f], &zlen);

    snprintf(name, sizeof d->font_names[k], "%s", ps);
    for (size_t i = 0; i < k; i++)
        if (strcmp(d->font_names[i], ps) == 0)
            snprintf(name, sizeof d->font_names[k], "%s-%zu", ps, k + 1);
    d->fonts[k] = (struct ofd_font){name, NULL, {(const unsigned char *)data, len}, {z, zlen}};
    d->slot[f] = (int)k;
    d->nfonts++;
}

/*
 * The pack of face f for the characters drawn in it: the base's characters
 * first, as the PDF's packs (render.c), then the others ascending. cps has
 * room for the base and every character drawn.
 */
static int make_pack(struct odoc *d, size_t f, uint32_t *cps)
{
    const struct font_lib *lib = &d->job.t->fonts;
    const struct font_base *base = &d->job.t->bases[f];
    hb_codepoint_t cp = HB_SET_VALUE_INVALID;
    size_t k = base->n;
    int rc;

    if (k > 0)
        memcpy(cps, base->cps, k * sizeof(*cps));
    while (hb_set_next(d->used[f], &cp))
        if (font_base_find(base, cp) < 0)
            cps[k++] = cp;
    rc = font_pack_build_unicode(lib, f, base, cps, k, TMPL_DEFLATE_LEVEL, &d->packs[f]);
    return tmpl_job_subset_err(&d->job, rc, lib->faces[f].path, TMPL_EFONT);
}

/* The caller's pack of face f (tmpl_fields.fonts) if it has every character drawn in f, or NULL. */
static const struct font_pack *shared_pack(const struct odoc *d, size_t f)
{
    const struct font_pack *p = d->job.in->fonts != NULL ? &d->job.in->fonts->packs[f] : NULL;
    hb_codepoint_t cp = HB_SET_VALUE_INVALID;

    if (p == NULL || p->n == 0 || p->file == NULL)
        return NULL;
    while (hb_set_next(d->used[f], &cp)) /* the pack starts with the base's characters */
        if (font_base_find(&d->job.t->bases[f], cp) < 0 && font_pack_find(p, cp) < 0)
            return NULL;
    return p;
}

/* A pack of each face with the characters drawn in it, the caller's when it has them all;
 * faces unused get none. */
static int make_fonts(struct odoc *d)
{
    const struct font_lib *lib = &d->job.t->fonts;
    size_t cap = 1;
    uint32_t *cps = NULL;
    int rc = 0;

    for (size_t f = 0; f < lib->nfaces; f++)
        cap += d->job.t->bases[f].n + hb_set_get_population(d->used[f]);
    cps = malloc(cap * sizeof(*cps));
    if (cps == NULL)
        return ENOMEM;
    for (size_t f = 0; f < lib->nfaces && rc == 0; f++) {
        d->slot[f] = -1;
        if (hb_set_is_empty(d->used[f]))
            continue;
        d->used_pack[f] = shared_pack(d, f);
        if (d->used_pack[f] == NULL) {
            rc = make_pack(d, f, cps);
            d->used_pack[f] = &d->packs[f];
        }
        if (rc == 0)
            name_font(d, f);
    }
    for (size_t i = 0; i < d->ntexts && rc == 0; i++)
        d->texts[i].font = (size_t)d->slot[d->texts[i].font];
    free(cps);
    return rc;
}

/* ------------------------------------------------------------------ page */

/* The seal is drawn by ofd_write: the page keeps only where its circle stands. */
static int put_seal(void *ctx, const struct item *it)
{
    struct odoc *d = ctx;

    d->seal_box = (struct ofd_rect){it->x - it->w, it->y - it->w, 2 * it->w, 2 * it->w};
    return 0;
}

/* The OFD's way of drawing each kind of directive: no circles (see the top). */
static const struct tmpl_painter ofd_painter = {
    .rect = put_rect,
    .line = put_line,
    .text = put_text,
    .photo = put_photo,
    .qr = put_qr,
    .seal = put_seal,
};

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
    if (d == NULL)
        return;
    for (size_t f = 0; f < FONT_MAX_FACES; f++) {
        hb_set_destroy(d->used[f]);
        font_pack_free(&d->packs[f]);
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

    doc_title(d->job.t, title, sizeof title);
    if (gmtime_r(&local, &tm) == NULL || strftime(date, sizeof date, "%Y-%m-%d", &tm) != 10) {
        jp_errf(d->job.err, d->job.errlen, "seal time out of range");
        return TMPL_EFIELD;
    }
    /* the template's seal circle, else the lower right corner (default_seal's size) */
    st.box = d->seal_box.w > 0 ? d->seal_box
                               : (struct ofd_rect){d->job.t->page_w * MM_PER_PT - 60,
                                                   d->job.t->page_h * MM_PER_PT - 60, 40, 40};
    memset(&doc, 0, sizeof doc);
    doc.doc_id = doc_id;
    doc.title = title[0] != '\0' ? title : NULL;
    doc.creator = "Jianpei";
    doc.creation_date = date;
    doc.fonts = d->fonts;
    doc.nfonts = d->nfonts;
    doc.page = (struct ofd_page){d->job.t->page_w * MM_PER_PT,
                                 d->job.t->page_h * MM_PER_PT,
                                 d->paths,
                                 d->npaths,
                                 d->images,
                                 d->nimages,
                                 d->texts,
                                 d->ntexts};
    return ofd_write(&doc, &st, out, d->job.err, d->job.errlen);
}

int tmpl_render_ofd(const struct tmpl *t, const struct tmpl_fields *f,
                    const struct ofd_stamp *stamp, const char *doc_id, struct jp_buf *out,
                    char *err, size_t errlen)
{
    struct odoc *d = calloc(1, sizeof *d);
    int rc = tmpl_job_start(d != NULL ? &d->job : NULL, t, f, err, errlen);

    for (size_t i = 0; i < FONT_MAX_FACES && rc == 0; i++) {
        d->used[i] = hb_set_create();
        if (!hb_set_allocation_successful(d->used[i]))
            rc = ENOMEM;
    }
    if (rc == 0)
        rc = tmpl_paint(&d->job, &ofd_painter, d);
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

/* --- Lettering: glyph outlines (HarfBuzz) filled with the non-zero rule. */

#define ORD_SS 4           /* sub-scanlines per pixel row */
#define ORD_MAX_EDGES 8192 /* line segments of one glyph */
#define ORD_CURVE_STEPS 8  /* segments per curve */

/* Where a glyph goes: image pixel = (ox, oy) + X * (ax, ay) + Y * (bx, by) for font units X, Y. */
struct glyph_place {
    double ox, oy, ax, ay, bx, by;
};

/* One glyph's outline as line segments in image pixels. */
struct outline {
    const struct glyph_place *at; /* the placement */
    double x[ORD_MAX_EDGES][2];   /* segment ends, x */
    double y[ORD_MAX_EDGES][2];   /* segment ends, y */
    size_t n;                     /* segments in use */
    double cx, cy;                /* the pen, font units */
};

static void ol_line(struct outline *o, double x, double y)
{
    const struct glyph_place *g = o->at;

    if (o->n < ORD_MAX_EDGES) {
        o->x[o->n][0] = g->ox + o->cx * g->ax + o->cy * g->bx;
        o->y[o->n][0] = g->oy + o->cx * g->ay + o->cy * g->by;
        o->x[o->n][1] = g->ox + x * g->ax + y * g->bx;
        o->y[o->n][1] = g->oy + x * g->ay + y * g->by;
        o->n++;
    }
    o->cx = x, o->cy = y;
}

static void ol_move(hb_draw_funcs_t *f, void *d, hb_draw_state_t *st, float x, float y, void *u)
{
    struct outline *o = d;

    (void)f, (void)st, (void)u;
    o->cx = x, o->cy = y;
}

static void ol_lineto(hb_draw_funcs_t *f, void *d, hb_draw_state_t *st, float x, float y, void *u)
{
    (void)f, (void)st, (void)u;
    ol_line(d, x, y);
}

static void ol_quad(hb_draw_funcs_t *f, void *d, hb_draw_state_t *st, float qx, float qy, float x,
                    float y, void *u)
{
    struct outline *o = d;
    double x0 = o->cx, y0 = o->cy;

    (void)f, (void)st, (void)u;
    for (int i = 1; i <= ORD_CURVE_STEPS; i++) {
        double t = (double)i / ORD_CURVE_STEPS, m = 1 - t;
        ol_line(o, m * m * x0 + 2 * m * t * qx + t * t * x,
                m * m * y0 + 2 * m * t * qy + t * t * y);
    }
}

static void ol_cubic(hb_draw_funcs_t *f, void *d, hb_draw_state_t *st, float ax, float ay, float bx,
                     float by, float x, float y, void *u)
{
    struct outline *o = d;
    double x0 = o->cx, y0 = o->cy;

    (void)f, (void)st, (void)u;
    for (int i = 1; i <= ORD_CURVE_STEPS; i++) {
        double t = (double)i / ORD_CURVE_STEPS, m = 1 - t;
        ol_line(o, m * m * m * x0 + 3 * m * m * t * ax + 3 * m * t * t * bx + t * t * t * x,
                m * m * m * y0 + 3 * m * m * t * ay + 3 * m * t * t * by + t * t * t * y);
    }
}

static void ol_close(hb_draw_funcs_t *f, void *d, hb_draw_state_t *st, void *u)
{
    (void)f, (void)d, (void)st, (void)u; /* HarfBuzz closes contours with a line_to */
}

/* Adds the coverage (0..1 per pixel) of the outline, non-zero rule, to cov (n x n, max'd). */
static void ol_fill(const struct outline *o, float *cov, int n)
{
    double ymin = n, ymax = 0;
    double xs[ORD_MAX_EDGES];
    int dirs[ORD_MAX_EDGES];

    for (size_t e = 0; e < o->n; e++)
        for (int k = 0; k < 2; k++)
            ymin = fmin(ymin, o->y[e][k]), ymax = fmax(ymax, o->y[e][k]);
    for (int row = (int)fmax(0, floor(ymin)); row < n && row <= ymax; row++) {
        float line[ORD_SEAL_PX] = {0};
        for (int s = 0; s < ORD_SS; s++) {
            double y = row + (s + 0.5) / ORD_SS;
            size_t m = 0;
            for (size_t e = 0; e < o->n; e++) {
                double y0 = o->y[e][0], y1 = o->y[e][1];
                if ((y0 <= y) == (y1 <= y))
                    continue;
                xs[m] = o->x[e][0] + (y - y0) * (o->x[e][1] - o->x[e][0]) / (y1 - y0);
                dirs[m++] = y1 > y0 ? 1 : -1;
            }
            for (size_t a = 1; a < m; a++) /* insertion sort: a few dozen crossings */
                for (size_t b = a; b > 0 && xs[b - 1] > xs[b]; b--) {
                    double tx = xs[b];
                    int td = dirs[b];
                    xs[b] = xs[b - 1], dirs[b] = dirs[b - 1];
                    xs[b - 1] = tx, dirs[b - 1] = td;
                }
            int wind = 0;
            for (size_t a = 0; a + 1 < m; a++) {
                wind += dirs[a];
                if (wind == 0)
                    continue;
                for (int px = (int)fmax(0, floor(xs[a])); px < n && px < xs[a + 1]; px++)
                    line[px] += (float)((fmin(px + 1, xs[a + 1]) - fmax(px, xs[a])) / ORD_SS);
            }
        }
        for (int px = 0; px < n; px++)
            cov[(size_t)row * (size_t)n + (size_t)px] =
                fmaxf(cov[(size_t)row * (size_t)n + (size_t)px], fminf(line[px], 1));
    }
}

static hb_draw_funcs_t *ol_funcs(void)
{
    hb_draw_funcs_t *f = hb_draw_funcs_create();

    hb_draw_funcs_set_move_to_func(f, ol_move, NULL, NULL);
    hb_draw_funcs_set_line_to_func(f, ol_lineto, NULL, NULL);
    hb_draw_funcs_set_quadratic_to_func(f, ol_quad, NULL, NULL);
    hb_draw_funcs_set_cubic_to_func(f, ol_cubic, NULL, NULL);
    hb_draw_funcs_set_close_path_func(f, ol_close, NULL, NULL);
    hb_draw_funcs_make_immutable(f);
    return f;
}

/* Draws code point cp at g into cov; 0, or -1 when no face has it. */
static int draw_glyph(const struct tmpl *t, hb_draw_funcs_t *f, struct outline *o, uint32_t cp,
                      const struct glyph_place *g, float *cov)
{
    int face = font_lib_find(&t->fonts, cp);
    hb_codepoint_t gid;

    if (face < 0 || !hb_font_get_nominal_glyph(t->fonts.faces[face].font, cp, &gid))
        return -1;
    o->at = g;
    o->n = 0;
    o->cx = o->cy = 0;
    hb_font_get_glyph_shape(t->fonts.faces[face].font, gid, f, o);
    ol_fill(o, cov, ORD_SEAL_PX);
    return 0;
}

/* Font units per em of the face that draws cp (1000 when none does). */
static double upem_of(const struct tmpl *t, uint32_t cp)
{
    int face = font_lib_find(&t->fonts, cp);

    return face < 0 ? 1000.0 : (double)t->fonts.faces[face].upem;
}

/*
 * The authority's name along the upper arc, as render.c's seal_arc_text draws
 * it on the PDF (same sizes and angles), in a picture of ORD_SEAL_PX pixels
 * across the seal's diameter; r is the seal's radius and R the lettering's
 * (inside the rim), both in points.
 */
static int seal_arc(const struct tmpl *t, hb_draw_funcs_t *f, struct outline *o,
                    const uint32_t *cps, size_t n, double r, double R, float *cov)
{
    double arc = 250.0 * M_PI / 180.0, rim = R * 0.90, k = ORD_SEAL_PX / (2 * r), size, rb, step;
    int rc = 0;

    if (n == 0)
        return 0;
    size = fmin(R * 0.30, arc * rim / (0.85 * 1.08 * (double)n + 0.9 * arc));
    rb = rim - 0.9 * size;
    step = fmin(0.85 * 1.08 * size / rb, arc / (double)n);
    for (size_t i = 0; i < n && rc == 0; i++) {
        int face = font_lib_find(&t->fonts, cps[i]);
        double a = M_PI / 2 + step * (double)n / 2 - ((double)i + 0.5) * step, s = sin(a),
               c = cos(a);
        double w =
            face < 0 ? 0 : 0.85 * font_lib_advance(&t->fonts, (size_t)face, cps[i]) * size / 1000.0;
        double ox = rb * c - s * w / 2, oy = rb * s + c * w / 2, u = size / upem_of(t, cps[i]);
        /* PDF text matrix [s -c c s ox oy] with 85 % horizontal scaling, y flipped for the image */
        struct glyph_place g = {ORD_SEAL_PX / 2.0 + ox * k,
                                ORD_SEAL_PX / 2.0 - oy * k,
                                0.85 * u * s * k,
                                0.85 * u * c * k,
                                u * c * k,
                                -u * s * k};
        rc = draw_glyph(t, f, o, cps[i], &g, cov);
    }
    return rc;
}

/* The seal's label, horizontal, centred below the star, as render.c's draw_seal places it. */
static int seal_label(const struct tmpl *t, hb_draw_funcs_t *f, struct outline *o,
                      const struct item *it, float *cov)
{
    double r = it->w / MM_PER_PT, size = r * 0.15, k = ORD_SEAL_PX / (2 * r), w = 0, x;
    double h = size * MM_PER_PT * 1.2, y = it->w * 0.40;
    double base = (y + h - ((h / MM_PER_PT - size) / 2 + 0.12 * size) * MM_PER_PT) / MM_PER_PT;
    int rc = 0;

    for (size_t i = 0; i < it->ncps; i++) {
        int face = font_lib_find(&t->fonts, it->cps[i]);
        w += face < 0 ? 0 : font_lib_advance(&t->fonts, (size_t)face, it->cps[i]) * size / 1000.0;
    }
    x = -w / 2;
    for (size_t i = 0; i < it->ncps && rc == 0; i++) {
        int face = font_lib_find(&t->fonts, it->cps[i]);
        double u = size / upem_of(t, it->cps[i]);
        struct glyph_place g = {
            ORD_SEAL_PX / 2.0 + x * k, ORD_SEAL_PX / 2.0 + base * k, u * k, 0, 0, -u * k};
        rc = draw_glyph(t, f, o, it->cps[i], &g, cov);
        x += face < 0 ? 0 : font_lib_advance(&t->fonts, (size_t)face, it->cps[i]) * size / 1000.0;
    }
    return rc;
}

/* The lettering of seal item it with the authority's name into cov. */
static int seal_lettering(const struct tmpl *t, const struct item *it, const char *authority,
                          double rim_px, float *cov)
{
    uint32_t cps[TMPL_MAX_FIELD];
    long n = tmpl_codepoints(authority, cps, TMPL_MAX_FIELD);
    double r = it->w / MM_PER_PT;
    hb_draw_funcs_t *f = ol_funcs();
    struct outline *o = malloc(sizeof *o);
    int rc = n < 0 ? TMPL_EFIELD : o == NULL ? ENOMEM : 0;

    if (rc == 0)
        rc = seal_arc(t, f, o, cps, (size_t)n, r, r - rim_px * 2 * r / ORD_SEAL_PX, cov);
    if (rc == 0)
        rc = seal_label(t, f, o, it, cov);
    if (rc < 0)
        rc = TMPL_EGLYPH;
    free(o);
    hb_draw_funcs_destroy(f);
    return rc;
}

/* The seal of a template without a seal directive: 40 mm, red, no label. */
static const struct item default_seal = {
    .kind = ITEM_SEAL, .w = 20, .stroke = {0.816, 0.125, 0.18}, .alpha = 1};

/* img's PNG (len bytes at most, libpng's estimate) of px and map, its image data deflated
 * again at the highest level (tmpl_png_repack: the seal is stored in every package),
 * appended to png. */
static int seal_png_write(png_image *img, png_alloc_size_t len, const unsigned char *px,
                          const unsigned char *map, struct jp_buf *png)
{
    struct jp_buf own;
    unsigned char *mem = malloc((size_t)len);
    int rc = mem == NULL ? ENOMEM : 0;

    jp_buf_init(&own, png->max);
    if (rc == 0 && !png_image_write_to_memory(img, mem, &len, 0, px, 0, map))
        rc = EIO;
    if (rc == 0)
        rc = jp_buf_append(&own, mem, (size_t)len);
    if (rc == 0)
        rc = tmpl_png_repack(&own);
    if (rc == EINVAL)
        rc = EIO; /* libpng wrote what png_pack.c cannot read */
    if (rc == 0)
        rc = jp_buf_append(png, own.data, own.len);
    free(mem);
    jp_buf_free(&own);
    return rc;
}

int tmpl_seal_png(const struct tmpl *t, const char *authority, struct jp_buf *png,
                  unsigned *side_mm)
{
    const struct item *seal = NULL;
    png_image img;
    unsigned char *px;
    png_alloc_size_t len = 0;
    struct rgb c;
    struct star star;
    unsigned char map[256 * 4];
    float *cov = NULL;
    double rim;
    int rc = 0;

    for (size_t i = 0; i < t->nitems && seal == NULL; i++)
        if (t->items[i].kind == ITEM_SEAL)
            seal = &t->items[i];
    if (seal == NULL)
        seal = &default_seal;
    c = seal->stroke;
    rim = (seal->width > 0 ? seal->width * MM_PER_PT / (2 * seal->w) : 0.045 / 2) * ORD_SEAL_PX;
    star_make(&star, ORD_SEAL_PX / 2.0 * 0.25);
    px = calloc((size_t)ORD_SEAL_PX * ORD_SEAL_PX, 1);
    cov = calloc((size_t)ORD_SEAL_PX * ORD_SEAL_PX, sizeof *cov);
    if (px == NULL || cov == NULL) {
        free(px);
        free(cov);
        return ENOMEM;
    }
    rc = seal_lettering(t, seal, authority, rim, cov);
    /* one colour, ORD_SEAL_LEVELS opacities: a 4-bit palette PNG (libpng packs a map of
     * 16 or fewer entries), half the bytes of 256 levels (docs/benchmarks.md) */
    for (int i = 0; i < ORD_SEAL_LEVELS; i++) {
        map[4 * i] = (unsigned char)lround(c.r * 255),
                map[4 * i + 1] = (unsigned char)lround(c.g * 255);
        map[4 * i + 2] = (unsigned char)lround(c.b * 255),
                map[4 * i + 3] = (unsigned char)lround(i * 255.0 / (ORD_SEAL_LEVELS - 1));
    }
    for (int y = 0; y < ORD_SEAL_PX; y++)
        for (int x = 0; x < ORD_SEAL_PX; x++) {
            double a = fmax(seal_cover(&star, x, y, ORD_SEAL_PX, rim) / 16.0,
                            cov[(size_t)y * ORD_SEAL_PX + (size_t)x]);
            px[(size_t)y * ORD_SEAL_PX + (size_t)x] =
                (unsigned char)lround(a * (ORD_SEAL_LEVELS - 1));
        }
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = img.height = ORD_SEAL_PX;
    img.format = PNG_FORMAT_RGBA_COLORMAP;
    img.colormap_entries = ORD_SEAL_LEVELS;
    if (rc == 0 && !png_image_write_get_memory_size(img, len, 0, px, 0, map)) {
        rc = EIO;
    } else if (rc == 0) {
        rc = seal_png_write(&img, len, px, map, png);
    }
    png_image_free(&img);
    free(px);
    free(cov);
    *side_mm = (unsigned)lround(2 * seal->w);
    return rc;
}
