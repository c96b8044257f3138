/*
 * token.c - the QR token of SPEC §7: a tagged COSE_Sign1 (RFC 9052) with
 * ES256, kid in the protected header and a CBOR map of claims as payload,
 * written as RFC 4648 base32 (upper case, no padding). docs/qr-format.md gives
 * the exact bytes.
 *
 * The encoder writes exactly one shape, in preferred (shortest) form. The
 * decoder accepts exactly that shape and nothing else: definite lengths only,
 * shortest-form heads only, every length checked against the bytes that
 * remain before anything is read, claim keys 1..7 each once in ascending
 * order, no trailing bytes. It never allocates and never recurses (the shape
 * has a fixed nesting depth of two: the envelope array and the claims map
 * inside the payload byte string).
 */
#include "keys_int.h"

#include <string.h>

#include "util.h"

#define COSE_MAX ((KEYS_TOKEN_MAX * 5) / 8) /* bytes a KEYS_TOKEN_MAX token decodes to */
#define PROTECTED_LEN 13                    /* A2 01 26 04 48 <kid 8> */
#define SIG_LEN 64                          /* ES256 raw r||s */
#define NCLAIMS 7

enum claim_key {
    CLAIM_CERT_NO = 1,    /* text, 18 chars */
    CLAIM_VERSION = 2,    /* uint 1..999 */
    CLAIM_POSITION = 3,   /* uint 1..99 */
    CLAIM_ISSUE_DATE = 4, /* uint YYYYMMDD */
    CLAIM_PROVINCE = 5,   /* uint 11..99 */
    CLAIM_NAME = 6,       /* text, masked name */
    CLAIM_ID = 7,         /* text, masked document number */
};

/* --- CBOR writer ------------------------------------------------------------ */

struct cbor_w {
    unsigned char *p; /* not owned */
    size_t cap;       /* bytes in p */
    size_t len;       /* bytes written */
    int overflow;     /* set when a write did not fit */
};

static void w_raw(struct cbor_w *w, const void *p, size_t n)
{
    if (w->overflow || n > w->cap - w->len) {
        w->overflow = 1;
        return;
    }
    memcpy(w->p + w->len, p, n);
    w->len += n;
}

/* A head in preferred serialisation (RFC 8949 §4.2.1). */
static void w_head(struct cbor_w *w, unsigned major, uint64_t v)
{
    unsigned char b[9];
    size_t n, i;

    if (v < 24) {
        b[0] = (unsigned char)(major << 5 | v);
        n = 0;
    } else if (v <= 0xff) {
        b[0] = (unsigned char)(major << 5 | 24);
        n = 1;
    } else if (v <= 0xffff) {
        b[0] = (unsigned char)(major << 5 | 25);
        n = 2;
    } else if (v <= 0xffffffffu) {
        b[0] = (unsigned char)(major << 5 | 26);
        n = 4;
    } else {
        b[0] = (unsigned char)(major << 5 | 27);
        n = 8;
    }
    for (i = 0; i < n; i++)
        b[1 + i] = (unsigned char)(v >> (8 * (n - 1 - i)));
    w_raw(w, b, n + 1);
}

static void w_bytes(struct cbor_w *w, unsigned major, const void *p, size_t n)
{
    w_head(w, major, n);
    w_raw(w, p, n);
}

/* --- CBOR reader ------------------------------------------------------------ */

struct cbor_r {
    const unsigned char *p; /* not owned */
    size_t len;             /* bytes in p */
    size_t pos;             /* next byte */
};

/* Reads a head of the given major type in shortest form. 0 or -1. */
static int r_head(struct cbor_r *r, unsigned major, uint64_t *v)
{
    unsigned ai;
    size_t n, i;

    if (r->pos >= r->len || (unsigned)(r->p[r->pos] >> 5) != major)
        return -1;
    ai = r->p[r->pos++] & 31;
    if (ai < 24) {
        *v = ai;
        return 0;
    }
    if (ai > 27)
        return -1; /* reserved or indefinite length */
    n = (size_t)1 << (ai - 24);
    if (n > r->len - r->pos)
        return -1;
    *v = 0;
    for (i = 0; i < n; i++)
        *v = (*v << 8) | r->p[r->pos++];
    if ((ai == 24 && *v < 24) || (ai == 25 && *v <= 0xff) || (ai == 26 && *v <= 0xffff) ||
        (ai == 27 && *v <= 0xffffffffu))
        return -1; /* not the shortest form */
    return 0;
}

