/*
 * issue.c - the issuance pipeline: intake lines in, certificates out.
 *
 * Lines are read and validated on the calling thread in batches of
 * BATCH_MAX. Each batch is one LMDB write transaction: serial numbers are
 * drawn in input order, then the PDFs are rendered and signed by all worker
 * threads at once (each with its own key handle; the template is shared and
 * read-only), then records, PDFs, indexes and audit entries are put and the
 * transaction commits. A render failure of one line (a photo libharu refuses,
 * a character no font has) aborts the batch, marks that line rejected and
 * runs the batch again, so numbers stay gapless and in input order; a line
 * whose number comes out the same in the new attempt (every line before the
 * bad one, and lines of other prefixes) keeps its rendered, signed file.
 */
#include "issuer.h"
#include "issuer_int.h"
#include "audit.h"
#include "report.h"
#include "ident.h"
#include "intake.h"
#include "keys.h"
#include "linereader.h"
#include "ofd.h"
#include "pdf.h"
#include "store.h"
#include "tmpl.h"
#include "util.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>

#define BATCH_MAX 64
#define CHINA_UTC_OFFSET (8 * 3600)

/* The issuer's own databases beside store.h's: photos, kept so a reissued file has one;
 * corrections, the old and new values of each correction (correct.c); ofds, the OFD of each
 * certificate's current version (ofd.c); tsa_pending, the files signed without a time-stamp
 * under --tsa-optional (pending.c). */
static const struct store_dbspec issuer_dbs[] = {
    {STORE_PHOTOS_DB, 0}, {"corrections", 0}, {STORE_OFDS_DB, 0}, {ISSUER_PENDING_DB, 0}};

/* One line of a batch. */
struct job {
    struct intake_rec rec;               /* validated input (owns the photo) */
    int rejected;                        /* 1 once any rule or the renderer refused it */
    char why[INTAKE_WHY_SIZE];           /* reason when rejected */
    int already;                         /* this attempt: issued before, cert.certificate_no set */
    struct store_cert cert;              /* this attempt: the record to store */
    struct jp_buf pdf;                   /* the signed PDF, rendered for rendered_no */
    struct jp_buf ofd;                   /* the sealed OFD of the same (empty: no SM2 keys) */
    char rendered_no[IDENT_CERTNO_SIZE]; /* number pdf was rendered for, "" when none yet */
    int render_rc;                       /* this attempt: 0 or the renderer's error */
    int stamped;                         /* pdf's signature has a time-stamp */
    char claim[JP_CLAIM_CODE_SIZE];      /* the new certificate's plain claim code, wiped after */
};

struct batch;

/* A render thread's share of a batch. */
struct worker {
    struct batch *b; /* shared batch */
    keys_t *k;       /* this worker's key handle */
};

/* The threads rendering a batch: one worker per key handle, threads started for some. */
struct crew {
    struct worker w[ISSUER_MAX_THREADS]; /* worker i uses key handle i */
    pthread_t th[ISSUER_MAX_THREADS];    /* th[0..n): started and not yet joined */
    int n;                               /* threads started */
};

struct batch {
    struct job jobs[BATCH_MAX]; /* lines in input order */
    size_t n;                   /* jobs in use */
    char issue_date[11];        /* YYYY-MM-DD */
    int year;                   /* of issue_date */
    const char *actor;          /* for the audit log */
    atomic_size_t next;         /* next job a worker takes */
    issuer *is;                 /* the issuer */
    char why[IDENT_WHY_SIZE];   /* why numbering failed, when it did */
    struct batch *lookahead;    /* the batch read after this one, to render ahead; or NULL */
    struct crew ahead;          /* the threads rendering this batch ahead (crew_start) */
};

/* ------------------------------------------------------------ open/close */

