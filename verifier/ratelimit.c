/*
 * ratelimit.c - a token bucket per key (a client address, or one key for a
 * global bucket), kept in memory: a table of 4-way sets, sized at creation,
 * indexed by a keyed hash of the key (the hash key is random per process, so
 * nobody can aim collisions), the least recently seen bucket of a full set
 * giving way. Bounded memory whatever the number of clients.
 */
#include "verifier_int.h"

#include <errno.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define RL_WAYS 4
#define RL_KEY_MAX 16

struct rl_bucket {
    unsigned char key[RL_KEY_MAX]; /* client address, zero padded */
    int used;                      /* 1 when this slot holds a client */
    double tokens;                 /* tokens left */
    uint64_t seen_ns;              /* last refill time */
};

struct vf_ratelimit {
    pthread_mutex_t lock;               /* guards the table */
    double burst;                       /* bucket size */
    double per_ns;                      /* refill rate, tokens per nanosecond */
    uint64_t seed;                      /* hash key */
    size_t sets;                        /* sets in table */
    struct rl_bucket (*table)[RL_WAYS]; /* owned; sets x RL_WAYS buckets */
};

int vf_ratelimit_new(unsigned burst, unsigned per, unsigned period_s, size_t sets,
                     vf_ratelimit **out)
{
    vf_ratelimit *rl = NULL;
    int rc = 0;

    *out = NULL;
    if (burst == 0 || per == 0 || period_s == 0 || sets == 0 || sets > VF_RL_SETS_MAX)
        return EINVAL;
    rl = calloc(1, sizeof(*rl));
    if (rl == NULL)
        return ENOMEM;
    rl->table = calloc(sets, sizeof(*rl->table));
    if (rl->table == NULL) {
        rc = ENOMEM;
        goto out_free;
    }
    if (RAND_bytes((unsigned char *)&rl->seed, sizeof(rl->seed)) != 1) {
        rc = KEYS_E_CRYPTO;
        goto out_free;
    }
    rl->sets = sets;
    rl->burst = burst;
    rl->per_ns = (double)per / ((double)period_s * 1e9);
    rc = pthread_mutex_init(&rl->lock, NULL);
    if (rc != 0)
        goto out_free;
    *out = rl;
    return 0;
out_free:
    free(rl->table);
    free(rl);
    return rc;
}

void vf_ratelimit_free(vf_ratelimit *rl)
{
    if (rl == NULL)
        return;
    pthread_mutex_destroy(&rl->lock);
    free(rl->table);
    free(rl);
}

static size_t rl_hash(const vf_ratelimit *rl, const unsigned char *key)
{
    uint64_t h = 1469598103934665603ull ^ rl->seed;
    size_t i;

    for (i = 0; i < RL_KEY_MAX; i++) {
        h ^= key[i];
        h *= 1099511628211ull;
        h ^= h >> 29;
    }
    return (size_t)(h % rl->sets);
}

/* The bucket of key; a new full one (evicting the stalest) when insert, else NULL. */
static struct rl_bucket *rl_find(vf_ratelimit *rl, const unsigned char *key, uint64_t now_ns,
                                 int insert)
{
    struct rl_bucket *set = rl->table[rl_hash(rl, key)];
    struct rl_bucket *victim = &set[0];
    size_t i;

    for (i = 0; i < RL_WAYS; i++) {
        if (set[i].used && memcmp(set[i].key, key, RL_KEY_MAX) == 0)
            return &set[i];
        if (!set[i].used || (victim->used && set[i].seen_ns < victim->seen_ns))
            victim = &set[i];
    }
    if (!insert)
        return NULL;
    memcpy(victim->key, key, RL_KEY_MAX);
    victim->used = 1;
    victim->tokens = rl->burst;
    victim->seen_ns = now_ns;
    return victim;
}

/* The bucket of k refilled to now_ns; the caller holds rl->lock. */
static struct rl_bucket *rl_refill(vf_ratelimit *rl, const unsigned char *k, uint64_t now_ns,
                                   int insert)
{
    struct rl_bucket *b = rl_find(rl, k, now_ns, insert);

    if (b != NULL && now_ns > b->seen_ns) {
        b->tokens += (double)(now_ns - b->seen_ns) * rl->per_ns;
        if (b->tokens > rl->burst)
            b->tokens = rl->burst;
        b->seen_ns = now_ns;
    }
    return b;
}

static void rl_key(unsigned char k[RL_KEY_MAX], const void *key, size_t klen)
{
    memset(k, 0, RL_KEY_MAX);
    if (klen > 0)
        memcpy(k, key, klen < RL_KEY_MAX ? klen : RL_KEY_MAX);
}

int vf_ratelimit_take(vf_ratelimit *rl, const void *key, size_t klen, uint64_t now_ns,
                      unsigned *retry_after_s)
{
    unsigned char k[RL_KEY_MAX];
    struct rl_bucket *b;
    int allowed = 0;

    *retry_after_s = 0;
    if (rl == NULL)
        return 1; /* no limiter: --no-rate-limits */
    rl_key(k, key, klen);
    pthread_mutex_lock(&rl->lock);
    b = rl_refill(rl, k, now_ns, 1);
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
        allowed = 1;
    } else {
        double wait_s = (1.0 - b->tokens) / (rl->per_ns * 1e9);

        *retry_after_s = wait_s < 86400.0 ? (unsigned)wait_s + 1 : 86400u;
    }
    pthread_mutex_unlock(&rl->lock);
    return allowed;
}

double vf_ratelimit_level(vf_ratelimit *rl, const void *key, size_t klen, uint64_t now_ns)
{
    unsigned char k[RL_KEY_MAX];
    struct rl_bucket *b;
    double level;

    rl_key(k, key, klen);
    pthread_mutex_lock(&rl->lock);
    b = rl_refill(rl, k, now_ns, 0);
    level = b != NULL ? b->tokens : rl->burst;
    pthread_mutex_unlock(&rl->lock);
    return level;
}
