/*
 * names.c - the keys module's words: error messages completed with OpenSSL's
 * reason, the names of its codes, key states and token verdicts, and the rule
 * for text it signs or publishes (valid UTF-8, no control characters).
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

const char *keys_strerror(int rc)
{
    switch (rc) {
    case 0:
        return "success";
    case KEYS_E_INVAL:
        return "invalid argument";
    case KEYS_E_NOT_EMPTY:
        return "key directory exists and is not empty";
    case KEYS_E_STATE:
        return "key directory state is missing or corrupt";
    case KEYS_E_CRYPTO:
        return "cryptographic operation failed";
    case KEYS_E_PASSPHRASE_NEEDED:
        return "private keys are encrypted and no passphrase was given";
    case KEYS_E_BAD_PASSPHRASE:
        return "passphrase does not decrypt the private key";
    case KEYS_E_NO_PRIVATE_KEY:
        return "keys opened public-only have no private key";
    case KEYS_E_NO_ROOT_KEY:
        return "root private key not loaded";
    case KEYS_E_NO_ACTIVE_KEY:
        return "no active signing key";
    case KEYS_E_UNKNOWN_KID:
        return "unknown key id";
    case KEYS_E_TOO_MANY:
        return "too many signing keys";
    case KEYS_E_TRUST:
        return "trust list malformed or its signature fails";
    case KEYS_E_ROOT_MISMATCH:
        return "trust list root is not the expected one";
    case KEYS_E_CLAIMS:
        return "token claims invalid";
    case KEYS_E_TOOSMALL:
        return "output buffer too small";
    default:
        break;
    }
    return rc > 0 ? strerror(rc) : "unknown error";
}

const char *keys_state_name(enum keys_state s)
{
    switch (s) {
    case KEYS_ACTIVE:
        return "active";
    case KEYS_RETIRED:
        return "retired";
    case KEYS_REVOKED:
        return "revoked";
    }
    return "unknown";
}

int keys_state_parse(const char *s, enum keys_state *out)
{
    int rc = 0;

    if (strcmp(s, "active") == 0)
        *out = KEYS_ACTIVE;
    else if (strcmp(s, "retired") == 0)
        *out = KEYS_RETIRED;
    else if (strcmp(s, "revoked") == 0)
        *out = KEYS_REVOKED;
    else
        rc = KEYS_E_INVAL;
    return rc;
}

const char *keys_verdict_name(enum keys_verdict v)
{
    switch (v) {
    case KEYS_TOKEN_GENUINE:
        return "genuine";
    case KEYS_TOKEN_FORGED:
        return "forged";
    case KEYS_TOKEN_UNKNOWN_KEY:
        return "unknown_key";
    case KEYS_TOKEN_REVOKED_KEY:
        return "revoked_key";
    case KEYS_TOKEN_EXPIRED_KEY:
        return "expired_key";
    case KEYS_TOKEN_MALFORMED:
        return "malformed";
    }
    return "malformed";
}
