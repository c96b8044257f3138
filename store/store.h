/*
 * store.h - Jianpei's data layer over LMDB: one environment per directory,
 * named databases, read transactions and retried write transactions, a
 * versioned record format, certificate records with their indexes, an
 * append-only hash-chained audit log, hot backups and an integrity check.
 *
 * Who uses it: the issuer (one writer process at a time; a second writer is
 * serialized by LMDB's writer lock, never corrupting), the verifier daemon
 * (STORE_RDONLY beside a live writer; each request takes a fresh read
 * transaction and so sees every commit made before it began, without restart)
 * and the training module (its own environment in its own directory, with its
 * own extra databases, see struct store_opts).
 *
 * Errors: every function returns 0 on success, or
 *   - a value of enum store_err (its own negative range, from JP_ERR_STORE_BASE
 *     of errors.h),
 *   - an LMDB code (MDB_*, negative) passed through,
 *   - a positive errno value (ENOMEM, EFBIG when a bound is hit, ...).
 * store_strerror() describes all three. Nothing here exits or logs personal
 * data; functions taking err/errlen put extra context (a path, both schema
 * versions) there, always NUL-terminated.
 *
 * Threads: a store handle may be shared by threads. Read transactions are
 * opened with MDB_NOTLS, so one may be begun in one thread and ended in
 * another, but a transaction (and its cursors) is used by one thread at a time.
 */
#ifndef JP_STORE_H
#define JP_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "ident.h"
#include "util.h"

/* ---------------------------------------------------------------- errors */

enum store_err {
    STORE_ENOTFOUND = JP_ERR_STORE_BASE, /* no such key / record */
    STORE_EEXIST,                        /* key exists and STORE_PUT_NEW was asked */
    STORE_ECORRUPT,                      /* a record does not decode, or a chain is broken */
    STORE_ETOOLONG,                      /* a value is longer than its documented bound */
    STORE_EINVAL,                        /* an argument breaks the documented contract */
    STORE_ENOTSTORE,                     /* the directory holds no jianpei store */
    STORE_ESCHEMA,                       /* the store's schema version is newer or unknown */
    STORE_ERDONLY,                       /* write attempted through a read-only store or txn */
    STORE_EEXHAUSTED,                    /* a serial counter reached its last value */
    STORE_EBUSY,                         /* backup target directory is not empty */
};

/* A static, lowercase description of any code this module returns. Never NULL. */
const char *store_strerror(int code);

/* ----------------------------------------------------------- environment */

typedef struct store store;
typedef struct store_txn store_txn;
typedef struct store_cursor store_cursor;

#define STORE_SCHEMA_VERSION 1u

enum store_open_flags {
    STORE_RDONLY = 1 << 0, /* MDB_RDONLY: no write transactions */
    STORE_CREATE = 1 << 1, /* create the directory (0700) and the databases */
    STORE_CHANGELOG = 1 << 2, /* read-write: make the change log ("changes") if absent */
};

/* The built-in databases. Extra databases get ids from STORE_DB_EXTRA on. */
enum store_db {
    STORE_DB_META,         /* "meta": schema_version -> u32 BE */
    STORE_DB_CERTS,        /* "certs": certificate_no -> cert record */
    STORE_DB_PDFS,         /* "pdfs": certificate_no -> PDF bytes */
    STORE_DB_INTAKE,       /* "intake": id_number 0 position 0 exam_id -> certificate_no */
    STORE_DB_HOLDER,       /* "holder": id_number -> certificate_no (duplicates sorted) */
    STORE_DB_SERIALS,      /* "serials": 10-digit prefix -> last serial, u32 BE */
    STORE_DB_AUDIT,        /* "audit": seq u64 BE -> audit record */
    STORE_DB_DIGESTS,      /* "digests": kind byte + SHA-256 -> digest record (store_digest_get) */
    STORE_DB_INSTITUTIONS, /* "institutions": institution_code 0 exam_id -> certificate_no
                              (duplicates sorted; store_institution_list) */
    STORE_DB_EXTRA,        /* first id of the caller's extra databases */
};

#define STORE_MAX_EXTRA_DBS 16
#define STORE_DB_DUPS 1u /* extra database flag: sorted duplicate values */
#define STORE_DB_OPTIONAL                                                                          \
    2u /* extra database flag: a read-only open of a store without it                              \
          succeeds, and every read of it finds nothing */

