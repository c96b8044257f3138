/*
 * test_pages_emp.c - the employers' pages end to end (issue 14, SPEC §10):
 * a home with three certificates (one reissued), jianpei-verifier on port 0,
 * then what an employer's browser or script would notice:
 *   - /, /c/{no} (400 and 404 pages), HEAD answering like GET without a body;
 *   - the holder check form: 403 without the CSRF pair, 一致 / 不一致, the
 *     same 不一致 for an unknown number;
 *   - the file check's JSON twin and form: identical, modified (one byte),
 *     older_version (a reissued certificate's old file), not_ours, and
 *     malformed uploads (truncated, 0 bytes, 3 MiB, not a PDF, a huge xref,
 *     a cut multipart body) answered cleanly;
 *   - the roster: JSON twin and form, bad lines listed with their line, more
 *     than 500 refused, the permalink showing the status as it was after a
 *     revocation while /c/{no} shows 撤销; no full name or ID on any page.
 */
#include "check.h"
#include "util.h"
#include "verifier_client.h"

#include <jansson.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define BOUNDARY "----jpTestBoundary7MA4YWxkTrZu0gW"

static char dir[256], home[300], issuer_bin[600], verifier_bin[600];

struct holder {
    char no[19], name[257], id[33];
};

static int has(const struct vc_resp *r, const char *s)
{
    return r->body != NULL && strstr((const char *)r->body, s) != NULL;
}

static const char *jstr(const struct vc_resp *r, const char *key)
{
    static char out[256];
    json_t *root = json_loads((const char *)r->body, 0, NULL);
    const char *v = json_string_value(json_object_get(root, key));

    out[0] = '\0';
    if (v != NULL)
        snprintf(out, sizeof(out), "%s", v);
    json_decref(root);
    return out;
}

static int issuer(const char *a, const char *b, const char *c, const char *d)
{
    char *argv[] = {issuer_bin, "--home", home, (char *)a, (char *)b, (char *)c, (char *)d, NULL};

    return vc_run(argv, NULL);
}

/* The CSRF token of the jp_csrf cookie a page set; "" when none. */
static void cookie_token(const struct vc_resp *r, char token[64])
{
    char v[256] = "";
    size_t n;

    token[0] = '\0';
    if (vc_header(r, "Set-Cookie", v, sizeof(v)) != 0 || strncmp(v, "jp_csrf=", 8) != 0)
        return;
    n = strcspn(v + 8, ";");
    if (n < 64) {
        memcpy(token, v + 8, n);
        token[n] = '\0';
    }
}

/* A multipart body: a csrf field (token may be NULL) and file field with data. */
static unsigned char *multipart(const char *token, const void *data, size_t len, size_t *out_len)
{
    char head[512], tail[128];
    unsigned char *b;
    int hn, tn;

    hn = snprintf(head, sizeof(head),
                  "%s%s%s--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"file\"; "
                  "filename=\"cert.pdf\"\r\nContent-Type: application/pdf\r\n\r\n",
                  token ? "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n"
                        : "",
                  token ? token : "", token ? "\r\n" : "");
    tn = snprintf(tail, sizeof(tail), "\r\n--" BOUNDARY "--\r\n");
    b = malloc((size_t)hn + len + (size_t)tn);
    if (b == NULL)
        return NULL;
    memcpy(b, head, (size_t)hn);
    memcpy(b + hn, data, len);
    memcpy(b + hn + len, tail, (size_t)tn);
    *out_len = (size_t)hn + len + (size_t)tn;
    return b;
}

static int check_file_api(int port, const void *data, size_t len, struct vc_resp *r)
{
    size_t n = 0;
    unsigned char *body = multipart(NULL, data, len, &n);
    int rc;

    if (body == NULL)
        return -1;
    rc = vc_http(port, "POST", "/api/v1/check-file",
                 "Content-Type: multipart/form-data; boundary=" BOUNDARY "\r\n", body, n, r);
    free(body);
    return rc;
}

