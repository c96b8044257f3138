/*
 * raw_lmdb.h - one write transaction on a named database of a store's LMDB
 * environment, behind the store's back, for tests that damage or age a store
 * on purpose. For tests only.
 */
#ifndef JP_TEST_RAW_LMDB_H
#define JP_TEST_RAW_LMDB_H

#include <lmdb.h>

/* An open environment, write transaction and database. */
struct raw_lmdb {
    MDB_env *env; /* owned until raw_lmdb_end */
    MDB_txn *txn; /* owned until raw_lmdb_end; NULL when begin failed before it */
    MDB_dbi dbi;  /* the database named at begin */
};

/*
 * Opens the environment in dir, begins a write transaction and opens the
 * database name (which must exist). Returns 0 or an LMDB error; either way
 * call raw_lmdb_end(r, rc) afterwards.
 */
static int raw_lmdb_begin(struct raw_lmdb *r, const char *dir, const char *name)
    __attribute__((unused));
static int raw_lmdb_begin(struct raw_lmdb *r, const char *dir, const char *name)
{
    int rc;

    r->env = NULL;
    r->txn = NULL;
    rc = mdb_env_create(&r->env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(r->env, 32);
    if (rc == 0)
        rc = mdb_env_open(r->env, dir, 0, 0600);
    if (rc == 0)
        rc = mdb_txn_begin(r->env, NULL, 0, &r->txn);
    if (rc == 0)
        rc = mdb_dbi_open(r->txn, name, 0, &r->dbi);
    return rc;
}

/*
 * Commits the transaction when rc is 0, else aborts it, and closes the
 * environment. Returns rc, or the commit's error.
 */
static int raw_lmdb_end(struct raw_lmdb *r, int rc) __attribute__((unused));
static int raw_lmdb_end(struct raw_lmdb *r, int rc)
{
    if (rc == 0)
        rc = mdb_txn_commit(r->txn);
    else if (r->txn != NULL)
        mdb_txn_abort(r->txn);
    mdb_env_close(r->env);
    return rc;
}

#endif
