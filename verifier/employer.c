/*
 * employer.c - the pages employers use (SPEC §10, issue 14), built from the
 * pages module's blocks: the home page, the public certificate page /c/{no}
 * with its holder check, the file check (which file is this?) and the roster
 * (many numbers at once, kept under a permalink that shows the statuses as
 * they were), each with its JSON twin where SPEC §10 names one.
 *
 * Every form posts with a CSRF pair; every value shown is escaped by
 * pages_esc; nothing answers a question from name and ID number alone (the
 * holder check needs the certificate number and is locked per certificate);
 * nothing personal goes into a URL, a log line or a permalink: rosters keep
 * masked names only, and a bad line's text is kept masked.
 */
#include "verifier_int.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ident.h"
#include "ofd.h"

#define ROSTER_MAX 500            /* numbers of one roster (SPEC §10) */
#define ROSTER_LINE_MAX 128       /* bytes of one roster line looked at */
#define ROSTER_PER_TOKEN 50       /* numbers per lookup token: a roster of 500 takes 11 */
#define BAD_TEXT_MAX 40           /* bytes of a bad line shown */
#define ROSTER_ID_TEXT 26         /* base32 of PORTAL_ROSTER_ID_LEN bytes */

/* ------------------------------------------------------------ helpers */

static int secure_cookies(const struct verifier *v)
{
    return strncasecmp(v->cfg.public_url, "https:", 6) == 0;
}

/* Beijing time of unix seconds t: "2026-12-03 18:52:07（北京时间）". */
static void beijing_time(int64_t t, char out[64])
{
    time_t tt = (time_t)(t + 8 * 3600);
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL || strftime(out, 64, "%Y-%m-%d %H:%M:%S（北京时间）", &tm) == 0)
        out[0] = '\0';
}

/* Takes obj (decref'd) as the JSON reply, without the HTML headers. */
static int reply_json(struct vf_reply *r, unsigned status, json_t *obj)
{
    int rc = vf_reply_json(r, status, obj);

    if (rc == 0)
        r->html = 0;
    return rc;
}

static int banner(struct jp_buf *b, enum store_cert_status st, const char *small)
{
    const char *word, *cls;
    int rc;

    vf_status_words(st, &word, &cls);
    rc = jp_buf_printf(b, "<div class=\"b %s\"><strong>%s</strong>", cls, word);
    return rc == 0 ? vf_tagged(b, "<span>", small, "</span></div>") : rc;
}

/* The certificate's public facts, masked (as §8's lookup). */
static int cert_details(const struct verifier *v, const struct store_cert *c, struct jp_buf *b)
{
    int rc = jp_buf_puts(b, "<div class=\"card\"><dl>");

    if (rc == 0)
        rc = vf_cert_rows(v, c, b);
    return rc == 0 ? jp_buf_puts(b, "</dl></div>") : rc;
}

/* Ends p when rc is 0 and makes it the reply; frees p. Returns rc, else 0 or the error. */
static int page_done(struct vf_reply *r, struct pages_page *p, int rc)
{
    if (rc == 0)
        rc = pages_end(p);
    if (rc == 0)
        rc = vf_reply_page(r, p);
    pages_page_free(p);
    return rc;
}

/* A page titled title whose body form writes (given arg), as the reply. */
static int form_reply(struct verifier *v, const struct vf_call *c, struct vf_reply *r,
                      const char *title,
                      int (*form)(struct verifier *, const struct vf_call *, const void *arg,
                                  struct pages_page *),
                      const void *arg)
{
    struct pages_page p;
    int rc;

    pages_page_init(&p);
    rc = pages_begin(&p, title, NULL);
    if (rc == 0)
        rc = form(v, c, arg, &p);
    return page_done(r, &p, rc);
}

/* An upload page: the file check's, the roster's. */
struct upload_page {
    const char *title;   /* the page's title */
    const char *heading; /* HTML before the form's card */
    const char *action;  /* where the form posts */
    const char *tail;    /* HTML after the CSRF pair: the fields, the end of the form and card */
};

/* heading, a card with a multipart form posting to action, its CSRF pair, then tail (arg: u). */
static int upload_form(struct verifier *v, const struct vf_call *c, const void *arg,
                       struct pages_page *p)
{
    const struct upload_page *u = arg;
    char token[PAGES_CSRF_LEN + 1];
    int rc = pages_csrf_prepare(p, c->cookie, secure_cookies(v), token);

    if (rc == 0)
        rc = jp_buf_printf(&p->body,
                           "%s<div class=\"card\"><form method=\"post\" action=\"%s\" "
                           "enctype=\"multipart/form-data\">",
                           u->heading, u->action);
    if (rc == 0)
        rc = pages_csrf_input(&p->body, token);
    return rc == 0 ? jp_buf_puts(&p->body, u->tail) : rc;
}

/* GET of an upload page: the page with its empty form. */
static int upload_get(struct verifier *v, const struct vf_call *c, struct vf_reply *r,
                      const struct upload_page *u)
{
    return form_reply(v, c, r, u->title, upload_form, u);
}

/* ------------------------------------------------------------ home */

static const char home_body[] =
    "<h1>证书查询</h1><div class=\"card\"><form method=\"get\" action=\"/c\">"
    "<label for=\"no\">证书编号（18 位）</label>"
    "<input type=\"text\" id=\"no\" name=\"no\" maxlength=\"18\" inputmode=\"text\" "
    "autocomplete=\"off\" placeholder=\"例如 440120230100000013\" required>"
    "<button type=\"submit\">查询</button></form>"
    "<p class=\"note\">只需证书编号，不需要姓名或身份证号码。</p></div>"
    "<h2>持证人</h2><div class=\"card\"><p><a href=\"/me\">我的证书</a>：用证书编号、领取码和"
    "身份证号码后 6 位登录，下载、打印证书，授权他人查看。</p></div>"
    "<h2>用人单位</h2><div class=\"card\"><p><a href=\"/check/file\">核验证书文件</a>：上传求职者"
    "发来的 PDF，确认是否为发证机关签发的原件。</p>"
    "<p><a href=\"/check/roster\">批量核验（花名册）</a>：一次核验最多 500 个证书编号，"
    "生成可供他人再次打开的核验结果链接。</p>"
    "<p>持证人在场时，可在证书页面核对其姓名和身份证号码。</p></div>";

static int home_form(struct verifier *v, const struct vf_call *c, const void *arg,
                     struct pages_page *p)
{
    (void)v;
    (void)c;
    (void)arg;
    return jp_buf_puts(&p->body, home_body);
}