static int open_keys(issuer *is, const unsigned char *pass, size_t passlen, char *err,
                     size_t errlen)
{
    struct keys_info info[KEYS_MAX_SIGNING];
    char kdir[JP_HOME_PATH_MAX];
    size_t n = 0;
    int rc = jp_home_path(is->home, JP_HOME_KEYS, kdir);

    for (int i = 0; rc == 0 && i < is->nworkers; i++)
        rc = keys_open(kdir, 0, pass, passlen, &is->keys[i], err, errlen);
    if (rc != 0)
        return rc;
    rc = keys_list(is->keys[0], info, KEYS_MAX_SIGNING, &n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (info[i].state == KEYS_ACTIVE)
            return jp_hex_decode(info[i].kid, is->kid, sizeof is->kid);
    if (rc == 0) {
        jp_errf(err, errlen, "no active signing key: run `keys rotate`");
        rc = KEYS_E_NO_ACTIVE_KEY;
    }
    return rc;
}

int issuer_open(const char *home, const unsigned char *pass, size_t passlen, int threads,
                issuer **out, char *err, size_t errlen)
{
    char path[JP_HOME_PATH_MAX];
    issuer *is;
    long ncpu;
    int rc;

    *out = NULL;
    is = calloc(1, sizeof *is);
    if (is == NULL)
        return ENOMEM;
    ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    is->nworkers = threads > 0 ? threads : (ncpu > 0 ? (int)ncpu : 1);
    if (is->nworkers > ISSUER_MAX_THREADS)
        is->nworkers = ISSUER_MAX_THREADS;
    rc = jp_strf(is->home, sizeof is->home, "%s", home);
    if (rc != 0)
        jp_errf(err, errlen, "home path is longer than %d bytes", JP_HOME_PATH_MAX - 1);
    if (rc == 0)
        rc = issuer_home_check(home, err, errlen);
    if (rc == 0)
        rc = jp_config_load(home, &is->cfg, err, errlen);
    if (rc == 0)
        rc = jp_home_path(home, JP_HOME_TEMPLATE, path);
    if (rc == 0)
        rc = tmpl_load(path, &is->tmpl, err, errlen);
    if (rc == 0)
        rc = open_keys(is, pass, passlen, err, errlen);
    if (rc == 0)
        rc = issuer_ofd_open(is, pass, passlen, err, errlen);
    if (rc == 0)
        rc = longterm_open(is, err, errlen);
    if (rc == 0)
        rc = jp_claim_key_load(home, 1, is->claim_key, err, errlen);
    if (rc == 0)
        rc = jp_home_path(home, JP_HOME_STORE, path);
    if (rc == 0) {
        struct store_opts so = {.extra = issuer_dbs,
                                .n_extra = sizeof issuer_dbs / sizeof issuer_dbs[0]};
        rc = store_open_with(path, 0, &so, &is->st, err, errlen);
        if (rc == 0)
            store_release_after_puts(is->st, 1); /* an issue run is a long writer */
    }
    if (rc == 0)
        rc = store_db_by_name(is->st, STORE_PHOTOS_DB, &is->photos_db);
    if (rc == 0)
        rc = store_db_by_name(is->st, "corrections", &is->corrections_db);
    if (rc == 0)
        rc = store_db_by_name(is->st, STORE_OFDS_DB, &is->ofds_db);
    if (rc == 0)
        rc = store_db_by_name(is->st, ISSUER_PENDING_DB, &is->pending_db);
    if (rc != 0) {
        issuer_close(is);
        return rc;
    }
    *out = is;
    return 0;
}

void issuer_close(issuer *is)
{
    if (is == NULL)
        return;
    store_close(is->st);
    for (int i = 0; i < is->nworkers; i++)
        keys_close(is->keys[i]);
    tmpl_free(is->tmpl);
    issuer_ofd_close(is);
    longterm_close(&is->lt);
    jp_cleanse(is->claim_key, sizeof is->claim_key);
    free(is);
}

const struct jp_config *issuer_config(const issuer *is)
{
    return &is->cfg;
}

struct store *issuer_store(issuer *is)
{
    return is->st;
}

/* ------------------------------------------------------ duplicate lines */

/* Open-addressing set of 64-bit digests of (id_number, position, exam_id). */
struct dupset {
    uint64_t *keys;  /* 0 = empty slot */
    uint32_t *lines; /* line of the first occurrence */
    size_t cap, n;   /* slots (a power of two) and entries */
};

static uint64_t dup_digest(const struct intake_rec *r)
{
    unsigned char key[sizeof r->id_number + sizeof r->position + sizeof r->exam_id];
    unsigned char md[SHA256_DIGEST_LENGTH];
    size_t n = 0, l;
    uint64_t d = 0;

    l = strlen(r->id_number) + 1;
    memcpy(key + n, r->id_number, l);
    n += l;
    l = strlen(r->position) + 1;
    memcpy(key + n, r->position, l);
    n += l;
    l = strlen(r->exam_id) + 1;
    memcpy(key + n, r->exam_id, l);
    n += l;
    SHA256(key, n, md);
    memcpy(&d, md, sizeof d);
    return d ? d : 1;
}

static int dupset_grow(struct dupset *s)
{
    size_t cap = s->cap ? s->cap * 2 : 1024;
    uint64_t *keys = calloc(cap, sizeof *keys);
    uint32_t *lines = calloc(cap, sizeof *lines);

    if (keys == NULL || lines == NULL) {
        free(keys);
        free(lines);
        return ENOMEM;
    }
    for (size_t i = 0; i < s->cap; i++) {
        size_t j;
        if (s->keys[i] == 0)
            continue;
        for (j = s->keys[i] & (cap - 1); keys[j] != 0; j = (j + 1) & (cap - 1))
            ;
        keys[j] = s->keys[i];
        lines[j] = s->lines[i];
    }
    free(s->keys);
    free(s->lines);
    s->keys = keys;
    s->lines = lines;
    s->cap = cap;
    return 0;
}

/* Adds r; *first = 0 when new, else the line it duplicates. */
static int dupset_add(struct dupset *s, const struct intake_rec *r, unsigned long *first)
{
    uint64_t d = dup_digest(r);
    size_t j;
    int rc;

    if (s->n * 2 >= s->cap) {
        rc = dupset_grow(s);
        if (rc != 0)
            return rc;
    }
    for (j = d & (s->cap - 1); s->keys[j] != 0; j = (j + 1) & (s->cap - 1)) {
        if (s->keys[j] == d) {
            *first = s->lines[j];
            return 0;
        }
    }
    s->keys[j] = d;
    s->lines[j] = (uint32_t)r->line;
    s->n++;
    *first = 0;
    return 0;
}

static void dupset_free(struct dupset *s)
{
    free(s->keys);
    free(s->lines);
    memset(s, 0, sizeof *s);
}

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    struct batch *b = w->b;
    size_t i;

    while ((i = atomic_fetch_add(&b->next, 1)) < b->n) {
        struct job *j = &b->jobs[i];
        if (j->rejected || j->already || j->rendered_no[0] != '\0')
            continue;
        j->render_rc =
            render_certificate(b->is, w->k, &j->cert, j->rec.photo.data, j->rec.photo.len, &j->pdf,
                               &j->ofd, &j->stamped, j->why, sizeof j->why);
        if (j->render_rc == 0)
            memcpy(j->rendered_no, j->cert.certificate_no, sizeof j->rendered_no);
    }
    return NULL;
}

