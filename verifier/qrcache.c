/*
 * qrcache.c - verdicts of QR texts already checked. A token's verdict depends
 * only on its bytes and on the trust (the keys and their states), so a repeat
 * scan need not verify the ECDSA signature again; every trust reload starts a
 * new generation and so empties the cache. Only the verdict and the claims are
 * kept: the certificate's live status and the comparison with its record are
 * read from the store on every request. Direct-mapped on SHA-256 of the text,
 * striped locks, fixed size (--qr-cache N entries; 0 turns it off): no
 * allocation on the request path.
 */
#include "verifier_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

struct vf_qrslot {
    unsigned char key[SHA256_DIGEST_LENGTH]; /* SHA-256 of the QR text */
    uint64_t gen;                            /* trust generation it was judged in; 0 = empty */
    struct verifier_qr qr;                   /* the verdict and claims */
};

int vf_qrcache_init(struct vf_qrcache *c, size_t nslots)
{
    c->nslots = nslots;
    c->slots = nslots > 0 ? calloc(nslots, sizeof(*c->slots)) : NULL;
    if (nslots > 0 && c->slots == NULL)
        return ENOMEM;
    for (size_t i = 0; i < VF_QRCACHE_STRIPES; i++)
        pthread_mutex_init(&c->mu[i], NULL);
    atomic_store(&c->gen, 1);
    atomic_store(&c->hits, 0);
    atomic_store(&c->stored, 0);
    c->ready = 1;
    return 0;
}

void vf_qrcache_free(struct vf_qrcache *c)
{
    if (c == NULL || !c->ready)
        return;
    for (size_t i = 0; i < VF_QRCACHE_STRIPES; i++)
        pthread_mutex_destroy(&c->mu[i]);
    c->nslots = 0;
    c->ready = 0;
    free(c->slots);
    c->slots = NULL;
}

void vf_qrcache_invalidate(struct vf_qrcache *c)
{
    atomic_fetch_add(&c->gen, 1);
}

static size_t slot_of(const struct vf_qrcache *c, const unsigned char key[SHA256_DIGEST_LENGTH])
{
    size_t i = (size_t)key[0] | (size_t)key[1] << 8 | (size_t)key[2] << 16 | (size_t)key[3] << 24;

    return i % c->nslots;
}

int vf_qrcache_get(struct vf_qrcache *c, const unsigned char key[32], struct verifier_qr *out)
{
    size_t i;
    pthread_mutex_t *mu;
    uint64_t gen = atomic_load(&c->gen);
    int hit;

    if (c->nslots == 0)
        return 0;
    i = slot_of(c, key);
    mu = &c->mu[i % VF_QRCACHE_STRIPES];
    pthread_mutex_lock(mu);
    hit = c->slots[i].gen == gen && memcmp(c->slots[i].key, key, SHA256_DIGEST_LENGTH) == 0;
    if (hit)
        *out = c->slots[i].qr;
    pthread_mutex_unlock(mu);
    if (hit)
        atomic_fetch_add(&c->hits, 1);
    return hit;
}

void vf_qrcache_put(struct vf_qrcache *c, const unsigned char key[32], uint64_t gen,
                    const struct verifier_qr *qr)
{
    size_t i;
    pthread_mutex_t *mu;

    if (c->nslots == 0)
        return;
    i = slot_of(c, key);
    mu = &c->mu[i % VF_QRCACHE_STRIPES];
    pthread_mutex_lock(mu);
    memcpy(c->slots[i].key, key, SHA256_DIGEST_LENGTH);
    c->slots[i].gen = gen;
    c->slots[i].qr = *qr;
    pthread_mutex_unlock(mu);
}
