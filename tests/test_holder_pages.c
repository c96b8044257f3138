/*
 * test_holder_pages.c - the holder's pages end to end (SPEC §10, issue 13),
 * through jianpei-issuer and jianpei-verifier on port 0: sign-in failures
 * for an unknown number, a wrong claim code and a wrong ID are one answer
 * (status, body, length); the session cookie is HttpOnly and SameSite=Strict;
 * a form posted without its CSRF pair changes nothing; 我的证书 lists every
 * certificate of the holder; /me/{no}.pdf is the stored file byte for byte
 * and another holder's number is refused; the WeChat hint; a share shows its
 * banner and the unmasked name to a fresh visitor, counts the visit, and
 * after revocation shows nothing personal; a certificate holds at most 20
 * lasting shares; sign-out ends the session; five
 * failures lock the certificate so that the right code is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "check.h"
#include "ident.h"
#include "verifier_client.h"

static char dir[256], home[300];

struct holder {
    char no[19], name[257], id[33], code[15];
};

static int has(const struct vc_resp *r, const char *s)
{
    return r->body != NULL && strstr((const char *)r->body, s) != NULL;
}

static int signin(int port, const char *src, const char *cookie, const char *token, const char *no,
                  const char *code, const char *last6, struct vc_resp *r)
{
    char body[512], hdrs[256];

    snprintf(hdrs, sizeof(hdrs), "%sContent-Type: application/x-www-form-urlencoded\r\n", cookie);
    snprintf(body, sizeof(body), "certificate_no=%s&claim_code=%s&id_last6=%s%s%s", no, code, last6,
             token ? "&csrf=" : "", token ? token : "");
    return vc_http_from(src, port, "POST", "/me", hdrs, body, strlen(body), r);
}

static const char *last6(const struct holder *h)
{
    return h->id + strlen(h->id) - 6;
}

static int same(const struct vc_resp *a, const struct vc_resp *b)
{
    return a->status == b->status && a->len == b->len && memcmp(a->body, b->body, a->len) == 0;
}

/* Signs h in; the Cookie header of the session (and the csrf cookie) into out. */
static int session_of(int port, const struct holder *h, const char *token, const char *csrf_cookie,
                      char out[256])
{
    struct vc_resp r;
    char sc[256] = "";
    int ok;

    ok = signin(port, "127.0.0.50", csrf_cookie, token, h->no, h->code, last6(h), &r) == 0 &&
         r.status == 303 && vc_header(&r, "Set-Cookie", sc, sizeof(sc)) == 0;
    CHECK(ok);
    CHECK(strstr(sc, "HttpOnly") != NULL && strstr(sc, "SameSite=Strict") != NULL);
    CHECK(strstr(sc, "Secure") == NULL); /* PUBLIC_URL is http here */
    vc_resp_free(&r);
    if (!ok)
        return -1;
    snprintf(out, 256, "Cookie: jp_csrf=%s; %.*s\r\n", token, (int)strcspn(sc, ";"), sc);
    return 0;
}

static void test_failures_alike(int port, const struct holder *h, const char *token,
                                const char *cookie)
{
    struct vc_resp unknown, wrong_code, wrong_id, nocsrf;
    char other[15], bad6[7], unknown_no[19] = "44012026019999999";

    unknown_no[17] = ident_mod11_2(unknown_no); /* well-formed, given to nobody */
    unknown_no[18] = '\0';
    snprintf(other, sizeof(other), "%s", h->code);
    other[0] = other[0] == 'A' ? 'B' : 'A';
    snprintf(bad6, sizeof(bad6), "%s", last6(h));
    bad6[0] = bad6[0] == '9' ? '8' : (char)(bad6[0] + 1);
    CHECK(signin(port, "127.0.0.20", cookie, token, unknown_no, h->code, last6(h), &unknown) == 0);
    CHECK(signin(port, "127.0.0.21", cookie, token, h->no, other, last6(h), &wrong_code) == 0);
    CHECK(signin(port, "127.0.0.22", cookie, token, h->no, h->code, bad6, &wrong_id) == 0);
    CHECK_INT(wrong_code.status, 403);
    CHECK(same(&unknown, &wrong_code));
    CHECK(same(&wrong_id, &wrong_code));
    CHECK(!has(&wrong_code, h->name) && !has(&wrong_code, h->no));
    /* Without the CSRF field: refused, no session, whatever the proof. */
    CHECK(signin(port, "127.0.0.23", cookie, NULL, h->no, h->code, last6(h), &nocsrf) == 0);
    CHECK_INT(nocsrf.status, 403);
    CHECK(vc_header(&nocsrf, "Set-Cookie", other, sizeof(other)) != 0);
    vc_resp_free(&unknown);
    vc_resp_free(&wrong_code);
    vc_resp_free(&wrong_id);
    vc_resp_free(&nocsrf);
}

