/*
 * bench_cert.c - median CPU time to make one finished certificate: render the
 * PDF (tmpl_render), sign its QR token (keys_token_sign) and add the PAdES
 * signature (pdf_sign + keys_cms_sign_detached) - issue "certificate
 * PDF": at most 5 ms, median over 1,000. Also prints the PDF size.
 *
 * usage: bench_cert HOME [COUNT [NAME [PHOTO]]]
 *   HOME   a home made by `jianpei-issuer init` (template and keys)
 *   NAME   holder name (default 张三丰; try 𠮷䶮堃 for the fallback-font path)
 *   PHOTO  JPEG/PNG (default tests/fixtures/render/photo.jpg)
 */
#include "keys.h"
#include "pdf.h"
#include "render_sample.h"
#include "tmpl.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_COUNT 100000

static double cpu_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* One certificate; returns 0 and its size in *bytes. */
static int one(const struct tmpl *t, keys_t *k, struct tmpl_fields *f, struct jp_buf *raw,
               struct jp_buf *out, size_t *bytes)
{
    struct keys_claims c = {SAMPLE_CERT_NO,      1, "01", "2023-08-18", "44", "张*丰",
                            "440103********1237"};
    char token[KEYS_TOKEN_BUFSZ], qr[TMPL_MAX_QR], err[256];
    struct pdf_signer sg = {
        keys_cms_sign_cb, keys_der_free_cb, k, 0, NULL, NULL, 0, NULL, 0, NULL, 0, 0};
    int rc;

    rc = keys_token_sign(k, &c, token, sizeof token, err, sizeof err);
    if (rc == 0 && snprintf(qr, sizeof qr, "HTTP://127.0.0.1:8080/V/%s/%s", c.certificate_no,
                            token) >= (int)sizeof qr)
        rc = 1;
    f->qr_text = qr;
    jp_buf_reset(raw);
    jp_buf_reset(out);
    if (rc == 0)
        rc = tmpl_render(t, f, raw, err, sizeof err);
    sg.signing_time = time(NULL);
    if (rc == 0)
        rc = pdf_sign(raw->data, raw->len, &sg, out, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "failed: %s\n", err);
    *bytes = out->len;
    return rc;
}

int main(int argc, char **argv)
{
    char path[4096], err[512];
    const char *home = argc > 1 ? argv[1] : NULL;
    long count = argc > 2 ? atol(argv[2]) : 1000;
    struct tmpl_fields f;
    struct jp_buf raw, out;
    struct tmpl *t = NULL;
    keys_t *k = NULL;
    double *ms;
    size_t bytes = 0, len = 0;
    unsigned char *photo = NULL;

    if (home == NULL || count < 1 || count > MAX_COUNT) {
        fprintf(stderr, "usage: bench_cert HOME [COUNT [NAME [PHOTO]]]\n");
        return 2;
    }
    snprintf(path, sizeof path, "%s/certificate.tmpl", home);
    if (sample_load(path, argc > 4 ? argv[4] : JP_SOURCE_DIR "/tests/fixtures/render/photo.jpg", &t,
                    &photo, &len, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 3;
    }
    f = sample_fields(argc > 3 ? argv[3] : "张三丰", NULL, photo, len);
    snprintf(path, sizeof path, "%s/keys", home);
    if (keys_open(path, 0, NULL, 0, &k, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 3;
    }
    ms = calloc((size_t)count, sizeof *ms);
    jp_buf_init(&raw, TMPL_MAX_PDF);
    jp_buf_init(&out, TMPL_MAX_PDF);
    for (long i = 0; ms != NULL && i < count; i++) {
        double t0 = cpu_ms();
        if (one(t, k, &f, &raw, &out, &bytes) != 0)
            return 3;
        ms[i] = cpu_ms() - t0;
    }
    qsort(ms, (size_t)count, sizeof *ms, cmp_double);
    printf("certificates=%ld median_cpu=%.2fms p90=%.2fms max=%.2fms pdf_bytes=%zu\n", count,
           ms[count / 2], ms[count * 9 / 10], ms[count - 1], bytes);
    free(ms);
    free(photo);
    jp_buf_free(&raw);
    jp_buf_free(&out);
    keys_close(k);
    tmpl_free(t);
    return 0;
}
