/*
 * page.c - what the verifier shows: the QR check (URL or bare token), the
 * certificate object of SPEC §8 with the holder masked, and the verification
 * page an employer's phone opens - Simplified Chinese, mobile-first, inline
 * CSS only, no script, no external resource, every value HTML-escaped.
 */
#include "verifier_int.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ident.h"

/* ------------------------------------------------------------ QR check */

static enum verifier_qr_verdict from_keys(enum keys_verdict kv)
{
    switch (kv) {
    case KEYS_TOKEN_GENUINE:
        return VERIFIER_QR_GENUINE;
    case KEYS_TOKEN_FORGED:
        return VERIFIER_QR_FORGED;
    case KEYS_TOKEN_UNKNOWN_KEY:
        return VERIFIER_QR_UNKNOWN_KEY;
    case KEYS_TOKEN_REVOKED_KEY:
        return VERIFIER_QR_REVOKED_KEY;
    case KEYS_TOKEN_EXPIRED_KEY:
        return VERIFIER_QR_EXPIRED_KEY;
    default:
        return VERIFIER_QR_MALFORMED;
    }
}

/* The verifier's verdicts are the token's (keys.h), so are their names. */
const char *verifier_qr_verdict_name(enum verifier_qr_verdict v)
{
    enum keys_verdict kv = KEYS_TOKEN_MALFORMED;

    for (int k = KEYS_TOKEN_GENUINE; k < KEYS_TOKEN_MALFORMED; k++) {
        if (from_keys((enum keys_verdict)k) == v)
            kv = (enum keys_verdict)k;
    }
    return keys_verdict_name(kv);
}

/*
 * Splits ".../V/<no>/<token>" into its number and token; a text without '/'
 * is a bare token. Returns 0, or EINVAL for any other shape.
 */
static int qr_split(const char *text, size_t len, char no[IDENT_CERTNO_SIZE], const char **tok,
                    size_t *toklen)
{
    const char *end = text + len, *last = NULL, *prev = NULL, *p;

    no[0] = '\0';
    for (p = text; p < end; p++) {
        if (*p == '/') {
            prev = last;
            last = p;
        }
    }
    if (last == NULL) {
        *tok = text;
        *toklen = len;
        return 0;
    }
    if (prev == NULL || prev - text < 2 || last - prev - 1 != 18 || prev[-2] != '/' ||
        (prev[-1] != 'V' && prev[-1] != 'v'))
        return EINVAL;
    memcpy(no, prev + 1, 18);
    no[18] = '\0';
    *tok = last + 1;
    *toklen = (size_t)(end - last - 1);
    return 0;
}

/* A revoked key's token: its issue date against the revocation (issue 17). */
static void qr_revocation(const keys_trust_t *trust, const char *tok, size_t toklen,
                          struct verifier_qr *out)
{
    enum keys_state st = KEYS_REVOKED;

    out->revocation = KEYS_WHEN_UNKNOWN;
    if (keys_token_key(trust, tok, toklen, &st, &out->revoked_at) == 0)
        out->revocation = keys_when_day(out->claims.issue_date, out->revoked_at);
}

static int qr_check(const keys_trust_t *trust, const char *text, size_t len, int ours,
                    struct verifier_qr *out)
{
    enum keys_verdict kv = KEYS_TOKEN_MALFORMED;
    const char *tok = NULL;
    size_t toklen = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    out->verdict = VERIFIER_QR_MALFORMED;
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
        len--;
    if (qr_split(text, len, out->url_certno, &tok, &toklen) != 0)
        return 0;
    if (out->url_certno[0] != '\0' && ident_certno_parse(out->url_certno, 18, NULL, NULL, 0) != 0)
        return 0;
    if (trust == NULL) {
        out->verdict = VERIFIER_QR_UNKNOWN_KEY;
        return 0;
    }
    rc = ours ? keys_token_judge_ours(trust, tok, toklen, &out->claims, &kv)
              : keys_token_verify(trust, tok, toklen, &out->claims, &kv);
    if (rc != 0)
        return rc;
    out->verdict = from_keys(kv);
    if (out->verdict != VERIFIER_QR_MALFORMED && out->url_certno[0] != '\0' &&
        strcmp(out->url_certno, out->claims.certificate_no) != 0)
        out->verdict = VERIFIER_QR_FORGED;
    if (out->verdict == VERIFIER_QR_REVOKED_KEY)
        qr_revocation(trust, tok, toklen, out);
    return 0;
}

