/*
 * handlers.c - the endpoints of SPEC §8 as plain functions from a struct
 * vf_call to a struct vf_reply, and the router that picks one. Each request
 * that reads the store takes one read transaction and ends it before
 * answering; personal data from the store leaves only masked, except for the
 * PDF given to a caller who proved the holder's name and ID number.
 */
#include "verifier_int.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/sha.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"

#define QR_TEXT_MAX 4096
#define CHANGES_PAGE 200  /* status changes returned per request at most */
#define CHANGES_SCAN 1000 /* audit entries scanned per request at most */
#define CHANGES_CHUNK 128 /* audit entries read per store call */

void vf_reply_clear(struct vf_reply *r)
{
    free(r->body);
    r->body = NULL;
    r->len = 0;
}

int vf_reply_attachment(struct vf_reply *r, const char *ctype, struct jp_buf *body, const char *no,
                        const char *ext)
{
    vf_reply_clear(r);
    r->status = 200;
    r->ctype = ctype;
    r->body = jp_buf_detach(body, &r->len);
    r->html = 1; /* no-store, nosniff */
    return jp_strf(r->disposition, sizeof(r->disposition), "attachment; filename=\"%s.%s\"", no,
                   ext);
}

int vf_home_published(struct verifier *v, struct vf_reply *r, const char *name, size_t max,
                      const char *none, unsigned char **data, size_t *len)
{
    char path[VF_PATH_MAX];
    int rc = jp_path_join(path, sizeof(path), v->home, name);

    *data = NULL;
    *len = 0;
    if (rc == 0)
        rc = jp_read_file(path, max, data, len);
    if (rc == ENOENT)
        return vf_reply_error(r, 404, "not_found", none);
    return rc;
}

int vf_reply_json(struct vf_reply *r, unsigned status, json_t *obj)
{
    char *text;

    if (obj == NULL)
        return ENOMEM;
    text = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    if (text == NULL)
        return ENOMEM;
    vf_reply_clear(r);
    r->status = status;
    r->ctype = "application/json; charset=utf-8";
    r->body = (unsigned char *)text;
    r->len = strlen(text);
    return 0;
}

int vf_reply_error(struct vf_reply *r, unsigned status, const char *code, const char *message)
{
    return vf_reply_json(r, status,
                         json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message));
}

int vf_reply_page(struct vf_reply *r, struct pages_page *p)
{
    size_t len = 0;
    unsigned char *body = jp_buf_detach(&p->body, &len);

    vf_reply_clear(r);
    r->status = p->status;
    r->ctype = "text/html; charset=utf-8";
    r->body = body;
    r->len = body != NULL ? len : 0;
    r->html = 1;
    r->retry_after = p->retry_after;
    memcpy(r->set_cookie, p->set_cookie, sizeof(r->set_cookie));
    return 0;
}

int vf_reply_message(struct vf_reply *r, unsigned status, const char *heading, const char *text)
{
    struct pages_page p;
    int rc;

    pages_page_init(&p);
    rc = pages_message(&p, status, heading, text);
    if (rc == 0)
        rc = vf_reply_page(r, &p);
    pages_page_free(&p);
    return rc;
}

int vf_reply_csrf_refused(struct vf_reply *r)
{
    struct pages_page p;
    int rc;

    pages_page_init(&p);
    rc = pages_csrf_refused(&p);
    if (rc == 0)
        rc = vf_reply_page(r, &p);
    pages_page_free(&p);
    return rc;
}

int vf_page_rate_ok(struct verifier *v, const struct vf_call *c, struct vf_reply *r,
                    const char *heading, const char *text, int *rc)
{
    unsigned retry = 0;

    if (vf_ratelimit_take(v->rl, c->addr, c->addrlen, jp_mono_us() * 1000u, &retry))
        return 1;
    *rc = vf_reply_message(r, 429, heading, text);
    r->retry_after = retry;
    return 0;
}

int vf_reply_redirect(struct vf_reply *r, const char *where, const char *cookie)
{
    vf_reply_clear(r);
    r->status = 303;
    r->ctype = "text/plain; charset=utf-8";
    r->html = 1;
    if (cookie != NULL && jp_strf(r->set_cookie, sizeof(r->set_cookie), "%s", cookie) != 0)
        return ENOSPC;
    return jp_strf(r->location, sizeof(r->location), "%s", where);
}

size_t vf_body_max(const char *path)
{
    static const char *const uploads[] = {"/check/file", "/check/roster", "/api/v1/check-file",
                                          "/api/v1/roster"};
    size_t i;

    for (i = 0; i < sizeof(uploads) / sizeof(uploads[0]); i++) {
        if (strcmp(path, uploads[i]) == 0)
            return PAGES_UPLOAD_BODY_MAX;
    }
    return VERIFIER_BODY_MAX;
}

static int reply_buf(struct vf_reply *r, unsigned status, const char *ctype, struct jp_buf *b)
{
    size_t len = 0;
    unsigned char *p = jp_buf_detach(b, &len);

    vf_reply_clear(r);
    r->status = status;
    r->ctype = ctype;
    r->body = p;
    r->len = p != NULL ? len : 0;
    return 0;
}

/* ------------------------------------------------------------ helpers */

