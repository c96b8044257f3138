/*
 * sm2.c - the SM2 hierarchy of SPEC §11: an SM2 root and signing certificate
 * (SM2 with SM3, GB/T 32918 / GB/T 32905), SM2 signatures over bytes, and SM3.
 * Every signature made or checked here carries the GM/T 0009 identifier
 * KEYS_SM2_ID, set on the EVP_PKEY_CTX (data) or on the X509 (certificates),
 * because OpenSSL 3.0's default identifier is empty.
 */
#include "keys_int.h"
#include "ossl.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#define SM2_ROOT_CERT "sm2-root.pem"
#define SM2_ROOT_KEY "sm2-root.key"
#define SM2_SIGN_CERT "sm2-sign.pem"
#define SM2_SIGN_KEY "sm2-sign.key"
#define SM2_DAYS_PER_YEAR 365

struct keys_sm2 {
    X509 *root;              /* owned root certificate */
    X509 *signer;            /* owned signing certificate */
    EVP_PKEY *root_key;      /* owned; NULL when loaded without keys */
    EVP_PKEY *sign_key;      /* owned; NULL when loaded without keys */
    unsigned char *root_der; /* owned DER of root */
    int root_der_len;        /* bytes at root_der */
    unsigned char *sign_der; /* owned DER of signer */
    int sign_der_len;        /* bytes at sign_der */
};

void keys_sm2_free(keys_sm2_t *s)
{
    if (s == NULL)
        return;
    X509_free(s->root);
    X509_free(s->signer);
    EVP_PKEY_free(s->root_key);
    EVP_PKEY_free(s->sign_key);
    OPENSSL_free(s->root_der);
    OPENSSL_free(s->sign_der);
    OPENSSL_cleanse(s, sizeof *s);
    free(s);
}

/* Writes "sm2: what" into err, completed with OpenSSL's reason; returns rc. */
static int sm2_fail(int rc, char *err, size_t errlen, const char *what)
{
    jp_errf(err, errlen, "sm2: %s", what);
    return keys_with_ossl(rc, err, errlen);
}

/* Sets KEYS_SM2_ID on a certificate so that X509_verify() uses it. */
static int set_cert_id(X509 *x)
{
    ASN1_OCTET_STRING *id = ASN1_OCTET_STRING_new();

    if (id == NULL ||
        ASN1_OCTET_STRING_set(id, (const unsigned char *)KEYS_SM2_ID, KEYS_SM2_ID_LEN) != 1) {
        ASN1_OCTET_STRING_free(id);
        return 0;
    }
    X509_set0_distinguishing_id(x, id);
    return 1;
}

/*
 * An EVP_MD_CTX ready to sign (or verify) with SM3 and KEYS_SM2_ID. The id is
 * set after the init, on the context the init made (and md owns); OpenSSL
 * 3.0's SM2 computes Z from it at the first update.
 */
static EVP_MD_CTX *sm2_md_ctx(EVP_PKEY *key, int sign)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int ok;

    if (md == NULL)
        return NULL;
    ok = sign ? EVP_DigestSignInit_ex(md, &pctx, "SM3", NULL, NULL, key, NULL)
              : EVP_DigestVerifyInit_ex(md, &pctx, "SM3", NULL, NULL, key, NULL);
    if (ok == 1 && pctx != NULL &&
        EVP_PKEY_CTX_set1_id(pctx, (const unsigned char *)KEYS_SM2_ID, KEYS_SM2_ID_LEN) > 0)
        return md;
    EVP_MD_CTX_free(md);
    return NULL;
}

/*
 * Signs a certificate (x) or a CRL (crl, x NULL) with key: SM2 with SM3 and
 * KEYS_SM2_ID; a certificate then carries the id so that X509_verify() uses
 * it. The one SM2 signing path of both X.509 objects. 1 or 0.
 */
