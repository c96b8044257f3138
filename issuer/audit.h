/*
 * audit.h - the one way the issuer writes an audit entry (issue, reissue,
 * status changes, init, key rotation and revocation). Internal to the issuer.
 */
#ifndef JP_ISSUER_AUDIT_H
#define JP_ISSUER_AUDIT_H

#include <stdint.h>

#include "store.h"

/*
 * Appends an audit entry in txn: action, certificate number (NULL or "" for
 * none), actor, time (unix seconds) and the printf-formatted detail. Returns
 * 0, ISSUER_EARG when the actor is empty or longer than ISSUER_ACTOR_MAX bytes,
 * ENOSPC when the action or the detail does not fit (nothing is cut), or the
 * store's error.
 */
int audit_append(store_txn *txn, int64_t time, const char *action, const char *no,
                 const char *actor, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* 0 when actor is 1..ISSUER_ACTOR_MAX bytes, else ISSUER_EARG with the reason in err. */
int audit_actor_check(const char *actor, char *err, size_t errlen);

#endif