/* The share's id in the holder's page (the first /S/ link), or "". */
static void share_link(const struct vc_resp *r, char out[64])
{
    const char *p = r->body ? strstr((const char *)r->body, "href=\"/S/") : NULL;

    out[0] = '\0';
    if (p != NULL)
        snprintf(out, 64, "%.29s", p + 6);
}

static void test_signed_in(int port, const struct holder *h, const struct holder *h2,
                           const char *token, const char *csrf_cookie)
{
    char sess[256], path[128], body[256], hdrs[400], link[64], stored_path[400];
    struct vc_resp r, pdf, s, after, nocsrf;
    unsigned char *stored;
    size_t stored_len = 0;

    if (session_of(port, h, token, csrf_cookie, sess) != 0)
        return;
    CHECK(vc_http(port, "GET", "/me", sess, NULL, 0, &r) == 0 && r.status == 200);
    CHECK(has(&r, "我的证书") && has(&r, h->no) && has(&r, "退出登录"));
    CHECK(has(&r, "/me/") && has(&r, ".pdf"));
    vc_resp_free(&r);

    /* The stored PDF, byte for byte. */
    snprintf(path, sizeof(path), "/me/%s.pdf", h->no);
    CHECK(vc_http(port, "GET", path, sess, NULL, 0, &pdf) == 0 && pdf.status == 200);
    snprintf(stored_path, sizeof(stored_path), "%s/stored.pdf", dir);
    {
        char issuer[400],
            *argv[] = {issuer, "--home", home, "pdf", (char *)h->no, "--out", stored_path, NULL};
        snprintf(issuer, sizeof(issuer), "%s/jianpei-issuer", JP_BIN_DIR);
        CHECK_INT(vc_run(argv, NULL), 0);
    }
    stored = (unsigned char *)vc_slurp(stored_path, &stored_len);
    CHECK(stored != NULL && pdf.len == stored_len && memcmp(pdf.body, stored, stored_len) == 0);
    free(stored);
    vc_resp_free(&pdf);
    /* Another holder's certificate is not this session's. */
    snprintf(path, sizeof(path), "/me/%s.pdf", h2->no);
    CHECK(vc_http(port, "GET", path, sess, NULL, 0, &r) == 0 && r.status == 404);
    vc_resp_free(&r);
    /* The print view: full data, QR as inline SVG, A4 landscape. */
    snprintf(path, sizeof(path), "/me/%s/print", h->no);
    CHECK(vc_http_personal(port, path, sess, &r) == 0 && r.status == 200);
    CHECK(has(&r, h->name) && has(&r, h->id) && has(&r, "<svg") && has(&r, "A4 landscape"));
    vc_resp_free(&r);
    /* WeChat: no PDF link, the print view and the hint. */
    snprintf(hdrs, sizeof(hdrs), "%sUser-Agent: Mozilla/5.0 MicroMessenger/8.0.47\r\n", sess);
    CHECK(vc_http(port, "GET", "/me", hdrs, NULL, 0, &r) == 0 && r.status == 200);
    CHECK(has(&r, "请点击右上角，在浏览器中打开") && !has(&r, ".pdf\"") && has(&r, "/print"));
    vc_resp_free(&r);

    /* A share without the CSRF field changes nothing; with it, one share. */
    snprintf(hdrs, sizeof(hdrs), "%sContent-Type: application/x-www-form-urlencoded\r\n", sess);
    snprintf(path, sizeof(path), "/me/%s/shares", h->no);
    snprintf(body, sizeof(body),
             "recipient=%%E6%%9F%%90%%E5%%85%%AC%%E5%%8F%%B8&purpose=hr&days=30");
    CHECK(vc_http(port, "POST", path, hdrs, body, strlen(body), &nocsrf) == 0);
    CHECK_INT(nocsrf.status, 403);
    vc_resp_free(&nocsrf);
    CHECK(vc_http(port, "GET", "/me", sess, NULL, 0, &r) == 0 && !has(&r, "href=\"/S/"));
    vc_resp_free(&r);
    snprintf(body + strlen(body), sizeof(body) - strlen(body), "&csrf=%s", token);
    CHECK(vc_http(port, "POST", path, hdrs, body, strlen(body), &r) == 0 && r.status == 303);
    vc_resp_free(&r);
    CHECK(vc_http(port, "GET", "/me", sess, NULL, 0, &r) == 0);
    share_link(&r, link);
    vc_resp_free(&r);
    CHECK_INT(strlen(link), 29);
    snprintf(body, sizeof(body), "recipient=x&purpose=y&days=181&csrf=%s", token);
    CHECK(vc_http(port, "POST", path, hdrs, body, strlen(body), &r) == 0 && r.status == 400);
    vc_resp_free(&r);

    /* The recipient: a fresh visitor, no cookie. */
    CHECK(vc_http_personal(port, link, NULL, &s) == 0 && s.status == 200);
    CHECK(has(&s, "仅供某公司用于hr，有效期至") && has(&s, h->name) && has(&s, h->id));
    vc_resp_free(&s);
    CHECK(vc_http(port, "GET", "/me", sess, NULL, 0, &r) == 0 &&
          has(&r, "<td data-l=\"查看次数\">1</td>"));
    vc_resp_free(&r);
    /* Revoked: nothing personal. */
    snprintf(path, sizeof(path), "/me/shares/%s/revoke", link + 3);
    snprintf(body, sizeof(body), "certificate_no=%s&csrf=%s", h->no, token);
    CHECK(vc_http(port, "POST", path, hdrs, body, strlen(body), &r) == 0 && r.status == 303);
    vc_resp_free(&r);
    CHECK(vc_http(port, "GET", link, NULL, NULL, 0, &after) == 0);
    CHECK(has(&after, "授权已过期/已撤回") && !has(&after, h->name) && !has(&after, h->id) &&
          !has(&after, h->no));
    vc_resp_free(&after);

    /* Sign-out ends the session. */
    snprintf(body, sizeof(body), "csrf=%s", token);
    CHECK(vc_http(port, "POST", "/me/logout", hdrs, body, strlen(body), &r) == 0 &&
          r.status == 303);
    vc_resp_free(&r);
    CHECK(vc_http(port, "GET", "/me", sess, NULL, 0, &r) == 0 && r.status == 200);
    CHECK(!has(&r, h->no) && has(&r, "claim_code"));
    vc_resp_free(&r);
    snprintf(path, sizeof(path), "/me/%s.pdf", h->no);
    CHECK(vc_http(port, "GET", path, sess, NULL, 0, &r) == 0 && r.status == 303);
    vc_resp_free(&r);
}

