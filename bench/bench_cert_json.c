/*
 * bench_cert_json.c - median CPU time of the certificate object of SPEC §8 for
 * one record (the store tests' sample, tests/store_sample.h): as a Jansson
 * object (vf_cert_json: the verify, file-check and institution answers embed
 * it) and as text (vf_cert_json_text: the lookup answer), each dumped or
 * written once a call. Built from two commits and run side by side, it
 * compares their cost.
 *
 * usage: bench_cert_json [COUNT [ROUNDS]]
 *   COUNT   calls a round (default 100000), ROUNDS rounds (default 7), median
 */
#include "store_sample.h"
#include "verifier_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_ROUNDS 99

static double cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* One call as an answer uses it: the object made and dumped, or the text written. */
static int one(const struct verifier *v, const struct store_cert *c, int text, struct jp_buf *b)
{
    json_t *o;
    char *s;

    jp_buf_reset(b);
    if (text)
        return vf_cert_json_text(v, c, b);
    o = vf_cert_json(v, c);
    s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    free(s);
    return s != NULL ? 0 : 1;
}

/* Median ns a call over rounds rounds of count calls. */
static double median_ns(const struct verifier *v, const struct store_cert *c, int text, long count,
                        int rounds)
{
    double t[MAX_ROUNDS];
    struct jp_buf b;
    int bad = 0;

    jp_buf_init(&b, 64 * 1024);
    for (int r = 0; r < rounds; r++) {
        double t0 = cpu_ns();
        for (long i = 0; i < count; i++)
            bad |= one(v, c, text, &b);
        t[r] = (cpu_ns() - t0) / (double)count;
    }
    jp_buf_free(&b);
    qsort(t, (size_t)rounds, sizeof t[0], cmp_double);
    return bad ? -1.0 : t[rounds / 2];
}

int main(int argc, char **argv)
{
    static struct verifier v; /* no home: position names are their codes */
    struct store_cert sample;
    long count = argc > 1 ? atol(argv[1]) : 100000;
    int rounds = argc > 2 ? atoi(argv[2]) : 7;

    if (count < 1 || rounds < 1 || rounds > MAX_ROUNDS) {
        fprintf(stderr, "usage: bench_cert_json [COUNT [ROUNDS (1..%d)]]\n", MAX_ROUNDS);
        return 2;
    }
    store_sample(&sample);
    printf("vf_cert_json + json_dumps: %.0f ns a call\n", median_ns(&v, &sample, 0, count, rounds));
    printf("vf_cert_json_text:         %.0f ns a call\n", median_ns(&v, &sample, 1, count, rounds));
    return 0;
}
