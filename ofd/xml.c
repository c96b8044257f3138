/*
 * xml.c - the XML files of an OFD package (GB/T 33190-2016), written with
 * libxml2's xmlTextWriter, which does all escaping. Element names are in the
 * namespace http://www.ofdspec.org/2016 with the prefix "ofd", as ofdrw and
 * the standard's examples write them. Lengths are millimetres with at most
 * three decimals.
 */
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>
#include <openssl/evp.h>

/* A writer whose first failure sticks: later calls do nothing. */
struct xw {
    xmlBufferPtr buf;   /* owned */
    xmlTextWriterPtr w; /* owned */
    int bad;            /* a call failed */
};

static const xmlChar *X(const char *s)
{
    return (const xmlChar *)s;
}

static void xw_check(struct xw *x, int rc)
{
    if (rc < 0)
        x->bad = 1;
}

/* Starts a document whose root element is ofd:name. */
static int xw_open(struct xw *x, const char *root)
{
    memset(x, 0, sizeof *x);
    x->buf = xmlBufferCreate();
    if (x->buf != NULL)
        x->w = xmlNewTextWriterMemory(x->buf, 0);
    if (x->w == NULL) {
        xmlBufferFree(x->buf);
        return OFD_EXML;
    }
    xw_check(x, xmlTextWriterStartDocument(x->w, NULL, "UTF-8", NULL));
    if (!x->bad)
        xw_check(x, xmlTextWriterStartElementNS(x->w, X("ofd"), X(root), X(OFD_NS)));
    return 0;
}

static void xw_start(struct xw *x, const char *name)
{
    if (!x->bad)
        xw_check(x, xmlTextWriterStartElementNS(x->w, X("ofd"), X(name), NULL));
}

static void xw_end(struct xw *x)
{
    if (!x->bad)
        xw_check(x, xmlTextWriterEndElement(x->w));
}

static void xw_attr(struct xw *x, const char *name, const char *value)
{
    if (!x->bad)
        xw_check(x, xmlTextWriterWriteAttribute(x->w, X(name), X(value)));
}