int vf_read_renew(struct verifier *v, store_txn **txn)
{
    int rc;

    *txn = pthread_getspecific(v->txn_key);
    rc = store_read_renew(v->st, txn);
    if (pthread_getspecific(v->txn_key) != *txn && pthread_setspecific(v->txn_key, *txn) != 0) {
        store_read_end(*txn); /* no slot to keep it in: end it now */
        *txn = NULL;
        return rc != 0 ? rc : ENOMEM;
    }
    return rc;
}

/*
 * Reads one certificate in a fresh snapshot, through this worker thread's
 * reusable read-transaction handle (renewed, then reset: a new snapshot per
 * request without taking LMDB's reader-table lock).
 */
int vf_cert_lookup(struct verifier *v, const char *no, struct store_cert *out)
{
    store_txn *txn;
    int rc = vf_read_renew(v, &txn);

    if (rc != 0)
        return rc;
    rc = store_cert_get(txn, no, out);
    store_read_reset(txn);
    return rc;
}

/* Checks that the depth of the JSON text stays within VERIFIER_JSON_DEPTH. */
static int json_depth_ok(const unsigned char *p, size_t len)
{
    int depth = 0, in_str = 0, esc = 0;
    size_t i;

    for (i = 0; i < len; i++) {
        unsigned char ch = p[i];

        if (in_str) {
            if (esc)
                esc = 0;
            else if (ch == '\\')
                esc = 1;
            else if (ch == '"')
                in_str = 0;
        } else if (ch == '"') {
            in_str = 1;
        } else if (ch == '{' || ch == '[') {
            if (++depth > VERIFIER_JSON_DEPTH)
                return 0;
        } else if (ch == '}' || ch == ']') {
            depth--;
        }
    }
    return 1;
}

/* Parses the body as a JSON object; on failure fills a 400 reply and returns NULL. */
static json_t *body_object(const struct vf_call *c, struct vf_reply *r)
{
    json_error_t jerr;
    json_t *root;

    if (!json_depth_ok(c->body, c->len)) {
        vf_reply_error(r, 400, "invalid_json", "body nests too deep");
        return NULL;
    }
    root = json_loadb((const char *)c->body, c->len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL || !json_is_object(root)) {
        json_decref(root);
        vf_reply_error(r, 400, "invalid_json", "body must be a json object");
        return NULL;
    }
    return root;
}

int vf_certno_ok(const char *s, size_t len)
{
    return ident_certno_parse(s, len, NULL, NULL, 0) == 0;
}

/* ------------------------------------------------------------ lookups */

static int h_certificate(struct verifier *v, const struct vf_call *c, const char *no,
                         struct vf_reply *r)
{
    struct jp_buf b;
    int rc;

    jp_buf_init(&b, 64 * 1024);
    rc = vf_cert_answer(v, no, &b);
    if (rc != 0)
        jp_buf_free(&b);
    if (rc == STORE_ENOTFOUND && !vf_lookup_missed(v, c, r))
        return 0;
    if (rc == STORE_ENOTFOUND)
        return vf_reply_error(r, 404, "not_found", "no certificate has this number");
    if (rc != 0)
        return rc;
    reply_buf(r, 200, "application/json; charset=utf-8", &b);
    return vf_reply_cache(r, VF_CACHE_LIVE);
}

static json_t *claims_json(const struct keys_claims *k)
{
    return json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s}", "certificate_no", k->certificate_no,
                     "elicence_version", (json_int_t)k->elicence_version, "position", k->position,
                     "issue_date", k->issue_date, "province", k->province, "name_masked",
                     k->name_masked, "id_number_masked", k->id_masked);
}

