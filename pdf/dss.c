/*
 * dss.c - the Document Security Store of a PAdES B-LT signature (ETSI EN
 * 319 142-1 §5.4, PDF 2.0 §12.8.4.3): a /DSS dictionary with /Certs and /CRLs,
 * each an array of streams holding one DER certificate or CRL (as it is, or
 * Flate-compressed by the caller: pdf_signer.dss_deflated). The writer
 * puts it into the same incremental update as the signature, so it lies
 * inside the signed byte ranges: the chain and the CRL are known before
 * signing, and a validator then needs nothing from the network.
 */
#include "internal.h"

#include <string.h>

int pdf_dss_check(const struct pdf_signer *s, char *err, size_t errlen)
{
    size_t i;
    int rc = 0;

    if (s->ndss_certs > PDF_MAX_DSS_CERTS || s->ndss_crls > PDF_MAX_DSS_CRLS)
        rc = PDF_FAIL(err, errlen, PDF_EINVAL, "dss: more than %u certificates or %u crls",
                      PDF_MAX_DSS_CERTS, PDF_MAX_DSS_CRLS);
    for (i = 0; rc == 0 && i < s->ndss_certs; i++)
        if (s->dss_certs[i].p == NULL || s->dss_certs[i].n == 0 ||
            s->dss_certs[i].n > PDF_MAX_DSS_ITEM)
            rc = PDF_FAIL(err, errlen, PDF_EINVAL, "dss: certificate %zu empty or too long", i + 1);
    for (i = 0; rc == 0 && i < s->ndss_crls; i++)
        if (s->dss_crls[i].p == NULL || s->dss_crls[i].n == 0 ||
            s->dss_crls[i].n > PDF_MAX_DSS_ITEM)
            rc = PDF_FAIL(err, errlen, PDF_EINVAL, "dss: crl %zu empty or too long", i + 1);
    return rc;
}

size_t pdf_dss_objects(const struct pdf_signer *s)
{
    size_t n = s->ndss_certs + s->ndss_crls;

    return n == 0 ? 0 : n + 1;
}

/* "/Name [first 0 R first+1 0 R ...]" for n streams numbered from first. */
static int put_refs(struct jp_buf *out, const char *name, long first, size_t n)
{
    int rc = n == 0 ? 0 : jp_buf_printf(out, " /%s [", name);

    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = jp_buf_printf(out, "%s%ld 0 R", i == 0 ? "" : " ", first + (long)i);
    if (rc == 0 && n > 0)
        rc = jp_buf_puts(out, "]");
    return rc;
}

static int put_stream(struct jp_buf *out, long num, const struct jp_span *data, int deflated)
{
    int rc = jp_buf_printf(out, "%ld 0 obj\n<< /Length %zu%s >>\nstream\n", num, data->n,
                           deflated ? " /Filter /FlateDecode" : "");

    if (rc == 0)
        rc = jp_buf_append(out, data->p, data->n);
    if (rc == 0)
        rc = jp_buf_puts(out, "\nendstream\nendobj\n");
    return rc;
}

int pdf_dss_put(struct jp_buf *out, size_t base, long first, const struct pdf_signer *s,
                size_t *offs)
{
    long certs = first + 1, crls = first + 1 + (long)s->ndss_certs;
    size_t i;
    int rc;

    offs[0] = out->len - base;
    rc = jp_buf_printf(out, "%ld 0 obj\n<< /Type /DSS", first);
    if (rc == 0)
        rc = put_refs(out, "Certs", certs, s->ndss_certs);
    if (rc == 0)
        rc = put_refs(out, "CRLs", crls, s->ndss_crls);
    if (rc == 0)
        rc = jp_buf_puts(out, " >>\nendobj\n");
    for (i = 0; rc == 0 && i < s->ndss_certs; i++) {
        offs[1 + i] = out->len - base;
        rc = put_stream(out, certs + (long)i, &s->dss_certs[i], s->dss_deflated);
    }
    for (i = 0; rc == 0 && i < s->ndss_crls; i++) {
        offs[1 + s->ndss_certs + i] = out->len - base;
        rc = put_stream(out, crls + (long)i, &s->dss_crls[i], s->dss_deflated);
    }
    return rc;
}