/* The issuer's extra database of intake photos (certificate_no -> JPEG or PNG bytes,
 * docs/store-format.md); the verifier reads it, optional, for the share page. */
#define STORE_PHOTOS_DB "photos"

/* The issuer's extra database of OFD files (certificate_no -> the sealed OFD package of the
 * certificate's current version, SPEC §11, docs/ofd.md); the verifier reads it, optional. Each
 * package stored is also recorded in the digest index under the two OFD kinds below. */
#define STORE_OFDS_DB "ofds"

struct store_dbspec {
    const char *name; /* LMDB database name, 1..63 bytes */
    unsigned flags;   /* 0, STORE_DB_DUPS, STORE_DB_OPTIONAL */
};

struct store_opts {
    size_t map_size;                  /* initial map size in bytes; 0 = 64 MiB */
    unsigned max_readers;             /* reader slots; 0 = 256 */
    const struct store_dbspec *extra; /* extra databases, ids STORE_DB_EXTRA + i */
    size_t n_extra;                   /* at most STORE_MAX_EXTRA_DBS */
};

/*
 * Opens the store in dir. flags: 0 (read-write, must exist), STORE_CREATE
 * (creates dir 0700, files 0600, the databases and the schema version), or
 * STORE_RDONLY. The schema version in "meta" is checked: a store newer than
 * STORE_SCHEMA_VERSION is refused with STORE_ESCHEMA and both versions in err;
 * a directory without one is STORE_ENOTSTORE unless STORE_CREATE. Stale reader
 * slots left by killed processes are cleared. On success *out is a handle the
 * caller releases with store_close(); on error *out is NULL.
 */
int store_open(const char *dir, unsigned flags, store **out, char *err, size_t errlen);
/* store_open with options (opts may be NULL = defaults). Same contract. */
int store_open_with(const char *dir, unsigned flags, const struct store_opts *opts, store **out,
                    char *err, size_t errlen);
/* Closes the environment. Every transaction must have ended. NULL is a no-op. */
void store_close(store *s);
/*
 * Finds the id of a database by its name ("certs", or an extra name).
 * Returns 0 and sets *db, or STORE_ENOTFOUND.
 */
int store_db_by_name(const store *s, const char *name, int *db);
/* The current map size in bytes (grows as store_write needs it). */
size_t store_map_size(store *s);
/*
 * Unmaps the pages of the store this process has touched (madvise
 * MADV_DONTNEED on the read-only shared map): they stay in the page cache and
 * on disk, and a later access reads the same committed data back, so it is
 * safe with transactions open (LMDB keeps a write transaction's new pages in
 * its own memory, never in the map). Each page LMDB reads brings its
 * neighbours in with it: ~64 KB (the kernel's fault-around), or the whole
 * folio the page cache holds it in, up to 2 MB on ext4 under Linux 6.18,
 * since LMDB writes a commit's pages in one writev. So a long writer (the
 * issuer) calls it after each certificate's lookups and puts to keep its
 * resident set bounded however large the store grows. Returns 0, STORE_EINVAL while this process
 * is remapping a grown map (nothing done), or errno of madvise.
 */
int store_release_pages(store *s);
/*
 * on = 1: every store_put and store_del of s ends with store_release_pages
 * (its result ignored: a failed drop only leaves pages mapped), so that no
 * more than one put's reads stay mapped in a long write transaction; on = 0
 * (the default after store_open): they do not. Costs one madvise a put. Call
 * it before any transaction of s is open.
 */
void store_release_after_puts(store *s, int on);

/* ---------------------------------------------------------- transactions */

/*
 * Begins a read transaction: a consistent snapshot of the last commit. Cheap
 * (no allocation besides a small handle, no lock against writers); the
 * verifier takes one per request and ends it before answering. When another
 * process has grown the map (MDB_MAP_RESIZED) the new size is adopted, once
 * the other transactions of this process have ended, and the begin retried.
 * *out is released with store_read_end().
 */
