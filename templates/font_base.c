/*
 * font_base.c - one font subset per face and document without compressing
 * the template's glyphs again for every document (issue 15: store per
 * certificate). A pack built on a base starts with the base's characters, so
 * its glyf table starts with the very bytes of the base's glyphs; those are
 * compressed once, at template load, as a raw deflate run that ends in a full
 * flush (byte-aligned, no back-references out of it). A document's font file
 * is then compressed in three runs: everything before glyf (zlib, full
 * flush), the base's run as it is, and the rest (libdeflate, final block).
 * FlateDecode reads the three as one zlib stream; the Adler-32 is combined
 * from the parts.
 */
#include "font.h"
#include "render.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#define GLYF_TAG 0x676C7966u /* 'glyf' */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Offset and length of the glyf table in a font file; 0, or -1 when it has none. */
static int glyf_find(const unsigned char *ttf, size_t len, size_t *off, size_t *glen)
{
    size_t n;

    if (len < 12)
        return -1;
    n = (size_t)ttf[4] << 8 | ttf[5];
    for (size_t i = 0; i < n && 12 + 16 * (i + 1) <= len; i++) {
        const unsigned char *r = ttf + 12 + 16 * i;
        size_t o = be32(r + 8), l = be32(r + 12);
        if (be32(r) == GLYF_TAG && o <= len && l <= len - o) {
            *off = o;
            *glen = l;
            return 0;
        }
    }
    return -1;
}

/* Compresses len bytes into z's output with flush; 0 or EIO (out has room by deflateBound). */
static int run(z_stream *z, const unsigned char *in, size_t len, int flush)
{
    z->next_in = (Bytef *)in;
    z->avail_in = (uInt)len;
    return deflate(z, flush) == (flush == Z_FINISH ? Z_STREAM_END : Z_OK) && z->avail_in == 0 ? 0
                                                                                              : EIO;
}

int font_base_prepare(struct font_base *b, const unsigned char *glyf, size_t len)
{
    z_stream z;
    size_t cap;
    int rc = 0;

    memset(&z, 0, sizeof z);
    b->glyf = malloc(len);
    if (b->glyf == NULL || deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return ENOMEM;
    cap = deflateBound(&z, (uLong)len) + 16;
    b->z = malloc(cap);
    if (b->z == NULL) {
        rc = ENOMEM;
        goto out;
    }
    memcpy(b->glyf, glyf, len);
    b->glyflen = len;
    z.next_out = b->z;
    z.avail_out = (uInt)cap;
    rc = run(&z, glyf, len, Z_FULL_FLUSH);
    b->zlen = cap - z.avail_out;
    b->adler = adler32(adler32(0, NULL, 0), glyf, (uInt)len);
out:
    deflateEnd(&z);
    return rc;
}

int font_base_deflate(const struct font_base *b, const unsigned char *ttf, size_t len, int level,
                      unsigned char **out, size_t *outlen)
{
    size_t off = 0, glen = 0, head, tail, cap;
    unsigned char *z = NULL;
    unsigned long a;
    z_stream s;
    int rc;

    *out = NULL;
    if (b == NULL || b->z == NULL || glyf_find(ttf, len, &off, &glen) != 0 || glen < b->glyflen ||
        memcmp(ttf + off, b->glyf, b->glyflen) != 0)
        return 1;
    memset(&s, 0, sizeof s);
    if (deflateInit2(&s, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return ENOMEM;
    head = off;
    tail = len - off - b->glyflen;
    cap = 2 + deflateBound(&s, (uLong)head) + b->zlen + tmpl_deflate_raw_bound(tail) + 4;
    z = malloc(cap);
    if (z == NULL) {
        rc = ENOMEM;
        goto out;
    }
    z[0] = 0x78; /* zlib: deflate, 32 KB window */
    z[1] = 0x9C;
    s.next_out = z + 2;
    s.avail_out = (uInt)deflateBound(&s, (uLong)head);
    rc = run(&s, ttf, head, Z_FULL_FLUSH);
    if (rc == 0) {
        size_t n = 0;
        memcpy(s.next_out, b->z, b->zlen);
        s.next_out += b->zlen;
        rc = tmpl_deflate_raw(ttf + off + b->glyflen, tail, level, s.next_out,
                              cap - 4 - (size_t)(s.next_out - z), &n);
        s.next_out += n;
    }
    if (rc != 0)
        goto out;
    a = adler32(adler32(0, NULL, 0), ttf, (uInt)head);
    a = adler32_combine(a, b->adler, (z_off_t)b->glyflen);
    a = adler32_combine(a, adler32(adler32(0, NULL, 0), ttf + off + b->glyflen, (uInt)tail),
                        (z_off_t)tail);
    for (int i = 0; i < 4; i++)
        *s.next_out++ = (unsigned char)(a >> (24 - 8 * i));
    *outlen = (size_t)(s.next_out - z);
    *out = z;
    z = NULL;
out:
    deflateEnd(&s);
    free(z);
    return rc;
}

int font_base_find(const struct font_base *b, uint32_t cp)
{
    size_t lo = 0, hi = b->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->cps[mid] == cp)
            return (int)mid;
        if (b->cps[mid] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

void font_base_free(struct font_base *b)
{
    if (b == NULL)
        return;
    free(b->cps);
    free(b->glyf);
    free(b->z);
    memset(b, 0, sizeof(*b));
}
