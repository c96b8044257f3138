/*
 * reissue.c - a new file for a valid certificate: same number, e-licence
 * version + 1, rendered and signed again (render.c), one transaction with its
 * audit entry. reissue_version is the one path of every new version
 * (reissue, correct.c): the OFD (ofd.c) joins here.
 */
#include "issuer_int.h"
#include "audit.h"
#include "ident.h"
#include "ofd.h"
#include "store.h"
#include "tmpl.h"

#include <errno.h>
#include <string.h>
#include <time.h>

struct reissue {
    issuer *is;        /* the issuer */
    const char *no;    /* certificate number */
    const char *actor; /* who */
    struct jp_buf pdf; /* the new file */
    char *err;         /* caller's message buffer */
    size_t errlen;     /* its size */
};

int reissue_version(issuer *is, store_txn *txn, struct store_cert *c, const void *photo,
                    size_t photo_len, struct jp_buf *pdf, char *err, size_t errlen)
{
    char why[IDENT_WHY_SIZE];
    struct jp_buf ofd;
    int rc, stamped = 0;

    if (c->status != STORE_STATUS_VALID) {
        jp_errf(err, errlen, "%s: cannot reissue a certificate that is %s", c->certificate_no,
                store_status_name(c->status));
        return ISSUER_ESTATUS;
    }
    if (c->file_version >= 999) {
        jp_errf(err, errlen, "%s: file version 999 reached", c->certificate_no);
        return ISSUER_ESTATUS;
    }
    c->file_version++;
    c->version_at = (int64_t)time(NULL);
    rc = ident_elicence_make(is->cfg.elicence_type_code, is->cfg.authority_uscc, c->certificate_no,
                             c->file_version, c->elicence_id, sizeof c->elicence_id, why,
                             sizeof why);
    if (rc != 0) {
        jp_errf(err, errlen, "e-licence identifier: %s", why);
        return rc;
    }
    memcpy(c->key_id, is->kid, sizeof c->key_id);
    jp_buf_init(&ofd, OFD_MAX_OUTPUT);
    rc = render_certificate(is, is->keys[0], c, photo, photo_len, pdf, &ofd, &stamped, err,
                            errlen);
    if (rc == 0)
        rc = store_cert_put(txn, c);
    if (rc == 0)
        rc = store_pdf_put(txn, c->certificate_no, pdf->data, pdf->len);
    if (rc == 0)
        rc = store_ofd_version(is, txn, c, &ofd);
    if (rc == 0 && photo != NULL)
        rc = photo_put(is, txn, c->certificate_no, photo, photo_len, &ofd);
    jp_buf_free(&ofd);
    if (rc == 0 && is->lt.stamping)
        rc = stamped ? pending_del(is, txn, c->certificate_no)
                     : pending_put(is, txn, c->certificate_no);
    return rc;
}

static int reissue_txn(store_txn *txn, void *arg)
{
    struct reissue *r = arg;
    struct store_cert c;
    struct jp_buf photo;
    int rc;

    jp_buf_init(&photo, TMPL_MAX_PHOTO);
    rc = store_cert_get(txn, r->no, &c);
    if (rc == 0)
        rc = photo_get(txn, c.certificate_no, &photo);
    if (rc == 0)
        rc = reissue_version(r->is, txn, &c, photo.len > 0 ? photo.data : NULL, photo.len, &r->pdf,
                             r->err, r->errlen);
    if (rc == 0)
        rc = audit_append(txn, c.version_at, "reissue", c.certificate_no, r->actor,
                          "file version %u", (unsigned)c.file_version);
    jp_buf_free(&photo);
    return rc;
}

int issuer_reissue(issuer *is, const char *certificate_no, const char *actor, char *err,
                   size_t errlen)
{
    struct reissue r = {is, certificate_no, actor ? actor : "jianpei-issuer", {0}, err, errlen};
    int rc;

    err[0] = '\0';
    jp_buf_init(&r.pdf, TMPL_MAX_PDF);
    rc = audit_actor_check(r.actor, err, errlen);
    if (rc == 0)
        rc = store_write(is->st, reissue_txn, &r);
    issuer_cert_err(rc, certificate_no, err, errlen);
    jp_buf_free(&r.pdf);
    return rc;
}
