/*
 * fuzz_token.c - libFuzzer target for the QR token check (SPEC §7,
 * docs/qr-format.md): base32, COSE_Sign1 and the CBOR claims, through
 * keys_token_verify() and verifier_qr_check() with the test trust list of
 * tests/fixtures/keys/.
 *
 * Input: the first byte picks the form. Odd: the rest is the token text as
 * it would stand in a URL (exercises the base32 decoder). Even: the rest is
 * raw COSE bytes that the harness base32-encodes (so mutations reach the CBOR
 * decoder). Beyond memory safety it checks that a verdict is always reached,
 * that claims come back NUL-terminated, that the URL form and the bare form
 * agree, and that genuine claims re-signed with the fixture key verify again
 * to the same claims.
 */
#include "fuzz_common.h"
#include "ident.h"
#include "keys.h"
#include "util.h"
#include "verifier.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static keys_trust_t *trust;
static keys_t *signer;

static void load_fixture(void)
{
    unsigned char pin[32];
    unsigned char *hex = NULL;
    size_t len = 0;
    char err[256];

    if (jp_read_file(JP_SOURCE_DIR "/tests/fixtures/keys/root.sha256", 128, &hex, &len) != 0 ||
        len < 64 || jp_hex_decode((const char *)hex, pin, sizeof(pin)) != 0)
        fz_fail("cannot read tests/fixtures/keys/root.sha256");
    free(hex);
    if (keys_trust_load(JP_SOURCE_DIR "/tests/fixtures/keys/trust.pem", pin, &trust, err,
                        sizeof(err)) != 0)
        fz_fail("cannot load tests/fixtures/keys/trust.pem");
    if (keys_open(JP_SOURCE_DIR "/tests/fixtures/keys/home", 0, NULL, 0, &signer, err,
                  sizeof(err)) != 0)
        fz_fail("cannot open tests/fixtures/keys/home");
}

static void unload_fixture(void)
{
    keys_trust_free(trust);
    keys_close(signer);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    load_fixture();
    atexit(unload_fixture);
    return 0;
}

static void check_claims(const struct keys_claims *c)
{
    FZ_ASSERT(memchr(c->certificate_no, '\0', sizeof(c->certificate_no)) != NULL);
    FZ_ASSERT(memchr(c->position, '\0', sizeof(c->position)) != NULL);
    FZ_ASSERT(memchr(c->issue_date, '\0', sizeof(c->issue_date)) != NULL);
    FZ_ASSERT(memchr(c->province, '\0', sizeof(c->province)) != NULL);
    FZ_ASSERT(memchr(c->name_masked, '\0', sizeof(c->name_masked)) != NULL);
    FZ_ASSERT(memchr(c->id_masked, '\0', sizeof(c->id_masked)) != NULL);
}

/* Genuine claims must survive a round trip through keys_token_sign. */
static void resign(const struct keys_claims *c)
{
    char tok[KEYS_TOKEN_BUFSZ], err[256];
    struct keys_claims back;
    enum keys_verdict v;

    FZ_ASSERT(keys_token_sign(signer, c, tok, sizeof(tok), err, sizeof(err)) == 0);
    FZ_ASSERT(keys_token_verify(trust, tok, strlen(tok), &back, &v) == 0);
    FZ_ASSERT(v == KEYS_TOKEN_GENUINE && memcmp(&back, c, sizeof(back)) == 0);
}

static void check_url_form(const char *tok, size_t n, enum keys_verdict v,
                           const struct keys_claims *c)
{
    static char url[2 * KEYS_TOKEN_BUFSZ + 64];
    struct verifier_qr qr;
    int w;

    /* verifier_qr_check trims trailing white space and splits at '/'. */
    if (n == 0 || memchr(tok, '/', n) != NULL || strchr("\r\n ", tok[n - 1]) != NULL)
        return;
    FZ_ASSERT(verifier_qr_check(trust, tok, n, &qr) == 0);
    FZ_ASSERT((int)qr.verdict == (int)v);
    /* A URL whose number fails its check is malformed before the token is read. */
    if (v == KEYS_TOKEN_MALFORMED ||
        ident_certno_parse(c->certificate_no, strlen(c->certificate_no), NULL, NULL, 0) != 0)
        return;
    w = snprintf(url, sizeof(url), "HTTPS://JP.EXAMPLE/V/%s/%.*s", c->certificate_no, (int)n, tok);
    FZ_ASSERT(w > 0 && (size_t)w < sizeof(url));
    FZ_ASSERT(verifier_qr_check(trust, url, (size_t)w, &qr) == 0);
    FZ_ASSERT((int)qr.verdict == (int)v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char text[JP_BASE32_LEN(2 * KEYS_TOKEN_BUFSZ)];
    struct keys_claims c;
    enum keys_verdict v = KEYS_TOKEN_MALFORMED;
    const char *tok;
    size_t n;

    if (size < 1 || size > 2 * KEYS_TOKEN_BUFSZ)
        return 0;
    if (data[0] & 1) {
        tok = (const char *)data + 1;
        n = size - 1;
    } else {
        FZ_ASSERT(jp_base32_encode(data + 1, size - 1, text, sizeof(text)) == 0);
        tok = text;
        n = strlen(text);
    }
    FZ_ASSERT(keys_token_verify(trust, tok, n, &c, &v) == 0);
    FZ_ASSERT(v >= KEYS_TOKEN_GENUINE && v <= KEYS_TOKEN_MALFORMED);
    check_claims(&c);
    check_url_form(tok, n, v, &c);
    if (v == KEYS_TOKEN_GENUINE)
        resign(&c);
    return 0;
}
