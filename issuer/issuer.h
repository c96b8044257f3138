/*
 * issuer.h - the provincial department's side of Jianpei: creating a home,
 * and (issue.c) turning intake lines into numbered, rendered, signed and
 * stored certificates, and changing their status.
 *
 * Errors (common/errors.h): 0, a positive errno value, a code of enum
 * issuer_err, or the first cause's code of the module used (store_*, keys_*,
 * tmpl_*, ident_*) passed through unchanged, always with a lowercase reason in
 * the caller's err buffer. issuer_strerror() names any of them.
 * Nothing here exits and nothing logs personal data.
 */
#ifndef JP_ISSUER_H
#define JP_ISSUER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "errors.h"
#include "util.h"
#include "ident.h"

enum issuer_err {
    ISSUER_EARG = JP_ERR_ISSUER_BASE,        /* an option or argument breaks its rule: a usage
                                                error; err names the option */
    ISSUER_ERENDER = JP_ERR_ISSUER_BASE + 1, /* a line the renderer refused (internal to a run) */
    ISSUER_ESTATUS = JP_ERR_ISSUER_BASE + 2, /* the certificate's status forbids the change */
    ISSUER_EHOME = JP_ERR_ISSUER_BASE + 3,   /* the home, keys/ or store/ is a symlink, not the
                                                user's, or group/world-writable */
    ISSUER_EPHOTO = JP_ERR_ISSUER_BASE + 4,  /* a photo path leaves the input folder or is not a
                                                regular file */
};

/*
 * A static description of code: issuer_err values by name, errno values by
 * strerror(), codes of store, keys, templates and ident by their own
 * *_strerror(). Never NULL; not to be freed.
 */
const char *issuer_strerror(int code);

/* Bytes of an audit actor (an operator's login or a program name). */
#define ISSUER_ACTOR_MAX 64

/* Paths inside a home: config.h's JP_HOME_* names and jp_home_path(). */

struct issuer_init_opts {
    const char *home;           /* the home to create; must not exist or be empty */
    const char *templates_dir;  /* positions.tsv, provinces.tsv, cities-PP.tsv, certificate.tmpl */
    const char *province;       /* two digits, "44" */
    const char *authority;      /* issuing authority, UTF-8 */
    const char *authority_uscc; /* its 统一社会信用代码, GB 32100 checked */
    const char *public_url;     /* http(s)://host[:port][/path], stored upper case */
    const unsigned char *passphrase; /* NULL: keys unencrypted */
    size_t passphrase_len;           /* bytes of passphrase */
    const char *elicence_type_code;  /* NULL: the default placeholder */
    const char *tsa_url;             /* RFC 3161 TSA (http:// or https://), NULL: none */
    int crl_days;                    /* nextUpdate of the root's CRL; 0: 7 days */
    const char *pkcs11_uri;    /* NULL: key files; else the token (passphrase is its PIN) */
    const char *pkcs11_module; /* the token's PKCS#11 module, with pkcs11_uri */
};

/* The e-licence type code used when none is given: MOHURD's USCC + sequence
 * "999" (the real sequence for this certificate is not yet published). */
#define ISSUER_DEFAULT_ELICENCE_TYPE "11100000000013338W999"

/*
 * Creates a home: configuration, template, keys (root + signing), store and
 * the exported trust list. Everything is built in a sibling directory and
 * renamed into place last, so a failure or a crash leaves no half home; an
 * existing non-empty home is refused (EEXIST) and left untouched. An option
 * that breaks its rule (province, authority, USCC check character, public
 * URL, e-licence type) gives ISSUER_EARG, a usage error, with err naming it.
 */
int issuer_init_home(const struct issuer_init_opts *o, char *err, size_t errlen);

/*
 * Refuses a home an attacker could have arranged, as ssh refuses its files:
 * the home, HOME/keys (when there is one: a store-only copy has none) and
 * HOME/store must be directories (not symlinks) owned
 * by the effective user and not group- or world-writable. Returns 0,
 * ISSUER_EHOME with the reason in err, or the errno of lstat.
 */
int issuer_home_check(const char *home, char *err, size_t errlen);

