/*
 * photo_fit.c - fits a holder's photo to its box before it goes into the PDF:
 * decoded with libjpeg-turbo or libpng, scaled down (area average) to the box
 * at PHOTO_DPI, and re-encoded as a baseline JPEG within PHOTO_BUDGET bytes,
 * lowering the quality if needed. This is what keeps a certificate under
 * 80 KB when intake allows photos of up to 200 KB. A photo already within
 * the byte budget (whatever its pixel size: bytes are what the PDF carries),
 * or one these decoders do not take (CMYK JPEG, huge dimensions), is
 * left to libharu as it is: normalising is an optimisation, never a rejection.
 */
#include "render.h"

#include <math.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

#define PHOTO_DPI 200.0
#define PHOTO_BUDGET (22u * 1024)    /* bytes of JPEG we aim for */
#define PHOTO_MAX_PIXELS (40u << 20) /* larger images are not decoded here */

struct rgb_image {
    unsigned w, h;     /* pixels */
    unsigned char *px; /* owned; w * h * 3 bytes */
};

struct jerr {
    struct jpeg_error_mgr pub; /* libjpeg's part */
    jmp_buf env;               /* where error_exit returns to */
};

static void jerr_exit(j_common_ptr c)
{
    longjmp(((struct jerr *)c->err)->env, 1);
}

static void jerr_silent(j_common_ptr c, int level)
{
    (void)c;
    (void)level;
}

/*
 * Sets e up to say nothing and to report an error by longjmp to e->env. The
 * caller does the setjmp itself, in its own frame, before its first libjpeg
 * call: a jmp_buf set in a function that has returned is dead.
 */
static struct jpeg_error_mgr *jerr_init(struct jerr *e)
{
    struct jpeg_error_mgr *m = jpeg_std_error(&e->pub);

    m->error_exit = jerr_exit;
    m->emit_message = jerr_silent;
    return m;
}

/* Decodes a JPEG to RGB, using libjpeg's DCT scaling to stay >= (min_w, min_h). */
static int jpeg_decode(const unsigned char *p, size_t len, unsigned min_w, unsigned min_h,
                       struct rgb_image *img)
{
    struct jpeg_decompress_struct c;
    struct jerr e;
    unsigned char *volatile px = NULL;
    volatile int rc = -1;

    c.err = jerr_init(&e);
    if (setjmp(e.env) != 0)
        goto out_destroy;
    jpeg_create_decompress(&c);
    jpeg_mem_src(&c, p, (unsigned long)len);
    jpeg_read_header(&c, TRUE);
    if ((uint64_t)c.image_width * c.image_height > PHOTO_MAX_PIXELS ||
        (c.jpeg_color_space != JCS_GRAYSCALE && c.jpeg_color_space != JCS_YCbCr &&
         c.jpeg_color_space != JCS_RGB))
        goto out_destroy;
    c.out_color_space = JCS_RGB;
    c.scale_num = 1;
    c.scale_denom = 1;
    while (c.scale_denom < 8 && c.image_width / (c.scale_denom * 2) >= min_w &&
           c.image_height / (c.scale_denom * 2) >= min_h)
        c.scale_denom *= 2;
    jpeg_start_decompress(&c);
    px = malloc((size_t)c.output_width * c.output_height * 3);
    if (px == NULL)
        goto out_destroy;
    while (c.output_scanline < c.output_height) {
        JSAMPROW row = px + (size_t)c.output_scanline * c.output_width * 3;
        jpeg_read_scanlines(&c, &row, 1);
    }
    jpeg_finish_decompress(&c);
    img->w = c.output_width;
    img->h = c.output_height;
    img->px = px;
    px = NULL;
    rc = 0;
out_destroy:
    jpeg_destroy_decompress(&c);
    free(px);
    return rc;
}

