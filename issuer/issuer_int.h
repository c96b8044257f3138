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
    atomic_ulong renders;                      /* render-and-sign calls since issuer_open */
    unsigned char claim_key[JP_CLAIM_KEY_LEN]; /* HOME/claim.key, wiped by issuer_close */
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

#endif
