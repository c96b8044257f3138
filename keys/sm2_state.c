/*
 * sm2_state.c - the SM2 signing keys in the state file (SPEC §11, §13): keys.json's
 * optional "sm2" member lists every SM2 signing certificate the SM2 root
 * issued with its state, as "keys" does for the ECDSA ones. keys rotate makes
 * a new one (sm2-sign-<kid>.pem/.key; the first, from init, keeps the names
 * sm2-sign.pem/.key), keys revoke revokes one, and the SM2 root signs its CRL
 * (sm2-root.crl) over the revoked ones. A keys.json without "sm2" is a home
 * from before: its one sm2-sign.pem, when there is one, is the active key.
 */
#include "keys_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "ossl.h"
#include "util.h"

#define SM2_ROOT_CERT "sm2-root.pem"
#define SM2_ROOT_KEY "sm2-root.key"
#define SM2_FIRST_CERT "sm2-sign.pem"
#define SM2_FIRST_KEY "sm2-sign.key"
#define SM2_DAYS_PER_YEAR 365

/* 1 when name is a plain file name of the SM2 keys: no '/', starts with "sm2-sign". */
static int sm2_name_ok(const char *name, const char *suffix)
{
    size_t n = strlen(name), m = strlen(suffix);

    return n > m && n < KEYS_SM2_FILE_MAX && strncmp(name, "sm2-sign", 8) == 0 &&
           strchr(name, '/') == NULL && strcmp(name + n - m, suffix) == 0;
}

/* 1 when the PEM key file at path is encrypted. */
static int pem_encrypted(const char *path)
{
    unsigned char *pem = NULL;
    size_t len = 0;
    int enc = 0;

    if (jp_read_file(path, KEYS_PEM_MAX, &pem, &len) == 0)
        enc = len > 31 && memcmp(pem, "-----BEGIN ENCRYPTED PRIVATE KEY", 32) == 0;
    jp_free_secret(pem, len);
    return enc;
}

static int der_of(X509 *x, unsigned char **der, size_t *len)
{
    int n = i2d_X509(x, der);

    *len = n > 0 ? (size_t)n : 0;
    return n > 0 ? 0 : KEYS_E_CRYPTO;
}

/* keys_issued_fn of the SM2 hierarchy: SM2 with SM3 and the GM/T 0009 identifier. */
static int sm2_issued(X509 *cert, X509 *issuer)
{
    unsigned char *der = NULL, *rder = NULL;
    size_t len = 0, rlen = 0;
    int ok = der_of(cert, &der, &len) == 0 && der_of(issuer, &rder, &rlen) == 0 &&
             keys_sm2_cert_issued_by(der, len, rder, rlen) == 1;

    OPENSSL_free(der);
    OPENSSL_free(rder);
    return ok;
}

static int load_cert(keys_t *k, struct keys_entry *e, char *err, size_t errlen)
{
    return keys_entry_load_cert(k, e, k->sm2_root, sm2_issued, SM2_ROOT_CERT, err, errlen);
}

static int load_entry(keys_t *k, json_t *j, char *err, size_t errlen)
{
    struct keys_entry *e = &k->sm2[k->sm2_n];

    if (keys_entry_parse(j, e) != 0 || !sm2_name_ok(e->cert_file, ".pem") ||
        !sm2_name_ok(e->key_ref, ".key")) {
        jp_errf(err, errlen, "%s: malformed sm2 key entry", KEYS_STATE_FILE);
        return KEYS_E_STATE;
    }
    k->sm2_n++; /* owns e->cert from here on */
    return load_cert(k, e, err, errlen);
}

/* A home from before the SM2 state: sm2-sign.pem is its one key, active. */
static int load_first(keys_t *k, char *err, size_t errlen)
{
    struct keys_entry *e = &k->sm2[0];
    int rc;

    memset(e, 0, sizeof *e);
    strcpy(e->cert_file, SM2_FIRST_CERT);
    strcpy(e->key_ref, SM2_FIRST_KEY);
    e->state = KEYS_ACTIVE;
    k->sm2_n = 1;
    rc = load_cert(k, e, err, errlen); /* no kid yet: the certificate's */
    if (rc == 0 && keys_time_iso(X509_get0_notBefore(e->cert), e->created) != 0)
        e->created[0] = '\0'; /* made with the certificate */
    return rc;
}

