/*
 * cms.c - the CMS SignedData that signs a certificate PDF (PAdES baseline-B,
 * /SubFilter /ETSI.CAdES.detached): detached content, SHA-256, ECDSA with the
 * active signing key, the signing certificate embedded (not the root: every
 * verifier has it from the trust list, and a B-LT signature's DSS carries the
 * chain; 1.2 KB of hex less a PDF, issue 15 target 4), and the signed
 * attributes content-type, message-digest and signing-certificate-v2.
 *
 * OpenSSL 3.0 always adds a signing-time attribute when it signs (the flag
 * that stops it arrived in 3.2), and PAdES wants none. So the SignedData is
 * first finalised by OpenSSL, then signing-time is removed and the signature
 * is computed again over the DER of the remaining signed attributes.
 */
#include "keys_int.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>

#define MAX_ATTRS 8 /* signed attributes a SignerInfo of ours may carry */

void keys_free_der(unsigned char *der)
{
    OPENSSL_free(der);
}

/* DER of one attribute; the caller frees it with OPENSSL_free. */
struct der_item {
    unsigned char *p; /* owned */
    int len;          /* bytes */
};

static int der_item_cmp(const void *a, const void *b)
{
    const struct der_item *x = a, *y = b;
    int n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->p, y->p, (size_t)n);

    return c != 0 ? c : x->len - y->len;
}

/* Appends a DER length to out (room for 5 bytes needed). */
static size_t der_len(unsigned char *out, size_t len)
{
    size_t n = 0;

    if (len < 0x80) {
        out[n++] = (unsigned char)len;
    } else if (len < 0x100) {
        out[n++] = 0x81;
        out[n++] = (unsigned char)len;
    } else {
        out[n++] = 0x82;
        out[n++] = (unsigned char)(len >> 8);
        out[n++] = (unsigned char)len;
    }
    return n;
}

/*
 * The DER of the signed attributes as a SET OF (tag 0x31), elements in DER
 * order: the bytes that the signature covers (RFC 5652 §5.4).
 */
static unsigned char *signed_attrs_der(CMS_SignerInfo *si, size_t *outlen)
{
    struct der_item items[MAX_ATTRS];
    int i, n = CMS_signed_get_attr_count(si);
    size_t total = 0, pos;
    unsigned char *out = NULL;

    if (n <= 0 || n > MAX_ATTRS)
        return NULL;
    memset(items, 0, sizeof items);
    for (i = 0; i < n; i++) {
        items[i].len = i2d_X509_ATTRIBUTE(CMS_signed_get_attr(si, i), &items[i].p);
        if (items[i].len <= 0)
            goto out;
        total += (size_t)items[i].len;
    }
    if (total > 0xffff)
        goto out;
    qsort(items, (size_t)n, sizeof items[0], der_item_cmp);
    out = malloc(total + 4);
    if (out == NULL)
        goto out;
    out[0] = 0x31;
    pos = 1 + der_len(out + 1, total);
    for (i = 0; i < n; i++) {
        memcpy(out + pos, items[i].p, (size_t)items[i].len);
        pos += (size_t)items[i].len;
    }
    *outlen = pos;
out:
    for (i = 0; i < n; i++)
        OPENSSL_free(items[i].p);
    return out;
}

/* Removes signing-time and signs the remaining attributes again. */
static int resign_without_time(CMS_SignerInfo *si, EVP_PKEY *key)
{
    unsigned char *attrs = NULL, *sig = NULL;
    size_t attrlen = 0, siglen = 0;
    EVP_MD_CTX *ctx = NULL;
    int idx, rc = KEYS_E_CRYPTO;

    idx = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
    if (idx >= 0)
        X509_ATTRIBUTE_free(CMS_signed_delete_attr(si, idx));
    attrs = signed_attrs_der(si, &attrlen);
    ctx = EVP_MD_CTX_new();
    if (attrs == NULL || ctx == NULL ||
        EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(ctx, NULL, &siglen, attrs, attrlen) != 1)
        goto out;
    sig = OPENSSL_malloc(siglen);
    if (sig == NULL || EVP_DigestSign(ctx, sig, &siglen, attrs, attrlen) != 1)
        goto out;
    if (ASN1_STRING_set(CMS_SignerInfo_get0_signature(si), sig, (int)siglen) == 1)
        rc = 0;
out:
    OPENSSL_free(sig);
    EVP_MD_CTX_free(ctx);
    free(attrs);
    return rc;
}

