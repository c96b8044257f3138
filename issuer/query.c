/*
 * query.c - the department's read commands over a home's store: one record
 * (show), a holder's certificates (find), a stored PDF (pdf), counts (stats),
 * and the store's upkeep (audit verify, check, backup). Each opens the store
 * read-only after the home's checks and closes it before returning.
 */
#include "issuer.h"
#include "files.h"
#include "ident.h"
#include "issuer_int.h"
#include "store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#define FIND_MAX 256 /* certificates of one holder listed at most */

int issuer_certno_check(const char *no, char *err, size_t errlen)
{
    char why[IDENT_WHY_SIZE];

    if (ident_certno_parse(no, strlen(no), NULL, why, sizeof why) == 0)
        return 0;
    jp_errf(err, errlen, "certificate number: %s", why);
    return ISSUER_EARG;
}

/* Reads certificate no in one read transaction. */
static int cert_read(store *s, const char *no, struct store_cert *c)
{
    store_txn *txn = NULL;
    int rc = store_read_begin(s, &txn);

    if (rc == 0)
        rc = store_cert_get(txn, no, c);
    store_read_end(txn);
    return rc;
}

static json_t *cert_json(const struct store_cert *c, const struct jp_config *cfg)
{
    char kid[2 * STORE_KEY_ID_LEN + 1];
    const char *pos = jp_config_position(cfg, c->position_code);

    jp_hex_encode(c->key_id, sizeof c->key_id, kid);
    return json_pack("{s:s, s:s, s:i, s:s, s:I, s:s, s:{s:s, s:s}, s:s, s:s, s:{s:s, s:s},"
                     " s:{s:s, s:s, s:s, s:s}, s:s, s:s, s:s, s:f, s:s}",
                     "certificate_no", c->certificate_no, "elicence_id", c->elicence_id,
                     "file_version", (int)c->file_version, "status", store_status_name(c->status),
                     "status_changed_at", (json_int_t)c->status_changed_at, "status_reason",
                     c->status_reason, "position", "code", c->position_code, "name", pos ? pos : "",
                     "issue_date", c->issue_date, "issuer", c->authority_name, "institution",
                     "code", c->institution_code, "name", c->institution_name, "holder", "name",
                     c->holder_name, "gender", c->gender, "id_type", c->id_type, "id_number",
                     c->id_number, "city", c->city, "exam_id", c->exam_id, "exam_date",
                     c->exam_date, "score", c->score_tenths / 10.0, "key_id", kid);
}

