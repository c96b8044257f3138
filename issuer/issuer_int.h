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

/* The OFD side of an opened issuer (ofd.c). */
struct issuer_ofd {
    keys_sm2_t *sm2;    /* the home's SM2 hierarchy with keys; NULL: no OFD (an older home) */
    struct jp_buf seal; /* the SES_Seal DER made at open */
    char es_id[65];     /* the seal's esID */
};

/* An SM2 signer for ofd/'s callbacks: which key of the hierarchy. */
struct issuer_ofd_signer {
    const keys_sm2_t *sm2;     /* the hierarchy */
    enum keys_sm2_which which; /* root (seal maker) or signing key */
};

#define ISSUER_PENDING_DB "tsa_pending" /* certificate_no -> file version owing a time-stamp */

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
    int pending_db;                            /* "tsa_pending": files awaiting a time-stamp */
    atomic_ulong renders;                      /* render-and-sign calls since issuer_open */
    atomic_ulong cms_der_max;                  /* largest CMS without time-stamp signed, 0 yet */
    unsigned char claim_key[JP_CLAIM_KEY_LEN]; /* HOME/claim.key, wiped by issuer_close */
    struct longterm lt;                        /* chain, CRL, TSA of the signatures (SPEC §13) */
    int ofds_db;                               /* STORE_OFDS_DB: certificate_no -> OFD package */
    struct issuer_ofd ofd;                     /* SM2 keys and seal, ofd.c */
};

/*
 * Renders certificate c (with its photo, or none) and signs it with key handle
 * k into *pdf (reset first); counts the call in is->renders. Sets c->qr_text to
 * the exact text of the file's QR code, so that the record stored with the
 * file carries it (store_cert_qr). *stamped is 1 when the signature carries a
 * time-stamp, 0 when the home has no TSA or --tsa-optional signed without
 * (the caller records it: pending_put). Returns 0, or the error of the token, the
 * template or the signer with the reason in err.
 */
int render_certificate(issuer *is, keys_t *k, struct store_cert *c, const unsigned char *photo,
                       size_t photo_len, struct jp_buf *pdf, struct jp_buf *ofd, int *stamped,
                       char *err, size_t errlen);
/* (ofd: when not NULL, the sealed OFD of the same fields goes there, reset first;
 * it stays empty when the home has no SM2 keys.) */

/* --- ofd.c (SPEC §11) --- */
/* 1 when the home's keys directory has the SM2 signing key (sm2-sign.key). */
int issuer_ofd_keys_present(const char *home);
/* Loads the SM2 hierarchy (when present) and makes the seal. Returns 0 or the first error. */
int issuer_ofd_open(issuer *is, const unsigned char *pass, size_t passlen, char *err,
                    size_t errlen);
/* Releases what issuer_ofd_open made. Safe on a zeroed issuer. */
void issuer_ofd_close(issuer *is);
/* The sealed OFD package of the fields into *ofd (reset first; empty without SM2 keys). */
int render_ofd(issuer *is, const struct tmpl_fields *f, struct jp_buf *ofd, char *err,
               size_t errlen);
/* Makes and saves an SM2 hierarchy into kdir (init and keys sm2-init). */
int issuer_sm2_create(const char *kdir, const struct keys_create_opts *ko,
                      const unsigned char *pass, size_t passlen, char *err, size_t errlen);
/* SHA-256 of the package's Doc_0/Signs/Sign_0/SignedValue.dat (ofd_read_entry). 0 or
 * STORE_ENOTFOUND (no package or no such file), EIO, EFBIG, ENOMEM. */
int issuer_ofd_seal_digest(const void *pkg, size_t len, unsigned char out[32]);
/*
 * Puts the OFD of version c->file_version of c into STORE_OFDS_DB and records
 * its two digests (the older version's digests stay). Nothing when ofd is empty.
 */
int store_ofd_version(issuer *is, store_txn *txn, const struct store_cert *c,
                      const struct jp_buf *ofd);

/*
 * The holder's photo of certificate no as given at intake (photo.c), copied
 * into out (reset first; empty when the certificate has none): the photos
 * database's bytes, or the file of the certificate's OFD package its
 * reference names (store_photo_get, ofd_ref_value). Returns 0, OFD_ENOFILE (a reference that its package no
 * longer matches), ENOMEM, EFBIG or a store error.
 */
int photo_get(store_txn *txn, const char *no, struct jp_buf *out);
/*
 * Stores photo[0..len-1] as certificate no's photo: a reference into ofd (the
 * package just stored for it) when one of its files holds exactly these
 * bytes, else the bytes themselves. Returns 0, OFD_EINVAL (ofd unreadable),
 * ENOMEM or a store error.
 */
int photo_put(issuer *is, store_txn *txn, const char *no, const void *photo, size_t len,
              const struct jp_buf *ofd);

/*
 * Makes the next file version of valid certificate *c inside txn: version + 1,
 * version_at now, e-licence identifier, active key id; renders and signs it
 * into *pdf (reset first) and puts the record and the file (the digest index
 * keeps the old file as an older version), and photo (NULL: none) as the
 * certificate's photo (photo_put). Every new version goes through here
 * (reissue, corrections), so every file format is made for it alike. photo
 * must not point into the map (it is read after puts). Returns 0,
 * ISSUER_ESTATUS (not valid, version 999), or the first failure's code (reason
 * in err); the caller's transaction is then to be aborted.
 */
int reissue_version(issuer *is, store_txn *txn, struct store_cert *c, const void *photo,
                    size_t photo_len, struct jp_buf *pdf, char *err, size_t errlen);

/*
 * The time-stamps owed (pending.c, docs/store-format.md): records in txn that
 * certificate no's current file was signed without a time-stamp because the
 * TSA failed under --tsa-optional. Returns 0 or a store error.
 */
int pending_put(const issuer *is, store_txn *txn, const char *no);
/* Forgets that no owes a time-stamp (its new file has one). 0 or a store error. */
int pending_del(const issuer *is, store_txn *txn, const char *no);

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
/* Opens HOME/store with flags (store_open's) after issuer_home_check; err names the failure. */
int issuer_store_open(const char *home, unsigned flags, store **s, char *err, size_t errlen);
/*
 * The end of saving a certificate's stored copy b (read with code rc) to
 * path: err names a read failure (missing: what STORE_ENOTFOUND means), else
 * b is written there mode 0600 (private_file_write). Frees b; returns rc or
 * the write's code.
 */
int issuer_copy_save(int rc, const char *no, const char *missing, const char *path,
                     struct jp_buf *b, char *err, size_t errlen);
/*
 * The message of a failure no callee described: when rc is an error and err is
 * still empty, writes "what: " and issuer_strerror(rc) there (the name alone
 * when what is NULL); a message already in err is kept, as the first cause's.
 * Returns rc.
 */
int issuer_err_default(int rc, const char *what, char *err, size_t errlen);
/*
 * The message of a failed change to certificate no that no callee described:
 * when rc is an error and err is still empty, writes "NO: no such certificate"
 * for STORE_ENOTFOUND, else "NO: " and issuer_strerror(rc); a message already
 * in err is kept. Returns rc.
 */
int issuer_cert_err(int rc, const char *no, char *err, size_t errlen);
/* store_write(fn, arg) on HOME/store, opened for it: an audit entry; err names the failure. */
int issuer_audit_write(const char *home, int (*fn)(store_txn *txn, void *arg), void *arg, char *err,
                       size_t errlen);

#endif
