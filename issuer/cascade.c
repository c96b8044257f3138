/*
 * cascade.c - one status change for every certificate an institution issued
 * in a period (an institution struck off for fraud): a scan of every record
 * finds them, then all change in one transaction, each with its own audit
 * entry as a single change has (status.c). A dry run scans and changes nothing.
 * There is no index by institution: the scan reads every record
 * (docs/benchmarks.md has its cost on 1,000,000 records).
 */
#include "issuer.h"
#include "issuer_int.h"
#include "audit.h"
#include "ident.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CASCADE_DEFAULT_REASON "institution_struck_off"

struct cascade {
    const struct issuer_cascade *o;  /* what to do */
    const char *reason;              /* the code */
    char note[ISSUER_NOTE_MAX + 1];  /* the audit note: the cascade, and the operator's note */
    size_t known;                    /* records of the institution, any date */
    struct issuer_cascade_result *r; /* what was found */
    char *err;                       /* caller's message buffer */
    size_t errlen;                   /* its size */
};

static int add_no(struct issuer_cascade_result *r, const char *no)
{
    char(*v)[IDENT_CERTNO_SIZE] = jp_grow(r->nos, &r->cap, r->n, sizeof *r->nos, 256);

    if (v == NULL)
        return ENOMEM;
    r->nos = v;
    memcpy(r->nos[r->n++], no, IDENT_CERTNO_SIZE);
    return 0;
}

/* 1 when c is the institution's, issued in the period. */
static int matches(const struct issuer_cascade *o, const struct store_cert *c)
{
    return strcmp(c->institution_code, o->institution) == 0 &&
           strcmp(c->issue_date, o->issued_from) >= 0 && strcmp(c->issue_date, o->issued_to) <= 0;
}

/* Sorts one matching record as status.c's transitions say: to change, already so, or left. */
static int classify(struct cascade *k, const struct store_cert *c)
{
    int rc = status_change_allowed(k->o->action, c->status);

    if (rc == EALREADY)
        k->r->already++;
    else if (rc == ISSUER_ESTATUS)
        k->r->left++;
    else if (rc == 0)
        rc = add_no(k->r, c->certificate_no);
    return rc == EALREADY || rc == ISSUER_ESTATUS ? 0 : rc;
}

/* Scans every record in txn into k->r (reset first). */
static int scan(struct cascade *k, store_txn *txn)
{
    store_cursor *cur = NULL;
    struct store_cert c;
    const void *key, *v;
    size_t kl, vl;
    int rc = store_cursor_open(txn, STORE_DB_CERTS, &cur);

    k->r->n = k->r->already = k->r->left = k->r->scanned = 0;
    k->known = 0;
    if (rc == 0)
        rc = store_cursor_first(cur, &key, &kl, &v, &vl);
    while (rc == 0) {
        rc = store_cert_decode(v, vl, &c);
        k->r->scanned++;
        k->known += rc == 0 && strcmp(c.institution_code, k->o->institution) == 0;
        if (rc == 0 && matches(k->o, &c))
            rc = classify(k, &c);
        if (rc == 0)
            rc = store_cursor_next(cur, &key, &kl, &v, &vl);
    }
    jp_cleanse(&c, sizeof c);
    store_cursor_close(cur);
    if (rc == STORE_ENOTFOUND)
        rc = 0;
    if (rc == 0 && k->known == 0) {
        jp_errf(k->err, k->errlen, "--institution: no certificate of institution %s in the store",
                k->o->institution);
        rc = ISSUER_EARG;
    }
    return rc;
}

static int cascade_txn(store_txn *txn, void *arg)
{
    struct cascade *k = arg;
    struct store_cert c;
    int rc = scan(k, txn);

    for (size_t i = 0; rc == 0 && i < k->r->n; i++) {
        rc = store_cert_get(txn, k->r->nos[i], &c);
        if (rc == 0)
            rc =
                status_change_cert(txn, k->o->action, &c, k->reason, k->note,
                                   k->o->actor ? k->o->actor : "jianpei-issuer", k->err, k->errlen);
    }
    jp_cleanse(&c, sizeof c);
    return rc;
}

