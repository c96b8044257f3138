/*
 * test_sigtime.c - signed before or after the key was revoked (issue 17,
 * keys/sigtime.c): a QR token's issue date against the revocation's day in
 * China (UTC+8), the revocation time the trust list publishes, and the root's
 * CRL applied to a trust list made before the revocation (and a CRL of
 * another root refused, the trust unchanged). The PDF's time-stamp side runs
 * with real tools in test_longevity.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "keys.h"
#include "keys_lib.h"
#include "tmpdir.h"
#include "util.h"

static char tmp[64];

/* 2026-12-03T17:00:00Z is 2026-12-04 01:00 in China: the day of the revocation is the 4th. */
static void test_days(void)
{
    const int64_t at = 1796317200; /* 2026-12-03T17:00:00Z */

    CHECK_INT(keys_when_day("2026-12-03", at), KEYS_WHEN_BEFORE);
    CHECK_INT(keys_when_day("2026-12-04", at), KEYS_WHEN_UNKNOWN);
    CHECK_INT(keys_when_day("2026-12-05", at), KEYS_WHEN_AFTER);
    CHECK_INT(keys_when_day("2026-12-03", at - 3600 * 2), KEYS_WHEN_UNKNOWN); /* 23:00 China */
    CHECK_INT(keys_when_day("2026-12-03", 0), KEYS_WHEN_UNKNOWN);
    CHECK_INT(keys_when_day("20261203", at), KEYS_WHEN_UNKNOWN);
    CHECK_STR(keys_when_name(KEYS_WHEN_BEFORE), "before_revocation");
    CHECK_STR(keys_when_name(KEYS_WHEN_AFTER), "after_revocation");
}

static void sign(keys_t *k, char token[KEYS_TOKEN_BUFSZ])
{
    struct keys_claims c = {.certificate_no = "440120260100000010",
                            .elicence_version = 1,
                            .position = "01",
                            .issue_date = "2026-01-02",
                            .province = "44",
                            .name_masked = "张*丰",
                            .id_masked = "440103********1236"};
    char err[256] = "";

    CHECK_INT(keys_token_sign(k, &c, token, KEYS_TOKEN_BUFSZ, err, sizeof err), 0);
}

static void test_crl(keys_t *k, keys_t *other)
{
    char token[KEYS_TOKEN_BUFSZ], kid[17] = "", err[256] = "", path[256];
    unsigned char *crl = NULL, *foreign = NULL;
    size_t crllen = 0, flen = 0;
    struct keys_crl_info info;
    keys_trust_t *before = NULL, *after = NULL;
    enum keys_state st = KEYS_ACTIVE;
    int64_t at = -1, t0 = (int64_t)time(NULL);
    struct keys_info list[KEYS_MAX_SIGNING];
    size_t n = 0;

    sign(k, token);
    CHECK_INT(keys_list(k, list, KEYS_MAX_SIGNING, &n), 0);
    if (n > 0)
        memcpy(kid, list[n - 1].kid, sizeof kid);
    CHECK_INT(keys_trust_from_keys(k, &before, err, sizeof err), 0);
    CHECK_INT(keys_token_key(before, token, strlen(token), &st, &at), 0);
    CHECK_INT(st, KEYS_ACTIVE);
    CHECK_INT(keys_token_key(before, "AAAA", 4, &st, &at), KEYS_E_INVAL);
    CHECK_INT(keys_rotate(k, NULL, 0, NULL, err, sizeof err), 0);
    CHECK_INT(jp_path_join(path, sizeof path, tmp, "trust.pem"), 0);
    CHECK_INT(keys_revoke_publish(k, kid, path, err, sizeof err), 0);
    /* The trust list published after the revocation carries its time. */
    CHECK_INT(keys_trust_load(path, NULL, &after, err, sizeof err), 0);
    if (after != NULL) {
        CHECK_INT(keys_token_key(after, token, strlen(token), &st, &at), 0);
        CHECK_INT(st, KEYS_REVOKED);
        CHECK(at >= t0 && at <= (int64_t)time(NULL));
    }
    /* Another root's CRL changes nothing; ours revokes in a trust list made before. */
    CHECK_INT(keys_crl_der(other, 0, &foreign, &flen, err, sizeof err), 0);
    if (before != NULL) {
        CHECK_INT(keys_trust_apply_crl(before, foreign, flen, &info), KEYS_E_TRUST);
        CHECK_INT(keys_token_key(before, token, strlen(token), &st, &at), 0);
        CHECK_INT(st, KEYS_ACTIVE);
        CHECK_INT(keys_crl_der(k, 3, &crl, &crllen, err, sizeof err), 0);
        CHECK_INT(keys_trust_apply_crl(before, crl, crllen, &info), 0);
        CHECK_INT((int)info.nrevoked, 1);
        CHECK(info.next_update - info.this_update == 3 * 86400);
        CHECK_INT(keys_token_key(before, token, strlen(token), &st, &at), 0);
        CHECK_INT(st, KEYS_REVOKED);
        CHECK(at >= t0 - 1 && at <= (int64_t)time(NULL)); /* the CRL's time is whole seconds */
        CHECK_INT(keys_trust_apply_crl(before, crl, crllen / 2, &info), KEYS_E_TRUST);
    }
    keys_free_der(crl);
    keys_free_der(foreign);
    keys_trust_free(before);
    keys_trust_free(after);
}

int main(void)
{
    keys_t *k, *other;

    if (tmpdir_make(tmp, "test_sigtime") != 0)
        return 1;
    test_days();
    k = keys_lib_home(tmp, "home");
    other = keys_lib_home(tmp, "other");
    if (k != NULL && other != NULL)
        test_crl(k, other);
    keys_close(k);
    keys_close(other);
    jp_remove_tree(tmp);
    return CHECK_DONE();
}
