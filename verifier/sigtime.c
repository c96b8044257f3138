/*
 * sigtime.c - the verifier's side of signatures that outlive their keys
 * (issue 17): the root's CRL and the SM2 root's applied to the trust (offline
 * `verify-qr`, `verify-file` and the daemon alike), whether a QR token or a
 * PDF signature was made before its key was revoked, and the words for it,
 * in English for the CLI and in Chinese for the employer's page.
 */
#include "verifier_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "util.h"

typedef int (*crl_apply_fn)(keys_trust_t *t, const unsigned char *der, size_t len,
                            struct keys_crl_info *info);

/* The CRL at path applied to t by apply; whose names the root it must come from, for err. */
static int crl_apply(keys_trust_t *t, const char *path, crl_apply_fn apply, const char *whose,
                     struct verifier_crl *out, char *err, size_t errlen)
{
    struct keys_crl_info info;
    unsigned char *der = NULL;
    size_t len = 0;
    int rc;

    memset(out, 0, sizeof *out);
    rc = jp_read_file(path, KEYS_CRL_MAX, &der, &len);
    if (rc == ENOENT) {
        out->state = VERIFIER_CRL_ABSENT;
        return 0;
    }
    if (rc != 0) {
        jp_errf(err, errlen, "crl %s: cannot read: %s", path,
                rc == EFBIG ? "too large" : strerror(rc));
        out->state = VERIFIER_CRL_INVALID;
        return rc;
    }
    rc = apply(t, der, len, &info);
    free(der);
    if (rc != 0) {
        jp_errf(err, errlen, "crl %s: not a CRL signed by the trust list's %s", path, whose);
        out->state = VERIFIER_CRL_INVALID;
        return rc;
    }
    out->state = VERIFIER_CRL_LOADED;
    out->this_update = info.this_update;
    out->next_update = info.next_update;
    out->nrevoked = info.nrevoked;
    return 0;
}

int verifier_crl_apply(keys_trust_t *t, const char *path, struct verifier_crl *out, char *err,
                       size_t errlen)
{
    return crl_apply(t, path, keys_trust_apply_crl, "root", out, err, errlen);
}

int verifier_sm2_crl_apply(keys_trust_t *t, const char *path, struct verifier_crl *out, char *err,
                           size_t errlen)
{
    return crl_apply(t, path, keys_trust_apply_sm2_crl, "SM2 root", out, err, errlen);
}

const char *verifier_crl_state_name(const struct verifier_crl *c, int64_t now)
{
    if (c->state == VERIFIER_CRL_ABSENT)
        return "absent";
    if (c->state == VERIFIER_CRL_INVALID)
        return "invalid";
    return now > c->next_update ? "stale" : "current";
}

/* YYYY-MM-DD of t in China (UTC+8, the clock of issue dates), or "an unpublished date". */
static void day_text(int64_t t, char out[32])
{
    time_t tt = (time_t)(t + 8 * 3600);
    struct tm tm;

    if (t <= 0 || gmtime_r(&tt, &tm) == NULL || strftime(out, 32, "%Y-%m-%d", &tm) == 0)
        memcpy(out, "an unpublished date", sizeof "an unpublished date");
}

int verifier_when_words(enum keys_when w, int64_t revoked_at, int chinese, char *out, size_t outsz)
{
    char day[32];

    day_text(revoked_at, day);
    switch (w) {
    case KEYS_WHEN_NOT_REVOKED:
        return jp_strf(out, outsz, "%s",
                       chinese ? "签名密钥未被吊销" : "the signing key is not revoked");
    case KEYS_WHEN_BEFORE:
        return chinese
                   ? jp_strf(out, outsz, "在密钥吊销前签署（密钥于 %s 吊销），签名仍然有效", day)
                   : jp_strf(out, outsz,
                             "signed while the key was valid (before it was revoked on %s)", day);
    case KEYS_WHEN_AFTER:
        return chinese ? jp_strf(out, outsz, "在密钥吊销后签署（密钥已于 %s 吊销），不可采信", day)
                       : jp_strf(out, outsz, "signed after the key was revoked (on %s)", day);
    default:
        return chinese
                   ? jp_strf(out, outsz, "签名密钥已于 %s 吊销，无法证明签署时间早于吊销", day)
                   : jp_strf(out, outsz,
                             "the key was revoked on %s and nothing proves the signature is older",
                             day);
    }
}


