/*
 * holder_pages.c - the holder's pages of SPEC §10: sign-in at /me with the
 * certificate number, the claim code and the last 6 characters of the ID
 * number (vf_claim_proof: the certificate's lockout, one answer for every
 * failure), the session cookie, 我的证书 (every certificate of the same ID
 * number), the stored PDF byte for byte, the print view with the QR as
 * inline SVG, sign-out, and 授权查看 shares with their recipient's page /S/{id}.
 * Every form carries the CSRF pair of pages.h; HTML goes through its one
 * escaper. Sessions and shares live in HOME/portal/ (pages.h).
 */
#include "verifier_int.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ident.h"
#include "ofd.h"

#define SESSION_COOKIE "jp_session"
#define HOLDER_CERTS_MAX 32 /* certificates of one holder listed at most */
#define SHARE_ID_TEXT 26    /* base32 of PORTAL_SHARE_ID_LEN bytes */
#define SHARE_TEXT_CHARS 60 /* characters of recipient and purpose */
#define DAY_S 86400

static const char signin_failed[] = "证书编号、领取码或身份证件号码后6位不正确。"
                                    "请核对后重试；连续输错5次，该证书将锁定一小时。";

/* ------------------------------------------------------------ helpers */

static int reply_with(struct vf_reply *r, struct pages_page *p, int rc)
{
    if (rc == 0)
        rc = vf_reply_page(r, p);
    pages_page_free(p);
    return rc;
}

/* China time (UTC+8) date of unix seconds t: "2026-12-03". */
static void china_date(int64_t t, char out[16])
{
    time_t tt = (time_t)(t + 8 * 3600);
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL || strftime(out, 16, "%Y-%m-%d", &tm) == 0)
        out[0] = '\0';
}

static void china_time(int64_t t, char out[32])
{
    time_t tt = (time_t)(t + 8 * 3600);
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL || strftime(out, 32, "%Y-%m-%d %H:%M", &tm) == 0)
        out[0] = '\0';
}

static int is_wechat(const struct vf_call *c)
{
    return c->user_agent != NULL && strstr(c->user_agent, "MicroMessenger") != NULL;
}

static int banner(struct jp_buf *b, enum store_cert_status st)
{
    const char *word, *cls;

    vf_status_words(st, &word, &cls);
    return jp_buf_printf(b, "<div class=\"b %s\"><strong>%s</strong></div>", cls, word);
}

/* The status banner, then open, the rows[0..n-1] and close. */
static int banner_list(struct jp_buf *b, enum store_cert_status st, const char *open,
                       const char *const rows[][2], size_t n, const char *close)
{
    int rc = banner(b, st);

    if (rc == 0)
        rc = jp_buf_puts(b, open);
    if (rc == 0)
        rc = vf_rows(b, rows, n);
    return rc == 0 ? jp_buf_puts(b, close) : rc;
}

/* The session's certificate number, or "" when there is no live session. */
static int session_no(struct verifier *v, const struct vf_call *c, char no[PORTAL_NO_SIZE])
{
    char token[PORTAL_SESSION_LEN + 8];
    int rc;

    no[0] = '\0';
    if (pages_cookie_get(c->cookie, SESSION_COOKIE, token, sizeof(token)) != 0)
        return 0;
    rc = portal_session_get(v->portal, token, (int64_t)time(NULL), no);
    jp_cleanse(token, sizeof(token));
    return rc == PAGES_E_NOTFOUND ? 0 : rc;
}

/* The signed-in holder: the session's certificate (its ID number is the holder's). */
struct holder {
    char no[PORTAL_NO_SIZE]; /* the certificate signed in with */
    struct store_cert cert;  /* its record */
};

/* 1 with h filled when the call has a live session, 0 when not; <0 never (errors in *rc). */
static int signed_in(struct verifier *v, const struct vf_call *c, struct holder *h, int *rc)
{
    *rc = session_no(v, c, h->no);
    if (*rc != 0 || h->no[0] == '\0')
        return 0;
    *rc = vf_cert_lookup(v, h->no, &h->cert);
    if (*rc == STORE_ENOTFOUND)
        *rc = 0;
    return *rc == 0 && h->cert.certificate_no[0] != '\0';
}

/* Reads certificate no when it is the signed-in holder's (same ID number). 1, 0 or <0. */
static int holder_cert(struct verifier *v, const struct holder *h, const char *no,
                       struct store_cert *out, int *rc)
{
    *rc = 0;
    if (!vf_certno_ok(no, strlen(no)))
        return 0;
    *rc = vf_cert_lookup(v, no, out);
    if (*rc == STORE_ENOTFOUND)
        *rc = 0;
    return *rc == 0 && strcmp(out->id_number, h->cert.id_number) == 0 &&
           strcmp(out->id_type, h->cert.id_type) == 0;
}

