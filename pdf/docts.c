/*
 * docts.c - the document time-stamp (PAdES B-T by a later update, ETSI EN
 * 319 142-1 §5.4): an incremental update after the signed revision holding a
 * /DocTimeStamp signature dictionary whose /Contents is an RFC 3161 token over
 * the new /ByteRange, so it covers the earlier signature and proves that it
 * existed at the token's time. Used for certificates issued while the TSA was
 * down (`jianpei-issuer timestamp --pending`). The steps shared with pdf_sign
 * (page, xref, byte range, contents) are writer.c's.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int put_docts_object(struct jp_buf *out, struct layout *lay)
{
    int rc = pdf_put_sig_head(out, lay, "DocTimeStamp", "ETSI.RFC3161");

    if (rc == 0)
        rc = jp_buf_puts(out, " >>\nendobj\n");
    return rc;
}

/* The catalog again: its entries, the /AcroForm's other entries, /Fields plus the new field. */
static int put_catalog(struct jp_buf *out, struct pdfdoc *doc, const struct layout *lay)
{
    static const char *const skip_cat[] = {"AcroForm", NULL};
    static const char *const skip_form[] = {"Fields", "SigFlags", NULL};
    const struct dent *form = pdf_dict_get(doc, &doc->catalog, "AcroForm");
    const struct dent *fields;
    struct dict *fd = calloc(1, sizeof *fd);
    size_t start = 0, end = 0;
    int rc = fd == NULL ? ENOMEM : 0;

    if (rc == 0 && form == NULL)
        rc =
            PDF_FAIL(doc->err, doc->errlen, PDF_EUNSUPPORTED, "catalog: no /AcroForm (not signed)");
    if (rc == 0)
        rc = pdf_dict_value(doc, form, "catalog /AcroForm", fd);
    fields = rc == 0 ? pdf_dict_get(doc, fd, "Fields") : NULL;
    if (rc == 0 && fields == NULL)
        rc = PDF_FAIL(doc->err, doc->errlen, PDF_EUNSUPPORTED, "/AcroForm: no /Fields");
    if (rc == 0)
        rc = pdf_array_inner(doc, fields, "/AcroForm /Fields", &start, &end);
    if (rc == 0)
        rc = pdf_put_obj_head(out, doc, &doc->root, &doc->catalog, skip_cat);
    if (rc == 0)
        rc = jp_buf_puts(out, " /AcroForm <<");
    if (rc == 0)
        rc = pdf_put_entries(out, doc, fd, skip_form);
    if (rc == 0)
        rc = pdf_put_array_plus(out, doc, "Fields", start, end, lay->x[1].num);
    if (rc == 0)
        rc = jp_buf_puts(out, " /SigFlags 3 >> >>\nendobj\n");
    free(fd);
    return rc;
}

/* Appends the original bytes and the time-stamp's update in out. */
static int write_update(struct pdfdoc *doc, const struct pdf_signer *s, const void *arg,
                        struct jp_buf *out, struct layout *lay)
{
    char field[32]; /* the field's name: one per time-stamp, by its widget's number */
    int rc = pdf_begin_update(doc, out, lay);

    (void)s;
    (void)arg;
    if (rc == 0)
        rc = put_docts_object(out, lay);
    if (rc == 0)
        rc = jp_strf(field, sizeof field, "Timestamp%ld", lay->x[1].num);
    if (rc == 0)
        rc = pdf_put_widget_page(out, doc, lay, field);
    if (rc == 0)
        rc = pdf_end_update(out, doc, lay, put_catalog);
    return rc;
}

int pdf_timestamp(const unsigned char *pdf, size_t len, const struct pdf_signer *signer,
                  struct jp_buf *out, char *err, size_t errlen)
{
    static const struct pdf_update_kind kind = {"time-stamped", 1, write_update, NULL};
    int rc = pdf_check_args(pdf, len, signer, out, err, errlen);

    if (rc == 0)
        rc = pdf_update(pdf, len, signer, &kind, out, err, errlen);
    return rc;
}