static const char *verdict_of(int port, const void *data, size_t len)
{
    static char v[64];
    struct vc_resp r;

    v[0] = '\0';
    if (check_file_api(port, data, len, &r) != 0)
        return "(no answer)";
    snprintf(v, sizeof(v), "%d %s", r.status, jstr(&r, "verdict"));
    vc_resp_free(&r);
    return v;
}

/*
 * A 3 MiB upload as a browser starts it: the headers declare the length; the
 * answer must come at once, before any of the body (no 3 MiB is read in).
 * Returns the status of the answer or -1.
 */
static int declared_3mib(int port, const char *path, int html)
{
    char req[512], resp[4096];
    struct sockaddr_in sa;
    int k = snprintf(req, sizeof(req),
                     "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                     "multipart/form-data; boundary=" BOUNDARY "\r\n"
                     "Content-Length: 3145728\r\n\r\n",
                     path);
    ssize_t n;
    int fd, status = -1;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    if (k > 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
        jp_write_all(fd, req, (size_t)k) == 0) {
        n = read(fd, resp, sizeof(resp) - 1);
        if (n > 12) {
            resp[n] = '\0';
            status = atoi(resp + 9);
            if ((strstr(resp, "text/html") != NULL) != html)
                status = -2; /* a form gets a page, the API its JSON */
        }
    }
    close(fd);
    return status;
}

/* ------------------------------------------------------------ pages */

static void test_home_and_cert(int port, const struct holder *h, char token[64])
{
    struct vc_resp r, head;
    char hv[512], path[64], cl_get[32] = "", cl_head[32] = "";

    CHECK(vc_http(port, "GET", "/", NULL, NULL, 0, &r) == 0 && r.status == 200);
    CHECK(has(&r, "证书查询") && has(&r, "href=\"/me\"") && has(&r, "href=\"/check/file\"") &&
          has(&r, "href=\"/check/roster\""));
    CHECK(vc_header(&r, "Content-Security-Policy", hv, sizeof(hv)) == 0 &&
          strstr(hv, "default-src 'none'") != NULL && strstr(hv, "form-action 'self'") != NULL &&
          strstr(hv, "frame-ancestors 'none'") != NULL);
    CHECK(vc_header(&r, "Referrer-Policy", hv, sizeof(hv)) == 0 && strcmp(hv, "no-referrer") == 0);
    CHECK(vc_header(&r, "Cache-Control", hv, sizeof(hv)) == 0 && strcmp(hv, "no-store") == 0);
    vc_header(&r, "Content-Length", cl_get, sizeof(cl_get));
    vc_resp_free(&r);
    /* HEAD: the same headers, no body (link checkers got 405 before) */
    CHECK(vc_http(port, "HEAD", "/", NULL, NULL, 0, &head) == 0 && head.status == 200);
    CHECK(head.len == 0);
    vc_header(&head, "Content-Length", cl_head, sizeof(cl_head));
    CHECK(cl_get[0] != '\0' && strcmp(cl_get, cl_head) == 0);
    vc_resp_free(&head);
    CHECK(vc_http(port, "HEAD", "/healthz", NULL, NULL, 0, &head) == 0 && head.status == 200 &&
          head.len == 0);
    vc_resp_free(&head);

    /* the home page's form: /c?no=... goes to /c/{no} */
    snprintf(path, sizeof(path), "/c?no=%s", h->no);
    CHECK(vc_http(port, "GET", path, NULL, NULL, 0, &r) == 0 && r.status == 303);
    CHECK(vc_header(&r, "Location", hv, sizeof(hv)) == 0 && strncmp(hv, "/c/", 3) == 0 &&
          strcmp(hv + 3, h->no) == 0);
    vc_resp_free(&r);
    CHECK(vc_http(port, "GET", "/c?no=12345", NULL, NULL, 0, &r) == 0 && r.status == 400);
    vc_resp_free(&r);

    snprintf(path, sizeof(path), "/c/%s", h->no);
    CHECK(vc_http(port, "GET", path, NULL, NULL, 0, &r) == 0 && r.status == 200);
    CHECK(has(&r, "有效") && has(&r, h->no) && has(&r, "未核验证书上二维码的签名"));
    CHECK(!has(&r, h->name) && !has(&r, h->id));
    CHECK(has(&r, "name=\"csrf\"") && has(&r, "/holder-check"));
    cookie_token(&r, token);
    CHECK(strlen(token) == 26);
    CHECK(vc_header(&r, "Set-Cookie", hv, sizeof(hv)) == 0 && strstr(hv, "HttpOnly") != NULL &&
          strstr(hv, "SameSite=Strict") != NULL);
    vc_resp_free(&r);
    CHECK(vc_http(port, "HEAD", path, NULL, NULL, 0, &r) == 0 && r.status == 200 && r.len == 0);
    vc_resp_free(&r);

    CHECK(vc_http(port, "GET", "/c/440120230100000012", NULL, NULL, 0, &r) == 0 &&
          r.status == 400 && has(&r, "证书编号有误"));
    vc_resp_free(&r);
    CHECK(vc_http(port, "GET", "/c/440120230100000013", NULL, NULL, 0, &r) == 0 &&
          r.status == 404 && has(&r, "查无此证"));
    vc_resp_free(&r);
}