static int session_cookie(const struct verifier *v, const char *token, char *out, size_t outsz)
{
    return jp_strf(out, outsz, SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s", token,
                   vf_secure_cookies(v) ? "; Secure" : "");
}

/* ------------------------------------------------------------ sign-in */

static const char signin_css[] =
    ".err{color:#c62828;font-weight:bold}form label{display:block;margin:.6em 0 .2em}"
    "form input{width:100%;box-sizing:border-box;font-size:1.1em}";

static int signin_page(struct verifier *v, const struct vf_call *c, unsigned status,
                       const char *notice, struct pages_page *p)
{
    char token[PAGES_CSRF_LEN + 1];
    struct jp_buf *b = &p->body;
    int rc;

    p->status = status;
    rc = pages_csrf_prepare(p, c->cookie, vf_secure_cookies(v), token);
    if (rc == 0)
        rc = pages_begin(p, "我的证书 · 登录", signin_css);
    if (rc == 0)
        rc = jp_buf_puts(b, "<h1>我的证书</h1><p>请输入证书编号、领取码（培训机构通知中的 "
                            "XXXX-XXXX-XXXX）和身份证件号码后6位。</p>");
    if (rc == 0 && notice != NULL)
        rc = vf_tagged(b, "<p class=\"err\" role=\"alert\">", notice, "</p>");
    if (rc == 0)
        rc = jp_buf_puts(
            b,
            "<form method=\"post\" action=\"/me\">"
            "<label for=\"n\">证书编号</label><input id=\"n\" name=\"certificate_no\" "
            "inputmode=\"latin\" maxlength=\"18\" autocomplete=\"off\" required>"
            "<label for=\"k\">领取码</label><input id=\"k\" name=\"claim_code\" maxlength=\"20\" "
            "autocomplete=\"off\" autocapitalize=\"characters\" required>"
            "<label for=\"i\">身份证件号码后6位</label><input id=\"i\" name=\"id_last6\" "
            "maxlength=\"6\" autocomplete=\"off\" required>");
    if (rc == 0)
        rc = pages_csrf_input(b, token);
    if (rc == 0)
        rc = jp_buf_puts(b, "<p><button type=\"submit\">登录</button></p></form>"
                            "<p>领取码遗失：请联系培训机构或发证机关重置。</p>");
    if (rc == 0)
        rc = pages_end(p);
    return rc;
}

static int form_take(const struct vf_call *c, struct pages_form *f, struct vf_reply *r, int *rc)
{
    struct pages_upload u;

    memset(&u, 0, sizeof(u));
    *rc = pages_body_parse(c->ctype, c->body, c->len, "file", &u);
    if (*rc == PAGES_E_FORM || *rc == PAGES_E_TOO_BIG || u.has_file) {
        pages_upload_free(&u);
        *rc = vf_reply_message(r, 400, "请求有误", "表单内容无法识别。");
        return 0;
    }
    if (*rc != 0)
        return 0;
    *f = u.fields; /* moved: the upload's fields are ours now */
    memset(&u.fields, 0, sizeof(u.fields));
    pages_upload_free(&u);
    return 1;
}

/* 1 to go on with a posted form whose CSRF pair matches; else replied (0). */
static int form_checked(const struct vf_call *c, struct pages_form *f, struct vf_reply *r, int *rc)
{
    if (!form_take(c, f, r, rc))
        return 0;
    if (pages_csrf_check(c->cookie, f) == 0)
        return 1;
    pages_form_free(f);
    *rc = vf_reply_csrf_refused(r);
    return 0;
}

static int signin_refused(struct verifier *v, const struct vf_call *c, struct vf_reply *r)
{
    struct pages_page p;

    pages_page_init(&p);
    return reply_with(r, &p, signin_page(v, c, 403, signin_failed, &p));
}

static int signin_locked(struct vf_reply *r, unsigned retry)
{
    struct pages_page p;
    int rc;

    pages_page_init(&p);
    rc = pages_message(&p, 429, "暂时无法登录", "该证书的登录尝试过多，请一小时后再试。");
    p.retry_after = retry;
    return reply_with(r, &p, rc);
}

static int signin_ok(struct verifier *v, const char *no, struct vf_reply *r)
{
    char token[PORTAL_SESSION_LEN + 1], cookie[PAGES_SET_COOKIE_MAX];
    int rc = portal_session_new(v->portal, no, (int64_t)time(NULL), token);

    if (rc == 0)
        rc = session_cookie(v, token, cookie, sizeof(cookie));
    if (rc == 0)
        rc = vf_reply_redirect(r, "/me", cookie);
    jp_cleanse(token, sizeof(token));
    jp_cleanse(cookie, sizeof(cookie));
    return rc;
}

