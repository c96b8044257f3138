/*
 * fuzz_http.c - libFuzzer target for the verifier's request handling
 * (verifier/verifier_int.h): routing, the JSON bodies of holder-check, pdf,
 * verify and batch-status, the ?since= parameter and the HMAC Authorization
 * header, through vf_dispatch() on a verifier started in-process on port 0.
 *
 * At start it makes a home in the target's temporary directory
 * (issuer_init_home), issues three certificates (dated today in China, so
 * their numbers are 4401<year>0100000013 ...), revokes one, and adds the
 * client "prov-11"; it signs a genuine QR token for each certificate with the
 * home's key. Input, newline-separated: method, path, Authorization ("" =
 * none; "@" = a valid header for this request computed by the harness, so
 * that mutations reach the batch body), since ("" = none), accept ("j" =
 * application/json), then the body (the rest). "@T0@", "@T1@" and "@T2@" in
 * the path or the body stand for the three genuine tokens, so that mutations
 * of a verifiable QR text are reached although the keys are new each run.
 *
 * Beyond memory safety it checks that no request makes the verifier answer
 * 500, that every error is the JSON of SPEC §8, and that no answer but the
 * PDF itself contains a holder's full name or full ID number that the request
 * did not itself carry (SPEC §8; batch-status, for one, echoes the numbers it
 * was sent, whatever they are).
 */
#include "fuzz_common.h"
#include "ident.h"
#include "keys.h"
#include "issuer.h"
#include "util.h"
#include "verifier.h"
#include "verifier_int.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const holders[][2] = {
    {"张三丰", "440103199001011236"},
    {"𠮷野家", "440306198507041235"},
    {"阿依古丽·买买提", "44010620000229456X"},
};

static const char intake[] =
    "{\"name\":\"张三丰\",\"gender\":\"男\",\"id_type\":\"111\",\"id_number\":"
    "\"440103199001011236\","
    "\"position\":\"01\",\"institution_code\":\"GD0101\",\"institution_name\":"
    "\"广州市建设职业培训学校\","
    "\"city\":\"01\",\"exam_id\":\"T1\",\"exam_date\":\"2023-08-10\",\"score\":86.5}\n"
    "{\"name\":\"𠮷野家\",\"gender\":\"男\",\"id_type\":\"111\",\"id_number\":"
    "\"440306198507041235\","
    "\"position\":\"09\",\"institution_code\":\"GD0301\",\"institution_name\":"
    "\"深圳市建设培训中心\","
    "\"city\":\"03\",\"exam_id\":\"T2\",\"exam_date\":\"2024-03-01\",\"score\":60}\n"
    "{\"name\":\"阿依古丽·买买提\",\"gender\":\"女\",\"id_type\":\"111\",\"id_number\":"
    "\"44010620000229456X\",\"position\":\"13\",\"institution_code\":\"GD0101\","
    "\"institution_name\":\"广州市建设职业培训学校\",\"city\":\"01\",\"exam_id\":\"T3\","
    "\"exam_date\":\"2025-05-05\",\"score\":99.5}\n";

static verifier *vf;
static char secret[VERIFIER_SECRET_LEN + 1];
static char tokens[3][KEYS_TOKEN_BUFSZ];