/* GET /c?no=...: the home page's form; a good number goes to /c/{no}. */
static int h_lookup_form(const struct vf_call *c, struct vf_reply *r)
{
    struct pages_form f;
    const char *no = NULL;
    char where[32];
    size_t n = 0;
    int rc;

    rc = pages_form_parse(c->query != NULL ? c->query : "", c->query ? strlen(c->query) : 0, &f);
    if (rc == 0)
        no = pages_form_get(&f, "no", &n);
    if (no != NULL)
        pages_trim_spaces(&no, &n);
    if (no == NULL || !vf_certno_ok(no, n)) {
        pages_form_free(&f);
        return vf_reply_message(
            r, 400, "证书编号有误",
            "证书编号为 18 位，最后一位是校验码（数字或 X）。请核对后重新输入。");
    }
    rc = jp_strf(where, sizeof(where), "/c/%.*s", (int)n, no);
    pages_form_free(&f);
    return rc == 0 ? vf_reply_redirect(r, where, NULL) : rc;
}

/* ------------------------------------------------------ certificate */

/* The holder check form posting to /c/{no}/holder-check. */
static int holder_form(struct jp_buf *b, const char *no, const char *token)
{
    int rc = jp_buf_printf(b,
                           "<h2>核对持证人</h2><div class=\"card\"><form method=\"post\" "
                           "action=\"/c/%s/holder-check\">",
                           no);

    if (rc == 0)
        rc = pages_csrf_input(b, token);
    if (rc == 0)
        rc = jp_buf_puts(b, "<label for=\"name\">持证人姓名</label>"
                            "<input type=\"text\" id=\"name\" name=\"name\" autocomplete=\"off\" "
                            "required><label for=\"id_number\">身份证件号码（完整）</label>"
                            "<input type=\"text\" id=\"id_number\" name=\"id_number\" "
                            "autocomplete=\"off\" required><button type=\"submit\">核对</button>"
                            "</form><p class=\"note\">持证人在场时使用：结果只有“一致”或"
                            "“不一致”，不会显示任何个人信息。</p></div>");
    return rc;
}

int vf_holder_form(struct jp_buf *b, const char *no, const char *token)
{
    return holder_form(b, no, token);
}

int vf_secure_cookies(const struct verifier *v)
{
    return secure_cookies(v);
}

static int cert_page(struct verifier *v, const struct vf_call *c, const struct store_cert *cert,
                     struct pages_page *p)
{
    char token[PAGES_CSRF_LEN + 1];
    int rc;

    rc = pages_csrf_prepare(p, c->cookie, secure_cookies(v), token);
    if (rc == 0)
        rc = pages_begin(p, "证书信息", NULL);
    if (rc == 0)
        rc = banner(&p->body, cert->status, "证书状态（证书库当前记录）");
    if (rc == 0)
        rc = jp_buf_puts(&p->body, "<h1>住房和城乡建设领域施工现场专业人员职业培训合格证</h1>");
    if (rc == 0)
        rc = cert_details(v, cert, &p->body);
    if (rc == 0)
        rc = jp_buf_puts(&p->body,
                         "<p class=\"note\">本页按证书编号查询证书库，未核验证书上二维码的签名。"
                         "核验纸质或电子证书时，请扫描证书上的二维码，或<a href=\"/check/file\">"
                         "上传证书文件</a>。</p>");
    if (rc == 0)
        rc = holder_form(&p->body, cert->certificate_no, token);
    if (rc == 0)
        rc = pages_end(p);
    return rc;
}

static int h_cert(struct verifier *v, const struct vf_call *c, const char *no, struct vf_reply *r)
{
    struct store_cert cert;
    struct pages_page p;
    int rc;

    if (!vf_lookup_allow(v, c, r))
        return 0;
    if (!vf_certno_ok(no, strlen(no)))
        return vf_reply_message(r, 400, "证书编号有误",
                                "此编号不符合证书编号规则（18 位，最后一位为校验码），"
                                "请核对后重新输入。");
    rc = vf_cert_lookup(v, no, &cert);
    if (rc == STORE_ENOTFOUND && !vf_lookup_missed(v, c, r))
        return 0;
    if (rc == STORE_ENOTFOUND)
        return vf_reply_message(r, 404, "查无此证",
                                "证书库中没有此编号的证书。请勿采信，并向发证机关核实。");
    if (rc != 0)
        return rc;
    pages_page_init(&p);
    rc = cert_page(v, c, &cert, &p);
    if (rc == 0)
        rc = vf_reply_page(r, &p);
    pages_page_free(&p);
    return rc;
}

/* ----------------------------------------------------- holder check */

static int holder_result(const struct store_cert *cert, int match, struct vf_reply *r)
{
    struct pages_page p;
    int rc;

    pages_page_init(&p);
    rc = pages_begin(&p, match ? "一致" : "不一致", NULL);
    if (rc == 0 && match)
        rc = jp_buf_puts(&p.body, "<div class=\"b g\"><strong>一致</strong>"
                                  "<span>姓名和身份证件号码与证书记录一致</span></div>");
    else if (rc == 0)
        rc = jp_buf_puts(&p.body, "<div class=\"b r\"><strong>不一致</strong>"
                                  "<span>姓名或身份证件号码与证书记录不一致</span></div>"
                                  "<p>请核对输入（姓名中的字、身份证号码的每一位）。多次不一致时，"
                                  "此证书的核对将暂停一小时。</p>");
    if (rc == 0 && match)
        rc = banner(&p.body, cert->status, "证书状态");
    if (rc == 0 && match)
        rc = jp_buf_printf(&p.body, "<p><a href=\"/c/%s\">返回证书页面</a></p>",
                           cert->certificate_no);
    return page_done(r, &p, rc);
}

/*
 * POST /c/{no}/holder-check: the form version of §8's holder check, under
 * the same per-address bucket and per-certificate lockout; an unknown number
 * answers 不一致 like a wrong name.
 */
static int h_holder_form(struct verifier *v, const struct vf_call *c, const char *no,
                         struct vf_reply *r)
{
    int64_t now = (int64_t)time(NULL);
    struct store_cert cert;
    struct pages_form f;
    const char *name, *id;
    size_t nlen = 0, idlen = 0;
    unsigned retry = 0;
    int rc, match = 0, found;

