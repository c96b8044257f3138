/*
 * pending.c - time-stamps owed (SPEC §13, issue 17). Under --tsa-optional a
 * certificate whose signature could not be time-stamped is issued PAdES B-B
 * and its number goes into the issuer's "tsa_pending" database in the same
 * transaction (docs/store-format.md). `timestamp --pending` later adds a
 * document time-stamp to each such file (pdf_timestamp: an incremental
 * update whose RFC 3161 token covers the whole signed file, its signature
 * value included), stores the file, drops the entry and appends an audit
 * entry, in transactions of PENDING_BATCH certificates, so a run stopped
 * halfway (the TSA down again) keeps the transactions it committed and the
 * next run goes on from there.
 */
#include "issuer_int.h"
#include "audit.h"
#include "keys.h"
#include "pdf.h"
#include "store.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* DER bytes reserved for the token: about 1,500 with the TSA's certificate. */
#define PENDING_TOKEN_RESERVE 4096
#define PENDING_SIG_DER_MAX (64u * 1024u) /* signature values read to see if one is stamped */
#define PENDING_BATCH 32                  /* certificates per write transaction */

int pending_put(const issuer *is, store_txn *txn, const char *no)
{
    return store_put(txn, is->pending_db, no, STORE_CERT_NO_LEN, "B-B", 3, 0);
}

int pending_del(const issuer *is, store_txn *txn, const char *no)
{
    int rc = store_del(txn, is->pending_db, no, STORE_CERT_NO_LEN, NULL, 0);

    return rc == STORE_ENOTFOUND ? 0 : rc;
}

/* The stamper callback's state: the key handle that talks to the TSA. */
struct stamp_ctx {
    keys_t *k;       /* worker 0's handle */
    struct jp_buf b; /* the ranges, concatenated */
};

static int stamp_cb(void *ctx, const struct jp_span *ranges, size_t n, unsigned char **der,
                    size_t *derlen, char *err, size_t errlen)
{
    struct stamp_ctx *sc = ctx;
    int rc = 0;

    jp_buf_reset(&sc->b);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = jp_buf_append(&sc->b, ranges[i].p, ranges[i].n);
    if (rc != 0) {
        jp_errf(err, errlen, "time-stamp: the file is too large");
        return rc;
    }
    return keys_tsa_stamp(sc->k, sc->b.data, sc->b.len, der, derlen, err, errlen);
}

/* 1 when the last signature of pdf is time-stamped (a token or a document time-stamp). */
static int already_stamped(const void *pdf, size_t len)
{
    const char *p = pdf;
    unsigned char *der;
    size_t off, n, dlen;
    int stamped = 0;

    if (store_pdf_sig_span(pdf, len, &off, &n) != 0 || n < 2)
        return 0;
    dlen = (n - 2) / 2 < PENDING_SIG_DER_MAX ? (n - 2) / 2 : PENDING_SIG_DER_MAX;
    der = malloc(dlen);
    if (der == NULL)
        return 0;
    for (size_t i = 0; i < dlen; i++) {
        char hx[3] = {p[off + 1 + 2 * i], p[off + 2 + 2 * i], '\0'};
        if (jp_hex_decode(hx, der + i, 1) != 0) {
            dlen = i;
            break;
        }
    }
    stamped = keys_cms_stamped(der, dlen) == 1;
    free(der);
    return stamped;
}

struct pending_run {
    issuer *is;                                 /* the issuer */
    const char *actor;                          /* for the audit log */
    struct stamp_ctx sc;                        /* the TSA side */
    struct jp_buf pdf;                          /* the stored file */
    struct jp_buf out;                          /* the time-stamped file */
    char nos[PENDING_BATCH][IDENT_CERTNO_SIZE]; /* this transaction's certificates */
    size_t n;                                   /* how many; 0 at the end of the list */
    const char *no;                             /* the one being done, for messages */
    size_t stamped, already;                    /* this transaction's counts */
    char *err;                                  /* caller's message buffer */
    size_t errlen;                              /* its size */
};

/* Time-stamps r->pdf into r->out. */
static int stamp_file(struct pending_run *r)
{
    struct pdf_signer sg;

    memset(&sg, 0, sizeof sg);
    sg.sign = stamp_cb;
    sg.free_der = keys_der_free_cb;
    sg.ctx = &r->sc;
    sg.contents_size = PENDING_TOKEN_RESERVE;
    jp_buf_reset(&r->out);
    return pdf_timestamp(r->pdf.data, r->pdf.len, &sg, &r->out, r->err, r->errlen);
}

