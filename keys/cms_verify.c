/*
 * cms_verify.c - checks a detached CMS signature (the PDF's PAdES signature
 * value) against a trust list, offline: exactly one signer, whose
 * certificate (carried in the CMS) is one of the list's signing certificates
 * - which keys_trust_load() checked against the root - and whose signature
 * holds over the given byte ranges. No clock is involved, as for tokens.
 */
#include "keys_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>

#include "util.h"

const char *keys_cms_verdict_name(enum keys_cms_verdict v)
{
    static const char *const names[] = {"valid", "modified", "unknown_key", "revoked_key",
                                        "not_signed"};

    return (unsigned)v < sizeof names / sizeof names[0] ? names[v] : "not_signed";
}

/* The one signer's certificate, as the CMS carries it (borrowed), or NULL. */
static X509 *one_signer(CMS_ContentInfo *cms)
{
    STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
    X509 *signer = NULL;

    if (sis == NULL || sk_CMS_SignerInfo_num(sis) != 1 || CMS_set1_signers_certs(cms, NULL, 0) < 0)
        return NULL;
    CMS_SignerInfo_get0_algs(sk_CMS_SignerInfo_value(sis, 0), NULL, &signer, NULL, NULL);
    return signer;
}

/* The trust entry of signer, or NULL when the list does not have it. */
static const struct keys_trust_entry *listed(const keys_trust_t *t, X509 *signer)
{
    unsigned char kid[KEYS_KID_LEN];
    size_t i;

    if (keys_kid_of(signer, kid) != 0)
        return NULL;
    for (i = 0; i < t->n; i++)
        if (memcmp(t->e[i].kid, kid, sizeof kid) == 0 &&
            EVP_PKEY_eq(t->e[i].pub, X509_get0_pubkey(signer)) == 1)
            return &t->e[i];
    return NULL;
}

static BIO *ranges_bio(const struct jp_span *ranges, size_t n)
{
    BIO *b = BIO_new(BIO_s_mem());
    size_t i;

    for (i = 0; b != NULL && i < n; i++) {
        if (ranges[i].n > 0 && BIO_write(b, ranges[i].p, (int)ranges[i].n) != (int)ranges[i].n) {
            BIO_free(b);
            b = NULL;
        }
    }
    return b;
}

int keys_trust_cms_verify(const keys_trust_t *t, const unsigned char *der, size_t len,
                          const struct jp_span *ranges, size_t n, enum keys_cms_verdict *verdict,
                          char *reason, size_t reasonlen)
{
    const unsigned char *p = der;
    CMS_ContentInfo *cms = NULL;
    const struct keys_trust_entry *e;
    BIO *data = NULL;
    X509 *signer;
    int rc = 0;

    *verdict = KEYS_CMS_NOT_SIGNED;
    jp_errf(reason, reasonlen, "the signature value is not a CMS signature");
    if (len > 0 && len <= (1u << 20) && n >= 1 && n <= KEYS_CMS_MAX_RANGES)
        cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
    if (cms == NULL || OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed)
        goto out;
    signer = one_signer(cms);
    if (signer == NULL) {
        jp_errf(reason, reasonlen, "the signature has no single signer with a certificate");
        goto out;
    }
    e = listed(t, signer);
    *verdict = KEYS_CMS_UNKNOWN_KEY;
    jp_errf(reason, reasonlen, "the signing certificate is not in the trust list");
    if (e == NULL)
        goto out;
    data = ranges_bio(ranges, n);
    if (data == NULL) {
        rc = ENOMEM;
        goto out;
    }
    *verdict = KEYS_CMS_MODIFIED;
    jp_errf(reason, reasonlen, "the signature does not match the signed bytes");
    if (CMS_verify(cms, NULL, NULL, data, NULL, CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) != 1)
        goto out;
    *verdict = e->state == KEYS_REVOKED ? KEYS_CMS_REVOKED_KEY : KEYS_CMS_VALID;
    jp_errf(reason, reasonlen, "%s", e->state == KEYS_REVOKED ? "the signing key is revoked" : "");
out:
    BIO_free(data);
    CMS_ContentInfo_free(cms);
    ERR_clear_error();
    return rc;
}

/* 1 when x is t's root or t's root signed it. */
static int from_root(const keys_trust_t *t, X509 *x)
{
    unsigned char *der = NULL, d[32];
    int n = i2d_X509(x, &der), ours = 0;

    if (n > 0 && EVP_Digest(der, (size_t)n, d, NULL, EVP_sha256(), NULL) == 1)
        ours = memcmp(d, t->root_sha256, sizeof d) == 0;
    OPENSSL_free(der);
    if (!ours && X509_check_issued(t->root, x) == X509_V_OK)
        ours = X509_verify(x, X509_get0_pubkey(t->root)) == 1;
    return ours;
}

int keys_trust_cms_ours(const keys_trust_t *t, const unsigned char *der, size_t len)
{
    const unsigned char *p = der;
    CMS_ContentInfo *cms = NULL;
    STACK_OF(X509) *certs = NULL;
    int ours = 0;

    if (t != NULL && t->root != NULL && len > 0 && len <= (1u << 20))
        cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
    if (cms != NULL)
        certs = CMS_get1_certs(cms);
    for (int i = 0; certs != NULL && i < sk_X509_num(certs) && !ours; i++)
        ours = from_root(t, sk_X509_value(certs, i));
    sk_X509_pop_free(certs, X509_free);
    CMS_ContentInfo_free(cms);
    return ours;
}