/* At most 20 lasting shares a certificate: the 21st is refused in Chinese; a revoked one frees
 * room. */
static void test_share_cap(int port, const struct holder *h, const char *token,
                           const char *csrf_cookie)
{
    char sess[256], hdrs[400], path[128], body[256], link[64];
    struct vc_resp r;

    if (session_of(port, h, token, csrf_cookie, sess) != 0)
        return;
    snprintf(hdrs, sizeof(hdrs), "%sContent-Type: application/x-www-form-urlencoded\r\n", sess);
    snprintf(path, sizeof(path), "/me/%s/shares", h->no);
    snprintf(body, sizeof(body), "recipient=c&purpose=p&days=7&csrf=%s", token);
    for (int i = 0; i < 20; i++) {
        CHECK(vc_http(port, "POST", path, hdrs, body, strlen(body), &r) == 0);
        CHECK_INT(r.status, 303);
        vc_resp_free(&r);
    }
    CHECK(vc_http(port, "POST", path, hdrs, body, strlen(body), &r) == 0);
    CHECK_INT(r.status, 409);
    CHECK(has(&r, "有效授权已达20个上限"));
    vc_resp_free(&r);
    CHECK(vc_http(port, "GET", "/me", sess, NULL, 0, &r) == 0);
    share_link(&r, link);
    vc_resp_free(&r);
    snprintf(path, sizeof(path), "/me/shares/%s/revoke", link + 3);
    snprintf(body, sizeof(body), "certificate_no=%s&csrf=%s", h->no, token);
    CHECK(vc_http(port, "POST", path, hdrs, body, strlen(body), &r) == 0 && r.status == 303);
    vc_resp_free(&r);
    snprintf(path, sizeof(path), "/me/%s/shares", h->no);
    snprintf(body, sizeof(body), "recipient=c&purpose=p&days=7&csrf=%s", token);
    CHECK(vc_http(port, "POST", path, hdrs, body, strlen(body), &r) == 0 && r.status == 303);
    vc_resp_free(&r);
}

