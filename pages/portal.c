/*
 * portal.c - the HOME/portal/ LMDB environment and the per-certificate
 * lockout of failed holder proofs (pages.h). One record per certificate
 * number, keyed by HMAC-SHA256(key, number): the times of the failures still
 * inside the window, oldest first, and the end of a lock. Each write also
 * removes a few expired records after its own, so the environment stays the
 * size of the last hour's activity.
 */
#include "pages.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define KEY_LEN 32
#define PORTAL_MAX_DBS 8 /* named databases: rosters; sessions and shares to come */
#define REC_VERSION 1u
#define PATH_MAX_ 4096

struct portal {
    MDB_env *env;               /* HOME/portal/ */
    MDB_dbi dbi;                /* the lockout records (the main database) */
    MDB_dbi rosters;            /* "rosters": roster permalinks */
    MDB_dbi sessions;           /* "sessions": SHA-256(token) -> struct session_rec */
    MDB_dbi shares;             /* "shares": share id -> struct portal_share */
    MDB_dbi cert_shares;        /* "cert_shares" (sorted duplicates): number -> share id */
    unsigned char key[KEY_LEN]; /* HMAC key of the record keys */
};

static void be64_put(unsigned char *p, uint64_t v)
{
    int i;

    for (i = 7; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

static uint64_t be64_get(const void *q)
{
    const unsigned char *p = q;
    uint64_t v = 0;
    int i;

    for (i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

struct lock_rec {
    uint32_t version;                /* REC_VERSION */
    uint32_t n;                      /* failures in fails[] */
    int64_t fails[PORTAL_FAILS_MAX]; /* unix seconds of each failure, oldest first */
    int64_t locked_until;            /* unix seconds; 0 = not locked */
};

static const struct jp_err_text pages_errs[] = {
    {PAGES_E_LOCKED, "too many failed proofs for this certificate"},
    {PAGES_E_CORRUPT, "portal record or key file is malformed"},
    {PAGES_E_FORM, "form, cookie or upload is malformed"},
    {PAGES_E_TOO_BIG, "uploaded file or form field is too large"},
    {PAGES_E_CSRF, "csrf token does not match"},
    {PAGES_E_NOTFOUND, "no such record"},
    {PAGES_E_LIMIT, "the certificate has reached its limit"},
};

const char *pages_strerror(int code)
{
    if (code < 0 && !JP_ERR_IN(code, JP_ERR_PAGES_BASE))
        return mdb_strerror(code); /* LMDB's codes pass through */
    return jp_err_name(pages_errs, sizeof pages_errs / sizeof pages_errs[0], code);
}

/* ------------------------------------------------------------ opening */

static int read_key(const char *path, unsigned char key[KEY_LEN])
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    ssize_t n;
    int rc = 0;

    if (fd < 0)
        return errno;
    n = read(fd, key, KEY_LEN);
    if (n < 0)
        rc = errno;
    else if (n != KEY_LEN)
        rc = PAGES_E_CORRUPT;
    close(fd);
    return rc;
}

/* Writes 32 random bytes to a temporary file and links it in place: whoever links first wins. */
static int make_key(const char *dir, const char *path)
{
    unsigned char key[KEY_LEN];
    char tmp[PATH_MAX_];
    int fd, rc = 0;

    if (jp_strf(tmp, sizeof(tmp), "%s/key.XXXXXX", dir) != 0)
        return ENAMETOOLONG;
    if (RAND_bytes(key, sizeof(key)) != 1)
        return EIO;
    fd = mkstemp(tmp);
    if (fd < 0) {
        rc = errno;
        goto out;
    }
    if (fchmod(fd, 0600) != 0 || write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) ||
        fsync(fd) != 0)
        rc = errno != 0 ? errno : EIO;
    close(fd);
    if (rc == 0 && link(tmp, path) != 0 && errno != EEXIST)
        rc = errno;
    unlink(tmp);
out:
    OPENSSL_cleanse(key, sizeof(key));
    return rc;
}

static int load_key(const char *dir, unsigned char key[KEY_LEN], char *err, size_t errlen)
{
    char path[PATH_MAX_];
    int rc;

    rc = jp_path_join(path, sizeof(path), dir, "key");
    if (rc != 0)
        return rc;
    rc = read_key(path, key);
    if (rc == ENOENT) {
        rc = make_key(dir, path);
        if (rc == 0)
            rc = read_key(path, key);
    }
    if (rc != 0)
        jp_errf(err, errlen, "%s: %s", path, pages_strerror(rc));
    return rc;
}

/* dir exists as a real directory (made 0700 when missing). */
static int ensure_dir(const char *dir, char *err, size_t errlen)
{
    struct stat st;

    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        jp_errf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return errno;
    }
    if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        jp_errf(err, errlen, "%s: not a directory", dir);
        return ENOTDIR;
    }
    return 0;
}

