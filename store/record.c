/*
 * record.c - the one record encoding of the store (docs/store-format.md):
 * a version byte, then tag + varint length + bytes per field. The writer
 * appends into a bounded jp_buf; the reader checks every length against the
 * bytes that remain before it touches them, so no input can make it read past
 * the end.
 */
#include "store_int.h"

#include <string.h>

#define VARINT_MAX_BYTES 4

int store_rec_begin(struct jp_buf *out)
{
    unsigned char v = STORE_REC_VERSION;

    jp_buf_reset(out);
    return jp_buf_append(out, &v, 1);
}

int store_rec_put(struct jp_buf *out, uint8_t tag, const void *p, size_t n)
{
    unsigned char hdr[1 + VARINT_MAX_BYTES];
    size_t h = 0, left = n;
    int rc;

    if (tag == 0)
        return STORE_EINVAL;
    if (n > STORE_REC_MAX_FIELD)
        return STORE_ETOOLONG;
    hdr[h++] = tag;
    do {
        unsigned char b = (unsigned char)(left & 0x7f);

        left >>= 7;
        hdr[h++] = (unsigned char)(left ? (b | 0x80) : b);
    } while (left);
    rc = jp_buf_append(out, hdr, h);
    if (rc == 0 && n > 0)
        rc = jp_buf_append(out, p, n);
    return rc;
}

int store_rec_put_str(struct jp_buf *out, uint8_t tag, const char *s)
{
    return store_rec_put(out, tag, s, strlen(s));
}

int store_rec_put_u16(struct jp_buf *out, uint8_t tag, uint16_t v)
{
    unsigned char b[2] = {(unsigned char)(v >> 8), (unsigned char)v};

    return store_rec_put(out, tag, b, sizeof b);
}

int store_rec_put_u64(struct jp_buf *out, uint8_t tag, uint64_t v)
{
    unsigned char b[8];

    store_be64_put(b, v);
    return store_rec_put(out, tag, b, sizeof b);
}

int store_rec_open(struct store_rec_reader *r, const void *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->pos = 0;
    if (p == NULL || len == 0)
        return STORE_ECORRUPT;
    if (r->p[0] != STORE_REC_VERSION)
        return STORE_ESCHEMA;
    r->pos = 1;
    return 0;
}

/* Reads a minimal LEB128 varint of at most VARINT_MAX_BYTES bytes. */
static int read_varint(struct store_rec_reader *r, size_t *out)
{
    size_t v = 0;
    int i;

    for (i = 0; i < VARINT_MAX_BYTES; i++) {
        unsigned char b;

        if (r->pos >= r->len)
            return STORE_ECORRUPT;
        b = r->p[r->pos++];
        if (i > 0 && b == 0)
            return STORE_ECORRUPT;
        v |= (size_t)(b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0) {
            *out = v;
            return 0;
        }
    }
    return STORE_ECORRUPT;
}

int store_rec_next(struct store_rec_reader *r, uint8_t *tag, const void **val, size_t *vlen)
{
    size_t n = 0;
    int rc;

    *val = NULL;
    *vlen = 0;
    if (r->pos >= r->len)
        return STORE_ENOTFOUND;
    *tag = r->p[r->pos++];
    if (*tag == 0)
        return STORE_ECORRUPT;
    rc = read_varint(r, &n);
    if (rc != 0)
        return rc;
    if (n > STORE_REC_MAX_FIELD || n > r->len - r->pos)
        return STORE_ECORRUPT;
    *val = r->p + r->pos;
    *vlen = n;
    r->pos += n;
    return 0;
}

int store_rec_chained(const void *p, size_t len, size_t min_len, uint8_t hash_tag,
                      int (*field)(void *ctx, uint8_t tag, const void *val, size_t vlen), void *ctx)
{
    struct store_rec_reader r;
    const void *v;
    size_t n;
    uint8_t tag = 0;
    int rc = len < min_len ? STORE_ECORRUPT : store_rec_open(&r, p, len);

    while (rc == 0) {
        rc = store_rec_next(&r, &tag, &v, &n);
        if (rc == 0)
            rc = field(ctx, tag, v, n);
        if (rc == 0 && tag == hash_tag && r.pos != len)
            rc = STORE_ECORRUPT;
    }
    if (rc == STORE_ENOTFOUND)
        rc = tag == hash_tag ? 0 : STORE_ECORRUPT;
    return rc;
}

int store_rec_u16(const void *val, size_t vlen, uint16_t *out)
{
    const unsigned char *b = val;

    if (vlen != 2)
        return STORE_ECORRUPT;
    *out = (uint16_t)(b[0] << 8 | b[1]);
    return 0;
}

int store_rec_u64(const void *val, size_t vlen, uint64_t *out)
{
    if (vlen != 8)
        return STORE_ECORRUPT;
    *out = store_be64_get(val);
    return 0;
}

int store_rec_str(const void *val, size_t vlen, char *dst, size_t dstsz)
{
    if (vlen >= dstsz || (vlen > 0 && memchr(val, '\0', vlen) != NULL))
        return STORE_ECORRUPT;
    if (vlen > 0)
        memcpy(dst, val, vlen);
    dst[vlen] = '\0';
    return 0;
}
