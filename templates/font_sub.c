/*
 * font_sub.c - HarfBuzz's subsetter on faces no other thread is using.
 * HarfBuzz 6.0 (Debian 12) is not safe for two subsets of one preprocessed
 * face at once: ASan saw a double free inside hb_subset_plan_create_or_fail
 * with the PDF and the OFD subsetting in two issuing threads. So no subset
 * runs on a library's shared faces (lib->faces[i].face): a subsetter takes one
 * of the library's FONT_MAX_SUBSETTERS sets of copies with one atomic
 * compare-and-swap, makes the copy of a face on its first use (the shared
 * face's source, preprocessed for the main face's common part; glyph ids
 * are the shared face's), and gives the set back; the copies stay until
 * font_lib_free. When every set is held, the caller gets a set made for it
 * alone, freed when given back. No lock is held while subsetting, and memory
 * stays bounded by FONT_MAX_SUBSETTERS sets.
 */
#include "font.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* One set of copies; faces[i] stands for lib->faces[i] once made. */
struct font_own {
    hb_face_t *faces[FONT_MAX_FACES]; /* owned; NULL until first used */
    int temp;                         /* 1: made for one caller, freed when given back */
    size_t slot;                      /* index in the pool when not temp */
};

/* The library's sets and who holds them. */
struct font_pool {
    atomic_int held[FONT_MAX_SUBSETTERS];     /* 1 while a subsetter holds own[i] */
    struct font_own own[FONT_MAX_SUBSETTERS]; /* the sets */
};

int font_pool_new(struct font_lib *lib)
{
    if (lib->pool != NULL)
        return 0;
    lib->pool = calloc(1, sizeof(*lib->pool));
    if (lib->pool == NULL)
        return ENOMEM;
    for (size_t i = 0; i < FONT_MAX_SUBSETTERS; i++) {
        atomic_init(&lib->pool->held[i], 0);
        lib->pool->own[i].slot = i;
    }
    return 0;
}

static void own_clear(struct font_own *o)
{
    for (size_t i = 0; i < FONT_MAX_FACES; i++) {
        hb_face_destroy(o->faces[i]);
        o->faces[i] = NULL;
    }
}

void font_pool_free(struct font_lib *lib)
{
    if (lib->pool == NULL)
        return;
    for (size_t i = 0; i < FONT_MAX_SUBSETTERS; i++)
        own_clear(&lib->pool->own[i]);
    free(lib->pool);
    lib->pool = NULL;
}

struct font_own *font_own_take(const struct font_lib *lib)
{
    struct font_own *o = NULL;

    for (size_t i = 0; lib->pool != NULL && i < FONT_MAX_SUBSETTERS; i++) {
        int expect = 0;
        if (atomic_compare_exchange_strong(&lib->pool->held[i], &expect, 1))
            return &lib->pool->own[i];
    }
    o = calloc(1, sizeof(*o));
    if (o != NULL)
        o->temp = 1;
    return o;
}

void font_own_give(const struct font_lib *lib, struct font_own *o)
{
    if (o == NULL)
        return;
    if (o->temp) {
        own_clear(o);
        free(o);
        return;
    }
    atomic_store(&lib->pool->held[o->slot], 0);
}

/* A new face of f's source, preprocessed when f says so. */
static hb_face_t *copy_face(const struct font_face *f)
{
    hb_face_t *plain = hb_face_create(f->src, f->src_index);
    hb_face_t *pre = NULL;

    if (plain == hb_face_get_empty())
        return NULL;
    if (!f->pre_copies)
        return plain;
    pre = hb_subset_preprocess(plain);
    hb_face_destroy(plain);
    return pre == hb_face_get_empty() ? NULL : pre;
}

hb_face_t *font_own_face(const struct font_lib *lib, struct font_own *o, size_t face)
{
    if (face >= lib->nfaces)
        return NULL;
    if (o->faces[face] == NULL)
        o->faces[face] = copy_face(&lib->faces[face]);
    return o->faces[face];
}
