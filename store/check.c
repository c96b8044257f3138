/*
 * check.c - hot compacting backup and the integrity check. The check walks
 * every database in one read transaction and reports problems by certificate
 * or sequence number only, never by personal data (the holder index is keyed
 * by ID number, so its problems name the certificate it points at).
 */
#include "store_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* 0 when dir is an empty directory, STORE_EBUSY when it holds anything, else errno. */
static int dir_empty(const char *dir)
{
    struct dirent *de;
    DIR *d = NULL;
    int rc = 0;

    d = opendir(dir);
    if (d == NULL)
        return errno;
    for (;;) {
        errno = 0;
        de = readdir(d);
        if (de == NULL) {
            rc = errno;
            break;
        }
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            rc = STORE_EBUSY;
            break;
        }
    }
    closedir(d);
    return rc;
}

/* Creates dir 0700 (or takes an empty one), then sets 0700 whatever the umask or its old mode. */
static int backup_dir(const char *dir, char *err, size_t errlen)
{
    int rc;

    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        rc = errno;
        jp_errf(err, errlen, "cannot create backup directory %s: %s", dir, strerror(rc));
        return rc;
    }
    rc = dir_empty(dir);
    if (rc != 0) {
        jp_errf(err, errlen, "backup directory %s: %s", dir, store_strerror(rc));
        return rc;
    }
    if (chmod(dir, 0700) != 0) {
        rc = errno;
        jp_errf(err, errlen, "cannot make backup directory %s private: %s", dir, strerror(rc));
        return rc;
    }
    return 0;
}

/*
 * Copies the environment into a data.mdb the store creates itself, 0600
 * whatever the umask (mdb_env_copy2 would create it 0666 less the umask).
 */
static int backup_copy(store *s, const char *dir, char *err, size_t errlen)
{
    char path[4096];
    int fd, rc;

    rc = jp_path_join(path, sizeof path, dir, "data.mdb");
    if (rc != 0) {
        jp_errf(err, errlen, "backup directory %s: path too long", dir);
        return rc;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = errno;
        jp_errf(err, errlen, "cannot create %s: %s", path, strerror(rc));
        return rc;
    }
    rc = fchmod(fd, 0600) != 0 ? errno : 0;
    if (rc == 0)
        rc = mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT);
    if (rc == 0 && fsync(fd) != 0)
        rc = errno;
    if (close(fd) != 0 && rc == 0)
        rc = errno;
    if (rc != 0) {
        jp_errf(err, errlen, "cannot copy store to %s: %s", dir, mdb_strerror(rc));
        unlink(path);
    }
    return rc;
}

int store_backup(store *s, const char *dir, char *err, size_t errlen)
{
    int rc;

    jp_errf(err, errlen, "%s", "");
    rc = backup_dir(dir, err, errlen);
    if (rc == 0)
        rc = backup_copy(s, dir, err, errlen);
    return rc;
}

/* ------------------------------------------------------------------ check */