int verifier_qr_check(const keys_trust_t *trust, const char *text, size_t len,
                      struct verifier_qr *out)
{
    return qr_check(trust, text, len, 0, out);
}

int vf_qr_is_stored(const char *path, const struct store_cert *cert)
{
    const char *stored = cert != NULL ? store_cert_qr(cert) : NULL;
    size_t plen = strlen(path), slen = stored != NULL ? strlen(stored) : 0;

    return stored != NULL && plen > 3 && slen >= plen && memcmp(path, "/V/", 3) == 0 &&
           memcmp(stored + slen - plen, path, plen) == 0;
}

int vf_qr_check_stored(const keys_trust_t *trust, const char *path, struct verifier_qr *out)
{
    return qr_check(trust, path, strlen(path), 1, out);
}

int vf_claims_match(const struct keys_claims *k, const struct store_cert *c)
{
    return strcmp(k->certificate_no, c->certificate_no) == 0 &&
           k->elicence_version == c->file_version && strcmp(k->position, c->position_code) == 0 &&
           strcmp(k->issue_date, c->issue_date) == 0;
}

int vf_claims_older(const struct keys_claims *k, const struct store_cert *c)
{
    return strcmp(k->certificate_no, c->certificate_no) == 0 &&
           k->elicence_version < c->file_version && strcmp(k->position, c->position_code) == 0 &&
           strcmp(k->issue_date, c->issue_date) == 0;
}

/* ------------------------------------------------------------ JSON */

void vf_time_format(int64_t t, char out[21])
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL || strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        out[0] = '\0';
}

/* Masked name and ID of a record into name[257] and id[33]; "*" when masking fails. */
void vf_holder_masked(const struct store_cert *c, char name[257], char id[33])
{
    if (ident_name_mask(c->holder_name, strlen(c->holder_name), name, 257) != 0)
        memcpy(name, "*", 2);
    if (ident_id_mask(c->id_number, strlen(c->id_number), id, 33) != 0)
        memcpy(id, "*", 2);
}

const char *vf_position_name(const struct verifier *v, const char *code)
{
    const char *n = jp_config_position(&v->cfg, code);

    return n != NULL ? n : code;
}

/*
 * The values of the certificate object that are not the record's own text,
 * worked out once for both of its forms (vf_cert_json, vf_cert_json_text),
 * which differ only in how they write it: a Jansson object to embed, or text
 * for the lookup's hot path (about ten times cheaper, docs/benchmarks.md).
 */
struct cert_view {
    const char *status;   /* store_status_name of the record's status */
    const char *position; /* the position's name, or its code (vf_position_name) */
    char name[257];       /* holder name, masked (vf_holder_masked) */
    char id[33];          /* ID number, masked */
    char changed[21];     /* status_changed_at, RFC 3339 UTC; "" when it is 0 */
};

/* Fills w for c. Returns 0, or EINVAL for a status without a name. */
static int cert_view(const struct verifier *v, const struct store_cert *c, struct cert_view *w)
{
    w->status = store_status_name(c->status);
    if (w->status == NULL)
        return EINVAL;
    w->position = vf_position_name(v, c->position_code);
    vf_holder_masked(c, w->name, w->id);
    w->changed[0] = '\0';
    if (c->status_changed_at != 0)
        vf_time_format(c->status_changed_at, w->changed);
    return 0;
}

json_t *vf_cert_json(const struct verifier *v, const struct store_cert *c)
{
    struct cert_view w;

    if (cert_view(v, c, &w) != 0)
        return NULL;
    return json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:o}",
                     "certificate_no", c->certificate_no, "elicence_id", c->elicence_id, "status",
                     w.status, "position", "code", c->position_code, "name", w.position,
                     "issue_date", c->issue_date, "issuer", c->authority_name, "institution",
                     "code", c->institution_code, "name", c->institution_name, "holder",
                     "name_masked", w.name, "id_number_masked", w.id, "status_changed_at",
                     c->status_changed_at != 0 ? json_string(w.changed) : json_null());
}

