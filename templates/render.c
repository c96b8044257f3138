/*
 * render.c - drawing one certificate from a loaded template. Each call owns
 * its libharu document (the template is only read, so renders may run on
 * several threads at once): the fields are decoded and checked, every
 * character the document draws goes into one subset per face that has some
 * (built on the template's base of that face, whose glyphs are compressed
 * once: font_base.c), the fonts are attached, the template's directives are
 * drawn in order and the compressed PDF is copied out. libharu's error
 * handler only records the first error; every libharu call's status is
 * checked and turned into a return code, so nothing jumps or exits.
 */
#include "render.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MM_TO_PT (72.0 / 25.4)
#define PI 3.14159265358979323846

/* State of one render. */
struct doc {
    struct tmpl_job job;                    /* template, fields, message buffer */
    HPDF_Doc pdf;                           /* owned */
    HPDF_Page page;                         /* the one page */
    HPDF_Font static_fonts[FONT_MAX_FACES]; /* static packs as fonts, or NULL */
    struct font_pack dyn[FONT_MAX_FACES];   /* owned; per-document packs, unless shared */
    /* the packs drawn with, per face: dyn's, or the caller's (tmpl_fields.fonts) */
    const struct font_pack *packs[FONT_MAX_FACES];
    HPDF_Font dyn_fonts[FONT_MAX_FACES]; /* packs as fonts, or NULL */
    HPDF_STATUS hpdf_error;              /* first libharu error, 0 if none */
    HPDF_STATUS hpdf_detail;             /* its detail code */
};

/* How to draw one character: font, two code bytes, advance in 1/1000 em. */
struct glyph {
    HPDF_Font font;        /* the pack's font in this document */
    unsigned char code[2]; /* GBK user-area code */
    unsigned width;        /* advance, 1/1000 em */
};

static void hpdf_error(HPDF_STATUS error, HPDF_STATUS detail, void *user)
{
    struct doc *d = user;
    if (d->hpdf_error == 0) {
        d->hpdf_error = error;
        d->hpdf_detail = detail;
    }
}

static int pdf_fail(struct doc *d, const char *what)
{
    jp_errf(d->job.err, d->job.errlen, "libharu: %s failed (error 0x%04X, detail %u)", what,
            (unsigned)d->hpdf_error, (unsigned)d->hpdf_detail);
    return TMPL_EPDF;
}

/* The document's packs: the caller's (tmpl_fields.fonts), else one built per face of exactly the
 * characters it draws (tmpl_job_packs). */
static int build_dynamic(struct doc *d)
{
    const struct tmpl_fonts *shared = d->job.in->fonts;
    int rc = shared != NULL ? 0 : tmpl_job_packs(&d->job, 0, d->dyn);

    for (size_t f = 0; f < FONT_MAX_FACES && rc == 0; f++)
        d->packs[f] = shared != NULL ? &shared->packs[f] : &d->dyn[f];
    return rc;
}

/* A subset tag: five letters from the pack's characters and one for its slot. */
static void pack_tag(const struct font_pack *p, unsigned slot, char tag[7])
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < p->n; i++)
        h = (h ^ p->cps[i]) * 16777619u;
    for (int i = 0; i < 5; i++) {
        tag[i] = (char)('A' + h % 26);
        h /= 26;
    }
    tag[5] = (char)('A' + slot % 26);
    tag[6] = '\0';
}

static int attach_fonts(struct doc *d)
{
    unsigned slot = 0;
    char tag[7];

    for (size_t f = 0; f < d->job.t->fonts.nfaces; f++) {
        if (d->packs[f]->n > 0) {
            pack_tag(d->packs[f], slot++, tag);
            d->dyn_fonts[f] = font_pack_attach(&d->job.t->fonts, d->packs[f], d->pdf, tag);
            if (d->dyn_fonts[f] == NULL)
                return pdf_fail(d, "loading a document font");
        }
    }
    return 0;
}