    rc = pages_form_parse(c->body, c->len, &f);
    if (rc == PAGES_E_FORM || rc == PAGES_E_TOO_BIG)
        return vf_reply_message(r, 400, "表单有误", "提交的内容无法识别，请返回重新填写。");
    if (rc != 0)
        return rc;
    if (pages_csrf_check(c->cookie, &f) != 0) {
        pages_form_free(&f);
        return vf_reply_csrf_refused(r);
    }
    if (!vf_page_rate_ok(v, c, r, "请稍后再试", "核对次数过多，请稍后再试。", &rc)) {
        pages_form_free(&f);
        return rc;
    }
    name = pages_form_get(&f, "name", &nlen);
    id = pages_form_get(&f, "id_number", &idlen);
    if (!vf_certno_ok(no, strlen(no)) || name == NULL || id == NULL) {
        pages_form_free(&f);
        return vf_reply_message(r, 400, "表单有误", "请填写持证人姓名和完整的身份证件号码。");
    }
    rc = portal_proof_charge(v->portal, no, strlen(no), now, &retry);
    if (rc == PAGES_E_LOCKED) {
        pages_form_free(&f);
        rc = vf_reply_message(r, 429, "核对已暂停",
                              "此证书的核对失败次数过多，已暂停一小时，请稍后再试。");
        r->retry_after = retry;
        return rc;
    }
    if (rc == 0)
        rc = vf_cert_lookup(v, no, &cert);
    found = rc == 0;
    if (rc == STORE_ENOTFOUND)
        rc = 0;
    if (rc == 0)
        match = pages_holder_match(name, nlen, id, idlen, found ? cert.holder_name : NULL,
                                   found ? cert.id_number : NULL);
    pages_form_free(&f);
    if (rc == 0 && match)
        rc = portal_proof_refund(v->portal, no, strlen(no), now);
    if (rc != 0)
        return rc;
    return holder_result(&cert, match, r);
}

/* ------------------------------------------------------- file check */

enum verdict { V_IDENTICAL, V_OLDER, V_MODIFIED, V_NOT_OURS };

struct file_verdict {
    enum verdict verdict;   /* what the file is */
    int have_cert;          /* cert below is filled */
    uint16_t file_version;  /* the version the file is (identical, older, modified) */
    struct store_cert cert; /* the certificate it belongs to, current record */
    int have_time;          /* st below is filled: the file has a CMS signature value */
    struct keys_sig_time t; /* its time-stamp and key against the revocations (issue 17) */
    int ofd;                /* the file is an OFD package (seal below is set) */
    int seal;               /* enum ofd_verdict of its seal against the SM2 trust; -1 unchecked */
    int seal_revoked;       /* the seal's SM2 signing key is revoked in the trust list */
};

static const char *verdict_name(enum verdict v)
{
    static const char *const names[] = {"identical", "older_version", "modified", "not_ours"};

    return names[v];
}

/* Looks up a digest of kind; fills out->cert from the record it names. 1 found, 0 not, <0 err. */
static int digest_find(struct verifier *v, enum store_digest_kind kind, const unsigned char d[32],
                       struct file_verdict *out, int *rc)
{
    store_txn *txn = NULL;
    struct store_digest dg;

    *rc = store_read_begin(v->st, &txn);
    if (*rc == 0)
        *rc = store_digest_get(txn, kind, d, &dg);
    if (*rc == 0)
        *rc = store_cert_get(txn, dg.certificate_no, &out->cert);
    store_read_end(txn);
    if (*rc == STORE_ENOTFOUND) {
        *rc = 0;
        return 0;
    }
    if (*rc != 0)
        return -1;
    out->have_cert = 1;
    out->file_version = dg.file_version;
    return 1;
}

/*
 * The file's SHA-256 among the files of kind we issued: 1 with out's cert
 * and verdict (identical, or older_version when a later version exists),
 * 0 not found, <0 with the error in *rc.
 */
static int file_known(struct verifier *v, enum store_digest_kind kind, const unsigned char *file,
                      size_t len, struct file_verdict *out, int *rc)
{
    unsigned char d[32];
    int found;

    SHA256(file, len, d);
    found = digest_find(v, kind, d, out, rc);
    if (found > 0)
        out->verdict = out->file_version >= out->cert.file_version ? V_IDENTICAL : V_OLDER;
    return found;
}

/* Decodes the hex digits of a PDF signature gap "<...>" (n bytes) into der (VF_SIG_DER_MAX). */
static int gap_decode(const unsigned char *gap, size_t n, unsigned char *der, size_t *dlen)
{
    size_t i, o = 0;

    *dlen = 0;
    for (i = 1; i + 2 < n && o < VF_SIG_DER_MAX; i += 2) {
        char pair[3] = {(char)gap[i], (char)gap[i + 1], '\0'};

        if (jp_hex_decode(pair, der + o, 1) != 0)
            return EINVAL;
        o++;
    }
    *dlen = o;
    return o > 0 ? 0 : EINVAL;
}

int vf_pdf_sig_der(const unsigned char *file, size_t len, unsigned char **der, size_t *dlen,
                   size_t *off, size_t *n)
{
    size_t o, gn;
    int rc;

    *der = NULL;
    *dlen = 0;
    if (store_pdf_sig_span(file, len, &o, &gn) != 0)
        return ENOENT;
    *der = malloc(VF_SIG_DER_MAX);
    if (*der == NULL)
        return ENOMEM;
    rc = gap_decode(file + o, gn, *der, dlen);
    if (rc != 0) {
        free(*der);
        *der = NULL;
        return rc;
    }
    if (off != NULL)
        *off = o;
    if (n != NULL)
        *n = gn;
    return 0;
}

/*
 * 1 when the file's last signature value is a CMS that carries our root
 * certificate or a certificate our root signed (keys_trust_cms_ours): a
 * signature of ours whose value the index does not know (a file from before
 * the index, one whose /ByteRange was edited too, or one a stolen key made).
 */
static int signed_by_us(struct verifier *v, const unsigned char *file, size_t len)
{
    unsigned char *der;
    size_t dlen;
    int ours = 0;

    if (vf_pdf_sig_der(file, len, &der, &dlen, NULL, NULL) == 0) {
        pthread_rwlock_rdlock(&v->lock);
        ours = keys_trust_cms_ours(v->trust, der, dlen);
        pthread_rwlock_unlock(&v->lock);
    }
    free(der);
    return ours;
}

/*
 * Classifies an OFD package: its SHA-256 among the packages we issued first
 * (identical or older_version: byte for byte a package we sealed and stored,
 * so checking its seal again would tell nothing new, as for a PDF; it costs
 * ~4 ms, docs/benchmarks.md); else the seal against the trust list's SM2
 * part (a seal that is not ours, or none, is not_ours), then its
 * SignedValue.dat among our seals (modified: our seal, other bytes, and we
 * say whose); a seal of ours that fails (a digest or signature) is modified
 * even when the index does not know it; an intact seal of ours the index
 * does not know is not_ours (we keep every package we seal). Bounded by the
 * OFD reader's caps.
 */