/* Reads a byte or text string without copying; the length is checked first. */
static int r_bytes(struct cbor_r *r, unsigned major, const unsigned char **p, size_t *n)
{
    uint64_t v;

    if (r_head(r, major, &v) != 0 || v > r->len - r->pos)
        return -1;
    *p = r->p + r->pos;
    *n = (size_t)v;
    r->pos += (size_t)v;
    return 0;
}

static int r_uint(struct cbor_r *r, uint64_t min, uint64_t max, uint64_t *v)
{
    if (r_head(r, 0, v) != 0 || *v < min || *v > max)
        return -1;
    return 0;
}

/* --- claims ------------------------------------------------------------------ */

static int leap(unsigned y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int valid_day(unsigned y, unsigned m, unsigned d)
{
    static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (y < 2000 || y > 2099 || m < 1 || m > 12 || d < 1)
        return 0;
    return d <= mdays[m - 1] + (m == 2 && leap(y));
}

static int digits(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
    }
    return 1;
}

/* "YYYY-MM-DD" to YYYYMMDD, 0 when not a valid day. */
static uint32_t date_to_day(const char *s)
{
    unsigned y, m, d;

    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) || !digits(s + 5, 2) ||
        !digits(s + 8, 2))
        return 0;
    y = (unsigned)((s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0'));
    m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
    d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
    return valid_day(y, m, d) ? y * 10000u + m * 100u + d : 0;
}

/* Two digits "lo".."99" to their value, 0 when not. */
static unsigned two_digits(const char *s, unsigned lo)
{
    unsigned v;

    if (strlen(s) != 2 || !digits(s, 2))
        return 0;
    v = (unsigned)((s[0] - '0') * 10 + (s[1] - '0'));
    return v >= lo ? v : 0;
}

static int valid_name(const char *s)
{
    return keys_text_ok(s, KEYS_NAME_MASKED_MAX);
}

static int valid_id(const char *s)
{
    size_t n = strlen(s), i;

    if (n == 0 || n > KEYS_ID_MASKED_MAX)
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              c == '*'))
            return 0;
    }
    return 1;
}

static int valid_cert_no(const char *s)
{
    return strlen(s) == 18 && digits(s, 17) && (digits(s + 17, 1) || s[17] == 'X');
}

/* Checks every claim; names the first bad one in err. */
static int check_claims(const struct keys_claims *c, char *err, size_t errlen)
{
    const char *bad = NULL;

    if (memchr(c->certificate_no, '\0', sizeof c->certificate_no) == NULL ||
        !valid_cert_no(c->certificate_no))
        bad = "certificate_no";
    else if (c->elicence_version < 1 || c->elicence_version > 999)
        bad = "elicence_version";
    else if (memchr(c->position, '\0', sizeof c->position) == NULL ||
             two_digits(c->position, 1) == 0)
        bad = "position";
    else if (memchr(c->issue_date, '\0', sizeof c->issue_date) == NULL ||
             date_to_day(c->issue_date) == 0)
        bad = "issue_date";
    else if (memchr(c->province, '\0', sizeof c->province) == NULL ||
             two_digits(c->province, 11) == 0)
        bad = "province";
    else if (memchr(c->name_masked, '\0', sizeof c->name_masked) == NULL ||
             !valid_name(c->name_masked))
        bad = "name_masked";
    else if (memchr(c->id_masked, '\0', sizeof c->id_masked) == NULL || !valid_id(c->id_masked))
        bad = "id_masked";
    if (bad != NULL) {
        jp_errf(err, errlen, "claims: %s out of range", bad);
        return keys_with_ossl(KEYS_E_CLAIMS, err, errlen);
    }
    return 0;
}