static void problem(struct store_report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Counts a problem and keeps its description while there is room. */
static void problem(struct store_report *r, const char *fmt, ...)
{
    va_list ap;
    char *line;
    int n;

    if (r->problems < STORE_REPORT_LINES) {
        line = r->first[r->problems];
        va_start(ap, fmt);
        n = vsnprintf(line, sizeof r->first[0], fmt, ap);
        va_end(ap);
        if (n < 0)
            line[0] = '\0';
        else if ((size_t)n >= sizeof r->first[0])
            memcpy(line + sizeof r->first[0] - 4, "...", 4);
    }
    r->problems++;
}

/* The serial counter of a prefix must have reached the highest serial issued. */
static int check_serial(store_txn *txn, const char *prefix, uint32_t highest,
                        struct store_report *r)
{
    const void *v;
    size_t n;
    int rc;

    rc = store_get(txn, STORE_DB_SERIALS, prefix, 10, &v, &n);
    if (rc == STORE_ENOTFOUND) {
        problem(r, "serial counter of prefix %.10s is missing (highest issued %u)", prefix,
                (unsigned)highest);
        return 0;
    }
    if (rc != 0)
        return rc;
    if (n != 4)
        problem(r, "serial counter of prefix %.10s does not decode", prefix);
    else if (store_be32_get(v) < highest)
        problem(r, "serial counter of prefix %.10s is %u, below issued serial %u", prefix,
                (unsigned)store_be32_get(v), (unsigned)highest);
    return 0;
}

/* The holder index must list this certificate under its ID number. */
static int check_holder_of(store_txn *txn, const struct store_cert *c, struct store_report *r)
{
    MDB_val k = {strlen(c->id_number), (void *)c->id_number};
    MDB_val v = {STORE_CERT_NO_LEN, (void *)c->certificate_no};
    MDB_cursor *cur = NULL;
    int rc;

    if (c->id_number[0] == '\0')
        return 0;
    rc = store_mdb_cursor(txn, STORE_DB_HOLDER, &cur);
    if (rc != 0)
        return rc;
    rc = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH);
    mdb_cursor_close(cur);
    if (rc == MDB_NOTFOUND) {
        problem(r, "certificate %s is missing from the holder index", c->certificate_no);
        rc = 0;
    }
    return rc;
}

/* What walk() hands each entry: the transaction, the report and the walker's own state. */
typedef int (*entry_fn)(store_txn *, const void *, size_t, const void *, size_t,
                        struct store_report *, void *);

/* Runs fn(..., arg) on every entry of db, in key order. */
static int walk(store_txn *txn, int db, entry_fn fn, void *arg, struct store_report *r)
{
    store_cursor *c = NULL;
    const void *k, *v;
    size_t kn, vn;
    int rc;

    rc = store_cursor_open(txn, db, &c);
    if (rc != 0)
        return rc;
    rc = store_cursor_first(c, &k, &kn, &v, &vn);
    while (rc == 0) {
        rc = fn(txn, k, kn, v, vn, r, arg);
        if (rc == 0)
            rc = store_cursor_next(c, &k, &kn, &v, &vn);
    }
    store_cursor_close(c);
    return rc == STORE_ENOTFOUND ? 0 : rc;
}

/* One certificate: key matches, PDF present, holder entry present. */
static int check_cert(store_txn *txn, const void *k, size_t kn, const void *v, size_t vn,
                      struct store_report *r)
{
    struct store_cert c;
    const void *pdf;
    size_t pn;
    int rc;

    r->certs++;
    if (store_cert_decode(v, vn, &c) != 0) {
        problem(r, "certificate record %.*s does not decode", (int)(kn > 18 ? 18 : kn),
                (const char *)k);
        return 0;
    }
    if (kn != STORE_CERT_NO_LEN || memcmp(k, c.certificate_no, kn) != 0)
        problem(r, "certificate %s is stored under another key", c.certificate_no);
    rc = store_pdf_get(txn, c.certificate_no, &pdf, &pn);
    if (rc == STORE_ENOTFOUND)
        problem(r, "certificate %s has no pdf", c.certificate_no);
    else if (rc != 0)
        return rc;
    return check_holder_of(txn, &c, r);
}

/* The 7-digit serial inside an 18-character certificate number. */
static uint32_t serial_of(const char *no)
{
    uint32_t v = 0;
    int i;

    for (i = 10; i < 17; i++)
        v = v * 10 + (uint32_t)(no[i] - '0');
    return v;
}

/* Follows the prefix groups of the sorted certificate keys; checks a group when it ends. */
static int track_prefix(store_txn *txn, const void *k, char prefix[11], uint32_t *highest,
                        struct store_report *r)
{
    char no[STORE_CERT_NO_LEN + 1];
    int rc = 0;