static void holder_post(int port, const char *no, const char *cookie, const char *token,
                        const char *name, const char *id, struct vc_resp *r)
{
    char path[64], body[1024], headers[256];

    snprintf(path, sizeof(path), "/c/%s/holder-check", no);
    snprintf(body, sizeof(body), "name=%s&id_number=%s%s%s", name, id, token ? "&csrf=" : "",
             token ? token : "");
    snprintf(headers, sizeof(headers), "Content-Type: application/x-www-form-urlencoded\r\n%s%s%s",
             cookie ? "Cookie: " : "", cookie ? cookie : "", cookie ? "\r\n" : "");
    if (vc_http(port, "POST", path, headers, body, strlen(body), r) != 0)
        memset(r, 0, sizeof(*r));
}

static void test_holder_check(int port, const struct holder *h, const char *token)
{
    char cookie[128], lower[33];
    struct vc_resp r;
    size_t n;

    snprintf(cookie, sizeof(cookie), "jp_csrf=%s", token);
    holder_post(port, h->no, NULL, token, h->name, h->id, &r);
    CHECK(r.status == 403 && has(&r, "安全校验未通过")); /* field without cookie */
    vc_resp_free(&r);
    holder_post(port, h->no, cookie, NULL, h->name, h->id, &r);
    CHECK(r.status == 403); /* cookie without field */
    vc_resp_free(&r);
    holder_post(port, h->no, "jp_csrf=AAAAAAAAAAAAAAAAAAAAAAAAAA", token, h->name, h->id, &r);
    CHECK(r.status == 403); /* a different pair */
    vc_resp_free(&r);

    /* the name goes raw (UTF-8 bytes are legal in a form body as sent here) */
    holder_post(port, h->no, cookie, token, h->name, h->id, &r);
    CHECK(r.status == 200 && has(&r, "一致") && !has(&r, "不一致") && has(&r, "有效"));
    CHECK(!has(&r, h->name) && !has(&r, h->id));
    vc_resp_free(&r);
    snprintf(lower, sizeof(lower), "%s", h->id);
    n = strlen(lower);
    if (n > 0 && lower[n - 1] == 'X')
        lower[n - 1] = 'x';
    holder_post(port, h->no, cookie, token, h->name, lower, &r);
    CHECK(r.status == 200 && has(&r, "一致") && !has(&r, "不一致"));
    vc_resp_free(&r);
    holder_post(port, h->no, cookie, token, h->name, "110101199003074477", &r);
    CHECK(r.status == 200 && has(&r, "不一致"));
    vc_resp_free(&r);
    holder_post(port, "440120230100000013", cookie, token, h->name, h->id, &r);
    CHECK(r.status == 200 && has(&r, "不一致")); /* unknown number: the same answer */
    vc_resp_free(&r);
}

