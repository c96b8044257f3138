/*
 * test_store_audit.c - the audit log: sequence numbers from 1, the hash
 * chain, the "since N, at most M" reader, and tampering done behind the
 * store's back with raw LMDB (a changed byte, a re-hashed entry, a deleted
 * entry) named by store_audit_verify and store_check.
 */
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>
#include <openssl/evp.h>

#include "check.h"
#include "raw_lmdb.h"
#include "store.h"

static const char *const actions[] = {"issue",     "issue",  "suspend",
                                      "reinstate", "revoke", "keys-rotate"};

static int append_all(store_txn *txn, void *arg)
{
    struct store_audit_entry e;
    size_t i;
    int rc = 0;

    (void)arg;
    for (i = 0; rc == 0 && i < sizeof actions / sizeof actions[0]; i++) {
        memset(&e, 0, sizeof e);
        e.time = 1700000000 + (int64_t)i;
        strcpy(e.action, actions[i]);
        if (i < 5)
            strcpy(e.certificate_no, "440120230100000013");
        strcpy(e.actor, "operator-1");
        snprintf(e.detail, sizeof e.detail, "step %zu", i + 1);
        rc = store_audit_append(txn, &e);
        if (rc == 0 && e.seq != i + 1)
            rc = -1;
    }
    return rc;
}

static int append_empty_action(store_txn *txn, void *arg)
{
    struct store_audit_entry e;

    (void)arg;
    memset(&e, 0, sizeof e);
    return store_audit_append(txn, &e);
}

static void key_of(unsigned char k[8], uint64_t seq)
{
    int i;

    for (i = 7; i >= 0; i--, seq >>= 8)
        k[i] = (unsigned char)seq;
}

/* Reads entry seq into buf (max 2048). */
static int raw_get(const char *dir, uint64_t seq, unsigned char *buf, size_t *len)
{
    struct raw_lmdb r;
    unsigned char k[8];
    MDB_val kv = {8, k}, v;
    int rc;

    key_of(k, seq);
    rc = raw_lmdb_begin(&r, dir, "audit");
    if (rc == 0)
        rc = mdb_get(r.txn, r.dbi, &kv, &v);
    if (rc == 0 && v.mv_size <= 2048) {
        memcpy(buf, v.mv_data, v.mv_size);
        *len = v.mv_size;
    }
    return raw_lmdb_end(&r, rc == 0 ? 0 : rc);
}

/* Writes entry seq (buf NULL: deletes it). */
static int raw_put(const char *dir, uint64_t seq, const unsigned char *buf, size_t len)
{
    struct raw_lmdb r;
    unsigned char k[8];
    MDB_val kv = {8, k}, v = {len, (void *)buf};
    int rc;

    key_of(k, seq);
    rc = raw_lmdb_begin(&r, dir, "audit");
    if (rc == 0)
        rc = buf ? mdb_put(r.txn, r.dbi, &kv, &v, 0) : mdb_del(r.txn, r.dbi, &kv, NULL);
    return raw_lmdb_end(&r, rc);
}

static int verify_dir(const char *dir, uint64_t *bad, uint64_t *count)
{
    char err[256];
    store *s = NULL;
    int rc;

    *bad = 0;
    *count = 0;
    rc = store_open(dir, STORE_RDONLY, &s, err, sizeof err);
    if (rc != 0)
        return rc;
    rc = store_audit_verify(s, bad, count);
    store_close(s);
    return rc;
}

/* Re-computes the hash of a stored entry as an attacker who knows the format would. */
static void rehash(unsigned char *rec, size_t len)
{
    unsigned char prev[32];
    unsigned int n = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    /* prev_hash is the field just before the 34-byte hash field: tag 7, length 32 */
    memcpy(prev, rec + len - 34 - 32, 32);
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    EVP_DigestUpdate(ctx, prev, 32);
    EVP_DigestUpdate(ctx, rec, len - 34);
    EVP_DigestFinal_ex(ctx, rec + len - 32, &n);
    EVP_MD_CTX_free(ctx);
}

/* The first occurrence of a text inside a record, or NULL. */
static unsigned char *find(unsigned char *p, size_t len, const char *s)
{
    size_t n = strlen(s), i;

    for (i = 0; i + n <= len; i++) {
        if (memcmp(p + i, s, n) == 0)
            return p + i;
    }
    return NULL;
}

