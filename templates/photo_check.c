/*
 * photo_check.c - checks a holder's photo before libharu sees it. libharu
 * 2.3.0 copies a JPEG's DCT data as it is after reading its frame header, and
 * hands a PNG to libpng, whose fatal errors libharu does not catch; so a photo
 * is accepted only when it is fully well-formed: a JPEG whose marker segments
 * chain correctly from SOI through a baseline or progressive frame and a scan
 * to the final EOI, or a non-interlaced PNG of 8 bits per sample whose
 * chunk CRCs hold and whose image data inflates to exactly the size the
 * header promises, every row with a valid filter type. Anything else is
 * TMPL_EPHOTO, a rejected record and never a crash.
 */
#include "render.h"

#include <errno.h>
#include <string.h>

#include <zlib.h>

#define PHOTO_MAX_SIDE 4096u      /* pixels on either side */
#define PHOTO_MAX_RAW (16u << 20) /* bytes of decompressed PNG data */

static unsigned be16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Frame header: 8-bit precision, sane size, 1, 3 or 4 components. */
static int jpeg_frame_ok(const unsigned char *seg, unsigned len)
{
    if (len < 8)
        return 0;
    unsigned h = be16(seg + 1), w = be16(seg + 3), n = seg[5];
    return seg[0] == 8 && h > 0 && w > 0 && h <= PHOTO_MAX_SIDE && w <= PHOTO_MAX_SIDE &&
           (n == 1 || n == 3 || n == 4) && len >= 6 + 3 * n;
}

static int jpeg_check(const unsigned char *p, size_t len)
{
    size_t pos = 2;
    int frame = 0;

    if (len < 4 || p[len - 2] != 0xFF || p[len - 1] != 0xD9)
        return TMPL_EPHOTO;
    while (pos + 4 <= len) {
        unsigned marker, seglen;
        if (p[pos] != 0xFF)
            return TMPL_EPHOTO;
        while (pos < len && p[pos] == 0xFF)
            pos++;
        if (pos + 3 > len)
            return TMPL_EPHOTO;
        marker = p[pos];
        seglen = be16(p + pos + 1);
        if (marker < 0xC0 || marker == 0xD8 || marker == 0xD9 ||
            (marker >= 0xD0 && marker <= 0xD7) || seglen < 2 || pos + 1 + seglen > len)
            return TMPL_EPHOTO;
        if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 &&
            marker != 0xCC) {
            if (marker > 0xC2 || frame || !jpeg_frame_ok(p + pos + 3, seglen - 2))
                return TMPL_EPHOTO;
            frame = 1;
        }
        if (marker == 0xDA)
            return frame ? 0 : TMPL_EPHOTO; /* entropy-coded data runs to the EOI checked above */
        pos += 1 + seglen;
    }
    return TMPL_EPHOTO;
}

/* What the PNG header promises. */
struct png_info {
    uint32_t w, h; /* pixels */
    size_t rowlen; /* bytes of one filtered row, filter byte included */
    int palette;   /* colour type 3: a PLTE chunk must come first */
};

static int png_header(const unsigned char *d, uint32_t len, struct png_info *pi)
{
    static const unsigned char channels[7] = {1, 0, 3, 1, 2, 0, 4};
    unsigned depth, type;

    if (len != 13)
        return TMPL_EPHOTO;
    pi->w = be32(d);
    pi->h = be32(d + 4);
    depth = d[8];
    type = d[9];
    if (pi->w == 0 || pi->h == 0 || pi->w > PHOTO_MAX_SIDE || pi->h > PHOTO_MAX_SIDE || type > 6 ||
        channels[type] == 0 || d[10] != 0 || d[11] != 0 || d[12] != 0)
        return TMPL_EPHOTO;
    if (depth != 8)
        return TMPL_EPHOTO;
    pi->rowlen = 1 + ((size_t)pi->w * channels[type] * depth + 7) / 8;
    pi->palette = type == 3;
    if (pi->rowlen * pi->h > PHOTO_MAX_RAW)
        return TMPL_EPHOTO;
    return 0;
}