static void xw_attrf(struct xw *x, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void xw_attrf(struct xw *x, const char *name, const char *fmt, ...)
{
    char v[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(v, sizeof v, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof v)
        x->bad = 1;
    xw_attr(x, name, v);
}

static void xw_text(struct xw *x, const char *text)
{
    if (!x->bad)
        xw_check(x, xmlTextWriterWriteString(x->w, X(text)));
}

/* <ofd:name>text</ofd:name> */
static void xw_elem(struct xw *x, const char *name, const char *text)
{
    xw_start(x, name);
    xw_text(x, text);
    xw_end(x);
}

/* Ends the document and hands its bytes over: 0 or OFD_EXML / ENOMEM. */
static int xw_close(struct xw *x, unsigned char **out, size_t *len)
{
    int rc = 0;

    *out = NULL;
    *len = 0;
    if (!x->bad)
        xw_check(x, xmlTextWriterEndDocument(x->w));
    xmlFreeTextWriter(x->w); /* flushes into buf */
    if (x->bad)
        rc = OFD_EXML;
    if (rc == 0) {
        *len = (size_t)xmlBufferLength(x->buf);
        *out = malloc(*len + 1);
        if (*out == NULL)
            rc = ENOMEM;
        else
            memcpy(*out, xmlBufferContent(x->buf), *len + 1);
    }
    xmlBufferFree(x->buf);
    if (rc != 0)
        *len = 0;
    return rc;
}

/*
 * A length in mm: up to three decimals, no trailing zeros, never "-0"; returns
 * its length. Fixed point by hand: printf's "%.3f" and the trimming were a
 * quarter of the OFD's CPU (docs/benchmarks.md). writer.c keeps lengths
 * within +-10,000 mm; anything beyond 1e12 would still go through printf.
 */
static size_t mm_n(char out[32], double v)
{
    char digits[24];
    long long k;
    size_t n = 0, t = 0;
    int frac;

    if (!(v > -1e12 && v < 1e12)) {
        snprintf(out, 32, "%.3f", v);
        return strlen(out);
    }
    v *= 1000.0;
    k = (long long)(v < 0 ? v - 0.5 : v + 0.5); /* half away from zero */
    if (k < 0)
        out[n++] = '-', k = -k;
    frac = (int)(k % 1000), k /= 1000;
    do
        digits[t++] = (char)('0' + k % 10), k /= 10;
    while (k > 0);
    while (t > 0)
        out[n++] = digits[--t];
    if (frac != 0) {
        out[n++] = '.';
        out[n++] = (char)('0' + frac / 100), frac %= 100;
        if (frac != 0) {
            out[n++] = (char)('0' + frac / 10), frac %= 10;
            if (frac != 0)
                out[n++] = (char)('0' + frac);
        }
    }
    out[n] = '\0';
    return n;
}

static void mm(char out[32], double v)
{
    (void)mm_n(out, v);
}

/* Writes the lengths in vs at at, separated by spaces; returns the end. */
static char *put_mm(char *at, const double *vs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            *at++ = ' ';
        at += mm_n(at, vs[i]);
    }
    return at;
}

static void xw_box(struct xw *x, const char *name, double bx, double by, double bw, double bh)
{
    const double vs[4] = {bx, by, bw, bh};
    char v[4 * 32];

    *put_mm(v, vs, 4) = '\0';
    xw_attr(x, name, v);
}

static void xw_color(struct xw *x, const char *name, struct ofd_color c)
{
    xw_start(x, name);
    xw_attrf(x, "Value", "%u %u %u", c.r, c.g, c.b);
    xw_end(x);
}

int ofd_font_file(char *out, size_t outsz, size_t i)
{
    return jp_strf(out, outsz, "font_%u.ttf", OFD_FONT_ID(i));
}

int ofd_image_file(char *out, size_t outsz, const struct ofd_doc *doc, size_t i)
{
    const char *ext = strcmp(doc->page.images[i].format, "PNG") == 0 ? "png" : "jpg";

    return jp_strf(out, outsz, "image_%u.%s", OFD_IMAGE_ID(doc, i), ext);
}

unsigned ofd_page_id(const struct ofd_doc *doc)
{
    return OFD_IMAGE_ID(doc, doc->page.nimages);
}

int ofd_xml_ofd(const struct ofd_doc *doc, unsigned char **out, size_t *len)
{
    struct xw x;

    if (xw_open(&x, "OFD") != 0)
        return OFD_EXML;
    xw_attr(&x, "Version", "1.0");
    xw_attr(&x, "DocType", "OFD");
    xw_start(&x, "DocBody");
    xw_start(&x, "DocInfo");
    xw_elem(&x, "DocID", doc->doc_id);
    if (doc->title != NULL)
        xw_elem(&x, "Title", doc->title);
    xw_elem(&x, "CreationDate", doc->creation_date);
    if (doc->creator != NULL)
        xw_elem(&x, "Creator", doc->creator);
    xw_end(&x);
    xw_elem(&x, "DocRoot", "Doc_0/Document.xml");
    xw_elem(&x, "Signatures", OFD_SIGNATURES);
    xw_end(&x);
    return xw_close(&x, out, len);
}

int ofd_xml_document(const struct ofd_doc *doc, unsigned *max_id, unsigned char **out, size_t *len)
{
    const struct ofd_page *pg = &doc->page;
    char id[16];
    struct xw x;

    *max_id = ofd_page_id(doc) + 1 + (unsigned)(pg->npaths + pg->nimages + pg->ntexts);
    if (xw_open(&x, "Document") != 0)
        return OFD_EXML;
    xw_start(&x, "CommonData");
    snprintf(id, sizeof id, "%u", *max_id);
    xw_elem(&x, "MaxUnitID", id);
    xw_start(&x, "PageArea");
    xw_start(&x, "PhysicalBox");
    {
        char w[32], h[32], v[80];

        mm(w, pg->width), mm(h, pg->height);
        snprintf(v, sizeof v, "0 0 %s %s", w, h);
        xw_text(&x, v);
    }
    xw_end(&x);
    xw_end(&x);
    xw_elem(&x, "PublicRes", "PublicRes.xml");
    if (pg->nimages > 0)
        xw_elem(&x, "DocumentRes", "DocumentRes.xml");
    xw_end(&x);
    xw_start(&x, "Pages");
    xw_start(&x, "Page");
    xw_attrf(&x, "ID", "%u", ofd_page_id(doc));
    xw_attr(&x, "BaseLoc", "Pages/Page_0/Content.xml");
    xw_end(&x);
    xw_end(&x);
    return xw_close(&x, out, len);
}

/*
 * Starts a resource file, <ofd:Res BaseLoc="Res"><ofd:list>, whose entries
 * the caller writes; 0 or OFD_EXML.
 */
/* The i-th Font of PublicRes.xml. */
static void font_res(struct xw *x, const struct ofd_doc *doc, size_t i)
{
    char file[64];

    xw_start(x, "Font");
    xw_attrf(x, "ID", "%u", OFD_FONT_ID(i));
    xw_attr(x, "FontName", doc->fonts[i].name);
    if (doc->fonts[i].family != NULL)
        xw_attr(x, "FamilyName", doc->fonts[i].family);
    if (ofd_font_file(file, sizeof file, i) != 0)
        x->bad = 1;
    xw_elem(x, "FontFile", file);
    xw_end(x);
}

/* The i-th MultiMedia of DocumentRes.xml. */
static void image_res(struct xw *x, const struct ofd_doc *doc, size_t i)
{
    char file[64];

    xw_start(x, "MultiMedia");
    xw_attrf(x, "ID", "%u", OFD_IMAGE_ID(doc, i));
    xw_attr(x, "Type", "Image");
    xw_attr(x, "Format", doc->page.images[i].format);
    if (ofd_image_file(file, sizeof file, doc, i) != 0)
        x->bad = 1;
    xw_elem(x, "MediaFile", file);
    xw_end(x);
}

/* A Res file (BaseLoc "Res") holding the list element list with the n entries item writes. */
static int res_write(const struct ofd_doc *doc, const char *list, size_t n,
                     void (*item)(struct xw *, const struct ofd_doc *, size_t), unsigned char **out,
                     size_t *len)
{
    struct xw x;
    size_t i;

    if (xw_open(&x, "Res") != 0)
        return OFD_EXML;
    xw_attr(&x, "BaseLoc", "Res");
    xw_start(&x, list);
    for (i = 0; i < n; i++)
        item(&x, doc, i);
    xw_end(&x);
    return xw_close(&x, out, len);
}

int ofd_xml_public_res(const struct ofd_doc *doc, unsigned char **out, size_t *len)
{
    return res_write(doc, "Fonts", doc->nfonts, font_res, out, len);
}

int ofd_xml_document_res(const struct ofd_doc *doc, unsigned char **out, size_t *len)
{
    return res_write(doc, "MultiMedias", doc->page.nimages, image_res, out, len);
}

/* Bounding box of a path's rectangles, widened by half the line for strokes. */
static struct ofd_rect path_box(const struct ofd_path *p)
{
    double x0 = p->rects[0].x, y0 = p->rects[0].y;
    double x1 = x0 + p->rects[0].w, y1 = y0 + p->rects[0].h;
    double m = p->fill ? 0 : p->line_width / 2;
    struct ofd_rect b;
    size_t i;

    for (i = 1; i < p->nrects; i++) {
        const struct ofd_rect *r = &p->rects[i];

        x0 = r->x < x0 ? r->x : x0;
        y0 = r->y < y0 ? r->y : y0;
        x1 = r->x + r->w > x1 ? r->x + r->w : x1;
        y1 = r->y + r->h > y1 ? r->y + r->h : y1;
    }
    b.x = x0 - m, b.y = y0 - m, b.w = x1 - x0 + 2 * m, b.h = y1 - y0 + 2 * m;
    return b;
}

/*
 * AbbreviatedData: each rectangle as M L L L C, relative to the boundary b,
 * in mm or, for a path with a unit, in units (the CTM scales them back).
 */
static int path_data(const struct ofd_path *p, struct ofd_rect b, struct jp_buf *d)
{
    double k = p->unit > 0 ? 1 / p->unit : 1;
    char line[4 * 32 + 16], *at;
    size_t i;
    int rc = 0;

    for (i = 0; i < p->nrects && rc == 0; i++) {
        const struct ofd_rect *r = &p->rects[i];
        double x0 = (r->x - b.x) * k, y0 = (r->y - b.y) * k;
        double x1 = (r->x - b.x + r->w) * k, y1 = (r->y - b.y + r->h) * k;
        char cx0[32], cy0[32], cx1[32], cy1[32];
        size_t nx0 = mm_n(cx0, x0), ny0 = mm_n(cy0, y0), nx1 = mm_n(cx1, x1), ny1 = mm_n(cy1, y1);

        at = line;
        if (i > 0)
            *at++ = ' ';
#define PUT(s, n) (memcpy(at, s, n), at += (n))
        PUT("M ", 2), PUT(cx0, nx0), PUT(" ", 1), PUT(cy0, ny0);
        PUT(" L ", 3), PUT(cx1, nx1), PUT(" ", 1), PUT(cy0, ny0);
        PUT(" L ", 3), PUT(cx1, nx1), PUT(" ", 1), PUT(cy1, ny1);
        PUT(" L ", 3), PUT(cx0, nx0), PUT(" ", 1), PUT(cy1, ny1), PUT(" C", 2);
#undef PUT
        rc = jp_buf_append(d, line, (size_t)(at - line));
    }
    return rc;
}

static void write_path(struct xw *x, const struct ofd_path *p, unsigned id)
{
    struct ofd_rect b = path_box(p);
    struct jp_buf d;
    char lw[32];

    jp_buf_init(&d, OFD_MAX_OUTPUT);
    xw_start(x, "PathObject");
    xw_attrf(x, "ID", "%u", id);
    xw_box(x, "Boundary", b.x, b.y, b.w, b.h);
    if (p->unit > 0) /* all digits: 0.001 mm off in the step would be 0.06 mm across a QR */
        xw_attrf(x, "CTM", "%.9g 0 0 %.9g 0 0", p->unit, p->unit);
    if (p->fill) {
        xw_attr(x, "Stroke", "false");
        xw_attr(x, "Fill", "true");
        xw_color(x, "FillColor", p->color);
    } else {
        mm(lw, p->line_width);
        xw_attr(x, "LineWidth", lw);
        xw_color(x, "StrokeColor", p->color);
    }
    if (path_data(p, b, &d) != 0)
        x->bad = 1;
    xw_elem(x, "AbbreviatedData", d.data != NULL ? (const char *)d.data : "");
    xw_end(x);
    jp_buf_free(&d);
}

static void write_image(struct xw *x, const struct ofd_doc *doc, size_t i, unsigned id)
{
    const struct ofd_rect *b = &doc->page.images[i].box;
    char w[32], h[32];

    xw_start(x, "ImageObject");
    xw_attrf(x, "ID", "%u", id);
    xw_box(x, "Boundary", b->x, b->y, b->w, b->h);
    mm(w, b->w), mm(h, b->h);
    xw_attrf(x, "CTM", "%s 0 0 %s 0 0", w, h);
    xw_attrf(x, "ResourceID", "%u", OFD_IMAGE_ID(doc, i));
    xw_end(x);
}

/* Code points of valid UTF-8 text. */
static size_t code_points(const char *s)
{
    size_t n = 0, len = strlen(s), k;
    uint32_t cp;

    while (len > 0) {
        k = jp_utf8_decode((const unsigned char *)s, len, &cp);
        if (k == 0)
            return 0;
        s += k, len -= k, n++;
    }
    return n;
}

static int delta_x(const struct ofd_text *t, struct jp_buf *d, double *width)
{
    char v[33];
    size_t i, n;
    int rc = 0;

    *width = t->size;
    for (i = 0; i < t->ndx && rc == 0; i++) {
        v[0] = ' ';
        n = mm_n(v + 1, t->dx[i]);
        *width += t->dx[i];
        rc = jp_buf_append(d, i > 0 ? v : v + 1, i > 0 ? n + 1 : n);
    }
    if (t->ndx == 0)
        *width = t->size * (double)code_points(t->text);
    return rc;
}

/* The boundary runs from the ascender (size above the baseline) to 0.3 size below it. */
static void write_text(struct xw *x, const struct ofd_text *t, unsigned id)
{
    struct jp_buf d;
    double width = 0;
    char sz[32];

    jp_buf_init(&d, OFD_MAX_OUTPUT);
    if (delta_x(t, &d, &width) != 0)
        x->bad = 1;
    xw_start(x, "TextObject");
    xw_attrf(x, "ID", "%u", id);
    xw_box(x, "Boundary", t->x, t->y - t->size, width, t->size * 1.3);
    xw_attrf(x, "Font", "%u", OFD_FONT_ID(t->font));
    mm(sz, t->size);
    xw_attr(x, "Size", sz);
    xw_color(x, "FillColor", t->color);
    xw_start(x, "TextCode");
    xw_attr(x, "X", "0");
    xw_attr(x, "Y", sz);
    if (t->ndx > 0)
        xw_attr(x, "DeltaX", (const char *)d.data);
    xw_text(x, t->text);
    xw_end(x);
    xw_end(x);
    jp_buf_free(&d);
}

int ofd_xml_content(const struct ofd_doc *doc, unsigned char **out, size_t *len)
{
    const struct ofd_page *pg = &doc->page;
    unsigned id = ofd_page_id(doc) + 1;
    struct xw x;
    size_t i;

    if (xw_open(&x, "Page") != 0)
        return OFD_EXML;
    xw_start(&x, "Content");
    xw_start(&x, "Layer");
    xw_attrf(&x, "ID", "%u", id++);
    xw_attr(&x, "Type", "Body");
    for (i = 0; i < pg->npaths; i++)
        write_path(&x, &pg->paths[i], id++);
    for (i = 0; i < pg->nimages; i++)
        write_image(&x, doc, i, id++);
    for (i = 0; i < pg->ntexts; i++)
        write_text(&x, &pg->texts[i], id++);
    xw_end(&x);
    xw_end(&x);
    return xw_close(&x, out, len);
}

int ofd_xml_signatures(unsigned char **out, size_t *len)
{
    struct xw x;

    if (xw_open(&x, "Signatures") != 0)
        return OFD_EXML;
    xw_elem(&x, "MaxSignId", "1");
    xw_start(&x, "Signature");
    xw_attr(&x, "ID", "1");
    xw_attr(&x, "Type", "Seal");
    xw_attr(&x, "BaseLoc", "/" OFD_SIGNATURE);
    xw_end(&x);
    return xw_close(&x, out, len);
}

/* SignatureDateTime as ofdrw writes it ("yyyy-MM-dd HH:mm:ss"), in China Standard Time. */
static void cst_time(char out[32], time_t when)
{
    time_t t = when + 8 * 3600;
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm);
}