/* Today in China (UTC+8), the issue date of every certificate the issuer makes. */
static void today_china(char out[11])
{
    time_t now = time(NULL) + 8 * 3600;
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* Signs the token the issuer put into certificate i's QR code. */
static void sign_token(keys_t *k, int i, const char *no, const char *pos)
{
    struct keys_claims cl = {.elicence_version = 1};
    char err[256];

    memcpy(cl.certificate_no, no, sizeof(cl.certificate_no));
    memcpy(cl.position, pos, 3);
    today_china(cl.issue_date);
    memcpy(cl.province, "44", 3);
    if (ident_name_mask(holders[i][0], strlen(holders[i][0]), cl.name_masked,
                        sizeof(cl.name_masked)) != 0 ||
        ident_id_mask(holders[i][1], strlen(holders[i][1]), cl.id_masked, sizeof(cl.id_masked)) !=
            0 ||
        keys_token_sign(k, &cl, tokens[i], sizeof(tokens[i]), err, sizeof(err)) != 0)
        fz_fail("cannot sign the fuzz home's tokens");
}

static void sign_tokens(const char *home, const struct issuer_report *rep)
{
    static const char *const pos[] = {"01", "09", "13"};
    char dir[JP_HOME_PATH_MAX], err[256];
    keys_t *k = NULL;
    int i;

    if (jp_home_path(home, JP_HOME_KEYS, dir) != 0 ||
        keys_open(dir, 0, NULL, 0, &k, err, sizeof(err)) != 0)
        fz_fail("cannot open the fuzz home's keys");
    for (i = 0; i < 3; i++)
        sign_token(k, i, rep->items[i].certificate_no, pos[i]);
    keys_close(k);
}

static void make_home(const char *home)
{
    struct issuer_init_opts io = {
        .home = home,
        .templates_dir = JP_SOURCE_DIR "/data",
        .province = "44",
        .authority = "广东省住房和城乡建设厅",
        .authority_uscc = "114400000069493634",
        .public_url = "https://jp.example",
    };
    struct issuer_issue_opts iso = {.actor = "fuzz"};
    struct issuer_report rep;
    issuer *is = NULL;
    FILE *in = NULL;
    char err[512];

    if (issuer_init_home(&io, err, sizeof(err)) != 0)
        fz_fail(err);
    if (issuer_open(home, NULL, 0, 1, &is, err, sizeof(err)) != 0)
        fz_fail(err);
    issuer_report_init(&rep);
    in = fmemopen((void *)intake, sizeof(intake) - 1, "r");
    err[0] = '\0';
    if (in == NULL || issuer_issue(is, in, &iso, &rep, err, sizeof(err)) != 0 || rep.issued != 3) {
        for (size_t i = 0; i < rep.n; i++)
            if (rep.items[i].what == ISSUER_REJECTED)
                fprintf(stderr, "line %lu: %s\n", (unsigned long)rep.items[i].line,
                        (const char *)rep.text.data + rep.items[i].reason);
        fprintf(stderr, "%s\n", err);
        fz_fail("cannot issue the fuzz home's certificates");
    }
    fclose(in);
    if (issuer_status_change(issuer_store(is), rep.items[1].certificate_no, "revoke", "other",
                             "fuzz revocation", "fuzz", err, sizeof(err)) != 0)
        fz_fail(err);
    fprintf(stderr, "fuzz_http: home %s, certificates %s %s %s\n", home,
            rep.items[0].certificate_no, rep.items[1].certificate_no, rep.items[2].certificate_no);
    sign_tokens(home, &rep);
    issuer_report_free(&rep);
    issuer_close(is);
    if (verifier_clients_add(home, "prov-11", secret, err, sizeof(err)) != 0)
        fz_fail(err);
}

static void stop_verifier(void)
{
    verifier_stop(vf);
    jp_cleanse(secret, sizeof(secret));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static char home[1024];
    struct verifier_opts o = {.listen = "127.0.0.1:0",
                              .threads = 1,
                              .rate_burst = 1u << 30,
                              .rate_per_min = 1u << 30,
                              .no_rate_limits = 1};
    char err[512];
    int n;

    (void)argc;
    (void)argv;
    n = snprintf(home, sizeof(home), "%s/home", fz_tmpdir());
    if (n < 0 || (size_t)n >= sizeof(home))
        fz_fail("home path too long");
    make_home(home);
    o.home = home;
    if (verifier_start(&o, &vf, err, sizeof(err)) != 0)
        fz_fail(err);
    atexit(stop_verifier);
    jp_log_set_level(JP_LOG_ERROR);
    return 0;
}

/* The Authorization header a registered client would send for this request. */
static void sign_request(const struct vf_call *c, char *out, size_t outsz)
{
    unsigned char digest[32], mac[32];
    char hex[65], mhex[65], msg[2 * VF_PATH_MAX + 256];
    unsigned int maclen = 0;
    long long ts = (long long)time(NULL);
    struct jp_buf q;
    int n;

    EVP_Digest(c->body, c->len, digest, NULL, EVP_sha256(), NULL);
    jp_hex_encode(digest, sizeof(digest), hex);
    jp_buf_init(&q, VF_PATH_MAX + 1);
    if (vf_query_canonical(c->query, &q) != 0) {
        jp_buf_free(&q);
        out[0] = '\0';
        return;
    }
    n = snprintf(msg, sizeof(msg), "%s\n%s%s\n%lld\n%s", c->method, c->path,
                 q.data != NULL ? (const char *)q.data : "", ts, hex);
    jp_buf_free(&q);
    if (n < 0 || (size_t)n >= sizeof(msg) ||
        HMAC(EVP_sha256(), secret, (int)strlen(secret), (unsigned char *)msg, (size_t)n, mac,
             &maclen) == NULL) {
        out[0] = '\0';
        return;
    }
    jp_hex_encode(mac, sizeof(mac), mhex);
    n = snprintf(out, outsz, "JIANPEI-HMAC-SHA256 client=prov-11, ts=%lld, sig=%s", ts, mhex);
    if (n < 0 || (size_t)n >= outsz)
        out[0] = '\0';
}

/* Copies n bytes of s into out with "@T0@".."@T2@" replaced by the tokens. */
static int expand(const uint8_t *s, size_t n, struct jp_buf *out)
{
    size_t i = 0;
    int rc = 0;

    while (rc == 0 && i < n) {
        if (n - i >= 4 && s[i] == '@' && s[i + 1] == 'T' && s[i + 2] >= '0' && s[i + 2] <= '2' &&
            s[i + 3] == '@') {
            rc = jp_buf_puts(out, tokens[s[i + 2] - '0']);
            i += 4;
        } else {
            rc = jp_buf_append(out, s + i, 1);
            i++;
        }
    }
    if (rc == 0 && out->data == NULL)
        rc = jp_buf_append(out, "", 0);
    return rc;
}

static void check_error_body(const struct vf_reply *r)
{
    json_t *root, *e;

    root = json_loadb((const char *)r->body, r->len, 0, NULL);
    FZ_ASSERT(root != NULL);
    e = json_object_get(root, "error");
    FZ_ASSERT(json_is_string(json_object_get(e, "code")));
    FZ_ASSERT(json_is_string(json_object_get(e, "message")));
    json_decref(root);
}

/*
 * The API's errors are {"error":{...}}; the phone page of an unknown number
 * is a 404 page (HTML, or its verdict as JSON), not an error object; the
 * people's pages (SPEC §10) answer errors as whole HTML pages, never under
 * /api/.
 */
static void check_reply(const struct vf_call *c, const struct vf_reply *r)
{
    int page = strncasecmp(c->path, "/V/", 3) == 0 && strcmp(c->method, "GET") == 0;
    size_t i;

    FZ_ASSERT(r->status != 500);
    FZ_ASSERT((r->body == NULL) == (r->len == 0));
    if (r->status >= 400 && r->html && strncmp(r->ctype, "text/html", 9) == 0) {
        FZ_ASSERT(strncmp(c->path, "/api/", 5) != 0);
        FZ_ASSERT(r->len > 15 && memcmp(r->body, "<!DOCTYPE html>", 15) == 0);
    } else if (r->status >= 400 && !(page && r->status == 404)) {
        check_error_body(r);
    }
    if (r->ctype != NULL && strcmp(r->ctype, "application/pdf") == 0)
        return;
    for (i = 0; i < 2 * sizeof(holders) / sizeof(holders[0]); i++) {
        const char *pd = holders[i / 2][i % 2];
        size_t n = strlen(pd);

        if (fz_contains(c->path, strlen(c->path), pd, n) || fz_contains(c->body, c->len, pd, n) ||
            (c->since != NULL && fz_contains(c->since, strlen(c->since), pd, n)))
            continue;
        if (fz_contains(r->body, r->len, pd, n)) {
            fprintf(stderr, "status %u: %.*s\n", r->status, (int)r->len, (const char *)r->body);
            fz_fail("an answer holds a holder's full name or ID number");
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char method[16], rawpath[VF_PATH_MAX], authz[1024], since[64], accept[4], query[80];
    struct jp_buf path, body;
    const uint8_t *p = data, *end = data + size;
    struct vf_reply r = {.status = 500, .ctype = "application/json"};
    struct vf_call c = {0};
    enum vf_endpoint ep;

    if (size > VERIFIER_BODY_MAX)
        return 0;
    fz_next_line(&p, end, method, sizeof(method));
    fz_next_line(&p, end, rawpath, sizeof(rawpath));
    fz_next_line(&p, end, authz, sizeof(authz));
    fz_next_line(&p, end, since, sizeof(since));
    fz_next_line(&p, end, accept, sizeof(accept));
    jp_buf_init(&path, VF_PATH_MAX);
    jp_buf_init(&body, 2 * VERIFIER_BODY_MAX);
    if (expand((const uint8_t *)rawpath, strlen(rawpath), &path) != 0 ||
        expand(p, (size_t)(end - p), &body) != 0 || body.len > VERIFIER_BODY_MAX)
        goto out;
    c.method = method;
    c.path = (const char *)path.data;
    c.body = body.data;
    c.len = body.len;
    c.wants_json = accept[0] == 'j';
    c.since = since[0] != '\0' ? since : NULL;
    if (c.since != NULL && snprintf(query, sizeof(query), "since=%s", since) < (int)sizeof(query))
        c.query = query;
    memcpy(c.addr, "\x7f\x00\x00\x01", 4);
    c.addrlen = 4;
    if (strcmp(authz, "@") == 0)
        sign_request(&c, authz, sizeof(authz));
    c.authz = authz[0] != '\0' ? authz : NULL;
    vf_dispatch(vf, &c, &r, &ep);
    check_reply(&c, &r);
    vf_reply_clear(&r);
out:
    jp_buf_free(&path);
    jp_buf_free(&body);
    return 0;
}