static int dry_run(store *s, struct cascade *k)
{
    store_txn *txn = NULL;
    int rc = store_read_begin(s, &txn);

    if (rc == 0)
        rc = scan(k, txn);
    store_read_end(txn);
    return rc;
}

/* ------------------------------------------------------------ checks */

static int code_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
              ch == '-'))
            return 0;
    }
    return 1;
}

static int date_ok(const char *opt, const char *s, struct ident_date *d, char *err, size_t errlen)
{
    char why[IDENT_WHY_SIZE];

    if (s == NULL || ident_date_parse(s, strlen(s), d, why, sizeof why) != 0) {
        jp_errf(err, errlen, "%s: must be a date YYYY-MM-DD", opt);
        return ISSUER_EARG;
    }
    return 0;
}

/* The reason code and the audit note: the cascade, the operator's free text and note. */
static int reason_note(struct cascade *k)
{
    const struct issuer_cascade *o = k->o;
    const char *text = NULL;
    int rc;

    k->reason = o->reason;
    if (o->reason == NULL || !store_reason_known(o->reason, strlen(o->reason))) {
        k->reason = CASCADE_DEFAULT_REASON;
        text = o->reason;
    }
    if ((text != NULL && !status_note_ok(text)) || (o->note != NULL && !status_note_ok(o->note))) {
        jp_errf(k->err, k->errlen,
                "%s: must be a code (" ISSUER_REASON_CODES ") or 1-%d bytes of UTF-8 without "
                "control characters",
                text != NULL ? "--reason" : "--note", ISSUER_NOTE_MAX);
        return ISSUER_EARG;
    }
    rc = jp_strf(k->note, sizeof k->note, "cascade %s %s..%s%s%s%s%s", o->institution,
                 o->issued_from, o->issued_to, text ? "; " : "", text ? text : "",
                 o->note ? "; " : "", o->note ? o->note : "");
    if (rc != 0) {
        jp_errf(k->err, k->errlen,
                "--reason and --note: together at most %d bytes with the "
                "cascade's description",
                ISSUER_NOTE_MAX);
        return ISSUER_EARG;
    }
    return 0;
}

static int check_opts(struct cascade *k)
{
    const struct issuer_cascade *o = k->o;
    struct ident_date from, to;
    int rc = 0;

    if (o->action == NULL ||
        (strcmp(o->action, "suspend") != 0 && strcmp(o->action, "revoke") != 0)) {
        jp_errf(k->err, k->errlen, "a cascade is a suspend or a revoke");
        return ISSUER_EARG;
    }
    if (o->institution == NULL || !code_ok(o->institution)) {
        jp_errf(k->err, k->errlen, "--institution: must be 1-32 letters, digits or -");
        return ISSUER_EARG;
    }
    rc = date_ok("--issued-from", o->issued_from, &from, k->err, k->errlen);
    if (rc == 0)
        rc = date_ok("--issued-to", o->issued_to, &to, k->err, k->errlen);
    if (rc == 0 && ident_date_cmp(&from, &to) > 0) {
        jp_errf(k->err, k->errlen, "--issued-from: after --issued-to");
        rc = ISSUER_EARG;
    }
    if (rc == 0)
        rc = reason_note(k);
    if (rc == 0)
        rc = audit_actor_check(o->actor ? o->actor : "jianpei-issuer", k->err, k->errlen);
    return rc;
}

int issuer_cascade_run(const char *home, const struct issuer_cascade *o,
                       struct issuer_cascade_result *r, char *err, size_t errlen)
{
    struct cascade k = {.o = o, .r = r, .err = err, .errlen = errlen};
    store *s = NULL;
    int rc;

    err[0] = '\0';
    memset(r, 0, sizeof *r);
    rc = check_opts(&k);
    if (rc == 0)
        rc = issuer_store_open(home, o->dry_run ? STORE_RDONLY : 0, &s, err, errlen);
    if (rc == 0)
        rc = o->dry_run ? dry_run(s, &k) : store_write(s, cascade_txn, &k);
    issuer_err_default(rc, NULL, err, errlen);
    if (rc != 0)
        r->n = r->already = r->left = 0;
    store_close(s);
    return rc;
}

void issuer_cascade_free(struct issuer_cascade_result *r)
{
    if (r == NULL)
        return;
    free(r->nos);
    memset(r, 0, sizeof *r);
}