    memcpy(no, k, STORE_CERT_NO_LEN);
    no[STORE_CERT_NO_LEN] = '\0';
    if (prefix[0] != '\0' && memcmp(prefix, no, 10) != 0)
        rc = check_serial(txn, prefix, *highest, r);
    memcpy(prefix, no, 10);
    prefix[10] = '\0';
    *highest = serial_of(no);
    return rc;
}

/* The prefix group a walk of certs is in: its prefix ("" before the first), highest serial. */
struct prefix_group {
    char prefix[11];  /* PPCCYYYYJJ of the group */
    uint32_t highest; /* serial of its last certificate so far */
};

/* One entry of certs: the certificate, then the prefix group it belongs to. */
static int check_cert_entry(store_txn *txn, const void *k, size_t kn, const void *v, size_t vn,
                            struct store_report *r, void *arg)
{
    struct prefix_group *g = arg;
    int rc;

    rc = check_cert(txn, k, kn, v, vn, r);
    if (rc == 0 && kn == STORE_CERT_NO_LEN)
        rc = track_prefix(txn, k, g->prefix, &g->highest, r);
    return rc;
}

/* Walks certs in key order; a prefix's certificates are adjacent, the last the highest. */
static int check_certs(store_txn *txn, struct store_report *r)
{
    struct prefix_group g = {"", 0};
    int rc;

    rc = walk(txn, STORE_DB_CERTS, check_cert_entry, &g, r);
    if (rc == 0 && g.prefix[0] != '\0')
        rc = check_serial(txn, g.prefix, g.highest, r);
    return rc;
}

/* Copies an 18-byte value or key into a certificate number; 0 when it is not one. */
static int as_cert_no(const void *p, size_t n, char out[IDENT_CERTNO_SIZE])
{
    if (n != STORE_CERT_NO_LEN)
        return 0;
    memcpy(out, p, n);
    out[n] = '\0';
    return 1;
}

/* Every PDF belongs to a certificate. */
static int check_pdf_entry(store_txn *txn, const void *k, size_t kn, const void *v, size_t vn,
                           struct store_report *r, void *arg)
{
    struct store_cert c;
    char no[IDENT_CERTNO_SIZE];
    int rc;

    (void)v;
    (void)vn;
    (void)arg;
    r->pdfs++;
    if (!as_cert_no(k, kn, no)) {
        problem(r, "pdf stored under a key that is no certificate number");
        return 0;
    }
    rc = store_cert_get(txn, no, &c);
    if (rc == STORE_ENOTFOUND || rc == STORE_ECORRUPT || rc == STORE_EINVAL) {
        problem(r, "pdf %s has no readable certificate", no);
        rc = 0;
    }
    return rc;
}

/*
 * The certificate an index entry (value v: a certificate number) points at:
 * sets *found and fills *c when it is there and readable, else reports the
 * entry of index what ("intake", "holder") as a problem.
 */
static int entry_cert(store_txn *txn, const char *what, const void *v, size_t vn,
                      struct store_cert *c, int *found, struct store_report *r)
{
    char no[IDENT_CERTNO_SIZE];
    int rc;

    *found = 0;
    if (!as_cert_no(v, vn, no)) {
        problem(r, "%s entry holds no certificate number", what);
        return 0;
    }
    rc = store_cert_get(txn, no, c);
    if (rc == STORE_ENOTFOUND || rc == STORE_ECORRUPT || rc == STORE_EINVAL) {
        problem(r, "%s entry points at missing certificate %s", what, no);
        return 0;
    }
    *found = rc == 0;
    return rc;
}

/* Every intake entry points at a certificate with the same id, position and exam. */
static int check_intake_entry(store_txn *txn, const void *k, size_t kn, const void *v, size_t vn,
                              struct store_report *r, void *arg)
{
    unsigned char key[128];
    struct store_cert c;
    size_t len;
    int rc, found;