/* ------------------------------------------------ the home's own TSA */

/*
 * Starts the province's RFC 3161 time-stamp authority (SPEC §13) on listen
 * (numeric HOST:PORT; port 0 picks one) in a thread of its own, with the TSA
 * key made at init (HOME/keys/tsa.key; pass when the keys are encrypted).
 * *out is stopped with issuer_tsa_stop(). Returns 0, ISSUER_EARG (bad listen
 * address), ISSUER_EHOME, a keys error or an errno value (message in err).
 */
struct issuer_tsa;
int issuer_tsa_start(const char *home, const char *listen, const unsigned char *pass,
                     size_t passlen, struct issuer_tsa **out, char *err, size_t errlen);
/* The port the TSA listens on. */
unsigned issuer_tsa_port(const struct issuer_tsa *t);
/* Stops the TSA after the request in flight. NULL-safe. */
void issuer_tsa_stop(struct issuer_tsa *t);

/* ------------------------------------------------------------- issuing */

typedef struct issuer issuer;

#define ISSUER_MAX_THREADS 16
#define ISSUER_LINE_MAX (64u * 1024) /* longer intake lines are rejected unread */

/*
 * Opens a home for issuing: configuration, template (fonts loaded once), the
 * store read-write, and one key handle per worker thread (threads 0 = one per
 * core, at most ISSUER_MAX_THREADS). The passphrase decrypts the signing key
 * when the home's keys are encrypted. *out is released with issuer_close().
 * A home that fails issuer_home_check is refused (ISSUER_EHOME).
 */
int issuer_open(const char *home, const unsigned char *pass, size_t passlen, int threads,
                issuer **out, char *err, size_t errlen);
#define ISSUER_TSA_TIMEOUT_MAX 600000L /* ms: the longest --tsa-timeout */
/*
 * Time-stamp settings of an opened issuer (SPEC §13): timeout_ms for each TSA
 * query (0 keeps config.json's tsa_timeout_ms, or 5,000), and optional (1:
 * --tsa-optional: when the TSA fails, sign without a time-stamp and record the
 * certificate for issuer_timestamp_pending; 0: the run fails). Returns 0 or
 * ISSUER_EARG (timeout out of range).
 */
int issuer_tsa_options(issuer *is, long timeout_ms, int optional, char *err, size_t errlen);
/* The first TSA failure passed over under optional (names the TSA URL), or NULL. */
const char *issuer_tsa_failure(const issuer *is);
/* Closes everything issuer_open opened. NULL-safe. */
void issuer_close(issuer *is);
/* The opened home's configuration (lives as long as is). */
const struct jp_config *issuer_config(const issuer *is);
/* The opened store (lives as long as is); for read commands. */
struct store *issuer_store(issuer *is);

enum issuer_outcome {
    ISSUER_ISSUED,   /* a new certificate was issued */
    ISSUER_ALREADY,  /* the same (id_number, position, exam_id) was issued before */
    ISSUER_REJECTED, /* the line broke a rule; nothing changed for it */
};

/* One line's result, 44 bytes: a 100,000-line run keeps 100,000 of them. */
struct issuer_item {
    uint32_t line;                          /* input line number, from 1 */
    uint8_t what;                           /* enum issuer_outcome */
    char certificate_no[IDENT_CERTNO_SIZE]; /* issued or already issued number, else "" */
    char claim_code[15]; /* issued: the claim code as shown, XXXX-XXXX-XXXX; else "" (a
                            secret: issuer_report_free wipes it) */
    uint32_t reason;     /* offset of the NUL-terminated reason in text (rejected only) */
};

/* What an issue run did, in input order. Owned by the caller: issuer_report_free. */
struct issuer_report {
    struct issuer_item *items;        /* one per non-blank line */
    size_t n, cap;                    /* used and allocated items */
    struct jp_buf text;               /* reasons; at most 4 GiB (issuer_item.reason) */
    size_t issued, already, rejected; /* counts */
    size_t unstamped;                 /* issued without a time-stamp (--tsa-optional) */
};