/* Inflation state of the concatenated IDAT chunks. */
struct png_inflate {
    z_stream zs; /* zlib stream */
    size_t out;  /* bytes produced so far */
    int done;    /* Z_STREAM_END seen */
};

static int png_feed(struct png_inflate *pf, const struct png_info *pi, const unsigned char *d,
                    uint32_t len)
{
    unsigned char buf[16384];

    pf->zs.next_in = (unsigned char *)d;
    pf->zs.avail_in = len;
    while (pf->zs.avail_in > 0 && !pf->done) {
        int zr;
        size_t got;
        pf->zs.next_out = buf;
        pf->zs.avail_out = sizeof(buf);
        zr = inflate(&pf->zs, Z_NO_FLUSH);
        if (zr != Z_OK && zr != Z_STREAM_END)
            return TMPL_EPHOTO;
        got = sizeof(buf) - pf->zs.avail_out;
        for (size_t i = 0; i < got; i++)
            if ((pf->out + i) % pi->rowlen == 0 && buf[i] > 4)
                return TMPL_EPHOTO;
        pf->out += got;
        if (pf->out > pi->rowlen * pi->h)
            return TMPL_EPHOTO;
        pf->done = zr == Z_STREAM_END;
    }
    return pf->zs.avail_in == 0 ? 0 : TMPL_EPHOTO;
}

/* Walks the chunks after the signature; 0 when the PNG is complete and consistent. */
static int png_chunks(const unsigned char *p, size_t len, struct png_inflate *pf)
{
    struct png_info pi = {0};
    size_t pos = 8;
    int seen_plte = 0, seen_idat = 0, idat_over = 0;

    while (pos + 12 <= len) {
        uint32_t clen = be32(p + pos);
        const unsigned char *type = p + pos + 4, *data = p + pos + 8;
        if (clen > len - pos - 12 || crc32(0, type, clen + 4) != be32(data + clen))
            return TMPL_EPHOTO;
        if (pos == 8) {
            if (memcmp(type, "IHDR", 4) != 0 || png_header(data, clen, &pi) != 0)
                return TMPL_EPHOTO;
        } else if (memcmp(type, "IEND", 4) == 0) {
            return pos + 12 == len && pf->done && pf->out == pi.rowlen * pi.h ? 0 : TMPL_EPHOTO;
        } else if (memcmp(type, "PLTE", 4) == 0) {
            seen_plte = 1;
        } else if (memcmp(type, "IDAT", 4) == 0) {
            if (idat_over || (pi.palette && !seen_plte) || png_feed(pf, &pi, data, clen) != 0)
                return TMPL_EPHOTO;
            seen_idat = 1;
        } else if (seen_idat) {
            idat_over = 1;
        }
        if (!(type[0] & 0x20) && memcmp(type, "IHDR", 4) != 0 && memcmp(type, "PLTE", 4) != 0 &&
            memcmp(type, "IDAT", 4) != 0)
            return TMPL_EPHOTO; /* an unknown critical chunk */
        pos += 12 + clen;
    }
    return TMPL_EPHOTO;
}

static int png_check(const unsigned char *p, size_t len)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    struct png_inflate pf;
    int rc;

    if (len < 8 + 25 + 12 || memcmp(p, sig, 8) != 0)
        return TMPL_EPHOTO;
    memset(&pf, 0, sizeof(pf));
    if (inflateInit(&pf.zs) != Z_OK)
        return ENOMEM;
    rc = png_chunks(p, len, &pf);
    inflateEnd(&pf.zs);
    return rc;
}

int photo_check(const unsigned char *p, size_t len, int *is_png)
{
    *is_png = 0;
    if (p == NULL || len < 8 || len > TMPL_MAX_PHOTO)
        return TMPL_EPHOTO;
    if (p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
        return jpeg_check(p, len);
    *is_png = 1;
    return png_check(p, len);
}