static int env_open(portal *p, const char *dir, char *err, size_t errlen)
{
    MDB_txn *txn = NULL;
    int rc;

    rc = mdb_env_create(&p->env);
    if (rc == 0)
        rc = mdb_env_set_mapsize(p->env, (size_t)PORTAL_MAP_SIZE);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(p->env, PORTAL_MAX_DBS);
    if (rc == 0)
        rc = mdb_env_open(p->env, dir, MDB_NOSYNC | MDB_NOTLS, 0600);
    if (rc == 0)
        rc = mdb_txn_begin(p->env, NULL, 0, &txn);
    if (rc == 0)
        rc = mdb_dbi_open(txn, NULL, 0, &p->dbi);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "rosters", MDB_CREATE, &p->rosters);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "sessions", MDB_CREATE, &p->sessions);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "shares", MDB_CREATE, &p->shares);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "cert_shares", MDB_CREATE | MDB_DUPSORT, &p->cert_shares);
    if (rc == 0)
        rc = mdb_txn_commit(txn);
    else if (txn != NULL)
        mdb_txn_abort(txn);
    if (rc != 0)
        jp_errf(err, errlen, "%s: %s", dir, mdb_strerror(rc));
    return rc;
}

int portal_open(const char *dir, portal **out, char *err, size_t errlen)
{
    portal *p;
    int rc;

    *out = NULL;
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        return ENOMEM;
    rc = ensure_dir(dir, err, errlen);
    if (rc == 0)
        rc = load_key(dir, p->key, err, errlen);
    if (rc == 0)
        rc = env_open(p, dir, err, errlen);
    if (rc != 0) {
        portal_close(p);
        return rc;
    }
    *out = p;
    return 0;
}

void portal_close(portal *p)
{
    if (p == NULL)
        return;
    if (p->env != NULL)
        mdb_env_close(p->env);
    OPENSSL_cleanse(p->key, sizeof(p->key));
    free(p);
}

/* ------------------------------------------------------------ records */

static int rec_key(const portal *p, const char *no, size_t len, unsigned char out[32])
{
    unsigned int n = 0;

    return HMAC(EVP_sha256(), p->key, KEY_LEN, (const unsigned char *)no, len, out, &n) != NULL
               ? 0
               : EIO;
}

/* Reads the record at k into r (zeroed when absent). */
static int rec_get(MDB_txn *txn, MDB_dbi dbi, MDB_val *k, struct lock_rec *r)
{
    MDB_val v;
    int rc;

    memset(r, 0, sizeof(*r));
    r->version = REC_VERSION;
    rc = mdb_get(txn, dbi, k, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc != 0)
        return rc;
    if (v.mv_size != sizeof(*r))
        return PAGES_E_CORRUPT;
    memcpy(r, v.mv_data, sizeof(*r));
    if (r->version != REC_VERSION || r->n > PORTAL_FAILS_MAX)
        return PAGES_E_CORRUPT;
    return 0;
}

/* Drops the failures that left the window ending at now, and a lock that ended. */
static void rec_age(struct lock_rec *r, int64_t now)
{
    uint32_t keep = 0, i;

    for (i = 0; i < r->n; i++) {
        if (r->fails[i] > now - PORTAL_WINDOW_S)
            r->fails[keep++] = r->fails[i];
    }
    r->n = keep;
    if (r->locked_until <= now)
        r->locked_until = 0;
}

