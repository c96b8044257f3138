/*
 * trust_sm2.c - the SM2 part of the trust list (SPEC §11, issue 18): the
 * member "sm2" {"root": {"certificate", "sha256"}, "keys": [{"kid",
 * "certificate", "not_before", "not_after", "state"}]} inside the JSON
 * document the ECDSA root's CMS signature covers. Exported when the key
 * directory holds the SM2 hierarchy, every SM2 signing key keys.json knows
 * with its state (sm2_state.c); loaded only after
 * that CMS signature held, and then nothing of it is trusted until the SM2
 * root is self-signed (SM2 with SM3, KEYS_SM2_ID) and each signing
 * certificate is issued by it. A list without "sm2" loads as before. The SM2
 * root's CRL (sm2-root.crl) can then revoke listed keys the list still calls
 * active (a stale list).
 */
#include "keys_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/sha.h>

#include "util.h"

/* --- export ---------------------------------------------------------------- */

static json_t *der_b64(const unsigned char *der, size_t len)
{
    unsigned char *b64 = malloc((len + 2) / 3 * 4 + 1);
    json_t *s = NULL;

    if (b64 == NULL || len > KEYS_SM2_CERT_MAX)
        goto out;
    EVP_EncodeBlock(b64, der, (int)len);
    s = json_string((const char *)b64);
out:
    free(b64);
    return s;
}

static void kid_hex_of(const unsigned char *der, size_t len, char hex[17])
{
    unsigned char md[32];

    SHA256(der, len, md);
    jp_hex_encode(md, KEYS_KID_LEN, hex);
}

/* The validity of a certificate's DER as two ISO-8601 times. */
static int der_validity(const unsigned char *der, size_t len, char nb[21], char na[21])
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    int rc = KEYS_E_CRYPTO;

    if (x != NULL && keys_time_iso(X509_get0_notBefore(x), nb) == 0 &&
        keys_time_iso(X509_get0_notAfter(x), na) == 0)
        rc = 0;
    X509_free(x);
    ERR_clear_error();
    return rc;
}

/* One listed SM2 signing certificate, with its state from keys.json. */
static json_t *sm2_key_json(const struct keys_entry *e)
{
    unsigned char *der = NULL;
    char nb[21], na[21];
    json_t *j = NULL;
    int n = i2d_X509(e->cert, &der);

    if (n > 0 && der_validity(der, (size_t)n, nb, na) == 0)
        j = json_pack("{s:s, s:o, s:s, s:s, s:s}", "kid", e->kid_hex, "certificate",
                      der_b64(der, (size_t)n), "not_before", nb, "not_after", na, "state",
                      keys_state_name(e->state));
    OPENSSL_free(der);
    return j;
}

static json_t *sm2_member(const keys_t *k)
{
    unsigned char *root = NULL;
    unsigned char md[32];
    char hex[65];
    json_t *keys = json_array(), *m = NULL;
    int rlen = i2d_X509(k->sm2_root, &root);
    size_t i;

    for (i = 0; keys != NULL && i < k->sm2_n; i++)
        if (json_array_append_new(keys, sm2_key_json(&k->sm2[i])) != 0)
            break;
    if (keys != NULL && i == k->sm2_n && rlen > 0) {
        SHA256(root, (size_t)rlen, md);
        jp_hex_encode(md, sizeof md, hex);
        m = json_pack("{s:{s:o, s:s}, s:O}", "root", "certificate", der_b64(root, (size_t)rlen),
                      "sha256", hex, "keys", keys);
    }
    json_decref(keys);
    OPENSSL_free(root);
    return m;
}

int keys_trust_sm2_export(const keys_t *k, struct json_t *doc, char *err, size_t errlen)
{
    json_t *m;

    if (!keys_has_sm2(k))
        return 0; /* a home without the SM2 hierarchy: no "sm2" member */
    m = sm2_member(k);
    if (m == NULL || json_object_set_new(doc, "sm2", m) != 0) {
        jp_errf(err, errlen, "trust list: cannot encode the SM2 certificates");
        return keys_with_ossl(KEYS_E_CRYPTO, err, errlen);
    }
    return 0;
}

/* --- load ------------------------------------------------------------------ */

void keys_trust_sm2_clear(keys_trust_t *t)
{
    size_t i;

    free(t->sm2_root);
    t->sm2_root = NULL;
    t->sm2_root_len = 0;
    for (i = 0; i < t->sm2_n; i++)
        free(t->sm2[i].der);
    t->sm2_n = 0;
}