/* Feeds the ranges through the SignedData's digest and finalises it. */
static int digest_ranges(CMS_ContentInfo *cms, const struct jp_span *ranges, size_t n)
{
    BIO *cmsbio = CMS_dataInit(cms, NULL);
    size_t i, off;
    int ok = cmsbio != NULL, w;

    for (i = 0; ok && i < n; i++) {
        for (off = 0; ok && off < ranges[i].n; off += (size_t)w) {
            size_t chunk = ranges[i].n - off > (1u << 30) ? (1u << 30) : ranges[i].n - off;
            w = BIO_write(cmsbio, ranges[i].p + off, (int)chunk);
            ok = w > 0;
        }
    }
    ok = ok && CMS_dataFinal(cms, cmsbio) == 1;
    BIO_free_all(cmsbio);
    return ok ? 0 : KEYS_E_CRYPTO;
}

int keys_cms_sign_detached(keys_t *k, const struct jp_span *ranges, size_t n, unsigned char **der,
                           size_t *derlen, char *err, size_t errlen)
{
    const unsigned int flags = CMS_DETACHED | CMS_BINARY | CMS_NOSMIMECAP | CMS_CADES;
    struct keys_entry *e;
    CMS_ContentInfo *cms = NULL;
    CMS_SignerInfo *si;
    unsigned char *out = NULL;
    int len, rc = KEYS_E_CRYPTO;

    *der = NULL;
    *derlen = 0;
    if (ranges == NULL || n < 1 || n > KEYS_CMS_MAX_RANGES) {
        jp_errf(err, errlen, "cms: 1 to %d ranges needed", KEYS_CMS_MAX_RANGES);
        return keys_with_ossl(KEYS_E_INVAL, err, errlen);
    }
    rc = keys_signer(k, "cms", &e, err, errlen);
    if (rc != 0)
        return rc;
    rc = KEYS_E_CRYPTO;
    cms = CMS_sign(NULL, NULL, NULL, NULL, flags | CMS_PARTIAL);
    if (cms == NULL)
        goto out;
    si = CMS_add1_signer(cms, e->cert, k->sign_key, EVP_sha256(), flags | CMS_PARTIAL);
    if (si == NULL)
        goto out;
    rc = digest_ranges(cms, ranges, n);
    if (rc == 0)
        rc = resign_without_time(si, k->sign_key);
    if (rc == 0 && k->tsa_url[0] != '\0') {
        rc = keys_cms_add_timestamp(k, si, err, errlen);
        if (rc != 0)
            goto out_free; /* err names the TSA's failure */
    }
    if (rc != 0)
        goto out;
    len = i2d_CMS_ContentInfo(cms, &out);
    if (len <= 0) {
        rc = KEYS_E_CRYPTO;
        goto out;
    }
    *der = out;
    *derlen = (size_t)len;
out:
    if (rc != 0) {
        jp_errf(err, errlen, "cms: cannot sign");
        keys_with_ossl(rc, err, errlen);
    }
out_free:
    CMS_ContentInfo_free(cms);
    return rc;
}

int keys_cms_sign_cb(void *ctx, const struct jp_span *ranges, size_t n, unsigned char **der,
                     size_t *derlen, char *err, size_t errlen)
{
    return keys_cms_sign_detached(ctx, ranges, n, der, derlen, err, errlen);
}

void keys_der_free_cb(void *ctx, unsigned char *der)
{
    (void)ctx;
    keys_free_der(der);
}
