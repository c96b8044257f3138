/*
 * crl.c - the certificate revocation list of a CA (SPEC §13): an X.509 v2 CRL
 * signed by the CA's key, with authorityKeyIdentifier and cRLNumber, listing
 * the revoked certificates it issued with their revocation dates. The maker
 * (keys_crl_make) is generic over the issuing CA and its signature, so the SM2
 * hierarchy can reuse it; keys_crl_export applies it to the ECDSA root and the
 * revoked signing keys of keys.json. keys_crl_read checks a CRL for a reader.
 */
#include "keys_int.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "ossl.h"
#include "util.h"

/* ECDSA with SHA-256, as the root signs its certificates. */
static int crl_sign_sha256(X509_CRL *crl, EVP_PKEY *key)
{
    return X509_CRL_sign(crl, key, EVP_sha256()) > 0;
}

/* "YYYY-MM-DDTHH:MM:SSZ" (keys.json) as an ASN1_TIME; NULL when malformed. */
static ASN1_TIME *iso_to_asn1(const char *iso)
{
    char g[16];
    ASN1_TIME *t;

    if (strlen(iso) != 20 || jp_strf(g, sizeof g, "%.4s%.2s%.2s%.2s%.2s%.2sZ", iso, iso + 5,
                                     iso + 8, iso + 11, iso + 14, iso + 17) != 0)
        return NULL;
    t = ASN1_TIME_new();
    if (t != NULL && ASN1_TIME_set_string_X509(t, g) != 1) {
        ASN1_TIME_free(t);
        t = NULL;
    }
    return t;
}

static int add_revoked(X509_CRL *crl, const struct keys_crl_entry *e)
{
    X509_REVOKED *r = X509_REVOKED_new();
    ASN1_TIME *when = iso_to_asn1(e->revoked_at);
    int ok = r != NULL && when != NULL &&
             X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(e->cert)) == 1 &&
             X509_REVOKED_set_revocationDate(r, when) == 1 && X509_CRL_add0_revoked(crl, r) == 1;

    if (!ok)
        X509_REVOKED_free(r);
    ASN1_TIME_free(when);
    return ok;
}

/* thisUpdate now, nextUpdate days later, cRLNumber the current second, AKI. */
static int set_header(X509_CRL *crl, X509 *ca, int days)
{
    ASN1_INTEGER *num = ASN1_INTEGER_new();
    ASN1_TIME *now = ASN1_TIME_set(NULL, time(NULL));
    ASN1_TIME *next = X509_time_adj_ex(NULL, days, 0, NULL);
    X509_EXTENSION *aki = NULL;
    X509V3_CTX ctx;
    int ok;

    X509V3_set_ctx(&ctx, ca, NULL, NULL, crl, 0);
    ok = num != NULL && now != NULL && next != NULL && X509_CRL_set_version(crl, 1) == 1 &&
         X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca)) == 1 &&
         X509_CRL_set1_lastUpdate(crl, now) == 1 && X509_CRL_set1_nextUpdate(crl, next) == 1 &&
         ASN1_INTEGER_set_int64(num, (int64_t)time(NULL)) == 1 &&
         X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) == 1;
    if (ok)
        aki = X509V3_EXT_conf_nid(NULL, &ctx, NID_authority_key_identifier, "keyid:always");
    ok = ok && aki != NULL && X509_CRL_add_ext(crl, aki, -1) == 1;
    X509_EXTENSION_free(aki);
    ASN1_INTEGER_free(num);
    ASN1_TIME_free(now);
    ASN1_TIME_free(next);
    return ok;
}