/*
 * Sets up a worker for each key handle on b's jobs and starts a thread for
 * workers first.. (as many as can be started; the rest of the jobs go to the
 * workers that run). c is b's crew until crew_join.
 */
static void crew_start(struct batch *b, struct crew *c, int first)
{
    atomic_store(&b->next, 0);
    c->n = 0;
    for (int i = 0; i < b->is->nworkers; i++) {
        c->w[i].b = b;
        c->w[i].k = b->is->keys[i];
    }
    for (int i = first; i < b->is->nworkers; i++) {
        if (pthread_create(&c->th[c->n], NULL, worker_run, &c->w[i]) != 0)
            break;
        c->n++;
    }
}

/* Waits for the crew's threads to finish their jobs. No-op when none runs. */
static void crew_join(struct crew *c)
{
    for (int i = 0; i < c->n; i++)
        pthread_join(c->th[i], NULL);
    c->n = 0;
}

/* Renders every new job of the batch on all workers (the caller is worker 0). */
static int render_batch(struct batch *b)
{
    struct crew c;
    int rc = 0;

    crew_start(b, &c, 1);
    worker_run(&c.w[0]);
    crew_join(&c);
    for (size_t i = 0; i < b->n; i++)
        if (!b->jobs[i].rejected && !b->jobs[i].already && b->jobs[i].render_rc != 0 &&
            rc != KEYS_E_TSA)
            rc = b->jobs[i].render_rc;
    return rc;
}

/* --------------------------------------------------------- transaction */

/* The 10-digit serial prefix PPCCYYYYJJ of the job's number. */
static int job_prefix(const struct batch *b, const struct job *j, char prefix[11])
{
    return jp_strf(prefix, 11, "%s%s%04d%s", b->is->cfg.province, j->rec.city, b->year,
                   j->rec.position);
}

/* The job's number of the given serial. */
static int job_number(struct batch *b, const struct job *j, uint32_t serial,
                      char no[IDENT_CERTNO_SIZE])
{
    const issuer *is = b->is;

    return ident_certno_make(is->cfg.province, j->rec.city, b->year, j->rec.position, serial, no,
                             IDENT_CERTNO_SIZE, b->why, sizeof b->why);
}

/* Draws the next serial of the job's prefix in txn and makes its number. */
static int draw_number(struct batch *b, const struct job *j, store_txn *txn,
                       char no[IDENT_CERTNO_SIZE])
{
    char prefix[11];
    uint32_t serial;
    int rc = job_prefix(b, j, prefix);

    if (rc == 0)
        rc = store_next_serial(txn, prefix, &serial);
    if (rc == 0)
        rc = job_number(b, j, serial, no);
    return rc;
}

