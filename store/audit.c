/*
 * audit.c - the append-only audit log: entries keyed by a big-endian sequence
 * number from 1, each record ending in a hash field that chains it to its
 * predecessor: hash = SHA-256(prev_hash || the stored record up to the hash
 * field). Verification recomputes the chain from the stored bytes, so a changed
 * byte, a missing sequence number or a wrong link is found and named.
 */
#include "store_int.h"

#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

enum audit_tag {
    TAG_SEQ = 1,
    TAG_TIME = 2,
    TAG_ACTION = 3,
    TAG_CERT_NO = 4,
    TAG_ACTOR = 5,
    TAG_DETAIL = 6,
    TAG_PREV = 7,
    TAG_HASH = 255, /* always the last field: tag, length 32, 32 bytes */
};

#define HASH_FIELD_LEN 34 /* tag + one-byte varint + 32 bytes */
#define AUDIT_REC_MAX 2048

/* SHA-256 over prev || body. Returns 0 or ENOMEM (OpenSSL failure). */
static int chain_hash(const unsigned char prev[32], const void *body, size_t n,
                      unsigned char out[32])
{
    EVP_MD_CTX *ctx = NULL;
    unsigned int len = 0;
    int ok;

    ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        return ENOMEM;
    ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) && EVP_DigestUpdate(ctx, prev, 32) &&
         EVP_DigestUpdate(ctx, body, n) && EVP_DigestFinal_ex(ctx, out, &len) && len == 32;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : ENOMEM;
}

static int text_ok(const char *s, size_t size)
{
    return memchr(s, '\0', size) != NULL;
}

/* Encodes every field but the hash: the bytes the hash covers. */
static int encode_body(const struct store_audit_entry *e, struct jp_buf *out)
{
    int rc = store_rec_begin(out);

    if (rc == 0)
        rc = store_rec_put_u64(out, TAG_SEQ, e->seq);
    if (rc == 0)
        rc = store_rec_put_u64(out, TAG_TIME, (uint64_t)e->time);
    if (rc == 0)
        rc = store_rec_put_str(out, TAG_ACTION, e->action);
    if (rc == 0)
        rc = store_rec_put_str(out, TAG_CERT_NO, e->certificate_no);
    if (rc == 0)
        rc = store_rec_put_str(out, TAG_ACTOR, e->actor);
    if (rc == 0)
        rc = store_rec_put_str(out, TAG_DETAIL, e->detail);
    if (rc == 0)
        rc = store_rec_put(out, TAG_PREV, e->prev_hash, 32);
    return rc;
}

static int decode_field(void *ctx, uint8_t tag, const void *v, size_t n)
{
    struct store_audit_entry *e = ctx;
    uint64_t u;
    int rc;

    switch (tag) {
    case TAG_SEQ:
        return store_rec_u64(v, n, &e->seq);
    case TAG_TIME:
        rc = store_rec_u64(v, n, &u);
        e->time = (int64_t)u;
        return rc;
    case TAG_ACTION:
        return store_rec_str(v, n, e->action, sizeof e->action);
    case TAG_CERT_NO:
        return store_rec_str(v, n, e->certificate_no, sizeof e->certificate_no);
    case TAG_ACTOR:
        return store_rec_str(v, n, e->actor, sizeof e->actor);
    case TAG_DETAIL:
        return store_rec_str(v, n, e->detail, sizeof e->detail);
    case TAG_PREV:
    case TAG_HASH:
        if (n != 32)
            return STORE_ECORRUPT;
        memcpy(tag == TAG_PREV ? e->prev_hash : e->hash, v, 32);
        return 0;
    default:
        return 0; /* a field of a later version */
    }
}

/* Decodes a stored entry; the hash must be the last field, at its fixed place. */
static int decode_entry(const void *p, size_t len, struct store_audit_entry *e)
{
    int rc;

    memset(e, 0, sizeof *e);
    rc = store_rec_chained(p, len, 1 + HASH_FIELD_LEN, TAG_HASH, decode_field, e);
    if (rc == 0 && (e->seq == 0 || e->action[0] == '\0'))
        rc = STORE_ECORRUPT;
    if (rc != 0)
        memset(e, 0, sizeof *e);
    return rc;
}

/* The last entry's sequence number and hash (0 and zeros for an empty log). */
static int last_entry(store_txn *txn, uint64_t *seq, unsigned char hash[32])
{
    MDB_dbi dbi;
    MDB_val k, v;
    struct store_audit_entry e;
    int rc = store_dbi(txn, STORE_DB_AUDIT, &dbi);

    *seq = 0;
    memset(hash, 0, 32);
    if (rc == 0)
        rc = store_mdb_last(txn->tx, dbi, &k, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc == 0)
        rc = decode_entry(v.mv_data, v.mv_size, &e);
    if (rc == 0) {
        *seq = e.seq;
        memcpy(hash, e.hash, 32);
    }
    return rc;
}

int store_audit_last(store_txn *txn, uint64_t *seq)
{
    unsigned char hash[32];

    return last_entry(txn, seq, hash);
}