/* 1 when the trust list has a revoked SM2 signing key (then stored packages are checked too). */
static int sm2_any_revoked(struct verifier *v)
{
    struct keys_sm2_trusted k;
    int any = 0;

    pthread_rwlock_rdlock(&v->lock);
    for (size_t i = 0; !any && keys_trust_sm2_get(v->trust, i, &k) == 0; i++)
        any = k.state == KEYS_REVOKED;
    pthread_rwlock_unlock(&v->lock);
    return any;
}

static int ofd_classify(struct verifier *v, const unsigned char *file, size_t len,
                        struct file_verdict *out)
{
    struct vf_ofd_seal seal;
    int rc, found;

    out->ofd = 1;
    out->seal = -1; /* not checked */
    found = file_known(v, STORE_DIGEST_OFD_FILE, file, len, out, &rc);
    if (found < 0)
        return rc;
    if (found && !sm2_any_revoked(v))
        return 0; /* the seal is ours and its key good: nothing new to learn from it */
    pthread_rwlock_rdlock(&v->lock);
    rc = vf_ofd_check(v->trust, file, len, &seal);
    pthread_rwlock_unlock(&v->lock);
    out->seal_revoked = rc == 0 && seal.ours && seal.signer_revoked;
    if (found)
        return rc;
    out->seal = seal.seal;
    if (rc != 0 || seal.seal == OFD_NOT_SIGNED || !seal.ours)
        return rc;
    found = seal.have_seal_digest
                ? digest_find(v, STORE_DIGEST_OFD_SEAL, seal.seal_sha256, out, &rc)
                : 0;
    if (found < 0)
        return rc;
    if (found || seal.seal == OFD_MODIFIED)
        out->verdict = V_MODIFIED;
    return 0;
}

/*
 * Classifies an uploaded file: its SHA-256 among the files we issued
 * (identical when it is the certificate's current version, else
 * older_version), else its signature value among our signatures (modified:
 * our signature, other bytes, and we say whose), else a signature value that
 * is a CMS carrying our root certificate (modified, whose unknown), else
 * not_ours. Reads the file's digest, its last 64 KiB and at most 256 KiB of
 * signature value: bounded whatever the file.
 */
static int file_classify(struct verifier *v, const unsigned char *file, size_t len,
                         struct file_verdict *out)
{
    unsigned char d[32];
    int rc, found;

    memset(out, 0, sizeof(*out));
    out->verdict = V_NOT_OURS;
    if (vf_is_ofd(file, len))
        return ofd_classify(v, file, len, out);
    found = file_known(v, STORE_DIGEST_FILE, file, len, out, &rc);
    if (found < 0)
        return rc;
    if (found) {
        out->have_time = vf_file_sig_time(v, file, len, &out->t);
        return 0;
    }
    if (store_pdf_sig_digest(file, len, d) != 0)
        return 0;
    found = digest_find(v, STORE_DIGEST_SIG, d, out, &rc);
    if (found < 0)
        return rc;
    if (found || signed_by_us(v, file, len))
        out->verdict = V_MODIFIED;
    if (out->verdict == V_MODIFIED)
        out->have_time = vf_file_sig_time(v, file, len, &out->t);
    return 0;
}