/* The record of a new certificate numbered no (its PDF not yet rendered). */
static int fill_cert(struct batch *b, struct job *j, const char *no)
{
    const issuer *is = b->is;
    struct store_cert *c = &j->cert;
    int rc;

    memset(c, 0, sizeof *c);
    memcpy(c->certificate_no, no, sizeof c->certificate_no);
    rc = ident_elicence_make(is->cfg.elicence_type_code, is->cfg.authority_uscc, c->certificate_no,
                             1, c->elicence_id, sizeof c->elicence_id, b->why, sizeof b->why);
    if (rc != 0)
        return rc;
    c->file_version = 1;
    c->status = STORE_STATUS_VALID;
    memcpy(c->position_code, j->rec.position, sizeof c->position_code);
    memcpy(c->issue_date, b->issue_date, sizeof c->issue_date);
    rc = store_text_set(c->holder_name, sizeof c->holder_name, j->rec.name);
    if (rc == 0)
        rc = store_text_set(c->gender, sizeof c->gender, j->rec.gender);
    if (rc == 0)
        rc = store_text_set(c->id_type, sizeof c->id_type, j->rec.id_type);
    if (rc == 0)
        rc = store_text_set(c->id_number, sizeof c->id_number, j->rec.id_number);
    if (rc == 0)
        rc = store_text_set(c->institution_code, sizeof c->institution_code,
                            j->rec.institution_code);
    if (rc == 0)
        rc = store_text_set(c->institution_name, sizeof c->institution_name,
                            j->rec.institution_name);
    if (rc == 0)
        rc = store_text_set(c->authority_name, sizeof c->authority_name, is->cfg.authority);
    if (rc != 0)
        return rc;
    memcpy(c->city, j->rec.city, sizeof c->city);
    rc = jp_strf(c->exam_id, sizeof c->exam_id, "%s", j->rec.exam_id);
    if (rc != 0)
        return rc;
    memcpy(c->exam_date, j->rec.exam_date, sizeof c->exam_date);
    c->score_tenths = j->rec.score_tenths;
    memcpy(c->key_id, is->kid, sizeof c->key_id);
    c->issued_at = (int64_t)time(NULL);
    rc = jp_claim_new(j->claim);
    if (rc == 0)
        rc = jp_claim_hash(is->claim_key, c->certificate_no, j->claim, c->claim_hash);
    return rc;
}

/*
 * Numbers one new job. A job rendered in an earlier attempt of this batch that
 * draws the same number again keeps its record and its signed file.
 */
static int number_job(struct batch *b, struct job *j, store_txn *txn)
{
    char no[IDENT_CERTNO_SIZE];
    int rc = draw_number(b, j, txn, no);

    if (rc != 0 || strcmp(no, j->rendered_no) == 0)
        return rc;
    j->rendered_no[0] = '\0';
    jp_buf_reset(&j->pdf);
    jp_buf_reset(&j->ofd);
    return fill_cert(b, j, no);
}

/* Marks j as issued before (by its intake key) or draws its number. */
static int number_one(struct batch *b, struct job *j, store_txn *txn)
{
    char no[IDENT_CERTNO_SIZE];
    int rc = store_intake_get(txn, j->rec.id_number, j->rec.position, j->rec.exam_id, no);

    if (rc == 0) {
        j->already = 1;
        j->rendered_no[0] = '\0';
        memcpy(j->cert.certificate_no, no, sizeof no);
        return 0;
    }
    return rc == STORE_ENOTFOUND ? number_job(b, j, txn) : rc;
}

/*
 * Draws numbers for the batch's new jobs, in input order. The store pages
 * each job's lookups mapped are dropped after it, as after each stored
 * certificate (store.h): a batch's 64 lookups in a large store would
 * otherwise keep ~25 MB mapped through rendering and the first put.
 */
static int number_batch(struct batch *b, store_txn *txn)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < b->n; i++) {
        struct job *j = &b->jobs[i];
        j->already = 0;
        j->render_rc = 0;
        if (j->rejected)
            continue;
        rc = number_one(b, j, txn);
        store_release_pages(b->is->st);
    }
    return rc;
}

/* A serial prefix predict_batch has seen and the next serial it would draw there. */
struct seen_prefix {
    char prefix[11];
    uint32_t serial; /* the next one */
};

/*
 * predict_batch for one job j: numbers it ahead (already = 0) after the
 * prefixes seen[0..*nseen) it adds to, or leaves it marked already.
 */
static void predict_job(struct batch *b, struct job *j, store_txn *txn, struct seen_prefix *seen,
                        size_t *nseen)
{
    char no[IDENT_CERTNO_SIZE], prefix[11];
    size_t k = 0;
    int rc;

    j->already = 1;
    if (j->rejected)
        return;
    rc = store_intake_get(txn, j->rec.id_number, j->rec.position, j->rec.exam_id, no);
    if (rc != STORE_ENOTFOUND || job_prefix(b, j, prefix) != 0)
        return;
    while (k < *nseen && strcmp(seen[k].prefix, prefix) != 0)
        k++;
    if (k == *nseen) {
        if (store_peek_serial(txn, prefix, &seen[k].serial) != 0)
            return;
        memcpy(seen[k].prefix, prefix, sizeof prefix);
        (*nseen)++;
    }
    if (seen[k].serial > STORE_SERIAL_MAX || job_number(b, j, seen[k].serial++, no) != 0)
        return;
    j->already = 0;
    if (strcmp(no, j->rendered_no) == 0)
        return; /* rendered ahead by an attempt that store_write ran again */
    j->rendered_no[0] = '\0';
    jp_buf_reset(&j->pdf);
    jp_buf_reset(&j->ofd);
    j->already = fill_cert(b, j, no) != 0;
}