struct issuer_issue_opts {
    int all_or_nothing;    /* refuse the whole input when any line is rejected */
    const char *photo_dir; /* photos are relative to it (the input file's directory) */
    const char *actor;     /* the audit log's actor (1..ISSUER_ACTOR_MAX bytes), e.g. a login */
    /* Called after each committed batch: lines read so far, share of input read (or -1). */
    void (*progress)(void *ctx, unsigned long lines, double fraction);
    void *progress_ctx; /* passed to progress */
};

/*
 * Issues the JSON Lines read from in (SPEC §5), streaming: every line is
 * validated; valid new ones are numbered (in input order), rendered and signed
 * on all worker threads, and stored with their PDF, indexes, serial counter and
 * an audit entry in one LMDB write transaction per batch, so a crash leaves
 * each batch whole or absent. Lines already issued are reported with their
 * number. With all_or_nothing the input is validated first, then issued in a
 * single transaction, and any rejection refuses the whole input (the report
 * then lists the rejected lines and those issued before). The issue date is
 * always today in China (UTC+8): no certificate is backdated. Returns 0
 * when the run completed (rejections are in the report), ISSUER_EARG for a bad
 * actor, or an error that stopped it (batches committed before stay committed
 * unless all_or_nothing).
 */
int issuer_issue(issuer *is, FILE *in, const struct issuer_issue_opts *o, struct issuer_report *rep,
                 char *err, size_t errlen);

/* ------------------------------------------------ time-stamps owed (pending.c) */

struct issuer_ts_opts {
    /* Called after each certificate: done so far, share of the pending list (or -1). */
    void (*progress)(void *ctx, unsigned long done, double fraction);
    void *progress_ctx; /* passed to progress */
};

/* What issuer_timestamp_pending did. */
struct issuer_ts_report {
    size_t stamped; /* files that got a document time-stamp */
    size_t already; /* entries whose file had one already (dropped) */
};

/*
 * Adds a document time-stamp (pdf_timestamp; the token from config.json's
 * tsa_url) to the current file of every certificate issued or reissued
 * without one under --tsa-optional, and drops it from the pending list, with
 * a "timestamp" audit entry each, in transactions of 32 certificates; the file
 * version, its QR code and its first signature stay as they were. Idempotent:
 * an empty list does nothing. Returns 0, ISSUER_EARG (no tsa_url, bad actor),
 * KEYS_E_TSA (the TSA failed: err names it; certificates done before stay
 * done, the rest stay pending) or a store error.
 */
int issuer_timestamp_pending(issuer *is, const char *actor, const struct issuer_ts_opts *o,
                             struct issuer_ts_report *rep, char *err, size_t errlen);
/* Certificates whose current file owes a time-stamp, into *n. 0 or a store error. */
int issuer_pending_count(issuer *is, size_t *n, char *err, size_t errlen);

/* Render-and-sign calls since issuer_open (each PDF made, kept or not): for tests and benchmarks.
 */
unsigned long issuer_renders(issuer *is);

void issuer_report_init(struct issuer_report *rep);
void issuer_report_free(struct issuer_report *rep);
/* Writes the report as the JSON of SPEC §5. Returns 0 or an errno value. */
int issuer_report_write(const struct issuer_report *rep, FILE *out);
/*
 * Writes the report to path as a private file: mode 0600 whatever the umask,
 * a random temporary name beside it renamed over path, so a symlink at path is
 * replaced and never followed. Returns 0 or an errno value (reason in err).
 */
int issuer_report_save(const struct issuer_report *rep, const char *path, char *err, size_t errlen);

/* ---------------------------------------------------------- claim codes */
/*
 * Claim codes (SPEC §10, common/claim.h): every certificate issue_run makes
 * gets a fresh code, whose keyed hash is stored with the record and whose
 * plain form goes only into the report's items (claim_code) and, through the
 * functions below, to the operator. A reissue keeps the code.
 */
#define ISSUER_CLAIM_SHOWN_SIZE 15 /* XXXX-XXXX-XXXX and its NUL */
/*
 * Writes the notices of an issue run: for each certificate of rep issued with
 * a claim code, a line "certificate_no,name_masked,claim_code" appended to
 * dir/<institution_code>/<exam_id>.csv (header line first in a new file).
 * dir and the institution folders are made 0700, the files 0600, all opened
 * without following a symlink and refused unless they are ours and private;
 * bytes of a code outside [A-Za-z0-9-] are written _XX in a name. *files =
 * notice files written. Returns 0 or an errno value (reason in err).
 */