static json_t *verdict_json(struct verifier *v, const struct file_verdict *fv)
{
    json_t *o = json_pack("{s:s}", "verdict", verdict_name(fv->verdict));

    if (o != NULL &&
        ((fv->have_time &&
          json_object_set_new(o, "signature_time", vf_sig_time_json(v, &fv->t)) != 0) ||
         (fv->ofd &&
          (json_object_set_new(o, "format", json_string("ofd")) != 0 ||
           (fv->seal >= 0 &&
            json_object_set_new(o, "seal", json_string(ofd_verdict_name(fv->seal))) != 0) ||
           (fv->seal_revoked &&
            json_object_set_new(o, "seal_key", json_string("revoked")) != 0))))) {
        json_decref(o);
        return NULL;
    }
    if (o == NULL || !fv->have_cert)
        return o;
    if (json_object_set_new(o, "certificate_no", json_string(fv->cert.certificate_no)) != 0 ||
        json_object_set_new(o, "file_version", json_integer(fv->file_version)) != 0 ||
        json_object_set_new(o, "current_version", json_integer(fv->cert.file_version)) != 0 ||
        json_object_set_new(o, "status", json_string(store_status_name(fv->cert.status))) != 0 ||
        json_object_set_new(o, "certificate", vf_cert_json(v, &fv->cert)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static const char file_form_tail[] =
    "<label for=\"file\">证书文件（PDF 或 OFD，不超过 2 MiB）</label>"
    "<input type=\"file\" id=\"file\" name=\"file\" "
    "accept=\".pdf,.ofd,application/pdf,application/ofd\" required>"
    "<button type=\"submit\">核验</button></form>"
    "<p class=\"note\">文件只用于本次比对，不会保存。比对的是文件的每一个字节：打印后再扫描的"
    "文件无法比对，请改为扫描证书上的二维码。</p></div>";

static const struct upload_page file_upload = {"核验证书文件", "<h2>核验证书文件</h2>",
                                               "/check/file", file_form_tail};

static int verdict_html(struct verifier *v, const struct file_verdict *fv, struct jp_buf *b)
{
    char line[160];
    int rc = 0;

    switch (fv->verdict) {
    case V_IDENTICAL:
        rc = jp_buf_puts(b, "<div class=\"b g\"><strong>原件一致</strong><span>"
                            "与发证机关签发的文件逐字节相同</span></div>");
        break;
    case V_OLDER:
        rc = jp_buf_printf(b,
                           "<div class=\"b a\"><strong>旧版文件</strong><span>这是已被换发的第 "
                           "%u 版文件，当前为第 %u 版</span></div>",
                           (unsigned)fv->file_version, (unsigned)fv->cert.file_version);
        break;
    case V_MODIFIED:
        rc = jp_buf_puts(b, "<div class=\"b r\"><strong>文件被改动</strong><span>带有发证机关的"
                            "签名，但内容与签发的文件不同：不可采信</span></div>");
        break;
    default:
        rc = jp_buf_puts(b, "<div class=\"b n\"><strong>非本机关签发</strong><span>"
                            "此文件不是本机关签发的证书文件</span></div><p>文件可能是伪造的，"
                            "也可能经过了重新保存、打印或扫描。请扫描证书上的二维码核验，"
                            "或向发证机关核实。</p>");
        break;
    }
    if (rc == 0 && fv->have_time)
        rc = vf_sig_time_html(&fv->t, b);
    if (rc == 0 && fv->ofd && fv->verdict == V_MODIFIED)
        rc = jp_buf_puts(b, fv->seal == OFD_INTACT
                                ? "<p>OFD 电子签章完好，但文件被重新打包过，不是签发的那一份。</p>"
                                : "<p>OFD 电子签章验证未通过：签章后文件被改动过，"
                                  "或签章本身被替换、损坏。</p>");
    if (rc == 0 && fv->ofd && fv->seal_revoked)
        rc = jp_buf_puts(b, "<p class=\"note\"><strong>签章密钥已吊销</strong>：此 OFD 电子签章的 "
                            "SM2 签名密钥已被发证机关吊销，文件中没有可信时间戳证明签章早于吊销。</p>");
    if (rc != 0 || !fv->have_cert)
        return rc;
    if (fv->verdict == V_MODIFIED) {
        const char *word, *cls;

        /* no big status banner here: a green 有效 beside an edited file misleads */
        vf_status_words(fv->cert.status, &word, &cls);
        rc = jp_buf_printf(b,
                           "<p>文件中的签名属于下面这份证书（证书当前状态：%s）。"
                           "请以证书库记录和发证机关签发的原件为准，不要采信此文件。</p>",
                           word);
    } else {
        rc = banner(b, fv->cert.status, "证书当前状态");
    }
    if (rc == 0)
        rc = cert_details(v, &fv->cert, b);
    if (rc == 0)
        rc = jp_strf(line, sizeof(line), "<p><a href=\"/c/%s\">查看证书页面</a></p>",
                     fv->cert.certificate_no);
    return rc == 0 ? jp_buf_puts(b, line) : rc;
}

/* Why an upload was refused: for the page and for the API. */
struct upload_err {
    unsigned status;  /* 400 or 413 */
    const char *code; /* the API's error code */
    const char *text; /* the page's message (Chinese) */
    const char *api;  /* the API's message (English) */
};

/* Reads the upload of a file check: 0 with u filled, else e says why. */
static int upload_take(const struct vf_call *c, int raw_ok, struct pages_upload *u,
                       struct upload_err *e)
{
    int rc;

    memset(u, 0, sizeof(*u));
    *e = (struct upload_err){400, "invalid_upload",
                             "上传的内容无法识别，请选择一个 PDF 或 OFD 文件重新上传",
                             "expected a file in field file of multipart/form-data, "
                             "or the file as the body"};
    if (raw_ok && (c->ctype == NULL || strncasecmp(c->ctype, "multipart/", 10) != 0)) {
        u->file = c->body;
        u->file_len = c->len;
        u->has_file = 1;
        rc = 0;
    } else {
        rc = pages_multipart_parse(c->ctype, c->body, c->len, "file", u);
    }
    if (rc == PAGES_E_TOO_BIG)
        *e = (struct upload_err){413, "file_too_large", "文件超过 2 MiB", "file exceeds 2 MiB"};
    if (rc == 0 && !u->has_file)
        rc = PAGES_E_FORM;
    if (rc == 0 && u->file_len == 0) {
        *e = (struct upload_err){400, "empty_file", "上传的文件是空的（0 字节）",
                                 "the file is empty"};
        rc = PAGES_E_FORM;
    }
    return rc;
}

static int h_file_post(struct verifier *v, const struct vf_call *c, struct vf_reply *r)
{
    struct file_verdict fv;
    struct pages_upload u;
    struct pages_page p;
    struct upload_err e;
    int rc = upload_take(c, 0, &u, &e);

    if (rc == PAGES_E_FORM || rc == PAGES_E_TOO_BIG)
        return vf_reply_message(r, e.status, "无法核验", e.text);
    if (rc != 0)
        return rc;
    if (pages_csrf_check(c->cookie, &u.fields) != 0) {
        pages_upload_free(&u);
        return vf_reply_csrf_refused(r);
    }
    rc = file_classify(v, u.file, u.file_len, &fv);
    pages_upload_free(&u);
    pages_page_init(&p);
    if (rc == 0)
        rc = pages_begin(&p, "文件核验结果", NULL);
    if (rc == 0)
        rc = jp_buf_puts(&p.body, "<h1>文件核验结果</h1>");
    if (rc == 0)
        rc = verdict_html(v, &fv, &p.body);
    if (rc == 0)
        rc = upload_form(v, c, &file_upload, &p);
    return page_done(r, &p, rc);
}

/* POST /api/v1/check-file: multipart (field file) or the file itself as the body. */
static int h_file_api(struct verifier *v, const struct vf_call *c, struct vf_reply *r)
{
    struct file_verdict fv;
    struct pages_upload u;
    struct upload_err e;
    int rc = upload_take(c, 1, &u, &e);

    if (rc == PAGES_E_FORM || rc == PAGES_E_TOO_BIG)
        return vf_reply_error(r, e.status, e.code, e.api);
    if (rc != 0)
        return rc;
    rc = file_classify(v, u.file, u.file_len, &fv);
    pages_upload_free(&u);
    return rc != 0 ? rc : reply_json(r, 200, verdict_json(v, &fv));
}

/* ------------------------------------------------------------ roster */

/* 1 when s holds only ASCII letters, digits and '-': what a mistyped number looks like. */
static int plain_ascii(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];

        if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
              ch == '-'))
            return 0;
    }
    return 1;
}