static int h_signin(struct verifier *v, const struct vf_call *c, struct vf_reply *r)
{
    const char *no, *code, *last6;
    size_t nlen = 0, clen = 0, llen = 0;
    struct pages_form f;
    unsigned retry = 0;
    int rc, match = 0;

    if (!form_checked(c, &f, r, &rc))
        return rc;
    if (!vf_page_rate_ok(v, c, r, "请求过于频繁", "请稍后再试。", &rc)) {
        pages_form_free(&f);
        return rc;
    }
    no = pages_form_get(&f, "certificate_no", &nlen);
    code = pages_form_get(&f, "claim_code", &clen);
    last6 = pages_form_get(&f, "id_last6", &llen);
    if (no != NULL && code != NULL && last6 != NULL && vf_certno_ok(no, nlen))
        rc = vf_claim_proof(v, no, code, clen, last6, llen, &match, NULL, &retry);
    if (rc == PAGES_E_LOCKED)
        rc = signin_locked(r, retry);
    else if (rc == 0 && match)
        rc = signin_ok(v, no, r);
    else if (rc == 0)
        rc = signin_refused(v, c, r);
    pages_form_free(&f);
    return rc;
}

static int h_signout(struct verifier *v, const struct vf_call *c, struct vf_reply *r)
{
    char token[PORTAL_SESSION_LEN + 8], cookie[PAGES_SET_COOKIE_MAX];
    struct pages_form f;
    int rc;

    if (!form_checked(c, &f, r, &rc))
        return rc;
    pages_form_free(&f);
    if (pages_cookie_get(c->cookie, SESSION_COOKIE, token, sizeof(token)) == 0)
        portal_session_end(v->portal, token);
    jp_cleanse(token, sizeof(token));
    rc = jp_strf(cookie, sizeof(cookie),
                 SESSION_COOKIE "=; Path=/; Max-Age=0; HttpOnly; "
                                "SameSite=Strict%s",
                 vf_secure_cookies(v) ? "; Secure" : "");
    return rc == 0 ? vf_reply_redirect(r, "/me", cookie) : rc;
}

/* ------------------------------------------------------------ 我的证书 */

static const char mine_css[] = ".cert{border:1px solid #ccc;border-radius:6px;padding:.6em;"
                               "margin:.8em 0}.cert h2{font-size:1.1em;margin:.2em 0}"
                               ".acts a,.acts button{display:inline-block;margin:.3em .6em .3em 0}"
                               "table{border-collapse:collapse;width:100%;font-size:.9em}"
                               "td,th{border-bottom:1px solid #ddd;padding:.2em;text-align:left}"
                               "form.share label{display:block;margin:.3em 0 0}"
                               "form.share input{width:100%;box-sizing:border-box}"
                               ".hint{background:#fff3cd;padding:.5em;border-radius:4px}"
                               /* a phone: each share a card of label: value lines */
                               "@media(max-width:600px){table.shares tr:first-child{display:none}"
                               "table.shares tr{display:block;border-bottom:1px solid #ccc;"
                               "padding:.4em 0}table.shares td{display:flex;border:0;"
                               "padding:.15em 0}table.shares td::before{content:attr(data-l);"
                               "flex:0 0 5.5em;color:#666}table.shares form{display:inline}}";

static int share_rows(struct verifier *v, const char *no, const char *token, struct jp_buf *b)
{
    struct portal_share *s = calloc(PORTAL_SHARE_MAX, sizeof(*s));
    char id[SHARE_ID_TEXT + 1], until[16], last[32];
    int64_t now = (int64_t)time(NULL);
    size_t n = 0;
    int rc = s == NULL ? ENOMEM : portal_share_list(v->portal, no, s, PORTAL_SHARE_MAX, &n);

    if (rc == 0 && n > 0)
        rc =
            jp_buf_puts(b, "<table class=\"shares\"><tr><th>对象</th><th>用途</th><th>有效期至</th>"
                           "<th>查看次数</th><th>最近查看</th><th></th></tr>");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int live = s[i].revoked_at == 0 && now < s[i].expires;
        rc = jp_base32_encode(s[i].id, sizeof(s[i].id), id, sizeof(id));
        china_date(s[i].expires - 1, until);
        china_time(s[i].last_access, last);
        if (rc == 0)
            rc = vf_tagged(b, "<tr><td data-l=\"对象\">", s[i].recipient, "</td>");
        if (rc == 0)
            rc = vf_tagged(b, "<td data-l=\"用途\">", s[i].purpose, "</td>");
        if (rc == 0)
            rc = jp_buf_printf(b,
                               "<td data-l=\"有效期至\">%s</td><td data-l=\"查看次数\">%llu</td>"
                               "<td data-l=\"最近查看\">%s</td><td data-l=\"\">",
                               until, (unsigned long long)s[i].accesses,
                               s[i].last_access ? last : "—");
        if (rc == 0 && live)
            rc = jp_buf_printf(b,
                               "<a href=\"/S/%s\">链接</a><form method=\"post\" "
                               "action=\"/me/shares/%s/revoke\"><input type=\"hidden\" "
                               "name=\"certificate_no\" value=\"%s\">",
                               id, id, no);
        if (rc == 0 && live)
            rc = pages_csrf_input(b, token);
        if (rc == 0)
            rc = jp_buf_puts(b, live ? "<button type=\"submit\">撤回</button></form></td></tr>"
                                     : (s[i].revoked_at ? "已撤回</td></tr>" : "已过期</td></tr>"));
    }
    if (rc == 0 && n > 0)
        rc = jp_buf_puts(b, "</table>");
    free(s);
    return rc;
}

