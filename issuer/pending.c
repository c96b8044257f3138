/*
 * pending.c - time-stamps owed (SPEC §13, issue 17). Under --tsa-optional a
 * certificate whose signature could not be time-stamped is issued PAdES B-B
 * and its number goes into the issuer's "tsa_pending" database in the same
 * transaction (docs/store-format.md). `timestamp --pending` later adds a
 * document time-stamp to each such file (pdf_timestamp: an incremental
 * update whose RFC 3161 token covers the whole signed file, its signature
 * value included), stores the file, drops the entry and appends an audit
 * entry, one transaction per certificate, so a run stopped halfway (the TSA
 * down again) keeps what it finished and the next run goes on from there.
 */
#include "issuer_int.h"
#include "audit.h"
#include "keys.h"
#include "pdf.h"
#include "store.h"
#include "tmpl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* DER bytes reserved for the token: about 1,500 with the TSA's certificate. */
#define PENDING_TOKEN_RESERVE 4096
#define PENDING_SIG_DER_MAX (64u * 1024u) /* signature values read to see if one is stamped */

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
    issuer *is;                 /* the issuer */
    const char *actor;          /* for the audit log */
    struct stamp_ctx sc;        /* the TSA side */
    struct jp_buf pdf;          /* the stored file, then the time-stamped one */
    char no[IDENT_CERTNO_SIZE]; /* the certificate of this transaction, "" at the end */
    int was_stamped;            /* its file had a time-stamp already */
    char *err;                  /* caller's message buffer */
    size_t errlen;              /* its size */
};

/* Time-stamps the file of no (copied into r->pdf) into out. */
static int stamp_file(struct pending_run *r, struct jp_buf *out)
{
    struct pdf_signer sg;

    memset(&sg, 0, sizeof sg);
    sg.sign = stamp_cb;
    sg.free_der = keys_der_free_cb;
    sg.ctx = &r->sc;
    sg.contents_size = PENDING_TOKEN_RESERVE;
    return pdf_timestamp(r->pdf.data, r->pdf.len, &sg, out, r->err, r->errlen);
}

/* One certificate: the first entry of tsa_pending, in its own transaction. */
static int pending_one(store_txn *txn, void *arg)
{
    struct pending_run *r = arg;
    store_cursor *cur = NULL;
    struct store_cert c;
    struct jp_buf out;
    const void *k, *v;
    size_t klen, vlen;
    int rc = store_cursor_open(txn, r->is->pending_db, &cur);

    r->no[0] = '\0';
    if (rc == 0)
        rc = store_cursor_first(cur, &k, &klen, &v, &vlen);
    if (rc == 0 && klen != STORE_CERT_NO_LEN)
        rc = STORE_ECORRUPT;
    if (rc == 0) {
        memcpy(r->no, k, STORE_CERT_NO_LEN);
        r->no[STORE_CERT_NO_LEN] = '\0';
    }
    store_cursor_close(cur);
    if (rc == STORE_ENOTFOUND)
        return 0; /* nothing owed */
    if (rc == 0)
        rc = store_cert_get(txn, r->no, &c);
    if (rc == 0)
        rc = store_pdf_copy(txn, r->no, &r->pdf);
    if (rc != 0)
        return rc;
    r->was_stamped = already_stamped(r->pdf.data, r->pdf.len);
    if (r->was_stamped)
        return pending_del(r->is, txn, r->no);
    jp_buf_init(&out, STORE_PDF_MAX);
    rc = stamp_file(r, &out);
    if (rc == 0)
        rc = store_pdf_put(txn, r->no, out.data, out.len);
    jp_buf_free(&out);
    if (rc == 0)
        rc = pending_del(r->is, txn, r->no);
    if (rc == 0)
        rc = audit_append(txn, (int64_t)time(NULL), "timestamp", r->no, r->actor,
                          "file version %u, document time-stamp added", (unsigned)c.file_version);
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
    while (rc == 0) {
        rc = store_write(is->st, pending_one, &r);
        if (rc != 0 || r.no[0] == '\0')
            break;
        if (r.was_stamped)
            rep->already++;
        else
            rep->stamped++;
        if (o != NULL && o->progress != NULL)
            o->progress(o->progress_ctx, rep->stamped + rep->already,
                        total > 0 ? (double)(rep->stamped + rep->already) / (double)total : -1);
    }
    if (rc != 0 && err[0] == '\0')
        jp_errf(err, errlen, "%s%s%s", r.no, r.no[0] != '\0' ? ": " : "", issuer_strerror(rc));
    jp_buf_free(&r.sc.b);
    jp_buf_free(&r.pdf);
    return rc;
}