int issuer_notices_write(issuer *is, const struct issuer_report *rep, const char *dir,
                         size_t *files, char *err, size_t errlen);
/*
 * Gives certificate no a new claim code (shown: XXXX-XXXX-XXXX) and forgets
 * the old one, with the audit entry "claim-code-reset" (no code in it).
 * Returns 0, ISSUER_EARG (number, actor), STORE_ENOTFOUND, or the first
 * failure's code (reason in err); nothing changes on error.
 */
int issuer_claim_reset(const char *home, const char *no, const char *actor,
                       char shown[ISSUER_CLAIM_SHOWN_SIZE], char *err, size_t errlen);
/*
 * The one-off step for stores issued before claim codes: every certificate
 * without one gets a code, written first to out (a private file, see
 * issuer_report_save: "certificate_no,institution_code,exam_id,name_masked,
 * claim_code" lines), then stored as hashes with an audit entry
 * "claim-code-backfill" each. *given = codes stored (0: nothing to do, and no
 * file written). On a store failure out is removed again.
 */
int issuer_claim_backfill(const char *home, const char *out, const char *actor, size_t *given,
                          char *err, size_t errlen);
/* ---------------------------------------------------------------- keys */

struct issuer_key_opts {
    const unsigned char *passphrase; /* the root's passphrase, or NULL */
    size_t passphrase_len;           /* its bytes */
    const char *out;                 /* trust list to write, NULL: HOME's */
    const char *actor;               /* for the audit log; NULL: "jianpei-issuer" */
};

/*
 * action "rotate" (a new active signing key, its kid into newkid), "revoke"
 * (signing key kid revoked) or "export-trust". Each opens the root key first
 * (so nothing changes when it cannot be opened), then re-exports the trust
 * list (path into written; a revoke writes keys.json and the trust list as one
 * change, keys_revoke_publish) and, for rotate and revoke, appends the audit
 * entry keys-rotate / keys-revoke. Returns 0, ISSUER_EARG, ISSUER_EHOME, or
 * the keys/store code of the first failure (reason in err).
 */
int issuer_keys_change(const char *home, const char *action, const char *kid,
                       const struct issuer_key_opts *o, char newkid[17],
                       char written[JP_HOME_PATH_MAX], char *err, size_t errlen);
/*
 * `keys crl`: issues the roots' CRLs anew (nextUpdate from the configuration)
 * with the root keys (o->passphrase; o->out and o->actor are not used):
 * HOME/root.crl, its path into root_crl, and, when the home holds the SM2
 * hierarchy, HOME/sm2-root.crl, its path into sm2_crl ("" otherwise; both ""
 * on failure). Appends no audit entry. Returns 0, ISSUER_EHOME, or the
 * keys code or errno of the first failure (reason in err).
 */
int issuer_keys_crl(const char *home, const struct issuer_key_opts *o,
                    char root_crl[JP_HOME_PATH_MAX], char sm2_crl[JP_HOME_PATH_MAX], char *err,
                    size_t errlen);
/* The provincial root's SHA-256 fingerprint (keys_root_fingerprint) into hex. */
int issuer_keys_fingerprint(const char *home, char hex[65], char *err, size_t errlen);
/* Prints the signing keys (kid, state, validity, subject), one a line, to out. */
int issuer_keys_print(const char *home, FILE *out, char *err, size_t errlen);

/* ------------------------------------------------------ status changes */

