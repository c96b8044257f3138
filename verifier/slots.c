/*
 * slots.c - a fixed table of equal slots under striped locks, the structure
 * the QR verdict cache and the lookup cache share: one zeroed allocation of
 * nslots slots, set up once and never resized, so the request path allocates
 * nothing for it; slot i is guarded by the stripe mu[i % VF_SLOTS_STRIPES].
 * What a slot holds, how a key maps to a slot and what a hit means stay with
 * each cache.
 */
#include "verifier_int.h"

#include <errno.h>
#include <stdlib.h>

int vf_slots_init(struct vf_slots *t, size_t nslots, size_t size)
{
    t->nslots = nslots;
    t->size = size;
    t->slots = nslots > 0 ? calloc(nslots, size) : NULL;
    if (nslots > 0 && t->slots == NULL)
        return ENOMEM;
    for (size_t i = 0; i < VF_SLOTS_STRIPES; i++)
        pthread_mutex_init(&t->mu[i], NULL);
    t->ready = 1;
    return 0;
}

void vf_slots_free(struct vf_slots *t, void (*release)(void *slot))
{
    if (t == NULL || !t->ready)
        return;
    for (size_t i = 0; release != NULL && i < t->nslots; i++)
        release((char *)t->slots + i * t->size);
    for (size_t i = 0; i < VF_SLOTS_STRIPES; i++)
        pthread_mutex_destroy(&t->mu[i]);
    free(t->slots);
    t->slots = NULL;
    t->nslots = 0;
    t->ready = 0;
}

void *vf_slots_lock(struct vf_slots *t, size_t i)
{
    pthread_mutex_lock(&t->mu[i % VF_SLOTS_STRIPES]);
    return (char *)t->slots + i * t->size;
}

void vf_slots_unlock(struct vf_slots *t, size_t i)
{
    pthread_mutex_unlock(&t->mu[i % VF_SLOTS_STRIPES]);
}