/* The QR page carries the same holder check form, with the CSRF cookie. */
static void test_qr_page_form(int port, const struct holder *h)
{
    char url[1024], cookie[300], token[64], action[64];
    struct vc_resp r;

    CHECK(vc_qr_from_pdf(JP_BIN_DIR, dir, h->no, url, sizeof(url)) == 0);
    if (strstr(url, "/V/") == NULL)
        return;
    CHECK(vc_http(port, "GET", strstr(url, "/V/"), NULL, NULL, 0, &r) == 0 && r.status == 200);
    snprintf(action, sizeof(action), "action=\"/c/%s/holder-check\"", h->no);
    CHECK(has(&r, "二维码签名真实") && has(&r, action) && has(&r, "name=\"csrf\""));
    cookie_token(&r, token);
    CHECK(strlen(token) == 26);
    vc_resp_free(&r);
    snprintf(cookie, sizeof(cookie), "jp_csrf=%s", token);
    holder_post(port, h->no, cookie, token, h->name, h->id, &r);
    CHECK(r.status == 200 && has(&r, "一致") && !has(&r, "不一致"));
    vc_resp_free(&r);
}

/* ------------------------------------------------------- file check */

static void test_file_check(int port, const struct holder *h, const char *token)
{
    char path[400], old_path[400], headers[256];
    unsigned char *pdf, *old, *big, *body;
    size_t len = 0, old_len = 0, n = 0;
    struct vc_resp r;

    snprintf(path, sizeof(path), "%s/c0.pdf", dir);
    snprintf(old_path, sizeof(old_path), "%s/c1-v1.pdf", dir);
    pdf = (unsigned char *)vc_slurp(path, &len);
    old = (unsigned char *)vc_slurp(old_path, &old_len);
    CHECK(pdf != NULL && old != NULL && len > 1000);
    if (pdf == NULL || old == NULL)
        return;

    /* the JSON twin: raw body and multipart */
    CHECK(vc_http(port, "POST", "/api/v1/check-file", "Content-Type: application/pdf\r\n", pdf, len,
                  &r) == 0 &&
          r.status == 200);
    CHECK_STR(jstr(&r, "verdict"), "identical");
    CHECK_STR(jstr(&r, "certificate_no"), h[0].no);
    CHECK_STR(jstr(&r, "status"), "valid");
    CHECK(!has(&r, h[0].name) && !has(&r, h[0].id));
    vc_resp_free(&r);
    CHECK_STR(verdict_of(port, pdf, len), "200 identical");
    CHECK_STR(verdict_of(port, old, old_len), "200 older_version");
    pdf[len / 3] ^= 0x01; /* one byte inside the signed range */
    CHECK_STR(verdict_of(port, pdf, len), "200 modified");
    pdf[len / 3] ^= 0x01;
    {
        /* the signature value's zero padding changed: a value the index does not know,
         * still a CMS with our root in it: modified, whose unknown */
        size_t k = len - 2;
        struct vc_resp m;

        while (k > 0 && !(pdf[k] == '0' && pdf[k + 1] == '>'))
            k--;
        CHECK(k > 0);
        pdf[k] = '1';
        CHECK(check_file_api(port, pdf, len, &m) == 0 && m.status == 200);
        CHECK_STR(jstr(&m, "verdict"), "modified");
        CHECK_STR(jstr(&m, "certificate_no"), "");
        vc_resp_free(&m);
        pdf[k] = '0';
    }
    CHECK_STR(verdict_of(port, pdf, len / 2), "200 not_ours"); /* truncated */
    CHECK_STR(verdict_of(port, "hello, not a pdf", 16), "200 not_ours");
    {
        static const char huge_xref[] = "%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n"
                                        "xref\n0 2147483647\n0000000000 65535 f \n"
                                        "trailer<</Size 2147483647/Root 1 0 R>>\n"
                                        "startxref\n41\n%%EOF\n";

        CHECK_STR(verdict_of(port, huge_xref, sizeof(huge_xref) - 1), "200 not_ours");
    }
    CHECK_STR(verdict_of(port, "", 0), "400 ");
    CHECK(check_file_api(port, "", 0, &r) == 0 && r.status == 400);
    CHECK_STR(jstr(&r, "verdict"), "");
    vc_resp_free(&r);
    CHECK_INT(declared_3mib(port, "/api/v1/check-file", 0), 413);
    CHECK_INT(declared_3mib(port, "/check/file", 1), 413);
    big = calloc(1, (2u << 20) + 1); /* one byte past 2 MiB inside a body that fits */
    if (big != NULL) {
        memcpy(big, "%PDF-1.7\n", 9);
        CHECK(check_file_api(port, big, (2u << 20) + 1, &r) == 0 && r.status == 413);
        CHECK_STR(jstr(&r, "verdict"), "");
        vc_resp_free(&r);
        free(big);
    }
    /* a multipart body cut in the middle */
    body = multipart(NULL, pdf, len, &n);
    if (body != NULL) {
        CHECK(vc_http(port, "POST", "/api/v1/check-file",
                      "Content-Type: multipart/form-data; boundary=" BOUNDARY "\r\n", body, n / 2,
                      &r) == 0 &&
              r.status == 400);
        vc_resp_free(&r);
        free(body);
    }

    /* the form: CSRF pair, then the verdict in Chinese */
    body = multipart(token, pdf, len, &n);
    snprintf(headers, sizeof(headers),
             "Content-Type: multipart/form-data; boundary=" BOUNDARY "\r\nCookie: jp_csrf=%s\r\n",
             token);
    if (body != NULL) {
        CHECK(vc_http(port, "POST", "/check/file", headers, body, n, &r) == 0 && r.status == 200);
        CHECK(has(&r, "原件一致") && has(&r, "有效") && !has(&r, h[0].name));
        vc_resp_free(&r);
        CHECK(vc_http(port, "POST", "/check/file",
                      "Content-Type: multipart/form-data; boundary=" BOUNDARY "\r\n", body, n,
                      &r) == 0 &&
              r.status == 403);
        vc_resp_free(&r);
        free(body);
    }
    CHECK(vc_http(port, "GET", "/check/file", NULL, NULL, 0, &r) == 0 && r.status == 200 &&
          has(&r, "multipart/form-data"));
    vc_resp_free(&r);
    free(pdf);
    free(old);
}

