/*
 * issuer_int.h - the opened issuer as its own files see it (issue.c,
 * render.c, reissue.c). Internal to the issuer library.
 */
#ifndef JP_ISSUER_INT_H
#define JP_ISSUER_INT_H

#include <stdatomic.h>

#include "claim.h"
#include "issuer.h"
#include "keys.h"
#include "longterm.h"
#include "store.h"
#include "tmpl.h"

struct issuer {
    char home[JP_HOME_PATH_MAX];               /* the home directory */
    struct jp_config cfg;                      /* its configuration */
    store *st;                                 /* read-write store */
    struct tmpl *tmpl;                         /* loaded template, shared by workers */
    int nworkers;                              /* worker threads, >= 1 */
    keys_t *keys[ISSUER_MAX_THREADS];          /* one key handle per worker */
    unsigned char kid[STORE_KEY_ID_LEN];       /* active signing key id */
    int photos_db;                             /* "photos": certificate_no -> photo bytes */
    int corrections_db;                        /* "corrections": correct.c's records */
    atomic_ulong renders;                      /* render-and-sign calls since issuer_open */
    atomic_ulong cms_der_max;                  /* largest CMS without time-stamp signed, 0 yet */
    unsigned char claim_key[JP_CLAIM_KEY_LEN]; /* HOME/claim.key, wiped by issuer_close */
    struct longterm lt;                        /* chain, CRL, TSA of the signatures (SPEC §13) */
};

/*
 * Renders certificate c (with its photo, or none) and signs it with key handle
 * k into *pdf (reset first); counts the call in is->renders. Sets c->qr_text to
 * the exact text of the file's QR code, so that the record stored with the
 * file carries it (store_cert_qr). Returns 0, or the error of the token, the
 * template or the signer with the reason in err.
 */
int render_certificate(issuer *is, keys_t *k, struct store_cert *c, const unsigned char *photo,
                       size_t photo_len, struct jp_buf *pdf, char *err, size_t errlen);

/*
 * Makes the next file version of valid certificate *c inside txn: version + 1,
 * version_at now, e-licence identifier, active key id; renders and signs it
 * into *pdf (reset first) and puts the record and the file (the digest index
 * keeps the old file as an older version). Every new version goes through
 * here (reissue, corrections), so every file format is made for it alike.
 * photo may point into the map: it is read before the first put. Returns 0,
 * ISSUER_ESTATUS (not valid, version 999), or the first failure's code (reason
 * in err); the caller's transaction is then to be aborted.
 */
int reissue_version(issuer *is, store_txn *txn, struct store_cert *c, const void *photo,
                    size_t photo_len, struct jp_buf *pdf, char *err, size_t errlen);

/*
 * The status change action ("revoke", "suspend", ...) of issuer_status_change
 * on cert, already read in txn (its status and reason updated in *cert): the
 * record put and the audit entry appended. reason is a checked code, note NULL
 * or checked by status_note_ok. Returns 0, EALREADY (already so, nothing
 * written), ISSUER_ESTATUS (not allowed from its status), ISSUER_EARG
 * (unknown action) or a store error (reason in err).
 */
int status_change_cert(store_txn *txn, const char *action, struct store_cert *cert,
                       const char *reason, const char *note, const char *actor, char *err,
                       size_t errlen);
/* Whether action may start from status from: 0, EALREADY, ISSUER_ESTATUS or ISSUER_EARG. */
int status_change_allowed(const char *action, enum store_cert_status from);
/* 1 when note is 1..ISSUER_NOTE_MAX bytes of UTF-8 without control characters, else 0. */
int status_note_ok(const char *note);

#endif
