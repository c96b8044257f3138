/*
 * store_int.h - what the store's own files share and nobody else sees: the
 * layout of the opaque handles and a few internal helpers. Not installed, not
 * included outside store/.
 */
#ifndef JP_STORE_INT_H
#define JP_STORE_INT_H

#include <pthread.h>

#include <lmdb.h>

#include "store.h"

#define STORE_NDB_MAX (STORE_DB_EXTRA + STORE_MAX_EXTRA_DBS)

struct store {
    MDB_env *env;                  /* owned; closed by store_close */
    MDB_dbi dbi[STORE_NDB_MAX];    /* handles of the open databases */
    char names[STORE_NDB_MAX][64]; /* their names, for store_db_by_name */
    int ndb;                       /* databases open */
    int rdonly;                    /* opened with STORE_RDONLY */
    unsigned absent;               /* bit i: built-in database i is not in this (older) store */
    pthread_mutex_t mu;            /* guards active and resizing */
    pthread_cond_t cv;             /* signalled when either changes */
    unsigned active;               /* transactions of this process now open */
    int resizing;                  /* a thread is changing the map size */
    void *map_addr;                /* data.mdb's mapping as store_release_pages found it,
                                      NULL until then and after every remap (guarded by mu) */
    size_t map_len;                /* its length in bytes */
    int release_each_put;          /* 1: store_put, store_del release pages (store.h) */
    MDB_dbi chg_dbi;               /* "changes", when has_changes */
    int has_changes;               /* 1: every put and delete is logged (changes.c) */
};

struct store_txn {
    store *s;    /* not owned */
    MDB_txn *tx; /* owned until ended */
    int rdonly;  /* a read transaction */
    int live;    /* counted in s->active: begun or renewed, not reset */
    int chg_ready;              /* chg_seq and chg_hash are read (write transactions) */
    uint64_t chg_seq;           /* the last change logged in this transaction's view */
    unsigned char chg_hash[32]; /* its chain hash */
};

struct store_cursor {
    MDB_cursor *c; /* owned; closed by store_cursor_close */
};

/* The LMDB handle of a database id, or STORE_EINVAL for an unknown id. */
int store_dbi(const store_txn *txn, int db, MDB_dbi *out);
/* The LMDB transaction inside a handle (for the store's own walkers). */
MDB_txn *store_mdb_txn(const store_txn *txn);
/* A raw LMDB cursor on database db (*out NULL on failure); close with mdb_cursor_close. */
int store_mdb_cursor(const store_txn *txn, int db, MDB_cursor **out);

/* Stores v as 4 / 8 bytes big-endian at p, and reads it back. */
void store_be32_put(unsigned char *p, uint32_t v);
uint32_t store_be32_get(const unsigned char *p);

/* Builds the intake key id_number 0 position 0 exam_id into out; STORE_ETOOLONG. */
int store_intake_key(const char *id_number, const char *position, const char *exam_id,
                     unsigned char *out, size_t outsz, size_t *len);
/* Records both digests of a PDF being stored under its number (digest.c). */
int store_digest_record(store_txn *txn, const char *certificate_no, const void *pdf, size_t len);
/* store_digest_record with sha256 = SHA-256(pdf) already computed by the caller. */
int store_digest_record_with(store_txn *txn, const char *certificate_no, const void *pdf,
                             size_t len, const unsigned char sha256[32]);
/*
 * The one-off backfills: runs each(txn, number, value) on every entry of db
 * (keyed by certificate number) in write transactions of at most 500 entries;
 * *n gets the entries handled. Returns 0 or the first error (the transactions
 * before it stay).
 */
int store_backfill_walk(store *s, int db,
                        int (*each)(store_txn *txn, const char *no, const void *v, size_t n),
                        uint64_t *n);
/* Keeps the institution index in step when cert replaces old (NULL: a new record). */
int store_institution_link(store_txn *txn, const struct store_cert *old,
                           const struct store_cert *cert);
/*
 * Logs a successful put (val, vlen) or delete (val NULL for the whole key) of
 * database db in the change log when the store has one (changes.c); op 'P' or
 * 'D'. vsha256 is SHA-256 of val when the caller has it, else NULL (a value
 * logged by digest then has it computed here). Returns 0 or an LMDB/store
 * code, which must abort the transaction.
 */
int store_chg_log(store_txn *txn, int op, int db, const void *key, size_t klen, const void *val,
                  size_t vlen, const unsigned char *vsha256);
/* Checks the audit entry stored under key (8 bytes) against its predecessor: 0 or STORE_ECORRUPT. */
int store_audit_check_key(store_txn *txn, const void *key, size_t klen);
/* Verifies the audit chain inside an open transaction (see store_audit_verify). */
int store_audit_verify_txn(store_txn *txn, uint64_t *first_bad, uint64_t *count);
/*
 * The last key and value of dbi (pointing into the map until tx ends): 0,
 * MDB_NOTFOUND for an empty database, or an LMDB code.
 */
int store_mdb_last(MDB_txn *tx, MDB_dbi dbi, MDB_val *k, MDB_val *v);
/*
 * Reads a hash-chained record (an audit entry, a change) of at least min_len
 * bytes: hands each field to field(ctx, tag, val, vlen), and requires the field
 * tagged hash_tag to be the last one. Returns 0, field()'s first error, or
 * STORE_ECORRUPT (too short, damaged, or the hash not last).
 */
int store_rec_chained(const void *p, size_t len, size_t min_len, uint8_t hash_tag,
                      int (*field)(void *ctx, uint8_t tag, const void *val, size_t vlen),
                      void *ctx);

#endif