int store_read_begin(store *s, store_txn **out);
/* Ends (aborts) a read transaction, live or reset, and frees the handle. NULL-safe. */
void store_read_end(store_txn *txn);
/*
 * A read-transaction handle reused by one thread across many short reads (the
 * verifier keeps one per worker thread): store_read_renew starts a fresh
 * snapshot in *txn - begun when *txn is NULL, else renewed from a reset handle,
 * which keeps its LMDB reader slot and so skips the reader-table lock -, and
 * store_read_reset ends the snapshot but keeps the handle; pointers obtained
 * through it die then. store_read_end frees it. A reset handle does not hold
 * back map growth. store_read_renew returns 0 or a begin error (then *txn is
 * NULL); STORE_EINVAL when *txn is live.
 */
int store_read_renew(store *s, store_txn **txn);
void store_read_reset(store_txn *txn);

/*
 * Runs fn(txn, arg) inside a write transaction and commits when fn returns 0.
 * A nonzero return from fn aborts and is returned as is: failure leaves the
 * store as it was. When a put (inside fn) or the commit reports MDB_MAP_FULL,
 * store_write aborts, grows the map (adopting a larger size another process
 * set, else doubling) and runs fn again from scratch, so fn must have no
 * effects outside the transaction except through arg it resets itself, and
 * must return the codes of the store calls it makes unchanged (MDB_MAP_FULL
 * above all), never carry on after one. The
 * growth waits until no other transaction of this process is open, so the
 * calling thread must not hold a read transaction. Writers in several
 * processes are serialized by LMDB. STORE_ERDONLY on a read-only store.
 */
int store_write(store *s, int (*fn)(store_txn *txn, void *arg), void *arg);

/* --------------------------------------------------------- raw key/value */

#define STORE_PUT_NEW 1u /* fail with STORE_EEXIST when the key (or dup pair) exists */

/*
 * Looks up key in db. On success *val points into the map: valid only until
 * the transaction ends or, in a write transaction, until the next put or del.
 * Never write through it. STORE_ENOTFOUND when absent.
 */
int store_get(store_txn *txn, int db, const void *key, size_t klen, const void **val, size_t *vlen);
/* Like store_get but copies the value into out (reset first, bounded by out->max). */
int store_get_copy(store_txn *txn, int db, const void *key, size_t klen, struct jp_buf *out);
/* Stores key -> val. flags 0 or STORE_PUT_NEW. STORE_ERDONLY in a read txn. */
int store_put(store_txn *txn, int db, const void *key, size_t klen, const void *val, size_t vlen,
              unsigned flags);
/*
 * As store_put, for a caller that has computed vsha256 = SHA-256(val) anyway
 * (a file's digest for the digest index): the change log takes it instead of
 * hashing val again. Must be that digest; NULL is store_put.
 */
int store_put_digested(store_txn *txn, int db, const void *key, size_t klen, const void *val,
                       size_t vlen, unsigned flags, const unsigned char *vsha256);
/* Deletes key (val NULL: all its values; else that duplicate). STORE_ENOTFOUND. */
int store_del(store_txn *txn, int db, const void *key, size_t klen, const void *val, size_t vlen);

/* The two values a holder's photo is read from (store_photo_get). */
struct store_photo {
    struct jp_span photo; /* STORE_PHOTOS_DB's value: the bytes or an ofd reference */
    struct jp_span pkg;   /* STORE_OFDS_DB's value, the package a reference points into;
                             NULL, 0 when the store holds none */
};

/*
 * Reads the photo of certificate no (STORE_CERT_NO_LEN characters) in txn:
 * its value in STORE_PHOTOS_DB and the certificate's package in STORE_OFDS_DB,
 * one snapshot, so that ofd_ref_value (ofd.h) hands out the photo as given at
 * intake. Both spans follow store_get's lifetime rule. A store opened without
 * either extra database (store_opts) reads as one without the values.
 * Returns 0, STORE_ENOTFOUND (no photo; *out is NULL, 0 throughout) or LMDB's
 * errors. The store does not look inside the values.
 */
int store_photo_get(store_txn *txn, const char *no, struct store_photo *out);

/*
 * Cursors walk a database in key order (duplicates in value order). The
 * key/value pointers they return follow store_get's lifetime rule. Close every
 * cursor before its transaction ends.
 */
