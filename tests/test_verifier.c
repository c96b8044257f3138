/*
 * test_verifier.c - end-to-end test of jianpei-verifier through real HTTP:
 * a home issued by jianpei-issuer in a mkdtemp directory, the daemon started
 * on port 0 as a child, then what an employer, a candidate, an app and
 * another province would each notice: lookups, the QR page from a real
 * printed PDF's QR code, a forged token, a revocation seen without restart,
 * holder checks that do not reveal unknown numbers, PDF download, the rate
 * limit, signed batch queries, the status-changes feed and the metrics.
 */
#include "check.h"
#include "ident.h"
#include "verifier_client.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char dir[256], home[300], issuer_bin[600], verifier_bin[600];

struct holder {
    char no[IDENT_CERTNO_SIZE], name[257], id[33];
};

static void path_in(char *out, size_t outsz, const char *name)
{
    if (snprintf(out, outsz, "%s/%s", dir, name) >= (int)outsz)
        out[0] = '\0';
}

/* The holder of the k-th issued certificate. */
static int holder_of(size_t k, struct holder *h)
{
    return vc_holder(dir, k, h->no, h->name, h->id);
}

static int add_client(const char *id, char secret[65])
{
    char out[400], *text, *last;
    char *argv[] = {verifier_bin, "--home", home, "clients", "add", (char *)id, NULL};
    int rc;

    path_in(out, sizeof(out), "client.txt");
    rc = vc_run(argv, out);
    text = vc_slurp(out, NULL);
    secret[0] = '\0';
    if (rc == 0 && text != NULL) {
        text[strcspn(text, "\0")] = '\0';
        while (strlen(text) > 0 && text[strlen(text) - 1] == '\n')
            text[strlen(text) - 1] = '\0';
        last = strrchr(text, '\n');
        snprintf(secret, 65, "%s", last ? last + 1 : text);
    }
    free(text);
    unlink(out);
    return rc;
}

static int get(int port, const char *path, const char *hdrs, struct vc_resp *r)
{
    return vc_http(port, "GET", path, hdrs, NULL, 0, r);
}

static int post(int port, const char *path, const char *hdrs, const char *body, struct vc_resp *r)
{
    return vc_http(port, "POST", path, hdrs, body, strlen(body), r);
}

static const char *jstr(const struct vc_resp *r, const char *a, const char *b)
{
    static char out[512];
    json_t *root = json_loadb((const char *)r->body, r->len, 0, NULL);
    json_t *v = json_object_get(root, a);

    if (b != NULL)
        v = json_object_get(v, b);
    snprintf(out, sizeof(out), "%s",
             json_is_string(v)  ? json_string_value(v)
             : json_is_true(v)  ? "true"
             : json_is_false(v) ? "false"
             : json_is_null(v)  ? "null"
                                : "?");
    json_decref(root);
    return out;
}

static int has(const struct vc_resp *r, const char *s)
{
    return r->body != NULL && strstr((const char *)r->body, s) != NULL;
}

