/*
 * tsa_client.c - the signature time-stamp of a PAdES B-T/B-LT signature (SPEC
 * §13): an RFC 3161 query over the SHA-256 of the CMS signature value, sent by
 * HTTP POST (application/timestamp-query, libcurl) to the configured TSA, and
 * the token of a granted answer added to the SignerInfo as the unsigned
 * attribute id-aa-signatureTimeStampToken (RFC 5652 / ETSI EN 319 122).
 *
 * Each keys_t keeps one curl handle, so the connection to the TSA stays open
 * between the certificates a worker thread signs (keep-alive): every issuing
 * thread has its own handle and its own connection, and the queries of the
 * threads run side by side.
 */
#include "keys_int.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ts.h>

#include "util.h"

struct body {
    struct jp_buf b; /* the answer, bounded by KEYS_TSA_RESP_MAX */
};

static size_t on_data(char *p, size_t size, size_t nmemb, void *arg)
{
    struct body *body = arg;
    size_t n = size * nmemb;

    return jp_buf_append(&body->b, p, n) == 0 ? n : 0;
}

int keys_set_tsa(keys_t *k, const char *url, long timeout_ms, char *err, size_t errlen)
{
    if (url == NULL || url[0] == '\0') {
        k->tsa_url[0] = '\0';
        return 0;
    }
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
        jp_errf(err, errlen, "tsa url: not http:// or https://");
        return KEYS_E_INVAL;
    }
    if (jp_strf(k->tsa_url, sizeof k->tsa_url, "%s", url) != 0) {
        jp_errf(err, errlen, "tsa url: longer than %zu bytes", sizeof k->tsa_url - 1);
        return KEYS_E_INVAL;
    }
    k->tsa_timeout_ms = timeout_ms > 0 ? timeout_ms : KEYS_TSA_TIMEOUT_MS;
    return 0;
}

int keys_tsa_on(const keys_t *k)
{
    return k->tsa_url[0] != '\0';
}

int keys_cms_stamped(const unsigned char *der, size_t len)
{
    const unsigned char *p = der;
    CMS_ContentInfo *cms = len <= LONG_MAX ? d2i_CMS_ContentInfo(NULL, &p, (long)len) : NULL;
    STACK_OF(CMS_SignerInfo) *sis = cms != NULL ? CMS_get0_SignerInfos(cms) : NULL;
    CMS_SignerInfo *si = sis != NULL ? sk_CMS_SignerInfo_value(sis, 0) : NULL;
    int stamped = -1;

    if (si != NULL)
        stamped = OBJ_obj2nid(CMS_get0_eContentType(cms)) == NID_id_smime_ct_TSTInfo ||
                  CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1) >= 0;
    CMS_ContentInfo_free(cms);
    ERR_clear_error();
    return stamped;
}

void keys_tsa_client_free(keys_t *k)
{
    if (k->tsa_curl != NULL)
        curl_easy_cleanup(k->tsa_curl);
    k->tsa_curl = NULL;
}

/* The DER query for SHA-256(data), with a nonce and certReq. */
static int make_query(const unsigned char *data, size_t len, unsigned char **der, int *derlen,
                      ASN1_INTEGER **nonce)
{
    unsigned char md[32], rnd[8];
    TS_REQ *req = TS_REQ_new();
    TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    BIGNUM *bn = NULL;
    int ok;

    ok = req != NULL && mi != NULL && alg != NULL && SHA256(data, len, md) != NULL &&
         RAND_bytes(rnd, sizeof rnd) == 1 &&
         X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) == 1 &&
         TS_MSG_IMPRINT_set_algo(mi, alg) == 1 && TS_MSG_IMPRINT_set_msg(mi, md, 32) == 1 &&
         TS_REQ_set_version(req, 1) == 1 && TS_REQ_set_msg_imprint(req, mi) == 1 &&
         TS_REQ_set_cert_req(req, 1) == 1;
    rnd[0] &= 0x7f;
    bn = ok ? BN_bin2bn(rnd, sizeof rnd, NULL) : NULL;
    *nonce = bn != NULL ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
    ok = ok && *nonce != NULL && TS_REQ_set_nonce(req, *nonce) == 1;
    *derlen = ok ? i2d_TS_REQ(req, der) : 0;
    BN_free(bn);
    X509_ALGOR_free(alg);
    TS_MSG_IMPRINT_free(mi);
    TS_REQ_free(req);
    return ok && *derlen > 0 ? 0 : KEYS_E_CRYPTO;
}