static void test_chain(void)
{
    char tmp[64] = "/tmp/jp-audit-XXXXXX", err[256];
    store *s = NULL;
    store_txn *txn = NULL;
    struct store_audit_entry out[8];
    struct store_report rep;
    unsigned char orig[2048], rec[2048], *p;
    size_t n, len = 0;
    uint64_t bad, count, last;

    if (mkdtemp(tmp) == NULL)
        exit(3);
    CHECK_INT(store_open(tmp, STORE_CREATE, &s, err, sizeof err), 0);
    CHECK_INT(store_write(s, append_empty_action, NULL), STORE_EINVAL);
    CHECK_INT(store_write(s, append_all, NULL), 0);
    CHECK_INT(store_audit_verify(s, &bad, &count), 0);
    CHECK_INT(bad, 0);
    CHECK_INT(count, 6);
    CHECK_INT(store_read_begin(s, &txn), 0);
    CHECK_INT(store_audit_last(txn, &last), 0);
    CHECK_INT(last, 6);
    CHECK_INT(store_audit_since(txn, 2, out, 2, &n), 0);
    CHECK_INT(n, 2);
    CHECK_INT(out[0].seq, 3);
    CHECK_STR(out[0].action, "suspend");
    CHECK_STR(out[1].action, "reinstate");
    CHECK_STR(out[1].detail, "step 4");
    CHECK_INT(out[1].time, 1700000003);
    CHECK(memcmp(out[1].prev_hash, out[0].hash, 32) == 0);
    CHECK_INT(store_audit_since(txn, 4, out, 8, &n), 0);
    CHECK_INT(n, 2);
    CHECK_STR(out[1].action, "keys-rotate");
    CHECK_STR(out[1].certificate_no, "");
    CHECK_INT(store_audit_since(txn, 6, out, 8, &n), 0);
    CHECK_INT(n, 0);
    CHECK_INT(store_audit_since(txn, 0, out, 8, &n), 0);
    CHECK_INT(n, 6);
    store_read_end(txn);
    store_close(s);
    s = NULL;

    /* one changed byte in entry 3's detail text */
    CHECK_INT(raw_get(tmp, 3, orig, &len), 0);
    memcpy(rec, orig, len);
    p = find(rec, len, "step 3");
    CHECK(p != NULL);
    if (p != NULL)
        p[5] = '9';
    CHECK_INT(raw_put(tmp, 3, rec, len), 0);
    CHECK_INT(verify_dir(tmp, &bad, &count), STORE_ECORRUPT);
    CHECK_INT(bad, 3);
    CHECK_INT(count, 6);
    CHECK_INT(store_open(tmp, 0, &s, err, sizeof err), 0);
    CHECK_INT(store_check(s, &rep), 0);
    CHECK_INT(rep.problems, 1);
    CHECK_STR(rep.first[0], "audit chain broken at sequence 3");
    store_close(s);
    s = NULL;

    /* the same change with entry 3's own hash recomputed: entry 4 no longer links */
    rehash(rec, len);
    CHECK_INT(raw_put(tmp, 3, rec, len), 0);
    CHECK_INT(verify_dir(tmp, &bad, &count), STORE_ECORRUPT);
    CHECK_INT(bad, 4);

    /* the original back: intact again */
    CHECK_INT(raw_put(tmp, 3, orig, len), 0);
    CHECK_INT(verify_dir(tmp, &bad, &count), 0);
    CHECK_INT(bad, 0);

    /* a missing sequence number */
    CHECK_INT(raw_put(tmp, 2, NULL, 0), 0);
    CHECK_INT(verify_dir(tmp, &bad, &count), STORE_ECORRUPT);
    CHECK_INT(bad, 2);

    /* a truncated record */
    CHECK_INT(raw_get(tmp, 1, rec, &len), 0);
    CHECK_INT(raw_put(tmp, 1, rec, len - 1), 0);
    CHECK_INT(verify_dir(tmp, &bad, &count), STORE_ECORRUPT);
    CHECK_INT(bad, 1);
    jp_remove_tree(tmp);
}

int main(void)
{
    test_chain();
    return CHECK_DONE();
}