static int share_form(const char *no, const char *token, struct jp_buf *b)
{
    int rc = jp_buf_printf(
        b,
        "<details><summary>授权查看（给用人单位看完整信息）</summary>"
        "<form class=\"share\" method=\"post\" action=\"/me/%s/shares\">"
        "<label>对象（单位名称）<input name=\"recipient\" maxlength=\"%d\" required></label>"
        "<label>用途<input name=\"purpose\" maxlength=\"%d\" required></label>"
        "<label>有效天数（1–180）<input name=\"days\" type=\"number\" min=\"1\" max=\"180\" "
        "value=\"7\" required></label>",
        no, SHARE_TEXT_CHARS, SHARE_TEXT_CHARS);

    if (rc == 0)
        rc = pages_csrf_input(b, token);
    return rc == 0
               ? jp_buf_puts(b, "<button type=\"submit\">生成授权链接</button></form></details>")
               : rc;
}

static int cert_block(struct verifier *v, const struct vf_call *c, const struct store_cert *cert,
                      const char *token, struct jp_buf *b)
{
    const char *no = cert->certificate_no;
    const char *const rows[][2] = {
        {"证书编号", no},
        {"发证日期", cert->issue_date},
        {"培训机构", cert->institution_name},
    };
    int rc = jp_buf_puts(b, "<section class=\"cert\">");

    if (rc == 0)
        rc = vf_tagged(b, "<h2>", vf_position_name(v, cert->position_code), "</h2>");
    if (rc == 0)
        rc = banner_list(b, cert->status, "<dl>", rows, sizeof(rows) / sizeof(rows[0]),
                         "</dl><p class=\"acts\">");
    if (rc == 0 && is_wechat(c))
        rc = jp_buf_printf(b,
                           "<a href=\"/me/%s/print\">打印版</a></p><p class=\"hint\">"
                           "微信内无法打开PDF：请点击右上角，在浏览器中打开</p>",
                           no);
    else if (rc == 0 && vf_has_ofd(v, no))
        rc = jp_buf_printf(b,
                           "<a href=\"/me/%s.pdf\">下载PDF（已签名）</a>"
                           "<a href=\"/me/%s.ofd\">下载 OFD 版</a>"
                           "<a href=\"/me/%s/print\">打印版</a></p>",
                           no, no, no);
    else if (rc == 0)
        rc = jp_buf_printf(b,
                           "<a href=\"/me/%s.pdf\">下载PDF（已签名）</a>"
                           "<a href=\"/me/%s/print\">打印版</a></p>",
                           no, no);
    if (rc == 0)
        rc = share_rows(v, no, token, b);
    if (rc == 0)
        rc = share_form(no, token, b);
    return rc == 0 ? jp_buf_puts(b, "</section>") : rc;
}

static int signout_form(const char *token, struct jp_buf *b)
{
    int rc = jp_buf_puts(b, "<form method=\"post\" action=\"/me/logout\">");

    if (rc == 0)
        rc = pages_csrf_input(b, token);
    return rc == 0 ? jp_buf_puts(b, "<button type=\"submit\">退出登录</button></form>") : rc;
}

static int mine_page(struct verifier *v, const struct vf_call *c, const struct holder *h,
                     struct pages_page *p)
{
    char(*nos)[IDENT_CERTNO_SIZE] = calloc(HOLDER_CERTS_MAX, sizeof(*nos));
    char token[PAGES_CSRF_LEN + 1], masked_name[257], masked_id[33];
    store_txn *txn = NULL;
    struct store_cert cert;
    size_t n = 0;
    int rc = nos == NULL ? ENOMEM : store_read_begin(v->st, &txn);