/* Decodes a PNG to RGB over white with libpng's simplified API (no longjmp here). */
static int png_decode(const unsigned char *p, size_t len, struct rgb_image *img)
{
    png_image pi;
    png_color white = {255, 255, 255};
    unsigned char *px = NULL;

    memset(&pi, 0, sizeof pi);
    pi.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&pi, p, len))
        return -1;
    if ((uint64_t)pi.width * pi.height > PHOTO_MAX_PIXELS) {
        png_image_free(&pi);
        return -1;
    }
    pi.format = PNG_FORMAT_RGB;
    px = malloc(PNG_IMAGE_SIZE(pi));
    if (px == NULL || !png_image_finish_read(&pi, &white, px, 0, NULL)) {
        png_image_free(&pi);
        free(px);
        return -1;
    }
    img->w = pi.width;
    img->h = pi.height;
    img->px = px;
    return 0;
}

/* Area-average downscale of src into a new w x h image. */
static int downscale(const struct rgb_image *src, unsigned w, unsigned h, struct rgb_image *dst)
{
    dst->px = malloc((size_t)w * h * 3);
    if (dst->px == NULL)
        return -1;
    dst->w = w;
    dst->h = h;
    for (unsigned y = 0; y < h; y++) {
        unsigned y0 = (unsigned)((uint64_t)y * src->h / h);
        unsigned y1 = (unsigned)((uint64_t)(y + 1) * src->h / h);
        for (unsigned x = 0; x < w; x++) {
            unsigned x0 = (unsigned)((uint64_t)x * src->w / w);
            unsigned x1 = (unsigned)((uint64_t)(x + 1) * src->w / w);
            unsigned long sum[3] = {0, 0, 0}, n = 0;
            for (unsigned sy = y0; sy < (y1 > y0 ? y1 : y0 + 1); sy++)
                for (unsigned sx = x0; sx < (x1 > x0 ? x1 : x0 + 1); sx++, n++)
                    for (int k = 0; k < 3; k++)
                        sum[k] += src->px[((size_t)sy * src->w + sx) * 3 + k];
            for (int k = 0; k < 3; k++)
                dst->px[((size_t)y * w + x) * 3 + k] = (unsigned char)(sum[k] / n);
        }
    }
    return 0;
}

static int jpeg_encode(const struct rgb_image *img, int quality, unsigned char **out,
                       size_t *outlen)
{
    struct jpeg_compress_struct c;
    struct jerr e;
    unsigned char *volatile buf = NULL;
    unsigned long n = 0;
    volatile int rc = -1;

    c.err = jerr_init(&e);
    if (setjmp(e.env) != 0)
        goto out_destroy;
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, (unsigned char **)&buf, &n);
    c.image_width = img->w;
    c.image_height = img->h;
    c.input_components = 3;
    c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = img->px + (size_t)c.next_scanline * img->w * 3;
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    *out = buf;
    *outlen = n;
    buf = NULL;
    rc = 0;
out_destroy:
    jpeg_destroy_compress(&c);
    free(buf);
    return rc;
}

int photo_fit(const unsigned char *p, size_t len, int is_png, double box_w_mm, double box_h_mm,
              unsigned char **out, size_t *outlen)
{
    static const int qualities[] = {85, 75, 65, 50};
    unsigned bw = (unsigned)(box_w_mm / 25.4 * PHOTO_DPI);
    unsigned bh = (unsigned)(box_h_mm / 25.4 * PHOTO_DPI);
    struct rgb_image src = {0, 0, NULL}, dst = {0, 0, NULL};
    double s;
    int rc;

    *out = NULL;
    *outlen = 0;
    if (bw < 16 || bh < 16)
        return -1;
    if (len <= PHOTO_BUDGET)
        return -1; /* already within the byte budget: keep the original bytes */
    rc = is_png ? png_decode(p, len, &src) : jpeg_decode(p, len, bw, bh, &src);
    if (rc != 0)
        return -1;
    s = fmin(1.0, fmin((double)bw / src.w, (double)bh / src.h));
    rc = downscale(&src, src.w * s < 1 ? 1 : (unsigned)(src.w * s),
                   src.h * s < 1 ? 1 : (unsigned)(src.h * s), &dst);
    for (size_t i = 0; rc == 0 && i < sizeof qualities / sizeof qualities[0]; i++) {
        free(*out);
        *out = NULL;
        rc = jpeg_encode(&dst, qualities[i], out, outlen);
        if (rc == 0 && *outlen <= PHOTO_BUDGET)
            break;
    }
    free(src.px);
    free(dst.px);
    if (rc != 0) {
        free(*out);
        *out = NULL;
    }
    return rc;
}