int keys_crl_make(X509 *ca, EVP_PKEY *ca_key, keys_crl_sign_fn sign,
                  const struct keys_crl_entry *revoked, size_t n, int days, unsigned char **der,
                  size_t *len)
{
    X509_CRL *crl = X509_CRL_new();
    unsigned char *out = NULL;
    int ok, dlen = 0;

    *der = NULL;
    *len = 0;
    ok = crl != NULL && days >= 1 && days <= KEYS_CRL_DAYS_MAX && set_header(crl, ca, days);
    for (size_t i = 0; ok && i < n; i++)
        ok = add_revoked(crl, &revoked[i]);
    ok = ok && X509_CRL_sort(crl) == 1 && sign(crl, ca_key);
    if (ok)
        dlen = i2d_X509_CRL(crl, &out);
    X509_CRL_free(crl);
    if (!ok || dlen <= 0 || (size_t)dlen > KEYS_CRL_MAX) {
        OPENSSL_free(out);
        return KEYS_E_CRYPTO;
    }
    *der = out;
    *len = (size_t)dlen;
    return 0;
}

/* The revoked ones of keys[0..n-1] into rev (room for n); their count. */
static size_t crl_revoked(const struct keys_entry *keys, size_t n, struct keys_crl_entry *rev)
{
    size_t m = 0;

    for (size_t i = 0; i < n; i++) {
        if (keys[i].state == KEYS_REVOKED) {
            rev[m].cert = keys[i].cert;
            rev[m].revoked_at = keys[i].changed;
            m++;
        }
    }
    return m;
}

int keys_crl_issue(X509 *ca, EVP_PKEY *ca_key, keys_crl_sign_fn sign, const struct keys_entry *keys,
                   size_t n, int days, unsigned char **der, size_t *len, char *err, size_t errlen)
{
    struct keys_crl_entry rev[KEYS_MAX_SIGNING];
    int rc;

    *der = NULL;
    *len = 0;
    if (ca_key == NULL) {
        jp_errf(err, errlen, "crl: needs the root key");
        return KEYS_E_NO_ROOT_KEY;
    }
    if (days == 0)
        days = KEYS_CRL_DAYS_DEFAULT;
    if (days < 1 || days > KEYS_CRL_DAYS_MAX) {
        jp_errf(err, errlen, "crl: next update must be 1..%d days", KEYS_CRL_DAYS_MAX);
        return KEYS_E_INVAL;
    }
    if (n > KEYS_MAX_SIGNING) {
        jp_errf(err, errlen, "crl: more than %d keys", KEYS_MAX_SIGNING);
        return KEYS_E_INVAL;
    }
    rc = keys_crl_make(ca, ca_key, sign, rev, crl_revoked(keys, n, rev), days, der, len);
    if (rc != 0) {
        jp_errf(err, errlen, "crl: cannot make");
        keys_with_ossl(rc, err, errlen);
    }
    return rc;
}

int keys_crl_der(const keys_t *k, int days, unsigned char **der, size_t *len, char *err,
                 size_t errlen)
{
    return keys_crl_issue(k->root, k->root_key, crl_sign_sha256, k->e, k->n, days, der, len, err,
                          errlen);
}

int keys_crl_write(const char *out_path, unsigned char *der, size_t len, char *err,
                   size_t errlen)
{
    int rc = jp_write_file_atomic(out_path, der, len, 0644);

    if (rc != 0)
        jp_errf(err, errlen, "cannot write %s: %s", out_path, strerror(rc));
    OPENSSL_free(der);
    return rc;
}

int keys_crl_export(const keys_t *k, int days, const char *out_path, char *err, size_t errlen)
{
    unsigned char *der = NULL;
    size_t len = 0;
    int rc = keys_crl_der(k, days, &der, &len, err, errlen);

    return rc == 0 ? keys_crl_write(out_path, der, len, err, errlen) : rc;
}

/* An ASN1_TIME as seconds since the epoch. */
static int asn1_epoch(const ASN1_TIME *t, int64_t *out)
{
    struct tm tm;

    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return KEYS_E_CRYPTO;
    *out = (int64_t)timegm(&tm);
    return 0;
}

static int crl_fill(X509_CRL *crl, struct keys_crl_info *info)
{
    STACK_OF(X509_REVOKED) *revs = X509_CRL_get_REVOKED(crl);
    int rc = asn1_epoch(X509_CRL_get0_lastUpdate(crl), &info->this_update);

    if (rc == 0)
        rc = asn1_epoch(X509_CRL_get0_nextUpdate(crl), &info->next_update);
    info->nrevoked = revs != NULL ? (size_t)sk_X509_REVOKED_num(revs) : 0; /* NULL: none */
    return rc;
}

