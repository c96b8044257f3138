/*
 * common.c - helpers the keys module's files share: error messages with
 * OpenSSL's reason, key ids, certificate times, raw ECDSA (r||s) signatures,
 * and the names of states, verdicts and error codes.
 */
#include "keys_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/sha.h>

int keys_fail(int rc, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    unsigned long e;
    char ossl[256];
    size_t used;
    int n;

    if (err == NULL || errlen == 0) {
        ERR_clear_error();
        return rc;
    }
    va_start(ap, fmt);
    n = vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    e = ERR_peek_error();
    ERR_clear_error();
    if (n < 0 || (size_t)n >= errlen || e == 0)
        return rc;
    ERR_error_string_n(e, ossl, sizeof ossl);
    used = (size_t)n;
    n = snprintf(err + used, errlen - used, ": %s", ossl);
    if (n < 0 || (size_t)n >= errlen - used)
        err[used] = '\0';
    return rc;
}

int keys_strf(char *dst, size_t dstsz, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(dst, dstsz, fmt, ap);
    va_end(ap);
    return n >= 0 && (size_t)n < dstsz ? 0 : KEYS_E_INVAL;
}

const char *keys_strerror(int rc)
{
    switch (rc) {
    case 0:
        return "success";
    case KEYS_E_INVAL:
        return "invalid argument";
    case KEYS_E_NOT_EMPTY:
        return "key directory exists and is not empty";
    case KEYS_E_STATE:
        return "key directory state is missing or corrupt";
    case KEYS_E_CRYPTO:
        return "cryptographic operation failed";
    case KEYS_E_PASSPHRASE_NEEDED:
        return "private keys are encrypted and no passphrase was given";
    case KEYS_E_BAD_PASSPHRASE:
        return "passphrase does not decrypt the private key";
    case KEYS_E_NO_PRIVATE_KEY:
        return "keys opened public-only have no private key";
    case KEYS_E_NO_ROOT_KEY:
        return "root private key not loaded";
    case KEYS_E_NO_ACTIVE_KEY:
        return "no active signing key";
    case KEYS_E_UNKNOWN_KID:
        return "unknown key id";
    case KEYS_E_TOO_MANY:
        return "too many signing keys";
    case KEYS_E_TRUST:
        return "trust list malformed or its signature fails";
    case KEYS_E_ROOT_MISMATCH:
        return "trust list root is not the expected one";
    case KEYS_E_CLAIMS:
        return "token claims invalid";
    case KEYS_E_TOOSMALL:
        return "output buffer too small";
    default:
        break;
    }
    return rc > 0 ? strerror(rc) : "unknown error";
}

const char *keys_state_name(enum keys_state s)
{
    switch (s) {
    case KEYS_ACTIVE:
        return "active";
    case KEYS_RETIRED:
        return "retired";
    case KEYS_REVOKED:
        return "revoked";
    }
    return "unknown";
}

int keys_state_parse(const char *s, enum keys_state *out)
{
    int rc = 0;

    if (strcmp(s, "active") == 0)
        *out = KEYS_ACTIVE;
    else if (strcmp(s, "retired") == 0)
        *out = KEYS_RETIRED;
    else if (strcmp(s, "revoked") == 0)
        *out = KEYS_REVOKED;
    else
        rc = KEYS_E_INVAL;
    return rc;
}

const char *keys_verdict_name(enum keys_verdict v)
{
    switch (v) {
    case KEYS_TOKEN_GENUINE:
        return "genuine";
    case KEYS_TOKEN_FORGED:
        return "forged";
    case KEYS_TOKEN_UNKNOWN_KEY:
        return "unknown_key";
    case KEYS_TOKEN_REVOKED_KEY:
        return "revoked_key";
    case KEYS_TOKEN_EXPIRED_KEY:
        return "expired_key";
    case KEYS_TOKEN_MALFORMED:
        return "malformed";
    }
    return "malformed";
}

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
    return te->pub == NULL ? KEYS_E_CRYPTO : 0;
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