int store_cursor_open(store_txn *txn, int db, store_cursor **out);
/* Closes a cursor. NULL-safe. */
void store_cursor_close(store_cursor *c);
/* Moves to the first entry. STORE_ENOTFOUND on an empty database. */
int store_cursor_first(store_cursor *c, const void **key, size_t *klen, const void **val,
                       size_t *vlen);
/* Moves to the first entry whose key is >= key (a range start). STORE_ENOTFOUND past the end. */
int store_cursor_seek(store_cursor *c, const void *key, size_t klen, const void **k,
                      size_t *klen_out, const void **val, size_t *vlen);
/* Moves to the next entry (the next duplicate first). STORE_ENOTFOUND at the end. */
int store_cursor_next(store_cursor *c, const void **key, size_t *klen, const void **val,
                      size_t *vlen);

/* --------------------------------------------------------- record format */

/*
 * Every record: one format-version byte (STORE_REC_VERSION), then fields, each
 * tag (u8, 1..255) + length (unsigned LEB128 varint, at most 4 bytes, value at
 * most STORE_REC_MAX_FIELD) + that many bytes. Integers are fixed-width
 * big-endian. Unknown tags are skipped by readers. See docs/store-format.md.
 */
#define STORE_REC_VERSION 1u
#define STORE_REC_MAX_FIELD (1u << 20)

/* Starts a record in out (reset first): writes the version byte. */
int store_rec_begin(struct jp_buf *out);
/* Appends a field. STORE_EINVAL for tag 0, STORE_ETOOLONG over the field bound. */
int store_rec_put(struct jp_buf *out, uint8_t tag, const void *p, size_t n);
/* Appends a NUL-terminated text field. */
int store_rec_put_str(struct jp_buf *out, uint8_t tag, const char *s);
/* Appends integers: u16 as 2 bytes, u64 as 8 bytes, big-endian. */
int store_rec_put_u16(struct jp_buf *out, uint8_t tag, uint16_t v);
int store_rec_put_u64(struct jp_buf *out, uint8_t tag, uint64_t v);

/* A reader over a record held by the caller; it never reads past p + len. */
struct store_rec_reader {
    const unsigned char *p; /* not owned */
    size_t len;             /* bytes at p */
    size_t pos;             /* next byte to read */
};

/*
 * Checks the version byte and positions r at the first field. STORE_ECORRUPT
 * for an empty input, STORE_ESCHEMA for a record version this code does not know.
 */
int store_rec_open(struct store_rec_reader *r, const void *p, size_t len);
/*
 * Reads the next field: *tag, and *val and *vlen pointing into the record.
 * Returns 0, STORE_ENOTFOUND at the clean end, or STORE_ECORRUPT for a
 * truncated header, a length past the end, an overlong varint or tag 0.
 */
int store_rec_next(struct store_rec_reader *r, uint8_t *tag, const void **val, size_t *vlen);
/* Field value helpers: STORE_ECORRUPT unless the length is exactly right. */
int store_rec_u16(const void *val, size_t vlen, uint16_t *out);
int store_rec_u64(const void *val, size_t vlen, uint64_t *out);
/* Copies a text field into dst[dstsz] with a NUL; STORE_ECORRUPT if it does not fit or holds NUL.
 */
int store_rec_str(const void *val, size_t vlen, char *dst, size_t dstsz);

/* ------------------------------------------------------------ certificate */

enum store_cert_status {
    STORE_STATUS_VALID,     /* 有效 */
    STORE_STATUS_SUSPENDED, /* 暂扣 */
    STORE_STATUS_REVOKED,   /* 撤销 */
    STORE_STATUS_CANCELLED, /* 注销 */
    STORE_STATUS_LAPSED,    /* 失效 */
};

#define STORE_CERT_NO_LEN 18
#define STORE_KEY_ID_LEN 8
#define STORE_PDF_MAX (16u << 20) /* bound on a stored PDF */
#define STORE_QR_MAX 1024         /* bound on the QR text, bytes (the renderer's TMPL_MAX_QR) */