static void encode_claims(struct cbor_w *w, const struct keys_claims *c)
{
    w_head(w, 5, NCLAIMS);
    w_head(w, 0, CLAIM_CERT_NO);
    w_bytes(w, 3, c->certificate_no, strlen(c->certificate_no));
    w_head(w, 0, CLAIM_VERSION);
    w_head(w, 0, c->elicence_version);
    w_head(w, 0, CLAIM_POSITION);
    w_head(w, 0, two_digits(c->position, 1));
    w_head(w, 0, CLAIM_ISSUE_DATE);
    w_head(w, 0, date_to_day(c->issue_date));
    w_head(w, 0, CLAIM_PROVINCE);
    w_head(w, 0, two_digits(c->province, 11));
    w_head(w, 0, CLAIM_NAME);
    w_bytes(w, 3, c->name_masked, strlen(c->name_masked));
    w_head(w, 0, CLAIM_ID);
    w_bytes(w, 3, c->id_masked, strlen(c->id_masked));
}

/* Copies a text string into dst (dstsz bytes with the NUL); -1 if it does not fit or holds NUL. */
static int r_text(struct cbor_r *r, char *dst, size_t dstsz)
{
    const unsigned char *p;
    size_t n;

    if (r_bytes(r, 3, &p, &n) != 0 || n >= dstsz || memchr(p, '\0', n) != NULL)
        return -1;
    memcpy(dst, p, n);
    dst[n] = '\0';
    return 0;
}

/* Reads an unsigned in [lo, hi] (both two-digit) as its two digits into out. */
static int r_two_digits(struct cbor_r *r, uint64_t lo, uint64_t hi, char *out, size_t outsz)
{
    uint64_t v;
    int rc = r_uint(r, lo, hi, &v);

    if (rc == 0)
        rc = jp_strf(out, outsz, "%02u", (unsigned)v % 100);
    return rc;
}

static int decode_claim(struct cbor_r *r, uint64_t key, struct keys_claims *c)
{
    uint64_t v;
    int rc = 0;

    switch (key) {
    case CLAIM_CERT_NO:
        return r_text(r, c->certificate_no, sizeof c->certificate_no);
    case CLAIM_VERSION:
        rc = r_uint(r, 1, 999, &v);
        c->elicence_version = (unsigned)v;
        break;
    case CLAIM_POSITION:
        return r_two_digits(r, 1, 99, c->position, sizeof c->position);
    case CLAIM_ISSUE_DATE:
        rc = r_uint(r, 20000101, 20991231, &v);
        if (rc == 0)
            rc = jp_strf(c->issue_date, sizeof c->issue_date, "%04u-%02u-%02u",
                         (unsigned)(v / 10000) % 10000, (unsigned)(v / 100 % 100),
                         (unsigned)(v % 100));
        break;
    case CLAIM_PROVINCE:
        return r_two_digits(r, 11, 99, c->province, sizeof c->province);
    case CLAIM_NAME:
        return r_text(r, c->name_masked, sizeof c->name_masked);
    case CLAIM_ID:
        return r_text(r, c->id_masked, sizeof c->id_masked);
    default:
        return -1;
    }
    return rc;
}

/* The payload: exactly keys 1..7 in order, each value in range, nothing after. */
static int decode_claims(const unsigned char *p, size_t n, struct keys_claims *c)
{
    struct cbor_r r = {.p = p, .len = n, .pos = 0};
    uint64_t count, key, i;

    memset(c, 0, sizeof *c);
    if (r_head(&r, 5, &count) != 0 || count != NCLAIMS)
        return -1;
    for (i = 1; i <= NCLAIMS; i++) {
        if (r_head(&r, 0, &key) != 0 || key != i || decode_claim(&r, key, c) != 0)
            return -1;
    }
    if (r.pos != r.len || check_claims(c, NULL, 0) != 0)
        return -1;
    return 0;
}

/* --- COSE_Sign1 --------------------------------------------------------------- */

static void encode_protected(struct cbor_w *w, const unsigned char kid[KEYS_KID_LEN])
{
    w_head(w, 5, 2);
    w_head(w, 0, 1); /* alg */
    w_head(w, 1, 6); /* -7: ES256 */
    w_head(w, 0, 4); /* kid */
    w_bytes(w, 2, kid, KEYS_KID_LEN);
}

/* Sig_structure = ["Signature1", protected, h'', payload] (RFC 9052 §4.4). */
static void encode_tbs(struct cbor_w *w, const unsigned char *prot, size_t protlen,
                       const unsigned char *payload, size_t paylen)
{
    w_head(w, 4, 4);
    w_bytes(w, 3, "Signature1", 10);
    w_bytes(w, 2, prot, protlen);
    w_bytes(w, 2, "", 0);
    w_bytes(w, 2, payload, paylen);
}

