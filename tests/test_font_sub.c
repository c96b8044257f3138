/*
 * test_font_sub.c - HarfBuzz subsets from many threads at once
 * (templates/font_sub.c): every thread's subsets of the preprocessed common
 * face and of the whole face are byte for byte the subsets made on the
 * shared faces by one thread, also with more threads than the library keeps
 * sets for (the rest get sets of their own). The threads start together on a
 * library no subset has touched yet, LIBS times (HarfBuzz 6.0 fills a
 * preprocessed face's subset caches on first use; sharing one face, two
 * issuing threads once met a double free inside hb_subset_plan_create_or_fail
 * under ASan, which this test did not reproduce in nine runs with the shared
 * face put back: it checks the copies and the pool, not HarfBuzz).
 */
#include "check.h"
#include "font.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define UMING "/usr/share/fonts/truetype/arphic/uming.ttc"
#define THREADS (FONT_MAX_SUBSETTERS + 2)
#define ROUNDS 3
#define LIBS 4

/* 住房和城乡建设 张三丰 and 堃 (outside the common part: the whole face) */
static const uint32_t chars[] = {0x4F4F, 0x623F, 0x548C, 0x57CE, 0x4E61, 0x5EFA,
                                 0x8BBE, 0x5F20, 0x4E09, 0x4E30, 0x5803};
enum { NCHARS = sizeof(chars) / sizeof(chars[0]) };

struct job {
    const struct font_lib *lib;
    hb_blob_t *want[2];    /* the single-threaded subsets of faces 0 and 1 */
    pthread_barrier_t *go; /* every thread starts at once */
    int same;              /* rounds whose subsets matched */
};

/* hb_subset_or_fail of face f on a set of copies taken and given back, as font.c's planner. */
static hb_face_t *own_subset(const struct font_lib *lib, size_t f, const hb_subset_input_t *in)
{
    struct font_own *o = font_own_take(lib);
    hb_face_t *mine = o != NULL ? font_own_face(lib, o, f) : NULL;
    hb_face_t *sub = mine != NULL ? hb_subset_or_fail(mine, in) : NULL;

    font_own_give(lib, o);
    return sub;
}

/* The subset file of face f holding chars (only those in f), or NULL. */
static hb_blob_t *subset_file(const struct font_lib *lib, size_t f, int shared)
{
    hb_subset_input_t *in = hb_subset_input_create_or_fail();
    hb_face_t *sub = NULL;
    hb_blob_t *file = NULL;

    if (in == NULL)
        return NULL;
    for (size_t i = 0; i < NCHARS; i++)
        if (font_lib_find(lib, chars[i]) == (int)f)
            hb_set_add(hb_subset_input_unicode_set(in), chars[i]);
    sub = shared ? hb_subset_or_fail(lib->faces[f].face, in) : own_subset(lib, f, in);
    if (sub != NULL)
        file = hb_face_reference_blob(sub);
    hb_face_destroy(sub);
    hb_subset_input_destroy(in);
    return file;
}

static int same_blob(hb_blob_t *a, hb_blob_t *b)
{
    unsigned la = 0, lb = 0;
    const char *da = hb_blob_get_data(a, &la), *db = hb_blob_get_data(b, &lb);

    return la > 0 && la == lb && memcmp(da, db, la) == 0;
}

static void *run(void *arg)
{
    struct job *j = arg;

    pthread_barrier_wait(j->go);
    for (int r = 0; r < ROUNDS; r++) {
        int ok = 1;
        for (size_t f = 0; f < 2; f++) {
            hb_blob_t *got = subset_file(j->lib, f, 0);
            ok = ok && got != NULL && same_blob(got, j->want[f]);
            hb_blob_destroy(got);
        }
        j->same += ok;
    }
    return NULL;
}

/* THREADS threads subsetting at once on a library fresh from the font file. */
static void run_threads(hb_blob_t *want[2])
{
    struct font_lib lib;
    struct job jobs[THREADS];
    pthread_t th[THREADS];
    pthread_barrier_t go;
    char err[256];

    font_lib_init(&lib);
    CHECK_INT(font_lib_add(&lib, UMING, 0, err, sizeof err), 0);
    CHECK_INT(pthread_barrier_init(&go, NULL, THREADS), 0);
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (struct job){&lib, {want[0], want[1]}, &go, 0};
        CHECK_INT(pthread_create(&th[i], NULL, run, &jobs[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT(jobs[i].same, ROUNDS);
    }
    pthread_barrier_destroy(&go);
    font_lib_free(&lib);
}

int main(void)
{
    struct font_lib lib;
    hb_blob_t *want[2];
    char err[256];

    font_lib_init(&lib);
    CHECK_INT(font_lib_add(&lib, UMING, 0, err, sizeof err), 0);
    CHECK(lib.nfaces == 2 && lib.faces[0].pre_copies && !lib.faces[1].pre_copies);
    CHECK_INT(font_lib_find(&lib, 0x5803), 1); /* 堃: the whole face */
    for (size_t f = 0; f < 2; f++) {
        want[f] = subset_file(&lib, f, 1);
        CHECK(want[f] != NULL && hb_blob_get_length(want[f]) > 1000);
    }
    for (int i = 0; i < LIBS; i++)
        run_threads(want);
    /* a set given back is taken again: the library's copies stay until font_lib_free */
    {
        struct font_own *a = font_own_take(&lib), *b = font_own_take(&lib);
        CHECK(a != NULL && b != NULL && a != b);
        CHECK(font_own_face(&lib, a, 0) != NULL && font_own_face(&lib, a, 0) != lib.faces[0].face);
        CHECK(font_own_face(&lib, a, lib.nfaces) == NULL);
        font_own_give(&lib, a);
        font_own_give(&lib, b);
        font_own_give(&lib, NULL);
    }
    hb_blob_destroy(want[0]);
    hb_blob_destroy(want[1]);
    font_lib_free(&lib);
    font_lib_free(&lib);
    return CHECK_DONE();
}