    if (rc == 0)
        rc = store_holder_list(txn, h->cert.id_number, nos, HOLDER_CERTS_MAX, &n);
    store_read_end(txn);
    if (rc == 0)
        rc = pages_csrf_prepare(p, c->cookie, vf_secure_cookies(v), token);
    if (rc == 0)
        rc = pages_begin(p, "我的证书", mine_css);
    vf_holder_masked(&h->cert, masked_name, masked_id);
    if (rc == 0)
        rc = vf_tagged(&p->body, "<h1>我的证书</h1><p>持证人：", masked_name, "</p>");
    if (rc == 0)
        rc = signout_form(token, &p->body);
    for (size_t i = 0; rc == 0 && i < n && i < HOLDER_CERTS_MAX; i++) {
        if (vf_cert_lookup(v, nos[i], &cert) != 0 || strcmp(cert.id_type, h->cert.id_type) != 0)
            continue;
        rc = cert_block(v, c, &cert, token, &p->body);
    }
    if (rc == 0)
        rc = pages_end(p);
    jp_cleanse(&cert, sizeof(cert));
    free(nos);
    return rc;
}

static int h_me_get(struct verifier *v, const struct vf_call *c, struct vf_reply *r)
{
    struct holder h;
    struct pages_page p;
    int rc;

    pages_page_init(&p);
    if (signed_in(v, c, &h, &rc))
        rc = mine_page(v, c, &h, &p);
    else if (rc == 0)
        rc = signin_page(v, c, 200, NULL, &p);
    jp_cleanse(&h, sizeof(h));
    return reply_with(r, &p, rc);
}

/* ------------------------------------------------------------ the file */

int vf_reply_pdf(struct verifier *v, const char *no, struct vf_reply *r)
{
    store_txn *txn = NULL;
    struct jp_buf pdf;
    int rc = store_read_begin(v->st, &txn);

    jp_buf_init(&pdf, STORE_PDF_MAX);
    if (rc == 0)
        rc = store_pdf_copy(txn, no, &pdf);
    store_read_end(txn);
    if (rc != 0) {
        jp_buf_free(&pdf);
        return rc;
    }
    return vf_reply_attachment(r, "application/pdf", &pdf, no, "pdf");
}

/*
 * /me/{no}.pdf and /me/{no}.ofd (ofd 1): the file of a certificate of the
 * signed-in holder, else 404; the OFD also 404 when the store has no
 * package for it.
 */
static int h_me_file(struct verifier *v, const struct vf_call *c, const char *no, int ofd,
                     struct vf_reply *r)
{
    struct store_cert cert;
    struct holder h;
    int rc;

    if (!signed_in(v, c, &h, &rc))
        return rc != 0 ? rc : vf_reply_redirect(r, "/me", NULL);
    if (holder_cert(v, &h, no, &cert, &rc)) {
        rc = ofd ? vf_reply_ofd(v, no, r) : vf_reply_pdf(v, no, r);
        if (ofd && rc == STORE_ENOTFOUND)
            rc = vf_reply_message(r, 404, "页面不存在", "没有这个页面。");
    } else if (rc == 0) {
        rc = vf_reply_message(r, 404, "页面不存在", "没有这个页面。");
    }
    jp_cleanse(&h, sizeof(h));
    jp_cleanse(&cert, sizeof(cert));
    return rc;
}

/* ------------------------------------------------------------ print view */

static const char print_css[] =
    "@page{size:A4 landscape;margin:12mm}"
    ".paper{border:3px double #8a6d1d;padding:1.2em;max-width:260mm;margin:0 auto}"
    ".paper h1{text-align:center;font-size:1.3em;letter-spacing:.1em}"
    ".grid{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}"
    ".grid dl{flex:1 1 14em}.qr{width:40mm;height:40mm}"
    ".photo{display:block;width:26mm;height:35mm;object-fit:cover;margin-bottom:.5em}"
    ".sb{background:#fff3cd;border:2px solid #b26a00;border-radius:6px;padding:.6em;"
    "margin:.6em 0;font-size:1.05em}"
    "@media print{.paper{border-width:2px}body{font-size:11pt}}";

#define PHOTO_MAX (200u * 1024) /* SPEC §5's bound on an intake photo */

