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
 * runs the batch again, so numbers stay gapless and in input order.
 */
#include "issuer.h"
#include "ident.h"
#include "intake.h"
#include "keys.h"
#include "linereader.h"
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
/* Bytes reserved for the CMS signature: it is about 2,030 bytes with the
 * signing certificate and the root (P-256); every reserved byte costs two hex
 * digits in each PDF. pdf_sign refuses a signature that does not fit. */
#define ISSUER_CMS_RESERVE 3584
#define CHINA_UTC_OFFSET (8 * 3600)

struct issuer {
    char home[ISSUER_PATH_MAX];          /* the home directory */
    struct jp_config cfg;                /* its configuration */
    store *st;                           /* read-write store */
    struct tmpl *tmpl;                   /* loaded template, shared by workers */
    int nworkers;                        /* worker threads, >= 1 */
    keys_t *keys[ISSUER_MAX_THREADS];    /* one key handle per worker */
    unsigned char kid[STORE_KEY_ID_LEN]; /* active signing key id */
    int photos_db;                       /* "photos": certificate_no -> photo bytes */
};

/* The issuer's own database beside store.h's: photos, kept so a reissued file has one. */
static const struct store_dbspec issuer_dbs[] = {{"photos", 0}};

/* One line of a batch. */
struct job {
    struct intake_rec rec;     /* validated input (owns the photo) */
    int rejected;              /* 1 once any rule or the renderer refused it */
    char why[INTAKE_WHY_SIZE]; /* reason when rejected */
    int already;               /* this attempt: issued before, cert.certificate_no set */
    struct store_cert cert;    /* this attempt: the record to store */
    struct jp_buf pdf;         /* this attempt: the signed PDF */
    int render_rc;             /* this attempt: 0 or the renderer's error */
};

struct batch {
    struct job jobs[BATCH_MAX]; /* lines in input order */
    size_t n;                   /* jobs in use */
    char issue_date[11];        /* YYYY-MM-DD */
    int year;                   /* of issue_date */
    const char *actor;          /* for the audit log */
    atomic_size_t next;         /* next job a worker takes */
    issuer *is;                 /* the issuer */
};

/* ------------------------------------------------------------ open/close */

