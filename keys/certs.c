/*
 * certs.c - what the keys module's files need of a certificate and a
 * signature: the SHA-256 fingerprint and the kid, times as text and as days,
 * trust entries, and raw ECDSA (r||s) signatures as COSE uses them.
 */
#include "keys_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/sha.h>
int keys_cert_sha256(X509 *cert, unsigned char out[32])
{
    unsigned char *der = NULL;
    int len, rc = 0;

    len = i2d_X509(cert, &der);
    if (len <= 0)
        return KEYS_E_CRYPTO;
    if (SHA256(der, (size_t)len, out) == NULL)
        rc = KEYS_E_CRYPTO;
    OPENSSL_free(der);
    return rc;
}

int keys_kid_of(X509 *cert, unsigned char kid[KEYS_KID_LEN])
{
    unsigned char md[32];
    int rc = keys_cert_sha256(cert, md);

    if (rc == 0)
        memcpy(kid, md, KEYS_KID_LEN);
    return rc;
}

int keys_time_iso(const ASN1_TIME *t, char out[21])
{
    struct tm tm;
    size_t n;

    if (ASN1_TIME_to_tm(t, &tm) != 1)
        return KEYS_E_CRYPTO;
    n = strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return n == 20 ? 0 : KEYS_E_CRYPTO;
}

int keys_time_day(const ASN1_TIME *t, uint32_t *day)
{
    struct tm tm;

    if (ASN1_TIME_to_tm(t, &tm) != 1 || tm.tm_year < 0)
        return KEYS_E_CRYPTO;
    *day = (uint32_t)(tm.tm_year + 1900) * 10000u + (uint32_t)(tm.tm_mon + 1) * 100u +
           (uint32_t)tm.tm_mday;
    return 0;
}

void keys_now_iso(char out[21])
{
    time_t now = time(NULL);
    struct tm tm;

    if (gmtime_r(&now, &tm) == NULL || strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
        memcpy(out, "1970-01-01T00:00:00Z", 21);
}

int keys_trust_entry_set(struct keys_trust_entry *te, X509 *cert, enum keys_state state)
{
    int rc;

    rc = keys_kid_of(cert, te->kid);
    if (rc == 0)
        rc = keys_time_day(X509_get0_notBefore(cert), &te->first_day);
    if (rc == 0)
        rc = keys_time_day(X509_get0_notAfter(cert), &te->last_day);
    if (rc != 0)
        return rc;
    te->pub = X509_get_pubkey(cert);
    te->state = state;
    te->revoked_at = 0;
    te->cert = te->pub != NULL && X509_up_ref(cert) == 1 ? cert : NULL;
    return te->cert == NULL ? KEYS_E_CRYPTO : 0;
}

/* DER ECDSA-Sig-Value into 32-byte big-endian r and s. */
static int der_to_raw(const unsigned char *der, size_t len, unsigned char sig[64])
{
    const unsigned char *p = der;
    ECDSA_SIG *es = NULL;
    const BIGNUM *r, *s;
    int rc = KEYS_E_CRYPTO;

    es = d2i_ECDSA_SIG(NULL, &p, (long)len);
    if (es == NULL)
        goto out;
    ECDSA_SIG_get0(es, &r, &s);
    if (BN_bn2binpad(r, sig, 32) != 32 || BN_bn2binpad(s, sig + 32, 32) != 32)
        goto out_free_sig;
    rc = 0;
out_free_sig:
    ECDSA_SIG_free(es);
out:
    return rc;
}

int keys_ecdsa_sign_raw(EVP_PKEY *key, const unsigned char *data, size_t len, unsigned char sig[64])
{
    EVP_MD_CTX *ctx = NULL;
    unsigned char der[80];
    size_t derlen = sizeof der;
    int rc = KEYS_E_CRYPTO;

    ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        goto out;
    if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(ctx, der, &derlen, data, len) != 1)
        goto out_free_ctx;
    rc = der_to_raw(der, derlen, sig);
out_free_ctx:
    EVP_MD_CTX_free(ctx);
out:
    return rc;
}

int keys_ecdsa_verify_raw(EVP_PKEY *pub, const unsigned char *data, size_t len,
                          const unsigned char sig[64])
{
    EVP_MD_CTX *ctx = NULL;
    ECDSA_SIG *es = NULL;
    BIGNUM *r = NULL, *s = NULL;
    unsigned char *der = NULL;
    int derlen, ok = -1;

    es = ECDSA_SIG_new();
    r = BN_bin2bn(sig, 32, NULL);
    s = BN_bin2bn(sig + 32, 32, NULL);
    if (es == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1)
        goto out_free_bn;
    r = NULL; /* owned by es now */
    s = NULL;
    derlen = i2d_ECDSA_SIG(es, &der);
    if (derlen <= 0)
        goto out_free_bn;
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL || EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pub) != 1)
        goto out_free_ctx;
    ok = EVP_DigestVerify(ctx, der, (size_t)derlen, data, len) == 1 ? 1 : 0;
out_free_ctx:
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
out_free_bn:
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    ERR_clear_error();
    return ok;
}

int keys_root_fingerprint(const keys_t *k, char hex[65])
{
    unsigned char md[32];
    int rc = keys_cert_sha256(k->root, md);

    hex[0] = '\0';
    if (rc == 0)
        jp_hex_encode(md, sizeof md, hex);
    return rc;
}

int keys_fingerprint_parse(const char *text, unsigned char out[32])
{
    static const char prefix[] = "SHA256 Fingerprint=";
    char digits[65];
    size_t n = 0;

    if (strncasecmp(text, prefix, sizeof prefix - 1) == 0)
        text += sizeof prefix - 1;
    for (size_t i = 0; text[i] != '\0'; i++) {
        unsigned char c = (unsigned char)text[i];

        if (c == ':' && n > 0 && n % 2 == 0 && text[i + 1] != '\0')
            continue;
        if (!isxdigit(c) || n == 64)
            return KEYS_E_INVAL;
        digits[n++] = (char)tolower(c);
    }
    digits[n] = '\0';
    return n == 64 && jp_hex_decode(digits, out, 32) == 0 ? 0 : KEYS_E_INVAL;
}