/* Every text field is NUL-terminated UTF-8; a value that does not fit is an error. */
struct store_cert {
    char certificate_no[IDENT_CERTNO_SIZE]; /* 18 characters, the key */
    char elicence_id[96];                   /* GB/T 36904 identifier */
    uint16_t file_version;                  /* 1, +1 per reissued file */
    enum store_cert_status status;          /* current status */
    int64_t status_changed_at;              /* unix seconds, 0 = never */
    char status_reason[257];                /* free text, may be empty */
    char position_code[3];                  /* "01".."13" */
    char issue_date[11];                    /* YYYY-MM-DD */
    char holder_name[257];                  /* up to 256 bytes of UTF-8 */
    char gender[4];                         /* "男" or "女" */
    char id_type[4];                        /* "111", ... */
    char id_number[33];                     /* up to 32 characters */
    char institution_code[33];              /* training institution code */
    char institution_name[257];             /* training institution name */
    char city[3];                           /* "01", ... */
    char exam_id[65];                       /* the exam the holder passed */
    char exam_date[11];                     /* YYYY-MM-DD */
    uint16_t score_tenths;                  /* 86.5 -> 865 */
    char authority_name[257];               /* issuing authority */
    unsigned char key_id[8];                /* signing key id */
    int64_t issued_at;                      /* unix seconds */
    unsigned char claim_hash[32];           /* keyed hash of the claim code (claim.h);
                                               all zero = the certificate has none */
    char qr_text[STORE_QR_MAX + 1];         /* the exact text of the current file's QR code
                                               (the signed /V/ URL); "" = not recorded */
    int64_t version_at;                     /* unix seconds the current file version was made
                                               (reissue, correction); 0 = version 1 or older data */
};

/* 1 when cert has a claim code (a nonzero claim_hash), else 0. */
int store_cert_has_claim(const struct store_cert *cert);
/*
 * The exact QR text the issuer put into the certificate's current file (SPEC
 * §7's signed URL), or NULL when the record has none: records written before
 * the field existed. The pointer is into cert and lives as long as it.
 */
const char *store_cert_qr(const struct store_cert *cert);

/*
 * Copies src into a fixed text field dst[dstsz]. STORE_ETOOLONG (dst left
 * empty) when src does not fit with its NUL. Use it to fill store_cert.
 */
int store_text_set(char *dst, size_t dstsz, const char *src);
/* The status's API name ("valid", ...), or NULL for an unknown value. */
const char *store_status_name(enum store_cert_status st);
/* Parses an API status name. STORE_EINVAL when unknown. */
int store_status_parse(const char *name, enum store_cert_status *out);

/*
 * Encodes cert as a record into out (reset first). STORE_EINVAL when a text
 * field is not NUL-terminated inside its array, the certificate number is not
 * 18 characters or the status is unknown.
 */
int store_cert_encode(const struct store_cert *cert, struct jp_buf *out);
/* Decodes a record into *out (zeroed first). STORE_ECORRUPT on any defect. */
int store_cert_decode(const void *p, size_t len, struct store_cert *out);

/*
 * Inserts or replaces the certificate under its number in "certs", and keeps
 * the "holder" index (id_number -> certificate_no) in step, also when the
 * id_number changed. Write transactions only.
 */
int store_cert_put(store_txn *txn, const struct store_cert *cert);
/* Reads a certificate into *out (a copy). STORE_ENOTFOUND. */
int store_cert_get(store_txn *txn, const char *certificate_no, struct store_cert *out);

/*
 * Stores the PDF of a certificate (at most STORE_PDF_MAX bytes), replacing the
 * previous one, and records it in the digest index (below) under the
 * certificate's current file_version (0 when the record is not there yet):
 * the replaced file's entries stay, so a reissued certificate's old file is
 * still known as an older version.
 */
int store_pdf_put(store_txn *txn, const char *certificate_no, const void *pdf, size_t len);
/*
 * Finds a PDF. *pdf points into the map and is valid only until the
 * transaction ends (or the next write in a write transaction). STORE_ENOTFOUND.
 */
int store_pdf_get(store_txn *txn, const char *certificate_no, const void **pdf, size_t *len);
/* Copies a PDF into out (reset first); out->max should be >= STORE_PDF_MAX. */
int store_pdf_copy(store_txn *txn, const char *certificate_no, struct jp_buf *out);

