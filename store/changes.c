/*
 * changes.c - the store's change log and the replication feed built on it
 * (SPEC §12, docs/store-format.md "changes").
 *
 * Every successful store_put and store_del of a store that has the "changes"
 * database appends one change record there, in the same transaction: so every
 * writer - issuance, status changes, reissues, key rotations, backfills and
 * whatever database a later feature adds - is logged without knowing it. A
 * change names the database, the key and, for values up to
 * STORE_CHG_INLINE_MAX bytes, the value itself; a longer value (a PDF, a
 * certificate record) is logged by its SHA-256 and length only, and the feed
 * sends the value as it is now when it still has that digest, else marks the
 * change superseded (a later change of the same key carries the value that
 * counts). Each record is hash-chained to its predecessor like the audit log.
 *
 * The feed is a sequence of frames: type byte, u32 big-endian length, payload.
 * store_feed_page writes 'C' (change), 'V' (its value) and 'S' (superseded)
 * frames; callers may add frames of their own (the verifier adds 'I', 'H' and
 * 'E'), which store_feed_apply skips.
 */
#include "store_int.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

enum chg_tag {
    CHG_TXN = 1,    /* u64: the writer's LMDB transaction id (a page never splits one) */
    CHG_TIME = 2,   /* u64: unix milliseconds of the change */
    CHG_OP = 3,     /* one byte: 'P' put, 'D' delete */
    CHG_DB = 4,     /* text: the database's name */
    CHG_DUPS = 5,   /* u16: 1 for a sorted-duplicates database */
    CHG_KEY = 6,    /* bytes: the key */
    CHG_VAL = 7,    /* bytes: the value (puts up to the inline bound, deletes of one duplicate) */
    CHG_DIGEST = 8, /* 32 bytes: SHA-256 of a longer value */
    CHG_VLEN = 9,   /* u64: its length */
    CHG_HASH = 255, /* last field: SHA-256(prev hash || seq u64 BE || the record before it) */
};

#define CHG_HASH_FIELD 34 /* tag + one-byte varint + 32 bytes */
#define CHG_REC_MAX (STORE_CHG_INLINE_MAX + 2 * 1024)

/* A decoded change; pointers into the record or the frame. */
struct chg {
    uint64_t txn;             /* writer's transaction id */
    uint8_t op;               /* 'P' or 'D' */
    char db[64];              /* database name */
    uint16_t dups;            /* 1 for MDB_DUPSORT */
    const void *key;          /* key bytes */
    size_t klen;              /* key length */
    const void *val;          /* inline value or NULL */
    size_t vlen;              /* its length */
    int has_val;              /* a CHG_VAL field is present */
    unsigned char digest[32]; /* of a referenced value */
    uint64_t ref_len;         /* its length */
    int is_ref;               /* value by digest */
    unsigned char hash[32];   /* the chain hash */
};

static pthread_mutex_t dbi_open_mu = PTHREAD_MUTEX_INITIALIZER; /* mdb_dbi_open is not reentrant */

static int sha256_parts(const void *a, size_t an, const void *b, size_t bn, const void *c,
                        size_t cn, unsigned char out[32])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int len = 0;
    int ok;

    if (ctx == NULL)
        return ENOMEM;
    ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) && EVP_DigestUpdate(ctx, a, an) &&
         EVP_DigestUpdate(ctx, b, bn) && EVP_DigestUpdate(ctx, c, cn) &&
         EVP_DigestFinal_ex(ctx, out, &len) && len == 32;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : ENOMEM;
}

/* The chain hash of record rec (len bytes, its hash field included) stored under seq. */
static int chg_chain(const unsigned char prev[32], uint64_t seq, const void *rec, size_t len,
                     unsigned char out[32])
{
    unsigned char k[8];

    if (len < 1 + CHG_HASH_FIELD)
        return STORE_ECORRUPT;
    store_be64_put(k, seq);
    return sha256_parts(prev, 32, k, sizeof k, rec, len - CHG_HASH_FIELD, out);
}