/* Decodes base64 into a new buffer of at most KEYS_SM2_CERT_MAX bytes. */
static int b64_der(const char *b64, unsigned char **der, size_t *len)
{
    size_t n = strlen(b64);
    int got, pad;

    *der = NULL;
    if (n == 0 || n % 4 != 0 || n / 4 * 3 > KEYS_SM2_CERT_MAX)
        return KEYS_E_TRUST;
    *der = malloc(n / 4 * 3);
    if (*der == NULL)
        return ENOMEM;
    got = EVP_DecodeBlock(*der, (const unsigned char *)b64, (int)n);
    pad = (b64[n - 1] == '=') + (b64[n - 2] == '=');
    if (got < 0 || got - pad <= 0) {
        free(*der);
        *der = NULL;
        return KEYS_E_TRUST;
    }
    *len = (size_t)(got - pad);
    return 0;
}

static int sm2_load_root(keys_trust_t *t, json_t *sm2, char *err, size_t errlen)
{
    const char *certb64, *hex;
    unsigned char claimed[32], md[32];
    int rc;

    if (json_unpack(sm2, "{s:{s:s, s:s}}", "root", "certificate", &certb64, "sha256", &hex) != 0 ||
        strlen(hex) != 64 || jp_hex_decode(hex, claimed, 32) != 0) {
        jp_errf(err, errlen, "trust list: sm2: malformed root");
        return KEYS_E_TRUST;
    }
    rc = b64_der(certb64, &t->sm2_root, &t->sm2_root_len);
    if (rc == 0)
        SHA256(t->sm2_root, t->sm2_root_len, md);
    if (rc != 0 || memcmp(md, claimed, 32) != 0) {
        jp_errf(err, errlen, "trust list: sm2: root does not match its sha256");
        return rc == ENOMEM ? rc : KEYS_E_TRUST;
    }
    if (keys_sm2_cert_issued_by(t->sm2_root, t->sm2_root_len, t->sm2_root, t->sm2_root_len) != 1) {
        jp_errf(err, errlen, "trust list: sm2: root is not a self-signed SM2 certificate");
        return KEYS_E_TRUST;
    }
    return 0;
}

static int sm2_load_key(keys_trust_t *t, json_t *j, char *err, size_t errlen)
{
    struct keys_trust_sm2 *e = &t->sm2[t->sm2_n];
    const char *kid, *certb64, *state;
    size_t i;
    int rc;

    memset(e, 0, sizeof *e);
    if (json_unpack(j, "{s:s, s:s, s:s}", "kid", &kid, "certificate", &certb64, "state", &state) !=
            0 ||
        strlen(kid) != 16 || keys_state_parse(state, &e->state) != 0) {
        jp_errf(err, errlen, "trust list: sm2: malformed key entry");
        return KEYS_E_TRUST;
    }
    rc = b64_der(certb64, &e->der, &e->len);
    if (rc != 0) {
        jp_errf(err, errlen, "trust list: sm2: key %s: bad certificate", kid);
        return rc;
    }
    t->sm2_n++; /* owned by t from here on */
    if (keys_sm2_cert_issued_by(e->der, e->len, t->sm2_root, t->sm2_root_len) != 1 ||
        der_validity(e->der, e->len, e->not_before, e->not_after) != 0) {
        jp_errf(err, errlen, "trust list: sm2: key %s: not an SM2 key issued by the SM2 root", kid);
        return KEYS_E_TRUST;
    }
    kid_hex_of(e->der, e->len, e->kid);
    if (strcmp(e->kid, kid) != 0) {
        jp_errf(err, errlen, "trust list: sm2: key %s: kid does not match", kid);
        return KEYS_E_TRUST;
    }
    for (i = 0; i + 1 < t->sm2_n; i++) {
        if (strcmp(t->sm2[i].kid, kid) == 0) {
            jp_errf(err, errlen, "trust list: sm2: key %s: listed twice", kid);
            return KEYS_E_TRUST;
        }
    }
    return 0;
}

