/*
 * sigtime.c - whether a signature was made before its key was revoked (issue
 * 17): a trust object learns revocations from the root's CRL, a QR token is
 * judged by its issue date, and a PDF signature by its RFC 3161 signature
 * time-stamp, verified against the root at the time it states. This is what
 * lets a certificate outlive the key that signed it: a key revoked in 2030
 * does not undo what it signed, time-stamped, in 2026.
 */
#include "keys_int.h"

#include <string.h>
#include <time.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include "util.h"

#define DAY_SECONDS 86400
#define CHINA_OFFSET (8 * 3600) /* UTC+8, no daylight saving: the issue date's clock */

int64_t keys_iso_epoch(const char *iso)
{
    struct tm tm;
    int n = 0;

    memset(&tm, 0, sizeof tm);
    if (iso == NULL || strlen(iso) != 20 ||
        sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &n) != 6 ||
        n != 20)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm);
}

const char *keys_stamp_name(enum keys_stamp s)
{
    return s == KEYS_STAMP_VERIFIED    ? "verified"
           : s == KEYS_STAMP_UNTRUSTED ? "untrusted"
                                       : "absent";
}

static int64_t asn1_epoch(const ASN1_TIME *t)
{
    struct tm tm;

    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    return (int64_t)timegm(&tm);
}

int keys_trust_apply_crl(keys_trust_t *t, const unsigned char *der, size_t len,
                         struct keys_crl_info *info)
{
    X509_CRL *crl = NULL;
    X509_REVOKED *r;
    int64_t at;
    int rc;

    if (t->root == NULL)
        return KEYS_E_TRUST;
    rc = keys_crl_open(der, len, t->root, info, &crl);
    if (rc != 0)
        return rc == KEYS_E_CRYPTO ? KEYS_E_TRUST : rc;
    for (size_t i = 0; i < t->n; i++) {
        struct keys_trust_entry *te = &t->e[i];

        r = NULL;
        if (X509_CRL_get0_by_serial(crl, &r, X509_get_serialNumber(te->cert)) != 1)
            continue;
        at = asn1_epoch(X509_REVOKED_get0_revocationDate(r));
        if (te->state != KEYS_REVOKED || te->revoked_at == 0 || (at != 0 && at < te->revoked_at))
            te->revoked_at = at;
        te->state = KEYS_REVOKED;
    }
    X509_CRL_free(crl);
    return 0;
}

enum keys_when keys_when_day(const char *issue_date, int64_t revoked_at)
{
    char iso[21];
    int64_t day, rday;

    if (revoked_at <= 0 || issue_date == NULL || strlen(issue_date) != 10 ||
        jp_strf(iso, sizeof iso, "%sT00:00:00Z", issue_date) != 0)
        return KEYS_WHEN_UNKNOWN;
    day = keys_iso_epoch(iso);
    rday = revoked_at + CHINA_OFFSET; /* the issue date is a date in China */
    rday -= rday % DAY_SECONDS;
    if (day == 0)
        return KEYS_WHEN_UNKNOWN;
    return day < rday ? KEYS_WHEN_BEFORE : day > rday ? KEYS_WHEN_AFTER : KEYS_WHEN_UNKNOWN;
}

/* The first SignerInfo's certificate among the CMS's certificates; a new reference or NULL. */
static X509 *signer_cert(CMS_ContentInfo *cms, CMS_SignerInfo *si)
{
    STACK_OF(X509) *certs = CMS_get1_certs(cms);
    X509 *found = NULL;

    for (int i = 0; certs != NULL && i < sk_X509_num(certs) && found == NULL; i++) {
        X509 *x = sk_X509_value(certs, i);

        if (CMS_SignerInfo_cert_cmp(si, x) == 0 && X509_up_ref(x) == 1)
            found = x;
    }
    sk_X509_pop_free(certs, X509_free);
    return found;
}

static void key_of(const keys_trust_t *t, X509 *cert, struct keys_sig_time *out)
{
    unsigned char kid[KEYS_KID_LEN];

    if (cert == NULL || keys_kid_of(cert, kid) != 0)
        return;
    jp_hex_encode(kid, sizeof kid, out->kid);
    for (size_t i = 0; i < t->n; i++) {
        if (memcmp(t->e[i].kid, kid, sizeof kid) == 0) {
            out->key_known = 1;
            out->state = t->e[i].state;
            out->revoked_at = t->e[i].state == KEYS_REVOKED ? t->e[i].revoked_at : 0;
        }
    }
}