int vf_cert_json_text(const struct verifier *v, const struct store_cert *c, struct jp_buf *b)
{
    struct cert_view w;
    int rc = cert_view(v, c, &w);

    if (rc == 0)
        rc = jp_buf_fill(
            b, jp_json_strz,
            "{\"certificate_no\":%s,\"elicence_id\":%s,\"status\":%s,"
            "\"position\":{\"code\":%s,\"name\":%s},\"issue_date\":%s,\"issuer\":%s,"
            "\"institution\":{\"code\":%s,\"name\":%s},"
            "\"holder\":{\"name_masked\":%s,\"id_number_masked\":%s},\"status_changed_at\":",
            c->certificate_no, c->elicence_id, w.status, c->position_code, w.position,
            c->issue_date, c->authority_name, c->institution_code, c->institution_name, w.name,
            w.id);
    if (rc == 0)
        rc = c->status_changed_at != 0 ? jp_json_strz(b, w.changed) : jp_buf_puts(b, "null");
    return rc == 0 ? jp_buf_puts(b, "}") : rc;
}

/* ------------------------------------------------------------ HTML */

/* Every value shown goes through the pages module's one escaper. */
static int html_text(struct jp_buf *b, const char *s)
{
    return pages_escz(b, s);
}

static const char page_head[] =
    "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
    "<meta name=\"referrer\" content=\"no-referrer\"><title>证书核验</title><style>"
    "body{margin:0;font-family:sans-serif;background:#f4f4f4;color:#222;font-size:17px}"
    "main{max-width:640px;margin:0 auto;padding:0 0 24px}"
    ".b{color:#fff;text-align:center;padding:28px 12px}.b strong{display:block;font-size:52px;"
    "letter-spacing:6px}.b span{font-size:18px}.g{background:#1a7f37}.r{background:#c62828}"
    ".a{background:#b26a00}h1{font-size:17px;margin:16px 12px;line-height:1.5}"
    "dl{background:#fff;margin:0 12px;padding:4px 14px;border-radius:8px}"
    "dt{color:#666;font-size:14px;margin-top:10px}dd{margin:2px 0 10px;font-size:18px;"
    "word-break:break-all}.s{margin:16px 12px;padding:12px;border-radius:8px;font-weight:bold}"
    ".sok{background:#e6f4ea;color:#1a7f37}.sbad{background:#fde7e7;color:#c62828}"
    "p{margin:12px;line-height:1.6}h2{font-size:17px;margin:16px 0 8px}"
    ".card{background:#fff;border-radius:8px;padding:12px 14px;margin:12px 0}"
    "label{display:block;margin:10px 0 4px;color:#444}input[type=text]{width:100%;"
    "box-sizing:border-box;font-size:17px;padding:8px;border:1px solid #999;border-radius:6px}"
    "button{margin-top:12px;font-size:17px;padding:10px;width:100%;border:0;border-radius:6px;"
    "background:#1f4e8c;color:#fff}.note{color:#555;font-size:15px;margin:8px 0}"
    "</style></head><body><main>";

static const char page_tail[] = "</main></body></html>";

/* Chinese status word and banner class. */
void vf_status_words(enum store_cert_status st, const char **word, const char **cls)
{
    switch (st) {
    case STORE_STATUS_VALID:
        *word = "有效";
        *cls = "g";
        break;
    case STORE_STATUS_SUSPENDED:
        *word = "暂扣";
        *cls = "a";
        break;
    case STORE_STATUS_REVOKED:
        *word = "撤销";
        *cls = "r";
        break;
    case STORE_STATUS_CANCELLED:
        *word = "注销";
        *cls = "r";
        break;
    default:
        *word = "失效";
        *cls = "r";
        break;
    }
}

