/*
 * holder.c - the holder check's comparison (pages.h): a name typed by an
 * employer against the name on record, after Unicode NFC (ICU), which also
 * maps the CJK compatibility ideographs U+F900-U+FAFF to their unified twins
 * (their canonical decompositions), so a name typed with 﨑 matches 崎; and
 * an ID number whose check character x matches X. Constant time over
 * fixed-size buffers, so the answer's timing tells nothing about how much
 * matched.
 */
#include "pages.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <string.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#define U16_MAX 512 /* UTF-16 units of a name, before and after NFC */

int pages_nfc(const char *s, size_t n, char *out, size_t outsz)
{
    UChar src[U16_MAX], dst[U16_MAX];
    UErrorCode e = U_ZERO_ERROR;
    const UNormalizer2 *nfc = unorm2_getNFCInstance(&e);
    int32_t srclen = 0, dstlen = 0, outlen = 0;

    if (outsz > 0)
        out[0] = '\0';
    if (U_FAILURE(e) || n > (size_t)INT32_MAX || !jp_utf8_valid(s, n))
        return PAGES_E_FORM;
    u_strFromUTF8(src, U16_MAX, &srclen, s, (int32_t)n, &e);
    if (U_SUCCESS(e) && srclen <= U16_MAX)
        dstlen = unorm2_normalize(nfc, src, srclen, dst, U16_MAX, &e);
    if (U_SUCCESS(e) && dstlen <= U16_MAX && outsz <= (size_t)INT32_MAX)
        u_strToUTF8(out, (int32_t)outsz, &outlen, dst, dstlen, &e);
    if (U_FAILURE(e) || e == U_STRING_NOT_TERMINATED_WARNING || srclen > U16_MAX ||
        dstlen > U16_MAX || (size_t)outlen >= outsz) {
        if (outsz > 0)
            out[0] = '\0';
        return e == U_INVALID_CHAR_FOUND ? PAGES_E_FORM : PAGES_E_TOO_BIG;
    }
    return 0;
}

void pages_trim_spaces(const char **s, size_t *n)
{
    while (*n > 0 && (*s)[0] == ' ') {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && (*s)[*n - 1] == ' ')
        (*n)--;
}

/* Copies s without surrounding spaces into a zeroed dst; a final 'x' becomes 'X'. */
static void id_copy(char *dst, size_t dstsz, const char *s, size_t n)
{
    memset(dst, 0, dstsz);
    pages_trim_spaces(&s, &n);
    if (n >= dstsz)
        return;
    memcpy(dst, s, n);
    if (n > 0 && dst[n - 1] == 'x')
        dst[n - 1] = 'X';
}

/* NFC of s without surrounding spaces into a zeroed dst ("" when it fails or does not fit). */
static void name_copy(char *dst, size_t dstsz, const char *s, size_t n)
{
    memset(dst, 0, dstsz);
    pages_trim_spaces(&s, &n);
    if (pages_nfc(s, n, dst, dstsz) != 0)
        memset(dst, 0, dstsz);
}

int pages_holder_match(const char *name, size_t nlen, const char *id, size_t idlen,
                       const char *want_name, const char *want_id)
{
    char gn[PAGES_HOLDER_NAME_MAX], gi[PAGES_HOLDER_ID_MAX], wn[PAGES_HOLDER_NAME_MAX],
        wi[PAGES_HOLDER_ID_MAX];
    int same, ok;

    name_copy(gn, sizeof(gn), name != NULL ? name : "", name != NULL ? nlen : 0);
    id_copy(gi, sizeof(gi), id != NULL ? id : "", id != NULL ? idlen : 0);
    name_copy(wn, sizeof(wn), want_name != NULL ? want_name : "",
              want_name != NULL ? strlen(want_name) : 0);
    id_copy(wi, sizeof(wi), want_id != NULL ? want_id : "", want_id != NULL ? strlen(want_id) : 0);
    same = (CRYPTO_memcmp(gn, wn, sizeof(gn)) == 0) & (CRYPTO_memcmp(gi, wi, sizeof(gi)) == 0);
    ok = same & (gn[0] != '\0') & (gi[0] != '\0') & (want_name != NULL) & (want_id != NULL);
    jp_cleanse(gn, sizeof(gn));
    jp_cleanse(gi, sizeof(gi));
    jp_cleanse(wn, sizeof(wn));
    jp_cleanse(wi, sizeof(wi));
    return ok;
}