/* POSTs the query and collects the answer into body. */
static int post_query(keys_t *k, const unsigned char *q, int qlen, struct body *body, char *err,
                      size_t errlen)
{
    struct curl_slist *hdr = NULL;
    long status = 0;
    CURLcode cc;

    if (k->tsa_curl == NULL)
        k->tsa_curl = curl_easy_init();
    if (k->tsa_curl == NULL) {
        jp_errf(err, errlen, "tsa: cannot start libcurl");
        return KEYS_E_TSA;
    }
    hdr = curl_slist_append(NULL, "Content-Type: application/timestamp-query");
    curl_easy_setopt(k->tsa_curl, CURLOPT_URL, k->tsa_url);
    curl_easy_setopt(k->tsa_curl, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(k->tsa_curl, CURLOPT_POSTFIELDS, (const char *)q);
    curl_easy_setopt(k->tsa_curl, CURLOPT_POSTFIELDSIZE, (long)qlen);
    curl_easy_setopt(k->tsa_curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(k->tsa_curl, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(k->tsa_curl, CURLOPT_TIMEOUT_MS, k->tsa_timeout_ms);
    curl_easy_setopt(k->tsa_curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(k->tsa_curl, CURLOPT_PROTOCOLS_STR, "http,https");
    cc = curl_easy_perform(k->tsa_curl);
    curl_slist_free_all(hdr);
    curl_easy_setopt(k->tsa_curl, CURLOPT_HTTPHEADER, NULL);
    if (cc != CURLE_OK) {
        jp_errf(err, errlen, "time-stamp authority %s: %s", k->tsa_url, curl_easy_strerror(cc));
        return KEYS_E_TSA;
    }
    curl_easy_getinfo(k->tsa_curl, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) {
        jp_errf(err, errlen, "time-stamp authority %s: http status %ld", k->tsa_url, status);
        return KEYS_E_TSA;
    }
    return 0;
}

/* Checks a DER answer against the query: granted, same imprint and nonce. */
static int check_answer(const struct body *body, const unsigned char *q, int qlen,
                        unsigned char **token, int *toklen, char *err, size_t errlen)
{
    const unsigned char *p = body->b.data, *qp = q;
    TS_RESP *r = d2i_TS_RESP(NULL, &p, (long)body->b.len);
    TS_REQ *req = d2i_TS_REQ(NULL, &qp, qlen);
    TS_VERIFY_CTX *vc = req != NULL ? TS_REQ_to_TS_VERIFY_CTX(req, NULL) : NULL;
    int rc = KEYS_E_TSA;

    if (r == NULL || vc == NULL) {
        jp_errf(err, errlen, "tsa: answer is not a time-stamp response");
        goto out;
    }
    TS_VERIFY_CTX_set_flags(vc, TS_VFY_VERSION | TS_VFY_IMPRINT | TS_VFY_NONCE);
    if (TS_RESP_verify_response(vc, r) != 1) {
        jp_errf(err, errlen, "tsa: response refused or does not match the query");
        goto out;
    }
    *toklen = i2d_PKCS7(TS_RESP_get_token(r), token);
    rc = *toklen > 0 ? 0 : KEYS_E_TSA;
out:
    TS_VERIFY_CTX_free(vc);
    TS_REQ_free(req);
    TS_RESP_free(r);
    ERR_clear_error();
    return rc;
}

int keys_tsa_stamp(keys_t *k, const unsigned char *data, size_t len, unsigned char **token,
                   size_t *toklen, char *err, size_t errlen)
{
    struct body body;
    unsigned char *q = NULL;
    ASN1_INTEGER *nonce = NULL;
    int qlen = 0, tlen = 0;
    int rc;

    *token = NULL;
    *toklen = 0;
    if (k->tsa_url[0] == '\0') {
        jp_errf(err, errlen, "tsa: no url configured");
        return KEYS_E_INVAL;
    }
    jp_buf_init(&body.b, KEYS_TSA_RESP_MAX);
    rc = make_query(data, len, &q, &qlen, &nonce);
    if (rc != 0)
        jp_errf(err, errlen, "tsa: cannot make the query");
    if (rc == 0)
        rc = post_query(k, q, qlen, &body, err, errlen);
    if (rc == 0)
        rc = check_answer(&body, q, qlen, token, &tlen, err, errlen);
    if (rc == 0)
        *toklen = (size_t)tlen;
    OPENSSL_free(q);
    ASN1_INTEGER_free(nonce);
    jp_buf_free(&body.b);
    return rc;
}

int keys_cms_add_timestamp(keys_t *k, CMS_SignerInfo *si, char *err, size_t errlen)
{
    ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(si);
    unsigned char *tok = NULL;
    size_t toklen = 0;
    int rc = keys_tsa_stamp(k, ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig), &tok,
                            &toklen, err, errlen);

    if (rc == 0 && CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken,
                                                 V_ASN1_SEQUENCE, tok, (int)toklen) != 1) {
        jp_errf(err, errlen, "tsa: cannot add the token to the signature");
        rc = KEYS_E_CRYPTO;
    }
    OPENSSL_free(tok);
    return rc;
}
