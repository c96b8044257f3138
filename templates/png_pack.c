/*
 * png_pack.c - a PNG's image data deflated again at libdeflate's highest
 * level. libpng's simplified writer deflates at zlib's default level; a
 * picture made once per process and stored in every certificate (the OFD
 * seal's, inside each package's SignedValue.dat) is worth the slowest level:
 * the 400-pixel seal's IDAT goes from 10,440 to 9,445 bytes for about 25 ms
 * once (issue 15 target 4), with the thread's level-12 compressor that the
 * template's fonts use too (jp_zlib_compress). The pixels, the filters and every other chunk
 * stay as libpng wrote them.
 */
#include "render.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>
#include <zlib.h>

#define PNG_SIG_LEN 8
#define PNG_MAX_RAW (64u << 20) /* bytes of filtered rows this accepts */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (24 - 8 * i));
}

/* Bytes of filtered rows of a non-interlaced image (IHDR's 13 bytes at h); 0 if unknown. */
static size_t raw_size(const unsigned char *h)
{
    static const unsigned channels[7] = {1, 0, 3, 1, 2, 0, 4};
    uint64_t w = be32(h), rows = be32(h + 4), bits = h[8], row;

    if (h[9] > 6 || channels[h[9]] == 0 || h[12] != 0 || w == 0 || rows == 0 || w > 1u << 20 ||
        rows > 1u << 20)
        return 0;
    row = 1 + (w * channels[h[9]] * bits + 7) / 8;
    return row * rows <= PNG_MAX_RAW ? (size_t)(row * rows) : 0;
}

/* Appends one chunk of type with n bytes of data at d to b, with its CRC. */
static int chunk_put(struct jp_buf *b, const char *type, const unsigned char *d, size_t n)
{
    unsigned char h[8], c[4];
    uLong crc = crc32(crc32(0, NULL, 0), (const Bytef *)type, 4);
    int rc;

    crc = crc32(crc, d, (uInt)n);
    put32(h, (uint32_t)n);
    memcpy(h + 4, type, 4);
    put32(c, (uint32_t)crc);
    rc = jp_buf_append(b, h, sizeof h);
    if (rc == 0 && n > 0)
        rc = jp_buf_append(b, d, n);
    if (rc == 0)
        rc = jp_buf_append(b, c, sizeof c);
    return rc;
}

/* The IDAT data of png concatenated into idat; EINVAL for a PNG this cannot read. */
static int idat_gather(const struct jp_buf *png, struct jp_buf *idat, size_t *raw)
{
    size_t at = PNG_SIG_LEN;
    int rc = 0;

    *raw = 0;
    while (rc == 0 && at + 12 <= png->len) {
        size_t n = be32(png->data + at);
        const unsigned char *type = png->data + at + 4;
        if (n > png->len - at - 12)
            return EINVAL;
        if (memcmp(type, "IHDR", 4) == 0 && n == 13)
            *raw = raw_size(png->data + at + 8);
        else if (memcmp(type, "IDAT", 4) == 0)
            rc = jp_buf_append(idat, png->data + at + 8, n);
        at += 12 + n;
    }
    return rc == 0 && (*raw == 0 || idat->len == 0) ? EINVAL : rc;
}

/* png rewritten into out with z as its one IDAT, in the place of the first. */
static int rewrite(const struct jp_buf *png, const unsigned char *z, size_t zlen,
                   struct jp_buf *out)
{
    size_t at = PNG_SIG_LEN;
    int rc = jp_buf_append(out, png->data, PNG_SIG_LEN), done = 0;

    while (rc == 0 && at + 12 <= png->len) {
        size_t n = be32(png->data + at);
        if (memcmp(png->data + at + 4, "IDAT", 4) != 0)
            rc = jp_buf_append(out, png->data + at, 12 + n);
        else if (!done)
            rc = chunk_put(out, "IDAT", z, zlen);
        done |= memcmp(png->data + at + 4, "IDAT", 4) == 0;
        at += 12 + n;
    }
    return rc;
}

int tmpl_png_repack(struct jp_buf *png)
{
    struct libdeflate_decompressor *d = NULL;
    struct jp_buf idat, out;
    unsigned char *raw = NULL, *z = NULL;
    size_t rawlen = 0, got = 0, zlen = 0;
    int rc;

    jp_buf_init(&idat, png->len);
    jp_buf_init(&out, png->max);
    if (png->len < PNG_SIG_LEN || memcmp(png->data, "\x89PNG\r\n\x1a\n", PNG_SIG_LEN) != 0)
        rc = EINVAL;
    else
        rc = idat_gather(png, &idat, &rawlen);
    if (rc != 0)
        goto out_free_idat;
    d = libdeflate_alloc_decompressor();
    raw = malloc(rawlen);
    if (d == NULL || raw == NULL) {
        rc = ENOMEM;
        goto out_free_all;
    }
    if (libdeflate_zlib_decompress(d, idat.data, idat.len, raw, rawlen, &got) !=
            LIBDEFLATE_SUCCESS ||
        got != rawlen) {
        rc = EINVAL;
        goto out_free_all;
    }
    rc = jp_zlib_compress(raw, rawlen, 12, &z, &zlen);
    if (rc != 0 || zlen >= idat.len)
        goto out_free_all; /* or libpng's is as small: png stays as it is */
    rc = rewrite(png, z, zlen, &out);
    if (rc == 0) {
        jp_buf_free(png);
        *png = out;
        jp_buf_init(&out, png->max);
    }
out_free_all:
    libdeflate_free_decompressor(d);
    free(raw);
    free(z);
out_free_idat:
    jp_buf_free(&idat);
    jp_buf_free(&out);
    return rc;
}
