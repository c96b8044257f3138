/*
 * test_font_base.c - a document's font file built on a base (templates/font_base.c)
 * is the same font file as one compressed whole, and it does carry the base's
 * compressed glyphs verbatim: the three deflate runs inflate as one zlib
 * stream with a correct Adler-32 (zlib's uncompress checks it), to the bytes
 * font_pack_build makes for the same characters.
 */
#include "check.h"
#include "font.h"

#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#define UMING "/usr/share/fonts/truetype/arphic/uming.ttc"

/* The inflated font file of a pack (ttflen bytes), or NULL. */
static unsigned char *inflate_pack(const struct font_pack *p)
{
    uLongf len = (uLongf)p->ttflen;
    unsigned char *out = malloc(p->ttflen + 1);

    if (out != NULL &&
        (uncompress(out, &len, p->zttf, (uLong)p->zlen) != Z_OK || len != p->ttflen)) {
        free(out);
        out = NULL;
    }
    return out;
}

static int contains(const unsigned char *hay, size_t n, const unsigned char *needle, size_t m)
{
    for (size_t i = 0; m <= n && i <= n - m; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return 1;
    return 0;
}

int main(void)
{
    /* base: 住房和城乡建设领域 and digits, ascending; the pack adds 张三丰 */
    static const uint32_t base_cps[] = {'0',    '1',    '2',    '3',    '4',    '5',    '6',
                                        '7',    '8',    '9',    0x4E61, 0x4F4F, 0x548C, 0x57CE,
                                        0x57DF, 0x5EFA, 0x623F, 0x8BBE, 0x9886};
    enum { NB = sizeof(base_cps) / sizeof(base_cps[0]) };
    uint32_t cps[NB + 3];
    struct font_lib lib;
    struct font_base base;
    struct font_pack on, whole, plain;
    unsigned char *a = NULL, *b = NULL;
    char err[256];

    font_lib_init(&lib);
    CHECK_INT(font_lib_add(&lib, UMING, 0, err, sizeof err), 0);
    CHECK_INT(font_base_build(&lib, 0, base_cps, NB, &base), 0);
    CHECK(base.z != NULL && base.zlen > 100 && base.glyflen > base.zlen);
    memcpy(cps, base_cps, sizeof base_cps);
    cps[NB] = 0x5F20;     /* 张 */
    cps[NB + 1] = 0x4E09; /* 三 */
    cps[NB + 2] = 0x4E30; /* 丰 */
    CHECK_INT(font_pack_build_on(&lib, 0, &base, cps, NB + 3, 3, &on), 0);
    CHECK_INT(font_pack_build(&lib, 0, cps, NB + 3, 3, &whole), 0);
    CHECK(on.ttflen == whole.ttflen);
    a = inflate_pack(&on);
    b = inflate_pack(&whole);
    CHECK(a != NULL && b != NULL);
    CHECK(a != NULL && b != NULL && memcmp(a, b, on.ttflen) == 0);
    /* the base's run is in the document's stream as it was compressed at load */
    CHECK(contains(on.zttf, on.zlen, base.z, base.zlen));
    CHECK(on.n == NB + 3 && on.gids[0] == 1 && on.gids[NB + 2] == NB + 3);

    /* characters that do not start with the base: compressed whole, still the same file */
    CHECK_INT(font_pack_build_on(&lib, 0, &base, cps + 1, NB + 2, 3, &plain), 0);
    CHECK(!contains(plain.zttf, plain.zlen, base.z, base.zlen));
    free(a);
    a = inflate_pack(&plain);
    CHECK(a != NULL);

    free(a);
    free(b);
    font_pack_free(&on);
    font_pack_free(&whole);
    font_pack_free(&plain);
    font_base_free(&base);
    font_base_free(NULL);
    font_lib_free(&lib);
    return CHECK_DONE();
}
