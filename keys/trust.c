/*
 * trust.c - the trust list: a JSON document naming the provincial root and
 * every signing certificate with its kid and state, carried as the attached
 * content of a CMS SignedData signed by the root (PEM). Exported by the
 * issuer, loaded by the verifier and by anyone verifying tokens offline.
 * Loading trusts nothing in the file until the root's signature over it and
 * the root's signature on each certificate have been checked; the root itself
 * is pinned by the caller's fingerprint when one is given.
 */
#include "keys_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/pem.h> /* before cms.h, which declares PEM_*_CMS with its macros */
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "util.h"

#define CERT_DER_MAX 4096 /* bytes of one certificate in a trust list */

void keys_trust_free(keys_trust_t *t)
{
    size_t i;

    if (t == NULL)
        return;
    for (i = 0; i < t->n; i++) {
        EVP_PKEY_free(t->e[i].pub);
        X509_free(t->e[i].cert);
    }
    X509_free(t->root);
    keys_trust_sm2_clear(t);
    free(t);
}

void keys_trust_root_sha256(const keys_trust_t *t, unsigned char out[32])
{
    memcpy(out, t->root_sha256, 32);
}

/* --- export ---------------------------------------------------------------- */

/* Base64 of a certificate's DER, as a new JSON string. */
static json_t *cert_b64(X509 *cert)
{
    unsigned char *der = NULL;
    unsigned char *b64 = NULL;
    json_t *s = NULL;
    int len;

    len = i2d_X509(cert, &der);
    if (len <= 0 || len > CERT_DER_MAX)
        goto out;
    b64 = malloc(((size_t)len + 2) / 3 * 4 + 1);
    if (b64 == NULL)
        goto out;
    EVP_EncodeBlock(b64, der, len);
    s = json_string((const char *)b64);
    free(b64);
out:
    OPENSSL_free(der);
    return s;
}

static json_t *trust_key_json(const struct keys_entry *e)
{
    char nb[21], na[21];

    if (keys_time_iso(X509_get0_notBefore(e->cert), nb) != 0 ||
        keys_time_iso(X509_get0_notAfter(e->cert), na) != 0)
        return NULL;
    if (e->state == KEYS_REVOKED && e->changed[0] != '\0')
        return json_pack("{s:s, s:o, s:s, s:s, s:s, s:s}", "kid", e->kid_hex, "certificate",
                         cert_b64(e->cert), "not_before", nb, "not_after", na, "state",
                         keys_state_name(e->state), "revoked_at", e->changed);
    return json_pack("{s:s, s:o, s:s, s:s, s:s}", "kid", e->kid_hex, "certificate",
                     cert_b64(e->cert), "not_before", nb, "not_after", na, "state",
                     keys_state_name(e->state));
}

