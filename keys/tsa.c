/*
 * tsa.c - the province's own RFC 3161 time-stamp authority on OpenSSL's TS
 * API (SPEC §13): its key and certificate (tsa.key, tsa.pem in the key
 * directory, issued by the provincial root with extendedKeyUsage critical
 * timeStamping) and the answer to one time-stamp query. HTTP is the caller's.
 */
#include "keys_int.h"

#include <errno.h>
#include <stdlib.h>
#include <limits.h>
#include <unistd.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include "util.h"

#define TSA_CERT "tsa.pem"
#define TSA_KEY "tsa.key"
#define TSA_REF "tsa.ref"       /* a token home: the PKCS#11 URI of the TSA key */
#define TSA_DAYS (10 * 365 + 2) /* validity of the TSA certificate (the root's end caps it) */

struct keys_tsa {
    X509 *cert;       /* owned TSA certificate */
    EVP_PKEY *key;    /* owned TSA private key */
    X509 *root;       /* owned provincial root, sent with each token */
    TS_RESP_CTX *ctx; /* owned; one query at a time */
};

/*
 * keys_make_cert() adds the signing certificate's extensions; a TSA
 * certificate also needs extendedKeyUsage critical timeStamping (RFC 3161
 * §2.3), added here just before the root signs it.
 */
static int sign_tsa_cert(X509 *x, EVP_PKEY *issuer_key)
{
    X509_EXTENSION *ext =
        X509V3_EXT_conf_nid(NULL, NULL, NID_ext_key_usage, "critical,timeStamping");
    int ok = ext != NULL && X509_add_ext(x, ext, -1) == 1;

    X509_EXTENSION_free(ext);
    return ok && X509_sign(x, issuer_key, EVP_sha256()) > 0;
}

static int tsa_path(const keys_t *k, const char *name, char out[PATH_MAX], char *err, size_t errlen)
{
    int rc = jp_path_join(out, PATH_MAX, k->dir, name);

    if (rc != 0)
        jp_errf(err, errlen, "%s: path too long", k->dir);
    return rc;
}

/*
 * Writes the key's file (tsa.key) or, for a key made in a token, its
 * PKCS#11 URI (not a secret) to tsa.ref; then tsa.pem.
 */
static int write_tsa(const keys_t *k, EVP_PKEY *key, const char *ref, X509 *x,
                     const unsigned char *passphrase, size_t passphrase_len, char *err,
                     size_t errlen)
{
    char kpath[PATH_MAX], cpath[PATH_MAX];
    int rc = tsa_path(k, ref[0] != '\0' ? TSA_REF : TSA_KEY, kpath, err, errlen);

    if (rc == 0)
        rc = tsa_path(k, TSA_CERT, cpath, err, errlen);
    if (rc == 0 && ref[0] != '\0')
        rc = jp_write_file_excl(kpath, ref, strlen(ref), 0644);
    else if (rc == 0)
        rc = keys_write_key(kpath, key, passphrase, passphrase_len, err, errlen);
    if (rc != 0 && err[0] == '\0')
        jp_errf(err, errlen, "cannot write %s: %s", kpath, strerror(rc));
    if (rc == 0) {
        rc = keys_write_cert(cpath, x, err, errlen);
        if (rc != 0)
            (void)unlink(kpath);
    }
    return rc;
}

int keys_tsa_create(keys_t *k, const unsigned char *passphrase, size_t passphrase_len, char *err,
                    size_t errlen)
{
    static const struct keys_cert_spec spec = {"tsa", "时间戳服务", TSA_DAYS, sign_tsa_cert, "tsa"};
    char ref[KEYS_REF_MAX] = "";
    EVP_PKEY *key = NULL;
    X509 *x = NULL;
    int rc;

    if (k->root_key == NULL) {
        jp_errf(err, errlen, "tsa certificate: needs the root key");
        return KEYS_E_NO_ROOT_KEY;
    }
    /* A file home makes the key in memory (ref stays ""), a token home in the token. */
    rc = keys_make_issued(k, &spec, &x, &key, ref, err, errlen);
    if (rc != 0)
        return rc;
    rc = write_tsa(k, key, ref, x, passphrase, passphrase_len, err, errlen);
    if (rc != 0)
        keys_key_discard(k, ref);
    X509_free(x);
    EVP_PKEY_free(key);
    return rc;
}

void keys_tsa_free(keys_tsa_t *t)
{
    if (t == NULL)
        return;
    TS_RESP_CTX_free(t->ctx);
    X509_free(t->cert);
    X509_free(t->root);
    EVP_PKEY_free(t->key);
    OPENSSL_free(t);
}

/* A positive random 128-bit serial for each token. */
static ASN1_INTEGER *serial_cb(TS_RESP_CTX *ctx, void *data)
{
    unsigned char raw[16];
    ASN1_INTEGER *serial = NULL;
    BIGNUM *bn = NULL;

    (void)data;
    if (RAND_bytes(raw, sizeof raw) == 1) {
        raw[0] &= 0x7f;
        bn = BN_bin2bn(raw, sizeof raw, NULL);
        serial = bn != NULL ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
    }
    BN_free(bn);
    if (serial == NULL)
        TS_RESP_CTX_set_status_info(ctx, TS_STATUS_REJECTION, "cannot make a serial number");
    return serial;
}