/*
 * Changes a certificate's status (SPEC §9) and appends the audit entry, in one
 * transaction. action: "revoke", "suspend", "reinstate", "cancel" or "lapse".
 * Allowed: revoke from valid, suspended or lapsed; suspend from valid;
 * reinstate from suspended or lapsed; cancel from valid, suspended or lapsed;
 * lapse from valid. revoked and cancelled are final. reason is one of the
 * codes of store.h (ISSUER_REASON_CODES), kept with the record and published
 * in the status-changes feed; note (NULL, or 1..ISSUER_NOTE_MAX bytes of
 * printable UTF-8) goes into the audit entry's detail after the code and is
 * never served by the verifier. Returns 0, EALREADY when the certificate
 * already has the target status (nothing written), STORE_ENOTFOUND,
 * ISSUER_EARG (bad number, action, reason, note or actor; err says which),
 * ISSUER_ESTATUS (transition not allowed), or a store error; nothing changes
 * on error.
 */
#define ISSUER_REASON_CODES                                                                        \
    "fraud, error, holder_request, ce_shortfall, institution_struck_off, other"
#define ISSUER_NOTE_MAX 200 /* bytes of an internal note */
int issuer_status_change(struct store *st, const char *certificate_no, const char *action,
                         const char *reason, const char *note, const char *actor, char *err,
                         size_t errlen);

/* issuer_status_change on HOME's store, opened read-write for it (after issuer_home_check). */
int issuer_status_apply(const char *home, const char *certificate_no, const char *action,
                        const char *reason, const char *note, const char *actor, char *err,
                        size_t errlen);

/* What issuer_apply_status_file did, line by line. */
struct issuer_apply_counts {
    unsigned long applied;  /* status changed */
    unsigned long already;  /* already in the target status */
    unsigned long rejected; /* line refused (its reason went to diag) */
};

/*
 * Applies the JSON Lines {"certificate_no","action","reason"[,"note"]} of in to
 * HOME's store, each line its own transaction (issuer_status_change); a reason
 * that is not a code (what older writers put there) becomes the note, under
 * ce_shortfall for a lapse and other otherwise; a refused line
 * is named on diag ("line N: reason") and the rest goes on. Returns 0 when the
 * file was read to its end (refusals are counted in *n), else the error that
 * stopped it (reason in err).
 */
int issuer_apply_status_file(const char *home, FILE *in, const char *actor, FILE *diag,
                             struct issuer_apply_counts *n, char *err, size_t errlen);

/* ------------------------------------------------- reading a home's store */

/* 0 when no is a certificate number whose check character holds, else ISSUER_EARG (err says why).
 */
int issuer_certno_check(const char *no, char *err, size_t errlen);
/*
 * Prints certificate no's whole record (holder data included: the department's
 * own view) as JSON, indented or compact, to out. Returns 0, ISSUER_EARG (bad
 * number), STORE_ENOTFOUND, or the first failure's code (reason in err).
 */
int issuer_show(const char *home, const char *no, int compact, FILE *out, char *err, size_t errlen);
/* Prints a holder's certificates (number, status, position, issue date), one a line, to out;
 * *n = how many the holder has. ISSUER_EARG when id_number is empty or too long. */
int issuer_find(const char *home, const char *id_number, FILE *out, size_t *n, char *err,
                size_t errlen);
/* Writes certificate no's stored signed PDF to path as a private file (0600, see
 * issuer_report_save). ISSUER_EARG, STORE_ENOTFOUND, or the first failure's code. */
int issuer_pdf_save(const char *home, const char *no, const char *path, char *err, size_t errlen);
/* Prints certificates by status, PDF bytes, audit entries and map size to out. */
int issuer_stats(const char *home, FILE *out, char *err, size_t errlen);
/* Recomputes the audit chain: 0 when intact, else STORE_ECORRUPT with *first_bad set;
 * *count = entries read. */
int issuer_audit_verify(const char *home, uint64_t *first_bad, uint64_t *count, char *err,
                        size_t errlen);

#define ISSUER_CHECK_LINES 8 /* problems described at most */

/* What issuer_check found. */
struct issuer_check_report {
    uint64_t certs, pdfs, audit_entries; /* records read */
    unsigned problems;                   /* problems found */
    char first[ISSUER_CHECK_LINES][160]; /* descriptions of the first ones */
    uint64_t ofds;                       /* OFD packages read (homes with SM2 keys only) */
};

/*
 * Walks the whole store (store_check) and counts as a problem a store data file
 * that others may read. Returns 0 when the walk completed (problems in *r).
 */
