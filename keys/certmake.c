/*
 * certmake.c - building X.509 v3 certificates for both hierarchies of the
 * keys module: the ECDSA one of create.c and the SM2 one of sm2.c. They share
 * the subject, the serial, the validity and the extensions; only the
 * signature differs, and the caller passes it in.
 */
#include "keys_int.h"

#include <openssl/bn.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

static int name_add(X509_NAME *name, int nid, int type, const char *value)
{
    return X509_NAME_add_entry_by_NID(name, nid, type, (const unsigned char *)value, -1, -1, 0);
}

X509_NAME *keys_make_name(const char *authority, const char *uscc, const char *unit)
{
    X509_NAME *name = X509_NAME_new();

    if (name == NULL)
        return NULL;
    if (name_add(name, NID_countryName, MBSTRING_ASC, "CN") != 1 ||
        name_add(name, NID_organizationName, MBSTRING_UTF8, authority) != 1 ||
        (unit != NULL && name_add(name, NID_organizationalUnitName, MBSTRING_UTF8, unit) != 1) ||
        name_add(name, NID_organizationIdentifier, MBSTRING_ASC, uscc) != 1 ||
        name_add(name, NID_commonName, MBSTRING_UTF8, authority) != 1) {
        X509_NAME_free(name);
        return NULL;
    }
    return name;
}

/* A positive random 16-byte serial number. */
static int set_serial(X509 *x)
{
    unsigned char raw[16];
    BIGNUM *bn = NULL;
    int ok = 0;

    if (RAND_bytes(raw, sizeof raw) != 1)
        return 0;
    raw[0] = (unsigned char)((raw[0] & 0x7f) | 0x40);
    bn = BN_bin2bn(raw, sizeof raw, NULL);
    if (bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL)
        ok = 1;
    BN_free(bn);
    return ok;
}

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    int ok;

    if (ext == NULL)
        return 0;
    ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

/* The root's extensions when ca, else a signing certificate's. */
static int add_exts(X509 *x, X509 *issuer, int ca)
{
    X509V3_CTX ctx;

    X509V3_set_ctx(&ctx, ca ? x : issuer, x, NULL, NULL, 0);
    return add_ext(x, &ctx, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE") &&
           add_ext(x, &ctx, NID_key_usage,
                   ca ? "critical,keyCertSign,cRLSign,digitalSignature"
                      : "critical,digitalSignature,nonRepudiation") &&
           add_ext(x, &ctx, NID_subject_key_identifier, "hash") &&
           add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
}

X509 *keys_make_cert(EVP_PKEY *key, X509_NAME *subject, X509 *issuer, EVP_PKEY *issuer_key,
                     long days, keys_cert_sign_fn sign)
{
    X509 *x = X509_new();
    int ca = issuer == NULL;
    int ok;

    if (x == NULL)
        return NULL;
    ok = X509_set_version(x, X509_VERSION_3) == 1 && set_serial(x) &&
         X509_set_subject_name(x, subject) == 1 &&
         X509_set_issuer_name(x, ca ? subject : X509_get_subject_name(issuer)) == 1 &&
         X509_set_pubkey(x, key) == 1 && X509_gmtime_adj(X509_getm_notBefore(x), 0) != NULL &&
         X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL) != NULL;
    if (ok && !ca && ASN1_TIME_compare(X509_get0_notAfter(x), X509_get0_notAfter(issuer)) > 0)
        ok = X509_set1_notAfter(x, X509_get0_notAfter(issuer)) == 1;
    ok = ok && add_exts(x, issuer, ca) && sign(x, issuer_key);
    if (!ok) {
        X509_free(x);
        x = NULL;
    }
    return x;
}
