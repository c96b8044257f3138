/*
 * status.c - status changes of SPEC §9 (revoke, suspend, reinstate, cancel,
 * lapse), each one transaction with its audit entry.
 */
#include "issuer.h"
#include "issuer_int.h"
#include "audit.h"
#include "ident.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct transition {
    const char *action;        /* CLI and audit name */
    enum store_cert_status to; /* status after */
    unsigned from;             /* bit set of statuses it may start from */
};

#define BIT(s) (1u << (s))

static const struct transition transitions[] = {
    {"revoke", STORE_STATUS_REVOKED,
     BIT(STORE_STATUS_VALID) | BIT(STORE_STATUS_SUSPENDED) | BIT(STORE_STATUS_LAPSED)},
    {"suspend", STORE_STATUS_SUSPENDED, BIT(STORE_STATUS_VALID)},
    {"reinstate", STORE_STATUS_VALID, BIT(STORE_STATUS_SUSPENDED) | BIT(STORE_STATUS_LAPSED)},
    {"cancel", STORE_STATUS_CANCELLED,
     BIT(STORE_STATUS_VALID) | BIT(STORE_STATUS_SUSPENDED) | BIT(STORE_STATUS_LAPSED)},
    {"lapse", STORE_STATUS_LAPSED, BIT(STORE_STATUS_VALID)},
};

struct change {
    const struct transition *t; /* what to do */
    const char *no;             /* certificate number */
    const char *reason;         /* why: a reason code of store.h */
    const char *note;           /* internal note for the audit log, NULL when none */
    const char *actor;          /* who */
    char *err;                  /* caller's message buffer */
    size_t errlen;              /* its size */
};

static const struct transition *transition_of(const char *action)
{
    for (size_t i = 0; i < sizeof transitions / sizeof transitions[0]; i++)
        if (strcmp(action, transitions[i].action) == 0)
            return &transitions[i];
    return NULL;
}

/* Changes cert (read in txn) by t and appends the audit entry; see status_change_cert. */
static int change_cert(store_txn *txn, const struct transition *t, struct store_cert *cert,
                       const char *reason, const char *note, const char *actor, char *err,
                       size_t errlen)
{
    int rc;

    if (cert->status == t->to)
        return EALREADY;
    if (!(t->from & BIT(cert->status))) {
        jp_errf(err, errlen, "%s: cannot %s a certificate that is %s", cert->certificate_no,
                t->action, store_status_name(cert->status));
        return ISSUER_ESTATUS;
    }
    cert->status = t->to;
    cert->status_changed_at = (int64_t)time(NULL);
    rc = store_text_set(cert->status_reason, sizeof cert->status_reason, reason); /* code only */
    if (rc == 0)
        rc = store_cert_put(txn, cert);
    if (rc != 0)
        return rc;
    if (note != NULL)
        return audit_append(txn, cert->status_changed_at, t->action, cert->certificate_no, actor,
                            "%s: %s", reason, note);
    return audit_append(txn, cert->status_changed_at, t->action, cert->certificate_no, actor, "%s",
                        reason);
}

int status_change_allowed(const char *action, enum store_cert_status from)
{
    const struct transition *t = transition_of(action);

    if (t == NULL)
        return ISSUER_EARG;
    if (from == t->to)
        return EALREADY;
    return (t->from & BIT(from)) ? 0 : ISSUER_ESTATUS;
}

int status_change_cert(store_txn *txn, const char *action, struct store_cert *cert,
                       const char *reason, const char *note, const char *actor, char *err,
                       size_t errlen)
{
    const struct transition *t = transition_of(action);

    if (t == NULL) {
        jp_errf(err, errlen, "unknown status change %s", action);
        return ISSUER_EARG;
    }
    return change_cert(txn, t, cert, reason, note, actor, err, errlen);
}

static int change_txn(store_txn *txn, void *arg)
{
    struct change *c = arg;
    struct store_cert cert;
    int rc;

    rc = store_cert_get(txn, c->no, &cert);
    if (rc != 0)
        return rc;
    return change_cert(txn, c->t, &cert, c->reason, c->note, c->actor, c->err, c->errlen);
}

/* 1 when a note fits the audit detail beside its code and is printable UTF-8. */
int status_note_ok(const char *note)
{
    size_t i, n = strlen(note);

    if (n == 0 || n > ISSUER_NOTE_MAX || !jp_utf8_valid(note, n))
        return 0;
    for (i = 0; i < n; i++) {
        if ((unsigned char)note[i] < 0x20 || note[i] == 0x7f)
            return 0;
    }
    return 1;
}

