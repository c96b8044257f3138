/*
 * keys.c - an opened key directory: reading and writing the state file
 * keys.json, loading certificates and (when asked) private keys, listing and
 * revoking signing keys. The state file is the single source of truth for
 * which key is active; it is replaced atomically, so a crash leaves the old or
 * the new state.
 */
#include "keys_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "util.h"

/* Hands the caller's passphrase to OpenSSL's PEM reader. */
struct pass {
    const unsigned char *p; /* bytes, not NUL-terminated; NULL for none */
    size_t len;             /* bytes in p */
};

static int pass_cb(char *buf, int size, int rwflag, void *u)
{
    const struct pass *pw = u;

    (void)rwflag;
    if (pw == NULL || pw->p == NULL || size <= 0 || pw->len > (size_t)size)
        return -1;
    memcpy(buf, pw->p, pw->len);
    return (int)pw->len;
}

int keys_read_key(const char *path, int encrypted, const unsigned char *pass, size_t passlen,
                  EVP_PKEY **key, char *err, size_t errlen)
{
    struct pass pw = {.p = encrypted ? pass : NULL, .len = encrypted ? passlen : 0};
    BIO *bio = NULL;
    int rc = 0;

    *key = NULL;
    if (encrypted && pass == NULL) {
        jp_errf(err, errlen, "%s: passphrase needed", path);
        return keys_with_ossl(KEYS_E_PASSPHRASE_NEEDED, err, errlen);
    }
    bio = BIO_new_file(path, "r");
    if (bio == NULL) {
        jp_errf(err, errlen, "%s: cannot open private key", path);
        return keys_with_ossl(KEYS_E_STATE, err, errlen);
    }
    *key = PEM_read_bio_PrivateKey(bio, NULL, pass_cb, &pw);
    if (*key == NULL && encrypted) {
        jp_errf(err, errlen, "%s: wrong passphrase or corrupt key", path);
        rc = keys_with_ossl(KEYS_E_BAD_PASSPHRASE, err, errlen);
    } else if (*key == NULL) {
        jp_errf(err, errlen, "%s: cannot read private key", path);
        rc = keys_with_ossl(KEYS_E_STATE, err, errlen);
    }
    BIO_free(bio);
    return rc;
}

int keys_read_cert(const char *path, X509 **cert, char *err, size_t errlen)
{
    BIO *bio = BIO_new_file(path, "r");
    int rc = 0;

    *cert = NULL;
    if (bio == NULL) {
        jp_errf(err, errlen, "%s: cannot open certificate", path);
        return keys_with_ossl(KEYS_E_STATE, err, errlen);
    }
    *cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    if (*cert == NULL) {
        jp_errf(err, errlen, "%s: cannot read certificate", path);
        rc = keys_with_ossl(KEYS_E_STATE, err, errlen);
    }
    BIO_free(bio);
    return rc;
}

void keys_close(keys_t *k)
{
    size_t i;

    if (k == NULL)
        return;
    for (i = 0; i < k->n; i++)
        X509_free(k->e[i].cert);
    keys_sm2_state_free(k);
    X509_free(k->root);
    EVP_PKEY_free(k->root_key);
    EVP_PKEY_free(k->sign_key);
    keys_tsa_client_free(k);
    keys_p11_release(k);
    OPENSSL_cleanse(k, sizeof *k);
    free(k);
}

int keys_can_sign(const keys_t *k)
{
    return k != NULL && k->sign_key != NULL;
}

/* --- state file ------------------------------------------------------------ */