/* Every character reaching here is in one of the document's packs (collect_dynamic). */
static struct glyph glyph_of(const struct doc *d, uint32_t cp)
{
    struct glyph g = {0};
    uint16_t code = 0;

    for (size_t f = 0; f < d->job.t->fonts.nfaces && g.font == NULL; f++) {
        int i = font_base_find(&d->job.t->bases[f], cp);
        if (i < 0)
            i = font_pack_find(d->packs[f], cp);
        if (i >= 0) {
            g.font = d->dyn_fonts[f];
            g.width = d->packs[f]->widths[i];
            code = d->job.t->fonts.codes[i];
        }
    }
    g.code[0] = (unsigned char)(code >> 8);
    g.code[1] = (unsigned char)code;
    return g;
}

/* Width of a text in pt (a tmpl_width_fn; ctx is the doc). */
static double text_width(const void *ctx, const uint32_t *cps, size_t n, double size,
                         double spacing)
{
    const struct doc *d = ctx;
    double w = 0;
    for (size_t i = 0; i < n; i++)
        w += glyph_of(d, cps[i]).width * size / 1000.0;
    return n > 0 ? w + spacing * (double)(n - 1) : 0;
}

/* Shows cps from the current text position, one ShowText per run of one font. */
static HPDF_STATUS show_runs(const struct doc *d, const uint32_t *cps, size_t n, double size)
{
    char run[2 * TMPL_MAX_FIELD + 1];
    size_t len = 0;
    HPDF_Font cur = NULL;
    HPDF_STATUS st = HPDF_OK;

    for (size_t i = 0; i <= n && st == HPDF_OK; i++) {
        struct glyph g = i < n ? glyph_of(d, cps[i]) : (struct glyph){0};
        if ((i == n || g.font != cur) && len > 0) {
            run[len] = '\0';
            st = HPDF_Page_SetFontAndSize(d->page, cur, (HPDF_REAL)size);
            if (st == HPDF_OK)
                st = HPDF_Page_ShowText(d->page, run);
            len = 0;
        }
        if (i < n && g.font == NULL)
            return HPDF_INVALID_FONT;
        if (i < n && len + 2 < sizeof(run)) {
            cur = g.font;
            run[len++] = (char)g.code[0];
            run[len++] = (char)g.code[1];
        }
    }
    return st;
}

/* Draws a line of text in a box (mm), shrinking it down to min_size to fit. */
static int draw_text(void *ctx, const struct item *it, const uint32_t *cps, size_t n)
{
    struct doc *d = ctx;
    double boxw = it->w * MM_TO_PT, x, base;
    struct tmpl_text_fit f;
    HPDF_STATUS st = HPDF_OK;

    if (n == 0)
        return 0;
    f = tmpl_text_fit(it, boxw, cps, n, text_width, d);
    x = it->x * MM_TO_PT + f.indent;
    /* the ideographic em box, centred in the box; its bottom is 0.12 em below the baseline */
    base = d->job.t->page_h - (it->y + it->h) * MM_TO_PT + (it->h * MM_TO_PT - f.size) / 2 +
           0.12 * f.size;
    st += HPDF_Page_SetRGBFill(d->page, (HPDF_REAL)it->fill.r, (HPDF_REAL)it->fill.g,
                               (HPDF_REAL)it->fill.b);
    st += HPDF_Page_BeginText(d->page);
    st += HPDF_Page_SetCharSpace(d->page, (HPDF_REAL)f.spacing);
    st += HPDF_Page_MoveTextPos(d->page, (HPDF_REAL)x, (HPDF_REAL)base);
    if (st == HPDF_OK)
        st = show_runs(d, cps, n, f.size);
    st += HPDF_Page_SetCharSpace(d->page, 0);
    st += HPDF_Page_EndText(d->page);
    return st == HPDF_OK ? 0 : pdf_fail(d, "drawing text");
}

