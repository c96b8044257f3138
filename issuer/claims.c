/*
 * claims.c - claim codes on the issuer's side (SPEC §10): the notice files of
 * an issue run, a code reset, and the one-off backfill of certificates issued
 * before claim codes existed. The plain code only ever goes to the operator:
 * stdout of `claim-code reset`, private files (0600) of notices and backfill;
 * the store and the audit log hold no code.
 */
#include "audit.h"
#include "claim.h"
#include "files.h"
#include "ident.h"
#include "issuer.h"
#include "issuer_int.h"
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NOTICE_NAME_MAX 200 /* bytes of a notice file or folder name */
#define NOTICE_HEADER "certificate_no,name_masked,claim_code\n"

/* ------------------------------------------------------------ notices */

/*
 * A path component from a code of the intake: bytes outside [A-Za-z0-9-] and
 * a '.' are written _XX (hex), so no name leaves its folder, hides or clashes.
 */
static int notice_name(const char *s, const char *ext, char *out, size_t outsz)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;

    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        int plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                    (*p >= '0' && *p <= '9') || *p == '-';
        if (o + 4 >= outsz)
            return ENAMETOOLONG;
        if (plain) {
            out[o++] = (char)*p;
            continue;
        }
        out[o++] = '_';
        out[o++] = hex[*p >> 4];
        out[o++] = hex[*p & 15];
    }
    out[o] = '\0';
    if (o == 0)
        return EINVAL;
    return jp_strf(out + o, outsz - o, "%s", ext);
}

/* Opens (making it 0700 when missing) folder name under dirfd, never through a symlink. */
static int open_dir_at(int dirfd, const char *name)
{
    struct stat st;
    int fd;

    if (mkdirat(dirfd, name, 0700) != 0 && errno != EEXIST)
        return -1;
    fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
        close(fd);
        errno = EPERM;
        return -1;
    }
    return fd;
}