static json_t *state_json(const keys_t *k)
{
    json_t *root = NULL, *arr = NULL;
    size_t i;

    arr = json_array();
    if (arr == NULL)
        return NULL;
    for (i = 0; i < k->n; i++) {
        if (json_array_append_new(arr, keys_entry_json(&k->e[i])) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    root = json_pack("{s:i, s:s, s:s, s:s, s:b, s:i, s:{s:s, s:s}, s:o}", "version", 1, "authority",
                     k->authority, "uscc", k->uscc, "province", k->province, "encrypted",
                     k->encrypted, "signing_years", k->signing_years, "root", "certificate",
                     KEYS_ROOT_CERT, "key", k->root_ref, "keys", arr);
    if (root != NULL && keys_in_token(k) &&
        json_object_set_new(root, "pkcs11",
                            json_pack("{s:s, s:s}", "uri", k->p11_uri, "module", k->p11_module)) !=
            0) {
        json_decref(root);
        root = NULL;
    }
    if (root != NULL && k->sm2_n > 0 &&
        json_object_set_new(root, "sm2", keys_sm2_state_json(k)) != 0) {
        json_decref(root);
        root = NULL;
    }
    return root;
}

int keys_save_state(const keys_t *k, char *err, size_t errlen)
{
    char path[PATH_MAX];
    json_t *doc = NULL;
    char *text = NULL;
    int rc;

    rc = jp_path_join(path, sizeof path, k->dir, KEYS_STATE_FILE);
    if (rc != 0) {
        jp_errf(err, errlen, "%s: path too long", k->dir);
        return keys_with_ossl(rc, err, errlen);
    }
    doc = state_json(k);
    if (doc != NULL)
        text = json_dumps(doc, JSON_INDENT(2));
    if (text == NULL) {
        jp_errf(err, errlen, "%s: cannot encode", path);
        rc = keys_with_ossl(ENOMEM, err, errlen);
        goto out;
    }
    rc = jp_write_file_atomic(path, text, strlen(text), 0600);
    if (rc != 0) {
        jp_errf(err, errlen, "%s: cannot write: %s", path, strerror(rc));
        keys_with_ossl(rc, err, errlen);
    }
    free(text);
out:
    json_decref(doc);
    return rc;
}

static int copy_str(char *dst, size_t dstsz, const char *src)
{
    return jp_strf(dst, dstsz, "%s", src) == 0;
}

/*
 * 1 when keyf is where the state file may keep a private key: the expected
 * file name file for key files, a key in the home's own token otherwise.
 */
static int key_ref_ok(const keys_t *k, const char *file, const char *keyf)
{
    size_t n = strlen(k->p11_uri);

    if (!keys_in_token(k))
        return strcmp(file, keyf) == 0;
    return strncmp(keyf, k->p11_uri, n) == 0 && strncmp(keyf + n, ";id=", 4) == 0;
}

/* Loads and checks one signing certificate listed in the state file. */
static int load_entry(keys_t *k, json_t *j, char *err, size_t errlen)
{
    struct keys_entry *e = &k->e[k->n];
    char want[40], wantkey[40];

    if (keys_entry_parse(j, e) != 0) {
        jp_errf(err, errlen, "%s: malformed key entry", KEYS_STATE_FILE);
        return keys_with_ossl(KEYS_E_STATE, err, errlen);
    }
    if (jp_strf(want, sizeof want, "sign-%s.pem", e->kid_hex) != 0 ||
        jp_strf(wantkey, sizeof wantkey, "sign-%s.key", e->kid_hex) != 0 ||
        strcmp(want, e->cert_file) != 0 || !key_ref_ok(k, wantkey, e->key_ref)) {
        jp_errf(err, errlen, "%s: unexpected file name for key %s", KEYS_STATE_FILE, e->kid_hex);
        return keys_with_ossl(KEYS_E_STATE, err, errlen);
    }
    k->n++; /* the entry owns its certificate from here on */
    return keys_entry_load_cert(k, e, k->root, keys_ecdsa_issued, "the root", err, errlen);
}

/* The optional "pkcs11" object: the token and module of a home whose keys live there. */
static int load_token(keys_t *k, json_t *doc)
{
    const char *uri = NULL, *module = NULL;
    char token[KEYS_P11_LABEL_MAX];
    json_t *p = json_object_get(doc, "pkcs11");

    if (p == NULL)
        return 1;
    return json_unpack(p, "{s:s, s:s}", "uri", &uri, "module", &module) == 0 &&
           keys_p11_uri_check(uri, token, NULL, 0) == 0 &&
           copy_str(k->p11_uri, sizeof k->p11_uri, uri) &&
           copy_str(k->p11_module, sizeof k->p11_module, module);
}

static int load_header(keys_t *k, json_t *doc, json_t **keys, char *err, size_t errlen)
{
    const char *authority, *uscc, *province, *rootkey;
    int version, encrypted, years;

    if (json_unpack(doc, "{s:i, s:s, s:s, s:s, s:b, s:i, s:{s:s}, s:o}", "version", &version,
                    "authority", &authority, "uscc", &uscc, "province", &province, "encrypted",
                    &encrypted, "signing_years", &years, "root", "key", &rootkey, "keys",
                    keys) != 0 ||
        !load_token(k, doc) || !key_ref_ok(k, KEYS_ROOT_KEY, rootkey) ||
        !copy_str(k->root_ref, sizeof k->root_ref, rootkey) ||
        version != 1 || !json_is_array(*keys) || years < 1 || years > 10 ||
        !copy_str(k->authority, sizeof k->authority, authority) ||
        !copy_str(k->uscc, sizeof k->uscc, uscc) ||
        !copy_str(k->province, sizeof k->province, province)) {
        jp_errf(err, errlen, "%s: malformed", KEYS_STATE_FILE);
        return keys_with_ossl(KEYS_E_STATE, err, errlen);
    }
    if (json_array_size(*keys) > KEYS_MAX_SIGNING) {
        jp_errf(err, errlen, "%s: more than %d keys", KEYS_STATE_FILE, KEYS_MAX_SIGNING);
        return keys_with_ossl(KEYS_E_STATE, err, errlen);
    }
    k->encrypted = encrypted;
    k->signing_years = years;
    return 0;
}

static int load_state(keys_t *k, const unsigned char *pass, size_t passlen, char *err,
                      size_t errlen)
{
    char path[PATH_MAX];
    unsigned char *text = NULL;
    size_t len, i;
    json_t *doc = NULL, *keys = NULL;
    json_error_t jerr;
    int rc;

    rc = jp_path_join(path, sizeof path, k->dir, KEYS_STATE_FILE);
    if (rc == 0)
        rc = jp_read_file(path, KEYS_STATE_MAX, &text, &len);
    if (rc != 0) {
        jp_errf(err, errlen, "%s: cannot read: %s", path, strerror(rc));
        return keys_with_ossl(rc == ENOENT ? KEYS_E_STATE : rc, err, errlen);
    }
    doc = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    if (doc == NULL) {
        jp_errf(err, errlen, "%s: not JSON (line %d)", path, jerr.line);
        return keys_with_ossl(KEYS_E_STATE, err, errlen);
    }
    rc = load_header(k, doc, &keys, err, errlen);
    if (rc == 0)
        rc = jp_path_join(path, sizeof path, k->dir, KEYS_ROOT_CERT);
    if (rc == 0)
        rc = keys_read_cert(path, &k->root, err, errlen);
    for (i = 0; rc == 0 && i < json_array_size(keys); i++)
        rc = load_entry(k, json_array_get(keys, i), err, errlen);
    if (rc == 0 && !keys_entries_one_active(k->e, k->n)) {
        jp_errf(err, errlen, "%s: more than one active key", KEYS_STATE_FILE);
        rc = keys_with_ossl(KEYS_E_STATE, err, errlen);
    }
    if (rc == 0)
        rc = keys_sm2_state_load(k, doc, pass, passlen, err, errlen);
    json_decref(doc);
    return rc;
}

/* Loads the private keys the flags ask for. */
static int load_private(keys_t *k, const unsigned char *pass, size_t passlen, char *err,
                        size_t errlen)
{
    size_t i;
    int rc = 0;

    if (keys_in_token(k)) {
        if (pass != NULL)
            memcpy(k->pin, pass, passlen);
        k->pinlen = passlen;
        rc = keys_p11_login(k, err, errlen);
    }
    if (rc == 0 && (k->flags & KEYS_WITH_ROOT)) {
        rc = keys_key_load(k, k->root_ref, pass, passlen, &k->root_key, err, errlen);
        if (rc == 0 && X509_check_private_key(k->root, k->root_key) != 1) {
            jp_errf(err, errlen, "%s: does not match root.pem", k->root_ref);
            rc = keys_with_ossl(KEYS_E_STATE, err, errlen);
        }
    }
    for (i = 0; rc == 0 && i < k->n; i++) {
        if (k->e[i].state != KEYS_ACTIVE)
            continue;
        rc = keys_key_load(k, k->e[i].key_ref, pass, passlen, &k->sign_key, err, errlen);
        if (rc == 0 && X509_check_private_key(k->e[i].cert, k->sign_key) != 1) {
            jp_errf(err, errlen, "%s: does not match its certificate", k->e[i].key_ref);
            rc = keys_with_ossl(KEYS_E_STATE, err, errlen);
        }
    }
    return rc;
}

int keys_open(const char *dir, int flags, const unsigned char *passphrase, size_t passphrase_len,
              keys_t **out, char *err, size_t errlen)
{
    keys_t *k = NULL;
    int rc;

    *out = NULL;
    if (dir == NULL || strlen(dir) >= sizeof k->dir - 32 ||
        (flags & ~(KEYS_PUBLIC_ONLY | KEYS_WITH_ROOT)) != 0 ||
        ((flags & KEYS_PUBLIC_ONLY) && (flags & KEYS_WITH_ROOT)) ||
        passphrase_len > KEYS_PASSPHRASE_MAX) {
        jp_errf(err, errlen, "keys: bad directory, flags or passphrase");
        return keys_with_ossl(KEYS_E_INVAL, err, errlen);
    }
    k = calloc(1, sizeof *k);
    if (k == NULL) {
        jp_errf(err, errlen, "keys: out of memory");
        return keys_with_ossl(ENOMEM, err, errlen);
    }
    k->flags = flags;
    rc = jp_strf(k->dir, sizeof k->dir, "%s", dir) == 0 ? 0 : KEYS_E_INVAL;
    if (rc == 0)
        rc = load_state(k, passphrase, passphrase_len, err, errlen);
    if (rc == 0 && !(flags & KEYS_PUBLIC_ONLY))
        rc = load_private(k, passphrase, passphrase_len, err, errlen);
    if (rc != 0) {
        keys_close(k);
        k = NULL;
    }
    *out = k;
    return rc;
}

void keys_info_set(struct keys_info *o, const char kid_hex[17], X509 *cert, enum keys_state state,
                   const char created[21], const char changed[21])
{
    memset(o, 0, sizeof *o);
    memcpy(o->kid, kid_hex, sizeof o->kid);
    memcpy(o->created, created, sizeof o->created);
    memcpy(o->changed, changed, sizeof o->changed);
    o->state = state;
    if (keys_time_iso(X509_get0_notBefore(cert), o->not_before) != 0 ||
        keys_time_iso(X509_get0_notAfter(cert), o->not_after) != 0)
        o->not_before[0] = o->not_after[0] = '\0';
}

int keys_list(const keys_t *k, struct keys_info *out, size_t max, size_t *n)
{
    size_t i;
    BIO *bio;
    int len;

    *n = 0;
    if (k->n > max)
        return KEYS_E_TOOSMALL;
    for (i = 0; i < k->n; i++) {
        const struct keys_entry *e = &k->e[i];
        struct keys_info *o = &out[i];

        keys_info_set(o, e->kid_hex, e->cert, e->state, e->created, e->changed);
        bio = BIO_new(BIO_s_mem());
        if (bio != NULL && X509_NAME_print_ex(bio, X509_get_subject_name(e->cert), 0,
                                              XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
            len = BIO_read(bio, o->subject, (int)sizeof o->subject - 1);
            o->subject[len > 0 ? len : 0] = '\0';
        }
        BIO_free(bio);
    }
    *n = k->n;
    ERR_clear_error();
    return 0;
}

int keys_find_kid(keys_t *k, const char *kid_hex, struct keys_entry **out, char *err, size_t errlen)
{
    unsigned char kid[KEYS_KID_LEN];
    size_t i;

    *out = NULL;
    if (kid_hex == NULL || strlen(kid_hex) != 16 || jp_hex_decode(kid_hex, kid, sizeof kid) != 0) {
        jp_errf(err, errlen, "kid: must be 16 hex digits");
        return keys_with_ossl(KEYS_E_INVAL, err, errlen);
    }
    i = keys_entries_find(k->e, k->n, kid);
    if (i == k->n) {
        jp_errf(err, errlen, "kid %s: not in this directory", kid_hex);
        return keys_with_ossl(KEYS_E_UNKNOWN_KID, err, errlen);
    }
    *out = &k->e[i];
    return 0;
}

void keys_mark_revoked(struct keys_entry *e)
{
    if (e->state == KEYS_REVOKED)
        return;
    e->state = KEYS_REVOKED;
    keys_now_iso(e->changed);
}

int keys_revoke_kid(keys_t *k, const char *kid_hex, char *err, size_t errlen)
{
    struct keys_entry saved;
    struct keys_entry *e = NULL;
    int rc = keys_find_kid(k, kid_hex, &e, err, errlen);

    if (rc != 0 || e->state == KEYS_REVOKED)
        return rc;
    saved = *e;
    keys_mark_revoked(e);
    rc = keys_save_state(k, err, errlen);
    if (rc != 0) {
        *e = saved;
    } else if (saved.state == KEYS_ACTIVE) {
        EVP_PKEY_free(k->sign_key);
        k->sign_key = NULL;
    }
    return rc;
}

struct keys_entry *keys_active_entry(keys_t *k)
{
    size_t i = keys_entries_active(k->e, k->n);

    return i < k->n ? &k->e[i] : NULL;
}

int keys_signer(keys_t *k, const char *what, struct keys_entry **e, char *err, size_t errlen)
{
    int rc = 0;

    *e = keys_active_entry(k);
    if (k->flags & KEYS_PUBLIC_ONLY) {
        jp_errf(err, errlen, "%s: keys opened public-only", what);
        rc = keys_with_ossl(KEYS_E_NO_PRIVATE_KEY, err, errlen);
    } else if (*e == NULL || k->sign_key == NULL) {
        jp_errf(err, errlen, "%s: no active signing key", what);
        rc = keys_with_ossl(KEYS_E_NO_ACTIVE_KEY, err, errlen);
    }
    return rc;
}
