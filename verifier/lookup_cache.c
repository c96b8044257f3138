/*
 * lookup_cache.c - the lookup answer (GET /api/v1/certificates/{no}) of a
 * record built once per record version and kept. The answer is a function of
 * the record's bytes alone (the configuration's position names are read once
 * at start), so a kept answer is served while the store's record of that
 * number is byte for byte the one it was built from; every request still reads
 * the record in a fresh snapshot, so a status change shows at once. A slot
 * keeps a copy of the record (it holds the holder's data in clear, like the
 * store map beside it; wiped when replaced or freed) for that comparison: an
 * exact one, no digest that could collide. Direct-mapped on the number,
 * striped locks, a fixed number of slots; hits and misses go to /metrics.
 */
#include "verifier_int.h"

#include <stdlib.h>
#include <string.h>

struct vf_lookup_slot {
    char no[IDENT_CERTNO_SIZE]; /* certificate number; "" = empty */
    unsigned char *data;        /* owned: the record (reclen bytes), then the answer */
    size_t reclen;              /* bytes of the record at data */
    size_t anslen;              /* bytes of the answer at data + reclen */
};

int vf_lookup_cache_init(struct vf_lookup_cache *c, size_t nslots)
{
    int rc = vf_slots_init(&c->t, nslots, sizeof(struct vf_lookup_slot));

    if (rc != 0)
        return rc;
    atomic_store(&c->hits, 0);
    atomic_store(&c->misses, 0);
    return 0;
}

/* Wipes and frees a slot's copy (it holds personal data in clear). */
static void slot_data_free(unsigned char *data, size_t len)
{
    if (data == NULL)
        return;
    jp_cleanse(data, len);
    free(data);
}

/* vf_slots_free's release of one slot: its copy, wiped. */
static void slot_release(void *slot)
{
    struct vf_lookup_slot *s = slot;

    slot_data_free(s->data, s->reclen + s->anslen);
}

void vf_lookup_cache_free(struct vf_lookup_cache *c)
{
    if (c != NULL)
        vf_slots_free(&c->t, slot_release);
}

/* FNV-1a over the number's 18 characters, modulo the slots. */
static size_t slot_of(const struct vf_lookup_cache *c, const char *no)
{
    uint64_t h = 0xcbf29ce484222325u;

    for (size_t i = 0; i < STORE_CERT_NO_LEN; i++)
        h = (h ^ (unsigned char)no[i]) * 0x100000001b3u;
    return (size_t)(h % c->t.nslots);
}

/*
 * Appends the kept answer of no to b when its slot was built from exactly the
 * record rec[reclen]: 1 then, 0 on a miss or when b cannot take it (b
 * untouched).
 */
static int cache_get(struct vf_lookup_cache *c, const char *no, const void *rec, size_t reclen,
                     struct jp_buf *b)
{
    const struct vf_lookup_slot *s;
    size_t i;
    int hit;

    if (c->t.nslots == 0)
        return 0;
    i = slot_of(c, no);
    s = vf_slots_lock(&c->t, i);
    hit = s->data != NULL && memcmp(s->no, no, STORE_CERT_NO_LEN) == 0 && s->reclen == reclen &&
          memcmp(s->data, rec, reclen) == 0;
    if (hit && jp_buf_append(b, s->data + reclen, s->anslen) != 0)
        hit = 0;
    vf_slots_unlock(&c->t, i);
    atomic_fetch_add(hit ? &c->hits : &c->misses, 1);
    return hit;
}

/* Keeps ans[anslen], built from record rec[reclen] of no; forgets it when no memory. */
static void cache_put(struct vf_lookup_cache *c, const char *no, const void *rec, size_t reclen,
                      const void *ans, size_t anslen)
{
    struct vf_lookup_slot *s, old;
    unsigned char *data;
    size_t i;

    if (c->t.nslots == 0 || reclen > VF_LOOKUP_REC_MAX || anslen > VF_LOOKUP_ANSWER_MAX)
        return;
    data = malloc(reclen + anslen);
    if (data == NULL)
        return;
    memcpy(data, rec, reclen);
    memcpy(data + reclen, ans, anslen);
    i = slot_of(c, no);
    s = vf_slots_lock(&c->t, i);
    old = *s;
    memcpy(s->no, no, STORE_CERT_NO_LEN);
    s->no[STORE_CERT_NO_LEN] = '\0';
    s->data = data;
    s->reclen = reclen;
    s->anslen = anslen;
    vf_slots_unlock(&c->t, i);
    slot_data_free(old.data, old.reclen + old.anslen);
}

/* The answer of record rec[reclen] of no into b: kept, or built and then kept. */
static int answer_of(struct verifier *v, const char *no, const void *rec, size_t reclen,
                     struct jp_buf *b)
{
    struct store_cert cert;
    size_t start = b->len;
    int rc;

    if (cache_get(&v->lookups, no, rec, reclen, b))
        return 0;
    rc = store_cert_decode(rec, reclen, &cert);
    if (rc == 0)
        rc = vf_cert_json_text(v, &cert, b);
    if (rc == 0)
        cache_put(&v->lookups, no, rec, reclen, b->data + start, b->len - start);
    return rc;
}

int vf_cert_answer(struct verifier *v, const char *no, struct jp_buf *b)
{
    store_txn *txn = NULL;
    const void *rec;
    size_t reclen;
    int rc;

    if (strlen(no) != STORE_CERT_NO_LEN)
        return STORE_EINVAL;
    rc = vf_read_renew(v, &txn);
    if (rc != 0)
        return rc;
    rc = store_get(txn, STORE_DB_CERTS, no, STORE_CERT_NO_LEN, &rec, &reclen);
    if (rc == 0)
        rc = answer_of(v, no, rec, reclen, b);
    store_read_reset(txn);
    return rc;
}