static void test_lookups(int port, const struct holder *h)
{
    struct vc_resp r;
    char path[128], bad[IDENT_CERTNO_SIZE], unknown[IDENT_CERTNO_SIZE];

    CHECK(get(port, "/healthz", NULL, &r) == 0 && r.status == 200);
    vc_resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/certificates/%s", h->no);
    CHECK(get(port, path, NULL, &r) == 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(jstr(&r, "certificate_no", NULL), h->no);
    CHECK_STR(jstr(&r, "status", NULL), "valid");
    CHECK_STR(jstr(&r, "issuer", NULL), "广东省住房和城乡建设厅");
    CHECK(strchr(jstr(&r, "holder", "name_masked"), '*') != NULL);
    CHECK(!has(&r, h->name) && !has(&r, h->id));
    vc_resp_free(&r);

    memcpy(bad, h->no, sizeof(bad));
    bad[17] = bad[17] == '0' ? '1' : '0';
    snprintf(path, sizeof(path), "/api/v1/certificates/%s", bad);
    CHECK(get(port, path, NULL, &r) == 0 && r.status == 400);
    CHECK_STR(jstr(&r, "error", "code"), "invalid_certificate_no");
    vc_resp_free(&r);

    memcpy(unknown, "44012026019999999", 17);
    unknown[17] = ident_mod11_2(unknown);
    unknown[18] = '\0';
    snprintf(path, sizeof(path), "/api/v1/certificates/%s", unknown);
    CHECK(get(port, path, NULL, &r) == 0 && r.status == 404);
    CHECK_STR(jstr(&r, "error", "code"), "not_found");
    vc_resp_free(&r);

    CHECK(get(port, "/nope", NULL, &r) == 0 && r.status == 404);
    CHECK_STR(jstr(&r, "error", "code"), "not_found");
    vc_resp_free(&r);
    CHECK(vc_http(port, "DELETE", "/api/v1/verify", NULL, NULL, 0, &r) == 0 && r.status == 405);
    vc_resp_free(&r);
}

static void test_page(int port, const struct holder *h, const char *url, char *forged_path)
{
    const char *path = strstr(url, "/V/");
    char hv[256], lower[2048];
    struct vc_resp r;
    size_t n;

    CHECK(path != NULL);
    if (path == NULL)
        return;
    CHECK(get(port, path, NULL, &r) == 0 && r.status == 200);
    CHECK(has(&r, "有效") && has(&r, "二维码签名真实"));
    CHECK(!has(&r, h->name) && !has(&r, h->id) && !has(&r, "<script"));
    CHECK(vc_header(&r, "Content-Security-Policy", hv, sizeof(hv)) == 0 &&
          strcmp(hv, "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                     "form-action 'self'; frame-ancestors 'none'; base-uri 'none'") == 0);
    CHECK(vc_header(&r, "Referrer-Policy", hv, sizeof(hv)) == 0 && strcmp(hv, "no-referrer") == 0);
    CHECK(vc_header(&r, "X-Content-Type-Options", hv, sizeof(hv)) == 0);
    vc_resp_free(&r);

    snprintf(lower, sizeof(lower), "/v%s", path + 2);
    CHECK(get(port, lower, "Accept: application/json\r\n", &r) == 0 && r.status == 200);
    CHECK_STR(jstr(&r, "verdict", NULL), "genuine");
    CHECK_STR(jstr(&r, "record_matches", NULL), "true");
    vc_resp_free(&r);

    snprintf(forged_path, 2048, "%s", path);
    n = strlen(forged_path);
    forged_path[n - 10] = forged_path[n - 10] == 'A' ? 'B' : 'A';
    CHECK(get(port, forged_path, NULL, &r) == 0 && r.status == 200);
    CHECK(has(&r, "二维码签名伪造") && has(&r, "警告") && !has(&r, "二维码签名真实"));
    CHECK(!has(&r, "有效"));
    vc_resp_free(&r);
}

/*
 * Issue 12 finding 5: the page's verdict belongs to the number in its path.
 * A token of h shown under h2's number is forged, and a path with more than one
 * segment after the number (which once read "genuine" with h2's details) is 404.
 */
static void test_bypass(int port, const struct holder *h2, const char *url)
{
    const char *tok = strrchr(url, '/');
    char path[2400];
    struct vc_resp r;

    CHECK(tok != NULL);
    if (tok == NULL)
        return;
    snprintf(path, sizeof(path), "/V/%s%s", h2->no, tok);
    CHECK(get(port, path, "Accept: application/json\r\n", &r) == 0 && r.status == 200);
    CHECK_STR(jstr(&r, "verdict", NULL), "forged");
    vc_resp_free(&r);
    CHECK(get(port, path, NULL, &r) == 0 && r.status == 200);
    CHECK(has(&r, "二维码签名伪造") && !has(&r, "二维码签名真实"));
    vc_resp_free(&r);
    snprintf(path, sizeof(path), "/V/%s/a%s", h2->no, strstr(url, "/V/"));
    CHECK(get(port, path, "Accept: application/json\r\n", &r) == 0 && r.status == 404);
    CHECK(strcmp(jstr(&r, "verdict", NULL), "genuine") != 0);
    vc_resp_free(&r);
    CHECK(get(port, path, NULL, &r) == 0 && r.status == 404);
    CHECK(!has(&r, "二维码签名真实") && has(&r, "二维码签名伪造") && !has(&r, "有效"));
    vc_resp_free(&r);
    snprintf(path, sizeof(path), "%s/", strstr(url, "/V/"));
    CHECK(get(port, path, NULL, &r) == 0 && r.status == 404);
    vc_resp_free(&r);
    snprintf(path, sizeof(path), "/V/%s/", h2->no);
    CHECK(get(port, path, NULL, &r) == 0 && r.status == 404);
    vc_resp_free(&r);
}

/*
 * The certificate object of a verify answer r is the lookup answer of its
 * number, member for member (page.c writes it in two forms: a Jansson object,
 * and text for the lookup).
 */
static void check_same_object(int port, const struct vc_resp *r)
{
    json_t *root = json_loadb((const char *)r->body, r->len, 0, NULL);
    json_t *cert = json_object_get(root, "certificate");
    const char *no = json_string_value(json_object_get(cert, "certificate_no"));
    json_t *looked = NULL;
    struct vc_resp l = {0};
    char path[128];

    CHECK(no != NULL && json_object_size(cert) == 9);
    snprintf(path, sizeof(path), "/api/v1/certificates/%s", no != NULL ? no : "");
    CHECK(get(port, path, NULL, &l) == 0 && l.status == 200);
    looked = l.body != NULL ? json_loadb((const char *)l.body, l.len, 0, NULL) : NULL;
    CHECK(looked != NULL && json_equal(looked, cert));
    json_decref(looked);
    json_decref(root);
    vc_resp_free(&l);
}

static void test_verify_api(int port, const char *url, const char *forged_path)
{
    char body[2200], trust[400];
    char *good[] = {verifier_bin, "verify-qr", (char *)url, "--trust", trust, NULL};
    char *bad[] = {verifier_bin, "verify-qr", (char *)forged_path, "--trust", trust, NULL};
    struct vc_resp r;

    snprintf(body, sizeof(body), "{\"qr\":\"%s\"}", url);
    CHECK(post(port, "/api/v1/verify", NULL, body, &r) == 0 && r.status == 200);
    CHECK_STR(jstr(&r, "verdict", NULL), "genuine");
    CHECK_STR(jstr(&r, "status", NULL), "valid");
    check_same_object(port, &r);
    vc_resp_free(&r);
    snprintf(body, sizeof(body), "{\"qr\":\"%s\"}", forged_path);
    CHECK(post(port, "/api/v1/verify", NULL, body, &r) == 0 && r.status == 200);
    CHECK_STR(jstr(&r, "verdict", NULL), "forged");
    vc_resp_free(&r);
    CHECK(post(port, "/api/v1/verify", NULL, "{\"qr\":\"not a token!\"}", &r) == 0);
    CHECK_STR(jstr(&r, "verdict", NULL), "malformed");
    vc_resp_free(&r);
    CHECK(post(port, "/api/v1/verify", NULL, "{\"qr\":", &r) == 0 && r.status == 400);
    CHECK_STR(jstr(&r, "error", "code"), "invalid_json");
    vc_resp_free(&r);
    CHECK(post(port, "/api/v1/verify", NULL, "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]", &r) == 0 &&
          r.status == 400);
    vc_resp_free(&r);

    path_in(trust, sizeof(trust), "jianpei-home/trust-list.pem");
    CHECK_INT(vc_run(good, NULL), 0);
    CHECK_INT(vc_run(bad, NULL), 1);
}

static void holder_body(char *out, size_t outsz, const char *name, const char *id)
{
    snprintf(out, outsz, "{\"name\":\"%s\",\"id_number\":\"%s\"}", name, id);
}

/* POSTs {"claim_code":code,"id_last6":last6} to no's /pdf. */
static int claim_post(int port, const char *no, const char *code, const char *last6,
                      struct vc_resp *r)
{
    char path[128], body[256];

    snprintf(path, sizeof(path), "/api/v1/certificates/%s/pdf", no);
    static int next = 100; /* an address of its own each: the per-address bucket stays out */
    char src[32];

    snprintf(body, sizeof(body), "{\"claim_code\":\"%s\",\"id_last6\":\"%s\"}", code, last6);
    snprintf(src, sizeof(src), "127.0.0.%d", next++);
    return vc_http_from(src, port, "POST", path, NULL, body, strlen(body), r);
}

static int same_answer(const struct vc_resp *a, const struct vc_resp *b)
{
    return a->status == b->status && a->len == b->len && memcmp(a->body, b->body, a->len) == 0;
}

/*
 * The claim code and the last 6 of the ID number give the stored PDF byte for
 * byte, the code typed in lower case without dashes too; a wrong code, a wrong
 * ID, and an unknown number all get one and the same 403.
 */
static void test_claim_pdf(int port, const struct holder *h, const char *unknown_no)
{
    char code[15], loose[15], other[15], last6[7], wrong6[7], stored_path[400], disp[128];
    struct vc_resp good, relaxed, bad_code, bad_id, unknown, empty;
    unsigned char *stored;
    size_t stored_len = 0, j = 0;

    CHECK(vc_claim(dir, 0, code) == 0);
    snprintf(last6, sizeof(last6), "%s", h->id + strlen(h->id) - 6);
    snprintf(wrong6, sizeof(wrong6), "%s", last6);
    wrong6[0] = wrong6[0] == '9' ? '8' : (char)(wrong6[0] + 1);
    for (size_t i = 0; code[i] != '\0'; i++)
        if (code[i] != '-')
            loose[j++] = (char)(code[i] >= 'A' && code[i] <= 'Z' ? code[i] + 32 : code[i]);
    loose[j] = '\0';
    snprintf(other, sizeof(other), "%s", code);
    other[0] = other[0] == 'A' ? 'B' : 'A';
    path_in(stored_path, sizeof(stored_path), "cert.pdf");
    stored = (unsigned char *)vc_slurp(stored_path, &stored_len);
    CHECK(claim_post(port, h->no, code, last6, &good) == 0);
    CHECK_INT(good.status, 200);
    CHECK(stored != NULL && good.len == stored_len && memcmp(good.body, stored, stored_len) == 0);
    CHECK(vc_header(&good, "Content-Type", disp, sizeof(disp)) == 0 &&
          strcmp(disp, "application/pdf") == 0);
    CHECK(claim_post(port, h->no, loose, last6, &relaxed) == 0);
    CHECK(relaxed.status == 200 && relaxed.len == good.len);
    CHECK(claim_post(port, h->no, other, last6, &bad_code) == 0);
    CHECK_INT(bad_code.status, 403);
    CHECK(!has(&bad_code, h->name) && !has(&bad_code, h->id));
    CHECK(claim_post(port, h->no, code, wrong6, &bad_id) == 0);
    CHECK(same_answer(&bad_id, &bad_code));
    CHECK(claim_post(port, unknown_no, code, last6, &unknown) == 0);
    CHECK(same_answer(&unknown, &bad_code));
    CHECK(claim_post(port, unknown_no, "", "", &empty) == 0);
    CHECK(same_answer(&empty, &bad_code));
    free(stored);
    vc_resp_free(&good);
    vc_resp_free(&relaxed);
    vc_resp_free(&bad_code);
    vc_resp_free(&bad_id);
    vc_resp_free(&unknown);
    vc_resp_free(&empty);
}

static void test_holder(int port, const struct holder *h, const char *unknown_no)
{
    char path[128], body[512], ok[512], pdf_path[400];
    char *pdfsig[] = {"/usr/bin/pdfsig", pdf_path, NULL};
    struct vc_resp right, wrong, unknown;
    char *sigout;

    holder_body(ok, sizeof(ok), h->name, h->id);
    holder_body(body, sizeof(body), h->name, "110101199003074477");
    snprintf(path, sizeof(path), "/api/v1/certificates/%s/holder-check", h->no);
    CHECK(post(port, path, NULL, ok, &right) == 0 && right.status == 200);
    CHECK_STR(jstr(&right, "match", NULL), "true");
    CHECK_STR(jstr(&right, "status", NULL), "valid");
    CHECK(post(port, path, NULL, body, &wrong) == 0 && wrong.status == 200);
    CHECK_STR(jstr(&wrong, "match", NULL), "false");
    snprintf(path, sizeof(path), "/api/v1/certificates/%s/holder-check", unknown_no);
    CHECK(post(port, path, NULL, ok, &unknown) == 0);
    CHECK(unknown.status == wrong.status && unknown.len == wrong.len &&
          memcmp(unknown.body, wrong.body, wrong.len) == 0);
    vc_resp_free(&right);
    vc_resp_free(&wrong);
    vc_resp_free(&unknown);

    /* Name + ID number never yield the PDF (SPEC §8: claim code + last 6 of the ID):
     * the right pair, a wrong one and an unknown number get one 403. */
    snprintf(path, sizeof(path), "/api/v1/certificates/%s/pdf", h->no);
    CHECK(post(port, path, NULL, ok, &right) == 0 && right.status == 403);
    CHECK(right.len < 1000 && memcmp(right.body, "%PDF", 4) != 0);
    CHECK(!has(&right, h->name) && !has(&right, h->id));
    /* The stored file itself (what vc_qr_from_pdf wrote with the issuer) is signed. */
    path_in(pdf_path, sizeof(pdf_path), "cert.pdf");
    {
        char out[400];

        path_in(out, sizeof(out), "pdfsig.txt");
        vc_run(pdfsig, out);
        sigout = vc_slurp(out, NULL);
        CHECK(sigout != NULL && strstr(sigout, "Signature is Valid.") != NULL);
        free(sigout);
    }
    CHECK(post(port, path, NULL, body, &wrong) == 0 && wrong.status == 403);
    CHECK(right.len == wrong.len && memcmp(right.body, wrong.body, wrong.len) == 0);
    snprintf(path, sizeof(path), "/api/v1/certificates/%s/pdf", unknown_no);
    CHECK(post(port, path, NULL, ok, &unknown) == 0 && unknown.status == 403);
    CHECK(unknown.len == wrong.len && memcmp(unknown.body, wrong.body, wrong.len) == 0);
    vc_resp_free(&right);
    vc_resp_free(&wrong);
    vc_resp_free(&unknown);
    test_claim_pdf(port, h, unknown_no);
}

/*
 * The per-address bucket: one guess on each of many numbers (so that no
 * certificate's own lockout, 5 failures, is what answers) ends in 429.
 */
static void test_rate_limit(int port, const struct holder *h)
{
    char path[128], body[512], retry[16] = "", no[32];
    struct vc_resp r;
    int i, limited = 0;

    holder_body(body, sizeof(body), h->name, "110101199003074477");
    for (i = 0; i < 40 && !limited; i++) {
        snprintf(no, sizeof(no), "440120260188%05d", i);
        no[17] = ident_mod11_2(no);
        no[18] = '\0';
        snprintf(path, sizeof(path), "/api/v1/certificates/%s/holder-check", no);
        if (post(port, path, NULL, body, &r) != 0)
            break;
        if (r.status == 429) {
            limited = 1;
            CHECK(vc_header(&r, "Retry-After", retry, sizeof(retry)) == 0 && atoi(retry) >= 1);
            CHECK_STR(jstr(&r, "error", "code"), "rate_limited");
        }
        vc_resp_free(&r);
    }
    CHECK(limited);
}

/*
 * The string member key of the JSON answer r into out[32], "" when the
 * request failed (rc not 0) or the member is absent; frees r after a request.
 */
static const char *answer_member(int rc, struct vc_resp *r, const char *key, char out[32])
{
    const char *v = rc == 0 ? jstr(r, key, NULL) : NULL;

    snprintf(out, 32, "%s", v != NULL ? v : "");
    if (rc == 0)
        vc_resp_free(r);
    return out;
}

/* The "status" of the lookup answer for number no, "" when the request failed. */
static const char *lookup_status(int port, const char *no, char out[32])
{
    char path[128];
    struct vc_resp r;

    snprintf(path, sizeof(path), "/api/v1/certificates/%s", no);
    return answer_member(get(port, path, NULL, &r), &r, "status", out);
}

/*
 * Revoking while the daemon runs shows at once on the page and in the lookup
 * API, although the lookup answer of the valid record was kept (a repeat
 * lookup is served from the lookup cache, /metrics counts it).
 */
static void test_revoke(int port, const struct holder *h, const char *url)
{
    char *rev[] = {issuer_bin, "--home", home,     "revoke",        (char *)h->no,
                   "--reason", "fraud",  "--note", (char *)h->name, NULL};
    struct vc_resp r;
    char st[32], body[2200];

    CHECK_STR(lookup_status(port, h->no, st), "valid");
    CHECK_STR(lookup_status(port, h->no, st), "valid");
    CHECK(get(port, "/metrics", NULL, &r) == 0 && r.status == 200);
    CHECK(has(&r, "jianpei_lookup_cache_hits_total") &&
          !has(&r, "jianpei_lookup_cache_hits_total 0\n"));
    vc_resp_free(&r);
    CHECK_INT(vc_run(rev, NULL), 0);
    CHECK(get(port, strstr(url, "/V/"), NULL, &r) == 0 && r.status == 200);
    CHECK(has(&r, "撤销") && !has(&r, ">有效<"));
    vc_resp_free(&r);
    CHECK_STR(lookup_status(port, h->no, st), "revoked");
    snprintf(body, sizeof(body), "{\"qr\":\"%s\"}", url);
    CHECK(post(port, "/api/v1/verify", NULL, body, &r) == 0 && r.status == 200);
    CHECK(strlen(jstr(&r, "certificate", "status_changed_at")) == 20); /* a time, not null */
    check_same_object(port, &r);
    vc_resp_free(&r);
}

/* The verdict of the page at url, as JSON. */
static const char *page_verdict(int port, const char *url, char out[32])
{
    struct vc_resp r;

    return answer_member(get(port, strstr(url, "/V/"), "Accept: application/json\r\n", &r), &r,
                         "verdict", out);
}

/* The verdict of POST /api/v1/verify for url, "" when the request failed. */
static const char *api_verdict(int port, const char *url, char out[32])
{
    char body[2200];
    struct vc_resp r;

    snprintf(body, sizeof(body), "{\"qr\":\"%s\"}", url);
    return answer_member(post(port, "/api/v1/verify", NULL, body, &r), &r, "verdict", out);
}

/*
 * The QR verdict cache: a repeat check of a QR text is served from it
 * (/metrics counts it); the page of the token stored with the current file
 * is judged without a signature check (counted too). Revoking the signing
 * key while the daemon runs turns the same token revoked_key on both paths -
 * the reload empties the cache, and the stored path reads the key's state.
 * The daemon looks at keys.json at most once a second, so the check polls
 * for a bounded time.
 */
static void test_key_revoke(int port, const struct holder *h)
{
    char url[1024], kid[17] = "", out[4096], v[32], list[600];
    char *keys[] = {issuer_bin, "--home", home, "keys", "list", NULL};
    char *rev[] = {issuer_bin, "--home", home, "keys", "revoke", kid, NULL};
    struct timespec pause = {0, 100 * 1000 * 1000};
    struct vc_resp r;
    size_t len = 0;
    char *text;
    int tries;

    snprintf(list, sizeof(list), "%s/keys.txt", dir);
    CHECK(vc_qr_from_pdf(JP_BIN_DIR, dir, h->no, url, sizeof(url)) == 0);
    CHECK_STR(page_verdict(port, url, v), "genuine");
    CHECK_STR(page_verdict(port, url, v), "genuine");
    CHECK_STR(api_verdict(port, url, v), "genuine");
    CHECK_STR(api_verdict(port, url, v), "genuine");
    CHECK(get(port, "/metrics", NULL, &r) == 0 && r.status == 200);
    CHECK(has(&r, "jianpei_qr_cache_hits_total") && !has(&r, "jianpei_qr_cache_hits_total 0\n"));
    CHECK(has(&r, "jianpei_qr_stored_checks_total") &&
          !has(&r, "jianpei_qr_stored_checks_total 0\n"));
    vc_resp_free(&r);
    CHECK_INT(vc_run(keys, list), 0);
    text = vc_slurp(list, &len);
    if (text != NULL && sscanf(text, "%*[^\n]\n%16s", kid) == 1 && strstr(text, "active"))
        CHECK_INT(vc_run(rev, NULL), 0);
    free(text);
    CHECK(strlen(kid) == 16);
    for (tries = 0; tries < 50; tries++) {
        if (strcmp(page_verdict(port, url, v), "revoked_key") == 0)
            break;
        nanosleep(&pause, NULL); /* bounded poll for the once-a-second reload */
    }
    CHECK_STR(v, "revoked_key");
    CHECK_STR(api_verdict(port, url, v), "revoked_key");
    (void)out;
}

/*
 * --qr-cache 0: nothing is remembered (two checks of one text, no cache
 * hit), the stored token's page still reads the key's state (revoked by
 * test_key_revoke), and a token that is not the stored one is still verified:
 * the forged one stays forged. A size that is not a number is a usage error.
 */
static void test_no_cache(const char *err_path, const char *url, const char *forged_path)
{
    char *argv[] = {verifier_bin,  "--home",     home, "--listen",
                    "127.0.0.1:0", "--qr-cache", "0",  NULL};
    char *bad[] = {verifier_bin,  "--home",     home,   "--listen",
                   "127.0.0.1:0", "--qr-cache", "many", NULL};
    char v[32], forged_url[2100];
    struct vc_daemon d = {0};
    struct vc_resp r;

    CHECK_INT(vc_run(bad, NULL), 2);
    CHECK(vc_daemon_start(argv, err_path, &d) == 0);
    if (d.port <= 0)
        return;
    snprintf(forged_url, sizeof(forged_url), "http://127.0.0.1%s", forged_path);
    CHECK_STR(page_verdict(d.port, url, v), "revoked_key");
    CHECK_STR(page_verdict(d.port, forged_url, v), "forged");
    CHECK_STR(api_verdict(d.port, url, v), "revoked_key");
    CHECK_STR(api_verdict(d.port, url, v), "revoked_key");
    CHECK(get(d.port, "/metrics", NULL, &r) == 0 && r.status == 200);
    CHECK(has(&r, "jianpei_qr_cache_hits_total 0\n"));
    CHECK(has(&r, "jianpei_qr_stored_checks_total 1\n"));
    vc_resp_free(&r);
    CHECK_INT(vc_daemon_stop(&d), 0);
}

static int batch(int port, const char *client, const char *secret, long ts_off, const char *body,
                 struct vc_resp *r)
{
    const char *path = "/api/v1/batch-status";
    char ts[24], sig[65], hdr[300];

    snprintf(ts, sizeof(ts), "%ld", (long)time(NULL) + ts_off);
    vc_sign(secret, "POST", path, ts, body, strlen(body), sig);
    snprintf(hdr, sizeof(hdr),
             "Content-Type: application/json\r\nAuthorization: JIANPEI-HMAC-SHA256 client=%s, "
             "ts=%s, sig=%s\r\n",
             client, ts, sig);
    return post(port, path, hdr, body, r);
}

/* GET target signed by client for target_signed (the same unless a test alters one). */
static int signed_get(int port, const char *client, const char *secret, const char *target,
                      const char *target_signed, struct vc_resp *r)
{
    char ts[24], sig[65], hdr[300];

    snprintf(ts, sizeof(ts), "%ld", (long)time(NULL));
    vc_sign(secret, "GET", target_signed, ts, NULL, 0, sig);
    snprintf(hdr, sizeof(hdr), "Authorization: JIANPEI-HMAC-SHA256 client=%s, ts=%s, sig=%s\r\n",
             client, ts, sig);
    return get(port, target, hdr, r);
}

/* A batch request with an Authorization header of the caller's making: 401 expected. */
static void expect_401(int port, const char *authz, const char *body)
{
    char hdr[600];
    struct vc_resp r;

    snprintf(hdr, sizeof(hdr), "Authorization: %s\r\n", authz);
    CHECK(post(port, "/api/v1/batch-status", hdr, body, &r) == 0);
    CHECK_INT(r.status, 401);
    CHECK_STR(jstr(&r, "error", "code"), "unauthorized");
    vc_resp_free(&r);
}

/*
 * Issue 12 finding 9: a duplicate or unknown Authorization parameter is 401
 * (the first sig= once won, so a good signature followed by junk passed), and
 * the query string is signed in its canonical order (once it was ignored).
 */
static void test_hmac_details(int port, const char *secret)
{
    const char *body = "{\"certificate_nos\":[]}";
    char ts[24], sig[65], authz[400], hdr[450];
    struct vc_resp r;

    snprintf(ts, sizeof(ts), "%ld", (long)time(NULL));
    vc_sign(secret, "POST", "/api/v1/batch-status", ts, body, strlen(body), sig);
    snprintf(authz, sizeof(authz), "JIANPEI-HMAC-SHA256 client=prov-gx, ts=%s, sig=%s", ts, sig);
    snprintf(hdr, sizeof(hdr), "Authorization: %s\r\n", authz);
    CHECK(post(port, "/api/v1/batch-status", hdr, body, &r) == 0 && r.status == 200);
    vc_resp_free(&r);
    snprintf(authz, sizeof(authz), "JIANPEI-HMAC-SHA256 client=prov-gx, ts=%s, sig=%s, sig=00", ts,
             sig);
    expect_401(port, authz, body);
    snprintf(authz, sizeof(authz),
             "JIANPEI-HMAC-SHA256 client=prov-gx, client=prov-xx, ts=%s, sig=%s", ts, sig);
    expect_401(port, authz, body);
    snprintf(authz, sizeof(authz), "JIANPEI-HMAC-SHA256 client=prov-gx, ts=%s, sig=%s, nonce=1", ts,
             sig);
    expect_401(port, authz, body);
    snprintf(authz, sizeof(authz), "JIANPEI-HMAC-SHA256 client=prov-gx, ts=%s, sig=%s,, x", ts,
             sig);
    expect_401(port, authz, body);

    CHECK(signed_get(port, "prov-gx", secret, "/api/v1/status-changes?since=0&x=b&a=1",
                     "/api/v1/status-changes?since=0&x=b&a=1", &r) == 0);
    CHECK_INT(r.status, 200);
    vc_resp_free(&r);
    CHECK(signed_get(port, "prov-gx", secret, "/api/v1/status-changes?since=5",
                     "/api/v1/status-changes?since=0", &r) == 0);
    CHECK_INT(r.status, 401);
    vc_resp_free(&r);
    CHECK(signed_get(port, "prov-gx", secret, "/api/v1/status-changes?since=0",
                     "/api/v1/status-changes", &r) == 0);
    CHECK_INT(r.status, 401);
    vc_resp_free(&r);
}

static void test_batch(int port, const struct holder *h, const struct holder *h2,
                       const char *unknown_no, const char *secret)
{
    char body[512];
    struct vc_resp r;
    json_t *root, *res;

    snprintf(body, sizeof(body), "{\"certificate_nos\":[\"%s\",\"%s\",\"123\",\"%s\"]}", h->no,
             h2->no, unknown_no);
    CHECK(batch(port, "prov-gx", secret, 0, body, &r) == 0 && r.status == 200);
    root = json_loadb((const char *)r.body, r.len, 0, NULL);
    res = json_object_get(root, "results");
    CHECK_INT(json_array_size(res), 4);
    CHECK_STR(json_string_value(json_object_get(json_array_get(res, 0), "status")), "revoked");
    CHECK_STR(json_string_value(json_object_get(json_array_get(res, 1), "certificate_no")), h2->no);
    CHECK_STR(json_string_value(json_object_get(json_array_get(res, 1), "status")), "valid");
    CHECK_STR(json_string_value(json_object_get(json_array_get(res, 2), "error")),
              "invalid_certificate_no");
    CHECK_STR(json_string_value(json_object_get(json_array_get(res, 3), "error")), "not_found");
    json_decref(root);
    vc_resp_free(&r);

    CHECK(batch(port, "prov-gx", secret, -1000, body, &r) == 0 && r.status == 401);
    CHECK_STR(jstr(&r, "error", "code"), "unauthorized");
    vc_resp_free(&r);
    CHECK(batch(port, "prov-gx", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                0, body, &r) == 0 &&
          r.status == 401);
    vc_resp_free(&r);
    CHECK(batch(port, "prov-xx", secret, 0, body, &r) == 0 && r.status == 401);
    vc_resp_free(&r);
    CHECK(post(port, "/api/v1/batch-status", NULL, body, &r) == 0 && r.status == 401);
    vc_resp_free(&r);
}

/*
 * The status-changes feed (issue 12 finding 10): signed like batch-status,
 * each change with a reason code; the revocation's note (test_revoke put the
 * holder's name there) never leaves the issuer.
 */
static void test_feeds(int port, const struct holder *h, const char *secret)
{
    struct vc_resp r;
    char want[64];
    json_t *root, *changes, *last;

    CHECK(get(port, "/api/v1/status-changes?since=0", NULL, &r) == 0 && r.status == 401);
    CHECK_STR(jstr(&r, "error", "code"), "unauthorized");
    vc_resp_free(&r);
    CHECK(signed_get(port, "prov-gx", secret, "/api/v1/status-changes?since=0",
                     "/api/v1/status-changes?since=0", &r) == 0 &&
          r.status == 200);
    CHECK(!has(&r, h->name));
    root = json_loadb((const char *)r.body, r.len, 0, NULL);
    changes = json_object_get(root, "changes");
    last = json_array_get(changes, json_array_size(changes) - 1);
    CHECK_STR(json_string_value(json_object_get(last, "action")), "revoke");
    CHECK_STR(json_string_value(json_object_get(last, "certificate_no")), h->no);
    CHECK_STR(json_string_value(json_object_get(last, "status")), "revoked");
    CHECK_STR(json_string_value(json_object_get(last, "reason")), "fraud");
    CHECK(json_integer_value(json_object_get(root, "next_since")) >=
          json_integer_value(json_object_get(last, "seq")));
    snprintf(want, sizeof(want), "/api/v1/status-changes?since=%lld",
             (long long)json_integer_value(json_object_get(root, "next_since")));
    json_decref(root);
    vc_resp_free(&r);
    CHECK(signed_get(port, "prov-gx", secret, want, want, &r) == 0 && r.status == 200 &&
          has(&r, "\"changes\":[]"));
    vc_resp_free(&r);
    CHECK(signed_get(port, "prov-gx", secret, "/api/v1/status-changes?since=x",
                     "/api/v1/status-changes?since=x", &r) == 0 &&
          r.status == 400);
    vc_resp_free(&r);

    CHECK(get(port, "/api/v1/trust-list", NULL, &r) == 0 && r.status == 200);
    CHECK(has(&r, "-----BEGIN"));
    vc_resp_free(&r);
}

static void test_limits(int port)
{
    size_t n = 70 * 1024;
    char *big = malloc(n + 1);
    struct vc_resp r;

    if (big == NULL)
        return;
    memset(big, ' ', n);
    big[n] = '\0';
    CHECK(post(port, "/api/v1/verify", NULL, big, &r) == 0 && r.status == 413);
    CHECK_STR(jstr(&r, "error", "code"), "body_too_large");
    vc_resp_free(&r);
    free(big);
}

static void test_metrics(int port)
{
    struct vc_resp r;

    CHECK(get(port, "/metrics", NULL, &r) == 0 && r.status == 200);
    CHECK(has(&r, "jianpei_requests_total{endpoint=\"holder_check\",code=\"429\"} 1\n"));
    CHECK(has(&r, "jianpei_requests_total{endpoint=\"certificate\",code=\"404\"} 1\n"));
    CHECK(has(&r, "jianpei_requests_total{endpoint=\"batch_status\",code=\"401\"} 4\n"));
    CHECK(has(&r, "jianpei_rate_limited_total 1\n"));
    CHECK(has(&r, "jianpei_request_duration_seconds_bucket{le=\"+Inf\"}"));
    vc_resp_free(&r);
}

static void test_access_log(const char *err_path, const struct holder *h, const char *url)
{
    char *log = vc_slurp(err_path, NULL);
    const char *tok = strrchr(url, '/');

    CHECK(log != NULL && strstr(log, "GET /healthz 200") != NULL);
    CHECK(log != NULL && strstr(log, h->name) == NULL && strstr(log, h->id) == NULL);
    CHECK(log != NULL && tok != NULL && strstr(log, tok + 1) == NULL);
    free(log);
}

int main(void)
{
    char err_path[400], url[2048] = "", forged[2048] = "", secret[65], unknown[IDENT_CERTNO_SIZE];
    char rb[16] = "--rate-burst";
    struct holder h = {0}, h2 = {0};
    struct vc_daemon d = {0};
    char *rm[] = {"/bin/rm", "-rf", dir, NULL};

    if (vc_scratch(dir, sizeof(dir), "/tmp/jp-verifier-XXXXXX", home, sizeof(home)) != 0)
        return 1;
    snprintf(issuer_bin, sizeof(issuer_bin), "%s/jianpei-issuer", JP_BIN_DIR);
    snprintf(verifier_bin, sizeof(verifier_bin), "%s/jianpei-verifier", JP_BIN_DIR);
    path_in(err_path, sizeof(err_path), "daemon.log");
    memcpy(unknown, "44012026019999999", 17);
    unknown[17] = ident_mod11_2(unknown);
    unknown[18] = '\0';

    CHECK(vc_make_home(JP_BIN_DIR, JP_SOURCE_DIR, dir, 6) == 0);
    CHECK(holder_of(0, &h) == 0 && holder_of(1, &h2) == 0);
    CHECK(add_client("prov-gx", secret) == 0 && strlen(secret) == 64);
    CHECK(vc_qr_from_pdf(JP_BIN_DIR, dir, h.no, url, sizeof(url)) == 0);
    {
        char *argv[] = {verifier_bin, "--home", home, "--listen", "127.0.0.1:0",
                        "--threads",  "2",      rb,   "12",       "--rate-per-minute",
                        "1",          NULL};

        CHECK(vc_daemon_start(argv, err_path, &d) == 0);
    }
    if (d.port > 0) {
        test_lookups(d.port, &h);
        test_page(d.port, &h, url, forged);
        test_bypass(d.port, &h2, url);
        test_verify_api(d.port, url, forged);
        test_holder(d.port, &h, unknown);
        test_rate_limit(d.port, &h);
        test_revoke(d.port, &h, url);
        test_batch(d.port, &h, &h2, unknown, secret);
        test_feeds(d.port, &h, secret);
        test_limits(d.port);
        test_metrics(d.port);
        test_hmac_details(d.port, secret);
        test_key_revoke(d.port, &h2);
        CHECK_INT(vc_daemon_stop(&d), 0);
        test_access_log(err_path, &h, url);
        test_no_cache(err_path, url, forged);
    }
    vc_run(rm, NULL);
    return CHECK_DONE();
}