/*
 * The digest index (SPEC §10's file check): every PDF ever stored, by
 *   STORE_DIGEST_FILE  SHA-256 of the whole file, and
 *   STORE_DIGEST_SIG   SHA-256 of its signature value, the gap its last
 *                      /ByteRange [0 a b c] leaves (bytes a..b-1: the
 *                      /Contents hex string), which an edit of the signed
 *                      bytes leaves as it was,
 * each -> (certificate number, file version). An old store (made before the
 * index) gets it with store_digest_backfill; opened read-only before that,
 * every lookup answers STORE_ENOTFOUND.
 */
enum store_digest_kind {
    STORE_DIGEST_FILE = 'F', /* the whole file */
    STORE_DIGEST_SIG = 'S',  /* the signature value of its last /ByteRange */
    STORE_DIGEST_OFD_FILE = 'O', /* an OFD package: the whole file */
    STORE_DIGEST_OFD_SEAL = 'E', /* an OFD package: its Doc_0/Signs/Sign_0/SignedValue.dat */
};

struct store_digest {
    char certificate_no[IDENT_CERTNO_SIZE]; /* whose file */
    uint16_t file_version;                  /* which version of it */
};

/*
 * SHA-256 of the signature gap of a PDF's last /ByteRange (see above) into
 * out. A bounded scan of the last 64 KiB: STORE_ENOTFOUND when there is no
 * well-formed /ByteRange [0 a b c] with a < b <= len and a gap that starts
 * with '<' and ends with '>'.
 */
int store_pdf_sig_digest(const void *pdf, size_t len, unsigned char out[32]);
/* Where that gap is: *off and *n (the "<...>" hex string). Same rules and errors. */
int store_pdf_sig_span(const void *pdf, size_t len, size_t *off, size_t *n);
/* Records digest (32 bytes) of kind as (no, version). Write transactions only. */
int store_digest_put(store_txn *txn, enum store_digest_kind kind, const unsigned char digest[32],
                     const char *certificate_no, uint16_t file_version);
/* Looks up a digest of kind into *out. STORE_ENOTFOUND, STORE_ECORRUPT. */
int store_digest_get(store_txn *txn, enum store_digest_kind kind, const unsigned char digest[32],
                     struct store_digest *out);
/*
 * The one-off backfill of a store made before the index: records the current
 * PDF of every certificate (file and signature digests, its file_version),
 * in write transactions of at most 500 certificates. Files replaced before
 * the index existed are gone and cannot be recorded. Idempotent. *n gets the
 * PDFs recorded. Returns 0 or the first error (the transactions before it stay).
 */
int store_digest_backfill(store *s, uint64_t *n);

/*
 * The intake index for idempotent issuance: (id_number, position, exam_id) ->
 * certificate_no. put overwrites; for idempotent issuance look up with get
 * first, inside the same write transaction. get copies the number into
 * out[IDENT_CERTNO_SIZE]. STORE_EINVAL for an empty part, STORE_ETOOLONG past the bounds of
 * struct store_cert, STORE_ENOTFOUND.
 */
int store_intake_put(store_txn *txn, const char *id_number, const char *position,
                     const char *exam_id, const char *certificate_no);
int store_intake_get(store_txn *txn, const char *id_number, const char *position,
                     const char *exam_id, char out[IDENT_CERTNO_SIZE]);

/*
 * Lists the certificates of a holder (the "holder" index, in number order):
 * copies up to max numbers into out and sets *n to the total found, which
 * exceeds max when out was too small. 0 with *n = 0 when there are none.
 */
int store_holder_list(store_txn *txn, const char *id_number, char (*out)[IDENT_CERTNO_SIZE],
                      size_t max, size_t *n);

/*
 * The institution index (SPEC §10's institution endpoints): (institution_code,
 * exam_id) -> the numbers of the certificates issued for that exam, kept in
 * step by store_cert_put in the transaction that writes the record (issue,
 * reissue, status changes, corrections that move a certificate). Lists the
 * numbers after `after` ("" or NULL: from the first), in number order: copies
 * up to max of them into out, sets *n to the count copied and *more to 1 when
 * more follow. STORE_EINVAL for an empty code or exam id, STORE_ETOOLONG past
 * the bounds of struct store_cert; 0 with *n = 0 when none. A store made
 * before the index, opened read-only before store_institution_backfill, lists
 * nothing.
 */
int store_institution_list(store_txn *txn, const char *institution_code, const char *exam_id,
                           const char *after, char (*out)[IDENT_CERTNO_SIZE], size_t max, size_t *n,
                           int *more);