int vf_file_sig_time(struct verifier *v, const unsigned char *file, size_t len,
                     struct keys_sig_time *out)
{
    unsigned char *der = NULL;
    size_t dlen = 0;
    int have = 0;

    memset(out, 0, sizeof *out);
    if (vf_pdf_sig_der(file, len, &der, &dlen, NULL, NULL) == 0) {
        pthread_rwlock_rdlock(&v->lock);
        have = v->trust != NULL && keys_cms_sig_time(v->trust, der, dlen, out) == 0;
        pthread_rwlock_unlock(&v->lock);
    }
    free(der);
    return have;
}

/* ISO-8601 UTC of t as a new JSON string, or JSON null when t is 0. */
static json_t *iso_or_null(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char s[32];

    if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
        strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return json_null();
    return json_string(s);
}

json_t *vf_sig_time_json(struct verifier *v, const struct keys_sig_time *st)
{
    struct verifier_crl crl;
    char words[256] = "";

    pthread_rwlock_rdlock(&v->lock);
    crl = v->crl;
    pthread_rwlock_unlock(&v->lock);
    if (st->key_known && verifier_when_words(st->when, st->revoked_at, 0, words, sizeof words) != 0)
        words[0] = '\0';
    return json_pack("{s:s, s:o, s:{s:s, s:s, s:o}, s:s, s:s, s:s}", "time_stamp",
                     keys_stamp_name(st->stamp), "signed_at", iso_or_null(st->signed_at),
                     "signing_key", "kid", st->kid, "state",
                     st->key_known ? keys_state_name(st->state) : "unknown", "revoked_at",
                     iso_or_null(st->revoked_at), "revocation", keys_when_name(st->when), "words",
                     words, "crl", verifier_crl_state_name(&crl, (int64_t)time(NULL)));
}

/* "YYYY年M月D日 HH:MM（UTC）" of t. */
static void zh_time(int64_t t, char out[64])
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL ||
        jp_strf(out, 64, "%d年%d月%d日 %02d:%02d（UTC）", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min) != 0)
        memcpy(out, "未知时间", sizeof "未知时间");
}

int vf_sig_time_html(const struct keys_sig_time *st, struct jp_buf *b)
{
    char signed_at[64], revoked[64];

    zh_time(st->signed_at, signed_at);
    zh_time(st->revoked_at, revoked);
    if (st->stamp == KEYS_STAMP_UNTRUSTED)
        return jp_buf_puts(b, "<p class=\"note\">签名时间：文件中的时间戳不是本机关信任的"
                              "时间戳服务签发的，不能证明签署时间。</p>");
    switch (st->when) {
    case KEYS_WHEN_BEFORE:
        return jp_buf_printf(b,
                             "<p class=\"note\">在密钥吊销前签署：可信时间戳证明签署于 %s，"
                             "签名密钥于 %s 才被吊销，签名仍然有效。</p>",
                             signed_at, revoked);
    case KEYS_WHEN_AFTER:
        return jp_buf_printf(b,
                             "<p class=\"note\"><strong>在密钥吊销后签署</strong>：签署于 %s，"
                             "而签名密钥已于 %s 吊销，此签名不可采信。</p>",
                             signed_at, revoked);
    case KEYS_WHEN_UNKNOWN:
        if (st->key_known && st->state == KEYS_REVOKED)
            return jp_buf_printf(b,
                                 "<p class=\"note\">签名密钥已于 %s 吊销，文件中没有可信时间戳"
                                 "证明签署早于吊销。</p>",
                                 revoked);
        return 0;
    default:
        if (st->stamp == KEYS_STAMP_VERIFIED)
            return jp_buf_printf(b, "<p class=\"note\">签名时间：%s（可信时间戳）。</p>",
                                 signed_at);
        return 0;
    }
}