static void write_reference(struct xw *x, const struct ofd_file *f)
{
    unsigned char d[32], b64[48];
    char ref[OFD_MAX_NAME + 2];

    if (ofd_sm3(f->data, f->len, d) != 0 || EVP_EncodeBlock(b64, d, 32) != 44)
        x->bad = 1;
    b64[44] = '\0';
    snprintf(ref, sizeof ref, "/%s", f->name);
    xw_start(x, "Reference");
    xw_attr(x, "FileRef", ref);
    xw_elem(x, "CheckValue", (const char *)b64);
    xw_end(x);
}

int ofd_xml_signature(const struct ofd_files *fs, const struct ofd_stamp *stamp, unsigned page,
                      unsigned char **out, size_t *len)
{
    char when[32];
    struct xw x;
    size_t i;

    if (xw_open(&x, "Signature") != 0)
        return OFD_EXML;
    xw_start(&x, "SignedInfo");
    xw_start(&x, "Provider");
    xw_attr(&x, "ProviderName", "Jianpei");
    xw_attr(&x, "Version", "1.0");
    xw_end(&x);
    xw_elem(&x, "SignatureMethod", OFD_OID_SM2_SM3);
    cst_time(when, stamp->when);
    xw_elem(&x, "SignatureDateTime", when);
    xw_start(&x, "References");
    xw_attr(&x, "CheckMethod", OFD_SM3_NAME);
    for (i = 0; i < fs->n; i++)
        write_reference(&x, &fs->f[i]);
    xw_end(&x);
    xw_start(&x, "StampAnnot");
    xw_attr(&x, "ID", "1");
    xw_attrf(&x, "PageRef", "%u", page);
    xw_box(&x, "Boundary", stamp->box.x, stamp->box.y, stamp->box.w, stamp->box.h);
    xw_end(&x);
    if (stamp->seal_file) {
        xw_start(&x, "Seal");
        xw_elem(&x, "BaseLoc", "/" OFD_SEAL_FILE);
        xw_end(&x);
    }
    xw_end(&x);
    xw_elem(&x, "SignedValue", "/" OFD_SIGNED_VALUE);
    return xw_close(&x, out, len);
}