    (void)arg;
    rc = entry_cert(txn, "intake", v, vn, &c, &found, r);
    if (rc != 0 || !found)
        return rc;
    rc = store_intake_key(c.id_number, c.position_code, c.exam_id, key, sizeof key, &len);
    if (rc != 0 || len != kn || memcmp(key, k, kn) != 0)
        problem(r, "intake entry of certificate %s does not match its record", c.certificate_no);
    return 0;
}

/* Every holder entry points at a certificate of that ID number. */
static int check_holder_entry(store_txn *txn, const void *k, size_t kn, const void *v, size_t vn,
                              struct store_report *r, void *arg)
{
    struct store_cert c;
    int rc, found;

    (void)arg;
    rc = entry_cert(txn, "holder", v, vn, &c, &found, r);
    if (rc != 0 || !found)
        return rc;
    if (strlen(c.id_number) != kn || memcmp(c.id_number, k, kn) != 0)
        problem(r, "holder entry of certificate %s does not match its record", c.certificate_no);
    return 0;
}

/* Every serial counter is a 10-digit prefix with a 4-byte value. */
static int check_serial_entry(store_txn *txn, const void *k, size_t kn, const void *v, size_t vn,
                              struct store_report *r, void *arg)
{
    (void)txn;
    (void)k;
    (void)v;
    (void)arg;
    if (kn != 10 || vn != 4)
        problem(r, "serial counter entry does not decode");
    return 0;
}

static int check_audit(store_txn *txn, struct store_report *r)
{
    uint64_t bad = 0, count = 0;
    int rc;

    rc = store_audit_verify_txn(txn, &bad, &count);
    r->audit_entries = count;
    if (rc == STORE_ECORRUPT) {
        problem(r, "audit chain broken at sequence %llu", (unsigned long long)bad);
        rc = 0;
    }
    return rc;
}

/* The store's directory (name NULL) or one file in it: group and others get nothing. */
static int check_mode(const char *dir, const char *name, struct store_report *r)
{
    char path[4096];
    struct stat st;
    int rc;

    rc = jp_path_join(path, sizeof path, dir, name ? name : ".");
    if (rc != 0)
        return rc;
    if (stat(path, &st) != 0)
        return errno == ENOENT ? 0 : errno;
    if ((st.st_mode & 077) == 0)
        return 0;
    if (name == NULL)
        problem(r, "store directory has mode %04o: group or others may read it (want 0700)",
                (unsigned)(st.st_mode & 07777));
    else
        problem(r, "store file %s has mode %04o: group or others may read it (want 0600)", name,
                (unsigned)(st.st_mode & 07777));
    return 0;
}

/* The environment's directory 0700, its data and lock files 0600. */
static int check_modes(store *s, struct store_report *r)
{
    const char *dir = NULL;
    int rc;

    rc = mdb_env_get_path(s->env, &dir);
    if (rc != 0)
        return rc;
    rc = check_mode(dir, NULL, r);
    if (rc == 0)
        rc = check_mode(dir, "data.mdb", r);
    if (rc == 0)
        rc = check_mode(dir, "lock.mdb", r);
    return rc;
}

int store_check(store *s, struct store_report *report)
{
    store_txn *txn = NULL;
    int rc;

    memset(report, 0, sizeof *report);
    rc = check_modes(s, report);
    if (rc != 0)
        return rc;
    rc = store_read_begin(s, &txn);
    if (rc != 0)
        return rc;
    rc = check_certs(txn, report);
    if (rc == 0)
        rc = walk(txn, STORE_DB_PDFS, check_pdf_entry, NULL, report);
    if (rc == 0)
        rc = walk(txn, STORE_DB_INTAKE, check_intake_entry, NULL, report);
    if (rc == 0)
        rc = walk(txn, STORE_DB_HOLDER, check_holder_entry, NULL, report);
    if (rc == 0)
        rc = walk(txn, STORE_DB_SERIALS, check_serial_entry, NULL, report);
    if (rc == 0)
        rc = check_audit(txn, report);
    store_read_end(txn);
    return rc;
}