int issuer_check(const char *home, struct issuer_check_report *r, char *err, size_t errlen);

/* --- OFD (SPEC §11; issuer/ofd.c) --- */
/*
 * issuer_check's OFD part, for a home with SM2 keys (nothing otherwise):
 * counts the OFDs into r->ofds and adds a problem for every certificate whose
 * current version has no OFD, or whose OFD's file or seal digest does not map
 * to (number, file version). Returns 0 when the walk completed.
 */
int issuer_check_ofds(const char *home, struct issuer_check_report *r, char *err, size_t errlen);
/* 1 when the opened issuer makes OFDs (the home has SM2 keys), else 0. */
int issuer_has_ofd(const issuer *is);
/*
 * Writes certificate no's stored OFD to path as a private file (0600, like
 * issuer_pdf_save); an existing path is refused (EEXIST) unless force.
 * ISSUER_EARG, EEXIST, STORE_ENOTFOUND, or the first failure's code.
 */
int issuer_ofd_save(const char *home, const char *no, const char *path, int force, char *err,
                    size_t errlen);
/*
 * keys sm2-init: adds the SM2 root and signing certificate to a home made
 * without them (keys/sm2.c, encrypted with pass when given; the passphrase or
 * PIN must open the home's keys) with the audit entry keys-sm2-init by actor.
 * The trust list is re-exported and HOME/sm2-root.crl issued before the audit
 * entry is written; when either step or the audit entry fails, the key files
 * and the CRL are removed and the trust list is put back byte for byte, so a
 * failure changes nothing (err says if the old list could not be restored).
 * EEXIST when any SM2 file exists.
 */
int issuer_keys_sm2_init(const char *home, const unsigned char *pass, size_t passlen,
                         const char *actor, char *err, size_t errlen);
/*
 * One-off for a store made before the file-check index: records the digests of
 * every certificate's current PDF (store_digest_backfill); *n gets how many.
 * Idempotent. Returns 0 or the first failure's code (reason in err).
 */
int issuer_digest_backfill(const char *home, uint64_t *n, char *err, size_t errlen);
/*
 * One-off for a store made before the institution index (SPEC §10's
 * institution endpoints): indexes every certificate under its institution
 * code and exam id (store_institution_backfill); *n gets the certificates
 * read. Idempotent. Returns 0 or the first failure's code (reason in err).
 */
int issuer_institution_backfill(const char *home, uint64_t *n, char *err, size_t errlen);
/* Hot compacting copy of HOME's store into dir (new or empty): directory 0700, data.mdb 0600. */
int issuer_backup(const char *home, const char *dir, char *err, size_t errlen);

/*
 * Issues a new file for a valid certificate: same number, e-licence identifier
 * version + 1, freshly rendered and signed PDF (with the current signing key),
 * audit entry "reissue". Returns 0, STORE_ENOTFOUND, ISSUER_ESTATUS (not valid, or
 * version 999 reached), ISSUER_EARG (actor), or
 * an error of rendering, signing or storing; nothing changes on error.
 */
int issuer_reissue(issuer *is, const char *certificate_no, const char *actor, char *err,
                   size_t errlen);
/* ---------------------------------------------------------- corrections */

/* What a correction changes; NULL fields stay as they are (at least one is set). */
struct issuer_correction {
    const char *name;   /* new holder name, or NULL */
    const char *gender; /* 男 or 女, or NULL */
    const char *photo;  /* path of a new JPEG or PNG photo (<= 200 KB), or NULL */
    const char *reason; /* why, 1..ISSUER_NOTE_MAX bytes of printable UTF-8; kept with the old
                           and new values in the issuer's corrections record, never served */
    int new_claim_code; /* 1: the certificate gets a new claim code (the old one stops working) */
    const char *actor;  /* who, for the audit log; NULL: "jianpei-issuer" */
};

/* What a correction did. */
struct issuer_correct_result {
    unsigned file_version;                     /* the new version's number */
    char fields[64];                           /* what changed: "name, gender, photo" */
    char claim_shown[ISSUER_CLAIM_SHOWN_SIZE]; /* the new claim code, or "" when none asked;
                                                  a secret: wipe it after showing */
};