int issuer_show(const char *home, const char *no, int compact, FILE *out, char *err, size_t errlen)
{
    struct jp_config cfg;
    struct store_cert c;
    store *s = NULL;
    json_t *j = NULL;
    int rc = issuer_certno_check(no, err, errlen);

    if (rc == 0)
        rc = jp_config_load(home, &cfg, err, errlen);
    if (rc == 0)
        rc = issuer_store_open(home, STORE_RDONLY, &s, err, errlen);
    if (rc == 0)
        rc = cert_read(s, no, &c);
    if (rc == STORE_ENOTFOUND)
        jp_errf(err, errlen, "%s: no such certificate", no);
    if (rc == 0) {
        j = cert_json(&c, &cfg);
        rc = j == NULL ? ENOMEM : 0;
    }
    if (rc == 0 && (json_dumpf(j, out,
                               compact ? JSON_COMPACT | JSON_PRESERVE_ORDER
                                       : JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
                    fputc('\n', out) == EOF))
        rc = EIO;
    json_decref(j);
    store_close(s);
    return rc;
}

/* Prints each listed certificate: number, status, position, issue date. */
static int find_print(store_txn *txn, char (*nos)[IDENT_CERTNO_SIZE], size_t n, FILE *out)
{
    for (size_t i = 0; i < n && i < FIND_MAX; i++) {
        struct store_cert c;
        if (store_cert_get(txn, nos[i], &c) == 0)
            fprintf(out, "%s  %-9s  %s  %s\n", c.certificate_no, store_status_name(c.status),
                    c.position_code, c.issue_date);
    }
    return ferror(out) ? EIO : 0;
}

int issuer_find(const char *home, const char *id_number, FILE *out, size_t *n, char *err,
                size_t errlen)
{
    char(*nos)[IDENT_CERTNO_SIZE] = NULL;
    store *s = NULL;
    store_txn *txn = NULL;
    int rc;

    *n = 0;
    if (id_number[0] == '\0' || strlen(id_number) > IDENT_OTHER_ID_MAX) {
        jp_errf(err, errlen, "--id-number: must be 1-%d characters", IDENT_OTHER_ID_MAX);
        return ISSUER_EARG;
    }
    rc = issuer_store_open(home, STORE_RDONLY, &s, err, errlen);
    if (rc == 0) {
        nos = calloc(FIND_MAX, sizeof *nos);
        rc = nos == NULL ? ENOMEM : store_read_begin(s, &txn);
    }
    if (rc == 0)
        rc = store_holder_list(txn, id_number, nos, FIND_MAX, n);
    if (rc == 0)
        rc = find_print(txn, nos, *n, out);
    store_read_end(txn);
    store_close(s);
    free(nos);
    return issuer_err_default(rc, NULL, err, errlen);
}

static int buf_fill(FILE *f, void *ctx)
{
    const struct jp_buf *b = ctx;

    return fwrite(b->data, 1, b->len, f) == b->len ? 0 : EIO;
}

int issuer_copy_save(int rc, const char *no, const char *missing, const char *path,
                     struct jp_buf *b, char *err, size_t errlen)
{
    if (rc == STORE_ENOTFOUND)
        jp_errf(err, errlen, "%s: %s", no, missing);
    else
        issuer_err_default(rc, no, err, errlen);
    if (rc == 0)
        rc = private_file_write(path, buf_fill, b, err, errlen);
    jp_buf_free(b);
    return rc;
}

int issuer_pdf_save(const char *home, const char *no, const char *path, char *err, size_t errlen)
{
    struct jp_buf pdf;
    store *s = NULL;
    store_txn *txn = NULL;
    int rc = issuer_certno_check(no, err, errlen);

    jp_buf_init(&pdf, STORE_PDF_MAX);
    if (rc == 0)
        rc = issuer_store_open(home, STORE_RDONLY, &s, err, errlen);
    if (rc == 0)
        rc = store_read_begin(s, &txn);
    if (rc == 0)
        rc = store_pdf_copy(txn, no, &pdf);
    store_read_end(txn);
    store_close(s);
    return issuer_copy_save(rc, no, "no such certificate", path, &pdf, err, errlen);
}

struct counts {
    unsigned long by_status[STORE_STATUS_LAPSED + 1]; /* certificates per status */
    unsigned long total;                              /* certificates */
    unsigned long long pdf_bytes;                     /* bytes of stored PDFs */
    uint64_t audit;                                   /* last audit sequence number */
};

static void count_cert(const void *v, size_t vl, struct counts *n)
{
    struct store_cert c;

    if (store_cert_decode(v, vl, &c) == 0 && c.status <= STORE_STATUS_LAPSED)
        n->by_status[c.status]++;
    n->total++;
}

static void count_pdf(const void *v, size_t vl, struct counts *n)
{
    (void)v;
    n->pdf_bytes += vl;
}

/* Calls each() on every value of database db. */
static int walk(store_txn *txn, int db, void (*each)(const void *v, size_t vl, struct counts *n),
                struct counts *n)
{
    store_cursor *cur = NULL;
    const void *k, *v;
    size_t kl, vl;
    int rc = store_cursor_open(txn, db, &cur);

    for (int r = rc == 0 ? store_cursor_first(cur, &k, &kl, &v, &vl) : rc; r == 0;
         r = store_cursor_next(cur, &k, &kl, &v, &vl))
        each(v, vl, n);
    store_cursor_close(cur);
    return rc;
}

static void stats_print(const struct counts *n, size_t map_size, FILE *out)
{
    fprintf(out, "certificates: %lu\n", n->total);
    for (int i = 0; i <= STORE_STATUS_LAPSED; i++)
        fprintf(out, "  %-10s %lu\n", store_status_name((enum store_cert_status)i),
                n->by_status[i]);
    fprintf(out, "pdf bytes: %llu (%.1f KB per certificate)\n", n->pdf_bytes,
            n->total ? n->pdf_bytes / 1024.0 / n->total : 0.0);
    fprintf(out, "audit entries: %llu\n", (unsigned long long)n->audit);
    fprintf(out, "map size: %zu MiB\n", map_size >> 20);
}

int issuer_stats(const char *home, FILE *out, char *err, size_t errlen)
{
    struct counts n;
    store *s = NULL;
    store_txn *txn = NULL;
    int rc = issuer_store_open(home, STORE_RDONLY, &s, err, errlen);

    memset(&n, 0, sizeof n);
    if (rc == 0)
        rc = store_read_begin(s, &txn);
    if (rc == 0)
        rc = walk(txn, STORE_DB_CERTS, count_cert, &n);
    if (rc == 0)
        rc = walk(txn, STORE_DB_PDFS, count_pdf, &n);
    if (rc == 0)
        rc = store_audit_last(txn, &n.audit);
    store_read_end(txn);
    if (rc == 0)
        stats_print(&n, store_map_size(s), out);
    issuer_err_default(rc, NULL, err, errlen);
    store_close(s);
    return rc;
}

int issuer_audit_verify(const char *home, uint64_t *first_bad, uint64_t *count, char *err,
                        size_t errlen)
{
    store *s = NULL;
    int rc = issuer_store_open(home, STORE_RDONLY, &s, err, errlen);

    *first_bad = *count = 0;
    if (rc == 0)
        rc = store_audit_verify(s, first_bad, count);
    issuer_err_default(rc, NULL, err, errlen);
    store_close(s);
    return rc;
}

/* Counts the store's data file as a problem when others may read it (it holds every holder). */
static void check_mode(const char *home, struct issuer_check_report *r)
{
    char dir[JP_HOME_PATH_MAX], path[JP_HOME_PATH_MAX];
    struct stat st;

    if (jp_home_path(home, JP_HOME_STORE, dir) != 0 ||
        jp_path_join(path, sizeof path, dir, "data.mdb") != 0 || stat(path, &st) != 0 ||
        (st.st_mode & 077) == 0)
        return;
    if (r->problems < ISSUER_CHECK_LINES)
        jp_errf(r->first[r->problems], sizeof r->first[0],
                "store/data.mdb is mode %03o: it holds personal data, must be 0600",
                (unsigned)(st.st_mode & 0777));
    r->problems++;
}

int issuer_check(const char *home, struct issuer_check_report *r, char *err, size_t errlen)
{
    struct store_report sr;
    store *s = NULL;
    int rc = issuer_store_open(home, STORE_RDONLY, &s, err, errlen);

    memset(r, 0, sizeof *r);
    if (rc == 0)
        rc = store_check(s, &sr);
    store_close(s);
    if (issuer_err_default(rc, NULL, err, errlen) != 0)
        goto out;
    r->certs = sr.certs;
    r->pdfs = sr.pdfs;
    r->audit_entries = sr.audit_entries;
    r->problems = sr.problems;
    for (unsigned i = 0; i < sr.problems && i < STORE_REPORT_LINES && i < ISSUER_CHECK_LINES; i++)
        jp_errf(r->first[i], sizeof r->first[i], "%s", sr.first[i]);
    check_mode(home, r);
    rc = issuer_check_ofds(home, r, err, errlen);
out:
    return rc;
}

int issuer_backup(const char *home, const char *dir, char *err, size_t errlen)
{
    store *s = NULL;
    int rc = issuer_store_open(home, STORE_RDONLY, &s, err, errlen);

    if (rc == 0)
        rc = store_backup(s, dir, err, errlen);
    issuer_err_default(rc, NULL, err, errlen);
    store_close(s);
    return rc;
}

/* Opens the store read-write and runs one of the store's one-off backfills. */
static int backfill_with(const char *home, int (*fn)(store *s, uint64_t *n), uint64_t *n, char *err,
                         size_t errlen)
{
    store *s = NULL;
    int rc = issuer_store_open(home, 0, &s, err, errlen);

    *n = 0;
    if (rc == 0)
        rc = fn(s, n);
    issuer_err_default(rc, NULL, err, errlen);
    store_close(s);
    return rc;
}

int issuer_digest_backfill(const char *home, uint64_t *n, char *err, size_t errlen)
{
    return backfill_with(home, store_digest_backfill, n, err, errlen);
}

int issuer_institution_backfill(const char *home, uint64_t *n, char *err, size_t errlen)
{
    return backfill_with(home, store_institution_backfill, n, err, errlen);
}