static int open_keys(issuer *is, const unsigned char *pass, size_t passlen, char *err,
                     size_t errlen)
{
    struct keys_info info[KEYS_MAX_SIGNING];
    char kdir[ISSUER_PATH_MAX];
    size_t n = 0;
    int rc = issuer_home_path(is->home, ISSUER_KEYS_DIR, kdir);

    for (int i = 0; rc == 0 && i < is->nworkers; i++)
        rc = keys_open(kdir, 0, pass, passlen, &is->keys[i], err, errlen);
    if (rc != 0)
        return rc;
    rc = keys_list(is->keys[0], info, KEYS_MAX_SIGNING, &n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (info[i].state == KEYS_ACTIVE)
            return jp_hex_decode(info[i].kid, is->kid, sizeof is->kid);
    snprintf(err, errlen, "no active signing key: run `keys rotate`");
    return KEYS_E_NO_ACTIVE_KEY;
}

int issuer_open(const char *home, const unsigned char *pass, size_t passlen, int threads,
                issuer **out, char *err, size_t errlen)
{
    char path[ISSUER_PATH_MAX];
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
    snprintf(is->home, sizeof is->home, "%s", home);
    rc = jp_config_load(home, &is->cfg, err, errlen);
    if (rc == 0)
        rc = issuer_home_path(home, ISSUER_TEMPLATE_FILE, path);
    if (rc == 0)
        rc = tmpl_load(path, &is->tmpl, err, errlen);
    if (rc == 0)
        rc = open_keys(is, pass, passlen, err, errlen);
    if (rc == 0)
        rc = issuer_home_path(home, ISSUER_STORE_DIR, path);
    if (rc == 0) {
        struct store_opts so = {.extra = issuer_dbs, .n_extra = 1};
        rc = store_open_with(path, 0, &so, &is->st, err, errlen);
    }
    if (rc == 0)
        rc = store_db_by_name(is->st, "photos", &is->photos_db);
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

/* --------------------------------------------------------------- report */

void issuer_report_init(struct issuer_report *rep)
{
    memset(rep, 0, sizeof *rep);
    jp_buf_init(&rep->text, (size_t)1 << 30); /* fits issuer_item.reason */
}

void issuer_report_free(struct issuer_report *rep)
{
    if (rep == NULL)
        return;
    free(rep->items);
    jp_buf_free(&rep->text);
    memset(rep, 0, sizeof *rep);
}

static int report_add(struct issuer_report *rep, unsigned long line, enum issuer_outcome what,
                      const char *no, const char *why)
{
    struct issuer_item *it;
    int rc;

    if (rep->n == rep->cap) {
        size_t cap = rep->cap ? rep->cap * 2 : 256;
        it = realloc(rep->items, cap * sizeof *it);
        if (it == NULL)
            return ENOMEM;
        rep->items = it;
        rep->cap = cap;
    }
    if (line > UINT32_MAX)
        return EFBIG;
    it = &rep->items[rep->n];
    it->line = (uint32_t)line;
    it->what = (uint8_t)what;
    snprintf(it->certificate_no, sizeof it->certificate_no, "%s", no ? no : "");
    it->reason = (uint32_t)rep->text.len;
    rc = jp_buf_append(&rep->text, why ? why : "", strlen(why ? why : "") + 1);
    if (rc != 0)
        return rc;
    rep->n++;
    rep->issued += what == ISSUER_ISSUED;
    rep->already += what == ISSUER_ALREADY;
    rep->rejected += what == ISSUER_REJECTED;
    return 0;
}

/* Writes s as a JSON string: quoted, with ", \\ and control characters escaped. */
static int json_string_out(FILE *out, const char *s)
{
    int rc = fputc('"', out) == EOF;

    for (; !rc && *s != '\0'; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            rc = fprintf(out, "\\%c", ch) < 0;
        else if (ch < 0x20)
            rc = fprintf(out, "\\u%04x", ch) < 0;
        else
            rc = fputc(ch, out) == EOF;
    }
    return rc || fputc('"', out) == EOF ? EIO : 0;
}

/* One list of the report ("issued": [...]) streamed item by item. */
static int report_list_write(const struct issuer_report *rep, enum issuer_outcome what,
                             const char *name, FILE *out)
{
    int first = 1, rc = fprintf(out, "\"%s\":[", name) < 0 ? EIO : 0;

    for (size_t i = 0; rc == 0 && i < rep->n; i++) {
        const struct issuer_item *it = &rep->items[i];
        if (it->what != what)
            continue;
        rc = fprintf(out, "%s{\"line\":%lu,", first ? "" : ",", (unsigned long)it->line) < 0 ? EIO
                                                                                             : 0;
        first = 0;
        if (rc == 0 && what == ISSUER_REJECTED) {
            rc = fputs("\"reason\":", out) == EOF ? EIO : 0;
            if (rc == 0)
                rc = json_string_out(out, (const char *)rep->text.data + it->reason);
        } else if (rc == 0) {
            rc = fprintf(out, "\"certificate_no\":\"%s\"", it->certificate_no) < 0 ? EIO : 0;
        }
        if (rc == 0 && fputc('}', out) == EOF)
            rc = EIO;
    }
    return rc == 0 && fputc(']', out) == EOF ? EIO : rc;
}

/* Streamed rather than built as a JSON tree: a 100,000-line report would cost
 * tens of megabytes as Jansson objects. */
int issuer_report_write(const struct issuer_report *rep, FILE *out)
{
    int rc = fputc('{', out) == EOF ? EIO : 0;

    if (rc == 0)
        rc = report_list_write(rep, ISSUER_ISSUED, "issued", out);
    if (rc == 0 && fputc(',', out) == EOF)
        rc = EIO;
    if (rc == 0)
        rc = report_list_write(rep, ISSUER_ALREADY, "already_issued", out);
    if (rc == 0 && fputc(',', out) == EOF)
        rc = EIO;
    if (rc == 0)
        rc = report_list_write(rep, ISSUER_REJECTED, "rejected", out);
    if (rc == 0 && fputs("}\n", out) == EOF)
        rc = EIO;
    return rc;
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

/* ------------------------------------------------------------ rendering */

static int cms_sign_cb(void *ctx, const struct jp_span *ranges, size_t nranges, unsigned char **der,
                       size_t *derlen, char *err, size_t errlen)
{
    return keys_cms_sign_detached(ctx, ranges, nranges, der, derlen, err, errlen);
}

static void cms_free_cb(void *ctx, unsigned char *der)
{
    (void)ctx;
    keys_free_der(der);
}

static void display_date(const char *iso, char out[32])
{
    /* "2023-08-18" -> "2023年08月18日" */
    snprintf(out, 32, "%.4s年%.2s月%.2s日", iso, iso + 5, iso + 8);
}

static int make_token(keys_t *k, const issuer *is, const struct store_cert *c, char *token,
                      size_t tokensz, char *err, size_t errlen)
{
    struct keys_claims cl;
    int rc;

    memset(&cl, 0, sizeof cl);
    memcpy(cl.certificate_no, c->certificate_no, sizeof cl.certificate_no);
    cl.elicence_version = c->file_version;
    memcpy(cl.position, c->position_code, sizeof cl.position);
    memcpy(cl.issue_date, c->issue_date, sizeof cl.issue_date);
    memcpy(cl.province, is->cfg.province, sizeof cl.province);
    rc = ident_name_mask(c->holder_name, strlen(c->holder_name), cl.name_masked,
                         sizeof cl.name_masked);
    if (rc == 0)
        rc = ident_id_mask(c->id_number, strlen(c->id_number), cl.id_masked, sizeof cl.id_masked);
    if (rc != 0) {
        snprintf(err, errlen, "cannot mask the holder: %s", ident_strerror(rc));
        return rc;
    }
    return keys_token_sign(k, &cl, token, tokensz, err, errlen);
}

/* Renders and signs one certificate into *pdf (reset first). */
static int render_one(const issuer *is, keys_t *k, const struct store_cert *c,
                      const unsigned char *photo, size_t photo_len, struct jp_buf *pdf, char *err,
                      size_t errlen)
{
    char token[KEYS_TOKEN_BUFSZ], qr[TMPL_MAX_QR], date[32];
    struct tmpl_fields f;
    struct pdf_signer sg;
    struct jp_buf raw;
    int rc, n;

    jp_buf_reset(pdf);
    rc = make_token(k, is, c, token, sizeof token, err, errlen);
    if (rc != 0)
        return rc;
    n = snprintf(qr, sizeof qr, "%s/V/%s/%s", is->cfg.public_url, c->certificate_no, token);
    if (n < 0 || (size_t)n >= sizeof qr) {
        snprintf(err, errlen, "qr text longer than %zu bytes", sizeof qr - 1);
        return EFBIG;
    }
    display_date(c->issue_date, date);
    memset(&f, 0, sizeof f);
    f.name = c->holder_name;
    f.gender = c->gender;
    f.id_number = c->id_number;
    f.position = jp_config_position(&is->cfg, c->position_code);
    f.certificate_no = c->certificate_no;
    f.institution = c->institution_name;
    f.authority = c->authority_name;
    f.issue_date = date;
    f.elicence_id = c->elicence_id;
    f.qr_text = qr;
    f.photo = photo;
    f.photo_len = photo_len;
    jp_buf_init(&raw, TMPL_MAX_PDF);
    rc = tmpl_render(is->tmpl, &f, &raw, err, errlen);
    if (rc == 0) {
        memset(&sg, 0, sizeof sg);
        sg.sign = cms_sign_cb;
        sg.free_der = cms_free_cb;
        sg.ctx = k;
        sg.signing_time = time(NULL);
        sg.contents_size = ISSUER_CMS_RESERVE;
        rc = pdf_sign(raw.data, raw.len, &sg, pdf, err, errlen);
    }
    jp_buf_free(&raw);
    return rc;
}

struct worker {
    struct batch *b; /* shared batch */
    keys_t *k;       /* this worker's key handle */
};

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    struct batch *b = w->b;
    size_t i;

    while ((i = atomic_fetch_add(&b->next, 1)) < b->n) {
        struct job *j = &b->jobs[i];
        if (j->rejected || j->already)
            continue;
        j->render_rc = render_one(b->is, w->k, &j->cert, j->rec.photo, j->rec.photo_len, &j->pdf,
                                  j->why, sizeof j->why);
    }
    return NULL;
}

/* Renders every new job of the batch on all workers (the caller is worker 0). */
static int render_batch(struct batch *b)
{
    struct worker w[ISSUER_MAX_THREADS];
    pthread_t th[ISSUER_MAX_THREADS];
    int started = 0, rc = 0;

    atomic_store(&b->next, 0);
    for (int i = 0; i < b->is->nworkers; i++) {
        w[i].b = b;
        w[i].k = b->is->keys[i];
    }
    for (int i = 1; i < b->is->nworkers; i++) {
        if (pthread_create(&th[i], NULL, worker_run, &w[i]) != 0)
            break;
        started = i;
    }
    worker_run(&w[0]);
    for (int i = 1; i <= started; i++)
        pthread_join(th[i], NULL);
    for (size_t i = 0; i < b->n; i++)
        if (!b->jobs[i].rejected && !b->jobs[i].already && b->jobs[i].render_rc != 0)
            rc = b->jobs[i].render_rc;
    return rc;
}

/* --------------------------------------------------------- transaction */

static int fill_cert(const struct batch *b, struct job *j, store_txn *txn)
{
    const issuer *is = b->is;
    struct store_cert *c = &j->cert;
    char prefix[11], why[IDENT_WHY_SIZE];
    uint32_t serial;
    int rc;

    snprintf(prefix, sizeof prefix, "%s%s%04d%s", is->cfg.province, j->rec.city, b->year,
             j->rec.position);
    rc = store_next_serial(txn, prefix, &serial);
    if (rc != 0)
        return rc;
    memset(c, 0, sizeof *c);
    rc = ident_certno_make(is->cfg.province, j->rec.city, b->year, j->rec.position, serial,
                           c->certificate_no, sizeof c->certificate_no, why, sizeof why);
    if (rc == 0)
        rc = ident_elicence_make(is->cfg.elicence_type_code, is->cfg.authority_uscc,
                                 c->certificate_no, 1, c->elicence_id, sizeof c->elicence_id, why,
                                 sizeof why);
    if (rc != 0)
        return STORE_EINVAL;
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
    snprintf(c->exam_id, sizeof c->exam_id, "%s", j->rec.exam_id);
    memcpy(c->exam_date, j->rec.exam_date, sizeof c->exam_date);
    c->score_tenths = j->rec.score_tenths;
    memcpy(c->key_id, is->kid, sizeof c->key_id);
    c->issued_at = (int64_t)time(NULL);
    return 0;
}

/* Draws numbers for the batch's new jobs, in input order. */
static int number_batch(struct batch *b, store_txn *txn)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < b->n; i++) {
        struct job *j = &b->jobs[i];
        j->already = 0;
        j->render_rc = 0;
        if (j->rejected)
            continue;
        rc = store_intake_get(txn, j->rec.id_number, j->rec.position, j->rec.exam_id,
                              j->cert.certificate_no);
        if (rc == 0) {
            j->already = 1;
            continue;
        }
        if (rc != STORE_ENOTFOUND)
            return rc;
        rc = fill_cert(b, j, txn);
    }
    return rc;
}