/* One roster line, as kept in the permalink (no personal data). */
static json_t *roster_row(store_txn *txn, struct verifier *v, const struct vf_call *c,
                          unsigned line, const char *s, size_t n, struct vf_reply *r, int *limited)
{
    struct store_cert cert;
    char no[IDENT_CERTNO_SIZE], shown[BAD_TEXT_MAX + 8], name[257], id[33];
    int rc;

    if (!vf_certno_ok(s, n)) {
        /* a bad line may be anything, a name or an ID number too: only a mistyped
         * number is shown, and masked when long */
        if (n > BAD_TEXT_MAX)
            n = BAD_TEXT_MAX;
        if (!plain_ascii(s, n))
            jp_strf(shown, sizeof(shown), "%s", "（非编号内容）");
        else if (n >= 11 && ident_id_mask(s, n, shown, sizeof(shown)) != 0)
            jp_strf(shown, sizeof(shown), "%.6s***", s);
        else if (n < 11)
            jp_strf(shown, sizeof(shown), "%.*s", (int)n, s);
        return json_pack("{s:I, s:s, s:s}", "line", (json_int_t)line, "text", shown, "result",
                         "invalid_certificate_no");
    }
    memcpy(no, s, 18);
    no[18] = '\0';
    rc = store_cert_get(txn, no, &cert);
    if (rc == STORE_ENOTFOUND) {
        if (!vf_lookup_missed(v, c, r))
            *limited = 1;
        return json_pack("{s:I, s:s, s:s}", "line", (json_int_t)line, "certificate_no", no,
                         "result", "not_found");
    }
    if (rc != 0)
        return NULL;
    vf_holder_masked(&cert, name, id);
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "line", (json_int_t)line, "certificate_no",
                     no, "result", store_status_name(cert.status), "position",
                     vf_position_name(v, cert.position_code), "name_masked", name, "issue_date",
                     cert.issue_date);
}

/* Trims spaces, tabs, CR, a BOM and a CSV line's other fields. */
static void roster_trim(const char **s, size_t *n)
{
    const char *p = *s;
    size_t k = *n, comma;

    if (k >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
        p += 3;
        k -= 3;
    }
    for (comma = 0; comma < k && p[comma] != ',' && p[comma] != ';'; comma++)
        ;
    k = comma;
    while (k > 0 && (p[0] == ' ' || p[0] == '\t' || p[0] == '"')) {
        p++;
        k--;
    }
    while (k > 0 && (p[k - 1] == ' ' || p[k - 1] == '\t' || p[k - 1] == '\r' || p[k - 1] == '"'))
        k--;
    *s = p;
    *n = k;
}

/* Counts the non-empty lines of text. */
static size_t roster_count(const char *text, size_t len)
{
    size_t count = 0, i = 0;

    while (i < len) {
        const char *s = text + i, *nl = memchr(s, '\n', len - i);
        size_t n = nl != NULL ? (size_t)(nl - s) : len - i;

        i = nl != NULL ? (size_t)(nl - text) + 1 : len;
        if (n > ROSTER_LINE_MAX)
            n = ROSTER_LINE_MAX;
        roster_trim(&s, &n);
        count += n > 0;
    }
    return count;
}

/* Looks every line up in one read transaction; rows gets one object per non-empty line. */
static int roster_lookup(struct verifier *v, const struct vf_call *c, const char *text, size_t len,
                         json_t *rows, struct vf_reply *r, int *limited)
{
    store_txn *txn = NULL;
    unsigned line = 0;
    size_t i = 0;
    int rc;

    rc = store_read_begin(v->st, &txn);
    while (rc == 0 && i < len && !*limited) {
        const char *nl = memchr(text + i, '\n', len - i);
        const char *s = text + i;
        size_t n = nl != NULL ? (size_t)(nl - s) : len - i;
        json_t *e;

        line++;
        i = nl != NULL ? (size_t)(nl - text) + 1 : len;
        if (n > ROSTER_LINE_MAX)
            n = ROSTER_LINE_MAX;
        roster_trim(&s, &n);
        if (n == 0)
            continue;
        e = roster_row(txn, v, c, line, s, n, r, limited);
        if (e == NULL || json_array_append_new(rows, e) != 0)
            rc = ENOMEM;
    }
    store_read_end(txn);
    return rc;
}

/*
 * Runs a roster: checks the size, looks the numbers up, keeps the result in
 * the portal. 0 with *out = {"id","query_time","results"} (new reference),
 * or 0 with *out NULL and r filled (400 when too many, 429 when limited).
 */
static int roster_run(struct verifier *v, const struct vf_call *c, const char *text, size_t len,
                      int html, struct vf_reply *r, json_t **out)
{
    unsigned char id[PORTAL_ROSTER_ID_LEN];
    char idtext[JP_BASE32_LEN(PORTAL_ROSTER_ID_LEN)];
    int64_t now = (int64_t)time(NULL);
    json_t *rows = NULL, *doc = NULL;
    char *blob = NULL;
    int rc, limited = 0;
    size_t t, count = roster_count(text, len);

    *out = NULL;
    if (count == 0 || count > ROSTER_MAX) {
        if (html)
            return vf_reply_message(r, 400, count == 0 ? "没有证书编号" : "证书编号过多",
                                    count == 0 ? "请每行填写一个证书编号。"
                                               : "一次最多核验 500 个证书编号，请分批提交。");
        return vf_reply_error(r, 400, count == 0 ? "empty_roster" : "too_many_numbers",
                              "certificate_nos must hold 1 to 500 numbers");
    }
    for (t = 0; t <= count / ROSTER_PER_TOKEN; t++) {
        if (!vf_lookup_allow(v, c, r))
            return 0; /* a big roster costs more of the address's lookup buckets */
    }
    rows = json_array();
    if (rows == NULL)
        return ENOMEM;
    rc = roster_lookup(v, c, text, len, rows, r, &limited);
    if (rc != 0 || limited) {
        json_decref(rows);
        return rc;
    }
    doc = json_pack("{s:i, s:I, s:o}", "v", 1, "query_time", (json_int_t)now, "results", rows);
    blob = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
    rc = blob == NULL ? ENOMEM : portal_roster_put(v->portal, blob, strlen(blob), now, id);
    free(blob);
    if (rc == 0)
        rc = jp_base32_encode(id, sizeof(id), idtext, sizeof(idtext));
    if (rc == 0)
        rc = json_object_set_new(doc, "id", json_string(idtext)) != 0 ? ENOMEM : 0;
    if (rc != 0) {
        json_decref(doc);
        return rc;
    }
    *out = doc;
    return 0;
}

static const char roster_css[] = "@page{size:A4 portrait;margin:15mm}"
                                 "td a{white-space:nowrap;font-size:13px;font-family:monospace}"
                                 "@media print{table{font-size:11pt}a{color:#000;"
                                 "text-decoration:none}.b{border:1px solid #000;color:#000}}";

static const char roster_form_tail[] =
    "<label for=\"certificate_nos\">证书编号，每行一个（最多 500 个）</label>"
    "<textarea id=\"certificate_nos\" name=\"certificate_nos\" rows=\"10\"></textarea>"
    "<label for=\"file\">或上传 .txt / .csv 文件（每行第一列为证书编号）</label>"
    "<input type=\"file\" id=\"file\" name=\"file\" accept=\".txt,.csv,text/plain,"
    "text/csv\"><button type=\"submit\">核验</button></form>"
    "<p class=\"note\">结果会生成一个保存 90 天的链接，显示查询时的状态，"
    "可发给他人再次打开或打印。</p></div>";

