/*
 * fuzz_ident_holder.c - libFuzzer target for the holder-identity rules of
 * common/ident.h: the citizen ID number (GB 11643), other holder documents,
 * the holder-name rule of SPEC §5 and the public masking of SPEC §8.
 * Input: the first byte selects the document type ("111" or an opaque one),
 * the rest is the text under test. Beyond memory safety it checks that a
 * valid name always masks, that a mask keeps the character count and never
 * holds the unmasked middle, that an ID number's canonical form re-validates,
 * and that no reason quotes the input (it may be personal data).
 */
#include "fuzz_common.h"
#include "ident.h"

#include <string.h>

static const struct ident_date today = {2026, 1, 1};

/* 1 when the reason quotes a run of the input long enough to identify it. */
static int why_quotes(const char *why, const char *s, size_t n)
{
    size_t i, digits = 0;

    for (i = 0; i < n; i++)
        digits += s[i] >= '0' && s[i] <= '9';
    return n >= 10 && digits >= 10 && fz_contains(why, strlen(why), s, n);
}

static void fuzz_id(const char *s, size_t n, const char *type)
{
    char why[IDENT_WHY_SIZE], canon[IDENT_ID_SIZE], again[IDENT_ID_SIZE], mask[IDENT_ID_SIZE];
    size_t i;
    int rc;

    rc = ident_holder_id_parse(type, 3, s, n, &today, canon, sizeof(canon), why, sizeof(why));
    FZ_ASSERT(memchr(why, '\0', sizeof(why)) != NULL);
    if (rc != IDENT_OK) {
        FZ_ASSERT(!why_quotes(why, s, n));
        return;
    }
    FZ_ASSERT(strlen(canon) == n);
    rc = ident_holder_id_parse(type, 3, canon, n, &today, again, sizeof(again), why, sizeof(why));
    FZ_ASSERT(rc == IDENT_OK && strcmp(again, canon) == 0);
    FZ_ASSERT(ident_id_mask(canon, n, mask, sizeof(mask)) == IDENT_OK);
    FZ_ASSERT(strlen(mask) == n);
    for (i = 0; i < n; i++) {
        int kept = n >= 18 && (i < 6 || i >= n - 4);
        FZ_ASSERT(mask[i] == (kept ? canon[i] : '*'));
    }
}

static size_t utf8_chars(const char *s, size_t n)
{
    size_t i, c = 0;

    for (i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* Lead bytes of 3- and 4-byte UTF-8 sequences: CJK and other non-Latin letters. */
static size_t wide_chars(const char *s, size_t n)
{
    size_t i, c = 0;

    for (i = 0; i < n; i++)
        c += (unsigned char)s[i] >= 0xE0;
    return c;
}

static void fuzz_name(const char *s, size_t n)
{
    char why[IDENT_WHY_SIZE], mask[IDENT_NAME_MAX_BYTES + 1];
    int rc;

    rc = ident_name_check(s, n, why, sizeof(why));
    FZ_ASSERT(memchr(why, '\0', sizeof(why)) != NULL);
    if (rc != IDENT_OK) {
        FZ_ASSERT(wide_chars(s, n) < 2 || !fz_contains(why, strlen(why), s, n));
        FZ_ASSERT(ident_name_mask(s, n, mask, sizeof(mask)) != IDENT_OK);
        return;
    }
    FZ_ASSERT(ident_name_mask(s, n, mask, sizeof(mask)) == IDENT_OK);
    FZ_ASSERT(utf8_chars(mask, strlen(mask)) <= utf8_chars(s, n));
    /* Every valid name masks to something with a star: one character -> "*". */
    FZ_ASSERT(strchr(mask, '*') != NULL);
    FZ_ASSERT(strlen(mask) != n || memcmp(mask, s, n) != 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data + 1;

    if (size < 1)
        return 0;
    fuzz_id(s, size - 1, data[0] & 1 ? IDENT_ID_TYPE_CITIZEN : "414");
    fuzz_name(s, size - 1);
    return 0;
}