static int put_job(const struct batch *b, const struct job *j, store_txn *txn)
{
    struct store_audit_entry e;
    int rc;

    rc = store_cert_put(txn, &j->cert);
    if (rc == 0)
        rc = store_pdf_put(txn, j->cert.certificate_no, j->pdf.data, j->pdf.len);
    if (rc == 0 && j->rec.photo != NULL)
        rc = store_put(txn, b->is->photos_db, j->cert.certificate_no, STORE_CERT_NO_LEN,
                       j->rec.photo, j->rec.photo_len, 0);
    if (rc == 0)
        rc = store_intake_put(txn, j->rec.id_number, j->rec.position, j->rec.exam_id,
                              j->cert.certificate_no);
    if (rc != 0)
        return rc;
    memset(&e, 0, sizeof e);
    e.time = j->cert.issued_at;
    snprintf(e.action, sizeof e.action, "issue");
    memcpy(e.certificate_no, j->cert.certificate_no, sizeof e.certificate_no);
    snprintf(e.actor, sizeof e.actor, "%s", b->actor);
    snprintf(e.detail, sizeof e.detail, "file version 1, position %s, institution %s",
             j->cert.position_code, j->cert.institution_code);
    return store_audit_append(txn, &e);
}

#define ISSUE_ERENDER 1 /* a job failed to render: mark it and run the batch again */