int keys_token_sign(keys_t *k, const struct keys_claims *claims, char *out, size_t outsz, char *err,
                    size_t errlen)
{
    unsigned char prot[PROTECTED_LEN], payload[COSE_MAX], tbs[COSE_MAX], cose[COSE_MAX];
    unsigned char sig[SIG_LEN];
    struct cbor_w wp = {.p = prot, .cap = sizeof prot}, wl = {.p = payload, .cap = sizeof payload};
    struct cbor_w wt = {.p = tbs, .cap = sizeof tbs}, wc = {.p = cose, .cap = sizeof cose};
    struct keys_entry *e;
    int rc;

    rc = keys_signer(k, "token", &e, err, errlen);
    if (rc != 0)
        return rc;
    rc = check_claims(claims, err, errlen);
    if (rc != 0)
        return rc;
    encode_protected(&wp, e->kid);
    encode_claims(&wl, claims);
    encode_tbs(&wt, prot, wp.len, payload, wl.len);
    if (wp.overflow || wl.overflow || wt.overflow) {
        jp_errf(err, errlen, "token: claims too long");
        return keys_with_ossl(KEYS_E_CLAIMS, err, errlen);
    }
    rc = keys_ecdsa_sign_raw(k->sign_key, tbs, wt.len, sig);
    if (rc != 0) {
        jp_errf(err, errlen, "token: cannot sign");
        return keys_with_ossl(rc, err, errlen);
    }
    w_head(&wc, 6, 18); /* COSE_Sign1_Tagged */
    w_head(&wc, 4, 4);
    w_bytes(&wc, 2, prot, wp.len);
    w_head(&wc, 5, 0);
    w_bytes(&wc, 2, payload, wl.len);
    w_bytes(&wc, 2, sig, sizeof sig);
    if (wc.overflow || (wc.len * 8 + 4) / 5 > KEYS_TOKEN_MAX) {
        jp_errf(err, errlen, "token: claims too long");
        return keys_with_ossl(KEYS_E_CLAIMS, err, errlen);
    }
    rc = jp_base32_encode(cose, wc.len, out, outsz) == 0 ? 0 : KEYS_E_TOOSMALL;
    if (rc != 0) {
        jp_errf(err, errlen, "token: output buffer too small");
        keys_with_ossl(rc, err, errlen);
    }
    return rc;
}

/* The parts of a decoded COSE_Sign1; pointers into the decoded bytes. */
struct sign1 {
    const unsigned char *prot;       /* protected header bstr content */
    size_t protlen;                  /* always PROTECTED_LEN */
    unsigned char kid[KEYS_KID_LEN]; /* from the protected header */
    const unsigned char *payload;    /* claims map bytes */
    size_t paylen;                   /* bytes of payload */
    const unsigned char *sig;        /* SIG_LEN bytes */
};

static int decode_protected(struct sign1 *s)
{
    struct cbor_r r = {.p = s->prot, .len = s->protlen, .pos = 0};
    const unsigned char *kid;
    uint64_t v;
    size_t n;

    if (r_head(&r, 5, &v) != 0 || v != 2 || r_head(&r, 0, &v) != 0 || v != 1 ||
        r_head(&r, 1, &v) != 0 || v != 6 || r_head(&r, 0, &v) != 0 || v != 4 ||
        r_bytes(&r, 2, &kid, &n) != 0 || n != KEYS_KID_LEN || r.pos != r.len)
        return -1;
    memcpy(s->kid, kid, KEYS_KID_LEN);
    return 0;
}

static int decode_sign1(const unsigned char *p, size_t n, struct sign1 *s)
{
    struct cbor_r r = {.p = p, .len = n, .pos = 0};
    size_t siglen;
    uint64_t v;

    if (r_head(&r, 6, &v) != 0 || v != 18 || r_head(&r, 4, &v) != 0 || v != 4 ||
        r_bytes(&r, 2, &s->prot, &s->protlen) != 0 || s->protlen != PROTECTED_LEN ||
        decode_protected(s) != 0 || r_head(&r, 5, &v) != 0 || v != 0 ||
        r_bytes(&r, 2, &s->payload, &s->paylen) != 0 || r_bytes(&r, 2, &s->sig, &siglen) != 0 ||
        siglen != SIG_LEN || r.pos != r.len)
        return -1;
    return 0;
}