static HPDF_STATUS set_alpha(struct doc *d, double alpha)
{
    HPDF_ExtGState gs;
    HPDF_STATUS st = HPDF_OK;

    if (alpha >= 1)
        return HPDF_OK;
    gs = HPDF_CreateExtGState(d->pdf);
    if (gs == NULL)
        return HPDF_FAILD_TO_ALLOC_MEM;
    st += HPDF_ExtGState_SetAlphaFill(gs, (HPDF_REAL)alpha);
    st += HPDF_ExtGState_SetAlphaStroke(gs, (HPDF_REAL)alpha);
    st += HPDF_Page_SetExtGState(d->page, gs);
    return st;
}

/* Paints the current path: fill and/or stroke as the item asks. */
static HPDF_STATUS paint(struct doc *d, const struct item *it)
{
    HPDF_Page p = d->page;
    HPDF_STATUS st = HPDF_OK;

    st += HPDF_Page_SetLineWidth(p, (HPDF_REAL)fmax(it->width, 0.01));
    st += HPDF_Page_SetRGBStroke(p, (HPDF_REAL)it->stroke.r, (HPDF_REAL)it->stroke.g,
                                 (HPDF_REAL)it->stroke.b);
    if (it->has_fill)
        st += HPDF_Page_SetRGBFill(p, (HPDF_REAL)it->fill.r, (HPDF_REAL)it->fill.g,
                                   (HPDF_REAL)it->fill.b);
    return st;
}

static HPDF_STATUS finish_path(struct doc *d, const struct item *it)
{
    if (it->has_fill && it->width > 0)
        return HPDF_Page_FillStroke(d->page);
    if (it->has_fill)
        return HPDF_Page_Fill(d->page);
    if (it->width > 0)
        return HPDF_Page_Stroke(d->page);
    return HPDF_Page_EndPath(d->page);
}

static int draw_shape(void *ctx, const struct item *it)
{
    struct doc *d = ctx;
    HPDF_Page p = d->page;
    double k = MM_TO_PT, H = d->job.t->page_h;
    HPDF_STATUS st = HPDF_Page_GSave(p);

    st += set_alpha(d, it->alpha);
    st += paint(d, it);
    if (it->kind == ITEM_RECT)
        st += HPDF_Page_Rectangle(p, (HPDF_REAL)(it->x * k), (HPDF_REAL)(H - (it->y + it->h) * k),
                                  (HPDF_REAL)(it->w * k), (HPDF_REAL)(it->h * k));
    else if (it->kind == ITEM_CIRCLE)
        st += HPDF_Page_Circle(p, (HPDF_REAL)(it->x * k), (HPDF_REAL)(H - it->y * k),
                               (HPDF_REAL)(it->w * k));
    else {
        st += HPDF_Page_MoveTo(p, (HPDF_REAL)(it->x * k), (HPDF_REAL)(H - it->y * k));
        st += HPDF_Page_LineTo(p, (HPDF_REAL)(it->w * k), (HPDF_REAL)(H - it->h * k));
    }
    if (st == HPDF_OK)
        st = finish_path(d, it);
    st += HPDF_Page_GRestore(p);
    return st == HPDF_OK ? 0 : pdf_fail(d, "drawing a shape");
}

static HPDF_Image photo_load(struct doc *d, const struct item *it, int *rc)
{
    unsigned char *small = NULL;
    size_t small_len = 0;
    int is_png = 0;
    HPDF_Image img = NULL;

    *rc = photo_check(d->job.in->photo, d->job.in->photo_len, &is_png);
    if (*rc != 0) {
        jp_errf(d->job.err, d->job.errlen,
                "photo: not a well-formed JPEG or PNG of at most %u bytes", TMPL_MAX_PHOTO);
        return NULL;
    }
    if (photo_fit(d->job.in->photo, d->job.in->photo_len, is_png, it->w, it->h, &small,
                  &small_len) == 0)
        img = HPDF_LoadJpegImageFromMem(d->pdf, small, (HPDF_UINT)small_len); /* copies */
    else if (is_png)
        img = HPDF_LoadPngImageFromMem(d->pdf, d->job.in->photo, (HPDF_UINT)d->job.in->photo_len);
    else
        img = HPDF_LoadJpegImageFromMem(d->pdf, d->job.in->photo, (HPDF_UINT)d->job.in->photo_len);
    free(small);
    if (img == NULL) {
        jp_errf(d->job.err, d->job.errlen, "photo: libharu refused it (error 0x%04X)",
                (unsigned)d->hpdf_error);
        *rc = TMPL_EPHOTO;
    }
    return img;
}