static int chg_field(void *ctx, uint8_t tag, const void *v, size_t n)
{
    struct chg *c = ctx;
    uint64_t u;
    int rc = 0;

    switch (tag) {
    case CHG_TXN:
        return store_rec_u64(v, n, &c->txn);
    case CHG_OP:
        if (n != 1)
            return STORE_ECORRUPT;
        c->op = *(const uint8_t *)v;
        return c->op == 'P' || c->op == 'D' ? 0 : STORE_ECORRUPT;
    case CHG_DB:
        return store_rec_str(v, n, c->db, sizeof c->db);
    case CHG_DUPS:
        return store_rec_u16(v, n, &c->dups);
    case CHG_KEY:
        c->key = v;
        c->klen = n;
        return n > 0 && n <= 511 ? 0 : STORE_ECORRUPT;
    case CHG_VAL:
        c->val = v;
        c->vlen = n;
        c->has_val = 1;
        return 0;
    case CHG_DIGEST:
        if (n != 32)
            return STORE_ECORRUPT;
        memcpy(c->digest, v, 32);
        c->is_ref = 1;
        return 0;
    case CHG_VLEN:
        rc = store_rec_u64(v, n, &u);
        c->ref_len = u;
        return rc;
    case CHG_HASH:
        if (n != 32)
            return STORE_ECORRUPT;
        memcpy(c->hash, v, 32);
        return 0;
    default:
        return 0; /* CHG_TIME, or a field of a later version */
    }
}

static int chg_decode(const void *rec, size_t len, struct chg *c)
{
    int rc;

    memset(c, 0, sizeof *c);
    rc = store_rec_chained(rec, len, 1 + CHG_HASH_FIELD, CHG_HASH, chg_field, c);
    if (rc == 0 && (c->op == 0 || c->db[0] == '\0' || c->key == NULL ||
                    (c->op == 'P' && c->has_val == c->is_ref)))
        rc = STORE_ECORRUPT;
    return rc;
}

/* The last change: its sequence number and chain hash (0 and zeros for none). */
static int chg_last(MDB_txn *tx, MDB_dbi dbi, uint64_t *seq, unsigned char hash[32])
{
    MDB_val k, v;
    struct chg c;
    int rc = store_mdb_last(tx, dbi, &k, &v);

    *seq = 0;
    memset(hash, 0, 32);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc == 0 && k.mv_size != 8)
        rc = STORE_ECORRUPT;
    if (rc == 0)
        rc = chg_decode(v.mv_data, v.mv_size, &c);
    if (rc == 0) {
        *seq = store_be64_get(k.mv_data);
        memcpy(hash, c.hash, 32);
    }
    return rc;
}

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Encodes a change (without its hash) into rec. */
static int chg_encode(MDB_txn *tx, int op, const char *db, unsigned dups, const void *key,
                      size_t klen, const void *val, size_t vlen, const unsigned char *vsha256,
                      struct jp_buf *rec)
{
    unsigned char d[32];
    uint8_t opb = (uint8_t)op;
    int rc = store_rec_begin(rec);

    if (rc == 0)
        rc = store_rec_put_u64(rec, CHG_TXN, (uint64_t)mdb_txn_id(tx));
    if (rc == 0)
        rc = store_rec_put_u64(rec, CHG_TIME, now_ms());
    if (rc == 0)
        rc = store_rec_put(rec, CHG_OP, &opb, 1);
    if (rc == 0)
        rc = store_rec_put_str(rec, CHG_DB, db);
    if (rc == 0)
        rc = store_rec_put_u16(rec, CHG_DUPS, (uint16_t)(dups ? 1 : 0));
    if (rc == 0)
        rc = store_rec_put(rec, CHG_KEY, key, klen);
    if (rc != 0 || val == NULL)
        return rc;
    if (vlen <= STORE_CHG_INLINE_MAX || dups)
        return store_rec_put(rec, CHG_VAL, val, vlen);
    if (vsha256 != NULL)
        memcpy(d, vsha256, sizeof d);
    else
        rc = sha256_parts(val, vlen, "", 0, "", 0, d);
    if (rc == 0)
        rc = store_rec_put(rec, CHG_DIGEST, d, sizeof d);
    if (rc == 0)
        rc = store_rec_put_u64(rec, CHG_VLEN, vlen);
    return rc;
}