int keys_trust_sm2_load(keys_trust_t *t, struct json_t *doc, char *err, size_t errlen)
{
    json_t *sm2 = json_object_get(doc, "sm2"), *keys;
    size_t i;
    int rc;

    if (sm2 == NULL)
        return 0; /* a list from before the SM2 hierarchy */
    keys = json_object_get(sm2, "keys");
    if (!json_is_object(sm2) || !json_is_array(keys) || json_array_size(keys) == 0 ||
        json_array_size(keys) > KEYS_MAX_SIGNING) {
        jp_errf(err, errlen, "trust list: sm2: keys missing or too many");
        return KEYS_E_TRUST;
    }
    rc = sm2_load_root(t, sm2, err, errlen);
    for (i = 0; rc == 0 && i < json_array_size(keys); i++)
        rc = sm2_load_key(t, json_array_get(keys, i), err, errlen);
    if (rc != 0)
        keys_trust_sm2_clear(t);
    return rc;
}

/* --- the SM2 root's CRL ------------------------------------------------------- */

/* 1 when the CRL's issuer is the SM2 root's subject, 0 when not, -1 when root does not decode. */
static int issued_by_root(X509_CRL *crl, const unsigned char *root, size_t len)
{
    const unsigned char *p = root;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    int same =
        x == NULL ? -1 : X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(x)) == 0;

    X509_free(x);
    return same;
}

/* 1 when the certificate der's serial is in crl, 0 when not, -1 when der does not decode. */
static int listed_in(X509_CRL *crl, const unsigned char *der, size_t len)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    X509_REVOKED *r = NULL;
    int listed = x == NULL ? -1 : X509_CRL_get0_by_serial(crl, &r, X509_get_serialNumber(x)) == 1;

    X509_free(x);
    return listed;
}

int keys_trust_apply_sm2_crl(keys_trust_t *t, const unsigned char *der, size_t len,
                             struct keys_crl_info *info)
{
    int listed[KEYS_MAX_SIGNING];
    X509_CRL *crl = NULL;
    size_t i;
    int rc = KEYS_E_TRUST;

    memset(info, 0, sizeof *info);
    if (t->sm2_root == NULL || keys_sm2_crl_verify(der, len, t->sm2_root, t->sm2_root_len) != 1 ||
        keys_crl_open(der, len, NULL, info, &crl) != 0)
        goto out;
    if (issued_by_root(crl, t->sm2_root, t->sm2_root_len) != 1)
        goto out_free_crl;
    for (i = 0; i < t->sm2_n; i++) {
        listed[i] = listed_in(crl, t->sm2[i].der, t->sm2[i].len);
        if (listed[i] < 0) {
            rc = ENOMEM; /* decoded once when the list was loaded: only memory fails now */
            goto out_free_crl;
        }
    }
    for (i = 0; i < t->sm2_n; i++) /* every check held: only now is t changed */
        if (listed[i])
            t->sm2[i].state = KEYS_REVOKED;
    rc = 0;
out_free_crl:
    X509_CRL_free(crl);
out:
    ERR_clear_error();
    if (rc != 0)
        memset(info, 0, sizeof *info);
    return rc;
}

/* --- accessors --------------------------------------------------------------- */

int keys_trust_sm2_root(const keys_trust_t *t, const unsigned char **der, size_t *len)
{
    *der = t->sm2_root;
    *len = t->sm2_root_len;
    return t->sm2_root != NULL ? 0 : KEYS_E_TRUST;
}

size_t keys_trust_sm2_count(const keys_trust_t *t)
{
    return t->sm2_root != NULL ? t->sm2_n : 0;
}

static void info_of(const struct keys_trust_sm2 *e, struct keys_sm2_trusted *out)
{
    out->der = e->der;
    out->len = e->len;
    memcpy(out->kid, e->kid, sizeof out->kid);
    memcpy(out->not_before, e->not_before, sizeof out->not_before);
    memcpy(out->not_after, e->not_after, sizeof out->not_after);
    out->state = e->state;
}

int keys_trust_sm2_get(const keys_trust_t *t, size_t i, struct keys_sm2_trusted *out)
{
    if (i >= keys_trust_sm2_count(t))
        return KEYS_E_INVAL;
    info_of(&t->sm2[i], out);
    return 0;
}

int keys_trust_sm2_find(const keys_trust_t *t, const unsigned char *der, size_t len,
                        struct keys_sm2_trusted *out)
{
    size_t i;

    for (i = 0; i < keys_trust_sm2_count(t); i++) {
        if (t->sm2[i].len == len && memcmp(t->sm2[i].der, der, len) == 0) {
            info_of(&t->sm2[i], out);
            return 0;
        }
    }
    return KEYS_E_UNKNOWN_KID;
}