static const struct upload_page roster_upload = {"批量核验", "<h1>批量核验（花名册）</h1>",
                                                 "/check/roster", roster_form_tail};

/* The numbers of a roster form: the uploaded file when one was given, else the textarea. */
static const char *roster_text(const struct pages_upload *u, size_t *len)
{
    if (u->has_file && u->file_len > 0 && jp_utf8_valid((const char *)u->file, u->file_len)) {
        *len = u->file_len;
        return (const char *)u->file;
    }
    if (u->has_file && u->file_len > 0)
        return NULL; /* not UTF-8 text */
    return pages_form_get(&u->fields, "certificate_nos", len);
}

static int h_roster_post(struct verifier *v, const struct vf_call *c, struct vf_reply *r)
{
    struct pages_upload u;
    const char *text, *id;
    char where[64];
    json_t *doc = NULL;
    size_t len = 0;
    int rc;

    rc = pages_body_parse(c->ctype, c->body, c->len, "file", &u);
    if (rc == PAGES_E_FORM || rc == PAGES_E_TOO_BIG)
        return vf_reply_message(r, rc == PAGES_E_TOO_BIG ? 413 : 400, "表单有误",
                                "提交的内容无法识别，请返回重新填写。");
    if (rc != 0)
        return rc;
    if (pages_csrf_check(c->cookie, &u.fields) != 0) {
        pages_upload_free(&u);
        return vf_reply_csrf_refused(r);
    }
    text = roster_text(&u, &len);
    if (text == NULL) {
        pages_upload_free(&u);
        return vf_reply_message(r, 400, "文件有误", "请上传 UTF-8 编码的 .txt 或 .csv 文件。");
    }
    rc = roster_run(v, c, text, len, 1, r, &doc);
    pages_upload_free(&u);
    if (rc != 0 || doc == NULL)
        return rc;
    id = json_string_value(json_object_get(doc, "id"));
    rc = jp_strf(where, sizeof(where), "/R/%s", id != NULL ? id : "");
    json_decref(doc);
    return rc == 0 ? vf_reply_redirect(r, where, NULL) : rc;
}

/* Joins a JSON array of strings into one text of lines (nos must be all strings). */
static int roster_api_text(json_t *nos, struct jp_buf *out)
{
    size_t i;
    int rc = 0;

    for (i = 0; rc == 0 && i < json_array_size(nos); i++) {
        json_t *e = json_array_get(nos, i);

        if (!json_is_string(e))
            return EINVAL;
        rc = jp_buf_append(out, json_string_value(e), json_string_length(e));
        if (rc == 0)
            rc = jp_buf_append(out, "\n", 1);
    }
    return rc;
}

/* POST /api/v1/roster {"certificate_nos": [...] or "one\nper\nline"}. */
static int h_roster_api(struct verifier *v, const struct vf_call *c, struct vf_reply *r)
{
    json_error_t jerr;
    json_t *root, *nos, *doc = NULL;
    struct jp_buf text;
    int rc;

    root = json_loadb((const char *)c->body, c->len, JSON_REJECT_DUPLICATES, &jerr);
    nos = json_object_get(root, "certificate_nos");
    jp_buf_init(&text, PAGES_UPLOAD_BODY_MAX);
    if (json_is_string(nos))
        rc = jp_buf_append(&text, json_string_value(nos), json_string_length(nos));
    else if (json_is_array(nos) && json_array_size(nos) <= ROSTER_MAX)
        rc = roster_api_text(nos, &text);
    else if (json_is_array(nos))
        rc = EFBIG;
    else
        rc = EINVAL;
    json_decref(root);
    if (rc == EINVAL || rc == EFBIG) {
        jp_buf_free(&text);
        return vf_reply_error(r, 400, rc == EFBIG ? "too_many_numbers" : "invalid_request",
                              "certificate_nos must be an array of at most 500 strings, or a "
                              "string with one number a line");
    }
    if (rc == 0)
        rc = roster_run(v, c, text.data != NULL ? (const char *)text.data : "", text.len, 0, r,
                        &doc);
    jp_buf_free(&text);
    if (rc != 0 || doc == NULL)
        return rc;
    if (json_object_set_new(doc, "url",
                            json_sprintf("/R/%s", json_string_value(json_object_get(doc, "id")))) !=
        0) {
        json_decref(doc);
        return ENOMEM;
    }
    json_object_del(doc, "v");
    return reply_json(r, 200, doc);
}

/* ------------------------------------------------------- permalinks */

static const char *result_words(const char *result, const char **cls)
{
    static const char *const map[][3] = {
        {"valid", "有效", "ok"},    {"suspended", "暂扣", "bad"},
        {"revoked", "撤销", "bad"}, {"cancelled", "注销", "bad"},
        {"lapsed", "失效", "bad"},  {"not_found", "查无此证", "bad"},
    };
    size_t i;

    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(map[i][0], result) == 0) {
            *cls = map[i][2];
            return map[i][1];
        }
    }
    *cls = "bad";
    return "编号无效";
}

static int roster_cell(struct jp_buf *b, json_t *e, const char *key)
{
    const char *s = json_string_value(json_object_get(e, key));

    return vf_tagged(b, "<td>", s != NULL ? s : "", "</td>");
}

static int roster_table_row(struct jp_buf *b, json_t *e)
{
    const char *no = json_string_value(json_object_get(e, "certificate_no"));
    const char *res = json_string_value(json_object_get(e, "result"));
    const char *word, *cls;
    int rc;

    word = result_words(res != NULL ? res : "", &cls);
    rc = jp_buf_printf(b, "<tr><td>%lld</td>",
                       (long long)json_integer_value(json_object_get(e, "line")));
    if (rc == 0 && no != NULL)
        rc = jp_buf_printf(b, "<td><a href=\"/c/%s\">%s</a></td>", no, no);
    else if (rc == 0)
        rc = roster_cell(b, e, "text");
    if (rc == 0)
        rc = roster_cell(b, e, "position");
    if (rc == 0)
        rc = roster_cell(b, e, "name_masked");
    if (rc == 0)
        rc = jp_buf_printf(b, "<td class=\"%s\">%s</td></tr>", cls, word);
    return rc;
}