int store_chg_log(store_txn *txn, int op, int db, const void *key, size_t klen, const void *val,
                  size_t vlen, const unsigned char *vsha256)
{
    struct jp_buf rec;
    unsigned char k[8], h[32];
    unsigned dbf = 0;
    MDB_val mk = {sizeof k, k}, mv;
    int rc;

    if (!txn->s->has_changes)
        return 0;
    if (!txn->chg_ready) {
        rc = chg_last(txn->tx, txn->s->chg_dbi, &txn->chg_seq, txn->chg_hash);
        if (rc != 0)
            return rc;
        txn->chg_ready = 1;
    }
    mdb_dbi_flags(txn->tx, txn->s->dbi[db], &dbf);
    jp_buf_init(&rec, CHG_REC_MAX);
    rc = chg_encode(txn->tx, op, txn->s->names[db], dbf & MDB_DUPSORT, key, klen, val, vlen,
                    vsha256, &rec);
    if (rc == 0)
        rc = store_rec_put(&rec, CHG_HASH, h, sizeof h); /* placeholder, overwritten below */
    if (rc == 0)
        rc = chg_chain(txn->chg_hash, txn->chg_seq + 1, rec.data, rec.len, h);
    if (rc != 0)
        goto out_free;
    memcpy(rec.data + rec.len - 32, h, 32);
    store_be64_put(k, txn->chg_seq + 1);
    mv.mv_size = rec.len;
    mv.mv_data = rec.data;
    rc = mdb_put(txn->tx, txn->s->chg_dbi, &mk, &mv, MDB_APPEND);
    if (rc == 0) {
        txn->chg_seq++;
        memcpy(txn->chg_hash, h, 32);
    }
out_free:
    jp_buf_free(&rec);
    return rc;
}

int store_changes_last(store_txn *txn, uint64_t *seq)
{
    unsigned char h[32];

    *seq = 0;
    if (!txn->s->has_changes)
        return STORE_ENOTFOUND;
    return chg_last(txn->tx, txn->s->chg_dbi, seq, h);
}

int store_changes_enabled(const store *s)
{
    return s->has_changes;
}

/* --------------------------------------------------------------- frames */

int store_feed_frame(struct jp_buf *out, int type, const void *a, size_t an, const void *b,
                     size_t bn)
{
    unsigned char hdr[5];
    int rc;

    if (an + bn > STORE_FEED_FRAME_MAX)
        return STORE_ETOOLONG;
    hdr[0] = (unsigned char)type;
    store_be32_put(hdr + 1, (uint32_t)(an + bn));
    rc = jp_buf_append(out, hdr, sizeof hdr);
    if (rc == 0 && an > 0)
        rc = jp_buf_append(out, a, an);
    if (rc == 0 && bn > 0)
        rc = jp_buf_append(out, b, bn);
    return rc;
}

int store_feed_next(struct store_feed_reader *r, int *type, const void **payload, size_t *n)
{
    uint32_t len;

    if (r->pos == r->len)
        return STORE_ENOTFOUND;
    if (r->len - r->pos < 5)
        return STORE_ECORRUPT;
    len = store_be32_get(r->p + r->pos + 1);
    if (len > STORE_FEED_FRAME_MAX || len > r->len - r->pos - 5)
        return STORE_ECORRUPT;
    *type = r->p[r->pos];
    *payload = r->p + r->pos + 5;
    *n = len;
    r->pos += 5 + (size_t)len;
    return 0;
}

/* ----------------------------------------------------------- the feed */

/* The handle of database name in this process (opened on first need). */
static int dbi_by_name(store_txn *txn, const char *name, unsigned flags, MDB_dbi *out)
{
    int id, rc;

    if (store_db_by_name(txn->s, name, &id) == 0 && !(txn->s->absent & (1u << id)))
        return store_dbi(txn, id, out);
    pthread_mutex_lock(&dbi_open_mu);
    rc = mdb_dbi_open(txn->tx, name, flags, out);
    pthread_mutex_unlock(&dbi_open_mu);
    return rc;
}