/* ------------------------------------------------------------ roster */

static void test_roster(int port, const struct holder *h, const char *token)
{
    char body[2048], path[128], permalink[128], headers[256], *big;
    struct vc_resp r;
    size_t i, o;

    snprintf(body, sizeof(body),
             "{\"certificate_nos\":[\"%s\",\"%s\",\"%s\",\"12345\",\"%s\",\"440120230100000013\","
             "\"%s\"]}",
             h[0].no, h[1].no, h[2].no, h[0].id, h[1].name);
    CHECK(vc_http(port, "POST", "/api/v1/roster", NULL, body, strlen(body), &r) == 0 &&
          r.status == 200);
    CHECK(has(&r, "\"invalid_certificate_no\"") && has(&r, "\"not_found\"") &&
          has(&r, "\"line\":4") && has(&r, "\"valid\""));
    CHECK(!has(&r, h[0].name) && !has(&r, h[0].id));     /* a pasted ID number stays masked */
    CHECK(!has(&r, h[1].name) && has(&r, "非编号内容")); /* a pasted name is not kept */
    snprintf(permalink, sizeof(permalink), "%s", jstr(&r, "url"));
    CHECK(strncmp(permalink, "/R/", 3) == 0 && strlen(permalink) == 3 + 26);
    vc_resp_free(&r);

    CHECK(vc_http(port, "GET", permalink, NULL, NULL, 0, &r) == 0 && r.status == 200);
    CHECK(has(&r, "查询时间") && has(&r, "有效") && has(&r, "编号无效") && has(&r, "查无此证"));
    CHECK(!has(&r, h[0].name) && !has(&r, h[0].id) && !has(&r, h[1].name));
    vc_resp_free(&r);

    /* revoked after the query: the permalink keeps 有效, the certificate page says 撤销 */
    CHECK(issuer("revoke", h[2].no, "--reason", "fraud") == 0);
    CHECK(vc_http(port, "GET", permalink, NULL, NULL, 0, &r) == 0 && r.status == 200);
    CHECK(has(&r, "有效") && !has(&r, "撤销"));
    vc_resp_free(&r);
    snprintf(path, sizeof(path), "/c/%s", h[2].no);
    CHECK(vc_http(port, "GET", path, NULL, NULL, 0, &r) == 0 && r.status == 200 && has(&r, "撤销"));
    vc_resp_free(&r);

    CHECK(vc_http(port, "GET", "/R/AAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, NULL, 0, &r) == 0 &&
          r.status == 404);
    vc_resp_free(&r);
    CHECK(vc_http(port, "GET", "/R/short", NULL, NULL, 0, &r) == 0 && r.status == 404);
    vc_resp_free(&r);

    /* 501 numbers: 400 */
    big = malloc(501 * 22 + 64);
    if (big != NULL) {
        o = (size_t)sprintf(big, "{\"certificate_nos\":\"");
        for (i = 0; i < 501; i++)
            o += (size_t)sprintf(big + o, "%s\\n", h[0].no);
        o += (size_t)sprintf(big + o, "\"}");
        CHECK(vc_http(port, "POST", "/api/v1/roster", NULL, big, o, &r) == 0 && r.status == 400);
        CHECK(has(&r, "too_many_numbers"));
        vc_resp_free(&r);
        free(big);
    }

    /* the form: urlencoded, CSRF pair, 303 to the permalink */
    snprintf(body, sizeof(body), "certificate_nos=%s%%0D%%0A%s%%0D%%0A&csrf=%s", h[0].no, h[1].no,
             token);
    snprintf(headers, sizeof(headers),
             "Content-Type: application/x-www-form-urlencoded\r\nCookie: jp_csrf=%s\r\n", token);
    CHECK(vc_http(port, "POST", "/check/roster", headers, body, strlen(body), &r) == 0 &&
          r.status == 303);
    CHECK(vc_header(&r, "Location", path, sizeof(path)) == 0 && strncmp(path, "/R/", 3) == 0);
    vc_resp_free(&r);
    CHECK(vc_http(port, "POST", "/check/roster",
                  "Content-Type: application/x-www-form-urlencoded\r\n", body, strlen(body),
                  &r) == 0 &&
          r.status == 403);
    vc_resp_free(&r);
}

/*
 * Per-address limits (default configuration: 30 lookups a minute): /c/{no}
 * shares the lookup buckets, and a roster of 500 numbers takes 11 tokens, so
 * the third one within the minute is refused.
 */
static void test_limits(const struct holder *h)
{
    char err_path[400], path[64], *big;
    char *argv[] = {verifier_bin,  "--home",    home, "--listen",
                    "127.0.0.1:0", "--threads", "2",  NULL};
    struct vc_daemon d;
    struct vc_resp r;
    size_t i, o;
    int got429 = 0, statuses[3] = {0, 0, 0};

    snprintf(err_path, sizeof(err_path), "%s/verifier-limits.err", dir);
    if (vc_daemon_start(argv, err_path, &d) != 0) {
        CHECK(!"verifier with limits started");
        return;
    }
    big = malloc(500 * 22 + 64);
    if (big != NULL) {
        o = (size_t)sprintf(big, "{\"certificate_nos\":\"");
        for (i = 0; i < 500; i++)
            o += (size_t)sprintf(big + o, "%s\\n", h[i % 3].no);
        o += (size_t)sprintf(big + o, "\"}");
        for (i = 0; i < 3; i++) {
            if (vc_http(d.port, "POST", "/api/v1/roster", NULL, big, o, &r) == 0)
                statuses[i] = r.status;
            vc_resp_free(&r);
        }
        free(big);
    }
    CHECK(statuses[0] == 200 && statuses[1] == 200 && statuses[2] == 429);
    snprintf(path, sizeof(path), "/c/%s", h[0].no);
    for (i = 0; i < 40 && !got429; i++) {
        if (vc_http(d.port, "GET", path, NULL, NULL, 0, &r) == 0 && r.status == 429)
            got429 = has(&r, "<!DOCTYPE html>") && vc_header(&r, "Retry-After", path, 16) == 0;
        vc_resp_free(&r);
        snprintf(path, sizeof(path), "/c/%s", h[0].no);
    }
    CHECK(got429);
    CHECK(vc_daemon_stop(&d) == 0);
}

int main(void)
{
    struct holder h[3];
    char pdf[400], token[64] = "", v2[400];
    struct vc_daemon d;
    size_t i;
    int ok = 1;

    signal(SIGPIPE, SIG_IGN); /* a 413 closes while the 3 MiB body is still going out */
    if (vc_scratch(dir, sizeof(dir), "/tmp/jp-pages-emp-XXXXXX", home, sizeof(home)) != 0)
        return 3;
    snprintf(issuer_bin, sizeof(issuer_bin), "%s/jianpei-issuer", JP_BIN_DIR);
    snprintf(verifier_bin, sizeof(verifier_bin), "%s/jianpei-verifier", JP_BIN_DIR);
    CHECK(vc_make_home(JP_BIN_DIR, JP_SOURCE_DIR, dir, 3) == 0);
    for (i = 0; i < 3; i++)
        ok &= vc_holder(dir, i, h[i].no, h[i].name, h[i].id) == 0;
    CHECK(ok);
    snprintf(pdf, sizeof(pdf), "%s/c0.pdf", dir);
    CHECK(issuer("pdf", h[0].no, "--out", pdf) == 0);
    snprintf(pdf, sizeof(pdf), "%s/c1-v1.pdf", dir);
    CHECK(issuer("pdf", h[1].no, "--out", pdf) == 0);
    CHECK(issuer("reissue", h[1].no, NULL, NULL) == 0);
    snprintf(v2, sizeof(v2), "%s/c1-v2.pdf", dir);
    CHECK(issuer("pdf", h[1].no, "--out", v2) == 0);
    {
        char err_path[400];
        char *argv[] = {verifier_bin, "--home",           home,
                        "--listen",   "127.0.0.1:0",      "--threads",
                        "2",          "--no-rate-limits", NULL};

        snprintf(err_path, sizeof(err_path), "%s/verifier.err", dir);
        if (vc_daemon_start(argv, err_path, &d) != 0) {
            CHECK(!"verifier started");
            return CHECK_DONE();
        }
    }
    test_home_and_cert(d.port, &h[0], token);
    test_holder_check(d.port, &h[0], token);
    test_qr_page_form(d.port, &h[2]);
    test_file_check(d.port, h, token);
    test_roster(d.port, h, token);
    CHECK(vc_daemon_stop(&d) == 0);
    test_limits(h);
    {
        char *log = vc_slurp(d.err_path, NULL);

        CHECK(log != NULL && strstr(log, "/check/file") != NULL);
        CHECK(log != NULL && strstr(log, h[0].no) == NULL); /* numbers in paths are starred */
        free(log);
    }
    jp_remove_tree(dir);
    return CHECK_DONE();
}