static int rec_expired(const struct lock_rec *r, int64_t now)
{
    struct lock_rec copy = *r;

    rec_age(&copy, now);
    return copy.n == 0 && copy.locked_until == 0;
}

/* Removes up to PORTAL_PRUNE_STEP expired records after k (wrapping once to the start). */
static int prune(MDB_txn *txn, MDB_dbi dbi, MDB_val *k, int64_t now)
{
    MDB_cursor *cur = NULL;
    MDB_val key = *k, v;
    int rc, steps, wrapped = 0;

    rc = mdb_cursor_open(txn, dbi, &cur);
    if (rc != 0)
        return rc;
    rc = mdb_cursor_get(cur, &key, &v, MDB_SET_RANGE);
    for (steps = 0; steps < PORTAL_PRUNE_STEP; steps++) {
        struct lock_rec r;

        if (rc == 0)
            rc = mdb_cursor_get(cur, &key, &v, MDB_NEXT);
        if (rc == MDB_NOTFOUND && !wrapped) {
            wrapped = 1;
            rc = mdb_cursor_get(cur, &key, &v, MDB_FIRST);
        }
        if (rc != 0)
            break;
        if (v.mv_size != sizeof(r))
            continue;
        memcpy(&r, v.mv_data, sizeof(r));
        if (rec_expired(&r, now) &&
            (key.mv_size != k->mv_size || memcmp(key.mv_data, k->mv_data, key.mv_size) != 0))
            rc = mdb_cursor_del(cur, 0);
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static unsigned retry_of(const struct lock_rec *r, int64_t now)
{
    int64_t left = r->locked_until - now;

    return left < 1 ? 1u : (unsigned)left;
}

/* What a charge does to a record already aged to now: 0, or PAGES_E_LOCKED. */
static int rec_charge(struct lock_rec *r, int64_t now, unsigned *retry_s)
{
    if (r->locked_until > now) {
        *retry_s = retry_of(r, now);
        return PAGES_E_LOCKED;
    }
    if (r->n == PORTAL_FAILS_MAX) {
        memmove(r->fails, r->fails + 1, (PORTAL_FAILS_MAX - 1) * sizeof(r->fails[0]));
        r->n--;
    }
    r->fails[r->n++] = now;
    if (r->n == PORTAL_FAILS_MAX)
        r->locked_until = now + PORTAL_LOCK_S;
    return 0;
}

/* Removes one failure at t; a lock that this failure set goes with it. */
static void rec_refund(struct lock_rec *r, int64_t t)
{
    uint32_t i;

    for (i = 0; i < r->n; i++) {
        if (r->fails[i] == t)
            break;
    }
    if (i == r->n)
        return;
    memmove(r->fails + i, r->fails + i + 1, (r->n - i - 1) * sizeof(r->fails[0]));
    r->n--;
    if (r->locked_until != 0 && r->locked_until - PORTAL_LOCK_S == t)
        r->locked_until = 0;
}

enum op { OP_CHARGE, OP_REFUND, OP_PEEK };

/* One transaction: read the record of no, apply op at time t, write it back. */
static int rec_update(portal *p, const char *no, size_t len, enum op op, int64_t t,
                      unsigned *retry_s)
{
    unsigned char hk[32];
    MDB_val k = {sizeof(hk), hk}, v;
    struct lock_rec r;
    MDB_txn *txn = NULL;
    int rc;

    rc = rec_key(p, no, len, hk);
    if (rc != 0)
        return rc;
    rc = mdb_txn_begin(p->env, NULL, op == OP_PEEK ? MDB_RDONLY : 0, &txn);
    if (rc != 0)
        return rc;
    rc = rec_get(txn, p->dbi, &k, &r);
    if (rc != 0)
        goto out_abort_txn;
    if (op != OP_REFUND)
        rec_age(&r, t);
    if (op == OP_PEEK && r.locked_until > t) {
        *retry_s = retry_of(&r, t);
        rc = PAGES_E_LOCKED;
    }
    if (op == OP_PEEK)
        goto out_abort_txn;
    if (op == OP_CHARGE)
        rc = rec_charge(&r, t, retry_s);
    else
        rec_refund(&r, t);
    if (rc != 0)
        goto out_abort_txn;
    v.mv_size = sizeof(r);
    v.mv_data = &r;
    if (r.n == 0 && r.locked_until == 0)
        rc = mdb_del(txn, p->dbi, &k, NULL);
    else
        rc = mdb_put(txn, p->dbi, &k, &v, 0);
    if (rc == MDB_NOTFOUND)
        rc = 0;
    if (rc == 0)
        rc = prune(txn, p->dbi, &k, t);
    if (rc != 0)
        goto out_abort_txn;
    return mdb_txn_commit(txn);
out_abort_txn:
    mdb_txn_abort(txn);
    return rc;
}

int portal_proof_charge(portal *p, const char *no, size_t len, int64_t now, unsigned *retry_s)
{
    *retry_s = 0;
    return rec_update(p, no, len, OP_CHARGE, now, retry_s);
}

int portal_proof_refund(portal *p, const char *no, size_t len, int64_t charge_time)
{
    unsigned unused = 0;

    return rec_update(p, no, len, OP_REFUND, charge_time, &unused);
}

int portal_proof_locked(portal *p, const char *no, size_t len, int64_t now, unsigned *retry_s)
{
    *retry_s = 0;
    return rec_update(p, no, len, OP_PEEK, now, retry_s);
}

/* ------------------------------------------------------------ rosters */

/* Removes up to PORTAL_PRUNE_STEP expired roster records from the start. */
static int roster_prune(MDB_txn *txn, MDB_dbi dbi, int64_t now)
{
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    int rc, steps;

    rc = mdb_cursor_open(txn, dbi, &cur);
    if (rc != 0)
        return rc;
    rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    for (steps = 0; rc == 0 && steps < PORTAL_PRUNE_STEP; steps++) {
        if (v.mv_size >= 8 && (int64_t)be64_get(v.mv_data) + PORTAL_ROSTER_KEEP_S <= now)
            rc = mdb_cursor_del(cur, 0);
        if (rc == 0)
            rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

int portal_roster_put(portal *p, const void *blob, size_t len, int64_t now,
                      unsigned char id[PORTAL_ROSTER_ID_LEN])
{
    MDB_val k = {PORTAL_ROSTER_ID_LEN, id}, v;
    MDB_txn *txn = NULL;
    unsigned char *rec;
    int rc;

    if (len > PORTAL_ROSTER_MAX)
        return PAGES_E_TOO_BIG;
    if (RAND_bytes(id, PORTAL_ROSTER_ID_LEN) != 1)
        return EIO;
    rec = malloc(len + 8);
    if (rec == NULL)
        return ENOMEM;
    be64_put(rec, (uint64_t)now);
    memcpy(rec + 8, blob, len);
    v.mv_size = len + 8;
    v.mv_data = rec;
    rc = mdb_txn_begin(p->env, NULL, 0, &txn);
    if (rc != 0)
        goto out_free;
    rc = mdb_put(txn, p->rosters, &k, &v, MDB_NOOVERWRITE);
    if (rc == 0)
        rc = roster_prune(txn, p->rosters, now);
    if (rc == 0)
        rc = mdb_txn_commit(txn);
    else
        mdb_txn_abort(txn);
out_free:
    free(rec);
    return rc;
}

int portal_roster_get(portal *p, const unsigned char id[PORTAL_ROSTER_ID_LEN], int64_t now,
                      struct jp_buf *out, int64_t *created)
{
    MDB_val k = {PORTAL_ROSTER_ID_LEN, (void *)id}, v;
    MDB_txn *txn = NULL;
    int rc;

    jp_buf_reset(out);
    *created = 0;
    rc = mdb_txn_begin(p->env, NULL, MDB_RDONLY, &txn);
    if (rc != 0)
        return rc;
    rc = mdb_get(txn, p->rosters, &k, &v);
    if (rc == MDB_NOTFOUND)
        rc = PAGES_E_NOTFOUND;
    else if (rc == 0 && v.mv_size < 8)
        rc = PAGES_E_CORRUPT;
    if (rc == 0) {
        *created = (int64_t)be64_get(v.mv_data);
        if (*created + PORTAL_ROSTER_KEEP_S <= now)
            rc = PAGES_E_NOTFOUND; /* expired: pruned on a later write */
        else
            rc = jp_buf_append(out, (const unsigned char *)v.mv_data + 8, v.mv_size - 8);
    }
    mdb_txn_abort(txn);
    return rc;
}

/* ------------------------------------------------------------ sessions */

struct session_rec {
    uint32_t version;        /* REC_VERSION */
    char no[PORTAL_NO_SIZE]; /* the certificate signed in with */
    int64_t created;         /* unix seconds */
    int64_t last_seen;       /* unix seconds of the last request */
};

/* SHA-256 of the token's 16 raw bytes, the record key: the environment holds no token. */
static int session_key(const char *token, unsigned char out[32])
{
    unsigned char raw[PORTAL_SESSION_BYTES];
    size_t n = 0;

    if (strlen(token) != PORTAL_SESSION_LEN ||
        jp_base32_decode(token, PORTAL_SESSION_LEN, raw, sizeof(raw), &n) != 0 || n != sizeof(raw))
        return PAGES_E_NOTFOUND;
    SHA256(raw, sizeof(raw), out);
    OPENSSL_cleanse(raw, sizeof(raw));
    return 0;
}

/* Removes up to PORTAL_PRUNE_STEP ended sessions after k, so records do not pile up. */
static int session_prune(MDB_txn *txn, MDB_dbi dbi, MDB_val *k, int64_t now)
{
    MDB_cursor *cur = NULL;
    MDB_val key = *k, v;
    struct session_rec r;
    int rc = mdb_cursor_open(txn, dbi, &cur);

    if (rc == 0)
        rc = mdb_cursor_get(cur, &key, &v, MDB_SET_RANGE);
    for (int steps = 0; rc == 0 && steps < PORTAL_PRUNE_STEP; steps++) {
        rc = mdb_cursor_get(cur, &key, &v, MDB_NEXT);
        if (rc != 0 || v.mv_size != sizeof(r))
            continue;
        memcpy(&r, v.mv_data, sizeof(r));
        if (now - r.last_seen > PORTAL_SESSION_IDLE_S)
            rc = mdb_cursor_del(cur, 0);
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

int portal_session_new(portal *p, const char *no, int64_t now, char token[PORTAL_SESSION_LEN + 1])
{
    unsigned char raw[PORTAL_SESSION_BYTES], hk[32];
    struct session_rec r = {.version = REC_VERSION, .created = now, .last_seen = now};
    MDB_val k = {sizeof(hk), hk}, v = {sizeof(r), &r};
    MDB_txn *txn = NULL;
    int rc;

    token[0] = '\0';
    if (strlen(no) >= sizeof(r.no))
        return PAGES_E_TOO_BIG;
    memcpy(r.no, no, strlen(no) + 1);
    if (RAND_bytes(raw, sizeof(raw)) != 1)
        return EIO;
    rc = jp_base32_encode(raw, sizeof(raw), token, PORTAL_SESSION_LEN + 1);
    SHA256(raw, sizeof(raw), hk);
    OPENSSL_cleanse(raw, sizeof(raw));
    if (rc == 0)
        rc = mdb_txn_begin(p->env, NULL, 0, &txn);
    if (rc == 0)
        rc = mdb_put(txn, p->sessions, &k, &v, MDB_NOOVERWRITE);
    if (rc == 0)
        rc = session_prune(txn, p->sessions, &k, now);
    if (rc == 0)
        return mdb_txn_commit(txn);
    if (txn != NULL)
        mdb_txn_abort(txn);
    token[0] = '\0';
    return rc;
}

int portal_session_get(portal *p, const char *token, int64_t now, char no[PORTAL_NO_SIZE])
{
    unsigned char hk[32];
    MDB_val k = {sizeof(hk), hk}, v;
    struct session_rec r;
    MDB_txn *txn = NULL;
    int rc;

    no[0] = '\0';
    rc = session_key(token, hk);
    if (rc == 0)
        rc = mdb_txn_begin(p->env, NULL, 0, &txn);
    if (rc != 0)
        return rc;
    rc = mdb_get(txn, p->sessions, &k, &v);
    if (rc == 0 && v.mv_size != sizeof(r))
        rc = PAGES_E_CORRUPT;
    if (rc == 0) {
        memcpy(&r, v.mv_data, sizeof(r));
        if (now - r.last_seen > PORTAL_SESSION_IDLE_S || now < r.created) {
            rc = mdb_del(txn, p->sessions, &k, NULL);
            if (rc == 0)
                rc = mdb_txn_commit(txn);
            return rc == 0 ? PAGES_E_NOTFOUND : rc;
        }
        r.last_seen = now;
        v.mv_data = &r;
        rc = mdb_put(txn, p->sessions, &k, &v, 0);
    }
    if (rc == MDB_NOTFOUND)
        rc = PAGES_E_NOTFOUND;
    if (rc != 0) {
        mdb_txn_abort(txn);
        return rc;
    }
    memcpy(no, r.no, sizeof(r.no));
    return mdb_txn_commit(txn);
}

int portal_session_end(portal *p, const char *token)
{
    unsigned char hk[32];
    MDB_val k = {sizeof(hk), hk};
    MDB_txn *txn = NULL;
    int rc = session_key(token, hk);

    if (rc == 0)
        rc = mdb_txn_begin(p->env, NULL, 0, &txn);
    if (rc != 0)
        return rc;
    rc = mdb_del(txn, p->sessions, &k, NULL);
    if (rc == MDB_NOTFOUND)
        rc = 0;
    if (rc != 0) {
        mdb_txn_abort(txn);
        return rc;
    }
    return mdb_txn_commit(txn);
}

/* ------------------------------------------------------------ shares */

static int share_read(MDB_txn *txn, MDB_dbi dbi, const unsigned char id[PORTAL_SHARE_ID_LEN],
                      struct portal_share *out)
{
    MDB_val k = {PORTAL_SHARE_ID_LEN, (void *)id}, v;
    int rc = mdb_get(txn, dbi, &k, &v);

    if (rc == MDB_NOTFOUND)
        return PAGES_E_NOTFOUND;
    if (rc != 0)
        return rc;
    if (v.mv_size != sizeof(*out))
        return PAGES_E_CORRUPT;
    memcpy(out, v.mv_data, sizeof(*out));
    return out->version == REC_VERSION ? 0 : PAGES_E_CORRUPT;
}

/* 0 when certificate nk has fewer than PORTAL_SHARE_ACTIVE_MAX lasting shares, else PAGES_E_LIMIT.
 */
static int share_room(MDB_txn *txn, const portal *p, MDB_val *nk, int64_t now)
{
    struct portal_share s;
    MDB_cursor *cur = NULL;
    MDB_val k = *nk, v;
    size_t active = 0;
    int rc = mdb_cursor_open(txn, p->cert_shares, &cur);

    if (rc == 0)
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET);
    while (rc == 0 && active < PORTAL_SHARE_ACTIVE_MAX) {
        if (v.mv_size == PORTAL_SHARE_ID_LEN && share_read(txn, p->shares, v.mv_data, &s) == 0 &&
            s.revoked_at == 0 && now < s.expires)
            active++;
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP);
    }
    mdb_cursor_close(cur);
    jp_cleanse(&s, sizeof(s));
    if (active >= PORTAL_SHARE_ACTIVE_MAX)
        return PAGES_E_LIMIT;
    return rc == MDB_NOTFOUND ? 0 : rc;
}

int portal_share_new(portal *p, struct portal_share *s, int64_t now)
{
    MDB_val k = {PORTAL_SHARE_ID_LEN, s->id}, v = {sizeof(*s), s}, nk, nv;
    MDB_txn *txn = NULL;
    int rc;

    s->version = REC_VERSION;
    s->created = now;
    s->revoked_at = 0;
    s->accesses = 0;
    s->last_access = 0;
    if (memchr(s->no, '\0', sizeof(s->no)) == NULL ||
        memchr(s->recipient, '\0', sizeof(s->recipient)) == NULL ||
        memchr(s->purpose, '\0', sizeof(s->purpose)) == NULL || s->expires <= now)
        return PAGES_E_FORM;
    if (RAND_bytes(s->id, sizeof(s->id)) != 1)
        return EIO;
    nk.mv_size = strlen(s->no);
    nk.mv_data = s->no;
    nv.mv_size = PORTAL_SHARE_ID_LEN;
    nv.mv_data = s->id;
    rc = mdb_txn_begin(p->env, NULL, 0, &txn);
    if (rc == 0)
        rc = share_room(txn, p, &nk, now);
    if (rc == 0)
        rc = mdb_put(txn, p->shares, &k, &v, MDB_NOOVERWRITE);
    if (rc == 0)
        rc = mdb_put(txn, p->cert_shares, &nk, &nv, 0);
    if (rc == 0)
        return mdb_txn_commit(txn);
    if (txn != NULL)
        mdb_txn_abort(txn);
    return rc;
}

int portal_share_open(portal *p, const unsigned char id[PORTAL_SHARE_ID_LEN], int64_t now,
                      struct portal_share *out)
{
    MDB_val k = {PORTAL_SHARE_ID_LEN, (void *)id}, v;
    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin(p->env, NULL, 0, &txn);

    if (rc != 0)
        return rc;
    rc = share_read(txn, p->shares, id, out);
    if (rc == 0 && out->revoked_at == 0 && now < out->expires) {
        out->accesses++;
        out->last_access = now;
        v.mv_size = sizeof(*out);
        v.mv_data = out;
        rc = mdb_put(txn, p->shares, &k, &v, 0);
    }
    if (rc != 0) {
        mdb_txn_abort(txn);
        return rc;
    }
    return mdb_txn_commit(txn);
}

int portal_share_revoke(portal *p, const unsigned char id[PORTAL_SHARE_ID_LEN], const char *no,
                        int64_t now)
{
    MDB_val k = {PORTAL_SHARE_ID_LEN, (void *)id}, v;
    struct portal_share s;
    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin(p->env, NULL, 0, &txn);

    if (rc != 0)
        return rc;
    rc = share_read(txn, p->shares, id, &s);
    if (rc == 0 && strcmp(s.no, no) != 0)
        rc = PAGES_E_NOTFOUND; /* another holder's share: as if there were none */
    if (rc == 0 && s.revoked_at == 0) {
        s.revoked_at = now;
        v.mv_size = sizeof(s);
        v.mv_data = &s;
        rc = mdb_put(txn, p->shares, &k, &v, 0);
    }
    if (rc != 0) {
        mdb_txn_abort(txn);
        return rc;
    }
    return mdb_txn_commit(txn);
}

int portal_share_list(portal *p, const char *no, struct portal_share *out, size_t max, size_t *n)
{
    MDB_val k = {strlen(no), (void *)no}, v;
    MDB_cursor *cur = NULL;
    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin(p->env, NULL, MDB_RDONLY, &txn);

    *n = 0;
    if (rc == 0)
        rc = mdb_cursor_open(txn, p->cert_shares, &cur);
    if (rc == 0)
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET);
    while (rc == 0) {
        if (v.mv_size == PORTAL_SHARE_ID_LEN && *n < max) {
            rc = share_read(txn, p->shares, v.mv_data, &out[*n]);
            if (rc == 0)
                (*n)++;
        }
        if (rc == 0)
            rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP);
    }
    mdb_cursor_close(cur);
    if (txn != NULL)
        mdb_txn_abort(txn);
    return rc == MDB_NOTFOUND ? 0 : rc;
}