static const char *signature_words(enum verifier_qr_verdict v)
{
    switch (v) {
    case VERIFIER_QR_GENUINE:
        return "二维码签名真实";
    case VERIFIER_QR_FORGED:
        return "二维码签名伪造";
    case VERIFIER_QR_UNKNOWN_KEY:
        return "二维码签名无法核实：未知密钥";
    case VERIFIER_QR_REVOKED_KEY:
        return "二维码签名无法采信：签名密钥已撤销";
    case VERIFIER_QR_EXPIRED_KEY:
        return "二维码签名无法采信：签名密钥不在有效期";
    default:
        return "二维码内容无法识别";
    }
}

int vf_tagged(struct jp_buf *b, const char *open, const char *text, const char *close)
{
    int rc = jp_buf_puts(b, open);

    if (rc == 0)
        rc = html_text(b, text);
    return rc == 0 ? jp_buf_puts(b, close) : rc;
}

int vf_row(struct jp_buf *b, const char *label, const char *value)
{
    int rc = vf_tagged(b, "<dt>", label, "</dt>");

    return rc == 0 ? vf_tagged(b, "<dd>", value, "</dd>") : rc;
}

int vf_rows(struct jp_buf *b, const char *const rows[][2], size_t n)
{
    int rc = 0;

    for (size_t i = 0; i < n && rc == 0; i++)
        rc = vf_row(b, rows[i][0], rows[i][1]);
    return rc;
}

int vf_cert_rows(const struct verifier *v, const struct store_cert *c, struct jp_buf *b)
{
    char name[257], id[33];
    const char *const rows[][2] = {
        {"证书编号", c->certificate_no},
        {"岗位", vf_position_name(v, c->position_code)},
        {"姓名", name},
        {"身份证件号码", id},
        {"培训机构", c->institution_name},
        {"发证机关", c->authority_name},
        {"发证日期", c->issue_date},
    };

    vf_holder_masked(c, name, id);
    return vf_rows(b, rows, sizeof(rows) / sizeof(rows[0]));
}

static int banner(struct jp_buf *b, const char *cls, const char *big, const char *small)
{
    return jp_buf_printf(b, "<div class=\"b %s\"><strong>%s</strong><span>%s</span></div>", cls,
                         big, small);
}

/* Beijing time of a status change, or 无. */
static void changed_words(int64_t t, char out[64])
{
    time_t tt = (time_t)(t + 8 * 3600);
    struct tm tm;

    if (t == 0 || gmtime_r(&tt, &tm) == NULL ||
        strftime(out, 64, "%Y-%m-%d %H:%M（北京时间）", &tm) == 0)
        memcpy(out, "无", sizeof("无"));
}

static int details(const struct verifier *v, const struct store_cert *c, struct jp_buf *b)
{
    char changed[64];
    int rc;

    changed_words(c->status_changed_at, changed);
    rc = jp_buf_puts(b, "<h1>住房和城乡建设领域施工现场专业人员职业培训合格证</h1><dl>");
    if (rc == 0)
        rc = vf_cert_rows(v, c, b);
    if (rc == 0)
        rc = vf_row(b, "状态变更时间", changed);
    if (rc == 0)
        rc = jp_buf_puts(b, "</dl>");
    return rc;
}

static int warning(struct jp_buf *b, const char *certno, const char *big, const char *small,
                   const char *advice)
{
    int rc = banner(b, "r", big, small);

    if (rc == 0)
        rc = jp_buf_puts(b, "<dl>");
    if (rc == 0)
        rc = vf_row(b, "证书编号", certno);
    if (rc == 0)
        rc = jp_buf_printf(b, "</dl><p>%s</p>", advice);
    return rc;
}

/*
 * A token of a revoked key: red as before, with whether it was issued before
 * the revocation (its issue date, the signer's own claim) and where the proof
 * is (the PDF's time-stamp, through the file check).
 */
