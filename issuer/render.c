/*
 * render.c - render-and-sign of one certificate, shared by issuing and
 * reissuing: the QR token (COSE, the holder masked), the QR URL, the page from
 * the template, and the PAdES signature with the worker's key handle.
 */
#include "issuer_int.h"
#include "ident.h"
#include "keys.h"
#include "pdf.h"
#include "tmpl.h"

#include <errno.h>
#include <string.h>
#include <time.h>

/* Bytes reserved for the CMS signature: it is about 1,300 bytes with the
 * signing certificate (P-256); every reserved byte costs two hex
 * digits in each PDF. pdf_sign refuses a signature that does not fit. */
#define ISSUER_CMS_RESERVE 3584
/* Once a signature has been made, each later one reserves the largest size
 * seen plus this: an ECDSA signature's DER varies by a few bytes (r and s of
 * 31 to 33 bytes, their lengths' bytes unchanged); anything
 * larger (a rotated key's longer certificate) is signed again with the
 * reservation above. 1,952 bytes of DER instead of 3,584 save 3.3 KB of hex
 * per PDF (issue 15 target 4); a margin of 16 instead of 64 another 96 bytes. */
#define ISSUER_CMS_MARGIN 16
/* With a signature time-stamp the CMS grows by the token: about 1,500 bytes
 * with the TSA's certificate (P-256) in it. */
#define ISSUER_CMS_RESERVE_TSA 4608

/* The signer callback's state: the key handle and what the signer returned. */
struct sign_ctx {
    keys_t *k;     /* the worker's handle */
    int rc;        /* keys_cms_sign_detached's result, so a TSA failure is told apart */
    size_t derlen; /* bytes of the signature made, 0 when none */
};

static int sign_cb(void *ctx, const struct jp_span *ranges, size_t n, unsigned char **der,
                   size_t *derlen, char *err, size_t errlen)
{
    struct sign_ctx *sc = ctx;

    sc->rc = keys_cms_sign_detached(sc->k, ranges, n, der, derlen, err, errlen);
    sc->derlen = sc->rc == 0 ? *derlen : 0;
    return sc->rc;
}

/* Bytes to reserve for the next signature without a time-stamp (ISSUER_CMS_MARGIN). */
static size_t cms_reserve(issuer *is)
{
    unsigned long seen = atomic_load(&is->cms_der_max);

    return seen > 0 && seen + ISSUER_CMS_MARGIN < ISSUER_CMS_RESERVE ? seen + ISSUER_CMS_MARGIN
                                                                     : ISSUER_CMS_RESERVE;
}

static void cms_seen(issuer *is, size_t derlen)
{
    unsigned long old = atomic_load(&is->cms_der_max);

    while (derlen > old && !atomic_compare_exchange_weak(&is->cms_der_max, &old, derlen))
        ;
}

/* pdf_sign with the measured reservation; a signature that does not fit it is made again
 * with the full one. */
static int sign_pdf(issuer *is, struct pdf_signer *sg, struct sign_ctx *sc, int stamping,
                    const struct jp_buf *raw, struct jp_buf *pdf, char *err, size_t errlen)
{
    int rc;

    sg->contents_size = stamping ? ISSUER_CMS_RESERVE_TSA : cms_reserve(is);
    rc = pdf_sign(raw->data, raw->len, sg, pdf, err, errlen);
    if (rc == PDF_ETOOBIG && !stamping && sg->contents_size < ISSUER_CMS_RESERVE) {
        cms_seen(is, sc->derlen);
        jp_buf_reset(pdf);
        sg->contents_size = ISSUER_CMS_RESERVE;
        rc = pdf_sign(raw->data, raw->len, sg, pdf, err, errlen);
    }
    if (rc == 0 && !stamping)
        cms_seen(is, sc->derlen);
    return rc;
}

/* "2023-08-18" -> "2023年08月18日". */
static int display_date(const char *iso, char *out, size_t outsz)
{
    if (strlen(iso) != 10)
        return EINVAL;
    return jp_strf(out, outsz, "%.4s年%.2s月%.2s日", iso, iso + 5, iso + 8);
}