static int load_root_key(keys_t *k, const unsigned char *pass, size_t passlen, char *err,
                         size_t errlen)
{
    char path[PATH_MAX];
    int rc = jp_path_join(path, sizeof path, k->dir, SM2_ROOT_KEY);

    if (rc == 0)
        rc = keys_read_key(path, pem_encrypted(path), pass, passlen, &k->sm2_root_key, err,
                           errlen);
    if (rc == 0 && X509_check_private_key(k->sm2_root, k->sm2_root_key) != 1) {
        jp_errf(err, errlen, "%s: does not match " SM2_ROOT_CERT, path);
        rc = keys_with_ossl(KEYS_E_STATE, err, errlen);
    }
    return rc;
}

int keys_sm2_state_load(keys_t *k, struct json_t *doc, const unsigned char *pass, size_t passlen,
                        char *err, size_t errlen)
{
    json_t *sm2 = json_object_get(doc, "sm2"), *keys = json_object_get(sm2, "keys");
    char path[PATH_MAX];
    size_t i;
    int rc = jp_path_join(path, sizeof path, k->dir, SM2_ROOT_CERT);

    if (rc != 0 || (access(path, F_OK) != 0 && errno == ENOENT && sm2 == NULL))
        return rc; /* no SM2 hierarchy */
    rc = keys_read_cert(path, &k->sm2_root, err, errlen);
    if (rc != 0)
        return rc;
    if (sm2 != NULL && (!json_is_array(keys) || json_array_size(keys) == 0 ||
                        json_array_size(keys) > KEYS_MAX_SIGNING)) {
        jp_errf(err, errlen, "%s: sm2 keys missing or too many", KEYS_STATE_FILE);
        return KEYS_E_STATE;
    }
    if (sm2 == NULL)
        rc = load_first(k, err, errlen);
    for (i = 0; sm2 != NULL && rc == 0 && i < json_array_size(keys); i++)
        rc = load_entry(k, json_array_get(keys, i), err, errlen);
    if (rc == 0 && !keys_entries_one_active(k->sm2, k->sm2_n)) {
        jp_errf(err, errlen, "%s: more than one active sm2 key", KEYS_STATE_FILE);
        rc = KEYS_E_STATE;
    }
    if (rc == 0 && (k->flags & KEYS_WITH_ROOT))
        rc = load_root_key(k, pass, passlen, err, errlen);
    return rc;
}

struct json_t *keys_sm2_state_json(const keys_t *k)
{
    json_t *arr;

