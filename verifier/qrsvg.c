/*
 * qrsvg.c - the QR code of the holder's print view and the share page as
 * inline SVG (error correction Q, 8-bit), with the symbols of recent texts
 * kept: libqrencode's mask selection was ~70% of a /S/ page's time
 * (perf under bench/bench_holder.sh), and a QR depends on its text alone.
 * Direct-mapped on SHA-256 of the text, one lock a slot, bounded: at most
 * nslots ("qr_svg_cache", VF_QRSVG_SLOTS by default) symbols of at most
 * 177 x 177 modules.
 */
#include "verifier_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>
#include <qrencode.h>

struct vf_qrsvg_slot {
    pthread_mutex_t mu;                      /* guards the rest */
    unsigned char key[SHA256_DIGEST_LENGTH]; /* SHA-256 of the text */
    QRcode *q;                               /* owned; NULL = empty */
};

int vf_qrsvg_init(struct vf_qrsvg *c, size_t nslots)
{
    if (nslots < 1 || nslots > VF_QRSVG_SLOTS_MAX)
        return EINVAL;
    c->slots = calloc(nslots, sizeof(*c->slots));
    if (c->slots == NULL)
        return ENOMEM;
    c->nslots = nslots;
    for (size_t i = 0; i < nslots; i++)
        pthread_mutex_init(&c->slots[i].mu, NULL);
    return 0;
}

void vf_qrsvg_free(struct vf_qrsvg *c)
{
    if (c == NULL || c->slots == NULL)
        return;
    for (size_t i = 0; i < c->nslots; i++) {
        pthread_mutex_destroy(&c->slots[i].mu);
        QRcode_free(c->slots[i].q);
    }
    free(c->slots);
    c->slots = NULL;
}

/* Writes v (0..99999) in decimal at p; returns the digits written. */
static size_t put_uint(char *p, int v)
{
    char tmp[8];
    size_t n = 0, i;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0 && n < sizeof(tmp));
    for (i = 0; i < n; i++)
        p[i] = tmp[n - 1 - i];
    return n;
}

/*
 * Appends row y of q as one path segment per run of dark modules
 * ("M x y h w v1 h -w z"), offset by the quiet zone. Written by hand into
 * line: printf per module was half of a /S/ page's time (bench_holder.sh).
 */
static int qr_row(const QRcode *q, int y, char *line, struct jp_buf *b)
{
    const unsigned char *d = q->data + (size_t)y * (size_t)q->width;
    size_t n = 0;
    int x = 0, start, len;

    for (start = jp_run_next(d, q->width, &x, &len); start >= 0;
         start = jp_run_next(d, q->width, &x, &len)) {
        line[n++] = 'M';
        n += put_uint(line + n, start + 4);
        line[n++] = ' ';
        n += put_uint(line + n, y + 4);
        line[n++] = 'h';
        n += put_uint(line + n, len);
        memcpy(line + n, "v1h-", 4);
        n += 4;
        n += put_uint(line + n, len);
        line[n++] = 'z';
    }
    return jp_buf_append(b, line, n);
}

/* Appends the SVG of q: one path of dark runs, quiet zone 4. */
static int qr_svg(const QRcode *q, struct jp_buf *b)
{
    char *line = NULL;
    int rc, w = q->width;

    /* a run takes at most 2 modules of a row and 4 numbers of 3 digits plus 8 letters */
    line = malloc((size_t)(w / 2 + 1) * 20);
    rc = line == NULL ? ENOMEM : 0;
    if (rc == 0)
        rc =
            jp_buf_printf(b,
                          "<svg class=\"qr\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d "
                          "%d\" role=\"img\" aria-label=\"核验二维码\"><rect width=\"%d\" "
                          "height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
                          w + 8, w + 8, w + 8, w + 8);
    for (int y = 0; rc == 0 && y < w; y++)
        rc = qr_row(q, y, line, b);
    if (rc == 0)
        rc = jp_buf_puts(b, "\"/></svg>");
    free(line);
    return rc;
}

int vf_qrsvg_append(struct vf_qrsvg *c, const char *text, struct jp_buf *b)
{
    unsigned char key[SHA256_DIGEST_LENGTH];
    struct vf_qrsvg_slot *s;
    QRcode *q;
    int rc;

    SHA256((const unsigned char *)text, strlen(text), key);
    s = &c->slots[((size_t)key[0] | (size_t)key[1] << 8 | (size_t)key[2] << 16) % c->nslots];
    pthread_mutex_lock(&s->mu);
    if (s->q != NULL && memcmp(s->key, key, sizeof(key)) == 0) {
        rc = qr_svg(s->q, b);
        pthread_mutex_unlock(&s->mu);
        return rc;
    }
    pthread_mutex_unlock(&s->mu);
    q = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_Q);
    if (q == NULL)
        return ENOMEM;
    rc = qr_svg(q, b);
    pthread_mutex_lock(&s->mu);
    QRcode_free(s->q);
    s->q = q;
    memcpy(s->key, key, sizeof(key));
    pthread_mutex_unlock(&s->mu);
    return rc;
}