/* The MIME type of a JPEG or PNG by its signature, or NULL. */
static const char *photo_type(const unsigned char *p, size_t n)
{
    if (n > 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
        return "image/jpeg";
    if (n > 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "image/png";
    return NULL;
}

/* Appends <img> of the n bytes at p as a base64 data: URL (the pages' CSP: img-src data:). */
static int photo_tag(struct jp_buf *b, const char *type, const unsigned char *p, size_t n)
{
    unsigned char chunk[4 * 256 + 1];
    int rc =
        jp_buf_printf(b, "<img class=\"photo\" alt=\"持证人照片\" src=\"data:%s;base64,", type);

    for (size_t off = 0; rc == 0 && off < n; off += 3 * 256) {
        size_t k = n - off < 3 * 256 ? n - off : 3 * 256;
        int len = EVP_EncodeBlock(chunk, p + off, (int)k);
        rc = jp_buf_append(b, chunk, (size_t)len);
    }
    return rc == 0 ? jp_buf_puts(b, "\">") : rc;
}

/* ofd_ref_value's codes for a photo that cannot be shown, as none (0): a reference whose
 * package is gone or no longer holds the file, a photo larger than PHOTO_MAX. */
static int unshown(int rc)
{
    return rc == OFD_ENOFILE || rc == OFD_EINVAL || rc == EFBIG ? 0 : rc;
}

/* The holder's intake photo (the issuer's photos database), when there is one. */
static int photo_img(struct verifier *v, const char *no, struct jp_buf *b)
{
    store_txn *txn = NULL;
    struct store_photo p;
    struct jp_buf photo;
    int rc = store_read_begin(v->st, &txn);

    jp_buf_init(&photo, PHOTO_MAX);
    if (rc == 0)
        rc = store_photo_get(txn, no, &p);
    if (rc == 0)
        rc = unshown(ofd_ref_value(p.photo.p, p.photo.n, p.pkg.p, p.pkg.n, &photo));
    if (rc == 0 && photo.len > 0 && photo_type(photo.data, photo.len) != NULL)
        rc = photo_tag(b, photo_type(photo.data, photo.len), photo.data, photo.len);
    store_read_end(txn);
    jp_cleanse(photo.data, photo.len); /* the holder's face */
    jp_buf_free(&photo);
    return rc == STORE_ENOTFOUND ? 0 : rc;
}

static int print_body(struct verifier *v, const struct store_cert *cert, struct jp_buf *b)
{
    const char *const rows[][2] = {
        {"姓名", cert->holder_name},         {"性别", cert->gender},
        {"证件号码", cert->id_number},       {"岗位", vf_position_name(v, cert->position_code)},
        {"证书编号", cert->certificate_no},  {"培训机构", cert->institution_name},
        {"发证机关", cert->authority_name},  {"发证日期", cert->issue_date},
        {"电子证照标识", cert->elicence_id},
    };
    const char *signed_url = store_cert_qr(cert);
    char url[300];
    int rc = jp_strf(url, sizeof(url), "%s/c/%s", v->cfg.public_url, cert->certificate_no);

    if (rc == 0)
        rc = jp_buf_puts(b, "<div class=\"paper\"><h1>住房和城乡建设领域施工现场专业人员"
                            "职业培训合格证</h1>");
    if (rc == 0)
        rc = banner_list(b, cert->status, "<div class=\"grid\"><dl>", rows,
                         sizeof(rows) / sizeof(rows[0]), "</dl><div>");
    if (rc == 0)
        rc = photo_img(v, cert->certificate_no, b);
    if (rc == 0)
        rc = vf_qrsvg_append(&v->qrsvg, signed_url != NULL ? signed_url : url,
                             b); /* the PDF's QR; old records: /c/ */
    if (rc == 0)
        rc = jp_buf_puts(b, "<p>扫码查看证书状态</p></div></div></div>"
                            "<p>打印：浏览器菜单“打印”，横向A4。具有签名的正式文件为PDF版。</p>");
    return rc;
}

static int h_me_print(struct verifier *v, const struct vf_call *c, const char *no,
                      struct vf_reply *r)
{
    struct store_cert cert;
    struct pages_page p;
    struct holder h;
    int rc;

    if (!signed_in(v, c, &h, &rc))
        return rc != 0 ? rc : vf_reply_redirect(r, "/me", NULL);
    pages_page_init(&p);
    if (holder_cert(v, &h, no, &cert, &rc)) {
        rc = pages_begin(&p, "证书打印版", print_css);
        if (rc == 0)
            rc = print_body(v, &cert, &p.body);
        if (rc == 0)
            rc = jp_buf_puts(&p.body, "<p><a href=\"/me\">返回我的证书</a></p>");
        if (rc == 0)
            rc = pages_end(&p);
    } else if (rc == 0) {
        rc = pages_message(&p, 404, "页面不存在", "没有这个页面。");
    }
    jp_cleanse(&h, sizeof(h));
    jp_cleanse(&cert, sizeof(cert));
    return reply_with(r, &p, rc);
}

/* ------------------------------------------------------------ shares */

/* Counts UTF-8 characters; 0 when s is not 1..max characters of text without controls. */
static int share_text_ok(const char *s, size_t n, size_t max)
{
    size_t chars = 0;

    if (s == NULL || n == 0 || n >= PORTAL_SHARE_TEXT || !jp_utf8_valid(s, n))
        return 0;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
        chars += ((unsigned char)s[i] & 0xc0) != 0x80;
    }
    return chars <= max;
}

static int parse_days(const char *s, long *days)
{
    char *end = NULL;

    if (s == NULL || s[0] < '0' || s[0] > '9')
        return 0;
    *days = strtol(s, &end, 10);
    return *end == '\0' && *days >= 1 && *days <= PORTAL_SHARE_DAYS_MAX;
}

static int h_share_new(struct verifier *v, const struct vf_call *c, const char *no,
                       struct vf_reply *r)
{
    struct portal_share s;
    struct store_cert cert;
    struct pages_form f;
    struct holder h;
    const char *rec, *pur;
    size_t rlen = 0, plen = 0;
    long days = 0;
    int rc;

    if (!form_checked(c, &f, r, &rc))
        return rc;
    memset(&s, 0, sizeof(s));
    rec = pages_form_get(&f, "recipient", &rlen);
    pur = pages_form_get(&f, "purpose", &plen);
    if (!signed_in(v, c, &h, &rc)) {
        rc = rc != 0 ? rc : vf_reply_redirect(r, "/me", NULL);
    } else if (!holder_cert(v, &h, no, &cert, &rc)) {
        rc = rc != 0 ? rc : vf_reply_message(r, 404, "页面不存在", "没有这个页面。");
    } else if (!share_text_ok(rec, rlen, SHARE_TEXT_CHARS) ||
               !share_text_ok(pur, plen, SHARE_TEXT_CHARS) ||
               !parse_days(pages_form_get(&f, "days", NULL), &days)) {
        rc = vf_reply_message(r, 400, "无法生成授权",
                              "请填写对象和用途（各不超过60字），有效天数为1至180天。");
    } else {
        int64_t now = (int64_t)time(NULL);
        memcpy(s.no, no, strlen(no) + 1);
        memcpy(s.recipient, rec, rlen + 1);
        memcpy(s.purpose, pur, plen + 1);
        s.expires = now + days * DAY_S;
        rc = portal_share_new(v->portal, &s, now);
        if (rc == 0)
            rc = vf_reply_redirect(r, "/me", NULL);
        else if (rc == PAGES_E_LIMIT)
            rc = vf_reply_message(
                r, 409, "无法生成授权",
                "这本证书的有效授权已达20个上限。请先撤回不再需要的授权，再生成新的。");
    }
    pages_form_free(&f);
    jp_cleanse(&h, sizeof(h));
    jp_cleanse(&cert, sizeof(cert));
    return rc;
}

static int share_id_parse(const char *s, size_t n, unsigned char id[PORTAL_SHARE_ID_LEN])
{
    size_t got = 0;

    return n == SHARE_ID_TEXT && jp_base32_decode(s, n, id, PORTAL_SHARE_ID_LEN, &got) == 0 &&
           got == PORTAL_SHARE_ID_LEN;
}

static int h_share_revoke(struct verifier *v, const struct vf_call *c, const char *idtext,
                          size_t idlen, struct vf_reply *r)
{
    unsigned char id[PORTAL_SHARE_ID_LEN];
    struct store_cert cert;
    struct pages_form f;
    struct holder h;
    const char *no;
    int rc;

    if (!form_checked(c, &f, r, &rc))
        return rc;
    no = pages_form_get(&f, "certificate_no", NULL);
    if (!signed_in(v, c, &h, &rc))
        rc = rc != 0 ? rc : vf_reply_redirect(r, "/me", NULL);
    else if (no == NULL || !share_id_parse(idtext, idlen, id) ||
             !holder_cert(v, &h, no, &cert, &rc))
        rc = rc != 0 ? rc : vf_reply_message(r, 404, "授权不存在", "没有这个授权。");
    else {
        rc = portal_share_revoke(v->portal, id, no, (int64_t)time(NULL));
        if (rc == PAGES_E_NOTFOUND)
            rc = vf_reply_message(r, 404, "授权不存在", "没有这个授权。");
        else if (rc == 0)
            rc = vf_reply_redirect(r, "/me", NULL);
    }
    pages_form_free(&f);
    jp_cleanse(&h, sizeof(h));
    jp_cleanse(&cert, sizeof(cert));
    return rc;
}

/* ------------------------------------------------------------ /S/{id} */

static int share_page(struct verifier *v, const struct portal_share *s, const char *idtext,
                      struct pages_page *p)
{
    struct store_cert cert;
    char until[16], line[3 * PORTAL_SHARE_TEXT + 96];
    int rc = vf_cert_lookup(v, s->no, &cert);

    if (rc == STORE_ENOTFOUND)
        return pages_message(p, 404, "授权不存在", "没有这个授权。");
    china_date(s->expires - 1, until);
    if (rc == 0)
        rc = jp_strf(line, sizeof(line), "仅供%s用于%s，有效期至%s", s->recipient, s->purpose,
                     until);
    if (rc == 0)
        rc = pages_begin(p, "授权查看", print_css);
    if (rc == 0)
        rc = vf_tagged(&p->body, "<p class=\"sb\" role=\"note\"><strong>", line, "</strong></p>");
    if (rc == 0)
        rc = print_body(v, &cert, &p->body);
    if (rc == 0)
        rc = jp_buf_printf(&p->body,
                           "<p><a href=\"/S/%s.pdf\">下载已签名的PDF</a></p>"
                           "<p>本页由持证人授权；状态为实时查询结果。</p>",
                           idtext);
    if (rc == 0)
        rc = pages_end(p);
    jp_cleanse(&cert, sizeof(cert));
    jp_cleanse(line, sizeof(line));
    return rc;
}

static int h_share_view(struct verifier *v, const struct vf_call *c, const char *rest,
                        struct vf_reply *r)
{
    unsigned char id[PORTAL_SHARE_ID_LEN];
    size_t n = strlen(rest);
    int pdf = n > 4 && strcmp(rest + n - 4, ".pdf") == 0, rc;
    struct portal_share s;
    struct pages_page p;
    char idtext[SHARE_ID_TEXT + 1];

    if (!vf_lookup_allow(v, c, r))
        return 0;
    if (pdf)
        n -= 4;
    if (!share_id_parse(rest, n, id))
        return vf_reply_message(r, 404, "授权不存在", "没有这个授权。");
    memcpy(idtext, rest, SHARE_ID_TEXT);
    idtext[SHARE_ID_TEXT] = '\0';
    rc = portal_share_open(v->portal, id, (int64_t)time(NULL), &s);
    if (rc == PAGES_E_NOTFOUND)
        return vf_reply_message(r, 404, "授权不存在", "没有这个授权。");
    if (rc != 0)
        return rc;
    if (s.revoked_at != 0 || (int64_t)time(NULL) >= s.expires)
        return vf_reply_message(r, 410, "授权已过期/已撤回", "持证人的这项授权已经结束。");
    if (pdf)
        return vf_reply_pdf(v, s.no, r);
    pages_page_init(&p);
    return reply_with(r, &p, share_page(v, &s, idtext, &p));
}

/* ------------------------------------------------------------ router */

static int method_is(const struct vf_call *c, const char *m)
{
    return strcmp(c->method, m) == 0;
}

static int wrong_method(struct vf_reply *r)
{
    return vf_reply_message(r, 405, "不支持的请求", "此地址不支持这种请求方式。");
}

/* /me/{no}.pdf, /me/{no}/print, /me/{no}/shares, /me/shares/{id}/revoke, /me/logout */
static int route_me(struct verifier *v, const struct vf_call *c, const char *rest,
                    struct vf_reply *r)
{
    char no[IDENT_CERTNO_SIZE];
    size_t n = strcspn(rest, "/.");
    int get = method_is(c, "GET"), post = method_is(c, "POST");

    if (strcmp(rest, "logout") == 0)
        return post ? h_signout(v, c, r) : wrong_method(r);
    if (strncmp(rest, "shares/", 7) == 0) {
        const char *id = rest + 7;
        size_t idlen = strcspn(id, "/");
        if (strcmp(id + idlen, "/revoke") != 0)
            return vf_reply_message(r, 404, "页面不存在", "没有这个页面。");
        return post ? h_share_revoke(v, c, id, idlen, r) : wrong_method(r);
    }
    if (n > 18)
        return vf_reply_message(r, 404, "页面不存在", "没有这个页面。");
    memcpy(no, rest, n);
    no[n] = '\0';
    if (strcmp(rest + n, ".pdf") == 0)
        return get ? h_me_file(v, c, no, 0, r) : wrong_method(r);
    if (strcmp(rest + n, ".ofd") == 0)
        return get ? h_me_file(v, c, no, 1, r) : wrong_method(r);
    if (strcmp(rest + n, "/print") == 0)
        return get ? h_me_print(v, c, no, r) : wrong_method(r);
    if (strcmp(rest + n, "/shares") == 0)
        return post ? h_share_new(v, c, no, r) : wrong_method(r);
    return vf_reply_message(r, 404, "页面不存在", "没有这个页面。");
}

int vf_route_holder(struct verifier *v, const struct vf_call *c, struct vf_reply *r,
                    enum vf_endpoint *ep, int *rc)
{
    const char *path = c->path;

    *rc = 0;
    if (strcmp(path, "/me") == 0) {
        *ep = VF_EP_HOLDER;
        *rc = method_is(c, "GET")    ? h_me_get(v, c, r)
              : method_is(c, "POST") ? h_signin(v, c, r)
                                     : wrong_method(r);
    } else if (strncmp(path, "/me/", 4) == 0) {
        *ep = VF_EP_HOLDER;
        *rc = route_me(v, c, path + 4, r);
    } else if (strncmp(path, "/S/", 3) == 0) {
        *ep = VF_EP_SHARE;
        *rc = method_is(c, "GET") ? h_share_view(v, c, path + 3, r) : wrong_method(r);
    } else {
        return 0;
    }
    return 1;
}