static int make_token(keys_t *k, const issuer *is, const struct store_cert *c, char *token,
                      size_t tokensz, char *err, size_t errlen)
{
    struct keys_claims cl;
    int rc;

    memset(&cl, 0, sizeof cl);
    memcpy(cl.certificate_no, c->certificate_no, sizeof cl.certificate_no);
    cl.elicence_version = c->file_version;
    memcpy(cl.position, c->position_code, sizeof cl.position);
    memcpy(cl.issue_date, c->issue_date, sizeof cl.issue_date);
    memcpy(cl.province, is->cfg.province, sizeof cl.province);
    rc = ident_name_mask(c->holder_name, strlen(c->holder_name), cl.name_masked,
                         sizeof cl.name_masked);
    if (rc == 0)
        rc = ident_id_mask(c->id_number, strlen(c->id_number), cl.id_masked, sizeof cl.id_masked);
    if (rc != 0) {
        jp_errf(err, errlen, "cannot mask the holder: %s", ident_strerror(rc));
        return rc;
    }
    return keys_token_sign(k, &cl, token, tokensz, err, errlen);
}

/*
 * Signs the rendered page raw into pdf. Under --tsa-optional a TSA failure
 * turns the handle's time-stamps off for the rest of the run (one timeout per
 * worker, not one per certificate) and signs again without: *stamped says
 * which it was.
 */
static int sign_page(issuer *is, keys_t *k, const struct jp_buf *raw, struct jp_buf *pdf,
                     int *stamped, char *err, size_t errlen)
{
    struct sign_ctx sc = {k, 0, 0};
    struct pdf_signer sg;
    int rc;

    memset(&sg, 0, sizeof sg);
    sg.sign = sign_cb;
    sg.free_der = keys_der_free_cb;
    sg.ctx = &sc;
    sg.signing_time = time(NULL);
    *stamped = keys_tsa_on(k);
    longterm_signer(&is->lt, &sg);
    rc = sign_pdf(is, &sg, &sc, *stamped, raw, pdf, err, errlen);
    if (rc == PDF_ESIGNER && sc.rc == KEYS_E_TSA && is->lt.optional) {
        longterm_tsa_down(&is->lt, err);
        (void)keys_set_tsa(k, NULL, 0, NULL, 0);
        return sign_page(is, k, raw, pdf, stamped, err, errlen);
    }
    if (rc == PDF_ESIGNER && sc.rc == KEYS_E_TSA)
        rc = KEYS_E_TSA; /* not this certificate's fault: the run stops */
    return rc;
}

/* Renders and signs one certificate into *pdf (reset first). */
int render_certificate(issuer *is, keys_t *k, struct store_cert *c, const unsigned char *photo,
                       size_t photo_len, struct jp_buf *pdf, struct jp_buf *ofd, int *stamped,
                       char *err, size_t errlen)
{
    char token[KEYS_TOKEN_BUFSZ], qr[TMPL_MAX_QR], date[32];
    struct tmpl_fields f;
    struct tmpl_fonts *fonts = NULL;
    struct jp_buf raw;
    int rc;

    atomic_fetch_add(&is->renders, 1);
    jp_buf_reset(pdf);
    rc = make_token(k, is, c, token, sizeof token, err, errlen);
    if (rc != 0)
        return rc;
    if (jp_strf(qr, sizeof qr, "%s/V/%s/%s", is->cfg.public_url, c->certificate_no, token) != 0) {
        jp_errf(err, errlen, "qr text longer than %zu bytes", sizeof qr - 1);
        return EFBIG;
    }
    if (display_date(c->issue_date, date, sizeof date) != 0) {
        jp_errf(err, errlen, "issue date: not YYYY-MM-DD");
        return EINVAL;
    }
    memset(&f, 0, sizeof f);
    f.name = c->holder_name;
    f.gender = c->gender;
    f.id_number = c->id_number;
    f.position = jp_config_position(&is->cfg, c->position_code);
    f.certificate_no = c->certificate_no;
    f.institution = c->institution_name;
    f.authority = c->authority_name;
    f.issue_date = date;
    f.elicence_id = c->elicence_id;
    f.qr_text = qr;
    f.photo = photo;
    f.photo_len = photo_len;
    jp_buf_init(&raw, TMPL_MAX_PDF);
    /* with an OFD beside the PDF, one set of font subsets serves both */
    rc =
        ofd != NULL && is->ofd.sm2 != NULL ? tmpl_fonts_make(is->tmpl, &f, &fonts, err, errlen) : 0;
    f.fonts = fonts;
    if (rc == 0)
        rc = tmpl_render(is->tmpl, &f, &raw, err, errlen);
    if (rc == 0)
        rc = sign_page(is, k, &raw, pdf, stamped, err, errlen);
    jp_buf_free(&raw);
    if (rc == 0 && ofd != NULL)
        rc = render_ofd(is, &f, ofd, err, errlen);
    tmpl_fonts_free(fonts);
    if (rc == 0)
        rc = store_text_set(c->qr_text, sizeof c->qr_text, qr);
    return rc;
}