static char *trust_json(const keys_t *k, char *err, size_t errlen)
{
    unsigned char md[32];
    char hex[65], now[21];
    json_t *doc = NULL, *arr = NULL;
    char *text = NULL;
    size_t i;

    if (errlen > 0)
        err[0] = '\0';
    if (keys_cert_sha256(k->root, md) != 0)
        return NULL;
    jp_hex_encode(md, sizeof md, hex);
    keys_now_iso(now);
    arr = json_array();
    for (i = 0; arr != NULL && i < k->n; i++) {
        if (json_array_append_new(arr, trust_key_json(&k->e[i])) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    if (arr == NULL)
        return NULL;
    doc = json_pack("{s:i, s:s, s:s, s:s, s:{s:o, s:s}, s:o}", "version", 1, "issued_at", now,
                    "authority", k->authority, "province", k->province, "root", "certificate",
                    cert_b64(k->root), "sha256", hex, "keys", arr);
    if (doc != NULL && keys_trust_sm2_export(k, doc, err, errlen) == 0)
        text = json_dumps(doc, JSON_INDENT(1));
    json_decref(doc);
    return text;
}

/*
 * Signs k's trust list (root key needed) into *pem, *len bytes, which the
 * caller frees with free(). Writes nothing. Returns 0, KEYS_E_NO_ROOT_KEY,
 * ENOMEM or KEYS_E_CRYPTO.
 */
static int trust_sign(const keys_t *k, char **pem, size_t *len, char *err, size_t errlen)
{
    BIO *in = NULL, *out = NULL;
    CMS_ContentInfo *cms = NULL;
    BUF_MEM *mem = NULL;
    char *text = NULL;
    int rc = KEYS_E_CRYPTO;

    *pem = NULL;
    if (k->root_key == NULL) {
        jp_errf(err, errlen, "trust list: needs the root key");
        return keys_with_ossl(KEYS_E_NO_ROOT_KEY, err, errlen);
    }
    text = trust_json(k, err, errlen);
    if (text == NULL) {
        if (errlen > 0 && err[0] == '\0')
            jp_errf(err, errlen, "trust list: cannot encode");
        return keys_with_ossl(ENOMEM, err, errlen);
    }
    in = BIO_new_mem_buf(text, (int)strlen(text));
    out = BIO_new(BIO_s_mem());
    if (in == NULL || out == NULL)
        goto out_free;
    cms = CMS_sign(k->root, k->root_key, NULL, in, CMS_BINARY | CMS_NOSMIMECAP);
    if (cms == NULL || PEM_write_bio_CMS(out, cms) != 1) {
        jp_errf(err, errlen, "trust list: cannot sign");
        keys_with_ossl(rc, err, errlen);
        goto out_free;
    }
    BIO_get_mem_ptr(out, &mem);
    *pem = malloc(mem->length + 1);
    rc = *pem != NULL ? 0 : ENOMEM;
    if (rc == 0) {
        memcpy(*pem, mem->data, mem->length);
        *len = mem->length;
    }
out_free:
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    BIO_free(out);
    free(text);
    return rc;
}

/* Writes a signed trust list atomically, mode 0644. */
static int trust_write(const char *path, const char *pem, size_t len, char *err, size_t errlen)
{
    int rc = jp_write_file_atomic(path, pem, len, 0644);

    if (rc != 0)
        jp_errf(err, errlen, "%s: cannot write: %s", path, strerror(rc));
    return rc;
}

int keys_export_trust(const keys_t *k, const char *out_path, char *err, size_t errlen)
{
    char *pem = NULL;
    size_t len = 0;
    int rc = trust_sign(k, &pem, &len, err, errlen);

    if (rc == 0)
        rc = trust_write(out_path, pem, len, err, errlen);
    free(pem);
    return rc;
}

/* The signing key kid_hex of either hierarchy, ECDSA first: errors as keys_find_kid. */
static int find_any(keys_t *k, const char *kid_hex, struct keys_entry **e, char *err, size_t errlen)
{
    unsigned char kid[KEYS_KID_LEN];
    int rc = keys_find_kid(k, kid_hex, e, err, errlen);
    size_t i;

    if (rc != KEYS_E_UNKNOWN_KID || jp_hex_decode(kid_hex, kid, sizeof kid) != 0)
        return rc;
    i = keys_entries_find(k->sm2, k->sm2_n, kid);
    if (i < k->sm2_n) {
        *e = &k->sm2[i];
        rc = 0;
    }
    return rc;
}

int keys_revoke_publish(keys_t *k, const char *kid_hex, const char *trust_path, char *err,
                        size_t errlen)
{
    struct keys_entry saved;
    struct keys_entry *e = NULL;
    char *pem = NULL;
    size_t len = 0;
    int rc = find_any(k, kid_hex, &e, err, errlen);

    if (rc != 0)
        goto out;
    saved = *e;
    keys_mark_revoked(e);
    rc = trust_sign(k, &pem, &len, err, errlen);
    if (rc == 0)
        rc = keys_save_state(k, err, errlen);
    if (rc != 0) {
        *e = saved;
        goto out;
    }
    rc = trust_write(trust_path, pem, len, err, errlen);
    if (rc != 0) {
        *e = saved;
        (void)keys_save_state(k, NULL, 0); /* put keys.json back as it was */
        goto out;
    }
    if (saved.state == KEYS_ACTIVE && e >= k->e && e < k->e + k->n) { /* ECDSA: k holds its key */
        EVP_PKEY_free(k->sign_key);
        k->sign_key = NULL;
    }
out:
    free(pem);
    return rc;
}

/* --- load ------------------------------------------------------------------ */

/* Decodes a base64 DER certificate that must be nothing but one certificate. */
static X509 *cert_from_b64(const char *b64)
{
    unsigned char der[CERT_DER_MAX];
    const unsigned char *p = der;
    size_t len = strlen(b64);
    int n, pad = 0;
    X509 *x = NULL;

    if (len == 0 || len % 4 != 0 || len / 4 * 3 > sizeof der)
        return NULL;
    n = EVP_DecodeBlock(der, (const unsigned char *)b64, (int)len);
    if (n < 0)
        return NULL;
    pad = (b64[len - 1] == '=') + (b64[len - 2] == '=');
    n -= pad;
    x = d2i_X509(NULL, &p, n);
    if (x != NULL && p != der + n) {
        X509_free(x);
        x = NULL;
    }
    return x;
}

static int is_p256(X509 *cert)
{
    EVP_PKEY *pub = X509_get0_pubkey(cert);
    char group[32];
    size_t len = 0;

    return pub != NULL && EVP_PKEY_is_a(pub, "EC") &&
           EVP_PKEY_get_utf8_string_param(pub, "group", group, sizeof group, &len) == 1 &&
           strcmp(group, "prime256v1") == 0;
}

/* Checks one "keys" member against the root and adds it to t. */
static int load_trust_key(keys_trust_t *t, X509 *root, json_t *j, char *err, size_t errlen)
{
    const char *kid, *certb64, *state;
    unsigned char want[KEYS_KID_LEN];
    enum keys_state st;
    X509 *cert = NULL;
    size_t i;
    int rc = KEYS_E_TRUST;

    if (json_unpack(j, "{s:s, s:s, s:s}", "kid", &kid, "certificate", &certb64, "state", &state) !=
            0 ||
        strlen(kid) != 16 || jp_hex_decode(kid, want, sizeof want) != 0 ||
        keys_state_parse(state, &st) != 0) {
        jp_errf(err, errlen, "trust list: malformed key entry");
        return keys_with_ossl(rc, err, errlen);
    }
    cert = cert_from_b64(certb64);
    if (cert == NULL) {
        jp_errf(err, errlen, "trust list: key %s: bad certificate", kid);
        return keys_with_ossl(rc, err, errlen);
    }
    if (X509_check_issued(root, cert) != X509_V_OK ||
        X509_verify(cert, X509_get0_pubkey(root)) != 1 || !is_p256(cert)) {
        jp_errf(err, errlen, "trust list: key %s: not a P-256 key issued by the root", kid);
        keys_with_ossl(rc, err, errlen);
        goto out;
    }
    rc = keys_trust_entry_set(&t->e[t->n], cert, st);
    if (rc != 0) {
        jp_errf(err, errlen, "trust list: key %s: unreadable certificate", kid);
        keys_with_ossl(rc, err, errlen);
        goto out;
    }
    t->n++;
    if (st == KEYS_REVOKED)
        t->e[t->n - 1].revoked_at =
            keys_iso_epoch(json_string_value(json_object_get(j, "revoked_at")));
    if (memcmp(t->e[t->n - 1].kid, want, sizeof want) != 0) {
        jp_errf(err, errlen, "trust list: key %s: kid does not match", kid);
        rc = keys_with_ossl(KEYS_E_TRUST, err, errlen);
    }
    for (i = 0; rc == 0 && i + 1 < t->n; i++) {
        if (memcmp(t->e[i].kid, want, sizeof want) == 0) {
            jp_errf(err, errlen, "trust list: key %s: listed twice", kid);
            rc = keys_with_ossl(KEYS_E_TRUST, err, errlen);
        }
    }
out:
    X509_free(cert);
    return rc;
}

/* The root the document names, checked against its own sha256 and expected. */
static int load_trust_root(json_t *doc, const unsigned char *expected, X509 **root,
                           unsigned char md[32], char *err, size_t errlen)
{
    const char *certb64, *hex;
    unsigned char claimed[32];
    int version;

    if (json_unpack(doc, "{s:i, s:{s:s, s:s}}", "version", &version, "root", "certificate",
                    &certb64, "sha256", &hex) != 0 ||
        version != 1 || strlen(hex) != 64 || jp_hex_decode(hex, claimed, 32) != 0) {
        jp_errf(err, errlen, "trust list: malformed root");
        return keys_with_ossl(KEYS_E_TRUST, err, errlen);
    }
    *root = cert_from_b64(certb64);
    if (*root == NULL || keys_cert_sha256(*root, md) != 0 || memcmp(md, claimed, 32) != 0) {
        jp_errf(err, errlen, "trust list: root does not match its sha256");
        return keys_with_ossl(KEYS_E_TRUST, err, errlen);
    }
    if (expected != NULL && CRYPTO_memcmp(md, expected, 32) != 0) {
        jp_errf(err, errlen, "trust list: root is not the expected one");
        return keys_with_ossl(KEYS_E_ROOT_MISMATCH, err, errlen);
    }
    if (X509_check_issued(*root, *root) != X509_V_OK || X509_check_ca(*root) < 1 ||
        !is_p256(*root)) {
        jp_errf(err, errlen, "trust list: root is not a P-256 CA");
        return keys_with_ossl(KEYS_E_TRUST, err, errlen);
    }
    return 0;
}

/* Verifies that cms is signed by root and by nothing else. */
static int verify_by_root(CMS_ContentInfo *cms, X509 *root, char *err, size_t errlen)
{
    X509_STORE *store = X509_STORE_new();
    STACK_OF(X509) *signers = NULL;
    int rc = KEYS_E_TRUST;

    if (store == NULL || X509_STORE_add_cert(store, root) != 1)
        goto out;
    /* The list's validity is not a matter of today's date (no clock dependence). */
    X509_STORE_set_flags(store, X509_V_FLAG_NO_CHECK_TIME);
    if (CMS_verify(cms, NULL, store, NULL, NULL, CMS_BINARY) != 1) {
        jp_errf(err, errlen, "trust list: signature fails");
        keys_with_ossl(rc, err, errlen);
        goto out;
    }
    signers = CMS_get0_signers(cms);
    if (signers == NULL || sk_X509_num(signers) != 1 ||
        X509_cmp(sk_X509_value(signers, 0), root) != 0) {
        jp_errf(err, errlen, "trust list: not signed by its root");
        keys_with_ossl(rc, err, errlen);
    } else
        rc = 0;
    sk_X509_free(signers);
out:
    X509_STORE_free(store);
    return rc;
}

/* Reads the PEM CMS at path and parses its attached content as JSON. */
static int read_cms(const char *path, CMS_ContentInfo **out, json_t **doc, char *err, size_t errlen)
{
    unsigned char *text = NULL;
    size_t len;
    BIO *bio = NULL;
    CMS_ContentInfo *cms = NULL;
    ASN1_OCTET_STRING **content;
    int rc;

    rc = jp_read_file(path, KEYS_TRUST_FILE_MAX, &text, &len);
    if (rc != 0) {
        jp_errf(err, errlen, "%s: cannot read: %s", path, strerror(rc));
        return keys_with_ossl(rc, err, errlen);
    }
    bio = BIO_new_mem_buf(text, (int)len);
    if (bio != NULL)
        cms = PEM_read_bio_CMS(bio, NULL, NULL, NULL);
    BIO_free(bio);
    free(text);
    content = cms != NULL ? CMS_get0_content(cms) : NULL;
    if (cms == NULL || OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed || content == NULL ||
        *content == NULL) {
        jp_errf(err, errlen, "%s: not a signed trust list", path);
        rc = keys_with_ossl(KEYS_E_TRUST, err, errlen);
        goto out_free_cms;
    }
    *doc = json_loadb((const char *)ASN1_STRING_get0_data(*content),
                      (size_t)ASN1_STRING_length(*content), JSON_REJECT_DUPLICATES, NULL);
    if (*doc == NULL) {
        jp_errf(err, errlen, "%s: content is not JSON", path);
        rc = keys_with_ossl(KEYS_E_TRUST, err, errlen);
        goto out_free_cms;
    }
    *out = cms;
    cms = NULL;
out_free_cms:
    CMS_ContentInfo_free(cms);
    return rc;
}

int keys_trust_load(const char *path, const unsigned char *expected_root_sha256, keys_trust_t **out,
                    char *err, size_t errlen)
{
    CMS_ContentInfo *cms = NULL;
    json_t *doc = NULL, *keys;
    keys_trust_t *t = NULL;
    X509 *root = NULL;
    size_t i;
    int rc = KEYS_E_TRUST;

    *out = NULL;
    rc = read_cms(path, &cms, &doc, err, errlen);
    if (rc != 0)
        goto out;
    t = calloc(1, sizeof *t);
    if (t == NULL) {
        jp_errf(err, errlen, "trust list: out of memory");
        rc = keys_with_ossl(ENOMEM, err, errlen);
        goto out_free;
    }
    rc = load_trust_root(doc, expected_root_sha256, &root, t->root_sha256, err, errlen);
    if (rc == 0)
        rc = verify_by_root(cms, root, err, errlen);
    if (rc != 0)
        goto out_free;
    keys = json_object_get(doc, "keys");
    if (!json_is_array(keys) || json_array_size(keys) > KEYS_MAX_SIGNING) {
        jp_errf(err, errlen, "trust list: keys missing or too many");
        rc = keys_with_ossl(KEYS_E_TRUST, err, errlen);
        goto out_free;
    }
    for (i = 0; rc == 0 && i < json_array_size(keys); i++)
        rc = load_trust_key(t, root, json_array_get(keys, i), err, errlen);
    if (rc == 0)
        rc = keys_trust_sm2_load(t, doc, err, errlen);
    if (rc == 0) {
        t->root = root;
        root = NULL;
        *out = t;
        t = NULL;
    }
out_free:
    keys_trust_free(t);
    X509_free(root);
    json_decref(doc);
    CMS_ContentInfo_free(cms);
out:
    ERR_clear_error();
    return rc;
}

int keys_trust_from_keys(const keys_t *k, keys_trust_t **out, char *err, size_t errlen)
{
    keys_trust_t *t = calloc(1, sizeof *t);
    size_t i;
    int rc;

    *out = NULL;
    if (t == NULL) {
        jp_errf(err, errlen, "trust: out of memory");
        return keys_with_ossl(ENOMEM, err, errlen);
    }
    rc = keys_cert_sha256(k->root, t->root_sha256);
    if (rc == 0 && X509_up_ref(k->root) == 1)
        t->root = k->root;
    else
        rc = KEYS_E_CRYPTO;
    for (i = 0; rc == 0 && i < k->n; i++) {
        rc = keys_trust_entry_set(&t->e[i], k->e[i].cert, k->e[i].state);
        if (rc == 0 && k->e[i].state == KEYS_REVOKED)
            t->e[i].revoked_at = keys_iso_epoch(k->e[i].changed);
        if (rc == 0)
            t->n++;
    }
    if (rc != 0) {
        keys_trust_free(t);
        jp_errf(err, errlen, "trust: cannot read certificates");
        return keys_with_ossl(rc, err, errlen);
    }
    *out = t;
    return 0;
}

/* --- the root certificate as a public file ---------------------------------- */

int keys_export_root(const keys_t *k, const char *out_path, char *err, size_t errlen)
{
    BIO *out = BIO_new(BIO_s_mem());
    BUF_MEM *mem = NULL;
    int rc = KEYS_E_CRYPTO;

    if (out == NULL || PEM_write_bio_X509(out, k->root) != 1) {
        jp_errf(err, errlen, "root certificate: cannot encode");
        keys_with_ossl(rc, err, errlen);
        goto out_free;
    }
    BIO_get_mem_ptr(out, &mem);
    rc = jp_write_file_atomic(out_path, mem->data, mem->length, 0644);
    if (rc != 0)
        jp_errf(err, errlen, "%s: cannot write: %s", out_path, strerror(rc));
out_free:
    BIO_free(out);
    return rc;
}

/* SHA-256 of the DER of the one certificate in the PEM file at path. */
static int root_file_sha256(const char *path, unsigned char md[32], char *err, size_t errlen)
{
    unsigned char *text = NULL;
    size_t len = 0;
    BIO *bio = NULL;
    X509 *root = NULL;
    int rc;

    rc = jp_read_file(path, KEYS_TRUST_FILE_MAX, &text, &len);
    if (rc != 0) {
        jp_errf(err, errlen, "%s: cannot read: %s", path, strerror(rc));
        return rc;
    }
    bio = BIO_new_mem_buf(text, (int)len);
    if (bio != NULL)
        root = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    if (root == NULL || keys_cert_sha256(root, md) != 0) {
        rc = KEYS_E_TRUST;
        jp_errf(err, errlen, "%s: not a PEM certificate", path);
    }
    X509_free(root);
    BIO_free(bio);
    free(text);
    ERR_clear_error();
    return rc;
}

int keys_trust_load_root_file(const char *trust_path, const char *root_path, keys_trust_t **out,
                              char *err, size_t errlen)
{
    unsigned char md[32];
    int rc;

    *out = NULL;
    rc = root_file_sha256(root_path, md, err, errlen);
    if (rc == 0)
        rc = keys_trust_load(trust_path, md, out, err, errlen);
    return rc;
}