/* Appends the value frame of a referenced put: 'V' with the value as it is now, or 'S'. */
static int feed_value(store_txn *txn, const struct chg *c, struct jp_buf *out)
{
    unsigned char d[32];
    MDB_val k = {c->klen, (void *)c->key}, v;
    MDB_dbi dbi;
    int rc;

    rc = dbi_by_name(txn, c->db, 0, &dbi);
    if (rc == 0)
        rc = mdb_get(txn->tx, dbi, &k, &v);
    if (rc == MDB_NOTFOUND)
        return store_feed_frame(out, 'S', NULL, 0, NULL, 0);
    if (rc == 0)
        rc = sha256_parts(v.mv_data, v.mv_size, "", 0, "", 0, d);
    if (rc != 0)
        return rc;
    if (v.mv_size != c->ref_len || memcmp(d, c->digest, 32) != 0)
        return store_feed_frame(out, 'S', NULL, 0, NULL, 0);
    return store_feed_frame(out, 'V', v.mv_data, v.mv_size, NULL, 0);
}

int store_feed_page(store_txn *txn, uint64_t since, size_t max_bytes, struct jp_buf *out,
                    uint64_t *last, uint64_t *head)
{
    unsigned char key[8];
    MDB_cursor *cur = NULL;
    MDB_val k = {sizeof key, key}, v;
    uint64_t prev_txn = 0;
    struct chg c;
    size_t start = out->len;
    int rc;

    *last = since;
    rc = store_changes_last(txn, head);
    if (rc != 0 || since >= *head)
        return rc;
    store_be64_put(key, since + 1);
    rc = mdb_cursor_open(txn->tx, txn->s->chg_dbi, &cur);
    if (rc != 0)
        return rc;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0) {
        if (k.mv_size != 8 || chg_decode(v.mv_data, v.mv_size, &c) != 0) {
            rc = STORE_ECORRUPT;
            break;
        }
        if (out->len - start >= max_bytes &&
            (c.txn != prev_txn || out->len - start >= 2 * max_bytes))
            break;
        rc = store_feed_frame(out, 'C', k.mv_data, 8, v.mv_data, v.mv_size);
        if (rc == 0 && c.is_ref)
            rc = feed_value(txn, &c, out);
        if (rc != 0)
            break;
        *last = store_be64_get(k.mv_data);
        prev_txn = c.txn;
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* ----------------------------------------------------------- applying */

struct apply_arg {
    const unsigned char *page; /* the frames */
    size_t len;                /* their bytes */
    uint64_t start;            /* the store's last change before the page */
    uint64_t last;             /* out: the last change applied (or the store's, if none) */
    uint64_t applied;          /* out: changes applied */
    char *err;                 /* out: why a change was refused */
    size_t errlen;             /* bytes at err */
};

/* The value of a referenced put from the frame after it: *skip for 'S'. */
static int ref_value(struct store_feed_reader *r, uint64_t seq, struct chg *c, int *skip, char *err,
                     size_t errlen)
{
    unsigned char d[32];
    const void *p;
    size_t n;
    int type, rc;

    rc = store_feed_next(r, &type, &p, &n);
    if (rc != 0 || (type != 'V' && type != 'S')) {
        jp_errf(err, errlen, "change %llu: its value frame is missing", (unsigned long long)seq);
        return STORE_ECORRUPT;
    }
    *skip = type == 'S';
    if (*skip)
        return 0;
    rc = sha256_parts(p, n, "", 0, "", 0, d);
    if (rc != 0)
        return rc;
    if (n != c->ref_len || memcmp(d, c->digest, 32) != 0) {
        jp_errf(err, errlen, "change %llu (database %s): the value does not match its digest",
                (unsigned long long)seq, c->db);
        return STORE_ECORRUPT;
    }
    c->val = p;
    c->vlen = n;
    return 0;
}

/* Applies one decoded change to its database. */
static int apply_one(store_txn *txn, const struct chg *c, uint64_t seq, char *err, size_t errlen)
{
    MDB_val k = {c->klen, (void *)c->key}, v = {c->vlen, (void *)c->val};
    MDB_dbi dbi;
    int rc;

    if (strcmp(c->db, "changes") == 0) {
        jp_errf(err, errlen, "change %llu names the change log itself", (unsigned long long)seq);
        return STORE_ECORRUPT;
    }
    rc = dbi_by_name(txn, c->db, MDB_CREATE | (c->dups ? MDB_DUPSORT : 0), &dbi);
    if (rc != 0) {
        jp_errf(err, errlen, "change %llu: cannot open database %s: %s", (unsigned long long)seq,
                c->db, mdb_strerror(rc));
        return rc;
    }
    if (c->op == 'P')
        return mdb_put(txn->tx, dbi, &k, &v, 0);
    rc = mdb_del(txn->tx, dbi, &k, c->has_val ? &v : NULL);
    return rc == MDB_NOTFOUND ? 0 : rc; /* its put was superseded and never applied */
}

/* Checks the order and chain of change seq (record rec) after *prev; applies it. */
static int apply_change(store_txn *txn, struct store_feed_reader *r, const unsigned char *p,
                        size_t n, uint64_t *last, unsigned char prev[32], struct apply_arg *a)
{
    unsigned char h[32];
    MDB_val mk, mv;
    struct chg c;
    uint64_t seq;
    int skip = 0, rc;

    if (n < 8 + 1 + CHG_HASH_FIELD) {
        jp_errf(a->err, a->errlen, "a change frame after change %llu is truncated",
                (unsigned long long)*last);
        return STORE_ECORRUPT;
    }
    seq = store_be64_get(p);
    if (seq != *last + 1) {
        jp_errf(a->err, a->errlen, "change %llu arrived where %llu was due",
                (unsigned long long)seq, (unsigned long long)(*last + 1));
        return STORE_ECORRUPT;
    }
    rc = chg_decode(p + 8, n - 8, &c);
    if (rc == 0)
        rc = chg_chain(prev, seq, p + 8, n - 8, h);
    if (rc != 0 || memcmp(h, c.hash, 32) != 0) {
        jp_errf(a->err, a->errlen, "change %llu fails its chain hash: altered or not ours",
                (unsigned long long)seq);
        return STORE_ECORRUPT;
    }
    if (c.is_ref && c.op == 'P')
        rc = ref_value(r, seq, &c, &skip, a->err, a->errlen);
    if (rc == 0 && !skip)
        rc = apply_one(txn, &c, seq, a->err, a->errlen);
    if (rc == 0 && !skip && c.op == 'P' && strcmp(c.db, "audit") == 0 &&
        store_audit_check_key(txn, c.key, c.klen) != 0) {
        jp_errf(a->err, a->errlen, "change %llu: audit entry breaks the audit chain",
                (unsigned long long)seq);
        rc = STORE_ECORRUPT;
    }
    if (rc != 0)
        return rc;
    mk.mv_size = 8;
    mk.mv_data = (void *)p;
    mv.mv_size = n - 8;
    mv.mv_data = (void *)(p + 8);
    rc = mdb_put(txn->tx, txn->s->chg_dbi, &mk, &mv, MDB_APPEND);
    if (rc == 0) {
        *last = seq;
        memcpy(prev, h, 32);
        a->applied++;
    }
    return rc;
}

static int apply_page(store_txn *txn, void *arg)
{
    struct apply_arg *a = arg;
    struct store_feed_reader r = {a->page, a->len, 0};
    unsigned char prev[32];
    const void *p;
    size_t n;
    int type, rc;

    a->applied = 0;
    rc = chg_last(txn->tx, txn->s->chg_dbi, &a->last, prev);
    a->start = a->last;
    while (rc == 0) {
        rc = store_feed_next(&r, &type, &p, &n);
        if (rc == STORE_ECORRUPT)
            jp_errf(a->err, a->errlen, "the feed page is truncated after change %llu",
                    (unsigned long long)a->last);
        if (rc == 0 && type == 'C')
            rc = apply_change(txn, &r, p, n, &a->last, prev, a);
    }
    return rc == STORE_ENOTFOUND ? 0 : rc;
}

int store_feed_apply(store *s, const void *page, size_t len, uint64_t *last, uint64_t *applied,
                     char *err, size_t errlen)
{
    struct apply_arg a = {page, len, 0, 0, 0, err, errlen};
    int rc;

    jp_errf(err, errlen, "%s", "");
    if (!s->has_changes)
        return STORE_EINVAL;
    rc = store_write(s, apply_page, &a);
    if (rc != 0 && err != NULL && err[0] == '\0')
        jp_errf(err, errlen, "cannot apply the feed page: %s", store_strerror(rc));
    *last = rc == 0 ? a.last : a.start;
    *applied = rc == 0 ? a.applied : 0;
    return rc;
}
