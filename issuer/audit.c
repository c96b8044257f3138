/*
 * audit.c - building and appending the issuer's audit entries: every field
 * checked for length, none cut.
 */
#include "audit.h"
#include "issuer.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int audit_actor_check(const char *actor, char *err, size_t errlen)
{
    size_t n = actor != NULL ? strlen(actor) : 0;

    if (n == 0 || n > ISSUER_ACTOR_MAX) {
        jp_errf(err, errlen, "--actor: must be 1-%d bytes", ISSUER_ACTOR_MAX);
        return ISSUER_EARG;
    }
    return 0;
}

int audit_append(store_txn *txn, int64_t time, const char *action, const char *no,
                 const char *actor, const char *fmt, ...)
{
    struct store_audit_entry e;
    va_list ap;
    int n, rc;

    memset(&e, 0, sizeof e);
    e.time = time;
    rc = audit_actor_check(actor, NULL, 0);
    if (rc == 0)
        rc = jp_strf(e.action, sizeof e.action, "%s", action);
    if (rc == 0)
        rc = jp_strf(e.certificate_no, sizeof e.certificate_no, "%s", no != NULL ? no : "");
    if (rc == 0)
        rc = jp_strf(e.actor, sizeof e.actor, "%s", actor);
    if (rc != 0)
        return rc;
    va_start(ap, fmt);
    n = vsnprintf(e.detail, sizeof e.detail, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof e.detail)
        return n < 0 ? EINVAL : ENOSPC;
    return store_audit_append(txn, &e);
}