    if (k->sm2_n == 0)
        return NULL;
    arr = json_array();
    for (size_t i = 0; arr != NULL && i < k->sm2_n; i++) {
        if (json_array_append_new(arr, keys_entry_json(&k->sm2[i])) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    return arr != NULL ? json_pack("{s:o}", "keys", arr) : NULL;
}

void keys_sm2_state_free(keys_t *k)
{
    for (size_t i = 0; i < k->sm2_n; i++)
        X509_free(k->sm2[i].cert);
    k->sm2_n = 0;
    X509_free(k->sm2_root);
    EVP_PKEY_free(k->sm2_root_key);
    k->sm2_root = NULL;
    k->sm2_root_key = NULL;
}

int keys_sm2_active_files(const char *dir, char cert[KEYS_SM2_FILE_MAX],
                          char key[KEYS_SM2_FILE_MAX], char *err, size_t errlen)
{
    char path[PATH_MAX];
    unsigned char *text = NULL;
    size_t len = 0, i;
    json_t *doc = NULL, *keys;
    int rc = 0, found = 0;

    strcpy(cert, SM2_FIRST_CERT);
    strcpy(key, SM2_FIRST_KEY);
    if (jp_path_join(path, sizeof path, dir, KEYS_STATE_FILE) != 0 ||
        jp_read_file(path, KEYS_STATE_MAX, &text, &len) != 0)
        return 0; /* no state file: the files of keys_sm2_save */
    doc = json_loadb((const char *)text, len, 0, NULL);
    free(text);
    keys = json_object_get(json_object_get(doc, "sm2"), "keys");
    for (i = 0; keys != NULL && i < json_array_size(keys) && !found; i++) {
        const char *c = NULL, *kf = NULL, *st = NULL;

        if (json_unpack(json_array_get(keys, i), "{s:s, s:s, s:s}", "certificate", &c, "key", &kf,
                        "state", &st) == 0 &&
            strcmp(st, "active") == 0 && sm2_name_ok(c, ".pem") && sm2_name_ok(kf, ".key")) {
            strcpy(cert, c);
            strcpy(key, kf);
            found = 1;
        }
    }
    if (keys != NULL && !found) {
        jp_errf(err, errlen, "sm2: no active SM2 signing key (keys rotate makes one)");
        rc = KEYS_E_NO_ACTIVE_KEY;
    }
    json_decref(doc);
    return rc;
}

/* --- rotate ------------------------------------------------------------------ */

static int write_new(keys_t *k, X509 *cert, EVP_PKEY *key, const char *kid,
                     const unsigned char *pass, size_t passlen, struct keys_sm2_undo *u,
                     char *err, size_t errlen)
{
    struct keys_entry *e = &k->sm2[k->sm2_n];
    char rootkey[PATH_MAX];
    int enc, rc;

    memset(e, 0, sizeof *e);
    if (jp_strf(e->cert_file, sizeof e->cert_file, "sm2-sign-%s.pem", kid) != 0 ||
        jp_strf(e->key_ref, sizeof e->key_ref, "sm2-sign-%s.key", kid) != 0 ||
        jp_path_join(rootkey, sizeof rootkey, k->dir, SM2_ROOT_KEY) != 0 ||
        jp_path_join(u->path[0], sizeof u->path[0], k->dir, e->key_ref) != 0 ||
        jp_path_join(u->path[1], sizeof u->path[1], k->dir, e->cert_file) != 0) {
        jp_errf(err, errlen, "rotate: sm2: path too long");
        return ENAMETOOLONG;
    }
    enc = pem_encrypted(rootkey);
    rc = keys_write_key(u->path[0], key, enc ? pass : NULL, enc ? passlen : 0, err, errlen);
    if (rc == 0)
        u->made = 1;
    if (rc == 0)
        rc = keys_write_cert(u->path[1], cert, err, errlen);
    if (rc == 0)
        u->made = 2;
    return rc;
}

int keys_sm2_rotate(keys_t *k, const unsigned char *pass, size_t passlen, struct keys_sm2_undo *u,
                    char *err, size_t errlen)
{
    int years = k->signing_years > 0 ? k->signing_years : 5;
    EVP_PKEY *key = NULL;
    X509_NAME *name = NULL;
    X509 *cert = NULL;
    unsigned char md[32];
    char kid[17];
    int rc = KEYS_E_CRYPTO;

    memset(u, 0, sizeof *u);
    u->old = k->sm2_n;
    if (k->sm2_root == NULL)
        return 0; /* a home without the SM2 hierarchy */
    if (k->sm2_root_key == NULL) {
        jp_errf(err, errlen, "rotate: sm2: open the keys with the root key");
        return KEYS_E_NO_ROOT_KEY;
    }
    if (k->sm2_n >= KEYS_MAX_SIGNING) {
        jp_errf(err, errlen, "rotate: %d SM2 signing keys already", KEYS_MAX_SIGNING);
        return KEYS_E_TOO_MANY;
    }
    key = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    name = keys_make_name(k->authority, k->uscc, "电子印章签名");
    if (key != NULL && name != NULL)
        cert = keys_make_cert(key, name, k->sm2_root, k->sm2_root_key,
                              (long)years * SM2_DAYS_PER_YEAR + years / 4, keys_sm2_sign_cert);
    X509_NAME_free(name);
    if (cert != NULL && keys_cert_sha256(cert, md) == 0) {
        jp_hex_encode(md, KEYS_KID_LEN, kid);
        rc = write_new(k, cert, key, kid, pass, passlen, u, err, errlen);
    } else {
        jp_errf(err, errlen, "rotate: sm2: cannot make the signing certificate");
        keys_with_ossl(rc, err, errlen);
    }
    EVP_PKEY_free(key);
    if (rc != 0) {
        X509_free(cert);
        keys_sm2_rotate_undo(k, u);
        return rc;
    }
    u->old = keys_entries_retire(k->sm2, k->sm2_n);
    memcpy(k->sm2[k->sm2_n].kid, md, KEYS_KID_LEN);
    memcpy(k->sm2[k->sm2_n].kid_hex, kid, sizeof kid);
    k->sm2[k->sm2_n].state = KEYS_ACTIVE;
    keys_now_iso(k->sm2[k->sm2_n].created);
    k->sm2[k->sm2_n].cert = cert;
    k->sm2_n++;
    u->added = 1;
    return 0;
}

void keys_sm2_rotate_undo(keys_t *k, struct keys_sm2_undo *u)
{
    while (u->made > 0)
        unlink(u->path[--u->made]);
    if (u->added) {
        k->sm2_n--;
        X509_free(k->sm2[k->sm2_n].cert);
        k->sm2[k->sm2_n].cert = NULL;
        u->added = 0;
        keys_entries_unretire(k->sm2, k->sm2_n, u->old);
    }
}

/* --- public: the SM2 keys of a handle, and the SM2 root's CRL ------------------ */

int keys_has_sm2(const keys_t *k)
{
    return k != NULL && k->sm2_root != NULL && k->sm2_n > 0;
}

int keys_sm2_active_kid(const keys_t *k, char kid_hex[17])
{
    size_t i = keys_entries_active(k->sm2, k->sm2_n);

    kid_hex[0] = '\0';
    if (i == k->sm2_n)
        return KEYS_E_NO_ACTIVE_KEY;
    memcpy(kid_hex, k->sm2[i].kid_hex, 17);
    return 0;
}

size_t keys_sm2_count(const keys_t *k)
{
    return k->sm2_n;
}

int keys_sm2_entry_info(const keys_t *k, size_t i, struct keys_info *o)
{
    const struct keys_entry *e;

    if (i >= k->sm2_n)
        return KEYS_E_INVAL;
    e = &k->sm2[i];
    keys_info_set(o, e->kid_hex, e->cert, e->state, e->created, e->changed);
    return 0;
}

int keys_sm2_crl_der(const keys_t *k, int days, unsigned char **der, size_t *len, char *err,
                     size_t errlen)
{
    return keys_crl_issue(k->sm2_root, k->sm2_root_key, keys_sm2_sign_crl, k->sm2, k->sm2_n, days,
                          der, len, err, errlen);
}

int keys_sm2_crl_export(const keys_t *k, int days, const char *out_path, char *err, size_t errlen)
{
    unsigned char *der = NULL;
    size_t len = 0;
    int rc = keys_sm2_crl_der(k, days, &der, &len, err, errlen);

    return rc == 0 ? keys_crl_write(out_path, der, len, err, errlen) : rc;
}

int keys_sm2_crl_verify(const unsigned char *der, size_t len, const unsigned char *root_der,
                        size_t root_len)
{
    const ASN1_BIT_STRING *sig = NULL;
    X509_CRL *crl = jp_der_decode(ASN1_ITEM_rptr(X509_CRL), der, len, KEYS_CRL_MAX);
    unsigned char *tbs = NULL;
    int n, rc = -1;

    if (crl != NULL) {
        X509_CRL_get0_signature(crl, &sig, NULL);
        n = i2d_re_X509_CRL_tbs(crl, &tbs);
        rc = sig != NULL && n > 0
                 ? keys_sm2_verify(root_der, root_len, tbs, (size_t)n,
                                   ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig))
                 : -1;
    }
    OPENSSL_free(tbs);
    X509_CRL_free(crl);
    ERR_clear_error();
    return rc;
}