static int roster_page(json_t *doc, int64_t created, const char *idtext, struct pages_page *p)
{
    json_t *rows = json_object_get(doc, "results");
    char when[64];
    size_t i, bad = 0, n = json_array_size(rows);
    int rc;

    beijing_time(created, when);
    for (i = 0; i < n; i++) {
        const char *res = json_string_value(json_object_get(json_array_get(rows, i), "result"));

        bad += res == NULL || strcmp(res, "valid") != 0;
    }
    rc = pages_begin(p, "批量核验结果", roster_css);
    if (rc == 0)
        rc = jp_buf_puts(&p->body, "<h1>批量核验结果</h1><div class=\"card\"><dl>");
    if (rc == 0)
        rc = vf_row(&p->body, "查询时间", when);
    if (rc == 0)
        rc = jp_buf_printf(&p->body,
                           "<dt>结果</dt><dd>共 %zu 条，有效 %zu 条，其他 %zu 条</dd></dl>"
                           "<p class=\"note\">下表为查询时（%s）证书库中的状态，不随之后的变更"
                           "而改变；点击证书编号查看当前状态。本页链接保存 90 天。</p>"
                           "<p class=\"note\">核验编号：%s</p></div>",
                           n, n - bad, bad, when, idtext);
    if (rc == 0)
        rc = jp_buf_puts(&p->body, "<table><thead><tr><th>行</th><th>证书编号</th><th>岗位</th>"
                                   "<th>姓名</th><th>查询时状态</th></tr></thead><tbody>");
    for (i = 0; rc == 0 && i < n; i++)
        rc = roster_table_row(&p->body, json_array_get(rows, i));
    if (rc == 0)
        rc = jp_buf_puts(&p->body, "</tbody></table><p class=\"noprint\"><a href=\"/check/roster\">"
                                   "再核验一批</a></p>");
    return rc == 0 ? pages_end(p) : rc;
}

static int h_permalink(struct verifier *v, const char *idtext, struct vf_reply *r)
{
    unsigned char id[PORTAL_ROSTER_ID_LEN];
    struct pages_page p;
    struct jp_buf blob;
    json_error_t jerr;
    json_t *doc = NULL;
    int64_t created = 0;
    size_t n = 0;
    int rc;

    if (strlen(idtext) != ROSTER_ID_TEXT ||
        jp_base32_decode(idtext, ROSTER_ID_TEXT, id, sizeof(id), &n) != 0 || n != sizeof(id))
        return vf_reply_message(r, 404, "没有这个核验结果",
                                "链接有误，或核验结果已超过 90 天被删除。");
    jp_buf_init(&blob, PORTAL_ROSTER_MAX);
    rc = portal_roster_get(v->portal, id, (int64_t)time(NULL), &blob, &created);
    if (rc == PAGES_E_NOTFOUND) {
        jp_buf_free(&blob);
        return vf_reply_message(r, 404, "没有这个核验结果",
                                "链接有误，或核验结果已超过 90 天被删除。");
    }
    if (rc == 0)
        doc = json_loadb((const char *)blob.data, blob.len, 0, &jerr);
    jp_buf_free(&blob);
    if (rc != 0)
        return rc;
    if (doc == NULL)
        return PAGES_E_CORRUPT;
    pages_page_init(&p);
    rc = roster_page(doc, created, idtext, &p);
    json_decref(doc);
    if (rc == 0)
        rc = vf_reply_page(r, &p);
    pages_page_free(&p);
    return rc;
}

/* ------------------------------------------------------------ router */

static int method_is(const struct vf_call *c, const char *m)
{
    return strcmp(c->method, m) == 0;
}

static int wrong_method(struct vf_reply *r, const char *allowed)
{
    int rc = vf_reply_message(r, 405, "不支持的请求", "此地址不支持这种请求方式。");

    (void)allowed;
    return rc;
}

/* /c/{no} and /c/{no}/holder-check */
static int route_cert(struct verifier *v, const struct vf_call *c, struct vf_reply *r,
                      enum vf_endpoint *ep)
{
    const char *seg = c->path + 3, *rest;
    char no[IDENT_CERTNO_SIZE];
    size_t n = strcspn(seg, "/");

    rest = seg + n;
    if (n > 18)
        n = 0; /* too long: fails the number check below */
    memcpy(no, seg, n);
    no[n] = '\0';
    if (strcmp(rest, "/holder-check") == 0) {
        *ep = VF_EP_HOLDER_CHECK;
        return method_is(c, "POST") ? h_holder_form(v, c, no, r) : wrong_method(r, "POST");
    }
    *ep = VF_EP_PEOPLE;
    if (rest[0] != '\0')
        return vf_reply_message(r, 404, "页面不存在", "没有这个页面。");
    return method_is(c, "GET") ? h_cert(v, c, no, r) : wrong_method(r, "GET");
}

int vf_route_people(struct verifier *v, const struct vf_call *c, struct vf_reply *r,
                    enum vf_endpoint *ep, int *rc)
{
    const char *path = c->path;
    int get = method_is(c, "GET"), post = method_is(c, "POST");

    *rc = 0;
    if (strcmp(path, "/") == 0 || strcmp(path, "/c") == 0) {
        *ep = VF_EP_PEOPLE;
        *rc = !get              ? wrong_method(r, "GET")
              : path[1] == '\0' ? form_reply(v, c, r, "首页", home_form, NULL)
                                : h_lookup_form(c, r);
    } else if (strncmp(path, "/c/", 3) == 0) {
        *rc = route_cert(v, c, r, ep);
    } else if (strcmp(path, "/check/file") == 0) {
        *ep = VF_EP_FILE_CHECK;
        *rc = get    ? upload_get(v, c, r, &file_upload)
              : post ? h_file_post(v, c, r)
                     : wrong_method(r, "GET");
    } else if (strcmp(path, "/api/v1/check-file") == 0) {
        *ep = VF_EP_FILE_CHECK;
        *rc = post ? h_file_api(v, c, r) : vf_reply_error(r, 405, "method_not_allowed", "use POST");
    } else if (strcmp(path, "/check/roster") == 0) {
        *ep = VF_EP_ROSTER;
        *rc = get    ? upload_get(v, c, r, &roster_upload)
              : post ? h_roster_post(v, c, r)
                     : wrong_method(r, "GET");
    } else if (strcmp(path, "/api/v1/roster") == 0) {
        *ep = VF_EP_ROSTER;
        *rc =
            post ? h_roster_api(v, c, r) : vf_reply_error(r, 405, "method_not_allowed", "use POST");
    } else if (strncmp(path, "/R/", 3) == 0) {
        *ep = VF_EP_ROSTER;
        *rc = get ? h_permalink(v, path + 3, r) : wrong_method(r, "GET");
    } else {
        return 0;
    }
    return 1;
}