/* The time-stamp token of si's unsigned attributes, decoded; NULL when there is none. */
static PKCS7 *stamp_token(CMS_SignerInfo *si)
{
    int at = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1);
    X509_ATTRIBUTE *a = at >= 0 ? CMS_unsigned_get_attr(si, at) : NULL;
    ASN1_TYPE *v = a != NULL ? X509_ATTRIBUTE_get0_type(a, 0) : NULL;
    const unsigned char *p;

    if (v == NULL || v->type != V_ASN1_SEQUENCE)
        return NULL;
    p = v->value.sequence->data;
    return d2i_PKCS7(NULL, &p, v->value.sequence->length);
}

/* Verifies token over the signature value sig at its own genTime; 1 when it holds. */
static int stamp_verify(const keys_trust_t *t, PKCS7 *token, const ASN1_OCTET_STRING *sig,
                        int64_t gen)
{
    TS_VERIFY_CTX *ctx = TS_VERIFY_CTX_new();
    X509_STORE *store = X509_STORE_new();
    X509_VERIFY_PARAM *param = X509_VERIFY_PARAM_new();
    BIO *data = BIO_new_mem_buf(ASN1_STRING_get0_data(sig), ASN1_STRING_length(sig));
    int ok = 0;

    if (ctx == NULL || store == NULL || param == NULL || data == NULL ||
        X509_STORE_add_cert(store, t->root) != 1)
        goto out;
    X509_VERIFY_PARAM_set_time(param, (time_t)gen);
    if (X509_STORE_set1_param(store, param) != 1)
        goto out;
    TS_VERIFY_CTX_set_flags(ctx, TS_VFY_VERSION | TS_VFY_SIGNATURE | TS_VFY_DATA);
    TS_VERIFY_CTX_set_store(ctx, store); /* ctx owns both from here */
    TS_VERIFY_CTX_set_data(ctx, data);
    store = NULL;
    data = NULL;
    ok = TS_RESP_verify_token(ctx, token) == 1;
out:
    ERR_clear_error();
    TS_VERIFY_CTX_free(ctx);
    X509_STORE_free(store);
    X509_VERIFY_PARAM_free(param);
    BIO_free(data);
    return ok;
}

static void judge_stamp(const keys_trust_t *t, CMS_SignerInfo *si, struct keys_sig_time *out)
{
    PKCS7 *token = stamp_token(si);
    TS_TST_INFO *tst = NULL;
    int64_t gen = 0;

    if (CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1) < 0)
        return;
    out->stamp = KEYS_STAMP_UNTRUSTED;
    tst = token != NULL ? PKCS7_to_TS_TST_INFO(token) : NULL;
    if (tst != NULL)
        gen = asn1_epoch(TS_TST_INFO_get_time(tst));
    if (gen > 0 && t->root != NULL &&
        stamp_verify(t, token, CMS_SignerInfo_get0_signature(si), gen)) {
        out->stamp = KEYS_STAMP_VERIFIED;
        out->signed_at = gen;
    }
    TS_TST_INFO_free(tst);
    PKCS7_free(token);
    ERR_clear_error();
}

int keys_cms_sig_time(const keys_trust_t *t, const unsigned char *cms, size_t len,
                      struct keys_sig_time *out)
{
    const unsigned char *p = cms;
    CMS_ContentInfo *ci = NULL;
    STACK_OF(CMS_SignerInfo) * sis;
    CMS_SignerInfo *si;
    X509 *cert;

    memset(out, 0, sizeof *out);
    out->when = KEYS_WHEN_UNKNOWN;
    if (len == 0 || len > (size_t)LONG_MAX)
        return KEYS_E_INVAL;
    ci = d2i_CMS_ContentInfo(NULL, &p, (long)len);
    sis = ci != NULL ? CMS_get0_SignerInfos(ci) : NULL;
    if (sis == NULL || sk_CMS_SignerInfo_num(sis) < 1) {
        CMS_ContentInfo_free(ci);
        ERR_clear_error();
        return KEYS_E_INVAL;
    }
    si = sk_CMS_SignerInfo_value(sis, 0);
    cert = signer_cert(ci, si);
    key_of(t, cert, out);
    judge_stamp(t, si, out);
    if (!out->key_known || out->state != KEYS_REVOKED)
        out->when = out->key_known ? KEYS_WHEN_NOT_REVOKED : KEYS_WHEN_UNKNOWN;
    else if (out->stamp == KEYS_STAMP_VERIFIED && out->revoked_at > 0)
        out->when = out->signed_at < out->revoked_at ? KEYS_WHEN_BEFORE : KEYS_WHEN_AFTER;
    X509_free(cert);
    CMS_ContentInfo_free(ci);
    ERR_clear_error();
    return 0;
}
