/*
 * test_keys_token.c - the QR token as an employer's scan would meet it: a
 * genuine token verifies with its claims; an altered claim, a foreign key, a
 * revoked or expired key and every truncation or piece of garbage get the
 * right verdict and never a crash; the checked-in fixtures (a known-good and
 * a forged token with their trust list) keep their verdicts.
 *
 * `test_keys_token --make-fixture DIR` writes a new fixture set into DIR (an
 * empty or missing directory); the test itself only reads the one in
 * tests/fixtures/keys/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "keys.h"
#include "keys_lib.h"
#include "tmpdir.h"
#include "util.h"

#define FIXTURE_DIR JP_SOURCE_DIR "/tests/fixtures/keys"

static char tmp[64];

/* --- base32, written independently of the module --------------------------- */

static size_t b32enc(const unsigned char *p, size_t n, char *out)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    size_t i, bit, o = 0;

    for (bit = 0; bit < n * 8; bit += 5) {
        unsigned v = 0;
        for (i = 0; i < 5; i++) {
            size_t b = bit + i;
            v = (v << 1) | (b < n * 8 ? (p[b / 8] >> (7 - b % 8)) & 1u : 0u);
        }
        out[o++] = a[v];
    }
    out[o] = '\0';
    return o;
}

static size_t b32dec(const char *s, unsigned char *out)
{
    size_t n = strlen(s), bit = 0, i;

    memset(out, 0, n * 5 / 8 + 1);
    for (i = 0; i < n; i++) {
        const char *q = strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", s[i]);
        unsigned v = q != NULL ? (unsigned)(q - "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") : 0;
        int j;
        for (j = 4; j >= 0; j--, bit++) {
            if (bit / 8 < n * 5 / 8 && ((v >> j) & 1u))
                out[bit / 8] |= (unsigned char)(0x80 >> (bit % 8));
        }
    }
    return n * 5 / 8;
}

/* --- helpers ----------------------------------------------------------------- */

static struct keys_claims sample(const char *issue_date)
{
    struct keys_claims c = {.certificate_no = "440120260100000010",
                            .elicence_version = 1,
                            .position = "01",
                            .province = "44",
                            .name_masked = "张*丰",
                            .id_masked = "440103********1236"};
    snprintf(c.issue_date, sizeof c.issue_date, "%s", issue_date);
    return c;
}

static enum keys_verdict verdict_of(const keys_trust_t *t, const char *token)
{
    enum keys_verdict v = KEYS_TOKEN_GENUINE;
    struct keys_claims c;

    CHECK_INT(keys_token_verify(t, token, strlen(token), &c, &v), 0);
    return v;
}

/* Re-encodes token with byte i of its COSE bytes set to value. */
static void patch(const char *token, size_t i, unsigned char value, char *out)
{
    unsigned char cose[KEYS_TOKEN_MAX];
    size_t n = b32dec(token, cose);

    if (i < n)
        cose[i] = value;
    b32enc(cose, n, out);
}

static keys_t *make_home(const char *name, keys_trust_t **trust)
{
    char err[256] = "";
    keys_t *k = keys_lib_home(tmp, name);

    if (k != NULL && trust != NULL)
        CHECK_INT(keys_trust_from_keys(k, trust, err, sizeof err), 0);
    return k;
}

/* The UTC day on which k's active certificate starts, as YYYY-MM-DD. */
static void first_day(keys_t *k, char out[11])
{
    struct keys_info info[KEYS_MAX_SIGNING];
    size_t n = 0;

    CHECK_INT(keys_list(k, info, KEYS_MAX_SIGNING, &n), 0);
    snprintf(out, 11, "%.10s", n > 0 ? info[n - 1].not_before : "2000-01-01");
}

/* --- tests ------------------------------------------------------------------- */

