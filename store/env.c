/*
 * env.c - the store's environment and transactions: opening with the schema
 * check, read transactions that follow another process's map growth, write
 * transactions that grow the map and run the caller's function again, raw
 * get/put/del and cursors, and the module's error strings.
 *
 * Map size changes (ours after MDB_MAP_FULL, or adopting another process's
 * after MDB_MAP_RESIZED) are only legal in LMDB while this process has no
 * transaction open, so every transaction is counted in store.active and a
 * resize waits until that count is zero.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "store_int.h"

#include <errno.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define STORE_DEFAULT_MAP ((size_t)64 << 20)
/* 1 TiB of address space (the file grows only as pages are written): a million
 * certificates with their PDFs need ~70 GB. Growth past this is MDB_MAP_FULL. */
#define STORE_MAP_LIMIT ((size_t)1 << 40)
#define STORE_DEFAULT_READERS 256u
#define STORE_RESIZE_TRIES 8

static const char *const builtin_names[STORE_DB_EXTRA] = {
    "meta", "certs", "pdfs", "intake", "holder", "serials", "audit", "digests", "institutions",
};

static const char schema_key[] = "schema_version";

static const struct jp_err_text store_errs[] = {
    {STORE_ENOTFOUND, "not found"},
    {STORE_EEXIST, "already exists"},
    {STORE_ECORRUPT, "record corrupt or chain broken"},
    {STORE_ETOOLONG, "value longer than its bound"},
    {STORE_EINVAL, "invalid argument"},
    {STORE_ENOTSTORE, "not a jianpei store"},
    {STORE_ESCHEMA, "unsupported schema version"},
    {STORE_ERDONLY, "store or transaction is read-only"},
    {STORE_EEXHAUSTED, "serial counter exhausted"},
    {STORE_EBUSY, "target directory is not empty"},
};

const char *store_strerror(int code)
{
    if (code < 0 && !JP_ERR_IN(code, JP_ERR_STORE_BASE))
        return mdb_strerror(code); /* LMDB's codes pass through */
    return jp_err_name(store_errs, sizeof store_errs / sizeof store_errs[0], code);
}