/*
 * The one-off backfill of a store made before the institution index: indexes
 * every certificate record, in write transactions of at most 500. Idempotent.
 * *n gets the certificates read. Returns 0 or the first error (the
 * transactions before it stay).
 */
int store_institution_backfill(store *s, uint64_t *n);

#define STORE_SERIAL_MAX 9999999u /* NNNNNNN has 7 digits */

/*
 * Increments and returns the serial counter of a 10-digit prefix PPCCYYYYJJ:
 * 1 on first use, never reused (the counter only grows, also after
 * revocation). STORE_EINVAL for a malformed prefix, STORE_EEXHAUSTED past
 * STORE_SERIAL_MAX.
 */
int store_next_serial(store_txn *txn, const char *prefix, uint32_t *serial);
/*
 * The serial store_next_serial would return for prefix in txn now, without
 * drawing it (read-only: any transaction). Same errors; *serial is 0 on error.
 */
int store_peek_serial(store_txn *txn, const char *prefix, uint32_t *serial);

/* -------------------------------------------------------------- audit log */

/*
 * One audit entry. The detail text is for the operator and must NEVER hold
 * personal data (names, ID numbers): the log is exported as the
 * status-changes feed to other provinces.
 */
struct store_audit_entry {
    uint64_t seq;                           /* from 1, +1 per entry; set by append */
    int64_t time;                           /* unix seconds */
    char action[33];                        /* issue, revoke, suspend, reinstate, cancel, lapse,
                                               reissue, keys-rotate, ... */
    char certificate_no[IDENT_CERTNO_SIZE]; /* may be empty */
    char actor[65];                         /* who did it (an operator or program name) */
    char detail[257];                       /* free text, never personal data */
    unsigned char prev_hash[32]; /* hash of entry seq-1, zeros for seq 1; set by append */
    unsigned char hash[32];      /* SHA-256(prev_hash || record without hash); set by append */
};

/*
 * Appends entry as the next sequence number; fills entry->seq, prev_hash and
 * hash. Write transactions only; action must not be empty.
 */
int store_audit_append(store_txn *txn, struct store_audit_entry *entry);
/*
 * Recomputes the whole chain from seq 1 in a read transaction of its own.
 * Returns 0 (and *first_bad = 0) when intact, else STORE_ECORRUPT with
 * *first_bad = the first sequence number that is missing, altered, undecodable
 * or linked to a wrong predecessor. *count = entries read.
 */
int store_audit_verify(store *s, uint64_t *first_bad, uint64_t *count);
/* The last sequence number (0 for an empty log). */
int store_audit_last(store_txn *txn, uint64_t *seq);
/*
 * Reads the entries with seq > since, in order, at most max of them into
 * out[], and sets *n. This is the "since N, at most M" reader of the
 * status-changes feed. STORE_ECORRUPT when a stored entry does not decode.
 */
int store_audit_since(store_txn *txn, uint64_t since, struct store_audit_entry *out, size_t max,
                      size_t *n);

/*
 * Status-change reasons (SPEC §8: the feed carries a code, never free text).
 * The audit detail of revoke, suspend, reinstate, cancel and lapse is "CODE"
 * or "CODE: note", the note internal to the issuer. Codes: fraud, error,
 * holder_request, ce_shortfall, institution_struck_off, other.
 */
/* 1 when the len bytes at code are one of the codes, else 0. */
int store_reason_known(const char *code, size_t len);
/* The code a detail starts with (static text); "other" when it names none (older free text). */
const char *store_reason_code(const char *detail);

/* ------------------------------------------- change log and replication feed */

/*
 * A store with the "changes" database (made by opening it read-write with
 * STORE_CHANGELOG once; `jianpei-issuer init` does) logs every successful
 * store_put and store_del, of every database, in the same transaction: change
 * seq (from 1, gapless) -> a record naming the database, the key and the value
 * (by SHA-256 above STORE_CHG_INLINE_MAX bytes), hash-chained like the audit
 * log. Nothing but the store writes it. See docs/store-format.md.
 */
#define STORE_CHG_INLINE_MAX 256u               /* longer values are logged by digest */
#define STORE_FEED_FRAME_MAX (STORE_PDF_MAX + 4096) /* bound on one frame's payload */

