/*
 * names.c - the keys module's words: error messages completed with OpenSSL's
 * reason, the names of its codes, key states, token verdicts and signing
 * times (keys_when), and the rule for text it signs or publishes (valid
 * UTF-8, no control characters).
 */
#include "keys_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/sha.h>

int keys_with_ossl(int rc, char *err, size_t errlen)
{
    unsigned long e = ERR_peek_error();
    char ossl[256];
    size_t used;

    ERR_clear_error();
    if (err == NULL || errlen == 0 || e == 0)
        goto out;
    ERR_error_string_n(e, ossl, sizeof ossl);
    used = strnlen(err, errlen);
    if (used < errlen)
        (void)jp_strf(err + used, errlen - used, ": %s", ossl); /* "" when it does not fit */
out:
    return rc;
}

int keys_text_ok(const char *s, size_t max)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strnlen(s, max + 1), i = 0, step;
    uint32_t cp = 0;
    int ok = n > 0 && n <= max;

    while (ok && i < n) {
        step = jp_utf8_decode(p + i, n - i, &cp);
        ok = step > 0 && cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp <= 0x9f);
        i += step;
    }
    return ok;
}

static const struct jp_err_text keys_errs[] = {
    {KEYS_E_INVAL, "invalid argument"},
    {KEYS_E_NOT_EMPTY, "key directory exists and is not empty"},
    {KEYS_E_STATE, "key directory state is missing or corrupt"},
    {KEYS_E_CRYPTO, "cryptographic operation failed"},
    {KEYS_E_PASSPHRASE_NEEDED, "private keys are encrypted and no passphrase was given"},
    {KEYS_E_BAD_PASSPHRASE, "passphrase does not decrypt the private key"},
    {KEYS_E_NO_PRIVATE_KEY, "keys opened public-only have no private key"},
    {KEYS_E_NO_ROOT_KEY, "root private key not loaded"},
    {KEYS_E_NO_ACTIVE_KEY, "no active signing key"},
    {KEYS_E_UNKNOWN_KID, "unknown key id"},
    {KEYS_E_TOO_MANY, "too many signing keys"},
    {KEYS_E_TRUST, "trust list malformed or its signature fails"},
    {KEYS_E_ROOT_MISMATCH, "trust list root is not the expected one"},
    {KEYS_E_CLAIMS, "token claims invalid"},
    {KEYS_E_TOOSMALL, "output buffer too small"},
    {KEYS_E_TSA, "the time-stamp authority did not answer with a valid time-stamp"},
    {KEYS_E_TOKEN, "PKCS#11 module or token failed"},
};

const char *keys_strerror(int rc)
{
    return jp_err_name(keys_errs, sizeof keys_errs / sizeof keys_errs[0], rc);
}

static const char *const state_names[] = {
    [KEYS_ACTIVE] = "active", [KEYS_RETIRED] = "retired", [KEYS_REVOKED] = "revoked"};

const char *keys_state_name(enum keys_state s)
{
    return (size_t)s < sizeof state_names / sizeof state_names[0] ? state_names[s] : "unknown";
}

int keys_state_parse(const char *s, enum keys_state *out)
{
    int rc = KEYS_E_INVAL;

    for (size_t i = 0; rc != 0 && i < sizeof state_names / sizeof state_names[0]; i++) {
        if (strcmp(s, state_names[i]) == 0) {
            *out = (enum keys_state)i;
            rc = 0;
        }
    }
    return rc;
}

static const char *const verdict_names[] = {
    [KEYS_TOKEN_GENUINE] = "genuine",         [KEYS_TOKEN_FORGED] = "forged",
    [KEYS_TOKEN_UNKNOWN_KEY] = "unknown_key", [KEYS_TOKEN_REVOKED_KEY] = "revoked_key",
    [KEYS_TOKEN_EXPIRED_KEY] = "expired_key", [KEYS_TOKEN_MALFORMED] = "malformed",
};

const char *keys_verdict_name(enum keys_verdict v)
{
    return (size_t)v < sizeof verdict_names / sizeof verdict_names[0] ? verdict_names[v]
                                                                      : "malformed";
}

static const char *const when_names[] = {
    [KEYS_WHEN_NOT_REVOKED] = "not_revoked",
    [KEYS_WHEN_BEFORE] = "before_revocation",
    [KEYS_WHEN_AFTER] = "after_revocation",
    [KEYS_WHEN_UNKNOWN] = "unknown",
};

const char *keys_when_name(enum keys_when w)
{
    return (size_t)w < sizeof when_names / sizeof when_names[0] ? when_names[w] : "unknown";
}
