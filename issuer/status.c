/*
 * status.c - status changes of SPEC §9 (revoke, suspend, reinstate, cancel,
 * lapse), each one transaction with its audit entry.
 */
#include "issuer.h"
#include "ident.h"
#include "store.h"
#include "util.h"

#include <errno.h>
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

static int change_txn(store_txn *txn, void *arg)
{
    struct change *c = arg;
    struct store_cert cert;
    struct store_audit_entry e;
    int rc;

    rc = store_cert_get(txn, c->no, &cert);
    if (rc != 0)
        return rc;
    if (cert.status == c->t->to)
        return EALREADY;
    if (!(c->t->from & BIT(cert.status))) {
        snprintf(c->err, c->errlen, "%s: cannot %s a certificate that is %s", c->no, c->t->action,
                 store_status_name(cert.status));
        return EINVAL;
    }
    cert.status = c->t->to;
    cert.status_changed_at = (int64_t)time(NULL);
    rc = store_text_set(cert.status_reason, sizeof cert.status_reason, c->reason); /* code only */
    if (rc == 0)
        rc = store_cert_put(txn, &cert);
    if (rc != 0)
        return rc;
    memset(&e, 0, sizeof e);
    e.time = cert.status_changed_at;
    snprintf(e.action, sizeof e.action, "%s", c->t->action);
    memcpy(e.certificate_no, cert.certificate_no, sizeof e.certificate_no);
    snprintf(e.actor, sizeof e.actor, "%s", c->actor);
    if (c->note != NULL)
        snprintf(e.detail, sizeof e.detail, "%s: %s", c->reason, c->note);
    else
        snprintf(e.detail, sizeof e.detail, "%s", c->reason);
    return store_audit_append(txn, &e);
}

/* 1 when a note fits the audit detail beside its code and is printable UTF-8. */
static int note_ok(const char *note)
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
    for (size_t i = 0; i < sizeof transitions / sizeof transitions[0]; i++)
        if (strcmp(action, transitions[i].action) == 0)
            c.t = &transitions[i];
    if (c.t == NULL) {
        snprintf(err, errlen, "unknown status change %s", action);
        return EINVAL;
    }
    if (ident_certno_parse(certificate_no, strlen(certificate_no), NULL, why, sizeof why) != 0) {
        snprintf(err, errlen, "certificate number: %s", why);
        return EINVAL;
    }
    if (reason == NULL || !store_reason_known(reason, strlen(reason))) {
        snprintf(err, errlen, "reason: must be one of %s", ISSUER_REASON_CODES);
        return EINVAL;
    }
    if (note != NULL && !note_ok(note)) {
        snprintf(err, errlen, "note: must be 1-%d bytes of UTF-8 without control characters",
                 ISSUER_NOTE_MAX);
        return EINVAL;
    }
    rc = store_write(st, change_txn, &c);
    if (rc == EALREADY)
        snprintf(err, errlen, "%s: already %s", certificate_no, store_status_name(c.t->to));
    else if (rc != 0 && err[0] == '\0')
        snprintf(err, errlen, "%s: %s", certificate_no,
                 rc == STORE_ENOTFOUND ? "no such certificate" : store_strerror(rc));
    return rc;
}