/*
 * Numbers the new jobs of b, the batch after the one whose transaction txn is,
 * as number_batch will once that one has committed: serials after those drawn
 * in txn, in input order, the lines issued before skipped. Nothing is written:
 * the numbers are drawn again in b's own transaction, and a job whose number
 * comes out the same keeps the file rendered ahead for it (number_job). A job
 * that cannot be numbered so is left for that transaction (marked already, which
 * number_batch clears). Call while no crew renders b. The store pages each
 * job's lookups mapped are dropped after it, as in number_batch: the 64
 * lookups ahead kept ~19 MB mapped through the puts of the batch before.
 */
static void predict_batch(struct batch *b, store_txn *txn)
{
    struct seen_prefix seen[BATCH_MAX];
    size_t nseen = 0;

    for (size_t i = 0; i < b->n; i++) {
        predict_job(b, &b->jobs[i], txn, seen, &nseen);
        store_release_pages(b->is->st);
    }
    b->why[0] = '\0'; /* a failure here is found again, and told, in b's transaction */
}

static int put_job(const struct batch *b, const struct job *j, store_txn *txn)
{
    int rc;

    rc = store_cert_put(txn, &j->cert);
    if (rc == 0)
        rc = store_pdf_put(txn, j->cert.certificate_no, j->pdf.data, j->pdf.len);
    if (rc == 0)
        rc = store_ofd_version(b->is, txn, &j->cert, &j->ofd);
    if (rc == 0 && j->rec.photo.data != NULL)
        rc = photo_put(b->is, txn, j->cert.certificate_no, j->rec.photo.data, j->rec.photo.len,
                       &j->ofd);
    if (rc == 0)
        rc = store_intake_put(txn, j->rec.id_number, j->rec.position, j->rec.exam_id,
                              j->cert.certificate_no);
    if (rc == 0 && b->is->lt.stamping && !j->stamped)
        rc = pending_put(b->is, txn, j->cert.certificate_no);
    if (rc != 0)
        return rc;
    return audit_append(txn, j->cert.issued_at, "issue", j->cert.certificate_no, b->actor,
                        "file version 1, position %s, institution %s", j->cert.position_code,
                        j->cert.institution_code);
}

/*
 * Frees j's signed files once they are in the transaction: the batch rendered
 * ahead grows beside them and the release between batches (malloc_trim) found
 * them still allocated. An attempt that store_write runs again renders j anew
 * (rendered_no is cleared).
 */
static void drop_files(struct job *j)
{
    jp_buf_free(&j->pdf);
    jp_buf_free(&j->ofd);
    j->rendered_no[0] = '\0';
}

/* The reason of a batch that stops because the time-stamp authority failed. */
static int tsa_failed(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        if (b->jobs[i].render_rc == KEYS_E_TSA) {
            jp_errf(b->why, sizeof b->why, "%s", b->jobs[i].why);
            break;
        }
    }
    return KEYS_E_TSA;
}

/*
 * One batch's transaction. Once the batch is numbered and rendered, the batch
 * after it (b->lookahead) is numbered ahead and rendered by a crew of its own
 * while this one is stored, committed and synced: the numbers count only in
 * the transaction that stores them, so a crash at any point loses none.
 */
static int batch_txn(store_txn *txn, void *arg)
{
    struct batch *b = arg;
    int rc, rendered;

    crew_join(&b->ahead); /* rendered ahead in the transaction before */
    if (b->lookahead != NULL)
        crew_join(&b->lookahead->ahead); /* started by an attempt of this one (store_write) */
    rc = number_batch(b, txn);
    rendered = rc == 0 ? render_batch(b) : 0;
    if (rendered == KEYS_E_TSA)
        return tsa_failed(b); /* the transaction is aborted: nothing of the batch is kept */
    if (rendered != 0)
        return ISSUER_ERENDER;
    if (rc == 0 && b->lookahead != NULL) {
        predict_batch(b->lookahead, txn);
        crew_start(b->lookahead, &b->lookahead->ahead, 0);
    }
    for (size_t i = 0; rc == 0 && i < b->n; i++) {
        struct job *j = &b->jobs[i];
        if (!j->rejected && !j->already)
            rc = put_job(b, j, txn);
        if (rc == 0)
            drop_files(j);
        store_release_pages(b->is->st); /* see store.h: a batch would map ~80 MB */
    }
    return rc;
}