static int batch_txn(store_txn *txn, void *arg)
{
    struct batch *b = arg;
    int rc = number_batch(b, txn);

    if (rc == 0 && render_batch(b) != 0)
        return ISSUE_ERENDER;
    for (size_t i = 0; rc == 0 && i < b->n; i++) {
        if (!b->jobs[i].rejected && !b->jobs[i].already)
            rc = put_job(b, &b->jobs[i], txn);
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
        if (rc != ISSUE_ERENDER)
            break;
        for (size_t i = 0; i < b->n; i++) {
            struct job *j = &b->jobs[i];
            if (!j->rejected && !j->already && j->render_rc != 0)
                j->rejected = 1; /* j->why was set by the renderer */
        }
    }
    if (rc != 0)
        snprintf(err, errlen, "cannot store the batch: %s", store_strerror(rc));
    return rc;
}

static int report_batch(const struct batch *b, struct issuer_report *rep)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < b->n; i++) {
        const struct job *j = &b->jobs[i];
        if (j->rejected)
            rc = report_add(rep, j->rec.line, ISSUER_REJECTED, NULL, j->why);
        else
            rc = report_add(rep, j->rec.line, j->already ? ISSUER_ALREADY : ISSUER_ISSUED,
                            j->cert.certificate_no, NULL);
    }
    return rc;
}