static int make_ctx(keys_tsa_t *t)
{
    ASN1_OBJECT *policy = OBJ_txt2obj(KEYS_TSA_POLICY, 1);
    int ok;

    /* The token carries the TSA's certificate (certReq) but not the root: the
     * PDF's signature and its DSS hold the root already. */
    t->ctx = TS_RESP_CTX_new();
    ok = t->ctx != NULL && policy != NULL && TS_RESP_CTX_set_signer_cert(t->ctx, t->cert) == 1 &&
         TS_RESP_CTX_set_signer_key(t->ctx, t->key) == 1 &&
         TS_RESP_CTX_set_signer_digest(t->ctx, EVP_sha256()) == 1 &&
         TS_RESP_CTX_set_def_policy(t->ctx, policy) == 1 &&
         TS_RESP_CTX_add_md(t->ctx, EVP_sha256()) == 1 &&
         TS_RESP_CTX_add_md(t->ctx, EVP_sha384()) == 1 &&
         TS_RESP_CTX_add_md(t->ctx, EVP_sha512()) == 1 &&
         TS_RESP_CTX_set_accuracy(t->ctx, 1, 0, 0) == 1 &&
         TS_RESP_CTX_set_clock_precision_digits(t->ctx, 0) == 1;
    if (ok) {
        TS_RESP_CTX_set_serial_cb(t->ctx, serial_cb, NULL);
    }
    ASN1_OBJECT_free(policy);
    return ok ? 0 : KEYS_E_CRYPTO;
}

/* The TSA's private key: tsa.key, or in a token home the key tsa.ref names (PIN: pass). */
static int load_tsa_key(keys_t *k, const unsigned char *pass, size_t passlen, EVP_PKEY **key,
                        char *err, size_t errlen)
{
    char path[PATH_MAX], *ref = NULL;
    size_t n = 0;
    int rc;

    if (!keys_in_token(k))
        return keys_key_load(k, TSA_KEY, pass, passlen, key, err, errlen);
    if (passlen > KEYS_PASSPHRASE_MAX)
        return KEYS_E_INVAL;
    if (pass != NULL)
        memcpy(k->pin, pass, passlen);
    k->pinlen = passlen;
    rc = keys_p11_login(k, err, errlen);
    if (rc == 0)
        rc = tsa_path(k, TSA_REF, path, err, errlen);
    if (rc == 0) {
        rc = jp_read_file(path, KEYS_REF_MAX - 1, (unsigned char **)&ref, &n);
        if (rc != 0)
            jp_errf(err, errlen,
                    "cannot read %s: %s (a token home made before the TSA key "
                    "lived in the token has none)",
                    path, strerror(rc));
    }
    if (rc == 0 && (n == 0 || memchr(ref, '\0', n) != NULL || strncmp(ref, "pkcs11:", 7) != 0)) {
        jp_errf(err, errlen, "%s: not a pkcs11 URI", path);
        rc = KEYS_E_STATE;
    }
    if (rc == 0) {
        char uri[KEYS_REF_MAX];
        memcpy(uri, ref, n);
        uri[n] = '\0';
        rc = keys_key_load(k, uri, pass, passlen, key, err, errlen);
    }
    free(ref);
    return rc;
}

int keys_tsa_open(keys_t *k, const unsigned char *passphrase, size_t passphrase_len,
                  keys_tsa_t **out, char *err, size_t errlen)
{
    char cpath[PATH_MAX];
    keys_tsa_t *t;
    int rc;

    *out = NULL;
    t = OPENSSL_zalloc(sizeof *t);
    if (t == NULL)
        return ENOMEM;
    rc = tsa_path(k, TSA_CERT, cpath, err, errlen);
    if (rc == 0)
        rc = keys_read_cert(cpath, &t->cert, err, errlen);
    if (rc == 0)
        rc = load_tsa_key(k, passphrase, passphrase_len, &t->key, err, errlen);
    if (rc == 0 && X509_up_ref(k->root) == 1)
        t->root = k->root;
    else if (rc == 0)
        rc = KEYS_E_CRYPTO;
    if (rc == 0 && X509_check_private_key(t->cert, t->key) != 1) {
        jp_errf(err, errlen, "the TSA key does not match %s", cpath);
        rc = KEYS_E_STATE;
    }
    if (rc == 0) {
        rc = make_ctx(t);
        if (rc != 0)
            jp_errf(err, errlen, "tsa: cannot set up the response context");
    }
    if (rc != 0) {
        keys_with_ossl(rc, err, errlen);
        keys_tsa_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

int keys_tsa_respond(keys_tsa_t *t, const unsigned char *query, size_t len, unsigned char **resp,
                     size_t *resplen)
{
    BIO *in = NULL;
    TS_RESP *r = NULL;
    unsigned char *der = NULL;
    int n = 0;

    *resp = NULL;
    *resplen = 0;
    if (len == 0 || len > KEYS_TSA_QUERY_MAX)
        return KEYS_E_INVAL;
    in = BIO_new_mem_buf(query, (int)len);
    r = in != NULL ? TS_RESP_create_response(t->ctx, in) : NULL;
    if (r != NULL)
        n = i2d_TS_RESP(r, &der);
    TS_RESP_free(r);
    BIO_free(in);
    ERR_clear_error();
    if (n <= 0)
        return KEYS_E_CRYPTO;
    *resp = der;
    *resplen = (size_t)n;
    return 0;
}