static int revoked_warning(struct jp_buf *b, const char *certno, const struct verifier_qr *qr)
{
    char words[256], advice[512];

    if (verifier_when_words(qr->revocation, qr->revoked_at, 1, words, sizeof(words)) != 0 ||
        jp_strf(advice, sizeof(advice),
                "%s。二维码只带签发日期，这是签名者自己的声明：请用“核验证书文件”上传证书 PDF，"
                "由其中的可信时间戳证明签署时间，或向发证机关核实。",
                qr->revocation == KEYS_WHEN_BEFORE
                    ? "此二维码的签发日期在密钥吊销前（在密钥吊销前签署）"
                : qr->revocation == KEYS_WHEN_AFTER
                    ? "此二维码的签发日期在密钥吊销后（在密钥吊销后签署），不可采信"
                    : words) != 0)
        return ENOSPC;
    return warning(b, certno, "警告", signature_words(qr->verdict), advice);
}

/*
 * The QR of an earlier version (a reissue or a correction replaced its file):
 * amber, the date of the current version, then the current status.
 */
static int older_banner(struct jp_buf *b, const struct keys_claims *k, const struct store_cert *c)
{
    char when[64] = "", small[128];
    const char *word, *cls;
    time_t tt = (time_t)(c->version_at + 8 * 3600);
    struct tm tm;
    int rc;

    if (c->version_at != 0 && gmtime_r(&tt, &tm) != NULL)
        strftime(when, sizeof when, "于%Y-%m-%d", &tm);
    rc = jp_strf(small, sizeof small, "本证书已%s换发，此为旧版本", when);
    if (rc == 0)
        rc = banner(b, "a", "旧版本", small);
    if (rc == 0)
        rc = jp_buf_printf(b,
                           "<p>此二维码签名真实，来自本证书的较早版本（第%03u版）。证书已%s换发"
                           "（当前为第%03u版），旧版本证书不再作为凭证，请以最新证书为准。"
                           "以下为证书当前状态。</p>",
                           (unsigned)k->elicence_version, when, (unsigned)c->file_version);
    vf_status_words(c->status, &word, &cls);
    if (rc == 0)
        rc = banner(b, cls, word, "证书当前状态");
    return rc;
}

static int page_body(const struct verifier *v, const char *certno, const struct verifier_qr *qr,
                     const struct store_cert *c, const char *token, struct jp_buf *b)
{
    const char *word, *cls;
    int rc, genuine = qr->verdict == VERIFIER_QR_GENUINE;

    if (qr->verdict == VERIFIER_QR_REVOKED_KEY)
        return revoked_warning(b, certno, qr);
    if (!genuine)
        return warning(b, certno, "警告", signature_words(qr->verdict),
                       "此二维码的签名不能证明它由发证机关签发，证书可能被伪造或篡改。"
                       "请勿采信，并向发证机关核实。");
    if (c == NULL)
        return warning(b, certno, "查无此证", "证书库中没有此编号的证书",
                       "请勿采信，并向发证机关核实。");
    if (vf_claims_older(&qr->claims, c)) {
        rc = older_banner(b, &qr->claims, c);
    } else if (!vf_claims_match(&qr->claims, c)) {
        rc = banner(b, "r", "不符", "二维码与当前证书记录不一致");
        if (rc == 0)
            rc = jp_buf_puts(b, "<p>此二维码签名真实，但与证书库中的当前记录不一致"
                                "（证书可能已换发），请以最新证书为准。</p>");
    } else {
        vf_status_words(c->status, &word, &cls);
        rc = banner(b, cls, word, "证书状态");
    }
    if (rc == 0)
        rc = details(v, c, b);
    if (rc == 0)
        rc = jp_buf_printf(b, "<div class=\"s sok\">✓ %s</div>", signature_words(qr->verdict));
    if (rc == 0 && token != NULL)
        rc = jp_buf_puts(b, "<div style=\"margin:0 12px\">");
    if (rc == 0 && token != NULL)
        rc = vf_holder_form(b, c->certificate_no, token);
    if (rc == 0 && token != NULL)
        rc = jp_buf_puts(b, "</div>");
    return rc;
}

int vf_page_render(const struct verifier *v, const char *certno, const struct verifier_qr *qr,
                   const struct store_cert *cert, const char *csrf_token, struct jp_buf *out)
{
    int rc;

    rc = jp_buf_puts(out, page_head);
    if (rc == 0)
        rc = page_body(v, certno, qr, cert, csrf_token, out);
    if (rc == 0)
        rc = jp_buf_puts(out, page_tail);
    return rc;
}