static int sign_x509(X509 *x, X509_CRL *crl, EVP_PKEY *key)
{
    EVP_MD_CTX *md = sm2_md_ctx(key, 1);
    int ok = md != NULL && (x != NULL ? X509_sign_ctx(x, md) : X509_CRL_sign_ctx(crl, md)) > 0;

    EVP_MD_CTX_free(md);
    return ok && (x == NULL || set_cert_id(x));
}

int keys_sm2_sign_cert(X509 *x, EVP_PKEY *issuer_key)
{
    return sign_x509(x, NULL, issuer_key);
}

int keys_sm2_sign_crl(X509_CRL *crl, EVP_PKEY *key)
{
    return sign_x509(NULL, crl, key);
}

static int cache_der(keys_sm2_t *s)
{
    s->root_der_len = i2d_X509(s->root, &s->root_der);
    s->sign_der_len = i2d_X509(s->signer, &s->sign_der);
    return s->root_der_len > 0 && s->sign_der_len > 0;
}

static int validate_opts(const struct keys_create_opts *o, char *err, size_t errlen)
{
    if (o == NULL || o->authority == NULL || o->uscc == NULL || o->authority[0] == '\0' ||
        strlen(o->authority) > KEYS_AUTHORITY_MAX || strlen(o->uscc) != 18)
        return sm2_fail(KEYS_E_INVAL, err, errlen, "authority and an 18-character uscc needed");
    if (o->root_years < 0 || o->root_years > 30 || o->signing_years < 0 || o->signing_years > 10)
        return sm2_fail(KEYS_E_INVAL, err, errlen, "validity out of range");
    return 0;
}

static int generate_in(keys_sm2_t *s, const struct keys_create_opts *o)
{
    int root_years = o->root_years != 0 ? o->root_years : 20;
    int sign_years = o->signing_years != 0 ? o->signing_years : 5;
    X509_NAME *name = NULL;
    int ok = 0;

    s->root_key = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    s->sign_key = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    if (s->root_key == NULL || s->sign_key == NULL)
        return 0;
    name = keys_make_name(o->authority, o->uscc, "SM2根证书");
    if (name == NULL)
        return 0;
    s->root =
        keys_make_cert(s->root_key, name, NULL, s->root_key,
                       (long)root_years * SM2_DAYS_PER_YEAR + root_years / 4, keys_sm2_sign_cert);
    X509_NAME_free(name);
    name = keys_make_name(o->authority, o->uscc, "电子印章签名");
    if (s->root != NULL && name != NULL)
        s->signer = keys_make_cert(s->sign_key, name, s->root, s->root_key,
                                   (long)sign_years * SM2_DAYS_PER_YEAR + sign_years / 4,
                                   keys_sm2_sign_cert);
    X509_NAME_free(name);
    if (s->signer != NULL)
        ok = cache_der(s);
    return ok;
}

int keys_sm2_generate(const struct keys_create_opts *opts, keys_sm2_t **out, char *err,
                      size_t errlen)
{
    keys_sm2_t *s = NULL;
    int rc;

    *out = NULL;
    rc = validate_opts(opts, err, errlen);
    if (rc != 0)
        return rc;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return sm2_fail(ENOMEM, err, errlen, "out of memory");
    if (!generate_in(s, opts)) {
        keys_sm2_free(s);
        return sm2_fail(KEYS_E_CRYPTO, err, errlen, "cannot make the hierarchy");
    }
    *out = s;
    return 0;
}

/* The four file names in save order; paths[i] gets dir/name. */
static const char *const sm2_files[4] = {SM2_ROOT_CERT, SM2_ROOT_KEY, SM2_SIGN_CERT, SM2_SIGN_KEY};

static int save_one(const keys_sm2_t *s, int i, const char *path, const unsigned char *pass,
                    size_t passlen, char *err, size_t errlen)
{
    switch (i) {
    case 0:
        return keys_write_cert(path, s->root, err, errlen);
    case 1:
        return keys_write_key(path, s->root_key, pass, passlen, err, errlen);
    case 2:
        return keys_write_cert(path, s->signer, err, errlen);
    default:
        return keys_write_key(path, s->sign_key, pass, passlen, err, errlen);
    }
}