/* The photo fitted into the box keeping its aspect ratio, or a labelled empty frame. */
static int draw_photo(void *ctx, const struct item *it)
{
    struct doc *d = ctx;
    static const uint32_t label[] = {0x7167, 0x7247}; /* 照片 */
    double k = MM_TO_PT, bx = it->x * k, by = d->job.t->page_h - (it->y + it->h) * k;
    double bw = it->w * k, bh = it->h * k;
    HPDF_STATUS st = HPDF_OK;
    int rc = 0;

    if (d->job.in->photo != NULL) {
        HPDF_Image img = photo_load(d, it, &rc);
        double iw, ih, s;
        if (img == NULL)
            return rc;
        iw = HPDF_Image_GetWidth(img);
        ih = HPDF_Image_GetHeight(img);
        s = fmin(bw / iw, bh / ih);
        st += HPDF_Page_DrawImage(d->page, img, (HPDF_REAL)(bx + (bw - iw * s) / 2),
                                  (HPDF_REAL)(by + (bh - ih * s) / 2), (HPDF_REAL)(iw * s),
                                  (HPDF_REAL)(ih * s));
    } else {
        struct item l = *it;
        l.size = fmin(14, it->w * k / 4);
        l.min_size = l.size;
        l.align = ALIGN_CENTER;
        l.spacing = l.size;
        l.fill = (struct rgb){0.6, 0.6, 0.6};
        st += HPDF_Page_SetRGBFill(d->page, 0.96f, 0.96f, 0.95f);
        st += HPDF_Page_Rectangle(d->page, (HPDF_REAL)bx, (HPDF_REAL)by, (HPDF_REAL)bw,
                                  (HPDF_REAL)bh);
        st += HPDF_Page_Fill(d->page);
        if (st == HPDF_OK)
            rc = draw_text(d, &l, label, 2);
    }
    if (it->width > 0 && st == HPDF_OK && rc == 0) {
        st += paint(d, it);
        st += HPDF_Page_Rectangle(d->page, (HPDF_REAL)bx, (HPDF_REAL)by, (HPDF_REAL)bw,
                                  (HPDF_REAL)bh);
        st += HPDF_Page_Stroke(d->page);
    }
    if (rc != 0)
        return rc;
    return st == HPDF_OK ? 0 : pdf_fail(d, "drawing the photo");
}

static int draw_qr(void *ctx, const struct item *it)
{
    struct doc *d = ctx;
    double k = MM_TO_PT;
    int version = 0;
    int rc = qr_draw(d->page, d->job.in->qr_text, it->x * k, d->job.t->page_h - (it->y + it->w) * k,
                     it->w * k, &version);

    if (rc == TMPL_EQR)
        jp_errf(d->job.err, d->job.errlen, "qr_text: cannot be encoded");
    else if (rc == TMPL_EPDF)
        rc = pdf_fail(d, "drawing the qr code");
    return rc;
}

