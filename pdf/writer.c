/*
 * writer.c - signs a PDF by appending an incremental update (PDF 32000-1
 * §7.5.6) that holds a PAdES signature dictionary, its field and widget, and
 * new versions of the first page and the catalog, after the reader
 * (reader.c) has found them. The signature's /ByteRange and /Contents are
 * written as fixed-width placeholders, then patched in place once the offsets
 * and the signer's DER are known.
 */
#include "internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- text strings and dates ---- */

/*
 * Decodes the character at s[*i] with common's strict decoder and moves *i
 * past it; 0, or -1 for invalid UTF-8 or a control character (not allowed in
 * /Reason or /Location).
 */
static int text_next(const unsigned char *s, size_t n, size_t *i, uint32_t *cp)
{
    size_t k = jp_utf8_decode(s + *i, n - *i, cp);

    *i += k > 0 ? k : 1;
    return k == 0 || *cp < 0x20 || *cp == 0x7F ? -1 : 0;
}

/* Checks a /Reason or /Location: bounded, valid UTF-8, no control characters. */
static int text_check(const char *s, const char *what, char *err, size_t errlen)
{
    size_t n, i = 0;
    uint32_t cp;
    int rc = 0;

    if (s != NULL) {
        n = strnlen(s, PDF_MAX_TEXT + 1);
        if (n > PDF_MAX_TEXT)
            rc = PDF_FAIL(err, errlen, PDF_EINVAL, "%s: longer than %u bytes", what, PDF_MAX_TEXT);
        while (rc == 0 && i < n) {
            if (text_next((const unsigned char *)s, n, &i, &cp) != 0)
                rc = PDF_FAIL(err, errlen, PDF_EINVAL,
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
        (void)text_next(u, n, &i, &cp); /* validated by text_check */
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
static int sign_date(time_t t, char *s, size_t n, char *err, size_t errlen)
{
    struct tm tm;
    int k, rc = 0;

    if (gmtime_r(&t, &tm) == NULL || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
        rc = PDF_FAIL(err, errlen, PDF_EINVAL, "signing time: out of range");
    } else {
        k = snprintf(s, n, "D:%04d%02d%02d%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        if (k < 0 || (size_t)k >= n)
            rc = PDF_FAIL(err, errlen, PDF_EINVAL, "signing time: does not format");
    }
    return rc;
}

/* ---- the update ---- */

/* Bytes of the signed PDF written so far: the current file offset. */
size_t pdf_here(const struct jp_buf *out, const struct layout *lay)
{
    return out->len - lay->base;
}

/* Drops what this call appended; out is as the caller passed it. */
void pdf_buf_restore(struct jp_buf *out, size_t base)
{
    out->len = base;
    if (out->data != NULL)
        out->data[base] = '\0';
}

/* Appends the entries of d except those named in skip (NULL-terminated). */
int pdf_put_entries(struct jp_buf *out, const struct pdfdoc *doc, const struct dict *d,
                    const char *const *skip)
{
    size_t i, k;
    int rc = 0, keep;

    for (i = 0; i < d->n && rc == 0; i++) {
        keep = 1;
        for (k = 0; skip[k] != NULL; k++)
            keep = keep && !pdf_key_is(doc, &d->e[i], skip[k]);
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

int pdf_put_obj_head(struct jp_buf *out, const struct pdfdoc *doc, const struct ref *ref,
                     const struct dict *d, const char *const *skip)
{
    int rc = jp_buf_printf(out, "%ld %ld obj\n<<", ref->num, ref->gen);

    if (rc == 0)
        rc = pdf_put_entries(out, doc, d, skip);
    return rc;
}

int pdf_put_array_plus(struct jp_buf *out, const struct pdfdoc *doc, const char *key,
                       size_t start, size_t end, long num)
{
    int rc = jp_buf_printf(out, " /%s [", key);

    if (rc == 0)
        rc = jp_buf_append(out, doc->buf + start, end - start);
    if (rc == 0)
        rc = jp_buf_printf(out, " %ld 0 R]", num);
    return rc;
}

int pdf_put_placeholders(struct jp_buf *out, struct layout *lay)
{
    size_t i;
    int rc;

    rc = jp_buf_puts(out, " /ByteRange [");
    lay->br_at = pdf_here(out, lay);
    if (rc == 0)
        rc = jp_buf_printf(out, "%-*s] /Contents <", BR_WIDTH, "0 0 0 0");
    lay->contents_lt = pdf_here(out, lay) - 1;
    for (i = 0; i < lay->reserve && rc == 0; i++)
        rc = jp_buf_append(out, "00", 2);
    if (rc == 0)
        rc = jp_buf_puts(out, ">");
    lay->contents_gt = pdf_here(out, lay);
    return rc;
}

int pdf_begin_update(const struct pdfdoc *doc, struct jp_buf *out, struct layout *lay)
{
    int rc;

    lay->x[0] = (struct xent){doc->size, 0, 0};
    lay->x[1] = (struct xent){doc->size + 1, 0, 0};
    lay->x[2] = (struct xent){doc->pageref.num, doc->pageref.gen, 0};
    lay->x[3] = (struct xent){doc->root.num, doc->root.gen, 0};
    lay->nx = NEW_OBJECTS;
    rc = jp_buf_append(out, doc->buf, doc->len);
    if (rc == 0 && doc->buf[doc->len - 1] != '\n' && doc->buf[doc->len - 1] != '\r')
        rc = jp_buf_puts(out, "\n");
    lay->x[0].off = pdf_here(out, lay);
    return rc;
}

static int put_sig_object(struct jp_buf *out, const struct pdf_signer *s, const char *date,
                          struct layout *lay)
{
    int rc;

    rc = pdf_put_sig_head(out, lay, "Sig", "ETSI.CAdES.detached");
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


int pdf_put_page_object(struct jp_buf *out, struct pdfdoc *doc, const struct layout *lay)
{
    static const char *const skip[] = {"Annots", NULL};
    const struct dent *annots = pdf_dict_get(doc, &doc->page, "Annots");
    size_t start = 0, end = 0;
    int rc = 0;

    if (annots != NULL)
        rc = pdf_array_inner(doc, annots, "page /Annots", &start, &end);
    if (rc == 0)
        rc = pdf_put_obj_head(out, doc, &doc->pageref, &doc->page, skip);
    if (rc == 0)
        rc = pdf_put_array_plus(out, doc, "Annots", start, end, lay->x[1].num);
    if (rc == 0)
        rc = jp_buf_puts(out, " >>\nendobj\n");
    return rc;
}

int pdf_put_sig_head(struct jp_buf *out, struct layout *lay, const char *type,
                     const char *subfilter)
{
    int rc = jp_buf_printf(out, "%ld 0 obj\n<< /Type /%s /Filter /Adobe.PPKLite /SubFilter /%s",
                           lay->x[0].num, type, subfilter);

    if (rc == 0)
        rc = pdf_put_placeholders(out, lay);
    return rc;
}

int pdf_put_widget_page(struct jp_buf *out, struct pdfdoc *doc, struct layout *lay,
                        const char *field)
{
    int rc;

    lay->x[1].off = pdf_here(out, lay);
    rc = jp_buf_printf(out,
                       "%ld 0 obj\n<< /Type /Annot /Subtype /Widget /FT /Sig /T (%s)"
                       " /V %ld 0 R /F 132 /Rect [0 0 0 0] /P %ld %ld R >>\nendobj\n",
                       lay->x[1].num, field, lay->x[0].num, doc->pageref.num, doc->pageref.gen);
    lay->x[2].off = pdf_here(out, lay);
    if (rc == 0)
        rc = pdf_put_page_object(out, doc, lay);
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
    return pdf_dict_get(doc, &doc->catalog, "Version") == NULL &&
           memcmp(doc->buf, "%PDF-1.", 7) == 0 && doc->buf[7] >= '0' && doc->buf[7] < '7';
}

static int put_catalog_object(struct jp_buf *out, struct pdfdoc *doc, const struct layout *lay)
{
    static const char *const skip[] = {"DSS", NULL};
    int rc;

    rc = pdf_put_obj_head(out, doc, &doc->root, &doc->catalog, skip);
    if (rc == 0 && needs_version(doc))
        rc = jp_buf_puts(out, " /Version /1.7");
    if (rc == 0 && lay->nx > NEW_OBJECTS)
        rc = jp_buf_printf(out, " /DSS %ld 0 R", lay->x[NEW_OBJECTS].num);
    if (rc == 0)
        rc = jp_buf_printf(out, " /AcroForm << /Fields [%ld 0 R] /SigFlags 3 >> >>\nendobj\n",
                           lay->x[1].num);
    return rc;
}

/* The xref section for the four objects (sorted into runs) and the trailer. */
int pdf_put_xref_trailer(struct jp_buf *out, const struct pdfdoc *doc, struct layout *lay)
{
    static const char *const copy[] = {"Info", "ID"};
    size_t xref_at = pdf_here(out, lay), i, j, run;
    const struct dent *e;
    struct xent tmp;
    int rc;

    for (i = 1; i < lay->nx; i++) {
        for (j = i; j > 0 && lay->x[j - 1].num > lay->x[j].num; j--) {
            tmp = lay->x[j];
            lay->x[j] = lay->x[j - 1];
            lay->x[j - 1] = tmp;
        }
    }
    rc = jp_buf_puts(out, "xref\n");
    for (i = 0; i < lay->nx && rc == 0; i += run) {
        for (run = 1; i + run < lay->nx && lay->x[i + run].num == lay->x[i].num + (long)run;)
            run++;
        rc = jp_buf_printf(out, "%ld %zu\n", lay->x[i].num, run);
        for (j = i; j < i + run && rc == 0; j++)
            rc = jp_buf_printf(out, "%010zu %05ld n\r\n", lay->x[j].off, lay->x[j].gen);
    }
    if (rc == 0)
        rc = jp_buf_printf(out, "trailer\n<< /Size %ld /Root %ld %ld R",
                           doc->size + 2 + (long)(lay->nx - NEW_OBJECTS), doc->root.num,
                           doc->root.gen);
    for (i = 0; i < sizeof(copy) / sizeof(copy[0]) && rc == 0; i++) {
        e = pdf_dict_get(doc, &doc->trailer, copy[i]);
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

int pdf_end_update(struct jp_buf *out, struct pdfdoc *doc, struct layout *lay,
                   int (*put_catalog)(struct jp_buf *, struct pdfdoc *, const struct layout *))
{
    int rc;

    lay->x[3].off = pdf_here(out, lay);
    rc = put_catalog(out, doc, lay);
    if (rc == 0)
        rc = pdf_put_xref_trailer(out, doc, lay);
    return rc;
}

/* Appends the whole update after the original bytes in out. */
static int write_update(struct pdfdoc *doc, const struct pdf_signer *s, const char *date,
                        struct jp_buf *out, struct layout *lay)
{
    int rc = pdf_begin_update(doc, out, lay);

    lay->nx = NEW_OBJECTS + pdf_dss_objects(s);
    for (size_t i = NEW_OBJECTS; i < lay->nx; i++)
        lay->x[i] = (struct xent){doc->size + 2 + (long)(i - NEW_OBJECTS), 0, 0};
    if (rc == 0)
        rc = put_sig_object(out, s, date, lay);
    if (rc == 0)
        rc = pdf_put_widget_page(out, doc, lay, "Signature1");
    if (rc == 0 && lay->nx > NEW_OBJECTS) {
        size_t offs[MAX_OBJECTS - NEW_OBJECTS];
        rc = pdf_dss_put(out, lay->base, lay->x[NEW_OBJECTS].num, s, offs);
        for (size_t i = NEW_OBJECTS; rc == 0 && i < lay->nx; i++)
            lay->x[i].off = offs[i - NEW_OBJECTS];
    }
    if (rc == 0)
        rc = pdf_end_update(out, doc, lay, put_catalog_object);
    return rc;
}

/* Writes the final /ByteRange into its placeholder, space padded. */
int pdf_patch_byterange(struct jp_buf *out, const struct layout *lay, char *err, size_t errlen)
{
    char br[BR_WIDTH + 1];
    int n, rc = 0;

    n = snprintf(br, sizeof(br), "0 %zu %zu %zu", lay->contents_lt, lay->contents_gt,
                 pdf_here(out, lay) - lay->contents_gt);
    if (n < 0 || (size_t)n >= sizeof(br)) {
        rc = PDF_FAIL(err, errlen, PDF_EINVAL, "byterange: offsets do not fit");
    } else {
        memset(out->data + lay->base + lay->br_at, ' ', BR_WIDTH);
        memcpy(out->data + lay->base + lay->br_at, br, (size_t)n);
    }
    return rc;
}

/* Calls the signer over the two ranges and writes its DER into /Contents. */
int pdf_sign_ranges(struct jp_buf *out, const struct pdf_signer *s, const struct layout *lay,
                    char *err, size_t errlen)
{
    static const char hex[] = "0123456789ABCDEF";
    unsigned char *pdf = out->data + lay->base;
    struct jp_span r[2] = {{pdf, lay->contents_lt},
                           {pdf + lay->contents_gt, pdf_here(out, lay) - lay->contents_gt}};
    unsigned char *der = NULL;
    size_t derlen = 0, i;
    int rc;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    rc = s->sign(s->ctx, r, 2, &der, &derlen, err, errlen);
    if (rc != 0) {
        if (err != NULL && errlen > 0 && err[0] == '\0')
            jp_errf(err, errlen, "signer: callback failed");
        rc = PDF_ESIGNER;
        goto out;
    }
    if (der == NULL || derlen == 0) {
        rc = PDF_FAIL(err, errlen, PDF_ESIGNER, "signer: returned no signature");
    } else if (derlen > lay->reserve) {
        rc = PDF_FAIL(err, errlen, PDF_ETOOBIG,
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

int pdf_check_args(const unsigned char *pdf, size_t len, const struct pdf_signer *s,
                   const struct jp_buf *out, char *err, size_t errlen)
{
    size_t reserve;
    int rc = 0;

    if (pdf == NULL || s == NULL || s->sign == NULL || out == NULL)
        rc = PDF_FAIL(err, errlen, PDF_EINVAL,
                      "arguments: pdf, signer and an output buffer are required");
    else if (out->data != NULL && (uintptr_t)pdf >= (uintptr_t)out->data &&
             (uintptr_t)pdf <= (uintptr_t)(out->data + out->cap))
        rc = PDF_FAIL(err, errlen, PDF_EINVAL, "arguments: pdf lies inside the output buffer");
    else if (len > PDF_MAX_INPUT)
        rc = PDF_FAIL(err, errlen, PDF_EINVAL, "pdf: larger than %u bytes", PDF_MAX_INPUT);
    reserve = s != NULL && s->contents_size != 0 ? s->contents_size : PDF_DEFAULT_CONTENTS;
    if (rc == 0 && (reserve < PDF_MIN_CONTENTS || reserve > PDF_MAX_CONTENTS))
        rc = PDF_FAIL(err, errlen, PDF_EINVAL, "contents size: not within %u..%u bytes",
                      PDF_MIN_CONTENTS, PDF_MAX_CONTENTS);
    if (rc == 0)
        rc = text_check(s->reason, "reason", err, errlen);
    if (rc == 0)
        rc = text_check(s->location, "location", err, errlen);
    if (rc == 0)
        rc = pdf_dss_check(s, err, errlen);
    return rc;
}

int pdf_update(const unsigned char *pdf, size_t len, const struct pdf_signer *signer,
               const struct pdf_update_kind *kind, struct jp_buf *out, char *err, size_t errlen)
{
    struct pdfdoc *doc = calloc(1, sizeof(*doc));
    struct layout lay;
    int rc = 0;

    if (doc == NULL)
        return PDF_FAIL(err, errlen, ENOMEM, "pdf: out of memory");
    doc->buf = pdf;
    doc->len = len;
    doc->err = err;
    doc->errlen = errlen;
    doc->signed_ok = kind->signed_ok;
    rc = pdf_doc_load(doc);
    if (rc != 0)
        goto out_free_doc;
    memset(&lay, 0, sizeof(lay));
    lay.base = out->len;
    lay.reserve = signer->contents_size != 0 ? signer->contents_size : PDF_DEFAULT_CONTENTS;
    rc = kind->write(doc, signer, kind->arg, out, &lay);
    if (rc == ENOMEM || rc == EFBIG)
        jp_errf(err, errlen, "%s pdf: %s", kind->what,
                rc == EFBIG ? "larger than the output bound" : "out of memory");
    if (rc == 0)
        rc = pdf_patch_byterange(out, &lay, err, errlen);
    if (rc == 0)
        rc = pdf_sign_ranges(out, signer, &lay, err, errlen);
    if (rc != 0)
        pdf_buf_restore(out, lay.base);
out_free_doc:
    free(doc);
    return rc;
}

static int write_sig_update(struct pdfdoc *doc, const struct pdf_signer *s, const void *date,
                            struct jp_buf *out, struct layout *lay)
{
    return write_update(doc, s, date, out, lay);
}

int pdf_sign(const unsigned char *pdf, size_t len, const struct pdf_signer *signer,
             struct jp_buf *out, char *err, size_t errlen)
{
    char date[32];
    struct pdf_update_kind kind = {"signed", 0, write_sig_update, date};
    int rc = pdf_check_args(pdf, len, signer, out, err, errlen);

    if (rc == 0)
        rc = sign_date(signer->signing_time, date, sizeof(date), err, errlen);
    if (rc == 0)
        rc = pdf_update(pdf, len, signer, &kind, out, err, errlen);
    return rc;
}

static const struct jp_err_text pdf_errs[] = {
    {PDF_EFORMAT, "not a pdf or a damaged one"},
    {PDF_EUNSUPPORTED, "pdf uses a feature the signer does not support"},
    {PDF_EINVAL, "invalid signing options"},
    {PDF_ESIGNER, "the signer failed"},
    {PDF_ETOOBIG, "signature larger than the space reserved"},
};

const char *pdf_strerror(int rc)
{
    return jp_err_name(pdf_errs, sizeof pdf_errs / sizeof pdf_errs[0], rc);
}