/*
 * Corrects a valid certificate's holder data (信息变更): every intake rule of
 * SPEC §5 is applied to the record with the new values (the same checks as
 * issue), then the next file version is made as a reissue is (same number,
 * e-licence version + 1, rendered and signed with the current key; the old
 * file stays known to the file check as an older version), the old and new
 * values with the reason go into the issuer's "corrections" database under
 * (number, version) and the audit entry "correct" names the fields and that
 * record's SHA-256 (no personal data), all in one transaction. Returns 0,
 * ISSUER_EARG (a new value breaks a rule, nothing would change, bad reason or
 * actor: err names the option, never the value), STORE_ENOTFOUND,
 * ISSUER_ESTATUS (not valid, version 999), or the first failure's code;
 * nothing changes on error.
 */
int issuer_correct(issuer *is, const char *certificate_no, const struct issuer_correction *c,
                   struct issuer_correct_result *out, char *err, size_t errlen);

/*
 * Prints the corrections recorded for certificate no, one JSON object a line
 * (file_version, time, actor, reason, and each field's old and new value;
 * photos as SHA-256), oldest first, to out; *n = how many. The department's
 * own view: it holds personal data.
 */
int issuer_corrections_print(issuer *is, const char *no, FILE *out, size_t *n, char *err,
                             size_t errlen);

/* ------------------------------------------------------------- cascades */

/* A status change of every certificate an institution issued in a period. */
struct issuer_cascade {
    const char *action;      /* "suspend" or "revoke" */
    const char *institution; /* institution code, [A-Za-z0-9-]{1,32} */
    const char *issued_from; /* first issue date, YYYY-MM-DD, inclusive */
    const char *issued_to;   /* last issue date, YYYY-MM-DD, inclusive */
    const char *reason;      /* a code of ISSUER_REASON_CODES, or free text: it becomes the
                                internal note under institution_struck_off */
    const char *note;        /* internal note, or NULL */
    const char *actor;       /* who; NULL: "jianpei-issuer" */
    int dry_run;             /* 1: find them and change nothing */
};

/* What a cascade found: numbers only. Released with issuer_cascade_free. */
struct issuer_cascade_result {
    char (*nos)[IDENT_CERTNO_SIZE]; /* changed (or, dry run, to change), in number order */
    size_t n, cap;                  /* used and allocated */
    size_t already;                 /* already in the target status */
    size_t left;                    /* in a status the change may not start from */
    size_t scanned;                 /* records read */
};

/*
 * Finds, by a scan of every record, the certificates of institution whose
 * issue date lies in [issued_from, issued_to] and, unless dry_run, changes
 * them all in one transaction (each with its audit entry "suspend"/"revoke"
 * and the reason code, like a single change; the note says it was this
 * cascade). Returns 0, ISSUER_EARG (action, institution unknown to the store
 * or malformed, a date, reason, note or actor: err names the option),
 * or the first failure's code (nothing changed).
 */
int issuer_cascade_run(const char *home, const struct issuer_cascade *o,
                       struct issuer_cascade_result *r, char *err, size_t errlen);
void issuer_cascade_free(struct issuer_cascade_result *r);

/* ------------------------------------------------------- dashboard.c */

/*
 * `stats --json`: one JSON object on out with "certificates", "by_status",
 * "by_month" ("YYYY-MM" of the issue date), "by_city", "by_position" (codes
 * -> counts, nonzero only), "audit_actions" (action -> entries), "pdf_bytes",
 * "audit_entries". Counts only, never personal data. Same errors as
 * issuer_stats.
 */
int issuer_stats_json(const char *home, FILE *out, char *err, size_t errlen);

/*
 * `report --html FILE`: the operator's dashboard (dashboard.h) of the home's
 * store for as_of ("YYYY-MM-DD", NULL = today in China) over months (0 = 12)
 * months, written to path atomically (a temporary file renamed; nothing half
 * written) with mode 0644: it holds counts only. ISSUER_EARG for a bad date or
 * month count (err names the option), else the first failure's code.
 */
int issuer_report_html(const char *home, const char *path, const char *as_of, int months,
                       char *err, size_t errlen);
#endif