int issuer_status_change(struct store *st, const char *certificate_no, const char *action,
                         const char *reason, const char *note, const char *actor, char *err,
                         size_t errlen)
{
    struct change c = {NULL, certificate_no, reason, note, actor ? actor : "jianpei-issuer",
                       err,  errlen};
    char why[IDENT_WHY_SIZE];
    int rc;

    err[0] = '\0';
    c.t = transition_of(action);
    if (c.t == NULL) {
        jp_errf(err, errlen, "unknown status change %s", action);
        return ISSUER_EARG;
    }
    rc = ident_certno_parse(certificate_no, strlen(certificate_no), NULL, why, sizeof why);
    if (rc != 0) {
        jp_errf(err, errlen, "certificate number: %s", why);
        return ISSUER_EARG;
    }
    if (reason == NULL || !store_reason_known(reason, strlen(reason))) {
        jp_errf(err, errlen, "--reason: must be one of %s", ISSUER_REASON_CODES);
        return ISSUER_EARG;
    }
    if (note != NULL && !status_note_ok(note)) {
        jp_errf(err, errlen, "--note: must be 1-%d bytes of UTF-8 without control characters",
                ISSUER_NOTE_MAX);
        return ISSUER_EARG;
    }
    rc = audit_actor_check(c.actor, err, errlen);
    if (rc == 0)
        rc = store_write(st, change_txn, &c);
    if (rc == EALREADY)
        jp_errf(err, errlen, "%s: already %s", certificate_no, store_status_name(c.t->to));
    else
        issuer_cert_err(rc, certificate_no, err, errlen);
    return rc;
}

int issuer_status_apply(const char *home, const char *certificate_no, const char *action,
                        const char *reason, const char *note, const char *actor, char *err,
                        size_t errlen)
{
    char path[JP_HOME_PATH_MAX];
    store *s = NULL;
    int rc = issuer_home_check(home, err, errlen);

    if (rc == 0)
        rc = jp_home_path(home, JP_HOME_STORE, path);
    if (rc == 0)
        rc = store_open(path, 0, &s, err, errlen);
    if (rc == 0)
        rc = issuer_status_change(s, certificate_no, action, reason, note, actor, err, errlen);
    store_close(s);
    return rc;
}

#define APPLY_LINE_MAX 4096 /* bytes of one apply-status line */

static int apply_line(store *s, const char *line, size_t len, const char *actor, char *why,
                      size_t whylen)
{
    json_error_t jerr;
    json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    const char *no, *action, *reason, *note;
    int rc = EINVAL;

    if (o == NULL || !json_is_object(o)) {
        jp_errf(why, whylen, "not a JSON object");
        goto out;
    }
    no = json_string_value(json_object_get(o, "certificate_no"));
    action = json_string_value(json_object_get(o, "action"));
    reason = json_string_value(json_object_get(o, "reason"));
    if (no == NULL || action == NULL || reason == NULL) {
        jp_errf(why, whylen, "certificate_no, action and reason must be strings");
        goto out;
    }
    note = json_string_value(json_object_get(o, "note"));
    if (note == NULL && !store_reason_known(reason, strlen(reason))) {
        /* free text (what older writers put in "reason") becomes the internal note */
        note = reason;
        reason = strcmp(action, "lapse") == 0 ? "ce_shortfall" : "other";
    }
    rc = issuer_status_change(s, no, action, reason, note, actor, why, whylen);
out:
    json_decref(o);
    return rc;
}

/* Applies one line (without its newline) and counts the outcome. */
static void apply_count(store *s, unsigned long lineno, const char *line, size_t len,
                        const char *actor, FILE *diag, struct issuer_apply_counts *n)
{
    char why[512];
    int rc;

    if (len > APPLY_LINE_MAX) {
        fprintf(diag, "line %lu: longer than %d bytes\n", lineno, APPLY_LINE_MAX);
        n->rejected++;
        return;
    }
    rc = apply_line(s, line, len, actor, why, sizeof why);
    if (rc == 0)
        n->applied++;
    else if (rc == EALREADY)
        n->already++;
    else {
        fprintf(diag, "line %lu: %s\n", lineno, why);
        n->rejected++;
    }
}

int issuer_apply_status_file(const char *home, FILE *in, const char *actor, FILE *diag,
                             struct issuer_apply_counts *n, char *err, size_t errlen)
{
    char path[JP_HOME_PATH_MAX], *line = NULL;
    unsigned long lineno = 0;
    size_t cap = 0;
    ssize_t len;
    store *s = NULL;
    int rc = issuer_home_check(home, err, errlen);

    memset(n, 0, sizeof *n);
    if (rc == 0)
        rc = jp_home_path(home, JP_HOME_STORE, path);
    if (rc == 0)
        rc = store_open(path, 0, &s, err, errlen);
    while (rc == 0 && (len = getline(&line, &cap, in)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len > 0)
            apply_count(s, lineno, line, (size_t)len, actor, diag, n);
    }
    if (rc == 0 && ferror(in)) {
        rc = EIO;
        jp_errf(err, errlen, "cannot read the input");
    }
    free(line);
    store_close(s);
    return rc;
}