static int crl_read(const unsigned char *der, size_t len, const unsigned char *ca_der,
                    size_t ca_len, struct keys_crl_info *info, X509_CRL **out)
{
    const unsigned char *q = ca_der;
    X509_CRL *crl = NULL;
    X509 *ca = NULL;
    EVP_PKEY *pub = NULL;
    int rc = KEYS_E_TRUST;

    memset(info, 0, sizeof *info);
    crl = jp_der_decode(ASN1_ITEM_rptr(X509_CRL), der, len, KEYS_CRL_MAX);
    if (crl == NULL || X509_CRL_get_version(crl) != 1)
        goto out;
    if (ca_der != NULL) {
        ca = d2i_X509(NULL, &q, (long)ca_len);
        pub = ca != NULL ? X509_get0_pubkey(ca) : NULL;
        if (pub == NULL || X509_CRL_verify(crl, pub) != 1 ||
            X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(ca)) != 0)
            goto out;
    }
    rc = crl_fill(crl, info);
out:
    ERR_clear_error();
    X509_free(ca);
    if (rc == 0 && out != NULL)
        *out = crl;
    else
        X509_CRL_free(crl);
    return rc;
}

int keys_crl_parse(const unsigned char *der, size_t len, const unsigned char *ca_der, size_t ca_len,
                   struct keys_crl_info *info)
{
    return crl_read(der, len, ca_der, ca_len, info, NULL);
}

int keys_crl_check(const unsigned char *der, size_t len, const unsigned char *ca_der, size_t ca_len,
                   const unsigned char *cert_der, size_t cert_len, struct keys_crl_info *info)
{
    const unsigned char *p = cert_der;
    X509_REVOKED *r = NULL;
    X509_CRL *crl = NULL;
    X509 *cert = NULL;
    int rc = crl_read(der, len, ca_der, ca_len, info, &crl);

    if (rc != 0)
        return rc;
    cert = d2i_X509(NULL, &p, (long)cert_len);
    if (cert == NULL) {
        rc = KEYS_E_CRYPTO;
    } else if (X509_CRL_get0_by_serial(crl, &r, X509_get_serialNumber(cert)) == 1) {
        info->listed = 1;
        rc = asn1_epoch(X509_REVOKED_get0_revocationDate(r), &info->revoked_at);
    }
    X509_free(cert);
    X509_CRL_free(crl);
    return rc;
}

/* DER of cert into a new buffer. */
static int cert_der(X509 *cert, unsigned char **der, size_t *len)
{
    int n = i2d_X509(cert, der);

    if (n <= 0)
        return KEYS_E_CRYPTO;
    *len = (size_t)n;
    return 0;
}

int keys_chain_der(keys_t *k, unsigned char *der[2], size_t len[2])
{
    struct keys_entry *e = keys_active_entry(k);
    int rc;

    der[0] = der[1] = NULL;
    len[0] = len[1] = 0;
    if (e == NULL)
        return KEYS_E_NO_ACTIVE_KEY;
    rc = cert_der(e->cert, &der[0], &len[0]);
    if (rc == 0)
        rc = cert_der(k->root, &der[1], &len[1]);
    if (rc != 0) {
        OPENSSL_free(der[0]);
        der[0] = NULL;
        len[0] = 0;
    }
    return rc;
}

int keys_crl_open(const unsigned char *der, size_t len, X509 *ca, struct keys_crl_info *info,
                  X509_CRL **out)
{
    unsigned char *ca_der = NULL;
    int n, rc;

    if (ca == NULL)
        return crl_read(der, len, NULL, 0, info, out);
    n = i2d_X509(ca, &ca_der);
    if (n <= 0)
        return KEYS_E_CRYPTO;
    rc = crl_read(der, len, ca_der, (size_t)n, info, out);
    OPENSSL_free(ca_der);
    return rc;
}