static void batch_clear(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        intake_rec_clear(&b->jobs[i].rec);
        jp_buf_free(&b->jobs[i].pdf);
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

/* Reads the next non-blank line into job j (validated or marked rejected).
 * Returns 1 when a line was read, 0 at the end, or -errno. */
static int read_job(struct reader *r, struct job *j)
{
    enum linereader_result lr;
    unsigned long first;
    size_t len;
    int rc;

    do {
        lr = linereader_next(&r->lr, &len);
        if (lr == LR_EOF)
            return 0;
        if (lr == LR_ERROR)
            return -EIO;
    } while (lr == LR_LINE && len == 0);
    memset(j, 0, sizeof *j);
    jp_buf_init(&j->pdf, TMPL_MAX_PDF);
    j->rec.line = r->lr.line;
    if (lr == LR_TOOLONG) {
        j->rejected = 1;
        snprintf(j->why, sizeof j->why, "line is longer than %u bytes", ISSUER_LINE_MAX);
        return 1;
    }
    rc = intake_parse(&r->ctx, r->lr.buf, len, &j->rec, j->why, sizeof j->why);
    if (rc == ENOMEM)
        return -ENOMEM;
    if (rc != 0) {
        j->rejected = 1;
        return 1;
    }
    rc = dupset_add(&r->dups, &j->rec, &first);
    if (rc != 0)
        return -rc;
    if (first != 0) {
        intake_rec_clear(&j->rec);
        j->rejected = 1;
        snprintf(j->why, sizeof j->why,
                 "duplicate of line %lu (same id_number, position and exam_id)", first);
    }
    return 1;
}

/* Fills the batch with up to BATCH_MAX lines. Returns lines read, or -errno. */
static int read_batch(struct reader *r, struct batch *b)
{
    int rc = 1;

    batch_clear(b);
    while (b->n < BATCH_MAX) {
        rc = read_job(r, &b->jobs[b->n]);
        if (rc <= 0)
            break;
        b->n++;
    }
    return rc < 0 ? rc : (int)b->n;
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

    if (ident_date_from_unix((int64_t)time(NULL), CHINA_UTC_OFFSET, &d) != 0)
        return EINVAL;
    return ident_date_format(&d, out, 11);
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
    rc = ident_date_parse(issue_date, strlen(issue_date), &r->ctx.today, why, sizeof why);
    if (rc != 0) {
        snprintf(err, errlen, "issue date: %s", why);
        return EINVAL;
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
    malloc_trim(0);
}

static int run_batches(struct reader *r, struct batch *b, const struct issuer_issue_opts *o,
                       struct issuer_report *rep, char *err, size_t errlen)
{
    unsigned long lines = 0;
    int n, rc = 0;

    while (rc == 0 && (n = read_batch(r, b)) > 0) {
        rc = commit_batch(b, err, errlen);
        if (rc == 0)
            release_memory(b->is); /* keeps RSS bounded over any input size */
        if (rc == 0)
            rc = report_batch(b, rep);
        lines = r->lr.line;
        if (rc == 0 && o->progress != NULL)
            o->progress(o->progress_ctx, lines, read_fraction(r));
    }
    if (rc == 0 && n < 0) {
        rc = -n;
        snprintf(err, errlen, "cannot read the input: %s", strerror(rc));
    }
    batch_clear(b);
    return rc;
}

/* all-or-nothing, pass 1: validate every line, issue nothing. */
static int validate_all(struct reader *r, struct batch *b, struct issuer_report *rep, char *err,
                        size_t errlen)
{
    int n, rc = 0;

    while (rc == 0 && (n = read_batch(r, b)) > 0)
        for (size_t i = 0; rc == 0 && i < b->n; i++)
            if (b->jobs[i].rejected)
                rc = report_add(rep, b->jobs[i].rec.line, ISSUER_REJECTED, NULL, b->jobs[i].why);
    if (rc == 0 && n < 0) {
        rc = -n;
        snprintf(err, errlen, "cannot read the input: %s", strerror(rc));
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

/* all-or-nothing, pass 2: everything in one write transaction. */
static int aon_txn(store_txn *txn, void *arg)
{
    struct aon *a = arg;
    int n, rc = 0;

    rewind(a->r->in);
    a->r->lr.line = 0;
    dupset_free(&a->r->dups);
    issuer_report_free(a->rep);
    issuer_report_init(a->rep);
    while (rc == 0 && (n = read_batch(a->r, a->b)) > 0) {
        rc = number_batch(a->b, txn);
        if (rc == 0 && render_batch(a->b) != 0) {
            for (size_t i = 0; i < a->b->n; i++)
                if (a->b->jobs[i].render_rc != 0 && a->bad_line == 0) {
                    a->bad_line = a->b->jobs[i].rec.line;
                    snprintf(a->why, sizeof a->why, "%s", a->b->jobs[i].why);
                }
            rc = ISSUE_ERENDER;
        }
        for (size_t i = 0; rc == 0 && i < a->b->n; i++)
            if (!a->b->jobs[i].already)
                rc = put_job(a->b, &a->b->jobs[i], txn);
        if (rc == 0)
            rc = report_batch(a->b, a->rep);
    }
    if (rc == 0 && n < 0)
        rc = -n;
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
    if (rc == ISSUE_ERENDER) {
        issuer_report_free(rep);
        issuer_report_init(rep);
        return report_add(rep, a.bad_line, ISSUER_REJECTED, NULL, a.why);
    }
    if (rc != 0)
        snprintf(err, errlen, "cannot store the certificates: %s", store_strerror(rc));
    return rc;
}

int issuer_issue(issuer *is, FILE *in, const struct issuer_issue_opts *o, struct issuer_report *rep,
                 char *err, size_t errlen)
{
    struct reader r;
    struct batch *b = NULL;
    FILE *src = in;
    char today[11];
    int rc;

    if (o->issue_date != NULL)
        snprintf(today, sizeof today, "%s", o->issue_date);
    else if (today_china(today) != 0) {
        snprintf(err, errlen, "cannot read the clock");
        return EINVAL;
    }
    if (o->all_or_nothing) {
        src = seekable(in);
        if (src == NULL) {
            snprintf(err, errlen, "cannot spool the input to a temporary file");
            return EIO;
        }
    }
    rc = reader_init(&r, src, o, is, today, err, errlen);
    if (rc == 0) {
        b = calloc(1, sizeof *b);
        rc = b == NULL ? ENOMEM : 0;
    }
    if (rc == 0) {
        b->is = is;
        b->actor = o->actor ? o->actor : "jianpei-issuer";
        memcpy(b->issue_date, today, sizeof b->issue_date);
        b->year = (int)r.ctx.today.year;
        if (o->all_or_nothing)
            rc = run_all_or_nothing(&r, b, rep, err, errlen);
        else
            rc = run_batches(&r, b, o, rep, err, errlen);
    }
    free(b);
    reader_free(&r);
    if (src != in)
        fclose(src);
    return rc;
}

/* -------------------------------------------------------------- reissue */

struct reissue {
    issuer *is;        /* the issuer */
    const char *no;    /* certificate number */
    const char *actor; /* who */
    struct jp_buf pdf; /* the new file */
    char *err;         /* caller's message buffer */
    size_t errlen;     /* its size */
};

static int reissue_txn(store_txn *txn, void *arg)
{
    struct reissue *r = arg;
    struct store_cert c;
    struct store_audit_entry e;
    char why[IDENT_WHY_SIZE];
    const void *photo = NULL;
    size_t photo_len = 0;
    int rc;

    rc = store_cert_get(txn, r->no, &c);
    if (rc != 0)
        return rc;
    if (c.status != STORE_STATUS_VALID) {
        snprintf(r->err, r->errlen, "%s: cannot reissue a certificate that is %s", r->no,
                 store_status_name(c.status));
        return EINVAL;
    }
    if (c.file_version >= 999) {
        snprintf(r->err, r->errlen, "%s: file version 999 reached", r->no);
        return EINVAL;
    }
    c.file_version++;
    rc = ident_elicence_make(r->is->cfg.elicence_type_code, r->is->cfg.authority_uscc,
                             c.certificate_no, c.file_version, c.elicence_id, sizeof c.elicence_id,
                             why, sizeof why);
    if (rc != 0) {
        snprintf(r->err, r->errlen, "e-licence identifier: %s", why);
        return EINVAL;
    }
    memcpy(c.key_id, r->is->kid, sizeof c.key_id);
    rc = store_get(txn, r->is->photos_db, c.certificate_no, STORE_CERT_NO_LEN, &photo, &photo_len);
    if (rc != 0 && rc != STORE_ENOTFOUND)
        return rc;
    /* photo points into the map; it stays valid until the first put below. */
    rc = render_one(r->is, r->is->keys[0], &c, photo, photo_len, &r->pdf, r->err, r->errlen);
    if (rc == 0)
        rc = store_cert_put(txn, &c);
    if (rc == 0)
        rc = store_pdf_put(txn, c.certificate_no, r->pdf.data, r->pdf.len);
    if (rc != 0)
        return rc;
    memset(&e, 0, sizeof e);
    e.time = (int64_t)time(NULL);
    snprintf(e.action, sizeof e.action, "reissue");
    memcpy(e.certificate_no, c.certificate_no, sizeof e.certificate_no);
    snprintf(e.actor, sizeof e.actor, "%s", r->actor);
    snprintf(e.detail, sizeof e.detail, "file version %u", (unsigned)c.file_version);
    return store_audit_append(txn, &e);
}

int issuer_reissue(issuer *is, const char *certificate_no, const char *actor, char *err,
                   size_t errlen)
{
    struct reissue r = {is, certificate_no, actor ? actor : "jianpei-issuer", {0}, err, errlen};
    int rc;

    err[0] = '\0';
    jp_buf_init(&r.pdf, TMPL_MAX_PDF);
    rc = store_write(is->st, reissue_txn, &r);
    if (rc != 0 && err[0] == '\0')
        snprintf(err, errlen, "%s: %s", certificate_no,
                 rc == STORE_ENOTFOUND ? "no such certificate" : store_strerror(rc));
    jp_buf_free(&r.pdf);
    return rc;
}
