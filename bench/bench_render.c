/*
 * bench_render.c - median CPU time of tmpl_render over many renders of one
 * certificate (with photo, a name needing a per-document fallback subset).
 * Usage: bench_render [TEMPLATE [PHOTO [COUNT [THREADS [NAME]]]]]; defaults
 * are the repository's template and test photo, 1000 renders, 1 thread and
 * the name 𠮷䶮堃 (its 𠮷 needs the HanaMinA fallback). With several threads
 * each renders COUNT certificates from the same template at once.
 * Build with cmake -DJP_BENCH=ON; prints one summary line.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "render_sample.h"
#include "tmpl.h"

#define MAX_COUNT 100000
#define MAX_THREADS 16
#define QR_TEXT /* a URL of SPEC §7's shape with a token of typical length */                     \
    "HTTPS://JIANPEI.EXAMPLE.GOV.CN/V/440120230100000013/"                                         \
    "2GRBAVQAYDAQMCAGRRXU4WXGAFYYAMQ4C5IEIIZ5MAJZBO5IU7QNBEZAAAAFRMPRKRFBCKFKG"                    \
    "3ZKQNZSRWJOUAJ4HJ2ARCNXGMVUYXGLXWFYGNRE7WIAVPIFUUCP23NE6SM4WHL6TK2T3AJM6"                     \
    "OVPZFFQ"

/* One thread's work. */
struct job {
    const struct tmpl *t;        /* shared template */
    const struct tmpl_fields *f; /* shared fields */
    size_t count;                /* renders to do */
    double *ms;                  /* owned by main; count CPU times in ms */
    size_t bytes;                /* size of the last PDF */
    int rc;                      /* first failure, 0 if none */
};

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void *run(void *arg)
{
    struct job *j = arg;
    struct jp_buf b;
    char err[256];

    jp_buf_init(&b, TMPL_MAX_PDF);
    for (size_t i = 0; i < j->count && j->rc == 0; i++) {
        double t0 = cpu_ms();
        jp_buf_reset(&b);
        j->rc = tmpl_render(j->t, j->f, &b, err, sizeof(err));
        j->ms[i] = cpu_ms() - t0;
    }
    if (j->rc != 0)
        fprintf(stderr, "bench_render: %s (%s)\n", err, tmpl_strerror(j->rc));
    j->bytes = b.len;
    jp_buf_free(&b);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    const char *tpath = argc > 1 ? argv[1] : JP_SOURCE_DIR "/data/certificate.tmpl";
    const char *ppath = argc > 2 ? argv[2] : JP_SOURCE_DIR "/tests/fixtures/render/photo.jpg";
    size_t count = argc > 3 ? strtoul(argv[3], NULL, 10) : 1000;
    size_t nthreads = argc > 4 ? strtoul(argv[4], NULL, 10) : 1;
    struct job jobs[MAX_THREADS];
    pthread_t th[MAX_THREADS];
    struct tmpl *t = NULL;
    unsigned char *photo = NULL;
    size_t plen = 0, total = 0;
    double *all = NULL, wall0, wall1;
    struct timespec ts;
    char err[512];
    int rc = 3;

    if (count == 0 || count > MAX_COUNT || nthreads == 0 || nthreads > MAX_THREADS) {
        fprintf(stderr, "usage: bench_render [TEMPLATE [PHOTO [COUNT<=%d [THREADS<=%d [NAME]]]]]\n",
                MAX_COUNT, MAX_THREADS);
        return 2;
    }
    if (sample_load(tpath, ppath, &t, &photo, &plen, err, sizeof(err)) != 0) {
        fprintf(stderr, "bench_render: %s\n", err);
        goto out;
    }
    struct tmpl_fields f = sample_fields(argc > 5 ? argv[5] : "𠮷䶮堃", QR_TEXT, photo, plen);
    all = calloc(count * nthreads, sizeof(*all));
    if (all == NULL)
        goto out;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    wall0 = ts.tv_sec + ts.tv_nsec / 1e9;
    for (size_t i = 0; i < nthreads; i++) {
        jobs[i] = (struct job){.t = t, .f = &f, .count = count, .ms = all + i * count};
        pthread_create(&th[i], NULL, run, &jobs[i]);
    }
    rc = 0;
    for (size_t i = 0; i < nthreads; i++) {
        pthread_join(th[i], NULL);
        if (jobs[i].rc != 0)
            rc = 3;
        total += jobs[i].count;
    }
    clock_gettime(CLOCK_MONOTONIC, &ts);
    wall1 = ts.tv_sec + ts.tv_nsec / 1e9;
    if (rc == 0) {
        qsort(all, total, sizeof(*all), cmp_double);
        printf("renders %zu threads %zu: median %.3f ms CPU, p90 %.3f ms, max %.3f ms; "
               "%.0f renders/s wall; pdf %zu bytes\n",
               total, nthreads, all[total / 2], all[total * 9 / 10], all[total - 1],
               (double)total / (wall1 - wall0), jobs[0].bytes);
    }
out:
    free(all);
    free(photo);
    tmpl_free(t);
    return rc;
}
