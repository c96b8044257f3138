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

#include <string.h>

#include <openssl/sha.h>

struct vf_qrslot {
    unsigned char key[SHA256_DIGEST_LENGTH]; /* SHA-256 of the QR text */
    uint64_t gen;                            /* trust generation it was judged in; 0 = empty */
    struct verifier_qr qr;                   /* the verdict and claims */
};

int vf_qrcache_init(struct vf_qrcache *c, size_t nslots)
{
    int rc = vf_slots_init(&c->t, nslots, sizeof(struct vf_qrslot));

    if (rc != 0)
        return rc;
    atomic_store(&c->gen, 1);
    atomic_store(&c->hits, 0);
    atomic_store(&c->stored, 0);
    return 0;
}

void vf_qrcache_free(struct vf_qrcache *c)
{
    if (c != NULL)
        vf_slots_free(&c->t, NULL); /* a slot owns nothing */
}

void vf_qrcache_invalidate(struct vf_qrcache *c)
{
    atomic_fetch_add(&c->gen, 1);
}

static size_t slot_of(const struct vf_qrcache *c, const unsigned char key[SHA256_DIGEST_LENGTH])
{
    size_t i = (size_t)key[0] | (size_t)key[1] << 8 | (size_t)key[2] << 16 | (size_t)key[3] << 24;

    return i % c->t.nslots;
}

int vf_qrcache_get(struct vf_qrcache *c, const unsigned char key[32], struct verifier_qr *out)
{
    const struct vf_qrslot *s;
    size_t i;
    uint64_t gen = atomic_load(&c->gen);
    int hit;

    if (c->t.nslots == 0)
        return 0;
    i = slot_of(c, key);
    s = vf_slots_lock(&c->t, i);
    hit = s->gen == gen && memcmp(s->key, key, SHA256_DIGEST_LENGTH) == 0;
    if (hit)
        *out = s->qr;
    vf_slots_unlock(&c->t, i);
    if (hit)
        atomic_fetch_add(&c->hits, 1);
    return hit;
}

void vf_qrcache_put(struct vf_qrcache *c, const unsigned char key[32], uint64_t gen,
                    const struct verifier_qr *qr)
{
    struct vf_qrslot *s;
    size_t i;

    if (c->t.nslots == 0)
        return;
    i = slot_of(c, key);
    s = vf_slots_lock(&c->t, i);
    memcpy(s->key, key, SHA256_DIGEST_LENGTH);
    s->gen = gen;
    s->qr = *qr;
    vf_slots_unlock(&c->t, i);
}