/* The first PENDING_BATCH numbers of tsa_pending (or fewer) into r->nos. */
static int first_pending(store_txn *txn, struct pending_run *r)
{
    store_cursor *cur = NULL;
    const void *k, *v;
    size_t klen, vlen;
    int rc = store_cursor_open(txn, r->is->pending_db, &cur);

    r->n = 0;
    if (rc == 0)
        rc = store_cursor_first(cur, &k, &klen, &v, &vlen);
    while (rc == 0 && r->n < PENDING_BATCH) {
        if (klen != STORE_CERT_NO_LEN) {
            rc = STORE_ECORRUPT;
            break;
        }
        memcpy(r->nos[r->n], k, STORE_CERT_NO_LEN);
        r->nos[r->n++][STORE_CERT_NO_LEN] = '\0';
        rc = store_cursor_next(cur, &k, &klen, &v, &vlen);
    }
    store_cursor_close(cur);
    return rc == STORE_ENOTFOUND ? 0 : rc;
}

/* One certificate: its file time-stamped and stored, its entry dropped, an audit entry. */
static int stamp_one(store_txn *txn, struct pending_run *r, const char *no)
{
    struct store_cert c;
    int rc = store_cert_get(txn, no, &c);

    r->no = no;
    if (rc == 0)
        rc = store_pdf_copy(txn, no, &r->pdf);
    if (rc == 0 && already_stamped(r->pdf.data, r->pdf.len)) {
        r->already++;
        return pending_del(r->is, txn, no);
    }
    if (rc == 0)
        rc = stamp_file(r);
    if (rc == 0)
        rc = store_pdf_put(txn, no, r->out.data, r->out.len);
    if (rc == 0)
        rc = pending_del(r->is, txn, no);
    if (rc == 0)
        rc = audit_append(txn, (int64_t)time(NULL), "timestamp", no, r->actor,
                          "file version %u, document time-stamp added", (unsigned)c.file_version);
    r->stamped += rc == 0;
    return rc;
}

/* Up to PENDING_BATCH certificates of the list in one transaction (run again from the start
 * when store_write retries it). */
static int pending_batch(store_txn *txn, void *arg)
{
    struct pending_run *r = arg;
    int rc = first_pending(txn, r);

    r->stamped = 0;
    r->already = 0;
    for (size_t i = 0; rc == 0 && i < r->n; i++)
        rc = stamp_one(txn, r, r->nos[i]);
    return rc;
}

/* Entries in tsa_pending now. */
static int pending_count(issuer *is, size_t *n)
{
    store_txn *txn = NULL;
    store_cursor *cur = NULL;
    const void *k, *v;
    size_t klen, vlen;
    int rc = store_read_begin(is->st, &txn);

    *n = 0;
    if (rc == 0)
        rc = store_cursor_open(txn, is->pending_db, &cur);
    if (rc == 0)
        rc = store_cursor_first(cur, &k, &klen, &v, &vlen);
    while (rc == 0) {
        (*n)++;
        rc = store_cursor_next(cur, &k, &klen, &v, &vlen);
    }
    if (rc == STORE_ENOTFOUND)
        rc = 0; /* the end of the list */
    store_cursor_close(cur);
    store_read_end(txn);
    return rc;
}

int issuer_pending_count(issuer *is, size_t *n, char *err, size_t errlen)
{
    int rc = pending_count(is, n);

    if (rc != 0)
        jp_errf(err, errlen, "cannot read the pending time-stamps: %s", issuer_strerror(rc));
    return rc;
}

int issuer_timestamp_pending(issuer *is, const char *actor, const struct issuer_ts_opts *o,
                             struct issuer_ts_report *rep, char *err, size_t errlen)
{
    struct pending_run r = {
        .is = is, .actor = actor ? actor : "jianpei-issuer", .err = err, .errlen = errlen};
    size_t total = 0;
    int rc;

    memset(rep, 0, sizeof *rep);
    err[0] = '\0';
    if (!keys_tsa_on(is->keys[0])) {
        jp_errf(err, errlen, "no tsa_url in config.json: nothing can be time-stamped");
        return ISSUER_EARG;
    }
    rc = audit_actor_check(r.actor, err, errlen);
    if (rc == 0)
        rc = pending_count(is, &total);
    r.sc.k = is->keys[0];
    jp_buf_init(&r.sc.b, STORE_PDF_MAX);
    jp_buf_init(&r.pdf, STORE_PDF_MAX);
    jp_buf_init(&r.out, STORE_PDF_MAX);
    while (rc == 0) {
        rc = store_write(is->st, pending_batch, &r);
        if (rc != 0 || r.n == 0)
            break;
        rep->stamped += r.stamped;
        rep->already += r.already;
        if (o != NULL && o->progress != NULL)
            o->progress(o->progress_ctx, rep->stamped + rep->already,
                        total > 0 ? (double)(rep->stamped + rep->already) / (double)total : -1);
    }
    issuer_err_default(rc, r.no, err, errlen);
    jp_buf_free(&r.sc.b);
    jp_buf_free(&r.pdf);
    jp_buf_free(&r.out);
    return rc;
}