/* Runs the batch's transaction; lines the renderer refuses become rejections. */
static int commit_batch(struct batch *b, char *err, size_t errlen)
{
    int rc;

    for (;;) {
        rc = store_write(b->is->st, batch_txn, b);
        if (rc != ISSUER_ERENDER)
            break;
        for (size_t i = 0; i < b->n; i++) {
            struct job *j = &b->jobs[i];
            if (!j->rejected && !j->already && j->render_rc != 0)
                j->rejected = 1; /* j->why was set by the renderer */
        }
    }
    if (rc != 0)
        jp_errf(err, errlen, "cannot store the batch: %s",
                b->why[0] != '\0' ? b->why : issuer_strerror(rc));
    return rc;
}

static int report_batch(const struct batch *b, struct issuer_report *rep)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < b->n; i++) {
        const struct job *j = &b->jobs[i];
        if (j->rejected)
            rc = report_add(rep, j->rec.line, ISSUER_REJECTED, NULL, NULL, j->why);
        else
            rc = report_add(rep, j->rec.line, j->already ? ISSUER_ALREADY : ISSUER_ISSUED,
                            j->cert.certificate_no, j->already ? NULL : j->claim, NULL);
        if (rc == 0 && !j->rejected && !j->already && b->is->lt.stamping && !j->stamped)
            rep->unstamped++;
    }
    return rc;
}

static void batch_clear(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        intake_rec_clear(&b->jobs[i].rec);
        jp_buf_free(&b->jobs[i].pdf);
        jp_buf_free(&b->jobs[i].ofd);
        jp_cleanse(b->jobs[i].claim, sizeof b->jobs[i].claim);
    }
    b->n = 0;
}

/* ------------------------------------------------------------- reading */

struct reader {
    struct linereader lr;  /* bounded lines */
    struct intake_ctx ctx; /* rules' context */
    struct dupset dups;    /* (id, position, exam) seen in this input */
    long size;             /* input size in bytes, or -1 when not a file */
    FILE *in;              /* the input */
};

/* Validates a line of len bytes into job j, or marks it rejected. Returns 0 or ENOMEM. */
static int parse_job(struct reader *r, struct job *j, size_t len)
{
    unsigned long first;
    int rc = intake_parse(&r->ctx, r->lr.buf, len, &j->rec, j->why, sizeof j->why);

    if (rc == ENOMEM)
        return rc;
    if (rc != 0) {
        j->rejected = 1;
        return 0;
    }
    rc = dupset_add(&r->dups, &j->rec, &first);
    if (rc == 0 && first != 0) {
        intake_rec_clear(&j->rec);
        j->rejected = 1;
        jp_errf(j->why, sizeof j->why,
                "duplicate of line %lu (same id_number, position and exam_id)", first);
    }
    return rc;
}

/* Reads the next non-blank line into job j (validated or marked rejected).
 * Returns 0 with *got = 1 when a line was read, *got = 0 at the end, or an errno value. */
static int read_job(struct reader *r, struct job *j, int *got)
{
    enum linereader_result lr;
    size_t len;

    *got = 0;
    do {
        lr = linereader_next(&r->lr, &len);
        if (lr == LR_EOF)
            return 0;
        if (lr == LR_ERROR)
            return EIO;
    } while (lr == LR_LINE && len == 0);
    memset(j, 0, sizeof *j);
    jp_buf_init(&j->pdf, TMPL_MAX_PDF);
    jp_buf_init(&j->ofd, OFD_MAX_OUTPUT);
    j->rec.line = r->lr.line;
    *got = 1;
    if (lr != LR_TOOLONG)
        return parse_job(r, j, len);
    j->rejected = 1;
    jp_errf(j->why, sizeof j->why, "line is longer than %u bytes", ISSUER_LINE_MAX);
    return 0;
}

/* Fills the batch with up to BATCH_MAX lines (b->n; 0 at the end). Returns 0 or an errno value. */
static int read_batch(struct reader *r, struct batch *b)
{
    int got = 1, rc = 0;

    batch_clear(b);
    while (rc == 0 && got && b->n < BATCH_MAX) {
        rc = read_job(r, &b->jobs[b->n], &got);
        b->n += got;
    }
    return rc;
}

static double read_fraction(const struct reader *r)
{
    long pos;

    if (r->size <= 0)
        return -1;
    pos = ftell(r->in);
    return pos < 0 ? -1 : (double)pos / (double)r->size;
}

static int today_china(char out[11])
{
    struct ident_date d;

    int rc = ident_date_from_unix((int64_t)time(NULL), CHINA_UTC_OFFSET, &d);

    if (rc == 0)
        rc = ident_date_format(&d, out, 11);
    return rc;
}