/* A five-pointed star of outer radius r (pt), centred on cx, cy. */
static HPDF_STATUS seal_star(HPDF_Page p, double cx, double cy, double r)
{
    HPDF_STATUS st = HPDF_OK;
    for (int i = 0; i < 10; i++) {
        double a = PI / 2 + i * PI / 5, rr = i % 2 == 0 ? r : r * 0.382;
        double x = cx + rr * cos(a), y = cy + rr * sin(a);
        st += i == 0 ? HPDF_Page_MoveTo(p, (HPDF_REAL)x, (HPDF_REAL)y)
                     : HPDF_Page_LineTo(p, (HPDF_REAL)x, (HPDF_REAL)y);
    }
    st += HPDF_Page_ClosePath(p);
    return st + HPDF_Page_Fill(p);
}

/*
 * The authority's name along the upper arc (250 degrees at most), each
 * character upright towards the rim and condensed to 85 % width as seal
 * lettering is. The size solves n * 0.85 * size = arc * (rim - 0.9 size).
 */
static HPDF_STATUS seal_arc_text(struct doc *d, const uint32_t *cps, size_t n, double cx, double cy,
                                 double r)
{
    double arc = 250.0 * PI / 180.0, rim = r * 0.90, size, rb, step;
    HPDF_STATUS st = HPDF_OK;

    if (n == 0)
        return HPDF_OK;
    size = fmin(r * 0.30, arc * rim / (0.85 * 1.08 * (double)n + 0.9 * arc));
    rb = rim - 0.9 * size;
    step = fmin(0.85 * 1.08 * size / rb, arc / (double)n);
    st += HPDF_Page_BeginText(d->page);
    st += HPDF_Page_SetHorizontalScalling(d->page, 85);
    for (size_t i = 0; i < n && st == HPDF_OK; i++) {
        struct glyph g = glyph_of(d, cps[i]);
        double a = PI / 2 + step * (double)n / 2 - ((double)i + 0.5) * step;
        double w = 0.85 * g.width * size / 1000.0, s = sin(a), c = cos(a);
        char one[3] = {(char)g.code[0], (char)g.code[1], '\0'};
        double ox = cx + rb * c - s * w / 2, oy = cy + rb * s + c * w / 2;
        st += HPDF_Page_SetFontAndSize(d->page, g.font, (HPDF_REAL)size);
        st += HPDF_Page_SetTextMatrix(d->page, (HPDF_REAL)s, (HPDF_REAL)-c, (HPDF_REAL)c,
                                      (HPDF_REAL)s, (HPDF_REAL)ox, (HPDF_REAL)oy);
        st += HPDF_Page_ShowText(d->page, one);
    }
    st += HPDF_Page_SetHorizontalScalling(d->page, 100);
    return st + HPDF_Page_EndText(d->page);
}

/* A round red seal: rim, star, the authority's name on the arc, an optional label below. */
static int draw_seal(void *ctx, const struct item *it)
{
    struct doc *d = ctx;
    double k = MM_TO_PT, cx = it->x * k, cy = d->job.t->page_h - it->y * k, r = it->w * k;
    double rim = it->width > 0 ? it->width : r * 0.045;
    HPDF_Page p = d->page;
    HPDF_STATUS st = HPDF_Page_GSave(p);
    int rc = 0;

    st += set_alpha(d, it->alpha);
    st += HPDF_Page_SetRGBStroke(p, (HPDF_REAL)it->stroke.r, (HPDF_REAL)it->stroke.g,
                                 (HPDF_REAL)it->stroke.b);
    st += HPDF_Page_SetRGBFill(p, (HPDF_REAL)it->stroke.r, (HPDF_REAL)it->stroke.g,
                               (HPDF_REAL)it->stroke.b);
    st += HPDF_Page_SetLineWidth(p, (HPDF_REAL)rim);
    st += HPDF_Page_Circle(p, (HPDF_REAL)cx, (HPDF_REAL)cy, (HPDF_REAL)(r - rim / 2));
    st += HPDF_Page_Stroke(p);
    if (st == HPDF_OK)
        st = seal_star(p, cx, cy, r * 0.25);
    if (st == HPDF_OK)
        st = seal_arc_text(d, d->job.cps[FIELD_AUTHORITY], d->job.ncps[FIELD_AUTHORITY], cx, cy,
                           r - rim);
    if (st == HPDF_OK && it->ncps > 0) {
        struct item l = *it;
        l.size = l.min_size = r * 0.15;
        l.x = it->x - it->w * 0.7;
        l.w = it->w * 1.4;
        l.y = it->y + it->w * 0.40;
        l.h = l.size / k * 1.2;
        l.align = ALIGN_CENTER;
        l.fill = it->stroke;
        rc = draw_text(d, &l, it->cps, it->ncps);
    }
    st += HPDF_Page_GRestore(p);
    if (rc != 0)
        return rc;
    return st == HPDF_OK ? 0 : pdf_fail(d, "drawing the seal");
}