int keys_sm2_save(const keys_sm2_t *s, const char *dir, const unsigned char *passphrase,
                  size_t passphrase_len, char *err, size_t errlen)
{
    char paths[4][PATH_MAX];
    int i, made = 0, rc = 0;

    if (s->root_key == NULL || s->sign_key == NULL)
        return sm2_fail(KEYS_E_NO_PRIVATE_KEY, err, errlen, "no private keys to save");
    for (i = 0; i < 4 && rc == 0; i++) {
        rc = jp_path_join(paths[i], sizeof paths[i], dir, sm2_files[i]);
        if (rc != 0)
            sm2_fail(rc, err, errlen, "path too long");
    }
    for (i = 0; i < 4 && rc == 0; i++) {
        rc = save_one(s, i, paths[i], passphrase, passphrase_len, err, errlen);
        if (rc == 0)
            made++;
    }
    if (rc != 0)
        for (i = 0; i < made; i++)
            unlink(paths[i]);
    return rc;
}

static int load_files(keys_sm2_t *s, const char *dir, int with_keys, const unsigned char *pass,
                      size_t passlen, char *err, size_t errlen)
{
    char path[PATH_MAX], certf[KEYS_SM2_FILE_MAX], keyf[KEYS_SM2_FILE_MAX];
    int encrypted = pass != NULL;
    int rc;

    rc = keys_sm2_active_files(dir, certf, keyf, err, errlen);
    if (rc == 0)
        rc = jp_path_join(path, sizeof path, dir, SM2_ROOT_CERT);
    if (rc == 0)
        rc = keys_read_cert(path, &s->root, err, errlen);
    if (rc == 0)
        rc = jp_path_join(path, sizeof path, dir, certf);
    if (rc == 0)
        rc = keys_read_cert(path, &s->signer, err, errlen);
    if (rc != 0 || !with_keys)
        return rc;
    rc = jp_path_join(path, sizeof path, dir, SM2_ROOT_KEY);
    if (rc == 0)
        rc = keys_read_key(path, encrypted, pass, passlen, &s->root_key, err, errlen);
    if (rc == 0)
        rc = jp_path_join(path, sizeof path, dir, keyf);
    if (rc == 0)
        rc = keys_read_key(path, encrypted, pass, passlen, &s->sign_key, err, errlen);
    return rc;
}