int store_audit_append(store_txn *txn, struct store_audit_entry *entry)
{
    struct jp_buf rec;
    unsigned char key[8];
    uint64_t last;
    int rc;

    if (txn->rdonly)
        return STORE_ERDONLY;
    if (!text_ok(entry->action, sizeof entry->action) || entry->action[0] == '\0' ||
        !text_ok(entry->certificate_no, sizeof entry->certificate_no) ||
        !text_ok(entry->actor, sizeof entry->actor) ||
        !text_ok(entry->detail, sizeof entry->detail))
        return STORE_EINVAL;
    jp_buf_init(&rec, AUDIT_REC_MAX);
    rc = last_entry(txn, &last, entry->prev_hash);
    if (rc != 0)
        goto out_free;
    entry->seq = last + 1;
    rc = encode_body(entry, &rec);
    if (rc == 0)
        rc = chain_hash(entry->prev_hash, rec.data, rec.len, entry->hash);
    if (rc == 0)
        rc = store_rec_put(&rec, TAG_HASH, entry->hash, 32);
    if (rc != 0)
        goto out_free;
    store_be64_put(key, entry->seq);
    rc = store_put(txn, STORE_DB_AUDIT, key, sizeof key, rec.data, rec.len, STORE_PUT_NEW);

out_free:
    jp_buf_free(&rec);
    return rc;
}

/* Checks one stored entry against the expected sequence number and predecessor. */
static int verify_one(const MDB_val *k, const MDB_val *v, uint64_t expect, unsigned char prev[32])
{
    struct store_audit_entry e;
    unsigned char h[32];
    int rc;

    if (k->mv_size != 8 || store_be64_get(k->mv_data) != expect)
        return STORE_ECORRUPT;
    rc = decode_entry(v->mv_data, v->mv_size, &e);
    if (rc != 0)
        return STORE_ECORRUPT;
    if (e.seq != expect || memcmp(e.prev_hash, prev, 32) != 0)
        return STORE_ECORRUPT;
    rc = chain_hash(prev, v->mv_data, v->mv_size - HASH_FIELD_LEN, h);
    if (rc != 0)
        return rc;
    if (memcmp(h, e.hash, 32) != 0)
        return STORE_ECORRUPT;
    memcpy(prev, e.hash, 32);
    return 0;
}

int store_audit_verify_txn(store_txn *txn, uint64_t *first_bad, uint64_t *count)
{
    unsigned char prev[32] = {0};
    MDB_cursor *c = NULL;
    MDB_val k, v;
    int rc;

    *first_bad = 0;
    *count = 0;
    rc = store_mdb_cursor(txn, STORE_DB_AUDIT, &c);
    if (rc != 0)
        return rc;
    rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
    while (rc == 0) {
        rc = verify_one(&k, &v, *count + 1, prev);
        if (rc != 0)
            break;
        (*count)++;
        rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    if (rc == STORE_ECORRUPT)
        *first_bad = *count + 1;
    while (rc == STORE_ECORRUPT && mdb_cursor_get(c, &k, &v, MDB_NEXT) == 0)
        (*count)++;
    if (rc == STORE_ECORRUPT)
        (*count)++;
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

int store_audit_verify(store *s, uint64_t *first_bad, uint64_t *count)
{
    store_txn *txn = NULL;
    int rc;

    *first_bad = 0;
    *count = 0;
    rc = store_read_begin(s, &txn);
    if (rc != 0)
        return rc;
    rc = store_audit_verify_txn(txn, first_bad, count);
    store_read_end(txn);
    return rc;
}

int store_audit_since(store_txn *txn, uint64_t since, struct store_audit_entry *out, size_t max,
                      size_t *n)
{
    unsigned char key[8];
    MDB_cursor *c = NULL;
    MDB_val k = {sizeof key, key}, v;
    int rc;

    *n = 0;
    if (since == UINT64_MAX || max == 0)
        return 0;
    store_be64_put(key, since + 1);
    rc = store_mdb_cursor(txn, STORE_DB_AUDIT, &c);
    if (rc != 0)
        return rc;
    rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && *n < max) {
        rc = decode_entry(v.mv_data, v.mv_size, &out[*n]);
        if (rc != 0)
            break;
        (*n)++;
        rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static const char *const reason_codes[] = {
    "fraud", "error", "holder_request", "ce_shortfall", "institution_struck_off", "other",
};

int store_reason_known(const char *code, size_t len)
{
    size_t i;

    for (i = 0; i < sizeof(reason_codes) / sizeof(reason_codes[0]); i++) {
        if (strlen(reason_codes[i]) == len && memcmp(reason_codes[i], code, len) == 0)
            return 1;
    }
    return 0;
}

const char *store_reason_code(const char *detail)
{
    size_t n = strcspn(detail, ":"), i;

    for (i = 0; i < sizeof(reason_codes) / sizeof(reason_codes[0]); i++) {
        if (strlen(reason_codes[i]) == n && memcmp(reason_codes[i], detail, n) == 0)
            return reason_codes[i];
    }
    return "other";
}

int store_audit_check_key(store_txn *txn, const void *key, size_t klen)
{
    unsigned char prev[32] = {0}, pk[8];
    struct store_audit_entry e;
    MDB_val k = {klen, (void *)key}, v, pv = {0, NULL};
    MDB_dbi dbi;
    uint64_t seq;
    int rc;

    if (klen != 8)
        return STORE_ECORRUPT;
    seq = store_be64_get(key);
    rc = store_dbi(txn, STORE_DB_AUDIT, &dbi);
    if (rc == 0)
        rc = mdb_get(store_mdb_txn(txn), dbi, &k, &v);
    if (rc != 0 || seq == 0)
        return STORE_ECORRUPT;
    if (seq > 1) {
        store_be64_put(pk, seq - 1);
        pv.mv_size = sizeof pk;
        pv.mv_data = pk;
        rc = mdb_get(store_mdb_txn(txn), dbi, &pv, &pv);
        if (rc != 0 || decode_entry(pv.mv_data, pv.mv_size, &e) != 0)
            return STORE_ECORRUPT;
        memcpy(prev, e.hash, 32);
    }
    return verify_one(&k, &v, seq, prev) == 0 ? 0 : STORE_ECORRUPT;
}