/* {"verdict","claims","status","record_matches","older_version","certificate"} of a checked QR. */
static json_t *qr_result_json(struct verifier *v, const struct verifier_qr *qr,
                              const struct store_cert *cert)
{
    int have_claims = qr->verdict != VERIFIER_QR_MALFORMED;
    json_t *o;

    o = json_pack(
        "{s:s, s:o, s:o, s:b, s:o}", "verdict", verifier_qr_verdict_name(qr->verdict), "claims",
        have_claims ? claims_json(&qr->claims) : json_null(), "status",
        cert != NULL ? json_string(store_status_name(cert->status)) : json_null(), "record_matches",
        qr->verdict == VERIFIER_QR_GENUINE && cert != NULL && vf_claims_match(&qr->claims, cert),
        "certificate", cert != NULL ? vf_cert_json(v, cert) : json_null());
    if (o != NULL &&
        json_object_set_new(o, "older_version",
                            json_boolean(qr->verdict == VERIFIER_QR_GENUINE && cert != NULL &&
                                         vf_claims_older(&qr->claims, cert))) != 0) {
        json_decref(o);
        o = NULL;
    }
    if (o != NULL && qr->verdict == VERIFIER_QR_REVOKED_KEY && /* issue 17 */
        json_object_set_new(o, "revocation", json_string(keys_when_name(qr->revocation))) != 0) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

/*
 * Checks QR text against the current trust: a path the issuer stored for
 * cert's current file without a signature check, any other through the
 * verdict cache.
 */
static int qr_check_locked(struct verifier *v, const char *text, size_t len,
                           const struct store_cert *cert, struct verifier_qr *qr)
{
    unsigned char key[SHA256_DIGEST_LENGTH];
    uint64_t gen;
    int rc;

    if (vf_qr_is_stored(text, cert)) {
        pthread_rwlock_rdlock(&v->lock);
        rc = vf_qr_check_stored(v->trust, text, qr);
        pthread_rwlock_unlock(&v->lock);
        atomic_fetch_add(&v->qrcache.stored, 1);
        return rc;
    }
    SHA256((const unsigned char *)text, len, key);
    if (vf_qrcache_get(&v->qrcache, key, qr))
        return 0;
    pthread_rwlock_rdlock(&v->lock);
    gen = atomic_load(&v->qrcache.gen); /* stable while the lock is held: reloads take it */
    rc = verifier_qr_check(v->trust, text, len, qr);
    pthread_rwlock_unlock(&v->lock);
    if (rc == 0)
        vf_qrcache_put(&v->qrcache, key, gen, qr);
    return rc;
}

static int h_page(struct verifier *v, const struct vf_call *c, const char *no, struct vf_reply *r)
{
    char token[PAGES_CSRF_LEN + 1];
    struct store_cert cert;
    struct verifier_qr qr;
    struct pages_page pp;
    struct jp_buf page;
    int rc, found;

    rc = vf_cert_lookup(v, no, &cert);
    if (rc != 0 && rc != STORE_ENOTFOUND)
        return rc;
    found = rc == 0;
    rc = qr_check_locked(v, c->path, strlen(c->path), found ? &cert : NULL, &qr);
    if (rc != 0)
        return rc;
    if (qr.verdict != VERIFIER_QR_MALFORMED && strcmp(qr.claims.certificate_no, no) != 0)
        qr.verdict = VERIFIER_QR_FORGED; /* the number the page shows is the one in the path */
    if (!found && !vf_lookup_missed(v, c, r))
        return 0;
    r->xname = "Vary";
    memcpy(r->xvalue, "Accept", sizeof "Accept");
    if (c->wants_json) {
        rc = vf_reply_json(r, found ? 200 : 404, qr_result_json(v, &qr, found ? &cert : NULL));
        return rc == 0 ? vf_reply_cache(r, found ? VF_CACHE_LIVE : NULL) : rc;
    }
    pages_page_init(&pp);
    rc = pages_csrf_prepare(&pp, c->cookie, vf_secure_cookies(v), token);
    jp_buf_init(&page, 256 * 1024);
    if (rc == 0)
        rc = vf_page_render(v, no, &qr, found ? &cert : NULL,
                            found && qr.verdict == VERIFIER_QR_GENUINE ? token : NULL, &page);
    if (rc == 0) {
        reply_buf(r, found ? 200 : 404, "text/html; charset=utf-8", &page);
        r->html = 1;
        if (found && qr.verdict == VERIFIER_QR_GENUINE)
            memcpy(r->set_cookie, pp.set_cookie, sizeof(r->set_cookie));
        /* the holder-check form's CSRF token is this visitor's: no shared cache */
        rc = vf_reply_cache(r, !found                      ? NULL
                               : r->set_cookie[0] != '\0' ? "private, max-age=1"
                                                          : VF_CACHE_LIVE);
    }
    jp_buf_free(&page);
    pages_page_free(&pp);
    return rc;
}

/*
 * A QR path with other than one segment after the number: 404, and for a
 * browser the red forged page (whatever token hides further on is not this
 * number's).
 */
static int h_page_misshapen(struct verifier *v, const struct vf_call *c, const char *no,
                            struct vf_reply *r)
{
    struct verifier_qr qr;
    struct jp_buf page;
    int rc;

    if (c->wants_json)
        return vf_reply_error(r, 404, "not_found", "expected /V/{no}/{token}");
    memset(&qr, 0, sizeof(qr));
    qr.verdict = VERIFIER_QR_FORGED;
    jp_buf_init(&page, 256 * 1024);
    rc = vf_page_render(v, no, &qr, NULL, NULL, &page);
    if (rc == 0) {
        reply_buf(r, 404, "text/html; charset=utf-8", &page);
        r->html = 1;
    }
    jp_buf_free(&page);
    return rc;
}

static int h_verify(struct verifier *v, const struct vf_call *c, struct vf_reply *r)
{
    struct store_cert cert;
    struct verifier_qr qr;
    json_t *root = body_object(c, r);
    const char *text;
    int rc, found = 0;

    if (root == NULL)
        return 0;
    text = json_string_value(json_object_get(root, "qr"));
    if (text == NULL || json_string_length(json_object_get(root, "qr")) > QR_TEXT_MAX) {
        json_decref(root);
        return vf_reply_error(r, 400, "invalid_request",
                              "qr must be a string of at most 4096 bytes");
    }
    rc = qr_check_locked(v, text, json_string_length(json_object_get(root, "qr")), NULL, &qr);
    json_decref(root);
    if (rc != 0)
        return rc;
    if (qr.verdict != VERIFIER_QR_MALFORMED) {
        rc = vf_cert_lookup(v, qr.claims.certificate_no, &cert);
        if (rc != 0 && rc != STORE_ENOTFOUND)
            return rc;
        found = rc == 0;
    }
    return vf_reply_json(r, 200, qr_result_json(v, &qr, found ? &cert : NULL));
}

/* ------------------------------------------------- holder check, pdf */

/*
 * 1 when name and id equal the record's holder (pages_holder_match: NFC,
 * a final x as X, constant time); cert NULL (unknown number) runs the same
 * comparisons and fails.
 */
static int holder_matches(const struct store_cert *cert, json_t *name, json_t *id)
{
    return pages_holder_match(json_string_value(name), json_string_length(name),
                              json_string_value(id), json_string_length(id),
                              cert != NULL ? cert->holder_name : NULL,
                              cert != NULL ? cert->id_number : NULL);
}

/* The per-address bucket of holder-check and pdf; 0 when it let the call through, else replied. */
static int address_limited(struct verifier *v, const struct vf_call *c, struct vf_reply *r, int *rc)
{
    unsigned retry = 0;

    *rc = 0;
    if (vf_ratelimit_take(v->rl, c->addr, c->addrlen, jp_mono_us() * 1000u, &retry))
        return 0;
    *rc = vf_reply_error(r, 429, "rate_limited", "too many holder checks, retry later");
    r->retry_after = retry;
    return 1;
}

/* The answer for a certificate whose proofs are locked: the same whatever was sent. */
static int reply_locked(struct vf_reply *r, unsigned retry)
{
    int rc = vf_reply_error(r, 429, "locked",
                            "too many failed checks for this certificate, retry later");

    r->retry_after = retry;
    return rc;
}

/*
 * Charges the attempt to the certificate's lockout (pages.h), then compares.
 * 1 = match (the charge refunded), 0 = not, <0 = replied (locked, bad request
 * or failure in *rc).
 */
static int holder_proof(struct verifier *v, const struct vf_call *c, const char *no,
                        struct store_cert *cert, struct vf_reply *r, int *rc)
{
    int64_t now = (int64_t)time(NULL);
    json_t *root, *name, *id;
    unsigned retry = 0;
    int found, match;

    if (address_limited(v, c, r, rc))
        return -1;
    if (!vf_certno_ok(no, strlen(no))) {
        *rc =
            vf_reply_error(r, 400, "invalid_certificate_no", "certificate number fails its check");
        return -1;
    }
    root = body_object(c, r);
    if (root == NULL)
        return -1;
    name = json_object_get(root, "name");
    id = json_object_get(root, "id_number");
    if (!json_is_string(name) || !json_is_string(id)) {
        json_decref(root);
        *rc = vf_reply_error(r, 400, "invalid_request", "name and id_number must be strings");
        return -1;
    }
    *rc = portal_proof_charge(v->portal, no, strlen(no), now, &retry);
    if (*rc == PAGES_E_LOCKED) {
        json_decref(root);
        *rc = reply_locked(r, retry);
        return -1;
    }
    if (*rc == 0)
        *rc = vf_cert_lookup(v, no, cert);
    found = *rc == 0;
    if (*rc == STORE_ENOTFOUND)
        *rc = 0;
    match = *rc == 0 && holder_matches(found ? cert : NULL, name, id);
    json_decref(root);
    if (match)
        *rc = portal_proof_refund(v->portal, no, strlen(no), now);
    return *rc != 0 ? -1 : match;
}

static int h_holder_check(struct verifier *v, const struct vf_call *c, const char *no,
                          struct vf_reply *r)
{
    struct store_cert cert;
    int rc, match;

    match = holder_proof(v, c, no, &cert, r, &rc);
    if (match < 0)
        return rc;
    if (!match)
        return vf_reply_json(r, 200, json_pack("{s:b, s:n}", "match", 0, "status"));
    return vf_reply_json(
        r, 200, json_pack("{s:b, s:s}", "match", 1, "status", store_status_name(cert.status)));
}

/*
 * 1 when the claim code and the last 6 characters of the ID number are those
 * of certificate cert (NULL: unknown number, which runs the same work and
 * fails). The code is read as claim.h reads typed input; the ID's final 'x'
 * counts as 'X'. Constant time in what is compared.
 */
static int claim_matches(struct verifier *v, const char *no, const struct store_cert *cert,
                         const char *code, size_t code_len, const char *last6, size_t last6_len)
{
    static const unsigned char zero_key[JP_CLAIM_KEY_LEN];
    const unsigned char *key = vf_claim_key(v);
    unsigned char h[JP_CLAIM_HASH_LEN], want[JP_CLAIM_HASH_LEN] = {0};
    char canon[JP_CLAIM_CODE_SIZE], got6[7], id6[7] = {0};
    int code_ok, ok;

    code_ok = jp_claim_normalize(code, code_len, canon) == 0;
    if (!code_ok)
        memcpy(canon, "000000000000", JP_CLAIM_CODE_SIZE);
    if (jp_claim_hash(key != NULL ? key : zero_key, no, canon, h) != 0)
        code_ok = 0;
    if (cert != NULL)
        memcpy(want, cert->claim_hash, sizeof want);
    memset(got6, 0, sizeof got6);
    if (last6_len == 6)
        memcpy(got6, last6, 6);
    if (got6[5] == 'x')
        got6[5] = 'X';
    if (cert != NULL && strlen(cert->id_number) >= 6)
        memcpy(id6, cert->id_number + strlen(cert->id_number) - 6, 6);
    if (id6[5] == 'x')
        id6[5] = 'X';
    ok = CRYPTO_memcmp(h, want, sizeof h) == 0;
    ok &= CRYPTO_memcmp(got6, id6, sizeof got6) == 0;
    ok &= code_ok & (last6_len == 6) & (key != NULL) & (cert != NULL);
    ok &= cert != NULL && store_cert_has_claim(cert);
    jp_cleanse(canon, sizeof canon);
    jp_cleanse(got6, sizeof got6);
    jp_cleanse(id6, sizeof id6);
    return ok;
}

/*
 * In one snapshot: certificate no's record and, when the proof holds, a copy
 * of its stored PDF into pdf. *match 1 or 0; returns 0 or a store error.
 */
static int claim_fetch(struct verifier *v, const char *no, const char *code, size_t code_len,
                       const char *last6, size_t last6_len, int *match, struct jp_buf *pdf)
{
    store_txn *txn;
    struct store_cert cert;
    int rc, found;

    *match = 0;
    rc = vf_read_renew(v, &txn);
    if (rc != 0)
        return rc;
    rc = store_cert_get(txn, no, &cert);
    found = rc == 0;
    if (rc == STORE_ENOTFOUND)
        rc = 0;
    if (rc == 0)
        *match = claim_matches(v, no, found ? &cert : NULL, code, code_len, last6, last6_len);
    if (rc == 0 && *match && pdf != NULL)
        rc = store_pdf_copy(txn, no, pdf);
    store_read_reset(txn);
    jp_cleanse(&cert, sizeof cert);
    return rc;
}

int vf_claim_proof(struct verifier *v, const char *no, const char *code, size_t code_len,
                   const char *last6, size_t last6_len, int *match, struct jp_buf *pdf,
                   unsigned *retry)
{
    int64_t now = (int64_t)time(NULL);
    int rc;

    *retry = 0;
    *match = 0;
    rc = portal_proof_charge(v->portal, no, strlen(no), now, retry);
    if (rc == 0)
        rc = claim_fetch(v, no, code, code_len, last6, last6_len, match, pdf);
    if (rc == 0 && *match)
        rc = portal_proof_refund(v->portal, no, strlen(no), now);
    if ((rc != 0 || !*match) && pdf != NULL)
        jp_buf_free(pdf);
    if (rc != 0)
        *match = 0;
    return rc;
}

/*
 * SPEC §8: the stored signed PDF, byte for byte, to whoever shows the
 * certificate's claim code and the last 6 characters of its holder's ID
 * number; one and the same 403 for a wrong code, a wrong ID, a certificate
 * without a code, a body without them (name + ID number, say) and an unknown
 * number. Each try is charged to the
 * certificate's lockout (pages.h) and to the per-address bucket.
 */
static int h_pdf(struct verifier *v, const struct vf_call *c, const char *no, struct vf_reply *r)
{
    json_t *root, *code, *last6;
    struct jp_buf pdf;
    unsigned retry = 0;
    int rc, match;

    if (address_limited(v, c, r, &rc))
        return rc;
    if (!vf_certno_ok(no, strlen(no)))
        return vf_reply_error(r, 400, "invalid_certificate_no",
                              "certificate number fails its check");
    root = body_object(c, r);
    if (root == NULL)
        return 0;
    code = json_object_get(root, "claim_code"); /* absent or not text: a wrong proof */
    last6 = json_object_get(root, "id_last6");
    jp_buf_init(&pdf, STORE_PDF_MAX);
    rc = vf_claim_proof(v, no, json_is_string(code) ? json_string_value(code) : "",
                        json_string_length(code),
                        json_is_string(last6) ? json_string_value(last6) : "",
                        json_string_length(last6), &match, &pdf, &retry);
    json_decref(root);
    if (rc == PAGES_E_LOCKED)
        return reply_locked(r, retry);
    if (rc != 0)
        return rc;
    if (!match)
        return vf_reply_error(r, 403, "forbidden", "claim code and id_last6 do not match");
    rc = reply_buf(r, 200, "application/pdf", &pdf);
    if (rc == 0)
        rc = jp_strf(r->disposition, sizeof r->disposition, "attachment; filename=\"%s.pdf\"", no);
    return rc;
}

/* ------------------------------------------------------------ batch */

static json_t *batch_item(store_txn *txn, json_t *item)
{
    const char *no = json_string_value(item);
    struct store_cert cert;
    int rc;

    if (no == NULL || !vf_certno_ok(no, json_string_length(item)))
        return json_pack("{s:O, s:s}", "certificate_no", no ? item : json_null(), "error",
                         "invalid_certificate_no");
    rc = store_cert_get(txn, no, &cert);
    if (rc == STORE_ENOTFOUND)
        return json_pack("{s:s, s:s}", "certificate_no", no, "error", "not_found");
    if (rc != 0)
        return NULL;
    return json_pack("{s:s, s:s, s:o}", "certificate_no", no, "status",
                     store_status_name(cert.status), "status_changed_at",
                     cert.status_changed_at ? json_integer(cert.status_changed_at) : json_null());
}

static int batch_answer(struct verifier *v, json_t *nos, struct vf_reply *r)
{
    json_t *results = json_array();
    store_txn *txn = NULL;
    size_t i;
    int rc;

    if (results == NULL)
        return ENOMEM;
    rc = store_read_begin(v->st, &txn);
    for (i = 0; rc == 0 && i < json_array_size(nos); i++) {
        json_t *e = batch_item(txn, json_array_get(nos, i));

        if (e == NULL || json_array_append_new(results, e) != 0)
            rc = ENOMEM;
    }
    store_read_end(txn);
    if (rc != 0) {
        json_decref(results);
        return rc;
    }
    return vf_reply_json(r, 200, json_pack("{s:o}", "results", results));
}

/*
 * 1 when the call carries a valid SPEC §8 signature of a client that may call
 * §8's endpoints (a province's or a replica's), else 0 with a 401 or, for a
 * client of another scope, a 403 in r (*rc its result).
 */
static int authorized(struct verifier *v, const struct vf_call *c, struct vf_reply *r, int *rc)
{
    struct vf_client who;
    char why[128] = "";
    int auth = vf_auth_call(v, c, &who, why, sizeof(why));

    if (auth != 0)
        *rc = vf_reply_error(r, 401, "unauthorized", why);
    else if (who.scope == VF_SCOPE_INSTITUTION)
        *rc = vf_reply_error(r, 403, "forbidden", "this client may not call this endpoint");
    return auth == 0 && who.scope != VF_SCOPE_INSTITUTION;
}

static int h_batch(struct verifier *v, const struct vf_call *c, struct vf_reply *r)
{
    json_t *root, *nos;
    int rc;

    if (!authorized(v, c, r, &rc))
        return rc;
    root = body_object(c, r);
    if (root == NULL)
        return 0;
    nos = json_object_get(root, "certificate_nos");
    if (!json_is_array(nos) || json_array_size(nos) > VERIFIER_BATCH_MAX)
        rc = vf_reply_error(r, 400, "invalid_request",
                            "certificate_nos must be an array of at most 1000 numbers");
    else
        rc = batch_answer(v, nos, r);
    json_decref(root);
    return rc;
}

/* ------------------------------------------------------ status changes */

static const char *change_status(const char *action)
{
    static const char *const map[][2] = {
        {"revoke", "revoked"},   {"suspend", "suspended"}, {"reinstate", "valid"},
        {"cancel", "cancelled"}, {"lapse", "lapsed"},      {"reissue", NULL},
        {"correct", NULL},
    };
    size_t i;

    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(map[i][0], action) == 0)
            return map[i][1] != NULL ? map[i][1] : "";
    }
    return NULL;
}