/* An unencrypted key given a passphrase, or the reverse, shows up in keys_read_key. */
int keys_sm2_load(const char *dir, int with_keys, const unsigned char *passphrase,
                  size_t passphrase_len, keys_sm2_t **out, char *err, size_t errlen)
{
    keys_sm2_t *s = calloc(1, sizeof *s);
    int rc;

    *out = NULL;
    if (s == NULL)
        return sm2_fail(ENOMEM, err, errlen, "out of memory");
    rc = load_files(s, dir, with_keys, passphrase, passphrase_len, err, errlen);
    if (rc == 0 && (!set_cert_id(s->root) || !set_cert_id(s->signer) || !cache_der(s)))
        rc = sm2_fail(KEYS_E_CRYPTO, err, errlen, "cannot prepare the certificates");
    if (rc == 0 &&
        keys_sm2_cert_issued_by((const unsigned char *)s->sign_der, (size_t)s->sign_der_len,
                                s->root_der, (size_t)s->root_der_len) != 1)
        rc = sm2_fail(KEYS_E_STATE, err, errlen, "the SM2 signer is not issued by " SM2_ROOT_CERT);
    if (rc != 0) {
        keys_sm2_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

int keys_sm2_cert_der(const keys_sm2_t *s, enum keys_sm2_which which, const unsigned char **der,
                      size_t *len)
{
    int n = which == KEYS_SM2_ROOT ? s->root_der_len : s->sign_der_len;

    *der = which == KEYS_SM2_ROOT ? s->root_der : s->sign_der;
    *len = n > 0 ? (size_t)n : 0;
    return n > 0 ? 0 : KEYS_E_CRYPTO;
}

int keys_sm2_sign(const keys_sm2_t *s, enum keys_sm2_which which, const unsigned char *data,
                  size_t len, unsigned char sig[KEYS_SM2_SIG_MAX], size_t *siglen, char *err,
                  size_t errlen)
{
    EVP_PKEY *key = which == KEYS_SM2_ROOT ? s->root_key : s->sign_key;
    EVP_MD_CTX *md = NULL;
    size_t n = KEYS_SM2_SIG_MAX;
    int rc = 0;

    *siglen = 0;
    if (key == NULL)
        return sm2_fail(KEYS_E_NO_PRIVATE_KEY, err, errlen, "private key not loaded");
    md = sm2_md_ctx(key, 1);
    if (md == NULL || EVP_DigestSign(md, sig, &n, data, len) != 1)
        rc = sm2_fail(KEYS_E_CRYPTO, err, errlen, "cannot sign");
    else
        *siglen = n;
    EVP_MD_CTX_free(md);
    return rc;
}

static X509 *cert_from_der(const unsigned char *der, size_t len)
{
    return jp_der_decode(ASN1_ITEM_rptr(X509), der, len, KEYS_SM2_CERT_MAX);
}

static int is_sm2_key(EVP_PKEY *key)
{
    char group[32];
    size_t n = 0;

    if (key == NULL || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
        return EVP_PKEY_is_a(key, "SM2");
    return EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                          &n) == 1 &&
           strcmp(group, "SM2") == 0;
}

int keys_sm2_verify(const unsigned char *cert_der, size_t cert_len, const unsigned char *data,
                    size_t len, const unsigned char *sig, size_t siglen)
{
    X509 *x = cert_from_der(cert_der, cert_len);
    EVP_PKEY *pub;
    EVP_MD_CTX *md = NULL;
    int rc = 0;

    if (x == NULL) {
        ERR_clear_error();
        return -1;
    }
    pub = X509_get0_pubkey(x);
    if (is_sm2_key(pub))
        md = sm2_md_ctx(pub, 0);
    if (md != NULL && EVP_DigestVerify(md, sig, siglen, data, len) == 1)
        rc = 1;
    EVP_MD_CTX_free(md);
    X509_free(x);
    ERR_clear_error();
    return rc;
}

int keys_sm2_cert_issued_by(const unsigned char *cert_der, size_t cert_len,
                            const unsigned char *issuer_der, size_t issuer_len)
{
    X509 *x = cert_from_der(cert_der, cert_len);
    X509 *issuer = cert_from_der(issuer_der, issuer_len);
    EVP_PKEY *pub;
    int rc = -1;

    if (x == NULL || issuer == NULL || !set_cert_id(x))
        goto out;
    rc = 0;
    pub = X509_get0_pubkey(issuer);
    if (is_sm2_key(pub) &&
        X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(issuer)) == 0 &&
        X509_verify(x, pub) == 1)
        rc = 1;
out:
    X509_free(x);
    X509_free(issuer);
    ERR_clear_error();
    return rc;
}

int keys_sm2_pub_hex(const unsigned char *cert_der, size_t cert_len, char out[KEYS_SM2_PUB_HEX_LEN])
{
    X509 *x = cert_from_der(cert_der, cert_len);
    unsigned char pt[65];
    size_t n = 0;
    int rc = KEYS_E_CRYPTO;

    out[0] = '\0';
    if (x != NULL && is_sm2_key(X509_get0_pubkey(x)) &&
        EVP_PKEY_get_octet_string_param(X509_get0_pubkey(x), OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt,
                                        &n) == 1 &&
        n == sizeof pt && pt[0] == 0x04) {
        jp_hex_encode(pt, n, out);
        rc = 0;
    }
    X509_free(x);
    ERR_clear_error();
    return rc;
}

int keys_sm3(const unsigned char *data, size_t len, unsigned char out[32])
{
    return jp_sm3(data, len, out) == 0 ? 0 : KEYS_E_CRYPTO;
}
