/*
 * deflater.c - jp_deflater() (util.h): the calling thread's libdeflate
 * compressor of a level, made on first use and kept until the thread ends.
 * A compressor is a large allocation (about 1 MB at the higher levels):
 * made and freed per document, its pages were faulted in anew for every
 * certificate. templates/ (the PDF's streams, levels 3 and 12) and ofd/ (the
 * package's members, level 1) use the same thread's compressors, one per
 * level, so alternating between them remakes nothing.
 */
#include "util.h"

#include <pthread.h>
#include <stdlib.h>

#include <libdeflate.h>

#define LEVELS 13 /* libdeflate's levels 0..12 */

/* The calling thread's compressors by level; freed when the thread ends. */
struct deflaters {
    struct libdeflate_compressor *c[LEVELS]; /* owned; NULL until first used */
};

static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int key_ok;

static void deflaters_free(void *p)
{
    struct deflaters *d = p;

    for (int i = 0; d != NULL && i < LEVELS; i++)
        libdeflate_free_compressor(d->c[i]);
    free(d);
}

static void key_init(void)
{
    key_ok = pthread_key_create(&key, deflaters_free) == 0;
}

struct libdeflate_compressor *jp_deflater(int level)
{
    struct deflaters *d;

    if (level < 0 || level >= LEVELS)
        return NULL;
    pthread_once(&once, key_init);
    if (!key_ok)
        return NULL;
    d = pthread_getspecific(key);
    if (d == NULL) {
        d = calloc(1, sizeof(*d));
        if (d == NULL || pthread_setspecific(key, d) != 0) {
            free(d);
            return NULL;
        }
    }
    if (d->c[level] == NULL)
        d->c[level] = libdeflate_alloc_compressor(level);
    return d->c[level];
}

void jp_deflater_release(void)
{
    pthread_once(&once, key_init);
    if (!key_ok)
        return;
    deflaters_free(pthread_getspecific(key));
    pthread_setspecific(key, NULL);
}