int vf_parse_since(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    size_t i, n;

    *out = 0;
    if (s == NULL)
        return 0;
    n = strlen(s);
    if (n == 0 || n > 19)
        return EINVAL;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return EINVAL;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

static json_t *change_json(const struct store_audit_entry *e, const char *status)
{
    char when[21];

    vf_time_format(e->time, when);
    return json_pack("{s:I, s:s, s:s, s:s, s:o, s:s}", "seq", (json_int_t)e->seq, "time", when,
                     "action", e->action, "certificate_no", e->certificate_no, "status",
                     status[0] != '\0' ? json_string(status) : json_null(), "reason",
                     store_reason_code(e->detail));
}

/* Scans entries after *since into changes; *since ends at the last entry scanned. */
static int changes_scan(store_txn *txn, uint64_t *since, json_t *changes, int *more)
{
    struct store_audit_entry *buf = calloc(CHANGES_CHUNK, sizeof(*buf));
    size_t scanned = 0, n = 0, i;
    int rc = 0;

    *more = 0;
    if (buf == NULL)
        return ENOMEM;
    while (rc == 0 && scanned < CHANGES_SCAN && json_array_size(changes) < CHANGES_PAGE) {
        rc = store_audit_since(txn, *since, buf, CHANGES_CHUNK, &n);
        if (rc != 0 || n == 0)
            break;
        for (i = 0; i < n && json_array_size(changes) < CHANGES_PAGE; i++) {
            const char *st = change_status(buf[i].action);

            *since = buf[i].seq;
            scanned++;
            if (st != NULL && json_array_append_new(changes, change_json(&buf[i], st)) != 0)
                rc = ENOMEM;
        }
        *more = i < n || n == CHANGES_CHUNK;
    }
    free(buf);
    return rc;
}

static int h_changes(struct verifier *v, const struct vf_call *c, struct vf_reply *r)
{
    json_t *changes = NULL;
    store_txn *txn = NULL;
    uint64_t since;
    int rc, more = 0;

    if (!authorized(v, c, r, &rc))
        return rc;
    if (vf_parse_since(c->since, &since) != 0)
        return vf_reply_error(r, 400, "invalid_request", "since must be a sequence number");
    changes = json_array();
    if (changes == NULL)
        return ENOMEM;
    rc = store_read_begin(v->st, &txn);
    if (rc == 0)
        rc = changes_scan(txn, &since, changes, &more);
    store_read_end(txn);
    if (rc != 0) {
        json_decref(changes);
        return rc;
    }
    return vf_reply_json(r, 200,
                         json_pack("{s:o, s:I, s:b}", "changes", changes, "next_since",
                                   (json_int_t)since, "more", more));
}

/* ------------------------------------------------------------ plain */

static int h_trust_list(struct verifier *v, const struct vf_call *c, struct vf_reply *r)
{
    unsigned char *text = NULL;
    size_t len = 0;
    int rc = vf_home_published(v, r, JP_HOME_TRUST_LIST, KEYS_TRUST_FILE_MAX,
                               "no trust list is published", &text, &len);

    if (rc != 0 || text == NULL)
        return rc;
    return vf_reply_cacheable(r, c, "application/x-pem-file", text, len, 300);
}

static int h_health(struct verifier *v, struct vf_reply *r)
{
    store_txn *txn = NULL;
    const char *why = NULL;
    int rc;

    rc = store_read_begin(v->st, &txn);
    store_read_end(txn);
    if (rc != 0)
        return vf_reply_error(r, 503, "unavailable", "store cannot be read");
    if (v->replica != NULL && !vf_replica_healthy(v->replica, &why))
        return vf_reply_json(r, 503, json_pack("{s:s}", "status", why));
    return vf_reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

static int h_metrics(struct verifier *v, struct vf_reply *r)
{
    struct jp_buf b;
    int rc;

    jp_buf_init(&b, 1u << 20);
    rc = vf_metrics_render(&v->metrics, &b);
    if (rc == 0)
        rc = jp_buf_printf(&b,
                           "# HELP jianpei_qr_cache_hits_total QR checks answered from the "
                           "verdict cache.\n"
                           "# TYPE jianpei_qr_cache_hits_total counter\n"
                           "jianpei_qr_cache_hits_total %llu\n"
                           "# HELP jianpei_qr_stored_checks_total QR pages whose token is the "
                           "one stored for the current file (no signature check).\n"
                           "# TYPE jianpei_qr_stored_checks_total counter\n"
                           "jianpei_qr_stored_checks_total %llu\n"
                           "# HELP jianpei_qr_svg_cache_slots QR symbols the print and share "
                           "pages keep drawn (qr_svg_cache).\n"
                           "# TYPE jianpei_qr_svg_cache_slots gauge\n"
                           "jianpei_qr_svg_cache_slots %zu\n"
                           "# HELP jianpei_lookup_cache_hits_total Lookup answers served as "
                           "kept (record unchanged since built).\n"
                           "# TYPE jianpei_lookup_cache_hits_total counter\n"
                           "jianpei_lookup_cache_hits_total %llu\n"
                           "# HELP jianpei_lookup_cache_misses_total Lookup answers built "
                           "(then kept).\n"
                           "# TYPE jianpei_lookup_cache_misses_total counter\n"
                           "jianpei_lookup_cache_misses_total %llu\n",
                           (unsigned long long)atomic_load(&v->qrcache.hits),
                           (unsigned long long)atomic_load(&v->qrcache.stored), v->qrsvg.nslots,
                           (unsigned long long)atomic_load(&v->lookups.hits),
                           (unsigned long long)atomic_load(&v->lookups.misses));
    if (rc == 0 && v->replica != NULL)
        rc = vf_replica_metrics(v->replica, &b);
    if (rc == 0)
        reply_buf(r, 200, "text/plain; version=0.0.4; charset=utf-8", &b);
    jp_buf_free(&b);
    return rc;
}

/* ------------------------------------------------------------ router */

static int is_method(const struct vf_call *c, const char *m)
{
    return strcmp(c->method, m) == 0;
}

/* Copies the certificate number segment of path p (up to '/' or the end) into
 * no[IDENT_CERTNO_SIZE]. */
static const char *take_segment(const char *p, char no[IDENT_CERTNO_SIZE])
{
    size_t n = strcspn(p, "/");

    no[0] = '\0';
    if (n <= 18) {
        memcpy(no, p, n);
        no[n] = '\0';
    } else {
        memcpy(no, "-", 2);
    }
    return p + n;
}

static int route_certificates(struct verifier *v, const struct vf_call *c, struct vf_reply *r,
                              enum vf_endpoint *ep)
{
    char no[IDENT_CERTNO_SIZE];
    const char *rest = take_segment(c->path + strlen("/api/v1/certificates/"), no);

    if (strcmp(rest, "/holder-check") == 0 || strcmp(rest, "/pdf") == 0) {
        *ep = rest[1] == 'h' ? VF_EP_HOLDER_CHECK : VF_EP_PDF;
        if (!is_method(c, "POST"))
            return vf_reply_error(r, 405, "method_not_allowed", "use POST");
        return *ep == VF_EP_PDF ? h_pdf(v, c, no, r) : h_holder_check(v, c, no, r);
    }
    if (rest[0] != '\0')
        return vf_reply_error(r, 404, "not_found", "no such resource");
    *ep = VF_EP_CERT;
    if (!is_method(c, "GET"))
        return vf_reply_error(r, 405, "method_not_allowed", "use GET");
    if (!vf_lookup_allow(v, c, r))
        return 0;
    if (!vf_certno_ok(no, strlen(no)))
        return vf_reply_error(r, 400, "invalid_certificate_no",
                              "certificate number fails its check");
    return h_certificate(v, c, no, r);
}

static int route_page(struct verifier *v, const struct vf_call *c, struct vf_reply *r)
{
    char no[IDENT_CERTNO_SIZE];
    const char *rest = take_segment(c->path + 3, no);

    if (!is_method(c, "GET"))
        return vf_reply_error(r, 405, "method_not_allowed", "use GET");
    if (!vf_lookup_allow(v, c, r))
        return 0;
    if (!vf_certno_ok(no, strlen(no)) || rest[0] != '/')
        return vf_reply_error(r, 400, "invalid_certificate_no",
                              "certificate number fails its check");
    if (rest[1] == '\0' || strchr(rest + 1, '/') != NULL)
        return h_page_misshapen(v, c, no, r);
    return h_page(v, c, no, r);
}

struct simple_route {
    const char *path;    /* exact path */
    const char *method;  /* the one method allowed */
    enum vf_endpoint ep; /* metrics label */
};

static const struct simple_route simple_routes[] = {
    {"/healthz", "GET", VF_EP_HEALTH},          {"/metrics", "GET", VF_EP_METRICS},
    {"/api/v1/trust-list", "GET", VF_EP_TRUST}, {"/api/v1/status-changes", "GET", VF_EP_CHANGES},
    {"/api/v1/verify", "POST", VF_EP_VERIFY},   {"/api/v1/batch-status", "POST", VF_EP_BATCH},
    {"/api/v1/crl/root.crl", "GET", VF_EP_CRL},  {"/api/v1/crl/sm2-root.crl", "GET", VF_EP_CRL},
};

static int route_simple(struct verifier *v, const struct vf_call *c, struct vf_reply *r,
                        enum vf_endpoint ep)
{
    switch (ep) {
    case VF_EP_HEALTH:
        return h_health(v, r);
    case VF_EP_METRICS:
        return h_metrics(v, r);
    case VF_EP_TRUST:
        return h_trust_list(v, c, r);
    case VF_EP_CHANGES:
        return h_changes(v, c, r);
    case VF_EP_VERIFY:
        return h_verify(v, c, r);
    case VF_EP_BATCH:
        return h_batch(v, c, r);
    case VF_EP_CRL: /* the ECDSA root's or the SM2 root's (SPEC §13) */
        return vf_h_crl(v, c, strstr(c->path, "sm2-") != NULL ? JP_HOME_SM2_CRL : JP_HOME_CRL, r);
    default:
        return vf_reply_error(r, 404, "not_found", "no such resource");
    }
}

static int route(struct verifier *v, const struct vf_call *c, struct vf_reply *r,
                 enum vf_endpoint *ep)
{
    size_t i;
    int rc = 0;

    for (i = 0; i < sizeof(simple_routes) / sizeof(simple_routes[0]); i++) {
        if (strcmp(c->path, simple_routes[i].path) != 0)
            continue;
        *ep = simple_routes[i].ep;
        if (!is_method(c, simple_routes[i].method))
            return vf_reply_error(r, 405, "method_not_allowed", "method not allowed here");
        return route_simple(v, c, r, *ep);
    }
    if (strncmp(c->path, "/api/v1/certificates/", strlen("/api/v1/certificates/")) == 0)
        return route_certificates(v, c, r, ep);
    if (strncmp(c->path, "/V/", 3) == 0 || strncmp(c->path, "/v/", 3) == 0) {
        *ep = VF_EP_PAGE;
        return route_page(v, c, r);
    }
    if (vf_route_people(v, c, r, ep, &rc))
        return rc;
    if (vf_route_holder(v, c, r, ep, &rc))
        return rc;
    if (vf_route_institutions(v, c, r, ep, &rc))
        return rc;
    if (vf_route_feed(v, c, r, ep, &rc))
        return rc;
    return vf_reply_error(r, 404, "not_found", "no such resource");
}

/*
 * HEAD is GET without the body (RFC 9110 §9.3.2): the handler runs as for GET
 * and libmicrohttpd sends the headers, Content-Length included, but no body.
 */
void vf_dispatch(struct verifier *v, const struct vf_call *c, struct vf_reply *r,
                 enum vf_endpoint *ep)
{
    struct vf_call get;
    int rc;

    *ep = VF_EP_OTHER;
    if (strcmp(c->method, "HEAD") == 0) {
        get = *c;
        get.method = "GET";
        c = &get;
    }
    if (v->replica != NULL && !vf_replica_ready(v->replica) && strcmp(c->path, "/healthz") != 0 &&
        strcmp(c->path, "/metrics") != 0) {
        rc = vf_reply_error(r, 503, "unavailable", "this replica has not caught up yet");
        r->retry_after = 1;
    } else {
        rc = route(v, c, r, ep);
    }
    if (*ep == VF_EP_HOLDER || *ep == VF_EP_SHARE)
        vf_reply_cache(r, "private, no-store"); /* personal: never in any cache */
    if (rc != 0) {
        jp_log(JP_LOG_ERROR, "%s: %s (code %d)", vf_endpoint_name(*ep), verifier_strerror(rc), rc);
        if (vf_reply_error(r, 500, "internal", "the request could not be answered") != 0) {
            vf_reply_clear(r);
            r->status = 500;
            r->ctype = "text/plain";
        }
        r->html = 0;
        r->retry_after = 0;
        r->disposition[0] = '\0';
        r->set_cookie[0] = '\0';
        r->location[0] = '\0';
        r->cache[0] = '\0';
        r->etag[0] = '\0';
        r->xname = NULL;
    }
}