static int reader_init(struct reader *r, FILE *in, const struct issuer_issue_opts *o,
                       const issuer *is, const char *issue_date, char *err, size_t errlen)
{
    struct stat st;
    char why[IDENT_WHY_SIZE];
    int rc;

    memset(r, 0, sizeof *r);
    r->in = in;
    r->size = fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode) ? (long)st.st_size : -1;
    r->ctx.config = &is->cfg;
    r->ctx.photo_dir = o->photo_dir;
    r->ctx.tmpl = is->tmpl;
    rc = ident_date_parse(issue_date, strlen(issue_date), &r->ctx.today, why, sizeof why);
    if (rc != 0) {
        jp_errf(err, errlen, "issue date: %s", why);
        return rc;
    }
    return linereader_init(&r->lr, in, ISSUER_LINE_MAX);
}

static void reader_free(struct reader *r)
{
    linereader_free(&r->lr);
    dupset_free(&r->dups);
}

/* ---------------------------------------------------------------- runs */

/*
 * Between batches: unmaps the store and font-file pages this process touched
 * (they stay in the page cache) and hands memory freed by the render threads back to the
 * system (glibc keeps it in per-thread arenas otherwise, and a 100,000-line
 * run's resident set crept up from 24 to 61 MB). No transaction is open here.
 */
static void release_memory(issuer *is)
{
    store_release_pages(is->st);
    tmpl_release_pages(is->tmpl);
    jp_deflater_release(); /* this thread renders only when nothing was rendered ahead */
    malloc_trim(0);
}

/*
 * Issues the input batch by batch with the two batches at bs: each is read
 * before the one before it is committed, so that its rendering overlaps that
 * commit (batch_txn). A read error is told once the batches before it are
 * stored, as when reading came after them.
 */
static int run_batches(struct reader *r, struct batch bs[2], const struct issuer_issue_opts *o,
                       struct issuer_report *rep, char *err, size_t errlen)
{
    struct batch *b = &bs[0], *next = &bs[1], *t;
    int rc = 0, rrc = read_batch(r, b);

    while (rc == 0 && rrc == 0 && b->n > 0) {
        unsigned long line = r->lr.line;
        double fraction = read_fraction(r);
        rrc = read_batch(r, next);
        b->lookahead = rrc == 0 && next->n > 0 ? next : NULL;
        rc = commit_batch(b, err, errlen);
        if (rc == 0)
            release_memory(b->is); /* keeps RSS bounded over any input size */
        if (rc == 0)
            rc = report_batch(b, rep);
        if (rc == 0 && o->progress != NULL)
            o->progress(o->progress_ctx, line, fraction);
        t = b, b = next, next = t;
    }
    crew_join(&bs[0].ahead); /* a batch rendered ahead of one that failed */
    crew_join(&bs[1].ahead);
    if (rc == 0 && rrc != 0) {
        rc = rrc;
        jp_errf(err, errlen, "cannot read the input: %s", strerror(rc));
    }
    batch_clear(b);
    batch_clear(next);
    return rc;
}

/* Reports a validated batch line by line: rejected, or already issued (read-only look-up). */
static int report_validated(struct batch *b, struct issuer_report *rep)
{
    store_txn *txn = NULL;
    char no[IDENT_CERTNO_SIZE];
    int rc = store_read_begin(b->is->st, &txn);

    for (size_t i = 0; rc == 0 && i < b->n; i++) {
        const struct job *j = &b->jobs[i];
        if (j->rejected) {
            rc = report_add(rep, j->rec.line, ISSUER_REJECTED, NULL, NULL, j->why);
            continue;
        }
        rc = store_intake_get(txn, j->rec.id_number, j->rec.position, j->rec.exam_id, no);
        if (rc == 0)
            rc = report_add(rep, j->rec.line, ISSUER_ALREADY, no, NULL, NULL);
        else if (rc == STORE_ENOTFOUND)
            rc = 0;
    }
    store_read_end(txn);
    return rc;
}

/* all-or-nothing, pass 1: validate every line, issue nothing. */
static int validate_all(struct reader *r, struct batch *b, struct issuer_report *rep, char *err,
                        size_t errlen)
{
    int rc = 0, rrc;

    while (rc == 0 && (rrc = read_batch(r, b)) == 0 && b->n > 0)
        rc = report_validated(b, rep);
    if (rc != 0)
        jp_errf(err, errlen, "cannot read the store: %s", issuer_strerror(rc));
    if (rc == 0 && rrc != 0) {
        rc = rrc;
        jp_errf(err, errlen, "cannot read the input: %s", strerror(rc));
    }
    batch_clear(b);
    return rc;
}

struct aon {
    struct reader *r;          /* rewound at every attempt */
    struct batch *b;           /* the batch buffer */
    struct issuer_report *rep; /* reset at every attempt */
    unsigned long bad_line;    /* a line the renderer refused */
    char why[INTAKE_WHY_SIZE]; /* and why */
};