static const struct keys_trust_entry *trust_find(const keys_trust_t *t,
                                                 const unsigned char kid[KEYS_KID_LEN])
{
    size_t i;

    for (i = 0; i < t->n; i++) {
        if (memcmp(t->e[i].kid, kid, KEYS_KID_LEN) == 0)
            return &t->e[i];
    }
    return NULL;
}

/* Verdict for a well-formed token (its signature checked when check_sig); -1 when the check
 * could not run. */
static int judge(const keys_trust_t *t, const struct sign1 *s, const struct keys_claims *c,
                 int check_sig, enum keys_verdict *verdict)
{
    const struct keys_trust_entry *te = trust_find(t, s->kid);
    unsigned char tbs[COSE_MAX + 32];
    struct cbor_w wt = {.p = tbs, .cap = sizeof tbs};
    uint32_t day;
    int ok;

    if (te == NULL) {
        *verdict = KEYS_TOKEN_UNKNOWN_KEY;
        return 0;
    }
    if (check_sig) {
        encode_tbs(&wt, s->prot, s->protlen, s->payload, s->paylen);
        if (wt.overflow)
            return -1;
    }
    ok = check_sig ? keys_ecdsa_verify_raw(te->pub, tbs, wt.len, s->sig) : 1;
    if (ok < 0)
        return -1;
    day = date_to_day(c->issue_date);
    if (ok == 0)
        *verdict = KEYS_TOKEN_FORGED;
    else if (te->state == KEYS_REVOKED)
        *verdict = KEYS_TOKEN_REVOKED_KEY;
    else if (day > te->last_day)
        /* Only the end counts: a reissued file keeps its certificate's original
         * issue date but is signed by the key active at reissue, which may be
         * newer than that date. A key past its end must not sign new ones. */
        *verdict = KEYS_TOKEN_EXPIRED_KEY;
    else
        *verdict = KEYS_TOKEN_GENUINE;
    return 0;
}

static int token_check(const keys_trust_t *t, const char *token, size_t len, int check_sig,
                       struct keys_claims *out, enum keys_verdict *verdict)
{
    unsigned char cose[COSE_MAX];
    struct keys_claims c;
    struct sign1 s;
    size_t n;
    int rc = 0;

    *verdict = KEYS_TOKEN_MALFORMED;
    memset(&c, 0, sizeof c);
    if (token == NULL || len == 0 || len > KEYS_TOKEN_MAX ||
        jp_base32_decode(token, len, cose, sizeof cose, &n) != 0 ||
        decode_sign1(cose, n, &s) != 0 || decode_claims(s.payload, s.paylen, &c) != 0)
        goto out;
    if (judge(t, &s, &c, check_sig, verdict) != 0) {
        *verdict = KEYS_TOKEN_MALFORMED;
        rc = KEYS_E_CRYPTO;
    }
out:
    if (out != NULL) {
        if (*verdict == KEYS_TOKEN_MALFORMED)
            memset(&c, 0, sizeof c);
        *out = c;
    }
    return rc;
}

int keys_token_verify(const keys_trust_t *t, const char *token, size_t len, struct keys_claims *out,
                      enum keys_verdict *verdict)
{
    return token_check(t, token, len, 1, out, verdict);
}

int keys_token_judge_ours(const keys_trust_t *t, const char *token, size_t len,
                          struct keys_claims *out, enum keys_verdict *verdict)
{
    return token_check(t, token, len, 0, out, verdict);
}

int keys_token_key(const keys_trust_t *t, const char *token, size_t len, enum keys_state *state,
                   int64_t *revoked_at)
{
    unsigned char cose[COSE_MAX];
    const struct keys_trust_entry *te;
    struct sign1 s;
    size_t n;

    if (token == NULL || len == 0 || len > KEYS_TOKEN_MAX ||
        jp_base32_decode(token, len, cose, sizeof cose, &n) != 0 || decode_sign1(cose, n, &s) != 0)
        return KEYS_E_INVAL;
    te = trust_find(t, s.kid);
    if (te == NULL)
        return KEYS_E_UNKNOWN_KID;
    *state = te->state;
    *revoked_at = te->state == KEYS_REVOKED ? te->revoked_at : 0;
    return 0;
}