/* The PDF's way of drawing each kind of directive. */
static const struct tmpl_painter pdf_painter = {
    .rect = draw_shape,
    .line = draw_shape,
    .circle = draw_shape,
    .text = draw_text,
    .photo = draw_photo,
    .qr = draw_qr,
    .seal = draw_seal,
};

static int doc_open(struct doc *d)
{
    HPDF_STATUS st = HPDF_OK;

    d->pdf = HPDF_New(hpdf_error, d);
    if (d->pdf == NULL)
        return ENOMEM;
    st += HPDF_SetCompressionMode(d->pdf, HPDF_COMP_ALL);
    if (st == HPDF_OK)
        d->page = HPDF_AddPage(d->pdf);
    if (d->page == NULL)
        return pdf_fail(d, "creating the page");
    st += HPDF_Page_SetWidth(d->page, (HPDF_REAL)d->job.t->page_w);
    st += HPDF_Page_SetHeight(d->page, (HPDF_REAL)d->job.t->page_h);
    return st == HPDF_OK ? 0 : pdf_fail(d, "setting up the document");
}

static int doc_save(struct doc *d, struct jp_buf *out)
{
    HPDF_UINT32 size = 0;
    HPDF_UINT len;
    unsigned char *bytes = NULL;
    int rc = 0;

    rc = tmpl_deflate_doc(d->pdf, TMPL_DEFLATE_LEVEL);
    if (rc != 0)
        goto out;
    if (HPDF_SaveToStream(d->pdf) != HPDF_OK) {
        rc = pdf_fail(d, "saving");
        goto out;
    }
    size = HPDF_GetStreamSize(d->pdf);
    if (size == 0 || size > TMPL_MAX_PDF) {
        rc = EFBIG;
        goto out;
    }
    bytes = malloc(size);
    if (bytes == NULL) {
        rc = ENOMEM;
        goto out;
    }
    len = size;
    if (HPDF_ReadFromStream(d->pdf, bytes, &len) != HPDF_OK || len != size)
        rc = pdf_fail(d, "reading the saved document");
    if (rc == 0)
        rc = jp_buf_append(out, bytes, size);
    free(bytes);
out:
    return rc;
}

static void doc_close(struct doc *d)
{
    if (d == NULL)
        return;
    if (d->pdf != NULL)
        HPDF_Free(d->pdf);
    for (size_t f = 0; f < FONT_MAX_FACES; f++)
        font_pack_free(&d->dyn[f]);
    free(d);
}

int tmpl_render(const struct tmpl *t, const struct tmpl_fields *f, struct jp_buf *pdf_out,
                char *err, size_t errlen)
{
    struct doc *d = calloc(1, sizeof(*d));
    int rc = tmpl_job_start(d != NULL ? &d->job : NULL, t, f, err, errlen);

    if (rc == 0)
        rc = build_dynamic(d);
    if (rc == 0)
        rc = doc_open(d);
    if (rc == 0)
        rc = attach_fonts(d);
    if (rc == 0)
        rc = tmpl_paint(&d->job, &pdf_painter, d);
    if (rc == 0)
        rc = doc_save(d, pdf_out);
    doc_close(d);
    return rc;
}
