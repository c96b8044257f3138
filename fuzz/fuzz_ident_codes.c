/*
 * fuzz_ident_codes.c - libFuzzer target for the identifier rules of
 * common/ident.h: the certificate number (SPEC §3.1), the e-licence
 * identifier (SPEC §3.2), the GB 32100 credit code and dates. The input is
 * handed to each parser as (bytes, length). Beyond memory safety it checks
 * that whatever parses is rebuilt byte for byte from its parts by the
 * matching make function, and that every reason fits and is NUL-terminated.
 */
#include "fuzz_common.h"
#include "ident.h"

#include <string.h>

static void check_why(const char *why)
{
    FZ_ASSERT(memchr(why, '\0', IDENT_WHY_SIZE) != NULL);
}

/* 1 when a parser's rc is IDENT_OK; its reason must fit either way. */
static int parsed(int rc, const char *why)
{
    check_why(why);
    return rc == IDENT_OK;
}

/* The make function (its rc) wrote again, which must be the parsed input s[0..n-1]. */
static void check_rebuilt(int rc, const char *again, const char *s, size_t n)
{
    FZ_ASSERT(rc == IDENT_OK);
    FZ_ASSERT(strlen(again) == n && memcmp(again, s, n) == 0);
}

static void fuzz_certno(const char *s, size_t n)
{
    struct ident_certno c;
    char why[IDENT_WHY_SIZE], again[IDENT_CERTNO_SIZE];

    if (!parsed(ident_certno_parse(s, n, &c, why, sizeof(why)), why))
        return;
    FZ_ASSERT(n == IDENT_CERTNO_LEN && memcmp(c.text, s, n) == 0);
    check_rebuilt(ident_certno_make(c.province, c.city, c.year, c.position, c.serial, again,
                                    sizeof(again), why, sizeof(why)),
                  again, c.text, strlen(c.text));
    FZ_ASSERT(ident_mod11_2(s) == c.check);
}

static void fuzz_elicence(const char *s, size_t n)
{
    struct ident_elicence e;
    char why[IDENT_WHY_SIZE], again[IDENT_ELIC_SIZE];

    if (!parsed(ident_elicence_parse(s, n, &e, why, sizeof(why)), why))
        return;
    FZ_ASSERT(n <= IDENT_ELIC_MAX_LEN);
    check_rebuilt(ident_elicence_make(e.type_code, e.issuer, e.serial, e.version, again,
                                      sizeof(again), why, sizeof(why)),
                  again, s, n);
}

static void fuzz_date(const char *s, size_t n)
{
    struct ident_date d;
    char why[IDENT_WHY_SIZE], again[IDENT_DATE_SIZE];

    if (!parsed(ident_date_parse(s, n, &d, why, sizeof(why)), why))
        return;
    FZ_ASSERT(ident_date_valid(&d));
    FZ_ASSERT(n == 10);
    check_rebuilt(ident_date_format(&d, again, sizeof(again)), again, s, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    char why[4];

    fuzz_certno(s, size);
    fuzz_elicence(s, size);
    fuzz_date(s, size);
    /* A short reason buffer must still come back NUL-terminated. */
    ident_uscc_check(s, size, why, sizeof(why));
    FZ_ASSERT(memchr(why, '\0', sizeof(why)) != NULL);
    return 0;
}