/* Notes the first line of the batch the renderer refused. */
static void aon_note_bad(struct aon *a)
{
    for (size_t i = 0; i < a->b->n && a->bad_line == 0; i++)
        if (a->b->jobs[i].render_rc != 0) {
            a->bad_line = a->b->jobs[i].rec.line;
            memcpy(a->why, a->b->jobs[i].why, sizeof a->why);
        }
}

/* all-or-nothing, pass 2: everything in one write transaction. */
static int aon_txn(store_txn *txn, void *arg)
{
    struct aon *a = arg;
    int rc = 0, rrc;

    rewind(a->r->in);
    a->r->lr.line = 0;
    dupset_free(&a->r->dups);
    issuer_report_free(a->rep);
    issuer_report_init(a->rep);
    while (rc == 0 && (rrc = read_batch(a->r, a->b)) == 0 && a->b->n > 0) {
        rc = number_batch(a->b, txn);
        if (rc == 0 && render_batch(a->b) != 0) {
            aon_note_bad(a);
            rc = ISSUER_ERENDER;
        }
        for (size_t i = 0; rc == 0 && i < a->b->n; i++)
            if (!a->b->jobs[i].already)
                rc = put_job(a->b, &a->b->jobs[i], txn);
        if (rc == 0)
            rc = report_batch(a->b, a->rep);
    }
    if (rc == 0)
        rc = rrc;
    batch_clear(a->b);
    return rc;
}

static FILE *seekable(FILE *in)
{
    char chunk[65536];
    size_t n;
    FILE *t;

    if (fseek(in, 0, SEEK_CUR) == 0)
        return in;
    t = tmpfile();
    if (t == NULL)
        return NULL;
    while ((n = fread(chunk, 1, sizeof chunk, in)) > 0)
        if (fwrite(chunk, 1, n, t) != n) {
            fclose(t);
            return NULL;
        }
    if (ferror(in) || fflush(t) != 0) {
        fclose(t);
        return NULL;
    }
    rewind(t);
    return t;
}

static int run_all_or_nothing(struct reader *r, struct batch *b, struct issuer_report *rep,
                              char *err, size_t errlen)
{
    struct aon a = {.r = r, .b = b, .rep = rep};
    int rc = validate_all(r, b, rep, err, errlen);

    if (rc != 0 || rep->rejected > 0)
        return rc;
    rc = store_write(b->is->st, aon_txn, &a);
    if (rc == ISSUER_ERENDER) {
        issuer_report_free(rep);
        issuer_report_init(rep);
        return report_add(rep, a.bad_line, ISSUER_REJECTED, NULL, NULL, a.why);
    }
    if (rc != 0)
        jp_errf(err, errlen, "cannot store the certificates: %s",
                b->why[0] != '\0' ? b->why : issuer_strerror(rc));
    return rc;
}

/* Sets up the batch of a run: issue date today in China, the actor checked. */
static int batch_init(struct batch *b, issuer *is, const struct reader *r, const char *today,
                      const char *actor, char *err, size_t errlen)
{
    b->is = is;
    b->actor = actor != NULL ? actor : "jianpei-issuer";
    memcpy(b->issue_date, today, sizeof b->issue_date);
    b->year = (int)r->ctx.today.year;
    return audit_actor_check(b->actor, err, errlen);
}

int issuer_issue(issuer *is, FILE *in, const struct issuer_issue_opts *o, struct issuer_report *rep,
                 char *err, size_t errlen)
{
    struct reader r;
    struct batch *b = NULL;
    FILE *src = in;
    char today[11];
    int rc;

    memset(&r, 0, sizeof r);
    rc = today_china(today);
    if (rc != 0) {
        jp_errf(err, errlen, "cannot read the clock");
        return rc;
    }
    if (o->all_or_nothing) {
        src = seekable(in);
        if (src == NULL) {
            jp_errf(err, errlen, "cannot spool the input to a temporary file");
            return EIO;
        }
    }
    rc = reader_init(&r, src, o, is, today, err, errlen);
    if (rc == 0) {
        b = calloc(2, sizeof *b); /* run_batches reads one ahead */
        rc = b == NULL ? ENOMEM : 0;
    }
    if (rc == 0)
        rc = batch_init(b, is, &r, today, o->actor, err, errlen);
    if (rc == 0)
        rc = batch_init(&b[1], is, &r, today, o->actor, err, errlen);
    if (rc == 0 && o->all_or_nothing)
        rc = run_all_or_nothing(&r, b, rep, err, errlen);
    else if (rc == 0)
        rc = run_batches(&r, b, o, rep, err, errlen);
    free(b);
    reader_free(&r);
    if (src != in)
        fclose(src);
    return rc;
}

unsigned long issuer_renders(issuer *is)
{
    return atomic_load(&is->renders);
}