/* Opens notice file name under dirfd for appending: ours, regular, 0600, never a symlink. */
static int open_notice_at(int dirfd, const char *name)
{
    struct stat st;
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);

    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
        fchmod(fd, 0600) != 0) {
        close(fd);
        errno = EPERM;
        return -1;
    }
    if (st.st_size == 0 && jp_write_all(fd, NOTICE_HEADER, strlen(NOTICE_HEADER)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

struct notices {
    int top;                           /* the notices folder */
    int fd;                            /* the open notice file, or -1 */
    char inst[IDENT_CERTNO_SIZE + 32]; /* institution of fd */
    char exam[65];                     /* exam of fd */
    size_t files;                      /* notice files opened */
};

/* Makes n->fd the notice file of c's institution and exam. */
static int notices_select(struct notices *n, const struct store_cert *c, char *err, size_t errlen)
{
    char dname[NOTICE_NAME_MAX], fname[NOTICE_NAME_MAX];
    int dfd, rc;

    if (n->fd >= 0 && strcmp(n->inst, c->institution_code) == 0 && strcmp(n->exam, c->exam_id) == 0)
        return 0;
    if (n->fd >= 0 && fsync(n->fd) != 0) {
        jp_errf(err, errlen, "cannot write the notice of %s: %s", n->inst, strerror(errno));
        return errno;
    }
    if (n->fd >= 0)
        close(n->fd);
    n->fd = -1;
    rc = notice_name(c->institution_code, "", dname, sizeof dname);
    if (rc == 0)
        rc = notice_name(c->exam_id, ".csv", fname, sizeof fname);
    if (rc != 0) {
        jp_errf(err, errlen, "%s: no notice file name for its institution or exam",
                c->certificate_no);
        return rc;
    }
    dfd = open_dir_at(n->top, dname);
    n->fd = dfd < 0 ? -1 : open_notice_at(dfd, fname);
    rc = n->fd < 0 ? errno : 0;
    if (dfd >= 0)
        close(dfd);
    if (rc != 0) {
        jp_errf(err, errlen, "cannot open notice %s/%s: %s", dname, fname, strerror(rc));
        return rc;
    }
    n->files++;
    memcpy(n->inst, c->institution_code, strlen(c->institution_code) + 1);
    memcpy(n->exam, c->exam_id, strlen(c->exam_id) + 1);
    return 0;
}

/* Appends the line of one issued certificate. */
static int notices_add(struct notices *n, store_txn *txn, const struct issuer_item *it, char *err,
                       size_t errlen)
{
    struct store_cert c;
    char masked[512], line[700];
    int rc = store_cert_get(txn, it->certificate_no, &c);

    if (rc == 0)
        rc = ident_name_mask(c.holder_name, strlen(c.holder_name), masked, sizeof masked);
    if (rc != 0) {
        jp_errf(err, errlen, "%s: %s", it->certificate_no, issuer_strerror(rc));
        return rc;
    }
    rc = notices_select(n, &c, err, errlen);
    if (rc == 0)
        rc = jp_strf(line, sizeof line, "%s,%s,%s\n", it->certificate_no, masked, it->claim_code);
    if (rc == 0 && jp_write_all(n->fd, line, strlen(line)) != 0) {
        rc = errno != 0 ? errno : EIO;
        jp_errf(err, errlen, "cannot write a notice: %s", strerror(rc));
    }
    jp_cleanse(line, sizeof line);
    jp_cleanse(&c, sizeof c);
    return rc;
}

/* Opens (making it 0700 when missing) the notices folder itself, never a symlink. */
static int open_top(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    int fd;

    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        jp_errf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0 && (fstat(fd, &st) != 0 || st.st_uid != geteuid() || (st.st_mode & 077) != 0)) {
        close(fd);
        errno = EPERM;
        fd = -1;
    }
    if (fd < 0)
        jp_errf(err, errlen, "%s: not a private folder of ours (want mode 0700): %s", dir,
                strerror(errno));
    return fd;
}

int issuer_notices_write(issuer *is, const struct issuer_report *rep, const char *dir,
                         size_t *files, char *err, size_t errlen)
{
    struct notices n = {.fd = -1};
    store_txn *txn = NULL;
    int rc;

    *files = 0;
    n.top = open_top(dir, err, errlen);
    if (n.top < 0)
        return errno != 0 ? errno : EIO;
    rc = store_read_begin(is->st, &txn);
    for (size_t i = 0; rc == 0 && i < rep->n; i++)
        if (rep->items[i].what == ISSUER_ISSUED && rep->items[i].claim_code[0] != '\0')
            rc = notices_add(&n, txn, &rep->items[i], err, errlen);
    store_read_end(txn);
    if (n.fd >= 0 && fsync(n.fd) != 0 && rc == 0) {
        rc = errno;
        jp_errf(err, errlen, "cannot write a notice: %s", strerror(rc));
    }
    if (n.fd >= 0)
        close(n.fd);
    close(n.top);
    *files = n.files;
    return rc;
}

/* -------------------------------------------------------------- reset */

static int open_rw(const char *home, store **s, unsigned char key[JP_CLAIM_KEY_LEN], char *err,
                   size_t errlen)
{
    char path[JP_HOME_PATH_MAX];
    int rc = issuer_home_check(home, err, errlen);

    *s = NULL;
    if (rc == 0)
        rc = jp_claim_key_load(home, 1, key, err, errlen);
    if (rc == 0)
        rc = jp_home_path(home, JP_HOME_STORE, path);
    if (rc == 0)
        rc = store_open(path, 0, s, err, errlen);
    return rc;
}

struct reset {
    const char *no;                /* certificate number */
    const char *actor;             /* audit actor */
    const unsigned char *key;      /* claim key */
    char code[JP_CLAIM_CODE_SIZE]; /* the new code */
};

static int reset_txn(store_txn *txn, void *arg)
{
    struct reset *r = arg;
    struct store_cert c;
    int rc = store_cert_get(txn, r->no, &c);

    if (rc == 0)
        rc = jp_claim_new(r->code);
    if (rc == 0)
        rc = jp_claim_hash(r->key, c.certificate_no, r->code, c.claim_hash);
    if (rc == 0)
        rc = store_cert_put(txn, &c);
    if (rc == 0)
        rc = audit_append(txn, (int64_t)time(NULL), "claim-code-reset", c.certificate_no, r->actor,
                          "claim code replaced, the old one no longer works");
    jp_cleanse(&c, sizeof c);
    return rc;
}

int issuer_claim_reset(const char *home, const char *no, const char *actor,
                       char shown[JP_CLAIM_SHOWN_SIZE], char *err, size_t errlen)
{
    unsigned char key[JP_CLAIM_KEY_LEN];
    struct reset r = {.no = no, .actor = actor ? actor : "jianpei-issuer", .key = key};
    store *s = NULL;
    int rc;

    shown[0] = '\0';
    err[0] = '\0';
    rc = issuer_certno_check(no, err, errlen);
    if (rc == 0)
        rc = audit_actor_check(r.actor, err, errlen);
    if (rc == 0)
        rc = open_rw(home, &s, key, err, errlen);
    if (rc == 0)
        rc = store_write(s, reset_txn, &r);
    if (rc == 0)
        jp_claim_show(r.code, shown);
    issuer_cert_err(rc, no, err, errlen);
    store_close(s);
    jp_cleanse(key, sizeof key);
    jp_cleanse(&r, sizeof r);
    return rc;
}

/* ----------------------------------------------------------- backfill */

struct fill_code {
    char no[IDENT_CERTNO_SIZE];    /* certificate without a code */
    char code[JP_CLAIM_CODE_SIZE]; /* the code made for it */
    char inst[33];                 /* its institution */
    char exam[65];                 /* its exam */
    char masked[260];              /* masked holder name */
};

struct backfill {
    struct fill_code *v;      /* certificates without a code */
    size_t n, cap;            /* used, allocated */
    const unsigned char *key; /* claim key */
    const char *actor;        /* audit actor */
    size_t given;             /* codes stored */
};

static int backfill_add(struct backfill *b, const struct store_cert *c)
{
    struct fill_code *f;
    int rc;

    f = jp_grow(b->v, &b->cap, b->n, sizeof *f, 64);
    if (f == NULL)
        return ENOMEM;
    b->v = f;
    f = &b->v[b->n];
    memset(f, 0, sizeof *f);
    memcpy(f->no, c->certificate_no, sizeof f->no);
    rc = jp_strf(f->inst, sizeof f->inst, "%s", c->institution_code);
    if (rc == 0)
        rc = jp_strf(f->exam, sizeof f->exam, "%s", c->exam_id);
    if (rc == 0)
        rc = ident_name_mask(c->holder_name, strlen(c->holder_name), f->masked, sizeof f->masked);
    if (rc == 0)
        rc = jp_claim_new(f->code);
    b->n += rc == 0;
    return rc;
}

/* Phase 1: every certificate without a code gets one, in memory. */
static int backfill_scan(store *s, struct backfill *b)
{
    store_txn *txn = NULL;
    store_cursor *cur = NULL;
    struct store_cert c;
    const void *k, *v;
    size_t kl, vl;
    int rc = store_read_begin(s, &txn);

    if (rc == 0)
        rc = store_cursor_open(txn, STORE_DB_CERTS, &cur);
    if (rc == 0)
        rc = store_cursor_first(cur, &k, &kl, &v, &vl);
    while (rc == 0) {
        rc = store_cert_decode(v, vl, &c);
        if (rc == 0 && !store_cert_has_claim(&c))
            rc = backfill_add(b, &c);
        if (rc == 0)
            rc = store_cursor_next(cur, &k, &kl, &v, &vl);
    }
    jp_cleanse(&c, sizeof c);
    store_cursor_close(cur);
    store_read_end(txn);
    return rc == STORE_ENOTFOUND ? 0 : rc;
}

static int backfill_fill(FILE *f, void *ctx)
{
    const struct backfill *b = ctx;
    char shown[JP_CLAIM_SHOWN_SIZE];
    int rc = fputs("certificate_no,institution_code,exam_id,name_masked,claim_code\n", f) < 0;

    for (size_t i = 0; rc == 0 && i < b->n; i++) {
        jp_claim_show(b->v[i].code, shown);
        rc = fprintf(f, "%s,%s,%s,%s,%s\n", b->v[i].no, b->v[i].inst, b->v[i].exam, b->v[i].masked,
                     shown) < 0;
    }
    jp_cleanse(shown, sizeof shown);
    return rc ? EIO : 0;
}

/* Phase 2: the hashes go in, for the certificates that still have no code. */
static int backfill_txn(store_txn *txn, void *arg)
{
    struct backfill *b = arg;
    int64_t now = (int64_t)time(NULL);
    struct store_cert c;
    int rc = 0;

    b->given = 0;
    for (size_t i = 0; rc == 0 && i < b->n; i++) {
        rc = store_cert_get(txn, b->v[i].no, &c);
        if (rc != 0 || store_cert_has_claim(&c))
            continue;
        rc = jp_claim_hash(b->key, c.certificate_no, b->v[i].code, c.claim_hash);
        if (rc == 0)
            rc = store_cert_put(txn, &c);
        if (rc == 0)
            rc = audit_append(txn, now, "claim-code-backfill", c.certificate_no, b->actor,
                              "claim code given to a certificate that had none");
        b->given += rc == 0;
    }
    jp_cleanse(&c, sizeof c);
    return rc;
}

int issuer_claim_backfill(const char *home, const char *out, const char *actor, size_t *given,
                          char *err, size_t errlen)
{
    unsigned char key[JP_CLAIM_KEY_LEN];
    struct backfill b = {.key = key, .actor = actor ? actor : "jianpei-issuer"};
    store *s = NULL;
    int rc;

    *given = 0;
    err[0] = '\0';
    rc = audit_actor_check(b.actor, err, errlen);
    if (rc == 0)
        rc = open_rw(home, &s, key, err, errlen);
    if (rc == 0)
        rc = backfill_scan(s, &b);
    if (rc == 0 && b.n > 0)
        rc = private_file_write(out, backfill_fill, &b, err, errlen);
    if (rc == 0 && b.n > 0) {
        rc = store_write(s, backfill_txn, &b);
        if (rc != 0)
            unlink(out); /* its codes were never stored */
    }
    if (rc == 0)
        *given = b.given;
    issuer_err_default(rc, "claim-code backfill", err, errlen);
    store_close(s);
    jp_free_secret(b.v, b.cap * sizeof *b.v);
    jp_cleanse(key, sizeof key);
    return rc;
}