void store_be32_put(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

uint32_t store_be32_get(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void store_be64_put(unsigned char *p, uint64_t v)
{
    store_be32_put(p, (uint32_t)(v >> 32));
    store_be32_put(p + 4, (uint32_t)v);
}

uint64_t store_be64_get(const unsigned char *p)
{
    return (uint64_t)store_be32_get(p) << 32 | store_be32_get(p + 4);
}

/* ------------------------------------------------- transaction counting */

static void txn_enter(store *s)
{
    pthread_mutex_lock(&s->mu);
    while (s->resizing)
        pthread_cond_wait(&s->cv, &s->mu);
    s->active++;
    pthread_mutex_unlock(&s->mu);
}

static void txn_leave(store *s)
{
    pthread_mutex_lock(&s->mu);
    s->active--;
    if (s->active == 0)
        pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* Waits for sole use of the map, then runs change(s) and wakes the others. */
static int with_map_quiet(store *s, int (*change)(store *))
{
    int rc;

    pthread_mutex_lock(&s->mu);
    while (s->resizing)
        pthread_cond_wait(&s->cv, &s->mu);
    s->resizing = 1;
    while (s->active > 0)
        pthread_cond_wait(&s->cv, &s->mu);
    rc = change(s);
    s->map_addr = NULL; /* mdb_env_set_mapsize remaps, perhaps elsewhere */
    s->resizing = 0;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* Adopts the map size recorded by the last commit (another process's growth). */
static int map_adopt(store *s)
{
    return mdb_env_set_mapsize(s->env, 0);
}

/* Grows the map: a larger size another process recorded, else double ours. */
static int map_grow(store *s)
{
    MDB_envinfo before, after;
    int rc;

    mdb_env_info(s->env, &before);
    rc = mdb_env_set_mapsize(s->env, 0);
    if (rc != 0)
        return rc;
    mdb_env_info(s->env, &after);
    if (after.me_mapsize > before.me_mapsize)
        return 0;
    if (before.me_mapsize >= STORE_MAP_LIMIT / 2)
        return MDB_MAP_FULL;
    return mdb_env_set_mapsize(s->env, before.me_mapsize * 2);
}

size_t store_map_size(store *s)
{
    MDB_envinfo info;

    mdb_env_info(s->env, &info);
    return info.me_mapsize;
}

/* Begins an LMDB transaction counted in s->active, adopting a resized map. */
static int begin_counted(store *s, unsigned flags, MDB_txn **out)
{
    int rc = 0, tries;

    *out = NULL;
    for (tries = 0; tries < STORE_RESIZE_TRIES; tries++) {
        txn_enter(s);
        rc = mdb_txn_begin(s->env, NULL, flags, out);
        if (rc == 0)
            break;
        txn_leave(s);
        if (rc != MDB_MAP_RESIZED)
            break;
        rc = with_map_quiet(s, map_adopt);
        if (rc != 0)
            break;
        rc = MDB_MAP_RESIZED;
    }
    return rc;
}

int store_read_begin(store *s, store_txn **out)
{
    store_txn *t = NULL;
    int rc;

    *out = NULL;
    t = calloc(1, sizeof *t);
    if (t == NULL)
        return ENOMEM;
    t->s = s;
    t->rdonly = 1;
    rc = begin_counted(s, MDB_RDONLY, &t->tx);
    if (rc == 0) {
        t->live = 1;
        *out = t;
    } else {
        free(t);
    }
    return rc;
}

void store_read_end(store_txn *txn)
{
    if (txn == NULL)
        return;
    mdb_txn_abort(txn->tx);
    if (txn->live)
        txn_leave(txn->s);
    free(txn);
}

void store_read_reset(store_txn *txn)
{
    if (txn == NULL || !txn->live)
        return;
    mdb_txn_reset(txn->tx);
    txn->live = 0;
    txn_leave(txn->s);
}

int store_read_renew(store *s, store_txn **txn)
{
    int rc;

    if (*txn == NULL)
        return store_read_begin(s, txn);
    if ((*txn)->live)
        return STORE_EINVAL;
    txn_enter(s);
    rc = mdb_txn_renew((*txn)->tx);
    if (rc == 0) {
        (*txn)->live = 1;
        return 0;
    }
    txn_leave(s);
    /* e.g. MDB_MAP_RESIZED: a fresh begin adopts the new map size */
    store_read_end(*txn);
    *txn = NULL;
    return store_read_begin(s, txn);
}

/* One attempt: begin, run fn, commit last; abort on any error. */
static int write_once(store *s, int (*fn)(store_txn *, void *), void *arg)
{
    store_txn t = {.s = s, .tx = NULL, .rdonly = 0, .live = 1};
    int rc;

    rc = begin_counted(s, 0, &t.tx);
    if (rc != 0)
        return rc;
    rc = fn(&t, arg);
    if (rc != 0)
        goto out_abort_txn;
    rc = mdb_txn_commit(t.tx); /* frees the txn, committed or not */
    goto out_leave;

out_abort_txn:
    mdb_txn_abort(t.tx);
out_leave:
    txn_leave(s);
    return rc;
}

int store_write(store *s, int (*fn)(store_txn *txn, void *arg), void *arg)
{
    int rc;

    if (s->rdonly)
        return STORE_ERDONLY;
    for (;;) {
        rc = write_once(s, fn, arg);
        if (rc != MDB_MAP_FULL)
            break;
        rc = with_map_quiet(s, map_grow);
        if (rc != 0)
            break;
    }
    return rc;
}

/* ------------------------------------------------------------- opening */

/* Reads or (on create) writes the schema version; refuses what we do not know. */
static int check_schema(store *s, MDB_txn *tx, unsigned flags, const char *dir, char *err,
                        size_t errlen)
{
    MDB_val k = {sizeof schema_key - 1, (void *)schema_key}, v;
    unsigned char buf[4];
    uint32_t ver;
    int rc;

    rc = mdb_get(tx, s->dbi[STORE_DB_META], &k, &v);
    if (rc == MDB_NOTFOUND && (flags & STORE_CREATE)) {
        store_be32_put(buf, STORE_SCHEMA_VERSION);
        v.mv_data = buf;
        v.mv_size = sizeof buf;
        return mdb_put(tx, s->dbi[STORE_DB_META], &k, &v, 0);
    }
    if (rc == MDB_NOTFOUND) {
        jp_errf(err, errlen, "store %s: not a jianpei store (no schema version)", dir);
        return STORE_ENOTSTORE;
    }
    if (rc != 0)
        return rc;
    if (v.mv_size != 4) {
        jp_errf(err, errlen,
                "store %s: schema version is unreadable, this program knows version %u", dir,
                STORE_SCHEMA_VERSION);
        return STORE_ESCHEMA;
    }
    ver = store_be32_get(v.mv_data);
    if (ver > STORE_SCHEMA_VERSION) {
        jp_errf(err, errlen, "store %s: schema version %u is newer than this program's version %u",
                dir, (unsigned)ver, STORE_SCHEMA_VERSION);
        return STORE_ESCHEMA;
    }
    if (ver != STORE_SCHEMA_VERSION) {
        jp_errf(err, errlen, "store %s: schema version %u is unknown to this program (version %u)",
                dir, (unsigned)ver, STORE_SCHEMA_VERSION);
        return STORE_ESCHEMA;
    }
    return 0;
}

/* Opens (or creates) one named database with the right flags. */
static int open_one(store *s, MDB_txn *tx, int i, unsigned dups, int optional, const char *dir,
                    char *err, size_t errlen)
{
    unsigned f = dups ? MDB_DUPSORT : 0;
    int rc;

    if (!s->rdonly)
        f |= MDB_CREATE;
    rc = mdb_dbi_open(tx, s->names[i], f, &s->dbi[i]);
    if (rc == MDB_NOTFOUND && s->rdonly && optional) {
        s->absent |= 1u << i; /* an older store: lookups find nothing until backfilled */
        return 0;
    }
    if (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE) {
        jp_errf(err, errlen, "store %s: database %s is missing or of another kind", dir,
                s->names[i]);
        return STORE_ENOTSTORE;
    }
    return rc;
}

/* Opens the change log when the store has one, or makes it (STORE_CHANGELOG). */
static int open_changes(store *s, MDB_txn *tx, unsigned flags)
{
    unsigned f = (!s->rdonly && (flags & STORE_CHANGELOG)) ? MDB_CREATE : 0;
    int rc = mdb_dbi_open(tx, "changes", f, &s->chg_dbi);

    if (rc == MDB_NOTFOUND)
        return 0;
    s->has_changes = rc == 0;
    return rc;
}

/* Opens meta, checks the schema, then every other database, in one txn. */
static int open_dbs(store *s, unsigned flags, const struct store_opts *o, const char *dir,
                    char *err, size_t errlen)
{
    MDB_txn *tx = NULL;
    unsigned mf = (flags & STORE_CREATE) ? MDB_CREATE : 0;
    int rc, i;

    /* Another process may have grown the map past our initial size: adopt its
     * size (legal here, no transaction of this handle is open yet) and retry. */
    for (i = 0; i < STORE_RESIZE_TRIES; i++) {
        rc = mdb_txn_begin(s->env, NULL, s->rdonly ? MDB_RDONLY : 0, &tx);
        if (rc != MDB_MAP_RESIZED)
            break;
        rc = mdb_env_set_mapsize(s->env, 0);
        if (rc != 0)
            break;
        rc = MDB_MAP_RESIZED;
    }
    if (rc != 0)
        return rc;
    rc = mdb_dbi_open(tx, "meta", mf, &s->dbi[STORE_DB_META]);
    if (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE) {
        jp_errf(err, errlen, "store %s: not a jianpei store (no meta database)", dir);
        rc = STORE_ENOTSTORE;
    }
    if (rc != 0)
        goto out_abort;
    rc = check_schema(s, tx, flags, dir, err, errlen);
    if (rc != 0)
        goto out_abort;
    for (i = 1; i < s->ndb; i++) {
        unsigned dups =
            i == STORE_DB_HOLDER || i == STORE_DB_INSTITUTIONS ||
            (i >= STORE_DB_EXTRA && (o->extra[i - STORE_DB_EXTRA].flags & STORE_DB_DUPS));
        int optional =
            i == STORE_DB_DIGESTS || i == STORE_DB_INSTITUTIONS ||
            (i >= STORE_DB_EXTRA && (o->extra[i - STORE_DB_EXTRA].flags & STORE_DB_OPTIONAL));

        rc = open_one(s, tx, i, dups, optional, dir, err, errlen);
        if (rc != 0)
            goto out_abort;
    }
    rc = open_changes(s, tx, flags);
    if (rc != 0)
        goto out_abort;
    return mdb_txn_commit(tx);

out_abort:
    mdb_txn_abort(tx);
    return rc;
}

/* Fills s->names from the built-in list and the caller's extras. */
static int set_names(store *s, const struct store_opts *o)
{
    size_t i;
    int n;

    if (o->n_extra > STORE_MAX_EXTRA_DBS || (o->n_extra > 0 && o->extra == NULL))
        return STORE_EINVAL;
    for (i = 0; i < STORE_DB_EXTRA; i++)
        memcpy(s->names[i], builtin_names[i], strlen(builtin_names[i]) + 1);
    s->ndb = STORE_DB_EXTRA;
    for (i = 0; i < o->n_extra; i++, s->ndb++) {
        const char *nm = o->extra[i].name;

        if (nm == NULL || nm[0] == '\0' || store_db_by_name(s, nm, &n) == 0)
            return STORE_EINVAL;
        n = snprintf(s->names[STORE_DB_EXTRA + i], sizeof s->names[0], "%s", nm);
        if (n < 0 || (size_t)n >= sizeof s->names[0])
            return STORE_ETOOLONG;
    }
    return 0;
}

/* Without STORE_CREATE the data file must already be there. */
static int require_data_file(const char *dir, char *err, size_t errlen)
{
    char path[4096];
    struct stat st;
    int rc;

    rc = jp_path_join(path, sizeof path, dir, "data.mdb");
    if (rc != 0)
        return rc;
    if (stat(path, &st) != 0) {
        jp_errf(err, errlen, "store %s: not a jianpei store (no data file)", dir);
        return STORE_ENOTSTORE;
    }
    return 0;
}

/* Creates and opens the LMDB environment inside s. */
static int open_env(store *s, const char *dir, const struct store_opts *o, char *err, size_t errlen)
{
    unsigned ef = MDB_NOTLS | (s->rdonly ? MDB_RDONLY : 0);
    int rc, dead = 0;

    rc = mdb_env_create(&s->env);
    if (rc != 0)
        return rc;
    rc = mdb_env_set_maxreaders(s->env, o->max_readers ? o->max_readers : STORE_DEFAULT_READERS);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(s->env, (MDB_dbi)STORE_NDB_MAX + 1); /* + "changes" */
    if (rc == 0)
        rc = mdb_env_set_mapsize(s->env, o->map_size ? o->map_size : STORE_DEFAULT_MAP);
    if (rc == 0)
        rc = mdb_env_open(s->env, dir, ef, 0600);
    if (rc != 0) {
        jp_errf(err, errlen, "cannot open store %s: %s", dir, mdb_strerror(rc));
        return rc;
    }
    return mdb_reader_check(s->env, &dead);
}

int store_open_with(const char *dir, unsigned flags, const struct store_opts *opts, store **out,
                    char *err, size_t errlen)
{
    static const struct store_opts defaults = {0, 0, NULL, 0};
    const struct store_opts *o = opts ? opts : &defaults;
    store *s = NULL;
    int rc;

    *out = NULL;
    jp_errf(err, errlen, "%s", "");
    if ((flags & STORE_RDONLY) && (flags & STORE_CREATE))
        return STORE_EINVAL;
    if (flags & STORE_CREATE) {
        rc = jp_mkdir_p(dir, 0700);
        if (rc != 0) {
            jp_errf(err, errlen, "cannot create %s: %s", dir, strerror(rc));
            return rc;
        }
    } else {
        rc = require_data_file(dir, err, errlen);
        if (rc != 0)
            return rc;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return ENOMEM;
    s->rdonly = (flags & STORE_RDONLY) != 0;
    rc = pthread_mutex_init(&s->mu, NULL);
    if (rc == 0)
        rc = pthread_cond_init(&s->cv, NULL);
    if (rc == 0)
        rc = set_names(s, o);
    if (rc != 0)
        goto out_close;
    rc = open_env(s, dir, o, err, errlen);
    if (rc != 0)
        goto out_close;
    rc = open_dbs(s, flags, o, dir, err, errlen);
    if (rc != 0)
        goto out_close;
    *out = s;
    return 0;

out_close:
    if (err != NULL && errlen > 0 && err[0] == '\0')
        jp_errf(err, errlen, "store %s: %s", dir, store_strerror(rc));
    store_close(s);
    return rc;
}

int store_open(const char *dir, unsigned flags, store **out, char *err, size_t errlen)
{
    return store_open_with(dir, flags, NULL, out, err, errlen);
}

void store_close(store *s)
{
    if (s == NULL)
        return;
    if (s->env != NULL)
        mdb_env_close(s->env);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

int store_db_by_name(const store *s, const char *name, int *db)
{
    int i;

    for (i = 0; i < s->ndb; i++) {
        if (strcmp(s->names[i], name) == 0) {
            *db = i;
            return 0;
        }
    }
    return STORE_ENOTFOUND;
}

/* ------------------------------------------------------------ key/value */

int store_dbi(const store_txn *txn, int db, MDB_dbi *out)
{
    if (db < 0 || db >= txn->s->ndb)
        return STORE_EINVAL;
    if (db < 32 && (txn->s->absent & (1u << db)))
        return STORE_ENOTFOUND;
    *out = txn->s->dbi[db];
    return 0;
}

MDB_txn *store_mdb_txn(const store_txn *txn)
{
    return txn->tx;
}

int store_mdb_cursor(const store_txn *txn, int db, MDB_cursor **out)
{
    MDB_dbi dbi;
    int rc;

    *out = NULL;
    rc = store_dbi(txn, db, &dbi);
    if (rc == 0)
        rc = mdb_cursor_open(txn->tx, dbi, out);
    return rc;
}

int store_mdb_last(MDB_txn *tx, MDB_dbi dbi, MDB_val *k, MDB_val *v)
{
    MDB_cursor *c = NULL;
    int rc = mdb_cursor_open(tx, dbi, &c);

    if (rc == 0) {
        rc = mdb_cursor_get(c, k, v, MDB_LAST);
        mdb_cursor_close(c);
    }
    return rc;
}

static int map_notfound(int rc)
{
    return rc == MDB_NOTFOUND ? STORE_ENOTFOUND : rc;
}

int store_get(store_txn *txn, int db, const void *key, size_t klen, const void **val, size_t *vlen)
{
    MDB_val k = {klen, (void *)key}, v;
    MDB_dbi dbi;
    int rc;

    *val = NULL;
    *vlen = 0;
    rc = store_dbi(txn, db, &dbi);
    if (rc != 0)
        return rc;
    rc = mdb_get(txn->tx, dbi, &k, &v);
    if (rc != 0)
        return map_notfound(rc);
    *val = v.mv_data;
    *vlen = v.mv_size;
    return 0;
}

int store_get_copy(store_txn *txn, int db, const void *key, size_t klen, struct jp_buf *out)
{
    const void *v;
    size_t vlen;
    int rc;

    jp_buf_reset(out);
    rc = store_get(txn, db, key, klen, &v, &vlen);
    if (rc != 0)
        return rc;
    return jp_buf_append(out, v, vlen);
}

/* The LMDB handle of database db for a change: STORE_ERDONLY in a read-only
 * transaction, else what store_dbi() answers. */
static int write_dbi(const store_txn *txn, int db, MDB_dbi *out)
{
    if (txn->rdonly)
        return STORE_ERDONLY;
    return store_dbi(txn, db, out);
}

int store_put(store_txn *txn, int db, const void *key, size_t klen, const void *val, size_t vlen,
              unsigned flags)
{
    return store_put_digested(txn, db, key, klen, val, vlen, flags, NULL);
}

int store_put_digested(store_txn *txn, int db, const void *key, size_t klen, const void *val,
                       size_t vlen, unsigned flags, const unsigned char *vsha256)
{
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    unsigned mf = 0;
    MDB_dbi dbi;
    int rc;

    rc = write_dbi(txn, db, &dbi);
    if (rc != 0)
        return rc;
    if (flags & STORE_PUT_NEW) {
        unsigned dbf = 0;

        mdb_dbi_flags(txn->tx, dbi, &dbf);
        mf = (dbf & MDB_DUPSORT) ? MDB_NODUPDATA : MDB_NOOVERWRITE;
    }
    rc = mdb_put(txn->tx, dbi, &k, &v, mf);
    if (rc == 0)
        rc = store_chg_log(txn, 'P', db, key, klen, val, vlen, vsha256);
    if (txn->s->release_each_put)
        (void)store_release_pages(txn->s); /* failing, it only leaves pages mapped */
    return rc == MDB_KEYEXIST ? STORE_EEXIST : rc;
}

int store_del(store_txn *txn, int db, const void *key, size_t klen, const void *val, size_t vlen)
{
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    MDB_dbi dbi;
    int rc;

    rc = write_dbi(txn, db, &dbi);
    if (rc != 0)
        return rc;
    rc = map_notfound(mdb_del(txn->tx, dbi, &k, val ? &v : NULL));
    if (rc == 0)
        rc = store_chg_log(txn, 'D', db, key, klen, val, val ? vlen : 0, NULL);
    if (txn->s->release_each_put)
        (void)store_release_pages(txn->s);
    return rc;
}

/* --------------------------------------------------------------- cursors */

int store_cursor_open(store_txn *txn, int db, store_cursor **out)
{
    store_cursor *c = NULL;
    int rc;

    *out = NULL;
    c = calloc(1, sizeof *c);
    if (c == NULL)
        return ENOMEM;
    rc = store_mdb_cursor(txn, db, &c->c);
    if (rc == 0)
        *out = c;
    else
        free(c);
    return rc;
}

void store_cursor_close(store_cursor *c)
{
    if (c == NULL)
        return;
    mdb_cursor_close(c->c);
    free(c);
}

/* Moves the cursor with op and hands out the entry it lands on. */
static int cursor_move(store_cursor *c, MDB_val *k, MDB_cursor_op op, const void **key,
                       size_t *klen, const void **val, size_t *vlen)
{
    MDB_val v;
    int rc;

    rc = mdb_cursor_get(c->c, k, &v, op);
    if (rc != 0)
        return map_notfound(rc);
    *key = k->mv_data;
    *klen = k->mv_size;
    *val = v.mv_data;
    *vlen = v.mv_size;
    return 0;
}

int store_cursor_first(store_cursor *c, const void **key, size_t *klen, const void **val,
                       size_t *vlen)
{
    MDB_val k = {0, NULL};

    return cursor_move(c, &k, MDB_FIRST, key, klen, val, vlen);
}

int store_cursor_seek(store_cursor *c, const void *key, size_t klen, const void **k,
                      size_t *klen_out, const void **val, size_t *vlen)
{
    MDB_val kv = {klen, (void *)key};

    if (klen == 0)
        return store_cursor_first(c, k, klen_out, val, vlen);
    return cursor_move(c, &kv, MDB_SET_RANGE, k, klen_out, val, vlen);
}

int store_cursor_next(store_cursor *c, const void **key, size_t *klen, const void **val,
                      size_t *vlen)
{
    MDB_val k = {0, NULL};

    return cursor_move(c, &k, MDB_NEXT, key, klen, val, vlen);
}

/*
 * Finds this process's mapping of HOME/store/data.mdb in /proc/self/maps:
 * LMDB does not expose its map address (mdb_env_info's me_mapaddr is only the
 * MDB_FIXEDMAP address). Returns 0 and the range, or ENOENT.
 */
static int map_range(store *s, void **addr, size_t *len)
{
    char want[4096], line[4352], path[4096];
    const char *dir = NULL;
    unsigned long lo, hi;
    FILE *f;
    int rc = ENOENT, n;

    if (mdb_env_get_path(s->env, &dir) != 0 || dir == NULL || realpath(dir, path) == NULL)
        return ENOENT;
    n = snprintf(want, sizeof want, "%s/data.mdb", path);
    if (n < 0 || (size_t)n >= sizeof want)
        return ENAMETOOLONG;
    f = fopen("/proc/self/maps", "re");
    if (f == NULL)
        return errno;
    while (rc != 0 && fgets(line, sizeof line, f) != NULL) {
        char *name = strchr(line, '/');
        size_t l;
        if (name == NULL || sscanf(line, "%lx-%lx", &lo, &hi) != 2)
            continue;
        l = strlen(name);
        if (l > 0 && name[l - 1] == '\n')
            name[l - 1] = '\0';
        if (strcmp(name, want) == 0) {
            *addr = (void *)lo;
            *len = hi - lo;
            rc = 0;
        }
    }
    fclose(f);
    return rc;
}

void store_release_after_puts(store *s, int on)
{
    s->release_each_put = on;
}

/*
 * The first release after opening or a remap looks the map up in
 * /proc/self/maps (tens of microseconds); the others use what it found, which
 * with_map_quiet forgets whenever the map may move.
 */
int store_release_pages(store *s)
{
    int rc = 0;

    pthread_mutex_lock(&s->mu);
    if (!s->resizing) {
        if (s->map_addr == NULL)
            rc = map_range(s, &s->map_addr, &s->map_len);
        /* A read-only shared file mapping: dropping its page-table entries loses
         * nothing; the pages stay in the page cache and on disk. */
        if (rc == 0 && madvise(s->map_addr, s->map_len, MADV_DONTNEED) != 0)
            rc = errno;
    } else {
        rc = STORE_EINVAL;
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}