static void test_round_trip(keys_t *k, const keys_trust_t *t, const char *today)
{
    struct keys_claims c = sample(today), got;
    char token[KEYS_TOKEN_BUFSZ], err[256] = "";
    enum keys_verdict v = KEYS_TOKEN_MALFORMED;
    size_t i;

    CHECK_INT(keys_token_sign(k, &c, token, sizeof token, err, sizeof err), 0);
    CHECK(strlen(token) > 100 && strlen(token) < 400);
    for (i = 0; token[i] != '\0'; i++)
        CHECK(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", token[i]) != NULL);
    CHECK_INT(keys_token_verify(t, token, strlen(token), &got, &v), 0);
    CHECK_STR(keys_verdict_name(v), "genuine");
    CHECK_STR(got.certificate_no, c.certificate_no);
    CHECK_INT(got.elicence_version, 1);
    CHECK_STR(got.position, "01");
    CHECK_STR(got.issue_date, today);
    CHECK_STR(got.province, "44");
    CHECK_STR(got.name_masked, "张*丰");
    CHECK_STR(got.id_masked, "440103********1236");
    /* Lower case (some scanners fold case) still verifies. */
    for (i = 0; token[i] != '\0'; i++)
        token[i] = (char)(token[i] >= 'A' && token[i] <= 'Z' ? token[i] + 32 : token[i]);
    CHECK_INT(verdict_of(t, token), KEYS_TOKEN_GENUINE);

    c.position[0] = 'x';
    CHECK_INT(keys_token_sign(k, &c, token, sizeof token, err, sizeof err), KEYS_E_CLAIMS);
    CHECK(strstr(err, "position") != NULL);
    c = sample("2023-02-29");
    CHECK_INT(keys_token_sign(k, &c, token, sizeof token, err, sizeof err), KEYS_E_CLAIMS);
    c = sample(today);
    snprintf(c.name_masked, sizeof c.name_masked, "A\tB");
    CHECK_INT(keys_token_sign(k, &c, token, sizeof token, err, sizeof err), KEYS_E_CLAIMS);
    c = sample(today);
    CHECK_INT(keys_token_sign(k, &c, token, 20, err, sizeof err), KEYS_E_TOOSMALL);
    /* The longest name (64 x U+20BB7, 256 bytes) and ID still make a token that verifies. */
    for (i = 0; i < 64; i++)
        memcpy(c.name_masked + 4 * i, "\xf0\xa0\xae\xb7", 4);
    c.name_masked[256] = '\0';
    memset(c.id_masked, '*', KEYS_ID_MASKED_MAX);
    c.id_masked[KEYS_ID_MASKED_MAX] = '\0';
    CHECK_INT(keys_token_sign(k, &c, token, sizeof token, err, sizeof err), 0);
    CHECK(strlen(token) <= KEYS_TOKEN_MAX);
    CHECK_INT(keys_token_verify(t, token, strlen(token), &got, &v), 0);
    CHECK_INT(v, KEYS_TOKEN_GENUINE);
    CHECK_STR(got.name_masked, c.name_masked);
    /* An overlong UTF-8 form of '/' is refused. */
    memcpy(c.name_masked, "\xc0\xaf", 3);
    CHECK_INT(keys_token_sign(k, &c, token, sizeof token, err, sizeof err), KEYS_E_CLAIMS);
}

/*
 * COSE layout of our tokens: D2 84 4D <13 protected> A0 58 <len> <payload> 58 40 <sig>;
 * protected = A2 01 26 04 48 <kid 8>, so the kid is at 8..15 and the payload starts at 19
 * with A7 01 72 <18 digits of the certificate number> 02 ...
 */
#define KID_AT 8
#define PAYLOAD_AT 19
#define CERTNO_AT (PAYLOAD_AT + 3)
#define KEY2_AT (CERTNO_AT + 18)

static void test_altered(keys_t *k, const keys_trust_t *t, const char *today)
{
    struct keys_claims c = sample(today);
    char token[KEYS_TOKEN_BUFSZ], other[KEYS_TOKEN_BUFSZ], err[256] = "";
    unsigned char cose[KEYS_TOKEN_MAX];
    size_t n, i;
    int genuine = 0;

    CHECK_INT(keys_token_sign(k, &c, token, sizeof token, err, sizeof err), 0);
    n = b32dec(token, cose);
    CHECK(cose[0] == 0xd2 && cose[PAYLOAD_AT] == 0xa7);
    CHECK(memcmp(cose + CERTNO_AT, "440120260100000010", 18) == 0);
    CHECK_INT(cose[KEY2_AT], 2);

    /* One claim changed, the old signature kept: forged. */
    patch(token, CERTNO_AT + 16, '4', other);
    CHECK_STR(keys_verdict_name(verdict_of(t, other)), "forged");
    patch(token, n - 1, cose[n - 1] ^ 1, other);
    CHECK_INT(verdict_of(t, other), KEYS_TOKEN_FORGED);
    /* A kid nobody published: unknown_key. */
    patch(token, KID_AT, cose[KID_AT] ^ 0xff, other);
    CHECK_STR(keys_verdict_name(verdict_of(t, other)), "unknown_key");
    /* Claim key 2 turned into a duplicate 1, or an unknown 8: malformed, not forged. */
    patch(token, KEY2_AT, 1, other);
    CHECK_INT(verdict_of(t, other), KEYS_TOKEN_MALFORMED);
    patch(token, KEY2_AT, 8, other);
    CHECK_INT(verdict_of(t, other), KEYS_TOKEN_MALFORMED);
    /* Claims 2 and 3 swapped (both uint 1): same content, wrong order: malformed. */
    CHECK(cose[KEY2_AT + 1] == 1 && cose[KEY2_AT + 2] == 3 && cose[KEY2_AT + 3] == 1);
    cose[KEY2_AT] = 3;
    cose[KEY2_AT + 2] = 2;
    b32enc(cose, n, other);
    CHECK_INT(verdict_of(t, other), KEYS_TOKEN_MALFORMED);
    cose[KEY2_AT] = 2;
    cose[KEY2_AT + 2] = 3;
    /* No single-byte change anywhere ever yields genuine. */
    for (i = 0; i < n; i++) {
        unsigned x;
        for (x = 1; x < 256; x <<= 1) {
            patch(token, i, (unsigned char)(cose[i] ^ x), other);
            genuine += verdict_of(t, other) == KEYS_TOKEN_GENUINE;
        }
    }
    CHECK_INT(genuine, 0);
    /* A trailing byte: malformed. */
    cose[n] = 0;
    b32enc(cose, n + 1, other);
    CHECK_INT(verdict_of(t, other), KEYS_TOKEN_MALFORMED);
}

static void test_truncation_and_garbage(keys_t *k, const keys_trust_t *t, const char *today)
{
    struct keys_claims c = sample(today), got;
    char token[KEYS_TOKEN_BUFSZ], other[KEYS_TOKEN_MAX + 64], err[256] = "";
    unsigned char cose[KEYS_TOKEN_MAX];
    enum keys_verdict v;
    size_t len, n, i, j, bad = 0;
    unsigned seed = 12345;

    CHECK_INT(keys_token_sign(k, &c, token, sizeof token, err, sizeof err), 0);
    len = strlen(token);
    for (i = 0; i < len; i++) {
        v = KEYS_TOKEN_GENUINE;
        CHECK_INT(keys_token_verify(t, token, i, &got, &v), 0);
        bad += v != KEYS_TOKEN_MALFORMED;
    }
    n = b32dec(token, cose);
    for (i = 0; i < n; i++) {
        b32enc(cose, i, other);
        bad += verdict_of(t, other) != KEYS_TOKEN_MALFORMED;
    }
    CHECK_INT(bad, 0);
    CHECK(got.certificate_no[0] == '\0'); /* claims are zeroed for malformed tokens */

    for (i = 0; i < 3000; i++) {
        seed = seed * 1103515245u + 12345u;
        len = (seed >> 8) % (KEYS_TOKEN_MAX + 40);
        for (j = 0; j < len; j++) {
            seed = seed * 1103515245u + 12345u;
            other[j] = i % 2 == 0 ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[(seed >> 16) % 32]
                                  : (char)(seed >> 16);
        }
        v = KEYS_TOKEN_GENUINE;
        CHECK_INT(keys_token_verify(t, other, len, NULL, &v), 0);
        bad += v != KEYS_TOKEN_MALFORMED;
    }
    /* Random bytes after a valid envelope head and protected header. */
    n = b32dec(token, cose);
    for (i = 0; i < 2000; i++) {
        for (j = PAYLOAD_AT; j < n; j++) {
            seed = seed * 1103515245u + 12345u;
            cose[j] = (unsigned char)(seed >> 16);
        }
        b32enc(cose, PAYLOAD_AT + i % (n - PAYLOAD_AT), other);
        bad += verdict_of(t, other) == KEYS_TOKEN_GENUINE;
    }
    CHECK_INT(bad, 0);
    memset(other, 'A', KEYS_TOKEN_MAX + 8);
    CHECK_INT(keys_token_verify(t, other, KEYS_TOKEN_MAX + 8, NULL, &v), 0);
    CHECK_INT(v, KEYS_TOKEN_MALFORMED);
    CHECK_INT(keys_token_verify(t, NULL, 0, NULL, &v), 0);
    CHECK_INT(v, KEYS_TOKEN_MALFORMED);
}

static void test_keys_lifecycle(keys_t *k, const char *today)
{
    struct keys_claims c = sample(today);
    char before[KEYS_TOKEN_BUFSZ], after[KEYS_TOKEN_BUFSZ], old[KEYS_TOKEN_BUFSZ];
    char late[KEYS_TOKEN_BUFSZ];
    char err[256] = "", kid[17], first[17];
    struct keys_info info[KEYS_MAX_SIGNING];
    keys_trust_t *t = NULL, *foreign = NULL;
    keys_t *other;
    size_t n = 0;

    CHECK_INT(keys_list(k, info, KEYS_MAX_SIGNING, &n), 0);
    memcpy(first, info[n - 1].kid, sizeof first);
    CHECK_INT(keys_token_sign(k, &c, before, sizeof before, err, sizeof err), 0);
    c = sample("2020-01-01"); /* before the key existed: a reissued old certificate */
    CHECK_INT(keys_token_sign(k, &c, old, sizeof old, err, sizeof err), 0);
    c = sample("2099-01-01"); /* after the signing certificate's end */
    CHECK_INT(keys_token_sign(k, &c, late, sizeof late, err, sizeof err), 0);
    CHECK_INT(keys_rotate(k, NULL, 0, kid, err, sizeof err), 0);
    c = sample(today);
    CHECK_INT(keys_token_sign(k, &c, after, sizeof after, err, sizeof err), 0);
    CHECK_INT(keys_trust_from_keys(k, &t, err, sizeof err), 0);
    CHECK_INT(verdict_of(t, before), KEYS_TOKEN_GENUINE);
    CHECK_INT(verdict_of(t, after), KEYS_TOKEN_GENUINE);
    CHECK_STR(keys_verdict_name(verdict_of(t, old)), "genuine");
    CHECK_STR(keys_verdict_name(verdict_of(t, late)), "expired_key");
    keys_trust_free(t);
    t = NULL;

    /* A token from another authority's keys is unknown here. */
    other = make_home("other", &foreign);
    CHECK_INT(verdict_of(foreign, before), KEYS_TOKEN_UNKNOWN_KEY);
    keys_trust_free(foreign);
    keys_close(other);

    CHECK_INT(keys_revoke_kid(k, first, err, sizeof err), 0);
    CHECK_INT(keys_trust_from_keys(k, &t, err, sizeof err), 0);
    CHECK_STR(keys_verdict_name(verdict_of(t, before)), "revoked_key");
    CHECK_INT(verdict_of(t, after), KEYS_TOKEN_GENUINE);
    keys_trust_free(t);
    t = NULL;

    /* The same through an exported, reloaded trust list. */
    CHECK_INT(jp_path_join(err, sizeof err, tmp, "trust.pem"), 0);
    CHECK_INT(keys_export_trust(k, err, NULL, 0), 0);
    CHECK_INT(keys_trust_load(err, NULL, &t, NULL, 0), 0);
    CHECK_INT(verdict_of(t, before), KEYS_TOKEN_REVOKED_KEY);
    CHECK_INT(verdict_of(t, after), KEYS_TOKEN_GENUINE);
    keys_trust_free(t);
}

static char *read_text(const char *name)
{
    char path[512];
    unsigned char *data = NULL;
    size_t len = 0;

    snprintf(path, sizeof path, "%s/%s", FIXTURE_DIR, name);
    CHECK_INT(jp_read_file(path, 1 << 20, &data, &len), 0);
    while (data != NULL && len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
        data[--len] = '\0';
    return (char *)data;
}

static void test_fixtures(void)
{
    char *token = read_text("token.txt"), *forged = read_text("forged.txt");
    char *hex = read_text("root.sha256");
    char err[256] = "";
    unsigned char md[32];
    struct keys_claims got;
    enum keys_verdict v = KEYS_TOKEN_MALFORMED;
    keys_trust_t *t = NULL;
    keys_t *k = NULL;

    CHECK(hex != NULL && jp_hex_decode(hex, md, 32) == 0);
    CHECK_INT(keys_trust_load(FIXTURE_DIR "/trust.pem", md, &t, err, sizeof err), 0);
    if (t != NULL && token != NULL && forged != NULL) {
        CHECK_INT(keys_token_verify(t, token, strlen(token), &got, &v), 0);
        CHECK_STR(keys_verdict_name(v), "genuine");
        CHECK_STR(got.certificate_no, "440120260100000010");
        CHECK_STR(got.name_masked, "张*丰");
        CHECK_STR(got.id_masked, "440103********1236");
        CHECK_STR(got.issue_date, "2026-11-25");
        CHECK_STR(keys_verdict_name(verdict_of(t, forged)), "forged");
    }
    keys_trust_free(t);
    t = NULL;
    /* The fixture's home, opened public-only, agrees with its trust list. */
    CHECK_INT(keys_open(FIXTURE_DIR "/home", KEYS_PUBLIC_ONLY, NULL, 0, &k, err, sizeof err), 0);
    if (k != NULL)
        CHECK_INT(keys_trust_from_keys(k, &t, err, sizeof err), 0);
    if (t != NULL && token != NULL && forged != NULL) {
        CHECK_INT(verdict_of(t, token), KEYS_TOKEN_GENUINE);
        CHECK_INT(verdict_of(t, forged), KEYS_TOKEN_FORGED);
    }
    keys_trust_free(t);
    keys_close(k);
    free(token);
    free(forged);
    free(hex);
}

/* Writes home/, trust.pem, root.sha256, token.txt and forged.txt into dir. */
static int make_fixture(const char *dir)
{
    struct keys_create_opts o = {.authority = "广东省住房和城乡建设厅（测试）",
                                 .uscc = "11440000006949363J",
                                 .province = "44"};
    char home[512], path[512], err[256] = "", today[11], token[KEYS_TOKEN_BUFSZ];
    char forged[KEYS_TOKEN_BUFSZ], hex[65];
    unsigned char md[32];
    struct keys_claims c;
    keys_trust_t *t = NULL;
    keys_t *k = NULL;
    int rc;

    snprintf(home, sizeof home, "%s/home", dir);
    rc = keys_create(home, &o, err, sizeof err);
    if (rc == 0)
        rc = keys_open(home, KEYS_WITH_ROOT, NULL, 0, &k, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    first_day(k, today);
    c = sample(today);
    snprintf(path, sizeof path, "%s/trust.pem", dir);
    rc = keys_export_trust(k, path, err, sizeof err);
    if (rc == 0)
        rc = keys_token_sign(k, &c, token, sizeof token, err, sizeof err);
    if (rc == 0)
        rc = keys_trust_from_keys(k, &t, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "%s\n", err);
        keys_close(k);
        return 1;
    }
    keys_trust_root_sha256(t, md);
    jp_hex_encode(md, 32, hex);
    patch(token, CERTNO_AT + 16, '4', forged); /* ...0000010 -> ...0000040 */
    snprintf(path, sizeof path, "%s/token.txt", dir);
    jp_write_file_excl(path, token, strlen(token), 0644);
    snprintf(path, sizeof path, "%s/forged.txt", dir);
    jp_write_file_excl(path, forged, strlen(forged), 0644);
    snprintf(path, sizeof path, "%s/root.sha256", dir);
    jp_write_file_excl(path, hex, 64, 0644);
    printf("fixture issue date %s\n", today);
    keys_trust_free(t);
    keys_close(k);
    return 0;
}

int main(int argc, char **argv)
{
    keys_trust_t *t = NULL;
    char today[11];
    keys_t *k;

    if (argc == 3 && strcmp(argv[1], "--make-fixture") == 0)
        return make_fixture(argv[2]);
    if (tmpdir_make(tmp, "test_keys_token") != 0)
        return 1;
    k = make_home("home", &t);
    if (k != NULL && t != NULL) {
        first_day(k, today);
        test_round_trip(k, t, today);
        test_altered(k, t, today);
        test_truncation_and_garbage(k, t, today);
        test_keys_lifecycle(k, today);
    }
    keys_trust_free(t);
    keys_close(k);
    test_fixtures();
    jp_remove_tree(tmp);
    return CHECK_DONE();
}
