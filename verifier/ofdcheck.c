/*
 * ofdcheck.c - the seal of an OFD package against the trust list (SPEC §10's
 * file check and verify-file, issue 18): ofd_verify() with a verifier callback
 * that accepts a signature only from the trust list's SM2 root (the seal's
 * maker) or one of its SM2 signing certificates, and whether the seal is ours
 * (maker = our SM2 root, signer = one of our SM2 signing certificates). The
 * reader's bounds (ofd/ofd.h) make it bounded whatever the upload; nothing of
 * the package's text is logged or returned.
 */
#include "verifier_int.h"

#include <string.h>

#include "ofd.h"

struct seal_ctx {
    const keys_trust_t *trust; /* borrowed */
};

static int is_root(const keys_trust_t *t, const struct jp_span *cert)
{
    const unsigned char *der;
    size_t len;

    return keys_trust_sm2_root(t, &der, &len) == 0 && len == cert->n &&
           memcmp(der, cert->p, len) == 0;
}

/* Listed signers count whatever their state: a revoked key's files stay ours (as for PDFs). */
static int trusted(const keys_trust_t *t, const struct jp_span *cert)
{
    struct keys_sm2_trusted info;

    return is_root(t, cert) || keys_trust_sm2_find(t, cert->p, cert->n, &info) == 0;
}

static int verify_cb(void *ctx, const struct jp_span *cert, const unsigned char *data, size_t len,
                     const unsigned char *sig, size_t siglen)
{
    const struct seal_ctx *c = ctx;

    if (!trusted(c->trust, cert))
        return 0;
    return keys_sm2_verify(cert->p, cert->n, data, len, sig, siglen);
}

int vf_is_ofd(const unsigned char *file, size_t len)
{
    return len >= 4 && memcmp(file, "PK\x03\x04", 4) == 0;
}

int vf_ofd_check(const keys_trust_t *t, const unsigned char *pkg, size_t len,
                 struct vf_ofd_seal *out)
{
    struct seal_ctx ctx = {t};
    struct ofd_verifier v = {verify_cb, &ctx};
    struct ofd_report r;
    struct jp_span signer, maker;
    struct keys_sm2_trusted info;
    int rc;

    memset(out, 0, sizeof *out);
    out->seal = OFD_NOT_SIGNED;
    if (t == NULL) {
        jp_errf(out->reason, sizeof out->reason, "no trust list loaded");
        return 0;
    }
    rc = ofd_verify(pkg, len, &v, &r);
    if (rc == 0) {
        out->seal = r.verdict;
        memcpy(out->reason, r.reason, sizeof out->reason);
        out->have_seal_digest = r.have_signed_value;
        memcpy(out->seal_sha256, r.signed_value_sha256, 32);
        signer = (struct jp_span){r.signer_cert.data, r.signer_cert.len};
        maker = (struct jp_span){r.maker_cert.data, r.maker_cert.len};
        out->ours = signer.n > 0 && maker.n > 0 && is_root(t, &maker) &&
                    keys_trust_sm2_find(t, signer.p, signer.n, &info) == 0;
        out->signer_revoked = out->ours && info.state == KEYS_REVOKED;
        if (out->seal == OFD_INTACT && !out->ours) {
            out->seal = OFD_MODIFIED; /* held only by certificates we do not list */
            jp_errf(out->reason, sizeof out->reason, "the seal is not made with our SM2 keys");
        }
    }
    ofd_report_free(&r);
    return rc;
}

/* --- the stored package ----------------------------------------------------- */

int vf_reply_ofd(struct verifier *v, const char *no, struct vf_reply *r)
{
    store_txn *txn = NULL;
    struct jp_buf pkg;
    int rc = strlen(no) == STORE_CERT_NO_LEN ? store_read_begin(v->st, &txn) : STORE_ENOTFOUND;

    jp_buf_init(&pkg, OFD_MAX_INPUT);
    if (rc == 0)
        rc = store_get_copy(txn, v->ofds_db, no, STORE_CERT_NO_LEN, &pkg);
    store_read_end(txn);
    if (rc == 0 && !vf_is_ofd(pkg.data, pkg.len))
        rc = STORE_ECORRUPT;
    if (rc != 0) {
        jp_buf_free(&pkg);
        return rc;
    }
    return vf_reply_attachment(r, "application/ofd", &pkg, no, "ofd");
}

int vf_has_ofd(struct verifier *v, const char *no)
{
    store_txn *txn = NULL;
    const void *val;
    size_t n = 0;
    int found = 0;

    if (strlen(no) == STORE_CERT_NO_LEN && store_read_begin(v->st, &txn) == 0)
        found = store_get(txn, v->ofds_db, no, STORE_CERT_NO_LEN, &val, &n) == 0 && n > 0;
    store_read_end(txn);
    return found;
}