/* Stores v as 8 bytes big-endian at p, and reads it back (feed frames' integers). */
void store_be64_put(unsigned char *p, uint64_t v);
uint64_t store_be64_get(const unsigned char *p);

/* 1 when s has a change log. */
int store_changes_enabled(const store *s);
/* The last change's sequence number (0 for none). STORE_ENOTFOUND without a log. */
int store_changes_last(store_txn *txn, uint64_t *seq);

/*
 * Frames of the replication feed: type byte, u32 big-endian payload length,
 * payload (a + b concatenated). STORE_ETOOLONG past STORE_FEED_FRAME_MAX.
 */
int store_feed_frame(struct jp_buf *out, int type, const void *a, size_t an, const void *b,
                     size_t bn);

/* A reader over frames held by the caller; it never reads past p + len. */
struct store_feed_reader {
    const unsigned char *p; /* not owned */
    size_t len;             /* bytes at p */
    size_t pos;             /* next frame */
};

/* The next frame: *type and *payload (n bytes, inside the input). STORE_ENOTFOUND at
 * the clean end, STORE_ECORRUPT for a truncated or oversized frame. */
int store_feed_next(struct store_feed_reader *r, int *type, const void **payload, size_t *n);

/*
 * Appends to out the changes after since, in order: a 'C' frame (seq u64 BE +
 * the stored record) each, followed for a value logged by digest by a 'V'
 * frame (the value as stored now, when it still has that digest) or an 'S'
 * frame (superseded: a later change of that key follows). Stops after about
 * max_bytes, never inside one writer transaction unless it passes twice that.
 * *last = the last seq written (since when none), *head = the log's last seq.
 * STORE_ENOTFOUND when the store has no change log; out's errors (EFBIG).
 */
int store_feed_page(store_txn *txn, uint64_t since, size_t max_bytes, struct jp_buf *out,
                    uint64_t *last, uint64_t *head);

/*
 * Applies a page of frames (other types than C/V/S are skipped) to a store
 * with a change log, all in one write transaction: each change must be the
 * next seq after the store's last, chain to its predecessor, carry a value
 * matching its digest, and an audit entry must chain to the audit log. The
 * change records are stored as received, so the replica's log equals the
 * primary's. On any refusal nothing is applied, STORE_ECORRUPT is returned and
 * err names the change and why. *last = the store's last seq afterwards,
 * *applied = changes applied. STORE_EINVAL when s has no change log.
 */
int store_feed_apply(store *s, const void *page, size_t len, uint64_t *last, uint64_t *applied,
                     char *err, size_t errlen);

/* ------------------------------------------------------- backup and check */

/*
 * Hot, compacting copy of the environment (mdb_env_copyfd2 with
 * MDB_CP_COMPACT) into dir/data.mdb. dir must not exist or be empty
 * (STORE_EBUSY otherwise); it ends mode 0700 and the copy 0600 whatever the
 * umask, for the copy holds every holder's personal data. Writers may go on
 * meanwhile; the copy is the snapshot of one read transaction. On failure
 * err names the cause and no partial data.mdb is left.
 */
int store_backup(store *s, const char *dir, char *err, size_t errlen);

#define STORE_REPORT_LINES 8

/* What store_check found. Descriptions name certificate numbers and sequence
 * numbers only, never personal data. */
struct store_report {
    unsigned problems;                   /* count of problems found */
    char first[STORE_REPORT_LINES][160]; /* descriptions of the first problems */
    uint64_t certs;                      /* certificates read */
    uint64_t pdfs;                       /* PDFs seen */
    uint64_t audit_entries;              /* audit entries verified */
};

/*
 * Walks every database in one read transaction: every record decodes, every
 * certificate has its PDF and holder entry, every index entry points at an
 * existing certificate, every serial counter is >= the highest serial issued
 * under its prefix, the audit chain verifies. Before the walk, the store's
 * directory, data.mdb and lock.mdb must give group and others nothing (a
 * problem each otherwise: 0700 and 0600 are wanted). Fills *report and
 * returns 0 when the walk ran (whatever it found), or an error when it could
 * not run.
 */
int store_check(store *s, struct store_report *report);

#endif