/* Five failures within the hour: the right code is refused after them. */
static void test_lockout(int port, const struct holder *h, const char *token, const char *cookie)
{
    char other[15], src[32];
    struct vc_resp r;

    snprintf(other, sizeof(other), "%s", h->code);
    other[13] = other[13] == '7' ? '8' : '7';
    for (int i = 0; i < 5; i++) {
        snprintf(src, sizeof(src), "127.0.0.%d", 60 + i);
        CHECK(signin(port, src, cookie, token, h->no, other, last6(h), &r) == 0);
        CHECK_INT(r.status, 403);
        vc_resp_free(&r);
    }
    CHECK(signin(port, "127.0.0.70", cookie, token, h->no, h->code, last6(h), &r) == 0);
    CHECK_INT(r.status, 429);
    CHECK(vc_header(&r, "Set-Cookie", other, sizeof(other)) != 0);
    vc_resp_free(&r);
}

int main(void)
{
    char verifier[400], err_path[400], token[32] = "", cookie[96] = "";
    struct holder h = {0}, h2 = {0};
    struct vc_daemon d = {0};
    char *rm[] = {"/bin/rm", "-rf", dir, NULL};

    snprintf(dir, sizeof(dir), "/tmp/jp-holder-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(home, sizeof(home), "%s/jianpei-home", dir);
    snprintf(verifier, sizeof(verifier), "%s/jianpei-verifier", JP_BIN_DIR);
    snprintf(err_path, sizeof(err_path), "%s/verifier.log", dir);
    CHECK(vc_make_home(JP_BIN_DIR, JP_SOURCE_DIR, dir, 3) == 0);
    CHECK(vc_holder(dir, 0, h.no, h.name, h.id) == 0 && vc_claim(dir, 0, h.code) == 0);
    CHECK(vc_holder(dir, 1, h2.no, h2.name, h2.id) == 0 && vc_claim(dir, 1, h2.code) == 0);
    {
        char *argv[] = {verifier,      "--home",    home, "--listen",
                        "127.0.0.1:0", "--threads", "2",  NULL};
        CHECK(vc_daemon_start(argv, err_path, &d) == 0);
    }
    if (d.port > 0 && vc_csrf(d.port, token, cookie) == 0) {
        test_failures_alike(d.port, &h, token, cookie);
        test_signed_in(d.port, &h, &h2, token, cookie);
        test_share_cap(d.port, &h, token, cookie);
        test_lockout(d.port, &h2, token, cookie);
    } else {
        CHECK(0);
    }
    CHECK_INT(vc_daemon_stop(&d), 0);
    vc_run(rm, NULL);
    return CHECK_DONE();
}
